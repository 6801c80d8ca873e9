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

// -----

// Casts to less static types fold into the op (what specialising a dynamic
// function leaves); the result gets the static sizes and is cast back.
// CHECK-LABEL: func.func @fold_operand_casts
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x13x8xf32>, %[[K:.*]]: tensor<1x2x21x8xf32>, %[[V:.*]]: tensor<1x2x21x8xf32>)
// CHECK: %[[O:.*]] = attn.attention %[[Q]], %[[K]], %[[V]] {pattern = #attn.causal} : tensor<1x4x13x8xf32>, tensor<1x2x21x8xf32>, tensor<1x2x21x8xf32> -> tensor<1x4x13x8xf32>
// CHECK: %[[C:.*]] = tensor.cast %[[O]] : tensor<1x4x13x8xf32> to tensor<1x4x?x8xf32>
// CHECK: return %[[C]]
func.func @fold_operand_casts(%q: tensor<1x4x13x8xf32>, %k: tensor<1x2x21x8xf32>, %v: tensor<1x2x21x8xf32>) -> tensor<1x4x?x8xf32> {
  %qd = tensor.cast %q : tensor<1x4x13x8xf32> to tensor<1x4x?x8xf32>
  %kd = tensor.cast %k : tensor<1x2x21x8xf32> to tensor<1x2x?x8xf32>
  %vd = tensor.cast %v : tensor<1x2x21x8xf32> to tensor<1x2x?x8xf32>
  %o = attn.attention %qd, %kd, %vd {pattern = #attn.causal} : tensor<1x4x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x4x?x8xf32>
  return %o : tensor<1x4x?x8xf32>
}

// -----

// Sizes that do not fit together (21 keys, 20 values) are not folded: the
// op stays as it was, and stays valid.
// CHECK-LABEL: func.func @misfit_casts_stay
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x4x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x4x?x8xf32>
func.func @misfit_casts_stay(%q: tensor<1x4x13x8xf32>, %k: tensor<1x2x21x8xf32>, %v: tensor<1x2x20x8xf32>) -> tensor<1x4x?x8xf32> {
  %qd = tensor.cast %q : tensor<1x4x13x8xf32> to tensor<1x4x?x8xf32>
  %kd = tensor.cast %k : tensor<1x2x21x8xf32> to tensor<1x2x?x8xf32>
  %vd = tensor.cast %v : tensor<1x2x20x8xf32> to tensor<1x2x?x8xf32>
  %o = attn.attention %qd, %kd, %vd : tensor<1x4x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x4x?x8xf32>
  return %o : tensor<1x4x?x8xf32>
}
