//===- PatternInferenceTest.cpp - Round trips pattern -> mask -> pattern --===//
//
// For many random shapes and parameters of every pattern kind: materialise
// the visibility from the pattern, infer a pattern back, and require the
// same visibility, and the very same attribute whenever the parameters are
// the canonical ones for that visibility (the inference returns the
// simplest equal pattern, so e.g. a window wider than the sequence comes
// back as #attn.dense).
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/PatternInference.h"
#include "attn/Reference/Naive.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/DebugStringHelper.h"
#include "gtest/gtest.h"

#include <random>

using namespace mlir;
using namespace mlir::attn;
namespace ref = ::attn::ref;

namespace {

class PatternInferenceTest : public ::testing::Test {
protected:
  PatternInferenceTest() { context.loadDialect<AttnDialect>(); }

  /// Infers `pattern` back from its own visibility. Returns the inferred
  /// attribute (null when none was found, which fails the test).
  PatternAttrInterface roundTrip(PatternAttrInterface pattern, int64_t lq,
                                 int64_t lk,
                                 const PatternInferenceOptions &options = {}) {
    VisibilityMatrix vis = VisibilityMatrix::fromPattern(pattern, lq, lk);
    PatternAttrInterface inferred = inferExactPattern(&context, vis, options);
    EXPECT_TRUE(inferred) << "nothing inferred for " << debugString(pattern)
                          << " lq=" << lq << " lk=" << lk;
    if (!inferred)
      return {};
    VisibilityMatrix back = VisibilityMatrix::fromPattern(inferred, lq, lk);
    EXPECT_TRUE(back == vis)
        << debugString(pattern) << " came back as " << debugString(inferred)
        << " with a different visibility (lq=" << lq << " lk=" << lk << ")";
    // Also against the independent reference, so a bug shared by
    // fromPattern and the attribute cannot hide.
    return inferred;
  }

