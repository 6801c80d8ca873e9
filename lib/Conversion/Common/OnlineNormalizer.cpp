//===- OnlineNormalizer.cpp - The online normalizer step, once ------------===//

#include "attn/Conversion/Common/OnlineNormalizer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;

OnlineNormalizer::OnlineNormalizer(OpBuilder &b, Location loc,
                                   NormalizerAttrInterface normalizer,
                                   Type type, Value lk)
    : b(b), loc(loc), normalizer(normalizer), type(type), lk(lk) {}

Value OnlineNormalizer::constant(double v) {
  auto elt = cast<FloatType>(getElementTypeOrSelf(type));
  TypedAttr attr = b.getFloatAttr(elt, v);
  if (auto vector = dyn_cast<VectorType>(type))
    attr = DenseElementsAttr::get(vector, attr);
  return arith::ConstantOp::create(b, loc, type, attr);
}

OnlineNormalizer &OnlineNormalizer::hoistConstants() {
  zeroV = constant(0.0);
  oneV = constant(1.0);
  negInfV = constant(-std::numeric_limits<double>::infinity());
  return *this;
}

Value OnlineNormalizer::zero() { return zeroV ? zeroV : constant(0.0); }
Value OnlineNormalizer::one() { return oneV ? oneV : constant(1.0); }
Value OnlineNormalizer::negInf() {
  return negInfV ? negInfV : constant(-std::numeric_limits<double>::infinity());
}

OnlineNormalizerState OnlineNormalizer::initialState(Value sink) {
  return {initialMax(sink), initialSum()};
}

Value OnlineNormalizer::initialMax(Value sink) {
  return normalizer.buildInitialMax(b, loc, type, sink);
}

OnlineNormalizerState OnlineNormalizer::emptyState() {
  assert(usesRunningMax() && "partial states need a running maximum");
  return {negInf(), zero()};
}

Value OnlineNormalizer::initialSum() {
  return normalizer.buildInitialSum(b, loc, type);
}

Value OnlineNormalizer::isVisible(Value s) {
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, s, negInf());
}

Value OnlineNormalizer::countVisible(Value count, Value s, Value visible) {
  if (!visible)
    visible = isVisible(s);
  Value oneValue = one();
  Value zeroValue = zero();
  Value inc = arith::SelectOp::create(b, loc, visible, oneValue, zeroValue);
  return arith::AddFOp::create(b, loc, count, inc);
}

Value OnlineNormalizer::updateMax(Value m, Value s, Value visible) {
  if (!usesRunningMax())
    return m;
  Value moved = arith::MaximumFOp::create(b, loc, m, s);
  if (!visible)
    return moved;
  return arith::SelectOp::create(b, loc, visible, moved, m);
}

Value OnlineNormalizer::rescale(Value mOld, Value mNew, Value count) {
  if (!usesRunningMax())
    return Value();
  return normalizer.buildRescale(b, loc, mOld, mNew, count);
}

Value OnlineNormalizer::rescaleSum(Value l, Value alpha) {
  if (!alpha)
    return l;
  return arith::MulFOp::create(b, loc, l, alpha);
}

Value OnlineNormalizer::weight(Value s, Value m, Value count, Value visible) {
  if (!visible)
    visible = isVisible(s);
  Value w = normalizer.buildWeight(b, loc, s, m, count, lk);
  return arith::SelectOp::create(b, loc, visible, w, zero());
}

OnlineNormalizerState OnlineNormalizer::step(OnlineNormalizerState state,
                                             Value count,
                                             const OnlineTile &tile) {
  Value mNew = state.max, l = state.sum;
  if (usesRunningMax()) {
    mNew = updateMax(state.max, tile.tileMax());
    Value alpha = rescale(state.max, mNew, count);
    l = rescaleSum(l, alpha);
    tile.rescaleAccumulator(alpha);
  }
  Value lNew = tile.accumulateWeights(
      l, [&](Value s) { return weight(s, mNew, count); });
  return {mNew, lNew};
}

Value OnlineNormalizer::finalScale(Value l, Value count) {
  return normalizer.buildFinalScale(b, loc, l, count, lk);
}

Value OnlineNormalizer::logSumExp(OnlineNormalizerState state) {
  assert(normalizer.hasLogSumExp() && "normalizer has no log-sum-exp");
  return normalizer.buildLogSumExp(b, loc, state.max, state.sum);
}

Value OnlineNormalizer::output(Value acc, Value factor, Type outElt) {
  Value o = arith::MulFOp::create(b, loc, acc, factor);
  if (getElementTypeOrSelf(o.getType()) == outElt)
    return o;
  Type target = outElt;
  if (auto shaped = dyn_cast<ShapedType>(o.getType()))
    target = shaped.clone(outElt);
  return arith::TruncFOp::create(b, loc, target, o);
}
