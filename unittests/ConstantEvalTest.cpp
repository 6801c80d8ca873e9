//===- ConstantEvalTest.cpp - Compile-time evaluation of tensor values ----===//
//
// Each test parses a small module, evaluates the value returned by its
// function and compares it with the contents computed here by plain loops
// (integers through fixed-width C++ types, floats through llvm::APFloat or
// native float arithmetic), or checks the reason of a failure.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/ConstantEval.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/FormatVariadic.h"
#include "gtest/gtest.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iostream>
#include <limits>

using namespace mlir;
using namespace mlir::attn;

namespace {

class ConstantEvalTest : public ::testing::Test {
protected:
  ConstantEvalTest() {
    DialectRegistry registry;
    registry
        .insert<affine::AffineDialect, arith::ArithDialect, func::FuncDialect,
                linalg::LinalgDialect, tensor::TensorDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Operand `index` of the return of the first function in `source`.
  Value returned(StringRef source, unsigned index = 0) {
    module = parseSourceString<ModuleOp>(source, &context);
    if (!module) {
      ADD_FAILURE() << "cannot parse:\n" << source.str();
      return {};
    }
    auto funcs = module->getOps<func::FuncOp>();
    if (funcs.empty()) {
      ADD_FAILURE() << "no function";
      return {};
    }
    Operation *ret = (*funcs.begin()).getBody().front().getTerminator();
    if (ret->getNumOperands() <= index) {
      ADD_FAILURE() << "no returned value #" << index;
      return {};
    }
    return ret->getOperand(index);
  }

  /// Evaluates the returned value; records the reason of a failure in `why`.
  std::optional<EvaluatedTensor> eval(StringRef source, unsigned index = 0,
                                      ConstantEvalOptions options = {}) {
    why.clear();
    Value value = returned(source, index);
    if (!value)
      return std::nullopt;
    return evaluateTensor(value, options, &why);
  }

  /// Expects failure with a reason that contains `fragment`.
  void expectFailure(StringRef source, StringRef fragment,
                     ConstantEvalOptions options = {}, unsigned index = 0) {
    std::optional<EvaluatedTensor> result = eval(source, index, options);
    EXPECT_FALSE(result.has_value()) << "evaluation unexpectedly succeeded";
    EXPECT_NE(why.find(fragment.str()), std::string::npos)
        << "reason: \"" << why << "\", expected to contain \"" << fragment.str()
        << "\"";
    // Reasons are lowercase phrases without a trailing period.
    EXPECT_FALSE(why.empty());
    if (!why.empty()) {
      EXPECT_NE(why.back(), '.');
    }
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  std::string why;
};

/// Replaces $0, $1, ... in `text` (MLIR source, full of braces) by `args`.
std::string substitute(std::string text, ArrayRef<std::string> args) {
  for (size_t k = args.size(); k-- > 0;) {
    std::string key = "$" + std::to_string(k);
    for (size_t at = text.find(key); at != std::string::npos;
         at = text.find(key, at + args[k].size()))
      text.replace(at, key.size(), args[k]);
  }
  return text;
}

/// A 2-d linalg.generic filling tensor<RxCxT> from the body `body`, which
/// sees %i and %j (index) and yields %r.
std::string generic2d(int64_t rows, int64_t cols, StringRef elementType,
                      StringRef body, StringRef preamble = "") {
  return substitute(R"mlir(
func.func @f() -> tensor<$0x$1x$2> {
  $4
  %e = tensor.empty() : tensor<$0x$1x$2>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<$0x$1x$2>) {
  ^bb0(%out: $2):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    $3
    linalg.yield %r : $2
  } -> tensor<$0x$1x$2>
  return %m : tensor<$0x$1x$2>
}
)mlir",
                    {std::to_string(rows), std::to_string(cols),
                     elementType.str(), body.str(), preamble.str()});
}

double roundToHalf(double x) {
  llvm::APFloat v(x);
  bool losesInfo;
  v.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven,
            &losesInfo);
  return v.convertToDouble();
}

//===----------------------------------------------------------------------===//
// Masks built with index arithmetic
//===----------------------------------------------------------------------===//

TEST_F(ConstantEvalTest, CausalMask) {
  std::optional<EvaluatedTensor> mask =
      eval(generic2d(16, 16, "i1", "%r = arith.cmpi sle, %j, %i : index"));
  ASSERT_TRUE(mask) << why;
  EXPECT_EQ(mask->shape, (SmallVector<int64_t>{16, 16}));
  EXPECT_TRUE(mask->elementType.isInteger(1));
  ASSERT_EQ(mask->getNumElements(), 256);
  for (int64_t i = 0; i < 16; ++i)
    for (int64_t j = 0; j < 16; ++j)
      ASSERT_EQ(mask->values[i * 16 + j], j <= i ? 1.0 : 0.0)
          << "at (" << i << ", " << j << ")";
}

TEST_F(ConstantEvalTest, NeighborhoodMaskWithDivRem) {
  // A 1-d neighborhood window of 5 clamped to [0, 20), or-ed with a dilated
  // pattern: same block of 3 (divsi) and same residue mod 4 (remsi).
  std::string body = R"mlir(
    %ii = arith.index_cast %i : index to i64
    %jj = arith.index_cast %j : index to i64
    %c0 = arith.constant 0 : i64
    %c2 = arith.constant 2 : i64
    %c3 = arith.constant 3 : i64
    %c4 = arith.constant 4 : i64
    %c5 = arith.constant 5 : i64
    %c15 = arith.constant 15 : i64
    %s0 = arith.subi %ii, %c2 : i64
    %s1 = arith.maxsi %s0, %c0 : i64
    %start = arith.minsi %s1, %c15 : i64
    %end = arith.addi %start, %c5 : i64
    %a = arith.cmpi sge, %jj, %start : i64
    %b = arith.cmpi slt, %jj, %end : i64
    %win = arith.andi %a, %b : i1
    %qi = arith.divsi %ii, %c3 : i64
    %qj = arith.divsi %jj, %c3 : i64
    %sameBlock = arith.cmpi eq, %qi, %qj : i64
    %ri = arith.remsi %ii, %c4 : i64
    %rj = arith.remsi %jj, %c4 : i64
    %sameResidue = arith.cmpi eq, %ri, %rj : i64
    %dil = arith.andi %sameBlock, %sameResidue : i1
    %r = arith.ori %win, %dil : i1)mlir";
  std::optional<EvaluatedTensor> mask = eval(generic2d(20, 20, "i1", body));
  ASSERT_TRUE(mask) << why;
  for (int64_t i = 0; i < 20; ++i) {
    int64_t start = std::min<int64_t>(std::max<int64_t>(i - 2, 0), 15);
    for (int64_t j = 0; j < 20; ++j) {
      bool want =
          (j >= start && j < start + 5) || (i / 3 == j / 3 && i % 4 == j % 4);
      ASSERT_EQ(mask->values[i * 20 + j], want ? 1.0 : 0.0)
          << "at (" << i << ", " << j << ")";
    }
  }
}

TEST_F(ConstantEvalTest, NegativeInfinityBiasWithCapturedConstants) {
  // The float constants are defined outside the generic, as torch-mlir does.
  std::string body = R"mlir(
    %c = arith.cmpi sle, %j, %i : index
    %r = arith.select %c, %zero, %ninf : f32)mlir";
  std::string preamble = R"mlir(
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32)mlir";
  std::optional<EvaluatedTensor> bias =
      eval(generic2d(8, 12, "f32", body, preamble));
  ASSERT_TRUE(bias) << why;
  EXPECT_EQ(bias->shape, (SmallVector<int64_t>{8, 12}));
  EXPECT_TRUE(bias->elementType.isF32());
  for (int64_t i = 0; i < 8; ++i)
    for (int64_t j = 0; j < 12; ++j) {
      double v = bias->values[i * 12 + j];
      if (j <= i)
        ASSERT_EQ(v, 0.0) << "at (" << i << ", " << j << ")";
      else
        ASSERT_TRUE(std::isinf(v) && v < 0)
            << "at (" << i << ", " << j << "): " << v;
    }
}

