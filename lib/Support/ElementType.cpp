//===- ElementType.cpp - Element types of host arrays ---------------------===//

#include "attn/Support/ElementType.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cfloat>
#include <cmath>
#include <cstring>

using namespace attn;

unsigned attn::getByteSize(ElementType type) {
  switch (type) {
  case ElementType::Bool:
  case ElementType::I8:
  case ElementType::U8:
    return 1;
  case ElementType::F16:
  case ElementType::BF16:
    return 2;
  case ElementType::I32:
  case ElementType::F32:
    return 4;
  case ElementType::I64:
  case ElementType::Index:
  case ElementType::F64:
    return 8;
  }
  return 1;
}

bool attn::isFloat(ElementType type) {
  return type == ElementType::F16 || type == ElementType::BF16 ||
         type == ElementType::F32 || type == ElementType::F64;
}

llvm::StringRef attn::getMLIRName(ElementType type) {
  switch (type) {
  case ElementType::Bool:
    return "i1";
  case ElementType::I8:
    return "i8";
  case ElementType::U8:
    return "ui8";
  case ElementType::I32:
    return "i32";
  case ElementType::I64:
    return "i64";
  case ElementType::Index:
    return "index";
  case ElementType::F16:
    return "f16";
  case ElementType::BF16:
    return "bf16";
  case ElementType::F32:
    return "f32";
  case ElementType::F64:
    return "f64";
  }
  return "?";
}

llvm::StringRef attn::getNumpyName(ElementType type) {
  switch (type) {
  case ElementType::Bool:
    return "bool";
  case ElementType::I8:
    return "int8";
  case ElementType::U8:
    return "uint8";
  case ElementType::I32:
    return "int32";
  case ElementType::I64:
  case ElementType::Index:
    return "int64";
  case ElementType::F16:
    return "float16";
  case ElementType::BF16:
    return "bfloat16";
  case ElementType::F32:
    return "float32";
  case ElementType::F64:
    return "float64";
  }
  return "?";
}

const llvm::fltSemantics *attn::getFloatSemantics(ElementType type) {
  switch (type) {
  case ElementType::F16:
    return &llvm::APFloat::IEEEhalf();
  case ElementType::BF16:
    return &llvm::APFloat::BFloat();
  case ElementType::F32:
    return &llvm::APFloat::IEEEsingle();
  case ElementType::F64:
    return &llvm::APFloat::IEEEdouble();
  default:
    return nullptr;
  }
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
