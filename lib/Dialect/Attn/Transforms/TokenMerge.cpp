//===- TokenMerge.cpp - Insert token merging into transformer blocks ------===//
//
// --attn-token-merge: finds transformer blocks around raised attn.attention
// ops, inserts attn.token_merge between the attention residual and the MLP,
// and rebuilds everything downstream for the smaller token count. Each
// block is one transaction: the new ops are built next to the old ones and
// the old ones are only erased when every consumer could be re-typed;
// otherwise the new ops are erased and a remark names the op that could not
// follow.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Support/PassOptions.h"

#include "attn/Dialect/Attn/Transforms/Transforms.h"
#include "attn/Support/CapturedDiagnostics.h"
#include "attn/Support/PassStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <deque>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNTOKENMERGEPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

/// Marks the op computing a proportional-attention bias (ln size), so that
/// a later merge re-types it instead of adding a second one.
static constexpr StringLiteral kSizeBiasAttr = "attn.token_size_bias";
/// Marks the op that weights tokens by their size before a sum over tokens.
static constexpr StringLiteral kSizeWeightAttr = "attn.token_size_weight";

static constexpr int kSearchDepth = 48;
static constexpr int kDependenceBudget = 4096;

//===----------------------------------------------------------------------===//
// Block detection
//===----------------------------------------------------------------------===//

/// `a + b` on two tensors of the result's type, elementwise: a
/// linalg.generic with identity maps, or linalg.add.
static bool matchResidualAdd(Operation *op, Value &lhs, Value &rhs) {
  if (!op || op->getNumResults() != 1)
    return false;
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type || type.getRank() != 3)
    return false;
  auto sameType = [&](Value v) { return v.getType() == type; };
  if (auto add = dyn_cast<linalg::AddOp>(op)) {
    if (add.getInputs().size() != 2 || !sameType(add.getInputs()[0]) ||
        !sameType(add.getInputs()[1]))
      return false;
    lhs = add.getInputs()[0];
    rhs = add.getInputs()[1];
    return true;
  }
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 2 ||
      generic.getNumDpsInits() != 1)
    return false;
  if (!llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }) ||
      !llvm::all_of(generic.getIteratorTypesArray(), [](utils::IteratorType t) {
        return t == utils::IteratorType::parallel;
      }))
    return false;
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 2)
    return false;
  auto addf = dyn_cast<arith::AddFOp>(body.front());
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  if (!addf || !yield || yield.getValues().size() != 1 ||
      yield.getValues()[0] != addf.getResult())
    return false;
  Value a = body.getArgument(0), b = body.getArgument(1);
  if (!((addf.getLhs() == a && addf.getRhs() == b) ||
        (addf.getLhs() == b && addf.getRhs() == a)))
    return false;
  if (!sameType(generic.getInputs()[0]) || !sameType(generic.getInputs()[1]))
    return false;
  lhs = generic.getInputs()[0];
  rhs = generic.getInputs()[1];
  return true;
}

/// Whether `root` is among the values `v` is computed from (backward walk
/// over operands, bounded).
static bool dependsOn(Value v, Value root) {
  SmallVector<Value> work{v};
  DenseSet<Value> seen;
  int budget = kDependenceBudget;
  while (!work.empty() && budget-- > 0) {
    Value cur = work.pop_back_val();
    if (cur == root)
      return true;
    if (!seen.insert(cur).second)
      continue;
    if (Operation *def = cur.getDefiningOp())
      for (Value operand : def->getOperands())
        work.push_back(operand);
  }
  return false;
}

/// The ops reachable from `from` through uses, breadth first, in the same
/// block, up to kSearchDepth steps.
static SmallVector<Operation *> forwardOps(Value from) {
  SmallVector<Operation *> order;
  DenseSet<Operation *> seen;
  std::deque<std::pair<Value, int>> work{{from, 0}};
  Block *block = from.getParentBlock();
  while (!work.empty()) {
    auto [v, depth] = work.front();
    work.pop_front();
    if (depth >= kSearchDepth)
      continue;
    for (Operation *user : v.getUsers()) {
      if (user->getBlock() != block || !seen.insert(user).second)
        continue;
      order.push_back(user);
      for (Value r : user->getResults())
        work.push_back({r, depth + 1});
    }
  }
  return order;
}

namespace {
struct BlockInfo {
  AttentionOp attention;
  /// The value that is merged: x1 (pre-norm) or norm(x1) (post-norm).
  Value mergePoint;
  bool postNorm = false;
};
} // namespace

