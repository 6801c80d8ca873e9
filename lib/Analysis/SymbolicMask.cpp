//===- SymbolicMask.cpp - Patterns of masks with run-time sizes -----------===//

#include "attn/Analysis/SymbolicMask.h"

#include "mlir/Analysis/Presburger/IntegerRelation.h"
#include "mlir/Analysis/Presburger/PresburgerRelation.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallSet.h"

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::presburger;

namespace {

/// Most expression nodes one inference builds: mask IR reuses values, and
/// a tree copies them, so a pathological DAG fails instead of growing.
constexpr unsigned kMaxNodes = 20000;
/// Deepest nesting of the ops followed (which bounds the depth of the
/// expressions, and so the recursion that turns them into sets).
constexpr unsigned kMaxDepth = 256;
/// Most cases an integer expression with selects splits into, and most
/// disjuncts a set may have.
constexpr size_t kMaxCases = 256;

enum class Kind { Int, Float, Var, Sym, Add, Mul, Cmp, Select, And, Or, Not };

struct Node;
using Expr = std::shared_ptr<const Node>;

/// An integer, boolean (an integer 0/1) or float expression of index
/// variables and size symbols.
struct Node {
  Kind kind;
  int64_t value = 0; // Int; Var and Sym: the number
  double real = 0;   // Float
  arith::CmpIPredicate pred = arith::CmpIPredicate::eq;
  Expr a, b, c;
};

/// An affine form over [variables..., symbols..., 1].
using Form = SmallVector<int64_t>;

/// One case of an integer expression: where it holds and its value there.
struct Case {
  PresburgerSet where;
  Form form;
};

class SymbolicEvaluator {
public:
  std::string why;

  /// A new variable ranging over [0, extent); `index` for the indices of
  /// the mask (i, j, b, h), not for those of a sum.
  Expr newVar(Expr extent, bool index = false) {
    if (!extent)
      return nullptr;
    isIndex.push_back(index);
    extents.push_back(extent);
    return make({Kind::Var, static_cast<int64_t>(extents.size() - 1)});
  }
  unsigned numVars() const { return extents.size(); }

  Expr integer(int64_t v) { return make({Kind::Int, v}); }

  /// A size as an expression: its constant plus multiples of symbols, one
  /// per base.
  Expr size(const Size &s) {
    if (!s)
      return fail("a size that is not known");
    Expr out = integer(s.offset);
    for (const auto &[base, coef] : s.terms) {
      Size single = Size::of(base);
      std::optional<unsigned> found;
      for (auto [n, known] : llvm::enumerate(symbols))
        if (provablyEqual(Size::of(known), single)) {
          found = n;
          break;
        }
      if (!found) {
        symbols.push_back(base);
        found = symbols.size() - 1;
      }
      out = binary(Kind::Add, out,
                   binary(Kind::Mul, integer(coef),
                          make({Kind::Sym, static_cast<int64_t>(*found)})));
    }
    return out;
  }

  /// Element `idx` of the ranked tensor `t`.
  Expr element(Value t, ArrayRef<Expr> idx);

  /// The value `v`, inside the body of `scope` (whose loops are at `loops`)
  /// or outside any body (null scope).
  Expr scalar(Value v, linalg::GenericOp scope, ArrayRef<Expr> loops);

  /// The set where the boolean `e` holds (over the variables and symbols
  /// made so far).
  std::optional<PresburgerSet> holds(const Expr &e);
  /// The cases of the integer `e`.
  std::optional<std::vector<Case>> cases(const Expr &e);
  /// The cases of the float `e`: where it is each constant.
  std::optional<std::vector<std::pair<PresburgerSet, double>>>
  floatCases(const Expr &e);

  /// Every variable (or only the mask's indices) in its range, every symbol
  /// non-negative.
  PresburgerSet domain(bool onlyIndices = false);

  PresburgerSpace space() const {
    return PresburgerSpace::getSetSpace(extents.size(), symbols.size());
  }
  Form zeroForm() const { return Form(extents.size() + symbols.size() + 1, 0); }
  Form formOf(const Expr &e) const {
    Form f = zeroForm();
    if (e->kind == Kind::Int)
      f.back() = e->value;
    else if (e->kind == Kind::Var)
      f[e->value] = 1;
    else
      f[extents.size() + e->value] = 1;
    return f;
  }
  /// The affine form of a size expression (constants, symbols, sums and
  /// constant multiples), scaled by `k`.
  Form sizeForm(const Expr &e, int64_t k = 1) const {
    Form f = zeroForm();
    addSizeForm(e, k, f);
    return f;
  }
  void addSizeForm(const Expr &e, int64_t k, Form &f) const {
    switch (e->kind) {
    case Kind::Int:
      f.back() += k * e->value;
      return;
    case Kind::Sym:
      f[extents.size() + e->value] += k;
      return;
    case Kind::Add:
      addSizeForm(e->a, k, f);
      addSizeForm(e->b, k, f);
      return;
    case Kind::Mul:
      if (e->a->kind == Kind::Int)
        return addSizeForm(e->b, k * e->a->value, f);
      return addSizeForm(e->a, k * e->b->value, f);
    default:
      return;
    }
  }

