// f32 cases run through each instruction set of the fused CPU kernels
// (cpu-isa-*.mlir): bias and softcap, grouped-query decoding and bias per
// head, a group of 3, split-K with one KV head.

func.func @f32_bias_softcap(%q: tensor<1x2x61x24xf32>, %k: tensor<1x2x83x24xf32>, %v: tensor<1x2x83x32xf32>, %b: tensor<1x1x61x83xf32>) -> tensor<1x2x61x32xf32> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x1x61x83xf32>) {softcap = 5.0 : f32}
      : tensor<1x2x61x24xf32>, tensor<1x2x83x24xf32>, tensor<1x2x83x32xf32> -> tensor<1x2x61x32xf32>
  return %o : tensor<1x2x61x32xf32>
}

// Decoding with grouped-query heads: one query row against a cache of keys
// (causal, bottom-right aligned: the row sees every key); the 4 query heads
// of a group share the tile's lanes.
func.func @f32_gqa_decode(%q: tensor<2x8x1x32xf32>, %k: tensor<2x2x300x32xf32>, %v: tensor<2x2x300x32xf32>) -> tensor<2x8x1x32xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<2x8x1x32xf32>, tensor<2x2x300x32xf32>, tensor<2x2x300x32xf32> -> tensor<2x8x1x32xf32>
  return %o : tensor<2x8x1x32xf32>
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
