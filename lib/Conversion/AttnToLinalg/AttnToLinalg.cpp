//===- AttnToLinalg.cpp - Reference decomposition of attn ops -------------===//
//
// The numerical oracle of the project. Attention materialises its scores and
// runs the normalizer's streaming recurrence once over the whole row (one
// "tile" of Lk keys); token merging replaces sorting and scattering with
// rank counts and masked reductions. Clarity beats speed here.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Common/KernelEmitter.h"
#include "attn/Conversion/Common/OnlineNormalizer.h"
#include "attn/Conversion/Common/ScoreMod.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <limits>

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOLINALGPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

using IT = utils::IteratorType;
constexpr IT kPar = IT::parallel;
constexpr IT kRed = IT::reduction;
using BodyFn = function_ref<void(OpBuilder &, Location, ValueRange)>;

/// Thin helper around linalg.generic on tensors.
struct GenericBuilder {
  OpBuilder &b;
  Location loc;

  SmallVector<Value> generic(ValueRange inputs, ValueRange inits,
                             ArrayRef<AffineMap> maps, ArrayRef<IT> iterators,
                             BodyFn body) {
    SmallVector<Type> resultTypes = llvm::to_vector(inits.getTypes());
    auto op = linalg::GenericOp::create(
        b, loc, resultTypes, inputs, inits, maps, iterators,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          body(nb, nloc, args);
        });
    return SmallVector<Value>(op.getResults().begin(), op.getResults().end());
  }

  Value empty(ArrayRef<OpFoldResult> sizes, Type elementType) {
    return tensor::EmptyOp::create(b, loc, sizes, elementType);
  }

  Value filled(ArrayRef<OpFoldResult> sizes, Type elementType,
               TypedAttr value) {
    Value cst = arith::ConstantOp::create(b, loc, value);
    return linalg::FillOp::create(b, loc, cst, empty(sizes, elementType))
        .getResult(0);
  }

  AffineMap map(unsigned numDims, ArrayRef<AffineExpr> results) {
    return AffineMap::get(numDims, 0, results, b.getContext());
  }

  AffineExpr dim(unsigned i) { return b.getAffineDimExpr(i); }
};

Value toF32(OpBuilder &b, Location loc, Value v) {
  Type f32 = b.getF32Type();
  if (v.getType() == f32)
    return v;
  return arith::ExtFOp::create(b, loc, f32, v);
}

