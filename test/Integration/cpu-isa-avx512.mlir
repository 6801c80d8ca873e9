// The fused CPU kernels built for isa=avx512, JIT-compiled and run against the
// naive reference (cases in Inputs/cpu-isa-bf16.mlir and cpu-isa-f32.mlir),
// with the tiles the cost model picks, with small tiles on two threads, and
// planned for 16 threads (split-K on the cases with few query tiles).
// Skipped (UNSUPPORTED) where the host lacks the ISA (lit.cfg.py asks
// `attn-run --host-isa`).
// REQUIRES: host-avx512
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512" --entry=bf16_gqa_causal --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512 tile-q=16 tile-k=8 num-threads=2" --entry=bf16_gqa_causal --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512 num-threads=16" --entry=bf16_gqa_causal --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512" --entry=bf16_window_learned_sink --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512 tile-q=16 tile-k=8 num-threads=2" --entry=bf16_window_learned_sink --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512 num-threads=16" --entry=bf16_window_learned_sink --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512" --entry=bf16_odd_head_dim --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512 tile-q=16 tile-k=8 num-threads=2" --entry=bf16_odd_head_dim --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512 num-threads=16" --entry=bf16_odd_head_dim --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512" --entry=bf16_relu_visible --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512 tile-q=16 tile-k=8 num-threads=2" --entry=bf16_relu_visible --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512 num-threads=16" --entry=bf16_relu_visible --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512" --entry=bf16_gqa_chunk_sinks --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512 tile-q=16 tile-k=8 num-threads=2" --entry=bf16_gqa_chunk_sinks --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512 num-threads=16" --entry=bf16_gqa_chunk_sinks --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512" --entry=bf16_split_window --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512 tile-q=16 tile-k=8 num-threads=2" --entry=bf16_split_window --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-bf16.mlir --pipeline=cpu --pipeline-options="isa=avx512 num-threads=16" --entry=bf16_split_window --seed=3 --check --oracle=naive --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512" --entry=f32_bias_softcap --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512 tile-q=16 tile-k=8 num-threads=2" --entry=f32_bias_softcap --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512 num-threads=16" --entry=f32_bias_softcap --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512" --entry=f32_gqa_decode --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512 tile-q=16 tile-k=8 num-threads=2" --entry=f32_gqa_decode --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512 num-threads=16" --entry=f32_gqa_decode --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512" --entry=f32_gqa_group3_bias --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512 tile-q=16 tile-k=8 num-threads=2" --entry=f32_gqa_group3_bias --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512 num-threads=16" --entry=f32_gqa_group3_bias --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512" --entry=f32_gqa_head_bias --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512 tile-q=16 tile-k=8 num-threads=2" --entry=f32_gqa_head_bias --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512 num-threads=16" --entry=f32_gqa_head_bias --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512" --entry=f32_mqa_decode_sinks --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512 tile-q=16 tile-k=8 num-threads=2" --entry=f32_mqa_decode_sinks --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/Inputs/cpu-isa-f32.mlir --pipeline=cpu --pipeline-options="isa=avx512 num-threads=16" --entry=f32_mqa_decode_sinks --seed=3 --check --oracle=naive | FileCheck %s

// CHECK: check: oracle=naive
// CHECK-NOT: FAIL
// CHECK: check: PASS
