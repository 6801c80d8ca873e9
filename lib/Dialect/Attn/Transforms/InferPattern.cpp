//===- InferPattern.cpp - Replace compile-time masks by patterns ----------===//
//
// --attn-infer-pattern: evaluates an attention op's mask and bias at compile
// time (attn/Analysis/ConstantEval.h), classifies the resulting visibility
// exactly (attn/Analysis/PatternInference.h) and moves it into the op's
// pattern. Results never change.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Support/PassOptions.h"

#include "attn/Analysis/ConstantEval.h"
#include "attn/Analysis/PatternInference.h"
#include "attn/Analysis/SymbolicMask.h"
#include "attn/Dialect/Attn/Transforms/Transforms.h"
#include "attn/Support/PassStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

#include <cmath>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNINFERPATTERNPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// A mask or bias operand evaluated and viewed as B x H x Lq x Lk with
/// numpy broadcasting (size-1 dimensions repeat).
struct Broadcast4D {
  EvaluatedTensor data;
  int64_t dims[4] = {1, 1, 1, 1};
  int64_t strides[4] = {0, 0, 0, 0};

  explicit Broadcast4D(EvaluatedTensor t) : data(std::move(t)) {
    int64_t rank = static_cast<int64_t>(data.shape.size());
    int64_t stride = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      int64_t slot = 4 - rank + d;
      dims[slot] = data.shape[d];
      strides[slot] = data.shape[d] == 1 ? 0 : stride;
      stride *= data.shape[d];
    }
  }
  double at(int64_t b, int64_t h, int64_t i, int64_t j) const {
    return data.values[b * strides[0] + h * strides[1] + i * strides[2] +
                       j * strides[3]];
  }
};

/// Static size of `type` right-aligned to 4 dims, or nullopt.
std::optional<std::array<int64_t, 4>> static4D(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked || !ranked.hasStaticShape() || ranked.getRank() > 4)
    return std::nullopt;
  std::array<int64_t, 4> dims = {1, 1, 1, 1};
  for (int64_t d = 0; d < ranked.getRank(); ++d)
    dims[4 - ranked.getRank() + d] = ranked.getDimSize(d);
  return dims;
}

/// Erases `value`'s producer, and theirs, once nothing uses them.
void eraseDeadProducers(RewriterBase &rewriter, Value value) {
  // Ops, not values: a value used twice (tensor.empty(%n, %n)) would be
  // visited again after its producer was erased.
  SmallVector<Operation *> worklist;
  DenseSet<Operation *> erased;
  if (Operation *def = value.getDefiningOp())
    worklist.push_back(def);
  while (!worklist.empty()) {
    Operation *def = worklist.pop_back_val();
    if (erased.contains(def) || !isOpTriviallyDead(def))
      continue;
    for (Value operand : def->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        worklist.push_back(producer);
    erased.insert(def);
    rewriter.eraseOp(def);
  }
}

/// The input of `g` behind body value `v` when `g` reads it numpy-style
/// (right-aligned, size-1 dimensions read at 0), or null.
Value broadcastInput(linalg::GenericOp g, Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != g.getBody() ||
      arg.getArgNumber() >= g.getNumDpsInputs())
    return {};
  OpOperand *in = g.getDpsInputOperand(arg.getArgNumber());
  if (!isBroadcastRead(g.getMatchingIndexingMap(in), g.getNumLoops(),
                       in->get()))
    return {};
  return in->get();
}

/// A mask known only at run time written as `compileTime AND runTime`
/// (transformers' causal mask AND a padding mask from the inputs), as the
/// op's i1 mask or as its bias `select(m, 0, -inf)`.
struct RuntimeSplit {
  EvaluatedTensor compileTime;
  Value runTime;
};

