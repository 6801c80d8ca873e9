// Entries with dynamic sizes: attn-run specialises them to the sizes of the
// --input files, or of --shape for random inputs, before compiling. Sizes
// that are not tile multiples, checked against the naive oracle on the
// reference and cpu pipelines; sizes that do not fit together, or that are
// missing, are errors (exit code 2).
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=causal_gqa --shape=0:1x4x13x8,1:1x2x21x8,2:1x2x21x8 --check --oracle=naive | FileCheck %s --check-prefix=RANDOM
// RUN: attn-run %s --entry=causal_gqa --pipeline=cpu --shape=0:1x4x13x8,1:1x2x21x8,2:1x2x21x8 --check --oracle=naive | FileCheck %s --check-prefix=RANDOM
// RANDOM: result 0: tensor<1x4x13x8xf32>
// RANDOM: check: PASS

// The same entry at other sizes, from files (written by attn-run itself).
// RUN: attn-run %s --entry=make_q --output-dir=%t
// RUN: attn-run %s --entry=make_kv --output-dir=%t
// RUN: attn-run %s --entry=causal_gqa --pipeline=cpu --input=%t/make_q.result0.npy,%t/make_kv.result0.npy,%t/make_kv.result0.npy --check --oracle=naive | FileCheck %s --check-prefix=FILES
// FILES: result 0: tensor<1x4x5x8xf32>
// FILES: check: PASS

// RUN: not attn-run %s --entry=causal_gqa --shape=0:1x4x13x8,1:1x2x21x8,2:1x2x20x8 2>&1 | FileCheck %s --check-prefix=MISFIT
// MISFIT: attn-run: error: the sizes given to @causal_gqa do not fit together: 'attn.attention' op key length 21 differs from value length 20
// RUN: not attn-run %s --entry=causal_gqa --shape=0:1x4x13x8 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: attn-run: error: argument #1 of @causal_gqa has the dynamic type 'tensor<1x2x?x8xf32>': give its sizes with --input (a .npy file) or --shape=1:AxBx...
// RUN: not attn-run %s --entry=causal_gqa --shape=0:1x3x13x8,1:1x2x21x8,2:1x2x21x8 2>&1 | FileCheck %s --check-prefix=CONTRADICT
// CONTRADICT: attn-run: error: argument #0 of @causal_gqa has type 'tensor<1x4x?x8xf32>', which the sizes [1, 3, 13, 8] contradict
// RUN: not attn-run %s --entry=causal_gqa --shape=0:1x4x13 2>&1 | FileCheck %s --check-prefix=RANK
// RANK: attn-run: error: argument #0 of @causal_gqa has rank 4, but the sizes given are [1, 4, 13]
// RUN: not attn-run %s --entry=causal_gqa --shape=3:1x2,0:1xAx2 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: attn-run: error: --shape=3:1x2: expected ARG:AxBx... with ARG an argument index below 3 and sizes in [0, 2^40]
// RUN: attn-run %s --entry=causal_gqa --shape=0:1x4x13x8; test $? -eq 2

func.func @causal_gqa(%q: tensor<1x4x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x4x?x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x4x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x4x?x8xf32>
  return %o : tensor<1x4x?x8xf32>
}

// Random arrays of the sizes used above.
func.func @make_q(%x: tensor<1x4x5x8xf32>) -> tensor<1x4x5x8xf32> {
  return %x : tensor<1x4x5x8xf32>
}
func.func @make_kv(%x: tensor<1x2x9x8xf32>) -> tensor<1x2x9x8xf32> {
  return %x : tensor<1x2x9x8xf32>
}
