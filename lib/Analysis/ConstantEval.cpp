//===- ConstantEval.cpp - Compile-time evaluation of tensor values --------===//
//
// The evaluator walks the producers of a tensor value recursively and
// materialises every tensor it needs as an EvaluatedTensor (memoised per SSA
// value). Ops with a scalar payload (linalg structured ops, tensor.generate,
// arith ops applied to whole tensors) run as a "loop nest": the iteration
// space is visited in row-major order of the result, a chunk of points at a
// time, and each payload op is applied to a whole chunk at once. Every SSA
// value of the payload is a lane, a vector with one element per point of the
// chunk; values that are the same at every point (constants, scalars from
// outside the payload) are computed once.
//
// Lanes hold integers (iN, index) as int64_t: i1 as 0 or 1, wider types
// sign-extended from their bit width, so that two's complement wrap-around is
// a truncation of the 64-bit result. Floats are held as doubles whose value
// is representable in their type: each op computes in double and rounds to
// the type. Any undefined behaviour or poison the evaluator detects (division
// by zero, overflow under nsw/nuw, out-of-range shifts and float-to-integer
// conversions, fastmath assumptions that do not hold) makes it fail instead.
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/ConstantEval.h"

#include "attn/Support/ElementType.h"
#include <mutex>

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <memory>

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Points of an iteration space evaluated together.
constexpr int64_t kChunkSize = 8192;
/// Integers stored in an EvaluatedTensor must not exceed this in magnitude:
/// beyond it a double does not hold every integer exactly.
constexpr int64_t kMaxStoredInteger = int64_t(1) << 53;
/// Deepest chain of producers followed before giving up.
constexpr unsigned kMaxDepth = 512;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

/// The float kinds the evaluator rounds to are the shared element types
/// f16, bf16, f32 and f64.
using FloatKind = ::attn::ElementType;

std::optional<FloatKind> getFloatKind(Type type) {
  std::optional<FloatKind> kind = ::attn::getElementType(type);
  if (kind && ::attn::isFloat(*kind))
    return kind;
  return std::nullopt;
}

const llvm::fltSemantics &getSemantics(FloatKind kind) {
  return *::attn::getFloatSemantics(kind);
}

/// Element types the evaluator models exactly.
bool isSupportedElementType(Type type) {
  if (isa<IndexType>(type))
    return true;
  if (auto intType = dyn_cast<IntegerType>(type))
    return intType.isSignless() && intType.getWidth() <= 64;
  return getFloatKind(type).has_value();
}

unsigned getIntWidth(Type type) {
  if (isa<IndexType>(type))
    return IndexType::kInternalStorageBitWidth;
  return cast<IntegerType>(type).getWidth();
}

std::string toString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  type.print(os);
  return s;
}

//===----------------------------------------------------------------------===//
// Float rounding
//===----------------------------------------------------------------------===//

/// Rounds `x` to `kind` with `mode` (arith.truncf's directed rounding).
double roundWithAPFloat(double x, FloatKind kind, llvm::RoundingMode mode) {
  llvm::APFloat value(x);
  bool losesInfo = false;
  (void)value.convert(getSemantics(kind), mode, &losesInfo);
  return value.convertToDouble();
}

/// Rounds `x` to the nearest value of `kind`, ties to even.
inline double roundToKind(double x, FloatKind kind) {
  return ::attn::roundToFloatType(x, kind);
}

/// Converts an integer to the nearest value of `kind`, ties to even.
double intToFloat(uint64_t bits, bool isSigned, FloatKind kind) {
  int64_t s = static_cast<int64_t>(bits);
  if (isSigned ? (s >= -kMaxStoredInteger && s <= kMaxStoredInteger)
               : bits <= uint64_t(kMaxStoredInteger))
    return roundToKind(isSigned ? double(s) : double(bits), kind);
  llvm::APFloat value(getSemantics(kind));
  (void)value.convertFromAPInt(llvm::APInt(64, bits, isSigned), isSigned,
                               llvm::RoundingMode::NearestTiesToEven);
  return value.convertToDouble();
}

//===----------------------------------------------------------------------===//
// Integer storage
//===----------------------------------------------------------------------===//

/// Stored form of the low `width` bits of `bits`.
inline int64_t wrapInt(uint64_t bits, unsigned width) {
  if (width == 1)
    return static_cast<int64_t>(bits & 1);
  if (width >= 64)
    return static_cast<int64_t>(bits);
  unsigned shift = 64 - width;
  return static_cast<int64_t>(bits << shift) >> shift;
}

/// Signed value of a stored integer.
inline int64_t signedValue(int64_t stored, unsigned width) {
  return width == 1 ? -stored : stored;
}

/// Unsigned value of a stored integer.
inline uint64_t unsignedValue(int64_t stored, unsigned width) {
  if (width >= 64)
    return static_cast<uint64_t>(stored);
  return static_cast<uint64_t>(stored) & ((uint64_t(1) << width) - 1);
}

inline int64_t signedMin(unsigned width) {
  return width >= 64 ? std::numeric_limits<int64_t>::min()
                     : -(int64_t(1) << (width - 1));
}

inline int64_t signedMax(unsigned width) {
  return width >= 64 ? std::numeric_limits<int64_t>::max()
                     : (int64_t(1) << (width - 1)) - 1;
}

inline uint64_t unsignedMax(unsigned width) {
  return width >= 64 ? std::numeric_limits<uint64_t>::max()
                     : (uint64_t(1) << width) - 1;
}

// Comparisons are arith's own folding rules, on the values as APInt (at the
// width, at most 64 bits as stored) or APFloat (the doubles).
bool compareInts(arith::CmpIPredicate pred, int64_t x, int64_t y,
                 unsigned width) {
  auto bits = [w = std::min(width, 64u)](int64_t v) {
    return APInt(w, uint64_t(v), /*isSigned=*/false, /*implicitTrunc=*/true);
  };
  return arith::applyCmpPredicate(pred, bits(x), bits(y));
}

bool compareFloats(arith::CmpFPredicate pred, double x, double y) {
  return arith::applyCmpPredicate(pred, APFloat(x), APFloat(y));
}

/// Scalar ops the payload evaluator models.
bool isSupportedScalarOp(Operation *op) {
  return isa<arith::ConstantOp, arith::AddIOp, arith::SubIOp, arith::MulIOp,
             arith::DivSIOp, arith::DivUIOp, arith::CeilDivSIOp,
             arith::CeilDivUIOp, arith::FloorDivSIOp, arith::RemSIOp,
             arith::RemUIOp, arith::MinSIOp, arith::MaxSIOp, arith::MinUIOp,
             arith::MaxUIOp, arith::AndIOp, arith::OrIOp, arith::XOrIOp,
             arith::ShLIOp, arith::ShRSIOp, arith::ShRUIOp, arith::CmpIOp,
             arith::SelectOp, arith::ExtSIOp, arith::ExtUIOp, arith::TruncIOp,
             arith::IndexCastOp, arith::IndexCastUIOp, arith::SIToFPOp,
             arith::UIToFPOp, arith::FPToSIOp, arith::FPToUIOp, arith::ExtFOp,
             arith::TruncFOp, arith::AddFOp, arith::SubFOp, arith::MulFOp,
             arith::DivFOp, arith::RemFOp, arith::NegFOp, arith::MaximumFOp,
             arith::MinimumFOp, arith::MaxNumFOp, arith::MinNumFOp,
             arith::CmpFOp, affine::AffineApplyOp>(op);
}

//===----------------------------------------------------------------------===//
// Evaluator
//===----------------------------------------------------------------------===//

/// The values of one SSA value at the points of a chunk. Exactly one of the
/// vectors is used, depending on whether the element type is a float.
struct Lane {
  std::vector<int64_t> ints;
  std::vector<double> floats;
};

Lane makeLane(Type type, int64_t size) {
  Lane lane;
  if (isa<FloatType>(getElementTypeOrSelf(type)))
    lane.floats.resize(size);
  else
    lane.ints.resize(size);
  return lane;
}

/// Copies the first element of `from` to every element of `to`.
void broadcastFirst(const Lane &from, Lane &to) {
  if (!from.floats.empty()) {
    double v = from.floats[0];
    std::fill(to.floats.begin(), to.floats.end(), v);
  } else {
    int64_t v = from.ints[0];
    std::fill(to.ints.begin(), to.ints.end(), v);
  }
}

/// A scalar payload over the row-major iteration space of a result tensor.
struct LoopNest {
  /// A value read from an evaluated tensor through an indexing map of the
  /// loops.
  struct Gather {
    Value value;
    const EvaluatedTensor *tensor;
    AffineMap map;
  };

  /// Name of the op, for reasons.
  StringRef opName;
  /// Loop that iterates over dimension k of the result; every loop iterates
  /// over exactly one dimension.
  SmallVector<unsigned> loopOfDim;
  SmallVector<Gather> gathers;
  /// Values equal to the index of a loop (tensor.generate block arguments).
  SmallVector<std::pair<Value, unsigned>> loopArgs;
  /// Values equal to a scalar operand of the op (linalg.fill block
  /// arguments), with that operand.
  SmallVector<std::pair<Value, Value>> scalarArgs;
  /// Payload ops, in order.
  SmallVector<Operation *> ops;
  /// Value stored into the result at each point (for a reduction, the value
  /// folded into the result element).
  Value yielded;

