//===- attn-run.cpp - JIT runner, checker and benchmark for attn-mlir -----===//
//
// attn-run compiles one function of an MLIR file with a named attn-mlir
// pipeline, JIT-executes it through the MLIR ExecutionEngine on random or
// .npy inputs, and prints, saves, checks or times its results:
//
//   attn-run model.mlir --entry=main --input=q.npy,k.npy,v.npy
//   attn-run model.mlir --check --oracle=naive --atol=1e-5
//   attn-run model.mlir --bench --warmup=3 --repeat=10 --json
//
// The entry function takes and returns statically shaped tensors. The
// pipeline turns it into `_mlir_ciface_<entry>`, which takes one memref
// descriptor pointer per input followed by one per result (results become
// caller-allocated out-parameters). attn-run owns every buffer.
//
// Exit codes: 0 success, 1 a --check failed, 2 bad input or usage.
//
//===----------------------------------------------------------------------===//

#include "GpuSim.h"
#ifdef ATTN_CUDA_RUNTIME
#include "CudaSimDriver.h"
#endif
#include "OpSupport.h"

#include "attn/Dialect/Attn/IR/Attn.h"
#include "attn/InitAll.h"
#include "attn/Pipelines/Pipelines.h"
#include "attn/Reference/Naive.h"
#include "attn/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cl = llvm::cl;
namespace npy = ::attn::npy;
namespace ref = ::attn::ref;

using llvm::StringRef;

static_assert(sizeof(void *) == 8, "attn-run assumes 64-bit pointers");

//===----------------------------------------------------------------------===//
// Command line
//===----------------------------------------------------------------------===//

namespace {

const char *const kOverview =
    R"(compile, run, check and time an attn-mlir function

attn-run parses FILE.mlir ('-' reads stdin), lowers a copy of it with the
chosen pipeline, JIT-compiles it for the host (LLVM -O2) and calls the entry
function once. Entry arguments and results must be statically shaped tensors
of f32, f16, bf16, f64, i1, i8, i32, i64 or index.

Inputs are random unless --input is given: floats uniform in [-1, 1),
i1 Bernoulli(0.5), integers uniform in [0, 8), all derived only from --seed
and the argument index (so every run and every oracle sees the same data).
--random-step=S rounds the floats down to multiples of S.
Two exceptions keep the data meaningful: an index argument used as the
`source` of attn.token_unmerge is drawn from the valid rows [0, M), and a
float argument used as the `size` of attn.token_merge holds integers 1..4.

Results are summarised on stdout (shape, dtype, first values, min/max/mean)
or written with --output-dir as DIR/<entry>.result<k>.npy (bf16 results as
float32, index results as int64).

--check compares every result with an oracle: numpy.allclose semantics,
|got - want| <= atol + rtol * |want| per element, NaN/Inf must match.
--oracle=reference runs the reference pipeline on the same inputs; with
--pipeline=reference this compares the pipeline with itself, which is only a
smoke test of attn-run and the JIT. --oracle=naive uses the independent C++
reference (attn/Reference/Naive.h); it needs an entry whose body is a single
attn.attention, attn.token_merge or attn.token_unmerge on its arguments.
--check-against=FILE.npy,... compares with saved arrays instead.

--bench times the compiled entry (steady clock, inputs restored before every
call, outside the timed region) and reports the median and minimum time and
useful GFLOP/s = 2 * (D + Dv) * B * Hq * visible_pairs summed over the
attn.attention ops of the original entry, divided by the median time.
With --pipeline=cuda it also reports the kernels alone (CUDA events around
every launch; the call also allocates device memory and copies in and out).

--pipeline=cuda --cuda-driver=sim runs the CUDA path without a GPU: the
project's CUDA runtime on a driver simulated inside attn-run (checked device
memory, kernels run by the GPU simulator); it prints what was launched and
copied, and fails when a call leaves device memory, streams or events alive.

Exit codes: 0 success, 1 a check failed, 2 bad input or usage.
MLIR pass-manager options (e.g. --mlir-print-ir-after-all) are accepted and
listed by --help-hidden.
)";

cl::OptionCategory runCategory("attn-run options");

cl::opt<std::string> inputFilename(cl::Positional,
                                   cl::desc("<input .mlir file, '-' = stdin>"),
                                   cl::init("-"), cl::cat(runCategory));

cl::opt<std::string> pipelineName(
    "pipeline",
    cl::desc("Pipeline that compiles the entry: 'reference' "
             "(--attn-reference-pipeline, the default) or 'cpu' "
             "(--attn-cpu-pipeline: fused, multi-threaded kernels) or 'cuda' "
             "(--attn-gpu-pipeline: fused kernels on the first NVIDIA GPU, "
             "through the project's CUDA runtime; without a usable driver "
             "and device it fails with exit code 2) or 'gpu-sim' (the "
             "kernels of --attn-gpu-pipeline run by a functional simulator "
             "of the GPU on the CPU, thread block by thread block; slow, "
             "for testing without a GPU; accepts the GPU pipeline's "
             "options)"),
    cl::value_desc("name"), cl::init("reference"), cl::cat(runCategory));

cl::opt<bool> probeCuda(
    "probe-cuda",
    cl::desc("Only report whether a CUDA driver and device are usable "
             "(exit 0 and a 'cuda:' line) or not (exit 2); needs no input"),
    cl::init(false), cl::cat(runCategory));

cl::opt<std::string> cudaDriver(
    "cuda-driver",
    cl::desc("CUDA driver of --pipeline=cuda and --probe-cuda: 'system' "
             "(libcuda.so.1, the default) or 'sim' (a driver simulated "
             "inside attn-run: the host code and the project's CUDA runtime "
             "run as on a GPU, device memory is checked host memory, "
             "kernels run on the GPU simulator; reports what was launched "
             "and copied, and fails on leaked device resources)"),
    cl::value_desc("name"), cl::init("system"), cl::cat(runCategory));

cl::opt<std::string> cudaSimFail(
    "cuda-sim-fail",
    cl::desc("With --cuda-driver=sim: make the Nth call (default the "
             "first) of this driver function fail as a real driver would, "
             "e.g. 'cuMemAlloc:2' (tests error paths)"),
    cl::value_desc("function[:N]"), cl::init(""), cl::cat(runCategory));

cl::opt<std::string> pipelineOptions(
    "pipeline-options",
    cl::desc("Options of the chosen pipeline, as in "
             "--attn-cpu-pipeline='...' (e.g. \"tile-q=32 tile-k=64 "
             "num-threads=2\"); results-as-out-params and emit-c-interface "
             "are always set"),
    cl::value_desc("options"), cl::init(""), cl::cat(runCategory));

cl::opt<std::string> entryName(
    "entry",
    cl::desc("Function to run (default: the only public func.func, or "
             "'main' when there are several)"),
    cl::value_desc("name"), cl::init(""), cl::cat(runCategory));

cl::opt<uint64_t>
    seed("seed",
         cl::desc("Seed of the random inputs (each argument gets its own "
                  "stream derived from the seed and its index; default 0)"),
         cl::init(0), cl::cat(runCategory));

cl::opt<double> randomStep(
    "random-step",
    cl::desc("Round random float inputs down to multiples of this step "
             "(e.g. 0.03125), so that short dot products of them are exact "
             "in f32 and a check isolates the kernel's own rounding; "
             "default 0: continuous"),
    cl::init(0.0), cl::cat(runCategory));

cl::list<std::string> inputFiles(
    "input",
    cl::desc("Input arrays, one .npy per entry argument, in order; "
             "repeatable and/or comma-separated. Dtypes: f32<-float32, "
             "f16<-float16, bf16<-float32 (rounded to nearest even), "
             "f64<-float64, i1<-bool, i8<-int8, i32<-int32, "
             "i64/index<-int64"),
    cl::value_desc("file.npy"), cl::CommaSeparated, cl::cat(runCategory));

cl::opt<std::string>
    outputDir("output-dir",
              cl::desc("Write result k to DIR/<entry>.result<k>.npy instead "
                       "of printing a summary (created if missing)"),
              cl::value_desc("dir"), cl::init(""), cl::cat(runCategory));

cl::opt<bool> checkResults(
    "check", cl::desc("Compare every result with the oracle (see --oracle)"),
    cl::init(false), cl::cat(runCategory));

cl::opt<std::string> oracleName(
    "oracle",
    cl::desc("Oracle of --check: 'reference' (default; the reference "
             "pipeline on the same inputs; compares the pipeline with itself "
             "when --pipeline=reference, a smoke test only) or 'naive' (the "
             "independent C++ reference; single-op entries only)"),
    cl::value_desc("name"), cl::init("reference"), cl::cat(runCategory));

cl::list<std::string> checkAgainstFiles(
    "check-against",
    cl::desc("Compare the results with these arrays (one .npy per result, "
             "any numeric dtype, exact shape) instead of an oracle; implies "
             "--check"),
    cl::value_desc("file.npy"), cl::CommaSeparated, cl::cat(runCategory));

cl::opt<double>
    absTolerance("atol",
                 cl::desc("Absolute tolerance of the check (default 1e-5)"),
                 cl::init(1e-5), cl::cat(runCategory));

