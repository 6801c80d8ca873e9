// As dynamic-kernels.mlir, through --attn-gpu-pipeline (PTX) and the
// project's CUDA runtime on attn-run's simulated CUDA driver: device buffers
// and the launch grid sized at run time.
// REQUIRES: cuda-runtime
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/dynamic_kernels.py %t gpt2dyn-eager,mistraldyn-eager,llamakvdyn-eager cuda attn-opt attn-run | FileCheck %s
// CHECK-COUNT-3: dynamic-kernels=True remarks=0 max_abs_err={{.*}} padding-zero=True PASS
// CHECK-NOT: FAIL
