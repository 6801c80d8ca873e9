//===- AttnToLinalg.h - Reference decomposition of attn ops -----*- C++ -*-===//

#ifndef ATTN_CONVERSION_ATTNTOLINALG_ATTNTOLINALG_H
#define ATTN_CONVERSION_ATTNTOLINALG_ATTNTOLINALG_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace attn {
/// Patterns that rewrite attn.attention, attn.token_merge and
/// attn.token_unmerge into linalg on tensors.
void populateAttnToLinalgConversionPatterns(RewritePatternSet &patterns);
} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_ATTNTOLINALG_ATTNTOLINALG_H
