//===- AttnTiling.cpp - TilingInterface for attn.attention ----------------===//
//
// attn.attention tiles over its parallel dimensions (B, Hq, Lq). A tile of
// query heads reads the key/value heads its GQA groups need; a tile of query
// rows records where it sits in the logical query (q_offset, q_len) so that
// patterns keep meaning the same positions.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::attn;

SmallVector<utils::IteratorType> AttentionOp::getLoopIteratorTypes() {
  return SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel);
}

SmallVector<Range> AttentionOp::getIterationDomain(OpBuilder &b) {
  Location loc = getLoc();
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  SmallVector<Range> domain;
  for (int64_t d = 0; d < 3; ++d)
    domain.push_back(
        Range{zero, tensor::getMixedSize(b, loc, getQuery(), d), one});
  return domain;
}

LogicalResult AttentionOp::getResultTilePosition(
    OpBuilder &b, unsigned resultNumber, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  if (resultNumber > 1 || (resultNumber == 1 && !getLse()))
    return failure();
  resultOffsets.assign(offsets.begin(), offsets.end());
  resultSizes.assign(sizes.begin(), sizes.end());
  // The log-sum-exp (B x Hq x Lq) is the iteration domain itself.
  if (resultNumber == 1)
    return success();
  resultOffsets.push_back(b.getIndexAttr(0));
  resultSizes.push_back(tensor::getMixedSize(b, getLoc(), getValue(), 3));
  return success();
}

/// Slices a broadcastable (bias/mask) operand: size-1 dimensions stay whole,
/// the others follow the tile of (B, Hq, Lq) and keep all of Lk.
static Value sliceBroadcastable(OpBuilder &b, Location loc, Value operand,
                                ArrayRef<OpFoldResult> offsets,
                                ArrayRef<OpFoldResult> sizes,
                                SmallVectorImpl<Operation *> &slices) {
  auto type = cast<RankedTensorType>(operand.getType());
  int64_t rank = type.getRank(), lead = 4 - rank;
  SmallVector<OpFoldResult> sliceOffsets, sliceSizes,
      strides(rank, b.getIndexAttr(1));
  for (int64_t d = 0; d < rank; ++d) {
    int64_t full = lead + d;
    if (type.getDimSize(d) == 1 || full == 3) {
      sliceOffsets.push_back(b.getIndexAttr(0));
      sliceSizes.push_back(tensor::getMixedSize(b, loc, operand, d));
      continue;
    }
    sliceOffsets.push_back(offsets[full]);
    sliceSizes.push_back(sizes[full]);
  }
  auto slice = tensor::ExtractSliceOp::create(b, loc, operand, sliceOffsets,
                                              sliceSizes, strides);
  slices.push_back(slice);
  return slice;
}

void AttentionOp::offsetScoreModIndices(OpBuilder &b,
                                        ArrayRef<OpFoldResult> offsets) {
  Block *block = getScoreModBlock();
  if (!block)
    return;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(block);
  for (unsigned d = 0; d < 3 && d < offsets.size(); ++d) {
    if (isConstantIntValue(offsets[d], 0))
      continue;
    BlockArgument arg = block->getArgument(d + 1);
    Value offset;
    if (std::optional<int64_t> c = getConstantIntValue(offsets[d]))
      offset = arith::ConstantIndexOp::create(b, getLoc(), *c);
    else
      offset = cast<Value>(offsets[d]);
    Value shifted = arith::AddIOp::create(b, getLoc(), arg, offset);
    arg.replaceAllUsesExcept(shifted, shifted.getDefiningOp());
  }
}

