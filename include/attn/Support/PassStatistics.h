//===- PassStatistics.h - Counters of the attn passes -----------*- C++ -*-===//
//
// MLIR's pass statistics are llvm::Statistic, which release builds of LLVM
// (Debian's included: LLVM_ENABLE_STATS = 0) compile to no-ops, so
// -mlir-pass-statistics prints nothing for any pass. The attn passes also
// add their counts here; `attn-opt --attn-statistics` prints them.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_PASSSTATISTICS_H
#define ATTN_SUPPORT_PASSSTATISTICS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

namespace attn::stats {

/// Adds `value` to counter `name` of pass `pass` (thread-safe).
void add(llvm::StringRef pass, llvm::StringRef name, int64_t value);

/// Prints every counter, `pass: name = value`, sorted; nothing when empty.
void print(llvm::raw_ostream &os);

} // namespace attn::stats

#endif // ATTN_SUPPORT_PASSSTATISTICS_H
