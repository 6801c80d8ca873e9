// attn-run --probe-cuda: only reports whether the CUDA driver of
// --cuda-driver (default: the system's libcuda.so.1) has a usable device:
// exit 0 and a 'cuda:' line, or exit 2 and why not. It needs no input file,
// and with one it runs nothing.
// REQUIRES: cuda-runtime
// RUN: rm -rf %t && mkdir -p %t
//
// The system driver: a device line and 0 on a GPU machine, the reason and 2
// elsewhere; never anything else (lit enables `cuda` from this probe).
// RUN: attn-run --probe-cuda > %t/system.txt 2>&1; echo rc=$? >> %t/system.txt
// RUN: tr '\n' ' ' < %t/system.txt | FileCheck %s --check-prefix=SYSTEM
// RUN: attn-run --probe-cuda --cuda-driver=system > %t/explicit.txt 2>&1; echo rc=$? >> %t/explicit.txt
// RUN: diff %t/system.txt %t/explicit.txt
//
// The simulated driver's device.
// RUN: attn-run --probe-cuda --cuda-driver=sim | FileCheck %s --check-prefix=SIM
// RUN: attn-run %s --probe-cuda --cuda-driver=sim --check --bench | FileCheck %s --check-prefix=SIM --implicit-check-not=entry: --implicit-check-not=bench: --implicit-check-not=check:
// RUN: attn-run %t/does-not-exist.mlir --probe-cuda --cuda-driver=sim | FileCheck %s --check-prefix=SIM
// A driver without a device: the reason and exit code 2.
// RUN: not attn-run --probe-cuda --cuda-driver=sim --cuda-sim-fail=cuInit 2>&1 | FileCheck %s --check-prefix=NODEV
// RUN: attn-run --probe-cuda --cuda-driver=sim --cuda-sim-fail=cuInit; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run --probe-cuda --cuda-driver=sim --cuda-sim-fail=cuDeviceGetCount 2>&1 | FileCheck %s --check-prefix=COUNT
// RUN: attn-run --probe-cuda --cuda-driver=sim --cuda-sim-fail=cuDevicePrimaryCtxRetain; echo rc=$? | FileCheck %s --check-prefix=RC2
// A device the driver cannot describe is not usable either: the failing call
// is named, never an empty name, sm_0 or driver 0.0.
// RUN: not attn-run --probe-cuda --cuda-driver=sim --cuda-sim-fail=cuDeviceGet 2>&1 | FileCheck %s --check-prefix=GET
// RUN: not attn-run --probe-cuda --cuda-driver=sim --cuda-sim-fail=cuDeviceGetName 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: attn-run --probe-cuda --cuda-driver=sim --cuda-sim-fail=cuDeviceGetName; echo rc=$? | FileCheck %s --check-prefix=RC2
// RUN: not attn-run --probe-cuda --cuda-driver=sim --cuda-sim-fail=cuDeviceGetAttribute:2 2>&1 | FileCheck %s --check-prefix=ATTR
// RUN: not attn-run --probe-cuda --cuda-driver=sim --cuda-sim-fail=cuDriverGetVersion 2>&1 | FileCheck %s --check-prefix=VERSION
//
// RUN: not attn-run --probe-cuda=x 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: attn-run --probe-cuda=x; echo rc=$? | FileCheck %s --check-prefix=RC2

// SYSTEM: {{^(cuda: [^,]+, sm_[1-9][0-9]+, driver [1-9][0-9]*\.[0-9]+ rc=0|attn-run: error: no usable CUDA device: .+ rc=2) $}}
// SIM: cuda: attn-run simulated GPU, sm_90, driver 13.0
// NODEV: attn-run: error: no usable CUDA device: cuInit failed: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)
// COUNT: attn-run: error: no usable CUDA device: cuDeviceGetCount failed: CUDA_ERROR_UNKNOWN
// GET: attn-run: error: no usable CUDA device: cuDeviceGet failed:
// NAME: attn-run: error: no usable CUDA device: cuDeviceGetName failed:
// ATTR: attn-run: error: no usable CUDA device: cuDeviceGetAttribute failed:
// VERSION: attn-run: error: no usable CUDA device: cuDriverGetVersion failed:
// BAD: attn-run: for the --probe-cuda option: 'x' is invalid value for boolean argument! Try 0 or 1
// RC2: rc=2

func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