FailureOr<TilingResult>
AttentionOp::getTiledImplementation(OpBuilder &b,
                                    ArrayRef<OpFoldResult> offsets,
                                    ArrayRef<OpFoldResult> sizes) {
  Location loc = getLoc();
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  // A normalizer that looks at every query row (column recalibration)
  // cannot be computed on a tile of the rows.
  if (getEffectiveNormalizer().getColumnRecalibration()) {
    std::optional<int64_t> rowOffset = getConstantIntValue(offsets[2]);
    std::optional<int64_t> rowSize = getConstantIntValue(sizes[2]);
    int64_t lq = getQueryType().getDimSize(2);
    if (!rowOffset || *rowOffset != 0 || !rowSize || *rowSize != lq)
      return emitOpError() << "cannot tile the query rows of an attention "
                              "whose normalizer "
                           << getEffectiveNormalizer()
                           << " needs every row; tile B and Hq only";
  }
  SmallVector<Operation *> slices;
  auto slice4 = [&](Value source, ArrayRef<OpFoldResult> off,
                    ArrayRef<OpFoldResult> sz) -> Value {
    SmallVector<OpFoldResult> strides(4, one);
    auto op = tensor::ExtractSliceOp::create(b, loc, source, off, sz, strides);
    slices.push_back(op);
    return op;
  };

  // Query: the tile of (B, Hq, Lq), all of D.
  Value query = slice4(getQuery(), {offsets[0], offsets[1], offsets[2], zero},
                       {sizes[0], sizes[1], sizes[2],
                        tensor::getMixedSize(b, loc, getQuery(), 3)});

  // Key/value heads read by the query-head tile.
  int64_t hq = getQueryType().getDimSize(1), hkv = getKeyType().getDimSize(1);
  OpFoldResult kvOffset = offsets[1], kvSize = sizes[1];
  if (hq != hkv) {
    if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv))
      return emitOpError() << "cannot tile query heads of a grouped-query "
                              "attention with dynamic head counts";
    int64_t group = hq / hkv;
    std::optional<int64_t> tileHeads = getConstantIntValue(sizes[1]);
    Value offsetValue = getValueOrCreateConstantIndexOp(b, loc, offsets[1]);
    Value groupValue = arith::ConstantIndexOp::create(b, loc, group);
    kvOffset = b.createOrFold<arith::DivUIOp>(loc, offsetValue, groupValue);
    if (tileHeads && group % *tileHeads == 0)
      kvSize = b.getIndexAttr(1);
    else if (tileHeads && *tileHeads % group == 0)
      kvSize = b.getIndexAttr(*tileHeads / group);
    else
      return emitOpError() << "tile of "
                           << (tileHeads ? std::to_string(*tileHeads)
                                         : std::string("a dynamic number of"))
                           << " query heads does not align with GQA groups of "
                           << group;
  }
  auto kvSlice = [&](Value source) {
    return slice4(source, {offsets[0], kvOffset, zero, zero},
                  {sizes[0], kvSize, tensor::getMixedSize(b, loc, source, 2),
                   tensor::getMixedSize(b, loc, source, 3)});
  };
  Value key = kvSlice(getKey());
  Value value = kvSlice(getValue());

  Value bias, mask, sink;
  if (getBias())
    bias = sliceBroadcastable(b, loc, getBias(), offsets, sizes, slices);
  if (getMask())
    mask = sliceBroadcastable(b, loc, getMask(), offsets, sizes, slices);
  if (getSink()) {
    auto op = tensor::ExtractSliceOp::create(
        b, loc, getSink(), ArrayRef<OpFoldResult>{offsets[1]},
        ArrayRef<OpFoldResult>{sizes[1]}, ArrayRef<OpFoldResult>{one});
    slices.push_back(op);
    sink = op;
  }

  // Where the row tile sits in the logical query.
  int64_t logicalLq = getLogicalQueryLength();
  Value qOffset;
  IntegerAttr qLen;
  if (ShapedType::isDynamic(logicalLq)) {
    if (!getEffectivePattern().isDense())
      return emitOpError() << "tiling query rows needs a static query length "
                              "when the pattern is not dense";
  } else {
    Value tileOffset = getValueOrCreateConstantIndexOp(b, loc, offsets[2]);
    qOffset = getQOffset()
                  ? b.createOrFold<arith::AddIOp>(loc, getQOffset(), tileOffset)
                  : tileOffset;
    qLen = b.getI64IntegerAttr(logicalLq);
  }

  SmallVector<OpFoldResult> resultOffsets, resultSizes;
  if (failed(getResultTilePosition(b, 0, offsets, sizes, resultOffsets,
                                   resultSizes)))
    return failure();
  SmallVector<int64_t> staticSizes;
  SmallVector<Value> dynamicSizes;
  dispatchIndexOpFoldResults(resultSizes, dynamicSizes, staticSizes);
  auto resultType =
      RankedTensorType::get(staticSizes, getResultType().getElementType());

  Type lseType;
  if (RankedTensorType lse = getLseType())
    lseType = RankedTensorType::get(ArrayRef(staticSizes).take_front(3),
                                    lse.getElementType());
  auto tiled =
      AttentionOp::create(b, loc, resultType, lseType, query, key, value, bias,
                          mask, sink, qOffset, getScaleAttr(), getPatternAttr(),
                          getNormalizerAttr(), getSoftcapAttr(), qLen);
  if (hasScoreMod()) {
    IRMapping mapping;
    getScoreMod().cloneInto(&tiled.getScoreMod(), mapping);
    tiled.offsetScoreModIndices(b, offsets);
  }
  // A dynamically-sized tile may still have inferred a static shape.
  return TilingResult{{tiled}, SmallVector<Value>(tiled->getResults()), slices};
}

FailureOr<TilingResult>
AttentionOp::generateResultTileValue(OpBuilder &b, unsigned resultNumber,
                                     ArrayRef<OpFoldResult> offsets,
                                     ArrayRef<OpFoldResult> sizes) {
  if (resultNumber > 1 || (resultNumber == 1 && !getLse()))
    return failure();
  FailureOr<TilingResult> tiled =
      getTiledImplementation(b, offsets.take_front(3), sizes.take_front(3));
  if (failed(tiled))
    return failure();
  return TilingResult{tiled->tiledOps,
                      SmallVector<Value>{tiled->tiledValues[resultNumber]},
                      tiled->generatedSlices};
}
