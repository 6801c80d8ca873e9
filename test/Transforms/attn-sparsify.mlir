// RUN: attn-opt %s --attn-sparsify="pattern=neighborhood grid=4,4 kernel=3,3 ops=0-1" | FileCheck %s --check-prefix=NBHD
// RUN: attn-opt %s --attn-sparsify="pattern=neighborhood kernel=5 dilation=2 stride=2 causal=1" | FileCheck %s --check-prefix=NBHD1
// RUN: attn-opt %s --attn-sparsify="pattern=window left=4 right=0 sinks=1" | FileCheck %s --check-prefix=WINDOW
// RUN: attn-opt %s --attn-sparsify="pattern=causal ops=1" | FileCheck %s --check-prefix=SELECT
// RUN: attn-opt %s --attn-sparsify="pattern=causal ops=0,2-2" | FileCheck %s --check-prefix=RANGES

// Every op of the module is numbered in program order, across functions.

// NBHD-LABEL: func.func @first
// NBHD: attn.attention {{.*}} {normalizer = #attn.sigmoid, pattern = #attn.neighborhood<shape = [4, 4], kernel = [3, 3]>}
// NBHD1-LABEL: func.func @first
// NBHD1: pattern = #attn.neighborhood<shape = [16], kernel = [5], dilation = [2], stride = [2], causal = [1]>
// WINDOW-LABEL: func.func @first
// WINDOW: pattern = #attn.window<left = 4, right = 0, sinks = 1>
// SELECT-LABEL: func.func @first
// SELECT-NOT: pattern
// SELECT: return
// RANGES-LABEL: func.func @first
// RANGES: pattern = #attn.causal
func.func @first(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {normalizer = #attn.sigmoid} : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// The mask and the bias stay: the pattern restricts them further.
// NBHD-LABEL: func.func @second
// NBHD: attn.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<16x16xf32>) mask(%{{.*}} : tensor<16x16xi1>) {pattern = #attn.neighborhood<shape = [4, 4], kernel = [3, 3]>}
// SELECT-LABEL: func.func @second
// SELECT: pattern = #attn.causal
// RANGES-LABEL: func.func @second
// RANGES-NOT: pattern
// RANGES: return
func.func @second(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %b: tensor<16x16xf32>, %m: tensor<16x16xi1>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<16x16xf32>) mask(%m : tensor<16x16xi1>) : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// A causal op accepts a causal 1-D neighborhood and a window with right = 0
// (they hide more), and the same pattern again.
// NBHD1-LABEL: func.func @third
// NBHD1: pattern = #attn.neighborhood<shape = [16], kernel = [5], dilation = [2], stride = [2], causal = [1]>
// WINDOW-LABEL: func.func @third
// WINDOW: pattern = #attn.window<left = 4, right = 0, sinks = 1>
// RANGES-LABEL: func.func @third
// RANGES: pattern = #attn.causal
func.func @third(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
