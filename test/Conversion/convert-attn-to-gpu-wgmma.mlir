// The wgmma variant of the tensor-core kernel (--convert-attn-to-gpu
// "chip=sm_90a wgmma=true"): which ops get it, its stages, descriptors and
// the order of proxy fence, barrier and wgmma group. Numerics:
// test/Integration/gpu-sim-tensor-cores.mlir; PTX and ptxas:
// test/Integration/gpu-pipeline-mma-cubin.mlir.
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_90a wgmma=true" --split-input-file 2>&1 | FileCheck %s
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_90a wgmma=true tile-q=128 tile-k=64" --split-input-file 2>&1 | FileCheck %s --check-prefix=WIDE
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_90a" --split-input-file 2>&1 | FileCheck %s --check-prefix=OFF
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_90a wgmma=true" --split-input-file --attn-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// bf16 causal, D = 64, Dv = 32, 64 x 32 tiles: one warpgroup (128 threads).
// Stages: two of K (8 x 32 x 8 each: [column / 8, key, column % 8]), two of
// V padded as for mma.sync, one of Q (8 x 64 x 8), all 16-byte aligned.
// CHECK-LABEL: func.func private @__attn_gpu_launch
// CHECK-SAME: attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 2, 2, 1>
// CHECK: gpu.func @attention(
// CHECK-SAME: workgroup(%[[KS:.*]] : memref<2x8x32x8xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %[[VS:.*]] : memref<2x32x40xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %[[QS:.*]] : memref<8x64x8xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: attn.gpu.path = "wgmma.m64n32k16.bf16", attn.gpu.tiles = array<i64: 64, 32>
// Q staged once through registers, in 16-byte pieces (64 rows x 8 pieces
// over 128 threads).
// CHECK: scf.for %{{.*}} = %thread_id_x to %c512 step %c128
// CHECK: vector.load %arg0{{.*}} {alignment = 16 : i64} : memref<1x2x128x64xbf16>, vector<8xbf16>
// CHECK: vector.store {{.*}}, %[[QS]]{{.*}} {alignment = 16 : i64} : memref<8x64x8xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK: memref.extract_aligned_pointer_as_index %[[QS]]
// CHECK: %[[KBASE:.*]] = memref.extract_aligned_pointer_as_index %[[KS]]
// CHECK-NOT: nvvm.mma.sync
// Prologue: the first tile's K and V into stage 0 by cp.async, one group.
// CHECK: scf.if
// CHECK: nvgpu.device_async_copy %arg1[{{.*}}], %[[KS]][%c0{{.*}}, %{{.*}}, %{{.*}}, %c0{{.*}}], 8 {bypassL1} : memref<1x2x128x64xbf16> to memref<2x8x32x8xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy %arg2[{{.*}}], %[[VS]][%c0{{.*}}, %{{.*}}, %{{.*}}], 8 {bypassL1} : memref<1x2x128x32xbf16> to memref<2x32x40xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_create_group
// Each tile: the next tile's copies into the other stage, then a wait for
// all but that newest group, the proxy fence, the barrier.
// CHECK: scf.for %[[ENTRY:.*]] = %[[FIRST:.*]] to %[[LAST:.*]] step
// CHECK: %[[SUB:.*]] = arith.subi %[[ENTRY]], %[[FIRST]] : index
// CHECK: %[[BUF:.*]] = arith.remui %[[SUB]], %c2{{.*}} : index
// CHECK: scf.if
// CHECK: %[[OTHER:.*]] = arith.subi %c1{{.*}}, %[[BUF]] : index
// CHECK: nvgpu.device_async_copy %arg1[{{.*}}], %[[KS]][%[[OTHER]], {{.*}}]
// CHECK: nvgpu.device_async_copy %arg2[{{.*}}], %[[VS]][%[[OTHER]], {{.*}}]
// CHECK: %[[GROUP:.*]] = nvgpu.device_async_create_group
// CHECK-NEXT: nvgpu.device_async_wait %[[GROUP]] {numGroups = 1 : i32}
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// Descriptors: (address & 0x3ffff) >> 4 | LBO / 16 << 16 | SBO / 16 << 32,
// with LBO = 64 rows x 16 bytes = 1024 for Q (0x40 << 16 | 8 << 32 =
// 34363932672) and 32 x 16 = 512 for K (0x20 << 16 | 8 << 32 = 34361835520);
// the stage's K address is the base plus 4096 bytes per stage; the k-steps
// advance by two core matrices along K (2048 and 1024 bytes).
// CHECK: %[[KOFF:.*]] = arith.muli %[[BUF]], %c4096{{.*}} : index
// CHECK: arith.addi %[[KBASE]], %[[KOFF]] : index
// CHECK-NEXT: llvm.mlir.zero
// CHECK-NEXT: nvvm.wgmma.fence.aligned
// CHECK-DAG: arith.constant 34363932672 : i64
// CHECK-DAG: arith.constant 34361835520 : i64
// CHECK-DAG: arith.constant 262143 : i64
// CHECK: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 32, k = 16>, D[<f32>, <zero>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)>
// CHECK-COUNT-3: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 32, k = 16>, D[<f32>, <one>]
// CHECK-NEXT: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-COUNT-16: llvm.extractvalue
// P V stays on mma.sync, its B registers by transposed ldmatrix of the
// stage: 2 steps of 16 keys x 4 blocks of 8 value columns.
// CHECK: nvgpu.ldmatrix %[[VS]][%[[BUF]], %{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK-COUNT-8: nvvm.mma.sync
// CHECK: gpu.barrier
// CHECK: scf.yield
// CHECK: gpu.return

