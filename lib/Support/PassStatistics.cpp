//===- PassStatistics.cpp - Counters of the attn passes -------------------===//

#include "attn/Support/PassStatistics.h"

#include <map>
#include <mutex>
#include <string>

namespace {
std::mutex &lock() {
  static std::mutex m;
  return m;
}
std::map<std::string, std::map<std::string, int64_t>> &counters() {
  static std::map<std::string, std::map<std::string, int64_t>> c;
  return c;
}
} // namespace

void attn::stats::add(llvm::StringRef pass, llvm::StringRef name,
                      int64_t value) {
  std::lock_guard<std::mutex> guard(lock());
  counters()[pass.str()][name.str()] += value;
}

void attn::stats::print(llvm::raw_ostream &os) {
  std::lock_guard<std::mutex> guard(lock());
  for (const auto &[pass, values] : counters())
    for (const auto &[name, value] : values)
      os << pass << ": " << name << " = " << value << "\n";
}
