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

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"

#include <cstdlib>

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
  // Dynamic-shape exports: fold the sign checks on sizes, then turn run-time
  // broadcasts and reshapes into the static forms raising matches.
  pm.addPass(arith::createIntRangeOptimizationsPass());
  pm.addNestedPass<func::FuncOp>(createAttnSimplifyShapesPass());
  pm.addPass(createCanonicalizerPass());
  AttnRaisePassOptions raise;
  raise.explain = options.explain;
  pm.addNestedPass<func::FuncOp>(createAttnRaisePass(raise));
  pm.addNestedPass<func::FuncOp>(createAttnLiftScoreModPass());
  pm.addPass(createCanonicalizerPass());
}

/// The reference decomposition of what no fused kernel took (and of token
/// merging), linalg cleanup, one-shot bufferization, optionally results as
/// out-parameters, and buffer deallocation.
static void addDecomposeAndBufferize(OpPassManager &pm,
                                     bool resultsAsOutParams) {
  pm.addPass(attn::createConvertAttnToLinalgPass());
  pm.addPass(attn::createDecomposeLinalgAggregatesPass());
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(attn::createAttnCheckReshapesPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  if (resultsAsOutParams) {
    bufferization::BufferResultsToOutParamsPassOptions outParams;
    outParams.hoistStaticAllocs = true;
    outParams.modifyPublicFunctions = true;
    pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  }
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
}

namespace {
/// Dialects beyond the reference ones that the host code may still hold
/// when it is lowered to LLVM.
struct HostExtras {
  bool vector = false; // the CPU kernels' vector ops
  bool openmp = false; // the CPU kernels' parallel loops
  bool gpu = false;    // launches and device buffers (gpu-to-llvm)
};
} // namespace

/// Host loops, memrefs, arith, math and functions to the LLVM dialect.
static void addHostToLLVM(OpPassManager &pm, bool emitCInterface,
                          HostExtras extras) {
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
  if (emitCInterface)
    pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  if (extras.vector) {
    // The kernels' x86vector ops (bf16 dot products) become intrinsics.
    ConvertVectorToLLVMPassOptions vectorToLLVM;
    vectorToLLVM.x86Vector = true;
    pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  }
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  if (extras.gpu)
    pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  if (extras.openmp)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

/// The reference pipeline, or the CPU pipeline when `cpu` is set: fused
/// kernels first, OpenMP and vectors after.
static void buildLoweringToLLVM(OpPassManager &pm, bool resultsAsOutParams,
                                bool emitCInterface,
                                const attn::CPUPipelineOptions *cpu) {
  attn::AttnCheckHostModulePassOptions check;
  check.pipeline = cpu ? "--attn-cpu-pipeline" : "--attn-reference-pipeline";
  pm.addPass(attn::createAttnCheckHostModulePass(check));
  addTosaToLinalg(pm);
  if (cpu) {
    attn::ConvertAttnToCPUPassOptions kernel;
    kernel.tileQ = cpu->tileQ;
    kernel.tileK = cpu->tileK;
    kernel.isa = cpu->isa;
    kernel.vectorWidth = cpu->vectorWidth;
    kernel.fastMath = cpu->fastMath;
    kernel.numThreads = cpu->numThreads;
    kernel.stencil = cpu->stencil;
    pm.addPass(attn::createConvertAttnToCPUPass(kernel));
  }
  addDecomposeAndBufferize(pm, resultsAsOutParams);
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  if (cpu) {
    ConvertSCFToOpenMPPassOptions openmp;
    openmp.numThreads = cpu->numThreads;
    pm.addPass(createConvertSCFToOpenMPPass(openmp));
    pm.addNestedPass<func::FuncOp>(attn::createAttnHoistOpenMPAllocasPass());
  }
  HostExtras extras;
  extras.vector = extras.openmp = cpu != nullptr;
  addHostToLLVM(pm, emitCInterface, extras);
}

void attn::buildAttnReferencePipeline(OpPassManager &pm,
                                      const ReferencePipelineOptions &options) {
  buildLoweringToLLVM(pm, options.resultsAsOutParams, options.emitCInterface,
                      /*cpu=*/nullptr);
}

void attn::buildAttnCPUPipeline(OpPassManager &pm,
                                const CPUPipelineOptions &options) {
  buildLoweringToLLVM(pm, options.resultsAsOutParams, options.emitCInterface,
                      &options);
}

//===----------------------------------------------------------------------===//
// GPU pipeline
//===----------------------------------------------------------------------===//

#ifndef ATTN_CUDA_TOOLKIT_DIR
#define ATTN_CUDA_TOOLKIT_DIR ""
#endif

StringRef attn::getDefaultCUDAToolkitPath() {
  // The toolkit found at configure time, unless that is gone (the tools
  // copied to another machine) and CUDA_HOME or CUDA_PATH names one.
  static const std::string path = [] {
    std::string configured = ATTN_CUDA_TOOLKIT_DIR;
    if (!configured.empty() && llvm::sys::fs::exists(configured + "/bin/ptxas"))
      return configured;
    for (const char *name : {"CUDA_HOME", "CUDA_PATH"})
      if (const char *env = std::getenv(name))
        if (*env && llvm::sys::fs::exists(std::string(env) + "/bin/ptxas"))
          return std::string(env);
    return configured;
  }();
  return path;
}

void attn::buildAttnGPUKernelStage(OpPassManager &pm,
                                   const GPUPipelineOptions &options) {
  addTosaToLinalg(pm);
  attn::ConvertAttnToGPUPassOptions kernel;
  kernel.tileQ = options.tileQ;
  kernel.tileK = options.tileK;
  kernel.sharedMemoryBytes = options.sharedMemoryBytes;
  kernel.chip = options.chip;
  kernel.features = options.features;
  kernel.tensorCores = options.tensorCores;
  kernel.wgmma = options.wgmma;
  pm.addPass(attn::createConvertAttnToGPUPass(kernel));
  // Everything else runs on the host through the reference decomposition.
  addDecomposeAndBufferize(pm, options.resultsAsOutParams);
}

void attn::buildAttnGPUSimHostStage(OpPassManager &pm,
                                    const GPUPipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  addHostToLLVM(pm, options.emitCInterface, HostExtras());
}

void attn::buildAttnGPUPipeline(OpPassManager &pm,
                                const GPUPipelineOptions &options) {
  buildAttnGPUKernelStage(pm, options);
  buildAttnGPUBinaryStage(pm, options);
}

void attn::buildAttnGPUBinaryStage(OpPassManager &pm,
                                   const GPUPipelineOptions &options) {
  std::string toolkit = options.toolkit.empty()
                            ? getDefaultCUDAToolkitPath().str()
                            : options.toolkit.getValue();
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
  // nvgpu.ldmatrix of the tensor-core kernels, on memrefs: before the
  // memrefs become LLVM pointers.
  device.addPass(createConvertNVGPUToNVVMPass());
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
  HostExtras extras;
  extras.gpu = true;
  addHostToLLVM(pm, options.emitCInterface, extras);

  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

std::string attn::checkPipelineOptions(const ReferencePipelineOptions &) {
  return "";
}

std::string attn::checkPipelineOptions(const RaisePipelineOptions &) {
  return "";
}

std::string attn::checkPipelineOptions(const CPUPipelineOptions &options) {
  if (options.numThreads > kMaxPipelineThreads)
    return "num-threads must be at most " +
           std::to_string(kMaxPipelineThreads) + ", got " +
           std::to_string(options.numThreads);
  return "";
}

std::string attn::checkPipelineOptions(const GPUPipelineOptions &options) {
  // What gpu-module-to-binary understands; it reports anything else without
  // failing.
  static const char *formats[] = {"bin",      "binary",     "isa",
                                  "assembly", "fatbin",     "fatbinary",
                                  "offload",  "offloading", "llvm"};
  if (!llvm::is_contained(formats, StringRef(options.format)))
    return "format must be one of bin, isa, fatbin, offload (or binary, "
           "assembly, fatbinary, offloading, llvm), got '" +
           options.format.getValue() + "'";
  // sm_<version>, with the architecture-specific (a) or family (f) suffix.
  StringRef version = options.chip;
  bool validChip = version.consume_front("sm_");
  if (version.ends_with("a") || version.ends_with("f"))
    version = version.drop_back();
  if (!validChip || version.empty() || version.size() > 4 ||
      !llvm::all_of(version, llvm::isDigit))
    return "chip must name an NVIDIA architecture, e.g. sm_80 or sm_90a, "
           "got '" +
           options.chip.getValue() + "'";
  if (options.optLevel > 3)
    return "opt-level must be 0 to 3, got " + std::to_string(options.optLevel);
  return "";
}

namespace {
/// Registers `build` as pipeline `arg`, refusing options that do not parse
/// or that `checkPipelineOptions` rejects, with a message that names the
/// pipeline (the upstream registration reports value errors with an empty
/// message and does not validate ranges).
template <typename Options>
void registerCheckedPipeline(StringRef arg, StringRef description,
                             void (*build)(OpPassManager &, const Options &)) {
  std::string name = arg.str();
  registerPassPipeline(
      arg, description,
      [name, build](OpPassManager &pm, StringRef text,
                    function_ref<LogicalResult(const Twine &)> errorHandler) {
        Options options;
        std::string message;
        llvm::raw_string_ostream os(message);
        if (failed(options.parseFromString(text, os)))
          return errorHandler(
              name + ": invalid options '" + text + "'" +
              (message.empty() ? "" : ": " + StringRef(message).trim()));
        std::string problem = checkPipelineOptions(options);
        if (!problem.empty())
          return errorHandler(name + ": " + problem);
        build(pm, options);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(Options());
      });
}
} // namespace

void attn::registerAttnPipelines() {
  registerCheckedPipeline<ReferencePipelineOptions>(
      "attn-reference-pipeline",
      "Lower attn ops, linalg on tensors and TOSA to the LLVM dialect "
      "through the reference decomposition (--convert-attn-to-linalg), "
      "bufferization and loops",
      buildAttnReferencePipeline);
  registerCheckedPipeline<CPUPipelineOptions>(
      "attn-cpu-pipeline",
      "Lower attn ops, linalg on tensors and TOSA to the LLVM dialect with "
      "fused, tiled, multi-threaded (OpenMP) and vectorised attention "
      "kernels (--convert-attn-to-cpu)",
      buildAttnCPUPipeline);
  registerCheckedPipeline<RaisePipelineOptions>(
      "attn-raise-pipeline",
      "Raise attention from TOSA or linalg on tensors: TOSA to linalg, "
      "canonicalize, --int-range-optimizations, --attn-simplify-shapes, "
      "canonicalize, --attn-raise, --attn-lift-score-mod, canonicalize",
      buildAttnRaisePipeline);
  registerCheckedPipeline<GPUPipelineOptions>(
      "attn-gpu-pipeline",
      "Lower attn ops to fused NVIDIA GPU kernels (--convert-attn-to-gpu) "
      "serialised to gpu.binary for the chosen chip, and the rest of the "
      "module to host LLVM dialect calling the mgpu* runtime",
      buildAttnGPUPipeline);
  registerCheckedPipeline<GPUPipelineOptions>(
      "attn-gpu-sim-pipeline",
      "The kernel stage of --attn-gpu-pipeline, as the GPU simulator takes "
      "it (attn-run --pipeline=gpu-sim): TOSA to linalg, "
      "--convert-attn-to-gpu, decomposition and bufferization of the rest; "
      "kernels stay gpu.func and launchers declarations",
      buildAttnGPUKernelStage);
}
