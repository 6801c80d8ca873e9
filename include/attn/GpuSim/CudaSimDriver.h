//===- CudaSimDriver.h - A simulated CUDA driver ----------------*- C++ -*-===//
//
// `attn-run --pipeline=cuda --cuda-driver=sim` runs the whole CUDA path of
// the GPU pipeline without a GPU: the host code and the project's CUDA
// runtime (lib/Runtime) run as they would on a GPU machine, but the runtime
// resolves its driver functions here (attnCudaUseDriver) instead of in
// libcuda.so.1. This driver
//  - keeps device memory in allocations of its own, filled with 0xff bytes
//    (NaN floats) until written, and checks every copy, memset and free
//    against them;
//  - loads only cubin (ELF), fatbin or PTX images, checks that a PTX image
//    targets no newer chip than the simulated device and that a kernel
//    looked up by name is in its image (ELF and PTX);
//  - decodes each launch's parameters as the memref descriptors the
//    kernel's gpu.func takes, checks them against its shapes and that every
//    buffer lies inside one device allocation, and runs the kernel on the
//    GPU simulator (GpuSim.h), in device memory;
//  - counts launches, bytes copied each way and live allocations, streams
//    and events (which must all be gone after a call);
//  - can make the Nth call of a driver function fail, to test the error
//    paths of the runtime and of attn-run.
// Streams run synchronously: every operation completes in the call that
// enqueues it.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_GPUSIM_CUDASIMDRIVER_H
#define ATTN_GPUSIM_CUDASIMDRIVER_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace attn::gpusim {

class GpuSimulator;

namespace cuda_sim {

/// The chip the simulated device reports.
constexpr const char *kChip = "sm_90";

/// The driver function called `name` (exported name, e.g. "cuMemAlloc_v2"),
/// or null; the lookup given to attnCudaUseDriver.
void *lookup(const char *name);

/// Launches run the copied kernels of `simulator` (null: launches fail).
void setSimulator(GpuSimulator *simulator);

/// Makes the `nth` call (1-based) of driver function `name` fail with the
/// error a real driver would give for it. `name` may leave out a `_v2`
/// suffix. False with `error` set when no driver function has that name.
bool failCall(llvm::StringRef name, int64_t nth, std::string &error);

struct Stats {
  int64_t launches = 0;
  int64_t allocations = 0;
  int64_t bytesToDevice = 0, bytesFromDevice = 0, bytesOnDevice = 0;
  int64_t peakBytes = 0;
  int64_t modules = 0;
};
/// Counts since the last `takeStats`.
Stats takeStats();

/// The first failure the driver found beyond its error codes (a kernel the
/// simulator rejected, a host pointer passed to a kernel, ...), if any;
/// cleared by the call.
std::optional<std::string> takeFailure();

/// What is still alive that a finished call should have released: device
/// allocations, streams, events (empty when nothing is).
std::string liveResources();

} // namespace cuda_sim
} // namespace attn::gpusim

#endif // ATTN_GPUSIM_CUDASIMDRIVER_H
