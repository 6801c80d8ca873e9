// RUN: attn-opt %s --attn-replace-softmax="mode=sink sinks=arg" | FileCheck %s --check-prefix=ARG
// RUN: attn-opt %s --attn-replace-softmax="mode=sink sinks=arg heads=1,3 ops=1" | FileCheck %s --check-prefix=ARGHEADS
// RUN: attn-opt %s --attn-replace-softmax="mode=softmax1" | FileCheck %s --check-prefix=ONE
// RUN: attn-opt %s --attn-replace-softmax="mode=softmax1 heads=0 ops=0" | FileCheck %s --check-prefix=ONEHEADS
// RUN: attn-opt %s --attn-replace-softmax="mode=relu norm=none ops=1" | FileCheck %s --check-prefix=RELU
// RUN: attn-opt %s --attn-replace-softmax="mode=sigmoid" | FileCheck %s --check-prefix=SIGMOID
// RUN: attn-opt %s --attn-replace-softmax="mode=sigmoid bias=-2.5 ops=0" | FileCheck %s --check-prefix=SIGMOIDB
// RUN: attn-opt %s --attn-replace-softmax="mode=softplus-l1 train-len=4096 ops=0" | FileCheck %s --check-prefix=SOFTPLUS
// RUN: attn-opt %s --attn-replace-softmax="mode=streaming window=1024 ops=0" | FileCheck %s --check-prefix=STREAM
// RUN: attn-opt %s --attn-replace-softmax="mode=calibrate gamma=2 ops=0" | FileCheck %s --check-prefix=CAL
// RUN: attn-opt %s --attn-replace-softmax="mode=calibrate gamma=0.5 columns=0-1 heads=2 ops=1" | FileCheck %s --check-prefix=CALBIAS
// RUN: attn-opt %s --attn-replace-softmax="mode=calibrate-sinks threshold=2 factor=0.4 ops=0" | FileCheck %s --check-prefix=ACT

// One new trailing argument per rewritten op, in op order.
// ARG-LABEL: func.func @decoder(
// ARG-SAME: %[[S:[a-z0-9]+]]: tensor<4xf32>) -> tensor<1x4x8x8xf32>
// ARG: attn.attention %{{.*}}, %{{.*}}, %{{.*}} sink(%[[S]] : tensor<4xf32>) {normalizer = #attn.softmax<sink = learned>, pattern = #attn.causal}
// ARG-LABEL: func.func @with_bias(
// ARG-SAME: %[[S2:[a-z0-9]+]]: tensor<4xf16>)
// ARG: sink(%[[S2]] : tensor<4xf16>) {normalizer = #attn.softmax<sink = learned>}

// Heads outside the selection get a sink of -inf, i.e. plain softmax.
// ARGHEADS-LABEL: func.func @with_bias(
// ARGHEADS-SAME: %[[S:[a-z0-9]+]]: tensor<4xf16>)
// ARGHEADS-DAG: %[[KEEP:.*]] = arith.constant dense<[false, true, false, true]> : tensor<4xi1>
// ARGHEADS-DAG: %[[OFF:.*]] = arith.constant dense<0xFC00> : tensor<4xf16>
// ARGHEADS: %[[SEL:.*]] = arith.select %[[KEEP]], %[[S]], %[[OFF]] : tensor<4xi1>, tensor<4xf16>
// ARGHEADS: sink(%[[SEL]] : tensor<4xf16>) {normalizer = #attn.softmax<sink = learned>}

// ONE-LABEL: func.func @decoder
// ONE: {normalizer = #attn.softmax<sink = zero>, pattern = #attn.causal}
// ONEHEADS-LABEL: func.func @decoder
// ONEHEADS: %[[Z:.*]] = arith.constant dense<[0.000000e+00, 0xFF800000, 0xFF800000, 0xFF800000]> : tensor<4xf32>
// ONEHEADS: sink(%[[Z]] : tensor<4xf32>) {normalizer = #attn.softmax<sink = learned>, pattern = #attn.causal}

// RELU-LABEL: func.func @decoder
// RELU: {pattern = #attn.causal}
// RELU-LABEL: func.func @with_bias
// RELU: {normalizer = #attn.relu<norm = none>}
// SIGMOID-LABEL: func.func @decoder
// SIGMOID: {normalizer = #attn.sigmoid, pattern = #attn.causal}
// SIGMOIDB: {normalizer = #attn.sigmoid<bias = -2.500000e+00>, pattern = #attn.causal}
// SOFTPLUS: {normalizer = #attn.softplus_l1<train_len = 4096>, pattern = #attn.causal}
// STREAM: {pattern = #attn.window<left = 1024, right = 0, sinks = 4>}
// ACT: {normalizer = #attn.act<threshold = 2.000000e+00, factor = 4.000000e-01>, pattern = #attn.causal}

// ln(2) on key 0 of every head.
// CAL-LABEL: func.func @decoder
// CAL: %[[B:.*]] = arith.constant dense<{{\[}}{{\[}}{{\[}}[0.693147182, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]],
// CAL: attn.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%[[B]] : tensor<1x4x1x8xf32>) {pattern = #attn.causal}

// An existing runtime bias gets ln(0.5) added on keys 0-1 of head 2 only.
// CALBIAS-LABEL: func.func @with_bias(
// CALBIAS-SAME: %[[OLD:[a-z0-9]+]]: tensor<1x1x8x8xf16>
// CALBIAS: %[[C:.*]] = arith.constant dense<{{.*}}-0.693147182, -0.693147182, 0.000000e+00{{.*}}> : tensor<1x4x1x8xf32>
// CALBIAS: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[OLD]], %[[C]] : tensor<1x1x8x8xf16>, tensor<1x4x1x8xf32>) outs(%{{.*}} : tensor<1x4x8x8xf32>)
// CALBIAS: arith.extf
// CALBIAS: arith.addf
// CALBIAS: attn.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%[[SUM]] : tensor<1x4x8x8xf32>)

func.func @decoder(%q: tensor<1x4x8x8xf32>, %k: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x4x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32> -> tensor<1x4x8x8xf32>
  return %o : tensor<1x4x8x8xf32>
}

func.func @with_bias(%q: tensor<1x4x8x8xf16>, %k: tensor<1x4x8x8xf16>, %v: tensor<1x4x8x8xf16>, %b: tensor<1x1x8x8xf16>) -> tensor<1x4x8x8xf16> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x1x8x8xf16>) : tensor<1x4x8x8xf16>, tensor<1x4x8x8xf16>, tensor<1x4x8x8xf16> -> tensor<1x4x8x8xf16>
  return %o : tensor<1x4x8x8xf16>
}
