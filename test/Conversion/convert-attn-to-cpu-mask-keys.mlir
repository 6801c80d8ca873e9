// A partial key tile stops after the last key any of its rows sees: each
// deduplicated mask has its extent in `__attn_cpu_mask_keys`, and the score
// loops of a tile run to that extent rounded up to 4 keys. With a window of
// 16 keys and 2 sink tokens, the sinks' tile of a distant query tile costs 4
// score rows instead of 16 (mask 3, extent 2).
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 tile-q=16 tile-k=16" | FileCheck %s

// CHECK: memref.global "private" constant @__attn_cpu_mask_keys : memref<5xi32> = dense<[16, 16, 16, 2, 16]>
// CHECK: memref.global "private" constant @__attn_cpu_mask_ids : memref<9xi32> = dense<[0, 1, 2, 3, 4, 2, 3, 4, 2]>
// CHECK-LABEL: func.func @sinks
// CHECK: %[[KEYS:.*]] = memref.get_global @__attn_cpu_mask_keys
// CHECK: scf.parallel
// CHECK: memref.load %{{.*}} : memref<9xi32>
// CHECK: %[[MID32:.*]] = memref.load %{{.*}} : memref<9xi32>
// CHECK: %[[MID:.*]] = arith.index_cast %[[MID32]] : i32 to index
// CHECK: %[[K0:.*]] = arith.muli %{{.*}}, %c16 : index
// CHECK: %[[LEFT:.*]] = arith.subi %{{.*}}, %[[K0]] : index
// CHECK: %[[CUT:.*]] = arith.minui %[[LEFT]], %c16 : index
// CHECK: %[[PARTIAL:.*]] = arith.cmpi sge, %[[MID]], %c0 : index
// CHECK: %[[M:.*]] = arith.select %[[PARTIAL]], %[[MID]], %c0 : index
// CHECK: %[[E32:.*]] = memref.load %[[KEYS]][%[[M]]] : memref<5xi32>
// CHECK: %[[E:.*]] = arith.index_cast %[[E32]] : i32 to index
// CHECK: %[[SHORT:.*]] = arith.minui %[[CUT]], %[[E]] : index
// CHECK: %[[N:.*]] = arith.select %[[PARTIAL]], %[[SHORT]], %[[CUT]] : index
// CHECK: %[[N3:.*]] = arith.addi %[[N]], %c3 : index
// CHECK: %[[N4:.*]] = arith.divui %[[N3]], %c4 : index
// CHECK: %[[ROWS:.*]] = arith.muli %[[N4]], %c4 : index
// CHECK: scf.for %{{.*}} = %c0 to %[[ROWS]] step %c4
func.func @sinks(%q: tensor<1x1x64x8xf32>, %k: tensor<1x1x64x8xf32>, %v: tensor<1x1x64x8xf32>) -> tensor<1x1x64x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 15, sinks = 2>} : tensor<1x1x64x8xf32>, tensor<1x1x64x8xf32>, tensor<1x1x64x8xf32> -> tensor<1x1x64x8xf32>
  return %o : tensor<1x1x64x8xf32>
}
