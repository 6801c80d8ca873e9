// bf16 cases run through each instruction set of the fused CPU kernels
// (cpu-isa-*.mlir): ragged sizes (no tile multiple), GQA, sinks, an odd
// head dimension, a normalizer that counts visible keys, split-K.

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

// A chunk of 5 new rows over 70 cached keys, 4 heads per group, learned
// sinks (one per query head) and a window: lanes mix heads and rows.
func.func @bf16_gqa_chunk_sinks(%q: tensor<1x8x5x32xbf16>, %k: tensor<1x2x70x32xbf16>, %v: tensor<1x2x70x32xbf16>, %s: tensor<8xbf16>) -> tensor<1x8x5x32xbf16> {
  %o = attn.attention %q, %k, %v sink(%s : tensor<8xbf16>) {pattern = #attn.window<left = 20, right = 0, sinks = 2>, normalizer = #attn.softmax<sink = learned>}
      : tensor<1x8x5x32xbf16>, tensor<1x2x70x32xbf16>, tensor<1x2x70x32xbf16> -> tensor<1x8x5x32xbf16>
  return %o : tensor<1x8x5x32xbf16>
}

// Split-K over a window: some ranges of a query tile see no key at all.
func.func @bf16_split_window(%q: tensor<1x2x3x64xbf16>, %k: tensor<1x1x700x64xbf16>, %v: tensor<1x1x700x64xbf16>) -> tensor<1x2x3x64xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 40, right = 0, sinks = 0>, normalizer = #attn.softmax<sink = zero>}
      : tensor<1x2x3x64xbf16>, tensor<1x1x700x64xbf16>, tensor<1x1x700x64xbf16> -> tensor<1x2x3x64xbf16>
  return %o : tensor<1x2x3x64xbf16>
}
