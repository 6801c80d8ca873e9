// attn-run --pipeline=gpu-sim stops a kernel that would misbehave on a GPU
// with an error naming the operation, its location, the block and the
// thread, and exits with 1: out-of-bounds and misaligned accesses, barriers
// and warp collectives in divergent code, data races, operations it does not
// know.
// RUN: not attn-run %s --pipeline=gpu-sim --entry=out_of_bounds 2>&1 | FileCheck %s --check-prefix=OOB
// RUN: not attn-run %s --pipeline=gpu-sim --entry=misaligned 2>&1 | FileCheck %s --check-prefix=ALIGN
// RUN: not attn-run %s --pipeline=gpu-sim --entry=divergent_barrier 2>&1 | FileCheck %s --check-prefix=BARRIER
// RUN: not attn-run %s --pipeline=gpu-sim --entry=divergent_shuffle 2>&1 | FileCheck %s --check-prefix=SHUFFLE
// RUN: not attn-run %s --pipeline=gpu-sim --entry=unknown_op 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// Data races that lock-step simulation would hide: a shared-memory read of
// another thread's write with no barrier between them, and two blocks
// writing the same element. With the barrier, the first kernel is fine.
// RUN: not attn-run %s --pipeline=gpu-sim --entry=missing_barrier 2>&1 | FileCheck %s --check-prefix=RACE
// RUN: not attn-run %s --pipeline=gpu-sim --entry=blocks_overlap 2>&1 | FileCheck %s --check-prefix=BLOCKS
// RUN: attn-run %s --pipeline=gpu-sim --entry=with_barrier | FileCheck %s --check-prefix=SYNCED
// A kernel that behaves: o[t] = a[t xor 1] over a warp, then checked.
// RUN: attn-run %s --pipeline=gpu-sim --entry=swap_pairs | FileCheck %s --check-prefix=OK

