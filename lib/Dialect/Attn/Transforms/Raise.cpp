//===- Raise.cpp - Recognise attention in linalg on tensors ---------------===//
//
// --attn-raise: finds softmax(scale * Q K^T + bias, mask) V in linalg on
// tensors and replaces it with one attn.attention. The match is anchored on
// the softmax and follows dataflow: the logits chain back to a contraction
// (recognised by its indexing maps, whatever op spells it), the weights
// forward to a second contraction. Every step that does not hold is a reason
// not to fire, reported with --attn-raise=explain.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Support/PassOptions.h"

#include "attn/Dialect/Attn/Transforms/IndexTrace.h"
#include "attn/Dialect/Attn/Transforms/Transforms.h"
#include "attn/Support/CapturedDiagnostics.h"
#include "attn/Support/PassStatistics.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNRAISEPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

//===----------------------------------------------------------------------===//
// Generic-body helpers
//===----------------------------------------------------------------------===//

bool allParallel(linalg::LinalgOp op) {
  return op.getNumLoops() == op.getNumParallelLoops();
}

/// The value yielded by a single-result generic.
Value yielded(linalg::GenericOp g) {
  if (g.getNumDpsInits() != 1)
    return {};
  return g.getBody()->getTerminator()->getOperand(0);
}

/// The input operand behind block argument `v` of `g`, or null.
OpOperand *inputOf(linalg::GenericOp g, Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != g.getBody() ||
      arg.getArgNumber() >= g.getNumDpsInputs())
    return nullptr;
  return g.getDpsInputOperand(arg.getArgNumber());
}

} // namespace

/// A float scalar known at compile time (see Transforms.h).
std::optional<double> mlir::attn::getScalarConstant(linalg::GenericOp g,
                                                    Value v) {
  if (OpOperand *in = inputOf(g, v))
    v = in->get();
  // A constant converted in the body (torch-mlir: f64 scalars truncated).
  if (auto trunc = v.getDefiningOp<arith::TruncFOp>()) {
    std::optional<double> c = getScalarConstant(g, trunc.getIn());
    auto type = dyn_cast<FloatType>(trunc.getType());
    if (!c || !type)
      return std::nullopt;
    APFloat f(*c);
    bool lost;
    f.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    return f.convertToDouble();
  }
  if (auto ext = v.getDefiningOp<arith::ExtFOp>())
    return getScalarConstant(g, ext.getIn());
  // A tensor filled with a constant: linalg.fill, or a generic that yields
  // its one input (a dynamic-shape export broadcasts a 0-d constant so).
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    return getScalarConstant(g, fill.value());
  if (auto copy = v.getDefiningOp<linalg::GenericOp>();
      copy && copy.getNumDpsInputs() == 1 && copy.getNumDpsInits() == 1 &&
      yielded(copy) == copy.getBody()->getArgument(0))
    return getScalarConstant(copy, yielded(copy));
  FloatAttr f;
  if (matchPattern(v, m_Constant(&f)))
    return f.getValueAsDouble();
  DenseFPElementsAttr dense;
  if (matchPattern(v, m_Constant(&dense)) && dense.isSplat())
    return dense.getSplatValue<APFloat>().convertToDouble();
  return std::nullopt;
}

/// numpy's right-aligned broadcast of an operand over `rank` loops: result r
/// of k reads loop rank - k + r, or the constant 0 on a size-1 dimension.
bool mlir::attn::isBroadcastRead(AffineMap map, unsigned rank, Value operand) {
  auto type = dyn_cast<RankedTensorType>(operand.getType());
  unsigned k = map.getNumResults();
  if (!type || map.getNumDims() != rank || k > rank ||
      type.getRank() != static_cast<int64_t>(k))
    return false;
  for (unsigned r = 0; r < k; ++r) {
    AffineExpr e = map.getResult(r);
    if (e == getAffineDimExpr(rank - k + r, map.getContext()))
      continue;
    if (e == getAffineConstantExpr(0, map.getContext()) &&
        type.getDimSize(r) == 1)
      continue;
    return false;
  }
  return true;
}

namespace {

/// The row map (d0, .., dr-1) -> (d0, .., dr-2) of a reduction over the last
/// loop.
bool isRowMap(AffineMap map, unsigned rank) {
  if (map.getNumDims() != rank || map.getNumResults() != rank - 1)
    return false;
  for (unsigned d = 0; d + 1 < rank; ++d)
    if (map.getResult(d) != getAffineDimExpr(d, map.getContext()))
      return false;
  return true;
}

/// A per-row value read by an elementwise op over `rank` loops: the row
/// map, or (d0, .., dr-2, 0) on a tensor whose last dimension is 1 (TOSA
/// keeps reduced dimensions).
bool isRowRead(AffineMap map, unsigned rank, Value operand) {
  if (isRowMap(map, rank))
    return true;
  auto type = dyn_cast<RankedTensorType>(operand.getType());
  if (!type || map.getNumDims() != rank || map.getNumResults() != rank ||
      type.getDimSize(rank - 1) != 1)
    return false;
  for (unsigned d = 0; d + 1 < rank; ++d)
    if (map.getResult(d) != getAffineDimExpr(d, map.getContext()))
      return false;
  return map.getResult(rank - 1) == getAffineConstantExpr(0, map.getContext());
}

/// A generic reducing its single input over the last loop with `Combiner`.
/// Whether `reshape` is an expand_shape or collapse_shape whose last `n`
/// dimensions are groups of their own on both sides: it only regroups the
/// dimensions in front of them.
bool keepsTrailingDims(Operation *reshape, int64_t n) {
  SmallVector<ReassociationIndices> re;
  int64_t rank;
  if (auto e = dyn_cast_or_null<tensor::ExpandShapeOp>(reshape)) {
    re = e.getReassociationIndices();
    rank = e.getResultType().getRank();
  } else if (auto c = dyn_cast_or_null<tensor::CollapseShapeOp>(reshape)) {
    re = c.getReassociationIndices();
    rank = c.getSrcType().getRank();
  } else {
    return false;
  }
  if (static_cast<int64_t>(re.size()) < n || rank < n)
    return false;
  for (int64_t k = 1; k <= n; ++k)
    if (re[re.size() - k] != ReassociationIndices{rank - k})
      return false;
  return true;
}

/// A reshape that only renumbers rows (the last dimension kept).
bool regroupsRows(Operation *reshape) { return keepsTrailingDims(reshape, 1); }

/// `v` followed back through reshapes that only renumber its rows: two
/// values with the same row source hold the same rows in the same
/// (row-major) order.
Value rowSource(Value v) {
  for (int depth = 0; depth < 8 && v && regroupsRows(v.getDefiningOp());
       ++depth)
    v = v.getDefiningOp()->getOperand(0);
  return v;
}

template <typename... Combiners> Value matchRowReduction(Value v) {
  // Row reductions whose result was regrouped (fusion moves reshapes
  // around the reduction): the rows are the same.
  if (regroupsRows(v.getDefiningOp()) &&
      cast<RankedTensorType>(v.getType()).getShape().back() == 1)
    v = rowSource(v);
  // A kept (size-1) reduced dimension.
  if (auto expand = v.getDefiningOp<tensor::ExpandShapeOp>()) {
    auto type = expand.getResultType();
    SmallVector<ReassociationIndices> re = expand.getReassociationIndices();
    if (type.getRank() >= 2 && type.getDimSize(type.getRank() - 1) == 1 &&
        re.back() ==
            ReassociationIndices{type.getRank() - 2, type.getRank() - 1})
      v = expand.getSrc();
  }
  if (auto reduce = v.getDefiningOp<linalg::ReduceOp>()) {
    if (reduce.getNumDpsInputs() != 1 || reduce.getNumDpsInits() != 1)
      return {};
    auto inType = cast<RankedTensorType>(reduce.getInputs()[0].getType());
    if (reduce.getDimensions() != ArrayRef<int64_t>{inType.getRank() - 1})
      return {};
    Block &body = reduce.getCombiner().front();
    Operation *combine = body.getTerminator()->getOperand(0).getDefiningOp();
    if (!combine || !isa<Combiners...>(combine) ||
        combine->getBlock() != &body ||
        !llvm::is_contained(combine->getOperands(), body.getArgument(0)) ||
        !llvm::is_contained(combine->getOperands(), body.getArgument(1)))
      return {};
    return reduce.getInputs()[0];
  }
  auto g = v.getDefiningOp<linalg::GenericOp>();
  if (!g || g.getNumDpsInputs() != 1)
    return {};
  unsigned rank = g.getNumLoops();
  if (rank < 2 || g.getNumReductionLoops() != 1 ||
      g.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return {};
  // The result asked for (a max.dim generic also yields the argmax).
  unsigned resultNumber = cast<OpResult>(v).getResultNumber();
  OpOperand *init = g.getDpsInitOperand(resultNumber);
  if (!g.getMatchingIndexingMap(g.getDpsInputOperand(0)).isIdentity() ||
      !isRowRead(g.getMatchingIndexingMap(init), rank, init->get()))
    return {};
  Operation *combine =
      g.getBody()->getTerminator()->getOperand(resultNumber).getDefiningOp();
  if (!combine || !isa<Combiners...>(combine) ||
      combine->getBlock() != g.getBody())
    return {};
  Value a = combine->getOperand(0), b = combine->getOperand(1);
  auto isAcc = [&](Value x) {
    auto arg = dyn_cast<BlockArgument>(x);
    return arg && arg.getOwner() == g.getBody() &&
           arg.getArgNumber() == g.getNumDpsInputs() + resultNumber;
  };
  if (!((inputOf(g, a) && isAcc(b)) || (inputOf(g, b) && isAcc(a))))
    return {};
  Value input = g.getDpsInputOperand(0)->get();
  // Rows reduced through an expand_shape that only inserts unit dimensions
  // before the reduced one (what reshape propagation makes of a reduction
  // keeping its dimension): the rows of the expand's source.
  if (auto expand = input.getDefiningOp<tensor::ExpandShapeOp>()) {
    RankedTensorType type = expand.getResultType();
    SmallVector<ReassociationIndices> re = expand.getReassociationIndices();
    bool unitOnly = re.back() == ReassociationIndices{type.getRank() - 1} &&
                    llvm::all_of(re, [&](const ReassociationIndices &group) {
                      return llvm::count_if(group, [&](int64_t d) {
                               return type.getDimSize(d) != 1;
                             }) <= 1;
                    });
    if (unitOnly && expand.getSrcType().getRank() >= 2)
      input = expand.getSrc();
  }
  return input;
}

/// The input of `g` and the factor when `g` yields that input (its block
/// argument) multiplied or divided by a finite, non-zero compile-time
/// constant.
std::optional<std::pair<OpOperand *, double>>
constantFactorOf(linalg::GenericOp g) {
  Operation *body = yielded(g).getDefiningOp();
  if (!body || body->getBlock() != g.getBody() ||
      !isa<arith::MulFOp, arith::DivFOp>(body))
    return std::nullopt;
  OpOperand *in = inputOf(g, body->getOperand(0));
  std::optional<double> c = getScalarConstant(g, body->getOperand(1));
  if ((!in || !c) && isa<arith::MulFOp>(body)) {
    in = inputOf(g, body->getOperand(1));
    c = getScalarConstant(g, body->getOperand(0));
  }
  if (!in || !c || !std::isfinite(*c) || *c == 0.0)
    return std::nullopt;
  return std::make_pair(in, isa<arith::DivFOp>(body) ? 1.0 / *c : *c);
}

/// An elementwise generic: all parallel, identity output, inputs identity
/// or broadcast (projected permutations).
bool isElementwise(linalg::GenericOp g) {
  if (!allParallel(g) || g.getNumDpsInits() != 1)
    return false;
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  if (!maps.back().isIdentity())
    return false;
  // Inputs read loops or broadcast size-1 dimensions (constant 0).
  return llvm::all_of(ArrayRef(maps).drop_back(), [](AffineMap m) {
    return m.isProjectedPermutation(/*allowZeroInResults=*/true);
  });
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

/// The ops producing a row reduction (an expand_shape keeping the reduced
/// dimension, then the reduction).
void appendRowReduction(SmallVectorImpl<Operation *> &ops, Value v) {
  if (regroupsRows(v.getDefiningOp()) &&
      cast<RankedTensorType>(v.getType()).getShape().back() == 1)
    for (int depth = 0; depth < 8 && regroupsRows(v.getDefiningOp()); ++depth) {
      ops.push_back(v.getDefiningOp());
      v = v.getDefiningOp()->getOperand(0);
    }
  if (auto expand = v.getDefiningOp<tensor::ExpandShapeOp>()) {
    ops.push_back(expand);
    v = expand.getSrc();
  }
  Operation *reduction = v.getDefiningOp();
  ops.push_back(reduction);
  // The unit-dimension expand of its input that matchRowReduction looks
  // through.
  if (auto g = dyn_cast<linalg::GenericOp>(reduction))
    if (auto expand = g.getDpsInputOperand(0)
                          ->get()
                          .getDefiningOp<tensor::ExpandShapeOp>())
      ops.push_back(expand);
}

struct SoftmaxMatch {
  Value logits;
  /// Ops of the softmax (removed after the rewrite when dead).
  SmallVector<Operation *> ops;
  /// Set when the row maximum reads the logits through other reshapes than
  /// the subtraction: the value both regroup.
  Value rowSource;
};

/// exp(x - max(x)) / sum(exp(x - max(x))) over the last dimension, as
/// linalg.softmax or decomposed into generics (one or two for exp(x - m),
/// and a division or a multiplication by a reciprocal).
FailureOr<SoftmaxMatch> matchSoftmax(Value p, std::string &why) {
  SoftmaxMatch match;
  if (auto softmax = p.getDefiningOp<linalg::SoftmaxOp>()) {
    auto type = cast<RankedTensorType>(softmax.getInput().getType());
    if (softmax.getDimension() != static_cast<uint64_t>(type.getRank() - 1)) {
      why = "linalg.softmax is not over the last dimension";
      return failure();
    }
    match.logits = softmax.getInput();
    match.ops.push_back(softmax);
    return match;
  }
  auto div = p.getDefiningOp<linalg::GenericOp>();
  if (!div || !isElementwise(div)) {
    why = "not a softmax";
    return failure();
  }
  unsigned rank = div.getNumLoops();
  Operation *top = yielded(div).getDefiningOp();
  if (!top || top->getBlock() != div.getBody() ||
      !isa<arith::DivFOp, arith::MulFOp>(top)) {
    why = "not a softmax";
    return failure();
  }
  OpOperand *numer = inputOf(div, top->getOperand(0));
  OpOperand *denom = inputOf(div, top->getOperand(1));
  if (!numer || !denom) {
    why = "not a softmax";
    return failure();
  }
  match.ops.push_back(div);
  Value sum = denom->get();
  if (isa<arith::MulFOp>(top)) {
    // x * (1 / s): the reciprocal as its own generic.
    auto recip = sum.getDefiningOp<linalg::GenericOp>();
    Operation *r = recip ? yielded(recip).getDefiningOp() : nullptr;
    std::optional<double> one = r && isa<arith::DivFOp>(r)
                                    ? getScalarConstant(recip, r->getOperand(0))
                                    : std::nullopt;
    if (!recip || !allParallel(recip) || !one || *one != 1.0 ||
        !inputOf(recip, r->getOperand(1))) {
      why = "not a softmax (a product that is not x * (1 / sum))";
      return failure();
    }
    match.ops.push_back(recip);
    sum = recip.getDpsInputOperand(0)->get();
  }
  if (!div.getMatchingIndexingMap(numer).isIdentity() ||
      !isRowRead(div.getMatchingIndexingMap(denom), rank, denom->get())) {
    why = "the normalisation does not divide each row by its own sum";
    return failure();
  }
  Value exps = numer->get();
  Value summed = matchRowReduction<arith::AddFOp>(sum);
  // The sum may read the numerator through a regrouping of its rows.
  SmallVector<Operation *> regroupings;
  for (int depth = 0; depth < 8 && summed && summed != exps &&
                      regroupsRows(summed.getDefiningOp());
       ++depth) {
    regroupings.push_back(summed.getDefiningOp());
    summed = summed.getDefiningOp()->getOperand(0);
  }
  if (summed != exps) {
    why = "the denominator is not the row sum of the numerator";
    return failure();
  }
  appendRowReduction(match.ops, sum);
  match.ops.append(regroupings);
  // exp(x - m) in one generic, or exp of a subtraction generic.
  auto expOp = exps.getDefiningOp<linalg::GenericOp>();
  Operation *e =
      expOp && isElementwise(expOp) ? yielded(expOp).getDefiningOp() : nullptr;
  if (!e || !isa<math::ExpOp>(e)) {
    why = "the numerator is not an exponential";
    return failure();
  }
  match.ops.push_back(expOp);
  Value x, m;
  Operation *sub = e->getOperand(0).getDefiningOp();
  if (sub && sub->getBlock() == expOp.getBody() && isa<arith::SubFOp>(sub)) {
    OpOperand *xo = inputOf(expOp, sub->getOperand(0));
    OpOperand *mo = inputOf(expOp, sub->getOperand(1));
    if (!xo || !mo || !expOp.getMatchingIndexingMap(xo).isIdentity() ||
        !isRowRead(expOp.getMatchingIndexingMap(mo), rank, mo->get())) {
      why = "the exponent is not x - rowmax(x)";
      return failure();
    }
    x = xo->get();
    m = mo->get();
  } else if (OpOperand *in = inputOf(expOp, e->getOperand(0))) {
    auto subOp = in->get().getDefiningOp<linalg::GenericOp>();
    Operation *s = subOp && isElementwise(subOp)
                       ? yielded(subOp).getDefiningOp()
                       : nullptr;
    OpOperand *xo =
        s && isa<arith::SubFOp>(s) ? inputOf(subOp, s->getOperand(0)) : nullptr;
    OpOperand *mo =
        s && isa<arith::SubFOp>(s) ? inputOf(subOp, s->getOperand(1)) : nullptr;
    if (!xo || !mo || !subOp.getMatchingIndexingMap(xo).isIdentity() ||
        !isRowRead(subOp.getMatchingIndexingMap(mo), rank, mo->get())) {
      why = "the exponent is not x - rowmax(x)";
      return failure();
    }
    match.ops.push_back(subOp);
    x = xo->get();
    m = mo->get();
  } else {
    why = "the exponent is not x - rowmax(x)";
    return failure();
  }
  Value maxed = matchRowReduction<arith::MaximumFOp, arith::MaxNumFOp>(m);
  if (!maxed || rowSource(maxed) != rowSource(x)) {
    why = "the subtracted value is not the row maximum of the logits";
    return failure();
  }
  appendRowReduction(match.ops, m);
  // The maximum and the subtraction read the logits through different
  // regroupings of their rows: the maximum's regroupings belong to the
  // softmax, and the logits chain runs through the subtraction's.
  if (maxed != x) {
    match.rowSource = rowSource(x);
    for (Value r = maxed; r != match.rowSource;
         r = r.getDefiningOp()->getOperand(0))
      match.ops.push_back(r.getDefiningOp());
  }
  match.logits = x;
  return match;
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

/// A contraction C[batch.., m, n] = sum_k A[.., m, .., k] B[.., k, .., n]
/// with one m, one n and one k loop, spelled by any linalg op.
struct Contraction {
  linalg::LinalgOp op;
  OpOperand *lhs, *rhs; // lhs holds m, rhs holds n
  linalg::ContractionDimensions dims;
};

/// The sizes of the batch loops of `c`, in the order of its output.
SmallVector<int64_t> batchSizes(Contraction c) {
  AffineMap out = c.op.getMatchingIndexingMap(c.op.getDpsInitOperand(0));
  SmallVector<int64_t> ranges = c.op.getStaticLoopRanges();
  SmallVector<int64_t> sizes;
  for (AffineExpr e : out.getResults())
    if (auto d = dyn_cast<AffineDimExpr>(e);
        d && llvm::is_contained(c.dims.batch, d.getPosition()))
      sizes.push_back(ranges[d.getPosition()]);
  return sizes;
}

FailureOr<Contraction> matchContraction(Value v, std::string &why) {
  auto op = v.getDefiningOp<linalg::LinalgOp>();
  if (!op || !op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op)) {
    why = "not a contraction";
    return failure();
  }
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 || dims->batch.size() > 2) {
    why = "the contraction is not a batched matrix product with one M, N "
          "and K dimension";
    return failure();
  }
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation()) {
      why = "the contraction reads an operand through a non-permutation map";
      return failure();
    }
  Contraction c{op, op.getDpsInputOperand(0), op.getDpsInputOperand(1), *dims};
  auto holds = [&](OpOperand *o, unsigned loop) {
    return op.getMatchingIndexingMap(o)
        .getResultPosition(getAffineDimExpr(loop, op.getContext()))
        .has_value();
  };
  if (!holds(c.lhs, c.dims.m[0]))
    std::swap(c.lhs, c.rhs);
  if (!holds(c.lhs, c.dims.m[0]) || !holds(c.rhs, c.dims.n[0])) {
    why = "the contraction operands do not split into M and N sides";
    return failure();
  }
  // Every operand must carry every batch loop (no broadcast over heads).
  for (OpOperand *o : {c.lhs, c.rhs})
    for (unsigned b : c.dims.batch)
      if (!holds(o, b)) {
        why = "a contraction operand is broadcast over a batch dimension";
        return failure();
      }
  return c;
}

//===----------------------------------------------------------------------===//
// The rewrite
//===----------------------------------------------------------------------===//

/// Reassociation that merges the leading 4 - rank + 1 dimensions of a 4-D
/// shape into the first dimension of a rank-`rank` one.
SmallVector<ReassociationIndices> leadingReassociation(int64_t rank) {
  SmallVector<ReassociationIndices> re;
  int64_t lead = 4 - rank;
  re.push_back({});
  for (int64_t d = 0; d <= lead; ++d)
    re.back().push_back(d);
  for (int64_t d = lead + 1; d < 4; ++d)
    re.push_back({d});
  return re;
}

/// `v` (rank 2-4) with unit dimensions prepended up to rank 4.
Value expandTo4D(RewriterBase &rewriter, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == 4)
    return v;
  SmallVector<int64_t> shape(4 - type.getRank(), 1);
  shape.append(type.getShape().begin(), type.getShape().end());
  return tensor::ExpandShapeOp::create(
      rewriter, loc, RankedTensorType::get(shape, type.getElementType()), v,
      leadingReassociation(type.getRank()));
}