/// Finds the block of `attention`, or explains in `why` what is missing.
static FailureOr<BlockInfo> findBlock(AttentionOp attention, std::string &why) {
  Value key = attention.getKey();
  int64_t lk = attention.getKeyType().getDimSize(2);
  int64_t batch = attention.getKeyType().getDimSize(0);
  // The attention residual x1 = x + f(attention) with the key computed from x.
  Value x1;
  for (Operation *op : forwardOps(attention.getResult())) {
    Value a, b;
    if (!matchResidualAdd(op, a, b))
      continue;
    for (Value x : {a, b}) {
      auto type = cast<RankedTensorType>(x.getType());
      if (type.getDimSize(1) != lk || type.getDimSize(0) != batch)
        continue;
      if (dependsOn(key, x) && !dependsOn(x, attention.getResult())) {
        x1 = op->getResult(0);
        break;
      }
    }
    if (x1)
      break;
  }
  if (!x1) {
    why = "no residual add x + f(attention) of B x N x C tokens whose N is "
          "the key length";
    return failure();
  }
  if (!cast<RankedTensorType>(x1.getType()).hasStaticShape()) {
    why = "the residual stream has a dynamic shape";
    return failure();
  }
  SmallVector<Operation *> after = forwardOps(x1);
  // The two addends of `op` if it is a residual add; a block merged already
  // reads the merge's input in place of its result.
  auto residualAddends =
      [](Operation *op) -> std::optional<std::pair<Value, Value>> {
    Value a, b;
    if (!matchResidualAdd(op, a, b))
      return std::nullopt;
    auto unmerged = [](Value v) -> Value {
      if (auto merge = v.getDefiningOp<TokenMergeOp>())
        if (v == merge.getMerged())
          return merge.getTokens();
      return v;
    };
    return std::pair(unmerged(a), unmerged(b));
  };
  // Pre-norm: x2 = x1 + mlp(norm2(x1)).
  for (Operation *op : after) {
    std::optional<std::pair<Value, Value>> addends = residualAddends(op);
    if (!addends)
      continue;
    auto [a, b] = *addends;
    if ((a == x1 && b != x1 && dependsOn(b, x1)) ||
        (b == x1 && a != x1 && dependsOn(a, x1)))
      return BlockInfo{attention, x1, false};
  }
  // Post-norm: y = norm(x1), x2 = y + mlp(y).
  for (Operation *op : after) {
    std::optional<std::pair<Value, Value>> addends = residualAddends(op);
    if (!addends)
      continue;
    auto [a, b] = *addends;
    for (auto [y, other] : {std::pair(a, b), std::pair(b, a)}) {
      if (y != x1 && y.getType() == x1.getType() && dependsOn(y, x1) &&
          other != y && dependsOn(other, y) && !dependsOn(y, other))
        return BlockInfo{attention, y, true};
    }
  }
  why = "the attention residual is not followed by an MLP residual "
        "(x1 + mlp(norm(x1)) or norm(x1) + mlp(norm(x1)))";
  return failure();
}

//===----------------------------------------------------------------------===//
// The r schedule
//===----------------------------------------------------------------------===//

/// r for each of `numBlocks` blocks: one value for all, one per block, or
/// ToMe's linear schedule around a single r with `inflect`.
static SmallVector<int64_t> scheduleR(ArrayRef<int64_t> r, double inflect,
                                      int64_t numBlocks) {
  SmallVector<int64_t> out(numBlocks, 0);
  if (r.size() > 1) {
    for (int64_t i = 0; i < numBlocks && i < (int64_t)r.size(); ++i)
      out[i] = r[i];
    return out;
  }
  int64_t base = r.empty() ? 16 : r[0];
  if (inflect == 0.0 || numBlocks < 2) {
    llvm::fill(out, base);
    return out;
  }
  // First block r * (1 - inflect), last r * (1 + inflect), linear between;
  // the total stays numBlocks * r.
  int64_t lo = static_cast<int64_t>(base * (1.0 - inflect));
  int64_t hi = 2 * base - lo;
  double step = double(hi - lo) / double(numBlocks - 1);
  for (int64_t i = 0; i < numBlocks; ++i)
    out[i] = std::max<int64_t>(0, static_cast<int64_t>(lo + step * i));
  return out;
}

//===----------------------------------------------------------------------===//
// Re-typing
//===----------------------------------------------------------------------===//

namespace {
/// Records every op inserted into `block` so a refused block can be undone.
struct InsertionRecorder : OpBuilder::Listener {
  Block *block;
  SmallVector<Operation *> created;
  explicit InsertionRecorder(Block *block) : block(block) {}
  void notifyOperationInserted(Operation *op,
                               OpBuilder::InsertPoint previous) override {
    if (op->getBlock() == block)
      created.push_back(op);
  }
};

/// One merge: inserts the token_merge and re-types its consumers. Nothing
/// old is changed before commit().
class MergeTransaction {
public:
  MergeTransaction(Block *block, bool protectFirst, bool proportional)
      : recorder(block), builder(block->getParentOp()->getContext()),
        protectFirst(protectFirst), proportional(proportional) {
    builder.setListener(&recorder);
  }

  /// Inserts the merge of `block.mergePoint` and re-types everything after
  /// it. On failure `failOp`/`failReason` say why; call rollback().
  LogicalResult run(BlockInfo info, int64_t r, Matching matching,
                    Value prevSize);
  void commit();
  void rollback();

  Operation *failOp = nullptr;
  std::string failReason;
  int64_t flopsSaved = 0;
  int64_t oldTokens = 0, newTokens = 0;
  TokenMergeOp mergeOp;

private:
  LogicalResult fail(Operation *op, const Twine &reason) {
    failOp = op;
    failReason = reason.str();
    return failure();
  }
  Value mapped(Value v) const {
    auto it = map.find(v);
    return it == map.end() ? Value() : it->second;
  }

  LogicalResult rebuild(Operation *op);
  LogicalResult rebuildLinalg(linalg::LinalgOp op);
  LogicalResult rebuildAttention(AttentionOp op);
  LogicalResult rebuildCollapse(tensor::CollapseShapeOp op);
  LogicalResult rebuildExpand(tensor::ExpandShapeOp op);
  /// Re-creates the reshape `op` (collapse or expand) on its mapped source
  /// with result shape `shape` and the same reassociation.
  template <typename ReshapeOp>
  LogicalResult recreateReshape(ReshapeOp op, ArrayRef<int64_t> shape);
  LogicalResult rebuildSlice(tensor::ExtractSliceOp op);
  LogicalResult sink(OpOperand &use);

  /// Re-creates `op` with new loop sizes (loop -> size; -1 = unchanged).
  FailureOr<Operation *> retypeLinalg(linalg::LinalgOp op,
                                      ArrayRef<int64_t> loops);
  /// A value of type `type` computed like `v` (same producer, more or fewer
  /// tokens): only for producers that do not depend on token positions.
  FailureOr<Value> pull(Value v, RankedTensorType type, Operation *consumer);
  /// Index of the group member of `sizes` that carries the token factor.
  FailureOr<int64_t> tokenMember(ArrayRef<int64_t> sizes, Operation *op);
  Value sizeWeighted(Value input, Operation *consumer);
  FailureOr<Value> proportionalBias(AttentionOp op, Value bias, int64_t lk);

