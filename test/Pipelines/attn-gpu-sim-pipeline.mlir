// --attn-gpu-sim-pipeline, the pipeline `attn-run --pipeline=gpu-sim` (alias
// of attn-gpu-sim-pipeline) runs before the GPU simulator takes the kernels:
// the kernel stage of --attn-gpu-pipeline alone. Kernels stay gpu.func in a
// gpu.module, the launcher is a declaration carrying its launch, the host
// code is bufferized but not lowered to LLVM, nothing is serialised.
// RUN: attn-opt %s --attn-gpu-sim-pipeline | FileCheck %s
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-gpu-sim-pipeline{tile-k=8 results-as-out-params=true})' | FileCheck %s --check-prefix=OPTS
// The same function, run through the registered name and checked against the
// naive reference.
// RUN: attn-run %s --pipeline=attn-gpu-sim-pipeline --seed=1 --check --oracle=naive | FileCheck %s --check-prefix=SIM

// CHECK: module attributes {{{.*}}gpu.container_module
// CHECK: func.func private @__attn_gpu_launch({{.*}}) attributes {attn.gpu.block = array<i64: {{.*}}>, attn.gpu.grid = array<i64: {{.*}}>, attn.gpu.kernel = @__attn_gpu::@attention}
// CHECK-LABEL: func.func @attn(
// CHECK-SAME: %[[Q:.*]]: memref<1x2x16x8xf32>, %[[K:.*]]: memref<1x2x16x8xf32>, %[[V:.*]]: memref<1x2x16x8xf32>) -> memref<1x2x16x8xf32>
// CHECK: %[[OUT:.*]] = memref.alloc()
// CHECK: call @__attn_gpu_launch(%[[Q]], %[[K]], %[[V]], {{.*}}, %[[OUT]])
// CHECK: return %[[OUT]]
// CHECK: gpu.module @__attn_gpu
// CHECK: gpu.func @attention({{.*}} kernel attributes {attn.gpu.path = "simt.f32", attn.gpu.tiles = array<i64: 64, 16>
// CHECK-NOT: llvm.func
// CHECK-NOT: gpu.binary

// With results-as-out-params, the result is a fourth argument.
// OPTS: func.func @attn(%{{[^:]*}}: memref<1x2x16x8xf32>, %{{[^:]*}}: memref<1x2x16x8xf32>, %{{[^:]*}}: memref<1x2x16x8xf32>, %{{[^:]*}}: memref<1x2x16x8xf32>) {
// OPTS-NOT: return %
// OPTS: gpu.func @attention({{.*}} kernel attributes {attn.gpu.path = "simt.f32", attn.gpu.tiles = array<i64: 64, 8>

// SIM: gpu-sim: 2 thread blocks simulated; kernels: attention (simt.f32)
// SIM: entry: @attn (pipeline attn-gpu-sim-pipeline)
// SIM: check: oracle=naive
// SIM: check: PASS

func.func @attn(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
