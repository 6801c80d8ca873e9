// attn-run's GPU simulator runs wgmma.mma_async (m64nNk16, f16, f32
// accumulation) with its operands read from shared memory through matrix
// descriptors: a hand-written kernel stages A (64 x 16) and B (16 x 16) in
// the no-swizzle K-major core-matrix layout, builds the descriptors from
// memref.extract_aligned_pointer_as_index, and stores the accumulators from
// their register layout. Small integers keep every product exact, so the
// result must equal numpy's A B^T bit for bit. The other entries each break
// one rule a GPU would punish with wrong results, and the simulator stops
// them: shared-memory stores not fenced for the async proxy
// (fence.proxy.async), a missing barrier (a race on the staged operand),
// no wgmma.fence before the first wgmma, accumulators read before
// wgmma.wait_group, a descriptor pointing outside the shared buffers, and
// stages without the 16-byte alignment a descriptor's address assumes.
// REQUIRES: numpy
// RUN: %python -c "import numpy as np; r = np.random.default_rng(7); a = r.integers(-4, 5, (64, 16)).astype(np.float16); b = r.integers(-4, 5, (16, 16)).astype(np.float16); np.save('%t.a.npy', a); np.save('%t.b.npy', b); np.save('%t.d.npy', a.astype(np.float32) @ b.astype(np.float32).T)"
// RUN: attn-run %s --pipeline=gpu-sim --entry=gemm --input=%t.a.npy,%t.b.npy --check-against=%t.d.npy --atol=0 --rtol=0 | FileCheck %s --check-prefix=GEMM
// RUN: not attn-run %s --pipeline=gpu-sim --entry=no_proxy_fence --input=%t.a.npy,%t.b.npy 2>&1 | FileCheck %s --check-prefix=NOFENCE
// RUN: not attn-run %s --pipeline=gpu-sim --entry=store_after_fence --input=%t.a.npy,%t.b.npy 2>&1 | FileCheck %s --check-prefix=STALE
// RUN: not attn-run %s --pipeline=gpu-sim --entry=no_barrier --input=%t.a.npy,%t.b.npy 2>&1 | FileCheck %s --check-prefix=RACE
// RUN: not attn-run %s --pipeline=gpu-sim --entry=no_wgmma_fence --input=%t.a.npy,%t.b.npy 2>&1 | FileCheck %s --check-prefix=WFENCE
// RUN: not attn-run %s --pipeline=gpu-sim --entry=read_before_wait --input=%t.a.npy,%t.b.npy 2>&1 | FileCheck %s --check-prefix=EARLY
// RUN: not attn-run %s --pipeline=gpu-sim --entry=descriptor_outside --input=%t.a.npy,%t.b.npy 2>&1 | FileCheck %s --check-prefix=OUTSIDE
// RUN: not attn-run %s --pipeline=gpu-sim --entry=unaligned_stage --input=%t.a.npy,%t.b.npy 2>&1 | FileCheck %s --check-prefix=UNALIGNED

// GEMM: gpu-sim: 1 thread blocks simulated
// GEMM: result 0: max_abs_err=0 max_rel_err=0 (atol=0, rtol=0) PASS
// GEMM: check: PASS
// NOFENCE: 'nvvm.wgmma.mma_async' in block (0, 0, 0): reads workgroup buffer 0 (operand A), written since the last fence.proxy.async: wgmma reads through the async proxy and may not see those stores
// STALE: 'nvvm.wgmma.mma_async' in block (0, 0, 0): reads workgroup buffer 1 (operand B), written since the last fence.proxy.async
// RACE: 'nvvm.wgmma.mma_async' in block (0, 0, 0): data race on element {{[0-9]+}} of workgroup buffer 0: thread 0 reads it, and thread {{[0-9]+}} of block #0 wrote it with no barrier between them
// WFENCE: 'nvvm.wgmma.mma_async' in block (0, 0, 0): runs without a wgmma.fence since the last wgmma.wait_group
// EARLY: 'llvm.extractvalue' in block (0, 0, 0): reads the accumulators of a wgmma.mma_async before wgmma.wait_group has waited for them
// OUTSIDE: 'nvvm.wgmma.mma_async' in block (0, 0, 0): operand B addresses shared byte {{[0-9]+}}, outside every workgroup buffer
// UNALIGNED: 'nvvm.wgmma.mma_async' in block (0, 0, 0): operand A addresses shared byte 0, outside every workgroup buffer (descriptors hold addresses in 16-byte units: is the stage 16-byte aligned?)

module attributes {gpu.container_module} {

  func.func private @launch_good(memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@good}
  func.func @gemm(%x: tensor<64x16xf16>, %y: tensor<16x16xf16>) -> tensor<64x16xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<64x16xf16> to memref<64x16xf16>
    %b = bufferization.to_buffer %y read_only : tensor<16x16xf16> to memref<16x16xf16>
    %o = memref.alloc() : memref<64x16xf32>
    call @launch_good(%a, %b, %o) : (memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<64x16xf32> to tensor<64x16xf32>
    return %r : tensor<64x16xf32>
  }

  func.func private @launch_nofence(memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@nofence}
  func.func @no_proxy_fence(%x: tensor<64x16xf16>, %y: tensor<16x16xf16>) -> tensor<64x16xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<64x16xf16> to memref<64x16xf16>
    %b = bufferization.to_buffer %y read_only : tensor<16x16xf16> to memref<16x16xf16>
    %o = memref.alloc() : memref<64x16xf32>
    call @launch_nofence(%a, %b, %o) : (memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<64x16xf32> to tensor<64x16xf32>
    return %r : tensor<64x16xf32>
  }

