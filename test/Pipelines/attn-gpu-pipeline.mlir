// --attn-gpu-pipeline without a GPU: the kernel stage (--convert-attn-to-gpu),
// the reference decomposition of the rest, launchers, NVVM, and
// gpu-module-to-binary with format=isa (PTX from LLVM's NVPTX backend,
// libdevice from the toolkit) or the default cubin (ptxas).
// REQUIRES: cuda-toolkit
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_80 format=isa" | FileCheck %s --check-prefixes=CHECK,ISA --implicit-check-not=attn. --implicit-check-not=linalg. --implicit-check-not=gpu.module --implicit-check-not=scf. --implicit-check-not=memref.
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_90 features=+ptx80" | FileCheck %s --check-prefixes=CHECK,BIN --implicit-check-not=attn. --implicit-check-not=gpu.module
// Options reach the kernel stage: the tile sizes become the launch grid and
// the block size.
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_80 format=isa tile-q=32 tile-k=16" | FileCheck %s --check-prefix=TILE
// RUN: not attn-opt %s --attn-gpu-pipeline="chip=sm_80 format=isa tile-q=0" 2>&1 | FileCheck %s --check-prefix=BADTILE

// CHECK: module attributes {attn.gpu.target = {chip = "sm_{{80|90}}"
// By default a block of 64 threads per tile of 64 query rows: one block per
// head and batch.
// CHECK-LABEL: llvm.func @__attn_gpu_launch(
// ISA-DAG: %[[ONE:.*]] = llvm.mlir.constant(1 : index) : i64
// ISA-DAG: %[[TWO:.*]] = llvm.mlir.constant(2 : index) : i64
// ISA-DAG: %[[T64:.*]] = llvm.mlir.constant(64 : index) : i64
// CHECK: llvm.call @mgpuMemAlloc(
// ISA: gpu.launch_func <%{{.*}} : !llvm.ptr> @__attn_gpu::@attention blocks in (%[[ONE]], %[[TWO]], %[[ONE]]) threads in (%[[T64]], %[[ONE]], %[[ONE]])
// BIN: gpu.launch_func <%{{.*}} : !llvm.ptr> @__attn_gpu::@attention
// CHECK: llvm.call @mgpuStreamSynchronize(
// CHECK-LABEL: llvm.func @causal(
// CHECK: llvm.call @__attn_gpu_launch(
// ISA: gpu.binary @__attn_gpu [#gpu.object<#nvvm.target<O = 3, chip = "sm_80"{{.*}}assembly = "{{.*}}.visible .entry attention(
// BIN: gpu.binary @__attn_gpu [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80"{{.*}}bin = "\7FELF

// tile-q=32: two query tiles of 32 threads.
// TILE-LABEL: llvm.func @__attn_gpu_launch(
// TILE-DAG: %[[ONE:.*]] = llvm.mlir.constant(1 : index) : i64
// TILE-DAG: %[[TWO:.*]] = llvm.mlir.constant(2 : index) : i64
// TILE-DAG: %[[T32:.*]] = llvm.mlir.constant(32 : index) : i64
// TILE: gpu.launch_func <%{{.*}} : !llvm.ptr> @__attn_gpu::@attention blocks in (%[[TWO]], %[[TWO]], %[[ONE]]) threads in (%[[T32]], %[[ONE]], %[[ONE]])
// BADTILE: error: convert-attn-to-gpu: tile-q (0) must be a positive multiple of 32 and at most 1024

func.func @causal(%q: tensor<1x2x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>) -> tensor<1x2x64x32xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x2x64x32xf32>
  return %o : tensor<1x2x64x32xf32>
}
