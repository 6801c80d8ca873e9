// Block-sparse layouts come from a .npy file; attn-run writes one here.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=layout --output-dir=%t
// RUN: attn-opt %s --attn-sparsify="pattern=block-sparse block=8,4 layout=%t/layout.result0.npy ops=0" | FileCheck %s
// RUN: not attn-opt %s --attn-sparsify="pattern=block-sparse block=4,4 layout=%t/layout.result0.npy ops=0" 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not attn-opt %s --attn-sparsify="pattern=block-sparse layout=%t/missing.npy" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: attn-run %s --entry=floats --output-dir=%t
// RUN: not attn-opt %s --attn-sparsify="pattern=block-sparse layout=%t/floats.result0.npy" 2>&1 | FileCheck %s --check-prefix=DTYPE

// CHECK-LABEL: func.func @attn
// CHECK: pattern = #attn.block_sparse<block = [8, 4], layout = dense<[
// CHECK-SAME: [true, false, false, true], [false, true, true, true]]> : tensor<2x4xi1>>
// SHAPE: error: attn.attention #0: pattern #attn.block_sparse<block = [4, 4], {{.*}}> does not fit: block_sparse layout has 2 block rows but ceil(16 / 4) = 4 are needed
// MISSING: error: attn-sparsify: cannot read 'layout': {{.*}}missing.npy: cannot open
// RUN: not attn-opt %s --attn-sparsify="pattern=block-sparse layout=/dev/zero" 2>&1 | FileCheck %s --check-prefix=DEVZERO
// DEVZERO: error: attn-sparsify: cannot read 'layout': /dev/zero: not a regular file
// DTYPE: error: attn-sparsify: 'layout' {{.*}}floats.result0.npy must hold booleans or integers, got <f4

func.func @attn(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
func.func @layout() -> tensor<2x4xi1> {
  %c = arith.constant dense<[[true, false, false, true], [false, true, true, true]]> : tensor<2x4xi1>
  return %c : tensor<2x4xi1>
}
func.func @floats() -> tensor<2x4xf32> {
  %c = arith.constant dense<1.0> : tensor<2x4xf32>
  return %c : tensor<2x4xf32>
}