  func.func private @launch_stale(memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@stale}
  func.func @store_after_fence(%x: tensor<64x16xf16>, %y: tensor<16x16xf16>) -> tensor<64x16xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<64x16xf16> to memref<64x16xf16>
    %b = bufferization.to_buffer %y read_only : tensor<16x16xf16> to memref<16x16xf16>
    %o = memref.alloc() : memref<64x16xf32>
    call @launch_stale(%a, %b, %o) : (memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<64x16xf32> to tensor<64x16xf32>
    return %r : tensor<64x16xf32>
  }

  func.func private @launch_nobarrier(memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@nobarrier}
  func.func @no_barrier(%x: tensor<64x16xf16>, %y: tensor<16x16xf16>) -> tensor<64x16xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<64x16xf16> to memref<64x16xf16>
    %b = bufferization.to_buffer %y read_only : tensor<16x16xf16> to memref<16x16xf16>
    %o = memref.alloc() : memref<64x16xf32>
    call @launch_nobarrier(%a, %b, %o) : (memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<64x16xf32> to tensor<64x16xf32>
    return %r : tensor<64x16xf32>
  }

  func.func private @launch_nowfence(memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@nowfence}
  func.func @no_wgmma_fence(%x: tensor<64x16xf16>, %y: tensor<16x16xf16>) -> tensor<64x16xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<64x16xf16> to memref<64x16xf16>
    %b = bufferization.to_buffer %y read_only : tensor<16x16xf16> to memref<16x16xf16>
    %o = memref.alloc() : memref<64x16xf32>
    call @launch_nowfence(%a, %b, %o) : (memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<64x16xf32> to tensor<64x16xf32>
    return %r : tensor<64x16xf32>
  }

  func.func private @launch_early(memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@early}
  func.func @read_before_wait(%x: tensor<64x16xf16>, %y: tensor<16x16xf16>) -> tensor<64x16xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<64x16xf16> to memref<64x16xf16>
    %b = bufferization.to_buffer %y read_only : tensor<16x16xf16> to memref<16x16xf16>
    %o = memref.alloc() : memref<64x16xf32>
    call @launch_early(%a, %b, %o) : (memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<64x16xf32> to tensor<64x16xf32>
    return %r : tensor<64x16xf32>
  }

  func.func private @launch_baddesc(memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@baddesc}
  func.func @descriptor_outside(%x: tensor<64x16xf16>, %y: tensor<16x16xf16>) -> tensor<64x16xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<64x16xf16> to memref<64x16xf16>
    %b = bufferization.to_buffer %y read_only : tensor<16x16xf16> to memref<16x16xf16>
    %o = memref.alloc() : memref<64x16xf32>
    call @launch_baddesc(%a, %b, %o) : (memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<64x16xf32> to tensor<64x16xf32>
    return %r : tensor<64x16xf32>
  }

  func.func private @launch_unaligned(memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@unaligned}
  func.func @unaligned_stage(%x: tensor<64x16xf16>, %y: tensor<16x16xf16>) -> tensor<64x16xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<64x16xf16> to memref<64x16xf16>
    %b = bufferization.to_buffer %y read_only : tensor<16x16xf16> to memref<16x16xf16>
    %o = memref.alloc() : memref<64x16xf32>
    call @launch_unaligned(%a, %b, %o) : (memref<64x16xf16>, memref<16x16xf16>, memref<64x16xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<64x16xf32> to tensor<64x16xf32>
    return %r : tensor<64x16xf32>
  }

