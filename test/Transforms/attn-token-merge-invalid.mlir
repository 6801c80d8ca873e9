// --attn-token-merge rejects bad options with an error naming the option.
// RUN: not attn-opt %s --attn-token-merge="matching=greedy" 2>&1 | FileCheck %s --check-prefix=MATCHING
// RUN: not attn-opt %s --attn-token-merge="r=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not attn-opt %s --attn-token-merge="r=4 inflect=2.0" 2>&1 | FileCheck %s --check-prefix=INFLECT
// RUN: not attn-opt %s --attn-token-merge="blocks=a-b" 2>&1 | FileCheck %s --check-prefix=BLOCKS

// MATCHING: error: attn-token-merge: matching must be bipartite or complete-graph, got 'greedy'
// NEGATIVE: error: attn-token-merge: r must be >= 0, got -1
// INFLECT: error: attn-token-merge: inflect must be in [-1, 1], got 2.000000e+00
// BLOCKS: error: attn-token-merge: 'blocks' entry 'a-b' is not an index or a range like 0-3

func.func @f(%x: tensor<1x4x8x4xf32>) -> tensor<1x4x8x4xf32> {
  %o = attn.attention %x, %x, %x : tensor<1x4x8x4xf32>, tensor<1x4x8x4xf32>, tensor<1x4x8x4xf32> -> tensor<1x4x8x4xf32>
  return %o : tensor<1x4x8x4xf32>
}
