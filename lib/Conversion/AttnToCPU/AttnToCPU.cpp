//===- AttnToCPU.cpp - Fused, tiled CPU kernels for attn.attention --------===//
//
// One FlashAttention-2 style loop nest per op:
//
//   scf.parallel (b, h, query tile) {          // OpenMP later
//                                   (h: the KV head when the G query heads
//                                    of a group share the tile's lanes)
//     Qt  = scale * Q_tile^T          (D x BQ)
//     m, l, count = normalizer's initial state (BQ lanes)
//     for each key tile the pattern leaves visible (compile-time table, or
//                       a plan made here at run time for dynamic sizes and
//                       q_offset tiles: RuntimeTilePlan) {
//       St = K_tile Qt                (BK x BQ: the score tile, transposed)
//       softcap, bias, mask; partial tiles select through a tile mask
//       lane-wise normalizer update of (m, l), St becomes the weights P^T
//       acc = acc * alpha + P V_tile  (BQ x Dv)
//     }
//     out = acc * finalScale(l)
//   }
//
// Keeping the score tile transposed puts one query row in one vector lane,
// so every step of the normalizer (running maximum, weights, sums) is a
// lane-wise vector operation built by NormalizerAttrInterface: no horizontal
// reductions. The classification of (query tile, key tile) pairs comes from
// PatternAttrInterface::classifyTile at compile time, or from its key ranges
// and full-tile test at run time (buildKeyRanges, buildAllVisible); no
// pattern kind is named in this file.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToCPU/AttnToCPU.h"
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
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/TargetParser/Host.h"

#include <limits>
#include <thread>

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOCPUPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Rows of the score tile computed together (register blocking of K . Q^T)
/// and rows of the accumulator updated together (P . V).
constexpr int64_t kScoreRows = 4;
constexpr int64_t kAccRows = 4;

int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/// The tile sizes the options ask for (0 = automatic), clamped to the op.
int64_t clampTile(int64_t tile, int64_t length, int64_t multiple) {
  if (ShapedType::isDynamic(length))
    return tile;
  return std::min(tile, roundUp(length, multiple));
}

/// Estimated cost, in vector-instruction units, of a kernel with `bq x bk`
/// tiles that visits `tiles` tiles in `qTiles` query tiles: the two products
/// and the normalizer per visited pair, the accumulator rescale and loop
/// overhead per visited tile, loading Q and storing the output per query
/// tile, and, when the keys and values of a head are streamed from beyond
/// the caches (`streamedBytesPerKey` > 0), reading each visited key tile.
/// Only the ratios between the candidates of one op matter; the constants
/// were fitted to timings of 2-D neighborhoods and dense ops.
double estimateCost(int64_t bq, int64_t bk, int64_t tiles, int64_t qTiles,
                    int64_t d, int64_t dv, int64_t vl,
                    int64_t streamedBytesPerKey) {
  double perPair = double(d + dv) / vl + 12.0 / vl;
  double perTile = double(bq * bk) * perPair + double(bq * dv) / vl + 40.0 +
                   double(bk * streamedBytesPerKey) / 8.0;
  double perQTile = double(bq * d) + 2.0 * bq * dv / vl + 100.0;
  return double(tiles) * perTile + double(qTiles) * perQTile;
}

/// Which blocks of `fq` rows by `fk` keys hold a visible pair, with 2-D
/// prefix sums, so that the visited tiles of any tiling by multiples of
/// (fq, fk) are counted without planning it.
struct VisibilityGrid {
  int64_t fq, fk, rows, cols;
  std::vector<int32_t> prefix; // (rows + 1) x (cols + 1)

  VisibilityGrid(PatternAttrInterface pattern, int64_t lq, int64_t lk,
                 int64_t fq, int64_t fk)
      : fq(fq), fk(fk), rows((lq + fq - 1) / fq), cols((lk + fk - 1) / fk),
        prefix((rows + 1) * (cols + 1), 0) {
    for (int64_t r = 0; r < rows; ++r) {
      int64_t q0 = r * fq, q1 = std::min(lq, q0 + fq);
      for (int64_t c = 0; c < cols; ++c) {
        int64_t k0 = c * fk, k1 = std::min(lk, k0 + fk);
        int32_t seen = pattern.classifyTile(q0, q1, k0, k1, lq, lk) !=
                       TileVisibility::Skipped;
        at(r + 1, c + 1) = seen + at(r, c + 1) + at(r + 1, c) - at(r, c);
      }
    }
  }

  int32_t &at(int64_t r, int64_t c) { return prefix[r * (cols + 1) + c]; }

  /// Tiles of `bq x bk` (multiples of fq, fk) that hold a visible pair.
  int64_t countVisited(int64_t bq, int64_t bk) {
    int64_t sq = bq / fq, sk = bk / fk, count = 0;
    for (int64_t r = 0; r < rows; r += sq) {
      int64_t r1 = std::min(rows, r + sq);
      for (int64_t c = 0; c < cols; c += sk) {
        int64_t c1 = std::min(cols, c + sk);
        count += at(r1, c1) - at(r, c1) - at(r1, c) + at(r, c) > 0;
      }
    }
    return count;
  }
};

/// How the lanes of a query tile are filled. With grouped-query attention
/// whose group size G is a power of two, the G query heads that share a
/// key/value head share each tile: lane `g * R + i` holds row `i` of head
/// `g` (R rows per head), so every key and value tile is read once for the
/// whole group. When G * Lq is below the vector width (decoding), the
/// vectors narrow to the next power of two of it (at least 4 lanes).
struct LaneLayout {
  int64_t heads = 1; // query heads per tile
  int64_t vl = 8;    // f32 lanes per vector
};

LaneLayout chooseLanes(AttentionOp op, const CPUKernelOptions &options) {
  AttentionDims dims = AttentionDims::of(op);
  LaneLayout layout;
  layout.vl = options.vectorWidth;
  int64_t g = dims.group;
  if (g <= 1 || !llvm::isPowerOf2_64(g) || g > 64 ||
      !llvm::isPowerOf2_64(layout.vl) ||
      (options.tileQ > 0 && options.tileQ % g != 0))
    return layout;
  layout.heads = g;
  if (ShapedType::isDynamic(dims.lq))
    return layout;
  int64_t lanes = int64_t(llvm::PowerOf2Ceil(uint64_t(g) * uint64_t(dims.lq)));
  layout.vl = std::min(layout.vl, std::max<int64_t>(4, lanes));
  return layout;
}

/// `plan` (rows of one head per tile) with its masks repeated for each of
/// `heads` heads side by side in the lanes (LaneLayout); `bq` becomes the
/// lanes of a tile.
void repeatMasksPerHead(TilePlan &plan, int64_t heads) {
  if (heads == 1)
    return;
  int64_t rows = plan.bq, lanes = rows * heads;
  std::vector<int8_t> masks(plan.numMasks * plan.bk * lanes);
  for (int64_t m = 0; m < plan.numMasks; ++m)
    for (int64_t j = 0; j < plan.bk; ++j)
      for (int64_t g = 0; g < heads; ++g)
        std::copy_n(&plan.masks[(m * plan.bk + j) * rows], rows,
                    &masks[(m * plan.bk + j) * lanes + g * rows]);
  plan.masks = std::move(masks);
  plan.bq = lanes;
}

/// Keys and values of one head above this size are taken to stream from
/// beyond the per-core caches: each query tile then pays for reading them,
/// and query tiles of 128 lanes join the candidates (with 64 x 64 tiles on
/// the development machine, L = 16384, D = 64 f32 (8 MiB per head) ran 10%
/// slower than with 128 x 128; L = 4096 (2 MiB) ran the same).
constexpr int64_t kStreamedKVBytes = int64_t(4) << 20;

/// How many ranges of key tiles each query tile is split into (split-K):
/// when the (batch, head, query tile) items are fewer than the threads the
/// kernel is planned for, enough splits to give every thread work, at most
/// the fewest key tiles of a query tile and 64. Only for normalizers whose
/// state merges exactly through their rescale (a running maximum, no
/// visible count).
int64_t chooseSplits(AttentionOp op, const CPUKernelOptions &options,
                     const TilePlan &plan, int64_t headItems) {
  NormalizerAttrInterface normalizer = op.getEffectiveNormalizer();
  if (!normalizer.usesRunningMax() || normalizer.needsVisibleCount() ||
      plan.offsets.empty())
    return 1;
  int64_t threads = options.threads;
  if (threads <= 0)
    threads = std::max<int64_t>(1, std::thread::hardware_concurrency());
  int64_t items = headItems * plan.numQTiles;
  if (items >= threads)
    return 1;
  int64_t fewest = std::numeric_limits<int64_t>::max();
  for (int64_t t = 0; t < plan.numQTiles; ++t)
    fewest = std::min<int64_t>(fewest, plan.offsets[t + 1] - plan.offsets[t]);
  int64_t splits =
      std::min<int64_t>({(threads + items - 1) / items, fewest, 64});
  return std::max<int64_t>(1, splits);
}

