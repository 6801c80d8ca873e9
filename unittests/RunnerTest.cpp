//===- RunnerTest.cpp - Tests of the JIT runner library -------------------===//

#include "attn/Runner/Runner.h"
#include "attn/InitAll.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/Support/TargetSelect.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace attn;
using namespace attn::runner;

namespace {

TEST(RunnerTest, HostTensorStoresAndDescribes) {
  llvm::Expected<HostTensor> tensor =
      HostTensor::create(ElementType::F16, {2, 3});
  ASSERT_TRUE(bool(tensor));
  EXPECT_EQ(tensor->size(), 6);
  EXPECT_EQ(tensor->byteSize(), 12u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(tensor->data()) % 64, 0u);
  EXPECT_EQ(tensor->get(5), 0.0);
  tensor->set(4, 0.1);
  EXPECT_EQ(tensor->get(4), 0.0999755859375); // rounded to f16
  std::vector<int64_t> descriptor = tensor->makeDescriptor();
  // {allocated, aligned, offset, sizes[2], strides[2]}
  ASSERT_EQ(descriptor.size(), 7u);
  EXPECT_EQ(descriptor[2], 0);
  EXPECT_EQ(descriptor[3], 2);
  EXPECT_EQ(descriptor[4], 3);
  EXPECT_EQ(descriptor[5], 3);
  EXPECT_EQ(descriptor[6], 1);
}

TEST(RunnerTest, RandomInputsDependOnSeedAndIndexOnly) {
  auto draw = [](uint64_t seed, unsigned index) {
    HostTensor tensor = cantFail(HostTensor::create(ElementType::F32, {64}));
    fillRandom(tensor, seed, index, RandomSpec(), /*step=*/0.25);
    return tensor.toDoubles();
  };
  std::vector<double> a = draw(7, 0);
  EXPECT_EQ(a, draw(7, 0));
  EXPECT_NE(a, draw(7, 1));
  EXPECT_NE(a, draw(8, 0));
  for (double value : a) {
    EXPECT_GE(value, -1.0);
    EXPECT_LT(value, 1.0);
    EXPECT_EQ(value, std::floor(value / 0.25) * 0.25);
  }
  HostTensor rows = cantFail(HostTensor::create(ElementType::Index, {100}));
  RandomSpec below;
  below.kind = RandomSpec::IndexBelow;
  below.bound = 5;
  fillRandom(rows, 0, 0, below, 0);
  for (double value : rows.toDoubles()) {
    EXPECT_GE(value, 0);
    EXPECT_LT(value, 5);
  }
}

TEST(RunnerTest, CompareFollowsAllclose) {
  HostTensor got = cantFail(HostTensor::create(ElementType::F64, {4}));
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  got.set(0, 1.0);
  got.set(1, 2.05);
  got.set(2, nan);
  got.set(3, inf);
  Comparison pass = compare(got, {1.0, 2.0, nan, inf}, 0.1, 0.0);
  EXPECT_TRUE(pass.passed());
  EXPECT_NEAR(pass.maxAbsErr, 0.05, 1e-12);
  Comparison fail = compare(got, {1.0, 2.0, 0.0, -inf}, 0.01, 0.0);
  EXPECT_FALSE(fail.passed());
  EXPECT_EQ(fail.numOutOfTolerance, 1);
  EXPECT_EQ(fail.numNonFiniteMismatch, 2);
  EXPECT_EQ(fail.firstBad, 1);
  EXPECT_EQ(unflatten(5, {2, 3}), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(median({3.0, 1.0, 2.0, 10.0}), 2.5);

  Summary summary = summarize(got, 2);
  EXPECT_EQ(summary.head, (std::vector<double>{1.0, 2.05}));
  EXPECT_EQ(summary.numNaN, 1);
  EXPECT_EQ(summary.numInf, 1);
  EXPECT_EQ(summary.min, 1.0);
  EXPECT_EQ(summary.max, 2.05);
}

TEST(RunnerTest, PipelineAliases) {
  EXPECT_EQ(resolvePipelineName("reference"), "attn-reference-pipeline");
  EXPECT_EQ(resolvePipelineName("cpu"), "attn-cpu-pipeline");
  EXPECT_EQ(resolvePipelineName("cuda"), "attn-gpu-pipeline");
  EXPECT_EQ(resolvePipelineName("gpu-sim"), "attn-gpu-sim-pipeline");
  EXPECT_EQ(resolvePipelineName("attn-cpu-pipeline"), "attn-cpu-pipeline");
  EXPECT_EQ(getPipelineTarget("gpu-sim"), PipelineTarget::GpuSim);
  EXPECT_EQ(getPipelineTarget("attn-gpu-pipeline"), PipelineTarget::Cuda);
  EXPECT_EQ(getPipelineTarget("cpu"), PipelineTarget::Host);
}

class RunnerCompileTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    mlir::attn::registerAllAttnPasses();
  }
  RunnerCompileTest() {
    mlir::DialectRegistry registry;
    mlir::registerAllDialects(registry);
    mlir::registerAllExtensions(registry);
    mlir::registerAllToLLVMIRTranslations(registry);
    mlir::attn::registerAllAttnDialects(registry);
    context = std::make_unique<mlir::MLIRContext>(registry);
    context->getDiagEngine().registerHandler([](mlir::Diagnostic &) {});
  }
  std::unique_ptr<mlir::MLIRContext> context;
};

