// RUN: attn-opt %s --split-input-file --attn-infer-pattern 2>/dev/null | FileCheck %s
// RUN: attn-opt %s --split-input-file --attn-infer-pattern --verify-diagnostics -o /dev/null
// Masks built from index arithmetic over run-time sizes are read as
// predicates and compared with the patterns for every size at once. The
// rewrite never changes numbers: the inferred ops against the originals, at
// sizes that are no tile multiples.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-opt %s --attn-infer-pattern -o %t/inferred.mlir 2>/dev/null
// RUN: attn-run %s --entry=causal_square --shape=0:1x2x13x8,1:1x2x13x8,2:1x2x13x8 --output-dir=%t/a
// RUN: attn-run %t/inferred.mlir --entry=causal_square --shape=0:1x2x13x8,1:1x2x13x8,2:1x2x13x8 --pipeline=cpu --check-against=%t/a/causal_square.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %s --entry=causal_bottom_right --shape=0:1x2x5x8,1:1x2x19x8,2:1x2x19x8 --output-dir=%t/b
// RUN: attn-run %t/inferred.mlir --entry=causal_bottom_right --shape=0:1x2x5x8,1:1x2x19x8,2:1x2x19x8 --pipeline=cpu --check-against=%t/b/causal_bottom_right.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %s --entry=window_sinks_bias --shape=0:1x2x21x8,1:1x2x21x8,2:1x2x21x8 --output-dir=%t/c
// RUN: attn-run %t/inferred.mlir --entry=window_sinks_bias --shape=0:1x2x21x8,1:1x2x21x8,2:1x2x21x8 --pipeline=cpu --check-against=%t/c/window_sinks_bias.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %s --entry=arange_gather --shape=0:1x2x11x8,1:1x2x11x8,2:1x2x11x8 --output-dir=%t/d
// RUN: attn-run %t/inferred.mlir --entry=arange_gather --shape=0:1x2x11x8,1:1x2x11x8,2:1x2x11x8 --pipeline=cpu --check-against=%t/d/arange_gather.result0.npy | FileCheck %s --check-prefix=SAME
// SAME: check: PASS

// j <= i over an L x L mask whose L is the query's run-time length.
// CHECK-LABEL: func.func @causal_square
// CHECK-NOT: linalg.generic
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.causal} :
func.func @causal_square(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %c2 = arith.constant 2 : index
  %l = tensor.dim %q, %c2 : tensor<1x2x?x8xf32>
  %e = tensor.empty(%l, %l) : tensor<?x?xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<?x?xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c = arith.cmpi sle, %j, %i : index
    linalg.yield %c : i1
  } -> tensor<?x?xi1>
  %o = attn.attention %q, %k, %v mask(%m : tensor<?x?xi1>) : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

// -----

// A chunk of queries after a cache: j <= i + (Lk - Lq), in i64 as
// torch-mlir computes it. That is causal aligned bottom-right.
// CHECK-LABEL: func.func @causal_bottom_right
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.causal} :
func.func @causal_bottom_right(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %c2 = arith.constant 2 : index
  %lq = tensor.dim %q, %c2 : tensor<1x2x?x8xf32>
  %lk = tensor.dim %k, %c2 : tensor<1x2x?x8xf32>
  %lq64 = arith.index_cast %lq : index to i64
  %lk64 = arith.index_cast %lk : index to i64
  %past = arith.subi %lk64, %lq64 : i64
  %e = tensor.empty(%lq, %lk) : tensor<?x?xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<?x?xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %i64 = arith.index_cast %i : index to i64
    %j64 = arith.index_cast %j : index to i64
    %pos = arith.addi %i64, %past : i64
    %c = arith.cmpi sle, %j64, %pos : i64
    linalg.yield %c : i1
  } -> tensor<?x?xi1>
  %o = attn.attention %q, %k, %v mask(%m : tensor<?x?xi1>) : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

// -----

