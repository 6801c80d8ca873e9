// Products in the form elementwise fusion leaves them: GQA's head
// repetition fused into Q K^T and P V (K and V read without the group loop),
// a scale fused into the product's body, batch loops of size 1. --attn-raise
// rebuilds each as a plain batched product first; a form it does not
// rebuild leaves the IR as it was, with its remark.
// RUN: attn-opt %s --attn-raise --canonicalize | FileCheck %s
// RUN: attn-opt %s --attn-raise=explain=true --verify-diagnostics -o /dev/null
// Raising never changes numbers.
// RUN: attn-run %s --entry=gqa_in_products --seed=5 --output-dir=%t.gqa
// RUN: attn-opt %s --attn-raise | attn-run - --entry=gqa_in_products --seed=5 --check-against=%t.gqa/gqa_in_products.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-opt %s --attn-raise --canonicalize | attn-run - --pipeline=cpu --entry=gqa_in_products --seed=5 --check-against=%t.gqa/gqa_in_products.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=sdpa_repeat_scaled_kt --seed=7 --output-dir=%t.sdpa
// RUN: attn-opt %s --attn-raise --canonicalize | attn-run - --pipeline=cpu --entry=sdpa_repeat_scaled_kt --seed=7 --check-against=%t.sdpa/sdpa_repeat_scaled_kt.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-run %s --entry=regrouped_rows --seed=6 --output-dir=%t.rows
// RUN: attn-opt %s --attn-raise | attn-run - --entry=regrouped_rows --seed=6 --check-against=%t.rows/regrouped_rows.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-opt %s --attn-raise --canonicalize | attn-run - --pipeline=cpu --entry=regrouped_rows --seed=6 --check-against=%t.rows/regrouped_rows.result0.npy --atol=1e-5 --rtol=1e-5
// RUN: attn-opt %s --attn-raise | attn-run - --entry=sdpa_repeat_scaled_kt --seed=7 --check-against=%t.sdpa/sdpa_repeat_scaled_kt.result0.npy --atol=1e-5 --rtol=1e-5

// Loops (b, kv head, group, i, j, d); K and V lack the group loop.
#qk_q = affine_map<(b, g, r, i, j, d) -> (b, g, r, i, d)>
#qk_k = affine_map<(b, g, r, i, j, d) -> (b, g, j, d)>
#qk_o = affine_map<(b, g, r, i, j, d) -> (b, g, r, i, j)>
#pv_p = affine_map<(b, g, r, i, d, j) -> (b, g, r, i, j)>
#pv_v = affine_map<(b, g, r, i, d, j) -> (b, g, j, d)>
#pv_o = affine_map<(b, g, r, i, d, j) -> (b, g, r, i, d)>

