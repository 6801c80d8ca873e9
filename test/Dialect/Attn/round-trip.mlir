// RUN: attn-opt %s --split-input-file | FileCheck %s
// RUN: attn-opt %s --split-input-file | attn-opt --split-input-file | FileCheck %s
// RUN: attn-opt %s --split-input-file --mlir-print-op-generic | attn-opt --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @defaults
// CHECK-SAME: (%[[Q:.*]]: tensor<2x8x16x64xf32>, %[[K:.*]]: tensor<2x2x32x64xf32>, %[[V:.*]]: tensor<2x2x32x48xf32>)
// CHECK: attn.attention %[[Q]], %[[K]], %[[V]] : tensor<2x8x16x64xf32>, tensor<2x2x32x64xf32>, tensor<2x2x32x48xf32> -> tensor<2x8x16x48xf32>
func.func @defaults(%q: tensor<2x8x16x64xf32>, %k: tensor<2x2x32x64xf32>, %v: tensor<2x2x32x48xf32>) -> tensor<2x8x16x48xf32> {
  %o = attn.attention %q, %k, %v : tensor<2x8x16x64xf32>, tensor<2x2x32x64xf32>, tensor<2x2x32x48xf32> -> tensor<2x8x16x48xf32>
  return %o : tensor<2x8x16x48xf32>
}

// -----

// CHECK-LABEL: func.func @everything
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<1x1x4x8xbf16>) mask(%{{.*}} : tensor<4x8xi1>) sink(%{{.*}} : tensor<4xbf16>)
// CHECK-SAME: normalizer = #attn.softmax<sink = learned>
// CHECK-SAME: pattern = #attn.causal
// CHECK-SAME: scale = 1.250000e-01 : f32
// CHECK-SAME: softcap = 5.000000e+01 : f32
func.func @everything(%q: tensor<1x4x4x16xbf16>, %k: tensor<1x1x8x16xbf16>, %v: tensor<1x1x8x16xbf16>, %b: tensor<1x1x4x8xbf16>, %m: tensor<4x8xi1>, %s: tensor<4xbf16>) -> tensor<1x4x4x16xbf16> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x1x4x8xbf16>) mask(%m : tensor<4x8xi1>) sink(%s : tensor<4xbf16>)
      {scale = 0.125 : f32, pattern = #attn.causal, normalizer = #attn.softmax<sink = learned>, softcap = 50.0 : f32}
      : tensor<1x4x4x16xbf16>, tensor<1x1x8x16xbf16>, tensor<1x1x8x16xbf16> -> tensor<1x4x4x16xbf16>
  return %o : tensor<1x4x4x16xbf16>
}

// -----

