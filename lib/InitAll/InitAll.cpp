//===- InitAll.cpp - Register every attn-mlir dialect and pass ------------===//

#include "attn/InitAll.h"

#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/IR/Attn.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Pipelines/Pipelines.h"
#include "attn/Runner/ConstantJit.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::attn::registerAllAttnDialects(DialectRegistry &registry) {
  registry.insert<AttnDialect>();
}

void mlir::attn::registerAllAttnPasses() {
  registerAttnConversionPasses();
  registerAttnTransformsPasses();
  registerAttnPipelines();
  // Masks and biases built by ops the constant interpreter does not model
  // are evaluated by compiling them.
  installCompiledTensorEvaluator();
}

void mlir::attn::registerEverything(DialectRegistry &registry) {
  registerAllPasses();
  registerAllAttnPasses();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllAttnDialects(registry);
  // gpu-module-to-binary translates gpu.modules (and the NVVM, LLVM dialects
  // in them) to LLVM IR, also outside --attn-gpu-pipeline.
  registerAllGPUToLLVMIRTranslations(registry);
}