  /// Constant offsets of the diagonal comparisons (j - i + c) and of the
  /// key-only comparisons (j + c) met while building sets: candidate window
  /// sizes and sink counts.
  llvm::SmallSet<int64_t, 8> diagonalOffsets, keyOffsets;
  unsigned queryVar = ~0u, keyVar = ~0u;

private:
  Expr make(Node n) {
    if (++nodes > kMaxNodes)
      return fail("the mask's computation is too large to follow");
    return std::make_shared<const Node>(std::move(n));
  }
  Expr fail(const Twine &reason) {
    if (why.empty())
      why = reason.str();
    return nullptr;
  }
  Expr binary(Kind k, Expr a, Expr b) {
    if (!a || !b)
      return nullptr;
    if (k == Kind::Add && a->kind == Kind::Int && b->kind == Kind::Int)
      return integer(a->value + b->value);
    if (k == Kind::Add && b->kind == Kind::Int && b->value == 0)
      return a;
    if (k == Kind::Add && a->kind == Kind::Int && a->value == 0)
      return b;
    if (k == Kind::Mul && a->kind == Kind::Int && b->kind == Kind::Int)
      return integer(a->value * b->value);
    if (k == Kind::Mul && a->kind == Kind::Int && a->value == 1)
      return b;
    if (k == Kind::Mul && b->kind == Kind::Int && b->value == 1)
      return a;
    if (k == Kind::And || k == Kind::Or) {
      for (auto [x, y] : {std::pair(a, b), std::pair(b, a)})
        if (x->kind == Kind::Int)
          return (k == Kind::And) == (x->value != 0) ? y : x;
    }
    Node n{k};
    n.a = a;
    n.b = b;
    return make(std::move(n));
  }
  Expr negate(Expr a) { return binary(Kind::Mul, integer(-1), a); }
  Expr select(Expr c, Expr x, Expr y) {
    if (!c || !x || !y)
      return nullptr;
    if (c->kind == Kind::Int)
      return c->value ? x : y;
    if (x == y)
      return x;
    Node n{Kind::Select};
    n.a = c;
    n.b = x;
    n.c = y;
    return make(std::move(n));
  }
  Expr compare(arith::CmpIPredicate p, Expr a, Expr b) {
    if (!a || !b)
      return nullptr;
    Node n{Kind::Cmp};
    n.pred = p;
    n.a = a;
    n.b = b;
    return make(std::move(n));
  }
  Expr notOf(Expr a) {
    if (!a)
      return nullptr;
    if (a->kind == Kind::Int)
      return integer(!a->value);
    Node n{Kind::Not};
    n.a = a;
    return make(std::move(n));
  }

  Expr applyMap(AffineMap map, ArrayRef<Expr> loops,
                SmallVectorImpl<Expr> &out);
  Expr affine(AffineExpr e, ArrayRef<Expr> loops);
  Expr loopExtent(linalg::GenericOp op, unsigned d);
  Expr reduction(linalg::GenericOp op, OpResult result, ArrayRef<Expr> idx);
  bool provenZero(const Expr &e);

  SmallVector<Expr> extents;
  SmallVector<bool> isIndex;
  SmallVector<SizeBase> symbols;
  unsigned nodes = 0;
  unsigned depth = 0;
};

Expr SymbolicEvaluator::affine(AffineExpr e, ArrayRef<Expr> loops) {
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return integer(c.getValue());
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return loops[d.getPosition()];
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return fail("an indexing map with symbols");
  Expr a = affine(bin.getLHS(), loops), b = affine(bin.getRHS(), loops);
  if (e.getKind() == AffineExprKind::Add)
    return binary(Kind::Add, a, b);
  if (e.getKind() == AffineExprKind::Mul)
    return binary(Kind::Mul, a, b);
  return fail("an indexing map with floordiv, ceildiv or mod");
}

Expr SymbolicEvaluator::applyMap(AffineMap map, ArrayRef<Expr> loops,
                                 SmallVectorImpl<Expr> &out) {
  for (AffineExpr e : map.getResults()) {
    Expr x = affine(e, loops);
    if (!x)
      return nullptr;
    out.push_back(x);
  }
  return integer(0);
}

Expr SymbolicEvaluator::loopExtent(linalg::GenericOp op, unsigned d) {
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [r, e] : llvm::enumerate(map.getResults()))
      if (auto dim = dyn_cast<AffineDimExpr>(e); dim && dim.getPosition() == d)
        return size(dimOf(operand.get(), r));
  }
  return fail("a loop that no operand reads");
}

