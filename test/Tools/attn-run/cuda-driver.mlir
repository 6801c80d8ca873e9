// attn-run --cuda-driver: the CUDA driver of --pipeline=cuda (and
// --probe-cuda): 'system' (libcuda.so.1, the default) or 'sim', a driver
// simulated inside attn-run that runs the project's CUDA runtime without a
// GPU, reports what was launched and copied, and checks device memory.
// REQUIRES: cuda-runtime
// RUN: rm -rf %t && mkdir -p %t
//
// The system driver is the default. Without a GPU the pipeline stops with the
// reason and exit code 2; with one it runs (no `cuda-sim:` report either way).
// RUN: attn-run %s --pipeline=cuda --pipeline-options=format=isa > %t/default.txt 2>&1; echo rc=$? >> %t/default.txt
// RUN: attn-run %s --pipeline=cuda --pipeline-options=format=isa --cuda-driver=system > %t/system.txt 2>&1; echo rc=$? >> %t/system.txt
// RUN: head -n 1 %t/default.txt > %t/default.head && head -n 1 %t/system.txt > %t/system.head
// RUN: diff %t/default.head %t/system.head
// RUN: tr '\n' ' ' < %t/system.txt | FileCheck %s --check-prefix=SYSTEM --implicit-check-not=cuda-sim:
//
// The simulated driver: one module, one launch, the 128-byte result back,
// right against the naive oracle.
// RUN: attn-run %s --pipeline=cuda --pipeline-options=format=isa --cuda-driver=sim --check --oracle=naive | FileCheck %s --check-prefix=SIM
// RUN: attn-run %s --pipeline=attn-gpu-pipeline --pipeline-options=format=isa --cuda-driver=sim | FileCheck %s --check-prefix=SIM-NAME
// RUN: attn-run %s --pipeline=cuda --pipeline-options=format=isa --cuda-driver=sim --json | FileCheck %s --check-prefix=SIM-JSON --implicit-check-not=cuda-sim:
//
// Usage errors, exit code 2: an unknown driver, and the simulated driver with
// a pipeline that does not use CUDA.
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=simulated 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: attn-run %s --pipeline=cuda --cuda-driver=simulated; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run %s --pipeline=cuda --cuda-driver= 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: not attn-run %s --cuda-driver=sim 2>&1 | FileCheck %s --check-prefix=NOT-CUDA
// RUN: not attn-run %s --pipeline=gpu-sim --cuda-driver=sim 2>&1 | FileCheck %s --check-prefix=NOT-CUDA
// RUN: attn-run %s --pipeline=gpu-sim --cuda-driver=sim; echo rc=$? | FileCheck %s --check-prefix=RC2

// SYSTEM: {{^(attn-run: error: pipeline 'cuda' needs a usable CUDA driver and device: .+ rc=2|entry: @main \(pipeline cuda\) .+ rc=0) $}}

// SIM: cuda-sim: 1 module(s) loaded, 1 launch(es), {{[0-9]+}} device allocation(s) (peak {{[0-9]+}} bytes), {{[0-9]+}} bytes to the device, 128 bytes back, 0 bytes device to device; kernels: attention (simt.f32)
// SIM-NEXT: entry: @main (pipeline cuda)
// SIM: check: oracle=naive
// SIM-NEXT: result 0: {{.*}} PASS
// SIM-NAME: cuda-sim: 1 module(s) loaded, 1 launch(es),
// SIM-NAME-NEXT: entry: @main (pipeline attn-gpu-pipeline)
// SIM-JSON: "cuda_sim":{"allocations":{{[0-9]+}},"bytes_from_device":128,"bytes_on_device":0,"bytes_to_device":{{[0-9]+}},"kernels":"attention (simt.f32)","launches":1,"modules":1,"peak_bytes":{{[0-9]+}}}

// UNKNOWN: attn-run: error: unknown --cuda-driver 'simulated' (expected system or sim)
// EMPTY: attn-run: error: unknown --cuda-driver '' (expected system or sim)
// NOT-CUDA: attn-run: error: --cuda-driver=sim needs --pipeline=cuda (or --probe-cuda)
// RC2: rc=2

func.func @main(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %o = attn.attention %q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}
