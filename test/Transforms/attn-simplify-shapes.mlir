// RUN: attn-opt %s --split-input-file --int-range-optimizations --attn-simplify-shapes | FileCheck %s
// The rewrite never changes numbers: the repeat before and after, at two
// run-time sizes, one of them 1 (where the guard picks index 0).
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-opt %s --int-range-optimizations --attn-simplify-shapes --canonicalize -o %t/simplified.mlir
// RUN: attn-run %s --entry=guarded_repeat --shape=0:1x2x5x8 --output-dir=%t/a
// RUN: attn-run %t/simplified.mlir --entry=guarded_repeat --shape=0:1x2x5x8 --check-against=%t/a/guarded_repeat.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %s --entry=guarded_repeat --shape=0:1x2x1x8 --output-dir=%t/b
// RUN: attn-run %t/simplified.mlir --entry=guarded_repeat --shape=0:1x2x1x8 --check-against=%t/b/guarded_repeat.result0.npy | FileCheck %s --check-prefix=SAME
// SAME: check: PASS

// torch-mlir's dynamic `repeat_kv`: the source is read at
// select(L == 1, 0, i), and L is the loop's extent (through an index cast
// to i64 and back, and a sign check that --int-range-optimizations folds).
// The read becomes an input with a broadcasting map.
// CHECK-LABEL: func.func @guarded_repeat
// CHECK-NOT: tensor.extract
// CHECK: linalg.generic {indexing_maps = [#[[SRC:map[0-9]*]], #{{map[0-9]*}}]
// CHECK-SAME: ins(%expanded : tensor<1x2x1x?x8xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
// CHECK: tensor.collapse_shape
func.func @guarded_repeat(%kv: tensor<1x2x?x8xf32>) -> tensor<1x4x?x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c0_i64 = arith.constant 0 : i64
  %dim = tensor.dim %kv, %c2 : tensor<1x2x?x8xf32>
  %l64 = arith.index_cast %dim : index to i64
  %neg = arith.cmpi slt, %l64, %c0_i64 : i64
  %fixed = arith.select %neg, %c0_i64, %l64 : i64
  %l = arith.index_cast %fixed : i64 to index
  %expanded = tensor.expand_shape %kv [[0], [1], [2, 3], [4]] output_shape [1, 2, 1, %dim, 8] : tensor<1x2x?x8xf32> into tensor<1x2x1x?x8xf32>
  %empty = tensor.empty(%dim) : tensor<1x2x2x?x8xf32>
  %rep = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} outs(%empty : tensor<1x2x2x?x8xf32>) {
  ^bb0(%out: f32):
    %i1 = linalg.index 1 : index
    %i3 = linalg.index 3 : index
    %i4 = linalg.index 4 : index
    %one = arith.cmpi eq, %l, %c1 : index
    %j = arith.select %one, %c0, %i3 : index
    %v = tensor.extract %expanded[%c0, %i1, %c0, %j, %i4] : tensor<1x2x1x?x8xf32>
    linalg.yield %v : f32
  } -> tensor<1x2x2x?x8xf32>
  %collapsed = tensor.collapse_shape %rep [[0], [1, 2], [3], [4]] : tensor<1x2x2x?x8xf32> into tensor<1x4x?x8xf32>
  return %collapsed : tensor<1x4x?x8xf32>
}

// -----

// The guard tests another size than the loop's extent: a real run-time
// broadcast, left as it is.
// CHECK-LABEL: func.func @other_size
// CHECK: arith.select
// CHECK: tensor.extract
func.func @other_size(%x: tensor<?xf32>, %n: index) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %x, %c0 : tensor<?xf32>
  %empty = tensor.empty(%n) : tensor<?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%empty : tensor<?xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %one = arith.cmpi eq, %m, %c1 : index
    %j = arith.select %one, %c0, %i : index
    %v = tensor.extract %x[%j] : tensor<?xf32>
    linalg.yield %v : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

// A read at a computed index (a gather) stays a tensor.extract.
// CHECK-LABEL: func.func @gather
// CHECK: tensor.extract %{{.*}}[%{{.*}}] : tensor<16xf32>
func.func @gather(%table: tensor<16xf32>, %n: index) -> tensor<?xf32> {
  %c15 = arith.constant 15 : index
  %empty = tensor.empty(%n) : tensor<?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%empty : tensor<?xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %j = arith.minui %i, %c15 : index
    %v = tensor.extract %table[%j] : tensor<16xf32>
    linalg.yield %v : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

// `view(1, 4, Lq, Lk)` of the batched scores: the shape's dynamic elements
// are the source's own sizes (as i64), so it is an expand_shape.
// CHECK-LABEL: func.func @view_heads
// CHECK-NOT: tensor.reshape
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3]] output_shape [1, 4, %{{.*}}, %{{.*}}] : tensor<4x?x?xf32> into tensor<1x4x?x?xf32>
func.func @view_heads(%s: tensor<4x?x?xf32>) -> tensor<1x4x?x?xf32> {
  %c1 = arith.constant 1 : index
  %c1_i64 = arith.constant 1 : i64
  %c4_i64 = arith.constant 4 : i64
  %c2 = arith.constant 2 : index
  %lq = tensor.dim %s, %c1 : tensor<4x?x?xf32>
  %lk = tensor.dim %s, %c2 : tensor<4x?x?xf32>
  %lq64 = arith.index_cast %lq : index to i64
  %lk64 = arith.index_cast %lk : index to i64
  %shape = tensor.from_elements %c1_i64, %c4_i64, %lq64, %lk64 : tensor<4xi64>
  %r = tensor.reshape %s(%shape) : (tensor<4x?x?xf32>, tensor<4xi64>) -> tensor<1x4x?x?xf32>
  return %r : tensor<1x4x?x?xf32>
}