TEST_F(ConstantEvalTest, AffineApplyAndGeneralInputMaps) {
  // out(i, j) = in(i floordiv 2, (i + j) mod 3) * 10 + affine maps of (i, j)
  // with negative dividends.
  const char *source = R"mlir(
func.func @f() -> tensor<6x5xindex> {
  %in = arith.constant dense<[[0, 1, 2], [3, 4, 5], [6, 7, 8]]>
      : tensor<3x3xindex>
  %e = tensor.empty() : tensor<6x5xindex>
  %c10 = arith.constant 10 : index
  %m = linalg.generic {indexing_maps = [
          affine_map<(i, j) -> (i floordiv 2, (i + j) mod 3)>,
          affine_map<(i, j) -> (i, j)>],
        iterator_types = ["parallel", "parallel"]}
      ins(%in : tensor<3x3xindex>) outs(%e : tensor<6x5xindex>) {
  ^bb0(%x: index, %out: index):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %a = affine.apply
        affine_map<(d0, d1)[s0] -> ((d0 * 7 - d1 * s0) ceildiv 4)>
        (%i, %j)[%c10]
    %b = affine.apply affine_map<(d0, d1) ->
        ((d0 - d1 * 3) floordiv 4 + ((d0 - d1 * 2) mod 5) * 1000)>(%i, %j)
    %t = arith.muli %x, %c10 : index
    %ta = arith.addi %t, %a : index
    %r = arith.addi %ta, %b : index
    linalg.yield %r : index
  } -> tensor<6x5xindex>
  return %m : tensor<6x5xindex>
}
)mlir";
  std::optional<EvaluatedTensor> t = eval(source);
  ASSERT_TRUE(t) << why;
  EXPECT_TRUE(t->elementType.isIndex());
  auto ceilDiv = [](int64_t a, int64_t b) {
    return static_cast<int64_t>(std::ceil(double(a) / double(b)));
  };
  for (int64_t i = 0; i < 6; ++i)
    for (int64_t j = 0; j < 5; ++j) {
      int64_t in = (i / 2) * 3 + (i + j) % 3;
      int64_t floorPart = static_cast<int64_t>(std::floor((i - j * 3) / 4.0));
      int64_t modPart = (((i - j * 2) % 5) + 5) % 5;
      int64_t want =
          in * 10 + ceilDiv(i * 7 - j * 10, 4) + floorPart + modPart * 1000;
      ASSERT_EQ(t->values[i * 5 + j], double(want))
          << "at (" << i << ", " << j << ")";
    }
}

TEST_F(ConstantEvalTest, TensorGenerateAndSplat) {
  const char *source = R"mlir(
func.func @f() -> (tensor<3x4xi32>, tensor<2x2xf16>) {
  %g = tensor.generate {
  ^bb0(%i: index, %j: index):
    %d = arith.subi %i, %j : index
    %v = arith.index_cast %d : index to i32
    tensor.yield %v : i32
  } : tensor<3x4xi32>
  %h = arith.constant 0.1 : f16
  %s = tensor.splat %h : tensor<2x2xf16>
  return %g, %s : tensor<3x4xi32>, tensor<2x2xf16>
}
)mlir";
  std::optional<EvaluatedTensor> g = eval(source, 0);
  ASSERT_TRUE(g) << why;
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 4; ++j)
      EXPECT_EQ(g->values[i * 4 + j], double(i - j));
  std::optional<EvaluatedTensor> s = eval(source, 1);
  ASSERT_TRUE(s) << why;
  ASSERT_EQ(s->getNumElements(), 4);
  for (double v : s->values)
    EXPECT_EQ(v, roundToHalf(0.1));
}

//===----------------------------------------------------------------------===//
// Constants and data movement
//===----------------------------------------------------------------------===//

TEST_F(ConstantEvalTest, DenseConstants) {
  const char *source = R"mlir(
func.func @f() -> (tensor<2x2xi32>, tensor<3xf32>, tensor<3xi1>,
                   tensor<2xindex>, tensor<2xbf16>, tensor<2xf64>,
                   tensor<2xf16>) {
  %a = arith.constant dense<[[1, -2], [3, 2147483647]]> : tensor<2x2xi32>
  %b = arith.constant dense<1.5> : tensor<3xf32>
  %c = arith.constant dense<[true, false, true]> : tensor<3xi1>
  %d = arith.constant dense<[-9007199254740992, 42]> : tensor<2xindex>
  %e = arith.constant dense<[0.1, -3.0e38]> : tensor<2xbf16>
  %f = arith.constant dense<[0.1, 0xFFF0000000000000]> : tensor<2xf64>
  %g = arith.constant dense<[0.1, 65504.0]> : tensor<2xf16>
  return %a, %b, %c, %d, %e, %f, %g : tensor<2x2xi32>, tensor<3xf32>,
      tensor<3xi1>, tensor<2xindex>, tensor<2xbf16>, tensor<2xf64>,
      tensor<2xf16>
}
)mlir";
  std::optional<EvaluatedTensor> a = eval(source, 0);
  ASSERT_TRUE(a) << why;
  EXPECT_EQ(a->values, (std::vector<double>{1, -2, 3, 2147483647}));
  std::optional<EvaluatedTensor> b = eval(source, 1);
  ASSERT_TRUE(b) << why;
  EXPECT_EQ(b->values, (std::vector<double>{1.5, 1.5, 1.5}));
  std::optional<EvaluatedTensor> c = eval(source, 2);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(c->values, (std::vector<double>{1, 0, 1}));
  std::optional<EvaluatedTensor> d = eval(source, 3);
  ASSERT_TRUE(d) << why;
  EXPECT_EQ(d->values, (std::vector<double>{-9007199254740992.0, 42}));
  std::optional<EvaluatedTensor> e = eval(source, 4);
  ASSERT_TRUE(e) << why;
  for (int k = 0; k < 2; ++k) {
    llvm::APFloat want(llvm::APFloat::BFloat(), k == 0 ? "0.1" : "-3.0e38");
    EXPECT_EQ(e->values[k], want.convertToDouble());
  }
  EXPECT_NE(e->values[0], 0.1);
  std::optional<EvaluatedTensor> f = eval(source, 5);
  ASSERT_TRUE(f) << why;
  EXPECT_EQ(f->values[0], 0.1);
  EXPECT_TRUE(std::isinf(f->values[1]) && f->values[1] < 0);
  std::optional<EvaluatedTensor> g = eval(source, 6);
  ASSERT_TRUE(g) << why;
  EXPECT_EQ(g->values[0], roundToHalf(0.1));
  EXPECT_EQ(g->values[0], 0.0999755859375);
  EXPECT_EQ(g->values[1], 65504.0);
}

TEST_F(ConstantEvalTest, ReshapesBroadcastTransposeAndCopy) {
  const char *source = R"mlir(
func.func @f() -> (tensor<6xi32>, tensor<3x2xi32>, tensor<3x2xi32>,
                   tensor<2x3xf32>, tensor<2x3xi32>, tensor<2x3xi32>) {
  %a = arith.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
  %flat = tensor.collapse_shape %a [[0, 1]] : tensor<2x3xi32> into tensor<6xi32>
  %re = tensor.expand_shape %flat [[0, 1]] output_shape [3, 2]
      : tensor<6xi32> into tensor<3x2xi32>
  %e32 = tensor.empty() : tensor<3x2xi32>
  %t = linalg.transpose ins(%a : tensor<2x3xi32>)
      outs(%e32 : tensor<3x2xi32>) permutation = [1, 0]
  %row = arith.constant dense<[0.5, -1.0, 2.0]> : tensor<3xf32>
  %ef = tensor.empty() : tensor<2x3xf32>
  %bc = linalg.broadcast ins(%row : tensor<3xf32>)
      outs(%ef : tensor<2x3xf32>) dimensions = [0]
  %ei = tensor.empty() : tensor<2x3xi32>
  %cp = linalg.copy ins(%a : tensor<2x3xi32>) outs(%ei : tensor<2x3xi32>)
      -> tensor<2x3xi32>
  %cast = tensor.cast %cp : tensor<2x3xi32> to tensor<2x3xi32>
  return %flat, %re, %t, %bc, %cp, %cast : tensor<6xi32>, tensor<3x2xi32>,
      tensor<3x2xi32>, tensor<2x3xf32>, tensor<2x3xi32>, tensor<2x3xi32>
}
)mlir";
  std::vector<double> a{1, 2, 3, 4, 5, 6};
  std::optional<EvaluatedTensor> flat = eval(source, 0);
  ASSERT_TRUE(flat) << why;
  EXPECT_EQ(flat->shape, (SmallVector<int64_t>{6}));
  EXPECT_EQ(flat->values, a);
  std::optional<EvaluatedTensor> re = eval(source, 1);
  ASSERT_TRUE(re) << why;
  EXPECT_EQ(re->shape, (SmallVector<int64_t>{3, 2}));
  EXPECT_EQ(re->values, a);
  std::optional<EvaluatedTensor> t = eval(source, 2);
  ASSERT_TRUE(t) << why;
  EXPECT_EQ(t->shape, (SmallVector<int64_t>{3, 2}));
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 2; ++j)
      EXPECT_EQ(t->values[i * 2 + j], a[j * 3 + i]);
  std::optional<EvaluatedTensor> bc = eval(source, 3);
  ASSERT_TRUE(bc) << why;
  EXPECT_EQ(bc->values, (std::vector<double>{0.5, -1, 2, 0.5, -1, 2}));
  std::optional<EvaluatedTensor> cp = eval(source, 4);
  ASSERT_TRUE(cp) << why;
  EXPECT_EQ(cp->values, a);
  std::optional<EvaluatedTensor> cast = eval(source, 5);
  ASSERT_TRUE(cast) << why;
  EXPECT_EQ(cast->values, a);
}