  MLIRContext context;
  std::mt19937_64 rng{20261122};
  int64_t uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
};

TEST_F(PatternInferenceTest, DenseAndCausal) {
  for (int64_t lq : {1, 3, 8, 17})
    for (int64_t lk : {1, 4, 8, 19}) {
      PatternAttrInterface d = roundTrip(DenseAttr::get(&context), lq, lk);
      EXPECT_TRUE(isa_and_nonnull<DenseAttr>(d));
      PatternAttrInterface c = roundTrip(CausalAttr::get(&context), lq, lk);
      // Causal with Lq <= 1 or a visibility that is all true is dense.
      VisibilityMatrix vis =
          VisibilityMatrix::fromPattern(CausalAttr::get(&context), lq, lk);
      if (vis.count() == lq * lk) {
        EXPECT_TRUE(isa_and_nonnull<DenseAttr>(c));
      } else {
        EXPECT_TRUE(isa_and_nonnull<CausalAttr>(c)) << debugString(c);
      }
    }
}

TEST_F(PatternInferenceTest, RandomWindows) {
  int compared = 0;
  for (int trial = 0; trial < 400; ++trial) {
    int64_t lk = uniform(2, 40), lq = uniform(1, lk);
    int64_t left = uniform(0, lk), right = uniform(0, 4), sinks = uniform(0, 5);
    auto w = WindowAttr::get(&context, left, right, sinks);
    PatternAttrInterface back = roundTrip(w, lq, lk);
    if (!back)
      continue;
    // Canonical: the band neither reaches past the sequence nor swallows
    // the sinks, and it is not plain causal.
    int64_t offset = lk - lq;
    bool leftBinds = left < offset + lq - 1 - sinks && left < lk - 1;
    bool rightBinds = right + offset < lk - 1;
    bool sinksMatter =
        sinks > 0 && left + sinks < offset + lq - 1 && sinks < lk;
    if (leftBinds && (right == 0 || rightBinds) &&
        (sinks == 0 || sinksMatter) && (left > 0 || right > 0))
      ; // fallthrough to the comparison below
    else
      continue;
    if (right == 0 && sinks == 0 && left >= offset + lq - 1)
      continue; // causal
    ++compared;
    EXPECT_EQ(back, PatternAttrInterface(w))
        << debugString(w) << " lq=" << lq << " lk=" << lk << " came back as "
        << debugString(back);
  }
  EXPECT_GT(compared, 50) << "too few canonical random windows";
}

/// Whether (k, d, t, c) is the only parameter set of a 1-D neighborhood of
/// length x with its visibility (by brute force over every valid set).
bool uniqueParameters(MLIRContext *context, int64_t x, int64_t k, int64_t d,
                      int64_t t, int64_t c) {
  auto rule = [&](int64_t kk, int64_t dd, int64_t tt, int64_t cc) {
    return VisibilityMatrix::fromPattern(
        NeighborhoodAttr::get(context, {x}, {kk}, {dd}, {tt}, {cc}), x, x);
  };
  VisibilityMatrix mine = rule(k, d, t, c);
  for (int64_t kk = 1; kk <= x; ++kk)
    for (int64_t dd = 1; kk * dd <= x; ++dd)
      for (int64_t tt = 1; tt <= kk; ++tt)
        for (int64_t cc = 0; cc <= 1; ++cc)
          if (std::make_tuple(kk, dd, tt, cc) != std::make_tuple(k, d, t, c) &&
              rule(kk, dd, tt, cc) == mine)
            return false;
  return true;
}

TEST_F(PatternInferenceTest, RandomNeighborhoods) {
  int unique = 0;
  for (int trial = 0; trial < 300; ++trial) {
    int64_t rank = uniform(1, 3);
    SmallVector<int64_t> shape, kernel, dilation, stride, causal;
    int64_t l = 1;
    bool allUnique = true;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t x = uniform(2, rank == 1 ? 24 : (rank == 2 ? 8 : 5));
      int64_t dil = uniform(1, std::max<int64_t>(1, x / 3));
      int64_t k = uniform(1, x / dil);
      int64_t t = uniform(1, k), c = uniform(0, 1);
      shape.push_back(x);
      dilation.push_back(dil);
      kernel.push_back(k);
      stride.push_back(t);
      causal.push_back(c);
      allUnique &= uniqueParameters(&context, x, k, dil, t, c);
      l *= x;
    }
    auto n = NeighborhoodAttr::get(&context, shape, kernel, dilation, stride,
                                   causal);
    PatternInferenceOptions options;
    options.grid = shape;
    PatternAttrInterface back = roundTrip(n, l, l, options);
    // roundTrip checked the visibility. When no other parameters give the
    // same rule in any dimension, a neighborhood that comes back must be
    // this one (a simpler kind, e.g. a window, may come first).
    if (allUnique && back && isa<NeighborhoodAttr>(back)) {
      ++unique;
      EXPECT_EQ(back, PatternAttrInterface(n))
          << debugString(n) << " came back as " << debugString(back);
    }
  }
  EXPECT_GT(unique, 50) << "too few non-degenerate random cases";
}

TEST_F(PatternInferenceTest, NeighborhoodGridFoundFromTheMask) {
  // 2-D 6x5 grid, 3x3 kernel: no grid given, the factorisations of 30 are
  // tried and [6, 5] is the one whose visibility matches.
  auto n =
      NeighborhoodAttr::get(&context, {6, 5}, {3, 3}, {1, 1}, {1, 1}, {0, 0});
  EXPECT_EQ(roundTrip(n, 30, 30), PatternAttrInterface(n));
  // 3-D with dilation, causal in time, even kernel.
  auto n3 = NeighborhoodAttr::get(&context, {2, 8, 5}, {2, 3, 2}, {1, 1, 2},
                                  {1, 2, 1}, {1, 0, 0});
  PatternAttrInterface back3 = roundTrip(n3, 80, 80);
  EXPECT_EQ(back3, PatternAttrInterface(n3)) << debugString(back3);
  // 1-D, even kernel, shifted at the borders.
  auto n1 = NeighborhoodAttr::get(&context, {20}, {6}, {1}, {1}, {0});
  EXPECT_EQ(roundTrip(n1, 20, 20), PatternAttrInterface(n1));
}

