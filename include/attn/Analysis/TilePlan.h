//===- TilePlan.h - Which key tiles each query tile visits ------*- C++ -*-===//
//
// The compile-time schedule of a tiled attention kernel, shared by every
// code generator (CPU, GPU): for each query tile the key tiles that the
// pattern leaves at least partly visible, and for partial tiles a mask,
// deduplicated. Built only through PatternAttrInterface.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_TILEPLAN_H
#define ATTN_ANALYSIS_TILEPLAN_H

#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::attn {

/// Query rows and keys per tile.
struct TileSizes {
  int64_t bq, bk;
};

/// For query tile t, entries `offsets[t] .. offsets[t + 1]` of `tiles`
/// (key tile indices, ascending) and `maskIds` (-1: every pair visible and
/// the tile is whole; otherwise the index of its mask in `masks`:
/// `numMasks x bk x bq` bytes, 1 = visible, stored key-major, i.e.
/// transposed like a `bk x bq` score tile). A tile cut off by the end of the
/// keys always has a mask, whose missing keys are 0; rows past the end of the
/// queries are 0 too.
struct TilePlan {
  int64_t bq = 0, bk = 0, numQTiles = 0, numKTiles = 0;
  SmallVector<int32_t> offsets, tiles, maskIds;
  std::vector<int8_t> masks;
  int64_t numMasks = 0;
  int64_t skippedTiles = 0, partialTiles = 0, fullTiles = 0;
};

/// Builds the plan of an op with `lq` query rows and `lk` keys. Fails, with
/// `reason`, when its tables would exceed `maxTableBytes`.
FailureOr<TilePlan> buildTilePlan(PatternAttrInterface pattern, int64_t lq,
                                  int64_t lk, TileSizes sizes,
                                  int64_t maxTableBytes, std::string &reason);

/// Whether `op` can be planned at compile time: static, non-empty shapes,
/// not a tile of a larger op (`q_offset` / `q_len`), and a normalizer
/// without a column recalibration over all rows. `reason` says why not.
bool supportsTilePlan(AttentionOp op, std::string &reason);

/// The plan's tables as private constant `memref.global`s inserted into
/// `symbols` (named `<prefix>_offsets`, `_tiles`, `_mask_ids`, `_masks`),
/// read with `memref.get_global` at the builder's insertion point. `maskIds`
/// and `masks` are null when the plan has no partial tile.
struct TilePlanBuffers {
  Value offsets, tiles, maskIds, masks;
};
TilePlanBuffers materializeTilePlan(OpBuilder &b, Location loc,
                                    SymbolTable &symbols, const TilePlan &plan,
                                    StringRef prefix);

/// Buffers of the kernel lowerings (CPU and GPU), on tensors: the
/// read-only `bufferization.to_buffer` of an operand (identity layout; null
/// for a null tensor), a fresh 64-byte aligned result buffer, and the
/// `bufferization.to_tensor` (restrict, writable) of a filled one.
Value readOnlyBuffer(OpBuilder &b, Location loc, Value tensor);
Value resultBuffer(OpBuilder &b, Location loc, RankedTensorType type);
Value resultTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   Value buffer);

/// Every buffer a tiled attention kernel reads or writes: the operands
/// (null when absent), the output, and the plan's tables.
struct AttentionBuffers {
  Value q, k, v, bias, mask, sink, out;
  TilePlanBuffers tables;
};
/// Stores `buffers` into a kernel builder's fields (`qBuf`, `kBuf`, `vBuf`,
/// `biasBuf`, `maskBuf`, `sinkBuf`, `outBuf`, `offsetsBuf`, `tilesBuf`,
/// `maskIdsBuf`, `masksBuf`).
template <typename KernelFields>
void bindAttentionBuffers(KernelFields &k, const AttentionBuffers &buffers) {
  k.qBuf = buffers.q;
  k.kBuf = buffers.k;
  k.vBuf = buffers.v;
  k.biasBuf = buffers.bias;
  k.maskBuf = buffers.mask;
  k.sinkBuf = buffers.sink;
  k.outBuf = buffers.out;
  k.offsetsBuf = buffers.tables.offsets;
  k.tilesBuf = buffers.tables.tiles;
  k.maskIdsBuf = buffers.tables.maskIds;
  k.masksBuf = buffers.tables.masks;
}
AttentionBuffers bufferizeAttention(OpBuilder &b, AttentionOp op,
                                    SymbolTable &symbols, const TilePlan &plan,
                                    StringRef prefix);

} // namespace mlir::attn

#endif // ATTN_ANALYSIS_TILEPLAN_H
