// Option errors of --convert-attn-to-gpu and of --attn-gpu-pipeline.
// RUN: not attn-opt %s --convert-attn-to-gpu="tile-q=48" 2>&1 | FileCheck %s --check-prefix=TILEQ
// RUN: not attn-opt %s --convert-attn-to-gpu="tile-q=2048" 2>&1 | FileCheck %s --check-prefix=TILEQ
// RUN: not attn-opt %s --convert-attn-to-gpu="tile-k=0" 2>&1 | FileCheck %s --check-prefix=TILEK
// RUN: not attn-opt %s --convert-attn-to-gpu="chip=gfx90a" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not attn-opt %s --convert-attn-to-gpu="chip=sm_" 2>&1 | FileCheck %s --check-prefix=CHIP2
// RUN: not attn-opt %s --convert-attn-to-gpu="shared-memory-bytes=0" 2>&1 | FileCheck %s --check-prefix=SMEM
// RUN: not attn-opt %s --attn-gpu-pipeline="chip=sm_90 tile-q=40" 2>&1 | FileCheck %s --check-prefix=TILEQ
// RUN: not attn-opt %s --convert-attn-to-gpu="chip=sm_90 wgmma=true" 2>&1 | FileCheck %s --check-prefix=WGMMA
// RUN: not attn-opt %s --attn-gpu-pipeline="chip=sm_100a wgmma=true" 2>&1 | FileCheck %s --check-prefix=WGMMA100
// RUN: not attn-opt %s --convert-attn-to-gpu="chip=sm_90a wgmma=true tile-q=96" 2>&1 | FileCheck %s --check-prefix=WGMMAQ
// shared-memory-bytes beyond what a thread block of the chip may use (48 KiB
// before sm_70, 64 KiB on sm_75, 163 KiB on sm_80, 227 KiB on sm_90).
// RUN: not attn-opt %s --convert-attn-to-gpu="chip=sm_61 shared-memory-bytes=49153" 2>&1 | FileCheck %s --check-prefix=SMEM61
// RUN: not attn-opt %s --convert-attn-to-gpu="chip=sm_75 shared-memory-bytes=65537" 2>&1 | FileCheck %s --check-prefix=SMEM75
// RUN: not attn-opt %s --attn-gpu-pipeline="chip=sm_80 shared-memory-bytes=200000" 2>&1 | FileCheck %s --check-prefix=SMEM80
// RUN: not attn-opt %s --convert-attn-to-gpu="chip=sm_90a shared-memory-bytes=232449" 2>&1 | FileCheck %s --check-prefix=SMEM90
// Accepted: sm_90a is a chip too, and sm_90's whole 227 KiB.
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_90a" | FileCheck %s --check-prefix=OK
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_90a shared-memory-bytes=232448" | FileCheck %s --check-prefix=OK

// TILEQ: error: convert-attn-to-gpu: tile-q ({{48|2048|40}}) must be a positive multiple of 32 and at most 1024 (it is the thread block size)
// TILEK: error: convert-attn-to-gpu: tile-k (0) must be in [1, 1024]
// CHIP: error: convert-attn-to-gpu: chip 'gfx90a' is not an NVIDIA chip of the form sm_XY (sm_50 or later)
// CHIP2: error: convert-attn-to-gpu: chip 'sm_' is not an NVIDIA chip
// SMEM: error: convert-attn-to-gpu: shared-memory-bytes (0) must be positive
// SMEM61: error: convert-attn-to-gpu: shared-memory-bytes (49153) exceeds the 49152 bytes a thread block may use on sm_61
// SMEM75: error: convert-attn-to-gpu: shared-memory-bytes (65537) exceeds the 65536 bytes a thread block may use on sm_75
// SMEM80: error: convert-attn-to-gpu: shared-memory-bytes (200000) exceeds the 166912 bytes a thread block may use on sm_80
// SMEM90: error: convert-attn-to-gpu: shared-memory-bytes (232449) exceeds the 232448 bytes a thread block may use on sm_90a
// WGMMA: error: convert-attn-to-gpu: wgmma=true needs chip=sm_90a (wgmma is an sm_90a instruction), not 'sm_90'
// WGMMA100: error: convert-attn-to-gpu: wgmma=true needs chip=sm_90a (wgmma is an sm_90a instruction), not 'sm_100a'
// WGMMAQ: error: convert-attn-to-gpu: wgmma=true needs tile-q to be a multiple of 64 (one warpgroup per 64 query rows), not 96
// OK: attn.gpu.target = {chip = "sm_90a"
// OK: gpu.func @attention

func.func @f(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}
