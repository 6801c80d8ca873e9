//===- AttnAttrs.td - Patterns, normalizers and enums --------*- tablegen -*-===//

#ifndef ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD

include "attn/Dialect/Attn/IR/AttnDialect.td"
include "attn/Dialect/Attn/IR/AttnInterfaces.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Attn_SinkKind : I32EnumAttr<"SinkKind", "sink of a softmax normalizer", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"learned", 1>,
    I32EnumAttrCase<"zero", 2>]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_ReluNorm : I32EnumAttr<"ReluNorm", "divisor of the relu normalizer", [
    I32EnumAttrCase<"seq_len", 0>, I32EnumAttrCase<"visible", 1>,
    I32EnumAttrCase<"none", 2>]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_Matching : I32EnumAttr<"Matching", "token matching algorithm", [
    I32EnumAttrCase<"bipartite", 0>, I32EnumAttrCase<"complete_graph", 1>]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_MatchingAttr : EnumAttr<Attn_Dialect, Attn_Matching, "matching">;

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

class Attn_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Attn_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

class Attn_PatternAttr<string name, string attrMnemonic,
                       list<string> overrides = []>
    : Attn_Attr<name, attrMnemonic, [DeclareAttrInterfaceMethods<
          Attn_PatternAttrInterface,
          !listconcat(["getVisibleCount", "classifyTile"], overrides)>]>;

def Attn_DenseAttr
    : Attn_PatternAttr<"Dense", "dense",
                       ["countVisiblePairs", "isDense", "buildAllVisible",
                        "getAffineVisibility"]> {
  let summary = "every (i, j) may be visible";
}

def Attn_CausalAttr
    : Attn_PatternAttr<"Causal", "causal",
                       ["buildKeyRanges", "buildAllVisible",
                        "getAffineVisibility"]> {
  let summary = "key j is visible from query i iff j <= i + (Lk - Lq)";
  let description = [{
    Causal attention aligned bottom-right (as FlashAttention >= 2.1): the last
    query row sees every key, so decode (`Lq = 1`) sees the whole cache.
  }];
}

def Attn_WindowAttr
    : Attn_PatternAttr<"Window", "window",
                       ["buildKeyRanges", "buildAllVisible",
                        "getAffineVisibility"]> {
  let summary = "sliding window with optional sink tokens";
  let description = [{
    `#attn.window<left = l, right = r, sinks = s>`: key j is visible from
    query i (absolute position `i' = i + Lk - Lq`) iff
    `i' - l <= j <= i' + r` or `j < s`. `right` and `sinks` default to 0.
    The window is truncated at the sequence edges.
  }];
  let parameters = (ins "int64_t":$left, "int64_t":$right, "int64_t":$sinks);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Attn_NeighborhoodAttr
    : Attn_PatternAttr<"Neighborhood", "neighborhood", ["getStencil"]> {
  let summary = "NATTEN / generalized neighborhood attention on a 1-3 D grid";
  let description = [{
    `#attn.neighborhood<shape = [X1, .., Xn], kernel = [k1, ..],
    dilation = [d1, ..], stride = [t1, ..], causal = [c1, ..]>` with n in
    1..3. Tokens form a row-major grid of that shape (`Lq == Lk == prod(X)`).
    Along each dimension only keys in the same dilation group are visible;
    a non-causal query sees exactly `k` keys, the window shifting inward near
    borders; `stride` groups queries that share one window (`t == k` is
    blocked attention); `causal` restricts to earlier keys. `dilation`,
    `stride` default to 1 and `causal` to 0 in every dimension.
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$shape,
                        ArrayRefParameter<"int64_t">:$kernel,
                        ArrayRefParameter<"int64_t">:$dilation,
                        ArrayRefParameter<"int64_t">:$stride,
                        ArrayRefParameter<"int64_t">:$causal);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    int64_t getNumTokens() const;
    /// Verifies that `first` (a list and its name), `dilation`, `stride` and
    /// `causal` have one entry per dimension, `rank` being the length of the
    /// list named `rankName`; an empty list passes when `emptyIsDefault`.
    /// The first that does not is reported through `emitError` as
    /// "'name' has N entries but 'rankName' has R".
    static ::mlir::LogicalResult verifyListLengths(
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError,
        ::llvm::StringRef rankName, size_t rank,
        std::pair<::llvm::StringRef, ::llvm::ArrayRef<int64_t>> first,
        ::llvm::ArrayRef<int64_t> dilation, ::llvm::ArrayRef<int64_t> stride,
        ::llvm::ArrayRef<int64_t> causal, bool emptyIsDefault);
  }];
}

