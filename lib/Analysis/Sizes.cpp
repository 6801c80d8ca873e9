//===- Sizes.cpp - Sizes of dynamic shapes, compared symbolically ---------===//

#include "attn/Analysis/Sizes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

using namespace mlir;
using namespace mlir::attn;

std::optional<int64_t> Size::asConstant() const {
  if (!known || !terms.empty())
    return std::nullopt;
  return offset;
}

std::optional<SizeBase> Size::asBase() const {
  if (!known || offset != 0 || terms.size() != 1 || terms[0].second != 1)
    return std::nullopt;
  return terms[0].first;
}

Size Size::plus(const Size &o, int64_t factor) const {
  if (!known || !o.known)
    return {};
  Size s = *this;
  s.offset += factor * o.offset;
  for (const auto &[base, coef] : o.terms) {
    auto *it =
        llvm::find_if(s.terms, [&](const auto &t) { return t.first == base; });
    if (it == s.terms.end())
      s.terms.push_back({base, factor * coef});
    else
      it->second += factor * coef;
  }
  llvm::erase_if(s.terms, [](const auto &t) { return t.second == 0; });
  return s;
}

Size Size::times(int64_t factor) const {
  if (!known)
    return {};
  Size s = *this;
  s.offset *= factor;
  for (auto &term : s.terms)
    term.second *= factor;
  llvm::erase_if(s.terms, [](const auto &t) { return t.second == 0; });
  return s;
}

bool Size::isNonNegative() const {
  return known && offset >= 0 && llvm::all_of(terms, [](const auto &t) {
           return t.second >= 0 && t.first.isDimension();
         });
}

