// The host pipelines refuse device code: their LLVM conversions used to
// report an error for a gpu.module's shared memory and still succeed.
// RUN: not attn-opt %s --attn-cpu-pipeline 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: not attn-opt %s --attn-reference-pipeline 2>&1 | FileCheck %s --check-prefix=REF
// RUN: not attn-opt %s --attn-check-host-module 2>&1 | FileCheck %s --check-prefix=DEFAULT
// RUN: attn-opt %s --split-input-file --attn-check-host-module -verify-diagnostics
// A module without gpu.module passes unchanged.
// RUN: attn-opt %S/../Dialect/Attn/round-trip.mlir --split-input-file --attn-check-host-module | FileCheck %s --check-prefix=HOST

// CPU: error: 'gpu.module' @k holds device code, which --attn-cpu-pipeline does not lower (it lowers host code only); --attn-gpu-pipeline compiles gpu.module
// CPU-NOT: conversion of memref memory space
// REF: error: 'gpu.module' @k holds device code, which --attn-reference-pipeline does not lower
// DEFAULT: error: 'gpu.module' @k holds device code, which the host pipeline does not lower
// HOST: func.func @defaults

module attributes {gpu.container_module} {
  // expected-error @+1 {{'gpu.module' @k holds device code, which the host pipeline does not lower (it lowers host code only); --attn-gpu-pipeline compiles gpu.module}}
  gpu.module @k {
    gpu.func @pairs(%x: memref<32xf32>) workgroup(%tile: memref<32xf32, #gpu.address_space<workgroup>>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %x[%i] : memref<32xf32>
      memref.store %v, %tile[%i] : memref<32xf32, #gpu.address_space<workgroup>>
      gpu.return
    }
  }
  func.func @f(%x: tensor<32xf32>) -> tensor<32xf32> {
    return %x : tensor<32xf32>
  }
}
