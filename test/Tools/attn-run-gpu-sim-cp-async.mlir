// attn-run's GPU simulator runs cp.async (nvgpu.device_async_copy,
// device_async_create_group, device_async_wait) asynchronously: the source
// is read at issue, the shared destination written only when a wait
// completes the copy's group. A one-warp kernel copies a 32 x 8 f16 array
// to shared memory 16 bytes per thread, waits, synchronises and reads its
// neighbour's row: the result is numpy's roll, bit for bit. The other
// entries read before any wait, wait for too little (one group may stay
// outstanding), skip the barrier (a race with the neighbour's copy), and
// end with copies never waited for.
// REQUIRES: numpy
// RUN: %python -c "import numpy as np; a = np.arange(256, dtype=np.float16).reshape(32, 8); np.save('%t.a.npy', a); np.save('%t.rot.npy', np.roll(a, -1, axis=0))"
// RUN: attn-run %s --pipeline=gpu-sim --entry=rotate --input=%t.a.npy --check-against=%t.rot.npy --atol=0 --rtol=0 | FileCheck %s
// RUN: not attn-run %s --pipeline=gpu-sim --entry=no_wait --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=PENDING
// RUN: not attn-run %s --pipeline=gpu-sim --entry=wait_too_little --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=PENDING
// RUN: not attn-run %s --pipeline=gpu-sim --entry=no_barrier --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=RACE
// RUN: not attn-run %s --pipeline=gpu-sim --entry=never_waited --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=END

// CHECK: gpu-sim: 1 thread blocks simulated; kernels: good
// CHECK: result 0: max_abs_err=0 max_rel_err=0 (atol=0, rtol=0) PASS
// PENDING: 'vector.load' in block (0, 0, 0): thread 0 reads element 8 of workgroup buffer 0, which a cp.async is still writing (no nvgpu.device_async_wait has completed it)
// RACE: 'vector.load' in block (0, 0, 0): data race on element 8 of workgroup buffer 0: thread 0 reads it, and thread 1 of block #0 wrote it with no barrier between them
// END: 'gpu.func' in block (0, 0, 0): ends with 32 cp.async copies no nvgpu.device_async_wait completed (thread 0 into workgroup buffer 0)

module attributes {gpu.container_module} {

