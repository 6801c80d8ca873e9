//===- ElementType.h - Element types of host arrays ------------*- C++ -*-===//
//
// The one list of element types that host-side code of attn-mlir handles:
// .npy files, the JIT runner's host tensors, compile-time evaluation of
// constants and the GPU simulator. Conversions between f16 / bf16 bit
// patterns and f32 / f64 go through llvm::APFloat and round to nearest, ties
// to even; infinities, NaNs and subnormals convert as IEEE 754 says.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_ELEMENTTYPE_H
#define ATTN_SUPPORT_ELEMENTTYPE_H

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/Sequence.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace mlir {
class Type;
} // namespace mlir

namespace attn {

/// An element type as laid out in memory: `Bool` is MLIR's i1 (one byte per
/// element), `Index` is a 64-bit signed integer.
enum class ElementType { Bool, I8, U8, I32, I64, Index, F16, BF16, F32, F64 };

/// Every element type, in the order of the enum.
inline auto allElementTypes() {
  return llvm::enum_seq_inclusive(ElementType::Bool, ElementType::F64,
                                  llvm::force_iteration_on_noniterable_enum);
}

/// Bytes per element in memory.
unsigned getByteSize(ElementType type);

/// Whether `type` is one of the floating-point types.
bool isFloat(ElementType type);

/// The MLIR spelling of `type` ("i1", "ui8", "index", "bf16", ...).
llvm::StringRef getMLIRName(ElementType type);

/// The NumPy dtype name of `type` ("bool", "int8", "float16", ...); index is
/// "int64" and bf16 "bfloat16".
llvm::StringRef getNumpyName(ElementType type);

/// The .npy descr of `type` ("|b1", "<f4", ...): index is "<i8"; empty for
/// bf16, which .npy files cannot hold.
llvm::StringRef getNpyDescr(ElementType type);

/// The APFloat semantics of a float type; null for integer types.
const llvm::fltSemantics *getFloatSemantics(ElementType type);

/// The element type of an MLIR type: f16, bf16, f32, f64, index, i1, and
/// signless or signed i8, i32, i64, and unsigned i8. None otherwise.
std::optional<ElementType> getElementType(mlir::Type type);

/// IEEE half and bfloat16 bit patterns to and from float. To the 16-bit
/// formats: round to nearest, ties to even, overflow to infinity, NaN stays
/// a quiet NaN of the same sign.
float halfBitsToFloat(uint16_t bits);
uint16_t floatToHalfBits(float value);
float bf16BitsToFloat(uint16_t bits);
uint16_t floatToBF16Bits(float value);

/// `value` rounded to the nearest value of the float type `type`, ties to
/// even (identity for f64 and for integer types).
double roundToFloatType(double value, ElementType type);

/// The bit pattern of `value` rounded to the float type `type` (in the low
/// bits), and back.
uint64_t getFloatBits(double value, ElementType type);
double getFloatFromBits(uint64_t bits, ElementType type);

/// Element `index` of a dense array of `type` at `data`, as a double (bool as
/// 0 or 1; 64-bit integers beyond 2^53 lose precision).
double loadAsDouble(ElementType type, const void *data, int64_t index);

/// Stores `value` as element `index` of a dense array of `type` at `data`:
/// f16 and bf16 through float (rounded to nearest even), integers truncated
/// toward zero, bool as value != 0.
void storeFromDouble(ElementType type, void *data, int64_t index, double value);

} // namespace attn

#endif // ATTN_SUPPORT_ELEMENTTYPE_H
