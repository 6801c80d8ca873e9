// Attention with dynamic sizes, compiled once: the fused CPU kernel plans
// its tiles at run time. The entries take full key/value caches and the
// number of valid keys (and query rows) as index tensors, so the attention
// inside sees `?` lengths whatever sizes attn-run specialises the entry to;
// each is checked against the reference pipeline on the same inputs.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/cpu_dynamic_inputs.py %t
// RUN: attn-opt %s --convert-attn-to-cpu="num-threads=1" 2>&1 | FileCheck %s --check-prefix=LOWERED
// LOWERED-NOT: remark
// LOWERED-NOT: attn.attention
// LOWERED: cf.assert {{.*}} "attn.attention at {{.*}}: the value's length differs from the key's"
//
// RUN: attn-run %s --pipeline=cpu --entry=decode --input=%t/q1.npy,%t/kc.npy,%t/vc.npy,%t/len203.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --entry=decode --input=%t/q1.npy,%t/kc.npy,%t/vc.npy,%t/len1.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --pipeline-options="tile-q=16 tile-k=8 num-threads=2" --entry=decode --input=%t/q1.npy,%t/kc.npy,%t/vc.npy,%t/len256.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --entry=chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/sink.npy,%t/len37.npy,%t/len203.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --pipeline-options="tile-q=16 tile-k=8 num-threads=2" --entry=chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/sink.npy,%t/len64.npy,%t/len64.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --entry=window_bias --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/bias.npy,%t/len37.npy,%t/len203.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --pipeline-options="tile-q=16 tile-k=8 num-threads=2" --entry=window_bias --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/bias.npy,%t/len64.npy,%t/len100.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --entry=bf16_chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/len37.npy,%t/len203.npy --check --oracle=reference --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %s --pipeline=cpu --entry=bf16_chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/len1.npy,%t/len1.npy --check --oracle=reference --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: check: PASS
//
// Lengths that do not fit together stop the program with the op's message
// (exit status 1, no crash report).
// RUN: not attn-run %s --pipeline=cpu --entry=mismatch --input=%t/q1.npy,%t/kc.npy,%t/vc.npy,%t/len203.npy,%t/len100.npy 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: attn.attention at {{.*}}cpu-dynamic.mlir{{.*}}: the value's length differs from the key's
// BAD-NEXT: error: a run-time check of the compiled code failed (its message is above); stopping
// BAD-NOT: PLEASE submit

// Decoding: one query row per head against the first %len keys of a cache
// (GQA 8 / 2, causal: the row sees every valid key).
func.func @decode(%q: tensor<1x8x1x32xf32>, %kc: tensor<1x2x256x32xf32>, %vc: tensor<1x2x256x32xf32>, %len: tensor<index>) -> tensor<1x8x1x32xf32> {
  %n = tensor.extract %len[] : tensor<index>
  %k = tensor.extract_slice %kc[0, 0, 0, 0] [1, 2, %n, 32] [1, 1, 1, 1] : tensor<1x2x256x32xf32> to tensor<1x2x?x32xf32>
  %v = tensor.extract_slice %vc[0, 0, 0, 0] [1, 2, %n, 32] [1, 1, 1, 1] : tensor<1x2x256x32xf32> to tensor<1x2x?x32xf32>
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x8x1x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32> -> tensor<1x8x1x32xf32>
  return %o : tensor<1x8x1x32xf32>
}

