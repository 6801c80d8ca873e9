//===- CheckHostModule.cpp - attn-check-host-module -----------------------===//
//
// Fails on device code (gpu.module) in a module headed for a host-only
// pipeline, whose LLVM conversions would report an error for it and still
// succeed.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Passes.h"
#include "attn/Support/PassOptions.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNCHECKHOSTMODULEPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;

namespace {
struct AttnCheckHostModulePass
    : public mlir::attn::impl::AttnCheckHostModulePassBase<
          AttnCheckHostModulePass> {
  using Base::Base;
  ATTN_PASS_OPTION_ERRORS

  void runOnOperation() override {
    bool found = false;
    getOperation().walk([&](gpu::GPUModuleOp module) {
      module.emitError() << "'gpu.module' @" << module.getSymName()
                         << " holds device code, which " << pipeline.getValue()
                         << " does not lower (it lowers host code only); "
                            "--attn-gpu-pipeline compiles gpu.module";
      found = true;
    });
    if (found)
      signalPassFailure();
  }
};
} // namespace
