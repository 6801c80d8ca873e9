//===- TokenMergeToCPU.cpp - CPU loops for token_merge / token_unmerge ----===//
//
// attn.token_merge becomes one scf.parallel over the batch (OpenMP after
// --attn-cpu-pipeline) whose body is the merge of one row
// (attn/Conversion/Common/TokenMergeLoops.h); attn.token_unmerge a row
// gather, parallel over (batch, token).
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToCPU/AttnToCPU.h"
#include "attn/Conversion/Common/KernelEmitter.h"
#include "attn/Conversion/Common/KernelOperands.h"
#include "attn/Conversion/Common/TokenMergeLoops.h"
#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::attn;

namespace {
/// `body` (given the induction variables) in an scf.parallel over
/// [0, upper) at `b`'s insertion point.
void emitParallel(OpBuilder &b, Location loc, ArrayRef<int64_t> upper,
                  function_ref<void(OpBuilder &, ValueRange)> body) {
  KernelEmitter e{b, loc};
  SmallVector<Value> lbs, ubs, steps;
  for (size_t i = 0; i < upper.size(); ++i)
    lbs.push_back(e.idx(0));
  for (int64_t ub : upper)
    ubs.push_back(e.idx(ub));
  for (size_t i = 0; i < upper.size(); ++i)
    steps.push_back(e.idx(1));
  scf::ParallelOp::create(
      b, loc, lbs, ubs, steps,
      [&](OpBuilder &nb, Location, ValueRange ivs) { body(nb, ivs); });
}
} // namespace

LogicalResult mlir::attn::lowerTokenMergeToCPU(RewriterBase &rewriter,
                                               TokenMergeOp op,
                                               std::string &reason) {
  FailureOr<TokenMergeLoops> loops = analyzeTokenMerge(op, reason);
  if (failed(loops))
    return failure();
  lowerOnBuffers<TokenMergeBuffers>(
      rewriter, op, *loops,
      [&](Location loc, const TokenMergeBuffers &buffers) {
        emitParallel(rewriter, loc, {loops->batch},
                     [&](OpBuilder &b, ValueRange ivs) {
                       emitTokenMergeRow(b, loc, *loops, ivs[0], buffers);
                     });
      });
  return success();
}

LogicalResult mlir::attn::lowerTokenUnmergeToCPU(RewriterBase &rewriter,
                                                 TokenUnmergeOp op,
                                                 std::string &reason) {
  FailureOr<TokenUnmergeLoops> loops = analyzeTokenUnmerge(op, reason);
  if (failed(loops))
    return failure();
  lowerOnBuffers<TokenUnmergeBuffers>(
      rewriter, op, *loops,
      [&](Location loc, const TokenUnmergeBuffers &buffers) {
        emitParallel(rewriter, loc, {loops->batch, loops->n},
                     [&](OpBuilder &b, ValueRange ivs) {
                       emitTokenUnmergeRow(b, loc, *loops, ivs[0], ivs[1],
                                           buffers);
                     });
      });
  return success();
}
