//===- ReferenceTest.cpp - Tests of the naive reference ------------------===//
//
// Every expectation here is derived independently of Naive.cpp: closed forms
// worked out by hand from SPEC sections 2-5, or an equivalent reformulation
// of the same problem (appended sink column, repeated KV heads, row slices).
//
//===----------------------------------------------------------------------===//

#include "attn/Reference/Naive.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace attn::ref;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = 3.14159265358979323846;

/// Deterministic values in [lo, hi) (a 64-bit LCG; no <random> so that the
/// sequence is identical on every standard library).
Tensor randomTensor(std::vector<int64_t> shape, uint64_t seed, double lo = -1,
                    double hi = 1) {
  Tensor t(std::move(shape));
  uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (double &x : t.data) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    double u = static_cast<double>(state >> 11) / 9007199254740992.0;
    x = lo + (hi - lo) * u;
  }
  return t;
}

AttentionProblem randomProblem(int64_t B, int64_t Hq, int64_t Hkv, int64_t Lq,
                               int64_t Lk, int64_t D, int64_t Dv,
                               uint64_t seed) {
  AttentionProblem p;
  p.query = randomTensor({B, Hq, Lq, D}, seed);
  p.key = randomTensor({B, Hkv, Lk, D}, seed + 1);
  p.value = randomTensor({B, Hkv, Lk, Dv}, seed + 2);
  p.scale = 1.0 / std::sqrt(static_cast<double>(D));
  return p;
}

/// A 1 x 1 x Lq x Lk problem whose logits are exactly `s` (q_i = s_i,
/// k_j = e_j, scale 1) and whose values are the identity, so that the output
/// row i is the weight row p_i.
AttentionProblem logitProblem(const std::vector<std::vector<double>> &s) {
  int64_t Lq = static_cast<int64_t>(s.size());
  int64_t Lk = static_cast<int64_t>(s[0].size());
  AttentionProblem p;
  p.query = Tensor({1, 1, Lq, Lk});
  for (int64_t i = 0; i < Lq; ++i)
    for (int64_t j = 0; j < Lk; ++j)
      p.query.data[i * Lk + j] = s[i][j];
  p.key = Tensor({1, 1, Lk, Lk});
  p.value = Tensor({1, 1, Lk, Lk});
  for (int64_t j = 0; j < Lk; ++j) {
    p.key.data[j * Lk + j] = 1;
    p.value.data[j * Lk + j] = 1;
  }
  p.scale = 1;
  return p;
}

/// Replaces the values by the identity (Dv = Lk) so the output holds p_ij.
AttentionProblem withIdentityValues(AttentionProblem p) {
  int64_t B = p.key.shape[0], Hkv = p.key.shape[1], Lk = p.key.shape[2];
  p.value = Tensor({B, Hkv, Lk, Lk});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hkv; ++h)
      for (int64_t j = 0; j < Lk; ++j)
        p.value.data[((b * Hkv + h) * Lk + j) * Lk + j] = 1;
  return p;
}

Tensor run(const AttentionProblem &p) {
  std::string err;
  Tensor t = attention(p, &err);
  EXPECT_EQ(err, "");
  return t;
}

double at4(const Tensor &t, int64_t a, int64_t b, int64_t c, int64_t d) {
  return t.data[((a * t.shape[1] + b) * t.shape[2] + c) * t.shape[3] + d];
}

void expectNear(const Tensor &got, const Tensor &want, double tol = 1e-12) {
  ASSERT_EQ(got.shape, want.shape);
  ASSERT_EQ(got.data.size(), want.data.size());
  for (size_t k = 0; k < got.data.size(); ++k)
    ASSERT_NEAR(got.data[k], want.data[k], tol) << "at flat index " << k;
}

std::vector<int64_t> visibleKeys(const Pattern &p, int64_t i, int64_t lq,
                                 int64_t lk) {
  std::vector<int64_t> keys;
  for (int64_t j = 0; j < lk; ++j)
    if (isVisible(p, i, j, lq, lk))
      keys.push_back(j);
  return keys;
}

Pattern neighborhood(std::vector<int64_t> shape, std::vector<int64_t> kernel,
                     std::vector<int64_t> dilation, std::vector<int64_t> stride,
                     std::vector<bool> causal) {
  Pattern p;
  p.kind = PatternKind::Neighborhood;
  p.shape = std::move(shape);
  p.kernel = std::move(kernel);
  p.dilation = std::move(dilation);
  p.stride = std::move(stride);
  p.causal = std::move(causal);
  return p;
}

std::vector<Normalizer> allNormalizers() {
  std::vector<Normalizer> all;
  for (NormKind k :
       {NormKind::Softmax, NormKind::SoftmaxLearnedSink,
        NormKind::SoftmaxZeroSink, NormKind::Sigmoid, NormKind::SoftplusL1}) {
    Normalizer n;
    n.kind = k;
    all.push_back(n);
  }
  for (ReluNorm r : {ReluNorm::SeqLen, ReluNorm::Visible, ReluNorm::None}) {
    Normalizer n;
    n.kind = NormKind::Relu;
    n.reluNorm = r;
    all.push_back(n);
  }
  Normalizer n;
  n.kind = NormKind::SoftplusL1;
  n.trainLen = 4;
  all.push_back(n);
  n = Normalizer();
  n.kind = NormKind::Sigmoid;
  n.sigmoidBias = 0.5;
  all.push_back(n);
  return all;
}

//===----------------------------------------------------------------------===//
// Closed forms
//===----------------------------------------------------------------------===//

TEST(Attention, OneQueryTwoKeysClosedForm) {
  // q = (1, 2), k0 = (1, 0), k1 = (0, 1), scale 1/sqrt(2):
  // s0 = 1/sqrt(2), s1 = 2/sqrt(2); p0 = 1 / (1 + exp(s1 - s0)).
  AttentionProblem p;
  p.query = Tensor({1, 1, 1, 2});
  p.query.data = {1, 2};
  p.key = Tensor({1, 1, 2, 2});
  p.key.data = {1, 0, 0, 1};
  p.value = Tensor({1, 1, 2, 3});
  p.value.data = {1, 2, 3, -4, 5, 0.5};
  p.scale = 1 / std::sqrt(2.0);
  Tensor o = run(p);
  ASSERT_EQ(o.shape, (std::vector<int64_t>{1, 1, 1, 3}));
  double p0 = 1 / (1 + std::exp(1 / std::sqrt(2.0)));
  double p1 = 1 - p0;
  EXPECT_NEAR(o.data[0], p0 * 1 + p1 * -4, 1e-14);
  EXPECT_NEAR(o.data[1], p0 * 2 + p1 * 5, 1e-14);
  EXPECT_NEAR(o.data[2], p0 * 3 + p1 * 0.5, 1e-14);
}

TEST(Attention, SoftcapThenBias) {
  // s = c * tanh(scale * <q,k> / c) + bias.
  AttentionProblem p = logitProblem({{3.0, -1.0}});
  p.scale = 2.0;
  p.softcap = 5.0;
  p.bias = Tensor({2});
  p.bias->data = {0.25, -0.75};
  Tensor o = run(p);
  double s0 = 5 * std::tanh(6.0 / 5) + 0.25;
  double s1 = 5 * std::tanh(-2.0 / 5) - 0.75;
  double p0 = std::exp(s0) / (std::exp(s0) + std::exp(s1));
  EXPECT_NEAR(o.data[0], p0, 1e-14);
  EXPECT_NEAR(o.data[1], 1 - p0, 1e-14);
}

