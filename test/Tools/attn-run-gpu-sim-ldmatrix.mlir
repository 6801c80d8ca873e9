// attn-run's GPU simulator runs nvgpu.ldmatrix (four 8 x 8 matrices of f16,
// plain and transposed) as PTX's ldmatrix: lane 8 i + r gives the address of
// row r of matrix i; lane l receives, per matrix, row l / 4 at columns
// 2 (l % 4) and 2 (l % 4) + 1, or (transposed) those rows of column l / 4.
// A one-warp kernel stages a 16 x 16 matrix, loads it both ways and writes
// each lane's registers out; numpy computes the expected layout. The other
// entries: a row address that is not 16-byte aligned, and ldmatrix run by
// half a warp.
// REQUIRES: numpy
// RUN: %python -c "import numpy as np; a = np.arange(256, dtype=np.float16).reshape(16, 16); np.save('%t.a.npy', a); l = np.arange(32)[:, None, None]; i = np.arange(4)[None, :, None]; j = np.arange(2)[None, None, :]; r0 = 8 * (i %% 2); c0 = 8 * (i // 2); np.save('%t.plain.npy', a[r0 + l // 4, c0 + 2 * (l %% 4) + j].reshape(32, 8).astype(np.float32)); np.save('%t.trans.npy', a[r0 + 2 * (l %% 4) + j, c0 + l // 4].reshape(32, 8).astype(np.float32))"
// RUN: attn-run %s --pipeline=gpu-sim --entry=plain --input=%t.a.npy --check-against=%t.plain.npy --atol=0 --rtol=0 | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --entry=trans --input=%t.a.npy --check-against=%t.trans.npy --atol=0 --rtol=0 | FileCheck %s
// RUN: not attn-run %s --pipeline=gpu-sim --entry=misaligned --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=ALIGN
// RUN: not attn-run %s --pipeline=gpu-sim --entry=half_warp --input=%t.a.npy 2>&1 | FileCheck %s --check-prefix=HALF

// CHECK: gpu-sim: 1 thread blocks simulated; kernels: ld
// CHECK: result 0: max_abs_err=0 max_rel_err=0 (atol=0, rtol=0) PASS
// ALIGN: 'nvgpu.ldmatrix' in block (0, 0, 0): thread 0 makes a 16-byte aligned access at byte 8 of workgroup buffer 0
// HALF: 'nvgpu.ldmatrix' in block (0, 0, 0): runs with 16 of the 32 threads of its group starting at thread 0

module attributes {gpu.container_module} {
  func.func private @launch_plain(memref<16x16xf16>, memref<32x8xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@ld_plain}
  func.func @plain(%x: tensor<16x16xf16>) -> tensor<32x8xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<16x16xf16> to memref<16x16xf16>
    %o = memref.alloc() : memref<32x8xf32>
    call @launch_plain(%a, %o) : (memref<16x16xf16>, memref<32x8xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32x8xf32> to tensor<32x8xf32>
    return %r : tensor<32x8xf32>
  }
  func.func private @launch_trans(memref<16x16xf16>, memref<32x8xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@ld_trans}
  func.func @trans(%x: tensor<16x16xf16>) -> tensor<32x8xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<16x16xf16> to memref<16x16xf16>
    %o = memref.alloc() : memref<32x8xf32>
    call @launch_trans(%a, %o) : (memref<16x16xf16>, memref<32x8xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32x8xf32> to tensor<32x8xf32>
    return %r : tensor<32x8xf32>
  }
  func.func private @launch_misaligned(memref<16x16xf16>, memref<32x8xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@ld_misaligned}
  func.func @misaligned(%x: tensor<16x16xf16>) -> tensor<32x8xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<16x16xf16> to memref<16x16xf16>
    %o = memref.alloc() : memref<32x8xf32>
    call @launch_misaligned(%a, %o) : (memref<16x16xf16>, memref<32x8xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32x8xf32> to tensor<32x8xf32>
    return %r : tensor<32x8xf32>
  }
  func.func private @launch_half(memref<16x16xf16>, memref<32x8xf32>) attributes {attn.gpu.block = array<i64: 32, 1, 1>, attn.gpu.grid = array<i64: 1, 1, 1>, attn.gpu.kernel = @k::@ld_half}
  func.func @half_warp(%x: tensor<16x16xf16>) -> tensor<32x8xf32> {
    %a = bufferization.to_buffer %x read_only : tensor<16x16xf16> to memref<16x16xf16>
    %o = memref.alloc() : memref<32x8xf32>
    call @launch_half(%a, %o) : (memref<16x16xf16>, memref<32x8xf32>) -> ()
    %r = bufferization.to_tensor %o restrict writable : memref<32x8xf32> to tensor<32x8xf32>
    return %r : tensor<32x8xf32>
  }

