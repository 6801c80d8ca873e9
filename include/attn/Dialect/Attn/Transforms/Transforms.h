//===- Transforms.h - attn rewrites for reuse in pipelines ------*- C++ -*-===//
//
// The rewrites behind the attn passes, as functions and pattern sets that
// other compilers can call from their own pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_TRANSFORMS_H
#define ATTN_DIALECT_ATTN_TRANSFORMS_TRANSFORMS_H

#include "attn/Analysis/PatternInference.h"
#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::linalg {
class GenericOp;
} // namespace mlir::linalg

namespace mlir::attn {

/// A float scalar known at compile time that the body of `g` uses: an
/// arith.constant in or outside the body, a block argument fed by a splat
/// constant or by a tensor filled with one (linalg.fill, or a generic that
/// yields its one input), or any of those through arith.truncf / arith.extf
/// (rounded to the truncated type).
std::optional<double> getScalarConstant(linalg::GenericOp g, Value v);

/// Whether `map` (over `rank` loops) reads `operand` the way numpy
/// broadcasts: result r of k reads loop rank - k + r, or the constant 0 on a
/// size-1 dimension.
bool isBroadcastRead(AffineMap map, unsigned rank, Value operand);

/// Inclusive index ranges written as "0-3,8" (ops=, heads=, columns=).
struct IndexSelection {
  SmallVector<std::pair<int64_t, int64_t>> ranges;

