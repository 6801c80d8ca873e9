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
  SmallVector<int64_t> shape = maskShapeWithExisting(op, {lq, lk});
  int64_t rank = static_cast<int64_t>(shape.size());

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
  if (constantMask) {
    inputs.push_back(constantMask);
    maps.push_back(AffineMap::get(
        rank, 0,
        {getAffineDimExpr(rank - 2, ctx), getAffineDimExpr(rank - 1, ctx)},
        ctx));
  }
  Value mask =
      buildMaskGeneric(rewriter, loc, op, shape, inputs, maps,
                       [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                         if (constantMask)
                           return args[0];
                         Value i = linalg::IndexOp::create(b, l, rank - 2);
                         Value j = linalg::IndexOp::create(b, l, rank - 1);
                         Value lqV = arith::ConstantIndexOp::create(b, l, lq);
                         Value lkV = arith::ConstantIndexOp::create(b, l, lk);
                         return pattern.buildIsVisible(b, l, i, j, lqV, lkV);
                       });
  rewriter.modifyOpInPlace(op, [&] {
    op.removePatternAttr();
    op.getMaskMutable().assign(mask);
  });
  return success();
}

SmallVector<int64_t>
mlir::attn::maskShapeWithExisting(AttentionOp op, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> result(shape);
  Value old = op.getMask();
  if (!old)
    return result;
  auto oldType = cast<RankedTensorType>(old.getType());
  while (result.size() < static_cast<size_t>(oldType.getRank()))
    result.insert(result.begin(), 1);
  int64_t offset = static_cast<int64_t>(result.size()) - oldType.getRank();
  for (int64_t d = 0; d < oldType.getRank(); ++d)
    if (result[offset + d] == 1)
      result[offset + d] = oldType.getDimSize(d);
  return result;
}

Value mlir::attn::buildMaskGeneric(
    OpBuilder &b, Location loc, AttentionOp op, ArrayRef<int64_t> shape,
    ValueRange inputs, ArrayRef<AffineMap> maps,
    function_ref<Value(OpBuilder &, Location, ValueRange)> visible) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = shape.size();
  // The existing mask is read first.
  SmallVector<Value> allInputs;
  SmallVector<AffineMap> allMaps;
  Value old = op.getMask();
  if (old) {
    allInputs.push_back(old);
    allMaps.push_back(getBroadcastReadMap(
        cast<RankedTensorType>(old.getType()),
        llvm::to_vector(llvm::seq<unsigned>(0, rank)), rank));
  }
  llvm::append_range(allInputs, inputs);
  llvm::append_range(allMaps, maps);
  allMaps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = tensor::EmptyOp::create(b, loc, shape, b.getI1Type());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, allInputs, ValueRange{init}, allMaps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        unsigned first = old ? 1 : 0;
        Value v = visible(nb, l, args.slice(first, inputs.size()));
        if (old)
          v = arith::AndIOp::create(nb, l, v, args[0]);
        linalg::YieldOp::create(nb, l, v);
      });
  return generic.getResult(0);
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
