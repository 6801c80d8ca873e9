// Logit chains that --attn-raise maps to no attribute: the pointwise ops
// (and every op between them and the softmax) become the op's score_mod
// region (SPEC section 2.1), and only what lies below them is lifted into
// scale, softcap, bias and mask. Each says so with a remark under explain;
// a chain whose inputs depend on Q, K or V stays untouched.
// RUN: attn-opt %s --attn-raise --canonicalize | FileCheck %s
// RUN: attn-opt %s --attn-raise=explain=true --verify-diagnostics -o /dev/null
// Raising never changes numbers: each raised entry gives what it gave
// before, on the reference and cpu pipelines.
// RUN: attn-run %s --entry=softcap_bias_inside --seed=5 --output-dir=%t.softcap_bias_inside
// RUN: attn-opt %s --attn-raise | attn-run - --entry=softcap_bias_inside --pipeline=reference --seed=5 --check-against=%t.softcap_bias_inside/softcap_bias_inside.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-opt %s --attn-raise | attn-run - --entry=softcap_bias_inside --pipeline=cpu --seed=5 --check-against=%t.softcap_bias_inside/softcap_bias_inside.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=tanh_negative --seed=5 --output-dir=%t.tanh_negative
// RUN: attn-opt %s --attn-raise | attn-run - --entry=tanh_negative --pipeline=reference --seed=5 --check-against=%t.tanh_negative/tanh_negative.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-opt %s --attn-raise | attn-run - --entry=tanh_negative --pipeline=cpu --seed=5 --check-against=%t.tanh_negative/tanh_negative.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=masked_fill_zero --seed=5 --output-dir=%t.masked_fill_zero
// RUN: attn-opt %s --attn-raise | attn-run - --entry=masked_fill_zero --pipeline=reference --seed=5 --check-against=%t.masked_fill_zero/masked_fill_zero.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-opt %s --attn-raise | attn-run - --entry=masked_fill_zero --pipeline=cpu --seed=5 --check-against=%t.masked_fill_zero/masked_fill_zero.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=below_reshape --seed=5 --output-dir=%t.below_reshape
// RUN: attn-opt %s --attn-raise | attn-run - --entry=below_reshape --pipeline=reference --seed=5 --check-against=%t.below_reshape/below_reshape.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-opt %s --attn-raise | attn-run - --entry=below_reshape --pipeline=cpu --seed=5 --check-against=%t.below_reshape/below_reshape.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=mask_below_clamp --seed=5 --output-dir=%t.mask_below_clamp
// RUN: attn-opt %s --attn-raise | attn-run - --entry=mask_below_clamp --pipeline=reference --seed=5 --check-against=%t.mask_below_clamp/mask_below_clamp.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-opt %s --attn-raise | attn-run - --entry=mask_below_clamp --pipeline=cpu --seed=5 --check-against=%t.mask_below_clamp/mask_below_clamp.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=runtime_scale --seed=5 --output-dir=%t.runtime_scale
// RUN: attn-opt %s --attn-raise | attn-run - --entry=runtime_scale --pipeline=reference --seed=5 --check-against=%t.runtime_scale/runtime_scale.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-opt %s --attn-raise | attn-run - --entry=runtime_scale --pipeline=cpu --seed=5 --check-against=%t.runtime_scale/runtime_scale.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=head_temperature_clamp --seed=5 --output-dir=%t.head_temperature_clamp
// RUN: attn-opt %s --attn-raise | attn-run - --entry=head_temperature_clamp --pipeline=reference --seed=5 --check-against=%t.head_temperature_clamp/head_temperature_clamp.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-opt %s --attn-raise | attn-run - --entry=head_temperature_clamp --pipeline=cpu --seed=5 --check-against=%t.head_temperature_clamp/head_temperature_clamp.result0.npy --atol=1e-5 --rtol=1e-5

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#last2 = affine_map<(d0, d1, d2) -> (d1, d2)>
#rows3 = affine_map<(d0, d1, d2) -> (d0, d1)>
#swap3 = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
#qk_q = affine_map<(b, h, i, j, d) -> (b, h, i, d)>
#qk_k = affine_map<(b, h, i, j, d) -> (b, h, j, d)>
#qk_o = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#mask4 = affine_map<(b, h, i, j) -> (i, j)>
#pv_p = affine_map<(b, h, i, e, j) -> (b, h, i, j)>
#pv_v = affine_map<(b, h, i, e, j) -> (b, h, j, e)>
#pv_o = affine_map<(b, h, i, e, j) -> (b, h, i, e)>
#head4 = affine_map<(b, h, i, j) -> (h)>

