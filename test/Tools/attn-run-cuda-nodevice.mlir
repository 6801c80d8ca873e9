// attn-run --pipeline=cuda on a machine without a usable CUDA driver or
// device: a clear message and exit code 2, never a crash.
// UNSUPPORTED: cuda
// RUN: not attn-run %s --pipeline=cuda 2>&1 | FileCheck %s
// RUN: attn-run %s --pipeline=cuda --check --oracle=naive; test $? -eq 2
// RUN: not attn-run --probe-cuda 2>&1 | FileCheck %s --check-prefix=PROBE
// RUN: attn-run --probe-cuda; test $? -eq 2

// CHECK: attn-run: error: pipeline 'cuda' needs a usable CUDA driver and device: {{.+}}
// CHECK-NOT: Stack dump
// PROBE: attn-run: error: no usable CUDA device: {{.+}}

func.func @main(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x50x16xf32>, %v: tensor<1x2x50x16xf32>) -> tensor<1x2x40x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 8, right = 2, sinks = 1>}
      : tensor<1x2x40x16xf32>, tensor<1x2x50x16xf32>, tensor<1x2x50x16xf32> -> tensor<1x2x40x16xf32>
  return %o : tensor<1x2x40x16xf32>
}
