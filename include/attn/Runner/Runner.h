//===- Runner.h - Compile, JIT and call attn-mlir functions -----*- C++ -*-===//
//
// The library behind attn-run, meant for any host-side caller (a tool, a
// Python module, a pass that evaluates at compile time):
//  - host tensors: dense row-major arrays of an ElementType, shapes taken
//    from the inputs, random or .npy contents;
//  - compilation of one entry function with a registered pass pipeline
//    chosen by name (attn-run's short names are aliases of registered ones),
//    then JIT compilation with the MLIR ExecutionEngine;
//  - calls on host tensors (results are caller-allocated out-parameters),
//    timing, and numpy.allclose-style comparison of results.
// Options are plain structs; errors are llvm::Error with a message; nothing
// here prints (diagnostics of the passes go to the context's handler).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNNER_RUNNER_H
#define ATTN_RUNNER_RUNNER_H

#include "attn/Support/ElementType.h"
#include "attn/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace attn::gpusim {
class GpuSimulator;
} // namespace attn::gpusim

namespace attn::runner {

//===----------------------------------------------------------------------===//
// Host tensors
//===----------------------------------------------------------------------===//

/// A dense row-major host array laid out as compiled code expects, in a
/// zeroed 64-byte aligned allocation it owns.
class HostTensor {
public:
  /// An array of `type` and `shape`; fails when it cannot be allocated.
  static llvm::Expected<HostTensor> create(ElementType type,
                                           llvm::ArrayRef<int64_t> shape);

  ElementType getElementType() const { return type; }
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  int64_t size() const { return numElements; }
  size_t byteSize() const {
    return static_cast<size_t>(numElements) * getByteSize(type);
  }
  char *data() { return storage.get(); }
  const char *data() const { return storage.get(); }

  /// Element `i` as a double, and set from a double (see storeFromDouble).
  double get(int64_t i) const { return loadAsDouble(type, data(), i); }
  void set(int64_t i, double value) { storeFromDouble(type, data(), i, value); }

  /// Copies the bytes of `other` (as many as both hold).
  void copyFrom(const HostTensor &other);

  /// Every element as a double (bool as 0 or 1).
  std::vector<double> toDoubles() const;

  /// A memref descriptor {allocated, aligned, offset, sizes[], strides[]} of
  /// this array, as 64-bit words.
  std::vector<int64_t> makeDescriptor();

private:
  struct FreeDeleter {
    void operator()(void *pointer) const { std::free(pointer); }
  };
  HostTensor(ElementType type, llvm::ArrayRef<int64_t> shape);

