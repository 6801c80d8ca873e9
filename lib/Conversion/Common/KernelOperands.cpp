//===- KernelOperands.cpp - Buffers of the kernel lowerings ---------------===//

#include "attn/Conversion/Common/KernelOperands.h"
#include "attn/Conversion/Common/ScoreMod.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::attn;

Value mlir::attn::readOnlyBuffer(OpBuilder &b, Location loc, Value tensor) {
  if (!tensor)
    return {};
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*read_only=*/true);
}

Value mlir::attn::resultBuffer(OpBuilder &b, Location loc,
                               RankedTensorType type, ValueRange sizes) {
  SmallVector<Value> dynamicSizes;
  for (auto [d, size] : llvm::enumerate(sizes))
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(size);
  return memref::AllocOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()),
      dynamicSizes, b.getI64IntegerAttr(64));
}

Value mlir::attn::resultTensor(OpBuilder &b, Location loc,
                               RankedTensorType type, Value buffer) {
  return bufferization::ToTensorOp::create(b, loc, type, buffer,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

AttentionBuffers mlir::attn::bufferizeAttention(OpBuilder &b, AttentionOp op,
                                                SymbolTable &symbols,
                                                const TilePlan &plan,
                                                StringRef prefix) {
  Location loc = op.getLoc();
  AttentionBuffers buffers;
  buffers.q = readOnlyBuffer(b, loc, op.getQuery());
  buffers.k = readOnlyBuffer(b, loc, op.getKey());
  buffers.v = readOnlyBuffer(b, loc, op.getValue());
  buffers.bias = readOnlyBuffer(b, loc, op.getBias());
  buffers.mask = readOnlyBuffer(b, loc, op.getMask());
  buffers.sink = readOnlyBuffer(b, loc, op.getSink());
  // Result sizes: B, Hq, Lq from the query, Dv from the value.
  SmallVector<Value> sizes;
  for (auto [buf, d] : {std::pair<Value, int64_t>{buffers.q, 0},
                        {buffers.q, 1},
                        {buffers.q, 2},
                        {buffers.v, 3}})
    sizes.push_back(memref::DimOp::create(b, loc, buf, d));
  buffers.out = resultBuffer(b, loc, op.getResultType(), sizes);
  if (RankedTensorType lse = op.getLseType())
    buffers.lse = resultBuffer(b, loc, lse, ValueRange(sizes).take_front(3));
  buffers.tables = materializeTilePlan(b, loc, symbols, plan, prefix);
  buffers.scoreModFrom = getScoreModCaptures(op);
  buffers.scoreMod = bufferizeScoreModCaptures(b, loc, buffers.scoreModFrom);
  return buffers;
}
