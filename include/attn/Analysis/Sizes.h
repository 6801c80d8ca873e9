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

/// An unknown size a Size is built from: an index value, or dimension `dim`
/// of the tensor `shaped` when no value holding it was reached.
struct SizeBase {
  Value value;
  Value shaped;
  int64_t dim = 0;

  bool operator==(const SizeBase &o) const {
    return value == o.value && shaped == o.shaped && dim == o.dim;
  }
  /// Whether it is a tensor dimension, hence never negative.
  bool isDimension() const { return static_cast<bool>(shaped); }
};

/// A size: a constant plus integer multiples of unknown sizes (torch-mlir
/// computes a KV cache's length as past + new, and composed reshapes as
/// products and quotients by constants). Null when unknown.
struct Size {
  bool known = false;
  int64_t offset = 0;
  SmallVector<std::pair<SizeBase, int64_t>> terms;

  static Size constant(int64_t c) { return {true, c, {}}; }
  static Size of(SizeBase base) { return {true, 0, {{base, 1}}}; }

  explicit operator bool() const { return known; }
  /// The constant, if it is one.
  std::optional<int64_t> asConstant() const;
  /// The one base it is, if it is that base exactly.
  std::optional<SizeBase> asBase() const;
  Size plus(const Size &o, int64_t factor = 1) const;
  Size times(int64_t factor) const;
  /// Whether it is never negative: a non-negative constant plus
  /// non-negative multiples of tensor dimensions.
  bool isNonNegative() const;
};

/// `v` without the index casts and integer extensions a frontend puts around
/// sizes (sizes are non-negative and far below 2^63, so they are exact).
Value stripSizeCasts(Value v);

/// The size held by the integer or index value `v`, seen through casts,
/// tensor.dim, sums and differences (arith or affine.apply), products with
/// (and exact quotients by) constants, and sign checks of sizes that cannot be
/// negative
/// (`select(s < 0, x, s)` is s); null when it is an integer of another width
/// that is no constant.
Size sizeOf(Value v);

/// Dimension `dim` of the ranked tensor `t`, followed back through the ops
/// that carry sizes from operands to results (tensor.empty, expand_shape,
/// collapse_shape of one dynamic dimension with static ones, extract_slice,
/// casts, concatenations (the sum of the inputs along the concatenated
/// dimension), destination-style ops), so that two sizes computed from the
/// same value compare equal. Null when `t` is no ranked tensor or has no
/// dimension `dim`.
Size dimOf(Value t, int64_t dim);

/// Whether the sizes `a` and `b` are provably equal: the same combination of
/// the same bases, or single bases equal by ValueBoundsConstraintSet.
bool provablyEqual(const Size &a, const Size &b);

} // namespace mlir::attn

#endif // ATTN_ANALYSIS_SIZES_H
