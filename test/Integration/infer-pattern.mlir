// --attn-infer-pattern never changes results: each function's pattern is
// turned into an explicit index-arithmetic mask, the mask is inferred back
// into a pattern, and both versions give the same numbers; the inferred
// single-op version is also checked against the naive C++ reference.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-opt %s --attn-materialize-pattern=form=index -o %t/masked.mlir
// RUN: attn-opt %t/masked.mlir --attn-infer-pattern=block-size=4 -o %t/inferred.mlir
// RUN: FileCheck %s --input-file=%t/inferred.mlir --check-prefix=IR --implicit-check-not=linalg.generic

// RUN: attn-run %t/masked.mlir --entry=causal_chunk --seed=1 --output-dir=%t
// RUN: attn-run %t/inferred.mlir --entry=causal_chunk --seed=1 --check-against=%t/causal_chunk.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %t/inferred.mlir --entry=causal_chunk --seed=1 --check --oracle=naive | FileCheck %s --check-prefix=NAIVE
// RUN: attn-run %t/masked.mlir --entry=window_sinks --seed=2 --output-dir=%t
// RUN: attn-run %t/inferred.mlir --entry=window_sinks --seed=2 --check-against=%t/window_sinks.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %t/inferred.mlir --entry=window_sinks --seed=2 --check --oracle=naive | FileCheck %s --check-prefix=NAIVE
// RUN: attn-run %t/masked.mlir --entry=nbhd1d_dil_stride_even --seed=3 --output-dir=%t
// RUN: attn-run %t/inferred.mlir --entry=nbhd1d_dil_stride_even --seed=3 --check-against=%t/nbhd1d_dil_stride_even.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %t/inferred.mlir --entry=nbhd1d_dil_stride_even --seed=3 --check --oracle=naive | FileCheck %s --check-prefix=NAIVE
// RUN: attn-run %t/masked.mlir --entry=nbhd1d_causal --seed=4 --output-dir=%t
// RUN: attn-run %t/inferred.mlir --entry=nbhd1d_causal --seed=4 --check-against=%t/nbhd1d_causal.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %t/inferred.mlir --entry=nbhd1d_causal --seed=4 --check --oracle=naive | FileCheck %s --check-prefix=NAIVE
// RUN: attn-run %t/masked.mlir --entry=nbhd2d_even --seed=5 --output-dir=%t
// RUN: attn-run %t/inferred.mlir --entry=nbhd2d_even --seed=5 --check-against=%t/nbhd2d_even.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %t/inferred.mlir --entry=nbhd2d_even --seed=5 --check --oracle=naive | FileCheck %s --check-prefix=NAIVE
// RUN: attn-run %t/masked.mlir --entry=nbhd3d_causal --seed=6 --output-dir=%t
// RUN: attn-run %t/inferred.mlir --entry=nbhd3d_causal --seed=6 --check-against=%t/nbhd3d_causal.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %t/inferred.mlir --entry=nbhd3d_causal --seed=6 --check --oracle=naive | FileCheck %s --check-prefix=NAIVE
// RUN: attn-run %t/masked.mlir --entry=block_sparse --seed=7 --output-dir=%t
// RUN: attn-run %t/inferred.mlir --entry=block_sparse --seed=7 --check-against=%t/block_sparse.result0.npy | FileCheck %s --check-prefix=SAME
// RUN: attn-run %t/inferred.mlir --entry=block_sparse --seed=7 --check --oracle=naive | FileCheck %s --check-prefix=NAIVE

// SAME: check: PASS
// NAIVE: check: oracle=naive
// NAIVE: check: PASS
// IR-LABEL: func.func @causal_chunk
// IR: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.causal}
func.func @causal_chunk(%q: tensor<1x2x6x8xf32>, %k: tensor<1x1x16x8xf32>, %v: tensor<1x1x16x8xf32>) -> tensor<1x2x6x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x6x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32> -> tensor<1x2x6x8xf32>
  return %o : tensor<1x2x6x8xf32>
}

