//===- TokenMergeLoops.cpp - Loops of attn.token_merge / token_unmerge ---===//
//
// attn.token_merge becomes one loop nest on buffers, parallel over the batch
// (OpenMP after --attn-cpu-pipeline). Per batch row b:
//
//   unit[n, :] = metric[b, n, :] / max(||metric[b, n, :]||, 1e-12)  (N x Cm)
//   bipartite:       best[a], partner[a] = max / first argmax over the B
//                    tokens of unit[2a] . unit[2bb+1], computed on the fly
//                    (the |A| x |B| score matrix is never stored)
//   complete graph:  best[n] = max over m != n of unit[n] . unit[m], each
//                    pair computed once (the N x N similarity is never stored)
//   rank[x] = #{y : best[y] > best[x] or (best[y] == best[x] and y < x)}
//   (an O(count^2) counting sort, no scratch): x is a source iff rank < r
//   source[b, n] = the merged row of n (written straight into the result);
//   a complete-graph source recomputes its similarities to find its target
//   sums of size * token per merged row, then merged = sum / total size;
//   a row holding a single token copies it bit for bit
//
// Everything follows the naive reference (attn/Reference/Naive.h) and SPEC
// section 5: ties go to the lower index (best partner, ranking, target),
// accumulation is in f32 (f64 when an operand is f64). Scratch per batch row:
// N x Cm + O(N) floats/indices, plus N x C floats for the sums when the tokens
// are not f32 (f32 tokens are summed in the result buffer). Scratch lives on
// the stack while the op's total stays under kMaxStackScratchBytes (the CPU
// pipeline hoists those allocas to one copy per OpenMP thread), on the heap
// (memref.alloc inside the loop body, freed there by the buffer deallocation
// pipeline) beyond.
//
// attn.token_unmerge is a row gather, parallel over (batch, token). A source
// index outside [0, M) produces a row of zeros (the reference decomposition
// leaves that case undefined: its tensor.extract would read out of bounds).
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Common/TokenMergeLoops.h"
#include "attn/Conversion/Common/KernelOperands.h"
#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Per-thread stack budget for the scratch buffers of one op.
constexpr int64_t kMaxStackScratchBytes = 256 * 1024;

/// Why `type` cannot be a statically shaped tensor of floats (empty if it
/// can).
std::string checkStaticFloat(Type type, StringRef what) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return (what + " is not a ranked tensor").str();
  if (!ranked.hasStaticShape())
    return "it has dynamic shapes";
  auto elt = dyn_cast<FloatType>(ranked.getElementType());
  if (!elt)
    return (what + " does not have float elements").str();
  if (elt.getWidth() > 64)
    return (what + " elements wider than 64 bits have no CPU loops").str();
  return "";
}

} // namespace

//===----------------------------------------------------------------------===//
// One batch row, sequentially
//===----------------------------------------------------------------------===//

TokenMergeRow::TokenMergeRow(KernelEmitter &e, const TokenMergeLoops &loops,
                             Value bi, const TokenMergeBuffers &buffers)
    : e(e), bi(bi), tokens(buffers.tokens), metric(buffers.metric),
      size(buffers.size), merged(buffers.merged),
      mergedSize(buffers.mergedSize), source(buffers.source), n(loops.n),
      c(loops.c), cm(loops.cm), r(loops.r), protect(loops.protect),
      acc(loops.acc) {}

/// Heap scratch gets no dealloc here: the pipelines run the ownership-based
/// buffer deallocation, which frees it at the end of the iteration (and
/// rejects explicit memref.dealloc ops).
Value TokenMergeRow::scratch(ArrayRef<int64_t> shape, Type elt) {
  auto type = MemRefType::get(shape, elt);
  int64_t bytes = type.getNumElements() * elementBytes(elt);
  auto align = e.b.getI64IntegerAttr(64);
  if (stackBytes + bytes <= kMaxStackScratchBytes) {
    stackBytes += bytes;
    return memref::AllocaOp::create(e.b, e.loc, type, ValueRange{},
                                    ValueRange{}, align);
  }
  return memref::AllocOp::create(e.b, e.loc, type, align);
}