  /// Records that `op` is replaced by `results`: results that kept their
  /// type are forwarded at commit, the others mapped.
  void recordReplacement(Operation *op, ValueRange results) {
    replaced.push_back(op);
    replacedSet.insert(op);
    for (auto [oldR, newR] : llvm::zip(op->getResults(), results))
      if (oldR.getType() == newR.getType())
        sameType.push_back({oldR, newR});
      else
        map[oldR] = newR;
  }

  InsertionRecorder recorder;
  OpBuilder builder;
  bool protectFirst, proportional;
  Value newSize;
  /// Old value -> re-typed value (only values whose type changed).
  DenseMap<Value, Value> map;
  /// Old ops replaced, in program order, and results to forward that kept
  /// their type.
  SmallVector<Operation *> replaced;
  SmallVector<std::pair<Value, Value>> sameType;
  DenseSet<Operation *> replacedSet;
  SmallVector<std::pair<OpOperand *, Value>> pendingOperands;
  DenseMap<std::pair<Value, Type>, Value> pulled;
};
} // namespace

static int64_t product(ArrayRef<int64_t> xs) {
  int64_t p = 1;
  for (int64_t x : xs)
    p *= x;
  return p;
}

/// Estimated FLOPs of a linalg op: iteration points times the arithmetic
/// ops of its body.
static int64_t linalgFlops(linalg::LinalgOp op, ArrayRef<int64_t> loops) {
  Block *body = op.getBlock();
  int64_t perPoint = body ? llvm::range_size(body->without_terminator()) : 0;
  return product(loops) * perPoint;
}

static int64_t attentionFlops(AttentionOp op) {
  auto q = op.getQueryType(), v = op.getValueType(), k = op.getKeyType();
  return 2 * (q.getDimSize(3) + v.getDimSize(3)) * q.getDimSize(0) *
         q.getDimSize(1) * q.getDimSize(2) * k.getDimSize(2);
}

/// Verifies `op` without printing: the verifier's message goes to `why`.
static LogicalResult quietVerify(Operation *op, std::string &why) {
  ::attn::CapturedDiagnostics captured(op->getContext());
  LogicalResult result = verify(op, /*verifyRecursively=*/false);
  if (why.empty())
    why = captured.getFirst();
  return result;
}

FailureOr<int64_t> MergeTransaction::tokenMember(ArrayRef<int64_t> sizes,
                                                 Operation *op) {
  int64_t found = -1;
  for (auto [i, s] : llvm::enumerate(sizes)) {
    if (s == ShapedType::kDynamic) {
      (void)fail(op, "it has a dynamic shape");
      return failure();
    }
    if (s % oldTokens != 0)
      continue;
    if (found >= 0) {
      (void)fail(op, "it is ambiguous which dimension holds the " +
                         Twine(oldTokens) + " tokens");
      return failure();
    }
    found = i;
  }
  if (found < 0) {
    (void)fail(op, "no dimension holds the " + Twine(oldTokens) + " tokens");
    return failure();
  }
  return found;
}

FailureOr<Value> MergeTransaction::pull(Value v, RankedTensorType type,
                                        Operation *consumer) {
  if (v.getType() == type)
    return v;
  if (Value m = mapped(v)) {
    if (m.getType() == type)
      return m;
    (void)fail(consumer, "an operand re-typed to " +
                             llvm::formatv("{0}", m.getType()).str() +
                             " does not fit");
    return failure();
  }
  auto key = std::make_pair(v, Type(type));
  if (Value done = pulled.lookup(key))
    return done;
  Operation *def = v.getDefiningOp();
  if (!def) {
    (void)fail(consumer, "a function argument carries the tokens");
    return failure();
  }
  Location loc = def->getLoc();
  Value result;
  if (isa<tensor::EmptyOp>(def)) {
    result = tensor::EmptyOp::create(builder, loc, type.getShape(),
                                     type.getElementType());
  } else if (auto cst = dyn_cast<arith::ConstantOp>(def)) {
    auto splat = dyn_cast<SplatElementsAttr>(cst.getValue());
    if (!splat) {
      (void)fail(def, "a constant that is not a splat carries the tokens");
      return failure();
    }
    result = arith::ConstantOp::create(
        builder, loc, type,
        DenseElementsAttr::get(type, splat.getSplatValue<Attribute>()));
  } else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(def)) {
    if (def->getNumResults() != 1) {
      (void)fail(def, "it has several results");
      return failure();
    }
    AffineMap outMap = linalgOp.getIndexingMapMatchingResult(cast<OpResult>(v));
    auto oldType = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> loops(linalgOp.getNumLoops(), -1);
    for (int64_t i = 0; i < oldType.getRank(); ++i) {
      if (oldType.getDimSize(i) == type.getDimSize(i))
        continue;
      auto dim = dyn_cast<AffineDimExpr>(outMap.getResult(i));
      if (!dim) {
        (void)fail(def, "its token dimension is not a loop");
        return failure();
      }
      loops[dim.getPosition()] = type.getDimSize(i);
    }
    FailureOr<Operation *> rebuilt = retypeLinalg(linalgOp, loops);
    if (failed(rebuilt))
      return failure();
    result = (*rebuilt)->getResult(0);
  } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def)) {
    auto srcType = expand.getSrcType();
    SmallVector<int64_t> srcShape(srcType.getShape());
    for (auto [g, group] : llvm::enumerate(expand.getReassociationIndices())) {
      int64_t p = 1;
      for (int64_t d : group)
        p *= type.getDimSize(d);
      srcShape[g] = p;
    }
    FailureOr<Value> src = pull(expand.getSrc(), srcType.clone(srcShape), def);
    if (failed(src))
      return failure();
    result = tensor::ExpandShapeOp::create(builder, loc, type, *src,
                                           expand.getReassociationIndices());
  } else {
    (void)fail(def, "cannot re-type '" + def->getName().getStringRef() +
                        "' for " + Twine(newTokens) + " tokens");
    return failure();
  }
  pulled[key] = result;
  return result;
}