TEST_F(ConstantEvalTest, ExtractSlice) {
  // iota(i, j) = 10 * i + j over 5x6, then strided and rank-reducing slices.
  const char *source = R"mlir(
func.func @f() -> (tensor<2x3xi32>, tensor<6xi32>, tensor<4x1xi32>) {
  %e = tensor.empty() : tensor<5x6xi32>
  %iota = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                          iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<5x6xi32>) {
  ^bb0(%out: i32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c10 = arith.constant 10 : index
    %t = arith.muli %i, %c10 : index
    %s = arith.addi %t, %j : index
    %v = arith.index_cast %s : index to i32
    linalg.yield %v : i32
  } -> tensor<5x6xi32>
  %a = tensor.extract_slice %iota[1, 1] [2, 3] [2, 2]
      : tensor<5x6xi32> to tensor<2x3xi32>
  %b = tensor.extract_slice %iota[3, 0] [1, 6] [1, 1]
      : tensor<5x6xi32> to tensor<6xi32>
  %c = tensor.extract_slice %iota[1, 5] [4, 1] [1, 1]
      : tensor<5x6xi32> to tensor<4x1xi32>
  return %a, %b, %c : tensor<2x3xi32>, tensor<6xi32>, tensor<4x1xi32>
}
)mlir";
  std::optional<EvaluatedTensor> a = eval(source, 0);
  ASSERT_TRUE(a) << why;
  EXPECT_EQ(a->values, (std::vector<double>{11, 13, 15, 31, 33, 35}));
  std::optional<EvaluatedTensor> b = eval(source, 1);
  ASSERT_TRUE(b) << why;
  EXPECT_EQ(b->shape, (SmallVector<int64_t>{6}));
  EXPECT_EQ(b->values, (std::vector<double>{30, 31, 32, 33, 34, 35}));
  std::optional<EvaluatedTensor> c = eval(source, 2);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(c->values, (std::vector<double>{15, 25, 35, 45}));
}

TEST_F(ConstantEvalTest, FillMapAndMultiResultGeneric) {
  const char *source = R"mlir(
func.func @f() -> (tensor<2x2xf32>, tensor<4xf32>, tensor<3x4xi32>,
                   tensor<3x4xi32>) {
  %c = arith.constant 2.5 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %fill = linalg.fill ins(%c : f32) outs(%e : tensor<2x2xf32>)
      -> tensor<2x2xf32>
  %x = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y = arith.constant dense<[0.25, 0.5, -8.0, 1.0e30]> : tensor<4xf32>
  %e4 = tensor.empty() : tensor<4xf32>
  %map = linalg.map { arith.mulf } ins(%x, %y : tensor<4xf32>, tensor<4xf32>)
      outs(%e4 : tensor<4xf32>)
  %ei = tensor.empty() : tensor<3x4xi32>
  %two:2 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                            affine_map<(i, j) -> (i, j)>],
                           iterator_types = ["parallel", "parallel"]}
      outs(%ei, %ei : tensor<3x4xi32>, tensor<3x4xi32>) {
  ^bb0(%o0: i32, %o1: i32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %s = arith.addi %i, %j : index
    %p = arith.muli %i, %j : index
    %si = arith.index_cast %s : index to i32
    %pi = arith.index_cast %p : index to i32
    linalg.yield %si, %pi : i32, i32
  } -> (tensor<3x4xi32>, tensor<3x4xi32>)
  return %fill, %map, %two#0, %two#1 : tensor<2x2xf32>, tensor<4xf32>,
      tensor<3x4xi32>, tensor<3x4xi32>
}
)mlir";
  std::optional<EvaluatedTensor> fill = eval(source, 0);
  ASSERT_TRUE(fill) << why;
  EXPECT_EQ(fill->values, (std::vector<double>{2.5, 2.5, 2.5, 2.5}));
  std::optional<EvaluatedTensor> map = eval(source, 1);
  ASSERT_TRUE(map) << why;
  EXPECT_EQ(map->values,
            (std::vector<double>{0.25, 1.0, -24.0, double(4.0f * 1.0e30f)}));
  std::optional<EvaluatedTensor> sum = eval(source, 2);
  std::optional<EvaluatedTensor> product = eval(source, 3);
  ASSERT_TRUE(sum) << why;
  ASSERT_TRUE(product) << why;
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 4; ++j) {
      EXPECT_EQ(sum->values[i * 4 + j], double(i + j));
      EXPECT_EQ(product->values[i * 4 + j], double(i * j));
    }
}

TEST_F(ConstantEvalTest, ElementwiseArithOnTensors) {
  // Two iota tensors compared by arith.cmpi on tensors, combined with a
  // constant i1 tensor, then a select between float tensors and an addf.
  const char *source = R"mlir(
func.func @f() -> (tensor<4x4xi1>, tensor<4x4xf32>) {
  %e = tensor.empty() : tensor<4x4xindex>
  %rows = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                          iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<4x4xindex>) {
  ^bb0(%out: index):
    %i = linalg.index 0 : index
    linalg.yield %i : index
  } -> tensor<4x4xindex>
  %cols = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                          iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<4x4xindex>) {
  ^bb0(%out: index):
    %j = linalg.index 1 : index
    linalg.yield %j : index
  } -> tensor<4x4xindex>
  %causal = arith.cmpi sle, %cols, %rows : tensor<4x4xindex>
  %keep = arith.constant dense<[[true, true, true, true],
                                [false, true, true, true],
                                [true, true, false, true],
                                [true, true, true, true]]> : tensor<4x4xi1>
  %mask = arith.andi %causal, %keep : tensor<4x4xi1>
  %zero = arith.constant dense<0.0> : tensor<4x4xf32>
  %ninf = arith.constant dense<0xFF800000> : tensor<4x4xf32>
  %bias = arith.select %mask, %zero, %ninf : tensor<4x4xi1>, tensor<4x4xf32>
  %one = arith.constant dense<1.0> : tensor<4x4xf32>
  %sum = arith.addf %bias, %one : tensor<4x4xf32>
  return %mask, %sum : tensor<4x4xi1>, tensor<4x4xf32>
}
)mlir";
  bool keep[4][4] = {{true, true, true, true},
                     {false, true, true, true},
                     {true, true, false, true},
                     {true, true, true, true}};
  std::optional<EvaluatedTensor> mask = eval(source, 0);
  ASSERT_TRUE(mask) << why;
  std::optional<EvaluatedTensor> sum = eval(source, 1);
  ASSERT_TRUE(sum) << why;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      bool visible = j <= i && keep[i][j];
      EXPECT_EQ(mask->values[i * 4 + j], visible ? 1.0 : 0.0);
      double v = sum->values[i * 4 + j];
      if (visible)
        EXPECT_EQ(v, 1.0);
      else
        EXPECT_TRUE(std::isinf(v) && v < 0) << v;
    }
}

//===----------------------------------------------------------------------===//
// Exact integer semantics
//===----------------------------------------------------------------------===//

TEST_F(ConstantEvalTest, IntegerWrapInI8) {
  // x = i truncated to i8; r = x * 100 + 7 in i8; plus extsi/extui to i32.
  std::string body = R"mlir(
    %x = arith.index_cast %i : index to i8
    %c100 = arith.constant 100 : i8
    %c7 = arith.constant 7 : i8
    %m = arith.muli %x, %c100 : i8
    %r = arith.addi %m, %c7 : i8)mlir";
  std::string source = substitute(R"mlir(
func.func @f() -> (tensor<300xi8>, tensor<300xi32>, tensor<300xi32>) {
  %e = tensor.empty() : tensor<300xi8>
  %m = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      outs(%e : tensor<300xi8>) {
  ^bb0(%out: i8):
    %i = linalg.index 0 : index
    $0
    linalg.yield %r : i8
  } -> tensor<300xi8>
  %s = arith.extsi %m : tensor<300xi8> to tensor<300xi32>
  %u = arith.extui %m : tensor<300xi8> to tensor<300xi32>
  return %m, %s, %u : tensor<300xi8>, tensor<300xi32>, tensor<300xi32>
}
)mlir",
                                  {body});
  std::optional<EvaluatedTensor> m = eval(source, 0);
  ASSERT_TRUE(m) << why;
  std::optional<EvaluatedTensor> s = eval(source, 1);
  ASSERT_TRUE(s) << why;
  std::optional<EvaluatedTensor> u = eval(source, 2);
  ASSERT_TRUE(u) << why;
  bool sawNegative = false;
  for (int i = 0; i < 300; ++i) {
    uint8_t bits = static_cast<uint8_t>(static_cast<uint8_t>(i) * 100u + 7u);
    int8_t want = static_cast<int8_t>(bits);
    sawNegative |= want < 0;
    ASSERT_EQ(m->values[i], double(want)) << "at " << i;
    ASSERT_EQ(s->values[i], double(want)) << "at " << i;
    ASSERT_EQ(u->values[i], double(bits)) << "at " << i;
  }
  EXPECT_TRUE(sawNegative);
}

/// Builds a module applying `op` elementwise to two constant i32 tensors.
std::string binaryI32Module(StringRef op, ArrayRef<int32_t> x,
                            ArrayRef<int32_t> y, StringRef resultType = "i32") {
  auto list = [](ArrayRef<int32_t> v) {
    std::string s;
    for (size_t k = 0; k < v.size(); ++k)
      s += (k ? ", " : "") + std::to_string(v[k]);
    return s;
  };
  return substitute(
      R"mlir(
func.func @f() -> tensor<$0x$4> {
  %x = arith.constant dense<[$1]> : tensor<$0xi32>
  %y = arith.constant dense<[$2]> : tensor<$0xi32>
  %r = arith.$3 %x, %y : tensor<$0xi32>
  return %r : tensor<$0x$4>
}
)mlir",
      {std::to_string(x.size()), list(x), list(y), op.str(), resultType.str()});
}

