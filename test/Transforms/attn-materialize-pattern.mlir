// RUN: attn-opt %s --split-input-file --attn-materialize-pattern | FileCheck %s --check-prefix=CONST
// RUN: attn-opt %s --split-input-file --attn-materialize-pattern=form=index | FileCheck %s --check-prefix=INDEX
// RUN: not attn-opt %s --attn-materialize-pattern=form=sparse 2>&1 | FileCheck %s --check-prefix=FORM
// FORM: error: attn-materialize-pattern: unknown form 'sparse', expected constant or index

// A causal pattern becomes its mask: row i sees keys 0..i (Lq = Lk).
// CONST-LABEL: func.func @causal(
// CONST: %[[M:.*]] = arith.constant dense<{{\[}}[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]> : tensor<4x4xi1>
// CONST: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[M]] : tensor<4x4xi1>) :
// CONST-NOT: pattern
// INDEX-LABEL: func.func @causal(
// INDEX: %[[M:.*]] = linalg.generic
// INDEX-SAME: iterator_types = ["parallel", "parallel"]
// INDEX-SAME: outs(%{{.*}} : tensor<4x4xi1>)
// INDEX-DAG: %[[I:.*]] = linalg.index 0 : index
// INDEX-DAG: %[[J:.*]] = linalg.index 1 : index
// INDEX: arith.cmpi
// INDEX: linalg.yield
// INDEX: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[M]] : tensor<4x4xi1>) :
// INDEX-NOT: pattern
func.func @causal(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Windows align bottom-right (Lq = 2, Lk = 4): query i sits at i + 2. The
// normalizer stays.
// CONST-LABEL: func.func @decode_window(
// CONST: %[[M:.*]] = arith.constant dense<{{\[}}[true, true, true, false], [false, true, true, true]]> : tensor<2x4xi1>
// CONST: mask(%[[M]] : tensor<2x4xi1>) {normalizer = #attn.relu<norm = visible>} :
func.func @decode_window(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x2x8xf32> {
  %o = attn.attention %q, %k, %v {normalizer = #attn.relu<norm = visible>, pattern = #attn.window<left = 2, right = 0, sinks = 0>} : tensor<1x1x2x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// -----

// An existing mask is combined with the pattern by arith.andi, at the
// existing mask's (broadcast) shape.
// CONST-LABEL: func.func @with_mask(
// CONST-SAME: %[[OLD:[a-z0-9]+]]: tensor<1x2x4x4xi1>
// CONST: %[[P:.*]] = arith.constant dense<{{.*}}> : tensor<4x4xi1>
// CONST: %[[M:.*]] = linalg.generic {{.*}} ins(%[[OLD]], %[[P]] : tensor<1x2x4x4xi1>, tensor<4x4xi1>) outs(%{{.*}} : tensor<1x2x4x4xi1>)
// CONST: arith.andi
// CONST: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[M]] : tensor<1x2x4x4xi1>) :
// INDEX-LABEL: func.func @with_mask(
// INDEX-SAME: %[[OLD:[a-z0-9]+]]: tensor<1x2x4x4xi1>
// INDEX: %[[M:.*]] = linalg.generic {{.*}} ins(%[[OLD]] : tensor<1x2x4x4xi1>) outs(%{{.*}} : tensor<1x2x4x4xi1>)
// INDEX: linalg.index 2
// INDEX: linalg.index 3
// INDEX: arith.andi
// INDEX: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[M]] : tensor<1x2x4x4xi1>) :
func.func @with_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x2x4x4xi1>) -> tensor<1x2x4x8xf32> {
  %o = attn.attention %q, %k, %v mask(%m : tensor<1x2x4x4xi1>) {pattern = #attn.causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Nothing to do: a dense op, and a pattern over dynamic lengths.
// CONST-LABEL: func.func @left_alone(
// CONST-NOT: arith.constant
// CONST: attn.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x2x4x8xf32>
// CONST: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.causal} : tensor<1x2x?x8xf32>
// INDEX-LABEL: func.func @left_alone(
// INDEX-NOT: linalg.generic
// INDEX: return
func.func @left_alone(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %dq: tensor<1x2x?x8xf32>, %dk: tensor<1x2x?x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x?x8xf32>) {
  %o = attn.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  %d = attn.attention %dq, %dk, %dk {pattern = #attn.causal} : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x2x?x8xf32>
  return %o, %d : tensor<1x2x4x8xf32>, tensor<1x2x?x8xf32>
}
