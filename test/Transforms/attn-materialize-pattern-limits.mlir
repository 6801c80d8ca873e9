// form=constant builds at most max-entries mask entries: a larger op is left
// as it is, with a remark (a 16 x 2^31 causal mask used to abort while the
// 2^35 booleans were collected); form=index has no such limit.
// RUN: attn-opt %s --attn-materialize-pattern -verify-diagnostics | FileCheck %s --check-prefix=CONST
// RUN: attn-opt %s --attn-materialize-pattern="max-entries=64" 2>/dev/null | FileCheck %s --check-prefix=SMALL
// RUN: attn-opt %s --attn-materialize-pattern="max-entries=64" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: attn-opt %s --attn-materialize-pattern=form=index | FileCheck %s --check-prefix=INDEX
// RUN: not attn-opt %s --attn-materialize-pattern="max-entries=0" 2>&1 | FileCheck %s --check-prefix=ZERO

// CONST-LABEL: func.func @huge
// CONST: attn.attention {{.*}}pattern = #attn.causal
// INDEX-LABEL: func.func @huge
// INDEX: linalg.generic
// INDEX: attn.attention {{.*}} mask(
// INDEX-NOT: pattern =
func.func @huge(%q: tensor<1x1x16x4xf32>, %k: tensor<1x1x2147483648x4xf32>, %v: tensor<1x1x2147483648x4xf32>) -> tensor<1x1x16x4xf32> {
  // expected-remark @+1 {{attn-materialize-pattern: not materialized: a 16 x 2147483648 constant mask exceeds max-entries (67108864); form=index computes it instead}}
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x1x16x4xf32>, tensor<1x1x2147483648x4xf32>, tensor<1x1x2147483648x4xf32> -> tensor<1x1x16x4xf32>
  return %o : tensor<1x1x16x4xf32>
}

// A limit of 64 entries takes 8 x 8 and refuses 8 x 9.
// CONST-LABEL: func.func @small
// CONST: arith.constant dense<{{.*}}> : tensor<8x8xi1>
// SMALL-LABEL: func.func @small
// SMALL: arith.constant dense<{{.*}}> : tensor<8x8xi1>
// SMALL: attn.attention {{.*}}mask(
// SMALL: attn.attention {{.*}}pattern = #attn.causal
// REMARK: remark: attn-materialize-pattern: not materialized: a 16 x 2147483648 constant mask exceeds max-entries (64)
// REMARK: remark: attn-materialize-pattern: not materialized: a 8 x 9 constant mask exceeds max-entries (64)
func.func @small(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %k9: tensor<1x1x9x4xf32>) -> (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) {
  %a = attn.attention %q, %k, %k {pattern = #attn.causal} : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %b = attn.attention %q, %k9, %k9 {pattern = #attn.causal} : tensor<1x1x8x4xf32>, tensor<1x1x9x4xf32>, tensor<1x1x9x4xf32> -> tensor<1x1x8x4xf32>
  return %a, %b : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>
}

// ZERO: error: attn-materialize-pattern: max-entries must be positive, got 0