void TokenMergeRow::normalise() {
  unit = scratch({n, cm}, acc);
  e.loop(0, n, [&](Value t) {
    Value sq = e.loop(e.idx(0), e.idx(cm), ValueRange{e.fconst(acc, 0)},
                      [&](Value k, ValueRange args) -> SmallVector<Value> {
                        Value x = e.convert(e.load(metric, {bi, t, k}), acc);
                        return {e.fadd(args[0], e.fmul(x, x))};
                      })[0];
    Value norm = arith::MaximumFOp::create(
        e.b, e.loc, math::SqrtOp::create(e.b, e.loc, sq), e.fconst(acc, 1e-12));
    e.loop(e.idx(0), e.idx(cm), [&](Value k) {
      Value x = e.convert(e.load(metric, {bi, t, k}), acc);
      e.store(e.fdiv(x, norm), unit, {t, k});
    });
  });
}

/// unit[i] . unit[j], summed in channel order.
Value TokenMergeRow::dot(Value i, Value j) {
  return e.loop(e.idx(0), e.idx(cm), ValueRange{e.fconst(acc, 0)},
                [&](Value k, ValueRange args) -> SmallVector<Value> {
                  Value x = e.load(unit, {i, k});
                  Value y = e.load(unit, {j, k});
                  return {e.fadd(args[0], e.fmul(x, y))};
                })[0];
}

/// Whether entry x of `best` (count entries) ranks among the first r when
/// sorted by value, descending, ties by lower index.
Value TokenMergeRow::ranksBeforeR(Value best, int64_t count, Value x) {
  Value bx = e.load(best, {x});
  Value rank =
      e.loop(e.idx(0), e.idx(count), ValueRange{e.idx(0)},
             [&](Value y, ValueRange args) -> SmallVector<Value> {
               Value by = e.load(best, {y});
               Value above = e.cmpf(arith::CmpFPredicate::OGT, by, bx);
               Value same = e.cmpf(arith::CmpFPredicate::OEQ, by, bx);
               Value tie =
                   e.andi(same, e.cmpi(arith::CmpIPredicate::ult, y, x));
               Value inc = e.select(e.ori(above, tie), e.idx(1), e.idx(0));
               return {e.add(args[0], inc)};
             })[0];
  return e.cmpi(arith::CmpIPredicate::ult, rank, e.idx(r));
}

Value TokenMergeRow::isProtected(Value t) {
  if (!protect)
    return e.boolean(false);
  return e.cmpi(arith::CmpIPredicate::eq, t, e.idx(0));
}

/// Whether token (or A entry) t is among the r merged away: it ranks
/// before r in `best` and is not the protected first token.
Value TokenMergeRow::isMergedAway(Value best, int64_t count, Value t) {
  Value src = ranksBeforeR(best, count, t);
  if (!protect)
    return src;
  return e.andi(src, e.cmpi(arith::CmpIPredicate::ne, t, e.idx(0)));
}

/// A token ta's best B partner: {similarity, first argmax among the B
/// tokens (their index in B)}.
SmallVector<Value> TokenMergeRow::bestPartner(Value ta, Similarity similarity) {
  Value negInf = e.fconst(acc, -std::numeric_limits<double>::infinity());
  return e.loop(
      e.idx(0), e.idx(n / 2), ValueRange{negInf, e.idx(0)},
      [&](Value bb, ValueRange args) -> SmallVector<Value> {
        Value tb = e.add(e.add(bb, bb), e.idx(1));
        Value s = similarity(ta, tb);
        Value take = e.ori(e.cmpi(arith::CmpIPredicate::eq, bb, e.idx(0)),
                           e.cmpf(arith::CmpFPredicate::OGT, s, args[0]));
        return {e.select(take, s, args[0]), e.select(take, bb, args[1])};
      });
}

/// The survivor a complete-graph source t merges into: the most similar
/// token that is neither a source nor protected, the first one on ties.
Value TokenMergeRow::mostSimilarSurvivor(Value t,
                                         function_ref<Value(Value)> isSource,
                                         Similarity similarity) {
  Value negInf = e.fconst(acc, -std::numeric_limits<double>::infinity());
  Value none = e.idx(n);
  SmallVector<Value> found = e.loop(
      e.idx(0), e.idx(n), ValueRange{negInf, none},
      [&](Value m, ValueRange args) -> SmallVector<Value> {
        Value excluded = e.ori(isSource(m), isProtected(m));
        Value eligible =
            e.cmpi(arith::CmpIPredicate::eq, excluded, e.boolean(false));
        return e.ifElse(
            eligible,
            [&]() -> SmallVector<Value> {
              Value s = similarity(t, m);
              Value take =
                  e.ori(e.cmpi(arith::CmpIPredicate::eq, args[1], none),
                        e.cmpf(arith::CmpFPredicate::OGT, s, args[0]));
              return {e.select(take, s, args[0]), e.select(take, m, args[1])};
            },
            [&]() -> SmallVector<Value> {
              return {args[0], args[1]};
            });
      });
  // A source always has an eligible target; clamp for safety.
  return arith::MinUIOp::create(e.b, e.loc, found[1], e.idx(n - 1));
}

