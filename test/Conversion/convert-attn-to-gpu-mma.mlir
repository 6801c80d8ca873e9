// The tensor-core kernel of --convert-attn-to-gpu: which ops get it, its
// launch shape, stages and fragment code. Numerics: test/Integration/gpu-sim-tensor-cores.mlir.
// RUN: attn-opt %s --convert-attn-to-gpu --split-input-file | FileCheck %s
// RUN: attn-opt %s --convert-attn-to-gpu="tile-q=32 tile-k=20" --split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: attn-opt %s --convert-attn-to-gpu="tile-k=64 shared-memory-bytes=20480" --split-input-file | FileCheck %s --check-prefix=SHMEM
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_75" --split-input-file | FileCheck %s --check-prefix=OLD
// RUN: attn-opt %s --convert-attn-to-gpu="tensor-cores=false" --split-input-file | FileCheck %s --check-prefix=OLD

// bf16 causal, D = 64, Dv = 32: four warps of 16 rows (128 threads) per
// 64-row query tile; two stages each of K and V (double buffering), rows
// padded by 8 elements, 16-byte aligned.
// CHECK-LABEL: func.func private @__attn_gpu_launch
// CHECK-SAME: attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 2, 2, 1>
// CHECK: gpu.func @attention(
// CHECK-SAME: workgroup(%[[KS:.*]] : memref<2x32x72xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %[[VS:.*]] : memref<2x32x40xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: attn.gpu.path = "mma.m16n8k16.bf16", attn.gpu.tiles = array<i64: 64, 32>
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// Q fragments: 4 k-steps x 4 registers, bf16 pairs as i32.
// CHECK-COUNT-16: vector.load %arg0{{.*}} {alignment = 4 : i64} : memref<1x2x128x64xbf16>, vector<2xbf16>
// K and V rows staged by cp.async in 16-byte pieces: the first tile into
// stage 0 before the loop (a group of its own), each next tile into the
// other stage at the top of an iteration, then a wait for all but that
// newest group and a barrier.
// CHECK: scf.if
// CHECK: nvgpu.device_async_copy %arg1[{{.*}}], %[[KS]][%c0{{.*}}, %{{.*}}, %{{.*}}], 8 {bypassL1} : memref<1x2x128x64xbf16> to memref<2x32x72xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy %arg2[{{.*}}], %[[VS]][%c0{{.*}}, %{{.*}}, %{{.*}}], 8 {bypassL1} : memref<1x2x128x32xbf16> to memref<2x32x40xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_create_group
// CHECK: scf.for %[[ENTRY:.*]] = %[[FIRST:.*]] to %{{.*}} step
// CHECK: %[[SUB:.*]] = arith.subi %[[ENTRY]], %[[FIRST]] : index
// CHECK: %[[BUF:.*]] = arith.remui %[[SUB]], %c2{{.*}} : index
// CHECK: %[[OTHER:.*]] = arith.subi %c1{{.*}}, %[[BUF]] : index
// CHECK: nvgpu.device_async_copy %arg1[{{.*}}], %[[KS]][%[[OTHER]], {{.*}}]
// CHECK: nvgpu.device_async_copy %arg2[{{.*}}], %[[VS]][%[[OTHER]], {{.*}}]
// CHECK: %[[GROUP:.*]] = nvgpu.device_async_create_group
// CHECK-NEXT: nvgpu.device_async_wait %[[GROUP]] {numGroups = 1 : i32}
// CHECK-NEXT: gpu.barrier
// S = Q K^T: 4 blocks of 8 keys x 4 k-steps, the B registers of each block
// by two ldmatrix.x4 of the K stage (two k-steps each); then the row maxima
// over the quads; then P V: 2 steps of 16 keys x 4 blocks of 8 value
// columns, the B registers by transposed ldmatrix.x4 of the V stage (two
// column blocks each).
// CHECK-COUNT-2: nvgpu.ldmatrix %[[KS]][%[[BUF]], %{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<2x32x72xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK-COUNT-4: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-COUNT-2: nvgpu.ldmatrix %[[KS]]
// CHECK-COUNT-4: nvvm.mma.sync
// CHECK-COUNT-2: nvgpu.ldmatrix %[[KS]]
// CHECK-COUNT-4: nvvm.mma.sync
// CHECK-COUNT-2: nvgpu.ldmatrix %[[KS]]
// CHECK-COUNT-4: nvvm.mma.sync
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK-COUNT-2: nvgpu.ldmatrix %[[VS]][%[[BUF]], %{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = true} : memref<2x32x40xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK-COUNT-4: nvvm.mma.sync
// CHECK-COUNT-2: nvgpu.ldmatrix %[[VS]]{{.*}}transpose = true
// CHECK-COUNT-4: nvvm.mma.sync
// CHECK: gpu.barrier
// CHECK: scf.yield
// The running sums of a row's four lanes are added once, at the end.
// CHECK-COUNT-4: gpu.shuffle  xor
// CHECK: vector.store %{{.*}}, %arg7{{.*}} {alignment = 4 : i64} : memref<1x2x128x32xbf16>, vector<2xbf16>
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.return

// tile-q=32: two warps; tile-k=20 rounds up to one MMA step multiple (32).
// SMALL-LABEL: func.func private @__attn_gpu_launch
// SMALL-SAME: attn.gpu.block = array<i64: 64, 1, 1>, attn.gpu.grid = array<i64: 4, 2, 1>
// SMALL: attn.gpu.path = "mma.m16n8k16.bf16", attn.gpu.tiles = array<i64: 32, 32>

// OLD-LABEL: func.func @bf16_causal(
// OLD: attn.gpu.path = "simt.f32"
func.func @bf16_causal(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>, %v: tensor<1x2x128x32xbf16>) -> tensor<1x2x128x32xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x32xbf16> -> tensor<1x2x128x32xbf16>
  return %o : tensor<1x2x128x32xbf16>
}

