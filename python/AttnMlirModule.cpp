//===- AttnMlirModule.cpp - The attn_mlir Python extension ----------------===//
//
// attn_mlir._attn_mlir: parse and print modules, run pass pipelines by name,
// and compile an entry with a registered pipeline and call it on numpy
// arrays, all in process, through the project's libraries (lib/InitAll,
// lib/Runner). attn_mlir/__init__.py is the documented API over it.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAll.h"
#include "attn/Runner/Runner.h"
#include "attn/Support/ElementType.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace py = pybind11;
using namespace attn::runner;

namespace {

/// Raised to Python as attn_mlir.Error, with the diagnostics as its text.
struct AttnError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The context every module lives in: every upstream and attn dialect,
/// extension and LLVM IR translation, created once.
std::shared_ptr<mlir::MLIRContext> getContext() {
  static std::shared_ptr<mlir::MLIRContext> context = [] {
    mlir::DialectRegistry registry;
    mlir::attn::registerEverything(registry);
    mlir::registerAllToLLVMIRTranslations(registry);
    return std::make_shared<mlir::MLIRContext>(registry);
  }();
  return context;
}

/// The passes of `pipeline` without its builtin.module( ... ) anchor, when
/// it has one around all of it.
std::string stripModuleAnchor(llvm::StringRef pipeline) {
  llvm::StringRef prefix = "builtin.module(";
  if (!pipeline.starts_with(prefix) || !pipeline.ends_with(")"))
    return pipeline.str();
  int depth = 0;
  for (size_t i = prefix.size() - 1, e = pipeline.size(); i < e; ++i) {
    depth += pipeline[i] == '(';
    depth -= pipeline[i] == ')';
    if (depth == 0)
      return i + 1 == e ? pipeline.drop_front(prefix.size()).drop_back().str()
                        : pipeline.str();
  }
  return pipeline.str();
}

/// A parsed module with the source it came from, so that diagnostics of
/// later passes still quote the offending line.
class Module {
public:
  static std::unique_ptr<Module> parse(const std::string &text,
                                       const std::string &name) {
    auto module = std::unique_ptr<Module>(new Module());
    module->sourceMgr = std::make_shared<llvm::SourceMgr>();
    module->sourceMgr->AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(text, name), llvm::SMLoc());
    std::string diagnostics;
    {
      llvm::raw_string_ostream os(diagnostics);
      mlir::SourceMgrDiagnosticHandler handler(*module->sourceMgr,
                                               module->context.get(), os);
      module->op = mlir::parseSourceFile<mlir::ModuleOp>(*module->sourceMgr,
                                                         module->context.get());
    }
    if (!module->op)
      throw AttnError("cannot parse " + name + ":\n" + diagnostics);
    return module;
  }

  std::string str() const {
    std::string text;
    llvm::raw_string_ostream os(text);
    op.get()->print(os);
    return text;
  }

  std::unique_ptr<Module> clone() const {
    auto copy = std::unique_ptr<Module>(new Module());
    copy->sourceMgr = sourceMgr;
    copy->op = op.get().clone();
    return copy;
  }

  /// Runs a textual pass pipeline on the module, in place. `pipeline` is
  /// anchored on builtin.module; a pipeline without that anchor is nested in
  /// one ("func.func(attn-raise)", "attn-cpu-pipeline"). Returns the
  /// remarks and warnings the passes reported.
  std::string run(const std::string &pipeline) {
    llvm::StringRef text = llvm::StringRef(pipeline).trim();
    std::string passes = stripModuleAnchor(text);
    std::string diagnostics;
    llvm::raw_string_ostream os(diagnostics);
    mlir::PassManager pm(context.get(), mlir::ModuleOp::getOperationName());
    if (mlir::failed(mlir::parsePassPipeline(passes, pm, os)))
      throw AttnError("invalid pass pipeline '" + text.str() +
                      "': " + llvm::StringRef(diagnostics).trim().str());
    mlir::SourceMgrDiagnosticHandler handler(*sourceMgr, context.get(), os);
    if (mlir::failed(pm.run(*op)))
      throw AttnError("pass pipeline '" + text.str() + "' failed:\n" +
                      diagnostics);
    return diagnostics;
  }

  /// How many ops named `name` the module holds.
  int64_t count(const std::string &name) const {
    int64_t n = 0;
    op.get()->walk([&](mlir::Operation *nested) {
      n += nested->getName().getStringRef() == name;
    });
    return n;
  }

