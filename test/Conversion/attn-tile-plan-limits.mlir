// Plans are bounded in compile time as well as in table bytes: an op whose
// plan would take more than 2^29 steps (tile classifications plus mask
// entries) is left to the reference lowering at once, with a remark, by the
// CPU and the GPU lowering alike. Lq = 2^31 against Lk = 17 used to spend
// minutes building masks for 2^25 partial tiles.
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1" -verify-diagnostics | FileCheck %s
// RUN: attn-opt %s --convert-attn-to-gpu -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @dense_long_queries
// CHECK: attn.attention
func.func @dense_long_queries(%q: tensor<1x1x2147483648x8xf32>, %k: tensor<1x1x17x8xf32>, %v: tensor<1x1x17x8xf32>) -> tensor<1x1x2147483648x8xf32> {
  // expected-remark @+1 {{left for the reference lowering: building its tile plan would take more than 536870912 steps (tile classifications and mask entries)}}
  %o = attn.attention %q, %k, %v : tensor<1x1x2147483648x8xf32>, tensor<1x1x17x8xf32>, tensor<1x1x17x8xf32> -> tensor<1x1x2147483648x8xf32>
  return %o : tensor<1x1x2147483648x8xf32>
}

// CHECK-LABEL: func.func @window_long_queries
// CHECK: attn.attention
func.func @window_long_queries(%q: tensor<1x1x2147483648x8xf32>, %k: tensor<1x1x17x8xf32>, %v: tensor<1x1x17x8xf32>) -> tensor<1x1x2147483648x8xf32> {
  // expected-remark @+1 {{left for the reference lowering: building its tile plan would take more than 536870912 steps}}
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 3, right = 2, sinks = 1>} : tensor<1x1x2147483648x8xf32>, tensor<1x1x17x8xf32>, tensor<1x1x17x8xf32> -> tensor<1x1x2147483648x8xf32>
  return %o : tensor<1x1x2147483648x8xf32>
}

// Every pair is classified: 2^40 pairs fail before the first one.
// CHECK-LABEL: func.func @too_many_pairs
// CHECK: attn.attention
func.func @too_many_pairs(%q: tensor<1x1x33554432x8xf32>, %k: tensor<1x1x33554432x8xf32>, %v: tensor<1x1x33554432x8xf32>) -> tensor<1x1x33554432x8xf32> {
  // expected-remark @+1 {{left for the reference lowering: building its tile plan would take more than 536870912 steps}}
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 8, right = 0>} : tensor<1x1x33554432x8xf32>, tensor<1x1x33554432x8xf32>, tensor<1x1x33554432x8xf32> -> tensor<1x1x33554432x8xf32>
  return %o : tensor<1x1x33554432x8xf32>
}
