//===- TilePlanTest.cpp - Tile plans cover exactly the visible pairs ------===//
//
// For every pattern kind, many shapes and tile sizes: each visible (i, j)
// lies in exactly one planned tile whose mask (or full-tile status) says it
// is visible, every planned mask bit is a visible pair, skipped tiles hold
// no visible pair, and identical masks are stored once.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/TilePlan.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/DebugStringHelper.h"
#include "gtest/gtest.h"

#include <random>
#include <set>

using namespace mlir;
using namespace mlir::attn;

namespace {

class TilePlanTest : public ::testing::Test {
protected:
  TilePlanTest() { context.loadDialect<AttnDialect>(); }

  void check(PatternAttrInterface pattern, int64_t lq, int64_t lk,
             TileSizes sizes) {
    std::string reason;
    FailureOr<TilePlan> plan =
        buildTilePlan(pattern, lq, lk, sizes, int64_t(1) << 30, reason);
    ASSERT_TRUE(succeeded(plan)) << reason;
    std::string where = debugString(pattern) + " lq=" + std::to_string(lq) +
                        " lk=" + std::to_string(lk) +
                        " bq=" + std::to_string(sizes.bq) +
                        " bk=" + std::to_string(sizes.bk);
    ASSERT_EQ(plan->offsets.size(), size_t(plan->numQTiles + 1)) << where;
    std::vector<char> covered(lq * lk, 0);
    std::set<std::vector<int8_t>> distinct;
    for (int64_t qt = 0; qt < plan->numQTiles; ++qt) {
      std::set<int32_t> visited;
      for (int32_t e = plan->offsets[qt]; e < plan->offsets[qt + 1]; ++e) {
        int32_t kt = plan->tiles[e], id = plan->maskIds[e];
        ASSERT_TRUE(visited.insert(kt).second) << where;
        for (int64_t j = 0; j < sizes.bk; ++j) {
          for (int64_t i = 0; i < sizes.bq; ++i) {
            int64_t row = qt * sizes.bq + i, key = int64_t(kt) * sizes.bk + j;
            bool inside = row < lq && key < lk;
            bool planned =
                id < 0 ? inside
                       : plan->masks[(id * sizes.bk + j) * sizes.bq + i] != 0;
            if (!inside) {
              ASSERT_FALSE(id < 0 && key >= lk)
                  << where << ": a cut-off tile marked full";
              ASSERT_FALSE(planned && id >= 0) << where;
              continue;
            }
            ASSERT_EQ(planned, pattern.isVisible(row, key, lq, lk))
                << where << " at (" << row << ", " << key << ")";
            covered[row * lk + key] = 1;
          }
        }
      }
      // Skipped tiles hold nothing visible.
      for (int64_t kt = 0; kt < plan->numKTiles; ++kt) {
        if (visited.count(kt))
          continue;
        for (int64_t i = qt * sizes.bq; i < std::min(lq, (qt + 1) * sizes.bq);
             ++i)
          for (int64_t j = kt * sizes.bk; j < std::min(lk, (kt + 1) * sizes.bk);
               ++j)
            ASSERT_FALSE(pattern.isVisible(i, j, lq, lk))
                << where << ": skipped tile holds (" << i << ", " << j << ")";
      }
    }
    for (int64_t u = 0; u < plan->numMasks; ++u) {
      auto begin = plan->masks.begin() + u * sizes.bk * sizes.bq;
      ASSERT_TRUE(
          distinct
              .insert(std::vector<int8_t>(begin, begin + sizes.bk * sizes.bq))
              .second)
          << where << ": mask " << u << " stored twice";
    }
    int64_t planned = plan->fullTiles + plan->partialTiles;
    EXPECT_EQ(planned + plan->skippedTiles, plan->numQTiles * plan->numKTiles)
        << where;
    EXPECT_EQ(planned, int64_t(plan->tiles.size())) << where;
    ++checked;
  }

  MLIRContext context;
  std::mt19937 rng{1234};
  int checked = 0;
};

TEST_F(TilePlanTest, EveryKindManyShapes) {
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const TileSizes sizes[] = {{8, 4}, {16, 8}, {8, 12}, {64, 64}};
  for (int round = 0; round < 40; ++round) {
    int64_t lq = pick(1, 70), lk = pick(lq, 90);
    TileSizes ts = sizes[round % 4];
    check(cast<PatternAttrInterface>(DenseAttr::get(&context)), lq, lk, ts);
    check(cast<PatternAttrInterface>(CausalAttr::get(&context)), lq, lk, ts);
    check(cast<PatternAttrInterface>(
              WindowAttr::get(&context, pick(0, 20), pick(0, 5), pick(0, 4))),
          lq, lk, ts);
    int64_t x = pick(3, 9), y = pick(3, 9);
    int64_t kx = pick(1, x), ky = pick(1, y);
    check(cast<PatternAttrInterface>(
              NeighborhoodAttr::get(&context, {x, y}, {kx, ky}, {1, 1},
                                    {1, pick(1, ky)}, {0, pick(0, 1)})),
          x * y, x * y, ts);
    int64_t bq = pick(1, 8), bk = pick(1, 8);
    int64_t nq = (lq + bq - 1) / bq, nk = (lk + bk - 1) / bk;
    SmallVector<bool> layout;
    for (int64_t i = 0; i < nq * nk; ++i)
      layout.push_back(pick(0, 2) == 0);
    auto type = RankedTensorType::get({nq, nk}, IntegerType::get(&context, 1));
    check(cast<PatternAttrInterface>(BlockSparseAttr::get(
              &context, bq, bk,
              cast<DenseIntElementsAttr>(
                  DenseElementsAttr::get(type, ArrayRef<bool>(layout))))),
          lq, lk, ts);
  }
  EXPECT_EQ(checked, 200);
}

TEST_F(TilePlanTest, RefusesPlansOverTheLimit) {
  std::string reason;
  FailureOr<TilePlan> plan =
      buildTilePlan(cast<PatternAttrInterface>(CausalAttr::get(&context)), 512,
                    512, {64, 64}, 64, reason);
  EXPECT_TRUE(failed(plan));
  EXPECT_NE(reason.find("max-table-bytes (64)"), std::string::npos) << reason;
}

} // namespace
