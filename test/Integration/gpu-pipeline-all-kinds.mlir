// Every normalizer and pattern kind compiles to a cubin without a GPU: the
// functions of the attention-*.mlir integration files (softmax with and
// without sinks, ReLU in its three norms, sigmoid, softplus-l1; causal,
// block-sparse, 3-D causal neighborhood; f32 and bf16) through
// --attn-gpu-pipeline, every op as a fused kernel.
// REQUIRES: cuda-toolkit
// RUN: attn-opt %S/attention-causal.mlir --attn-gpu-pipeline="chip=sm_80" | FileCheck %s --check-prefix=TEN --implicit-check-not=attn.attention --implicit-check-not=linalg.
// RUN: attn-opt %S/attention-block-sparse.mlir --attn-gpu-pipeline="chip=sm_90" | FileCheck %s --check-prefix=TEN --implicit-check-not=attn.attention --implicit-check-not=linalg.
// RUN: attn-opt %S/attention-nbhd3d-causal.mlir --attn-gpu-pipeline="chip=sm_80 tile-q=32 tile-k=8" | FileCheck %s --check-prefix=TEN --implicit-check-not=attn.attention --implicit-check-not=linalg.
// RUN: attn-opt %S/attention-bf16.mlir --attn-gpu-pipeline="chip=sm_90" | FileCheck %s --check-prefix=SIX --implicit-check-not=attn.attention --implicit-check-not=linalg.

// TEN-COUNT-10: gpu.launch_func <%{{.*}} : !llvm.ptr> @__attn_gpu::@attention{{(_[0-9]+)?}} blocks
// TEN: gpu.binary @__attn_gpu [#gpu.object<#nvvm.target<{{.*}}bin = "\7FELF
// SIX-COUNT-6: gpu.launch_func <%{{.*}} : !llvm.ptr> @__attn_gpu::@attention{{(_[0-9]+)?}} blocks
// SIX: gpu.binary @__attn_gpu [#gpu.object<#nvvm.target<O = 3, chip = "sm_90"{{.*}}bin = "\7FELF
