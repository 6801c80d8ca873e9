// A GPT-2 style causal self-attention block (T = 16 tokens, C = 64, 4 heads)
// in linalg on tensors, the way a frontend writes it: q/k/v projections,
// head split, scores with the 1/sqrt(d) scale, a causal mask from index
// arithmetic applied as masked_fill(-inf), softmax, weights @ v, head merge,
// output projection. No attn op: --attn-raise finds the attention,
// --attn-infer-pattern turns the mask into #attn.causal.
func.func @main(%x: tensor<16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>,
                %wv: tensor<64x64xf32>, %wo: tensor<64x64xf32>) -> tensor<16x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %q2 = linalg.matmul ins(%x, %wq : tensor<16x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<16x64xf32>) -> tensor<16x64xf32>
  %k2 = linalg.matmul ins(%x, %wk : tensor<16x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<16x64xf32>) -> tensor<16x64xf32>
  %v2 = linalg.matmul ins(%x, %wv : tensor<16x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<16x64xf32>) -> tensor<16x64xf32>
  %q3 = tensor.expand_shape %q2 [[0, 1], [2, 3]] output_shape [1, 16, 4, 16] : tensor<16x64xf32> into tensor<1x16x4x16xf32>
  %k3 = tensor.expand_shape %k2 [[0, 1], [2, 3]] output_shape [1, 16, 4, 16] : tensor<16x64xf32> into tensor<1x16x4x16xf32>
  %v3 = tensor.expand_shape %v2 [[0, 1], [2, 3]] output_shape [1, 16, 4, 16] : tensor<16x64xf32> into tensor<1x16x4x16xf32>
  %t = tensor.empty() : tensor<1x4x16x16xf32>
  %q = linalg.transpose ins(%q3 : tensor<1x16x4x16xf32>) outs(%t : tensor<1x4x16x16xf32>) permutation = [0, 2, 1, 3]
  %k = linalg.transpose ins(%k3 : tensor<1x16x4x16xf32>) outs(%t : tensor<1x4x16x16xf32>) permutation = [0, 2, 1, 3]
  %v = linalg.transpose ins(%v3 : tensor<1x16x4x16xf32>) outs(%t : tensor<1x4x16x16xf32>) permutation = [0, 2, 1, 3]
  // Attention as a frontend spells it: scores = q k^T / sqrt(16), the causal
  // mask as masked_fill(-inf), softmax decomposed, then weights @ v.
  %s0 = tensor.empty() : tensor<1x4x16x16xf32>
  %sz = linalg.fill ins(%zero : f32) outs(%s0 : tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %scores = linalg.generic {
      indexing_maps = [affine_map<(b, h, i, j, d) -> (b, h, i, d)>,
                       affine_map<(b, h, i, j, d) -> (b, h, j, d)>,
                       affine_map<(b, h, i, j, d) -> (b, h, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>) outs(%sz : tensor<1x4x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %sum: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %sum, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16x16xf32>
  %ce = tensor.empty() : tensor<16x16xi1>
  %causal = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                            iterator_types = ["parallel", "parallel"]}
      outs(%ce : tensor<16x16xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %past = arith.cmpi ule, %j, %i : index
    linalg.yield %past : i1
  } -> tensor<16x16xi1>
  %ninf = arith.constant 0xFF800000 : f32
  %rsqrt = arith.constant 0.25 : f32
  %scaled = linalg.generic {
      indexing_maps = [affine_map<(b, h, i, j) -> (b, h, i, j)>,
                       affine_map<(b, h, i, j) -> (b, h, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%scores : tensor<1x4x16x16xf32>) outs(%s0 : tensor<1x4x16x16xf32>) {
  ^bb0(%sc: f32, %out: f32):
    %y = arith.mulf %sc, %rsqrt : f32
    linalg.yield %y : f32
  } -> tensor<1x4x16x16xf32>
  %masked = linalg.generic {
      indexing_maps = [affine_map<(b, h, i, j) -> (b, h, i, j)>,
                       affine_map<(b, h, i, j) -> (i, j)>,
                       affine_map<(b, h, i, j) -> (b, h, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%scaled, %causal : tensor<1x4x16x16xf32>, tensor<16x16xi1>) outs(%s0 : tensor<1x4x16x16xf32>) {
  ^bb0(%sc: f32, %c: i1, %out: f32):
    %z = arith.select %c, %sc, %ninf : f32
    linalg.yield %z : f32
  } -> tensor<1x4x16x16xf32>
  %weights = linalg.softmax dimension(3) ins(%masked : tensor<1x4x16x16xf32>) outs(%s0 : tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %oz = linalg.fill ins(%zero : f32) outs(%t : tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %o = linalg.generic {
      indexing_maps = [affine_map<(b, h, i, e, j) -> (b, h, i, j)>,
                       affine_map<(b, h, i, e, j) -> (b, h, j, e)>,
                       affine_map<(b, h, i, e, j) -> (b, h, i, e)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%weights, %v : tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>) outs(%oz : tensor<1x4x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %sum: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %sum, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16x16xf32>
  %t2 = tensor.empty() : tensor<1x16x4x16xf32>
  %o3 = linalg.transpose ins(%o : tensor<1x4x16x16xf32>) outs(%t2 : tensor<1x16x4x16xf32>) permutation = [0, 2, 1, 3]
  %o2 = tensor.collapse_shape %o3 [[0, 1], [2, 3]] : tensor<1x16x4x16xf32> into tensor<16x64xf32>
  %y = linalg.matmul ins(%o2, %wo : tensor<16x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %y : tensor<16x64xf32>
}
