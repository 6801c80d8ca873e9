//===- Naive.cpp - Independent naive reference of the attn ops ------------===//
//
// Plain loops with double accumulation, written from SPEC sections 2-5. This
// file must stay free of MLIR and LLVM dependencies: it is the oracle that the
// dialect, its lowerings and the fused kernels are checked against.
//
//===----------------------------------------------------------------------===//

#include "attn/Reference/Naive.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

using namespace attn::ref;

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

static int64_t product(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Tensor::Tensor(std::vector<int64_t> shape, double fill)
    : shape(std::move(shape)) {
  int64_t n = product(this->shape);
  data.assign(n > 0 ? static_cast<size_t>(n) : 0, fill);
}

int64_t Tensor::numElements() const { return product(shape); }

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

std::string shapeStr(const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? "x" : "") << shape[i];
  os << ']';
  return os.str();
}

/// Returns false (and sets the message) when `t` is malformed: negative
/// dimensions, or data that does not hold exactly the elements of its shape.
bool checkTensor(const Tensor &t, const char *name, std::string &msg) {
  for (int64_t d : t.shape) {
    if (d < 0) {
      msg =
          std::string(name) + " has a negative dimension " + shapeStr(t.shape);
      return false;
    }
  }
  if (static_cast<int64_t>(t.data.size()) != t.numElements()) {
    msg = std::string(name) + " holds " + std::to_string(t.data.size()) +
          " values but its shape " + shapeStr(t.shape) + " needs " +
          std::to_string(t.numElements());
    return false;
  }
  return true;
}

bool checkRank(const Tensor &t, const char *name, size_t rank,
               std::string &msg) {
  if (t.shape.size() != rank) {
    msg = std::string(name) + " must have rank " + std::to_string(rank) +
          ", got " + shapeStr(t.shape);
    return false;
  }
  return checkTensor(t, name, msg);
}

/// Strides that read a numpy-broadcastable operand of shape `shape` as if it
/// had shape `target` (rank <= target rank, right-aligned, each dim 1 or
/// equal); a broadcast dimension gets stride 0.
bool broadcastStrides(const Tensor &t, const char *name,
                      const std::vector<int64_t> &target,
                      std::vector<int64_t> &strides, std::string &msg) {
  if (!checkTensor(t, name, msg))
    return false;
  if (t.shape.size() > target.size()) {
    msg = std::string(name) + " has rank " + std::to_string(t.shape.size()) +
          " > " + std::to_string(target.size());
    return false;
  }
  size_t offset = target.size() - t.shape.size();
  strides.assign(target.size(), 0);
  int64_t stride = 1;
  for (size_t k = t.shape.size(); k-- > 0;) {
    int64_t dim = t.shape[k], want = target[k + offset];
    if (dim != 1 && dim != want) {
      msg = std::string(name) + " of shape " + shapeStr(t.shape) +
            " does not broadcast to " + shapeStr(target);
      return false;
    }
    strides[k + offset] = dim == 1 ? 0 : stride;
    stride *= dim;
  }
  return true;
}

