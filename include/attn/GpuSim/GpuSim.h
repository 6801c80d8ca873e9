//===- GpuSim.h - Functional simulator of the fused GPU kernels -*- C++ -*-===//
//
// `attn-run --pipeline=gpu-sim` runs the kernels `--convert-attn-to-gpu`
// writes without a GPU: the host code is JIT-compiled as usual, and each
// kernel launch calls back into an interpreter of the kernel's `gpu.func`
// (before NVVM lowering). A thread block runs in lock step, one value per
// thread for every SSA value; divergent `scf.if` / `scf.for` run under lane
// masks. `gpu.barrier`, `gpu.shuffle` and `nvvm.mma.sync` are evaluated
// across the block / warp with the operand layouts of PTX's mma.m16n8k16,
// and fail when some lanes of the group are inactive. Every memory access is
// bounds-checked and every vector access alignment-checked (kernel arguments
// are taken to start 256-byte aligned, as cudaMalloc's do; workgroup buffers
// only as aligned as their `llvm.align`). Floating-point results are rounded
// to their type (f16 and bf16 to nearest even). Since lock-step execution
// would hide a missing barrier, every element access is checked against the
// element's last write and read: a write and another access by threads with
// no barrier between them (or in different blocks) is a data race.
//
// It checks what the kernels compute (lane mappings, fragment layouts,
// barriers, normalizer steps, tile plans), not how fast, and not the NVVM
// back end or ptxas.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_GPUSIM_GPUSIM_H
#define ATTN_GPUSIM_GPUSIM_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace attn::gpusim {

class GpuSimulator {
public:
  GpuSimulator();
  ~GpuSimulator();

  /// Takes over the kernels of `module`, which has been through
  /// `--convert-attn-to-gpu` and bufferization: every launcher declaration
  /// gets a body that calls `attnGpuSimLaunch` (see `launchSymbol`) with the
  /// launch's number and its buffers' aligned pointers, and the module's
  /// gpu.modules move into the simulator. Buffers with dynamic sizes and
  /// grids with dynamic entries (the launcher's trailing index arguments)
  /// are sized at each launch. Fails with `error` set.
  mlir::LogicalResult adopt(mlir::ModuleOp module, std::string &error);

  /// The C interface name the lowered host code calls, and its address.
  static const char *launchSymbol();
  static void *launchAddress();

  /// Makes this simulator the one `launchAddress` dispatches to.
  void activate();

  /// For a simulated CUDA driver (CudaSimDriver.h): keeps copies of the
  /// kernels of `module`, which has been through the kernel stage of the GPU
  /// pipeline, so that launches by name can run them; `module` is left as
  /// it is. Fails with `error` set when a kernel takes anything but an
  /// identity-layout memref, or two kernels share a name.
  mlir::LogicalResult copyKernels(mlir::ModuleOp module, std::string &error);

  /// A kernel argument of a copied kernel: a buffer of `shape` (with
  /// ShapedType::kDynamic where a launch gives the size) and elements of
  /// `elementBytes` bytes.
  struct KernelArgument {
    std::vector<int64_t> shape;
    int64_t elementBytes = 0;
  };
  /// The copied kernel called `name` (its index), or -1.
  int64_t findKernel(llvm::StringRef name) const;
  const std::vector<KernelArgument> &kernelArguments(int64_t kernel) const;
  /// Runs copied kernel `kernel` over a `grid` of `block`s, each given
  /// `dynamicSharedBytes` of dynamic shared memory, on `buffers` (one per
  /// argument; simulated device memory, 256-byte aligned) of the sizes
  /// `shapes` (one per argument, every size given); false with `error` set
  /// when the launch is invalid or the kernel fails.
  bool runKernel(int64_t kernel, const int64_t grid[3], const int64_t block[3],
                 int64_t dynamicSharedBytes, llvm::ArrayRef<char *> buffers,
                 llvm::ArrayRef<std::vector<int64_t>> shapes,
                 std::string &error);

  /// The first error of a simulated launch (empty when none); launches
  /// after an error do nothing.
  const std::string &error() const;
  /// Number of simulated thread blocks so far.
  int64_t blocksRun() const;
  /// The kernels launched so far, in the order of their first launch, each
  /// with its `attn.gpu.path` when it has one: "attention
  /// (wgmma.m64n32k16.f16), token_merge (block)".
  std::string kernelsRun() const;

  struct Impl;

private:
  std::unique_ptr<Impl> impl;
};

} // namespace attn::gpusim

#endif // ATTN_GPUSIM_GPUSIM_H
