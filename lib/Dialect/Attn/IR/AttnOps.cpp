//===- AttnOps.cpp - attn op verifiers, accessors, canonicalization -------===//

#include "attn/Dialect/Attn/IR/Attn.h"

#include "attn/Support/CapturedDiagnostics.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Verifier.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;

#define GET_OP_CLASSES
#include "attn/Dialect/Attn/IR/AttnOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared verification helpers
//===----------------------------------------------------------------------===//

static bool isAttentionFloat(Type type) {
  return type.isF32() || type.isF16() || type.isBF16();
}

/// Two static sizes conflict; a dynamic size agrees with anything.
static bool sizesConflict(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
}

/// Checks that `type` broadcasts (numpy rules, right-aligned) to `target`.
AffineMap mlir::attn::getBroadcastReadMap(RankedTensorType operand,
                                          ArrayRef<unsigned> targetLoops,
                                          unsigned numLoops) {
  MLIRContext *ctx = operand.getContext();
  int64_t lead = static_cast<int64_t>(targetLoops.size()) - operand.getRank();
  assert(lead >= 0 && "operand has more dimensions than the target");
  SmallVector<AffineExpr> results;
  for (int64_t d = 0; d < operand.getRank(); ++d)
    results.push_back(operand.getDimSize(d) == 1
                          ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(targetLoops[lead + d], ctx));
  return AffineMap::get(numLoops, 0, results, ctx);
}

