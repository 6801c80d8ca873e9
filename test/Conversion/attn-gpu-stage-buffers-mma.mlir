// RUN: attn-opt %s --convert-attn-to-gpu --attn-gpu-stage-buffers | FileCheck %s

// The tensor-core kernel writes its output with vector.store: the output is
// copied back after the launch (and not in before it), like the SIMT
// kernel's memref.store. Read/write comes from the users' memory effects.
// CHECK-LABEL: func.func private @__attn_gpu_launch(
// CHECK-SAME: %[[Q:[^:]*]]: memref<1x2x128x64xbf16>, {{.*}}, %[[OUT:[^:]*]]: memref<1x2x128x32xbf16>)
// CHECK: %[[DQ:.*]] = gpu.alloc () : memref<1x2x128x64xbf16>
// CHECK: gpu.memcpy %[[DQ]], %[[Q]]
// CHECK: gpu.alloc () : memref<2x32x64xi8>
// CHECK: %[[DOUT:.*]] = gpu.alloc () : memref<1x2x128x32xbf16>
// CHECK-NOT: gpu.memcpy
// CHECK: gpu.launch_func @__attn_gpu::@attention
// CHECK-NEXT: gpu.memcpy %[[OUT]], %[[DOUT]]
func.func @bf16_causal(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>, %v: tensor<1x2x128x32xbf16>) -> tensor<1x2x128x32xbf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal} : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x32xbf16> -> tensor<1x2x128x32xbf16>
  return %o : tensor<1x2x128x32xbf16>
}
