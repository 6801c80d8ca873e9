// RUN: attn-opt %s --split-input-file --convert-attn-to-linalg --canonicalize --cse | FileCheck %s --implicit-check-not=attn.

// GQA reads kv head h floordiv 2; causal visibility is j <= i (Lq == Lk);
// the query is scaled before the dot product (a logit that fits in f32 does
// not overflow on the way); the softmax weights are exp(min(s, FLT_MAX) -
// m) with m = -inf guarded to 0 and m = +inf saturated.
// CHECK-DAG: #[[$KV:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
// CHECK-DAG: #[[$VV:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d4, d3)>
// CHECK-LABEL: func.func @causal_gqa
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x8x16xf32>, %[[K:.*]]: tensor<1x2x8x16xf32>, %[[V:.*]]: tensor<1x2x8x16xf32>)
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[LARGEST:.*]] = arith.constant 3.40282347E+38 : f32
// CHECK: %[[S:.*]] = linalg.generic {{.*}}#[[$KV]]{{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[Q]], %[[K]] :
// CHECK: ^bb0(%[[QE:.*]]: f32, %[[KE:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[QS:.*]] = arith.mulf %[[QE]], %[[SCALE]] : f32
// CHECK: %[[P:.*]] = arith.mulf %[[QS]], %[[KE]] : f32
// CHECK: arith.addf %[[ACC]], %[[P]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[S]] :
// CHECK: %[[I:.*]] = linalg.index 2 : index
// CHECK: %[[J:.*]] = linalg.index 3 : index
// CHECK: arith.cmpi sle, %[[J]], %[[I]] : index
// CHECK: arith.maximumf
// CHECK: arith.minimumf %{{.*}}, %[[LARGEST]] : f32
// CHECK: math.exp
// CHECK: linalg.generic {{.*}}#[[$VV]]{{.*}} ins(%{{.*}}, %[[V]] :
// CHECK: return
func.func @causal_gqa(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// Lq != Lk: the causal row is shifted by Lk - Lq = 6; the bias broadcasts
// over (B, Hq), -inf bias entries are invisible; mask is and-ed in; f16
// inputs are extended to f32 and the result truncated back.
// CHECK-DAG: #[[$B2:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func.func @decode_bias_mask_f16
// CHECK-DAG: %[[SHIFT:.*]] = arith.constant 6 : index
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$B2]], #[[$B2]],
// CHECK: ^bb0(%{{.*}}: f32, %[[BIAS:.*]]: f16, %[[MASK:.*]]: i1,
// CHECK: %[[ROW:.*]] = arith.addi %{{.*}}, %[[SHIFT]] : index
// CHECK: arith.cmpi sle, %{{.*}}, %[[ROW]] : index
// CHECK: arith.cmpf une
// CHECK: arith.andi %{{.*}}, %[[MASK]] : i1
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @decode_bias_mask_f16(%q: tensor<1x2x2x8xf16>, %k: tensor<1x2x8x8xf16>, %b: tensor<2x8xf16>, %m: tensor<2x8xi1>) -> tensor<1x2x2x8xf16> {
  %o = attn.attention %q, %k, %k bias(%b : tensor<2x8xf16>) mask(%m : tensor<2x8xi1>) {pattern = #attn.causal} : tensor<1x2x2x8xf16>, tensor<1x2x8x8xf16>, tensor<1x2x8x8xf16> -> tensor<1x2x2x8xf16>
  return %o : tensor<1x2x2x8xf16>
}

// -----

// A learned sink initialises the running max from the sink operand, and
// softcap applies c * tanh(s / c).
// CHECK-LABEL: func.func @sink_softcap
// CHECK-SAME: %[[SINK:[^:]*]]: tensor<2xf32>
// CHECK: math.tanh
// CHECK: linalg.generic {{.*}} ins(%[[SINK]] : tensor<2xf32>)
// CHECK-NEXT: ^bb0(%[[SIGMA:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[SIGMA]] : f32
func.func @sink_softcap(%q: tensor<1x2x4x8xf32>, %s: tensor<2xf32>) -> tensor<1x2x4x8xf32> {
  %o = attn.attention %q, %q, %q sink(%s : tensor<2xf32>) {normalizer = #attn.softmax<sink = learned>, softcap = 20.0 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Block-sparse visibility looks the block up in the layout.
// CHECK-LABEL: func.func @block_sparse
// CHECK: %[[LAYOUT:.*]] = arith.constant dense<{{\[\[}}true, false], [true, true]]> : tensor<2x2xi1>
// CHECK: arith.divsi
// CHECK: tensor.extract %[[LAYOUT]]
func.func @block_sparse(%q: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  %o = attn.attention %q, %q, %q {pattern = #attn.block_sparse<block = [4, 4], layout = dense<[[true, false], [true, true]]> : tensor<2x2xi1>>} : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  return %o : tensor<1x1x8x4xf32>
}

// -----

// Token merging: normalised metric, A.B^T similarity over even/odd rows,
// ranks, and size-weighted scatter sums.
// CHECK-DAG: #[[$EVEN:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 * 2, d3)>
// CHECK-DAG: #[[$ODD:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2 * 2 + 1, d3)>
// CHECK-LABEL: func.func @token_merge
// CHECK: math.sqrt
// CHECK: linalg.generic {indexing_maps = [#[[$EVEN]], #[[$ODD]],
// CHECK: arith.divf
// CHECK: return
func.func @token_merge(%x: tensor<1x9x8xf32>, %k: tensor<1x9x4xf32>) -> (tensor<1x6x8xf32>, tensor<1x6xf32>, tensor<1x9xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 3 protect_first : tensor<1x9x8xf32>, tensor<1x9x4xf32> -> tensor<1x6x8xf32>, tensor<1x6xf32>, tensor<1x9xindex>
  return %a, %b, %c : tensor<1x6x8xf32>, tensor<1x6xf32>, tensor<1x9xindex>
}

// -----

// CHECK-LABEL: func.func @token_unmerge
// CHECK: linalg.generic
// CHECK: tensor.extract
func.func @token_unmerge(%x: tensor<1x6x8xf32>, %s: tensor<1x9xindex>) -> tensor<1x9x8xf32> {
  %u = attn.token_unmerge %x, %s : tensor<1x6x8xf32>, tensor<1x9xindex> -> tensor<1x9x8xf32>
  return %u : tensor<1x9x8xf32>
}