static LogicalResult verifyBroadcastable(Operation *op, StringRef name,
                                         RankedTensorType type,
                                         ArrayRef<int64_t> target) {
  if (type.getRank() > static_cast<int64_t>(target.size()))
    return op->emitOpError()
           << name << " has rank " << type.getRank() << ", more than the "
           << target.size() << " dimensions of B x Hq x Lq x Lk";
  int64_t offset = target.size() - type.getRank();
  static const char *dimNames[] = {"B", "Hq", "Lq", "Lk"};
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t size = type.getDimSize(d);
    int64_t want = target[offset + d];
    if (size == 1 || !sizesConflict(size, want))
      continue;
    return op->emitOpError() << name << " dimension " << d << " has size "
                             << size << ", which does not broadcast to "
                             << dimNames[offset + d] << " = " << want;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

/// The score_mod region: one block `(f32, index, index, index, index)`
/// ending in `attn.yield` of one f32, ops free of side effects, and values
/// from above that are scalars or tensors read by `tensor.extract` only (the
/// kernel lowerings pass those as buffers).
static LogicalResult verifyScoreMod(AttentionOp op) {
  Region &region = op.getScoreMod();
  if (region.empty())
    return success();
  if (!region.hasOneBlock())
    return op.emitOpError() << "score_mod must have one block, got "
                            << region.getBlocks().size();
  Block &block = region.front();
  Builder b(op.getContext());
  SmallVector<Type> want = {b.getF32Type(), b.getIndexType(), b.getIndexType(),
                            b.getIndexType(), b.getIndexType()};
  if (TypeRange(block.getArgumentTypes()) != TypeRange(want)) {
    std::string got;
    llvm::raw_string_ostream os(got);
    llvm::interleaveComma(block.getArgumentTypes(), os);
    return op.emitOpError()
           << "score_mod block arguments must be (s: f32, b: index, h: index, "
              "i: index, j: index), got ("
           << got << ")";
  }
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield || yield.getValues().size() != 1 ||
      !yield.getValues()[0].getType().isF32())
    return op.emitOpError()
           << "score_mod must end in 'attn.yield' of one f32 value";
  WalkResult walk = region.walk([&](Operation *inner) {
    if (inner->getNumRegions() != 0 && inner != op) {
      inner->emitOpError() << "holds a region; the score_mod region of "
                              "'attn.attention' takes straight-line code only";
      return WalkResult::interrupt();
    }
    if (!isMemoryEffectFree(inner)) {
      inner->emitOpError() << "has side effects and cannot appear in the "
                              "score_mod region of 'attn.attention'";
      return WalkResult::interrupt();
    }
    for (Value operand : inner->getOperands()) {
      if (region.isAncestor(operand.getParentRegion()))
        continue;
      Type type = operand.getType();
      if (type.isIntOrIndexOrFloat())
        continue;
      auto extract = dyn_cast<tensor::ExtractOp>(inner);
      if (isa<RankedTensorType>(type) && extract &&
          extract.getTensor() == operand)
        continue;
      inner->emitOpError()
          << "uses a value of type " << type
          << " from outside the score_mod region; only scalars, and tensors "
             "read with 'tensor.extract', may be captured";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

PatternAttrInterface AttentionOp::getEffectivePattern() {
  if (auto pattern = getPatternAttr())
    return pattern;
  return cast<PatternAttrInterface>(DenseAttr::get(getContext()));
}

NormalizerAttrInterface AttentionOp::getEffectiveNormalizer() {
  if (auto normalizer = getNormalizerAttr())
    return normalizer;
  return cast<NormalizerAttrInterface>(
      SoftmaxAttr::get(getContext(), SinkKind::none));
}

double AttentionOp::getEffectiveScale() {
  if (auto scale = getScaleAttr())
    return scale.getValueAsDouble();
  return 1.0 / std::sqrt(static_cast<double>(getQueryType().getDimSize(3)));
}

int64_t AttentionOp::getLogicalQueryLength() {
  if (auto qLen = getQLenAttr())
    return qLen.getInt();
  return getQueryType().getDimSize(2);
}

LogicalResult AttentionOp::verify() {
  RankedTensorType q = getQueryType(), k = getKeyType(), v = getValueType(),
                   r = getResultType();
  for (auto [name, type] : {std::pair<StringRef, RankedTensorType>{"query", q},
                            {"key", k},
                            {"value", v},
                            {"result", r}})
    if (type.getRank() != 4)
      return emitOpError() << name << " must have rank 4, got rank "
                           << type.getRank() << " (" << type << ")";
  Type elementType = q.getElementType();
  if (!isAttentionFloat(elementType))
    return emitOpError() << "query element type must be f32, f16 or bf16, got "
                         << elementType;
  if (k.getElementType() != elementType || v.getElementType() != elementType)
    return emitOpError() << "key and value element types ("
                         << k.getElementType() << ", " << v.getElementType()
                         << ") must match the query's (" << elementType << ")";
  if (r.getElementType() != elementType)
    return emitOpError() << "result element type " << r.getElementType()
                         << " must match the query's (" << elementType << ")";

  int64_t batch = q.getDimSize(0), hq = q.getDimSize(1), lq = q.getDimSize(2),
          d = q.getDimSize(3);
  int64_t hkv = k.getDimSize(1), lk = k.getDimSize(2), dv = v.getDimSize(3);
  if (sizesConflict(k.getDimSize(0), batch) ||
      sizesConflict(v.getDimSize(0), batch) ||
      sizesConflict(r.getDimSize(0), batch))
    return emitOpError() << "batch sizes differ: query " << batch << ", key "
                         << k.getDimSize(0) << ", value " << v.getDimSize(0)
                         << ", result " << r.getDimSize(0);
  if (sizesConflict(v.getDimSize(1), hkv))
    return emitOpError() << "key has " << hkv << " heads but value has "
                         << v.getDimSize(1);
  // Sizes that every lowering divides by or takes the square root of.
  for (auto [name, size] : {std::pair<StringRef, int64_t>{"query heads Hq", hq},
                            {"key/value heads Hkv", hkv},
                            {"head dim D", d}})
    if (size == 0)
      return emitOpError() << name << " must be at least 1, got 0";
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) &&
      (hkv == 0 || hq % hkv != 0))
    return emitOpError() << "query heads (" << hq
                         << ") must be a multiple of key/value heads (" << hkv
                         << ")";
  if (sizesConflict(k.getDimSize(3), d))
    return emitOpError() << "query head dim D = " << d
                         << " differs from key head dim " << k.getDimSize(3);
  if (sizesConflict(v.getDimSize(2), lk))
    return emitOpError() << "key length " << lk << " differs from value length "
                         << v.getDimSize(2);
  if (sizesConflict(r.getDimSize(1), hq) ||
      sizesConflict(r.getDimSize(2), lq) || sizesConflict(r.getDimSize(3), dv))
    return emitOpError() << "result type " << r
                         << " does not match B x Hq x Lq x Dv = " << batch
                         << " x " << hq << " x " << lq << " x " << dv;

  // A result size the operands fix must be static: lowerings allocate the
  // result from the operands' sizes.
  int64_t fixed[4] = {batch, hq, lq, dv};
  for (int64_t dim = 0; dim < 4; ++dim)
    if (r.isDynamicDim(dim) && !ShapedType::isDynamic(fixed[dim]))
      return emitOpError() << "result dimension " << dim
                           << " is dynamic but the operands fix it to "
                           << fixed[dim] << " (result type " << r << ")";

  SmallVector<int64_t> scoreShape = {batch, hq, lq, lk};
  if (Value bias = getBias()) {
    auto type = cast<RankedTensorType>(bias.getType());
    if (!isAttentionFloat(type.getElementType()))
      return emitOpError() << "bias element type must be f32, f16 or bf16, got "
                           << type.getElementType();
    if (failed(verifyBroadcastable(*this, "bias", type, scoreShape)))
      return failure();
  }
  if (Value mask = getMask()) {
    auto type = cast<RankedTensorType>(mask.getType());
    if (!type.getElementType().isInteger(1))
      return emitOpError() << "mask element type must be i1, got "
                           << type.getElementType();
    if (failed(verifyBroadcastable(*this, "mask", type, scoreShape)))
      return failure();
  }

  NormalizerAttrInterface normalizer = getEffectiveNormalizer();
  if (Value sink = getSink()) {
    auto type = cast<RankedTensorType>(sink.getType());
    if (type.getRank() != 1 || sizesConflict(type.getDimSize(0), hq))
      return emitOpError() << "sink must have shape Hq = " << hq << ", got "
                           << type;
    if (!isAttentionFloat(type.getElementType()))
      return emitOpError() << "sink element type must be f32, f16 or bf16, got "
                           << type.getElementType();
    if (!normalizer.requiresSinkOperand())
      return emitOpError() << "has a sink operand but normalizer " << normalizer
                           << " does not use one";
  } else if (normalizer.requiresSinkOperand()) {
    return emitOpError() << "normalizer " << normalizer
                         << " requires a sink operand";
  }

  if (RankedTensorType lse = getLseType()) {
    if (lse.getRank() != 3 || !lse.getElementType().isF32() ||
        sizesConflict(lse.getDimSize(0), batch) ||
        sizesConflict(lse.getDimSize(1), hq) ||
        sizesConflict(lse.getDimSize(2), lq))
      return emitOpError() << "log-sum-exp result must be B x Hq x Lq = "
                           << batch << " x " << hq << " x " << lq
                           << " of f32, got " << lse;
    int64_t rowDims[3] = {batch, hq, lq};
    for (int64_t dim = 0; dim < 3; ++dim)
      if (lse.isDynamicDim(dim) && !ShapedType::isDynamic(rowDims[dim]))
        return emitOpError() << "log-sum-exp dimension " << dim
                             << " is dynamic but the operands fix it to "
                             << rowDims[dim] << " (type " << lse << ")";
    if (!normalizer.hasLogSumExp())
      return emitOpError() << "normalizer " << normalizer
                           << " has no log-sum-exp; only the softmax family "
                              "may return one";
  }

  if (auto scale = getScaleAttr())
    if (!std::isfinite(scale.getValueAsDouble()))
      return emitOpError() << "scale must be finite, got "
                           << scale.getValueAsDouble();
  if (auto softcap = getSoftcapAttr()) {
    double c = softcap.getValueAsDouble();
    if (!(c > 0.0) || !std::isfinite(c))
      return emitOpError() << "softcap must be positive and finite, got " << c;
  }

  if (static_cast<bool>(getQOffset()) != static_cast<bool>(getQLenAttr()))
    return emitOpError() << "q_offset and q_len must be given together";
  if (getQOffset() && getEffectiveNormalizer().getColumnRecalibration())
    return emitOpError() << "normalizer " << getEffectiveNormalizer()
                         << " needs every query row and cannot be combined "
                            "with q_offset";
  if (failed(verifyScoreMod(*this)))
    return failure();
  int64_t logicalLq = getLogicalQueryLength();
  if (auto qLen = getQLenAttr()) {
    if (qLen.getInt() < 1 || (!ShapedType::isDynamic(lq) && qLen.getInt() < lq))
      return emitOpError() << "q_len " << qLen.getInt()
                           << " must be positive and at least Lq = " << lq;
    APInt offset;
    if (matchPattern(getQOffset(), m_ConstantInt(&offset)) &&
        (offset.getSExtValue() < 0 ||
         (!ShapedType::isDynamic(lq) &&
          offset.getSExtValue() + lq > qLen.getInt())))
      return emitOpError() << "q_offset " << offset.getSExtValue()
                           << " places rows outside [0, q_len = "
                           << qLen.getInt() << ")";
  }
  return getEffectivePattern().verifyForShape([&]() { return emitOpError(); },
                                              logicalLq, lk);
}

FailureOr<Operation *> AttentionOp::foldOperandCasts(RewriterBase &rewriter) {
  SmallVector<std::pair<unsigned, Value>> sources;
  for (OpOperand &operand : getOperation()->getOpOperands()) {
    auto cast = operand.get().getDefiningOp<tensor::CastOp>();
    if (cast && tensor::canFoldIntoConsumerOp(cast))
      sources.push_back({operand.getOperandNumber(), cast.getSource()});
  }
  if (sources.empty())
    return static_cast<Operation *>(nullptr);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(*this);
  Operation *candidate = rewriter.clone(*getOperation());
  for (auto [number, source] : sources)
    candidate->setOperand(number, source);
  // The result's sizes from the new query (B, Hq, Lq) and value (Dv).
  auto q = cast<RankedTensorType>(candidate->getOperand(0).getType());
  auto v = cast<RankedTensorType>(candidate->getOperand(2).getType());
  auto resultType = getResultType();
  SmallVector<int64_t> shape(resultType.getShape());
  for (int64_t d = 0; d < 3; ++d)
    if (ShapedType::isDynamic(shape[d]))
      shape[d] = q.getDimSize(d);
  if (ShapedType::isDynamic(shape[3]))
    shape[3] = v.getDimSize(3);
  candidate->getResult(0).setType(
      RankedTensorType::get(shape, resultType.getElementType()));
  if (RankedTensorType lse = getLseType())
    candidate->getResult(1).setType(RankedTensorType::get(
        ArrayRef(shape).take_front(3), lse.getElementType()));
  if (failed(mlir::verify(candidate, /*verifyRecursively=*/false))) {
    rewriter.eraseOp(candidate);
    return failure();
  }
  return candidate;
}

LogicalResult AttentionOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  SmallVector<OpFoldResult> shape;
  Location loc = getLoc();
  shape.push_back(tensor::getMixedSize(b, loc, getQuery(), 0));
  shape.push_back(tensor::getMixedSize(b, loc, getQuery(), 1));
  shape.push_back(tensor::getMixedSize(b, loc, getQuery(), 2));
  shape.push_back(tensor::getMixedSize(b, loc, getValue(), 3));
  reifiedReturnShapes.push_back(shape);
  if (getLse())
    reifiedReturnShapes.push_back(
        SmallVector<OpFoldResult>(ArrayRef(shape).take_front(3)));
  return success();
}

namespace {
/// Drops attributes and operands that restate the defaults: a dense pattern,
/// a plain softmax, an all-true constant mask and an all-zero constant bias.
struct DropDefaultAttentionParts : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    bool changed = false;
    if (auto pattern = op.getPatternAttr(); pattern && pattern.isDense()) {
      rewriter.modifyOpInPlace(op, [&] { op.removePatternAttr(); });
      changed = true;
    }
    if (auto normalizer = op.getNormalizerAttr();
        normalizer && normalizer.isPlainSoftmax()) {
      rewriter.modifyOpInPlace(op, [&] { op.removeNormalizerAttr(); });
      changed = true;
    }
    DenseElementsAttr constant;
    if (Value mask = op.getMask();
        mask && matchPattern(mask, m_Constant(&constant)) &&
        constant.isSplat() && constant.getSplatValue<bool>()) {
      rewriter.modifyOpInPlace(op, [&] { op.getMaskMutable().clear(); });
      changed = true;
    }
    if (Value bias = op.getBias();
        bias && matchPattern(bias, m_Constant(&constant)) &&
        constant.isSplat() && constant.getSplatValue<APFloat>().isZero()) {
      rewriter.modifyOpInPlace(op, [&] { op.getBiasMutable().clear(); });
      changed = true;
    }
    return success(changed);
  }
};
/// Operands that are tensor.cast's to a less static type read the cast's
/// source instead (what specialising a dynamic function to static sizes
/// leaves); the result takes the static sizes that follow, cast back for
/// its users. Sizes that the verifier would reject are not folded
/// (AttentionOp::foldOperandCasts reports them).
struct FoldAttentionOperandCasts : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<Operation *> folded;
    {
      ::attn::CapturedDiagnostics quiet(op.getContext());
      folded = op.foldOperandCasts(rewriter);
    }
    if (failed(folded) || !*folded)
      return failure();
    SmallVector<Value> results;
    for (auto [from, to] :
         llvm::zip_equal((*folded)->getResults(), op->getResults())) {
      Value result = from;
      if (result.getType() != to.getType())
        result =
            tensor::CastOp::create(rewriter, op.getLoc(), to.getType(), result);
      results.push_back(result);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};
} // namespace

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<DropDefaultAttentionParts, FoldAttentionOperandCasts>(context);
}

