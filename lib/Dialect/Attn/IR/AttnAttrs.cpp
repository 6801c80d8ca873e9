//===- AttnAttrs.cpp - Patterns and normalizers ---------------------------===//
//
// Each pattern implements PatternAttrInterface three times over, consistently:
// a C++ evaluator (isVisible), an IR builder (buildIsVisible) and tile
// classification. Each normalizer implements the streaming builders of
// NormalizerAttrInterface. The formulas are those of docs/Semantics.md.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attn;
using mlir::attn::detail::floatConstant;

#include "attn/Dialect/Attn/IR/AttnEnums.cpp.inc"
#include "attn/Dialect/Attn/IR/AttnInterfaces.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "attn/Dialect/Attn/IR/AttnAttrs.cpp.inc"

void AttnDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "attn/Dialect/Attn/IR/AttnAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

TileVisibility mlir::attn::detail::classifyTileByEnumeration(
    PatternAttrInterface pattern, int64_t qBegin, int64_t qEnd, int64_t kBegin,
    int64_t kEnd, int64_t lq, int64_t lk) {
  bool any = false, all = true;
  for (int64_t i = qBegin; i < qEnd; ++i) {
    for (int64_t j = kBegin; j < kEnd; ++j) {
      bool v = pattern.isVisible(i, j, lq, lk);
      any |= v;
      all &= v;
    }
    if (any && !all)
      return TileVisibility::Partial;
  }
  if (!any)
    return TileVisibility::Skipped;
  return all ? TileVisibility::Full : TileVisibility::Partial;
}

/// Parses `key = value, ...` (no delimiters) where every key is one of
/// `keys` and appears at most once; `parseValue` parses the value of `key`.
static ParseResult
parseKeyValueEntries(AsmParser &parser, StringRef attrName,
                     ArrayRef<StringRef> keys,
                     function_ref<ParseResult(StringRef)> parseValue) {
  llvm::StringSet<> seen;
  auto parseEntry = [&]() -> ParseResult {
    SMLoc loc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key))
      return failure();
    if (!llvm::is_contained(keys, key))
      return parser.emitError(loc)
             << "unknown key '" << key << "' in #attn." << attrName
             << ", expected one of: " << llvm::join(keys, ", ");
    if (!seen.insert(key).second)
      return parser.emitError(loc)
             << "duplicate key '" << key << "' in #attn." << attrName;
    if (parser.parseEqual() || parseValue(key))
      return failure();
    return success();
  };
  return parser.parseCommaSeparatedList(parseEntry);
}

/// Parses `<key = value, ...>`.
static ParseResult
parseKeyValueList(AsmParser &parser, StringRef attrName,
                  ArrayRef<StringRef> keys,
                  function_ref<ParseResult(StringRef)> parseValue) {
  if (parser.parseLess() ||
      parseKeyValueEntries(parser, attrName, keys, parseValue))
    return failure();
  return parser.parseGreater();
}

/// Parses an optional `<key = value, ...>` suffix (the normalizers').
static ParseResult
parseOptionalKeyValueList(AsmParser &parser, StringRef attrName,
                          ArrayRef<StringRef> keys,
                          function_ref<ParseResult(StringRef)> parseValue) {
  if (failed(parser.parseOptionalLess()))
    return success();
  if (parseKeyValueEntries(parser, attrName, keys, parseValue))
    return failure();
  return parser.parseGreater();
}

/// The syntax of a normalizer whose one parameter is enum `E`: an optional
/// `<key = word>`, left out for the default value.
template <typename AttrT, typename E> struct EnumParameterSyntax {
  StringRef key;
  /// Names the parameter when a word is no case of `E`.
  StringRef what;
  E defaultValue;
  /// The largest case of `E` (the cases are 0 to maxValue).
  unsigned maxValue;

  Attribute parse(AsmParser &parser) const {
    E value = defaultValue;
    auto parseWord = [&](StringRef) -> ParseResult {
      SMLoc loc = parser.getCurrentLocation();
      StringRef word;
      if (parser.parseKeyword(&word))
        return failure();
      std::optional<E> parsed = symbolizeEnum<E>(word);
      if (!parsed) {
        InFlightDiagnostic diag = parser.emitError(loc)
                                  << "unknown " << what << " '" << word
                                  << "', expected one of: ";
        for (unsigned i = 0; i <= maxValue; ++i)
          diag << (i ? ", " : "") << stringifyEnum(static_cast<E>(i));
        return diag;
      }
      value = *parsed;
      return success();
    };
    if (parseOptionalKeyValueList(parser, AttrT::getMnemonic(), {key},
                                  parseWord))
      return {};
    return AttrT::get(parser.getContext(), value);
  }

  void print(AsmPrinter &printer, E value) const {
    if (value != defaultValue)
      printer << "<" << key << " = " << stringifyEnum(value) << ">";
  }
};

static ParseResult parseIntList(AsmParser &parser,
                                SmallVectorImpl<int64_t> &values) {
  return parser.parseCommaSeparatedList(AsmParser::Delimiter::Square,
                                        [&]() -> ParseResult {
                                          int64_t v;
                                          if (parser.parseInteger(v))
                                            return failure();
                                          values.push_back(v);
                                          return success();
                                        });
}

static void printIntList(AsmPrinter &printer, ArrayRef<int64_t> values) {
  printer << '[';
  llvm::interleaveComma(values, printer);
  printer << ']';
}

Value mlir::attn::detail::floatConstant(OpBuilder &b, Location loc, Type type,
                                        double value) {
  if (auto vecType = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(
        b, loc, vecType,
        DenseElementsAttr::get(
            vecType, b.getFloatAttr(vecType.getElementType(), value)));
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
}

Value mlir::attn::detail::indexConstant(OpBuilder &b, Location loc,
                                        int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}
using mlir::attn::detail::indexConstant;

/// min(max(x, lo), hi) on index values.
static Value clampIndex(OpBuilder &b, Location loc, Value x, Value lo,
                        Value hi) {
  return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, x, lo),
                                hi);
}

/// Absolute position of logical query row `i`: i + (lk - lq).
static Value buildAbsoluteRow(OpBuilder &b, Location loc, Value i, Value lq,
                              Value lk) {
  Value shift = arith::SubIOp::create(b, loc, lk, lq);
  return arith::AddIOp::create(b, loc, i, shift);
}

static Value cmpIndex(OpBuilder &b, Location loc, arith::CmpIPredicate pred,
                      Value lhs, Value rhs) {
  return arith::CmpIOp::create(b, loc, pred, lhs, rhs);
}

//===----------------------------------------------------------------------===//
// DenseAttr
//===----------------------------------------------------------------------===//

