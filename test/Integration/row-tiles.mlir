// Tiles of a larger attention (q_offset, q_len), as tiling along the query
// rows makes them, run through the fused CPU kernel and the GPU kernels (on
// the GPU simulator: SIMT f32, mma.sync and wgmma bf16) with a plan made at
// run time from the pattern's key ranges: each tiled function against the
// untiled one on the reference pipeline, same inputs.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-opt %s --transform-preload-library="transform-library-paths=%S/Inputs/tile-rows-32.mlir" --transform-interpreter --canonicalize -o %t/tiled.mlir
// RUN: FileCheck %s --check-prefix=TILED --input-file=%t/tiled.mlir
// TILED-COUNT-6: scf.for
// TILED-NOT: attn.attention {{[^q]*}}:
// RUN: attn-opt %t/tiled.mlir --convert-attn-to-cpu="num-threads=1" 2>&1 | FileCheck %s --check-prefix=LOWERED
// LOWERED-NOT: remark
// LOWERED-NOT: attn.attention
// RUN: attn-opt %t/tiled.mlir --convert-attn-to-gpu 2>&1 | FileCheck %s --check-prefix=GPU
// GPU-NOT: remark
// GPU-NOT: attn.attention
// GPU-COUNT-5: attn.gpu.path = "simt.f32"
// GPU-NOT: remark
// GPU: attn.gpu.path = "mma.m16n8k16.bf16"
//
// RUN: attn-run %s --entry=gqa_causal --seed=1 --output-dir=%t/ref
// RUN: attn-run %t/tiled.mlir --pipeline=cpu --entry=gqa_causal --seed=1 --check-against=%t/ref/gqa_causal.result0.npy | FileCheck %s
// RUN: attn-run %t/tiled.mlir --pipeline=cpu --pipeline-options="tile-q=16 tile-k=8 num-threads=2" --entry=gqa_causal --seed=1 --check-against=%t/ref/gqa_causal.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=chunk_causal --seed=2 --output-dir=%t/ref
// RUN: attn-run %t/tiled.mlir --pipeline=cpu --entry=chunk_causal --seed=2 --check-against=%t/ref/chunk_causal.result0.npy | FileCheck %s
// RUN: attn-run %t/tiled.mlir --pipeline=cpu --pipeline-options="tile-q=16 tile-k=8 num-threads=2" --entry=chunk_causal --seed=2 --check-against=%t/ref/chunk_causal.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=window_sinks --seed=3 --output-dir=%t/ref
// RUN: attn-run %t/tiled.mlir --pipeline=cpu --entry=window_sinks --seed=3 --check-against=%t/ref/window_sinks.result0.npy | FileCheck %s
// RUN: attn-run %t/tiled.mlir --pipeline=cpu --pipeline-options="tile-q=16 tile-k=8 num-threads=2" --entry=window_sinks --seed=3 --check-against=%t/ref/window_sinks.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=window_relu_visible --seed=4 --output-dir=%t/ref
// RUN: attn-run %t/tiled.mlir --pipeline=cpu --entry=window_relu_visible --seed=4 --check-against=%t/ref/window_relu_visible.result0.npy | FileCheck %s
// RUN: attn-run %t/tiled.mlir --pipeline=cpu --pipeline-options="tile-q=16 tile-k=8 num-threads=2" --entry=window_relu_visible --seed=4 --check-against=%t/ref/window_relu_visible.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=neighborhood --seed=5 --output-dir=%t/ref
// RUN: attn-run %t/tiled.mlir --pipeline=cpu --entry=neighborhood --seed=5 --check-against=%t/ref/neighborhood.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=bf16_window_lse --seed=6 --output-dir=%t/ref
// RUN: attn-run %t/tiled.mlir --pipeline=cpu --entry=bf16_window_lse --seed=6 --check-against=%t/ref/bf16_window_lse.result0.npy,%t/ref/bf16_window_lse.result1.npy --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %t/tiled.mlir --pipeline=gpu-sim --entry=gqa_causal --seed=1 --check-against=%t/ref/gqa_causal.result0.npy | FileCheck %s
// RUN: attn-run %t/tiled.mlir --pipeline=gpu-sim --entry=chunk_causal --seed=2 --check-against=%t/ref/chunk_causal.result0.npy | FileCheck %s
// RUN: attn-run %t/tiled.mlir --pipeline=gpu-sim --entry=window_sinks --seed=3 --check-against=%t/ref/window_sinks.result0.npy | FileCheck %s
// RUN: attn-run %t/tiled.mlir --pipeline=gpu-sim --entry=window_relu_visible --seed=4 --check-against=%t/ref/window_relu_visible.result0.npy | FileCheck %s
// RUN: attn-run %t/tiled.mlir --pipeline=gpu-sim --entry=neighborhood --seed=5 --check-against=%t/ref/neighborhood.result0.npy | FileCheck %s
// RUN: attn-run %t/tiled.mlir --pipeline=gpu-sim --entry=bf16_window_lse --seed=6 --check-against=%t/ref/bf16_window_lse.result0.npy,%t/ref/bf16_window_lse.result1.npy --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %t/tiled.mlir --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true tile-q=64" --entry=bf16_window_lse --seed=6 --check-against=%t/ref/bf16_window_lse.result0.npy,%t/ref/bf16_window_lse.result1.npy --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: check: PASS

