//===- TilePlan.cpp - Which key tiles each query tile visits --------------===//

#include "attn/Analysis/TilePlan.h"

#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace mlir::attn;

FailureOr<TilePlan>
mlir::attn::buildTilePlan(PatternAttrInterface pattern, int64_t lq, int64_t lk,
                          TileSizes sizes, int64_t maxTableBytes,
                          std::string &reason, int64_t maxWork) {
  TilePlan plan;
  plan.bq = sizes.bq;
  plan.bk = sizes.bk;
  plan.numQTiles = (lq + sizes.bq - 1) / sizes.bq;
  plan.numKTiles = (lk + sizes.bk - 1) / sizes.bk;
  int64_t maskBytes = sizes.bq * sizes.bk;
  auto tooMuchWork = [&] {
    reason = "building its tile plan would take more than " +
             std::to_string(maxWork) +
             " steps (tile classifications and mask entries)";
    return failure();
  };
  // What the sizes alone decide: one offset per query tile, and every
  // (query tile, key tile) pair is classified. Both counts fit in int64_t:
  // each factor is at most 2^63 / 8.
  if ((plan.numQTiles + 1) > maxTableBytes / 4) {
    reason = "its tile plan needs more than max-table-bytes (" +
             std::to_string(maxTableBytes) + ")";
    return failure();
  }
  if (plan.numKTiles != 0 && plan.numQTiles > maxWork / plan.numKTiles)
    return tooMuchWork();
  int64_t work = plan.numQTiles * plan.numKTiles;
  llvm::StringMap<int32_t> maskIndex;
  std::string bytes(maskBytes, '\0');
  int64_t tableBytes = 0;
  plan.offsets.push_back(0);
  for (int64_t qt = 0; qt < plan.numQTiles; ++qt) {
    int64_t q0 = qt * sizes.bq, q1 = std::min(lq, q0 + sizes.bq);
    for (int64_t kt = 0; kt < plan.numKTiles; ++kt) {
      int64_t k0 = kt * sizes.bk, k1 = std::min(lk, k0 + sizes.bk);
      TileVisibility vis = pattern.classifyTile(q0, q1, k0, k1, lq, lk);
      if (vis == TileVisibility::Skipped) {
        ++plan.skippedTiles;
        continue;
      }
      plan.tiles.push_back(static_cast<int32_t>(kt));
      tableBytes += 8;
      // A tile cut by the end of the keys masks its missing columns.
      if (vis == TileVisibility::Full && k1 - k0 == sizes.bk) {
        plan.maskIds.push_back(-1);
        ++plan.fullTiles;
      } else {
        ++plan.partialTiles;
        work += maskBytes;
        if (work > maxWork)
          return tooMuchWork();
        for (int64_t j = 0; j < sizes.bk; ++j)
          for (int64_t i = 0; i < sizes.bq; ++i)
            bytes[j * sizes.bq + i] =
                (q0 + i < q1 && k0 + j < k1 &&
                 pattern.isVisible(q0 + i, k0 + j, lq, lk))
                    ? 1
                    : 0;
        auto [it, inserted] =
            maskIndex.try_emplace(bytes, static_cast<int32_t>(plan.numMasks));
        if (inserted) {
          plan.masks.insert(plan.masks.end(), bytes.begin(), bytes.end());
          int32_t extent = 0;
          for (int64_t j = 0; j < sizes.bk; ++j)
            for (int64_t i = 0; i < sizes.bq; ++i)
              if (bytes[j * sizes.bq + i])
                extent = static_cast<int32_t>(j + 1);
          plan.maskKeys.push_back(extent);
          ++plan.numMasks;
          tableBytes += maskBytes;
        }
        plan.maskIds.push_back(it->second);
      }
      if (tableBytes > maxTableBytes) {
        reason = "its tile plan needs more than max-table-bytes (" +
                 std::to_string(maxTableBytes) + ")";
        return failure();
      }
    }
    plan.offsets.push_back(static_cast<int32_t>(plan.tiles.size()));
  }
  return plan;
}

TilePlan mlir::attn::makeRuntimeTilePlan(int64_t lq, int64_t lk,
                                         TileSizes sizes) {
  TilePlan plan;
  plan.bq = sizes.bq;
  plan.bk = sizes.bk;
  if (!ShapedType::isDynamic(lq))
    plan.numQTiles = (lq + sizes.bq - 1) / sizes.bq;
  if (!ShapedType::isDynamic(lk))
    plan.numKTiles = (lk + sizes.bk - 1) / sizes.bk;
  return plan;
}

bool mlir::attn::supportsTilePlan(AttentionOp op, std::string &reason) {
  if (op.getQOffset() || op.getQLenAttr()) {
    reason = "it is a tile of a larger attention (q_offset/q_len)";
    return false;
  }
  for (Type t : op->getOperandTypes()) {
    auto shaped = dyn_cast<ShapedType>(t);
    if (shaped && !shaped.hasStaticShape()) {
      reason = "it has dynamic shapes";
      return false;
    }
  }
  return supportsRuntimeTilePlan(op, reason);
}

bool mlir::attn::supportsRuntimeTilePlan(AttentionOp op, std::string &reason) {
  // Head counts and head dims size the kernel's vectors and loops.
  RankedTensorType q = op.getQueryType(), k = op.getKeyType(),
                   v = op.getValueType();
  if (q.isDynamicDim(1) || q.isDynamicDim(3) || k.isDynamicDim(1) ||
      v.isDynamicDim(3)) {
    reason = "it has dynamic head counts or head dims";
    return false;
  }
  for (Type t : op->getOperandTypes()) {
    auto shaped = dyn_cast<ShapedType>(t);
    if (shaped && shaped.hasStaticShape() && shaped.getNumElements() == 0) {
      reason = "it has an empty operand";
      return false;
    }
  }
  if (op.getEffectiveNormalizer().getColumnRecalibration()) {
    reason = "its normalizer recalibrates columns over all query rows, "
             "which needs the materialised weights";
    return false;
  }
  return true;
}
