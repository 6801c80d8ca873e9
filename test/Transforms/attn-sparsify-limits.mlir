// Checking that the imposed pattern hides nothing new visits every pair:
// more than 2^28 pairs are refused with an error (Lq = 2^31 used to run for
// minutes; found by attn-fuzz).
// RUN: attn-opt %s --attn-sparsify="pattern=causal" -verify-diagnostics

func.func @too_many_pairs_to_check(%q: tensor<1x1x2147483648x8xf32>, %k: tensor<1x1x17x8xf32>, %v: tensor<1x1x17x8xf32>) -> tensor<1x1x2147483648x8xf32> {
  // expected-error @+1 {{attn.attention #0 has pattern #attn.window<left = 3, right = 2, sinks = 1> and 2147483648 x 17 pairs, more than 268435456 to check that #attn.causal shows no pair that #attn.window<left = 3, right = 2, sinks = 1> hides}}
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 3, right = 2, sinks = 1>} : tensor<1x1x2147483648x8xf32>, tensor<1x1x17x8xf32>, tensor<1x1x17x8xf32> -> tensor<1x1x2147483648x8xf32>
  return %o : tensor<1x1x2147483648x8xf32>
}