Value f32Constant(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

Value indexToF32(OpBuilder &b, Location loc, Value index) {
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  return arith::SIToFPOp::create(b, loc, b.getF32Type(), i64);
}

//===----------------------------------------------------------------------===//
// attn.attention
//===----------------------------------------------------------------------===//

struct AttentionToLinalg : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    GenericBuilder g{rewriter, loc};
    OpBuilder &b = rewriter;
    Type f32 = b.getF32Type();
    PatternAttrInterface pattern = op.getEffectivePattern();
    NormalizerAttrInterface normalizer = op.getEffectiveNormalizer();

    int64_t hq = op.getQueryType().getDimSize(1);
    int64_t hkv = op.getKeyType().getDimSize(1);
    if (hq != hkv && (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv)))
      return rewriter.notifyMatchFailure(
          op, "grouped-query attention needs static head counts");
    int64_t group = hq == hkv ? 1 : hq / hkv;

    OpFoldResult sB = tensor::getMixedSize(b, loc, op.getQuery(), 0);
    OpFoldResult sHq = tensor::getMixedSize(b, loc, op.getQuery(), 1);
    OpFoldResult sLq = tensor::getMixedSize(b, loc, op.getQuery(), 2);
    OpFoldResult sLk = tensor::getMixedSize(b, loc, op.getKey(), 2);
    OpFoldResult sDv = tensor::getMixedSize(b, loc, op.getValue(), 3);
    Value lk = tensor::DimOp::create(b, loc, op.getKey(), 2);
    Value logicalLq =
        op.getQLenAttr()
            ? arith::ConstantIndexOp::create(b, loc, op.getQLenAttr().getInt())
                  .getResult()
            : tensor::DimOp::create(b, loc, op.getQuery(), 2).getResult();
    Value qOffset = op.getQOffset();
    Value lkF32 = indexToF32(b, loc, lk);
    // The online normalizer's element-wise builders, in a generic's body.
    auto online = [&](OpBuilder &nb, Location nl) {
      return OnlineNormalizer(nb, nl, normalizer, nb.getF32Type(), lkF32);
    };

    AffineExpr d0 = g.dim(0), d1 = g.dim(1), d2 = g.dim(2), d3 = g.dim(3),
               d4 = g.dim(4);
    AffineExpr kvHead = group == 1 ? d1 : d1.floorDiv(group);
    auto zeroF32 = b.getF32FloatAttr(0.0);

    // 1. Scaled scores S = (scale * q) . k over D: loops (b, h, i, j, d).
    // The query is scaled first, as the fused kernels do: a logit that
    // fits in f32 never overflows on the way.
    double scale = op.getEffectiveScale();
    Value scoresInit = g.filled({sB, sHq, sLq, sLk}, f32, zeroF32);
    Value raw = g.generic(
        {op.getQuery(), op.getKey()}, {scoresInit},
        {g.map(5, {d0, d1, d2, d4}), g.map(5, {d0, kvHead, d3, d4}),
         g.map(5, {d0, d1, d2, d3})},
        {kPar, kPar, kPar, kPar, kRed},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value scaledQ = arith::MulFOp::create(nb, nl, toF32(nb, nl, a[0]),
                                                f32Constant(nb, nl, scale));
          Value prod =
              arith::MulFOp::create(nb, nl, scaledQ, toF32(nb, nl, a[1]));
          linalg::YieldOp::create(
              nb, nl, ValueRange{arith::AddFOp::create(nb, nl, a[2], prod)});
        })[0];

    // 2. Logits s and visibility: loops (b, h, i, j).
    SmallVector<Value> inputs = {raw};
    SmallVector<AffineMap> maps = {g.map(4, {d0, d1, d2, d3})};
    Value bias = op.getBias(), mask = op.getMask();
    if (bias) {
      inputs.push_back(bias);
      maps.push_back(getBroadcastReadMap(cast<RankedTensorType>(bias.getType()),
                                         {0, 1, 2, 3}, 4));
    }
    if (mask) {
      inputs.push_back(mask);
      maps.push_back(getBroadcastReadMap(cast<RankedTensorType>(mask.getType()),
                                         {0, 1, 2, 3}, 4));
    }
    maps.push_back(g.map(4, {d0, d1, d2, d3}));
    maps.push_back(g.map(4, {d0, d1, d2, d3}));
    std::optional<double> softcap;
    if (auto c = op.getSoftcapAttr())
      softcap = c.getValueAsDouble();
    SmallVector<Value> logits = g.generic(
        inputs,
        {g.empty({sB, sHq, sLq, sLk}, f32),
         g.empty({sB, sHq, sLq, sLk}, b.getI1Type())},
        maps, {kPar, kPar, kPar, kPar},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          unsigned next = 1;
          Value s = a[0];
          if (softcap) {
            KernelEmitter e(nb, nl);
            s = e.softcap(s, f32Constant(nb, nl, *softcap));
          }
          Value i = linalg::IndexOp::create(nb, nl, 2);
          Value j = linalg::IndexOp::create(nb, nl, 3);
          if (qOffset)
            i = arith::AddIOp::create(nb, nl, i, qOffset);
          Value visible = pattern.buildIsVisible(nb, nl, i, j, logicalLq, lk);
          if (bias) {
            Value bv = toF32(nb, nl, a[next++]);
            Value negInf =
                f32Constant(nb, nl, -std::numeric_limits<double>::infinity());
            Value notMasked = arith::CmpFOp::create(
                nb, nl, arith::CmpFPredicate::UNE, bv, negInf);
            visible = arith::AndIOp::create(nb, nl, visible, notMasked);
            s = arith::AddFOp::create(nb, nl, s, bv);
          }
          if (mask)
            visible = arith::AndIOp::create(nb, nl, visible, a[next++]);
          if (op.hasScoreMod()) {
            // score_mod sees the row within this op (tiling moved its
            // offset into the region); a -inf result hides the pair.
            Value bIdx = linalg::IndexOp::create(nb, nl, 0);
            Value hIdx = linalg::IndexOp::create(nb, nl, 1);
            Value row = linalg::IndexOp::create(nb, nl, 2);
            s = emitScoreMod(nb, nl, op, s, {bIdx, hIdx, row, j}, IRMapping());
            Value negInf =
                f32Constant(nb, nl, -std::numeric_limits<double>::infinity());
            visible = arith::AndIOp::create(
                nb, nl, visible,
                arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::UNE, s,
                                      negInf));
          }
          linalg::YieldOp::create(nb, nl, ValueRange{s, visible});
        });
    Value s = logits[0], vis = logits[1];

    // 3. Initial state per (b, h, i): running max (from the sink when the
    // normalizer has one) and visible count.
    Value sink = op.getSink();
    SmallVector<Value> initInputs;
    SmallVector<AffineMap> initMaps;
    if (sink) {
      initInputs.push_back(sink);
      initMaps.push_back(g.map(3, {g.dim(1)}));
    }
    initMaps.push_back(g.map(3, {g.dim(0), g.dim(1), g.dim(2)}));
    Value maxInit = g.generic(
        initInputs, {g.empty({sB, sHq, sLq}, f32)}, initMaps,
        {kPar, kPar, kPar}, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value sigma = sink ? toF32(nb, nl, a[0]) : Value();
          Value m0 = online(nb, nl).initialMax(sigma);
          linalg::YieldOp::create(nb, nl, ValueRange{m0});
        })[0];
    Value countInit = g.filled({sB, sHq, sLq}, f32, zeroF32);
    auto rowMap = g.map(4, {d0, d1, d2});
    auto fullMap = g.map(4, {d0, d1, d2, d3});
    SmallVector<Value> stats =
        g.generic({s, vis}, {maxInit, countInit},
                  {fullMap, fullMap, rowMap, rowMap}, {kPar, kPar, kPar, kRed},
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    OnlineNormalizer on = online(nb, nl);
                    Value m = on.updateMax(a[2], a[0], /*visible=*/a[1]);
                    Value count = on.countVisible(a[3], a[0], /*visible=*/a[1]);
                    linalg::YieldOp::create(nb, nl, ValueRange{m, count});
                  });
    Value m = stats[0], count = stats[1];

    // 4. Weights p (0 where invisible) and their sum, starting from the
    // initial sum rescaled to the final maximum.
    Value p = g.generic(
        {s, vis, m, count}, {g.empty({sB, sHq, sLq, sLk}, f32)},
        {fullMap, fullMap, rowMap, rowMap, fullMap}, {kPar, kPar, kPar, kPar},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value p = online(nb, nl).weight(a[0], a[2], a[3], /*visible=*/a[1]);
          linalg::YieldOp::create(nb, nl, ValueRange{p});
        })[0];
    auto rowMap3 = g.map(3, {g.dim(0), g.dim(1), g.dim(2)});
    Value sumInit =
        g.generic({maxInit, m, count}, {g.empty({sB, sHq, sLq}, f32)},
                  {rowMap3, rowMap3, rowMap3, rowMap3}, {kPar, kPar, kPar},
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    OnlineNormalizer on = online(nb, nl);
                    Value l0 = on.rescaleSum(on.initialSum(),
                                             on.rescale(a[0], a[1], a[2]));
                    linalg::YieldOp::create(nb, nl, ValueRange{l0});
                  })[0];
    Value l = g.generic(
        {p}, {sumInit}, {fullMap, rowMap}, {kPar, kPar, kPar, kRed},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          linalg::YieldOp::create(
              nb, nl, ValueRange{arith::AddFOp::create(nb, nl, a[1], a[0])});
        })[0];

    // 4b. Column recalibration (#attn.act): normalise, take each key
    // column's mean weight over the query rows, scale the sink columns
    // (j >= 1, mean > alpha / Lk) by beta, and sum the rows again.
    if (std::optional<std::pair<double, double>> recal =
            normalizer.getColumnRecalibration()) {
      auto [alpha, beta] = *recal;
      Value pn = g.generic(
          {p, l, count}, {g.empty({sB, sHq, sLq, sLk}, f32)},
          {fullMap, rowMap, rowMap, fullMap}, {kPar, kPar, kPar, kPar},
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value f = online(nb, nl).finalScale(a[1], a[2]);
            linalg::YieldOp::create(
                nb, nl, ValueRange{arith::MulFOp::create(nb, nl, a[0], f)});
          })[0];
      Value colSum = g.generic(
          {pn}, {g.filled({sB, sHq, sLk}, f32, zeroF32)},
          {g.map(4, {d0, d1, d3, d2}), g.map(4, {d0, d1, d2})},
          {kPar, kPar, kPar, kRed},
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            linalg::YieldOp::create(
                nb, nl, ValueRange{arith::AddFOp::create(nb, nl, a[1], a[0])});
          })[0];
      Value lqF32 = indexToF32(b, loc, logicalLq);
      p = g.generic(
          {pn, colSum}, {g.empty({sB, sHq, sLq, sLk}, f32)},
          {fullMap, g.map(4, {d0, d1, d3}), fullMap}, {kPar, kPar, kPar, kPar},
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value mean = arith::DivFOp::create(nb, nl, a[1], lqF32);
            Value limit = arith::DivFOp::create(
                nb, nl, f32Constant(nb, nl, alpha), lkF32);
            Value sink = arith::CmpFOp::create(
                nb, nl, arith::CmpFPredicate::OGT, mean, limit);
            Value j = linalg::IndexOp::create(nb, nl, 3);
            Value notFirst = arith::CmpIOp::create(
                nb, nl, arith::CmpIPredicate::ugt, j,
                arith::ConstantIndexOp::create(nb, nl, 0));
            Value scaled =
                arith::MulFOp::create(nb, nl, a[0], f32Constant(nb, nl, beta));
            Value w = arith::SelectOp::create(
                nb, nl, arith::AndIOp::create(nb, nl, sink, notFirst), scaled,
                a[0]);
            linalg::YieldOp::create(nb, nl, ValueRange{w});
          })[0];
      l = g.generic(
          {p}, {g.filled({sB, sHq, sLq}, f32, zeroF32)}, {fullMap, rowMap},
          {kPar, kPar, kPar, kRed},
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            linalg::YieldOp::create(
                nb, nl, ValueRange{arith::AddFOp::create(nb, nl, a[1], a[0])});
          })[0];
    }

    // 5. acc = p . V over Lk: loops (b, h, i, e, j); then the final scale.
    Value accInit = g.filled({sB, sHq, sLq, sDv}, f32, zeroF32);
    Value acc = g.generic(
        {p, op.getValue()}, {accInit},
        {g.map(5, {d0, d1, d2, d4}), g.map(5, {d0, kvHead, d4, d3}),
         g.map(5, {d0, d1, d2, d3})},
        {kPar, kPar, kPar, kPar, kRed},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value prod = arith::MulFOp::create(nb, nl, a[0], toF32(nb, nl, a[1]));
          linalg::YieldOp::create(
              nb, nl, ValueRange{arith::AddFOp::create(nb, nl, a[2], prod)});
        })[0];
    Type elementType = op.getResultType().getElementType();
    Value out =
        g.generic({acc, l, count}, {g.empty({sB, sHq, sLq, sDv}, elementType)},
                  {fullMap, rowMap, rowMap, fullMap}, {kPar, kPar, kPar, kPar},
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    OnlineNormalizer on = online(nb, nl);
                    Value o =
                        on.output(a[0], on.finalScale(a[1], a[2]), elementType);
                    linalg::YieldOp::create(nb, nl, ValueRange{o});
                  })[0];
    if (out.getType() != op.getResultType())
      out = tensor::CastOp::create(b, loc, op.getResultType(), out);
    SmallVector<Value> results = {out};
    // The log-sum-exp from each row's final maximum and sum.
    if (RankedTensorType lseType = op.getLseType()) {
      Value lse = g.generic({m, l}, {g.empty({sB, sHq, sLq}, f32)},
                            {rowMap3, rowMap3, rowMap3}, {kPar, kPar, kPar},
                            [&](OpBuilder &nb, Location nl, ValueRange a) {
                              Value r = online(nb, nl).logSumExp({a[0], a[1]});
                              linalg::YieldOp::create(nb, nl, ValueRange{r});
                            })[0];
      if (lse.getType() != lseType)
        lse = tensor::CastOp::create(b, loc, lseType, lse);
      results.push_back(lse);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// attn.token_merge / attn.token_unmerge
//===----------------------------------------------------------------------===//

/// Shared pieces of both matchings, on static shapes.
struct MergeContext {
  GenericBuilder &g;
  int64_t batch, n, c, cm;

  OpBuilder &b() { return g.b; }
  Location loc() { return g.loc; }
  OpFoldResult sz(int64_t v) { return g.b.getIndexAttr(v); }
  Value idx(OpBuilder &nb, Location nl, int64_t v) {
    return arith::ConstantIndexOp::create(nb, nl, v);
  }

  /// Metric rows scaled to unit L2 norm (divided by max(norm, 1e-12)).
  Value normalizedMetric(Value metric) {
    Type f32 = b().getF32Type();
    AffineExpr d0 = g.dim(0), d1 = g.dim(1), d2 = g.dim(2);
    Value sumSq = g.generic(
        {metric}, {g.filled({sz(batch), sz(n)}, f32, b().getF32FloatAttr(0))},
        {g.map(3, {d0, d1, d2}), g.map(3, {d0, d1})}, {kPar, kPar, kRed},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value x = toF32(nb, nl, a[0]);
          Value sq = arith::MulFOp::create(nb, nl, x, x);
          linalg::YieldOp::create(
              nb, nl, ValueRange{arith::AddFOp::create(nb, nl, a[1], sq)});
        })[0];
    return g.generic(
        {metric, sumSq}, {g.empty({sz(batch), sz(n), sz(cm)}, f32)},
        {g.map(3, {d0, d1, d2}), g.map(3, {d0, d1}), g.map(3, {d0, d1, d2})},
        {kPar, kPar, kPar}, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value norm = math::SqrtOp::create(nb, nl, a[1]);
          norm = arith::MaximumFOp::create(nb, nl, norm,
                                           f32Constant(nb, nl, 1e-12));
          linalg::YieldOp::create(nb, nl,
                                  ValueRange{arith::DivFOp::create(
                                      nb, nl, toF32(nb, nl, a[0]), norm)});
        })[0];
  }

  /// Similarity of rows `rowMap` x `colMap` of `unit` (B x rows x cols).
  Value similarity(Value unit, int64_t rows, int64_t cols, AffineExpr rowExpr,
                   AffineExpr colExpr, BodyFn postprocess) {
    Type f32 = b().getF32Type();
    AffineExpr d0 = g.dim(0), d3 = g.dim(3);
    Value dot = g.generic(
        {unit, unit},
        {g.filled({sz(batch), sz(rows), sz(cols)}, f32,
                  b().getF32FloatAttr(0))},
        {g.map(4, {d0, rowExpr, d3}), g.map(4, {d0, colExpr, d3}),
         g.map(4, {d0, g.dim(1), g.dim(2)})},
        {kPar, kPar, kPar, kRed},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value prod = arith::MulFOp::create(nb, nl, a[0], a[1]);
          linalg::YieldOp::create(
              nb, nl, ValueRange{arith::AddFOp::create(nb, nl, a[2], prod)});
        })[0];
    return g.generic({dot}, {g.empty({sz(batch), sz(rows), sz(cols)}, f32)},
                     {g.map(3, {d0, g.dim(1), g.dim(2)}),
                      g.map(3, {d0, g.dim(1), g.dim(2)})},
                     {kPar, kPar, kPar}, postprocess)[0];
  }

  /// Best value and its index along the last dimension of `scores`
  /// (B x rows x cols), restricted to columns where `eligible` holds; ties
  /// go to the lower index whatever the reduction order.
  std::pair<Value, Value>
  argmax(Value scores, int64_t rows, int64_t cols,
         function_ref<Value(OpBuilder &, Location, Value row, Value col)>
             eligible) {
    Type f32 = b().getF32Type();
    AffineExpr d0 = g.dim(0), d1 = g.dim(1), d2 = g.dim(2);
    Value bestInit =
        g.filled({sz(batch), sz(rows)}, f32, b().getF32FloatAttr(-INFINITY));
    Value idxInit = g.filled({sz(batch), sz(rows)}, b().getIndexType(),
                             b().getIndexAttr(cols));
    SmallVector<Value> r = g.generic(
        {scores}, {bestInit, idxInit},
        {g.map(3, {d0, d1, d2}), g.map(3, {d0, d1}), g.map(3, {d0, d1})},
        {kPar, kPar, kRed}, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value row = linalg::IndexOp::create(nb, nl, 1);
          Value col = linalg::IndexOp::create(nb, nl, 2);
          Value better = arith::CmpFOp::create(
              nb, nl, arith::CmpFPredicate::OGT, a[0], a[1]);
          Value tie = arith::AndIOp::create(
              nb, nl,
              arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, a[0],
                                    a[1]),
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult, col,
                                    a[2]));
          Value take = arith::OrIOp::create(nb, nl, better, tie);
          if (eligible)
            take =
                arith::AndIOp::create(nb, nl, take, eligible(nb, nl, row, col));
          linalg::YieldOp::create(
              nb, nl,
              ValueRange{arith::SelectOp::create(nb, nl, take, a[0], a[1]),
                         arith::SelectOp::create(nb, nl, take, col, a[2])});
        });
    return {r[0], r[1]};
  }

  /// rank[b, x] = #{y : best[y] > best[x] or (best[y] == best[x] and y < x)}:
  /// the position of x when sorted by best score, descending, stable.
  Value rank(Value best, int64_t count) {
    AffineExpr d0 = g.dim(0), d1 = g.dim(1), d2 = g.dim(2);
    return g.generic(
        {best, best},
        {g.filled({sz(batch), sz(count)}, b().getIndexType(),
                  b().getIndexAttr(0))},
        {g.map(3, {d0, d2}), g.map(3, {d0, d1}), g.map(3, {d0, d1})},
        {kPar, kPar, kRed}, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value x = linalg::IndexOp::create(nb, nl, 1);
          Value y = linalg::IndexOp::create(nb, nl, 2);
          Value above = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT,
                                              a[0], a[1]);
          Value tie = arith::AndIOp::create(
              nb, nl,
              arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, a[0],
                                    a[1]),
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult, y, x));
          Value before = arith::OrIOp::create(nb, nl, above, tie);
          Value inc = arith::SelectOp::create(nb, nl, before, idx(nb, nl, 1),
                                              idx(nb, nl, 0));
          linalg::YieldOp::create(
              nb, nl, ValueRange{arith::AddIOp::create(nb, nl, a[2], inc)});
        })[0];
  }

  /// before[b, x] = #{y < x : isSource(y)} for the `count` entries of
  /// `domain` (B x count, read only to give the loop over y its extent).
  Value
  sourcesBefore(Value domain, int64_t count,
                function_ref<Value(OpBuilder &, Location, Value)> isSource) {
    AffineExpr d0 = g.dim(0), d1 = g.dim(1), d2 = g.dim(2);
    return g.generic(
        {domain},
        {g.filled({sz(batch), sz(count)}, b().getIndexType(),
                  b().getIndexAttr(0))},
        {g.map(3, {d0, d2}), g.map(3, {d0, d1})}, {kPar, kPar, kRed},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value x = linalg::IndexOp::create(nb, nl, 1);
          Value y = linalg::IndexOp::create(nb, nl, 2);
          Value hit = arith::AndIOp::create(
              nb, nl,
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult, y, x),
              isSource(nb, nl, y));
          Value inc = arith::SelectOp::create(nb, nl, hit, idx(nb, nl, 1),
                                              idx(nb, nl, 0));
          linalg::YieldOp::create(
              nb, nl, ValueRange{arith::AddIOp::create(nb, nl, a[1], inc)});
        })[0];
  }

  /// Size-weighted averages of the tokens sent to each of `kept` rows.
  std::pair<Value, Value> scatterMean(Value tokens, Value size, Value dst,
                                      int64_t kept, Type tokenType,
                                      Type sizeType) {
    Type f32 = b().getF32Type();
    AffineExpr d0 = g.dim(0), d1 = g.dim(1), d2 = g.dim(2), d3 = g.dim(3);
    auto zero = b().getF32FloatAttr(0);
    auto selectIfDst = [](OpBuilder &nb, Location nl, Value dstIdx, Value v) {
      Value row = linalg::IndexOp::create(nb, nl, 1);
      Value hit =
          arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, dstIdx, row);
      return arith::SelectOp::create(nb, nl, hit, v, f32Constant(nb, nl, 0.0))
          .getResult();
    };
    // Loops (b, d, n): total size per destination.
    Value total = g.generic(
        {dst, size}, {g.filled({sz(batch), sz(kept)}, f32, zero)},
        {g.map(3, {d0, d2}), g.map(3, {d0, d2}), g.map(3, {d0, d1})},
        {kPar, kPar, kRed}, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value s = selectIfDst(nb, nl, a[0], toF32(nb, nl, a[1]));
          linalg::YieldOp::create(
              nb, nl, ValueRange{arith::AddFOp::create(nb, nl, a[2], s)});
        })[0];
    // Loops (b, d, c, n): size-weighted sums.
    Value sums = g.generic(
        {dst, size, tokens},
        {g.filled({sz(batch), sz(kept), sz(c)}, f32, zero)},
        {g.map(4, {d0, d3}), g.map(4, {d0, d3}), g.map(4, {d0, d3, d2}),
         g.map(4, {d0, d1, d2})},
        {kPar, kPar, kPar, kRed},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value w = arith::MulFOp::create(nb, nl, toF32(nb, nl, a[1]),
                                          toF32(nb, nl, a[2]));
          Value s = selectIfDst(nb, nl, a[0], w);
          linalg::YieldOp::create(
              nb, nl, ValueRange{arith::AddFOp::create(nb, nl, a[3], s)});
        })[0];
    Value merged = g.generic(
        {sums, total}, {g.empty({sz(batch), sz(kept), sz(c)}, tokenType)},
        {g.map(3, {d0, d1, d2}), g.map(3, {d0, d1}), g.map(3, {d0, d1, d2})},
        {kPar, kPar, kPar}, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value v = arith::DivFOp::create(nb, nl, a[0], a[1]);
          if (v.getType() != tokenType)
            v = arith::TruncFOp::create(nb, nl, tokenType, v);
          linalg::YieldOp::create(nb, nl, ValueRange{v});
        })[0];
    Value mergedSize = total;
    if (sizeType != f32)
      mergedSize = g.generic(
          {total}, {g.empty({sz(batch), sz(kept)}, sizeType)},
          {g.map(2, {g.dim(0), g.dim(1)}), g.map(2, {g.dim(0), g.dim(1)})},
          {kPar, kPar}, [&](OpBuilder &nb, Location nl, ValueRange a) {
            linalg::YieldOp::create(
                nb, nl,
                ValueRange{arith::TruncFOp::create(nb, nl, sizeType, a[0])});
          })[0];
    return {merged, mergedSize};
  }
};

