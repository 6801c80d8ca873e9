//===- CudaRuntime.cpp - mgpu* entry points on the CUDA driver API --------===//
//
// The functions MLIR's `gpu-to-llvm` lowering and `gpu.binary` translation
// call (module load, kernel launch, streams, events, device memory), written
// on the CUDA driver API. The driver is opened with dlopen("libcuda.so.1")
// on first use, so this library loads on machines without one; every
// failure names the driver call that failed, is printed once to stderr and
// is kept for `attnCudaLastError`, and later calls that depend on the failed
// one do nothing instead of crashing.
//
// Extra entry points for tools:
//   int attnCudaProbe(char *buf, size_t len)   0 when a device is usable;
//                                              buf describes it or why not
//   const char *attnCudaLastError()            first error, or null
//   void attnCudaClearError()
//   int attnCudaUseDriver(lookup)              resolve the driver functions
//                                              with lookup(name) instead of
//                                              dlopen; before any other call
//   int attnCudaProfileKernels(int enable)     time every launch with events
//   int attnCudaTakeKernelTime(double *ms,     synchronise and sum the timed
//                              int64_t *n)     launches since the last take
//
//===----------------------------------------------------------------------===//

#include <cuda.h>

#include <dlfcn.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#define ATTN_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/// One driver function, found by its exported (versioned) name.
template <typename Fn> struct DriverFn {
  const char *name;
  Fn fn = nullptr;
};

struct Driver {
  void *handle = nullptr;
  DriverFn<decltype(&::cuGetErrorName)> getErrorName{"cuGetErrorName"};
  DriverFn<decltype(&::cuGetErrorString)> getErrorString{"cuGetErrorString"};
  DriverFn<decltype(&::cuInit)> init{"cuInit"};
  DriverFn<decltype(&::cuDriverGetVersion)> driverGetVersion{
      "cuDriverGetVersion"};
  DriverFn<decltype(&::cuDeviceGetCount)> deviceGetCount{"cuDeviceGetCount"};
  DriverFn<decltype(&::cuDeviceGet)> deviceGet{"cuDeviceGet"};
  DriverFn<decltype(&::cuDeviceGetName)> deviceGetName{"cuDeviceGetName"};
  DriverFn<decltype(&::cuDeviceGetAttribute)> deviceGetAttribute{
      "cuDeviceGetAttribute"};
  DriverFn<decltype(&::cuDevicePrimaryCtxRetain)> primaryCtxRetain{
      "cuDevicePrimaryCtxRetain"};
  DriverFn<decltype(&::cuCtxSetCurrent)> ctxSetCurrent{"cuCtxSetCurrent"};
  DriverFn<decltype(&::cuModuleLoadData)> moduleLoadData{"cuModuleLoadData"};
  DriverFn<decltype(&::cuModuleLoadDataEx)> moduleLoadDataEx{
      "cuModuleLoadDataEx"};
  DriverFn<decltype(&::cuModuleUnload)> moduleUnload{"cuModuleUnload"};
  DriverFn<decltype(&::cuModuleGetFunction)> moduleGetFunction{
      "cuModuleGetFunction"};
  DriverFn<decltype(&::cuFuncSetAttribute)> funcSetAttribute{
      "cuFuncSetAttribute"};
  DriverFn<decltype(&::cuLaunchKernel)> launchKernel{"cuLaunchKernel"};
  DriverFn<decltype(&::cuStreamCreate)> streamCreate{"cuStreamCreate"};
  DriverFn<decltype(&::cuStreamDestroy)> streamDestroy{"cuStreamDestroy_v2"};
  DriverFn<decltype(&::cuStreamSynchronize)> streamSynchronize{
      "cuStreamSynchronize"};
  DriverFn<decltype(&::cuStreamWaitEvent)> streamWaitEvent{"cuStreamWaitEvent"};
  DriverFn<decltype(&::cuEventCreate)> eventCreate{"cuEventCreate"};
  DriverFn<decltype(&::cuEventDestroy)> eventDestroy{"cuEventDestroy_v2"};
  DriverFn<decltype(&::cuEventRecord)> eventRecord{"cuEventRecord"};
  DriverFn<decltype(&::cuEventSynchronize)> eventSynchronize{
      "cuEventSynchronize"};
  DriverFn<decltype(&::cuMemAlloc)> memAlloc{"cuMemAlloc_v2"};
  DriverFn<decltype(&::cuMemAllocManaged)> memAllocManaged{"cuMemAllocManaged"};
  DriverFn<decltype(&::cuMemFree)> memFree{"cuMemFree_v2"};
  DriverFn<decltype(&::cuMemcpyAsync)> memcpyAsync{"cuMemcpyAsync"};
  DriverFn<decltype(&::cuMemsetD32Async)> memsetD32Async{"cuMemsetD32Async"};
  DriverFn<decltype(&::cuMemsetD16Async)> memsetD16Async{"cuMemsetD16Async"};

