//===- Npy.h - Reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// Strict reader and writer for the NumPy .npy format (versions 1.0-3.0,
// C order, little endian). Malformed or truncated files give an llvm::Error
// naming the file and the problem; nothing here aborts.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_NPY_H
#define ATTN_SUPPORT_NPY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attn::npy {

enum class DType { Bool, I8, U8, I32, I64, F16, F32, F64 };

/// Size in bytes of one element, and the .npy descr string ("<f4", "|b1").
unsigned elementSize(DType dtype);
llvm::StringRef descr(DType dtype);

struct Array {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<char> data; // C order, little endian, numElements * elementSize

  int64_t numElements() const;
};

llvm::Expected<Array> readFile(llvm::StringRef path);
llvm::Expected<Array> readBuffer(llvm::StringRef buffer, llvm::StringRef name);
llvm::Error writeFile(llvm::StringRef path, const Array &array);
std::string writeBuffer(const Array &array);

} // namespace attn::npy

#endif // ATTN_SUPPORT_NPY_H
