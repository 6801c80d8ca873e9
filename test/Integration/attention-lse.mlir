// The log-sum-exp result (SPEC 2.1) of every lowering against the naive
// reference: the reference decomposition, the fused CPU kernel (its tiles,
// small tiles on two threads, and split-K planned for 16 threads), the SIMT
// and tensor-core GPU kernels on the GPU simulator.
// RUN: attn-run %s --entry=gqa_causal_learned_sink --seed=1 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --entry=gqa_causal_learned_sink --seed=1 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --pipeline-options="tile-q=16 tile-k=8 num-threads=2" --entry=gqa_causal_learned_sink --seed=1 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --entry=gqa_causal_learned_sink --seed=1 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --entry=rows_without_keys --seed=2 --check --oracle=naive | FileCheck %s --check-prefixes=CHECK,EMPTY
// RUN: attn-run %s --pipeline=cpu --entry=rows_without_keys --seed=2 --check --oracle=naive | FileCheck %s --check-prefixes=CHECK,EMPTY
// RUN: attn-run %s --pipeline=cpu --pipeline-options="tile-q=16 tile-k=8 num-threads=16" --entry=rows_without_keys --seed=2 --check --oracle=naive | FileCheck %s --check-prefixes=CHECK,EMPTY
// RUN: attn-run %s --pipeline=gpu-sim --entry=rows_without_keys --seed=2 --check --oracle=naive | FileCheck %s --check-prefixes=CHECK,EMPTY
// RUN: attn-run %s --entry=rows_without_keys_zero_sink --seed=2 --check --oracle=naive | FileCheck %s --check-prefixes=CHECK,ZERO
// RUN: attn-run %s --pipeline=cpu --entry=rows_without_keys_zero_sink --seed=2 --check --oracle=naive | FileCheck %s --check-prefixes=CHECK,ZERO
// RUN: attn-run %s --pipeline=cpu --pipeline-options="tile-q=16 tile-k=8 num-threads=16" --entry=rows_without_keys_zero_sink --seed=2 --check --oracle=naive | FileCheck %s --check-prefixes=CHECK,ZERO
// RUN: attn-run %s --pipeline=gpu-sim --entry=rows_without_keys_zero_sink --seed=2 --check --oracle=naive | FileCheck %s --check-prefixes=CHECK,ZERO
// RUN: attn-run %s --entry=mqa_decode_split --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=1" --entry=mqa_decode_split --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=16" --entry=mqa_decode_split --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --entry=mqa_decode_split --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --entry=bf16_gqa_zero_sink --seed=4 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --entry=bf16_gqa_zero_sink --seed=4 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=16" --entry=bf16_gqa_zero_sink --seed=4 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --entry=bf16_gqa_zero_sink --seed=4 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=128 tile-k=64" --entry=bf16_gqa_zero_sink --seed=4 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s

// The rows without keys come first:
// EMPTY: result 1: tensor<1x2x40xf32>
// EMPTY-NEXT: values: -inf -inf -inf -inf -inf -inf -inf -inf ...
// ZERO: result 1: tensor<1x2x40xf32>
// ZERO-NEXT: values: 0 0 0 0 0 0 0 0 ...
// CHECK: check: oracle=naive
// CHECK-NOT: FAIL
// CHECK: result 1:
// CHECK-NOT: FAIL
// CHECK: check: PASS

// Grouped-query causal attention with learned sinks; sizes that are not
// tile multiples.
func.func @gqa_causal_learned_sink(%q: tensor<1x4x37x16xf32>, %k: tensor<1x2x53x16xf32>, %v: tensor<1x2x53x24xf32>, %s: tensor<4xf32>) -> (tensor<1x4x37x24xf32>, tensor<1x4x37xf32>) {
  %o, %lse = attn.attention %q, %k, %v sink(%s : tensor<4xf32>) {pattern = #attn.causal, normalizer = #attn.softmax<sink = learned>}
      : tensor<1x4x37x16xf32>, tensor<1x2x53x16xf32>, tensor<1x2x53x24xf32> -> tensor<1x4x37x24xf32>, tensor<1x4x37xf32>
  return %o, %lse : tensor<1x4x37x24xf32>, tensor<1x4x37xf32>
}

// More query rows than keys: bottom-right causal alignment leaves the first
// 16 rows without a key. Their log-sum-exp is -inf without a sink, and 0,
// the zero sink's own term, with one.
func.func @rows_without_keys(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x24x16xf32>, %v: tensor<1x2x24x16xf32>) -> (tensor<1x2x40x16xf32>, tensor<1x2x40xf32>) {
  %o, %lse = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x2x40x16xf32>, tensor<1x2x24x16xf32>, tensor<1x2x24x16xf32> -> tensor<1x2x40x16xf32>, tensor<1x2x40xf32>
  return %o, %lse : tensor<1x2x40x16xf32>, tensor<1x2x40xf32>
}

func.func @rows_without_keys_zero_sink(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x24x16xf32>, %v: tensor<1x2x24x16xf32>) -> (tensor<1x2x40x16xf32>, tensor<1x2x40xf32>) {
  %o, %lse = attn.attention %q, %k, %v {pattern = #attn.causal, normalizer = #attn.softmax<sink = zero>}
      : tensor<1x2x40x16xf32>, tensor<1x2x24x16xf32>, tensor<1x2x24x16xf32> -> tensor<1x2x40x16xf32>, tensor<1x2x40xf32>
  return %o, %lse : tensor<1x2x40x16xf32>, tensor<1x2x40xf32>
}

// Decoding one row per head over one KV head: with 16 planned threads the
// CPU kernel splits the keys and merges the partial states.
func.func @mqa_decode_split(%q: tensor<1x8x1x32xf32>, %k: tensor<1x1x300x32xf32>, %v: tensor<1x1x300x32xf32>, %s: tensor<8xf32>) -> (tensor<1x8x1x32xf32>, tensor<1x8x1xf32>) {
  %o, %lse = attn.attention %q, %k, %v sink(%s : tensor<8xf32>) {pattern = #attn.causal, normalizer = #attn.softmax<sink = learned>}
      : tensor<1x8x1x32xf32>, tensor<1x1x300x32xf32>, tensor<1x1x300x32xf32> -> tensor<1x8x1x32xf32>, tensor<1x8x1xf32>
  return %o, %lse : tensor<1x8x1x32xf32>, tensor<1x8x1xf32>
}

// bf16: dot products on the CPU where the host has them, tensor cores on
// the GPU.
func.func @bf16_gqa_zero_sink(%q: tensor<1x8x33x32xbf16>, %k: tensor<1x2x65x32xbf16>, %v: tensor<1x2x65x32xbf16>) -> (tensor<1x8x33x32xbf16>, tensor<1x8x33xf32>) {
  %o, %lse = attn.attention %q, %k, %v {pattern = #attn.window<left = 20, right = 3>, normalizer = #attn.softmax<sink = zero>}
      : tensor<1x8x33x32xbf16>, tensor<1x2x65x32xbf16>, tensor<1x2x65x32xbf16> -> tensor<1x8x33x32xbf16>, tensor<1x8x33xf32>
  return %o, %lse : tensor<1x8x33x32xbf16>, tensor<1x8x33xf32>
}
