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
                               RankedTensorType type) {
  return memref::AllocOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()),
      b.getI64IntegerAttr(64));
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
  buffers.out = resultBuffer(b, loc, op.getResultType());
  buffers.tables = materializeTilePlan(b, loc, symbols, plan, prefix);
  buffers.scoreModFrom = getScoreModCaptures(op);
  buffers.scoreMod = bufferizeScoreModCaptures(b, loc, buffers.scoreModFrom);
  return buffers;
}
