// --attn-raise-pipeline: TOSA to linalg, canonicalize, --attn-raise,
// canonicalize. Nothing of the decomposed attention is left, and linalg on
// tensors is raised the same way.
// RUN: attn-opt %s --split-input-file --attn-raise-pipeline | FileCheck %s --implicit-check-not=tosa. --implicit-check-not=linalg. --implicit-check-not=math.exp
// explain=true reaches --attn-raise: a softmax that is not raised gets its remark.
// RUN: attn-opt %s --split-input-file --attn-raise-pipeline="explain=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPLAIN
// RUN: attn-opt %s --split-input-file --attn-raise-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// QUIET-NOT: remark

// CHECK-LABEL: func.func @tosa_attn(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<2x8x4xf32>, %[[K:[a-z0-9]+]]: tensor<2x8x4xf32>, %[[V:[a-z0-9]+]]: tensor<2x8x4xf32>
// CHECK-DAG: %[[Q4:.*]] = tensor.expand_shape %[[Q]]
// CHECK-DAG: %[[K4:.*]] = tensor.expand_shape %[[K]]
// CHECK-DAG: %[[V4:.*]] = tensor.expand_shape %[[V]]
// CHECK: %[[O:.*]] = attn.attention %[[Q4]], %[[K4]], %[[V4]] {scale = 5.000000e-01 : f32}
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[O]]
// CHECK: return %[[R]]
func.func @tosa_attn(%q: tensor<2x8x4xf32>, %k: tensor<2x8x4xf32>, %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<2x8x4xf32>) -> tensor<2x4x8xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x8x4xf32>, tensor<2x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x8xf32>
  %c = "tosa.const"() <{values = dense<0.5> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %sc = tosa.mul %s, %c, %shift : (tensor<2x8x8xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<2x8x8xf32>
  %mx = tosa.reduce_max %sc {axis = 2 : i32} : (tensor<2x8x8xf32>) -> tensor<2x8x1xf32>
  %d = tosa.sub %sc, %mx : (tensor<2x8x8xf32>, tensor<2x8x1xf32>) -> tensor<2x8x8xf32>
  %e = tosa.exp %d : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<2x8x8xf32>) -> tensor<2x8x1xf32>
  %r = tosa.reciprocal %sum : (tensor<2x8x1xf32>) -> tensor<2x8x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<2x8x8xf32>, tensor<2x8x1xf32>, tensor<1xi8>) -> tensor<2x8x8xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<2x8x8xf32>, tensor<2x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

// -----

// Linalg on tensors: linalg.softmax between two batch matmuls, scale 0.25.
// CHECK-LABEL: func.func @linalg_attn(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<2x8x16xf32>, %[[K:[a-z0-9]+]]: tensor<2x8x16xf32>, %[[V:[a-z0-9]+]]: tensor<2x8x16xf32>
// CHECK: %[[O:.*]] = attn.attention %{{.*}}, %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f32}
// CHECK: return
func.func @linalg_attn(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant 0.25 : f32
  %e0 = tensor.empty() : tensor<2x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>] ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%z0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %sc = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x8x8xf32>) outs(%e0 : tensor<2x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%sc : tensor<2x8x8xf32>) outs(%e0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %e1 = tensor.empty() : tensor<2x8x16xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%z1 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

// A softmax over the rows is not attention: left alone (its ops are allowed
// here), with a remark under explain=true.
// EXPLAIN: remark: softmax not raised: linalg.softmax is not over the last dimension
// CHECK-LABEL: func.func @not_attention(
// CHECK: linalg.softmax dimension(1)
func.func @not_attention(%x: tensor<2x8x8xf32>) -> tensor<2x8x8xf32> {
  %e0 = tensor.empty() : tensor<2x8x8xf32>
  %p = linalg.softmax dimension(1) ins(%x : tensor<2x8x8xf32>) outs(%e0 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  return %p : tensor<2x8x8xf32>
}
