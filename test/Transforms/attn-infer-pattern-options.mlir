// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-infer-pattern="max-entries=100"

// Over the limit: a remark, nothing changes.
// GRID-LABEL: func.func @large
// GRID: mask(%{{.*}} : tensor<16x16xi1>)
func.func @large(%q: tensor<1x1x16x4xf32>, %k: tensor<1x1x16x4xf32>, %v: tensor<1x1x16x4xf32>) -> tensor<1x1x16x4xf32> {
  %m = arith.constant dense<[true, false, true, false, true, false, true, false, true, false, true, false, true, false, true, false]> : tensor<16xi1>
  %b = tensor.empty() : tensor<16x16xi1>
  %mm = linalg.broadcast ins(%m : tensor<16xi1>) outs(%b : tensor<16x16xi1>) dimensions = [0]
  // expected-remark @+1 {{mask/bias of 256 entries (after broadcasting over Lq x Lk) exceeds max-entries = 100; left as it is}}
  %o = attn.attention %q, %k, %v mask(%mm : tensor<16x16xi1>) : tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32> -> tensor<1x1x16x4xf32>
  return %o : tensor<1x1x16x4xf32>
}

// -----

// A computation the evaluator does not model: a remark names it.
func.func @unevaluated(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>, %x: tensor<4x4xf32>) -> tensor<1x1x4x4xf32> {
  %e = tensor.empty() : tensor<4x4xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4x4xf32>
  // expected-remark @+1 {{bias is not evaluated at compile time: block argument #3 of 'func.func' is not known at compile time}}
  %o = attn.attention %q, %k, %v bias(%b : tensor<4x4xf32>) : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  return %o : tensor<1x1x4x4xf32>
}