  ElementType type;
  std::vector<int64_t> shape;
  int64_t numElements = 0;
  std::unique_ptr<char, FreeDeleter> storage;
};

/// Element type and static shape of one entry argument or result.
struct TensorSpec {
  ElementType type;
  std::vector<int64_t> shape;
  mlir::Type mlirType;
};

/// Describes `type`, a statically shaped tensor of f32, f16, bf16, f64, i1,
/// i8, i32, i64 or index; `what` names it in the error otherwise.
llvm::Expected<TensorSpec> getTensorSpec(mlir::Type type,
                                         const llvm::Twine &what);

/// `type` as MLIR prints it, and `shape` as "[1, 2, 3]".
std::string typeToString(mlir::Type type);
std::string shapeToString(llvm::ArrayRef<int64_t> shape);

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

/// How random data for one argument is drawn: floats uniform in [-1, 1),
/// i1 Bernoulli(0.5), integers uniform in [0, 8), except for arguments whose
/// use would index out of bounds or divide by zero.
struct RandomSpec {
  enum Kind { Default, IndexBelow, SizeCounts } kind = Default;
  int64_t bound = 0; // IndexBelow: values in [0, bound)
};

/// The distribution of `arg` from its uses: the `source` of
/// attn.token_unmerge draws valid rows, the `size` of attn.token_merge holds
/// integers 1..4.
RandomSpec getRandomSpec(mlir::BlockArgument arg);

/// Fills `tensor` from a stream derived only from `seed` and `argIndex`;
/// floats are rounded down to multiples of `step` when it is positive.
void fillRandom(HostTensor &tensor, uint64_t seed, unsigned argIndex,
                const RandomSpec &spec, double step);

/// The .npy dtype an input of `type` must have (bf16 comes as float32, index
/// as int64), which is also the dtype a result is written as.
npy::DType getNpyDType(ElementType type);

/// Loads `path` as entry argument `argIndex` described by `spec`; checks the
/// dtype and shape.
llvm::Expected<HostTensor> loadNpyInput(llvm::StringRef path, unsigned argIndex,
                                        const TensorSpec &spec);

/// `tensor` as a .npy array (bf16 widened to float32).
npy::Array toNpy(const HostTensor &tensor);

/// The elements of `array` as doubles.
std::vector<double> toDoubles(const npy::Array &array);

//===----------------------------------------------------------------------===//
// Entry functions
//===----------------------------------------------------------------------===//

/// The function called `name`, or without a name the only public func.func
/// with a body (or the one named 'main' among several). `sourceName` names
/// the input in errors.
llvm::Expected<mlir::func::FuncOp> findEntry(mlir::ModuleOp module,
                                             llvm::StringRef name,
                                             llvm::StringRef sourceName);

/// Argument and result descriptions of `entry`.
struct EntrySignature {
  std::vector<TensorSpec> arguments, results;
};
llvm::Expected<EntrySignature> getEntrySignature(mlir::func::FuncOp entry);

/// Whether an argument or result of `entry` has a dynamic size.
bool hasDynamicSizes(mlir::func::FuncOp entry);

/// Specialises `entry` to the argument sizes `shapes` (one per argument;
/// nullopt leaves a statically sized argument as it is): each dynamically
/// sized argument gets its static type, with a tensor.cast back to the
/// dynamic type for its uses, and the module is canonicalized so that the
/// sizes reach every op and the results. Errors: a dynamic argument without
/// a size, a size of the wrong rank or contradicting a static dimension,
/// sizes an op rejects (with the verifier's message), or a result whose size
/// is still unknown.
llvm::Error
specializeEntry(mlir::func::FuncOp entry,
                llvm::ArrayRef<std::optional<std::vector<int64_t>>> shapes);

/// Erases every func.func that `entry` does not reach through symbol uses.
void pruneToEntry(mlir::ModuleOp module, llvm::StringRef entry);

//===----------------------------------------------------------------------===//
// Pipelines
//===----------------------------------------------------------------------===//

/// The registered pipeline a name stands for: the short names reference,
/// cpu, cuda and gpu-sim are aliases of attn-reference-pipeline,
/// attn-cpu-pipeline, attn-gpu-pipeline and attn-gpu-sim-pipeline; any
/// other name is returned as it is.
llvm::StringRef resolvePipelineName(llvm::StringRef name);

/// How a pipeline's result is run.
enum class PipelineTarget {
  Host,   // everything on the host (reference, cpu, any other pipeline)
  Cuda,   // kernels on a CUDA device (attn-gpu-pipeline)
  GpuSim, // kernels on the GPU simulator (attn-gpu-sim-pipeline)
};
PipelineTarget getPipelineTarget(llvm::StringRef name);

/// Whether `options` are valid options of pipeline `name` (a registered name
/// or an alias); the error holds the option parser's message.
llvm::Error validatePipelineOptions(llvm::StringRef name,
                                    llvm::StringRef options);

//===----------------------------------------------------------------------===//
// CUDA runtime
//===----------------------------------------------------------------------===//

/// Which CUDA driver the project's CUDA runtime uses.
enum class CudaDriver { System, Simulated };

/// The project's CUDA runtime library (lib/Runtime), opened once by the
/// first `get`, whose driver choice sticks; it opens the driver itself, so
/// loading it never fails for want of a GPU.
class CudaRuntime {
public:
  static CudaRuntime &get(CudaDriver driver = CudaDriver::System);

  /// Whether a device is usable; the error says why not.
  llvm::Error checkUsable();
  /// "NAME, sm_XY, driver A.B" and "sm_XY" once checkUsable succeeded.
  const std::string &getDevice() const { return device; }
  const std::string &getChip() const { return chip; }
  bool usesSimulatedDriver() const { return simulated; }

  /// The first error of the runtime since the last call, if any.
  std::optional<std::string> takeError();

