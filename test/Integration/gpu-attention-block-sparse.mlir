// Every case of attention-block-sparse.mlir (patterns x normalizers) through --attn-gpu-pipeline
// on the GPU, with the default tiles and with 32 x 4 tiles (every op spans
// many key tiles and partial-tile masks), against the naive C++ reference.
// REQUIRES: cuda
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --entry=block_sparse_softmax --seed=1 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=block_sparse_softmax --seed=1 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --entry=block_sparse_learned_sink --seed=2 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=block_sparse_learned_sink --seed=2 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --entry=block_sparse_zero_sink --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=block_sparse_zero_sink --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --entry=block_sparse_relu --seed=4 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=block_sparse_relu --seed=4 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --entry=block_sparse_relu_visible --seed=5 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=block_sparse_relu_visible --seed=5 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --entry=block_sparse_relu_none --seed=6 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=block_sparse_relu_none --seed=6 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --entry=block_sparse_sigmoid --seed=7 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=block_sparse_sigmoid --seed=7 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --entry=block_sparse_sigmoid_bias --seed=8 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=block_sparse_sigmoid_bias --seed=8 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --entry=block_sparse_softplus_l1 --seed=9 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=block_sparse_softplus_l1 --seed=9 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --entry=block_sparse_softplus_l1_len --seed=10 --check --oracle=naive | FileCheck %s
// RUN: attn-run %S/attention-block-sparse.mlir --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --entry=block_sparse_softplus_l1_len --seed=10 --check --oracle=naive | FileCheck %s

// CHECK: check: oracle=naive
// CHECK-NOT: FAIL
// CHECK: check: PASS
