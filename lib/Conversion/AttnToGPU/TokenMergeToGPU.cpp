//===- TokenMergeToGPU.cpp - GPU kernels for token_merge / unmerge --------===//
//
// attn.token_merge becomes a kernel of one block of kTokenMergeThreads
// threads per batch row when its scratch fits in shared memory (the block
// merge below, bit for bit the loops of one row), else of one thread per row
// running those loops (attn/Conversion/Common/TokenMergeLoops.h) with its
// scratch on the thread's stack. attn.token_unmerge becomes a kernel of one
// block per (batch row, token), threads over the channels.
//
//===----------------------------------------------------------------------===//

#include "KernelLaunch.h"
#include "attn/Conversion/AttnToGPU/AttnToGPU.h"
#include "attn/Conversion/Common/KernelEmitter.h"
#include "attn/Conversion/Common/KernelOperands.h"
#include "attn/Conversion/Common/TokenMergeLoops.h"
#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::attn;

namespace {

/// The block-shared scratch buffers `emitTokenMergeBlock` needs, as
/// (elements, element type), in the order it takes them.
SmallVector<std::pair<int64_t, Type>>
tokenMergeBlockScratch(const TokenMergeLoops &loops) {
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

/// The merge of one batch row by a block of `threads` threads (ids `tid`),
/// for the GPU: the same arithmetic in the same order as `TokenMergeRow`, so
/// the results are bit for bit those of the CPU loops, split into phases that
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
  KernelEmitter &e;
  TokenMergeRow &rank; // ranking helpers; its `unit` is unused
  Value tid;
  int64_t threads;
  function_ref<void()> barrier;
  Value norm, best, partner, flag, count, start, members, total;

  int64_t n() const { return rank.n; }
  Type acc() const { return rank.acc; }

  /// for (i = lo + tid; i < hi; i += threads) body(i)
  void strided(int64_t lo, int64_t hi, function_ref<void(Value)> body) {
    e.loop(e.add(e.idx(lo), tid), e.idx(hi), threads, body);
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
                    Value x = e.fdiv(metricAt(i, k), ni);
                    Value y = e.fdiv(metricAt(j, k), nj);
                    return {e.fadd(args[0], e.fmul(x, y))};
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
                   return {e.fadd(args[0], e.fmul(x, x))};
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
          e.add(a, a), [&](Value i, Value j) { return dot(i, j); });
      e.store(bp[0], best, {a});
      e.store(bp[1], partner, {a});
    });
    barrier();
    Value base = e.idx(na - rank.r);
    strided(0, na,
            [&](Value a) { storeFlag(rank.isMergedAway(best, na, a), a); });
    strided(0, nb, [&](Value bb) {
      e.store(e.add(base, bb), rank.source,
              {rank.bi, e.add(e.add(bb, bb), e.idx(1))});
    });
    barrier();
    // Kept A tokens take rows 0.. in order.
    onThreadZero([&] {
      e.loop(e.idx(0), e.idx(na), ValueRange{e.idx(0)},
             [&](Value a, ValueRange args) -> SmallVector<Value> {
               Value isSource = flagAt(a);
               Value toPartner = e.add(base, e.load(partner, {a}));
               e.store(e.select(isSource, toPartner, args[0]), rank.source,
                       {rank.bi, e.add(a, a)});
               return {e.select(isSource, args[0], e.add(args[0], e.idx(1)))};
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
               return {e.select(src, args[0], e.add(args[0], e.idx(1)))};
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
        e.store(e.add(e.load(count, {row}), e.idx(1)), count, {row});
        e.store(e.fadd(e.load(total, {row}), sizeOf(t)), total, {row});
      });
      e.loop(e.idx(0), e.idx(kept), ValueRange{e.idx(0)},
             [&](Value row, ValueRange args) -> SmallVector<Value> {
               e.store(args[0], start, {row});
               return {e.add(args[0], e.load(count, {row}))};
             });
      e.loop(0, n(), [&](Value t) {
        Value row = e.load(rank.source, {rank.bi, t});
        Value at = e.load(start, {row});
        e.store(t, members, {at});
        e.store(e.add(at, e.idx(1)), start, {row});
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
                         return {e.fadd(args[0], e.fmul(sizeOf(t), x))};
                       })[0];
            Value v = e.fdiv(sum, e.load(total, {row}));
            e.store(e.convert(v, tokenType), rank.merged, {rank.bi, row, k});
          });
    });
  }
};

/// The same merge of batch row `bi` as `emitTokenMergeRow`, bit for bit,
/// by a block of `threads` threads with ids `tid`: `scratch` holds the
/// buffers of `tokenMergeBlockScratch`, shared by the block, and `barrier`
/// emits a block-wide barrier between phases.
void emitTokenMergeBlock(OpBuilder &b, Location loc,
                         const TokenMergeLoops &loops, Value bi, Value tid,
                         int64_t threads, ValueRange scratch,
                         function_ref<void()> barrier,
                         const TokenMergeBuffers &buffers) {
  KernelEmitter e{b, loc};
  TokenMergeRow rank(e, loops, bi, buffers);
  BlockMergeBody body{e,          rank,       tid,        threads,
                      barrier,    scratch[0], scratch[1], scratch[2],
                      scratch[3], scratch[4], scratch[5], scratch[6],
                      scratch[7]};
  runTokenMergePhases(body, loops);
}

} // namespace