/// A 4-D `v` collapsed back to `type` (rank 2-4, same trailing dims).
Value collapseFrom4D(RewriterBase &rewriter, Location loc, Value v,
                     RankedTensorType type) {
  if (type.getRank() == 4)
    return v;
  return tensor::CollapseShapeOp::create(rewriter, loc, type, v,
                                         leadingReassociation(type.getRank()));
}

/// select(all_j(x_ij == -inf), 0, p_ij): returns the select's result and
/// appends the guard's ops, or null.
Value matchSafeSoftmaxGuard(linalg::GenericOp sel, Value p, Value logits,
                            SmallVectorImpl<Operation *> &ops) {
  if (!isElementwise(sel))
    return {};
  auto select = yielded(sel).getDefiningOp<arith::SelectOp>();
  if (!select || select->getBlock() != sel.getBody())
    return {};
  OpOperand *cond = inputOf(sel, select.getCondition());
  OpOperand *weights = inputOf(sel, select.getFalseValue());
  std::optional<double> zero = getScalarConstant(sel, select.getTrueValue());
  unsigned rank = sel.getNumLoops();
  if (!cond || !weights || weights->get() != p || !zero || *zero != 0.0 ||
      !sel.getMatchingIndexingMap(weights).isIdentity() ||
      !isRowRead(sel.getMatchingIndexingMap(cond), rank, cond->get()))
    return {};
  // all(x == -inf) over the row: an and-reduction of a comparison, or the
  // comparison fused into the reduction's body.
  Value flags = matchRowReduction<arith::AndIOp>(cond->get());
  auto cmp = flags ? flags.getDefiningOp<linalg::GenericOp>() : nullptr;
  arith::CmpFOp eq = cmp && isElementwise(cmp)
                         ? yielded(cmp).getDefiningOp<arith::CmpFOp>()
                         : nullptr;
  if (!flags) {
    cmp = cond->get().getDefiningOp<linalg::GenericOp>();
    auto all = cmp ? yielded(cmp).getDefiningOp<arith::AndIOp>() : nullptr;
    BlockArgument acc =
        all ? cmp.getMatchingBlockArgument(cmp.getDpsInitOperand(0)) : nullptr;
    if (!all || all->getBlock() != cmp.getBody() || cmp.getNumLoops() < 2 ||
        cmp.getNumDpsInputs() != 1 || cmp.getNumReductionLoops() != 1 ||
        cmp.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
        !cmp.getMatchingIndexingMap(cmp.getDpsInputOperand(0)).isIdentity() ||
        !isRowRead(cmp.getMatchingIndexingMap(cmp.getDpsInitOperand(0)),
                   cmp.getNumLoops(), cmp.getDpsInitOperand(0)->get()))
      return {};
    Value other = all.getLhs() == acc   ? all.getRhs()
                  : all.getRhs() == acc ? all.getLhs()
                                        : Value();
    eq = other ? other.getDefiningOp<arith::CmpFOp>() : nullptr;
    if (eq && eq->getBlock() != cmp.getBody())
      eq = nullptr;
  }
  if (!eq || eq.getPredicate() != arith::CmpFPredicate::OEQ)
    return {};
  Value lhs = eq.getLhs();
  if (auto ext = lhs.getDefiningOp<arith::ExtFOp>())
    lhs = ext.getIn();
  OpOperand *x = inputOf(cmp, lhs);
  std::optional<double> inf = getScalarConstant(cmp, eq.getRhs());
  if (!x || !inf || *inf != -std::numeric_limits<double>::infinity())
    return {};
  // The comparison may read the logits through a widening generic (or,
  // fused, through an expand inserting unit dimensions).
  Value read = x->get();
  if (!flags)
    if (auto expand = read.getDefiningOp<tensor::ExpandShapeOp>()) {
      ops.push_back(expand);
      read = expand.getSrc();
    }
  Operation *widen = nullptr;
  if (auto ext = read.getDefiningOp<linalg::GenericOp>();
      ext && isElementwise(ext) && ext.getNumDpsInputs() == 1 &&
      yielded(ext).getDefiningOp<arith::ExtFOp>()) {
    widen = ext;
    read = ext.getDpsInputOperand(0)->get();
  }
  if (read != logits)
    return {};
  if (widen)
    ops.push_back(widen);
  ops.push_back(sel);
  if (flags)
    appendRowReduction(ops, cond->get());
  ops.push_back(cmp);
  return sel.getResult(0);
}

/// (scores, column) when `v` is the scores with one column appended along
/// the last dimension: tensor.concat, or two tensor.insert_slice into a
/// tensor.empty (TOSA's concat). Appends the ops to `ops`.
std::optional<std::pair<Value, Value>>
matchColumnAppended(Value v, SmallVectorImpl<Operation *> &ops) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getRank() < 2 || !type.hasStaticShape())
    return std::nullopt;
  int64_t last = type.getRank() - 1;
  int64_t lk = type.getDimSize(last) - 1;
  auto isColumn = [&](Value c) {
    auto t = cast<RankedTensorType>(c.getType());
    return t.getRank() == type.getRank() && t.getDimSize(last) == 1;
  };
  if (auto concat = v.getDefiningOp<tensor::ConcatOp>()) {
    if (concat.getDim() != static_cast<uint64_t>(last) ||
        concat.getInputs().size() != 2 || !isColumn(concat.getInputs()[1]))
      return std::nullopt;
    ops.push_back(concat);
    return std::make_pair(concat.getInputs()[0], concat.getInputs()[1]);
  }
  // insert_slice(column into insert_slice(scores into empty) at [0..]) at
  // [0, .., 0, Lk], both covering the whole of their part.
  auto covers = [&](tensor::InsertSliceOp ins, int64_t offset, int64_t size) {
    ArrayRef<int64_t> offsets = ins.getStaticOffsets();
    ArrayRef<int64_t> sizes = ins.getStaticSizes();
    ArrayRef<int64_t> strides = ins.getStaticStrides();
    if (ins.getSourceType().getRank() != type.getRank())
      return false;
    for (int64_t d = 0; d <= last; ++d) {
      int64_t wantOffset = d == last ? offset : 0;
      int64_t wantSize = d == last ? size : type.getDimSize(d);
      if (offsets[d] != wantOffset || sizes[d] != wantSize || strides[d] != 1)
        return false;
    }
    return true;
  };
  auto outer = v.getDefiningOp<tensor::InsertSliceOp>();
  if (!outer || !covers(outer, lk, 1) || !outer.getDest().hasOneUse())
    return std::nullopt;
  auto inner = outer.getDest().getDefiningOp<tensor::InsertSliceOp>();
  if (!inner || !covers(inner, 0, lk) ||
      !inner.getDest().getDefiningOp<tensor::EmptyOp>())
    return std::nullopt;
  ops.push_back(outer);
  ops.push_back(inner);
  return std::make_pair(inner.getSource(), outer.getSource());
}

/// x for x - rowmax(x) (the shift in one elementwise generic), appending
/// the ops to `ops`; `v` itself otherwise.
Value peelRowShift(Value v, SmallVectorImpl<Operation *> &ops) {
  auto g = v.getDefiningOp<linalg::GenericOp>();
  if (!g || !isElementwise(g) || g.getNumDpsInputs() != 2)
    return v;
  auto sub = yielded(g).getDefiningOp<arith::SubFOp>();
  if (!sub || sub->getBlock() != g.getBody())
    return v;
  OpOperand *x = inputOf(g, sub.getLhs());
  OpOperand *m = inputOf(g, sub.getRhs());
  unsigned rank = g.getNumLoops();
  if (!x || !m || !g.getMatchingIndexingMap(x).isIdentity() ||
      !isRowRead(g.getMatchingIndexingMap(m), rank, m->get()) ||
      matchRowReduction<arith::MaximumFOp, arith::MaxNumFOp>(m->get()) !=
          x->get())
    return v;
  ops.push_back(g);
  appendRowReduction(ops, m->get());
  return x->get();
}

/// Whether `x` (a scalar of `g`'s body) is read from a generic whose result
/// is an exponential.
bool readsExponential(linalg::GenericOp g, Value x) {
  OpOperand *in = inputOf(g, x);
  auto producer = in ? in->get().getDefiningOp<linalg::GenericOp>() : nullptr;
  Value y = producer ? yielded(producer) : Value();
  return y && y.getDefiningOp<math::ExpOp>();
}

/// An elementwise generic that could end a decomposed softmax: exponentials
/// divided by (or multiplied with) something reduced over rows.
/// Normalisations like layer norm are not candidates.
bool isSoftmaxDivision(linalg::GenericOp g) {
  if (!isElementwise(g) || g.getNumLoops() < 2)
    return false;
  Operation *top = yielded(g).getDefiningOp();
  if (!top || !isa<arith::DivFOp, arith::MulFOp>(top))
    return false;
  if (!llvm::any_of(g.getDpsInputOperands(), [&](OpOperand *in) {
        return readsExponential(g, g.getMatchingBlockArgument(in));
      }))
    return false;
  return llvm::any_of(g.getDpsInputOperands(), [&](OpOperand *in) {
    return isRowRead(g.getMatchingIndexingMap(in), g.getNumLoops(), in->get());
  });
}

/// Whether every loop of `op` has a static extent: the rewrites of fused
/// generics build their pieces from the static loop ranges.
bool hasStaticLoops(linalg::LinalgOp op) {
  return !llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic);
}

/// A tensor.empty of `element`s shaped as `source` with its dimensions
/// permuted or selected (result dimension d is source dimension perm[d];
/// all of them in order when `perm` is empty); dynamic sizes are read from
/// `source`.
Value emptyPermuted(RewriterBase &rewriter, Location loc, Value source,
                    ArrayRef<int64_t> perm, Type element) {
  int64_t rank = cast<RankedTensorType>(source.getType()).getRank();
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0, n = perm.empty() ? rank : perm.size(); d < n; ++d)
    sizes.push_back(tensor::getMixedSize(rewriter, loc, source,
                                         perm.empty() ? d : perm[d]));
  return tensor::EmptyOp::create(rewriter, loc, sizes, element);
}

/// A contraction with the softmax's division fused into its body (what
/// elementwise fusion makes of `(e / rowsum(e)) v`): a division or product
/// of exponentials read from another generic.
bool isFusedSoftmaxProduct(linalg::GenericOp g) {
  if (g.getNumReductionLoops() == 0 || g.getNumResults() != 1)
    return false;
  return llvm::any_of(g.getBody()->without_terminator(), [&](Operation &op) {
    return isa<arith::DivFOp, arith::MulFOp>(op) &&
           llvm::any_of(op.getOperands(),
                        [&](Value x) { return readsExponential(g, x); });
  });
}

struct Raiser {
  RewriterBase &rewriter;
  bool explain;
  /// Ops erased by earlier raises (anchors among them are skipped).
  DenseSet<Operation *> erased;

  /// `operand` of `op` laid out in the loop order `loops` (a permutation of
  /// the loops its map reads), transposing when needed and looking through
  /// a transpose that undoes it.
  Value arrange(linalg::LinalgOp op, OpOperand *operand,
                ArrayRef<unsigned> loops, Location loc) {
    AffineMap map = op.getMatchingIndexingMap(operand);
    SmallVector<int64_t> perm;
    for (unsigned loop : loops)
      perm.push_back(
          *map.getResultPosition(getAffineDimExpr(loop, op.getContext())));
    Value source = operand->get();
    bool identity = llvm::equal(perm, llvm::seq<int64_t>(0, perm.size()));
    if (identity)
      return source;
    // collapse([0, 1], 2, 3) of a transpose of the last two dimensions, read
    // with those two swapped: the collapse of the transpose's input.
    if (auto collapse = source.getDefiningOp<tensor::CollapseShapeOp>()) {
      auto t = collapse.getSrc().getDefiningOp<linalg::TransposeOp>();
      SmallVector<ReassociationIndices> re = collapse.getReassociationIndices();
      if (t && perm == ArrayRef<int64_t>{0, 2, 1} && re.size() == 3 &&
          re[0].size() == 2 &&
          t.getPermutation() == ArrayRef<int64_t>{0, 1, 3, 2})
        return tensor::CollapseShapeOp::create(rewriter, loc, t.getInput(), re)
            .getResult();
    }
    if (auto t = source.getDefiningOp<linalg::TransposeOp>()) {
      // transpose(x, tp) read through perm: element at perm of tp.
      ArrayRef<int64_t> tp = t.getPermutation();
      bool undone = true;
      for (size_t d = 0; d < perm.size(); ++d)
        undone &= tp[perm[d]] == static_cast<int64_t>(d);
      if (undone)
        return t.getInput();
    }
    Value init = emptyPermuted(rewriter, loc, source, perm,
                               getElementTypeOrSelf(source.getType()));
    return linalg::TransposeOp::create(rewriter, loc, source, init, perm)
        .getResult()[0];
  }