TEST_F(ConstantEvalTest, IntegerOpsMatchFixedWidthArithmetic) {
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  const int32_t kMax = std::numeric_limits<int32_t>::max();
  std::vector<int32_t> xs{-7, -6, -1, 0, 1, 5, 7, 100, kMax, kMin};
  std::vector<int32_t> ys{-3, -1, 1, 2, 3, 7, 31, kMin, kMax};
  using Rule = std::function<std::optional<int64_t>(int32_t, int32_t)>;
  auto u = [](int32_t v) { return static_cast<uint32_t>(v); };
  auto s = [](uint32_t v) { return int64_t(static_cast<int32_t>(v)); };
  auto floorDiv = [](int64_t a, int64_t b) {
    return static_cast<int64_t>(std::floor(double(a) / double(b)));
  };
  auto ceilDiv = [](int64_t a, int64_t b) {
    return static_cast<int64_t>(std::ceil(double(a) / double(b)));
  };
  auto noOverflow = [&](int32_t a, int32_t b) {
    return !(a == kMin && b == -1);
  };
  std::vector<std::pair<std::string, Rule>> rules = {
      {"addi", [&](int32_t a, int32_t b) { return s(u(a) + u(b)); }},
      {"subi", [&](int32_t a, int32_t b) { return s(u(a) - u(b)); }},
      {"muli", [&](int32_t a, int32_t b) { return s(u(a) * u(b)); }},
      {"divsi",
       [&](int32_t a, int32_t b) -> std::optional<int64_t> {
         if (!noOverflow(a, b))
           return std::nullopt;
         return int64_t(a) / int64_t(b);
       }},
      {"remsi",
       [&](int32_t a, int32_t b) -> std::optional<int64_t> {
         if (!noOverflow(a, b))
           return std::nullopt;
         return int64_t(a) % int64_t(b);
       }},
      {"floordivsi",
       [&](int32_t a, int32_t b) -> std::optional<int64_t> {
         if (!noOverflow(a, b))
           return std::nullopt;
         return floorDiv(a, b);
       }},
      {"ceildivsi",
       [&](int32_t a, int32_t b) -> std::optional<int64_t> {
         if (!noOverflow(a, b))
           return std::nullopt;
         return ceilDiv(a, b);
       }},
      {"divui", [&](int32_t a, int32_t b) { return s(u(a) / u(b)); }},
      {"remui", [&](int32_t a, int32_t b) { return s(u(a) % u(b)); }},
      {"ceildivui",
       [&](int32_t a, int32_t b) {
         return s(u(a) / u(b) + (u(a) % u(b) != 0 ? 1 : 0));
       }},
      {"minsi", [&](int32_t a, int32_t b) { return int64_t(std::min(a, b)); }},
      {"maxsi", [&](int32_t a, int32_t b) { return int64_t(std::max(a, b)); }},
      {"minui", [&](int32_t a, int32_t b) { return s(std::min(u(a), u(b))); }},
      {"maxui", [&](int32_t a, int32_t b) { return s(std::max(u(a), u(b))); }},
      {"andi", [&](int32_t a, int32_t b) { return s(u(a) & u(b)); }},
      {"ori", [&](int32_t a, int32_t b) { return s(u(a) | u(b)); }},
      {"xori", [&](int32_t a, int32_t b) { return s(u(a) ^ u(b)); }},
  };
  for (auto &[op, rule] : rules) {
    std::vector<int32_t> x, y;
    std::vector<int64_t> want;
    for (int32_t a : xs)
      for (int32_t b : ys)
        if (std::optional<int64_t> r = rule(a, b)) {
          x.push_back(a);
          y.push_back(b);
          want.push_back(*r);
        }
    std::optional<EvaluatedTensor> t = eval(binaryI32Module(op, x, y));
    ASSERT_TRUE(t) << op << ": " << why;
    for (size_t k = 0; k < want.size(); ++k)
      ASSERT_EQ(t->values[k], double(want[k]))
          << op << " " << x[k] << ", " << y[k];
  }

  // Shifts with in-range amounts.
  std::vector<int32_t> sx, sy;
  for (int32_t a : {-1000, -1, 1, 12345, kMin, kMax})
    for (int32_t b : {0, 1, 5, 31}) {
      sx.push_back(a);
      sy.push_back(b);
    }
  std::vector<std::pair<std::string, Rule>> shifts = {
      {"shli", [&](int32_t a, int32_t b) { return s(u(a) << b); }},
      {"shrui", [&](int32_t a, int32_t b) { return s(u(a) >> b); }},
      {"shrsi",
       [&](int32_t a, int32_t b) {
         // Arithmetic shift as floor division by 2^b.
         return floorDiv(a, int64_t(1) << b);
       }},
  };
  for (auto &[op, rule] : shifts) {
    std::optional<EvaluatedTensor> t = eval(binaryI32Module(op, sx, sy));
    ASSERT_TRUE(t) << op << ": " << why;
    for (size_t k = 0; k < sx.size(); ++k)
      ASSERT_EQ(t->values[k], double(*rule(sx[k], sy[k])))
          << op << " " << sx[k] << ", " << sy[k];
  }

  // Every cmpi predicate.
  std::vector<int32_t> cx, cy;
  for (int32_t a : xs)
    for (int32_t b : xs) {
      cx.push_back(a);
      cy.push_back(b);
    }
  std::vector<std::pair<std::string, std::function<bool(int32_t, int32_t)>>>
      predicates = {
          {"eq", [](int32_t a, int32_t b) { return a == b; }},
          {"ne", [](int32_t a, int32_t b) { return a != b; }},
          {"slt", [](int32_t a, int32_t b) { return a < b; }},
          {"sle", [](int32_t a, int32_t b) { return a <= b; }},
          {"sgt", [](int32_t a, int32_t b) { return a > b; }},
          {"sge", [](int32_t a, int32_t b) { return a >= b; }},
          {"ult", [&](int32_t a, int32_t b) { return u(a) < u(b); }},
          {"ule", [&](int32_t a, int32_t b) { return u(a) <= u(b); }},
          {"ugt", [&](int32_t a, int32_t b) { return u(a) > u(b); }},
          {"uge", [&](int32_t a, int32_t b) { return u(a) >= u(b); }},
      };
  for (auto &[pred, rule] : predicates) {
    std::optional<EvaluatedTensor> t =
        eval(binaryI32Module("cmpi " + pred + ",", cx, cy, "i1"));
    ASSERT_TRUE(t) << pred << ": " << why;
    for (size_t k = 0; k < cx.size(); ++k)
      ASSERT_EQ(t->values[k], rule(cx[k], cy[k]) ? 1.0 : 0.0)
          << pred << " " << cx[k] << ", " << cy[k];
  }
}

TEST_F(ConstantEvalTest, I1IsSignedMinusOne) {
  // As a signed i1, true is -1: true < false, and extsi gives -1.
  const char *source = R"mlir(
func.func @f() -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi8>, tensor<4xi1>) {
  %x = arith.constant dense<[true, true, false, false]> : tensor<4xi1>
  %y = arith.constant dense<[true, false, true, false]> : tensor<4xi1>
  %lt = arith.cmpi slt, %x, %y : tensor<4xi1>
  %sum = arith.addi %x, %y : tensor<4xi1>
  %ext = arith.extsi %x : tensor<4xi1> to tensor<4xi8>
  %ult = arith.cmpi ult, %x, %y : tensor<4xi1>
  return %lt, %sum, %ext, %ult : tensor<4xi1>, tensor<4xi1>, tensor<4xi8>,
      tensor<4xi1>
}
)mlir";
  std::optional<EvaluatedTensor> lt = eval(source, 0);
  ASSERT_TRUE(lt) << why;
  EXPECT_EQ(lt->values, (std::vector<double>{0, 1, 0, 0}));
  std::optional<EvaluatedTensor> sum = eval(source, 1);
  ASSERT_TRUE(sum) << why;
  EXPECT_EQ(sum->values, (std::vector<double>{0, 1, 1, 0}));
  std::optional<EvaluatedTensor> ext = eval(source, 2);
  ASSERT_TRUE(ext) << why;
  EXPECT_EQ(ext->values, (std::vector<double>{-1, -1, 0, 0}));
  std::optional<EvaluatedTensor> ult = eval(source, 3);
  ASSERT_TRUE(ult) << why;
  EXPECT_EQ(ult->values, (std::vector<double>{0, 0, 1, 0}));
}

//===----------------------------------------------------------------------===//
// Float rounding and semantics
//===----------------------------------------------------------------------===//

