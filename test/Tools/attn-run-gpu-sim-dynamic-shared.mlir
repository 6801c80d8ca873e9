// attn-run's GPU simulator runs kernels that keep their buffers in dynamic
// shared memory (gpu.dynamic_shared_memory, sized by the launcher's
// attn.gpu.dynamic_shared_memory, as --convert-attn-to-gpu emits for stages
// beyond 48 KiB) through memref.view: each view is a buffer of its own over
// the bytes it covers, with the race check. A one-warp kernel writes a and 2a
// into two views, synchronises and sums its neighbour's pair: numpy's 3 a
// with pairs swapped, exactly. The other entries: a view past the launch's
// bytes, a launch with none, overlapping views, a misaligned view, a read
// of the neighbour's element with no barrier, and a launcher asking for more
// than a block may have.
// REQUIRES: numpy
// RUN: %python -c "import numpy as np; a = np.arange(32, dtype=np.float32) - 7.5; np.save('%t.a.npy', a); np.save('%t.want.npy', 3 * a[np.arange(32) ^ 1])"
// RUN: attn-run %s --pipeline=gpu-sim --entry=pairs --input=%t.a.npy --check-against=%t.want.npy --atol=0 --rtol=0 | FileCheck %s
// RUN: not attn-run %s --pipeline=gpu-sim --entry=past_end --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=END
// RUN: not attn-run %s --pipeline=gpu-sim --entry=none_given --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not attn-run %s --pipeline=gpu-sim --entry=overlapping --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=OVERLAP
// RUN: not attn-run %s --pipeline=gpu-sim --entry=misaligned --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=ALIGN
// RUN: not attn-run %s --pipeline=gpu-sim --entry=no_barrier --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=RACE
// RUN: not attn-run %s --pipeline=gpu-sim --entry=too_much --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=MUCH

// CHECK: gpu-sim: 1 thread blocks simulated; kernels: pairs
// CHECK: result 0: max_abs_err=0 max_rel_err=0 (atol=0, rtol=0) PASS
// END: 'memref.view' in block (0, 0, 0): views bytes [128, 256) of dynamic shared memory, but the launch gives 128 bytes
// NONE: 'memref.view' in block (0, 0, 0): views bytes [0, 128) of dynamic shared memory, but the launch gives 0 bytes
// OVERLAP: 'memref.view' in block (0, 0, 0): views bytes [64, 192) of dynamic shared memory, overlapping bytes [0, 128) of another view
// ALIGN: 'memref.view' in block (0, 0, 0): views f32 elements at byte 130, not a multiple of their size
// RACE: 'memref.load' in block (0, 0, 0): data race on element 1 of dynamic shared bytes [0, 128): thread 0 reads it, and thread 1 of block #0 wrote it with no barrier between them
// MUCH: gpu-sim: launcher @launch_much asks for 300000 bytes of dynamic shared memory

module attributes {gpu.container_module} {
  func.func private @launch_pairs(memref<32xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.dynamic_shared_memory = 256 : i64, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@pairs}
  func.func @pairs(%x: tensor<32xf32>) -> tensor<32xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<32xf32> to memref<32xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_pairs(%a, %o) : (memref<32xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }
  func.func private @launch_end(memref<32xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.dynamic_shared_memory = 128 : i64, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@pairs}
  func.func @past_end(%x: tensor<32xf32>) -> tensor<32xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<32xf32> to memref<32xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_end(%a, %o) : (memref<32xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }
  func.func private @launch_none(memref<32xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@pairs}
  func.func @none_given(%x: tensor<32xf32>) -> tensor<32xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<32xf32> to memref<32xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_none(%a, %o) : (memref<32xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }
  func.func private @launch_overlap(memref<32xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.dynamic_shared_memory = 256 : i64, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@overlap}
  func.func @overlapping(%x: tensor<32xf32>) -> tensor<32xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<32xf32> to memref<32xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_overlap(%a, %o) : (memref<32xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }
  func.func private @launch_align(memref<32xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.dynamic_shared_memory = 512 : i64, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@align}
  func.func @misaligned(%x: tensor<32xf32>) -> tensor<32xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<32xf32> to memref<32xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_align(%a, %o) : (memref<32xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }
  func.func private @launch_race(memref<32xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.dynamic_shared_memory = 256 : i64, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@race}
  func.func @no_barrier(%x: tensor<32xf32>) -> tensor<32xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<32xf32> to memref<32xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_race(%a, %o) : (memref<32xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }
  func.func private @launch_much(memref<32xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.dynamic_shared_memory = 300000 : i64, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@pairs}
  func.func @too_much(%x: tensor<32xf32>) -> tensor<32xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<32xf32> to memref<32xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_much(%a, %o) : (memref<32xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }

