// attn-run --atol: the absolute tolerance of the check,
// |got - want| <= atol + rtol * |want| per element, inclusive; default 1e-5.
// The arrays are exact in f32 (powers of two), so every bound is exact.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=want --output-dir=%t
// RUN: attn-run %s --entry=tiny_want --output-dir=%t
//
// Off by 0.0625 in either direction: atol=0.0625 passes (the bound is
// inclusive), anything less fails with exit code 1. rtol=0 isolates atol.
// RUN: attn-run %s --entry=got --check-against=%t/want.result0.npy --rtol=0 --atol=0.0625 | FileCheck %s --check-prefix=EDGE
// RUN: not attn-run %s --entry=got --check-against=%t/want.result0.npy --rtol=0 --atol=0.0624 | FileCheck %s --check-prefix=BELOW
// RUN: attn-run %s --entry=got --check-against=%t/want.result0.npy --rtol=0 --atol=0.0624 > /dev/null; echo rc=$? | FileCheck %s --check-prefix=RC1
//
// Default 1e-5: an error of 2^-17 (7.6e-6) passes, one of 2^-16 (1.5e-5)
// does not (want = 0 there would hide any rtol; rtol=0 anyway).
// RUN: not attn-run %s --entry=tiny_got --check-against=%t/tiny_want.result0.npy --rtol=0 | FileCheck %s --check-prefix=DEFAULT
// RUN: not attn-run %s --entry=tiny_got --check-against=%t/tiny_want.result0.npy --rtol=0 --json | FileCheck %s --check-prefix=JSON
//
// Bad values: exit code 2 and a clear message.
// RUN: not attn-run %s --entry=got --atol=-1 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: attn-run %s --entry=got --atol=-1; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --entry=got --atol=nan 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not attn-run %s --entry=got --atol=abc 2>&1 | FileCheck %s --check-prefix=NOTNUM
// RUN: attn-run %s --entry=got --atol=abc; echo rc=$? | FileCheck %s --check-prefix=RC2

// EDGE: check: oracle=files
// EDGE: result 0: max_abs_err=0.0625 max_rel_err=1 (atol=0.0625, rtol=0) PASS
// EDGE: check: PASS

// BELOW: result 0: max_abs_err=0.0625 max_rel_err=1 (atol=0.0624, rtol=0) FAIL
// BELOW-NEXT: 2 of 4 elements out of tolerance, 0 NaN/Inf mismatches; first at [1]: got 0, expected 0.0625
// BELOW: check: FAIL
// RC1: rc=1

// DEFAULT: result 0: max_abs_err=1.52588e-05 max_rel_err=1 (atol=1e-05, rtol=0) FAIL
// DEFAULT-NEXT: 1 of 2 elements out of tolerance, 0 NaN/Inf mismatches; first at [1]: got 0, expected 1.52588e-05
// JSON: "check":{"atol":1.0000000000000001e-05,
// JSON-SAME: "out_of_tolerance":1,
// JSON-SAME: "verdict":"FAIL"

// NEG: attn-run: error: --atol and --rtol must be non-negative numbers
// NOTNUM: attn-run: for the --atol option: 'abc' value invalid for floating point argument!
// NOTNUM: attn-run: error: invalid command line (see --help)
// RC2: rc=2

func.func @want() -> tensor<4xf32> {
  %c = arith.constant dense<[0.0, 0.0625, -0.0625, 1.0]> : tensor<4xf32>
  return %c : tensor<4xf32>
}
func.func @got() -> tensor<4xf32> {
  %c = arith.constant dense<[0.0, 0.0, 0.0, 1.0]> : tensor<4xf32>
  return %c : tensor<4xf32>
}
func.func @tiny_want() -> tensor<2xf32> {
  %c = arith.constant dense<[7.62939453125E-6, 1.52587890625E-5]> : tensor<2xf32>
  return %c : tensor<2xf32>
}
func.func @tiny_got() -> tensor<2xf32> {
  %c = arith.constant dense<0.0> : tensor<2xf32>
  return %c : tensor<2xf32>
}