bool fail(std::string *error, const std::string &msg) {
  if (error)
    *error = msg;
  return false;
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

int64_t dimOr(const std::vector<int64_t> &v, size_t k, int64_t dflt) {
  return k < v.size() ? v[k] : dflt;
}

/// SPEC section 3 neighborhood rule along one dimension.
bool neighborhoodDimVisible(int64_t x, int64_t y, int64_t extent,
                            int64_t kernel, int64_t dilation, int64_t stride,
                            bool causal) {
  int64_t d = dilation;
  if (y % d != x % d)
    return false;
  int64_t xg = x / d, yg = y / d;
  int64_t n = ceilDiv(extent - x % d, d);
  int64_t k = kernel, t = stride;
  if (causal) {
    int64_t leader = std::min((xg / t) * t + t - 1, n - 1);
    return yg <= xg && leader - yg < k;
  }
  int64_t left = k / 2;
  int64_t right = k / 2 + k % 2 - 1;
  int64_t leader = std::min((xg / t) * t + t / 2, n - 1);
  int64_t centre = std::max(left, std::min(leader, n - 1 - right));
  return centre - left <= yg && yg <= centre + right;
}

bool validatePattern(const Pattern &p, int64_t lq, int64_t lk,
                     std::string &msg) {
  switch (p.kind) {
  case PatternKind::Dense:
  case PatternKind::Causal:
    return true;
  case PatternKind::Window:
    if (p.left < 0 || p.right < 0 || p.sinks < 0) {
      msg = "window left/right/sinks must be non-negative";
      return false;
    }
    return true;
  case PatternKind::Neighborhood: {
    size_t n = p.shape.size();
    if (n < 1 || n > 3) {
      msg = "neighborhood needs 1 to 3 dimensions, got " + std::to_string(n);
      return false;
    }
    if (p.kernel.size() != n ||
        (!p.dilation.empty() && p.dilation.size() != n) ||
        (!p.stride.empty() && p.stride.size() != n) ||
        (!p.causal.empty() && p.causal.size() != n)) {
      msg = "neighborhood shape/kernel/dilation/stride/causal lengths differ";
      return false;
    }
    int64_t tokens = 1;
    for (size_t k = 0; k < n; ++k) {
      int64_t extent = p.shape[k], kernel = p.kernel[k];
      int64_t dilation = dimOr(p.dilation, k, 1),
              stride = dimOr(p.stride, k, 1);
      if (extent < 1 || kernel < 1 || dilation < 1 || stride < 1) {
        msg = "neighborhood shape, kernel, dilation and stride must be >= 1";
        return false;
      }
      if (kernel * dilation > extent) {
        msg = "neighborhood dim " + std::to_string(k) + ": kernel * dilation " +
              std::to_string(kernel * dilation) + " > extent " +
              std::to_string(extent);
        return false;
      }
      if (stride > kernel) {
        msg = "neighborhood dim " + std::to_string(k) + ": stride " +
              std::to_string(stride) + " > kernel " + std::to_string(kernel);
        return false;
      }
      tokens *= extent;
    }
    if (lq != tokens || lk != tokens) {
      msg = "neighborhood over " + shapeStr(p.shape) +
            " needs Lq == Lk == " + std::to_string(tokens) +
            ", got logical Lq " + std::to_string(lq) + " and Lk " +
            std::to_string(lk);
      return false;
    }
    return true;
  }
  case PatternKind::BlockSparse:
    if (p.blockQ < 1 || p.blockK < 1) {
      msg = "block_sparse block sizes must be >= 1";
      return false;
    }
    if (p.layoutRows < 0 || p.layoutCols < 0 ||
        static_cast<int64_t>(p.layout.size()) != p.layoutRows * p.layoutCols) {
      msg = "block_sparse layout holds " + std::to_string(p.layout.size()) +
            " entries, expected " + std::to_string(p.layoutRows) + "x" +
            std::to_string(p.layoutCols);
      return false;
    }
    if (p.layoutRows < ceilDiv(lq, p.blockQ) ||
        p.layoutCols < ceilDiv(lk, p.blockK)) {
      msg = "block_sparse layout " + std::to_string(p.layoutRows) + "x" +
            std::to_string(p.layoutCols) + " does not cover " +
            std::to_string(lq) + "x" + std::to_string(lk) + " with blocks " +
            std::to_string(p.blockQ) + "x" + std::to_string(p.blockK);
      return false;
    }
    return true;
  }
  msg = "unknown pattern kind";
  return false;
}

double sigmoid(double x) {
  if (x >= 0)
    return 1.0 / (1.0 + std::exp(-x));
  double e = std::exp(x);
  return e / (1.0 + e);
}

/// ln(softplus(x)). Below -30, softplus(x) = exp(x) (1 - exp(x)/2 + ...), so
/// its logarithm is x - exp(x)/2 to double precision even where exp(x)
/// itself underflows.
double logSoftplus(double x) {
  if (x < -30)
    return x - 0.5 * std::exp(x);
  if (x > 0)
    return std::log(x + std::log1p(std::exp(-x)));
  return std::log(std::log1p(std::exp(x)));
}

} // namespace

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

