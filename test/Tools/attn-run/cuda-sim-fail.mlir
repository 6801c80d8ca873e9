// attn-run --cuda-sim-fail=FUNCTION[:N]: with --cuda-driver=sim, the Nth call
// (default the first) of that driver function fails as a real driver's would;
// attn-run reports the runtime's error and exits with 2, never crashes.
// REQUIRES: cuda-runtime
//
// The entry launches its kernel once per call: the first launch fails ...
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuLaunchKernel 2>&1 | FileCheck %s --check-prefix=FIRST
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuLaunchKernel:1 2>&1 | FileCheck %s --check-prefix=FIRST
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuLaunchKernel; echo rc=$? | FileCheck %s --check-prefix=RC2
// ... a second launch never comes in one call, so :2 changes nothing ...
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuLaunchKernel:2 | FileCheck %s --check-prefix=UNTOUCHED
// ... but --bench --warmup=1 --repeat=1 makes calls 2 and 3: the third
// launch is in the timed call, the fourth does not exist.
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --bench --warmup=1 --repeat=1 --cuda-sim-fail=cuLaunchKernel:3 2>&1 | FileCheck %s --check-prefix=BENCH
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --bench --warmup=1 --repeat=1 --cuda-sim-fail=cuLaunchKernel:4 | FileCheck %s --check-prefix=BENCH-OK
// Another function: the first allocation.
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuMemAlloc 2>&1 | FileCheck %s --check-prefix=ALLOC
//
// Usage errors, exit code 2.
// RUN: not attn-run %s --pipeline=cuda --cuda-sim-fail=cuLaunchKernel 2>&1 | FileCheck %s --check-prefix=NOT-SIM
// RUN: attn-run %s --pipeline=cuda --cuda-sim-fail=cuLaunchKernel; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --cuda-sim-fail=cuLaunch 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --cuda-sim-fail=cuLaunch; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --cuda-sim-fail=:2 2>&1 | FileCheck %s --check-prefix=EMPTY-NAME
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --cuda-sim-fail=cuLaunchKernel:0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --cuda-sim-fail=cuLaunchKernel:-1 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --cuda-sim-fail=cuLaunchKernel:x 2>&1 | FileCheck %s --check-prefix=WORD
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --cuda-sim-fail=cuLaunchKernel:x; echo rc=$? | FileCheck %s --check-prefix=RC2

// FIRST: attn-cuda-runtime: error: mgpuLaunchKernel: cuLaunchKernel failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (too many resources requested for launch)
// FIRST-NEXT: attn-run: error: the CUDA runtime failed while running @main: mgpuLaunchKernel: cuLaunchKernel failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES
// FIRST-NOT: Stack dump
// UNTOUCHED: cuda-sim: 1 module(s) loaded, 1 launch(es),
// UNTOUCHED: entry: @main (pipeline cuda)
// BENCH: attn-run: error: the CUDA runtime failed during --bench: mgpuLaunchKernel: cuLaunchKernel failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES
// BENCH-OK: bench: warmup=1 repeat=1 median=
// BENCH-OK-NEXT: kernels: {{.*}} (1 launch(es) per call, CUDA events around each)
// ALLOC: attn-cuda-runtime: error: mgpuMemAlloc: cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)
// ALLOC: attn-run: error: the CUDA runtime failed while running @main: mgpuMemAlloc: cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY
// ALLOC-NOT: Stack dump

// NOT-SIM: attn-run: error: --cuda-sim-fail needs --cuda-driver=sim
// NAME: attn-run: error: --cuda-sim-fail: no simulated driver function is called 'cuLaunch'
// EMPTY-NAME: attn-run: error: --cuda-sim-fail: no simulated driver function is called ''
// ZERO: attn-run: error: --cuda-sim-fail: '0' is not a positive call number
// NEG: attn-run: error: --cuda-sim-fail: '-1' is not a positive call number
// WORD: attn-run: error: --cuda-sim-fail: 'x' is not a positive call number
// RC2: rc=2

func.func @main(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}
