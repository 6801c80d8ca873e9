//===- ConstantJit.cpp - Compile-time tensors by compiling them -----------===//

#include "attn/Runner/ConstantJit.h"

#include "attn/Dialect/Attn/IR/Attn.h"
#include "attn/InitAll.h"
#include "attn/Runner/Runner.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <mutex>

using namespace mlir;
using namespace mlir::attn;

namespace {

constexpr llvm::StringLiteral kEntry = "attn_const_eval";

bool fail(std::string *whyNot, const Twine &why) {
  if (whyNot)
    *whyNot = why.str();
  return false;
}

/// Whether `type` (a result in the subgraph) is static and small enough.
bool checkType(Type type, const ConstantEvalOptions &options,
               std::string *whyNot) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped)
    return true;
  if (!shaped.hasStaticShape())
    return fail(whyNot, "a tensor of the subgraph has a dynamic shape");
  if (shaped.getNumElements() > options.maxElements)
    return fail(whyNot, Twine("a tensor of ") + Twine(shaped.getNumElements()) +
                            " elements exceeds the evaluation limit of " +
                            Twine(options.maxElements));
  return true;
}

/// The ops that compute `value`, in program order: all in one block, free of
/// side effects, reading no block argument of that block.
bool collectSubgraph(Value value, const ConstantEvalOptions &options,
                     SmallVectorImpl<Operation *> &ops, std::string *whyNot) {
  Operation *root = value.getDefiningOp();
  if (!root)
    return fail(whyNot, "the value is a block argument (known at run time)");
  Block *block = root->getBlock();
  DenseSet<Operation *> seen;
  SmallVector<Operation *> worklist = {root};
  seen.insert(root);
  auto visit = [&](Value v) {
    if (auto arg = dyn_cast<BlockArgument>(v))
      return fail(whyNot, Twine("it reads block argument #") +
                              Twine(arg.getArgNumber()) +
                              " (a value known at run time)");
    Operation *def = v.getDefiningOp();
    if (def->getBlock() != block)
      return fail(whyNot, Twine("it reads '") + def->getName().getStringRef() +
                              "' from another block");
    if (seen.insert(def).second)
      worklist.push_back(def);
    return true;
  };
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (static_cast<int64_t>(seen.size()) > options.maxOps)
      return fail(whyNot, Twine("the subgraph has more than ") +
                              Twine(options.maxOps) + " operations");
    if (!isMemoryEffectFree(op))
      return fail(whyNot, Twine("'") + op->getName().getStringRef() +
                              "' may have side effects");
    for (Type t : op->getResultTypes())
      if (!checkType(t, options, whyNot))
        return false;
    for (Value operand : op->getOperands())
      if (!visit(operand))
        return false;
    // Values the op's regions capture from above.
    bool ok = true;
    for (Region &region : op->getRegions())
      visitUsedValuesDefinedAbove(region, [&](OpOperand *use) {
        if (ok && use->get().getParentBlock() != nullptr &&
            !region.isAncestor(use->get().getParentRegion()))
          ok = visit(use->get());
      });
    if (!ok)
      return false;
  }
  ops.assign(seen.begin(), seen.end());
  llvm::sort(ops, [](Operation *a, Operation *b) {
    return a->isBeforeInBlock(b);
  });
  return true;
}

/// The subgraph as a module of its own, serialized (bytecode keeps
/// dense_resource blobs), built in `value`'s context.
bool serializeSubgraph(Value value, ArrayRef<Operation *> ops,
                       std::string &bytes, std::string *whyNot) {
  MLIRContext *context = value.getContext();
  // Only dialects already loaded may be used here: the calling pass may run
  // on several threads.
  if (!context->getLoadedDialect<func::FuncDialect>())
    return fail(whyNot, "the func dialect is not loaded");
  Location loc = value.getLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(context));
  OpBuilder builder(context);
  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(
      builder, loc, kEntry, builder.getFunctionType({}, {value.getType()}));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToEnd(body);
  IRMapping mapping;
  for (Operation *op : ops)
    builder.clone(*op, mapping);
  func::ReturnOp::create(builder, loc, mapping.lookup(value));
  llvm::raw_string_ostream os(bytes);
  if (failed(writeBytecodeToFile(*module, os)))
    return fail(whyNot, "the subgraph could not be serialized");
  return true;
}

/// One context for every evaluation, with what the reference pipeline and
/// the JIT need.
MLIRContext &evaluationContext() {
  static MLIRContext *context = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    DialectRegistry registry;
    registerAllDialects(registry);
    registerAllExtensions(registry);
    registerAllToLLVMIRTranslations(registry);
    registerAllAttnDialects(registry);
    auto *ctx = new MLIRContext(registry);
    ctx->disableMultithreading();
    return ctx;
  }();
  return *context;
}

std::mutex evaluationMutex;

} // namespace

std::optional<EvaluatedTensor>
mlir::attn::evaluateTensorByCompiling(Value value,
                                      const ConstantEvalOptions &options,
                                      std::string *whyNot) {
  if (!value || !checkType(value.getType(), options, whyNot))
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type) {
    fail(whyNot, "the value is not a ranked tensor");
    return std::nullopt;
  }
  llvm::Expected<::attn::runner::TensorSpec> spec =
      ::attn::runner::getTensorSpec(type, "the value");
  if (!spec) {
    fail(whyNot, llvm::toString(spec.takeError()));
    return std::nullopt;
  }
  SmallVector<Operation *> ops;
  std::string bytes;
  if (!collectSubgraph(value, options, ops, whyNot) ||
      !serializeSubgraph(value, ops, bytes, whyNot))
    return std::nullopt;

  std::lock_guard<std::mutex> lock(evaluationMutex);
  MLIRContext &context = evaluationContext();
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(bytes, ParserConfig(&context));
  if (!module) {
    fail(whyNot, "the subgraph could not be read back");
    return std::nullopt;
  }
  ::attn::runner::CompileOptions compileOptions;
  compileOptions.pipeline = "reference";
  compileOptions.sourceName = "a compile-time tensor";
  // The pipeline's own diagnostics are summarized by the error.
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });
  llvm::Expected<std::unique_ptr<::attn::runner::CompiledEntry>> compiled =
      ::attn::runner::CompiledEntry::compile(*module, kEntry, 0, 1,
                                             compileOptions);
  if (!compiled) {
    fail(whyNot, llvm::toString(compiled.takeError()));
    return std::nullopt;
  }
  llvm::Expected<::attn::runner::TensorSpec> resultSpec =
      ::attn::runner::getTensorSpec(
          module->lookupSymbol<func::FuncOp>(kEntry).getResultTypes()[0],
          "the value");
  if (!resultSpec) {
    fail(whyNot, llvm::toString(resultSpec.takeError()));
    return std::nullopt;
  }
  llvm::Expected<::attn::runner::CallFrame> frame =
      ::attn::runner::CallFrame::create({}, {*resultSpec});
  if (!frame) {
    fail(whyNot, llvm::toString(frame.takeError()));
    return std::nullopt;
  }
  (*compiled)->call(*frame);
  const ::attn::runner::HostTensor &out = frame->getResults().front();
  EvaluatedTensor result;
  result.shape.assign(type.getShape().begin(), type.getShape().end());
  result.elementType = type.getElementType();
  result.values = out.toDoubles();
  return result;
}

void mlir::attn::installCompiledTensorEvaluator() {
  setCompiledTensorEvaluator(evaluateTensorByCompiling);
}
