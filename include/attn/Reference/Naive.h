//===- Naive.h - Independent naive reference of the attn ops ----*- C++ -*-===//
//
// A deliberately simple implementation of `attn.attention`, `attn.token_merge`
// and `attn.token_unmerge`, written straight from SPEC sections 2-5 with
// plain loops and double accumulation. It shares no code with the dialect or
// its lowerings, and is the oracle that proves them right (unit tests and
// `attn-run --check --oracle=naive`).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_REFERENCE_NAIVE_H
#define ATTN_REFERENCE_NAIVE_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attn::ref {

/// A dense row-major array of doubles.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<double> data;

  Tensor() = default;
  Tensor(std::vector<int64_t> shape, double fill = 0.0);
  int64_t numElements() const;
};

enum class PatternKind { Dense, Causal, Window, Neighborhood, BlockSparse };

/// Plain description of a SPEC section 3 pattern.
struct Pattern {
  PatternKind kind = PatternKind::Dense;
  // window
  int64_t left = 0, right = 0, sinks = 0;
  // neighborhood (all of the same length n = 1..3)
  std::vector<int64_t> shape, kernel, dilation, stride;
  std::vector<bool> causal;
  // block sparse: layout is row-major layoutRows x layoutCols
  int64_t blockQ = 0, blockK = 0;
  int64_t layoutRows = 0, layoutCols = 0;
  std::vector<bool> layout;
};

/// Visibility of (i, j) under `p`. `i` is the row index within a logical
/// query of length `lq` (i.e. already including any query offset), `lk` the
/// key length. Causal-like patterns use i' = i + (lk - lq).
bool isVisible(const Pattern &p, int64_t i, int64_t j, int64_t lq, int64_t lk);

enum class NormKind {
  Softmax,
  SoftmaxLearnedSink,
  SoftmaxZeroSink,
  Relu,
  Sigmoid,
  SoftplusL1
};
enum class ReluNorm { SeqLen, Visible, None };

/// Plain description of a SPEC section 4 normalizer.
struct Normalizer {
  NormKind kind = NormKind::Softmax;
  ReluNorm reluNorm = ReluNorm::SeqLen;
  std::optional<double> sigmoidBias; // default -ln(Lk)
  std::optional<double> trainLen;    // softplus_l1 N0; absent: lambda = 1
  /// ACT column recalibration on top of plain softmax (#attn.act): per batch
  /// and head, key columns j >= 1 whose mean weight over the query rows
  /// exceeds threshold / Lk get their weights multiplied by factor, and
  /// every row is renormalised.
  std::optional<double> actThreshold, actFactor;
};

/// One `attn.attention` evaluation. Shapes as in SPEC section 2; bias and mask
/// are numpy-broadcastable to B x Hq x Lq x Lk (rank <= 4, right-aligned);
/// mask entries are 0 (masked) or non-zero (may attend); sink has shape Hq.
struct AttentionProblem {
  Tensor query, key, value;
  std::optional<Tensor> bias, mask, sink;
  double scale = 1.0; // already resolved (1/sqrt(D) when the op has none)
  std::optional<double> softcap;
  Pattern pattern;
  Normalizer normalizer;
  /// Row i of this problem is row i + qOffset of a logical query of length
  /// qLen (absent: Lq). Untiled ops use 0 / absent.
  int64_t qOffset = 0;
  std::optional<int64_t> qLen;
};

/// Returns the B x Hq x Lq x Dv result, or sets `error` and returns an empty
/// tensor when the problem is inconsistent. With `lse`, also its B x Hq x Lq
/// log-sum-exp (SPEC 2.1; softmax-family normalizers only).
Tensor attention(const AttentionProblem &problem, std::string *error = nullptr,
                 Tensor *lse = nullptr);

enum class Matching { Bipartite, CompleteGraph };

struct TokenMergeResult {
  Tensor merged;               // B x (N - r) x C
  Tensor mergedSize;           // B x (N - r)
  std::vector<int64_t> source; // B x N, row-major: merged row of each token
};

/// SPEC section 5. `size` may be absent (all ones). Ties are broken by the
/// lower index everywhere (best partner, ranking, destination).
TokenMergeResult tokenMerge(const Tensor &tokens, const Tensor &metric,
                            const std::optional<Tensor> &size, int64_t r,
                            bool protectFirst, Matching matching,
                            std::string *error = nullptr);

/// Copies merged row source[b][n] back to every original position n.
Tensor tokenUnmerge(const Tensor &merged, const std::vector<int64_t> &source,
                    int64_t numTokens, std::string *error = nullptr);

} // namespace attn::ref

#endif // ATTN_REFERENCE_NAIVE_H