/// The plan of `op`: with the tile sizes of the options, or, for a size left
/// at 0, the candidate from 8 (4 for keys) to 64 (128 for streamed K/V) with
/// the lowest `estimateCost` (sparse patterns favour small tiles, which visit
/// fewer invisible pairs; dense ones large tiles, which amortise the per-tile
/// work). Candidates are compared on counts from one fine visibility grid;
/// only the winner is planned.
FailureOr<TilePlan> choosePlan(AttentionOp op, const CPUKernelOptions &options,
                               LaneLayout layout, bool runtime,
                               std::string &reason) {
  PatternAttrInterface pattern = op.getEffectivePattern();
  int64_t lq = op.getQueryType().getDimSize(2);
  int64_t lk = op.getKeyType().getDimSize(2);
  int64_t d = op.getQueryType().getDimSize(3);
  int64_t dv = op.getValueType().getDimSize(3);
  int64_t vl = layout.vl, heads = layout.heads;
  auto eltBytes = [](Type t) {
    return int64_t(getElementTypeOrSelf(t).getIntOrFloatBitWidth() / 8);
  };
  int64_t bytesPerKey = d * eltBytes(op.getKey().getType()) +
                        dv * eltBytes(op.getValue().getType());
  int64_t streamedBytesPerKey =
      lk * bytesPerKey > kStreamedKVBytes ? bytesPerKey : 0;
  // Tile sizes in lanes (query rows of all heads of a tile) or keys, from
  // the option or the candidates, returned in rows of one head or keys.
  auto candidates = [&](int64_t fixed, int64_t length, int64_t multiple,
                        int64_t perRow, bool large) {
    int64_t rowMultiple = std::max<int64_t>(1, multiple / perRow);
    SmallVector<int64_t> out;
    if (fixed > 0) {
      out.push_back(clampTile(fixed / perRow, length, rowMultiple));
      return out;
    }
    for (int64_t t : {128, 64, 32, 16, 8, 4}) {
      if ((t == 128 && !large) || t % multiple != 0 || t % perRow != 0)
        continue;
      int64_t c = clampTile(t / perRow, length, rowMultiple);
      if (!llvm::is_contained(out, c))
        out.push_back(c);
    }
    if (out.empty())
      out.push_back(
          clampTile(std::max(roundUp(64, multiple), multiple * perRow) / perRow,
                    length, rowMultiple));
    return out;
  };
  SmallVector<int64_t> qSizes =
      candidates(options.tileQ, lq, vl, heads, streamedBytesPerKey > 0);
  SmallVector<int64_t> kSizes =
      candidates(options.tileK, lk, kScoreRows, 1, streamedBytesPerKey > 0);
  TileSizes chosen{qSizes.front(), kSizes.front()};
  // A plan made at run time: the largest candidates (64 lanes, 64 keys
  // unless the op is smaller), no tables.
  if (runtime) {
    TilePlan plan = makeRuntimeTilePlan(lq, lk, chosen);
    plan.bq *= heads; // lanes, as repeatMasksPerHead makes them
    return plan;
  }
  int64_t fq = std::max<int64_t>(1, vl / heads), fk = kScoreRows;
  int64_t gridCells = ((lq + fq - 1) / fq) * ((lk + fk - 1) / fk);
  if ((qSizes.size() > 1 || kSizes.size() > 1) &&
      gridCells <= (int64_t(1) << 24)) {
    VisibilityGrid grid(pattern, lq, lk, fq, fk);
    double bestCost = -1;
    for (int64_t bq : qSizes) {
      for (int64_t bk : kSizes) {
        if (bq % fq != 0 || bk % fk != 0)
          continue;
        double cost =
            estimateCost(bq * heads, bk, grid.countVisited(bq, bk),
                         (lq + bq - 1) / bq, d, dv, vl, streamedBytesPerKey);
        if (bestCost < 0 || cost < bestCost) {
          bestCost = cost;
          chosen = {bq, bk};
        }
      }
    }
  }
  FailureOr<TilePlan> plan =
      buildTilePlan(pattern, lq, lk, chosen, options.maxTableBytes, reason);
  if (failed(plan))
    return failure();
  if (plan->numMasks * plan->bk * plan->bq * heads > options.maxTableBytes) {
    reason = "its tile masks for " + std::to_string(heads) +
             " query heads per tile would exceed max-table-bytes";
    return failure();
  }
  repeatMasksPerHead(*plan, heads);
  return plan;
}

//===----------------------------------------------------------------------===//
// IR building helpers
//===----------------------------------------------------------------------===//

/// The shared helpers plus vector ones.
struct Emitter : KernelEmitter {
  using KernelEmitter::KernelEmitter;

  Value splat(VectorType type, double v) {
    return arith::ConstantOp::create(
        b, loc, type,
        DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), v)));
  }
  Value bcast(VectorType type, Value scalar) {
    return vector::BroadcastOp::create(b, loc, type, scalar);
  }
  Value vload(VectorType type, Value mem, ValueRange indices) {
    return vector::LoadOp::create(b, loc, type, mem, indices);
  }
  void vstore(Value value, Value mem, ValueRange indices) {
    vector::StoreOp::create(b, loc, value, mem, indices);
  }
  Value stackAlloc(ArrayRef<int64_t> shape, Type elt) {
    return memref::AllocaOp::create(b, loc, MemRefType::get(shape, elt),
                                    ValueRange{}, ValueRange{},
                                    b.getI64IntegerAttr(64));
  }
};

//===----------------------------------------------------------------------===//
// The kernel
//===----------------------------------------------------------------------===//

struct KernelBuilder : AttentionDims {
  AttentionOp op;
  const CPUKernelOptions &options;
  const TilePlan &plan;
  Emitter e;
  PatternAttrInterface pattern;
  NormalizerAttrInterface normalizer;

  int64_t vl, bq, bk;
  int64_t heads, bqr; // query heads per tile and rows per head (LaneLayout)
  int64_t scoreVecs;  // vectors of VL query rows per score block
  int64_t accLanes;   // lanes of accumulator vectors (divides Dv)
  int64_t accVecs;    // accumulator vectors per P.V block
  VectorType vecType, accVecType;
  // bf16 dot products (isa=avx512-bf16 and bf16 operands): Q K^T over pairs
  // of D (Q packed as pairs), P V over pairs of keys (V packed as pairs once
  // per op, P packed per tile); `pairType` holds vl such pairs.
  bool dotScores = false, dotValues = false;
  VectorType pairType;

  // Buffers.
  Value qBuf, kBuf, vBuf, biasBuf, maskBuf, sinkBuf, outBuf, lseBuf;
  Value vPairs; // V as pairs of keys: B x Hkv x ceil(Lk/2) x 2Dv (dotValues)
  Value offsetsBuf, tilesBuf, maskIdsBuf, masksBuf;
  // Per mask of the compile-time plan: the keys up to the last one any row
  // of the tile sees (TilePlan::maskKeys).
  Value maskKeysBuf;
  // A plan made at run time (a tile of a larger op): no tables; the key
  // tiles come from the pattern's key ranges for the tile's logical rows
  // (`qOffset` + row of this op, of `logicalLq`).
  bool runtimePlan = false;
  Value qOffset;
  // The sizes as values (constants when static; Lq, Lk and B may be
  // dynamic, with a run-time plan): B, Lq, Lk, Lq - 1, Lk - 1, the logical
  // query length, and Lk as an f32.
  Value batchV, lqV, lkV, lqLast, lkLast, logicalLqV, lkF;
  // What the score_mod region's captured values are read as.
  IRMapping scoreModCaptures;

  KernelBuilder(AttentionOp op, const CPUKernelOptions &options,
                LaneLayout layout, const TilePlan &plan, OpBuilder &b)
      : AttentionDims(AttentionDims::of(op)), op(op), options(options),
        plan(plan), e{b, op.getLoc()}, pattern(op.getEffectivePattern()),
        normalizer(op.getEffectiveNormalizer()) {
    vl = layout.vl;
    heads = layout.heads;
    bq = plan.bq;
    bqr = bq / heads;
    bk = plan.bk;
    // Vector registers of the target: 32 with AVX-512 (16 f32 lanes), 16
    // with AVX2 and NEON. A block of `rows x vecs` accumulators also holds
    // `vecs` loaded vectors and one broadcast.
    int64_t registers = vl >= 16 ? 32 : 16;
    auto widest = [&](int64_t length, int64_t lanes, int64_t rows) {
      for (int64_t v : {4, 2})
        if (length % (v * lanes) == 0 && rows * v + v + 1 <= registers)
          return v;
      return int64_t(1);
    };
    scoreVecs = widest(bq, vl, kScoreRows);
    accLanes = dv % vl == 0 ? vl : (dv % 4 == 0 ? 4 : 1);
    accVecs = widest(dv, accLanes, kAccRows);
    vecType = VectorType::get({vl}, b.getF32Type());
    accVecType = VectorType::get({accLanes}, b.getF32Type());
    Type bf16 = b.getBF16Type();
    bool allBF16 = options.bf16Dot && (vl == 8 || vl == 16) &&
                   getElementTypeOrSelf(op.getQuery().getType()) == bf16 &&
                   getElementTypeOrSelf(op.getKey().getType()) == bf16 &&
                   getElementTypeOrSelf(op.getValue().getType()) == bf16;
    dotScores = allBF16 && d % 2 == 0;
    dotValues = allBF16 && accLanes == vl;
    pairType = VectorType::get({2 * vl}, bf16);
  }

  /// The two bf16 at `mem[indices]` (contiguous along the last dimension)
  /// in every pair of a `pairType` vector.
  Value broadcastPair(Value mem, ValueRange indices) {
    Value two = e.vload(VectorType::get({2}, b().getBF16Type()), mem, indices);
    Value word = vector::BitCastOp::create(
        b(), e.loc, VectorType::get({1}, b().getI32Type()), two);
    Value scalar =
        vector::ExtractOp::create(b(), e.loc, word, ArrayRef<int64_t>{0});
    Value words = e.bcast(VectorType::get({vl}, b().getI32Type()), scalar);
    return vector::BitCastOp::create(b(), e.loc, pairType, words);
  }

  /// acc + x * y (f32 vectors).
  Value fma(Value x, Value y, Value acc) {
    return vector::FMAOp::create(b(), e.loc, x, y, acc);
  }
  /// acc + the dot products of the bf16 pairs of x and y (vdpbf16ps).
  Value dotPairs(Value x, Value y, Value acc) {
    return x86vector::DotBF16Op::create(b(), e.loc, acc, x, y);
  }

