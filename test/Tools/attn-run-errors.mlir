// attn-run rejects bad input with a clear message and exit code 2.
// Arrays for the input checks are written by attn-run itself.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=attn --output-dir=%t | FileCheck %s --check-prefix=SAVED
// RUN: attn-run %s --entry=short --output-dir=%t
// RUN: attn-run %s --entry=wide --output-dir=%t
// SAVED: result 0: tensor<1x2x4x8xf32> -> {{.*}}attn.result0.npy

// A correct run from the saved arrays succeeds.
// RUN: attn-run %s --entry=attn --input=%t/attn.result0.npy,%t/attn.result0.npy,%t/attn.result0.npy --check --oracle=naive | FileCheck %s --check-prefix=OK
// OK: check: PASS

// RUN: not attn-run %s --entry=nope 2>&1 | FileCheck %s --check-prefix=ENTRY
// ENTRY: attn-run: error: no func.func named 'nope'
// RUN: attn-run %s --entry=nope; test $? -eq 2

// RUN: not attn-run %s --entry=attn --input=%t/short.result0.npy,%t/attn.result0.npy,%t/attn.result0.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: error: input '{{.*}}short.result0.npy' for argument #0 (tensor<1x2x4x8xf32>): expected shape [1, 2, 4, 8], got [1, 2, 3, 8]
// RUN: attn-run %s --entry=attn --input=%t/short.result0.npy,%t/attn.result0.npy,%t/attn.result0.npy; test $? -eq 2

// RUN: not attn-run %s --entry=attn --input=%t/wide.result0.npy,%t/attn.result0.npy,%t/attn.result0.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: error: input '{{.*}}wide.result0.npy' for argument #0 (tensor<1x2x4x8xf32>): expected dtype float32, got float64

// RUN: head -c 70 %t/attn.result0.npy > %t/header.npy
// RUN: not attn-run %s --entry=attn --input=%t/header.npy,%t/attn.result0.npy,%t/attn.result0.npy 2>&1 | FileCheck %s --check-prefix=HEADER
// HEADER: error: input '{{.*}}header.npy' for argument #0: {{.*}}truncated header

// RUN: head -c 200 %t/attn.result0.npy > %t/data.npy
// RUN: not attn-run %s --entry=attn --input=%t/data.npy,%t/attn.result0.npy,%t/attn.result0.npy 2>&1 | FileCheck %s --check-prefix=DATA
// DATA: error: input '{{.*}}data.npy' for argument #0: {{.*}}truncated data: 256 bytes expected, 72 present

// RUN: printf 'garbage' > %t/garbage.npy
// RUN: not attn-run %s --entry=attn --input=%t/garbage.npy,%t/attn.result0.npy,%t/attn.result0.npy 2>&1 | FileCheck %s --check-prefix=MAGIC
// MAGIC: error: input '{{.*}}garbage.npy' for argument #0: {{.*}}not a .npy file

// RUN: not attn-run %s --entry=attn --input=%t/attn.result0.npy 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: error: @attn takes 3 arguments but --input gave 1 file(s)

// RUN: not attn-run %s --entry=attn --input=%t/missing.npy,%t/attn.result0.npy,%t/attn.result0.npy 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: input '{{.*}}missing.npy' for argument #0: {{.*}}cannot open

// RUN: not attn-run %s --entry=attn --check-against=%t/short.result0.npy 2>&1 | FileCheck %s --check-prefix=AGAINST
// AGAINST: error: --check-against '{{.*}}short.result0.npy' for result #0 (tensor<1x2x4x8xf32>): expected shape [1, 2, 4, 8], got [1, 2, 3, 8]

// RUN: not attn-run %s --entry=two --check --oracle=naive 2>&1 | FileCheck %s --check-prefix=NAIVE
// NAIVE: error: --oracle=naive: the naive oracle handles functions whose body is a single attn.attention, attn.token_merge or attn.token_unmerge; @two also contains 'arith.addf' (use --oracle=reference)

// A dynamic size needs --input or --shape (test/Tools/attn-run/dynamic.mlir).
// RUN: not attn-run %s --entry=dynamic 2>&1 | FileCheck %s --check-prefix=DYN
// DYN: error: argument #0 of @dynamic has the dynamic type 'tensor<?x2x4x8xf32>': give its sizes with --input (a .npy file) or --shape=0:AxBx...

// RUN: not attn-run %s --entry=attn --random-step=-1 2>&1 | FileCheck %s --check-prefix=STEP
// STEP: error: --random-step must be a number in [0, 1]
// RUN: not attn-run %s --entry=attn --oracle=exact 2>&1 | FileCheck %s --check-prefix=ORACLE
// ORACLE: error: unknown oracle 'exact' (expected reference or naive)
// RUN: not attn-run %s --entry=attn --bench --repeat=0 2>&1 | FileCheck %s --check-prefix=REPEAT
// REPEAT: error: --repeat must be at least 1
// RUN: not attn-run %s --entry=attn --atol=-1 2>&1 | FileCheck %s --check-prefix=TOL
// TOL: error: --atol and --rtol must be non-negative numbers

// RUN: printf 'func.func @f(' > %t/bad.mlir
// RUN: not attn-run %t/bad.mlir 2>&1 | FileCheck %s --check-prefix=PARSE
// PARSE: bad.mlir:1:13: error: expected non-function type
// PARSE: attn-run: error: could not parse
// RUN: not attn-run %t/does-not-exist.mlir 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: error: cannot open input file '{{.*}}does-not-exist.mlir'

// A function with an invalid attn.attention is rejected by the verifier.
// RUN: printf 'func.func @f(%%%%q: tensor<1x2x4x8xf32>, %%%%k: tensor<1x3x4x8xf32>) -> tensor<1x2x4x8xf32> {\n %%%%o = attn.attention %%%%q, %%%%k, %%%%k : tensor<1x2x4x8xf32>, tensor<1x3x4x8xf32>, tensor<1x3x4x8xf32> -> tensor<1x2x4x8xf32>\n return %%%%o : tensor<1x2x4x8xf32>\n}\n' > %t/invalid.mlir
// RUN: not attn-run %t/invalid.mlir 2>&1 | FileCheck %s --check-prefix=VERIFY
// VERIFY: error: 'attn.attention' op

func.func @attn(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
func.func @short() -> tensor<1x2x3x8xf32> {
  %c = arith.constant dense<1.0> : tensor<1x2x3x8xf32>
  return %c : tensor<1x2x3x8xf32>
}
func.func @wide() -> tensor<1x2x4x8xf64> {
  %c = arith.constant dense<1.0> : tensor<1x2x4x8xf64>
  return %c : tensor<1x2x4x8xf64>
}
func.func @two(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  %p = arith.addf %o, %o : tensor<1x2x4x8xf32>
  return %p : tensor<1x2x4x8xf32>
}
func.func @dynamic(%q: tensor<?x2x4x8xf32>) -> tensor<?x2x4x8xf32> {
  return %q : tensor<?x2x4x8xf32>
}