// j <= i when Lq and Lk may differ is causal aligned top-left, which no
// pattern says: the mask stays.
// CHECK-LABEL: func.func @causal_top_left
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(
func.func @causal_top_left(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %c2 = arith.constant 2 : index
  %lq = tensor.dim %q, %c2 : tensor<1x2x?x8xf32>
  %lk = tensor.dim %k, %c2 : tensor<1x2x?x8xf32>
  %e = tensor.empty(%lq, %lk) : tensor<?x?xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<?x?xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c = arith.cmpi sle, %j, %i : index
    linalg.yield %c : i1
  } -> tensor<?x?xi1>
  // expected-remark @+1 {{mask/bias with run-time sizes is not a pattern: the visible pairs are no causal or window pattern}}
  %o = attn.attention %q, %k, %v mask(%m : tensor<?x?xi1>) : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

// -----

// A 0 / -inf bias, broadcast over B and H, for a sliding window of 4 with 2
// sink tokens: (j <= i and i - j < 4) or j < 2.
// CHECK-LABEL: func.func @window_sinks_bias
// CHECK-NOT: linalg.generic
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.window<left = 3, right = 0, sinks = 2>} :
func.func @window_sinks_bias(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %c2 = arith.constant 2 : index
  %l = tensor.dim %q, %c2 : tensor<1x2x?x8xf32>
  %e = tensor.empty(%l, %l) : tensor<1x1x?x?xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(a, h, i, j) -> (a, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e : tensor<1x1x?x?xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %c4 = arith.constant 4 : index
    %c2i = arith.constant 2 : index
    %zero = arith.constant 0.0 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %causal = arith.cmpi sle, %j, %i : index
    %d = arith.subi %i, %j : index
    %near = arith.cmpi slt, %d, %c4 : index
    %in = arith.andi %causal, %near : i1
    %sink = arith.cmpi slt, %j, %c2i : index
    %keep = arith.ori %in, %sink : i1
    %x = arith.select %keep, %zero, %ninf : f32
    linalg.yield %x : f32
  } -> tensor<1x1x?x?xf32>
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x1x?x?xf32>) : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

// -----

// Positions gathered from an arange (cache positions), compared: pos[j] <=
// pos[i] is causal, seen through the gather.
// CHECK-LABEL: func.func @arange_gather
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.causal} :
func.func @arange_gather(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %c2 = arith.constant 2 : index
  %l = tensor.dim %q, %c2 : tensor<1x2x?x8xf32>
  %pe = tensor.empty(%l) : tensor<?xi64>
  %pos = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>], iterator_types = ["parallel"]} outs(%pe : tensor<?xi64>) {
  ^bb0(%out: i64):
    %i = linalg.index 0 : index
    %i64 = arith.index_cast %i : index to i64
    linalg.yield %i64 : i64
  } -> tensor<?xi64>
  %e = tensor.empty(%l, %l) : tensor<?x?xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<?x?xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %pi = tensor.extract %pos[%i] : tensor<?xi64>
    %pj = tensor.extract %pos[%j] : tensor<?xi64>
    %c = arith.cmpi sle, %pj, %pi : i64
    linalg.yield %c : i1
  } -> tensor<?x?xi1>
  %o = attn.attention %q, %k, %v mask(%m : tensor<?x?xi1>) : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

// -----

// One key more than causal (j <= i + 1): no pattern, the mask stays.
// CHECK-LABEL: func.func @one_past_causal
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(
func.func @one_past_causal(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %c2 = arith.constant 2 : index
  %l = tensor.dim %q, %c2 : tensor<1x2x?x8xf32>
  %e = tensor.empty(%l, %l) : tensor<?x?xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<?x?xi1>) {
  ^bb0(%out: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c1 = arith.constant 1 : index
    %i1 = arith.addi %i, %c1 : index
    %c = arith.cmpi sle, %j, %i1 : index
    linalg.yield %c : i1
  } -> tensor<?x?xi1>
  // expected-remark @+1 {{mask/bias with run-time sizes is not a pattern}}
  %o = attn.attention %q, %k, %v mask(%m : tensor<?x?xi1>) : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

// -----

// A bias of other values than 0 and -inf (ALiBi-like, i - j) is no mask.
// CHECK-LABEL: func.func @distance_bias
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} bias(
func.func @distance_bias(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %c2 = arith.constant 2 : index
  %l = tensor.dim %q, %c2 : tensor<1x2x?x8xf32>
  %e = tensor.empty(%l, %l) : tensor<?x?xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<?x?xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %d = arith.subi %j, %i : index
    %d64 = arith.index_cast %d : index to i64
    %x = arith.sitofp %d64 : i64 to f32
    linalg.yield %x : f32
  } -> tensor<?x?xf32>
  // expected-remark @+1 {{mask/bias with run-time sizes is not a pattern: a value computed by arith.sitofp}}
  %o = attn.attention %q, %k, %v bias(%b : tensor<?x?xf32>) : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

// -----

// A run-time mask (a function argument) stays, without a remark
// (--verify-diagnostics fails on any).
// CHECK-LABEL: func.func @runtime_mask
// CHECK: attn.attention %{{.*}}, %{{.*}}, %{{.*}} mask(
func.func @runtime_mask(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>, %m: tensor<?x?xi1>) -> tensor<1x2x?x8xf32> {
  %o = attn.attention %q, %k, %v mask(%m : tensor<?x?xi1>) : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}