  gpu.module @k {
    // Stages a[16][16] (8 elements per lane), then lane l gives row
    // 8 ((l / 8) % 2) + l % 8, column 8 (l / 16): matrix i = l / 8 covers
    // rows 8 (i % 2) .., columns 8 (i / 2) ...
    gpu.func @ld_plain(%a: memref<16x16xf16>, %o: memref<32x8xf32>) workgroup(%s : memref<16x16xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c8 = arith.constant 8 : index
      %c16 = arith.constant 16 : index
      %row = arith.divui %t, %c2 : index
      %half = arith.remui %t, %c2 : index
      %col = arith.muli %half, %c8 : index
      %v = vector.load %a[%row, %col] : memref<16x16xf16>, vector<8xf16>
      vector.store %v, %s[%row, %col] {alignment = 16 : i64} : memref<16x16xf16, #gpu.address_space<workgroup>>, vector<8xf16>
      gpu.barrier
      %r8 = arith.remui %t, %c8 : index
      %m = arith.divui %t, %c8 : index
      %m2 = arith.remui %m, %c2 : index
      %mh = arith.divui %m, %c2 : index
      %rb = arith.muli %m2, %c8 : index
      %r = arith.addi %rb, %r8 : index
      %c = arith.muli %mh, %c8 : index
      %regs = nvgpu.ldmatrix %s[%r, %c] {numTiles = 4 : i32, transpose = false} : memref<16x16xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
      %p0 = vector.extract %regs[0] : vector<2xf16> from vector<4x2xf16>
      %w0 = arith.extf %p0 : vector<2xf16> to vector<2xf32>
      %o0 = arith.constant 0 : index
      vector.store %w0, %o[%t, %o0] : memref<32x8xf32>, vector<2xf32>
      %p1 = vector.extract %regs[1] : vector<2xf16> from vector<4x2xf16>
      %w1 = arith.extf %p1 : vector<2xf16> to vector<2xf32>
      %o1 = arith.constant 2 : index
      vector.store %w1, %o[%t, %o1] : memref<32x8xf32>, vector<2xf32>
      %p2 = vector.extract %regs[2] : vector<2xf16> from vector<4x2xf16>
      %w2 = arith.extf %p2 : vector<2xf16> to vector<2xf32>
      %o2 = arith.constant 4 : index
      vector.store %w2, %o[%t, %o2] : memref<32x8xf32>, vector<2xf32>
      %p3 = vector.extract %regs[3] : vector<2xf16> from vector<4x2xf16>
      %w3 = arith.extf %p3 : vector<2xf16> to vector<2xf32>
      %o3 = arith.constant 6 : index
      vector.store %w3, %o[%t, %o3] : memref<32x8xf32>, vector<2xf32>
      gpu.return
    }

    gpu.func @ld_trans(%a: memref<16x16xf16>, %o: memref<32x8xf32>) workgroup(%s : memref<16x16xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c2 = arith.constant 2 : index
      %c8 = arith.constant 8 : index
      %row = arith.divui %t, %c2 : index
      %half = arith.remui %t, %c2 : index
      %col = arith.muli %half, %c8 : index
      %v = vector.load %a[%row, %col] : memref<16x16xf16>, vector<8xf16>
      vector.store %v, %s[%row, %col] {alignment = 16 : i64} : memref<16x16xf16, #gpu.address_space<workgroup>>, vector<8xf16>
      gpu.barrier
      %r8 = arith.remui %t, %c8 : index
      %m = arith.divui %t, %c8 : index
      %m2 = arith.remui %m, %c2 : index
      %mh = arith.divui %m, %c2 : index
      %rb = arith.muli %m2, %c8 : index
      %r = arith.addi %rb, %r8 : index
      %c = arith.muli %mh, %c8 : index
      %regs = nvgpu.ldmatrix %s[%r, %c] {numTiles = 4 : i32, transpose = true} : memref<16x16xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
      %p0 = vector.extract %regs[0] : vector<2xf16> from vector<4x2xf16>
      %w0 = arith.extf %p0 : vector<2xf16> to vector<2xf32>
      %o0 = arith.constant 0 : index
      vector.store %w0, %o[%t, %o0] : memref<32x8xf32>, vector<2xf32>
      %p1 = vector.extract %regs[1] : vector<2xf16> from vector<4x2xf16>
      %w1 = arith.extf %p1 : vector<2xf16> to vector<2xf32>
      %o1 = arith.constant 2 : index
      vector.store %w1, %o[%t, %o1] : memref<32x8xf32>, vector<2xf32>
      %p2 = vector.extract %regs[2] : vector<2xf16> from vector<4x2xf16>
      %w2 = arith.extf %p2 : vector<2xf16> to vector<2xf32>
      %o2 = arith.constant 4 : index
      vector.store %w2, %o[%t, %o2] : memref<32x8xf32>, vector<2xf32>
      %p3 = vector.extract %regs[3] : vector<2xf16> from vector<4x2xf16>
      %w3 = arith.extf %p3 : vector<2xf16> to vector<2xf32>
      %o3 = arith.constant 6 : index
      vector.store %w3, %o[%t, %o3] : memref<32x8xf32>, vector<2xf32>
      gpu.return
    }

    // Rows start 4 elements (8 bytes) into the stage.
    gpu.func @ld_misaligned(%a: memref<16x16xf16>, %o: memref<32x8xf32>) workgroup(%s : memref<16x16xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %r = arith.remui %t, %c8 : index
      %regs = nvgpu.ldmatrix %s[%r, %c4] {numTiles = 4 : i32, transpose = false} : memref<16x16xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
      %p = vector.extract %regs[0] : vector<2xf16> from vector<4x2xf16>
      %w = arith.extf %p : vector<2xf16> to vector<2xf32>
      vector.store %w, %o[%t, %c0] : memref<32x8xf32>, vector<2xf32>
      gpu.return
    }

    gpu.func @ld_half(%a: memref<16x16xf16>, %o: memref<32x8xf32>) workgroup(%s : memref<16x16xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c8 = arith.constant 8 : index
      %c16 = arith.constant 16 : index
      %low = arith.cmpi ult, %t, %c16 : index
      scf.if %low {
        %r = arith.remui %t, %c8 : index
        %regs = nvgpu.ldmatrix %s[%r, %c0] {numTiles = 2 : i32, transpose = false} : memref<16x16xf16, #gpu.address_space<workgroup>> -> vector<2x2xf16>
        %p = vector.extract %regs[0] : vector<2xf16> from vector<2x2xf16>
        %w = arith.extf %p : vector<2xf16> to vector<2xf32>
        vector.store %w, %o[%t, %c0] : memref<32x8xf32>, vector<2xf32>
      }
      gpu.return
    }
  }
}
