// The fused CPU pipeline with the tiles its cost model chooses and with one and
// two threads, on shapes that leave ragged edge tiles, against the naive
// reference: GQA, f16/bf16, a window with sinks, a dilated 2-D
// neighborhood, bias + mask + softcap + learned sink, and a normalizer that
// needs the visible count.

// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=1" --entry=ragged --seed=1 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=2" --entry=ragged --seed=1 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=1" --entry=causal_gqa --seed=2 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=2" --entry=causal_gqa --seed=2 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=1" --entry=window_f16 --seed=3 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=2" --entry=window_f16 --seed=3 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=1" --entry=nbhd2d_dilated --seed=4 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=2" --entry=nbhd2d_dilated --seed=4 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=1" --entry=bias_mask_softcap --seed=5 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=2" --entry=bias_mask_softcap --seed=5 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=1" --entry=softplus_bf16 --seed=6 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=2" --entry=softplus_bf16 --seed=6 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s --check-prefix=PASS
// The kernels really are the fused ones: no op is left to the reference.
// RUN: attn-opt %s --attn-statistics --convert-attn-to-cpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// STATS: convert-attn-to-cpu: lowered-ops = 6
// STATS-NOT: left-ops

// PASS: check: oracle=naive
// PASS-NOT: FAIL
// PASS: check: PASS

func.func @ragged(%q: tensor<2x3x200x40xf32>, %k: tensor<2x3x333x40xf32>, %v: tensor<2x3x333x20xf32>) -> tensor<2x3x200x20xf32> {
  %o = attn.attention %q, %k, %v
      : tensor<2x3x200x40xf32>, tensor<2x3x333x40xf32>, tensor<2x3x333x20xf32> -> tensor<2x3x200x20xf32>
  return %o : tensor<2x3x200x20xf32>
}

func.func @causal_gqa(%q: tensor<1x8x256x64xf32>, %k: tensor<1x2x256x64xf32>, %v: tensor<1x2x256x64xf32>) -> tensor<1x8x256x64xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x8x256x64xf32>, tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32> -> tensor<1x8x256x64xf32>
  return %o : tensor<1x8x256x64xf32>
}

func.func @window_f16(%q: tensor<1x2x300x32xf16>, %k: tensor<1x2x300x32xf16>, %v: tensor<1x2x300x32xf16>) -> tensor<1x2x300x32xf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 50, right = 10, sinks = 4>}
      : tensor<1x2x300x32xf16>, tensor<1x2x300x32xf16>, tensor<1x2x300x32xf16> -> tensor<1x2x300x32xf16>
  return %o : tensor<1x2x300x32xf16>
}

func.func @nbhd2d_dilated(%q: tensor<1x2x256x16xf32>, %k: tensor<1x2x256x16xf32>, %v: tensor<1x2x256x16xf32>) -> tensor<1x2x256x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [16, 16], kernel = [5, 5], dilation = [2, 2], stride = [1, 1], causal = [false, false]>}
      : tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32> -> tensor<1x2x256x16xf32>
  return %o : tensor<1x2x256x16xf32>
}

func.func @bias_mask_softcap(%q: tensor<1x2x130x16xf32>, %k: tensor<1x2x150x16xf32>, %v: tensor<1x2x150x16xf32>, %b: tensor<2x1x150xf32>, %m: tensor<130x150xi1>, %s: tensor<2xf32>) -> tensor<1x2x130x16xf32> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<2x1x150xf32>) mask(%m : tensor<130x150xi1>) sink(%s : tensor<2xf32>)
      {pattern = #attn.causal, normalizer = #attn.softmax<sink = learned>, softcap = 2.5 : f32}
      : tensor<1x2x130x16xf32>, tensor<1x2x150x16xf32>, tensor<1x2x150x16xf32> -> tensor<1x2x130x16xf32>
  return %o : tensor<1x2x130x16xf32>
}

func.func @softplus_bf16(%q: tensor<1x1x100x24xbf16>, %k: tensor<1x1x140x24xbf16>, %v: tensor<1x1x140x24xbf16>) -> tensor<1x1x100x24xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal, normalizer = #attn.softplus_l1<train_len = 64>}
      : tensor<1x1x100x24xbf16>, tensor<1x1x140x24xbf16>, tensor<1x1x140x24xbf16> -> tensor<1x1x100x24xbf16>
  return %o : tensor<1x1x100x24xbf16>
}
