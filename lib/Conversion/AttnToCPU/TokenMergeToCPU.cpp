//===- TokenMergeToCPU.cpp - Loops for attn.token_merge / token_unmerge ---===//
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

#include "attn/Analysis/TilePlan.h"
#include "attn/Conversion/AttnToCPU/AttnToCPU.h"
#include "attn/Conversion/KernelEmitter.h"
#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
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

/// Small helpers to build scalar loops on memrefs.
struct LoopEmitter : KernelEmitter {
  using KernelEmitter::KernelEmitter;

  Value i8(int64_t v) { return arith::ConstantIntOp::create(b, loc, v, 8); }
  Value boolean(bool v) { return arith::ConstantIntOp::create(b, loc, v, 1); }

  /// Float `v` converted to the float type `t`.
  Value convert(Value v, Type t) {
    auto from = cast<FloatType>(v.getType());
    auto to = cast<FloatType>(t);
    if (from == to)
      return v;
    if (from.getWidth() < to.getWidth())
      return arith::ExtFOp::create(b, loc, to, v);
    return arith::TruncFOp::create(b, loc, to, v);
  }

  Value addi(Value x, Value y) { return add(x, y); }
  Value addf(Value x, Value y) { return fadd(x, y); }
  Value mulf(Value x, Value y) { return fmul(x, y); }
  Value divf(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value ori(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value cmpi(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value cmpf(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value t, Value f) {
    return arith::SelectOp::create(b, loc, c, t, f);
  }

  /// scf.if without results.
  void ifThen(Value cond, function_ref<void()> thenBody,
              function_ref<void()> elseBody = nullptr) {
    auto thenFn = [&](OpBuilder &, Location) {
      thenBody();
      scf::YieldOp::create(b, loc);
    };
    auto elseFn = [&](OpBuilder &, Location) {
      elseBody();
      scf::YieldOp::create(b, loc);
    };
    if (elseBody)
      scf::IfOp::create(b, loc, cond, thenFn, elseFn);
    else
      scf::IfOp::create(b, loc, cond, thenFn);
  }

  /// scf.if yielding values from both branches.
  SmallVector<Value> ifElse(Value cond,
                            function_ref<SmallVector<Value>()> thenBody,
                            function_ref<SmallVector<Value>()> elseBody) {
    auto op = scf::IfOp::create(
        b, loc, cond,
        [&](OpBuilder &, Location) {
          scf::YieldOp::create(b, loc, thenBody());
        },
        [&](OpBuilder &, Location) {
          scf::YieldOp::create(b, loc, elseBody());
        });
    return SmallVector<Value>(op.getResults());
  }
};

/// Scratch buffers of one parallel iteration: stack allocas while the op's
/// running total stays within kMaxStackScratchBytes, heap beyond. Heap
/// scratch gets no dealloc here: the pipelines run the ownership-based buffer
/// deallocation, which frees it at the end of the iteration (and rejects
/// explicit memref.dealloc ops).
struct Scratch {
  LoopEmitter &e;
  int64_t stackBytes = 0;

  Value get(ArrayRef<int64_t> shape, Type elt) {
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
};

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

/// The loop body of attn.token_merge for one batch row.
struct MergeBody {
  LoopEmitter &e;
  Scratch &scratch;
  Value bi;                         // batch index
  Value tokens, metric, size;       // input buffers (size optional)
  Value merged, mergedSize, source; // result buffers
  int64_t n, c, cm, r;
  bool protect;
  Type acc; // accumulation type (f32 or f64)

  Value unit; // N x Cm normalised metric rows

  void normalise() {
    unit = scratch.get({n, cm}, acc);
    e.loop(0, n, [&](Value t) {
      Value sq = e.loop(e.idx(0), e.idx(cm), ValueRange{e.fconst(acc, 0)},
                        [&](Value k, ValueRange args) -> SmallVector<Value> {
                          Value x = e.convert(e.load(metric, {bi, t, k}), acc);
                          return {e.addf(args[0], e.mulf(x, x))};
                        })[0];
      Value norm = arith::MaximumFOp::create(
          e.b, e.loc, math::SqrtOp::create(e.b, e.loc, sq),
          e.fconst(acc, 1e-12));
      e.loop(e.idx(0), e.idx(cm), [&](Value k) {
        Value x = e.convert(e.load(metric, {bi, t, k}), acc);
        e.store(e.divf(x, norm), unit, {t, k});
      });
    });
  }

  /// unit[i] . unit[j], summed in channel order.
  Value dot(Value i, Value j) {
    return e.loop(e.idx(0), e.idx(cm), ValueRange{e.fconst(acc, 0)},
                  [&](Value k, ValueRange args) -> SmallVector<Value> {
                    Value x = e.load(unit, {i, k});
                    Value y = e.load(unit, {j, k});
                    return {e.addf(args[0], e.mulf(x, y))};
                  })[0];
  }

  /// Whether entry x of `best` (count entries) ranks among the first r when
  /// sorted by value, descending, ties by lower index.
  Value ranksBeforeR(Value best, int64_t count, Value x) {
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
                 return {e.addi(args[0], inc)};
               })[0];
    return e.cmpi(arith::CmpIPredicate::ult, rank, e.idx(r));
  }

  Value isProtected(Value t) {
    if (!protect)
      return e.boolean(false);
    return e.cmpi(arith::CmpIPredicate::eq, t, e.idx(0));
  }

  /// Whether token (or A entry) t is among the r merged away: it ranks
  /// before r in `best` and is not the protected first token.
  Value isMergedAway(Value best, int64_t count, Value t) {
    Value src = ranksBeforeR(best, count, t);
    if (!protect)
      return src;
    return e.andi(src, e.cmpi(arith::CmpIPredicate::ne, t, e.idx(0)));
  }

  using Similarity = function_ref<Value(Value, Value)>;

  /// A token ta's best B partner: {similarity, first argmax among the B
  /// tokens (their index in B)}.
  SmallVector<Value> bestPartner(Value ta, Similarity similarity) {
    Value negInf = e.fconst(acc, -std::numeric_limits<double>::infinity());
    return e.loop(
        e.idx(0), e.idx(n / 2), ValueRange{negInf, e.idx(0)},
        [&](Value bb, ValueRange args) -> SmallVector<Value> {
          Value tb = e.addi(e.addi(bb, bb), e.idx(1));
          Value s = similarity(ta, tb);
          Value take = e.ori(e.cmpi(arith::CmpIPredicate::eq, bb, e.idx(0)),
                             e.cmpf(arith::CmpFPredicate::OGT, s, args[0]));
          return {e.select(take, s, args[0]), e.select(take, bb, args[1])};
        });
  }

  /// The survivor a complete-graph source t merges into: the most similar
  /// token that is neither a source nor protected, the first one on ties.
  Value mostSimilarSurvivor(Value t, function_ref<Value(Value)> isSource,
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
              [&]() -> SmallVector<Value> { return {args[0], args[1]}; });
        });
    // A source always has an eligible target; clamp for safety.
    return arith::MinUIOp::create(e.b, e.loc, found[1], e.idx(n - 1));
  }

  /// Fills source[bi, :] for bipartite matching.
  void bipartite() {
    int64_t na = (n + 1) / 2, nb = n / 2, prot = protect ? 1 : 0;
    Value best = scratch.get({na}, acc);
    Value partner = scratch.get({na}, e.b.getIndexType());
    Value negInf = e.fconst(acc, -std::numeric_limits<double>::infinity());
    if (protect && na > 0) {
      e.store(negInf, best, {e.idx(0)});
      e.store(e.idx(0), partner, {e.idx(0)});
    }
    e.loop(prot, na, [&](Value a) {
      SmallVector<Value> bp = bestPartner(
          e.addi(a, a), [&](Value i, Value j) { return dot(i, j); });
      e.store(bp[0], best, {a});
      e.store(bp[1], partner, {a});
    });
    // Kept A tokens take rows 0.. in order; B tokens follow.
    Value base = e.idx(na - r);
    e.loop(e.idx(0), e.idx(na), ValueRange{e.idx(0)},
           [&](Value a, ValueRange args) -> SmallVector<Value> {
             Value isSource = isMergedAway(best, na, a);
             Value toPartner = e.addi(base, e.load(partner, {a}));
             Value row = e.select(isSource, toPartner, args[0]);
             e.store(row, source, {bi, e.addi(a, a)});
             Value next =
                 e.select(isSource, args[0], e.addi(args[0], e.idx(1)));
             return {next};
           });
    e.loop(0, nb, [&](Value bb) {
      Value tb = e.addi(e.addi(bb, bb), e.idx(1));
      e.store(e.addi(base, bb), source, {bi, tb});
    });
  }

  /// Fills source[bi, :] for complete-graph matching.
  void completeGraph() {
    int64_t prot = protect ? 1 : 0;
    Value negInf = e.fconst(acc, -std::numeric_limits<double>::infinity());
    Value best = scratch.get({n}, acc);
    e.loop(0, n, [&](Value t) { e.store(negInf, best, {t}); });
    // Each unordered pair once; max is order independent.
    auto maxInto = [&](Value cur, Value s) {
      return e.select(e.cmpf(arith::CmpFPredicate::OLT, cur, s), s, cur);
    };
    e.loop(prot, n, [&](Value t) {
      Value bt =
          e.loop(e.addi(t, e.idx(1)), e.idx(n), ValueRange{e.load(best, {t})},
                 [&](Value m, ValueRange args) -> SmallVector<Value> {
                   Value s = dot(t, m);
                   e.store(maxInto(e.load(best, {m}), s), best, {m});
                   return {maxInto(args[0], s)};
                 })[0];
      e.store(bt, best, {t});
    });
    Value isSource = scratch.get({n}, e.b.getI8Type());
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
             return {e.select(src, args[0], e.addi(args[0], e.idx(1)))};
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
  void average() {
    int64_t kept = n - r;
    Type tokenType = cast<MemRefType>(tokens.getType()).getElementType();
    Type sizeType = cast<MemRefType>(mergedSize.getType()).getElementType();
    Type indexType = e.b.getIndexType();
    // f32 (f64) tokens are summed in the result buffer itself.
    bool inPlace = tokenType == acc;
    Value sums = inPlace ? Value() : scratch.get({kept, c}, acc);
    auto sumIndices = [&](Value row, Value k) -> SmallVector<Value> {
      if (inPlace)
        return {bi, row, k};
      return {row, k};
    };
    Value sumBuf = inPlace ? merged : sums;
    Value total = scratch.get({kept}, acc);
    Value count = scratch.get({kept}, indexType);
    Value member = scratch.get({kept}, indexType);
    Value zero = e.fconst(acc, 0);
    e.loop(0, kept, [&](Value row) {
      e.store(zero, total, {row});
      e.store(e.idx(0), count, {row});
      e.loop(0, c, [&](Value k) { e.store(zero, sumBuf, sumIndices(row, k)); });
    });
    e.loop(0, n, [&](Value t) {
      Value row = e.load(source, {bi, t});
      Value s = size ? e.convert(e.load(size, {bi, t}), acc) : e.fconst(acc, 1);
      e.store(e.addf(e.load(total, {row}), s), total, {row});
      e.store(e.addi(e.load(count, {row}), e.idx(1)), count, {row});
      e.store(t, member, {row});
      e.loop(0, c, [&](Value k) {
        Value x = e.convert(e.load(tokens, {bi, t, k}), acc);
        SmallVector<Value> at = sumIndices(row, k);
        e.store(e.addf(e.load(sumBuf, at), e.mulf(s, x)), sumBuf, at);
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
              Value v = e.divf(e.load(sumBuf, sumIndices(row, k)), tot);
              e.store(e.convert(v, tokenType), merged, {bi, row, k});
            });
          });
    });
  }
};

