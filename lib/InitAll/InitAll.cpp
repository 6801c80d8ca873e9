//===- InitAll.cpp - Register every attn-mlir dialect and pass ------------===//

#include "attn/InitAll.h"

#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/IR/Attn.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Pipelines/Pipelines.h"
#include "attn/Runner/ConstantJit.h"

#include "mlir/IR/DialectRegistry.h"

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