  /// Two f32 vectors (rows of a pair) as one `pairType` vector of pairs.
  Value packPair(Value lo, Value hi) {
    auto half = VectorType::get({vl}, b().getBF16Type());
    Value l = x86vector::CvtPackedF32ToBF16Op::create(b(), e.loc, half, lo);
    Value h = x86vector::CvtPackedF32ToBF16Op::create(b(), e.loc, half, hi);
    return vector::InterleaveOp::create(b(), e.loc, l, h);
  }

  OpBuilder &b() { return e.b; }

  // The tile being built: its batch, the parallel loop's head index (the
  // query head, or with several heads per tile the key/value head), and its
  // first query row.
  Value tileBatch, tileHead, tileQ0;

  /// The query head of lane `i` of the tile.
  Value laneHead(Value i) {
    if (heads == 1)
      return tileHead;
    return e.add(e.mul(tileHead, e.idx(heads)),
                 arith::DivUIOp::create(b(), e.loc, i, e.idx(bqr)));
  }
  /// The query row of lane `i` (past Lq in padded lanes).
  Value laneRow(Value i) {
    if (heads == 1)
      return e.add(tileQ0, i);
    return e.add(tileQ0, arith::RemUIOp::create(b(), e.loc, i, e.idx(bqr)));
  }

  /// Softcap, bias, mask and the partial-tile mask, in place on the score
  /// tile `st`; entries that are not visible become -inf.
  void applyVisibility(Value st, const KeyTile &tile, bool withSoftcap) {
    Value k0 = tile.k0, mid = tile.mid;
    if (softcap && withSoftcap) {
      Value c = e.splat(vecType, *softcap);
      e.loop(e.idx(0), tileKeys, 1, [&](Value j) {
        e.loop(0, bq, vl, [&](Value i) {
          Value s = e.vload(vecType, st, {j, i});
          e.vstore(e.softcap(s, c), st, {j, i});
        });
      });
    }
    bool scoreMod = op.hasScoreMod();
    if (biasBuf || maskBuf || scoreMod) {
      e.loop(e.idx(0), tileKeys, 1, [&](Value j) {
        Value col = e.min(e.add(k0, j), lkLast);
        e.loop(0, bq, 1, [&](Value i) {
          Value row = e.min(laneRow(i), lqLast);
          SmallVector<Value> at = {tileBatch, laneHead(i), row, col};
          auto modify = [&](Value s) {
            return emitScoreMod(b(), e.loc, op, s, at, scoreModCaptures);
          };
          e.store(applyBiasAndMask(e, e.load(st, {j, i}), biasBuf, maskBuf, at,
                                   /*addBias=*/true,
                                   scoreMod ? function_ref<Value(Value)>(modify)
                                            : nullptr),
                  st, {j, i});
        });
      });
    }
    if (runtimePlan) {
      applyPatternTests(st, tile);
      return;
    }
    if (!masksBuf)
      return;
    Value isPartial = arith::CmpIOp::create(
        b(), e.loc, arith::CmpIPredicate::sge, mid, e.idx(0));
    scf::IfOp::create(b(), e.loc, isPartial, [&](OpBuilder &, Location) {
      auto byteType = VectorType::get({vl}, b().getI8Type());
      Value zero = arith::ConstantOp::create(
          b(), e.loc, byteType,
          DenseElementsAttr::get(byteType, b().getI8IntegerAttr(0)));
      Value negInf = e.splat(vecType, kNegInf);
      e.loop(e.idx(0), tileKeys, 1, [&](Value j) {
        e.loop(0, bq, vl, [&](Value i) {
          Value bits = e.vload(byteType, masksBuf, {mid, j, i});
          Value vis = arith::CmpIOp::create(
              b(), e.loc, arith::CmpIPredicate::ne, bits, zero);
          Value s = e.vload(vecType, st, {j, i});
          e.vstore(arith::SelectOp::create(b(), e.loc, vis, s, negInf), st,
                   {j, i});
        });
      });
      scf::YieldOp::create(b(), e.loc);
    });
  }

  /// Binds the size values at the builder's insertion point (outside the
  /// parallel loops), from the operand buffers where a size is dynamic.
  void bindSizes() {
    AttentionSizes s =
        AttentionSizes::bind(e, *this, op.getLogicalQueryLength(), qBuf, kBuf);
    batchV = s.batch;
    lqV = s.lq;
    lkV = s.lk;
    lqLast = s.lqLast;
    lkLast = s.lkLast;
    logicalLqV = s.logicalLq;
    lkF = s.lkF;
  }

  /// With a run-time plan, unless the tile is full: the pattern's test for
  /// every pair, keys outside the tile's range [lo, hi) (past Lk included)
  /// hidden, rows at their logical position.
  void applyPatternTests(Value st, const KeyTile &tile) {
    Value partial = arith::XOrIOp::create(
        b(), e.loc, tile.full, arith::ConstantIntOp::create(b(), e.loc, 1, 1));
    scf::IfOp::create(b(), e.loc, partial, [&](OpBuilder &, Location) {
      Value negInf = e.f32(kNegInf);
      e.loop(e.idx(0), tileKeys, 1, [&](Value j) {
        Value col = e.add(tile.k0, j);
        e.loop(0, bq, 1, [&](Value i) {
          Value row = e.add(qOffset, laneRow(i));
          Value vis = emitRuntimeVisibility(e, pattern, tile, row, col,
                                            logicalLqV, lkV);
          e.store(e.select(vis, e.load(st, {j, i}), negInf), st, {j, i});
        });
      });
      scf::YieldOp::create(b(), e.loc);
    });
  }

  /// The key tile of compile-time plan entry `entry`.
  KeyTile tileOf(Value entry) {
    auto [k0, mid] = emitPlanTile(e, tilesBuf, maskIdsBuf, entry, bk);
    return {k0, mid, {}, {}, {}};
  }

  /// The keys of the key tile starting at `k0` (the last one is cut at Lk).
  Value keysOf(Value k0) {
    return e.min(e.idx(bk), arith::SubIOp::create(b(), e.loc, lkV, k0));
  }

  /// Rows of the score tile the current key tile computes (a multiple of
  /// kScoreRows, at most bk): every loop over the tile's keys stops there.
  Value tileKeys;

  /// Starts key tile `tile`: sets tileKeys and returns its keys. A partial
  /// tile of a compile-time plan stops after the last key any of its rows
  /// sees (the mask's extent, `maskKeysBuf`), so that a window's sink tokens
  /// cost a few rows, not a whole tile; a tile of a run-time plan stops at
  /// the end of its key range. The rows past the keys are hidden.
  Value beginKeyTile(const KeyTile &tile) {
    Value keys = keysOf(tile.k0);
    if (runtimePlan) {
      Value left = arith::SubIOp::create(b(), e.loc, tile.hi, tile.k0);
      keys = e.min(keys, arith::MaxSIOp::create(b(), e.loc, left, e.idx(0)));
    } else if (maskKeysBuf) {
      Value partial = e.cmpi(arith::CmpIPredicate::sge, tile.mid, e.idx(0));
      Value mid = e.select(partial, tile.mid, e.idx(0));
      Value extent = e.toIndex(e.load(maskKeysBuf, {mid}));
      keys = e.select(partial, e.min(keys, extent), keys);
    }
    Value rows = e.idx(kScoreRows);
    tileKeys = e.mul(arith::DivUIOp::create(
                         b(), e.loc, e.add(keys, e.idx(kScoreRows - 1)), rows),
                     rows);
    return keys;
  }

  /// Calls `body` for every key tile that query tile `qTile` visits: the
  /// entries of the compile-time plan (those of split `split` of `splits`
  /// when given), or those of the plan made at run time for the tile's
  /// logical rows (RuntimeTilePlan).
  void forEachKeyTile(Value qTile, Value split,
                      function_ref<void(const KeyTile &)> body) {
    if (runtimePlan) {
      Value q0 = e.add(qOffset, tileQ0);
      Value q1 = e.add(qOffset, e.min(e.add(tileQ0, e.idx(bqr)), lqV));
      RuntimeTilePlan plan(e, pattern, q0, q1, logicalLqV, lkV, bk);
      e.loop(e.idx(0), plan.numEntries(), 1,
             [&](Value entry) { body(plan.tile(entry)); });
      return;
    }
    auto [first, last] = emitPlanEntries(e, offsetsBuf, qTile);
    if (split) {
      // Split `split` of `splits` takes entries [first + len*s/S, first +
      // len*(s+1)/S).
      Value len = arith::SubIOp::create(b(), e.loc, last, first);
      auto bound = [&](Value sIdx) {
        return e.add(first, arith::DivUIOp::create(b(), e.loc, e.mul(len, sIdx),
                                                   e.idx(splits)));
      };
      Value lo = bound(split), hi = bound(e.add(split, e.idx(1)));
      first = lo;
      last = hi;
    }
    e.loop(first, last, 1, [&](Value entry) { body(tileOf(entry)); });
  }

  /// The register-blocked micro-kernel of both products: for iv in
  /// [lb, ub), acc[r][n] = mac(a(iv, r), b(iv, n), acc[r][n]), with `rows`
  /// broadcast operands and `vecs` vector operands per step, the
  /// accumulators carried in registers. Returns acc, row-major.
  SmallVector<Value>
  emitOuterProducts(Value lb, Value ub, int64_t rows, int64_t vecs,
                    ValueRange inits,
                    function_ref<Value(Value iv, int64_t r)> a,
                    function_ref<Value(Value iv, int64_t n)> bv,
                    function_ref<Value(Value x, Value y, Value acc)> mac) {
    return e.loop(lb, ub, 1, inits, [&](Value iv, ValueRange acc) {
      SmallVector<Value> vs;
      for (int64_t n = 0; n < vecs; ++n)
        vs.push_back(bv(iv, n));
      SmallVector<Value> next(acc.begin(), acc.end());
      for (int64_t r = 0; r < rows; ++r) {
        Value x = a(iv, r);
        for (int64_t n = 0; n < vecs; ++n)
          next[r * vecs + n] = mac(x, vs[n], next[r * vecs + n]);
      }
      return next;
    });
  }

