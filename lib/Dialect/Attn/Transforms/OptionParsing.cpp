//===- OptionParsing.cpp - Values of attn pass options --------------------===//
//
// What the options of several attn passes share: the "0-3,8" syntax of ops=,
// heads= and columns=, the ops that ops= selects and the loop that rewrites
// them, and attribute values (pattern=#attn.window<...>,
// normalizer=#attn.softmax<...>). Not a pass.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/Transforms.h"
#include "attn/Support/CapturedDiagnostics.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"

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

LogicalResult
IndexSelection::parseOptional(StringRef text, StringRef option,
                              std::optional<IndexSelection> &selection,
                              std::string &error) {
  if (text.empty())
    return success();
  FailureOr<IndexSelection> parsed = parse(text, option, error);
  if (failed(parsed))
    return failure();
  selection = std::move(*parsed);
  return success();
}

FailureOr<SmallVector<SelectedAttentionOp>>
mlir::attn::selectAttentionOps(Operation *root,
                               const std::optional<IndexSelection> &selection,
                               std::string &error) {
  SmallVector<AttentionOp> all;
  root->walk([&](AttentionOp op) { all.push_back(op); });
  if (selection && selection->getMax() >= static_cast<int64_t>(all.size())) {
    error = ("'ops' selects op " + Twine(selection->getMax()) +
             " but the module has " + Twine(all.size()) + " attn.attention ops")
                .str();
    return failure();
  }
  SmallVector<SelectedAttentionOp> selected;
  for (auto [index, op] : llvm::enumerate(all))
    if (!selection || selection->contains(index))
      selected.push_back({static_cast<int64_t>(index), op});
  return selected;
}

LogicalResult mlir::attn::rewriteSelectedAttentionOps(
    ArrayRef<SelectedAttentionOp> ops,
    function_ref<LogicalResult(const SelectedAttentionOp &, size_t ordinal)>
        rewrite,
    function_ref<void()> onChanged) {
  bool anyFailed = false;
  for (auto [ordinal, selected] : llvm::enumerate(ops)) {
    if (failed(rewrite(selected, ordinal))) {
      anyFailed = true;
      continue;
    }
    onChanged();
  }
  return failure(anyFailed);
}

/// The text without the quotes or braces that the pass option syntax needs
/// around a value with spaces ("...", '...', {...}).
static StringRef stripOptionQuotes(StringRef text) {
  text = text.trim();
  while (text.size() >= 2 && ((text.front() == '"' && text.back() == '"') ||
                              (text.front() == '\'' && text.back() == '\'') ||
                              (text.front() == '{' && text.back() == '}')))
    text = text.drop_front().drop_back().trim();
  return text;
}

bool mlir::attn::isAttributeOption(StringRef text) {
  return stripOptionQuotes(text).starts_with("#");
}

FailureOr<Attribute> mlir::attn::parseAttributeOption(MLIRContext *context,
                                                      StringRef text,
                                                      StringRef option,
                                                      std::string &error) {
  StringRef body = stripOptionQuotes(text);
  std::string parserMessage;
  Attribute attr;
  {
    ::attn::CapturedDiagnostics captured(context);
    attr = parseAttribute(body, context);
    parserMessage = captured.getFirst();
  }
  if (!attr) {
    error = ("option '" + option + "': '" + body +
             "' is not a valid attribute: " + parserMessage)
                .str();
    return failure();
  }
  return attr;
}
