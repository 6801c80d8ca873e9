//===- Passes.td - attn conversion passes --------------------*- tablegen -*-===//

#ifndef ATTN_CONVERSION_PASSES_TD
#define ATTN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalgPass : Pass<"convert-attn-to-linalg"> {
  let summary = "Reference decomposition of attn ops into linalg on tensors";
  let description = [{
    Rewrites `attn.attention`, `attn.token_merge` and `attn.token_unmerge`
    into `linalg.generic`s over tensors (with `arith`, `math` and `tensor`).
    This is the numerical oracle of the project, not a fast path: attention
    materialises the `B x Hq x Lq x Lk` score matrix, and token merging uses
    quadratic rank and scatter reductions. Every pattern and normalizer is
    lowered through their attribute interfaces.

    Before:
    ```mlir
    %o = attn.attention %q, %k, %v {pattern = #attn.causal}
        : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
        -> tensor<1x2x8x16xf32>
    ```
    After: a chain of `linalg.generic`s computing the scores (reduction over
    D), the visibility and row statistics (reductions over Lk, with the
    pattern's visibility test emitted from `linalg.index` values) and the
    weighted sum of values.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
  let statistics = [
    Statistic<"numAttentionOps", "attention-ops",
              "Number of attn.attention ops decomposed">,
    Statistic<"numTokenMergeOps", "token-merge-ops",
              "Number of attn.token_merge / token_unmerge ops decomposed">
  ];
}

def DecomposeLinalgAggregatesPass
    : Pass<"attn-decompose-linalg-aggregates"> {
  let summary = "Decompose linalg aggregate ops (linalg.softmax) into "
                "generics";
  let description = [{
    Rewrites every op implementing `AggregatedOpInterface` (upstream:
    `linalg.softmax`) into the generics of its own decomposition, so the
    reference pipeline can bufferize and lower models that still carry a
    softmax that `--attn-raise` did not raise.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
}

def ConvertAttnToCPUPass : Pass<"convert-attn-to-cpu", "::mlir::ModuleOp"> {
  let summary = "Fused, tiled, pattern-aware CPU kernels for attn.attention";
  let description = [{
    Replaces every `attn.attention` by a fused
    FlashAttention-2 style loop nest on buffers: `scf.parallel` over
    (batch, query head, query tile), and inside it a loop over the key tiles
    that the op's pattern leaves (partly) visible. The score tile is kept
    transposed (`BK x BQ`) so that the normalizer's running state of a query
    row lives in one vector lane: the row maximum, the weights and the row
    sums are lane-wise vector operations built through
    `NormalizerAttrInterface`, without horizontal reductions. Nothing of size
    `Lq x Lk` is materialised; each thread uses `O(BQ * (D + Dv + BK))`
    floats of stack (plus, per op on the heap, V packed as bf16 pairs with
    `avx512-bf16` and the split-K states).

    The key tiles of each query tile are decided at compile time through
    `PatternAttrInterface::classifyTile` and stored in constant tables
    (`memref.global`): invisible tiles are never visited, full tiles run the
    unmasked path, and partial tiles (including tiles cut by the end of the
    sequence) select through a deduplicated table of tile masks. Bias, mask
    and softcap are applied per tile. Scale is folded into the query tile,
    inputs of f16 are widened to f32, and `exp`/`tanh` of the kernel
    become polynomials (`fast-math`).

    Dynamic sizes (B, Lq, Lk; the head counts and head dims must be static)
    and tiles of a larger op (`q_offset`, what tiling along Lq makes) are
    planned at run time instead: for each query tile the pattern emits the
    key ranges its logical rows may see
    (`PatternAttrInterface::buildKeyRanges`: the keys up to the diagonal for
    causal, the sinks and the window for a window, every key for the
    others), the loop visits the key tiles covering them, and tiles the
    pattern cannot show to be fully visible (`buildAllVisible`) test each
    pair with `buildIsVisible`. No table is built. Dynamic sizes that do not
    fit together (the value's length against the key's, batches, dynamic
    bias or mask sizes) stop the program with a `cf.assert` naming the op.

    `isa` picks the instruction set: the vector width, the register blocks
    of the products, and with `avx512-bf16` bf16 operands multiplied by
    `vdpbf16ps` dot products (`x86vector.avx512.dot`, f32 accumulation; V
    packed once per op as pairs of keys). Elsewhere bf16 is widened to f32.
    `host` (the default) takes the best the compiling machine has, which is
    right for a JIT (attn-run) and wrong for cross-compilation.

    Grouped-query heads: when Hq / Hkv is a power of two, the query heads of
    a group share each tile's lanes (rows of each head side by side), so
    every key and value tile is read once per group; the loop then runs over
    KV heads, and decoding (few query rows) narrows the vectors. When there
    are fewer (batch, head, query tile) items than `num-threads`, each query
    tile's key tiles are split into ranges run in parallel, and a second
    loop merges their states exactly through the normalizer's rescale
    (split-K; recorded as `attn.splits`).

    Tile sizes left at 0 are chosen per op: the candidates from 8 to 64
    (128 too when a head's keys and values exceed 4 MiB) are planned and
    the cheapest plan by a cost model (visited pairs, visited tiles, query
    tiles) wins; sparse patterns get small tiles, dense ones
    large. The choice is recorded as `attn.tiles = [BQ, BK]` on the
    `scf.parallel`.

    With automatic tile sizes, static f32 ops without bias, mask or
    `score_mod` whose pattern is a stencil (`PatternAttrInterface::
    getStencil`: every row sees fixed offsets from its own base, as
    non-causal neighborhoods do) get the stencil kernel instead: one query
    per lane, one kernel offset per step, K transposed once per op so that
    a tile's consecutive queries read consecutive keys (border tiles, whose
    windows shift inward, read them through a constant shuffle or a
    gather), every visible key in one normalizer step; only the visible
    pairs are computed. Recorded as `attn.stencil = <offsets>`;
    `stencil=false` keeps the tiled kernel.

    `attn.token_merge` and `attn.token_unmerge` become loops on buffers too
    (parallel over the batch), which never store the `|A| x |B|` or `N x N`
    similarity.

    Ops this pass cannot lower are left unchanged with a remark, for the
    reference decomposition to take: dynamic head counts or head dims,
    normalizers with a column recalibration (`#attn.act`, which needs every
    row's weights at once), empty dimensions, and patterns whose tile tables
    would exceed `max-table-bytes`.

    Before:
    ```mlir
    %o = attn.attention %q, %k, %v {pattern = #attn.causal}
        : tensor<1x8x1024x64xf32>, tensor<1x8x1024x64xf32>,
          tensor<1x8x1024x64xf32> -> tensor<1x8x1024x64xf32>
    ```
    After (sketch):
    ```mlir
    %qb = bufferization.to_buffer %q : ...
    %out = memref.alloc() : memref<1x8x1024x64xf32>
    scf.parallel (%b, %h, %qt) = (%c0, %c0, %c0) to (%c1, %c8, %c16) ... {
      // Q tile (transposed, scaled), running state, accumulator on the stack
      %offsets = memref.get_global @__attn_cpu_offsets : memref<17xi32>
      %first = memref.load %offsets[%qt] : memref<17xi32>
      scf.for %e = %first to %last step %c1 {   // visible key tiles only
        // S^T = K_tile Q_tile^T (vector.fma), masks of partial tiles,
        // normalizer update, acc += P V_tile
      }
      // out = acc * finalScale(l)
    }
    %o = bufferization.to_tensor %out restrict writable : ...
    ```
  }];
  let options = [
    Option<"tileQ", "tile-q", "int64_t", /*default=*/"0",
           "Query rows per tile (a multiple of vector-width, clamped to Lq "
           "rounded up; lanes, holding several heads' rows with grouped "
           "heads); 0 chooses per op from 8 to 64 (128 for large K/V) by "
           "the estimated cost of its tile plan">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"0",
           "Keys per tile (a multiple of 4, clamped to Lk rounded up); 0 "
           "chooses per op like tile-q">,
    Option<"isa", "isa", "std::string", /*default=*/"\"host\"",
           "Instruction set of the kernels: host (the best the compiling "
           "machine has, which is what attn-run's JIT targets), avx512-bf16 "
           "(bf16 operands multiplied with vdpbf16ps), avx512, avx2 or "
           "generic (portable vector ops)">,
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"0",
           "f32 lanes per vector; 0 takes the isa's (16 for AVX-512, 8 for "
           "AVX2, 4 for generic)">,
    Option<"fastMath", "fast-math", "bool", /*default=*/"true",
           "Lower exp and tanh inside the kernels to polynomial "
           "approximations">,
    Option<"numThreads", "num-threads", "int64_t", /*default=*/"0",
           "Threads the kernels are planned for: when there are fewer "
           "(batch, head, query tile) items, each query tile's key tiles are "
           "split into ranges run in parallel and merged (split-K); 0 = the "
           "compiling machine's hardware threads">,
    Option<"maxTableBytes", "max-table-bytes", "int64_t",
           /*default=*/"268435456",
           "Largest tile plan (tables of visible tiles and partial-tile "
           "masks) an op may need; larger ones are left to the reference "
           "lowering">,
    Option<"stencil", "stencil", "bool", /*default=*/"true",
           "With automatic tile sizes, give ops whose pattern is a stencil "
           "(every row sees fixed offsets from its own base: non-causal "
           "neighborhoods) the stencil kernel, which computes only the "
           "visible pairs">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::cf::ControlFlowDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
    "::mlir::x86vector::X86VectorDialect"
  ];
  let statistics = [
    Statistic<"numLowered", "lowered-ops",
              "Number of attn.attention ops lowered to fused kernels">,
    Statistic<"numLeft", "left-ops",
              "Number of attn.attention ops left for the reference lowering">,
    Statistic<"numSkippedTiles", "skipped-tiles",
              "Number of (query tile, key tile) pairs never visited">,
    Statistic<"numPartialTiles", "partial-tiles",
              "Number of (query tile, key tile) pairs with element masks">,
    Statistic<"numStencil", "stencil-ops",
              "Number of attn.attention ops lowered to the stencil kernel">
  ];
}

def AttnCheckHostModulePass
    : Pass<"attn-check-host-module", "::mlir::ModuleOp"> {
  let summary = "Refuse device code in a module for a host-only pipeline";
  let description = [{
    The first pass of `--attn-reference-pipeline` and `--attn-cpu-pipeline`,
    which lower host code only. A `gpu.module` holds device code (shared
    memory address spaces, GPU intrinsics) that their conversions to the
    LLVM dialect cannot express: left to them, they report an error for it
    and still succeed. This pass fails first, with an error at each
    `gpu.module` that names `pipeline` and points to `--attn-gpu-pipeline`.
    A module without `gpu.module` is left unchanged.

    ```mlir
    gpu.module @kernels { ... }   // error: 'gpu.module' @kernels holds device
                                  // code, which --attn-cpu-pipeline does not
                                  // lower ...
    ```
  }];
  let options = [
    Option<"pipeline", "pipeline", "std::string",
           /*default=*/"\"the host pipeline\"",
           "The pipeline named in the error">
  ];
}

def AttnCheckReshapesPass : Pass<"attn-check-reshapes"> {
  let summary = "Refuse tensor.expand_shape whose output_shape contradicts "
                "its result type";
  let description = [{
    Runs in every attn pipeline just before one-shot bufferization. The
    verifier of `tensor.expand_shape` does not compare a static
    `output_shape` entry with the result type, while the verifier of the
    `memref.expand_shape` that bufferization makes from it does: such an op
    would pass every earlier pass and become invalid IR during
    bufferization. This pass fails first, with an error at the op that
    names the dimension and both sizes. Valid IR is left unchanged.

    ```mlir
    // error: 'tensor.expand_shape' op output_shape gives dimension 2 the
    // size 5, but its result type has 4
    %e = tensor.expand_shape %a [[0], [1, 2]] output_shape [2, 3, 5]
        : tensor<2x12xf32> into tensor<2x3x4xf32>
    ```
  }];
}

def AttnHoistOpenMPAllocasPass
    : Pass<"attn-hoist-openmp-allocas", "::mlir::func::FuncOp"> {
  let summary = "Give each OpenMP thread its kernel scratch once";
  let description = [{
    `--convert-scf-to-openmp` wraps each loop body in `memref.alloca_scope`,
    which must stay a single block and so cannot survive
    `--convert-scf-to-cf`. This pass moves the statically sized
    `memref.alloca`s of such a scope to the entry of the enclosing
    `omp.parallel` region (one allocation per thread instead of one per
    iteration) and inlines the scope. Scopes holding dynamically sized
    allocas, or not inside `omp.parallel`, are left alone.

    Before:
    ```mlir
    omp.parallel {
      omp.wsloop {
        omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
          memref.alloca_scope {
            %t = memref.alloca() : memref<64x64xf32>
            scf.for ...
          }
          omp.yield
        }
      }
      omp.terminator
    }
    ```
    After:
    ```mlir
    omp.parallel {
      %t = memref.alloca() : memref<64x64xf32>
      omp.wsloop {
        omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
          scf.for ...
          omp.yield
        }
      }
      omp.terminator
    }
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def ConvertAttnToGPUPass : Pass<"convert-attn-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Fused FlashAttention-2 style GPU kernels for attn.attention";
  let description = [{
    Replaces every `attn.attention` by one GPU kernel,
    a `gpu.func` in the module's `gpu.module @__attn_gpu`, one thread block
    per (query tile, head, batch), of one of two kinds (recorded as
    `attn.gpu.path` on the kernel):

    * `mma.m16n8k16.f16` / `mma.m16n8k16.bf16`, when Q, K and V are all f16
      or all bf16, the head dimension is a multiple of 16 and the value
      dimension a multiple of 8, the chip is sm_80 or later and
      `tensor-cores` is on: one warp per 16 query rows; Q as MMA fragments
      in registers; K and V rows copied by cp.async
      (`nvgpu.device_async_copy`, 16-byte pieces) into two shared stages,
      the next tile's while the current one is computed (rows padded by 8
      elements against bank conflicts), and read as MMA B operands by
      `nvgpu.ldmatrix` (transposed for V); `S = Q K^T` and
      `O += P V` with `nvvm.mma.sync` (f32 accumulation, P rounded to the
      element type); each row's maximum reduced over its four lanes with
      `gpu.shuffle`, its running sum split over them and added at the end.
    * `wgmma.m64nNk16.f16` / `.bf16` (N = the key tile), the same kernel
      with `wgmma=true` on `chip=sm_90a`: each warpgroup (4 warps) computes
      `S = Q K^T` of its 64 rows with `nvvm.wgmma.mma_async`, reading Q
      (staged once per block) and K from shared memory through matrix
      descriptors (core-matrix layout, no swizzling), after
      `nvvm.fence.proxy` (async.shared) and a barrier; the accumulators
      come back in the mma.sync layout, so everything after the scores is
      unchanged.
    * `simt.f32` otherwise: one thread per query row; K and V staged widened
      to f32; each thread keeps its scaled query row, its output accumulator
      and its score row in private attributions, and the normalizer state
      (running max, running sum, visible count) in registers.

    The key tiles a query tile visits and the masks of partial
    tiles come from the shared compile-time tile plan
    (`lib/Analysis/TilePlan.cpp`), stored as private `memref.global` tables
    (`__attn_gpu_offsets`, `__attn_gpu_tiles`, `__attn_gpu_mask_ids`,
    `__attn_gpu_masks`, built by `lib/Conversion/Common/TilePlanIR.cpp`).
    A tile of a larger op (`q_offset`, from tiling along Lq) is planned at
    run time instead, by each block for its logical rows: the key tiles
    covering the pattern's key ranges (`PatternAttrInterface::
    buildKeyRanges`), pairs tested with `buildIsVisible` in tiles that
    `buildAllVisible` does not show fully visible; `q_offset` reaches the
    kernel as a one-element i64 buffer. Ops with a dynamic batch, Lq or Lk
    are planned at run time the same way (with `q_offset` 0); the kernel
    reads the sizes from its buffers (`memref.dim`), the host counts the
    query tiles for the grid, and `cf.assert`s stop the program when the
    sizes do not fit together or exceed the grid's limits. Every normalizer
    is built through `NormalizerAttrInterface`.

    `attn.token_merge` becomes a kernel with a block of 128 threads per
    batch row (norms, matching, ranking, size-weighted averages in phases
    separated by barriers, scratch in shared memory; bit for bit the CPU
    loops) when its scratch fits in `shared-memory-bytes` (48 KiB unless
    raised; dynamic shared memory beyond), else one thread per batch row
    running the CPU loops with the scratch on its stack; ops needing more
    than 256 KiB per row stay on the host with a remark.
    `attn.token_unmerge` becomes a kernel of one block per (batch row,
    token) whose threads stride over the channels.

    On the host each op becomes a call to a private launcher declaration
    (`__attn_gpu_launch`, with the kernel, grid and block as attributes)
    taking the host buffers, then the grid's run-time sizes (an `index` for
    each entry of `attn.gpu.grid` marked dynamic); `--attn-gpu-stage-buffers`
    gives it its body
    after bufferization and buffer deallocation, which refuse GPU
    operations. The module records the target as `attn.gpu.target`. Ops it
    cannot take stay for `--convert-attn-to-linalg`, with a remark.

    Before:
    ```mlir
    %o = attn.attention %q, %k, %v {pattern = #attn.causal}
        : tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>,
          tensor<1x2x128x64xf32> -> tensor<1x2x128x64xf32>
    ```
    After (abridged):
    ```mlir
    func.func private @__attn_gpu_launch(memref<1x2x128x64xf32>, ...)
        attributes {attn.gpu.block = array<i64: 64, 1, 1>,
                    attn.gpu.grid = array<i64: 2, 2, 1>,
                    attn.gpu.kernel = @__attn_gpu::@attention}
    %buf = memref.alloc() : memref<1x2x128x64xf32>
    call @__attn_gpu_launch(%q, %k, %v, %offsets, %tiles, %ids, %masks, %buf)
    %o = bufferization.to_tensor %buf ...
    gpu.module @__attn_gpu {
      gpu.func @attention(%q: memref<1x2x128x64xf32>, ...)
          workgroup(%ks : memref<32x64xf32, #gpu.address_space<workgroup>>,
                    %vs : memref<32x64xf32, #gpu.address_space<workgroup>>)
          private(%qr : memref<64xf32, #gpu.address_space<private>>, ...)
          kernel attributes {attn.gpu.tiles = array<i64: 64, 32>, ...} {
        scf.for %t = %first to %last step %c1 iter_args(%m = ..., %l = ...) {
          ... stage the K and V tiles ...
          gpu.barrier
          ... scores, normalizer step, P . V ...
          gpu.barrier
        }
        ... out = acc * finalScale(l) ...
        gpu.return
      }
    }
    ```
  }];
  let options = [
    Option<"tileQ", "tile-q", "int64_t", /*default=*/"64",
           "Query rows per thread block (one thread each): a multiple of "
           "32, at most 1024">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"32",
           "Keys per shared-memory stage (halved per op until the K and V "
           "stages fit shared-memory-bytes)">,
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_80\"",
           "Target NVIDIA chip (sm_XY, or sm_XYa for architecture-specific "
           "features such as wgmma), recorded on the module">,
    Option<"tensorCores", "tensor-cores", "bool", /*default=*/"true",
           "Lower ops whose Q, K and V are all f16 or all bf16 (head "
           "dimension a multiple of 16) to the tensor-core kernel "
           "(mma.sync.m16n8k16, f32 accumulation) on sm_80 and later">,
    Option<"wgmma", "wgmma", "bool", /*default=*/"false",
           "In the tensor-core kernel, compute S = Q K^T with "
           "wgmma.mma_async (a warpgroup per 64 query rows, Q and K staged "
           "in shared memory in core-matrix layout); needs chip=sm_90a and "
           "tile-q a multiple of 64. Off by default until measured on an "
           "sm_90 device">,
    Option<"features", "features", "std::string", /*default=*/"\"\"",
           "Target PTX features (e.g. +ptx80), recorded on the module">,
    Option<"sharedMemoryBytes", "shared-memory-bytes", "int64_t",
           /*default=*/"49152",
           "Shared memory per block for the Q, K and V stages (tile-k is "
           "halved until they fit); beyond 48 KiB the stages are dynamic "
           "shared memory, at most the chip's per-block limit (96 KiB "
           "sm_70, 64 KiB sm_75, 163 KiB sm_80, 99 KiB sm_86/89, 227 KiB "
           "sm_90)">,
    Option<"maxTableBytes", "max-table-bytes", "int64_t",
           /*default=*/"268435456",
           "Largest tile plan an op may need; larger ones are left to the "
           "reference lowering">,
    Option<"maxUnrolledFloats", "max-unrolled-floats", "int64_t",
           /*default=*/"192",
           "Fully unroll the per-thread loops (keeping the query row, the "
           "accumulator and the score row in registers) when D + Dv + the "
           "staged keys is at most this; 0 never unrolls">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::cf::ControlFlowDialect",
    "::mlir::func::FuncDialect", "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect"
  ];
  let statistics = [
    Statistic<"numLowered", "lowered-ops",
              "Number of attn.attention ops lowered to GPU kernels">,
    Statistic<"numTensorCore", "tensor-core-ops",
              "Number of those lowered to the tensor-core kernel">,
    Statistic<"numWgmma", "wgmma-ops",
              "Number of those computing their scores with wgmma">,
    Statistic<"numLeft", "left-ops",
              "Number of attn.attention ops left for the reference lowering">,
    Statistic<"numSkippedTiles", "skipped-tiles",
              "Number of (query tile, key tile) pairs never visited">,
    Statistic<"numPartialTiles", "partial-tiles",
              "Number of (query tile, key tile) pairs with element masks">
  ];
}

def AttnGPUStageBuffersPass
    : Pass<"attn-gpu-stage-buffers", "::mlir::ModuleOp"> {
  let summary = "Write the host launchers of attn GPU kernels";
  let description = [{
    Gives every launcher declaration left by `--convert-attn-to-gpu` (a
    private `func.func` with `attn.gpu.kernel`, `attn.gpu.grid` and
    `attn.gpu.block`) its body: each host buffer argument gets a `gpu.alloc`
    twin; buffers the kernel reads are copied to the device, the kernel is
    launched with `gpu.launch_func`, buffers it writes are copied back (read
    and write come from the memory effects of the argument's users; a user
    without them, or a view of the argument, counts as both), and
    the twins are freed. Runs after bufferization and buffer deallocation,
    which refuse GPU operations. Dynamic sizes of the buffers size their
    twins (`memref.dim`), and the launcher's trailing `index` arguments give
    the grid entries marked dynamic; the launch is skipped when one of them
    is 0 (an empty query), as CUDA refuses empty grids. Arguments that are not identity-layout
    memrefs in the default memory space, or trailing arguments that do not
    match the dynamic grid entries, are an error.

    Before:
    ```mlir
    func.func private @__attn_gpu_launch(memref<1x2x128x64xf32>, ...,
                                         memref<1x2x128x64xf32>)
        attributes {attn.gpu.block = array<i64: 64, 1, 1>,
                    attn.gpu.grid = array<i64: 2, 2, 1>,
                    attn.gpu.kernel = @__attn_gpu::@attention}
    ```
    After:
    ```mlir
    func.func private @__attn_gpu_launch(%q: memref<1x2x128x64xf32>, ...,
                                         %out: memref<1x2x128x64xf32>) {
      %dq = gpu.alloc () : memref<1x2x128x64xf32>
      gpu.memcpy %dq, %q : memref<1x2x128x64xf32>, memref<1x2x128x64xf32>
      ...
      %dout = gpu.alloc () : memref<1x2x128x64xf32>
      gpu.launch_func @__attn_gpu::@attention blocks in (%c2, %c2, %c1)
          threads in (%c64, %c1, %c1) args(%dq : memref<...>, ...)
      gpu.memcpy %out, %dout : memref<1x2x128x64xf32>, memref<1x2x128x64xf32>
      gpu.dealloc %dq : memref<1x2x128x64xf32>
      ...
      return
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect"
  ];
}

#endif // ATTN_CONVERSION_PASSES_TD
