//===- Attn.h - attn dialect, attributes, interfaces, ops -------*- C++ -*-===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTN_H
#define ATTN_DIALECT_ATTN_IR_ATTN_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/TilingInterface.h"

#include <array>
#include <limits>

namespace mlir::attn {

/// How much of a (query tile, key tile) block a pattern makes visible.
enum class TileVisibility { Skipped, Partial, Full };

class PatternAttrInterface;

/// One affine constraint on a visible pair: {ci, cj, clq, clk, c0} stands
/// for ci*i + cj*j + clq*lq + clk*lk + c0 >= 0 (row i, key j, sizes lq, lk).
using AffineConstraint = std::array<int64_t, 5>;
/// The visible pairs of a pattern as a union of conjunctions of affine
/// constraints (PatternAttrInterface::getAffineVisibility).
using AffineVisibility = SmallVector<SmallVector<AffineConstraint>>;

/// A normalizer expressed with a per-head sink operand: the normalizer
/// attribute (one whose `requiresSinkOperand()` holds) and the sink logit
/// that makes it equal to the original one.
struct SinkOperandForm {
  Attribute normalizer;
  double sinkLogit;
};

namespace detail {
/// Classifies a tile by evaluating every pair (the interface's fallback).
TileVisibility classifyTileByEnumeration(PatternAttrInterface pattern,
                                         int64_t qBegin, int64_t qEnd,
                                         int64_t kBegin, int64_t kEnd,
                                         int64_t lq, int64_t lk);
/// A float constant of `type` (a float type or a vector of one); the
/// normalizers' builders and their interface defaults make theirs with it.
Value floatConstant(OpBuilder &b, Location loc, Type type, double value);
/// An index constant.
Value indexConstant(OpBuilder &b, Location loc, int64_t value);
} // namespace detail

/// The indexing map that reads `operand`, numpy-broadcast (right-aligned,
/// size-1 dimensions repeated) over the loops `targetLoops` of a
/// `numLoops`-loop nest: operand dimension d reads the loop aligned with it,
/// or index 0 where its size is 1. Used for bias and mask operands
/// (SPEC section 2) by every rewrite that builds generics around them.
AffineMap getBroadcastReadMap(RankedTensorType operand,
                              ArrayRef<unsigned> targetLoops,
                              unsigned numLoops);

} // namespace mlir::attn

#include "attn/Dialect/Attn/IR/AttnDialect.h.inc"
#include "attn/Dialect/Attn/IR/AttnEnums.h.inc"
#include "attn/Dialect/Attn/IR/AttnInterfaces.h.inc"

#define GET_ATTRDEF_CLASSES
#include "attn/Dialect/Attn/IR/AttnAttrs.h.inc"

#define GET_OP_CLASSES
#include "attn/Dialect/Attn/IR/AttnOps.h.inc"

#endif // ATTN_DIALECT_ATTN_IR_ATTN_H