bool SymbolicEvaluator::provenZero(const Expr &e) {
  Expr nonzero = compare(arith::CmpIPredicate::ne, e, integer(0));
  if (!nonzero)
    return false;
  std::optional<PresburgerSet> set = holds(nonzero);
  return set && set->intersect(domain()).isIntegerEmpty();
}

/// A sum over reduction loops: its value is the initial value where every
/// term is provably zero (transformers' packed-sequence check sums
/// differences of positions, which are zero for an arange).
Expr SymbolicEvaluator::reduction(linalg::GenericOp op, OpResult result,
                                  ArrayRef<Expr> idx) {
  unsigned r = result.getResultNumber();
  OpOperand *init = op.getDpsInitOperand(r);
  AffineMap outMap = op.getMatchingIndexingMap(init);
  SmallVector<Expr> loops(op.getNumLoops());
  for (auto [p, e] : llvm::enumerate(outMap.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(e))
      loops[d.getPosition()] = idx[p];
  for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (loops[d])
      continue;
    if (it != utils::IteratorType::reduction)
      return fail("a parallel loop the result does not index");
    Expr extent = loopExtent(op, d);
    if (!extent)
      return nullptr;
    loops[d] = newVar(extent);
  }
  Value yield = op.getBody()->getTerminator()->getOperand(r);
  Operation *add = yield.getDefiningOp();
  BlockArgument acc = op.getMatchingBlockArgument(init);
  if (!add || !isa<arith::AddIOp>(add) || add->getBlock() != op.getBody())
    return fail("a reduction other than an integer sum");
  Value term = add->getOperand(0) == acc   ? add->getOperand(1)
               : add->getOperand(1) == acc ? add->getOperand(0)
                                           : Value();
  if (!term)
    return fail("a sum that does not accumulate");
  Expr t = scalar(term, op, loops);
  if (!t)
    return nullptr;
  if (!provenZero(t))
    return fail("a sum whose terms are not provably zero");
  return element(init->get(), idx);
}

