//===- Oracle.cpp - The naive oracle applied to attn ops ------------------===//
//
// FLOP accounting (SPEC section 6) and the bridge from a single-op entry
// function to the naive C++ reference (`attn-run --oracle=naive`). Everything
// here reads attributes and shapes and never evaluates dialect code on data.
//
//===----------------------------------------------------------------------===//

#include "attn/Reference/Oracle.h"

#include "attn/Dialect/Attn/IR/Attn.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <deque>
#include <string>

namespace ir = ::mlir::attn;
namespace ref = ::attn::ref;

using llvm::Expected;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Prints an attribute for error messages.
std::string toString(mlir::Attribute attr) {
  std::string text;
  llvm::raw_string_ostream os(text);
  attr.print(os);
  return text;
}

//===----------------------------------------------------------------------===//
// FLOP accounting
//===----------------------------------------------------------------------===//

/// Visible (i, j) pairs of `op`, or nullopt when they cannot be known
/// statically (dynamic shapes, non-constant q_offset).
std::optional<int64_t> countVisiblePairs(ir::AttentionOp op) {
  mlir::RankedTensorType queryType = op.getQueryType();
  mlir::RankedTensorType keyType = op.getKeyType();
  if (!queryType.hasStaticShape() || !keyType.hasStaticShape() ||
      queryType.getRank() != 4 || keyType.getRank() != 4)
    return std::nullopt;
  int64_t lq = queryType.getDimSize(2);
  int64_t lk = keyType.getDimSize(2);
  int64_t logicalLq = op.getLogicalQueryLength();
  if (mlir::ShapedType::isDynamic(logicalLq))
    return std::nullopt;

  int64_t offset = 0;
  if (mlir::Value qOffset = op.getQOffset()) {
    std::optional<int64_t> constant = mlir::getConstantIntValue(qOffset);
    if (!constant)
      return std::nullopt;
    offset = *constant;
  }

  ir::PatternAttrInterface pattern = op.getEffectivePattern();
  if (offset == 0 && logicalLq == lq)
    return pattern.countVisiblePairs(lq, lk);
  // A tile of a larger logical query: count its own rows only.
  int64_t count = 0;
  for (int64_t i = 0; i < lq; ++i)
    count += pattern.getVisibleCount(offset + i, logicalLq, lk);
  return count;
}

} // namespace

double attn::ref::countUsefulFlops(mlir::func::FuncOp func, int64_t &numOps) {
  numOps = 0;
  double flops = 0.0;
  func.walk([&](ir::AttentionOp op) {
    mlir::RankedTensorType queryType = op.getQueryType();
    mlir::RankedTensorType valueType = op.getValueType();
    if (!queryType.hasStaticShape() || !valueType.hasStaticShape() ||
        queryType.getRank() != 4 || valueType.getRank() != 4)
      return;
    std::optional<int64_t> visible = countVisiblePairs(op);
    if (!visible)
      return;
    double batch = static_cast<double>(queryType.getDimSize(0));
    double heads = static_cast<double>(queryType.getDimSize(1));
    double d = static_cast<double>(queryType.getDimSize(3));
    double dv = static_cast<double>(valueType.getDimSize(3));
    flops += 2.0 * (d + dv) * batch * heads * static_cast<double>(*visible);
    ++numOps;
  });
  return flops;
}

//===----------------------------------------------------------------------===//
// Naive oracle
//===----------------------------------------------------------------------===//

