// Every case of attention-dense.mlir (patterns x normalizers) through --attn-gpu-pipeline
// on the GPU, with the default tiles and with 32 x 4 tiles (every op spans
// many key tiles and partial-tile masks), against the naive C++ reference.
// REQUIRES: cuda
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --entry=dense_softmax --seed=1 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=dense_softmax --seed=1 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --entry=dense_learned_sink --seed=2 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=dense_learned_sink --seed=2 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --entry=dense_zero_sink --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=dense_zero_sink --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --entry=dense_relu --seed=4 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=dense_relu --seed=4 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --entry=dense_relu_visible --seed=5 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=dense_relu_visible --seed=5 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --entry=dense_relu_none --seed=6 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=dense_relu_none --seed=6 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --entry=dense_sigmoid --seed=7 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=dense_sigmoid --seed=7 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --entry=dense_sigmoid_bias --seed=8 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=dense_sigmoid_bias --seed=8 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --entry=dense_softplus_l1 --seed=9 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=dense_softplus_l1 --seed=9 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --entry=dense_softplus_l1_len --seed=10 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-dense.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=dense_softplus_l1_len --seed=10 --check --oracle=naive | FileCheck %s

// CHECK: check: oracle=naive
// CHECK-NOT: FAIL
// CHECK: check: PASS