// A chunk of %m new rows over %len keys (causal, bottom-right), learned
// sinks, with its log-sum-exp; rows past %m stay zero.
func.func @chunk(%qc: tensor<1x4x64x32xf32>, %kc: tensor<1x2x256x32xf32>, %vc: tensor<1x2x256x32xf32>, %s: tensor<4xf32>, %mlen: tensor<index>, %len: tensor<index>) -> (tensor<1x4x64x32xf32>, tensor<1x4x64xf32>) {
  %m = tensor.extract %mlen[] : tensor<index>
  %n = tensor.extract %len[] : tensor<index>
  %q = tensor.extract_slice %qc[0, 0, 0, 0] [1, 4, %m, 32] [1, 1, 1, 1] : tensor<1x4x64x32xf32> to tensor<1x4x?x32xf32>
  %k = tensor.extract_slice %kc[0, 0, 0, 0] [1, 2, %n, 32] [1, 1, 1, 1] : tensor<1x2x256x32xf32> to tensor<1x2x?x32xf32>
  %v = tensor.extract_slice %vc[0, 0, 0, 0] [1, 2, %n, 32] [1, 1, 1, 1] : tensor<1x2x256x32xf32> to tensor<1x2x?x32xf32>
  %o, %lse = attn.attention %q, %k, %v sink(%s : tensor<4xf32>) {pattern = #attn.causal, normalizer = #attn.softmax<sink = learned>}
      : tensor<1x4x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32> -> tensor<1x4x?x32xf32>, tensor<1x4x?xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x64x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x64x32xf32>) -> tensor<1x4x64x32xf32>
  %r = tensor.insert_slice %o into %z[0, 0, 0, 0] [1, 4, %m, 32] [1, 1, 1, 1] : tensor<1x4x?x32xf32> into tensor<1x4x64x32xf32>
  %el = tensor.empty() : tensor<1x4x64xf32>
  %zl = linalg.fill ins(%zero : f32) outs(%el : tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  %rl = tensor.insert_slice %lse into %zl[0, 0, 0] [1, 4, %m] [1, 1, 1] : tensor<1x4x?xf32> into tensor<1x4x64xf32>
  return %r, %rl : tensor<1x4x64x32xf32>, tensor<1x4x64xf32>
}

// A window with sink tokens and a bias whose sizes are dynamic too.
func.func @window_bias(%qc: tensor<1x4x64x32xf32>, %kc: tensor<1x2x256x32xf32>, %vc: tensor<1x2x256x32xf32>, %bc: tensor<1x1x64x256xf32>, %mlen: tensor<index>, %len: tensor<index>) -> tensor<1x4x64x32xf32> {
  %m = tensor.extract %mlen[] : tensor<index>
  %n = tensor.extract %len[] : tensor<index>
  %q = tensor.extract_slice %qc[0, 0, 0, 0] [1, 4, %m, 32] [1, 1, 1, 1] : tensor<1x4x64x32xf32> to tensor<1x4x?x32xf32>
  %k = tensor.extract_slice %kc[0, 0, 0, 0] [1, 2, %n, 32] [1, 1, 1, 1] : tensor<1x2x256x32xf32> to tensor<1x2x?x32xf32>
  %v = tensor.extract_slice %vc[0, 0, 0, 0] [1, 2, %n, 32] [1, 1, 1, 1] : tensor<1x2x256x32xf32> to tensor<1x2x?x32xf32>
  %b = tensor.extract_slice %bc[0, 0, 0, 0] [1, 1, %m, %n] [1, 1, 1, 1] : tensor<1x1x64x256xf32> to tensor<1x1x?x?xf32>
  %o = attn.attention %q, %k, %v bias(%b : tensor<1x1x?x?xf32>) {pattern = #attn.window<left = 30, right = 1, sinks = 4>}
      : tensor<1x4x?x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32> -> tensor<1x4x?x32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x64x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x64x32xf32>) -> tensor<1x4x64x32xf32>
  %r = tensor.insert_slice %o into %z[0, 0, 0, 0] [1, 4, %m, 32] [1, 1, 1, 1] : tensor<1x4x?x32xf32> into tensor<1x4x64x32xf32>
  return %r : tensor<1x4x64x32xf32>
}

// bf16 (Q K^T and P V as bf16 dot products where the host has them; V is
// then packed as pairs of keys at run time), rounded from f32 inside.
func.func @bf16_chunk(%q32: tensor<1x4x64x32xf32>, %kc32: tensor<1x2x256x32xf32>, %vc32: tensor<1x2x256x32xf32>, %mlen: tensor<index>, %len: tensor<index>) -> tensor<1x4x64x32xf32> {
  %m = tensor.extract %mlen[] : tensor<index>
  %n = tensor.extract %len[] : tensor<index>
  %qc = arith.truncf %q32 : tensor<1x4x64x32xf32> to tensor<1x4x64x32xbf16>
  %kc = arith.truncf %kc32 : tensor<1x2x256x32xf32> to tensor<1x2x256x32xbf16>
  %vc = arith.truncf %vc32 : tensor<1x2x256x32xf32> to tensor<1x2x256x32xbf16>
  %q = tensor.extract_slice %qc[0, 0, 0, 0] [1, 4, %m, 32] [1, 1, 1, 1] : tensor<1x4x64x32xbf16> to tensor<1x4x?x32xbf16>
  %k = tensor.extract_slice %kc[0, 0, 0, 0] [1, 2, %n, 32] [1, 1, 1, 1] : tensor<1x2x256x32xbf16> to tensor<1x2x?x32xbf16>
  %v = tensor.extract_slice %vc[0, 0, 0, 0] [1, 2, %n, 32] [1, 1, 1, 1] : tensor<1x2x256x32xbf16> to tensor<1x2x?x32xbf16>
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 40, sinks = 2>}
      : tensor<1x4x?x32xbf16>, tensor<1x2x?x32xbf16>, tensor<1x2x?x32xbf16> -> tensor<1x4x?x32xbf16>
  %o32 = arith.extf %o : tensor<1x4x?x32xbf16> to tensor<1x4x?x32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x64x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x64x32xf32>) -> tensor<1x4x64x32xf32>
  %r = tensor.insert_slice %o32 into %z[0, 0, 0, 0] [1, 4, %m, 32] [1, 1, 1, 1] : tensor<1x4x?x32xf32> into tensor<1x4x64x32xf32>
  return %r : tensor<1x4x64x32xf32>
}

// Keys and values of different lengths.
func.func @mismatch(%q: tensor<1x8x1x32xf32>, %kc: tensor<1x2x256x32xf32>, %vc: tensor<1x2x256x32xf32>, %klen: tensor<index>, %vlen: tensor<index>) -> tensor<1x8x1x32xf32> {
  %nk = tensor.extract %klen[] : tensor<index>
  %nv = tensor.extract %vlen[] : tensor<index>
  %k = tensor.extract_slice %kc[0, 0, 0, 0] [1, 2, %nk, 32] [1, 1, 1, 1] : tensor<1x2x256x32xf32> to tensor<1x2x?x32xf32>
  %v = tensor.extract_slice %vc[0, 0, 0, 0] [1, 2, %nv, 32] [1, 1, 1, 1] : tensor<1x2x256x32xf32> to tensor<1x2x?x32xf32>
  %o = attn.attention %q, %k, %v : tensor<1x8x1x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32> -> tensor<1x8x1x32xf32>
  return %o : tensor<1x8x1x32xf32>
}
