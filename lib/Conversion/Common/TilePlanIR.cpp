//===- TilePlanIR.cpp - A tile plan as constant tables --------------------===//

#include "attn/Conversion/Common/TilePlanIR.h"

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
