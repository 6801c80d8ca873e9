//===- PatternInterfaceTest.cpp - Patterns vs the naive reference ---------===//
//
// For many random shapes and parameters of every pattern kind, the dialect's
// PatternAttrInterface (C++ evaluator, visible counts, tile classification)
// must agree with the independent naive reference.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/Attn.h"
#include "attn/Reference/Naive.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/DebugStringHelper.h"
#include "gtest/gtest.h"

#include <random>

using namespace mlir;
using namespace mlir::attn;
namespace ref = ::attn::ref;

namespace {

class PatternInterfaceTest : public ::testing::Test {
protected:
  PatternInterfaceTest() { context.loadDialect<AttnDialect>(); }

  /// Checks every pair, row count, total and a grid of tiles.
  void checkAgainstReference(PatternAttrInterface pattern,
                             const ref::Pattern &ref, int64_t lq, int64_t lk) {
    int64_t total = 0;
    // The affine description, where the pattern has one, at these sizes.
    FailureOr<AffineVisibility> affine = pattern.getAffineVisibility();
    auto affineVisible = [&](int64_t i, int64_t j) {
      return llvm::any_of(*affine, [&](const auto &conjunction) {
        return llvm::all_of(conjunction, [&](const AffineConstraint &c) {
          return c[0] * i + c[1] * j + c[2] * lq + c[3] * lk + c[4] >= 0;
        });
      });
    };
    for (int64_t i = 0; i < lq; ++i) {
      int64_t row = 0;
      for (int64_t j = 0; j < lk; ++j) {
        bool want = ref::isVisible(ref, i, j, lq, lk);
        ASSERT_EQ(pattern.isVisible(i, j, lq, lk), want)
            << "pattern " << debugString(pattern) << " at (" << i << ", " << j
            << ") lq=" << lq << " lk=" << lk;
        if (succeeded(affine)) {
          ASSERT_EQ(affineVisible(i, j), want)
              << "affine visibility of " << debugString(pattern) << " at (" << i
              << ", " << j << ") lq=" << lq << " lk=" << lk;
        }
        row += want;
      }
      ASSERT_EQ(pattern.getVisibleCount(i, lq, lk), row)
          << debugString(pattern) << " row " << i;
      total += row;
    }
    ASSERT_EQ(pattern.countVisiblePairs(lq, lk), total) << debugString(pattern);
    // A stencil, where the pattern gives one, holds exactly for every row.
    SmallVector<int64_t> bases, deltas;
    if (succeeded(pattern.getStencil(lq, lk, bases, deltas))) {
      ++stencils;
      ASSERT_EQ(int64_t(bases.size()), lq) << debugString(pattern);
      ASSERT_TRUE(llvm::is_sorted(deltas)) << debugString(pattern);
      for (int64_t i = 0; i < lq; ++i) {
        SmallVector<int64_t> want, got;
        for (int64_t j = 0; j < lk; ++j)
          if (ref::isVisible(ref, i, j, lq, lk))
            want.push_back(j);
        for (int64_t delta : deltas)
          got.push_back(bases[i] + delta);
        ASSERT_EQ(got, want)
            << "stencil of " << debugString(pattern) << " at row " << i;
      }
    }
    for (int64_t tq : {1, 3, 4}) {
      for (int64_t tk : {1, 2, 5}) {
        for (int64_t q0 = 0; q0 < lq; q0 += tq) {
          for (int64_t k0 = 0; k0 < lk; k0 += tk) {
            int64_t q1 = std::min(lq, q0 + tq), k1 = std::min(lk, k0 + tk);
            bool any = false, all = true;
            for (int64_t i = q0; i < q1; ++i)
              for (int64_t j = k0; j < k1; ++j) {
                bool v = ref::isVisible(ref, i, j, lq, lk);
                any |= v;
                all &= v;
              }
            TileVisibility want = !any  ? TileVisibility::Skipped
                                  : all ? TileVisibility::Full
                                        : TileVisibility::Partial;
            ASSERT_EQ(pattern.classifyTile(q0, q1, k0, k1, lq, lk), want)
                << debugString(pattern) << " tile [" << q0 << "," << q1 << ")x["
                << k0 << "," << k1 << ")";
          }
        }
      }
    }
  }

