//===- ElementTypeTest.cpp - Tests of the shared element types ------------===//
//
// The APFloat-based conversions are checked against the hand-written bit
// manipulations attn-run used before (kept here as the reference), over
// every half / bfloat16 bit pattern and a sweep of float bit patterns, and
// on the cases that matter: ties, overflow, subnormals, infinities, NaN.
//
//===----------------------------------------------------------------------===//

#include "attn/Support/ElementType.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace attn;

namespace {

//===----------------------------------------------------------------------===//
// The former hand-written conversions (the behaviour to keep)
//===----------------------------------------------------------------------===//

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

float oldHalfToFloat(uint16_t half) {
  uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  uint32_t exponent = (half >> 10) & 0x1fu;
  uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0) {
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1f)
    return floatOf(sign | 0x7f800000u | (mantissa << 13));
  return floatOf(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t oldFloatToHalf(float value) {
  uint32_t bits = bitsOf(value);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u)
    return sign | 0x7e00u | ((magnitude >> 13) & 0x3ffu);
  if (magnitude >= 0x477ff000u)
    return sign | 0x7c00u;
  if (magnitude < 0x38800000u) {
    float scaled = std::ldexp(std::fabs(value), 24);
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  uint32_t exponent = (magnitude >> 23) - 127 + 15;
  uint32_t mantissa = magnitude & 0x7fffffu;
  uint32_t half = (exponent << 10) | (mantissa >> 13);
  uint32_t remainder = mantissa & 0x1fffu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1u)))
    ++half;
  return sign | static_cast<uint16_t>(half);
}

float oldBF16ToFloat(uint16_t value) {
  return floatOf(static_cast<uint32_t>(value) << 16);
}

uint16_t oldFloatToBF16(float value) {
  uint32_t bits = bitsOf(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x40u);
  uint32_t lsb = (bits >> 16) & 1u;
  bits += 0x7fffu + lsb;
  return static_cast<uint16_t>(bits >> 16);
}

bool isHalfNaN(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu); }
bool isBF16NaN(uint16_t b) { return (b & 0x7f80u) == 0x7f80u && (b & 0x7fu); }

/// Same float, or both NaN.
void expectSameFloat(float got, float want, uint32_t input) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << "input 0x" << std::hex << input;
    return;
  }
  EXPECT_EQ(bitsOf(got), bitsOf(want)) << "input 0x" << std::hex << input;
}

//===----------------------------------------------------------------------===//
// 16-bit formats to float: exhaustive
//===----------------------------------------------------------------------===//

TEST(ElementTypeTest, HalfToFloatMatchesOldOnEveryPattern) {
  for (uint32_t h = 0; h <= 0xffffu; ++h)
    expectSameFloat(halfBitsToFloat(h), oldHalfToFloat(h), h);
}

TEST(ElementTypeTest, BF16ToFloatMatchesOldOnEveryPattern) {
  for (uint32_t b = 0; b <= 0xffffu; ++b)
    expectSameFloat(bf16BitsToFloat(b), oldBF16ToFloat(b), b);
}

//===----------------------------------------------------------------------===//
// float to 16-bit formats: a sweep and the edge cases
//===----------------------------------------------------------------------===//

/// Compares with the old conversion; NaNs need only stay NaN of the sign.
void checkToHalf(float value) {
  uint16_t got = floatToHalfBits(value), want = oldFloatToHalf(value);
  if (std::isnan(value)) {
    EXPECT_TRUE(isHalfNaN(got)) << value;
    EXPECT_EQ(got & 0x8000u, want & 0x8000u);
    return;
  }
  EXPECT_EQ(got, want) << "float bits 0x" << std::hex << bitsOf(value);
}

void checkToBF16(float value) {
  uint16_t got = floatToBF16Bits(value), want = oldFloatToBF16(value);
  if (std::isnan(value)) {
    EXPECT_TRUE(isBF16NaN(got)) << value;
    EXPECT_EQ(got & 0x8000u, want & 0x8000u);
    return;
  }
  EXPECT_EQ(got, want) << "float bits 0x" << std::hex << bitsOf(value);
}

TEST(ElementTypeTest, FloatTo16BitsMatchesOldOnASweep) {
  // A step coprime with 2^32 reaches every exponent and many mantissas,
  // including NaN payloads and subnormal floats.
  for (uint64_t bits = 0; bits <= 0xffffffffull; bits += 40009) {
    float value = floatOf(static_cast<uint32_t>(bits));
    checkToHalf(value);
    checkToBF16(value);
  }
}

