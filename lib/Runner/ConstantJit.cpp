//===- ConstantJit.cpp - Compile-time tensors by compiling them -----------===//

#include "attn/Runner/ConstantJit.h"

#include "attn/Dialect/Attn/IR/Attn.h"
#include "attn/InitAll.h"
#include "attn/Runner/Runner.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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

#include <deque>
#include <map>
#include <mutex>

using namespace mlir;
using namespace mlir::attn;

namespace {

constexpr llvm::StringLiteral kEntry = "attn_const_eval";

/// The most bytes the tensors of one subgraph may hold together.
constexpr int64_t kMaxSubgraphBytes = int64_t(1) << 30;

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

/// Free of side effects, but for cf.assert inside the bodies of generics
/// (torch-mlir's bounds checks of gathers), which guardAssertions handles.
bool isFreeButAssertions(Operation *op) {
  if (isMemoryEffectFree(op))
    return true;
  if (!isa<linalg::GenericOp>(op))
    return false;
  WalkResult result = op->walk([&](Operation *nested) {
    if (nested == op || isa<cf::AssertOp>(nested) ||
        (nested->getNumRegions() == 0 && isMemoryEffectFree(nested)))
      return WalkResult::advance();
    return WalkResult::interrupt();
  });
  return !result.wasInterrupted();
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
  int64_t bytes = 0;
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
    if (!isFreeButAssertions(op))
      return fail(whyNot, Twine("'") + op->getName().getStringRef() +
                              "' may have side effects");
    for (Type t : op->getResultTypes()) {
      if (!checkType(t, options, whyNot))
        return false;
      if (auto shaped = dyn_cast<ShapedType>(t)) {
        Type element = shaped.getElementType();
        int64_t bits =
            element.isIntOrFloat()
                ? std::max<int64_t>(8, element.getIntOrFloatBitWidth())
                : 64; // index and the like

        bytes += shaped.getNumElements() * (bits / 8);
        if (bytes > kMaxSubgraphBytes)
          return fail(whyNot, Twine("the subgraph's tensors hold more than ") +
                                  Twine(kMaxSubgraphBytes >> 20) + " MiB");
      }
    }
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
  llvm::sort(ops,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
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

/// Results by the serialized subgraph that computed them: a mask shared by
/// every layer is compiled once. The bytes hold every op, attribute and
/// constant of the subgraph, so equal bytes mean equal values.
struct ResultCache {
  static constexpr size_t kMaxEntries = 64;
  std::map<std::string, EvaluatedTensor> entries;
  std::deque<std::string> order;

  const EvaluatedTensor *find(const std::string &key) const {
    auto it = entries.find(key);
    return it == entries.end() ? nullptr : &it->second;
  }
  void insert(const std::string &key, const EvaluatedTensor &value) {
    if (entries.count(key))
      return;
    if (order.size() == kMaxEntries) {
      entries.erase(order.front());
      order.pop_front();
    }
    entries.emplace(key, value);
    order.push_back(key);
  }
};
ResultCache &resultCache() {
  static ResultCache cache;
  return cache;
}

/// Makes the assertions in `func` checkable instead of fatal: every
/// tensor.extract index is clamped into bounds (so that evaluating a program
/// whose assertion fails cannot read outside a tensor), and each generic
/// holding cf.assert gets one more i1 result, the conjunction of its
/// assertions per element, which the function returns after its own result.
/// Returns the number of those results.
FailureOr<unsigned> guardAssertions(func::FuncOp func, std::string *whyNot) {
  OpBuilder b(func.getContext());
  SmallVector<tensor::ExtractOp> extracts;
  func.walk([&](tensor::ExtractOp op) { extracts.push_back(op); });
  for (tensor::ExtractOp op : extracts) {
    b.setInsertionPoint(op);
    Location loc = op.getLoc();
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    for (unsigned d = 0; d < op.getIndices().size(); ++d) {
      Value size = tensor::DimOp::create(b, loc, op.getTensor(), d);
      Value last = arith::SubIOp::create(b, loc, size, one);
      Value index = op.getIndices()[d];
      index = arith::MaxSIOp::create(b, loc, index, zero);
      index = arith::MinSIOp::create(b, loc, index, last);
      op.getIndicesMutable()[d].assign(index);
    }
  }
  SmallVector<linalg::GenericOp> generics;
  bool stray = false;
  func.walk([&](cf::AssertOp op) {
    auto g = dyn_cast<linalg::GenericOp>(op->getParentOp());
    if (!g)
      stray = true;
    else if (!llvm::is_contained(generics, g))
      generics.push_back(g);
  });
  if (stray) {
    fail(whyNot, "an assertion outside the body of a generic");
    return failure();
  }
  SmallVector<Value> flags;
  for (linalg::GenericOp g : generics) {
    if (g.getNumLoops() != g.getNumParallelLoops() || g.getNumResults() < 1 ||
        !g.getIndexingMapsArray()[g.getNumDpsInputs()].isPermutation()) {
      fail(whyNot, "an assertion in a generic that is not elementwise");
      return failure();
    }
    Location loc = g.getLoc();
    Block *body = g.getBody();
    b.setInsertionPoint(body->getTerminator());
    Value ok = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
    for (cf::AssertOp a :
         llvm::make_early_inc_range(body->getOps<cf::AssertOp>())) {
      ok = arith::AndIOp::create(b, loc, ok, a.getArg());
      a.erase();
    }
    auto first = cast<RankedTensorType>(g.getResultTypes()[0]);
    auto flagType = RankedTensorType::get(first.getShape(), b.getI1Type());
    b.setInsertionPoint(g);
    Value init =
        tensor::EmptyOp::create(b, loc, first.getShape(), b.getI1Type());
    SmallVector<Value> outs(g.getDpsInits());
    outs.push_back(init);
    SmallVector<AffineMap> maps = g.getIndexingMapsArray();
    maps.push_back(maps[g.getNumDpsInputs()]);
    SmallVector<Type> types(g.getResultTypes());
    types.push_back(flagType);
    auto guarded = linalg::GenericOp::create(
        b, loc, types, g.getDpsInputs(), outs, maps, g.getIteratorTypesArray());
    guarded.getRegion().takeBody(g.getRegion());
    Block *newBody = guarded.getBody();
    newBody->addArgument(b.getI1Type(), loc);
    Operation *yield = newBody->getTerminator();
    yield->insertOperands(yield->getNumOperands(), ok);
    g->replaceAllUsesWith(guarded.getResults().take_front(g.getNumResults()));
    g.erase();
    flags.push_back(guarded.getResults().back());
  }
  if (flags.empty())
    return 0u;
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  ret->insertOperands(ret->getNumOperands(), flags);
  func.setFunctionType(b.getFunctionType({}, ret->getOperandTypes()));
  return static_cast<unsigned>(flags.size());
}

} // namespace

std::optional<EvaluatedTensor> mlir::attn::evaluateTensorByCompiling(
    Value value, const ConstantEvalOptions &options, std::string *whyNot) {
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
  if (const EvaluatedTensor *hit = resultCache().find(bytes)) {
    EvaluatedTensor result = *hit;
    // The element type belongs to the caller's context.
    result.elementType = type.getElementType();
    return result;
  }
  MLIRContext &context = evaluationContext();
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(bytes, ParserConfig(&context));
  if (!module) {
    fail(whyNot, "the subgraph could not be read back");
    return std::nullopt;
  }
  auto entry = module->lookupSymbol<func::FuncOp>(kEntry);
  FailureOr<unsigned> numFlags = guardAssertions(entry, whyNot);
  if (failed(numFlags))
    return std::nullopt;
  ::attn::runner::CompileOptions compileOptions;
  compileOptions.pipeline = "reference";
  compileOptions.sourceName = "a compile-time tensor";
  // The pipeline's own diagnostics are summarized by the error.
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });
  llvm::Expected<std::unique_ptr<::attn::runner::CompiledEntry>> compiled =
      ::attn::runner::CompiledEntry::compile(*module, kEntry, 0, 1 + *numFlags,
                                             compileOptions);
  if (!compiled) {
    fail(whyNot, llvm::toString(compiled.takeError()));
    return std::nullopt;
  }
  std::vector<::attn::runner::TensorSpec> resultSpecs;
  for (Type t : entry.getResultTypes()) {
    llvm::Expected<::attn::runner::TensorSpec> spec =
        ::attn::runner::getTensorSpec(t, "a result");
    if (!spec) {
      fail(whyNot, llvm::toString(spec.takeError()));
      return std::nullopt;
    }
    resultSpecs.push_back(*spec);
  }
  llvm::Expected<::attn::runner::CallFrame> frame =
      ::attn::runner::CallFrame::create({}, resultSpecs);
  if (!frame) {
    fail(whyNot, llvm::toString(frame.takeError()));
    return std::nullopt;
  }
  (*compiled)->call(*frame);
  for (const ::attn::runner::HostTensor &flag :
       ArrayRef(frame->getResults()).drop_front())
    for (int64_t i = 0; i < flag.size(); ++i)
      if (flag.get(i) == 0.0) {
        fail(whyNot, "an assertion of the program fails (an index out of "
                     "bounds)");
        return std::nullopt;
      }
  const ::attn::runner::HostTensor &out = frame->getResults().front();
  EvaluatedTensor result;
  result.shape.assign(type.getShape().begin(), type.getShape().end());
  result.elementType = type.getElementType();
  result.values = out.toDoubles();
  resultCache().insert(bytes, result);
  return result;
}

void mlir::attn::installCompiledTensorEvaluator() {
  setCompiledTensorEvaluator(evaluateTensorByCompiling);
}