std::optional<RuntimeSplit>
splitRuntimeConjunction(AttentionOp op, const ConstantEvalOptions &options) {
  auto elementwise = [](linalg::GenericOp g) {
    return g && g.getNumDpsInits() == 1 &&
           g.getNumLoops() == g.getNumParallelLoops() &&
           g.getIndexingMapsArray().back().isIdentity();
  };
  Value m;
  if (op.getMask() && !op.getBias()) {
    m = op.getMask();
  } else if (op.getBias() && !op.getMask()) {
    // -inf only: a lowest-float fill is not exact once a run-time factor
    // may leave a row with no visible key.
    auto g = op.getBias().getDefiningOp<linalg::GenericOp>();
    if (!elementwise(g))
      return std::nullopt;
    auto select = g.getBody()
                      ->getTerminator()
                      ->getOperand(0)
                      .getDefiningOp<arith::SelectOp>();
    if (!select)
      return std::nullopt;
    std::optional<double> zero = getScalarConstant(g, select.getTrueValue());
    std::optional<double> ninf = getScalarConstant(g, select.getFalseValue());
    auto cond = dyn_cast<BlockArgument>(select.getCondition());
    if (!zero || *zero != 0.0 || !ninf ||
        *ninf != -std::numeric_limits<double>::infinity() || !cond ||
        cond.getOwner() != g.getBody() ||
        cond.getArgNumber() >= g.getNumDpsInputs() ||
        !g.getMatchingIndexingMap(g.getDpsInputOperand(cond.getArgNumber()))
             .isIdentity())
      return std::nullopt;
    m = g.getDpsInputOperand(cond.getArgNumber())->get();
  } else {
    return std::nullopt;
  }
  auto g = m.getDefiningOp<linalg::GenericOp>();
  if (!elementwise(g))
    return std::nullopt;
  auto conj = g.getBody()
                  ->getTerminator()
                  ->getOperand(0)
                  .getDefiningOp<arith::AndIOp>();
  if (!conj)
    return std::nullopt;
  Value a = broadcastInput(g, conj.getLhs()),
        b = broadcastInput(g, conj.getRhs());
  if (!a || !b)
    return std::nullopt;
  std::optional<EvaluatedTensor> ea = evaluateTensor(a, options);
  std::optional<EvaluatedTensor> eb = evaluateTensor(b, options);
  if (ea.has_value() == eb.has_value())
    return std::nullopt;
  Value runTime = ea ? b : a;
  if (!getElementTypeOrSelf(runTime.getType()).isInteger(1))
    return std::nullopt;
  return RuntimeSplit{ea ? std::move(*ea) : std::move(*eb), runTime};
}

/// An op with run-time sizes: its mask and bias cannot be evaluated into a
/// matrix, so they are read as a predicate of i, j and the sizes and
/// compared with the patterns exactly (attn/Analysis/SymbolicMask.h). Only
/// for a dense op; the operands go when the pattern says all they say.
FailureOr<InferPatternResult> inferFromPredicate(RewriterBase &rewriter,
                                                 AttentionOp op) {
  if (!op.getEffectivePattern().isDense())
    return failure();
  Value mask = op.getMask(), bias = op.getBias();
  std::string why;
  FailureOr<PatternAttrInterface> pattern =
      inferSymbolicPattern(op.getContext(), mask, bias, dimOf(op.getQuery(), 2),
                           dimOf(op.getKey(), 2), why);
  if (failed(pattern)) {
    // As for evaluation: a run-time operand is the common case.
    if ((mask && mask.getDefiningOp()) || (bias && bias.getDefiningOp()))
      op.emitRemark() << "mask/bias with run-time sizes is not a pattern: "
                      << why;
    return failure();
  }
  rewriter.modifyOpInPlace(op, [&] {
    if (*pattern)
      op.setPatternAttr(*pattern);
    else
      op.removePatternAttr();
    op.getMaskMutable().clear();
    op.getBiasMutable().clear();
  });
  if (mask)
    eraseDeadProducers(rewriter, mask);
  if (bias)
    eraseDeadProducers(rewriter, bias);
  return InferPatternResult{InferPatternResult::Exact, *pattern};
}

} // namespace