struct TokenMergeToLinalg : OpRewritePattern<TokenMergeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TokenMergeOp op,
                                PatternRewriter &rewriter) const override {
    auto tokensType = cast<RankedTensorType>(op.getTokens().getType());
    auto metricType = cast<RankedTensorType>(op.getMetric().getType());
    if (!tokensType.hasStaticShape() || !metricType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    Location loc = op.getLoc();
    GenericBuilder g{rewriter, loc};
    MergeContext mc{g, tokensType.getDimSize(0), tokensType.getDimSize(1),
                    tokensType.getDimSize(2), metricType.getDimSize(2)};
    int64_t n = mc.n, r = op.getR();
    bool protect = op.getProtectFirst();
    Type f32 = rewriter.getF32Type();
    Type sizeType =
        cast<RankedTensorType>(op.getMergedSize().getType()).getElementType();
    Value size = op.getSize();
    if (!size)
      size = g.filled({mc.sz(mc.batch), mc.sz(n)}, f32,
                      rewriter.getF32FloatAttr(1));
    Value unit = mc.normalizedMetric(op.getMetric());
    auto negInf = [](OpBuilder &nb, Location nl) {
      return f32Constant(nb, nl, -INFINITY);
    };
    auto cIdx = [](OpBuilder &nb, Location nl, int64_t v) -> Value {
      return arith::ConstantIndexOp::create(nb, nl, v);
    };
    using P = arith::CmpIPredicate;
    auto cmp = [](OpBuilder &nb, Location nl, P p, Value a, Value b) -> Value {
      return arith::CmpIOp::create(nb, nl, p, a, b);
    };
    auto extract = [](OpBuilder &nb, Location nl, Value t, ValueRange idx) {
      return tensor::ExtractOp::create(nb, nl, t, idx).getResult();
    };
    int64_t kept = n - r;
    Value dst; // B x N index
    // A B x N index tensor whose entry (b, t) is `entry(b, t)`.
    auto perToken =
        [&](function_ref<Value(OpBuilder &, Location, Value, Value)> entry) {
          return g.generic(
              {},
              {g.empty({mc.sz(mc.batch), mc.sz(n)}, rewriter.getIndexType())},
              {g.map(2, {g.dim(0), g.dim(1)})}, {kPar, kPar},
              [&](OpBuilder &bb, Location nl, ValueRange) {
                Value bi = linalg::IndexOp::create(bb, nl, 0);
                Value t = linalg::IndexOp::create(bb, nl, 1);
                linalg::YieldOp::create(bb, nl,
                                        ValueRange{entry(bb, nl, bi, t)});
              })[0];
        };
    AffineExpr d1 = g.dim(1), d2 = g.dim(2);

    if (op.getMatching() == Matching::bipartite) {
      int64_t na = (n + 1) / 2, nb = n / 2;
      Value score = mc.similarity(
          unit, na, nb, d1 * 2, d2 * 2 + 1,
          [&](OpBuilder &bb, Location nl, ValueRange a) {
            Value v = a[0];
            if (protect) {
              Value row = linalg::IndexOp::create(bb, nl, 1);
              v = arith::SelectOp::create(
                  bb, nl, cmp(bb, nl, P::eq, row, cIdx(bb, nl, 0)),
                  negInf(bb, nl), v);
            }
            linalg::YieldOp::create(bb, nl, ValueRange{v});
          });
      auto [best, partner] = mc.argmax(score, na, nb, nullptr);
      Value rank = mc.rank(best, na);
      auto isSource = [&](OpBuilder &bb, Location nl, Value a) {
        Value rk =
            extract(bb, nl, rank, {linalg::IndexOp::create(bb, nl, 0), a});
        return cmp(bb, nl, P::ult, rk, cIdx(bb, nl, r));
      };
      Value before = mc.sourcesBefore(rank, na, isSource);
      // dst[b, t]: B tokens go after the kept A tokens; merged A tokens go
      // to their partner; kept A tokens keep their order.
      dst = perToken([&](OpBuilder &bb, Location nl, Value bi, Value t) {
        Value two = cIdx(bb, nl, 2);
        Value half = arith::DivUIOp::create(bb, nl, t, two);
        Value isB = cmp(bb, nl, P::eq, arith::RemUIOp::create(bb, nl, t, two),
                        cIdx(bb, nl, 1));
        Value base = cIdx(bb, nl, na - r);
        // Clamp the A index so the extracts stay in bounds for B tokens.
        Value a = arith::MinUIOp::create(bb, nl, half, cIdx(bb, nl, na - 1));
        Value rk = extract(bb, nl, rank, {bi, a});
        Value merged = cmp(bb, nl, P::ult, rk, cIdx(bb, nl, r));
        Value toPartner = arith::AddIOp::create(
            bb, nl, base, extract(bb, nl, partner, {bi, a}));
        Value keptPos =
            arith::SubIOp::create(bb, nl, a, extract(bb, nl, before, {bi, a}));
        Value aDst =
            arith::SelectOp::create(bb, nl, merged, toPartner, keptPos);
        Value bDst = arith::AddIOp::create(bb, nl, base, half);
        return arith::SelectOp::create(bb, nl, isB, bDst, aDst).getResult();
      });
    } else {
      auto isProtected = [&](OpBuilder &bb, Location nl, Value t) -> Value {
        if (!protect)
          return arith::ConstantIntOp::create(bb, nl, 0, 1);
        return cmp(bb, nl, P::eq, t, cIdx(bb, nl, 0));
      };
      Value sim = mc.similarity(
          unit, n, n, d1, d2, [&](OpBuilder &bb, Location nl, ValueRange a) {
            Value row = linalg::IndexOp::create(bb, nl, 1);
            Value col = linalg::IndexOp::create(bb, nl, 2);
            Value off = arith::OrIOp::create(
                bb, nl, cmp(bb, nl, P::eq, row, col),
                arith::OrIOp::create(bb, nl, isProtected(bb, nl, row),
                                     isProtected(bb, nl, col)));
            linalg::YieldOp::create(bb, nl,
                                    ValueRange{arith::SelectOp::create(
                                        bb, nl, off, negInf(bb, nl), a[0])});
          });
      auto best = mc.argmax(sim, n, n, nullptr).first;
      Value rank = mc.rank(best, n);
      auto isSource = [&](OpBuilder &bb, Location nl, Value t) {
        Value rk =
            extract(bb, nl, rank, {linalg::IndexOp::create(bb, nl, 0), t});
        Value src = cmp(bb, nl, P::ult, rk, cIdx(bb, nl, r));
        return arith::AndIOp::create(
                   bb, nl, src,
                   arith::XOrIOp::create(
                       bb, nl, isProtected(bb, nl, t),
                       arith::ConstantIntOp::create(bb, nl, 1, 1)))
            .getResult();
      };
      Value target =
          mc.argmax(
                sim, n, n,
                [&](OpBuilder &bb, Location nl, Value, Value col) -> Value {
                  Value bad = arith::OrIOp::create(
                      bb, nl, isSource(bb, nl, col), isProtected(bb, nl, col));
                  return arith::XOrIOp::create(
                      bb, nl, bad, arith::ConstantIntOp::create(bb, nl, 1, 1));
                })
              .second;
      Value before = mc.sourcesBefore(rank, n, isSource);
      dst = perToken([&](OpBuilder &bb, Location nl, Value bi, Value t) {
        Value to = extract(bb, nl, target, {bi, t});
        // A source always has an eligible target; clamp for safety.
        to = arith::MinUIOp::create(bb, nl, to, cIdx(bb, nl, n - 1));
        Value src = isSource(bb, nl, t);
        Value where = arith::SelectOp::create(bb, nl, src, to, t);
        return arith::SubIOp::create(bb, nl, where,
                                     extract(bb, nl, before, {bi, where}))
            .getResult();
      });
    }

    auto [merged, mergedSize] = mc.scatterMean(
        op.getTokens(), size, dst, kept, tokensType.getElementType(), sizeType);
    auto castTo = [&](Value v, Type t) -> Value {
      return v.getType() == t ? v : tensor::CastOp::create(rewriter, loc, t, v);
    };
    rewriter.replaceOp(op, {castTo(merged, op.getMerged().getType()),
                            castTo(mergedSize, op.getMergedSize().getType()),
                            castTo(dst, op.getSource().getType())});
    return success();
  }
};

