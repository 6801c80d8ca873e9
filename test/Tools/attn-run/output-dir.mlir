// attn-run --output-dir=DIR: writes result k to DIR/<entry>.result<k>.npy
// (creating DIR and its parents) instead of printing a summary; bf16 results
// as float32, index results as int64. Without it, results are summarised.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=three | FileCheck %s --check-prefix=SUMMARY
// RUN: attn-run %s --entry=three --output-dir= | FileCheck %s --check-prefix=SUMMARY
// RUN: attn-run %s --entry=three --output-dir=%t/new/dir | FileCheck %s --check-prefix=SAVED --implicit-check-not=values:
// RUN: attn-run %s --entry=three --output-dir=%t/json --json | FileCheck %s --check-prefix=JSON
// RUN: FileCheck %s --check-prefix=F32 --input-file=%t/new/dir/three.result0.npy
// RUN: FileCheck %s --check-prefix=BF16 --input-file=%t/new/dir/three.result1.npy
// RUN: FileCheck %s --check-prefix=INDEX --input-file=%t/new/dir/three.result2.npy
//
// The files hold the results: they check against the entry and feed it back.
// RUN: attn-run %s --entry=three --check-against=%t/new/dir/three.result0.npy,%t/new/dir/three.result1.npy,%t/new/dir/three.result2.npy --atol=0 --rtol=0 | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: attn-run %s --entry=id --input=%t/new/dir/three.result0.npy | FileCheck %s --check-prefix=INPUT
// An existing file is overwritten.
// RUN: attn-run %s --entry=id --output-dir=%t/id
// RUN: attn-run %s --entry=id --input=%t/new/dir/three.result0.npy --output-dir=%t/id
// RUN: attn-run %s --entry=id --input=%t/id/id.result0.npy | FileCheck %s --check-prefix=OVERWRITTEN
//
// A directory that cannot be created: exit code 2 and the reason.
// RUN: touch %t/file
// RUN: not attn-run %s --entry=three --output-dir=%t/file/sub 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: attn-run %s --entry=three --output-dir=%t/file/sub; echo rc=$? | FileCheck %s --check-prefix=RC2

// SUMMARY: result 0: tensor<3xf32>
// SUMMARY-NEXT: values: 1.5 -2 0.25
// SUMMARY: result 2: tensor<2xindex>
// SUMMARY-NEXT: values: 7 1

// SAVED: entry: @three (pipeline reference)
// SAVED-NEXT: result 0: tensor<3xf32> -> {{.*}}new{{/|\\}}dir{{/|\\}}three.result0.npy
// SAVED-NEXT: result 1: tensor<2xbf16> -> {{.*}}three.result1.npy
// SAVED-NEXT: result 2: tensor<2xindex> -> {{.*}}three.result2.npy
// JSON: "output_dir":"{{.*}}json",
// JSON-SAME: "file":"{{.*}}json{{/|\\\\}}three.result0.npy"
// JSON-SAME: "file":"{{.*}}json{{/|\\\\}}three.result2.npy"

// F32: {'descr': '<f4', 'fortran_order': False, 'shape': (3,), }
// BF16: {'descr': '<f4', 'fortran_order': False, 'shape': (2,), }
// INDEX: {'descr': '<i8', 'fortran_order': False, 'shape': (2,), }

// ROUNDTRIP: check: oracle=files
// ROUNDTRIP-COUNT-3: max_abs_err=0 max_rel_err=0 (atol=0, rtol=0) PASS
// ROUNDTRIP: check: PASS
// INPUT: values: 1.5 -2 0.25{{$}}
// OVERWRITTEN: values: 1.5 -2 0.25{{$}}

// BAD: attn-run: error: cannot create --output-dir '{{.*}}sub': {{.+}}
// RC2: rc=2

func.func @three() -> (tensor<3xf32>, tensor<2xbf16>, tensor<2xindex>) {
  %a = arith.constant dense<[1.5, -2.0, 0.25]> : tensor<3xf32>
  %b = arith.constant dense<[1.0, -3.0]> : tensor<2xbf16>
  %c = arith.constant dense<[7, 1]> : tensor<2xindex>
  return %a, %b, %c : tensor<3xf32>, tensor<2xbf16>, tensor<2xindex>
}
func.func @id(%x: tensor<3xf32>) -> tensor<3xf32> {
  return %x : tensor<3xf32>
}