  /// A reduction: the loops span `iterShape` (visited in row-major order of
  /// the loops, which is the sequential order of the loop nest), and the
  /// value yielded at each point is folded with `combiner` into the element
  /// of the result that `outMap` selects, starting from `init`.
  struct Reduction {
    Operation *combiner;
    const EvaluatedTensor *init;
    AffineMap outMap;
    SmallVector<int64_t> iterShape;
  };
  std::optional<Reduction> reduction;
};

/// The elementwise rule of an integer binary op that is defined for every
/// operand pair (add, sub, mul with their overflow flags, bitwise, min/max):
/// computes r at width w, or returns why the result is poison. Null for other
/// ops. Shared by elementwise evaluation and reduction folding.
using IntBinaryRule = std::function<const char *(int64_t, int64_t, int64_t &)>;

/// The rule of an op whose result is `x op y` wrapped to w bits: `exact`
/// computes `x op y` in the type of its operands (int64_t for the signed
/// values, uint64_t for the unsigned ones and for the wrapped result) and
/// returns whether it overflowed that type, as __builtin_add_overflow does.
/// Under nsw (nuw) the exact result must fit the signed (unsigned) range.
template <typename ExactFn>
IntBinaryRule wrappingRule(unsigned w, bool nsw, bool nuw, ExactFn exact) {
  const int64_t smin = signedMin(w), smax = signedMax(w);
  const uint64_t umax = unsignedMax(w);
  return [=](int64_t x, int64_t y, int64_t &r) -> const char * {
    uint64_t u;
    (void)exact(uint64_t(x), uint64_t(y), u);
    r = wrapInt(u, w);
    int64_t s;
    if (nsw && (exact(signedValue(x, w), signedValue(y, w), s) || s < smin ||
                s > smax))
      return "overflows under nsw";
    if (nuw && (exact(unsignedValue(x, w), unsignedValue(y, w), u) || u > umax))
      return "overflows under nuw";
    return nullptr;
  };
}

/// The rule of min/max: the first operand on a tie. Signed values compare as
/// unsigned ones once their sign bit is flipped.
IntBinaryRule minMaxRule(unsigned w, bool isSigned, bool isMin) {
  return [=](int64_t x, int64_t y, int64_t &r) -> const char * {
    auto key = [&](int64_t v) {
      return isSigned ? uint64_t(signedValue(v, w)) ^ (uint64_t(1) << 63)
                      : unsignedValue(v, w);
    };
    r = (isMin ? key(x) <= key(y) : key(x) >= key(y)) ? x : y;
    return nullptr;
  };
}

IntBinaryRule getIntBinaryRule(Operation *op, unsigned w) {
  bool nsw = false, nuw = false;
  if (auto iface = dyn_cast<arith::ArithIntegerOverflowFlagsInterface>(op)) {
    nsw = iface.hasNoSignedWrap();
    nuw = iface.hasNoUnsignedWrap();
  }
  // `exact` functions for wrappingRule; bitwise results never overflow (and
  // their ops carry no overflow flags).
  auto wrapping = [&](auto exact) { return wrappingRule(w, nsw, nuw, exact); };
  auto bitwise = [&](auto fn) {
    return wrapping([fn](auto a, auto b, auto &r) {
      r = fn(a, b);
      return false;
    });
  };
  return llvm::TypeSwitch<Operation *, IntBinaryRule>(op)
      .Case([&](arith::AddIOp) {
        return wrapping([](auto a, auto b, auto &r) {
          return __builtin_add_overflow(a, b, &r);
        });
      })
      .Case([&](arith::SubIOp) {
        return wrapping([](auto a, auto b, auto &r) {
          return __builtin_sub_overflow(a, b, &r);
        });
      })
      .Case([&](arith::MulIOp) {
        return wrapping([](auto a, auto b, auto &r) {
          return __builtin_mul_overflow(a, b, &r);
        });
      })
      .Case([&](arith::AndIOp) { return bitwise(std::bit_and<>()); })
      .Case([&](arith::OrIOp) { return bitwise(std::bit_or<>()); })
      .Case([&](arith::XOrIOp) { return bitwise(std::bit_xor<>()); })
      .Case<arith::MinSIOp, arith::MaxSIOp, arith::MinUIOp, arith::MaxUIOp>(
          [&](Operation *) {
            return minMaxRule(w, isa<arith::MinSIOp, arith::MaxSIOp>(op),
                              isa<arith::MinSIOp, arith::MinUIOp>(op));
          })
      .Default([](Operation *) { return IntBinaryRule(); });
}

class Evaluator {
public:
  explicit Evaluator(const ConstantEvalOptions &options) : options(options) {}

  /// The evaluated tensor read by each tensor.extract of a payload.
  DenseMap<Operation *, const EvaluatedTensor *> extractSources;

  const EvaluatedTensor *evalTensor(Value value);
  std::unique_ptr<EvaluatedTensor> take(Value value) {
    return std::move(memo[value]);
  }
  const std::string &getError() const { return error; }
  /// Whether evaluation stopped at a block argument (a run-time value).
  bool readsBlockArgument() const { return stoppedAtBlockArgument; }

private:
  LogicalResult fail(const Twine &reason) {
    // The first reason is the innermost one.
    if (error.empty())
      error = reason.str();
    return failure();
  }
  std::nullptr_t reject(const Twine &reason) {
    (void)fail(reason);
    return nullptr;
  }
  LogicalResult failBlockArgument(BlockArgument arg);

  struct DepthGuard {
    explicit DepthGuard(unsigned &depth) : depth(depth) { ++depth; }
    ~DepthGuard() { --depth; }
    unsigned &depth;
  };

  // Tensor producers; each returns null after recording a reason.
  std::unique_ptr<EvaluatedTensor> evalProducer(Operation *op, Value value,
                                                RankedTensorType type);
  std::unique_ptr<EvaluatedTensor> evalConstant(arith::ConstantOp op,
                                                RankedTensorType type);
  std::unique_ptr<EvaluatedTensor>
  evalLinalg(linalg::LinalgOp op, OpResult result, RankedTensorType type);
  std::unique_ptr<EvaluatedTensor> evalGenerate(tensor::GenerateOp op,
                                                RankedTensorType type);
  std::unique_ptr<EvaluatedTensor> evalElementwise(Operation *op,
                                                   RankedTensorType type);
  std::unique_ptr<EvaluatedTensor> evalReshape(Value source,
                                               RankedTensorType type);
  std::unique_ptr<EvaluatedTensor> evalExtractSlice(tensor::ExtractSliceOp op,
                                                    RankedTensorType type);
  std::unique_ptr<EvaluatedTensor> evalSplat(Value scalar,
                                             RankedTensorType type);
  std::unique_ptr<EvaluatedTensor> runLoopNest(const LoopNest &nest,
                                               RankedTensorType type);

  /// A scalar defined outside any payload, as a lane of one element.
  const Lane *evalScalar(Value value);

  /// Applies the scalar (or elementwise) op to the first `n` elements of its
  /// operand lanes; `result` has room for them.
  LogicalResult applyOp(Operation *op, ArrayRef<const Lane *> in, Lane &result,
                        int64_t n);
  LogicalResult applyIntOp(Operation *op, ArrayRef<const Lane *> in,
                           Lane &result, int64_t n);
  LogicalResult applyFloatOp(Operation *op, ArrayRef<const Lane *> in,
                             Lane &result, int64_t n);
  LogicalResult applyCastOp(Operation *op, ArrayRef<const Lane *> in,
                            Lane &result, int64_t n);
  /// Folds x[p] into acc[offsets[p]] with `combiner`, for p = 0 .. n - 1 in
  /// order; integers of bit width `w`.
  LogicalResult foldReduction(Operation *combiner, unsigned w, const int64_t *x,
                              const int64_t *offsets, int64_t *acc, int64_t n);
  LogicalResult evalAffineExpr(AffineExpr expr, ArrayRef<const int64_t *> dims,
                               ArrayRef<const int64_t *> syms, int64_t n,
                               int64_t *out, StringRef where);

  const ConstantEvalOptions &options;
  std::string error;
  unsigned depth = 0;
  DenseMap<Value, std::unique_ptr<EvaluatedTensor>> memo;
  DenseMap<Value, std::unique_ptr<Lane>> scalarMemo;
  bool stoppedAtBlockArgument = false;
};

} // namespace

