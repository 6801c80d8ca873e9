//===- HoistOpenMPAllocas.cpp - attn-hoist-openmp-allocas -----------------===//
//
// Moves the static allocas of a memref.alloca_scope inside an omp.parallel
// to the entry of the parallel region, so that each OpenMP thread allocates
// its kernel scratch once rather than once per loop iteration.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNHOISTOPENMPALLOCASPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;

namespace {
struct AttnHoistOpenMPAllocasPass
    : public mlir::attn::impl::AttnHoistOpenMPAllocasPassBase<
          AttnHoistOpenMPAllocasPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation().walk(
        [&](memref::AllocaScopeOp scope) { scopes.push_back(scope); });
    for (memref::AllocaScopeOp scope : scopes) {
      auto parallel = scope->getParentOfType<omp::ParallelOp>();
      if (!parallel || scope->getNumResults() != 0 ||
          !scope.getBodyRegion().hasOneBlock())
        continue;
      SmallVector<memref::AllocaOp> allocas;
      bool hoistable = true;
      scope.getBodyRegion().walk([&](memref::AllocaOp alloca) {
        if (!alloca.getType().hasStaticShape() ||
            !alloca.getDynamicSizes().empty() ||
            !alloca.getSymbolOperands().empty())
          hoistable = false;
        allocas.push_back(alloca);
      });
      if (!hoistable)
        continue;
      Block &entry = parallel.getRegion().front();
      for (memref::AllocaOp alloca : allocas)
        alloca->moveBefore(&entry, entry.begin());
      Block &body = scope.getBodyRegion().front();
      body.getTerminator()->erase();
      scope->getBlock()->getOperations().splice(Block::iterator(scope),
                                                body.getOperations());
      scope->erase();
    }
  }
};
} // namespace
