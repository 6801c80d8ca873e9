// A mask known only at run time that is a compile-time mask AND a run-time
// one (transformers' causal mask and the padding of the inputs): the pattern
// comes from the compile-time factor and only the run-time factor stays.
// RUN: attn-opt %s --attn-infer-pattern | FileCheck %s
// The rewrite is exact: same numbers before and after (random padding).
// RUN: attn-run %s --entry=causal_and_padding --seed=2 --output-dir=%t.a
// RUN: attn-opt %s --attn-infer-pattern | attn-run - --entry=causal_and_padding --seed=2 --check-against=%t.a/causal_and_padding.result0.npy --atol=1e-6 --rtol=1e-6
// RUN: attn-run %s --entry=causal_and_padding_bias --seed=2 --output-dir=%t.b
// RUN: attn-opt %s --attn-infer-pattern | attn-run - --entry=causal_and_padding_bias --seed=2 --check-against=%t.b/causal_and_padding_bias.result0.npy --atol=1e-6 --rtol=1e-6

#causal = affine_map<(b, h, i, j) -> (b, h, i, j)>
#pad = affine_map<(b, h, i, j) -> (b, 0, 0, j)>
#scalar = affine_map<(b, h, i, j) -> ()>

// CHECK-LABEL: func.func @causal_and_padding(
// CHECK-SAME: %[[PAD:[a-z0-9]+]]: tensor<1x1x1x8xi1>
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[PAD]] : tensor<1x1x1x8xi1>) {pattern = #attn.causal}
func.func @causal_and_padding(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>, %pad: tensor<1x1x1x8xi1>) -> tensor<1x2x8x4xf32> {
  %e = tensor.empty() : tensor<1x1x8x8xi1>
  %c = linalg.generic {indexing_maps = [#causal], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e : tensor<1x1x8x8xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %x = arith.cmpi sle, %j, %i : index
    linalg.yield %x : i1
  } -> tensor<1x1x8x8xi1>
  %m = linalg.generic {indexing_maps = [#causal, #pad, #causal], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c, %pad : tensor<1x1x8x8xi1>, tensor<1x1x1x8xi1>) outs(%e : tensor<1x1x8x8xi1>) {
  ^bb0(%a: i1, %b: i1, %out: i1):
    %x = arith.andi %a, %b : i1
    linalg.yield %x : i1
  } -> tensor<1x1x8x8xi1>
  %o = attn.attention %q, %k, %v mask(%m : tensor<1x1x8x8xi1>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// SDPA's form: the conjunction turned into a 0 / -inf bias.
// CHECK-LABEL: func.func @causal_and_padding_bias(
// CHECK-SAME: %[[PAD:[a-z0-9]+]]: tensor<1x1x1x8xi1>
// CHECK-NOT: bias(
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[PAD]] : tensor<1x1x1x8xi1>) {pattern = #attn.causal}
func.func @causal_and_padding_bias(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>, %pad: tensor<1x1x1x8xi1>) -> tensor<1x2x8x4xf32> {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %ninf = arith.constant dense<0xFF800000> : tensor<f32>
  %e = tensor.empty() : tensor<1x1x8x8xi1>
  %c = linalg.generic {indexing_maps = [#causal], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e : tensor<1x1x8x8xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %x = arith.cmpi sle, %j, %i : index
    linalg.yield %x : i1
  } -> tensor<1x1x8x8xi1>
  %m = linalg.generic {indexing_maps = [#causal, #pad, #causal], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c, %pad : tensor<1x1x8x8xi1>, tensor<1x1x1x8xi1>) outs(%e : tensor<1x1x8x8xi1>) {
  ^bb0(%a: i1, %b: i1, %out: i1):
    %x = arith.andi %a, %b : i1
    linalg.yield %x : i1
  } -> tensor<1x1x8x8xi1>
  %eb = tensor.empty() : tensor<1x1x8x8xf32>
  %bias = linalg.generic {indexing_maps = [#causal, #scalar, #scalar, #causal], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%m, %zero, %ninf : tensor<1x1x8x8xi1>, tensor<f32>, tensor<f32>) outs(%eb : tensor<1x1x8x8xf32>) {
  ^bb0(%x: i1, %z: f32, %n: f32, %out: f32):
    %y = arith.select %x, %z, %n : f32
    linalg.yield %y : f32
  } -> tensor<1x1x8x8xf32>
  %o = attn.attention %q, %k, %v bias(%bias : tensor<1x1x8x8xf32>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// Near miss: the lowest float instead of -inf. A row that padding leaves
// without a visible key gets uniform weights from the original softmax, not
// zeros, so the split would change numbers: the bias stays.
// CHECK-LABEL: func.func @causal_and_padding_lowest(
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<1x1x8x8xf32>) :
func.func @causal_and_padding_lowest(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>, %pad: tensor<1x1x1x8xi1>) -> tensor<1x2x8x4xf32> {
  %zero = arith.constant dense<0.0> : tensor<f32>
  %low = arith.constant dense<-3.40282347E+38> : tensor<f32>
  %e = tensor.empty() : tensor<1x1x8x8xi1>
  %c = linalg.generic {indexing_maps = [#causal], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e : tensor<1x1x8x8xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %x = arith.cmpi sle, %j, %i : index
    linalg.yield %x : i1
  } -> tensor<1x1x8x8xi1>
  %m = linalg.generic {indexing_maps = [#causal, #pad, #causal], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c, %pad : tensor<1x1x8x8xi1>, tensor<1x1x1x8xi1>) outs(%e : tensor<1x1x8x8xi1>) {
  ^bb0(%a: i1, %b: i1, %out: i1):
    %x = arith.andi %a, %b : i1
    linalg.yield %x : i1
  } -> tensor<1x1x8x8xi1>
  %eb = tensor.empty() : tensor<1x1x8x8xf32>
  %bias = linalg.generic {indexing_maps = [#causal, #scalar, #scalar, #causal], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%m, %zero, %low : tensor<1x1x8x8xi1>, tensor<f32>, tensor<f32>) outs(%eb : tensor<1x1x8x8xf32>) {
  ^bb0(%x: i1, %z: f32, %n: f32, %out: f32):
    %y = arith.select %x, %z, %n : f32
    linalg.yield %y : f32
  } -> tensor<1x1x8x8xf32>
  %o = attn.attention %q, %k, %v bias(%bias : tensor<1x1x8x8xf32>) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
