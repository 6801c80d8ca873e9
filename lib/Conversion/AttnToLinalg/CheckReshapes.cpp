//===- CheckReshapes.cpp - attn-check-reshapes ----------------------------===//
//
// Fails on a tensor.expand_shape whose static output_shape disagrees with
// its result type: the tensor verifier accepts it, and bufferization turns
// it into a memref.expand_shape that does not verify.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Passes.h"
#include "attn/Support/PassOptions.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNCHECKRESHAPESPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;

namespace {
struct AttnCheckReshapesPass
    : public mlir::attn::impl::AttnCheckReshapesPassBase<
          AttnCheckReshapesPass> {
  using Base::Base;

  void runOnOperation() override {
    bool failed = false;
    getOperation()->walk([&](tensor::ExpandShapeOp op) {
      ArrayRef<int64_t> given = op.getStaticOutputShape();
      RankedTensorType type = op.getResultType();
      if (given.size() != static_cast<size_t>(type.getRank())) {
        op.emitOpError() << "output_shape has " << given.size()
                         << " sizes, but its result type has rank "
                         << type.getRank();
        failed = true;
        return;
      }
      for (auto [dim, size] : llvm::enumerate(given)) {
        int64_t typed = type.getDimSize(dim);
        if (ShapedType::isDynamic(size) || ShapedType::isDynamic(typed) ||
            size == typed)
          continue;
        op.emitOpError() << "output_shape gives dimension " << dim
                         << " the size " << size << ", but its result type has "
                         << typed;
        failed = true;
        return;
      }
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
