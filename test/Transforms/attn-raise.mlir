// RUN: attn-opt %s --split-input-file --attn-raise --canonicalize | FileCheck %s --implicit-check-not=linalg.batch_matmul --implicit-check-not=linalg.matmul --implicit-check-not=linalg.softmax --implicit-check-not=math.exp
// --attn-statistics counts what was raised (-mlir-pass-statistics is empty
// with release builds of LLVM).
// RUN: attn-opt %s --split-input-file --attn-raise --attn-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// STATS: attn pass statistics:
// STATS-NEXT: attn-raise: not-raised = 0
// STATS-NEXT: attn-raise: raised = 5
// Raising is idempotent: a second run changes nothing.
// RUN: attn-opt %s --split-input-file --attn-raise --canonicalize | attn-opt --split-input-file --attn-raise --canonicalize | FileCheck %s --implicit-check-not=math.exp

// torch-mlir's eager form: (B, H) collapsed, K transposed by linalg.transpose,
// batch_matmul, division by sqrt(D), softmax as max / sub+exp / sum / div.
// CHECK-LABEL: func.func @torch_style(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<1x4x8x16xf32>, %[[K:[a-z0-9]+]]: tensor<1x4x8x16xf32>, %[[V:[a-z0-9]+]]: tensor<1x4x8x16xf32>
// CHECK: %[[O:.*]] = attn.attention %[[Q]], %[[K]], %[[V]] {scale = 2.500000e-01 : f32} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
// CHECK: return %[[O]]

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row3 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @torch_style(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>, %mask: tensor<8x8xf32>) -> tensor<1x4x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c4 = arith.constant 4.0 : f32
  %et = tensor.empty() : tensor<1x4x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<1x4x8x16xf32>) outs(%et : tensor<1x4x16x8xf32>) permutation = [0, 1, 3, 2]
  %q3 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %k3 = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x4x16x8xf32> into tensor<4x16x8xf32>
  %e0 = tensor.empty() : tensor<4x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q3, %k3 : tensor<4x8x16xf32>, tensor<4x16x8xf32>) outs(%z0 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %sc = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.divf %x, %c4 : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %e1 = tensor.empty() : tensor<4x8xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e1 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %mx = linalg.generic {indexing_maps = [#id3, #row3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sc : tensor<4x8x8xf32>) outs(%m0 : tensor<4x8xf32>) {
  ^bb0(%x: f32, %a: f32):
    %y = arith.maximumf %x, %a : f32
    linalg.yield %y : f32
  } -> tensor<4x8xf32>
  %ex = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sc, %mx : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %d = arith.subf %x, %m : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %sum = linalg.generic {indexing_maps = [#id3, #row3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%s0 : tensor<4x8xf32>) {
  ^bb0(%x: f32, %a: f32):
    %y = arith.addf %x, %a : f32
    linalg.yield %y : f32
  } -> tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [#id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %t: f32, %o: f32):
    %y = arith.divf %x, %t : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %v3 = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x4x8x16xf32> into tensor<4x8x16xf32>
  %e2 = tensor.empty() : tensor<4x8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o3 = linalg.batch_matmul ins(%p, %v3 : tensor<4x8x8xf32>, tensor<4x8x16xf32>) outs(%z2 : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %o = tensor.expand_shape %o3 [[0, 1], [2], [3]] output_shape [1, 4, 8, 16] : tensor<4x8x16xf32> into tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// nanoGPT: 4-D contractions as generics, scale on the scores, a causal
// mask by select(-inf), linalg.softmax.
// CHECK-LABEL: func.func @nanogpt(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<2x2x8x16xf32>, %[[K:[a-z0-9]+]]: tensor<2x2x8x16xf32>, %[[V:[a-z0-9]+]]: tensor<2x2x8x16xf32>, %[[M:[a-z0-9]+]]: tensor<8x8xi1>
// CHECK: attn.attention %[[Q]], %[[K]], %[[V]] mask(%[[M]] : tensor<8x8xi1>) {scale = 2.500000e-01 : f32}

#qk_q = affine_map<(b, h, i, j, d) -> (b, h, i, d)>
#qk_k = affine_map<(b, h, i, j, d) -> (b, h, j, d)>
#qk_o = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#mask4 = affine_map<(b, h, i, j) -> (i, j)>
#pv_p = affine_map<(b, h, i, e, j) -> (b, h, i, j)>
#pv_v = affine_map<(b, h, i, e, j) -> (b, h, j, e)>
#pv_o = affine_map<(b, h, i, e, j) -> (b, h, i, e)>
func.func @nanogpt(%q: tensor<2x2x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %causal: tensor<8x8xi1>) -> tensor<2x2x8x16xf32> {
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
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
  %mk = linalg.generic {indexing_maps = [#id4, #mask4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sc, %causal : tensor<2x2x8x8xf32>, tensor<8x8xi1>) outs(%e0 : tensor<2x2x8x8xf32>) {
  ^bb0(%x: f32, %c: i1, %o: f32):
    %y = arith.select %c, %x, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
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

// -----

// One head as 2-D matmuls, K^T through the matmul's indexing maps, a key
// padding mask by select(lowest float) (kept as a 0 / lowest bias),
// softmax with a separate subtraction and a product with the reciprocal.
// CHECK-LABEL: func.func @single_head(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<8x16xf32>, %[[K:[a-z0-9]+]]: tensor<12x16xf32>, %[[V:[a-z0-9]+]]: tensor<12x4xf32>, %[[KEEP:[a-z0-9]+]]: tensor<12xi1>
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%[[KEEP]] : tensor<12xi1>)
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK-DAG: %[[Q4:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 8, 16]
// CHECK-DAG: %[[K4:.*]] = tensor.expand_shape %[[K]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 12, 16]
// CHECK-DAG: %[[V4:.*]] = tensor.expand_shape %[[V]] {{\[}}[0, 1, 2], [3]] output_shape [1, 1, 12, 4]
// CHECK: %[[O:.*]] = attn.attention %[[Q4]], %[[K4]], %[[V4]] bias(%[[B]] : tensor<12xf32>) {scale = 1.000000e+00 : f32}
// CHECK: tensor.collapse_shape %[[O]] {{\[}}[0, 1, 2], [3]] : tensor<1x1x8x4xf32> into tensor<8x4xf32>

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id2 = affine_map<(i, j) -> (i, j)>
#row2 = affine_map<(i, j) -> (i)>
#id1 = affine_map<(i) -> (i)>
func.func @single_head(%q: tensor<8x16xf32>, %k: tensor<12x16xf32>, %v: tensor<12x4xf32>, %keep: tensor<12xi1>) -> tensor<8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %low = arith.constant -3.40282347E+38 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<8x12xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<8x12xf32>) -> tensor<8x12xf32>
  %s = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%q, %k : tensor<8x16xf32>, tensor<12x16xf32>) outs(%z0 : tensor<8x12xf32>) -> tensor<8x12xf32>
  %pad = linalg.generic {indexing_maps = [#id2, affine_map<(i, j) -> (j)>, #id2], iterator_types = ["parallel", "parallel"]} ins(%s, %keep : tensor<8x12xf32>, tensor<12xi1>) outs(%e0 : tensor<8x12xf32>) {
  ^bb0(%x: f32, %c: i1, %o: f32):
    %y = arith.select %c, %x, %low : f32
    linalg.yield %y : f32
  } -> tensor<8x12xf32>
  %e1 = tensor.empty() : tensor<8xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e1 : tensor<8xf32>) -> tensor<8xf32>
  %mx = linalg.generic {indexing_maps = [#id2, #row2], iterator_types = ["parallel", "reduction"]} ins(%pad : tensor<8x12xf32>) outs(%m0 : tensor<8xf32>) {
  ^bb0(%x: f32, %a: f32):
    %y = arith.maxnumf %x, %a : f32
    linalg.yield %y : f32
  } -> tensor<8xf32>
  %sub = linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]} ins(%pad, %mx : tensor<8x12xf32>, tensor<8xf32>) outs(%e0 : tensor<8x12xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %d = arith.subf %x, %m : f32
    linalg.yield %d : f32
  } -> tensor<8x12xf32>
  %ex = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%sub : tensor<8x12xf32>) outs(%e0 : tensor<8x12xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<8x12xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#id2, #row2], iterator_types = ["parallel", "reduction"]} ins(%ex : tensor<8x12xf32>) outs(%s0 : tensor<8xf32>) {
  ^bb0(%x: f32, %a: f32):
    %y = arith.addf %a, %x : f32
    linalg.yield %y : f32
  } -> tensor<8xf32>
  %rc = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]} ins(%sum : tensor<8xf32>) outs(%e1 : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.divf %one, %x : f32
    linalg.yield %y : f32
  } -> tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]} ins(%ex, %rc : tensor<8x12xf32>, tensor<8xf32>) outs(%e0 : tensor<8x12xf32>) {
  ^bb0(%x: f32, %r: f32, %o: f32):
    %y = arith.mulf %x, %r : f32
    linalg.yield %y : f32
  } -> tensor<8x12xf32>
  %e2 = tensor.empty() : tensor<8x4xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %o = linalg.matmul ins(%p, %v : tensor<8x12xf32>, tensor<12x4xf32>) outs(%z2 : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %o : tensor<8x4xf32>
}