FailureOr<Operation *> MergeTransaction::retypeLinalg(linalg::LinalgOp op,
                                                      ArrayRef<int64_t> loops) {
  Operation *raw = op.getOperation();
  SmallVector<int64_t> oldLoops = op.getStaticLoopRanges();
  if (llvm::any_of(oldLoops, ShapedType::isDynamic)) {
    (void)fail(raw, "it has dynamic loop bounds");
    return failure();
  }
  SmallVector<int64_t> newLoops(oldLoops);
  for (auto [l, s] : llvm::enumerate(loops))
    if (s >= 0)
      newLoops[l] = s;
  // Position-dependent bodies mean nothing after tokens moved.
  bool usesIndex = false;
  op.getBlock()->walk([&](linalg::IndexOp index) {
    if (loops[index.getDim()] >= 0)
      usesIndex = true;
  });
  if (usesIndex) {
    (void)fail(raw, "its body reads the position (linalg.index) along the "
                    "token dimension");
    return failure();
  }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  bool tokenReduction = false;
  for (auto [l, s] : llvm::enumerate(loops))
    if (s >= 0 && iterators[l] == utils::IteratorType::reduction)
      tokenReduction = true;

  IRMapping mapping;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (OpOperand &operand : raw->getOpOperands()) {
    auto oldType = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!oldType)
      continue;
    AffineMap map = maps[operand.getOperandNumber()];
    SmallVector<int64_t> shape(oldType.getShape());
    for (int64_t i = 0; i < oldType.getRank(); ++i) {
      AffineExpr e = map.getResult(i);
      if (auto dim = dyn_cast<AffineDimExpr>(e)) {
        if (loops[dim.getPosition()] >= 0 &&
            oldType.getDimSize(i) == oldLoops[dim.getPosition()])
          shape[i] = newLoops[dim.getPosition()];
        continue;
      }
      bool touches = false;
      e.walk([&](AffineExpr sub) {
        if (auto d = dyn_cast<AffineDimExpr>(sub))
          touches |= loops[d.getPosition()] >= 0;
      });
      if (touches) {
        (void)fail(raw, "an indexing map computes on the token dimension");
        return failure();
      }
    }
    FailureOr<Value> value = pull(operand.get(), oldType.clone(shape), raw);
    if (failed(value))
      return failure();
    mapping.map(operand.get(), *value);
  }
  if (tokenReduction) {
    // A sum over tokens (mean pooling) becomes size-weighted.
    auto generic = dyn_cast<linalg::GenericOp>(raw);
    bool isSum = false;
    if (generic && generic.getNumDpsInputs() == 1 &&
        generic.getNumDpsInits() == 1) {
      Block &body = generic.getRegion().front();
      auto addf = dyn_cast<arith::AddFOp>(&body.front());
      isSum = body.getOperations().size() == 2 && addf &&
              llvm::is_contained(body.getTerminator()->getOperands(),
                                 addf.getResult()) &&
              ((addf.getLhs() == body.getArgument(0) &&
                addf.getRhs() == body.getArgument(1)) ||
               (addf.getRhs() == body.getArgument(0) &&
                addf.getLhs() == body.getArgument(1)));
    }
    if (!isSum) {
      (void)fail(raw, "it reduces over the token dimension and is not a sum");
      return failure();
    }
    Value input = generic.getInputs()[0];
    Operation *inputDef = input.getDefiningOp();
    if (!(inputDef && inputDef->hasAttr(kSizeWeightAttr))) {
      Value weighted = sizeWeighted(mapping.lookup(input), raw);
      if (!weighted)
        return failure();
      mapping.map(input, weighted);
    }
  }
  Operation *clone = builder.clone(*raw, mapping);
  for (auto [result, init] :
       llvm::zip(clone->getResults(),
                 cast<DestinationStyleOpInterface>(clone).getDpsInits()))
    result.setType(init.getType());
  std::string why;
  if (failed(quietVerify(clone, why))) {
    (void)fail(raw, "the re-typed op does not verify: " + Twine(why));
    return failure();
  }
  flopsSaved += linalgFlops(op, oldLoops) - linalgFlops(op, newLoops);
  return clone;
}

Value MergeTransaction::sizeWeighted(Value input, Operation *consumer) {
  auto type = cast<RankedTensorType>(input.getType());
  auto sizeType = cast<RankedTensorType>(newSize.getType());
  // The token dimension is the one of newTokens; the batch is dimension 0.
  int64_t tokenDim = -1;
  for (int64_t i = 1; i < type.getRank(); ++i)
    if (type.getDimSize(i) == newTokens)
      tokenDim = tokenDim < 0 ? i : -2;
  if (tokenDim < 0 || type.getDimSize(0) != sizeType.getDimSize(0) ||
      !isa<FloatType>(type.getElementType())) {
    (void)fail(consumer, "cannot weight a sum over tokens by the token sizes");
    return Value();
  }
  MLIRContext *ctx = builder.getContext();
  int64_t rank = type.getRank();
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap sizeMap = AffineMap::get(
      rank, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(tokenDim, ctx)},
      ctx);
  Location loc = consumer->getLoc();
  Value empty = tensor::EmptyOp::create(builder, loc, type.getShape(),
                                        type.getElementType());
  auto generic = linalg::GenericOp::create(
      builder, loc, type, ValueRange{input, newSize}, ValueRange{empty},
      ArrayRef<AffineMap>{id, sizeMap, id},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value s = args[1];
        if (s.getType() != args[0].getType())
          s = arith::TruncFOp::create(b, l, args[0].getType(), s);
        linalg::YieldOp::create(
            b, l, arith::MulFOp::create(b, l, args[0], s).getResult());
      });
  generic->setAttr(kSizeWeightAttr, builder.getUnitAttr());
  return generic.getResult(0);
}