Expr SymbolicEvaluator::element(Value t, ArrayRef<Expr> idx) {
  if (++depth > kMaxDepth)
    return fail("the mask's computation is too deep to follow");
  llvm::scope_exit leave([&] { --depth; });
  Operation *op = t.getDefiningOp();
  if (!op)
    return fail("it depends on a function argument");
  auto type = cast<RankedTensorType>(t.getType());

  if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
    if (!generic.hasPureTensorSemantics())
      return fail("a generic on buffers");
    if (generic.getNumReductionLoops() > 0)
      return reduction(generic, cast<OpResult>(t), idx);
    // Parallel: the loops are the result's indices through its map.
    OpOperand *init =
        generic.getDpsInitOperand(cast<OpResult>(t).getResultNumber());
    AffineMap outMap = generic.getMatchingIndexingMap(init);
    if (!outMap.isPermutation())
      return fail("a generic whose result map is no permutation");
    SmallVector<Expr> loops(generic.getNumLoops());
    for (auto [p, e] : llvm::enumerate(outMap.getResults()))
      loops[cast<AffineDimExpr>(e).getPosition()] = idx[p];
    Value yield = generic.getBody()->getTerminator()->getOperand(
        cast<OpResult>(t).getResultNumber());
    return scalar(yield, generic, loops);
  }
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    return scalar(fill.value(), nullptr, {});
  if (auto transpose = dyn_cast<linalg::TransposeOp>(op)) {
    SmallVector<Expr> src(idx.size());
    for (auto [r, p] : llvm::enumerate(transpose.getPermutation()))
      src[p] = idx[r];
    return element(transpose.getInput(), src);
  }
  if (auto broadcast = dyn_cast<linalg::BroadcastOp>(op)) {
    SmallVector<Expr> src;
    for (auto [d, x] : llvm::enumerate(idx))
      if (!llvm::is_contained(broadcast.getDimensions(), d))
        src.push_back(x);
    return element(broadcast.getInput(), src);
  }
  if (auto cast = dyn_cast<tensor::CastOp>(op))
    return element(cast.getSource(), idx);
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
    // Each source index is the row-major position of its group's indices;
    // the strides must be static.
    SmallVector<Expr> src;
    for (const ReassociationIndices &group : expand.getReassociationIndices()) {
      // Unit dimensions are read at 0 and add nothing.
      Expr position = integer(0);
      std::optional<int64_t> stride = 1;
      for (int64_t d : llvm::reverse(group)) {
        int64_t extent = type.getDimSize(d);
        if (extent == 1)
          continue;
        if (!stride)
          return fail("an expand_shape with a dynamic inner size");
        position = binary(Kind::Add, position,
                          binary(Kind::Mul, integer(*stride), idx[d]));
        if (ShapedType::isDynamic(extent))
          stride.reset();
        else
          *stride *= extent;
      }
      src.push_back(position);
    }
    return element(expand.getSrc(), src);
  }
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
    // Only groups with one dimension that is not a unit.
    auto srcType = collapse.getSrcType();
    SmallVector<Expr> src(srcType.getRank());
    for (auto [n, group] :
         llvm::enumerate(collapse.getReassociationIndices())) {
      bool placed = false;
      for (int64_t d : group) {
        if (srcType.getDimSize(d) == 1) {
          src[d] = integer(0);
          continue;
        }
        if (placed)
          return fail("a collapse_shape that merges sizes");
        src[d] = idx[n];
        placed = true;
      }
      if (!placed)
        src[group.back()] = idx[n];
    }
    return element(collapse.getSrc(), src);
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    if (!llvm::all_of(slice.getMixedStrides(),
                      [](OpFoldResult s) { return isConstantIntValue(s, 1); }))
      return fail("a strided slice");
    llvm::SmallBitVector dropped = slice.getDroppedDims();
    SmallVector<Expr> src;
    unsigned next = 0;
    for (auto [d, offset] : llvm::enumerate(slice.getMixedOffsets())) {
      Expr o = isa<Attribute>(offset)
                   ? integer(*getConstantIntValue(offset))
                   : scalar(cast<Value>(offset), nullptr, {});
      src.push_back(dropped.test(d) ? o : binary(Kind::Add, o, idx[next++]));
    }
    return element(slice.getSource(), src);
  }
  if (auto concat = dyn_cast<tensor::ConcatOp>(op)) {
    // select(x < n0, a[x], select(x < n0 + n1, b[x - n0], ...)).
    unsigned dim = concat.getDim();
    SmallVector<std::pair<Expr, Expr>> pieces; // (end, element)
    Expr begin = integer(0);
    for (Value input : concat.getInputs()) {
      SmallVector<Expr> at(idx);
      at[dim] = binary(Kind::Add, idx[dim], negate(begin));
      Expr value = element(input, at);
      Expr end = binary(Kind::Add, begin, size(dimOf(input, dim)));
      if (!value || !end)
        return nullptr;
      pieces.push_back({end, value});
      begin = end;
    }
    Expr result = pieces.back().second;
    for (auto &[end, value] : llvm::reverse(ArrayRef(pieces).drop_back()))
      result = select(compare(arith::CmpIPredicate::slt, idx[dim], end), value,
                      result);
    return result;
  }
  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
    if (!dense || !dense.isSplat())
      return fail("a constant tensor that is not a splat");
    if (auto f = dyn_cast<FloatType>(dense.getElementType()))
      return make(
          {Kind::Float, 0, dense.getSplatValue<APFloat>().convertToDouble()});
    return integer(dense.getSplatValue<APInt>().getSExtValue());
  }
  return fail("a tensor computed by " + op->getName().getStringRef());
}

