//===- ReplaceSoftmax.cpp - Sink-aware softmax replacements ---------------===//
//
// --attn-replace-softmax: learned and zero sinks, the softmax-free
// normalizers, StreamingLLM windows and head-specific sink calibration,
// inserted into selected ops (and heads) with the exact math of SPEC
// sections 3-4. A normalizer is given as an attribute
// (normalizer=#attn.softmax<sink = zero>) or as a shorthand mode with its
// options (mode=softmax1); either way it is handled through the normalizer
// interface.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Support/PassOptions.h"

#include "attn/Dialect/Attn/Transforms/Transforms.h"
#include "attn/Support/Npy.h"
#include "attn/Support/PassStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNREPLACESOFTMAXPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// A float .npy as doubles (f16, f32, f64).
FailureOr<std::pair<std::vector<int64_t>, std::vector<double>>>
readFloatArray(StringRef path, std::string &error) {
  llvm::Expected<::attn::npy::Array> array =
      ::attn::npy::readFile(path, ::attn::npy::kMaxOptionFileBytes);
  if (!array) {
    error = toString(array.takeError());
    return failure();
  }
  using ::attn::npy::DType;
  std::vector<double> values;
  values.reserve(array->numElements());
  for (int64_t e = 0, n = array->numElements(); e < n; ++e) {
    const char *p = array->data.data() + e * elementSize(array->dtype);
    switch (array->dtype) {
    case DType::F64: {
      double v;
      std::memcpy(&v, p, 8);
      values.push_back(v);
      break;
    }
    case DType::F32: {
      float v;
      std::memcpy(&v, p, 4);
      values.push_back(v);
      break;
    }
    case DType::F16: {
      uint16_t bits;
      std::memcpy(&bits, p, 2);
      llvm::APFloat v(llvm::APFloat::IEEEhalf(), llvm::APInt(16, bits));
      values.push_back(v.convertToDouble());
      break;
    }
    default:
      error = (path + " must hold float16, float32 or float64, got " +
               ::attn::npy::descr(array->dtype))
                  .str();
      return failure();
    }
  }
  return std::make_pair(array->shape, std::move(values));
}

/// A dense constant of `type` from doubles.
Value floatConstant(OpBuilder &b, Location loc, RankedTensorType type,
                    ArrayRef<double> values) {
  auto elementType = cast<FloatType>(type.getElementType());
  SmallVector<APFloat> floats;
  for (double v : values) {
    APFloat f(v);
    bool lost;
    f.convert(elementType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &lost);
    floats.push_back(f);
  }
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, floats));
}

/// Static 4-D view of a broadcastable operand's shape (right-aligned).
SmallVector<int64_t> shape4D(RankedTensorType type) {
  SmallVector<int64_t> dims(4 - type.getRank(), 1);
  dims.append(type.getShape().begin(), type.getShape().end());
  return dims;
}

