//===- CapturedDiagnostics.h - Keep this thread's diagnostics --*- C++ -*-===//
//
// Passes sometimes try something whose failure is expected (verify a
// candidate op, parse an option) and want the message, not a printed error.
// A ScopedDiagnosticHandler on the context would also swallow what other
// threads emit meanwhile (function passes run in parallel), so this one takes
// only the diagnostics raised on the thread that created it and passes every
// other on to the handlers below it.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_CAPTUREDDIAGNOSTICS_H
#define ATTN_SUPPORT_CAPTUREDDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <string>
#include <thread>

namespace attn {

class CapturedDiagnostics {
public:
  explicit CapturedDiagnostics(mlir::MLIRContext *context)
      : handler(context, [this](mlir::Diagnostic &diag) {
          if (std::this_thread::get_id() != owner)
            return mlir::failure();
          if (first.empty())
            first = diag.str();
          return mlir::success();
        }) {}

  /// The first message captured ("" when none).
  const std::string &getFirst() const { return first; }

private:
  std::thread::id owner = std::this_thread::get_id();
  std::string first;
  mlir::ScopedDiagnosticHandler handler;
};

} // namespace attn

#endif // ATTN_SUPPORT_CAPTUREDDIAGNOSTICS_H