Expr SymbolicEvaluator::scalar(Value v, linalg::GenericOp scope,
                               ArrayRef<Expr> loops) {
  if (++depth > kMaxDepth)
    return fail("the mask's computation is too deep to follow");
  llvm::scope_exit leave([&] { --depth; });
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (!scope || arg.getOwner() != scope.getBody())
      return fail("a scalar function argument or block argument");
    OpOperand *operand = scope.getMatchingOpOperand(arg);
    SmallVector<Expr> at;
    if (!applyMap(scope.getMatchingIndexingMap(operand), loops, at))
      return nullptr;
    if (isa<RankedTensorType>(operand->get().getType()))
      return element(operand->get(), at);
    return scalar(operand->get(), nullptr, {});
  }
  Operation *op = v.getDefiningOp();
  APInt i;
  FloatAttr f;
  if (matchPattern(v, m_ConstantInt(&i)))
    return integer(v.getType().isInteger(1) ? i.getZExtValue()
                                            : i.getSExtValue());
  if (matchPattern(v, m_Constant(&f)))
    return make({Kind::Float, 0, f.getValueAsDouble()});
  if (auto index = dyn_cast<linalg::IndexOp>(op)) {
    if (index->getParentOp() != scope)
      return fail("a linalg.index of another op");
    return loops[index.getDim()];
  }
  if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
    SmallVector<Expr> at;
    for (Value x : extract.getIndices())
      if (!at.emplace_back(scalar(x, scope, loops)))
        return nullptr;
    return element(extract.getTensor(), at);
  }
  if (isa<tensor::DimOp>(op) ||
      (!scope && v.getType().isIndex() && !op->getNumOperands()))
    return size(sizeOf(v));
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp>(op))
    return scalar(op->getOperand(0), scope, loops);
  if (isa<arith::ExtUIOp>(op)) {
    Expr x = scalar(op->getOperand(0), scope, loops);
    return op->getOperand(0).getType().isInteger(1)
               ? x
               : fail("an unsigned extension of a wide integer");
  }
  auto operand = [&](unsigned n) {
    return scalar(op->getOperand(n), scope, loops);
  };
  if (isa<arith::AddIOp>(op))
    return binary(Kind::Add, operand(0), operand(1));
  if (isa<arith::SubIOp>(op))
    return binary(Kind::Add, operand(0), negate(operand(1)));
  if (isa<arith::MulIOp>(op))
    return binary(Kind::Mul, operand(0), operand(1));
  if (auto cmp = dyn_cast<arith::CmpIOp>(op))
    return compare(cmp.getPredicate(), operand(0), operand(1));
  if (isa<arith::SelectOp>(op))
    return select(operand(0), operand(1), operand(2));
  if (isa<arith::MaxSIOp, arith::MinSIOp>(op)) {
    Expr a = operand(0), b = operand(1);
    return select(compare(isa<arith::MaxSIOp>(op) ? arith::CmpIPredicate::sge
                                                  : arith::CmpIPredicate::sle,
                          a, b),
                  a, b);
  }
  if (op->getNumOperands() == 2 && v.getType().isInteger(1)) {
    if (isa<arith::AndIOp>(op))
      return binary(Kind::And, operand(0), operand(1));
    if (isa<arith::OrIOp>(op))
      return binary(Kind::Or, operand(0), operand(1));
    if (isa<arith::XOrIOp>(op)) {
      Expr a = operand(0), b = operand(1);
      if (b && b->kind == Kind::Int)
        return b->value ? notOf(a) : a;
      if (a && a->kind == Kind::Int)
        return a->value ? notOf(b) : b;
      return fail("an exclusive or of two conditions");
    }
  }
  return fail("a value computed by " + op->getName().getStringRef());
}

