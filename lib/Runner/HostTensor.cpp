//===- HostTensor.cpp - Host tensors, inputs and comparisons --------------===//

#include "attn/Dialect/Attn/IR/Attn.h"
#include "attn/Runner/Runner.h"

#include "mlir/IR/BuiltinTypes.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace attn;
using namespace attn::runner;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Host tensors
//===----------------------------------------------------------------------===//

HostTensor::HostTensor(ElementType type, llvm::ArrayRef<int64_t> shape)
    : type(type), shape(shape.begin(), shape.end()) {
  numElements = 1;
  for (int64_t dim : shape)
    numElements *= dim;
  size_t rounded = std::max<size_t>(64, (byteSize() + 63) / 64 * 64);
  storage.reset(static_cast<char *>(std::aligned_alloc(64, rounded)));
  if (storage)
    std::memset(storage.get(), 0, rounded);
}

llvm::Expected<HostTensor> HostTensor::create(ElementType type,
                                              llvm::ArrayRef<int64_t> shape) {
  HostTensor tensor(type, shape);
  if (!tensor.storage)
    return llvm::createStringError("out of memory for a tensor of shape " +
                                   shapeToString(shape));
  return tensor;
}

void HostTensor::copyFrom(const HostTensor &other) {
  std::memcpy(data(), other.data(), std::min(byteSize(), other.byteSize()));
}

std::vector<double> HostTensor::toDoubles() const {
  std::vector<double> values(numElements);
  for (int64_t i = 0; i < numElements; ++i)
    values[i] = get(i);
  return values;
}

std::vector<int64_t> HostTensor::makeDescriptor() {
  int64_t rank = static_cast<int64_t>(shape.size());
  std::vector<int64_t> words(3 + 2 * rank, 0);
  int64_t address = static_cast<int64_t>(reinterpret_cast<intptr_t>(data()));
  words[0] = address;
  words[1] = address;
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    words[3 + d] = shape[d];
    words[3 + rank + d] = stride;
    stride *= shape[d];
  }
  return words;
}

std::string attn::runner::typeToString(mlir::Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

std::string attn::runner::shapeToString(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [i, dim] : llvm::enumerate(shape))
    text += (i ? ", " : "") + std::to_string(dim);
  return text + "]";
}

llvm::Expected<TensorSpec>
attn::runner::getTensorSpec(mlir::Type type, const llvm::Twine &what) {
  auto tensorType = llvm::dyn_cast<mlir::RankedTensorType>(type);
  std::optional<ElementType> elementType;
  if (tensorType)
    elementType = getElementType(tensorType.getElementType());
  if (!tensorType || !tensorType.hasStaticShape() || !elementType ||
      *elementType == ElementType::U8 || tensorType.getEncoding())
    return llvm::createStringError(
        what + " has unsupported type '" + typeToString(type) +
        "' (expected a statically shaped tensor of f32, f16, bf16, f64, i1, "
        "i8, i32, i64 or index)");
  // Refuse sizes whose byte count would overflow (or could never be
  // allocated) instead of wrapping around.
  constexpr int64_t kMaxBytes = int64_t(1) << 40;
  int64_t bytes = static_cast<int64_t>(getByteSize(*elementType));
  for (int64_t dim : tensorType.getShape()) {
    if (dim != 0 && bytes > kMaxBytes / dim)
      return llvm::createStringError(what + " of type '" + typeToString(type) +
                                     "' is too large (over 1 TiB)");
    bytes *= dim;
  }
  TensorSpec spec;
  spec.type = *elementType;
  spec.shape.assign(tensorType.getShape().begin(), tensorType.getShape().end());
  spec.mlirType = type;
  return spec;
}

//===----------------------------------------------------------------------===//
// Random inputs
//===----------------------------------------------------------------------===//

namespace {
/// splitmix64: tiny, portable and fully specified, so random inputs are the
/// same on every platform and standard library.
class SplitMix64 {
public:
  explicit SplitMix64(uint64_t state) : state(state) {}
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1) with 53 random bits.
  double nextUnit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
  uint64_t state;
};
} // namespace

