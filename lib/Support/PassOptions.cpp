//===- PassOptions.cpp - Option parse errors that say what went wrong -----===//

#include "attn/Support/PassOptions.h"

using namespace mlir;

LogicalResult attn::initializePassOptions(
    Pass &pass, StringRef options,
    function_ref<LogicalResult(const Twine &)> errorHandler) {
  std::string message;
  if (succeeded(pass.Pass::initializeOptions(options, [&](const Twine &text) {
        message = text.str();
        return failure();
      })))
    return success();
  StringRef reason = StringRef(message).trim();
  return errorHandler(pass.getArgument() + ": invalid options '" + options +
                      "'" + (reason.empty() ? "" : ": " + reason));
}
