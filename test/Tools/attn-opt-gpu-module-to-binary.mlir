// attn-opt registers the GPU-to-LLVM-IR translations, so upstream
// gpu-module-to-binary works on GPU modules lowered outside
// --attn-gpu-pipeline.
// RUN: attn-opt %s --pass-pipeline="builtin.module(gpu.module(convert-gpu-to-nvvm), nvvm-attach-target{chip=sm_80}, gpu-module-to-binary{format=isa})" | FileCheck %s

// CHECK: gpu.binary @m [#gpu.object<#nvvm.target<chip = "sm_80">
// CHECK-SAME: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @k(%a: i32, %b: i32, %c: f32, %o: memref<4xf32>) kernel {
      %r = nvvm.mma.sync A[%a, %a, %a, %a] B[%b, %b] C[%c, %c, %c, %c] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
      %x = llvm.extractvalue %r[0] : !llvm.struct<(f32, f32, f32, f32)>
      %i = arith.constant 0 : index
      memref.store %x, %o[%i] : memref<4xf32>
      gpu.return
    }
  }
}
