// Passes that rewrite an attn.attention keep its log-sum-exp result valid:
// normalizers outside the softmax family are refused on such an op, a sink
// replacement keeps the result, canonicalisation keeps both results, and
// the reference lowering computes it.
// RUN: not attn-opt %s --attn-replace-softmax="mode=relu" 2>&1 | FileCheck %s --check-prefix=RELU
// RELU: error: attn.attention #0 returns its log-sum-exp, which normalizer #attn.relu does not have; mode=relu keeps the softmax family on such an op
// RUN: not attn-opt %s --attn-replace-softmax="mode=sigmoid heads=1" 2>&1 | FileCheck %s --check-prefix=SIGMOID
// SIGMOID: error: attn.attention #0 returns its log-sum-exp, which normalizer #attn.sigmoid{{.*}} does not have
// RUN: attn-opt %s --attn-replace-softmax="mode=softmax1 heads=1" | FileCheck %s --check-prefix=ONE
// ONE: %{{.*}}, %{{.*}} = attn.attention {{.*}} sink(%{{.*}} : tensor<2xf32>) {normalizer = #attn.softmax<sink = learned>} : {{.*}} -> tensor<?x2x?x16xf32>, tensor<?x2x?xf32>
// RUN: attn-opt %s --canonicalize | FileCheck %s --check-prefix=CANON
// CANON: %{{.*}}, %[[L:.*]] = attn.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>, tensor<1x2x8xf32>
// CANON: %[[C:.*]] = tensor.cast %[[L]] : tensor<1x2x8xf32> to tensor<?x2x?xf32>
// CANON: return %{{.*}}, %[[C]]
// RUN: attn-opt %s --canonicalize --convert-attn-to-linalg | FileCheck %s --check-prefix=LINALG
// LINALG-NOT: attn.attention
// LINALG: %[[LSE:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x8xf32>, tensor<1x2x8xf32>) outs(%{{.*}} : tensor<1x2x8xf32>)
// LINALG: math.log
// LINALG: tensor.cast %[[LSE]] : tensor<1x2x8xf32> to tensor<?x2x?xf32>

// The operands are casts from static types; the op's results follow them
// once the casts fold, and are cast back for the return.
func.func @lse(%q: tensor<1x2x8x16xf32>) -> (tensor<?x2x?x16xf32>, tensor<?x2x?xf32>) {
  %c = tensor.cast %q : tensor<1x2x8x16xf32> to tensor<?x2x?x16xf32>
  %o, %lse = attn.attention %c, %c, %c : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32> -> tensor<?x2x?x16xf32>, tensor<?x2x?xf32>
  return %o, %lse : tensor<?x2x?x16xf32>, tensor<?x2x?xf32>
}