/// Fills source[bi, :] for bipartite matching.
void TokenMergeRow::bipartite() {
  int64_t na = (n + 1) / 2, nb = n / 2, prot = protect ? 1 : 0;
  Value best = scratch({na}, acc);
  Value partner = scratch({na}, e.b.getIndexType());
  Value negInf = e.fconst(acc, -std::numeric_limits<double>::infinity());
  if (protect && na > 0) {
    e.store(negInf, best, {e.idx(0)});
    e.store(e.idx(0), partner, {e.idx(0)});
  }
  e.loop(prot, na, [&](Value a) {
    SmallVector<Value> bp =
        bestPartner(e.add(a, a), [&](Value i, Value j) { return dot(i, j); });
    e.store(bp[0], best, {a});
    e.store(bp[1], partner, {a});
  });
  // Kept A tokens take rows 0.. in order; B tokens follow.
  Value base = e.idx(na - r);
  e.loop(e.idx(0), e.idx(na), ValueRange{e.idx(0)},
         [&](Value a, ValueRange args) -> SmallVector<Value> {
           Value isSource = isMergedAway(best, na, a);
           Value toPartner = e.add(base, e.load(partner, {a}));
           Value row = e.select(isSource, toPartner, args[0]);
           e.store(row, source, {bi, e.add(a, a)});
           Value next = e.select(isSource, args[0], e.add(args[0], e.idx(1)));
           return {next};
         });
  e.loop(0, nb, [&](Value bb) {
    Value tb = e.add(e.add(bb, bb), e.idx(1));
    e.store(e.add(base, bb), source, {bi, tb});
  });
}

/// Fills source[bi, :] for complete-graph matching.
void TokenMergeRow::completeGraph() {
  int64_t prot = protect ? 1 : 0;
  Value negInf = e.fconst(acc, -std::numeric_limits<double>::infinity());
  Value best = scratch({n}, acc);
  e.loop(0, n, [&](Value t) { e.store(negInf, best, {t}); });
  // Each unordered pair once; max is order independent.
  auto maxInto = [&](Value cur, Value s) {
    return e.select(e.cmpf(arith::CmpFPredicate::OLT, cur, s), s, cur);
  };
  e.loop(prot, n, [&](Value t) {
    Value bt =
        e.loop(e.add(t, e.idx(1)), e.idx(n), ValueRange{e.load(best, {t})},
               [&](Value m, ValueRange args) -> SmallVector<Value> {
                 Value s = dot(t, m);
                 e.store(maxInto(e.load(best, {m}), s), best, {m});
                 return {maxInto(args[0], s)};
               })[0];
    e.store(bt, best, {t});
  });
  Value isSource = scratch({n}, e.b.getI8Type());
  e.loop(0, n, [&](Value t) {
    Value src = isMergedAway(best, n, t);
    e.store(e.select(src, e.i8(1), e.i8(0)), isSource, {t});
  });
  auto sourceAt = [&](Value t) {
    return e.cmpi(arith::CmpIPredicate::ne, e.load(isSource, {t}), e.i8(0));
  };
  // Survivors take rows in order; sources get a placeholder in range.
  e.loop(e.idx(0), e.idx(n), ValueRange{e.idx(0)},
         [&](Value t, ValueRange args) -> SmallVector<Value> {
           Value src = sourceAt(t);
           e.store(e.select(src, e.idx(0), args[0]), source, {bi, t});
           return {e.select(src, args[0], e.add(args[0], e.idx(1)))};
         });
  // Each source goes to its most similar survivor (not the protected
  // token), first one on ties.
  e.loop(0, n, [&](Value t) {
    e.ifThen(sourceAt(t), [&] {
      Value target = mostSimilarSurvivor(
          t, sourceAt, [&](Value i, Value j) { return dot(i, j); });
      e.store(e.load(source, {bi, target}), source, {bi, t});
    });
  });
}

