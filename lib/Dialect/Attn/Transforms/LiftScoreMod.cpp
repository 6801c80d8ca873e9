//===- LiftScoreMod.cpp - Masks out of score_mod regions ------------------===//
//
// --attn-lift-score-mod: a score_mod region that ends in
// select(c, x, -inf) (or select(c, -inf, x)) with a condition c that does
// not read the logit hides pairs by position alone: c is computed once into
// an i1 mask operand (a linalg.generic over the indices it reads), the
// region yields x, and a region left yielding its logit is removed. The
// mask then reaches --attn-infer-pattern and the tile plans.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Support/PassOptions.h"

#include "attn/Dialect/Attn/Transforms/Transforms.h"
#include "attn/Support/PassStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNLIFTSCOREMODPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

bool isNegInf(Value v) {
  FloatAttr attr;
  return matchPattern(v, m_Constant(&attr)) && attr.getValue().isInfinity() &&
         attr.getValue().isNegative();
}

/// The ops of `block` that `v` depends on, in block order; fails when one of
/// them reads the block's argument `avoid`.
FailureOr<SmallVector<Operation *>> sliceOf(Block *block, Value v,
                                            BlockArgument avoid) {
  DenseSet<Operation *> in;
  SmallVector<Value> work = {v};
  while (!work.empty()) {
    Value x = work.pop_back_val();
    if (x == avoid)
      return failure();
    Operation *def = x.getDefiningOp();
    if (!def || def->getBlock() != block || !in.insert(def).second)
      continue;
    llvm::append_range(work, def->getOperands());
  }
  SmallVector<Operation *> ordered;
  for (Operation &op : block->without_terminator())
    if (in.contains(&op))
      ordered.push_back(&op);
  return ordered;
}

/// Erases the region's ops that nothing uses any more.
void dropDeadOps(RewriterBase &rewriter, Block *block) {
  bool progress = true;
  while (progress) {
    progress = false;
    SmallVector<Operation *> dead;
    for (Operation &op : block->without_terminator())
      if (op.use_empty())
        dead.push_back(&op);
    // Users before producers.
    for (Operation *op : llvm::reverse(dead)) {
      rewriter.eraseOp(op);
      progress = true;
    }
  }
}

/// Clones `slice` (ops of the score_mod `block`, reading its index
/// arguments) into the body of a linalg.generic whose loops are the last
/// `rank` of (b, h, i, j), and returns what `result` maps to.
Value clonePositionSlice(OpBuilder &b, Location l, Block *block,
                         ArrayRef<Operation *> slice, int64_t rank,
                         Value result) {
  IRMapping mapping;
  // Region index d + 1 is loop rank - 4 + d (b and h only on rank 4).
  for (int64_t d = 0; d < 4; ++d) {
    int64_t loop = rank - 4 + d;
    mapping.map(block->getArgument(d + 1),
                loop >= 0
                    ? linalg::IndexOp::create(b, l, loop).getResult()
                    : arith::ConstantIndexOp::create(b, l, 0).getResult());
  }
  for (Operation *inner : slice)
    b.clone(*inner, mapping);
  return mapping.lookupOrDefault(result);
}

/// Lq x Lk, with B and Hq in front when one of `users` (the slice and the op
/// consuming it) reads the region's b or h.
SmallVector<int64_t> positionShape(AttentionOp op, Block *block,
                                   ArrayRef<Operation *> slice,
                                   Operation *consumer) {
  auto reads = [&](unsigned arg) {
    return llvm::any_of(
        block->getArgument(arg).getUsers(), [&](Operation *user) {
          return llvm::is_contained(slice, user) || user == consumer;
        });
  };
  auto qType = op.getQueryType();
  int64_t lq = qType.getDimSize(2), lk = op.getKeyType().getDimSize(2);
  bool perBatch = reads(1), perHead = reads(2);
  if (perBatch || perHead)
    return {perBatch ? qType.getDimSize(0) : 1,
            perHead ? qType.getDimSize(1) : 1, lq, lk};
  return {lq, lk};
}

