// A tile of a larger attention (q_offset, q_len) is lowered with a plan made
// at run time: no tables, the key tiles of each query tile from the
// pattern's key ranges (here the 3 sinks, then the window of the tile's
// logical rows), and pair tests only in tiles the pattern does not show to
// be fully visible.
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1 tile-q=16 tile-k=8" | FileCheck %s

// CHECK-LABEL: func.func @window_tile
// CHECK-SAME: %[[OFF:[^:]*]]: index
// CHECK-NOT: memref.global
// CHECK: scf.parallel
// The tile's logical rows [q0, q1): the op's rows plus q_offset.
// CHECK: %[[Q0:.*]] = arith.addi %[[OFF]], %{{.*}} : index
// CHECK: %[[Q1:.*]] = arith.addi %[[OFF]], %{{.*}} : index
// The window's keys: [clamp(q0 - 20, 3, 96), clamp(q1, 0, 96)).
// CHECK: %[[L0:.*]] = arith.subi %[[Q0]], %c20 : index
// CHECK: %[[L1:.*]] = arith.maxsi %[[L0]], %c3 : index
// CHECK: %[[LO:.*]] = arith.minsi %[[L1]], %c96 : index
// CHECK: %[[H1:.*]] = arith.maxsi %[[Q1]], %{{.*}} : index
// CHECK: %[[H2:.*]] = arith.minsi %[[H1]], %c96 : index
// CHECK: %[[HI:.*]] = arith.maxsi %[[H2]], %[[LO]] : index
// Its key tiles [lo / 8, ceil(hi / 8)), none when the range is empty.
// CHECK: %[[T0:.*]] = arith.divui %[[LO]], %c8 : index
// CHECK: %[[E:.*]] = arith.addi %[[HI]], %c7 : index
// CHECK: %[[T1:.*]] = arith.divui %[[E]], %c8 : index
// CHECK: %[[EMPTY:.*]] = arith.cmpi eq, %[[HI]], %[[LO]] : index
// CHECK: %[[N:.*]] = arith.subi %[[T1]], %[[T0]] : index
// CHECK: %[[WN:.*]] = arith.select %[[EMPTY]], %c0, %[[N]] : index
// One loop over the sinks' tile (entry 0) and then the window's.
// CHECK: %[[ALL:.*]] = arith.addi %[[WN]], %c1 : index
// CHECK: scf.for %[[ENTRY:.*]] = %c0 to %[[ALL]] step
// CHECK: %[[INWIN:.*]] = arith.cmpi uge, %[[ENTRY]], %c1 : index
// CHECK: %[[TILE:.*]] = arith.select %[[INWIN]], %{{.*}}, %[[ENTRY]] : index
// CHECK: %[[K0:.*]] = arith.muli %[[TILE]], %c8 : index
// Pair tests unless the tile is fully visible.
// CHECK: scf.if
// CHECK: attn.tiles = array<i64: 16, 8>
// CHECK-NOT: attn.attention
func.func @window_tile(%q: tensor<1x1x32x8xf32>, %k: tensor<1x1x96x8xf32>, %v: tensor<1x1x96x8xf32>, %off: index) -> tensor<1x1x32x8xf32> {
  %o = attn.attention %q, %k, %v q_offset(%off) {q_len = 96 : i64, pattern = #attn.window<left = 20, sinks = 3>} : tensor<1x1x32x8xf32>, tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32> -> tensor<1x1x32x8xf32>
  return %o : tensor<1x1x32x8xf32>
}
