// RUN: attn-opt %s --attn-raise-pipeline | FileCheck %s --implicit-check-not=tosa. --implicit-check-not=linalg.batch_matmul --implicit-check-not=math.exp
// RUN: attn-opt %s --attn-raise-pipeline="explain=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET

// TOSA as torch-mlir's tosa output spells attention: tosa.transpose of K,
// tosa.matmul, tosa.mul by a constant, reduce_max / sub / exp / reduce_sum
// with kept dimensions, reciprocal and mul. TOSA is lowered to linalg first;
// the kept (size-1) reduced dimensions and linalg.reduce are recognised.
// CHECK-LABEL: func.func @tosa_attn(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<4x8x16xf32>, %[[K:[a-z0-9]+]]: tensor<4x8x16xf32>, %[[V:[a-z0-9]+]]: tensor<4x8x16xf32>
// CHECK-DAG: %[[Q4:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 8, 16]
// CHECK-DAG: %[[K4:.*]] = tensor.expand_shape %[[K]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 8, 16]
// CHECK-DAG: %[[V4:.*]] = tensor.expand_shape %[[V]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 8, 16]
// CHECK: %[[O:.*]] = attn.attention %[[Q4]], %[[K4]], %[[V4]] {scale = 2.500000e-01 : f32}
// CHECK: tensor.collapse_shape %[[O]]
// QUIET-NOT: softmax not raised
// QUIET: remark: attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised
// QUIET-NOT: softmax not raised

func.func @tosa_attn(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<4x8x16xf32>) -> tensor<4x16x8xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<4x8x16xf32>, tensor<4x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8xf32>
  %c = "tosa.const"() <{values = dense<0.25> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %sc = tosa.mul %s, %c, %shift : (tensor<4x8x8xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<4x8x8xf32>
  %mx = tosa.reduce_max %sc {axis = 2 : i32} : (tensor<4x8x8xf32>) -> tensor<4x8x1xf32>
  %d = tosa.sub %sc, %mx : (tensor<4x8x8xf32>, tensor<4x8x1xf32>) -> tensor<4x8x8xf32>
  %e = tosa.exp %d : (tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<4x8x8xf32>) -> tensor<4x8x1xf32>
  %r = tosa.reciprocal %sum : (tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<4x8x8xf32>, tensor<4x8x1xf32>, tensor<1xi8>) -> tensor<4x8x8xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<4x8x8xf32>, tensor<4x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}
