// attn-run --pipeline=NAME: the registered pipeline that compiles the entry,
// or an alias (reference, cpu, cuda, gpu-sim); default 'reference'. The
// name is reported, and a pipeline that cannot run the entry is a usage error.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --seed=3 > %t/default.txt
// RUN: attn-run %s --seed=3 --pipeline=reference > %t/reference.txt
// RUN: diff %t/default.txt %t/reference.txt
// RUN: FileCheck %s --check-prefix=DEFAULT < %t/default.txt
// RUN: attn-run %s --seed=3 --pipeline=attn-reference-pipeline | sed 's/attn-reference-pipeline/reference/' | diff %t/default.txt -
// The fused pipelines, each against the naive oracle.
// RUN: attn-run %s --seed=3 --pipeline=cpu --check --oracle=naive | FileCheck %s --check-prefix=CPU
// RUN: attn-run %s --seed=3 --pipeline=gpu-sim --check --oracle=naive | FileCheck %s --check-prefix=SIM
// RUN: attn-run %s --seed=3 --pipeline=cpu --json | FileCheck %s --check-prefix=JSON
//
// Usage errors, exit code 2: an unknown name, a pipeline that does not lower
// to the LLVM dialect, an empty name.
// RUN: not attn-run %s --pipeline=fast 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: attn-run %s --pipeline=fast; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --pipeline=attn-raise-pipeline 2>&1 | FileCheck %s --check-prefix=RAISE
// RUN: attn-run %s --pipeline=attn-raise-pipeline; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --pipeline= 2>&1 | FileCheck %s --check-prefix=EMPTY

// DEFAULT: entry: @main (pipeline reference)
// DEFAULT-NEXT: result 0: tensor<1x1x8x8xf32>
// CPU: entry: @main (pipeline cpu)
// CPU: check: oracle=naive
// CPU-NEXT: result 0: {{.*}} PASS
// SIM: gpu-sim: {{[1-9][0-9]*}} thread blocks simulated; kernels: attention
// SIM-NEXT: entry: @main (pipeline gpu-sim)
// SIM: check: oracle=naive
// SIM-NEXT: result 0: {{.*}} PASS
// JSON: "pipeline":"cpu"

// UNKNOWN: attn-run: error: unknown pipeline 'fast' (expected a registered pipeline or one of the aliases reference, cpu, cuda or gpu-sim)
// RAISE: attn-run: error: pipeline 'attn-raise-pipeline' did not lower @main to an llvm.func
// EMPTY: attn-run: error: unknown pipeline ''
// RC2: rc=2

func.func @main(%q: tensor<1x1x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32> -> tensor<1x1x8x8xf32>
  return %o : tensor<1x1x8x8xf32>
}
