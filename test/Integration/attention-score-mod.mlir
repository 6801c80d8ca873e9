// The score_mod region (SPEC section 2.1) on every lowering. Each `*_mod`
// entry spells with a region what its `*_op` twin spells with operands and
// attributes; the twin is checked against the naive oracle, and the region
// form must reproduce its results on the reference, cpu (two tilings) and
// gpu-sim pipelines. Sizes are not tile multiples (Lq = 13, Lk = 21), and
// attn-run draws the same inputs for both twins (same seed, same argument
// positions and types).
// RUN: rm -rf %t && mkdir -p %t
//
// An additive bias read from a captured tensor.
// RUN: attn-run %s --entry=bias_op --check --oracle=naive --output-dir=%t | FileCheck %s --check-prefix=ORACLE
// RUN: attn-run %s --entry=bias_mod --check-against=%t/bias_op.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=bias_mod --pipeline=cpu --check-against=%t/bias_op.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=bias_mod --pipeline=cpu --pipeline-options="tile-q=8 tile-k=4 vector-width=8" --check-against=%t/bias_op.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=bias_mod --pipeline=gpu-sim --check-against=%t/bias_op.result0.npy | FileCheck %s
//
// A bottom-right causal mask (-inf from an index comparison) with a softcap
// before it, and GQA (4 query heads, 2 key/value heads).
// RUN: attn-run %s --entry=causal_op --check --oracle=naive --output-dir=%t | FileCheck %s --check-prefix=ORACLE
// RUN: attn-run %s --entry=causal_mod --check-against=%t/causal_op.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=causal_mod --pipeline=cpu --check-against=%t/causal_op.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=causal_mod --pipeline=cpu --pipeline-options="tile-q=8 tile-k=4 vector-width=8" --check-against=%t/causal_op.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=causal_mod --pipeline=gpu-sim --check-against=%t/causal_op.result0.npy | FileCheck %s
//
// A normalizer that divides by the number of visible keys: the region's -inf
// must reach the count (relu<norm = visible>), with a mask operand besides.
// RUN: attn-run %s --entry=count_op --check --oracle=naive --output-dir=%t | FileCheck %s --check-prefix=ORACLE
// RUN: attn-run %s --entry=count_mod --check-against=%t/count_op.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=count_mod --pipeline=cpu --check-against=%t/count_op.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=count_mod --pipeline=cpu --pipeline-options="tile-q=8 tile-k=4 vector-width=8" --check-against=%t/count_op.result0.npy | FileCheck %s
// RUN: attn-run %s --entry=count_mod --pipeline=gpu-sim --check-against=%t/count_op.result0.npy | FileCheck %s
//
// A chain with no structured equivalent (a per-head ALiBi slope times the
// distance, then a logit-dependent clamp): the fused pipelines must agree
// with the reference decomposition.
// RUN: attn-run %s --entry=alibi_mod --pipeline=cpu --check --oracle=reference | FileCheck %s
// RUN: attn-run %s --entry=alibi_mod --pipeline=gpu-sim --check --oracle=reference | FileCheck %s
//
// bf16 on the tensor-core kernel (mma.sync): the region runs on the
// fragments' logits.
// RUN: attn-run %s --entry=bf16_op --check --oracle=naive --atol=1.6e-2 --rtol=1.6e-2 --output-dir=%t | FileCheck %s --check-prefix=ORACLE
// RUN: attn-opt %s --attn-gpu-sim-pipeline | FileCheck %s --check-prefix=MMA
// RUN: attn-run %s --entry=bf16_mod --pipeline=gpu-sim --check-against=%t/bf16_op.result0.npy --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %s --entry=bf16_mod --pipeline=cpu --check-against=%t/bf16_op.result0.npy --atol=1.6e-2 --rtol=1.6e-2 | FileCheck %s
//
// A per-head ALiBi bias, as a region and as a bias operand built in the
// entry; then attn-replace-softmax splits the heads into pieces (sigmoid
// on heads 1 and 3): each piece's region must still see the original head.
// RUN: attn-run %s --entry=alibi_bias --output-dir=%t | FileCheck %s --check-prefix=RAN
// RUN: attn-run %s --entry=alibi_region --pipeline=cpu --check-against=%t/alibi_bias.result0.npy | FileCheck %s
// RUN: attn-opt %s --attn-replace-softmax="mode=sigmoid heads=1,3 ops=7,8" | attn-run - --entry=alibi_bias --output-dir=%t/split | FileCheck %s --check-prefix=RAN
// RUN: attn-opt %s --attn-replace-softmax="mode=sigmoid heads=1,3 ops=7,8" | FileCheck %s --check-prefix=SPLIT
// RUN: attn-opt %s --attn-replace-softmax="mode=sigmoid heads=1,3 ops=7,8" | attn-run - --entry=alibi_region --check-against=%t/split/alibi_bias.result0.npy | FileCheck %s
// RUN: attn-opt %s --attn-replace-softmax="mode=sigmoid heads=1,3 ops=7,8" | attn-run - --entry=alibi_region --pipeline=cpu --check-against=%t/split/alibi_bias.result0.npy | FileCheck %s
// RUN: attn-opt %s --attn-replace-softmax="mode=sigmoid heads=1,3 ops=7,8" | attn-run - --entry=alibi_region --pipeline=gpu-sim --check-against=%t/split/alibi_bias.result0.npy | FileCheck %s
//
// The naive oracle refuses an op with a region instead of ignoring it.
// RUN: not attn-run %s --entry=alibi_mod --check --oracle=naive 2>&1 | FileCheck %s --check-prefix=NAIVE
//
// ORACLE: check: PASS
// CHECK: check: PASS
// NAIVE: the naive oracle does not run score_mod regions
// RAN: result0
// MMA: attn.gpu.path = "mma.m16n8k16.bf16"
// SPLIT-LABEL: func.func @alibi_region
// SPLIT: attn.attention {{.*}} -> tensor<1x1x13x8xf32> score_mod {
// SPLIT: attn.attention {{.*}} -> tensor<1x1x13x8xf32> score_mod {
// SPLIT-NEXT: ^bb0(%{{[a-z0-9]+}}: f32, %{{[a-z0-9]+}}: index, %[[H:[a-z0-9]+]]: index,
// SPLIT: arith.addi %[[H]], %{{.*}} : index

