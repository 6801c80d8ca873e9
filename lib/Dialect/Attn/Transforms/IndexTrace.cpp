//===- IndexTrace.cpp - Follow element indices through data movement ------===//

#include "attn/Dialect/Attn/Transforms/IndexTrace.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineExprVisitor.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Most index points a result is evaluated at.
constexpr int64_t kMaxEnumerated = int64_t(1) << 22;

/// Evaluates `e` at the dimension values `dims`.
std::optional<int64_t> evaluate(AffineExpr e, ArrayRef<int64_t> dims) {
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return c.getValue();
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return d.getPosition() < dims.size()
               ? std::optional<int64_t>(dims[d.getPosition()])
               : std::nullopt;
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return std::nullopt;
  std::optional<int64_t> a = evaluate(bin.getLHS(), dims);
  std::optional<int64_t> b = evaluate(bin.getRHS(), dims);
  if (!a || !b)
    return std::nullopt;
  switch (e.getKind()) {
  case AffineExprKind::Add: {
    int64_t sum;
    if (__builtin_add_overflow(*a, *b, &sum))
      return std::nullopt;
    return sum;
  }
  case AffineExprKind::Mul: {
    int64_t product;
    if (__builtin_mul_overflow(*a, *b, &product))
      return std::nullopt;
    return product;
  }
  case AffineExprKind::FloorDiv:
    if (*b <= 0)
      return std::nullopt;
    return *a >= 0 ? *a / *b : -((-*a + *b - 1) / *b);
  case AffineExprKind::CeilDiv:
    if (*b <= 0)
      return std::nullopt;
    return *a >= 0 ? (*a + *b - 1) / *b : -(-*a / *b);
  case AffineExprKind::Mod:
    if (*b <= 0)
      return std::nullopt;
    return ((*a % *b) + *b) % *b;
  default:
    return std::nullopt;
  }
}

/// The view of `producerInput` given the expressions of its indices in terms
/// of the produced tensor's indices.
IndexView compose(const IndexView &view, Value producerInput,
                  ArrayRef<AffineExpr> inputIndices, unsigned producedRank) {
  AffineMap step =
      AffineMap::get(producedRank, 0, inputIndices, view.map.getContext());
  return {producerInput, simplifyAffineMap(step.compose(view.map))};
}

IndexView stepCollapse(const IndexView &view, tensor::CollapseShapeOp op) {
  MLIRContext *ctx = op.getContext();
  ArrayRef<int64_t> src = op.getSrcType().getShape();
  SmallVector<AffineExpr> indices(src.size());
  for (auto [g, group] : llvm::enumerate(op.getReassociationIndices())) {
    AffineExpr x = getAffineDimExpr(g, ctx);
    int64_t inner = 1;
    for (int64_t i = group.size() - 1; i >= 0; --i) {
      int64_t size = src[group[i]];
      if (size == 1) {
        indices[group[i]] = getAffineConstantExpr(0, ctx);
        continue;
      }
      bool outermost = llvm::all_of(ArrayRef(group).take_front(i),
                                    [&](int64_t d) { return src[d] == 1; });
      if (ShapedType::isDynamic(size) && !outermost)
        return {};
      AffineExpr e = inner == 1 ? x : x.floorDiv(inner);
      indices[group[i]] = outermost ? e : e % size;
      if (!outermost && __builtin_mul_overflow(inner, size, &inner))
        return {};
    }
  }
  return compose(view, op.getSrc(), indices, op.getResultType().getRank());
}

IndexView stepExpand(const IndexView &view, tensor::ExpandShapeOp op) {
  MLIRContext *ctx = op.getContext();
  ArrayRef<int64_t> out = op.getResultType().getShape();
  SmallVector<AffineExpr> indices;
  for (ReassociationIndices group : op.getReassociationIndices()) {
    AffineExpr e = getAffineConstantExpr(0, ctx);
    int64_t stride = 1;
    for (int64_t i = group.size() - 1; i >= 0; --i) {
      e = e + getAffineDimExpr(group[i], ctx) * stride;
      if (i > 0) {
        if (ShapedType::isDynamic(out[group[i]]) ||
            __builtin_mul_overflow(stride, out[group[i]], &stride))
          return {};
      }
    }
    indices.push_back(e);
  }
  return compose(view, op.getSrc(), indices, out.size());
}

IndexView stepSlice(const IndexView &view, tensor::ExtractSliceOp op) {
  MLIRContext *ctx = op.getContext();
  if (op.getSourceType().getRank() > 16)
    return {};
  ArrayRef<int64_t> offsets = op.getStaticOffsets();
  ArrayRef<int64_t> strides = op.getStaticStrides();
  llvm::SmallBitVector dropped = op.getDroppedDims();
  SmallVector<AffineExpr> indices;
  unsigned resultDim = 0;
  for (size_t d = 0; d < offsets.size(); ++d) {
    if (ShapedType::isDynamic(offsets[d]) || ShapedType::isDynamic(strides[d]))
      return {};
    if (dropped.test(d)) {
      indices.push_back(getAffineConstantExpr(offsets[d], ctx));
      continue;
    }
    indices.push_back(getAffineDimExpr(resultDim++, ctx) * strides[d] +
                      offsets[d]);
  }
  return compose(view, op.getSource(), indices, op.getResultType().getRank());
}