  DriverFn<decltype(&::cuEventElapsedTime)> eventElapsedTime{
      "cuEventElapsedTime_v2"};

  /// Where driver functions come from: dlsym on `handle`, or a lookup the
  /// tool installed with attnCudaUseDriver.
  void *(*lookup)(const char *) = nullptr;

  void *symbol(const char *name) {
    return lookup ? lookup(name) : dlsym(handle, name);
  }
  template <typename Fn> bool resolve(DriverFn<Fn> &f) {
    f.fn = reinterpret_cast<Fn>(symbol(f.name));
    return f.fn != nullptr;
  }
};

std::mutex gMutex;
std::once_flag gInitOnce;
bool gInitialized = false;
Driver gDriver;
bool gUsable = false;
CUdevice gDevice = 0;
int gDeviceOrdinal = 0;
CUcontext gContext = nullptr;
std::string gInitError;
std::string gFirstError;

/// Kernel timing (attnCudaProfileKernels): an event pair around every
/// launch, consumed by attnCudaTakeKernelTime.
bool gProfile = false;
struct TimedLaunch {
  CUevent start, stop;
};
std::vector<TimedLaunch> gTimedLaunches;

/// Records an error (the first one is kept) and prints it.
void reportError(const char *fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  std::lock_guard<std::mutex> lock(gMutex);
  if (gFirstError.empty())
    gFirstError = buf;
  fprintf(stderr, "attn-cuda-runtime: error: %s\n", buf);
}

std::string describe(CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (gDriver.getErrorName.fn)
    gDriver.getErrorName.fn(result, &name);
  if (gDriver.getErrorString.fn)
    gDriver.getErrorString.fn(result, &text);
  std::string out = name ? name : "CUDA error " + std::to_string(result);
  if (text)
    out += std::string(" (") + text + ")";
  return out;
}

/// Checks the result of driver call `call`; false (and reported) on error.
bool check(CUresult result, const char *call, const char *entry) {
  if (result == CUDA_SUCCESS)
    return true;
  reportError("%s: %s failed: %s", entry, call, describe(result).c_str());
  return false;
}

/// Opens the driver and the primary context of the device, once.
void initialize() {
  gInitialized = true;
  Driver &d = gDriver;
  if (!d.lookup) {
    d.handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!d.handle) {
      const char *why = dlerror();
      gInitError = std::string("no CUDA driver: dlopen(\"libcuda.so.1\") "
                               "failed: ") +
                   (why ? why : "unknown error");
      return;
    }
  }
  bool ok = d.resolve(d.getErrorName) && d.resolve(d.getErrorString) &&
            d.resolve(d.init) && d.resolve(d.driverGetVersion) &&
            d.resolve(d.deviceGetCount) && d.resolve(d.deviceGet) &&
            d.resolve(d.deviceGetName) && d.resolve(d.deviceGetAttribute) &&
            d.resolve(d.primaryCtxRetain) && d.resolve(d.ctxSetCurrent) &&
            d.resolve(d.moduleLoadData) && d.resolve(d.moduleLoadDataEx) &&
            d.resolve(d.moduleUnload) && d.resolve(d.moduleGetFunction) &&
            d.resolve(d.funcSetAttribute) && d.resolve(d.launchKernel) &&
            d.resolve(d.streamCreate) && d.resolve(d.streamDestroy) &&
            d.resolve(d.streamSynchronize) && d.resolve(d.streamWaitEvent) &&
            d.resolve(d.eventCreate) && d.resolve(d.eventDestroy) &&
            d.resolve(d.eventRecord) && d.resolve(d.eventSynchronize) &&
            d.resolve(d.memAlloc) && d.resolve(d.memAllocManaged) &&
            d.resolve(d.memFree) && d.resolve(d.memcpyAsync) &&
            d.resolve(d.memsetD32Async) && d.resolve(d.memsetD16Async);
  if (!ok) {
    gInitError = "the CUDA driver lacks a needed function (too old?)";
    return;
  }
  // Kernel timing only: drivers before 12.8 export the unversioned name.
  if (!d.resolve(d.eventElapsedTime)) {
    d.eventElapsedTime.name = "cuEventElapsedTime";
    d.resolve(d.eventElapsedTime);
  }
  CUresult r = d.init.fn(0);
  if (r != CUDA_SUCCESS) {
    gInitError = "cuInit failed: " + describe(r);
    return;
  }
  int count = 0;
  r = d.deviceGetCount.fn(&count);
  if (r != CUDA_SUCCESS || count == 0) {
    gInitError = r != CUDA_SUCCESS ? "cuDeviceGetCount failed: " + describe(r)
                                   : "no CUDA device";
    return;
  }
  if (gDeviceOrdinal >= count) {
    gInitError = "device " + std::to_string(gDeviceOrdinal) +
                 " does not exist (" + std::to_string(count) + " devices)";
    return;
  }
  r = d.deviceGet.fn(&gDevice, gDeviceOrdinal);
  if (r != CUDA_SUCCESS) {
    gInitError = "cuDeviceGet failed: " + describe(r);
    return;
  }
  r = d.primaryCtxRetain.fn(&gContext, gDevice);
  if (r != CUDA_SUCCESS) {
    gInitError = "cuDevicePrimaryCtxRetain failed: " + describe(r);
    return;
  }
  gUsable = true;
}

