// Every case of attention-edges.mlir (patterns x normalizers) through --attn-gpu-pipeline
// on the GPU, with the default tiles and with 32 x 4 tiles (every op spans
// many key tiles and partial-tile masks), against the naive C++ reference.
// REQUIRES: cuda
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=decode_causal_softmax --seed=1 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=decode_causal_softmax --seed=1 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=chunk_window_softmax --seed=2 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=chunk_window_softmax --seed=2 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=fully_masked_rows_softmax --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=fully_masked_rows_softmax --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=huge_logits_softmax --seed=4 --check --oracle=naive --random-step=0.03125 | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=huge_logits_softmax --seed=4 --check --oracle=naive --random-step=0.03125 | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=mqa_dv_softcap_softmax --seed=5 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=mqa_dv_softcap_softmax --seed=5 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=decode_causal_learned_sink --seed=6 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=decode_causal_learned_sink --seed=6 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=chunk_window_learned_sink --seed=7 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=chunk_window_learned_sink --seed=7 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=fully_masked_rows_learned_sink --seed=8 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=fully_masked_rows_learned_sink --seed=8 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=huge_logits_learned_sink --seed=9 --check --oracle=naive --random-step=0.03125 | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=huge_logits_learned_sink --seed=9 --check --oracle=naive --random-step=0.03125 | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=mqa_dv_softcap_learned_sink --seed=10 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=mqa_dv_softcap_learned_sink --seed=10 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=decode_causal_relu_visible --seed=11 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=decode_causal_relu_visible --seed=11 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=chunk_window_relu_visible --seed=12 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=chunk_window_relu_visible --seed=12 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=fully_masked_rows_relu_visible --seed=13 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=fully_masked_rows_relu_visible --seed=13 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=huge_logits_relu_visible --seed=14 --check --oracle=naive --random-step=0.03125 | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=huge_logits_relu_visible --seed=14 --check --oracle=naive --random-step=0.03125 | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=mqa_dv_softcap_relu_visible --seed=15 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=mqa_dv_softcap_relu_visible --seed=15 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=decode_causal_softplus_l1_len --seed=16 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=decode_causal_softplus_l1_len --seed=16 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=chunk_window_softplus_l1_len --seed=17 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=chunk_window_softplus_l1_len --seed=17 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=fully_masked_rows_softplus_l1_len --seed=18 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=fully_masked_rows_softplus_l1_len --seed=18 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=huge_logits_softplus_l1_len --seed=19 --check --oracle=naive --random-step=0.03125 | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=huge_logits_softplus_l1_len --seed=19 --check --oracle=naive --random-step=0.03125 | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --entry=mqa_dv_softcap_softplus_l1_len --seed=20 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-edges.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=mqa_dv_softcap_softplus_l1_len --seed=20 --check --oracle=naive | FileCheck %s

// CHECK: check: oracle=naive
// CHECK-NOT: FAIL
// CHECK: check: PASS
