//===- raise-attention.cpp - attn-mlir used from another compiler ---------===//
//
// Parses an MLIR file, registers attn-mlir through attn/InitAll.h, runs
// func.func(attn-raise,canonicalize,attn-infer-pattern) and prints the
// result; exits 1 with MLIR's diagnostics when parsing or a pass fails.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: raise-attention FILE.mlir\n";
    return 2;
  }
  mlir::DialectRegistry registry;
  mlir::attn::registerEverything(registry);
  mlir::MLIRContext context(registry);

  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], sourceMgr, &context);
  if (!module)
    return 1;

  // The pass manager runs on the module; the textual pipeline lists what
  // runs inside it.
  mlir::PassManager pm(&context, mlir::ModuleOp::getOperationName());
  if (mlir::failed(mlir::parsePassPipeline(
          "func.func(attn-raise,canonicalize,attn-infer-pattern)", pm)))
    return 1;
  if (mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  return 0;
}