TEST(ElementTypeTest, FloatToHalfEdgeCases) {
  // Ties round to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10.
  EXPECT_EQ(floatToHalfBits(1.0f + 0x1p-11f), 0x3c00u);
  EXPECT_EQ(floatToHalfBits(1.0f + 3 * 0x1p-11f), 0x3c02u);
  // The largest half, the last value that rounds to it, overflow.
  EXPECT_EQ(floatToHalfBits(65504.0f), 0x7bffu);
  EXPECT_EQ(floatToHalfBits(65519.99f), 0x7bffu);
  EXPECT_EQ(floatToHalfBits(65520.0f), 0x7c00u);
  EXPECT_EQ(floatToHalfBits(-1e6f), 0xfc00u);
  // Subnormals: 2^-24 is the smallest; 2^-25 is a tie with zero (to even),
  // 3 * 2^-26 rounds up to 2^-24; the largest subnormal and the smallest
  // normal.
  EXPECT_EQ(floatToHalfBits(0x1p-24f), 0x0001u);
  EXPECT_EQ(floatToHalfBits(0x1p-25f), 0x0000u);
  EXPECT_EQ(floatToHalfBits(3 * 0x1p-26f), 0x0001u);
  EXPECT_EQ(floatToHalfBits(1023 * 0x1p-24f), 0x03ffu);
  EXPECT_EQ(floatToHalfBits(0x1p-14f), 0x0400u);
  EXPECT_EQ(floatToHalfBits(-0.0f), 0x8000u);
  EXPECT_EQ(halfBitsToFloat(0x0001u), 0x1p-24f);
  EXPECT_EQ(halfBitsToFloat(0x03ffu), 1023 * 0x1p-24f);
  // Infinities and NaN.
  float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(floatToHalfBits(inf), 0x7c00u);
  EXPECT_EQ(floatToHalfBits(-inf), 0xfc00u);
  EXPECT_TRUE(isHalfNaN(floatToHalfBits(std::nanf(""))));
  EXPECT_EQ(halfBitsToFloat(0x7c00u), inf);
  EXPECT_TRUE(std::isnan(halfBitsToFloat(0x7e00u)));
  for (float value : {1.0f + 0x1p-11f, 65520.0f, 0x1p-25f, 3 * 0x1p-26f, -0.0f,
                      inf, -inf, std::nanf("")})
    checkToHalf(value);
}

TEST(ElementTypeTest, FloatToBF16EdgeCases) {
  // Ties to even: 1 + 2^-8 is halfway between 1 and 1 + 2^-7.
  EXPECT_EQ(floatToBF16Bits(1.0f + 0x1p-8f), 0x3f80u);
  EXPECT_EQ(floatToBF16Bits(1.0f + 3 * 0x1p-8f), 0x3f82u);
  // The largest float rounds up to infinity in bfloat16.
  EXPECT_EQ(floatToBF16Bits(std::numeric_limits<float>::max()), 0x7f80u);
  // Subnormal floats stay subnormal bfloat16s.
  EXPECT_EQ(floatToBF16Bits(0x1p-133f), 0x0001u);
  EXPECT_EQ(floatToBF16Bits(-std::numeric_limits<float>::infinity()), 0xff80u);
  EXPECT_TRUE(isBF16NaN(floatToBF16Bits(std::nanf(""))));
  EXPECT_EQ(bf16BitsToFloat(0x3f80u), 1.0f);
  for (float value : {1.0f + 0x1p-8f, std::numeric_limits<float>::max(),
                      0x1p-133f, std::nanf("")})
    checkToBF16(value);
}

//===----------------------------------------------------------------------===//
// Doubles, bits, memory and MLIR types
//===----------------------------------------------------------------------===//

