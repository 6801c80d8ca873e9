// normalizer= takes the normalizer attribute itself; the normalizer modes are
// shorthands that build the same attribute. An attribute with spaces goes in
// quotes or braces (the pass option parser splits values at spaces).
// RUN: attn-opt %s --attn-replace-softmax="normalizer=#attn.softmax<sink=zero>" | FileCheck %s --check-prefix=ZERO
// RUN: attn-opt %s --attn-replace-softmax="normalizer='#attn.softmax<sink = zero>'" | FileCheck %s --check-prefix=ZERO
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-replace-softmax{normalizer="#attn.softmax<sink = zero>"})' | FileCheck %s --check-prefix=ZERO
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-replace-softmax{normalizer={#attn.softmax<sink = zero>}})' | FileCheck %s --check-prefix=ZERO
// RUN: attn-opt %s --attn-replace-softmax="mode=softmax1" | FileCheck %s --check-prefix=ZERO
// A partial heads= selection keeps one op through the sink-operand form of
// the normalizer, as the shorthand does.
// RUN: attn-opt %s --attn-replace-softmax="normalizer=#attn.softmax<sink=zero> heads=0 ops=0" | FileCheck %s --check-prefix=ZEROHEADS
// RUN: attn-opt %s --attn-replace-softmax="mode=softmax1 heads=0 ops=0" | FileCheck %s --check-prefix=ZEROHEADS
// A normalizer with a sink operand takes sinks=.
// RUN: attn-opt %s --attn-replace-softmax="normalizer=#attn.softmax<sink=learned> sinks=arg ops=1" | FileCheck %s --check-prefix=LEARNED
// Any normalizer attribute, with every parameter; a partial selection splits
// the op along its heads.
// RUN: attn-opt %s --attn-replace-softmax="normalizer=#attn.relu<norm=visible> ops=1" | FileCheck %s --check-prefix=RELU
// RUN: attn-opt %s --attn-replace-softmax="normalizer=#attn.sigmoid<bias=-2.5> heads=0-1 ops=0" | FileCheck %s --check-prefix=SPLIT
// RUN: attn-opt %s --attn-replace-softmax="normalizer='#attn.act<threshold = 2.0, factor = 0.4>' ops=0" | FileCheck %s --check-prefix=ACT
// Plain softmax is the default: nothing is stored.
// RUN: attn-opt %s --attn-replace-softmax="normalizer=#attn.softmax ops=1" | FileCheck %s --check-prefix=PLAINSM

// Refusals name the option and the text.
// RUN: not attn-opt %s --attn-replace-softmax="normalizer=#attn.softmax<sink=one>" 2>&1 | FileCheck %s --check-prefix=SYNTAX
// SYNTAX: error: attn-replace-softmax: option 'normalizer': '#attn.softmax<sink=one>' is not a valid attribute: unknown sink 'one', expected one of: none, learned, zero
// RUN: not attn-opt %s --attn-replace-softmax="normalizer=#attn.causal" 2>&1 | FileCheck %s --check-prefix=KIND
// KIND: error: attn-replace-softmax: option 'normalizer': #attn.causal is not a normalizer attribute (NormalizerAttrInterface)
// RUN: not attn-opt %s --attn-replace-softmax="normalizer=#attn.softmax<sink=zero> mode=softmax1" 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: error: attn-replace-softmax: options 'mode' and 'normalizer' both given: mode=softmax1 is a shorthand, give one of them
// RUN: not attn-opt %s --attn-replace-softmax="normalizer=#attn.relu norm=none" 2>&1 | FileCheck %s --check-prefix=PARAM
// PARAM: error: attn-replace-softmax: option 'norm' does not apply to normalizer=#attn.relu: the attribute gives every parameter
// RUN: not attn-opt %s --attn-replace-softmax="normalizer=#attn.softmax<sink=learned>" 2>&1 | FileCheck %s --check-prefix=NOSINKS
// NOSINKS: error: attn-replace-softmax: normalizer=#attn.softmax<sink = learned> needs 'sinks': a .npy of sink logits or 'arg'
// RUN: not attn-opt %s --attn-replace-softmax="normalizer=#attn.relu sinks=arg" 2>&1 | FileCheck %s --check-prefix=SINKS
// SINKS: error: attn-replace-softmax: option 'sinks' does not apply to normalizer=#attn.relu
// RUN: not attn-opt %s --attn-replace-softmax="normalizer=#attn.softmax<sink=zero>" --attn-replace-softmax="normalizer=#attn.relu" 2>&1 | FileCheck %s --check-prefix=PLAIN
// PLAIN: error: attn.attention #0 has normalizer #attn.softmax<sink = zero>; normalizer=#attn.relu replaces plain softmax only

// ZERO-LABEL: func.func @decoder
// ZERO: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {normalizer = #attn.softmax<sink = zero>, pattern = #attn.causal} :
// ZERO-LABEL: func.func @with_bias
// ZERO: attn.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<1x1x8x8xf16>) {normalizer = #attn.softmax<sink = zero>} :

// ZEROHEADS-LABEL: func.func @decoder
// ZEROHEADS: %[[Z:.*]] = arith.constant dense<[0.000000e+00, 0xFF800000, 0xFF800000, 0xFF800000]> : tensor<4xf32>
// ZEROHEADS: sink(%[[Z]] : tensor<4xf32>) {normalizer = #attn.softmax<sink = learned>, pattern = #attn.causal}
// ZEROHEADS-LABEL: func.func @with_bias
// ZEROHEADS-NOT: normalizer
// ZEROHEADS: return

// LEARNED-LABEL: func.func @decoder(
// LEARNED-NOT: normalizer
// LEARNED-LABEL: func.func @with_bias(
// LEARNED-SAME: %[[S:[a-z0-9]+]]: tensor<4xf16>)
// LEARNED: sink(%[[S]] : tensor<4xf16>) {normalizer = #attn.softmax<sink = learned>}

// RELU-LABEL: func.func @decoder
// RELU: {pattern = #attn.causal} :
// RELU-LABEL: func.func @with_bias
// RELU: {normalizer = #attn.relu<norm = visible>}

// Heads 0-1 (one kv head) get the sigmoid, heads 2-3 keep softmax.
// SPLIT-LABEL: func.func @decoder
// SPLIT: attn.attention {{.*}} {normalizer = #attn.sigmoid<bias = -2.500000e+00>, pattern = #attn.causal} : tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32> -> tensor<1x2x8x8xf32>
// SPLIT: tensor.insert_slice {{.*}}[0, 0, 0, 0] [1, 2, 8, 8]
// SPLIT: attn.attention {{.*}} {pattern = #attn.causal} : tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32> -> tensor<1x2x8x8xf32>
// SPLIT: tensor.insert_slice {{.*}}[0, 2, 0, 0] [1, 2, 8, 8]

// PLAINSM-LABEL: func.func @with_bias
// PLAINSM: attn.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<1x1x8x8xf16>) : tensor

// ACT-LABEL: func.func @decoder
// ACT: {normalizer = #attn.act<threshold = 2.000000e+00, factor = 4.000000e-01>, pattern = #attn.causal}

func.func @decoder(%q: tensor<1x4x8x8xf32>, %k: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x4x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32> -> tensor<1x4x8x8xf32>
  return %o : tensor<1x4x8x8xf32>
}

func.func @with_bias(%q: tensor<1x4x8x8xf16>, %k: tensor<1x4x8x8xf16>, %v: tensor<1x4x8x8xf16>, %b: tensor<1x1x8x8xf16>) -> tensor<1x4x8x8xf16> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x1x8x8xf16>) : tensor<1x4x8x8xf16>, tensor<1x4x8x8xf16>, tensor<1x4x8x8xf16> -> tensor<1x4x8x8xf16>
  return %o : tensor<1x4x8x8xf16>
}