LogicalResult DenseAttr::verifyForShape(function_ref<InFlightDiagnostic()>,
                                        int64_t, int64_t) const {
  return success();
}

bool DenseAttr::isVisible(int64_t, int64_t, int64_t, int64_t) const {
  return true;
}

Value DenseAttr::buildIsVisible(OpBuilder &b, Location loc, Value, Value, Value,
                                Value) const {
  return arith::ConstantIntOp::create(b, loc, 1, 1);
}

Value DenseAttr::buildAllVisible(OpBuilder &b, Location loc, Value, Value,
                                 Value, Value, Value, Value) const {
  return arith::ConstantIntOp::create(b, loc, 1, 1);
}

int64_t DenseAttr::getVisibleCount(int64_t, int64_t, int64_t lk) const {
  return lk;
}

TileVisibility DenseAttr::classifyTile(int64_t qBegin, int64_t qEnd,
                                       int64_t kBegin, int64_t kEnd, int64_t,
                                       int64_t) const {
  if (qBegin >= qEnd || kBegin >= kEnd)
    return TileVisibility::Skipped;
  return TileVisibility::Full;
}

int64_t DenseAttr::countVisiblePairs(int64_t lq, int64_t lk) const {
  return lq * lk;
}

bool DenseAttr::isDense() const { return true; }

//===----------------------------------------------------------------------===//
// CausalAttr
//===----------------------------------------------------------------------===//

LogicalResult CausalAttr::verifyForShape(function_ref<InFlightDiagnostic()>,
                                         int64_t, int64_t) const {
  return success();
}

bool CausalAttr::isVisible(int64_t i, int64_t j, int64_t lq, int64_t lk) const {
  return j <= i + (lk - lq);
}

Value CausalAttr::buildIsVisible(OpBuilder &b, Location loc, Value i, Value j,
                                 Value lq, Value lk) const {
  Value row = buildAbsoluteRow(b, loc, i, lq, lk);
  return cmpIndex(b, loc, arith::CmpIPredicate::sle, j, row);
}

/// Rows [qBegin, qEnd) see keys [0, (qEnd - 1)' + 1).
FailureOr<AffineVisibility> DenseAttr::getAffineVisibility() const {
  return AffineVisibility{{}};
}

// j <= i' = i + lk - lq: i - j - lq + lk >= 0.
FailureOr<AffineVisibility> CausalAttr::getAffineVisibility() const {
  return AffineVisibility{{{1, -1, -1, 1, 0}}};
}

void CausalAttr::buildKeyRanges(
    OpBuilder &b, Location loc, Value qBegin, Value qEnd, Value lq, Value lk,
    SmallVectorImpl<std::pair<Value, Value>> &ranges) const {
  Value zero = indexConstant(b, loc, 0);
  Value hi = buildAbsoluteRow(b, loc, qEnd, lq, lk);
  ranges.push_back({zero, clampIndex(b, loc, hi, zero, lk)});
}

/// Every key up to the first row's position: kEnd - 1 <= qBegin'.
Value CausalAttr::buildAllVisible(OpBuilder &b, Location loc, Value qBegin,
                                  Value, Value, Value kEnd, Value lq,
                                  Value lk) const {
  Value first = buildAbsoluteRow(b, loc, qBegin, lq, lk);
  return cmpIndex(
      b, loc, arith::CmpIPredicate::sle, kEnd,
      arith::AddIOp::create(b, loc, first, indexConstant(b, loc, 1)));
}

int64_t CausalAttr::getVisibleCount(int64_t i, int64_t lq, int64_t lk) const {
  return std::clamp<int64_t>(i + (lk - lq) + 1, 0, lk);
}

TileVisibility CausalAttr::classifyTile(int64_t qBegin, int64_t qEnd,
                                        int64_t kBegin, int64_t kEnd,
                                        int64_t lq, int64_t lk) const {
  if (qBegin >= qEnd || kBegin >= kEnd)
    return TileVisibility::Skipped;
  int64_t shift = lk - lq;
  if (kEnd - 1 <= qBegin + shift)
    return TileVisibility::Full;
  if (kBegin > qEnd - 1 + shift)
    return TileVisibility::Skipped;
  return TileVisibility::Partial;
}

//===----------------------------------------------------------------------===//
// WindowAttr
//===----------------------------------------------------------------------===//

LogicalResult WindowAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t left, int64_t right, int64_t sinks) {
  if (left < 0)
    return emitError() << "window 'left' must be non-negative, got " << left;
  if (right < 0)
    return emitError() << "window 'right' must be non-negative, got " << right;
  if (sinks < 0)
    return emitError() << "window 'sinks' must be non-negative, got " << sinks;
  return success();
}

Attribute WindowAttr::parse(AsmParser &parser, Type) {
  std::optional<int64_t> left;
  int64_t right = 0, sinks = 0;
  SMLoc loc = parser.getCurrentLocation();
  if (parseKeyValueList(parser, "window", {"left", "right", "sinks"},
                        [&](StringRef key) -> ParseResult {
                          int64_t v;
                          if (parser.parseInteger(v))
                            return failure();
                          if (key == "left")
                            left = v;
                          else if (key == "right")
                            right = v;
                          else
                            sinks = v;
                          return success();
                        }))
    return {};
  if (!left) {
    parser.emitError(loc) << "#attn.window requires 'left'";
    return {};
  }
  return parser.getChecked<WindowAttr>(loc, parser.getContext(), *left, right,
                                       sinks);
}

void WindowAttr::print(AsmPrinter &printer) const {
  printer << "<left = " << getLeft() << ", right = " << getRight()
          << ", sinks = " << getSinks() << ">";
}

LogicalResult WindowAttr::verifyForShape(function_ref<InFlightDiagnostic()>,
                                         int64_t, int64_t) const {
  return success();
}

bool WindowAttr::isVisible(int64_t i, int64_t j, int64_t lq, int64_t lk) const {
  int64_t row = i + (lk - lq);
  return (j >= row - getLeft() && j <= row + getRight()) || j < getSinks();
}

Value WindowAttr::buildIsVisible(OpBuilder &b, Location loc, Value i, Value j,
                                 Value lq, Value lk) const {
  Value row = buildAbsoluteRow(b, loc, i, lq, lk);
  Value lo =
      arith::SubIOp::create(b, loc, row, indexConstant(b, loc, getLeft()));
  Value hi =
      arith::AddIOp::create(b, loc, row, indexConstant(b, loc, getRight()));
  Value inWindow = arith::AndIOp::create(
      b, loc, cmpIndex(b, loc, arith::CmpIPredicate::sge, j, lo),
      cmpIndex(b, loc, arith::CmpIPredicate::sle, j, hi));
  if (getSinks() == 0)
    return inWindow;
  Value isSink = cmpIndex(b, loc, arith::CmpIPredicate::slt, j,
                          indexConstant(b, loc, getSinks()));
  return arith::OrIOp::create(b, loc, inWindow, isSink);
}