/// The merge of one batch row by a block of `threads` threads (ids `tid`),
/// for the GPU: the same arithmetic in the same order as `MergeBody`, so the
/// results are bit for bit those of the CPU loops, split into phases that
/// `barrier` separates:
///  1. norms of the metric rows (threads over tokens); unit rows are not
///     stored but recomputed as x / norm, which rounds exactly as storing
///     them did;
///  2. best partner (bipartite: threads over A tokens) or best similarity
///     (complete graph: threads over tokens, every other token scanned);
///  3. which tokens merge away (threads over candidates, the same counting
///     rank), then the rows of the kept tokens (thread 0, a prefix count) and
///     the targets of complete-graph sources (threads over tokens);
///  4. the members of each merged row in token order and their total size
///     (thread 0), then the size-weighted averages (threads over
///     (row, channel) pairs), summed in token order.
struct BlockMergeBody {
  LoopEmitter &e;
  MergeBody &rank; // ranking helpers; its `unit` is unused
  Value tid;
  int64_t threads;
  function_ref<void()> barrier;
  Value norm, best, partner, flag, count, start, members, total;

  int64_t n() const { return rank.n; }
  Type acc() const { return rank.acc; }

  /// for (i = lo + tid; i < hi; i += threads) body(i)
  void strided(int64_t lo, int64_t hi, function_ref<void(Value)> body) {
    e.loop(e.addi(e.idx(lo), tid), e.idx(hi), threads, body);
  }
  void onThreadZero(function_ref<void()> body) {
    e.ifThen(e.cmpi(arith::CmpIPredicate::eq, tid, e.idx(0)), body);
  }
  Value metricAt(Value t, Value k) {
    return e.convert(e.load(rank.metric, {rank.bi, t, k}), acc());
  }
  /// unit[i] . unit[j], unit rows recomputed, summed in channel order.
  Value dot(Value i, Value j) {
    Value ni = e.load(norm, {i}), nj = e.load(norm, {j});
    return e.loop(e.idx(0), e.idx(rank.cm), ValueRange{e.fconst(acc(), 0)},
                  [&](Value k, ValueRange args) -> SmallVector<Value> {
                    Value x = e.divf(metricAt(i, k), ni);
                    Value y = e.divf(metricAt(j, k), nj);
                    return {e.addf(args[0], e.mulf(x, y))};
                  })[0];
  }
  Value negInf() {
    return e.fconst(acc(), -std::numeric_limits<double>::infinity());
  }
  Value flagAt(Value t) {
    return e.cmpi(arith::CmpIPredicate::ne, e.load(flag, {t}), e.i8(0));
  }
  void storeFlag(Value isSource, Value t) {
    e.store(e.select(isSource, e.i8(1), e.i8(0)), flag, {t});
  }

