// attn-run --warmup=N: N untimed calls before the timed ones of --bench
// (default 3). They are real calls of the entry, which prints "call" from
// each, but not timed: times_ms keeps --repeat entries. Without --bench the
// option does nothing.
// RUN: attn-run %s --bench --repeat=1 | FileCheck %s --check-prefix=DEFAULT
// RUN: attn-run %s --bench --repeat=1 | grep '^call$' | count 5
// RUN: attn-run %s --bench --repeat=1 --warmup=0 | grep '^call$' | count 2
// RUN: attn-run %s --bench --repeat=1 --warmup=4 | grep '^call$' | count 6
// RUN: attn-run %s --bench --repeat=1 --warmup=4 --json | FileCheck %s --check-prefix=JSON
// RUN: attn-run %s --warmup=4 | grep '^call$' | count 1
//
// Not a count: exit code 2 and a clear message.
// RUN: not attn-run %s --bench --warmup=-1 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: attn-run %s --bench --warmup=-1; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --bench --warmup=two 2>&1 | FileCheck %s --check-prefix=WORD

// DEFAULT: bench: warmup=3 repeat=1 median=
// JSON: "repeat":1,"times_ms":[{{[0-9.e+-]+}}],"useful_flops":null,"warmup":4}
// NEG: attn-run: for the --warmup option: '-1' value invalid for uint argument!
// NEG: attn-run: error: invalid command line (see --help)
// WORD: attn-run: for the --warmup option: 'two' value invalid for uint argument!
// RC2: rc=2

llvm.mlir.global internal constant @msg("call\00")
llvm.func @puts(!llvm.ptr) -> i32
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %p = llvm.mlir.addressof @msg : !llvm.ptr
  %r = llvm.call @puts(%p) : (!llvm.ptr) -> i32
  return %x : tensor<2xf32>
}
