// The stencil kernel of --convert-attn-to-cpu (non-causal neighborhoods with
// automatic tile sizes: each lane a query, each step one kernel offset, K
// transposed once so that a tile's consecutive queries read consecutive
// keys; tiles whose windows shift inward at a border gather) against the
// naive C++ reference: 1-D, 2-D and 3-D grids, dilation, stride, grids
// whose rows are not a multiple of the vector width, GQA, Dv != D, learned
// sinks, softcap, normalizers that count visible keys, the log-sum-exp; at
// the host's width and at 8 and 4 lanes.
// RUN: attn-opt %s --convert-attn-to-cpu | FileCheck %s --check-prefix=LOWERED
// LOWERED-COUNT-6: attn.stencil =
// LOWERED-NOT: attn.stencil =
// Each tile's scores by its class: consecutive lanes (one load), a border's
// shifted lanes (loads and a constant shuffle), or a gather (the 3-D grid's
// tiles that span two grid rows with shifted windows).
// RUN: attn-opt %s --convert-attn-to-cpu | FileCheck %s --check-prefix=KINDS
// KINDS-DAG: scf.index_switch
// KINDS-DAG: vector.shuffle
// KINDS-DAG: vector.gather
// KINDS-DAG: memref.global "private" constant @__attn_cpu_stencil_deltas
// RUN: attn-opt %s --convert-attn-to-cpu="stencil=false" | FileCheck %s --check-prefix=TILED
// TILED-NOT: attn.stencil
// TILED-NOT: __attn_cpu_stencil
//
// RUN: attn-run %s --pipeline=cpu --entry=nbhd2d_dilated --seed=1 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --entry=nbhd2d_ragged_gqa_sink --seed=2 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --entry=nbhd1d_relu_visible --seed=3 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --entry=nbhd3d_sigmoid --seed=4 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --entry=nbhd2d_stride_lse --seed=5 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --entry=nbhd2d_softcap_dv --seed=6 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --pipeline-options="isa=avx2" --entry=nbhd2d_ragged_gqa_sink --seed=2 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --pipeline-options="isa=generic" --entry=nbhd2d_ragged_gqa_sink --seed=2 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --pipeline-options="isa=generic" --entry=nbhd3d_sigmoid --seed=4 --check --oracle=naive | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --pipeline-options="isa=avx2" --entry=nbhd2d_stride_lse --seed=5 --check --oracle=naive | FileCheck %s
// CHECK: check: oracle=naive
// CHECK-NOT: FAIL
// CHECK: check: PASS
//
// Not stencils, or not taken by the stencil kernel: a causal neighborhood
// (its first rows see fewer keys), a bias (read per key), explicit tiles.
// RUN: attn-opt %s --convert-attn-to-cpu | FileCheck %s --check-prefix=OTHERS
// OTHERS-LABEL: func.func @causal_nbhd(
// OTHERS-NOT: attn.stencil
// OTHERS: attn.tiles
// OTHERS-LABEL: func.func @nbhd_bias(
// OTHERS-NOT: attn.stencil
// OTHERS: attn.tiles
// RUN: attn-opt %s --convert-attn-to-cpu="tile-q=16 tile-k=16" | FileCheck %s --check-prefix=TILED
// The row bases count against max-table-bytes (8 bytes a row while planned).
// RUN: attn-opt %s --convert-attn-to-cpu="max-table-bytes=500" 2>/dev/null | FileCheck %s --check-prefix=TILED

// 16 x 16 tokens, 5 x 5 windows of dilation 2: 25 keys a row.
func.func @nbhd2d_dilated(%q: tensor<1x2x256x16xf32>, %k: tensor<1x2x256x16xf32>, %v: tensor<1x2x256x16xf32>) -> tensor<1x2x256x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [16, 16], kernel = [5, 5], dilation = [2, 2]>}
      : tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32>, tensor<1x2x256x16xf32> -> tensor<1x2x256x16xf32>
  return %o : tensor<1x2x256x16xf32>
}