FailureOr<Value> MergeTransaction::proportionalBias(AttentionOp op, Value bias,
                                                    int64_t lk) {
  auto sizeType = cast<RankedTensorType>(newSize.getType());
  int64_t batch = op.getQueryType().getDimSize(0);
  if (sizeType.getDimSize(0) != batch || sizeType.getDimSize(1) != lk) {
    (void)fail(op, "its keys are not the merged tokens");
    return failure();
  }
  Type elem = op.getQueryType().getElementType();
  SmallVector<int64_t> shape{batch, 1, 1, lk};
  MLIRContext *ctx = builder.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (bias) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 4) {
      (void)fail(op, "its bias is not 4-D, it cannot take the proportional "
                     "attention term");
      return failure();
    }
    elem = biasType.getElementType();
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < 4; ++i) {
      int64_t s = biasType.getDimSize(i);
      if (i == 3) {
        exprs.push_back(s == 1 ? zero : d(3));
        continue;
      }
      shape[i] = std::max(shape[i], s);
      exprs.push_back(s == 1 && shape[i] != 1 ? zero : d(i));
    }
    inputs.push_back(bias);
    maps.push_back(AffineMap::get(4, 0, exprs, ctx));
  }
  inputs.push_back(newSize);
  maps.push_back(AffineMap::get(4, 0, {d(0), d(3)}, ctx));
  maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
  Location loc = op.getLoc();
  Value empty = tensor::EmptyOp::create(builder, loc, shape, elem);
  bool hasBias = static_cast<bool>(bias);
  auto generic = linalg::GenericOp::create(
      builder, loc, RankedTensorType::get(shape, elem), inputs,
      ValueRange{empty}, maps,
      SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value s = args[hasBias ? 1 : 0];
        Value lnS = math::LogOp::create(b, l, s);
        Type outElem = args.back().getType();
        if (lnS.getType() != outElem)
          lnS = cast<FloatType>(outElem).getWidth() <
                        cast<FloatType>(lnS.getType()).getWidth()
                    ? arith::TruncFOp::create(b, l, outElem, lnS).getResult()
                    : arith::ExtFOp::create(b, l, outElem, lnS).getResult();
        Value out = hasBias ? arith::AddFOp::create(b, l, args[0], lnS) : lnS;
        linalg::YieldOp::create(b, l, out);
      });
  generic->setAttr(kSizeBiasAttr, builder.getUnitAttr());
  return generic.getResult(0);
}

LogicalResult MergeTransaction::rebuildLinalg(linalg::LinalgOp op) {
  Operation *raw = op.getOperation();
  SmallVector<int64_t> loops(op.getNumLoops(), -1);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (OpOperand &operand : raw->getOpOperands()) {
    Value m = mapped(operand.get());
    if (!m)
      continue;
    auto oldType = cast<RankedTensorType>(operand.get().getType());
    auto newType = cast<RankedTensorType>(m.getType());
    AffineMap map = maps[operand.getOperandNumber()];
    for (int64_t i = 0; i < oldType.getRank(); ++i) {
      if (oldType.getDimSize(i) == newType.getDimSize(i))
        continue;
      auto dim = dyn_cast<AffineDimExpr>(map.getResult(i));
      if (!dim)
        return fail(raw, "the token dimension of operand #" +
                             Twine(operand.getOperandNumber()) +
                             " is not a loop of its indexing map");
      int64_t &l = loops[dim.getPosition()];
      if (l >= 0 && l != newType.getDimSize(i))
        return fail(raw, "its operands disagree on the token count");
      l = newType.getDimSize(i);
    }
  }
  FailureOr<Operation *> clone = retypeLinalg(op, loops);
  if (failed(clone))
    return failure();
  recordReplacement(raw, (*clone)->getResults());
  return success();
}

LogicalResult MergeTransaction::rebuildAttention(AttentionOp op) {
  if (op.getQOffset() || op.getQLenAttr())
    return fail(op, "a row tile of attention (q_offset) cannot be re-typed");
  if (!op.getEffectivePattern().isDense())
    return fail(op, "its pattern depends on token positions");
  if (op.hasScoreMod())
    return fail(op, "its score_mod region reads token positions, which "
                    "merging renumbers");
  if (op.getLse())
    return fail(op, "its log-sum-exp result sums over the keys, which "
                    "merging changes");
  auto get = [&](Value v) {
    Value m = v ? mapped(v) : Value();
    return m ? m : v;
  };
  Value q = get(op.getQuery()), k = get(op.getKey()), v = get(op.getValue());
  auto qType = cast<RankedTensorType>(q.getType());
  auto kType = cast<RankedTensorType>(k.getType());
  auto vType = cast<RankedTensorType>(v.getType());
  int64_t oldLq = op.getQueryType().getDimSize(2);
  int64_t oldLk = op.getKeyType().getDimSize(2);
  int64_t lq = qType.getDimSize(2), lk = kType.getDimSize(2);
  auto fitMask = [&](Value m) -> FailureOr<Value> {
    if (!m)
      return Value();
    if (Value re = mapped(m))
      return re;
    auto type = cast<RankedTensorType>(m.getType());
    SmallVector<int64_t> shape(type.getShape());
    int64_t rank = type.getRank();
    if (rank >= 2 && shape[rank - 2] == oldLq)
      shape[rank - 2] = lq;
    if (rank >= 1 && shape[rank - 1] == oldLk)
      shape[rank - 1] = lk;
    return pull(m, type.clone(shape), op);
  };
  FailureOr<Value> bias = fitMask(op.getBias());
  FailureOr<Value> mask = fitMask(op.getMask());
  if (failed(bias) || failed(mask))
    return failure();
  Value newBias = *bias;
  if (proportional && lk != oldLk) {
    Operation *biasDef = op.getBias() ? op.getBias().getDefiningOp() : nullptr;
    if (!(biasDef && biasDef->hasAttr(kSizeBiasAttr))) {
      FailureOr<Value> withSize = proportionalBias(op, newBias, lk);
      if (failed(withSize))
        return failure();
      newBias = *withSize;
    }
  }
  Type resultType = RankedTensorType::get(
      {qType.getDimSize(0), qType.getDimSize(1), lq, vType.getDimSize(3)},
      op.getResultType().getElementType());
  auto rebuilt = AttentionOp::create(
      builder, op.getLoc(), resultType, /*lse=*/Type(), q, k, v, newBias, *mask,
      op.getSink(), Value(), op.getScaleAttr(), op.getPatternAttr(),
      op.getNormalizerAttr(), op.getSoftcapAttr(), IntegerAttr());
  std::string why;
  if (failed(quietVerify(rebuilt, why)))
    return fail(op, "the re-typed attention does not verify: " + Twine(why));
  flopsSaved += attentionFlops(op) - attentionFlops(rebuilt);
  recordReplacement(op, rebuilt->getResults());
  return success();
}

