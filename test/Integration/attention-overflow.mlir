// Logits at the edge of f32. The query rows hold +-3e38 and the keys are
// chosen so that:
// - row 0: key 0's scaled logit (3e38 * 8 / sqrt(8) = 8.5e38) overflows f32
//   (the one +inf of the row);
// - row 1: key 2's logit (4.2e38) overflows;
// - the others fit in f32, though their unscaled dot products (up to
//   2.4e39) do not.
// The naive oracle computes in f64 and puts the whole weight on the largest
// logit. Every pipeline must agree: each scales the query before the dot
// product (no overflow on the way to a logit that fits), and a logit that
// overflows to +inf takes the row's weight (no inf - inf = NaN). Rows 2 and 3
// (moderate and zero queries) are plain softmax.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=make_q --output-dir=%t > /dev/null
// RUN: attn-run %s --entry=make_k --output-dir=%t > /dev/null
// RUN: attn-run %s --entry=make_v --output-dir=%t > /dev/null
// RUN: attn-run %s --entry=attention --input=%t/make_q.result0.npy,%t/make_k.result0.npy,%t/make_v.result0.npy --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --entry=attention --pipeline=cpu --input=%t/make_q.result0.npy,%t/make_k.result0.npy,%t/make_v.result0.npy --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --entry=attention --pipeline=cpu --pipeline-options="tile-q=8 tile-k=4 vector-width=8" --input=%t/make_q.result0.npy,%t/make_k.result0.npy,%t/make_v.result0.npy --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --entry=attention --pipeline=gpu-sim --input=%t/make_q.result0.npy,%t/make_k.result0.npy,%t/make_v.result0.npy --check --oracle=naive | FileCheck %s
// Learned sinks and a causal window go through the same saturation.
// RUN: attn-run %s --entry=make_sink --output-dir=%t > /dev/null
// RUN: attn-run %s --entry=sinks --input=%t/make_q.result0.npy,%t/make_k.result0.npy,%t/make_v.result0.npy,%t/make_sink.result0.npy --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --entry=sinks --pipeline=cpu --input=%t/make_q.result0.npy,%t/make_k.result0.npy,%t/make_v.result0.npy,%t/make_sink.result0.npy --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --entry=sinks --pipeline=gpu-sim --input=%t/make_q.result0.npy,%t/make_k.result0.npy,%t/make_v.result0.npy,%t/make_sink.result0.npy --check --oracle=naive | FileCheck %s

// CHECK: result 0: {{.*}} PASS
// CHECK-NOT: NaN/Inf mismatches
// CHECK: check: PASS

func.func @make_q() -> tensor<1x1x4x8xf32> {
  %q = arith.constant dense<[[[
    [3.0e38, 3.0e38, 3.0e38, 3.0e38, 3.0e38, 3.0e38, 3.0e38, 3.0e38],
    [-3.0e38, -3.0e38, -3.0e38, -3.0e38, -3.0e38, -3.0e38, -3.0e38, -3.0e38],
    [0.5, -0.25, 1.0, 0.75, -1.0, 0.125, 0.5, -0.5],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x8xf32>
  return %q : tensor<1x1x4x8xf32>
}

func.func @make_k() -> tensor<1x1x4x8xf32> {
  %k = arith.constant dense<[[[
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
    [-0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5],
    [-0.25, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25]]]]> : tensor<1x1x4x8xf32>
  return %k : tensor<1x1x4x8xf32>
}

func.func @make_v() -> tensor<1x1x4x8xf32> {
  %v = arith.constant dense<[[[
    [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
    [-1.0, -2.0, -3.0, -4.0, -5.0, -6.0, -7.0, -8.0],
    [0.5, 0.25, 0.125, 0.0, -0.125, -0.25, -0.5, -1.0],
    [2.0, 0.0, 2.0, 0.0, 2.0, 0.0, 2.0, 0.0]]]]> : tensor<1x1x4x8xf32>
  return %v : tensor<1x1x4x8xf32>
}

func.func @make_sink() -> tensor<1xf32> {
  %s = arith.constant dense<[1.5]> : tensor<1xf32>
  return %s : tensor<1xf32>
}

func.func @attention(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

func.func @sinks(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>, %s: tensor<1xf32>) -> tensor<1x1x4x8xf32> {
  %o = attn.attention %q, %k, %v sink(%s : tensor<1xf32>) {normalizer = #attn.softmax<sink = learned>, pattern = #attn.window<left = 3, right = 1>} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}
