// The tensor-core kernel of --convert-attn-to-gpu (mma.sync.m16n8k16 on f16 /
// bf16 operands, f32 accumulation; with wgmma=true on sm_90a the scores by
// wgmma.mma_async) run by attn-run's GPU simulator against the naive C++
// reference: several warps and query tiles, several key tiles
// (ragged last tile), GQA, Dv != D, D up to 128, bias and mask operands,
// learned sinks, softcap, partial-tile masks of sparse patterns, and
// normalizers that need the visible count. Runs everywhere (no GPU needed).
// RUN: attn-opt %s --convert-attn-to-gpu | FileCheck %s --check-prefix=PATH
// RUN: attn-opt %s --convert-attn-to-gpu="tensor-cores=false" | FileCheck %s --check-prefix=SIMT
// RUN: attn-opt %s --convert-attn-to-gpu="chip=sm_75" | FileCheck %s --check-prefix=SIMT
// RUN: attn-run %s --pipeline=gpu-sim --entry=bf16_dense_gqa --seed=1 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=32 tile-k=16" --entry=bf16_dense_gqa --seed=1 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=128 tile-k=64" --entry=bf16_dense_gqa --seed=1 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --entry=f16_causal_sink_dv48 --seed=2 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=32 tile-k=16" --entry=f16_causal_sink_dv48 --seed=2 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=128 tile-k=64" --entry=f16_causal_sink_dv48 --seed=2 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --entry=bf16_nbhd2d_dil_bias_mask_sigmoid --seed=3 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=32 tile-k=16" --entry=bf16_nbhd2d_dil_bias_mask_sigmoid --seed=3 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=128 tile-k=64" --entry=bf16_nbhd2d_dil_bias_mask_sigmoid --seed=3 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --entry=f16_window_softcap_relu_visible --seed=4 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=32 tile-k=16" --entry=f16_window_softcap_relu_visible --seed=4 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=128 tile-k=64" --entry=f16_window_softcap_relu_visible --seed=4 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --entry=bf16_cross_ragged_softplus_l1 --seed=5 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=32 tile-k=16" --entry=bf16_cross_ragged_softplus_l1 --seed=5 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=128 tile-k=64" --entry=bf16_cross_ragged_softplus_l1 --seed=5 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --entry=bf16_block_sparse_zero_sink --seed=6 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=32 tile-k=16" --entry=bf16_block_sparse_zero_sink --seed=6 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=128 tile-k=64" --entry=bf16_block_sparse_zero_sink --seed=6 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --entry=f16_nbhd1d_causal_stride --seed=7 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=32 tile-k=16" --entry=f16_nbhd1d_causal_stride --seed=7 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=128 tile-k=64" --entry=f16_nbhd1d_causal_stride --seed=7 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// wgmma on sm_90a (Q and K read through matrix descriptors): one and two warpgroups.
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true" --entry=bf16_dense_gqa --seed=1 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true tile-q=128 tile-k=64" --entry=bf16_dense_gqa --seed=1 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true" --entry=f16_causal_sink_dv48 --seed=2 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true tile-q=128 tile-k=64" --entry=f16_causal_sink_dv48 --seed=2 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true" --entry=bf16_nbhd2d_dil_bias_mask_sigmoid --seed=3 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true tile-q=128 tile-k=64" --entry=bf16_nbhd2d_dil_bias_mask_sigmoid --seed=3 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true" --entry=f16_window_softcap_relu_visible --seed=4 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true tile-q=128 tile-k=64" --entry=f16_window_softcap_relu_visible --seed=4 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true" --entry=bf16_cross_ragged_softplus_l1 --seed=5 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true tile-q=128 tile-k=64" --entry=bf16_cross_ragged_softplus_l1 --seed=5 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true" --entry=bf16_block_sparse_zero_sink --seed=6 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true tile-q=128 tile-k=64" --entry=bf16_block_sparse_zero_sink --seed=6 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true" --entry=f16_nbhd1d_causal_stride --seed=7 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// D = 128 and two warpgroups: the Q stage (32 KiB) and two 16-key K/V stages
// exceed 48 KiB, so this op keeps mma.sync (with a remark).
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true tile-q=128 tile-k=64" --entry=f16_nbhd1d_causal_stride --seed=7 --check --oracle=naive --atol=4e-3 --rtol=2e-2 2>&1 | FileCheck %s --check-prefixes=CHECK,NOWG
// With shared-memory-bytes above 48 KiB the stages move to dynamic shared
// memory: that op gets wgmma with two warpgroups, and mma.sync takes
// 128-key stages.
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true tile-q=128 tile-k=64 shared-memory-bytes=131072" --entry=f16_nbhd1d_causal_stride --seed=7 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=128 tile-k=128 shared-memory-bytes=163840" --entry=f16_nbhd1d_causal_stride --seed=7 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=64 tile-k=128 shared-memory-bytes=98304" --entry=bf16_dense_gqa --seed=1 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true tile-k=128 shared-memory-bytes=98304" --entry=bf16_block_sparse_zero_sink --seed=6 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s --check-prefixes=CHECK,WG

// CHECK: gpu-sim: {{[1-9][0-9]*}} thread blocks simulated
// WG-SAME: kernels: attention (wgmma.m64n{{[0-9]+}}k16.{{bf16|f16}})
// NOWG-SAME: kernels: attention (mma.m16n8k16.f16)
// CHECK: check: oracle=naive
// CHECK-NOT: FAIL
// CHECK: check: PASS