/// Size-weighted averages into merged[bi] / mergedSize[bi].
void TokenMergeRow::average() {
  int64_t kept = n - r;
  Type tokenType = cast<MemRefType>(tokens.getType()).getElementType();
  Type sizeType = cast<MemRefType>(mergedSize.getType()).getElementType();
  Type indexType = e.b.getIndexType();
  // f32 (f64) tokens are summed in the result buffer itself.
  bool inPlace = tokenType == acc;
  Value sums = inPlace ? Value() : scratch({kept, c}, acc);
  auto sumIndices = [&](Value row, Value k) -> SmallVector<Value> {
    if (inPlace)
      return {bi, row, k};
    return {row, k};
  };
  Value sumBuf = inPlace ? merged : sums;
  Value total = scratch({kept}, acc);
  Value count = scratch({kept}, indexType);
  Value member = scratch({kept}, indexType);
  Value zero = e.fconst(acc, 0);
  e.loop(0, kept, [&](Value row) {
    e.store(zero, total, {row});
    e.store(e.idx(0), count, {row});
    e.loop(0, c, [&](Value k) { e.store(zero, sumBuf, sumIndices(row, k)); });
  });
  e.loop(0, n, [&](Value t) {
    Value row = e.load(source, {bi, t});
    Value s = size ? e.convert(e.load(size, {bi, t}), acc) : e.fconst(acc, 1);
    e.store(e.fadd(e.load(total, {row}), s), total, {row});
    e.store(e.add(e.load(count, {row}), e.idx(1)), count, {row});
    e.store(t, member, {row});
    e.loop(0, c, [&](Value k) {
      Value x = e.convert(e.load(tokens, {bi, t, k}), acc);
      SmallVector<Value> at = sumIndices(row, k);
      e.store(e.fadd(e.load(sumBuf, at), e.fmul(s, x)), sumBuf, at);
    });
  });
  e.loop(0, kept, [&](Value row) {
    Value tot = e.load(total, {row});
    e.store(e.convert(tot, sizeType), mergedSize, {bi, row});
    Value lone =
        e.cmpi(arith::CmpIPredicate::eq, e.load(count, {row}), e.idx(1));
    e.ifThen(
        lone,
        [&] {
          // A lone token is copied exactly.
          Value t = e.load(member, {row});
          e.loop(0, c, [&](Value k) {
            e.store(e.load(tokens, {bi, t, k}), merged, {bi, row, k});
          });
        },
        [&] {
          e.loop(0, c, [&](Value k) {
            Value v = e.fdiv(e.load(sumBuf, sumIndices(row, k)), tot);
            e.store(e.convert(v, tokenType), merged, {bi, row, k});
          });
        });
  });
}

//===----------------------------------------------------------------------===//
// Ops, buffers and the row entry points
//===----------------------------------------------------------------------===//

std::pair<int64_t, int64_t> mlir::attn::lowerTokenMergeOps(
    Operation *root,
    function_ref<LogicalResult(Operation *, std::string &)> lower) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (isa<TokenMergeOp, TokenUnmergeOp>(op))
      ops.push_back(op);
  });
  int64_t lowered = 0, left = 0;
  for (Operation *op : ops) {
    std::string reason;
    Location loc = op->getLoc();
    if (failed(lower(op, reason))) {
      emitRemark(loc) << "left for the reference lowering: " << reason;
      ++left;
      continue;
    }
    ++lowered;
  }
  return {lowered, left};
}