TEST(Attention, SoftmaxRowsSumToOne) {
  for (PatternKind kind :
       {PatternKind::Dense, PatternKind::Causal, PatternKind::Window}) {
    AttentionProblem p =
        withIdentityValues(randomProblem(2, 3, 3, 5, 7, 4, 1, 11));
    p.pattern.kind = kind;
    p.pattern.left = 1;
    p.pattern.right = 1;
    Tensor o = run(p);
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t h = 0; h < 3; ++h)
        for (int64_t i = 0; i < 5; ++i) {
          double sum = 0;
          for (int64_t j = 0; j < 7; ++j) {
            double w = at4(o, b, h, i, j);
            bool vis = isVisible(p.pattern, i, j, 5, 7);
            if (vis)
              EXPECT_GT(w, 0);
            else
              EXPECT_EQ(w, 0.0);
            sum += w;
          }
          EXPECT_NEAR(sum, 1.0, 1e-12);
        }
  }
}

TEST(Attention, ReluNorms) {
  // Logits 2, -1, 0.5, 3 with key 3 masked out.
  for (ReluNorm norm : {ReluNorm::SeqLen, ReluNorm::Visible, ReluNorm::None}) {
    AttentionProblem p = logitProblem({{2.0, -1.0, 0.5, 3.0}});
    p.normalizer.kind = NormKind::Relu;
    p.normalizer.reluNorm = norm;
    p.mask = Tensor({4});
    p.mask->data = {1, 1, 1, 0};
    double n = norm == ReluNorm::SeqLen ? 4 : norm == ReluNorm::Visible ? 3 : 1;
    Tensor o = run(p);
    EXPECT_NEAR(o.data[0], 2.0 / n, 1e-15);
    EXPECT_EQ(o.data[1], 0.0);
    EXPECT_NEAR(o.data[2], 0.5 / n, 1e-15);
    EXPECT_EQ(o.data[3], 0.0);
  }
}

TEST(Attention, SigmoidDefaultAndExplicitBias) {
  AttentionProblem p = logitProblem({{1.0, -2.0, 0.0}});
  p.normalizer.kind = NormKind::Sigmoid;
  Tensor o = run(p);
  // Default b = -ln(Lk) = -ln 3: sigmoid(s - ln 3) = 1 / (1 + 3 exp(-s)).
  EXPECT_NEAR(o.data[0], 1 / (1 + 3 * std::exp(-1.0)), 1e-15);
  EXPECT_NEAR(o.data[1], 1 / (1 + 3 * std::exp(2.0)), 1e-15);
  EXPECT_NEAR(o.data[2], 0.25, 1e-15);
  p.normalizer.sigmoidBias = 2.0;
  o = run(p);
  EXPECT_NEAR(o.data[0], 1 / (1 + std::exp(-3.0)), 1e-15);
  EXPECT_NEAR(o.data[1], 0.5, 1e-15);
  EXPECT_NEAR(o.data[2], 1 / (1 + std::exp(-2.0)), 1e-15);
}

TEST(Attention, SoftplusL1WithAndWithoutTrainLen) {
  // Row 0: all 4 keys visible; row 1: keys 0 and 1 only (n = 2).
  AttentionProblem p =
      logitProblem({{1.0, -1.0, 2.0, 0.0}, {0.5, 1.5, 7.0, 7.0}});
  p.normalizer.kind = NormKind::SoftplusL1;
  p.mask = Tensor({2, 4});
  p.mask->data = {1, 1, 1, 1, 1, 1, 0, 0};
  auto sp = [](double x) { return std::log(1 + std::exp(x)); };
  Tensor o = run(p);
  double sum0 = sp(1) + sp(-1) + sp(2) + sp(0);
  EXPECT_NEAR(o.data[0], sp(1) / sum0, 1e-14);
  EXPECT_NEAR(o.data[1], sp(-1) / sum0, 1e-14);
  EXPECT_NEAR(o.data[2], sp(2) / sum0, 1e-14);
  EXPECT_NEAR(o.data[3], sp(0) / sum0, 1e-14);
  double sum1 = sp(0.5) + sp(1.5);
  EXPECT_NEAR(o.data[4], sp(0.5) / sum1, 1e-14);
  EXPECT_NEAR(o.data[5], sp(1.5) / sum1, 1e-14);
  EXPECT_EQ(o.data[6], 0.0);

  // N0 = 16: lambda = ln 4 / ln 16 = 1/2 in row 0, ln 2 / ln 16 = 1/4 in
  // row 1.
  p.normalizer.trainLen = 16;
  o = run(p);
  sum0 = sp(0.5) + sp(-0.5) + sp(1) + sp(0);
  EXPECT_NEAR(o.data[0], sp(0.5) / sum0, 1e-14);
  EXPECT_NEAR(o.data[2], sp(1) / sum0, 1e-14);
  sum1 = sp(0.125) + sp(0.375);
  EXPECT_NEAR(o.data[4], sp(0.125) / sum1, 1e-14);
  EXPECT_NEAR(o.data[5], sp(0.375) / sum1, 1e-14);
}

TEST(Attention, SoftplusL1FarNegativeLogitsKeepTheirRatios) {
  // softplus(x) = exp(x) (1 - exp(x)/2 + ...) for x << 0, so the ratios of
  // softplus terms near -1e4 are those of a softmax: exp(-1) and exp(-3)
  // relative to the largest, although every term underflows in double.
  AttentionProblem p = logitProblem({{-10000.0, -10001.0, -10003.0}});
  p.normalizer.kind = NormKind::SoftplusL1;
  Tensor o = run(p);
  double sum = 1 + std::exp(-1.0) + std::exp(-3.0);
  EXPECT_NEAR(o.data[0], 1 / sum, 1e-14);
  EXPECT_NEAR(o.data[1], std::exp(-1.0) / sum, 1e-14);
  EXPECT_NEAR(o.data[2], std::exp(-3.0) / sum, 1e-14);

  // Mixed magnitudes: the far-negative term vanishes next to softplus(0).
  p = logitProblem({{0.0, -10000.0}});
  p.normalizer.kind = NormKind::SoftplusL1;
  o = run(p);
  EXPECT_NEAR(o.data[0], 1.0, 1e-14);
  EXPECT_NEAR(o.data[1], 0.0, 1e-14);
}

TEST(Attention, ActScalesSinkColumnsAndRenormalises) {
  // Equal logits: every weight is 1/3 and every column mean is 1/3.
  AttentionProblem p = logitProblem({{0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}});
  p.normalizer.actThreshold = 0.5; // 1/3 > 0.5/3: columns 1 and 2 are sinks
  p.normalizer.actFactor = 0.5;
  Tensor o = run(p);
  // Row [1/3, 1/6, 1/6] renormalised by 2/3; column 0 is never scaled.
  for (int64_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(o.data[i * 3 + 0], 0.5, 1e-15);
    EXPECT_NEAR(o.data[i * 3 + 1], 0.25, 1e-15);
    EXPECT_NEAR(o.data[i * 3 + 2], 0.25, 1e-15);
  }
  // Threshold above the means: plain softmax.
  p.normalizer.actThreshold = 1.5;
  o = run(p);
  for (double w : o.data)
    EXPECT_NEAR(w, 1.0 / 3.0, 1e-15);

  // Causal: column 1 gets 1/2 from row 1 and 1/3 from row 2, mean
  // (0 + 1/2 + 1/3) / 3 = 5/18 > 0.75 / 3; column 2 only 1/9 < 1/4.
  p = logitProblem({{0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}});
  p.pattern.kind = PatternKind::Causal;
  p.normalizer.actThreshold = 0.75;
  p.normalizer.actFactor = 0.0;
  o = run(p);
  EXPECT_NEAR(o.data[0], 1.0, 1e-15);     // row 0: only key 0
  EXPECT_NEAR(o.data[3 + 0], 1.0, 1e-15); // row 1: key 1 removed
  EXPECT_NEAR(o.data[3 + 1], 0.0, 1e-15);
  EXPECT_NEAR(o.data[6 + 0], 0.5, 1e-15); // row 2: keys 0 and 2
  EXPECT_NEAR(o.data[6 + 1], 0.0, 1e-15);
  EXPECT_NEAR(o.data[6 + 2], 0.5, 1e-15);
}

