// RUN: attn-opt %s --split-input-file --canonicalize | FileCheck %s

// Attributes and operands that restate the defaults are dropped.
// CHECK-LABEL: func.func @drop_defaults
// CHECK-NOT: arith.constant
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor
// CHECK-NOT: pattern
// CHECK-NOT: normalizer
func.func @drop_defaults(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %m = arith.constant dense<true> : tensor<4x4xi1>
  %b = arith.constant dense<0.0> : tensor<1x1x4x4xf32>
  %o = attn.attention %q, %q, %q bias(%b : tensor<1x1x4x4xf32>) mask(%m : tensor<4x4xi1>) {pattern = #attn.dense, normalizer = #attn.softmax} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Non-default parts are kept: a mask with a false entry, a non-zero bias, a
// sink-aware softmax and a causal pattern.
// CHECK-LABEL: func.func @keep_non_defaults
// CHECK-DAG: %[[M:.*]] = arith.constant dense<{{\[\[}}true, false], [true, true]]> : tensor<2x2xi1>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<5.000000e-01> : tensor<2x2xf32>
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%[[B]] : tensor<2x2xf32>) mask(%[[M]] : tensor<2x2xi1>)
// CHECK-SAME: normalizer = #attn.softmax<sink = zero>
// CHECK-SAME: pattern = #attn.causal
func.func @keep_non_defaults(%q: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %m = arith.constant dense<[[true, false], [true, true]]> : tensor<2x2xi1>
  %b = arith.constant dense<0.5> : tensor<2x2xf32>
  %o = attn.attention %q, %q, %q bias(%b : tensor<2x2xf32>) mask(%m : tensor<2x2xi1>) {pattern = #attn.causal, normalizer = #attn.softmax<sink = zero>} : tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32> -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// -----

// An unused, pure attention disappears.
// CHECK-LABEL: func.func @dead
// CHECK-NOT: attn.attention
func.func @dead(%q: tensor<1x1x2x8xf32>) {
  %o = attn.attention %q, %q, %q : tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32> -> tensor<1x1x2x8xf32>
  return
}
