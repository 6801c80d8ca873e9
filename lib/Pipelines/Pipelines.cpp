//===- Pipelines.cpp - Named attn-mlir pass pipelines ---------------------===//

#include "attn/Pipelines/Pipelines.h"

#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

/// TOSA to linalg on tensors (nothing happens without TOSA ops).
static void addTosaToLinalg(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(tosa::createTosaToLinalgNamed());
  pm.addNestedPass<func::FuncOp>(tosa::createTosaToLinalg());
  pm.addNestedPass<func::FuncOp>(createTosaToArithPass());
  pm.addNestedPass<func::FuncOp>(createTosaToTensorPass());
}

void attn::buildAttnRaisePipeline(OpPassManager &pm,
                                  const RaisePipelineOptions &options) {
  addTosaToLinalg(pm);
  pm.addPass(createCanonicalizerPass());
  AttnRaisePassOptions raise;
  raise.explain = options.explain;
  pm.addNestedPass<func::FuncOp>(createAttnRaisePass(raise));
  pm.addPass(createCanonicalizerPass());
}

namespace {
/// What distinguishes the CPU pipeline from the reference one.
struct LoweringChoices {
  bool resultsAsOutParams = false;
  bool emitCInterface = false;
  /// Set for the CPU pipeline: fused kernels, OpenMP and vectors.
  const attn::CPUPipelineOptions *cpu = nullptr;
};
} // namespace

/// Attn ops (fused kernels first when asked), linalg on tensors and TOSA to
/// the LLVM dialect.
static void buildLoweringToLLVM(OpPassManager &pm,
                                const LoweringChoices &choices) {
  addTosaToLinalg(pm);
  if (choices.cpu) {
    attn::ConvertAttnToCPUPassOptions kernel;
    kernel.tileQ = choices.cpu->tileQ;
    kernel.tileK = choices.cpu->tileK;
    kernel.vectorWidth = choices.cpu->vectorWidth;
    kernel.fastMath = choices.cpu->fastMath;
    pm.addPass(attn::createConvertAttnToCPUPass(kernel));
  }
  // Whatever the fused kernels left (and token merging) takes the reference
  // decomposition.
  pm.addPass(attn::createConvertAttnToLinalgPass());
  pm.addPass(attn::createDecomposeLinalgAggregatesPass());
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  if (choices.resultsAsOutParams) {
    bufferization::BufferResultsToOutParamsPassOptions outParams;
    outParams.hoistStaticAllocs = true;
    outParams.modifyPublicFunctions = true;
    pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  }
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);

  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  if (choices.cpu) {
    ConvertSCFToOpenMPPassOptions openmp;
    openmp.numThreads = choices.cpu->numThreads;
    pm.addPass(createConvertSCFToOpenMPPass(openmp));
    pm.addNestedPass<func::FuncOp>(attn::createAttnHoistOpenMPAllocasPass());
  }
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // bf16/f16 conversions become integer arithmetic: no soft-float runtime.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  // C wrappers for the program's functions only: requested before
  // math-to-libm declares libm functions (erff, ...), which have none.
  if (choices.emitCInterface)
    pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  if (choices.cpu)
    pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  if (choices.cpu)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void attn::buildAttnReferencePipeline(OpPassManager &pm,
                                      const ReferencePipelineOptions &options) {
  LoweringChoices choices;
  choices.resultsAsOutParams = options.resultsAsOutParams;
  choices.emitCInterface = options.emitCInterface;
  buildLoweringToLLVM(pm, choices);
}

void attn::buildAttnCPUPipeline(OpPassManager &pm,
                                const CPUPipelineOptions &options) {
  LoweringChoices choices;
  choices.resultsAsOutParams = options.resultsAsOutParams;
  choices.emitCInterface = options.emitCInterface;
  choices.cpu = &options;
  buildLoweringToLLVM(pm, choices);
}

//===----------------------------------------------------------------------===//
// GPU pipeline
//===----------------------------------------------------------------------===//

#ifndef ATTN_CUDA_TOOLKIT_DIR
#define ATTN_CUDA_TOOLKIT_DIR ""
#endif

StringRef attn::getDefaultCUDAToolkitPath() { return ATTN_CUDA_TOOLKIT_DIR; }

void attn::buildAttnGPUPipeline(OpPassManager &pm,
                                const GPUPipelineOptions &options) {
  std::string toolkit = options.toolkit.empty()
                            ? getDefaultCUDAToolkitPath().str()
                            : options.toolkit.getValue();
  addTosaToLinalg(pm);
  attn::ConvertAttnToGPUPassOptions kernel;
  kernel.tileQ = options.tileQ;
  kernel.tileK = options.tileK;
  kernel.chip = options.chip;
  kernel.features = options.features;
  pm.addPass(attn::createConvertAttnToGPUPass(kernel));
  // Everything else runs on the host through the reference decomposition.
  pm.addPass(attn::createConvertAttnToLinalgPass());
  pm.addPass(attn::createDecomposeLinalgAggregatesPass());
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  if (options.resultsAsOutParams) {
    bufferization::BufferResultsToOutParamsPassOptions outParams;
    outParams.hoistStaticAllocs = true;
    outParams.modifyPublicFunctions = true;
    pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  }
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  // Launchers (device buffers, copies, launches) after deallocation, which
  // refuses GPU operations.
  pm.addPass(attn::createAttnGPUStageBuffersPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());

  // Device code: NVVM, libdevice for the math functions.
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  device.addPass(memref::createExpandStridedMetadataPass());
  device.addPass(createLowerAffinePass());
  device.addPass(createSCFToControlFlowPass());
  arith::ArithExpandOpsPassOptions deviceExpand;
  deviceExpand.includeBf16 = true;
  device.addPass(arith::createArithExpandOpsPass(deviceExpand));
  device.addPass(createConvertGpuOpsToNVVMOps());
  device.addPass(createCanonicalizerPass());
  device.addPass(createCSEPass());
  device.addPass(createReconcileUnrealizedCastsPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = options.optLevel;
  if (!toolkit.empty())
    target.linkLibs.push_back(toolkit + "/nvvm/libdevice/libdevice.10.bc");
  pm.addPass(createGpuNVVMAttachTarget(target));

  // Host code: one stream per function, then the LLVM dialect.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  if (options.emitCInterface)
    pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());

  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void attn::registerAttnPipelines() {
  PassPipelineRegistration<ReferencePipelineOptions>(
      "attn-reference-pipeline",
      "Lower attn ops, linalg on tensors and TOSA to the LLVM dialect "
      "through the reference decomposition (--convert-attn-to-linalg), "
      "bufferization and loops",
      buildAttnReferencePipeline);
  PassPipelineRegistration<CPUPipelineOptions>(
      "attn-cpu-pipeline",
      "Lower attn ops, linalg on tensors and TOSA to the LLVM dialect with "
      "fused, tiled, multi-threaded (OpenMP) and vectorised attention "
      "kernels (--convert-attn-to-cpu)",
      buildAttnCPUPipeline);
  PassPipelineRegistration<RaisePipelineOptions>(
      "attn-raise-pipeline",
      "Raise attention from TOSA or linalg on tensors: TOSA to linalg, "
      "canonicalize, --attn-raise, canonicalize",
      buildAttnRaisePipeline);
  PassPipelineRegistration<GPUPipelineOptions>(
      "attn-gpu-pipeline",
      "Lower attn ops to fused NVIDIA GPU kernels (--convert-attn-to-gpu) "
      "serialised to gpu.binary for the chosen chip, and the rest of the "
      "module to host LLVM dialect calling the mgpu* runtime",
      buildAttnGPUPipeline);
}
