// attn-run --bench: after the checked call, untimed warm-up calls (--warmup,
// default 3) and timed calls (--repeat, default 10) of the compiled entry;
// reports the median and minimum time and the useful GFLOP/s of the original
// entry's attn.attention ops. Only the report's structure and counts are
// checked here, never timings. @calls prints "call" from every call.
//
// Off by default: one call, no report.
// RUN: attn-run %s --entry=calls | FileCheck %s --check-prefix=OFF --implicit-check-not=bench:
// RUN: attn-run %s --entry=calls | grep '^call$' | count 1
// RUN: attn-run %s --entry=calls --json | FileCheck %s --check-prefix=OFF-JSON
//
// On: 1 + 3 + 10 calls with the defaults.
// RUN: attn-run %s --entry=calls --bench | FileCheck %s --check-prefix=NOFLOPS
// RUN: attn-run %s --entry=calls --bench | grep '^call$' | count 14
// RUN: attn-run %s --entry=calls --bench --json | FileCheck %s --check-prefix=NOFLOPS-JSON
//
// Useful FLOPs = 2 (D + Dv) B Hq visible_pairs, summed over the ops:
// 2 * 16 * 16 (dense 4x4) + 2 * 16 * 10 (causal 4x4) = 832.
// RUN: attn-run %s --entry=two_attn --bench --warmup=1 --repeat=2 | FileCheck %s --check-prefix=FLOPS
// RUN: attn-run %s --entry=two_attn --bench --warmup=1 --repeat=2 --json | FileCheck %s --check-prefix=FLOPS-JSON
// With --check the check comes first and the bench after it.
// RUN: attn-run %s --entry=two_attn --bench --warmup=0 --repeat=1 --check --pipeline=cpu | FileCheck %s --check-prefix=WITH-CHECK
//
// RUN: not attn-run %s --entry=calls --bench=3 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: attn-run %s --entry=calls --bench=3; echo rc=$? | FileCheck %s --check-prefix=RC2

// OFF: entry: @calls (pipeline reference)
// OFF-JSON-NOT: "bench"
// OFF-JSON: "entry":"calls"
// OFF-JSON-NOT: "bench"

// NOFLOPS: bench: warmup=3 repeat=10 median={{[0-9.]+}} ms min={{[0-9.]+}} ms GFLOP/s=n/a (no counted attention ops){{$}}
// NOFLOPS-JSON: "bench":{"attention_ops":0,"gflops":null,"median_ms":{{[0-9.e+-]+}},"min_ms":{{[0-9.e+-]+}},"repeat":10,"times_ms":[{{([0-9.e+-]+,){9}[0-9.e+-]+}}],"useful_flops":null,"warmup":3}

// FLOPS: entry: @two_attn (pipeline reference)
// FLOPS: bench: warmup=1 repeat=2 median={{[0-9.]+}} ms min={{[0-9.]+}} ms GFLOP/s={{[0-9.]+}} (useful FLOPs 832 in 2 attention ops){{$}}
// FLOPS-NOT: kernels:
// FLOPS-JSON: "bench":{"attention_ops":2,"gflops":{{[0-9.e+-]+}},"median_ms":{{[0-9.e+-]+}},"min_ms":{{[0-9.e+-]+}},"repeat":2,"times_ms":[{{[0-9.e+-]+}},{{[0-9.e+-]+}}],"useful_flops":832,"warmup":1}

// WITH-CHECK: check: PASS
// WITH-CHECK-NEXT: bench: warmup=0 repeat=1 {{.*}} (useful FLOPs 832 in 2 attention ops)

// BAD: attn-run: for the --bench option: '3' is invalid value for boolean argument! Try 0 or 1
// BAD: attn-run: error: invalid command line (see --help)
// RC2: rc=2

llvm.mlir.global internal constant @msg("call\00")
llvm.func @puts(!llvm.ptr) -> i32
func.func @calls(%x: tensor<2xf32>) -> tensor<2xf32> {
  %p = llvm.mlir.addressof @msg : !llvm.ptr
  %r = llvm.call @puts(%p) : (!llvm.ptr) -> i32
  return %x : tensor<2xf32>
}
func.func @two_attn(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  %c = attn.attention %o, %k, %v {pattern = #attn.causal}
      : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return %c : tensor<1x1x4x8xf32>
}