// c * tanh((s + bias) / c): the bias inside the tanh is not a softcap; the
// whole chain is the region, reading the bias at (i, j).
// CHECK-LABEL: func.func @softcap_bias_inside(
// CHECK-SAME: %[[BIAS:[a-z0-9]+]]: tensor<8x8xf32>
// CHECK: attn.attention
// CHECK-NOT: softcap
// CHECK-SAME: score_mod {
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: index, %{{.*}}: index, %[[I:.*]]: index, %[[J:.*]]: index):
// CHECK: tensor.extract %[[BIAS]][%[[I]], %[[J]]] : tensor<8x8xf32>
// CHECK: math.tanh
// CHECK: attn.yield
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @softcap_bias_inside(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %bias: tensor<8x8xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s1 = linalg.generic {indexing_maps = [#id3, #last2, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %bias : tensor<4x8x8xf32>, tensor<8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %y = arith.addf %x, %b : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s2_c = arith.constant 30.0 : f32
  %s2 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s1 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.divf %x, %s2_c : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s3 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s2 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.tanh %x : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s4_c = arith.constant 30.0 : f32
  %s4 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s3 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %s4_c : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  // expected-remark @+1 {{raised with a score_mod region of 4 generic(s): a bias is added inside the softcap's tanh}}
  %p = linalg.softmax dimension(2) ins(%s4 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -30 * tanh(s / 30) flips the order, so it is no softcap: 1/30 joins the
// scale and -30 * tanh(s) is the region.
// CHECK-LABEL: func.func @tanh_negative(
// CHECK: attn.attention {{.*}} {scale = 0.0333333351 : f32} {{.*}} score_mod {
// CHECK: %[[T:.*]] = math.tanh
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[T]], %{{.*}} : f32
// CHECK-NEXT: attn.yield %[[R]] : f32
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @tanh_negative(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s2_c = arith.constant 30.0 : f32
  %s2 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.divf %x, %s2_c : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s3 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s2 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.tanh %x : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s4_c = arith.constant -30.0 : f32
  %s4 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s3 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %s4_c : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  // expected-remark @+1 {{raised with a score_mod region of 2 generic(s): the factor outside the tanh on the logits is not positive, so it is not a softcap}}
  %p = linalg.softmax dimension(2) ins(%s4 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// Filling with 0 is not masking: the select is the region.
// CHECK-LABEL: func.func @masked_fill_zero(
// CHECK-SAME: %[[M:[a-z0-9]+]]: tensor<8x8xi1>
// CHECK: attn.attention
// CHECK-NOT: mask(
// CHECK-SAME: score_mod {
// CHECK: %[[MB:.*]] = tensor.extract %[[M]]
// CHECK: arith.select %[[MB]], %{{.*}}, %{{.*}} : f32
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @masked_fill_zero(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %m: tensor<8x8xi1>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s1 = linalg.generic {indexing_maps = [#id3, #last2, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %m : tensor<4x8x8xf32>, tensor<8x8xi1>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %mb: i1, %o: f32):
    %f = arith.constant 0.0 : f32
    %y = arith.select %mb, %f, %x : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  // expected-remark @+1 {{raised with a score_mod region of 1 generic(s): a select fills the logits with a value that is neither -inf nor the lowest float}}
  %p = linalg.softmax dimension(2) ins(%s1 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// A scale known only at run time (%t), with a -inf mask applied after it:
// the mask hides its pairs whatever the region gives, so it stays a mask;
// the region multiplies by %t, a captured scalar.
// CHECK-LABEL: func.func @runtime_scale(
// CHECK-SAME: %[[C:[a-z0-9]+]]: tensor<8x8xi1>, %[[TT:[a-z0-9]+]]: tensor<f32>) -> tensor<2x2x8x16xf32>
// CHECK: %[[T:.*]] = tensor.extract %[[TT]][] : tensor<f32>
// CHECK: attn.attention {{.*}} mask(%[[C]] : tensor<8x8xi1>) {scale = 1.000000e+00 : f32} {{.*}} score_mod {
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32,
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[S]], %[[T]] : f32
// CHECK-NEXT: attn.yield %[[R]] : f32
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @runtime_scale(%q: tensor<2x2x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %causal: tensor<8x8xi1>, %tt: tensor<f32>) -> tensor<2x2x8x16xf32> {
  %t = tensor.extract %tt[] : tensor<f32>
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.25 : f32
  %e0 = tensor.empty() : tensor<2x2x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#qk_q, #qk_k, #qk_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) outs(%z0 : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %sc = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<2x2x8x8xf32>) outs(%e0 : tensor<2x2x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %t : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
  %mk = linalg.generic {indexing_maps = [#id4, #mask4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sc, %causal : tensor<2x2x8x8xf32>, tensor<8x8xi1>) outs(%e0 : tensor<2x2x8x8xf32>) {
  ^bb0(%x: f32, %c: i1, %o: f32):
    %y = arith.select %c, %x, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
  // expected-remark @+1 {{raised with a score_mod region of 1 generic(s): the logits are scaled by a value that is not a compile-time constant}}
  %p = linalg.softmax dimension(3) ins(%mk : tensor<2x2x8x8xf32>) outs(%e0 : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %e1 = tensor.empty() : tensor<2x2x8x16xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x2x8x16xf32>) -> tensor<2x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<2x2x8x8xf32>, tensor<2x2x8x16xf32>) outs(%z1 : tensor<2x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x16xf32>
  return %o : tensor<2x2x8x16xf32>
}

// A learned per-head temperature (Swin V2's logit scale) and a clamp, fused
// in one generic: max(s * t[h], -5). The temperature is read per head in the
// region.
// CHECK-LABEL: func.func @head_temperature_clamp(
// CHECK-SAME: %[[T:[a-z0-9]+]]: tensor<2xf32>
// CHECK: attn.attention {{.*}} score_mod {
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: index, %[[H:.*]]: index, %{{.*}}: index, %{{.*}}: index):
// CHECK: %[[TH:.*]] = tensor.extract %[[T]][%[[H]]] : tensor<2xf32>
// CHECK: %[[M:.*]] = arith.mulf %[[S]], %[[TH]] : f32
// CHECK: arith.maximumf %[[M]], %{{.*}} : f32
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @head_temperature_clamp(%q: tensor<2x2x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %slopes: tensor<2xf32>) -> tensor<2x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<2x2x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#qk_q, #qk_k, #qk_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) outs(%z0 : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %al = linalg.generic {indexing_maps = [#id4, #head4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s, %slopes : tensor<2x2x8x8xf32>, tensor<2xf32>) outs(%e0 : tensor<2x2x8x8xf32>) {
  ^bb0(%x: f32, %slope: f32, %o: f32):
    %b = arith.mulf %x, %slope : f32
    %lo = arith.constant -5.0 : f32
    %y = arith.maximumf %b, %lo : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
  // expected-remark @+1 {{raised with a score_mod region of 2 generic(s): 'arith.maximumf' on the logits maps to no attribute}}
  %p = linalg.softmax dimension(3) ins(%al : tensor<2x2x8x8xf32>) outs(%e0 : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %e1 = tensor.empty() : tensor<2x2x8x16xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x2x8x16xf32>) -> tensor<2x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<2x2x8x8xf32>, tensor<2x2x8x16xf32>) outs(%z1 : tensor<2x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x16xf32>
  return %o : tensor<2x2x8x16xf32>
}

// The pointwise op runs on the (B * H) x Lq x Lk product, below the reshape
// to the B x H x Lq x Lk scores the softmax reads: reshapes of the leading
// dimensions only renumber the rows, so the region is the same sin.
// CHECK-LABEL: func.func @below_reshape(
// CHECK: attn.attention {{.*}} : tensor<2x2x8x16xf32>, {{.*}} score_mod {
// CHECK: math.sin
// CHECK-NOT: linalg.softmax
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @below_reshape(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<2x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s1 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.sin %x : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s4 = tensor.expand_shape %s1 [[0, 1], [2], [3]] output_shape [2, 2, 8, 8] : tensor<4x8x8xf32> into tensor<2x2x8x8xf32>
  %e4 = tensor.empty() : tensor<2x2x8x8xf32>
  // expected-remark @+1 {{raised with a score_mod region of 1 generic(s): 'math.sin' on the logits maps to no attribute}}
  %p = linalg.softmax dimension(3) ins(%s4 : tensor<2x2x8x8xf32>) outs(%e4 : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %pc = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<2x2x8x8xf32> into tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%pc, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o4 = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [2, 2, 8, 16] : tensor<4x8x16xf32> into tensor<2x2x8x16xf32>
  return %o4 : tensor<2x2x8x16xf32>
}

// Near miss: the factor on the logits is computed from Q (a per-row norm of
// the queries): the region would capture it, but a score modification that
// reads Q is not attention's; the softmax stays.
// CHECK-LABEL: func.func @factor_from_q(
// CHECK-NOT: attn.attention
// CHECK: linalg.softmax
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 0 raised, 1 not raised; 1 x the bias or mask depends on Q, K or V}}
func.func @factor_from_q(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %er = tensor.empty() : tensor<4x8xf32>
  %zr = linalg.fill ins(%zero : f32) outs(%er : tensor<4x8xf32>) -> tensor<4x8xf32>
  %qn = linalg.generic {indexing_maps = [#id3, #rows3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%q : tensor<4x8x16xf32>) outs(%zr : tensor<4x8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %sq = arith.mulf %x, %x : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s1 = linalg.generic {indexing_maps = [#id3, #rows3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %qn : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %n: f32, %o: f32):
    %y = arith.mulf %x, %n : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  // expected-remark @+1 {{softmax not raised: the bias or mask depends on Q, K or V}}
  %p = linalg.softmax dimension(2) ins(%s1 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// A clamp above a -inf mask: max(select(m, s, -inf), -5) gives masked pairs
// the logit -5, so they stay visible. The mask is not lifted into the op's
// mask operand (which would hide them); select and max are the region.
// CHECK-LABEL: func.func @mask_below_clamp(
// CHECK-SAME: %[[M:[a-z0-9]+]]: tensor<8x8xi1>
// CHECK: attn.attention
// CHECK-NOT: mask(
// CHECK-SAME: score_mod {
// CHECK: %[[MB:.*]] = tensor.extract %[[M]]
// CHECK: %[[SEL:.*]] = arith.select %[[MB]], %{{.*}}, %{{.*}} : f32
// CHECK: arith.maximumf %[[SEL]], %{{.*}} : f32
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @mask_below_clamp(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>, %m: tensor<8x8xi1>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s1 = linalg.generic {indexing_maps = [#id3, #last2, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %m : tensor<4x8x8xf32>, tensor<8x8xi1>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %mb: i1, %o: f32):
    %f = arith.constant 0xFF800000 : f32
    %y = arith.select %mb, %x, %f : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s2 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s1 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %lo = arith.constant -5.0 : f32
    %y = arith.maximumf %x, %lo : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  // expected-remark @+1 {{raised with a score_mod region of 2 generic(s): 'arith.maximumf' on the logits maps to no attribute}}
  %p = linalg.softmax dimension(2) ins(%s2 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// Near miss (softcap): 30 * tanh(s^T / 30) reads the logits transposed, so it
// is neither a softcap nor a pointwise modification of s; the softmax stays.
// CHECK-LABEL: func.func @softcap_transposed(
// CHECK-NOT: attn.attention
// CHECK: linalg.softmax
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 0 raised, 1 not raised; 1 x a factor on the logits does not read them element by element}}
func.func @softcap_transposed(%q: tensor<4x8x16xf32>, %k: tensor<4x8x16xf32>, %v: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty() : tensor<4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<4x8x16xf32>) outs(%et : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s2 = linalg.generic {indexing_maps = [#swap3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %c = arith.constant 30.0 : f32
    %y = arith.divf %x, %c : f32
    %t = math.tanh %y : f32
    %z = arith.mulf %t, %c : f32
    linalg.yield %z : f32
  } -> tensor<4x8x8xf32>
  // expected-remark @+1 {{softmax not raised: a factor on the logits does not read them element by element}}
  %p = linalg.softmax dimension(2) ins(%s2 : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}
