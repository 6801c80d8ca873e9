//===- KernelLaunch.h - Kernels and launchers of AttnToGPU ------*- C++ -*-===//
//
// Private to lib/Conversion/AttnToGPU: how every kernel of
// --convert-attn-to-gpu (attention, token merging) is created in the
// module's gpu.module and launched from the host through a launcher
// declaration that --attn-gpu-stage-buffers defines.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOGPU_KERNELLAUNCH_H
#define ATTN_LIB_CONVERSION_ATTNTOGPU_KERNELLAUNCH_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

#include <cstdint>

namespace mlir::attn {

constexpr int64_t kWarp = 32;
/// The largest grid: 2^31 - 1 blocks along x, 65535 along y and z.
constexpr int64_t kMaxGridX = 2147483647;
constexpr int64_t kMaxGridYZ = 65535;
/// Threads of a block-parallel token merge (one block per batch row), whose
/// scratch lives in shared memory (at most shared-memory-bytes).
constexpr int64_t kTokenMergeThreads = 128;

/// Names of the kernels' gpu.module and of the host launchers.
constexpr StringLiteral kGPUModuleName = "__attn_gpu";
constexpr StringLiteral kLauncherName = "__attn_gpu_launch";
/// Alignment of the kernels' shared buffers (cp.async and ldmatrix move 16
/// bytes; wgmma descriptors address 16-byte units).
constexpr int64_t kSharedAlignment = 16;

/// Where `createKernelLaunch` puts shared buffers of `types`: each at a
/// multiple of kSharedAlignment bytes; `bytes` in all.
struct SharedLayout {
  SmallVector<int64_t> offsets;
  int64_t bytes = 0;
};
SharedLayout layoutShared(TypeRange types);

/// Creates kernel `name` (renamed when taken) in the module's
/// `gpu.module @__attn_gpu` (created on first use), taking the types of
/// `hostArgs`, with shared buffers of `sharedTypes` (each at a multiple of
/// kSharedAlignment bytes), private buffers of `privateTypes` and `body` (at
/// the kernel's entry, before its gpu.return; given the kernel and its
/// shared buffers); a private launcher declaration carrying the kernel, grid
/// and block for `--attn-gpu-stage-buffers`; and a call to it with
/// `hostArgs`, then the dynamic entries of `grid` (host values), at the
/// rewriter's insertion point. The shared buffers are
/// workgroup attributions (static shared memory) while they fit in
/// kStaticSharedBytes; beyond, views of the kernel's dynamic shared memory,
/// whose size the kernel and the launcher carry as kLaunchDynamicSharedAttr.
gpu::GPUFuncOp
createKernelLaunch(RewriterBase &rewriter, Location loc, SymbolTable &symbols,
                   StringRef name, ArrayRef<Value> hostArgs,
                   TypeRange sharedTypes, TypeRange privateTypes,
                   ArrayRef<OpFoldResult> grid, ArrayRef<int64_t> block,
                   function_ref<void(gpu::GPUFuncOp, ValueRange)> body);

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_ATTNTOGPU_KERNELLAUNCH_H
