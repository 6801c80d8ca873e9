// RUN: attn-opt %s --convert-attn-to-gpu --attn-gpu-stage-buffers | FileCheck %s

// The launcher gets device twins of its buffers: inputs and plan tables are
// copied in, the output (only stored by the kernel) is copied out only.
// CHECK-LABEL: func.func private @__attn_gpu_launch(
// CHECK-SAME: %[[Q:[^:]*]]: memref<1x2x40x16xf32>, %[[K:[^:]*]]: memref<1x2x40x16xf32>, %[[V:[^:]*]]: memref<1x2x40x16xf32>, %[[OFF:[^:]*]]: memref<2xi32>, %[[TIL:[^:]*]]: memref<2xi32>, %[[IDS:[^:]*]]: memref<2xi32>, %[[MSK:[^:]*]]: memref<2x32x64xi8>, %[[OUT:[^:]*]]: memref<1x2x40x16xf32>)
// CHECK-NOT: attn.gpu.kernel
// CHECK: %[[DQ:.*]] = gpu.alloc () : memref<1x2x40x16xf32>
// CHECK: gpu.memcpy %[[DQ]], %[[Q]]
// CHECK: %[[DK:.*]] = gpu.alloc ()
// CHECK: gpu.memcpy %[[DK]], %[[K]]
// CHECK: %[[DV:.*]] = gpu.alloc ()
// CHECK: gpu.memcpy %[[DV]], %[[V]]
// CHECK: %[[DOFF:.*]] = gpu.alloc () : memref<2xi32>
// CHECK: gpu.memcpy %[[DOFF]], %[[OFF]]
// CHECK: %[[DTIL:.*]] = gpu.alloc () : memref<2xi32>
// CHECK: gpu.memcpy %[[DTIL]], %[[TIL]]
// CHECK: %[[DIDS:.*]] = gpu.alloc () : memref<2xi32>
// CHECK: gpu.memcpy %[[DIDS]], %[[IDS]]
// CHECK: %[[DMSK:.*]] = gpu.alloc () : memref<2x32x64xi8>
// CHECK: gpu.memcpy %[[DMSK]], %[[MSK]]
// CHECK: %[[DOUT:.*]] = gpu.alloc () : memref<1x2x40x16xf32>
// CHECK-NOT: gpu.memcpy %[[DOUT]]
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: gpu.launch_func @__attn_gpu::@attention blocks in (%[[C1]], %[[C2]], %[[C1]]) threads in (%[[C64]], %[[C1]], %[[C1]]) args(%[[DQ]] : {{.*}}, %[[DK]] : {{.*}}, %[[DV]] : {{.*}}, %[[DOFF]] : {{.*}}, %[[DTIL]] : {{.*}}, %[[DIDS]] : {{.*}}, %[[DMSK]] : {{.*}}, %[[DOUT]] : {{.*}})
// CHECK-NEXT: gpu.memcpy %[[OUT]], %[[DOUT]]
// CHECK-NEXT: gpu.dealloc %[[DQ]]
// CHECK-NEXT: gpu.dealloc %[[DK]]
// CHECK-NEXT: gpu.dealloc %[[DV]]
// CHECK-NEXT: gpu.dealloc %[[DOFF]]
// CHECK-NEXT: gpu.dealloc %[[DTIL]]
// CHECK-NEXT: gpu.dealloc %[[DIDS]]
// CHECK-NEXT: gpu.dealloc %[[DMSK]]
// CHECK-NEXT: gpu.dealloc %[[DOUT]]
// CHECK-NEXT: return
func.func @causal(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x40x16xf32>, %v: tensor<1x2x40x16xf32>) -> tensor<1x2x40x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32> -> tensor<1x2x40x16xf32>
  return %o : tensor<1x2x40x16xf32>
}

