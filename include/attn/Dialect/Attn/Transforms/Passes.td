//===- Passes.td - attn dialect transformations --------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
#define ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnInferPatternPass : Pass<"attn-infer-pattern", "func::FuncOp"> {
  let summary = "Replace compile-time attention masks by the exact pattern";
  let description = [{
    For every `attn.attention` whose `mask` and `bias` are known at compile
    time (dense constants, or index arithmetic over `linalg.index` that the
    pass evaluates exactly; anything else the lowering pipelines know is
    evaluated by compiling and running the ops that compute it, see
    docs/Raising.md), computes the visibility of every (i, j): the op's
    pattern AND the mask AND `bias != -inf`. A bias entry equal to the lowest
    finite float counts as masked too when every row keeps a visible key. When that visibility is the
    same for every batch and head and equals a pattern of SPEC section 3
    (tried in the order dense, causal, window with the fewest sinks,
    neighborhood 1-D to 3-D on the factorisations of L or on `grid`,
    block-sparse with at least a quarter of empty blocks), the op gets that
    pattern, the mask is dropped, and the bias too when it is 0 at every
    visible pair. Otherwise, when a causal, window or block-sparse pattern
    encloses the visibility with fewer pairs than the current pattern, the
    op gets it and keeps its mask and bias, which still decide the rest.
    A mask that reads a function argument but is `compileTime AND runTime`
    (an i1 mask, or a 0 / -inf bias of one) gets the exact pattern of the
    compile-time factor, and the run-time factor becomes its mask
    (transformers' causal mask AND the padding of the inputs).
    An op with a dynamic Lq or Lk cannot have its mask evaluated into a
    matrix: a dense op's mask and 0 / -inf bias are then read as a
    predicate of i, j and the run-time sizes, through the index arithmetic
    frontends use, and compared with dense, causal and window patterns in
    Presburger arithmetic, for every size at once; on a match they are
    dropped, otherwise kept with a remark saying why.
    Results never change. Masks larger than `max-entries` are left alone
    with a remark; ops with a `q_offset` (row tiles) are left alone.

    Before:
    ```mlir
    %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                         iterator_types = ["parallel", "parallel"]}
        outs(%e : tensor<8x8xi1>) {
    ^bb0(%out: i1):
      %i = linalg.index 0 : index
      %j = linalg.index 1 : index
      %c = arith.cmpi sle, %j, %i : index
      linalg.yield %c : i1
    } -> tensor<8x8xi1>
    %o = attn.attention %q, %k, %v mask(%m : tensor<8x8xi1>)
        : tensor<1x4x8x64xf32>, tensor<1x4x8x64xf32>, tensor<1x4x8x64xf32>
        -> tensor<1x4x8x64xf32>
    ```
    After:
    ```mlir
    %o = attn.attention %q, %k, %v {pattern = #attn.causal}
        : tensor<1x4x8x64xf32>, tensor<1x4x8x64xf32>, tensor<1x4x8x64xf32>
        -> tensor<1x4x8x64xf32>
    ```
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"64",
           "Block size (query and key) of block-sparse candidates">,
    ListOption<"grid", "grid", "int64_t",
               "Neighborhood grid shape to try (default: every "
               "factorisation of L into 1 to 3 factors)">,
    Option<"maxEntries", "max-entries", "int64_t", /*default=*/"67108864",
           "Largest mask or bias (in elements, after broadcasting over "
           "Lq x Lk) that is evaluated">
  ];
  let dependentDialects = ["::mlir::attn::AttnDialect"];
  let statistics = [
    Statistic<"numExact", "exact-patterns",
              "Masks replaced by an exactly equal pattern">,
    Statistic<"numEnclosing", "enclosing-patterns",
              "Patterns tightened while the mask was kept">,
    Statistic<"numTooLarge", "too-large",
              "Masks left alone because they exceed max-entries">
  ];
}

def AttnSparsifyPass : Pass<"attn-sparsify", "ModuleOp"> {
  let summary = "Impose a sparse pattern on selected attention ops";
  let description = [{
    Sets the pattern of the selected `attn.attention` ops to the one the
    `pattern` option gives. This changes results (it is the approximation the
    user asks for, as Generalized Neighborhood Attention plugs sparse
    attention into pretrained models); mask and bias stay and still apply.
    `ops` selects ops by their index in program order over the whole module
    (`0-3,8`; default: all). The pass refuses, naming the op, a pattern that
    does not fit its shape (grid product != L, kernel * dilation > X, layout
    not ceil(L / block)) and one that would make visible pairs that the op's
    current pattern hides.

    `pattern` is a pattern attribute (any attribute with the pattern
    interface), e.g. `pattern=#attn.window<left=511,sinks=4>`. The pass
    option parser splits values at spaces, so an attribute written with
    spaces goes in quotes or braces, inside the quotes the shell needs:
    `--attn-sparsify="pattern='#attn.window<left = 511, sinks = 4>'"`, or
    `--pass-pipeline='builtin.module(attn-sparsify{pattern={#attn.window<left
    = 511, sinks = 4>}})'`.

    Shorthands build the attribute from per-kind options (which an attribute
    refuses): `pattern=neighborhood grid=56,56 kernel=7,7 dilation=1,1
    stride=1,1 causal=0,0` (dilation, stride and causal default to 1, 1 and
    0 in every dimension; `grid` defaults to `[L]` for a 1-D kernel),
    `pattern=window left=4096 right=0 sinks=4`, `pattern=causal`,
    `pattern=dense`, `pattern=block-sparse block=64,64 layout=layout.npy` (a
    2-D boolean or integer .npy of ceil(Lq / bq) x ceil(Lk / bk) blocks; the
    one pattern whose data comes from a file).

    Before:
    ```mlir
    %o = attn.attention %q, %k, %v
        : tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>
        -> tensor<1x4x16x8xf32>
    ```
    After `--attn-sparsify="pattern=neighborhood grid=4,4 kernel=3,3"` (or
    `pattern=#attn.neighborhood<shape=[4,4],kernel=[3,3]>`):
    ```mlir
    %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape =
        [4, 4], kernel = [3, 3]>} : ...
    ```
  }];
  let options = [
    Option<"patternKind", "pattern", "std::string", /*default=*/"\"\"",
           "Pattern to impose: an attribute (#attn.window<left=4>), or the "
           "shorthand causal, window, neighborhood, block-sparse or dense">,
    Option<"ops", "ops", "std::string", /*default=*/"\"\"",
           "Ops to change, by index in program order: '0-3,8' (default: all)">,
    ListOption<"grid", "grid", "int64_t", "Neighborhood grid shape">,
    ListOption<"kernel", "kernel", "int64_t", "Neighborhood kernel sizes">,
    ListOption<"dilation", "dilation", "int64_t",
               "Neighborhood dilations (default 1)">,
    ListOption<"stride", "stride", "int64_t", "Neighborhood strides (default 1)">,
    ListOption<"causal", "causal", "int64_t",
               "Neighborhood causal flags, 0 or 1 (default 0)">,
    Option<"left", "left", "int64_t", /*default=*/"-1",
           "Window: keys visible before the query position (required)">,
    Option<"right", "right", "int64_t", /*default=*/"0",
           "Window: keys visible after the query position">,
    Option<"sinks", "sinks", "int64_t", /*default=*/"0",
           "Window: leading keys visible from every query">,
    ListOption<"block", "block", "int64_t",
               "Block-sparse block sizes bq,bk (default 64,64)">,
    Option<"layout", "layout", "std::string", /*default=*/"\"\"",
           "Block-sparse layout: a 2-D .npy of booleans or integers">
  ];
  let dependentDialects = ["::mlir::attn::AttnDialect"];
  let statistics = [
    Statistic<"numChanged", "ops-changed", "Attention ops given the pattern">
  ];
}

def AttnMaterializePatternPass
    : Pass<"attn-materialize-pattern", "func::FuncOp"> {
  let summary = "Turn attention patterns into explicit masks";
  let description = [{
    The inverse of `--attn-infer-pattern`, for testing and for consumers that
    only understand masks: every `attn.attention` with a non-dense pattern and
    static Lq, Lk gets `pattern = #attn.dense` and a `tensor<Lq x Lk x i1>`
    mask, combined with its existing mask by `arith.andi` (broadcast to the
    existing mask's shape when that is not Lq x Lk). `form=constant` emits a
    dense constant (at most `max-entries` entries: a larger op is left as
    it is, with a remark); `form=index` emits a `linalg.generic` computing
    the pattern from `linalg.index` with the pattern's IR builder.
  }];
  let options = [
    Option<"form", "form", "std::string", /*default=*/"\"constant\"",
           "How the mask is built: constant or index">,
    Option<"maxEntries", "max-entries", "int64_t", /*default=*/"67108864",
           "Largest constant mask (Lq x Lk entries) form=constant builds; "
           "larger ops are left unchanged with a remark">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let statistics = [
    Statistic<"numMaterialized", "ops-materialized",
              "Attention ops whose pattern became a mask">
  ];
}

def AttnLiftScoreModPass : Pass<"attn-lift-score-mod", "func::FuncOp"> {
  let summary = "Lift masks, scale, softcap and biases out of score_mod "
                "regions";
  let description = [{
    A `score_mod` region (SPEC section 2.1) that ends in
    `select(c, x, -inf)` or `select(c, -inf, x)`, where the condition `c`
    reads only the indices (b, h, i, j), constants and captured values, not
    the logit, hides pairs by position. The pass computes `c` once into an
    i1 mask operand (a `linalg.generic` over the indices it reads: Lq x Lk,
    with B and Hq in front when it reads them; combined with an existing
    mask by `arith.andi`) and makes the region yield `x`. It repeats while
    the region ends so, and removes a region left yielding its logit. The
    mask then reaches `--attn-infer-pattern` (which turns a compile-time
    mask into a pattern) and the tile plans of the kernels.

    Example: a region `select(j > i + (Lk - Lq), -inf, s)` becomes a causal
    mask operand and no region; `--attn-infer-pattern` then gives
    `#attn.causal`.

    What the region applies first to its logit `s` is lifted too, while it
    is one of: `c * tanh(s / c)` (becomes `softcap = c`) or a constant
    factor (joins `scale`), both only when the op has no softcap and no
    bias; `s + t` with `t` computed from the indices, constants and
    captured values (becomes the bias operand, when the op has none).

    A mask or bias of more than `max-entries` entries, or of a dynamic
    size, is left in the region with a remark.
  }];
  let options = [
    Option<"maxEntries", "max-entries", "int64_t", /*default=*/"67108864",
           "Largest mask or bias (entries) built from a region">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let statistics = [
    Statistic<"numLifted", "ops-lifted",
              "Attention ops whose score_mod region gave up a mask">
  ];
}

def AttnReplaceSoftmaxPass : Pass<"attn-replace-softmax", "ModuleOp"> {
  let summary = "Insert sink-aware softmax replacements, streaming windows "
                "and sink calibration";
  let description = [{
    Rewrites the selected `attn.attention` ops (`ops=`, indices in program
    order over the module; `heads=`, query heads; default all) with the exact
    math of SPEC sections 3-4. `mode=`:

    - `sink`: learned per-head sink logits (gpt-oss): `normalizer =
      #attn.softmax<sink = learned>` with the `sink` operand from
      `sinks=file.npy` (shape Hq, or ops x Hq: row k for the k-th selected
      op) or `sinks=arg` (a new trailing function argument `tensor<Hq>` per
      op, so a runtime can feed them).
    - `softmax1`: a zero sink (off-by-one softmax), `#attn.softmax<sink =
      zero>`.
    - `relu` (`norm=seq_len|visible|none`), `sigmoid` (`bias=`, default
      -ln Lk), `softplus-l1` (`train-len=`): the softmax-free normalizers.
    - `normalizer=<attribute>` instead of `mode`: any normalizer attribute
      (checked through the normalizer interface), e.g.
      `normalizer=#attn.softmax<sink=zero>`, `normalizer=#attn.relu<norm=none>`.
      The modes sink, softmax1, relu, sigmoid, softplus-l1 and
      calibrate-sinks are shorthands for `#attn.softmax<sink = learned>`,
      `#attn.softmax<sink = zero>`, `#attn.relu`, `#attn.sigmoid`,
      `#attn.softplus_l1` and `#attn.act` with their options, which the
      attribute form refuses. A normalizer with a sink operand takes
      `sinks=`. An attribute with spaces goes in quotes or braces:
      `--attn-replace-softmax="normalizer='#attn.softmax<sink = zero>'"`.
    - `streaming`: StreamingLLM, a causal op becomes `#attn.window<left = W,
      right = 0, sinks = S>` (`window=W`, `sinks=S`, default 4).
    - `calibrate`: scales the weight each head gives to key positions
      `columns=` (default 0, the first token) by `gamma=` (a number or a .npy
      of Hq) before normalisation: a bias of ln(gamma_h) on those columns,
      added to the op's bias.
    - `calibrate-sinks` (ACT): `normalizer = #attn.act<threshold = alpha,
      factor = beta>` (`threshold=`, `factor=`): at run time, key columns
      j >= 1 whose mean weight over the query rows exceeds alpha / Lk get
      their weights multiplied by beta and each row is renormalised. The
      column means need every row's weights first, so lowerings
      materialise the Lq x Lk weights of a head (O(Lq Lk) memory instead of
      a streaming kernel's O(tile)).

    Normalizers replace plain softmax only. Heads outside `heads=` keep
    their behaviour exactly: a sink of -inf (normalizers with a sink operand
    or a sink-operand form: sink, softmax1), gamma = 1 (calibrate), or the op
    is split along the heads into ops whose results
    are reassembled (relu, sigmoid, softplus-l1, streaming). Bad options and
    ops that do not qualify are refused with an error naming the op.

    Before:
    ```mlir
    %o = attn.attention %q, %k, %v {pattern = #attn.causal}
        : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>,
          tensor<1x8x128x64xf32> -> tensor<1x8x128x64xf32>
    ```
    After `--attn-replace-softmax="mode=sink sinks=arg"`:
    ```mlir
    func.func @f(..., %sinks: tensor<8xf32>) {
      %o = attn.attention %q, %k, %v sink(%sinks : tensor<8xf32>)
          {normalizer = #attn.softmax<sink = learned>,
           pattern = #attn.causal} : ...
    ```
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"\"",
           "sink, softmax1, relu, sigmoid, softplus-l1, streaming, "
           "calibrate or calibrate-sinks (normalizer modes are shorthands "
           "for 'normalizer')">,
    Option<"normalizer", "normalizer", "std::string", /*default=*/"\"\"",
           "Normalizer to give, as an attribute (#attn.softmax<sink=zero>); "
           "instead of 'mode'">,
    Option<"ops", "ops", "std::string", /*default=*/"\"\"",
           "Ops to change, by index in program order: '0-3,8' (default: all)">,
    Option<"heads", "heads", "std::string", /*default=*/"\"\"",
           "Query heads to change: '0-3,8' (default: all)">,
    Option<"sinks", "sinks", "std::string", /*default=*/"\"\"",
           "mode=sink (a normalizer with a sink operand): a .npy of sink "
           "logits or 'arg'; mode=streaming: the number of sink tokens "
           "(default 4)">,
    Option<"norm", "norm", "std::string", /*default=*/"\"seq_len\"",
           "mode=relu: seq_len, visible or none">,
    Option<"bias", "bias", "std::string", /*default=*/"\"\"",
           "mode=sigmoid: the bias b (default -ln Lk)">,
    Option<"trainLen", "train-len", "int64_t", /*default=*/"0",
           "mode=softplus-l1: the training length N0 (default: lambda = 1)">,
    Option<"window", "window", "int64_t", /*default=*/"-1",
           "mode=streaming: keys visible before the query (required)">,
    Option<"gamma", "gamma", "std::string", /*default=*/"\"\"",
           "mode=calibrate: a factor, or a .npy of Hq factors (>= 0)">,
    Option<"columns", "columns", "std::string", /*default=*/"\"0\"",
           "mode=calibrate: key positions to scale: '0' or '0-3,8'">,
    Option<"threshold", "threshold", "std::string", /*default=*/"\"\"",
           "mode=calibrate-sinks: alpha, a column is a sink when its mean "
           "weight exceeds alpha / Lk (required, > 0)">,
    Option<"factor", "factor", "std::string", /*default=*/"\"\"",
           "mode=calibrate-sinks: beta, the factor on sink columns "
           "(required, >= 0)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::attn::AttnDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"
  ];
  let statistics = [
    Statistic<"numChanged", "ops-changed", "Attention ops rewritten">,
    Statistic<"numSplit", "ops-split",
              "Attention ops split along heads for a partial heads= selection">
  ];
}

def AttnTokenMergePass : Pass<"attn-token-merge", "ModuleOp"> {
  let summary = "Insert ToMe / CrossGET token merging into transformer blocks";
  let description = [{
    Finds the transformer blocks of every function in raised IR (run
    `--attn-raise-pipeline` first; `--attn-infer-pattern` drops the all-true
    masks that exports carry, which cannot follow merged tokens): an
    `attn.attention` whose result reaches, through the output projection, a
    residual add `x1 = x + proj(attn(...))` where the attention's key is
    computed from `x` (rank 3, `B x N x C`, N = the key length, so dimension
    1 is the token dimension), followed by the MLP residual: pre-norm
    `x2 = x1 + mlp(norm2(x1))`, or post-norm `y = norm(x1)`,
    `x2 = y + mlp(y)`. In each selected block, `attn.token_merge` is
    inserted on `x1` (pre-norm) or `y` (post-norm), with the metric = the
    block's keys averaged over heads and the sizes of the previous merge.

    Everything downstream is rebuilt for N - r tokens: linalg ops (named and
    generic; the token loop is found through the indexing maps, and
    `tensor.empty`, `linalg.fill`, splat constants and broadcasts that feed
    them are re-created), `tensor.expand_shape` / `collapse_shape`,
    `tensor.extract_slice` (whole token dimension, or the class token when
    `protect-first`), and later `attn.attention` ops, which get proportional
    attention (`ln(size)` added to the logits of key j) when `proportional`.
    A sum over the token dimension (mean pooling) becomes size-weighted.
    Results that still carry tokens when they reach `func.return` get an
    `attn.token_unmerge` so that the function returns all N tokens. When an
    op cannot be re-typed (a position-dependent `linalg.index`, a contraction
    over tokens, a pattern other than dense, an unknown op), the block is
    refused with a remark naming that op and the IR is left as it was.

    `r` is one value for every block, a list (one per block, missing blocks
    0), or with `inflect` ToMe's linear schedule from `r * (1 - inflect)` to
    `r * (1 + inflect)`. An r larger than the matching allows is clamped
    with a remark.

    Before (one pre-norm block):
    ```mlir
    %o  = attn.attention %q, %k, %v : tensor<1x4x17x8xf32>, ...
    %x1 = linalg.generic {...addf...} ins(%proj, %x : tensor<1x17x32xf32>, ...)
    %h  = ... mlp(norm2(%x1)) : tensor<1x17x32xf32>
    %x2 = linalg.generic {...addf...} ins(%h, %x1 : ...)
    ```
    After `--attn-token-merge="r=4"`:
    ```mlir
    %m = linalg.generic {...reduction over heads...} ins(%k : tensor<1x4x17x8xf32>)
    %t, %s, %src = attn.token_merge %x1, %m r = 4 protect_first
        : tensor<1x17x32xf32>, tensor<1x17x8xf32>
        -> tensor<1x13x32xf32>, tensor<1x13xf32>, tensor<1x17xindex>
    %h  = ... mlp(norm2(%t)) : tensor<1x13x32xf32>
    %x2 = linalg.generic {...addf...} ins(%h, %t : ...) -> tensor<1x13x32xf32>
    %u  = attn.token_unmerge %x2, %src : ... -> tensor<1x17x32xf32>
    ```
  }];
  let options = [
    ListOption<"r", "r", "int64_t",
               "Tokens merged per block: one value, or one per block "
               "(default 16)">,
    Option<"inflect", "inflect", "double", /*default=*/"0.0",
           "With a single r: ToMe's linear schedule from r*(1-inflect) in the "
           "first block to r*(1+inflect) in the last">,
    Option<"blocks", "blocks", "std::string", /*default=*/"\"\"",
           "Blocks to merge in, by index in program order: '0-3,8' "
           "(default: all)">,
    Option<"protectFirst", "protect-first", "bool", /*default=*/"true",
           "Token 0 is a class token that never merges away">,
    Option<"matching", "matching", "std::string", /*default=*/"\"bipartite\"",
           "bipartite (ToMe) or complete-graph (CrossGET)">,
    Option<"proportional", "proportional", "bool", /*default=*/"true",
           "Add ln(size) of each key to the logits of later attention ops">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::attn::AttnDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let statistics = [
    Statistic<"numBlocksMerged", "blocks-merged",
              "Blocks given an attn.token_merge">,
    Statistic<"numTokensRemoved", "tokens-removed",
              "Tokens merged away, summed over blocks">,
    Statistic<"numFlopsSaved", "flops-saved",
              "Estimated FLOPs saved by the re-typed ops">,
    Statistic<"numBlocksRefused", "blocks-refused",
              "Selected blocks left alone (a remark says why)">
  ];
}

def AttnSimplifyShapesPass : Pass<"attn-simplify-shapes", "func::FuncOp"> {
  let summary = "Rewrite run-time broadcasts and reshapes of dynamic-shape "
                "exports into indexing maps and expand/collapse_shape";
  let description = [{
    A frontend exporting with dynamic sizes cannot tell at compile time
    whether a size is 1, so it writes broadcasts and reshapes as run-time
    computations; torch-mlir reads a broadcast operand with
    `tensor.extract %src[select(size == 1, 0, i)]` in a generic's body and
    writes `view` as `tensor.reshape` with a `tensor.from_elements` shape.
    `--attn-raise` matches indexing maps, `tensor.expand_shape` and
    `tensor.collapse_shape`, as in a static export. This pass rewrites, where
    the sizes involved are provably equal (ValueBoundsOpInterface, through
    index casts and integer extensions):

    - `select(s == 1, 0, linalg.index d)` into `linalg.index d` when `s` is
      loop d's extent;
    - a `tensor.extract` of a tensor from outside the generic, at loop
      indices and constants, into an input with that indexing map, when each
      dimension read at a loop index has the loop's extent;
    - `tensor.reshape` with a `tensor.from_elements` shape into
      `tensor.expand_shape` or `tensor.collapse_shape`, when every group of
      dimensions has at most one dynamic size and it equals its counterpart.

    Anything else is left as it is. `--attn-raise-pipeline` runs it after
    upstream's `--int-range-optimizations`, which folds the sign checks on
    sizes (`size < 0`) that keep the sizes from being compared.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def AttnRaisePass : Pass<"attn-raise", "func::FuncOp"> {
  let summary = "Recognise attention in linalg on tensors and raise it to "
                "attn.attention";
  let description = [{
    Finds `softmax(scale * Q K^T + bias) V` and replaces it with one
    `attn.attention`, matching on dataflow and indexing maps rather than on
    op spelling:

    - the softmax is `linalg.softmax` over the last dimension or its
      decomposition into generics (row max, also as torch's two-result
      max/argmax generic, `exp(x - max)` in one or two generics, row sum,
      and a division or a product with the reciprocal), with reductions
      that drop or keep (size 1) the reduced dimension, as `linalg.reduce`
      or generics; SDPA's guard that zeroes rows whose logits are all -inf
      is part of it (attn.attention does the same);
    - f16/bf16 scores upcast for the softmax and weights truncated back;
    - the logits chain back from the softmax through elementwise generics:
      products and divisions by compile-time constants (the scale, wherever
      on the scores it is applied; constants converted in the body count),
      `c * tanh(s / c)` (Gemma 2's logit softcap: `softcap = c`), additive
      biases (numpy-broadcast over leading dimensions; several are summed
      into one), and masks of either polarity: `select(m, x, -inf)` gives
      the mask `m`, `select(m, -inf, x)` (masked_fill) the mask `not(m)`,
      and a lowest-float fill a 0 / lowest bias (exact while |x| < 2^103).
      Any other pointwise op on the logits (a run-time or per-head
      factor, a clamp, a bias inside the tanh, a fill that is not -inf)
      becomes the op's `score_mod` region with every generic between it
      and the softmax; only the chain below it is read as attributes;
    - the row maximum and sum may read the logits through reshapes of the
      leading dimensions other than the ones the subtraction reads;
    - a shift `x - rowmax(x)` applied before the softmax is seen through,
      and a per-head column appended to the logits and sliced off the
      weights (gpt-oss; `tensor.concat` or TOSA's two `insert_slice`)
      becomes `#attn.softmax<sink = learned>` with the `sink` operand;
    - `Q K^T` and `P V` are contractions with one M, N and K loop and up to
      two batch loops, spelled `linalg.matmul`, `linalg.batch_matmul`, a
      transposed map or a generic; transposes of K are looked through. A
      product in the form fusion leaves it is rebuilt as such a
      contraction first: batch loops of size 1 dropped, more than two
      folded, a factor computed in its body split off, and a batch loop
      that K/V do not read (repeat_kv fused into the product) folded into
      the head loop before it, which then reads as grouped-query
      attention;
    - (B, H) folded into one batch dimension, at any batch size (windows as
      batch too), is split again with the split the scores get, or from
      `tensor.collapse_shape` of Q, K and V;
    - Q, K and V are followed back through data movement (reshapes,
      transposes, broadcasts, slices, copies: IndexTrace): K/V heads
      repeated so that query head h reads head h / n (repeat_kv,
      repeat_interleave, TOSA tile) become grouped-query attention, and
      constant factors on Q and K (SDPA's sqrt(scale) on both) join `scale`.

    TOSA is raised through `--attn-raise-pipeline`, which lowers it to
    linalg first. Every model in test/Models raises completely and still
    computes PyTorch's result.

    Q, K, V and the result are laid out as `B x H x L x D` (transposes or
    reshapes are inserted where the original used another layout). The pass
    never fires when a step does not hold: intermediates with other users,
    softmax over another axis, a non-constant scale, a bias that depends on
    Q, K or V, or an op the verifier would reject; a failed attempt leaves
    the IR as it was. `explain=true` adds a remark at every softmax it saw
    but did not raise, naming the step that failed, and ends each function
    with a summary remark: softmaxes seen, raised, and the reasons for the
    rest.

    Before (decomposed in the way torch-mlir emits it):
    ```mlir
    %s = linalg.batch_matmul ins(%q, %kt : ...) outs(...)
    %l = linalg.generic {... arith.mulf %x, %cst ...} ins(%s ...)
    %m = linalg.generic {... reduction ... arith.maximumf ...} ins(%l ...)
    %e = linalg.generic {... math.exp (arith.subf %x, %m) ...}
    %z = linalg.generic {... reduction ... arith.addf ...} ins(%e ...)
    %p = linalg.generic {... arith.divf %e, %z ...}
    %o = linalg.batch_matmul ins(%p, %v : ...) outs(...)
    ```
    After:
    ```mlir
    %o = attn.attention %q4, %k4, %v4 {scale = 0.125 : f32} : ...
    ```
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Remark at every softmax that was not raised, with the reason">
  ];
  let dependentDialects = [
    "::mlir::attn::AttnDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let statistics = [
    Statistic<"numRaised", "raised", "Attention blocks raised">,
    Statistic<"numNotRaised", "not-raised",
              "Softmax candidates that were not raised">
  ];
}

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
