//===- AttnToGPU.cpp - Fused GPU kernels for attn.attention ---------------===//
//
// One FlashAttention-2 style kernel per op, a `gpu.func` in the module's
// `gpu.module @__attn_gpu`, called on the host through a launcher
// declaration that `--attn-gpu-stage-buffers` later defines (device
// buffers, copies, `gpu.launch_func`). f16/bf16 ops on sm_80+ get the
// tensor-core kernel (MmaKernelBuilder below: one warp per 16 rows,
// mma.sync.m16n8k16); the others the f32 SIMT kernel:
//
//   grid  = (query tiles, Hq, B), block = BQ threads, thread i owns row i
//   shared: Ks[BK][D], Vs[BK][Dv]      (f32, staged once per key tile)
//   private: q[D] (scaled), acc[Dv], s[BK]
//   registers: m, l, n                 (normalizer state, loop-carried;
//                                       q, acc, s too when the per-thread
//                                       loops are unrolled)
//
//   for each key tile of this query tile in the plan:
//     all threads stage K, V rows (coalesced, widened to f32); barrier
//     s[j] = q . Ks[j]; softcap; bias; mask; partial tiles: plan mask
//     m' = max(m, max_j s[j]); alpha = rescale(m, m'); acc *= alpha
//     p_j = weight(s[j], m'); l = l * alpha + sum_j p_j; acc += p_j Vs[j]
//     barrier (the stage is overwritten next)
//   out[row] = acc * finalScale(l, n)
//
// All threads of a block read the same shared element at each step
// (broadcast, no bank conflicts). The tiles a query tile visits and the
// masks of its partial tiles come from the shared compile-time tile plan, or
// for q_offset tiles and dynamic B / Lq / Lk from a plan each block makes at
// run time through the pattern interface (the kernel reads the sizes from
// its buffers; the host counts the grid's query tiles); every normalizer
// step is built by NormalizerAttrInterface on scalars. No pattern or
// normalizer kind is named in this file.
//
// attn.token_merge / token_unmerge become kernels too (TokenMergeToGPU.cpp);
// createKernelLaunch (KernelLaunch.cpp) builds every kernel and its launcher.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToGPU/AttnToGPU.h"
#include "KernelLaunch.h"
#include "attn/Analysis/TilePlan.h"
#include "attn/Conversion/Common/KernelEmitter.h"
#include "attn/Conversion/Common/KernelOperands.h"
#include "attn/Conversion/Common/OnlineNormalizer.h"
#include "attn/Conversion/Common/ScoreMod.h"
#include "attn/Conversion/Common/TokenMergeLoops.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/IR/Attn.h"
#include "attn/Support/PassOptions.h"
#include "attn/Support/PassStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include <limits>

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOGPUPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Keys per stage: the requested size, clamped to Lk rounded up to a
/// multiple of 4 and halved until both stages (the V stage at an aligned
/// offset) fit the shared memory budget.
int64_t chooseTileK(const GPUKernelOptions &options, int64_t lk, int64_t d,
                    int64_t dv) {
  int64_t bk = std::min(options.tileK, (lk + 3) / 4 * 4);
  auto bytes = [&](int64_t keys) {
    return int64_t(llvm::alignTo(keys * d * 4, kSharedAlignment)) +
           keys * dv * 4;
  };
  while (bk > 1 && bytes(bk) > options.sharedMemoryBytes)
    bk = bk / 2;
  return bk;
}

/// Keys per stage of the tensor-core kernels: the requested size rounded up
/// to a multiple of 16 (one MMA step), clamped to Lk rounded up likewise and
/// to `maxKeys`, halved (staying a multiple of 16) until `bytes(keys)` of
/// shared memory fit the budget; 0 when even 16 keys do not fit.
int64_t fitMmaTileK(const GPUKernelOptions &options, int64_t lk,
                    int64_t maxKeys, function_ref<int64_t(int64_t)> bytes) {
  auto roundUp = [](int64_t v) { return (v + 15) / 16 * 16; };
  int64_t bk = std::min(
      {roundUp(std::max<int64_t>(options.tileK, 1)), roundUp(lk), maxKeys});
  while (bk > 16 && bytes(bk) > options.sharedMemoryBytes)
    bk = roundUp(bk / 2);
  return bytes(bk) <= options.sharedMemoryBytes ? bk : 0;
}

/// mma.sync: two stages of K and V rows, each row padded by 8 elements.
int64_t chooseMmaTileK(const GPUKernelOptions &options, int64_t lk, int64_t d,
                       int64_t dv, int64_t eltBytes) {
  return fitMmaTileK(
      options, lk, std::numeric_limits<int64_t>::max(),
      [&](int64_t keys) { return 2 * keys * (d + dv + 2 * 8) * eltBytes; });
}

/// wgmma: at most 256 keys (the widest wgmma); the Q stage (tile-q rows)
/// beside two stages of the unpadded K (core-matrix layout) and padded V.
int64_t chooseWgmmaTileK(const GPUKernelOptions &options, int64_t lk, int64_t d,
                         int64_t dv, int64_t eltBytes) {
  return fitMmaTileK(options, lk, 256, [&](int64_t keys) {
    return (options.tileQ * d + 2 * keys * (d + dv + 8)) * eltBytes;
  });
}

/// Why the options cannot give wgmma kernels at all (chip, tile-q), if they
/// cannot: the pass's error, and canUseWgmma's reason. `chip`, when given,
/// is named.
std::optional<std::string> wgmmaOptionsProblem(const GPUKernelOptions &options,
                                               StringRef chip = "") {
  if (options.chipVersion != 90 || !options.chipArchSpecific)
    return "wgmma=true needs chip=sm_90a (wgmma is an sm_90a instruction)" +
           (chip.empty() ? std::string() : ", not '" + chip.str() + "'");
  if (options.tileQ % 64 != 0)
    return "wgmma=true needs tile-q to be a multiple of 64 (one warpgroup "
           "per 64 query rows), not " +
           std::to_string(options.tileQ);
  return std::nullopt;
}

using Emitter = KernelEmitter;

/// The key length the stage sizes are chosen for: Lk, or where it is known
/// only at run time, the requested tile-k (so the stage is never clamped).
int64_t keysToStage(AttentionOp op, const GPUKernelOptions &options) {
  int64_t lk = op.getKeyType().getDimSize(2);
  return ShapedType::isDynamic(lk) ? std::max<int64_t>(options.tileK, 1) : lk;
}

struct KernelBuilder : AttentionDims {
  AttentionOp op;
  const TilePlan &plan;
  Emitter e;
  NormalizerAttrInterface normalizer;

  int64_t bq, bk;

  // Buffers: host values while the launcher call is built, then the
  // kernel's arguments.
  Value qBuf, kBuf, vBuf, biasBuf, maskBuf, sinkBuf, outBuf, lseBuf;
  Value offsetsBuf, tilesBuf, maskIdsBuf, masksBuf;
  // A tile of a larger op (q_offset), or an op with dynamic sizes: the plan
  // is made at run time for each block's logical rows (RuntimeTilePlan).
  // `qOffsetBuf` holds q_offset as one i64 (a host buffer, then the kernel's
  // argument: launchers pass buffers; null without q_offset), `qOffset` is
  // read from it in the kernel (else 0), and `tileRow0` is the block's first
  // logical row.
  bool runtimePlan = false;
  Value qOffsetBuf, qOffset, tileRow0;
  std::optional<RuntimeTilePlan> runtime;
  // The score_mod region's captured values: host values, then the kernel's
  // arguments.
  IRMapping scoreModCaptures;
  // Workgroup and private attributions of the kernel.
  Value ks, vs, qReg, acc, sRow;
  // B, Lq and Lk as values in the kernel: constants, or read from the
  // kernel's Q and K arguments where they are dynamic (bindSizes).
  AttentionSizes sizes;

  KernelBuilder(AttentionOp op, const TilePlan &plan, OpBuilder &b)
      : AttentionDims(AttentionDims::of(op)), op(op),
        plan(plan), e{b, op.getLoc()}, normalizer(op.getEffectiveNormalizer()),
        bq(plan.bq), bk(plan.bk) {}

  OpBuilder &b() { return e.b; }

  /// Binds `sizes` at the kernel's entry (the buffers are its arguments).
  void bindSizes() {
    sizes =
        AttentionSizes::bind(e, *this, op.getLogicalQueryLength(), qBuf, kBuf);
  }