TEST_F(ConstantEvalTest, F16RoundsAfterEveryOp) {
  // r = sitofp(i) * 0.1 + 0.3 in f16, each op rounded to f16.
  std::string body = R"mlir(
    %jj = arith.index_cast %j : index to i32
    %x = arith.sitofp %jj : i32 to f16
    %c = arith.constant 0.1 : f16
    %d = arith.constant 0.3 : f16
    %m = arith.mulf %x, %c : f16
    %r = arith.addf %m, %d : f16)mlir";
  std::string source = generic2d(1, 3000, "f16", body);
  std::optional<EvaluatedTensor> t = eval(source);
  ASSERT_TRUE(t) << why;
  const llvm::fltSemantics &half = llvm::APFloat::IEEEhalf();
  llvm::APFloat c(half, "0.1"), d(half, "0.3");
  int differsFromDouble = 0;
  for (int j = 0; j < 3000; ++j) {
    llvm::APFloat x(half, std::to_string(j));
    x.multiply(c, llvm::APFloat::rmNearestTiesToEven);
    x.add(d, llvm::APFloat::rmNearestTiesToEven);
    ASSERT_EQ(t->values[j], x.convertToDouble()) << "at " << j;
    differsFromDouble += t->values[j] != roundToHalf(j * 0.1 + 0.3);
  }
  // The per-op rounding is observable.
  EXPECT_GT(differsFromDouble, 0);
}

TEST_F(ConstantEvalTest, F32AndBF16Arithmetic) {
  std::string body = R"mlir(
    %ii = arith.index_cast %i : index to i64
    %jj = arith.index_cast %j : index to i64
    %x = arith.sitofp %ii : i64 to f32
    %y = arith.uitofp %jj : i64 to f32
    %c3 = arith.constant 3.0 : f32
    %q = arith.divf %x, %c3 : f32
    %s = arith.subf %q, %y : f32
    %n = arith.negf %s : f32
    %r = arith.mulf %n, %q : f32)mlir";
  std::optional<EvaluatedTensor> t = eval(generic2d(37, 11, "f32", body));
  ASSERT_TRUE(t) << why;
  for (int i = 0; i < 37; ++i)
    for (int j = 0; j < 11; ++j) {
      volatile float q = float(i) / 3.0f;
      volatile float s = q - float(j);
      volatile float r = -s * q;
      ASSERT_EQ(t->values[i * 11 + j], double(r)) << i << ", " << j;
    }

  // bf16 from a truncf of f32 and an extf back.
  std::string bfBody = R"mlir(
    %jj = arith.index_cast %j : index to i32
    %x = arith.sitofp %jj : i32 to f32
    %c = arith.constant 1.1 : f32
    %m = arith.mulf %x, %c : f32
    %b = arith.truncf %m : f32 to bf16
    %r = arith.addf %b, %b : bf16)mlir";
  std::optional<EvaluatedTensor> bf = eval(generic2d(1, 500, "bf16", bfBody));
  ASSERT_TRUE(bf) << why;
  for (int j = 0; j < 500; ++j) {
    float m = float(j) * 1.1f;
    llvm::APFloat b(m);
    bool losesInfo;
    b.convert(llvm::APFloat::BFloat(), llvm::APFloat::rmNearestTiesToEven,
              &losesInfo);
    llvm::APFloat r = b;
    r.add(b, llvm::APFloat::rmNearestTiesToEven);
    ASSERT_EQ(bf->values[j], r.convertToDouble()) << "at " << j;
  }
}

TEST_F(ConstantEvalTest, FloatComparisonsAndMinMax) {
  const char *source = R"mlir(
func.func @f() -> (tensor<5xi1>, tensor<5xi1>, tensor<5xf32>, tensor<5xf32>,
                   tensor<5xf32>) {
  %x = arith.constant dense<[1.0, 0x7FC00000, -0.0, 2.0, -7.9]> : tensor<5xf32>
  %y = arith.constant dense<[1.0, 1.0, 0.0, 0x7FC00000, 3.0]> : tensor<5xf32>
  %une = arith.cmpf une, %x, %y : tensor<5xf32>
  %olt = arith.cmpf olt, %x, %y : tensor<5xf32>
  %max = arith.maximumf %x, %y : tensor<5xf32>
  %min = arith.minimumf %x, %y : tensor<5xf32>
  %x2 = arith.constant dense<[1.0, 0x7FC00000, 5.0, 2.0, -7.9]> : tensor<5xf32>
  %maxnum = arith.maxnumf %x2, %y : tensor<5xf32>
  return %une, %olt, %max, %min, %maxnum : tensor<5xi1>, tensor<5xi1>,
      tensor<5xf32>, tensor<5xf32>, tensor<5xf32>
}
)mlir";
  std::optional<EvaluatedTensor> une = eval(source, 0);
  ASSERT_TRUE(une) << why;
  EXPECT_EQ(une->values, (std::vector<double>{0, 1, 0, 1, 1}));
  std::optional<EvaluatedTensor> olt = eval(source, 1);
  ASSERT_TRUE(olt) << why;
  EXPECT_EQ(olt->values, (std::vector<double>{0, 0, 0, 0, 1}));
  std::optional<EvaluatedTensor> max = eval(source, 2);
  ASSERT_TRUE(max) << why;
  EXPECT_EQ(max->values[0], 1.0);
  EXPECT_TRUE(std::isnan(max->values[1]));
  EXPECT_TRUE(max->values[2] == 0.0 && !std::signbit(max->values[2]));
  EXPECT_TRUE(std::isnan(max->values[3]));
  EXPECT_EQ(max->values[4], 3.0);
  std::optional<EvaluatedTensor> min = eval(source, 3);
  ASSERT_TRUE(min) << why;
  EXPECT_TRUE(min->values[2] == 0.0 && std::signbit(min->values[2]));
  EXPECT_EQ(min->values[4], double(-7.9f));
  std::optional<EvaluatedTensor> maxnum = eval(source, 4);
  ASSERT_TRUE(maxnum) << why;
  EXPECT_EQ(maxnum->values, (std::vector<double>{1, 1, 5, 2, 3}));
  // fptosi truncates toward zero.
  const char *conv = R"mlir(
func.func @f() -> tensor<4xi32> {
  %x = arith.constant dense<[-7.9, 7.9, -0.5, 2147483520.0]> : tensor<4xf32>
  %i = arith.fptosi %x : tensor<4xf32> to tensor<4xi32>
  return %i : tensor<4xi32>
}
)mlir";
  std::optional<EvaluatedTensor> i = eval(conv);
  ASSERT_TRUE(i) << why;
  EXPECT_EQ(i->values, (std::vector<double>{-7, 7, 0, 2147483520.0}));
}

//===----------------------------------------------------------------------===//
// Failures
//===----------------------------------------------------------------------===//

TEST_F(ConstantEvalTest, DivisionByZeroFails) {
  std::string body = R"mlir(
    %c2 = arith.constant 2 : index
    %d = arith.subi %i, %c2 : index
    %q = arith.divsi %j, %d : index
    %r = arith.cmpi sle, %q, %i : index)mlir";
  expectFailure(generic2d(4, 4, "i1", body), "'arith.divsi' divides by zero");
  expectFailure(binaryI32Module("remui", {5}, {0}),
                "'arith.remui' divides by zero");
  expectFailure(
      binaryI32Module("divsi", {1, std::numeric_limits<int>::min()}, {1, -1}),
      "'arith.divsi' overflows");
}

