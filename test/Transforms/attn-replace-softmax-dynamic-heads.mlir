// An op whose head count is dynamic: a normalizer for every head needs no
// per-head value and is set on the op; anything per head is refused with a
// diagnostic, never a crash.
// RUN: attn-opt %s --attn-replace-softmax=mode=softmax1 | FileCheck %s --check-prefix=ZERO
// RUN: attn-opt %s --attn-replace-softmax="normalizer=#attn.softmax<sink=zero>" | FileCheck %s --check-prefix=ZERO
// RUN: attn-opt %s --attn-replace-softmax=mode=relu | FileCheck %s --check-prefix=RELU
// RUN: not attn-opt %s --attn-replace-softmax="mode=softmax1 heads=0" 2>&1 | FileCheck %s --check-prefix=DYN
// RUN: not attn-opt %s --attn-replace-softmax="mode=sink sinks=arg" 2>&1 | FileCheck %s --check-prefix=DYN

// ZERO-LABEL: func.func @dynamic_heads
// ZERO: attn.attention %{{[^,]*}}, %{{[^,]*}}, %{{[^ ]*}} {normalizer = #attn.softmax<sink = zero>} : tensor<1x?x8x4xf32>, tensor<1x?x8x4xf32>, tensor<1x?x8x4xf32> -> tensor<1x?x8x4xf32>
// RELU-LABEL: func.func @dynamic_heads
// RELU: attn.attention
// RELU-SAME: normalizer = #attn.relu
// DYN: error: attn.attention #0 has a dynamic number of heads, which per-head values need
func.func @dynamic_heads(%q: tensor<1x?x8x4xf32>, %k: tensor<1x?x8x4xf32>,
                         %v: tensor<1x?x8x4xf32>) -> tensor<1x?x8x4xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x?x8x4xf32>, tensor<1x?x8x4xf32>, tensor<1x?x8x4xf32> -> tensor<1x?x8x4xf32>
  return %o : tensor<1x?x8x4xf32>
}