cl::opt<double>
    relTolerance("rtol",
                 cl::desc("Relative tolerance of the check (default 1e-5)"),
                 cl::init(1e-5), cl::cat(runCategory));

cl::opt<bool> benchmark("bench",
                        cl::desc("Time the compiled entry and report median "
                                 "and min milliseconds and useful GFLOP/s"),
                        cl::init(false), cl::cat(runCategory));

cl::opt<unsigned>
    warmupRuns("warmup",
               cl::desc("Untimed calls before timing (--bench; default 3)"),
               cl::init(3), cl::cat(runCategory));

cl::opt<unsigned>
    repeatRuns("repeat",
               cl::desc("Timed calls (--bench; default 10, at least 1)"),
               cl::init(10), cl::cat(runCategory));

cl::opt<bool> emitJson("json",
                       cl::desc("Print one JSON object with everything "
                                "(entry, results, errors, verdict, timings) "
                                "on stdout instead of text"),
                       cl::init(false), cl::cat(runCategory));

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

enum ExitCode { kExitSuccess = 0, kExitCheckFailed = 1, kExitBadInput = 2 };

/// Thrown-free error propagation: every failure is reported once, at the
/// point it is detected, and the caller unwinds with `failure()`.
void reportError(const llvm::Twine &message) {
  llvm::errs() << "attn-run: error: " << message << "\n";
}

void reportError(llvm::Error error) {
  std::string text = llvm::toString(std::move(error));
  reportError(text);
}

std::string typeToString(mlir::Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

std::string shapeToString(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [i, dim] : llvm::enumerate(shape))
    text += (i ? ", " : "") + std::to_string(dim);
  return text + "]";
}

std::string formatDouble(double value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%.6g", value);
  return text;
}

//===----------------------------------------------------------------------===//
// Element types and host buffers
//===----------------------------------------------------------------------===//

enum class ElemKind { F32, F16, BF16, F64, I1, I8, I32, I64, Index };

std::optional<ElemKind> getElemKind(mlir::Type type) {
  if (type.isF32())
    return ElemKind::F32;
  if (type.isF16())
    return ElemKind::F16;
  if (type.isBF16())
    return ElemKind::BF16;
  if (type.isF64())
    return ElemKind::F64;
  if (type.isIndex())
    return ElemKind::Index;
  if (auto intType = llvm::dyn_cast<mlir::IntegerType>(type)) {
    if (intType.isUnsigned())
      return std::nullopt;
    switch (intType.getWidth()) {
    case 1:
      return ElemKind::I1;
    case 8:
      return ElemKind::I8;
    case 32:
      return ElemKind::I32;
    case 64:
      return ElemKind::I64;
    default:
      return std::nullopt;
    }
  }
  return std::nullopt;
}

StringRef elemKindName(ElemKind kind) {
  switch (kind) {
  case ElemKind::F32:
    return "f32";
  case ElemKind::F16:
    return "f16";
  case ElemKind::BF16:
    return "bf16";
  case ElemKind::F64:
    return "f64";
  case ElemKind::I1:
    return "i1";
  case ElemKind::I8:
    return "i8";
  case ElemKind::I32:
    return "i32";
  case ElemKind::I64:
    return "i64";
  case ElemKind::Index:
    return "index";
  }
  return "?";
}

/// Bytes per element in memory, as the LLVM lowering lays memrefs out (i1 is
/// one byte, index is 64 bits).
size_t elemSize(ElemKind kind) {
  switch (kind) {
  case ElemKind::F64:
  case ElemKind::I64:
  case ElemKind::Index:
    return 8;
  case ElemKind::F32:
  case ElemKind::I32:
    return 4;
  case ElemKind::F16:
  case ElemKind::BF16:
    return 2;
  case ElemKind::I1:
  case ElemKind::I8:
    return 1;
  }
  return 1;
}

bool isFloatKind(ElemKind kind) {
  return kind == ElemKind::F32 || kind == ElemKind::F16 ||
         kind == ElemKind::BF16 || kind == ElemKind::F64;
}

/// The .npy dtype an input of `kind` must have.
npy::DType inputDType(ElemKind kind) {
  switch (kind) {
  case ElemKind::F32:
  case ElemKind::BF16:
    return npy::DType::F32;
  case ElemKind::F16:
    return npy::DType::F16;
  case ElemKind::F64:
    return npy::DType::F64;
  case ElemKind::I1:
    return npy::DType::Bool;
  case ElemKind::I8:
    return npy::DType::I8;
  case ElemKind::I32:
    return npy::DType::I32;
  case ElemKind::I64:
  case ElemKind::Index:
    return npy::DType::I64;
  }
  return npy::DType::F32;
}

/// The .npy dtype a result of `kind` is written as (bf16 widens to f32).
npy::DType outputDType(ElemKind kind) { return inputDType(kind); }

uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

float halfToFloat(uint16_t half) {
  uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  uint32_t exponent = (half >> 10) & 0x1fu;
  uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float.
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1f)
    return bitsToFloat(sign | 0x7f800000u | (mantissa << 13));
  return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

/// float -> IEEE half, round to nearest even, overflow to infinity.
uint16_t floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) // NaN: keep it quiet and non-zero
    return sign | 0x7e00u | ((magnitude >> 13) & 0x3ffu);
  if (magnitude >= 0x477ff000u) // >= 65520 rounds to infinity
    return sign | 0x7c00u;
  if (magnitude < 0x38800000u) { // below 2^-14: subnormal or zero
    // |value| * 2^24 is exact; nearbyint rounds to nearest even.
    float scaled = std::ldexp(std::fabs(value), 24);
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  uint32_t exponent = (magnitude >> 23) - 127 + 15;
  uint32_t mantissa = magnitude & 0x7fffffu;
  uint32_t half = (exponent << 10) | (mantissa >> 13);
  uint32_t remainder = mantissa & 0x1fffu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1u)))
    ++half; // a carry into the exponent is the correct rounding
  return sign | static_cast<uint16_t>(half);
}

float bf16ToFloat(uint16_t value) {
  return bitsToFloat(static_cast<uint32_t>(value) << 16);
}

/// float -> bfloat16, round to nearest even.
uint16_t floatToBF16(float value) {
  uint32_t bits = floatBits(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x40u);
  uint32_t lsb = (bits >> 16) & 1u;
  bits += 0x7fffu + lsb;
  return static_cast<uint16_t>(bits >> 16);
}

struct FreeDeleter {
  void operator()(void *pointer) const { std::free(pointer); }
};

/// A dense row-major host array laid out as the compiled code expects, in a
/// 64-byte aligned allocation owned by attn-run.
class HostTensor {
public:
  HostTensor(ElemKind kind, llvm::ArrayRef<int64_t> shape)
      : kind(kind), shape(shape.begin(), shape.end()) {
    numElements = 1;
    for (int64_t dim : shape)
      numElements *= dim;
    size_t bytes = static_cast<size_t>(numElements) * elemSize(kind);
    size_t rounded = std::max<size_t>(64, (bytes + 63) / 64 * 64);
    storage.reset(static_cast<char *>(std::aligned_alloc(64, rounded)));
    if (storage)
      std::memset(storage.get(), 0, rounded);
  }

  bool isAllocated() const { return storage != nullptr; }
  ElemKind getKind() const { return kind; }
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  int64_t size() const { return numElements; }
  size_t byteSize() const {
    return static_cast<size_t>(numElements) * elemSize(kind);
  }
  char *data() { return storage.get(); }
  const char *data() const { return storage.get(); }

  double get(int64_t i) const {
    const char *p = storage.get() + i * elemSize(kind);
    switch (kind) {
    case ElemKind::F32:
      return load<float>(p);
    case ElemKind::F16:
      return halfToFloat(load<uint16_t>(p));
    case ElemKind::BF16:
      return bf16ToFloat(load<uint16_t>(p));
    case ElemKind::F64:
      return load<double>(p);
    case ElemKind::I1:
      return load<uint8_t>(p) ? 1.0 : 0.0;
    case ElemKind::I8:
      return load<int8_t>(p);
    case ElemKind::I32:
      return load<int32_t>(p);
    case ElemKind::I64:
    case ElemKind::Index:
      return static_cast<double>(load<int64_t>(p));
    }
    return 0.0;
  }

  void set(int64_t i, double value) {
    char *p = storage.get() + i * elemSize(kind);
    switch (kind) {
    case ElemKind::F32:
      return store<float>(p, static_cast<float>(value));
    case ElemKind::F16:
      return store<uint16_t>(p, floatToHalf(static_cast<float>(value)));
    case ElemKind::BF16:
      return store<uint16_t>(p, floatToBF16(static_cast<float>(value)));
    case ElemKind::F64:
      return store<double>(p, value);
    case ElemKind::I1:
      return store<uint8_t>(p, value != 0.0 ? 1 : 0);
    case ElemKind::I8:
      return store<int8_t>(p, static_cast<int8_t>(value));
    case ElemKind::I32:
      return store<int32_t>(p, static_cast<int32_t>(value));
    case ElemKind::I64:
    case ElemKind::Index:
      return store<int64_t>(p, static_cast<int64_t>(value));
    }
  }

