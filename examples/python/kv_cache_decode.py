"""KV-cache decoding through the runner, compiled once: a prefill of a prompt,
then one token at a time against a cache that grows in place.

    PYTHONPATH=build/python_packages python3 examples/python/kv_cache_decode.py

The attention step below takes a fixed-capacity cache and the number of
valid keys (and of new query rows) as index tensors, so inside it the
attention has dynamic lengths and `--attn-cpu-pipeline` plans its tiles at
run time (docs/CPUCodegen.md, "Run-time plans"): one compiled function
serves the prefill and every decode step. Queries, keys and values are
random (a stand-in for a model's projections); each step is checked against
a float64 numpy reference. Exits non-zero when a step is off by more than
1e-4.
"""

import sys

import numpy as np

import attn_mlir

HQ, HKV, D = 8, 2, 64          # grouped-query heads: 4 query heads per KV head
CAPACITY, CHUNK = 256, 32      # cache slots, largest number of new rows a call takes

STEP = f"""
func.func @attend(%qbuf: tensor<1x{HQ}x{CHUNK}x{D}xf32>, %rows: tensor<index>,
                  %kc: tensor<1x{HKV}x{CAPACITY}x{D}xf32>,
                  %vc: tensor<1x{HKV}x{CAPACITY}x{D}xf32>,
                  %len: tensor<index>) -> tensor<1x{HQ}x{CHUNK}x{D}xf32> {{
  %m = tensor.extract %rows[] : tensor<index>
  %n = tensor.extract %len[] : tensor<index>
  %q = tensor.extract_slice %qbuf[0, 0, 0, 0] [1, {HQ}, %m, {D}] [1, 1, 1, 1]
      : tensor<1x{HQ}x{CHUNK}x{D}xf32> to tensor<1x{HQ}x?x{D}xf32>
  %k = tensor.extract_slice %kc[0, 0, 0, 0] [1, {HKV}, %n, {D}] [1, 1, 1, 1]
      : tensor<1x{HKV}x{CAPACITY}x{D}xf32> to tensor<1x{HKV}x?x{D}xf32>
  %v = tensor.extract_slice %vc[0, 0, 0, 0] [1, {HKV}, %n, {D}] [1, 1, 1, 1]
      : tensor<1x{HKV}x{CAPACITY}x{D}xf32> to tensor<1x{HKV}x?x{D}xf32>
  // The new rows are the last %m positions of %n: causal, bottom-right.
  %o = attn.attention %q, %k, %v {{pattern = #attn.causal}}
      : tensor<1x{HQ}x?x{D}xf32>, tensor<1x{HKV}x?x{D}xf32>, tensor<1x{HKV}x?x{D}xf32>
      -> tensor<1x{HQ}x?x{D}xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x{HQ}x{CHUNK}x{D}xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x{HQ}x{CHUNK}x{D}xf32>)
      -> tensor<1x{HQ}x{CHUNK}x{D}xf32>
  %r = tensor.insert_slice %o into %z[0, 0, 0, 0] [1, {HQ}, %m, {D}] [1, 1, 1, 1]
      : tensor<1x{HQ}x?x{D}xf32> into tensor<1x{HQ}x{CHUNK}x{D}xf32>
  return %r : tensor<1x{HQ}x{CHUNK}x{D}xf32>
}}
"""


def reference(q, k, v):
    """Causal (bottom-right) GQA attention in float64: q is 1 x HQ x m x D,
    k and v 1 x HKV x n x D."""
    m, n = q.shape[2], k.shape[2]
    k = np.repeat(k.astype(np.float64), HQ // HKV, axis=1)
    v = np.repeat(v.astype(np.float64), HQ // HKV, axis=1)
    s = q.astype(np.float64) @ k.swapaxes(-1, -2) / np.sqrt(D)
    visible = np.arange(n)[None, :] <= np.arange(m)[:, None] + (n - m)
    s = np.where(visible, s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)) @ v


def main(prompt=24, steps=16, seed=0):
    step = attn_mlir.compile(STEP, entry="attend", pipeline="cpu")
    rng = np.random.default_rng(seed)
    kc = np.zeros((1, HKV, CAPACITY, D), np.float32)
    vc = np.zeros((1, HKV, CAPACITY, D), np.float32)
    qbuf = np.zeros((1, HQ, CHUNK, D), np.float32)
    length, worst = 0, 0.0
    for rows in [prompt] + [1] * steps:
        # This call's new queries, keys and values; keys and values are
        # appended to the cache.
        q = rng.uniform(-1, 1, (1, HQ, rows, D)).astype(np.float32)
        kc[:, :, length:length + rows] = rng.uniform(-1, 1, (1, HKV, rows, D))
        vc[:, :, length:length + rows] = rng.uniform(-1, 1, (1, HKV, rows, D))
        length += rows
        qbuf[:, :, :rows] = q
        out = step(qbuf, np.array(rows), kc, vc, np.array(length))
        want = reference(q, kc[:, :, :length], vc[:, :, :length])
        err = float(np.abs(out[:, :, :rows] - want).max())
        worst = max(worst, err)
        kind = "prefill" if rows > 1 else "decode"
        print(f"{kind:7s} rows={rows:2d} keys={length:3d} max_abs_err={err:.2e}")
    print(f"{steps} decode steps after a {prompt}-token prefill, one compiled "
          f"function: worst max_abs_err={worst:.2e}")
    return worst


if __name__ == "__main__":
    sys.exit(0 if main() <= 1e-4 else 1)
