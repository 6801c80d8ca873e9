// Raising on a sequence of 2^31 tokens: the checks of IndexTrace stay
// structural for dimensions too large to enumerate, so GQA is still seen and
// nothing is enumerated over the huge dimension (the test would time out).
// RUN: attn-opt %s --attn-raise --canonicalize | FileCheck %s
// CHECK-LABEL: func.func @huge
// CHECK: attn.attention %arg0, %arg1, %arg2 {scale = 1.000000e+00 : f32} : tensor<1x4x2147483648x16xf32>, tensor<1x2x2147483648x16xf32>, tensor<1x2x2147483648x16xf32> -> tensor<1x4x2147483648x16xf32>

func.func @huge(%q: tensor<1x4x2147483648x16xf32>, %k: tensor<1x2x2147483648x16xf32>, %v: tensor<1x2x2147483648x16xf32>) -> tensor<4x2147483648x16xf32> {
  %zero = arith.constant 0.0 : f32
  %eb = tensor.empty() : tensor<1x2x2x2147483648x16xf32>
  %kb = linalg.broadcast ins(%k : tensor<1x2x2147483648x16xf32>) outs(%eb : tensor<1x2x2x2147483648x16xf32>) dimensions = [2]
  %vb = linalg.broadcast ins(%v : tensor<1x2x2147483648x16xf32>) outs(%eb : tensor<1x2x2x2147483648x16xf32>) dimensions = [2]
  %k4 = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x2147483648x16xf32> into tensor<1x4x2147483648x16xf32>
  %v4 = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x2147483648x16xf32> into tensor<1x4x2147483648x16xf32>
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x2147483648x16xf32> into tensor<4x2147483648x16xf32>
  %k3 = tensor.collapse_shape %k4 [[0, 1], [2], [3]] : tensor<1x4x2147483648x16xf32> into tensor<4x2147483648x16xf32>
  %v3 = tensor.collapse_shape %v4 [[0, 1], [2], [3]] : tensor<1x4x2147483648x16xf32> into tensor<4x2147483648x16xf32>
  %et = tensor.empty() : tensor<4x16x2147483648xf32>
  %kt = linalg.transpose ins(%k3 : tensor<4x2147483648x16xf32>) outs(%et : tensor<4x16x2147483648xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x2147483648x2147483648xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x2147483648x2147483648xf32>) -> tensor<4x2147483648x2147483648xf32>
  %s = linalg.batch_matmul ins(%q3, %kt : tensor<4x2147483648x16xf32>, tensor<4x16x2147483648xf32>) outs(%z0 : tensor<4x2147483648x2147483648xf32>) -> tensor<4x2147483648x2147483648xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<4x2147483648x2147483648xf32>) outs(%e0 : tensor<4x2147483648x2147483648xf32>) -> tensor<4x2147483648x2147483648xf32>
  %e2 = tensor.empty() : tensor<4x2147483648x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x2147483648x16xf32>) -> tensor<4x2147483648x16xf32>
  %o = linalg.batch_matmul ins(%p, %v3 : tensor<4x2147483648x2147483648xf32>, tensor<4x2147483648x16xf32>) outs(%z2 : tensor<4x2147483648x16xf32>) -> tensor<4x2147483648x16xf32>
  return %o : tensor<4x2147483648x16xf32>
}
