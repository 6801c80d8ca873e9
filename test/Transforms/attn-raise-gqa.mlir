// Grouped-query attention and constant factors on Q and K, seen through data
// movement by --attn-raise (IndexTrace), with the near misses that must not
// be taken for them.
// RUN: attn-opt %s --attn-raise --canonicalize | FileCheck %s
// RUN: attn-opt %s --attn-raise=explain=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPLAIN
// EXPLAIN-NOT: softmax not raised
// RUN: attn-opt %s --attn-raise=explain=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEARMISS
// EXPLAIN-COUNT-7: attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised
// Raising never changes numbers: each entry gives what it gave before.
// RUN: attn-run %s --entry=repeat_kv --seed=3 --output-dir=%t.repeat_kv
// RUN: attn-opt %s --attn-raise | attn-run - --entry=repeat_kv --seed=3 --check-against=%t.repeat_kv/repeat_kv.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=repeat_interleave --seed=3 --output-dir=%t.repeat_interleave
// RUN: attn-opt %s --attn-raise | attn-run - --entry=repeat_interleave --seed=3 --check-against=%t.repeat_interleave/repeat_interleave.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=heads_tiled --seed=3 --output-dir=%t.heads_tiled
// RUN: attn-opt %s --attn-raise | attn-run - --entry=heads_tiled --seed=3 --check-against=%t.heads_tiled/heads_tiled.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=sdpa_scaled --seed=3 --output-dir=%t.sdpa_scaled
// RUN: attn-opt %s --attn-raise | attn-run - --entry=sdpa_scaled --seed=3 --check-against=%t.sdpa_scaled/sdpa_scaled.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=scaled_before_split --seed=3 --output-dir=%t.scaled_before_split
// RUN: attn-opt %s --attn-raise | attn-run - --entry=scaled_before_split --seed=3 --check-against=%t.scaled_before_split/scaled_before_split.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=runtime_factor --seed=3 --output-dir=%t.runtime_factor
// RUN: attn-opt %s --attn-raise | attn-run - --entry=runtime_factor --seed=3 --check-against=%t.runtime_factor/runtime_factor.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=guarded_dynamic_repeat --shape=0:1x4x5x16,1:1x2x7x16,2:1x2x7x16 --seed=3 --output-dir=%t.guarded_dynamic_repeat
// RUN: attn-opt %s --attn-raise | attn-run - --entry=guarded_dynamic_repeat --shape=0:1x4x5x16,1:1x2x7x16,2:1x2x7x16 --seed=3 --check-against=%t.guarded_dynamic_repeat/guarded_dynamic_repeat.result0.npy --atol=1e-5 --rtol=1e-5

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#tile = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, 0, d3, d4)>
#id5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>