  /// The logit of key `j` of the stage for this thread's row after softcap,
  /// bias, mask and the plan's mask; -inf when it is not visible. With
  /// `score` null only visibility is computed (0 or -inf).
  Value visibleLogit(Value score, Value j, const KeyTile &tile, Value row,
                     Value lane, Value bIdx, Value h) {
    Value k0 = tile.k0, mid = tile.mid;
    Value negInf = e.f32(kNegInf);
    Value s = score ? score : e.f32(0.0);
    if (score && softcap)
      s = e.softcap(s, e.f32(*softcap));
    // Without the score, score_mod cannot run: the count pass computes the
    // score when the op has a region (see scoreForCount).
    bool scoreMod = score && op.hasScoreMod();
    if (biasBuf || maskBuf || scoreMod) {
      Value col = e.min(e.add(k0, j), sizes.lkLast);
      SmallVector<Value> at = {bIdx, h, row, col};
      auto modify = [&](Value x) {
        return emitScoreMod(b(), e.loc, op, x, at, scoreModCaptures);
      };
      s = applyBiasAndMask(e, s, biasBuf, maskBuf, at,
                           /*addBias=*/static_cast<bool>(score),
                           scoreMod ? function_ref<Value(Value)>(modify)
                                    : nullptr);
    }
    if (runtimePlan) {
      // The pattern's own test at the lane's logical row, unless the tile
      // is fully visible; keys outside the tile's range are hidden.
      Value vis = emitRuntimeVisibility(e, op.getEffectivePattern(), tile,
                                        e.add(tileRow0, lane), e.add(k0, j),
                                        sizes.logicalLq, sizes.lk);
      vis = arith::OrIOp::create(b(), e.loc, tile.full, vis);
      return arith::SelectOp::create(b(), e.loc, vis, s, negInf);
    }
    if (masksBuf) {
      // Whole tiles (mid < 0) read nothing: the select of a load guarded by
      // scf.if keeps full tiles free of table traffic.
      Value partial = arith::CmpIOp::create(
          b(), e.loc, arith::CmpIPredicate::sge, mid, e.idx(0));
      auto ifOp = scf::IfOp::create(b(), e.loc, TypeRange{b().getI1Type()},
                                    partial, /*withElseRegion=*/true);
      {
        OpBuilder::InsertionGuard guard(b());
        b().setInsertionPointToStart(ifOp.thenBlock());
        Value bit = e.load(masksBuf, {mid, j, lane});
        Value vis = arith::CmpIOp::create(
            b(), e.loc, arith::CmpIPredicate::ne, bit,
            arith::ConstantOp::create(b(), e.loc, b().getI8IntegerAttr(0)));
        scf::YieldOp::create(b(), e.loc, vis);
        b().setInsertionPointToStart(ifOp.elseBlock());
        scf::YieldOp::create(b(), e.loc,
                             ValueRange{arith::ConstantOp::create(
                                 b(), e.loc, b().getBoolAttr(true))});
      }
      s = arith::SelectOp::create(b(), e.loc, ifOp.getResult(0), s, negInf);
    }
    return s;
  }

  /// The plan entries [first, last) of the block's query tile: from the
  /// compile-time plan, or from a plan made here for the block's logical
  /// rows (`runtime`, then also the source of tileOf).
  std::pair<Value, Value> planEntries(Value qTile) {
    if (!runtimePlan)
      return emitPlanEntries(e, offsetsBuf, qTile);
    qOffset = qOffsetBuf
                  ? arith::IndexCastOp::create(b(), e.loc, b().getIndexType(),
                                               e.load(qOffsetBuf, {e.idx(0)}))
                        .getResult()
                  : e.idx(0);
    Value r0 = e.mul(qTile, e.idx(bq));
    tileRow0 = e.add(qOffset, r0);
    Value q1 = e.add(qOffset, e.min(e.add(r0, e.idx(bq)), sizes.lq));
    runtime.emplace(e, op.getEffectivePattern(), tileRow0, q1, sizes.logicalLq,
                    sizes.lk, bk);
    return {e.idx(0), runtime->numEntries()};
  }

  /// The key tile of plan entry `entry`.
  KeyTile tileOf(Value entry) {
    if (runtime)
      return runtime->tile(entry);
    auto [k0, mid] = emitPlanTile(e, tilesBuf, maskIdsBuf, entry, bk);
    return {k0, mid, {}, {}, {}};
  }

  /// Copies rows [k0, k0 + bk) of `src[b, hk]` (clamped to the last key)
  /// into the shared stage `dst` (bk x width), all threads cooperating.
  void stage(Value src, Value dst, int64_t width, Value bIdx, Value hk,
             Value k0, Value lane) {
    Value width_ = e.idx(width);
    e.loop(lane, e.idx(bk * width), e.idx(bq), [&](Value flat) {
      Value j = arith::DivUIOp::create(b(), e.loc, flat, width_);
      Value c = arith::RemUIOp::create(b(), e.loc, flat, width_);
      Value key = e.min(e.add(k0, j), sizes.lkLast);
      e.store(e.widen(e.load(src, {bIdx, hk, key, c})), dst, {j, c});
    });
  }

  /// The kernel body for block (qTile, h, bIdx) and thread `lane`.
  void emitBody(Value qTile, Value h, Value bIdx, Value lane) {
    Value hk = kvHead(e, h);
    bindSizes();
    Value rowUnclamped = e.add(e.mul(qTile, e.idx(bq)), lane);
    Value row = e.min(rowUnclamped, sizes.lqLast);

    // q = scale * Q[row] (rows past the end repeat the last row, never
    // stored); acc = 0.
    Value scaleV = e.f32(scale);
    e.loop(0, d, [&](Value c) {
      e.store(e.fmul(e.widen(e.load(qBuf, {bIdx, h, row, c})), scaleV), qReg,
              {c});
    });
    OnlineNormalizer on(b(), e.loc, normalizer, b().getF32Type(), sizes.lkF);
    on.hoistConstants();
    Value zero = on.zero();
    e.loop(0, dv, [&](Value c) { e.store(zero, acc, {c}); });

    Value sink;
    if (sinkBuf)
      sink = e.widen(e.load(sinkBuf, {h}));
    OnlineNormalizerState init = on.initialState(sink);

    auto [first, last] = planEntries(qTile);
    Value one = e.idx(1);
    Value negInf = on.negInf();

    // The visible count of the row, when the normalizer needs it: the same
    // tiles, visibility only, no stage.
    Value count = zero;
    if (on.needsVisibleCount()) {
      count =
          e.loop(first, last, one, {zero}, [&](Value entry, ValueRange outer) {
            KeyTile tile = tileOf(entry);
            Value k0 = tile.k0;
            return e.loop(0, bk, {outer[0]}, [&](Value j, ValueRange inner) {
              // A score_mod may hide a pair by its logit: count on the
              // logit, read from global K (no stage in this pass).
              Value score;
              if (op.hasScoreMod()) {
                Value key = e.min(e.add(k0, j), sizes.lkLast);
                score = e.loop(0, d, {zero}, [&](Value c, ValueRange sum) {
                  Value prod =
                      e.fmul(e.load(qReg, {c}),
                             e.widen(e.load(kBuf, {bIdx, hk, key, c})));
                  return SmallVector<Value>{e.fadd(sum[0], prod)};
                })[0];
              }
              Value s = visibleLogit(score, j, tile, row, lane, bIdx, h);
              return SmallVector<Value>{on.countVisible(inner[0], s)};
            });
          })[0];
    }

    SmallVector<Value> state = e.loop(
        first, last, one, {init.max, init.sum},
        [&](Value entry, ValueRange args) {
          KeyTile tile = tileOf(entry);
          Value k0 = tile.k0;
          stage(kBuf, ks, d, bIdx, hk, k0, lane);
          stage(vBuf, vs, dv, bIdx, hk, k0, lane);
          gpu::BarrierOp::create(b(), e.loc);

          // Scores of this row against the stage, and their maximum.
          Value tileMax = e.loop(0, bk, {negInf}, [&](Value j, ValueRange mx) {
            Value dot = e.loop(0, d, {zero}, [&](Value c, ValueRange sum) {
              Value prod = e.fmul(e.load(qReg, {c}), e.load(ks, {j, c}));
              return SmallVector<Value>{e.fadd(sum[0], prod)};
            })[0];
            Value s = visibleLogit(dot, j, tile, row, lane, bIdx, h);
            e.store(s, sRow, {j});
            return SmallVector<Value>{
                arith::MaximumFOp::create(b(), e.loc, mx[0], s)};
          })[0];

          // The normalizer step; weights, row sum and acc += p . Vs.
          auto rescaleAcc = [&](Value alpha) {
            e.loop(0, dv, [&](Value c) {
              e.store(e.fmul(e.load(acc, {c}), alpha), acc, {c});
            });
          };
          auto weights = [&](Value l, function_ref<Value(Value)> weightOf) {
            return e.loop(0, bk, {l}, [&](Value j, ValueRange sum) {
              Value p = weightOf(e.load(sRow, {j}));
              e.loop(0, dv, [&](Value c) {
                Value a = math::FmaOp::create(b(), e.loc, p, e.load(vs, {j, c}),
                                              e.load(acc, {c}));
                e.store(a, acc, {c});
              });
              return SmallVector<Value>{e.fadd(sum[0], p)};
            })[0];
          };
          OnlineNormalizerState next =
              on.step({args[0], args[1]}, count,
                      {[&] { return tileMax; }, rescaleAcc, weights});
          gpu::BarrierOp::create(b(), e.loc);
          return SmallVector<Value>{next.max, next.sum};
        });

    // out[row] = acc * finalScale(l, n), for rows inside the op.
    Value inside = arith::CmpIOp::create(b(), e.loc, arith::CmpIPredicate::ult,
                                         rowUnclamped, sizes.lq);
    Type outElt = cast<MemRefType>(outBuf.getType()).getElementType();
    scf::IfOp::create(b(), e.loc, inside, [&](OpBuilder &, Location) {
      Value factor = on.finalScale(state[1], count);
      e.loop(0, dv, [&](Value c) {
        e.store(on.output(e.load(acc, {c}), factor, outElt), outBuf,
                {bIdx, h, row, c});
      });
      if (lseBuf)
        e.store(on.logSumExp({state[0], state[1]}), lseBuf, {bIdx, h, row});
      scf::YieldOp::create(b(), e.loc);
    });
  }
};