LogicalResult Evaluator::failBlockArgument(BlockArgument arg) {
  stoppedAtBlockArgument = true;
  Operation *parent = arg.getOwner()->getParentOp();
  return fail(
      llvm::formatv("block argument #{0} of '{1}' is not known at compile time",
                    arg.getArgNumber(),
                    parent ? parent->getName().getStringRef()
                           : StringRef("<no op>"))
          .str());
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

const EvaluatedTensor *Evaluator::evalTensor(Value value) {
  if (auto it = memo.find(value); it != memo.end() && it->second)
    return it->second.get();
  if (!value)
    return reject("null value");
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    (void)failBlockArgument(arg);
    return nullptr;
  }
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type) {
    return reject("'" + toString(value.getType()) +
                  "' is not a ranked tensor type");
  }
  if (!type.hasStaticShape())
    return reject("'" + toString(type) + "' has a dynamic shape");
  if (!isSupportedElementType(type.getElementType())) {
    return reject("element type '" + toString(type.getElementType()) +
                  "' of '" + toString(type) + "' is not evaluated");
  }
  uint64_t count = 1;
  for (int64_t dim : type.getShape())
    count = llvm::SaturatingMultiply(count, static_cast<uint64_t>(dim));
  if (count >
      static_cast<uint64_t>(std::max<int64_t>(options.maxElements, 0))) {
    return reject(
        llvm::formatv("{0} of {1} elements exceeds the evaluation limit of {2}",
                      toString(type), count, options.maxElements)
            .str());
  }
  DepthGuard guard(depth);
  if (depth > kMaxDepth) {
    return reject(
        llvm::formatv("producers are nested deeper than {0} ops", kMaxDepth)
            .str());
  }

  std::unique_ptr<EvaluatedTensor> result =
      evalProducer(value.getDefiningOp(), value, type);
  if (!result)
    return nullptr;
  assert(result->getNumElements() == static_cast<int64_t>(count) &&
         "evaluated tensor has the wrong size");
  std::unique_ptr<EvaluatedTensor> &slot = memo[value];
  slot = std::move(result);
  return slot.get();
}

std::unique_ptr<EvaluatedTensor>
Evaluator::evalProducer(Operation *op, Value value, RankedTensorType type) {
  if (auto constant = dyn_cast<arith::ConstantOp>(op))
    return evalConstant(constant, type);
  if (isa<tensor::EmptyOp>(op))
    return reject("'tensor.empty' has undefined contents");
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return evalLinalg(linalgOp, cast<OpResult>(value), type);
  if (auto generate = dyn_cast<tensor::GenerateOp>(op))
    return evalGenerate(generate, type);
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
    return evalReshape(expand.getSrc(), type);
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op))
    return evalReshape(collapse.getSrc(), type);
  if (auto castOp = dyn_cast<tensor::CastOp>(op))
    return evalReshape(castOp.getSource(), type);
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op))
    return evalExtractSlice(slice, type);
  if (auto splat = dyn_cast<tensor::SplatOp>(op))
    return evalSplat(splat.getInput(), type);
  if (isa_and_nonnull<arith::ArithDialect>(op->getDialect()) &&
      op->hasTrait<OpTrait::Elementwise>() && isSupportedScalarOp(op))
    return evalElementwise(op, type);
  return reject("'" + op->getName().getStringRef() + "' is not evaluated");
}

static std::unique_ptr<EvaluatedTensor> makeTensor(RankedTensorType type) {
  auto result = std::make_unique<EvaluatedTensor>();
  result->shape.assign(type.getShape().begin(), type.getShape().end());
  result->elementType = type.getElementType();
  result->values.resize(type.getNumElements());
  return result;
}

std::unique_ptr<EvaluatedTensor>
Evaluator::evalConstant(arith::ConstantOp op, RankedTensorType type) {
  Attribute attr = op.getValue();
  if (isa<DenseResourceElementsAttr>(attr)) {
    return reject(
        "'arith.constant' with dense resource elements is not evaluated");
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense) {
    return reject(
        "'arith.constant' with a non-dense tensor attribute is not evaluated");
  }
  std::unique_ptr<EvaluatedTensor> result = makeTensor(type);
  std::vector<double> &values = result->values;
  Type elementType = type.getElementType();

  if (isa<FloatType>(elementType)) {
    if (dense.isSplat()) {
      std::fill(values.begin(), values.end(),
                dense.getSplatValue<APFloat>().convertToDouble());
    } else if (elementType.isF32()) {
      llvm::copy(dense.getValues<float>(), values.begin());
    } else if (elementType.isF64()) {
      llvm::copy(dense.getValues<double>(), values.begin());
    } else {
      size_t i = 0;
      for (const APFloat &v : dense.getValues<APFloat>())
        values[i++] = v.convertToDouble();
    }
    return result;
  }

  unsigned width = getIntWidth(elementType);
  auto store = [&](size_t i, const APInt &v) {
    int64_t s = width == 1 ? int64_t(v.getZExtValue()) : v.getSExtValue();
    if (s > kMaxStoredInteger || s < -kMaxStoredInteger)
      return fail(
          llvm::formatv(
              "integer {0} of 'arith.constant' exceeds 2^53 in magnitude", s)
              .str());
    values[i] = static_cast<double>(s);
    return success();
  };
  if (dense.isSplat()) {
    if (failed(store(0, dense.getSplatValue<APInt>())))
      return nullptr;
    std::fill(values.begin(), values.end(), values.front());
    return result;
  }
  if (width == 1) {
    size_t i = 0;
    for (bool v : dense.getValues<bool>())
      values[i++] = v ? 1.0 : 0.0;
    return result;
  }
  size_t i = 0;
  for (const APInt &v : dense.getValues<APInt>())
    if (failed(store(i++, v)))
      return nullptr;
  return result;
}

/// Ops of `body` that `root` depends on, in order, and the arguments of
/// `body` it depends on.
static void collectPayload(Block *body, Value root,
                           SmallVectorImpl<Operation *> &ops,
                           SmallVectorImpl<BlockArgument> &args) {
  DenseSet<Operation *> needed;
  DenseSet<Value> seenArgs;
  SmallVector<Value> worklist{root};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() == body && seenArgs.insert(arg).second)
        args.push_back(arg);
      continue;
    }
    Operation *def = v.getDefiningOp();
    if (def->getBlock() != body || !needed.insert(def).second)
      continue;
    llvm::append_range(worklist, def->getOperands());
  }
  for (Operation &op : *body)
    if (needed.contains(&op))
      ops.push_back(&op);
}

std::unique_ptr<EvaluatedTensor> Evaluator::evalLinalg(linalg::LinalgOp op,
                                                       OpResult result,
                                                       RankedTensorType type) {
  StringRef name = op->getName().getStringRef();
  if (!op.hasPureTensorSemantics())
    return reject("'" + name + "' on buffers is not evaluated");
  bool isReduction =
      llvm::any_of(op.getIteratorTypesArray(), [](utils::IteratorType t) {
        return t != utils::IteratorType::parallel;
      });
  Block *body = op.getBlock();
  if (!body || body->empty())
    return reject("'" + name + "' without a payload is not evaluated");
  unsigned resultNumber = result.getResultNumber();
  unsigned numInputs = op.getNumDpsInputs(), numInits = op.getNumDpsInits();
  OpOperand *init = op.getDpsInitOperand(resultNumber);
  AffineMap outMap = op.getMatchingIndexingMap(init);
  if (outMap.getNumResults() != type.getRank() ||
      (isReduction
           ? !outMap.isProjectedPermutation(/*allowZeroInResults=*/false)
           : !outMap.isPermutation())) {
    return reject(
        llvm::formatv("'{0}' writes result #{1} through a non-{2} indexing "
                      "map",
                      name, resultNumber,
                      isReduction ? "projected-permutation" : "permutation")
            .str());
  }
  Operation *terminator = body->getTerminator();
  if (terminator->getNumOperands() < numInits ||
      terminator->getNumOperands() <= resultNumber)
    return reject("'" + name + "' yields too few values");

  LoopNest nest;
  nest.opName = name;
  if (!isReduction) {
    for (unsigned k = 0, e = outMap.getNumResults(); k < e; ++k)
      nest.loopOfDim.push_back(outMap.getDimPosition(k));
    nest.yielded = terminator->getOperand(resultNumber);
  } else {
    // Every result must be `combine(x, acc)` of its own accumulator `acc`
    // with an integer combiner that is associative and commutative under
    // wrap-around, and `x` must not read any accumulator.
    for (unsigned j = 0; j < numInits; ++j) {
      Type elementType = getElementTypeOrSelf(op->getResult(j).getType());
      if (!isa<IntegerType, IndexType>(elementType)) {
        return reject(
            llvm::formatv("'{0}' accumulates '{1}' in result #{2}: float "
                          "reductions are not evaluated",
                          name, toString(elementType), j)
                .str());
      }
      BlockArgument acc = body->getArgument(numInputs + j);
      Value yielded = terminator->getOperand(j);
      Operation *combiner = yielded.getDefiningOp();
      Value x;
      if (combiner && combiner->getBlock() == body &&
          isa<arith::AddIOp, arith::MulIOp, arith::AndIOp, arith::OrIOp,
              arith::XOrIOp, arith::MaxSIOp, arith::MinSIOp, arith::MaxUIOp,
              arith::MinUIOp>(combiner) &&
          acc.hasOneUse() && yielded.hasOneUse()) {
        if (combiner->getOperand(0) == acc)
          x = combiner->getOperand(1);
        else if (combiner->getOperand(1) == acc)
          x = combiner->getOperand(0);
      }
      if (!x) {
        return reject(
            llvm::formatv(
                "result #{1} of '{0}' is not a reduction of its init by "
                "arith.addi, arith.muli, arith.andi, arith.ori, arith.xori, "
                "arith.maxsi, arith.minsi, arith.maxui or arith.minui",
                name, j)
                .str());
      }
      SmallVector<Operation *> ops;
      SmallVector<BlockArgument> args;
      collectPayload(body, x, ops, args);
      for (BlockArgument arg : args) {
        if (arg.getArgNumber() >= numInputs) {
          return reject(
              llvm::formatv("the value that '{0}' folds into result #{1} reads "
                            "the accumulator of result #{2}",
                            name, j, arg.getArgNumber() - numInputs)
                  .str());
        }
      }
      if (j == resultNumber) {
        nest.yielded = x;
        nest.reduction = LoopNest::Reduction{combiner, nullptr, outMap, {}};
      }
    }
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic))
      return reject("'" + name + "' has dynamic loop ranges");
    uint64_t points = 1;
    for (int64_t range : ranges)
      points = llvm::SaturatingMultiply(points, static_cast<uint64_t>(range));
    if (points >
        static_cast<uint64_t>(std::max<int64_t>(options.maxElements, 0))) {
      return reject(llvm::formatv("'{0}' iterates over {1} points, which "
                                  "exceeds the evaluation limit of {2}",
                                  name, points, options.maxElements)
                        .str());
    }
    for (unsigned d = 0, e = ranges.size(); d < e; ++d)
      nest.loopOfDim.push_back(d);
    nest.reduction->iterShape = std::move(ranges);
    if (init->get().getDefiningOp<tensor::EmptyOp>()) {
      return reject(
          llvm::formatv("the payload of '{0}' reads its 'tensor.empty' "
                        "init #{1}, whose contents are undefined",
                        name, resultNumber)
              .str());
    }
    if (!(nest.reduction->init = evalTensor(init->get())))
      return nullptr;
  }
  SmallVector<BlockArgument> args;
  collectPayload(body, nest.yielded, nest.ops, args);

  for (BlockArgument arg : args) {
    unsigned i = arg.getArgNumber();
    OpOperand *operand = nullptr;
    if (i < numInputs) {
      operand = op.getDpsInputOperand(i);
    } else if (i < numInputs + numInits) {
      operand = op.getDpsInitOperand(i - numInputs);
      if (operand->get().getDefiningOp<tensor::EmptyOp>()) {
        return reject(
            llvm::formatv("the payload of '{0}' reads its 'tensor.empty' "
                          "init #{1}, whose contents are undefined",
                          name, i - numInputs)
                .str());
      }
    } else {
      return reject(
          llvm::formatv("'{0}' has an unexpected block argument #{1}", name, i)
              .str());
    }
    Value source = operand->get();
    if (!isa<ShapedType>(source.getType())) {
      nest.scalarArgs.push_back({arg, source});
      continue;
    }
    const EvaluatedTensor *tensor = evalTensor(source);
    if (!tensor)
      return nullptr;
    nest.gathers.push_back({arg, tensor, op.getMatchingIndexingMap(operand)});
  }
  return runLoopNest(nest, type);
}

