// RUN: attn-opt %s --allow-unregistered-dialect --split-input-file --verify-diagnostics --attn-raise=explain=true --canonicalize | FileCheck %s

// torch-mlir's fused tm_tensor.attention (read in generic form as an
// unregistered op; torch-mlir forms it only with the default 1/sqrt(D)
// scale) becomes attn.attention directly. An i1 mask stays a mask.
// CHECK-LABEL: func.func @tm_mask(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<4x8x16xf32>, %[[K:[a-z0-9]+]]: tensor<4x8x16xf32>, %[[V:[a-z0-9]+]]: tensor<4x8x16xf32>, %[[M:[a-z0-9]+]]: tensor<4x8x8xi1>
// CHECK-DAG: %[[Q4:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 8, 16]
// CHECK-DAG: %[[M4:.*]] = tensor.expand_shape %[[M]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, 8, 8]
// CHECK: %[[O:.*]] = attn.attention %[[Q4]], %{{.*}}, %{{.*}} mask(%[[M4]] : tensor<1x4x8x8xi1>) :
// CHECK-NOT: scale
// CHECK: tensor.collapse_shape %[[O]] {{\[}}[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
// CHECK-NOT: tm_tensor
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @tm_mask(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %m: tensor<4x8x8xi1>) -> tensor<4x8x16xf32> {
  %e = tensor.empty() : tensor<4x8x16xf32>
  %o = "tm_tensor.attention"(%q, %k, %v, %m, %e) <{operandSegmentSizes = array<i32: 4, 1>}> : (tensor<4x8x16xf32>, tensor<4x8x16xf32>, tensor<4x8x16xf32>, tensor<4x8x8xi1>, tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

// A float mask is an additive bias; no mask at all, f16.
// CHECK-LABEL: func.func @tm_bias
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<1x2x8x8xf16>) : tensor<1x2x8x16xf16>
// CHECK-LABEL: func.func @tm_plain
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x2x8x16xf16>, tensor<1x2x12x16xf16>, tensor<1x2x12x4xf16> -> tensor<1x2x8x4xf16>
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @tm_bias(%q: tensor<2x8x16xf16>, %m: tensor<2x8x8xf16>) -> tensor<2x8x16xf16> {
  %e = tensor.empty() : tensor<2x8x16xf16>
  %o = "tm_tensor.attention"(%q, %q, %q, %m, %e) <{operandSegmentSizes = array<i32: 4, 1>}> : (tensor<2x8x16xf16>, tensor<2x8x16xf16>, tensor<2x8x16xf16>, tensor<2x8x8xf16>, tensor<2x8x16xf16>) -> tensor<2x8x16xf16>
  return %o : tensor<2x8x16xf16>
}
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @tm_plain(%q: tensor<2x8x16xf16>, %k: tensor<2x12x16xf16>, %v: tensor<2x12x4xf16>) -> tensor<2x8x4xf16> {
  %e = tensor.empty() : tensor<2x8x4xf16>
  %o = "tm_tensor.attention"(%q, %k, %v, %e) <{operandSegmentSizes = array<i32: 3, 1>}> : (tensor<2x8x16xf16>, tensor<2x12x16xf16>, tensor<2x12x4xf16>, tensor<2x8x4xf16>) -> tensor<2x8x4xf16>
  return %o : tensor<2x8x4xf16>
}

// -----

// Shapes that do not form an attention are left alone, with a remark.
// CHECK-LABEL: func.func @tm_bad
// CHECK: "tm_tensor.attention"
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 0 raised, 1 not raised; 1 x tm_tensor.attention: the operands do not form a valid attn.attention}}
func.func @tm_bad(%q: tensor<2x8x16xf32>, %k: tensor<2x8x12xf32>) -> tensor<2x8x16xf32> {
  %e = tensor.empty() : tensor<2x8x16xf32>
  // expected-remark @+1 {{tm_tensor.attention not raised: the operands do not form a valid attn.attention}}
  %o = "tm_tensor.attention"(%q, %k, %k, %e) <{operandSegmentSizes = array<i32: 3, 1>}> : (tensor<2x8x16xf32>, tensor<2x8x12xf32>, tensor<2x8x12xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}