/// Whether `shape` is static with at most `maxEntries` entries; otherwise a
/// remark on `op` says that the `what` ("mask", "bias") stays in its region.
bool fitsOrRemark(AttentionOp op, ArrayRef<int64_t> shape, int64_t maxEntries,
                  StringRef what) {
  int64_t entries = 1;
  for (int64_t s : shape) {
    if (ShapedType::isDynamic(s) || (s != 0 && entries > maxEntries / s)) {
      op.emitRemark() << "attn-lift-score-mod: the " << what
                      << " in the score_mod region is not lifted: its shape "
                         "is dynamic or has more than max-entries ("
                      << maxEntries << ") entries";
      return false;
    }
    entries *= s;
  }
  return true;
}

/// A finite, non-zero compile-time float.
std::optional<double> finiteConstant(Value v) {
  FloatAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  double c = attr.getValueAsDouble();
  if (!std::isfinite(c) || c == 0.0)
    return std::nullopt;
  return c;
}

/// The operand of the binary `op` that is not `x`.
Value otherOperand(Operation *op, Value x) {
  return op->getOperand(0) == x ? op->getOperand(1) : op->getOperand(0);
}

} // namespace

LogicalResult mlir::attn::liftScoreModPrologue(RewriterBase &rewriter,
                                               AttentionOp op,
                                               int64_t maxEntries) {
  bool changed = false;
  MLIRContext *ctx = op.getContext();
  while (Block *block = op.getScoreModBlock()) {
    BlockArgument s = block->getArgument(0);
    if (!s.hasOneUse())
      break;
    Operation *user = *s.getUsers().begin();
    // Drops `user` (which computed from s alone what now comes in as s).
    auto bypass = [&] {
      rewriter.replaceAllUsesWith(user->getResult(0), s);
      rewriter.eraseOp(user);
      changed = true;
    };
    bool plain = !op.getSoftcap() && !op.getBias();
    // c * tanh(s / c) (or tanh(s * (1 / c))): the softcap c, when nothing
    // comes between the op's scale and it.
    if (plain && isa<arith::DivFOp, arith::MulFOp>(user) &&
        user->getOperand(0) == s && user->hasOneUse()) {
      std::optional<double> k = finiteConstant(user->getOperand(1));
      auto tanh = dyn_cast<math::TanhOp>(*user->getUsers().begin());
      auto outer = tanh && tanh->hasOneUse()
                       ? dyn_cast<arith::MulFOp>(*tanh->getUsers().begin())
                       : nullptr;
      std::optional<double> c =
          outer ? finiteConstant(otherOperand(outer, tanh)) : std::nullopt;
      double inner = k && isa<arith::MulFOp>(user) ? 1.0 / *k : k.value_or(0);
      if (k && c && *c > 0.0 && std::abs(inner - *c) <= 1e-6 * std::abs(*c)) {
        rewriter.modifyOpInPlace(op, [&] {
          op.setSoftcapAttr(FloatAttr::get(Float32Type::get(ctx), *c));
        });
        rewriter.replaceAllUsesWith(outer.getResult(), s);
        rewriter.eraseOp(outer);
        rewriter.eraseOp(tanh);
        rewriter.eraseOp(user);
        changed = true;
        continue;
      }
    }
    // c * s or s / c: the scale, when nothing comes between.
    if (plain && isa<arith::MulFOp, arith::DivFOp>(user) &&
        (isa<arith::MulFOp>(user) || user->getOperand(0) == s)) {
      std::optional<double> c = finiteConstant(otherOperand(user, s));
      double scale = op.getEffectiveScale() *
                     (c && isa<arith::DivFOp>(user) ? 1.0 / *c : c.value_or(0));
      if (c && std::isfinite(scale) && scale != 0.0 &&
          std::abs(scale) < 3.0e38) {
        rewriter.modifyOpInPlace(op, [&] {
          op.setScaleAttr(FloatAttr::get(Float32Type::get(ctx), scale));
        });
        bypass();
        continue;
      }
    }
    // s + t with t computed from positions and captures: the bias t.
    if (!op.getBias() && isa<arith::AddFOp>(user)) {
      Value t = otherOperand(user, s);
      FailureOr<SmallVector<Operation *>> slice = sliceOf(block, t, s);
      if (failed(slice))
        break;
      SmallVector<int64_t> shape = positionShape(op, block, *slice, user);
      if (!fitsOrRemark(op, shape, maxEntries, "bias"))
        break;
      Location loc = op.getLoc();
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(op);
      int64_t rank = static_cast<int64_t>(shape.size());
      Value init =
          tensor::EmptyOp::create(rewriter, loc, shape, rewriter.getF32Type());
      Value bias =
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{init.getType()}, ValueRange{},
              ValueRange{init}, {AffineMap::getMultiDimIdentityMap(rank, ctx)},
              SmallVector<utils::IteratorType>(rank,
                                               utils::IteratorType::parallel),
              [&](OpBuilder &b, Location l, ValueRange) {
                linalg::YieldOp::create(
                    b, l, clonePositionSlice(b, l, block, *slice, rank, t));
              })
              .getResult(0);
      rewriter.modifyOpInPlace(op, [&] { op.getBiasMutable().assign(bias); });
      bypass();
      dropDeadOps(rewriter, block);
      continue;
    }
    break;
  }
  return success(changed);
}

