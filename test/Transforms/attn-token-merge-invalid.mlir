// --attn-token-merge rejects bad options with an error naming the option.
// RUN: not attn-opt %s --attn-token-merge="matching=greedy" 2>&1 | FileCheck %s --check-prefix=MATCHING
// RUN: not attn-opt %s --attn-token-merge="r=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not attn-opt %s --attn-token-merge="r=4 inflect=2.0" 2>&1 | FileCheck %s --check-prefix=INFLECT
// RUN: not attn-opt %s --attn-token-merge="blocks=a-b" 2>&1 | FileCheck %s --check-prefix=BLOCKS
// RUN: not attn-opt %s --attn-token-merge="r=4 inflect=nan" 2>&1 | FileCheck %s --check-prefix=NAN
// RUN: not attn-opt %s --attn-token-merge="r=2 blocks=999" 2>&1 | FileCheck %s --check-prefix=PAST
// A value that does not parse: an error that names the pass and the options.
// RUN: not attn-opt %s --attn-token-merge="r=abc" 2>&1 | FileCheck %s --check-prefix=TYPE
// RUN: not attn-opt %s --attn-token-merge="r=2 left=3" 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// MATCHING: error: attn-token-merge: matching must be bipartite or complete-graph, got 'greedy'
// NEGATIVE: error: attn-token-merge: r must be >= 0, got -1
// INFLECT: error: attn-token-merge: inflect must be in [-1, 1], got 2.000000e+00
// BLOCKS: error: attn-token-merge: 'blocks' entry 'a-b' is not an index or a range like 0-3
// NAN: error: attn-token-merge: inflect must be in [-1, 1], got nan
// PAST: error: attn-token-merge: blocks= names block 999 but @f has 0 transformer blocks{{$}}
// TYPE: error: attn-token-merge: invalid options 'r=abc'{{$}}
// TYPE-NOT: error:
// UNKNOWN: error: attn-token-merge: invalid options 'r=2 left=3': <Pass-Options-Parser>: no such option left

func.func @f(%x: tensor<1x4x8x4xf32>) -> tensor<1x4x8x4xf32> {
  %o = attn.attention %x, %x, %x : tensor<1x4x8x4xf32>, tensor<1x4x8x4xf32>, tensor<1x4x8x4xf32> -> tensor<1x4x8x4xf32>
  return %o : tensor<1x4x8x4xf32>
}