// Two warpgroups of 64 rows: the second reads Q 64 x 16 bytes further on.
// WIDE-LABEL: func.func private @__attn_gpu_launch
// WIDE-SAME: attn.gpu.block = array<i64: 256, 1, 1>
// WIDE: attn.gpu.path = "wgmma.m64n64k16.bf16", attn.gpu.tiles = array<i64: 128, 64>
// WIDE: arith.muli %{{.*}}, %c1024{{.*}} : index

// OFF: attn.gpu.path = "mma.m16n8k16.bf16"
// OFF-NOT: wgmma
func.func @bf16_causal(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>, %v: tensor<1x2x128x32xbf16>) -> tensor<1x2x128x32xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x32xbf16> -> tensor<1x2x128x32xbf16>
  return %o : tensor<1x2x128x32xbf16>
}

// -----

// D = 128: the Q stage (64 x 128 x 2 = 16 KiB) leaves room for two stages
// of 16 keys of K and V (2 x 16 x 264 x 2 bytes) in 48 KiB, not of 32;
// f16 is the element type.
// CHECK-LABEL: func.func @f16_d128(
// CHECK: workgroup(%{{.*}} : memref<2x16x16x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<2x16x136xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<16x64x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: attn.gpu.path = "wgmma.m64n16k16.f16"
// CHECK: nvvm.wgmma.mma_async {{.*}} A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
func.func @f16_d128(%q: tensor<1x1x64x128xf16>, %k: tensor<1x1x64x128xf16>, %v: tensor<1x1x64x128xf16>) -> tensor<1x1x64x128xf16> {
  %o = attn.attention %q, %k, %v : tensor<1x1x64x128xf16>, tensor<1x1x64x128xf16>, tensor<1x1x64x128xf16> -> tensor<1x1x64x128xf16>
  return %o : tensor<1x1x64x128xf16>
}

// -----

// Ops the tensor-core kernel does not take say why wgmma is not used.
// CHECK: remark: wgmma not used: query, key and value are not all f16 or all bf16
// CHECK-LABEL: func.func @f32_dense(
// CHECK: attn.gpu.path = "simt.f32"
func.func @f32_dense(%q: tensor<1x1x64x64xf32>, %k: tensor<1x1x64x64xf32>, %v: tensor<1x1x64x64xf32>) -> tensor<1x1x64x64xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32>, tensor<1x1x64x64xf32> -> tensor<1x1x64x64xf32>
  return %o : tensor<1x1x64x64xf32>
}

// -----

// D = 256: the Q stage alone (32 KiB) and two stages of 16 keys
// (2 x 16 x 520 x 2 bytes) do not fit 48 KiB; the op keeps mma.sync, with a
// remark.
// CHECK: remark: wgmma not used: the Q stage and two stages of 16 key and value rows exceed shared-memory-bytes
// CHECK-LABEL: func.func @bf16_d256(
// CHECK: attn.gpu.path = "mma.m16n8k16.bf16"
func.func @bf16_d256(%q: tensor<1x1x64x256xbf16>, %k: tensor<1x1x64x256xbf16>, %v: tensor<1x1x64x256xbf16>) -> tensor<1x1x64x256xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x1x64x256xbf16>, tensor<1x1x64x256xbf16>, tensor<1x1x64x256xbf16> -> tensor<1x1x64x256xbf16>
  return %o : tensor<1x1x64x256xbf16>
}

// STATS: attn pass statistics:
// STATS: convert-attn-to-gpu: lowered-ops = 4
// STATS: convert-attn-to-gpu: tensor-core-ops = 3
// STATS-NEXT: convert-attn-to-gpu: wgmma-ops = 2
