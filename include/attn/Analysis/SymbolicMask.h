//===- SymbolicMask.h - Patterns of masks with run-time sizes ---*- C++ -*-===//
//
// A mask built with run-time sizes (a dynamic-shape export's causal or
// sliding-window mask) cannot be evaluated into a matrix at compile time.
// This analysis reads the IR that computes it as a predicate instead: each
// element of the mask, or of an additive 0 / -inf bias, becomes an
// expression of the query index i, the key index j and the run-time sizes,
// through the index arithmetic frontends use (generics over linalg.index,
// fills, gathers from aranges, slices, concatenations, reshapes and sums of
// terms that are provably zero). The set of visible (i, j) pairs is then
// compared with a pattern's set exactly, in Presburger arithmetic (upstream's
// mlir/Analysis/Presburger), for every value of the sizes at once.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_SYMBOLICMASK_H
#define ATTN_ANALYSIS_SYMBOLICMASK_H

#include "attn/Analysis/Sizes.h"
#include "attn/Dialect/Attn/IR/Attn.h"

#include <string>

namespace mlir::attn {

/// The pattern that `mask` (i1) and `bias` (float), either may be null, both
/// broadcastable to B x H x Lq x Lk, make for an attention op whose query
/// and key lengths are `lq` and `lk`, and whose pattern is dense: the dense
/// pattern (a null attribute), `#attn.causal` or a `#attn.window` with
/// sinks, proven equal for all run-time sizes. The bias may add only 0, -inf
/// and, where every row of the pattern keeps a key, the lowest float (then
/// masked exactly, see docs/Raising.md). Fails with the reason in `why`.
FailureOr<PatternAttrInterface> inferSymbolicPattern(MLIRContext *context,
                                                     Value mask, Value bias,
                                                     Size lq, Size lk,
                                                     std::string &why);

} // namespace mlir::attn

#endif // ATTN_ANALYSIS_SYMBOLICMASK_H
