//===- GPUStageBuffers.cpp - attn-gpu-stage-buffers -----------------------===//
//
// Defines the private launcher declarations that --convert-attn-to-gpu
// leaves behind: device twins of the host buffers (sized like them where
// their sizes are dynamic), the copies a kernel's reads and writes need,
// gpu.launch_func with the recorded grid (its dynamic entries from the
// launcher's trailing index arguments), block and dynamic shared memory,
// and the deallocations.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToGPU/AttnToGPU.h"
#include "attn/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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
    unsigned numBuffers = kernel.getNumArguments();
    int64_t numDynamicGrid = llvm::count_if(
        grid.asArrayRef(), [](int64_t n) { return ShapedType::isDynamic(n); });
    if (int64_t(type.getNumInputs()) != int64_t(numBuffers) + numDynamicGrid ||
        kernel.getFunctionType().getInputs() !=
            type.getInputs().take_front(numBuffers) ||
        !llvm::all_of(type.getInputs().drop_front(numBuffers),
                      [](Type t) { return t.isIndex(); }))
      return launcher.emitOpError()
             << "attn-gpu-stage-buffers: launcher must take the arguments of "
                "kernel "
             << kernelRef << ", then an index for each of the "
             << numDynamicGrid << " dynamic entries of " << kLaunchGridAttr;
    for (int64_t n : grid.asArrayRef())
      if (!ShapedType::isDynamic(n) && n < 1)
        return launcher.emitOpError()
               << "attn-gpu-stage-buffers: " << kLaunchGridAttr
               << " has an empty dimension";
    for (int64_t n : block.asArrayRef())
      if (n < 1)
        return launcher.emitOpError()
               << "attn-gpu-stage-buffers: " << kLaunchBlockAttr
               << " must be positive constants";

    Location loc = launcher.getLoc();
    Block *entry = launcher.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    SmallVector<KernelArgumentUse> uses = getKernelArgumentUses(kernel);
    SmallVector<Value> device;
    SmallVector<std::pair<Value, Value>> written;
    for (auto [i, host] :
         llvm::enumerate(entry->getArguments().take_front(numBuffers))) {
      auto memref = dyn_cast<MemRefType>(host.getType());
      if (!memref || !memref.getLayout().isIdentity() ||
          memref.getMemorySpace())
        return launcher.emitOpError()
               << "attn-gpu-stage-buffers: argument " << i << " of type "
               << host.getType()
               << " must be a memref with the identity layout in the "
                  "default memory space";
      bool reads = uses[i].reads, writes = uses[i].writes;
      SmallVector<Value> sizes;
      for (int64_t d = 0; d < memref.getRank(); ++d)
        if (memref.isDynamicDim(d))
          sizes.push_back(memref::DimOp::create(b, loc, host, d));
      Value twin = gpu::AllocOp::create(b, loc, memref, /*asyncToken=*/Type(),
                                        ValueRange{}, sizes, ValueRange{},
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
    // Dynamic grid entries come from the trailing arguments, in order.
    auto runTime = entry->getArguments().drop_front(numBuffers).begin();
    auto dims = [&](DenseI64ArrayAttr attr) {
      Value v[3];
      for (int d = 0; d < 3; ++d)
        v[d] = ShapedType::isDynamic(attr[d]) ? *runTime++ : constant(attr[d]);
      return gpu::KernelDim3{v[0], v[1], v[2]};
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
    // CUDA refuses empty grids: a dynamic entry of 0 (no query rows, no
    // batch) launches nothing.
    Value nonEmpty;
    Value gridValues[3] = {gridDims.x, gridDims.y, gridDims.z};
    for (auto [n, v] : llvm::zip_equal(grid.asArrayRef(), gridValues)) {
      if (!ShapedType::isDynamic(n))
        continue;
      Value positive = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                             v, constant(0));
      nonEmpty = nonEmpty ? arith::AndIOp::create(b, loc, nonEmpty, positive)
                          : positive;
    }
    if (nonEmpty) {
      auto ifOp = scf::IfOp::create(b, loc, nonEmpty, /*withElse=*/false);
      b.setInsertionPointToStart(ifOp.thenBlock());
    }
    gpu::LaunchFuncOp::create(b, loc, kernel, gridDims, blockDims,
                              dynamicShared, device);
    b.setInsertionPointToEnd(entry);
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