LogicalResult mlir::attn::liftScoreModMasks(RewriterBase &rewriter,
                                            AttentionOp op,
                                            int64_t maxEntries) {
  bool changed = false;
  while (Block *block = op.getScoreModBlock()) {
    auto yield = cast<YieldOp>(block->getTerminator());
    Value result = yield.getValues().front();
    if (result == block->getArgument(0)) {
      rewriter.modifyOpInPlace(op,
                               [&] { op.getScoreMod().getBlocks().clear(); });
      return success();
    }
    auto select = result.getDefiningOp<arith::SelectOp>();
    if (!select || select->getBlock() != block)
      break;
    bool negated = isNegInf(select.getTrueValue());
    if (!negated && !isNegInf(select.getFalseValue()))
      break;
    Value kept = negated ? select.getFalseValue() : select.getTrueValue();
    FailureOr<SmallVector<Operation *>> slice =
        sliceOf(block, select.getCondition(), block->getArgument(0));
    if (failed(slice))
      break;

    // The mask's shape: Lq x Lk, with B and Hq in front when it reads them.
    SmallVector<int64_t> shape = maskShapeWithExisting(
        op, positionShape(op, block, *slice, select.getOperation()));
    if (!fitsOrRemark(op, shape, maxEntries, "mask"))
      break;

    Location loc = op.getLoc();
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(op);
    int64_t rank = static_cast<int64_t>(shape.size());
    Value mask = buildMaskGeneric(
        rewriter, loc, op, shape, {}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          Value visible = clonePositionSlice(b, l, block, *slice, rank,
                                             select.getCondition());
          if (negated)
            visible = arith::XOrIOp::create(
                b, l, visible, arith::ConstantIntOp::create(b, l, 1, 1));
          return visible;
        });
    rewriter.modifyOpInPlace(op, [&] { op.getMaskMutable().assign(mask); });
    rewriter.modifyOpInPlace(yield,
                             [&] { yield.getValuesMutable().assign(kept); });
    dropDeadOps(rewriter, block);
    changed = true;
  }
  return success(changed);
}

namespace {

struct AttnLiftScoreModPass
    : mlir::attn::impl::AttnLiftScoreModPassBase<AttnLiftScoreModPass> {
  using Base::Base;
  ATTN_PASS_OPTION_ERRORS

  LogicalResult initialize(MLIRContext *context) override {
    if (maxEntries < 1)
      return mlir::emitError(UnknownLoc::get(context))
             << "attn-lift-score-mod: max-entries must be positive, got "
             << maxEntries.getValue();
    return success();
  }

  void runOnOperation() override {
    SmallVector<AttentionOp> ops;
    getOperation().walk([&](AttentionOp op) {
      if (op.hasScoreMod())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (AttentionOp op : ops)
      if (succeeded(liftScoreModPrologue(rewriter, op, maxEntries)) |
          succeeded(liftScoreModMasks(rewriter, op, maxEntries))) {
        ++numLifted;
        ::attn::stats::add(getArgument(), "ops-lifted", 1);
      }
  }
};

} // namespace