  /// St = K_tile . Qt (BK x BQ): kScoreRows keys by scoreVecs vectors of
  /// query rows per step, over D. With dotScores, `qt` holds Q unscaled as
  /// pairs of D (D/2 x 2BQ bf16), each step takes a pair of D, and the scale
  /// is applied to the sums.
  void emitScores(Value st, Value qt, Value bIdx, Value hk, Value k0) {
    e.loop(e.idx(0), tileKeys, kScoreRows, [&](Value j0) {
      SmallVector<Value> rows;
      for (int64_t r = 0; r < kScoreRows; ++r)
        rows.push_back(e.min(e.add(k0, e.add(j0, e.idx(r))), lkLast));
      e.loop(0, bq, vl * scoreVecs, [&](Value i0) {
        SmallVector<Value> inits(kScoreRows * scoreVecs, e.splat(vecType, 0.0));
        SmallVector<Value> accs;
        if (dotScores) {
          Value two = e.idx(2);
          accs = emitOuterProducts(
              e.idx(0), e.idx(d / 2), kScoreRows, scoreVecs, inits,
              [&](Value dd, int64_t r) {
                return broadcastPair(kBuf, {bIdx, hk, rows[r], e.mul(dd, two)});
              },
              [&](Value dd, int64_t n) {
                return e.vload(pairType, qt,
                               {dd, e.mul(e.add(i0, e.idx(n * vl)), two)});
              },
              [&](Value x, Value y, Value acc) { return dotPairs(x, y, acc); });
          Value scaleV = e.splat(vecType, scale);
          for (Value &acc : accs)
            acc = e.fmul(acc, scaleV);
        } else {
          accs = emitOuterProducts(
              e.idx(0), e.idx(d), kScoreRows, scoreVecs, inits,
              [&](Value dd, int64_t r) {
                return e.bcast(vecType,
                               e.widen(e.load(kBuf, {bIdx, hk, rows[r], dd})));
              },
              [&](Value dd, int64_t n) {
                return e.vload(vecType, qt, {dd, e.add(i0, e.idx(n * vl))});
              },
              [&](Value x, Value y, Value acc) { return fma(x, y, acc); });
        }
        for (int64_t r = 0; r < kScoreRows; ++r)
          for (int64_t n = 0; n < scoreVecs; ++n)
            e.vstore(accs[r * scoreVecs + n], st,
                     {e.add(j0, e.idx(r)), e.add(i0, e.idx(n * vl))});
      });
    });
  }

  /// The online normalizer step (attn/Conversion/Common/OnlineNormalizer.h)
  /// over one score tile, lane-wise over query rows: St becomes the weights,
  /// (m, l) move on, and the per-row rescale factors go to `alphaBuf`, by
  /// which the accumulator rows are then scaled (not with `rescaleAcc`
  /// false: an accumulator still 0).
  void emitNormalizerStep(OnlineNormalizer &on, Value st, Value mBuf,
                          Value lBuf, Value cBuf, Value alphaBuf,
                          bool rescaleAcc = true) {
    e.loop(0, bq, vl, [&](Value i0) {
      OnlineNormalizerState state{e.vload(vecType, mBuf, {i0}),
                                  e.vload(vecType, lBuf, {i0})};
      Value count = e.vload(vecType, cBuf, {i0});
      auto tileMax = [&] {
        return e.loop(e.idx(0), tileKeys, 1, {on.negInf()},
                      [&](Value j, ValueRange acc) {
                        Value s = e.vload(vecType, st, {j, i0});
                        return SmallVector<Value>{
                            arith::MaximumFOp::create(b(), e.loc, acc[0], s)};
                      })[0];
      };
      auto keepAlpha = [&](Value alpha) { e.vstore(alpha, alphaBuf, {i0}); };
      auto weights = [&](Value l, function_ref<Value(Value)> weightOf) {
        Value sum = e.loop(e.idx(0), tileKeys, 1, {on.zero()},
                           [&](Value j, ValueRange acc) {
                             Value p = weightOf(e.vload(vecType, st, {j, i0}));
                             e.vstore(p, st, {j, i0});
                             return SmallVector<Value>{e.fadd(acc[0], p)};
                           })[0];
        return e.fadd(l, sum);
      };
      state = on.step(state, count, {tileMax, keepAlpha, weights});
      if (on.usesRunningMax())
        e.vstore(state.max, mBuf, {i0});
      e.vstore(state.sum, lBuf, {i0});
    });
    if (!on.usesRunningMax() || !rescaleAcc)
      return;
    e.loop(0, bq, 1, [&](Value i) {
      Value alpha = e.bcast(accVecType, e.load(alphaBuf, {i}));
      e.loop(0, dv, accLanes, [&](Value c) {
        Value a = e.vload(accVecType, accBuf, {i, c});
        e.vstore(e.fmul(a, alpha), accBuf, {i, c});
      });
    });
  }

  /// The weights of St (f32, BK x BQ) as pairs of keys in `pt` (BK/2 x 2BQ
  /// bf16), for dotValues.
  void emitPackWeights(Value st, Value pt) {
    Value two = e.idx(2);
    e.loop(e.idx(0), arith::DivUIOp::create(b(), e.loc, tileKeys, e.idx(2)), 1,
           [&](Value j2) {
             Value j = e.mul(j2, two);
             e.loop(0, bq, vl, [&](Value i) {
               Value lo = e.vload(vecType, st, {j, i});
               Value hi = e.vload(vecType, st, {e.add(j, e.idx(1)), i});
               e.vstore(packPair(lo, hi), pt, {j2, e.mul(i, two)});
             });
           });
  }

  /// For each block of kAccRows rows by accVecs vectors of Dv of accBuf:
  /// the block's values are replaced by what `update(i0, c0, block)`
  /// returns. `atRows(i0)`, when given, runs once per block of rows, before
  /// its columns.
  void updateAccBlocks(
      function_ref<SmallVector<Value>(Value i0, Value c0, ValueRange block)>
          update,
      function_ref<void(Value i0)> atRows = nullptr) {
    e.loop(0, bq, kAccRows, [&](Value i0) {
      if (atRows)
        atRows(i0);
      e.loop(0, dv, accLanes * accVecs, [&](Value c0) {
        auto at = [&](int64_t r, int64_t n) {
          return SmallVector<Value>{e.add(i0, e.idx(r)),
                                    e.add(c0, e.idx(n * accLanes))};
        };
        SmallVector<Value> block;
        for (int64_t r = 0; r < kAccRows; ++r)
          for (int64_t n = 0; n < accVecs; ++n)
            block.push_back(e.vload(accVecType, accBuf, at(r, n)));
        SmallVector<Value> next = update(i0, c0, block);
        for (int64_t r = 0; r < kAccRows; ++r)
          for (int64_t n = 0; n < accVecs; ++n)
            e.vstore(next[r * accVecs + n], accBuf, at(r, n));
      });
    });
  }

  /// acc += P . V_tile over the tile's kRows keys. With dotValues, `st` is
  /// the packed weights of emitPackWeights and V is read from vPairs, a pair
  /// of keys per step.
  void emitWeightedSum(Value st, Value bIdx, Value hk, Value k0, Value kRows) {
    Type vElt = cast<MemRefType>(vBuf.getType()).getElementType();
    auto vType = VectorType::get({accLanes}, vElt);
    Value two = e.idx(2);
    updateAccBlocks([&](Value i0, Value c0, ValueRange inits) {
      SmallVector<Value> accs;
      if (dotValues) {
        Value pairs =
            arith::DivUIOp::create(b(), e.loc, e.add(kRows, e.idx(1)), two);
        Value p0 = arith::DivUIOp::create(b(), e.loc, k0, two);
        accs = emitOuterProducts(
            e.idx(0), pairs, kAccRows, accVecs, inits,
            [&](Value j2, int64_t r) {
              return broadcastPair(st, {j2, e.mul(e.add(i0, e.idx(r)), two)});
            },
            [&](Value j2, int64_t n) {
              return e.vload(pairType, vPairs,
                             {bIdx, hk, e.add(p0, j2),
                              e.mul(e.add(c0, e.idx(n * accLanes)), two)});
            },
            [&](Value x, Value y, Value acc) { return dotPairs(x, y, acc); });
      } else {
        accs = emitOuterProducts(
            e.idx(0), kRows, kAccRows, accVecs, inits,
            [&](Value j, int64_t r) {
              return e.bcast(accVecType, e.load(st, {j, e.add(i0, e.idx(r))}));
            },
            [&](Value j, int64_t n) {
              return e.widen(e.vload(
                  vType, vBuf,
                  {bIdx, hk, e.add(k0, j), e.add(c0, e.idx(n * accLanes))}));
            },
            [&](Value x, Value y, Value acc) { return fma(x, y, acc); });
      }
      return accs;
    });
  }

  Value accBuf;

