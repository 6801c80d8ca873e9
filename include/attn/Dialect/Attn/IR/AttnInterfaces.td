//===- AttnInterfaces.td - Pattern and normalizer interfaces -*- tablegen -*-===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNINTERFACES_TD
#define ATTN_DIALECT_ATTN_IR_ATTNINTERFACES_TD

include "mlir/IR/OpBase.td"

def Attn_PatternAttrInterface : AttrInterface<"PatternAttrInterface"> {
  let cppNamespace = "::mlir::attn";
  let description = [{
    A visibility pattern of `attn.attention` (which (i, j) may be visible).

    Positions: `i` is the row index in the *logical* query (for an untiled op
    the op's own row; for a tile, the row plus the op's `q_offset`), `lq` the
    logical query length and `lk` the key length. Causal-like patterns align
    bottom-right: query i sits at absolute position `i + (lk - lq)`.

    Every pass and lowering asks the pattern through this interface instead
    of switching on its kind: the C++ evaluator, the IR builder that emits the
    same test, visible counts, and the classification of (query tile, key
    tile) pairs that tiled code generation uses to skip invisible tiles.
  }];
  let methods = [
    InterfaceMethod<
      "Whether every (i, j) is visible whatever the shape: the pattern adds "
      "nothing to the op's default (`#attn.dense`), so it need not be "
      "stored, checked against another pattern, or tested per element.",
      "bool", "isDense", (ins), [{}], [{ return false; }]>,
    InterfaceMethod<
      "Checks that the pattern fits an op with logical query length `lq` and "
      "key length `lk` (either may be ShapedType::kDynamic).",
      "::llvm::LogicalResult", "verifyForShape",
      (ins "::llvm::function_ref<::mlir::InFlightDiagnostic()>":$emitError,
           "int64_t":$lq, "int64_t":$lk)>,
    InterfaceMethod<"Whether key `j` may be visible from logical row `i`.",
      "bool", "isVisible",
      (ins "int64_t":$i, "int64_t":$j, "int64_t":$lq, "int64_t":$lk)>,
    InterfaceMethod<
      "Emits the visibility test as IR: `i`, `j`, `lq`, `lk` are index "
      "values, the result is an i1.",
      "::mlir::Value", "buildIsVisible",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::Value":$i, "::mlir::Value":$j, "::mlir::Value":$lq,
           "::mlir::Value":$lk)>,
    InterfaceMethod<"Number of keys visible from logical row `i`.",
      "int64_t", "getVisibleCount",
      (ins "int64_t":$i, "int64_t":$lq, "int64_t":$lk), [{}], [{
        int64_t count = 0;
        for (int64_t j = 0; j < lk; ++j)
          count += $_attr.isVisible(i, j, lq, lk) ? 1 : 0;
        return count;
      }]>,
    InterfaceMethod<
      "Classifies the tile of logical rows [qBegin, qEnd) and keys "
      "[kBegin, kEnd): every pair visible, none visible, or some.",
      "::mlir::attn::TileVisibility", "classifyTile",
      (ins "int64_t":$qBegin, "int64_t":$qEnd, "int64_t":$kBegin,
           "int64_t":$kEnd, "int64_t":$lq, "int64_t":$lk), [{}], [{
        return ::mlir::attn::detail::classifyTileByEnumeration(
            $_attr, qBegin, qEnd, kBegin, kEnd, lq, lk);
      }]>,
    InterfaceMethod<
      "Emits the keys that logical rows [qBegin, qEnd) may see, for kernels "
      "that plan their tiles at run time (dynamic sizes, `q_offset`): "
      "ascending, disjoint [lo, hi) index pairs appended to `ranges`, every "
      "visible key of those rows in one of them (a pair may be empty, "
      "hi <= lo). `qBegin < qEnd` and the sizes are index values. By "
      "default every key, [0, lk).",
      "void", "buildKeyRanges",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::Value":$qBegin, "::mlir::Value":$qEnd,
           "::mlir::Value":$lq, "::mlir::Value":$lk,
           "::llvm::SmallVectorImpl<std::pair<::mlir::Value, ::mlir::Value>> &":$ranges),
      [{}], [{
        ranges.push_back(
            {::mlir::attn::detail::indexConstant(b, loc, 0), lk});
      }]>,
    InterfaceMethod<
      "Emits whether every pair of logical rows [qBegin, qEnd) and keys "
      "[kBegin, kEnd) inside [0, lk) is visible (an i1), so that a kernel "
      "planned at run time skips the element tests of that tile. May say "
      "false when unsure; by default always false.",
      "::mlir::Value", "buildAllVisible",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::Value":$qBegin, "::mlir::Value":$qEnd,
           "::mlir::Value":$kBegin, "::mlir::Value":$kEnd,
           "::mlir::Value":$lq, "::mlir::Value":$lk), [{}], [{
        return ::mlir::arith::ConstantIntOp::create(b, loc, 0, 1);
      }]>,
    InterfaceMethod<
      "The visible pairs as affine constraints, for analyses that reason "
      "about every size at once: a union of conjunctions, each constraint "
      "the coefficients {ci, cj, clq, clk, c0} of "
      "ci*i + cj*j + clq*lq + clk*lk + c0 >= 0 over the row i in [0, lq) "
      "and key j in [0, lk). Failure when the pattern is not such a set "
      "for symbolic sizes (by default).",
      "::mlir::FailureOr<::mlir::attn::AffineVisibility>",
      "getAffineVisibility", (ins), [{}], [{
        return ::mlir::failure();
      }]>,
    InterfaceMethod<
      "For kernels that visit each row's keys as fixed offsets from a "
      "per-row base (a stencil): succeeds when every row i of [0, lq) sees "
      "exactly the keys bases[i] + deltas[o], the same ascending `deltas` "
      "for every row, all inside [0, lk); fills `bases` (lq entries) and "
      "`deltas`. Static sizes only. Fails (by default) when the pattern is "
      "not such a stencil at these sizes.",
      "::llvm::LogicalResult", "getStencil",
      (ins "int64_t":$lq, "int64_t":$lk,
           "::llvm::SmallVectorImpl<int64_t> &":$bases,
           "::llvm::SmallVectorImpl<int64_t> &":$deltas), [{}], [{
        return ::mlir::failure();
      }]>,
    InterfaceMethod<"Number of visible (i, j) pairs of the whole op.",
      "int64_t", "countVisiblePairs", (ins "int64_t":$lq, "int64_t":$lk),
      [{}], [{
        int64_t count = 0;
        for (int64_t i = 0; i < lq; ++i)
          count += $_attr.getVisibleCount(i, lq, lk);
        return count;
      }]>
  ];
}