func.func @bias_op(%q: tensor<2x3x13x8xf32>, %k: tensor<2x3x21x8xf32>, %v: tensor<2x3x21x8xf32>, %bias: tensor<2x3x13x21xf32>) -> tensor<2x3x13x8xf32> {
  %o = attn.attention %q, %k, %v bias(%bias : tensor<2x3x13x21xf32>) {scale = 0.5 : f32} : tensor<2x3x13x8xf32>, tensor<2x3x21x8xf32>, tensor<2x3x21x8xf32> -> tensor<2x3x13x8xf32>
  return %o : tensor<2x3x13x8xf32>
}

func.func @bias_mod(%q: tensor<2x3x13x8xf32>, %k: tensor<2x3x21x8xf32>, %v: tensor<2x3x21x8xf32>, %bias: tensor<2x3x13x21xf32>) -> tensor<2x3x13x8xf32> {
  %o = attn.attention %q, %k, %v {scale = 0.5 : f32} : tensor<2x3x13x8xf32>, tensor<2x3x21x8xf32>, tensor<2x3x21x8xf32> -> tensor<2x3x13x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %x = tensor.extract %bias[%b, %h, %i, %j] : tensor<2x3x13x21xf32>
    %r = arith.addf %s, %x : f32
    attn.yield %r : f32
  }
  return %o : tensor<2x3x13x8xf32>
}

func.func @causal_op(%q: tensor<1x4x13x8xf32>, %k: tensor<1x2x21x8xf32>, %v: tensor<1x2x21x8xf32>) -> tensor<1x4x13x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal, softcap = 0.75 : f32} : tensor<1x4x13x8xf32>, tensor<1x2x21x8xf32>, tensor<1x2x21x8xf32> -> tensor<1x4x13x8xf32>
  return %o : tensor<1x4x13x8xf32>
}

func.func @causal_mod(%q: tensor<1x4x13x8xf32>, %k: tensor<1x2x21x8xf32>, %v: tensor<1x2x21x8xf32>) -> tensor<1x4x13x8xf32> {
  %o = attn.attention %q, %k, %v {softcap = 0.75 : f32} : tensor<1x4x13x8xf32>, tensor<1x2x21x8xf32>, tensor<1x2x21x8xf32> -> tensor<1x4x13x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    // Query row i sits at key position i + (Lk - Lq) = i + 8.
    %c8 = arith.constant 8 : index
    %pos = arith.addi %i, %c8 : index
    %future = arith.cmpi ugt, %j, %pos : index
    %ninf = arith.constant 0xFF800000 : f32
    %r = arith.select %future, %ninf, %s : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x4x13x8xf32>
}