  void normalise() {
    strided(0, n(), [&](Value t) {
      Value sq =
          e.loop(e.idx(0), e.idx(rank.cm), ValueRange{e.fconst(acc(), 0)},
                 [&](Value k, ValueRange args) -> SmallVector<Value> {
                   Value x = metricAt(t, k);
                   return {e.addf(args[0], e.mulf(x, x))};
                 })[0];
      e.store(arith::MaximumFOp::create(e.b, e.loc,
                                        math::SqrtOp::create(e.b, e.loc, sq),
                                        e.fconst(acc(), 1e-12)),
              norm, {t});
    });
    barrier();
  }

  void bipartite() {
    int64_t na = (n() + 1) / 2, nb = n() / 2, prot = rank.protect ? 1 : 0;
    if (rank.protect && na > 0)
      onThreadZero([&] {
        e.store(negInf(), best, {e.idx(0)});
        e.store(e.idx(0), partner, {e.idx(0)});
      });
    strided(prot, na, [&](Value a) {
      SmallVector<Value> bp = rank.bestPartner(
          e.addi(a, a), [&](Value i, Value j) { return dot(i, j); });
      e.store(bp[0], best, {a});
      e.store(bp[1], partner, {a});
    });
    barrier();
    Value base = e.idx(na - rank.r);
    strided(0, na,
            [&](Value a) { storeFlag(rank.isMergedAway(best, na, a), a); });
    strided(0, nb, [&](Value bb) {
      e.store(e.addi(base, bb), rank.source,
              {rank.bi, e.addi(e.addi(bb, bb), e.idx(1))});
    });
    barrier();
    // Kept A tokens take rows 0.. in order.
    onThreadZero([&] {
      e.loop(e.idx(0), e.idx(na), ValueRange{e.idx(0)},
             [&](Value a, ValueRange args) -> SmallVector<Value> {
               Value isSource = flagAt(a);
               Value toPartner = e.addi(base, e.load(partner, {a}));
               e.store(e.select(isSource, toPartner, args[0]), rank.source,
                       {rank.bi, e.addi(a, a)});
               return {e.select(isSource, args[0], e.addi(args[0], e.idx(1)))};
             });
    });
    barrier();
  }