FailureOr<TokenMergeLoops> mlir::attn::analyzeTokenMerge(TokenMergeOp op,
                                                         std::string &reason) {
  SmallVector<std::pair<Value, StringRef>> floats = {
      {op.getTokens(), "tokens"},
      {op.getMetric(), "metric"},
      {op.getMerged(), "merged"},
      {op.getMergedSize(), "merged_size"}};
  if (op.getSize())
    floats.push_back({op.getSize(), "size"});
  for (auto [value, what] : floats) {
    reason = checkStaticFloat(value.getType(), what);
    if (!reason.empty())
      return failure();
  }
  auto sourceType = dyn_cast<RankedTensorType>(op.getSource().getType());
  if (!sourceType || !sourceType.hasStaticShape()) {
    reason = "it has dynamic shapes";
    return failure();
  }
  if (!sourceType.getElementType().isIndex()) {
    reason = "source is not a tensor of index";
    return failure();
  }
  auto tokensType = cast<RankedTensorType>(op.getTokens().getType());
  auto metricType = cast<RankedTensorType>(op.getMetric().getType());
  if (tokensType.getRank() != 3 || metricType.getRank() != 3) {
    reason = "tokens and metric must have rank 3";
    return failure();
  }
  int64_t batch = tokensType.getDimSize(0), n = tokensType.getDimSize(1),
          c = tokensType.getDimSize(2), cm = metricType.getDimSize(2);
  int64_t r = op.getR();
  bool protect = op.getProtectFirst();
  bool bipartite = op.getMatching() == Matching::bipartite;
  int64_t prot = protect ? 1 : 0;
  int64_t maxR = bipartite ? (n + 1) / 2 - prot : n - 1 - prot;
  if (r < 0 || r > std::max<int64_t>(maxR, 0) || r > n) {
    reason = "r = " + std::to_string(r) + " exceeds the " +
             std::to_string(maxR) + " tokens that can merge";
    return failure();
  }
  if (bipartite && r > 0 && n / 2 == 0) {
    reason = "there is no B token to merge into";
    return failure();
  }
  auto mergedType = cast<RankedTensorType>(op.getMerged().getType());
  auto mergedSizeType = cast<RankedTensorType>(op.getMergedSize().getType());
  if (metricType.getDimSize(0) != batch || metricType.getDimSize(1) != n ||
      mergedType.getShape() != ArrayRef<int64_t>{batch, n - r, c} ||
      mergedSizeType.getShape() != ArrayRef<int64_t>{batch, n - r} ||
      sourceType.getShape() != ArrayRef<int64_t>{batch, n} ||
      mergedType.getElementType() != tokensType.getElementType()) {
    reason = "its operand and result shapes do not agree";
    return failure();
  }
  Value size = op.getSize();
  if (size && cast<RankedTensorType>(size.getType()).getShape() !=
                  ArrayRef<int64_t>{batch, n}) {
    reason = "size is not B x N";
    return failure();
  }

  // Accumulate in f32, or f64 when an operand is wider.
  Type acc = Float32Type::get(op.getContext());
  for (auto [value, what] : floats)
    if (cast<FloatType>(getElementTypeOrSelf(value.getType())).getWidth() > 32)
      acc = Float64Type::get(op.getContext());
  return TokenMergeLoops{batch,     n,         c,   cm,         r,
                         protect,   bipartite, acc, mergedType, mergedSizeType,
                         sourceType};
}

int64_t mlir::attn::tokenMergeScratchBytes(const TokenMergeLoops &loops) {
  int64_t a = elementBytes(loops.acc), index = 8;
  int64_t kept = loops.n - loops.r, na = (loops.n + 1) / 2;
  int64_t bytes = loops.n * loops.cm * a; // unit metric rows
  bytes += loops.bipartite ? na * (a + index) : loops.n * (a + 1);
  if (loops.mergedType.getElementType() != loops.acc)
    bytes += kept * loops.c * a; // sums, when not kept in the result
  return bytes + kept * (a + 2 * index);
}

int64_t mlir::attn::tokenMergeMaxStackBytes() { return kMaxStackScratchBytes; }

void mlir::attn::emitTokenMergeRow(OpBuilder &b, Location loc,
                                   const TokenMergeLoops &loops, Value bi,
                                   const TokenMergeBuffers &buffers) {
  KernelEmitter e{b, loc};
  TokenMergeRow body(e, loops, bi, buffers);
  runTokenMergePhases(body, loops);
}

TokenMergeBuffers TokenMergeBuffers::create(OpBuilder &b, TokenMergeOp op,
                                            const TokenMergeLoops &loops) {
  Location loc = op.getLoc();
  TokenMergeBuffers x;
  x.tokens = readOnlyBuffer(b, loc, op.getTokens());
  x.metric = readOnlyBuffer(b, loc, op.getMetric());
  x.size = op.getSize() ? readOnlyBuffer(b, loc, op.getSize()) : Value();
  x.merged = resultBuffer(b, loc, loops.mergedType);
  x.mergedSize = resultBuffer(b, loc, loops.mergedSizeType);
  x.source = resultBuffer(b, loc, loops.sourceType);
  return x;
}

SmallVector<Value> TokenMergeBuffers::list() const {
  SmallVector<Value> values = {tokens, metric};
  if (size)
    values.push_back(size);
  values.append({merged, mergedSize, source});
  return values;
}

