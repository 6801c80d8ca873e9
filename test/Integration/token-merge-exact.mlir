// Numerics of --attn-token-merge through attn-run. Merging two identical
// tokens loses nothing when attention is proportional: the merged token
// (size 2, ln 2 added to its logits) stands exactly for the pair, the MLP is
// per token, and token_unmerge copies it back to both places. So on an input
// whose tokens 2-3, 4-5 and 6-7 are duplicates, merging r = 3 in block 0
// (bipartite: A = even, B = odd positions; the duplicates are the 3 best
// pairs) must give the unmerged model's result within 1e-5, and without
// proportional attention it must not.
// REQUIRES: numpy
// RUN: %python -c "import numpy as np; g = np.random.default_rng(7); x = g.standard_normal((1, 9, 8)).astype(np.float32); x[0, 3] = x[0, 2]; x[0, 5] = x[0, 4]; x[0, 7] = x[0, 6]; np.save('%t.x.npy', x); np.save('%t.g.npy', (1 + 0.1 * g.standard_normal(8)).astype(np.float32)); np.save('%t.w.npy', (0.4 * g.standard_normal((8, 8))).astype(np.float32))"
// RUN: attn-run %s --entry=two_blocks --input=%t.x.npy,%t.g.npy,%t.w.npy --output-dir=%t.orig
// RUN: attn-opt %s --attn-token-merge="r=3,0" | FileCheck %s --check-prefix=IR
// RUN: attn-opt %s --attn-token-merge="r=3,0" | attn-run - --entry=two_blocks --input=%t.x.npy,%t.g.npy,%t.w.npy --check-against=%t.orig/two_blocks.result0.npy --atol=1e-5 --rtol=1e-5 | FileCheck %s --check-prefix=PASS
// RUN: attn-opt %s --attn-token-merge="r=3,0 proportional=false" | not attn-run - --entry=two_blocks --input=%t.x.npy,%t.g.npy,%t.w.npy --check-against=%t.orig/two_blocks.result0.npy --atol=1e-5 --rtol=1e-5 | FileCheck %s --check-prefix=FAIL

// IR: attn.token_merge {{.*}} r = 3 protect_first {{.*}} -> tensor<1x6x8xf32>
// IR: attn.attention {{.*}} bias(%{{.*}} : tensor<1x1x1x6xf32>)
// IR: attn.token_unmerge {{.*}} -> tensor<1x9x8xf32>
// PASS: check: PASS
// FAIL: check: FAIL

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