namespace {

Expected<ref::Pattern> convertPattern(ir::PatternAttrInterface attr) {
  ref::Pattern pattern;
  bool supported = llvm::TypeSwitch<mlir::Attribute, bool>(attr)
                       .Case([&](ir::DenseAttr) {
                         pattern.kind = ref::PatternKind::Dense;
                         return true;
                       })
                       .Case([&](ir::CausalAttr) {
                         pattern.kind = ref::PatternKind::Causal;
                         return true;
                       })
                       .Case([&](ir::WindowAttr window) {
                         pattern.kind = ref::PatternKind::Window;
                         pattern.left = window.getLeft();
                         pattern.right = window.getRight();
                         pattern.sinks = window.getSinks();
                         return true;
                       })
                       .Case([&](ir::NeighborhoodAttr hood) {
                         pattern.kind = ref::PatternKind::Neighborhood;
                         pattern.shape.assign(hood.getShape().begin(),
                                              hood.getShape().end());
                         pattern.kernel.assign(hood.getKernel().begin(),
                                               hood.getKernel().end());
                         pattern.dilation.assign(hood.getDilation().begin(),
                                                 hood.getDilation().end());
                         pattern.stride.assign(hood.getStride().begin(),
                                               hood.getStride().end());
                         for (int64_t causal : hood.getCausal())
                           pattern.causal.push_back(causal != 0);
                         return true;
                       })
                       .Case([&](ir::BlockSparseAttr sparse) {
                         mlir::DenseIntElementsAttr layout = sparse.getLayout();
                         mlir::ShapedType layoutType = layout.getType();
                         if (layoutType.getRank() != 2 ||
                             !layoutType.getElementType().isInteger(1))
                           return false;
                         pattern.kind = ref::PatternKind::BlockSparse;
                         pattern.blockQ = sparse.getBlockQ();
                         pattern.blockK = sparse.getBlockK();
                         pattern.layoutRows = layoutType.getDimSize(0);
                         pattern.layoutCols = layoutType.getDimSize(1);
                         for (bool visible : layout.getValues<bool>())
                           pattern.layout.push_back(visible);
                         return true;
                       })
                       .Default([](mlir::Attribute) { return false; });
  if (!supported)
    return makeError("the naive oracle does not support pattern " +
                     toString(attr));
  return pattern;
}

Expected<ref::Normalizer> convertNormalizer(ir::NormalizerAttrInterface attr) {
  ref::Normalizer normalizer;
  bool supported =
      llvm::TypeSwitch<mlir::Attribute, bool>(attr)
          .Case([&](ir::SoftmaxAttr softmax) {
            switch (softmax.getSink()) {
            case ir::SinkKind::none:
              normalizer.kind = ref::NormKind::Softmax;
              return true;
            case ir::SinkKind::learned:
              normalizer.kind = ref::NormKind::SoftmaxLearnedSink;
              return true;
            case ir::SinkKind::zero:
              normalizer.kind = ref::NormKind::SoftmaxZeroSink;
              return true;
            }
            return false;
          })
          .Case([&](ir::ReluAttr relu) {
            normalizer.kind = ref::NormKind::Relu;
            switch (relu.getNorm()) {
            case ir::ReluNorm::seq_len:
              normalizer.reluNorm = ref::ReluNorm::SeqLen;
              return true;
            case ir::ReluNorm::visible:
              normalizer.reluNorm = ref::ReluNorm::Visible;
              return true;
            case ir::ReluNorm::none:
              normalizer.reluNorm = ref::ReluNorm::None;
              return true;
            }
            return false;
          })
          .Case([&](ir::SigmoidAttr sigmoid) {
            normalizer.kind = ref::NormKind::Sigmoid;
            if (mlir::FloatAttr bias = sigmoid.getBias())
              normalizer.sigmoidBias = bias.getValueAsDouble();
            return true;
          })
          .Case([&](ir::SoftplusL1Attr softplus) {
            normalizer.kind = ref::NormKind::SoftplusL1;
            if (mlir::IntegerAttr trainLen = softplus.getTrainLen())
              normalizer.trainLen =
                  static_cast<double>(trainLen.getValue().getSExtValue());
            return true;
          })
          .Case([&](ir::ActAttr act) {
            normalizer.kind = ref::NormKind::Softmax;
            normalizer.actThreshold = act.getThreshold().convertToDouble();
            normalizer.actFactor = act.getFactor().convertToDouble();
            return true;
          })
          .Default([](mlir::Attribute) { return false; });
  if (!supported)
    return makeError("the naive oracle does not support normalizer " +
                     toString(attr));
  return normalizer;
}

/// Maps the operands of the single op to function arguments.
class OperandMap {
public:
  OperandMap(mlir::func::FuncOp func, const std::vector<ref::Tensor> &inputs)
      : func(func), inputs(inputs) {}

