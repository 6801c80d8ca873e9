//===- IndexTrace.h - Follow element indices through data movement -*- C++
//-*-===//
//
// Raising has to see through the reshapes, transposes, broadcasts and copies
// that frontends put between a tensor and its use: K/V heads repeated for
// GQA, (B, H) folded into one batch dimension, a per-head sink broadcast over
// batch and rows. IndexTrace follows one tensor back through such ops and
// keeps, at each step, the affine map that sends an index of the tensor it
// started from to the index of the same element in the tensor it reached.
// The maps use floordiv and mod by constants; whether one has a given form is
// checked exactly by evaluating each result over the (static) range of the
// one dimension it may depend on.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_INDEXTRACE_H
#define ATTN_DIALECT_ATTN_TRANSFORMS_INDEXTRACE_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

#include <functional>
#include <optional>

namespace mlir::attn {

/// A tensor reached by following data movement back from a start tensor, and
/// the map from the start tensor's indices to this tensor's indices.
struct IndexView {
  Value value;
  AffineMap map;
};

/// The view of `start` itself (the identity, with unit dimensions read as
/// index 0 so that maps simplify without knowing ranges).
IndexView startView(Value start);

/// One step back from `view`: through tensor.collapse_shape, expand_shape,
/// extract_slice (static, unit strides) and cast, linalg.transpose,
/// broadcast and copy, and linalg.generic copies (one input yielded as is).
/// Needs static sizes where indices are split or merged. Null `value` when
/// the producer is not such an op.
IndexView stepBack(const IndexView &view);

/// Follows `start` back (at most `maxSteps` steps) and returns the first view
/// for which `accept` holds, or nullopt.
std::optional<IndexView> traceBack(Value start,
                                   function_ref<bool(const IndexView &)> accept,
                                   unsigned maxSteps = 32);

/// Whether result `r` of `view.map` equals `expected(x_dim)` at every index
/// x of the start tensor, whose sizes are `sizes`: checked by evaluating it
/// at every combination of the dimensions it reads (and `dim`), all static,
/// at most 2^22 points. When `identity` says `expected` is the identity, a
/// result that is the dimension itself holds at any size, dynamic included
/// (with a dynamic size of `dim` nothing else does). `budget`, when given, is
/// the number of points the caller still allows; the points evaluated are taken
/// from it, and a check that would exceed it fails (so that a search over many
/// candidates stays bounded).
bool resultIs(const IndexView &view, unsigned r, unsigned dim,
              ArrayRef<int64_t> sizes, function_ref<int64_t(int64_t)> expected,
              bool identity, int64_t *budget = nullptr);

/// Whether result `r` of `view.map` is a constant equal to `c`.
bool resultIsConstant(const IndexView &view, unsigned r, int64_t c);

} // namespace mlir::attn

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_INDEXTRACE_H
