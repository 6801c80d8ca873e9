//===- Runner.cpp - Compile, JIT and call attn-mlir functions -------------===//

#include "attn/Runner/Runner.h"

#include "attn/GpuSim/GpuSim.h"
#ifdef ATTN_CUDA_RUNTIME
#include "attn/GpuSim/CudaSimDriver.h"
#endif
#include "attn/Pipelines/Pipelines.h"

#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <dlfcn.h>
#include <unistd.h>

using namespace attn;
using namespace attn::runner;
using llvm::StringRef;

static_assert(sizeof(void *) == 8, "the runner assumes 64-bit pointers");

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(message);
}

//===----------------------------------------------------------------------===//
// Entry functions
//===----------------------------------------------------------------------===//

llvm::Expected<mlir::func::FuncOp>
attn::runner::findEntry(mlir::ModuleOp module, StringRef name,
                        StringRef sourceName) {
  if (!name.empty()) {
    auto func = module.lookupSymbol<mlir::func::FuncOp>(name);
    if (!func)
      return makeError("no func.func named '" + name + "' in " + sourceName);
    if (func.isExternal())
      return makeError("entry function '" + name + "' has no body");
    return func;
  }
  llvm::SmallVector<mlir::func::FuncOp> candidates;
  for (auto func : module.getOps<mlir::func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      candidates.push_back(func);
  if (candidates.size() == 1)
    return candidates.front();
  if (candidates.empty())
    return makeError("no public func.func with a body in " + sourceName +
                     " (use --entry=NAME)");
  for (mlir::func::FuncOp func : candidates)
    if (func.getSymName() == "main")
      return func;
  std::string names;
  for (auto [i, func] : llvm::enumerate(candidates))
    names += (i ? ", @" : "@") + func.getSymName().str();
  return makeError("several public functions (" + names +
                   ") and none named 'main': choose one with --entry=NAME");
}

llvm::Expected<EntrySignature>
attn::runner::getEntrySignature(mlir::func::FuncOp entry) {
  EntrySignature signature;
  StringRef name = entry.getSymName();
  // The specs of `types`, named "<what> #i of @name" in errors.
  auto addSpecs = [&](mlir::TypeRange types, StringRef what,
                      std::vector<TensorSpec> &specs) -> llvm::Error {
    for (auto [i, type] : llvm::enumerate(types)) {
      llvm::Expected<TensorSpec> spec =
          getTensorSpec(type, llvm::formatv("{0} #{1} of @{2}", what, i, name));
      if (!spec)
        return spec.takeError();
      specs.push_back(std::move(*spec));
    }
    return llvm::Error::success();
  };
  if (llvm::Error err =
          addSpecs(entry.getArgumentTypes(), "argument", signature.arguments))
    return std::move(err);
  if (llvm::Error err =
          addSpecs(entry.getResultTypes(), "result", signature.results))
    return std::move(err);
  return signature;
}

bool attn::runner::hasDynamicSizes(mlir::func::FuncOp entry) {
  auto dynamic = [](mlir::Type type) {
    auto shaped = llvm::dyn_cast<mlir::ShapedType>(type);
    return shaped && shaped.hasRank() && !shaped.hasStaticShape();
  };
  return llvm::any_of(entry.getArgumentTypes(), dynamic) ||
         llvm::any_of(entry.getResultTypes(), dynamic);
}

llvm::Error attn::runner::specializeEntry(
    mlir::func::FuncOp entry,
    llvm::ArrayRef<std::optional<std::vector<int64_t>>> shapes) {
  StringRef name = entry.getSymName();
  if (entry.isExternal())
    return makeError(("@" + name + " has no body").str());
  mlir::Block &body = entry.getBody().front();
  mlir::OpBuilder builder(&body, body.begin());
  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    auto type = llvm::dyn_cast<mlir::RankedTensorType>(arg.getType());
    const std::optional<std::vector<int64_t>> *given =
        i < shapes.size() ? &shapes[i] : nullptr;
    if (!type || type.hasStaticShape())
      continue;
    if (!given || !*given)
      return makeError(llvm::formatv(
          "argument #{0} of @{1} has the dynamic type '{2}': give its sizes "
          "with --input (a .npy file) or --shape={0}:AxBx...",
          i, name, typeToString(type)));
    const std::vector<int64_t> &shape = **given;
    if (static_cast<int64_t>(shape.size()) != type.getRank())
      return makeError(llvm::formatv(
          "argument #{0} of @{1} has rank {2}, but the sizes given are {3}", i,
          name, type.getRank(), shapeToString(shape)));
    for (auto [d, size] : llvm::enumerate(shape))
      if (size < 0 || (!type.isDynamicDim(d) && type.getDimSize(d) != size))
        return makeError(llvm::formatv(
            "argument #{0} of @{1} has type '{2}', which the sizes {3} "
            "contradict",
            i, name, typeToString(type), shapeToString(shape)));
    auto fixed = mlir::RankedTensorType::get(shape, type.getElementType(),
                                             type.getEncoding());
    arg.setType(fixed);
    auto cast =
        mlir::tensor::CastOp::create(builder, entry.getLoc(), type, arg);
    arg.replaceAllUsesExcept(cast.getResult(), cast);
  }
  entry.setFunctionType(builder.getFunctionType(
      body.getArgumentTypes(), entry.getFunctionType().getResults()));

  // Propagate, with the diagnostics of ops that reject the sizes kept.
  mlir::MLIRContext *context = entry.getContext();
  std::string first;
  mlir::ScopedDiagnosticHandler handler(context, [&](mlir::Diagnostic &diag) {
    if (first.empty() && diag.getSeverity() == mlir::DiagnosticSeverity::Error)
      first = diag.str();
    return mlir::success();
  });
  mlir::PassManager pm(context, mlir::func::FuncOp::getOperationName());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  if (mlir::failed(pm.run(entry)))
    return makeError(llvm::formatv(
        "specialising @{0} to the given sizes failed: {1}", name, first));
  // Ops whose operand sizes disagree keep their casts: report them.
  mlir::IRRewriter rewriter(context);
  llvm::Error inconsistent = llvm::Error::success();
  entry.walk([&](mlir::attn::AttentionOp op) {
    first.clear();
    mlir::FailureOr<mlir::Operation *> folded = op.foldOperandCasts(rewriter);
    if (mlir::succeeded(folded) && *folded)
      rewriter.eraseOp(*folded);
    else if (mlir::failed(folded) && !inconsistent)
      inconsistent = makeError(llvm::formatv(
          "the sizes given to @{0} do not fit together: {1}", name, first));
  });
  if (inconsistent)
    return inconsistent;
  // Results: the static value behind a cast back to the dynamic type.
  llvm::SmallVector<mlir::Type> results;
  entry.walk([&](mlir::func::ReturnOp ret) {
    for (mlir::OpOperand &operand : ret->getOpOperands())
      if (auto cast = operand.get().getDefiningOp<mlir::tensor::CastOp>();
          cast && llvm::cast<mlir::ShapedType>(cast.getSource().getType())
                      .hasStaticShape()) {
        operand.set(cast.getSource());
        if (cast->use_empty())
          cast->erase();
      }
    results.assign(ret.getOperandTypes().begin(), ret.getOperandTypes().end());
  });
  for (auto [k, type] : llvm::enumerate(results))
    if (auto shaped = llvm::dyn_cast<mlir::ShapedType>(type);
        shaped && !shaped.hasStaticShape())
      return makeError(llvm::formatv(
          "result #{0} of @{1} has the type '{2}' even with the argument "
          "sizes given: attn-run needs sizes it can infer",
          k, name, typeToString(type)));
  entry.setFunctionType(
      builder.getFunctionType(body.getArgumentTypes(), results));
  return llvm::Error::success();
}

