// Attention after elementwise fusion (upstream --linalg-fuse-elementwise-ops,
// or a compiler that fuses before raising): several logit ops in one
// generic, a mask computed in the body from linalg.index, a softcap and a
// bias together. --attn-raise reads through the fused bodies; a near miss
// leaves the IR exactly as it was, with its remark.
// RUN: attn-opt %s --attn-raise --canonicalize | FileCheck %s
// RUN: attn-opt %s --attn-raise --canonicalize --attn-infer-pattern | FileCheck %s --check-prefix=INFER
// RUN: attn-opt %s --attn-raise=explain=true --verify-diagnostics -o /dev/null
// Raising never changes numbers.
// RUN: attn-run %s --entry=negated_index_mask --seed=3 --output-dir=%t.mask
// RUN: attn-opt %s --attn-raise | attn-run - --entry=negated_index_mask --seed=3 --check-against=%t.mask/negated_index_mask.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-opt %s --attn-raise --canonicalize --attn-infer-pattern | attn-run - --pipeline=cpu --entry=negated_index_mask --seed=3 --check-against=%t.mask/negated_index_mask.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=softcap_bias --seed=4 --output-dir=%t.softcap
// RUN: attn-opt %s --attn-raise | attn-run - --entry=softcap_bias --seed=4 --check-against=%t.softcap/softcap_bias.result0.npy --atol=1e-5 --rtol=1e-5
// The zoo after elementwise fusion: test/Models/fused-elementwise.test.

#qk_q = affine_map<(b, h, i, j, d) -> (b, h, i, d)>
#qk_k = affine_map<(b, h, i, j, d) -> (b, h, j, d)>
#qk_o = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#pv_p = affine_map<(b, h, i, d, j) -> (b, h, i, j)>
#pv_v = affine_map<(b, h, i, d, j) -> (b, h, j, d)>
#pv_o = affine_map<(b, h, i, d, j) -> (b, h, i, d)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#bias = affine_map<(b, h, i, j) -> (0, h, i, j)>

// scale and select(j > i, -inf, s) in one generic: the mask becomes an i1
// tensor of its own (negated into the op's polarity), which
// --attn-infer-pattern evaluates to #attn.causal.
// CHECK-LABEL: func.func @negated_index_mask(
// CHECK: %[[MASK:.*]] = linalg.generic
// CHECK: linalg.index 2
// CHECK: linalg.index 3
// CHECK: arith.cmpi ugt
// CHECK: %[[O:.*]] = attn.attention %arg0, %arg1, %arg2 mask(%{{.*}} : tensor<1x2x8x8xi1>) {scale = 5.000000e-01 : f32}
// CHECK-NOT: linalg.softmax
// CHECK: return %[[O]]
// INFER-LABEL: func.func @negated_index_mask(
// INFER: attn.attention %arg0, %arg1, %arg2 {pattern = #attn.causal, scale = 5.000000e-01 : f32}
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @negated_index_mask(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x2x8x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#qk_q, #qk_k, #qk_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) outs(%z : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) {
  ^bb0(%x: f32, %out: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %scaled = arith.mulf %x, %half : f32
    %future = arith.cmpi ugt, %j, %i : index
    %y = arith.select %future, %ninf, %scaled : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%masked : tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %e2 = tensor.empty() : tensor<1x2x8x4xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) outs(%z2 : tensor<1x2x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// c * tanh(s * f / c) + bias in one generic, the bias broadcast over the
// batch: softcap 30, scale f, the bias operand.
// CHECK-LABEL: func.func @softcap_bias(
// CHECK: attn.attention %arg0, %arg1, %arg2 bias(%{{.*}} : tensor<1x2x8x8xf32>)
// CHECK-SAME: scale = 2.500000e-01 : f32
// CHECK-SAME: softcap = 3.000000e+01 : f32
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @softcap_bias(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>, %bias: tensor<1x2x8x8xf32>) -> tensor<1x2x8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %f = arith.constant 0.25 : f32
  %cap = arith.constant 30.0 : f32
  %e = tensor.empty() : tensor<1x2x8x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#qk_q, #qk_k, #qk_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) outs(%z : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %l = linalg.generic {indexing_maps = [#id4, #bias, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s, %bias : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) {
  ^bb0(%x: f32, %bb: f32, %out: f32):
    %scaled = arith.mulf %x, %f : f32
    %div = arith.divf %scaled, %cap : f32
    %t = math.tanh %div : f32
    %capped = arith.mulf %t, %cap : f32
    %y = arith.addf %capped, %bb : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%l : tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %e2 = tensor.empty() : tensor<1x2x8x4xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) outs(%z2 : tensor<1x2x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// Near miss: the mask depends on the score itself (select(s > 0, s, -inf)),
// which is no mask operand. Not raised; the fused generic and everything
// else stay exactly as they were (no split copies left behind).
// CHECK-LABEL: func.func @mask_from_score(
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.cmpf ogt
// CHECK-NEXT: arith.select
// CHECK-NEXT: linalg.yield
// CHECK: linalg.softmax
// CHECK: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: return
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 0 raised, 1 not raised}}
func.func @mask_from_score(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x2x8x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#qk_q, #qk_k, #qk_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) outs(%z : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %masked = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) {
  ^bb0(%x: f32, %out: f32):
    %scaled = arith.mulf %x, %half : f32
    %pos = arith.cmpf ogt, %scaled, %zero : f32
    %y = arith.select %pos, %scaled, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  // expected-remark @+1 {{softmax not raised}}
  %p = linalg.softmax dimension(3) ins(%masked : tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %e2 = tensor.empty() : tensor<1x2x8x4xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) outs(%z2 : tensor<1x2x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
