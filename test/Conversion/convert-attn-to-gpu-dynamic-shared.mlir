// Stages beyond 48 KiB: with a shared-memory-bytes budget above the static
// limit, the kernel's stages become views of its dynamic shared memory, at
// 16-byte aligned offsets, and the kernel and its launcher record the bytes;
// --attn-gpu-stage-buffers launches it with that much dynamic shared memory.
// Within 48 KiB the stages stay 16-byte aligned workgroup attributions.
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_80 tile-q=128 tile-k=128 shared-memory-bytes=98304" | FileCheck %s --check-prefix=MMA
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_80 tile-q=128 tile-k=128 shared-memory-bytes=98304" --attn-gpu-stage-buffers | FileCheck %s --check-prefix=LAUNCH
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_90a wgmma=true tile-q=128 tile-k=64 shared-memory-bytes=131072" | FileCheck %s --check-prefix=WGMMA
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_90a wgmma=true tile-q=128 tile-k=64" 2>&1 | FileCheck %s --check-prefix=STATIC
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_80 tensor-cores=false tile-q=64 tile-k=128 shared-memory-bytes=131072" | FileCheck %s --check-prefix=SIMT

// Two stages of 64 keys (halved from 128 to fit 96 KiB), each row padded by
// 8: 2 x 64 x 136 x 2 bytes = 34816 per operand.
// MMA: func.func private @__attn_gpu_launch({{.*}}) attributes {{{.*}}attn.gpu.dynamic_shared_memory = 69632 : i64
// MMA: gpu.func @attention({{[^)]*}}) kernel attributes {attn.gpu.dynamic_shared_memory = 69632 : i64, attn.gpu.path = "mma.m16n8k16.f16", attn.gpu.tiles = array<i64: 128, 64>
// MMA-NEXT: %[[DYN:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// MMA-NEXT: %[[C0:.*]] = arith.constant 0 : index
// MMA-NEXT: memref.view %[[DYN]][%[[C0]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2x64x136xf16, #gpu.address_space<workgroup>>
// MMA-NEXT: %[[C1:.*]] = arith.constant 34816 : index
// MMA-NEXT: memref.view %[[DYN]][%[[C1]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2x64x136xf16, #gpu.address_space<workgroup>>
// MMA-NOT: memref.view
// MMA-NOT: gpu.dynamic_shared_memory

// The launcher, now defined, keeps none of the launch attributes.
// LAUNCH: func.func private @__attn_gpu_launch(
// LAUNCH-NOT: attn.gpu.dynamic_shared_memory
// LAUNCH: %[[BYTES:.*]] = arith.constant 69632 : i32
// LAUNCH: gpu.launch_func @__attn_gpu::@attention blocks in ({{.*}}) threads in ({{.*}}) dynamic_shared_memory_size %[[BYTES]] args(
// LAUNCH: gpu.func @attention({{[^)]*}}) kernel attributes {attn.gpu.dynamic_shared_memory = 69632 : i64

// wgmma at D = 128 with two warpgroups (tile-q 128) needs more than 48 KiB:
// K [2][16][64][8] (32768 bytes), V [2][64][136] (34816), Q [16][128][8]
// (32768).
// WGMMA: gpu.func @attention({{[^)]*}}) kernel attributes {attn.gpu.dynamic_shared_memory = 100352 : i64, attn.gpu.path = "wgmma.m64n64k16.f16"
// WGMMA: memref.view %{{.*}}[%{{.*}}][] : {{.*}} to memref<2x16x64x8xf16, #gpu.address_space<workgroup>>
// WGMMA: arith.constant 32768 : index
// WGMMA-NEXT: memref.view %{{.*}}[%{{.*}}][] : {{.*}} to memref<2x64x136xf16, #gpu.address_space<workgroup>>
// WGMMA: arith.constant 67584 : index
// WGMMA-NEXT: memref.view %{{.*}}[%{{.*}}][] : {{.*}} to memref<16x128x8xf16, #gpu.address_space<workgroup>>
// WGMMA: nvvm.wgmma.mma_async

// Within the default 48 KiB the same options keep mma.sync and say why.
// STATIC: remark: wgmma not used: the Q stage and two stages of 16 key and value rows exceed shared-memory-bytes (49152)
// STATIC: gpu.func @attention({{[^)]*}}) workgroup(%{{.*}} : memref<2x32x136xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<2x32x136xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel attributes {attn.gpu.path = "mma.m16n8k16.f16"
// STATIC-NOT: gpu.dynamic_shared_memory

// The f32 SIMT stages: 128 keys x (128 + 128) x 4 bytes = 131072.
// SIMT: gpu.func @attention({{[^)]*}}) private({{.*}}) kernel attributes {attn.gpu.dynamic_shared_memory = 131072 : i64, attn.gpu.path = "simt.f32", attn.gpu.tiles = array<i64: 64, 128>
// SIMT: memref.view {{.*}} to memref<128x128xf32, #gpu.address_space<workgroup>>
// SIMT: arith.constant 65536 : index
// SIMT-NEXT: memref.view {{.*}} to memref<128x128xf32, #gpu.address_space<workgroup>>

func.func @f(%q: tensor<1x2x128x128xf16>, %k: tensor<1x2x128x128xf16>, %v: tensor<1x2x128x128xf16>) -> tensor<1x2x128x128xf16> {
  %o = attn.attention %q, %k, %v : tensor<1x2x128x128xf16>, tensor<1x2x128x128xf16>, tensor<1x2x128x128xf16> -> tensor<1x2x128x128xf16>
  return %o : tensor<1x2x128x128xf16>
}