// -----

// f16 operands are vector<2xf16> registers. D = 128: two stages of 64 keys
// do not fit 20 KiB of shared memory (2 x 64 x 272 x 2 bytes), nor of 32;
// of 16 do.
// CHECK-LABEL: func.func @f16_d128(
// CHECK: attn.gpu.path = "mma.m16n8k16.f16"
// CHECK: nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// SHMEM-LABEL: func.func @f16_d128(
// SHMEM: workgroup(%{{.*}} : memref<2x16x136xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<2x16x136xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// SHMEM-SAME: attn.gpu.tiles = array<i64: 64, 16>
// OLD-LABEL: func.func @f16_d128(
// OLD: attn.gpu.path = "simt.f32"
func.func @f16_d128(%q: tensor<1x1x64x128xf16>, %k: tensor<1x1x64x128xf16>, %v: tensor<1x1x64x128xf16>) -> tensor<1x1x64x128xf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.dense} : tensor<1x1x64x128xf16>, tensor<1x1x64x128xf16>, tensor<1x1x64x128xf16> -> tensor<1x1x64x128xf16>
  return %o : tensor<1x1x64x128xf16>
}

// -----

// Ops the tensor-core kernel does not take get the f32 SIMT one: a head
// dimension that is not a multiple of 16, f32 operands.
// CHECK-LABEL: func.func @bf16_d8(
// CHECK: attn.gpu.path = "simt.f32"
func.func @bf16_d8(%q: tensor<1x1x16x8xbf16>, %k: tensor<1x1x16x8xbf16>, %v: tensor<1x1x16x8xbf16>) -> tensor<1x1x16x8xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.dense} : tensor<1x1x16x8xbf16>, tensor<1x1x16x8xbf16>, tensor<1x1x16x8xbf16> -> tensor<1x1x16x8xbf16>
  return %o : tensor<1x1x16x8xbf16>
}

// -----

// CHECK-LABEL: func.func @f32_d64(
// CHECK: attn.gpu.path = "simt.f32"
func.func @f32_d64(%q: tensor<1x1x16x64xf32>, %k: tensor<1x1x16x64xf32>, %v: tensor<1x1x16x64xf32>) -> tensor<1x1x16x64xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.dense} : tensor<1x1x16x64xf32>, tensor<1x1x16x64xf32>, tensor<1x1x16x64xf32> -> tensor<1x1x16x64xf32>
  return %o : tensor<1x1x16x64xf32>
}