TokenMergeBuffers TokenMergeBuffers::fromList(ValueRange values, bool hasSize) {
  TokenMergeBuffers x;
  x.tokens = values[0];
  x.metric = values[1];
  x.size = hasSize ? values[2] : Value();
  ValueRange outs = values.take_back(3);
  x.merged = outs[0];
  x.mergedSize = outs[1];
  x.source = outs[2];
  return x;
}

void TokenMergeBuffers::replace(RewriterBase &rewriter, TokenMergeOp op,
                                const TokenMergeLoops &loops) const {
  Location loc = op.getLoc();
  rewriter.replaceOp(
      op, {resultTensor(rewriter, loc, loops.mergedType, merged),
           resultTensor(rewriter, loc, loops.mergedSizeType, mergedSize),
           resultTensor(rewriter, loc, loops.sourceType, source)});
}

FailureOr<TokenUnmergeLoops>
mlir::attn::analyzeTokenUnmerge(TokenUnmergeOp op, std::string &reason) {
  auto mergedType = dyn_cast<RankedTensorType>(op.getMerged().getType());
  auto sourceType = dyn_cast<RankedTensorType>(op.getSource().getType());
  auto resultType = dyn_cast<RankedTensorType>(op.getType());
  if (!mergedType || !sourceType || !resultType ||
      !mergedType.hasStaticShape() || !sourceType.hasStaticShape() ||
      !resultType.hasStaticShape()) {
    reason = "it has dynamic shapes";
    return failure();
  }
  if (mergedType.getRank() != 3 || sourceType.getRank() != 2 ||
      !sourceType.getElementType().isIndex()) {
    reason = "it needs a B x M x C merged tensor and a B x N index source";
    return failure();
  }
  int64_t batch = mergedType.getDimSize(0), m = mergedType.getDimSize(1),
          c = mergedType.getDimSize(2), n = sourceType.getDimSize(1);
  if (sourceType.getDimSize(0) != batch ||
      resultType.getShape() != ArrayRef<int64_t>{batch, n, c} ||
      resultType.getElementType() != mergedType.getElementType()) {
    reason = "its operand and result shapes do not agree";
    return failure();
  }
  Type elt = resultType.getElementType();
  TypedAttr zeroAttr;
  if (auto ft = dyn_cast<FloatType>(elt))
    zeroAttr = Builder(op.getContext()).getFloatAttr(ft, 0);
  else if (isa<IntegerType, IndexType>(elt))
    zeroAttr = Builder(op.getContext()).getIntegerAttr(elt, 0);
  else {
    reason = "its elements are neither floats nor integers";
    return failure();
  }

  return TokenUnmergeLoops{batch, m, c, n, zeroAttr, resultType};
}

TokenUnmergeBuffers
TokenUnmergeBuffers::create(OpBuilder &b, TokenUnmergeOp op,
                            const TokenUnmergeLoops &loops) {
  Location loc = op.getLoc();
  TokenUnmergeBuffers x;
  x.merged = readOnlyBuffer(b, loc, op.getMerged());
  x.source = readOnlyBuffer(b, loc, op.getSource());
  x.out = resultBuffer(b, loc, loops.resultType);
  return x;
}

void TokenUnmergeBuffers::replace(RewriterBase &rewriter, TokenUnmergeOp op,
                                  const TokenUnmergeLoops &loops) const {
  rewriter.replaceOp(
      op, resultTensor(rewriter, op.getLoc(), loops.resultType, out));
}

void mlir::attn::emitTokenUnmergeRow(OpBuilder &b, Location loc,
                                     const TokenUnmergeLoops &loops, Value bi,
                                     Value t,
                                     const TokenUnmergeBuffers &buffers,
                                     Value firstChannel, int64_t channelStep) {
  KernelEmitter e{b, loc};
  Value row = e.load(buffers.source, {bi, t});
  Value k0 = firstChannel ? firstChannel : e.idx(0);
  // Rows outside [0, M) (negative ones wrap to huge unsigned values) read as
  // zeros.
  Value inRange = e.cmpi(arith::CmpIPredicate::ult, row, e.idx(loops.m));
  e.ifThen(
      inRange,
      [&] {
        e.loop(k0, e.idx(loops.c), channelStep, [&](Value k) {
          e.store(e.load(buffers.merged, {bi, row, k}), buffers.out,
                  {bi, t, k});
        });
      },
      [&] {
        Value zero = arith::ConstantOp::create(b, loc, loops.zero);
        e.loop(k0, e.idx(loops.c), channelStep, [&](Value k) {
          e.store(zero, buffers.out, {bi, t, k});
        });
      });
}
