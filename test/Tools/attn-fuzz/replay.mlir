// attn-fuzz --replay runs the corpus chunks unmutated through every attn
// pass and pipeline. A valid op passes them all (no findings, exit 0); an
// input that crashes MLIR's own parser (an upstream bug: linalg.transpose
// uses a null attribute after "integer value too large") is counted apart,
// once per run, and is not a finding.
// RUN: attn-fuzz %s --replay --runs=28 --gpu-binary=off --jobs=2 | FileCheck %s
// RUN: not attn-fuzz %s --replay --runs=0 2>&1 | FileCheck %s --check-prefix=USAGE

// Each input goes through the 14 pipelines (the GPU binary one left out).
// CHECK: attn-fuzz: seed 1: 28 pass runs on 2 corpus and 0 generated inputs ({{[0-9]+}} succeeded, {{[0-9]+}} refused with a diagnostic, 14 crashed MLIR's parser), GPU binary pipeline left out, 2 jobs, {{.*}} s: 0 findings
// USAGE: attn-fuzz: error: --runs and --timeout must be positive

func.func @causal(%q: tensor<1x2x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

func.func @t(%x: tensor<4x8x16xf32>) -> tensor<4x16x8xf32> {
  %e = tensor.empty() : tensor<4x16x8xf32>
  %t = linalg.transpose ins(%x : tensor<4x8x16xf32>) outs(%e : tensor<4x16x8xf32>) permutation = [0, 2, 18446744073709551616]
  return %t : tensor<4x16x8xf32>
}
