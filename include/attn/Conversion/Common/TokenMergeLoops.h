//===- TokenMergeLoops.h - Loops of attn.token_merge / unmerge --*- C++ -*-===//
//
// The loops that the CPU and GPU lowerings of attn.token_merge and
// attn.token_unmerge share: the checks of an op, its buffers, the merge of
// one batch row by one thread (CPU: one parallel iteration; GPU: one thread)
// and the ranking helpers the GPU's block-parallel merge reuses.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_COMMON_TOKENMERGELOOPS_H
#define ATTN_CONVERSION_COMMON_TOKENMERGELOOPS_H

#include "attn/Conversion/Common/KernelEmitter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>
#include <utility>

namespace mlir {
class RewriterBase;

namespace attn {
class TokenMergeOp;
class TokenUnmergeOp;

/// Calls `lower` on every `attn.token_merge` / `attn.token_unmerge` of
/// `root`; an op it refuses keeps a `remark: left for the reference
/// lowering: <reason>`. Returns the number lowered and the number left.
std::pair<int64_t, int64_t> lowerTokenMergeOps(
    Operation *root,
    function_ref<LogicalResult(Operation *, std::string &)> lower);

/// What the loops of one `attn.token_merge` need, once its operands are
/// checked (static float tensors of agreeing shapes, a valid r).
struct TokenMergeLoops {
  int64_t batch = 0, n = 0, c = 0, cm = 0, r = 0;
  bool protect = false, bipartite = true;
  /// f32, or f64 when an operand is wider.
  Type acc;
  RankedTensorType mergedType, mergedSizeType, sourceType;
};
FailureOr<TokenMergeLoops> analyzeTokenMerge(TokenMergeOp op,
                                             std::string &reason);

/// The buffers one `attn.token_merge` is lowered on: its operands (`size`
/// null without one) and its three results.
struct TokenMergeBuffers {
  Value tokens, metric, size, merged, mergedSize, source;

  /// Read-only buffers of the operands of `op` and fresh ones for its
  /// results, at `b`'s insertion point.
  static TokenMergeBuffers create(OpBuilder &b, TokenMergeOp op,
                                  const TokenMergeLoops &loops);
  /// The host buffers in kernel-argument order (tokens, metric, [size],
  /// merged, mergedSize, source), and the same from a kernel's arguments.
  SmallVector<Value> list() const;
  static TokenMergeBuffers fromList(ValueRange values, bool hasSize);
  /// Replaces `op` by tensors of the result buffers.
  void replace(RewriterBase &rewriter, TokenMergeOp op,
               const TokenMergeLoops &loops) const;
};

/// Emits, at `b`'s insertion point, the whole merge of batch row `bi` on
/// `buffers`; scratch is allocated in place (stack, or heap past 256 KiB per
/// op). Used by the CPU loops (one parallel iteration per row) and by the
/// GPU kernel (one thread per row).
void emitTokenMergeRow(OpBuilder &b, Location loc, const TokenMergeLoops &loops,
                       Value bi, const TokenMergeBuffers &buffers);

/// Bytes of scratch `emitTokenMergeRow` allocates for one row, and the
/// total up to which it allocates all of it on the stack.
int64_t tokenMergeScratchBytes(const TokenMergeLoops &loops);
int64_t tokenMergeMaxStackBytes();

/// The merge of one batch row as `emitTokenMergeRow` emits it, phase by
/// phase, and the ranking helpers that a parallel merge of the same row
/// reuses so that its results are bit for bit the same. Everything follows
/// the naive reference and SPEC section 5: ties go to the lower index.
struct TokenMergeRow {
  KernelEmitter &e;
  Value bi;                         // batch index
  Value tokens, metric, size;       // input buffers (size optional)
  Value merged, mergedSize, source; // result buffers
  int64_t n, c, cm, r;
  bool protect;
  Type acc;               // accumulation type (f32 or f64)
  int64_t stackBytes = 0; // scratch allocated on the stack so far
  Value unit;             // N x Cm normalised metric rows

