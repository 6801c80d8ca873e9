// --attn-token-merge options on two pre-norm blocks of 9 tokens: the r
// schedule (one value, a list, ToMe's inflect schedule), block selection,
// proportional attention off, complete-graph matching without a protected
// class token, and the statistics.
// RUN: attn-opt %s --attn-token-merge="r=2 proportional=false" | FileCheck %s --check-prefix=NOPROP
// RUN: attn-opt %s --attn-token-merge="r=2,1" | FileCheck %s --check-prefix=LIST
// RUN: attn-opt %s --attn-token-merge="r=2 inflect=0.5" | FileCheck %s --check-prefix=INFLECT
// RUN: attn-opt %s --attn-token-merge="r=2 blocks=1" | FileCheck %s --check-prefix=BLOCKS
// A block index past the last block is an error, not a silent no-op.
// RUN: not attn-opt %s --attn-token-merge="r=2 blocks=1-2" 2>&1 | FileCheck %s --check-prefix=PAST
// PAST: error: attn-token-merge: blocks= names block 2 but @two_blocks has 2 transformer blocks (0 to 1)
// RUN: attn-opt %s --attn-token-merge="r=3 matching=complete-graph protect-first=false" | FileCheck %s --check-prefix=CG
// RUN: attn-opt %s --attn-token-merge="r=2" --attn-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: attn-opt %s --attn-token-merge="r=16" -o /dev/null 2>&1 | FileCheck %s --check-prefix=CLAMP

// Without proportional attention the second attention gets no bias.
// NOPROP-LABEL: func.func @two_blocks
// NOPROP:         attn.token_merge {{.*}} -> tensor<1x7x8xf32>
// NOPROP-NOT:     math.log
// NOPROP:         attn.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} : tensor<1x2x7x4xf32>
// NOPROP:         attn.token_merge {{.*}} size({{.*}}) r = 2 {{.*}} -> tensor<1x5x8xf32>

// LIST-LABEL: func.func @two_blocks
// LIST:         attn.token_merge {{.*}} r = 2 protect_first {{.*}} -> tensor<1x7x8xf32>, tensor<1x7xf32>, tensor<1x9xindex>
// LIST:         attn.token_merge {{.*}} r = 1 protect_first {{.*}} -> tensor<1x6x8xf32>, tensor<1x6xf32>, tensor<1x7xindex>

// ToMe's schedule for r = 2, inflect = 0.5 over 2 blocks: 1, then 3.
// INFLECT-LABEL: func.func @two_blocks
// INFLECT:         attn.token_merge {{.*}} r = 1 protect_first {{.*}} -> tensor<1x8x8xf32>
// INFLECT:         attn.attention {{.*}} bias(%{{.*}} : tensor<1x1x1x8xf32>)
// INFLECT:         attn.token_merge {{.*}} r = 3 protect_first {{.*}} -> tensor<1x5x8xf32>

// Only block 1: the first attention and the second both see 9 tokens.
// BLOCKS-LABEL: func.func @two_blocks
// BLOCKS-COUNT-2: attn.attention {{.*}} -> tensor<1x2x9x4xf32>
// BLOCKS:         %[[M:.*]], %{{.*}}, %[[SRC:.*]] = attn.token_merge %{{[^ ]*}}, %{{[^ ]*}} r = 2 protect_first
// BLOCKS-NOT:     attn.token_merge
// BLOCKS:         attn.token_unmerge %{{.*}}, %[[SRC]] : tensor<1x7x8xf32>, tensor<1x9xindex> -> tensor<1x9x8xf32>

// CG-LABEL: func.func @two_blocks
// CG:         attn.token_merge %{{[^ ]*}}, %{{[^ ]*}} r = 3 matching = complete_graph : {{.*}} -> tensor<1x6x8xf32>
// CG:         attn.attention {{.*}} bias(%{{.*}} : tensor<1x1x1x6xf32>)
// CG:         attn.token_merge {{.*}} size({{.*}}) r = 3 matching = complete_graph : {{.*}} -> tensor<1x3x8xf32>

