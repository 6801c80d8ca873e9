//===- KernelOperands.cpp - Buffers of the kernel lowerings ---------------===//

#include "attn/Conversion/Common/KernelOperands.h"
#include "attn/Conversion/Common/KernelEmitter.h"
#include "attn/Conversion/Common/ScoreMod.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::attn;

Value mlir::attn::readOnlyBuffer(OpBuilder &b, Location loc, Value tensor,
                                 bool contiguous) {
  if (!tensor)
    return {};
  auto type = cast<RankedTensorType>(tensor.getType());
  if (contiguous && !type.hasStaticShape()) {
    // Bufferization may hand a strided view (a slice of a larger buffer) to
    // an identity-layout memref through a cast that only the strides in its
    // descriptor keep correct; a fresh copy is contiguous.
    tensor =
        bufferization::AllocTensorOp::create(b, loc, type, ValueRange(), tensor,
                                             /*size_hint=*/Value(),
                                             /*memory_space=*/nullptr);
  }
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
                                                StringRef prefix,
                                                bool contiguous) {
  Location loc = op.getLoc();
  AttentionBuffers buffers;
  buffers.q = readOnlyBuffer(b, loc, op.getQuery(), contiguous);
  buffers.k = readOnlyBuffer(b, loc, op.getKey(), contiguous);
  buffers.v = readOnlyBuffer(b, loc, op.getValue(), contiguous);
  buffers.bias = readOnlyBuffer(b, loc, op.getBias(), contiguous);
  buffers.mask = readOnlyBuffer(b, loc, op.getMask(), contiguous);
  buffers.sink = readOnlyBuffer(b, loc, op.getSink(), contiguous);
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

void mlir::attn::emitRunTimeSizeChecks(KernelEmitter &e, AttentionOp op,
                                       const AttentionBuffers &buffers) {
  std::string where;
  {
    llvm::raw_string_ostream os(where);
    os << "attn.attention at " << op.getLoc() << ": ";
  }
  auto dim = [&](Value buf, int64_t d) -> Value {
    return memref::DimOp::create(e.b, e.loc, buf, d);
  };
  auto dynamicDim = [](Value buf, int64_t d) {
    return cast<MemRefType>(buf.getType()).isDynamicDim(d);
  };
  auto check = [&](Value x, Value y, const Twine &what) {
    Value same = e.cmpi(arith::CmpIPredicate::eq, x, y);
    cf::AssertOp::create(e.b, e.loc, same, (where + what).str());
  };
  if (dynamicDim(buffers.q, 0) || dynamicDim(buffers.k, 0))
    check(dim(buffers.k, 0), dim(buffers.q, 0),
          "the key's batch differs from the query's");
  if (dynamicDim(buffers.q, 0) || dynamicDim(buffers.v, 0))
    check(dim(buffers.v, 0), dim(buffers.q, 0),
          "the value's batch differs from the query's");
  if (dynamicDim(buffers.k, 2) || dynamicDim(buffers.v, 2))
    check(dim(buffers.v, 2), dim(buffers.k, 2),
          "the value's length differs from the key's");
  Value full[4] = {dim(buffers.q, 0), dim(buffers.q, 1), dim(buffers.q, 2),
                   dim(buffers.k, 2)};
  const char *names[4] = {"batch", "query heads", "query length", "key length"};
  for (auto [name, buf] : {std::pair<StringRef, Value>{"bias", buffers.bias},
                           {"mask", buffers.mask}}) {
    if (!buf)
      continue;
    int64_t rank = cast<MemRefType>(buf.getType()).getRank();
    for (int64_t d = 0; d < rank; ++d)
      if (dynamicDim(buf, d))
        check(dim(buf, d), full[4 - rank + d],
              Twine("the ") + name + "'s dimension " + Twine(d) +
                  " differs from the " + names[4 - rank + d]);
  }
  if (auto qLen = op.getQLenAttr();
      qLen && op.getQOffset() && dynamicDim(buffers.q, 2)) {
    Value end = e.add(op.getQOffset(), full[2]);
    cf::AssertOp::create(
        e.b, e.loc,
        e.cmpi(arith::CmpIPredicate::ule, end, e.idx(qLen.getInt())),
        where + "the tile's rows end past q_len");
  }
}
