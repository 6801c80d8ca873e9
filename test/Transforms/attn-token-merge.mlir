// --attn-token-merge on hand-written transformer blocks (raised form:
// attn.attention between linalg projections): block detection (pre-norm,
// post-norm, linalg.add or generic residuals), insertion of the merge with the
// head-averaged keys as metric, re-typing of everything downstream, sizes
// chained through later merges, proportional attention, token_unmerge for
// per-token results, the class-token slice and size-weighted mean pooling.
// RUN: attn-opt %s --split-input-file --attn-token-merge="r=2" | FileCheck %s

// The merge sits between the attention residual (x1) and the MLP; every op
// after it works on 7 tokens, and the result is unmerged back to 9.
// CHECK-LABEL: func.func @prenorm_one_block
// CHECK:         %[[H:.*]] = linalg.transpose {{.*}} outs(%{{.*}} : tensor<1x2x9x4xf32>)
// CHECK:         attn.attention %[[H]], %[[H]], %[[H]] : tensor<1x2x9x4xf32>
// CHECK:         %[[X1:.*]] = linalg.add ins(%{{.*}}, %{{.*}} : tensor<1x9x8xf32>, tensor<1x9x8xf32>)
// CHECK:         %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:         %[[METRIC:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[H]] : tensor<1x2x9x4xf32>) outs(%{{.*}} : tensor<1x9x4xf32>)
// CHECK:           arith.mulf %{{.*}}, %[[HALF]] : f32
// CHECK:         %[[M:.*]], %[[S:.*]], %[[SRC:.*]] = attn.token_merge %[[X1]], %[[METRIC]] r = 2 protect_first : tensor<1x9x8xf32>, tensor<1x9x4xf32> -> tensor<1x7x8xf32>, tensor<1x7xf32>, tensor<1x9xindex>
// CHECK-NOT:     9x8xf32
// CHECK:         %[[N2:.*]] = linalg.generic {{.*}} ins(%[[M]], %{{.*}} : tensor<1x7x8xf32>, tensor<8xf32>) outs(%{{.*}} : tensor<1x7x8xf32>)
// CHECK:         tensor.collapse_shape %[[N2]] {{.*}} into tensor<7x8xf32>
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<7x8xf32>, tensor<8x8xf32>) outs(%{{.*}} : tensor<7x8xf32>)
// CHECK:         tensor.expand_shape {{.*}} output_shape [1, 7, 8] : tensor<7x8xf32> into tensor<1x7x8xf32>
// CHECK:         %[[X2:.*]] = linalg.generic {{.*}} ins(%[[M]], %{{.*}} : tensor<1x7x8xf32>, tensor<1x7x8xf32>)
// CHECK:         %[[U:.*]] = attn.token_unmerge %[[X2]], %[[SRC]] : tensor<1x7x8xf32>, tensor<1x9xindex> -> tensor<1x9x8xf32>
// CHECK:         return %[[U]] : tensor<1x9x8xf32>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>