//===----------------------------------------------------------------------===//
// Tensor-core kernel (f16 / bf16, mma.sync.m16n8k16, f32 accumulation)
//===----------------------------------------------------------------------===//

/// Rows of one warp's slab and keys of one MMA step.
constexpr int64_t kMmaM = 16, kMmaN = 8, kMmaK = 16;
/// Elements added to every row of a shared stage so that the eight rows a
/// fragment load touches fall in distinct banks.
constexpr int64_t kStagePad = 8;

/// The tensor-core kernel: a block of `bq / 16` warps, each owning 16 query
/// rows of the tile. With g = lane / 4 and t = lane % 4 (PTX's groupID and
/// threadID_in_group), a lane holds the accumulator elements of rows g and
/// g + 8 of its slab at columns 2t, 2t + 1 of every 8-column block:
///
///   S = Q K^T   : per 8-key block, D / 16 mma.sync with Q (registers,
///                 loaded once) as A and the staged K rows as B (col-major)
///   logits      : scale, softcap, bias, mask, plan mask per element
///   row max/sum : lane-local, the max reduced over the quad (shfl.xor 1, 2)
///                 every tile, the sum once at the end
///   O += P V    : P's accumulator fragments are, rounded to the element
///                 type, the A fragments of the next product (two 8-key
///                 blocks form one 16-key step); V rows staged as B
///
/// The normalizer state of a row (max, visible count) is the same in the
/// four lanes of its quad; its running sum is split over them (lane t = 0
/// starts from the initial sum, the others from 0) and added up at the end,
/// which the normalizers' rescale (a factor) and final scale permit.
struct MmaKernelBuilder : KernelBuilder {
  Type elt;
  int64_t warps;
  /// S = Q K^T by wgmma.mma_async from the core-matrix stages `qs` (Q, once
  /// per block) and `ks` (K, per tile) instead of mma.sync from registers.
  bool wgmma = false;
  Value qs;

  MmaKernelBuilder(AttentionOp op, const TilePlan &plan, OpBuilder &b)
      : KernelBuilder(op, plan, b), elt(op.getQueryType().getElementType()),
        warps(plan.bq / kMmaM) {}

  int64_t threads() const { return warps * kWarp; }

  Value vload(VectorType type, Value mem, ValueRange indices,
              int64_t alignment) {
    return vector::LoadOp::create(b(), e.loc, type, mem, indices,
                                  /*nontemporal=*/false,
                                  llvm::MaybeAlign(alignment));
  }

  /// A pair of elements as an mma.sync operand register: vector<2xf16> for
  /// f16, the pair's bits as i32 for bf16.
  Value operand(Value pair) {
    if (elt.isF16())
      return pair;
    auto i32x1 = VectorType::get({1}, b().getI32Type());
    Value bits = vector::BitCastOp::create(b(), e.loc, i32x1, pair);
    return vector::ExtractOp::create(b(), e.loc, bits, ArrayRef<int64_t>{0});
  }
  Value pairAt(Value mem, ValueRange indices) {
    return operand(vload(VectorType::get({2}, elt), mem, indices, 4));
  }
  /// Two f32 values rounded to the element type, as an operand register.
  Value packPair(Value lo, Value hi) {
    Value l = arith::TruncFOp::create(b(), e.loc, elt, lo);
    Value h = arith::TruncFOp::create(b(), e.loc, elt, hi);
    return operand(vector::FromElementsOp::create(
        b(), e.loc, VectorType::get({2}, elt), ValueRange{l, h}));
  }
  /// `tiles` (1, 2 or 4) 8 x 8 matrices of the shared stage `mem` by one
  /// ldmatrix, transposed with `trans`, as operand registers (one per
  /// matrix). Lane l gives the address of row l % 8 of matrix l / 8 (modulo
  /// `tiles`), whose indices `rowOf(matrix, row)` returns. Without `trans`
  /// lane l receives row l / 4, columns 2 (l % 4) and 2 (l % 4) + 1 of each
  /// matrix (an mma.sync B register when the rows are the n dimension);
  /// with it, rows 2 (l % 4) and 2 (l % 4) + 1 of column l / 4 (a B
  /// register when the rows are the k dimension).
  SmallVector<Value>
  ldmatrix(Value mem, int64_t tiles, bool trans, Value laneId,
           function_ref<SmallVector<Value>(Value, Value)> rowOf) {
    Value row = arith::RemUIOp::create(b(), e.loc, laneId, e.idx(8));
    Value matrix = arith::RemUIOp::create(
        b(), e.loc, arith::DivUIOp::create(b(), e.loc, laneId, e.idx(8)),
        e.idx(tiles));
    auto type = VectorType::get({tiles, 2}, elt);
    Value v = nvgpu::LdMatrixOp::create(b(), e.loc, type, mem,
                                        rowOf(matrix, row), trans, tiles);
    SmallVector<Value> regs;
    for (int64_t i = 0; i < tiles; ++i)
      regs.push_back(operand(
          vector::ExtractOp::create(b(), e.loc, v, ArrayRef<int64_t>{i})));
    return regs;
  }

