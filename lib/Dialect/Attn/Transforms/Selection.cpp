//===- Selection.cpp - Index selections of pass options
//--------------------===//
//
// The "0-3,8" syntax of ops=, heads= and columns=.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/Transforms.h"

using namespace mlir;
using namespace mlir::attn;

bool IndexSelection::contains(int64_t index) const {
  return llvm::any_of(ranges, [&](const std::pair<int64_t, int64_t> &r) {
    return r.first <= index && index <= r.second;
  });
}

int64_t IndexSelection::getMax() const {
  int64_t max = -1;
  for (const auto &r : ranges)
    max = std::max(max, r.second);
  return max;
}

FailureOr<IndexSelection>
IndexSelection::parse(StringRef text, StringRef option, std::string &error) {
  IndexSelection selection;
  SmallVector<StringRef> items;
  text.split(items, ',');
  for (StringRef item : items) {
    item = item.trim();
    auto [lo, hi] = item.split('-');
    int64_t first, last;
    if (lo.trim().getAsInteger(10, first) || first < 0) {
      error = ("'" + option + "' entry '" + item +
               "' is not an index or a range like 0-3")
                  .str();
      return failure();
    }
    last = first;
    if (item.contains('-') &&
        (hi.trim().getAsInteger(10, last) || last < first)) {
      error = ("'" + option + "' range '" + item +
               "' must be 'first-last' with first <= last")
                  .str();
      return failure();
    }
    selection.ranges.push_back({first, last});
  }
  return selection;
}