  /// Starts (true) or stops timing every kernel launch with CUDA events;
  /// false when the runtime cannot.
  bool profileKernels(bool enable);
  /// The kernel time and launches since the last call; false on failure.
  bool takeKernelTime(double &milliseconds, int64_t &launches);

private:
  explicit CudaRuntime(CudaDriver driver);
  int (*probe)(char *, size_t) = nullptr;
  const char *(*lastError)() = nullptr;
  void (*clearError)() = nullptr;
  int (*profile)(int) = nullptr;
  int (*kernelTime)(double *, int64_t *) = nullptr;
  std::string loadError, device, chip;
  bool simulated = false;
};

//===----------------------------------------------------------------------===//
// Compilation and calls
//===----------------------------------------------------------------------===//

struct CompileOptions {
  /// A registered pipeline name or one of its aliases.
  std::string pipeline = "reference";
  /// The pipeline's options, as in --attn-cpu-pipeline='...'. The options
  /// results-as-out-params and emit-c-interface of the project's pipelines
  /// are always set; the GPU pipeline's chip defaults to the CUDA device's.
  std::string pipelineOptions;
  /// The CUDA driver of the attn-gpu-pipeline.
  CudaDriver cudaDriver = CudaDriver::System;
  /// Apply the pass-manager command-line options (--mlir-print-ir-*, ...);
  /// for tools that registered them.
  bool applyPassManagerCLOptions = false;
  /// Names the input in errors ("pipeline 'cpu' failed on FILE").
  std::string sourceName = "<input>";
};

/// Working copies of the inputs plus result buffers, and the packed argument
/// array that points at their memref descriptors.
class CallFrame {
public:
  static llvm::Expected<CallFrame>
  create(const std::vector<HostTensor> &inputs,
         const std::vector<TensorSpec> &results);

  /// Restores the working inputs from `pristine` (bufferized code may write
  /// into function arguments).
  void restore(const std::vector<HostTensor> &pristine);

  const std::vector<HostTensor> &getResults() const { return results; }
  void **getPackedArgs() { return packed.data(); }

private:
  CallFrame() = default;
  std::vector<HostTensor> inputs, results;
  std::vector<std::vector<int64_t>> descriptors;
  std::vector<void *> descriptorPointers;
  std::vector<void *> packed;
};

/// An entry function lowered by a pipeline and JIT-compiled for the host.
/// Its C interface takes one memref descriptor per input, then one per
/// result (caller-allocated out-parameters).
class CompiledEntry {
public:
  /// Lowers a clone of `module` pruned to `entry` (which takes `numInputs`
  /// tensors and returns `numResults`) and JIT-compiles it.
  static llvm::Expected<std::unique_ptr<CompiledEntry>>
  compile(mlir::ModuleOp module, llvm::StringRef entry, unsigned numInputs,
          unsigned numResults, const CompileOptions &options);
  ~CompiledEntry();

  /// Calls the entry on the frame's inputs and results. A run-time check of
  /// the compiled code that fails (`cf.assert`: dynamic sizes that do not fit
  /// together) prints its message and ends the process with exit status 1,
  /// instead of the abort (and crash report) it would otherwise be.
  void call(CallFrame &frame);

  /// With the GPU simulator (gpu-sim, or the simulated CUDA driver): thread
  /// blocks simulated so far (-1 otherwise), the kernels run, and the
  /// simulator's first error.
  int64_t simulatedBlocks() const;
  std::string simulatedKernels() const;
  std::optional<std::string> simulatorError() const;

private:
  CompiledEntry();
  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::unique_ptr<gpusim::GpuSimulator> sim;
  bool ownsSimulatedDriver = false;
  void (*function)(void **) = nullptr;
};

/// Calls `entry` `count` times, restoring the inputs before every call and
/// timing each call alone (steady clock); returns the milliseconds.
/// `afterCall`, when given, runs after each timed call and stops the loop by
/// returning false.
std::vector<double> timeCalls(CompiledEntry &entry, CallFrame &frame,
                              const std::vector<HostTensor> &inputs,
                              unsigned count,
                              llvm::function_ref<bool()> afterCall = nullptr);

//===----------------------------------------------------------------------===//
// Summaries and comparisons
//===----------------------------------------------------------------------===//

/// Min, max and mean of the finite elements (NaN when there are none), the
/// NaN and infinity counts, and the first `headCount` values.
struct Summary {
  double min = 0, max = 0, mean = 0;
  int64_t numNaN = 0, numInf = 0;
  std::vector<double> head;
};
Summary summarize(const HostTensor &tensor, int64_t headCount = 8);

/// numpy.allclose semantics, |got - want| <= atol + rtol * |want|, plus
/// exact agreement of NaN and infinities.
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
Comparison compare(const HostTensor &got, llvm::ArrayRef<double> want,
                   double atol, double rtol);

/// The position of flat index `index` in `shape` (row-major).
std::vector<int64_t> unflatten(int64_t index, llvm::ArrayRef<int64_t> shape);

/// The median of `values` (the mean of the middle two for an even count).
double median(std::vector<double> values);

} // namespace attn::runner

#endif // ATTN_RUNNER_RUNNER_H