TEST(ElementTypeTest, RoundToFloatType) {
  // 0.1 rounded to f16 is 0x2e66 = 0.0999755859375.
  EXPECT_EQ(roundToFloatType(0.1, ElementType::F16), 0.0999755859375);
  EXPECT_EQ(roundToFloatType(0.1, ElementType::F32), double(0.1f));
  EXPECT_EQ(roundToFloatType(0.1, ElementType::F64), 0.1);
  EXPECT_EQ(roundToFloatType(0.1, ElementType::BF16),
            double(bf16BitsToFloat(floatToBF16Bits(0.1f))));
  // Beyond the float range: infinity, not undefined behaviour.
  EXPECT_EQ(roundToFloatType(1e300, ElementType::F32),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(roundToFloatType(70000.0, ElementType::F16),
            std::numeric_limits<double>::infinity());
  // A double just above a half tie rounds up; the float-first path would
  // have rounded it to the tie and then to even.
  double aboveTie = 1.0 + 0x1p-11 + 0x1p-40;
  EXPECT_EQ(roundToFloatType(aboveTie, ElementType::F16), 1.0 + 0x1p-10);
  EXPECT_TRUE(std::isnan(roundToFloatType(NAN, ElementType::BF16)));
}

TEST(ElementTypeTest, FloatBitsRoundTrip) {
  EXPECT_EQ(getFloatBits(1.0, ElementType::F16), 0x3c00u);
  EXPECT_EQ(getFloatBits(1.0, ElementType::BF16), 0x3f80u);
  EXPECT_EQ(getFloatBits(1.0, ElementType::F32), 0x3f800000u);
  EXPECT_EQ(getFloatBits(1.0, ElementType::F64), 0x3ff0000000000000ull);
  for (ElementType type : {ElementType::F16, ElementType::BF16,
                           ElementType::F32, ElementType::F64})
    for (double value : {0.0, -2.5, 0.1, 1e-7, 1024.0})
      EXPECT_EQ(getFloatFromBits(getFloatBits(value, type), type),
                roundToFloatType(value, type))
          << getMLIRName(type).str() << " " << value;
}

TEST(ElementTypeTest, LoadAndStore) {
  alignas(8) char buffer[64] = {};
  storeFromDouble(ElementType::F16, buffer, 3, 0.5);
  EXPECT_EQ(loadAsDouble(ElementType::F16, buffer, 3), 0.5);
  storeFromDouble(ElementType::BF16, buffer, 1, 3.0);
  EXPECT_EQ(loadAsDouble(ElementType::BF16, buffer, 1), 3.0);
  storeFromDouble(ElementType::Bool, buffer, 5, -2.0);
  EXPECT_EQ(buffer[5], 1);
  storeFromDouble(ElementType::I32, buffer, 2, -7.9);
  EXPECT_EQ(loadAsDouble(ElementType::I32, buffer, 2), -7.0);
  storeFromDouble(ElementType::Index, buffer, 1, 123456789.0);
  EXPECT_EQ(loadAsDouble(ElementType::Index, buffer, 1), 123456789.0);
  EXPECT_EQ(getByteSize(ElementType::Bool), 1u);
  EXPECT_EQ(getByteSize(ElementType::BF16), 2u);
  EXPECT_EQ(getByteSize(ElementType::Index), 8u);
  EXPECT_TRUE(isFloat(ElementType::BF16));
  EXPECT_FALSE(isFloat(ElementType::Index));
  EXPECT_EQ(getNumpyName(ElementType::Bool), "bool");
  EXPECT_EQ(getNumpyName(ElementType::F16), "float16");
}

TEST(ElementTypeTest, FromMLIRTypes) {
  mlir::MLIRContext context;
  mlir::Builder b(&context);
  EXPECT_EQ(getElementType(b.getF16Type()), ElementType::F16);
  EXPECT_EQ(getElementType(b.getBF16Type()), ElementType::BF16);
  EXPECT_EQ(getElementType(b.getF32Type()), ElementType::F32);
  EXPECT_EQ(getElementType(b.getF64Type()), ElementType::F64);
  EXPECT_EQ(getElementType(b.getI1Type()), ElementType::Bool);
  EXPECT_EQ(getElementType(b.getIntegerType(8)), ElementType::I8);
  EXPECT_EQ(getElementType(b.getIntegerType(8, /*isSigned=*/false)),
            ElementType::U8);
  EXPECT_EQ(getElementType(b.getI64Type()), ElementType::I64);
  EXPECT_EQ(getElementType(b.getIndexType()), ElementType::Index);
  EXPECT_EQ(getElementType(b.getIntegerType(16)), std::nullopt);
  EXPECT_EQ(getElementType(b.getF80Type()), std::nullopt);
}

} // namespace