//===----------------------------------------------------------------------===//
// TokenMergeOp
//===----------------------------------------------------------------------===//

LogicalResult TokenMergeOp::verify() {
  auto tokens = cast<RankedTensorType>(getTokens().getType());
  auto metric = cast<RankedTensorType>(getMetric().getType());
  if (tokens.getRank() != 3)
    return emitOpError() << "tokens must have rank 3 (B x N x C), got "
                         << tokens;
  if (metric.getRank() != 3)
    return emitOpError() << "metric must have rank 3 (B x N x Cm), got "
                         << metric;
  if (!isa<FloatType>(tokens.getElementType()) ||
      !isa<FloatType>(metric.getElementType()))
    return emitOpError() << "tokens and metric must have float elements";
  int64_t batch = tokens.getDimSize(0), n = tokens.getDimSize(1),
          c = tokens.getDimSize(2);
  if (sizesConflict(metric.getDimSize(0), batch) ||
      sizesConflict(metric.getDimSize(1), n))
    return emitOpError() << "metric " << metric
                         << " does not match tokens' B x N = " << batch << " x "
                         << n;
  Type sizeElement = FloatType(Float32Type::get(getContext()));
  if (Value size = getSize()) {
    auto type = cast<RankedTensorType>(size.getType());
    if (type.getRank() != 2 || sizesConflict(type.getDimSize(0), batch) ||
        sizesConflict(type.getDimSize(1), n))
      return emitOpError() << "size must have shape B x N = " << batch << " x "
                           << n << ", got " << type;
    if (!isa<FloatType>(type.getElementType()))
      return emitOpError() << "size must have float elements, got "
                           << type.getElementType();
    sizeElement = type.getElementType();
  }
  int64_t r = getR();
  int64_t protect = getProtectFirst() ? 1 : 0;
  if (!ShapedType::isDynamic(n)) {
    int64_t maxR = getMatching() == Matching::bipartite ? (n + 1) / 2 - protect
                                                        : n - 1 - protect;
    if (r > maxR)
      return emitOpError() << "r = " << r << " exceeds the " << maxR
                           << " tokens that "
                           << stringifyMatching(getMatching())
                           << " matching can merge away from N = " << n
                           << (protect ? " with protect_first" : "");
  }
  int64_t kept = ShapedType::isDynamic(n) ? ShapedType::kDynamic : n - r;
  auto merged = cast<RankedTensorType>(getMerged().getType());
  if (merged.getRank() != 3 || sizesConflict(merged.getDimSize(0), batch) ||
      sizesConflict(merged.getDimSize(1), kept) ||
      sizesConflict(merged.getDimSize(2), c) ||
      merged.getElementType() != tokens.getElementType())
    return emitOpError() << "merged must be B x (N - r) x C = " << batch
                         << " x " << kept << " x " << c << " of "
                         << tokens.getElementType() << ", got " << merged;
  auto mergedSize = cast<RankedTensorType>(getMergedSize().getType());
  if (mergedSize.getRank() != 2 ||
      sizesConflict(mergedSize.getDimSize(0), batch) ||
      sizesConflict(mergedSize.getDimSize(1), kept) ||
      mergedSize.getElementType() != sizeElement)
    return emitOpError() << "merged_size must be B x (N - r) = " << batch
                         << " x " << kept << " of " << sizeElement << ", got "
                         << mergedSize;
  auto source = cast<RankedTensorType>(getSource().getType());
  if (source.getRank() != 2 || sizesConflict(source.getDimSize(0), batch) ||
      sizesConflict(source.getDimSize(1), n) ||
      !source.getElementType().isIndex())
    return emitOpError() << "source must be B x N = " << batch << " x " << n
                         << " of index, got " << source;
  return success();
}