TEST(Attention, EmptyDimensions) {
  // D = 0: every logit is 0, softmax is uniform, the output is the mean value.
  AttentionProblem p = randomProblem(1, 1, 1, 2, 4, 0, 3, 13);
  p.scale = 1; // not 1/sqrt(0)
  Tensor o = run(p);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t c = 0; c < 3; ++c) {
      double mean = 0;
      for (int64_t j = 0; j < 4; ++j)
        mean += p.value.data[j * 3 + c] / 4;
      EXPECT_NEAR(at4(o, 0, 0, i, c), mean, 1e-15);
    }
  // Lk = 0: no visible key anywhere, zeros for every normalizer.
  for (const Normalizer &n : allNormalizers()) {
    AttentionProblem q = randomProblem(2, 2, 1, 3, 0, 4, 2, 17);
    q.normalizer = n;
    q.sink = Tensor({2}, 1.0);
    Tensor z = run(q);
    ASSERT_EQ(z.shape, (std::vector<int64_t>{2, 2, 3, 2}));
    for (double v : z.data)
      EXPECT_EQ(v, 0.0);
  }
  // Dv = 0 and Lq = 0 give empty results, not errors.
  EXPECT_EQ(run(randomProblem(1, 1, 1, 2, 3, 4, 0, 19)).data.size(), 0u);
  EXPECT_EQ(run(randomProblem(1, 1, 1, 0, 3, 4, 2, 23)).shape,
            (std::vector<int64_t>{1, 1, 0, 2}));
}

//===----------------------------------------------------------------------===//
// Sinks
//===----------------------------------------------------------------------===//

TEST(Attention, LearnedSinkEqualsAppendedColumn) {
  // gpt-oss: concatenate a column of sink logits sigma_h, softmax over
  // Lk + 1 columns, drop the sink column. Built here as an extra key of zeros
  // (dot 0) with bias sigma_h and a zero value row.
  const int64_t B = 2, Hq = 4, Hkv = 2, Lq = 3, Lk = 5, D = 4, Dv = 3;
  AttentionProblem p = randomProblem(B, Hq, Hkv, Lq, Lk, D, Dv, 21);
  p.pattern.kind = PatternKind::Causal;
  p.sink = Tensor({Hq});
  p.sink->data = {-1.0, 0.0, 2.5, 0.7};
  p.normalizer.kind = NormKind::SoftmaxLearnedSink;
  Tensor got = run(p);

  AttentionProblem q;
  q.scale = p.scale;
  q.key = Tensor({B, Hkv, Lk + 1, D});
  q.value = Tensor({B, Hkv, Lk + 1, Dv});
  q.query = p.query;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hkv; ++h)
      for (int64_t j = 0; j < Lk; ++j) {
        for (int64_t c = 0; c < D; ++c)
          q.key.data[((b * Hkv + h) * (Lk + 1) + j) * D + c] =
              p.key.data[((b * Hkv + h) * Lk + j) * D + c];
        for (int64_t c = 0; c < Dv; ++c)
          q.value.data[((b * Hkv + h) * (Lk + 1) + j) * Dv + c] =
              p.value.data[((b * Hkv + h) * Lk + j) * Dv + c];
      }
  // Bias and mask over B x Hq x Lq x (Lk + 1): the causal rule of the
  // original problem (i' = i + Lk - Lq) on the first Lk columns, and the sink
  // column always visible with logit sigma_h.
  q.bias = Tensor({1, Hq, Lq, Lk + 1});
  q.mask = Tensor({1, Hq, Lq, Lk + 1}, 1.0);
  for (int64_t h = 0; h < Hq; ++h)
    for (int64_t i = 0; i < Lq; ++i) {
      for (int64_t j = 0; j < Lk; ++j)
        q.mask->data[(h * Lq + i) * (Lk + 1) + j] = j <= i + (Lk - Lq);
      q.bias->data[(h * Lq + i) * (Lk + 1) + Lk] = p.sink->data[h];
    }
  Tensor want = run(q);
  expectNear(got, want, 1e-13);

  // And the sink really changes the result (weights sum to < 1).
  AttentionProblem plain = p;
  plain.normalizer.kind = NormKind::Softmax;
  Tensor noSink = run(plain);
  double diff = 0;
  for (size_t k = 0; k < got.data.size(); ++k)
    diff += std::abs(got.data[k] - noSink.data[k]);
  EXPECT_GT(diff, 1e-3);
}

TEST(Attention, ZeroSinkEqualsLearnedSinkAtZero) {
  AttentionProblem p = randomProblem(1, 2, 1, 4, 6, 8, 5, 31);
  p.normalizer.kind = NormKind::SoftmaxZeroSink;
  Tensor zero = run(p);
  p.normalizer.kind = NormKind::SoftmaxLearnedSink;
  p.sink = Tensor({2}, 0.0);
  Tensor learned = run(p);
  expectNear(zero, learned, 0);
}

TEST(Attention, ZeroSinkClosedForm) {
  // softmax1: p_j = exp(s_j) / (1 + sum exp(s)).
  AttentionProblem p = logitProblem({{0.0, std::log(2.0)}});
  p.normalizer.kind = NormKind::SoftmaxZeroSink;
  Tensor o = run(p);
  EXPECT_NEAR(o.data[0], 1.0 / 4, 1e-15);
  EXPECT_NEAR(o.data[1], 2.0 / 4, 1e-15);
}

TEST(Attention, LearnedSinkHugeLogitsStayFinite) {
  AttentionProblem p = logitProblem({{1e4, 1e4 - 1}, {-1e4, -1e4}});
  p.normalizer.kind = NormKind::SoftmaxLearnedSink;
  p.sink = Tensor({1});
  p.sink->data = {1e4};
  Tensor o = run(p);
  // Row 0: weights e^0, e^-1 against a sink of e^0.
  double den = 2 + std::exp(-1.0);
  EXPECT_NEAR(o.data[0], 1 / den, 1e-14);
  EXPECT_NEAR(o.data[1], std::exp(-1.0) / den, 1e-14);
  // Row 1: the sink dominates completely; exp(-2e4) underflows to 0.
  EXPECT_EQ(o.data[2], 0.0);
  EXPECT_EQ(o.data[3], 0.0);
}

//===----------------------------------------------------------------------===//
// Masked rows, large logits
//===----------------------------------------------------------------------===//

