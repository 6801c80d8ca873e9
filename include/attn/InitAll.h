//===- InitAll.h - Register every attn-mlir dialect and pass ----*- C++ -*-===//

#ifndef ATTN_INITALL_H
#define ATTN_INITALL_H

namespace mlir {
class DialectRegistry;

namespace attn {
/// Adds the attn dialect (and what its lowerings need) to `registry`.
void registerAllAttnDialects(DialectRegistry &registry);
/// Registers every attn pass and pipeline with the global registry.
void registerAllAttnPasses();
/// What the attn tools load: every upstream dialect, extension and pass,
/// attn-mlir's dialect and passes, and the GPU-to-LLVM-IR translations that
/// gpu-module-to-binary needs. Registers the passes globally and the
/// dialects in `registry`.
void registerEverything(DialectRegistry &registry);
} // namespace attn
} // namespace mlir

#endif // ATTN_INITALL_H