/// The sinks [0, s), then the windows of rows [qBegin, qEnd) from
/// qBegin' - l to (qEnd - 1)' + r, without the sinks again.
// i' - left <= j <= i' + right (i' = i + lk - lq), or j < sinks.
FailureOr<AffineVisibility> WindowAttr::getAffineVisibility() const {
  AffineVisibility sets = {
      {{-1, 1, 1, -1, getLeft()}, {1, -1, -1, 1, getRight()}}};
  if (getSinks() > 0)
    sets.push_back({{0, -1, 0, 0, getSinks() - 1}});
  return sets;
}

void WindowAttr::buildKeyRanges(
    OpBuilder &b, Location loc, Value qBegin, Value qEnd, Value lq, Value lk,
    SmallVectorImpl<std::pair<Value, Value>> &ranges) const {
  Value zero = indexConstant(b, loc, 0);
  Value sinks =
      arith::MinSIOp::create(b, loc, indexConstant(b, loc, getSinks()), lk);
  if (getSinks() > 0)
    ranges.push_back({zero, sinks});
  Value lo =
      arith::SubIOp::create(b, loc, buildAbsoluteRow(b, loc, qBegin, lq, lk),
                            indexConstant(b, loc, getLeft()));
  Value hi =
      arith::AddIOp::create(b, loc, buildAbsoluteRow(b, loc, qEnd, lq, lk),
                            indexConstant(b, loc, getRight()));
  ranges.push_back(
      {clampIndex(b, loc, lo, sinks, lk), clampIndex(b, loc, hi, zero, lk)});
}

/// Keys that are all sinks, or inside the window of the first and of the
/// last row: (qEnd - 1)' - l <= kBegin and kEnd - 1 <= qBegin' + r.
Value WindowAttr::buildAllVisible(OpBuilder &b, Location loc, Value qBegin,
                                  Value qEnd, Value kBegin, Value kEnd,
                                  Value lq, Value lk) const {
  Value one = indexConstant(b, loc, 1);
  Value last = arith::SubIOp::create(
      b, loc, buildAbsoluteRow(b, loc, qEnd, lq, lk), one);
  Value first = buildAbsoluteRow(b, loc, qBegin, lq, lk);
  Value fromLeft = cmpIndex(
      b, loc, arith::CmpIPredicate::sge, kBegin,
      arith::SubIOp::create(b, loc, last, indexConstant(b, loc, getLeft())));
  Value toRight =
      cmpIndex(b, loc, arith::CmpIPredicate::sle, kEnd,
               arith::AddIOp::create(b, loc, first,
                                     indexConstant(b, loc, getRight() + 1)));
  Value inWindow = arith::AndIOp::create(b, loc, fromLeft, toRight);
  Value allSinks = cmpIndex(b, loc, arith::CmpIPredicate::sle, kEnd,
                            indexConstant(b, loc, getSinks()));
  return arith::OrIOp::create(b, loc, inWindow, allSinks);
}

int64_t WindowAttr::getVisibleCount(int64_t i, int64_t lq, int64_t lk) const {
  int64_t row = i + (lk - lq);
  int64_t lo = std::max<int64_t>(row - getLeft(), 0);
  int64_t hi = std::min<int64_t>(row + getRight(), lk - 1);
  int64_t sinks = std::min(getSinks(), lk);
  if (hi < lo)
    return sinks;
  // Union of [0, sinks) and [lo, hi].
  int64_t overlap = std::max<int64_t>(0, std::min(hi + 1, sinks) - lo);
  return sinks + (hi - lo + 1) - overlap;
}

TileVisibility WindowAttr::classifyTile(int64_t qBegin, int64_t qEnd,
                                        int64_t kBegin, int64_t kEnd,
                                        int64_t lq, int64_t lk) const {
  if (qBegin >= qEnd || kBegin >= kEnd)
    return TileVisibility::Skipped;
  int64_t shift = lk - lq;
  int64_t rowMin = qBegin + shift, rowMax = qEnd - 1 + shift;
  // Keys of the tile that are not sinks.
  int64_t restBegin = std::max(kBegin, getSinks());
  bool restEmpty = restBegin >= kEnd;
  if (restEmpty ||
      (restBegin >= rowMax - getLeft() && kEnd - 1 <= rowMin + getRight()))
    return TileVisibility::Full;
  bool anySink = kBegin < getSinks();
  // The windows of rows rowMin..rowMax cover [rowMin - l, rowMax + r].
  if (!anySink &&
      (kEnd - 1 < rowMin - getLeft() || kBegin > rowMax + getRight()))
    return TileVisibility::Skipped;
  return TileVisibility::Partial;
}

//===----------------------------------------------------------------------===//
// NeighborhoodAttr
//===----------------------------------------------------------------------===//

LogicalResult NeighborhoodAttr::verifyListLengths(
    function_ref<InFlightDiagnostic()> emitError, StringRef rankName,
    size_t rank, std::pair<StringRef, ArrayRef<int64_t>> first,
    ArrayRef<int64_t> dilation, ArrayRef<int64_t> stride,
    ArrayRef<int64_t> causal, bool emptyIsDefault) {
  std::pair<StringRef, ArrayRef<int64_t>> lists[] = {
      first, {"dilation", dilation}, {"stride", stride}, {"causal", causal}};
  for (auto [name, list] : lists)
    if (list.size() != rank && !(emptyIsDefault && list.empty()))
      return emitError() << "'" << name << "' has " << list.size()
                         << " entries but '" << rankName << "' has " << rank;
  return success();
}