// 9 x 11 tokens (99 rows: the last tile is partial), GQA 4 / 2, learned
// sinks, batch 2.
func.func @nbhd2d_ragged_gqa_sink(%q: tensor<2x4x99x8xf32>, %k: tensor<2x2x99x8xf32>, %v: tensor<2x2x99x8xf32>, %s: tensor<4xf32>) -> tensor<2x4x99x8xf32> {
  %o = attn.attention %q, %k, %v sink(%s : tensor<4xf32>) {pattern = #attn.neighborhood<shape = [9, 11], kernel = [3, 3]>, normalizer = #attn.softmax<sink = learned>}
      : tensor<2x4x99x8xf32>, tensor<2x2x99x8xf32>, tensor<2x2x99x8xf32> -> tensor<2x4x99x8xf32>
  return %o : tensor<2x4x99x8xf32>
}

// 1-D, 70 tokens, kernel 7, dilation 3; ReLU normalised by the visible count.
func.func @nbhd1d_relu_visible(%q: tensor<1x2x70x16xf32>, %k: tensor<1x2x70x16xf32>, %v: tensor<1x2x70x16xf32>) -> tensor<1x2x70x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [70], kernel = [7], dilation = [3]>, normalizer = #attn.relu<norm = visible>}
      : tensor<1x2x70x16xf32>, tensor<1x2x70x16xf32>, tensor<1x2x70x16xf32> -> tensor<1x2x70x16xf32>
  return %o : tensor<1x2x70x16xf32>
}

// 3-D, 6 x 7 x 8 tokens, 3 x 3 x 3 windows; sigmoid.
func.func @nbhd3d_sigmoid(%q: tensor<1x1x336x8xf32>, %k: tensor<1x1x336x8xf32>, %v: tensor<1x1x336x8xf32>) -> tensor<1x1x336x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [6, 7, 8], kernel = [3, 3, 3]>, normalizer = #attn.sigmoid}
      : tensor<1x1x336x8xf32>, tensor<1x1x336x8xf32>, tensor<1x1x336x8xf32> -> tensor<1x1x336x8xf32>
  return %o : tensor<1x1x336x8xf32>
}

// Stride 2 (pairs of queries share a window), with the log-sum-exp.
func.func @nbhd2d_stride_lse(%q: tensor<1x2x144x8xf32>, %k: tensor<1x2x144x8xf32>, %v: tensor<1x2x144x8xf32>) -> (tensor<1x2x144x8xf32>, tensor<1x2x144xf32>) {
  %o, %lse = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [12, 12], kernel = [3, 3], stride = [2, 2]>}
      : tensor<1x2x144x8xf32>, tensor<1x2x144x8xf32>, tensor<1x2x144x8xf32> -> tensor<1x2x144x8xf32>, tensor<1x2x144xf32>
  return %o, %lse : tensor<1x2x144x8xf32>, tensor<1x2x144xf32>
}

// Softcap, Dv (24) != D (16), kernel 5 x 3.
func.func @nbhd2d_softcap_dv(%q: tensor<1x2x160x16xf32>, %k: tensor<1x2x160x16xf32>, %v: tensor<1x2x160x24xf32>) -> tensor<1x2x160x24xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [10, 16], kernel = [5, 3]>, softcap = 5.0 : f32}
      : tensor<1x2x160x16xf32>, tensor<1x2x160x16xf32>, tensor<1x2x160x24xf32> -> tensor<1x2x160x24xf32>
  return %o : tensor<1x2x160x24xf32>
}

func.func @causal_nbhd(%q: tensor<1x1x256x8xf32>, %k: tensor<1x1x256x8xf32>, %v: tensor<1x1x256x8xf32>) -> tensor<1x1x256x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.neighborhood<shape = [16, 16], kernel = [3, 3], causal = [1, 1]>}
      : tensor<1x1x256x8xf32>, tensor<1x1x256x8xf32>, tensor<1x1x256x8xf32> -> tensor<1x1x256x8xf32>
  return %o : tensor<1x1x256x8xf32>
}

func.func @nbhd_bias(%q: tensor<1x1x256x8xf32>, %k: tensor<1x1x256x8xf32>, %v: tensor<1x1x256x8xf32>, %b: tensor<256x256xf32>) -> tensor<1x1x256x8xf32> {
  %o = attn.attention %q, %k, %v bias(%b : tensor<256x256xf32>) {pattern = #attn.neighborhood<shape = [16, 16], kernel = [3, 3]>}
      : tensor<1x1x256x8xf32>, tensor<1x1x256x8xf32>, tensor<1x1x256x8xf32> -> tensor<1x1x256x8xf32>
  return %o : tensor<1x1x256x8xf32>
}
