//===- AttnToCPU.h - Fused CPU kernels for attn.attention -------*- C++ -*-===//

#ifndef ATTN_CONVERSION_ATTNTOCPU_ATTNTOCPU_H
#define ATTN_CONVERSION_ATTNTOCPU_ATTNTOCPU_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
class RewriterBase;
class SymbolTable;

namespace attn {
class AttentionOp;
class TokenMergeOp;
class TokenUnmergeOp;

/// The instruction sets the fused CPU kernels target.
enum class CPUISA {
  Generic,    ///< portable vector ops (width from `vector-width`, else 4)
  AVX2,       ///< 8 f32 lanes, 16 vector registers
  AVX512,     ///< 16 f32 lanes, 32 vector registers
  AVX512BF16, ///< AVX-512 with bf16 dot products (`vdpbf16ps`)
};

/// `generic`, `avx2`, `avx512`, `avx512-bf16`; std::nullopt for other names.
std::optional<CPUISA> parseCPUISA(llvm::StringRef name);
llvm::StringRef stringifyCPUISA(CPUISA isa);
/// The best of the above that the machine running the compiler has (what
/// attn-run's JIT targets), from llvm::sys::getHostCPUFeatures.
CPUISA hostCPUISA();
/// f32 lanes of one vector register of `isa` (4 for generic).
int64_t vectorWidthOf(CPUISA isa);

/// Tile sizes and code generation choices of the fused CPU kernel.
struct CPUKernelOptions {
  /// 0: chosen per op by the estimated cost of its tile plan.
  int64_t tileQ = 0;
  int64_t tileK = 0;
  /// Must be positive here (the pass resolves 0 to the host's width).
  int64_t vectorWidth = 8;
  /// bf16 operands use AVX512-BF16 dot products (`x86vector.avx512.dot`)
  /// for both products instead of widening to f32.
  bool bf16Dot = false;
  bool fastMath = true;
  /// Threads the kernels are planned for (split-K when there are fewer
  /// (batch, head, query tile) items); 0 = the compiling machine's.
  int64_t threads = 0;
  int64_t maxTableBytes = int64_t(1) << 28;
  /// Ops whose pattern is a stencil (PatternAttrInterface::getStencil: every
  /// row sees fixed offsets from its own base, as non-causal neighborhoods
  /// do) get the stencil kernel when the tile sizes are automatic.
  bool stencil = true;
};

/// What one lowering did, for statistics.
struct CPUKernelReport {
  int64_t skippedTiles = 0;
  int64_t partialTiles = 0;
  int64_t fullTiles = 0;
  /// Lowered to the stencil kernel.
  bool stencil = false;
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
