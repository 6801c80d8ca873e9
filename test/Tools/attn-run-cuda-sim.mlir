// attn-run --pipeline=cuda --cuda-driver=sim: the host code of the GPU
// pipeline and the project's CUDA runtime run as on a GPU machine, on a
// driver simulated inside attn-run (device memory in checked allocations,
// kernels run by the GPU simulator). The results, what the driver counted,
// kernel timing, and every error path of the runtime: each failure names the
// runtime entry point and the driver call, exits with 2 and never crashes.
// REQUIRES: cuda-runtime
// RUN: attn-run --probe-cuda --cuda-driver=sim | FileCheck %s --check-prefix=PROBE
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --entry=window --seed=3 --check --oracle=naive | FileCheck %s --check-prefix=WINDOW
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options="format=isa tile-q=32 tile-k=4" --entry=window --seed=3 --check --oracle=reference | FileCheck %s --check-prefix=WINDOW
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --entry=bf16_gqa --seed=4 --check --oracle=naive --atol=4e-3 --rtol=4e-3 | FileCheck %s --check-prefix=BF16
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --entry=merge --seed=5 --check --oracle=naive | FileCheck %s --check-prefix=MERGE
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --entry=window --bench --warmup=1 --repeat=2 | FileCheck %s --check-prefix=BENCH
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --entry=window --bench --warmup=0 --repeat=2 --json | FileCheck %s --check-prefix=JSON
//
// PTX for a chip newer than the device does not load.
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options="format=isa chip=sm_100" --entry=window 2>&1 | FileCheck %s --check-prefix=NEWER
//
// Injected driver failures.
// RUN: not attn-run --probe-cuda --cuda-driver=sim --cuda-sim-fail=cuInit 2>&1 | FileCheck %s --check-prefix=INIT
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --cuda-sim-fail=cuInit --entry=window 2>&1 | FileCheck %s --check-prefix=NODEV
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuModuleLoadDataEx --entry=window 2>&1 | FileCheck %s --check-prefix=LOAD
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuModuleGetFunction --entry=window 2>&1 | FileCheck %s --check-prefix=GETFN
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuMemAlloc:2 --entry=window 2>&1 | FileCheck %s --check-prefix=ALLOC
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuMemcpyAsync:3 --entry=window 2>&1 | FileCheck %s --check-prefix=COPY
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuLaunchKernel --entry=window 2>&1 | FileCheck %s --check-prefix=LAUNCH
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuMemFree --entry=window 2>&1 | FileCheck %s --check-prefix=FREE
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuStreamDestroy --entry=window 2>&1 | FileCheck %s --check-prefix=STREAM
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuEventElapsedTime --entry=window --bench --warmup=0 --repeat=1 2>&1 | FileCheck %s --check-prefix=ELAPSED
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --cuda-sim-fail=cuMemFree --entry=window; test $? -eq 2
//
// Usage errors.
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=bogus 2>&1 | FileCheck %s --check-prefix=BAD-DRIVER
// RUN: not attn-run %s --pipeline=cpu --cuda-driver=sim 2>&1 | FileCheck %s --check-prefix=NOT-CUDA
// RUN: not attn-run %s --pipeline=cuda --cuda-sim-fail=cuInit 2>&1 | FileCheck %s --check-prefix=NOT-SIM
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --cuda-sim-fail=cuBogus 2>&1 | FileCheck %s --check-prefix=BAD-FN
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --cuda-sim-fail=cuInit:0 2>&1 | FileCheck %s --check-prefix=BAD-N

// PROBE: cuda: attn-run simulated GPU, sm_90, driver 13.0

// Q, K, V and the tile plan go in; only the output (1x2x40x16 f32) comes back.
// WINDOW: cuda-sim: 1 module(s) loaded, 1 launch(es), {{[0-9]+}} device allocation(s) (peak {{[0-9]+}} bytes), {{[0-9]+}} bytes to the device, 5120 bytes back, 0 bytes device to device
// WINDOW: entry: @window (pipeline cuda)
// WINDOW-NOT: FAIL
// WINDOW: check: PASS
func.func @window(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x50x16xf32>, %v: tensor<1x2x50x16xf32>) -> tensor<1x2x40x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 8, right = 2, sinks = 1>}
      : tensor<1x2x40x16xf32>, tensor<1x2x50x16xf32>, tensor<1x2x50x16xf32> -> tensor<1x2x40x16xf32>
  return %o : tensor<1x2x40x16xf32>
}

// The tensor-core kernel (GQA, 4 query heads on 2 kv heads).
// BF16: cuda-sim: 1 module(s) loaded, 1 launch(es), {{.*}} 8192 bytes back
// BF16-NOT: FAIL
// BF16: check: PASS
func.func @bf16_gqa(%q: tensor<1x4x32x32xbf16>, %k: tensor<1x2x48x32xbf16>, %v: tensor<1x2x48x32xbf16>) -> tensor<1x4x32x32xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x4x32x32xbf16>, tensor<1x2x48x32xbf16>, tensor<1x2x48x32xbf16> -> tensor<1x4x32x32xbf16>
  return %o : tensor<1x4x32x32xbf16>
}

