//===- AttnToCPU.h - Fused CPU kernels for attn.attention -------*- C++ -*-===//

#ifndef ATTN_CONVERSION_ATTNTOCPU_ATTNTOCPU_H
#define ATTN_CONVERSION_ATTNTOCPU_ATTNTOCPU_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>

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
  /// Why the op was not lowered, when lowerAttentionToCPU fails.
  std::string notLowered;
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

} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_ATTNTOCPU_ATTNTOCPU_H
