// The instruction set of the fused CPU kernels (`isa`), independent of the
// machine running the test: vector widths, bf16 dot products, and the
// intrinsics they become.
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 isa=avx512-bf16 tile-q=16 tile-k=8" --split-input-file | FileCheck %s --check-prefix=BF16
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 isa=avx512 tile-q=16 tile-k=8" --split-input-file | FileCheck %s --check-prefix=AVX512 --implicit-check-not=x86vector
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 isa=avx512" --split-input-file | FileCheck %s --check-prefix=AUTO512
// RUN: attn-opt %s --convert-attn-to-cpu="isa=avx512 num-threads=8 tile-k=32" --split-input-file | FileCheck %s --check-prefix=SPLIT
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 isa=avx2 tile-q=16 tile-k=8" --split-input-file | FileCheck %s --check-prefix=AVX2 --implicit-check-not=x86vector
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 isa=generic tile-q=16 tile-k=8" --split-input-file | FileCheck %s --check-prefix=GENERIC --implicit-check-not=x86vector
// RUN: attn-opt %s --attn-cpu-pipeline="num-threads=1 isa=avx512-bf16 tile-q=16 tile-k=8" --split-input-file | FileCheck %s --check-prefix=LLVM
// RUN: not attn-opt %s --convert-attn-to-cpu="isa=avx1024" --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: convert-attn-to-cpu: unknown isa 'avx1024' (expected host, avx512-bf16, avx512, avx2 or generic)

// bf16 operands, GQA, an odd number of keys. With avx512-bf16, V is packed
// once per op as pairs of keys (19 pairs, the last one padded with zeros),
// in parallel over (batch, KV head, pair); then both products are bf16 dot
// products: Q K^T over pairs of D (a K pair broadcast to every lane), P V
// over pairs of keys (the f32 weights rounded to bf16 and interleaved).
// BF16-LABEL: func.func @bf16_gqa(
// BF16: %[[PAIRS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x2x19x64xbf16>
// BF16: scf.parallel ({{.*}}) to (%c1{{.*}}, %c2{{.*}}, %c19)
// BF16: vector.interleave %{{.*}}, %{{.*}} : vector<16xbf16> -> vector<32xbf16>
// BF16: vector.store %{{.*}}, %[[PAIRS]]
// BF16: scf.parallel
// BF16: memref.alloca() {alignment = 64 : i64} : memref<16x32xbf16>
// BF16: vector.bitcast %{{.*}} : vector<2xbf16> to vector<1xi32>
// BF16: vector.bitcast %{{.*}} : vector<16xi32> to vector<32xbf16>
// BF16: x86vector.avx512.dot %{{.*}} : vector<32xbf16> -> vector<16xf32>
// BF16: x86vector.avx512.cvt.packed.f32_to_bf16 %{{.*}} : vector<16xf32> -> vector<16xbf16>
// BF16: vector.interleave
// BF16: x86vector.avx512.dot %{{.*}} : vector<32xbf16> -> vector<16xf32>
// BF16: } {attn.tiles = array<i64: 16, 8>}
// Without bf16 dot products, bf16 is widened to f32 and multiplied by FMAs
// of the isa's width.
// AVX512-LABEL: func.func @bf16_gqa(
// AVX512: arith.extf %{{.*}} : bf16 to f32
// AVX512: vector.fma %{{.*}} : vector<16xf32>
// AVX2-LABEL: func.func @bf16_gqa(
// AVX2: vector.fma %{{.*}} : vector<8xf32>
// GENERIC-LABEL: func.func @bf16_gqa(
// GENERIC: vector.fma %{{.*}} : vector<4xf32>
// LLVM-LABEL: llvm.func @bf16_gqa(
// LLVM: llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"
// LLVM: llvm.call_intrinsic "llvm.x86.avx512bf16.cvtneps2bf16.512"
func.func @bf16_gqa(%q: tensor<1x4x40x32xbf16>, %k: tensor<1x2x37x32xbf16>, %v: tensor<1x2x37x32xbf16>) -> tensor<1x4x40x32xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x4x40x32xbf16>, tensor<1x2x37x32xbf16>, tensor<1x2x37x32xbf16> -> tensor<1x4x40x32xbf16>
  return %o : tensor<1x4x40x32xbf16>
}

// -----

// f32 operands: no dot products on any isa.
// BF16-LABEL: func.func @f32_dense(
// BF16-NOT: x86vector
// BF16: vector.fma %{{.*}} : vector<16xf32>
// BF16-NOT: x86vector
// BF16: return
func.func @f32_dense(%q: tensor<1x1x32x32xf32>, %k: tensor<1x1x32x32xf32>, %v: tensor<1x1x32x32xf32>) -> tensor<1x1x32x32xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x32x32xf32>, tensor<1x1x32x32xf32>, tensor<1x1x32x32xf32> -> tensor<1x1x32x32xf32>
  return %o : tensor<1x1x32x32xf32>
}

// -----

// An odd head dimension has no pairs of D: Q K^T is widened to f32, P V
// (Dv = 16) still uses dot products.
// BF16-LABEL: func.func @odd_head_dim(
// BF16: arith.extf %{{.*}} : bf16 to f32
// BF16: vector.fma %{{.*}} : vector<16xf32>
// BF16: x86vector.avx512.dot %{{.*}} : vector<32xbf16> -> vector<16xf32>
func.func @odd_head_dim(%q: tensor<1x1x32x17xbf16>, %k: tensor<1x1x32x17xbf16>, %v: tensor<1x1x32x16xbf16>) -> tensor<1x1x32x16xbf16> {
  %o = attn.attention %q, %k, %v : tensor<1x1x32x17xbf16>, tensor<1x1x32x17xbf16>, tensor<1x1x32x16xbf16> -> tensor<1x1x32x16xbf16>
  return %o : tensor<1x1x32x16xbf16>
}

