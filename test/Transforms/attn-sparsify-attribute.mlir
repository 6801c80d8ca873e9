// pattern= takes the pattern attribute itself. The pass option parser splits
// values at spaces, so an attribute with spaces goes in quotes or braces.
// RUN: attn-opt %s --attn-sparsify="pattern=#attn.window<left=4,sinks=1>" | FileCheck %s --check-prefix=WINDOW
// RUN: attn-opt %s --attn-sparsify="pattern='#attn.window<left = 4, right = 0, sinks = 1>'" | FileCheck %s --check-prefix=WINDOW
// RUN: attn-opt %s --attn-sparsify="pattern={#attn.window<left = 4, sinks = 1>}" | FileCheck %s --check-prefix=WINDOW
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-sparsify{pattern="#attn.window<left = 4, sinks = 1>"})' | FileCheck %s --check-prefix=WINDOW
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-sparsify{pattern={#attn.window<left = 4, sinks = 1>}})' | FileCheck %s --check-prefix=WINDOW
// The shorthand builds the same attribute.
// RUN: attn-opt %s --attn-sparsify="pattern=window left=4 sinks=1" | FileCheck %s --check-prefix=WINDOW
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-sparsify{pattern="#attn.neighborhood<shape = [4, 4], kernel = [3, 3]>" ops=0})' | FileCheck %s --check-prefix=NBHD
// RUN: attn-opt %s --attn-sparsify="pattern=#attn.causal ops=1" | FileCheck %s --check-prefix=CAUSAL
// RUN: attn-opt %s --attn-sparsify="pattern=#attn.dense ops=0" | FileCheck %s --check-prefix=DENSE

// Refusals name the option and the text.
// RUN: not attn-opt %s --attn-sparsify="pattern=#attn.window<left=4" 2>&1 | FileCheck %s --check-prefix=SYNTAX
// SYNTAX: error: attn-sparsify: option 'pattern': '#attn.window<left=4' is not a valid attribute: unbalanced '<' character in pretty dialect name
// RUN: not attn-opt %s --attn-sparsify="pattern=#attn.window<left=-1>" 2>&1 | FileCheck %s --check-prefix=VERIFY
// VERIFY: error: attn-sparsify: option 'pattern': '#attn.window<left=-1>' is not a valid attribute: window 'left' must be non-negative, got -1
// RUN: not attn-opt %s --attn-sparsify="pattern=#attn.softmax<sink=zero>" 2>&1 | FileCheck %s --check-prefix=KIND
// KIND: error: attn-sparsify: option 'pattern': #attn.softmax<sink = zero> is not a pattern attribute (PatternAttrInterface)
// RUN: not attn-opt %s --attn-sparsify="pattern=#attn.window<left=4> left=8" 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: error: attn-sparsify: option 'left' does not apply to pattern=#attn.window<left = 4, right = 0, sinks = 0>: the attribute gives every parameter
// RUN: not attn-opt %s --attn-sparsify="pattern=#attn.neighborhood<shape = [4, 4], kernel = [3, 3]>" 2>&1 | FileCheck %s --check-prefix=SPACES
// SPACES: error: attn-sparsify: invalid options {{.*}}: <Pass-Options-Parser>: no such option
// The interface checks the attribute against each op, as for the shorthand.
// RUN: not attn-opt %s --attn-sparsify="pattern=#attn.neighborhood<shape=[4,8],kernel=[3,3]>" 2>&1 | FileCheck %s --check-prefix=FIT
// FIT: error: attn.attention #0: pattern #attn.neighborhood<shape = [4, 8], kernel = [3, 3]> does not fit: neighborhood shape has 32 tokens but the query length is 16
// RUN: not attn-opt %s --attn-sparsify="pattern=#attn.window<left=4,right=2>" 2>&1 | FileCheck %s --check-prefix=WIDER
// WIDER: error: attn.attention #1 has pattern #attn.causal, which hides (0, 1) that #attn.window<left = 4, right = 2, sinks = 0> would show

// WINDOW-LABEL: func.func @first
// WINDOW: attn.attention {{.*}} {normalizer = #attn.sigmoid, pattern = #attn.window<left = 4, right = 0, sinks = 1>}
// NBHD-LABEL: func.func @first
// NBHD: attn.attention {{.*}} {normalizer = #attn.sigmoid, pattern = #attn.neighborhood<shape = [4, 4], kernel = [3, 3]>}
// CAUSAL-LABEL: func.func @first
// CAUSAL: attn.attention {{.*}} {normalizer = #attn.sigmoid} :
// pattern=#attn.dense on a dense op stores no attribute.
// DENSE-LABEL: func.func @first
// DENSE: attn.attention {{.*}} {normalizer = #attn.sigmoid} :
func.func @first(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {normalizer = #attn.sigmoid} : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// WINDOW-LABEL: func.func @second
// WINDOW: attn.attention {{.*}} {pattern = #attn.window<left = 4, right = 0, sinks = 1>}
// NBHD-LABEL: func.func @second
// NBHD: attn.attention {{.*}} {pattern = #attn.causal}
// CAUSAL-LABEL: func.func @second
// CAUSAL: attn.attention {{.*}} {pattern = #attn.causal}
func.func @second(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
