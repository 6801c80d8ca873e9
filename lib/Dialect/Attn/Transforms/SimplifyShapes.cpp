//===- SimplifyShapes.cpp - Static-shape forms of run-time shape idioms ---===//
//
// A frontend that exports with dynamic sizes cannot decide at compile time
// whether a size is 1, so it writes broadcasts and reshapes as run-time
// computations. torch-mlir, for instance, turns `x.expand(...)` and an
// elementwise operand into a generic that reads its source with
// `tensor.extract %src[select(size == 1, 0, i)]`, and `view` into
// `tensor.reshape %src(tensor.from_elements ...)`. Raising looks for indexing
// maps, expand_shape and collapse_shape, as a static export has them. This
// pass rewrites the run-time forms into those where the sizes involved are
// provably equal (attn/Analysis/Sizes.h: sums of the lengths they come from,
// through casts, dims and reshapes, else upstream's ValueBoundsOpInterface),
// and leaves everything else as it is:
//
//  1. `select(s == 1, 0, linalg.index d)` becomes `linalg.index d` when `s`
//     equals loop d's extent: if that extent is 1, the index is 0 anyway.
//  2. A `tensor.extract` in a generic's body, of a tensor defined outside it,
//     at indices that are loop indices or constants, becomes an input of the
//     generic with that indexing map, when every dimension read by a loop has
//     the loop's extent.
//  3. `tensor.reshape` with a `tensor.from_elements` shape becomes
//     `tensor.expand_shape` or `tensor.collapse_shape` when each group of
//     dimensions it merges or splits has provably equal sizes.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/Sizes.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNSIMPLIFYSHAPESPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// The extent of loop `d` of `op`: the dimension of the first operand whose
/// indexing map has `d` as a result.
Size loopExtent(linalg::LinalgOp op, unsigned d) {
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<RankedTensorType>(operand.get().getType()))
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [r, e] : llvm::enumerate(map.getResults()))
      if (auto dim = dyn_cast<AffineDimExpr>(e); dim && dim.getPosition() == d)
        return dimOf(operand.get(), r);
  }
  return {};
}

/// Whether `v` is the constant `c`.
bool isConstant(Value v, int64_t c) {
  APInt value;
  return matchPattern(v, m_ConstantInt(&value)) && value.getSExtValue() == c;
}

/// 1. `select(s == 1, 0, linalg.index d)` -> `linalg.index d` where `s` is
/// loop d's extent.
struct DropUnitSizeGuard : OpRewritePattern<arith::SelectOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::SelectOp select,
                                PatternRewriter &rewriter) const override {
    auto index = select.getFalseValue().getDefiningOp<linalg::IndexOp>();
    if (!index || !isConstant(select.getTrueValue(), 0))
      return failure();
    auto cmp = select.getCondition().getDefiningOp<arith::CmpIOp>();
    if (!cmp || cmp.getPredicate() != arith::CmpIPredicate::eq)
      return failure();
    Value size = cmp.getLhs();
    if (isConstant(size, 1))
      size = cmp.getRhs();
    else if (!isConstant(cmp.getRhs(), 1))
      return failure();
    auto op = dyn_cast<linalg::LinalgOp>(index->getParentOp());
    if (!op)
      return failure();
    if (!provablyEqual(loopExtent(op, index.getDim()), sizeOf(size)))
      return rewriter.notifyMatchFailure(select, "size is not the loop extent");
    rewriter.replaceOp(select, index.getResult());
    return success();
  }
};

/// The indexing map of `extract` as an input of `op`, or null: every index is
/// a `linalg.index` of `op` or a constant, and a dimension read at a loop
/// index has that loop's extent.
AffineMap extractMap(linalg::GenericOp op, tensor::ExtractOp extract) {
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineExpr> results;
  auto type = cast<RankedTensorType>(extract.getTensor().getType());
  for (auto [r, idx] : llvm::enumerate(extract.getIndices())) {
    APInt c;
    if (matchPattern(idx, m_ConstantInt(&c))) {
      int64_t value = c.getSExtValue();
      if (value < 0 || (!type.isDynamicDim(r) && value >= type.getDimSize(r)))
        return {};
      // Index 0 of a unit dimension read by a unit loop at the same
      // position is that loop: the map stays a projected permutation.
      if (value == 0 && type.getDimSize(r) == 1 && r < op.getNumLoops() &&
          op.getStaticLoopRanges()[r] == 1 &&
          llvm::none_of(extract.getIndices(), [&](Value other) {
            auto index = other.getDefiningOp<linalg::IndexOp>();
            return index && index.getDim() == r;
          })) {
        results.push_back(getAffineDimExpr(r, ctx));
        continue;
      }
      results.push_back(getAffineConstantExpr(value, ctx));
      continue;
    }
    auto index = idx.getDefiningOp<linalg::IndexOp>();
    if (!index || index->getParentOp() != op)
      return {};
    if (!provablyEqual(loopExtent(op, index.getDim()),
                       dimOf(extract.getTensor(), r)))
      return {};
    results.push_back(getAffineDimExpr(index.getDim(), ctx));
  }
  return AffineMap::get(op.getNumLoops(), 0, results, ctx);
}