RandomSpec attn::runner::getRandomSpec(mlir::BlockArgument arg) {
  RandomSpec spec;
  for (mlir::OpOperand &use : arg.getUses()) {
    if (auto unmerge =
            llvm::dyn_cast<mlir::attn::TokenUnmergeOp>(use.getOwner())) {
      mlir::RankedTensorType mergedType = unmerge.getMerged().getType();
      if (use.get() == unmerge.getSource() && mergedType.getRank() >= 2 &&
          !mlir::ShapedType::isDynamic(mergedType.getDimSize(1))) {
        spec.kind = RandomSpec::IndexBelow;
        spec.bound = mergedType.getDimSize(1);
      }
    }
    if (auto merge = llvm::dyn_cast<mlir::attn::TokenMergeOp>(use.getOwner())) {
      if (merge.getSize() && use.get() == merge.getSize())
        spec.kind = RandomSpec::SizeCounts;
    }
  }
  return spec;
}

void attn::runner::fillRandom(HostTensor &tensor, uint64_t seed,
                              unsigned argIndex, const RandomSpec &spec,
                              double step) {
  SplitMix64 seeder(seed ^ (0xa0761d6478bd642full * (argIndex + 1)));
  SplitMix64 rng(seeder.next());
  ElementType type = tensor.getElementType();
  for (int64_t i = 0, e = tensor.size(); i < e; ++i) {
    double value;
    if (spec.kind == RandomSpec::IndexBelow)
      value = std::floor(rng.nextUnit() * static_cast<double>(spec.bound));
    else if (spec.kind == RandomSpec::SizeCounts)
      value = 1.0 + static_cast<double>(rng.next() >> 62);
    else if (isFloat(type)) {
      value = 2.0 * rng.nextUnit() - 1.0;
      if (step > 0)
        value = std::floor(value / step) * step;
    } else if (type == ElementType::Bool)
      value = static_cast<double>(rng.next() >> 63);
    else
      value = static_cast<double>(rng.next() >> 61);
    tensor.set(i, value);
  }
}

//===----------------------------------------------------------------------===//
// .npy inputs and outputs
//===----------------------------------------------------------------------===//

npy::DType attn::runner::getNpyDType(ElementType type) {
  switch (type) {
  case ElementType::BF16:
    return ElementType::F32;
  case ElementType::Index:
    return ElementType::I64;
  default:
    return type;
  }
}

std::vector<double> attn::runner::toDoubles(const npy::Array &array) {
  std::vector<double> values(array.numElements());
  for (int64_t i = 0, e = values.size(); i < e; ++i)
    values[i] = loadAsDouble(array.dtype, array.data.data(), i);
  return values;
}

llvm::Expected<HostTensor> attn::runner::loadNpyInput(StringRef path,
                                                      unsigned argIndex,
                                                      const TensorSpec &spec) {
  llvm::Expected<npy::Array> array = npy::readFile(path);
  if (!array)
    return llvm::createStringError(
        llvm::formatv("input '{0}' for argument #{1}: {2}", path, argIndex,
                      llvm::toString(array.takeError())));
  npy::DType expected = getNpyDType(spec.type);
  if (array->dtype != expected)
    return llvm::createStringError(llvm::formatv(
        "input '{0}' for argument #{1} ({2}): expected dtype {3}, got {4}",
        path, argIndex, typeToString(spec.mlirType), getNumpyName(expected),
        getNumpyName(array->dtype)));
  if (array->shape != spec.shape)
    return llvm::createStringError(llvm::formatv(
        "input '{0}' for argument #{1} ({2}): expected shape {3}, got {4}",
        path, argIndex, typeToString(spec.mlirType), shapeToString(spec.shape),
        shapeToString(array->shape)));
  llvm::Expected<HostTensor> tensor = HostTensor::create(spec.type, spec.shape);
  if (!tensor) {
    llvm::consumeError(tensor.takeError());
    return llvm::createStringError(
        llvm::formatv("out of memory for argument #{0}", argIndex));
  }
  if (spec.type == ElementType::BF16) {
    for (int64_t i = 0, e = tensor->size(); i < e; ++i)
      tensor->set(i, loadAsDouble(array->dtype, array->data.data(), i));
  } else if (spec.type == ElementType::Bool) {
    for (int64_t i = 0, e = tensor->size(); i < e; ++i)
      tensor->set(i, array->data[i] != 0 ? 1.0 : 0.0);
  } else {
    std::memcpy(tensor->data(), array->data.data(), tensor->byteSize());
  }
  return tensor;
}

