// attn-run --check: compares every result with the oracle (default: the
// reference pipeline on the same inputs), prints one verdict per result and
// overall, and exits 1 when a result is out of tolerance. Off by default.
//
// Off: no check lines, exit 0.
// RUN: attn-run %s --entry=attn | FileCheck %s --check-prefix=OFF --implicit-check-not=check:
// RUN: attn-run %s --entry=attn --check=false | FileCheck %s --check-prefix=OFF --implicit-check-not=check:
//
// With the reference pipeline the default oracle is the pipeline itself (a
// smoke test, and said so); with another pipeline it is a real comparison.
// RUN: attn-run %s --entry=attn --check | FileCheck %s --check-prefix=SELF
// RUN: attn-run %s --entry=attn --check --pipeline=cpu | FileCheck %s --check-prefix=CPU
//
// Every result is compared, NaN with NaN and Inf with Inf of the same sign.
// RUN: attn-run %s --entry=special --check --pipeline=cpu | FileCheck %s --check-prefix=SPECIAL
// NaN against a number and -Inf against Inf are mismatches, whatever atol.
// RUN: rm -rf %t && mkdir -p %t && attn-run %s --entry=finite --output-dir=%t
// RUN: not attn-run %s --entry=special --check-against=%t/finite.result0.npy,%t/finite.result1.npy --atol=1e9 | FileCheck %s --check-prefix=MISMATCH
//
// A failed check: the details, "check: FAIL" and exit code 1 (f16 results
// against the naive f64 oracle with no tolerance).
// RUN: not attn-run %s --entry=attn_f16 --check --oracle=naive --atol=0 --rtol=0 | FileCheck %s --check-prefix=FAIL
// RUN: attn-run %s --entry=attn_f16 --check --oracle=naive --atol=0 --rtol=0 > /dev/null; echo rc=$? | FileCheck %s --check-prefix=RC1
// RUN: attn-run %s --entry=attn_f16 --check --oracle=naive --atol=1e-3 --rtol=1e-3 | FileCheck %s --check-prefix=LOOSE
//
// RUN: not attn-run %s --entry=attn --check=maybe 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: attn-run %s --entry=attn --check=maybe; echo rc=$? | FileCheck %s --check-prefix=RC2

// OFF: entry: @attn (pipeline reference)
// OFF: result 0: tensor<1x1x4x8xf32>

// SELF: check: oracle=reference (same pipeline: smoke test only)
// SELF-NEXT: result 0: max_abs_err=0 max_rel_err=0 (atol=1e-05, rtol=1e-05) PASS
// SELF-NEXT: check: PASS

// CPU: entry: @attn (pipeline cpu)
// CPU: check: oracle=reference{{$}}
// CPU-NEXT: result 0: max_abs_err={{[0-9.e+-]+}} max_rel_err={{[0-9.e+-]+}} (atol=1e-05, rtol=1e-05) PASS
// CPU-NEXT: check: PASS

// SPECIAL: result 0: tensor<4xf32>
// SPECIAL-NEXT: values: nan 1 inf -inf
// SPECIAL-NEXT: min=1 max=1 mean=1 nan=1 inf=2
// SPECIAL: result 1: tensor<2xi32>
// SPECIAL: check: oracle=reference
// SPECIAL-NEXT: result 0: max_abs_err=0 max_rel_err=0 (atol=1e-05, rtol=1e-05) PASS
// SPECIAL-NEXT: result 1: max_abs_err=0 max_rel_err=0 (atol=1e-05, rtol=1e-05) PASS
// SPECIAL-NEXT: check: PASS

// MISMATCH: result 0: max_abs_err=0 max_rel_err=0 (atol=1e+09, rtol=1e-05) FAIL
// MISMATCH-NEXT: 0 of 4 elements out of tolerance, 2 NaN/Inf mismatches; first at [0]: got nan, expected 1
// MISMATCH-NEXT: result 1: {{.*}} PASS
// MISMATCH-NEXT: check: FAIL

// FAIL: check: oracle=naive
// FAIL-NEXT: result 0: max_abs_err={{[0-9.e+-]+}} max_rel_err={{[0-9.e+-]+}} (atol=0, rtol=0) FAIL
// FAIL-NEXT: 32 of 32 elements out of tolerance, 0 NaN/Inf mismatches; first at [0, 0, 0, 0]: got {{[0-9.e+-]+}}, expected {{[0-9.e+-]+}}
// FAIL-NEXT: check: FAIL
// RC1: rc=1
// LOOSE: (atol=0.001, rtol=0.001) PASS
// LOOSE-NEXT: check: PASS

// BAD: attn-run: for the --check option: 'maybe' is invalid value for boolean argument! Try 0 or 1
// BAD: attn-run: error: invalid command line (see --help)
// RC2: rc=2

func.func @attn(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}
func.func @attn_f16(%q: tensor<1x1x4x8xf16>, %k: tensor<1x1x4x8xf16>, %v: tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf16> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16> -> tensor<1x1x4x8xf16>
  return %o : tensor<1x1x4x8xf16>
}
func.func @special() -> (tensor<4xf32>, tensor<2xi32>) {
  %a = arith.constant dense<[0x7FC00000, 1.0, 0x7F800000, 0xFF800000]> : tensor<4xf32>
  %b = arith.constant dense<[3, -4]> : tensor<2xi32>
  return %a, %b : tensor<4xf32>, tensor<2xi32>
}
func.func @finite() -> (tensor<4xf32>, tensor<2xi32>) {
  %a = arith.constant dense<[1.0, 1.0, 0x7F800000, 0x7F800000]> : tensor<4xf32>
  %b = arith.constant dense<[3, -4]> : tensor<2xi32>
  return %a, %b : tensor<4xf32>, tensor<2xi32>
}
