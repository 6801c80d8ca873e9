// A GPT-2 style causal self-attention block (T = 16 tokens, C = 64, 4 heads)
// written with linalg on tensors around one attn.attention: q/k/v
// projections, head split, attention with the causal mask built the way
// frontends build it (GPT-2's masked_fill of -inf above the diagonal, as
// index arithmetic), head merge, output projection.
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
  %me = tensor.empty() : tensor<16x16xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                          iterator_types = ["parallel", "parallel"]}
      outs(%me : tensor<16x16xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %future = arith.cmpi ugt, %j, %i : index
    %ninf = arith.constant 0xFF800000 : f32
    %b = arith.select %future, %ninf, %zero : f32
    linalg.yield %b : f32
  } -> tensor<16x16xf32>
  %o = attn.attention %q, %k, %v bias(%bias : tensor<16x16xf32>)
      : tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16x16xf32> -> tensor<1x4x16x16xf32>
  %t2 = tensor.empty() : tensor<1x16x4x16xf32>
  %o3 = linalg.transpose ins(%o : tensor<1x4x16x16xf32>) outs(%t2 : tensor<1x16x4x16xf32>) permutation = [0, 2, 1, 3]
  %o2 = tensor.collapse_shape %o3 [[0, 1], [2, 3]] : tensor<1x16x4x16xf32> into tensor<16x64xf32>
  %y = linalg.matmul ins(%o2, %wo : tensor<16x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %y : tensor<16x64xf32>
}
