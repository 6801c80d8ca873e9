//===- TilePlanIR.h - A tile plan as constant tables ------------*- C++ -*-===//
//
// The IR of a compile-time tile plan (attn/Analysis/TilePlan.h), shared by
// the CPU and GPU kernels: its tables as private constant memref.globals.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_COMMON_TILEPLANIR_H
#define ATTN_CONVERSION_COMMON_TILEPLANIR_H

#include "attn/Analysis/TilePlan.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::attn {

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

} // namespace mlir::attn

#endif // ATTN_CONVERSION_COMMON_TILEPLANIR_H