  /// The input tensor bound to `value`: a function argument, or a dense
  /// arith.constant of integers or floats (e.g. sinks or a calibration bias
  /// that a pass inserted).
  Expected<const ref::Tensor *> lookup(mlir::Value value,
                                       llvm::StringRef role) {
    if (auto constant = value.getDefiningOp<mlir::arith::ConstantOp>()) {
      auto dense = llvm::dyn_cast<mlir::DenseElementsAttr>(constant.getValue());
      if (!dense)
        return makeError(llvm::Twine("the naive oracle cannot read the ") +
                         role + " constant");
      std::vector<int64_t> shape(dense.getType().getShape().begin(),
                                 dense.getType().getShape().end());
      ref::Tensor tensor(shape);
      mlir::Type elementType = dense.getElementType();
      size_t k = 0;
      if (llvm::isa<mlir::FloatType>(elementType)) {
        for (const llvm::APFloat &v : dense.getValues<llvm::APFloat>())
          tensor.data[k++] = v.convertToDouble();
      } else if (elementType.isInteger(1)) {
        for (bool v : dense.getValues<bool>())
          tensor.data[k++] = v ? 1.0 : 0.0;
      } else if (elementType.isIntOrIndex()) {
        for (const llvm::APInt &v : dense.getValues<llvm::APInt>())
          tensor.data[k++] = static_cast<double>(v.getSExtValue());
      } else {
        return makeError(llvm::Twine("the naive oracle cannot read the ") +
                         role + " constant");
      }
      constants.push_back(std::move(tensor));
      return &constants.back();
    }
    auto arg = llvm::dyn_cast<mlir::BlockArgument>(value);
    if (!arg || arg.getOwner() != &func.getBody().front())
      return makeError(llvm::Twine("the naive oracle needs the ") + role +
                       " operand to be a function argument or a constant");
    unsigned index = arg.getArgNumber();
    if (index >= inputs.size())
      return makeError(llvm::formatv(
          "the naive oracle got {0} inputs but the {1} operand is argument {2}",
          inputs.size(), role, index));
    return &inputs[index];
  }

