// RUN: attn-opt %s --split-input-file --transform-interpreter --canonicalize | FileCheck %s

// Tiling (B, Hq, Lq) by (1, 2, 4) with GQA groups of 2: each tile reads one
// kv head (offset h floordiv 2) and records its rows with q_offset / q_len.
// CHECK-LABEL: func.func @tile_gqa_causal
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x2x8x16xf32>, %[[V:.*]]: tensor<2x2x8x16xf32>, %[[S:.*]]: tensor<4xf32>)
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK: scf.forall (%[[B:.*]], %[[HT:.*]], %[[IT:.*]]) in (2, 2, 2)
// CHECK-DAG: %[[H:.*]] = affine.apply #{{.*}}(%[[HT]])
// CHECK-DAG: %[[I:.*]] = affine.apply #{{.*}}(%[[IT]])
// CHECK-DAG: %[[QT:.*]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %[[I]], 0] [1, 2, 4, 16] [1, 1, 1, 1]
// CHECK-DAG: %[[KVH:.*]] = arith.divui %[[H]], %[[C2]] : index
// CHECK-DAG: %[[KT:.*]] = tensor.extract_slice %[[K]][%[[B]], %[[KVH]], 0, 0] [1, 1, 8, 16] [1, 1, 1, 1]
// CHECK-DAG: %[[VT:.*]] = tensor.extract_slice %[[V]][%[[B]], %[[KVH]], 0, 0] [1, 1, 8, 16] [1, 1, 1, 1]
// CHECK-DAG: %[[ST:.*]] = tensor.extract_slice %[[S]][%[[H]]] [2] [1]
// CHECK: attn.attention %[[QT]], %[[KT]], %[[VT]] sink(%[[ST]] : tensor<2xf32>) q_offset(%[[I]])
// CHECK-SAME: pattern = #attn.causal, q_len = 8 : i64
// CHECK-SAME: : tensor<1x2x4x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x2x4x16xf32>
// CHECK: tensor.parallel_insert_slice
func.func @tile_gqa_causal(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %s: tensor<4xf32>) -> tensor<2x4x8x16xf32> {
  %o = attn.attention %q, %k, %v sink(%s : tensor<4xf32>) {pattern = #attn.causal, normalizer = #attn.softmax<sink = learned>} : tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32> -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_forall %op tile_sizes [1, 2, 4] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A broadcast mask keeps its size-1 dimensions whole and follows the row
// tile; an already tiled op accumulates its q_offset.
// CHECK-LABEL: func.func @tile_mask_nested
// CHECK-SAME: %[[OFF:[^:]*]]: index
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}}
// CHECK: %[[MT:.*]] = tensor.extract_slice %{{.*}}[0, %[[I]], 0] [1, 2, 8] [1, 1, 1]
// CHECK: %[[NEWOFF:.*]] = arith.addi %[[OFF]], %[[I]] : index
// CHECK: attn.attention {{.*}} mask(%[[MT]] : tensor<1x2x8xi1>) q_offset(%[[NEWOFF]]) {pattern = #attn.window<left = 2, right = 0, sinks = 1>, q_len = 16 : i64}
func.func @tile_mask_nested(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %m: tensor<1x8x8xi1>, %off: index) -> tensor<1x1x8x4xf32> {
  %o = attn.attention %q, %k, %k mask(%m : tensor<1x8x8xi1>) q_offset(%off) {pattern = #attn.window<left = 2, right = 0, sinks = 1>, q_len = 16} : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_for %op tile_sizes [0, 0, 2] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A tile's score_mod keeps seeing the indices of the whole op: the tile's
// head and row offsets are added to the region's h and i.
// CHECK-LABEL: func.func @tile_score_mod
// CHECK: scf.forall (%[[BT:.*]], %[[HT:.*]], %[[IT:.*]]) in (2, 2, 2)
// CHECK-DAG: %[[H:.*]] = affine.apply #{{.*}}(%[[HT]])
// CHECK-DAG: %[[I:.*]] = affine.apply #{{.*}}(%[[IT]])
// CHECK: attn.attention {{.*}} q_offset(%[[I]]) {{.*}} -> tensor<1x2x4x16xf32> score_mod {
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %[[B:.*]]: index, %[[HL:.*]]: index, %[[IL:.*]]: index, %[[J:.*]]: index):
// CHECK-DAG: %[[BG:.*]] = arith.addi %[[B]], %[[BT]] : index
// CHECK-DAG: %[[HG:.*]] = arith.addi %[[HL]], %[[H]] : index
// CHECK-DAG: %[[IG:.*]] = arith.addi %[[IL]], %[[I]] : index
// CHECK: tensor.extract %{{.*}}[%[[BG]], %[[HG]], %[[IG]], %[[J]]] : tensor<2x4x8x8xf32>
func.func @tile_score_mod(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>, %t: tensor<2x4x8x8xf32>) -> tensor<2x4x8x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %x = tensor.extract %t[%b, %h, %i, %j] : tensor<2x4x8x8xf32>
    %r = arith.addf %s, %x : f32
    attn.yield %r : f32
  }
  return %o : tensor<2x4x8x16xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_forall %op tile_sizes [1, 2, 4] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// The log-sum-exp result is tiled with the rows: each tile returns its
// B x Hq x Lq piece, inserted next to the output's.
// CHECK-LABEL: func.func @tile_log_sum_exp
// CHECK: %[[R:.*]]:2 = scf.forall (%[[HT:.*]], %[[IT:.*]]) in (2, 4) shared_outs(%[[O:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}}) -> (tensor<1x4x8x16xf32>, tensor<1x4x8xf32>)
// CHECK-DAG: %[[H:.*]] = affine.apply #{{.*}}(%[[HT]])
// CHECK-DAG: %[[I:.*]] = affine.apply #{{.*}}(%[[IT]])
// CHECK: %[[T:.*]], %[[TL:.*]] = attn.attention {{.*}} q_offset(%[[I]]) {pattern = #attn.causal, q_len = 8 : i64} : tensor<1x2x2x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x2x2x16xf32>, tensor<1x2x2xf32>
// CHECK-DAG: tensor.parallel_insert_slice %[[T]] into %[[O]][0, %[[H]], %[[I]], 0] [1, 2, 2, 16]
// CHECK-DAG: tensor.parallel_insert_slice %[[TL]] into %[[L]][0, %[[H]], %[[I]]] [1, 2, 2]
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @tile_log_sum_exp(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x4x8xf32>) {
  %o, %lse = attn.attention %q, %k, %k {pattern = #attn.causal} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>, tensor<1x4x8xf32>
  return %o, %lse : tensor<1x4x8x16xf32>, tensor<1x4x8xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_forall %op tile_sizes [1, 2, 2] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
