//===- Sizes.h - Sizes of dynamic shapes, compared symbolically -*- C++ -*-===//
//
// Dynamic-shape IR computes one size in many places: `tensor.dim` of
// different tensors, index casts to i64 and back, the operands of
// `tensor.empty` and `expand_shape`. Size follows a size back to the value
// it was computed from, so that two sizes of the same origin compare equal,
// and falls back to upstream's ValueBoundsConstraintSet.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_SIZES_H
#define ATTN_ANALYSIS_SIZES_H

#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

namespace mlir::attn {

/// A size: `scale` times a constant or an index value, or, when it is not
/// held by a value the walk reached, times dimension `dim` of the tensor
/// `shaped`. Null when unknown.
struct Size {
  OpFoldResult ofr;
  Value shaped;
  int64_t dim = 0;
  int64_t scale = 1;

  explicit operator bool() const { return ofr || shaped; }
  /// The size without its scale, for ValueBoundsConstraintSet.
  ValueBoundsConstraintSet::Variable variable() const;
  /// The constant, if it is one.
  std::optional<int64_t> constant() const;
  /// This size times `factor`.
  Size times(int64_t factor) const;
};

/// `v` without the index casts and integer extensions a frontend puts around
/// sizes (sizes are non-negative and far below 2^63, so they are exact).
Value stripSizeCasts(Value v);

/// The size held by the integer or index value `v`, seen through casts,
/// tensor.dim and products with (or exact quotients by) constants; null when
/// it is an integer of another width that is no constant.
Size sizeOf(Value v);

/// Dimension `dim` of the ranked tensor `t`, followed back through the ops
/// that carry sizes from operands to results (tensor.empty, expand_shape,
/// collapse_shape of one dynamic dimension with static ones, extract_slice,
/// casts, concatenation along another dimension, destination-style ops), so
/// that two sizes computed from the same value compare equal.
Size dimOf(Value t, int64_t dim);

/// Whether the sizes `a` and `b` are provably equal: the same constant, or
/// the same scale of the same value or tensor dimension, or of values equal
/// by ValueBoundsConstraintSet.
bool provablyEqual(const Size &a, const Size &b);

} // namespace mlir::attn

#endif // ATTN_ANALYSIS_SIZES_H