  /// A [batch.., L, D] tensor as B x H x L x D: the 4-D source of a
  /// collapse of (B, H), or expanded with unit dims.
  Value to4D(Value v, Location loc,
             std::optional<std::pair<int64_t, int64_t>> &heads) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() == 4)
      return v;
    if (auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>()) {
      auto src = collapse.getSrcType();
      SmallVector<ReassociationIndices> re = collapse.getReassociationIndices();
      if (src.getRank() == 4 && re.size() == 3 && re[0].size() == 2 && heads &&
          src.getDimSize(0) == heads->first &&
          src.getDimSize(1) == heads->second)
        return collapse.getSrc();
    }
    if (heads && type.getRank() == 3 &&
        type.getDimSize(0) == heads->first * heads->second) {
      SmallVector<int64_t> shape = {heads->first, heads->second,
                                    type.getDimSize(1), type.getDimSize(2)};
      return tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()), v,
          SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    }
    return expandTo4D(rewriter, loc, v);
  }

  /// A tensor multiplied (or divided) by a compile-time constant, as one
  /// elementwise generic: the tensor and the factor.
  std::optional<std::pair<Value, double>> matchScaling(Value v) {
    auto g = v.getDefiningOp<linalg::GenericOp>();
    if (!g || !isElementwise(g))
      return std::nullopt;
    std::optional<std::pair<OpOperand *, double>> factor = constantFactorOf(g);
    if (!factor || !g.getMatchingIndexingMap(factor->first).isIdentity() ||
        factor->first->get().getType() != v.getType())
      return std::nullopt;
    return std::make_pair(factor->first->get(), factor->second);
  }

  /// Q, K or V ([B, H, L, D]) followed back through data movement (and,
  /// with `scaling`, multiplications by constants, whose product becomes
  /// `factor`).
  /// With `heads`, K/V heads repeated for grouped-query attention are seen
  /// through in any spelling that only moves data (transformers' repeat_kv
  /// as expand + broadcast + reshape, repeat_interleave, TOSA's tile): head
  /// h is head h / n of a [B, H / n, L, D] tensor, attn.attention's GQA
  /// rule. A head that reads head h % Hkv is not that rule and is kept.
  /// Set by peelOperand when K or V repeats fewer heads in an order that
  /// is not head h / n (e.g. h % Hkv): a near miss of GQA.
  bool repeatedOtherwise = false;

  struct PeeledOperand {
    Value value;
    double factor = 1.0;
    /// The dimension of `value` holding b, h / n, l and d; -1 for a role of
    /// size 1 that no dimension holds (every other dimension has size 1).
    SmallVector<int64_t> dimOfRole = {0, 1, 2, 3};
    /// The number of KV heads (the size of the h role).
    int64_t heads = 0;
  };
  PeeledOperand peelOperand(Value x, bool heads, bool scaling) {
    auto type = cast<RankedTensorType>(x.getType());
    int64_t h = type.getDimSize(1);
    auto identity = [](int64_t i) { return i; };
    // Index points all checks of this search may evaluate together.
    int64_t budget = int64_t(1) << 24;
    // Assigns the roles (b, h / n, l, d) to the dimensions of `view.value`
    // whose size is not 1, in any order, and checks the map.
    auto layout = [&](const IndexView &view,
                      double factor) -> std::optional<PeeledOperand> {
      auto t = dyn_cast<RankedTensorType>(view.value.getType());
      if (!t || t.getRank() > 8)
        return std::nullopt;
      SmallVector<int64_t> big;
      for (int64_t d = 0; d < t.getRank(); ++d)
        if (t.getDimSize(d) != 1)
          big.push_back(d);
      if (big.size() > 4)
        return std::nullopt;
      // Candidate roles for the big dimensions: every ordered choice.
      SmallVector<int64_t> roles = {0, 1, 2, 3};
      std::optional<PeeledOperand> found;
      std::function<void(size_t, SmallVector<int64_t> &)> assign =
          [&](size_t i, SmallVector<int64_t> &dimOfRole) {
            if (found)
              return;
            if (i == big.size()) {
              // Roles without a dimension must have size 1 (but h, whose
              // size is then 1 KV head).
              for (unsigned r : {0u, 2u, 3u})
                if (dimOfRole[r] < 0 && type.getDimSize(r) != 1)
                  return;
              int64_t hkv = dimOfRole[1] < 0 ? 1 : t.getDimSize(dimOfRole[1]);
              for (unsigned r : {0u, 2u, 3u}) {
                if (dimOfRole[r] < 0)
                  continue;
                if (t.getDimSize(dimOfRole[r]) != type.getDimSize(r) ||
                    !resultIs(view, dimOfRole[r], r, type.getShape(), identity,
                              /*identity=*/true, &budget))
                  return;
              }
              if (ShapedType::isDynamic(h) || ShapedType::isDynamic(hkv)) {
                if (factor != 1.0 && h == hkv && dimOfRole[1] >= 0 &&
                    resultIs(view, dimOfRole[1], 1, type.getShape(), identity,
                             /*identity=*/true, &budget))
                  found = PeeledOperand{view.value, factor, dimOfRole, hkv};
                return;
              }
              if (hkv <= 0 || h % hkv != 0 || (!heads && hkv != h) ||
                  (hkv == h && factor == 1.0))
                return;
              int64_t n = h / hkv;
              if (dimOfRole[1] < 0 ||
                  resultIs(
                      view, dimOfRole[1], 1, type.getShape(),
                      [n](int64_t i) { return i / n; }, /*identity=*/n == 1,
                      &budget))
                found = PeeledOperand{view.value, factor, dimOfRole, hkv};
              else if (n > 1)
                repeatedOtherwise = true;
              return;
            }
            for (int64_t r : roles) {
              if (dimOfRole[r] >= 0)
                continue;
              dimOfRole[r] = big[i];
              assign(i + 1, dimOfRole);
              dimOfRole[r] = -1;
            }
          };
      SmallVector<int64_t> dimOfRole(4, -1);
      assign(0, dimOfRole);
      return found;
    };
    // The first source with repeated heads wins; otherwise the last view
    // accepted (the one behind every constant factor).
    IndexView view = startView(x);
    double factor = 1.0;
    PeeledOperand best{x, 1.0, {0, 1, 2, 3}, h};
    // The ops walked through, and how many of them lead to the last
    // constant factor passed.
    SmallVector<Operation *> walked;
    size_t throughLastFactor = 0;
    for (unsigned step = 0; step < 32 && view.value; ++step) {
      if (view.value != x)
        if (std::optional<PeeledOperand> found = layout(view, factor)) {
          best = *found;
          if (found->heads != h)
            return best;
        }
      if (scaling)
        if (std::optional<std::pair<Value, double>> s =
                matchScaling(view.value)) {
          walked.push_back(view.value.getDefiningOp());
          throughLastFactor = walked.size();
          view.value = s->first;
          factor *= s->second;
          continue;
        }
      if (Operation *def = view.value.getDefiningOp())
        walked.push_back(def);
      view = stepBack(view);
    }
    if (throughLastFactor == 0 || best.factor == factor)
      return best;
    // Factors applied where no view of the operand is accepted (OPT scales
    // the projected Q before splitting its heads): the data movement after
    // them, replayed on the unscaled tensors, with the factors lifted.
    IRMapping mapping;
    double lifted = 1.0;
    for (Operation *op : ArrayRef(walked).take_front(throughLastFactor)) {
      if (std::optional<std::pair<Value, double>> s =
              matchScaling(op->getResult(0))) {
        mapping.map(op->getResult(0), s->first);
        lifted *= s->second;
      }
    }
    for (Operation *op :
         llvm::reverse(ArrayRef(walked).take_front(throughLastFactor)))
      if (!mapping.contains(op->getResult(0)))
        rewriter.clone(*op, mapping);
    return {mapping.lookupOrDefault(x), lifted, {0, 1, 2, 3}, h};
  }

  /// Whether materialize can build `p` for `original`: a 4-D value whose
  /// dimensions hold the four roles (a transpose), or a [B, Hkv, L, D]
  /// result with at most one dynamic size (the general path reshapes
  /// through one dimension, and an expand_shape infers one size only).
  bool materializable(const PeeledOperand &p, Value original) {
    auto type = cast<RankedTensorType>(p.value.getType());
    if (type.getRank() == 4 &&
        llvm::none_of(p.dimOfRole, [](int64_t d) { return d < 0; }))
      return true;
    auto want = cast<RankedTensorType>(original.getType());
    int64_t dynamic = ShapedType::isDynamic(p.heads);
    for (int64_t d : {0, 2, 3})
      dynamic += want.isDynamicDim(d);
    return dynamic <= 1;
  }

  /// The peeled operand as a [B, Hkv, L, D] tensor: unit dimensions
  /// dropped, the rest transposed into role order, then reshaped.
  Value materialize(const PeeledOperand &p, Value original, Location loc) {
    auto type = cast<RankedTensorType>(p.value.getType());
    if (type.getRank() == 4 &&
        llvm::equal(p.dimOfRole, llvm::seq<int64_t>(0, 4)))
      return p.value;
    auto want = cast<RankedTensorType>(original.getType());
    SmallVector<int64_t> shape4 = {want.getDimSize(0), p.heads,
                                   want.getDimSize(2), want.getDimSize(3)};
    auto type4 = RankedTensorType::get(shape4, type.getElementType());
    // Present roles in ascending order and the dimensions holding them.
    SmallVector<int64_t> held;
    for (int64_t r = 0; r < 4; ++r)
      if (p.dimOfRole[r] >= 0)
        held.push_back(p.dimOfRole[r]);
    bool ordered = llvm::is_sorted(held);
    if (type.getRank() == 4 && held.size() == 4) {
      Value init = emptyPermuted(rewriter, loc, p.value, p.dimOfRole,
                                 type.getElementType());
      return linalg::TransposeOp::create(rewriter, loc, p.value, init,
                                         p.dimOfRole)
          .getResult()[0];
    }
    Value v = p.value;
    if (!ordered) {
      // Drop the unit dimensions, then transpose into role order.
      SmallVector<int64_t> big = held;
      llvm::sort(big);
      // Group k: the dimensions after big[k - 1] up to big[k]; the unit
      // dimensions after the last big one join the last group.
      SmallVector<ReassociationIndices> re;
      int64_t next = 0;
      for (int64_t b : big) {
        re.push_back({});
        for (; next <= b; ++next)
          re.back().push_back(next);
      }
      for (; next < type.getRank(); ++next)
        re.back().push_back(next);
      v = tensor::CollapseShapeOp::create(rewriter, loc, v, re);
      SmallVector<int64_t> perm;
      for (int64_t d : held)
        perm.push_back(llvm::find(big, d) - big.begin());
      Value init = emptyPermuted(rewriter, loc, v, perm, type.getElementType());
      v = linalg::TransposeOp::create(rewriter, loc, v, init, perm)
              .getResult()[0];
    }
    // Row-major order now matches [B, Hkv, L, D]: through one dimension.
    auto vt = cast<RankedTensorType>(v.getType());
    if (vt.getRank() > 0) {
      ReassociationIndices all;
      for (int64_t d = 0; d < vt.getRank(); ++d)
        all.push_back(d);
      v = tensor::CollapseShapeOp::create(
          rewriter, loc, v, SmallVector<ReassociationIndices>{all});
    }
    return tensor::ExpandShapeOp::create(
        rewriter, loc, type4, v,
        SmallVector<ReassociationIndices>{{0, 1, 2, 3}});
  }

  /// (B, H) when Q, K and V are all collapses of 4-D tensors with the same
  /// leading (B, H).
  std::optional<std::pair<int64_t, int64_t>> commonHeads(ArrayRef<Value> vs) {
    std::optional<std::pair<int64_t, int64_t>> heads;
    for (Value v : vs) {
      auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>();
      if (!collapse || collapse.getSrcType().getRank() != 4 ||
          collapse.getReassociationIndices().size() != 3 ||
          collapse.getReassociationIndices()[0].size() != 2)
        return std::nullopt;
      std::pair<int64_t, int64_t> bh = {collapse.getSrcType().getDimSize(0),
                                        collapse.getSrcType().getDimSize(1)};
      if (ShapedType::isDynamic(bh.first) || ShapedType::isDynamic(bh.second))
        return std::nullopt;
      if (heads && *heads != bh)
        return std::nullopt;
      heads = bh;
    }
    return heads;
  }

  /// c ? 0 : lowest, as a tensor of c's shape.
  Value maskToBias(Value cond, FloatType type, double lowest, Location loc,
                   bool negated = false) {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointAfterValue(cond);
    auto condType = cast<RankedTensorType>(cond.getType());
    auto biasType = RankedTensorType::get(condType.getShape(), type);
    Value init = emptyPermuted(rewriter, loc, cond, {}, type);
    auto map = rewriter.getMultiDimIdentityMap(condType.getRank());
    SmallVector<utils::IteratorType> iters(condType.getRank(),
                                           utils::IteratorType::parallel);
    return linalg::GenericOp::create(
               rewriter, loc, TypeRange{biasType}, ValueRange{cond},
               ValueRange{init}, ArrayRef<AffineMap>{map, map}, iters,
               [&](OpBuilder &b, Location l, ValueRange args) {
                 Value zero =
                     arith::ConstantOp::create(b, l, b.getFloatAttr(type, 0.0));
                 Value low = arith::ConstantOp::create(
                     b, l, b.getFloatAttr(type, lowest));
                 linalg::YieldOp::create(
                     b, l,
                     ValueRange{arith::SelectOp::create(b, l, args[0],
                                                        negated ? low : zero,
                                                        negated ? zero : low)});
               })
        .getResult(0);
  }

  /// Fused elementwise generics of the logits chain that an attempt reads
  /// through their one-op-per-generic copies (`unfuse`). They stay in place
  /// until the attempt succeeds, so their uses do not count as other users.
  DenseSet<Operation *> shadowed;
  /// The shadowed generic each copy stands for.
  DenseMap<Operation *, Operation *> originalOf;

  /// The uses of `v` outside the shadowed generics.
  int64_t liveUses(Value v) {
    return llvm::count_if(v.getUses(), [&](OpOperand &use) {
      return !shadowed.contains(use.getOwner());
    });
  }
  bool hasOneLiveUse(Value v) { return liveUses(v) == 1; }

  /// Elementwise generics whose bodies hold several ops (what elementwise
  /// fusion makes of `s * c`, `select(mask, ., -inf)`, `+ bias`, ...), in
  /// the cone of `v` up to the first producer that is not one, rewritten as
  /// one generic per op, each with the fused generic's iteration space and
  /// the indexing maps of the inputs it reads. A mask computed in the body
  /// from linalg.index becomes an i1 tensor of its own generic (as a mask
  /// operand is); index arithmetic and constants are recomputed where they
  /// are used. The originals are shadowed, not replaced: a failed attempt
  /// erases the copies and leaves the IR as it was. Returns the copy of `v`
  /// (or `v` when nothing in its cone was fused).
  Value unfuse(Value v, DenseMap<Value, Value> &memo, int &budget,
               bool root = false) {
    if (auto it = memo.find(v); it != memo.end())
      return it->second;
    memo[v] = v;
    // Through a regrouping of the leading dimensions (fusion leaves the
    // generics on both sides of a reshape): a copy of the reshape reading
    // the unfused source.
    if (Operation *reshape = v.getDefiningOp();
        isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
            reshape) &&
        keepsRows(reshape) && (root || liveUses(v) <= 1) && --budget >= 0) {
      Value src = unfuse(reshape->getOperand(0), memo, budget);
      if (src == reshape->getOperand(0))
        return v;
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(reshape);
      IRMapping mapping;
      mapping.map(reshape->getOperand(0), src);
      Operation *copy = rewriter.clone(*reshape, mapping);
      shadowed.insert(reshape);
      return memo[v] = copy->getResult(0);
    }
    auto g = v.getDefiningOp<linalg::GenericOp>();
    // A generic read elsewhere too is left as it is (a copy would split
    // what the softmax matcher compares, the exponentials and their sum),
    // except the logits themselves, which only the softmax reads.
    if (!g || g.getNumResults() != 1 || !hasStaticLoops(g) || --budget < 0 ||
        (!root && liveUses(v) > 1))
      return v;
    if (!isElementwise(g)) {
      if (Value clean = unfuseContraction(g, budget))
        return memo[v] = clean;
      return v;
    }
    SmallVector<Value> inputs;
    bool changed = false;
    for (OpOperand *in : g.getDpsInputOperands()) {
      inputs.push_back(unfuse(in->get(), memo, budget));
      changed |= inputs.back() != in->get();
    }
    Block *body = g.getBody();
    Operation *yield = body->getTerminator();
    // Ops computed from loop indices and constants only.
    DenseSet<Operation *> indexOnly;
    SmallVector<Operation *> data;
    for (Operation &op : body->without_terminator()) {
      if (op.getNumRegions() != 0 || op.getNumResults() != 1 ||
          !isMemoryEffectFree(&op))
        return v;
      bool fromIndices = llvm::all_of(op.getOperands(), [&](Value o) {
        Operation *def = o.getDefiningOp();
        return def && (def->getBlock() != body || indexOnly.contains(def));
      });
      if (fromIndices)
        indexOnly.insert(&op);
      else
        data.push_back(&op);
    }
    Value result = yield->getOperand(0);
    Operation *last = result.getDefiningOp();
    if (g.getMatchingBlockArgument(g.getDpsInitOperand(0)).getUses().empty() ==
            false ||
        !last || last->getBlock() != body || indexOnly.contains(last) ||
        (data.size() < 2 && !changed))
      return v;

    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(g);
    Location loc = g.getLoc();
    auto resultType = cast<RankedTensorType>(v.getType());
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, g.getDpsInitOperand(0)->get());
    unsigned rank = resultType.getRank();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<utils::IteratorType> parallel(rank,
                                              utils::IteratorType::parallel);
    auto dependsOnIndex = [&](Operation *op) {
      SetVector<Operation *> cone;
      BackwardSliceOptions options;
      options.filter = [&](Operation *o) { return o->getBlock() == body; };
      (void)getBackwardSlice(op, &cone, options);
      cone.insert(op);
      return llvm::any_of(cone,
                          [](Operation *o) { return isa<linalg::IndexOp>(o); });
    };
    // A tensor for each value of the body that becomes one.
    DenseMap<Value, Value> tensors;
    // One generic computing `op` from its operands: inputs of `g`, tensors
    // made so far, and the index-only ops it reads, recomputed.
    auto materialize = [&](Operation *op) -> Value {
      SmallVector<Value> ins;
      SmallVector<AffineMap> maps;
      SmallVector<Value> reads;
      SetVector<Operation *> cone;
      BackwardSliceOptions options;
      options.filter = [&](Operation *o) {
        return o->getBlock() == body && indexOnly.contains(o);
      };
      for (Value o : op->getOperands()) {
        if (auto arg = dyn_cast<BlockArgument>(o);
            arg && arg.getOwner() == body) {
          ins.push_back(inputs[arg.getArgNumber()]);
          maps.push_back(g.getMatchingIndexingMap(
              g.getDpsInputOperand(arg.getArgNumber())));
          reads.push_back(o);
        } else if (tensors.count(o)) {
          ins.push_back(tensors[o]);
          maps.push_back(identity);
          reads.push_back(o);
        } else if (Operation *def = o.getDefiningOp();
                   def && def->getBlock() == body) {
          (void)getBackwardSlice(def, &cone, options);
          cone.insert(def);
        }
      }
      maps.push_back(identity);
      Type element = op->getResult(0).getType();
      Value init = tensor::EmptyOp::create(rewriter, loc, sizes, element);
      auto split = linalg::GenericOp::create(
          rewriter, loc, TypeRange{init.getType()}, ins, ValueRange{init}, maps,
          parallel, [&](OpBuilder &b, Location l, ValueRange args) {
            IRMapping mapping;
            for (auto [read, arg] : llvm::zip(reads, args))
              mapping.map(read, arg);
            for (Operation &o : body->without_terminator())
              if (cone.contains(&o))
                b.clone(o, mapping);
            Operation *copy = b.clone(*op, mapping);
            linalg::YieldOp::create(b, l, copy->getResult(0));
          });
      return split.getResult(0);
    };
    for (Operation *op : data) {
      // An i1 (or float) computed from loop indices that a data op reads:
      // a mask tensor of its own.
      for (Value o : op->getOperands()) {
        Operation *def = o.getDefiningOp();
        if (def && indexOnly.contains(def) && !tensors.count(o) &&
            !o.getType().isIndex() && dependsOnIndex(def))
          tensors[o] = materialize(def);
      }
      tensors[op->getResult(0)] = materialize(op);
    }
    shadowed.insert(g);
    originalOf[tensors[result].getDefiningOp()] = g;
    return memo[v] = tensors[result];
  }

  /// A contraction `acc + a * b` whose operands a and b are computed in its
  /// body from its inputs (what elementwise fusion makes of `(q * c) k^T`,
  /// or of `(e / rowsum(e)) v`): each computed operand becomes a generic of
  /// its own over the loops its inputs read (then split by `unfuse`), and
  /// the contraction a plain one reading them. The original is shadowed.
  /// Null when `g` is not such a contraction, reads a dynamic loop, or
  /// computes neither operand.
  Value unfuseContraction(linalg::GenericOp g, int &budget) {
    if (g.getNumResults() != 1 || g.getNumDpsInits() != 1 ||
        g.getNumReductionLoops() == 0 || !g.hasPureTensorSemantics() ||
        !hasStaticLoops(g))
      return {};
    Block *body = g.getBody();
    BlockArgument acc = g.getMatchingBlockArgument(g.getDpsInitOperand(0));
    auto add = yielded(g).getDefiningOp<arith::AddFOp>();
    if (!add || add->getBlock() != body || !acc.hasOneUse())
      return {};
    Value product = add.getLhs() == acc   ? add.getRhs()
                    : add.getRhs() == acc ? add.getLhs()
                                          : Value();
    auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
    if (!mul || mul->getBlock() != body || !product.hasOneUse())
      return {};
    SmallVector<int64_t> ranges = g.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic))
      return {};
    unsigned numLoops = g.getNumLoops();
    MLIRContext *ctx = g.getContext();
    Location loc = g.getLoc();
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(g);

    // The input and map of one factor of the product.
    auto factor = [&](Value x) -> std::optional<std::pair<Value, AffineMap>> {
      if (OpOperand *in = inputOf(g, x))
        return std::make_pair(in->get(), g.getMatchingIndexingMap(in));
      Operation *def = x.getDefiningOp();
      if (!def || def->getBlock() != body)
        return std::nullopt;
      SetVector<Operation *> cone;
      BackwardSliceOptions options;
      options.filter = [&](Operation *o) { return o->getBlock() == body; };
      (void)getBackwardSlice(def, &cone, options);
      cone.insert(def);
      // The loops the factor depends on, and the inputs it reads.
      llvm::SmallSetVector<unsigned, 8> loops;
      SmallVector<OpOperand *> reads;
      for (Operation *op : cone) {
        if (op->getNumRegions() != 0 || op->getNumResults() != 1 ||
            !isMemoryEffectFree(op))
          return std::nullopt;
        if (auto index = dyn_cast<linalg::IndexOp>(op))
          loops.insert(index.getDim());
        for (Value o : op->getOperands()) {
          if (o == acc)
            return std::nullopt;
          if (OpOperand *in = inputOf(g, o)) {
            if (!llvm::is_contained(reads, in))
              reads.push_back(in);
            for (AffineExpr e : g.getMatchingIndexingMap(in).getResults())
              if (auto d = dyn_cast<AffineDimExpr>(e))
                loops.insert(d.getPosition());
          }
        }
      }
      if (reads.empty())
        return std::nullopt;
      SmallVector<unsigned> order(loops.begin(), loops.end());
      llvm::sort(order);
      SmallVector<AffineExpr> replacement(numLoops,
                                          getAffineConstantExpr(0, ctx));
      SmallVector<int64_t> shape;
      SmallVector<AffineExpr> outer;
      for (auto [k, loop] : llvm::enumerate(order)) {
        replacement[loop] = getAffineDimExpr(k, ctx);
        shape.push_back(ranges[loop]);
        outer.push_back(getAffineDimExpr(loop, ctx));
      }
      SmallVector<Value> ins;
      SmallVector<AffineMap> maps;
      for (OpOperand *in : reads) {
        ins.push_back(in->get());
        maps.push_back(g.getMatchingIndexingMap(in).replaceDimsAndSymbols(
            replacement, {}, order.size(), 0));
      }
      AffineMap identity = rewriter.getMultiDimIdentityMap(order.size());
      maps.push_back(identity);
      Value init = tensor::EmptyOp::create(rewriter, loc, shape, x.getType());
      SmallVector<utils::IteratorType> parallel(order.size(),
                                                utils::IteratorType::parallel);
      auto prologue = linalg::GenericOp::create(
          rewriter, loc, TypeRange{init.getType()}, ins, ValueRange{init}, maps,
          parallel, [&](OpBuilder &b, Location l, ValueRange args) {
            IRMapping mapping;
            for (auto [in, arg] : llvm::zip(reads, args))
              mapping.map(g.getMatchingBlockArgument(in), arg);
            for (Operation &op : body->without_terminator()) {
              if (!cone.contains(&op))
                continue;
              if (auto index = dyn_cast<linalg::IndexOp>(op)) {
                unsigned k = llvm::find(order, index.getDim()) - order.begin();
                mapping.map(index.getResult(),
                            linalg::IndexOp::create(b, l, k).getResult());
                continue;
              }
              b.clone(op, mapping);
            }
            linalg::YieldOp::create(b, l, mapping.lookup(x));
          });
      DenseMap<Value, Value> memo;
      Value split = unfuse(prologue.getResult(0), memo, budget);
      return std::make_pair(split, AffineMap::get(numLoops, 0, outer, ctx));
    };
    auto lhs = factor(mul.getLhs());
    auto rhs = factor(mul.getRhs());
    if (!lhs || !rhs || (inputOf(g, mul.getLhs()) && inputOf(g, mul.getRhs())))
      return {};
    SmallVector<AffineMap> maps = {lhs->second, rhs->second,
                                   g.getIndexingMapsArray().back()};
    auto clean = linalg::GenericOp::create(
        rewriter, loc, TypeRange{g.getResult(0).getType()},
        ValueRange{lhs->first, rhs->first},
        ValueRange{g.getDpsInitOperand(0)->get()}, maps,
        g.getIteratorTypesArray(),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value p = arith::MulFOp::create(b, l, args[0], args[1]);
          Value sum = arith::AddFOp::create(b, l, args[2], p);
          linalg::YieldOp::create(b, l, sum);
        });
    shadowed.insert(g);
    originalOf[clean] = g;
    return clean.getResult(0);
  }

  /// A contraction in the form elementwise fusion leaves it, rebuilt as
  /// the plain batched product the matcher reads.
  struct NormalizedProduct {
    /// The plain product, [batch.., M, N] with at most two batch loops.
    linalg::GenericOp op;
    /// Its result reshaped to the original product's layout.
    tensor::ExpandShapeOp restored;
  };
  /// The op each normalized product stands for, and the value equal to it.
  DenseMap<Operation *, std::pair<Operation *, Value>> restoredOf;

  /// Rebuilds the product defining `v` when the matcher refuses it for its
  /// form only:
  /// - a factor computed in its body (a scale fused into Q K^T) is split
  ///   off into an elementwise generic on the operand (unfuseContraction);
  /// - batch loops of size 1 are dropped;
  /// - a batch loop that one operand does not read (GQA's head repetition
  ///   fused into the product: K/V lack the group loop) is folded into the
  ///   batch loop before it, and that operand broadcast along it
  ///   explicitly, which the GQA search then sees through;
  /// - more than `maxBatch` (at most two) batch loops: the leading ones are
  ///   folded into one.
  /// The output must be [batch.., M, N] with one reduction loop K and
  /// static loop ranges. The original is shadowed; its value equals
  /// `restored`. Returns nullopt when nothing needs rebuilding or the form
  /// is not one of these.
  std::optional<NormalizedProduct> normalizeProduct(Value v,
                                                    size_t maxBatch = 2) {
    // A collapse of the product's result (fusion's unit dimensions
    // dropped): equal to the plain product when it has the same shape.
    auto through = v.getDefiningOp<tensor::CollapseShapeOp>();
    if (through)
      v = through.getSrc();
    auto op = v.getDefiningOp<linalg::GenericOp>();
    if (!op || op.getNumResults() != 1 || op.getNumDpsInputs() < 2 ||
        op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics() ||
        op.getNumReductionLoops() != 1 || !hasStaticLoops(op))
      return std::nullopt;
    linalg::GenericOp clean = op;
    if (op.getNumDpsInputs() != 2 || !linalg::isaContractionOpInterface(op)) {
      int budget = 64;
      Value split = unfuseContraction(op, budget);
      clean = split ? split.getDefiningOp<linalg::GenericOp>() : nullptr;
      if (!clean || !linalg::isaContractionOpInterface(clean))
        return std::nullopt;
    }
    SmallVector<int64_t> ranges = clean.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic) ||
        !llvm::all_of(clean.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(); }))
      return std::nullopt;
    AffineMap outMap = clean.getMatchingIndexingMap(clean.getDpsInitOperand(0));
    unsigned rank = outMap.getNumResults();
    if (rank < 2 || rank + 1 != clean.getNumLoops())
      return std::nullopt;
    MLIRContext *ctx = op.getContext();
    auto holds = [&](OpOperand *o, unsigned loop) {
      return clean.getMatchingIndexingMap(o)
          .getResultPosition(getAffineDimExpr(loop, ctx))
          .has_value();
    };
    unsigned kLoop = 0;
    for (auto [d, it] : llvm::enumerate(clean.getIteratorTypesArray()))
      if (it == utils::IteratorType::reduction)
        kLoop = d;
    // N: the last output loop of size > 1 (fusion leaves unit loops after
    // it), held by one input (the N side); M: the last one of the other
    // input alone, preferring size > 1 (Lq may be 1).
    auto lastWhere =
        [&](llvm::function_ref<bool(unsigned)> pred) -> std::optional<int> {
      for (int r = rank - 1; r >= 0; --r)
        if (pred(outMap.getDimPosition(r)))
          return r;
      return std::nullopt;
    };
    std::optional<int> nAt =
        lastWhere([&](unsigned l) { return ranges[l] != 1; });
    if (!nAt)
      return std::nullopt;
    unsigned nLoop = outMap.getDimPosition(*nAt);
    OpOperand *lhs = clean.getDpsInputOperand(0);
    OpOperand *rhs = clean.getDpsInputOperand(1);
    if (!holds(rhs, nLoop))
      std::swap(lhs, rhs);
    if (!holds(rhs, nLoop) || holds(lhs, nLoop) || !holds(lhs, kLoop) ||
        !holds(rhs, kLoop))
      return std::nullopt;
    auto mSide = [&](unsigned l) { return holds(lhs, l) && !holds(rhs, l); };
    std::optional<int> mAt =
        lastWhere([&](unsigned l) { return mSide(l) && ranges[l] != 1; });
    if (!mAt || *mAt > *nAt)
      mAt = lastWhere([&](unsigned l) { return mSide(l) && l != nLoop; });
    if (!mAt || *mAt > *nAt)
      return std::nullopt;
    unsigned mLoop = outMap.getDimPosition(*mAt);
    // Batch loops in output order, grouped; unit loops dropped. Every
    // batch loop of size > 1 comes before M.
    SmallVector<SmallVector<unsigned>> groups;
    bool changed = clean != op || through || *nAt != int(rank) - 1 ||
                   *mAt != int(rank) - 2;
    for (int r = 0; r < int(rank); ++r) {
      unsigned loop = outMap.getDimPosition(r);
      if (loop == mLoop || loop == nLoop)
        continue;
      if (ranges[loop] == 1) {
        changed = true;
        continue;
      }
      if (r > *mAt)
        return std::nullopt;
      bool both = holds(lhs, loop) && holds(rhs, loop);
      if (!holds(lhs, loop) && !holds(rhs, loop))
        return std::nullopt;
      if (!both) {
        if (groups.empty())
          return std::nullopt;
        groups.back().push_back(loop);
        changed = true;
        continue;
      }
      groups.push_back({loop});
    }
    while (groups.size() > std::max<size_t>(maxBatch, 1)) {
      llvm::append_range(groups[0], groups[1]);
      groups.erase(groups.begin() + 1);
      changed = true;
    }
    if (!changed)
      return std::nullopt;
    // Folded sizes that overflow (hostile shapes) are not rebuilt.
    for (ArrayRef<unsigned> group : groups) {
      int64_t size = 1;
      for (unsigned loop : group)
        if (llvm::MulOverflow(size, ranges[loop], size))
          return std::nullopt;
    }

    Location loc = op.getLoc();
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(op);
    // The operand `o` laid out as [groups.., a, b], each group folded into
    // one dimension: a collapse where the order already is that, else a
    // transposing (and broadcasting) copy first.
    auto layoutOf = [&](Value x, AffineMap map, unsigned a,
                        unsigned b) -> Value {
      SmallVector<unsigned> order;
      SmallVector<ReassociationIndices> fold;
      SmallVector<int64_t> folded;
      for (ArrayRef<unsigned> group : groups) {
        fold.emplace_back();
        folded.push_back(1);
        for (unsigned loop : group) {
          fold.back().push_back(order.size());
          order.push_back(loop);
          folded.back() *= ranges[loop];
        }
      }
      for (unsigned loop : {a, b}) {
        fold.push_back({int64_t(order.size())});
        order.push_back(loop);
        folded.push_back(ranges[loop]);
      }
      auto type = cast<RankedTensorType>(x.getType());
      SmallVector<unsigned> present, wanted;
      for (unsigned r = 0; r < map.getNumResults(); ++r)
        if (type.getDimSize(r) != 1)
          present.push_back(map.getDimPosition(r));
      for (unsigned loop : order)
        if (ranges[loop] != 1)
          wanted.push_back(loop);
      if (present == wanted) {
        if (type.getShape() == ArrayRef<int64_t>(folded))
          return x;
        if (std::optional<SmallVector<ReassociationIndices>> re =
                regroup(type.getShape(), folded))
          return tensor::CollapseShapeOp::create(
              rewriter, loc,
              RankedTensorType::get(folded, type.getElementType()), x, *re);
      }
      SmallVector<AffineExpr> reads;
      for (unsigned r = 0; r < map.getNumResults(); ++r) {
        const unsigned *at = llvm::find(order, map.getDimPosition(r));
        reads.push_back(at == order.end()
                            ? getAffineConstantExpr(0, ctx)
                            : getAffineDimExpr(at - order.begin(), ctx));
      }
      SmallVector<int64_t> shape;
      for (unsigned loop : order)
        shape.push_back(ranges[loop]);
      Value init =
          tensor::EmptyOp::create(rewriter, loc, shape, type.getElementType());
      x = linalg::GenericOp::create(
              rewriter, loc, TypeRange{init.getType()}, ValueRange{x},
              ValueRange{init},
              {AffineMap::get(order.size(), 0, reads, ctx),
               rewriter.getMultiDimIdentityMap(order.size())},
              SmallVector<utils::IteratorType>(order.size(),
                                               utils::IteratorType::parallel),
              [&](OpBuilder &bb, Location l, ValueRange args) {
                linalg::YieldOp::create(bb, l, args[0]);
              })
              .getResult(0);
      if (fold.size() == order.size())
        return x;
      return tensor::CollapseShapeOp::create(rewriter, loc, x, fold);
    };
    // A constant factor read through a transposing map (what
    // unfuseContraction makes of SDPA's sqrt(scale) fused into the
    // product) is laid out from its input and applied after, element by
    // element, where the scale peeling and the GQA search see it.
    auto layout = [&](OpOperand *o, unsigned a, unsigned b) -> Value {
      AffineMap map = clean.getMatchingIndexingMap(o);
      auto factor = o->get().getDefiningOp<linalg::GenericOp>();
      if (!factor || !isPermutedScaling(factor))
        return layoutOf(o->get(), map, a, b);
      Value x = layoutOf(factor.getDpsInputOperand(0)->get(),
                         factor.getIndexingMapsArray()[0].compose(map), a, b);
      auto type = cast<RankedTensorType>(x.getType());
      Value init = emptyPermuted(rewriter, loc, x, {}, type.getElementType());
      AffineMap identity = rewriter.getMultiDimIdentityMap(type.getRank());
      return linalg::GenericOp::create(
                 rewriter, loc, TypeRange{type}, ValueRange{x},
                 ValueRange{init}, {identity, identity},
                 SmallVector<utils::IteratorType>(
                     type.getRank(), utils::IteratorType::parallel),
                 [&](OpBuilder &bb, Location l, ValueRange args) {
                   IRMapping mapping;
                   mapping.map(factor.getBody()->getArgument(0), args[0]);
                   for (Operation &inner :
                        factor.getBody()->without_terminator())
                     bb.clone(inner, mapping);
                   linalg::YieldOp::create(
                       bb, l,
                       mapping.lookup(
                           factor.getBody()->getTerminator()->getOperand(0)));
                 })
          .getResult(0);
    };
    // The output (and its init) in order already: a collapse.
    auto outType = cast<RankedTensorType>(clean.getResult(0).getType());
    SmallVector<int64_t> outFolded;
    for (ArrayRef<unsigned> group : groups) {
      outFolded.push_back(1);
      for (unsigned loop : group)
        outFolded.back() *= ranges[loop];
    }
    outFolded.append({ranges[mLoop], ranges[nLoop]});
    std::optional<SmallVector<ReassociationIndices>> outRe =
        regroup(outType.getShape(), outFolded);
    if (!outRe || (through && through.getResultType().getShape() !=
                                  ArrayRef<int64_t>(outFolded)))
      return std::nullopt;
    Value lhsValue = layout(lhs, mLoop, kLoop);
    Value rhsValue = layout(rhs, kLoop, nLoop);
    Value init = tensor::CollapseShapeOp::create(
        rewriter, loc,
        RankedTensorType::get(outFolded, outType.getElementType()),
        clean.getDpsInitOperand(0)->get(), *outRe);
    unsigned nb = groups.size();
    auto dims = [&](std::initializer_list<unsigned> tail) {
      SmallVector<AffineExpr> e;
      for (unsigned d = 0; d < nb; ++d)
        e.push_back(getAffineDimExpr(d, ctx));
      for (unsigned t : tail)
        e.push_back(getAffineDimExpr(nb + t, ctx));
      return AffineMap::get(nb + 3, 0, e, ctx);
    };
    SmallVector<utils::IteratorType> iters(nb + 2,
                                           utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    // The body of the plain product, its block arguments renumbered.
    auto product = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()},
        ValueRange{lhsValue, rhsValue}, ValueRange{init},
        {dims({0, 2}), dims({2, 1}), dims({0, 1})}, iters,
        [&](OpBuilder &bb, Location l, ValueRange args) {
          IRMapping mapping;
          mapping.map(clean.getMatchingBlockArgument(lhs), args[0]);
          mapping.map(clean.getMatchingBlockArgument(rhs), args[1]);
          mapping.map(
              clean.getMatchingBlockArgument(clean.getDpsInitOperand(0)),
              args[2]);
          for (Operation &inner : clean.getBody()->without_terminator())
            bb.clone(inner, mapping);
          linalg::YieldOp::create(
              bb, l,
              mapping.lookup(clean.getBody()->getTerminator()->getOperand(0)));
        });
    auto restored = tensor::ExpandShapeOp::create(rewriter, loc, outType,
                                                  product.getResult(0), *outRe);
    shadowed.insert(op);
    if (clean != op)
      shadowed.insert(clean);
    if (through)
      shadowed.insert(through);
    restoredOf[product] = {op, restored.getResult()};
    return NormalizedProduct{product, restored};
  }

  /// The product of the weights `p` (read through `pUse`) with the values,
  /// rebuilt by normalizeProduct: `pv`, `p` and `pUse` then refer to the
  /// plain product, and the ops that lay the weights out for it join
  /// `ops`.
  LogicalResult normalizeWeightsProduct(Value &p, OpOperand *&pUse,
                                        FailureOr<Contraction> &pv,
                                        SmallVectorImpl<Operation *> &ops,
                                        size_t maxBatch = 2) {
    Operation *user = pUse->getOwner();
    if (user->getNumResults() != 1)
      return failure();
    std::optional<NormalizedProduct> plain =
        normalizeProduct(user->getResult(0), maxBatch);
    if (!plain)
      return failure();
    std::string why;
    FailureOr<Contraction> c = matchContraction(plain->op.getResult(0), why);
    if (failed(c))
      return failure();
    // The weights reach the plain product through the collapse or copy
    // normalizeProduct laid them out with.
    Value w = c->lhs->get();
    SmallVector<Operation *> layoutOps;
    while (w != p) {
      Operation *def = w.getDefiningOp();
      if (!def || def->getNumOperands() == 0 || !w.hasOneUse() ||
          layoutOps.size() > 2)
        return failure();
      layoutOps.push_back(def);
      w = isa<linalg::GenericOp>(def)
              ? cast<linalg::GenericOp>(def).getDpsInputOperand(0)->get()
              : def->getOperand(0);
    }
    ops.append(layoutOps.rbegin(), layoutOps.rend());
    pv = c;
    pUse = c->lhs;
    p = pUse->get();
    return success();
  }

  /// Whether `g` multiplies (or divides) its one input, read through a
  /// permutation, by a compile-time constant (constantFactorOf).
  static bool isPermutedScaling(linalg::GenericOp g) {
    if (g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
        !allParallel(g) || !g.getIndexingMapsArray()[1].isIdentity() ||
        !g.getIndexingMapsArray()[0].isPermutation() ||
        !g.getMatchingBlockArgument(g.getDpsInitOperand(0)).use_empty())
      return false;
    // The body is cloned after the new layout: no loop indices, no effects.
    for (Operation &op : g.getBody()->without_terminator())
      if (op.getNumRegions() != 0 || isa<linalg::IndexOp>(op) ||
          !isMemoryEffectFree(&op))
        return false;
    return constantFactorOf(g).has_value();
  }

  /// The reassociation that collapses `from` into `to` (the same non-unit
  /// sizes, grouped), if there is one.
  static std::optional<SmallVector<ReassociationIndices>>
  regroup(ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
    SmallVector<ReassociationIndices> re(to.size());
    size_t j = 0;
    int64_t product = 1;
    for (int64_t d = 0; d < int64_t(from.size()); ++d) {
      if (j == to.size()) {
        if (from[d] != 1 || re.empty())
          return std::nullopt;
        re.back().push_back(d);
        continue;
      }
      re[j].push_back(d);
      product *= from[d];
      if (product == to[j]) {
        ++j;
        product = 1;
      } else if (product > to[j]) {
        return std::nullopt;
      }
    }
    if (j != to.size() || llvm::any_of(re, [](const ReassociationIndices &g) {
          return g.empty();
        }))
      return std::nullopt;
    return re;
  }

  /// Uses this attempt moved from a value to an equal one (`hoistBroadcast`),
  /// moved back when it fails.
  SmallVector<std::pair<Value, Value>> movedUses;

  /// K or V computed by an elementwise generic that fusion merged with the
  /// head repetition (repeat_kv's broadcast fused into RoPE): a loop that no
  /// input reads, so the result repeats along it. The generic is split into
  /// the computation over the other loops and a broadcast copy along it,
  /// which the GQA search sees through; the original's uses move to the
  /// copy. Looks through data movement (reshapes, transposes) and constant
  /// factors between `v` and the generic.
  void hoistBroadcast(Value v) {
    for (int depth = 0; depth < 8 && v; ++depth) {
      Operation *def = v.getDefiningOp();
      if (isa_and_nonnull<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
                          linalg::TransposeOp>(def)) {
        v = def->getOperand(0);
        continue;
      }
      // A constant factor (SDPA's sqrt(scale) on K) between the repetition
      // and the contraction: the GQA search walks through it too.
      if (std::optional<std::pair<Value, double>> scaled = matchScaling(v)) {
        v = scaled->first;
        continue;
      }
      auto g = dyn_cast_or_null<linalg::GenericOp>(def);
      if (!g || !isElementwise(g) || g.getNumResults() != 1 ||
          !g.getMatchingBlockArgument(g.getDpsInitOperand(0)).use_empty())
        return;
      // Loop sizes may be dynamic (a cache's length): a dynamic loop that no
      // input reads is repeated along like a static one.
      SmallVector<int64_t> ranges = g.getStaticLoopRanges();
      unsigned numLoops = g.getNumLoops();
      llvm::SmallBitVector read(numLoops);
      for (OpOperand *in : g.getDpsInputOperands())
        for (AffineExpr e : g.getMatchingIndexingMap(in).getResults())
          if (auto d = dyn_cast<AffineDimExpr>(e))
            read.set(d.getPosition());
      g.getBody()->walk(
          [&](linalg::IndexOp index) { read.set(index.getDim()); });
      // A pure copy already is a broadcast; otherwise every loop is read
      // except the repeated ones.
      bool copy = llvm::all_of(g.getBody()->without_terminator(),
                               [](Operation &) { return false; });
      SmallVector<unsigned> kept;
      for (unsigned d = 0; d < numLoops; ++d)
        if (read.test(d) || ranges[d] == 1)
          kept.push_back(d);
      if (copy || kept.size() == numLoops)
        return;
      MLIRContext *ctx = g.getContext();
      Location loc = g.getLoc();
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(g);
      // The output is indexed by the loops (isElementwise): the new
      // tensors take its sizes, those of the kept loops for the computation.
      Value out = g.getDpsInits()[0];
      SmallVector<AffineExpr> replacement(numLoops,
                                          getAffineConstantExpr(0, ctx));
      SmallVector<AffineExpr> keptDims;
      for (auto [k, d] : llvm::enumerate(kept)) {
        replacement[d] = getAffineDimExpr(k, ctx);
        keptDims.push_back(getAffineDimExpr(d, ctx));
      }
      SmallVector<AffineMap> maps;
      for (OpOperand *in : g.getDpsInputOperands())
        maps.push_back(g.getMatchingIndexingMap(in).replaceDimsAndSymbols(
            replacement, {}, kept.size(), 0));
      maps.push_back(rewriter.getMultiDimIdentityMap(kept.size()));
      Type element = getElementTypeOrSelf(g.getResult(0).getType());
      SmallVector<int64_t> keptLoops(kept.begin(), kept.end());
      Value init = emptyPermuted(rewriter, loc, out, keptLoops, element);
      SmallVector<utils::IteratorType> parallel(kept.size(),
                                                utils::IteratorType::parallel);
      auto compute = linalg::GenericOp::create(
          rewriter, loc, TypeRange{init.getType()}, g.getDpsInputs(),
          ValueRange{init}, maps, parallel,
          [&](OpBuilder &b, Location l, ValueRange args) {
            IRMapping mapping;
            for (auto [arg, value] :
                 llvm::zip(g.getBody()->getArguments(), args))
              mapping.map(arg, value);
            for (Operation &op : g.getBody()->without_terminator()) {
              if (auto index = dyn_cast<linalg::IndexOp>(op)) {
                unsigned k = llvm::find(kept, index.getDim()) - kept.begin();
                mapping.map(index.getResult(),
                            linalg::IndexOp::create(b, l, k).getResult());
                continue;
              }
              b.clone(op, mapping);
            }
            linalg::YieldOp::create(
                b, l,
                mapping.lookup(g.getBody()->getTerminator()->getOperand(0)));
          });
      Value full = emptyPermuted(rewriter, loc, out, {}, element);
      auto broadcast = linalg::GenericOp::create(
          rewriter, loc, TypeRange{full.getType()},
          ValueRange{compute.getResult(0)}, ValueRange{full},
          {AffineMap::get(numLoops, 0, keptDims, ctx),
           rewriter.getMultiDimIdentityMap(numLoops)},
          SmallVector<utils::IteratorType>(numLoops,
                                           utils::IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) {
            linalg::YieldOp::create(b, l, args[0]);
          });
      rewriter.replaceAllUsesWith(g.getResult(0), broadcast.getResult(0));
      movedUses.push_back({g.getResult(0), broadcast.getResult(0)});
      shadowed.insert(g);
      return;
    }
  }

  /// Records the ops a raise attempt creates, so that a failed attempt
  /// leaves the IR as it found it.
  struct Recorder : RewriterBase::Listener {
    SmallVector<Operation *> ops;
    void notifyOperationInserted(Operation *op,
                                 OpBuilder::InsertPoint) override {
      ops.push_back(op);
    }
  } recorder;

  /// Erases what the failed attempt created (outermost ops, once unused).
  void rollBack() {
    for (auto [original, copy] : llvm::reverse(movedUses))
      rewriter.replaceAllUsesWith(copy, original);
    movedUses.clear();
    DenseSet<Operation *> all(recorder.ops.begin(), recorder.ops.end());
    SmallVector<Operation *> top;
    for (Operation *op : recorder.ops)
      if (!all.contains(op->getParentOp()))
        top.push_back(op);
    recorder.ops.clear();
    bool progress = true;
    while (progress) {
      progress = false;
      for (Operation *&op : llvm::reverse(top))
        if (op && op->use_empty()) {
          rewriter.eraseOp(op);
          op = nullptr;
          progress = true;
        }
    }
  }

  /// Why each anchor that was not raised failed, in order.
  SmallVector<std::string> reasons;

  LogicalResult fail(Operation *at, const Twine &why) {
    rollBack();
    reasons.push_back(why.str());
    if (explain)
      at->emitRemark() << "softmax not raised: " << why;
    return failure();
  }

  /// not(c), elementwise.
  Value negateMask(Value cond, Location loc) {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointAfterValue(cond);
    auto type = cast<RankedTensorType>(cond.getType());
    Value init = emptyPermuted(rewriter, loc, cond, {}, type.getElementType());
    auto map = rewriter.getMultiDimIdentityMap(type.getRank());
    SmallVector<utils::IteratorType> iters(type.getRank(),
                                           utils::IteratorType::parallel);
    return linalg::GenericOp::create(
               rewriter, loc, TypeRange{type}, ValueRange{cond},
               ValueRange{init}, ArrayRef<AffineMap>{map, map}, iters,
               [&](OpBuilder &b, Location l, ValueRange args) {
                 Value one =
                     arith::ConstantOp::create(b, l, b.getBoolAttr(true));
                 linalg::YieldOp::create(
                     b, l,
                     ValueRange{arith::XOrIOp::create(b, l, args[0], one)});
               })
        .getResult(0);
  }

  /// Whether `reshape` (expand_shape or collapse_shape) only regroups the
  /// leading dimensions: the last two (Lq, Lk) are groups of their own.
  static bool keepsRows(Operation *reshape) {
    auto rankOf = [](Value v) {
      return cast<ShapedType>(v.getType()).getRank();
    };
    return keepsTrailingDims(reshape, 2) &&
           std::max(rankOf(reshape->getResult(0)),
                    rankOf(reshape->getOperand(0))) >= 3;
  }

  /// `v`, broadcastable to the input of `reshape`, made broadcastable to its
  /// result: reshaped along, with a broadcast materialised where a group
  /// mixes broadcast and full dimensions. Static shapes only.
  FailureOr<Value> reshapeBroadcastable(Value v, Operation *reshape,
                                        Location loc) {
    auto srcType = cast<RankedTensorType>(reshape->getOperand(0).getType());
    auto resType = cast<RankedTensorType>(reshape->getResult(0).getType());
    if (!srcType.hasStaticShape() || !resType.hasStaticShape())
      return failure();
    auto type = cast<RankedTensorType>(v.getType());
    int64_t n = srcType.getRank();
    if (type.getRank() > n || !type.hasStaticShape())
      return failure();
    // Leading unit dimensions up to the input's rank.
    if (type.getRank() < n) {
      SmallVector<int64_t> shape(n - type.getRank(), 1);
      llvm::append_range(shape, type.getShape());
      SmallVector<ReassociationIndices> re;
      if (type.getRank() > 0) {
        int64_t lead = n - type.getRank();
        re.push_back({});
        for (int64_t d = 0; d <= lead; ++d)
          re.back().push_back(d);
        for (int64_t d = lead + 1; d < n; ++d)
          re.push_back({d});
      }
      v = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()), v,
          re);
      type = cast<RankedTensorType>(v.getType());
    }
    for (int64_t d = 0; d < n; ++d)
      if (type.getDimSize(d) != 1 &&
          type.getDimSize(d) != srcType.getDimSize(d))
        return failure();
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(reshape)) {
      SmallVector<int64_t> shape;
      for (auto [d, group] : llvm::enumerate(expand.getReassociationIndices()))
        for (int64_t r : group)
          shape.push_back(type.getDimSize(d) == 1 ? 1 : resType.getDimSize(r));
      return tensor::ExpandShapeOp::create(
                 rewriter, loc,
                 RankedTensorType::get(shape, type.getElementType()), v,
                 expand.getReassociationIndices())
          .getResult();
    }
    auto collapse = cast<tensor::CollapseShapeOp>(reshape);
    SmallVector<ReassociationIndices> re = collapse.getReassociationIndices();
    bool mixed = llvm::any_of(re, [&](const ReassociationIndices &group) {
      bool anyFull = false, anyBroadcast = false;
      for (int64_t d : group) {
        anyFull |= srcType.getDimSize(d) != 1 && type.getDimSize(d) != 1;
        anyBroadcast |= srcType.getDimSize(d) != 1 && type.getDimSize(d) == 1;
      }
      return anyFull && anyBroadcast;
    });
    if (mixed) {
      // Broadcast to the whole input shape, then collapse exactly.
      MLIRContext *ctx = rewriter.getContext();
      SmallVector<AffineExpr> reads;
      for (int64_t d = 0; d < n; ++d)
        reads.push_back(type.getDimSize(d) == 1 && srcType.getDimSize(d) != 1
                            ? getAffineConstantExpr(0, ctx)
                            : getAffineDimExpr(d, ctx));
      Value init = tensor::EmptyOp::create(rewriter, loc, srcType.getShape(),
                                           type.getElementType());
      SmallVector<AffineMap> maps = {AffineMap::get(n, 0, reads, ctx),
                                     rewriter.getMultiDimIdentityMap(n)};
      SmallVector<utils::IteratorType> iters(n, utils::IteratorType::parallel);
      v = linalg::GenericOp::create(
              rewriter, loc, TypeRange{init.getType()}, ValueRange{v},
              ValueRange{init}, maps, iters,
              [](OpBuilder &b, Location l, ValueRange args) {
                linalg::YieldOp::create(b, l, ValueRange{args[0]});
              })
              .getResult(0);
      type = cast<RankedTensorType>(v.getType());
    }
    SmallVector<int64_t> shape;
    for (const ReassociationIndices &group : re) {
      int64_t size = 1;
      for (int64_t d : group)
        size *= type.getDimSize(d);
      shape.push_back(size);
    }
    return tensor::CollapseShapeOp::create(
               rewriter, loc,
               RankedTensorType::get(shape, type.getElementType()), v, re)
        .getResult();
  }

  /// A bias or mask found below the reshapes `reshapes` (nearest the softmax
  /// first) in the layout of the logits the softmax reads.
  FailureOr<Value> toLogitsLayout(Value v, ArrayRef<Operation *> reshapes,
                                  Location loc) {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointAfterValue(v);
    for (Operation *reshape : llvm::reverse(reshapes)) {
      FailureOr<Value> next = reshapeBroadcastable(v, reshape, loc);
      if (failed(next))
        return failure();
      v = *next;
    }
    return v;
  }

  /// The sum of additive biases, broadcast numpy-style to a common shape.
  FailureOr<Value> sumBiases(ArrayRef<Value> biases, Location loc) {
    if (biases.size() == 1)
      return biases.front();
    Type element = getElementTypeOrSelf(biases.front().getType());
    int64_t rank = 0;
    for (Value b : biases) {
      if (getElementTypeOrSelf(b.getType()) != element)
        return failure();
      rank = std::max(rank, cast<RankedTensorType>(b.getType()).getRank());
    }
    SmallVector<int64_t> shape(rank, 1);
    for (Value b : biases) {
      auto t = cast<RankedTensorType>(b.getType());
      for (int64_t d = 0; d < t.getRank(); ++d) {
        int64_t &out = shape[rank - t.getRank() + d];
        int64_t size = t.getDimSize(d);
        if (ShapedType::isDynamic(size))
          return failure();
        if (size != 1 && out != 1 && size != out)
          return failure();
        out = std::max(out, size);
      }
    }
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineMap> maps;
    for (Value b : biases) {
      auto t = cast<RankedTensorType>(b.getType());
      SmallVector<AffineExpr> results;
      for (int64_t d = 0; d < t.getRank(); ++d) {
        int64_t loop = rank - t.getRank() + d;
        results.push_back(t.getDimSize(d) == 1 && shape[loop] != 1
                              ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(loop, ctx));
      }
      maps.push_back(AffineMap::get(rank, 0, results, ctx));
    }
    maps.push_back(rewriter.getMultiDimIdentityMap(rank));
    Value init = tensor::EmptyOp::create(rewriter, loc, shape, element);
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    return linalg::GenericOp::create(
               rewriter, loc, TypeRange{init.getType()}, biases,
               ValueRange{init}, maps, iters,
               [&](OpBuilder &b, Location l, ValueRange args) {
                 Value acc = args[0];
                 for (Value arg : args.drop_front().drop_back())
                   acc = arith::AddFOp::create(b, l, acc, arg);
                 linalg::YieldOp::create(b, l, ValueRange{acc});
               })
        .getResult(0);
  }

  /// Whether `v` reaches a contraction through reshapes and elementwise
  /// generics (reading it element by element). Each value is visited once
  /// and at most 64 are, so hostile IR costs linear time.
  /// Whether `v` is the result of a generic that sums products over one
  /// reduction loop (`acc + a * b`, a factor possibly computed in the
  /// body): what normalizeProduct may rebuild as a plain contraction.
  static bool isProductSum(Value v) {
    auto g = v.getDefiningOp<linalg::GenericOp>();
    if (!g || g.getNumResults() != 1 || g.getNumDpsInputs() < 2 ||
        g.getNumReductionLoops() != 1)
      return false;
    auto add = yielded(g).getDefiningOp<arith::AddFOp>();
    BlockArgument acc = g.getMatchingBlockArgument(g.getDpsInitOperand(0));
    if (!add || add->getBlock() != g.getBody())
      return false;
    Value other = add.getLhs() == acc   ? add.getRhs()
                  : add.getRhs() == acc ? add.getLhs()
                                        : Value();
    return other && other.getDefiningOp<arith::MulFOp>();
  }

  bool leadsToContraction(Value v) {
    std::string why;
    SmallVector<Value> work = {v};
    DenseSet<Value> seen;
    while (!work.empty() && seen.size() < 64) {
      Value x = work.pop_back_val();
      if (!x || !seen.insert(x).second)
        continue;
      if (succeeded(matchContraction(x, why)) || isProductSum(x))
        return true;
      Operation *def = x.getDefiningOp();
      if (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
              def)) {
        work.push_back(def->getOperand(0));
        continue;
      }
      auto g = dyn_cast_or_null<linalg::GenericOp>(def);
      if (!g || !isElementwise(g))
        continue;
      for (OpOperand *in : g.getDpsInputOperands())
        if (g.getMatchingIndexingMap(in).isIdentity())
          work.push_back(in->get());
    }
    return false;
  }

  /// The input of the elementwise generic `g` on the logits that carries
  /// them (read element by element, leading back to Q K^T), when exactly
  /// one does and `g` can be copied into a score_mod region: a body of
  /// side-effect-free ops without regions, an unused output, other inputs
  /// read through projected permutations or constant indices.
  OpOperand *scoreModInput(linalg::GenericOp g) {
    if (g.getNumResults() != 1 ||
        !g.getMatchingBlockArgument(g.getDpsInitOperand(0)).use_empty())
      return nullptr;
    OpOperand *chain = nullptr;
    for (OpOperand *in : g.getDpsInputOperands()) {
      AffineMap map = g.getMatchingIndexingMap(in);
      if (map.isIdentity() && in->get().getType() == g.getResult(0).getType() &&
          leadsToContraction(in->get())) {
        if (chain)
          return nullptr;
        chain = in;
        continue;
      }
      for (AffineExpr e : map.getResults())
        if (!isa<AffineDimExpr, AffineConstantExpr>(e))
          return nullptr;
    }
    for (Operation &op : g.getBody()->without_terminator())
      if (op.getNumRegions() != 0 ||
          (!isa<linalg::IndexOp>(op) && !isMemoryEffectFree(&op)))
        return nullptr;
    return chain;
  }

  /// Whether each of `modOps` runs on [lead.., Lq, Lk] scores whose static
  /// leading dimensions hold `rows` = B * Hq (b, h) pairs in row-major
  /// order: what the raised op's (b, h) index into.
  static bool scoreModLayoutsFit(ArrayRef<linalg::GenericOp> modOps,
                                 int64_t rows) {
    return llvm::all_of(modOps, [&](linalg::GenericOp g) {
      auto type = cast<RankedTensorType>(g.getResult(0).getType());
      if (type.getRank() < 2)
        return false;
      int64_t product = 1;
      for (int64_t d = 0; d + 2 < type.getRank(); ++d) {
        if (type.isDynamicDim(d))
          return false;
        product *= type.getDimSize(d);
      }
      return product == rows;
    });
  }

  /// Builds the score_mod region of `op` from `modOps` (elementwise generics
  /// on the logits, nearest the softmax first; see scoreModLayoutsFit): the
  /// innermost one is applied first. Each generic's leading loops are the
  /// op's b * Hq + h delinearized over its own leading dimensions (reshapes
  /// of the scores regroup only those), its last two the region's i and j.
  void buildScoreMod(AttentionOp op, ArrayRef<linalg::GenericOp> modOps) {
    OpBuilder::InsertionGuard guard(rewriter);
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type(), index = rewriter.getIndexType();
    Block *block = rewriter.createBlock(&op.getScoreMod(), {},
                                        {f32, index, index, index, index},
                                        SmallVector<Location>(5, loc));
    Value bIdx = block->getArgument(1), hIdx = block->getArgument(2),
          iIdx = block->getArgument(3), jIdx = block->getArgument(4);
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
    };
    int64_t hq = op.getQueryType().getDimSize(1);
    auto loopsOf = [&](linalg::GenericOp g) {
      auto type = cast<RankedTensorType>(g.getResult(0).getType());
      int64_t lead = type.getRank() - 2;
      SmallVector<Value> loops(lead);
      // Heads innermost (the usual [.., H, Lq, Lk]): h, and b over the
      // rest; otherwise the row b * Hq + h over all of them.
      Value rest;
      if (lead >= 1 && type.getDimSize(lead - 1) == hq) {
        loops[--lead] = hIdx;
        rest = bIdx;
      } else {
        rest = arith::AddIOp::create(
            rewriter, loc, arith::MulIOp::create(rewriter, loc, bIdx, cst(hq)),
            hIdx);
      }
      for (int64_t d = lead - 1; d >= 0; --d) {
        if (d == 0) {
          loops[d] = rest;
          break;
        }
        Value size = cst(type.getDimSize(d));
        loops[d] = arith::RemUIOp::create(rewriter, loc, rest, size);
        rest = arith::DivUIOp::create(rewriter, loc, rest, size);
      }
      loops.append({iIdx, jIdx});
      return loops;
    };
    auto convert = [&](Value v, Type to) -> Value {
      Type from = v.getType();
      if (from == to)
        return v;
      if (cast<FloatType>(from).getWidth() < cast<FloatType>(to).getWidth())
        return arith::ExtFOp::create(rewriter, loc, to, v);
      return arith::TruncFOp::create(rewriter, loc, to, v);
    };
    Value cur = block->getArgument(0);
    for (linalg::GenericOp g : llvm::reverse(modOps)) {
      OpOperand *chain = scoreModInput(g);
      SmallVector<Value> loops = loopsOf(g);
      IRMapping mapping;
      for (OpOperand *in : g.getDpsInputOperands()) {
        BlockArgument arg = g.getMatchingBlockArgument(in);
        if (in == chain) {
          mapping.map(arg, convert(cur, arg.getType()));
          continue;
        }
        SmallVector<Value> at;
        for (AffineExpr e : g.getMatchingIndexingMap(in).getResults()) {
          if (auto d = dyn_cast<AffineDimExpr>(e))
            at.push_back(loops[d.getPosition()]);
          else
            at.push_back(arith::ConstantIndexOp::create(
                rewriter, loc, cast<AffineConstantExpr>(e).getValue()));
        }
        mapping.map(arg,
                    tensor::ExtractOp::create(rewriter, loc, in->get(), at));
      }
      for (Operation &inner : g.getBody()->without_terminator()) {
        if (auto idx = dyn_cast<linalg::IndexOp>(inner)) {
          mapping.map(idx.getResult(), loops[idx.getDim()]);
          continue;
        }
        rewriter.clone(inner, mapping);
      }
      cur = mapping.lookupOrDefault(yielded(g));
    }
    YieldOp::create(rewriter, loc, convert(cur, f32));
  }

  /// Raises the attention whose softmax produces `p`.
  LogicalResult raise(Value p, Operation *anchor) {
    recorder.ops.clear();
    shadowed.clear();
    originalOf.clear();
    restoredOf.clear();
    movedUses.clear();
    rewriter.setListener(&recorder);
    llvm::scope_exit detach([&] { rewriter.setListener(nullptr); });
    Location loc0 = anchor->getLoc();
    std::string why;
    if (auto fused = dyn_cast<linalg::GenericOp>(anchor);
        fused && isFusedSoftmaxProduct(fused)) {
      int budget = 64;
      Value clean = unfuseContraction(fused, budget);
      if (!clean)
        return fail(anchor, "the softmax's division is fused into a product "
                            "that is not `acc + a * b` over static loops");
      // The division among the generics now computing the weights.
      p = Value();
      SmallVector<Value> work(
          clean.getDefiningOp()->getOperands().take_front(2));
      for (unsigned i = 0; i < work.size() && i < 16 && !p; ++i) {
        auto g = work[i].getDefiningOp<linalg::GenericOp>();
        if (!g || !isElementwise(g))
          continue;
        if (isSoftmaxDivision(g))
          p = work[i];
        else
          for (OpOperand *in : g.getDpsInputOperands())
            work.push_back(in->get());
      }
      if (!p)
        return fail(anchor, "no softmax division among the operands of the "
                            "product it is fused into");
    }
    FailureOr<SoftmaxMatch> softmax = matchSoftmax(p, why);
    if (failed(softmax))
      return fail(anchor, why);
    // The softmax's own reads of the logits' row source (the maximum's
    // regrouping) are not uses the logits chain has to account for.
    if (softmax->rowSource)
      for (Operation *user : softmax->rowSource.getUsers())
        if (llvm::is_contained(softmax->ops, user))
          shadowed.insert(user);

    // The weights feed exactly one contraction over the keys.
    // SDPA's safe softmax: rows whose logits are all -inf become 0 (which is
    // what attn.attention gives a row with no visible key).
    if (p.hasOneUse())
      if (auto safe = dyn_cast<linalg::GenericOp>(*p.getUsers().begin()))
        if (Value q =
                matchSafeSoftmaxGuard(safe, p, softmax->logits, softmax->ops))
          p = q;

    // A shift the model applied itself before the softmax's own,
    // x - rowmax(x), changes nothing.
    softmax->logits = peelRowShift(softmax->logits, softmax->ops);
    // Learned sinks (gpt-oss): the softmax runs over the scores with one
    // column per row appended, and that column is sliced off the weights.
    Value sinkColumn;
    SmallVector<Operation *> concatOps;
    if (std::optional<std::pair<Value, Value>> parts =
            matchColumnAppended(softmax->logits, concatOps)) {
      {
        Value scores = parts->first;
        auto slice =
            p.hasOneUse()
                ? dyn_cast<tensor::ExtractSliceOp>(*p.getUsers().begin())
                : nullptr;
        if (!slice || slice.getResultType() != scores.getType() ||
            !llvm::all_of(slice.getStaticOffsets(),
                          [](int64_t o) { return o == 0; }) ||
            !llvm::all_of(slice.getStaticStrides(),
                          [](int64_t t) { return t == 1; }))
          return fail(anchor, "a column is appended to the logits but the "
                              "weights are not the slice without it");
        sinkColumn = parts->second;
        softmax->ops.append(concatOps.begin(), concatOps.end());
        softmax->ops.push_back(slice);
        p = slice.getResult();
        softmax->logits = scores;
      }
    }

    // Fused elementwise generics on the logits: one op per generic. The
    // logits the softmax reads then have copies; the originals must still
    // be read by the softmax alone.
    Value fusedLogits = softmax->logits;
    {
      DenseMap<Value, Value> memo;
      int budget = 64;
      softmax->logits = unfuse(softmax->logits, memo, budget, /*root=*/true);
    }

    // Everything the softmax computes stays inside it.
    DenseSet<Operation *> inside(softmax->ops.begin(), softmax->ops.end());
    for (Operation *op : softmax->ops)
      for (Operation *user : op->getUsers())
        if (op->getResult(0) != p && !inside.contains(user) &&
            !shadowed.contains(user))
          return fail(anchor, "an intermediate of the softmax has another "
                              "user");
    for (Value logits : {softmax->logits, fusedLogits})
      for (Operation *user : logits.getUsers())
        if (!inside.contains(user) && !shadowed.contains(user))
          return fail(anchor, "the logits have a user outside the softmax (" +
                                  user->getName().getStringRef() + ")");

    if (!p.hasOneUse())
      return fail(anchor, "the softmax result has more than one user");
    // Weights computed in f32 from f16/bf16 logits are truncated back
    // before the product with the values.
    if (auto trunc = dyn_cast<linalg::GenericOp>(*p.getUsers().begin())) {
      Operation *t = isElementwise(trunc) && trunc.getNumDpsInputs() == 1
                         ? yielded(trunc).getDefiningOp()
                         : nullptr;
      if (t && isa<arith::TruncFOp>(t) && inputOf(trunc, t->getOperand(0)) &&
          trunc.getIndexingMapsArray()[0].isIdentity()) {
        softmax->ops.push_back(trunc);
        p = trunc.getResult(0);
        if (!p.hasOneUse())
          return fail(anchor, "the softmax result has more than one user");
      }
    }
    // Softmax on B x H x Lq x Lk, product on (B * H) x Lq x Lk.
    if (auto collapse =
            dyn_cast<tensor::CollapseShapeOp>(*p.getUsers().begin())) {
      SmallVector<ReassociationIndices> re = collapse.getReassociationIndices();
      if (collapse.getSrcType().getRank() == 4 && re.size() == 3 &&
          re[0].size() == 2) {
        softmax->ops.push_back(collapse);
        p = collapse.getResult();
        if (!p.hasOneUse())
          return fail(anchor, "the softmax result has more than one user");
      }
    }
    // Reshapes of the leading dimensions between the weights and the
    // product (fusion regroups heads around a fused repetition of K/V).
    while (p.hasOneUse() &&
           isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
               *p.getUsers().begin()) &&
           keepsRows(*p.getUsers().begin())) {
      Operation *reshape = *p.getUsers().begin();
      softmax->ops.push_back(reshape);
      p = reshape->getResult(0);
    }
    if (!p.hasOneUse())
      return fail(anchor, "the softmax result has more than one user");
    OpOperand *pUse = &*p.getUses().begin();
    FailureOr<Contraction> pv = matchContraction(
        pUse->getOwner()->getNumResults() == 1 ? pUse->getOwner()->getResult(0)
                                               : Value(),
        why);
    if (failed(pv))
      (void)normalizeWeightsProduct(p, pUse, pv, softmax->ops);
    if (failed(pv))
      return fail(anchor, "weights: " + (why == "not a contraction"
                                             ? "their user is not a contraction"
                                             : why));
    if (pv->lhs != pUse)
      return fail(anchor, "the weights are not the M side of the product "
                          "with the values");

    // Logits chain: bias additions, then scaling, back to Q K^T.
    Value x = softmax->logits;
    double scale = 1.0;
    bool scaled = false;
    // c of c * tanh(s / c) (Gemma 2's logit softcapping).
    std::optional<double> softcap;
    Value mask;
    // Additive biases, summed into one; each already in the layout of the
    // scores the softmax reads.
    SmallVector<Value> biases;
    SmallVector<Operation *> chain;
    // (B, H) when the chain runs on B x H x Lq x Lk scores that an
    // expand_shape made out of a (B * H) x Lq x Lk product.
    std::optional<std::pair<int64_t, int64_t>> splitHeads;
    // Reshapes of the leading (batch) dimensions walked through, nearest
    // the softmax first (Swin regroups windows around its shift mask).
    SmallVector<Operation *> reshapes;
    // Pointwise generics on the logits that map to no attribute, and every
    // generic between them and the softmax: the score_mod region (SPEC
    // section 2.1), applied after scale, softcap and bias. Nearest the
    // softmax first.
    SmallVector<linalg::GenericOp> modOps;
    size_t modEnd = 0;  // chain[0, modEnd) is in modOps
    std::string modWhy; // why the first of them is not an attribute
    // -inf masks hide a pair whatever its logit, so they stay masks even
    // above ops that go into the region.
    DenseSet<Operation *> maskOps;
    auto absorb = [&](linalg::GenericOp g) -> OpOperand * {
      OpOperand *in = scoreModInput(g);
      if (!in)
        return nullptr;
      // Reshapes of the leading dimensions between them only renumber the
      // rows (see buildScoreMod).
      for (size_t c = modEnd; c < chain.size(); ++c) {
        if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(chain[c]) ||
            maskOps.contains(chain[c]))
          continue;
        auto above = dyn_cast<linalg::GenericOp>(chain[c]);
        if (!above || !scoreModInput(above))
          return nullptr;
        modOps.push_back(above);
      }
      modOps.push_back(g);
      chain.push_back(g);
      modEnd = chain.size();
      // What was read above now runs inside the region.
      scale = 1.0;
      scaled = false;
      softcap.reset();
      biases.clear();
      return in;
    };
    while (true) {
      if (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
              x.getDefiningOp())) {
        Operation *reshape = x.getDefiningOp();
        if (!keepsRows(reshape) || (!hasOneLiveUse(x) && x != softmax->logits))
          break;
        if (auto expand = dyn_cast<tensor::ExpandShapeOp>(reshape)) {
          auto type = expand.getResultType();
          // The product's (B * H) split into (B, H).
          if (!splitHeads && type.getRank() == 4 &&
              expand.getSrcType().getRank() == 3)
            splitHeads = {type.getDimSize(0), type.getDimSize(1)};
        }
        reshapes.push_back(reshape);
        chain.push_back(reshape);
        x = reshape->getOperand(0);
        continue;
      }
      auto g = x.getDefiningOp<linalg::GenericOp>();
      if (!g || !isElementwise(g))
        break;
      if (!hasOneLiveUse(x) && x != softmax->logits)
        return fail(anchor, "an intermediate of the logits has another user");
      // A form no attribute holds: into the score_mod region.
      auto modify = [&](const Twine &why) {
        OpOperand *in = absorb(g);
        if (!in)
          return false;
        x = in->get();
        if (modWhy.empty())
          modWhy = why.str();
        return true;
      };
      Operation *body = yielded(g).getDefiningOp();
      if (!body || body->getBlock() != g.getBody()) {
        if (modify("a generic on the logits yields a value it does not "
                   "compute"))
          continue;
        break;
      }
      // Below a score modification a bias or mask stays in the region: the
      // model modified the biased logits, -inf included, which the op's
      // bias and mask operands would hide whatever the modification gives.
      if (!modOps.empty() && isa<arith::AddFOp, arith::SelectOp>(body)) {
        if (modify("a bias or mask below a score modification"))
          continue;
        return fail(anchor, "a bias or mask below a score modification "
                            "cannot be copied into its region");
      }
      // f16/bf16 scores upcast to f32 for the softmax: the op accumulates
      // in f32 anyway.
      if (isa<arith::ExtFOp>(body) && g.getNumDpsInputs() == 1 &&
          inputOf(g, body->getOperand(0)) &&
          g.getIndexingMapsArray()[0].isIdentity()) {
        chain.push_back(g);
        x = g.getDpsInputOperand(0)->get();
        continue;
      }
      if (isa<math::TanhOp>(body)) {
        // c * tanh(f * s): softcap c, and the factors below the tanh times c
        // are the scale, since softcap(scale * s) = c * tanh(scale * s / c).
        OpOperand *in = inputOf(g, body->getOperand(0));
        if (!in || g.getNumDpsInputs() != 1 ||
            !g.getMatchingIndexingMap(in).isIdentity()) {
          if (modify("a tanh on the logits does not read them "
                     "element by element"))
            continue;
          return fail(anchor, "a tanh on the logits does not read them "
                              "element by element");
        }
        if (softcap || !(scale > 0.0) || !std::isfinite(scale)) {
          if (modify(softcap ? "more than one tanh on the logits"
                             : "the factor outside the tanh on the logits "
                               "is not positive, so it is not a softcap"))
            continue;
          return fail(anchor, softcap
                                  ? "more than one tanh on the logits"
                                  : "the factor outside the tanh on the logits "
                                    "is not positive, so it is not a softcap");
        }
        softcap = scale;
        scale = 1.0;
        chain.push_back(g);
        x = in->get();
        continue;
      }
      if (isa<arith::MulFOp, arith::DivFOp>(body)) {
        OpOperand *in = inputOf(g, body->getOperand(0));
        std::optional<double> c = getScalarConstant(g, body->getOperand(1));
        if (!c && isa<arith::MulFOp>(body)) {
          in = inputOf(g, body->getOperand(1));
          c = getScalarConstant(g, body->getOperand(0));
        }
        if (!in || !c || !g.getMatchingIndexingMap(in).isIdentity()) {
          const char *why =
              in && c ? "a factor on the logits does not read them element "
                        "by element"
                      : "the logits are scaled by a value that is not a "
                        "compile-time constant";
          if (modify(why))
            continue;
          return fail(anchor, why);
        }
        scale *= isa<arith::DivFOp>(body) ? 1.0 / *c : *c;
        scaled = true;
        chain.push_back(g);
        x = in->get();
        continue;
      }
      unsigned rank = g.getNumLoops();
      if (isa<arith::AddFOp>(body)) {
        OpOperand *a = inputOf(g, body->getOperand(0));
        OpOperand *b = inputOf(g, body->getOperand(1));
        if (!a != !b) {
          // s + c with a compile-time c: nothing when c is 0 (what
          // torch-mlir makes of T5's all-zero cross-attention position
          // bias); otherwise a score modification.
          OpOperand *in = a ? a : b;
          std::optional<double> c =
              getScalarConstant(g, body->getOperand(a ? 1 : 0));
          if (c && *c == 0.0 && g.getMatchingIndexingMap(in).isIdentity()) {
            chain.push_back(g);
            x = in->get();
            continue;
          }
          if (modify("the logits add a value that is not a tensor"))
            continue;
        }
        if (!a || !b)
          return fail(anchor, "the logits add something that is not a tensor");
        // The chain operand is read with the identity map; the bias is the
        // other one, broadcast numpy-style over leading dimensions.
        if (!g.getMatchingIndexingMap(a).isIdentity())
          std::swap(a, b);
        if (!g.getMatchingIndexingMap(a).isIdentity() ||
            !isBroadcastRead(g.getMatchingIndexingMap(b), rank, b->get()) ||
            softcap || scaled) {
          if (modify(softcap  ? "a bias is added inside the softcap's tanh"
                     : scaled ? "the logits are scaled after the bias was "
                                "added"
                              : "the bias is not broadcast over leading "
                                "dimensions of the scores"))
            continue;
          return fail(anchor,
                      softcap  ? "a bias is added inside the softcap's tanh"
                      : scaled ? "the logits are scaled after the bias was "
                                 "added"
                               : "the bias is not broadcast over leading "
                                 "dimensions of the scores");
        }
        FailureOr<Value> lifted = toLogitsLayout(b->get(), reshapes, loc0);
        if (failed(lifted))
          return fail(anchor, "a bias added before a reshape of the scores "
                              "does not reshape with them");
        biases.push_back(*lifted);
        chain.push_back(g);
        x = a->get();
        continue;
      }
      if (auto select = dyn_cast<arith::SelectOp>(body)) {
        // select(c, x, -inf) is a mask; select(c, x, lowest) a bias of 0 /
        // lowest, exact while |x| < 2^103 (then x + lowest rounds to lowest).
        // select(c, -inf, x) (masked_fill) is the mask not(c).
        OpOperand *c = inputOf(g, select.getCondition());
        OpOperand *a = inputOf(g, select.getTrueValue());
        std::optional<double> fill =
            getScalarConstant(g, select.getFalseValue());
        bool negated = false;
        if (!a || !fill) {
          a = inputOf(g, select.getFalseValue());
          fill = getScalarConstant(g, select.getTrueValue());
          negated = true;
        }
        if (!c || !a || !fill || !g.getMatchingIndexingMap(a).isIdentity() ||
            !isBroadcastRead(g.getMatchingIndexingMap(c), rank, c->get())) {
          if (modify("a select on the logits is not (mask, logits, "
                     "constant)"))
            continue;
          return fail(anchor, "a select on the logits is not (mask, logits, "
                              "constant)");
        }
        auto type = cast<FloatType>(getElementTypeOrSelf(x.getType()));
        double lowest =
            -APFloat::getLargest(type.getFloatSemantics()).convertToDouble();
        if (softcap || scaled) {
          if (modify(softcap ? "a mask is applied inside the softcap's tanh"
                             : "the logits are scaled after the mask was "
                               "applied"))
            continue;
          return fail(anchor,
                      softcap ? "a mask is applied inside the softcap's tanh"
                              : "the logits are scaled after the mask was "
                                "applied");
        }
        if (*fill == -std::numeric_limits<double>::infinity()) {
          if (mask)
            return fail(anchor, "more than one mask");
          Value m = negated ? negateMask(c->get(), g.getLoc()) : c->get();
          FailureOr<Value> lifted = toLogitsLayout(m, reshapes, loc0);
          if (failed(lifted))
            return fail(anchor, "a mask applied before a reshape of the "
                                "scores does not reshape with them");
          mask = *lifted;
          maskOps.insert(g);
        } else if (*fill == lowest) {
          FailureOr<Value> lifted = toLogitsLayout(
              maskToBias(c->get(), type, lowest, g.getLoc(), negated), reshapes,
              loc0);
          if (failed(lifted))
            return fail(anchor, "a mask applied before a reshape of the "
                                "scores does not reshape with them");
          biases.push_back(*lifted);
        } else {
          if (modify("a select fills the logits with a value that "
                     "is neither -inf nor the lowest float"))
            continue;
          return fail(anchor, "a select fills the logits with a value that "
                              "is neither -inf nor the lowest float");
        }
        chain.push_back(g);
        x = a->get();
        continue;
      }
      if (modify("'" + body->getName().getStringRef() +
                 "' on the logits maps to no attribute"))
        continue;
      break;
    }
    FailureOr<Contraction> qk = matchContraction(x, why);
    if (failed(qk) || qk->dims.batch.size() != pv->dims.batch.size())
      if (std::optional<NormalizedProduct> plain =
              normalizeProduct(x, pv->dims.batch.size())) {
        chain.push_back(plain->restored);
        x = plain->op.getResult(0);
        qk = matchContraction(x, why);
      }
    if (succeeded(qk) && qk->dims.batch.size() != pv->dims.batch.size() &&
        succeeded(normalizeWeightsProduct(p, pUse, pv, softmax->ops,
                                          qk->dims.batch.size())) &&
        qk->dims.batch.size() != pv->dims.batch.size())
      return fail(anchor, "the two products have different batch ranks");
    // Batch loops that group differently (heads split as (KV head, group)
    // in one product and whole in the other): both with one batch loop.
    if (succeeded(qk) && batchSizes(*qk) != batchSizes(*pv)) {
      if (std::optional<NormalizedProduct> plain = normalizeProduct(x, 1)) {
        chain.push_back(plain->restored);
        x = plain->op.getResult(0);
        qk = matchContraction(x, why);
      }
      if (succeeded(qk) && batchSizes(*qk) != batchSizes(*pv))
        (void)normalizeWeightsProduct(p, pUse, pv, softmax->ops, 1);
    }
    if (failed(qk))
      return fail(anchor, "logits: " + (why == "not a contraction"
                                            ? "they do not come from a "
                                              "contraction"
                                            : why));
    if (!hasOneLiveUse(x))
      return fail(anchor, "the product Q K^T has another user");

    // The softmax runs over the key loop of Q K^T, which the output map
    // must put last.
    AffineMap qkOut =
        qk->op.getMatchingIndexingMap(qk->op.getDpsInitOperand(0));
    unsigned lastPos = qkOut.getNumResults() - 1;
    if (qkOut.getDimPosition(lastPos) != qk->dims.n[0] ||
        qkOut.getDimPosition(lastPos - 1) != qk->dims.m[0])
      return fail(anchor, "the softmax is not over the key dimension of Q K^T");
    // P V contracts P's last dimension (keys) and keeps its rows.
    AffineMap pvP = pv->op.getMatchingIndexingMap(pv->lhs);
    if (pvP.getDimPosition(pvP.getNumResults() - 1) != pv->dims.k[0] ||
        pvP.getDimPosition(pvP.getNumResults() - 2) != pv->dims.m[0])
      return fail(anchor, "the product with the values does not contract the "
                          "key dimension of the weights");
    if (qk->dims.batch.size() != pv->dims.batch.size())
      return fail(anchor, "the two products have different batch ranks");
    // Batch loops of both products in the order of the score tensor.
    SmallVector<unsigned> qkBatch, pvBatch;
    for (unsigned r = 0; r + 2 < qkOut.getNumResults(); ++r)
      qkBatch.push_back(qkOut.getDimPosition(r));
    for (unsigned r = 0; r + 2 < pvP.getNumResults(); ++r)
      pvBatch.push_back(pvP.getDimPosition(r));
    auto samePermutation = [](ArrayRef<unsigned> a, ArrayRef<unsigned> b) {
      return a.size() == b.size() &&
             std::is_permutation(a.begin(), a.end(), b.begin());
    };
    if (!samePermutation(qkBatch, qk->dims.batch) ||
        !samePermutation(pvBatch, pv->dims.batch))
      return fail(anchor, "the score tensor is not [batch.., Lq, Lk]");

    // The bias must not depend on the attention itself (nor on Q, K, V:
    // then the rewrite would still be exact, but it is not attention).
    SmallVector<Value> extras(biases);
    if (mask)
      extras.push_back(mask);
    for (linalg::GenericOp g : modOps) {
      OpOperand *chainIn = scoreModInput(g);
      for (OpOperand *in : g.getDpsInputOperands())
        if (in != chainIn)
          extras.push_back(in->get());
    }
    for (Value extra : extras) {
      SetVector<Operation *> slice;
      BackwardSliceOptions options;
      options.inclusive = true;
      if (Operation *def = extra.getDefiningOp())
        (void)getBackwardSlice(def, &slice, options);
      for (Value operand : {qk->lhs->get(), qk->rhs->get(), pv->rhs->get()})
        if (Operation *def = operand.getDefiningOp();
            (def && slice.contains(def)) ||
            llvm::any_of(slice, [&](Operation *op) {
              return llvm::is_contained(op->getOperands(), operand);
            }))
          return fail(anchor, "the bias or mask depends on Q, K or V");
    }

    Location loc = pv->op.getLoc();
    rewriter.setInsertionPoint(pv->op);
    Value bias;
    if (!biases.empty()) {
      FailureOr<Value> sum = sumBiases(biases, loc);
      if (failed(sum))
        return fail(anchor, "the additive biases do not broadcast to one "
                            "static shape of one element type");
      bias = *sum;
    }
    SmallVector<unsigned> qLoops(qkBatch), kLoops(qkBatch), vLoops(pvBatch);
    qLoops.append({qk->dims.m[0], qk->dims.k[0]});
    kLoops.append({qk->dims.n[0], qk->dims.k[0]});
    vLoops.append({pv->dims.k[0], pv->dims.n[0]});
    Value q = arrange(qk->op, qk->lhs, qLoops, loc);
    Value k = arrange(qk->op, qk->rhs, kLoops, loc);
    Value v = arrange(pv->op, pv->rhs, vLoops, loc);
    for (Value t : {q, k, v}) {
      Type e = cast<RankedTensorType>(t.getType()).getElementType();
      if (!e.isF32() && !e.isF16() && !e.isBF16())
        return fail(anchor, "Q, K and V must be f32, f16 or bf16");
    }
    std::optional<std::pair<int64_t, int64_t>> heads =
        qk->dims.batch.size() == 1 ? commonHeads({q, k, v}) : std::nullopt;
    // Batch and heads folded into one dimension (any batch size, or
    // windows as batch): the split the scores get is the split of Q, K, V.
    if (!heads && splitHeads && qk->dims.batch.size() == 1 &&
        !ShapedType::isDynamic(splitHeads->first) &&
        !ShapedType::isDynamic(splitHeads->second))
      heads = splitHeads;
    // Head repetition fused into the computation of K or V.
    hoistBroadcast(k);
    hoistBroadcast(v);
    q = to4D(q, loc, heads);
    k = to4D(k, loc, heads);
    v = to4D(v, loc, heads);
    // Constant factors on Q and K join the scale (SDPA's decomposition
    // scales both by sqrt(scale)); repeated K/V heads become GQA.
    PeeledOperand qp = peelOperand(q, /*heads=*/false, /*scaling=*/true);
    repeatedOtherwise = false;
    PeeledOperand kp = peelOperand(k, /*heads=*/true, /*scaling=*/true);
    PeeledOperand vp = peelOperand(v, /*heads=*/true, /*scaling=*/false);
    if (kp.heads != vp.heads) {
      kp = peelOperand(k, /*heads=*/false, /*scaling=*/true);
      vp = {v,
            1.0,
            {0, 1, 2, 3},
            cast<RankedTensorType>(v.getType()).getDimSize(1)};
    }
    if (explain &&
        kp.heads == cast<RankedTensorType>(k.getType()).getDimSize(1) &&
        repeatedOtherwise)
      anchor->emitRemark()
          << "K/V heads are repeated, but query head h does not read head "
             "h / n (grouped-query attention): the op reads all "
          << kp.heads << " repeated heads";
    // With dynamic sizes, an operand that only a reshape through one
    // dimension would bring to [B, H, L, D] is taken as it is.
    for (auto [peeled, x] :
         {std::pair(&qp, q), std::pair(&kp, k), std::pair(&vp, v)})
      if (!materializable(*peeled, x))
        *peeled = {x,
                   1.0,
                   {0, 1, 2, 3},
                   cast<RankedTensorType>(x.getType()).getDimSize(1)};
    if (kp.heads != vp.heads)
      return fail(anchor, "K and V repeat their heads differently, and "
                          "their dynamic shapes cannot be regrouped");
    q = materialize(qp, q, loc);
    k = materialize(kp, k, loc);
    v = materialize(vp, v, loc);
    scale *= qp.factor * kp.factor;
    if (softcap)
      scale *= *softcap;
    // Bias and mask are [.., Lq, Lk] suffixes of the score layout; a
    // collapsed (B * H) dimension is split again.
    if (splitHeads && (bias || mask)) {
      // Bias and mask were found on the 4-D scores: they broadcast as they
      // are, provided Q, K, V split into the same (B, H).
      if (heads ? *heads != *splitHeads : splitHeads->first != 1)
        return fail(anchor, "the heads of the scores and of Q, K, V differ");
      if (!heads && (bias || mask))
        for (Value extra : {bias, mask})
          if (extra && cast<RankedTensorType>(extra.getType()).getRank() == 4 &&
              cast<RankedTensorType>(extra.getType()).getDimSize(0) != 1)
            return fail(anchor, "a per-batch bias or mask without heads");
    }
    for (Value *extra : {&bias, &mask}) {
      if (!*extra || splitHeads)
        continue;
      auto bt = cast<RankedTensorType>(extra->getType());
      if (extra == &bias && !bt.getElementType().isF32() &&
          !bt.getElementType().isF16() && !bt.getElementType().isBF16())
        return fail(anchor, "the bias must be f32, f16 or bf16");
      if (bt.getRank() == 3 && qk->dims.batch.size() == 1) {
        if (!heads && bt.getDimSize(0) != 1) {
          *extra = to4D(*extra, loc, heads);
          continue;
        }
        int64_t b0 = heads ? heads->first : 1, h0 = heads ? heads->second : 1;
        if (bt.getDimSize(0) == 1)
          b0 = h0 = 1;
        SmallVector<int64_t> shape = {b0, h0, bt.getDimSize(1),
                                      bt.getDimSize(2)};
        *extra = tensor::ExpandShapeOp::create(
            rewriter, loc, RankedTensorType::get(shape, bt.getElementType()),
            *extra, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
      } else if (bt.getRank() > 4) {
        return fail(anchor, "the bias or mask has more than 4 dimensions");
      }
    }
    auto qType = cast<RankedTensorType>(q.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    Type resultElement =
        cast<RankedTensorType>(pv->op->getResult(0).getType()).getElementType();
    auto resultType =
        RankedTensorType::get({qType.getDimSize(0), qType.getDimSize(1),
                               qType.getDimSize(2), vType.getDimSize(3)},
                              resultElement);
    if (resultElement != qType.getElementType())
      return fail(anchor, "the result type differs from the query type");
    // The sink column holds one logit per head: the [H] tensor it is
    // broadcast from.
    Value sink;
    NormalizerAttrInterface normalizer;
    if (sinkColumn) {
      auto colType = cast<RankedTensorType>(sinkColumn.getType());
      int64_t h =
          colType.getRank() == 4 ? colType.getDimSize(1) : ShapedType::kDynamic;
      auto identity = [](int64_t i) { return i; };
      int64_t budget = int64_t(1) << 24;
      // A tensor of H values (its other dimensions of size 1) whose value
      // at head h is the column's value at every (b, h, i).
      auto headDim = [&](Value t) -> std::optional<unsigned> {
        auto tt = dyn_cast<RankedTensorType>(t.getType());
        if (!tt || !tt.hasStaticShape() || tt.getNumElements() != h)
          return std::nullopt;
        for (unsigned d = 0; d < tt.getRank(); ++d)
          if (tt.getDimSize(d) == h)
            return d;
        return std::nullopt;
      };
      std::optional<IndexView> perHead =
          ShapedType::isDynamic(h)
              ? std::nullopt
              : traceBack(sinkColumn, [&](const IndexView &view) {
                  std::optional<unsigned> d = headDim(view.value);
                  return d && resultIs(view, *d, 1, colType.getShape(),
                                       identity, /*identity=*/false, &budget);
                });
      if (!perHead)
        return fail(anchor, "the column appended to the logits is not one "
                            "value per head (a learned sink)");
      sink = perHead->value;
      auto sinkType = cast<RankedTensorType>(sink.getType());
      if (sinkType.getRank() != 1) {
        ReassociationIndices all;
        for (int64_t d = 0; d < sinkType.getRank(); ++d)
          all.push_back(d);
        sink = tensor::CollapseShapeOp::create(
            rewriter, loc, sink, SmallVector<ReassociationIndices>{all});
      }
      normalizer = SoftmaxAttr::get(rewriter.getContext(), SinkKind::learned);
    }
    auto attention = AttentionOp::create(
        rewriter, loc, resultType, /*lse=*/Type(), q, k, v, bias, mask, sink,
        /*q_offset=*/Value(),
        rewriter.getF32FloatAttr(static_cast<float>(scale)),
        PatternAttrInterface(), normalizer,
        softcap ? rewriter.getF32FloatAttr(static_cast<float>(*softcap))
                : FloatAttr(),
        IntegerAttr());
    if (!modOps.empty()) {
      int64_t rows = qType.getDimSize(0) * qType.getDimSize(1);
      if (qType.isDynamicDim(0) || qType.isDynamicDim(1) ||
          !scoreModLayoutsFit(modOps, rows))
        return fail(anchor, "the scores the score modification reads do not "
                            "hold the B x Hq rows of the raised op in "
                            "static leading dimensions");
      buildScoreMod(attention, modOps);
    }
    bool valid;
    std::string verifierSays;
    {
      // A shape combination the op rejects: the verifier's message goes
      // into the remark instead of becoming an error.
      ::attn::CapturedDiagnostics quiet(rewriter.getContext());
      valid = succeeded(mlir::verify(attention));
      verifierSays = quiet.getFirst();
    }
    if (!valid)
      return fail(anchor,
                  "the raised op would not verify (" + verifierSays + ")");
    if (explain && !modOps.empty())
      anchor->emitRemark() << "raised with a score_mod region of "
                           << modOps.size() << " generic(s): " << modWhy;

    // Back to the layout of the P V result.
    Value out = attention.getResult();
    auto pvType = cast<RankedTensorType>(pv->op->getResult(0).getType());
    AffineMap pvOut =
        pv->op.getMatchingIndexingMap(pv->op.getDpsInitOperand(0));
    SmallVector<unsigned> canonical(pvBatch);
    canonical.append({pv->dims.m[0], pv->dims.n[0]});
    if (pvType.getRank() != 4) {
      SmallVector<int64_t> shape;
      for (unsigned loop : canonical)
        shape.push_back(pvType.getDimSize(*pvOut.getResultPosition(
            getAffineDimExpr(loop, rewriter.getContext()))));
      out = collapseFrom4D(rewriter, loc, out,
                           RankedTensorType::get(shape, resultElement));
    }
    SmallVector<int64_t> perm;
    for (unsigned r = 0; r < pvOut.getNumResults(); ++r)
      perm.push_back(llvm::find(canonical, pvOut.getDimPosition(r)) -
                     canonical.begin());
    if (!llvm::equal(perm, llvm::seq<int64_t>(0, perm.size()))) {
      Value init = emptyPermuted(rewriter, loc, out, perm, resultElement);
      out = linalg::TransposeOp::create(rewriter, loc, out, init, perm)
                .getResult()[0];
    }
    erased.insert(pv->op);
    // A product copied out of a fused one: the fused one's users read the
    // attention now.
    // A product rebuilt by normalizeProduct: the one it stands for (and the
    // fused one that stands behind that) now read its restored layout.
    auto [normalized, restored] = restoredOf.lookup(pv->op);
    for (Operation *original = normalized ? normalized : pv->op.getOperation();
         (original = originalOf.lookup(original));)
      rewriter.replaceAllUsesWith(original->getResult(0),
                                  restored ? restored : out);
    if (normalized)
      rewriter.replaceAllUsesWith(normalized->getResult(0), restored);
    rewriter.replaceOp(pv->op, out);

    // The softmax, the logits chain and Q K^T are dead now.
    SmallVector<Operation *> dead(softmax->ops.begin(), softmax->ops.end());
    dead.append(shadowed.begin(), shadowed.end());
    dead.append(chain.begin(), chain.end());
    dead.push_back(qk->op);
    bool progress = true;
    while (progress) {
      progress = false;
      for (Operation *&op : dead)
        if (op && op->use_empty()) {
          erased.insert(op);
          rewriter.eraseOp(op);
          op = nullptr;
          progress = true;
        }
    }
    return success();
  }
};

