// Every pattern kind survives pattern -> mask -> pattern, with the mask built
// as index arithmetic (the pattern interface's IR builder) or as a constant.
// RUN: attn-opt %s --attn-materialize-pattern=form=index | FileCheck %s --check-prefix=MASK
// RUN: attn-opt %s --attn-materialize-pattern=form=index | attn-opt --attn-infer-pattern=block-size=4 | FileCheck %s --implicit-check-not=linalg.generic
// RUN: attn-opt %s --attn-materialize-pattern=form=constant | attn-opt --attn-infer-pattern=block-size=4 | FileCheck %s --implicit-check-not=arith.constant

// MASK-LABEL: func.func @causal_decode
// MASK: linalg.generic
// MASK: linalg.index 0
// MASK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<4x16xi1>) :

// CHECK-LABEL: func.func @causal_decode
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.causal} :
func.func @causal_decode(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x4x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// CHECK-LABEL: func.func @window_sinks
// CHECK: {pattern = #attn.window<left = 3, right = 1, sinks = 2>}
func.func @window_sinks(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 3, right = 1, sinks = 2>} : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// CHECK-LABEL: func.func @nbhd_1d_dilation_stride_even
// CHECK: {pattern = #attn.neighborhood<shape = [16], kernel = [4], dilation = [2], stride = [2]>}
func.func @nbhd_1d_dilation_stride_even(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [16], kernel = [4], dilation = [2], stride = [2]>} : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// CHECK-LABEL: func.func @nbhd_2d
// CHECK: {pattern = #attn.neighborhood<shape = [6, 5], kernel = [3, 3]>}
func.func @nbhd_2d(%q: tensor<1x2x30x8xf32>, %k: tensor<1x2x30x8xf32>, %v: tensor<1x2x30x8xf32>) -> tensor<1x2x30x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [6, 5], kernel = [3, 3]>} : tensor<1x2x30x8xf32>, tensor<1x2x30x8xf32>, tensor<1x2x30x8xf32> -> tensor<1x2x30x8xf32>
  return %o : tensor<1x2x30x8xf32>
}

// CHECK-LABEL: func.func @nbhd_3d_causal
// CHECK: {pattern = #attn.neighborhood<shape = [2, 8, 5], kernel = [2, 3, 2], dilation = [1, 1, 2], stride = [1, 2, 1], causal = [1, 0, 0]>}
func.func @nbhd_3d_causal(%q: tensor<1x1x80x8xf32>, %k: tensor<1x1x80x8xf32>, %v: tensor<1x1x80x8xf32>) -> tensor<1x1x80x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [2, 8, 5], kernel = [2, 3, 2], dilation = [1, 1, 2], stride = [1, 2, 1], causal = [1, 0, 0]>} : tensor<1x1x80x8xf32>, tensor<1x1x80x8xf32>, tensor<1x1x80x8xf32> -> tensor<1x1x80x8xf32>
  return %o : tensor<1x1x80x8xf32>
}

// CHECK-LABEL: func.func @nbhd_2d_blocked
// CHECK: {pattern = #attn.neighborhood<shape = [4, 4], kernel = [2, 2], stride = [2, 2]>}
func.func @nbhd_2d_blocked(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [4, 4], kernel = [2, 2], stride = [2, 2]>} : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// CHECK-LABEL: func.func @block_sparse
// CHECK: {pattern = #attn.block_sparse<block = [4, 4], layout = dense<{{\[}}[true, false, false, true], [false, true, false, false], [true, true, true, false], [false, false, false, false]]> : tensor<4x4xi1>>}
func.func @block_sparse(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.block_sparse<block = [4, 4], layout = dense<[[true, false, false, true], [false, true, false, false], [true, true, true, false], [false, false, false, false]]> : tensor<4x4xi1>>} : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
