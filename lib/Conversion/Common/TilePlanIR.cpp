//===- TilePlanIR.cpp - A tile plan as constant tables --------------------===//

#include "attn/Conversion/Common/TilePlanIR.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::attn;

/// A 1-D i32 constant (one 0 when empty: memref.global needs an element).
static DenseElementsAttr i32Table(OpBuilder &b, ArrayRef<int32_t> values) {
  SmallVector<int32_t> padded(values.begin(), values.end());
  if (padded.empty())
    padded.push_back(0);
  auto type = RankedTensorType::get({static_cast<int64_t>(padded.size())},
                                    b.getI32Type());
  return DenseElementsAttr::get(type, ArrayRef<int32_t>(padded));
}

static Value makeGlobal(OpBuilder &b, Location loc, SymbolTable &symbols,
                        const Twine &name, DenseElementsAttr init) {
  auto tensorType = cast<RankedTensorType>(init.getType());
  auto type =
      MemRefType::get(tensorType.getShape(), tensorType.getElementType());
  memref::GlobalOp global;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(
        &cast<ModuleOp>(symbols.getOp()).getBodyRegion().front());
    global = memref::GlobalOp::create(
        b, loc, name.str(), b.getStringAttr("private"), type, init,
        /*constant=*/true, b.getI64IntegerAttr(64));
  }
  symbols.insert(global);
  return memref::GetGlobalOp::create(b, loc, type, global.getSymName());
}

Value mlir::attn::materializeI32Table(OpBuilder &b, Location loc,
                                      SymbolTable &symbols, const Twine &name,
                                      ArrayRef<int32_t> values) {
  return makeGlobal(b, loc, symbols, name, i32Table(b, values));
}

TilePlanBuffers mlir::attn::materializeTilePlan(OpBuilder &b, Location loc,
                                                SymbolTable &symbols,
                                                const TilePlan &plan,
                                                StringRef prefix) {
  TilePlanBuffers buffers;
  // A plan made at run time has no tables.
  if (plan.offsets.empty())
    return buffers;
  buffers.offsets = makeGlobal(b, loc, symbols, prefix + "_offsets",
                               i32Table(b, plan.offsets));
  buffers.tiles =
      makeGlobal(b, loc, symbols, prefix + "_tiles", i32Table(b, plan.tiles));
  if (plan.numMasks == 0)
    return buffers;
  buffers.maskIds = makeGlobal(b, loc, symbols, prefix + "_mask_ids",
                               i32Table(b, plan.maskIds));
  auto maskType =
      RankedTensorType::get({plan.numMasks, plan.bk, plan.bq}, b.getI8Type());
  buffers.masks = makeGlobal(
      b, loc, symbols, prefix + "_masks",
      DenseElementsAttr::get(
          maskType, ArrayRef<int8_t>(plan.masks.data(), plan.masks.size())));
  return buffers;
}

std::pair<Value, Value>
mlir::attn::emitPlanEntries(KernelEmitter &e, Value offsets, Value qTile) {
  Value first = e.toIndex(e.load(offsets, {qTile}));
  Value last = e.toIndex(e.load(offsets, {e.add(qTile, e.idx(1))}));
  return {first, last};
}

std::pair<Value, Value> mlir::attn::emitPlanTile(KernelEmitter &e, Value tiles,
                                                 Value maskIds, Value entry,
                                                 int64_t bk) {
  Value kt = e.toIndex(e.load(tiles, {entry}));
  Value mid = maskIds ? e.toIndex(e.load(maskIds, {entry})) : e.idx(-1);
  return {e.mul(kt, e.idx(bk)), mid};
}

Value mlir::attn::emitRuntimeVisibility(KernelEmitter &e,
                                        PatternAttrInterface pattern,
                                        const KeyTile &tile, Value row,
                                        Value col, Value lq, Value lk) {
  Value inRange = arith::AndIOp::create(
      e.b, e.loc, e.cmpi(arith::CmpIPredicate::sge, col, tile.lo),
      e.cmpi(arith::CmpIPredicate::slt, col, tile.hi));
  return arith::AndIOp::create(
      e.b, e.loc, inRange,
      pattern.buildIsVisible(e.b, e.loc, row, col, lq, lk));
}

RuntimeTilePlan::RuntimeTilePlan(KernelEmitter &e, PatternAttrInterface pattern,
                                 Value q0, Value q1, Value lq, Value lk,
                                 int64_t bk)
    : e(e), pattern(pattern), q0(q0), q1(q1), lq(lq), lk(lk), bk(bk) {
  SmallVector<std::pair<Value, Value>> ranges;
  pattern.buildKeyRanges(e.b, e.loc, q0, q1, lq, lk, ranges);
  Value bkV = e.idx(bk), zero = e.idx(0);
  if (ranges.empty())
    ranges.push_back({zero, zero});
  total = zero;
  for (auto [lo, hiRaw] : ranges) {
    Value hi = arith::MaxSIOp::create(e.b, e.loc, hiRaw, lo);
    Value t0 = arith::DivUIOp::create(e.b, e.loc, lo, bkV);
    Value t1 =
        arith::DivUIOp::create(e.b, e.loc, e.add(hi, e.idx(bk - 1)), bkV);
    Value empty = e.cmpi(arith::CmpIPredicate::eq, hi, lo);
    Value count =
        e.select(empty, zero, arith::SubIOp::create(e.b, e.loc, t1, t0));
    starts.push_back(total);
    firstTiles.push_back(t0);
    los.push_back(lo);
    his.push_back(hi);
    total = e.add(total, count);
  }
}

KeyTile RuntimeTilePlan::tile(Value entry) {
  // The last range whose first entry is at or before `entry` (empty ranges
  // are passed over: the next range starts at the same entry).
  Value tileIdx =
      e.add(firstTiles[0], arith::SubIOp::create(e.b, e.loc, entry, starts[0]));
  Value lo = los[0], hi = his[0];
  for (size_t r = 1; r < starts.size(); ++r) {
    Value in = e.cmpi(arith::CmpIPredicate::uge, entry, starts[r]);
    Value t = e.add(firstTiles[r],
                    arith::SubIOp::create(e.b, e.loc, entry, starts[r]));
    tileIdx = e.select(in, t, tileIdx);
    lo = e.select(in, los[r], lo);
    hi = e.select(in, his[r], hi);
  }
  Value k0 = e.mul(tileIdx, e.idx(bk));
  Value k1 = e.add(k0, e.idx(bk));
  Value inside = arith::AndIOp::create(
      e.b, e.loc, e.cmpi(arith::CmpIPredicate::sge, k0, lo),
      e.cmpi(arith::CmpIPredicate::sle, k1, hi));
  Value full = arith::AndIOp::create(
      e.b, e.loc, inside,
      pattern.buildAllVisible(e.b, e.loc, q0, q1, k0, k1, lq, lk));
  return {k0, e.idx(-1), full, lo, hi};
}
