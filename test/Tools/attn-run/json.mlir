// attn-run --json: one JSON object on one line of stdout (keys sorted) with
// everything the text report has, and none of the text report; errors still
// go to stderr, and the exit codes are the same.
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-run %s --entry=attn | FileCheck %s --check-prefix=TEXT
// RUN: attn-run %s --entry=attn --json --seed=7 | count 1
// RUN: attn-run %s --entry=attn --json --seed=7 | FileCheck %s --check-prefix=PLAIN --implicit-check-not=entry: --implicit-check-not=values:
// RUN: attn-run %s --entry=attn --json --seed=7 > %t/plain.json
// RUN: %python -c "import json, sys; d = json.load(open(sys.argv[1])); print(sorted(d), len(d['inputs']), len(d['results']), d['results'][0]['shape'])" %t/plain.json | FileCheck %s --check-prefix=PARSED
//
// With --check: a check object, and each result gets its verdict; a failed
// check still exits with 1.
// RUN: attn-run %s --entry=attn --json --check --pipeline=cpu | FileCheck %s --check-prefix=CHECK --implicit-check-not=check:
// RUN: not attn-run %s --entry=attn_f16 --json --check --oracle=naive --atol=0 --rtol=0 | FileCheck %s --check-prefix=FAIL
// RUN: attn-run %s --entry=attn_f16 --json --check --oracle=naive --atol=0 --rtol=0 > /dev/null; echo rc=$? | FileCheck %s --check-prefix=RC1
// NaN and Inf are strings (JSON has no such numbers).
// RUN: attn-run %s --entry=special --json | FileCheck %s --check-prefix=SPECIAL
// The GPU simulator's line is part of the text report only.
// RUN: attn-run %s --entry=attn --pipeline=gpu-sim --json | FileCheck %s --check-prefix=SIM --implicit-check-not=gpu-sim:
//
// Errors: nothing on stdout, the message on stderr, exit code 2.
// RUN: not attn-run %s --entry=nope --json 2> %t/err | count 0
// RUN: FileCheck %s --check-prefix=ERR < %t/err
// RUN: attn-run %s --entry=nope --json; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --json=yes 2>&1 | FileCheck %s --check-prefix=BAD

// TEXT: entry: @attn (pipeline reference)

// PLAIN: {"entry":"attn","inputs":[{"dtype":"f32","index":0,"shape":[1,1,4,8],"source":"random(seed=7)","type":"tensor<1x1x4x8xf32>"},
// PLAIN-SAME: "pipeline":"reference","results":[{"dtype":"f32","head":[{{([-0-9.e]+,){7}[-0-9.e]+}}],"index":0,"inf_count":0,"max":{{[-0-9.e]+}},"mean":{{[-0-9.e]+}},"min":{{[-0-9.e]+}},"nan_count":0,"shape":[1,1,4,8],"type":"tensor<1x1x4x8xf32>"}],"seed":7}
// PARSED: ['entry', 'inputs', 'pipeline', 'results', 'seed'] 3 1 [1, 1, 4, 8]

// CHECK: "check":{"atol":1.0000000000000001e-05,"oracle":"reference","results":[{"index":0,"max_abs_err":{{[0-9.e+-]+}},"max_rel_err":{{[0-9.e+-]+}},"nonfinite_mismatches":0,"out_of_tolerance":0,"pass":true}],"rtol":1.0000000000000001e-05,"verdict":"PASS"}
// CHECK-SAME: "pipeline":"cpu"
// CHECK-SAME: "max_rel_err":{{[0-9.e+-]+}},"mean":{{[-0-9.e+]+}},"min":{{[-0-9.e+]+}},"nan_count":0,"pass":true,
// FAIL: "check":{"atol":0,"oracle":"naive","results":[{"first_bad_expected":{{[-0-9.e+]+}},"first_bad_got":{{[-0-9.e+]+}},"first_bad_index":[0,0,0,0],"index":0,{{.*}}"out_of_tolerance":32,"pass":false}],"rtol":0,"verdict":"FAIL"}
// RC1: rc=1
// SPECIAL: "head":["nan",1,"inf","-inf"],"index":0,"inf_count":2,"max":1,"mean":1,"min":1,"nan_count":1
// SIM: "pipeline":"gpu-sim"

// ERR: attn-run: error: no func.func named 'nope'
// BAD: attn-run: for the --json option: 'yes' is invalid value for boolean argument! Try 0 or 1
// RC2: rc=2

func.func @attn(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}
func.func @attn_f16(%q: tensor<1x1x4x8xf16>, %k: tensor<1x1x4x8xf16>, %v: tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf16> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16> -> tensor<1x1x4x8xf16>
  return %o : tensor<1x1x4x8xf16>
}
func.func @special() -> tensor<4xf32> {
  %a = arith.constant dense<[0x7FC00000, 1.0, 0x7F800000, 0xFF800000]> : tensor<4xf32>
  return %a : tensor<4xf32>
}
