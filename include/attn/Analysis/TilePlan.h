//===- TilePlan.h - Which key tiles each query tile visits ------*- C++ -*-===//
//
// The compile-time schedule of a tiled attention kernel, shared by every
// code generator (CPU, GPU): for each query tile the key tiles that the
// pattern leaves at least partly visible, and for partial tiles a mask,
// deduplicated. Built only through PatternAttrInterface. Plain data: the
// lowerings turn a plan into IR (attn/Conversion/Common/TilePlanIR.h).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_TILEPLAN_H
#define ATTN_ANALYSIS_TILEPLAN_H

#include "attn/Dialect/Attn/IR/Attn.h"

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
  /// Per mask: 1 + the last key (row of the mask) that some query sees, so
  /// that a kernel may stop a partial tile there.
  SmallVector<int32_t> maskKeys;
  int64_t skippedTiles = 0, partialTiles = 0, fullTiles = 0;
};

/// The compile-time work a plan may take: tile classifications plus mask
/// entries evaluated (2^29, about a second).
constexpr int64_t kMaxTilePlanWork = int64_t(1) << 29;

/// Builds the plan of an op with `lq` query rows and `lk` keys. Fails, with
/// `reason`, when its tables would exceed `maxTableBytes` or building it
/// would take more than `maxWork` (see kMaxTilePlanWork); both are checked
/// up front where the sizes alone tell, so a huge op fails at once.
FailureOr<TilePlan> buildTilePlan(PatternAttrInterface pattern, int64_t lq,
                                  int64_t lk, TileSizes sizes,
                                  int64_t maxTableBytes, std::string &reason,
                                  int64_t maxWork = kMaxTilePlanWork);

/// The plan of an op planned at run time (dynamic sizes, `q_offset`): the
/// tile sizes and, where `lq` / `lk` are static, the tile counts; no tables.
TilePlan makeRuntimeTilePlan(int64_t lq, int64_t lk, TileSizes sizes);

/// Whether `op` can be planned at compile time: static, non-empty shapes,
/// not a tile of a larger op (`q_offset` / `q_len`), and a normalizer
/// without a column recalibration over all rows. `reason` says why not.
bool supportsTilePlan(AttentionOp op, std::string &reason);
/// Whether `op` can be planned at run time instead, from the key ranges and
/// full-tile tests its pattern emits (PatternAttrInterface::buildKeyRanges,
/// buildAllVisible): as supportsTilePlan, but a tile of a larger attention
/// (`q_offset`, a run-time value) and dynamic B, Lq and Lk are allowed
/// (head counts and head dims must be static).
bool supportsRuntimeTilePlan(AttentionOp op, std::string &reason);

} // namespace mlir::attn

#endif // ATTN_ANALYSIS_TILEPLAN_H