namespace {
/// `s` divided by `divisor` where every coefficient is a multiple of it.
Size divided(const Size &s, int64_t divisor) {
  if (!s || divisor <= 0 || s.offset % divisor)
    return {};
  Size out = s;
  out.offset /= divisor;
  for (auto &term : out.terms) {
    if (term.second % divisor)
      return {};
    term.second /= divisor;
  }
  return out;
}

/// The linear affine expression `e` of the sizes `operands` (dimensions,
/// then symbols); null when it is not linear.
Size affineSize(AffineExpr e, ValueRange operands, unsigned numDims) {
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return Size::constant(c.getValue());
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return sizeOf(operands[d.getPosition()]);
  if (auto s = dyn_cast<AffineSymbolExpr>(e))
    return sizeOf(operands[numDims + s.getPosition()]);
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return {};
  if (e.getKind() == AffineExprKind::Add)
    return affineSize(bin.getLHS(), operands, numDims)
        .plus(affineSize(bin.getRHS(), operands, numDims));
  if (e.getKind() == AffineExprKind::Mul)
    if (auto k = dyn_cast<AffineConstantExpr>(bin.getRHS()))
      return affineSize(bin.getLHS(), operands, numDims).times(k.getValue());
  return {};
}

/// The size compared with zero by `cmp` when it reads `s < 0` or `0 > s`.
Value negativeCheckOf(Value cond) {
  auto cmp = cond.getDefiningOp<arith::CmpIOp>();
  if (!cmp)
    return {};
  APInt zero;
  if (cmp.getPredicate() == arith::CmpIPredicate::slt &&
      matchPattern(cmp.getRhs(), m_ConstantInt(&zero)) && zero.isZero())
    return cmp.getLhs();
  if (cmp.getPredicate() == arith::CmpIPredicate::sgt &&
      matchPattern(cmp.getLhs(), m_ConstantInt(&zero)) && zero.isZero())
    return cmp.getRhs();
  return {};
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
  for (int steps = 0; steps < 64; ++steps) {
    v = stripSizeCasts(v);
    APInt c;
    if (matchPattern(v, m_ConstantInt(&c)))
      return Size::constant(c.getSExtValue());
    Operation *op = v.getDefiningOp();
    if (auto dim = dyn_cast_or_null<tensor::DimOp>(op)) {
      auto ranked = dyn_cast<RankedTensorType>(dim.getSource().getType());
      if (std::optional<int64_t> d = dim.getConstantIndex();
          ranked && d && *d >= 0 && *d < ranked.getRank())
        return dimOf(dim.getSource(), *d);
    }
    if (op && isa<arith::AddIOp, arith::SubIOp>(op)) {
      Size a = sizeOf(op->getOperand(0)), b = sizeOf(op->getOperand(1));
      return a.plus(b, isa<arith::AddIOp>(op) ? 1 : -1);
    }
    if (op && isa<arith::MulIOp, arith::DivSIOp, arith::DivUIOp>(op)) {
      APInt k;
      if (matchPattern(op->getOperand(1), m_ConstantInt(&k))) {
        Size base = sizeOf(op->getOperand(0));
        if (isa<arith::MulIOp>(op))
          return base.times(k.getSExtValue());
        return divided(base, k.getSExtValue());
      }
      if (isa<arith::MulIOp>(op) &&
          matchPattern(op->getOperand(0), m_ConstantInt(&k)))
        return sizeOf(op->getOperand(1)).times(k.getSExtValue());
    }
    if (auto apply = dyn_cast_or_null<affine::AffineApplyOp>(op))
      return affineSize(apply.getAffineMap().getResult(0),
                        apply.getMapOperands(),
                        apply.getAffineMap().getNumDims());
    // select(s < 0, x, s) with s a size that cannot be negative: s.
    if (auto select = dyn_cast_or_null<arith::SelectOp>(op)) {
      Value checked = negativeCheckOf(select.getCondition());
      if (checked && sizeOf(checked).isNonNegative() &&
          stripSizeCasts(checked) == stripSizeCasts(select.getFalseValue())) {
        v = select.getFalseValue();
        continue;
      }
    }
    if (!v.getType().isIndex())
      return {};
    return Size::of({v, {}, 0});
  }
  return {};
}

Size mlir::attn::dimOf(Value t, int64_t dim) {
  for (int steps = 0; steps < 64; ++steps) {
    auto type = dyn_cast<RankedTensorType>(t.getType());
    if (!type || dim < 0 || dim >= type.getRank())
      return {};
    if (!type.isDynamicDim(dim))
      return Size::constant(type.getDimSize(dim));
    Operation *op = t.getDefiningOp();
    if (auto empty = dyn_cast_or_null<tensor::EmptyOp>(op))
      return sizeOf(empty.getDynamicSize(dim));
    if (auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(op)) {
      OpFoldResult size = expand.getMixedOutputShape()[dim];
      if (auto v = dyn_cast<Value>(size))
        return sizeOf(v);
      return Size::constant(*getConstantIntValue(size));
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
      return dimOf(collapse.getSrc(), *inner).times(factor);
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
        return Size::constant(*getConstantIntValue(size));
      }
      break;
    }
    if (auto cast = dyn_cast_or_null<tensor::CastOp>(op)) {
      t = cast.getSource();
      continue;
    }
    if (auto concat = dyn_cast_or_null<tensor::ConcatOp>(op)) {
      if (static_cast<int64_t>(concat.getDim()) != dim) {
        t = concat.getInputs().front();
        continue;
      }
      // Along the concatenated dimension: the sum of the inputs' sizes.
      Size sum = Size::constant(0);
      for (Value input : concat.getInputs())
        sum = sum.plus(dimOf(input, dim));
      return sum;
    }
    if (auto dps = dyn_cast_or_null<DestinationStyleOpInterface>(op);
        dps && dps.hasPureTensorSemantics()) {
      t = dps.getDpsInitOperand(cast<OpResult>(t).getResultNumber())->get();
      continue;
    }
    break;
  }
  return Size::of({{}, t, dim});
}

bool mlir::attn::provablyEqual(const Size &a, const Size &b) {
  if (!a || !b)
    return false;
  Size difference = a.plus(b, -1);
  if (difference.asConstant())
    return *difference.asConstant() == 0;
  // Single unknowns that the walk could not relate: ask the value bounds.
  std::optional<SizeBase> x = a.asBase(), y = b.asBase();
  if (!x || !y)
    return false;
  auto variable = [](const SizeBase &s) {
    return s.shaped ? ValueBoundsConstraintSet::Variable(s.shaped, s.dim)
                    : ValueBoundsConstraintSet::Variable(s.value);
  };
  FailureOr<bool> equal =
      ValueBoundsConstraintSet::areEqual(variable(*x), variable(*y));
  return succeeded(equal) && *equal;
}
