//===- Passes.td - attn conversion passes --------------------*- tablegen -*-===//

#ifndef ATTN_CONVERSION_PASSES_TD
#define ATTN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalgPass : Pass<"convert-attn-to-linalg"> {
  let summary = "Reference decomposition of attn ops into linalg on tensors";
  let description = [{
    Rewrites `attn.attention`, `attn.token_merge` and `attn.token_unmerge`
    into `linalg.generic`s over tensors (with `arith`, `math` and `tensor`).
    This is the numerical oracle of the project, not a fast path: attention
    materialises the `B x Hq x Lq x Lk` score matrix, and token merging uses
    quadratic rank and scatter reductions. Every pattern and normalizer is
    lowered through their attribute interfaces.

    Before:
    ```mlir
    %o = attn.attention %q, %k, %v {pattern = #attn.causal}
        : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
        -> tensor<1x2x8x16xf32>
    ```
    After: a chain of `linalg.generic`s computing the scores (reduction over
    D), the visibility and row statistics (reductions over Lk, with the
    pattern's visibility test emitted from `linalg.index` values) and the
    weighted sum of values.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
  let statistics = [
    Statistic<"numAttentionOps", "attention-ops",
              "Number of attn.attention ops decomposed">,
    Statistic<"numTokenMergeOps", "token-merge-ops",
              "Number of attn.token_merge / token_unmerge ops decomposed">
  ];
}

def DecomposeLinalgAggregatesPass
    : Pass<"attn-decompose-linalg-aggregates"> {
  let summary = "Decompose linalg aggregate ops (linalg.softmax) into "
                "generics";
  let description = [{
    Rewrites every op implementing `AggregatedOpInterface` (upstream:
    `linalg.softmax`) into the generics of its own decomposition, so the
    reference pipeline can bufferize and lower models that still carry a
    softmax that `--attn-raise` did not raise.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
}

#endif // ATTN_CONVERSION_PASSES_TD