FailureOr<InferPatternResult>
mlir::attn::inferPatternForOp(RewriterBase &rewriter, AttentionOp op,
                              const InferPatternOptions &options) {
  Value mask = op.getMask(), bias = op.getBias();
  if (!mask && !bias)
    return failure();
  if (op.getQOffset())
    return failure();
  auto qType = op.getQuery().getType(), kType = op.getKey().getType();
  int64_t lq = qType.getDimSize(2), lk = kType.getDimSize(2);
  if (ShapedType::isDynamic(lq) || ShapedType::isDynamic(lk))
    return inferFromPredicate(rewriter, op);

  // Size of the evaluation: the broadcast batch and head extents of the
  // operands times Lq x Lk.
  int64_t slicesB = 1, slicesH = 1;
  for (Value v : {mask, bias}) {
    if (!v)
      continue;
    std::optional<std::array<int64_t, 4>> dims = static4D(v.getType());
    if (!dims)
      return failure();
    slicesB = std::max(slicesB, (*dims)[0]);
    slicesH = std::max(slicesH, (*dims)[1]);
  }
  double entries = static_cast<double>(slicesB) * slicesH * lq * lk;
  if (entries > static_cast<double>(options.maxEntries)) {
    op.emitRemark() << "mask/bias of " << static_cast<int64_t>(entries)
                    << " entries (after broadcasting over Lq x Lk) exceeds "
                       "max-entries = "
                    << options.maxEntries << "; left as it is";
    return InferPatternResult{InferPatternResult::TooLarge};
  }

  ConstantEvalOptions evalOptions;
  evalOptions.maxElements = options.maxEntries;
  std::optional<Broadcast4D> maskData, biasData;
  // The run-time factor of a mask split into compile-time AND run-time.
  Value residual;
  for (auto [value, slot, name] : {std::make_tuple(mask, &maskData, "mask"),
                                   std::make_tuple(bias, &biasData, "bias")}) {
    if (!value)
      continue;
    std::string why;
    std::optional<EvaluatedTensor> t = evaluateTensor(value, evalOptions, &why);
    if (!t) {
      if (std::optional<RuntimeSplit> split =
              splitRuntimeConjunction(op, evalOptions)) {
        // The pattern comes from the compile-time factor alone; the
        // run-time factor stays as the mask.
        maskData.emplace(std::move(split->compileTime));
        biasData.reset();
        residual = split->runTime;
        break;
      }
      // A runtime operand (function argument) is the common case; only
      // computations the evaluator gave up on are worth a remark.
      if (value.getDefiningOp())
        op.emitRemark() << name << " is not evaluated at compile time: " << why;
      return failure();
    }
    slot->emplace(std::move(*t));
  }

  // Visibility per (b, h) slice, including the current pattern.
  PatternAttrInterface current = op.getEffectivePattern();
  VisibilityMatrix base = VisibilityMatrix::fromPattern(current, lq, lk);
  // transformers' additive masks hold the lowest finite float instead of
  // -inf. Such an entry is masked exactly when its row keeps a visible key:
  // then s + lowest - rowmax underflows exp to 0 (for f32 biases while
  // |s| < 2^103, see docs/Raising.md), as a masked entry gives. A row whose
  // every key is lowest would get uniform weights instead of zeros, so then
  // only -inf counts as masked.
  double lowest = -std::numeric_limits<double>::infinity();
  if (biasData)
    if (auto ft = dyn_cast<FloatType>(biasData->data.elementType))
      lowest = -APFloat::getLargest(ft.getFloatSemantics()).convertToDouble();
  SmallVector<VisibilityMatrix> slices;
  VisibilityMatrix unionVis(lq, lk);
  bool uniform = true;
  auto computeVisibility = [&](bool lowestMasked) {
    slices.clear();
    unionVis = VisibilityMatrix(lq, lk);
    uniform = true;
    bool everyRowSees = true;
    for (int64_t b = 0; b < slicesB; ++b) {
      for (int64_t h = 0; h < slicesH; ++h) {
        VisibilityMatrix vis = base;
        for (int64_t i = 0; i < lq; ++i) {
          bool rowSees = false;
          for (int64_t j = 0; j < lk; ++j) {
            if (!vis.get(i, j))
              continue;
            bool visible = true;
            if (maskData)
              visible =
                  maskData->at(b % maskData->dims[0], h % maskData->dims[1],
                               i % maskData->dims[2],
                               j % maskData->dims[3]) != 0.0;
            if (visible && biasData) {
              double x =
                  biasData->at(b % biasData->dims[0], h % biasData->dims[1],
                               i % biasData->dims[2], j % biasData->dims[3]);
              visible = x != -std::numeric_limits<double>::infinity() &&
                        !(lowestMasked && x == lowest);
            }
            vis.set(i, j, visible);
            rowSees |= visible;
            if (visible)
              unionVis.set(i, j, true);
          }
          everyRowSees &= rowSees;
        }
        if (!slices.empty() && !(slices.front() == vis))
          uniform = false;
        slices.push_back(std::move(vis));
      }
    }
    return everyRowSees;
  };
  if (!computeVisibility(/*lowestMasked=*/std::isfinite(lowest)))
    computeVisibility(/*lowestMasked=*/false);

  MLIRContext *context = op.getContext();
  PatternAttrInterface exact =
      inferExactPattern(context, unionVis, options.inference);
  InferPatternResult result;
  PatternAttrInterface chosen;
  bool dropMask = false, dropBias = false;
  if (residual) {
    // Only an exact pattern of the compile-time factor: then the op with
    // that pattern and the run-time factor as its mask sees exactly the
    // pairs it saw.
    if (!exact || !uniform)
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      if (exact.isDense())
        op.removePatternAttr();
      else
        op.setPatternAttr(exact);
      op.getMaskMutable().assign(residual);
      op.getBiasMutable().clear();
    });
    if (mask && mask != residual)
      eraseDeadProducers(rewriter, mask);
    if (bias)
      eraseDeadProducers(rewriter, bias);
    return InferPatternResult{InferPatternResult::Exact, exact};
  }
  if (exact && uniform) {
    chosen = exact;
    result.kind = InferPatternResult::Exact;
    dropMask = static_cast<bool>(mask);
    if (bias) {
      // The bias goes too when it adds 0 at every visible pair.
      dropBias = true;
      for (int64_t b = 0; b < slicesB && dropBias; ++b)
        for (int64_t h = 0; h < slicesH && dropBias; ++h)
          for (int64_t i = 0; i < lq && dropBias; ++i)
            for (int64_t j = 0; j < lk && dropBias; ++j)
              if (slices[b * slicesH + h].get(i, j) &&
                  biasData->at(b % biasData->dims[0], h % biasData->dims[1],
                               i % biasData->dims[2],
                               j % biasData->dims[3]) != 0.0)
                dropBias = false;
    }
  } else {
    int64_t currentCount = base.count();
    if (exact && unionVis.count() < currentCount)
      chosen = exact;
    else
      chosen =
          inferEnclosingPattern(context, unionVis, current, options.inference);
    if (!chosen)
      return failure();
    result.kind = InferPatternResult::Enclosing;
  }
  if (chosen == current && !dropMask && !dropBias)
    return failure();

  rewriter.modifyOpInPlace(op, [&] {
    if (chosen.isDense())
      op.removePatternAttr();
    else
      op.setPatternAttr(chosen);
    if (dropMask)
      op.getMaskMutable().clear();
    if (dropBias)
      op.getBiasMutable().clear();
  });
  result.pattern = chosen;
  if (dropMask)
    eraseDeadProducers(rewriter, mask);
  if (dropBias)
    eraseDeadProducers(rewriter, bias);
  return result;
}