std::unique_ptr<EvaluatedTensor>
Evaluator::evalGenerate(tensor::GenerateOp op, RankedTensorType type) {
  Block &body = op.getBody().front();
  LoopNest nest;
  nest.opName = op->getName().getStringRef();
  for (unsigned k = 0, e = type.getRank(); k < e; ++k) {
    nest.loopOfDim.push_back(k);
    nest.loopArgs.push_back({body.getArgument(k), k});
  }
  nest.yielded = body.getTerminator()->getOperand(0);
  SmallVector<BlockArgument> args;
  collectPayload(&body, nest.yielded, nest.ops, args);
  return runLoopNest(nest, type);
}

std::unique_ptr<EvaluatedTensor>
Evaluator::evalElementwise(Operation *op, RankedTensorType type) {
  LoopNest nest;
  nest.opName = op->getName().getStringRef();
  for (unsigned k = 0, e = type.getRank(); k < e; ++k)
    nest.loopOfDim.push_back(k);
  AffineMap identity =
      AffineMap::getMultiDimIdentityMap(type.getRank(), op->getContext());
  DenseSet<Value> seen;
  for (Value operand : op->getOperands()) {
    // Scalar operands (the condition of a select) are evaluated as values
    // defined outside the loop nest.
    auto operandType = dyn_cast<ShapedType>(operand.getType());
    if (!operandType || !seen.insert(operand).second)
      continue;
    if (operandType.getShape() != type.getShape()) {
      return reject("'" + nest.opName + "' mixes the shapes '" +
                    toString(operandType) + "' and '" + toString(type) + "'");
    }
    const EvaluatedTensor *tensor = evalTensor(operand);
    if (!tensor)
      return nullptr;
    nest.gathers.push_back({operand, tensor, identity});
  }
  nest.ops.push_back(op);
  nest.yielded = op->getResult(0);
  return runLoopNest(nest, type);
}

std::unique_ptr<EvaluatedTensor> Evaluator::evalReshape(Value source,
                                                        RankedTensorType type) {
  const EvaluatedTensor *tensor = evalTensor(source);
  if (!tensor)
    return nullptr;
  if (tensor->getNumElements() != type.getNumElements()) {
    return reject("reshape of '" + toString(source.getType()) + "' to '" +
                  toString(type) + "' changes the number of elements");
  }
  auto result = std::make_unique<EvaluatedTensor>();
  result->shape.assign(type.getShape().begin(), type.getShape().end());
  result->elementType = type.getElementType();
  result->values = tensor->values;
  return result;
}

std::unique_ptr<EvaluatedTensor>
Evaluator::evalExtractSlice(tensor::ExtractSliceOp op, RankedTensorType type) {
  ArrayRef<int64_t> offsets = op.getStaticOffsets();
  ArrayRef<int64_t> sizes = op.getStaticSizes();
  ArrayRef<int64_t> strides = op.getStaticStrides();
  auto isDynamic = [](int64_t v) { return ShapedType::isDynamic(v); };
  if (llvm::any_of(offsets, isDynamic) || llvm::any_of(sizes, isDynamic) ||
      llvm::any_of(strides, isDynamic)) {
    return reject(
        "'tensor.extract_slice' with dynamic offsets, sizes or strides is "
        "not evaluated");
  }
  const EvaluatedTensor *source = evalTensor(op.getSource());
  if (!source)
    return nullptr;
  unsigned rank = source->shape.size();
  int64_t count = 1;
  for (unsigned d = 0; d < rank; ++d)
    count *= sizes[d];
  if (count != type.getNumElements())
    return reject("'tensor.extract_slice' sizes do not match its result type");
  std::unique_ptr<EvaluatedTensor> result = makeTensor(type);
  if (count == 0)
    return result;
  for (unsigned d = 0; d < rank; ++d) {
    if (offsets[d] < 0 || strides[d] < 1 ||
        offsets[d] + (sizes[d] - 1) * strides[d] >= source->shape[d])
      return reject("'tensor.extract_slice' reads out of bounds");
  }
  SmallVector<int64_t> sourceStrides(rank, 1);
  for (int d = int(rank) - 2; d >= 0; --d)
    sourceStrides[d] = sourceStrides[d + 1] * source->shape[d + 1];
  // Row-major walk over the slice; `offset` tracks the source position.
  SmallVector<int64_t> coord(rank, 0);
  int64_t offset = 0;
  for (unsigned d = 0; d < rank; ++d)
    offset += offsets[d] * sourceStrides[d];
  for (int64_t i = 0; i < count; ++i) {
    result->values[i] = source->values[offset];
    for (int d = int(rank) - 1; d >= 0; --d) {
      offset += strides[d] * sourceStrides[d];
      if (++coord[d] < sizes[d])
        break;
      offset -= sizes[d] * strides[d] * sourceStrides[d];
      coord[d] = 0;
    }
  }
  return result;
}

std::unique_ptr<EvaluatedTensor> Evaluator::evalSplat(Value scalar,
                                                      RankedTensorType type) {
  const Lane *lane = evalScalar(scalar);
  if (!lane)
    return nullptr;
  std::unique_ptr<EvaluatedTensor> result = makeTensor(type);
  double v;
  if (!lane->floats.empty()) {
    v = lane->floats[0];
  } else {
    int64_t s = lane->ints[0];
    if (s > kMaxStoredInteger || s < -kMaxStoredInteger) {
      return reject(
          llvm::formatv("integer {0} of 'tensor.splat' exceeds 2^53 in "
                        "magnitude",
                        s)
              .str());
    }
    v = static_cast<double>(s);
  }
  std::fill(result->values.begin(), result->values.end(), v);
  return result;
}

//===----------------------------------------------------------------------===//
// Loop nests
//===----------------------------------------------------------------------===//

