// RUN: attn-opt %s --convert-scf-to-openmp --attn-hoist-openmp-allocas --split-input-file | FileCheck %s

// Static scratch moves to the entry of omp.parallel (once per thread) and
// the alloca_scope that convert-scf-to-openmp added disappears.
// CHECK-LABEL: func.func @static_scratch
// CHECK: omp.parallel {
// CHECK-NEXT: %[[T:.*]] = memref.alloca() : memref<64xf32>
// CHECK: omp.wsloop
// CHECK-NOT: memref.alloca_scope
// CHECK: memref.store %{{.*}}, %[[T]]
// CHECK: memref.load %[[T]]
func.func @static_scratch(%n: index, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %t = memref.alloca() : memref<64xf32>
    memref.store %f, %t[%c0] : memref<64xf32>
    %x = memref.load %t[%c0] : memref<64xf32>
    memref.store %x, %out[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// A dynamically sized alloca must stay per iteration: the scope stays.
// CHECK-LABEL: func.func @dynamic_scratch
// CHECK: omp.wsloop
// CHECK: memref.alloca_scope
// CHECK: memref.alloca(%{{.*}}) : memref<?xf32>
func.func @dynamic_scratch(%n: index, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %t = memref.alloca(%i) : memref<?xf32>
    memref.store %f, %t[%c0] : memref<?xf32>
    scf.reduce
  }
  return
}