TEST_F(ConstantEvalTest, OverflowFlagsAtEveryWidth) {
  // addi, subi and muli under nsw, nuw or both, on every pair of a few
  // values at i1, i8 and i64, against APInt's overflow checks: the result
  // wraps, or the evaluation fails naming the first flag that is broken.
  // min/max and bitwise ops against APInt too.
  struct Arith {
    const char *op;
    APInt (APInt::*signedOv)(const APInt &, bool &) const;
    APInt (APInt::*unsignedOv)(const APInt &, bool &) const;
  };
  const Arith ops[] = {{"addi", &APInt::sadd_ov, &APInt::uadd_ov},
                       {"subi", &APInt::ssub_ov, &APInt::usub_ov},
                       {"muli", &APInt::smul_ov, &APInt::umul_ov}};
  struct Total {
    const char *op;
    APInt (*fn)(const APInt &, const APInt &);
  };
  const Total totals[] = {
      {"minsi", [](const APInt &a,
                   const APInt &b) { return llvm::APIntOps::smin(a, b); }},
      {"maxsi", [](const APInt &a,
                   const APInt &b) { return llvm::APIntOps::smax(a, b); }},
      {"minui", [](const APInt &a,
                   const APInt &b) { return llvm::APIntOps::umin(a, b); }},
      {"maxui", [](const APInt &a,
                   const APInt &b) { return llvm::APIntOps::umax(a, b); }},
      {"andi", [](const APInt &a, const APInt &b) { return a & b; }},
      {"ori", [](const APInt &a, const APInt &b) { return a | b; }},
      {"xori", [](const APInt &a, const APInt &b) { return a ^ b; }},
  };
  for (unsigned w : {1u, 8u, 64u}) {
    // At i64 the extremes that constants may hold (2^53 in magnitude).
    std::vector<APInt> values;
    for (int64_t v :
         {int64_t(0), int64_t(1), int64_t(-1), int64_t(2), int64_t(-2),
          int64_t(100), int64_t(1) << 53, -(int64_t(1) << 53)})
      values.push_back(APInt(w, uint64_t(v), /*isSigned=*/false,
                             /*implicitTrunc=*/true));
    if (w < 64)
      for (APInt v : {APInt::getSignedMinValue(w), APInt::getSignedMaxValue(w)})
        values.push_back(v);
    auto literal = [&](const APInt &v) {
      if (w == 1)
        return std::string(v.isZero() ? "false" : "true");
      return std::to_string(v.getSExtValue());
    };
    auto module = [&](StringRef op, StringRef flags, const APInt &x,
                      const APInt &y) {
      return substitute(R"mlir(
func.func @f() -> tensor<1x$0> {
  %x = arith.constant dense<$1> : tensor<1x$0>
  %y = arith.constant dense<$2> : tensor<1x$0>
  %r = arith.$3 %x, %y $4 : tensor<1x$0>
  return %r : tensor<1x$0>
}
)mlir",
                        {"i" + std::to_string(w), literal(x), literal(y),
                         op.str(), flags.str()});
    };
    // The stored value of a result: i1 as 0 or 1, wider types signed.
    auto stored = [&](const APInt &r) {
      return double(w == 1 ? int64_t(r.getZExtValue()) : r.getSExtValue());
    };
    auto small = [](const APInt &r) { return r.getSignificantBits() <= 53; };
    for (const APInt &x : values)
      for (const APInt &y : values) {
        for (const Arith &a : ops)
          for (StringRef flags :
               {"overflow<nsw>", "overflow<nuw>", "overflow<nsw, nuw>"}) {
            bool sOv = false, uOv = false;
            APInt r = (x.*a.signedOv)(y, sOv);
            (void)(x.*a.unsignedOv)(y, uOv);
            sOv &= flags.contains("nsw");
            uOv &= flags.contains("nuw");
            std::string source = module(a.op, flags, x, y);
            SCOPED_TRACE(source);
            if (sOv || uOv) {
              expectFailure(source,
                            (llvm::Twine("'arith.") + a.op +
                             "' overflows under " + (sOv ? "nsw" : "nuw"))
                                .str());
              continue;
            }
            if (!small(r))
              continue;
            std::optional<EvaluatedTensor> t = eval(source);
            ASSERT_TRUE(t) << why;
            EXPECT_EQ(t->values, (std::vector<double>{stored(r)}));
          }
        for (const Total &t : totals) {
          APInt r = t.fn(x, y);
          if (!small(r))
            continue;
          std::string source = module(t.op, "", x, y);
          SCOPED_TRACE(source);
          std::optional<EvaluatedTensor> e = eval(source);
          ASSERT_TRUE(e) << why;
          EXPECT_EQ(e->values, (std::vector<double>{stored(r)}));
        }
      }
  }
}

TEST_F(ConstantEvalTest, PoisonFails) {
  expectFailure(binaryI32Module("shli", {1}, {32}),
                "'arith.shli' shifts by at least the bit width");
  // Without flags, addi wraps.
  EXPECT_TRUE(
      eval(binaryI32Module("addi", {std::numeric_limits<int>::max()}, {1}))
          .has_value());
  const char *nsw = R"mlir(
func.func @f() -> tensor<2xi8> {
  %x = arith.constant dense<[100, 27]> : tensor<2xi8>
  %r = arith.addi %x, %x overflow<nsw> : tensor<2xi8>
  return %r : tensor<2xi8>
}
)mlir";
  expectFailure(nsw, "'arith.addi' overflows under nsw");
  const char *fptosi = R"mlir(
func.func @f() -> tensor<2xi8> {
  %x = arith.constant dense<[1.0, 300.0]> : tensor<2xf32>
  %r = arith.fptosi %x : tensor<2xf32> to tensor<2xi8>
  return %r : tensor<2xi8>
}
)mlir";
  expectFailure(fptosi, "'arith.fptosi' converts 300");
  const char *nnan = R"mlir(
func.func @f() -> tensor<2xf32> {
  %x = arith.constant dense<[1.0, 0x7FC00000]> : tensor<2xf32>
  %r = arith.addf %x, %x fastmath<nnan> : tensor<2xf32>
  return %r : tensor<2xf32>
}
)mlir";
  expectFailure(nnan, "'arith.addf' sees a nan under fastmath nnan");
  const char *contract = R"mlir(
func.func @f() -> tensor<2xf32> {
  %x = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %r = arith.mulf %x, %x fastmath<contract> : tensor<2xf32>
  return %r : tensor<2xf32>
}
)mlir";
  expectFailure(contract, "'arith.mulf' with fastmath<contract>");
}

TEST_F(ConstantEvalTest, BlockArgumentFails) {
  const char *direct = R"mlir(
func.func @f(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  return %arg0 : tensor<4xf32>
}
)mlir";
  expectFailure(direct, "block argument #0 of 'func.func'");
  const char *captured = R"mlir(
func.func @f(%n: index) -> tensor<4x4xi1> {
  %e = tensor.empty() : tensor<4x4xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<4x4xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 0 : index
    %r = arith.cmpi slt, %i, %n : index
    linalg.yield %r : i1
  } -> tensor<4x4xi1>
  return %m : tensor<4x4xi1>
}
)mlir";
  expectFailure(captured, "block argument");
}

TEST_F(ConstantEvalTest, OverLimitFails) {
  ConstantEvalOptions options;
  options.maxElements = 100;
  std::string causal =
      generic2d(16, 16, "i1", "%r = arith.cmpi sle, %j, %i : index");
  expectFailure(causal,
                "tensor<16x16xi1> of 256 elements exceeds the evaluation "
                "limit of 100",
                options);
  options.maxElements = 256;
  EXPECT_TRUE(eval(causal, 0, options).has_value()) << why;

  // The limit also applies to intermediate tensors.
  const char *slice = R"mlir(
func.func @f() -> tensor<2x2xi32> {
  %a = arith.constant dense<7> : tensor<16x16xi32>
  %s = tensor.extract_slice %a[0, 0] [2, 2] [1, 1]
      : tensor<16x16xi32> to tensor<2x2xi32>
  return %s : tensor<2x2xi32>
}
)mlir";
  options.maxElements = 100;
  expectFailure(slice, "tensor<16x16xi32> of 256 elements exceeds", options);
}

TEST_F(ConstantEvalTest, ExtractFromLookupTable) {
  // A block-sparse layout looked up per element: table[i div 2][j div 2],
  // with the table as a constant inside the payload.
  std::optional<EvaluatedTensor> r = eval(R"mlir(
func.func @f() -> tensor<4x4xi1> {
  %e = tensor.empty() : tensor<4x4xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<4x4xi1>) {
  ^bb0(%out: i1):
    %t = arith.constant dense<[[true, false], [false, true]]> : tensor<2x2xi1>
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c2 = arith.constant 2 : index
    %bi = arith.divsi %i, %c2 : index
    %bj = arith.divsi %j, %c2 : index
    %v = tensor.extract %t[%bi, %bj] : tensor<2x2xi1>
    linalg.yield %v : i1
  } -> tensor<4x4xi1>
  return %m : tensor<4x4xi1>
}
)mlir");
  ASSERT_TRUE(r.has_value());
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 4; ++j)
      EXPECT_EQ(r->values[i * 4 + j], (i / 2 == j / 2) ? 1.0 : 0.0)
          << "(" << i << ", " << j << ")";
}

TEST_F(ConstantEvalTest, UnsupportedOpsAreNamed) {
  const char *gather = R"mlir(
func.func @f() -> tensor<4xf32> {
  %t = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      outs(%e : tensor<4xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %c1 = arith.constant 1 : index
    %j = arith.addi %i, %c1 : index
    %v = tensor.extract %t[%j] : tensor<4xf32>
    linalg.yield %v : f32
  } -> tensor<4xf32>
  return %m : tensor<4xf32>
}
)mlir";
  // Reading past the end is undefined behaviour: evaluation stops.
  expectFailure(gather,
                "'tensor.extract' reads index 4 of a dimension of size 4");
  const char *unknown = R"mlir(
func.func @f() -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      outs(%e : tensor<4xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %x = arith.index_cast %i : index to i32
    %f = arith.sitofp %x : i32 to f32
    %v = math.exp %f : f32
    linalg.yield %v : f32
  } -> tensor<4xf32>
  return %m : tensor<4xf32>
}
)mlir";
  expectFailure(unknown, "'math.exp' is not evaluated");
  const char *call = R"mlir(
func.func private @g() -> tensor<4xf32>
func.func @f() -> tensor<4xf32> {
  %t = func.call @g() : () -> tensor<4xf32>
  return %t : tensor<4xf32>
}
)mlir";
  // The first function is @g, a declaration: evaluate @f's return instead.
  module = parseSourceString<ModuleOp>(call, &context);
  ASSERT_TRUE(module);
  auto f = module->lookupSymbol<func::FuncOp>("f");
  ASSERT_TRUE(f);
  std::string reason;
  EXPECT_FALSE(evaluateTensor(
      f.getBody().front().getTerminator()->getOperand(0), {}, &reason));
  EXPECT_EQ(reason, "'func.call' is not evaluated");

  const char *reduction = R"mlir(