std::unique_ptr<EvaluatedTensor> Evaluator::runLoopNest(const LoopNest &nest,
                                                        RankedTensorType type) {
  // A reduction iterates over its loops, anything else over its result.
  ArrayRef<int64_t> shape = nest.reduction
                                ? ArrayRef<int64_t>(nest.reduction->iterShape)
                                : type.getShape();
  unsigned rank = shape.size();
  assert(nest.loopOfDim.size() == rank && "one loop per iterated dimension");
  int64_t total = ShapedType::getNumElements(shape);
  int64_t cap = std::max<int64_t>(1, std::min(kChunkSize, total));
  StringRef name = nest.opName;
  MLIRContext *ctx = type.getContext();

  SmallVector<int64_t> loopRange(rank, 0);
  for (unsigned k = 0; k < rank; ++k)
    loopRange[nest.loopOfDim[k]] = shape[k];

  // Lanes never move: the deque only grows at its end.
  std::deque<Lane> storage;
  DenseMap<Value, Lane *> lanes;
  DenseSet<Value> uniform;
  auto newLane = [&](Type t) -> Lane * {
    storage.push_back(makeLane(t, cap));
    return &storage.back();
  };
  // Lane of a value defined outside the nest, the same at every point.
  auto getOutsideLane = [&](Value v) -> Lane * {
    const Lane *scalar = evalScalar(v);
    if (!scalar)
      return nullptr;
    Lane *lane = newLane(v.getType());
    broadcastFirst(*scalar, *lane);
    lanes[v] = lane;
    uniform.insert(v);
    return lane;
  };

  SmallVector<Lane *> loopLanes;
  for (unsigned d = 0; d < rank; ++d)
    loopLanes.push_back(newLane(IndexType::get(ctx)));
  for (auto [v, d] : nest.loopArgs)
    lanes[v] = loopLanes[d];

  for (auto [arg, operand] : nest.scalarArgs) {
    const Lane *scalar = evalScalar(operand);
    if (!scalar)
      return nullptr;
    if (operand.getType() != arg.getType())
      return reject("'" + name + "' converts its scalar operand implicitly");
    Lane *lane = newLane(arg.getType());
    broadcastFirst(*scalar, *lane);
    lanes[arg] = lane;
    uniform.insert(arg);
  }

  // Gathers: which reads are contiguous, and bounds of the simple indices.
  struct GatherPlan {
    const LoopNest::Gather *gather;
    Lane *lane;
    bool isFloat;
    bool contiguous;
    SmallVector<int64_t> strides;
  };
  SmallVector<GatherPlan> gathers;
  for (const LoopNest::Gather &g : nest.gathers) {
    ArrayRef<int64_t> tshape = g.tensor->shape;
    if (g.map.getNumDims() != rank || g.map.getNumSymbols() != 0 ||
        g.map.getNumResults() != tshape.size()) {
      return reject("'" + name +
                    "' has an indexing map that does not match its loops");
    }
    GatherPlan plan{&g, newLane(g.value.getType()),
                    isa<FloatType>(g.tensor->elementType), true,
                    SmallVector<int64_t>(tshape.size(), 1)};
    for (int k = int(tshape.size()) - 2; k >= 0; --k)
      plan.strides[k] = plan.strides[k + 1] * tshape[k + 1];
    plan.contiguous = tshape.size() == rank;
    for (unsigned k = 0; k < tshape.size(); ++k) {
      AffineExpr expr = g.map.getResult(k);
      if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
        if (total > 0 && loopRange[dim.getPosition()] > tshape[k])
          return reject("'" + name + "' reads an operand out of bounds");
      } else if (auto cst = dyn_cast<AffineConstantExpr>(expr)) {
        if (total > 0 && (cst.getValue() < 0 || cst.getValue() >= tshape[k]))
          return reject("'" + name + "' reads an operand out of bounds");
      }
      if (plan.contiguous &&
          (expr != getAffineDimExpr(nest.loopOfDim[k], ctx) ||
           tshape[k] != shape[k]))
        plan.contiguous = false;
    }
    lanes[g.value] = plan.lane;
    gathers.push_back(std::move(plan));
  }

  // Payload ops: those whose operands are all uniform run once, here.
  struct Step {
    Operation *op;
    SmallVector<const Lane *> operands;
    Lane *result;
  };
  SmallVector<Step> steps;
  for (Operation *op : nest.ops) {
    if (auto index = dyn_cast<linalg::IndexOp>(op)) {
      if (index.getDim() >= rank)
        return reject("'linalg.index' refers to a loop that does not exist");
      lanes[index.getResult()] = loopLanes[index.getDim()];
      continue;
    }
    // Tensors inside the payload (e.g. a lookup table) are only read by
    // tensor.extract, which gathers from their evaluated contents.
    if (isa<arith::ConstantOp>(op) &&
        isa<RankedTensorType>(op->getResult(0).getType()))
      continue;
    auto extract = dyn_cast<tensor::ExtractOp>(op);
    if (extract) {
      const EvaluatedTensor *source = evalTensor(extract.getTensor());
      if (!source)
        return nullptr;
      extractSources[op] = source;
    } else if (!isSupportedScalarOp(op)) {
      return reject("'" + op->getName().getStringRef() + "' is not evaluated");
    }
    Step step{op, {}, nullptr};
    bool allUniform = true;
    for (Value operand : extract ? ValueRange(extract.getIndices())
                                 : ValueRange(op->getOperands())) {
      Lane *lane = lanes.lookup(operand);
      if (!lane && !(lane = getOutsideLane(operand)))
        return nullptr;
      step.operands.push_back(lane);
      allUniform &= uniform.contains(operand);
    }
    Value result = op->getResult(0);
    step.result = newLane(result.getType());
    lanes[result] = step.result;
    if (allUniform) {
      if (failed(applyOp(op, step.operands, *step.result, 1)))
        return nullptr;
      broadcastFirst(*step.result, *step.result);
      uniform.insert(result);
      continue;
    }
    steps.push_back(std::move(step));
  }

  if (getElementTypeOrSelf(nest.yielded.getType()) != type.getElementType()) {
    return reject("'" + name + "' yields '" + toString(nest.yielded.getType()) +
                  "' for elements of '" + toString(type) + "'");
  }
  const Lane *yielded = lanes.lookup(nest.yielded);
  if (!yielded && !(yielded = getOutsideLane(nest.yielded)))
    return nullptr;
  bool resultIsFloat = isa<FloatType>(type.getElementType());

  std::unique_ptr<EvaluatedTensor> result = makeTensor(type);
  SmallVector<int64_t> coord(rank, 0);
  SmallVector<int64_t *> dimLanes;
  SmallVector<const int64_t *> loopData;
  for (unsigned k = 0; k < rank; ++k)
    dimLanes.push_back(loopLanes[nest.loopOfDim[k]]->ints.data());
  for (unsigned d = 0; d < rank; ++d)
    loopData.push_back(loopLanes[d]->ints.data());
  std::vector<int64_t> offsets(cap), scratch(cap);
  std::string where = ("indexing map of '" + name + "'").str();

  // Stores the integers `from[0 .. count)` as doubles at `to`; they must not
  // exceed 2^53 in magnitude.
  auto storeInts = [&](const int64_t *from, size_t count,
                       double *to) -> LogicalResult {
    for (size_t p = 0; p < count; ++p) {
      int64_t s = from[p];
      if (s > kMaxStoredInteger || s < -kMaxStoredInteger)
        return fail(llvm::formatv("'{0}' produces the integer {1}, which "
                                  "exceeds 2^53 in magnitude",
                                  name, s)
                        .str());
      to[p] = static_cast<double>(s);
    }
    return success();
  };

  // Accumulators of a reduction, and the strides of the result dimensions.
  std::vector<int64_t> accumulators;
  SmallVector<std::pair<const int64_t *, int64_t>> outIndex;
  if (nest.reduction) {
    const std::vector<double> &init = nest.reduction->init->values;
    accumulators.resize(init.size());
    for (size_t i = 0, e = init.size(); i < e; ++i)
      accumulators[i] = static_cast<int64_t>(init[i]);
    ArrayRef<int64_t> resultShape = type.getShape();
    int64_t stride = 1;
    for (int k = int(resultShape.size()) - 1; k >= 0; --k) {
      unsigned loop = nest.reduction->outMap.getDimPosition(k);
      outIndex.push_back({loopData[loop], stride});
      stride *= resultShape[k];
    }
  }
  unsigned resultWidth = resultIsFloat ? 0 : getIntWidth(type.getElementType());

  for (int64_t start = 0; start < total; start += cap) {
    int64_t n = std::min(cap, total - start);

    // Loop indices of the points start .. start + n - 1.
    for (int64_t p = 0; p < n; ++p) {
      for (unsigned k = 0; k < rank; ++k)
        dimLanes[k][p] = coord[k];
      for (int k = int(rank) - 1; k >= 0; --k) {
        if (++coord[k] < shape[k])
          break;
        coord[k] = 0;
      }
    }

    for (GatherPlan &plan : gathers) {
      const std::vector<double> &values = plan.gather->tensor->values;
      if (plan.contiguous) {
        if (plan.isFloat)
          std::copy(values.begin() + start, values.begin() + start + n,
                    plan.lane->floats.begin());
        else
          for (int64_t p = 0; p < n; ++p)
            plan.lane->ints[p] = static_cast<int64_t>(values[start + p]);
        continue;
      }
      std::fill(offsets.begin(), offsets.begin() + n, 0);
      AffineMap map = plan.gather->map;
      for (unsigned k = 0, e = map.getNumResults(); k < e; ++k) {
        AffineExpr expr = map.getResult(k);
        int64_t stride = plan.strides[k];
        if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
          const int64_t *idx = loopData[dim.getPosition()];
          for (int64_t p = 0; p < n; ++p)
            offsets[p] += stride * idx[p];
          continue;
        }
        if (auto cst = dyn_cast<AffineConstantExpr>(expr)) {
          for (int64_t p = 0; p < n; ++p)
            offsets[p] += stride * cst.getValue();
          continue;
        }
        if (failed(
                evalAffineExpr(expr, loopData, {}, n, scratch.data(), where)))
          return nullptr;
        int64_t size = plan.gather->tensor->shape[k];
        for (int64_t p = 0; p < n; ++p) {
          if (scratch[p] < 0 || scratch[p] >= size)
            return reject("'" + name + "' reads an operand out of bounds");
          offsets[p] += stride * scratch[p];
        }
      }
      if (plan.isFloat)
        for (int64_t p = 0; p < n; ++p)
          plan.lane->floats[p] = values[offsets[p]];
      else
        for (int64_t p = 0; p < n; ++p)
          plan.lane->ints[p] = static_cast<int64_t>(values[offsets[p]]);
    }

    for (Step &step : steps)
      if (failed(applyOp(step.op, step.operands, *step.result, n)))
        return nullptr;

    if (nest.reduction) {
      std::fill(offsets.begin(), offsets.begin() + n, 0);
      for (auto [idx, stride] : outIndex)
        for (int64_t p = 0; p < n; ++p)
          offsets[p] += stride * idx[p];
      if (failed(foldReduction(nest.reduction->combiner, resultWidth,
                               yielded->ints.data(), offsets.data(),
                               accumulators.data(), n)))
        return nullptr;
      continue;
    }

    double *out = result->values.data() + start;
    if (resultIsFloat) {
      std::copy(yielded->floats.begin(), yielded->floats.begin() + n, out);
      continue;
    }
    if (failed(storeInts(yielded->ints.data(), n, out)))
      return nullptr;
  }
  if (failed(storeInts(accumulators.data(), accumulators.size(),
                       result->values.data())))
    return nullptr;
  return result;
}

