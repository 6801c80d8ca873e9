//===- ElementType.cpp - Element types of host arrays ---------------------===//

#include "attn/Support/ElementType.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <iterator>

using namespace attn;

namespace {

/// What host code knows of one element type.
struct ElementTypeFacts {
  ElementType type;
  /// MLIR spelling, NumPy dtype name and .npy descr ("" where .npy has none).
  const char *mlirName, *numpyName, *npyDescr;
  unsigned byteSize;
  /// APFloat semantics of a float type; null for integer types.
  const llvm::fltSemantics &(*semantics)();
};

/// One row per ElementType, in the order of the enum.
constexpr ElementTypeFacts kFacts[] = {
    {ElementType::Bool, "i1", "bool", "|b1", 1, nullptr},
    {ElementType::I8, "i8", "int8", "|i1", 1, nullptr},
    {ElementType::U8, "ui8", "uint8", "|u1", 1, nullptr},
    {ElementType::I32, "i32", "int32", "<i4", 4, nullptr},
    {ElementType::I64, "i64", "int64", "<i8", 8, nullptr},
    {ElementType::Index, "index", "int64", "<i8", 8, nullptr},
    {ElementType::F16, "f16", "float16", "<f2", 2, &llvm::APFloat::IEEEhalf},
    {ElementType::BF16, "bf16", "bfloat16", "", 2, &llvm::APFloat::BFloat},
    {ElementType::F32, "f32", "float32", "<f4", 4, &llvm::APFloat::IEEEsingle},
    {ElementType::F64, "f64", "float64", "<f8", 8, &llvm::APFloat::IEEEdouble},
};

constexpr bool rowsFollowTheEnum() {
  for (unsigned row = 0; row < std::size(kFacts); ++row)
    if (kFacts[row].type != static_cast<ElementType>(row))
      return false;
  return std::size(kFacts) == static_cast<unsigned>(ElementType::F64) + 1;
}
static_assert(rowsFollowTheEnum(), "one row per ElementType, in enum order");

const ElementTypeFacts &factsOf(ElementType type) {
  return kFacts[static_cast<unsigned>(type)];
}

} // namespace

unsigned attn::getByteSize(ElementType type) { return factsOf(type).byteSize; }

bool attn::isFloat(ElementType type) {
  return factsOf(type).semantics != nullptr;
}

llvm::StringRef attn::getMLIRName(ElementType type) {
  return factsOf(type).mlirName;
}

llvm::StringRef attn::getNumpyName(ElementType type) {
  return factsOf(type).numpyName;
}

llvm::StringRef attn::getNpyDescr(ElementType type) {
  return factsOf(type).npyDescr;
}

const llvm::fltSemantics *attn::getFloatSemantics(ElementType type) {
  auto semantics = factsOf(type).semantics;
  return semantics ? &semantics() : nullptr;
}

std::optional<ElementType> attn::getElementType(mlir::Type type) {
  if (type.isF32())
    return ElementType::F32;
  if (type.isF16())
    return ElementType::F16;
  if (type.isBF16())
    return ElementType::BF16;
  if (type.isF64())
    return ElementType::F64;
  if (type.isIndex())
    return ElementType::Index;
  auto intType = llvm::dyn_cast<mlir::IntegerType>(type);
  if (!intType)
    return std::nullopt;
  if (intType.isUnsigned())
    return intType.getWidth() == 8 ? std::optional(ElementType::U8)
                                   : std::nullopt;
  switch (intType.getWidth()) {
  case 1:
    return ElementType::Bool;
  case 8:
    return ElementType::I8;
  case 32:
    return ElementType::I32;
  case 64:
    return ElementType::I64;
  default:
    return std::nullopt;
  }
}

