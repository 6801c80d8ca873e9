// Stages in dynamic shared memory on a real H100 / H200: with
// shared-memory-bytes above the 48 KiB static limit the kernels take larger
// key tiles (mma.sync) and two warpgroups at D = 128 (wgmma), launched with
// the function's dynamic shared memory limit raised by the runtime. Cases
// of gpu-sim-tensor-cores.mlir against the naive C++ reference; that file
// runs the same options in the simulator and checks which kernel each gets.
// REQUIRES: cuda-sm90
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="tile-q=128 tile-k=128 shared-memory-bytes=163840" --entry=f16_nbhd1d_causal_stride --seed=7 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="tile-q=64 tile-k=128 shared-memory-bytes=98304" --entry=bf16_dense_gqa --seed=1 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true tile-q=128 tile-k=64 shared-memory-bytes=131072" --entry=f16_nbhd1d_causal_stride --seed=7 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s
// RUN: attn-run %S/gpu-sim-tensor-cores.mlir --pipeline=cuda --pipeline-options="wgmma=true tile-k=128 shared-memory-bytes=98304" --entry=bf16_block_sparse_zero_sink --seed=6 --check --oracle=naive --atol=4e-3 --rtol=2e-2 | FileCheck %s

// CHECK: check: oracle=naive
// CHECK-NOT: FAIL
// CHECK: check: PASS