  void completeGraph() {
    int64_t prot = rank.protect ? 1 : 0;
    auto maxInto = [&](Value cur, Value s) {
      return e.select(e.cmpf(arith::CmpFPredicate::OLT, cur, s), s, cur);
    };
    // The protected token pairs with nobody; the others with every other
    // unprotected token (max is order independent).
    strided(0, n(), [&](Value t) {
      Value bt =
          e.loop(e.idx(prot), e.idx(n()), ValueRange{negInf()},
                 [&](Value m, ValueRange args) -> SmallVector<Value> {
                   Value other = e.cmpi(arith::CmpIPredicate::ne, m, t);
                   return e.ifElse(
                       other,
                       [&]() -> SmallVector<Value> {
                         return {maxInto(args[0], dot(t, m))};
                       },
                       [&]() -> SmallVector<Value> { return {args[0]}; });
                 })[0];
      if (rank.protect)
        bt = e.select(rank.isProtected(t), negInf(), bt);
      e.store(bt, best, {t});
    });
    barrier();
    strided(0, n(),
            [&](Value t) { storeFlag(rank.isMergedAway(best, n(), t), t); });
    barrier();
    // Survivors take rows in order; sources a placeholder in range.
    onThreadZero([&] {
      e.loop(e.idx(0), e.idx(n()), ValueRange{e.idx(0)},
             [&](Value t, ValueRange args) -> SmallVector<Value> {
               Value src = flagAt(t);
               e.store(e.select(src, e.idx(0), args[0]), rank.source,
                       {rank.bi, t});
               return {e.select(src, args[0], e.addi(args[0], e.idx(1)))};
             });
    });
    barrier();
    // Each source goes to its most similar survivor (not the protected
    // token), first one on ties.
    strided(0, n(), [&](Value t) {
      e.ifThen(flagAt(t), [&] {
        Value target = rank.mostSimilarSurvivor(
            t, [&](Value m) { return flagAt(m); },
            [&](Value i, Value j) { return dot(i, j); });
        e.store(e.load(rank.source, {rank.bi, target}), rank.source,
                {rank.bi, t});
      });
    });
    barrier();
  }