func.func @prenorm_one_block(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> tensor<1x9x8xf32> {
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
  return %x2_0 : tensor<1x9x8xf32>
}

// -----

// Two blocks: the second attention runs on 7 tokens with ln(size) on its keys,
// the second merge takes the first one's sizes, and the result is unmerged
// through both sources, last merge first.
// CHECK-LABEL: func.func @two_blocks
// CHECK:         %[[M0:.*]], %[[S0:.*]], %[[SRC0:.*]] = attn.token_merge %{{.*}}, %{{.*}} r = 2 protect_first : {{.*}} -> tensor<1x7x8xf32>, tensor<1x7xf32>, tensor<1x9xindex>
// CHECK:         %[[H1:.*]] = linalg.transpose {{.*}} outs(%{{.*}} : tensor<1x2x7x4xf32>)
// CHECK:         %[[LOG:.*]] = linalg.generic {{.*}} ins(%[[S0]] : tensor<1x7xf32>) outs(%{{.*}} : tensor<1x1x1x7xf32>)
// CHECK-NEXT:    ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[L:.*]] = math.log %[[IN]] : f32
// CHECK-NEXT:      linalg.yield %[[L]] : f32
// CHECK:         attn.attention %[[H1]], %[[H1]], %[[H1]] bias(%[[LOG]] : tensor<1x1x1x7xf32>) : tensor<1x2x7x4xf32>, tensor<1x2x7x4xf32>, tensor<1x2x7x4xf32> -> tensor<1x2x7x4xf32>
// CHECK:         %[[M1:.*]], %[[S1:.*]], %[[SRC1:.*]] = attn.token_merge %{{.*}}, %{{.*}} size(%[[S0]] : tensor<1x7xf32>) r = 2 protect_first : tensor<1x7x8xf32>, tensor<1x7x4xf32> -> tensor<1x5x8xf32>, tensor<1x5xf32>, tensor<1x7xindex>
// CHECK-NOT:     7x8xf32
// CHECK:         %[[X2:.*]] = linalg.generic {{.*}} ins(%[[M1]], %{{.*}} : tensor<1x5x8xf32>, tensor<1x5x8xf32>)
// CHECK:         %[[U1:.*]] = attn.token_unmerge %[[X2]], %[[SRC1]] : tensor<1x5x8xf32>, tensor<1x7xindex> -> tensor<1x7x8xf32>
// CHECK:         %[[U0:.*]] = attn.token_unmerge %[[U1]], %[[SRC0]] : tensor<1x7x8xf32>, tensor<1x9xindex> -> tensor<1x9x8xf32>
// CHECK:         return %[[U0]]
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

// -----

// Post-norm (x1 = x + attn, y = norm(x1), x2 = y + mlp(y)): y is merged.
// CHECK-LABEL: func.func @post_norm
// CHECK:         %[[X1:.*]] = linalg.add ins(%{{.*}}, %{{.*}} : tensor<1x9x8xf32>, tensor<1x9x8xf32>)
// CHECK:         %[[Y:.*]] = linalg.generic {{.*}} ins(%[[X1]], %{{.*}} : tensor<1x9x8xf32>, tensor<8xf32>)
// CHECK:         %[[M:.*]], %{{.*}}, %[[SRC:.*]] = attn.token_merge %[[Y]], %{{.*}} r = 2
// CHECK:         tensor.collapse_shape %[[M]] {{.*}} into tensor<7x8xf32>
// CHECK:         %[[X2:.*]] = linalg.generic {{.*}} ins(%[[M]], %{{.*}} : tensor<1x7x8xf32>, tensor<1x7x8xf32>)
// CHECK:         attn.token_unmerge %[[X2]], %[[SRC]]
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>

func.func @post_norm(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> tensor<1x9x8xf32> {
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
  %y_0 = linalg.generic {indexing_maps = [#id3, #ch, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x1_0, %g : tensor<1x9x8xf32>, tensor<8xf32>) outs(%e : tensor<1x9x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x9x8xf32>
  %c2_0 = tensor.collapse_shape %y_0 [[0, 1], [2]] : tensor<1x9x8xf32> into tensor<9x8xf32>
  %m1_0 = linalg.matmul ins(%c2_0, %w : tensor<9x8xf32>, tensor<8x8xf32>) outs(%f : tensor<9x8xf32>) -> tensor<9x8xf32>
  %gl_0 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%m1_0 : tensor<9x8xf32>) outs(%e2 : tensor<9x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<9x8xf32>
  %m2_0 = linalg.matmul ins(%gl_0, %w : tensor<9x8xf32>, tensor<8x8xf32>) outs(%f : tensor<9x8xf32>) -> tensor<9x8xf32>
  %me_0 = tensor.expand_shape %m2_0 [[0, 1], [2]] output_shape [1, 9, 8] : tensor<9x8xf32> into tensor<1x9x8xf32>
  %x2_0 = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%y_0, %me_0 : tensor<1x9x8xf32>, tensor<1x9x8xf32>) outs(%e : tensor<1x9x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x9x8xf32>
  return %x2_0 : tensor<1x9x8xf32>
}

// -----

// A class-token output needs no unmerge: protect_first keeps token 0 first.
// CHECK-LABEL: func.func @class_token
// CHECK-COUNT-2: attn.token_merge
// CHECK:         %[[SLICE:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0] [1, 1, 8] [1, 1, 1] : tensor<1x5x8xf32> to tensor<1x1x8xf32>
// CHECK:         %[[C:.*]] = tensor.collapse_shape %[[SLICE]] {{.*}} into tensor<1x8xf32>
// CHECK-NOT:     attn.token_unmerge
// CHECK:         return %[[C]] : tensor<1x8xf32>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>

func.func @class_token(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> tensor<1x8xf32> {
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
  %cls = tensor.extract_slice %x2_1[0, 0, 0] [1, 1, 8] [1, 1, 1] : tensor<1x9x8xf32> to tensor<1x1x8xf32>
  %clsc = tensor.collapse_shape %cls [[0], [1, 2]] : tensor<1x1x8xf32> into tensor<1x8xf32>
  return %clsc : tensor<1x8xf32>
}

// -----

// Mean pooling becomes size-weighted: sum_j size_j x_j / 9.
// CHECK-LABEL: func.func @mean_pool
// CHECK:         %{{.*}}, %[[S1:.*]], %{{.*}} = attn.token_merge %{{.*}} size(%{{.*}}) r = 2 {{.*}} -> tensor<1x5x8xf32>, tensor<1x5xf32>, tensor<1x7xindex>
// CHECK:         %[[W:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[S1]] : tensor<1x5x8xf32>, tensor<1x5xf32>)
// CHECK-NEXT:    ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[P:.*]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]{{.*}} ins(%[[W]] : tensor<1x5x8xf32>) outs(%{{.*}} : tensor<1x8xf32>)
// CHECK:         %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x8xf32>)
// CHECK:           arith.divf %{{.*}}, %{{.*}} : f32
// CHECK-NOT:     attn.token_unmerge
// CHECK:         return %[[MEAN]]
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>

func.func @mean_pool(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> tensor<1x8xf32> {
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
  %ep = tensor.empty() : tensor<1x8xf32>
  %fp = linalg.fill ins(%z : f32) outs(%ep : tensor<1x8xf32>) -> tensor<1x8xf32>
  %sum = linalg.generic {indexing_maps = [#id3, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} ins(%x2_1 : tensor<1x9x8xf32>) outs(%fp : tensor<1x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<1x8xf32>
  %cn = arith.constant 9.0 : f32
  %mean = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sum : tensor<1x8xf32>) outs(%ep : tensor<1x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.divf %a, %cn : f32
    linalg.yield %d : f32
  } -> tensor<1x8xf32>
  return %mean : tensor<1x8xf32>
}
