//===- AttnOps.td - attn dialect operations ------------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNOPS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNOPS_TD

include "attn/Dialect/Attn/IR/AttnAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/TilingInterface.td"

def Attn_AttentionOp : Attn_Op<"attention", [
    Pure, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
                              ["reifyResultShapes"]>,
    DeclareOpInterfaceMethods<TilingInterface, [
        "getLoopIteratorTypes", "getIterationDomain", "getTiledImplementation",
        "getResultTilePosition", "generateResultTileValue"]>]> {
  let summary = "scaled dot-product attention with a pattern and a normalizer";
  let description = [{
    Computes, for every batch b, query head h and query row i,
    `o_i = sum_j p_ij v_j` over the keys j visible from i, where
    `s_ij = softcap(scale * <q_i, k_j>) + bias_ij` and `p` comes from the
    normalizer. Shapes: query `B x Hq x Lq x D`, key `B x Hkv x Lk x D`,
    value `B x Hkv x Lk x Dv`, result `B x Hq x Lq x Dv`; `Hq % Hkv == 0` and
    query head h reads key/value head `h / (Hq / Hkv)`. `bias` (additive, in
    logit space, `-inf` = masked) and `mask` (i1, true = may attend) are
    numpy-broadcastable to `B x Hq x Lq x Lk`; `sink` (`Hq`) holds per-head
    sink logits for `#attn.softmax<sink = learned>`. Accumulation is f32 for
    f32, f16 and bf16 inputs. A row with no visible key yields zeros.

    Attributes: `scale` (default `1/sqrt(D)`), `pattern` (default
    `#attn.dense`), `normalizer` (default `#attn.softmax`), `softcap`
    (`c * tanh(s / c)` applied before the bias).

    Score modification: the optional `score_mod` region (one block with
    arguments `(s: f32, b, h, i, j: index)`, yielding one f32 through
    `attn.yield`) rewrites every logit after scale, softcap and bias:
    `s_ij = score_mod(softcap(scale * <q_i, k_j>) + bias_ij, b, h, i, j)`,
    with `i` the row within the logical query (`q_offset` included) and `h`
    the query head. A result of -inf makes (i, j) invisible. Its ops must be
    free of side effects; values from above may be scalars, or tensors read
    with `tensor.extract`. Every lowering executes it (FlexAttention's
    `score_mod`).

    Log-sum-exp: with a softmax-family normalizer (one that
    `hasLogSumExp()`) the op may return a second result, `lse`
    (`B x Hq x Lq`, f32): per row `log(exp(sigma_h) + sum_j exp(s_ij))` over
    the visible keys, the sink term only when the normalizer has one, and
    -inf for a row that sees no key and no sink. Partial results over
    disjoint key ranges merge exactly through it (split-KV decoding,
    context parallelism): `o = sum_r exp(lse_r - lse) o_r` with
    `lse = log(sum_r exp(lse_r))`.

    Tiles: `q_offset` (index) and `q_len` say that this op computes rows
    `q_offset .. q_offset + Lq - 1` of a logical attention with `q_len` query
    rows; patterns are evaluated at those logical rows. They are what tiling
    along Lq produces and are absent on untiled ops.

    Example:
    ```mlir
    %o = attn.attention %q, %k, %v mask(%m : tensor<1x1x128x128xi1>)
        {pattern = #attn.window<left = 32, right = 0, sinks = 4>}
        : tensor<1x8x128x64xf32>, tensor<1x2x128x64xf32>,
          tensor<1x2x128x64xf32> -> tensor<1x8x128x64xf32>
    // With its log-sum-exp, to merge with the other half of the keys.
    %o2, %lse = attn.attention %q, %k, %v {pattern = #attn.causal}
        : tensor<1x8x128x64xf32>, tensor<1x2x128x64xf32>,
          tensor<1x2x128x64xf32> -> tensor<1x8x128x64xf32>, tensor<1x8x128xf32>
    // ALiBi-like slope per head, written as a score modification.
    %a = attn.attention %q, %k, %v
        : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>,
          tensor<1x8x128x64xf32> -> tensor<1x8x128x64xf32>
        score_mod {
        ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
          %slope = tensor.extract %slopes[%h] : tensor<8xf32>
          %d = arith.subi %j, %i : index
          %di = arith.index_cast %d : index to i64
          %df = arith.sitofp %di : i64 to f32
          %m = arith.mulf %slope, %df : f32
          %r = arith.addf %s, %m : f32
          attn.yield %r : f32
        }
    ```
  }];
  let arguments = (ins AnyRankedTensor:$query, AnyRankedTensor:$key,
                       AnyRankedTensor:$value,
                       Optional<AnyRankedTensor>:$bias,
                       Optional<AnyRankedTensor>:$mask,
                       Optional<AnyRankedTensor>:$sink,
                       Optional<Index>:$q_offset,
                       OptionalAttr<F32Attr>:$scale,
                       OptionalAttr<Attn_PatternAttrInterface>:$pattern,
                       OptionalAttr<Attn_NormalizerAttrInterface>:$normalizer,
                       OptionalAttr<F32Attr>:$softcap,
                       OptionalAttr<I64Attr>:$q_len);
  let results = (outs AnyRankedTensor:$result,
                      Optional<AnyRankedTensor>:$lse);
  let regions = (region AnyRegion:$score_mod);
  let assemblyFormat = [{
    $query `,` $key `,` $value
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`sink` `(` $sink^ `:` type($sink) `)`)?
    (`q_offset` `(` $q_offset^ `)`)?
    attr-dict `:` type($query) `,` type($key) `,` type($value)
    `->` type($result) (`,` type($lse)^)?
    (`score_mod` $score_mod^)?
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// The pattern, `#attn.dense` when absent.
    PatternAttrInterface getEffectivePattern();
    /// The normalizer, `#attn.softmax` when absent.
    NormalizerAttrInterface getEffectiveNormalizer();
    /// The scale, `1/sqrt(D)` when absent.
    double getEffectiveScale();
    /// The logical query length (`q_len`, else Lq; may be dynamic).
    int64_t getLogicalQueryLength();
    RankedTensorType getQueryType() { return getQuery().getType(); }
    RankedTensorType getKeyType() { return getKey().getType(); }
    RankedTensorType getValueType() { return getValue().getType(); }
    RankedTensorType getResultType() { return getResult().getType(); }
    /// The type of the log-sum-exp result (null when the op has none).
    RankedTensorType getLseType() {
      return getLse() ? cast<RankedTensorType>(getLse().getType())
                      : RankedTensorType();
    }
    /// Whether the op carries a score modification region.
    bool hasScoreMod() { return !getScoreMod().empty(); }
    /// The block of the score modification region (null when absent).
    Block *getScoreModBlock() {
      return hasScoreMod() ? &getScoreMod().front() : nullptr;
    }
    /// Adds `offsets` (for b, h, i) to the indices the score_mod region
    /// reads, so that a piece of this op (a tile, a range of heads) keeps
    /// seeing the indices of the whole op.
    void offsetScoreModIndices(OpBuilder &b, ArrayRef<OpFoldResult> offsets);
    /// A copy of this op (before it) whose operands that are tensor.cast's
    /// to less static types read the casts' sources, with the result sizes
    /// that follow; null when no operand is such a cast. Fails, erasing the
    /// copy, when the copy does not verify (the verifier's diagnostics say
    /// why: the sizes are inconsistent).
    FailureOr<Operation *> foldOperandCasts(RewriterBase &rewriter);
  }];
}

