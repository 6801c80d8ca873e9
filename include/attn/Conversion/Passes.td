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
    Replaces every `attn.attention` with static shapes by a fused
    FlashAttention-2 style loop nest on buffers: `scf.parallel` over
    (batch, query head, query tile), and inside it a loop over the key tiles
    that the op's pattern leaves (partly) visible. The score tile is kept
    transposed (`BK x BQ`) so that the normalizer's running state of a query
    row lives in one vector lane: the row maximum, the weights and the row
    sums are lane-wise vector operations built through
    `NormalizerAttrInterface`, without horizontal reductions. Nothing of size
    `Lq x Lk` is materialised; each thread uses `O(BQ * (D + Dv + BK))`
    floats of stack.

    The key tiles of each query tile are decided at compile time through
    `PatternAttrInterface::classifyTile` and stored in constant tables
    (`memref.global`): invisible tiles are never visited, full tiles run the
    unmasked path, and partial tiles (including tiles cut by the end of the
    sequence) select through a deduplicated table of tile masks. Bias, mask
    and softcap are applied per tile. Scale is folded into the query tile,
    inputs of f16/bf16 are widened to f32, and `exp`/`tanh` of the kernel
    become polynomials (`fast-math`).

    Tile sizes left at 0 are chosen per op: the candidates from 8 to 64 are
    planned and the cheapest plan by a cost model (visited pairs, visited
    tiles, query tiles) wins; sparse patterns get small tiles, dense ones
    large. The choice is recorded as `attn.tiles = [BQ, BK]` on the
    `scf.parallel`.

    Ops this pass cannot lower are left unchanged with a remark, for the
    reference decomposition to take: dynamic shapes, tiled ops
    (`q_offset`), normalizers with a column recalibration (`#attn.act`,
    which needs every row's weights at once), empty dimensions, and patterns
    whose tile tables would exceed `max-table-bytes`.

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
      %first = memref.load @__attn_cpu_plan0_offsets[%qt]
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
           "rounded up); 0 chooses per op from 8 to 64 by the estimated "
           "cost of its tile plan">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"0",
           "Keys per tile (a multiple of 4, clamped to Lk rounded up); 0 "
           "chooses per op like tile-q">,
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"0",
           "f32 lanes per vector: 8 for AVX2, 16 for AVX-512, 4 for SSE or "
           "NEON; 0 asks the host CPU (what attn-run's JIT targets)">,
    Option<"fastMath", "fast-math", "bool", /*default=*/"true",
           "Lower exp and tanh inside the kernels to polynomial "
           "approximations">,
    Option<"maxTableBytes", "max-table-bytes", "int64_t",
           /*default=*/"268435456",
           "Largest tile plan (tables of visible tiles and partial-tile "
           "masks) an op may need; larger ones are left to the reference "
           "lowering">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
  let statistics = [
    Statistic<"numLowered", "lowered-ops",
              "Number of attn.attention ops lowered to fused kernels">,
    Statistic<"numLeft", "left-ops",
              "Number of attn.attention ops left for the reference lowering">,
    Statistic<"numSkippedTiles", "skipped-tiles",
              "Number of (query tile, key tile) pairs never visited">,
    Statistic<"numPartialTiles", "partial-tiles",
              "Number of (query tile, key tile) pairs with element masks">
  ];
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

#endif // ATTN_CONVERSION_PASSES_TD