template <typename ReshapeOp>
LogicalResult MergeTransaction::recreateReshape(ReshapeOp op,
                                                ArrayRef<int64_t> shape) {
  auto rebuilt =
      ReshapeOp::create(builder, op.getLoc(), op.getResultType().clone(shape),
                        mapped(op.getSrc()), op.getReassociationIndices());
  recordReplacement(op, rebuilt->getResults());
  return success();
}

LogicalResult MergeTransaction::rebuildCollapse(tensor::CollapseShapeOp op) {
  auto src = cast<RankedTensorType>(mapped(op.getSrc()).getType());
  SmallVector<int64_t> shape;
  for (const ReassociationIndices &group : op.getReassociationIndices()) {
    int64_t p = 1;
    for (int64_t d : group)
      p *= src.getDimSize(d);
    shape.push_back(p);
  }
  return recreateReshape(op, shape);
}

LogicalResult MergeTransaction::rebuildExpand(tensor::ExpandShapeOp op) {
  auto oldSrc = op.getSrcType();
  auto src = cast<RankedTensorType>(mapped(op.getSrc()).getType());
  SmallVector<int64_t> shape(op.getResultType().getShape());
  for (auto [g, group] : llvm::enumerate(op.getReassociationIndices())) {
    if (oldSrc.getDimSize(g) == src.getDimSize(g))
      continue;
    SmallVector<int64_t> sizes;
    for (int64_t d : group)
      sizes.push_back(shape[d]);
    FailureOr<int64_t> member = tokenMember(sizes, op);
    if (failed(member))
      return failure();
    int64_t d = group[*member];
    shape[d] = shape[d] / oldTokens * newTokens;
    if (product(ArrayRef<int64_t>(sizes)) / sizes[*member] * shape[d] !=
        src.getDimSize(g))
      return fail(op, "the token dimension does not split evenly");
  }
  return recreateReshape(op, shape);
}

LogicalResult MergeTransaction::rebuildSlice(tensor::ExtractSliceOp op) {
  if (!op.hasUnitStride() || !op.getOffsets().empty() || !op.getSizes().empty())
    return fail(op, "only static unit-stride slices can be re-typed");
  auto oldSrc = op.getSourceType();
  auto src = cast<RankedTensorType>(mapped(op.getSource()).getType());
  SmallVector<int64_t> sizes(op.getStaticSizes());
  ArrayRef<int64_t> offsets = op.getStaticOffsets();
  for (int64_t i = 0; i < oldSrc.getRank(); ++i) {
    if (oldSrc.getDimSize(i) == src.getDimSize(i))
      continue;
    if (offsets[i] == 0 && sizes[i] == oldSrc.getDimSize(i)) {
      sizes[i] = src.getDimSize(i);
      continue;
    }
    // The class token stays first with protect_first (both matchings keep
    // the unmerged tokens of A / the survivors in their original order).
    if (protectFirst && offsets[i] == 0 && sizes[i] == 1 &&
        oldSrc.getDimSize(i) == oldTokens)
      continue;
    return fail(op, "it takes part of the token dimension (only all tokens, "
                    "or the class token with protect-first, survive "
                    "merging)");
  }
  llvm::SmallBitVector dropped = op.getDroppedDims();
  SmallVector<int64_t> resultShape;
  for (int64_t i = 0; i < oldSrc.getRank(); ++i)
    if (!dropped.test(i))
      resultShape.push_back(sizes[i]);
  auto resultType = op.getResultType().clone(resultShape);
  SmallVector<OpFoldResult> ofrOffsets, ofrSizes, ofrStrides;
  for (int64_t i = 0; i < oldSrc.getRank(); ++i) {
    ofrOffsets.push_back(builder.getIndexAttr(offsets[i]));
    ofrSizes.push_back(builder.getIndexAttr(sizes[i]));
    ofrStrides.push_back(builder.getIndexAttr(1));
  }
  auto rebuilt = tensor::ExtractSliceOp::create(
      builder, op.getLoc(), resultType, mapped(op.getSource()), ofrOffsets,
      ofrSizes, ofrStrides);
  recordReplacement(op, rebuilt->getResults());
  return success();
}

LogicalResult MergeTransaction::sink(OpOperand &use) {
  Value m = mapped(use.get());
  auto oldType = cast<RankedTensorType>(use.get().getType());
  auto newType = cast<RankedTensorType>(m.getType());
  if (oldType.getRank() != 3 || oldType.getDimSize(1) != oldTokens ||
      newType.getDimSize(1) != newTokens ||
      oldType.getDimSize(0) != newType.getDimSize(0) ||
      oldType.getDimSize(2) != newType.getDimSize(2))
    return fail(use.getOwner(),
                "operand #" + Twine(use.getOperandNumber()) +
                    " carries merged tokens but is not B x N x C, so no "
                    "attn.token_unmerge can restore it");
  auto unmerge = TokenUnmergeOp::create(builder, use.getOwner()->getLoc(),
                                        oldType, m, mergeOp.getSource());
  pendingOperands.push_back({&use, unmerge.getResult()});
  return success();
}

