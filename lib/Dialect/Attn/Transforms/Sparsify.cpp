//===- Sparsify.cpp - Impose a sparse pattern on attention ops ------------===//
//
// --attn-sparsify: the approximation a user asks for. The pattern is given as
// an attribute (pattern=#attn.window<left = 4>) or as a shorthand word with
// per-kind options (pattern=window left=4); each selected op is checked
// against it through the pattern interface and gets it.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Support/PassOptions.h"

#include "attn/Analysis/PatternInference.h"
#include "attn/Dialect/Attn/Transforms/Transforms.h"
#include "attn/Support/Npy.h"
#include "attn/Support/PassStatistics.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstring>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNSPARSIFYPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

LogicalResult mlir::attn::imposePattern(RewriterBase &rewriter, AttentionOp op,
                                        PatternAttrInterface pattern,
                                        StringRef opName) {
  int64_t lq = op.getLogicalQueryLength();
  int64_t lk = op.getKey().getType().getDimSize(2);
  if (failed(pattern.verifyForShape(
          [&]() {
            return op.emitError()
                   << opName << ": pattern " << pattern << " does not fit: ";
          },
          lq, lk)))
    return failure();
  PatternAttrInterface current = op.getEffectivePattern();
  if (!current.isDense() && current != pattern) {
    if (ShapedType::isDynamic(lq) || ShapedType::isDynamic(lk))
      return op.emitError()
             << opName << " has pattern " << current
             << " and dynamic lengths, so it cannot be checked that " << pattern
             << " shows no pair that " << current << " hides";
    // The check visits every pair: bounded so that it ends in about a
    // second.
    constexpr int64_t kMaxCheckedPairs = int64_t(1) << 28;
    if (lq != 0 && lk > kMaxCheckedPairs / lq)
      return op.emitError() << opName << " has pattern " << current << " and "
                            << lq << " x " << lk << " pairs, more than "
                            << kMaxCheckedPairs << " to check that " << pattern
                            << " shows no pair that " << current << " hides";
    for (int64_t i = 0; i < lq; ++i)
      for (int64_t j = 0; j < lk; ++j)
        if (pattern.isVisible(i, j, lq, lk) && !current.isVisible(i, j, lq, lk))
          return op.emitError()
                 << opName << " has pattern " << current << ", which hides ("
                 << i << ", " << j << ") that " << pattern
                 << " would show; select other ops with 'ops='";
  }
  rewriter.modifyOpInPlace(op, [&] {
    if (pattern.isDense())
      op.removePatternAttr();
    else
      op.setPatternAttr(pattern);
  });
  return success();
}