  /// D = A B + C for one m16n8k16 step; fragments as 4 / 2 / 4 registers.
  SmallVector<Value> mma(ArrayRef<Value> a, ArrayRef<Value> bFrag,
                         ArrayRef<Value> c) {
    Type f32 = b().getF32Type();
    auto resultType = LLVM::LLVMStructType::getLiteral(
        b().getContext(), SmallVector<Type>(4, f32));
    NVVM::MMATypes type =
        elt.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16;
    Value d = NVVM::MmaOp::create(
        b(), e.loc, resultType, a, bFrag, c, {kMmaM, kMmaN, kMmaK},
        /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
        std::array<NVVM::MMATypes, 2>{type, type},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    SmallVector<Value> out;
    for (int64_t i = 0; i < 4; ++i)
      out.push_back(LLVM::ExtractValueOp::create(b(), e.loc, d, i));
    return out;
  }

  /// `op` of `v` over the four lanes of a quad.
  Value quadReduce(Value v, function_ref<Value(Value, Value)> combine) {
    for (int32_t offset : {1, 2}) {
      Value other = gpu::ShuffleOp::create(b(), e.loc, v, offset, kWarp,
                                           gpu::ShuffleMode::XOR)
                        .getShuffleResult();
      v = combine(v, other);
    }
    return v;
  }

  /// Copies the 16-byte piece `src[srcIndices]` to `dst[dstIndices]`: by
  /// cp.async (nvgpu.device_async_copy, L1 bypassed) into a stage, which
  /// the copy's group must complete before anyone reads it, or through
  /// registers.
  void copyPiece(Value src, ValueRange srcIndices, Value dst,
                 ValueRange dstIndices, bool async) {
    if (async) {
      nvgpu::DeviceAsyncCopyOp::create(
          b(), e.loc, nvgpu::DeviceAsyncTokenType::get(b().getContext()), dst,
          dstIndices, src, srcIndices, b().getIndexAttr(8),
          /*srcElements=*/Value(), b().getUnitAttr());
      return;
    }
    Value v = vload(VectorType::get({8}, elt), src, srcIndices, 16);
    vector::StoreOp::create(b(), e.loc, v, dst, dstIndices,
                            /*nontemporal=*/false, llvm::MaybeAlign(16));
  }

  /// Starts copying rows [k0, k0 + bk) of `src[b, hk]` (clamped to the last
  /// key) into stage `buf` of the padded double stage `dst`
  /// (2 x bk x (width + 8)) by cp.async in 16-byte pieces, all threads
  /// cooperating.
  void stageRows(Value src, Value dst, int64_t width, Value bIdx, Value hk,
                 Value k0, Value tid, Value buf) {
    int64_t pieces = width / 8;
    e.loop(tid, e.idx(plan.bk * pieces), e.idx(threads()), [&](Value flat) {
      Value j = arith::DivUIOp::create(b(), e.loc, flat, e.idx(pieces));
      Value c = e.mul(arith::RemUIOp::create(b(), e.loc, flat, e.idx(pieces)),
                      e.idx(8));
      Value key = e.min(e.add(k0, j), sizes.lkLast);
      copyPiece(src, {bIdx, hk, key, c}, dst, {buf, j, c}, /*async=*/true);
    });
  }

  /// Copies rows [row0, row0 + rows) of `src[b, hh]` (clamped to row
  /// `last`) into `dst`, a memref<width/8 x rows x 8 x elt> in the
  /// layout of wgmma's K-major operands without swizzling: element (r, c) at
  /// [c / 8, r, c % 8]. Each core matrix (8 rows x 16 bytes) is then 128
  /// contiguous bytes, core matrices adjacent along the rows are 128 bytes
  /// apart (the descriptor's stride byte offset) and those adjacent along K
  /// `rows * 16` bytes apart (its leading byte offset). Eight consecutive
  /// threads fill one core matrix: 16-byte stores without bank conflicts,
  /// 16-byte pieces of eight rows from global memory. With `buf`, `dst` is
  /// a double stage (2 x width/8 x rows x 8), filled at `buf` by cp.async;
  /// without, it is filled through registers.
  void stageCoreMatrices(Value src, Value dst, int64_t rows, int64_t width,
                         Value bIdx, Value hh, Value row0, Value last,
                         Value tid, Value buf = Value()) {
    int64_t pieces = width / 8;
    e.loop(tid, e.idx(rows * pieces), e.idx(threads()), [&](Value flat) {
      Value r8 = arith::RemUIOp::create(b(), e.loc, flat, e.idx(8));
      Value rest = arith::DivUIOp::create(b(), e.loc, flat, e.idx(8));
      Value p = arith::RemUIOp::create(b(), e.loc, rest, e.idx(pieces));
      Value rb = arith::DivUIOp::create(b(), e.loc, rest, e.idx(pieces));
      Value r = e.add(e.mul(rb, e.idx(8)), r8);
      Value srcRow = e.min(e.add(row0, r), last);
      SmallVector<Value> at = {p, r, e.idx(0)};
      if (buf)
        at.insert(at.begin(), buf);
      copyPiece(src, {bIdx, hh, srcRow, e.mul(p, e.idx(8))}, dst, at,
                /*async=*/static_cast<bool>(buf));
    });
  }

  /// Starts the cp.async copies of the K and V rows of plan entry `entry`
  /// into stage `buf`.
  void stageTile(Value entry, Value bIdx, Value hk, Value tid, Value buf) {
    Value k0 = tileOf(entry).k0;
    if (wgmma)
      stageCoreMatrices(kBuf, ks, plan.bk, d, bIdx, hk, k0, sizes.lkLast, tid,
                        buf);
    else
      stageRows(kBuf, ks, d, bIdx, hk, k0, tid, buf);
    stageRows(vBuf, vs, dv, bIdx, hk, k0, tid, buf);
  }

  /// Closes this thread's group of the cp.async copies issued since the
  /// last one (possibly none).
  Value commitGroup() {
    auto tokenType = nvgpu::DeviceAsyncTokenType::get(b().getContext());
    return nvgpu::DeviceAsyncCreateGroupOp::create(b(), e.loc, tokenType,
                                                   ValueRange());
  }
  /// commitGroup, then waits until at most `pending` of this thread's groups
  /// are outstanding.
  void commitAndWait(int32_t pending) {
    nvgpu::DeviceAsyncWaitOp::create(b(), e.loc, commitGroup(),
                                     b().getI32IntegerAttr(pending));
  }

  /// The shared-memory address of `stage` (a workgroup buffer).
  Value sharedAddress(Value stage) {
    return memref::ExtractAlignedPointerAsIndexOp::create(b(), e.loc, stage);
  }

  /// The wgmma matrix descriptor (no swizzling, base offset 0) of an operand
  /// at shared address `address + offset`, with leading byte offset `lbo`
  /// (between core matrices along K) and stride byte offset `sbo` (along M
  /// or N): bits 0-13 the address, 16-29 `lbo`, 32-45 `sbo`, each in units
  /// of 16 bytes.
  Value descriptor(Value address, int64_t offset, int64_t lbo, int64_t sbo) {
    Type i64 = b().getI64Type();
    auto c64 = [&](int64_t v) {
      return arith::ConstantOp::create(b(), e.loc, b().getI64IntegerAttr(v));
    };
    Value a = arith::IndexCastUIOp::create(b(), e.loc, i64,
                                           e.add(address, e.idx(offset)));
    a = arith::ShRUIOp::create(
        b(), e.loc, arith::AndIOp::create(b(), e.loc, a, c64(0x3ffff)), c64(4));
    return arith::OrIOp::create(b(), e.loc, a,
                                c64((lbo >> 4) << 16 | (sbo >> 4) << 32));
  }

  /// S = Q K^T of the warpgroup's 64 rows (Q at shared address `qAddress`)
  /// and the bk keys of the K stage at `kAddress`: D / 16 wgmma.mma_async
  /// m64n{bk}k16 with f32 accumulators started afresh, committed as one group
  /// and waited for. The wgmma accumulator layout of a warp is the mma.sync
  /// m16n8 C layout repeated over the 8-column blocks, so the result is
  /// returned as those fragments: block n holds registers 4n .. 4n + 3.
  SmallVector<SmallVector<Value>> wgmmaScores(Value qAddress, Value kAddress) {
    MLIRContext *ctx = b().getContext();
    Type f32 = b().getF32Type();
    auto accType =
        LLVM::LLVMStructType::getLiteral(ctx, SmallVector<Type>(bk / 2, f32));
    Value acc = LLVM::ZeroOp::create(b(), e.loc, accType);
    NVVM::WGMMATypes type =
        elt.isF16() ? NVVM::WGMMATypes::f16 : NVVM::WGMMATypes::bf16;
    int64_t lboQ = bq * 16, lboK = bk * 16, sbo = 128;
    NVVM::WgmmaFenceAlignedOp::create(b(), e.loc);
    for (int64_t s = 0; s < d / kMmaK; ++s) {
      // Two core matrices along K per step of 16.
      Value descA = descriptor(qAddress, 2 * s * lboQ, lboQ, sbo);
      Value descB = descriptor(kAddress, 2 * s * lboK, lboK, sbo);
      acc = NVVM::WgmmaMmaAsyncOp::create(
          b(), e.loc, accType, acc, descA, descB,
          NVVM::MMAShapeAttr::get(ctx, 64, bk, kMmaK), type, type,
          NVVM::WGMMATypes::f32,
          s == 0 ? NVVM::WGMMAScaleOut::zero : NVVM::WGMMAScaleOut::one,
          NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one,
          NVVM::MMALayout::row, NVVM::MMALayout::col,
          /*satfinite=*/nullptr);
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(b(), e.loc);
    NVVM::WgmmaWaitGroupSyncOp::create(b(), e.loc, 0);
    SmallVector<SmallVector<Value>> frags(bk / kMmaN);
    for (int64_t i = 0; i < bk / 2; ++i)
      frags[i / 4].push_back(LLVM::ExtractValueOp::create(b(), e.loc, acc, i));
    return frags;
  }

  void emitBody(Value qTile, Value h, Value bIdx, Value tid) {
    Type f32 = b().getF32Type();
    Value hk = kvHead(e, h);
    bindSizes();
    Value warp = arith::DivUIOp::create(b(), e.loc, tid, e.idx(kWarp));
    Value laneId = arith::RemUIOp::create(b(), e.loc, tid, e.idx(kWarp));
    Value g = arith::DivUIOp::create(b(), e.loc, laneId, e.idx(4));
    Value t = arith::RemUIOp::create(b(), e.loc, laneId, e.idx(4));
    Value t2 = e.mul(t, e.idx(2));
    // The lane's two rows: within the tile (the plan masks' row index), in
    // the op (unclamped and clamped).
    Value local[2], rowU[2], row[2];
    local[0] = e.add(e.mul(warp, e.idx(kMmaM)), g);
    local[1] = e.add(local[0], e.idx(8));
    for (int r = 0; r < 2; ++r) {
      rowU[r] = e.add(e.mul(qTile, e.idx(bq)), local[r]);
      row[r] = e.min(rowU[r], sizes.lqLast);
    }

    // Q as A fragments, loaded once: register 2c + r holds row r, columns
    // 16 s + 8 c + 2t (+1). With wgmma, Q is staged once in shared memory
    // instead, and the warpgroup's rows start 64 * 16 bytes per warpgroup
    // into its stage.
    SmallVector<SmallVector<Value>> qA;
    Value qAddress, kAddress;
    if (wgmma) {
      stageCoreMatrices(qBuf, qs, bq, d, bIdx, h, e.mul(qTile, e.idx(bq)),
                        sizes.lqLast, tid);
      Value warpGroup = arith::DivUIOp::create(b(), e.loc, warp, e.idx(4));
      qAddress = e.add(sharedAddress(qs), e.mul(warpGroup, e.idx(64 * 16)));
      kAddress = sharedAddress(ks);
    }
    // The K stage's bytes (wgmma: the offset of the second stage).
    int64_t kStageBytes = d * plan.bk * (elt.getIntOrFloatBitWidth() / 8);
    for (int64_t s = 0; !wgmma && s < d / kMmaK; ++s) {
      SmallVector<Value> regs;
      for (int64_t c = 0; c < 2; ++c)
        for (int r = 0; r < 2; ++r)
          regs.push_back(pairAt(
              qBuf, {bIdx, h, row[r], e.add(e.idx(s * kMmaK + 8 * c), t2)}));
      qA.push_back(regs);
    }

    OnlineNormalizer on(b(), e.loc, normalizer, f32, sizes.lkF);
    on.hoistConstants();
    Value zero = on.zero();
    Value negInf = on.negInf();
    Value scaleV = e.f32(scale);
    Value sink;
    if (sinkBuf)
      sink = e.widen(e.load(sinkBuf, {h}));
    Value m0 = on.initialMax(sink);
    Value lInit = on.initialSum();
    Value leader = arith::CmpIOp::create(b(), e.loc, arith::CmpIPredicate::eq,
                                         t, e.idx(0));
    Value l0 = arith::SelectOp::create(b(), e.loc, leader, lInit, zero);

    auto [first, last] = planEntries(qTile);
    Value one = e.idx(1);
    int64_t nBlocks = plan.bk / kMmaN;
    // Key (within the stage) of accumulator element i of 8-key block n.
    auto keyOf = [&](int64_t n, int64_t i) {
      return e.add(e.idx(n * kMmaN + (i & 1)), t2);
    };

    // Visible counts of the two rows, when the normalizer needs them.
    Value count[2] = {zero, zero};
    if (on.needsVisibleCount()) {
      SmallVector<Value> counts = e.loop(
          first, last, one, {zero, zero}, [&](Value entry, ValueRange acc) {
            KeyTile tile = tileOf(entry);
            SmallVector<Value> c(acc.begin(), acc.end());
            for (int64_t n = 0; n < nBlocks; ++n)
              for (int64_t i = 0; i < 4; ++i) {
                int r = i / 2;
                Value s = visibleLogit(Value(), keyOf(n, i), tile, row[r],
                                       local[r], bIdx, h);
                c[r] = on.countVisible(c[r], s);
              }
            return c;
          });
      for (int r = 0; r < 2; ++r)
        count[r] = quadReduce(counts[r],
                              [&](Value x, Value y) { return e.fadd(x, y); });
    }

    // Loop state: m[2], l[2], then the Dv / 8 accumulator fragments.
    int64_t vBlocks = dv / kMmaN;
    SmallVector<Value> init = {m0, m0, l0, l0};
    init.append(vBlocks * 4, zero);
    // Prologue: start the first tile's copies into stage 0, as a group of
    // their own.
    Value any = arith::CmpIOp::create(b(), e.loc, arith::CmpIPredicate::ult,
                                      first, last);
    scf::IfOp::create(b(), e.loc, any, [&](OpBuilder &, Location) {
      stageTile(first, bIdx, hk, tid, e.idx(0));
      scf::YieldOp::create(b(), e.loc);
    });
    commitGroup();
    SmallVector<Value> state =
        e.loop(first, last, one, init, [&](Value entry, ValueRange args) {
          Value m[2] = {args[0], args[1]};
          Value l[2] = {args[2], args[3]};
          SmallVector<Value> acc(args.begin() + 4, args.end());
          KeyTile tile = tileOf(entry);
          // Double buffering: this tile is in stage (entry - first) % 2,
          // its copies were started one iteration (or the prologue)
          // earlier; start the next tile's into the other stage, then wait
          // for this tile's group only.
          Value buf = arith::RemUIOp::create(
              b(), e.loc, arith::SubIOp::create(b(), e.loc, entry, first),
              e.idx(2));
          Value nextEntry = e.add(entry, one);
          Value hasNext = arith::CmpIOp::create(
              b(), e.loc, arith::CmpIPredicate::ult, nextEntry, last);
          scf::IfOp::create(b(), e.loc, hasNext, [&](OpBuilder &, Location) {
            stageTile(nextEntry, bIdx, hk, tid,
                      arith::SubIOp::create(b(), e.loc, one, buf));
            scf::YieldOp::create(b(), e.loc);
          });
          commitAndWait(1);
          // wgmma reads the stages through the async proxy: the copies
          // (generic proxy) must be fenced before the barrier.
          if (wgmma)
            NVVM::FenceProxyOp::create(
                b(), e.loc, NVVM::ProxyKind::async_shared,
                NVVM::SharedSpaceAttr::get(b().getContext(),
                                           NVVM::SharedSpace::shared_cta));
          gpu::BarrierOp::create(b(), e.loc);

          // Logits of the lane's elements and the rows' tile maxima.
          SmallVector<SmallVector<Value>> sFrag;
          SmallVector<SmallVector<Value>> raw;
          if (wgmma)
            raw = wgmmaScores(qAddress,
                              e.add(kAddress, e.mul(buf, e.idx(kStageBytes))));
          Value tileMax[2] = {negInf, negInf};
          for (int64_t n = 0; n < nBlocks; ++n) {
            SmallVector<Value> c(4, zero);
            // B registers of the 8 keys for every k-step (two per step), by
            // ldmatrix over two steps at a time: matrix i covers columns
            // 16 s + 8 i .. +7 of the keys' rows.
            SmallVector<Value> kB;
            for (int64_t s = 0; !wgmma && s < d / kMmaK; s += 2) {
              int64_t tiles = 2 * std::min<int64_t>(2, d / kMmaK - s);
              kB.append(ldmatrix(ks, tiles, /*trans=*/false, laneId,
                                 [&](Value matrix, Value r) {
                                   return SmallVector<Value>{
                                       buf, e.add(e.idx(n * kMmaN), r),
                                       e.add(e.idx(s * kMmaK),
                                             e.mul(matrix, e.idx(8)))};
                                 }));
            }
            for (int64_t s = 0; !wgmma && s < d / kMmaK; ++s)
              c = mma(qA[s], {kB[2 * s], kB[2 * s + 1]}, c);
            if (wgmma)
              c = raw[n];
            for (int64_t i = 0; i < 4; ++i) {
              int r = i / 2;
              c[i] = visibleLogit(e.fmul(c[i], scaleV), keyOf(n, i), tile,
                                  row[r], local[r], bIdx, h);
              tileMax[r] =
                  arith::MaximumFOp::create(b(), e.loc, tileMax[r], c[i]);
            }
            sFrag.push_back(c);
          }

          // The normalizer step of each of the lane's two rows: the row's
          // maximum over its quad, the rescale of its accumulator elements,
          // the weights (0 where invisible) and the lane's part of the sum.
          Value mNew[2];
          for (int r = 0; r < 2; ++r) {
            auto rowMax = [&] {
              return quadReduce(tileMax[r], [&](Value x, Value y) {
                return arith::MaximumFOp::create(b(), e.loc, x, y);
              });
            };
            auto rescaleAcc = [&](Value alpha) {
              for (int64_t v = 0; v < vBlocks; ++v)
                for (int64_t i = 2 * r; i < 2 * r + 2; ++i)
                  acc[v * 4 + i] = e.fmul(acc[v * 4 + i], alpha);
            };
            auto weights = [&](Value sum, function_ref<Value(Value)> weightOf) {
              for (auto &c : sFrag)
                for (int64_t i = 2 * r; i < 2 * r + 2; ++i) {
                  c[i] = weightOf(c[i]);
                  sum = e.fadd(sum, c[i]);
                }
              return sum;
            };
            OnlineNormalizerState next =
                on.step({m[r], l[r]}, count[r], {rowMax, rescaleAcc, weights});
            mNew[r] = next.max;
            l[r] = next.sum;
          }

          // O += P V, 16 keys per step.
          for (int64_t s = 0; s < plan.bk / kMmaK; ++s) {
            ArrayRef<Value> lo = sFrag[2 * s], hi = sFrag[2 * s + 1];
            SmallVector<Value> pA = {
                packPair(lo[0], lo[1]), packPair(lo[2], lo[3]),
                packPair(hi[0], hi[1]), packPair(hi[2], hi[3])};
            // B registers of the 16 keys for every 8-column block (two
            // per block), by transposed ldmatrix over two blocks at a time:
            // matrix i covers keys 16 s + 8 (i % 2) .. +7, columns
            // 8 (v + i / 2) .. +7.
            SmallVector<Value> vB;
            for (int64_t v = 0; v < vBlocks; v += 2) {
              int64_t tiles = 2 * std::min<int64_t>(2, vBlocks - v);
              vB.append(ldmatrix(
                  vs, tiles, /*trans=*/true, laneId,
                  [&](Value matrix, Value r) {
                    Value half =
                        arith::AndIOp::create(b(), e.loc, matrix, e.idx(1));
                    Value block =
                        arith::ShRUIOp::create(b(), e.loc, matrix, e.idx(1));
                    return SmallVector<Value>{
                        buf,
                        e.add(e.idx(s * kMmaK),
                              e.add(e.mul(half, e.idx(8)), r)),
                        e.mul(e.add(block, e.idx(v)), e.idx(kMmaN))};
                  }));
            }
            for (int64_t v = 0; v < vBlocks; ++v) {
              SmallVector<Value> c(acc.begin() + v * 4,
                                   acc.begin() + v * 4 + 4);
              c = mma(pA, {vB[2 * v], vB[2 * v + 1]}, c);
              llvm::copy(c, acc.begin() + v * 4);
            }
          }
          gpu::BarrierOp::create(b(), e.loc);
          SmallVector<Value> next = {mNew[0], mNew[1], l[0], l[1]};
          next.append(acc);
          return next;
        });

    // out = acc * finalScale(l summed over the quad), rows inside the op.
    Type outElt = cast<MemRefType>(outBuf.getType()).getElementType();
    for (int r = 0; r < 2; ++r) {
      Value l = quadReduce(state[2 + r],
                           [&](Value x, Value y) { return e.fadd(x, y); });
      Value factor = on.finalScale(l, count[r]);
      Value inside = arith::CmpIOp::create(
          b(), e.loc, arith::CmpIPredicate::ult, rowU[r], sizes.lq);
      scf::IfOp::create(b(), e.loc, inside, [&](OpBuilder &, Location) {
        for (int64_t v = 0; v < vBlocks; ++v) {
          SmallVector<Value> pair;
          for (int64_t i = 2 * r; i < 2 * r + 2; ++i)
            pair.push_back(on.output(state[4 + v * 4 + i], factor, outElt));
          Value col = e.add(e.idx(v * kMmaN), t2);
          Value vec = vector::FromElementsOp::create(
              b(), e.loc, VectorType::get({2}, outElt), pair);
          vector::StoreOp::create(
              b(), e.loc, vec, outBuf, ValueRange{bIdx, h, row[r], col},
              /*nontemporal=*/false,
              llvm::MaybeAlign(2 * outElt.getIntOrFloatBitWidth() / 8));
        }
        // The quad's four lanes hold the same row's state; the first
        // stores its log-sum-exp.
        if (lseBuf) {
          Value first = arith::CmpIOp::create(
              b(), e.loc, arith::CmpIPredicate::eq, t2, e.idx(0));
          scf::IfOp::create(b(), e.loc, first, [&](OpBuilder &, Location) {
            e.store(on.logSumExp({state[r], l}), lseBuf, {bIdx, h, row[r]});
            scf::YieldOp::create(b(), e.loc);
          });
        }
        scf::YieldOp::create(b(), e.loc);
      });
    }
  }
};

} // namespace

bool mlir::attn::canLowerAttentionToGPU(AttentionOp op,
                                        const GPUKernelOptions &options,
                                        std::string &reason) {
  // Tiles of a larger op (q_offset) and ops with dynamic B, Lq or Lk are
  // planned at run time, and launched on a grid sized at run time.
  if (!supportsRuntimeTilePlan(op, reason))
    return false;
  int64_t hq = op.getQueryType().getDimSize(1);
  int64_t batch = op.getQueryType().getDimSize(0);
  if (hq > kMaxGridYZ || batch > kMaxGridYZ) {
    reason = "its batch or head count exceeds the grid limit (65535)";
    return false;
  }
  int64_t d = op.getQueryType().getDimSize(3);
  int64_t dv = op.getValueType().getDimSize(3);
  int64_t row = int64_t(llvm::alignTo(d * 4, kSharedAlignment)) + dv * 4;
  if (row > options.sharedMemoryBytes) {
    reason = "one key and value row (" + std::to_string(row) +
             " bytes) exceeds shared-memory-bytes (" +
             std::to_string(options.sharedMemoryBytes) + ")";
    return false;
  }
  return true;
}

bool mlir::attn::canUseTensorCores(AttentionOp op,
                                   const GPUKernelOptions &options,
                                   std::string &reason) {
  if (!options.tensorCores) {
    reason = "tensor-cores=false";
    return false;
  }
  if (op.hasScoreMod() && op.getEffectiveNormalizer().needsVisibleCount()) {
    reason = "the normalizer counts visible keys and the score_mod region "
             "decides visibility from the logits, which the tensor-core "
             "kernel's count pass does not compute";
    return false;
  }
  if (options.chipVersion < 80) {
    reason = "mma.sync.m16n8k16 needs sm_80 or later";
    return false;
  }
  Type elt = op.getQueryType().getElementType();
  if (!(elt.isF16() || elt.isBF16()) ||
      op.getKeyType().getElementType() != elt ||
      op.getValueType().getElementType() != elt) {
    reason = "query, key and value are not all f16 or all bf16";
    return false;
  }
  int64_t d = op.getQueryType().getDimSize(3);
  int64_t dv = op.getValueType().getDimSize(3);
  if (d % 16 != 0 || dv % 8 != 0) {
    reason = "the head dimension is not a multiple of 16 or the value "
             "dimension not a multiple of 8";
    return false;
  }
  if (2 * options.tileQ > 1024) {
    reason = "tile-q / 16 warps exceed 1024 threads";
    return false;
  }
  int64_t lk = keysToStage(op, options);
  if (chooseMmaTileK(options, lk, d, dv, elt.getIntOrFloatBitWidth() / 8) ==
      0) {
    reason = "two stages of 16 padded key and value rows exceed "
             "shared-memory-bytes (" +
             std::to_string(options.sharedMemoryBytes) + ")";
    return false;
  }
  return true;
}

bool mlir::attn::canUseWgmma(AttentionOp op, const GPUKernelOptions &options,
                             std::string &reason) {
  if (!options.wgmma) {
    reason = "wgmma=false";
    return false;
  }
  if (std::optional<std::string> problem = wgmmaOptionsProblem(options)) {
    reason = *problem;
    return false;
  }
  int64_t lk = keysToStage(op, options);
  int64_t d = op.getQueryType().getDimSize(3);
  int64_t dv = op.getValueType().getDimSize(3);
  int64_t eltBytes = op.getQueryType().getElementTypeBitWidth() / 8;
  if (chooseWgmmaTileK(options, lk, d, dv, eltBytes) == 0) {
    reason = "the Q stage and two stages of 16 key and value rows exceed "
             "shared-memory-bytes (" +
             std::to_string(options.sharedMemoryBytes) + ")";
    return false;
  }
  return true;
}

LogicalResult mlir::attn::lowerAttentionToGPU(
    RewriterBase &rewriter, AttentionOp op, const GPUKernelOptions &options,
    SymbolTable &symbols, std::string &reason, GPUKernelReport *report) {
  if (!canLowerAttentionToGPU(op, options, reason))
    return failure();
  int64_t lq = op.getQueryType().getDimSize(2);
  int64_t lk = op.getKeyType().getDimSize(2);
  int64_t stagedKeys = keysToStage(op, options);
  int64_t d = op.getQueryType().getDimSize(3);
  int64_t dv = op.getValueType().getDimSize(3);
  std::string whyNot;
  bool tensorCores = canUseTensorCores(op, options, whyNot);
  bool wgmma = tensorCores && canUseWgmma(op, options, whyNot);
  Type elt = op.getQueryType().getElementType();
  int64_t eltBytes = elt.getIntOrFloatBitWidth() / 8;
  TileSizes sizes{options.tileQ,
                  wgmma ? chooseWgmmaTileK(options, stagedKeys, d, dv, eltBytes)
                  : tensorCores
                      ? chooseMmaTileK(options, stagedKeys, d, dv, eltBytes)
                      : chooseTileK(options, stagedKeys, d, dv)};
  // A tile of a larger op, or an op with dynamic sizes, gets a plan without
  // tables, made at run time.
  std::string whyRuntime;
  bool runtime = !supportsTilePlan(op, whyRuntime);
  FailureOr<TilePlan> plan;
  if (runtime) {
    plan = makeRuntimeTilePlan(lq, lk, sizes);
  } else {
    plan = buildTilePlan(op.getEffectivePattern(), lq, lk, sizes,
                         options.maxTableBytes, reason);
  }
  if (failed(plan))
    return failure();
  if (report) {
    report->skippedTiles = plan->skippedTiles;
    report->partialTiles = plan->partialTiles;
    report->fullTiles = plan->fullTiles;
    report->tileK = plan->bk;
    report->tensorCores = tensorCores;
    report->wgmma = wgmma;
    if (options.wgmma && !wgmma)
      report->notWgmma = whyNot;
  }

  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  MmaKernelBuilder k(op, *plan, rewriter);
  k.wgmma = wgmma;
  k.runtimePlan = runtime;
  if (op.getQOffset()) {
    k.qOffsetBuf = memref::AllocaOp::create(
        rewriter, loc, MemRefType::get({1}, rewriter.getI64Type()));
    memref::StoreOp::create(
        rewriter, loc,
        arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                   op.getQOffset()),
        k.qOffsetBuf,
        ValueRange{arith::ConstantIndexOp::create(rewriter, loc, 0)});
  }
  int64_t blockSize = tensorCores ? k.threads() : plan->bq;