LogicalResult mlir::attn::lowerTokenMergeToGPU(RewriterBase &rewriter,
                                               TokenMergeOp op,
                                               SymbolTable &symbols,
                                               std::string &reason,
                                               int64_t sharedMemoryBytes) {
  FailureOr<TokenMergeLoops> loops = analyzeTokenMerge(op, reason);
  if (failed(loops))
    return failure();
  // A block per batch row when its scratch fits in shared memory, else one
  // thread per row with the scratch on its stack.
  MLIRContext *ctx = rewriter.getContext();
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  SmallVector<Type> sharedTypes;
  for (auto [elements, type] : tokenMergeBlockScratch(*loops))
    sharedTypes.push_back(MemRefType::get(
        {elements}, type, MemRefLayoutAttrInterface(), workgroup));
  bool blockPath = layoutShared(sharedTypes).bytes <= sharedMemoryBytes;
  int64_t scratch = tokenMergeScratchBytes(*loops);
  if (!blockPath && scratch > tokenMergeMaxStackBytes()) {
    reason = "its per-row scratch (" + std::to_string(scratch) +
             " bytes) exceeds the " +
             std::to_string(tokenMergeMaxStackBytes()) +
             " bytes a GPU thread keeps on its stack";
    return failure();
  }
  int64_t threads = blockPath ? kTokenMergeThreads : 1;
  lowerOnBuffers<TokenMergeBuffers>(
      rewriter, op, *loops, [&](Location loc, const TokenMergeBuffers &host) {
        SmallVector<Value> hostArgs = host.list();
        createKernelLaunch(
            rewriter, loc, symbols, "token_merge", hostArgs,
            blockPath ? TypeRange(sharedTypes) : TypeRange(), {},
            getAsIndexOpFoldResult(rewriter.getContext(), {loops->batch, 1, 1}),
            {threads, 1, 1}, [&](gpu::GPUFuncOp kernel, ValueRange shared) {
              kernel->setAttr(
                  kKernelPathAttr,
                  rewriter.getStringAttr(blockPath ? "block" : "row"));
              // The kernel's own arguments (its block also holds the
              // attributions).
              TokenMergeBuffers device = TokenMergeBuffers::fromList(
                  kernel.getArguments().take_front(hostArgs.size()),
                  static_cast<bool>(op.getSize()));
              Value bi =
                  gpu::BlockIdOp::create(rewriter, loc, gpu::Dimension::x);
              if (!blockPath) {
                emitTokenMergeRow(rewriter, loc, *loops, bi, device);
                return;
              }
              Value tid =
                  gpu::ThreadIdOp::create(rewriter, loc, gpu::Dimension::x);
              emitTokenMergeBlock(
                  rewriter, loc, *loops, bi, tid, threads, shared,
                  [&] { gpu::BarrierOp::create(rewriter, loc); }, device);
            });
      });
  return success();
}

LogicalResult mlir::attn::lowerTokenUnmergeToGPU(RewriterBase &rewriter,
                                                 TokenUnmergeOp op,
                                                 SymbolTable &symbols,
                                                 std::string &reason) {
  FailureOr<TokenUnmergeLoops> loops = analyzeTokenUnmerge(op, reason);
  if (failed(loops))
    return failure();
  // A block per (batch, token), its threads over the channels.
  int64_t threads = std::min<int64_t>(
      kTokenMergeThreads, llvm::divideCeil(loops->c, kWarp) * kWarp);
  lowerOnBuffers<TokenUnmergeBuffers>(
      rewriter, op, *loops, [&](Location loc, const TokenUnmergeBuffers &host) {
        createKernelLaunch(
            rewriter, loc, symbols, "token_unmerge", host.list(), {}, {},
            getAsIndexOpFoldResult(rewriter.getContext(),
                                   {loops->batch, loops->n, 1}),
            {threads, 1, 1}, [&](gpu::GPUFuncOp kernel, ValueRange) {
              kernel->setAttr(kKernelPathAttr,
                              rewriter.getStringAttr("channels"));
              Value bi =
                  gpu::BlockIdOp::create(rewriter, loc, gpu::Dimension::x);
              Value t =
                  gpu::BlockIdOp::create(rewriter, loc, gpu::Dimension::y);
              Value k =
                  gpu::ThreadIdOp::create(rewriter, loc, gpu::Dimension::x);
              TokenUnmergeBuffers device{kernel.getArgument(0),
                                         kernel.getArgument(1),
                                         kernel.getArgument(2)};
              emitTokenUnmergeRow(rewriter, loc, *loops, bi, t, device, k,
                                  threads);
            });
      });
  return success();
}
