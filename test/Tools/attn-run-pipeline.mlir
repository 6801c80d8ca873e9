// attn-run --pipeline takes the name of any registered pipeline; the short
// names reference, cpu, cuda and gpu-sim are aliases of
// attn-reference-pipeline, attn-cpu-pipeline, attn-gpu-pipeline and
// attn-gpu-sim-pipeline. A registered name runs what its alias runs.
// RUN: attn-run %s --pipeline=attn-cpu-pipeline --pipeline-options="num-threads=2" --seed=3 --check --oracle=naive | FileCheck %s --check-prefix=CPU
// RUN: attn-run %s --pipeline=attn-reference-pipeline --seed=3 --check | FileCheck %s --check-prefix=REF
// RUN: attn-run %s --pipeline=attn-gpu-sim-pipeline --seed=3 --check --oracle=naive | FileCheck %s --check-prefix=SIM
// The registered name and its alias give the same numbers.
// RUN: attn-run %s --pipeline=attn-cpu-pipeline --seed=5 | grep values > %t.registered
// RUN: attn-run %s --pipeline=cpu --seed=5 | grep values > %t.alias
// RUN: diff %t.registered %t.alias
// Options are checked against the registered pipeline's own.
// RUN: not attn-run %s --pipeline=attn-cpu-pipeline --pipeline-options="bogus=1" 2>&1 | FileCheck %s --check-prefix=BADOPT
// A name that is not registered, and a registered pipeline that does not
// lower to the LLVM dialect, are usage errors (exit code 2).
// RUN: not attn-run %s --pipeline=attn-no-such-pipeline 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: attn-run %s --pipeline=attn-no-such-pipeline; test $? -eq 2
// RUN: not attn-run %s --pipeline=attn-raise-pipeline 2>&1 | FileCheck %s --check-prefix=RAISE
// RUN: attn-run %s --pipeline=attn-raise-pipeline; test $? -eq 2
// --cuda-driver=sim goes with the GPU pipeline under either name.
// RUN: not attn-run %s --pipeline=attn-cpu-pipeline --cuda-driver=sim 2>&1 | FileCheck %s --check-prefix=DRIVER

// CPU: entry: @main (pipeline attn-cpu-pipeline)
// CPU: check: oracle=naive
// CPU: check: PASS
// REF: entry: @main (pipeline attn-reference-pipeline)
// REF: check: oracle=reference (same pipeline: smoke test only)
// REF: check: PASS
// SIM: gpu-sim: {{[1-9][0-9]*}} thread blocks simulated; kernels: attention
// SIM: entry: @main (pipeline attn-gpu-sim-pipeline)
// SIM: check: PASS
// BADOPT: attn-run: error: invalid --pipeline-options 'bogus=1' for pipeline 'attn-cpu-pipeline': <Pass-Options-Parser>: no such option bogus
// UNKNOWN: attn-run: error: unknown pipeline 'attn-no-such-pipeline' (expected a registered pipeline or one of the aliases reference, cpu, cuda or gpu-sim)
// RAISE: attn-run: error: pipeline 'attn-raise-pipeline' did not lower @main to an llvm.func
// DRIVER: attn-run: error: --cuda-driver=sim needs --pipeline=cuda (or --probe-cuda)

func.func @main(%q: tensor<1x2x24x16xf32>, %k: tensor<1x2x24x16xf32>, %v: tensor<1x2x24x16xf32>) -> tensor<1x2x24x16xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x2x24x16xf32>, tensor<1x2x24x16xf32>, tensor<1x2x24x16xf32> -> tensor<1x2x24x16xf32>
  return %o : tensor<1x2x24x16xf32>
}
