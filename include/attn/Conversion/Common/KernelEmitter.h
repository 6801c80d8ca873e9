//===- KernelEmitter.h - IR building helpers of the lowerings --*- C++ -*-===//
//
// The constants, scalar arithmetic, memref accesses and scf loops and ifs
// that the fused CPU and GPU attention kernels and the token-merge loops are
// built from, at one builder and location. Header-only.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_COMMON_KERNELEMITTER_H
#define ATTN_CONVERSION_COMMON_KERNELEMITTER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>
#include <optional>

namespace mlir::attn {

/// The logit of an invisible (query, key) pair.
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// Bytes of one element of type `t` in the kernels' buffers (index is
/// 64-bit on every target the kernels are built for).
inline int64_t elementBytes(Type t) {
  if (t.isIndex())
    return 8;
  return (t.getIntOrFloatBitWidth() + 7) / 8;
}

struct KernelEmitter {
  OpBuilder &b;
  Location loc;

  KernelEmitter(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f32(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value fconst(Type t, double v) {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
  }

  /// f32 (or a vector of f32) from any float (vector).
  Value widen(Value v) {
    Type elt = getElementTypeOrSelf(v.getType());
    if (elt.isF32())
      return v;
    Type target = b.getF32Type();
    if (auto vt = dyn_cast<VectorType>(v.getType()))
      target = VectorType::get(vt.getShape(), target);
    return arith::ExtFOp::create(b, loc, target, v);
  }

  // Index arithmetic (min is unsigned).
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value min(Value x, Value y) { return arith::MinUIOp::create(b, loc, x, y); }
  Value toIndex(Value v) {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value fdiv(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  /// The logit `s` capped softly at +-`cap`: cap * tanh(s / cap).
  Value softcap(Value s, Value cap) {
    return fmul(cap, math::TanhOp::create(b, loc, fdiv(s, cap)));
  }
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

  Value load(Value mem, ValueRange indices) {
    return memref::LoadOp::create(b, loc, mem, indices);
  }
  void store(Value value, Value mem, ValueRange indices) {
    memref::StoreOp::create(b, loc, value, mem, indices);
  }

  /// scf.for with `inits` carried; `body` returns the values to yield.
  SmallVector<Value>
  loop(Value lb, Value ub, Value step, ValueRange inits,
       function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto forOp = scf::ForOp::create(
        b, loc, lb, ub, step, inits,
        [&](OpBuilder &, Location, Value iv, ValueRange args) {
          SmallVector<Value> results = body(iv, args);
          scf::YieldOp::create(b, loc, results);
        });
    return SmallVector<Value>(forOp.getResults());
  }
  SmallVector<Value>
  loop(Value lb, Value ub, int64_t step, ValueRange inits,
       function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    return loop(lb, ub, idx(step), inits, body);
  }
  SmallVector<Value>
  loop(Value lb, Value ub, ValueRange inits,
       function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    return loop(lb, ub, idx(1), inits, body);
  }
  SmallVector<Value>
  loop(int64_t lb, int64_t ub, ValueRange inits,
       function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    return loop(idx(lb), idx(ub), idx(1), inits, body);
  }

  /// scf.for without carried values.
  void loop(Value lb, Value ub, Value step, function_ref<void(Value)> body) {
    loop(lb, ub, step, ValueRange{}, [&](Value iv, ValueRange) {
      body(iv);
      return SmallVector<Value>{};
    });
  }
  void loop(Value lb, Value ub, int64_t step, function_ref<void(Value)> body) {
    loop(lb, ub, idx(step), body);
  }
  void loop(Value lb, Value ub, function_ref<void(Value)> body) {
    loop(lb, ub, idx(1), body);
  }
  void loop(int64_t lb, int64_t ub, int64_t step,
            function_ref<void(Value)> body) {
    loop(idx(lb), idx(ub), idx(step), body);
  }
  void loop(int64_t lb, int64_t ub, function_ref<void(Value)> body) {
    loop(idx(lb), idx(ub), idx(1), body);
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

/// Indices into a numpy-broadcast operand (right-aligned against
/// `B x Hq x Lq x Lk`; size-1 dimensions read index 0).
inline SmallVector<Value> broadcastIndices(KernelEmitter &e, MemRefType type,
                                           ArrayRef<Value> full) {
  SmallVector<Value> indices;
  int64_t rank = type.getRank();
  for (int64_t d = 0; d < rank; ++d) {
    Value fullD = full[full.size() - rank + d];
    indices.push_back(type.getDimSize(d) == 1 ? e.idx(0) : fullD);
  }
  return indices;
}

/// Logit `s` of the (query, key) at `full` = {b, h, row, col} after the
/// additive `bias`, the score modification `modify` (applied to the biased
/// logit) and the boolean `mask` (any may be null): a -inf bias or a false
/// mask entry makes it -inf, whatever `modify` returns. With `addBias` false
/// the bias only decides visibility (its finite values are not added).
inline Value applyBiasAndMask(KernelEmitter &e, Value s, Value bias, Value mask,
                              ArrayRef<Value> full, bool addBias = true,
                              function_ref<Value(Value)> modify = nullptr) {
  Value negInf = e.f32(kNegInf);
  Value hidden;
  if (bias) {
    Value v = e.widen(e.load(
        bias, broadcastIndices(e, cast<MemRefType>(bias.getType()), full)));
    hidden =
        arith::CmpFOp::create(e.b, e.loc, arith::CmpFPredicate::OEQ, v, negInf);
    if (addBias)
      s = e.fadd(s, v);
  }
  if (modify)
    s = modify(s);
  if (hidden)
    s = arith::SelectOp::create(e.b, e.loc, hidden, negInf, s);
  if (mask) {
    Value m = e.load(
        mask, broadcastIndices(e, cast<MemRefType>(mask.getType()), full));
    s = arith::SelectOp::create(e.b, e.loc, m, s, negInf);
  }
  return s;
}

/// The shape and scalar attributes of one attn.attention that the fused
/// kernels are built from.
struct AttentionDims {
  int64_t batch, hq, hkv, lq, lk, d, dv, group;
  std::optional<double> softcap;
  double scale;

  template <typename AttentionOpT> static AttentionDims of(AttentionOpT op) {
    auto qType = op.getQueryType();
    AttentionDims x;
    x.batch = qType.getDimSize(0);
    x.hq = qType.getDimSize(1);
    x.lq = qType.getDimSize(2);
    x.d = qType.getDimSize(3);
    x.hkv = op.getKeyType().getDimSize(1);
    x.lk = op.getKeyType().getDimSize(2);
    x.dv = op.getValueType().getDimSize(3);
    x.group = x.hq / x.hkv;
    if (auto c = op.getSoftcapAttr())
      x.softcap = c.getValueAsDouble();
    x.scale = op.getEffectiveScale();
    return x;
  }

  /// The key/value head that query head `h` reads (grouped-query heads).
  Value kvHead(KernelEmitter &e, Value h) const {
    if (group == 1)
      return h;
    return arith::DivUIOp::create(e.b, e.loc, h, e.idx(group));
  }
};

/// The sizes a kernel loops over, as values: constants where the op's type
/// has them, `memref.dim` of the query and key buffers where it does not
/// (B, Lq and Lk may be dynamic; head counts and head dims may not).
struct AttentionSizes {
  /// B, Lq, Lk, Lq - 1, Lk - 1, the logical query length (q_len, else Lq)
  /// and Lk as an f32.
  Value batch, lq, lk, lqLast, lkLast, logicalLq, lkF;

  /// Binds the sizes at `e`'s insertion point from `qBuf` and `kBuf`, the
  /// buffers of Q and K (host buffers or a kernel's arguments).
  static AttentionSizes bind(KernelEmitter &e, const AttentionDims &dims,
                             int64_t logicalLq, Value qBuf, Value kBuf) {
    auto size = [&](int64_t n, Value buf, int64_t dim) -> Value {
      if (!ShapedType::isDynamic(n))
        return e.idx(n);
      return memref::DimOp::create(e.b, e.loc, buf, dim);
    };
    auto last = [&](int64_t n, Value v) -> Value {
      if (!ShapedType::isDynamic(n))
        return e.idx(n - 1);
      return arith::SubIOp::create(e.b, e.loc, v, e.idx(1));
    };
    AttentionSizes s;
    s.batch = size(dims.batch, qBuf, 0);
    s.lq = size(dims.lq, qBuf, 2);
    s.lk = size(dims.lk, kBuf, 2);
    s.lqLast = last(dims.lq, s.lq);
    s.lkLast = last(dims.lk, s.lk);
    s.logicalLq = ShapedType::isDynamic(logicalLq) ? s.lq : e.idx(logicalLq);
    s.lkF =
        ShapedType::isDynamic(dims.lk)
            ? arith::UIToFPOp::create(e.b, e.loc, e.b.getF32Type(),
                                      arith::IndexCastUIOp::create(
                                          e.b, e.loc, e.b.getI64Type(), s.lk))
                  .getResult()
            : e.f32(static_cast<double>(dims.lk));
    return s;
  }
};

} // namespace mlir::attn

#endif // ATTN_CONVERSION_COMMON_KERNELEMITTER_H
