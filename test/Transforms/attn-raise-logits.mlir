// Logit chains that --attn-raise maps to attributes and operands: softcap,
// masks of either polarity, several additive biases, batch x heads folded.
// Each near miss stays untouched with a remark naming the step; chains
// that map to no attribute are in attn-raise-score-mod.mlir.
// RUN: attn-opt %s --attn-raise --canonicalize | FileCheck %s
// RUN: attn-opt %s --attn-raise=explain=true --verify-diagnostics -o /dev/null
// Raising never changes numbers: each raised entry gives what it gave before.
// RUN: attn-run %s --entry=softcap --seed=5 --output-dir=%t.softcap
// RUN: attn-opt %s --attn-raise | attn-run - --entry=softcap --seed=5 --check-against=%t.softcap/softcap.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=masked_fill --seed=5 --output-dir=%t.masked_fill
// RUN: attn-opt %s --attn-raise | attn-run - --entry=masked_fill --seed=5 --check-against=%t.masked_fill/masked_fill.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=masked_fill_lowest --seed=5 --output-dir=%t.masked_fill_lowest
// RUN: attn-opt %s --attn-raise | attn-run - --entry=masked_fill_lowest --seed=5 --check-against=%t.masked_fill_lowest/masked_fill_lowest.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=folded_two_biases --seed=5 --output-dir=%t.folded_two_biases
// RUN: attn-opt %s --attn-raise | attn-run - --entry=folded_two_biases --seed=5 --check-against=%t.folded_two_biases/folded_two_biases.result0.npy --atol=1e-5 --rtol=1e-5

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#last2 = affine_map<(d0, d1, d2) -> (d1, d2)>
#lead3 = affine_map<(d0, d1, d2) -> (0, d1, d2)>
#relmap = affine_map<(d0, d1, d2, d3) -> (0, d1, d2, d3)>
#padmap = affine_map<(d0, d1, d2, d3) -> (d0, 0, 0, d3)>

