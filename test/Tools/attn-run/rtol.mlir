// attn-run --rtol: the relative tolerance of the check,
// |got - want| <= atol + rtol * |want| per element, inclusive, relative to
// the magnitude of the expected value (not of the result); default 1e-5.
// The arrays are exact in f32, so every bound is exact.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=want --output-dir=%t
// RUN: attn-run %s --entry=tiny_want --output-dir=%t
//
// Off by 1 at |want| = 8: rtol=0.125 passes (inclusive); 0.12 fails with exit
// code 1. Only |want| = 8 covers -7 against -8 (|got| = 7 would not), and a
// negative want needs the magnitude. atol=0 isolates rtol.
// RUN: attn-run %s --entry=got --check-against=%t/want.result0.npy --atol=0 --rtol=0.125 | FileCheck %s --check-prefix=EDGE
// RUN: not attn-run %s --entry=got --check-against=%t/want.result0.npy --atol=0 --rtol=0.12 | FileCheck %s --check-prefix=BELOW
// RUN: attn-run %s --entry=got --check-against=%t/want.result0.npy --atol=0 --rtol=0.12 > /dev/null; echo rc=$? | FileCheck %s --check-prefix=RC1
//
// Default 1e-5 at want = 1: an error of 2^-17 (7.6e-6) passes, 2^-16 (1.5e-5)
// does not.
// RUN: not attn-run %s --entry=tiny_got --check-against=%t/tiny_want.result0.npy --atol=0 | FileCheck %s --check-prefix=DEFAULT
// RUN: not attn-run %s --entry=tiny_got --check-against=%t/tiny_want.result0.npy --atol=0 --json | FileCheck %s --check-prefix=JSON
//
// Bad values: exit code 2 and a clear message.
// RUN: not attn-run %s --entry=got --rtol=-0.5 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: attn-run %s --entry=got --rtol=-0.5; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --entry=got --rtol=nan 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not attn-run %s --entry=got --rtol=1e-5x 2>&1 | FileCheck %s --check-prefix=NOTNUM
// RUN: attn-run %s --entry=got --rtol=1e-5x; echo rc=$? | FileCheck %s --check-prefix=RC2

// EDGE: check: oracle=files
// EDGE: result 0: max_abs_err=1 max_rel_err=0.125 (atol=0, rtol=0.125) PASS
// EDGE: check: PASS

// BELOW: result 0: max_abs_err=1 max_rel_err=0.125 (atol=0, rtol=0.12) FAIL
// BELOW-NEXT: 2 of 4 elements out of tolerance, 0 NaN/Inf mismatches; first at [1]: got -7, expected -8
// BELOW: check: FAIL
// RC1: rc=1

// DEFAULT: result 0: max_abs_err=1.52588e-05 max_rel_err=1.52588e-05 (atol=0, rtol=1e-05) FAIL
// DEFAULT-NEXT: 1 of 2 elements out of tolerance, 0 NaN/Inf mismatches; first at [1]: got 1.00002, expected 1
// JSON: "check":{"atol":0,
// JSON-SAME: "out_of_tolerance":1,
// JSON-SAME: "rtol":1.0000000000000001e-05,"verdict":"FAIL"

// NEG: attn-run: error: --atol and --rtol must be non-negative numbers
// NOTNUM: attn-run: for the --rtol option: '1e-5x' value invalid for floating point argument!
// NOTNUM: attn-run: error: invalid command line (see --help)
// RC2: rc=2

func.func @want() -> tensor<4xf32> {
  %c = arith.constant dense<[0.5, -8.0, 8.0, 0.0]> : tensor<4xf32>
  return %c : tensor<4xf32>
}
func.func @got() -> tensor<4xf32> {
  %c = arith.constant dense<[0.5, -7.0, 9.0, 0.0]> : tensor<4xf32>
  return %c : tensor<4xf32>
}
func.func @tiny_want() -> tensor<2xf32> {
  %c = arith.constant dense<1.0> : tensor<2xf32>
  return %c : tensor<2xf32>
}
func.func @tiny_got() -> tensor<2xf32> {
  %c = arith.constant dense<[1.00000762939453125, 1.0000152587890625]> : tensor<2xf32>
  return %c : tensor<2xf32>
}
