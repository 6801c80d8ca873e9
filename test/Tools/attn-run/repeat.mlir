// attn-run --repeat=N: the number of timed calls of --bench (default 10, at
// least 1); times_ms lists one time per timed call. The entry prints "call"
// from every call, so the calls are counted, not just reported. Without
// --bench the option does nothing (not even --repeat=0 is checked).
// RUN: attn-run %s --bench --warmup=0 | FileCheck %s --check-prefix=DEFAULT
// RUN: attn-run %s --bench --warmup=0 | grep '^call$' | count 11
// RUN: attn-run %s --bench --warmup=0 --repeat=1 | grep '^call$' | count 2
// RUN: attn-run %s --bench --warmup=0 --repeat=3 | grep '^call$' | count 4
// RUN: attn-run %s --bench --warmup=0 --repeat=3 | FileCheck %s --check-prefix=THREE
// RUN: attn-run %s --bench --warmup=0 --repeat=3 --json | FileCheck %s --check-prefix=JSON
// RUN: attn-run %s --repeat=0 | grep '^call$' | count 1
//
// Bad counts: exit code 2 and a clear message.
// RUN: not attn-run %s --bench --repeat=0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: attn-run %s --bench --repeat=0; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --bench --repeat=-2 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: attn-run %s --bench --repeat=-2; echo rc=$? | FileCheck %s --check-prefix=RC2

// DEFAULT: bench: warmup=0 repeat=10 median=
// THREE: bench: warmup=0 repeat=3 median=
// JSON: "repeat":3,"times_ms":[{{[0-9.e+-]+}},{{[0-9.e+-]+}},{{[0-9.e+-]+}}],"useful_flops":null,"warmup":0}
// ZERO: attn-run: error: --repeat must be at least 1
// ZERO-NOT: call
// NEG: attn-run: for the --repeat option: '-2' value invalid for uint argument!
// NEG: attn-run: error: invalid command line (see --help)
// RC2: rc=2

llvm.mlir.global internal constant @msg("call\00")
llvm.func @puts(!llvm.ptr) -> i32
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %p = llvm.mlir.addressof @msg : !llvm.ptr
  %r = llvm.call @puts(%p) : (!llvm.ptr) -> i32
  return %x : tensor<2xf32>
}
