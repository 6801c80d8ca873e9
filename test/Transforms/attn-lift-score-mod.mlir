// RUN: attn-opt %s --split-input-file --attn-lift-score-mod | FileCheck %s
// RUN: attn-opt %s --split-input-file --attn-lift-score-mod --canonicalize --attn-infer-pattern | FileCheck %s --check-prefix=INFER
// RUN: attn-opt %s --split-input-file --attn-lift-score-mod="max-entries=300" --verify-diagnostics -o /dev/null
// RUN: not attn-opt %s --attn-lift-score-mod="max-entries=0" 2>&1 | FileCheck %s --check-prefix=BAD
// Lifting never changes numbers: each entry before and after, on the
// reference and cpu pipelines.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-opt %s --attn-lift-score-mod --canonicalize --attn-infer-pattern -o %t/lifted.mlir
// RUN: attn-run %s --entry=causal_region --output-dir=%t/a
// RUN: attn-run %t/lifted.mlir --entry=causal_region --pipeline=cpu --check-against=%t/a/causal_region.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %s --entry=per_head_keep --output-dir=%t/b
// RUN: attn-run %t/lifted.mlir --entry=per_head_keep --pipeline=reference --check-against=%t/b/per_head_keep.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %t/lifted.mlir --entry=per_head_keep --pipeline=cpu --check-against=%t/b/per_head_keep.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %s --entry=softcap_then_bias --output-dir=%t/c
// RUN: attn-run %t/lifted.mlir --entry=softcap_then_bias --pipeline=reference --check-against=%t/c/softcap_then_bias.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %t/lifted.mlir --entry=softcap_then_bias --pipeline=cpu --check-against=%t/c/softcap_then_bias.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %s --entry=factor_then_clamp --output-dir=%t/d
// RUN: attn-run %t/lifted.mlir --entry=factor_then_clamp --pipeline=cpu --check-against=%t/d/factor_then_clamp.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %s --entry=factor_after_bias --output-dir=%t/e
// RUN: attn-run %t/lifted.mlir --entry=factor_after_bias --pipeline=cpu --check-against=%t/e/factor_after_bias.result0.npy | FileCheck %s --check-prefix=SAME
// SAME: check: PASS
// BAD: attn-lift-score-mod: max-entries must be positive, got 0

// A bottom-right causal mask spelled in the region, with a mask operand
// already there: the condition becomes part of the mask and the region is
// gone. The combined mask reads a run-time argument, so pattern inference
// keeps it as a mask (@causal_region_alone below is inferred).
// CHECK-LABEL: func.func @causal_region
// CHECK-SAME: %[[M:[a-z0-9]+]]: tensor<13x21xi1>
// CHECK: %[[L:.*]] = linalg.generic {{.*}} ins(%[[M]] : tensor<13x21xi1>) outs(%{{.*}} : tensor<13x21xi1>)
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: arith.xori
// CHECK: arith.andi
// CHECK: attn.attention %{{.*}} mask(%[[L]] : tensor<13x21xi1>)
// CHECK-NOT: score_mod
// INFER-LABEL: func.func @causal_region
// INFER: attn.attention {{.*}}mask(
// INFER-NOT: score_mod
func.func @causal_region(%q: tensor<1x2x13x8xf32>, %k: tensor<1x2x21x8xf32>, %v: tensor<1x2x21x8xf32>, %m: tensor<13x21xi1>) -> tensor<1x2x13x8xf32> {
  %o = attn.attention %q, %k, %v mask(%m : tensor<13x21xi1>) : tensor<1x2x13x8xf32>, tensor<1x2x21x8xf32>, tensor<1x2x21x8xf32> -> tensor<1x2x13x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %c8 = arith.constant 8 : index
    %pos = arith.addi %i, %c8 : index
    %future = arith.cmpi ugt, %j, %pos : index
    %ninf = arith.constant 0xFF800000 : f32
    %r = arith.select %future, %ninf, %s : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x2x13x8xf32>
}

// -----

// The same region without a mask operand: the lifted mask is evaluated at
// compile time and pattern inference sees a bottom-right causal mask.
// CHECK-LABEL: func.func @causal_region_alone
// CHECK: attn.attention %{{.*}} mask(
// CHECK-NOT: score_mod
// INFER-LABEL: func.func @causal_region_alone
// INFER: attn.attention {{.*}}pattern = #attn.causal
// INFER-NOT: mask(
// INFER-NOT: score_mod
func.func @causal_region_alone(%q: tensor<1x2x13x8xf32>, %k: tensor<1x2x21x8xf32>, %v: tensor<1x2x21x8xf32>) -> tensor<1x2x13x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x2x13x8xf32>, tensor<1x2x21x8xf32>, tensor<1x2x21x8xf32> -> tensor<1x2x13x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %c8 = arith.constant 8 : index
    %pos = arith.addi %i, %c8 : index
    %future = arith.cmpi ugt, %j, %pos : index
    %ninf = arith.constant 0xFF800000 : f32
    %r = arith.select %future, %ninf, %s : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x2x13x8xf32>
}

// -----

