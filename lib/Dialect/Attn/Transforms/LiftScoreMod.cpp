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

} // namespace

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
    auto reads = [&](unsigned arg) {
      return !block->getArgument(arg).use_empty() &&
             llvm::any_of(block->getArgument(arg).getUsers(),
                          [&](Operation *user) {
                            return llvm::is_contained(*slice, user) ||
                                   user == select.getOperation();
                          });
    };
    auto qType = op.getQueryType();
    int64_t lq = qType.getDimSize(2), lk = op.getKeyType().getDimSize(2);
    bool perBatch = reads(1), perHead = reads(2);
    SmallVector<int64_t> shape = {lq, lk};
    if (perBatch || perHead)
      shape = {perBatch ? qType.getDimSize(0) : 1,
               perHead ? qType.getDimSize(1) : 1, lq, lk};
    shape = maskShapeWithExisting(op, shape);
    int64_t entries = 1;
    bool fits = true;
    for (int64_t s : shape) {
      if (ShapedType::isDynamic(s) || (s != 0 && entries > maxEntries / s)) {
        fits = false;
        break;
      }
      entries *= s;
    }
    if (!fits) {
      op.emitRemark() << "attn-lift-score-mod: the mask in the score_mod "
                         "region is not lifted: its shape is dynamic or has "
                         "more than max-entries ("
                      << maxEntries << ") entries";
      break;
    }

    Location loc = op.getLoc();
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(op);
    int64_t rank = static_cast<int64_t>(shape.size());
    Value mask = buildMaskGeneric(
        rewriter, loc, op, shape, {}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          IRMapping mapping;
          // Region index d + 1 is loop rank - 4 + d (b and h only on rank 4).
          for (int64_t d = 0; d < 4; ++d) {
            int64_t loop = rank - 4 + d;
            mapping.map(
                block->getArgument(d + 1),
                loop >= 0
                    ? linalg::IndexOp::create(b, l, loop).getResult()
                    : arith::ConstantIndexOp::create(b, l, 0).getResult());
          }
          for (Operation *inner : *slice)
            b.clone(*inner, mapping);
          Value visible = mapping.lookupOrDefault(select.getCondition());
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
      if (succeeded(liftScoreModMasks(rewriter, op, maxEntries))) {
        ++numLifted;
        ::attn::stats::add(getArgument(), "ops-lifted", 1);
      }
  }
};

} // namespace
