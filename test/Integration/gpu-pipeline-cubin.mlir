// --attn-gpu-pipeline down to gpu.binary without a GPU: cubins for sm_80 and
// sm_90 (gpu-module-to-binary calls the toolkit's ptxas), PTX that ptxas
// accepts when run explicitly, and host code that translates to LLVM IR
// calling the project's mgpu* runtime.
// REQUIRES: cuda-toolkit
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_80" | FileCheck %s --check-prefixes=BIN,SM80 --implicit-check-not=gpu.module --implicit-check-not=scf. --implicit-check-not=memref. --implicit-check-not=attn.
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_90 features=+ptx80 tile-q=32 tile-k=16" | FileCheck %s --check-prefixes=BIN,SM90 --implicit-check-not=gpu.module
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_90 format=isa" -o %t.isa.mlir
// RUN: FileCheck %s --check-prefix=PTX < %t.isa.mlir
// RUN: %python %S/Inputs/gpu_extract_ptx.py %t.isa.mlir > %t.ptx
// RUN: FileCheck %s --check-prefix=PTXFILE < %t.ptx
// RUN: %cuda_toolkit/bin/ptxas -v -arch=sm_90 %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_80 format=isa" | %python %S/Inputs/gpu_extract_ptx.py > %t.sm80.ptx
// RUN: %cuda_toolkit/bin/ptxas -v -arch=sm_80 %t.sm80.ptx -o %t.sm80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS-SM80
// RUN: attn-opt %s --attn-gpu-pipeline="chip=sm_80 results-as-out-params emit-c-interface" | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=LLVMIR
// A missing toolkit is an error that names it.
// RUN: not attn-opt %s --attn-gpu-pipeline="toolkit=%t.no-toolkit" 2>&1 | FileCheck %s --check-prefix=NOPTXAS

// SM80: module attributes {attn.gpu.target = {chip = "sm_80", features = ""
// SM90: module attributes {attn.gpu.target = {chip = "sm_90", features = "+ptx80"
// The launcher: device buffers, copies, the launch, one stream.
// BIN-LABEL: llvm.func @__attn_gpu_launch(
// BIN: llvm.call @mgpuStreamCreate()
// BIN: llvm.call @mgpuMemAlloc(
// BIN: llvm.call @mgpuMemcpy(
// SM80: gpu.launch_func <%{{.*}} : !llvm.ptr> @__attn_gpu::@attention blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}}) : i64
// SM90: gpu.launch_func <%{{.*}} : !llvm.ptr> @__attn_gpu::@attention
// BIN: llvm.call @mgpuMemFree(
// BIN: llvm.call @mgpuStreamSynchronize(
// BIN: llvm.call @mgpuStreamDestroy(
// BIN-LABEL: llvm.func @main(
// BIN: llvm.call @__attn_gpu_launch(
// SM80: gpu.binary @__attn_gpu [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", link = ["{{.*}}/nvvm/libdevice/libdevice.10.bc"]>, properties = {{.*}}, bin = "\7FELF
// SM90: gpu.binary @__attn_gpu [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80", link = ["{{.*}}/nvvm/libdevice/libdevice.10.bc"]>, properties = {{.*}}, bin = "\7FELF

// PTX: gpu.binary @__attn_gpu [#gpu.object<#nvvm.target<O = 3, chip = "sm_90"{{.*}}assembly = "
// PTXFILE: .target sm_90
// PTXFILE: .visible .entry attention(
// Shared stages and barriers; exp comes from libdevice (inlined).
// PTXFILE: .shared .align {{[0-9]+}} .b8 __wg_attention_0
// PTXFILE: bar.sync 0
// PTXFILE: ex2.approx
// PTXFILE-NOT: call.uni
// D = Dv = 32: the unrolled kernel keeps its query row, accumulator and
// score row in registers (no local memory), with two 4 KiB stages.
// PTXAS: Compiling entry function 'attention' for 'sm_90'
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS: Used {{[0-9]+}} registers, used 1 barriers, 8192 bytes smem
// PTXAS-SM80: Compiling entry function 'attention' for 'sm_80'
// PTXAS-SM80: Used {{[0-9]+}} registers, used 1 barriers

// LLVMIR: call ptr @mgpuModuleGetFunction(
// LLVMIR: call void @mgpuLaunchKernel(ptr %{{.*}}, i64 2, i64 2, i64 1, i64 64, i64 1, i64 1, i32 0,
// LLVMIR: define void @_mlir_ciface_main(
// LLVMIR: call ptr @mgpuModuleLoad(ptr @__attn_gpu_binary, i64 {{[0-9]+}})

// NOPTXAS: error: CUDA path: {{.*}}.no-toolkit does not exist or is not a directory

func.func @main(%q: tensor<1x2x100x32xf32>, %k: tensor<1x2x100x32xf32>, %v: tensor<1x2x100x32xf32>) -> tensor<1x2x100x32xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.window<left = 16, right = 0, sinks = 4>, softcap = 20.0 : f32}
      : tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32> -> tensor<1x2x100x32xf32>
  return %o : tensor<1x2x100x32xf32>
}