  void average() {
    int64_t kept = n() - rank.r, c = rank.c;
    Type tokenType = cast<MemRefType>(rank.tokens.getType()).getElementType();
    Type sizeType =
        cast<MemRefType>(rank.mergedSize.getType()).getElementType();
    auto sizeOf = [&](Value t) {
      return rank.size ? e.convert(e.load(rank.size, {rank.bi, t}), acc())
                       : e.fconst(acc(), 1);
    };
    // Members of each row in token order (start[] ends as each row's end),
    // and the total sizes in token order.
    onThreadZero([&] {
      e.loop(0, kept, [&](Value row) {
        e.store(e.idx(0), count, {row});
        e.store(e.fconst(acc(), 0), total, {row});
      });
      e.loop(0, n(), [&](Value t) {
        Value row = e.load(rank.source, {rank.bi, t});
        e.store(e.addi(e.load(count, {row}), e.idx(1)), count, {row});
        e.store(e.addf(e.load(total, {row}), sizeOf(t)), total, {row});
      });
      e.loop(e.idx(0), e.idx(kept), ValueRange{e.idx(0)},
             [&](Value row, ValueRange args) -> SmallVector<Value> {
               e.store(args[0], start, {row});
               return {e.addi(args[0], e.load(count, {row}))};
             });
      e.loop(0, n(), [&](Value t) {
        Value row = e.load(rank.source, {rank.bi, t});
        Value at = e.load(start, {row});
        e.store(t, members, {at});
        e.store(e.addi(at, e.idx(1)), start, {row});
      });
    });
    barrier();
    strided(0, kept, [&](Value row) {
      e.store(e.convert(e.load(total, {row}), sizeType), rank.mergedSize,
              {rank.bi, row});
    });
    strided(0, kept * c, [&](Value i) {
      Value row = arith::DivUIOp::create(e.b, e.loc, i, e.idx(c));
      Value k = arith::RemUIOp::create(e.b, e.loc, i, e.idx(c));
      Value cnt = e.load(count, {row});
      Value end = e.load(start, {row});
      Value begin = arith::SubIOp::create(e.b, e.loc, end, cnt);
      Value lone = e.cmpi(arith::CmpIPredicate::eq, cnt, e.idx(1));
      e.ifThen(
          lone,
          [&] {
            // A lone token is copied exactly.
            Value t = e.load(members, {begin});
            e.store(e.load(rank.tokens, {rank.bi, t, k}), rank.merged,
                    {rank.bi, row, k});
          },
          [&] {
            Value sum =
                e.loop(begin, end, ValueRange{e.fconst(acc(), 0)},
                       [&](Value j, ValueRange args) -> SmallVector<Value> {
                         Value t = e.load(members, {j});
                         Value x = e.convert(
                             e.load(rank.tokens, {rank.bi, t, k}), acc());
                         return {e.addf(args[0], e.mulf(sizeOf(t), x))};
                       })[0];
            Value v = e.divf(sum, e.load(total, {row}));
            e.store(e.convert(v, tokenType), rank.merged, {rank.bi, row, k});
          });
    });
  }
};

