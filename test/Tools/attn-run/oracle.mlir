// attn-run --oracle: what --check compares with. 'reference' (the default)
// runs the reference pipeline on the same inputs; 'naive' runs the
// independent C++ reference, for entries that are a single attn op.
//
// The default is the reference pipeline: with --pipeline=reference that is the
// compiled entry itself, so even a zero tolerance passes on f16 results ...
// RUN: attn-run %s --entry=attn_f16 --check --atol=0 --rtol=0 | FileCheck %s --check-prefix=REF
// RUN: attn-run %s --entry=attn_f16 --check --oracle=reference --atol=0 --rtol=0 | FileCheck %s --check-prefix=REF
// ... while the naive oracle computes in f64 and sees the f16 rounding.
// RUN: not attn-run %s --entry=attn_f16 --check --oracle=naive --atol=0 --rtol=0 | FileCheck %s --check-prefix=NAIVE-F16
// RUN: attn-run %s --entry=attn --check --oracle=naive --pipeline=cpu | FileCheck %s --check-prefix=NAIVE
// RUN: attn-run %s --entry=attn --check --oracle=naive --json | FileCheck %s --check-prefix=JSON
//
// The naive oracle refuses an entry that is not a single attn op (exit 2,
// before compiling); without --check no oracle runs, so that is no error.
// RUN: not attn-run %s --entry=two_ops --check --oracle=naive 2>&1 | FileCheck %s --check-prefix=SINGLE-OP
// RUN: attn-run %s --entry=two_ops --check --oracle=naive; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: attn-run %s --entry=two_ops --oracle=naive | FileCheck %s --check-prefix=UNUSED --implicit-check-not=check:
// An unknown name is a usage error (exit 2), with or without --check.
// RUN: not attn-run %s --entry=attn --check --oracle=exact 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: attn-run %s --entry=attn --oracle=Naive; echo rc=$? | FileCheck %s --check-prefix=RC2

// REF: check: oracle=reference (same pipeline: smoke test only)
// REF-NEXT: result 0: max_abs_err=0 max_rel_err=0 (atol=0, rtol=0) PASS
// NAIVE-F16: check: oracle=naive
// NAIVE-F16-NEXT: result 0: max_abs_err={{[0-9.e+-]+}} max_rel_err={{[0-9.e+-]+}} (atol=0, rtol=0) FAIL
// NAIVE-F16: check: FAIL
// NAIVE: entry: @attn (pipeline cpu)
// NAIVE: check: oracle=naive{{$}}
// NAIVE-NEXT: result 0: {{.*}} PASS
// NAIVE-NEXT: check: PASS
// JSON: "check":{{{.*}}"oracle":"naive",{{.*}}"verdict":"PASS"}

// SINGLE-OP: attn-run: error: --oracle=naive: the naive oracle handles functions whose body is a single attn.attention, attn.token_merge or attn.token_unmerge; @two_ops also contains 'arith.addf' (use --oracle=reference)
// SINGLE-OP-NOT: entry:
// UNUSED: entry: @two_ops (pipeline reference)
// UNKNOWN: attn-run: error: unknown oracle 'exact' (expected reference or naive)
// RC2: rc=2

func.func @attn(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x6x8xf32>, %v: tensor<1x1x6x8xf32>) -> tensor<1x1x4x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x1x4x8xf32>, tensor<1x1x6x8xf32>, tensor<1x1x6x8xf32> -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}
func.func @attn_f16(%q: tensor<1x1x4x8xf16>, %k: tensor<1x1x4x8xf16>, %v: tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf16> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16> -> tensor<1x1x4x8xf16>
  return %o : tensor<1x1x4x8xf16>
}
func.func @two_ops(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  %p = arith.addf %o, %o : tensor<1x1x4x8xf32>
  return %p : tensor<1x1x4x8xf32>
}