LogicalResult
NeighborhoodAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         ArrayRef<int64_t> shape, ArrayRef<int64_t> kernel,
                         ArrayRef<int64_t> dilation, ArrayRef<int64_t> stride,
                         ArrayRef<int64_t> causal) {
  size_t rank = shape.size();
  if (rank < 1 || rank > 3)
    return emitError() << "neighborhood 'shape' must have 1 to 3 dimensions, "
                          "got "
                       << rank;
  auto emitNeighborhoodError = [&] { return emitError() << "neighborhood "; };
  if (failed(verifyListLengths(emitNeighborhoodError, "shape", rank,
                               {"kernel", kernel}, dilation, stride, causal,
                               /*emptyIsDefault=*/false)))
    return failure();
  for (size_t d = 0; d < rank; ++d) {
    for (auto [name, list] :
         {std::pair("shape", shape), std::pair("kernel", kernel),
          std::pair("dilation", dilation), std::pair("stride", stride)})
      if (list[d] < 1)
        return emitError() << "neighborhood '" << name
                           << "' must be positive, got " << list[d]
                           << " in dimension " << d;
    if (causal[d] != 0 && causal[d] != 1)
      return emitError() << "neighborhood 'causal' entries must be 0 or 1, got "
                         << causal[d] << " in dimension " << d;
    if (kernel[d] > std::numeric_limits<int32_t>::max() ||
        dilation[d] > std::numeric_limits<int32_t>::max() ||
        kernel[d] * dilation[d] > shape[d])
      return emitError() << "neighborhood kernel * dilation (" << kernel[d]
                         << " * " << dilation[d] << ") exceeds shape "
                         << shape[d] << " in dimension " << d;
    if (stride[d] > kernel[d])
      return emitError() << "neighborhood stride " << stride[d]
                         << " exceeds kernel " << kernel[d] << " in dimension "
                         << d;
  }
  return success();
}

Attribute NeighborhoodAttr::parse(AsmParser &parser, Type) {
  SmallVector<int64_t> shape, kernel, dilation, stride, causal;
  bool hasShape = false, hasKernel = false, hasDilation = false,
       hasStride = false, hasCausal = false;
  SMLoc loc = parser.getCurrentLocation();
  if (parseKeyValueList(
          parser, "neighborhood",
          {"shape", "kernel", "dilation", "stride", "causal"},
          [&](StringRef key) -> ParseResult {
            if (key == "shape")
              return hasShape = true, parseIntList(parser, shape);
            if (key == "kernel")
              return hasKernel = true, parseIntList(parser, kernel);
            if (key == "dilation")
              return hasDilation = true, parseIntList(parser, dilation);
            if (key == "stride")
              return hasStride = true, parseIntList(parser, stride);
            return hasCausal = true, parseIntList(parser, causal);
          }))
    return {};
  if (!hasShape || !hasKernel) {
    parser.emitError(loc) << "#attn.neighborhood requires 'shape' and 'kernel'";
    return {};
  }
  if (!hasDilation)
    dilation.assign(shape.size(), 1);
  if (!hasStride)
    stride.assign(shape.size(), 1);
  if (!hasCausal)
    causal.assign(shape.size(), 0);
  return parser.getChecked<NeighborhoodAttr>(loc, parser.getContext(), shape,
                                             kernel, dilation, stride, causal);
}

void NeighborhoodAttr::print(AsmPrinter &printer) const {
  auto allEqual = [](ArrayRef<int64_t> list, int64_t v) {
    return llvm::all_of(list, [&](int64_t x) { return x == v; });
  };
  printer << "<shape = ";
  printIntList(printer, getShape());
  printer << ", kernel = ";
  printIntList(printer, getKernel());
  if (!allEqual(getDilation(), 1)) {
    printer << ", dilation = ";
    printIntList(printer, getDilation());
  }
  if (!allEqual(getStride(), 1)) {
    printer << ", stride = ";
    printIntList(printer, getStride());
  }
  if (!allEqual(getCausal(), 0)) {
    printer << ", causal = ";
    printIntList(printer, getCausal());
  }
  printer << ">";
}

int64_t NeighborhoodAttr::getNumTokens() const {
  int64_t n = 1;
  for (int64_t x : getShape())
    n *= x;
  return n;
}

LogicalResult
NeighborhoodAttr::verifyForShape(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t lq, int64_t lk) const {
  int64_t tokens = getNumTokens();
  if (!ShapedType::isDynamic(lq) && lq != tokens)
    return emitError() << "neighborhood shape has " << tokens
                       << " tokens but the query length is " << lq;
  if (!ShapedType::isDynamic(lk) && lk != tokens)
    return emitError() << "neighborhood shape has " << tokens
                       << " tokens but the key length is " << lk;
  return success();
}

/// The neighborhood rule along one dimension of extent X for query
/// coordinate x and key coordinate y.
static bool neighborhoodVisible1D(int64_t x, int64_t y, int64_t extent,
                                  int64_t k, int64_t d, int64_t t,
                                  bool causal) {
  if (x % d != y % d)
    return false;
  int64_t xg = x / d, yg = y / d;
  int64_t n = (extent - x % d + d - 1) / d;
  if (causal) {
    int64_t leader = std::min(xg / t * t + t - 1, n - 1);
    return yg <= xg && leader - yg < k;
  }
  int64_t left = k / 2, right = k / 2 + k % 2 - 1;
  int64_t leader = std::min(xg / t * t + t / 2, n - 1);
  int64_t centre = std::min(std::max(leader, left), n - 1 - right);
  return centre - left <= yg && yg <= centre + right;
}

bool NeighborhoodAttr::isVisible(int64_t i, int64_t j, int64_t lq,
                                 int64_t lk) const {
  int64_t row = i + (lk - lq);
  ArrayRef<int64_t> shape = getShape();
  for (int64_t dim = getRank() - 1; dim >= 0; --dim) {
    int64_t x = row % shape[dim], y = j % shape[dim];
    row /= shape[dim];
    j /= shape[dim];
    if (!neighborhoodVisible1D(x, y, shape[dim], getKernel()[dim],
                               getDilation()[dim], getStride()[dim],
                               getCausal()[dim] != 0))
      return false;
  }
  return true;
}

/// A callable that builds `OpTy` on two values at `loc`.
template <typename OpTy> static auto binaryBuilder(OpBuilder &b, Location loc) {
  return [&b, loc](Value x, Value y) -> Value {
    return OpTy::create(b, loc, x, y);
  };
}

