//===- PatternInference.cpp - Classify visibility masks as patterns -------===//
//
// Every candidate pattern is proposed from the structure of the matrix
// (row extents, dilation gcd, projections onto grid dimensions) and then
// compared entry by entry with it; nothing is returned on a near miss.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/PatternInference.h"

#include "mlir/IR/BuiltinTypes.h"

#include <algorithm>
#include <numeric>

using namespace mlir;
using namespace mlir::attn;

//===----------------------------------------------------------------------===//
// VisibilityMatrix
//===----------------------------------------------------------------------===//

int64_t VisibilityMatrix::count() const {
  return std::count(bits.begin(), bits.end(), uint8_t(1));
}

bool VisibilityMatrix::isSubsetOf(const VisibilityMatrix &other) const {
  if (lq != other.lq || lk != other.lk)
    return false;
  for (size_t e = 0, n = bits.size(); e < n; ++e)
    if (bits[e] && !other.bits[e])
      return false;
  return true;
}

VisibilityMatrix VisibilityMatrix::fromPattern(PatternAttrInterface pattern,
                                               int64_t lq, int64_t lk) {
  VisibilityMatrix vis(lq, lk);
  for (int64_t i = 0; i < lq; ++i)
    for (int64_t j = 0; j < lk; ++j)
      vis.set(i, j, pattern.isVisible(i, j, lq, lk));
  return vis;
}

namespace {

/// Whether `pattern` shows exactly the pairs of `vis` (early exit).
bool equalsPattern(PatternAttrInterface pattern, const VisibilityMatrix &vis) {
  int64_t lq = vis.getLq(), lk = vis.getLk();
  if (failed(pattern.verifyForShape(
          [&]() -> InFlightDiagnostic { return InFlightDiagnostic(); }, lq,
          lk)))
    return false;
  for (int64_t i = 0; i < lq; ++i)
    for (int64_t j = 0; j < lk; ++j)
      if (pattern.isVisible(i, j, lq, lk) != vis.get(i, j))
        return false;
  return true;
}

//===----------------------------------------------------------------------===//
// Window
//===----------------------------------------------------------------------===//

/// Number of leading key columns visible from every query row.
int64_t countSinkColumns(const VisibilityMatrix &vis) {
  int64_t s = 0;
  while (s < vis.getLk()) {
    for (int64_t i = 0; i < vis.getLq(); ++i)
      if (!vis.get(i, s))
        return s;
    ++s;
  }
  return s;
}

/// The narrowest window with `sinks` sink columns that contains `vis`.
WindowAttr fitWindow(MLIRContext *context, const VisibilityMatrix &vis,
                     int64_t sinks) {
  int64_t lq = vis.getLq(), lk = vis.getLk(), offset = lk - lq;
  int64_t left = 0, right = 0;
  for (int64_t i = 0; i < lq; ++i) {
    int64_t ip = i + offset;
    for (int64_t j = sinks; j < lk; ++j) {
      if (!vis.get(i, j))
        continue;
      left = std::max(left, ip - j);
      right = std::max(right, j - ip);
    }
  }
  return WindowAttr::get(context, left, right, sinks);
}

/// The window with the fewest sinks that equals `vis`. If sinks = s works,
/// every s' in [s, sMax] does too (its extra columns are visible in every
/// row), so the smallest working s is found by bisection.
WindowAttr inferExactWindow(MLIRContext *context, const VisibilityMatrix &vis) {
  int64_t sMax = countSinkColumns(vis);
  WindowAttr best = fitWindow(context, vis, sMax);
  if (!equalsPattern(best, vis))
    return {};
  int64_t lo = 0, hi = sMax; // hi works
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    WindowAttr w = fitWindow(context, vis, mid);
    if (equalsPattern(w, vis)) {
      hi = mid;
      best = w;
    } else {
      lo = mid + 1;
    }
  }
  return best.getSinks() == hi ? best : fitWindow(context, vis, hi);
}

//===----------------------------------------------------------------------===//
// Neighborhood
//===----------------------------------------------------------------------===//

/// Factorisations of n into `rank` factors greater than 1, in lexicographic
/// order.
void factorise(int64_t n, int64_t rank, SmallVectorImpl<int64_t> &prefix,
               SmallVectorImpl<SmallVector<int64_t>> &out) {
  if (rank == 1) {
    if (n > 1) {
      prefix.push_back(n);
      out.emplace_back(prefix.begin(), prefix.end());
      prefix.pop_back();
    }
    return;
  }
  for (int64_t f = 2; f * 2 <= n; ++f) {
    if (n % f)
      continue;
    prefix.push_back(f);
    factorise(n / f, rank - 1, prefix, out);
    prefix.pop_back();
  }
}