  /// Like lookup() for optional operands: nullopt when `value` is null.
  Expected<std::optional<ref::Tensor>> lookupOptional(mlir::Value value,
                                                      llvm::StringRef role) {
    if (!value)
      return std::optional<ref::Tensor>();
    Expected<const ref::Tensor *> tensor = lookup(value, role);
    if (!tensor)
      return tensor.takeError();
    return std::optional<ref::Tensor>(**tensor);
  }

private:
  mlir::func::FuncOp func;
  const std::vector<ref::Tensor> &inputs;
  std::deque<ref::Tensor> constants;
};

Expected<std::vector<ref::Tensor>> evaluateAttention(ir::AttentionOp op,
                                                     OperandMap &operands) {
  if (op.hasScoreMod())
    return makeError("the naive oracle does not run score_mod regions; "
                     "check this entry with --oracle=reference or "
                     "--check-against");
  ref::AttentionProblem problem;
  Expected<const ref::Tensor *> query = operands.lookup(op.getQuery(), "query");
  if (!query)
    return query.takeError();
  Expected<const ref::Tensor *> key = operands.lookup(op.getKey(), "key");
  if (!key)
    return key.takeError();
  Expected<const ref::Tensor *> value = operands.lookup(op.getValue(), "value");
  if (!value)
    return value.takeError();
  problem.query = **query;
  problem.key = **key;
  problem.value = **value;

  Expected<std::optional<ref::Tensor>> bias =
      operands.lookupOptional(op.getBias(), "bias");
  if (!bias)
    return bias.takeError();
  problem.bias = std::move(*bias);
  // Masks arrive as 0/1 doubles already (i1 arguments are converted so).
  Expected<std::optional<ref::Tensor>> mask =
      operands.lookupOptional(op.getMask(), "mask");
  if (!mask)
    return mask.takeError();
  problem.mask = std::move(*mask);
  Expected<std::optional<ref::Tensor>> sink =
      operands.lookupOptional(op.getSink(), "sink");
  if (!sink)
    return sink.takeError();
  problem.sink = std::move(*sink);

  problem.scale = op.getEffectiveScale();
  if (mlir::FloatAttr softcap = op.getSoftcapAttr())
    problem.softcap = softcap.getValueAsDouble();
  if (mlir::IntegerAttr qLen = op.getQLenAttr())
    problem.qLen = qLen.getValue().getSExtValue();
  if (mlir::Value qOffset = op.getQOffset()) {
    std::optional<int64_t> constant = mlir::getConstantIntValue(qOffset);
    if (!constant)
      return makeError("the naive oracle needs q_offset to be a constant");
    problem.qOffset = *constant;
  }

  Expected<ref::Pattern> pattern = convertPattern(op.getEffectivePattern());
  if (!pattern)
    return pattern.takeError();
  problem.pattern = std::move(*pattern);
  Expected<ref::Normalizer> normalizer =
      convertNormalizer(op.getEffectiveNormalizer());
  if (!normalizer)
    return normalizer.takeError();
  problem.normalizer = *normalizer;

  std::string error;
  ref::Tensor lse;
  ref::Tensor result =
      ref::attention(problem, &error, op.getLse() ? &lse : nullptr);
  if (!error.empty())
    return makeError("naive attention: " + error);
  std::vector<ref::Tensor> results;
  results.push_back(std::move(result));
  if (op.getLse())
    results.push_back(std::move(lse));
  return results;
}

Expected<std::vector<ref::Tensor>> evaluateTokenMerge(ir::TokenMergeOp op,
                                                      OperandMap &operands) {
  Expected<const ref::Tensor *> tokens =
      operands.lookup(op.getTokens(), "tokens");
  if (!tokens)
    return tokens.takeError();
  Expected<const ref::Tensor *> metric =
      operands.lookup(op.getMetric(), "metric");
  if (!metric)
    return metric.takeError();
  Expected<std::optional<ref::Tensor>> size =
      operands.lookupOptional(op.getSize(), "size");
  if (!size)
    return size.takeError();

  ref::Matching matching = op.getMatching() == ir::Matching::complete_graph
                               ? ref::Matching::CompleteGraph
                               : ref::Matching::Bipartite;
  std::string error;
  ref::TokenMergeResult merged = ref::tokenMerge(
      **tokens, **metric, *size, static_cast<int64_t>(op.getR()),
      op.getProtectFirst(), matching, &error);
  if (!error.empty())
    return makeError("naive token_merge: " + error);

  // `source` is B x N in the reference and B x N in the op's result type.
  std::vector<int64_t> sourceShape(op.getSource().getType().getShape());
  ref::Tensor source(sourceShape);
  if (static_cast<int64_t>(merged.source.size()) != source.numElements())
    return makeError(llvm::formatv(
        "naive token_merge returned {0} source entries, the op has {1}",
        merged.source.size(), source.numElements()));
  for (size_t i = 0, e = merged.source.size(); i < e; ++i)
    source.data[i] = static_cast<double>(merged.source[i]);

  std::vector<ref::Tensor> results;
  results.push_back(std::move(merged.merged));
  results.push_back(std::move(merged.mergedSize));
  results.push_back(std::move(source));
  return results;
}

Expected<std::vector<ref::Tensor>> evaluateTokenUnmerge(ir::TokenUnmergeOp op,
                                                        OperandMap &operands) {
  Expected<const ref::Tensor *> merged =
      operands.lookup(op.getMerged(), "merged");
  if (!merged)
    return merged.takeError();
  Expected<const ref::Tensor *> source =
      operands.lookup(op.getSource(), "source");
  if (!source)
    return source.takeError();

  std::vector<int64_t> indices;
  indices.reserve((*source)->data.size());
  for (double index : (*source)->data) {
    if (!std::isfinite(index) || index != std::floor(index))
      return makeError("the source operand of token_unmerge holds a "
                       "non-integer value");
    indices.push_back(static_cast<int64_t>(index));
  }
  const std::vector<int64_t> &sourceShape = (*source)->shape;
  if (sourceShape.size() < 2)
    return makeError("the source operand of token_unmerge must be B x N");
  std::string error;
  ref::Tensor result =
      ref::tokenUnmerge(**merged, indices, sourceShape[1], &error);
  if (!error.empty())
    return makeError("naive token_unmerge: " + error);
  std::vector<ref::Tensor> results;
  results.push_back(std::move(result));
  return results;
}

} // namespace

