// The registered pipelines refuse options out of range or unknown by name,
// with an error that names the pipeline and a non-zero exit, before any pass
// runs (libomp aborts when a kernel asks for 100000 threads;
// gpu-module-to-binary reports an unknown format without failing).
// RUN: not attn-opt %s --attn-cpu-pipeline="num-threads=100000" 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not attn-opt %s --pass-pipeline="builtin.module(attn-cpu-pipeline{num-threads=1025})" 2>&1 | FileCheck %s --check-prefix=THREADS-NESTED
// RUN: attn-opt %s --attn-cpu-pipeline="num-threads=1024" | FileCheck %s --check-prefix=LOWERED
// RUN: not attn-opt %s --attn-gpu-pipeline="chip=sm_80 format=bogus" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not attn-opt %s --attn-gpu-sim-pipeline="format=bogus" 2>&1 | FileCheck %s --check-prefix=FORMAT-SIM
// RUN: not attn-opt %s --attn-gpu-pipeline="chip=gfx90a" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not attn-opt %s --attn-gpu-pipeline="chip=sm_" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not attn-opt %s --attn-gpu-pipeline="opt-level=7" 2>&1 | FileCheck %s --check-prefix=OPT
// A value that does not parse: llvm::cl's line, then one that names the
// pipeline (never an empty error).
// RUN: not attn-opt %s --attn-cpu-pipeline="num-threads=abc" 2>&1 | FileCheck %s --check-prefix=TYPE
// RUN: not attn-opt %s --attn-reference-pipeline="bogus=1" 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// THREADS: error: attn-cpu-pipeline: num-threads must be at most 1024, got 100000
// THREADS-NESTED: error: attn-cpu-pipeline: num-threads must be at most 1024, got 1025
// LOWERED: llvm.func @f
// FORMAT: error: attn-gpu-pipeline: format must be one of bin, isa, fatbin, offload (or binary, assembly, fatbinary, offloading, llvm), got 'bogus'
// FORMAT-SIM: error: attn-gpu-sim-pipeline: format must be one of
// CHIP: error: attn-gpu-pipeline: chip must name an NVIDIA architecture, e.g. sm_80 or sm_90a, got
// OPT: error: attn-gpu-pipeline: opt-level must be 0 to 3, got 7
// TYPE: for the --num-threads option: 'abc' value invalid for uint argument!
// TYPE-NEXT: error: attn-cpu-pipeline: invalid options 'num-threads=abc'{{$}}
// UNKNOWN: error: attn-reference-pipeline: invalid options 'bogus=1': <Pass-Options-Parser>: no such option bogus

func.func @f(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}