/// Destroys the events of `timed` that exist.
void destroyEvents(TimedLaunch &timed, const char *entry) {
  for (CUevent *event : {&timed.start, &timed.stop})
    if (*event)
      check(gDriver.eventDestroy.fn(*event), "cuEventDestroy", entry);
  timed = TimedLaunch{nullptr, nullptr};
}

/// Creates the event pair of a timed launch and records its start on
/// `stream`; on failure nothing is left behind.
bool beginTimedLaunch(TimedLaunch &timed, CUstream stream) {
  if (check(gDriver.eventCreate.fn(&timed.start, CU_EVENT_DEFAULT),
            "cuEventCreate", "mgpuLaunchKernel") &&
      check(gDriver.eventCreate.fn(&timed.stop, CU_EVENT_DEFAULT),
            "cuEventCreate", "mgpuLaunchKernel") &&
      check(gDriver.eventRecord.fn(timed.start, stream), "cuEventRecord",
            "mgpuLaunchKernel"))
    return true;
  destroyEvents(timed, "mgpuLaunchKernel");
  return false;
}

/// Makes the device's context current; false (and reported) when there is
/// no usable device.
bool ready(const char *entry) {
  std::call_once(gInitOnce, initialize);
  if (!gUsable) {
    reportError("%s: %s", entry, gInitError.c_str());
    return false;
  }
  return check(gDriver.ctxSetCurrent.fn(gContext), "cuCtxSetCurrent", entry);
}

} // namespace

//===----------------------------------------------------------------------===//
// Tool entry points
//===----------------------------------------------------------------------===//

ATTN_EXPORT int attnCudaProbe(char *buf, size_t len) {
  std::call_once(gInitOnce, initialize);
  std::string text;
  bool described = gUsable;
  if (!gUsable) {
    text = gInitError;
  } else {
    char name[256] = {0};
    int major = 0, minor = 0, driver = 0;
    // A device the driver cannot describe is not usable: the probe reports
    // the first failing call instead of an empty name or sm_0.
    std::pair<CUresult, const char *> calls[] = {
        {gDriver.deviceGetName.fn(name, sizeof(name) - 1, gDevice),
         "cuDeviceGetName"},
        {gDriver.deviceGetAttribute.fn(
             &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, gDevice),
         "cuDeviceGetAttribute"},
        {gDriver.deviceGetAttribute.fn(
             &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, gDevice),
         "cuDeviceGetAttribute"},
        {gDriver.driverGetVersion.fn(&driver), "cuDriverGetVersion"}};
    for (auto [result, call] : calls) {
      if (result != CUDA_SUCCESS) {
        text = std::string(call) + " failed: " + describe(result);
        described = false;
        break;
      }
    }
    if (described)
      text = std::string(name) + ", sm_" + std::to_string(major * 10 + minor) +
             ", driver " + std::to_string(driver / 1000) + "." +
             std::to_string(driver % 1000 / 10);
  }
  if (buf && len > 0) {
    strncpy(buf, text.c_str(), len - 1);
    buf[len - 1] = '\0';
  }
  return described ? 0 : 1;
}

ATTN_EXPORT int attnCudaUseDriver(void *(*lookup)(const char *)) {
  if (!lookup || gInitialized)
    return 1;
  gDriver.lookup = lookup;
  return 0;
}