Value NeighborhoodAttr::buildIsVisible(OpBuilder &b, Location loc, Value i,
                                       Value j, Value lq, Value lk) const {
  using P = arith::CmpIPredicate;
  Value row = buildAbsoluteRow(b, loc, i, lq, lk);
  Value col = j;
  Value visible = arith::ConstantIntOp::create(b, loc, 1, 1);
  auto c = [&](int64_t v) { return indexConstant(b, loc, v); };
  auto div = binaryBuilder<arith::DivSIOp>(b, loc);
  auto rem = binaryBuilder<arith::RemSIOp>(b, loc);
  auto add = binaryBuilder<arith::AddIOp>(b, loc);
  auto sub = binaryBuilder<arith::SubIOp>(b, loc);
  auto mul = binaryBuilder<arith::MulIOp>(b, loc);
  auto minV = binaryBuilder<arith::MinSIOp>(b, loc);
  auto maxV = binaryBuilder<arith::MaxSIOp>(b, loc);
  auto andV = binaryBuilder<arith::AndIOp>(b, loc);
  for (int64_t dim = getRank() - 1; dim >= 0; --dim) {
    int64_t extent = getShape()[dim], k = getKernel()[dim],
            dil = getDilation()[dim], t = getStride()[dim];
    Value x = rem(row, c(extent)), y = rem(col, c(extent));
    row = div(row, c(extent));
    col = div(col, c(extent));
    Value xGroup = rem(x, c(dil));
    Value sameGroup = cmpIndex(b, loc, P::eq, xGroup, rem(y, c(dil)));
    Value xg = div(x, c(dil)), yg = div(y, c(dil));
    // n = ceil((extent - x mod d) / d)
    Value n = div(add(sub(c(extent), xGroup), c(dil - 1)), c(dil));
    Value nMinus1 = sub(n, c(1));
    Value tileStart = mul(div(xg, c(t)), c(t));
    Value inDim;
    if (getCausal()[dim]) {
      Value leader = minV(add(tileStart, c(t - 1)), nMinus1);
      inDim = andV(cmpIndex(b, loc, P::sle, yg, xg),
                   cmpIndex(b, loc, P::slt, sub(leader, yg), c(k)));
    } else {
      int64_t left = k / 2, right = k / 2 + k % 2 - 1;
      Value leader = minV(add(tileStart, c(t / 2)), nMinus1);
      Value centre = minV(maxV(leader, c(left)), sub(nMinus1, c(right)));
      inDim = andV(cmpIndex(b, loc, P::sle, sub(centre, c(left)), yg),
                   cmpIndex(b, loc, P::sle, yg, add(centre, c(right))));
    }
    visible = andV(visible, andV(sameGroup, inDim));
  }
  return visible;
}

/// Non-causal neighborhoods whose every dilation group along every
/// dimension holds at least `k` tokens: each query sees its window of k
/// tokens per dimension, (centre - k/2 + m) * d + g for m in [0, k), so its
/// keys are a base (the window's first token) plus offsets that do not
/// depend on the query.
LogicalResult
NeighborhoodAttr::getStencil(int64_t lq, int64_t lk,
                             SmallVectorImpl<int64_t> &bases,
                             SmallVectorImpl<int64_t> &deltas) const {
  int64_t tokens = getNumTokens();
  if (lq != tokens || lk != tokens)
    return failure();
  int64_t rank = getRank();
  ArrayRef<int64_t> shape = getShape();
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t dim = rank - 2; dim >= 0; --dim)
    strides[dim] = strides[dim + 1] * shape[dim + 1];
  for (int64_t dim = 0; dim < rank; ++dim) {
    // The smallest dilation group has floor(extent / d) tokens.
    if (getCausal()[dim] != 0 ||
        shape[dim] / getDilation()[dim] < getKernel()[dim])
      return failure();
  }
  // Offsets: every combination of m along each dimension.
  deltas.assign({0});
  for (int64_t dim = 0; dim < rank; ++dim) {
    SmallVector<int64_t> next;
    for (int64_t base : deltas)
      for (int64_t m = 0; m < getKernel()[dim]; ++m)
        next.push_back(base + m * getDilation()[dim] * strides[dim]);
    deltas = std::move(next);
  }
  llvm::sort(deltas);
  bases.clear();
  bases.reserve(lq);
  for (int64_t i = 0; i < lq; ++i) {
    int64_t rest = i, base = 0;
    for (int64_t dim = rank - 1; dim >= 0; --dim) {
      int64_t x = rest % shape[dim];
      rest /= shape[dim];
      int64_t k = getKernel()[dim], d = getDilation()[dim],
              t = getStride()[dim];
      int64_t g = x % d, xg = x / d;
      int64_t n = (shape[dim] - g + d - 1) / d;
      int64_t left = k / 2, right = k / 2 + k % 2 - 1;
      int64_t leader = std::min(xg / t * t + t / 2, n - 1);
      int64_t centre = std::min(std::max(leader, left), n - 1 - right);
      base += ((centre - left) * d + g) * strides[dim];
    }
    bases.push_back(base);
  }
  return success();
}

int64_t NeighborhoodAttr::getVisibleCount(int64_t i, int64_t lq,
                                          int64_t lk) const {
  int64_t count = 0;
  for (int64_t j = 0; j < lk; ++j)
    count += isVisible(i, j, lq, lk) ? 1 : 0;
  return count;
}

TileVisibility NeighborhoodAttr::classifyTile(int64_t qBegin, int64_t qEnd,
                                              int64_t kBegin, int64_t kEnd,
                                              int64_t lq, int64_t lk) const {
  return detail::classifyTileByEnumeration(*this, qBegin, qEnd, kBegin, kEnd,
                                           lq, lk);
}

//===----------------------------------------------------------------------===//
// BlockSparseAttr
//===----------------------------------------------------------------------===//

LogicalResult
BlockSparseAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        int64_t blockQ, int64_t blockK,
                        DenseIntElementsAttr layout) {
  if (blockQ < 1 || blockK < 1)
    return emitError() << "block_sparse block sizes must be positive, got ["
                       << blockQ << ", " << blockK << "]";
  if (!layout)
    return emitError() << "block_sparse requires a 'layout'";
  auto type = layout.getType();
  if (type.getRank() != 2 || !type.getElementType().isInteger(1))
    return emitError() << "block_sparse 'layout' must be a 2-D tensor of i1, "
                          "got "
                       << type;
  return success();
}

Attribute BlockSparseAttr::parse(AsmParser &parser, Type) {
  SmallVector<int64_t> block;
  DenseIntElementsAttr layout;
  SMLoc loc = parser.getCurrentLocation();
  if (parseKeyValueList(parser, "block_sparse", {"block", "layout"},
                        [&](StringRef key) -> ParseResult {
                          if (key == "block")
                            return parseIntList(parser, block);
                          return parser.parseAttribute(layout);
                        }))
    return {};
  if (block.size() != 2 || !layout) {
    parser.emitError(loc)
        << "#attn.block_sparse requires 'block = [bq, bk]' and 'layout'";
    return {};
  }
  return parser.getChecked<BlockSparseAttr>(loc, parser.getContext(), block[0],
                                            block[1], layout);
}

void BlockSparseAttr::print(AsmPrinter &printer) const {
  printer << "<block = [" << getBlockQ() << ", " << getBlockK()
          << "], layout = ";
  printer.printAttribute(getLayout());
  printer << ">";
}

int64_t BlockSparseAttr::getNumBlockRows() const {
  return getLayout().getType().getDimSize(0);
}

int64_t BlockSparseAttr::getNumBlockCols() const {
  return getLayout().getType().getDimSize(1);
}

