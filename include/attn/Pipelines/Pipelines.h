//===- Pipelines.h - Named attn-mlir pass pipelines -------------*- C++ -*-===//

#ifndef ATTN_PIPELINES_PIPELINES_H
#define ATTN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;

namespace attn {

struct ReferencePipelineOptions
    : public PassPipelineOptions<ReferencePipelineOptions> {
  PassOptions::Option<bool> resultsAsOutParams{
      *this, "results-as-out-params",
      llvm::cl::desc("Turn memref function results into caller-allocated "
                     "out-parameters (what attn-run expects)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Give every function a _mlir_ciface_ wrapper"),
      llvm::cl::init(false)};
};

/// `--attn-reference-pipeline`: attn ops and linalg on tensors all the way
/// to the LLVM dialect, through `--convert-attn-to-linalg`, one-shot
/// bufferization and loops. Slow, simple, and the oracle for every other
/// pipeline.
void buildAttnReferencePipeline(OpPassManager &pm,
                                const ReferencePipelineOptions &options);

struct RaisePipelineOptions : public PassPipelineOptions<RaisePipelineOptions> {
  PassOptions::Option<bool> explain{
      *this, "explain",
      llvm::cl::desc("Remark at every softmax that was not raised"),
      llvm::cl::init(false)};
};

/// TOSA (if any) to linalg on tensors, then --attn-raise with clean-ups.
void buildAttnRaisePipeline(OpPassManager &pm,
                            const RaisePipelineOptions &options);

/// Registers every attn-mlir pipeline with the global pass registry.
void registerAttnPipelines();

} // namespace attn
} // namespace mlir

#endif // ATTN_PIPELINES_PIPELINES_H