LogicalResult Evaluator::foldReduction(Operation *combiner, unsigned w,
                                       const int64_t *x, const int64_t *offsets,
                                       int64_t *acc, int64_t n) {
  StringRef name = combiner->getName().getStringRef();
  // The same element rules as elementwise evaluation; subtraction is not a
  // combiner (it is neither associative nor commutative).
  IntBinaryRule rule = isa<arith::SubIOp>(combiner)
                           ? IntBinaryRule()
                           : getIntBinaryRule(combiner, w);
  if (!rule)
    return fail("'" + name + "' is not a supported reduction combiner");
  // Points are folded in the sequential order of the loop nest, so the
  // overflow flags are checked on the same partial results as a loop would
  // compute.
  for (int64_t p = 0; p < n; ++p) {
    int64_t &a = acc[offsets[p]];
    if (const char *why = rule(a, x[p], a))
      return fail("'" + name + "' " + why + " in a reduction");
  }
  return success();
}

LogicalResult Evaluator::evalAffineExpr(AffineExpr expr,
                                        ArrayRef<const int64_t *> dims,
                                        ArrayRef<const int64_t *> syms,
                                        int64_t n, int64_t *out,
                                        StringRef where) {
  switch (expr.getKind()) {
  case AffineExprKind::DimId: {
    const int64_t *dim = dims[cast<AffineDimExpr>(expr).getPosition()];
    std::copy(dim, dim + n, out);
    return success();
  }
  case AffineExprKind::SymbolId: {
    const int64_t *sym = syms[cast<AffineSymbolExpr>(expr).getPosition()];
    std::copy(sym, sym + n, out);
    return success();
  }
  case AffineExprKind::Constant:
    std::fill(out, out + n, cast<AffineConstantExpr>(expr).getValue());
    return success();
  default:
    break;
  }
  auto binary = cast<AffineBinaryOpExpr>(expr);
  if (failed(evalAffineExpr(binary.getLHS(), dims, syms, n, out, where)))
    return failure();
  std::vector<int64_t> rhs(n);
  if (failed(evalAffineExpr(binary.getRHS(), dims, syms, n, rhs.data(), where)))
    return failure();
  switch (expr.getKind()) {
  case AffineExprKind::Add:
    for (int64_t p = 0; p < n; ++p)
      if (llvm::AddOverflow(out[p], rhs[p], out[p]))
        return fail(where + " overflows");
    return success();
  case AffineExprKind::Mul:
    for (int64_t p = 0; p < n; ++p)
      if (llvm::MulOverflow(out[p], rhs[p], out[p]))
        return fail(where + " overflows");
    return success();
  case AffineExprKind::Mod:
  case AffineExprKind::FloorDiv:
  case AffineExprKind::CeilDiv:
    for (int64_t p = 0; p < n; ++p) {
      int64_t x = out[p], y = rhs[p];
      if (y <= 0)
        return fail(where + " divides by a non-positive value");
      int64_t q = x / y, r = x % y;
      if (expr.getKind() == AffineExprKind::Mod)
        out[p] = r < 0 ? r + y : r;
      else if (expr.getKind() == AffineExprKind::FloorDiv)
        out[p] = r < 0 ? q - 1 : q;
      else
        out[p] = r > 0 ? q + 1 : q;
    }
    return success();
  default:
    break;
  }
  llvm_unreachable("unknown affine expression kind");
}

//===----------------------------------------------------------------------===//
// Scalars
//===----------------------------------------------------------------------===//

const Lane *Evaluator::evalScalar(Value value) {
  if (auto it = scalarMemo.find(value); it != scalarMemo.end())
    return it->second.get();
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    (void)failBlockArgument(arg);
    return nullptr;
  }
  Operation *op = value.getDefiningOp();
  if (!isSupportedScalarOp(op))
    return reject("'" + op->getName().getStringRef() + "' is not evaluated");
  if (isa<ShapedType>(value.getType()))
    return reject("'" + toString(value.getType()) + "' is used as a scalar");
  DepthGuard guard(depth);
  if (depth > kMaxDepth) {
    return reject(
        llvm::formatv("producers are nested deeper than {0} ops", kMaxDepth)
            .str());
  }
  SmallVector<const Lane *> operands;
  for (Value operand : op->getOperands()) {
    const Lane *lane = evalScalar(operand);
    if (!lane)
      return nullptr;
    operands.push_back(lane);
  }
  auto lane = std::make_unique<Lane>(makeLane(value.getType(), 1));
  if (failed(applyOp(op, operands, *lane, 1)))
    return nullptr;
  std::unique_ptr<Lane> &slot = scalarMemo[value];
  slot = std::move(lane);
  return slot.get();
}

