//===- attn-opt.cpp - Every upstream dialect and pass, plus attn-mlir's ---===//

#include "attn/InitAll.h"
#include "attn/Support/PassStatistics.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/CommandLine.h"

static llvm::cl::opt<bool> printAttnStatistics(
    "attn-statistics",
    llvm::cl::desc("Print the counters of the attn passes (raised ops, "
                   "inferred patterns, ...) to stderr; -mlir-pass-statistics "
                   "is empty with release builds of LLVM"),
    llvm::cl::init(false));

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::attn::registerEverything(registry);

  mlir::LogicalResult result =
      mlir::MlirOptMain(argc, argv, "attn-mlir optimizer driver\n", registry);
  if (printAttnStatistics) {
    llvm::errs() << "attn pass statistics:\n";
    attn::stats::print(llvm::errs());
  }
  return mlir::asMainReturnCode(result);
}