def Attn_NormalizerAttrInterface : AttrInterface<"NormalizerAttrInterface"> {
  let cppNamespace = "::mlir::attn";
  let description = [{
    How logits become weights (SPEC section 4), as a streaming computation
    that every lowering shares. Per query row the state is a running maximum
    `m` (meaningful only when `usesRunningMax()`) and a running sum `l`, plus
    the output accumulator `acc`. For each batch of visible logits `s`:

    ```
    m_new = max(m, max(s))            (only when usesRunningMax)
    alpha = rescale(m, m_new, n)      (1 when not usesRunningMax)
    p     = weight(s, m_new, n, Lk)   (0 for invisible entries)
    l     = l * alpha + sum(p)
    acc   = acc * alpha + p . V
    out   = acc * finalScale(l, n, Lk)
    ```

    `n` is the visible count of the row (only needed when
    `needsVisibleCount()`); `Lk` the key length as a float. The builders take
    and return values of one float type, scalar or vector, so the same code
    serves the reference decomposition and the vectorised kernels. A row with
    no visible key yields `acc = 0`, and `finalScale` never turns that into
    NaN.
  }];
  let methods = [
    InterfaceMethod<
      "Whether this is plain softmax without a sink, the op's default "
      "normalizer: it need not be stored, and the rewrites that replace "
      "softmax apply to it.",
      "bool", "isPlainSoftmax", (ins), [{}], [{ return false; }]>,
    InterfaceMethod<"Whether the state keeps a running maximum of the "
      "visible logits.",
      "bool", "usesRunningMax", (ins)>,
    InterfaceMethod<"Whether weights or the final scale need the visible count.",
      "bool", "needsVisibleCount", (ins), [{}], [{ return false; }]>,
    InterfaceMethod<
      "Whether the op must carry a per-head `sink` operand. A sink logit of "
      "-inf must make a head behave as plain softmax, so that a rewrite can "
      "give the normalizer to some heads of an op only.",
      "bool", "requiresSinkOperand", (ins), [{}], [{ return false; }]>,
    InterfaceMethod<
      "The same normalizer written with a per-head `sink` operand "
      "(`requiresSinkOperand`) and the sink logit every head then gets; none "
      "when there is no such form or the normalizer already reads the "
      "operand. A rewrite that gives this normalizer to "
      "some heads only uses it to keep one op (the other heads get -inf) "
      "instead of splitting the op along its heads.",
      "std::optional<::mlir::attn::SinkOperandForm>", "getSinkOperandForm",
      (ins), [{}], [{ return std::nullopt; }]>,
    InterfaceMethod<
      "Initial running maximum; `sink` is the head's sink logit (null when "
      "the op has none). By default -inf, the maximum of no logit, or 0 (a "
      "placeholder nothing reads) without a running maximum.",
      "::mlir::Value", "buildInitialMax",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::Type":$type, "::mlir::Value":$sink), [{}], [{
        return ::mlir::attn::detail::floatConstant(b, loc, type,
            $_attr.usesRunningMax()
                ? -std::numeric_limits<double>::infinity() : 0.0);
      }]>,
    InterfaceMethod<"Initial running sum; by default 0.",
      "::mlir::Value", "buildInitialSum",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::Type":$type), [{}], [{
        return ::mlir::attn::detail::floatConstant(b, loc, type, 0.0);
      }]>,
    InterfaceMethod<"Unnormalised weight of a visible logit `s`.",
      "::mlir::Value", "buildWeight",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::Value":$s, "::mlir::Value":$m, "::mlir::Value":$count,
           "::mlir::Value":$lk)>,
    InterfaceMethod<
      "Factor applied to `l` and `acc` when the maximum moves; by default 1, "
      "that of a normalizer without a running maximum (the streaming step "
      "does not ask those).",
      "::mlir::Value", "buildRescale",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::Value":$mOld, "::mlir::Value":$mNew,
           "::mlir::Value":$count), [{}], [{
        return ::mlir::attn::detail::floatConstant(b, loc, mOld.getType(), 1.0);
      }]>,
    InterfaceMethod<
      "The (threshold, factor) of a run-time column recalibration over all "
      "query rows (#attn.act), applied to the normalised weights before "
      "renormalising each row; none for streaming normalizers.",
      "std::optional<std::pair<double, double>>", "getColumnRecalibration",
      (ins), [{}], [{ return std::nullopt; }]>,
    InterfaceMethod<
      "Whether the op may return the log-sum-exp of its logits (SPEC 2.1): "
      "true for the softmax family, whose state after the last tile is "
      "`l = sum_j exp(s_j - m)` (the sink's term included).",
      "bool", "hasLogSumExp", (ins), [{}], [{ return false; }]>,
    InterfaceMethod<
      "The log-sum-exp `log(sum_j exp(s_j))` of a row from its final state "
      "(`m`, `l`); -inf for a row that saw no logit and no sink. Only asked "
      "when `hasLogSumExp()`.",
      "::mlir::Value", "buildLogSumExp",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::Value":$m, "::mlir::Value":$l), [{}], [{
        llvm_unreachable("normalizer has no log-sum-exp");
      }]>,
    InterfaceMethod<"Factor that turns the accumulator into the output.",
      "::mlir::Value", "buildFinalScale",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::Value":$l, "::mlir::Value":$count, "::mlir::Value":$lk)>
  ];
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNINTERFACES_TD
