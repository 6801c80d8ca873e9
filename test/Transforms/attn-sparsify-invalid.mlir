// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-sparsify="pattern=neighborhood grid=4,4 kernel=3,3"
// An option value that does not parse: llvm::cl's line, then an error that
// names the pass and the options (never an empty `error:` line).
// RUN: not attn-opt %s --split-input-file --attn-sparsify="pattern=window left=abc" 2>&1 | FileCheck %s --check-prefix=TYPE
// TYPE: for the --left option: 'abc' value invalid for long argument!
// TYPE-NEXT: error: attn-sparsify: invalid options 'pattern=window left=abc'{{$}}

// The grid does not multiply to L.
func.func @wrong_length(%q: tensor<1x2x12x8xf32>, %k: tensor<1x2x12x8xf32>, %v: tensor<1x2x12x8xf32>) -> tensor<1x2x12x8xf32> {
  // expected-error @+1 {{attn.attention #0: pattern #attn.neighborhood<shape = [4, 4], kernel = [3, 3]> does not fit: neighborhood shape has 16 tokens but the query length is 12}}
  %o = attn.attention %q, %k, %v : tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32> -> tensor<1x2x12x8xf32>
  return %o : tensor<1x2x12x8xf32>
}

// -----

// A causal op would see future keys through a non-causal neighborhood.
func.func @would_unhide(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{attn.attention #0 has pattern #attn.causal, which hides (0, 1) that #attn.neighborhood<shape = [4, 4], kernel = [3, 3]> would show; select other ops with 'ops='}}
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

// Every op is checked; the first one fits, the second does not.
func.func @two(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %q2: tensor<1x2x9x8xf32>) -> tensor<1x2x9x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  // expected-error @+1 {{attn.attention #1: pattern #attn.neighborhood<shape = [4, 4], kernel = [3, 3]> does not fit}}
  %p = attn.attention %q2, %k, %v : tensor<1x2x9x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x9x8xf32>
  return %p : tensor<1x2x9x8xf32>
}