/// 2. Reads of outside tensors by `tensor.extract` at loop indices become
/// inputs with an indexing map.
struct ExtractToInput : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return failure();
    Block *body = op.getBody();
    SmallVector<std::pair<tensor::ExtractOp, AffineMap>> reads;
    for (auto extract : body->getOps<tensor::ExtractOp>()) {
      if (op->isAncestor(extract.getTensor().getParentBlock()->getParentOp()))
        continue; // computed inside the generic
      if (AffineMap map = extractMap(op, extract))
        reads.push_back({extract, map});
    }
    if (reads.empty())
      return rewriter.notifyMatchFailure(op, "no extract at loop indices");

    SmallVector<Value> inputs(op.getDpsInputs());
    SmallVector<AffineMap> maps;
    for (OpOperand *in : op.getDpsInputOperands())
      maps.push_back(op.getMatchingIndexingMap(in));
    for (auto &[extract, map] : reads) {
      inputs.push_back(extract.getTensor());
      maps.push_back(map);
    }
    for (OpOperand &init : op.getDpsInitsMutable())
      maps.push_back(op.getMatchingIndexingMap(&init));

    auto generic = linalg::GenericOp::create(
        rewriter, op.getLoc(), op.getResultTypes(), inputs, op.getDpsInits(),
        maps, op.getIteratorTypesArray());
    rewriter.inlineRegionBefore(op.getRegion(), generic.getRegion(),
                                generic.getRegion().end());
    Block *block = generic.getBody();
    unsigned position = op.getNumDpsInputs();
    for (auto &[extract, map] : reads) {
      BlockArgument arg = block->insertArgument(position++, extract.getType(),
                                                extract.getLoc());
      rewriter.replaceOp(extract, arg);
    }
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// 3. `tensor.reshape %src(tensor.from_elements ...)` -> expand_shape or
/// collapse_shape.
struct ReshapeFromElements : OpRewritePattern<tensor::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ReshapeOp reshape,
                                PatternRewriter &rewriter) const override {
    auto shape = reshape.getShape().getDefiningOp<tensor::FromElementsOp>();
    auto srcType = dyn_cast<RankedTensorType>(reshape.getSource().getType());
    auto dstType = dyn_cast<RankedTensorType>(reshape.getResult().getType());
    if (!shape || !srcType || !dstType)
      return failure();
    Value src = reshape.getSource();
    if (dstType.getRank() == srcType.getRank())
      return rewriter.notifyMatchFailure(reshape, "same rank");
    bool expand = dstType.getRank() > srcType.getRank();
    RankedTensorType wide = expand ? dstType : srcType;
    RankedTensorType narrow = expand ? srcType : dstType;
    std::optional<SmallVector<ReassociationIndices>> groups =
        getReassociationIndicesForReshape(narrow, wide);
    if (!groups || (groups->empty() && wide.getRank() != 0))
      return rewriter.notifyMatchFailure(reshape, "no reassociation");

    // The sizes on both sides: the source's dimensions and the shape's
    // elements (a static size of the result type is what the reshape
    // produces, whatever the element says).
    auto dstDim = [&](int64_t d) -> Size {
      if (!dstType.isDynamicDim(d))
        return Size::constant(dstType.getDimSize(d));
      return sizeOf(shape.getElements()[d]);
    };
    auto wideDim = [&](int64_t d) {
      return expand ? dstDim(d) : dimOf(src, d);
    };
    auto narrowDim = [&](int64_t d) {
      return expand ? dimOf(src, d) : dstDim(d);
    };
    // A group with a dynamic size must be that one dimension and units; its
    // sizes are then provably equal or the rewrite is not made. Static
    // groups were matched by their products already. Every element of the
    // shape must also agree with the result type.
    for (auto [n, group] : llvm::enumerate(*groups)) {
      std::optional<int64_t> dynamicDim;
      for (int64_t w : group) {
        if (wide.isDynamicDim(w)) {
          if (dynamicDim)
            return rewriter.notifyMatchFailure(reshape, "two dynamic sizes");
          dynamicDim = w;
        } else if (group.size() > 1 && narrow.isDynamicDim(n) &&
                   wide.getDimSize(w) != 1) {
          return rewriter.notifyMatchFailure(reshape, "split dynamic size");
        }
      }
      if (!dynamicDim)
        continue;
      if (!provablyEqual(wideDim(*dynamicDim), narrowDim(n)))
        return rewriter.notifyMatchFailure(reshape, "sizes not provably equal");
    }
    if (!expand) {
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(reshape, dstType,
                                                           src, *groups);
      return success();
    }
    // The output shape of an expansion: each dynamic result size is the
    // source dimension it was proven equal to.
    SmallVector<OpFoldResult> outputShape;
    for (auto [n, group] : llvm::enumerate(*groups))
      for (int64_t w : group) {
        if (!dstType.isDynamicDim(w)) {
          outputShape.push_back(rewriter.getIndexAttr(dstType.getDimSize(w)));
          continue;
        }
        outputShape.push_back(
            tensor::DimOp::create(rewriter, reshape.getLoc(), src, n)
                .getResult());
      }
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(reshape, dstType, src,
                                                       *groups, outputShape);
    return success();
  }
};

struct AttnSimplifyShapesPass
    : mlir::attn::impl::AttnSimplifyShapesPassBase<AttnSimplifyShapesPass> {
  void getDependentDialects(DialectRegistry &registry) const override {
    AttnSimplifyShapesPassBase::getDependentDialects(registry);
    // What the size comparisons reason with, for hosts (the plugin, an
    // integrator's tool) that did not register it.
    arith::registerValueBoundsOpInterfaceExternalModels(registry);
    linalg::registerValueBoundsOpInterfaceExternalModels(registry);
    tensor::registerValueBoundsOpInterfaceExternalModels(registry);
  }

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DropUnitSizeGuard, ExtractToInput, ReshapeFromElements>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