LogicalResult Evaluator::applyOp(Operation *op, ArrayRef<const Lane *> in,
                                 Lane &result, int64_t n) {
  StringRef name = op->getName().getStringRef();
  if (isa<tensor::ExtractOp>(op)) {
    // Row-major gather with every index bounds-checked (out of bounds is
    // undefined behaviour, so evaluation stops).
    const EvaluatedTensor *source = extractSources.lookup(op);
    bool isFloat = !result.floats.empty();
    for (int64_t p = 0; p < n; ++p) {
      int64_t offset = 0;
      for (auto [k, lane] : llvm::enumerate(in)) {
        int64_t index = lane->ints[p], size = source->shape[k];
        if (index < 0 || index >= size)
          return fail("'tensor.extract' reads index " + Twine(index) +
                      " of a dimension of size " + Twine(size));
        offset = offset * size + index;
      }
      double v = source->values[offset];
      if (isFloat)
        result.floats[p] = v;
      else
        result.ints[p] = static_cast<int64_t>(v);
    }
    return success();
  }
  if (op->getNumResults() != 1 || !isSupportedScalarOp(op))
    return fail("'" + name + "' is not evaluated");
  Type resultType = getElementTypeOrSelf(op->getResult(0).getType());
  if (!isSupportedElementType(resultType))
    return fail("'" + name + "' produces the unsupported type '" +
                toString(resultType) + "'");
  for (Value operand : op->getOperands()) {
    Type t = getElementTypeOrSelf(operand.getType());
    if (!isSupportedElementType(t))
      return fail("'" + name + "' has an operand of the unsupported type '" +
                  toString(t) + "'");
  }

  // Fastmath flags: those that license rewrites across ops could change the
  // value; nnan, ninf and nsz are checked against the actual values below.
  using arith::FastMathFlags;
  FastMathFlags fastmath = FastMathFlags::none;
  if (auto iface = dyn_cast<arith::ArithFastMathInterface>(op))
    if (arith::FastMathFlagsAttr attr = iface.getFastMathFlagsAttr())
      fastmath = attr.getValue();
  if (arith::bitEnumContainsAny(
          fastmath, FastMathFlags::reassoc | FastMathFlags::arcp |
                        FastMathFlags::contract | FastMathFlags::afn))
    return fail("'" + name + "' with fastmath<" +
                arith::stringifyFastMathFlags(fastmath) + "> is not evaluated");

  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    Attribute value = constant.getValue();
    if (auto intAttr = dyn_cast<IntegerAttr>(value)) {
      int64_t v =
          wrapInt(intAttr.getValue().getZExtValue(), getIntWidth(resultType));
      std::fill(result.ints.begin(), result.ints.begin() + n, v);
      return success();
    }
    if (auto floatAttr = dyn_cast<FloatAttr>(value)) {
      std::fill(result.floats.begin(), result.floats.begin() + n,
                floatAttr.getValueAsDouble());
      return success();
    }
    return fail("'arith.constant' with a non-scalar value is used as a scalar");
  }

  if (auto apply = dyn_cast<affine::AffineApplyOp>(op)) {
    AffineMap map = apply.getAffineMap();
    SmallVector<const int64_t *> dims, syms;
    for (unsigned i = 0, e = in.size(); i < e; ++i)
      (i < map.getNumDims() ? dims : syms).push_back(in[i]->ints.data());
    return evalAffineExpr(map.getResult(0), dims, syms, n, result.ints.data(),
                          "'affine.apply'");
  }

  if (auto select = dyn_cast<arith::SelectOp>(op)) {
    const int64_t *cond = in[0]->ints.data();
    if (isa<FloatType>(resultType)) {
      const double *x = in[1]->floats.data(), *y = in[2]->floats.data();
      for (int64_t p = 0; p < n; ++p)
        result.floats[p] = cond[p] ? x[p] : y[p];
    } else {
      const int64_t *x = in[1]->ints.data(), *y = in[2]->ints.data();
      for (int64_t p = 0; p < n; ++p)
        result.ints[p] = cond[p] ? x[p] : y[p];
    }
    return success();
  }

  LogicalResult status = success();
  if (isa<arith::ExtSIOp, arith::ExtUIOp, arith::TruncIOp, arith::IndexCastOp,
          arith::IndexCastUIOp, arith::SIToFPOp, arith::UIToFPOp,
          arith::FPToSIOp, arith::FPToUIOp, arith::ExtFOp, arith::TruncFOp>(op))
    status = applyCastOp(op, in, result, n);
  else if (isa<arith::CmpFOp>(op) || isa<FloatType>(resultType))
    status = applyFloatOp(op, in, result, n);
  else
    status = applyIntOp(op, in, result, n);
  if (failed(status))
    return failure();

  if (arith::bitEnumContainsAny(fastmath, FastMathFlags::nnan |
                                              FastMathFlags::ninf |
                                              FastMathFlags::nsz)) {
    bool nnan = arith::bitEnumContainsAny(fastmath, FastMathFlags::nnan);
    bool ninf = arith::bitEnumContainsAny(fastmath, FastMathFlags::ninf);
    bool nsz = arith::bitEnumContainsAny(fastmath, FastMathFlags::nsz) &&
               !isa<arith::CmpFOp>(op);
    SmallVector<const Lane *> checked(in.begin(), in.end());
    checked.push_back(&result);
    for (const Lane *lane : checked) {
      for (int64_t p = 0, e = lane->floats.empty() ? 0 : n; p < e; ++p) {
        double x = lane->floats[p];
        if (nnan && std::isnan(x))
          return fail("'" + name + "' sees a nan under fastmath nnan");
        if (ninf && std::isinf(x))
          return fail("'" + name + "' sees an infinity under fastmath ninf");
        if (nsz && x == 0.0)
          return fail("'" + name +
                      "' sees a zero under fastmath nsz, whose sign is "
                      "unspecified");
      }
    }
  }
  return success();
}

LogicalResult Evaluator::applyIntOp(Operation *op, ArrayRef<const Lane *> in,
                                    Lane &result, int64_t n) {
  StringRef name = op->getName().getStringRef();
  unsigned w = getIntWidth(getElementTypeOrSelf(op->getOperand(0).getType()));
  const int64_t smin = signedMin(w);
  bool nsw = false, nuw = false, exact = false;
  if (auto iface = dyn_cast<arith::ArithIntegerOverflowFlagsInterface>(op)) {
    nsw = iface.hasNoSignedWrap();
    nuw = iface.hasNoUnsignedWrap();
  }
  if (auto divsi = dyn_cast<arith::DivSIOp>(op))
    exact = divsi.getIsExact();
  else if (auto divui = dyn_cast<arith::DivUIOp>(op))
    exact = divui.getIsExact();
  else if (auto shrsi = dyn_cast<arith::ShRSIOp>(op))
    exact = shrsi.getIsExact();
  else if (auto shrui = dyn_cast<arith::ShRUIOp>(op))
    exact = shrui.getIsExact();

  // Applies `rule(x, y, r)` pointwise; a non-null return is a reason.
  auto binary = [&](auto rule) -> LogicalResult {
    const int64_t *x = in[0]->ints.data(), *y = in[1]->ints.data();
    int64_t *r = result.ints.data();
    for (int64_t p = 0; p < n; ++p)
      if (const char *why = rule(x[p], y[p], r[p]))
        return fail("'" + name + "' " + why);
    return success();
  };
  auto sv = [w](int64_t x) { return signedValue(x, w); };
  auto uv = [w](int64_t x) { return unsignedValue(x, w); };

  if (IntBinaryRule rule = getIntBinaryRule(op, w))
    return binary(rule);

  // Which quotient (or the remainder) a division computes.
  enum {
    Div,
    Rem,
    Floor,
    Ceil
  } kind = isa<arith::DivSIOp, arith::DivUIOp>(op)   ? Div
           : isa<arith::RemSIOp, arith::RemUIOp>(op) ? Rem
           : isa<arith::FloorDivSIOp>(op)            ? Floor
                                                     : Ceil;
  if (isa<arith::DivSIOp, arith::RemSIOp, arith::FloorDivSIOp,
          arith::CeilDivSIOp>(op)) {
    return binary([&](int64_t x, int64_t y, int64_t &r) -> const char * {
      int64_t a = sv(x), b = sv(y);
      if (b == 0)
        return "divides by zero";
      if (a == smin && b == -1)
        return "overflows (signed minimum divided by -1)";
      int64_t q = a / b, m = a % b;
      switch (kind) {
      case Div:
        if (exact && m != 0)
          return "is not exact under the exact flag";
        r = wrapInt(uint64_t(q), w);
        break;
      case Rem:
        r = wrapInt(uint64_t(m), w);
        break;
      case Floor:
        r = wrapInt(uint64_t(m != 0 && ((m < 0) != (b < 0)) ? q - 1 : q), w);
        break;
      case Ceil:
        r = wrapInt(uint64_t(m != 0 && ((m < 0) == (b < 0)) ? q + 1 : q), w);
        break;
      }
      return nullptr;
    });
  }
  if (isa<arith::DivUIOp, arith::RemUIOp, arith::CeilDivUIOp>(op)) {
    return binary([&](int64_t x, int64_t y, int64_t &r) -> const char * {
      uint64_t a = uv(x), b = uv(y);
      if (b == 0)
        return "divides by zero";
      uint64_t q = a / b, m = a % b;
      if (kind == Div && exact && m != 0)
        return "is not exact under the exact flag";
      r = wrapInt(kind == Div ? q : kind == Rem ? m : q + (m != 0), w);
      return nullptr;
    });
  }
  if (isa<arith::ShLIOp>(op))
    return binary([&](int64_t x, int64_t y, int64_t &r) -> const char * {
      uint64_t amount = uv(y);
      if (amount >= w)
        return "shifts by at least the bit width";
      r = wrapInt(uv(x) << amount, w);
      if (nsw && (sv(r) >> amount) != sv(x))
        return "overflows under nsw";
      if (nuw && (uv(r) >> amount) != uv(x))
        return "overflows under nuw";
      return nullptr;
    });
  if (isa<arith::ShRSIOp, arith::ShRUIOp>(op)) {
    bool isSigned = isa<arith::ShRSIOp>(op);
    return binary([&](int64_t x, int64_t y, int64_t &r) -> const char * {
      uint64_t amount = uv(y);
      if (amount >= w)
        return "shifts by at least the bit width";
      if (exact && amount > 0 && (uv(x) & ((uint64_t(1) << amount) - 1)))
        return "shifts out non-zero bits under the exact flag";
      r = wrapInt(isSigned ? uint64_t(sv(x) >> amount) : uv(x) >> amount, w);
      return nullptr;
    });
  }
  if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
    arith::CmpIPredicate pred = cmp.getPredicate();
    const int64_t *x = in[0]->ints.data(), *y = in[1]->ints.data();
    int64_t *r = result.ints.data();
    switch (pred) {
    // The common predicates of masks get a loop without a switch inside.
    case arith::CmpIPredicate::sle:
      for (int64_t p = 0; p < n; ++p)
        r[p] = sv(x[p]) <= sv(y[p]);
      return success();
    case arith::CmpIPredicate::slt:
      for (int64_t p = 0; p < n; ++p)
        r[p] = sv(x[p]) < sv(y[p]);
      return success();
    case arith::CmpIPredicate::eq:
      for (int64_t p = 0; p < n; ++p)
        r[p] = x[p] == y[p];
      return success();
    default:
      for (int64_t p = 0; p < n; ++p)
        r[p] = compareInts(pred, x[p], y[p], w);
      return success();
    }
  }
  return fail("'" + name + "' is not evaluated");
}