TEST_F(PatternInferenceTest, RandomBlockSparse) {
  for (int trial = 0; trial < 200; ++trial) {
    int64_t bs = uniform(1, 5);
    int64_t lq = uniform(1, 24), lk = uniform(1, 24);
    int64_t nbq = (lq + bs - 1) / bs, nbk = (lk + bs - 1) / bs;
    SmallVector<bool> bits;
    int64_t empty = 0;
    for (int64_t b = 0; b < nbq * nbk; ++b) {
      bool on = uniform(0, 2) == 0;
      bits.push_back(on);
      empty += !on;
    }
    auto type =
        RankedTensorType::get({nbq, nbk}, IntegerType::get(&context, 1));
    auto blocks = BlockSparseAttr::get(&context, bs, bs,
                                       DenseIntElementsAttr::get(type, bits));
    PatternInferenceOptions options;
    options.blockSize = bs;
    VisibilityMatrix vis = VisibilityMatrix::fromPattern(blocks, lq, lk);
    if (4 * empty < nbq * nbk) {
      // Too few empty blocks to be worth a block-sparse pattern: whatever
      // comes back (possibly nothing) must still be exact.
      PatternAttrInterface p = inferExactPattern(&context, vis, options);
      EXPECT_TRUE(!p || VisibilityMatrix::fromPattern(p, lq, lk) == vis)
          << debugString(p);
      continue;
    }
    PatternAttrInterface back = roundTrip(blocks, lq, lk, options);
    // Only layouts with enough empty blocks are reported as block-sparse;
    // others (and ones that happen to be causal or a window) come back in
    // another exact form, which roundTrip has checked.
    if (back && isa<BlockSparseAttr>(back)) {
      EXPECT_EQ(back, PatternAttrInterface(blocks));
    }
  }
}

TEST_F(PatternInferenceTest, ArbitraryMaskIsNotClassified) {
  // A checkerboard equals no pattern; nothing may be returned.
  VisibilityMatrix vis(8, 8);
  for (int64_t i = 0; i < 8; ++i)
    for (int64_t j = 0; j < 8; ++j)
      vis.set(i, j, (i + j) % 2 == 0 || j == 0);
  PatternInferenceOptions options;
  options.blockSize = 4;
  EXPECT_FALSE(inferExactPattern(&context, vis, options));
  // One extra visible pair breaks an otherwise causal mask.
  VisibilityMatrix almost =
      VisibilityMatrix::fromPattern(CausalAttr::get(&context), 8, 8);
  almost.set(2, 6, true);
  PatternAttrInterface p = inferExactPattern(&context, almost, options);
  if (p) {
    EXPECT_TRUE(VisibilityMatrix::fromPattern(p, 8, 8) == almost)
        << debugString(p);
  }
}

TEST_F(PatternInferenceTest, EnclosingPatternForPaddedCausal) {
  // Causal AND a key padding mask: no exact pattern, causal encloses it.
  VisibilityMatrix vis(8, 8);
  for (int64_t i = 0; i < 8; ++i)
    for (int64_t j = 0; j <= i && j < 6; ++j)
      vis.set(i, j, true);
  PatternInferenceOptions options;
  options.blockSize = 4;
  PatternAttrInterface p =
      inferEnclosingPattern(&context, vis, DenseAttr::get(&context), options);
  ASSERT_TRUE(p);
  EXPECT_TRUE(vis.isSubsetOf(VisibilityMatrix::fromPattern(p, 8, 8)));
  EXPECT_LT(VisibilityMatrix::fromPattern(p, 8, 8).count(), 64);
  // Nothing tighter than the current pattern: no result.
  EXPECT_FALSE(inferEnclosingPattern(&context, vis, p, options) &&
               VisibilityMatrix::fromPattern(
                   inferEnclosingPattern(&context, vis, p, options), 8, 8)
                       .count() >=
                   VisibilityMatrix::fromPattern(p, 8, 8).count());
}

} // namespace
