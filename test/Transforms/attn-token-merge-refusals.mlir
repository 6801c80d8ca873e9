// --attn-token-merge refusals: every block the pass cannot merge gets a remark
// naming the op that cannot follow the smaller token count, and the IR is left
// as it was (no token_merge, the old types everywhere).
// RUN: attn-opt %s --split-input-file --attn-token-merge="r=2" -verify-diagnostics | FileCheck %s

// A body that reads the token position along the merged dimension.
// CHECK-LABEL: func.func @position_dependent
// CHECK-NOT:     attn.token_merge
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @position_dependent(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> tensor<1x9x8xf32> {
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
  // expected-remark @+1 {{attn-token-merge: block 0 not merged: 'linalg.generic': its body reads the position (linalg.index) along the token dimension}}
  %xx_0 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gl_0 : tensor<9x8xf32>) outs(%e2 : tensor<9x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i32
    %fi = arith.sitofp %ii : i32 to f32
    %s = arith.addf %a, %fi : f32
    linalg.yield %s : f32
  } -> tensor<9x8xf32>
  %m2_0 = linalg.matmul ins(%xx_0, %w : tensor<9x8xf32>, tensor<8x8xf32>) outs(%f : tensor<9x8xf32>) -> tensor<9x8xf32>
  %me_0 = tensor.expand_shape %m2_0 [[0, 1], [2]] output_shape [1, 9, 8] : tensor<9x8xf32> into tensor<1x9x8xf32>
  %x2_0 = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x1_0, %me_0 : tensor<1x9x8xf32>, tensor<1x9x8xf32>) outs(%e : tensor<1x9x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x9x8xf32>
  return %x2_0 : tensor<1x9x8xf32>
}
// -----

// A function argument with the token dimension cannot be re-created for fewer tokens.
// CHECK-LABEL: func.func @argument_tokens
// CHECK-NOT:     attn.token_merge
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @argument_tokens(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>, %w9: tensor<9x8xf32>) -> tensor<1x9x8xf32> {
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
  // expected-remark @+1 {{attn-token-merge: block 0 not merged: 'linalg.generic': a function argument carries the tokens}}
  %xx_0 = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gl_0, %w9 : tensor<9x8xf32>, tensor<9x8xf32>) outs(%e2 : tensor<9x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<9x8xf32>
  %m2_0 = linalg.matmul ins(%xx_0, %w : tensor<9x8xf32>, tensor<8x8xf32>) outs(%f : tensor<9x8xf32>) -> tensor<9x8xf32>
  %me_0 = tensor.expand_shape %m2_0 [[0, 1], [2]] output_shape [1, 9, 8] : tensor<9x8xf32> into tensor<1x9x8xf32>
  %x2_0 = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x1_0, %me_0 : tensor<1x9x8xf32>, tensor<1x9x8xf32>) outs(%e : tensor<1x9x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x9x8xf32>
  return %x2_0 : tensor<1x9x8xf32>
}
// -----