func.func @f() -> tensor<4xf32> {
  %t = arith.constant dense<1.0> : tensor<4x3xf32>
  %z = arith.constant dense<0.0> : tensor<4xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>,
                                        affine_map<(i, k) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%t : tensor<4x3xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %m : tensor<4xf32>
}
)mlir";
  expectFailure(reduction, "float reductions are not evaluated");

  const char *resource = R"mlir(
func.func @f() -> tensor<2xi32> {
  %t = arith.constant dense_resource<blob> : tensor<2xi32>
  return %t : tensor<2xi32>
}
{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000100000002000000"
    }
  }
#-}
)mlir";
  expectFailure(resource, "dense resource");

  const char *dynamic = R"mlir(
func.func @f() -> tensor<?xi32> {
  %t = arith.constant dense<[1, 2]> : tensor<2xi32>
  %c = tensor.cast %t : tensor<2xi32> to tensor<?xi32>
  return %c : tensor<?xi32>
}
)mlir";
  expectFailure(dynamic, "'tensor<?xi32>' has a dynamic shape");
}

TEST_F(ConstantEvalTest, ReadingTensorEmptyFails) {
  const char *readsInit = R"mlir(
func.func @f() -> tensor<4xi32> {
  %e = tensor.empty() : tensor<4xi32>
  %c1 = arith.constant 1 : i32
  %m = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      outs(%e : tensor<4xi32>) {
  ^bb0(%out: i32):
    %s = arith.addi %out, %c1 : i32
    linalg.yield %s : i32
  } -> tensor<4xi32>
  return %m : tensor<4xi32>
}
)mlir";
  expectFailure(readsInit, "reads its 'tensor.empty' init #0");
  const char *direct = R"mlir(
func.func @f() -> tensor<4xi32> {
  %e = tensor.empty() : tensor<4xi32>
  return %e : tensor<4xi32>
}
)mlir";
  expectFailure(direct, "'tensor.empty' has undefined contents");

  // Reading an init that is a constant is fine.
  std::string readsConstant = readsInit;
  readsConstant.replace(readsConstant.find("tensor.empty() : tensor<4xi32>"),
                        strlen("tensor.empty() : tensor<4xi32>"),
                        "arith.constant dense<[5, 6, 7, 8]> : tensor<4xi32>");
  std::optional<EvaluatedTensor> t = eval(readsConstant);
  ASSERT_TRUE(t) << why;
  EXPECT_EQ(t->values, (std::vector<double>{6, 7, 8, 9}));
}

TEST_F(ConstantEvalTest, IntegersBeyond2To53Fail) {
  const char *constant = R"mlir(
func.func @f() -> tensor<2xi64> {
  %t = arith.constant dense<[1, 1152921504606846976]> : tensor<2xi64>
  return %t : tensor<2xi64>
}
)mlir";
  expectFailure(constant, "exceeds 2^53 in magnitude");
  std::string body = R"mlir(
    %ii = arith.index_cast %j : index to i64
    %big = arith.constant 1125899906842624 : i64
    %r = arith.muli %ii, %big : i64)mlir";
  expectFailure(generic2d(1, 16, "i64", body), "exceeds 2^53 in magnitude");
  // Intermediate values beyond 2^53 inside a payload are fine.
  std::string inside = R"mlir(
    %ii = arith.index_cast %j : index to i64
    %big = arith.constant 1125899906842624 : i64
    %m = arith.muli %ii, %big : i64
    %r = arith.divsi %m, %big : i64)mlir";
  std::optional<EvaluatedTensor> t = eval(generic2d(1, 16, "i64", inside));
  ASSERT_TRUE(t) << why;
  for (int j = 0; j < 16; ++j)
    EXPECT_EQ(t->values[j], double(j));
}

//===----------------------------------------------------------------------===//
// Performance
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Integer reductions
//===----------------------------------------------------------------------===//

/// Dense literal of the row-major `values` of a matrix with `cols` columns.
std::string denseLiteral(ArrayRef<int64_t> values, size_t cols) {
  std::string s = "dense<[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i % cols == 0)
      s += i ? "], [" : "[";
    else
      s += ", ";
    s += std::to_string(values[i]);
  }
  return s + "]]>";
}

TEST_F(ConstantEvalTest, MaskedCumsumI64) {
  // out[b, j] = init + sum over k <= j of in[b, k], as torch-mlir writes a
  // cumsum: a reduction over k with the terms beyond j masked to 0. 8x40x40
  // iteration points span more than one chunk.
  const int64_t rows = 8, cols = 40, init = 10;
  std::vector<int64_t> in(rows * cols);
  for (int64_t i = 0; i < rows * cols; ++i)
    in[i] = (i * 7919) % 23 - 11;
  for (bool accFirst : {false, true}) {
    std::string source = substitute(
        R"mlir(
func.func @f() -> tensor<$0x$1xi64> {
  %t = arith.constant $2 : tensor<$0x$1xi64>
  %c = arith.constant $3 : i64
  %z = arith.constant 0 : i64
  %e = tensor.empty() : tensor<$0x$1xi64>
  %f = linalg.fill ins(%c : i64) outs(%e : tensor<$0x$1xi64>) -> tensor<$0x$1xi64>
  %m = linalg.generic {indexing_maps = [affine_map<(b, j, k) -> (b, k)>,
                                        affine_map<(b, j, k) -> (b, j)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%t : tensor<$0x$1xi64>) outs(%f : tensor<$0x$1xi64>) {
  ^bb0(%x: i64, %acc: i64):
    %j = linalg.index 1 : index
    %k = linalg.index 2 : index
    %keep = arith.cmpi sle, %k, %j : index
    %v = arith.select %keep, %x, %z : i64
    %s = $4
    linalg.yield %s : i64
  } -> tensor<$0x$1xi64>
  return %m : tensor<$0x$1xi64>
}
)mlir",
        {std::to_string(rows), std::to_string(cols), denseLiteral(in, cols),
         std::to_string(init),
         accFirst ? "arith.addi %acc, %v : i64" : "arith.addi %v, %acc : i64"});
    std::optional<EvaluatedTensor> t = eval(source);
    ASSERT_TRUE(t) << why;
    EXPECT_EQ(t->shape, (SmallVector<int64_t>{rows, cols}));
    EXPECT_TRUE(t->elementType.isInteger(64));
    for (int64_t b = 0; b < rows; ++b) {
      int64_t sum = init;
      for (int64_t j = 0; j < cols; ++j) {
        sum += in[b * cols + j];
        ASSERT_EQ(t->values[b * cols + j], double(sum))
            << "at (" << b << ", " << j << ")";
      }
    }
  }
}

TEST_F(ConstantEvalTest, I1AllReductionWithAndI) {
  // A rank-0 all-reduction by linalg.generic, and per row by linalg.reduce.
  const char *source = R"mlir(
func.func @f() -> (tensor<i1>, tensor<3xi1>) {
  %t = arith.constant $0 : tensor<3x4xi1>
  %true = arith.constant true
  %e0 = tensor.empty() : tensor<i1>
  %f0 = linalg.fill ins(%true : i1) outs(%e0 : tensor<i1>) -> tensor<i1>
  %all = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                          affine_map<(i, j) -> ()>],
                         iterator_types = ["reduction", "reduction"]}
      ins(%t : tensor<3x4xi1>) outs(%f0 : tensor<i1>) {
  ^bb0(%x: i1, %acc: i1):
    %a = arith.andi %x, %acc : i1
    linalg.yield %a : i1
  } -> tensor<i1>
  %e1 = tensor.empty() : tensor<3xi1>
  %f1 = linalg.fill ins(%true : i1) outs(%e1 : tensor<3xi1>) -> tensor<3xi1>
  %rows = linalg.reduce ins(%t : tensor<3x4xi1>) outs(%f1 : tensor<3xi1>)
      dimensions = [1]
    (%x: i1, %acc: i1) {
      %a = arith.andi %acc, %x : i1
      linalg.yield %a : i1
    }
  return %all, %rows : tensor<i1>, tensor<3xi1>
}
)mlir";
  std::string allTrue = "dense<true>";
  std::string oneFalse = "dense<[[true, true, true, true], [true, false, true, "
                         "true], [true, true, true, true]]>";
  for (const std::string &literal : {allTrue, oneFalse}) {
    bool hasFalse = literal == oneFalse;
    std::string text = substitute(source, {literal});
    std::optional<EvaluatedTensor> all = eval(text, 0);
    ASSERT_TRUE(all) << why;
    EXPECT_TRUE(all->shape.empty());
    ASSERT_EQ(all->getNumElements(), 1);
    EXPECT_EQ(all->values[0], hasFalse ? 0.0 : 1.0);
    std::optional<EvaluatedTensor> rows = eval(text, 1);
    ASSERT_TRUE(rows) << why;
    EXPECT_EQ(rows->values,
              (std::vector<double>{1.0, hasFalse ? 0.0 : 1.0, 1.0}));
  }
}

