// Attention with run-time sizes through --attn-gpu-pipeline (PTX) and the
// project's CUDA runtime on attn-run's simulated CUDA driver: device
// buffers sized at run time (gpu.alloc of the host buffers' sizes), a grid
// counted on the host, launch as on a GPU; against the reference pipeline.
// The entries are those of cpu-dynamic.mlir and gpu-dynamic.mlir.
// REQUIRES: cuda-runtime
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/cpu_dynamic_inputs.py %t
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=cuda --cuda-driver=sim --pipeline-options="format=isa" --entry=decode --input=%t/q1.npy,%t/kc.npy,%t/vc.npy,%t/len203.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=cuda --cuda-driver=sim --pipeline-options="format=isa tile-q=32 tile-k=8" --entry=chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/sink.npy,%t/len37.npy,%t/len203.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=cuda --cuda-driver=sim --pipeline-options="format=isa" --entry=window_bias --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/bias.npy,%t/len64.npy,%t/len100.npy --check --oracle=reference | FileCheck %s
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=cuda --cuda-driver=sim --pipeline-options="format=isa" --entry=bf16_chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/len37.npy,%t/len203.npy --check --oracle=reference --atol=4e-3 --rtol=1.6e-2 | FileCheck %s
// RUN: attn-run %S/gpu-dynamic.mlir --pipeline=cuda --cuda-driver=sim --pipeline-options="format=isa" --entry=batch --input=%t/q3.npy,%t/kc3.npy,%t/vc3.npy,%t/len2.npy,%t/len37.npy,%t/len100.npy --check --oracle=reference | FileCheck %s
// CHECK: cuda-sim: 1 module(s) loaded, 1 launch(es),
// CHECK-NOT: FAIL
// CHECK: check: PASS
//
// No query rows: the launcher skips the launch (CUDA refuses empty grids).
// RUN: attn-run %S/cpu-dynamic.mlir --pipeline=cuda --cuda-driver=sim --pipeline-options="format=isa" --entry=chunk --input=%t/q64.npy,%t/kc.npy,%t/vc.npy,%t/sink.npy,%t/len0.npy,%t/len203.npy --check --oracle=reference | FileCheck %s --check-prefix=EMPTY
// EMPTY: cuda-sim: 1 module(s) loaded, 0 launch(es),
// EMPTY: check: PASS
//
// RUN: not attn-run %S/cpu-dynamic.mlir --pipeline=cuda --cuda-driver=sim --pipeline-options="format=isa" --entry=mismatch --input=%t/q1.npy,%t/kc.npy,%t/vc.npy,%t/len203.npy,%t/len100.npy 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: attn.attention at {{.*}}cpu-dynamic.mlir{{.*}}: the value's length differs from the key's
// BAD-NOT: PLEASE submit
