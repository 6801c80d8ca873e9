// The wgmma kernels (wgmma=true: attn-run compiles for sm_90a on an sm_90
// device) on a real H100 / H200, every tensor-core case of
// gpu-sim-tensor-cores.mlir with one and two warpgroups per block, against
// the naive C++ reference. This is the hardware check of the descriptor
// layout the simulator assumes (test/Tools/attn-run-gpu-sim-wgmma.mlir).
// REQUIRES: cuda-sm90
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true" --entry=bf16_dense_gqa --seed=1 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true tile-q=128 tile-k=64" --entry=bf16_dense_gqa --seed=1 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true" --entry=f16_causal_sink_dv48 --seed=2 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true tile-q=128 tile-k=64" --entry=f16_causal_sink_dv48 --seed=2 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true" --entry=bf16_nbhd2d_dil_bias_mask_sigmoid --seed=3 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true tile-q=128 tile-k=64" --entry=bf16_nbhd2d_dil_bias_mask_sigmoid --seed=3 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true" --entry=f16_window_softcap_relu_visible --seed=4 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true tile-q=128 tile-k=64" --entry=f16_window_softcap_relu_visible --seed=4 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true" --entry=bf16_cross_ragged_softplus_l1 --seed=5 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true tile-q=128 tile-k=64" --entry=bf16_cross_ragged_softplus_l1 --seed=5 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true" --entry=bf16_block_sparse_zero_sink --seed=6 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true tile-q=128 tile-k=64" --entry=bf16_block_sparse_zero_sink --seed=6 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true" --entry=f16_nbhd1d_causal_stride --seed=7 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true tile-q=128 tile-k=64" --entry=f16_nbhd1d_causal_stride --seed=7 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s

// CHECK: check: oracle=naive
// CHECK-NOT: FAIL
// CHECK: check: PASS
