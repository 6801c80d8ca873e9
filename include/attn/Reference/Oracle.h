//===- Oracle.h - The naive oracle applied to attn ops ----------*- C++ -*-===//
//
// The bridge between MLIR functions and the MLIR-free naive reference
// (Naive.h): evaluates a single-op function with it, and counts the useful
// FLOPs of attention ops. Lives in its own library (AttnReferenceOracle) so
// that AttnReference itself stays free of MLIR and LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_REFERENCE_ORACLE_H
#define ATTN_REFERENCE_ORACLE_H

#include "attn/Reference/Naive.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

#include <vector>

namespace attn::ref {

/// Useful FLOPs of the attn.attention ops in `func` (SPEC section 6):
/// 2 * (D + Dv) * B * Hq * V, V the pattern's visible pairs. Ops with dynamic
/// shapes are skipped; `numOps` receives how many ops were counted.
double countUsefulFlops(mlir::func::FuncOp func, int64_t &numOps);

/// Evaluates `func` with the naive C++ reference when its body is a single
/// attn.attention, attn.token_merge or attn.token_unmerge whose operands are
/// function arguments and whose results are returned. `inputs` are the
/// function arguments converted to doubles (i1 as 0/1, index as integers);
/// returns one tensor per function result, in order (token_merge's source as
/// doubles). Errors say why the function does not qualify.
llvm::Expected<std::vector<Tensor>>
runNaiveOracle(mlir::func::FuncOp func, const std::vector<Tensor> &inputs);

} // namespace attn::ref

#endif // ATTN_REFERENCE_ORACLE_H