  func.func private @launch_good(memref<32x8xf16>, memref<32x8xf16>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@good}
  func.func @rotate(%x: tensor<32x8xf16>) -> tensor<32x8xf16> {
    %a = bufferization.to_buffer %x read_only : tensor<32x8xf16> to memref<32x8xf16>
    %o = memref.alloc() : memref<32x8xf16>
    call @launch_good(%a, %o) : (memref<32x8xf16>, memref<32x8xf16>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32x8xf16> to tensor<32x8xf16>
    return %r : tensor<32x8xf16>
  }
  func.func private @launch_nowait(memref<32x8xf16>, memref<32x8xf16>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@nowait}
  func.func @no_wait(%x: tensor<32x8xf16>) -> tensor<32x8xf16> {
    %a = bufferization.to_buffer %x read_only : tensor<32x8xf16> to memref<32x8xf16>
    %o = memref.alloc() : memref<32x8xf16>
    call @launch_nowait(%a, %o) : (memref<32x8xf16>, memref<32x8xf16>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32x8xf16> to tensor<32x8xf16>
    return %r : tensor<32x8xf16>
  }
  func.func private @launch_waitone(memref<32x8xf16>, memref<32x8xf16>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@waitone}
  func.func @wait_too_little(%x: tensor<32x8xf16>) -> tensor<32x8xf16> {
    %a = bufferization.to_buffer %x read_only : tensor<32x8xf16> to memref<32x8xf16>
    %o = memref.alloc() : memref<32x8xf16>
    call @launch_waitone(%a, %o) : (memref<32x8xf16>, memref<32x8xf16>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32x8xf16> to tensor<32x8xf16>
    return %r : tensor<32x8xf16>
  }
  func.func private @launch_nobarrier(memref<32x8xf16>, memref<32x8xf16>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@nobarrier}
  func.func @no_barrier(%x: tensor<32x8xf16>) -> tensor<32x8xf16> {
    %a = bufferization.to_buffer %x read_only : tensor<32x8xf16> to memref<32x8xf16>
    %o = memref.alloc() : memref<32x8xf16>
    call @launch_nobarrier(%a, %o) : (memref<32x8xf16>, memref<32x8xf16>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32x8xf16> to tensor<32x8xf16>
    return %r : tensor<32x8xf16>
  }
  func.func private @launch_unread(memref<32x8xf16>, memref<32x8xf16>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@unread}
  func.func @never_waited(%x: tensor<32x8xf16>) -> tensor<32x8xf16> {
    %a = bufferization.to_buffer %x read_only : tensor<32x8xf16> to memref<32x8xf16>
    %o = memref.alloc() : memref<32x8xf16>
    call @launch_unread(%a, %o) : (memref<32x8xf16>, memref<32x8xf16>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32x8xf16> to tensor<32x8xf16>
    return %r : tensor<32x8xf16>
  }

  gpu.module @k {
    gpu.func @good(%a: memref<32x8xf16>, %o: memref<32x8xf16>) workgroup(%s : memref<32x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c32 = arith.constant 32 : index
      %cp = nvgpu.device_async_copy %a[%t, %c0], %s[%t, %c0], 8 {bypassL1} : memref<32x8xf16> to memref<32x8xf16, #gpu.address_space<workgroup>>
      %g = nvgpu.device_async_create_group %cp
      nvgpu.device_async_wait %g {numGroups = 0 : i32}
      gpu.barrier
      %n = arith.addi %t, %c1 : index
      %r = arith.remui %n, %c32 : index
      %v = vector.load %s[%r, %c0] {alignment = 16 : i64} : memref<32x8xf16, #gpu.address_space<workgroup>>, vector<8xf16>
      vector.store %v, %o[%t, %c0] : memref<32x8xf16>, vector<8xf16>
      gpu.return
    }

    gpu.func @nowait(%a: memref<32x8xf16>, %o: memref<32x8xf16>) workgroup(%s : memref<32x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c32 = arith.constant 32 : index
      %cp = nvgpu.device_async_copy %a[%t, %c0], %s[%t, %c0], 8 {bypassL1} : memref<32x8xf16> to memref<32x8xf16, #gpu.address_space<workgroup>>
      %g = nvgpu.device_async_create_group %cp
      gpu.barrier
      %n = arith.addi %t, %c1 : index
      %r = arith.remui %n, %c32 : index
      %v = vector.load %s[%r, %c0] {alignment = 16 : i64} : memref<32x8xf16, #gpu.address_space<workgroup>>, vector<8xf16>
      vector.store %v, %o[%t, %c0] : memref<32x8xf16>, vector<8xf16>
      gpu.return
    }

    gpu.func @waitone(%a: memref<32x8xf16>, %o: memref<32x8xf16>) workgroup(%s : memref<32x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c32 = arith.constant 32 : index
      %cp = nvgpu.device_async_copy %a[%t, %c0], %s[%t, %c0], 8 {bypassL1} : memref<32x8xf16> to memref<32x8xf16, #gpu.address_space<workgroup>>
      %g = nvgpu.device_async_create_group %cp
      nvgpu.device_async_wait %g {numGroups = 1 : i32}
      gpu.barrier
      %n = arith.addi %t, %c1 : index
      %r = arith.remui %n, %c32 : index
      %v = vector.load %s[%r, %c0] {alignment = 16 : i64} : memref<32x8xf16, #gpu.address_space<workgroup>>, vector<8xf16>
      vector.store %v, %o[%t, %c0] : memref<32x8xf16>, vector<8xf16>
      gpu.return
    }

    gpu.func @nobarrier(%a: memref<32x8xf16>, %o: memref<32x8xf16>) workgroup(%s : memref<32x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c32 = arith.constant 32 : index
      %cp = nvgpu.device_async_copy %a[%t, %c0], %s[%t, %c0], 8 {bypassL1} : memref<32x8xf16> to memref<32x8xf16, #gpu.address_space<workgroup>>
      %g = nvgpu.device_async_create_group %cp
      nvgpu.device_async_wait %g {numGroups = 0 : i32}
      %n = arith.addi %t, %c1 : index
      %r = arith.remui %n, %c32 : index
      %v = vector.load %s[%r, %c0] {alignment = 16 : i64} : memref<32x8xf16, #gpu.address_space<workgroup>>, vector<8xf16>
      vector.store %v, %o[%t, %c0] : memref<32x8xf16>, vector<8xf16>
      gpu.return
    }

    gpu.func @unread(%a: memref<32x8xf16>, %o: memref<32x8xf16>) workgroup(%s : memref<32x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c32 = arith.constant 32 : index
      %cp = nvgpu.device_async_copy %a[%t, %c0], %s[%t, %c0], 8 {bypassL1} : memref<32x8xf16> to memref<32x8xf16, #gpu.address_space<workgroup>>
      %g = nvgpu.device_async_create_group %cp
      gpu.return
    }
  }
}
