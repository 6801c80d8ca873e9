//===- GPUStageBuffers.cpp - attn-gpu-stage-buffers -----------------------===//
//
// Defines the private launcher declarations that --convert-attn-to-gpu
// leaves behind: device twins of the host buffers, the copies a kernel's
// reads and writes need, gpu.launch_func with the recorded grid, block and
// dynamic shared memory, and the deallocations.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToGPU/AttnToGPU.h"
#include "attn/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNGPUSTAGEBUFFERSPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

SmallVector<KernelArgumentUse>
mlir::attn::getKernelArgumentUses(gpu::GPUFuncOp kernel) {
  SmallVector<KernelArgumentUse> uses(kernel.getNumArguments());
  for (auto [i, arg] : llvm::enumerate(kernel.getArguments())) {
    for (Operation *user : arg.getUsers()) {
      auto effects = dyn_cast<MemoryEffectOpInterface>(user);
      if (!effects) {
        uses[i].reads = uses[i].writes = true;
        continue;
      }
      SmallVector<MemoryEffects::EffectInstance> onArg;
      effects.getEffectsOnValue(arg, onArg);
      // A view of the argument (no effect of its own) may be written.
      if (onArg.empty() && llvm::any_of(user->getResultTypes(), [](Type t) {
            return isa<BaseMemRefType>(t);
          })) {
        uses[i].reads = uses[i].writes = true;
        continue;
      }
      for (const MemoryEffects::EffectInstance &effect : onArg) {
        if (isa<MemoryEffects::Write>(effect.getEffect()))
          uses[i].writes = true;
        else if (isa<MemoryEffects::Read>(effect.getEffect()))
          uses[i].reads = true;
      }
    }
  }
  return uses;
}

namespace {

struct AttnGPUStageBuffersPass
    : public mlir::attn::impl::AttnGPUStageBuffersPassBase<
          AttnGPUStageBuffersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> launchers;
    module.walk([&](func::FuncOp fn) {
      if (fn.isExternal() && fn->hasAttr(kLaunchKernelAttr))
        launchers.push_back(fn);
    });
    for (func::FuncOp launcher : launchers)
      if (failed(stage(module, launcher)))
        return signalPassFailure();
  }

  LogicalResult stage(ModuleOp module, func::FuncOp launcher) {
    auto kernelRef = launcher->getAttrOfType<SymbolRefAttr>(kLaunchKernelAttr);
    auto grid = launcher->getAttrOfType<DenseI64ArrayAttr>(kLaunchGridAttr);
    auto block = launcher->getAttrOfType<DenseI64ArrayAttr>(kLaunchBlockAttr);
    auto kernel = kernelRef
                      ? SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
                            module, kernelRef)
                      : gpu::GPUFuncOp();
    if (!kernel || !grid || grid.size() != 3 || !block || block.size() != 3)
      return launcher.emitOpError()
             << "attn-gpu-stage-buffers: launcher needs " << kLaunchKernelAttr
             << " naming a gpu.func, and 3-element " << kLaunchGridAttr
             << " and " << kLaunchBlockAttr;
    FunctionType type = launcher.getFunctionType();
    if (kernel.getFunctionType().getInputs() != type.getInputs())
      return launcher.emitOpError()
             << "attn-gpu-stage-buffers: launcher and kernel " << kernelRef
             << " take different arguments";

    Location loc = launcher.getLoc();
    Block *entry = launcher.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    SmallVector<KernelArgumentUse> uses = getKernelArgumentUses(kernel);
    SmallVector<Value> device;
    SmallVector<std::pair<Value, Value>> written;
    for (auto [i, host] : llvm::enumerate(entry->getArguments())) {
      auto memref = dyn_cast<MemRefType>(host.getType());
      if (!memref || !memref.getLayout().isIdentity() ||
          !memref.hasStaticShape() || memref.getMemorySpace())
        return launcher.emitOpError()
               << "attn-gpu-stage-buffers: argument " << i << " of type "
               << host.getType()
               << " must be a statically shaped memref with the identity "
                  "layout in the default memory space";
      bool reads = uses[i].reads, writes = uses[i].writes;
      Value twin =
          gpu::AllocOp::create(b, loc, memref, /*asyncToken=*/Type(),
                               ValueRange{}, ValueRange{}, ValueRange{},
                               /*hostShared=*/false)
              .getMemref();
      if (reads)
        gpu::MemcpyOp::create(b, loc, TypeRange{}, ValueRange{}, twin, host);
      if (writes)
        written.push_back({host, twin});
      device.push_back(twin);
    }
    llvm::SmallDenseMap<int64_t, Value> constants;
    auto constant = [&](int64_t v) {
      Value &c = constants[v];
      if (!c)
        c = arith::ConstantIndexOp::create(b, loc, v);
      return c;
    };
    auto dims = [&](DenseI64ArrayAttr attr) {
      return gpu::KernelDim3{constant(attr[0]), constant(attr[1]),
                             constant(attr[2])};
    };
    gpu::KernelDim3 gridDims = dims(grid);
    gpu::KernelDim3 blockDims = dims(block);
    Value dynamicShared;
    if (auto bytes =
            launcher->getAttrOfType<IntegerAttr>(kLaunchDynamicSharedAttr)) {
      if (bytes.getInt() <= 0 || bytes.getInt() > INT32_MAX)
        return launcher.emitOpError()
               << "attn-gpu-stage-buffers: " << kLaunchDynamicSharedAttr
               << " must be a positive 32-bit byte count";
      dynamicShared = arith::ConstantOp::create(
          b, loc, b.getI32IntegerAttr(int32_t(bytes.getInt())));
    }
    gpu::LaunchFuncOp::create(b, loc, kernel, gridDims, blockDims,
                              dynamicShared, device);
    for (auto [host, twin] : written)
      gpu::MemcpyOp::create(b, loc, TypeRange{}, ValueRange{}, host, twin);
    for (Value twin : device)
      gpu::DeallocOp::create(b, loc, TypeRange{}, ValueRange{}, twin);
    func::ReturnOp::create(b, loc);
    for (StringRef name : {kLaunchKernelAttr, kLaunchGridAttr, kLaunchBlockAttr,
                           kLaunchDynamicSharedAttr})
      launcher->removeAttr(name);
    return success();
  }
};
} // namespace
