//===- PassOptions.h - Option parse errors that say what went wrong -*- C++
//-*-===//
//
// Pass::initializeOptions reports a value that does not parse (`left=abc`)
// with an empty message: llvm::cl prints its own line to stderr and the pass
// manager adds `<unknown>:0: error:` with nothing after it. The attn passes
// route their option parsing through initializePassOptions, whose message
// always names the pass and the options.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_PASSOPTIONS_H
#define ATTN_SUPPORT_PASSOPTIONS_H

#include "mlir/Pass/Pass.h"

namespace attn {

/// `pass.Pass::initializeOptions(options)`, failing with
/// "<pass-argument>: invalid options '<options>'[: <parser message>]".
mlir::LogicalResult initializePassOptions(
    mlir::Pass &pass, llvm::StringRef options,
    llvm::function_ref<mlir::LogicalResult(const llvm::Twine &)> errorHandler);

} // namespace attn

/// Declares a pass's initializeOptions override that uses
/// attn::initializePassOptions; goes inside the pass class.
#define ATTN_PASS_OPTION_ERRORS                                                \
  ::mlir::LogicalResult initializeOptions(                                     \
      ::llvm::StringRef options,                                               \
      ::llvm::function_ref<::mlir::LogicalResult(const ::llvm::Twine &)>       \
          errorHandler) override {                                             \
    return ::attn::initializePassOptions(*this, options, errorHandler);        \
  }

#endif // ATTN_SUPPORT_PASSOPTIONS_H