/// torch-mlir's fused attention (`tm_tensor.attention ins(q, k, v[, mask])
/// outs(init)` on (B * H) x L x D; torch-mlir only forms it when the scale is
/// 1/sqrt(D), the attn.attention default), read as an unregistered op.
/// An i1 mask stays a mask, a float mask is an additive bias.
LogicalResult raiseTmTensorAttention(RewriterBase &rewriter, Operation *op,
                                     bool explain,
                                     SmallVectorImpl<std::string> &reasons) {
  auto fail = [&](const Twine &why) {
    if (explain)
      op->emitRemark() << "tm_tensor.attention not raised: " << why;
    reasons.push_back(("tm_tensor.attention: " + why).str());
    return failure();
  };
  unsigned numInputs = op->getNumOperands() - 1;
  if (auto segments =
          op->getAttrOfType<DenseI32ArrayAttr>("operandSegmentSizes")) {
    if (segments.size() != 2 || segments[1] != 1)
      return fail("expected one outs operand");
    numInputs = segments[0];
  }
  if (op->getNumResults() != 1 || (numInputs != 3 && numInputs != 4) ||
      op->getNumOperands() != numInputs + 1)
    return fail("expected ins(query, key, value[, mask]) outs(init) and one "
                "result");
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  SmallVector<Value> qkv(op->getOperands().take_front(3));
  for (Value v : qkv) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || type.getRank() < 2 || type.getRank() > 4)
      return fail("query, key and value must be ranked tensors of rank 2-4");
  }
  if (!resultType)
    return fail("the result must be a ranked tensor");
  Location loc = op->getLoc();
  rewriter.setInsertionPoint(op);
  auto to4D = [&](Value v) { return expandTo4D(rewriter, loc, v); };
  Value q = to4D(qkv[0]), k = to4D(qkv[1]), v = to4D(qkv[2]);
  Value bias, mask;
  if (numInputs == 4) {
    Value m = op->getOperand(3);
    auto mt = dyn_cast<RankedTensorType>(m.getType());
    if (!mt || mt.getRank() > 4)
      return fail("the mask must be a ranked tensor of rank <= 4");
    // The (B * H) x Lq x Lk mask broadcasts like the scores, so it becomes
    // [1, B * H, Lq, Lk] along with Q, K and V.
    Value m4 = mt.getRank() == 3 ? to4D(m) : m;
    if (mt.getElementType().isInteger(1))
      mask = m4;
    else
      bias = m4;
  }
  auto qType = cast<RankedTensorType>(q.getType());
  auto vType = cast<RankedTensorType>(v.getType());
  auto type4 = RankedTensorType::get({qType.getDimSize(0), qType.getDimSize(1),
                                      qType.getDimSize(2), vType.getDimSize(3)},
                                     resultType.getElementType());
  auto attention = AttentionOp::create(
      rewriter, loc, type4, /*lse=*/Type(), q, k, v, bias, mask,
      /*sink=*/Value(),
      /*q_offset=*/Value(), FloatAttr(), PatternAttrInterface(),
      NormalizerAttrInterface(), FloatAttr(), IntegerAttr());
  bool valid;
  {
    ::attn::CapturedDiagnostics quiet(rewriter.getContext());
    valid = succeeded(mlir::verify(attention));
  }
  if (!valid) {
    // Remove the op and the reshapes made for it.
    SmallVector<Value> operands(attention->getOperands());
    rewriter.eraseOp(attention);
    for (Value operand : operands)
      if (Operation *def = operand.getDefiningOp();
          def && isa<tensor::ExpandShapeOp>(def) && def->use_empty())
        rewriter.eraseOp(def);
    return fail("the operands do not form a valid attn.attention");
  }
  Value out = collapseFrom4D(rewriter, loc, attention.getResult(), resultType);
  if (out.getType() != resultType)
    return fail("the result shape does not match");
  rewriter.replaceOp(op, out);
  return success();
}

