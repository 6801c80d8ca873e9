// Learned sinks written as gpt-oss writes them: a per-head column appended
// to the logits, softmax, the column sliced off. --attn-raise gives
// #attn.softmax<sink = learned> with the sink operand.
// RUN: attn-opt %s --attn-raise --canonicalize | FileCheck %s
// RUN: attn-opt %s --attn-raise=explain=true --verify-diagnostics -o /dev/null
// Raising never changes numbers: each raised entry gives what it gave before.
// RUN: attn-run %s --entry=concat_sinks --seed=7 --output-dir=%t.concat_sinks
// RUN: attn-opt %s --attn-raise | attn-run - --entry=concat_sinks --seed=7 --check-against=%t.concat_sinks/concat_sinks.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=insert_sinks --seed=7 --output-dir=%t.insert_sinks
// RUN: attn-opt %s --attn-raise | attn-run - --entry=insert_sinks --seed=7 --check-against=%t.insert_sinks/insert_sinks.result0.npy --atol=1e-5 --rtol=1e-5

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#head3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0)>
#head4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, 0)>

// gpt-oss: softmax over [scores, sinks] (the sinks [4] broadcast over batch
// and rows), then the sink column sliced off the weights.
// CHECK-LABEL: func.func @concat_sinks(
// CHECK-SAME: %[[S:[a-z0-9]+]]: tensor<4xf32>
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} sink(%[[S]] : tensor<4xf32>) {normalizer = #attn.softmax<sink = learned>, scale = 1.000000e+00 : f32}
// CHECK-NOT: tensor.concat
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @concat_sinks(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>, %sinks: tensor<4xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %k3 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k3 : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s4 = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 4, 8, 8] : tensor<4x8x8xf32> into tensor<1x4x8x8xf32>
  %ec = tensor.empty() : tensor<1x4x8x1xf32>
  %s3 = tensor.expand_shape %sinks [[0, 1, 2]] output_shape [1, 4, 1] : tensor<4xf32> into tensor<1x4x1xf32>
  %col = linalg.generic {indexing_maps = [#head3, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s3 : tensor<1x4x1xf32>) outs(%ec : tensor<1x4x8x1xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<1x4x8x1xf32>
  %cat = tensor.concat dim(3) %s4, %col : (tensor<1x4x8x8xf32>, tensor<1x4x8x1xf32>) -> tensor<1x4x8x9xf32>
  %e5 = tensor.empty() : tensor<1x4x8x9xf32>
  %p5 = linalg.softmax dimension(3) ins(%cat : tensor<1x4x8x9xf32>) outs(%e5 : tensor<1x4x8x9xf32>) -> tensor<1x4x8x9xf32>
  %p4 = tensor.extract_slice %p5[0, 0, 0, 0] [1, 4, 8, 8] [1, 1, 1, 1] : tensor<1x4x8x9xf32> to tensor<1x4x8x8xf32>
  %p = tensor.collapse_shape %p4 [[0, 1], [2], [3]] : tensor<1x4x8x8xf32> into tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// TOSA's concat lowers to two insert_slice into an empty tensor; the sinks
// are a [1, 4, 1, 1] tensor.
// CHECK-LABEL: func.func @insert_sinks(
// CHECK-SAME: %[[S:[a-z0-9]+]]: tensor<1x4x1x1xf32>
// CHECK: %[[S1:.*]] = tensor.collapse_shape %[[S]] {{\[\[}}0, 1, 2, 3]] : tensor<1x4x1x1xf32> into tensor<4xf32>
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} sink(%[[S1]] : tensor<4xf32>) {normalizer = #attn.softmax<sink = learned>
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @insert_sinks(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>, %sinks: tensor<1x4x1x1xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %k3 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k3 : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s4 = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 4, 8, 8] : tensor<4x8x8xf32> into tensor<1x4x8x8xf32>
  %ec = tensor.empty() : tensor<1x4x8x1xf32>
  %col = linalg.generic {indexing_maps = [#head4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sinks : tensor<1x4x1x1xf32>) outs(%ec : tensor<1x4x8x1xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<1x4x8x1xf32>
  %ecat = tensor.empty() : tensor<1x4x8x9xf32>
  %i0 = tensor.insert_slice %s4 into %ecat[0, 0, 0, 0] [1, 4, 8, 8] [1, 1, 1, 1] : tensor<1x4x8x8xf32> into tensor<1x4x8x9xf32>
  %cat = tensor.insert_slice %col into %i0[0, 0, 0, 8] [1, 4, 8, 1] [1, 1, 1, 1] : tensor<1x4x8x1xf32> into tensor<1x4x8x9xf32>
  %e5 = tensor.empty() : tensor<1x4x8x9xf32>
  %p5 = linalg.softmax dimension(3) ins(%cat : tensor<1x4x8x9xf32>) outs(%e5 : tensor<1x4x8x9xf32>) -> tensor<1x4x8x9xf32>
  %p4 = tensor.extract_slice %p5[0, 0, 0, 0] [1, 4, 8, 8] [1, 1, 1, 1] : tensor<1x4x8x9xf32> to tensor<1x4x8x8xf32>
  %p = tensor.collapse_shape %p4 [[0, 1], [2], [3]] : tensor<1x4x8x8xf32> into tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// Near miss: the appended column varies over the rows, so it is not one
// learned sink per head.
// CHECK-LABEL: func.func @column_per_row(
// CHECK-NOT: attn.attention
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 0 raised, 1 not raised; 1 x the column appended to the logits is not one value per head (a learned sink)}}
func.func @column_per_row(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>, %c: tensor<1x4x8x1xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %k3 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k3 : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s4 = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 4, 8, 8] : tensor<4x8x8xf32> into tensor<1x4x8x8xf32>
  %ec = tensor.empty() : tensor<1x4x8x1xf32>
  %col = linalg.copy ins(%c : tensor<1x4x8x1xf32>) outs(%ec : tensor<1x4x8x1xf32>) -> tensor<1x4x8x1xf32>
  %cat = tensor.concat dim(3) %s4, %col : (tensor<1x4x8x8xf32>, tensor<1x4x8x1xf32>) -> tensor<1x4x8x9xf32>
  %e5 = tensor.empty() : tensor<1x4x8x9xf32>
  // expected-remark @+1 {{softmax not raised: the column appended to the logits is not one value per head (a learned sink)}}
  %p5 = linalg.softmax dimension(3) ins(%cat : tensor<1x4x8x9xf32>) outs(%e5 : tensor<1x4x8x9xf32>) -> tensor<1x4x8x9xf32>
  %p4 = tensor.extract_slice %p5[0, 0, 0, 0] [1, 4, 8, 8] [1, 1, 1, 1] : tensor<1x4x8x9xf32> to tensor<1x4x8x8xf32>
  %p = tensor.collapse_shape %p4 [[0, 1], [2], [3]] : tensor<1x4x8x8xf32> into tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// Near miss: the weights keep the appended column and drop the first key.
// CHECK-LABEL: func.func @wrong_slice(
// CHECK-NOT: attn.attention
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 0 raised, 1 not raised; 1 x a column is appended to the logits but the weights are not the slice without it}}
func.func @wrong_slice(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>, %sinks: tensor<4xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %k3 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k3 : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s4 = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 4, 8, 8] : tensor<4x8x8xf32> into tensor<1x4x8x8xf32>
  %ec = tensor.empty() : tensor<1x4x8x1xf32>
  %s3 = tensor.expand_shape %sinks [[0, 1, 2]] output_shape [1, 4, 1] : tensor<4xf32> into tensor<1x4x1xf32>
  %col = linalg.generic {indexing_maps = [#head3, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s3 : tensor<1x4x1xf32>) outs(%ec : tensor<1x4x8x1xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<1x4x8x1xf32>
  %cat = tensor.concat dim(3) %s4, %col : (tensor<1x4x8x8xf32>, tensor<1x4x8x1xf32>) -> tensor<1x4x8x9xf32>
  %e5 = tensor.empty() : tensor<1x4x8x9xf32>
  // expected-remark @+1 {{softmax not raised: a column is appended to the logits but the weights are not the slice without it}}
  %p5 = linalg.softmax dimension(3) ins(%cat : tensor<1x4x8x9xf32>) outs(%e5 : tensor<1x4x8x9xf32>) -> tensor<1x4x8x9xf32>
  %p4 = tensor.extract_slice %p5[0, 0, 0, 1] [1, 4, 8, 8] [1, 1, 1, 1] : tensor<1x4x8x9xf32> to tensor<1x4x8x8xf32>
  %p = tensor.collapse_shape %p4 [[0, 1], [2], [3]] : tensor<1x4x8x8xf32> into tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}