//===----------------------------------------------------------------------===//
// TokenUnmergeOp
//===----------------------------------------------------------------------===//

LogicalResult TokenUnmergeOp::verify() {
  auto merged = cast<RankedTensorType>(getMerged().getType());
  auto source = cast<RankedTensorType>(getSource().getType());
  auto result = cast<RankedTensorType>(getResult().getType());
  if (merged.getRank() != 3)
    return emitOpError() << "merged must have rank 3 (B x M x C), got "
                         << merged;
  if (source.getRank() != 2 || !source.getElementType().isIndex())
    return emitOpError() << "source must be a B x N tensor of index, got "
                         << source;
  if (sizesConflict(source.getDimSize(0), merged.getDimSize(0)))
    return emitOpError() << "source batch " << source.getDimSize(0)
                         << " differs from merged batch "
                         << merged.getDimSize(0);
  if (result.getRank() != 3 ||
      sizesConflict(result.getDimSize(0), merged.getDimSize(0)) ||
      sizesConflict(result.getDimSize(1), source.getDimSize(1)) ||
      sizesConflict(result.getDimSize(2), merged.getDimSize(2)) ||
      result.getElementType() != merged.getElementType())
    return emitOpError() << "result must be B x N x C = "
                         << merged.getDimSize(0) << " x "
                         << source.getDimSize(1) << " x "
                         << merged.getDimSize(2) << " of "
                         << merged.getElementType() << ", got " << result;
  return success();
}