  /// vPairs[b][h][p][2c + s] = V[b][h][2p + s][c] (0 past Lk), once per op,
  /// in parallel over (batch, KV head, pair).
  void emitPackValues() {
    int64_t staticPairs = ShapedType::isDynamic(lk) ? lk : (lk + 1) / 2;
    Value pairs =
        ShapedType::isDynamic(lk)
            ? arith::DivUIOp::create(b(), e.loc, e.add(lkV, e.idx(1)), e.idx(2))
                  .getResult()
            : e.idx(staticPairs);
    SmallVector<Value> dynamicSizes;
    if (ShapedType::isDynamic(batch))
      dynamicSizes.push_back(batchV);
    if (ShapedType::isDynamic(lk))
      dynamicSizes.push_back(pairs);
    vPairs = memref::AllocOp::create(
        b(), e.loc,
        MemRefType::get({batch, hkv, staticPairs, 2 * dv}, b().getBF16Type()),
        dynamicSizes, b().getI64IntegerAttr(64));
    auto half = VectorType::get({vl}, b().getBF16Type());
    scf::ParallelOp::create(
        b(), e.loc, ValueRange{e.idx(0), e.idx(0), e.idx(0)},
        ValueRange{batchV, e.idx(hkv), pairs},
        ValueRange{e.idx(1), e.idx(1), e.idx(1)},
        [&](OpBuilder &, Location, ValueRange ivs) {
          Value two = e.idx(2);
          Value j = e.mul(ivs[2], two);
          Value j1 = e.add(j, e.idx(1));
          Value hasSecond = e.cmpi(arith::CmpIPredicate::ult, j1, lkV);
          Value second = e.min(j1, lkLast);
          Value zero = arith::ConstantOp::create(
              b(), e.loc, half,
              DenseElementsAttr::get(half,
                                     b().getFloatAttr(b().getBF16Type(), 0.0)));
          e.loop(0, dv, vl, [&](Value c) {
            Value lo = e.vload(half, vBuf, {ivs[0], ivs[1], j, c});
            Value hi = e.select(
                hasSecond, e.vload(half, vBuf, {ivs[0], ivs[1], second, c}),
                zero);
            e.vstore(vector::InterleaveOp::create(b(), e.loc, lo, hi), vPairs,
                     {ivs[0], ivs[1], ivs[2], e.mul(c, two)});
          });
        });
  }

  /// The body of one (b, h, query tile) iteration.
  // Split-K (splits > 1): each (b, h, query tile) is cut into `splits`
  // ranges of its key tiles, run in parallel; each leaves its unnormalized
  // state (acc, running maximum, sum) in these buffers, and emitMerge
  // combines them through the normalizer's rescale.
  int64_t splits = 1;
  Value partAcc, partMax, partSum; // B x H' x QT x S x BQ (x Dv)

  /// `out = acc * finalScale(l)` for the tile's real rows, reading the
  /// accumulator through `accAt(lane, column)` (a vector of accLanes), and
  /// the log-sum-exp from the final maximum and sum when the op returns it.
  void emitOutput(Value bIdx, Value qRows, Value mBuf, Value lBuf, Value cBuf,
                  function_ref<Value(Value i, Value c)> accAt) {
    Type outElt = cast<MemRefType>(outBuf.getType()).getElementType();
    OnlineNormalizer row(b(), e.loc, normalizer, b().getF32Type(), lkF);
    e.loop(e.idx(0), qRows, 1, [&](Value i) {
      Value rowIdx = laneRow(i);
      Value head = laneHead(i);
      auto store = [&] {
        Value factor = row.finalScale(e.load(lBuf, {i}), e.load(cBuf, {i}));
        Value factorV = e.bcast(accVecType, factor);
        e.loop(0, dv, accLanes, [&](Value c) {
          Value o = row.output(accAt(i, c), factorV, outElt);
          e.vstore(o, outBuf, {bIdx, head, rowIdx, c});
        });
        if (lseBuf)
          e.store(row.logSumExp({e.load(mBuf, {i}), e.load(lBuf, {i})}), lseBuf,
                  {bIdx, head, rowIdx});
      };
      if (heads == 1)
        store();
      else
        e.ifThen(e.cmpi(arith::CmpIPredicate::ult, rowIdx, lqV), store);
    });
  }

  /// Sets the tile being built (tileBatch, tileHead, tileQ0) and returns the
  /// number of lanes holding real rows.
  Value beginTile(Value bIdx, Value h, Value qTile) {
    tileBatch = bIdx;
    tileHead = h;
    tileQ0 = e.mul(qTile, e.idx(bqr));
    // A prefix of the lanes with one head per tile; otherwise the output
    // tests each lane.
    if (heads > 1)
      return e.idx(bq);
    return e.min(e.idx(bq), arith::SubIOp::create(b(), e.loc, lqV, tileQ0));
  }

  /// Combines the splits of one (b, h, query tile): M = max of the splits'
  /// maxima, each split's sum and accumulator rescaled from its maximum to
  /// M and added, then the output as without splits.
  void emitMerge(Value bIdx, Value h, Value qTile) {
    Type f32 = b().getF32Type();
    Value qRows = beginTile(bIdx, h, qTile);
    Value alphas = e.stackAlloc({splits, bq}, f32);
    Value mBuf = e.stackAlloc({bq}, f32), lBuf = e.stackAlloc({bq}, f32),
          cBuf = e.stackAlloc({bq}, f32);
    OnlineNormalizer on(b(), e.loc, normalizer, vecType, e.bcast(vecType, lkF));
    on.hoistConstants();
    Value zero = on.zero();
    e.loop(0, bq, vl, [&](Value i) {
      auto at = [&](Value sIdx) {
        return SmallVector<Value>{bIdx, h, qTile, sIdx, i};
      };
      Value m = e.loop(e.idx(0), e.idx(splits), 1, {on.negInf()},
                       [&](Value sIdx, ValueRange acc) {
                         Value ms = e.vload(vecType, partMax, at(sIdx));
                         return SmallVector<Value>{
                             arith::MaximumFOp::create(b(), e.loc, acc[0], ms)};
                       })[0];
      Value l = e.loop(
          e.idx(0), e.idx(splits), 1, {zero}, [&](Value sIdx, ValueRange acc) {
            Value alpha =
                on.rescale(e.vload(vecType, partMax, at(sIdx)), m, zero);
            e.vstore(alpha, alphas, {sIdx, i});
            Value ls = e.vload(vecType, partSum, at(sIdx));
            return SmallVector<Value>{e.fadd(acc[0], on.rescaleSum(ls, alpha))};
          })[0];
      e.vstore(m, mBuf, {i});
      e.vstore(l, lBuf, {i});
      e.vstore(zero, cBuf, {i});
    });
    emitOutput(bIdx, qRows, mBuf, lBuf, cBuf, [&](Value i, Value c) {
      return e.loop(
          e.idx(0), e.idx(splits), 1, {e.splat(accVecType, 0.0)},
          [&](Value sIdx, ValueRange acc) {
            Value a =
                e.vload(accVecType, partAcc, {bIdx, h, qTile, sIdx, i, c});
            Value alpha = e.bcast(accVecType, e.load(alphas, {sIdx, i}));
            return SmallVector<Value>{fma(a, alpha, acc[0])};
          })[0];
    });
  }

  // The stencil kernel (getStencil): per query tile of BQ = vl lanes, the
  // keys of lane i at offset o are bases[i] + deltas[o]. `stencilBases`
  // holds each tile's lane bases (BQ per tile, padded lanes repeating the
  // last row's), `stencilDeltas` the offsets (padded to `stencilRows`, a
  // multiple of kScoreRows, by repeating the last), and `ktBuf` K
  // transposed (B x Hkv x D x ktRow, f32) so that consecutive keys are
  // consecutive lanes. Its rows are padded past Lk so that the D rows a
  // tile reads do not all fall in one cache set (a power-of-two Lk would
  // put them there) and so that two vectors past any key stay inside.
  //
  // A tile's lanes read keys base + shift[i] + delta: `stencilTileBase`
  // holds each tile's base (its smallest lane base), `stencilClass` the
  // index of its shift vector in `stencilShifts` (the consecutive lanes of
  // an interior tile, or the pattern of one border, where windows shift
  // inward: shifts below 2 BQ become one or two vector loads and a constant
  // shuffle), or stencilShifts.size() for a gather.
  Value stencilBases, stencilDeltas, stencilTileBase, stencilClass, ktBuf;
  int64_t numDeltas = 0, stencilRows = 0, ktRow = 0;
  /// Offsets whose scores are accumulated together (independent FMA
  /// chains): 8, or 4 where the target has 16 vector registers.
  int64_t stencilBlock = 8;
  SmallVector<SmallVector<int64_t>> stencilShifts;
  /// Most distinct shift vectors a kernel specialises for.
  static constexpr int64_t kMaxStencilClasses = 16;

  Value indexOf(Value i32) {
    return arith::IndexCastOp::create(b(), e.loc, b().getIndexType(), i32)
        .getResult();
  }

  /// ktBuf[b][h][c][j] = K[b][h][j][c], once per op, in parallel over
  /// (batch, KV head).
  void emitTransposeKeys() {
    ktRow = roundUp(lk + 2 * vl, 16) + 16;
    ktBuf = memref::AllocOp::create(
        b(), e.loc, MemRefType::get({batch, hkv, d, ktRow}, b().getF32Type()),
        b().getI64IntegerAttr(64));
    scf::ParallelOp::create(
        b(), e.loc, ValueRange{e.idx(0), e.idx(0)},
        ValueRange{e.idx(batch), e.idx(hkv)}, ValueRange{e.idx(1), e.idx(1)},
        [&](OpBuilder &, Location, ValueRange ivs) {
          e.loop(0, lk, 1, [&](Value j) {
            e.loop(0, d, 1, [&](Value c) {
              e.store(e.widen(e.load(kBuf, {ivs[0], ivs[1], j, c})), ktBuf,
                      {ivs[0], ivs[1], c, j});
            });
          });
        });
  }

