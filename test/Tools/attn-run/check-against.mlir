// attn-run --check-against=FILE.npy,...: compares result k with the k-th
// array (any numeric dtype, exact shape) instead of an oracle, and implies
// --check. The arrays here are saved by attn-run itself from @saved, whose
// results have other dtypes (f64, i32) than @pair's (f32, f32).
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=saved --output-dir=%t
// RUN: attn-run %s --entry=short --output-dir=%t && mv %t/short.result0.npy %t/short.npy
//
// Equal values: PASS without --check; the list is comma-separated or repeated.
// RUN: attn-run %s --entry=pair --check-against=%t/saved.result0.npy,%t/saved.result1.npy | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --entry=pair --check-against=%t/saved.result0.npy --check-against=%t/saved.result1.npy | FileCheck %s --check-prefix=PASS
// It replaces the oracle: --oracle=naive, which cannot handle @pair, is unused.
// RUN: attn-run %s --entry=pair --check --oracle=naive --check-against=%t/saved.result0.npy,%t/saved.result1.npy | FileCheck %s --check-prefix=PASS
// RUN: attn-run %s --entry=pair --check-against=%t/saved.result0.npy,%t/saved.result1.npy --json | FileCheck %s --check-prefix=JSON
//
// The files go with the results in order: swapped, both results fail (exit 1).
// RUN: not attn-run %s --entry=pair --check-against=%t/saved.result1.npy,%t/saved.result0.npy | FileCheck %s --check-prefix=SWAP
// RUN: attn-run %s --entry=pair --check-against=%t/saved.result1.npy,%t/saved.result0.npy > /dev/null; echo rc=$? | FileCheck %s --check-prefix=RC1
//
// Bad files: exit code 2 and a clear message.
// RUN: not attn-run %s --entry=pair --check-against=%t/saved.result0.npy 2>&1 | FileCheck %s --check-prefix=COUNT
// RUN: attn-run %s --entry=pair --check-against=%t/saved.result0.npy; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --entry=pair --check-against=%t/saved.result0.npy,%t/missing.npy 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: attn-run %s --entry=pair --check-against=%t/saved.result0.npy,%t/missing.npy; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --entry=pair --check-against=%t/saved.result0.npy,%t/short.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: attn-run %s --entry=pair --check-against=%t/saved.result0.npy,%t/short.npy; echo rc=$? | FileCheck %s --check-prefix=RC2

// PASS: check: oracle=files
// PASS-NEXT: result 0: max_abs_err=0 max_rel_err=0 (atol=1e-05, rtol=1e-05) PASS
// PASS-NEXT: result 1: max_abs_err=0 max_rel_err=0 (atol=1e-05, rtol=1e-05) PASS
// PASS-NEXT: check: PASS

// JSON: "check":{"atol":1.0000000000000001e-05,"files":["{{.*}}saved.result0.npy","{{.*}}saved.result1.npy"],"oracle":"files",
// JSON-SAME: "verdict":"PASS"

// SWAP: check: oracle=files
// SWAP-NEXT: result 0: max_abs_err=4 max_rel_err=2 (atol=1e-05, rtol=1e-05) FAIL
// SWAP-NEXT: 3 of 3 elements out of tolerance, 0 NaN/Inf mismatches; first at [0]: got 1.5, expected 1
// SWAP-NEXT: result 1: max_abs_err=4 max_rel_err=11 (atol=1e-05, rtol=1e-05) FAIL
// SWAP: check: FAIL
// RC1: rc=1

// COUNT: attn-run: error: @pair returns 2 results but --check-against gave 1 file(s)
// MISSING: attn-run: error: --check-against '{{.*}}missing.npy' for result #1: {{.*}}cannot open
// SHAPE: attn-run: error: --check-against '{{.*}}short.npy' for result #1 (tensor<3xf32>): expected shape [3], got [2]
// RC2: rc=2

func.func @pair() -> (tensor<3xf32>, tensor<3xf32>) {
  %a = arith.constant dense<[1.5, -2.0, 0.25]> : tensor<3xf32>
  %b = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  return %a, %b : tensor<3xf32>, tensor<3xf32>
}
func.func @saved() -> (tensor<3xf64>, tensor<3xi32>) {
  %a = arith.constant dense<[1.5, -2.0, 0.25]> : tensor<3xf64>
  %b = arith.constant dense<[1, 2, 3]> : tensor<3xi32>
  return %a, %b : tensor<3xf64>, tensor<3xi32>
}
func.func @short() -> tensor<2xf32> {
  %a = arith.constant dense<1.0> : tensor<2xf32>
  return %a : tensor<2xf32>
}