// -----

// Llama's repeat_kv (linalg.broadcast for K, expand + broadcasting generic
// for V, then collapse of the repeated heads) becomes GQA: Hkv = 1 < Hq = 2.
// CHECK-LABEL: func.func @llama_gqa(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<2x2x8x16xf32>, %[[K:[a-z0-9]+]]: tensor<2x1x8x16xf32>, %[[V:[a-z0-9]+]]: tensor<2x1x8x16xf32>, %[[M:[a-z0-9]+]]: tensor<8x8xi1>
// CHECK: attn.attention %[[Q]], %[[K]], %[[V]] mask(%[[M]] : tensor<8x8xi1>) {scale = 2.500000e-01 : f32} : tensor<2x2x8x16xf32>, tensor<2x1x8x16xf32>, tensor<2x1x8x16xf32> -> tensor<2x2x8x16xf32>

#qk_q = affine_map<(b, h, i, j, d) -> (b, h, i, d)>
#qk_k = affine_map<(b, h, i, j, d) -> (b, h, j, d)>
#qk_o = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#mask4 = affine_map<(b, h, i, j) -> (i, j)>
#pv_p = affine_map<(b, h, i, e, j) -> (b, h, i, j)>
#pv_v = affine_map<(b, h, i, e, j) -> (b, h, j, e)>
#pv_o = affine_map<(b, h, i, e, j) -> (b, h, i, e)>
func.func @llama_gqa(%q: tensor<2x2x8x16xf32>, %kv_k: tensor<2x1x8x16xf32>, %kv_v: tensor<2x1x8x16xf32>, %causal: tensor<8x8xi1>) -> tensor<2x2x8x16xf32> {
  // repeat_kv: one kv head serves both query heads.
  %kw = tensor.empty() : tensor<2x1x2x8x16xf32>
  %kb = linalg.broadcast ins(%kv_k : tensor<2x1x8x16xf32>) outs(%kw : tensor<2x1x2x8x16xf32>) dimensions = [2]
  %k = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<2x1x2x8x16xf32> into tensor<2x2x8x16xf32>
  %ve = tensor.expand_shape %kv_v [[0], [1, 2], [3], [4]] output_shape [2, 1, 1, 8, 16] : tensor<2x1x8x16xf32> into tensor<2x1x1x8x16xf32>
  %vw = tensor.empty() : tensor<2x1x2x8x16xf32>
  %vb = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, 0, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%ve : tensor<2x1x1x8x16xf32>) outs(%vw : tensor<2x1x2x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<2x1x2x8x16xf32>
  %v = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<2x1x2x8x16xf32> into tensor<2x2x8x16xf32>
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
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
  %mk = linalg.generic {indexing_maps = [#id4, #mask4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sc, %causal : tensor<2x2x8x8xf32>, tensor<8x8xi1>) outs(%e0 : tensor<2x2x8x8xf32>) {
  ^bb0(%x: f32, %c: i1, %o: f32):
    %y = arith.select %c, %x, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
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

// -----

// f16 scores upcast to f32 for the softmax and the weights truncated back:
// one f16 op (it accumulates in f32).
// CHECK-LABEL: func.func @half_upcast(
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f32} : tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16> -> tensor<1x2x8x16xf16>

#hqk_q = affine_map<(b, h, i, j, d) -> (b, h, i, d)>
#hqk_k = affine_map<(b, h, i, j, d) -> (b, h, j, d)>
#hqk_o = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#hid4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#hpv_p = affine_map<(b, h, i, e, j) -> (b, h, i, j)>
#hpv_v = affine_map<(b, h, i, e, j) -> (b, h, j, e)>
#hpv_o = affine_map<(b, h, i, e, j) -> (b, h, i, e)>
func.func @half_upcast(%q: tensor<1x2x8x16xf16>, %k: tensor<1x2x8x16xf16>, %v: tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16> {
  %zero = arith.constant 0.0 : f16
  %scale = arith.constant 0.25 : f16
  %e0 = tensor.empty() : tensor<1x2x8x8xf16>
  %z0 = linalg.fill ins(%zero : f16) outs(%e0 : tensor<1x2x8x8xf16>) -> tensor<1x2x8x8xf16>
  %s = linalg.generic {indexing_maps = [#hqk_q, #hqk_k, #hqk_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>) outs(%z0 : tensor<1x2x8x8xf16>) {
  ^bb0(%a: f16, %b: f16, %acc: f16):
    %m = arith.mulf %a, %b : f16
    %r = arith.addf %acc, %m : f16
    linalg.yield %r : f16
  } -> tensor<1x2x8x8xf16>
  %sc = linalg.generic {indexing_maps = [#hid4, #hid4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<1x2x8x8xf16>) outs(%e0 : tensor<1x2x8x8xf16>) {
  ^bb0(%x: f16, %o: f16):
    %y = arith.mulf %x, %scale : f16
    linalg.yield %y : f16
  } -> tensor<1x2x8x8xf16>
  %e1 = tensor.empty() : tensor<1x2x8x8xf32>
  %up = linalg.generic {indexing_maps = [#hid4, #hid4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sc : tensor<1x2x8x8xf16>) outs(%e1 : tensor<1x2x8x8xf32>) {
  ^bb0(%x: f16, %o: f32):
    %y = arith.extf %x : f16 to f32
    linalg.yield %y : f32
  } -> tensor<1x2x8x8xf32>
  %p32 = linalg.softmax dimension(3) ins(%up : tensor<1x2x8x8xf32>) outs(%e1 : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %p = linalg.generic {indexing_maps = [#hid4, #hid4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p32 : tensor<1x2x8x8xf32>) outs(%e0 : tensor<1x2x8x8xf16>) {
  ^bb0(%x: f32, %o: f16):
    %y = arith.truncf %x : f32 to f16
    linalg.yield %y : f16
  } -> tensor<1x2x8x8xf16>
  %e2 = tensor.empty() : tensor<1x2x8x16xf16>
  %z2 = linalg.fill ins(%zero : f16) outs(%e2 : tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16>
  %o = linalg.generic {indexing_maps = [#hpv_p, #hpv_v, #hpv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<1x2x8x8xf16>, tensor<1x2x8x16xf16>) outs(%z2 : tensor<1x2x8x16xf16>) {
  ^bb0(%a: f16, %b: f16, %acc: f16):
    %m = arith.mulf %a, %b : f16
    %r = arith.addf %acc, %m : f16
    linalg.yield %r : f16
  } -> tensor<1x2x8x16xf16>
  return %o : tensor<1x2x8x16xf16>
}
