// attn-run --random-step=S: rounds the random float inputs down to multiples
// of S (in [0, 1]; default 0: continuous). The data is the same stream,
// only rounded: floor(x / S) * S of the continuous value. Integer inputs are
// not affected. @id returns its f64 argument exactly.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=id --json > %t/continuous.json
// RUN: attn-run %s --entry=id --json --random-step=0 > %t/zero.json
// RUN: diff %t/continuous.json %t/zero.json
// RUN: attn-run %s --entry=id --json --random-step=0.125 > %t/step.json
// RUN: %python -c "import json, math, sys; c, s = (json.load(open(f))['results'][0]['head'] for f in sys.argv[1:]); print(len(s), all(y == math.floor(x / 0.125) * 0.125 for x, y in zip(c, s)), all(x % 0.125 for x in c), all(-1 <= y < 1 for y in s))" %t/continuous.json %t/step.json | FileCheck %s --check-prefix=ROUNDED
// RUN: attn-run %s --entry=id --random-step=0.125 | FileCheck %s --check-prefix=EIGHTHS
// RUN: attn-run %s --entry=id | FileCheck %s --check-prefix=CONTINUOUS
// The largest step leaves -1 and 0.
// RUN: attn-run %s --entry=id --random-step=1 | FileCheck %s --check-prefix=ONE
// Integers are drawn as before.
// RUN: attn-run %s --entry=ints > %t/ints.txt
// RUN: attn-run %s --entry=ints --random-step=0.5 | diff %t/ints.txt -
//
// Out of range or not a number: exit code 2 and a clear message.
// RUN: not attn-run %s --entry=id --random-step=-0.25 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: attn-run %s --entry=id --random-step=-0.25; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --entry=id --random-step=1.5 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not attn-run %s --entry=id --random-step=nan 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not attn-run %s --entry=id --random-step=1/32 2>&1 | FileCheck %s --check-prefix=NOTNUM
// RUN: attn-run %s --entry=id --random-step=1/32; echo rc=$? | FileCheck %s --check-prefix=RC2

// ROUNDED: 8 True True True
// EIGHTHS: values: {{(-?(0|1|0\.125|0\.25|0\.375|0\.5|0\.625|0\.75|0\.875) ?){8}$}}
// CONTINUOUS: values: {{.*[0-9]\.[0-9][0-9][0-9][0-9]}}
// ONE: values: {{(-1|0)( -1| 0){7}$}}
// ONE-NEXT: min=-1 max=0 mean=
// RANGE: attn-run: error: --random-step must be a number in [0, 1]
// NOTNUM: attn-run: for the --random-step option: '1/32' value invalid for floating point argument!
// RC2: rc=2

func.func @id(%x: tensor<8xf64>) -> tensor<8xf64> {
  return %x : tensor<8xf64>
}
func.func @ints(%x: tensor<8xi32>, %b: tensor<8xi1>) -> (tensor<8xi32>, tensor<8xi1>) {
  return %x, %b : tensor<8xi32>, tensor<8xi1>
}