// CHECK-LABEL: func.func @patterns
// CHECK: pattern = #attn.dense
// CHECK: pattern = #attn.window<left = 4, right = 0, sinks = 0>
// CHECK: pattern = #attn.window<left = 2, right = 1, sinks = 4>
// CHECK: pattern = #attn.neighborhood<shape = [4, 4], kernel = [3, 3]>
// CHECK: pattern = #attn.neighborhood<shape = [2, 4, 2], kernel = [1, 2, 2], dilation = [1, 2, 1], stride = [1, 2, 1], causal = [1, 0, 0]>
// CHECK: pattern = #attn.block_sparse<block = [8, 4], layout = dense<{{\[\[}}true, false, true, true], [false, true, false, true]]> : tensor<2x4xi1>>
func.func @patterns(%q: tensor<1x1x16x8xf16>) {
  %0 = attn.attention %q, %q, %q {pattern = #attn.dense} : tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16> -> tensor<1x1x16x8xf16>
  %1 = attn.attention %q, %q, %q {pattern = #attn.window<left = 4>} : tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16> -> tensor<1x1x16x8xf16>
  %2 = attn.attention %q, %q, %q {pattern = #attn.window<sinks = 4, right = 1, left = 2>} : tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16> -> tensor<1x1x16x8xf16>
  %3 = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [4, 4], kernel = [3, 3], dilation = [1, 1], stride = [1, 1], causal = [0, 0]>} : tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16> -> tensor<1x1x16x8xf16>
  %4 = attn.attention %q, %q, %q {pattern = #attn.neighborhood<shape = [2, 4, 2], kernel = [1, 2, 2], dilation = [1, 2, 1], stride = [1, 2, 1], causal = [1, 0, 0]>} : tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16> -> tensor<1x1x16x8xf16>
  %5 = attn.attention %q, %q, %q {pattern = #attn.block_sparse<block = [8, 4], layout = dense<[[true, false, true, true], [false, true, false, true]]> : tensor<2x4xi1>>} : tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16>, tensor<1x1x16x8xf16> -> tensor<1x1x16x8xf16>
  return
}

// -----

// CHECK-LABEL: func.func @normalizers
// CHECK: normalizer = #attn.softmax<sink = zero>
// CHECK: normalizer = #attn.relu
// CHECK-NOT: <norm
// CHECK: normalizer = #attn.relu<norm = visible>
// CHECK: normalizer = #attn.relu<norm = none>
// CHECK: normalizer = #attn.sigmoid
// CHECK: normalizer = #attn.sigmoid<bias = -2.5{{0*}}e+00>
// CHECK: normalizer = #attn.softplus_l1
// CHECK: normalizer = #attn.softplus_l1<train_len = 512>
// CHECK: normalizer = #attn.act<threshold = 1.5{{0*}}e+00, factor = 2.5{{0*}}e-01>
func.func @normalizers(%q: tensor<1x1x4x8xf32>) {
  %0 = attn.attention %q, %q, %q {normalizer = #attn.softmax<sink = zero>} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  %1 = attn.attention %q, %q, %q {normalizer = #attn.relu<norm = seq_len>} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  %2 = attn.attention %q, %q, %q {normalizer = #attn.relu<norm = visible>} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  %3 = attn.attention %q, %q, %q {normalizer = #attn.relu<norm = none>} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  %4 = attn.attention %q, %q, %q {normalizer = #attn.sigmoid} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  %5 = attn.attention %q, %q, %q {normalizer = #attn.sigmoid<bias = -2.5>} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  %6 = attn.attention %q, %q, %q {normalizer = #attn.softplus_l1} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  %7 = attn.attention %q, %q, %q {normalizer = #attn.softplus_l1<train_len = 512>} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  %8 = attn.attention %q, %q, %q {normalizer = #attn.act<factor = 0.25, threshold = 1.5>} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----

// Dynamic sizes, decode (Lq = 1 < Lk), and a row tile.
// CHECK-LABEL: func.func @dynamic_and_tiles
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.causal} : tensor<?x8x1x64xf16>, tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16> -> tensor<?x8x1x64xf16>
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} q_offset(%{{.*}}) {pattern = #attn.causal, q_len = 64 : i64}
func.func @dynamic_and_tiles(%q: tensor<?x8x1x64xf16>, %k: tensor<?x8x?x64xf16>, %v: tensor<?x8x?x64xf16>, %qt: tensor<1x8x16x64xf16>, %kt: tensor<1x8x64x64xf16>, %i: index) {
  %0 = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<?x8x1x64xf16>, tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16> -> tensor<?x8x1x64xf16>
  %1 = attn.attention %qt, %kt, %kt q_offset(%i) {pattern = #attn.causal, q_len = 64} : tensor<1x8x16x64xf16>, tensor<1x8x64x64xf16>, tensor<1x8x64x64xf16> -> tensor<1x8x16x64xf16>
  return
}

// -----

// CHECK-LABEL: func.func @token_merge
// CHECK: %[[M:.*]], %[[S:.*]], %[[SRC:.*]] = attn.token_merge %{{.*}}, %{{.*}} r = 4 protect_first : tensor<2x17x32xf32>, tensor<2x17x8xf32> -> tensor<2x13x32xf32>, tensor<2x13xf32>, tensor<2x17xindex>
// CHECK: attn.token_merge %{{.*}}, %{{.*}} size(%{{.*}} : tensor<2x13xf32>) r = 3 matching = complete_graph
// CHECK: attn.token_unmerge %[[M]], %[[SRC]] : tensor<2x13x32xf32>, tensor<2x17xindex> -> tensor<2x17x32xf32>
func.func @token_merge(%x: tensor<2x17x32xf32>, %k: tensor<2x17x8xf32>, %k2: tensor<2x13x8xf32>) -> tensor<2x17x32xf32> {
  %m, %s, %src = attn.token_merge %x, %k r = 4 protect_first matching = bipartite : tensor<2x17x32xf32>, tensor<2x17x8xf32> -> tensor<2x13x32xf32>, tensor<2x13xf32>, tensor<2x17xindex>
  %m2, %s2, %src2 = attn.token_merge %m, %k2 size(%s : tensor<2x13xf32>) r = 3 matching = complete_graph : tensor<2x13x32xf32>, tensor<2x13x8xf32> -> tensor<2x10x32xf32>, tensor<2x10xf32>, tensor<2x13xindex>
  %u = attn.token_unmerge %m, %src : tensor<2x13x32xf32>, tensor<2x17xindex> -> tensor<2x17x32xf32>
  return %u : tensor<2x17x32xf32>
}

// -----

// A score_mod region reading a captured tensor and a captured scalar.
// CHECK-LABEL: func.func @score_mod
// CHECK-SAME: %[[SL:[^:]*]]: tensor<2xf32>, %[[C:[^:]*]]: f32
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32> score_mod {
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: index, %[[H:.*]]: index, %{{.*}}: index, %{{.*}}: index):
// CHECK-NEXT: %[[X:.*]] = tensor.extract %[[SL]][%[[H]]] : tensor<2xf32>
// CHECK-NEXT: %[[M:.*]] = arith.mulf %[[X]], %[[C]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.addf %[[S]], %[[M]] : f32
// CHECK-NEXT: attn.yield %[[R]] : f32
func.func @score_mod(%q: tensor<1x2x4x8xf32>, %slopes: tensor<2xf32>, %c: f32) -> tensor<1x2x4x8xf32> {
  %o = attn.attention %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %x = tensor.extract %slopes[%h] : tensor<2xf32>
    %m = arith.mulf %x, %c : f32
    %r = arith.addf %s, %m : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x2x4x8xf32>
}

// -----

// The optional log-sum-exp result (B x Hq x Lq, f32), static and dynamic.
// CHECK-LABEL: func.func @log_sum_exp
// CHECK: %{{.*}}, %{{.*}} = attn.attention %{{.*}}, %{{.*}}, %{{.*}} sink(%{{.*}} : tensor<8xbf16>) {normalizer = #attn.softmax<sink = learned>, pattern = #attn.causal} : tensor<1x8x4x16xbf16>, tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16> -> tensor<1x8x4x16xbf16>, tensor<1x8x4xf32>
// CHECK: %{{.*}}, %{{.*}} = attn.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32> -> tensor<?x2x?x16xf32>, tensor<?x2x?xf32>
func.func @log_sum_exp(%q: tensor<1x8x4x16xbf16>, %k: tensor<1x2x8x16xbf16>, %s: tensor<8xbf16>, %dq: tensor<?x2x?x16xf32>) -> (tensor<1x8x4x16xbf16>, tensor<1x8x4xf32>, tensor<?x2x?xf32>) {
  %o, %lse = attn.attention %q, %k, %k sink(%s : tensor<8xbf16>) {pattern = #attn.causal, normalizer = #attn.softmax<sink = learned>}
      : tensor<1x8x4x16xbf16>, tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16> -> tensor<1x8x4x16xbf16>, tensor<1x8x4xf32>
  %d:2 = attn.attention %dq, %dq, %dq : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32> -> tensor<?x2x?x16xf32>, tensor<?x2x?xf32>
  return %o, %lse, %d#1 : tensor<1x8x4x16xbf16>, tensor<1x8x4xf32>, tensor<?x2x?xf32>
}