LogicalResult MergeTransaction::rebuild(Operation *op) {
  builder.setInsertionPoint(op);
  if (op->hasTrait<OpTrait::IsTerminator>() || isa<TokenUnmergeOp>(op)) {
    for (OpOperand &use : op->getOpOperands())
      if (mapped(use.get()) && failed(sink(use)))
        return failure();
    return success();
  }
  // attn.attention's region is its score_mod, which rebuildAttention checks.
  if (auto attention = dyn_cast<AttentionOp>(op))
    return rebuildAttention(attention);
  if (op->getNumRegions() > 0 && !isa<linalg::LinalgOp>(op))
    return fail(op, "cannot re-type '" + op->getName().getStringRef() +
                        "' (an op with regions) for " + Twine(newTokens) +
                        " tokens");
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    if (!linalgOp.hasPureTensorSemantics())
      return fail(op, "it works on buffers");
    return rebuildLinalg(linalgOp);
  }
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op))
    return rebuildCollapse(collapse);
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
    return rebuildExpand(expand);
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op))
    return rebuildSlice(slice);
  return fail(op, "cannot re-type '" + op->getName().getStringRef() + "' for " +
                      Twine(newTokens) + " tokens");
}

LogicalResult MergeTransaction::run(BlockInfo info, int64_t r,
                                    Matching matching, Value prevSize) {
  Value tokens = info.mergePoint;
  auto tokensType = cast<RankedTensorType>(tokens.getType());
  AttentionOp attention = info.attention;
  RankedTensorType keyType = attention.getKeyType();
  oldTokens = tokensType.getDimSize(1);
  newTokens = oldTokens - r;
  int64_t batch = tokensType.getDimSize(0);
  Operation *def = tokens.getDefiningOp();
  builder.setInsertionPointAfter(def);
  Location loc = def->getLoc();
  MLIRContext *ctx = builder.getContext();

  // metric[b, n, d] = mean over heads of key[b, h, n, d].
  Type keyElem = keyType.getElementType();
  int64_t heads = keyType.getDimSize(1), depth = keyType.getDimSize(3);
  SmallVector<int64_t> metricShape{batch, oldTokens, depth};
  Value zero = arith::ConstantOp::create(builder, loc, keyElem,
                                         builder.getZeroAttr(keyElem));
  Value init = linalg::FillOp::create(builder, loc, zero,
                                      ValueRange{tensor::EmptyOp::create(
                                          builder, loc, metricShape, keyElem)})
                   .getResult(0);
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  // Loops (b, n, d, h).
  AffineMap keyMap = AffineMap::get(4, 0, {d(0), d(3), d(1), d(2)}, ctx);
  AffineMap outMap = AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx);
  Value invHeads = arith::ConstantOp::create(
      builder, loc, keyElem, builder.getFloatAttr(keyElem, 1.0 / heads));
  Value metric =
      linalg::GenericOp::create(
          builder, loc, init.getType(), ValueRange{attention.getKey()},
          ValueRange{init}, ArrayRef<AffineMap>{keyMap, outMap},
          ArrayRef<utils::IteratorType>{
              utils::IteratorType::parallel, utils::IteratorType::parallel,
              utils::IteratorType::parallel, utils::IteratorType::reduction},
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value scaled = arith::MulFOp::create(b, l, args[0], invHeads);
            linalg::YieldOp::create(
                b, l, arith::AddFOp::create(b, l, scaled, args[1]).getResult());
          })
          .getResult(0);

  Type sizeElem =
      prevSize ? cast<RankedTensorType>(prevSize.getType()).getElementType()
               : Type(Float32Type::get(ctx));
  mergeOp = TokenMergeOp::create(
      builder, loc,
      tokensType.clone({batch, newTokens, tokensType.getDimSize(2)}),
      RankedTensorType::get({batch, newTokens}, sizeElem),
      RankedTensorType::get({batch, oldTokens}, builder.getIndexType()), tokens,
      metric, prevSize, static_cast<uint64_t>(r), protectFirst, matching);
  std::string why;
  if (failed(quietVerify(mergeOp, why)))
    return fail(def, "the token merge does not verify: " + Twine(why));
  newSize = mergeOp.getMergedSize();
  map[tokens] = mergeOp.getMerged();
  if (prevSize)
    map[prevSize] = newSize;

  // Every op after the merge, in order; new ops go before the op they
  // replace, so the walk never meets them.
  for (Operation *op = mergeOp->getNextNode(); op; op = op->getNextNode()) {
    bool touches =
        llvm::any_of(op->getOperands(), [&](Value v) { return map.count(v); });
    bool nested = false;
    for (Region &region : op->getRegions())
      region.walk([&](Operation *inner) {
        for (Value v : inner->getOperands())
          nested |= map.count(v) > 0;
      });
    if (nested)
      return fail(op, "a value with merged tokens is used inside '" +
                          op->getName().getStringRef() + "'");
    if (touches && failed(rebuild(op)))
      return failure();
  }
  // Every use of a re-typed value must be gone with the ops replaced.
  for (auto &[oldV, newV] : map) {
    for (OpOperand &use : oldV.getUses()) {
      Operation *owner = use.getOwner();
      Operation *top = mergeOp->getBlock()->findAncestorOpInBlock(*owner);
      // Uses before the merge (the previous sizes in this block's own
      // attention) keep the old value.
      if (top && top != mergeOp.getOperation() && top->isBeforeInBlock(mergeOp))
        continue;
      if (owner == mergeOp || replacedSet.count(owner) ||
          llvm::any_of(pendingOperands,
                       [&](auto &p) { return p.first == &use; }))
        continue;
      return fail(owner, "'" + owner->getName().getStringRef() +
                             "' uses a value with merged tokens and was not "
                             "re-typed");
    }
  }
  return success();
}

void MergeTransaction::commit() {
  for (auto &[operand, value] : pendingOperands)
    operand->set(value);
  for (auto &[oldV, newV] : sameType)
    oldV.replaceAllUsesWith(newV);
  for (Operation *op : llvm::reverse(replaced)) {
    op->dropAllUses();
    op->erase();
  }
}