struct TokenUnmergeToLinalg : OpRewritePattern<TokenUnmergeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TokenUnmergeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    GenericBuilder g{rewriter, loc};
    auto resultType = cast<RankedTensorType>(op.getType());
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, op.getSource(), 0),
        tensor::getMixedSize(rewriter, loc, op.getSource(), 1),
        tensor::getMixedSize(rewriter, loc, op.getMerged(), 2)};
    Value merged = op.getMerged();
    Value out = g.generic(
        {op.getSource()}, {g.empty(sizes, resultType.getElementType())},
        {g.map(3, {g.dim(0), g.dim(1)}),
         g.map(3, {g.dim(0), g.dim(1), g.dim(2)})},
        {kPar, kPar, kPar}, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value bi = linalg::IndexOp::create(nb, nl, 0);
          Value ci = linalg::IndexOp::create(nb, nl, 2);
          Value v = tensor::ExtractOp::create(nb, nl, merged,
                                              ValueRange{bi, a[0], ci});
          linalg::YieldOp::create(nb, nl, ValueRange{v});
        })[0];
    if (out.getType() != resultType)
      out = tensor::CastOp::create(rewriter, loc, resultType, out);
    rewriter.replaceOp(op, out);
    return success();
  }
};

struct ConvertAttnToLinalgPass
    : attn::impl::ConvertAttnToLinalgPassBase<ConvertAttnToLinalgPass> {
  void runOnOperation() override {
    Operation *root = getOperation();
    int64_t attention = 0, merges = 0;
    root->walk([&](Operation *op) {
      if (isa<AttentionOp>(op))
        ++attention;
      else if (isa<TokenMergeOp, TokenUnmergeOp>(op))
        ++merges;
    });
    RewritePatternSet patterns(&getContext());
    populateAttnToLinalgConversionPatterns(patterns);
    walkAndApplyPatterns(root, std::move(patterns));
    WalkResult leftover = root->walk([&](Operation *op) {
      if (isa<AttentionOp, TokenMergeOp, TokenUnmergeOp>(op)) {
        op->emitOpError() << "could not be decomposed into linalg (dynamic "
                             "shapes are supported only for attn.attention "
                             "without grouped-query heads)";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (leftover.wasInterrupted())
      return signalPassFailure();
    numAttentionOps += attention;
    numTokenMergeOps += merges;
  }
};

} // namespace

void mlir::attn::populateAttnToLinalgConversionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AttentionToLinalg, TokenMergeToLinalg, TokenUnmergeToLinalg>(
      patterns.getContext());
}