  TokenMergeRow(KernelEmitter &e, const TokenMergeLoops &loops, Value bi,
                const TokenMergeBuffers &buffers);

  /// A scratch buffer of one row: on the stack while the op's running total
  /// stays within tokenMergeMaxStackBytes, on the heap beyond.
  Value scratch(ArrayRef<int64_t> shape, Type elt);

  // Phases of the sequential merge.
  void normalise();
  void bipartite();
  void completeGraph();
  void average();

  /// unit[i] . unit[j], summed in channel order.
  Value dot(Value i, Value j);

  using Similarity = function_ref<Value(Value, Value)>;
  /// Whether entry x of `best` (count entries) ranks among the first r when
  /// sorted by value, descending, ties by lower index.
  Value ranksBeforeR(Value best, int64_t count, Value x);
  /// Whether token t is the protected first token.
  Value isProtected(Value t);
  /// Whether token (or A entry) t is among the r merged away: it ranks
  /// before r in `best` and is not the protected first token.
  Value isMergedAway(Value best, int64_t count, Value t);
  /// A token ta's best B partner: {similarity, first argmax among the B
  /// tokens (their index in B)}.
  SmallVector<Value> bestPartner(Value ta, Similarity similarity);
  /// The survivor a complete-graph source t merges into: the most similar
  /// token that is neither a source nor protected, the first one on ties.
  Value mostSimilarSurvivor(Value t, function_ref<Value(Value)> isSource,
                            Similarity similarity);
};

/// Emits the phases of a merge body (TokenMergeRow, or a parallel one with
/// the same phases).
template <typename Body>
void runTokenMergePhases(Body &body, const TokenMergeLoops &loops) {
  body.normalise();
  if (loops.bipartite)
    body.bipartite();
  else
    body.completeGraph();
  body.average();
}

/// The same for `attn.token_unmerge`: the gather of token `t` of row `bi`.
struct TokenUnmergeLoops {
  int64_t batch = 0, m = 0, c = 0, n = 0;
  TypedAttr zero;
  RankedTensorType resultType;
};
FailureOr<TokenUnmergeLoops> analyzeTokenUnmerge(TokenUnmergeOp op,
                                                 std::string &reason);

/// The buffers one `attn.token_unmerge` is lowered on, in kernel-argument
/// order: its operands and its result.
struct TokenUnmergeBuffers {
  Value merged, source, out;

  /// Read-only buffers of the operands of `op` and a fresh one for its
  /// result, at `b`'s insertion point.
  static TokenUnmergeBuffers create(OpBuilder &b, TokenUnmergeOp op,
                                    const TokenUnmergeLoops &loops);
  SmallVector<Value> list() const { return {merged, source, out}; }
  /// Replaces `op` by a tensor of the result buffer.
  void replace(RewriterBase &rewriter, TokenUnmergeOp op,
               const TokenUnmergeLoops &loops) const;
};

/// Creates the buffers of `op` (a token merge or unmerge whose `loops` were
/// analysed) right before it, lets `emit` build the loops or the kernel
/// launch on them at that point, and replaces `op` by its result buffers.
template <typename Buffers, typename OpT, typename Loops>
void lowerOnBuffers(RewriterBase &rewriter, OpT op, const Loops &loops,
                    function_ref<void(Location, const Buffers &)> emit) {
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  Buffers buffers = Buffers::create(rewriter, op, loops);
  emit(op.getLoc(), buffers);
  buffers.replace(rewriter, op, loops);
}

/// Emits the gather of token `t` of batch row `bi` on `buffers`. With
/// `firstChannel`, only channels firstChannel, firstChannel + channelStep,
/// ... (threads of a block sharing the row on the GPU).
void emitTokenUnmergeRow(OpBuilder &b, Location loc,
                         const TokenUnmergeLoops &loops, Value bi, Value t,
                         const TokenUnmergeBuffers &buffers,
                         Value firstChannel = Value(), int64_t channelStep = 1);

} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_COMMON_TOKENMERGELOOPS_H
