// attn-run --seed=N: the seed of the random inputs (default 0). The same
// seed gives the same data in every run; each argument has its own stream;
// floats are uniform in [-1, 1), integers in [0, 8), i1 in {0, 1}.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s > %t/default.txt
// RUN: attn-run %s --seed=0 > %t/seed0.txt
// RUN: attn-run %s --seed=7 > %t/seed7.txt
// RUN: attn-run %s --seed=7 > %t/seed7-again.txt
// RUN: diff %t/default.txt %t/seed0.txt
// RUN: diff %t/seed7.txt %t/seed7-again.txt
// RUN: not diff %t/seed0.txt %t/seed7.txt
// RUN: FileCheck %s --check-prefix=STREAMS < %t/seed7.txt
// RUN: attn-run %s --seed=7 --json | FileCheck %s --check-prefix=JSON
// The whole unsigned 64-bit range is accepted.
// RUN: attn-run %s --seed=18446744073709551615 --json | FileCheck %s --check-prefix=MAX
//
// Not an unsigned 64-bit number: exit code 2 and a clear message.
// RUN: not attn-run %s --seed=-1 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: attn-run %s --seed=-1; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --seed=18446744073709551616 2>&1 | FileCheck %s --check-prefix=BIG
// RUN: attn-run %s --seed=18446744073709551616; echo rc=$? | FileCheck %s --check-prefix=RC2

// Arguments 0 and 1 have the same type but not the same data.
// STREAMS: result 0: tensor<8xf32>
// STREAMS-NEXT: values: [[FIRST:.+]]
// STREAMS-NEXT: min={{-?0(\.[0-9]+)?}} max={{-?0(\.[0-9]+)?}} mean=
// STREAMS-NEXT: result 1: tensor<8xf32>
// STREAMS-NOT: [[FIRST]]
// STREAMS: result 2: tensor<16xi32>
// STREAMS-NEXT: values: {{([0-7] ){8}[.]}}.. (16 elements)
// STREAMS-NEXT: min={{[0-7]}} max={{[0-7]}} mean=
// STREAMS-NEXT: result 3: tensor<16xi1>
// STREAMS-NEXT: values: {{([01] ){8}[.]}}.. (16 elements)
// STREAMS-NEXT: min=0 max=1 mean=

// JSON: "inputs":[{{.*}}"source":"random(seed=7)"{{.*}}"source":"random(seed=7)"{{.*}}"source":"random(seed=7)"{{.*}}"source":"random(seed=7)"
// JSON-SAME: "seed":7
// MAX: "source":"random(seed=18446744073709551615)"
// MAX-SAME: "seed":18446744073709551615

// NEG: attn-run: for the --seed option: '-1' value invalid for ulong argument!
// NEG: attn-run: error: invalid command line (see --help)
// BIG: attn-run: for the --seed option: '18446744073709551616' value invalid for ulong argument!
// RC2: rc=2

func.func @main(%a: tensor<8xf32>, %b: tensor<8xf32>, %i: tensor<16xi32>, %m: tensor<16xi1>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<16xi32>, tensor<16xi1>) {
  return %a, %b, %i, %m : tensor<8xf32>, tensor<8xf32>, tensor<16xi32>, tensor<16xi1>
}
