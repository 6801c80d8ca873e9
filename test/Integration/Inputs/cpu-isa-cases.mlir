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

// Decoding with grouped-query heads: one query row against a cache of keys
// (causal, bottom-right aligned: the row sees every key); the 4 query heads
// of a group share the tile's lanes.
func.func @f32_gqa_decode(%q: tensor<2x8x1x64xf32>, %k: tensor<2x2x300x64xf32>, %v: tensor<2x2x300x64xf32>) -> tensor<2x8x1x64xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<2x8x1x64xf32>, tensor<2x2x300x64xf32>, tensor<2x2x300x64xf32> -> tensor<2x8x1x64xf32>
  return %o : tensor<2x8x1x64xf32>
}

// A chunk of 5 new rows over 70 cached keys, 4 heads per group, learned
// sinks (one per query head) and a window: lanes mix heads and rows.
func.func @bf16_gqa_chunk_sinks(%q: tensor<1x8x5x32xbf16>, %k: tensor<1x2x70x32xbf16>, %v: tensor<1x2x70x32xbf16>, %s: tensor<8xbf16>) -> tensor<1x8x5x32xbf16> {
  %o = attn.attention %q, %k, %v sink(%s : tensor<8xbf16>) {pattern = #attn.window<left = 20, right = 0, sinks = 2>, normalizer = #attn.softmax<sink = learned>}
      : tensor<1x8x5x32xbf16>, tensor<1x2x70x32xbf16>, tensor<1x2x70x32xbf16> -> tensor<1x8x5x32xbf16>
  return %o : tensor<1x8x5x32xbf16>
}

// A group of 3 (not a power of two): one head per tile.
func.func @f32_gqa_group3_bias(%q: tensor<1x6x33x16xf32>, %k: tensor<1x2x41x16xf32>, %v: tensor<1x2x41x16xf32>, %b: tensor<1x6x33x41xf32>) -> tensor<1x6x33x16xf32> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x6x33x41xf32>) {pattern = #attn.causal}
      : tensor<1x6x33x16xf32>, tensor<1x2x41x16xf32>, tensor<1x2x41x16xf32> -> tensor<1x6x33x16xf32>
  return %o : tensor<1x6x33x16xf32>
}

// Per-head bias with 2 heads per tile: each lane reads its own head's bias.
func.func @f32_gqa_head_bias(%q: tensor<1x4x29x16xf32>, %k: tensor<1x2x37x16xf32>, %v: tensor<1x2x37x16xf32>, %b: tensor<1x4x29x37xf32>) -> tensor<1x4x29x16xf32> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x4x29x37xf32>) {softcap = 4.0 : f32}
      : tensor<1x4x29x16xf32>, tensor<1x2x37x16xf32>, tensor<1x2x37x16xf32> -> tensor<1x4x29x16xf32>
  return %o : tensor<1x4x29x16xf32>
}

// Decoding with one KV head (MQA) and a learned sink per query head: a
// single (batch, KV head, query tile) item, so with more threads than items
// the keys are split into ranges run in parallel and merged (split-K); the
// sink counts once, in the first range.
func.func @f32_mqa_decode_sinks(%q: tensor<1x8x1x32xf32>, %k: tensor<1x1x1000x32xf32>, %v: tensor<1x1x1000x32xf32>, %s: tensor<8xf32>) -> tensor<1x8x1x32xf32> {
  %o = attn.attention %q, %k, %v sink(%s : tensor<8xf32>) {pattern = #attn.causal, normalizer = #attn.softmax<sink = learned>}
      : tensor<1x8x1x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32> -> tensor<1x8x1x32xf32>
  return %o : tensor<1x8x1x32xf32>
}

// Split-K over a window: some ranges of a query tile see no key at all.
func.func @bf16_split_window(%q: tensor<1x2x3x64xbf16>, %k: tensor<1x1x700x64xbf16>, %v: tensor<1x1x700x64xbf16>) -> tensor<1x2x3x64xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 40, right = 0, sinks = 0>, normalizer = #attn.softmax<sink = zero>}
      : tensor<1x2x3x64xbf16>, tensor<1x1x700x64xbf16>, tensor<1x1x700x64xbf16> -> tensor<1x2x3x64xbf16>
  return %o : tensor<1x2x3x64xbf16>
}
