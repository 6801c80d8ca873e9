//===- MaterializePattern.cpp - Turn attention patterns into masks --------===//
//
// --attn-materialize-pattern: the inverse of --attn-infer-pattern. The mask
// is built from the pattern interface, as a constant (C++ evaluator) or as
// a linalg.generic over linalg.index (IR builder).
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Support/PassOptions.h"

#include "attn/Analysis/PatternInference.h"
#include "attn/Dialect/Attn/Transforms/Transforms.h"
#include "attn/Support/PassStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNMATERIALIZEPATTERNPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

LogicalResult mlir::attn::materializePattern(RewriterBase &rewriter,
                                             AttentionOp op, MaskForm form,
                                             int64_t maxConstantEntries) {
  PatternAttrInterface pattern = op.getEffectivePattern();
  if (pattern.isDense() || op.getQOffset())
    return failure();
  int64_t lq = op.getQuery().getType().getDimSize(2);
  int64_t lk = op.getKey().getType().getDimSize(2);
  if (ShapedType::isDynamic(lq) || ShapedType::isDynamic(lk))
    return failure();
  Value oldMask = op.getMask();
  if (oldMask && !cast<RankedTensorType>(oldMask.getType()).hasStaticShape())
    return failure();
  // lq * lk > maxConstantEntries, without overflow.
  if (form == MaskForm::Constant && lq != 0 && lk > maxConstantEntries / lq) {
    op.emitRemark() << "attn-materialize-pattern: not materialized: a " << lq
                    << " x " << lk << " constant mask exceeds max-entries ("
                    << maxConstantEntries
                    << "); form=index computes it instead";
    return failure();
  }

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Type i1 = rewriter.getI1Type();
  MLIRContext *ctx = rewriter.getContext();

  // Shape of the new mask: the old one's broadcast with Lq x Lk.
  SmallVector<int64_t> shape = {lq, lk};
  if (oldMask) {
    auto oldType = cast<RankedTensorType>(oldMask.getType());
    shape.assign(oldType.getShape().begin(), oldType.getShape().end());
    while (shape.size() < 2)
      shape.insert(shape.begin(), 1);
    shape[shape.size() - 2] = lq;
    shape[shape.size() - 1] = lk;
  }
  int64_t rank = static_cast<int64_t>(shape.size());
  auto maskType = RankedTensorType::get(shape, i1);

  Value constantMask;
  if (form == MaskForm::Constant) {
    VisibilityMatrix vis = VisibilityMatrix::fromPattern(pattern, lq, lk);
    SmallVector<bool> bits;
    bits.reserve(lq * lk);
    for (int64_t i = 0; i < lq; ++i)
      for (int64_t j = 0; j < lk; ++j)
        bits.push_back(vis.get(i, j));
    auto type = RankedTensorType::get({lq, lk}, i1);
    constantMask = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(type, ArrayRef<bool>(bits)));
    if (!oldMask) {
      rewriter.modifyOpInPlace(op, [&] {
        op.removePatternAttr();
        op.getMaskMutable().assign(constantMask);
      });
      return success();
    }
  }

  // A generic over the new mask's shape: visible(i, j) [and the old mask].
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (oldMask) {
    auto loops = llvm::to_vector(llvm::seq<unsigned>(0, rank));
    inputs.push_back(oldMask);
    maps.push_back(getBroadcastReadMap(
        cast<RankedTensorType>(oldMask.getType()), loops, rank));
  }
  if (constantMask) {
    inputs.push_back(constantMask);
    maps.push_back(AffineMap::get(
        rank, 0,
        {getAffineDimExpr(rank - 2, ctx), getAffineDimExpr(rank - 1, ctx)},
        ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = tensor::EmptyOp::create(rewriter, loc, shape, i1);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{maskType}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &b, Location l, ValueRange args) {
        Value visible;
        if (constantMask) {
          visible = args[oldMask ? 1 : 0];
        } else {
          Value i = linalg::IndexOp::create(b, l, rank - 2);
          Value j = linalg::IndexOp::create(b, l, rank - 1);
          Value lqV = arith::ConstantIndexOp::create(b, l, lq);
          Value lkV = arith::ConstantIndexOp::create(b, l, lk);
          visible = pattern.buildIsVisible(b, l, i, j, lqV, lkV);
        }
        if (oldMask)
          visible = arith::AndIOp::create(b, l, visible, args[0]);
        linalg::YieldOp::create(b, l, visible);
      });
  rewriter.modifyOpInPlace(op, [&] {
    op.removePatternAttr();
    op.getMaskMutable().assign(generic.getResult(0));
  });
  return success();
}

namespace {

struct AttnMaterializePatternPass
    : mlir::attn::impl::AttnMaterializePatternPassBase<
          AttnMaterializePatternPass> {
  using Base::Base;
  ATTN_PASS_OPTION_ERRORS

  LogicalResult initialize(MLIRContext *context) override {
    if (maxEntries < 1)
      return mlir::emitError(UnknownLoc::get(context))
             << "attn-materialize-pattern: max-entries must be positive, got "
             << maxEntries.getValue();
    if (form == "constant") {
      maskForm = MaskForm::Constant;
    } else if (form == "index") {
      maskForm = MaskForm::Index;
    } else {
      return mlir::emitError(UnknownLoc::get(context))
             << "attn-materialize-pattern: unknown form '" << form.getValue()
             << "', expected constant or index";
    }
    return success();
  }

  void runOnOperation() override {
    SmallVector<AttentionOp> ops;
    getOperation().walk([&](AttentionOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (AttentionOp op : ops)
      if (succeeded(materializePattern(rewriter, op, maskForm, maxEntries))) {
        ++numMaterialized;
        ::attn::stats::add(getArgument(), "ops-materialized", 1);
      }
  }

  MaskForm maskForm = MaskForm::Constant;
};

} // namespace