npy::Array attn::runner::toNpy(const HostTensor &tensor) {
  npy::Array array;
  array.dtype = getNpyDType(tensor.getElementType());
  array.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  if (tensor.getElementType() == ElementType::BF16) {
    array.data.resize(tensor.size() * sizeof(float));
    for (int64_t i = 0, e = tensor.size(); i < e; ++i)
      storeFromDouble(ElementType::F32, array.data.data(), i, tensor.get(i));
  } else {
    array.data.assign(tensor.data(), tensor.data() + tensor.byteSize());
  }
  return array;
}

//===----------------------------------------------------------------------===//
// Summaries and comparisons
//===----------------------------------------------------------------------===//

Summary attn::runner::summarize(const HostTensor &tensor, int64_t headCount) {
  Summary summary;
  double sum = 0;
  int64_t finite = 0;
  summary.min = std::numeric_limits<double>::infinity();
  summary.max = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0, e = tensor.size(); i < e; ++i) {
    double value = tensor.get(i);
    if (i < headCount)
      summary.head.push_back(value);
    if (std::isnan(value)) {
      ++summary.numNaN;
      continue;
    }
    if (std::isinf(value)) {
      ++summary.numInf;
      continue;
    }
    summary.min = std::min(summary.min, value);
    summary.max = std::max(summary.max, value);
    sum += value;
    ++finite;
  }
  if (finite) {
    summary.mean = sum / static_cast<double>(finite);
  } else {
    summary.min = summary.max = summary.mean =
        std::numeric_limits<double>::quiet_NaN();
  }
  return summary;
}

Comparison attn::runner::compare(const HostTensor &got,
                                 llvm::ArrayRef<double> want, double atol,
                                 double rtol) {
  // Relative errors divide by max(|want|, tiny); tiny is the smallest normal
  // float so exact zeros do not divide by zero.
  const double tiny = std::numeric_limits<float>::min();
  Comparison result;
  for (int64_t i = 0, e = got.size(); i < e; ++i) {
    double a = got.get(i), b = want[i];
    bool bad;
    if (std::isnan(a) || std::isnan(b)) {
      bad = !(std::isnan(a) && std::isnan(b));
      result.numNonFiniteMismatch += bad;
    } else if (std::isinf(a) || std::isinf(b)) {
      bad = a != b;
      result.numNonFiniteMismatch += bad;
    } else {
      double absErr = std::fabs(a - b);
      result.maxAbsErr = std::max(result.maxAbsErr, absErr);
      result.maxRelErr =
          std::max(result.maxRelErr, absErr / std::max(std::fabs(b), tiny));
      bad = !(absErr <= atol + rtol * std::fabs(b));
      result.numOutOfTolerance += bad;
    }
    if (bad && !result.firstBad) {
      result.firstBad = i;
      result.firstGot = a;
      result.firstWant = b;
    }
  }
  return result;
}

std::vector<int64_t> attn::runner::unflatten(int64_t index,
                                             llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> position(shape.size(), 0);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    if (shape[d] == 0)
      continue;
    position[d] = index % shape[d];
    index /= shape[d];
  }
  return position;
}

double attn::runner::median(std::vector<double> values) {
  if (values.empty())
    return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}