/// Row-major coordinates of token `t` in `shape`.
void coordinates(int64_t t, ArrayRef<int64_t> shape,
                 SmallVectorImpl<int64_t> &coords) {
  coords.resize(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    coords[d] = t % shape[d];
    t /= shape[d];
  }
}

/// Necessary condition, cheap: the keys visible from query `i` form a
/// product of per-dimension sets in grid coordinates.
bool rowIsProductSet(const VisibilityMatrix &vis, int64_t i,
                     ArrayRef<int64_t> shape) {
  SmallVector<SmallVector<uint8_t>> seen;
  for (int64_t x : shape)
    seen.emplace_back(x, 0);
  SmallVector<int64_t> coords;
  int64_t count = 0;
  for (int64_t j = 0; j < vis.getLk(); ++j) {
    if (!vis.get(i, j))
      continue;
    ++count;
    coordinates(j, shape, coords);
    for (size_t d = 0; d < shape.size(); ++d)
      seen[d][coords[d]] = 1;
  }
  int64_t product = 1;
  for (auto &s : seen)
    product *= std::count(s.begin(), s.end(), uint8_t(1));
  return product == count;
}

NeighborhoodAttr inferNeighborhoodForShape(MLIRContext *context,
                                           const VisibilityMatrix &vis,
                                           ArrayRef<int64_t> shape) {
  int64_t n = vis.getLq();
  for (int64_t i : {int64_t(0), n - 1, n / 2, n / 3, (2 * n) / 3})
    if (!rowIsProductSet(vis, i, shape))
      return {};
  // Projections of the visible pairs onto each dimension.
  size_t rank = shape.size();
  SmallVector<VisibilityMatrix> relations;
  for (int64_t x : shape)
    relations.emplace_back(x, x);
  SmallVector<int64_t> qc, kc;
  for (int64_t i = 0; i < n; ++i) {
    coordinates(i, shape, qc);
    for (int64_t j = 0; j < n; ++j) {
      if (!vis.get(i, j))
        continue;
      coordinates(j, shape, kc);
      for (size_t d = 0; d < rank; ++d)
        relations[d].set(qc[d], kc[d], true);
    }
  }
  SmallVector<int64_t> kernel, dilation, stride, causal;
  for (size_t d = 0; d < rank; ++d) {
    std::optional<Neighborhood1D> dim =
        inferNeighborhood1D(context, relations[d]);
    if (!dim)
      return {};
    kernel.push_back(dim->kernel);
    dilation.push_back(dim->dilation);
    stride.push_back(dim->stride);
    causal.push_back(dim->causal);
  }
  auto attr =
      NeighborhoodAttr::get(context, shape, kernel, dilation, stride, causal);
  return equalsPattern(attr, vis) ? attr : NeighborhoodAttr();
}

NeighborhoodAttr
inferExactNeighborhood(MLIRContext *context, const VisibilityMatrix &vis,
                       const PatternInferenceOptions &options) {
  if (vis.getLq() != vis.getLk() || vis.getLq() < 2)
    return {};
  SmallVector<SmallVector<int64_t>> shapes;
  if (!options.grid.empty()) {
    int64_t product = 1;
    for (int64_t x : options.grid)
      product *= x;
    if (product != vis.getLq())
      return {};
    shapes.push_back(options.grid);
  } else {
    SmallVector<int64_t> prefix;
    for (int64_t rank = 1; rank <= 3; ++rank)
      factorise(vis.getLq(), rank, prefix, shapes);
  }
  for (ArrayRef<int64_t> shape : shapes)
    if (NeighborhoodAttr attr = inferNeighborhoodForShape(context, vis, shape))
      return attr;
  return {};
}

//===----------------------------------------------------------------------===//
// Block-sparse
//===----------------------------------------------------------------------===//

