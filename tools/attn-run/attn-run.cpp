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
// The entry function takes and returns tensors; one with dynamic sizes is
// first specialised to the sizes of its inputs (--input or --shape;
// runner::specializeEntry). The pipeline turns it into `_mlir_ciface_<entry>`,
// which takes one memref descriptor pointer per input followed by one per
// result (results become caller-allocated out-parameters). attn-run owns every
// buffer.
//
// Exit codes: 0 success, 1 a --check failed, 2 bad input or usage.
//
// This file only parses flags, turns them into the structs of lib/Runner
// (host tensors, compilation by pipeline name, JIT, timing, comparison) and
// prints; the naive oracle comes from lib/Reference, the simulators from
// lib/GpuSim.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/AttnToCPU/AttnToCPU.h"
#include "attn/GpuSim/CudaSimDriver.h"
#include "attn/InitAll.h"
#include "attn/Reference/Oracle.h"
#include "attn/Runner/Runner.h"
#include "attn/Support/Npy.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/Support/CommandLine.h"
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
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace cl = llvm::cl;
namespace npy = ::attn::npy;
namespace ref = ::attn::ref;
namespace sim = ::attn::gpusim::cuda_sim;
using namespace ::attn::runner;

using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Command line
//===----------------------------------------------------------------------===//

namespace {

const char *const kOverview =
    R"(compile, run, check and time an attn-mlir function

attn-run parses FILE.mlir ('-' reads stdin), lowers a copy of it with the
chosen pipeline, JIT-compiles it for the host (LLVM -O2) and calls the entry
function once. Entry arguments and results must be tensors of f32, f16, bf16,
f64, i1, i8, i32, i64 or index. An entry with dynamic sizes is specialised to
the sizes of its inputs first: the shapes of the --input files, or --shape
for random inputs; sizes that do not fit together are an error.

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
    cl::desc("Registered pipeline that compiles the entry, or one of the "
             "aliases: 'reference' (attn-reference-pipeline, the default), "
             "'cpu' (attn-cpu-pipeline: fused, multi-threaded kernels), "
             "'cuda' (attn-gpu-pipeline: fused kernels on the first NVIDIA "
             "GPU, through the project's CUDA runtime; without a usable "
             "driver and device it fails with exit code 2) or 'gpu-sim' "
             "(attn-gpu-sim-pipeline: the kernels of the GPU pipeline run by "
             "a functional simulator of the GPU on the CPU, thread block by "
             "thread block; slow, for testing without a GPU; accepts the GPU "
             "pipeline's options). Any other registered pipeline runs on the "
             "host when it lowers the entry to the LLVM dialect with a C "
             "interface and results as out-parameters"),
    cl::value_desc("name"), cl::init("reference"), cl::cat(runCategory));

cl::opt<bool> probeCuda(
    "probe-cuda",
    cl::desc("Only report whether a CUDA driver and device are usable "
             "(exit 0 and a 'cuda:' line) or not (exit 2); needs no input"),
    cl::init(false), cl::cat(runCategory));

