// Ops the fused kernels do not take stay for the reference lowering, each
// with a remark naming the reason.
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1" --split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @dynamic
// CHECK: attn.attention
func.func @dynamic(%q: tensor<1x?x8x8xf32>, %k: tensor<1x?x8x8xf32>, %v: tensor<1x?x8x8xf32>) -> tensor<1x?x8x8xf32> {
  // expected-remark @+1 {{left for the reference lowering: it has dynamic head counts or head dims}}
  %o = attn.attention %q, %k, %v : tensor<1x?x8x8xf32>, tensor<1x?x8x8xf32>, tensor<1x?x8x8xf32> -> tensor<1x?x8x8xf32>
  return %o : tensor<1x?x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @act
// CHECK: attn.attention
func.func @act(%q: tensor<1x1x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  // expected-remark @+1 {{left for the reference lowering: its normalizer recalibrates columns over all query rows}}
  %o = attn.attention %q, %k, %v {normalizer = #attn.act<threshold = 1.0, factor = 0.5>} : tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32> -> tensor<1x1x8x8xf32>
  return %o : tensor<1x1x8x8xf32>
}

