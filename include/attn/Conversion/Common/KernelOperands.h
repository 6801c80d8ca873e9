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
/// null for a null tensor; with `contiguous`, an operand with dynamic sizes
/// is copied first, so that its buffer is contiguous whatever view it
/// came from), a fresh 64-byte aligned result buffer (`sizes`
/// gives every dimension; those of the dynamic ones are used), and the
/// `bufferization.to_tensor` (restrict, writable) of a filled one.
Value readOnlyBuffer(OpBuilder &b, Location loc, Value tensor,
                     bool contiguous = false);
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
/// The buffers of `op`'s operands (see readOnlyBuffer for `contiguous`),
/// fresh result buffers and the tables of `plan` (see materializeTilePlan),
/// at `b`'s insertion point.
AttentionBuffers bufferizeAttention(OpBuilder &b, AttentionOp op,
                                    SymbolTable &symbols, const TilePlan &plan,
                                    StringRef prefix, bool contiguous = false);

struct KernelEmitter;
/// Run-time checks that dynamic sizes fit together (SPEC 2.1: a clear
/// run-time error, never an out-of-bounds access): `cf.assert`s, which stop
/// the program with their message, for the batch of K and V against Q's,
/// the length of V against K's, and each dynamic size of bias and mask
/// against the size it is read at (B, Hq, Lq, Lk; 1 is broadcast only when
/// static). Nothing is emitted for static sizes, which the verifier checked.
void emitRunTimeSizeChecks(KernelEmitter &e, AttentionOp op,
                           const AttentionBuffers &buffers);

} // namespace mlir::attn

#endif // ATTN_CONVERSION_COMMON_KERNELOPERANDS_H