bool BlockSparseAttr::isBlockVisible(int64_t blockRow, int64_t blockCol) const {
  if (getLayout().isSplat())
    return getLayout().getSplatValue<bool>();
  return getLayout().getValues<bool>()[blockRow * getNumBlockCols() + blockCol];
}

LogicalResult
BlockSparseAttr::verifyForShape(function_ref<InFlightDiagnostic()> emitError,
                                int64_t lq, int64_t lk) const {
  if (!ShapedType::isDynamic(lq) &&
      getNumBlockRows() != llvm::divideCeilSigned(lq, getBlockQ()))
    return emitError() << "block_sparse layout has " << getNumBlockRows()
                       << " block rows but ceil(" << lq << " / " << getBlockQ()
                       << ") = " << llvm::divideCeilSigned(lq, getBlockQ())
                       << " are needed";
  if (!ShapedType::isDynamic(lk) &&
      getNumBlockCols() != llvm::divideCeilSigned(lk, getBlockK()))
    return emitError() << "block_sparse layout has " << getNumBlockCols()
                       << " block columns but ceil(" << lk << " / "
                       << getBlockK()
                       << ") = " << llvm::divideCeilSigned(lk, getBlockK())
                       << " are needed";
  return success();
}

bool BlockSparseAttr::isVisible(int64_t i, int64_t j, int64_t, int64_t) const {
  return isBlockVisible(i / getBlockQ(), j / getBlockK());
}

Value BlockSparseAttr::buildIsVisible(OpBuilder &b, Location loc, Value i,
                                      Value j, Value, Value) const {
  // Look the block up in the layout, materialised as a constant tensor.
  Value layout = arith::ConstantOp::create(b, loc, getLayout());
  Value row =
      arith::DivSIOp::create(b, loc, i, indexConstant(b, loc, getBlockQ()));
  Value col =
      arith::DivSIOp::create(b, loc, j, indexConstant(b, loc, getBlockK()));
  return tensor::ExtractOp::create(b, loc, layout, ValueRange{row, col});
}

int64_t BlockSparseAttr::getVisibleCount(int64_t i, int64_t, int64_t lk) const {
  int64_t count = 0;
  int64_t blockRow = i / getBlockQ();
  for (int64_t c = 0; c < getNumBlockCols(); ++c)
    if (isBlockVisible(blockRow, c))
      count += std::max<int64_t>(0, std::min(lk, (c + 1) * getBlockK()) -
                                        c * getBlockK());
  return count;
}

TileVisibility BlockSparseAttr::classifyTile(int64_t qBegin, int64_t qEnd,
                                             int64_t kBegin, int64_t kEnd,
                                             int64_t, int64_t) const {
  if (qBegin >= qEnd || kBegin >= kEnd)
    return TileVisibility::Skipped;
  bool any = false, all = true;
  for (int64_t r = qBegin / getBlockQ(); r <= (qEnd - 1) / getBlockQ(); ++r)
    for (int64_t c = kBegin / getBlockK(); c <= (kEnd - 1) / getBlockK(); ++c) {
      bool v = isBlockVisible(r, c);
      any |= v;
      all &= v;
    }
  if (!any)
    return TileVisibility::Skipped;
  return all ? TileVisibility::Full : TileVisibility::Partial;
}

//===----------------------------------------------------------------------===//
// Normalizer helpers
//===----------------------------------------------------------------------===//

static const EnumParameterSyntax<SoftmaxAttr, SinkKind> softmaxSyntax{
    "sink", "sink", SinkKind::none, getMaxEnumValForSinkKind()};
static const EnumParameterSyntax<ReluAttr, ReluNorm> reluSyntax{
    "norm", "relu norm", ReluNorm::seq_len, getMaxEnumValForReluNorm()};

/// `m` with -inf replaced by 0, so that exp(s - m) never sees -inf - -inf.
static Value safeMax(OpBuilder &b, Location loc, Value m) {
  Value negInf = floatConstant(b, loc, m.getType(),
                               -std::numeric_limits<double>::infinity());
  Value isNegInf =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m, negInf);
  return arith::SelectOp::create(b, loc, isNegInf,
                                 floatConstant(b, loc, m.getType(), 0.0), m);
}

/// 1 / x where x > 0, else 0.
static Value safeReciprocal(OpBuilder &b, Location loc, Value x) {
  Type type = x.getType();
  Value zero = floatConstant(b, loc, type, 0.0);
  Value positive =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
  Value one = floatConstant(b, loc, type, 1.0);
  Value safeX = arith::SelectOp::create(b, loc, positive, x, one);
  Value recip = arith::DivFOp::create(b, loc, one, safeX);
  return arith::SelectOp::create(b, loc, positive, recip, zero);
}

static Value oneLike(OpBuilder &b, Location loc, Value v) {
  return floatConstant(b, loc, v.getType(), 1.0);
}

//===----------------------------------------------------------------------===//
// SoftmaxAttr
//===----------------------------------------------------------------------===//

Attribute SoftmaxAttr::parse(AsmParser &parser, Type) {
  return softmaxSyntax.parse(parser);
}

void SoftmaxAttr::print(AsmPrinter &printer) const {
  softmaxSyntax.print(printer, getSink());
}

bool SoftmaxAttr::isPlainSoftmax() const { return getSink() == SinkKind::none; }

std::optional<SinkOperandForm> SoftmaxAttr::getSinkOperandForm() const {
  switch (getSink()) {
  case SinkKind::learned:
    // Already reads the sink operand.
    return std::nullopt;
  case SinkKind::zero:
    return SinkOperandForm{SoftmaxAttr::get(getContext(), SinkKind::learned),
                           0.0};
  case SinkKind::none:
    // exp(-inf) = 0: a learned sink of -inf is plain softmax.
    return SinkOperandForm{SoftmaxAttr::get(getContext(), SinkKind::learned),
                           -std::numeric_limits<double>::infinity()};
  }
  llvm_unreachable("unknown sink kind");
}

bool SoftmaxAttr::usesRunningMax() const { return true; }
bool SoftmaxAttr::requiresSinkOperand() const {
  return getSink() == SinkKind::learned;
}

Value SoftmaxAttr::buildInitialMax(OpBuilder &b, Location loc, Type type,
                                   Value sink) const {
  switch (getSink()) {
  case SinkKind::learned:
    assert(sink && sink.getType() == type && "learned sink needs its logit");
    return sink;
  case SinkKind::zero:
    return floatConstant(b, loc, type, 0.0);
  case SinkKind::none:
    break;
  }
  return floatConstant(b, loc, type, -std::numeric_limits<double>::infinity());
}

Value SoftmaxAttr::buildInitialSum(OpBuilder &b, Location loc,
                                   Type type) const {
  return floatConstant(b, loc, type, getSink() == SinkKind::none ? 0.0 : 1.0);
}