void attn::runner::pruneToEntry(mlir::ModuleOp module, StringRef entry) {
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

//===----------------------------------------------------------------------===//
// Pipelines
//===----------------------------------------------------------------------===//

namespace {
constexpr StringRef kReferencePipeline = "attn-reference-pipeline";
constexpr StringRef kCPUPipeline = "attn-cpu-pipeline";
constexpr StringRef kGPUPipeline = "attn-gpu-pipeline";
constexpr StringRef kGPUSimPipeline = "attn-gpu-sim-pipeline";
} // namespace

StringRef attn::runner::resolvePipelineName(StringRef name) {
  return llvm::StringSwitch<StringRef>(name)
      .Case("reference", kReferencePipeline)
      .Case("cpu", kCPUPipeline)
      .Case("cuda", kGPUPipeline)
      .Case("gpu-sim", kGPUSimPipeline)
      .Default(name);
}

PipelineTarget attn::runner::getPipelineTarget(StringRef name) {
  StringRef registered = resolvePipelineName(name);
  if (registered == kGPUPipeline)
    return PipelineTarget::Cuda;
  if (registered == kGPUSimPipeline)
    return PipelineTarget::GpuSim;
  return PipelineTarget::Host;
}

namespace {

/// Parses `text` into `options`; the parser's message on failure.
template <typename Options>
llvm::Error parseOptions(Options &options, StringRef text) {
  std::string message;
  llvm::raw_string_ostream os(message);
  if (mlir::failed(options.parseFromString(text, os)))
    return makeError(message.empty() ? "a value does not parse" : message);
  std::string problem = mlir::attn::checkPipelineOptions(options);
  if (!problem.empty())
    return makeError(problem);
  return llvm::Error::success();
}

/// `options` in the textual form a registered pipeline takes.
template <typename Options> std::string printOptions(const Options &options) {
  std::string text;
  llvm::raw_string_ostream os(text);
  options.print(os);
  StringRef body = StringRef(text).trim();
  if (body.consume_front("{"))
    body.consume_back("}");
  return body.str();
}

/// Forces what the runner needs of the project's lowering pipelines.
template <typename Options> void setRunnerOptions(Options &options) {
  options.resultsAsOutParams = true;
  options.emitCInterface = true;
}

/// Adds the registered pipeline `name` with `options` to `pm`.
llvm::Error addRegisteredPipeline(mlir::OpPassManager &pm, StringRef name,
                                  StringRef options) {
  const mlir::PassPipelineInfo *info = mlir::PassPipelineInfo::lookup(name);
  if (!info)
    return makeError("no registered pipeline named '" + name + "'");
  std::string message;
  if (mlir::failed(info->addToPipeline(pm, options, [&](const llvm::Twine &m) {
        message = m.str();
        return mlir::failure();
      })))
    return makeError(message);
  return llvm::Error::success();
}

/// Where a library the runner loads at run time lives: the path found when
/// attn-mlir was configured, or, when that does not exist (the executable
/// copied to another machine, as scripts/device-kit.sh does), the file of
/// the same name in `<directory of the executable>/../lib`. Empty when
/// neither exists.
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

} // namespace

llvm::Error attn::runner::validatePipelineOptions(StringRef pipeline,
                                                  StringRef options) {
  StringRef registered = resolvePipelineName(pipeline);
  if (!mlir::PassPipelineInfo::lookup(registered))
    return makeError("no registered pipeline named '" + registered + "'");
  if (registered == kReferencePipeline) {
    mlir::attn::ReferencePipelineOptions parsed;
    return parseOptions(parsed, options);
  }
  if (registered == kCPUPipeline) {
    mlir::attn::CPUPipelineOptions parsed;
    return parseOptions(parsed, options);
  }
  if (registered == kGPUPipeline || registered == kGPUSimPipeline) {
    mlir::attn::GPUPipelineOptions parsed;
    return parseOptions(parsed, options);
  }
  mlir::OpPassManager pm("builtin.module");
  return addRegisteredPipeline(pm, registered, options);
}

//===----------------------------------------------------------------------===//
// CUDA runtime
//===----------------------------------------------------------------------===//

CudaRuntime &CudaRuntime::get(CudaDriver driver) {
  static CudaRuntime runtime(driver);
  return runtime;
}

CudaRuntime::CudaRuntime(CudaDriver driver) {
  simulated = driver == CudaDriver::Simulated;
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
  profile = reinterpret_cast<int (*)(int)>(
      lib.getAddressOfSymbol("attnCudaProfileKernels"));
  kernelTime = reinterpret_cast<int (*)(double *, int64_t *)>(
      lib.getAddressOfSymbol("attnCudaTakeKernelTime"));
  auto useDriver = reinterpret_cast<int (*)(void *(*)(const char *))>(
      lib.getAddressOfSymbol("attnCudaUseDriver"));
  if (!probe || !lastError || !clearError || !profile || !kernelTime ||
      !useDriver) {
    probe = nullptr;
    loadError = "the CUDA runtime " + std::string(ATTN_CUDA_RUNTIME) +
                " lacks an attnCuda* entry point (stale build?)";
    return;
  }
  if (simulated && useDriver(gpusim::cuda_sim::lookup) != 0) {
    probe = nullptr;
    loadError = "the CUDA runtime had opened a driver before the simulated "
                "one could be installed";
  }
#else
  loadError = "this build has no CUDA runtime (cuda.h was not found when "
              "attn-mlir was configured)";
#endif
}

llvm::Error CudaRuntime::checkUsable() {
  if (!probe)
    return makeError(loadError);
  char buf[512];
  if (probe(buf, sizeof(buf)) != 0)
    return makeError(buf);
  device = buf;
  size_t at = device.find("sm_");
  chip = device.substr(at, device.find(',', at) - at);
  return llvm::Error::success();
}

std::optional<std::string> CudaRuntime::takeError() {
  const char *error = lastError ? lastError() : nullptr;
  if (!error)
    return std::nullopt;
  std::string out = error;
  clearError();
  return out;
}

bool CudaRuntime::profileKernels(bool enable) {
  return profile && profile(enable ? 1 : 0) == 0;
}

bool CudaRuntime::takeKernelTime(double &milliseconds, int64_t &launches) {
  return kernelTime && kernelTime(&milliseconds, &launches) == 0;
}

//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

llvm::Expected<CallFrame>
CallFrame::create(const std::vector<HostTensor> &inputs,
                  const std::vector<TensorSpec> &results) {
  CallFrame frame;
  for (const HostTensor &input : inputs) {
    llvm::Expected<HostTensor> copy =
        HostTensor::create(input.getElementType(), input.getShape());
    if (!copy)
      return copy.takeError();
    frame.inputs.push_back(std::move(*copy));
  }
  for (const TensorSpec &spec : results) {
    llvm::Expected<HostTensor> result =
        HostTensor::create(spec.type, spec.shape);
    if (!result)
      return result.takeError();
    frame.results.push_back(std::move(*result));
  }
  // Descriptors point at the tensors' heap storage, and the packed array at
  // the descriptor pointers: all heap addresses, stable under moves.
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

void CallFrame::restore(const std::vector<HostTensor> &pristine) {
  for (auto [working, original] : llvm::zip(inputs, pristine))
    working.copyFrom(original);
}

std::vector<double>
attn::runner::timeCalls(CompiledEntry &entry, CallFrame &frame,
                        const std::vector<HostTensor> &inputs, unsigned count,
                        llvm::function_ref<bool()> afterCall) {
  std::vector<double> times;
  for (unsigned i = 0; i < count; ++i) {
    frame.restore(inputs);
    auto start = std::chrono::steady_clock::now();
    entry.call(frame);
    auto stop = std::chrono::steady_clock::now();
    times.push_back(
        std::chrono::duration<double, std::milli>(stop - start).count());
    if (afterCall && !afterCall())
      break;
  }
  return times;
}

//===----------------------------------------------------------------------===//
// Compilation
//===----------------------------------------------------------------------===//

CompiledEntry::CompiledEntry() = default;

CompiledEntry::~CompiledEntry() {
#ifdef ATTN_CUDA_RUNTIME
  if (ownsSimulatedDriver)
    gpusim::cuda_sim::setSimulator(nullptr);
#endif
}

int64_t CompiledEntry::simulatedBlocks() const {
  return sim ? sim->blocksRun() : -1;
}

std::string CompiledEntry::simulatedKernels() const {
  return sim ? sim->kernelsRun() : "";
}

std::optional<std::string> CompiledEntry::simulatorError() const {
  if (!sim || sim->error().empty())
    return std::nullopt;
  return sim->error();
}

namespace {

/// Checks that `entry` was lowered to a void function whose C interface
/// takes one memref descriptor pointer per input and result.
llvm::Error checkLoweredEntry(mlir::ModuleOp lowered, StringRef pipeline,
                              StringRef entry, unsigned numInputs,
                              unsigned numResults) {
  // Results must have become out-parameters: a lowered entry that still
  // returns something would make its C wrapper take the result descriptor
  // first, which the parameter count below cannot tell apart.
  auto loweredEntry = lowered.lookupSymbol<mlir::LLVM::LLVMFuncOp>(entry);
  if (!loweredEntry)
    return makeError("pipeline '" + pipeline + "' did not lower @" + entry +
                     " to an llvm.func");
  mlir::Type returned = loweredEntry.getFunctionType().getReturnType();
  if (!llvm::isa<mlir::LLVM::LLVMVoidType>(returned))
    return makeError("pipeline '" + pipeline + "' left results on @" + entry +
                     " (lowered to return '" + typeToString(returned) +
                     "'); attn-run needs them turned into trailing "
                     "out-parameters (buffer-results-to-out-params)");
  std::string wrapper = ("_mlir_ciface_" + entry).str();
  auto llvmFunc = lowered.lookupSymbol<mlir::LLVM::LLVMFuncOp>(wrapper);
  if (!llvmFunc || llvmFunc.isExternal())
    return makeError("pipeline '" + pipeline + "' produced no '" + wrapper +
                     "' (attn-run needs llvm.emit_c_interface on the entry)");
  mlir::LLVM::LLVMFunctionType funcType = llvmFunc.getFunctionType();
  if (funcType.getNumParams() != numInputs + numResults ||
      !llvm::isa<mlir::LLVM::LLVMVoidType>(funcType.getReturnType()))
    return makeError(llvm::formatv(
        "pipeline '{0}' lowered @{1} to a function of {2} parameters "
        "returning {3}; attn-run expects {4} memref pointers ({5} inputs "
        "then {6} result out-parameters) returning void",
        pipeline, entry, funcType.getNumParams(),
        typeToString(funcType.getReturnType()), numInputs + numResults,
        numInputs, numResults));
  for (mlir::Type param : funcType.getParams())
    if (!llvm::isa<mlir::LLVM::LLVMPointerType>(param))
      return makeError("pipeline '" + pipeline + "' lowered @" + entry +
                       " to a wrapper taking '" + typeToString(param) +
                       "', expected a memref descriptor pointer");
  return llvm::Error::success();
}

/// memrefCopy and friends, called by lowered strided copies, from MLIR's C
/// runner utilities. That library links libMLIR.so and libLLVM.so: opened
/// for the whole process (RTLD_GLOBAL, as the engine opens its shared
/// libraries), it would put LLVM's symbols first in the lookup of every
/// library loaded later, and a later library with its own copy of LLVM
/// (triton's, loaded by torch in the same Python process) would then run
/// its static initialisers against ours and crash. So it is opened locally,
/// once, and the engine gets only the functions `lowered` declares.
void registerCRunnerUtils(mlir::ExecutionEngine &engine,
                          mlir::ModuleOp lowered) {
  static void *handle = [] {
    std::string path = findRuntimeLibrary(ATTN_C_RUNNER_UTILS);
    return path.empty() ? nullptr
                        : ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  }();
  if (!handle)
    return;
  llvm::SmallVector<std::pair<std::string, void *>> found;
  for (auto func : lowered.getOps<mlir::LLVM::LLVMFuncOp>())
    if (func.isExternal())
      if (void *address = ::dlsym(handle, func.getName().str().c_str()))
        found.emplace_back(func.getName().str(), address);
  if (found.empty())
    return;
  engine.registerSymbols([&](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    for (auto &[name, address] : found)
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                                 llvm::JITSymbolFlags::Exported};
    return symbols;
  });
}

/// Builds the JIT for `lowered`, loading the runtime libraries it may call.
llvm::Expected<std::unique_ptr<mlir::ExecutionEngine>>
createEngine(mlir::ModuleOp lowered, bool withCudaRuntime) {
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);
  auto targetMachine = builder->createTargetMachine();
  if (!targetMachine)
    return targetMachine.takeError();
  // The transformer runs inside ExecutionEngine::create, while the engine
  // holds the target machine.
  auto transformer = mlir::makeOptimizingTransformer(
      /*optLevel=*/2, /*sizeLevel=*/0, targetMachine->get());
  mlir::ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Default;
  engineOptions.enableGDBNotificationListener = false;
  engineOptions.enablePerfNotificationListener = false;
  // The OpenMP runtime, called by the CPU pipeline's parallel loops; the
  // project's CUDA runtime, called by the GPU pipeline's host code. A
  // library that cannot be found is left out; code that needs it then fails
  // to link with the name of the missing symbol. Neither depends on
  // libLLVM.so, so loading them for the whole process (as the engine does)
  // is harmless; MLIR's C runner utilities are handled apart, below.
  llvm::SmallVector<std::string, 3> libraries = {
      findRuntimeLibrary(ATTN_OPENMP_RUNTIME)};
#ifdef ATTN_CUDA_RUNTIME
  if (withCudaRuntime)
    libraries.push_back(findRuntimeLibrary(ATTN_CUDA_RUNTIME));
#endif
  llvm::SmallVector<StringRef, 3> sharedLibs;
  for (const std::string &library : libraries)
    if (!library.empty())
      sharedLibs.push_back(library);
  engineOptions.sharedLibPaths = sharedLibs;
  auto engine = mlir::ExecutionEngine::create(lowered, engineOptions,
                                              std::move(*targetMachine));
  if (!engine)
    return engine.takeError();
  registerCRunnerUtils(**engine, lowered);
  return engine;
}

} // namespace