TEST(Attention, FullyMaskedRowsAreZeroForEveryNormalizer) {
  for (const Normalizer &n : allNormalizers()) {
    AttentionProblem p = randomProblem(1, 2, 2, 4, 5, 3, 2, 41);
    p.normalizer = n;
    p.sink = Tensor({2});
    p.sink->data = {0.3, -0.2};
    // Row 1: mask all false. Row 2: bias -inf everywhere. Row 3: the two
    // mechanisms mixed.
    p.mask = Tensor({4, 5}, 1.0);
    p.bias = Tensor({4, 5}, 0.0);
    for (int64_t j = 0; j < 5; ++j) {
      p.mask->data[1 * 5 + j] = 0;
      p.bias->data[2 * 5 + j] = -kInf;
      if (j % 2)
        p.mask->data[3 * 5 + j] = 0;
      else
        p.bias->data[3 * 5 + j] = -kInf;
    }
    Tensor o = run(p);
    ASSERT_EQ(o.shape, (std::vector<int64_t>{1, 2, 4, 2}));
    for (int64_t h = 0; h < 2; ++h)
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t c = 0; c < 2; ++c) {
          double v = at4(o, 0, h, i, c);
          EXPECT_FALSE(std::isnan(v));
          if (i > 0) {
            EXPECT_EQ(v, 0.0)
                << "normalizer " << static_cast<int>(n.kind) << " row " << i;
          }
        }
    // Row 0 is an ordinary row: not all zero (relu may zero it legitimately).
    if (n.kind != NormKind::Relu) {
      EXPECT_NE(at4(o, 0, 0, 0, 0), 0.0);
    }
  }
}

TEST(Attention, PatternWithNoVisibleKeyGivesZeros) {
  // Causal with Lq > Lk: i' = i - 2, so rows 0 and 1 see nothing.
  for (const Normalizer &n : allNormalizers()) {
    AttentionProblem p = randomProblem(1, 1, 1, 4, 2, 3, 2, 43);
    p.pattern.kind = PatternKind::Causal;
    p.normalizer = n;
    p.sink = Tensor({1}, 0.5);
    Tensor o = run(p);
    for (int64_t c = 0; c < 2; ++c) {
      EXPECT_EQ(at4(o, 0, 0, 0, c), 0.0);
      EXPECT_EQ(at4(o, 0, 0, 1, c), 0.0);
      EXPECT_FALSE(std::isnan(at4(o, 0, 0, 2, c)));
    }
  }
}

TEST(Attention, HugeLogitsFinite) {
  // Logits of order 1e4 overflow exp() unless the max is subtracted.
  for (const Normalizer &n : allNormalizers()) {
    AttentionProblem p = logitProblem({{1e4, 1e4 - 2, -1e4}, {-1e4, -2e4, 0}});
    p.normalizer = n;
    p.sink = Tensor({1}, 0.0);
    Tensor o = run(p);
    for (double v : o.data)
      EXPECT_TRUE(std::isfinite(v))
          << "normalizer " << static_cast<int>(n.kind);
    if (n.kind == NormKind::Softmax) {
      double den = 1 + std::exp(-2.0);
      EXPECT_NEAR(o.data[0], 1 / den, 1e-14);
      EXPECT_NEAR(o.data[1], std::exp(-2.0) / den, 1e-14);
      EXPECT_EQ(o.data[2], 0.0);
      EXPECT_NEAR(o.data[5], 1.0, 1e-14);
    }
  }
}

//===----------------------------------------------------------------------===//
// GQA, broadcasting
//===----------------------------------------------------------------------===//

TEST(Attention, GqaEqualsRepeatedKvHeads) {
  const int64_t B = 2, Hq = 6, Hkv = 2, Lq = 3, Lk = 4, D = 5, Dv = 3;
  AttentionProblem p = randomProblem(B, Hq, Hkv, Lq, Lk, D, Dv, 51);
  p.pattern.kind = PatternKind::Causal;
  Tensor got = run(p);

  // Query head h reads kv head h / 3: repeat each kv head 3 times.
  AttentionProblem q = p;
  q.key = Tensor({B, Hq, Lk, D});
  q.value = Tensor({B, Hq, Lk, Dv});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h) {
      int64_t src = h / 3;
      for (int64_t x = 0; x < Lk * D; ++x)
        q.key.data[(b * Hq + h) * Lk * D + x] =
            p.key.data[(b * Hkv + src) * Lk * D + x];
      for (int64_t x = 0; x < Lk * Dv; ++x)
        q.value.data[(b * Hq + h) * Lk * Dv + x] =
            p.value.data[(b * Hkv + src) * Lk * Dv + x];
    }
  expectNear(got, run(q), 0);

  // MQA: a single kv head.
  AttentionProblem m = randomProblem(1, 3, 1, 2, 3, 2, 2, 53);
  Tensor mqa = run(m);
  for (int64_t h = 0; h < 3; ++h) {
    AttentionProblem one = m;
    one.query = Tensor({1, 1, 2, 2});
    for (int64_t x = 0; x < 4; ++x)
      one.query.data[x] = m.query.data[h * 4 + x];
    Tensor o = run(one);
    for (int64_t x = 0; x < 4; ++x)
      EXPECT_EQ(mqa.data[h * 4 + x], o.data[x]);
  }
}

TEST(Attention, BiasAndMaskBroadcastLikeNumpy) {
  const int64_t B = 2, H = 3, Lq = 4, Lk = 5;
  AttentionProblem p = randomProblem(B, H, H, Lq, Lk, 4, 2, 61);
  // bias of shape H x 1 x Lk, mask of shape Lq x 1 (rank 2).
  Tensor bias = randomTensor({H, 1, Lk}, 62);
  Tensor mask({Lq, 1}, 1.0);
  mask.data[2] = 0; // row 2 masked everywhere
  p.bias = bias;
  p.mask = mask;
  Tensor got = run(p);

  AttentionProblem q = p;
  q.bias = Tensor({B, H, Lq, Lk});
  q.mask = Tensor({B, H, Lq, Lk});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Lq; ++i)
        for (int64_t j = 0; j < Lk; ++j) {
          int64_t k = ((b * H + h) * Lq + i) * Lk + j;
          q.bias->data[k] = bias.data[h * Lk + j];
          q.mask->data[k] = mask.data[i];
        }
  expectNear(got, run(q), 0);
  EXPECT_EQ(at4(got, 1, 2, 2, 0), 0.0);
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