std::optional<std::vector<Case>> SymbolicEvaluator::cases(const Expr &e) {
  PresburgerSet all = PresburgerSet::getUniverse(space());
  switch (e->kind) {
  case Kind::Int:
  case Kind::Var:
  case Kind::Sym:
    return std::vector<Case>{{all, formOf(e)}};
  case Kind::Add:
  case Kind::Mul: {
    auto a = cases(e->a), b = cases(e->b);
    if (!a || !b || a->size() * b->size() > kMaxCases)
      return std::nullopt;
    std::vector<Case> out;
    for (const Case &x : *a)
      for (const Case &y : *b) {
        Form f = zeroForm();
        if (e->kind == Kind::Add) {
          for (size_t k = 0; k < f.size(); ++k)
            f[k] = x.form[k] + y.form[k];
        } else {
          // One factor must be a constant.
          auto isConst = [&](const Form &g) {
            return llvm::all_of(ArrayRef(g).drop_back(),
                                [](int64_t c) { return c == 0; });
          };
          const Form *k = isConst(x.form) ? &x.form : &y.form;
          const Form *other = k == &x.form ? &y.form : &x.form;
          if (!isConst(*k)) {
            why = "a product of two run-time values";
            return std::nullopt;
          }
          for (size_t n = 0; n < f.size(); ++n)
            f[n] = k->back() * (*other)[n];
        }
        out.push_back({x.where.intersect(y.where), f});
      }
    return out;
  }
  case Kind::Select: {
    std::optional<PresburgerSet> c = holds(e->a);
    auto x = cases(e->b), y = cases(e->c);
    if (!c || !x || !y || x->size() + y->size() > kMaxCases)
      return std::nullopt;
    PresburgerSet notC = c->complement();
    std::vector<Case> out;
    for (const Case &k : *x)
      out.push_back({k.where.intersect(*c), k.form});
    for (const Case &k : *y)
      out.push_back({k.where.intersect(notC), k.form});
    return out;
  }
  case Kind::Cmp:
  case Kind::And:
  case Kind::Or:
  case Kind::Not: {
    // A condition used as 0 / 1.
    std::optional<PresburgerSet> c = holds(e);
    if (!c)
      return std::nullopt;
    Form one = zeroForm(), zero = zeroForm();
    one.back() = 1;
    return std::vector<Case>{{*c, one}, {c->complement(), zero}};
  }
  case Kind::Float:
    why = "a float where an integer was expected";
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<PresburgerSet> SymbolicEvaluator::holds(const Expr &e) {
  switch (e->kind) {
  case Kind::Int:
    return e->value ? PresburgerSet::getUniverse(space())
                    : PresburgerSet::getEmpty(space());
  case Kind::And:
  case Kind::Or: {
    auto a = holds(e->a), b = holds(e->b);
    if (!a || !b)
      return std::nullopt;
    PresburgerSet out =
        e->kind == Kind::And ? a->intersect(*b) : a->unionSet(*b);
    if (out.getNumDisjuncts() > kMaxCases) {
      why = "the mask's condition has too many cases";
      return std::nullopt;
    }
    return out;
  }
  case Kind::Not: {
    auto a = holds(e->a);
    if (!a)
      return std::nullopt;
    return a->complement();
  }
  case Kind::Select: {
    auto c = holds(e->a), x = holds(e->b), y = holds(e->c);
    if (!c || !x || !y)
      return std::nullopt;
    return c->intersect(*x).unionSet(c->complement().intersect(*y));
  }
  case Kind::Cmp: {
    auto a = cases(e->a), b = cases(e->b);
    if (!a || !b || a->size() * b->size() > kMaxCases)
      return std::nullopt;
    PresburgerSet out = PresburgerSet::getEmpty(space());
    using P = arith::CmpIPredicate;
    for (const Case &x : *a)
      for (const Case &y : *b) {
        Form d = zeroForm(); // x - y
        for (size_t k = 0; k < d.size(); ++k)
          d[k] = x.form[k] - y.form[k];
        // Record window and sink candidates.
        bool onlyIJ = true;
        for (size_t k = 0; k < numVars(); ++k)
          if (k != queryVar && k != keyVar && d[k] != 0)
            onlyIJ = false;
        if (onlyIJ && keyVar < numVars() && queryVar < numVars()) {
          if (std::abs(d[keyVar]) == 1 && d[queryVar] == -d[keyVar])
            diagonalOffsets.insert(std::abs(d.back()));
          else if (std::abs(d[keyVar]) == 1 && d[queryVar] == 0)
            keyOffsets.insert(std::abs(d.back()));
        }
        Form neg = d;
        for (int64_t &c : neg)
          c = -c;
        auto ineq = [&](Form f, int64_t shift) {
          f.back() += shift;
          IntegerPolyhedron poly(space());
          poly.addInequality(f);
          return PresburgerSet(poly);
        };
        PresburgerSet atom = PresburgerSet::getEmpty(space());
        switch (e->pred) {
        case P::eq:
        case P::ne: {
          IntegerPolyhedron poly(space());
          poly.addEquality(d);
          atom = PresburgerSet(poly);
          if (e->pred == P::ne)
            atom = ineq(d, -1).unionSet(ineq(neg, -1));
          break;
        }
        case P::sge:
        case P::sgt:
        case P::sle:
        case P::slt: {
          // x >= y is d >= 0, x > y is d - 1 >= 0; <= and < likewise on -d.
          bool greater = e->pred == P::sge || e->pred == P::sgt;
          bool strict = e->pred == P::sgt || e->pred == P::slt;
          atom = ineq(greater ? d : neg, strict ? -1 : 0);
          break;
        }
        default:
          why = "an unsigned comparison";
          return std::nullopt;
        }
        out = out.unionSet(x.where.intersect(y.where).intersect(atom));
        if (out.getNumDisjuncts() > kMaxCases) {
          why = "the mask's condition has too many cases";
          return std::nullopt;
        }
      }
    return out;
  }
  default:
    why = "a value where a condition was expected";
    return std::nullopt;
  }
}

std::optional<std::vector<std::pair<PresburgerSet, double>>>
SymbolicEvaluator::floatCases(const Expr &e) {
  if (e->kind == Kind::Float)
    return std::vector<std::pair<PresburgerSet, double>>{
        {PresburgerSet::getUniverse(space()), e->real}};
  if (e->kind != Kind::Select) {
    why = "a bias computed by more than selections of constants";
    return std::nullopt;
  }
  auto c = holds(e->a);
  auto x = floatCases(e->b), y = floatCases(e->c);
  if (!c || !x || !y)
    return std::nullopt;
  PresburgerSet notC = c->complement();
  std::vector<std::pair<PresburgerSet, double>> out;
  for (auto &[where, v] : *x)
    out.push_back({where.intersect(*c), v});
  for (auto &[where, v] : *y)
    out.push_back({where.intersect(notC), v});
  return out;
}

PresburgerSet SymbolicEvaluator::domain(bool onlyIndices) {
  IntegerPolyhedron poly(space());
  for (auto [v, extent] : llvm::enumerate(extents)) {
    if (onlyIndices && !isIndex[v])
      continue;
    Form lower = zeroForm();
    lower[v] = 1;
    poly.addInequality(lower);     // v >= 0
    Form upper = sizeForm(extent); // extent - 1 - v >= 0
    upper[v] = -1;
    upper.back() -= 1;
    poly.addInequality(upper);
  }
  for (size_t s = 0; s < symbols.size(); ++s) {
    Form positive = zeroForm();
    positive[extents.size() + s] = 1;
    poly.addInequality(positive);
  }
  return PresburgerSet(poly);
}

} // namespace

FailureOr<PatternAttrInterface>
mlir::attn::inferSymbolicPattern(MLIRContext *context, Value mask, Value bias,
                                 Size lq, Size lk, std::string &why) {
  SymbolicEvaluator eval;
  Expr lqExpr = eval.size(lq), lkExpr = eval.size(lk);
  if (!lqExpr || !lkExpr) {
    why = eval.why;
    return failure();
  }
  // The indices: i and j, and b, h where an operand is not broadcast along
  // them (the sets are then compared for every b and h at once).
  Expr i = eval.newVar(lqExpr, true), j = eval.newVar(lkExpr, true);
  eval.queryVar = i->value;
  eval.keyVar = j->value;
  Expr leading[2] = {nullptr, nullptr};
  // The operands' Lq and Lk sizes equal the op's (it is broadcastable to
  // them, or the run-time size check fails): (operand size, op size).
  SmallVector<std::pair<Expr, Expr>> sameSizes;
  auto indices = [&](Value v) -> std::optional<SmallVector<Expr>> {
    auto type = cast<RankedTensorType>(v.getType());
    int64_t rank = type.getRank();
    if (rank > 4)
      return std::nullopt;
    SmallVector<Expr> idx;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t role = 4 - rank + d;
      if (type.getDimSize(d) == 1) {
        idx.push_back(eval.integer(0));
        continue;
      }
      if (role == 2 || role == 3) {
        idx.push_back(role == 2 ? i : j);
        Expr own = eval.size(dimOf(v, d));
        if (!own)
          return std::nullopt;
        sameSizes.push_back({own, role == 2 ? lqExpr : lkExpr});
        continue;
      }
      if (!leading[role])
        leading[role] = eval.newVar(eval.size(dimOf(v, d)), true);
      if (!leading[role])
        return std::nullopt;
      idx.push_back(leading[role]);
    }
    return idx;
  };

  // Where the operands let a pair be visible, and whether a lowest-float
  // entry was met.
  SmallVector<std::pair<Expr, bool>> parts; // (element, is bias)
  for (auto [value, isBias] : {std::pair(mask, false), std::pair(bias, true)}) {
    if (!value)
      continue;
    std::optional<SmallVector<Expr>> idx = indices(value);
    if (!idx) {
      why = eval.why.empty() ? "an operand of rank above 4" : eval.why;
      return failure();
    }
    Expr e = eval.element(value, *idx);
    if (!e) {
      why = eval.why;
      return failure();
    }
    parts.push_back({e, isBias});
  }
  // Sets are built once every variable exists (a sum adds its own).
  PresburgerSet visible = PresburgerSet::getUniverse(eval.space());
  bool lowestMet = false;
  for (auto [e, isBias] : parts) {
    if (!isBias) {
      std::optional<PresburgerSet> set = eval.holds(e);
      if (!set) {
        why = eval.why.empty() ? "the mask is no condition" : eval.why;
        return failure();
      }
      visible = visible.intersect(*set);
      continue;
    }
    auto cases = eval.floatCases(e);
    if (!cases) {
      why = eval.why;
      return failure();
    }
    auto ft = cast<FloatType>(getElementTypeOrSelf(bias.getType()));
    double lowest =
        -APFloat::getLargest(ft.getFloatSemantics()).convertToDouble();
    PresburgerSet zero = PresburgerSet::getEmpty(eval.space());
    for (auto &[where, v] : cases.value()) {
      if (v == 0.0) {
        zero = zero.unionSet(where);
      } else if (v == lowest) {
        lowestMet = true;
      } else if (v != -std::numeric_limits<double>::infinity()) {
        why = "the bias adds other values than 0 and -inf";
        return failure();
      }
    }
    visible = visible.intersect(zero);
  }
  // Re-create in the final space: sets built before a sum added variables
  // live in a smaller space.
  PresburgerSet domain = eval.domain(/*onlyIndices=*/true);
  for (auto [own, op] : sameSizes) {
    IntegerPolyhedron equal(eval.space());
    Form f = eval.sizeForm(own);
    eval.addSizeForm(op, -1, f);
    equal.addEquality(f);
    domain = domain.intersect(PresburgerSet(equal));
  }
  if (visible.getSpace().getNumVars() != domain.getSpace().getNumVars()) {
    why = "a sum inside the mask's final condition";
    return failure();
  }
  visible = visible.intersect(domain);

  // A candidate pattern's pairs, from its affine constraints
  // (PatternAttrInterface::getAffineVisibility), as a set over the same
  // space, compared with the visible set within the domain.
  auto matches = [&](PatternAttrInterface pattern) {
    FailureOr<AffineVisibility> sets = pattern.getAffineVisibility();
    if (failed(sets))
      return false;
    PresburgerSet set = PresburgerSet::getEmpty(eval.space());
    for (const SmallVector<AffineConstraint> &conjunction : *sets) {
      IntegerPolyhedron poly(eval.space());
      for (const AffineConstraint &c : conjunction) {
        Form f = eval.zeroForm();
        f[i->value] += c[0];
        f[j->value] += c[1];
        eval.addSizeForm(lqExpr, c[2], f);
        eval.addSizeForm(lkExpr, c[3], f);
        f.back() += c[4];
        poly.addInequality(f);
      }
      set = set.unionSet(PresburgerSet(poly));
    }
    return set.intersect(domain).isEqual(visible);
  };
  // A lowest-float entry is masked only where its row keeps a key: the
  // diagonal key i' = i + lk - lq must exist, i.e. lk >= lq.
  auto diagonalExists = [&]() {
    Form f = eval.zeroForm(); // lq - lk - 1 >= 0 (lk < lq)
    for (auto [expr, sign] : {std::pair(lqExpr, 1), std::pair(lkExpr, -1)})
      eval.addSizeForm(expr, sign, f);
    f.back() -= 1;
    IntegerPolyhedron poly(eval.space());
    poly.addInequality(f);
    return PresburgerSet(poly).intersect(domain).isIntegerEmpty();
  };
  if (lowestMet && !diagonalExists()) {
    why = "lowest-float entries where a row may keep no key";
    return failure();
  }

  if (matches(DenseAttr::get(context)))
    return PatternAttrInterface();
  if (matches(CausalAttr::get(context)))
    return PatternAttrInterface(CausalAttr::get(context));
  // Windows i' - l <= j <= i' + r, or j < s, with l, r and s among the
  // offsets of the comparisons the mask makes.
  SmallVector<int64_t> sizes;
  for (int64_t c : eval.diagonalOffsets)
    for (int64_t d : {c - 1, c, c + 1})
      if (d >= 0 && !llvm::is_contained(sizes, d))
        sizes.push_back(d);
  SmallVector<int64_t> sinks = {0};
  for (int64_t c : eval.keyOffsets)
    for (int64_t d : {c, c + 1})
      if (d > 0 && !llvm::is_contained(sinks, d))
        sinks.push_back(d);
  SmallVector<int64_t> rights = {0};
  rights.append(sizes.begin(), sizes.end());
  for (int64_t left : sizes)
    for (int64_t right : rights)
      for (int64_t s : sinks)
        if (auto window = WindowAttr::get(context, left, right, s);
            matches(window))
          return PatternAttrInterface(window);
  why = "the visible pairs are no causal or window pattern";
  return failure();
}
