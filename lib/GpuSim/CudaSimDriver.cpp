//===- CudaSimDriver.cpp - A CUDA driver simulated inside attn-run --------===//
//
// See CudaSimDriver.h. Every function here has the signature of the driver
// function it stands for; `lookup` maps the exported names the project's
// CUDA runtime resolves to them. Calls come from one thread (the JIT-compiled
// entry on attn-run's main thread).
//
//===----------------------------------------------------------------------===//

#include "attn/GpuSim/CudaSimDriver.h"
#include "attn/Conversion/AttnToGPU/AttnToGPU.h"
#include "attn/GpuSim/GpuSim.h"

#include <cuda.h>

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <vector>

using namespace attn::gpusim;

namespace {

constexpr int kComputeMajor = 9, kComputeMinor = 0;
constexpr int kDriverVersion = 13000;
constexpr int64_t kAllocationAlignment = 256;
/// The simulated device's per-block shared memory limit after opting in.
const int kMaxDynamicSharedBytes = int(
    mlir::attn::maxSharedMemoryPerBlock(kComputeMajor * 10 + kComputeMinor));

struct Allocation {
  size_t bytes;
  bool managed;
};

struct Module {
  enum class Kind { Cubin, Fatbin, Ptx } kind;
  std::string image;
};

struct Function {
  Module *module;
  int64_t kernel;
  /// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: launches may give
  /// more dynamic shared memory than 48 KiB only after the kernel opts in.
  int maxDynamicSharedBytes = int(mlir::attn::kStaticSharedBytes);
};

struct Event {
  bool recorded = false;
  bool timing = true;
  std::chrono::steady_clock::time_point when;
};

struct State {
  bool initialized = false;
  GpuSimulator *simulator = nullptr;
  /// Device allocations by start address.
  std::map<uintptr_t, Allocation> allocations;
  int64_t liveBytes = 0;
  std::set<Module *> modules;
  std::vector<std::unique_ptr<Function>> functions;
  std::set<uintptr_t> streams;
  std::set<Event *> events;
  uintptr_t nextStream = 0x5000;
  cuda_sim::Stats stats;
  std::optional<std::string> failure;
  /// failCall: function name -> the call that fails; calls so far.
  llvm::StringMap<int64_t> failAt, calls;
};

State &state() {
  static State s;
  return s;
}

/// Records the first failure the driver finds beyond its error code.
CUresult fail(CUresult code, const std::string &why) {
  if (!state().failure)
    state().failure = "cuda-sim: " + why;
  return code;
}

/// Common entry of every driver function: counts the call and gives the
/// injected error when this is the call asked to fail.
bool injected(const char *name) {
  State &s = state();
  int64_t n = ++s.calls[name];
  auto it = s.failAt.find(name);
  return it != s.failAt.end() && it->second == n;
}

CUresult enter(const char *name, CUresult fault, bool needsInit = true) {
  if (injected(name))
    return fault;
  if (needsInit && !state().initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  return CUDA_SUCCESS;
}

/// enter(), then CUDA_ERROR_INVALID_VALUE when one of the pointers the
/// function writes through (or reads) is null.
template <typename... T>
CUresult enterWith(const char *name, CUresult fault, T *...pointers) {
  if (CUresult r = enter(name, fault))
    return r;
  return ((pointers != nullptr) && ...) ? CUDA_SUCCESS
                                        : CUDA_ERROR_INVALID_VALUE;
}

/// enterWith(), then CUDA_ERROR_INVALID_DEVICE unless `device` is device 0,
/// the only one.
template <typename... T>
CUresult enterOnDevice(const char *name, CUresult fault, CUdevice device,
                       T *...pointers) {
  if (CUresult r = enterWith(name, fault, pointers...))
    return r;
  return device == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

/// The allocation holding [p, p + bytes), or null; `partial` is set when p
/// is inside one but the range runs past its end.
const std::pair<const uintptr_t, Allocation> *
findDevice(uintptr_t p, size_t bytes, bool &partial) {
  partial = false;
  auto &allocations = state().allocations;
  auto it = allocations.upper_bound(p);
  if (it == allocations.begin())
    return nullptr;
  --it;
  if (p >= it->first + it->second.bytes)
    return nullptr;
  if (p + bytes > it->first + it->second.bytes) {
    partial = true;
    return nullptr;
  }
  return &*it;
}

bool validStream(CUstream stream) {
  return !stream ||
         state().streams.count(reinterpret_cast<uintptr_t>(stream)) != 0;
}

struct ErrorText {
  CUresult code;
  const char *name, *text;
};
constexpr ErrorText kErrors[] = {
    {CUDA_SUCCESS, "CUDA_SUCCESS", "no error"},
    {CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {CUDA_ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED",
     "initialization error"},
    {CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE",
     "no CUDA-capable device is detected"},
    {CUDA_ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE",
     "invalid device ordinal"},
    {CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE",
     "device kernel image is invalid"},
    {CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT",
     "invalid device context"},
    {CUDA_ERROR_NO_BINARY_FOR_GPU, "CUDA_ERROR_NO_BINARY_FOR_GPU",
     "no kernel image is available for execution on the device"},
    {CUDA_ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX",
     "a PTX JIT compilation failed"},
    {CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE",
     "invalid resource handle"},
    {CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS",
     "an illegal memory access was encountered"},
    {CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
     "too many resources requested for launch"},
    {CUDA_ERROR_LAUNCH_FAILED, "CUDA_ERROR_LAUNCH_FAILED",
     "unspecified launch failure"},
    {CUDA_ERROR_UNKNOWN, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

const ErrorText *errorText(CUresult code) {
  for (const ErrorText &e : kErrors)
    if (e.code == code)
      return &e;
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Driver functions
//===----------------------------------------------------------------------===//

CUresult simGetErrorName(CUresult error, const char **name) {
  const ErrorText *e = errorText(error);
  if (!name)
    return CUDA_ERROR_INVALID_VALUE;
  *name = e ? e->name : nullptr;
  return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUresult simGetErrorString(CUresult error, const char **text) {
  const ErrorText *e = errorText(error);
  if (!text)
    return CUDA_ERROR_INVALID_VALUE;
  *text = e ? e->text : nullptr;
  return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUresult simInit(unsigned int flags) {
  if (CUresult r = enter("cuInit", CUDA_ERROR_NO_DEVICE, false))
    return r;
  if (flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  state().initialized = true;
  return CUDA_SUCCESS;
}

CUresult simDriverGetVersion(int *version) {
  if (CUresult r = enter("cuDriverGetVersion", CUDA_ERROR_UNKNOWN, false))
    return r;
  if (!version)
    return CUDA_ERROR_INVALID_VALUE;
  *version = kDriverVersion;
  return CUDA_SUCCESS;
}

CUresult simDeviceGetCount(int *count) {
  if (CUresult r = enterWith("cuDeviceGetCount", CUDA_ERROR_UNKNOWN, count))
    return r;
  *count = 1;
  return CUDA_SUCCESS;
}

CUresult simDeviceGet(CUdevice *device, int ordinal) {
  if (CUresult r = enterOnDevice("cuDeviceGet", CUDA_ERROR_INVALID_DEVICE,
                                 ordinal, device))
    return r;
  *device = 0;
  return CUDA_SUCCESS;
}

CUresult simDeviceGetName(char *name, int len, CUdevice device) {
  // A buffer of no length is as bad as none.
  if (CUresult r = enterOnDevice("cuDeviceGetName", CUDA_ERROR_UNKNOWN, device,
                                 len > 0 ? name : nullptr))
    return r;
  std::strncpy(name, "attn-run simulated GPU", size_t(len) - 1);
  name[len - 1] = '\0';
  return CUDA_SUCCESS;
}

CUresult simDeviceGetAttribute(int *value, CUdevice_attribute attribute,
                               CUdevice device) {
  if (CUresult r = enterOnDevice("cuDeviceGetAttribute", CUDA_ERROR_UNKNOWN,
                                 device, value))
    return r;
  switch (attribute) {
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:
    *value = kComputeMajor;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:
    *value = kComputeMinor;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK:
    *value = 1024;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_WARP_SIZE:
    *value = 32;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN:
    *value = kMaxDynamicSharedBytes;
    return CUDA_SUCCESS;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
}

CUcontext theContext() { return reinterpret_cast<CUcontext>(uintptr_t(0xc7)); }

CUresult simPrimaryCtxRetain(CUcontext *context, CUdevice device) {
  if (CUresult r = enterOnDevice("cuDevicePrimaryCtxRetain",
                                 CUDA_ERROR_OUT_OF_MEMORY, device, context))
    return r;
  *context = theContext();
  return CUDA_SUCCESS;
}

CUresult simCtxSetCurrent(CUcontext context) {
  if (CUresult r = enter("cuCtxSetCurrent", CUDA_ERROR_INVALID_CONTEXT))
    return r;
  return context == theContext() ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}

/// Reads the image at `data`: its kind and bytes, or an error.
CUresult readImage(const void *data, bool allowPtx, Module &module) {
  if (!data)
    return CUDA_ERROR_INVALID_VALUE;
  const char *bytes = static_cast<const char *>(data);
  if (std::memcmp(bytes,
                  "\x7f"
                  "ELF",
                  4) == 0) {
    // ELF64: the section headers end the file.
    uint64_t shoff;
    uint16_t shentsize, shnum;
    std::memcpy(&shoff, bytes + 0x28, 8);
    std::memcpy(&shentsize, bytes + 0x3a, 2);
    std::memcpy(&shnum, bytes + 0x3c, 2);
    if (bytes[4] != 2 || shoff == 0 || shoff > (uint64_t(1) << 32))
      return fail(CUDA_ERROR_INVALID_IMAGE, "a malformed ELF image");
    module.kind = Module::Kind::Cubin;
    module.image.assign(bytes, shoff + uint64_t(shentsize) * shnum);
    return CUDA_SUCCESS;
  }
  uint32_t magic;
  std::memcpy(&magic, bytes, 4);
  if (magic == 0xba55ed50u) {
    uint16_t headerSize;
    uint64_t bodySize;
    std::memcpy(&headerSize, bytes + 6, 2);
    std::memcpy(&bodySize, bytes + 8, 8);
    if (bodySize > (uint64_t(1) << 32))
      return fail(CUDA_ERROR_INVALID_IMAGE, "a malformed fatbin image");
    module.kind = Module::Kind::Fatbin;
    module.image.assign(bytes, headerSize + bodySize);
    return CUDA_SUCCESS;
  }
  std::string text(bytes, strnlen(bytes, size_t(1) << 30));
  if (text.find(".version") == std::string::npos ||
      text.find(".target") == std::string::npos)
    return fail(CUDA_ERROR_INVALID_IMAGE,
                "the module image is neither ELF (cubin), fatbin nor PTX");
  if (!allowPtx)
    return CUDA_ERROR_INVALID_IMAGE;
  // A PTX module for a newer chip than the device's does not load.
  size_t at = text.find(".target sm_");
  int chip = at == std::string::npos
                 ? 0
                 : std::atoi(text.c_str() + at + std::strlen(".target sm_"));
  if (chip > kComputeMajor * 10 + kComputeMinor)
    return fail(CUDA_ERROR_NO_BINARY_FOR_GPU,
                llvm::formatv("PTX for sm_{0} on an sm_{1}{2} device", chip,
                              kComputeMajor, kComputeMinor)
                    .str());
  module.kind = Module::Kind::Ptx;
  module.image = std::move(text);
  return CUDA_SUCCESS;
}

CUresult loadModule(CUmodule *result, const void *image) {
  if (!result)
    return CUDA_ERROR_INVALID_VALUE;
  auto module = std::make_unique<Module>();
  if (CUresult r = readImage(image, /*allowPtx=*/true, *module))
    return r;
  Module *raw = module.release();
  state().modules.insert(raw);
  ++state().stats.modules;
  *result = reinterpret_cast<CUmodule>(raw);
  return CUDA_SUCCESS;
}

CUresult simModuleLoadData(CUmodule *module, const void *image) {
  if (CUresult r = enter("cuModuleLoadData", CUDA_ERROR_INVALID_IMAGE))
    return r;
  return loadModule(module, image);
}

CUresult simModuleLoadDataEx(CUmodule *module, const void *image,
                             unsigned int numOptions, CUjit_option *options,
                             void **values) {
  if (CUresult r = enter("cuModuleLoadDataEx", CUDA_ERROR_INVALID_PTX))
    return r;
  if (numOptions && (!options || !values))
    return CUDA_ERROR_INVALID_VALUE;
  return loadModule(module, image);
}

Module *findModule(CUmodule module) {
  auto *raw = reinterpret_cast<Module *>(module);
  return state().modules.count(raw) ? raw : nullptr;
}

/// The driver functions that destroy an object: `handle` must be one of the
/// `live` objects; `release` lets go of what refers to it before it is
/// deleted.
template <typename T, typename Handle, typename Release>
CUresult destroy(const char *name, CUresult fault, std::set<T *> &live,
                 Handle handle, Release release) {
  if (CUresult r = enter(name, fault))
    return r;
  auto *raw = reinterpret_cast<T *>(handle);
  if (!live.erase(raw))
    return CUDA_ERROR_INVALID_HANDLE;
  release(raw);
  delete raw;
  return CUDA_SUCCESS;
}

CUresult simModuleUnload(CUmodule module) {
  return destroy("cuModuleUnload", CUDA_ERROR_UNKNOWN, state().modules, module,
                 [](Module *raw) {
                   llvm::erase_if(state().functions,
                                  [&](const std::unique_ptr<Function> &f) {
                                    return f->module == raw;
                                  });
                 });
}

CUresult simModuleGetFunction(CUfunction *function, CUmodule module,
                              const char *name) {
  if (CUresult r = enterWith("cuModuleGetFunction", CUDA_ERROR_NOT_FOUND,
                             function, name))
    return r;
  Module *raw = findModule(module);
  if (!raw)
    return CUDA_ERROR_INVALID_HANDLE;
  // The name must be in the image (a fatbin may be compressed: not checked).
  std::string needle = raw->kind == Module::Kind::Ptx
                           ? std::string(".entry ") + name + "("
                           : std::string(name) + '\0';
  if (raw->kind != Module::Kind::Fatbin &&
      raw->image.find(needle) == std::string::npos)
    return fail(CUDA_ERROR_NOT_FOUND, std::string("kernel '") + name +
                                          "' is not in the module image");
  State &s = state();
  int64_t kernel = s.simulator ? s.simulator->findKernel(name) : -1;
  if (kernel < 0)
    return fail(CUDA_ERROR_NOT_FOUND,
                std::string("the simulator has no kernel '") + name + "'");
  s.functions.push_back(std::make_unique<Function>(Function{raw, kernel}));
  *function = reinterpret_cast<CUfunction>(s.functions.back().get());
  return CUDA_SUCCESS;
}

Function *findFunction(CUfunction function) {
  for (const std::unique_ptr<Function> &f : state().functions)
    if (reinterpret_cast<CUfunction>(f.get()) == function)
      return f.get();
  return nullptr;
}

CUresult simFuncSetAttribute(CUfunction function, CUfunction_attribute attr,
                             int value) {
  if (CUresult r = enter("cuFuncSetAttribute", CUDA_ERROR_INVALID_VALUE))
    return r;
  Function *f = findFunction(function);
  if (!f)
    return CUDA_ERROR_INVALID_HANDLE;
  if (attr == CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) {
    if (value < 0 || value > kMaxDynamicSharedBytes)
      return CUDA_ERROR_INVALID_VALUE;
    f->maxDynamicSharedBytes = value;
  }
  return CUDA_SUCCESS;
}

/// The kernel's buffers and their sizes from `params`: per memref argument
/// its descriptor unpacked (allocated and aligned pointer, offset, sizes,
/// strides), as MLIR's gpu-to-llvm lowering passes it. Static sizes must
/// match the kernel's types; dynamic ones come from the descriptor.
CUresult decodeArguments(const Function &f, void **params,
                         std::vector<char *> &buffers,
                         std::vector<std::vector<int64_t>> &shapes) {
  State &s = state();
  if (!params)
    return fail(CUDA_ERROR_INVALID_VALUE, "a launch without kernelParams");
  size_t j = 0;
  for (auto [i, arg] :
       llvm::enumerate(s.simulator->kernelArguments(f.kernel))) {
    auto pointer = [&](size_t k) { return *static_cast<char **>(params[k]); };
    auto integer = [&](size_t k) { return *static_cast<int64_t *>(params[k]); };
    char *aligned = pointer(j + 1);
    int64_t offset = integer(j + 2);
    size_t rank = arg.shape.size();
    std::vector<int64_t> shape(arg.shape);
    int64_t stride = 1;
    for (size_t d = rank; d-- > 0;) {
      int64_t size = integer(j + 3 + d), got = integer(j + 3 + rank + d);
      if (mlir::ShapedType::isDynamic(shape[d]) && size >= 0 &&
          size <= (int64_t(1) << 40))
        shape[d] = size;
      if (size != shape[d] || got != stride)
        return fail(CUDA_ERROR_INVALID_VALUE,
                    llvm::formatv("argument {0}: dimension {1} has size {2} "
                                  "and stride {3}, the kernel expects {4} "
                                  "and {5}",
                                  i, d, size, got,
                                  mlir::ShapedType::isDynamic(arg.shape[d])
                                      ? std::string("a size in [0, 2^40]")
                                      : std::to_string(arg.shape[d]),
                                  stride)
                        .str());
      stride *= shape[d];
    }
    int64_t bytes = stride * arg.elementBytes;
    char *start = aligned + offset * arg.elementBytes;
    bool partial;
    if (!findDevice(reinterpret_cast<uintptr_t>(start), bytes, partial))
      return fail(CUDA_ERROR_ILLEGAL_ADDRESS,
                  llvm::formatv("argument {0} ({1} bytes at {2}) {3}", i, bytes,
                                static_cast<void *>(start),
                                partial ? "runs past the end of its device "
                                          "allocation"
                                        : "is not device memory")
                      .str());
    buffers.push_back(start);
    shapes.push_back(std::move(shape));
    j += 3 + 2 * rank;
  }
  return CUDA_SUCCESS;
}

CUresult simLaunchKernel(CUfunction function, unsigned gridX, unsigned gridY,
                         unsigned gridZ, unsigned blockX, unsigned blockY,
                         unsigned blockZ, unsigned sharedBytes, CUstream stream,
                         void **params, void **extra) {
  if (CUresult r = enter("cuLaunchKernel", CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES))
    return r;
  State &s = state();
  Function *f = findFunction(function);
  if (!f || !validStream(stream))
    return CUDA_ERROR_INVALID_HANDLE;
  if (extra)
    return fail(CUDA_ERROR_INVALID_VALUE,
                "launches with 'extra' are not simulated");
  if (sharedBytes > unsigned(f->maxDynamicSharedBytes))
    return fail(CUDA_ERROR_INVALID_VALUE,
                "cuLaunchKernel with " + std::to_string(sharedBytes) +
                    " bytes of dynamic shared memory, more than the "
                    "function's CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_"
                    "BYTES (" +
                    std::to_string(f->maxDynamicSharedBytes) + ")");
  if (!s.simulator)
    return fail(CUDA_ERROR_LAUNCH_FAILED, "no simulator for the kernels");
  std::vector<char *> buffers;
  std::vector<std::vector<int64_t>> shapes;
  if (CUresult r = decodeArguments(*f, params, buffers, shapes))
    return r;
  int64_t grid[3] = {gridX, gridY, gridZ};
  int64_t block[3] = {blockX, blockY, blockZ};
  std::string error;
  if (!s.simulator->runKernel(f->kernel, grid, block, sharedBytes, buffers,
                              shapes, error))
    return fail(CUDA_ERROR_LAUNCH_FAILED, error);
  ++s.stats.launches;
  return CUDA_SUCCESS;
}

CUresult simStreamCreate(CUstream *stream, unsigned int flags) {
  if (CUresult r = enter("cuStreamCreate", CUDA_ERROR_OUT_OF_MEMORY))
    return r;
  if (!stream || (flags & ~unsigned(CU_STREAM_NON_BLOCKING)))
    return CUDA_ERROR_INVALID_VALUE;
  uintptr_t handle = state().nextStream += 0x10;
  state().streams.insert(handle);
  *stream = reinterpret_cast<CUstream>(handle);
  return CUDA_SUCCESS;
}

CUresult simStreamDestroy(CUstream stream) {
  if (CUresult r = enter("cuStreamDestroy_v2", CUDA_ERROR_INVALID_HANDLE))
    return r;
  if (!stream || !state().streams.erase(reinterpret_cast<uintptr_t>(stream)))
    return CUDA_ERROR_INVALID_HANDLE;
  return CUDA_SUCCESS;
}

CUresult simStreamSynchronize(CUstream stream) {
  if (CUresult r = enter("cuStreamSynchronize", CUDA_ERROR_LAUNCH_FAILED))
    return r;
  return validStream(stream) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

Event *findEvent(CUevent event) {
  auto *raw = reinterpret_cast<Event *>(event);
  return state().events.count(raw) ? raw : nullptr;
}

CUresult simStreamWaitEvent(CUstream stream, CUevent event,
                            unsigned int flags) {
  if (CUresult r = enter("cuStreamWaitEvent", CUDA_ERROR_INVALID_HANDLE))
    return r;
  if (!validStream(stream) || !findEvent(event))
    return CUDA_ERROR_INVALID_HANDLE;
  return flags ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

CUresult simEventCreate(CUevent *event, unsigned int flags) {
  if (CUresult r = enterWith("cuEventCreate", CUDA_ERROR_OUT_OF_MEMORY, event))
    return r;
  auto *raw = new Event();
  raw->timing = !(flags & CU_EVENT_DISABLE_TIMING);
  state().events.insert(raw);
  *event = reinterpret_cast<CUevent>(raw);
  return CUDA_SUCCESS;
}

CUresult simEventDestroy(CUevent event) {
  return destroy("cuEventDestroy_v2", CUDA_ERROR_INVALID_HANDLE, state().events,
                 event, [](Event *) {});
}

CUresult simEventRecord(CUevent event, CUstream stream) {
  if (CUresult r = enter("cuEventRecord", CUDA_ERROR_INVALID_HANDLE))
    return r;
  Event *raw = findEvent(event);
  if (!raw || !validStream(stream))
    return CUDA_ERROR_INVALID_HANDLE;
  raw->recorded = true;
  raw->when = std::chrono::steady_clock::now();
  return CUDA_SUCCESS;
}

CUresult simEventSynchronize(CUevent event) {
  if (CUresult r = enter("cuEventSynchronize", CUDA_ERROR_LAUNCH_FAILED))
    return r;
  return findEvent(event) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

CUresult simEventElapsedTime(float *milliseconds, CUevent start, CUevent stop) {
  if (CUresult r = enterWith("cuEventElapsedTime_v2", CUDA_ERROR_INVALID_HANDLE,
                             milliseconds))
    return r;
  Event *a = findEvent(start), *b = findEvent(stop);
  if (!a || !b || !a->recorded || !b->recorded || !a->timing || !b->timing)
    return CUDA_ERROR_INVALID_HANDLE;
  *milliseconds =
      std::chrono::duration<float, std::milli>(b->when - a->when).count();
  return CUDA_SUCCESS;
}

CUresult allocate(CUdeviceptr *pointer, size_t bytes, bool managed) {
  if (!pointer || bytes == 0)
    return CUDA_ERROR_INVALID_VALUE;
  size_t rounded = (bytes + kAllocationAlignment - 1) / kAllocationAlignment *
                   kAllocationAlignment;
  void *memory = std::aligned_alloc(kAllocationAlignment, rounded);
  if (!memory)
    return CUDA_ERROR_OUT_OF_MEMORY;
  // Never-written device memory reads as NaN.
  std::memset(memory, 0xff, rounded);
  State &s = state();
  s.allocations[reinterpret_cast<uintptr_t>(memory)] = {bytes, managed};
  s.liveBytes += int64_t(bytes);
  s.stats.peakBytes = std::max(s.stats.peakBytes, s.liveBytes);
  ++s.stats.allocations;
  *pointer = reinterpret_cast<CUdeviceptr>(memory);
  return CUDA_SUCCESS;
}

CUresult simMemAlloc(CUdeviceptr *pointer, size_t bytes) {
  if (CUresult r = enter("cuMemAlloc_v2", CUDA_ERROR_OUT_OF_MEMORY))
    return r;
  return allocate(pointer, bytes, /*managed=*/false);
}

CUresult simMemAllocManaged(CUdeviceptr *pointer, size_t bytes,
                            unsigned int flags) {
  if (CUresult r = enter("cuMemAllocManaged", CUDA_ERROR_OUT_OF_MEMORY))
    return r;
  if (flags != CU_MEM_ATTACH_GLOBAL && flags != CU_MEM_ATTACH_HOST)
    return CUDA_ERROR_INVALID_VALUE;
  return allocate(pointer, bytes, /*managed=*/true);
}

CUresult simMemFree(CUdeviceptr pointer) {
  if (CUresult r = enter("cuMemFree_v2", CUDA_ERROR_INVALID_VALUE))
    return r;
  State &s = state();
  auto it = s.allocations.find(uintptr_t(pointer));
  if (it == s.allocations.end())
    return fail(CUDA_ERROR_INVALID_VALUE,
                "cuMemFree of a pointer that is not a live device allocation");
  s.liveBytes -= int64_t(it->second.bytes);
  std::free(reinterpret_cast<void *>(it->first));
  s.allocations.erase(it);
  return CUDA_SUCCESS;
}

CUresult simMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                        CUstream stream) {
  if (CUresult r = enter("cuMemcpyAsync", CUDA_ERROR_INVALID_VALUE))
    return r;
  if (!validStream(stream))
    return CUDA_ERROR_INVALID_HANDLE;
  if (!dst || !src)
    return CUDA_ERROR_INVALID_VALUE;
  bool dstPartial, srcPartial;
  bool toDevice = findDevice(uintptr_t(dst), bytes, dstPartial);
  bool fromDevice = findDevice(uintptr_t(src), bytes, srcPartial);
  if (dstPartial || srcPartial)
    return fail(CUDA_ERROR_INVALID_VALUE,
                llvm::formatv("a copy of {0} bytes runs past the end of a "
                              "device allocation",
                              bytes)
                    .str());
  std::memmove(reinterpret_cast<void *>(dst), reinterpret_cast<void *>(src),
               bytes);
  cuda_sim::Stats &stats = state().stats;
  if (toDevice && fromDevice)
    stats.bytesOnDevice += int64_t(bytes);
  else if (toDevice)
    stats.bytesToDevice += int64_t(bytes);
  else if (fromDevice)
    stats.bytesFromDevice += int64_t(bytes);
  return CUDA_SUCCESS;
}

template <typename T>
CUresult memset(const char *name, CUdeviceptr dst, T value, size_t count,
                CUstream stream) {
  if (CUresult r = enter(name, CUDA_ERROR_INVALID_VALUE))
    return r;
  if (!validStream(stream))
    return CUDA_ERROR_INVALID_HANDLE;
  bool partial;
  if (uintptr_t(dst) % sizeof(T) ||
      !findDevice(uintptr_t(dst), count * sizeof(T), partial))
    return fail(CUDA_ERROR_INVALID_VALUE,
                std::string(name) + " outside device memory or misaligned");
  T *p = reinterpret_cast<T *>(dst);
  std::fill(p, p + count, value);
  return CUDA_SUCCESS;
}

CUresult simMemsetD32Async(CUdeviceptr dst, unsigned int value, size_t count,
                           CUstream stream) {
  return memset<uint32_t>("cuMemsetD32Async", dst, value, count, stream);
}

CUresult simMemsetD16Async(CUdeviceptr dst, unsigned short value, size_t count,
                           CUstream stream) {
  return memset<uint16_t>("cuMemsetD16Async", dst, value, count, stream);
}

struct Entry {
  const char *name;
  void *address;
};

template <typename Fn> Entry entry(const char *name, Fn fn) {
  return {name, reinterpret_cast<void *>(fn)};
}

const std::vector<Entry> &entries() {
  static const std::vector<Entry> table = {
      entry("cuGetErrorName", simGetErrorName),
      entry("cuGetErrorString", simGetErrorString),
      entry("cuInit", simInit),
      entry("cuDriverGetVersion", simDriverGetVersion),
      entry("cuDeviceGetCount", simDeviceGetCount),
      entry("cuDeviceGet", simDeviceGet),
      entry("cuDeviceGetName", simDeviceGetName),
      entry("cuDeviceGetAttribute", simDeviceGetAttribute),
      entry("cuDevicePrimaryCtxRetain", simPrimaryCtxRetain),
      entry("cuCtxSetCurrent", simCtxSetCurrent),
      entry("cuModuleLoadData", simModuleLoadData),
      entry("cuModuleLoadDataEx", simModuleLoadDataEx),
      entry("cuModuleUnload", simModuleUnload),
      entry("cuModuleGetFunction", simModuleGetFunction),
      entry("cuFuncSetAttribute", simFuncSetAttribute),
      entry("cuLaunchKernel", simLaunchKernel),
      entry("cuStreamCreate", simStreamCreate),
      entry("cuStreamDestroy_v2", simStreamDestroy),
      entry("cuStreamSynchronize", simStreamSynchronize),
      entry("cuStreamWaitEvent", simStreamWaitEvent),
      entry("cuEventCreate", simEventCreate),
      entry("cuEventDestroy_v2", simEventDestroy),
      entry("cuEventRecord", simEventRecord),
      entry("cuEventSynchronize", simEventSynchronize),
      entry("cuEventElapsedTime_v2", simEventElapsedTime),
      entry("cuMemAlloc_v2", simMemAlloc),
      entry("cuMemAllocManaged", simMemAllocManaged),
      entry("cuMemFree_v2", simMemFree),
      entry("cuMemcpyAsync", simMemcpyAsync),
      entry("cuMemsetD32Async", simMemsetD32Async),
      entry("cuMemsetD16Async", simMemsetD16Async),
  };
  return table;
}

} // namespace

//===----------------------------------------------------------------------===//
// Interface
//===----------------------------------------------------------------------===//

void *cuda_sim::lookup(const char *name) {
  for (const Entry &e : entries())
    if (std::strcmp(e.name, name) == 0)
      return e.address;
  return nullptr;
}

void cuda_sim::setSimulator(GpuSimulator *simulator) {
  state().simulator = simulator;
}

bool cuda_sim::failCall(llvm::StringRef name, int64_t nth, std::string &error) {
  for (const Entry &e : entries()) {
    llvm::StringRef exported = e.name;
    if (exported == name || exported == (name + "_v2").str()) {
      state().failAt[exported] = nth;
      return true;
    }
  }
  error = "no simulated driver function is called '" + name.str() + "'";
  return false;
}

cuda_sim::Stats cuda_sim::takeStats() {
  Stats stats = state().stats;
  state().stats = Stats();
  state().stats.peakBytes = state().liveBytes;
  return stats;
}

std::optional<std::string> cuda_sim::takeFailure() {
  std::optional<std::string> failure = std::move(state().failure);
  state().failure.reset();
  return failure;
}

std::string cuda_sim::liveResources() {
  State &s = state();
  std::string out;
  auto add = [&](size_t n, const char *what) {
    if (n)
      out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(s.allocations.size(), "device allocation(s)");
  add(s.streams.size(), "stream(s)");
  add(s.events.size(), "event(s)");
  return out;
}
