//===- ConstantEval.h - Compile-time evaluation of tensors ------*- C++ -*-===//
//
// Evaluates a statically shaped tensor SSA value whose contents are fixed at
// compile time: dense constants, and the index arithmetic that frontends use
// to build masks and biases (linalg.generic / linalg.map / linalg.fill over
// linalg.index with arith ops, reshapes, broadcasts, transposes, slices).
// Evaluation is exact or it fails: integers are tracked exactly, floats are
// rounded to their element type after every operation, and anything the
// evaluator does not model precisely makes it give up with a reason.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_CONSTANTEVAL_H
#define ATTN_ANALYSIS_CONSTANTEVAL_H

#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mlir::attn {

/// A host copy of a tensor value, row-major. Integer elements (iN, index)
/// hold their signed value exactly (evaluation fails beyond 2^53 in
/// magnitude); i1 holds 0 or 1; float elements hold the value of the element
/// type (f16, bf16, f32, f64) exactly, including +-inf and NaN.
struct EvaluatedTensor {
  SmallVector<int64_t> shape;
  Type elementType;
  std::vector<double> values;

  int64_t getNumElements() const { return static_cast<int64_t>(values.size()); }
};

struct ConstantEvalOptions {
  /// Largest number of elements of any tensor the evaluation materialises
  /// (the value itself and every intermediate).
  int64_t maxElements = int64_t(64) << 20;
  /// Largest number of operations the compiled evaluator (see
  /// setCompiledTensorEvaluator) takes into one subgraph.
  int64_t maxOps = 4096;
};

/// Evaluates `value` (a statically shaped ranked tensor) at compile time.
/// On failure returns std::nullopt and, when `whyNot` is given, a short
/// lowercase reason naming the operation that could not be evaluated (e.g.
/// "'tensor.extract' is not evaluated" or "tensor<32768x32768xi1> of
/// 1073741824 elements exceeds the evaluation limit of 67108864").
///
/// The built-in evaluator interprets the index arithmetic above exactly. When
/// it gives up and a compiled evaluator is installed, that one is asked next:
/// it compiles the subgraph that computes `value` and runs it (see
/// attn/Runner/ConstantJit.h), so that any op the lowering pipelines know is
/// covered.
std::optional<EvaluatedTensor>
evaluateTensor(Value value, const ConstantEvalOptions &options = {},
               std::string *whyNot = nullptr);

/// An evaluator with evaluateTensor's contract.
using TensorEvaluator = std::function<std::optional<EvaluatedTensor>(
    Value, const ConstantEvalOptions &, std::string *)>;

/// Installs (or, with an empty function, removes) the compiled evaluator
/// that evaluateTensor falls back to. registerAllAttnPasses() installs the
/// runner library's.
void setCompiledTensorEvaluator(TensorEvaluator evaluator);

} // namespace mlir::attn

#endif // ATTN_ANALYSIS_CONSTANTEVAL_H
