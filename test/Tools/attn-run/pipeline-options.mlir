// attn-run --pipeline-options="...": options of the chosen pipeline (only;
// the reference oracle compiles with its own defaults), checked against that
// pipeline's options; results-as-out-params and emit-c-interface are always
// set. Default: none.
//
// They reach the pipeline: the GPU simulator's kernel runs one thread block
// per 64 query rows by default, two with tile-q=32; the results stay right.
// RUN: attn-run %s --pipeline=gpu-sim --check --oracle=naive | FileCheck %s --check-prefix=DEFAULT
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options= --check --oracle=naive | FileCheck %s --check-prefix=DEFAULT
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=32 tile-k=8" --check --oracle=naive | FileCheck %s --check-prefix=TILE32
// The reference oracle does not get the cpu pipeline's options.
// RUN: attn-run %s --pipeline=cpu --pipeline-options="tile-q=16 tile-k=8 num-threads=1" --check | FileCheck %s --check-prefix=CPU
// Turning off what attn-run needs has no effect.
// RUN: attn-run %s --pipeline=cpu --pipeline-options="results-as-out-params=false emit-c-interface=false" --check | FileCheck %s --check-prefix=CPU
//
// Errors, exit code 2: an option the pipeline does not have, a value of the
// wrong type, a value the pipeline's pass rejects.
// RUN: not attn-run %s --pipeline=gpu-sim --pipeline-options="bogus=1" 2>&1 | FileCheck %s --check-prefix=BOGUS
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="bogus=1"; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --pipeline-options="tile-q=32" 2>&1 | FileCheck %s --check-prefix=NOT-REFERENCE
// RUN: not attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=abc" 2>&1 | FileCheck %s --check-prefix=TYPE
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=abc"; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=48" 2>&1 | FileCheck %s --check-prefix=VALUE
// RUN: attn-run %s --pipeline=gpu-sim --pipeline-options="tile-q=48"; echo rc=$? | FileCheck %s --check-prefix=RC2
// Values out of range are refused before anything runs (libomp aborts when
// asked for 100000 threads).
// RUN: not attn-run %s --pipeline=cpu --pipeline-options="num-threads=100000" 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: attn-run %s --pipeline=cpu --pipeline-options="num-threads=100000"; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --pipeline=gpu-sim --pipeline-options="format=bogus" 2>&1 | FileCheck %s --check-prefix=FORMAT

// DEFAULT: gpu-sim: 1 thread blocks simulated; kernels: attention
// DEFAULT: check: PASS
// TILE32: gpu-sim: 2 thread blocks simulated; kernels: attention
// TILE32: check: PASS
// CPU: entry: @main (pipeline cpu)
// CPU: check: oracle=reference{{$}}
// CPU: check: PASS

// BOGUS: attn-run: error: invalid --pipeline-options 'bogus=1' for pipeline 'gpu-sim': <Pass-Options-Parser>: no such option bogus
// NOT-REFERENCE: attn-run: error: invalid --pipeline-options 'tile-q=32' for pipeline 'reference': <Pass-Options-Parser>: no such option tile-q
// TYPE: for the --tile-q option: 'abc' value invalid for long argument!
// TYPE-NEXT: attn-run: error: invalid --pipeline-options 'tile-q=abc' for pipeline 'gpu-sim': a value does not parse
// THREADS: attn-run: error: invalid --pipeline-options 'num-threads=100000' for pipeline 'cpu': num-threads must be at most 1024, got 100000
// FORMAT: attn-run: error: invalid --pipeline-options 'format=bogus' for pipeline 'gpu-sim': format must be one of bin, isa, fatbin, offload
// VALUE: error: convert-attn-to-gpu: tile-q (48) must be a positive multiple of 32
// VALUE: attn-run: error: pipeline 'gpu-sim' failed on {{.*}}pipeline-options.mlir
// RC2: rc=2

func.func @main(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32> -> tensor<1x1x64x16xf32>
  return %o : tensor<1x1x64x16xf32>
}
