// RUN: attn-opt %s --split-input-file --verify-diagnostics

// Every verifier and parser diagnostic of the attn dialect, one case each.

func.func @f(%q: tensor<2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'attn.attention' op query must have rank 4, got rank 3 ('tensor<2x4x8xf32>')}}
  %o = attn.attention %q, %k, %v : tensor<2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{result must have rank 4, got rank 3}}
  %o = attn.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xi32>, %k: tensor<1x2x4x8xi32>, %v: tensor<1x2x4x8xi32>) {
  // expected-error @+1 {{query element type must be f32, f16 or bf16, got 'i32'}}
  %o = attn.attention %q, %k, %v : tensor<1x2x4x8xi32>, tensor<1x2x4x8xi32>, tensor<1x2x4x8xi32> -> tensor<1x2x4x8xi32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf16>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{key and value element types ('f16', 'f32') must match the query's ('f32')}}
  %o = attn.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{result element type 'f16' must match the query's ('f32')}}
  %o = attn.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf16>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{batch sizes differ: query 1, key 2, value 1, result 1}}
  %o = attn.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{key has 2 heads but value has 1}}
  %o = attn.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x3x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{query heads (3) must be a multiple of key/value heads (2)}}
  %o = attn.attention %q, %k, %v : tensor<1x3x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x3x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x4xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{query head dim D = 8 differs from key head dim 4}}
  %o = attn.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x5x8xf32>) {
  // expected-error @+1 {{key length 4 differs from value length 5}}
  %o = attn.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{result type 'tensor<1x2x4x9xf32>' does not match B x Hq x Lq x Dv = 1 x 2 x 4 x 8}}
  %o = attn.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x9xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<4x4xi32>) {
  // expected-error @+1 {{bias element type must be f32, f16 or bf16, got 'i32'}}
  %o = attn.attention %q, %k, %v bias(%b : tensor<4x4xi32>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<1x1x1x4x4xf32>) {
  // expected-error @+1 {{bias has rank 5, more than the 4 dimensions of B x Hq x Lq x Lk}}
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x1x1x4x4xf32>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{bias dimension 0 has size 3, which does not broadcast to Lq = 4}}
  %o = attn.attention %q, %k, %v bias(%b : tensor<3x4xf32>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<4x4xf32>) {
  // expected-error @+1 {{mask element type must be i1, got 'f32'}}
  %o = attn.attention %q, %k, %v mask(%m : tensor<4x4xf32>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<3x1x4x4xi1>) {
  // expected-error @+1 {{mask dimension 0 has size 3, which does not broadcast to B = 1}}
  %o = attn.attention %q, %k, %v mask(%m : tensor<3x1x4x4xi1>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %s: tensor<3xf32>) {
  // expected-error @+1 {{sink must have shape Hq = 2, got 'tensor<3xf32>'}}
  %o = attn.attention %q, %k, %v sink(%s : tensor<3xf32>) {normalizer = #attn.softmax<sink = learned>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %s: tensor<2xi32>) {
  // expected-error @+1 {{sink element type must be f32, f16 or bf16, got 'i32'}}
  %o = attn.attention %q, %k, %v sink(%s : tensor<2xi32>) {normalizer = #attn.softmax<sink = learned>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %s: tensor<2xf32>) {
  // expected-error @+1 {{has a sink operand but normalizer #attn.softmax does not use one}}
  %o = attn.attention %q, %k, %v sink(%s : tensor<2xf32>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{normalizer #attn.softmax<sink = learned> requires a sink operand}}
  %o = attn.attention %q, %k, %v {normalizer = #attn.softmax<sink = learned>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{scale must be finite, got INF}}
  %o = attn.attention %q, %k, %v {scale = 0x7F800000 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{softcap must be positive and finite, got -1}}
  %o = attn.attention %q, %k, %v {softcap = -1.0 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{q_offset and q_len must be given together}}
  %o = attn.attention %q, %k, %v {q_len = 8} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %i: index) {
  // expected-error @+1 {{q_len 2 must be positive and at least Lq = 4}}
  %o = attn.attention %q, %q, %q q_offset(%i) {q_len = 2} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  %c = arith.constant 6 : index
  // expected-error @+1 {{q_offset 6 places rows outside [0, q_len = 8)}}
  %o = attn.attention %q, %q, %q q_offset(%c) {q_len = 8} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood shape has 6 tokens but the query length is 4}}
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [2, 3], kernel = [1, 3]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) {
  // expected-error @+1 {{neighborhood shape has 4 tokens but the key length is 6}}
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [4], kernel = [3]>} : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{block_sparse layout has 3 block rows but ceil(4 / 2) = 2 are needed}}
  %o = attn.attention %q, %k, %v {pattern = #attn.block_sparse<block = [2, 2], layout = dense<true> : tensor<3x2xi1>>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{block_sparse layout has 3 block columns but ceil(4 / 2) = 2 are needed}}
  %o = attn.attention %q, %k, %v {pattern = #attn.block_sparse<block = [2, 2], layout = dense<true> : tensor<2x3xi1>>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{window 'left' must be non-negative, got -1}}
  %o = attn.attention %q, %q, %q {pattern = #attn.window<left = -1>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{window 'right' must be non-negative, got -2}}
  %o = attn.attention %q, %q, %q {pattern = #attn.window<left = 1, right = -2>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{window 'sinks' must be non-negative, got -3}}
  %o = attn.attention %q, %q, %q {pattern = #attn.window<left = 1, sinks = -3>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#attn.window requires 'left'}}
  %o = attn.attention %q, %q, %q {pattern = #attn.window<right = 1>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{unknown key 'above' in #attn.window, expected one of: left, right, sinks}}
  %o = attn.attention %q, %q, %q {pattern = #attn.window<left = 1, above = 2>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{duplicate key 'left' in #attn.window}}
  %o = attn.attention %q, %q, %q {pattern = #attn.window<left = 1, left = 2>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood 'shape' must have 1 to 3 dimensions, got 4}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [1, 1, 2, 2], kernel = [1, 1, 1, 1]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood 'kernel' has 1 entries but 'shape' has 2}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [2, 2], kernel = [1]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood 'dilation' has 2 entries but 'shape' has 1}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [4], kernel = [1], dilation = [1, 1]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood 'stride' has 2 entries but 'shape' has 1}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [4], kernel = [1], stride = [1, 1]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood 'causal' has 2 entries but 'shape' has 1}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [4], kernel = [1], causal = [0, 0]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood 'shape' must be positive, got 0 in dimension 0}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [0, 4], kernel = [1, 1]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood 'kernel' must be positive, got 0 in dimension 0}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [4], kernel = [0]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood 'dilation' must be positive, got 0 in dimension 0}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [4], kernel = [1], dilation = [0]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood 'stride' must be positive, got 0 in dimension 0}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [4], kernel = [1], stride = [0]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood 'causal' entries must be 0 or 1, got 2 in dimension 0}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [4], kernel = [1], causal = [2]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood kernel * dilation (3 * 2) exceeds shape 4 in dimension 0}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [4], kernel = [3], dilation = [2]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{neighborhood stride 3 exceeds kernel 2 in dimension 0}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [4], kernel = [2], stride = [3]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#attn.neighborhood requires 'shape' and 'kernel'}}
  %o = attn.attention %q, %q, %q {pattern = #attn.neighborhood<kernel = [2]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{block_sparse block sizes must be positive, got [0, 2]}}
  %o = attn.attention %q, %q, %q {pattern = #attn.block_sparse<block = [0, 2], layout = dense<true> : tensor<2x2xi1>>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{block_sparse 'layout' must be a 2-D tensor of i1, got 'tensor<2x2xi8>'}}
  %o = attn.attention %q, %q, %q {pattern = #attn.block_sparse<block = [2, 2], layout = dense<1> : tensor<2x2xi8>>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#attn.block_sparse requires 'block = [bq, bk]' and 'layout'}}
  %o = attn.attention %q, %q, %q {pattern = #attn.block_sparse<block = [2, 2]>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{unknown sink 'maybe', expected one of: none, learned, zero}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.softmax<sink = maybe>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{unknown relu norm 'max', expected one of: seq_len, visible, none}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.relu<norm = max>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{softplus_l1 'train_len' must be at least 2, got 1}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.softplus_l1<train_len = 1>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{attribute 'normalizer' failed to satisfy constraint: NormalizerAttrInterface instance}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.dense} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{attribute 'pattern' failed to satisfy constraint: PatternAttrInterface instance}}
  %o = attn.attention %q, %q, %q {pattern = #attn.relu} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<8x4xf32>, %m: tensor<1x8x2xf32>) {
  // expected-error @+1 {{tokens must have rank 3 (B x N x C), got 'tensor<8x4xf32>'}}
  %a, %b, %c = attn.token_merge %x, %m r = 2 : tensor<8x4xf32>, tensor<1x8x2xf32> -> tensor<1x6x4xf32>, tensor<1x6xf32>, tensor<1x8xindex>
  return
}

// -----

func.func @f(%x: tensor<1x8x4xf32>, %m: tensor<8x2xf32>) {
  // expected-error @+1 {{metric must have rank 3 (B x N x Cm), got 'tensor<8x2xf32>'}}
  %a, %b, %c = attn.token_merge %x, %m r = 2 : tensor<1x8x4xf32>, tensor<8x2xf32> -> tensor<1x6x4xf32>, tensor<1x6xf32>, tensor<1x8xindex>
  return
}

// -----

func.func @f(%x: tensor<1x8x4xf32>, %m: tensor<1x8x2xi32>) {
  // expected-error @+1 {{tokens and metric must have float elements}}
  %a, %b, %c = attn.token_merge %x, %m r = 2 : tensor<1x8x4xf32>, tensor<1x8x2xi32> -> tensor<1x6x4xf32>, tensor<1x6xf32>, tensor<1x8xindex>
  return
}

// -----

func.func @f(%x: tensor<1x8x4xf32>, %m: tensor<1x7x2xf32>) {
  // expected-error @+1 {{metric 'tensor<1x7x2xf32>' does not match tokens' B x N = 1 x 8}}
  %a, %b, %c = attn.token_merge %x, %m r = 2 : tensor<1x8x4xf32>, tensor<1x7x2xf32> -> tensor<1x6x4xf32>, tensor<1x6xf32>, tensor<1x8xindex>
  return
}

// -----

func.func @f(%x: tensor<1x8x4xf32>, %m: tensor<1x8x2xf32>, %s: tensor<1x7xf32>) {
  // expected-error @+1 {{size must have shape B x N = 1 x 8, got 'tensor<1x7xf32>'}}
  %a, %b, %c = attn.token_merge %x, %m size(%s : tensor<1x7xf32>) r = 2 : tensor<1x8x4xf32>, tensor<1x8x2xf32> -> tensor<1x6x4xf32>, tensor<1x6xf32>, tensor<1x8xindex>
  return
}

// -----

func.func @f(%x: tensor<1x8x4xf32>, %m: tensor<1x8x2xf32>, %s: tensor<1x8xi32>) {
  // expected-error @+1 {{size must have float elements, got 'i32'}}
  %a, %b, %c = attn.token_merge %x, %m size(%s : tensor<1x8xi32>) r = 2 : tensor<1x8x4xf32>, tensor<1x8x2xf32> -> tensor<1x6x4xf32>, tensor<1x6xf32>, tensor<1x8xindex>
  return
}

// -----

func.func @f(%x: tensor<1x8x4xf32>, %m: tensor<1x8x2xf32>) {
  // expected-error @+1 {{r = 5 exceeds the 4 tokens that bipartite matching can merge away from N = 8}}
  %a, %b, %c = attn.token_merge %x, %m r = 5 : tensor<1x8x4xf32>, tensor<1x8x2xf32> -> tensor<1x3x4xf32>, tensor<1x3xf32>, tensor<1x8xindex>
  return
}

// -----

func.func @f(%x: tensor<1x8x4xf32>, %m: tensor<1x8x2xf32>) {
  // expected-error @+1 {{merged must be B x (N - r) x C = 1 x 6 x 4 of 'f32', got 'tensor<1x5x4xf32>'}}
  %a, %b, %c = attn.token_merge %x, %m r = 2 : tensor<1x8x4xf32>, tensor<1x8x2xf32> -> tensor<1x5x4xf32>, tensor<1x6xf32>, tensor<1x8xindex>
  return
}

// -----

func.func @f(%x: tensor<1x8x4xf32>, %m: tensor<1x8x2xf32>) {
  // expected-error @+1 {{merged_size must be B x (N - r) = 1 x 6 of 'f32', got 'tensor<1x6xf16>'}}
  %a, %b, %c = attn.token_merge %x, %m r = 2 : tensor<1x8x4xf32>, tensor<1x8x2xf32> -> tensor<1x6x4xf32>, tensor<1x6xf16>, tensor<1x8xindex>
  return
}

// -----

func.func @f(%x: tensor<1x8x4xf32>, %m: tensor<1x8x2xf32>) {
  // expected-error @+1 {{source must be B x N = 1 x 8 of index, got 'tensor<1x8xi64>'}}
  %a, %b, %c = attn.token_merge %x, %m r = 2 : tensor<1x8x4xf32>, tensor<1x8x2xf32> -> tensor<1x6x4xf32>, tensor<1x6xf32>, tensor<1x8xi64>
  return
}

// -----

func.func @f(%x: tensor<1x8x4xf32>, %m: tensor<1x8x2xf32>) {
  // expected-error @+1 {{r = 4 exceeds the 3 tokens that bipartite matching can merge away from N = 8 with protect_first}}
  %a, %b, %c = attn.token_merge %x, %m r = 4 protect_first : tensor<1x8x4xf32>, tensor<1x8x2xf32> -> tensor<1x4x4xf32>, tensor<1x4xf32>, tensor<1x8xindex>
  return
}

// -----

func.func @f(%x: tensor<1x8x4xf32>, %m: tensor<1x8x2xf32>) {
  // expected-error @+1 {{r = 7 exceeds the 6 tokens that complete_graph matching can merge away from N = 8 with protect_first}}
  %a, %b, %c = attn.token_merge %x, %m r = 7 protect_first matching = complete_graph : tensor<1x8x4xf32>, tensor<1x8x2xf32> -> tensor<1x1x4xf32>, tensor<1x1xf32>, tensor<1x8xindex>
  return
}

// -----

func.func @f(%x: tensor<1x8x4xf32>, %m: tensor<1x8x2xf32>) {
  // expected-error @+1 {{'attn.token_merge' op attribute 'r' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  %a, %b, %c = attn.token_merge %x, %m r = -1 : tensor<1x8x4xf32>, tensor<1x8x2xf32> -> tensor<1x9x4xf32>, tensor<1x9xf32>, tensor<1x8xindex>
  return
}

// -----

func.func @f(%x: tensor<6x4xf32>, %s: tensor<1x8xindex>) {
  // expected-error @+1 {{merged must have rank 3 (B x M x C), got 'tensor<6x4xf32>'}}
  %o = attn.token_unmerge %x, %s : tensor<6x4xf32>, tensor<1x8xindex> -> tensor<1x8x4xf32>
  return
}

// -----

func.func @f(%x: tensor<1x6x4xf32>, %s: tensor<1x8xi32>) {
  // expected-error @+1 {{source must be a B x N tensor of index, got 'tensor<1x8xi32>'}}
  %o = attn.token_unmerge %x, %s : tensor<1x6x4xf32>, tensor<1x8xi32> -> tensor<1x8x4xf32>
  return
}

// -----

func.func @f(%x: tensor<1x6x4xf32>, %s: tensor<2x8xindex>) {
  // expected-error @+1 {{source batch 2 differs from merged batch 1}}
  %o = attn.token_unmerge %x, %s : tensor<1x6x4xf32>, tensor<2x8xindex> -> tensor<2x8x4xf32>
  return
}

// -----

func.func @f(%x: tensor<1x6x4xf32>, %s: tensor<1x8xindex>) {
  // expected-error @+1 {{result must be B x N x C = 1 x 8 x 4 of 'f32', got 'tensor<1x7x4xf32>'}}
  %o = attn.token_unmerge %x, %s : tensor<1x6x4xf32>, tensor<1x8xindex> -> tensor<1x7x4xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{act 'threshold' must be a positive finite number, got 0}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.act<threshold = 0.0, factor = 0.5>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{act 'factor' must be a finite number >= 0, got -5.000000e-01}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.act<threshold = 2.0, factor = -0.5>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#attn.act needs both 'threshold' and 'factor'}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.act<threshold = 2.0>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{unknown key 'beta' in #attn.act, expected one of: threshold, factor}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.act<threshold = 2.0, beta = 0.5>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %i: index) {
  // expected-error @+1 {{normalizer #attn.act<threshold = 2.000000e+00, factor = 5.000000e-01> needs every query row and cannot be combined with q_offset}}
  %o = attn.attention %q, %q, %q q_offset(%i) {q_len = 8, normalizer = #attn.act<threshold = 2.0, factor = 0.5>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// Zero heads: every lowering divides by Hq / Hkv.
func.func @f(%q: tensor<1x0x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{query heads Hq must be at least 1, got 0}}
  %o = attn.attention %q, %k, %v : tensor<1x0x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x0x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x0x4x8xf32>, %k: tensor<1x0x4x8xf32>, %v: tensor<1x0x4x8xf32>) {
  // expected-error @+1 {{query heads Hq must be at least 1, got 0}}
  %o = attn.attention %q, %k, %v : tensor<1x0x4x8xf32>, tensor<1x0x4x8xf32>, tensor<1x0x4x8xf32> -> tensor<1x0x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x?x4x8xf32>, %k: tensor<1x0x4x8xf32>, %v: tensor<1x0x4x8xf32>) {
  // expected-error @+1 {{key/value heads Hkv must be at least 1, got 0}}
  %o = attn.attention %q, %k, %v : tensor<1x?x4x8xf32>, tensor<1x0x4x8xf32>, tensor<1x0x4x8xf32> -> tensor<1x?x4x8xf32>
  return
}

// -----

// D = 0: the default scale 1/sqrt(D) is infinite.
func.func @f(%q: tensor<1x1x4x0xf32>, %k: tensor<1x1x4x0xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{head dim D must be at least 1, got 0}}
  %o = attn.attention %q, %k, %v : tensor<1x1x4x0xf32>, tensor<1x1x4x0xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----

// The lowerings allocate the result from the operands' sizes.
func.func @f(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{result dimension 0 is dynamic but the operands fix it to 1 (result type 'tensor<?x1x4x8xf32>')}}
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<?x1x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x6xf32>) {
  // expected-error @+1 {{result dimension 3 is dynamic but the operands fix it to 6}}
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x6xf32> -> tensor<1x1x4x?xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{sigmoid 'bias' must be finite, got nan}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.sigmoid<bias = 0x7FF8000000000000>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{sigmoid 'bias' must be finite, got INF}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.sigmoid<bias = 1.0e39>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{act 'factor' must be a finite number >= 0, got nan}}
  %o = attn.attention %q, %q, %q {normalizer = #attn.act<threshold = 2.0, factor = 0x7FF8000000000000>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{score_mod block arguments must be (s: f32, b: index, h: index, i: index, j: index), got (f32, index, index, index)}}
  %o = attn.attention %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index):
    attn.yield %s : f32
  }
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{score_mod must end in 'attn.yield' of one f32 value}}
  %o = attn.attention %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %t = arith.truncf %s : f32 to f16
    attn.yield %t : f16
  }
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %m: memref<4xf32>) {
  %o = attn.attention %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    // expected-error @+1 {{'memref.load' op has side effects and cannot appear in the score_mod region of 'attn.attention'}}
    %x = memref.load %m[%i] : memref<4xf32>
    %r = arith.addf %s, %x : f32
    attn.yield %r : f32
  }
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %t: tensor<4xf32>) {
  %o = attn.attention %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    // expected-error @+1 {{'tensor.dim' op uses a value of type 'tensor<4xf32>' from outside the score_mod region; only scalars, and tensors read with 'tensor.extract', may be captured}}
    %n = tensor.dim %t, %b : tensor<4xf32>
    %ni = arith.index_cast %n : index to i32
    %nf = arith.sitofp %ni : i32 to f32
    %r = arith.addf %s, %nf : f32
    attn.yield %r : f32
  }
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>, %c: i1) {
  %o = attn.attention %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    // expected-error @+1 {{'scf.if' op holds a region; the score_mod region of 'attn.attention' takes straight-line code only}}
    %r = scf.if %c -> f32 {
      scf.yield %s : f32
    } else {
      scf.yield %s : f32
    }
    attn.yield %r : f32
  }
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{'attn.yield' op expects parent op 'attn.attention'}}
  attn.yield
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{log-sum-exp result must be B x Hq x Lq = 1 x 2 x 4 of f32, got 'tensor<1x2x5xf32>'}}
  %o:2 = attn.attention %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>, tensor<1x2x5xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xbf16>) {
  // expected-error @+1 {{log-sum-exp result must be B x Hq x Lq = 1 x 2 x 4 of f32, got 'tensor<1x2x4xbf16>'}}
  %o:2 = attn.attention %q, %q, %q : tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16> -> tensor<1x2x4x8xbf16>, tensor<1x2x4xbf16>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{log-sum-exp result must be B x Hq x Lq = 1 x 2 x 4 of f32, got 'tensor<1x2x4x1xf32>'}}
  %o:2 = attn.attention %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>, tensor<1x2x4x1xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{log-sum-exp dimension 2 is dynamic but the operands fix it to 4 (type 'tensor<1x2x?xf32>')}}
  %o:2 = attn.attention %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>, tensor<1x2x?xf32>
  return
}

// -----

func.func @f(%q: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{normalizer #attn.relu has no log-sum-exp; only the softmax family may return one}}
  %o:2 = attn.attention %q, %q, %q {normalizer = #attn.relu} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>, tensor<1x2x4xf32>
  return
}