  bool contains(int64_t index) const;
  /// Largest selected index (-1 when empty).
  int64_t getMax() const;
  /// Parses `text`; on failure `error` names `option` and the bad entry.
  static FailureOr<IndexSelection> parse(StringRef text, StringRef option,
                                         std::string &error);
  /// Parses `text` into `selection` unless it is empty (an option left out:
  /// `selection` is not touched); on failure as parse().
  static LogicalResult parseOptional(StringRef text, StringRef option,
                                     std::optional<IndexSelection> &selection,
                                     std::string &error);
};

/// An attn.attention op and its index among all of them in walk order (what
/// ops= counts).
struct SelectedAttentionOp {
  int64_t index;
  AttentionOp op;
};

/// The attn.attention ops under `root` that `selection` (ops=) picks, all of
/// them without one, in walk order. Fails, with `error` set, when the
/// selection names an index past the last op.
FailureOr<SmallVector<SelectedAttentionOp>>
selectAttentionOps(Operation *root,
                   const std::optional<IndexSelection> &selection,
                   std::string &error);

/// Calls `rewrite` on each of `ops` with its ordinal among them. A call that
/// fails has reported its own error, and the remaining ops are still tried;
/// `onChanged` runs after each call that succeeds. Fails when any call did.
LogicalResult rewriteSelectedAttentionOps(
    ArrayRef<SelectedAttentionOp> ops,
    function_ref<LogicalResult(const SelectedAttentionOp &, size_t ordinal)>
        rewrite,
    function_ref<void()> onChanged);

/// Whether the value of a pass option is an attribute (`#attn.window<...>`,
/// possibly in the quotes or braces that protect its spaces) rather than a
/// shorthand word.
bool isAttributeOption(StringRef text);

/// Parses the value of pass option `option` as an attribute in `context`
/// (outer quotes or braces dropped; the whole text must be one attribute).
/// On failure `error` names the option, the text and the parser's message.
FailureOr<Attribute> parseAttributeOption(MLIRContext *context, StringRef text,
                                          StringRef option, std::string &error);

//===----------------------------------------------------------------------===//
// --attn-infer-pattern
//===----------------------------------------------------------------------===//

struct InferPatternOptions {
  PatternInferenceOptions inference;
  /// Largest B x H x Lq x Lk extent of a mask or bias that is evaluated.
  int64_t maxEntries = int64_t(64) << 20;
};

struct InferPatternResult {
  enum Kind {
    /// The pattern equals the visibility; mask (and a bias that adds 0 at
    /// visible pairs) dropped.
    Exact,
    /// A tighter pattern encloses the visibility; mask and bias kept.
    Enclosing,
    /// Left alone: the mask exceeds the evaluation limit (a remark says so).
    TooLarge
  } kind = Exact;
  PatternAttrInterface pattern;
};

/// Infers the pattern of one op (see the pass description). Fails, leaving
/// the op untouched, when there is nothing to infer or improve.
FailureOr<InferPatternResult>
inferPatternForOp(RewriterBase &rewriter, AttentionOp op,
                  const InferPatternOptions &options);

/// The same rewrite as a pattern (dead mask computations are left to the
/// driver's dead-code elimination).
void populateAttnInferPatternPatterns(RewritePatternSet &patterns,
                                      const InferPatternOptions &options);

//===----------------------------------------------------------------------===//
// --attn-sparsify
//===----------------------------------------------------------------------===//

/// Sets `pattern` on `op` after checking that it fits the op's shape and
/// shows no pair that the op's current pattern hides; on refusal emits an
/// error on the op (prefixed with `opName`) and fails.
LogicalResult imposePattern(RewriterBase &rewriter, AttentionOp op,
                            PatternAttrInterface pattern, StringRef opName);

//===----------------------------------------------------------------------===//
// --attn-materialize-pattern
//===----------------------------------------------------------------------===//

/// Lifts position-only masks out of `op`'s score_mod region: while the
/// region yields select(c, x, -inf) (or select(c, -inf, x)) with a condition
/// that does not read the logit, c becomes (part of) the mask operand, built
/// by a linalg.generic over the indices it reads (at most `maxEntries`
/// entries; a remark otherwise), and the region yields x. A region left
/// yielding its logit is removed. Succeeds when it changed `op`.
LogicalResult liftScoreModMasks(RewriterBase &rewriter, AttentionOp op,
                                int64_t maxEntries);

/// Lifts the known forms a score_mod region applies first to its logit s:
/// `c * tanh(s / c)` becomes `softcap = c` and a constant factor joins
/// `scale` (both only while the op has no softcap and no bias, which the
/// region's input would include), and `s + t` with t computed from the
/// indices and captured values becomes the bias operand (while the op has
/// none; at most `maxEntries` entries, a remark otherwise). Repeats while
/// one applies. Succeeds when it changed `op`.
LogicalResult liftScoreModPrologue(RewriterBase &rewriter, AttentionOp op,
                                   int64_t maxEntries);

/// `shape` (a mask shape right-aligned against B x Hq x Lq x Lk) widened
/// to keep `op`'s existing mask: leading 1s are added up to its rank, and a
/// size-1 dimension takes the existing mask's size.
SmallVector<int64_t> maskShapeWithExisting(AttentionOp op,
                                           ArrayRef<int64_t> shape);

/// A linalg.generic over `shape` (all loops parallel) yielding
/// `visible(b, loc, args)` AND `op`'s existing mask, read broadcast; `args`
/// are the block arguments of `inputs`, read through `maps`. How the mask
/// passes build a new i1 mask operand for `op`.
Value buildMaskGeneric(
    OpBuilder &b, Location loc, AttentionOp op, ArrayRef<int64_t> shape,
    ValueRange inputs, ArrayRef<AffineMap> maps,
    function_ref<Value(OpBuilder &, Location, ValueRange)> visible);

enum class MaskForm { Constant, Index };

/// Replaces a non-dense pattern by an explicit i1 mask (see the pass). A
/// constant mask of more than `maxConstantEntries` entries is not built: the
/// op is left as it is, with a remark.
LogicalResult materializePattern(RewriterBase &rewriter, AttentionOp op,
                                 MaskForm form,
                                 int64_t maxConstantEntries = int64_t(1) << 26);

} // namespace mlir::attn

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_TRANSFORMS_H