cl::opt<bool> printHostISA(
    "host-isa",
    cl::desc("Only print the instruction set that --pipeline=cpu's kernels "
             "target on this machine ('isa: avx512-bf16', 'avx512', 'avx2' "
             "or 'generic'; the cpu pipeline's isa=host); needs no input"),
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

cl::list<std::string> shapeOptions(
    "shape",
    cl::desc("Sizes of dynamically sized entry arguments, as ARG:AxBx... "
             "(argument index, then the sizes); repeatable and/or "
             "comma-separated. The entry is specialised to them (and to the "
             "shapes of --input files) before it is compiled"),
    cl::value_desc("arg:AxBx..."), cl::CommaSeparated, cl::cat(runCategory));

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
// Errors and formatting
//===----------------------------------------------------------------------===//

enum ExitCode { kExitSuccess = 0, kExitCheckFailed = 1, kExitBadInput = 2 };

/// Every failure is reported once, at the point it is detected.
void reportError(const llvm::Twine &message) {
  llvm::errs() << "attn-run: error: " << message << "\n";
}

void reportError(llvm::Error error) {
  reportError(llvm::toString(std::move(error)));
}

std::string formatDouble(double value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%.6g", value);
  return text;
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

bool useSimulatedDriver() { return cudaDriver == "sim"; }

CudaRuntime &getCudaRuntime() {
  return CudaRuntime::get(useSimulatedDriver() ? CudaDriver::Simulated
                                               : CudaDriver::System);
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

/// Everything one run produced, for the text and JSON reports.
struct Report {
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
  std::optional<std::string> error = getCudaRuntime().takeError();
  std::optional<std::string> simFailure;
  std::string live;
#ifdef ATTN_HAVE_CUDA_SIM
  if (useSimulatedDriver()) {
    simFailure = sim::takeFailure();
    live = sim::liveResources();
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
#ifdef ATTN_HAVE_CUDA_SIM
  if (useSimulatedDriver() && simReport) {
    sim::Stats stats = sim::takeStats();
    if (!emitJson)
      llvm::outs() << "cuda-sim: " << stats.modules << " module(s) loaded, "
                   << stats.launches << " launch(es), " << stats.allocations
                   << " device allocation(s) (peak " << stats.peakBytes
                   << " bytes), " << stats.bytesToDevice
                   << " bytes to the device, " << stats.bytesFromDevice
                   << " bytes back, " << stats.bytesOnDevice
                   << " bytes device to device; kernels: " << kernels << "\n";
    *simReport =
        llvm::json::Object{{"kernels", kernels.str()},
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

/// Checks the option values before any work; an exit code on failure.
std::optional<int> validateOptions() {
  PipelineTarget target = getPipelineTarget(pipelineName);
  if (cudaDriver != "system" && cudaDriver != "sim") {
    reportError("unknown --cuda-driver '" + cudaDriver +
                "' (expected system or sim)");
    return kExitBadInput;
  }
  if (useSimulatedDriver() && target != PipelineTarget::Cuda && !probeCuda) {
    reportError("--cuda-driver=sim needs --pipeline=cuda (or --probe-cuda)");
    return kExitBadInput;
  }
  if (!cudaSimFail.empty() && !useSimulatedDriver()) {
    reportError("--cuda-sim-fail needs --cuda-driver=sim");
    return kExitBadInput;
  }
  if (!cudaSimFail.empty()) {
#ifdef ATTN_HAVE_CUDA_SIM
    auto [function, count] = StringRef(cudaSimFail).split(':');
    int64_t nth = 1;
    std::string why;
    if (!count.empty() && (count.getAsInteger(10, nth) || nth < 1)) {
      reportError("--cuda-sim-fail: '" + count +
                  "' is not a positive call number");
      return kExitBadInput;
    }
    if (!sim::failCall(function, nth, why)) {
      reportError("--cuda-sim-fail: " + why);
      return kExitBadInput;
    }
#endif
  }
  if (printHostISA) {
    llvm::outs() << "isa: "
                 << mlir::attn::stringifyCPUISA(mlir::attn::hostCPUISA())
                 << "\n";
    return kExitSuccess;
  }
  if (probeCuda) {
    if (llvm::Error error = getCudaRuntime().checkUsable()) {
      reportError("no usable CUDA device: " + llvm::toString(std::move(error)));
      return kExitBadInput;
    }
    llvm::outs() << "cuda: " << getCudaRuntime().getDevice() << "\n";
    return kExitSuccess;
  }
  if (target == PipelineTarget::Cuda) {
    if (llvm::Error error = getCudaRuntime().checkUsable()) {
      reportError("pipeline '" + pipelineName +
                  "' needs a usable CUDA driver and device: " +
                  llvm::toString(std::move(error)));
      return kExitBadInput;
    }
  }
  if (!mlir::PassPipelineInfo::lookup(resolvePipelineName(pipelineName))) {
    reportError("unknown pipeline '" + pipelineName +
                "' (expected a registered pipeline or one of the aliases "
                "reference, cpu, cuda or gpu-sim)");
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
  return std::nullopt;
}

/// Compiles `entry` with `pipeline` (the user's options when it is the
/// user's pipeline); null (reported) on failure.
std::unique_ptr<CompiledEntry> compileEntry(mlir::ModuleOp module,
                                            StringRef pipeline, StringRef entry,
                                            const EntrySignature &signature) {
  CompileOptions options;
  options.pipeline = pipeline.str();
  if (pipeline == pipelineName) {
    options.pipelineOptions = pipelineOptions;
    if (llvm::Error error =
            validatePipelineOptions(pipeline, options.pipelineOptions)) {
      reportError("invalid --pipeline-options '" + pipelineOptions +
                  "' for pipeline '" + pipelineName +
                  "': " + StringRef(llvm::toString(std::move(error))).trim());
      return nullptr;
    }
  }
  options.cudaDriver =
      useSimulatedDriver() ? CudaDriver::Simulated : CudaDriver::System;
  options.applyPassManagerCLOptions = true;
  options.sourceName = inputFilename;
  llvm::Expected<std::unique_ptr<CompiledEntry>> compiled =
      CompiledEntry::compile(module, entry, signature.arguments.size(),
                             signature.results.size(), options);
  if (!compiled) {
    reportError(compiled.takeError());
    return nullptr;
  }
  return std::move(*compiled);
}

/// Prints the text report of one result (a summary, or where it was saved).
void printResult(llvm::raw_ostream &os, unsigned k, const HostTensor &result,
                 const TensorSpec &spec, const Summary &summary,
                 StringRef savedTo) {
  os << "result " << k << ": " << typeToString(spec.mlirType);
  if (!savedTo.empty()) {
    os << " -> " << savedTo << "\n";
    return;
  }
  os << "\n  values:";
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

/// --bench: times the entry and fills the report; an exit code on failure.
std::optional<int> runBenchmark(mlir::func::FuncOp entry,
                                CompiledEntry &compiled, CallFrame &frame,
                                const std::vector<HostTensor> &inputs,
                                Report &report) {
  llvm::raw_ostream &os = llvm::outs();
  timeCalls(compiled, frame, inputs, warmupRuns);
  // On the GPU, also the kernels alone: CUDA events around every launch
  // (the call's time includes device allocation and copies).
  bool kernelTiming = getPipelineTarget(pipelineName) == PipelineTarget::Cuda;
  if (kernelTiming && !getCudaRuntime().profileKernels(true)) {
    checkCudaCall("when starting kernel timing", nullptr);
    return kExitBadInput;
  }
  std::vector<double> kernelTimes;
  int64_t launchesPerCall = -1;
  std::vector<double> times =
      timeCalls(compiled, frame, inputs, repeatRuns, [&] {
        if (!kernelTiming)
          return true;
        double ms = 0;
        int64_t launches = 0;
        if (!getCudaRuntime().takeKernelTime(ms, launches))
          return false;
        kernelTimes.push_back(ms);
        launchesPerCall = launches;
        return true;
      });
  if (kernelTiming) {
    getCudaRuntime().profileKernels(false);
    if (std::optional<int> exit =
            checkCudaCall("during --bench", /*simReport=*/nullptr))
      return *exit;
  }
  double medianMs = median(times);
  double minimum = *std::min_element(times.begin(), times.end());
  int64_t numOps = 0;
  double flops = ref::countUsefulFlops(entry, numOps);
  auto gflopsAt = [&](double ms) -> std::optional<double> {
    if (numOps > 0 && ms > 0)
      return flops / (ms * 1e-3) / 1e9;
    return std::nullopt;
  };
  std::optional<double> gflops = gflopsAt(medianMs);
  if (!emitJson) {
    os << "bench: warmup=" << warmupRuns << " repeat=" << repeatRuns
       << " median=" << llvm::format("%.4f", medianMs)
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
    kernelMedian = median(kernelTimes);
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
  auto optional = [](std::optional<double> value) {
    return value ? llvm::json::Value(*value) : llvm::json::Value(nullptr);
  };
  report.bench = llvm::json::Object{
      {"warmup", warmupRuns.getValue()},
      {"repeat", repeatRuns.getValue()},
      {"median_ms", medianMs},
      {"min_ms", minimum},
      {"times_ms", std::move(timesMs)},
      {"useful_flops",
       numOps > 0 ? llvm::json::Value(flops) : llvm::json::Value(nullptr)},
      {"attention_ops", numOps},
      {"gflops", optional(gflops)}};
  if (kernelMedian) {
    report.bench->insert({"kernel_median_ms", *kernelMedian});
    report.bench->insert({"kernel_min_ms", *kernelMinimum});
    report.bench->insert({"kernel_times_ms", std::move(kernelTimesMs)});
    report.bench->insert({"kernel_launches_per_call", launchesPerCall});
    report.bench->insert({"kernel_gflops", optional(kernelGflops)});
  }
  return std::nullopt;
}

/// The sizes of each entry argument that --shape or an --input file gives
/// (nullopt where neither does); reports and returns nullopt on a malformed
/// --shape or an unreadable file.
std::optional<std::vector<std::optional<std::vector<int64_t>>>>
argumentShapes(mlir::func::FuncOp entry) {
  unsigned n = entry.getNumArguments();
  std::vector<std::optional<std::vector<int64_t>>> shapes(n);
  for (auto [i, path] : llvm::enumerate(inputFiles)) {
    if (i >= n)
      break;
    llvm::Expected<attn::npy::Array> array = attn::npy::readFile(path);
    if (!array) {
      reportError(array.takeError());
      return std::nullopt;
    }
    shapes[i] = array->shape;
  }
  for (const std::string &option : shapeOptions) {
    auto [index, dims] = llvm::StringRef(option).split(':');
    unsigned arg = 0;
    std::vector<int64_t> shape;
    bool bad = index.getAsInteger(10, arg) || arg >= n || dims.empty();
    llvm::SmallVector<llvm::StringRef> parts;
    dims.split(parts, 'x');
    for (llvm::StringRef part : parts) {
      int64_t size;
      if (part.getAsInteger(10, size) || size < 0 || size > (int64_t(1) << 40))
        bad = true;
      else
        shape.push_back(size);
    }
    if (bad) {
      reportError(llvm::formatv("--shape={0}: expected ARG:AxBx... with ARG "
                                "an argument index below {1} and sizes in "
                                "[0, 2^40]",
                                option, n));
      return std::nullopt;
    }
    shapes[arg] = std::move(shape);
  }
  return shapes;
}

int runTool(mlir::MLIRContext &context) {
  if (std::optional<int> exit = validateOptions())
    return *exit;
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
  llvm::Expected<mlir::func::FuncOp> found =
      findEntry(*module, entryName, inputFilename);
  if (!found) {
    reportError(found.takeError());
    return kExitBadInput;
  }
  mlir::func::FuncOp entry = *found;
  std::string name = entry.getSymName().str();
  if (hasDynamicSizes(entry) || !shapeOptions.empty()) {
    std::optional<std::vector<std::optional<std::vector<int64_t>>>> shapes =
        argumentShapes(entry);
    if (!shapes)
      return kExitBadInput;
    if (llvm::Error err = specializeEntry(entry, *shapes)) {
      reportError(std::move(err));
      return kExitBadInput;
    }
  }
  llvm::Expected<EntrySignature> signature = getEntrySignature(entry);
  if (!signature) {
    reportError(signature.takeError());
    return kExitBadInput;
  }
  const std::vector<TensorSpec> &argSpecs = signature->arguments;
  const std::vector<TensorSpec> &resultSpecs = signature->results;
  unsigned numInputs = argSpecs.size(), numResults = resultSpecs.size();
  Report report;

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
                            {"type", typeToString(spec.mlirType)},
                            {"dtype", attn::getMLIRName(spec.type)},
                            {"shape", jsonShape(spec.shape)}};
    if (!inputFiles.empty()) {
      llvm::Expected<HostTensor> tensor = loadNpyInput(inputFiles[i], i, spec);
      if (!tensor) {
        reportError(tensor.takeError());
        return kExitBadInput;
      }
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
      llvm::Expected<HostTensor> tensor =
          HostTensor::create(spec.type, spec.shape);
      if (!tensor) {
        llvm::consumeError(tensor.takeError());
        reportError(llvm::formatv("out of memory for argument #{0}", i));
        return kExitBadInput;
      }
      fillRandom(*tensor, seed, i, random, randomStep);
      info["source"] = llvm::formatv("random(seed={0})", seed.getValue()).str();
      inputs.push_back(std::move(*tensor));
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
            checkAgainstFiles[k], k, typeToString(resultSpecs[k].mlirType),
            shapeToString(resultSpecs[k].shape), shapeToString(array->shape)));
        return kExitBadInput;
      }
      expected.push_back(toDoubles(*array));
    }
  } else if (doCheck && oracleName == "naive") {
    // The naive oracle runs first: an unsupported entry is a usage error and
    // should not wait for JIT compilation.
    oracleLabel = "naive";
    std::vector<ref::Tensor> refInputs;
    for (const HostTensor &input : inputs) {
      ref::Tensor tensor;
      tensor.shape = input.getShape();
      tensor.data = input.toDoubles();
      refInputs.push_back(std::move(tensor));
    }
    llvm::Expected<std::vector<ref::Tensor>> oracle =
        ref::runNaiveOracle(entry, refInputs);
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
  std::unique_ptr<CompiledEntry> compiled =
      compileEntry(*module, pipelineName, name, *signature);
  if (!compiled)
    return kExitBadInput;
  llvm::Expected<CallFrame> frame = CallFrame::create(inputs, resultSpecs);
  if (!frame) {
    llvm::consumeError(frame.takeError());
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
  PipelineTarget target = getPipelineTarget(pipelineName);
  if (target == PipelineTarget::GpuSim && !emitJson)
    llvm::outs() << "gpu-sim: " << compiled->simulatedBlocks()
                 << " thread blocks simulated; kernels: "
                 << compiled->simulatedKernels() << "\n";
  if (target == PipelineTarget::Cuda) {
    if (std::optional<int> exit =
            checkCudaCall("while running @" + name, &report.cudaSim,
                          compiled->simulatedKernels()))
      return *exit;
  }

  bool referenceIsSelf =
      resolvePipelineName(pipelineName) == resolvePipelineName("reference");
  if (doCheck && !againstFiles && oracleName == "reference") {
    oracleLabel = "reference";
    std::unique_ptr<CompiledEntry> referenceEntry;
    CompiledEntry *oracleEntry = compiled.get();
    if (!referenceIsSelf) {
      referenceEntry = compileEntry(*module, "reference", name, *signature);
      if (!referenceEntry)
        return kExitBadInput;
      oracleEntry = referenceEntry.get();
    }
    llvm::Expected<CallFrame> oracleFrame =
        CallFrame::create(inputs, resultSpecs);
    if (!oracleFrame) {
      llvm::consumeError(oracleFrame.takeError());
      reportError("out of memory for the oracle results");
      return kExitBadInput;
    }
    oracleFrame->restore(inputs);
    oracleEntry->call(*oracleFrame);
    for (const HostTensor &result : oracleFrame->getResults())
      expected.push_back(result.toDoubles());
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
                            {"type", typeToString(spec.mlirType)},
                            {"dtype", attn::getMLIRName(spec.type)},
                            {"shape", jsonShape(spec.shape)},
                            {"min", jsonNumber(summary.min)},
                            {"max", jsonNumber(summary.max)},
                            {"mean", jsonNumber(summary.mean)},
                            {"nan_count", summary.numNaN},
                            {"inf_count", summary.numInf}};
    llvm::SmallString<256> path;
    if (!outputDir.empty()) {
      path = outputDir;
      llvm::sys::path::append(
          path, llvm::formatv("{0}.result{1}.npy", name, k).str());
      if (llvm::Error error = npy::writeFile(path, toNpy(result))) {
        reportError(std::move(error));
        return kExitBadInput;
      }
      info["file"] = path.str().str();
    }
    if (!emitJson)
      printResult(os, k, result, spec, summary, path);
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
      if (oracleLabel == "reference" && referenceIsSelf)
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

  if (benchmark)
    if (std::optional<int> exit =
            runBenchmark(entry, *compiled, *frame, inputs, report))
      return *exit;

  if (emitJson) {
    llvm::json::Object root{{"entry", name},
                            {"pipeline", pipelineName.getValue()},
                            {"seed", static_cast<uint64_t>(seed.getValue())},
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
  // --pipeline names a pipeline of the registry.
  mlir::attn::registerAllAttnPasses();
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
