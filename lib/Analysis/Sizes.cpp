//===- Sizes.cpp - Sizes of dynamic shapes, compared symbolically ---------===//

#include "attn/Analysis/Sizes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

using namespace mlir;
using namespace mlir::attn;

ValueBoundsConstraintSet::Variable Size::variable() const {
  return shaped ? ValueBoundsConstraintSet::Variable(shaped, dim)
                : ValueBoundsConstraintSet::Variable(ofr);
}

std::optional<int64_t> Size::constant() const {
  if (shaped || !ofr)
    return std::nullopt;
  std::optional<int64_t> c = getConstantIntValue(ofr);
  if (!c)
    return std::nullopt;
  return *c * scale;
}

Size Size::times(int64_t factor) const {
  Size s = *this;
  s.scale *= factor;
  return s;
}

namespace {
/// `s` divided by `divisor` where its scale is a multiple of it.
Size divided(Size s, int64_t divisor) {
  if (!s || divisor <= 0)
    return {};
  if (std::optional<int64_t> c = s.constant())
    return *c % divisor
               ? Size()
               : Size{IntegerAttr::get(IndexType::get(s.ofr.getContext()),
                                       *c / divisor),
                      {}};
  if (s.scale % divisor)
    return {};
  s.scale /= divisor;
  return s;
}
} // namespace

Value mlir::attn::stripSizeCasts(Value v) {
  while (Operation *op = v.getDefiningOp()) {
    if (!isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
             arith::ExtUIOp>(op))
      break;
    v = op->getOperand(0);
  }
  return v;
}

Size mlir::attn::sizeOf(Value v) {
  v = stripSizeCasts(v);
  APInt c;
  if (matchPattern(v, m_ConstantInt(&c)))
    return {IntegerAttr::get(IndexType::get(v.getContext()), c.getSExtValue()),
            {}};
  if (auto dim = v.getDefiningOp<tensor::DimOp>())
    if (std::optional<int64_t> d = dim.getConstantIndex();
        d && *d >= 0 && *d < dim.getSource().getType().getRank())
      return dimOf(dim.getSource(), *d);
  // A size times or divided by a constant (canonicalisation writes the
  // sizes of composed reshapes so).
  Operation *op = v.getDefiningOp();
  if (op && isa<arith::MulIOp, arith::DivSIOp, arith::DivUIOp>(op)) {
    APInt k;
    if (matchPattern(op->getOperand(1), m_ConstantInt(&k))) {
      Size base = sizeOf(op->getOperand(0));
      if (!base)
        return {};
      if (isa<arith::MulIOp>(op))
        return base.times(k.getSExtValue());
      return divided(base, k.getSExtValue());
    }
  }
  if (!v.getType().isIndex())
    return {};
  return {v, {}};
}

Size mlir::attn::dimOf(Value t, int64_t dim) {
  MLIRContext *ctx = t.getContext();
  for (int steps = 0; steps < 64; ++steps) {
    auto type = cast<RankedTensorType>(t.getType());
    if (!type.isDynamicDim(dim))
      return {IntegerAttr::get(IndexType::get(ctx), type.getDimSize(dim)), {}};
    Operation *op = t.getDefiningOp();
    if (auto empty = dyn_cast_or_null<tensor::EmptyOp>(op))
      return sizeOf(empty.getDynamicSize(dim));
    if (auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(op)) {
      OpFoldResult size = expand.getMixedOutputShape()[dim];
      if (auto v = dyn_cast<Value>(size))
        return sizeOf(v);
      return {size, {}};
    }
    if (auto collapse = dyn_cast_or_null<tensor::CollapseShapeOp>(op)) {
      // A group of one dynamic dimension and static ones: that dimension
      // times their product.
      std::optional<int64_t> inner;
      int64_t factor = 1;
      SmallVector<ReassociationIndices> groups =
          collapse.getReassociationIndices();
      for (int64_t d : groups[dim]) {
        int64_t size = collapse.getSrcType().getDimSize(d);
        if (!ShapedType::isDynamic(size)) {
          factor *= size;
          continue;
        }
        if (inner) {
          inner.reset();
          break;
        }
        inner = d;
      }
      if (!inner)
        break;
      Size base = dimOf(collapse.getSrc(), *inner);
      return base ? base.times(factor) : base;
    }
    if (auto slice = dyn_cast_or_null<tensor::ExtractSliceOp>(op)) {
      // The size of the result's dimension `dim`, skipping dropped ones.
      llvm::SmallBitVector dropped = slice.getDroppedDims();
      SmallVector<OpFoldResult> sizes = slice.getMixedSizes();
      int64_t kept = -1;
      for (auto [d, size] : llvm::enumerate(sizes)) {
        if (dropped.test(d) || ++kept != dim)
          continue;
        if (auto v = dyn_cast<Value>(size))
          return sizeOf(v);
        return {size, {}};
      }
      break;
    }
    if (auto cast = dyn_cast_or_null<tensor::CastOp>(op)) {
      t = cast.getSource();
      continue;
    }
    if (auto concat = dyn_cast_or_null<tensor::ConcatOp>(op);
        concat && static_cast<int64_t>(concat.getDim()) != dim) {
      t = concat.getInputs().front();
      continue;
    }
    if (auto dps = dyn_cast_or_null<DestinationStyleOpInterface>(op);
        dps && dps.hasPureTensorSemantics()) {
      t = dps.getDpsInitOperand(cast<OpResult>(t).getResultNumber())->get();
      continue;
    }
    break;
  }
  return {{}, t, dim};
}

bool mlir::attn::provablyEqual(const Size &a, const Size &b) {
  if (!a || !b)
    return false;
  std::optional<int64_t> ca = a.constant(), cb = b.constant();
  if (ca && cb)
    return *ca == *cb;
  if (a.scale != b.scale)
    return false;
  if (a.shaped || b.shaped) {
    if (a.shaped == b.shaped && a.dim == b.dim)
      return true;
  } else if (a.ofr == b.ofr) {
    return true;
  }
  FailureOr<bool> equal =
      ValueBoundsConstraintSet::areEqual(a.variable(), b.variable());
  return succeeded(equal) && *equal;
}
