//===- KernelLaunch.cpp - Kernels and launchers of AttnToGPU --------------===//

#include "KernelLaunch.h"
#include "attn/Conversion/AttnToGPU/AttnToGPU.h"
#include "attn/Conversion/Common/KernelEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::attn;

SharedLayout mlir::attn::layoutShared(TypeRange types) {
  SharedLayout layout;
  for (Type t : types) {
    auto memref = cast<MemRefType>(t);
    layout.bytes = llvm::alignTo(layout.bytes, kSharedAlignment);
    layout.offsets.push_back(layout.bytes);
    layout.bytes +=
        memref.getNumElements() * elementBytes(memref.getElementType());
  }
  return layout;
}

gpu::GPUFuncOp mlir::attn::createKernelLaunch(
    RewriterBase &rewriter, Location loc, SymbolTable &symbols, StringRef name,
    ArrayRef<Value> hostArgs, TypeRange sharedTypes, TypeRange privateTypes,
    ArrayRef<OpFoldResult> grid, ArrayRef<int64_t> block,
    function_ref<void(gpu::GPUFuncOp, ValueRange)> body) {
  SmallVector<Type> argTypes = llvm::to_vector(
      llvm::map_range(hostArgs, [](Value v) { return v.getType(); }));
  // The grid: constants in the launcher's attribute, the others (marked
  // dynamic there) as trailing index arguments.
  SmallVector<int64_t> staticGrid;
  SmallVector<Value> dynamicGrid;
  dispatchIndexOpFoldResults(grid, dynamicGrid, staticGrid);
  SmallVector<Type> launcherTypes = argTypes;
  launcherTypes.append(dynamicGrid.size(), rewriter.getIndexType());
  SmallVector<Value> callArgs(hostArgs);
  llvm::append_range(callArgs, dynamicGrid);
  auto module = cast<ModuleOp>(symbols.getOp());
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  rewriter.getUnitAttr());
  auto gpuModule = symbols.lookup<gpu::GPUModuleOp>(kGPUModuleName);
  if (!gpuModule) {
    OpBuilder::InsertionGuard moduleGuard(rewriter);
    rewriter.setInsertionPointToEnd(module.getBody());
    gpuModule = gpu::GPUModuleOp::create(rewriter, loc, kGPUModuleName);
    symbols.insert(gpuModule);
  }
  SharedLayout layout = layoutShared(sharedTypes);
  int64_t sharedBytes = layout.bytes;
  bool dynamic = sharedBytes > kStaticSharedBytes;
  SymbolTable kernels(gpuModule);
  gpu::GPUFuncOp kernel;
  {
    OpBuilder::InsertionGuard kernelGuard(rewriter);
    rewriter.setInsertionPointToEnd(gpuModule.getBody());
    kernel = gpu::GPUFuncOp::create(
        rewriter, loc, name, rewriter.getFunctionType(argTypes, {}),
        dynamic ? TypeRange() : sharedTypes, privateTypes);
    kernels.insert(kernel);
    kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(),
                    rewriter.getUnitAttr());
    kernel.setKnownBlockSizeAttr(rewriter.getDenseI32ArrayAttr(
        {static_cast<int32_t>(block[0]), static_cast<int32_t>(block[1]),
         static_cast<int32_t>(block[2])}));
    rewriter.setInsertionPointToStart(&kernel.getBody().front());
    SmallVector<Value> shared;
    if (dynamic) {
      kernel->setAttr(kLaunchDynamicSharedAttr,
                      rewriter.getI64IntegerAttr(sharedBytes));
      auto bytes = MemRefType::get(
          {ShapedType::kDynamic}, rewriter.getI8Type(),
          MemRefLayoutAttrInterface(),
          gpu::AddressSpaceAttr::get(rewriter.getContext(),
                                     gpu::AddressSpace::Workgroup));
      Value base = gpu::DynamicSharedMemoryOp::create(rewriter, loc, bytes);
      for (auto [t, offset] : llvm::zip_equal(sharedTypes, layout.offsets))
        shared.push_back(memref::ViewOp::create(
            rewriter, loc, t, base,
            arith::ConstantIndexOp::create(rewriter, loc, offset),
            ValueRange()));
    } else {
      for (unsigned i = 0; i < sharedTypes.size(); ++i)
        kernel.setWorkgroupAttributionAttr(
            i, LLVM::LLVMDialect::getAlignAttrName(),
            rewriter.getI64IntegerAttr(kSharedAlignment));
      llvm::append_range(shared, kernel.getWorkgroupAttributions());
    }
    body(kernel, shared);
    gpu::ReturnOp::create(rewriter, loc);
  }

  // The host side: a call to a launcher whose body --attn-gpu-stage-buffers
  // writes after buffer deallocation (which refuses GPU operations).
  func::FuncOp launcher;
  {
    OpBuilder::InsertionGuard launcherGuard(rewriter);
    rewriter.setInsertionPointToStart(module.getBody());
    launcher =
        func::FuncOp::create(rewriter, loc, kLauncherName,
                             rewriter.getFunctionType(launcherTypes, {}));
    launcher.setPrivate();
    symbols.insert(launcher);
    launcher->setAttr(
        kLaunchKernelAttr,
        SymbolRefAttr::get(gpuModule.getSymNameAttr(),
                           {FlatSymbolRefAttr::get(kernel.getNameAttr())}));
    launcher->setAttr(kLaunchGridAttr,
                      rewriter.getDenseI64ArrayAttr(staticGrid));
    launcher->setAttr(kLaunchBlockAttr, rewriter.getDenseI64ArrayAttr(block));
    if (dynamic)
      launcher->setAttr(kLaunchDynamicSharedAttr,
                        rewriter.getI64IntegerAttr(sharedBytes));
  }
  func::CallOp::create(rewriter, loc, launcher, callArgs);
  return kernel;
}