  mlir::ModuleOp get() const { return op.get(); }
  llvm::SourceMgr &getSourceMgr() const { return *sourceMgr; }

private:
  Module() = default;
  std::shared_ptr<mlir::MLIRContext> context = getContext();
  std::shared_ptr<llvm::SourceMgr> sourceMgr;
  mlir::OwningOpRef<mlir::ModuleOp> op;
};

/// The numpy dtype name of arrays passed for, or returned as, `type` (bf16
/// travels as float32, index as int64).
std::string numpyName(attn::ElementType type) {
  return attn::getNumpyName(getNpyDType(type)).str();
}

py::list describe(const std::vector<TensorSpec> &specs) {
  py::list list;
  for (const TensorSpec &spec : specs)
    list.append(py::make_tuple(numpyName(spec.type), spec.shape,
                               typeToString(spec.mlirType)));
  return list;
}

/// An entry compiled by a registered pipeline and JIT-compiled for the host.
class Executable {
public:
  /// With `shapes` (one size list per argument, None for a statically
  /// sized one), a copy of the module is specialised to them first
  /// (attn-run's --shape).
  Executable(
      const Module &original, const std::string &entryName,
      const std::string &pipeline, const std::string &options,
      const std::optional<std::vector<std::optional<std::vector<int64_t>>>>
          &shapes) {
    const Module *source = &original;
    if (shapes) {
      specialized = original.clone();
      source = specialized.get();
    }
    const Module &module = *source;
    llvm::Expected<mlir::func::FuncOp> entry =
        findEntry(module.get(), entryName, "the module");
    if (!entry)
      throw AttnError(llvm::toString(entry.takeError()));
    name = entry->getSymName().str();
    if (shapes)
      if (llvm::Error error = specializeEntry(*entry, *shapes))
        throw AttnError(llvm::toString(std::move(error)));
    llvm::Expected<EntrySignature> sig = getEntrySignature(*entry);
    if (!sig)
      throw AttnError(llvm::toString(sig.takeError()));
    signature = std::move(*sig);
    if (llvm::Error error = validatePipelineOptions(pipeline, options))
      throw AttnError("invalid options '" + options + "' for pipeline '" +
                      pipeline + "': " + llvm::toString(std::move(error)));
    CompileOptions compile;
    compile.pipeline = pipeline;
    compile.pipelineOptions = options;
    compile.sourceName = "@" + name;
    std::string diagnostics;
    llvm::raw_string_ostream os(diagnostics);
    llvm::Expected<std::unique_ptr<CompiledEntry>> compiled = [&] {
      mlir::SourceMgrDiagnosticHandler handler(module.getSourceMgr(),
                                               module.get().getContext(), os);
      py::gil_scoped_release release;
      return CompiledEntry::compile(module.get(), name,
                                    signature.arguments.size(),
                                    signature.results.size(), compile);
    }();
    if (!compiled)
      throw AttnError(llvm::toString(compiled.takeError()) + ":\n" +
                      diagnostics);
    entryCode = std::move(*compiled);
  }