IndexView stepGenericCopy(const IndexView &view, linalg::GenericOp g) {
  if (g.getNumDpsInits() != 1 || g.getNumDpsInputs() != 1 ||
      g.getNumLoops() != g.getNumParallelLoops())
    return {};
  Block *body = g.getBody();
  if (body->getOperations().size() != 1 ||
      body->getTerminator()->getOperand(0) != body->getArgument(0))
    return {};
  AffineMap out = g.getIndexingMapsArray()[1];
  AffineMap in = g.getIndexingMapsArray()[0];
  if (!out.isPermutation())
    return {};
  AffineMap fromResult = in.compose(inversePermutation(out));
  return compose(view, g.getDpsInputOperand(0)->get(), fromResult.getResults(),
                 out.getNumResults());
}

} // namespace

IndexView mlir::attn::stepBack(const IndexView &view) {
  Operation *def = view.value.getDefiningOp();
  if (!def || !view.map)
    return {};
  MLIRContext *ctx = def->getContext();
  if (auto op = dyn_cast<tensor::CollapseShapeOp>(def))
    return stepCollapse(view, op);
  if (auto op = dyn_cast<tensor::ExpandShapeOp>(def))
    return stepExpand(view, op);
  if (auto op = dyn_cast<tensor::ExtractSliceOp>(def))
    return stepSlice(view, op);
  if (auto op = dyn_cast<tensor::CastOp>(def))
    return {op.getSource(), view.map};
  if (auto op = dyn_cast<linalg::TransposeOp>(def)) {
    ArrayRef<int64_t> perm = op.getPermutation();
    SmallVector<AffineExpr> indices(perm.size());
    for (size_t d = 0; d < perm.size(); ++d)
      indices[perm[d]] = getAffineDimExpr(d, ctx);
    return compose(view, op.getInput(), indices, perm.size());
  }
  if (auto op = dyn_cast<linalg::BroadcastOp>(def)) {
    ArrayRef<int64_t> dims = op.getDimensions();
    unsigned rank = op.getInit().getType().getRank();
    SmallVector<AffineExpr> indices;
    for (unsigned d = 0; d < rank; ++d)
      if (!llvm::is_contained(dims, d))
        indices.push_back(getAffineDimExpr(d, ctx));
    return compose(view, op.getInput(), indices, rank);
  }
  if (auto op = dyn_cast<linalg::CopyOp>(def))
    return {op.getInputs()[0], view.map};
  if (auto op = dyn_cast<linalg::GenericOp>(def))
    return stepGenericCopy(view, op);
  return {};
}

IndexView mlir::attn::startView(Value start) {
  auto type = dyn_cast<RankedTensorType>(start.getType());
  if (!type)
    return {};
  SmallVector<AffineExpr> indices;
  for (int64_t d = 0; d < type.getRank(); ++d)
    indices.push_back(type.getDimSize(d) == 1
                          ? getAffineConstantExpr(0, start.getContext())
                          : getAffineDimExpr(d, start.getContext()));
  return {start,
          AffineMap::get(type.getRank(), 0, indices, start.getContext())};
}

std::optional<IndexView>
mlir::attn::traceBack(Value start, function_ref<bool(const IndexView &)> accept,
                      unsigned maxSteps) {
  IndexView view = startView(start);
  for (unsigned step = 0; step <= maxSteps && view.value; ++step) {
    if (accept(view))
      return view;
    view = stepBack(view);
  }
  return std::nullopt;
}

bool mlir::attn::resultIs(const IndexView &view, unsigned r, unsigned dim,
                          ArrayRef<int64_t> sizes,
                          function_ref<int64_t(int64_t)> expected,
                          bool identity, int64_t *budget) {
  if (r >= view.map.getNumResults() || dim >= view.map.getNumDims() ||
      sizes.size() != view.map.getNumDims())
    return false;
  AffineExpr e = view.map.getResult(r);
  // The dimension itself is the identity at any size, static or dynamic.
  if (identity && e == getAffineDimExpr(dim, e.getContext()))
    return true;
  if (ShapedType::isDynamic(sizes[dim]))
    return false;
  // Enumerate every dimension the result reads (and `dim`).
  SmallVector<unsigned> read;
  int64_t points = 1;
  for (unsigned d = 0; d < view.map.getNumDims(); ++d) {
    if (d != dim && !e.isFunctionOfDim(d))
      continue;
    if (ShapedType::isDynamic(sizes[d]) || sizes[d] <= 0 ||
        sizes[d] > kMaxEnumerated / points)
      return false;
    points *= sizes[d];
    read.push_back(d);
  }
  if (budget) {
    if (points > *budget)
      return false;
    *budget -= points;
  }
  SmallVector<int64_t> at(sizes.size(), 0);
  for (int64_t p = 0; p < points; ++p) {
    int64_t rest = p;
    for (unsigned d : llvm::reverse(read)) {
      at[d] = rest % sizes[d];
      rest /= sizes[d];
    }
    std::optional<int64_t> y = evaluate(e, at);
    if (!y || *y != expected(at[dim]))
      return false;
  }
  return true;
}

bool mlir::attn::resultIsConstant(const IndexView &view, unsigned r,
                                  int64_t c) {
  if (r >= view.map.getNumResults())
    return false;
  auto k = dyn_cast<AffineConstantExpr>(view.map.getResult(r));
  return k && k.getValue() == c;
}
