// tensor.expand_shape whose static output_shape contradicts its result type
// passes the tensor verifier (upstream's mlir-opt accepts it), and one-shot
// bufferization turns it into a memref.expand_shape that does not verify.
// Every attn pipeline refuses it first, at the op, with a non-zero exit.
// RUN: attn-opt %s --split-input-file --attn-check-reshapes --verify-diagnostics
// RUN: not attn-opt %s --split-input-file --attn-reference-pipeline 2>&1 | FileCheck %s --check-prefix=PIPE
// RUN: not attn-opt %s --split-input-file --attn-cpu-pipeline 2>&1 | FileCheck %s --check-prefix=PIPE
// RUN: not attn-opt %s --split-input-file --attn-gpu-sim-pipeline 2>&1 | FileCheck %s --check-prefix=PIPE

// PIPE: error: 'tensor.expand_shape' op output_shape gives dimension 2 the size 5, but its result type has 4
// PIPE-NOT: error: 'memref.expand_shape'
// PIPE: error: 'tensor.expand_shape' op output_shape gives dimension 0 the size 3, but its result type has 2
// PIPE-NOT: error: 'memref.expand_shape'

func.func @mismatch(%a: tensor<2x12xf32>) -> tensor<2x3x4xf32> {
  // expected-error @below {{'tensor.expand_shape' op output_shape gives dimension 2 the size 5, but its result type has 4}}
  %e = tensor.expand_shape %a [[0], [1, 2]] output_shape [2, 3, 5] : tensor<2x12xf32> into tensor<2x3x4xf32>
  return %e : tensor<2x3x4xf32>
}

// -----

// Next to an attention op, the first dimension wrong.
func.func @attention(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>, %a: tensor<4xf32>) -> (tensor<1x1x4x8xf32>, tensor<2x2xf32>) {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  // expected-error @below {{'tensor.expand_shape' op output_shape gives dimension 0 the size 3, but its result type has 2}}
  %e = tensor.expand_shape %a [[0, 1]] output_shape [3, 2] : tensor<4xf32> into tensor<2x2xf32>
  return %o, %e : tensor<1x1x4x8xf32>, tensor<2x2xf32>
}

// -----

// Consistent reshapes, static and dynamic, are left alone.
func.func @valid(%a: tensor<2x12xf32>, %b: tensor<?xf32>, %n: index) -> (tensor<2x3x4xf32>, tensor<?x4xf32>) {
  %e = tensor.expand_shape %a [[0], [1, 2]] output_shape [2, 3, 4] : tensor<2x12xf32> into tensor<2x3x4xf32>
  %d = tensor.expand_shape %b [[0, 1]] output_shape [%n, 4] : tensor<?xf32> into tensor<?x4xf32>
  return %e, %d : tensor<2x3x4xf32>, tensor<?x4xf32>
}
