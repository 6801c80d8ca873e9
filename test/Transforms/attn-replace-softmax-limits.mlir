// Requests that cannot be built are refused with an error, never a hang or
// invalid IR (both found by attn-fuzz):
// - mode=calibrate builds an Hq x Lk bias constant: at most 2^26 entries
//   (Lk = 2^31 used to run for minutes and exhaust memory);
// - #attn.act recalibrates columns over every query row, which a q_offset
//   tile does not hold (the op used to come out failing verification).
// RUN: not attn-opt %s --split-input-file --attn-replace-softmax="mode=calibrate gamma=2" 2>&1 | FileCheck %s --check-prefix=CAL
// RUN: not attn-opt %s --split-input-file --attn-replace-softmax="mode=calibrate-sinks threshold=1.5 factor=0.5" 2>&1 | FileCheck %s --check-prefix=ACT
// RUN: not attn-opt %s --split-input-file --attn-replace-softmax="mode=sink sinks=arg" 2>&1 | FileCheck %s --check-prefix=SINKS
// RUN: not attn-opt %s --split-input-file --attn-replace-softmax="mode=softmax1 heads=0" 2>&1 | FileCheck %s --check-prefix=SINKS

// CAL: error: attn.attention #0: mode=calibrate would build a 8 x 2147483648 bias constant, more than 67108864 entries
func.func @long_keys(%q: tensor<1x8x5x4xf32>, %k: tensor<1x8x2147483648x4xf32>, %v: tensor<1x8x2147483648x4xf32>) -> tensor<1x8x5x4xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x8x5x4xf32>, tensor<1x8x2147483648x4xf32>, tensor<1x8x2147483648x4xf32> -> tensor<1x8x5x4xf32>
  return %o : tensor<1x8x5x4xf32>
}

// -----

// ACT: error: attn.attention #0 is a tile of a larger attention (q_offset); mode=calibrate-sinks recalibrates columns over every query row, which a tile does not hold
func.func @tile(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>, %off: index) -> tensor<1x1x4x8xf32> {
  %o = attn.attention %q, %k, %v q_offset(%off) {q_len = 8 : i64, pattern = #attn.causal} : tensor<1x1x4x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32> -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

// Per-head sink values are built for at most 2^24 heads (2^31 heads used to
// run for minutes; found by attn-fuzz).
// SINKS: error: attn.attention #0 has Hq = 2147483648 heads, more than the 16777216 per-head sink values are built for
func.func @many_heads(%q: tensor<1x2147483648x7x2xf32>, %k: tensor<1x2147483648x9x2xf32>, %v: tensor<1x2147483648x9x9xf32>) -> tensor<1x2147483648x7x9xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x2147483648x7x2xf32>, tensor<1x2147483648x9x2xf32>, tensor<1x2147483648x9x9xf32> -> tensor<1x2147483648x7x9xf32>
  return %o : tensor<1x2147483648x7x9xf32>
}
