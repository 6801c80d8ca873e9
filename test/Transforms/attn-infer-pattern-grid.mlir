// RUN: not attn-opt %s --attn-infer-pattern="block-size=0" 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not attn-opt %s --attn-infer-pattern="grid=2,2,2,2" 2>&1 | FileCheck %s --check-prefix=RANK
// RUN: not attn-opt %s --attn-infer-pattern="max-entries=0" 2>&1 | FileCheck %s --check-prefix=MAX
// BLOCK: error: attn-infer-pattern: 'block-size' must be positive, got 0
// RANK: error: attn-infer-pattern: 'grid' has 4 dimensions; neighborhoods have 1 to 3
// MAX: error: attn-infer-pattern: 'max-entries' must be positive, got 0
// RUN: not attn-opt %s --attn-materialize-pattern=form=sparse 2>&1 | FileCheck %s --check-prefix=FORM
// FORM: error: attn-materialize-pattern: unknown form 'sparse', expected constant or index

// RUN: attn-opt %s --attn-materialize-pattern=form=index | attn-opt --attn-infer-pattern="grid=2,8" 2>&1 | FileCheck %s --check-prefix=GRID
// RUN: attn-opt %s --attn-materialize-pattern=form=index | attn-opt --attn-infer-pattern="grid=4,4 block-size=8" 2>&1 | FileCheck %s --check-prefix=OTHER

// With grid=2,8 a 2-D neighborhood on a 2 x 8 grid is found. With grid=4,4
// no pattern equals the mask; it stays, bounded by the tightest enclosing
// pattern (a window of 2 + 2, tighter than the 8 x 8 blocks).
// GRID-LABEL: func.func @grid
// GRID: {pattern = #attn.neighborhood<shape = [2, 8], kernel = [1, 3]>}
// OTHER-LABEL: func.func @grid
// OTHER: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<16x16xi1>) {pattern = #attn.window<left = 2, right = 2, sinks = 0>}
func.func @grid(%q: tensor<1x1x16x4xf32>, %k: tensor<1x1x16x4xf32>, %v: tensor<1x1x16x4xf32>) -> tensor<1x1x16x4xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [2, 8], kernel = [1, 3]>} : tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32> -> tensor<1x1x16x4xf32>
  return %o : tensor<1x1x16x4xf32>
}
