//===- ConstantJit.h - Compile-time tensors by compiling them ---*- C++ -*-===//
//
// Evaluates a tensor that is fixed at compile time (a mask or bias built from
// iota, comparisons, concatenations, gathers, ...) the way the program itself
// would: the ops that compute it are copied into a function of their own,
// lowered with the reference pipeline, JIT-compiled and called once. Whatever
// the lowering pipelines support is covered, with no op modelled by hand.
//
// Bounds: every tensor in the subgraph is statically shaped and within
// ConstantEvalOptions::maxElements, the subgraph has at most
// ConstantEvalOptions::maxOps ops, all free of side effects, and none reads
// a function argument (a run-time value). Anything else fails with a reason.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNNER_CONSTANTJIT_H
#define ATTN_RUNNER_CONSTANTJIT_H

#include "attn/Analysis/ConstantEval.h"

namespace mlir::attn {

/// Evaluates `value` by compiling and running the ops that compute it.
std::optional<EvaluatedTensor>
evaluateTensorByCompiling(Value value, const ConstantEvalOptions &options,
                          std::string *whyNot = nullptr);

/// Makes evaluateTensor fall back to evaluateTensorByCompiling.
void installCompiledTensorEvaluator();

} // namespace mlir::attn

#endif // ATTN_RUNNER_CONSTANTJIT_H