// -----

// Decoding with grouped-query heads (Hq = 8, Hkv = 2, Lq = 1): the 4 query
// heads of a group share each tile, one per lane, so the loop runs over the
// KV heads and each key/value tile is read once for the group; with 4 real
// rows the vectors narrow to 4 lanes.
// AVX512-LABEL: func.func @gqa_decode(
// AVX512: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = ({{.*}}) to (%c1{{[_0-9]*}}, %c2{{[_0-9]*}}, %c1{{[_0-9]*}})
// AVX512: vector.fma %{{.*}} : vector<4xf32>
// AVX512: } {attn.tiles = array<i64: 4, {{[0-9]+}}>}
func.func @gqa_decode(%q: tensor<1x8x1x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>) -> tensor<1x8x1x64xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x8x1x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32> -> tensor<1x8x1x64xf32>
  return %o : tensor<1x8x1x64xf32>
}

// -----

// Prefill with 2 heads per group and 16-lane tiles: 8 rows of each head
// side by side, so each key row of the 8 x 8 diagonal mask of the causal
// plan (key j visible to rows >= j) is stored twice (16 bytes), and the loop
// runs over the 2 KV heads.
// AVX512: memref.global "private" constant @{{.*}}masks{{.*}} : memref<1x8x16xi8> = dense<"0x0101010101010101010101010101010100010101010101010001010101010101000001010101010100000101010101010000000101010101000000010101010100000000010101010000000001010101000000000001010100000000000101010000000000000101000000000000010100000000000000010000000000000001">
// AVX512-LABEL: func.func @gqa_prefill(
// AVX512: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = ({{.*}}) to (%c1{{[_0-9]*}}, %c2{{[_0-9]*}}, %c4{{[_0-9]*}})
// AVX512: } {attn.tiles = array<i64: 16, 8>}
func.func @gqa_prefill(%q: tensor<1x4x32x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>) -> tensor<1x4x32x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x4x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32> -> tensor<1x4x32x16xf32>
  return %o : tensor<1x4x32x16xf32>
}

// -----

// Keys and values of a head above 4 MiB (8192 keys x (128 + 128) f32 = 8
// MiB) stream from beyond the caches: the cost model counts reading them
// per query tile and picks 128-lane query tiles; 2048 keys (2 MiB) keep
// 64 x 64.
// AUTO512-LABEL: func.func @streamed_kv(
// AUTO512: } {attn.tiles = array<i64: 128, 128>}
// AUTO512-LABEL: func.func @cached_kv(
// AUTO512: } {attn.tiles = array<i64: 64, 64>}
func.func @streamed_kv(%q: tensor<1x1x256x128xf32>, %k: tensor<1x1x8192x128xf32>, %v: tensor<1x1x8192x128xf32>) -> tensor<1x1x256x128xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x256x128xf32>, tensor<1x1x8192x128xf32>, tensor<1x1x8192x128xf32> -> tensor<1x1x256x128xf32>
  return %o : tensor<1x1x256x128xf32>
}
func.func @cached_kv(%q: tensor<1x1x256x128xf32>, %k: tensor<1x1x2048x128xf32>, %v: tensor<1x1x2048x128xf32>) -> tensor<1x1x256x128xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x256x128xf32>, tensor<1x1x2048x128xf32>, tensor<1x1x2048x128xf32> -> tensor<1x1x256x128xf32>
  return %o : tensor<1x1x256x128xf32>
}

// -----

// Decoding with one KV head: one (batch, KV head, query tile) item for 8
// threads, so the 8 key tiles of 32 are split 8 ways (split-K): each range
// leaves its running maximum, sum and accumulator in a buffer, and a second
// loop merges them through the normalizer's rescale (math.exp of max
// differences) before the output. Planned for one thread: no split.
// SPLIT-LABEL: func.func @mqa_decode(
// SPLIT-DAG: %[[MAX:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x1x1x8x4xf32>
// SPLIT-DAG: %[[ACC:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x1x1x8x4x32xf32>
// SPLIT: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) = ({{.*}}) to (%c1{{[_0-9]*}}, %c1{{[_0-9]*}}, %c1{{[_0-9]*}}, %c8{{[_0-9]*}})
// SPLIT: vector.store %{{.*}}, %[[MAX]]
// SPLIT: vector.store %{{.*}}, %[[ACC]]
// SPLIT: } {attn.splits = 8 : i64, attn.tiles = array<i64: 4, 32>}
// SPLIT: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = ({{.*}}) to (%c1{{[_0-9]*}}, %c1{{[_0-9]*}}, %c1{{[_0-9]*}})
// SPLIT: vector.load %[[MAX]]
// SPLIT: math.exp %{{.*}} : vector<4xf32>
// SPLIT: vector.load %[[ACC]]
// SPLIT: return
// AUTO512-LABEL: func.func @mqa_decode(
// AUTO512-NOT: attn.splits
// AUTO512: return
func.func @mqa_decode(%q: tensor<1x4x1x32xf32>, %k: tensor<1x1x256x32xf32>, %v: tensor<1x1x256x32xf32>) -> tensor<1x4x1x32xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x4x1x32xf32>, tensor<1x1x256x32xf32>, tensor<1x1x256x32xf32> -> tensor<1x4x1x32xf32>
  return %o : tensor<1x4x1x32xf32>
}