  gpu.module @k {
    gpu.func @good(%a: memref<64x16xf16>, %b: memref<16x16xf16>, %d: memref<64x16xf32>)
        workgroup(%sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
        kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %c16 = arith.constant 16 : index
      %c32 = arith.constant 32 : index
      %c128 = arith.constant 128 : index
      %na = arith.constant 1024 : index
      %nb = arith.constant 256 : index
      // Stage A (64 x 16) and B (N x 16) in core-matrix layout: [k / 8, row, k % 8].
      scf.for %i = %t to %na step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %a[%r, %k] : memref<64x16xf16>
        memref.store %v, %sa[%kb, %r, %k8] : memref<2x64x8xf16, #gpu.address_space<workgroup>>
      }
      scf.for %i = %t to %nb step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %b[%r, %k] : memref<16x16xf16>
        memref.store %v, %sb[%kb, %r, %k8] : memref<2x16x8xf16, #gpu.address_space<workgroup>>
      }
      nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
      gpu.barrier
      nvvm.wgmma.fence.aligned
      %m18 = arith.constant 262143 : i64
      %c4i = arith.constant 4 : i64
      %pa = memref.extract_aligned_pointer_as_index %sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> -> index
      %ia = arith.index_cast %pa : index to i64
      %ma = arith.andi %ia, %m18 : i64
      %qa = arith.shrui %ma, %c4i : i64
      %oa = arith.constant 34363932672 : i64
      %da = arith.ori %qa, %oa : i64
      %pb = memref.extract_aligned_pointer_as_index %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> -> index
      %ib = arith.index_cast %pb : index to i64
      %mb = arith.andi %ib, %m18 : i64
      %qb = arith.shrui %mb, %c4i : i64
      %ob = arith.constant 34360786944 : i64
      %db = arith.ori %qb, %ob : i64
      %z = llvm.mlir.zero : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %acc = nvvm.wgmma.mma_async %da, %db, %z, <m = 64, n = 16, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      nvvm.wgmma.commit.group.sync.aligned
      nvvm.wgmma.wait.group.sync.aligned 0
      // Register i of thread t: row 16 (t / 32) + (t % 32) / 4 + 8 (i / 2 % 2), column 8 (i / 4) + 2 (t % 4) + i % 2.
      %w = arith.divui %t, %c32 : index
      %lane = arith.remui %t, %c32 : index
      %g = arith.divui %lane, %c4 : index
      %tq = arith.remui %t, %c4 : index
      %w16 = arith.muli %w, %c16 : index
      %row0 = arith.addi %w16, %g : index
      %row8 = arith.addi %row0, %c8 : index
      %t2 = arith.muli %tq, %c2 : index
      %col1 = arith.addi %t2, %c1 : index
      %x0 = llvm.extractvalue %acc[0] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x0, %d[%row0, %t2] : memref<64x16xf32>
      %x1 = llvm.extractvalue %acc[1] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x1, %d[%row0, %col1] : memref<64x16xf32>
      %x2 = llvm.extractvalue %acc[2] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x2, %d[%row8, %t2] : memref<64x16xf32>
      %x3 = llvm.extractvalue %acc[3] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x3, %d[%row8, %col1] : memref<64x16xf32>
      %x4 = llvm.extractvalue %acc[4] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb4 = arith.constant 8 : index
      %col4x = arith.addi %t2, %cb4 : index
      memref.store %x4, %d[%row0, %col4x] : memref<64x16xf32>
      %x5 = llvm.extractvalue %acc[5] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb5 = arith.constant 8 : index
      %col5x = arith.addi %col1, %cb5 : index
      memref.store %x5, %d[%row0, %col5x] : memref<64x16xf32>
      %x6 = llvm.extractvalue %acc[6] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb6 = arith.constant 8 : index
      %col6x = arith.addi %t2, %cb6 : index
      memref.store %x6, %d[%row8, %col6x] : memref<64x16xf32>
      %x7 = llvm.extractvalue %acc[7] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb7 = arith.constant 8 : index
      %col7x = arith.addi %col1, %cb7 : index
      memref.store %x7, %d[%row8, %col7x] : memref<64x16xf32>
      gpu.return
    }

    gpu.func @nofence(%a: memref<64x16xf16>, %b: memref<16x16xf16>, %d: memref<64x16xf32>)
        workgroup(%sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
        kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %c16 = arith.constant 16 : index
      %c32 = arith.constant 32 : index
      %c128 = arith.constant 128 : index
      %na = arith.constant 1024 : index
      %nb = arith.constant 256 : index
      // Stage A (64 x 16) and B (N x 16) in core-matrix layout: [k / 8, row, k % 8].
      scf.for %i = %t to %na step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %a[%r, %k] : memref<64x16xf16>
        memref.store %v, %sa[%kb, %r, %k8] : memref<2x64x8xf16, #gpu.address_space<workgroup>>
      }
      scf.for %i = %t to %nb step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %b[%r, %k] : memref<16x16xf16>
        memref.store %v, %sb[%kb, %r, %k8] : memref<2x16x8xf16, #gpu.address_space<workgroup>>
      }
      gpu.barrier
      nvvm.wgmma.fence.aligned
      %m18 = arith.constant 262143 : i64
      %c4i = arith.constant 4 : i64
      %pa = memref.extract_aligned_pointer_as_index %sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> -> index
      %ia = arith.index_cast %pa : index to i64
      %ma = arith.andi %ia, %m18 : i64
      %qa = arith.shrui %ma, %c4i : i64
      %oa = arith.constant 34363932672 : i64
      %da = arith.ori %qa, %oa : i64
      %pb = memref.extract_aligned_pointer_as_index %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> -> index
      %ib = arith.index_cast %pb : index to i64
      %mb = arith.andi %ib, %m18 : i64
      %qb = arith.shrui %mb, %c4i : i64
      %ob = arith.constant 34360786944 : i64
      %db = arith.ori %qb, %ob : i64
      %z = llvm.mlir.zero : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %acc = nvvm.wgmma.mma_async %da, %db, %z, <m = 64, n = 16, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      nvvm.wgmma.commit.group.sync.aligned
      nvvm.wgmma.wait.group.sync.aligned 0
      // Register i of thread t: row 16 (t / 32) + (t % 32) / 4 + 8 (i / 2 % 2), column 8 (i / 4) + 2 (t % 4) + i % 2.
      %w = arith.divui %t, %c32 : index
      %lane = arith.remui %t, %c32 : index
      %g = arith.divui %lane, %c4 : index
      %tq = arith.remui %t, %c4 : index
      %w16 = arith.muli %w, %c16 : index
      %row0 = arith.addi %w16, %g : index
      %row8 = arith.addi %row0, %c8 : index
      %t2 = arith.muli %tq, %c2 : index
      %col1 = arith.addi %t2, %c1 : index
      %x0 = llvm.extractvalue %acc[0] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x0, %d[%row0, %t2] : memref<64x16xf32>
      %x1 = llvm.extractvalue %acc[1] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x1, %d[%row0, %col1] : memref<64x16xf32>
      %x2 = llvm.extractvalue %acc[2] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x2, %d[%row8, %t2] : memref<64x16xf32>
      %x3 = llvm.extractvalue %acc[3] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x3, %d[%row8, %col1] : memref<64x16xf32>
      %x4 = llvm.extractvalue %acc[4] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb4 = arith.constant 8 : index
      %col4x = arith.addi %t2, %cb4 : index
      memref.store %x4, %d[%row0, %col4x] : memref<64x16xf32>
      %x5 = llvm.extractvalue %acc[5] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb5 = arith.constant 8 : index
      %col5x = arith.addi %col1, %cb5 : index
      memref.store %x5, %d[%row0, %col5x] : memref<64x16xf32>
      %x6 = llvm.extractvalue %acc[6] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb6 = arith.constant 8 : index
      %col6x = arith.addi %t2, %cb6 : index
      memref.store %x6, %d[%row8, %col6x] : memref<64x16xf32>
      %x7 = llvm.extractvalue %acc[7] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb7 = arith.constant 8 : index
      %col7x = arith.addi %col1, %cb7 : index
      memref.store %x7, %d[%row8, %col7x] : memref<64x16xf32>
      gpu.return
    }

    gpu.func @stale(%a: memref<64x16xf16>, %b: memref<16x16xf16>, %d: memref<64x16xf32>)
        workgroup(%sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
        kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %c16 = arith.constant 16 : index
      %c32 = arith.constant 32 : index
      %c128 = arith.constant 128 : index
      %na = arith.constant 1024 : index
      %nb = arith.constant 256 : index
      // Stage A (64 x 16) and B (N x 16) in core-matrix layout: [k / 8, row, k % 8].
      scf.for %i = %t to %na step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %a[%r, %k] : memref<64x16xf16>
        memref.store %v, %sa[%kb, %r, %k8] : memref<2x64x8xf16, #gpu.address_space<workgroup>>
      }
      scf.for %i = %t to %nb step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %b[%r, %k] : memref<16x16xf16>
        memref.store %v, %sb[%kb, %r, %k8] : memref<2x16x8xf16, #gpu.address_space<workgroup>>
      }
      nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
      %h = arith.constant 1.0 : f16
      %is0 = arith.cmpi eq, %t, %c0 : index
      scf.if %is0 {
        memref.store %h, %sb[%c0, %c0, %c0] : memref<2x16x8xf16, #gpu.address_space<workgroup>>
      }
      gpu.barrier
      nvvm.wgmma.fence.aligned
      %m18 = arith.constant 262143 : i64
      %c4i = arith.constant 4 : i64
      %pa = memref.extract_aligned_pointer_as_index %sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> -> index
      %ia = arith.index_cast %pa : index to i64
      %ma = arith.andi %ia, %m18 : i64
      %qa = arith.shrui %ma, %c4i : i64
      %oa = arith.constant 34363932672 : i64
      %da = arith.ori %qa, %oa : i64
      %pb = memref.extract_aligned_pointer_as_index %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> -> index
      %ib = arith.index_cast %pb : index to i64
      %mb = arith.andi %ib, %m18 : i64
      %qb = arith.shrui %mb, %c4i : i64
      %ob = arith.constant 34360786944 : i64
      %db = arith.ori %qb, %ob : i64
      %z = llvm.mlir.zero : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %acc = nvvm.wgmma.mma_async %da, %db, %z, <m = 64, n = 16, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      nvvm.wgmma.commit.group.sync.aligned
      nvvm.wgmma.wait.group.sync.aligned 0
      // Register i of thread t: row 16 (t / 32) + (t % 32) / 4 + 8 (i / 2 % 2), column 8 (i / 4) + 2 (t % 4) + i % 2.
      %w = arith.divui %t, %c32 : index
      %lane = arith.remui %t, %c32 : index
      %g = arith.divui %lane, %c4 : index
      %tq = arith.remui %t, %c4 : index
      %w16 = arith.muli %w, %c16 : index
      %row0 = arith.addi %w16, %g : index
      %row8 = arith.addi %row0, %c8 : index
      %t2 = arith.muli %tq, %c2 : index
      %col1 = arith.addi %t2, %c1 : index
      %x0 = llvm.extractvalue %acc[0] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x0, %d[%row0, %t2] : memref<64x16xf32>
      %x1 = llvm.extractvalue %acc[1] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x1, %d[%row0, %col1] : memref<64x16xf32>
      %x2 = llvm.extractvalue %acc[2] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x2, %d[%row8, %t2] : memref<64x16xf32>
      %x3 = llvm.extractvalue %acc[3] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x3, %d[%row8, %col1] : memref<64x16xf32>
      %x4 = llvm.extractvalue %acc[4] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb4 = arith.constant 8 : index
      %col4x = arith.addi %t2, %cb4 : index
      memref.store %x4, %d[%row0, %col4x] : memref<64x16xf32>
      %x5 = llvm.extractvalue %acc[5] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb5 = arith.constant 8 : index
      %col5x = arith.addi %col1, %cb5 : index
      memref.store %x5, %d[%row0, %col5x] : memref<64x16xf32>
      %x6 = llvm.extractvalue %acc[6] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb6 = arith.constant 8 : index
      %col6x = arith.addi %t2, %cb6 : index
      memref.store %x6, %d[%row8, %col6x] : memref<64x16xf32>
      %x7 = llvm.extractvalue %acc[7] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb7 = arith.constant 8 : index
      %col7x = arith.addi %col1, %cb7 : index
      memref.store %x7, %d[%row8, %col7x] : memref<64x16xf32>
      gpu.return
    }

    gpu.func @nobarrier(%a: memref<64x16xf16>, %b: memref<16x16xf16>, %d: memref<64x16xf32>)
        workgroup(%sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
        kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %c16 = arith.constant 16 : index
      %c32 = arith.constant 32 : index
      %c128 = arith.constant 128 : index
      %na = arith.constant 1024 : index
      %nb = arith.constant 256 : index
      // Stage A (64 x 16) and B (N x 16) in core-matrix layout: [k / 8, row, k % 8].
      scf.for %i = %t to %na step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %a[%r, %k] : memref<64x16xf16>
        memref.store %v, %sa[%kb, %r, %k8] : memref<2x64x8xf16, #gpu.address_space<workgroup>>
      }
      scf.for %i = %t to %nb step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %b[%r, %k] : memref<16x16xf16>
        memref.store %v, %sb[%kb, %r, %k8] : memref<2x16x8xf16, #gpu.address_space<workgroup>>
      }
      nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
      nvvm.wgmma.fence.aligned
      %m18 = arith.constant 262143 : i64
      %c4i = arith.constant 4 : i64
      %pa = memref.extract_aligned_pointer_as_index %sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> -> index
      %ia = arith.index_cast %pa : index to i64
      %ma = arith.andi %ia, %m18 : i64
      %qa = arith.shrui %ma, %c4i : i64
      %oa = arith.constant 34363932672 : i64
      %da = arith.ori %qa, %oa : i64
      %pb = memref.extract_aligned_pointer_as_index %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> -> index
      %ib = arith.index_cast %pb : index to i64
      %mb = arith.andi %ib, %m18 : i64
      %qb = arith.shrui %mb, %c4i : i64
      %ob = arith.constant 34360786944 : i64
      %db = arith.ori %qb, %ob : i64
      %z = llvm.mlir.zero : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %acc = nvvm.wgmma.mma_async %da, %db, %z, <m = 64, n = 16, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      nvvm.wgmma.commit.group.sync.aligned
      nvvm.wgmma.wait.group.sync.aligned 0
      // Register i of thread t: row 16 (t / 32) + (t % 32) / 4 + 8 (i / 2 % 2), column 8 (i / 4) + 2 (t % 4) + i % 2.
      %w = arith.divui %t, %c32 : index
      %lane = arith.remui %t, %c32 : index
      %g = arith.divui %lane, %c4 : index
      %tq = arith.remui %t, %c4 : index
      %w16 = arith.muli %w, %c16 : index
      %row0 = arith.addi %w16, %g : index
      %row8 = arith.addi %row0, %c8 : index
      %t2 = arith.muli %tq, %c2 : index
      %col1 = arith.addi %t2, %c1 : index
      %x0 = llvm.extractvalue %acc[0] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x0, %d[%row0, %t2] : memref<64x16xf32>
      %x1 = llvm.extractvalue %acc[1] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x1, %d[%row0, %col1] : memref<64x16xf32>
      %x2 = llvm.extractvalue %acc[2] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x2, %d[%row8, %t2] : memref<64x16xf32>
      %x3 = llvm.extractvalue %acc[3] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x3, %d[%row8, %col1] : memref<64x16xf32>
      %x4 = llvm.extractvalue %acc[4] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb4 = arith.constant 8 : index
      %col4x = arith.addi %t2, %cb4 : index
      memref.store %x4, %d[%row0, %col4x] : memref<64x16xf32>
      %x5 = llvm.extractvalue %acc[5] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb5 = arith.constant 8 : index
      %col5x = arith.addi %col1, %cb5 : index
      memref.store %x5, %d[%row0, %col5x] : memref<64x16xf32>
      %x6 = llvm.extractvalue %acc[6] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb6 = arith.constant 8 : index
      %col6x = arith.addi %t2, %cb6 : index
      memref.store %x6, %d[%row8, %col6x] : memref<64x16xf32>
      %x7 = llvm.extractvalue %acc[7] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb7 = arith.constant 8 : index
      %col7x = arith.addi %col1, %cb7 : index
      memref.store %x7, %d[%row8, %col7x] : memref<64x16xf32>
      gpu.return
    }

    gpu.func @nowfence(%a: memref<64x16xf16>, %b: memref<16x16xf16>, %d: memref<64x16xf32>)
        workgroup(%sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
        kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %c16 = arith.constant 16 : index
      %c32 = arith.constant 32 : index
      %c128 = arith.constant 128 : index
      %na = arith.constant 1024 : index
      %nb = arith.constant 256 : index
      // Stage A (64 x 16) and B (N x 16) in core-matrix layout: [k / 8, row, k % 8].
      scf.for %i = %t to %na step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %a[%r, %k] : memref<64x16xf16>
        memref.store %v, %sa[%kb, %r, %k8] : memref<2x64x8xf16, #gpu.address_space<workgroup>>
      }
      scf.for %i = %t to %nb step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %b[%r, %k] : memref<16x16xf16>
        memref.store %v, %sb[%kb, %r, %k8] : memref<2x16x8xf16, #gpu.address_space<workgroup>>
      }
      nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
      gpu.barrier
      %m18 = arith.constant 262143 : i64
      %c4i = arith.constant 4 : i64
      %pa = memref.extract_aligned_pointer_as_index %sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> -> index
      %ia = arith.index_cast %pa : index to i64
      %ma = arith.andi %ia, %m18 : i64
      %qa = arith.shrui %ma, %c4i : i64
      %oa = arith.constant 34363932672 : i64
      %da = arith.ori %qa, %oa : i64
      %pb = memref.extract_aligned_pointer_as_index %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> -> index
      %ib = arith.index_cast %pb : index to i64
      %mb = arith.andi %ib, %m18 : i64
      %qb = arith.shrui %mb, %c4i : i64
      %ob = arith.constant 34360786944 : i64
      %db = arith.ori %qb, %ob : i64
      %z = llvm.mlir.zero : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %acc = nvvm.wgmma.mma_async %da, %db, %z, <m = 64, n = 16, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      nvvm.wgmma.commit.group.sync.aligned
      nvvm.wgmma.wait.group.sync.aligned 0
      // Register i of thread t: row 16 (t / 32) + (t % 32) / 4 + 8 (i / 2 % 2), column 8 (i / 4) + 2 (t % 4) + i % 2.
      %w = arith.divui %t, %c32 : index
      %lane = arith.remui %t, %c32 : index
      %g = arith.divui %lane, %c4 : index
      %tq = arith.remui %t, %c4 : index
      %w16 = arith.muli %w, %c16 : index
      %row0 = arith.addi %w16, %g : index
      %row8 = arith.addi %row0, %c8 : index
      %t2 = arith.muli %tq, %c2 : index
      %col1 = arith.addi %t2, %c1 : index
      %x0 = llvm.extractvalue %acc[0] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x0, %d[%row0, %t2] : memref<64x16xf32>
      %x1 = llvm.extractvalue %acc[1] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x1, %d[%row0, %col1] : memref<64x16xf32>
      %x2 = llvm.extractvalue %acc[2] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x2, %d[%row8, %t2] : memref<64x16xf32>
      %x3 = llvm.extractvalue %acc[3] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x3, %d[%row8, %col1] : memref<64x16xf32>
      %x4 = llvm.extractvalue %acc[4] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb4 = arith.constant 8 : index
      %col4x = arith.addi %t2, %cb4 : index
      memref.store %x4, %d[%row0, %col4x] : memref<64x16xf32>
      %x5 = llvm.extractvalue %acc[5] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb5 = arith.constant 8 : index
      %col5x = arith.addi %col1, %cb5 : index
      memref.store %x5, %d[%row0, %col5x] : memref<64x16xf32>
      %x6 = llvm.extractvalue %acc[6] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb6 = arith.constant 8 : index
      %col6x = arith.addi %t2, %cb6 : index
      memref.store %x6, %d[%row8, %col6x] : memref<64x16xf32>
      %x7 = llvm.extractvalue %acc[7] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb7 = arith.constant 8 : index
      %col7x = arith.addi %col1, %cb7 : index
      memref.store %x7, %d[%row8, %col7x] : memref<64x16xf32>
      gpu.return
    }

    gpu.func @early(%a: memref<64x16xf16>, %b: memref<16x16xf16>, %d: memref<64x16xf32>)
        workgroup(%sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
        kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %c16 = arith.constant 16 : index
      %c32 = arith.constant 32 : index
      %c128 = arith.constant 128 : index
      %na = arith.constant 1024 : index
      %nb = arith.constant 256 : index
      // Stage A (64 x 16) and B (N x 16) in core-matrix layout: [k / 8, row, k % 8].
      scf.for %i = %t to %na step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %a[%r, %k] : memref<64x16xf16>
        memref.store %v, %sa[%kb, %r, %k8] : memref<2x64x8xf16, #gpu.address_space<workgroup>>
      }
      scf.for %i = %t to %nb step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %b[%r, %k] : memref<16x16xf16>
        memref.store %v, %sb[%kb, %r, %k8] : memref<2x16x8xf16, #gpu.address_space<workgroup>>
      }
      nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
      gpu.barrier
      nvvm.wgmma.fence.aligned
      %m18 = arith.constant 262143 : i64
      %c4i = arith.constant 4 : i64
      %pa = memref.extract_aligned_pointer_as_index %sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> -> index
      %ia = arith.index_cast %pa : index to i64
      %ma = arith.andi %ia, %m18 : i64
      %qa = arith.shrui %ma, %c4i : i64
      %oa = arith.constant 34363932672 : i64
      %da = arith.ori %qa, %oa : i64
      %pb = memref.extract_aligned_pointer_as_index %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> -> index
      %ib = arith.index_cast %pb : index to i64
      %mb = arith.andi %ib, %m18 : i64
      %qb = arith.shrui %mb, %c4i : i64
      %ob = arith.constant 34360786944 : i64
      %db = arith.ori %qb, %ob : i64
      %z = llvm.mlir.zero : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %acc = nvvm.wgmma.mma_async %da, %db, %z, <m = 64, n = 16, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      nvvm.wgmma.commit.group.sync.aligned
      %e0 = llvm.extractvalue %acc[0] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %tn = arith.remui %t, %c16 : index
      %tr = arith.divui %t, %c16 : index
      memref.store %e0, %d[%tr, %tn] : memref<64x16xf32>
      nvvm.wgmma.wait.group.sync.aligned 0
      // Register i of thread t: row 16 (t / 32) + (t % 32) / 4 + 8 (i / 2 % 2), column 8 (i / 4) + 2 (t % 4) + i % 2.
      %w = arith.divui %t, %c32 : index
      %lane = arith.remui %t, %c32 : index
      %g = arith.divui %lane, %c4 : index
      %tq = arith.remui %t, %c4 : index
      %w16 = arith.muli %w, %c16 : index
      %row0 = arith.addi %w16, %g : index
      %row8 = arith.addi %row0, %c8 : index
      %t2 = arith.muli %tq, %c2 : index
      %col1 = arith.addi %t2, %c1 : index
      %x0 = llvm.extractvalue %acc[0] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x0, %d[%row0, %t2] : memref<64x16xf32>
      %x1 = llvm.extractvalue %acc[1] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x1, %d[%row0, %col1] : memref<64x16xf32>
      %x2 = llvm.extractvalue %acc[2] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x2, %d[%row8, %t2] : memref<64x16xf32>
      %x3 = llvm.extractvalue %acc[3] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x3, %d[%row8, %col1] : memref<64x16xf32>
      %x4 = llvm.extractvalue %acc[4] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb4 = arith.constant 8 : index
      %col4x = arith.addi %t2, %cb4 : index
      memref.store %x4, %d[%row0, %col4x] : memref<64x16xf32>
      %x5 = llvm.extractvalue %acc[5] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb5 = arith.constant 8 : index
      %col5x = arith.addi %col1, %cb5 : index
      memref.store %x5, %d[%row0, %col5x] : memref<64x16xf32>
      %x6 = llvm.extractvalue %acc[6] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb6 = arith.constant 8 : index
      %col6x = arith.addi %t2, %cb6 : index
      memref.store %x6, %d[%row8, %col6x] : memref<64x16xf32>
      %x7 = llvm.extractvalue %acc[7] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb7 = arith.constant 8 : index
      %col7x = arith.addi %col1, %cb7 : index
      memref.store %x7, %d[%row8, %col7x] : memref<64x16xf32>
      gpu.return
    }

    gpu.func @baddesc(%a: memref<64x16xf16>, %b: memref<16x16xf16>, %d: memref<64x16xf32>)
        workgroup(%sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
        kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %c16 = arith.constant 16 : index
      %c32 = arith.constant 32 : index
      %c128 = arith.constant 128 : index
      %na = arith.constant 1024 : index
      %nb = arith.constant 256 : index
      // Stage A (64 x 16) and B (N x 16) in core-matrix layout: [k / 8, row, k % 8].
      scf.for %i = %t to %na step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %a[%r, %k] : memref<64x16xf16>
        memref.store %v, %sa[%kb, %r, %k8] : memref<2x64x8xf16, #gpu.address_space<workgroup>>
      }
      scf.for %i = %t to %nb step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %b[%r, %k] : memref<16x16xf16>
        memref.store %v, %sb[%kb, %r, %k8] : memref<2x16x8xf16, #gpu.address_space<workgroup>>
      }
      nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
      gpu.barrier
      nvvm.wgmma.fence.aligned
      %m18 = arith.constant 262143 : i64
      %c4i = arith.constant 4 : i64
      %pa = memref.extract_aligned_pointer_as_index %sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> -> index
      %ia = arith.index_cast %pa : index to i64
      %ma = arith.andi %ia, %m18 : i64
      %qa = arith.shrui %ma, %c4i : i64
      %oa = arith.constant 34363932672 : i64
      %da = arith.ori %qa, %oa : i64
      %pb = memref.extract_aligned_pointer_as_index %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> -> index
      %ib = arith.index_cast %pb : index to i64
      %mb = arith.andi %ib, %m18 : i64
      %qb = arith.shrui %mb, %c4i : i64
      %ob = arith.constant 1099512676352 : i64
      %db = arith.ori %qb, %ob : i64
      %z = llvm.mlir.zero : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %acc = nvvm.wgmma.mma_async %da, %db, %z, <m = 64, n = 16, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      nvvm.wgmma.commit.group.sync.aligned
      nvvm.wgmma.wait.group.sync.aligned 0
      // Register i of thread t: row 16 (t / 32) + (t % 32) / 4 + 8 (i / 2 % 2), column 8 (i / 4) + 2 (t % 4) + i % 2.
      %w = arith.divui %t, %c32 : index
      %lane = arith.remui %t, %c32 : index
      %g = arith.divui %lane, %c4 : index
      %tq = arith.remui %t, %c4 : index
      %w16 = arith.muli %w, %c16 : index
      %row0 = arith.addi %w16, %g : index
      %row8 = arith.addi %row0, %c8 : index
      %t2 = arith.muli %tq, %c2 : index
      %col1 = arith.addi %t2, %c1 : index
      %x0 = llvm.extractvalue %acc[0] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x0, %d[%row0, %t2] : memref<64x16xf32>
      %x1 = llvm.extractvalue %acc[1] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x1, %d[%row0, %col1] : memref<64x16xf32>
      %x2 = llvm.extractvalue %acc[2] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x2, %d[%row8, %t2] : memref<64x16xf32>
      %x3 = llvm.extractvalue %acc[3] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x3, %d[%row8, %col1] : memref<64x16xf32>
      %x4 = llvm.extractvalue %acc[4] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb4 = arith.constant 8 : index
      %col4x = arith.addi %t2, %cb4 : index
      memref.store %x4, %d[%row0, %col4x] : memref<64x16xf32>
      %x5 = llvm.extractvalue %acc[5] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb5 = arith.constant 8 : index
      %col5x = arith.addi %col1, %cb5 : index
      memref.store %x5, %d[%row0, %col5x] : memref<64x16xf32>
      %x6 = llvm.extractvalue %acc[6] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb6 = arith.constant 8 : index
      %col6x = arith.addi %t2, %cb6 : index
      memref.store %x6, %d[%row8, %col6x] : memref<64x16xf32>
      %x7 = llvm.extractvalue %acc[7] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb7 = arith.constant 8 : index
      %col7x = arith.addi %col1, %cb7 : index
      memref.store %x7, %d[%row8, %col7x] : memref<64x16xf32>
      gpu.return
    }

    gpu.func @unaligned(%a: memref<64x16xf16>, %b: memref<16x16xf16>, %d: memref<64x16xf32>)
        workgroup(%sa : memref<2x64x8xf16, #gpu.address_space<workgroup>>, %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>>)
        kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %c16 = arith.constant 16 : index
      %c32 = arith.constant 32 : index
      %c128 = arith.constant 128 : index
      %na = arith.constant 1024 : index
      %nb = arith.constant 256 : index
      // Stage A (64 x 16) and B (N x 16) in core-matrix layout: [k / 8, row, k % 8].
      scf.for %i = %t to %na step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %a[%r, %k] : memref<64x16xf16>
        memref.store %v, %sa[%kb, %r, %k8] : memref<2x64x8xf16, #gpu.address_space<workgroup>>
      }
      scf.for %i = %t to %nb step %c128 {
        %r = arith.divui %i, %c16 : index
        %k = arith.remui %i, %c16 : index
        %kb = arith.divui %k, %c8 : index
        %k8 = arith.remui %k, %c8 : index
        %v = memref.load %b[%r, %k] : memref<16x16xf16>
        memref.store %v, %sb[%kb, %r, %k8] : memref<2x16x8xf16, #gpu.address_space<workgroup>>
      }
      nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
      gpu.barrier
      nvvm.wgmma.fence.aligned
      %m18 = arith.constant 262143 : i64
      %c4i = arith.constant 4 : i64
      %pa = memref.extract_aligned_pointer_as_index %sa : memref<2x64x8xf16, #gpu.address_space<workgroup>> -> index
      %ia = arith.index_cast %pa : index to i64
      %ma = arith.andi %ia, %m18 : i64
      %qa = arith.shrui %ma, %c4i : i64
      %oa = arith.constant 34363932672 : i64
      %da = arith.ori %qa, %oa : i64
      %pb = memref.extract_aligned_pointer_as_index %sb : memref<2x16x8xf16, #gpu.address_space<workgroup>> -> index
      %ib = arith.index_cast %pb : index to i64
      %mb = arith.andi %ib, %m18 : i64
      %qb = arith.shrui %mb, %c4i : i64
      %ob = arith.constant 34360786944 : i64
      %db = arith.ori %qb, %ob : i64
      %z = llvm.mlir.zero : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %acc = nvvm.wgmma.mma_async %da, %db, %z, <m = 64, n = 16, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      nvvm.wgmma.commit.group.sync.aligned
      nvvm.wgmma.wait.group.sync.aligned 0
      // Register i of thread t: row 16 (t / 32) + (t % 32) / 4 + 8 (i / 2 % 2), column 8 (i / 4) + 2 (t % 4) + i % 2.
      %w = arith.divui %t, %c32 : index
      %lane = arith.remui %t, %c32 : index
      %g = arith.divui %lane, %c4 : index
      %tq = arith.remui %t, %c4 : index
      %w16 = arith.muli %w, %c16 : index
      %row0 = arith.addi %w16, %g : index
      %row8 = arith.addi %row0, %c8 : index
      %t2 = arith.muli %tq, %c2 : index
      %col1 = arith.addi %t2, %c1 : index
      %x0 = llvm.extractvalue %acc[0] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x0, %d[%row0, %t2] : memref<64x16xf32>
      %x1 = llvm.extractvalue %acc[1] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x1, %d[%row0, %col1] : memref<64x16xf32>
      %x2 = llvm.extractvalue %acc[2] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x2, %d[%row8, %t2] : memref<64x16xf32>
      %x3 = llvm.extractvalue %acc[3] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      memref.store %x3, %d[%row8, %col1] : memref<64x16xf32>
      %x4 = llvm.extractvalue %acc[4] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb4 = arith.constant 8 : index
      %col4x = arith.addi %t2, %cb4 : index
      memref.store %x4, %d[%row0, %col4x] : memref<64x16xf32>
      %x5 = llvm.extractvalue %acc[5] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb5 = arith.constant 8 : index
      %col5x = arith.addi %col1, %cb5 : index
      memref.store %x5, %d[%row0, %col5x] : memref<64x16xf32>
      %x6 = llvm.extractvalue %acc[6] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb6 = arith.constant 8 : index
      %col6x = arith.addi %t2, %cb6 : index
      memref.store %x6, %d[%row8, %col6x] : memref<64x16xf32>
      %x7 = llvm.extractvalue %acc[7] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
      %cb7 = arith.constant 8 : index
      %col7x = arith.addi %col1, %cb7 : index
      memref.store %x7, %d[%row8, %col7x] : memref<64x16xf32>
      gpu.return
    }
  }
}
