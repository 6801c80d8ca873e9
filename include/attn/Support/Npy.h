//===- Npy.h - Reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// Strict reader and writer for the NumPy .npy format (versions 1.0-3.0,
// C order, little endian). Malformed or truncated files give an llvm::Error
// naming the file and the problem; nothing here aborts.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_NPY_H
#define ATTN_SUPPORT_NPY_H

#include "attn/Support/ElementType.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attn::npy {

/// The element type of an array. Files hold Bool, I8, U8, I32, I64, F16, F32
/// or F64; Index is written as int64, and BF16 has no .npy dtype (writeFile
/// refuses it, writeBuffer must not be given it).
using DType = ::attn::ElementType;

/// Size in bytes of one element, and the .npy descr string ("<f4", "|b1";
/// empty for BF16).
unsigned elementSize(DType dtype);
llvm::StringRef descr(DType dtype);

struct Array {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<char> data; // C order, little endian, numElements * elementSize

  int64_t numElements() const;
};

/// The default bound of readFile: 16 GiB.
constexpr uint64_t kDefaultMaxFileBytes = uint64_t(16) << 30;
/// The bound for files named by pass options (block layouts, sink logits,
/// calibration factors): 256 MiB.
constexpr uint64_t kMaxOptionFileBytes = uint64_t(256) << 20;

/// Reads a regular file of at most `maxBytes` bytes; anything else (a device,
/// a pipe, a directory, a larger file) is an error before any byte is read.
llvm::Expected<Array> readFile(llvm::StringRef path,
                               uint64_t maxBytes = kDefaultMaxFileBytes);
llvm::Expected<Array> readBuffer(llvm::StringRef buffer, llvm::StringRef name);
llvm::Error writeFile(llvm::StringRef path, const Array &array);
std::string writeBuffer(const Array &array);

} // namespace attn::npy

namespace attn {
// DType is ::attn::ElementType, so unqualified calls on a dtype look here.
using npy::descr;
using npy::elementSize;
} // namespace attn

#endif // ATTN_SUPPORT_NPY_H