// IR-LABEL: func.func @window_sinks
// IR: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {normalizer = #attn.softmax<sink = zero>, pattern = #attn.window<left = 3, right = 1, sinks = 2>}
func.func @window_sinks(%q: tensor<1x2x16x8xf32>, %k: tensor<1x1x16x8xf32>, %v: tensor<1x1x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 3, right = 1, sinks = 2>, normalizer = #attn.softmax<sink = zero>} : tensor<1x2x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// IR-LABEL: func.func @nbhd1d_dil_stride_even
// IR: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.neighborhood<shape = [16], kernel = [4], dilation = [2], stride = [2]>}
func.func @nbhd1d_dil_stride_even(%q: tensor<1x2x16x8xf32>, %k: tensor<1x1x16x8xf32>, %v: tensor<1x1x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [16], kernel = [4], dilation = [2], stride = [2]>} : tensor<1x2x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// IR-LABEL: func.func @nbhd1d_causal
// IR: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {normalizer = #attn.relu<norm = visible>, pattern = #attn.neighborhood<shape = [16], kernel = [5], stride = [2], causal = [1]>}
func.func @nbhd1d_causal(%q: tensor<1x2x16x8xf32>, %k: tensor<1x1x16x8xf32>, %v: tensor<1x1x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [16], kernel = [5], stride = [2], causal = [1]>, normalizer = #attn.relu<norm = visible>} : tensor<1x2x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// IR-LABEL: func.func @nbhd2d_even
// IR: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {pattern = #attn.neighborhood<shape = [6, 5], kernel = [4, 2]>}
func.func @nbhd2d_even(%q: tensor<1x2x30x8xf32>, %k: tensor<1x1x30x8xf32>, %v: tensor<1x1x30x8xf32>) -> tensor<1x2x30x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [6, 5], kernel = [4, 2]>} : tensor<1x2x30x8xf32>, tensor<1x1x30x8xf32>, tensor<1x1x30x8xf32> -> tensor<1x2x30x8xf32>
  return %o : tensor<1x2x30x8xf32>
}

// IR-LABEL: func.func @nbhd3d_causal
// IR: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {normalizer = #attn.sigmoid, pattern = #attn.neighborhood<shape = [2, 8, 5], kernel = [2, 3, 2], dilation = [1, 1, 2], stride = [1, 2, 1], causal = [1, 0, 0]>}
func.func @nbhd3d_causal(%q: tensor<1x2x80x8xf32>, %k: tensor<1x1x80x8xf32>, %v: tensor<1x1x80x8xf32>) -> tensor<1x2x80x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [2, 8, 5], kernel = [2, 3, 2], dilation = [1, 1, 2], stride = [1, 2, 1], causal = [1, 0, 0]>, normalizer = #attn.sigmoid} : tensor<1x2x80x8xf32>, tensor<1x1x80x8xf32>, tensor<1x1x80x8xf32> -> tensor<1x2x80x8xf32>
  return %o : tensor<1x2x80x8xf32>
}

// IR-LABEL: func.func @block_sparse
// IR: attn.attention %{{.*}}, %{{.*}}, %{{.*}} {normalizer = #attn.softplus_l1, pattern = #attn.block_sparse<block = [4, 4], layout = dense<{{\[}}[true, false, false, true], [false, true, false, false], [true, true, true, false], [false, false, false, false]]> : tensor<4x4xi1>>}
func.func @block_sparse(%q: tensor<1x2x16x8xf32>, %k: tensor<1x1x16x8xf32>, %v: tensor<1x1x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.block_sparse<block = [4, 4], layout = dense<[[true, false, false, true], [false, true, false, false], [true, true, true, false], [false, false, false, false]]> : tensor<4x4xi1>>, normalizer = #attn.softplus_l1} : tensor<1x2x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}