namespace {

struct InferPatternRewrite : OpRewritePattern<AttentionOp> {
  InferPatternRewrite(MLIRContext *context, InferPatternOptions options)
      : OpRewritePattern(context), options(std::move(options)) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<InferPatternResult> result =
        inferPatternForOp(rewriter, op, options);
    return success(succeeded(result) &&
                   result->kind != InferPatternResult::TooLarge);
  }

  InferPatternOptions options;
};

struct AttnInferPatternPass
    : mlir::attn::impl::AttnInferPatternPassBase<AttnInferPatternPass> {
  using Base::Base;
  ATTN_PASS_OPTION_ERRORS

  // Options are checked once, before any function is visited.
  LogicalResult initialize(MLIRContext *context) override {
    auto fail = [&]() {
      return mlir::emitError(UnknownLoc::get(context))
             << "attn-infer-pattern: ";
    };
    if (blockSize < 1)
      return fail() << "'block-size' must be positive, got "
                    << blockSize.getValue();
    if (maxEntries < 1)
      return fail() << "'max-entries' must be positive, got "
                    << maxEntries.getValue();
    if (grid.size() > 3)
      return fail() << "'grid' has " << grid.size()
                    << " dimensions; neighborhoods have 1 to 3";
    for (int64_t x : grid)
      if (x < 1)
        return fail() << "'grid' entries must be positive, got " << x;
    options.inference.blockSize = blockSize;
    options.inference.grid.assign(grid.begin(), grid.end());
    options.maxEntries = maxEntries;
    return success();
  }

  void runOnOperation() override {
    SmallVector<AttentionOp> ops;
    getOperation().walk([&](AttentionOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (AttentionOp op : ops) {
      rewriter.setInsertionPoint(op);
      FailureOr<InferPatternResult> result =
          inferPatternForOp(rewriter, op, options);
      if (failed(result))
        continue;
      switch (result->kind) {
      case InferPatternResult::Exact:
        ++numExact;
        ::attn::stats::add(getArgument(), "exact-patterns", 1);
        break;
      case InferPatternResult::Enclosing:
        ++numEnclosing;
        ::attn::stats::add(getArgument(), "enclosing-patterns", 1);
        break;
      case InferPatternResult::TooLarge:
        ++numTooLarge;
        ::attn::stats::add(getArgument(), "too-large", 1);
        break;
      }
    }
  }

  InferPatternOptions options;
};

} // namespace

void mlir::attn::populateAttnInferPatternPatterns(
    RewritePatternSet &patterns, const InferPatternOptions &options) {
  patterns.add<InferPatternRewrite>(patterns.getContext(), options);
}
