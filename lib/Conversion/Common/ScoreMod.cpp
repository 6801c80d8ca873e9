//===- ScoreMod.cpp - The score_mod region in the lowerings ---------------===//

#include "attn/Conversion/Common/ScoreMod.h"
#include "attn/Conversion/Common/KernelOperands.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::attn;

SmallVector<Value> mlir::attn::getScoreModCaptures(AttentionOp op) {
  SmallVector<Value> captures;
  if (!op.hasScoreMod())
    return captures;
  llvm::SmallDenseSet<Value> seen;
  Region &region = op.getScoreMod();
  region.walk([&](Operation *inner) {
    for (Value operand : inner->getOperands())
      if (!region.isAncestor(operand.getParentRegion()) &&
          seen.insert(operand).second)
        captures.push_back(operand);
  });
  return captures;
}

SmallVector<Value>
mlir::attn::bufferizeScoreModCaptures(OpBuilder &b, Location loc,
                                      ArrayRef<Value> captures) {
  SmallVector<Value> kernelSide;
  for (Value v : captures)
    kernelSide.push_back(
        isa<RankedTensorType>(v.getType()) ? readOnlyBuffer(b, loc, v) : v);
  return kernelSide;
}

Value mlir::attn::emitScoreMod(OpBuilder &b, Location loc, AttentionOp op,
                               Value s, ArrayRef<Value> indices,
                               const IRMapping &captures) {
  Block *block = op.getScoreModBlock();
  if (!block)
    return s;
  assert(indices.size() == 4 && "score_mod takes (b, h, i, j)");
  IRMapping mapping = captures;
  mapping.map(block->getArgument(0), s);
  for (unsigned d = 0; d < 4; ++d)
    mapping.map(block->getArgument(d + 1), indices[d]);
  for (Operation &inner : block->without_terminator()) {
    auto extract = dyn_cast<tensor::ExtractOp>(inner);
    Value source =
        extract ? mapping.lookupOrNull(extract.getTensor()) : Value();
    if (source && isa<MemRefType>(source.getType())) {
      SmallVector<Value> at =
          llvm::map_to_vector(extract.getIndices(), [&](Value v) {
            return mapping.lookupOrDefault(v);
          });
      mapping.map(extract.getResult(),
                  memref::LoadOp::create(b, loc, source, at).getResult());
      continue;
    }
    b.clone(inner, mapping);
  }
  return mapping.lookupOrDefault(
      cast<YieldOp>(block->getTerminator()).getValues().front());
}