LogicalResult Evaluator::applyFloatOp(Operation *op, ArrayRef<const Lane *> in,
                                      Lane &result, int64_t n) {
  StringRef name = op->getName().getStringRef();
  if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
    arith::CmpFPredicate pred = cmp.getPredicate();
    const double *x = in[0]->floats.data(), *y = in[1]->floats.data();
    for (int64_t p = 0; p < n; ++p)
      result.ints[p] = compareFloats(pred, x[p], y[p]);
    return success();
  }
  FloatKind kind = *getFloatKind(getElementTypeOrSelf(op->getResult(0)));
  double *r = result.floats.data();
  if (isa<arith::NegFOp>(op)) {
    const double *x = in[0]->floats.data();
    for (int64_t p = 0; p < n; ++p)
      r[p] = -x[p];
    return success();
  }
  if (in.size() != 2)
    return fail("'" + name + "' is not evaluated");
  const double *x = in[0]->floats.data(), *y = in[1]->floats.data();
  auto rounded = [&](auto rule) {
    for (int64_t p = 0; p < n; ++p)
      r[p] = roundToKind(rule(x[p], y[p]), kind);
    return success();
  };
  if (isa<arith::AddFOp>(op))
    return rounded([](double a, double b) { return a + b; });
  if (isa<arith::SubFOp>(op))
    return rounded([](double a, double b) { return a - b; });
  if (isa<arith::MulFOp>(op))
    return rounded([](double a, double b) { return a * b; });
  if (isa<arith::DivFOp>(op))
    return rounded([](double a, double b) { return a / b; });
  if (isa<arith::RemFOp>(op))
    // fmod is exact, so its result is representable in the operands' type.
    return rounded([](double a, double b) { return std::fmod(a, b); });
  if (isa<arith::MaximumFOp, arith::MinimumFOp>(op)) {
    bool isMax = isa<arith::MaximumFOp>(op);
    for (int64_t p = 0; p < n; ++p) {
      double a = x[p], b = y[p];
      if (std::isnan(a) || std::isnan(b))
        r[p] = std::numeric_limits<double>::quiet_NaN();
      else if (a == 0.0 && b == 0.0)
        r[p] = (std::signbit(a) == isMax) ? b : a; // -0 < +0
      else
        r[p] = isMax ? std::max(a, b) : std::min(a, b);
    }
    return success();
  }
  if (isa<arith::MaxNumFOp, arith::MinNumFOp>(op)) {
    bool isMax = isa<arith::MaxNumFOp>(op);
    for (int64_t p = 0; p < n; ++p) {
      double a = x[p], b = y[p];
      if (std::isnan(a))
        r[p] = b;
      else if (std::isnan(b))
        r[p] = a;
      else if (a == 0.0 && b == 0.0 && std::signbit(a) != std::signbit(b))
        return fail("'" + name +
                    "' of zeros of opposite signs returns either operand");
      else
        r[p] = isMax ? std::max(a, b) : std::min(a, b);
    }
    return success();
  }
  return fail("'" + name + "' is not evaluated");
}

LogicalResult Evaluator::applyCastOp(Operation *op, ArrayRef<const Lane *> in,
                                     Lane &result, int64_t n) {
  StringRef name = op->getName().getStringRef();
  Type inType = getElementTypeOrSelf(op->getOperand(0).getType());
  Type outType = getElementTypeOrSelf(op->getResult(0).getType());

  // Integer to integer.
  if (isa<arith::ExtSIOp, arith::ExtUIOp, arith::TruncIOp, arith::IndexCastOp,
          arith::IndexCastUIOp>(op)) {
    unsigned wi = getIntWidth(inType), wo = getIntWidth(outType);
    bool zeroExtend = isa<arith::ExtUIOp, arith::IndexCastUIOp>(op);
    bool nsw = false, nuw = false;
    if (auto trunc = dyn_cast<arith::TruncIOp>(op)) {
      nsw = trunc.hasNoSignedWrap();
      nuw = trunc.hasNoUnsignedWrap();
    }
    const int64_t *x = in[0]->ints.data();
    for (int64_t p = 0; p < n; ++p) {
      int64_t s = signedValue(x[p], wi);
      uint64_t u = unsignedValue(x[p], wi);
      int64_t r = wrapInt(zeroExtend ? u : uint64_t(s), wo);
      if (nuw && u > unsignedMax(wo))
        return fail("'" + name + "' drops non-zero bits under nuw");
      if (nsw && signedValue(r, wo) != s)
        return fail("'" + name + "' changes the signed value under nsw");
      result.ints[p] = r;
    }
    return success();
  }

  // Integer to float.
  if (isa<arith::SIToFPOp, arith::UIToFPOp>(op)) {
    unsigned wi = getIntWidth(inType);
    bool isSigned = isa<arith::SIToFPOp>(op);
    FloatKind kind = *getFloatKind(outType);
    const int64_t *x = in[0]->ints.data();
    for (int64_t p = 0; p < n; ++p)
      result.floats[p] = intToFloat(isSigned ? uint64_t(signedValue(x[p], wi))
                                             : unsignedValue(x[p], wi),
                                    isSigned, kind);
    return success();
  }

  // Float to integer: truncation toward zero; out of range is poison.
  if (isa<arith::FPToSIOp, arith::FPToUIOp>(op)) {
    unsigned wo = getIntWidth(outType);
    bool isSigned = isa<arith::FPToSIOp>(op);
    double lo = isSigned ? -std::ldexp(1.0, wo - 1) : 0.0;
    double hi = std::ldexp(1.0, isSigned ? wo - 1 : wo);
    const double *x = in[0]->floats.data();
    for (int64_t p = 0; p < n; ++p) {
      double t = std::trunc(x[p]);
      if (std::isnan(t) || t < lo || t >= hi)
        return fail(llvm::formatv("'{0}' converts {1} out of the range of {2}",
                                  name, x[p], toString(outType))
                        .str());
      uint64_t bits = isSigned ? uint64_t(int64_t(t)) : uint64_t(t);
      result.ints[p] = wrapInt(bits, wo);
    }
    return success();
  }

  // Float to float.
  FloatKind kind = *getFloatKind(outType);
  const double *x = in[0]->floats.data();
  if (isa<arith::ExtFOp>(op)) {
    std::copy(x, x + n, result.floats.begin());
    return success();
  }
  auto trunc = cast<arith::TruncFOp>(op);
  std::optional<arith::RoundingMode> mode = trunc.getRoundingmode();
  if (!mode || *mode == arith::RoundingMode::to_nearest_even) {
    for (int64_t p = 0; p < n; ++p)
      result.floats[p] = roundToKind(x[p], kind);
    return success();
  }
  static constexpr std::pair<arith::RoundingMode, llvm::RoundingMode>
      kRoundingModes[] = {
          {arith::RoundingMode::downward, llvm::RoundingMode::TowardNegative},
          {arith::RoundingMode::upward, llvm::RoundingMode::TowardPositive},
          {arith::RoundingMode::toward_zero, llvm::RoundingMode::TowardZero},
          {arith::RoundingMode::to_nearest_away,
           llvm::RoundingMode::NearestTiesToAway},
      };
  llvm::RoundingMode rm = llvm::RoundingMode::NearestTiesToEven;
  for (auto [from, to] : kRoundingModes)
    if (*mode == from)
      rm = to;
  for (int64_t p = 0; p < n; ++p)
    result.floats[p] = roundWithAPFloat(x[p], kind, rm);
  return success();
}

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

namespace {
std::mutex compiledEvaluatorMutex;
TensorEvaluator &compiledEvaluator() {
  static TensorEvaluator evaluator;
  return evaluator;
}
} // namespace

void mlir::attn::setCompiledTensorEvaluator(TensorEvaluator evaluator) {
  std::lock_guard<std::mutex> lock(compiledEvaluatorMutex);
  compiledEvaluator() = std::move(evaluator);
}

std::optional<EvaluatedTensor>
mlir::attn::evaluateTensor(Value value, const ConstantEvalOptions &options,
                           std::string *whyNot) {
  Evaluator evaluator(options);
  if (evaluator.evalTensor(value)) {
    std::unique_ptr<EvaluatedTensor> result = evaluator.take(value);
    return std::move(*result);
  }
  std::string interpreted =
      evaluator.getError().empty() ? "evaluation failed" : evaluator.getError();
  TensorEvaluator compiled;
  {
    std::lock_guard<std::mutex> lock(compiledEvaluatorMutex);
    compiled = compiledEvaluator();
  }
  // A value computed from a run-time value is not a compile-time constant:
  // compiling it cannot help.
  if (compiled && !evaluator.readsBlockArgument()) {
    std::string why;
    if (std::optional<EvaluatedTensor> result = compiled(value, options, &why))
      return result;
    interpreted = "compiled evaluation: " + why;
  }
  if (whyNot)
    *whyNot = interpreted;
  return std::nullopt;
}