  void copyFrom(const HostTensor &other) {
    std::memcpy(data(), other.data(), std::min(byteSize(), other.byteSize()));
  }

  /// The values as doubles (i1 as 0/1), for oracles and comparisons.
  ref::Tensor toReference() const {
    ref::Tensor tensor;
    tensor.shape = shape;
    tensor.data.resize(numElements);
    for (int64_t i = 0; i < numElements; ++i)
      tensor.data[i] = get(i);
    return tensor;
  }

  /// A memref descriptor {allocated, aligned, offset, sizes[], strides[]}.
  std::vector<int64_t> makeDescriptor() {
    int64_t rank = static_cast<int64_t>(shape.size());
    std::vector<int64_t> words(3 + 2 * rank, 0);
    int64_t address = static_cast<int64_t>(reinterpret_cast<intptr_t>(data()));
    words[0] = address;
    words[1] = address;
    words[2] = 0;
    int64_t stride = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      words[3 + d] = shape[d];
      words[3 + rank + d] = stride;
      stride *= shape[d];
    }
    return words;
  }

private:
  template <typename T> static T load(const char *p) {
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
  }
  template <typename T> static void store(char *p, T value) {
    std::memcpy(p, &value, sizeof(T));
  }

  ElemKind kind;
  std::vector<int64_t> shape;
  int64_t numElements = 0;
  std::unique_ptr<char, FreeDeleter> storage;
};

/// Element kind and static shape of one entry argument or result.
struct TensorSpec {
  ElemKind kind;
  std::vector<int64_t> shape;
  mlir::Type type;
};

//===----------------------------------------------------------------------===//
// Random inputs
//===----------------------------------------------------------------------===//

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

/// How random data for one argument is drawn.
struct RandomSpec {
  enum Kind { Default, IndexBelow, SizeCounts } kind = Default;
  int64_t bound = 0; // IndexBelow: values in [0, bound)
};

