// --attn-reference-pipeline: the reference decomposition
// (--convert-attn-to-linalg), bufferization and loops, down to the LLVM
// dialect. No fused kernel, no threads, no vectors.
// RUN: attn-opt %s --attn-reference-pipeline | FileCheck %s --implicit-check-not=attn. --implicit-check-not=linalg. --implicit-check-not=tensor. --implicit-check-not=memref. --implicit-check-not=scf. --implicit-check-not=func.func --implicit-check-not=omp. --implicit-check-not="vector<"
// RUN: attn-opt %s --attn-statistics --attn-reference-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: attn-opt %s --attn-reference-pipeline="emit-c-interface" | FileCheck %s --check-prefix=CIFACE
// RUN: attn-opt %s --attn-reference-pipeline="results-as-out-params" | FileCheck %s --check-prefix=OUT
// The module it produces runs and matches the naive oracle.
// RUN: attn-run %s --pipeline=reference --entry=causal --seed=1 --check --oracle=naive | FileCheck %s --check-prefix=PASS

// The result is returned as a memref descriptor; exp comes from the LLVM
// intrinsic, on scalars.
// CHECK-LABEL: llvm.func @causal(
// CHECK-SAME: -> !llvm.struct<(ptr, ptr, i64, array<4 x i64>, array<4 x i64>)>
// CHECK: llvm.call @malloc(
// CHECK: llvm.intr.exp({{.*}}) : (f32) -> f32
// CHECK: llvm.return %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<4 x i64>, array<4 x i64>)>

// Every op goes to the reference decomposition: no fused kernel counts it.
// STATS: attn pass statistics:
// STATS-NOT: convert-attn-to-cpu

// CIFACE: llvm.func @causal(
// CIFACE: llvm.func @_mlir_ciface_causal(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)

// The result becomes a trailing memref argument; the function returns
// nothing.
// OUT: llvm.func @causal({{[^>]*}}) {
// OUT: llvm.return{{$}}

// PASS: check: oracle=naive
// PASS-NOT: FAIL
// PASS: check: PASS

func.func @causal(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
