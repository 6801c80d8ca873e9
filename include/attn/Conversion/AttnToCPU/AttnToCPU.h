//===- AttnToCPU.h - Fused CPU kernels for attn.attention -------*- C++ -*-===//

#ifndef ATTN_CONVERSION_ATTNTOCPU_ATTNTOCPU_H
#define ATTN_CONVERSION_ATTNTOCPU_ATTNTOCPU_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>
#include <utility>

namespace mlir {
class RewriterBase;
class SymbolTable;

namespace attn {
class AttentionOp;
class TokenMergeOp;
class TokenUnmergeOp;

/// Tile sizes and code generation choices of the fused CPU kernel.
struct CPUKernelOptions {
  /// 0: chosen per op by the estimated cost of its tile plan.
  int64_t tileQ = 0;
  int64_t tileK = 0;
  /// Must be positive here (the pass resolves 0 to the host's width).
  int64_t vectorWidth = 8;
  bool fastMath = true;
  int64_t maxTableBytes = int64_t(1) << 28;
};

/// What one lowering did, for statistics.
struct CPUKernelReport {
  int64_t skippedTiles = 0;
  int64_t partialTiles = 0;
  int64_t fullTiles = 0;
};

/// Whether `op` can become a fused kernel; `reason` says why not.
bool canLowerAttentionToCPU(AttentionOp op, const CPUKernelOptions &options,
                            std::string &reason);

/// Replaces `op` (on tensors) by a fused kernel on buffers wrapped in
/// `bufferization.to_buffer` / `to_tensor`. Tile tables become private
/// `memref.global`s inserted into `symbols`. Fails, leaving `op` untouched,
/// when `canLowerAttentionToCPU` is false.
LogicalResult lowerAttentionToCPU(RewriterBase &rewriter, AttentionOp op,
                                  const CPUKernelOptions &options,
                                  SymbolTable &symbols,
                                  CPUKernelReport *report = nullptr);

/// Replaces `op` (on tensors, static shapes) by loops on buffers that never
/// materialise more than the `|A| x |B|` similarity (bipartite) or `N x N`
/// similarity (complete graph) of one batch row, wrapped in
/// `bufferization.to_buffer` / `to_tensor`. Fails, leaving `op` untouched,
/// with `reason` set, when it cannot.
LogicalResult lowerTokenMergeToCPU(RewriterBase &rewriter, TokenMergeOp op,
                                   std::string &reason);
/// The same for `attn.token_unmerge` (a gather of rows).
LogicalResult lowerTokenUnmergeToCPU(RewriterBase &rewriter, TokenUnmergeOp op,
                                     std::string &reason);

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

/// The block-shared scratch buffers `emitTokenMergeBlock` needs, as
/// (elements, element type), in the order it takes them.
SmallVector<std::pair<int64_t, Type>>
tokenMergeBlockScratch(const TokenMergeLoops &loops);

/// The same merge of batch row `bi` as `emitTokenMergeRow`, bit for bit,
/// by a block of `threads` threads with ids `tid` (GPU): `scratch` holds the
/// buffers of `tokenMergeBlockScratch`, shared by the block, and `barrier`
/// emits a block-wide barrier between phases.
void emitTokenMergeBlock(OpBuilder &b, Location loc,
                         const TokenMergeLoops &loops, Value bi, Value tid,
                         int64_t threads, ValueRange scratch,
                         function_ref<void()> barrier,
                         const TokenMergeBuffers &buffers);

/// Bytes of scratch `emitTokenMergeRow` allocates for one row, and the
/// total up to which it allocates all of it on the stack.
int64_t tokenMergeScratchBytes(const TokenMergeLoops &loops);
int64_t tokenMergeMaxStackBytes();

/// The same for `attn.token_unmerge`: the gather of token `t` of row `bi`.
struct TokenUnmergeLoops {
  int64_t batch = 0, m = 0, c = 0, n = 0;
  TypedAttr zero;
  RankedTensorType resultType;
};
FailureOr<TokenUnmergeLoops> analyzeTokenUnmerge(TokenUnmergeOp op,
                                                 std::string &reason);
/// With `firstChannel`, only channels firstChannel, firstChannel +
/// channelStep, ... (threads of a block sharing the row on the GPU).
void emitTokenUnmergeRow(OpBuilder &b, Location loc,
                         const TokenUnmergeLoops &loops, Value bi, Value t,
                         Value merged, Value source, Value out,
                         Value firstChannel = Value(), int64_t channelStep = 1);

} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_ATTNTOCPU_ATTNTOCPU_H