/// min(x, largest finite float): a logit that overflowed to +inf counts as
/// the largest one, so that `s - m` is never inf - inf (NaN). The row's
/// weight then goes evenly to its +inf logits, the limit of the softmax.
static Value saturate(OpBuilder &b, Location loc, Value x) {
  auto floatType = cast<FloatType>(getElementTypeOrSelf(x.getType()));
  Value largest =
      floatConstant(b, loc, x.getType(),
                    llvm::APFloat::getLargest(floatType.getFloatSemantics())
                        .convertToDouble());
  return arith::MinimumFOp::create(b, loc, x, largest);
}

Value SoftmaxAttr::buildWeight(OpBuilder &b, Location loc, Value s, Value m,
                               Value, Value) const {
  Value shifted = arith::SubFOp::create(b, loc, saturate(b, loc, s),
                                        safeMax(b, loc, saturate(b, loc, m)));
  return math::ExpOp::create(b, loc, shifted);
}

Value SoftmaxAttr::buildRescale(OpBuilder &b, Location loc, Value mOld,
                                Value mNew, Value) const {
  Value shifted = arith::SubFOp::create(
      b, loc, saturate(b, loc, mOld), safeMax(b, loc, saturate(b, loc, mNew)));
  return math::ExpOp::create(b, loc, shifted);
}

bool SoftmaxAttr::hasLogSumExp() const { return true; }

/// m + log(l), with m saturated as in the weights (l counts exp(s - m) for
/// the saturated m). A row that saw nothing has m = -inf: the result is
/// -inf whether l is 0 (no sink) or 1 (a sink of -inf).
Value SoftmaxAttr::buildLogSumExp(OpBuilder &b, Location loc, Value m,
                                  Value l) const {
  Value logL = math::LogOp::create(b, loc, l);
  return arith::AddFOp::create(b, loc, saturate(b, loc, m), logL);
}

Value SoftmaxAttr::buildFinalScale(OpBuilder &b, Location loc, Value l, Value,
                                   Value) const {
  return safeReciprocal(b, loc, l);
}

//===----------------------------------------------------------------------===//
// ReluAttr
//===----------------------------------------------------------------------===//

Attribute ReluAttr::parse(AsmParser &parser, Type) {
  return reluSyntax.parse(parser);
}

void ReluAttr::print(AsmPrinter &printer) const {
  reluSyntax.print(printer, getNorm());
}

bool ReluAttr::usesRunningMax() const { return false; }
bool ReluAttr::needsVisibleCount() const {
  return getNorm() == ReluNorm::visible;
}

Value ReluAttr::buildWeight(OpBuilder &b, Location loc, Value s, Value, Value,
                            Value) const {
  return arith::MaximumFOp::create(b, loc, s,
                                   floatConstant(b, loc, s.getType(), 0.0));
}

Value ReluAttr::buildFinalScale(OpBuilder &b, Location loc, Value l,
                                Value count, Value lk) const {
  switch (getNorm()) {
  case ReluNorm::seq_len:
    return safeReciprocal(b, loc, lk);
  case ReluNorm::visible:
    return safeReciprocal(b, loc, count);
  case ReluNorm::none:
    break;
  }
  return oneLike(b, loc, l);
}

//===----------------------------------------------------------------------===//
// SigmoidAttr
//===----------------------------------------------------------------------===//

Attribute SigmoidAttr::parse(AsmParser &parser, Type) {
  FloatAttr bias;
  SMLoc loc = parser.getCurrentLocation();
  if (parseOptionalKeyValueList(
          parser, "sigmoid", {"bias"}, [&](StringRef) -> ParseResult {
            double v;
            if (parser.parseFloat(v))
              return failure();
            bias = FloatAttr::get(Float32Type::get(parser.getContext()), v);
            return success();
          }))
    return {};
  return parser.getChecked<SigmoidAttr>(loc, parser.getContext(), bias);
}

LogicalResult SigmoidAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  FloatAttr bias) {
  if (bias && !std::isfinite(bias.getValueAsDouble()))
    return emitError() << "sigmoid 'bias' must be finite, got "
                       << bias.getValueAsDouble();
  return success();
}

void SigmoidAttr::print(AsmPrinter &printer) const {
  if (getBias()) {
    printer << "<bias = ";
    printer.printFloat(getBias().getValue());
    printer << ">";
  }
}

bool SigmoidAttr::usesRunningMax() const { return false; }

Value SigmoidAttr::buildWeight(OpBuilder &b, Location loc, Value s, Value,
                               Value, Value lk) const {
  Type type = s.getType();
  Value bias;
  if (getBias())
    bias = floatConstant(b, loc, type, getBias().getValueAsDouble());
  else
    bias = arith::NegFOp::create(b, loc, math::LogOp::create(b, loc, lk));
  Value x = arith::AddFOp::create(b, loc, s, bias);
  Value negExp = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  Value one = floatConstant(b, loc, type, 1.0);
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, negExp));
}

Value SigmoidAttr::buildFinalScale(OpBuilder &b, Location loc, Value l, Value,
                                   Value) const {
  return oneLike(b, loc, l);
}

//===----------------------------------------------------------------------===//
// SoftplusL1Attr
//===----------------------------------------------------------------------===//

LogicalResult
SoftplusL1Attr::verify(function_ref<InFlightDiagnostic()> emitError,
                       IntegerAttr trainLen) {
  if (trainLen && trainLen.getInt() < 2)
    return emitError() << "softplus_l1 'train_len' must be at least 2, got "
                       << trainLen.getInt();
  return success();
}

Attribute SoftplusL1Attr::parse(AsmParser &parser, Type) {
  IntegerAttr trainLen;
  SMLoc loc = parser.getCurrentLocation();
  if (parseOptionalKeyValueList(
          parser, "softplus_l1", {"train_len"}, [&](StringRef) -> ParseResult {
            int64_t v;
            if (parser.parseInteger(v))
              return failure();
            trainLen =
                IntegerAttr::get(IntegerType::get(parser.getContext(), 64), v);
            return success();
          }))
    return {};
  return parser.getChecked<SoftplusL1Attr>(loc, parser.getContext(), trainLen);
}

void SoftplusL1Attr::print(AsmPrinter &printer) const {
  if (getTrainLen())
    printer << "<train_len = " << getTrainLen().getInt() << ">";
}

bool SoftplusL1Attr::usesRunningMax() const { return true; }
bool SoftplusL1Attr::needsVisibleCount() const {
  return static_cast<bool>(getTrainLen());
}

