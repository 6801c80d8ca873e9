// RUN: attn-opt %s --split-input-file --attn-infer-pattern | FileCheck %s

// A causal mask the way frontends write it: index comparison in a generic.
// The mask and its computation disappear.
// CHECK-LABEL: func.func @causal_from_index
// CHECK-NOT: linalg.generic
// CHECK-NOT: tensor.empty
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.causal} :
func.func @causal_from_index(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %e = tensor.empty() : tensor<8x8xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<8x8xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c = arith.cmpi sle, %j, %i : index
    linalg.yield %c : i1
  } -> tensor<8x8xi1>
  %o = attn.attention %q, %k, %v mask(%m : tensor<8x8xi1>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// An additive 0 / -inf bias (masked_fill style) broadcast over B and H:
// the bias goes too.
// CHECK-LABEL: func.func @window_from_bias
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.window<left = 2, right = 0, sinks = 1>} :
func.func @window_from_bias(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %e = tensor.empty() : tensor<1x1x8x8xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(a, h, i, j) -> (a, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e : tensor<1x1x8x8xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %c2 = arith.constant 2 : index
    %c0 = arith.constant 0 : index
    %d = arith.subi %i, %j : index
    %inband = arith.cmpi ule, %d, %c2 : index
    %sink = arith.cmpi eq, %j, %c0 : index
    %ok = arith.ori %inband, %sink : i1
    %zero = arith.constant 0.0 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %r = arith.select %ok, %zero, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<1x1x8x8xf32>
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x1x8x8xf32>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// A bias with finite values besides -inf (ALiBi-like slopes on a causal
// mask): the causal part becomes the pattern, the bias stays.
// CHECK-LABEL: func.func @alibi_causal
// CHECK: %[[B:.*]] = linalg.generic
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%[[B]] : tensor<8x8xf32>) {pattern = #attn.causal} :
func.func @alibi_causal(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %e = tensor.empty() : tensor<8x8xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<8x8xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %d = arith.subi %j, %i : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %slope = arith.constant 0.5 : f32
    %s = arith.mulf %df, %slope : f32
    %c = arith.cmpi sle, %j, %i : index
    %ninf = arith.constant 0xFF800000 : f32
    %r = arith.select %c, %s, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %o = attn.attention %q, %k, %v bias(%b : tensor<8x8xf32>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// Causal AND a per-batch key padding mask: no pattern equals it, causal
// encloses it; the mask stays and still decides the padded keys.
// CHECK-LABEL: func.func @padded_causal
// CHECK: %[[M:.*]] = linalg.generic
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[M]] : tensor<2x1x8x8xi1>) {pattern = #attn.causal} :
func.func @padded_causal(%q: tensor<2x2x8x4xf32>, %k: tensor<2x2x8x4xf32>, %v: tensor<2x2x8x4xf32>) -> tensor<2x2x8x4xf32> {
  %lens = arith.constant dense<[8, 5]> : tensor<2xindex>
  %e = tensor.empty() : tensor<2x1x8x8xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(b, h, i, j) -> (b)>, affine_map<(b, h, i, j) -> (b, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%lens : tensor<2xindex>) outs(%e : tensor<2x1x8x8xi1>) {
  ^bb0(%len: index, %out: i1):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %c = arith.cmpi sle, %j, %i : index
    %p = arith.cmpi ult, %j, %len : index
    %r = arith.andi %c, %p : i1
    linalg.yield %r : i1
  } -> tensor<2x1x8x8xi1>
  %o = attn.attention %q, %k, %v mask(%m : tensor<2x1x8x8xi1>) : tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32> -> tensor<2x2x8x4xf32>
  return %o : tensor<2x2x8x4xf32>
}

// -----

// The op's own pattern takes part: causal AND a band mask is a window.
// CHECK-LABEL: func.func @pattern_and_mask
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.window<left = 1, right = 0, sinks = 0>} :
func.func @pattern_and_mask(%q: tensor<1x1x6x4xf32>, %k: tensor<1x1x6x4xf32>, %v: tensor<1x1x6x4xf32>) -> tensor<1x1x6x4xf32> {
  %m = arith.constant dense<[
    [true, true, false, false, false, false],
    [true, true, true, false, false, false],
    [false, true, true, true, false, false],
    [false, false, true, true, true, false],
    [false, false, false, true, true, true],
    [false, false, false, false, true, true]]> : tensor<6x6xi1>
  %o = attn.attention %q, %k, %v mask(%m : tensor<6x6xi1>) {pattern = #attn.causal} : tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32> -> tensor<1x1x6x4xf32>
  return %o : tensor<1x1x6x4xf32>
}

// -----

// An all-true constant mask is dense: the mask goes, no pattern is added.
// CHECK-LABEL: func.func @all_true
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK-NOT: pattern
func.func @all_true(%q: tensor<1x1x6x4xf32>, %k: tensor<1x1x6x4xf32>, %v: tensor<1x1x6x4xf32>) -> tensor<1x1x6x4xf32> {
  %m = arith.constant dense<true> : tensor<1x1x6x6xi1>
  %o = attn.attention %q, %k, %v mask(%m : tensor<1x1x6x6xi1>) : tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32> -> tensor<1x1x6x4xf32>
  return %o : tensor<1x1x6x4xf32>
}

// -----

// Masks that are not known at compile time, or that differ per head with
// no tighter enclosing pattern, are left exactly as they are.
// CHECK-LABEL: func.func @runtime_mask
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<8x8xi1>) :
// CHECK-NOT: pattern
func.func @runtime_mask(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>, %m: tensor<8x8xi1>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %k, %v mask(%m : tensor<8x8xi1>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// CHECK-LABEL: func.func @per_head
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<1x2x2x2xi1>) :
// CHECK-NOT: pattern
func.func @per_head(%q: tensor<1x2x2x4xf32>, %k: tensor<1x2x2x4xf32>, %v: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %m = arith.constant dense<[[[[true, false], [true, true]], [[true, true], [false, true]]]]> : tensor<1x2x2x2xi1>
  %o = attn.attention %q, %k, %v mask(%m : tensor<1x2x2x2xi1>) : tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32> -> tensor<1x2x2x4xf32>
  return %o : tensor<1x2x2x4xf32>
}