// -----

// `view(1, L, 32)` after the heads were moved back: a collapse_shape. The
// static sizes come from the type; torch's inferred size (-1) is computed
// at run time and need not be folded.
// CHECK-LABEL: func.func @merge_heads
// CHECK-NOT: tensor.reshape
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<1x?x4x8xf32> into tensor<1x?x32xf32>
func.func @merge_heads(%x: tensor<1x?x4x8xf32>) -> tensor<1x?x32xf32> {
  %c1 = arith.constant 1 : index
  %c1_i64 = arith.constant 1 : i64
  %c32_i64 = arith.constant 32 : i64
  %l = tensor.dim %x, %c1 : tensor<1x?x4x8xf32>
  %l64 = arith.index_cast %l : index to i64
  %shape = tensor.from_elements %c1_i64, %l64, %c32_i64 : tensor<3xi64>
  %r = tensor.reshape %x(%shape) : (tensor<1x?x4x8xf32>, tensor<3xi64>) -> tensor<1x?x32xf32>
  return %r : tensor<1x?x32xf32>
}

// -----

// The shape's dynamic elements are another value than the source's sizes:
// no rewrite (the reshape may regroup elements).
// CHECK-LABEL: func.func @other_view
// CHECK: tensor.reshape
func.func @other_view(%s: tensor<4x?x?xf32>, %n: i64) -> tensor<1x4x?x?xf32> {
  %c1_i64 = arith.constant 1 : i64
  %c4_i64 = arith.constant 4 : i64
  %shape = tensor.from_elements %c1_i64, %c4_i64, %n, %n : tensor<4xi64>
  %r = tensor.reshape %s(%shape) : (tensor<4x?x?xf32>, tensor<4xi64>) -> tensor<1x4x?x?xf32>
  return %r : tensor<1x4x?x?xf32>
}

// -----

// Both dynamic elements are the source's first dynamic size; its second one
// may differ: no rewrite.
// CHECK-LABEL: func.func @square_view
// CHECK: tensor.reshape
func.func @square_view(%s: tensor<4x?x?xf32>) -> tensor<1x4x?x?xf32> {
  %c1 = arith.constant 1 : index
  %c1_i64 = arith.constant 1 : i64
  %c4_i64 = arith.constant 4 : i64
  %l = tensor.dim %s, %c1 : tensor<4x?x?xf32>
  %l64 = arith.index_cast %l : index to i64
  %shape = tensor.from_elements %c1_i64, %c4_i64, %l64, %l64 : tensor<4xi64>
  %r = tensor.reshape %s(%shape) : (tensor<4x?x?xf32>, tensor<4xi64>) -> tensor<1x4x?x?xf32>
  return %r : tensor<1x4x?x?xf32>
}

// -----

// A KV cache grown by the new keys: the guard's size is cached + new as
// affine.apply writes it, the loop's extent the same sum computed in i64.
// Sizes compare as sums of the lengths they come from.
// CHECK-LABEL: func.func @grown_cache
// CHECK-NOT: tensor.extract
// CHECK: linalg.generic {indexing_maps = [#{{map[0-9]*}}, #{{map[0-9]*}}]
// CHECK-SAME: ins(%{{.*}} : tensor<1x2x1x?x8xf32>)
func.func @grown_cache(%past: tensor<1x2x?x8xf32>, %new: tensor<1x2x?x8xf32>) -> tensor<1x2x2x?x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %p = tensor.dim %past, %c2 : tensor<1x2x?x8xf32>
  %n = tensor.dim %new, %c2 : tensor<1x2x?x8xf32>
  %p64 = arith.index_cast %p : index to i64
  %n64 = arith.index_cast %n : index to i64
  %sum64 = arith.addi %p64, %n64 : i64
  %sum = arith.index_cast %sum64 : i64 to index
  %all = tensor.concat dim(2) %past, %new : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32>
  %l = affine.apply affine_map<()[s0, s1] -> (s0 + s1)>()[%p, %n]
  %expanded = tensor.expand_shape %all [[0], [1], [2, 3], [4]] output_shape [1, 2, 1, %l, 8] : tensor<1x2x?x8xf32> into tensor<1x2x1x?x8xf32>
  %empty = tensor.empty(%sum) : tensor<1x2x2x?x8xf32>
  %rep = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} outs(%empty : tensor<1x2x2x?x8xf32>) {
  ^bb0(%out: f32):
    %i1 = linalg.index 1 : index
    %i3 = linalg.index 3 : index
    %i4 = linalg.index 4 : index
    %one = arith.cmpi eq, %l, %c1 : index
    %j = arith.select %one, %c0, %i3 : index
    %v = tensor.extract %expanded[%c0, %i1, %c0, %j, %i4] : tensor<1x2x1x?x8xf32>
    linalg.yield %v : f32
  } -> tensor<1x2x2x?x8xf32>
  return %rep : tensor<1x2x2x?x8xf32>
}

// -----

// The guard reads the size of an unranked tensor: not comparable, left as
// it is (and no crash).
// CHECK-LABEL: func.func @unranked_size
// CHECK: arith.select
// CHECK: tensor.extract
func.func @unranked_size(%x: tensor<?xf32>, %u: tensor<*xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %u, %c0 : tensor<*xf32>
  %n = tensor.dim %x, %c0 : tensor<?xf32>
  %empty = tensor.empty(%n) : tensor<?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%empty : tensor<?xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %one = arith.cmpi eq, %m, %c1 : index
    %j = arith.select %one, %c0, %i : index
    %v = tensor.extract %x[%j] : tensor<?xf32>
    linalg.yield %v : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}