// r larger than bipartite matching allows is clamped, as ToMe does: 9 tokens
// with a class token can lose 4, the 5 left can lose 2.
// CLAMP: remark: attn-token-merge: block 0: r = 16 clamped to 4, the most that bipartite matching merges away from 9 tokens
// CLAMP: remark: attn-token-merge: block 1: r = 16 clamped to 2, the most that bipartite matching merges away from 5 tokens

// STATS: attn-token-merge: blocks-merged = 2
// STATS: attn-token-merge: flops-saved = {{[1-9][0-9]*}}
// STATS: attn-token-merge: tokens-removed = 4

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>

func.func @two_blocks(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> tensor<1x9x8xf32> {
  %e = tensor.empty() : tensor<1x9x8xf32>
  %e2 = tensor.empty() : tensor<9x8xf32>
  %e4 = tensor.empty() : tensor<1x2x9x4xf32>
  %e5 = tensor.empty() : tensor<1x9x2x4xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e2 : tensor<9x8xf32>) -> tensor<9x8xf32>
  %n1_0 = linalg.generic {indexing_maps = [#id3, #ch, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %g : tensor<1x9x8xf32>, tensor<8xf32>) outs(%e : tensor<1x9x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x9x8xf32>
  %c_0 = tensor.collapse_shape %n1_0 [[0, 1], [2]] : tensor<1x9x8xf32> into tensor<9x8xf32>
  %p_0 = linalg.matmul ins(%c_0, %w : tensor<9x8xf32>, tensor<8x8xf32>) outs(%f : tensor<9x8xf32>) -> tensor<9x8xf32>
  %ex_0 = tensor.expand_shape %p_0 [[0, 1], [2, 3]] output_shape [1, 9, 2, 4] : tensor<9x8xf32> into tensor<1x9x2x4xf32>
  %h_0 = linalg.transpose ins(%ex_0 : tensor<1x9x2x4xf32>) outs(%e4 : tensor<1x2x9x4xf32>) permutation = [0, 2, 1, 3]
  %o_0 = attn.attention %h_0, %h_0, %h_0 : tensor<1x2x9x4xf32>, tensor<1x2x9x4xf32>, tensor<1x2x9x4xf32> -> tensor<1x2x9x4xf32>
  %ot_0 = linalg.transpose ins(%o_0 : tensor<1x2x9x4xf32>) outs(%e5 : tensor<1x9x2x4xf32>) permutation = [0, 2, 1, 3]
  %oc_0 = tensor.collapse_shape %ot_0 [[0, 1], [2, 3]] : tensor<1x9x2x4xf32> into tensor<9x8xf32>
  %pr_0 = linalg.matmul ins(%oc_0, %w : tensor<9x8xf32>, tensor<8x8xf32>) outs(%f : tensor<9x8xf32>) -> tensor<9x8xf32>
  %pe_0 = tensor.expand_shape %pr_0 [[0, 1], [2]] output_shape [1, 9, 8] : tensor<9x8xf32> into tensor<1x9x8xf32>
  %x1_0 = linalg.add ins(%x, %pe_0 : tensor<1x9x8xf32>, tensor<1x9x8xf32>) outs(%e : tensor<1x9x8xf32>) -> tensor<1x9x8xf32>
  %n2_0 = linalg.generic {indexing_maps = [#id3, #ch, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x1_0, %g : tensor<1x9x8xf32>, tensor<8xf32>) outs(%e : tensor<1x9x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x9x8xf32>
  %c2_0 = tensor.collapse_shape %n2_0 [[0, 1], [2]] : tensor<1x9x8xf32> into tensor<9x8xf32>
  %m1_0 = linalg.matmul ins(%c2_0, %w : tensor<9x8xf32>, tensor<8x8xf32>) outs(%f : tensor<9x8xf32>) -> tensor<9x8xf32>
  %gl_0 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%m1_0 : tensor<9x8xf32>) outs(%e2 : tensor<9x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<9x8xf32>
  %m2_0 = linalg.matmul ins(%gl_0, %w : tensor<9x8xf32>, tensor<8x8xf32>) outs(%f : tensor<9x8xf32>) -> tensor<9x8xf32>
  %me_0 = tensor.expand_shape %m2_0 [[0, 1], [2]] output_shape [1, 9, 8] : tensor<9x8xf32> into tensor<1x9x8xf32>
  %x2_0 = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x1_0, %me_0 : tensor<1x9x8xf32>, tensor<1x9x8xf32>) outs(%e : tensor<1x9x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x9x8xf32>
  %n1_1 = linalg.generic {indexing_maps = [#id3, #ch, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x2_0, %g : tensor<1x9x8xf32>, tensor<8xf32>) outs(%e : tensor<1x9x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x9x8xf32>
  %c_1 = tensor.collapse_shape %n1_1 [[0, 1], [2]] : tensor<1x9x8xf32> into tensor<9x8xf32>
  %p_1 = linalg.matmul ins(%c_1, %w : tensor<9x8xf32>, tensor<8x8xf32>) outs(%f : tensor<9x8xf32>) -> tensor<9x8xf32>
  %ex_1 = tensor.expand_shape %p_1 [[0, 1], [2, 3]] output_shape [1, 9, 2, 4] : tensor<9x8xf32> into tensor<1x9x2x4xf32>
  %h_1 = linalg.transpose ins(%ex_1 : tensor<1x9x2x4xf32>) outs(%e4 : tensor<1x2x9x4xf32>) permutation = [0, 2, 1, 3]
  %o_1 = attn.attention %h_1, %h_1, %h_1 : tensor<1x2x9x4xf32>, tensor<1x2x9x4xf32>, tensor<1x2x9x4xf32> -> tensor<1x2x9x4xf32>
  %ot_1 = linalg.transpose ins(%o_1 : tensor<1x2x9x4xf32>) outs(%e5 : tensor<1x9x2x4xf32>) permutation = [0, 2, 1, 3]
  %oc_1 = tensor.collapse_shape %ot_1 [[0, 1], [2, 3]] : tensor<1x9x2x4xf32> into tensor<9x8xf32>
  %pr_1 = linalg.matmul ins(%oc_1, %w : tensor<9x8xf32>, tensor<8x8xf32>) outs(%f : tensor<9x8xf32>) -> tensor<9x8xf32>
  %pe_1 = tensor.expand_shape %pr_1 [[0, 1], [2]] output_shape [1, 9, 8] : tensor<9x8xf32> into tensor<1x9x8xf32>
  %x1_1 = linalg.add ins(%x2_0, %pe_1 : tensor<1x9x8xf32>, tensor<1x9x8xf32>) outs(%e : tensor<1x9x8xf32>) -> tensor<1x9x8xf32>
  %n2_1 = linalg.generic {indexing_maps = [#id3, #ch, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x1_1, %g : tensor<1x9x8xf32>, tensor<8xf32>) outs(%e : tensor<1x9x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x9x8xf32>
  %c2_1 = tensor.collapse_shape %n2_1 [[0, 1], [2]] : tensor<1x9x8xf32> into tensor<9x8xf32>
  %m1_1 = linalg.matmul ins(%c2_1, %w : tensor<9x8xf32>, tensor<8x8xf32>) outs(%f : tensor<9x8xf32>) -> tensor<9x8xf32>
  %gl_1 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%m1_1 : tensor<9x8xf32>) outs(%e2 : tensor<9x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<9x8xf32>
  %m2_1 = linalg.matmul ins(%gl_1, %w : tensor<9x8xf32>, tensor<8x8xf32>) outs(%f : tensor<9x8xf32>) -> tensor<9x8xf32>
  %me_1 = tensor.expand_shape %m2_1 [[0, 1], [2]] output_shape [1, 9, 8] : tensor<9x8xf32> into tensor<1x9x8xf32>
  %x2_1 = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x1_1, %me_1 : tensor<1x9x8xf32>, tensor<1x9x8xf32>) outs(%e : tensor<1x9x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x9x8xf32>
  return %x2_1 : tensor<1x9x8xf32>
}