bool attn::ref::isVisible(const Pattern &p, int64_t i, int64_t j, int64_t lq,
                          int64_t lk) {
  if (i < 0 || j < 0 || i >= lq || j >= lk)
    return false;
  int64_t ip = i + (lk - lq);
  switch (p.kind) {
  case PatternKind::Dense:
    return true;
  case PatternKind::Causal:
    return j <= ip;
  case PatternKind::Window:
    return (ip - p.left <= j && j <= ip + p.right) || j < p.sinks;
  case PatternKind::Neighborhood: {
    size_t n = p.shape.size();
    if (n == 0 || p.kernel.size() != n || lq != lk)
      return false;
    int64_t tokens = 1;
    for (int64_t extent : p.shape)
      tokens *= extent;
    if (tokens != lq)
      return false;
    // Row-major grid coordinates: the last dimension varies fastest.
    int64_t x = i, y = j;
    for (size_t k = n; k-- > 0;) {
      int64_t extent = p.shape[k];
      if (extent < 1)
        return false;
      int64_t xc = x % extent, yc = y % extent;
      x /= extent;
      y /= extent;
      int64_t dilation = dimOr(p.dilation, k, 1),
              stride = dimOr(p.stride, k, 1);
      bool causal = k < p.causal.size() && p.causal[k];
      if (dilation < 1 || stride < 1 || p.kernel[k] < 1)
        return false;
      if (!neighborhoodDimVisible(xc, yc, extent, p.kernel[k], dilation, stride,
                                  causal))
        return false;
    }
    return true;
  }
  case PatternKind::BlockSparse: {
    if (p.blockQ < 1 || p.blockK < 1)
      return false;
    int64_t bi = i / p.blockQ, bj = j / p.blockK;
    if (bi >= p.layoutRows || bj >= p.layoutCols)
      return false;
    size_t idx = static_cast<size_t>(bi * p.layoutCols + bj);
    return idx < p.layout.size() && p.layout[idx];
  }
  }
  return false;
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

Tensor attn::ref::attention(const AttentionProblem &pb, std::string *error,
                            Tensor *lse) {
  std::string msg;
  auto bad = [&](const std::string &m) {
    fail(error, "attention: " + m);
    return Tensor();
  };

  if (!checkRank(pb.query, "query", 4, msg) ||
      !checkRank(pb.key, "key", 4, msg) ||
      !checkRank(pb.value, "value", 4, msg))
    return bad(msg);
  const int64_t B = pb.query.shape[0], Hq = pb.query.shape[1],
                Lq = pb.query.shape[2], D = pb.query.shape[3];
  const int64_t Hkv = pb.key.shape[1], Lk = pb.key.shape[2],
                Dv = pb.value.shape[3];
  if (pb.key.shape[0] != B || pb.value.shape[0] != B)
    return bad("batch sizes differ: query " + shapeStr(pb.query.shape) +
               ", key " + shapeStr(pb.key.shape) + ", value " +
               shapeStr(pb.value.shape));
  if (pb.key.shape[3] != D)
    return bad("key head dim " + std::to_string(pb.key.shape[3]) +
               " != query head dim " + std::to_string(D));
  if (pb.value.shape[1] != Hkv || pb.value.shape[2] != Lk)
    return bad("value " + shapeStr(pb.value.shape) + " does not match key " +
               shapeStr(pb.key.shape));
  if (Hkv == 0 ? Hq != 0 : Hq % Hkv != 0)
    return bad("Hq = " + std::to_string(Hq) +
               " is not a multiple of Hkv = " + std::to_string(Hkv));
  const int64_t group = Hkv == 0 ? 1 : Hq / Hkv;

  const std::vector<int64_t> full = {B, Hq, Lq, Lk};
  std::vector<int64_t> biasStrides, maskStrides;
  if (pb.bias && !broadcastStrides(*pb.bias, "bias", full, biasStrides, msg))
    return bad(msg);
  if (pb.mask && !broadcastStrides(*pb.mask, "mask", full, maskStrides, msg))
    return bad(msg);

  const NormKind norm = pb.normalizer.kind;
  if (pb.sink) {
    if (!checkTensor(*pb.sink, "sink", msg))
      return bad(msg);
    if (pb.sink->shape != std::vector<int64_t>{Hq})
      return bad("sink must have shape [" + std::to_string(Hq) + "], got " +
                 shapeStr(pb.sink->shape));
  } else if (norm == NormKind::SoftmaxLearnedSink) {
    return bad("softmax with a learned sink needs the sink operand");
  }
  if (pb.softcap && !(*pb.softcap > 0))
    return bad("softcap must be positive");
  if (norm == NormKind::SoftplusL1 && pb.normalizer.trainLen &&
      !(*pb.normalizer.trainLen > 1))
    return bad("softplus_l1 train_len must be > 1");

  if (pb.normalizer.actThreshold.has_value() !=
      pb.normalizer.actFactor.has_value())
    return bad("ACT needs both a threshold and a factor");
  if (pb.normalizer.actThreshold &&
      (norm != NormKind::Softmax || pb.qOffset != 0 || pb.qLen))
    return bad("ACT applies to plain softmax over every query row");
  const bool softmaxFamily = norm == NormKind::Softmax ||
                             norm == NormKind::SoftmaxLearnedSink ||
                             norm == NormKind::SoftmaxZeroSink;
  if (lse && (!softmaxFamily || pb.normalizer.actThreshold))
    return bad("only the softmax family has a log-sum-exp");
  if (pb.qOffset < 0)
    return bad("qOffset must be non-negative");
  const int64_t lqLogical = pb.qLen.value_or(Lq);
  if (pb.qOffset + Lq > lqLogical)
    return bad("rows [" + std::to_string(pb.qOffset) + ", " +
               std::to_string(pb.qOffset + Lq) +
               ") exceed the logical query length " +
               std::to_string(lqLogical));
  if (!validatePattern(pb.pattern, lqLogical, Lk, msg))
    return bad(msg);

  auto broadcastIndex = [](const std::vector<int64_t> &strides, int64_t b,
                           int64_t h, int64_t i, int64_t j) {
    return b * strides[0] + h * strides[1] + i * strides[2] + j * strides[3];
  };

  Tensor out({B, Hq, Lq, Dv});
  if (lse)
    *lse = Tensor({B, Hq, Lq});
  std::vector<double> logits(static_cast<size_t>(Lk));
  std::vector<char> visible(static_cast<size_t>(Lk));
  std::vector<double> weights(static_cast<size_t>(Lk));

  // Weights of every row of one (b, h), kept for ACT's column means.
  std::vector<double> rowWeights(static_cast<size_t>(Lq * Lk));
  const bool act = pb.normalizer.actThreshold.has_value();
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < Hq; ++h) {
      const int64_t hk = h / group;
      for (int64_t i = 0; i < Lq; ++i) {
        const int64_t row = i + pb.qOffset;
        const double *q = pb.query.data.data() + ((b * Hq + h) * Lq + i) * D;

        // Logits and visibility.
        int64_t count = 0;
        for (int64_t j = 0; j < Lk; ++j) {
          bool vis = isVisible(pb.pattern, row, j, lqLogical, Lk);
          if (vis && pb.mask &&
              pb.mask->data[broadcastIndex(maskStrides, b, h, i, j)] == 0.0)
            vis = false;
          double s = 0;
          if (vis) {
            const double *k =
                pb.key.data.data() + ((b * Hkv + hk) * Lk + j) * D;
            double dot = 0;
            for (int64_t c = 0; c < D; ++c)
              dot += q[c] * k[c];
            s = pb.scale * dot;
            if (pb.softcap)
              s = *pb.softcap * std::tanh(s / *pb.softcap);
            if (pb.bias) {
              double bv =
                  pb.bias->data[broadcastIndex(biasStrides, b, h, i, j)];
              if (bv == kNegInf)
                vis = false;
              s += bv;
            }
          }
          visible[j] = vis;
          logits[j] = s;
          weights[j] = 0;
          count += vis;
        }

        // SPEC 2.1: log(exp(sigma) + sum exp(s_j)) over the visible keys,
        // the sink term only with a sink; -inf when both are absent.
        if (lse) {
          const bool hasSink = norm != NormKind::Softmax;
          const double sigma =
              norm == NormKind::SoftmaxLearnedSink ? pb.sink->data[h] : 0.0;
          double top = hasSink ? sigma : kNegInf;
          for (int64_t j = 0; j < Lk; ++j)
            if (visible[j])
              top = std::max(top, logits[j]);
          double value = kNegInf;
          if (top != kNegInf) {
            double sum = hasSink ? std::exp(sigma - top) : 0.0;
            for (int64_t j = 0; j < Lk; ++j)
              if (visible[j])
                sum += std::exp(logits[j] - top);
            value = top + std::log(sum);
          }
          lse->data[(b * Hq + h) * Lq + i] = value;
        }

        // Weights per SPEC section 4. No visible key: the row stays zero.
        if (count > 0) {
          switch (norm) {
          case NormKind::Softmax:
          case NormKind::SoftmaxLearnedSink:
          case NormKind::SoftmaxZeroSink: {
            bool hasSink = norm != NormKind::Softmax;
            double sigma =
                norm == NormKind::SoftmaxLearnedSink ? pb.sink->data[h] : 0.0;
            double m = hasSink ? sigma : kNegInf;
            for (int64_t j = 0; j < Lk; ++j)
              if (visible[j])
                m = std::max(m, logits[j]);
            double sum = hasSink ? std::exp(sigma - m) : 0.0;
            for (int64_t j = 0; j < Lk; ++j)
              if (visible[j]) {
                weights[j] = std::exp(logits[j] - m);
                sum += weights[j];
              }
            for (int64_t j = 0; j < Lk; ++j)
              weights[j] /= sum;
            break;
          }
          case NormKind::Relu: {
            double n = 1;
            if (pb.normalizer.reluNorm == ReluNorm::SeqLen)
              n = static_cast<double>(Lk);
            else if (pb.normalizer.reluNorm == ReluNorm::Visible)
              n = static_cast<double>(count);
            for (int64_t j = 0; j < Lk; ++j)
              if (visible[j])
                weights[j] = std::max(logits[j], 0.0) / n;
            break;
          }
          case NormKind::Sigmoid: {
            double bias = pb.normalizer.sigmoidBias.value_or(
                -std::log(static_cast<double>(Lk)));
            for (int64_t j = 0; j < Lk; ++j)
              if (visible[j])
                weights[j] = sigmoid(logits[j] + bias);
            break;
          }
          case NormKind::SoftplusL1: {
            double lambda = 1;
            if (pb.normalizer.trainLen)
              lambda = std::log(static_cast<double>(count)) /
                       std::log(*pb.normalizer.trainLen);
            // softplus(x_j) / sum_k softplus(x_k), as ratios of
            // exp(ln softplus(x_j) - max_k ln softplus(x_k)) so that rows
            // of very negative logits keep their exact proportions.
            double top = -std::numeric_limits<double>::infinity();
            for (int64_t j = 0; j < Lk; ++j)
              if (visible[j]) {
                weights[j] = logSoftplus(lambda * logits[j]);
                top = std::max(top, weights[j]);
              }
            double sum = 0;
            for (int64_t j = 0; j < Lk; ++j)
              if (visible[j]) {
                weights[j] = std::exp(weights[j] - top);
                sum += weights[j];
              }
            for (int64_t j = 0; j < Lk; ++j)
              weights[j] = (visible[j] && sum > 0) ? weights[j] / sum : 0.0;
            break;
          }
          }
        }

        for (int64_t j = 0; j < Lk; ++j)
          rowWeights[i * Lk + j] = visible[j] ? weights[j] : 0.0;
      }

      if (act) {
        // Mean weight of each key column over the query rows; columns
        // j >= 1 above threshold / Lk are scaled, then rows renormalised.
        for (int64_t j = 1; j < Lk; ++j) {
          double mean = 0;
          for (int64_t i = 0; i < Lq; ++i)
            mean += rowWeights[i * Lk + j];
          mean /= static_cast<double>(Lq);
          if (mean > *pb.normalizer.actThreshold / static_cast<double>(Lk))
            for (int64_t i = 0; i < Lq; ++i)
              rowWeights[i * Lk + j] *= *pb.normalizer.actFactor;
        }
        for (int64_t i = 0; i < Lq; ++i) {
          double sum = 0;
          for (int64_t j = 0; j < Lk; ++j)
            sum += rowWeights[i * Lk + j];
          for (int64_t j = 0; j < Lk; ++j)
            rowWeights[i * Lk + j] =
                sum > 0 ? rowWeights[i * Lk + j] / sum : 0.0;
        }
      }

      for (int64_t i = 0; i < Lq; ++i) {
        double *o = out.data.data() + ((b * Hq + h) * Lq + i) * Dv;
        for (int64_t j = 0; j < Lk; ++j) {
          double w = rowWeights[i * Lk + j];
          if (w == 0.0)
            continue;
          const double *v =
              pb.value.data.data() + ((b * Hkv + hk) * Lk + j) * Dv;
          for (int64_t c = 0; c < Dv; ++c)
            o[c] += w * v[c];
        }
      }
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Token merging
//===----------------------------------------------------------------------===//

namespace {

/// Unit-L2-norm rows of batch b of `metric` (N x Cm).
std::vector<std::vector<double>> normalizedMetric(const Tensor &metric,
                                                  int64_t b) {
  int64_t N = metric.shape[1], Cm = metric.shape[2];
  std::vector<std::vector<double>> rows(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) {
    const double *m = metric.data.data() + (b * N + n) * Cm;
    double sq = 0;
    for (int64_t c = 0; c < Cm; ++c)
      sq += m[c] * m[c];
    double norm = std::max(std::sqrt(sq), 1e-12);
    rows[n].resize(static_cast<size_t>(Cm));
    for (int64_t c = 0; c < Cm; ++c)
      rows[n][c] = m[c] / norm;
  }
  return rows;
}

double dot(const std::vector<double> &a, const std::vector<double> &b) {
  double s = 0;
  for (size_t c = 0; c < a.size(); ++c)
    s += a[c] * b[c];
  return s;
}

/// Indices of `best` sorted by value descending, ties by lower index.
std::vector<int64_t> rankDescending(const std::vector<double> &best) {
  std::vector<int64_t> order(best.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return best[a] > best[b]; });
  return order;
}

} // namespace

TokenMergeResult attn::ref::tokenMerge(const Tensor &tokens,
                                       const Tensor &metric,
                                       const std::optional<Tensor> &size,
                                       int64_t r, bool protectFirst,
                                       Matching matching, std::string *error) {
  std::string msg;
  auto bad = [&](const std::string &m) {
    fail(error, "token_merge: " + m);
    return TokenMergeResult();
  };
  if (!checkRank(tokens, "tokens", 3, msg) ||
      !checkRank(metric, "metric", 3, msg))
    return bad(msg);
  const int64_t B = tokens.shape[0], N = tokens.shape[1], C = tokens.shape[2];
  if (metric.shape[0] != B || metric.shape[1] != N)
    return bad("metric " + shapeStr(metric.shape) + " does not match tokens " +
               shapeStr(tokens.shape));
  if (size) {
    if (!checkRank(*size, "size", 2, msg))
      return bad(msg);
    if (size->shape[0] != B || size->shape[1] != N)
      return bad("size " + shapeStr(size->shape) + " does not match tokens " +
                 shapeStr(tokens.shape));
    for (double s : size->data)
      if (!(s > 0))
        return bad("sizes must be positive");
  }
  if (r < 0)
    return bad("r must be non-negative");
  if (protectFirst && N < 1)
    return bad("protect_first needs at least one token");
  const int64_t prot = protectFirst ? 1 : 0;
  const int64_t numA = (N + 1) / 2, numB = N / 2;
  if (matching == Matching::Bipartite) {
    if (r > numA - prot)
      return bad("r = " + std::to_string(r) + " exceeds the " +
                 std::to_string(numA - prot) + " mergeable A tokens");
    if (r > 0 && numB == 0)
      return bad("no B token to merge into");
  } else {
    if (r > N - 1 - prot)
      return bad("r = " + std::to_string(r) + " exceeds N - 1" +
                 std::string(protectFirst ? " - 1" : "") + " = " +
                 std::to_string(N - 1 - prot));
  }

  const int64_t M = N - r;
  TokenMergeResult res;
  res.merged = Tensor({B, M, C});
  res.mergedSize = Tensor({B, M});
  res.source.assign(static_cast<size_t>(B * N), 0);

  for (int64_t b = 0; b < B; ++b) {
    std::vector<std::vector<double>> unit = normalizedMetric(metric, b);
    // dest[n] = original token that n merges into (n itself when it stays).
    std::vector<int64_t> dest(static_cast<size_t>(N));
    std::iota(dest.begin(), dest.end(), 0);
    // Output order of the surviving tokens.
    std::vector<int64_t> survivors;

    if (matching == Matching::Bipartite) {
      std::vector<double> best(static_cast<size_t>(numA), kNegInf);
      std::vector<int64_t> partner(static_cast<size_t>(numA), 0);
      for (int64_t a = 0; a < numA; ++a) {
        if (protectFirst && a == 0)
          continue;
        for (int64_t bb = 0; bb < numB; ++bb) {
          double s = dot(unit[2 * a], unit[2 * bb + 1]);
          if (bb == 0 || s > best[a]) {
            best[a] = s;
            partner[a] = bb;
          }
        }
      }
      std::vector<int64_t> order = rankDescending(best);
      std::vector<char> isSource(static_cast<size_t>(numA), 0);
      for (int64_t k = 0; k < r; ++k) {
        int64_t a = order[k];
        isSource[a] = 1;
        dest[2 * a] = 2 * partner[a] + 1;
      }
      for (int64_t a = 0; a < numA; ++a)
        if (!isSource[a])
          survivors.push_back(2 * a);
      for (int64_t bb = 0; bb < numB; ++bb)
        survivors.push_back(2 * bb + 1);
    } else {
      std::vector<std::vector<double>> sim(static_cast<size_t>(N),
                                           std::vector<double>(N, kNegInf));
      for (int64_t n = 0; n < N; ++n)
        for (int64_t m = 0; m < N; ++m)
          if (n != m && !(protectFirst && (n == 0 || m == 0)))
            sim[n][m] = dot(unit[n], unit[m]);
      std::vector<double> best(static_cast<size_t>(N), kNegInf);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t m = 0; m < N; ++m)
          best[n] = std::max(best[n], sim[n][m]);
      std::vector<int64_t> order = rankDescending(best);
      std::vector<char> isSource(static_cast<size_t>(N), 0);
      int64_t taken = 0;
      for (int64_t n : order) {
        if (taken == r)
          break;
        if (protectFirst && n == 0)
          continue;
        isSource[n] = 1;
        ++taken;
      }
      for (int64_t n = 0; n < N; ++n) {
        if (!isSource[n]) {
          survivors.push_back(n);
          continue;
        }
        int64_t target = -1;
        for (int64_t m = 0; m < N; ++m) {
          if (isSource[m] || (protectFirst && m == 0))
            continue;
          if (target < 0 || sim[n][m] > sim[n][target])
            target = m;
        }
        dest[n] = target;
      }
    }

    // Merged row of every surviving token, then of every token.
    std::vector<int64_t> rowOf(static_cast<size_t>(N), -1);
    for (size_t k = 0; k < survivors.size(); ++k)
      rowOf[survivors[k]] = static_cast<int64_t>(k);
    for (int64_t n = 0; n < N; ++n)
      res.source[b * N + n] = rowOf[dest[n]];

    // Size-weighted average into each destination.
    std::vector<double> acc(static_cast<size_t>(M * C), 0.0);
    std::vector<double> accSize(static_cast<size_t>(M), 0.0);
    std::vector<int64_t> members(static_cast<size_t>(M), 0);
    for (int64_t n = 0; n < N; ++n) {
      int64_t row = res.source[b * N + n];
      double s = size ? size->data[b * N + n] : 1.0;
      const double *x = tokens.data.data() + (b * N + n) * C;
      for (int64_t c = 0; c < C; ++c)
        acc[row * C + c] += s * x[c];
      accSize[row] += s;
      ++members[row];
    }
    for (int64_t row = 0; row < M; ++row) {
      res.mergedSize.data[b * M + row] = accSize[row];
      double *dst = res.merged.data.data() + (b * M + row) * C;
      if (members[row] == 1) {
        // A lone token is copied exactly.
        const double *x = tokens.data.data() + (b * N + survivors[row]) * C;
        std::copy(x, x + C, dst);
        continue;
      }
      for (int64_t c = 0; c < C; ++c)
        dst[c] = acc[row * C + c] / accSize[row];
    }
  }
  return res;
}

Tensor attn::ref::tokenUnmerge(const Tensor &merged,
                               const std::vector<int64_t> &source,
                               int64_t numTokens, std::string *error) {
  std::string msg;
  auto bad = [&](const std::string &m) {
    fail(error, "token_unmerge: " + m);
    return Tensor();
  };
  if (!checkRank(merged, "merged", 3, msg))
    return bad(msg);
  const int64_t B = merged.shape[0], M = merged.shape[1], C = merged.shape[2];
  const int64_t N = numTokens;
  if (N < 0)
    return bad("numTokens must be non-negative");
  if (static_cast<int64_t>(source.size()) != B * N)
    return bad("source holds " + std::to_string(source.size()) +
               " indices, expected B * N = " + std::to_string(B * N));
  Tensor out({B, N, C});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t n = 0; n < N; ++n) {
      int64_t row = source[b * N + n];
      if (row < 0 || row >= M)
        return bad("source[" + std::to_string(b) + "][" + std::to_string(n) +
                   "] = " + std::to_string(row) + " is outside [0, " +
                   std::to_string(M) + ")");
      const double *x = merged.data.data() + (b * M + row) * C;
      std::copy(x, x + C, out.data.data() + (b * N + n) * C);
    }
  return out;
}
