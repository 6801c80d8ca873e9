// The project's CUDA runtime (lib/Runtime) without a usable driver: the mgpu*
// entry points that lowered host code calls return null handles instead of
// crashing, each error names the entry point and why, and the first error is
// kept for attnCudaLastError (which attn-run reports).
// REQUIRES: cuda-runtime
// UNSUPPORTED: cuda
// RUN: %python %S/Inputs/cuda_runtime_calls.py %attn_cuda_runtime > %t.out 2> %t.err
// RUN: FileCheck %s --check-prefix=OUT < %t.out
// RUN: FileCheck %s --check-prefix=ERR < %t.err

// OUT: probe: 1 no CUDA driver: dlopen("libcuda.so.1") failed: {{.+}}
// OUT: handles: None None None None
// OUT: first error: mgpuModuleLoad: no CUDA driver: dlopen("libcuda.so.1") failed

// ERR: attn-cuda-runtime: error: mgpuModuleLoad: no CUDA driver
// ERR: attn-cuda-runtime: error: mgpuModuleGetFunction: no module for kernel 'attention' (its module failed to load)
// ERR: attn-cuda-runtime: error: mgpuStreamCreate: no CUDA driver
// ERR: attn-cuda-runtime: error: mgpuMemAlloc: no CUDA driver
// ERR: attn-cuda-runtime: error: mgpuMemcpy: null destination pointer (an allocation failed earlier)
// ERR: attn-cuda-runtime: error: mgpuLaunchKernel: no kernel function (loading it failed)
// ERR: attn-cuda-runtime: error: mgpuMemcpy: null source pointer (an allocation failed earlier)
// ERR: attn-cuda-runtime: error: mgpuStreamSynchronize: no CUDA driver