ATTN_EXPORT int attnCudaProfileKernels(int enable) {
  if (!enable) {
    gProfile = false;
    return 0;
  }
  if (!ready("attnCudaProfileKernels"))
    return 1;
  if (!gDriver.eventElapsedTime.fn) {
    reportError("attnCudaProfileKernels: the CUDA driver lacks "
                "cuEventElapsedTime");
    return 1;
  }
  gProfile = true;
  return 0;
}

ATTN_EXPORT int attnCudaTakeKernelTime(double *milliseconds,
                                       int64_t *launches) {
  std::vector<TimedLaunch> timed;
  {
    std::lock_guard<std::mutex> lock(gMutex);
    timed.swap(gTimedLaunches);
  }
  double total = 0;
  bool ok = true;
  for (TimedLaunch &t : timed) {
    float ms = 0;
    if (ok)
      ok = check(gDriver.eventSynchronize.fn(t.stop), "cuEventSynchronize",
                 "attnCudaTakeKernelTime") &&
           check(gDriver.eventElapsedTime.fn(&ms, t.start, t.stop),
                 "cuEventElapsedTime", "attnCudaTakeKernelTime");
    total += ms;
    destroyEvents(t, "attnCudaTakeKernelTime");
  }
  if (milliseconds)
    *milliseconds = total;
  if (launches)
    *launches = static_cast<int64_t>(timed.size());
  return ok ? 0 : 1;
}

ATTN_EXPORT const char *attnCudaLastError() {
  std::lock_guard<std::mutex> lock(gMutex);
  return gFirstError.empty() ? nullptr : gFirstError.c_str();
}

ATTN_EXPORT void attnCudaClearError() {
  std::lock_guard<std::mutex> lock(gMutex);
  gFirstError.clear();
}

//===----------------------------------------------------------------------===//
// mgpu* entry points (signatures as MLIR's gpu-to-llvm lowering calls them)
//===----------------------------------------------------------------------===//

ATTN_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  gDeviceOrdinal = device;
}

ATTN_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  CUmodule module = nullptr;
  if (!ready("mgpuModuleLoad"))
    return nullptr;
  if (!check(gDriver.moduleLoadData.fn(&module, data), "cuModuleLoadData",
             "mgpuModuleLoad"))
    return nullptr;
  return module;
}

ATTN_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  CUmodule module = nullptr;
  if (!ready("mgpuModuleLoadJIT"))
    return nullptr;
  char log[4096] = {0};
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    log, reinterpret_cast<void *>(sizeof(log) - 1)};
  CUresult r = gDriver.moduleLoadDataEx.fn(&module, data, 3, options, values);
  if (r != CUDA_SUCCESS) {
    reportError("mgpuModuleLoadJIT: cuModuleLoadDataEx failed: %s%s%s",
                describe(r).c_str(), log[0] ? ": " : "", log);
    return nullptr;
  }
  return module;
}

ATTN_EXPORT void mgpuModuleUnload(CUmodule module) {
  if (module && ready("mgpuModuleUnload"))
    check(gDriver.moduleUnload.fn(module), "cuModuleUnload",
          "mgpuModuleUnload");
}

ATTN_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                             const char *name) {
  if (!module) {
    reportError("mgpuModuleGetFunction: no module for kernel '%s' (its "
                "module failed to load)",
                name ? name : "?");
    return nullptr;
  }
  CUfunction function = nullptr;
  if (!ready("mgpuModuleGetFunction") ||
      !check(gDriver.moduleGetFunction.fn(&function, module, name),
             "cuModuleGetFunction", "mgpuModuleGetFunction"))
    return nullptr;
  return function;
}

ATTN_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                  intptr_t gridY, intptr_t gridZ,
                                  intptr_t blockX, intptr_t blockY,
                                  intptr_t blockZ, int32_t smem,
                                  CUstream stream, void **params, void **extra,
                                  size_t /*paramsCount*/) {
  if (!function) {
    reportError("mgpuLaunchKernel: no kernel function (loading it failed)");
    return;
  }
  if (!ready("mgpuLaunchKernel"))
    return;
  if (smem > 48 * 1024 &&
      !check(
          gDriver.funcSetAttribute.fn(
              function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem),
          "cuFuncSetAttribute", "mgpuLaunchKernel"))
    return;
  TimedLaunch timed{nullptr, nullptr};
  if (gProfile && !beginTimedLaunch(timed, stream))
    return;
  bool launched = check(gDriver.launchKernel.fn(function, gridX, gridY, gridZ,
                                                blockX, blockY, blockZ, smem,
                                                stream, params, extra),
                        "cuLaunchKernel", "mgpuLaunchKernel");
  if (!gProfile)
    return;
  if (launched && check(gDriver.eventRecord.fn(timed.stop, stream),
                        "cuEventRecord", "mgpuLaunchKernel")) {
    std::lock_guard<std::mutex> lock(gMutex);
    gTimedLaunches.push_back(timed);
    return;
  }
  destroyEvents(timed, "mgpuLaunchKernel");
}

