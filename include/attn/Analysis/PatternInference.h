//===- PatternInference.h - Classify visibility masks as patterns -*- C++
//-*-===//
//
// Exact classification of a boolean Lq x Lk visibility matrix into the
// patterns of SPEC section 3, and the inverse (materialising a pattern).
// Candidates are proposed from the matrix's structure, but a candidate is
// only returned after its visibility has been compared with every entry, so
// the classification is exact by construction.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ANALYSIS_PATTERNINFERENCE_H
#define ATTN_ANALYSIS_PATTERNINFERENCE_H

#include "attn/Dialect/Attn/IR/Attn.h"

#include <cstdint>
#include <vector>

namespace mlir::attn {

/// A row-major Lq x Lk matrix of booleans.
class VisibilityMatrix {
public:
  VisibilityMatrix(int64_t lq, int64_t lk, bool value = false)
      : lq(lq), lk(lk), bits(static_cast<size_t>(lq * lk), value) {}

  int64_t getLq() const { return lq; }
  int64_t getLk() const { return lk; }
  bool get(int64_t i, int64_t j) const { return bits[i * lk + j]; }
  void set(int64_t i, int64_t j, bool v) { bits[i * lk + j] = v; }
  int64_t count() const;
  bool operator==(const VisibilityMatrix &other) const {
    return lq == other.lq && lk == other.lk && bits == other.bits;
  }
  /// Whether every pair visible here is visible in `other`.
  bool isSubsetOf(const VisibilityMatrix &other) const;

  /// The matrix of `pattern` for the given lengths.
  static VisibilityMatrix fromPattern(PatternAttrInterface pattern, int64_t lq,
                                      int64_t lk);

private:
  int64_t lq, lk;
  std::vector<uint8_t> bits;
};

struct PatternInferenceOptions {
  /// Block size of block-sparse candidates (both dimensions).
  int64_t blockSize = 64;
  /// A block-sparse candidate needs at least this fraction of empty blocks.
  double minEmptyBlockFraction = 0.25;
  /// Neighborhood grid to try; empty: every factorisation of L into 1 to 3
  /// factors greater than 1 (lowest rank first).
  SmallVector<int64_t> grid;
};

/// The simplest pattern whose visible set equals `vis` exactly, in the order
/// dense, causal, window (fewest sinks), neighborhood (lowest rank, then the
/// factorisations of L in increasing order, smallest stride), block-sparse;
/// null when none does.
PatternAttrInterface inferExactPattern(MLIRContext *context,
                                       const VisibilityMatrix &vis,
                                       const PatternInferenceOptions &options);

/// The pattern with the fewest visible pairs that contains `vis` and is
/// contained in `within` (causal, a fitted window, or block-sparse), if it
/// has fewer visible pairs than `within`; null otherwise. Used when a mask
/// carries more than a pattern can express: the pattern then bounds the
/// work and the mask stays.
PatternAttrInterface
inferEnclosingPattern(MLIRContext *context, const VisibilityMatrix &vis,
                      PatternAttrInterface within,
                      const PatternInferenceOptions &options);

/// The 1-D neighborhood (kernel, dilation, stride, causal) along a dimension
/// of length `x` whose rule equals `relation` (an x-by-x matrix, query
/// coordinate by key coordinate) exactly, or std::nullopt.
struct Neighborhood1D {
  int64_t kernel, dilation, stride, causal;
};
std::optional<Neighborhood1D>
inferNeighborhood1D(MLIRContext *context, const VisibilityMatrix &relation);

} // namespace mlir::attn

#endif // ATTN_ANALYSIS_PATTERNINFERENCE_H
