// The tensor-core kernels through --attn-gpu-pipeline without a GPU: PTX with
// mma.sync.m16n8k16 (B operands by ldmatrix) for f16 and bf16, which ptxas
// accepts for sm_80 and sm_90 without spilling, and cubins from
// gpu-module-to-binary.
// REQUIRES: cuda-toolkit
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_80" | FileCheck %s --check-prefix=BIN
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_90 features=+ptx80" | FileCheck %s --check-prefix=BIN
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_80 format=isa" | %python %S/Inputs/gpu_extract_ptx.py > %t.sm80.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm80.ptx
// RUN: %cuda_toolkit/bin/ptxas -v -arch=sm_80 %t.sm80.ptx -o %t.sm80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_90 format=isa" | %python %S/Inputs/gpu_extract_ptx.py > %t.sm90.ptx
// RUN: %cuda_toolkit/bin/ptxas -v -arch=sm_90 %t.sm90.ptx -o %t.sm90.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// wgmma=true on sm_90a: the scores by wgmma.mma_async, after the proxy fence;
// ptxas accepts it for sm_90a without spilling, and a cubin comes out.
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_90a wgmma=true" | FileCheck %s --check-prefix=BIN
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_90a wgmma=true format=isa" | %python %S/Inputs/gpu_extract_ptx.py > %t.sm90a.ptx
// RUN: FileCheck %s --check-prefix=WGMMA < %t.sm90a.ptx
// RUN: %cuda_toolkit/bin/ptxas -v -arch=sm_90a %t.sm90a.ptx -o %t.sm90a.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// Stages in dynamic shared memory (shared-memory-bytes above 48 KiB, 128 x
// 128 tiles): the kernels address the extern dynamic shared buffer, and
// ptxas accepts them without spilling (wgmma m64n128k16 on sm_90a, mma.sync
// on sm_80).
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_90a wgmma=true tile-q=128 tile-k=128 shared-memory-bytes=98304 format=isa" | %python %S/Inputs/gpu_extract_ptx.py > %t.dyn90a.ptx
// RUN: FileCheck %s --check-prefix=DYN90A < %t.dyn90a.ptx
// RUN: %cuda_toolkit/bin/ptxas -v -arch=sm_90a %t.dyn90a.ptx -o %t.dyn90a.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_80 tile-q=128 tile-k=128 shared-memory-bytes=98304 format=isa" | %python %S/Inputs/gpu_extract_ptx.py > %t.dyn80.ptx
// RUN: FileCheck %s --check-prefix=DYN80 < %t.dyn80.ptx
// RUN: %cuda_toolkit/bin/ptxas -v -arch=sm_80 %t.dyn80.ptx -o %t.dyn80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS

// BIN: gpu.binary @__attn_gpu
// BIN-NOT: nvvm.mma.sync

// PTX: .shared .align 16
// PTX: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX: shfl.sync.bfly.b32
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32

// WGMMA: .target sm_90a
// WGMMA: fence.proxy.async.shared::cta;
// WGMMA: bar.sync 0;
// WGMMA: wgmma.fence.sync.aligned;
// WGMMA-COUNT-4: wgmma.mma_async.sync.aligned.m64n32k16.f32.bf16.bf16
// WGMMA: wgmma.commit_group.sync.aligned;
// WGMMA: wgmma.wait_group.sync.aligned 0;
// WGMMA: wgmma.mma_async.sync.aligned.m64n32k16.f32.f16.f16

// DYN90A-NOT: __wg_attention
// DYN90A: .shared .align 16 .b8 __dynamic_shmem__0;
// DYN90A-NOT: __wg_attention
// DYN90A-COUNT-4: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// DYN90A-NOT: __wg_attention
// DYN80-NOT: __wg_attention
// DYN80: .shared .align 16 .b8 __dynamic_shmem__0;
// DYN80-NOT: __wg_attention
// DYN80: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// DYN80-NOT: __wg_attention

// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
func.func @bf16_causal(%q: tensor<1x8x256x64xbf16>, %k: tensor<1x8x256x64xbf16>, %v: tensor<1x8x256x64xbf16>) -> tensor<1x8x256x64xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x8x256x64xbf16>, tensor<1x8x256x64xbf16>, tensor<1x8x256x64xbf16> -> tensor<1x8x256x64xbf16>
  return %o : tensor<1x8x256x64xbf16>
}

func.func @f16_nbhd(%q: tensor<1x4x256x64xf16>, %k: tensor<1x4x256x64xf16>, %v: tensor<1x4x256x64xf16>) -> tensor<1x4x256x64xf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [16, 16], kernel = [7, 7]>} : tensor<1x4x256x64xf16>, tensor<1x4x256x64xf16>, tensor<1x4x256x64xf16> -> tensor<1x4x256x64xf16>
  return %o : tensor<1x4x256x64xf16>
}
