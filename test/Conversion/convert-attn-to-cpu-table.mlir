// A plan larger than max-table-bytes leaves the op to the reference
// lowering; the default limit takes it.
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 max-table-bytes=64" -verify-diagnostics | FileCheck %s --check-prefix=SMALL
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1" | FileCheck %s --check-prefix=DEFAULT

// SMALL-LABEL: func.func @big_plan
// SMALL: attn.attention
// DEFAULT-LABEL: func.func @big_plan
// DEFAULT-NOT: attn.attention
// DEFAULT: scf.parallel
func.func @big_plan(%q: tensor<1x1x512x8xf32>, %k: tensor<1x1x512x8xf32>, %v: tensor<1x1x512x8xf32>) -> tensor<1x1x512x8xf32> {
  // expected-remark @+1 {{left for the reference lowering: its tile plan needs more than max-table-bytes (64)}}
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x1x512x8xf32>, tensor<1x1x512x8xf32>, tensor<1x1x512x8xf32> -> tensor<1x1x512x8xf32>
  return %o : tensor<1x1x512x8xf32>
}
