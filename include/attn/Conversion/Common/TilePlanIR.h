//===- TilePlanIR.h - A tile plan as constant tables ------------*- C++ -*-===//
//
// The IR of a compile-time tile plan (attn/Analysis/TilePlan.h), shared by
// the CPU and GPU kernels: its tables as private constant memref.globals.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_COMMON_TILEPLANIR_H
#define ATTN_CONVERSION_COMMON_TILEPLANIR_H

#include "attn/Analysis/TilePlan.h"
#include "attn/Conversion/Common/KernelEmitter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::attn {

/// The plan's tables as private constant `memref.global`s inserted into
/// `symbols` (named `<prefix>_offsets`, `_tiles`, `_mask_ids`, `_masks`),
/// read with `memref.get_global` at the builder's insertion point. `maskIds`
/// and `masks` are null when the plan has no partial tile; all are null for
/// a plan without tables (one a kernel makes at run time: no `offsets`).
struct TilePlanBuffers {
  Value offsets, tiles, maskIds, masks;
};
TilePlanBuffers materializeTilePlan(OpBuilder &b, Location loc,
                                    SymbolTable &symbols, const TilePlan &plan,
                                    StringRef prefix);

/// A 1-D i32 constant table as a private `memref.global` named `name`
/// inserted into `symbols`, read with `memref.get_global` at `b`'s insertion
/// point (one 0 when `values` is empty).
Value materializeI32Table(OpBuilder &b, Location loc, SymbolTable &symbols,
                          const Twine &name, ArrayRef<int32_t> values);

/// Inside a kernel: the plan entries [first, last) of query tile `qTile`,
/// from the `offsets` table.
std::pair<Value, Value> emitPlanEntries(KernelEmitter &e, Value offsets,
                                        Value qTile);
/// Inside a kernel: the first key of the key tile of plan entry `entry`
/// (tiles of `bk` keys) and the index of its mask, -1 when the tile is whole
/// and fully visible (always, when the plan has no `maskIds` table).
std::pair<Value, Value> emitPlanTile(KernelEmitter &e, Value tiles,
                                     Value maskIds, Value entry, int64_t bk);

/// A key tile visited by a kernel: its first key `k0` and how its pairs are
/// tested. With a compile-time plan `mid` is the index of its mask (-1:
/// none) and the other fields are null. With a run-time plan `mid` is -1,
/// `full` (i1) says that the pattern shows every pair visible, and [lo, hi)
/// is the key range the tile was visited for: the kernel tests each pair
/// with the pattern when `full` is false, hiding keys outside the range.
struct KeyTile {
  Value k0, mid, full, lo, hi;
};

/// Whether key `col` of `tile` (a tile of a RuntimeTilePlan) is visible from
/// logical row `row`: inside the tile's key range and allowed by the
/// pattern (an i1; kernels skip the test where `tile.full` holds).
Value emitRuntimeVisibility(KernelEmitter &e, PatternAttrInterface pattern,
                            const KeyTile &tile, Value row, Value col, Value lq,
                            Value lk);

/// The plan of one query tile made at run time (kernels for dynamic sizes
/// and `q_offset` tiles): the key ranges that PatternAttrInterface::
/// buildKeyRanges gives for the tile's logical rows [q0, q1), numbered as
/// one sequence of `numEntries` key tiles of `bk` keys (range r holds
/// entries [starts[r], starts[r + 1]), key tiles firstTiles[r] onwards).
class RuntimeTilePlan {
public:
  RuntimeTilePlan(KernelEmitter &e, PatternAttrInterface pattern, Value q0,
                  Value q1, Value lq, Value lk, int64_t bk);
  /// Key tiles to visit (a loop runs entries [0, numEntries)).
  Value numEntries() const { return total; }
  /// The key tile of entry `entry`.
  KeyTile tile(Value entry);

private:
  KernelEmitter &e;
  PatternAttrInterface pattern;
  Value q0, q1, lq, lk, total;
  int64_t bk;
  SmallVector<Value> starts, firstTiles, los, his;
};

} // namespace mlir::attn

#endif // ATTN_CONVERSION_COMMON_TILEPLANIR_H
