// RUN: attn-opt %s --attn-decompose-linalg-aggregates --split-input-file | FileCheck %s --implicit-check-not=linalg.softmax

// linalg.softmax becomes its own decomposition: the row maximum, exp of the
// shifted logits, the row sum and the division, as generics on tensors.

// CHECK-LABEL: func.func @softmax_rows
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK-NOT: linalg.softmax
// CHECK: %[[OUT:.*]] = tensor.empty() : tensor<2x8xf32>
// CHECK: %[[ROW:.*]] = tensor.empty() : tensor<2xf32>
// CHECK: %[[MAX0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[ROW]] : tensor<2xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%[[X]] : tensor<2x8xf32>) outs(%[[MAX0]] : tensor<2xf32>)
// CHECK: arith.maxnumf
// CHECK: %[[EXP:.*]] = linalg.generic
// CHECK-SAME: ins(%[[X]], %[[MAX]] : tensor<2x8xf32>, tensor<2xf32>) outs(%[[OUT]] : tensor<2x8xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[SUM0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[ROW]] : tensor<2xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK-SAME: ins(%[[EXP]] : tensor<2x8xf32>) outs(%[[SUM0]] : tensor<2xf32>)
// CHECK: arith.addf
// CHECK: %[[RES:.*]] = linalg.generic
// CHECK-SAME: ins(%[[EXP]], %[[SUM]] : tensor<2x8xf32>, tensor<2xf32>)
// CHECK: arith.divf
// CHECK: return %[[RES]]
func.func @softmax_rows(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %e = tensor.empty() : tensor<2x8xf32>
  %r = linalg.softmax dimension(1) ins(%x : tensor<2x8xf32>)
         outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// A softmax over the first dimension reduces over d0.

// CHECK-LABEL: func.func @softmax_columns
// CHECK-NOT: linalg.softmax
// CHECK: tensor.empty() : tensor<8xf16>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["reduction", "parallel"]
// CHECK: arith.maxnumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: return
func.func @softmax_columns(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %e = tensor.empty() : tensor<4x8xf16>
  %r = linalg.softmax dimension(0) ins(%x : tensor<4x8xf16>)
         outs(%e : tensor<4x8xf16>) -> tensor<4x8xf16>
  return %r : tensor<4x8xf16>
}

// -----

// Ops that are not aggregates are left alone.

// CHECK-LABEL: func.func @not_an_aggregate
// CHECK-NEXT: %[[R:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<4x8xf32>) outs(%{{.*}} : tensor<2x8xf32>)
// CHECK-NEXT: return %[[R]]
// CHECK-NOT: linalg.generic
func.func @not_an_aggregate(%a: tensor<2x4xf32>, %b: tensor<4x8xf32>,
                            %c: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<2x4xf32>, tensor<4x8xf32>)
         outs(%c : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}