const char *const kAddScale = R"mlir(
func.func @main(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %s = arith.addf %a, %b : tensor<2x3xf32>
  %p = arith.mulf %s, %a : tensor<2x3xf32>
  return %p : tensor<2x3xf32>
}
func.func @other(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}
)mlir";

TEST_F(RunnerCompileTest, CompilesByRegisteredNameAndCalls) {
  auto module =
      mlir::parseSourceString<mlir::ModuleOp>(kAddScale, context.get());
  ASSERT_TRUE(module);
  mlir::func::FuncOp entry = cantFail(findEntry(*module, "", "test"));
  EXPECT_EQ(entry.getSymName(), "main");
  EntrySignature signature = cantFail(getEntrySignature(entry));
  ASSERT_EQ(signature.arguments.size(), 2u);
  EXPECT_EQ(signature.results[0].shape, (std::vector<int64_t>{2, 3}));

  std::vector<HostTensor> inputs;
  for (unsigned i = 0; i < 2; ++i) {
    inputs.push_back(cantFail(HostTensor::create(ElementType::F32, {2, 3})));
    fillRandom(inputs.back(), 1, i, RandomSpec(), 0);
  }
  for (const char *pipeline : {"reference", "attn-cpu-pipeline"}) {
    CompileOptions options;
    options.pipeline = pipeline;
    llvm::Expected<std::unique_ptr<CompiledEntry>> compiled =
        CompiledEntry::compile(*module, "main", 2, 1, options);
    ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
    CallFrame frame = cantFail(CallFrame::create(inputs, signature.results));
    frame.restore(inputs);
    (*compiled)->call(frame);
    const HostTensor &result = frame.getResults()[0];
    for (int64_t i = 0; i < 6; ++i) {
      float a = float(inputs[0].get(i)), b = float(inputs[1].get(i));
      EXPECT_EQ(result.get(i), double((a + b) * a)) << pipeline << " " << i;
    }
    std::vector<double> times = timeCalls(**compiled, frame, inputs, 3);
    EXPECT_EQ(times.size(), 3u);
  }
}

TEST_F(RunnerCompileTest, ErrorsAreReturned) {
  auto module =
      mlir::parseSourceString<mlir::ModuleOp>(kAddScale, context.get());
  ASSERT_TRUE(module);
  llvm::Expected<mlir::func::FuncOp> missing =
      findEntry(*module, "nope", "input.mlir");
  ASSERT_FALSE(bool(missing));
  EXPECT_EQ(llvm::toString(missing.takeError()),
            "no func.func named 'nope' in input.mlir");

  CompileOptions options;
  options.pipeline = "no-such-pipeline";
  auto unknown = CompiledEntry::compile(*module, "main", 2, 1, options);
  ASSERT_FALSE(bool(unknown));
  EXPECT_EQ(llvm::toString(unknown.takeError()),
            "pipeline 'no-such-pipeline' is not available");

  llvm::Error bad = validatePipelineOptions("cpu", "bogus=1");
  ASSERT_TRUE(bool(bad));
  EXPECT_NE(llvm::toString(std::move(bad)).find("bogus"), std::string::npos);
  EXPECT_FALSE(bool(validatePipelineOptions("cpu", "tile-q=16")));

  // The raise pipeline is registered but does not lower to the LLVM
  // dialect: the runner says what it lacks.
  options.pipeline = "attn-raise-pipeline";
  auto raised = CompiledEntry::compile(*module, "main", 2, 1, options);
  ASSERT_FALSE(bool(raised));
  EXPECT_NE(llvm::toString(raised.takeError())
                .find("did not lower @main to an llvm.func"),
            std::string::npos);

  llvm::Expected<TensorSpec> dynamic = getTensorSpec(
      mlir::RankedTensorType::get({mlir::ShapedType::kDynamic},
                                  mlir::Float32Type::get(context.get())),
      "argument #0");
  ASSERT_FALSE(bool(dynamic));
  EXPECT_NE(llvm::toString(dynamic.takeError()).find("unsupported type"),
            std::string::npos);
}

} // namespace