/// The merge body of batch row `bi` on `buffers`.
MergeBody mergeBody(LoopEmitter &e, Scratch &scratch,
                    const TokenMergeLoops &loops, Value bi,
                    const TokenMergeBuffers &x) {
  return MergeBody{e,        scratch,       bi,        x.tokens,
                   x.metric, x.size,        x.merged,  x.mergedSize,
                   x.source, loops.n,       loops.c,   loops.cm,
                   loops.r,  loops.protect, loops.acc, Value()};
}

/// Emits the phases of a merge body (MergeBody or BlockMergeBody).
template <typename Body>
void runMergePhases(Body &body, const TokenMergeLoops &loops) {
  body.normalise();
  if (loops.bipartite)
    body.bipartite();
  else
    body.completeGraph();
  body.average();
}

} // namespace

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

SmallVector<std::pair<int64_t, Type>>
mlir::attn::tokenMergeBlockScratch(const TokenMergeLoops &loops) {
  Builder b(loops.acc.getContext());
  int64_t kept = loops.n - loops.r, na = (loops.n + 1) / 2;
  int64_t candidates = loops.bipartite ? na : loops.n;
  Type index = b.getIndexType();
  return {{loops.n, loops.acc},                                    // norm
          {std::max<int64_t>(candidates, 1), loops.acc},           // best
          {std::max<int64_t>(loops.bipartite ? na : 1, 1), index}, // partner
          {std::max<int64_t>(candidates, 1), b.getI8Type()},       // flag
          {std::max<int64_t>(kept, 1), index},                     // count
          {std::max<int64_t>(kept, 1), index},                     // start
          {loops.n, index},                                        // members
          {std::max<int64_t>(kept, 1), loops.acc}};                // total
}