// Grouped-query causal attention, 2 query heads per KV head (sharing the
// kernel's lanes), 3 row tiles.
func.func @gqa_causal(%q: tensor<1x4x96x16xf32>, %k: tensor<1x2x96x16xf32>, %v: tensor<1x2x96x16xf32>) -> tensor<1x4x96x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x4x96x16xf32>, tensor<1x2x96x16xf32>, tensor<1x2x96x16xf32> -> tensor<1x4x96x16xf32>
  return %o : tensor<1x4x96x16xf32>
}

// Chunked prefill: 64 rows against 203 keys (bottom-right causal), bias.
func.func @chunk_causal(%q: tensor<2x2x64x16xf32>, %k: tensor<2x2x203x16xf32>, %v: tensor<2x2x203x24xf32>, %b: tensor<2x1x64x203xf32>) -> tensor<2x2x64x24xf32> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<2x1x64x203xf32>) {pattern = #attn.causal}
      : tensor<2x2x64x16xf32>, tensor<2x2x203x16xf32>, tensor<2x2x203x24xf32> -> tensor<2x2x64x24xf32>
  return %o : tensor<2x2x64x24xf32>
}

// Sliding window with sink tokens and learned sinks.
func.func @window_sinks(%q: tensor<1x2x96x16xf32>, %k: tensor<1x2x96x16xf32>, %v: tensor<1x2x96x16xf32>, %s: tensor<2xf32>) -> tensor<1x2x96x16xf32> {
  %o = attn.attention %q, %k, %v sink(%s : tensor<2xf32>) {pattern = #attn.window<left = 20, right = 2, sinks = 3>, normalizer = #attn.softmax<sink = learned>}
      : tensor<1x2x96x16xf32>, tensor<1x2x96x16xf32>, tensor<1x2x96x16xf32> -> tensor<1x2x96x16xf32>
  return %o : tensor<1x2x96x16xf32>
}

// A normalizer that counts each row's visible keys.
func.func @window_relu_visible(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 9, sinks = 1>, normalizer = #attn.relu<norm = visible>}
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32> -> tensor<1x2x64x16xf32>
  return %o : tensor<1x2x64x16xf32>
}

// A pattern without key ranges of its own: every key tile, tested per pair.
func.func @neighborhood(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [8, 8], kernel = [3, 5]>}
      : tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32> -> tensor<1x2x64x16xf32>
  return %o : tensor<1x2x64x16xf32>
}

// bf16 (dot products where the host has them) with the log-sum-exp.
func.func @bf16_window_lse(%q: tensor<1x4x64x32xbf16>, %k: tensor<1x1x64x32xbf16>, %v: tensor<1x1x64x32xbf16>) -> (tensor<1x4x64x32xbf16>, tensor<1x4x64xf32>) {
  %o, %lse = attn.attention %q, %k, %v {pattern = #attn.window<left = 17, sinks = 2>}
      : tensor<1x4x64x32xbf16>, tensor<1x1x64x32xbf16>, tensor<1x1x64x32xbf16> -> tensor<1x4x64x32xbf16>, tensor<1x4x64xf32>
  return %o, %lse : tensor<1x4x64x32xbf16>, tensor<1x4x64xf32>
}