// A per-head keep table read by the condition (select(keep[h] or j <= i, x,
// -inf)) over a modification that stays: the mask is 1 x Hq x Lq x Lk and
// the region keeps the tanh.
// CHECK-LABEL: func.func @per_head_keep
// INFER-LABEL: func.func @per_head_keep
// CHECK-SAME: %[[T:[a-z0-9]+]]: tensor<2xi1>
// CHECK: %[[L:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x8x8xi1>)
// CHECK: tensor.extract %[[T]][%{{.*}}] : tensor<2xi1>
// CHECK: attn.attention %{{.*}} mask(%[[L]] : tensor<1x2x8x8xi1>) {{.*}} score_mod {
// CHECK: math.tanh
// CHECK-NOT: arith.select
// CHECK: attn.yield
func.func @per_head_keep(%q: tensor<1x2x8x8xf32>, %k: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x8xf32>, %keep: tensor<2xi1>) -> tensor<1x2x8x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %t = math.tanh %s : f32
    %kh = tensor.extract %keep[%h] : tensor<2xi1>
    %past = arith.cmpi ule, %j, %i : index
    %c = arith.ori %kh, %past : i1
    %ninf = arith.constant 0xFF800000 : f32
    %r = arith.select %c, %t, %ninf : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x2x8x8xf32>
}

// -----

// Not lifted: the condition reads the logit (select(s > 0, s, -inf)).
// CHECK-LABEL: func.func @reads_logit
// CHECK-NOT: linalg.generic
// CHECK: attn.attention
// CHECK-SAME: score_mod {
// CHECK: arith.select
func.func @reads_logit(%q: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %o = attn.attention %q, %q, %q : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %zero = arith.constant 0.0 : f32
    %c = arith.cmpf ogt, %s, %zero : f32
    %ninf = arith.constant 0xFF800000 : f32
    %r = arith.select %c, %s, %ninf : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x2x8x8xf32>
}

// -----

// Not lifted: the fill is a finite value, so the pairs stay visible.
// CHECK-LABEL: func.func @finite_fill
// CHECK-NOT: linalg.generic
// CHECK: score_mod
func.func @finite_fill(%q: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %o = attn.attention %q, %q, %q : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %c = arith.cmpi ule, %j, %i : index
    %low = arith.constant -1.0e4 : f32
    %r = arith.select %c, %s, %low : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x2x8x8xf32>
}

// -----

// Too large for max-entries=300 (a 16 x 16 mask): left, with a remark.
func.func @too_large(%q: tensor<1x2x32x8xf32>) -> tensor<1x2x32x8xf32> {
  // expected-remark @+1 {{attn-lift-score-mod: the mask in the score_mod region is not lifted: its shape is dynamic or has more than max-entries (300) entries}}
  %o = attn.attention %q, %q, %q : tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32> -> tensor<1x2x32x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %c = arith.cmpi ule, %j, %i : index
    %ninf = arith.constant 0xFF800000 : f32
    %r = arith.select %c, %s, %ninf : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x2x32x8xf32>
}

// -----

// Known forms at the head of the region: 30 * tanh(s / 30) becomes the
// softcap, then s + rel[h, i, j] (read from a captured table) the bias; the
// region is left yielding its logit and removed.
// CHECK-LABEL: func.func @softcap_then_bias
// CHECK-SAME: %[[REL:[a-z0-9]+]]: tensor<2x8x8xf32>
// CHECK: %[[B:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x8x8xf32>)
// CHECK: tensor.extract %[[REL]]
// CHECK: attn.attention %{{.*}} bias(%[[B]] : tensor<1x2x8x8xf32>) {softcap = 3.000000e+01 : f32}
// CHECK-NOT: score_mod
func.func @softcap_then_bias(%q: tensor<1x2x8x8xf32>, %k: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x8xf32>, %rel: tensor<2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %cap = arith.constant 30.0 : f32
    %d = arith.divf %s, %cap : f32
    %t = math.tanh %d : f32
    %c = arith.mulf %cap, %t : f32
    %r0 = tensor.extract %rel[%h, %i, %j] : tensor<2x8x8xf32>
    %r = arith.addf %c, %r0 : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x2x8x8xf32>
}

// -----

// A constant factor first joins the scale (0.5 / sqrt(8)); the clamp after
// it stays in the region.
// CHECK-LABEL: func.func @factor_then_clamp
// CHECK: attn.attention {{.*}}{scale = 0.176776{{[0-9]*}} : f32}
// CHECK-SAME: score_mod {
// CHECK-NOT: arith.mulf
// CHECK: arith.minimumf
func.func @factor_then_clamp(%q: tensor<1x2x8x8xf32>, %k: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %half = arith.constant 0.5 : f32
    %a = arith.mulf %s, %half : f32
    %top = arith.constant 0.25 : f32
    %r = arith.minimumf %a, %top : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x2x8x8xf32>
}

// -----

// Not lifted: with a bias operand the region's logit already includes the
// bias, so the factor is not the scale's.
// CHECK-LABEL: func.func @factor_after_bias
// CHECK: attn.attention {{.*}}bias(
// CHECK-NOT: scale =
// CHECK-SAME: score_mod {
// CHECK: arith.mulf
func.func @factor_after_bias(%q: tensor<1x2x8x8xf32>, %k: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x8xf32>, %bias: tensor<8x8xf32>) -> tensor<1x2x8x8xf32> {
  %o = attn.attention %q, %k, %v bias(%bias : tensor<8x8xf32>) : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32> -> tensor<1x2x8x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %two = arith.constant 2.0 : f32
    %a = arith.mulf %s, %two : f32
    attn.yield %a : f32
  }
  return %o : tensor<1x2x8x8xf32>
}

// -----

// A bias of 32 x 32 entries is too large for max-entries=300: left in the
// region, with a remark.
func.func @too_large_bias(%q: tensor<1x2x32x8xf32>) -> tensor<1x2x32x8xf32> {
  // expected-remark @+1 {{attn-lift-score-mod: the bias in the score_mod region is not lifted: its shape is dynamic or has more than max-entries (300) entries}}
  %o = attn.attention %q, %q, %q : tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32> -> tensor<1x2x32x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %d = arith.subi %j, %i : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %r = arith.addf %s, %df : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x2x32x8xf32>
}