  // Launches copy whole buffers to the device: operands with dynamic sizes
  // are made contiguous first.
  AttentionBuffers buffers = bufferizeAttention(
      rewriter, op, symbols, *plan, "__attn_gpu", /*contiguous=*/true);
  bindAttentionBuffers(k, buffers);
  emitRunTimeSizeChecks(k.e, op, buffers);
  // The grid (query tiles, Hq, B): where Lq or B is dynamic, counted on the
  // host and checked against the grid's limits.
  OpFoldResult gridX = rewriter.getIndexAttr(plan->numQTiles);
  OpFoldResult gridZ = rewriter.getIndexAttr(k.batch);
  std::string where;
  {
    llvm::raw_string_ostream os(where);
    os << "attn.attention at " << loc << ": ";
  }
  auto fitsGrid = [&](Value n, int64_t limit, StringRef what) {
    cf::AssertOp::create(rewriter, loc,
                         k.e.cmpi(arith::CmpIPredicate::ule, n, k.e.idx(limit)),
                         where + what.str() + " exceed the GPU grid's limit (" +
                             std::to_string(limit) + ")");
  };
  if (ShapedType::isDynamic(lq)) {
    Value tiles = arith::CeilDivUIOp::create(
        rewriter, loc, memref::DimOp::create(rewriter, loc, buffers.q, 2),
        k.e.idx(plan->bq));
    fitsGrid(tiles, kMaxGridX, "the query tiles");
    gridX = tiles;
  }
  if (ShapedType::isDynamic(k.batch)) {
    Value batch = memref::DimOp::create(rewriter, loc, buffers.q, 0);
    fitsGrid(batch, kMaxGridYZ, "the batch rows");
    gridZ = batch;
  }