TEST(Pattern, CausalAlignsBottomRight) {
  Pattern causal;
  causal.kind = PatternKind::Causal;
  // Lq = 2, Lk = 5: row 0 sits at position 3, row 1 at position 4.
  EXPECT_EQ(visibleKeys(causal, 0, 2, 5), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(visibleKeys(causal, 1, 2, 5),
            (std::vector<int64_t>{0, 1, 2, 3, 4}));
  // Lq = Lk: the usual lower triangle.
  EXPECT_EQ(visibleKeys(causal, 0, 3, 3), (std::vector<int64_t>{0}));
  EXPECT_EQ(visibleKeys(causal, 2, 3, 3), (std::vector<int64_t>{0, 1, 2}));
  // Lq > Lk: row 0 of 4 sits at -2.
  EXPECT_EQ(visibleKeys(causal, 0, 4, 2), (std::vector<int64_t>{}));
  EXPECT_EQ(visibleKeys(causal, 3, 4, 2), (std::vector<int64_t>{0, 1}));

  // Through attention: decode step (Lq = 1) sees every key, and a
  // chunked-prefill row's weights vanish exactly beyond i'.
  AttentionProblem p =
      withIdentityValues(randomProblem(1, 1, 1, 2, 5, 3, 1, 71));
  p.pattern = causal;
  Tensor o = run(p);
  EXPECT_GT(at4(o, 0, 0, 0, 3), 0.0);
  EXPECT_EQ(at4(o, 0, 0, 0, 4), 0.0);
  EXPECT_GT(at4(o, 0, 0, 1, 4), 0.0);
}

TEST(Pattern, WindowWithSinks) {
  Pattern w;
  w.kind = PatternKind::Window;
  w.left = 2;
  w.right = 1;
  w.sinks = 1;
  EXPECT_EQ(visibleKeys(w, 0, 8, 8), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(visibleKeys(w, 5, 8, 8), (std::vector<int64_t>{0, 3, 4, 5, 6}));
  EXPECT_EQ(visibleKeys(w, 7, 8, 8), (std::vector<int64_t>{0, 5, 6, 7}));
  // Lq = 3, Lk = 8: row 0 sits at 5.
  EXPECT_EQ(visibleKeys(w, 0, 3, 8), (std::vector<int64_t>{0, 3, 4, 5, 6}));
  w.sinks = 0;
  w.right = 0;
  EXPECT_EQ(visibleKeys(w, 1, 8, 8), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(visibleKeys(w, 6, 8, 8), (std::vector<int64_t>{4, 5, 6}));
}

TEST(Pattern, BlockSparse) {
  Pattern p;
  p.kind = PatternKind::BlockSparse;
  p.blockQ = 2;
  p.blockK = 3;
  p.layoutRows = 2;
  p.layoutCols = 2;
  p.layout = {true, false, true, true};
  EXPECT_EQ(visibleKeys(p, 0, 4, 6), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(visibleKeys(p, 1, 4, 6), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(visibleKeys(p, 2, 4, 6), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  // Ragged last blocks (Lq = 3, Lk = 5) use the same layout.
  EXPECT_EQ(visibleKeys(p, 2, 3, 5), (std::vector<int64_t>{0, 1, 2, 3, 4}));

  AttentionProblem a =
      withIdentityValues(randomProblem(1, 1, 1, 4, 6, 2, 1, 81));
  a.pattern = p;
  Tensor o = run(a);
  double sum = 0;
  for (int64_t j = 0; j < 6; ++j) {
    EXPECT_EQ(at4(o, 0, 0, 1, j) > 0, j < 3);
    sum += at4(o, 0, 0, 1, j);
  }
  EXPECT_NEAR(sum, 1.0, 1e-14);
}

TEST(Pattern, NeighborhoodSeesExactlyKernelKeys1D) {
  // Non-causal: the window shifts inward at borders, so every query sees k
  // keys, whatever the stride and dilation.
  for (int64_t X : {7, 8, 9, 12})
    for (int64_t d = 1; d <= 3; ++d)
      for (int64_t k = 1; k * d <= X; ++k)
        for (int64_t t = 1; t <= k; ++t) {
          Pattern p = neighborhood({X}, {k}, {d}, {t}, {false});
          for (int64_t x = 0; x < X; ++x) {
            std::vector<int64_t> keys = visibleKeys(p, x, X, X);
            ASSERT_EQ(static_cast<int64_t>(keys.size()), k)
                << "X=" << X << " k=" << k << " d=" << d << " t=" << t
                << " x=" << x;
            for (int64_t y : keys)
              EXPECT_EQ(y % d, x % d);
            // The plain odd neighborhood contains the query itself.
            if (d == 1 && t == 1 && k % 2 == 1) {
              EXPECT_TRUE(std::find(keys.begin(), keys.end(), x) != keys.end());
            }
          }
        }
}

TEST(Pattern, NeighborhoodCausalCounts1D) {
  // Causal, stride 1: keys x - k + 1 .. x, truncated at 0.
  for (int64_t X : {6, 9})
    for (int64_t k = 1; k <= X; ++k) {
      Pattern p = neighborhood({X}, {k}, {1}, {1}, {true});
      for (int64_t x = 0; x < X; ++x) {
        std::vector<int64_t> want;
        for (int64_t y = std::max<int64_t>(0, x - k + 1); y <= x; ++y)
          want.push_back(y);
        EXPECT_EQ(visibleKeys(p, x, X, X), want) << "k=" << k << " x=" << x;
      }
    }
}

TEST(Pattern, NeighborhoodCounts2DAnd3D) {
  Pattern p2 = neighborhood({5, 6}, {3, 2}, {1, 2}, {2, 1}, {false, false});
  for (int64_t i = 0; i < 30; ++i)
    EXPECT_EQ(visibleKeys(p2, i, 30, 30).size(), 6u) << "query " << i;
  Pattern p3 = neighborhood({3, 4, 5}, {2, 3, 5}, {1, 1, 1}, {1, 3, 2},
                            {false, false, false});
  for (int64_t i = 0; i < 60; ++i)
    EXPECT_EQ(visibleKeys(p3, i, 60, 60).size(), 30u) << "query " << i;
}

TEST(Pattern, NeighborhoodHandChecked) {
  // X = 10, k = 4, d = 2, t = 2: L = 2, R = 1.
  // x = 0: x' = 0, n = 5, leader min(0 + 1, 4) = 1, centre clamp(1, 2, 3) = 2,
  //        y' in [0, 3] -> y = {0, 2, 4, 6}.
  // x = 2: x' = 1, leader 1, centre 2 -> {0, 2, 4, 6}.
  // x = 4: x' = 2, leader min(2 + 1, 4) = 3, centre 3, y' in [1, 4]
  //        -> {2, 4, 6, 8}.
  // x = 5: odd group, n = ceil(9 / 2) = 5, x' = 2, leader 3, centre 3
  //        -> y' in [1, 4] -> {3, 5, 7, 9}.
  // x = 9: x' = 4, leader min(5, 4) = 4, centre clamp(4, 2, 3) = 3
  //        -> {3, 5, 7, 9}.
  Pattern p = neighborhood({10}, {4}, {2}, {2}, {false});
  EXPECT_EQ(visibleKeys(p, 0, 10, 10), (std::vector<int64_t>{0, 2, 4, 6}));
  EXPECT_EQ(visibleKeys(p, 2, 10, 10), (std::vector<int64_t>{0, 2, 4, 6}));
  EXPECT_EQ(visibleKeys(p, 4, 10, 10), (std::vector<int64_t>{2, 4, 6, 8}));
  EXPECT_EQ(visibleKeys(p, 5, 10, 10), (std::vector<int64_t>{3, 5, 7, 9}));
  EXPECT_EQ(visibleKeys(p, 9, 10, 10), (std::vector<int64_t>{3, 5, 7, 9}));

  // X = 7, k = 3, d = 2, t = 1 (groups of lengths 4 and 3): L = R = 1.
  // x = 0: n = 4, centre clamp(0, 1, 2) = 1 -> y' in [0, 2] -> {0, 2, 4}.
  // x = 5: x' = 2, n = 3, centre clamp(2, 1, 1) = 1 -> {1, 3, 5}.
  // x = 6: x' = 3, n = 4, centre clamp(3, 1, 2) = 2 -> y' in [1, 3]
  //        -> {2, 4, 6}.
  p = neighborhood({7}, {3}, {2}, {1}, {false});
  EXPECT_EQ(visibleKeys(p, 0, 7, 7), (std::vector<int64_t>{0, 2, 4}));
  EXPECT_EQ(visibleKeys(p, 5, 7, 7), (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(visibleKeys(p, 6, 7, 7), (std::vector<int64_t>{2, 4, 6}));

  // Causal X = 8, k = 3, t = 2: leader = min(floor(x/2)*2 + 1, 7).
  // x = 0: leader 1, y <= 0 -> {0}; x = 1: leader 1 -> {0, 1};
  // x = 4: leader 5, y <= 4 and 5 - y < 3 -> {3, 4}; x = 5 -> {3, 4, 5};
  // x = 7: leader 7 -> {5, 6, 7}.
  p = neighborhood({8}, {3}, {1}, {2}, {true});
  EXPECT_EQ(visibleKeys(p, 0, 8, 8), (std::vector<int64_t>{0}));
  EXPECT_EQ(visibleKeys(p, 1, 8, 8), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(visibleKeys(p, 4, 8, 8), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(visibleKeys(p, 5, 8, 8), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(visibleKeys(p, 7, 8, 8), (std::vector<int64_t>{5, 6, 7}));

  // 2-D grid 3 x 4 (token = 4 * row + col), kernel [2, 3]:
  // dim 0 (k = 2, L = 1, R = 0), dim 1 (k = 3, L = R = 1).
  // (0, 0): rows {0, 1}, cols {0, 1, 2}; (2, 3): rows {1, 2}, cols {1, 2, 3};
  // (1, 1): rows {0, 1}, cols {0, 1, 2}.
  p = neighborhood({3, 4}, {2, 3}, {1, 1}, {1, 1}, {false, false});
  EXPECT_EQ(visibleKeys(p, 0, 12, 12),
            (std::vector<int64_t>{0, 1, 2, 4, 5, 6}));
  EXPECT_EQ(visibleKeys(p, 11, 12, 12),
            (std::vector<int64_t>{5, 6, 7, 9, 10, 11}));
  EXPECT_EQ(visibleKeys(p, 5, 12, 12),
            (std::vector<int64_t>{0, 1, 2, 4, 5, 6}));

  // 2-D mixed: dim 0 causal k = 2, dim 1 non-causal k = 3.
  // (2, 0) = token 8: rows {1, 2}, cols {0, 1, 2}.
  p = neighborhood({3, 4}, {2, 3}, {1, 1}, {1, 1}, {true, false});
  EXPECT_EQ(visibleKeys(p, 8, 12, 12),
            (std::vector<int64_t>{4, 5, 6, 8, 9, 10}));
  EXPECT_EQ(visibleKeys(p, 1, 12, 12), (std::vector<int64_t>{0, 1, 2}));
}

TEST(Pattern, BlockedNeighborhoodIsBlockDiagonal) {
  // t == k: non-overlapping windows of k tokens.
  Pattern p = neighborhood({9}, {3}, {1}, {3}, {false});
  for (int64_t x = 0; x < 9; ++x) {
    int64_t start = x / 3 * 3;
    EXPECT_EQ(visibleKeys(p, x, 9, 9),
              (std::vector<int64_t>{start, start + 1, start + 2}));
  }
  // Causal, t == k == 3: leader = floor(x/3)*3 + 2, so each token sees the
  // earlier tokens of its own block (x = 3 -> {3}, x = 4 -> {3, 4}).
  p = neighborhood({9}, {3}, {1}, {3}, {true});
  for (int64_t x = 0; x < 9; ++x) {
    std::vector<int64_t> want;
    for (int64_t y = x / 3 * 3; y <= x; ++y)
      want.push_back(y);
    EXPECT_EQ(visibleKeys(p, x, 9, 9), want) << "x=" << x;
  }
  // Causal, X = 10, k = t = 4: the last block is short, its leader clamps to
  // n - 1 = 9. x = 8: y <= 8 and 9 - y < 4 -> {6, 7, 8};
  // x = 5: leader 7 -> {4, 5}.
  p = neighborhood({10}, {4}, {1}, {4}, {true});
  EXPECT_EQ(visibleKeys(p, 8, 10, 10), (std::vector<int64_t>{6, 7, 8}));
  EXPECT_EQ(visibleKeys(p, 9, 10, 10), (std::vector<int64_t>{6, 7, 8, 9}));
  EXPECT_EQ(visibleKeys(p, 5, 10, 10), (std::vector<int64_t>{4, 5}));
}

//===----------------------------------------------------------------------===//
// Query offsets (tiled rows)
//===----------------------------------------------------------------------===//

Tensor sliceRows(const Tensor &t, int64_t a, int64_t b) {
  int64_t B = t.shape[0], H = t.shape[1], L = t.shape[2], C = t.shape[3];
  Tensor s({B, H, b - a, C});
  for (int64_t x = 0; x < B * H; ++x)
    for (int64_t i = a; i < b; ++i)
      for (int64_t c = 0; c < C; ++c)
        s.data[(x * (b - a) + i - a) * C + c] = t.data[(x * L + i) * C + c];
  return s;
}

TEST(Attention, QueryOffsetMatchesSliceOfFullResult) {
  std::vector<Pattern> patterns;
  patterns.emplace_back();
  patterns.emplace_back();
  patterns.back().kind = PatternKind::Causal;
  patterns.emplace_back();
  patterns.back().kind = PatternKind::Window;
  patterns.back().left = 2;
  patterns.back().right = 1;
  patterns.back().sinks = 2;
  patterns.push_back(
      neighborhood({3, 4}, {2, 3}, {1, 1}, {1, 2}, {true, false}));
  Pattern bs;
  bs.kind = PatternKind::BlockSparse;
  bs.blockQ = 4;
  bs.blockK = 4;
  bs.layoutRows = 3;
  bs.layoutCols = 3;
  bs.layout = {true, false, false, true, true, false, false, true, true};
  patterns.push_back(bs);

  for (size_t k = 0; k < patterns.size(); ++k) {
    for (NormKind norm : {NormKind::Softmax, NormKind::SoftmaxLearnedSink,
                          NormKind::SoftplusL1}) {
      AttentionProblem full = randomProblem(1, 2, 1, 12, 12, 4, 3, 91 + k);
      full.pattern = patterns[k];
      full.normalizer.kind = norm;
      full.normalizer.trainLen = 8;
      full.sink = Tensor({2});
      full.sink->data = {0.1, -0.4};
      full.bias = randomTensor({1, 2, 12, 12}, 97);
      Tensor want = run(full);
      const std::vector<std::pair<int64_t, int64_t>> ranges = {
          {0, 5}, {5, 6}, {7, 12}};
      for (auto [a, b] : ranges) {
        AttentionProblem part = full;
        part.query = sliceRows(full.query, a, b);
        part.bias = sliceRows(*full.bias, a, b);
        part.qOffset = a;
        part.qLen = 12;
        expectNear(run(part), sliceRows(want, a, b), 0);
      }
    }
  }

  // Bottom-right alignment with a logical query shorter than the keys.
  AttentionProblem full = randomProblem(1, 1, 1, 6, 10, 4, 2, 99);
  full.pattern.kind = PatternKind::Causal;
  Tensor want = run(full);
  AttentionProblem part = full;
  part.query = sliceRows(full.query, 2, 5);
  part.qOffset = 2;
  part.qLen = 6;
  expectNear(run(part), sliceRows(want, 2, 5), 0);
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

void expectError(const AttentionProblem &p, const std::string &needle) {
  std::string err;
  Tensor t = attention(p, &err);
  EXPECT_TRUE(t.shape.empty());
  EXPECT_TRUE(t.data.empty());
  EXPECT_NE(err.find(needle), std::string::npos) << "error was: " << err;
}

TEST(Attention, InconsistentInputsAreReported) {
  AttentionProblem ok = randomProblem(1, 4, 2, 3, 5, 4, 2, 101);
  {
    AttentionProblem p = ok;
    p.key = randomTensor({1, 3, 5, 4}, 1);
    p.value = randomTensor({1, 3, 5, 2}, 2);
    expectError(p, "multiple");
  }
  {
    AttentionProblem p = ok;
    p.key = randomTensor({1, 2, 5, 3}, 1);
    expectError(p, "head dim");
  }
  {
    AttentionProblem p = ok;
    p.value = randomTensor({1, 2, 4, 2}, 1);
    expectError(p, "value");
  }
  {
    AttentionProblem p = ok;
    p.query = randomTensor({4, 3, 4}, 1);
    expectError(p, "rank");
  }
  {
    AttentionProblem p = ok;
    p.query.data.pop_back();
    expectError(p, "query");
  }
  {
    AttentionProblem p = ok;
    p.normalizer.kind = NormKind::SoftmaxLearnedSink;
    expectError(p, "sink");
    p.sink = Tensor({2});
    expectError(p, "sink");
  }
  {
    AttentionProblem p = ok;
    p.bias = Tensor({3, 4});
    expectError(p, "bias");
    p.bias.reset();
    p.mask = Tensor({1, 1, 1, 1, 5});
    expectError(p, "mask");
  }
  {
    AttentionProblem p = ok;
    p.pattern = neighborhood({2, 2}, {2, 2}, {1, 1}, {1, 1}, {false, false});
    expectError(p, "neighborhood");
  }
  {
    AttentionProblem p = ok;
    p.qOffset = 1;
    expectError(p, "logical query length");
    p.qLen = 3;
    expectError(p, "logical query length");
  }
  {
    AttentionProblem p = ok;
    p.pattern.kind = PatternKind::BlockSparse;
    p.pattern.blockQ = p.pattern.blockK = 2;
    p.pattern.layoutRows = p.pattern.layoutCols = 2;
    p.pattern.layout.assign(4, true);
    expectError(p, "block_sparse");
  }
  // Without an error string, still an empty result and no crash.
  AttentionProblem p = ok;
  p.key = randomTensor({2, 2, 5, 4}, 1);
  EXPECT_TRUE(attention(p).data.empty());
}

//===----------------------------------------------------------------------===//
// Token merging
//===----------------------------------------------------------------------===//

/// Metric rows as 2-D unit vectors at the given angles (degrees), scaled by
/// `scale[n]` (normalisation must remove it).
Tensor angleMetric(const std::vector<double> &degrees,
                   const std::vector<double> &scale) {
  int64_t N = static_cast<int64_t>(degrees.size());
  Tensor m({1, N, 2});
  for (int64_t n = 0; n < N; ++n) {
    double rad = degrees[n] * kPi / 180;
    m.data[2 * n] = scale[n] * std::cos(rad);
    m.data[2 * n + 1] = scale[n] * std::sin(rad);
  }
  return m;
}

/// Tokens with C = 2: token n is (n, 10 n).
Tensor indexTokens(int64_t N) {
  Tensor t({1, N, 2});
  for (int64_t n = 0; n < N; ++n) {
    t.data[2 * n] = n;
    t.data[2 * n + 1] = 10.0 * n;
  }
  return t;
}

TokenMergeResult merge(const Tensor &tokens, const Tensor &metric,
                       const std::optional<Tensor> &size, int64_t r,
                       bool protect, Matching m) {
  std::string err;
  TokenMergeResult res = tokenMerge(tokens, metric, size, r, protect, m, &err);
  EXPECT_EQ(err, "");
  return res;
}

TEST(TokenMerge, BipartiteHandChecked) {
  // A = {t0 @ 0deg, t2 @ 90deg, t4 @ 180deg}, B = {t1 @ 10, t3 @ 70, t5 @ 120}.
  // Best partners: t0 -> t1 (cos 10), t2 -> t3 (cos 20), t4 -> t5 (cos 60).
  // Ranking: t0, t2, t4. r = 2: t0 into t1, t2 into t3.
  Tensor metric = angleMetric({0, 10, 90, 70, 180, 120}, {3, 0.5, 1, 2, 7, 1});
  Tensor tokens = indexTokens(6);
  Tensor size({1, 6});
  size.data = {3, 1, 1, 2, 1, 1};
  TokenMergeResult res =
      merge(tokens, metric, size, 2, false, Matching::Bipartite);
  // Output: unmerged A (t4), then B (t1, t3, t5).
  ASSERT_EQ(res.merged.shape, (std::vector<int64_t>{1, 4, 2}));
  ASSERT_EQ(res.mergedSize.shape, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(res.source, (std::vector<int64_t>{1, 1, 2, 2, 0, 3}));
  // t4 alone; t1 = (3 * t0 + 1 * t1) / 4; t3 = (1 * t2 + 2 * t3) / 3; t5.
  std::vector<double> want = {4, 40, 0.25, 2.5, 8.0 / 3, 80.0 / 3, 5, 50};
  for (size_t k = 0; k < want.size(); ++k)
    EXPECT_NEAR(res.merged.data[k], want[k], 1e-12) << k;
  EXPECT_EQ(res.mergedSize.data, (std::vector<double>{1, 4, 3, 1}));

  // Unmerge copies each merged row back to every original position.
  std::string err;
  Tensor back = tokenUnmerge(res.merged, res.source, 6, &err);
  EXPECT_EQ(err, "");
  ASSERT_EQ(back.shape, (std::vector<int64_t>{1, 6, 2}));
  for (int64_t n = 0; n < 6; ++n)
    for (int64_t c = 0; c < 2; ++c)
      EXPECT_EQ(back.data[2 * n + c], res.merged.data[2 * res.source[n] + c]);
  EXPECT_NEAR(back.data[0], 0.25, 1e-12);
  EXPECT_NEAR(back.data[8], 4, 1e-12);
}

TEST(TokenMerge, BipartiteProtectFirst) {
  // Same metric: t0 may not merge; t2 (cos 20) and t4 (cos 60) do.
  Tensor metric = angleMetric({0, 10, 90, 70, 180, 120}, {1, 1, 1, 1, 1, 1});
  TokenMergeResult res =
      merge(indexTokens(6), metric, std::nullopt, 2, true, Matching::Bipartite);
  EXPECT_EQ(res.source, (std::vector<int64_t>{0, 1, 2, 2, 3, 3}));
  std::vector<double> want = {0, 0, 1, 10, 2.5, 25, 4.5, 45};
  for (size_t k = 0; k < want.size(); ++k)
    EXPECT_NEAR(res.merged.data[k], want[k], 1e-12) << k;
  EXPECT_EQ(res.mergedSize.data, (std::vector<double>{1, 1, 2, 2}));
  // r = |A| - 1 = 2 is the limit with protect_first.
  std::string err;
  tokenMerge(indexTokens(6), metric, std::nullopt, 3, true, Matching::Bipartite,
             &err);
  EXPECT_NE(err, "");
}

TEST(TokenMerge, BipartiteTiesGoToLowerIndex) {
  // Identical metric rows: every score is exactly equal. Partners: B index 0
  // (t1); ranking by index: t0, t2 are the sources.
  Tensor metric({1, 6, 3}, 1.0);
  TokenMergeResult res = merge(indexTokens(6), metric, std::nullopt, 2, false,
                               Matching::Bipartite);
  EXPECT_EQ(res.source, (std::vector<int64_t>{1, 1, 1, 2, 0, 3}));
  EXPECT_NEAR(res.merged.data[2], 1.0, 1e-12); // (0 + 1 + 2) / 3
  EXPECT_NEAR(res.merged.data[3], 10.0, 1e-12);
  EXPECT_EQ(res.mergedSize.data, (std::vector<double>{1, 3, 1, 1}));
}

TEST(TokenMerge, BipartiteZeroMergesOnlyReorders) {
  // r = 0: A tokens then B tokens, and zero metric rows give no NaN.
  Tensor metric({1, 5, 2}, 0.0);
  TokenMergeResult res = merge(indexTokens(5), metric, std::nullopt, 0, false,
                               Matching::Bipartite);
  EXPECT_EQ(res.source, (std::vector<int64_t>{0, 3, 1, 4, 2}));
  std::vector<double> want = {0, 0, 2, 20, 4, 40, 1, 10, 3, 30};
  EXPECT_EQ(res.merged.data, want);
  // With zero rows every score is 0 (a tie), so r = 3 (all of A, N odd)
  // merges t0, t2, t4 into t1.
  res = merge(indexTokens(5), metric, std::nullopt, 3, false,
              Matching::Bipartite);
  EXPECT_EQ(res.source, (std::vector<int64_t>{0, 0, 0, 1, 0}));
  EXPECT_NEAR(res.merged.data[0], (0 + 1 + 2 + 4) / 4.0, 1e-12);
  for (double v : res.merged.data)
    EXPECT_FALSE(std::isnan(v));
}

TEST(TokenMerge, CompleteGraphHandChecked) {
  // t0 @ 0, t1 @ 20, t2 @ 90, t3 @ 95, t4 @ 200 (degrees).
  // Best similarities: t2 and t3 (cos 5, a tie), then t0 and t1 (cos 20),
  // then t4 (its best is t3, cos 105). Ranking: t2, t3, t0, t1, t4.
  Tensor metric = angleMetric({0, 20, 90, 95, 200}, {1, 2, 3, 4, 5});
  Tensor tokens = indexTokens(5);
  // r = 1: t2 into t3.
  TokenMergeResult res =
      merge(tokens, metric, std::nullopt, 1, false, Matching::CompleteGraph);
  EXPECT_EQ(res.source, (std::vector<int64_t>{0, 1, 2, 2, 3}));
  EXPECT_NEAR(res.merged.data[4], 2.5, 1e-12);
  EXPECT_EQ(res.mergedSize.data, (std::vector<double>{1, 1, 2, 1}));
  // r = 2: t2 and t3 are sources; neither may be a destination, so both go
  // to t1 (cos 70 and cos 75 beat t0 and t4).
  res = merge(tokens, metric, std::nullopt, 2, false, Matching::CompleteGraph);
  EXPECT_EQ(res.source, (std::vector<int64_t>{0, 1, 1, 1, 2}));
  EXPECT_NEAR(res.merged.data[2], 2.0, 1e-12);
  EXPECT_EQ(res.mergedSize.data, (std::vector<double>{1, 3, 1}));
  // r = 3 with sizes: t0 joins too.
  Tensor size({1, 5});
  size.data = {4, 1, 1, 2, 1};
  res = merge(tokens, metric, size, 3, false, Matching::CompleteGraph);
  EXPECT_EQ(res.source, (std::vector<int64_t>{0, 0, 0, 0, 1}));
  EXPECT_NEAR(res.merged.data[0], (0 * 4 + 1 + 2 + 3 * 2) / 8.0, 1e-12);
  EXPECT_NEAR(res.merged.data[2], 4, 1e-12);
  EXPECT_EQ(res.mergedSize.data, (std::vector<double>{8, 1}));
  // r = 0 is the identity.
  res = merge(tokens, metric, std::nullopt, 0, false, Matching::CompleteGraph);
  EXPECT_EQ(res.source, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(res.merged.data, tokens.data);
}

TEST(TokenMerge, CompleteGraphProtectFirst) {
  // t0 protected: t1's best becomes t2 (cos 70). Ranking: t2, t3, t1, t4.
  // r = 3: sources t2, t3, t1; the only destination left is t4.
  Tensor metric = angleMetric({0, 20, 90, 95, 200}, {1, 1, 1, 1, 1});
  TokenMergeResult res = merge(indexTokens(5), metric, std::nullopt, 3, true,
                               Matching::CompleteGraph);
  EXPECT_EQ(res.source, (std::vector<int64_t>{0, 1, 1, 1, 1}));
  EXPECT_NEAR(res.merged.data[0], 0, 1e-12);
  EXPECT_NEAR(res.merged.data[2], 2.5, 1e-12); // (1 + 2 + 3 + 4) / 4
  EXPECT_EQ(res.mergedSize.data, (std::vector<double>{1, 4}));
  // Without protection t0 would take t1 (cos 20 is the best for t0).
  res = merge(indexTokens(5), metric, std::nullopt, 3, false,
              Matching::CompleteGraph);
  EXPECT_EQ(res.source, (std::vector<int64_t>{0, 0, 0, 0, 1}));
  std::string err;
  tokenMerge(indexTokens(5), metric, std::nullopt, 4, true,
             Matching::CompleteGraph, &err);
  EXPECT_NE(err, "");
}

TEST(TokenMerge, CompleteGraphTies) {
  // All identical: every similarity ties. Sources are t0, t1 (lowest
  // indices); each goes to the lowest-index non-source, t2.
  Tensor metric({1, 5, 2}, 1.0);
  TokenMergeResult res = merge(indexTokens(5), metric, std::nullopt, 2, false,
                               Matching::CompleteGraph);
  EXPECT_EQ(res.source, (std::vector<int64_t>{0, 0, 0, 1, 2}));
  EXPECT_NEAR(res.merged.data[0], 1.0, 1e-12);
}

TEST(TokenMerge, BatchesAreIndependent) {
  // Batch 1 is batch 0 with the metric of another case.
  Tensor a = angleMetric({0, 10, 90, 70, 180, 120}, {1, 1, 1, 1, 1, 1});
  Tensor b({1, 6, 2}, 1.0);
  Tensor metric({2, 6, 2});
  std::copy(a.data.begin(), a.data.end(), metric.data.begin());
  std::copy(b.data.begin(), b.data.end(), metric.data.begin() + 12);
  Tensor tokens({2, 6, 2});
  Tensor t = indexTokens(6);
  std::copy(t.data.begin(), t.data.end(), tokens.data.begin());
  std::copy(t.data.begin(), t.data.end(), tokens.data.begin() + 12);
  TokenMergeResult res =
      merge(tokens, metric, std::nullopt, 2, false, Matching::Bipartite);
  EXPECT_EQ(res.source, (std::vector<int64_t>{1, 1, 2, 2, 0, 3, //
                                              1, 1, 1, 2, 0, 3}));
  std::string err;
  Tensor back = tokenUnmerge(res.merged, res.source, 6, &err);
  EXPECT_EQ(err, "");
  for (int64_t bb = 0; bb < 2; ++bb)
    for (int64_t n = 0; n < 6; ++n)
      EXPECT_EQ(back.data[(bb * 6 + n) * 2],
                res.merged.data[(bb * 4 + res.source[bb * 6 + n]) * 2]);
}

TEST(TokenMerge, InvalidArgumentsAreReported) {
  Tensor tokens = indexTokens(6);
  Tensor metric({1, 6, 2}, 1.0);
  std::string err;
  TokenMergeResult res = tokenMerge(tokens, metric, std::nullopt, 4, false,
                                    Matching::Bipartite, &err);
  EXPECT_NE(err, "");
  EXPECT_TRUE(res.merged.data.empty());
  err.clear();
  tokenMerge(tokens, metric, std::nullopt, 6, false, Matching::CompleteGraph,
             &err);
  EXPECT_NE(err, "");
  err.clear();
  tokenMerge(tokens, Tensor({1, 5, 2}), std::nullopt, 1, false,
             Matching::Bipartite, &err);
  EXPECT_NE(err.find("metric"), std::string::npos) << err;
  err.clear();
  tokenMerge(tokens, metric, Tensor({1, 5}, 1.0), 1, false, Matching::Bipartite,
             &err);
  EXPECT_NE(err.find("size"), std::string::npos) << err;
  err.clear();
  tokenMerge(tokens, metric, std::nullopt, -1, false, Matching::Bipartite,
             &err);
  EXPECT_NE(err, "");
  err.clear();
  tokenUnmerge(Tensor({1, 4, 2}), {0, 1, 2, 3, 4, 0}, 6, &err);
  EXPECT_NE(err.find("source"), std::string::npos) << err;
  err.clear();
  tokenUnmerge(Tensor({1, 4, 2}), {0, 1, 2}, 6, &err);
  EXPECT_NE(err, "");
}

} // namespace
