// The default GPU pipeline output (cubin from the toolkit's ptxas) and a
// fatbin, loaded by the project's CUDA runtime through cuModuleLoadData on
// attn-run's simulated driver, which checks the ELF image names the kernel.
// REQUIRES: cuda-runtime, cuda-toolkit
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --seed=7 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options="format=fatbin chip=sm_80" --seed=7 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s
// wgmma=true compiles for sm_90a on the (simulated) sm_90 device.
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --pipeline-options="wgmma=true" --seed=7 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=WGMMA
// RUN: not attn-run %s --pipeline=cuda --cuda-driver=sim --cuda-sim-fail=cuModuleLoadData 2>&1 | FileCheck %s --check-prefix=LOAD
// Stages beyond 48 KiB are dynamic shared memory: the launch gives their
// bytes, which the simulated driver allows only after the runtime has raised
// the function's CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES.
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --entry=wide --pipeline-options="tile-q=128 tile-k=128 shared-memory-bytes=131072" --seed=8 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=DYNAMIC
// RUN: attn-run %s --pipeline=cuda --cuda-driver=sim --entry=wide --pipeline-options="wgmma=true tile-q=128 tile-k=64 shared-memory-bytes=131072" --seed=8 --check --oracle=naive --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=DYNAMIC-WG

// CHECK: cuda-sim: 1 module(s) loaded, 1 launch(es),
// CHECK-NOT: FAIL
// CHECK: check: PASS
// WGMMA: cuda-sim: 1 module(s) loaded, 1 launch(es), {{.*}}; kernels: attention (wgmma.m64n32k16.f16)
// WGMMA: check: PASS
// DYNAMIC: cuda-sim: 1 module(s) loaded, 1 launch(es), {{.*}}; kernels: attention (mma.m16n8k16.f16)
// DYNAMIC: check: PASS
// DYNAMIC-WG: kernels: attention (wgmma.m64n64k16.f16)
// DYNAMIC-WG: check: PASS
// LOAD: attn-run: error: the CUDA runtime failed while running @main: mgpuModuleLoad: cuModuleLoadData failed: CUDA_ERROR_INVALID_IMAGE (device kernel image is invalid)

func.func @main(%q: tensor<1x2x24x32xf16>, %k: tensor<1x2x40x32xf16>, %v: tensor<1x2x40x32xf16>) -> tensor<1x2x24x32xf16> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x2x24x32xf16>, tensor<1x2x40x32xf16>, tensor<1x2x40x32xf16> -> tensor<1x2x24x32xf16>
  return %o : tensor<1x2x24x32xf16>
}

func.func @wide(%q: tensor<1x2x128x128xf16>, %k: tensor<1x2x256x128xf16>, %v: tensor<1x2x256x128xf16>) -> tensor<1x2x128x128xf16> {
  %o = attn.attention %q, %k, %v
      : tensor<1x2x128x128xf16>, tensor<1x2x256x128xf16>, tensor<1x2x256x128xf16> -> tensor<1x2x128x128xf16>
  return %o : tensor<1x2x128x128xf16>
}