// Query head h = 2 g + r reads KV head g = h / 2: grouped-query attention,
// 4 query heads over 2 KV heads; the 0.5 in the body is the scale.
// CHECK-LABEL: func.func @gqa_in_products(
// CHECK: %[[O:.*]] = attn.attention %arg0, %arg1, %arg2 {scale = 5.000000e-01 : f32} : tensor<1x4x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x4x8x4xf32>
// CHECK-NOT: linalg.softmax
// CHECK: return %[[O]]
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @gqa_in_products(%q: tensor<1x4x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x4x8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %q5 = tensor.expand_shape %q [[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 8, 4] : tensor<1x4x8x4xf32> into tensor<1x2x2x8x4xf32>
  %e = tensor.empty() : tensor<1x2x2x8x8xf32>
  %sf = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x8x8xf32>) -> tensor<1x2x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#qk_q, #qk_k, #qk_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q5, %k : tensor<1x2x2x8x4xf32>, tensor<1x2x8x4xf32>) outs(%sf : tensor<1x2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %a2 = arith.mulf %a, %half : f32
    %m = arith.mulf %a2, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x8x8xf32>
  %s4 = tensor.collapse_shape %s [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x8xf32> into tensor<1x4x8x8xf32>
  %pe = tensor.empty() : tensor<1x4x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%s4 : tensor<1x4x8x8xf32>) outs(%pe : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %p5 = tensor.expand_shape %p [[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 8, 8] : tensor<1x4x8x8xf32> into tensor<1x2x2x8x8xf32>
  %oe = tensor.empty() : tensor<1x2x2x8x4xf32>
  %of = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x2x2x8x4xf32>) -> tensor<1x2x2x8x4xf32>
  %o = linalg.generic {indexing_maps = [#pv_p, #pv_v, #pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p5, %v : tensor<1x2x2x8x8xf32>, tensor<1x2x8x4xf32>) outs(%of : tensor<1x2x2x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x8x4xf32>
  %o4 = tensor.collapse_shape %o [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x4xf32> into tensor<1x4x8x4xf32>
  return %o4 : tensor<1x4x8x4xf32>
}

// SDPA's decomposition after fusion (StableLM, Phi): K and V repeated per
// group by broadcast generics, sqrt(scale) fused into Q K^T's body on both
// factors, K read transposed, and P V on the collapsed heads. The two
// products group their batch loops differently ((kv head, group) and
// heads), so both are folded into one; the factor on K^T is re-applied
// after K's layout, and GQA is found behind it.
#bk_in = affine_map<(b, g, r, j, d) -> (b, g, j, d)>
#bk_out = affine_map<(b, g, r, j, d) -> (b, g, r, j, d)>
#st_q = affine_map<(b, g, r, i, j, d) -> (b, g, r, i, d)>
#st_k = affine_map<(b, g, r, i, j, d) -> (b, g, r, d, j)>
#st_o = affine_map<(b, g, r, i, j, d) -> (b, g, r, i, j)>
#p4_p = affine_map<(b, h, i, d, j) -> (b, h, i, j)>
#p4_v = affine_map<(b, h, i, d, j) -> (b, h, j, d)>
#p4_o = affine_map<(b, h, i, d, j) -> (b, h, i, d)>
// CHECK-LABEL: func.func @sdpa_repeat_scaled_kt(
// CHECK: %[[O:.*]] = attn.attention %arg0, %arg1, %arg2 {scale = {{[^}]*}}} : tensor<1x4x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x4x8x4xf32>
// CHECK-NOT: linalg.softmax
// CHECK: return %[[O]]
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @sdpa_repeat_scaled_kt(%q: tensor<1x4x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x4x8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %c = arith.constant 0.840896427 : f32
  %q5 = tensor.expand_shape %q [[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 8, 4] : tensor<1x4x8x4xf32> into tensor<1x2x2x8x4xf32>
  %ke = tensor.empty() : tensor<1x2x2x8x4xf32>
  %kb = linalg.generic {indexing_maps = [#bk_in, #bk_out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<1x2x8x4xf32>) outs(%ke : tensor<1x2x2x8x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<1x2x2x8x4xf32>
  %kte = tensor.empty() : tensor<1x2x2x4x8xf32>
  %kt = linalg.transpose ins(%kb : tensor<1x2x2x8x4xf32>) outs(%kte : tensor<1x2x2x4x8xf32>) permutation = [0, 1, 2, 4, 3]
  %e = tensor.empty() : tensor<1x2x2x8x8xf32>
  %sf = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x8x8xf32>) -> tensor<1x2x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#st_q, #st_k, #st_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q5, %kt : tensor<1x2x2x8x4xf32>, tensor<1x2x2x4x8xf32>) outs(%sf : tensor<1x2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %a2 = arith.mulf %a, %c : f32
    %b2 = arith.mulf %b, %c : f32
    %m = arith.mulf %a2, %b2 : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x8x8xf32>
  %s4 = tensor.collapse_shape %s [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x8xf32> into tensor<1x4x8x8xf32>
  %pe = tensor.empty() : tensor<1x4x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%s4 : tensor<1x4x8x8xf32>) outs(%pe : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %ve = tensor.empty() : tensor<1x2x2x8x4xf32>
  %vb = linalg.generic {indexing_maps = [#bk_in, #bk_out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%v : tensor<1x2x8x4xf32>) outs(%ve : tensor<1x2x2x8x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<1x2x2x8x4xf32>
  %v4 = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x4xf32> into tensor<1x4x8x4xf32>
  %oe = tensor.empty() : tensor<1x4x8x4xf32>
  %of = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x4x8x4xf32>) -> tensor<1x4x8x4xf32>
  %o = linalg.generic {indexing_maps = [#p4_p, #p4_v, #p4_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v4 : tensor<1x4x8x8xf32>, tensor<1x4x8x4xf32>) outs(%of : tensor<1x4x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x8x4xf32>
  return %o : tensor<1x4x8x4xf32>
}

// Near miss: the loop K and V lack comes first, so query head h = 2 r + g
// reads KV head g = h mod 2, not h / 2. Not grouped-query attention; the
// product is not rebuilt and the IR stays as it was.
#mq_q = affine_map<(r, g, i, j, d) -> (r, g, i, d)>
#mq_k = affine_map<(r, g, i, j, d) -> (g, j, d)>
#mq_o = affine_map<(r, g, i, j, d) -> (r, g, i, j)>
#mv_p = affine_map<(r, g, i, d, j) -> (r, g, i, j)>
#mv_v = affine_map<(r, g, i, d, j) -> (g, j, d)>
#mv_o = affine_map<(r, g, i, d, j) -> (r, g, i, d)>
// CHECK-LABEL: func.func @heads_modulo(
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK: linalg.softmax
// CHECK: linalg.generic
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 0 raised, 1 not raised; 1 x weights: the contraction is not a batched matrix product with one M, N and K dimension}}
func.func @heads_modulo(%q: tensor<2x2x8x4xf32>, %k: tensor<2x8x4xf32>, %v: tensor<2x8x4xf32>) -> tensor<2x2x8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2x8x8xf32>
  %sf = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#mq_q, #mq_k, #mq_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x2x8x4xf32>, tensor<2x8x4xf32>) outs(%sf : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %pe = tensor.empty() : tensor<2x2x8x8xf32>
  // expected-remark @+1 {{softmax not raised: weights: the contraction is not a batched matrix product with one M, N and K dimension}}
  %p = linalg.softmax dimension(3) ins(%s : tensor<2x2x8x8xf32>) outs(%pe : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %oe = tensor.empty() : tensor<2x2x8x4xf32>
  %of = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x2x8x4xf32>) -> tensor<2x2x8x4xf32>
  %o = linalg.generic {indexing_maps = [#mv_p, #mv_v, #mv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<2x2x8x8xf32>, tensor<2x8x4xf32>) outs(%of : tensor<2x2x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x4xf32>
  return %o : tensor<2x2x8x4xf32>
}

// The row maximum reads the logits through other reshapes than the
// subtraction (what fusion leaves around Swin's shifted windows): the same
// rows, so still a softmax.
#id4 = affine_map<(a, b, i, j) -> (a, b, i, j)>
#row4 = affine_map<(a, b, i, j) -> (a, b, i, 0)>
#in5 = affine_map<(a, b, c, i, j) -> (a, b, c, i, j)>
#row5 = affine_map<(a, b, c, i, j) -> (a, b, c, i)>
#bq = affine_map<(a, i, j, d) -> (a, i, d)>
#bk = affine_map<(a, i, j, d) -> (a, j, d)>
#bo = affine_map<(a, i, j, d) -> (a, i, j)>
#bp = affine_map<(a, i, d, j) -> (a, i, j)>
#bv = affine_map<(a, i, d, j) -> (a, j, d)>
#bvo = affine_map<(a, i, d, j) -> (a, i, d)>
// CHECK-LABEL: func.func @regrouped_rows(
// CHECK: attn.attention
// CHECK-NOT: linalg.generic
// CHECK: return
// expected-remark @+1 {{attn-raise summary: 1 softmax candidates, 1 raised, 0 not raised}}
func.func @regrouped_rows(%q: tensor<4x8x4xf32>, %k: tensor<4x8x4xf32>, %v: tensor<4x8x4xf32>) -> tensor<4x8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<4x8x8xf32>
  %sf = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.generic {indexing_maps = [#bq, #bk, #bo], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<4x8x4xf32>, tensor<4x8x4xf32>) outs(%sf : tensor<4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  // Subtraction on [2, 2, 8, 8]; maximum on [1, 2, 2, 8, 8].
  %x = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [2, 2, 8, 8] : tensor<4x8x8xf32> into tensor<2x2x8x8xf32>
  %x5 = tensor.expand_shape %s [[0, 1, 2], [3], [4]] output_shape [1, 2, 2, 8, 8] : tensor<4x8x8xf32> into tensor<1x2x2x8x8xf32>
  %me = tensor.empty() : tensor<1x2x2x8xf32>
  %mf = linalg.fill ins(%ninf : f32) outs(%me : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  %mx = linalg.generic {indexing_maps = [#in5, #row5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%x5 : tensor<1x2x2x8x8xf32>) outs(%mf : tensor<1x2x2x8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<1x2x2x8xf32>
  %m4 = tensor.expand_shape %mx [[0], [1], [2], [3, 4]] output_shape [1, 2, 2, 8, 1] : tensor<1x2x2x8xf32> into tensor<1x2x2x8x1xf32>
  %rowmax = tensor.collapse_shape %m4 [[0, 1], [2], [3], [4]] : tensor<1x2x2x8x1xf32> into tensor<2x2x8x1xf32>
  %xe = tensor.empty() : tensor<2x2x8x8xf32>
  %ex = linalg.generic {indexing_maps = [#id4, #row4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x, %rowmax : tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>) outs(%xe : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %se = tensor.empty() : tensor<2x2x8x1xf32>
  %sz = linalg.fill ins(%zero : f32) outs(%se : tensor<2x2x8x1xf32>) -> tensor<2x2x8x1xf32>
  %sum = linalg.generic {indexing_maps = [#id4, #row4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ex : tensor<2x2x8x8xf32>) outs(%sz : tensor<2x2x8x1xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x1xf32>
  %pe = tensor.empty() : tensor<2x2x8x8xf32>
  %p = linalg.generic {indexing_maps = [#id4, #row4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>) outs(%pe : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.divf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %p3 = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<2x2x8x8xf32> into tensor<4x8x8xf32>
  %oe = tensor.empty() : tensor<4x8x4xf32>
  %of = linalg.fill ins(%zero : f32) outs(%oe : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %o = linalg.generic {indexing_maps = [#bp, #bv, #bvo], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p3, %v : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%of : tensor<4x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<4x8x4xf32>
  return %o : tensor<4x8x4xf32>
}
