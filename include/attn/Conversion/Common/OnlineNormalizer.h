//===- OnlineNormalizer.h - The online normalizer step, once ----*- C++ -*-===//
//
// The streaming recurrence of NormalizerAttrInterface, written once for
// every lowering (the reference decomposition, the CPU kernel, the SIMT and
// tensor-core GPU kernels). As in IREE LinalgExt's online_attention, the
// state is explicit: per query row a running maximum `m`, a running sum `l`
// and the accumulator `acc`, which stays with the backend (registers,
// fragments, a stack buffer, a tensor). For each tile of logits `s`:
//
//   m'  = max(m, max(s))               only when usesRunningMax()
//   a   = rescale(m, m', n)            only when usesRunningMax()
//   l   = l * a;  acc = acc * a
//   p   = s visible ? weight(s, m', n, Lk) : 0
//   l  += sum(p); acc += p . V
//   out = acc * finalScale(l, n, Lk)
//
// Every formula comes from the normalizer attribute; this file only fixes
// the order of the steps and the visibility convention (a logit of -inf, or
// a false visibility bit, is invisible). Values are of one float type,
// scalar or vector (one query row per lane), so one step serves every
// backend; where the backends differ (how a tile's maximum is reduced, where
// the accumulator lives, in which order the weights are summed) the step
// takes element-wise builders.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_COMMON_ONLINENORMALIZER_H
#define ATTN_CONVERSION_COMMON_ONLINENORMALIZER_H

#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/IR/Builders.h"

namespace mlir::attn {

/// The running maximum and sum of one query row (or of one row per lane).
struct OnlineNormalizerState {
  Value max, sum;
};

/// The pieces of one tile that differ between backends.
struct OnlineTile {
  /// The largest logit of the tile (-inf when none is visible). Called only
  /// when the normalizer keeps a running maximum.
  function_ref<Value()> tileMax;
  /// acc *= alpha. Called only when the normalizer keeps a running maximum.
  function_ref<void(Value alpha)> rescaleAccumulator;
  /// Replaces the tile's logits by their weights (`weightOf(s)`, 0 for an
  /// invisible logit), adds them to the accumulator if the backend does that
  /// here, and returns `sum` plus the weights (summed in the backend's
  /// order).
  function_ref<Value(Value sum, function_ref<Value(Value)> weightOf)>
      accumulateWeights;
};

class OnlineNormalizer {
public:
  /// Builds at `b`'s insertion point, on values of `type` (f32 or a vector
  /// of f32); `lk` is the key length as a value of `type`.
  OnlineNormalizer(OpBuilder &b, Location loc,
                   NormalizerAttrInterface normalizer, Type type, Value lk);

  /// Creates the constants the step uses (0, 1 and -inf of the state type)
  /// at the current insertion point, so that loops built later share them
  /// instead of making their own.
  OnlineNormalizer &hoistConstants();
  Value zero();
  Value one();
  Value negInf();

  bool usesRunningMax() { return normalizer.usesRunningMax(); }
  bool needsVisibleCount() { return normalizer.needsVisibleCount(); }

  /// The initial state of a row; `sink` is the head's sink logit (null
  /// without one).
  OnlineNormalizerState initialState(Value sink);
  Value initialMax(Value sink);
  Value initialSum();
  /// The state of a row that has seen no logit and no sink: maximum -inf,
  /// sum 0. A partial state over part of a row's keys (split-K) starts
  /// here; merged through `rescale` it contributes nothing. Only for
  /// normalizers that keep a running maximum.
  OnlineNormalizerState emptyState();

  /// Whether logit `s` is visible (not -inf).
  Value isVisible(Value s);
  /// `count` plus one when `s` is visible (`visible`, when given, decides
  /// instead of `s`).
  Value countVisible(Value count, Value s, Value visible = Value());

  /// max(m, s): the running maximum after `s` (the tile's maximum, or one
  /// logit whose visibility `visible` gives); `m` when the normalizer keeps
  /// no running maximum.
  Value updateMax(Value m, Value s, Value visible = Value());
  /// The factor by which `l` and `acc` shrink when the maximum moves from
  /// `mOld` to `mNew`; null when the normalizer keeps no running maximum.
  Value rescale(Value mOld, Value mNew, Value count);
  /// `l * alpha` (`l` when `alpha` is null).
  Value rescaleSum(Value l, Value alpha);
  /// The weight of logit `s` for the row's maximum `m`: 0 when `s` is not
  /// visible (-inf, or `visible` false when given).
  Value weight(Value s, Value m, Value count, Value visible = Value());

  /// One tile: updates the maximum from `tile.tileMax()`, rescales `l` and
  /// the accumulator, and sums the tile's weights into `l` (weights taken at
  /// the new maximum). Returns the new state.
  OnlineNormalizerState step(OnlineNormalizerState state, Value count,
                             const OnlineTile &tile);

  /// The factor that turns the accumulator into the output; a row with no
  /// visible key has acc = 0 and never becomes NaN.
  Value finalScale(Value l, Value count);
  /// The row's log-sum-exp from its final state (SPEC 2.1); only for
  /// normalizers that `hasLogSumExp()`.
  Value logSumExp(OnlineNormalizerState state);
  /// acc * factor, rounded to `outElt` (a scalar type; shaped like `acc`).
  Value output(Value acc, Value factor, Type outElt);

private:
  Value constant(double v);

  OpBuilder &b;
  Location loc;
  NormalizerAttrInterface normalizer;
  Type type;
  Value lk;
  Value zeroV, oneV, negInfV;
};

} // namespace mlir::attn

#endif // ATTN_CONVERSION_COMMON_ONLINENORMALIZER_H
