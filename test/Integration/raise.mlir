// --attn-raise computes the same as the IR it replaces: each function runs
// through attn-run before and after raising, on the same random inputs.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-opt %s --attn-raise --canonicalize -o %t/raised.mlir
// RUN: FileCheck %s --input-file=%t/raised.mlir --check-prefix=IR --implicit-check-not=math.exp
// IR-COUNT-5: attn.attention
// RUN: attn-run %s --entry=torch_style --seed=1 --output-dir=%t
// RUN: attn-run %t/raised.mlir --entry=torch_style --seed=1 --check-against=%t/torch_style.result0.npy --rtol=1e-4 | FileCheck %s
// RUN: attn-run %s --entry=nanogpt --seed=2 --output-dir=%t
// RUN: attn-run %t/raised.mlir --entry=nanogpt --seed=2 --check-against=%t/nanogpt.result0.npy --rtol=1e-4 | FileCheck %s
// RUN: attn-run %s --entry=single_head --seed=3 --output-dir=%t
// RUN: attn-run %t/raised.mlir --entry=single_head --seed=3 --check-against=%t/single_head.result0.npy --rtol=1e-4 | FileCheck %s
// RUN: attn-run %s --entry=llama_gqa --seed=4 --output-dir=%t
// RUN: attn-run %t/raised.mlir --entry=llama_gqa --seed=4 --check-against=%t/llama_gqa.result0.npy --rtol=1e-4 | FileCheck %s
// The f16 original accumulates in f16; one f16 rounding apart.
// RUN: attn-run %s --entry=half_upcast --seed=5 --output-dir=%t
// RUN: attn-run %t/raised.mlir --entry=half_upcast --seed=5 --check-against=%t/half_upcast.result0.npy --atol=2e-3 --rtol=2e-3 | FileCheck %s
// CHECK: check: PASS