struct AttnRaisePass : mlir::attn::impl::AttnRaisePassBase<AttnRaisePass> {
  using Base::Base;
  ATTN_PASS_OPTION_ERRORS

  void runOnOperation() override {
    // Anchors: every linalg.softmax and every generic that could end a
    // decomposed one (a division or product whose operand is a row sum).
    SmallVector<Operation *> anchors, whole;
    getOperation().walk([&](Operation *op) {
      if (op->getName().getStringRef() == "tm_tensor.attention") {
        whole.push_back(op);
        return;
      }
      if (isa<linalg::SoftmaxOp>(op)) {
        anchors.push_back(op);
        return;
      }
      auto g = dyn_cast<linalg::GenericOp>(op);
      if (g && (isSoftmaxDivision(g) || isFusedSoftmaxProduct(g)))
        anchors.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    Raiser raiser{rewriter, explain, {}};
    int64_t raised = 0, notRaised = 0;
    for (Operation *op : whole) {
      if (succeeded(
              raiseTmTensorAttention(rewriter, op, explain, raiser.reasons)))
        ++raised;
      else
        ++notRaised;
    }
    for (Operation *anchor : anchors) {
      if (raiser.erased.contains(anchor))
        continue;
      if (succeeded(raiser.raise(anchor->getResult(0), anchor)))
        ++raised;
      else
        ++notRaised;
    }
    if (explain && raised + notRaised > 0) {
      // Reasons by count, most frequent first (ties in first-seen order).
      SmallVector<std::pair<std::string, int64_t>> counts;
      for (const std::string &why : raiser.reasons) {
        auto it =
            llvm::find_if(counts, [&](auto &c) { return c.first == why; });
        if (it == counts.end())
          counts.push_back({why, 1});
        else
          ++it->second;
      }
      llvm::stable_sort(counts,
                        [](auto &a, auto &b) { return a.second > b.second; });
      InFlightDiagnostic remark = getOperation().emitRemark();
      remark << "attn-raise summary: " << raised + notRaised
             << " softmax candidates, " << raised << " raised, " << notRaised
             << " not raised";
      for (auto &[why, count] : counts)
        remark << "; " << count << " x " << why;
    }
    numRaised += raised;
    numNotRaised += notRaised;
    ::attn::stats::add(getArgument(), "raised", raised);
    ::attn::stats::add(getArgument(), "not-raised", notRaised);
  }
};

} // namespace