void MergeTransaction::rollback() {
  for (Operation *op : llvm::reverse(recorder.created)) {
    op->dropAllUses();
    op->erase();
  }
  recorder.created.clear();
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {
struct AttnTokenMergePass
    : mlir::attn::impl::AttnTokenMergePassBase<AttnTokenMergePass> {
  using Base::Base;
  ATTN_PASS_OPTION_ERRORS

  void runOnOperation() override {
    std::optional<Matching> matchingKind;
    if (matching == "bipartite")
      matchingKind = Matching::bipartite;
    else if (matching == "complete-graph" || matching == "complete_graph")
      matchingKind = Matching::complete_graph;
    if (!matchingKind) {
      getOperation().emitError()
          << "attn-token-merge: matching must be bipartite or "
             "complete-graph, got '"
          << matching << "'";
      return signalPassFailure();
    }
    for (int64_t v : r)
      if (v < 0) {
        getOperation().emitError()
            << "attn-token-merge: r must be >= 0, got " << v;
        return signalPassFailure();
      }
    if (!(inflect >= -1.0 && inflect <= 1.0)) {
      getOperation().emitError()
          << "attn-token-merge: inflect must be in [-1, 1], got " << inflect;
      return signalPassFailure();
    }
    IndexSelection selection;
    if (!StringRef(blocks).trim().empty()) {
      std::string error;
      FailureOr<IndexSelection> parsed =
          IndexSelection::parse(blocks, "blocks", error);
      if (failed(parsed)) {
        getOperation().emitError() << "attn-token-merge: " << error;
        return signalPassFailure();
      }
      selection = *parsed;
    }
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && func.getBody().hasOneBlock() &&
          failed(runOnFunction(func, selection, *matchingKind)))
        return signalPassFailure();
  }

  void record(StringRef name, int64_t value) {
    ::attn::stats::add(getArgument(), name, value);
  }

  /// Blocks of `func` in program order (refusal remarks for the others).
  SmallVector<BlockInfo> detect(func::FuncOp func, bool remarks) {
    SmallVector<BlockInfo> found;
    func.walk([&](AttentionOp op) {
      if (op->getBlock() != &func.getBody().front())
        return;
      std::string why;
      FailureOr<BlockInfo> info = findBlock(op, why);
      if (succeeded(info))
        found.push_back(*info);
      else if (remarks)
        op.emitRemark() << "attn-token-merge: attention is not part of a "
                           "transformer block: "
                        << why;
    });
    return found;
  }

  LogicalResult runOnFunction(func::FuncOp func,
                              const IndexSelection &selection,
                              Matching matchingKind) {
    Block *body = &func.getBody().front();
    int64_t numBlocks = detect(func, /*remarks=*/true).size();
    if (selection.getMax() >= numBlocks)
      return func.emitError()
             << "attn-token-merge: blocks= names block " << selection.getMax()
             << " but @" << func.getSymName() << " has " << numBlocks
             << " transformer blocks"
             << (numBlocks ? " (0 to " + std::to_string(numBlocks - 1) + ")"
                           : std::string());
    SmallVector<int64_t> schedule = scheduleR(r, inflect, numBlocks);
    Value size;
    bool anyMerged = false;
    for (int64_t index = 0; index < numBlocks; ++index) {
      if ((!selection.ranges.empty() && !selection.contains(index)) ||
          schedule[index] == 0)
        continue;
      // Detect again: the previous merge rebuilt the ops after it.
      SmallVector<BlockInfo> found = detect(func, /*remarks=*/false);
      if ((int64_t)found.size() != numBlocks) {
        func.emitRemark() << "attn-token-merge: block " << index
                          << " not merged: the blocks are no longer "
                             "recognisable after the previous merges";
        ++numBlocksRefused;
        record("blocks-refused", 1);
        break;
      }
      BlockInfo info = found[index];
      auto tokensType = cast<RankedTensorType>(info.mergePoint.getType());
      int64_t n = tokensType.getDimSize(1);
      int64_t protect = protectFirst ? 1 : 0;
      int64_t maxR = matchingKind == Matching::bipartite ? (n + 1) / 2 - protect
                                                         : n - 1 - protect;
      int64_t rBlock = schedule[index];
      if (rBlock > maxR) {
        info.attention.emitRemark()
            << "attn-token-merge: block " << index << ": r = " << rBlock
            << " clamped to " << std::max<int64_t>(maxR, 0)
            << ", the most that " << stringifyMatching(matchingKind)
            << " matching merges away from " << n << " tokens";
        rBlock = std::max<int64_t>(maxR, 0);
      }
      if (rBlock == 0)
        continue;
      // Sizes exist only once a merge happened upstream of this block.
      Value prevSize = anyMerged ? size : Value();
      MergeTransaction tx(body, protectFirst, proportional);
      if (failed(tx.run(info, rBlock, matchingKind, prevSize))) {
        Operation *at = tx.failOp ? tx.failOp : info.attention.getOperation();
        at->emitRemark() << "attn-token-merge: block " << index
                         << " not merged: '" << at->getName().getStringRef()
                         << "': " << tx.failReason;
        tx.rollback();
        ++numBlocksRefused;
        record("blocks-refused", 1);
        continue;
      }
      tx.commit();
      size = tx.mergeOp.getMergedSize();
      anyMerged = true;
      ++numBlocksMerged;
      numTokensRemoved += rBlock;
      numFlopsSaved += std::max<int64_t>(tx.flopsSaved, 0);
      record("blocks-merged", 1);
      record("tokens-removed", rBlock);
      record("flops-saved", std::max<int64_t>(tx.flopsSaved, 0));
    }
    // Markers are internal; dead producers of the old types go.
    IRRewriter rewriter(func.getContext());
    (void)runRegionDCE(rewriter, func.getBody());
    func.walk([](Operation *op) {
      op->removeAttr(kSizeBiasAttr);
      op->removeAttr(kSizeWeightAttr);
    });
    return success();
  }
};
} // namespace
