//===- KernelOperands.h - Buffers of the kernel lowerings -------*- C++ -*-===//
//
// How the CPU and GPU lowerings set up their operands: the ops work on
// tensors, the kernels on buffers.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_COMMON_KERNELOPERANDS_H
#define ATTN_CONVERSION_COMMON_KERNELOPERANDS_H

#include "attn/Conversion/Common/TilePlanIR.h"
#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::attn {

/// The read-only `bufferization.to_buffer` of an operand (identity layout;
/// null for a null tensor), a fresh 64-byte aligned result buffer (`sizes`
/// gives every dimension; those of the dynamic ones are used), and the
/// `bufferization.to_tensor` (restrict, writable) of a filled one.
Value readOnlyBuffer(OpBuilder &b, Location loc, Value tensor);
Value resultBuffer(OpBuilder &b, Location loc, RankedTensorType type,
                   ValueRange sizes = {});
Value resultTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   Value buffer);

/// Every buffer a tiled attention kernel reads or writes: the operands
/// (null when absent), the output, and the plan's tables; and the values the
/// score_mod region captures (`scoreModFrom`) with what the kernel reads in
/// their place (`scoreMod`: buffers for tensors).
struct AttentionBuffers {
  /// `lse` is null when the op returns no log-sum-exp.
  Value q, k, v, bias, mask, sink, out, lse;
  TilePlanBuffers tables;
  SmallVector<Value> scoreModFrom, scoreMod;
};
/// Stores `buffers` into a kernel builder's fields (`qBuf`, `kBuf`, `vBuf`,
/// `biasBuf`, `maskBuf`, `sinkBuf`, `outBuf`, `lseBuf`, `offsetsBuf`,
/// `tilesBuf`, `maskIdsBuf`, `masksBuf`, and the IRMapping `scoreModCaptures`).
template <typename KernelFields>
void bindAttentionBuffers(KernelFields &k, const AttentionBuffers &buffers) {
  k.qBuf = buffers.q;
  k.kBuf = buffers.k;
  k.vBuf = buffers.v;
  k.biasBuf = buffers.bias;
  k.maskBuf = buffers.mask;
  k.sinkBuf = buffers.sink;
  k.outBuf = buffers.out;
  k.lseBuf = buffers.lse;
  k.offsetsBuf = buffers.tables.offsets;
  k.tilesBuf = buffers.tables.tiles;
  k.maskIdsBuf = buffers.tables.maskIds;
  k.masksBuf = buffers.tables.masks;
  k.scoreModCaptures.clear();
  k.scoreModCaptures.map(buffers.scoreModFrom, buffers.scoreMod);
}
/// The buffers of `op`'s operands, fresh result buffers and the tables of
/// `plan` (see materializeTilePlan), at `b`'s insertion point.
AttentionBuffers bufferizeAttention(OpBuilder &b, AttentionOp op,
                                    SymbolTable &symbols, const TilePlan &plan,
                                    StringRef prefix);

} // namespace mlir::attn

#endif // ATTN_CONVERSION_COMMON_KERNELOPERANDS_H
