// Small heads: the per-thread loops over D, Dv and the staged keys are fully
// unrolled, so the private arrays are only indexed by constants (registers
// after SROA); the plan and staging loops stay. Wide heads keep the loops.
// RUN: attn-opt %s --convert-attn-to-gpu="tile-k=4" --canonicalize --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @small(
// CHECK: gpu.func @attention
// CHECK-SAME: private(%[[QR:[^ ]*]] : memref<4xf32, #gpu.address_space<private>>, %[[ACC:[^ ]*]] : memref<2xf32, #gpu.address_space<private>>, %[[S:[^ ]*]] : memref<4xf32, #gpu.address_space<private>>)
// CHECK-SAME: attn.gpu.unrolled = true
// CHECK-DAG: memref.store %{{.*}}, %[[QR]][%c3{{.*}}]
// CHECK-DAG: memref.store %{{.*}}, %[[ACC]][%c1{{.*}}]
// The plan loop (run-time bounds) and the two staging loops remain.
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(
// CHECK: scf.for %{{.*}} = %{{.*}} to %c16{{.*}} step %c64
// CHECK: scf.for %{{.*}} = %{{.*}} to %c8{{.*}} step %c64
// CHECK-NOT: scf.for
// CHECK: memref.store %{{.*}}, %[[S]][%c3{{.*}}]
// CHECK-NOT: scf.for
// CHECK: gpu.return
func.func @small(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x2xf32>) -> tensor<1x1x8x2xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x2xf32> -> tensor<1x1x8x2xf32>
  return %o : tensor<1x1x8x2xf32>
}

// -----

// CHECK-LABEL: func.func @wide(
// CHECK: gpu.func @attention
// CHECK-SAME: attn.gpu.unrolled = false
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c128{{.*}} step %c1
func.func @wide(%q: tensor<1x1x8x128xf32>, %k: tensor<1x1x8x128xf32>, %v: tensor<1x1x8x128xf32>) -> tensor<1x1x8x128xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x8x128xf32>, tensor<1x1x8x128xf32>, tensor<1x1x8x128xf32> -> tensor<1x1x8x128xf32>
  return %o : tensor<1x1x8x128xf32>
}
