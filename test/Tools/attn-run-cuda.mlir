// attn-run --pipeline=cuda on a GPU: the fused kernels through the project's
// CUDA runtime, checked against the naive reference and the CPU pipeline,
// its options, timing and errors.
// REQUIRES: cuda
// RUN: attn-run --probe-cuda | FileCheck %s --check-prefix=PROBE
// RUN: attn-run %s --pipeline=cuda --seed=3 --check --oracle=naive | FileCheck %s --check-prefix=OK
// RUN: attn-run %s --pipeline=cuda --seed=3 --check --oracle=reference | FileCheck %s --check-prefix=OK
// RUN: attn-run %s --pipeline=cuda --pipeline-options="tile-q=32 tile-k=4" --seed=3 --check --oracle=naive | FileCheck %s --check-prefix=OK
// RUN: attn-run %s --pipeline=cuda --pipeline-options="format=isa" --seed=3 --check --oracle=naive | FileCheck %s --check-prefix=OK
// RUN: attn-run %s --pipeline=cuda --bench --repeat=3 --warmup=1 | FileCheck %s --check-prefix=BENCH
// RUN: not attn-run %s --pipeline=cuda --pipeline-options="bogus=1" 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: not attn-run %s --pipeline=cuda --pipeline-options="tile-q=48" 2>&1 | FileCheck %s --check-prefix=BADTILE
// The same results through the CPU pipeline, saved and compared.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --pipeline=cpu --seed=5 --output-dir=%t
// RUN: attn-run %s --pipeline=cuda --seed=5 --check-against=%t/main.result0.npy | FileCheck %s --check-prefix=OK

// PROBE: cuda: {{.+}}, sm_{{[0-9]+}}, driver {{[0-9.]+}}
// OK: entry: @main (pipeline cuda)
// OK-NOT: FAIL
// OK: check: PASS
// BENCH: bench: warmup=1 repeat=3 median={{[0-9.e+-]+}} ms
// BADOPT: attn-run: error: invalid --pipeline-options 'bogus=1' for pipeline 'cuda'
// BADTILE: error: convert-attn-to-gpu: tile-q (48) must be a positive multiple of 32
// BADTILE: attn-run: error: pipeline 'cuda' failed on

func.func @main(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x50x16xf32>, %v: tensor<1x2x50x16xf32>) -> tensor<1x2x40x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 8, right = 2, sinks = 1>}
      : tensor<1x2x40x16xf32>, tensor<1x2x50x16xf32>, tensor<1x2x50x16xf32> -> tensor<1x2x40x16xf32>
  return %o : tensor<1x2x40x16xf32>
}
