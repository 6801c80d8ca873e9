// RUN: attn-opt %s --split-input-file --transform-interpreter --verify-diagnostics

// #attn.act needs the weights of every query row: tiling Lq is refused, the
// op stays whole.
func.func @act_rows(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+3 {{to tile operation}}
  // expected-error @+2 {{failed to generate tiling loops}}
  // expected-error @+1 {{cannot tile the query rows of an attention whose normalizer #attn.act<threshold = 1.500000e+00, factor = 2.500000e-01> needs every row; tile B and Hq only}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.act<threshold = 1.5, factor = 0.25>} : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_for %op tile_sizes [0, 0, 2] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
