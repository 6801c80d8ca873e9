// --attn-cpu-pipeline: fused, tiled, vectorised and multi-threaded (OpenMP)
// attention kernels (--convert-attn-to-cpu), the rest as in the reference
// pipeline, down to the LLVM dialect.
// RUN: attn-opt %s --attn-cpu-pipeline | FileCheck %s --implicit-check-not=attn. --implicit-check-not=linalg. --implicit-check-not=tensor. --implicit-check-not=memref. --implicit-check-not=scf. --implicit-check-not=func.func --implicit-check-not=vector.
// RUN: attn-opt %s --attn-statistics --attn-cpu-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// Options reach the kernel and the OpenMP conversion.
// RUN: attn-opt %s --attn-cpu-pipeline="num-threads=3 vector-width=4" | FileCheck %s --check-prefix=OPTS --implicit-check-not="vector<16xf32>"
// RUN: attn-opt %s --attn-cpu-pipeline="emit-c-interface results-as-out-params" | FileCheck %s --check-prefix=CIFACE
// The module it produces runs and matches the naive oracle, on two threads.
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=2" --entry=causal --seed=1 --check --oracle=naive | FileCheck %s --check-prefix=PASS

// CHECK-LABEL: llvm.func @causal(
// CHECK: omp.parallel
// CHECK: omp.wsloop
// CHECK: llvm.intr.fma({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK: omp.terminator
// CHECK: llvm.return

// STATS: convert-attn-to-cpu: lowered-ops = 1
// STATS-NOT: left-ops

// OPTS-LABEL: llvm.func @causal(
// OPTS: %[[N:.*]] = llvm.mlir.constant(3 : i32) : i32
// OPTS: omp.parallel num_threads(%[[N]] : i32)
// OPTS: vector<4xf32>

// The result is a fourth memref argument, also of the C wrapper.
// CIFACE: llvm.func @causal({{[^>]*}}) attributes {llvm.emit_c_interface} {
// CIFACE: llvm.func @_mlir_ciface_causal(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) attributes {llvm.emit_c_interface} {

// PASS: check: oracle=naive
// PASS-NOT: FAIL
// PASS: check: PASS

func.func @causal(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x40x16xf32>, %v: tensor<1x2x40x16xf32>) -> tensor<1x2x40x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32> -> tensor<1x2x40x16xf32>
  return %o : tensor<1x2x40x16xf32>
}
