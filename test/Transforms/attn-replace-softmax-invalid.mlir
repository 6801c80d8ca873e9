// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-replace-softmax="mode=relu"

// Normalizer modes replace plain softmax only.
func.func @already_sigmoid(%q: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{attn.attention #0 has normalizer #attn.sigmoid; mode=relu replaces plain softmax only}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.sigmoid} : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32>
  return %o : tensor<1x2x8x8xf32>
}

// -----

// All heads: the number of heads may be dynamic.
func.func @dynamic_heads(%q: tensor<1x?x8x8xf32>) -> tensor<1x?x8x8xf32> {
  %o = attn.attention %q, %q, %q : tensor<1x?x8x8xf32>, tensor<1x?x8x8xf32>, tensor<1x?x8x8xf32> -> tensor<1x?x8x8xf32>
  return %o : tensor<1x?x8x8xf32>
}