def Attn_YieldOp : Attn_Op<"yield", [Pure, Terminator,
                                     HasParent<"AttentionOp">]> {
  let summary = "yields the modified logit of a score_mod region";
  let description = [{
    Terminates the `score_mod` region of `attn.attention` with the modified
    logit (one f32).
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}

def Attn_TokenMergeOp : Attn_Op<"token_merge", [Pure]> {
  let summary = "ToMe / CrossGET token merging";
  let description = [{
    Merges `r` tokens of `tokens` (`B x N x C`) into their most similar
    partners, measured on `metric` (`B x N x Cm`), by size-weighted average.
    `size` (`B x N`, default ones) holds how many original tokens each row
    stands for. Results: `merged` (`B x (N - r) x C`), `merged_size`
    (`B x (N - r)`), and `source` (`B x N x index`: the merged row each input
    token went to). `matching = bipartite` is ToMe's bipartite soft matching
    (A = even, B = odd positions; output order: unmerged A tokens, then all B
    tokens); `matching = complete_graph` ranks all tokens (CrossGET) and keeps
    survivors in their original order. `protect_first` keeps token 0 (a class
    token) from ever merging away. Ties are broken by the lower index.

    Example:
    ```mlir
    %m, %s, %src = attn.token_merge %x, %k r = 4 protect_first
        : tensor<1x17x64xf32>, tensor<1x17x16xf32>
        -> tensor<1x13x64xf32>, tensor<1x13xf32>, tensor<1x17xindex>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$tokens, AnyRankedTensor:$metric,
                       Optional<AnyRankedTensor>:$size,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$r,
                       UnitAttr:$protect_first,
                       DefaultValuedAttr<Attn_MatchingAttr,
                           "::mlir::attn::Matching::bipartite">:$matching);
  let results = (outs AnyRankedTensor:$merged, AnyRankedTensor:$merged_size,
                      AnyRankedTensor:$source);
  let assemblyFormat = [{
    $tokens `,` $metric (`size` `(` $size^ `:` type($size) `)`)?
    `r` `=` $r (`protect_first` $protect_first^)?
    (`matching` `=` $matching^)?
    attr-dict `:` type($tokens) `,` type($metric)
    `->` type($merged) `,` type($merged_size) `,` type($source)
  }];
  let hasVerifier = 1;
}

def Attn_TokenUnmergeOp : Attn_Op<"token_unmerge", [Pure]> {
  let summary = "copies merged tokens back to every original position";
  let description = [{
    `result[b, n, :] = merged[b, source[b, n], :]`, restoring `B x N x C` from
    `attn.token_merge`'s `merged` (`B x M x C`) and `source` (`B x N x index`).
  }];
  let arguments = (ins AnyRankedTensor:$merged, AnyRankedTensor:$source);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $merged `,` $source attr-dict `:` type($merged) `,` type($source)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNOPS_TD