// OOB: error: the GPU simulator failed while running @out_of_bounds: gpu-sim: {{.*}}attn-run-gpu-sim-errors.mlir:{{[0-9]+}}:12: 'memref.load' in block (0, 0, 0): thread 4 accesses [4] (+1) outside argument 0 of shape 4
module attributes {gpu.container_module} {
  func.func private @launch_oob(memref<4xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@oob}
  func.func @out_of_bounds(%x: tensor<4xf32>) -> tensor<32xf32> {
    %b = bufferization.to_buffer %x read_only : tensor<4xf32> to memref<4xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_oob(%b, %o) : (memref<4xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }

  gpu.module @k {
    gpu.func @oob(%a: memref<4xf32>, %o: memref<32xf32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<4xf32>
      memref.store %v, %o[%t] : memref<32xf32>
      gpu.return
    }

    // ALIGN: 'vector.load' in block (0, 0, 0): thread 0 makes a 16-byte aligned access at byte 4 of workgroup buffer 0, which is only 4-byte aligned
    gpu.func @misaligned(%a: memref<8xf32>, %o: memref<32xf32>) workgroup(%s : memref<8xf32, #gpu.address_space<workgroup>>) kernel {
      %t = gpu.thread_id x
      %c1 = arith.constant 1 : index
      %v = vector.load %s[%c1] {alignment = 16 : i64} : memref<8xf32, #gpu.address_space<workgroup>>, vector<4xf32>
      %e = vector.extract %v[0] : f32 from vector<4xf32>
      memref.store %e, %o[%t] : memref<32xf32>
      gpu.return
    }

    // BARRIER: 'gpu.barrier' in block (0, 0, 0): runs with 16 of the 32 threads of its group starting at thread 0
    gpu.func @barrier(%a: memref<8xf32>, %o: memref<32xf32>) kernel {
      %t = gpu.thread_id x
      %c16 = arith.constant 16 : index
      %low = arith.cmpi ult, %t, %c16 : index
      scf.if %low {
        gpu.barrier
      }
      gpu.return
    }

    // SHUFFLE: 'gpu.shuffle' in block (0, 0, 0): runs with 31 of the 32 threads of its group starting at thread 0
    gpu.func @shuffle(%a: memref<8xf32>, %o: memref<32xf32>) kernel {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : i32
      %c32 = arith.constant 32 : i32
      %f = arith.constant 1.0 : f32
      %not0 = arith.cmpi ne, %t, %c0 : index
      scf.if %not0 {
        %r, %ok = gpu.shuffle xor %f, %c1, %c32 : f32
        memref.store %r, %o[%t] : memref<32xf32>
      }
      gpu.return
    }

    // UNKNOWN: 'math.sin' in block (0, 0, 0): is not an operation the simulator knows
    gpu.func @unknown(%a: memref<8xf32>, %o: memref<32xf32>) kernel {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %f = memref.load %a[%c0] : memref<8xf32>
      %s = math.sin %f : f32
      memref.store %s, %o[%t] : memref<32xf32>
      gpu.return
    }

    // RACE: 'memref.load' in block (0, 0, 0): data race on element 1 of workgroup buffer 0: thread 0 reads it, and thread 1 of block #0 wrote it with no barrier between them
    // SYNCED: values: [[A:[-0-9.e]+]] [[B:[-0-9.e]+]] [[C:[-0-9.e]+]] [[D:[-0-9.e]+]]
    // SYNCED: values: [[B]] [[A]] [[D]] [[C]]
    gpu.func @exchange(%a: memref<32xf32>, %o: memref<32xf32>) workgroup(%s : memref<32xf32, #gpu.address_space<workgroup>>) kernel {
      %t = gpu.thread_id x
      %c1 = arith.constant 1 : index
      %v = memref.load %a[%t] : memref<32xf32>
      memref.store %v, %s[%t] : memref<32xf32, #gpu.address_space<workgroup>>
      %p = arith.xori %t, %c1 : index
      %r = memref.load %s[%p] : memref<32xf32, #gpu.address_space<workgroup>>
      memref.store %r, %o[%t] : memref<32xf32>
      gpu.return
    }
    gpu.func @exchange_synced(%a: memref<32xf32>, %o: memref<32xf32>) workgroup(%s : memref<32xf32, #gpu.address_space<workgroup>>) kernel {
      %t = gpu.thread_id x
      %c1 = arith.constant 1 : index
      %v = memref.load %a[%t] : memref<32xf32>
      memref.store %v, %s[%t] : memref<32xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %p = arith.xori %t, %c1 : index
      %r = memref.load %s[%p] : memref<32xf32, #gpu.address_space<workgroup>>
      memref.store %r, %o[%t] : memref<32xf32>
      gpu.return
    }

    // BLOCKS: 'memref.store' in block (1, 0, 0): data race on element 0 of argument 1: thread 0 writes it, and thread 0 of block #0 wrote it with no barrier between them (another block)
    gpu.func @overlap(%a: memref<32xf32>, %o: memref<32xf32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<32xf32>
      memref.store %v, %o[%t] : memref<32xf32>
      gpu.return
    }

    gpu.func @swap(%a: memref<32xf32>, %o: memref<32xf32>) kernel {
      %t = gpu.thread_id x
      %c1 = arith.constant 1 : i32
      %c32 = arith.constant 32 : i32
      %v = memref.load %a[%t] : memref<32xf32>
      %r, %ok = gpu.shuffle xor %v, %c1, %c32 : f32
      memref.store %r, %o[%t] : memref<32xf32>
      gpu.return
    }
  }

  func.func private @launch_misaligned(memref<8xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@misaligned}
  func.func @misaligned(%x: tensor<8xf32>) -> tensor<32xf32> {
    %b = bufferization.to_buffer %x read_only : tensor<8xf32> to memref<8xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_misaligned(%b, %o) : (memref<8xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }

  func.func private @launch_barrier(memref<8xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@barrier}
  func.func @divergent_barrier(%x: tensor<8xf32>) -> tensor<32xf32> {
    %b = bufferization.to_buffer %x read_only : tensor<8xf32> to memref<8xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_barrier(%b, %o) : (memref<8xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }

  func.func private @launch_shuffle(memref<8xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@shuffle}
  func.func @divergent_shuffle(%x: tensor<8xf32>) -> tensor<32xf32> {
    %b = bufferization.to_buffer %x read_only : tensor<8xf32> to memref<8xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_shuffle(%b, %o) : (memref<8xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }

  func.func private @launch_unknown(memref<8xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@unknown}
  func.func @unknown_op(%x: tensor<8xf32>) -> tensor<32xf32> {
    %b = bufferization.to_buffer %x read_only : tensor<8xf32> to memref<8xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_unknown(%b, %o) : (memref<8xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }

  // OK: gpu-sim: 1 thread blocks simulated
  // OK: values: [[A:[^ ]+]] [[B:[^ ]+]] [[C:[^ ]+]] [[D:[^ ]+]]
  func.func private @launch_swap(memref<32xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@swap}
  func.func @swap_pairs(%x: tensor<32xf32>) -> (tensor<32xf32>, tensor<32xf32>) {
    %b = bufferization.to_buffer %x read_only : tensor<32xf32> to memref<32xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_swap(%b, %o) : (memref<32xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %x, %r : tensor<32xf32>, tensor<32xf32>
  }
  // OK: values: [[B]] [[A]] [[D]] [[C]]

  func.func private @launch_exchange(memref<32xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@exchange}
  func.func @missing_barrier(%x: tensor<32xf32>) -> tensor<32xf32> {
    %b = bufferization.to_buffer %x read_only : tensor<32xf32> to memref<32xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_exchange(%b, %o) : (memref<32xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }

  func.func private @launch_exchange_synced(memref<32xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@exchange_synced}
  func.func @with_barrier(%x: tensor<32xf32>) -> (tensor<32xf32>, tensor<32xf32>) {
    %b = bufferization.to_buffer %x read_only : tensor<32xf32> to memref<32xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_exchange_synced(%b, %o) : (memref<32xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %x, %r : tensor<32xf32>, tensor<32xf32>
  }

  func.func private @launch_overlap(memref<32xf32>, memref<32xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 2, 1, 1>, attn.gpu.kernel = @k::@overlap}
  func.func @blocks_overlap(%x: tensor<32xf32>) -> tensor<32xf32> {
    %b = bufferization.to_buffer %x read_only : tensor<32xf32> to memref<32xf32>
    %o = memref.alloc() : memref<32xf32>
    call @launch_overlap(%b, %o) : (memref<32xf32>, memref<32xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32xf32> to tensor<32xf32>
    return %r : tensor<32xf32>
  }
}