// transformers' repeat_kv: [1, 2, 8, 16] broadcast to [1, 2, 2, 8, 16] and
// collapsed to 4 heads. Query head h reads KV head h / 2, the op's GQA rule.
// CHECK-LABEL: func.func @repeat_kv(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<1x4x8x16xf32>, %[[K:[a-z0-9]+]]: tensor<1x2x8x16xf32>, %[[V:[a-z0-9]+]]: tensor<1x2x8x16xf32>
// CHECK-NOT: linalg.broadcast
// CHECK: attn.attention %[[Q]], %[[K]], %[[V]] {scale = 2.500000e-01 : f32} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
func.func @repeat_kv(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<4x8x16xf32> {
  %eb = tensor.empty() : tensor<1x2x2x8x16xf32>
  %kb = linalg.broadcast ins(%k : tensor<1x2x8x16xf32>) outs(%eb : tensor<1x2x2x8x16xf32>) dimensions = [2]
  %vb = linalg.broadcast ins(%v : tensor<1x2x8x16xf32>) outs(%eb : tensor<1x2x2x8x16xf32>) dimensions = [2]
  %k4 = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x16xf32> into tensor<1x4x8x16xf32>
  %v4 = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x16xf32> into tensor<1x4x8x16xf32>
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %k3 = tensor.collapse_shape %k4 [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %v3 = tensor.collapse_shape %v4 [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k3 : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %c = arith.constant 0.25 : f32
  %sc = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%sc : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// repeat_interleave / TOSA tile: a unit dimension made by expand_shape and
// read as 0 by a copy generic.
// CHECK-LABEL: func.func @repeat_interleave(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<1x4x8x16xf32>, %[[K:[a-z0-9]+]]: tensor<1x2x8x16xf32>, %[[V:[a-z0-9]+]]: tensor<1x2x8x16xf32>
// CHECK: attn.attention %[[Q]], %[[K]], %[[V]] {scale = 2.500000e-01 : f32} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
func.func @repeat_interleave(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<4x8x16xf32> {
  %ke = tensor.expand_shape %k [[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 8, 16] : tensor<1x2x8x16xf32> into tensor<1x2x1x8x16xf32>
  %ve = tensor.expand_shape %v [[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 8, 16] : tensor<1x2x8x16xf32> into tensor<1x2x1x8x16xf32>
  %eb = tensor.empty() : tensor<1x2x2x8x16xf32>
  %kb = linalg.generic {indexing_maps = [#tile, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%ke : tensor<1x2x1x8x16xf32>) outs(%eb : tensor<1x2x2x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<1x2x2x8x16xf32>
  %vb = linalg.generic {indexing_maps = [#tile, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%ve : tensor<1x2x1x8x16xf32>) outs(%eb : tensor<1x2x2x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<1x2x2x8x16xf32>
  %k4 = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x16xf32> into tensor<1x4x8x16xf32>
  %v4 = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x16xf32> into tensor<1x4x8x16xf32>
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %k3 = tensor.collapse_shape %k4 [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %v3 = tensor.collapse_shape %v4 [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k3 : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %c = arith.constant 0.25 : f32
  %sc = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%sc : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// Near miss: the heads tiled the other way round ([n, Hkv] collapsed), so
// query head h reads KV head h % 2. That is not the GQA rule: the op keeps
// reading 4 K/V heads, and explain says why.
// CHECK-LABEL: func.func @heads_tiled(
// CHECK: linalg.broadcast
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f32} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
func.func @heads_tiled(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<4x8x16xf32> {
  %eb = tensor.empty() : tensor<1x2x2x8x16xf32>
  %kb = linalg.broadcast ins(%k : tensor<1x2x8x16xf32>) outs(%eb : tensor<1x2x2x8x16xf32>) dimensions = [1]
  %vb = linalg.broadcast ins(%v : tensor<1x2x8x16xf32>) outs(%eb : tensor<1x2x2x8x16xf32>) dimensions = [1]
  %k4 = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x16xf32> into tensor<1x4x8x16xf32>
  %v4 = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x16xf32> into tensor<1x4x8x16xf32>
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %k3 = tensor.collapse_shape %k4 [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %v3 = tensor.collapse_shape %v4 [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k3 : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %c = arith.constant 0.25 : f32
  %sc = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  // NEARMISS: attn-raise-gqa.mlir:[[@LINE+1]]:8: remark: K/V heads are repeated, but query head h does not read head h / n (grouped-query attention): the op reads all 4 repeated heads
  %p = linalg.softmax dimension(2) ins(%sc : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// SDPA's decomposition scales Q and K by sqrt(scale) each: both factors join
// the scale attribute and the op reads the unscaled tensors.
// CHECK-LABEL: func.func @sdpa_scaled(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<1x4x8x16xf32>, %[[K:[a-z0-9]+]]: tensor<1x4x8x16xf32>, %[[V:[a-z0-9]+]]: tensor<1x4x8x16xf32>
// CHECK: attn.attention %[[Q]], %[[K]], %[[V]] {scale = 2.500000e-01 : f32}
func.func @sdpa_scaled(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<4x8x16xf32> {
  %c_qs = arith.constant 0.5 : f32
  %qs = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%q : tensor<1x4x8x16xf32>) outs(%q : tensor<1x4x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c_qs : f32
    linalg.yield %y : f32
  } -> tensor<1x4x8x16xf32>
  %c_ks = arith.constant 0.5 : f32
  %ks = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<1x4x8x16xf32>) outs(%k : tensor<1x4x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c_ks : f32
    linalg.yield %y : f32
  } -> tensor<1x4x8x16xf32>
  %q3 = tensor.collapse_shape %qs [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %k3 = tensor.collapse_shape %ks [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k3 : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// Near miss: a factor known only at run time stays on Q (scale 1).
// CHECK-LABEL: func.func @runtime_factor(
// CHECK: %[[QS:.*]] = linalg.generic
// CHECK: attn.attention %[[QS]], %{{.*}}, %{{.*}} {scale = 1.000000e+00 : f32}
func.func @runtime_factor(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>, %f: tensor<1xf32>) -> tensor<4x8x16xf32> {
  %i0 = arith.constant 0 : index
  %fv = tensor.extract %f[%i0] : tensor<1xf32>
  %qs = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%q : tensor<1x4x8x16xf32>) outs(%q : tensor<1x4x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %fv : f32
    linalg.yield %y : f32
  } -> tensor<1x4x8x16xf32>
  %q3 = tensor.collapse_shape %qs [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %k3 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k3 : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// OPT scales the projected Q ([L, H * D]) before splitting its heads: the
// factor is lifted into the scale and the split replayed on the unscaled
// projection.
// CHECK-LABEL: func.func @scaled_before_split(
// CHECK-SAME: %[[P:[a-z0-9]+]]: tensor<8x64xf32>
// CHECK: %[[E:.*]] = tensor.expand_shape %[[P]]
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[E]]
// CHECK: attn.attention %[[T]], %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f32}
func.func @scaled_before_split(%proj: tensor<8x64xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<4x8x16xf32> {
  %c = arith.constant 0.25 : f32
  %ep = tensor.empty() : tensor<8x64xf32>
  %ps = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%proj : tensor<8x64xf32>) outs(%ep : tensor<8x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<8x64xf32>
  %pe = tensor.expand_shape %ps [[0, 1], [2, 3]] output_shape [1, 8, 4, 16] : tensor<8x64xf32> into tensor<1x8x4x16xf32>
  %et4 = tensor.empty() : tensor<1x4x8x16xf32>
  %qs = linalg.transpose ins(%pe : tensor<1x8x4x16xf32>) outs(%et4 : tensor<1x4x8x16xf32>) permutation = [0, 2, 1, 3]
  %q3 = tensor.collapse_shape %qs [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %k3 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k3 : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// A cache's keys repeated for GQA by a generic that gathers them through
// torch-mlir's size-1 guard on their own (dynamic) length, sized by the
// value's length, and never reads the group loop (a dynamic-cache export's
// repeat_kv): split into the gather per KV head and a broadcast, which the
// GQA search sees through, so the op takes 2 KV heads.
// CHECK-LABEL: func.func @guarded_dynamic_repeat(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<1x4x?x16xf32>, %[[K:[a-z0-9]+]]: tensor<1x2x?x16xf32>, %[[V:[a-z0-9]+]]: tensor<1x2x?x16xf32>
// CHECK: %[[G:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x?x16xf32>)
// CHECK: tensor.extract %[[K]]
// CHECK: attn.attention %[[Q]], %[[G]], %[[V]] {scale = 2.500000e-01 : f32} : tensor<1x4x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32> -> tensor<1x4x?x16xf32>
func.func @guarded_dynamic_repeat(%q: tensor<1x4x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>) -> tensor<4x?x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %lq = tensor.dim %q, %c2 : tensor<1x4x?x16xf32>
  %lk = tensor.dim %v, %c2 : tensor<1x2x?x16xf32>
  %lkk = tensor.dim %k, %c2 : tensor<1x2x?x16xf32>
  %eb = tensor.empty(%lk) : tensor<1x2x2x?x16xf32>
  %kb = linalg.generic {indexing_maps = [#id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} outs(%eb : tensor<1x2x2x?x16xf32>) {
  ^bb0(%o: f32):
    %h = linalg.index 1 : index
    %i = linalg.index 3 : index
    %d = linalg.index 4 : index
    %one = arith.cmpi eq, %lkk, %c1 : index
    %r = arith.select %one, %c0, %i : index
    %x = tensor.extract %k[%c0, %h, %r, %d] : tensor<1x2x?x16xf32>
    linalg.yield %x : f32
  } -> tensor<1x2x2x?x16xf32>
  %vb = linalg.broadcast ins(%v : tensor<1x2x?x16xf32>) outs(%eb : tensor<1x2x2x?x16xf32>) dimensions = [2]
  %k4 = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x?x16xf32> into tensor<1x4x?x16xf32>
  %v4 = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x?x16xf32> into tensor<1x4x?x16xf32>
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x?x16xf32> into tensor<4x?x16xf32>
  %k3 = tensor.collapse_shape %k4 [[0, 1], [2], [3]] : tensor<1x4x?x16xf32> into tensor<4x?x16xf32>
  %v3 = tensor.collapse_shape %v4 [[0, 1], [2], [3]] : tensor<1x4x?x16xf32> into tensor<4x?x16xf32>
  %et = tensor.empty(%lk) : tensor<4x16x?xf32>
  %kt = linalg.transpose ins(%k3 : tensor<4x?x16xf32>) outs(%et : tensor<4x16x?xf32>) permutation = [0, 2, 1]
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty(%lq, %lk) : tensor<4x?x?xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x?x?xf32>) -> tensor<4x?x?xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<4x?x16xf32>, tensor<4x16x?xf32>) outs(%z0 : tensor<4x?x?xf32>) -> tensor<4x?x?xf32>
  %c = arith.constant 0.25 : f32
  %sc = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x?x?xf32>) outs(%e0 : tensor<4x?x?xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<4x?x?xf32>
  %p = linalg.softmax dimension(2) ins(%sc : tensor<4x?x?xf32>) outs(%e0 : tensor<4x?x?xf32>) -> tensor<4x?x?xf32>
  %e2 = tensor.empty(%lq) : tensor<4x?x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x?x16xf32>) -> tensor<4x?x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x?x?xf32>, tensor<4x?x16xf32>) outs(%z2 : tensor<4x?x16xf32>) -> tensor<4x?x16xf32>
  return %o : tensor<4x?x16xf32>
}