namespace {

/// `value` converted to the 16-bit format `semantics`, as its bit pattern.
uint16_t floatTo16Bits(float value, const llvm::fltSemantics &semantics) {
  llvm::APFloat converted(value);
  bool losesInfo = false;
  (void)converted.convert(semantics, llvm::APFloat::rmNearestTiesToEven,
                          &losesInfo);
  return static_cast<uint16_t>(converted.bitcastToAPInt().getZExtValue());
}

/// A 16-bit pattern of `semantics` as a float (exact).
float bits16ToFloat(uint16_t bits, const llvm::fltSemantics &semantics) {
  llvm::APFloat value(semantics, llvm::APInt(16, bits));
  bool losesInfo = false;
  (void)value.convert(llvm::APFloat::IEEEsingle(),
                      llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return value.convertToFloat();
}

template <typename T> T load(const void *data, int64_t index) {
  T value;
  std::memcpy(&value, static_cast<const char *>(data) + index * sizeof(T),
              sizeof(T));
  return value;
}

template <typename T> void store(void *data, int64_t index, T value) {
  std::memcpy(static_cast<char *>(data) + index * sizeof(T), &value, sizeof(T));
}

} // namespace

float attn::halfBitsToFloat(uint16_t bits) {
  return bits16ToFloat(bits, llvm::APFloat::IEEEhalf());
}

uint16_t attn::floatToHalfBits(float value) {
  return floatTo16Bits(value, llvm::APFloat::IEEEhalf());
}

float attn::bf16BitsToFloat(uint16_t bits) {
  return bits16ToFloat(bits, llvm::APFloat::BFloat());
}

uint16_t attn::floatToBF16Bits(float value) {
  return floatTo16Bits(value, llvm::APFloat::BFloat());
}

double attn::roundToFloatType(double value, ElementType type) {
  switch (type) {
  case ElementType::F32:
    // Converting a finite double beyond the float range is undefined in C++.
    if (!std::isfinite(value) || std::fabs(value) <= double(FLT_MAX))
      return static_cast<double>(static_cast<float>(value));
    break;
  case ElementType::F16:
  case ElementType::BF16:
    if (value == 0.0 || !std::isfinite(value))
      return value;
    break;
  default:
    return value;
  }
  llvm::APFloat rounded(value);
  bool losesInfo = false;
  (void)rounded.convert(*getFloatSemantics(type),
                        llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  (void)rounded.convert(llvm::APFloat::IEEEdouble(),
                        llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return rounded.convertToDouble();
}

uint64_t attn::getFloatBits(double value, ElementType type) {
  if (type == ElementType::F64) {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    return bits;
  }
  const llvm::fltSemantics *semantics = getFloatSemantics(type);
  if (!semantics)
    return 0;
  llvm::APFloat converted(value);
  bool losesInfo = false;
  (void)converted.convert(*semantics, llvm::APFloat::rmNearestTiesToEven,
                          &losesInfo);
  return converted.bitcastToAPInt().getZExtValue();
}

double attn::getFloatFromBits(uint64_t bits, ElementType type) {
  const llvm::fltSemantics *semantics = getFloatSemantics(type);
  if (!semantics)
    return 0.0;
  unsigned width = llvm::APFloat::getSizeInBits(*semantics);
  llvm::APFloat value(*semantics, llvm::APInt(width, bits));
  bool losesInfo = false;
  (void)value.convert(llvm::APFloat::IEEEdouble(),
                      llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return value.convertToDouble();
}

double attn::loadAsDouble(ElementType type, const void *data, int64_t index) {
  switch (type) {
  case ElementType::Bool:
    return load<uint8_t>(data, index) ? 1.0 : 0.0;
  case ElementType::I8:
    return load<int8_t>(data, index);
  case ElementType::U8:
    return load<uint8_t>(data, index);
  case ElementType::I32:
    return load<int32_t>(data, index);
  case ElementType::I64:
  case ElementType::Index:
    return static_cast<double>(load<int64_t>(data, index));
  case ElementType::F16:
    return halfBitsToFloat(load<uint16_t>(data, index));
  case ElementType::BF16:
    return bf16BitsToFloat(load<uint16_t>(data, index));
  case ElementType::F32:
    return load<float>(data, index);
  case ElementType::F64:
    return load<double>(data, index);
  }
  return 0.0;
}

void attn::storeFromDouble(ElementType type, void *data, int64_t index,
                           double value) {
  switch (type) {
  case ElementType::Bool:
    return store<uint8_t>(data, index, value != 0.0 ? 1 : 0);
  case ElementType::I8:
    return store<int8_t>(data, index, static_cast<int8_t>(value));
  case ElementType::U8:
    return store<uint8_t>(data, index, static_cast<uint8_t>(value));
  case ElementType::I32:
    return store<int32_t>(data, index, static_cast<int32_t>(value));
  case ElementType::I64:
  case ElementType::Index:
    return store<int64_t>(data, index, static_cast<int64_t>(value));
  case ElementType::F16:
    return store<uint16_t>(data, index,
                           floatToHalfBits(static_cast<float>(value)));
  case ElementType::BF16:
    return store<uint16_t>(data, index,
                           floatToBF16Bits(static_cast<float>(value)));
  case ElementType::F32:
    return store<float>(data, index, static_cast<float>(value));
  case ElementType::F64:
    return store<double>(data, index, value);
  }
}