#t_id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#t_row3 = affine_map<(d0, d1, d2) -> (d0, d1)>
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
  %sc = linalg.generic {indexing_maps = [#t_id3, #t_id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<4x8x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.divf %x, %c4 : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %e1 = tensor.empty() : tensor<4x8xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e1 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %mx = linalg.generic {indexing_maps = [#t_id3, #t_row3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sc : tensor<4x8x8xf32>) outs(%m0 : tensor<4x8xf32>) {
  ^bb0(%x: f32, %a: f32):
    %y = arith.maximumf %x, %a : f32
    linalg.yield %y : f32
  } -> tensor<4x8xf32>
  %ex = linalg.generic {indexing_maps = [#t_id3, #t_row3, #t_id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sc, %mx : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %d = arith.subf %x, %m : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<4x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %sum = linalg.generic {indexing_maps = [#t_id3, #t_row3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%s0 : tensor<4x8xf32>) {
  ^bb0(%x: f32, %a: f32):
    %y = arith.addf %x, %a : f32
    linalg.yield %y : f32
  } -> tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [#t_id3, #t_row3, #t_id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e0 : tensor<4x8x8xf32>) {
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

#n_qk_q = affine_map<(b, h, i, j, d) -> (b, h, i, d)>
#n_qk_k = affine_map<(b, h, i, j, d) -> (b, h, j, d)>
#n_qk_o = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#n_id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#n_mask4 = affine_map<(b, h, i, j) -> (i, j)>
#n_pv_p = affine_map<(b, h, i, e, j) -> (b, h, i, j)>
#n_pv_v = affine_map<(b, h, i, e, j) -> (b, h, j, e)>
#n_pv_o = affine_map<(b, h, i, e, j) -> (b, h, i, e)>
func.func @nanogpt(%q: tensor<2x2x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %causal: tensor<8x8xi1>) -> tensor<2x2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.25 : f32
  %e0 = tensor.empty() : tensor<2x2x8x8xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#n_qk_q, #n_qk_k, #n_qk_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) outs(%z0 : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %sc = linalg.generic {indexing_maps = [#n_id4, #n_id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<2x2x8x8xf32>) outs(%e0 : tensor<2x2x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
  %mk = linalg.generic {indexing_maps = [#n_id4, #n_mask4, #n_id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sc, %causal : tensor<2x2x8x8xf32>, tensor<8x8xi1>) outs(%e0 : tensor<2x2x8x8xf32>) {
  ^bb0(%x: f32, %c: i1, %o: f32):
    %y = arith.select %c, %x, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%mk : tensor<2x2x8x8xf32>) outs(%e0 : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %e1 = tensor.empty() : tensor<2x2x8x16xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x2x8x16xf32>) -> tensor<2x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#n_pv_p, #n_pv_v, #n_pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<2x2x8x8xf32>, tensor<2x2x8x16xf32>) outs(%z1 : tensor<2x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x16xf32>
  return %o : tensor<2x2x8x16xf32>
}

#s_mk = affine_map<(m, n, k) -> (m, k)>
#s_nk = affine_map<(m, n, k) -> (n, k)>
#s_mn = affine_map<(m, n, k) -> (m, n)>
#s_id2 = affine_map<(i, j) -> (i, j)>
#s_row2 = affine_map<(i, j) -> (i)>
#s_id1 = affine_map<(i) -> (i)>
func.func @single_head(%q: tensor<8x16xf32>, %k: tensor<12x16xf32>, %v: tensor<12x4xf32>, %keep: tensor<12xi1>) -> tensor<8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %low = arith.constant -3.40282347E+38 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<8x12xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<8x12xf32>) -> tensor<8x12xf32>
  %s = linalg.matmul indexing_maps = [#s_mk, #s_nk, #s_mn] ins(%q, %k : tensor<8x16xf32>, tensor<12x16xf32>) outs(%z0 : tensor<8x12xf32>) -> tensor<8x12xf32>
  %pad = linalg.generic {indexing_maps = [#s_id2, affine_map<(i, j) -> (j)>, #s_id2], iterator_types = ["parallel", "parallel"]} ins(%s, %keep : tensor<8x12xf32>, tensor<12xi1>) outs(%e0 : tensor<8x12xf32>) {
  ^bb0(%x: f32, %c: i1, %o: f32):
    %y = arith.select %c, %x, %low : f32
    linalg.yield %y : f32
  } -> tensor<8x12xf32>
  %e1 = tensor.empty() : tensor<8xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e1 : tensor<8xf32>) -> tensor<8xf32>
  %mx = linalg.generic {indexing_maps = [#s_id2, #s_row2], iterator_types = ["parallel", "reduction"]} ins(%pad : tensor<8x12xf32>) outs(%m0 : tensor<8xf32>) {
  ^bb0(%x: f32, %a: f32):
    %y = arith.maxnumf %x, %a : f32
    linalg.yield %y : f32
  } -> tensor<8xf32>
  %sub = linalg.generic {indexing_maps = [#s_id2, #s_row2, #s_id2], iterator_types = ["parallel", "parallel"]} ins(%pad, %mx : tensor<8x12xf32>, tensor<8xf32>) outs(%e0 : tensor<8x12xf32>) {
  ^bb0(%x: f32, %m: f32, %o: f32):
    %d = arith.subf %x, %m : f32
    linalg.yield %d : f32
  } -> tensor<8x12xf32>
  %ex = linalg.generic {indexing_maps = [#s_id2, #s_id2], iterator_types = ["parallel", "parallel"]} ins(%sub : tensor<8x12xf32>) outs(%e0 : tensor<8x12xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<8x12xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#s_id2, #s_row2], iterator_types = ["parallel", "reduction"]} ins(%ex : tensor<8x12xf32>) outs(%s0 : tensor<8xf32>) {
  ^bb0(%x: f32, %a: f32):
    %y = arith.addf %a, %x : f32
    linalg.yield %y : f32
  } -> tensor<8xf32>
  %rc = linalg.generic {indexing_maps = [#s_id1, #s_id1], iterator_types = ["parallel"]} ins(%sum : tensor<8xf32>) outs(%e1 : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.divf %one, %x : f32
    linalg.yield %y : f32
  } -> tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#s_id2, #s_row2, #s_id2], iterator_types = ["parallel", "parallel"]} ins(%ex, %rc : tensor<8x12xf32>, tensor<8xf32>) outs(%e0 : tensor<8x12xf32>) {
  ^bb0(%x: f32, %r: f32, %o: f32):
    %y = arith.mulf %x, %r : f32
    linalg.yield %y : f32
  } -> tensor<8x12xf32>
  %e2 = tensor.empty() : tensor<8x4xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %o = linalg.matmul ins(%p, %v : tensor<8x12xf32>, tensor<12x4xf32>) outs(%z2 : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %o : tensor<8x4xf32>
}

#l_qk_q = affine_map<(b, h, i, j, d) -> (b, h, i, d)>
#l_qk_k = affine_map<(b, h, i, j, d) -> (b, h, j, d)>
#l_qk_o = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#l_id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#l_mask4 = affine_map<(b, h, i, j) -> (i, j)>
#l_pv_p = affine_map<(b, h, i, e, j) -> (b, h, i, j)>
#l_pv_v = affine_map<(b, h, i, e, j) -> (b, h, j, e)>
#l_pv_o = affine_map<(b, h, i, e, j) -> (b, h, i, e)>
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
  %s = linalg.generic {indexing_maps = [#l_qk_q, #l_qk_k, #l_qk_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) outs(%z0 : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %sc = linalg.generic {indexing_maps = [#l_id4, #l_id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<2x2x8x8xf32>) outs(%e0 : tensor<2x2x8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
  %mk = linalg.generic {indexing_maps = [#l_id4, #l_mask4, #l_id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sc, %causal : tensor<2x2x8x8xf32>, tensor<8x8xi1>) outs(%e0 : tensor<2x2x8x8xf32>) {
  ^bb0(%x: f32, %c: i1, %o: f32):
    %y = arith.select %c, %x, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<2x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%mk : tensor<2x2x8x8xf32>) outs(%e0 : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %e1 = tensor.empty() : tensor<2x2x8x16xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x2x8x16xf32>) -> tensor<2x2x8x16xf32>
  %o = linalg.generic {indexing_maps = [#l_pv_p, #l_pv_v, #l_pv_o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<2x2x8x8xf32>, tensor<2x2x8x16xf32>) outs(%z1 : tensor<2x2x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x16xf32>
  return %o : tensor<2x2x8x16xf32>
}

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
