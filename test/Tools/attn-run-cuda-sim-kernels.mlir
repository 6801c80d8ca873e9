// Hand-written kernels behind attn launchers (as --convert-attn-to-gpu
// writes them) through --pipeline=cuda on attn-run's simulated CUDA driver:
// --attn-gpu-stage-buffers copies in only what a kernel reads and back only
// what it writes, and a kernel the GPU simulator stops fails its launch with
// the simulator's reason beside the runtime's error.
// REQUIRES: cuda-runtime
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --entry=swap_pairs | FileCheck %s --check-prefix=SWAP
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options=format=isa --entry=out_of_bounds 2>&1 | FileCheck %s --check-prefix=OOB

module attributes {gpu.container_module} {
// swap_pairs: 128 bytes in (the kernel reads %a), 128 bytes back (it writes
// %o), nothing else.
// SWAP: cuda-sim: 1 module(s) loaded, 1 launch(es), 2 device allocation(s) (peak 256 bytes), 128 bytes to the device, 128 bytes back, 0 bytes device to device
// SWAP: values: [[A:[-0-9.e]+]] [[B:[-0-9.e]+]] [[C:[-0-9.e]+]] [[D:[-0-9.e]+]]
// SWAP: values: [[B]] [[A]] [[D]] [[C]]
//
// OOB: attn-cuda-runtime: error: mgpuLaunchKernel: cuLaunchKernel failed: CUDA_ERROR_LAUNCH_FAILED (unspecified launch failure)
// OOB: attn-run: error: the CUDA runtime failed while running @out_of_bounds: mgpuLaunchKernel: cuLaunchKernel failed: CUDA_ERROR_LAUNCH_FAILED
// OOB: attn-run: note: cuda-sim: gpu-sim: {{.*}}attn-run-cuda-sim-kernels.mlir:{{[0-9]+}}:12: 'memref.load' in block (0, 0, 0): thread 4 accesses [4] (+1) outside argument 0 of shape 4
// OOB-NOT: Stack dump
  func.func private @launch_swap(memref<32xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@swap}
  func.func @swap_pairs(%x: tensor<32xf32>) -> (tensor<32xf32>, tensor<32xf32>) {
    %b = bufferization.to_buffer %x read_only : tensor<32xf32> to memref<32xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_swap(%b, %o) : (memref<32xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %x, %r : tensor<32xf32>, tensor<32xf32>
  }
  func.func private @launch_oob(memref<4xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@oob}
  func.func @out_of_bounds(%x: tensor<4xf32>) -> tensor<32xf32> {
    %b = bufferization.to_buffer %x read_only : tensor<4xf32> to memref<4xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_oob(%b, %o) : (memref<4xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }
  gpu.module @k {
    gpu.func @swap(%a: memref<32xf32>, %o: memref<32xf32>) kernel {
      %t = gpu.thread_id x
      %c1 = arith.constant 1 : index
      %p = arith.xori %t, %c1 : index
      %v = memref.load %a[%p] : memref<32xf32>
      memref.store %v, %o[%t] : memref<32xf32>
      gpu.return
    }
    gpu.func @oob(%a: memref<4xf32>, %o: memref<32xf32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<4xf32>
      memref.store %v, %o[%t] : memref<32xf32>
      gpu.return
    }
  }

}