/// Derives the random distribution from how the argument is used (see the
/// overview): only uses that would otherwise index out of bounds or divide
/// by zero are special.
RandomSpec getRandomSpec(mlir::BlockArgument arg) {
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

void fillRandom(HostTensor &tensor, unsigned argIndex, const RandomSpec &spec) {
  SplitMix64 seeder(seed.getValue() ^ (0xa0761d6478bd642full * (argIndex + 1)));
  SplitMix64 rng(seeder.next());
  ElemKind kind = tensor.getKind();
  for (int64_t i = 0, e = tensor.size(); i < e; ++i) {
    double value;
    if (spec.kind == RandomSpec::IndexBelow)
      value = std::floor(rng.nextUnit() * static_cast<double>(spec.bound));
    else if (spec.kind == RandomSpec::SizeCounts)
      value = 1.0 + static_cast<double>(rng.next() >> 62);
    else if (isFloatKind(kind)) {
      value = 2.0 * rng.nextUnit() - 1.0;
      if (randomStep > 0)
        value = std::floor(value / randomStep) * randomStep;
    } else if (kind == ElemKind::I1)
      value = static_cast<double>(rng.next() >> 63);
    else
      value = static_cast<double>(rng.next() >> 61);
    tensor.set(i, value);
  }
}

//===----------------------------------------------------------------------===//
// .npy inputs and outputs
//===----------------------------------------------------------------------===//

StringRef dtypeName(npy::DType dtype) {
  switch (dtype) {
  case npy::DType::Bool:
    return "bool";
  case npy::DType::I8:
    return "int8";
  case npy::DType::U8:
    return "uint8";
  case npy::DType::I32:
    return "int32";
  case npy::DType::I64:
    return "int64";
  case npy::DType::F16:
    return "float16";
  case npy::DType::F32:
    return "float32";
  case npy::DType::F64:
    return "float64";
  }
  return "?";
}

/// Reads element `i` of a .npy array as a double.
double npyElement(const npy::Array &array, int64_t i) {
  const char *p = array.data.data() + i * npy::elementSize(array.dtype);
  auto load = [&](auto tag) {
    decltype(tag) value;
    std::memcpy(&value, p, sizeof(value));
    return value;
  };
  switch (array.dtype) {
  case npy::DType::Bool:
    return load(uint8_t()) ? 1.0 : 0.0;
  case npy::DType::I8:
    return load(int8_t());
  case npy::DType::U8:
    return load(uint8_t());
  case npy::DType::I32:
    return load(int32_t());
  case npy::DType::I64:
    return static_cast<double>(load(int64_t()));
  case npy::DType::F16:
    return halfToFloat(load(uint16_t()));
  case npy::DType::F32:
    return load(float());
  case npy::DType::F64:
    return load(double());
  }
  return 0.0;
}

/// Loads `path` as entry argument `argIndex`; checks dtype and shape.
std::optional<HostTensor> loadInput(StringRef path, unsigned argIndex,
                                    const TensorSpec &spec) {
  llvm::Expected<npy::Array> array = npy::readFile(path);
  if (!array) {
    reportError(llvm::formatv("input '{0}' for argument #{1}: {2}", path,
                              argIndex, llvm::toString(array.takeError())));
    return std::nullopt;
  }
  npy::DType expected = inputDType(spec.kind);
  if (array->dtype != expected) {
    reportError(llvm::formatv(
        "input '{0}' for argument #{1} ({2}): expected dtype {3}, got {4}",
        path, argIndex, typeToString(spec.type), dtypeName(expected),
        dtypeName(array->dtype)));
    return std::nullopt;
  }
  if (array->shape != spec.shape) {
    reportError(llvm::formatv(
        "input '{0}' for argument #{1} ({2}): expected shape {3}, got {4}",
        path, argIndex, typeToString(spec.type), shapeToString(spec.shape),
        shapeToString(array->shape)));
    return std::nullopt;
  }
  HostTensor tensor(spec.kind, spec.shape);
  if (!tensor.isAllocated()) {
    reportError(llvm::formatv("out of memory for argument #{0}", argIndex));
    return std::nullopt;
  }
  if (spec.kind == ElemKind::BF16) {
    for (int64_t i = 0, e = tensor.size(); i < e; ++i)
      tensor.set(i, npyElement(*array, i));
  } else if (spec.kind == ElemKind::I1) {
    for (int64_t i = 0, e = tensor.size(); i < e; ++i)
      tensor.set(i, array->data[i] != 0 ? 1.0 : 0.0);
  } else {
    std::memcpy(tensor.data(), array->data.data(), tensor.byteSize());
  }
  return tensor;
}

npy::Array toNpy(const HostTensor &tensor) {
  npy::Array array;
  array.dtype = outputDType(tensor.getKind());
  array.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  if (tensor.getKind() == ElemKind::BF16) {
    array.data.resize(tensor.size() * sizeof(float));
    for (int64_t i = 0, e = tensor.size(); i < e; ++i) {
      float value = static_cast<float>(tensor.get(i));
      std::memcpy(array.data.data() + i * sizeof(float), &value, sizeof(float));
    }
  } else {
    array.data.assign(tensor.data(), tensor.data() + tensor.byteSize());
  }
  return array;
}

//===----------------------------------------------------------------------===//
// Entry function
//===----------------------------------------------------------------------===//

mlir::func::FuncOp findEntry(mlir::ModuleOp module) {
  if (!entryName.empty()) {
    auto func = module.lookupSymbol<mlir::func::FuncOp>(entryName);
    if (!func) {
      reportError("no func.func named '" + entryName + "' in " + inputFilename);
      return nullptr;
    }
    if (func.isExternal()) {
      reportError("entry function '" + entryName + "' has no body");
      return nullptr;
    }
    return func;
  }
  llvm::SmallVector<mlir::func::FuncOp> candidates;
  for (auto func : module.getOps<mlir::func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      candidates.push_back(func);
  if (candidates.size() == 1)
    return candidates.front();
  if (candidates.empty()) {
    reportError("no public func.func with a body in " + inputFilename +
                " (use --entry=NAME)");
    return nullptr;
  }
  for (mlir::func::FuncOp func : candidates)
    if (func.getSymName() == "main")
      return func;
  std::string names;
  for (auto [i, func] : llvm::enumerate(candidates))
    names += (i ? ", @" : "@") + func.getSymName().str();
  reportError("several public functions (" + names +
              ") and none named 'main': choose one with --entry=NAME");
  return nullptr;
}

/// Checks `type` and describes it; `what` names it for errors.
std::optional<TensorSpec> getTensorSpec(mlir::Type type,
                                        const llvm::Twine &what) {
  auto tensorType = llvm::dyn_cast<mlir::RankedTensorType>(type);
  std::optional<ElemKind> kind;
  if (tensorType)
    kind = getElemKind(tensorType.getElementType());
  if (!tensorType || !tensorType.hasStaticShape() || !kind ||
      tensorType.getEncoding()) {
    reportError(what + " has unsupported type '" + typeToString(type) +
                "' (expected a statically shaped tensor of f32, f16, bf16, "
                "f64, i1, i8, i32, i64 or index)");
    return std::nullopt;
  }
  // Refuse sizes whose byte count would overflow (or could never be
  // allocated) instead of wrapping around.
  constexpr int64_t kMaxBytes = int64_t(1) << 40;
  int64_t bytes = static_cast<int64_t>(elemSize(*kind));
  for (int64_t dim : tensorType.getShape()) {
    if (dim != 0 && bytes > kMaxBytes / dim) {
      reportError(what + " of type '" + typeToString(type) +
                  "' is too large (over 1 TiB)");
      return std::nullopt;
    }
    bytes *= dim;
  }
  TensorSpec spec;
  spec.kind = *kind;
  spec.shape.assign(tensorType.getShape().begin(), tensorType.getShape().end());
  spec.type = type;
  return spec;
}

//===----------------------------------------------------------------------===//
// Compilation and execution
//===----------------------------------------------------------------------===//

/// Working copies of the inputs plus result buffers, and the packed argument
/// array that points at their memref descriptors. The inputs are restored
/// from the pristine copies before every call (bufferization may write into
/// function arguments).
class CallFrame {
public:
  static std::optional<CallFrame> create(const std::vector<HostTensor> &inputs,
                                         const std::vector<TensorSpec> &specs) {
    CallFrame frame;
    for (const HostTensor &input : inputs) {
      frame.inputs.emplace_back(input.getKind(), input.getShape());
      if (!frame.inputs.back().isAllocated())
        return std::nullopt;
    }
    for (const TensorSpec &spec : specs) {
      frame.results.emplace_back(spec.kind, spec.shape);
      if (!frame.results.back().isAllocated())
        return std::nullopt;
    }
    // Descriptors point at the tensors' heap storage, and the packed array
    // at the descriptor pointers: all heap addresses, stable under moves.
    for (HostTensor &input : frame.inputs)
      frame.descriptors.push_back(input.makeDescriptor());
    for (HostTensor &result : frame.results)
      frame.descriptors.push_back(result.makeDescriptor());
    for (std::vector<int64_t> &descriptor : frame.descriptors)
      frame.descriptorPointers.push_back(descriptor.data());
    // The packed interface takes a pointer to each argument's value; the
    // values here are the descriptor pointers.
    for (void *&pointer : frame.descriptorPointers)
      frame.packed.push_back(&pointer);
    return frame;
  }

  void restore(const std::vector<HostTensor> &pristine) {
    for (auto [working, original] : llvm::zip(inputs, pristine))
      working.copyFrom(original);
  }

  const std::vector<HostTensor> &getResults() const { return results; }
  void **getPackedArgs() { return packed.data(); }

private:
  CallFrame() = default;

  std::vector<HostTensor> inputs;
  std::vector<HostTensor> results;
  std::vector<std::vector<int64_t>> descriptors;
  std::vector<void *> descriptorPointers;
  std::vector<void *> packed;
};

/// Erases every func.func that `entry` does not reach through symbol uses,
/// so that a file holding many test entries compiles only the one it runs.
static void pruneToEntry(mlir::ModuleOp module, StringRef entry) {
  llvm::SmallPtrSet<mlir::Operation *, 8> keep;
  llvm::SmallVector<mlir::Operation *> work;
  if (mlir::Operation *root = module.lookupSymbol(entry)) {
    keep.insert(root);
    work.push_back(root);
  }
  while (!work.empty()) {
    mlir::Operation *op = work.pop_back_val();
    if (auto uses = mlir::SymbolTable::getSymbolUses(op))
      for (const mlir::SymbolTable::SymbolUse &use : *uses)
        if (mlir::Operation *callee =
                mlir::SymbolTable::lookupSymbolIn(module, use.getSymbolRef()))
          if (keep.insert(callee).second)
            work.push_back(callee);
  }
  for (mlir::func::FuncOp fn :
       llvm::make_early_inc_range(module.getOps<mlir::func::FuncOp>()))
    if (!keep.contains(fn))
      fn.erase();
}

/// Parses --pipeline-options into `options` when `pipeline` is the one the
/// user chose (not the oracle's); reports and fails on errors.
template <typename Options>
static bool parsePipelineOptions(Options &options, StringRef pipeline) {
  if (pipeline != pipelineName)
    return true;
  if (mlir::failed(options.parseFromString(pipelineOptions, llvm::errs()))) {
    reportError("invalid --pipeline-options '" + pipelineOptions +
                "' for pipeline '" + pipelineName + "'");
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// CUDA runtime (lib/Runtime), for --pipeline=cuda
//===----------------------------------------------------------------------===//

/// Where a library attn-run loads at run time lives: the path found when
/// attn-mlir was configured, or, when that does not exist (attn-run copied
/// to another machine, as scripts/device-kit.sh does), the file of the same
/// name in `<directory of attn-run>/../lib`. Empty when neither exists.
std::string findRuntimeLibrary(StringRef configured) {
  if (llvm::sys::fs::exists(configured))
    return configured.str();
  static int anchor;
  std::string exe = llvm::sys::fs::getMainExecutable("attn-run", &anchor);
  llvm::SmallString<256> path(llvm::sys::path::parent_path(exe));
  llvm::sys::path::append(path, "..", "lib",
                          llvm::sys::path::filename(configured));
  if (!exe.empty() && llvm::sys::fs::exists(path))
    return std::string(path);
  return "";
}

/// The project's CUDA runtime library, opened once; it opens the driver
/// itself, so loading it never fails for want of a GPU.
struct CudaRuntime {
  int (*probe)(char *, size_t) = nullptr;
  const char *(*lastError)() = nullptr;
  void (*clearError)() = nullptr;
  int (*profileKernels)(int) = nullptr;
  int (*takeKernelTime)(double *, int64_t *) = nullptr;
  std::string loadError;
  std::string device; // "NAME, sm_XY, driver A.B" when usable
  std::string chip;   // "sm_XY" when usable

  static CudaRuntime &get() {
    static CudaRuntime runtime;
    return runtime;
  }

  /// Whether a device is usable; `why` says why not.
  bool usable(std::string &why) {
    if (!probe) {
      why = loadError;
      return false;
    }
    char buf[512];
    bool ok = probe(buf, sizeof(buf)) == 0;
    (ok ? device : why) = buf;
    if (ok) {
      size_t at = device.find("sm_");
      chip = device.substr(at, device.find(',', at) - at);
    }
    return ok;
  }

  /// The first error of the runtime since the last call, if any.
  std::optional<std::string> takeError() {
    const char *error = lastError ? lastError() : nullptr;
    if (!error)
      return std::nullopt;
    std::string out = error;
    clearError();
    return out;
  }

private:
  CudaRuntime() {
#ifdef ATTN_CUDA_RUNTIME
    std::string error, path = findRuntimeLibrary(ATTN_CUDA_RUNTIME);
    if (path.empty()) {
      loadError = "the CUDA runtime " + std::string(ATTN_CUDA_RUNTIME) +
                  " does not exist, nor beside attn-run in ../lib";
      return;
    }
    auto lib =
        llvm::sys::DynamicLibrary::getPermanentLibrary(path.c_str(), &error);
    if (!lib.isValid()) {
      loadError = "cannot load the CUDA runtime " + path + ": " + error;
      return;
    }
    probe = reinterpret_cast<int (*)(char *, size_t)>(
        lib.getAddressOfSymbol("attnCudaProbe"));
    lastError = reinterpret_cast<const char *(*)()>(
        lib.getAddressOfSymbol("attnCudaLastError"));
    clearError = reinterpret_cast<void (*)()>(
        lib.getAddressOfSymbol("attnCudaClearError"));
    profileKernels = reinterpret_cast<int (*)(int)>(
        lib.getAddressOfSymbol("attnCudaProfileKernels"));
    takeKernelTime = reinterpret_cast<int (*)(double *, int64_t *)>(
        lib.getAddressOfSymbol("attnCudaTakeKernelTime"));
    auto useDriver = reinterpret_cast<int (*)(void *(*)(const char *))>(
        lib.getAddressOfSymbol("attnCudaUseDriver"));
    if (!probe || !lastError || !clearError || !profileKernels ||
        !takeKernelTime || !useDriver) {
      probe = nullptr;
      loadError = "the CUDA runtime " + std::string(ATTN_CUDA_RUNTIME) +
                  " lacks an attnCuda* entry point (stale build?)";
      return;
    }
    if (cudaDriver == "sim" && useDriver(attn_run::cuda_sim::lookup) != 0) {
      probe = nullptr;
      loadError = "the CUDA runtime had opened a driver before the "
                  "simulated one could be installed";
    }
#else
    loadError = "this build has no CUDA runtime (cuda.h was not found when "
                "attn-mlir was configured)";
#endif
  }
};

/// Runs the kernel stage of the GPU pipeline on `module` (for the
/// simulators, which take the kernels before the rest); false (reported)
/// on failure.
bool runKernelStage(mlir::ModuleOp module,
                    const mlir::attn::GPUPipelineOptions &options,
                    StringRef pipeline) {
  mlir::PassManager kernels(module.getContext());
  if (mlir::failed(mlir::applyPassManagerCLOptions(kernels)))
    return false;
  mlir::attn::buildAttnGPUKernelStage(kernels, options);
  if (mlir::failed(kernels.run(module))) {
    reportError("pipeline '" + pipeline + "' failed on " + inputFilename);
    return false;
  }
  return true;
}

/// A JIT-compiled entry function.
class CompiledEntry {
public:
  /// Lowers a clone of `module` with `pipeline`; diagnostics go to stderr.
  static std::unique_ptr<CompiledEntry>
  compile(mlir::ModuleOp module, StringRef pipeline, StringRef entry,
          unsigned numInputs, unsigned numResults) {
    mlir::OwningOpRef<mlir::ModuleOp> lowered(module.clone());
    pruneToEntry(*lowered, entry);
    std::unique_ptr<attn_run::GpuSimulator> sim;
    mlir::PassManager pm(module.getContext());
    if (mlir::failed(mlir::applyPassManagerCLOptions(pm))) {
      reportError("invalid pass manager options");
      return nullptr;
    }
    if (pipeline == "reference") {
      mlir::attn::ReferencePipelineOptions options;
      if (!parsePipelineOptions(options, pipeline))
        return nullptr;
      options.resultsAsOutParams = true;
      options.emitCInterface = true;
      mlir::attn::buildAttnReferencePipeline(pm, options);
    } else if (pipeline == "cpu") {
      mlir::attn::CPUPipelineOptions options;
      if (!parsePipelineOptions(options, pipeline))
        return nullptr;
      options.resultsAsOutParams = true;
      options.emitCInterface = true;
      mlir::attn::buildAttnCPUPipeline(pm, options);
    } else if (pipeline == "cuda") {
      mlir::attn::GPUPipelineOptions options;
      if (!parsePipelineOptions(options, pipeline))
        return nullptr;
      // Compile for the device at hand unless a chip was asked for.
      // wgmma needs the architecture-specific target of an sm_90 device.
      if (!options.chip.getNumOccurrences() &&
          !CudaRuntime::get().chip.empty()) {
        options.chip = CudaRuntime::get().chip;
        if (options.wgmma && options.chip == "sm_90")
          options.chip = "sm_90a";
      }
      options.resultsAsOutParams = true;
      options.emitCInterface = true;
      if (cudaDriver == "sim") {
#ifdef ATTN_CUDA_RUNTIME
        // The simulated driver runs the kernels from copies of their
        // gpu.func, taken between the two stages of the pipeline.
        if (!runKernelStage(*lowered, options, pipeline))
          return nullptr;
        sim = std::make_unique<attn_run::GpuSimulator>();
        std::string why;
        if (mlir::failed(sim->copyKernels(*lowered, why))) {
          reportError(why);
          return nullptr;
        }
        attn_run::cuda_sim::setSimulator(sim.get());
        mlir::attn::buildAttnGPUBinaryStage(pm, options);
#endif
      } else {
        mlir::attn::buildAttnGPUPipeline(pm, options);
      }
    } else if (pipeline == "gpu-sim") {
      // The GPU pipeline's kernels, run by the simulator: the kernel stage,
      // then the launchers call back into it, then the host lowering.
      mlir::attn::GPUPipelineOptions options;
      if (!parsePipelineOptions(options, pipeline))
        return nullptr;
      options.resultsAsOutParams = true;
      options.emitCInterface = true;
      if (!runKernelStage(*lowered, options, pipeline))
        return nullptr;
      sim = std::make_unique<attn_run::GpuSimulator>();
      std::string why;
      if (mlir::failed(sim->adopt(*lowered, why))) {
        reportError(why);
        return nullptr;
      }
      mlir::attn::buildAttnGPUSimHostStage(pm, options);
    } else {
      reportError("pipeline '" + pipeline + "' is not available");
      return nullptr;
    }
    if (mlir::failed(pm.run(*lowered))) {
      reportError("pipeline '" + pipeline + "' failed on " + inputFilename);
      return nullptr;
    }

    // Results must have become out-parameters: a lowered entry that still
    // returns something would make its C wrapper take the result descriptor
    // first, which the parameter count below cannot tell apart.
    auto loweredEntry = lowered->lookupSymbol<mlir::LLVM::LLVMFuncOp>(entry);
    if (!loweredEntry) {
      reportError("pipeline '" + pipeline + "' did not lower @" + entry +
                  " to an llvm.func");
      return nullptr;
    }
    if (!llvm::isa<mlir::LLVM::LLVMVoidType>(
            loweredEntry.getFunctionType().getReturnType())) {
      reportError("pipeline '" + pipeline + "' left results on @" + entry +
                  " (lowered to return '" +
                  typeToString(loweredEntry.getFunctionType().getReturnType()) +
                  "'); attn-run needs them turned into trailing "
                  "out-parameters (buffer-results-to-out-params)");
      return nullptr;
    }

    std::string wrapper = ("_mlir_ciface_" + entry).str();
    auto llvmFunc = lowered->lookupSymbol<mlir::LLVM::LLVMFuncOp>(wrapper);
    if (!llvmFunc || llvmFunc.isExternal()) {
      reportError("pipeline '" + pipeline + "' produced no '" + wrapper +
                  "' (attn-run needs llvm.emit_c_interface on the entry)");
      return nullptr;
    }
    mlir::LLVM::LLVMFunctionType funcType = llvmFunc.getFunctionType();
    if (funcType.getNumParams() != numInputs + numResults ||
        !llvm::isa<mlir::LLVM::LLVMVoidType>(funcType.getReturnType())) {
      reportError(llvm::formatv(
          "pipeline '{0}' lowered @{1} to a function of {2} parameters "
          "returning {3}; attn-run expects {4} memref pointers ({5} inputs "
          "then {6} result out-parameters) returning void",
          pipeline, entry, funcType.getNumParams(),
          typeToString(funcType.getReturnType()), numInputs + numResults,
          numInputs, numResults));
      return nullptr;
    }
    for (mlir::Type param : funcType.getParams()) {
      if (!llvm::isa<mlir::LLVM::LLVMPointerType>(param)) {
        reportError("pipeline '" + pipeline + "' lowered @" + entry +
                    " to a wrapper taking '" + typeToString(param) +
                    "', expected a memref descriptor pointer");
        return nullptr;
      }
    }

    auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!builder) {
      reportError(builder.takeError());
      return nullptr;
    }
    builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);
    auto targetMachine = builder->createTargetMachine();
    if (!targetMachine) {
      reportError(targetMachine.takeError());
      return nullptr;
    }
    // The transformer runs inside ExecutionEngine::create, while the engine
    // holds the target machine.
    auto transformer = mlir::makeOptimizingTransformer(
        /*optLevel=*/2, /*sizeLevel=*/0, targetMachine->get());
    mlir::ExecutionEngineOptions engineOptions;
    engineOptions.transformer = transformer;
    engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Default;
    engineOptions.enableGDBNotificationListener = false;
    engineOptions.enablePerfNotificationListener = false;
    // memrefCopy and friends, called by lowered strided copies; the OpenMP
    // runtime, called by the CPU pipeline's parallel loops.
    // The CUDA pipeline's host code calls the project's CUDA runtime.
    // A library that cannot be found is left out; code that needs it then
    // fails to link with the name of the missing symbol.
    llvm::SmallVector<std::string, 3> libraries = {
        findRuntimeLibrary(ATTN_C_RUNNER_UTILS),
        findRuntimeLibrary(ATTN_OPENMP_RUNTIME)};
#ifdef ATTN_CUDA_RUNTIME
    if (pipeline == "cuda")
      libraries.push_back(findRuntimeLibrary(ATTN_CUDA_RUNTIME));
#endif
    llvm::SmallVector<llvm::StringRef, 3> sharedLibs;
    for (const std::string &library : libraries)
      if (!library.empty())
        sharedLibs.push_back(library);
    engineOptions.sharedLibPaths = sharedLibs;
    auto engine = mlir::ExecutionEngine::create(*lowered, engineOptions,
                                                std::move(*targetMachine));
    if (!engine) {
      reportError("JIT compilation failed: " +
                  llvm::toString(engine.takeError()));
      return nullptr;
    }
    auto compiled = std::unique_ptr<CompiledEntry>(new CompiledEntry());
    compiled->engine = std::move(*engine);
    if (sim && pipeline == "gpu-sim") {
      sim->activate();
      compiled->engine->registerSymbols(
          [](llvm::orc::MangleAndInterner interner) {
            llvm::orc::SymbolMap symbols;
            symbols[interner(attn_run::GpuSimulator::launchSymbol())] = {
                llvm::orc::ExecutorAddr::fromPtr(
                    attn_run::GpuSimulator::launchAddress()),
                llvm::JITSymbolFlags::Exported};
            return symbols;
          });
    }
    compiled->sim = std::move(sim);
    compiled->engine->initialize();
    auto function = compiled->engine->lookupPacked(wrapper);
    if (!function) {
      reportError("JIT lookup of '" + wrapper +
                  "' failed: " + llvm::toString(function.takeError()));
      return nullptr;
    }
    compiled->function = *function;
    return compiled;
  }

  /// Calls the entry on the frame's inputs and results.
  void call(CallFrame &frame) { function(frame.getPackedArgs()); }

  ~CompiledEntry() {
#ifdef ATTN_CUDA_RUNTIME
    if (sim)
      attn_run::cuda_sim::setSimulator(nullptr);
#endif
  }

  /// For --pipeline=gpu-sim or the simulated CUDA driver: thread blocks
  /// simulated so far (-1 otherwise).
  int64_t simulatedBlocks() const { return sim ? sim->blocksRun() : -1; }
  std::string simulatedKernels() const { return sim ? sim->kernelsRun() : ""; }

  /// For --pipeline=gpu-sim: the simulator's first error, if any.
  std::optional<std::string> simulatorError() const {
    if (!sim || sim->error().empty())
      return std::nullopt;
    return sim->error();
  }

private:
  CompiledEntry() = default;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::unique_ptr<attn_run::GpuSimulator> sim;
  void (*function)(void **) = nullptr;
};

//===----------------------------------------------------------------------===//
// Summaries and comparisons
//===----------------------------------------------------------------------===//

struct Summary {
  double min = 0, max = 0, mean = 0;
  int64_t numNaN = 0, numInf = 0;
  std::vector<double> head;
};

Summary summarize(const HostTensor &tensor, int64_t headCount = 8) {
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

struct Comparison {
  double maxAbsErr = 0, maxRelErr = 0;
  int64_t numOutOfTolerance = 0; // finite pairs beyond atol + rtol * |want|
  int64_t numNonFiniteMismatch = 0;
  std::optional<int64_t> firstBad;
  double firstGot = 0, firstWant = 0;
  bool passed() const {
    return numOutOfTolerance == 0 && numNonFiniteMismatch == 0;
  }
};

/// numpy.allclose semantics, plus exact agreement of NaN and infinities.
Comparison compare(const HostTensor &got, const std::vector<double> &want,
                   double atol, double rtol) {
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

std::vector<int64_t> unflatten(int64_t index, llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> position(shape.size(), 0);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    if (shape[d] == 0)
      continue;
    position[d] = index % shape[d];
    index /= shape[d];
  }
  return position;
}

llvm::json::Value jsonNumber(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  return value;
}

llvm::json::Array jsonShape(llvm::ArrayRef<int64_t> shape) {
  llvm::json::Array array;
  for (int64_t dim : shape)
    array.push_back(dim);
  return array;
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

/// Everything one run produced, for the text and JSON reports.
struct Report {
  std::string entry, pipeline;
  llvm::json::Array inputs;
  llvm::json::Array results;
  std::optional<llvm::json::Object> check;
  std::optional<llvm::json::Object> bench;
  /// --cuda-driver=sim: what the simulated driver counted in the first call.
  std::optional<llvm::json::Object> cudaSim;
};

/// After calls of a --pipeline=cuda entry: reports the CUDA runtime's first
/// error (exit 2) and, with the simulated driver, what it found (a kernel
/// it rejected, device resources still alive: exit 1). With `simReport`,
/// the driver's counts and the `kernels` it ran go there and, as text, to
/// stdout. An exit code on failure.
std::optional<int> checkCudaCall(const std::string &when,
                                 std::optional<llvm::json::Object> *simReport,
                                 llvm::StringRef kernels = "") {
  std::optional<std::string> error = CudaRuntime::get().takeError();
  std::optional<std::string> simFailure;
  std::string live;
#ifdef ATTN_CUDA_RUNTIME
  if (cudaDriver == "sim") {
    simFailure = attn_run::cuda_sim::takeFailure();
    live = attn_run::cuda_sim::liveResources();
  }
#endif
  if (error) {
    reportError("the CUDA runtime failed " + when + ": " + *error);
    if (simFailure)
      llvm::errs() << "attn-run: note: " << *simFailure << "\n";
    if (!live.empty())
      llvm::errs() << "attn-run: note: cuda-sim: still alive: " << live << "\n";
    return kExitBadInput;
  }
  if (simFailure) {
    reportError("the simulated CUDA driver failed " + when + ": " +
                *simFailure);
    return kExitCheckFailed;
  }
  if (!live.empty()) {
    reportError("the simulated CUDA driver holds resources " + when +
                " that the call should have released: " + live);
    return kExitCheckFailed;
  }
#ifdef ATTN_CUDA_RUNTIME
  if (cudaDriver == "sim" && simReport) {
    attn_run::cuda_sim::Stats stats = attn_run::cuda_sim::takeStats();
    if (!emitJson)
      llvm::outs() << "cuda-sim: " << stats.modules << " module(s) loaded, "
                   << stats.launches << " launch(es), " << stats.allocations
                   << " device allocation(s) (peak " << stats.peakBytes
                   << " bytes), " << stats.bytesToDevice
                   << " bytes to the device, " << stats.bytesFromDevice
                   << " bytes back, " << stats.bytesOnDevice
                   << " bytes device to device; kernels: " << kernels << "\n";
    *simReport =
        llvm::json::Object{{"kernels", kernels},
                           {"modules", stats.modules},
                           {"launches", stats.launches},
                           {"allocations", stats.allocations},
                           {"peak_bytes", stats.peakBytes},
                           {"bytes_to_device", stats.bytesToDevice},
                           {"bytes_from_device", stats.bytesFromDevice},
                           {"bytes_on_device", stats.bytesOnDevice}};
  }
#endif
  return std::nullopt;
}

int runTool(mlir::MLIRContext &context) {
  // Validate option values before doing any work.
  if (cudaDriver != "system" && cudaDriver != "sim") {
    reportError("unknown --cuda-driver '" + cudaDriver +
                "' (expected system or sim)");
    return kExitBadInput;
  }
  if (cudaDriver == "sim" && pipelineName != "cuda" && !probeCuda) {
    reportError("--cuda-driver=sim needs --pipeline=cuda (or --probe-cuda)");
    return kExitBadInput;
  }
  if (!cudaSimFail.empty() && cudaDriver != "sim") {
    reportError("--cuda-sim-fail needs --cuda-driver=sim");
    return kExitBadInput;
  }
  if (!cudaSimFail.empty()) {
#ifdef ATTN_CUDA_RUNTIME
    auto [function, count] = StringRef(cudaSimFail).split(':');
    int64_t nth = 1;
    std::string why;
    if (!count.empty() && (count.getAsInteger(10, nth) || nth < 1)) {
      reportError("--cuda-sim-fail: '" + count +
                  "' is not a positive call number");
      return kExitBadInput;
    }
    if (!attn_run::cuda_sim::failCall(function, nth, why)) {
      reportError("--cuda-sim-fail: " + why);
      return kExitBadInput;
    }
#endif
  }
  if (probeCuda) {
    std::string why;
    if (!CudaRuntime::get().usable(why)) {
      reportError("no usable CUDA device: " + why);
      return kExitBadInput;
    }
    llvm::outs() << "cuda: " << CudaRuntime::get().device << "\n";
    return kExitSuccess;
  }
  if (pipelineName == "cuda") {
    std::string why;
    if (!CudaRuntime::get().usable(why)) {
      reportError("pipeline 'cuda' needs a usable CUDA driver and device: " +
                  why);
      return kExitBadInput;
    }
  }
  if (pipelineName != "reference" && pipelineName != "cpu" &&
      pipelineName != "cuda" && pipelineName != "gpu-sim") {
    reportError("unknown pipeline '" + pipelineName +
                "' (expected reference, cpu, cuda or gpu-sim)");
    return kExitBadInput;
  }
  if (oracleName != "reference" && oracleName != "naive") {
    reportError("unknown oracle '" + oracleName +
                "' (expected reference or naive)");
    return kExitBadInput;
  }
  if (!(absTolerance >= 0) || !(relTolerance >= 0)) {
    reportError("--atol and --rtol must be non-negative numbers");
    return kExitBadInput;
  }
  if (!(randomStep >= 0) || !(randomStep <= 1)) {
    reportError("--random-step must be a number in [0, 1]");
    return kExitBadInput;
  }
  if (benchmark && repeatRuns == 0) {
    reportError("--repeat must be at least 1");
    return kExitBadInput;
  }
  bool againstFiles = !checkAgainstFiles.empty();
  bool doCheck = checkResults || againstFiles;

  // Parse.
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      mlir::openInputFile(inputFilename, &errorMessage);
  if (!file) {
    reportError(errorMessage);
    return kExitBadInput;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module) {
    reportError("could not parse " + inputFilename);
    return kExitBadInput;
  }

  // Entry and its signature.
  mlir::func::FuncOp entry = findEntry(*module);
  if (!entry)
    return kExitBadInput;
  std::string name = entry.getSymName().str();
  std::vector<TensorSpec> argSpecs, resultSpecs;
  for (auto [i, type] : llvm::enumerate(entry.getArgumentTypes())) {
    std::optional<TensorSpec> spec = getTensorSpec(
        type, llvm::formatv("argument #{0} of @{1}", i, name).str());
    if (!spec)
      return kExitBadInput;
    argSpecs.push_back(std::move(*spec));
  }
  for (auto [i, type] : llvm::enumerate(entry.getResultTypes())) {
    std::optional<TensorSpec> spec = getTensorSpec(
        type, llvm::formatv("result #{0} of @{1}", i, name).str());
    if (!spec)
      return kExitBadInput;
    resultSpecs.push_back(std::move(*spec));
  }
  unsigned numInputs = argSpecs.size(), numResults = resultSpecs.size();

  Report report;
  report.entry = name;
  report.pipeline = pipelineName;

  // Inputs.
  if (!inputFiles.empty() && inputFiles.size() != numInputs) {
    reportError(llvm::formatv("@{0} takes {1} arguments but --input gave {2} "
                              "file(s)",
                              name, numInputs, inputFiles.size()));
    return kExitBadInput;
  }
  std::vector<HostTensor> inputs;
  for (unsigned i = 0; i < numInputs; ++i) {
    const TensorSpec &spec = argSpecs[i];
    RandomSpec random = getRandomSpec(entry.getArgument(i));
    llvm::json::Object info{{"index", i},
                            {"type", typeToString(spec.type)},
                            {"dtype", elemKindName(spec.kind)},
                            {"shape", jsonShape(spec.shape)}};
    if (!inputFiles.empty()) {
      std::optional<HostTensor> tensor = loadInput(inputFiles[i], i, spec);
      if (!tensor)
        return kExitBadInput;
      if (random.kind == RandomSpec::IndexBelow) {
        for (int64_t j = 0, e = tensor->size(); j < e; ++j) {
          double value = tensor->get(j);
          if (value < 0 || value >= static_cast<double>(random.bound)) {
            reportError(llvm::formatv(
                "input '{0}' for argument #{1}: value {2} at flat index {3} "
                "is not a row of the merged tensor [0, {4}) that "
                "attn.token_unmerge reads",
                inputFiles[i], i, formatDouble(value), j, random.bound));
            return kExitBadInput;
          }
        }
      }
      info["source"] = inputFiles[i];
      inputs.push_back(std::move(*tensor));
    } else {
      HostTensor tensor(spec.kind, spec.shape);
      if (!tensor.isAllocated()) {
        reportError(llvm::formatv("out of memory for argument #{0}", i));
        return kExitBadInput;
      }
      fillRandom(tensor, i, random);
      info["source"] = llvm::formatv("random(seed={0})", seed.getValue()).str();
      inputs.push_back(std::move(tensor));
    }
    report.inputs.push_back(std::move(info));
  }

  // Expected results from files, loaded up front so bad files fail fast.
  std::vector<std::vector<double>> expected;
  StringRef oracleLabel;
  if (againstFiles) {
    oracleLabel = "files";
    if (checkAgainstFiles.size() != numResults) {
      reportError(llvm::formatv("@{0} returns {1} results but --check-against "
                                "gave {2} file(s)",
                                name, numResults, checkAgainstFiles.size()));
      return kExitBadInput;
    }
    for (unsigned k = 0; k < numResults; ++k) {
      llvm::Expected<npy::Array> array = npy::readFile(checkAgainstFiles[k]);
      if (!array) {
        reportError(llvm::formatv("--check-against '{0}' for result #{1}: {2}",
                                  checkAgainstFiles[k], k,
                                  llvm::toString(array.takeError())));
        return kExitBadInput;
      }
      if (array->shape != resultSpecs[k].shape) {
        reportError(llvm::formatv(
            "--check-against '{0}' for result #{1} ({2}): expected shape "
            "{3}, got {4}",
            checkAgainstFiles[k], k, typeToString(resultSpecs[k].type),
            shapeToString(resultSpecs[k].shape), shapeToString(array->shape)));
        return kExitBadInput;
      }
      std::vector<double> values(array->numElements());
      for (int64_t j = 0, e = values.size(); j < e; ++j)
        values[j] = npyElement(*array, j);
      expected.push_back(std::move(values));
    }
  } else if (doCheck && oracleName == "naive") {
    // The naive oracle runs first: an unsupported entry is a usage error and
    // should not wait for JIT compilation.
    oracleLabel = "naive";
    std::vector<ref::Tensor> refInputs;
    for (const HostTensor &input : inputs)
      refInputs.push_back(input.toReference());
    llvm::Expected<std::vector<ref::Tensor>> oracle =
        attn::run::runNaiveOracle(entry, refInputs);
    if (!oracle) {
      reportError("--oracle=naive: " + llvm::toString(oracle.takeError()));
      return kExitBadInput;
    }
    if (oracle->size() != numResults) {
      reportError(llvm::formatv("--oracle=naive produced {0} results, @{1} "
                                "returns {2}",
                                oracle->size(), name, numResults));
      return kExitBadInput;
    }
    for (unsigned k = 0; k < numResults; ++k) {
      if ((*oracle)[k].shape != resultSpecs[k].shape) {
        reportError(llvm::formatv("--oracle=naive result #{0} has shape {1}, "
                                  "@{2} returns {3}",
                                  k, shapeToString((*oracle)[k].shape), name,
                                  shapeToString(resultSpecs[k].shape)));
        return kExitBadInput;
      }
      expected.push_back(std::move((*oracle)[k].data));
    }
  }

  // Compile and run.
  std::unique_ptr<CompiledEntry> compiled = CompiledEntry::compile(
      *module, pipelineName, name, numInputs, numResults);
  if (!compiled)
    return kExitBadInput;
  std::optional<CallFrame> frame = CallFrame::create(inputs, resultSpecs);
  if (!frame) {
    reportError("out of memory for the results");
    return kExitBadInput;
  }
  frame->restore(inputs);
  compiled->call(*frame);
  if (std::optional<std::string> error = compiled->simulatorError()) {
    reportError("the GPU simulator failed while running @" + name + ": " +
                *error);
    return kExitCheckFailed;
  }
  if (pipelineName == "gpu-sim" && !emitJson)
    llvm::outs() << "gpu-sim: " << compiled->simulatedBlocks()
                 << " thread blocks simulated; kernels: "
                 << compiled->simulatedKernels() << "\n";
  if (pipelineName == "cuda") {
    if (std::optional<int> exit =
            checkCudaCall("while running @" + name, &report.cudaSim,
                          compiled->simulatedKernels()))
      return *exit;
  }

  if (doCheck && !againstFiles && oracleName == "reference") {
    oracleLabel = "reference";
    std::unique_ptr<CompiledEntry> referenceEntry;
    CompiledEntry *oracleEntry = compiled.get();
    if (pipelineName != "reference") {
      referenceEntry = CompiledEntry::compile(*module, "reference", name,
                                              numInputs, numResults);
      if (!referenceEntry)
        return kExitBadInput;
      oracleEntry = referenceEntry.get();
    }
    std::optional<CallFrame> oracleFrame =
        CallFrame::create(inputs, resultSpecs);
    if (!oracleFrame) {
      reportError("out of memory for the oracle results");
      return kExitBadInput;
    }
    oracleFrame->restore(inputs);
    oracleEntry->call(*oracleFrame);
    for (const HostTensor &result : oracleFrame->getResults())
      expected.push_back(result.toReference().data);
  }

  // Results: save or summarise.
  llvm::raw_ostream &os = llvm::outs();
  if (!emitJson)
    os << "entry: @" << name << " (pipeline " << pipelineName << ")\n";
  if (!outputDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(outputDir)) {
      reportError("cannot create --output-dir '" + outputDir +
                  "': " + ec.message());
      return kExitBadInput;
    }
  }
  for (unsigned k = 0; k < numResults; ++k) {
    const HostTensor &result = frame->getResults()[k];
    const TensorSpec &spec = resultSpecs[k];
    Summary summary = summarize(result);
    llvm::json::Object info{{"index", k},
                            {"type", typeToString(spec.type)},
                            {"dtype", elemKindName(spec.kind)},
                            {"shape", jsonShape(spec.shape)},
                            {"min", jsonNumber(summary.min)},
                            {"max", jsonNumber(summary.max)},
                            {"mean", jsonNumber(summary.mean)},
                            {"nan_count", summary.numNaN},
                            {"inf_count", summary.numInf}};
    if (!outputDir.empty()) {
      llvm::SmallString<256> path(outputDir);
      llvm::sys::path::append(
          path, llvm::formatv("{0}.result{1}.npy", name, k).str());
      if (llvm::Error error = npy::writeFile(path, toNpy(result))) {
        reportError(std::move(error));
        return kExitBadInput;
      }
      info["file"] = path.str().str();
      if (!emitJson)
        os << "result " << k << ": " << typeToString(spec.type) << " -> "
           << path << "\n";
    } else if (!emitJson) {
      os << "result " << k << ": " << typeToString(spec.type) << "\n  values:";
      for (double value : summary.head)
        os << " " << formatDouble(value);
      if (result.size() > static_cast<int64_t>(summary.head.size()))
        os << " ... (" << result.size() << " elements)";
      os << "\n  min=" << formatDouble(summary.min)
         << " max=" << formatDouble(summary.max)
         << " mean=" << formatDouble(summary.mean);
      if (summary.numNaN || summary.numInf)
        os << " nan=" << summary.numNaN << " inf=" << summary.numInf;
      os << "\n";
    }
    llvm::json::Array head;
    for (double value : summary.head)
      head.push_back(jsonNumber(value));
    info["head"] = std::move(head);
    report.results.push_back(std::move(info));
  }

  // Check.
  bool checkPassed = true;
  if (doCheck) {
    if (!emitJson) {
      os << "check: oracle=" << oracleLabel;
      if (oracleLabel == "reference" && pipelineName == "reference")
        os << " (same pipeline: smoke test only)";
      os << "\n";
    }
    llvm::json::Array perResult;
    for (unsigned k = 0; k < numResults; ++k) {
      const HostTensor &result = frame->getResults()[k];
      Comparison cmp = compare(result, expected[k], absTolerance, relTolerance);
      checkPassed &= cmp.passed();
      if (!emitJson) {
        os << "result " << k << ": max_abs_err=" << formatDouble(cmp.maxAbsErr)
           << " max_rel_err=" << formatDouble(cmp.maxRelErr)
           << " (atol=" << formatDouble(absTolerance)
           << ", rtol=" << formatDouble(relTolerance) << ") "
           << (cmp.passed() ? "PASS" : "FAIL") << "\n";
        if (!cmp.passed()) {
          os << "  " << cmp.numOutOfTolerance << " of " << result.size()
             << " elements out of tolerance, " << cmp.numNonFiniteMismatch
             << " NaN/Inf mismatches; first at "
             << shapeToString(unflatten(*cmp.firstBad, result.getShape()))
             << ": got " << formatDouble(cmp.firstGot) << ", expected "
             << formatDouble(cmp.firstWant) << "\n";
        }
      }
      llvm::json::Object info{
          {"index", k},
          {"max_abs_err", jsonNumber(cmp.maxAbsErr)},
          {"max_rel_err", jsonNumber(cmp.maxRelErr)},
          {"out_of_tolerance", cmp.numOutOfTolerance},
          {"nonfinite_mismatches", cmp.numNonFiniteMismatch},
          {"pass", cmp.passed()}};
      if (cmp.firstBad) {
        info["first_bad_index"] =
            jsonShape(unflatten(*cmp.firstBad, result.getShape()));
        info["first_bad_got"] = jsonNumber(cmp.firstGot);
        info["first_bad_expected"] = jsonNumber(cmp.firstWant);
      }
      perResult.push_back(std::move(info));
      if (auto *object = report.results[k].getAsObject()) {
        (*object)["max_abs_err"] = jsonNumber(cmp.maxAbsErr);
        (*object)["max_rel_err"] = jsonNumber(cmp.maxRelErr);
        (*object)["pass"] = cmp.passed();
      }
    }
    if (!emitJson)
      os << "check: " << (checkPassed ? "PASS" : "FAIL") << "\n";
    llvm::json::Object check{{"oracle", oracleLabel},
                             {"atol", absTolerance.getValue()},
                             {"rtol", relTolerance.getValue()},
                             {"results", std::move(perResult)},
                             {"verdict", checkPassed ? "PASS" : "FAIL"}};
    if (againstFiles) {
      llvm::json::Array files;
      for (const std::string &path : checkAgainstFiles)
        files.push_back(path);
      check["files"] = std::move(files);
    }
    report.check = std::move(check);
  }

  // Benchmark.
  if (benchmark) {
    for (unsigned i = 0; i < warmupRuns; ++i) {
      frame->restore(inputs);
      compiled->call(*frame);
    }
    // On the GPU, also the kernels alone: CUDA events around every launch
    // (the call's time includes device allocation and copies).
    bool kernelTiming = pipelineName == "cuda";
    if (kernelTiming && CudaRuntime::get().profileKernels(1) != 0) {
      checkCudaCall("when starting kernel timing", nullptr);
      return kExitBadInput;
    }
    std::vector<double> times, kernelTimes;
    int64_t launchesPerCall = -1;
    for (unsigned i = 0; i < repeatRuns; ++i) {
      frame->restore(inputs);
      auto start = std::chrono::steady_clock::now();
      compiled->call(*frame);
      auto stop = std::chrono::steady_clock::now();
      times.push_back(
          std::chrono::duration<double, std::milli>(stop - start).count());
      if (kernelTiming) {
        double ms = 0;
        int64_t launches = 0;
        if (CudaRuntime::get().takeKernelTime(&ms, &launches) != 0)
          break;
        kernelTimes.push_back(ms);
        launchesPerCall = launches;
      }
    }
    if (kernelTiming)
      CudaRuntime::get().profileKernels(0);
    if (pipelineName == "cuda") {
      if (std::optional<int> exit =
              checkCudaCall("during --bench", /*simReport=*/nullptr))
        return *exit;
    }
    auto medianOf = [](std::vector<double> sorted) {
      std::sort(sorted.begin(), sorted.end());
      size_t n = sorted.size();
      return n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    };
    double median = medianOf(times);
    double minimum = *std::min_element(times.begin(), times.end());
    int64_t numOps = 0;
    double flops = attn::run::countUsefulFlops(entry, numOps);
    auto gflopsAt = [&](double ms) -> std::optional<double> {
      if (numOps > 0 && ms > 0)
        return flops / (ms * 1e-3) / 1e9;
      return std::nullopt;
    };
    std::optional<double> gflops = gflopsAt(median);
    if (!emitJson) {
      os << "bench: warmup=" << warmupRuns << " repeat=" << repeatRuns
         << " median=" << llvm::format("%.4f", median)
         << " ms min=" << llvm::format("%.4f", minimum) << " ms GFLOP/s=";
      if (gflops)
        os << llvm::format("%.3f", *gflops) << " (useful FLOPs "
           << llvm::format("%.6g", flops) << " in " << numOps << " attention op"
           << (numOps == 1 ? "" : "s") << ")";
      else
        os << "n/a (no counted attention ops)";
      os << "\n";
    }
    std::optional<double> kernelMedian, kernelMinimum, kernelGflops;
    if (!kernelTimes.empty()) {
      kernelMedian = medianOf(kernelTimes);
      kernelMinimum = *std::min_element(kernelTimes.begin(), kernelTimes.end());
      kernelGflops = gflopsAt(*kernelMedian);
      if (!emitJson) {
        os << "kernels: median=" << llvm::format("%.4f", *kernelMedian)
           << " ms min=" << llvm::format("%.4f", *kernelMinimum)
           << " ms GFLOP/s=";
        if (kernelGflops)
          os << llvm::format("%.3f", *kernelGflops);
        else
          os << "n/a";
        os << " (" << launchesPerCall
           << " launch(es) per call, CUDA events around each)\n";
      }
    }
    llvm::json::Array timesMs, kernelTimesMs;
    for (double time : times)
      timesMs.push_back(time);
    for (double time : kernelTimes)
      kernelTimesMs.push_back(time);
    report.bench = llvm::json::Object{
        {"warmup", warmupRuns.getValue()},
        {"repeat", repeatRuns.getValue()},
        {"median_ms", median},
        {"min_ms", minimum},
        {"times_ms", std::move(timesMs)},
        {"useful_flops",
         numOps > 0 ? llvm::json::Value(flops) : llvm::json::Value(nullptr)},
        {"attention_ops", numOps},
        {"gflops",
         gflops ? llvm::json::Value(*gflops) : llvm::json::Value(nullptr)}};
    if (kernelMedian) {
      report.bench->insert({"kernel_median_ms", *kernelMedian});
      report.bench->insert({"kernel_min_ms", *kernelMinimum});
      report.bench->insert({"kernel_times_ms", std::move(kernelTimesMs)});
      report.bench->insert({"kernel_launches_per_call", launchesPerCall});
      report.bench->insert(
          {"kernel_gflops", kernelGflops ? llvm::json::Value(*kernelGflops)
                                         : llvm::json::Value(nullptr)});
    }
  }

  if (emitJson) {
    llvm::json::Object root{{"entry", report.entry},
                            {"pipeline", report.pipeline},
                            {"seed", static_cast<int64_t>(seed.getValue())},
                            {"inputs", std::move(report.inputs)},
                            {"results", std::move(report.results)}};
    if (!outputDir.empty())
      root["output_dir"] = outputDir.getValue();
    if (report.check)
      root["check"] = std::move(*report.check);
    if (report.bench)
      root["bench"] = std::move(*report.bench);
    if (report.cudaSim)
      root["cuda_sim"] = std::move(*report.cudaSim);
    os << llvm::json::Value(std::move(root)) << "\n";
  }
  os.flush();
  return doCheck && !checkPassed ? kExitCheckFailed : kExitSuccess;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  mlir::registerPassManagerCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerAsmPrinterCLOptions();
  cl::HideUnrelatedOptions(runCategory);
  if (!cl::ParseCommandLineOptions(argc, argv, kOverview, &llvm::errs())) {
    llvm::errs() << "attn-run: error: invalid command line (see --help)\n";
    return kExitBadInput;
  }

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::attn::registerAllAttnDialects(registry);
  mlir::MLIRContext context(registry);
  return runTool(context);
}