TEST_F(ConstantEvalTest, MaxSIAndWrappingSumReductionsInI8) {
  // Column-wise maxsi of i8 values with an init of -128, and the column sum
  // in i8, which wraps around.
  const int64_t rows = 5, cols = 3;
  std::vector<int64_t> in = {-7,  100, -128, 3,    90,  -1,  -50, 120,
                             -90, 12,  -3,   -100, 127, 110, -120};
  std::string source = substitute(R"mlir(
func.func @f() -> (tensor<3xi8>, tensor<3xi8>) {
  %t = arith.constant $0 : tensor<5x3xi8>
  %lo = arith.constant -128 : i8
  %one = arith.constant 1 : i8
  %e = tensor.empty() : tensor<3xi8>
  %f = linalg.fill ins(%lo : i8) outs(%e : tensor<3xi8>) -> tensor<3xi8>
  %g = linalg.fill ins(%one : i8) outs(%e : tensor<3xi8>) -> tensor<3xi8>
  %max = linalg.generic {indexing_maps = [affine_map<(j, i) -> (i, j)>,
                                          affine_map<(j, i) -> (j)>],
                         iterator_types = ["parallel", "reduction"]}
      ins(%t : tensor<5x3xi8>) outs(%f : tensor<3xi8>) {
  ^bb0(%x: i8, %acc: i8):
    %m = arith.maxsi %acc, %x : i8
    linalg.yield %m : i8
  } -> tensor<3xi8>
  %sum = linalg.reduce ins(%t : tensor<5x3xi8>) outs(%g : tensor<3xi8>)
      dimensions = [0]
    (%x: i8, %acc: i8) {
      %s = arith.addi %x, %acc : i8
      linalg.yield %s : i8
    }
  return %max, %sum : tensor<3xi8>, tensor<3xi8>
}
)mlir",
                                  {denseLiteral(in, cols)});
  std::optional<EvaluatedTensor> max = eval(source, 0);
  ASSERT_TRUE(max) << why;
  std::optional<EvaluatedTensor> sum = eval(source, 1);
  ASSERT_TRUE(sum) << why;
  for (int64_t j = 0; j < cols; ++j) {
    int8_t m = -128, s = 1;
    for (int64_t i = 0; i < rows; ++i) {
      int8_t v = static_cast<int8_t>(in[i * cols + j]);
      m = std::max(m, v);
      s = static_cast<int8_t>(static_cast<uint8_t>(s) +
                              static_cast<uint8_t>(v));
    }
    EXPECT_EQ(max->values[j], double(m)) << "column " << j;
    EXPECT_EQ(sum->values[j], double(s)) << "column " << j;
  }
}

TEST_F(ConstantEvalTest, UnsupportedReductionsFail) {
  const char *floatSum = R"mlir(
func.func @f() -> tensor<4xf32> {
  %t = arith.constant dense<0.1> : tensor<4x3xf32>
  %z = arith.constant dense<0.0> : tensor<4xf32>
  %m = linalg.reduce ins(%t : tensor<4x3xf32>) outs(%z : tensor<4xf32>)
      dimensions = [1]
    (%x: f32, %acc: f32) {
      %s = arith.addf %x, %acc : f32
      linalg.yield %s : f32
    }
  return %m : tensor<4xf32>
}
)mlir";
  expectFailure(floatSum, "float reductions are not evaluated");

  const char *emptyInit = R"mlir(
func.func @f() -> tensor<4xi32> {
  %t = arith.constant dense<1> : tensor<4x3xi32>
  %e = tensor.empty() : tensor<4xi32>
  %m = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>,
                                        affine_map<(i, k) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%t : tensor<4x3xi32>) outs(%e : tensor<4xi32>) {
  ^bb0(%x: i32, %acc: i32):
    %s = arith.addi %x, %acc : i32
    linalg.yield %s : i32
  } -> tensor<4xi32>
  return %m : tensor<4xi32>
}
)mlir";
  expectFailure(emptyInit, "reads its 'tensor.empty' init #0");

  // An argmax: the value's accumulator is also read by the compare, and the
  // index result is a select, not a combiner, so neither result is
  // evaluated.
  const char *argmax = R"mlir(
func.func @f() -> (tensor<4xi32>, tensor<4xindex>) {
  %t = arith.constant dense<[[1, 5, 2], [7, 0, 7], [3, 3, 9], [4, 8, 6]]> : tensor<4x3xi32>
  %lo = arith.constant dense<-100> : tensor<4xi32>
  %z = arith.constant dense<0> : tensor<4xindex>
  %m:2 = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>,
                                          affine_map<(i, k) -> (i)>,
                                          affine_map<(i, k) -> (i)>],
                         iterator_types = ["parallel", "reduction"]}
      ins(%t : tensor<4x3xi32>) outs(%lo, %z : tensor<4xi32>, tensor<4xindex>) {
  ^bb0(%x: i32, %acc: i32, %idx: index):
    %k = linalg.index 1 : index
    %gt = arith.cmpi sgt, %x, %acc : i32
    %m = arith.maxsi %x, %acc : i32
    %n = arith.select %gt, %k, %idx : index
    linalg.yield %m, %n : i32, index
  } -> (tensor<4xi32>, tensor<4xindex>)
  return %m#0, %m#1 : tensor<4xi32>, tensor<4xindex>
}
)mlir";
  expectFailure(argmax, "result #0 of 'linalg.generic' is not a reduction", {},
                0);
  expectFailure(argmax, "of 'linalg.generic' is not a reduction", {}, 1);

  // The iteration space (64 points) counts against the limit, not only the
  // result (4 elements).
  const char *wide = R"mlir(
func.func @f() -> tensor<4xi32> {
  %t = arith.constant dense<1> : tensor<4x16xi32>
  %z = arith.constant dense<0> : tensor<4xi32>
  %m = linalg.reduce ins(%t : tensor<4x16xi32>) outs(%z : tensor<4xi32>)
      dimensions = [1]
    (%x: i32, %acc: i32) {
      %s = arith.addi %x, %acc : i32
      linalg.yield %s : i32
    }
  return %m : tensor<4xi32>
}
)mlir";
  ConstantEvalOptions small;
  small.maxElements = 63;
  expectFailure(wide, "iterates over 64 points", small);
  small.maxElements = 64;
  std::optional<EvaluatedTensor> t = eval(wide, 0, small);
  ASSERT_TRUE(t) << why;
  EXPECT_EQ(t->values, (std::vector<double>{16, 16, 16, 16}));
}

TEST_F(ConstantEvalTest, LargeCausalMask) {
  const int64_t n = 4096;
  std::string source =
      generic2d(n, n, "i1", "%r = arith.cmpi sle, %j, %i : index");
  Value value = returned(source);
  ASSERT_TRUE(value);
  auto start = std::chrono::steady_clock::now();
  std::optional<EvaluatedTensor> mask = evaluateTensor(value, {}, &why);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ASSERT_TRUE(mask) << why;
  std::cout << "[ timing   ] 4096x4096 causal i1 mask evaluated in " << seconds
            << " s\n";
  RecordProperty("causal_mask_4096_seconds", std::to_string(seconds));
  ASSERT_EQ(mask->getNumElements(), n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (mask->values[i * n + j] != (j <= i ? 1.0 : 0.0))
        FAIL() << "at (" << i << ", " << j << ")";
}

TEST_F(ConstantEvalTest, LargeNeighborhoodBias) {
  // A clamped window of 129 keys per query, as an f32 bias of 0 or -inf,
  // computed in i64 after index_cast: a heavier payload than the causal mask.
  const int64_t n = 4096, window = 129;
  std::string body = R"mlir(
    %ii = arith.index_cast %i : index to i64
    %jj = arith.index_cast %j : index to i64
    %s0 = arith.subi %ii, %half : i64
    %s1 = arith.maxsi %s0, %c0 : i64
    %start = arith.minsi %s1, %last : i64
    %end = arith.addi %start, %w : i64
    %a = arith.cmpi sge, %jj, %start : i64
    %b = arith.cmpi slt, %jj, %end : i64
    %in = arith.andi %a, %b : i1
    %r = arith.select %in, %zero, %ninf : f32)mlir";
  std::string preamble =
      substitute(R"mlir(
  %c0 = arith.constant 0 : i64
  %half = arith.constant $0 : i64
  %last = arith.constant $1 : i64
  %w = arith.constant $2 : i64
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32)mlir",
                 {std::to_string(window / 2), std::to_string(n - window),
                  std::to_string(window)});
  Value value = returned(generic2d(n, n, "f32", body, preamble));
  ASSERT_TRUE(value);
  auto start = std::chrono::steady_clock::now();
  std::optional<EvaluatedTensor> bias = evaluateTensor(value, {}, &why);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ASSERT_TRUE(bias) << why;
  std::cout << "[ timing   ] 4096x4096 neighborhood f32 bias evaluated in "
            << seconds << " s\n";
  for (int64_t i = 0; i < n; ++i) {
    int64_t lo = std::min(std::max<int64_t>(i - window / 2, 0), n - window);
    for (int64_t j = 0; j < n; ++j) {
      double v = bias->values[i * n + j];
      bool visible = j >= lo && j < lo + window;
      if (visible ? v != 0.0 : !(std::isinf(v) && v < 0))
        FAIL() << "at (" << i << ", " << j << "): " << v;
    }
  }
}

} // namespace