  /// The stencil's tables and K transposed, at the builder's insertion
  /// point (outside the parallel loops).
  void bindStencil(SymbolTable &symbols, ArrayRef<int64_t> bases,
                   ArrayRef<int64_t> deltas) {
    numDeltas = int64_t(deltas.size());
    stencilBlock = vl >= 16 ? 8 : 4;
    stencilRows = roundUp(numDeltas, stencilBlock);
    SmallVector<int32_t> padded(deltas.begin(), deltas.end());
    padded.resize(stencilRows, int32_t(deltas.back()));
    int64_t tiles = (lq + bq - 1) / bq;
    SmallVector<int32_t> laneBases, tileBase, tileClass;
    for (int64_t t = 0; t < tiles; ++t) {
      SmallVector<int64_t> lane;
      for (int64_t l = 0; l < bq; ++l)
        lane.push_back(bases[std::min(t * bq + l, lq - 1)]);
      int64_t lowest = *llvm::min_element(lane);
      SmallVector<int64_t> shift;
      for (int64_t x : lane) {
        laneBases.push_back(int32_t(x));
        shift.push_back(x - lowest);
      }
      int64_t cls = llvm::find(stencilShifts, shift) - stencilShifts.begin();
      if (cls == int64_t(stencilShifts.size())) {
        if (*llvm::max_element(shift) < 2 * bq && cls < kMaxStencilClasses)
          stencilShifts.push_back(shift);
        else
          cls = -1; // a gather, numbered once every class is known
      }
      tileBase.push_back(int32_t(lowest));
      tileClass.push_back(int32_t(cls));
    }
    for (int32_t &cls : tileClass)
      if (cls < 0)
        cls = int32_t(stencilShifts.size());
    stencilDeltas = materializeI32Table(b(), e.loc, symbols,
                                        "__attn_cpu_stencil_deltas", padded);
    stencilBases = materializeI32Table(b(), e.loc, symbols,
                                       "__attn_cpu_stencil_bases", laneBases);
    stencilTileBase = materializeI32Table(
        b(), e.loc, symbols, "__attn_cpu_stencil_tile_base", tileBase);
    stencilClass = materializeI32Table(b(), e.loc, symbols,
                                       "__attn_cpu_stencil_class", tileClass);
    emitTransposeKeys();
  }

  /// St[o] = Qt . KT[:, bases + deltas[o]] (stencilRows x BQ), stencilBlock
  /// offsets per step over D, specialised per shift class (stencilShifts):
  /// one vector load per offset and D for consecutive lanes, two loads and
  /// a constant shuffle for a border's shifts, a gather for the rest.
  void emitStencilScores(Value st, Value qt, Value bIdx, Value hk,
                         Value qTile) {
    Value q0 = e.mul(qTile, e.idx(bq));
    Value tileBase = indexOf(e.load(stencilTileBase, {qTile}));
    auto idxType = VectorType::get({vl}, b().getI32Type());
    // `shift` null: a gather at the lanes' own bases.
    auto scores = [&](const SmallVector<int64_t> *shift) {
      bool gather = !shift;
      bool ramp = shift && llvm::equal(*shift, llvm::seq<int64_t>(0, vl));
      bool twoSources = shift && *llvm::max_element(*shift) >= vl;
      SmallVector<int64_t> mask;
      if (shift)
        mask.assign(shift->begin(), shift->end());
      Value lanes = gather ? e.vload(idxType, stencilBases, {q0}) : Value();
      Value allLanes =
          gather ? vector::ConstantMaskOp::create(
                       b(), e.loc, VectorType::get({vl}, b().getI1Type()),
                       ArrayRef<int64_t>{vl})
                       .getResult()
                 : Value();
      Value zero = e.splat(vecType, 0.0);
      e.loop(e.idx(0), e.idx(stencilRows), stencilBlock, [&](Value o0) {
        SmallVector<Value> keys, keyVecs;
        for (int64_t r = 0; r < stencilBlock; ++r) {
          Value delta = e.load(stencilDeltas, {e.add(o0, e.idx(r))});
          keys.push_back(e.add(tileBase, indexOf(delta)));
          if (gather)
            keyVecs.push_back(arith::AddIOp::create(
                b(), e.loc, lanes,
                vector::BroadcastOp::create(b(), e.loc, idxType, delta)));
        }
        SmallVector<Value> inits(stencilBlock, zero);
        SmallVector<Value> accs =
            e.loop(e.idx(0), e.idx(d), 1, inits, [&](Value c, ValueRange acc) {
              Value qv = e.vload(vecType, qt, {c, e.idx(0)});
              SmallVector<Value> next;
              for (int64_t r = 0; r < stencilBlock; ++r) {
                Value kv;
                if (gather) {
                  kv = vector::GatherOp::create(
                      b(), e.loc, vecType, ktBuf,
                      ValueRange{bIdx, hk, c, e.idx(0)}, keyVecs[r], allLanes,
                      zero);
                } else {
                  kv = e.vload(vecType, ktBuf, {bIdx, hk, c, keys[r]});
                  if (!ramp) {
                    Value hi =
                        twoSources
                            ? e.vload(vecType, ktBuf,
                                      {bIdx, hk, c, e.add(keys[r], e.idx(vl))})
                            : kv;
                    kv = vector::ShuffleOp::create(b(), e.loc, kv, hi, mask);
                  }
                }
                next.push_back(fma(qv, kv, acc[r]));
              }
              return next;
            });
        for (int64_t r = 0; r < stencilBlock; ++r)
          e.vstore(accs[r], st, {e.add(o0, e.idx(r)), e.idx(0)});
      });
    };
    SmallVector<int64_t> cases =
        llvm::to_vector(llvm::seq<int64_t>(0, stencilShifts.size()));
    auto sw = scf::IndexSwitchOp::create(b(), e.loc, TypeRange{},
                                         indexOf(e.load(stencilClass, {qTile})),
                                         cases, cases.size());
    OpBuilder::InsertionGuard guard(b());
    for (auto [i, region] : llvm::enumerate(sw.getCaseRegions())) {
      b().setInsertionPointToStart(&region.emplaceBlock());
      scores(&stencilShifts[i]);
      scf::YieldOp::create(b(), e.loc);
    }
    b().setInsertionPointToStart(&sw.getDefaultRegion().emplaceBlock());
    scores(nullptr);
    scf::YieldOp::create(b(), e.loc);
  }

  /// acc += P . V over the stencil: row i of the tile reads V rows
  /// bases[i] + deltas[o], kAccRows rows by accVecs vectors of Dv per step.
  void emitStencilWeightedSum(Value st, Value bIdx, Value hk, Value qTile) {
    Type vElt = cast<MemRefType>(vBuf.getType()).getElementType();
    auto vType = VectorType::get({accLanes}, vElt);
    Value q0 = e.mul(qTile, e.idx(bq));
    SmallVector<Value> rowBases;
    auto atRows = [&](Value i0) {
      rowBases.clear();
      for (int64_t r = 0; r < kAccRows; ++r)
        rowBases.push_back(
            indexOf(e.load(stencilBases, {e.add(q0, e.add(i0, e.idx(r)))})));
    };
    updateAccBlocks(
        [&](Value i0, Value c0, ValueRange inits) {
          return e.loop(
              e.idx(0), e.idx(numDeltas), 1, inits,
              [&](Value o, ValueRange acc) {
                Value delta = indexOf(e.load(stencilDeltas, {o}));
                SmallVector<Value> next(acc.begin(), acc.end());
                for (int64_t r = 0; r < kAccRows; ++r) {
                  Value p =
                      e.bcast(accVecType, e.load(st, {o, e.add(i0, e.idx(r))}));
                  Value key = e.add(rowBases[r], delta);
                  for (int64_t n = 0; n < accVecs; ++n) {
                    Value v = e.widen(e.vload(
                        vType, vBuf,
                        {bIdx, hk, key, e.add(c0, e.idx(n * accLanes))}));
                    next[r * accVecs + n] = fma(p, v, next[r * accVecs + n]);
                  }
                }
                return next;
              });
        },
        atRows);
  }

  /// One query tile of the stencil kernel: the tile's every visible key in
  /// one step of the online normalizer (so no rescale), then the output.
  void emitStencilTile(Value bIdx, Value h, Value qTile) {
    Type f32 = b().getF32Type();
    Value hk = kvHead(e, h);
    OnlineNormalizer on(b(), e.loc, normalizer, vecType, e.bcast(vecType, lkF));
    on.hoistConstants();
    TileStart t = startTile(bIdx, h, qTile, Value(), on);
    Value st = e.stackAlloc({stencilRows, bq}, f32);
    tileKeys = e.idx(numDeltas);
    // Every row sees numDeltas keys.
    if (on.needsVisibleCount()) {
      Value count = e.splat(vecType, double(numDeltas));
      e.loop(0, bq, vl, [&](Value i) { e.vstore(count, t.cBuf, {i}); });
    }
    emitStencilScores(st, t.qt, bIdx, hk, qTile);
    applyVisibility(st, KeyTile{}, /*withSoftcap=*/true);
    // The accumulator is still 0: nothing to rescale.
    emitNormalizerStep(on, st, t.mBuf, t.lBuf, t.cBuf, t.alphaBuf,
                       /*rescaleAcc=*/false);
    emitStencilWeightedSum(st, bIdx, hk, qTile);
    emitOutput(bIdx, t.qRows, t.mBuf, t.lBuf, t.cBuf, [&](Value i, Value c) {
      return e.vload(accVecType, accBuf, {i, c});
    });
  }