// PATH-LABEL: gpu.func @attention
// PATH-SAME: attn.gpu.path = "mma.m16n8k16.bf16"
// PATH-LABEL: gpu.func @attention
// PATH-SAME: attn.gpu.path = "mma.m16n8k16.f16"
// PATH-LABEL: gpu.func @attention
// PATH-SAME: attn.gpu.path = "mma.m16n8k16.bf16"
// PATH-LABEL: gpu.func @attention
// PATH-SAME: attn.gpu.path = "mma.m16n8k16.f16"
// PATH-LABEL: gpu.func @attention
// PATH-SAME: attn.gpu.path = "mma.m16n8k16.bf16"
// PATH-LABEL: gpu.func @attention
// PATH-SAME: attn.gpu.path = "mma.m16n8k16.bf16"
// PATH-LABEL: gpu.func @attention
// PATH-SAME: attn.gpu.path = "mma.m16n8k16.f16"
// SIMT-COUNT-7: attn.gpu.path = "simt.f32"

func.func @bf16_dense_gqa(%q: tensor<2x4x100x64xbf16>, %k: tensor<2x2x100x64xbf16>, %v: tensor<2x2x100x64xbf16>) -> tensor<2x4x100x64xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.dense, normalizer = #attn.softmax}
      : tensor<2x4x100x64xbf16>, tensor<2x2x100x64xbf16>, tensor<2x2x100x64xbf16> -> tensor<2x4x100x64xbf16>
  return %o : tensor<2x4x100x64xbf16>
}

func.func @f16_causal_sink_dv48(%q: tensor<1x2x130x32xf16>, %k: tensor<1x2x130x32xf16>, %v: tensor<1x2x130x48xf16>, %s: tensor<2xf16>) -> tensor<1x2x130x48xf16> {
  %o = attn.attention %q, %k, %v sink(%s : tensor<2xf16>) {pattern = #attn.causal, normalizer = #attn.softmax<sink = learned>}
      : tensor<1x2x130x32xf16>, tensor<1x2x130x32xf16>, tensor<1x2x130x48xf16> -> tensor<1x2x130x48xf16>
  return %o : tensor<1x2x130x48xf16>
}

func.func @bf16_nbhd2d_dil_bias_mask_sigmoid(%q: tensor<1x2x144x16xbf16>, %k: tensor<1x1x144x16xbf16>, %v: tensor<1x1x144x16xbf16>, %b: tensor<1x2x1x144xbf16>, %m: tensor<144x144xi1>) -> tensor<1x2x144x16xbf16> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x2x1x144xbf16>) mask(%m : tensor<144x144xi1>) {pattern = #attn.neighborhood<shape = [12, 12], kernel = [5, 5], dilation = [2, 2]>, normalizer = #attn.sigmoid}
      : tensor<1x2x144x16xbf16>, tensor<1x1x144x16xbf16>, tensor<1x1x144x16xbf16> -> tensor<1x2x144x16xbf16>
  return %o : tensor<1x2x144x16xbf16>
}

func.func @f16_window_softcap_relu_visible(%q: tensor<1x2x96x32xf16>, %k: tensor<1x2x96x32xf16>, %v: tensor<1x2x96x32xf16>) -> tensor<1x2x96x32xf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 20, right = 3, sinks = 4>, normalizer = #attn.relu<norm = visible>, softcap = 5.0 : f32}
      : tensor<1x2x96x32xf16>, tensor<1x2x96x32xf16>, tensor<1x2x96x32xf16> -> tensor<1x2x96x32xf16>
  return %o : tensor<1x2x96x32xf16>
}

func.func @bf16_cross_ragged_softplus_l1(%q: tensor<1x2x50x32xbf16>, %k: tensor<1x2x77x32xbf16>, %v: tensor<1x2x77x16xbf16>) -> tensor<1x2x50x16xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.dense, normalizer = #attn.softplus_l1}
      : tensor<1x2x50x32xbf16>, tensor<1x2x77x32xbf16>, tensor<1x2x77x16xbf16> -> tensor<1x2x50x16xbf16>
  return %o : tensor<1x2x50x16xbf16>
}

func.func @bf16_block_sparse_zero_sink(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>, %v: tensor<1x2x128x64xbf16>) -> tensor<1x2x128x64xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.block_sparse<block = [32, 32], layout = dense<[[true, false, false, false], [true, true, false, false], [false, true, true, false], [true, false, false, true]]> : tensor<4x4xi1>>, normalizer = #attn.softmax<sink = zero>}
      : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16> -> tensor<1x2x128x64xbf16>
  return %o : tensor<1x2x128x64xbf16>
}

func.func @f16_nbhd1d_causal_stride(%q: tensor<2x2x64x128xf16>, %k: tensor<2x2x64x128xf16>, %v: tensor<2x2x64x128xf16>) -> tensor<2x2x64x128xf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [64], kernel = [9], stride = [2], causal = [1]>, normalizer = #attn.softmax}
      : tensor<2x2x64x128xf16>, tensor<2x2x64x128xf16>, tensor<2x2x64x128xf16> -> tensor<2x2x64x128xf16>
  return %o : tensor<2x2x64x128xf16>
}