  MLIRContext context;
  /// Patterns whose getStencil succeeded in checkAgainstReference.
  int64_t stencils = 0;
  std::mt19937 rng{1234};
  int64_t uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
};

TEST_F(PatternInterfaceTest, AffineVisibilityWhereExpressible) {
  // Dense, causal and windows describe themselves as affine constraints
  // (checked pair by pair in checkAgainstReference); grid and block
  // patterns do not.
  EXPECT_TRUE(succeeded(cast<PatternAttrInterface>(DenseAttr::get(&context))
                            .getAffineVisibility()));
  EXPECT_TRUE(succeeded(cast<PatternAttrInterface>(CausalAttr::get(&context))
                            .getAffineVisibility()));
  EXPECT_TRUE(
      succeeded(cast<PatternAttrInterface>(WindowAttr::get(&context, 3, 1, 2))
                    .getAffineVisibility()));
  auto hood =
      NeighborhoodAttr::get(&context, {4, 4}, {3, 3}, {1, 1}, {1, 1}, {0, 0});
  EXPECT_TRUE(failed(cast<PatternAttrInterface>(hood).getAffineVisibility()));
}

TEST_F(PatternInterfaceTest, DenseAndCausal) {
  for (int trial = 0; trial < 20; ++trial) {
    int64_t lk = uniform(1, 24), lq = uniform(1, lk);
    ref::Pattern dense, causal;
    causal.kind = ref::PatternKind::Causal;
    checkAgainstReference(cast<PatternAttrInterface>(DenseAttr::get(&context)),
                          dense, lq, lk);
    checkAgainstReference(cast<PatternAttrInterface>(CausalAttr::get(&context)),
                          causal, lq, lk);
  }
}

TEST_F(PatternInterfaceTest, Window) {
  for (int trial = 0; trial < 60; ++trial) {
    int64_t lk = uniform(1, 24), lq = uniform(1, lk);
    ref::Pattern ref;
    ref.kind = ref::PatternKind::Window;
    ref.left = uniform(0, 8);
    ref.right = uniform(0, 3);
    ref.sinks = uniform(0, 4);
    auto attr = WindowAttr::get(&context, ref.left, ref.right, ref.sinks);
    checkAgainstReference(cast<PatternAttrInterface>(attr), ref, lq, lk);
  }
}

TEST_F(PatternInterfaceTest, Neighborhood) {
  for (int trial = 0; trial < 150; ++trial) {
    int64_t rank = uniform(1, 3);
    ref::Pattern ref;
    ref.kind = ref::PatternKind::Neighborhood;
    int64_t tokens = 1;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t extent = uniform(1, rank == 1 ? 20 : 6);
      int64_t dilation = uniform(1, std::max<int64_t>(1, extent / 2));
      int64_t kernel = uniform(1, extent / dilation);
      int64_t stride = uniform(1, kernel);
      ref.shape.push_back(extent);
      ref.kernel.push_back(kernel);
      ref.dilation.push_back(dilation);
      ref.stride.push_back(stride);
      ref.causal.push_back(uniform(0, 1) == 1);
      tokens *= extent;
    }
    SmallVector<int64_t> causal;
    for (bool c : ref.causal)
      causal.push_back(c ? 1 : 0);
    ASSERT_TRUE(succeeded(NeighborhoodAttr::verify(
        [&]() { return emitError(UnknownLoc::get(&context)); }, ref.shape,
        ref.kernel, ref.dilation, ref.stride, causal)))
        << "generated parameters must be valid";
    auto attr = NeighborhoodAttr::get(&context, ref.shape, ref.kernel,
                                      ref.dilation, ref.stride, causal);
    bool anyCausal = llvm::is_contained(ref.causal, true);
    int64_t before = stencils;
    checkAgainstReference(cast<PatternAttrInterface>(attr), ref, tokens,
                          tokens);
    // Non-causal windows (kernel <= extent / dilation here) are stencils;
    // causal ones, whose first rows see fewer keys, are not.
    EXPECT_EQ(stencils - before, anyCausal ? 0 : 1) << debugString(attr);
  }
}

TEST_F(PatternInterfaceTest, BlockSparse) {
  for (int trial = 0; trial < 40; ++trial) {
    int64_t lk = uniform(1, 24), lq = uniform(1, 24);
    ref::Pattern ref;
    ref.kind = ref::PatternKind::BlockSparse;
    ref.blockQ = uniform(1, 6);
    ref.blockK = uniform(1, 6);
    ref.layoutRows = (lq + ref.blockQ - 1) / ref.blockQ;
    ref.layoutCols = (lk + ref.blockK - 1) / ref.blockK;
    SmallVector<bool> layout;
    for (int64_t n = 0; n < ref.layoutRows * ref.layoutCols; ++n) {
      bool v = uniform(0, 2) != 0;
      ref.layout.push_back(v);
      layout.push_back(v);
    }
    auto type = RankedTensorType::get({ref.layoutRows, ref.layoutCols},
                                      IntegerType::get(&context, 1));
    auto dense = cast<DenseIntElementsAttr>(
        DenseElementsAttr::get(type, ArrayRef<bool>(layout)));
    auto attr = BlockSparseAttr::get(&context, ref.blockQ, ref.blockK, dense);
    checkAgainstReference(cast<PatternAttrInterface>(attr), ref, lq, lk);
  }
}

TEST_F(PatternInterfaceTest, NeighborhoodSeesExactlyKernelKeys) {
  // Non-causal, undilated 2-D neighborhoods: every query sees k1 * k2 keys,
  // also at the borders where the window shifts inward.
  auto attr =
      NeighborhoodAttr::get(&context, {7, 9}, {3, 5}, {1, 1}, {1, 1}, {0, 0});
  for (int64_t i = 0; i < 63; ++i)
    EXPECT_EQ(attr.getVisibleCount(i, 63, 63), 15) << "query " << i;
}

} // namespace