def Attn_BlockSparseAttr : Attn_PatternAttr<"BlockSparse", "block_sparse"> {
  let summary = "block-sparse layout";
  let description = [{
    `#attn.block_sparse<block = [bq, bk], layout = dense<...> :
    tensor<Nq x Nk x i1>>`: key j is visible from query i iff
    `layout[i / bq][j / bk]`. The layout must have `ceil(Lq / bq)` rows and
    `ceil(Lk / bk)` columns.
  }];
  let parameters = (ins "int64_t":$blockQ, "int64_t":$blockK,
                        "::mlir::DenseIntElementsAttr":$layout);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getNumBlockRows() const;
    int64_t getNumBlockCols() const;
    bool isBlockVisible(int64_t blockRow, int64_t blockCol) const;
  }];
}

//===----------------------------------------------------------------------===//
// Normalizers
//===----------------------------------------------------------------------===//

class Attn_NormalizerAttr<string name, string attrMnemonic,
                          list<string> overrides = []>
    : Attn_Attr<name, attrMnemonic, [DeclareAttrInterfaceMethods<
          Attn_NormalizerAttrInterface, overrides>]>;

def Attn_SoftmaxAttr
    : Attn_NormalizerAttr<"Softmax", "softmax",
                          ["isPlainSoftmax", "getSinkOperandForm",
                           "requiresSinkOperand", "buildInitialMax",
                           "buildInitialSum", "buildRescale", "hasLogSumExp",
                           "buildLogSumExp"]> {
  let summary = "softmax, optionally with a learned or zero sink";
  let description = [{
    `#attn.softmax`, `#attn.softmax<sink = learned>` (per-head sink logit
    from the op's `sink` operand, as gpt-oss) or `#attn.softmax<sink = zero>`
    (off-by-one softmax): `p_ij = exp(s_ij) / (exp(sigma_h) + sum_j exp(s_ij))`
    with the sink term absent for plain softmax.
  }];
  let parameters = (ins "::mlir::attn::SinkKind":$sink);
  let hasCustomAssemblyFormat = 1;
}

def Attn_ReluAttr : Attn_NormalizerAttr<"Relu", "relu",
                                        ["needsVisibleCount"]> {
  let summary = "ReLU attention: relu(s) / N";
  let description = [{
    `#attn.relu<norm = seq_len | visible | none>`: `p_ij = relu(s_ij) / N`
    with N the key length, the row's visible count, or 1. Default `seq_len`.
  }];
  let parameters = (ins "::mlir::attn::ReluNorm":$norm);
  let hasCustomAssemblyFormat = 1;
}

def Attn_SigmoidAttr : Attn_NormalizerAttr<"Sigmoid", "sigmoid"> {
  let summary = "sigmoid attention: sigmoid(s + b)";
  let description = [{
    `#attn.sigmoid<bias = b>`: `p_ij = sigmoid(s_ij + b)`; without `bias`,
    `b = -ln(Lk)`.
  }];
  let parameters = (ins OptionalParameter<"::mlir::FloatAttr">:$bias);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Attn_SoftplusL1Attr
    : Attn_NormalizerAttr<"SoftplusL1", "softplus_l1",
                          ["needsVisibleCount", "buildRescale"]> {
  let summary = "softplus with l1 normalisation and a length-dependent scale";
  let description = [{
    `#attn.softplus_l1<train_len = N0>`:
    `p_ij = softplus(lambda_i s_ij) / sum_j softplus(lambda_i s_ij)` with
    `lambda_i = ln(n_i) / ln(N0)`, `n_i` the visible count of row i;
    `lambda = 1` without `train_len`.
  }];
  let parameters = (ins OptionalParameter<"::mlir::IntegerAttr">:$trainLen);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}


def Attn_ActAttr : Attn_NormalizerAttr<"Act", "act",
                                       ["getColumnRecalibration",
                                        "buildInitialMax", "buildInitialSum",
                                        "buildRescale"]> {
  let summary = "softmax with run-time sink calibration (ACT)";
  let description = [{
    `#attn.act<threshold = alpha, factor = beta>`: plain softmax weights `p`,
    then, per batch and head, the mean weight of key column j over the
    query rows, `c_j = (1/Lq) sum_i p_ij`; every column `j >= 1` with
    `c_j > alpha / Lk` is a sink column and its weights are multiplied by
    `beta`; each row is renormalised to sum 1 (a row with nothing visible
    stays 0). Training-free attention calibration (Yu et al., ICML 2024).
    The column means need the weights of every query row before any output:
    lowerings materialise the `Lq x Lk` weights per head, and the op cannot
    be tiled along Lq.
  }];
  let parameters = (ins APFloatParameter<"alpha">:$threshold,
                        APFloatParameter<"beta">:$factor);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "double":$threshold, "double":$factor), [{
      return $_get($_ctxt, ::llvm::APFloat(threshold), ::llvm::APFloat(factor));
    }]>
  ];
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