func.func @count_op(%q: tensor<1x2x13x8xf32>, %k: tensor<1x2x21x8xf32>, %v: tensor<1x2x21x8xf32>, %m: tensor<13x21xi1>) -> tensor<1x2x13x8xf32> {
  %o = attn.attention %q, %k, %v mask(%m : tensor<13x21xi1>) {pattern = #attn.window<left = 4, right = 2>, normalizer = #attn.relu<norm = visible>} : tensor<1x2x13x8xf32>, tensor<1x2x21x8xf32>, tensor<1x2x21x8xf32> -> tensor<1x2x13x8xf32>
  return %o : tensor<1x2x13x8xf32>
}

func.func @count_mod(%q: tensor<1x2x13x8xf32>, %k: tensor<1x2x21x8xf32>, %v: tensor<1x2x21x8xf32>, %m: tensor<13x21xi1>) -> tensor<1x2x13x8xf32> {
  %o = attn.attention %q, %k, %v mask(%m : tensor<13x21xi1>) {normalizer = #attn.relu<norm = visible>} : tensor<1x2x13x8xf32>, tensor<1x2x21x8xf32>, tensor<1x2x21x8xf32> -> tensor<1x2x13x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    // window<left = 4, right = 2> at position p = i + 8: p - 4 <= j <= p + 2.
    %c8 = arith.constant 8 : index
    %c4 = arith.constant 4 : index
    %c2 = arith.constant 2 : index
    %pos = arith.addi %i, %c8 : index
    %lo = arith.subi %pos, %c4 : index
    %hi = arith.addi %pos, %c2 : index
    %before = arith.cmpi slt, %j, %lo : index
    %after = arith.cmpi sgt, %j, %hi : index
    %out = arith.ori %before, %after : i1
    %ninf = arith.constant 0xFF800000 : f32
    %r = arith.select %out, %ninf, %s : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x2x13x8xf32>
}

func.func @alibi_mod(%q: tensor<2x4x13x8xf32>, %k: tensor<2x2x21x8xf32>, %v: tensor<2x2x21x8xf32>, %slopes: tensor<4xf32>) -> tensor<2x4x13x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<2x4x13x8xf32>, tensor<2x2x21x8xf32>, tensor<2x2x21x8xf32> -> tensor<2x4x13x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %slope = tensor.extract %slopes[%h] : tensor<4xf32>
    %ii = arith.index_cast %i : index to i64
    %jj = arith.index_cast %j : index to i64
    %d = arith.subi %jj, %ii : i64
    %df = arith.sitofp %d : i64 to f32
    %m = arith.mulf %slope, %df : f32
    %t = arith.addf %s, %m : f32
    %lo = arith.constant -0.5 : f32
    %r = arith.maximumf %t, %lo : f32
    attn.yield %r : f32
  }
  return %o : tensor<2x4x13x8xf32>
}

#alibi_map = affine_map<(b, h, i, j) -> (h)>
#alibi_out = affine_map<(b, h, i, j) -> (b, h, i, j)>
func.func @alibi_bias(%q: tensor<1x4x13x8xf32>, %k: tensor<1x4x21x8xf32>, %v: tensor<1x4x21x8xf32>, %slopes: tensor<4xf32>) -> tensor<1x4x13x8xf32> {
  %e = tensor.empty() : tensor<1x4x13x21xf32>
  %bias = linalg.generic {indexing_maps = [#alibi_map, #alibi_out], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%slopes : tensor<4xf32>) outs(%e : tensor<1x4x13x21xf32>) {
  ^bb0(%slope: f32, %o: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %ii = arith.index_cast %i : index to i64
    %jj = arith.index_cast %j : index to i64
    %d = arith.subi %jj, %ii : i64
    %df = arith.sitofp %d : i64 to f32
    %m = arith.mulf %slope, %df : f32
    linalg.yield %m : f32
  } -> tensor<1x4x13x21xf32>
  %o = attn.attention %q, %k, %v bias(%bias : tensor<1x4x13x21xf32>) : tensor<1x4x13x8xf32>, tensor<1x4x21x8xf32>, tensor<1x4x21x8xf32> -> tensor<1x4x13x8xf32>
  return %o : tensor<1x4x13x8xf32>
}

func.func @alibi_region(%q: tensor<1x4x13x8xf32>, %k: tensor<1x4x21x8xf32>, %v: tensor<1x4x21x8xf32>, %slopes: tensor<4xf32>) -> tensor<1x4x13x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x4x13x8xf32>, tensor<1x4x21x8xf32>, tensor<1x4x21x8xf32> -> tensor<1x4x13x8xf32> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %slope = tensor.extract %slopes[%h] : tensor<4xf32>
    %ii = arith.index_cast %i : index to i64
    %jj = arith.index_cast %j : index to i64
    %d = arith.subi %jj, %ii : i64
    %df = arith.sitofp %d : i64 to f32
    %m = arith.mulf %slope, %df : f32
    %r = arith.addf %s, %m : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x4x13x8xf32>
}

func.func @bf16_op(%q: tensor<1x4x32x16xbf16>, %k: tensor<1x2x40x16xbf16>, %v: tensor<1x2x40x16xbf16>) -> tensor<1x4x32x16xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal, softcap = 0.75 : f32} : tensor<1x4x32x16xbf16>, tensor<1x2x40x16xbf16>, tensor<1x2x40x16xbf16> -> tensor<1x4x32x16xbf16>
  return %o : tensor<1x4x32x16xbf16>
}
func.func @bf16_mod(%q: tensor<1x4x32x16xbf16>, %k: tensor<1x2x40x16xbf16>, %v: tensor<1x2x40x16xbf16>) -> tensor<1x4x32x16xbf16> {
  %o = attn.attention %q, %k, %v {softcap = 0.75 : f32} : tensor<1x4x32x16xbf16>, tensor<1x2x40x16xbf16>, tensor<1x2x40x16xbf16> -> tensor<1x4x32x16xbf16> score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %c8 = arith.constant 8 : index
    %pos = arith.addi %i, %c8 : index
    %future = arith.cmpi ugt, %j, %pos : index
    %ninf = arith.constant 0xFF800000 : f32
    %r = arith.select %future, %ninf, %s : f32
    attn.yield %r : f32
  }
  return %o : tensor<1x4x32x16xbf16>
}
