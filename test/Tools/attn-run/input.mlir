// attn-run --input=FILE.npy,...: the entry's arguments from .npy files, one
// per argument in order (comma-separated and/or repeated) instead of random
// data. The arrays are saved by attn-run itself from constant functions.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=make_x --output-dir=%t
// RUN: attn-run %s --entry=make_n --output-dir=%t
// RUN: attn-run %s --entry=make_bf --output-dir=%t
// RUN: attn-run %s --entry=make_i --output-dir=%t
//
// The values arrive unchanged, argument by argument.
// RUN: attn-run %s --entry=id --input=%t/make_x.result0.npy,%t/make_n.result0.npy | FileCheck %s --check-prefix=ID
// RUN: attn-run %s --entry=id --input=%t/make_x.result0.npy --input=%t/make_n.result0.npy | FileCheck %s --check-prefix=ID
// RUN: attn-run %s --entry=id --input=%t/make_x.result0.npy,%t/make_n.result0.npy --json | FileCheck %s --check-prefix=JSON
// Without --input the data is random.
// RUN: attn-run %s --entry=id --json | FileCheck %s --check-prefix=RANDOM
// bf16 arguments take float32 arrays, rounded to nearest even:
// 1 + 2^-8 -> 1 (tie, even), 1 + 3 * 2^-8 -> 1 + 2^-6 (tie, even),
// 1 + 1.5 * 2^-8 -> 1 + 2^-7 (nearest); index arguments take int64.
// RUN: attn-run %s --entry=id_bf --input=%t/make_bf.result0.npy --json | FileCheck %s --check-prefix=BF16
// RUN: attn-run %s --entry=id_index --input=%t/make_i.result0.npy | FileCheck %s --check-prefix=INDEX
//
// Errors, exit code 2: too few files, files in the wrong order (dtype), a
// missing file.
// RUN: not attn-run %s --entry=id --input=%t/make_x.result0.npy 2>&1 | FileCheck %s --check-prefix=COUNT
// RUN: attn-run %s --entry=id --input=%t/make_x.result0.npy; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --entry=id --input=%t/make_n.result0.npy,%t/make_x.result0.npy 2>&1 | FileCheck %s --check-prefix=ORDER
// RUN: attn-run %s --entry=id --input=%t/make_n.result0.npy,%t/make_x.result0.npy; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --entry=id_index --input=%t/make_n.result0.npy 2>&1 | FileCheck %s --check-prefix=INDEX-DTYPE
// RUN: not attn-run %s --entry=id --input=%t/make_x.result0.npy,%t/nope.npy 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: attn-run %s --entry=id --input=%t/make_x.result0.npy,%t/nope.npy; echo rc=$? | FileCheck %s --check-prefix=RC2
// Only regular files are read: a device that never ends, a directory.
// RUN: not attn-run %s --entry=id --input=/dev/zero,%t/make_n.result0.npy 2>&1 | FileCheck %s --check-prefix=DEVICE
// RUN: attn-run %s --entry=id --input=/dev/zero,%t/make_n.result0.npy; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --entry=id --input=%t,%t/make_n.result0.npy 2>&1 | FileCheck %s --check-prefix=DIRECTORY
// RUN: not attn-run %s --entry=id --input=%t/make_x.result0.npy,%t/make_n.result0.npy --check-against=/dev/zero,/dev/zero 2>&1 | FileCheck %s --check-prefix=AGAINST

// ID: result 0: tensor<4xf32>
// ID-NEXT: values: 0.5 -1.25 3 7{{$}}
// ID: result 1: tensor<2xi32>
// ID-NEXT: values: 5 -3{{$}}
// JSON: "inputs":[{"dtype":"f32","index":0,"shape":[4],"source":"{{.*}}make_x.result0.npy","type":"tensor<4xf32>"},{"dtype":"i32","index":1,"shape":[2],"source":"{{.*}}make_n.result0.npy","type":"tensor<2xi32>"}]
// RANDOM: "source":"random(seed=0)"
// RANDOM-NOT: "head":[0.5,-1.25,3,7]
// BF16: "head":[1,1.015625,1.0078125,-1]
// INDEX: result 0: tensor<2xindex>
// INDEX-NEXT: values: 9 0{{$}}

// COUNT: attn-run: error: @id takes 2 arguments but --input gave 1 file(s)
// ORDER: attn-run: error: input '{{.*}}make_n.result0.npy' for argument #0 (tensor<4xf32>): expected dtype float32, got int32
// INDEX-DTYPE: attn-run: error: input '{{.*}}make_n.result0.npy' for argument #0 (tensor<2xindex>): expected dtype int64, got int32
// MISSING: attn-run: error: input '{{.*}}nope.npy' for argument #1: {{.*}}cannot open
// DEVICE: attn-run: error: input '/dev/zero' for argument #0: /dev/zero: not a regular file (devices, pipes and directories are refused)
// DIRECTORY: attn-run: error: input '{{.*}}' for argument #0: {{.*}}: not a regular file
// AGAINST: /dev/zero: not a regular file
// RC2: rc=2

func.func @id(%x: tensor<4xf32>, %n: tensor<2xi32>) -> (tensor<4xf32>, tensor<2xi32>) {
  return %x, %n : tensor<4xf32>, tensor<2xi32>
}
func.func @id_bf(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  return %x : tensor<4xbf16>
}
func.func @id_index(%x: tensor<2xindex>) -> tensor<2xindex> {
  return %x : tensor<2xindex>
}
func.func @make_x() -> tensor<4xf32> {
  %c = arith.constant dense<[0.5, -1.25, 3.0, 7.0]> : tensor<4xf32>
  return %c : tensor<4xf32>
}
func.func @make_n() -> tensor<2xi32> {
  %c = arith.constant dense<[5, -3]> : tensor<2xi32>
  return %c : tensor<2xi32>
}
func.func @make_bf() -> tensor<4xf32> {
  %c = arith.constant dense<[1.00390625, 1.01171875, 1.005859375, -1.00390625]> : tensor<4xf32>
  return %c : tensor<4xf32>
}
func.func @make_i() -> tensor<2xi64> {
  %c = arith.constant dense<[9, 0]> : tensor<2xi64>
  return %c : tensor<2xi64>
}