  /// Calls the entry on one C-contiguous buffer per argument, of the
  /// argument's numpy dtype and shape (attn_mlir/__init__.py converts them);
  /// returns one (bytearray, numpy dtype, shape) per result. Buffers rather
  /// than numpy arrays, so that no numpy ABI is compiled in.
  py::list call(const std::vector<py::buffer> &buffers) {
    if (buffers.size() != signature.arguments.size())
      throw AttnError("@" + name + " takes " +
                      std::to_string(signature.arguments.size()) +
                      " arguments, got " + std::to_string(buffers.size()));
    std::vector<HostTensor> inputs;
    for (auto [index, buffer] : llvm::enumerate(buffers)) {
      const TensorSpec &spec = signature.arguments[index];
      py::buffer_info info = buffer.request();
      std::string what = "argument #" + std::to_string(index) + " of @" + name;
      llvm::Expected<HostTensor> tensor =
          HostTensor::create(spec.type, spec.shape);
      if (!tensor)
        throw AttnError(llvm::toString(tensor.takeError()));
      bool bf16 = spec.type == attn::ElementType::BF16;
      size_t itemSize = bf16 ? sizeof(float) : attn::getByteSize(spec.type);
      if (info.shape !=
          std::vector<py::ssize_t>(spec.shape.begin(), spec.shape.end()))
        throw AttnError(what + " must have shape " + shapeToString(spec.shape));
      if (static_cast<size_t>(info.itemsize) != itemSize ||
          static_cast<int64_t>(info.size) != tensor->size())
        throw AttnError(what + " must have dtype " + numpyName(spec.type));
      py::ssize_t stride = info.itemsize;
      for (int64_t d = info.ndim - 1; d >= 0; --d) {
        if (info.shape[d] != 1 && info.strides[d] != stride)
          throw AttnError(what + " must be C-contiguous");
        stride *= info.shape[d];
      }
      if (bf16) {
        const float *source = static_cast<const float *>(info.ptr);
        for (int64_t i = 0, e = tensor->size(); i < e; ++i)
          tensor->set(i, source[i]);
      } else {
        std::memcpy(tensor->data(), info.ptr, tensor->byteSize());
      }
      inputs.push_back(std::move(*tensor));
    }
    llvm::Expected<CallFrame> frame =
        CallFrame::create(inputs, signature.results);
    if (!frame)
      throw AttnError(llvm::toString(frame.takeError()));
    frame->restore(inputs);
    {
      py::gil_scoped_release release;
      entryCode->call(*frame);
    }
    if (std::optional<std::string> error = entryCode->simulatorError())
      throw AttnError("the GPU simulator failed while running @" + name + ": " +
                      *error);
    py::list results;
    for (const HostTensor &result : frame->getResults()) {
      std::string bytes;
      if (result.getElementType() == attn::ElementType::BF16) {
        std::vector<float> widened(result.size());
        for (int64_t i = 0, e = result.size(); i < e; ++i)
          widened[i] = static_cast<float>(result.get(i));
        bytes.assign(reinterpret_cast<const char *>(widened.data()),
                     widened.size() * sizeof(float));
      } else {
        bytes.assign(result.data(), result.byteSize());
      }
      results.append(py::make_tuple(
          py::bytearray(bytes), numpyName(result.getElementType()),
          std::vector<int64_t>(result.getShape().begin(),
                               result.getShape().end())));
    }
    return results;
  }

  std::string name;
  EntrySignature signature;

private:
  std::unique_ptr<Module> specialized;
  std::unique_ptr<CompiledEntry> entryCode;
};

/// Whether the entry of `module` has dynamically sized arguments or results.
bool entryHasDynamicSizes(const Module &module, const std::string &entryName) {
  llvm::Expected<mlir::func::FuncOp> entry =
      findEntry(module.get(), entryName, "the module");
  if (!entry)
    throw AttnError(llvm::toString(entry.takeError()));
  return hasDynamicSizes(*entry);
}

} // namespace

PYBIND11_MODULE(_attn_mlir, m) {
  m.doc() = "attn-mlir in process: modules, pass pipelines, JIT calls";
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  mlir::DialectRegistry unused;
  mlir::attn::registerEverything(unused);

  static py::exception<AttnError> error(m, "Error");
  py::register_exception_translator([](std::exception_ptr pointer) {
    try {
      if (pointer)
        std::rethrow_exception(pointer);
    } catch (const AttnError &e) {
      error(e.what());
    }
  });

  py::class_<Module>(m, "Module")
      .def_static("parse", &Module::parse, py::arg("text"),
                  py::arg("name") = "<python>")
      .def("__str__", &Module::str)
      .def("clone", &Module::clone)
      .def("run", &Module::run, py::arg("pipeline"))
      .def("count", &Module::count, py::arg("op_name"));

  m.def("has_dynamic_sizes", &entryHasDynamicSizes, py::arg("module"),
        py::arg("entry"));

  py::class_<Executable>(m, "Executable")
      .def(py::init<const Module &, const std::string &, const std::string &,
                    const std::string &,
                    const std::optional<
                        std::vector<std::optional<std::vector<int64_t>>>> &>(),
           py::arg("module"), py::arg("entry"), py::arg("pipeline"),
           py::arg("options"), py::arg("shapes") = py::none())
      .def_readonly("entry", &Executable::name)
      .def_property_readonly("arguments",
                             [](const Executable &self) {
                               return describe(self.signature.arguments);
                             })
      .def_property_readonly("results",
                             [](const Executable &self) {
                               return describe(self.signature.results);
                             })
      .def("call", &Executable::call, py::arg("arrays"));
}