namespace {
/// While compiled code runs: a failed `cf.assert` prints its message with
/// puts() and calls abort(). The message is flushed and the process ends
/// with status 1 and a line saying what happened, not a crash report.
extern "C" void onCompiledCodeAbort(int) {
  std::fflush(stdout);
  static const char message[] =
      "error: a run-time check of the compiled code failed (its message is "
      "above); stopping\n";
  (void)!::write(2, message, sizeof(message) - 1);
  ::_exit(1);
}
} // namespace

void CompiledEntry::call(CallFrame &frame) {
  struct sigaction handler = {}, previous = {};
  handler.sa_handler = onCompiledCodeAbort;
  sigemptyset(&handler.sa_mask);
  ::sigaction(SIGABRT, &handler, &previous);
  function(frame.getPackedArgs());
  ::sigaction(SIGABRT, &previous, nullptr);
}

llvm::Expected<std::unique_ptr<CompiledEntry>>
CompiledEntry::compile(mlir::ModuleOp module, StringRef entry,
                       unsigned numInputs, unsigned numResults,
                       const CompileOptions &options) {
  StringRef pipeline = options.pipeline;
  StringRef registered = resolvePipelineName(pipeline);
  if (!mlir::PassPipelineInfo::lookup(registered))
    return makeError("pipeline '" + pipeline + "' is not available");
  auto invalidOptions = [&](llvm::Error error) {
    return makeError("invalid options '" + options.pipelineOptions +
                     "' for pipeline '" + pipeline +
                     "': " + llvm::toString(std::move(error)));
  };
  auto failedOn = [&] {
    return makeError("pipeline '" + pipeline + "' failed on " +
                     options.sourceName);
  };
  auto applyCLOptions = [&](mlir::PassManager &pm) -> llvm::Error {
    if (options.applyPassManagerCLOptions &&
        mlir::failed(mlir::applyPassManagerCLOptions(pm)))
      return makeError("invalid pass manager options");
    return llvm::Error::success();
  };

  mlir::OwningOpRef<mlir::ModuleOp> lowered(module.clone());
  pruneToEntry(*lowered, entry);
  auto compiled = std::unique_ptr<CompiledEntry>(new CompiledEntry());
  auto pm = std::make_unique<mlir::PassManager>(module.getContext());
  if (llvm::Error error = applyCLOptions(*pm))
    return error;
  PipelineTarget target = getPipelineTarget(pipeline);

  // The project's host pipelines get the user's options with the runner's
  // calling convention forced on, printed back for the registered pipeline.
  auto addHostPipeline = [&](auto parsed) -> llvm::Error {
    if (llvm::Error error = parseOptions(parsed, options.pipelineOptions))
      return invalidOptions(std::move(error));
    setRunnerOptions(parsed);
    return addRegisteredPipeline(*pm, registered, printOptions(parsed));
  };
  if (registered == kReferencePipeline) {
    if (llvm::Error error =
            addHostPipeline(mlir::attn::ReferencePipelineOptions()))
      return error;
  } else if (registered == kCPUPipeline) {
    if (llvm::Error error = addHostPipeline(mlir::attn::CPUPipelineOptions()))
      return error;
  } else if (target == PipelineTarget::Host) {
    // Any other registered pipeline, as it is; the checks of the lowered
    // entry below tell what it lacks.
    if (llvm::Error error =
            addRegisteredPipeline(*pm, registered, options.pipelineOptions))
      return invalidOptions(std::move(error));
  } else {
    mlir::attn::GPUPipelineOptions gpu;
    if (llvm::Error error = parseOptions(gpu, options.pipelineOptions))
      return invalidOptions(std::move(error));
    setRunnerOptions(gpu);
    bool simulatedDriver = options.cudaDriver == CudaDriver::Simulated;
    if (target == PipelineTarget::Cuda) {
      // Compile for the device at hand unless a chip was asked for. wgmma
      // needs the architecture-specific target of an sm_90 device.
      const std::string &chip = CudaRuntime::get(options.cudaDriver).getChip();
      if (!gpu.chip.getNumOccurrences() && !chip.empty()) {
        gpu.chip = chip;
        if (gpu.wgmma && gpu.chip == "sm_90")
          gpu.chip = "sm_90a";
      }
    }
    if (target == PipelineTarget::Cuda && !simulatedDriver) {
      if (llvm::Error error =
              addRegisteredPipeline(*pm, kGPUPipeline, printOptions(gpu)))
        return error;
    } else {
      // The simulators take the kernels between the kernel stage (the
      // registered attn-gpu-sim-pipeline) and the rest.
      mlir::PassManager kernels(module.getContext());
      if (llvm::Error error = applyCLOptions(kernels))
        return error;
      if (llvm::Error error = addRegisteredPipeline(kernels, kGPUSimPipeline,
                                                    printOptions(gpu)))
        return error;
      if (mlir::failed(kernels.run(*lowered)))
        return failedOn();
      compiled->sim = std::make_unique<gpusim::GpuSimulator>();
      std::string why;
      if (target == PipelineTarget::GpuSim) {
        if (mlir::failed(compiled->sim->adopt(*lowered, why)))
          return makeError(why);
        mlir::attn::buildAttnGPUSimHostStage(*pm, gpu);
      } else {
#ifdef ATTN_CUDA_RUNTIME
        // The simulated driver runs the kernels from copies of their
        // gpu.func.
        if (mlir::failed(compiled->sim->copyKernels(*lowered, why)))
          return makeError(why);
        gpusim::cuda_sim::setSimulator(compiled->sim.get());
        compiled->ownsSimulatedDriver = true;
#endif
        mlir::attn::buildAttnGPUBinaryStage(*pm, gpu);
      }
    }
  }
  if (mlir::failed(pm->run(*lowered)))
    return failedOn();
  if (llvm::Error error =
          checkLoweredEntry(*lowered, pipeline, entry, numInputs, numResults))
    return error;

  llvm::Expected<std::unique_ptr<mlir::ExecutionEngine>> engine =
      createEngine(*lowered, target == PipelineTarget::Cuda);
  if (!engine)
    return makeError("JIT compilation failed: " +
                     llvm::toString(engine.takeError()));
  compiled->engine = std::move(*engine);
  if (target == PipelineTarget::GpuSim) {
    compiled->sim->activate();
    compiled->engine->registerSymbols(
        [](llvm::orc::MangleAndInterner interner) {
          llvm::orc::SymbolMap symbols;
          symbols[interner(gpusim::GpuSimulator::launchSymbol())] = {
              llvm::orc::ExecutorAddr::fromPtr(
                  gpusim::GpuSimulator::launchAddress()),
              llvm::JITSymbolFlags::Exported};
          return symbols;
        });
  }
  compiled->engine->initialize();
  std::string wrapper = ("_mlir_ciface_" + entry).str();
  auto function = compiled->engine->lookupPacked(wrapper);
  if (!function)
    return makeError("JIT lookup of '" + wrapper +
                     "' failed: " + llvm::toString(function.takeError()));
  compiled->function = *function;
  return compiled;
}
