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

/// Inside a kernel: the plan entries [first, last) of query tile `qTile`,
/// from the `offsets` table.
std::pair<Value, Value> emitPlanEntries(KernelEmitter &e, Value offsets,
                                        Value qTile);
/// Inside a kernel: the first key of the key tile of plan entry `entry`
/// (tiles of `bk` keys) and the index of its mask, -1 when the tile is whole
/// and fully visible (always, when the plan has no `maskIds` table).
std::pair<Value, Value> emitPlanTile(KernelEmitter &e, Value tiles,
                                     Value maskIds, Value entry, int64_t bk);

} // namespace mlir::attn

#endif // ATTN_CONVERSION_COMMON_TILEPLANIR_H