  // The kernel takes every buffer as an argument.
  Value hostOut = k.outBuf, hostLse = k.lseBuf;
  SmallVector<Value> hostArgs;
  for (Value v :
       {k.qBuf, k.kBuf, k.vBuf, k.biasBuf, k.maskBuf, k.sinkBuf, k.offsetsBuf,
        k.tilesBuf, k.maskIdsBuf, k.masksBuf, k.outBuf, k.lseBuf, k.qOffsetBuf})
    if (v)
      hostArgs.push_back(v);
  llvm::append_range(hostArgs, buffers.scoreMod);

  MLIRContext *ctx = rewriter.getContext();
  Type f32 = rewriter.getF32Type();
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto priv = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Private);
  auto shared = [&](int64_t rows, int64_t cols, Type type) {
    return MemRefType::get({rows, cols}, type, MemRefLayoutAttrInterface(),
                           workgroup);
  };
  auto local = [&](int64_t n) {
    return MemRefType::get({n}, f32, MemRefLayoutAttrInterface(), priv);
  };
  // SIMT: f32 stages and private rows; tensor cores: padded stages in the
  // element type, everything else in registers.
  SmallVector<Type> workgroupTypes, privateTypes;
  // wgmma: K and Q in core-matrix layout (see stageCoreMatrices).
  auto coreMatrices = [&](int64_t rows, int64_t width) {
    return MemRefType::get({width / 8, rows, 8}, elt,
                           MemRefLayoutAttrInterface(), workgroup);
  };
  // Tensor cores: two stages of K and V each (cp.async double buffering).
  auto doubled = [&](MemRefType one) {
    SmallVector<int64_t> shape = {2};
    llvm::append_range(shape, one.getShape());
    return MemRefType::get(shape, elt, MemRefLayoutAttrInterface(), workgroup);
  };
  if (wgmma) {
    workgroupTypes = {doubled(coreMatrices(plan->bk, d)),
                      doubled(shared(plan->bk, dv + kStagePad, elt)),
                      coreMatrices(plan->bq, d)};
  } else if (tensorCores) {
    workgroupTypes = {doubled(shared(plan->bk, d + kStagePad, elt)),
                      doubled(shared(plan->bk, dv + kStagePad, elt))};
  } else {
    workgroupTypes = {shared(plan->bk, d, f32), shared(plan->bk, dv, f32)};
    privateTypes = {local(d), local(dv), local(plan->bk)};
  }
  std::string eltName = elt.isF16() ? "f16" : "bf16";
  std::string path =
      wgmma         ? "wgmma.m64n" + std::to_string(plan->bk) + "k16." + eltName
      : tensorCores ? "mma.m16n8k16." + eltName
                    : "simt.f32";
  bool unroll = !tensorCores && options.maxUnrolledFloats > 0 &&
                d + dv + plan->bk <= options.maxUnrolledFloats;
  auto build = [&](gpu::GPUFuncOp kernel, ValueRange shared) {
    kernel->setAttr("attn.gpu.tiles",
                    rewriter.getDenseI64ArrayAttr({plan->bq, plan->bk}));
    kernel->setAttr(kKernelPathAttr, rewriter.getStringAttr(path));
    // Kernel-side names for the buffers.
    Value *slots[] = {&k.qBuf,       &k.kBuf,     &k.vBuf,       &k.biasBuf,
                      &k.maskBuf,    &k.sinkBuf,  &k.offsetsBuf, &k.tilesBuf,
                      &k.maskIdsBuf, &k.masksBuf, &k.outBuf,     &k.lseBuf,
                      &k.qOffsetBuf};
    unsigned next = 0;
    for (Value *slot : slots)
      if (*slot)
        *slot = kernel.getArgument(next++);
    for (Value from : buffers.scoreModFrom)
      k.scoreModCaptures.map(from, kernel.getArgument(next++));
    k.ks = shared[0];
    k.vs = shared[1];
    if (wgmma)
      k.qs = shared[2];
    if (!tensorCores) {
      k.qReg = kernel.getPrivateAttributions()[0];
      k.acc = kernel.getPrivateAttributions()[1];
      k.sRow = kernel.getPrivateAttributions()[2];
    }
    Value qTile = gpu::BlockIdOp::create(rewriter, loc, gpu::Dimension::x);
    Value head = gpu::BlockIdOp::create(rewriter, loc, gpu::Dimension::y);
    Value bIdx = gpu::BlockIdOp::create(rewriter, loc, gpu::Dimension::z);
    Value lane = gpu::ThreadIdOp::create(rewriter, loc, gpu::Dimension::x);
    if (tensorCores)
      k.MmaKernelBuilder::emitBody(qTile, head, bIdx, lane);
    else
      k.KernelBuilder::emitBody(qTile, head, bIdx, lane);
  };
  gpu::GPUFuncOp kernel = createKernelLaunch(
      rewriter, loc, symbols, "attention", hostArgs, workgroupTypes,
      privateTypes, {gridX, rewriter.getIndexAttr(k.hq), gridZ},
      {blockSize, 1, 1}, build);

  // Registers for the private arrays: unroll every loop of constant trip
  // count (those over D, Dv and the staged keys; the plan and staging loops
  // have run-time bounds), innermost first.
  if (unroll) {
    SmallVector<scf::ForOp> loops;
    kernel.walk([&](scf::ForOp loop) {
      if (loop.getStaticTripCount())
        loops.push_back(loop);
    });
    // walk() is post-order: inner loops come first.
    for (scf::ForOp loop : loops)
      (void)loopUnrollFull(loop);
  }
  kernel->setAttr("attn.gpu.unrolled", rewriter.getBoolAttr(unroll));
  if (report)
    report->unrolled = unroll;

  SmallVector<Value> results = {
      resultTensor(rewriter, loc, op.getResultType(), hostOut)};
  if (hostLse)
    results.push_back(resultTensor(rewriter, loc, op.getLseType(), hostLse));
  rewriter.replaceOp(op, results);
  return success();
}

