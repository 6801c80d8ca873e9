// attn-opt --attn-statistics prints the counters of the attn passes to
// stderr after the passes ran, sorted by pass and counter (-mlir-pass-statistics
// is empty with release builds of LLVM).
// RUN: attn-opt %s --attn-sparsify="pattern=#attn.causal ops=0" --attn-materialize-pattern --attn-statistics -o /dev/null 2>&1 | FileCheck %s
// CHECK: attn pass statistics:
// CHECK-NEXT: attn-materialize-pattern: ops-materialized = 2
// CHECK-NEXT: attn-sparsify: ops-changed = 1
// CHECK-NOT: {{.}}

// Only on request, and never on stdout.
// RUN: attn-opt %s --attn-sparsify="pattern=#attn.causal ops=0" 2>&1 | FileCheck %s --check-prefix=OFF
// RUN: attn-opt %s --attn-sparsify="pattern=#attn.causal ops=0" --attn-statistics 2>/dev/null | FileCheck %s --check-prefix=OFF
// OFF-NOT: attn pass statistics
// OFF-NOT: ops-changed
// OFF: func.func @two

// Passes that change nothing add no counter.
// RUN: attn-opt %s --canonicalize --attn-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=NONE
// NONE: attn pass statistics:
// NONE-NOT: {{.}}

// Counters are printed also when a pass fails, up to the failure.
// RUN: not attn-opt %s --attn-sparsify="pattern=#attn.causal ops=0" --attn-sparsify="pattern=#attn.window<left=1,right=1>" --attn-statistics -o /dev/null 2>&1 | FileCheck %s --check-prefix=FAIL
// FAIL: error: attn.attention #0 has pattern #attn.causal, which hides (0, 1)
// FAIL: attn pass statistics:
// FAIL-NEXT: attn-sparsify: ops-changed = 1

func.func @two(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %a = attn.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  %b = attn.attention %q, %k, %v {pattern = #attn.window<left = 1, right = 0, sinks = 0>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %a, %b : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}