// Token merging: one launch; the merged tokens (2x11x8 f32), their sizes
// (2x11 f32) and the token map (2x16 index) come back: 1048 bytes.
// MERGE: cuda-sim: 1 module(s) loaded, 1 launch(es), {{.*}} 1048 bytes back
// MERGE-NOT: FAIL
// MERGE: check: PASS
func.func @merge(%x: tensor<2x16x8xf32>, %k: tensor<2x16x4xf32>) -> (tensor<2x11x8xf32>, tensor<2x11xf32>, tensor<2x16xindex>) {
  %a, %b, %c = attn.token_merge %x, %k r = 5 : tensor<2x16x8xf32>, tensor<2x16x4xf32> -> tensor<2x11x8xf32>, tensor<2x11xf32>, tensor<2x16xindex>
  return %a, %b, %c : tensor<2x11x8xf32>, tensor<2x11xf32>, tensor<2x16xindex>
}

// BENCH: bench: warmup=1 repeat=2 median={{[0-9.]+}} ms
// BENCH: kernels: median={{[0-9.]+}} ms min={{[0-9.]+}} ms GFLOP/s={{[0-9.]+}} (1 launch(es) per call, CUDA events around each)
// JSON: "bench":{{.*}}"kernel_launches_per_call":1,"kernel_median_ms":{{[0-9.e+-]+}},"kernel_min_ms"
// JSON-SAME: "cuda_sim":{"allocations":{{[0-9]+}},"bytes_from_device":5120,

// NEWER: attn-cuda-runtime: error: mgpuModuleLoadJIT: cuModuleLoadDataEx failed: CUDA_ERROR_NO_BINARY_FOR_GPU
// NEWER: attn-run: note: cuda-sim: PTX for sm_100 on an sm_90 device

// INIT: attn-run: error: no usable CUDA device: cuInit failed: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)
// NODEV: attn-run: error: pipeline 'cuda' needs a usable CUDA driver and device: cuInit failed: CUDA_ERROR_NO_DEVICE
// LOAD: attn-cuda-runtime: error: mgpuModuleLoadJIT: cuModuleLoadDataEx failed: CUDA_ERROR_INVALID_PTX (a PTX JIT compilation failed)
// LOAD: attn-cuda-runtime: error: mgpuModuleGetFunction: no module for kernel 'attention' (its module failed to load)
// LOAD: attn-cuda-runtime: error: mgpuLaunchKernel: no kernel function (loading it failed)
// LOAD: attn-run: error: the CUDA runtime failed while running @window: mgpuModuleLoadJIT: cuModuleLoadDataEx failed
// GETFN: attn-run: error: the CUDA runtime failed while running @window: mgpuModuleGetFunction: cuModuleGetFunction failed: CUDA_ERROR_NOT_FOUND (named symbol not found)
// The second allocation fails: nothing is copied to it, and the kernel gets a
// null pointer, which the driver refuses.
// ALLOC: attn-cuda-runtime: error: mgpuMemAlloc: cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)
// ALLOC: attn-cuda-runtime: error: mgpuMemcpy: null destination pointer (an allocation failed earlier)
// ALLOC: attn-run: error: the CUDA runtime failed while running @window: mgpuMemAlloc: cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY
// ALLOC: attn-run: note: cuda-sim: argument 1 ({{[0-9]+}} bytes at 0x0000000000000000) is not device memory
// COPY: attn-run: error: the CUDA runtime failed while running @window: mgpuMemcpy: cuMemcpyAsync failed: CUDA_ERROR_INVALID_VALUE (invalid argument)
// LAUNCH: attn-run: error: the CUDA runtime failed while running @window: mgpuLaunchKernel: cuLaunchKernel failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (too many resources requested for launch)
// FREE: attn-run: error: the CUDA runtime failed while running @window: mgpuMemFree: cuMemFree failed: CUDA_ERROR_INVALID_VALUE (invalid argument)
// FREE: attn-run: note: cuda-sim: still alive: 1 device allocation(s)
// STREAM: attn-run: error: the CUDA runtime failed while running @window: mgpuStreamDestroy: cuStreamDestroy failed: CUDA_ERROR_INVALID_HANDLE (invalid resource handle)
// STREAM: attn-run: note: cuda-sim: still alive: 1 stream(s)
// ELAPSED: attn-run: error: the CUDA runtime failed during --bench: attnCudaTakeKernelTime: cuEventElapsedTime failed: CUDA_ERROR_INVALID_HANDLE
// INIT-NOT: Stack dump
// ALLOC-NOT: Stack dump

// BAD-DRIVER: attn-run: error: unknown --cuda-driver 'bogus' (expected system or sim)
// NOT-CUDA: attn-run: error: --cuda-driver=sim needs --pipeline=cuda (or --probe-cuda)
// NOT-SIM: attn-run: error: --cuda-sim-fail needs --cuda-driver=sim
// BAD-FN: attn-run: error: --cuda-sim-fail: no simulated driver function is called 'cuBogus'
// BAD-N: attn-run: error: --cuda-sim-fail: '0' is not a positive call number
