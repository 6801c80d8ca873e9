//===- AttnToGPU.h - Fused GPU kernels for attn.attention -------*- C++ -*-===//

#ifndef ATTN_CONVERSION_ATTNTOGPU_ATTNTOGPU_H
#define ATTN_CONVERSION_ATTNTOGPU_ATTNTOGPU_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace mlir {
class RewriterBase;
class SymbolTable;

namespace gpu {
class GPUFuncOp;
} // namespace gpu

namespace attn {
class AttentionOp;
class TokenMergeOp;
class TokenUnmergeOp;

/// Tile sizes and target facts of the fused GPU kernels.
struct GPUKernelOptions {
  /// Query rows per thread block, a multiple of 32. The f32 SIMT kernel
  /// runs one thread per row (the block size, at most 1024); the
  /// tensor-core kernel one warp per 16 rows.
  int64_t tileQ = 64;
  /// Keys per shared-memory stage; lowered per op until the K and V stages
  /// fit `sharedMemoryBytes` (rounded to a multiple of 16 for tensor cores).
  int64_t tileK = 32;
  /// Use the tensor-core kernel (mma.sync.m16n8k16, f32 accumulation) for
  /// ops whose Q, K and V are all f16 or all bf16 when the chip has it.
  bool tensorCores = true;
  /// The chip's compute capability times ten (sm_80 -> 80).
  int64_t chipVersion = 80;
  /// The chip names its architecture-specific feature set (sm_90a), which
  /// wgmma needs.
  bool chipArchSpecific = false;
  /// Compute S = Q K^T of the tensor-core kernel with wgmma.mma_async (one
  /// warpgroup per 64 query rows, Q and K read from shared memory through
  /// matrix descriptors) where the op permits; needs chip sm_90a.
  bool wgmma = false;
  /// Shared memory a block's stages may use. Up to 48 KiB (kStaticSharedBytes)
  /// they are static shared memory; beyond, dynamic shared memory, which
  /// every chip since sm_70 gives up to its per-block limit
  /// (maxSharedMemoryPerBlock) once the kernel opts in.
  int64_t sharedMemoryBytes = 48 * 1024;
  int64_t maxTableBytes = int64_t(1) << 28;
  /// The per-thread loops over D, Dv and the staged keys are unrolled when
  /// D + Dv + tile-k is at most this many floats, so that the thread's query
  /// row, accumulator and score row become registers (constant indices let
  /// LLVM's SROA promote the private arrays); larger ones stay loops over
  /// local memory. 0 never unrolls.
  int64_t maxUnrolledFloats = 192;
};

/// Static shared memory a thread block may use on every NVIDIA chip; the
/// kernels' stages move to dynamic shared memory beyond it.
constexpr int64_t kStaticSharedBytes = 48 * 1024;

/// The most shared memory (static and dynamic together) one thread block may
/// use on the chip of compute capability `chipVersion` / 10 after opting in,
/// per the CUDA C++ Programming Guide's table of technical specifications:
/// 96 KiB on sm_70 and sm_72, 64 KiB on sm_75, 163 KiB on sm_80 and sm_87,
/// 99 KiB on sm_86, sm_89 and sm_12x, 227 KiB on sm_90 and sm_10x, 48 KiB on
/// the chips before sm_70 and on any chip the table does not list.
int64_t maxSharedMemoryPerBlock(int64_t chipVersion);

/// Attributes of the private launcher declarations that
/// `--convert-attn-to-gpu` creates and `--attn-gpu-stage-buffers` (or
/// attn-run's GPU simulator) turns into launches: the kernel, the grid and
/// the block, and the bytes of dynamic shared memory the kernel needs (absent
/// when it needs none). A launcher takes the kernel's arguments (memrefs with
/// the identity layout, whose dynamic sizes the launch keeps), followed by one
/// `index` for each grid dimension that kLaunchGridAttr marks dynamic
/// (ShapedType::kDynamic), in order x, y, z: sizes known only at run time.
constexpr llvm::StringLiteral kLaunchKernelAttr = "attn.gpu.kernel";
constexpr llvm::StringLiteral kLaunchGridAttr = "attn.gpu.grid";
constexpr llvm::StringLiteral kLaunchBlockAttr = "attn.gpu.block";
constexpr llvm::StringLiteral kLaunchDynamicSharedAttr =
    "attn.gpu.dynamic_shared_memory";
/// The kernel kind a `gpu.func` of `--convert-attn-to-gpu` carries
/// (`mma.m16n8k16.f16`, `wgmma.m64n32k16.bf16`, `simt.f32`, `block`, ...).
constexpr llvm::StringLiteral kKernelPathAttr = "attn.gpu.path";

/// What one lowering did, for statistics.
struct GPUKernelReport {
  int64_t skippedTiles = 0;
  int64_t partialTiles = 0;
  int64_t fullTiles = 0;
  int64_t tileK = 0;
  bool unrolled = false;
  bool tensorCores = false;
  bool wgmma = false;
  /// Why the kernel does not use wgmma, when asked to and it does not.
  std::string notWgmma;
};

/// Whether `op`, which `canLowerAttentionToGPU` accepts, gets the
/// tensor-core kernel rather than the f32 SIMT one; `reason` says why not.
bool canUseTensorCores(AttentionOp op, const GPUKernelOptions &options,
                       std::string &reason);

/// Whether `op`, which `canUseTensorCores` accepts, computes its scores with
/// wgmma.mma_async (options.wgmma on sm_90a, the Q, K and V stages within
/// the shared memory budget); `reason` says why not.
bool canUseWgmma(AttentionOp op, const GPUKernelOptions &options,
                 std::string &reason);

/// Whether `op` can become a fused GPU kernel; `reason` says why not.
bool canLowerAttentionToGPU(AttentionOp op, const GPUKernelOptions &options,
                            std::string &reason);

/// Replaces `op` (on tensors) by a kernel (`gpu.func` in the
/// `gpu.module @__attn_gpu` of the module, created on first use) and a call,
/// on buffers wrapped in `bufferization.to_buffer` / `to_tensor`, to a
/// private launcher declaration that `--attn-gpu-stage-buffers` defines
/// later. Tile tables become private `memref.global`s. Every new symbol is
/// inserted into `symbols` (the module's table). Fails, leaving `op`
/// untouched and `reason` set, when it cannot.
LogicalResult lowerAttentionToGPU(RewriterBase &rewriter, AttentionOp op,
                                  const GPUKernelOptions &options,
                                  SymbolTable &symbols, std::string &reason,
                                  GPUKernelReport *report = nullptr);

/// How a kernel uses one of its memref arguments: whether it reads it (the
/// host contents must be copied to the device before the launch) and
/// whether it writes it (copied back after). From the users' memory
/// effects; a user without them counts as both.
struct KernelArgumentUse {
  bool reads = false, writes = false;
};
SmallVector<KernelArgumentUse> getKernelArgumentUses(gpu::GPUFuncOp kernel);

/// Replaces `attn.token_merge` (static shapes) by a kernel with a block of
/// 128 threads per batch row (`emitTokenMergeBlock`, scratch in shared
/// memory; dynamic beyond 48 KiB) when its scratch fits in
/// `sharedMemoryBytes`, else one thread per batch row (`emitTokenMergeRow`,
/// scratch on the thread's stack, at most 256 KiB);
/// `attn.token_unmerge` by a kernel of one block per (batch row, token),
/// threads over the channels; launched like the attention kernels.
/// Fails, leaving the op untouched, with `reason` set.
LogicalResult
lowerTokenMergeToGPU(RewriterBase &rewriter, TokenMergeOp op,
                     SymbolTable &symbols, std::string &reason,
                     int64_t sharedMemoryBytes = kStaticSharedBytes);
LogicalResult lowerTokenUnmergeToGPU(RewriterBase &rewriter, TokenUnmergeOp op,
                                     SymbolTable &symbols, std::string &reason);

} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_ATTNTOGPU_ATTNTOGPU_H
