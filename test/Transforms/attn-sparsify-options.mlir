// Bad options are refused before anything changes.
// RUN: not attn-opt %s --attn-sparsify 2>&1 | FileCheck %s --check-prefix=NONE
// NONE: error: attn-sparsify: 'pattern' is required: one of causal, window, neighborhood, block-sparse
// RUN: not attn-opt %s --attn-sparsify="pattern=diagonal" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: error: attn-sparsify: unknown pattern 'diagonal', expected one of causal, window, neighborhood, block-sparse, dense
// RUN: not attn-opt %s --attn-sparsify="pattern=window" 2>&1 | FileCheck %s --check-prefix=LEFT
// LEFT: error: attn-sparsify: pattern=window needs 'left' >= 0
// RUN: not attn-opt %s --attn-sparsify="pattern=window left=2 sinks=-1" 2>&1 | FileCheck %s --check-prefix=SINKS
// SINKS: error: attn-sparsify: 'right' and 'sinks' must be non-negative
// RUN: not attn-opt %s --attn-sparsify="pattern=causal left=3" 2>&1 | FileCheck %s --check-prefix=UNUSED
// UNUSED: error: attn-sparsify: option 'left' does not apply to pattern=causal
// RUN: not attn-opt %s --attn-sparsify="pattern=neighborhood grid=4,4" 2>&1 | FileCheck %s --check-prefix=KERNEL
// KERNEL: error: attn-sparsify: pattern=neighborhood needs 'kernel' with 1 to 3 entries, got 0
// RUN: not attn-opt %s --attn-sparsify="pattern=neighborhood grid=4,4 kernel=3,3 dilation=1" 2>&1 | FileCheck %s --check-prefix=RANK
// RANK: error: attn-sparsify: 'dilation' has 1 entries but 'kernel' has 2
// RUN: not attn-opt %s --attn-sparsify="pattern=neighborhood kernel=3,3" 2>&1 | FileCheck %s --check-prefix=GRID
// GRID: error: attn-sparsify: pattern=neighborhood with a 2-D kernel needs 'grid'
// RUN: not attn-opt %s --attn-sparsify="pattern=neighborhood kernel=3 causal=2" 2>&1 | FileCheck %s --check-prefix=CAUSAL
// CAUSAL: error: attn.attention #0: neighborhood 'causal' entries must be 0 or 1, got 2 in dimension 0
// RUN: not attn-opt %s --attn-sparsify="pattern=neighborhood kernel=9 dilation=2" 2>&1 | FileCheck %s --check-prefix=KD
// KD: error: attn.attention #0: neighborhood kernel * dilation (9 * 2) exceeds
// RUN: not attn-opt %s --attn-sparsify="pattern=block-sparse" 2>&1 | FileCheck %s --check-prefix=LAYOUT
// LAYOUT: error: attn-sparsify: pattern=block-sparse needs 'layout' (a 2-D .npy file)
// RUN: not attn-opt %s --attn-sparsify="pattern=causal ops=3" 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: error: attn-sparsify: 'ops' selects op 3 but the module has 1 attn.attention ops
// RUN: not attn-opt %s --attn-sparsify="pattern=causal ops=2-1" 2>&1 | FileCheck %s --check-prefix=ORDER
// ORDER: error: attn-sparsify: 'ops' range '2-1' must be 'first-last' with first <= last
// RUN: not attn-opt %s --attn-sparsify="pattern=causal ops=x" 2>&1 | FileCheck %s --check-prefix=SYNTAX
// SYNTAX: error: attn-sparsify: 'ops' entry 'x' is not an index or a range like 0-3

func.func @attn(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
