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
} // namespace attn
} // namespace mlir

#endif // ATTN_INITALL_H
