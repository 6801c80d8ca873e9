// Cases run through each instruction set of the fused CPU kernels
// (cpu-isa-*.mlir): ragged sizes (no tile multiple), GQA, sinks, an odd
// head dimension, bias and softcap, a normalizer that counts visible keys.

func.func @bf16_gqa_causal(%q: tensor<2x4x77x64xbf16>, %k: tensor<2x2x93x64xbf16>, %v: tensor<2x2x93x64xbf16>) -> tensor<2x4x77x64xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<2x4x77x64xbf16>, tensor<2x2x93x64xbf16>, tensor<2x2x93x64xbf16> -> tensor<2x4x77x64xbf16>
  return %o : tensor<2x4x77x64xbf16>
}

func.func @bf16_window_learned_sink(%q: tensor<1x2x70x32xbf16>, %k: tensor<1x2x70x32xbf16>, %v: tensor<1x2x70x32xbf16>, %s: tensor<2xbf16>) -> tensor<1x2x70x32xbf16> {
  %o = attn.attention %q, %k, %v sink(%s : tensor<2xbf16>) {pattern = #attn.window<left = 9, right = 0, sinks = 3>, normalizer = #attn.softmax<sink = learned>}
      : tensor<1x2x70x32xbf16>, tensor<1x2x70x32xbf16>, tensor<1x2x70x32xbf16> -> tensor<1x2x70x32xbf16>
  return %o : tensor<1x2x70x32xbf16>
}

func.func @bf16_odd_head_dim(%q: tensor<1x1x45x17xbf16>, %k: tensor<1x1x51x17xbf16>, %v: tensor<1x1x51x16xbf16>) -> tensor<1x1x45x16xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x1x45x17xbf16>, tensor<1x1x51x17xbf16>, tensor<1x1x51x16xbf16> -> tensor<1x1x45x16xbf16>
  return %o : tensor<1x1x45x16xbf16>
}

func.func @bf16_relu_visible(%q: tensor<1x2x50x32xbf16>, %k: tensor<1x2x50x32xbf16>, %v: tensor<1x2x50x32xbf16>) -> tensor<1x2x50x32xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal, normalizer = #attn.relu<norm = visible>}
      : tensor<1x2x50x32xbf16>, tensor<1x2x50x32xbf16>, tensor<1x2x50x32xbf16> -> tensor<1x2x50x32xbf16>
  return %o : tensor<1x2x50x32xbf16>
}

func.func @f32_bias_softcap(%q: tensor<1x2x61x48xf32>, %k: tensor<1x2x83x48xf32>, %v: tensor<1x2x83x32xf32>, %b: tensor<1x1x61x83xf32>) -> tensor<1x2x61x32xf32> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x1x61x83xf32>) {softcap = 5.0 : f32}
      : tensor<1x2x61x48xf32>, tensor<1x2x83x48xf32>, tensor<1x2x83x32xf32> -> tensor<1x2x61x32xf32>
  return %o : tensor<1x2x61x32xf32>
}
