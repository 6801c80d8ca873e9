// attn-run --pipeline=cpu: the fused pipeline through the JIT (libomp
// loaded), its options, and its errors.
// RUN: attn-run %s --pipeline=cpu --seed=3 --check --oracle=naive | FileCheck %s --check-prefix=OK
// RUN: attn-run %s --pipeline=cpu --pipeline-options="tile-q=16 tile-k=8 num-threads=2 fast-math=false" --seed=3 --check --oracle=naive | FileCheck %s --check-prefix=OK
// RUN: attn-run %s --pipeline=cpu --bench --repeat=2 --warmup=1 | FileCheck %s --check-prefix=BENCH
// RUN: not attn-run %s --pipeline=cpu --pipeline-options="bogus=1" 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: attn-run %s --pipeline=cpu --pipeline-options="bogus=1"; test $? -eq 2
// RUN: not attn-run %s --pipeline=cpu --pipeline-options="tile-q=12 vector-width=8" 2>&1 | FileCheck %s --check-prefix=BADTILE
// The lowered module is LLVM dialect plus OpenMP, with fused multiply-adds.
// RUN: attn-opt %s --attn-cpu-pipeline | FileCheck %s --check-prefix=LLVM --implicit-check-not=scf. --implicit-check-not=memref. --implicit-check-not=vector.

// OK: entry: @main (pipeline cpu)
// OK: check: oracle=naive
// OK-NOT: FAIL
// OK: check: PASS
// BENCH: bench: warmup=1 repeat=2 median={{[0-9.e+-]+}} ms
// BENCH-SAME: (useful FLOPs {{.*}} in 1 attention op)
// BADOPT: attn-run: error: invalid --pipeline-options 'bogus=1' for pipeline 'cpu': <Pass-Options-Parser>: no such option bogus
// BADTILE: error: convert-attn-to-cpu: tile-q (12) must be 0 (automatic) or a positive multiple of vector-width (8)
// BADTILE: attn-run: error: pipeline 'cpu' failed on
// LLVM: llvm.mlir.global private constant @__attn_cpu_offsets
// LLVM: llvm.func @main(
// LLVM: omp.parallel
// LLVM: omp.wsloop
// LLVM: llvm.intr.fmuladd

func.func @main(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x50x16xf32>, %v: tensor<1x2x50x16xf32>) -> tensor<1x2x40x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 8, right = 2, sinks = 1>}
      : tensor<1x2x40x16xf32>, tensor<1x2x50x16xf32>, tensor<1x2x50x16xf32> -> tensor<1x2x40x16xf32>
  return %o : tensor<1x2x40x16xf32>
}
