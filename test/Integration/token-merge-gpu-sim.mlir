// The token-merge ops of token-merge-cpu.mlir through the GPU kernels of
// --convert-attn-to-gpu (a block of 128 threads per batch row for
// attn.token_merge, a block per token with threads over the channels for
// attn.token_unmerge), run by attn-run's GPU simulator against the naive
// reference (and, for exact f32 ties, the reference pipeline).
// token-merge-gpu-paths.mlir: which kernel which size gets, bit-exactness.
// RUN: attn-opt %S/token-merge-cpu.mlir --convert-attn-to-gpu 2>&1 | FileCheck %s --check-prefix=KERNEL
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=bipartite --seed=1 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=bipartite_protect_sizes --seed=2 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=bipartite_max_r --seed=3 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=complete_graph --seed=4 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=complete_graph_protect_sizes --seed=5 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=unmerge --seed=6 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=bipartite_f16 --seed=7 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=complete_graph_f16 --seed=8 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=vit_bipartite --seed=9 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=vit_bipartite --seed=9 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=vit_complete_graph --seed=10 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=vit_heap_f16 --seed=12 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=vit_unmerge --seed=11 --check --oracle=naive | FileCheck %s --check-prefix=PASS
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=bipartite --seed=2 --random-step=1 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=bipartite_protect_sizes --seed=3 --random-step=0.5 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=complete_graph --seed=2 --random-step=1 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=complete_graph --seed=4 --random-step=1 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=complete_graph_protect_sizes --seed=5 --random-step=1 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=vit_bipartite --seed=1 --random-step=1 --check --oracle=reference | FileCheck %s --check-prefix=TIES
// RUN: attn-run %S/token-merge-cpu.mlir --pipeline=gpu-sim --entry=vit_complete_graph --seed=1 --random-step=1 --check --oracle=reference | FileCheck %s --check-prefix=TIES

// PASS: check: oracle=naive
// PASS-NOT: FAIL
// PASS: check: PASS
// TIES: check: oracle=reference
// TIES-NOT: FAIL
// TIES: check: PASS

// KERNEL-NOT: remark: left for the reference lowering
// KERNEL: func.func private @__attn_gpu_launch{{.*}} attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: {{[0-9]+}}, 1, 1>, attn.gpu.kernel = @__attn_gpu::@token_merge
// KERNEL: gpu.func @token_merge(
// KERNEL-SAME: workgroup(
// KERNEL-SAME: attn.gpu.path = "block"
// KERNEL: gpu.func @token_unmerge(