/// The block-sparse pattern of the blocks that hold a visible pair, if
/// enough blocks are empty; `exact` tells whether every other block is full.
BlockSparseAttr fitBlockSparse(MLIRContext *context,
                               const VisibilityMatrix &vis,
                               const PatternInferenceOptions &options,
                               bool &exact) {
  int64_t lq = vis.getLq(), lk = vis.getLk(), bs = options.blockSize;
  if (bs < 1 || lq < 1 || lk < 1)
    return {};
  int64_t nbq = llvm::divideCeilSigned(lq, bs),
          nbk = llvm::divideCeilSigned(lk, bs);
  SmallVector<int64_t> visible(nbq * nbk, 0);
  for (int64_t i = 0; i < lq; ++i)
    for (int64_t j = 0; j < lk; ++j)
      visible[(i / bs) * nbk + j / bs] += vis.get(i, j);
  SmallVector<bool> layout;
  int64_t empty = 0;
  exact = true;
  for (int64_t bi = 0; bi < nbq; ++bi) {
    for (int64_t bj = 0; bj < nbk; ++bj) {
      int64_t size = (std::min(lq, (bi + 1) * bs) - bi * bs) *
                     (std::min(lk, (bj + 1) * bs) - bj * bs);
      int64_t v = visible[bi * nbk + bj];
      layout.push_back(v > 0);
      empty += v == 0;
      if (v != 0 && v != size)
        exact = false;
    }
  }
  if (static_cast<double>(empty) <
      options.minEmptyBlockFraction * static_cast<double>(nbq * nbk))
    return {};
  auto type = RankedTensorType::get({nbq, nbk}, IntegerType::get(context, 1));
  return BlockSparseAttr::get(context, bs, bs,
                              DenseIntElementsAttr::get(type, layout));
}

} // namespace

//===----------------------------------------------------------------------===//
// Public entry points
//===----------------------------------------------------------------------===//

std::optional<Neighborhood1D>
mlir::attn::inferNeighborhood1D(MLIRContext *context,
                                const VisibilityMatrix &relation) {
  int64_t x = relation.getLq();
  if (x < 1 || relation.getLk() != x)
    return std::nullopt;
  bool anyAbove = false;
  int64_t gcd = 0, kernel = 0;
  for (int64_t a = 0; a < x; ++a) {
    int64_t row = 0;
    for (int64_t b = 0; b < x; ++b) {
      if (!relation.get(a, b))
        continue;
      ++row;
      anyAbove |= b > a;
      gcd = std::gcd(gcd, b > a ? b - a : a - b);
    }
    kernel = std::max(kernel, row);
  }
  if (kernel == 0)
    return std::nullopt;
  int64_t dilation = gcd == 0 ? 1 : gcd;
  if (kernel * dilation > x)
    return std::nullopt;
  SmallVector<int64_t> causalChoices;
  if (anyAbove || kernel == 1)
    causalChoices.push_back(0);
  if (!anyAbove && kernel > 1)
    causalChoices.push_back(1);
  for (int64_t causal : causalChoices) {
    for (int64_t stride = 1; stride <= kernel; ++stride) {
      auto attr = NeighborhoodAttr::get(context, {x}, {kernel}, {dilation},
                                        {stride}, {causal});
      if (equalsPattern(attr, relation))
        return Neighborhood1D{kernel, dilation, stride, causal};
    }
  }
  return std::nullopt;
}

PatternAttrInterface
mlir::attn::inferExactPattern(MLIRContext *context, const VisibilityMatrix &vis,
                              const PatternInferenceOptions &options) {
  int64_t total = vis.getLq() * vis.getLk();
  if (vis.count() == total)
    return DenseAttr::get(context);
  if (auto causal = CausalAttr::get(context); equalsPattern(causal, vis))
    return causal;
  if (WindowAttr window = inferExactWindow(context, vis))
    return window;
  if (NeighborhoodAttr nbhd = inferExactNeighborhood(context, vis, options))
    return nbhd;
  bool exact = false;
  if (BlockSparseAttr blocks = fitBlockSparse(context, vis, options, exact);
      blocks && exact)
    return blocks;
  return {};
}

PatternAttrInterface mlir::attn::inferEnclosingPattern(
    MLIRContext *context, const VisibilityMatrix &vis,
    PatternAttrInterface within, const PatternInferenceOptions &options) {
  int64_t lq = vis.getLq(), lk = vis.getLk();
  VisibilityMatrix bound = VisibilityMatrix::fromPattern(within, lq, lk);
  if (!vis.isSubsetOf(bound))
    return {};
  SmallVector<PatternAttrInterface> candidates;
  candidates.push_back(CausalAttr::get(context));
  int64_t sMax = countSinkColumns(vis);
  candidates.push_back(fitWindow(context, vis, 0));
  if (sMax > 0)
    candidates.push_back(fitWindow(context, vis, sMax));
  bool exact = false;
  if (BlockSparseAttr blocks = fitBlockSparse(context, vis, options, exact))
    candidates.push_back(blocks);

  PatternAttrInterface best;
  int64_t bestCount = bound.count();
  for (PatternAttrInterface candidate : candidates) {
    VisibilityMatrix cand = VisibilityMatrix::fromPattern(candidate, lq, lk);
    int64_t count = cand.count();
    if (count >= bestCount || !vis.isSubsetOf(cand) || !cand.isSubsetOf(bound))
      continue;
    best = candidate;
    bestCount = count;
  }
  return best;
}