  gpu.module @k {
    gpu.func @pairs(%a: memref<32xf32>, %o: memref<32xf32>) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %dyn = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %off = arith.constant 128 : index
      %s = memref.view %dyn[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32xf32, #gpu.address_space<workgroup>>
      %d = memref.view %dyn[%off][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32xf32, #gpu.address_space<workgroup>>
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<32xf32>
      %v2 = arith.addf %v, %v : f32
      memref.store %v, %s[%t] : memref<32xf32, #gpu.address_space<workgroup>>
      memref.store %v2, %d[%t] : memref<32xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %p = arith.xori %t, %c1 : index
      %x = memref.load %s[%p] : memref<32xf32, #gpu.address_space<workgroup>>
      %y = memref.load %d[%p] : memref<32xf32, #gpu.address_space<workgroup>>
      %r = arith.addf %x, %y : f32
      memref.store %r, %o[%t] : memref<32xf32>
      gpu.return
    }
    gpu.func @overlap(%a: memref<32xf32>, %o: memref<32xf32>) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %dyn = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %off = arith.constant 64 : index
      %s = memref.view %dyn[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32xf32, #gpu.address_space<workgroup>>
      %d = memref.view %dyn[%off][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32xf32, #gpu.address_space<workgroup>>
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<32xf32>
      %v2 = arith.addf %v, %v : f32
      memref.store %v, %s[%t] : memref<32xf32, #gpu.address_space<workgroup>>
      memref.store %v2, %d[%t] : memref<32xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %p = arith.xori %t, %c1 : index
      %x = memref.load %s[%p] : memref<32xf32, #gpu.address_space<workgroup>>
      %y = memref.load %d[%p] : memref<32xf32, #gpu.address_space<workgroup>>
      %r = arith.addf %x, %y : f32
      memref.store %r, %o[%t] : memref<32xf32>
      gpu.return
    }
    gpu.func @align(%a: memref<32xf32>, %o: memref<32xf32>) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %dyn = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %off = arith.constant 130 : index
      %s = memref.view %dyn[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32xf32, #gpu.address_space<workgroup>>
      %d = memref.view %dyn[%off][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32xf32, #gpu.address_space<workgroup>>
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<32xf32>
      %v2 = arith.addf %v, %v : f32
      memref.store %v, %s[%t] : memref<32xf32, #gpu.address_space<workgroup>>
      memref.store %v2, %d[%t] : memref<32xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %p = arith.xori %t, %c1 : index
      %x = memref.load %s[%p] : memref<32xf32, #gpu.address_space<workgroup>>
      %y = memref.load %d[%p] : memref<32xf32, #gpu.address_space<workgroup>>
      %r = arith.addf %x, %y : f32
      memref.store %r, %o[%t] : memref<32xf32>
      gpu.return
    }
    gpu.func @race(%a: memref<32xf32>, %o: memref<32xf32>) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %dyn = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %off = arith.constant 128 : index
      %s = memref.view %dyn[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32xf32, #gpu.address_space<workgroup>>
      %d = memref.view %dyn[%off][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<32xf32, #gpu.address_space<workgroup>>
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<32xf32>
      %v2 = arith.addf %v, %v : f32
      memref.store %v, %s[%t] : memref<32xf32, #gpu.address_space<workgroup>>
      memref.store %v2, %d[%t] : memref<32xf32, #gpu.address_space<workgroup>>

      %p = arith.xori %t, %c1 : index
      %x = memref.load %s[%p] : memref<32xf32, #gpu.address_space<workgroup>>
      %y = memref.load %d[%p] : memref<32xf32, #gpu.address_space<workgroup>>
      %r = arith.addf %x, %y : f32
      memref.store %r, %o[%t] : memref<32xf32>
      gpu.return
    }
  }
}