// Gemma 2: s * scaling, then softcap * tanh(s / softcap), then the mask:
// softcap(0.25 * s) = 30 * tanh(0.25 * s / 30).
// CHECK-LABEL: func.func @softcap(
// CHECK: attn.attention {{.*}} bias({{.*}}) {scale = 2.500000e-01 : f32, softcap = 3.000000e+01 : f32}
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @softcap(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %bias: tensor<8x8xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s1_c = arith.constant 0.25 : f32
  %s1 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %s1_c : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s2_c = arith.constant 30.0 : f32
  %s2 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s1 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.divf %x, %s2_c : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s3 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s2 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.tanh %x : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s4_c = arith.constant 30.0 : f32
  %s4 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s3 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %s4_c : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s5 = linalg.generic {indexing_maps = [#id3, #last2, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s4, %bias : tensor<4x8x8xf32>, tensor<8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %y = arith.addf %x, %b : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s5 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// masked_fill(m, -inf): select(m, -inf, s), true = masked. The op's mask is
// not(m) (true = may attend).
// CHECK-LABEL: func.func @masked_fill(
// CHECK-SAME: %[[M:[a-z0-9]+]]: tensor<8x8xi1>
// CHECK: %[[NOT:.*]] = linalg.generic
// CHECK: arith.xori
// CHECK: attn.attention {{.*}} mask(%[[NOT]] : tensor<8x8xi1>)
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @masked_fill(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %m: tensor<8x8xi1>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s1 = linalg.generic {indexing_maps = [#id3, #last2, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %m : tensor<4x8x8xf32>, tensor<8x8xi1>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %mb: i1, %o: f32):
    %f = arith.constant 0xFF800000 : f32
    %y = arith.select %mb, %f, %x : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s1 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// masked_fill(m, lowest float): a bias of lowest where m, 0 elsewhere.
// CHECK-LABEL: func.func @masked_fill_lowest(
// CHECK-DAG: %[[LOW:.*]] = arith.constant -3.40282347E+38 : f32
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[B:.*]] = linalg.generic
// CHECK: arith.select %{{.*}}, %[[LOW]], %[[ZERO]] : f32
// CHECK: attn.attention {{.*}} bias(%[[B]] : tensor<8x8xf32>)
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @masked_fill_lowest(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %m: tensor<8x8xi1>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s1 = linalg.generic {indexing_maps = [#id3, #last2, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %m : tensor<4x8x8xf32>, tensor<8x8xi1>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %mb: i1, %o: f32):
    %f = arith.constant -3.40282347E+38 : f32
    %y = arith.select %mb, %f, %x : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s1 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// Batch 2 x 2 heads folded into the products (Q, K, V are [B * H, L, D]),
// scores split into [B, H, Lq, Lk], a relative position bias per head and a
// padding mask per batch added one after the other: one op on [2, 2, 8, 16]
// with the two biases summed into one [2, 2, 8, 8] bias.
// CHECK-LABEL: func.func @folded_two_biases(
// CHECK-DAG: %[[Q4:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] output_shape [2, 2, 8, 16]
// CHECK-DAG: %[[SUM:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x1x1x8xf32>, tensor<1x2x8x8xf32>)
// CHECK: attn.attention %[[Q4]], %{{.*}}, %{{.*}} bias(%[[SUM]] : tensor<2x2x8x8xf32>) {scale = 1.000000e+00 : f32} : tensor<2x2x8x16xf32>
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @folded_two_biases(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %rel: tensor<1x2x8x8xf32>, %pad: tensor<2x1x1x8xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s4 = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [2, 2, 8, 8] : tensor<4x8x8xf32> into tensor<2x2x8x8xf32>
  %e4 = tensor.empty() : tensor<2x2x8x8xf32>
  %s5 = linalg.generic {indexing_maps = [#id4, #relmap, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s4, %rel : tensor<2x2x8x8xf32>, tensor<1x2x8x8xf32>) outs(%e4 : tensor<2x2x8x8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %y = arith.addf %x, %b : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
  %s6 = linalg.generic {indexing_maps = [#id4, #padmap, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s5, %pad : tensor<2x2x8x8xf32>, tensor<2x1x1x8xf32>) outs(%e4 : tensor<2x2x8x8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %y = arith.addf %x, %b : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
  %p4 = linalg.softmax dimension(3) ins(%s6 : tensor<2x2x8x8xf32>) outs(%e4 : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %p = tensor.collapse_shape %p4 [[0, 1], [2], [3]] : tensor<2x2x8x8xf32> into tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// Near miss: two biases, one of them of a size known only at run time, are
// not summed into one (the sum needs one static shape): nothing is raised.
// CHECK-LABEL: func.func @two_biases_dynamic(
// CHECK-NOT: attn.attention
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 0 raised, 1 not raised; 1 x the additive biases do not broadcast to one static shape of one element type}}
func.func @two_biases_dynamic(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %b1: tensor<8x8xf32>, %b2: tensor<?x8xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s1 = linalg.generic {indexing_maps = [#id3, #last2, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %b1 : tensor<4x8x8xf32>, tensor<8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %y = arith.addf %x, %b : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s2 = linalg.generic {indexing_maps = [#id3, #last2, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s1, %b2 : tensor<4x8x8xf32>, tensor<?x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %y = arith.addf %x, %b : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  // expected-remark @+1 {{softmax not raised: the additive biases do not broadcast to one static shape of one element type}}
  %p = linalg.softmax dimension(2) ins(%s2 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// Near miss: the reshape between the product and the softmax splits the
// query rows ([4, 8, 8] -> [4, 2, 4, 8]), not the batch: the softmax's rows
// are not the product's, and the weights do not reach the product with the
// values as its rows: nothing is raised.
// CHECK-LABEL: func.func @split_rows(
// CHECK-NOT: attn.attention
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 0 raised, 1 not raised; 1 x weights: their user is not a contraction}}
func.func @split_rows(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s4 = tensor.expand_shape %s [[0], [1, 2], [3]] output_shape [4, 2, 4, 8] : tensor<4x8x8xf32> into tensor<4x2x4x8xf32>
  %e4 = tensor.empty() : tensor<4x2x4x8xf32>
  // expected-remark @+1 {{softmax not raised: weights: their user is not a contraction}}
  %p4 = linalg.softmax dimension(3) ins(%s4 : tensor<4x2x4x8xf32>) outs(%e4 : tensor<4x2x4x8xf32>) -> tensor<4x2x4x8xf32>
  %p = tensor.collapse_shape %p4 [[0], [1, 2], [3]] : tensor<4x2x4x8xf32> into tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}