  /// What a query tile starts from: its real lanes, Qt (scale * Q_tile^T,
  /// or Q_tile as pairs of D with dotScores; padded rows repeat the last
  /// row, never stored), a zero accumulator and the normalizer's initial
  /// state (m, l, visible count) with the sink of each lane's head; with
  /// splits, the sink belongs to the first split and the others start from
  /// the normalizer's empty state.
  struct TileStart {
    Value qRows, qt, mBuf, lBuf, cBuf, alphaBuf;
  };
  TileStart startTile(Value bIdx, Value h, Value qTile, Value split,
                      OnlineNormalizer &on) {
    Type f32 = b().getF32Type();
    TileStart t;
    t.qRows = beginTile(bIdx, h, qTile);
    t.qt = dotScores ? e.stackAlloc({d / 2, 2 * bq}, b().getBF16Type())
                     : e.stackAlloc({d, bq}, f32);
    accBuf = e.stackAlloc({bq, dv}, f32);
    t.mBuf = e.stackAlloc({bq}, f32);
    t.lBuf = e.stackAlloc({bq}, f32);
    t.cBuf = e.stackAlloc({bq}, f32);
    t.alphaBuf = e.stackAlloc({bq}, f32);

    Value scaleV = e.f32(scale);
    e.loop(0, bq, 1, [&](Value i) {
      Value row = e.min(laneRow(i), lqLast);
      Value head = laneHead(i);
      if (dotScores) {
        Value two = e.idx(2);
        e.loop(0, d / 2, 1, [&](Value dd) {
          Value pair = e.vload(VectorType::get({2}, b().getBF16Type()), qBuf,
                               {bIdx, head, row, e.mul(dd, two)});
          e.vstore(pair, t.qt, {dd, e.mul(i, two)});
        });
        return;
      }
      e.loop(0, d, 1, [&](Value dd) {
        Value x = e.widen(e.load(qBuf, {bIdx, head, row, dd}));
        e.store(arith::MulFOp::create(b(), e.loc, x, scaleV), t.qt, {dd, i});
      });
    });
    Value zeroAcc = e.splat(accVecType, 0.0);
    e.loop(0, bq, 1, [&](Value i) {
      e.loop(0, dv, accLanes, [&](Value c) {
        e.vstore(zeroAcc, accBuf, {i, c});
      });
    });
    // The sink logit of each lane's head.
    Value sink, sinkLanes;
    if (sinkBuf && heads == 1)
      sink = e.bcast(vecType, e.widen(e.load(sinkBuf, {h})));
    if (sinkBuf && heads > 1) {
      sinkLanes = e.stackAlloc({bq}, f32);
      e.loop(0, bq, 1, [&](Value i) {
        e.store(e.widen(e.load(sinkBuf, {laneHead(i)})), sinkLanes, {i});
      });
    }
    Value zero = on.zero();
    Value firstSplit =
        split ? e.cmpi(arith::CmpIPredicate::eq, split, e.idx(0)) : Value();
    e.loop(0, bq, vl, [&](Value i) {
      OnlineNormalizerState init =
          on.initialState(sinkLanes ? e.vload(vecType, sinkLanes, {i}) : sink);
      if (firstSplit) {
        OnlineNormalizerState empty = on.emptyState();
        init.max = e.select(firstSplit, init.max, empty.max);
        init.sum = e.select(firstSplit, init.sum, empty.sum);
      }
      e.vstore(init.max, t.mBuf, {i});
      e.vstore(init.sum, t.lBuf, {i});
      e.vstore(zero, t.cBuf, {i});
    });
    return t;
  }

  void emitTile(Value bIdx, Value h, Value qTile, Value split = Value()) {
    Type f32 = b().getF32Type();
    Value hk = heads == 1 ? kvHead(e, h) : h;
    OnlineNormalizer on(b(), e.loc, normalizer, vecType, e.bcast(vecType, lkF));
    on.hoistConstants();
    Value zero = on.zero();
    TileStart t = startTile(bIdx, h, qTile, split, on);
    Value qRows = t.qRows, qt = t.qt, mBuf = t.mBuf, lBuf = t.lBuf,
          cBuf = t.cBuf, alphaBuf = t.alphaBuf;
    Value st = e.stackAlloc({bk, bq}, f32);
    Value pt =
        dotValues ? e.stackAlloc({bk / 2, 2 * bq}, b().getBF16Type()) : Value();

    // Visible counts first, when the normalizer needs them.
    if (on.needsVisibleCount()) {
      forEachKeyTile(qTile, split, [&](const KeyTile &tile) {
        beginKeyTile(tile);
        // A score_mod may hide a pair by its logit: count on the logits.
        if (op.hasScoreMod()) {
          emitScores(st, qt, bIdx, hk, tile.k0);
        } else {
          e.loop(e.idx(0), tileKeys, 1, [&](Value j) {
            e.loop(0, bq, vl, [&](Value i) { e.vstore(zero, st, {j, i}); });
          });
        }
        applyVisibility(st, tile, /*withSoftcap=*/op.hasScoreMod());
        e.loop(e.idx(0), tileKeys, 1, [&](Value j) {
          e.loop(0, bq, vl, [&](Value i) {
            Value s = e.vload(vecType, st, {j, i});
            e.vstore(on.countVisible(e.vload(vecType, cBuf, {i}), s), cBuf,
                     {i});
          });
        });
      });
    }

    // The visible key tiles.
    forEachKeyTile(qTile, split, [&](const KeyTile &tile) {
      Value keys = beginKeyTile(tile);
      emitScores(st, qt, bIdx, hk, tile.k0);
      applyVisibility(st, tile, /*withSoftcap=*/true);
      emitNormalizerStep(on, st, mBuf, lBuf, cBuf, alphaBuf);
      if (dotValues)
        emitPackWeights(st, pt);
      emitWeightedSum(dotValues ? pt : st, bIdx, hk, tile.k0, keys);
    });

    if (split) {
      // This split's state, for emitMerge.
      e.loop(0, bq, vl, [&](Value i) {
        SmallVector<Value> at = {bIdx, h, qTile, split, i};
        e.vstore(e.vload(vecType, mBuf, {i}), partMax, at);
        e.vstore(e.vload(vecType, lBuf, {i}), partSum, at);
      });
      e.loop(0, bq, 1, [&](Value i) {
        e.loop(0, dv, accLanes, [&](Value c) {
          e.vstore(e.vload(accVecType, accBuf, {i, c}), partAcc,
                   {bIdx, h, qTile, split, i, c});
        });
      });
      return;
    }
    // out = acc * finalScale(l), row by row.
    emitOutput(bIdx, qRows, mBuf, lBuf, cBuf, [&](Value i, Value c) {
      return e.vload(accVecType, accBuf, {i, c});
    });
  }
};

} // namespace

/// Whether `op` takes the stencil kernel, with its pattern's stencil: the
/// option on and the tile sizes automatic, static sizes, f32 operands (the
/// kernel widens nothing), no bias, mask or score_mod (read per key), row
/// bases within max-table-bytes, and a stencil of at most 4096 offsets that
/// leaves at least 7 of every 8 keys of a row out (denser patterns are
/// better served by whole tiles).
static bool findStencil(AttentionOp op, const CPUKernelOptions &options,
                        SmallVectorImpl<int64_t> &bases,
                        SmallVectorImpl<int64_t> &deltas) {
  if (!options.stencil || options.tileQ != 0 || options.tileK != 0 ||
      op.getBias() || op.getMask() || op.hasScoreMod())
    return false;
  for (Value operand : {op.getQuery(), op.getKey(), op.getValue()})
    if (!getElementTypeOrSelf(operand.getType()).isF32())
      return false;
  int64_t lq = op.getQueryType().getDimSize(2);
  int64_t lk = op.getKeyType().getDimSize(2);
  // The stencil's row bases (8 bytes a row here, 4 in the kernel's tables)
  // count against max-table-bytes like a tile plan.
  if (lq > options.maxTableBytes / 8)
    return false;
  if (failed(op.getEffectivePattern().getStencil(lq, lk, bases, deltas)))
    return false;
  int64_t n = int64_t(deltas.size());
  return n > 0 && n <= 4096 && 8 * n <= lk &&
         lk <= std::numeric_limits<int32_t>::max();
}

bool mlir::attn::canLowerAttentionToCPU(AttentionOp op,
                                        const CPUKernelOptions &options,
                                        std::string &reason) {
  if (!supportsRuntimeTilePlan(op, reason))
    return false;
  if (options.vectorWidth <= 0 || options.tileQ < 0 || options.tileK < 0 ||
      options.tileQ % options.vectorWidth != 0 ||
      options.tileK % kScoreRows != 0) {
    reason = "the tile options are invalid";
    return false;
  }
  return true;
}