Expected<std::vector<ref::Tensor>>
attn::ref::runNaiveOracle(mlir::func::FuncOp func,
                          const std::vector<ref::Tensor> &inputs) {
  if (func.isExternal() || !func.getBody().hasOneBlock())
    return makeError("the naive oracle needs a function with a single-block "
                     "body");
  mlir::Block &body = func.getBody().front();

  // Exactly one attn op, plus constants (for q_offset) and the return.
  mlir::Operation *attnOp = nullptr;
  for (mlir::Operation &op : body.without_terminator()) {
    if (mlir::isa<mlir::arith::ConstantOp>(op))
      continue;
    if (mlir::isa<ir::AttentionOp, ir::TokenMergeOp, ir::TokenUnmergeOp>(op) &&
        !attnOp) {
      attnOp = &op;
      continue;
    }
    return makeError(
        llvm::Twine("the naive oracle handles functions whose body is a single "
                    "attn.attention, attn.token_merge or attn.token_unmerge; "
                    "@") +
        func.getSymName() + " also contains '" + op.getName().getStringRef() +
        "' (use --oracle=reference)");
  }
  if (!attnOp)
    return makeError(llvm::Twine("@") + func.getSymName() +
                     " contains no attn.attention, attn.token_merge or "
                     "attn.token_unmerge (use --oracle=reference)");
  if (inputs.size() != func.getNumArguments())
    return makeError(llvm::formatv(
        "the naive oracle got {0} inputs for a function of {1} arguments",
        inputs.size(), func.getNumArguments()));

  OperandMap operands(func, inputs);
  Expected<std::vector<ref::Tensor>> opResults =
      llvm::TypeSwitch<mlir::Operation *, Expected<std::vector<ref::Tensor>>>(
          attnOp)
          .Case([&](ir::AttentionOp op) {
            return evaluateAttention(op, operands);
          })
          .Case([&](ir::TokenMergeOp op) {
            return evaluateTokenMerge(op, operands);
          })
          .Case([&](ir::TokenUnmergeOp op) {
            return evaluateTokenUnmerge(op, operands);
          })
          .Default(
              [](mlir::Operation *op) -> Expected<std::vector<ref::Tensor>> {
                return makeError("unexpected op " +
                                 op->getName().getStringRef());
              });
  if (!opResults)
    return opResults.takeError();

  // Map the returned values: results of the op, or arguments passed through.
  std::vector<ref::Tensor> results;
  mlir::Operation *terminator = body.getTerminator();
  for (auto [index, returned] : llvm::enumerate(terminator->getOperands())) {
    if (auto result = llvm::dyn_cast<mlir::OpResult>(returned);
        result && result.getOwner() == attnOp) {
      unsigned number = result.getResultNumber();
      if (number >= opResults->size())
        return makeError("the naive oracle produced too few results");
      results.push_back((*opResults)[number]);
      continue;
    }
    if (auto arg = llvm::dyn_cast<mlir::BlockArgument>(returned);
        arg && arg.getOwner() == &body) {
      results.push_back(inputs[arg.getArgNumber()]);
      continue;
    }
    return makeError(llvm::formatv("the naive oracle cannot compute returned "
                                   "value #{0} (not a result of the attn op)",
                                   index));
  }
  return results;
}
