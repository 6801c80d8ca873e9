//===- ScoreMod.h - The score_mod region in the lowerings -------*- C++ -*-===//
//
// How every lowering executes the optional score modification region of
// attn.attention (SPEC section 2.1): its body is copied in place of one
// logit, with the region's arguments bound to the logit and its
// (b, h, i, j), and the values it captures from above bound to what the
// kernel sees of them (a buffer for a tensor, whose `tensor.extract`
// becomes `memref.load`).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_COMMON_SCOREMOD_H
#define ATTN_CONVERSION_COMMON_SCOREMOD_H

#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::attn {

/// The values defined outside `op`'s score_mod region that it reads, each
/// once, in order of first use (empty without a region).
SmallVector<Value> getScoreModCaptures(AttentionOp op);

/// What a kernel reads in place of each capture: the read-only buffer of a
/// tensor, the value itself for a scalar.
SmallVector<Value> bufferizeScoreModCaptures(OpBuilder &b, Location loc,
                                             ArrayRef<Value> captures);

/// The score_mod body of `op` emitted at `b`'s insertion point on the f32
/// logit `s` at `indices` = {b, h, i, j}; returns the modified logit (`s`
/// itself when `op` has no region). `captures` maps captured values to
/// their kernel-side replacements (unmapped ones are used as they are); a
/// tensor mapped to a memref is read with `memref.load`.
Value emitScoreMod(OpBuilder &b, Location loc, AttentionOp op, Value s,
                   ArrayRef<Value> indices, const IRMapping &captures);

} // namespace mlir::attn

#endif // ATTN_CONVERSION_COMMON_SCOREMOD_H
