// Every case of attention-bf16.mlir (patterns x normalizers) through --attn-gpu-pipeline
// on the GPU, with the default tiles and with 32 x 4 tiles (every op spans
// many key tiles and partial-tile masks), against the naive C++ reference.
// REQUIRES: cuda
// RUN: attn-run %S/attention-bf16.mlir --pipeline=cuda --entry=bf16_causal_softmax --seed=1 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/attention-bf16.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=bf16_causal_softmax --seed=1 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/attention-bf16.mlir --pipeline=cuda --entry=bf16_causal_learned_sink --seed=2 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/attention-bf16.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=bf16_causal_learned_sink --seed=2 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/attention-bf16.mlir --pipeline=cuda --entry=bf16_causal_sigmoid --seed=3 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/attention-bf16.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=bf16_causal_sigmoid --seed=3 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/attention-bf16.mlir --pipeline=cuda --entry=bf16_nbhd2d_softmax --seed=4 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/attention-bf16.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=bf16_nbhd2d_softmax --seed=4 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/attention-bf16.mlir --pipeline=cuda --entry=bf16_nbhd2d_learned_sink --seed=5 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/attention-bf16.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=bf16_nbhd2d_learned_sink --seed=5 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/attention-bf16.mlir --pipeline=cuda --entry=bf16_nbhd2d_sigmoid --seed=6 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/attention-bf16.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=bf16_nbhd2d_sigmoid --seed=6 --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s

// CHECK: check: oracle=naive
// CHECK-NOT: FAIL
// CHECK: check: PASS
