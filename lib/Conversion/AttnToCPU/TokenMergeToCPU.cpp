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

LogicalResult mlir::attn::lowerTokenMergeToCPU(RewriterBase &rewriter,
                                               TokenMergeOp op,
                                               std::string &reason) {
  FailureOr<TokenMergeLoops> loops = analyzeTokenMerge(op, reason);
  if (failed(loops))
    return failure();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  KernelEmitter e{rewriter, loc};
  TokenMergeBuffers buffers = TokenMergeBuffers::create(rewriter, op, *loops);
  scf::ParallelOp::create(rewriter, loc, ValueRange{e.idx(0)},
                          ValueRange{e.idx(loops->batch)}, ValueRange{e.idx(1)},
                          [&](OpBuilder &b, Location, ValueRange ivs) {
                            emitTokenMergeRow(b, loc, *loops, ivs[0], buffers);
                          });
  buffers.replace(rewriter, op, *loops);
  return success();
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
  KernelEmitter e{rewriter, loc};
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
