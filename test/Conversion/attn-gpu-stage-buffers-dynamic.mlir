// RUN: attn-opt %s --attn-gpu-stage-buffers | FileCheck %s

// A launcher of dynamically sized buffers and a grid whose x and z entries
// are known at run time: the twins take the host buffers' sizes, the grid
// its trailing index arguments (x, then z), and a grid entry of 0 skips the
// launch (CUDA refuses empty grids) but not the copies.
// CHECK-LABEL: func.func private @launch(
// CHECK-SAME: %[[X:[^:]*]]: memref<2x?xf32>, %[[Y:[^:]*]]: memref<?x?xf32>, %[[GX:[^:]*]]: index, %[[GZ:[^:]*]]: index)
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[NX:.*]] = memref.dim %[[X]], %[[C1]]
// CHECK: %[[DX:.*]] = gpu.alloc (%[[NX]]) : memref<2x?xf32>
// CHECK: gpu.memcpy %[[DX]], %[[X]]
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[MY:.*]] = memref.dim %[[Y]], %[[C0]]
// CHECK: %[[NY:.*]] = memref.dim %[[Y]], %{{.*}}
// CHECK: %[[DY:.*]] = gpu.alloc (%[[MY]], %[[NY]]) : memref<?x?xf32>
// CHECK-NOT: gpu.memcpy %[[DY]]
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[Z0:.*]] = arith.constant 0 : index
// CHECK: %[[PX:.*]] = arith.cmpi sgt, %[[GX]], %[[Z0]]
// CHECK: %[[PZ:.*]] = arith.cmpi sgt, %[[GZ]], %[[Z0]]
// CHECK: %[[P:.*]] = arith.andi %[[PX]], %[[PZ]]
// CHECK: scf.if %[[P]] {
// CHECK-NEXT: gpu.launch_func @k::@f blocks in (%[[GX]], %[[C3]], %[[GZ]]) threads in (%[[C32]], %{{.*}}, %{{.*}}) args(%[[DX]] : memref<2x?xf32>, %[[DY]] : memref<?x?xf32>)
// CHECK-NEXT: }
// CHECK-NEXT: gpu.memcpy %[[Y]], %[[DY]]
// CHECK-NEXT: gpu.dealloc %[[DX]]
// CHECK-NEXT: gpu.dealloc %[[DY]]
// CHECK-NEXT: return
module attributes {gpu.container_module} {
  func.func private @launch(memref<2x?xf32>, memref<?x?xf32>, index, index) attributes {attn.gpu.kernel = @k::@f, attn.gpu.grid = array<i64: -9223372036854775808, 3, -9223372036854775808>, attn.gpu.block = array<i64: 32, 1, 1>}
  gpu.module @k {
    gpu.func @f(%x: memref<2x?xf32>, %y: memref<?x?xf32>) kernel {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %v = memref.load %x[%c0, %t] : memref<2x?xf32>
      memref.store %v, %y[%c0, %t] : memref<?x?xf32>
      gpu.return
    }
  }
}
