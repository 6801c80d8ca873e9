// attn-run --entry=NAME: the function to run. Default: the only public
// func.func with a body, else the one named 'main'; --entry may also name a
// private function. Each function here returns a different constant.
// RUN: rm -rf %t && split-file %s %t
//
// RUN: attn-run %t/several.mlir | FileCheck %s --check-prefix=MAIN
// RUN: attn-run %t/several.mlir --entry= | FileCheck %s --check-prefix=MAIN
// RUN: attn-run %t/several.mlir --entry=main | FileCheck %s --check-prefix=MAIN
// RUN: attn-run %t/several.mlir --entry=other | FileCheck %s --check-prefix=OTHER
// RUN: attn-run %t/several.mlir --entry=hidden | FileCheck %s --check-prefix=HIDDEN
// RUN: attn-run %t/several.mlir --entry=other --json | FileCheck %s --check-prefix=JSON
// The only public function is the default, whatever its name.
// RUN: attn-run %t/one.mlir | FileCheck %s --check-prefix=ONLY
//
// Errors, exit code 2.
// RUN: not attn-run %t/several.mlir --entry=nope 2>&1 | FileCheck %s --check-prefix=NOPE
// RUN: attn-run %t/several.mlir --entry=nope; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %t/several.mlir --entry=ext 2>&1 | FileCheck %s --check-prefix=EXT
// RUN: attn-run %t/several.mlir --entry=ext; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %t/no-main.mlir 2>&1 | FileCheck %s --check-prefix=AMBIGUOUS
// RUN: attn-run %t/no-main.mlir; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: attn-run %t/no-main.mlir --entry=b | FileCheck %s --check-prefix=B
// RUN: not attn-run %t/none.mlir 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: attn-run %t/none.mlir; echo rc=$? | FileCheck %s --check-prefix=RC2

// MAIN: entry: @main (pipeline reference)
// MAIN-NEXT: result 0: tensor<1xf32>
// MAIN-NEXT: values: 1{{$}}
// OTHER: entry: @other (pipeline reference)
// OTHER-NEXT: result 0: tensor<2xf32>
// OTHER-NEXT: values: 2 2{{$}}
// HIDDEN: entry: @hidden (pipeline reference)
// HIDDEN-NEXT: result 0: tensor<1xi32>
// HIDDEN-NEXT: values: 3{{$}}
// JSON: "entry":"other"
// ONLY: entry: @only (pipeline reference)
// ONLY-NEXT: result 0: tensor<1xf32>
// ONLY-NEXT: values: 4{{$}}
// B: entry: @b (pipeline reference)

// NOPE: attn-run: error: no func.func named 'nope' in {{.*}}several.mlir
// EXT: attn-run: error: entry function 'ext' has no body
// AMBIGUOUS: attn-run: error: several public functions (@a, @b) and none named 'main': choose one with --entry=NAME
// NONE: attn-run: error: no public func.func with a body in {{.*}}none.mlir (use --entry=NAME)
// RC2: rc=2

//--- several.mlir
func.func @other() -> tensor<2xf32> {
  %c = arith.constant dense<2.0> : tensor<2xf32>
  return %c : tensor<2xf32>
}
func.func @main() -> tensor<1xf32> {
  %c = arith.constant dense<1.0> : tensor<1xf32>
  return %c : tensor<1xf32>
}
func.func private @hidden() -> tensor<1xi32> {
  %c = arith.constant dense<3> : tensor<1xi32>
  return %c : tensor<1xi32>
}
func.func private @ext() -> tensor<1xf32>

//--- one.mlir
func.func private @helper() -> tensor<1xf32> {
  %c = arith.constant dense<5.0> : tensor<1xf32>
  return %c : tensor<1xf32>
}
func.func @only() -> tensor<1xf32> {
  %c = arith.constant dense<4.0> : tensor<1xf32>
  return %c : tensor<1xf32>
}

//--- no-main.mlir
func.func @a() -> tensor<1xf32> {
  %c = arith.constant dense<1.0> : tensor<1xf32>
  return %c : tensor<1xf32>
}
func.func @b() -> tensor<1xf32> {
  %c = arith.constant dense<2.0> : tensor<1xf32>
  return %c : tensor<1xf32>
}

//--- none.mlir
func.func private @helper() -> tensor<1xf32> {
  %c = arith.constant dense<5.0> : tensor<1xf32>
  return %c : tensor<1xf32>
}
func.func private @ext() -> tensor<1xf32>