ATTN_EXPORT CUstream mgpuStreamCreate() {
  CUstream stream = nullptr;
  if (ready("mgpuStreamCreate"))
    check(gDriver.streamCreate.fn(&stream, CU_STREAM_NON_BLOCKING),
          "cuStreamCreate", "mgpuStreamCreate");
  return stream;
}

ATTN_EXPORT void mgpuStreamDestroy(CUstream stream) {
  if (stream && ready("mgpuStreamDestroy"))
    check(gDriver.streamDestroy.fn(stream), "cuStreamDestroy",
          "mgpuStreamDestroy");
}

ATTN_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  if (ready("mgpuStreamSynchronize"))
    check(gDriver.streamSynchronize.fn(stream), "cuStreamSynchronize",
          "mgpuStreamSynchronize");
}

ATTN_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  if (event && ready("mgpuStreamWaitEvent"))
    check(gDriver.streamWaitEvent.fn(stream, event, 0), "cuStreamWaitEvent",
          "mgpuStreamWaitEvent");
}

ATTN_EXPORT CUevent mgpuEventCreate() {
  CUevent event = nullptr;
  if (ready("mgpuEventCreate"))
    check(gDriver.eventCreate.fn(&event, CU_EVENT_DISABLE_TIMING),
          "cuEventCreate", "mgpuEventCreate");
  return event;
}

ATTN_EXPORT void mgpuEventDestroy(CUevent event) {
  if (event && ready("mgpuEventDestroy"))
    check(gDriver.eventDestroy.fn(event), "cuEventDestroy", "mgpuEventDestroy");
}

ATTN_EXPORT void mgpuEventSynchronize(CUevent event) {
  if (event && ready("mgpuEventSynchronize"))
    check(gDriver.eventSynchronize.fn(event), "cuEventSynchronize",
          "mgpuEventSynchronize");
}

ATTN_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  if (event && ready("mgpuEventRecord"))
    check(gDriver.eventRecord.fn(event, stream), "cuEventRecord",
          "mgpuEventRecord");
}

ATTN_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, CUstream /*stream*/,
                               bool isHostShared) {
  CUdeviceptr ptr = 0;
  if (sizeBytes == 0 || !ready("mgpuMemAlloc"))
    return nullptr;
  if (isHostShared)
    check(gDriver.memAllocManaged.fn(&ptr, sizeBytes, CU_MEM_ATTACH_GLOBAL),
          "cuMemAllocManaged", "mgpuMemAlloc");
  else
    check(gDriver.memAlloc.fn(&ptr, sizeBytes), "cuMemAlloc", "mgpuMemAlloc");
  return reinterpret_cast<void *>(ptr);
}

ATTN_EXPORT void mgpuMemFree(void *ptr, CUstream stream) {
  if (!ptr || !ready("mgpuMemFree"))
    return;
  // The stream may still use the buffer: cuMemFree does not wait for it.
  if (stream)
    check(gDriver.streamSynchronize.fn(stream), "cuStreamSynchronize",
          "mgpuMemFree");
  check(gDriver.memFree.fn(reinterpret_cast<CUdeviceptr>(ptr)), "cuMemFree",
        "mgpuMemFree");
}

ATTN_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                            CUstream stream) {
  if (sizeBytes == 0)
    return;
  if (!dst || !src) {
    reportError("mgpuMemcpy: null %s pointer (an allocation failed earlier)",
                dst ? "source" : "destination");
    return;
  }
  if (ready("mgpuMemcpy"))
    check(gDriver.memcpyAsync.fn(reinterpret_cast<CUdeviceptr>(dst),
                                 reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                                 stream),
          "cuMemcpyAsync", "mgpuMemcpy");
}

ATTN_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                              CUstream stream) {
  if (dst && count && ready("mgpuMemset32"))
    check(gDriver.memsetD32Async.fn(reinterpret_cast<CUdeviceptr>(dst), value,
                                    count, stream),
          "cuMemsetD32Async", "mgpuMemset32");
}

ATTN_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                              CUstream stream) {
  if (dst && count && ready("mgpuMemset16"))
    check(gDriver.memsetD16Async.fn(reinterpret_cast<CUdeviceptr>(dst), value,
                                    count, stream),
          "cuMemsetD16Async", "mgpuMemset16");
}