//===----------------------------------------------------------------------===//
// convert-attn-to-gpu
//===----------------------------------------------------------------------===//

namespace {
/// Parses `sm_XY` / `sm_XYa` into XY; 0 when malformed.
int64_t parseChip(StringRef chip) {
  if (!chip.consume_front("sm_"))
    return 0;
  chip.consume_back("a");
  chip.consume_back("f");
  int64_t version = 0;
  if (chip.getAsInteger(10, version))
    return 0;
  return version;
}
} // namespace

int64_t mlir::attn::maxSharedMemoryPerBlock(int64_t chipVersion) {
  constexpr int64_t kKiB = 1024;
  switch (chipVersion) {
  case 70:
  case 72:
    return 96 * kKiB;
  case 75:
    return 64 * kKiB;
  case 80:
  case 87:
    return 163 * kKiB;
  case 86:
  case 89:
  case 120:
  case 121:
    return 99 * kKiB;
  case 90:
  case 100:
  case 103:
    return 227 * kKiB;
  default:
    return kStaticSharedBytes;
  }
}

namespace {

struct ConvertAttnToGPUPass
    : public mlir::attn::impl::ConvertAttnToGPUPassBase<ConvertAttnToGPUPass> {
  using Base::Base;
  ATTN_PASS_OPTION_ERRORS

  /// The kernels' gpu.module is serialised later (gpu-module-to-binary),
  /// which needs the GPU, NVVM and LLVM translations in any tool that runs
  /// this pass.
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    registerAllGPUToLLVMIRTranslations(registry);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    GPUKernelOptions options;
    options.tileQ = tileQ;
    options.tileK = tileK;
    options.sharedMemoryBytes = sharedMemoryBytes;
    options.maxTableBytes = maxTableBytes;
    options.maxUnrolledFloats = maxUnrolledFloats;
    options.tensorCores = tensorCores;
    options.wgmma = wgmma;
    if (tileQ <= 0 || tileQ % kWarp != 0 || tileQ > 1024) {
      emitError(module.getLoc())
          << "convert-attn-to-gpu: tile-q (" << options.tileQ
          << ") must be a positive multiple of " << kWarp
          << " and at most 1024 (it is the thread block size)";
      return signalPassFailure();
    }
    if (tileK <= 0 || tileK > 1024) {
      emitError(module.getLoc()) << "convert-attn-to-gpu: tile-k ("
                                 << options.tileK << ") must be in [1, 1024]";
      return signalPassFailure();
    }
    if (sharedMemoryBytes <= 0) {
      emitError(module.getLoc())
          << "convert-attn-to-gpu: shared-memory-bytes ("
          << options.sharedMemoryBytes << ") must be positive";
      return signalPassFailure();
    }
    int64_t version = parseChip(chip.getValue());
    if (version < 50) {
      emitError(module.getLoc())
          << "convert-attn-to-gpu: chip '" << chip.getValue()
          << "' is not an NVIDIA chip of the form sm_XY (sm_50 or later)";
      return signalPassFailure();
    }
    options.chipVersion = version;
    options.chipArchSpecific = StringRef(chip.getValue()).ends_with("a");
    if (int64_t limit = maxSharedMemoryPerBlock(version);
        sharedMemoryBytes > limit) {
      emitError(module.getLoc())
          << "convert-attn-to-gpu: shared-memory-bytes ("
          << options.sharedMemoryBytes << ") exceeds the " << limit
          << " bytes a thread block may use on " << chip.getValue();
      return signalPassFailure();
    }
    if (wgmma)
      if (std::optional<std::string> problem =
              wgmmaOptionsProblem(options, chip.getValue())) {
        emitError(module.getLoc()) << "convert-attn-to-gpu: " << *problem;
        return signalPassFailure();
      }
    MLIRContext *ctx = &getContext();
    module->setAttr(
        "attn.gpu.target",
        DictionaryAttr::get(
            ctx,
            {NamedAttribute(StringAttr::get(ctx, "chip"),
                            StringAttr::get(ctx, chip.getValue())),
             NamedAttribute(StringAttr::get(ctx, "features"),
                            StringAttr::get(ctx, features.getValue())),
             NamedAttribute(StringAttr::get(ctx, "shared_memory_bytes"),
                            IntegerAttr::get(IntegerType::get(ctx, 64),
                                             options.sharedMemoryBytes))}));

    SymbolTable symbols(module);
    SmallVector<AttentionOp> ops;
    module.walk([&](AttentionOp op) { ops.push_back(op); });
    IRRewriter rewriter(ctx);
    for (AttentionOp op : ops) {
      std::string reason;
      GPUKernelReport report;
      Location loc = op.getLoc();
      if (failed(lowerAttentionToGPU(rewriter, op, options, symbols, reason,
                                     &report))) {
        emitRemark(loc) << "left for the reference lowering: " << reason;
        ++numLeft;
        ::attn::stats::add(getArgument(), "left-ops", 1);
        continue;
      }
      ++numLowered;
      if (report.tensorCores) {
        ++numTensorCore;
        ::attn::stats::add(getArgument(), "tensor-core-ops", 1);
      }
      if (report.wgmma) {
        ++numWgmma;
        ::attn::stats::add(getArgument(), "wgmma-ops", 1);
      } else if (!report.notWgmma.empty()) {
        emitRemark(loc) << "wgmma not used: " << report.notWgmma;
      }
      numSkippedTiles += report.skippedTiles;
      numPartialTiles += report.partialTiles;
      ::attn::stats::add(getArgument(), "lowered-ops", 1);
      ::attn::stats::add(getArgument(), "skipped-tiles", report.skippedTiles);
      ::attn::stats::add(getArgument(), "partial-tiles", report.partialTiles);
      ::attn::stats::add(getArgument(), "full-tiles", report.fullTiles);
    }
    // Token merging: a block (or one thread) per batch row (merge), a block
    // per (batch row, token) (unmerge).
    auto [lowered, left] =
        lowerTokenMergeOps(module, [&](Operation *op, std::string &reason) {
          if (auto merge = dyn_cast<TokenMergeOp>(op))
            return lowerTokenMergeToGPU(rewriter, merge, symbols, reason,
                                        options.sharedMemoryBytes);
          return lowerTokenUnmergeToGPU(rewriter, cast<TokenUnmergeOp>(op),
                                        symbols, reason);
        });
    numLowered += lowered;
    numLeft += left;
    if (lowered)
      ::attn::stats::add(getArgument(), "lowered-ops", lowered);
    if (left)
      ::attn::stats::add(getArgument(), "left-ops", left);
  }
};

} // namespace