void mlir::attn::emitTokenMergeBlock(OpBuilder &b, Location loc,
                                     const TokenMergeLoops &loops, Value bi,
                                     Value tid, int64_t threads,
                                     ValueRange scratch,
                                     function_ref<void()> barrier,
                                     const TokenMergeBuffers &buffers) {
  LoopEmitter e{b, loc};
  Scratch unused{e};
  MergeBody rank = mergeBody(e, unused, loops, bi, buffers);
  BlockMergeBody body{e,          rank,       tid,        threads,
                      barrier,    scratch[0], scratch[1], scratch[2],
                      scratch[3], scratch[4], scratch[5], scratch[6],
                      scratch[7]};
  runMergePhases(body, loops);
}

void mlir::attn::emitTokenMergeRow(OpBuilder &b, Location loc,
                                   const TokenMergeLoops &loops, Value bi,
                                   const TokenMergeBuffers &buffers) {
  LoopEmitter e{b, loc};
  Scratch scratch{e};
  MergeBody body = mergeBody(e, scratch, loops, bi, buffers);
  runMergePhases(body, loops);
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

LogicalResult mlir::attn::lowerTokenMergeToCPU(RewriterBase &rewriter,
                                               TokenMergeOp op,
                                               std::string &reason) {
  FailureOr<TokenMergeLoops> loops = analyzeTokenMerge(op, reason);
  if (failed(loops))
    return failure();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  LoopEmitter e{rewriter, loc};
  TokenMergeBuffers buffers = TokenMergeBuffers::create(rewriter, op, *loops);
  scf::ParallelOp::create(rewriter, loc, ValueRange{e.idx(0)},
                          ValueRange{e.idx(loops->batch)}, ValueRange{e.idx(1)},
                          [&](OpBuilder &b, Location, ValueRange ivs) {
                            emitTokenMergeRow(b, loc, *loops, ivs[0], buffers);
                          });
  buffers.replace(rewriter, op, *loops);
  return success();
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

void mlir::attn::emitTokenUnmergeRow(OpBuilder &b, Location loc,
                                     const TokenUnmergeLoops &loops, Value bi,
                                     Value t, Value merged, Value source,
                                     Value out, Value firstChannel,
                                     int64_t channelStep) {
  LoopEmitter e{b, loc};
  Value row = e.load(source, {bi, t});
  Value k0 = firstChannel ? firstChannel : e.idx(0);
  // Rows outside [0, M) (negative ones wrap to huge unsigned values) read as
  // zeros.
  Value inRange = e.cmpi(arith::CmpIPredicate::ult, row, e.idx(loops.m));
  e.ifThen(
      inRange,
      [&] {
        e.loop(k0, e.idx(loops.c), channelStep, [&](Value k) {
          e.store(e.load(merged, {bi, row, k}), out, {bi, t, k});
        });
      },
      [&] {
        Value zero = arith::ConstantOp::create(b, loc, loops.zero);
        e.loop(k0, e.idx(loops.c), channelStep,
               [&](Value k) { e.store(zero, out, {bi, t, k}); });
      });
}

LogicalResult mlir::attn::lowerTokenUnmergeToCPU(RewriterBase &rewriter,
                                                 TokenUnmergeOp op,
                                                 std::string &reason) {
  FailureOr<TokenUnmergeLoops> loops = analyzeTokenUnmerge(op, reason);
  if (failed(loops))
    return failure();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  LoopEmitter e{rewriter, loc};
  Value mergedBuf = readOnlyBuffer(rewriter, loc, op.getMerged());
  Value sourceBuf = readOnlyBuffer(rewriter, loc, op.getSource());
  Value outBuf = resultBuffer(rewriter, loc, loops->resultType);
  scf::ParallelOp::create(rewriter, loc, ValueRange{e.idx(0), e.idx(0)},
                          ValueRange{e.idx(loops->batch), e.idx(loops->n)},
                          ValueRange{e.idx(1), e.idx(1)},
                          [&](OpBuilder &b, Location, ValueRange ivs) {
                            emitTokenUnmergeRow(b, loc, *loops, ivs[0], ivs[1],
                                                mergedBuf, sourceBuf, outBuf);
                          });
  rewriter.replaceOp(op,
                     resultTensor(rewriter, loc, loops->resultType, outBuf));
  return success();
}