/// lambda * x, with lambda = max(ln(n) / ln(N0), 0) when train_len is set (a
/// row with no visible key gets 0, not -inf, so nothing becomes NaN).
static Value softplusArgument(OpBuilder &b, Location loc, IntegerAttr trainLen,
                              Value x, Value count) {
  if (!trainLen)
    return x;
  Type type = x.getType();
  double invLogN0 = 1.0 / std::log(static_cast<double>(trainLen.getInt()));
  Value lambda =
      arith::MulFOp::create(b, loc, math::LogOp::create(b, loc, count),
                            floatConstant(b, loc, type, invLogN0));
  lambda = arith::MaximumFOp::create(b, loc, lambda,
                                     floatConstant(b, loc, type, 0.0));
  return arith::MulFOp::create(b, loc, lambda, x);
}

/// ln(softplus(x)) without underflow: for x < -20, ln(softplus(x)) = x -
/// exp(x)/2 + O(exp(2x)) equals x in f32 and f64 alike; above that,
/// softplus(x) = max(x, 0) + log1p(exp(-|x|)) is at least 2e-9.
static Value logSoftplus(OpBuilder &b, Location loc, Value x) {
  Type type = x.getType();
  Value zero = floatConstant(b, loc, type, 0.0);
  Value pos = arith::MaximumFOp::create(b, loc, x, zero);
  Value negAbs = arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x));
  Value tail =
      math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, negAbs));
  Value direct =
      math::LogOp::create(b, loc, arith::AddFOp::create(b, loc, pos, tail));
  Value farLeft = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                        floatConstant(b, loc, type, -20.0));
  return arith::SelectOp::create(b, loc, farLeft, x, direct);
}

// softplus(x_j) / sum_k softplus(x_k) is evaluated as a softmax over
// ln(softplus(x_j)): the running maximum is kept on the raw logits (lambda >=
// 0 and ln(softplus) are monotone), so weight and rescale are differences of
// ln(softplus) at the logit and at the maximum. Terms that underflow as plain
// softplus keep their exact ratios.
Value SoftplusL1Attr::buildWeight(OpBuilder &b, Location loc, Value s, Value m,
                                  Value count, Value) const {
  Value ls =
      logSoftplus(b, loc, softplusArgument(b, loc, getTrainLen(), s, count));
  Value lm = logSoftplus(
      b, loc,
      softplusArgument(b, loc, getTrainLen(), safeMax(b, loc, m), count));
  return math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, ls, lm));
}

Value SoftplusL1Attr::buildRescale(OpBuilder &b, Location loc, Value mOld,
                                   Value mNew, Value count) const {
  // mOld <= mNew, so the factor is at most 1. A state that has seen no
  // visible logit yet (mOld = -inf, l = acc = 0) gets 0, as softmax's does;
  // lambda * -inf is not formed (it is NaN when lambda = 0).
  Type type = mOld.getType();
  Value lo = logSoftplus(
      b, loc,
      softplusArgument(b, loc, getTrainLen(), safeMax(b, loc, mOld), count));
  Value ln = logSoftplus(
      b, loc,
      softplusArgument(b, loc, getTrainLen(), safeMax(b, loc, mNew), count));
  Value factor =
      math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, lo, ln));
  Value empty = arith::CmpFOp::create(
      b, loc, arith::CmpFPredicate::OEQ, mOld,
      floatConstant(b, loc, type, -std::numeric_limits<double>::infinity()));
  return arith::SelectOp::create(b, loc, empty,
                                 floatConstant(b, loc, type, 0.0), factor);
}

Value SoftplusL1Attr::buildFinalScale(OpBuilder &b, Location loc, Value l,
                                      Value, Value) const {
  return safeReciprocal(b, loc, l);
}

//===----------------------------------------------------------------------===//
// ActAttr
//===----------------------------------------------------------------------===//

LogicalResult ActAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                              APFloat thresholdValue, APFloat factorValue) {
  double threshold = thresholdValue.convertToDouble();
  double factor = factorValue.convertToDouble();
  if (!std::isfinite(threshold) || !(threshold > 0))
    return emitError() << "act 'threshold' must be a positive finite number, "
                          "got "
                       << threshold;
  if (!std::isfinite(factor) || !(factor >= 0))
    return emitError() << "act 'factor' must be a finite number >= 0, got "
                       << factor;
  return success();
}

Attribute ActAttr::parse(AsmParser &parser, Type) {
  std::optional<double> threshold, factor;
  SMLoc loc = parser.getCurrentLocation();
  if (parseKeyValueList(parser, "act", {"threshold", "factor"},
                        [&](StringRef key) -> ParseResult {
                          double v;
                          if (parser.parseFloat(v))
                            return failure();
                          (key == "threshold" ? threshold : factor) = v;
                          return success();
                        }))
    return {};
  if (!threshold || !factor)
    return parser.emitError(loc)
               << "#attn.act needs both 'threshold' and 'factor'",
           Attribute();
  return parser.getChecked<ActAttr>(loc, parser.getContext(),
                                    APFloat(*threshold), APFloat(*factor));
}

void ActAttr::print(AsmPrinter &printer) const {
  printer << "<threshold = ";
  printer.printFloat(getThreshold());
  printer << ", factor = ";
  printer.printFloat(getFactor());
  printer << ">";
}

// The streaming part is plain softmax; the calibration runs on top of it.
static SoftmaxAttr plainSoftmax(MLIRContext *context) {
  return SoftmaxAttr::get(context, SinkKind::none);
}
bool ActAttr::usesRunningMax() const { return true; }
Value ActAttr::buildInitialMax(OpBuilder &b, Location loc, Type type,
                               Value sink) const {
  return plainSoftmax(getContext()).buildInitialMax(b, loc, type, sink);
}
Value ActAttr::buildInitialSum(OpBuilder &b, Location loc, Type type) const {
  return plainSoftmax(getContext()).buildInitialSum(b, loc, type);
}
Value ActAttr::buildWeight(OpBuilder &b, Location loc, Value s, Value m,
                           Value count, Value lk) const {
  return plainSoftmax(getContext()).buildWeight(b, loc, s, m, count, lk);
}
Value ActAttr::buildRescale(OpBuilder &b, Location loc, Value mOld, Value mNew,
                            Value count) const {
  return plainSoftmax(getContext()).buildRescale(b, loc, mOld, mNew, count);
}
Value ActAttr::buildFinalScale(OpBuilder &b, Location loc, Value l, Value count,
                               Value lk) const {
  return plainSoftmax(getContext()).buildFinalScale(b, loc, l, count, lk);
}
std::optional<std::pair<double, double>>
ActAttr::getColumnRecalibration() const {
  return std::make_pair(getThreshold().convertToDouble(),
                        getFactor().convertToDouble());
}