// An op the pass does not know.
// CHECK-LABEL: func.func @unknown_op
// CHECK-NOT:     attn.token_merge
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @unknown_op(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> tensor<1x9x16xf32> {
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
  // expected-remark @+1 {{attn-token-merge: block 0 not merged: 'tensor.concat': cannot re-type 'tensor.concat' for 7 tokens}}
  %cat = tensor.concat dim(2) %x2_0, %x2_0 : (tensor<1x9x8xf32>, tensor<1x9x8xf32>) -> tensor<1x9x16xf32>
  return %cat : tensor<1x9x16xf32>
}
// -----

// A reduction over tokens that is not a sum (a size-weighted max means nothing).
// CHECK-LABEL: func.func @max_over_tokens
// CHECK-NOT:     attn.token_merge
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @max_over_tokens(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> tensor<1x8xf32> {
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
  %ep = tensor.empty() : tensor<1x8xf32>
  // expected-remark @+1 {{attn-token-merge: block 0 not merged: 'linalg.generic': it reduces over the token dimension and is not a sum}}
  %mx = linalg.generic {indexing_maps = [#id3, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} ins(%x2_0 : tensor<1x9x8xf32>) outs(%ep : tensor<1x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.maximumf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<1x8xf32>
  return %mx : tensor<1x8xf32>
}
// -----

// A slice of some tokens: which ones survive depends on the data.
// CHECK-LABEL: func.func @partial_slice
// CHECK-NOT:     attn.token_merge
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @partial_slice(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> tensor<1x4x8xf32> {
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
  // expected-remark @+1 {{attn-token-merge: block 0 not merged: 'tensor.extract_slice': it takes part of the token dimension}}
  %sl = tensor.extract_slice %x2_0[0, 1, 0] [1, 4, 8] [1, 1, 1] : tensor<1x9x8xf32> to tensor<1x4x8xf32>
  return %sl : tensor<1x4x8xf32>
}
// -----

// A per-token result that is not B x N x C cannot be unmerged.
// CHECK-LABEL: func.func @collapsed_result
// CHECK-NOT:     attn.token_merge
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @collapsed_result(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> tensor<9x8xf32> {
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
  %cr = tensor.collapse_shape %x2_0 [[0, 1], [2]] : tensor<1x9x8xf32> into tensor<9x8xf32>
  // expected-remark @+1 {{attn-token-merge: block 0 not merged: 'func.return': operand #0 carries merged tokens but is not B x N x C}}
  return %cr : tensor<9x8xf32>
}
// -----

// A later causal attention refuses block 0; block 1 (after it) still merges.
// CHECK-LABEL: func.func @causal_later_block
// CHECK-COUNT-1: attn.token_merge {{.*}} r = 2
// CHECK-NOT:     attn.token_merge
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @causal_later_block(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> tensor<1x9x8xf32> {
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
  // expected-remark @+1 {{attn-token-merge: block 0 not merged: 'attn.attention': its pattern depends on token positions}}
  %o_1 = attn.attention %h_1, %h_1, %h_1 {pattern = #attn.causal} : tensor<1x2x9x4xf32>, tensor<1x2x9x4xf32>, tensor<1x2x9x4xf32> -> tensor<1x2x9x4xf32>
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

// An attention without the residual structure of a block.
// CHECK-LABEL: func.func @lone_attention
// CHECK-NOT:     attn.token_merge
func.func @lone_attention(%q: tensor<1x2x9x4xf32>) -> tensor<1x2x9x4xf32> {
  // expected-remark @+1 {{attn-token-merge: attention is not part of a transformer block: no residual add}}
  %o = attn.attention %q, %q, %q : tensor<1x2x9x4xf32>, tensor<1x2x9x4xf32>, tensor<1x2x9x4xf32> -> tensor<1x2x9x4xf32>
  return %o : tensor<1x2x9x4xf32>
}

// -----

// An attention that returns its log-sum-exp (a sum over the keys) refuses
// block 0; block 1 (after it) still merges.
// CHECK-LABEL: func.func @lse_later_block
// CHECK-COUNT-1: attn.token_merge {{.*}} r = 2
// CHECK-NOT:     attn.token_merge
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#ch = affine_map<(d0, d1, d2) -> (d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @lse_later_block(%x: tensor<1x9x8xf32>, %g: tensor<8xf32>, %w: tensor<8x8xf32>) -> tensor<1x9x8xf32> {
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
  // expected-remark @+1 {{attn-token-merge: block 0 not merged: 'attn.attention': its log-sum-exp result sums over the keys, which merging changes}}
  %o_1, %lse_1 = attn.attention %h_1, %h_1, %h_1 : tensor<1x2x9x4xf32>, tensor<1x2x9x4xf32>, tensor<1x2x9x4xf32> -> tensor<1x2x9x4xf32>, tensor<1x2x9xf32>
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