LogicalResult mlir::attn::lowerAttentionToCPU(RewriterBase &rewriter,
                                              AttentionOp op,
                                              const CPUKernelOptions &options,
                                              SymbolTable &symbols,
                                              CPUKernelReport *report) {
  std::string reason;
  auto notLowered = [&] {
    if (report)
      report->notLowered = reason;
    return failure();
  };
  if (!canLowerAttentionToCPU(op, options, reason))
    return notLowered();
  LaneLayout layout = chooseLanes(op, options);
  // A tile of a larger op (q_offset) is planned at run time.
  bool runtime = !supportsTilePlan(op, reason);
  SmallVector<int64_t> stencilBases, stencilDeltas;
  bool stencil =
      !runtime && findStencil(op, options, stencilBases, stencilDeltas);
  // One query head per tile: a group's heads read the same K and V rows,
  // but not at the same offsets of a tile's lanes.
  if (stencil)
    layout = LaneLayout{/*heads=*/1, options.vectorWidth};
  // The stencil kernel plans nothing: query tiles of one vector of rows.
  FailureOr<TilePlan> plan =
      stencil ? FailureOr<TilePlan>(makeRuntimeTilePlan(
                    op.getQueryType().getDimSize(2),
                    op.getKeyType().getDimSize(2), {layout.vl, kScoreRows}))
              : choosePlan(op, options, layout, runtime, reason);
  if (failed(plan))
    return notLowered();
  if (report) {
    report->skippedTiles = plan->skippedTiles;
    report->partialTiles = plan->partialTiles;
    report->fullTiles = plan->fullTiles;
    report->stencil = stencil;
  }

  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  KernelBuilder k(op, options, layout, *plan, rewriter);
  Emitter &e = k.e;
  if (runtime) {
    k.runtimePlan = true;
    k.qOffset = op.getQOffset() ? op.getQOffset() : e.idx(0);
  }

  AttentionBuffers buffers =
      bufferizeAttention(rewriter, op, symbols, *plan, "__attn_cpu");
  bindAttentionBuffers(k, buffers);
  if (plan->numMasks > 0)
    k.maskKeysBuf = materializeI32Table(rewriter, loc, symbols,
                                        "__attn_cpu_mask_keys", plan->maskKeys);
  k.bindSizes();
  emitRunTimeSizeChecks(e, op, buffers);
  if (k.dotValues)
    k.emitPackValues();
  if (stencil)
    k.bindStencil(symbols, stencilBases, stencilDeltas);
  // Query tiles: counted at run time when Lq is dynamic.
  Value numQTiles =
      ShapedType::isDynamic(k.lq)
          ? arith::CeilDivUIOp::create(rewriter, loc, k.lqV, e.idx(k.bqr))
                .getResult()
          : e.idx(plan->numQTiles);

  k.splits = stencil
                 ? 1
                 : chooseSplits(op, options, *plan, k.batch * (k.hq / k.heads));
  scf::ParallelOp parallel;
  if (k.splits == 1) {
    parallel = scf::ParallelOp::create(
        rewriter, loc, ValueRange{e.idx(0), e.idx(0), e.idx(0)},
        ValueRange{k.batchV, e.idx(k.hq / k.heads), numQTiles},
        ValueRange{e.idx(1), e.idx(1), e.idx(1)},
        [&](OpBuilder &, Location, ValueRange ivs) {
          if (stencil)
            k.emitStencilTile(ivs[0], ivs[1], ivs[2]);
          else
            k.emitTile(ivs[0], ivs[1], ivs[2]);
        });
    if (stencil)
      parallel->setAttr("attn.stencil",
                        rewriter.getI64IntegerAttr(k.numDeltas));
  } else {
    SmallVector<int64_t> part = {k.batch, k.hq / k.heads, plan->numQTiles,
                                 k.splits, k.bq};
    Type f32 = rewriter.getF32Type();
    auto alloc = [&](ArrayRef<int64_t> shape) {
      return memref::AllocOp::create(rewriter, loc, MemRefType::get(shape, f32),
                                     rewriter.getI64IntegerAttr(64));
    };
    k.partMax = alloc(part);
    k.partSum = alloc(part);
    part.push_back(k.dv);
    k.partAcc = alloc(part);
    parallel = scf::ParallelOp::create(
        rewriter, loc, ValueRange{e.idx(0), e.idx(0), e.idx(0), e.idx(0)},
        ValueRange{e.idx(k.batch), e.idx(k.hq / k.heads),
                   e.idx(plan->numQTiles), e.idx(k.splits)},
        ValueRange{e.idx(1), e.idx(1), e.idx(1), e.idx(1)},
        [&](OpBuilder &, Location, ValueRange ivs) {
          k.emitTile(ivs[0], ivs[1], ivs[2], ivs[3]);
        });
    parallel->setAttr("attn.splits", rewriter.getI64IntegerAttr(k.splits));
    rewriter.setInsertionPointAfter(parallel);
    scf::ParallelOp::create(rewriter, loc,
                            ValueRange{e.idx(0), e.idx(0), e.idx(0)},
                            ValueRange{e.idx(k.batch), e.idx(k.hq / k.heads),
                                       e.idx(plan->numQTiles)},
                            ValueRange{e.idx(1), e.idx(1), e.idx(1)},
                            [&](OpBuilder &, Location, ValueRange ivs) {
                              k.emitMerge(ivs[0], ivs[1], ivs[2]);
                            });
  }
  // The chosen tile sizes, for readers and tests.
  parallel->setAttr("attn.tiles",
                    rewriter.getDenseI64ArrayAttr({plan->bq, plan->bk}));

  if (options.fastMath) {
    RewritePatternSet patterns(op.getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      name.consume_front("math.");
      return name == "exp" || name == "tanh" || name == "expm1" ||
             name == "log" || name == "log1p";
    });
    GreedyRewriteConfig config;
    config.setScope(&parallel.getRegion());
    (void)applyPatternsGreedily(parallel.getRegion(), std::move(patterns),
                                config);
  }

  SmallVector<Value> results = {
      resultTensor(rewriter, loc, op.getResultType(), buffers.out)};
  if (buffers.lse)
    results.push_back(
        resultTensor(rewriter, loc, op.getLseType(), buffers.lse));
  rewriter.replaceOp(op, results);
  return success();
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

std::optional<CPUISA> mlir::attn::parseCPUISA(StringRef name) {
  return llvm::StringSwitch<std::optional<CPUISA>>(name)
      .Case("generic", CPUISA::Generic)
      .Case("avx2", CPUISA::AVX2)
      .Case("avx512", CPUISA::AVX512)
      .Case("avx512-bf16", CPUISA::AVX512BF16)
      .Default(std::nullopt);
}

StringRef mlir::attn::stringifyCPUISA(CPUISA isa) {
  switch (isa) {
  case CPUISA::Generic:
    return "generic";
  case CPUISA::AVX2:
    return "avx2";
  case CPUISA::AVX512:
    return "avx512";
  case CPUISA::AVX512BF16:
    return "avx512-bf16";
  }
  llvm_unreachable("unknown CPUISA");
}

CPUISA mlir::attn::hostCPUISA() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f") && features.lookup("avx512vl")) {
    if (features.lookup("avx512bf16"))
      return CPUISA::AVX512BF16;
    return CPUISA::AVX512;
  }
  if (features.lookup("avx2") && features.lookup("fma"))
    return CPUISA::AVX2;
  return CPUISA::Generic;
}

int64_t mlir::attn::vectorWidthOf(CPUISA isa) {
  switch (isa) {
  case CPUISA::Generic:
    return 4;
  case CPUISA::AVX2:
    return 8;
  case CPUISA::AVX512:
  case CPUISA::AVX512BF16:
    return 16;
  }
  llvm_unreachable("unknown CPUISA");
}

namespace {
struct ConvertAttnToCPUPass
    : public mlir::attn::impl::ConvertAttnToCPUPassBase<ConvertAttnToCPUPass> {
  using Base::Base;
  ATTN_PASS_OPTION_ERRORS

  void runOnOperation() override {
    ModuleOp module = getOperation();
    CPUKernelOptions options;
    options.tileQ = tileQ;
    options.tileK = tileK;
    std::optional<CPUISA> target =
        isa == "host" ? std::optional<CPUISA>(hostCPUISA()) : parseCPUISA(isa);
    if (!target) {
      emitError(module.getLoc())
          << "convert-attn-to-cpu: unknown isa '" << isa
          << "' (expected host, avx512-bf16, avx512, avx2 or generic)";
      return signalPassFailure();
    }
    options.vectorWidth =
        vectorWidth == 0 ? vectorWidthOf(*target) : vectorWidth;
    options.bf16Dot = *target == CPUISA::AVX512BF16;
    options.fastMath = fastMath;
    options.threads = numThreads;
    options.maxTableBytes = maxTableBytes;
    options.stencil = stencil;
    if (options.vectorWidth <= 0 || tileQ < 0 || tileK < 0 ||
        tileQ % options.vectorWidth != 0 || tileK % kScoreRows != 0) {
      emitError(module.getLoc())
          << "convert-attn-to-cpu: tile-q (" << options.tileQ
          << ") must be 0 (automatic) or a positive multiple of vector-width ("
          << options.vectorWidth << ") and tile-k (" << options.tileK
          << ") 0 or a positive multiple of " << kScoreRows;
      return signalPassFailure();
    }
    if (numThreads < 0 || numThreads > 1024) {
      emitError(module.getLoc())
          << "convert-attn-to-cpu: num-threads (" << int64_t(numThreads)
          << ") must be 0 to 1024";
      return signalPassFailure();
    }
    if (options.vectorWidth > 64 || tileQ > 4096 || tileK > 4096) {
      emitError(module.getLoc())
          << "convert-attn-to-cpu: vector-width must be at "
             "most 64 and tile sizes at most 4096";
      return signalPassFailure();
    }
    SymbolTable symbols(module);
    SmallVector<AttentionOp> ops;
    module.walk([&](AttentionOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (AttentionOp op : ops) {
      std::string reason;
      if (!canLowerAttentionToCPU(op, options, reason)) {
        op.emitRemark() << "left for the reference lowering: " << reason;
        ++numLeft;
        ::attn::stats::add(getArgument(), "left-ops", 1);
        continue;
      }
      CPUKernelReport report;
      Location loc = op.getLoc();
      if (failed(
              lowerAttentionToCPU(rewriter, op, options, symbols, &report))) {
        emitRemark(loc) << "left for the reference lowering: "
                        << report.notLowered;
        ++numLeft;
        ::attn::stats::add(getArgument(), "left-ops", 1);
        continue;
      }
      ++numLowered;
      numSkippedTiles += report.skippedTiles;
      numPartialTiles += report.partialTiles;
      ::attn::stats::add(getArgument(), "lowered-ops", 1);
      ::attn::stats::add(getArgument(), "skipped-tiles", report.skippedTiles);
      ::attn::stats::add(getArgument(), "partial-tiles", report.partialTiles);
      ::attn::stats::add(getArgument(), "full-tiles", report.fullTiles);
      if (report.stencil) {
        ++numStencil;
        ::attn::stats::add(getArgument(), "stencil-ops", 1);
      }
    }

    // Token merging: loops on buffers; what they refuse stays for the
    // reference decomposition.
    auto [lowered, left] = lowerTokenMergeOps(module, [&](Operation *op,
                                                          std::string &reason) {
      if (auto merge = dyn_cast<TokenMergeOp>(op))
        return lowerTokenMergeToCPU(rewriter, merge, reason);
      return lowerTokenUnmergeToCPU(rewriter, cast<TokenUnmergeOp>(op), reason);
    });
    if (lowered)
      ::attn::stats::add(getArgument(), "lowered-token-merge-ops", lowered);
    if (left)
      ::attn::stats::add(getArgument(), "left-token-merge-ops", left);
  }
};
} // namespace