struct AttnReplaceSoftmaxPass
    : mlir::attn::impl::AttnReplaceSoftmaxPassBase<AttnReplaceSoftmaxPass> {
  using Base::Base;
  ATTN_PASS_OPTION_ERRORS

  /// What the pass does: give ops a normalizer (normalizer=, or a mode that
  /// is its shorthand), a StreamingLLM window, or a calibration bias.
  enum class Mode { Normalizer, Streaming, Calibrate };

  // Parsed options.
  Mode kind = Mode::Normalizer;
  /// The normalizer to give (Mode::Normalizer) and how the options named it,
  /// for messages: "mode=relu" or "normalizer=#attn.relu".
  NormalizerAttrInterface target;
  std::string request;
  std::optional<IndexSelection> opSelection, headSelection, columnSelection;
  bool sinksAsArgument = false;
  std::vector<int64_t> sinkShape;
  std::vector<double> sinkValues;
  int64_t streamingSinks = 4;
  std::optional<double> gammaScalar;
  std::vector<double> gammaValues;

  InFlightDiagnostic optionError() {
    return mlir::emitError(getOperation().getLoc()) << "attn-replace-softmax: ";
  }

  //===--------------------------------------------------------------------===//
  // Shorthand: mode=<name> with its options. The only code that switches on
  // the normalizer kind; it builds the attribute that the rest handles.
  //===--------------------------------------------------------------------===//

  /// The normalizer that `mode` (a normalizer mode) and its options describe.
  FailureOr<NormalizerAttrInterface> normalizerFromMode() {
    MLIRContext *ctx = &getContext();
    if (mode == "sink")
      return NormalizerAttrInterface(SoftmaxAttr::get(ctx, SinkKind::learned));
    if (mode == "softmax1")
      return NormalizerAttrInterface(SoftmaxAttr::get(ctx, SinkKind::zero));
    if (mode == "relu") {
      std::optional<ReluNorm> parsed = symbolizeReluNorm(norm);
      if (!parsed)
        return optionError() << "unknown norm '" << norm.getValue()
                             << "', expected one of seq_len, visible, none";
      return NormalizerAttrInterface(ReluAttr::get(ctx, *parsed));
    }
    if (mode == "sigmoid") {
      FloatAttr biasAttr;
      if (!bias.empty()) {
        double b;
        // Finite as an f32 too: the attribute holds an f32.
        if (StringRef(bias).getAsDouble(b) || !std::isfinite(b) ||
            !std::isfinite(static_cast<float>(b)))
          return optionError() << "'bias' must be a finite f32 number, got '"
                               << bias.getValue() << "'";
        biasAttr = FloatAttr::get(Float32Type::get(ctx), b);
      }
      return NormalizerAttrInterface(SigmoidAttr::get(ctx, biasAttr));
    }
    if (mode == "softplus-l1") {
      if (trainLen != 0 && trainLen < 2)
        return optionError()
               << "'train-len' must be at least 2, got " << trainLen.getValue();
      return NormalizerAttrInterface(SoftplusL1Attr::get(
          ctx, trainLen != 0
                   ? IntegerAttr::get(IntegerType::get(ctx, 64), trainLen)
                   : IntegerAttr()));
    }
    assert(mode == "calibrate-sinks" && "not a normalizer mode");
    double alpha, beta;
    if (threshold.empty() || StringRef(threshold).getAsDouble(alpha) ||
        !std::isfinite(alpha) || !(alpha > 0))
      return optionError() << "mode=calibrate-sinks needs 'threshold' > 0, "
                              "got '"
                           << threshold.getValue() << "'";
    if (factor.empty() || StringRef(factor).getAsDouble(beta) ||
        !std::isfinite(beta) || !(beta >= 0))
      return optionError() << "mode=calibrate-sinks needs 'factor' >= 0, "
                              "got '"
                           << factor.getValue() << "'";
    return NormalizerAttrInterface(ActAttr::get(ctx, alpha, beta));
  }

  /// Checks `mode` and that no option of another mode is set.
  LogicalResult checkMode() {
    static const std::pair<StringRef, Mode> modes[] = {
        {"sink", Mode::Normalizer},
        {"softmax1", Mode::Normalizer},
        {"relu", Mode::Normalizer},
        {"sigmoid", Mode::Normalizer},
        {"softplus-l1", Mode::Normalizer},
        {"streaming", Mode::Streaming},
        {"calibrate", Mode::Calibrate},
        {"calibrate-sinks", Mode::Normalizer}};
    auto it = llvm::find_if(modes, [&](auto &m) { return m.first == mode; });
    if (mode.empty() || it == std::end(modes))
      return optionError()
             << (mode.empty() ? "'mode' is required"
                              : "unknown mode '" + mode + "'")
             << ": one of sink, softmax1, relu, sigmoid, softplus-l1, "
                "streaming, calibrate, calibrate-sinks (or 'normalizer' with "
                "a normalizer attribute such as #attn.softmax<sink = zero>)";
    kind = it->second;

    // Options that belong to other modes are refused, not ignored.
    auto notHere = [&](bool set, StringRef option) -> LogicalResult {
      if (set)
        return optionError()
               << "option '" << option << "' does not apply to mode=" << mode;
      return success();
    };
    if (failed(notHere(!sinks.empty() && mode != "sink" && mode != "streaming",
                       "sinks")) ||
        failed(notHere(norm != "seq_len" && mode != "relu", "norm")) ||
        failed(notHere(!bias.empty() && mode != "sigmoid", "bias")) ||
        failed(notHere(trainLen != 0 && mode != "softplus-l1", "train-len")) ||
        failed(notHere(window != -1 && mode != "streaming", "window")) ||
        failed(notHere(!gamma.empty() && mode != "calibrate", "gamma")) ||
        failed(notHere(columns != "0" && mode != "calibrate", "columns")) ||
        failed(notHere(!threshold.empty() && mode != "calibrate-sinks",
                       "threshold")) ||
        failed(notHere(!factor.empty() && mode != "calibrate-sinks", "factor")))
      return failure();
    return success();
  }

  //===--------------------------------------------------------------------===//
  // Options
  //===--------------------------------------------------------------------===//

  /// normalizer=#attn...: parsed and verified through the normalizer
  /// interface; the options of the shorthand modes are refused.
  LogicalResult parseNormalizerAttribute() {
    std::string error;
    FailureOr<Attribute> attr =
        parseAttributeOption(&getContext(), normalizer, "normalizer", error);
    if (failed(attr))
      return optionError() << error;
    target = dyn_cast<NormalizerAttrInterface>(*attr);
    if (!target)
      return optionError() << "option 'normalizer': " << *attr
                           << " is not a normalizer attribute "
                              "(NormalizerAttrInterface)";
    if (!mode.empty())
      return optionError() << "options 'mode' and 'normalizer' both given: "
                              "mode="
                           << mode << " is a shorthand, give one of them";
    std::pair<StringRef, bool> modeOptions[] = {
        {"norm", norm != "seq_len"},       {"bias", !bias.empty()},
        {"train-len", trainLen != 0},      {"window", window != -1},
        {"gamma", !gamma.empty()},         {"columns", columns != "0"},
        {"threshold", !threshold.empty()}, {"factor", !factor.empty()}};
    for (auto [name, set] : modeOptions)
      if (set)
        return optionError() << "option '" << name
                             << "' does not apply to normalizer=" << target
                             << ": the attribute gives every parameter";
    kind = Mode::Normalizer;
    return success();
  }

  /// sinks= of a normalizer with a sink operand: 'arg' or a .npy file.
  LogicalResult parseSinkOperandOption() {
    if (sinks.empty())
      return optionError() << request
                           << " needs 'sinks': a .npy of sink logits or 'arg'";
    if (sinks == "arg") {
      sinksAsArgument = true;
      return success();
    }
    std::string error;
    FailureOr<std::pair<std::vector<int64_t>, std::vector<double>>> array =
        readFloatArray(sinks, error);
    if (failed(array))
      return optionError() << "cannot read 'sinks': " << error;
    sinkShape = array->first;
    sinkValues = array->second;
    if (sinkShape.size() != 1 && sinkShape.size() != 2)
      return optionError() << "'sinks' " << sinks
                           << " must have shape [Hq] or [ops, Hq], got rank "
                           << sinkShape.size();
    for (double v : sinkValues)
      if (std::isnan(v) || v == std::numeric_limits<double>::infinity())
        return optionError() << "'sinks' " << sinks << " holds NaN or +inf";
    return success();
  }

  LogicalResult parseOptions() {
    target = nullptr;
    request.clear();
    if (!normalizer.empty()) {
      if (failed(parseNormalizerAttribute()))
        return failure();
    } else if (failed(checkMode())) {
      return failure();
    }

    std::string error;
    auto parseSelection = [&](StringRef text, StringRef option,
                              std::optional<IndexSelection> &out) {
      if (failed(IndexSelection::parseOptional(text, option, out, error)))
        return LogicalResult(optionError() << error);
      return success();
    };
    if (failed(parseSelection(ops, "ops", opSelection)) ||
        failed(parseSelection(heads, "heads", headSelection)))
      return failure();

    switch (kind) {
    case Mode::Normalizer: {
      if (!target) {
        FailureOr<NormalizerAttrInterface> built = normalizerFromMode();
        if (failed(built))
          return failure();
        target = *built;
        request = "mode=" + mode;
      } else {
        llvm::raw_string_ostream os(request);
        os << "normalizer=" << target;
      }
      if (target.requiresSinkOperand())
        return parseSinkOperandOption();
      if (!sinks.empty())
        return optionError() << "option 'sinks' does not apply to " << request;
      break;
    }
    case Mode::Streaming:
      if (window < 0)
        return optionError() << "mode=streaming needs 'window' >= 0";
      if (!sinks.empty() &&
          (StringRef(sinks).getAsInteger(10, streamingSinks) ||
           streamingSinks < 0))
        return optionError()
               << "mode=streaming: 'sinks' must be a non-negative integer, "
                  "got '"
               << sinks.getValue() << "'";
      break;
    case Mode::Calibrate: {
      if (gamma.empty())
        return optionError()
               << "mode=calibrate needs 'gamma': a number or a .npy of Hq";
      double g;
      if (!StringRef(gamma).getAsDouble(g)) {
        gammaScalar = g;
      } else {
        FailureOr<std::pair<std::vector<int64_t>, std::vector<double>>> array =
            readFloatArray(gamma, error);
        if (failed(array))
          return optionError() << "cannot read 'gamma': " << error;
        if (array->first.size() != 1)
          return optionError()
                 << "'gamma' " << gamma.getValue()
                 << " must have shape [Hq], got rank " << array->first.size();
        gammaValues = array->second;
      }
      SmallVector<double> all(gammaValues.begin(), gammaValues.end());
      if (gammaScalar)
        all.push_back(*gammaScalar);
      for (double v : all)
        if (!(v >= 0) || std::isinf(v))
          return optionError() << "'gamma' must be finite and >= 0, got " << v;
      if (failed(parseSelection(columns, "columns", columnSelection)))
        return failure();
      break;
    }
    }
    return success();
  }

  //===--------------------------------------------------------------------===//
  // Per-op rewrites
  //===--------------------------------------------------------------------===//

  /// Whether query head h is selected.
  bool headSelected(int64_t h) const {
    return !headSelection || headSelection->contains(h);
  }
  bool allHeads(int64_t hq) const {
    for (int64_t h = 0; h < hq; ++h)
      if (!headSelected(h))
        return false;
    return true;
  }

  /// The sink operand of the `ordinal`-th selected op: `constantLogit` for
  /// every selected head when given, else from the 'sinks' option; -inf (no
  /// sink) for the other heads.
  FailureOr<Value> buildSinks(RewriterBase &rewriter, AttentionOp op,
                              StringRef name, int64_t ordinal,
                              int64_t numSelected,
                              std::optional<double> constantLogit) {
    int64_t hq = op.getQuery().getType().getDimSize(1);
    auto type =
        RankedTensorType::get({hq}, op.getQuery().getType().getElementType());
    Location loc = op.getLoc();
    // Sinks are per-head constants (or masks of them) built here.
    constexpr int64_t kMaxHeads = int64_t(1) << 24;
    if (hq > kMaxHeads)
      return op.emitError()
             << name << " has Hq = " << hq << " heads, more than the "
             << kMaxHeads << " per-head sink values are built for";
    SmallVector<double> off(hq, kNegInf);
    if (constantLogit) {
      SmallVector<double> values;
      for (int64_t h = 0; h < hq; ++h)
        values.push_back(headSelected(h) ? *constantLogit : kNegInf);
      return floatConstant(rewriter, loc, type, values);
    }
    if (sinksAsArgument) {
      auto func = op->getParentOfType<FunctionOpInterface>();
      if (!func)
        return op.emitError() << name
                              << ": sinks=arg needs the op inside a "
                                 "function";
      if (!SymbolTable::symbolKnownUseEmpty(func, getOperation()))
        return op.emitError()
               << name << ": sinks=arg would add an argument to @"
               << func.getName() << ", which has uses in the module";
      if (!func.getFunctionBody().hasOneBlock())
        return op.emitError() << name << ": sinks=arg needs @" << func.getName()
                              << " to have one block";
      unsigned index = func.getNumArguments();
      if (failed(func.insertArgument(index, type, {}, loc)))
        return op.emitError()
               << name << ": cannot add an argument to @" << func.getName();
      Value arg = func.getArgument(index);
      if (allHeads(hq))
        return arg;
      // Unselected heads get -inf: plain softmax.
      SmallVector<bool> keep;
      for (int64_t h = 0; h < hq; ++h)
        keep.push_back(headSelected(h));
      Value cond = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(
              RankedTensorType::get({hq}, rewriter.getI1Type()), keep));
      Value minusInf = floatConstant(rewriter, loc, type, off);
      return arith::SelectOp::create(rewriter, loc, cond, arg, minusInf)
          .getResult();
    }
    // From the file: [Hq] for every op, or [ops, Hq] row by row.
    int64_t cols = sinkShape.back();
    int64_t rows = sinkShape.size() == 2 ? sinkShape[0] : 1;
    if (cols != hq)
      return op.emitError()
             << name << " has Hq = " << hq << " but 'sinks' "
             << sinks.getValue() << " has " << cols << " values per op";
    if (sinkShape.size() == 2 && rows != numSelected)
      return op.emitError()
             << name << ": 'sinks' " << sinks.getValue() << " has " << rows
             << " rows but " << numSelected << " ops are selected";
    int64_t row = sinkShape.size() == 2 ? ordinal : 0;
    SmallVector<double> values;
    for (int64_t h = 0; h < hq; ++h)
      values.push_back(headSelected(h) ? sinkValues[row * hq + h] : kNegInf);
    return floatConstant(rewriter, loc, type, values);
  }

  /// The op's bias plus ln(gamma_h) on the calibrated columns.
  FailureOr<Value> buildCalibratedBias(RewriterBase &rewriter, AttentionOp op,
                                       StringRef name) {
    int64_t hq = op.getQuery().getType().getDimSize(1);
    int64_t lk = op.getKey().getType().getDimSize(2);
    if (ShapedType::isDynamic(lk))
      return op.emitError() << name
                            << ": mode=calibrate needs a static key "
                               "length";
    // The calibration is a constant of Hq x Lk values (times the old
    // bias's other dimensions when that is a constant too).
    constexpr int64_t kMaxCalibrationEntries = int64_t(1) << 26;
    if (ShapedType::isDynamic(hq) || hq == 0 ||
        lk > kMaxCalibrationEntries / hq)
      return op.emitError() << name << ": mode=calibrate would build a " << hq
                            << " x " << lk << " bias constant, more than "
                            << kMaxCalibrationEntries << " entries";
    if (columnSelection->getMax() >= lk)
      return op.emitError() << name << ": 'columns' selects key "
                            << columnSelection->getMax() << " but Lk = " << lk;
    if (!gammaValues.empty() && static_cast<int64_t>(gammaValues.size()) != hq)
      return op.emitError()
             << name << " has Hq = " << hq << " but 'gamma' "
             << gamma.getValue() << " has " << gammaValues.size() << " values";
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    SmallVector<double> logGamma;
    for (int64_t h = 0; h < hq; ++h) {
      double g = gammaScalar ? *gammaScalar : gammaValues[h];
      if (!headSelected(h))
        g = 1.0;
      for (int64_t j = 0; j < lk; ++j)
        logGamma.push_back(columnSelection->contains(j) ? std::log(g) : 0.0);
    }
    auto calType = RankedTensorType::get({1, hq, 1, lk}, f32);
    Value calibration = floatConstant(rewriter, loc, calType, logGamma);
    Value old = op.getBias();
    if (!old)
      return calibration;
    if (auto constant = old.getDefiningOp<arith::ConstantOp>())
      if (auto dense = dyn_cast<DenseFPElementsAttr>(constant.getValue()))
        if (Value folded =
                foldCalibration(rewriter, loc, dense, logGamma, hq, lk))
          return folded;

    // old + calibration, broadcast to the union of both shapes.
    auto oldType = cast<RankedTensorType>(old.getType());
    if (!oldType.hasStaticShape())
      return op.emitError() << name << ": mode=calibrate needs a static bias";
    SmallVector<int64_t> oldDims = shape4D(oldType);
    SmallVector<int64_t> dims = {oldDims[0], hq, oldDims[2], lk};
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineMap> maps = {
        getBroadcastReadMap(oldType, {0, 1, 2, 3}, 4),
        getBroadcastReadMap(calType, {0, 1, 2, 3}, 4),
        AffineMap::getMultiDimIdentityMap(4, ctx)};
    Value init = tensor::EmptyOp::create(rewriter, loc, dims, f32);
    SmallVector<utils::IteratorType> iterators(4,
                                               utils::IteratorType::parallel);
    auto sum = linalg::GenericOp::create(
        rewriter, loc, TypeRange{RankedTensorType::get(dims, f32)},
        ValueRange{old, calibration}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = args[0];
          if (x.getType() != b.getF32Type())
            x = arith::ExtFOp::create(b, l, b.getF32Type(), x);
          linalg::YieldOp::create(
              b, l, ValueRange{arith::AddFOp::create(b, l, x, args[1])});
        });
    return sum.getResult(0);
  }

  /// A constant bias plus the calibration, as one f32 constant of the
  /// broadcast shape.
  Value foldCalibration(RewriterBase &rewriter, Location loc,
                        DenseFPElementsAttr old, ArrayRef<double> logGamma,
                        int64_t hq, int64_t lk) {
    auto oldType = cast<RankedTensorType>(old.getType());
    SmallVector<int64_t> od = shape4D(oldType);
    SmallVector<int64_t> dims = {od[0], hq, od[2], lk};
    // Folded only while the result stays small; otherwise added at run time.
    constexpr int64_t kMaxFoldedEntries = int64_t(1) << 26;
    int64_t entries = 1;
    for (int64_t d : dims)
      entries = d != 0 && entries > kMaxFoldedEntries / d
                    ? kMaxFoldedEntries + 1
                    : entries * d;
    if (entries > kMaxFoldedEntries)
      return Value();
    SmallVector<double> oldValues;
    for (const APFloat &v : old.getValues<APFloat>())
      oldValues.push_back(v.convertToDouble());
    SmallVector<double> values;
    for (int64_t b = 0; b < dims[0]; ++b)
      for (int64_t h = 0; h < hq; ++h)
        for (int64_t i = 0; i < dims[2]; ++i)
          for (int64_t j = 0; j < lk; ++j) {
            int64_t at =
                (((od[0] == 1 ? 0 : b) * od[1] + (od[1] == 1 ? 0 : h)) * od[2] +
                 (od[2] == 1 ? 0 : i)) *
                    od[3] +
                (od[3] == 1 ? 0 : j);
            // The sum is rounded to f32 once, as the reference would.
            values.push_back(
                static_cast<float>(static_cast<float>(oldValues[at]) +
                                   static_cast<float>(logGamma[h * lk + j])));
          }
    return floatConstant(rewriter, loc,
                         RankedTensorType::get(dims, rewriter.getF32Type()),
                         values);
  }

  /// Applies the normalizer or pattern change to `op` (all its heads).
  void applyWholeOp(RewriterBase &rewriter, AttentionOp op) {
    rewriter.modifyOpInPlace(op, [&] {
      if (kind == Mode::Streaming)
        op.setPatternAttr(
            WindowAttr::get(op.getContext(), window, 0, streamingSinks));
      else if (target.isPlainSoftmax())
        op.removeNormalizerAttr();
      else
        op.setNormalizerAttr(target);
    });
  }

  /// Splits `op` along its query heads into runs of selected and unselected
  /// heads (runs that do not align with the GQA groups are split per head),
  /// rewrites the selected runs and reassembles the result.
  LogicalResult splitHeads(RewriterBase &rewriter, AttentionOp op,
                           StringRef name) {
    auto qType = op.getQuery().getType(), kType = op.getKey().getType(),
         vType = op.getValue().getType();
    if (!qType.hasStaticShape() || !kType.hasStaticShape() ||
        !vType.hasStaticShape())
      return op.emitError() << name
                            << ": a partial 'heads' selection needs "
                               "static shapes";
    int64_t b = qType.getDimSize(0), hq = qType.getDimSize(1),
            lq = qType.getDimSize(2), hkv = kType.getDimSize(1),
            group = hq / hkv;
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);

    // Pieces [h0, h1) with one selection state.
    SmallVector<std::tuple<int64_t, int64_t, bool>> pieces;
    for (int64_t h0 = 0; h0 < hq;) {
      int64_t h1 = h0 + 1;
      while (h1 < hq && headSelected(h1) == headSelected(h0))
        ++h1;
      if (h0 % group == 0 && h1 % group == 0) {
        pieces.push_back({h0, h1, headSelected(h0)});
      } else {
        for (int64_t h = h0; h < h1; ++h)
          pieces.push_back({h, h + 1, headSelected(h)});
      }
      h0 = h1;
    }

    auto slice = [&](Value source, int64_t dim, int64_t begin, int64_t size) {
      auto type = cast<RankedTensorType>(source.getType());
      SmallVector<OpFoldResult> offsets, sizes, strides;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        offsets.push_back(rewriter.getIndexAttr(d == dim ? begin : 0));
        sizes.push_back(
            rewriter.getIndexAttr(d == dim ? size : type.getDimSize(d)));
        strides.push_back(rewriter.getIndexAttr(1));
      }
      return tensor::ExtractSliceOp::create(rewriter, loc, source, offsets,
                                            sizes, strides)
          .getResult();
    };
    /// Slices the head dimension of a broadcastable bias or mask.
    auto sliceHeads = [&](Value operand, int64_t h0, int64_t n) -> Value {
      if (!operand)
        return operand;
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t headDim = type.getRank() - 3;
      if (headDim < 0 || type.getDimSize(headDim) == 1)
        return operand;
      return slice(operand, headDim, h0, n);
    };

    Type elementType = op.getResultType().getElementType();
    int64_t dv = vType.getDimSize(3);
    Value result = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{b, hq, lq, dv}, elementType);
    for (auto [h0, h1, selected] : pieces) {
      int64_t n = h1 - h0;
      int64_t kv0 = h0 / group, kvN = n >= group ? n / group : 1;
      Value q = slice(op.getQuery(), 1, h0, n);
      Value k = slice(op.getKey(), 1, kv0, kvN);
      Value v = slice(op.getValue(), 1, kv0, kvN);
      Value bias = sliceHeads(op.getBias(), h0, n);
      Value mask = sliceHeads(op.getMask(), h0, n);
      Value sink = op.getSink() ? slice(op.getSink(), 0, h0, n) : Value();
      // The operands above are created before the piece that uses them.
      auto piece = cast<AttentionOp>(rewriter.clone(*op));
      piece.getQueryMutable().assign(q);
      piece.getKeyMutable().assign(k);
      piece.getValueMutable().assign(v);
      if (bias)
        piece.getBiasMutable().assign(bias);
      if (mask)
        piece.getMaskMutable().assign(mask);
      if (sink)
        piece.getSinkMutable().assign(sink);
      piece.getResult().setType(
          RankedTensorType::get({b, n, lq, dv}, elementType));
      piece.offsetScoreModIndices(
          rewriter, {rewriter.getIndexAttr(0), rewriter.getIndexAttr(h0)});
      if (selected)
        applyWholeOp(rewriter, piece);
      SmallVector<OpFoldResult> offsets = {
          rewriter.getIndexAttr(0), rewriter.getIndexAttr(h0),
          rewriter.getIndexAttr(0), rewriter.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes = {
          rewriter.getIndexAttr(b), rewriter.getIndexAttr(n),
          rewriter.getIndexAttr(lq), rewriter.getIndexAttr(dv)};
      SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
      result = tensor::InsertSliceOp::create(rewriter, loc, piece.getResult(),
                                             result, offsets, sizes, strides);
    }
    if (result.getType() != op.getResultType())
      result =
          tensor::CastOp::create(rewriter, loc, op.getResultType(), result);
    rewriter.replaceOp(op, result);
    return success();
  }

  LogicalResult rewrite(RewriterBase &rewriter, AttentionOp op, int64_t index,
                        int64_t ordinal, int64_t numSelected) {
    std::string name = "attn.attention #" + std::to_string(index);
    int64_t hq = op.getQuery().getType().getDimSize(1);
    bool sinkOperand = kind == Mode::Normalizer && target.requiresSinkOperand();
    // Per-head values (sinks, gamma, a heads= selection) need Hq.
    if (ShapedType::isDynamic(hq) &&
        (headSelection || sinkOperand || kind == Mode::Calibrate))
      return op.emitError() << name
                            << " has a dynamic number of heads, which per-head "
                               "values need";
    if (headSelection && headSelection->getMax() >= hq)
      return op.emitError() << name << ": 'heads' selects head "
                            << headSelection->getMax() << " but Hq = " << hq;

    if (kind == Mode::Normalizer &&
        !op.getEffectiveNormalizer().isPlainSoftmax())
      return op.emitError()
             << name << " has normalizer " << op.getEffectiveNormalizer()
             << "; " << request << " replaces plain softmax only";
    // Checked before any split along the heads: the pieces below carry no
    // log-sum-exp result.
    if (kind == Mode::Normalizer && op.getLse() && !target.hasLogSumExp())
      return op.emitError()
             << name << " returns its log-sum-exp, which normalizer " << target
             << " does not have; " << request
             << " keeps the softmax family on such an op";
    if (kind == Mode::Normalizer && target.getColumnRecalibration() &&
        op.getQOffset())
      return op.emitError()
             << name << " is a tile of a larger attention (q_offset); "
             << request
             << " recalibrates columns over every query row, which a tile "
                "does not hold";
    if (kind == Mode::Streaming && !isa<CausalAttr>(op.getEffectivePattern()))
      return op.emitError()
             << name << " has pattern " << op.getEffectivePattern()
             << "; mode=streaming turns causal attention into a window (run "
                "--attn-infer-pattern first if causality is in a mask)";

    rewriter.setInsertionPoint(op);
    if (kind == Mode::Calibrate) {
      FailureOr<Value> newBias = buildCalibratedBias(rewriter, op, name);
      if (failed(newBias))
        return failure();
      rewriter.modifyOpInPlace(op,
                               [&] { op.getBiasMutable().assign(*newBias); });
      return success();
    }
    // A normalizer with a sink operand keeps one op: the heads outside the
    // selection get a sink of -inf, which is plain softmax.
    std::optional<SinkOperandForm> form;
    if (kind == Mode::Normalizer && !sinkOperand && !allHeads(hq))
      form = target.getSinkOperandForm();
    if (sinkOperand || form) {
      auto normalizerAttr =
          form ? cast<NormalizerAttrInterface>(form->normalizer) : target;
      FailureOr<Value> sinkValue = buildSinks(
          rewriter, op, name, ordinal, numSelected,
          form ? std::optional<double>(form->sinkLogit) : std::nullopt);
      if (failed(sinkValue))
        return failure();
      rewriter.modifyOpInPlace(op, [&] {
        op.setNormalizerAttr(normalizerAttr);
        op.getSinkMutable().assign(*sinkValue);
      });
      return success();
    }
    if (allHeads(hq)) {
      applyWholeOp(rewriter, op);
      return success();
    }
    ++numSplit;
    ::attn::stats::add(getArgument(), "ops-split", 1);
    return splitHeads(rewriter, op, name);
  }

  void runOnOperation() override {
    if (failed(parseOptions()))
      return signalPassFailure();
    std::string error;
    FailureOr<SmallVector<SelectedAttentionOp>> selected =
        selectAttentionOps(getOperation(), opSelection, error);
    if (failed(selected)) {
      optionError() << error;
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    if (failed(rewriteSelectedAttentionOps(
            *selected,
            [&](const SelectedAttentionOp &entry, size_t ordinal) {
              return rewrite(rewriter, entry.op, entry.index, ordinal,
                             selected->size());
            },
            [&] {
              ++numChanged;
              ::attn::stats::add(getArgument(), "ops-changed", 1);
            })))
      signalPassFailure();
  }
};

} // namespace
