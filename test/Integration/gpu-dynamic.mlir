// Attention with dynamic sizes on the fused GPU kernels, compiled once and
// run by attn-run's GPU simulator against the reference pipeline: the
// entries of cpu-dynamic.mlir (full key/value caches and the number of valid
// keys and query rows as index tensors, so the attention sees `?` lengths
// whatever sizes attn-run specialises the entry to), and here a batch whose
// row count is known at run time too. The kernels read B, Lq and Lk from
// their buffers and plan their tiles at run time; the host counts the query
// tiles of the grid.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/cpu_dynamic_inputs.py %t
// RUN: attn-opt %S/cpu-dynamic.mlir --convert-attn-to-gpu 2>&1 | FileCheck %s --check-prefix=LOWERED
// RUN: attn-opt %s --convert-attn-to-gpu 2>&1 | FileCheck %s --check-prefix=BATCH
// LOWERED-NOT: remark
// LOWERED-NOT: attn.attention
// LOWERED: func.func private @__attn_gpu_launch{{.*}}(memref<1x4x?x32xbf16>, memref<1x2x?x32xbf16>, memref<1x2x?x32xbf16>, memref<1x4x?x32xbf16>, index) attributes {attn.gpu.block = array<i64: 128, 1, 1>, attn.gpu.grid = array<i64: -9223372036854775808, 4, 1>
// LOWERED: cf.assert {{.*}} "attn.attention at {{.*}}: the value's length differs from the key's"
// LOWERED: %[[TILES:.*]] = arith.ceildivui %{{.*}}, %c64
// LOWERED: cf.assert {{.*}} "attn.attention at {{.*}}: the query tiles exceed the GPU grid's limit (2147483647)"
// LOWERED: call @__attn_gpu_launch{{.*}}, %[[TILES]]) :
// LOWERED: gpu.func @attention{{.*}}(%[[Q:[^:]*]]: memref<1x4x?x32xf32>, %[[K:[^:]*]]: memref<1x2x?x32xf32>,
// LOWERED: memref.dim %[[Q]], %c2
// LOWERED: memref.dim %[[K]], %c2
// BATCH-NOT: remark
// BATCH: cf.assert {{.*}} "attn.attention at {{.*}}: the batch rows exceed the GPU grid's limit (65535)"
// BATCH: gpu.func @attention(%[[Q:[^:]*]]: memref<?x4x?x32xf32>,
// BATCH: memref.dim %[[Q]], %c0
//
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=gpu-sim --entry=decode --input=%t/q1.npy,%t/kc.npy,%t/vc.npy,%t/len203.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=gpu-sim --entry=decode --input=%t/q1.npy,%t/kc.npy,%t/vc.npy,%t/len1.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=gpu-sim --pipeline-options="tile-q=32 tile-k=8" --entry=decode --input=%t/q1.npy,%t/kc.npy,%t/vc.npy,%t/len256.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=gpu-sim --entry=chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/sink.npy,%t/len37.npy,%t/len203.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=gpu-sim --pipeline-options="tile-q=32 tile-k=8" --entry=chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/sink.npy,%t/len64.npy,%t/len64.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=gpu-sim --entry=window_bias --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/bias.npy,%t/len37.npy,%t/len203.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=gpu-sim --pipeline-options="tile-q=32 tile-k=8" --entry=window_bias --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/bias.npy,%t/len64.npy,%t/len100.npy --check --oracle=reference | FileCheck %s
// Tensor cores (mma.sync), and wgmma on sm_90a, on ragged run-time sizes.
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=gpu-sim --entry=bf16_chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/len37.npy,%t/len203.npy --check --oracle=reference --atol=4e-3 --rtol=1.6e-2 | FileCheck %s --check-prefixes=CHECK,MMA
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=gpu-sim --entry=bf16_chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/len1.npy,%t/len1.npy --check --oracle=reference --atol=4e-3 --rtol=1.6e-2 | FileCheck %s --check-prefixes=CHECK,MMA
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=gpu-sim --pipeline-options="chip=sm_90a wgmma=true" --entry=bf16_chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/len37.npy,%t/len203.npy --check --oracle=reference --atol=4e-3 --rtol=1.6e-2 | FileCheck %s --check-prefixes=CHECK,WG
// No query rows: an empty grid, which launches nothing.
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=gpu-sim --entry=chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/sink.npy,%t/len0.npy,%t/len203.npy --check --oracle=reference | FileCheck %s --check-prefix=EMPTY
// A run-time batch (2 of 3 rows, then 3) with run-time lengths.
// RUN: attn-run %s --pipeline=gpu-sim --entry=batch --input=%t/q3.npy,%t/kc3.npy,%t/vc3.npy,%t/len2.npy,%t/len37.npy,%t/len100.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=32 tile-k=16" --entry=batch --input=%t/q3.npy,%t/kc3.npy,%t/vc3.npy,%t/len3.npy,%t/len64.npy,%t/len203.npy --check --oracle=reference | FileCheck %s
// CHECK-NOT: FAIL
// MMA: gpu-sim: {{.*}} thread blocks simulated; kernels: attention (mma.m16n8k16.bf16)
// WG: gpu-sim: {{.*}} thread blocks simulated; kernels: attention (wgmma.m64n32k16.bf16)
// CHECK: check: PASS
// EMPTY: gpu-sim: 0 thread blocks simulated; kernels: {{$}}
// EMPTY: check: PASS
//
// Lengths that do not fit together stop the program with the op's message.
// RUN: not attn-run %S/cpu-dynamic.mlir --pipeline=gpu-sim --entry=mismatch --input=%t/q1.npy,%t/kc.npy,%t/vc.npy,%t/len203.npy,%t/len100.npy 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: attn.attention at {{.*}}cpu-dynamic.mlir{{.*}}: the value's length differs from the key's
// BAD-NEXT: error: a run-time check of the compiled code failed (its message is above); stopping
// BAD-NOT: PLEASE submit

// The first %nb batch rows, %m query rows over %n keys, causal (bottom-right).
func.func @batch(%qc: tensor<3x4x64x32xf32>, %kc: tensor<3x2x256x32xf32>, %vc: tensor<3x2x256x32xf32>, %bl: tensor<index>, %ml: tensor<index>, %nl: tensor<index>) -> tensor<3x4x64x32xf32> {
  %nb = tensor.extract %bl[] : tensor<index>
  %m = tensor.extract %ml[] : tensor<index>
  %n = tensor.extract %nl[] : tensor<index>
  %q = tensor.extract_slice %qc[0, 0, 0, 0] [%nb, 4, %m, 32] [1, 1, 1, 1] : tensor<3x4x64x32xf32> to tensor<?x4x?x32xf32>
  %k = tensor.extract_slice %kc[0, 0, 0, 0] [%nb, 2, %n, 32] [1, 1, 1, 1] : tensor<3x2x256x32xf32> to tensor<?x2x?x32xf32>
  %v = tensor.extract_slice %vc[0, 0, 0, 0] [%nb, 2, %n, 32] [1, 1, 1, 1] : tensor<3x2x256x32xf32> to tensor<?x2x?x32xf32>
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32> -> tensor<?x4x?x32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4x64x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x4x64x32xf32>) -> tensor<3x4x64x32xf32>
  %r = tensor.insert_slice %o into %z[0, 0, 0, 0] [%nb, 4, %m, 32] [1, 1, 1, 1] : tensor<?x4x?x32xf32> into tensor<3x4x64x32xf32>
  return %r : tensor<3x4x64x32xf32>
}
