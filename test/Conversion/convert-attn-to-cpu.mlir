// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 tile-q=64 tile-k=64 vector-width=8" --split-input-file | FileCheck %s --implicit-check-not=attn.attention
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 vector-width=8" --split-input-file | FileCheck %s --check-prefix=AUTO
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 tile-q=128 tile-k=128 vector-width=8" --split-input-file | FileCheck %s --check-prefix=BIG
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 vector-width=16" --split-input-file | FileCheck %s --check-prefix=W16
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 vector-width=4" --split-input-file | FileCheck %s --check-prefix=W4

// Causal, 256 x 256 in 64 x 64 tiles: query tile t visits key tiles 0..t,
// the diagonal ones (all the same mask, stored once) through the mask
// table; the 6 tiles above the diagonal are never visited.
// CHECK-DAG: memref.global "private" constant @[[$MASKS:__attn_cpu_masks[_0-9]*]] : memref<1x64x64xi8>
// CHECK-DAG: memref.global "private" constant @[[$IDS:__attn_cpu_mask_ids[_0-9]*]] : memref<10xi32> = dense<[0, -1, 0, -1, -1, 0, -1, -1, -1, 0]>
// CHECK-DAG: memref.global "private" constant @[[$TILES:__attn_cpu_tiles[_0-9]*]] : memref<10xi32> = dense<[0, 0, 1, 0, 1, 2, 0, 1, 2, 3]>
// CHECK-DAG: memref.global "private" constant @[[$OFFSETS:__attn_cpu_offsets[_0-9]*]] : memref<5xi32> = dense<[0, 1, 3, 6, 10]>
// BIG-DAG: memref.global "private" constant @{{.*}}offsets{{.*}} : memref<3xi32> = dense<[0, 1, 3]>
// With tile sizes left to the cost model, sparse patterns get smaller
// tiles (fewer invisible pairs visited), recorded on the loop.
// AUTO-LABEL: func.func @causal(
// AUTO: } {attn.tiles = array<i64: 16, 16>}
// The vector width of the target (AVX-512: 16 lanes, SSE/NEON: 4) sets
// the vectors and the smallest query tile.
// W16-LABEL: func.func @causal(
// W16: vector.fma %{{.*}} : vector<16xf32>
// W16: } {attn.tiles = array<i64: 16, {{[0-9]+}}>}
// W4-LABEL: func.func @causal(
// W4: vector.fma %{{.*}} : vector<4xf32>
// CHECK-LABEL: func.func @causal(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<1x2x256x32xf32>, %[[K:[^:]+]]: tensor<1x2x256x32xf32>, %[[V:[^:]+]]: tensor<1x2x256x32xf32>
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %[[Q]] read_only
// CHECK-DAG: %[[KB:.*]] = bufferization.to_buffer %[[K]] read_only
// CHECK-DAG: %[[VB:.*]] = bufferization.to_buffer %[[V]] read_only
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x2x256x32xf32>
// CHECK: memref.get_global @[[$OFFSETS]]
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}, %{{.*}})
// Per-thread scratch: Q^T, the transposed score tile, the accumulator and
// the row state.
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<32x64xf32>
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<64x64xf32>
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<64x32xf32>
// The key tiles come from the plan, the scores from vector FMAs.
// CHECK: memref.load %{{.*}}[%{{.*}}] : memref<5xi32>
// CHECK: vector.fma %{{.*}} : vector<8xf32>
// CHECK: vector.load %{{.*}} : memref<1x64x64xi8>, vector<8xi8>
// exp became a polynomial (fast-math): no math.exp is left.
// CHECK-NOT: math.exp
// CHECK: vector.store %{{.*}}, %[[OUT]]
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: return %[[R]]
func.func @causal(%q: tensor<1x2x256x32xf32>, %k: tensor<1x2x256x32xf32>, %v: tensor<1x2x256x32xf32>) -> tensor<1x2x256x32xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x256x32xf32>, tensor<1x2x256x32xf32>, tensor<1x2x256x32xf32> -> tensor<1x2x256x32xf32>
  return %o : tensor<1x2x256x32xf32>
}

// -----

// Window of 64 with 4 sinks: query tile 3 skips key tile 1; the sink tile
// and the band edges are partial. f16 is widened to f32 and the output
// rounded once.
// CHECK-DAG: memref.global "private" constant @{{.*}}tiles{{.*}} : memref<9xi32> = dense<[0, 0, 1, 0, 1, 2, 0, 2, 3]>
// CHECK-DAG: memref.global "private" constant @{{.*}}offsets{{.*}} : memref<5xi32> = dense<[0, 1, 3, 6, 9]>
// AUTO-LABEL: func.func @window(
// AUTO: } {attn.tiles = array<i64: 8, 8>}
// CHECK-LABEL: func.func @window(
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %{{.*}} : vector<8xf32> to vector<8xf16>
func.func @window(%q: tensor<1x1x256x16xf16>, %k: tensor<1x1x256x16xf16>, %v: tensor<1x1x256x16xf16>) -> tensor<1x1x256x16xf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 64, right = 0, sinks = 4>} : tensor<1x1x256x16xf16>, tensor<1x1x256x16xf16>, tensor<1x1x256x16xf16> -> tensor<1x1x256x16xf16>
  return %o : tensor<1x1x256x16xf16>
}

// -----

// Dense with sizes that are not multiples of the tiles: one query tile
// (Lq = 5 rounds up to 8 rows), key tiles of 64 and a cut-off last tile
// whose missing columns are masked.
// CHECK-DAG: memref.global "private" constant @{{.*}}masks{{.*}} : memref<1x64x8xi8>
// CHECK-DAG: memref.global "private" constant @{{.*}}mask_ids{{.*}} : memref<2xi32> = dense<[-1, 0]>
// AUTO-LABEL: func.func @ragged(
// AUTO: } {attn.tiles = array<i64: 8, 16>}
// CHECK-LABEL: func.func @ragged(
// CHECK: scf.parallel
func.func @ragged(%q: tensor<2x3x5x12xf32>, %k: tensor<2x3x100x12xf32>, %v: tensor<2x3x100x6xf32>) -> tensor<2x3x5x6xf32> {
  %o = attn.attention %q, %k, %v : tensor<2x3x5x12xf32>, tensor<2x3x100x12xf32>, tensor<2x3x100x6xf32> -> tensor<2x3x5x6xf32>
  return %o : tensor<2x3x5x6xf32>
}

// -----

// Dense, large: the cost model keeps the largest tiles, which amortise the
// per-tile work; nothing is masked.
// AUTO-LABEL: func.func @dense_big(
// AUTO: scf.parallel
// AUTO: } {attn.tiles = array<i64: 64, 64>}
// AUTO-NOT: __attn_cpu_masks
func.func @dense_big(%q: tensor<1x1x512x64xf32>, %k: tensor<1x1x512x64xf32>, %v: tensor<1x1x512x64xf32>) -> tensor<1x1x512x64xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x512x64xf32>, tensor<1x1x512x64xf32>, tensor<1x1x512x64xf32> -> tensor<1x1x512x64xf32>
  return %o : tensor<1x1x512x64xf32>
}