namespace {

struct AttnSparsifyPass
    : mlir::attn::impl::AttnSparsifyPassBase<AttnSparsifyPass> {
  using Base::Base;
  ATTN_PASS_OPTION_ERRORS

  InFlightDiagnostic optionError() {
    return mlir::emitError(getOperation().getLoc()) << "attn-sparsify: ";
  }

  LogicalResult fail(const Twine &message) {
    optionError() << message;
    return failure();
  }

  /// The per-kind options, for the shorthand and to refuse them next to an
  /// attribute.
  SmallVector<std::pair<StringRef, bool>> kindOptions() {
    return {{"grid", !grid.empty()},         {"kernel", !kernel.empty()},
            {"dilation", !dilation.empty()}, {"stride", !stride.empty()},
            {"causal", !causal.empty()},     {"left", left != -1},
            {"right", right != 0},           {"sinks", sinks != 0},
            {"block", !block.empty()},       {"layout", !layout.empty()}};
  }

  /// pattern=#attn...: parsed, verified through the pattern interface; the
  /// per-kind options are refused, the attribute gives every parameter.
  FailureOr<PatternAttrInterface> parsePatternAttribute() {
    std::string error;
    FailureOr<Attribute> attr =
        parseAttributeOption(&getContext(), patternKind, "pattern", error);
    if (failed(attr))
      return fail(error);
    auto pattern = dyn_cast<PatternAttrInterface>(*attr);
    if (!pattern)
      return fail(llvm::formatv("option 'pattern': {0} is not a pattern "
                                "attribute (PatternAttrInterface)",
                                *attr)
                      .str());
    for (auto [name, set] : kindOptions())
      if (set)
        return fail(llvm::formatv("option '{0}' does not apply to "
                                  "pattern={1}: the attribute gives every "
                                  "parameter",
                                  name, pattern)
                        .str());
    return pattern;
  }

  //===--------------------------------------------------------------------===//
  // Shorthand: pattern=<kind> with per-kind options. The only code that
  // switches on the kind; it builds the attribute that the rest handles.
  //===--------------------------------------------------------------------===//

  /// The block-sparse layout read from 'layout'.
  DenseIntElementsAttr layoutBits;

  /// Checks the shorthand options (and reads the block-sparse layout).
  LogicalResult checkShorthand() {
    if (patternKind.empty())
      return fail("'pattern' is required: one of causal, window, "
                  "neighborhood, block-sparse, or a pattern attribute such "
                  "as #attn.window<left = 4>");
    if (patternKind != "causal" && patternKind != "window" &&
        patternKind != "neighborhood" && patternKind != "block-sparse" &&
        patternKind != "dense")
      return fail("unknown pattern '" + patternKind +
                  "', expected one of causal, window, neighborhood, "
                  "block-sparse, dense, or a pattern attribute such as "
                  "#attn.window<left = 4>");
    bool isNbhd = patternKind == "neighborhood",
         isWindow = patternKind == "window",
         isBlock = patternKind == "block-sparse";
    auto applies = [&](StringRef option) {
      if (isNbhd)
        return option == "grid" || option == "kernel" || option == "dilation" ||
               option == "stride" || option == "causal";
      if (isWindow)
        return option == "left" || option == "right" || option == "sinks";
      return isBlock && (option == "block" || option == "layout");
    };
    for (auto [name, set] : kindOptions())
      if (set && !applies(name))
        return fail("option '" + name +
                    "' does not apply to pattern=" + patternKind);
    if (isWindow) {
      if (left < 0)
        return fail("pattern=window needs 'left' >= 0");
      if (right < 0 || sinks < 0)
        return fail("'right' and 'sinks' must be non-negative");
    }
    if (isNbhd) {
      size_t rank = kernel.size();
      if (rank < 1 || rank > 3)
        return fail("pattern=neighborhood needs 'kernel' with 1 to 3 "
                    "entries, got " +
                    Twine(rank));
      // Empty lists take their defaults.
      if (failed(NeighborhoodAttr::verifyListLengths(
              [&] { return optionError(); }, "kernel", rank, {"grid", grid},
              dilation, stride, causal, /*emptyIsDefault=*/true)))
        return failure();
      if (grid.empty() && rank != 1)
        return fail("pattern=neighborhood with a " + Twine(rank) +
                    "-D kernel needs 'grid'");
    }
    if (isBlock) {
      if (layout.empty())
        return fail("pattern=block-sparse needs 'layout' (a 2-D .npy file)");
      if (!block.empty() && block.size() != 2)
        return fail("'block' must be 'bq,bk', got " + Twine(block.size()) +
                    " entries");
      FailureOr<DenseIntElementsAttr> loaded = loadLayout();
      if (failed(loaded))
        return failure();
      layoutBits = *loaded;
    }
    return success();
  }

  /// The layout file as a 2-D i1 attribute.
  FailureOr<DenseIntElementsAttr> loadLayout() {
    llvm::Expected<::attn::npy::Array> array = ::attn::npy::readFile(
        layout.getValue(), ::attn::npy::kMaxOptionFileBytes);
    if (!array)
      return fail("cannot read 'layout': " + toString(array.takeError()));
    if (array->shape.size() != 2)
      return fail("'layout' " + layout + " must be 2-D, got " +
                  Twine(array->shape.size()) + " dimensions");
    using ::attn::npy::DType;
    SmallVector<bool> bits;
    unsigned size = ::attn::npy::elementSize(array->dtype);
    for (int64_t e = 0, n = array->numElements(); e < n; ++e) {
      const char *p = array->data.data() + e * size;
      bool bit;
      switch (array->dtype) {
      case DType::Bool:
      case DType::I8:
      case DType::U8:
        bit = *p != 0;
        break;
      case DType::I32: {
        int32_t v;
        std::memcpy(&v, p, 4);
        bit = v != 0;
        break;
      }
      case DType::I64: {
        int64_t v;
        std::memcpy(&v, p, 8);
        bit = v != 0;
        break;
      }
      default:
        return fail("'layout' " + layout +
                    " must hold booleans or integers, got " +
                    ::attn::npy::descr(array->dtype));
      }
      bits.push_back(bit);
    }
    auto type =
        RankedTensorType::get(array->shape, IntegerType::get(&getContext(), 1));
    return DenseIntElementsAttr::get(type, bits);
  }

  /// The pattern the shorthand describes for `op` (a 1-D neighborhood
  /// without 'grid' spans the op's key length).
  FailureOr<PatternAttrInterface> patternFromShorthand(AttentionOp op,
                                                       StringRef opName) {
    DenseIntElementsAttr blocks = layoutBits;
    MLIRContext *ctx = &getContext();
    if (patternKind == "dense")
      return PatternAttrInterface(DenseAttr::get(ctx));
    if (patternKind == "causal")
      return PatternAttrInterface(CausalAttr::get(ctx));
    if (patternKind == "window")
      return PatternAttrInterface(WindowAttr::get(ctx, left, right, sinks));
    if (patternKind == "block-sparse") {
      int64_t bq = block.empty() ? 64 : block[0];
      int64_t bk = block.empty() ? 64 : block[1];
      auto diag = [&]() { return op.emitError() << opName << ": "; };
      if (failed(BlockSparseAttr::verify(diag, bq, bk, blocks)))
        return failure();
      return PatternAttrInterface(BlockSparseAttr::get(ctx, bq, bk, blocks));
    }
    size_t rank = kernel.size();
    SmallVector<int64_t> shape(grid.begin(), grid.end());
    if (shape.empty()) {
      int64_t lk = op.getKey().getType().getDimSize(2);
      if (ShapedType::isDynamic(lk))
        return op.emitError()
               << opName << " has a dynamic key length; give 'grid'";
      shape.push_back(lk);
    }
    SmallVector<int64_t> dil(dilation.begin(), dilation.end()),
        str(stride.begin(), stride.end()), cau(causal.begin(), causal.end());
    dil.resize(rank, 1);
    str.resize(rank, 1);
    cau.resize(rank, 0);
    auto diag = [&]() { return op.emitError() << opName << ": "; };
    if (failed(NeighborhoodAttr::verify(diag, shape, kernel, dil, str, cau)))
      return failure();
    return PatternAttrInterface(
        NeighborhoodAttr::get(ctx, shape, kernel, dil, str, cau));
  }

  void runOnOperation() override {
    // The pattern itself, or (shorthand) what builds it per op.
    PatternAttrInterface fixed;
    if (isAttributeOption(patternKind)) {
      FailureOr<PatternAttrInterface> parsed = parsePatternAttribute();
      if (failed(parsed))
        return signalPassFailure();
      fixed = *parsed;
    } else if (failed(checkShorthand())) {
      return signalPassFailure();
    }
    std::string error;
    std::optional<IndexSelection> selection;
    if (failed(IndexSelection::parseOptional(ops, "ops", selection, error))) {
      (void)fail(error);
      return signalPassFailure();
    }
    FailureOr<SmallVector<SelectedAttentionOp>> selected =
        selectAttentionOps(getOperation(), selection, error);
    if (failed(selected)) {
      (void)fail(error);
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    if (failed(rewriteSelectedAttentionOps(
            *selected,
            [&](const SelectedAttentionOp &entry, size_t) -> LogicalResult {
              std::string opName =
                  "attn.attention #" + std::to_string(entry.index);
              FailureOr<PatternAttrInterface> pattern =
                  fixed ? FailureOr<PatternAttrInterface>(fixed)
                        : patternFromShorthand(entry.op, opName);
              if (failed(pattern))
                return failure();
              return imposePattern(rewriter, entry.op, *pattern, opName);
            },
            [&] {
              ++numChanged;
              ::attn::stats::add(getArgument(), "ops-changed", 1);
            })))
      signalPassFailure();
  }
};

} // namespace
