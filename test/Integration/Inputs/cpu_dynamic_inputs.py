"""Inputs of cpu-dynamic.mlir and gpu-dynamic.mlir: caches, query buffers
(three batch rows in q3, kc3, vc3), a bias, sinks and valid lengths or batch
counts (0-d int64, read as tensor<index>), written to argv[1]."""

import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(7)
arrays = {
    "q1": rng.uniform(-1, 1, (1, 8, 1, 32)),
    "q64": rng.uniform(-1, 1, (1, 4, 64, 32)),
    "kc": rng.uniform(-1, 1, (1, 2, 256, 32)),
    "vc": rng.uniform(-1, 1, (1, 2, 256, 32)),
    "bias": rng.uniform(-1, 1, (1, 1, 64, 256)),
    "sink": rng.uniform(-1, 1, (4,)),
    "q3": rng.uniform(-1, 1, (3, 4, 64, 32)),
    "kc3": rng.uniform(-1, 1, (3, 2, 256, 32)),
    "vc3": rng.uniform(-1, 1, (3, 2, 256, 32)),
}
for name, a in arrays.items():
    np.save(f"{out}/{name}.npy", a.astype(np.float32))
for n in (0, 1, 2, 3, 37, 64, 100, 203, 256):
    np.save(f"{out}/len{n}.npy", np.array(n, dtype=np.int64))
