//===- GpuSimTest.cpp - Tests of the GPU simulator and simulated driver ---===//
//
// Small hand-written gpu.func kernels run on the simulator and checked
// against the same computation in C++; the simulated CUDA driver's memory
// checks, counters and injected errors.
//
//===----------------------------------------------------------------------===//

#include "attn/GpuSim/GpuSim.h"
#ifdef ATTN_HAVE_CUDA_SIM
#include "attn/GpuSim/CudaSimDriver.h"
#endif

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

using attn::gpusim::GpuSimulator;

namespace {

/// b[i] = 2 * a[i] + 1 for the thread's i; c[i] = a[7 - i] through
/// workgroup memory and a barrier; d[i] = a[i] rounded to f16 and back;
/// y[i] = n * x[i] with n the run-time length of x (memref.dim).
const char *const kKernels = R"mlir(
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @affine(%a: memref<8xf32>, %b: memref<8xf32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<8xf32>
      %two = arith.constant 2.0 : f32
      %one = arith.constant 1.0 : f32
      %m = arith.mulf %v, %two : f32
      %r = arith.addf %m, %one : f32
      memref.store %r, %b[%t] : memref<8xf32>
      gpu.return
    }
    gpu.func @reverse(%a: memref<8xf32>, %c: memref<8xf32>)
        workgroup(%w : memref<8xf32, #gpu.address_space<workgroup>>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<8xf32>
      memref.store %v, %w[%t] : memref<8xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %c7 = arith.constant 7 : index
      %j = arith.subi %c7, %t : index
      %u = memref.load %w[%j] : memref<8xf32, #gpu.address_space<workgroup>>
      memref.store %u, %c[%t] : memref<8xf32>
      gpu.return
    }
    gpu.func @times_length(%x: memref<?xf32>, %y: memref<?xf32>) kernel {
      %t = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %n = memref.dim %x, %c0 : memref<?xf32>
      %ni = arith.index_cast %n : index to i64
      %nf = arith.sitofp %ni : i64 to f32
      %v = memref.load %x[%t] : memref<?xf32>
      %r = arith.mulf %v, %nf : f32
      memref.store %r, %y[%t] : memref<?xf32>
      gpu.return
    }
    gpu.func @to_half(%a: memref<8xf32>, %d: memref<8xf32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<8xf32>
      %h = arith.truncf %v : f32 to f16
      %e = arith.extf %h : f16 to f32
      memref.store %e, %d[%t] : memref<8xf32>
      gpu.return
    }
  }
}
)mlir";

struct AlignedFree {
  void operator()(void *p) const { std::free(p); }
};
using Buffer = std::unique_ptr<float, AlignedFree>;

/// A 256-byte aligned buffer of 8 floats (simulated device memory).
Buffer makeBuffer(const std::vector<float> &values) {
  Buffer buffer(static_cast<float *>(std::aligned_alloc(256, 256)));
  std::memset(buffer.get(), 0, 256);
  std::memcpy(buffer.get(), values.data(), values.size() * sizeof(float));
  return buffer;
}

class GpuSimTest : public ::testing::Test {
protected:
  void SetUp() override {
    context.loadDialect<mlir::gpu::GPUDialect, mlir::arith::ArithDialect,
                        mlir::memref::MemRefDialect>();
    module = mlir::parseSourceString<mlir::ModuleOp>(kKernels, &context);
    ASSERT_TRUE(module);
    std::string error;
    ASSERT_TRUE(mlir::succeeded(sim.copyKernels(*module, error))) << error;
  }

  /// Runs kernel `name` on one block of `threads` threads.
  bool run(llvm::StringRef name, int64_t threads, Buffer &in, Buffer &out,
           std::string &error, int64_t length = 8) {
    int64_t kernel = sim.findKernel(name);
    EXPECT_GE(kernel, 0) << name.str();
    const int64_t grid[3] = {1, 1, 1}, block[3] = {threads, 1, 1};
    char *buffers[] = {reinterpret_cast<char *>(in.get()),
                       reinterpret_cast<char *>(out.get())};
    std::vector<std::vector<int64_t>> shapes = {{length}, {length}};
    return sim.runKernel(kernel, grid, block, /*dynamicSharedBytes=*/0, buffers,
                         shapes, error);
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  GpuSimulator sim;
  const std::vector<float> input = {0.5f, -1.25f, 3.0f,  0.1f,
                                    7.0f, -0.0f,  1e-3f, 100.0f};
};

TEST_F(GpuSimTest, KernelArgumentsAreDescribed) {
  int64_t kernel = sim.findKernel("affine");
  ASSERT_GE(kernel, 0);
  ASSERT_EQ(sim.kernelArguments(kernel).size(), 2u);
  EXPECT_EQ(sim.kernelArguments(kernel)[0].elementBytes, 4);
  EXPECT_EQ(sim.kernelArguments(kernel)[1].shape, std::vector<int64_t>{8});
  int64_t dynamic = sim.findKernel("times_length");
  ASSERT_GE(dynamic, 0);
  EXPECT_EQ(sim.kernelArguments(dynamic)[0].shape,
            std::vector<int64_t>{mlir::ShapedType::kDynamic});
  EXPECT_EQ(sim.findKernel("missing"), -1);
}

TEST_F(GpuSimTest, ElementwiseKernelMatchesCpp) {
  Buffer a = makeBuffer(input), b = makeBuffer({});
  std::string error;
  ASSERT_TRUE(run("affine", 8, a, b, error)) << error;
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(b.get()[i], 2.0f * input[i] + 1.0f) << i;
  EXPECT_EQ(sim.blocksRun(), 1);
}

TEST_F(GpuSimTest, WorkgroupMemoryAndBarrier) {
  Buffer a = makeBuffer(input), c = makeBuffer({});
  std::string error;
  ASSERT_TRUE(run("reverse", 8, a, c, error)) << error;
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(c.get()[i], input[7 - i]) << i;
}

TEST_F(GpuSimTest, HalfRoundingToNearestEven) {
  Buffer a = makeBuffer(input), d = makeBuffer({});
  std::string error;
  ASSERT_TRUE(run("to_half", 8, a, d, error)) << error;
  // Halves near 0.1 are 2^-14 apart: 0.1 = 1638.4 * 2^-14 becomes 1638 *
  // 2^-14; near 1e-3 they are 2^-20 apart: 1048.576 * 2^-20 becomes 1049 *
  // 2^-20 (up); the others are exact.
  EXPECT_EQ(d.get()[3], 1638 * 0x1p-14f);
  EXPECT_EQ(d.get()[6], 1049 * 0x1p-20f);
  EXPECT_EQ(d.get()[0], 0.5f);
  EXPECT_EQ(d.get()[7], 100.0f);
}

TEST_F(GpuSimTest, OutOfBoundsAccessFails) {
  Buffer a = makeBuffer(input), b = makeBuffer({});
  std::string error;
  // 16 threads index past the 8 elements of the arguments.
  EXPECT_FALSE(run("affine", 16, a, b, error));
  EXPECT_NE(error.find("outside argument 0"), std::string::npos) << error;
}

TEST_F(GpuSimTest, DynamicSizesComeFromTheLaunch) {
  Buffer x = makeBuffer(input), y = makeBuffer({});
  std::string error;
  ASSERT_TRUE(run("times_length", 5, x, y, error, /*length=*/5)) << error;
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(y.get()[i], 5.0f * input[i]) << i;
  EXPECT_EQ(y.get()[5], 0.0f);
  // Six threads read past a length of 5, although the memory holds 8.
  EXPECT_FALSE(run("times_length", 6, x, y, error, /*length=*/5));
  EXPECT_NE(error.find("outside argument 0 of shape 5"), std::string::npos)
      << error;
}

TEST_F(GpuSimTest, InvalidLaunchFails) {
  Buffer a = makeBuffer(input), b = makeBuffer({});
  std::string error;
  EXPECT_FALSE(run("affine", 2048, a, b, error));
  EXPECT_NE(error.find("more than 1024 threads"), std::string::npos) << error;
}

#ifdef ATTN_HAVE_CUDA_SIM
//===----------------------------------------------------------------------===//
// The simulated CUDA driver, through the entry points it hands the runtime
//===----------------------------------------------------------------------===//

namespace sim = attn::gpusim::cuda_sim;

// The driver API types, as cuda.h declares them.
using CUresult = int;
using CUdeviceptr = unsigned long long;
constexpr CUresult kSuccess = 0, kInvalidValue = 1, kOutOfMemory = 2;

template <typename Fn> Fn driverFunction(const char *name) {
  void *address = sim::lookup(name);
  EXPECT_NE(address, nullptr) << name;
  return reinterpret_cast<Fn>(address);
}

struct Driver {
  CUresult (*init)(unsigned) = driverFunction<CUresult (*)(unsigned)>("cuInit");
  CUresult (*alloc)(CUdeviceptr *, size_t) =
      driverFunction<CUresult (*)(CUdeviceptr *, size_t)>("cuMemAlloc_v2");
  CUresult (*free)(CUdeviceptr) =
      driverFunction<CUresult (*)(CUdeviceptr)>("cuMemFree_v2");
  CUresult (*copy)(CUdeviceptr, CUdeviceptr, size_t, void *) =
      driverFunction<CUresult (*)(CUdeviceptr, CUdeviceptr, size_t, void *)>(
          "cuMemcpyAsync");
};

TEST(CudaSimDriverTest, AllocateCopyAndFree) {
  Driver cu;
  ASSERT_EQ(cu.init(0), kSuccess);
  (void)sim::takeStats();
  CUdeviceptr device = 0;
  ASSERT_EQ(cu.alloc(&device, 64), kSuccess);
  EXPECT_EQ(device % 256, 0u);
  EXPECT_NE(sim::liveResources(), "");

  // Never-written device memory reads as NaN.
  float back[16];
  ASSERT_EQ(cu.copy(reinterpret_cast<CUdeviceptr>(back), device, 64, nullptr),
            kSuccess);
  EXPECT_TRUE(std::isnan(back[0]));

  float host[16];
  for (int i = 0; i < 16; ++i)
    host[i] = float(i) * 0.5f;
  ASSERT_EQ(cu.copy(device, reinterpret_cast<CUdeviceptr>(host), 64, nullptr),
            kSuccess);
  ASSERT_EQ(cu.copy(reinterpret_cast<CUdeviceptr>(back), device, 64, nullptr),
            kSuccess);
  EXPECT_EQ(std::memcmp(host, back, sizeof(host)), 0);

  sim::Stats stats = sim::takeStats();
  EXPECT_EQ(stats.allocations, 1);
  EXPECT_EQ(stats.bytesToDevice, 64);
  EXPECT_EQ(stats.bytesFromDevice, 128);
  EXPECT_EQ(stats.peakBytes, 64);

  ASSERT_EQ(cu.free(device), kSuccess);
  EXPECT_EQ(sim::liveResources(), "");
  EXPECT_FALSE(sim::takeFailure().has_value());
}

TEST(CudaSimDriverTest, CopyPastAnAllocationFails) {
  Driver cu;
  ASSERT_EQ(cu.init(0), kSuccess);
  CUdeviceptr device = 0;
  ASSERT_EQ(cu.alloc(&device, 64), kSuccess);
  float host[32] = {};
  EXPECT_EQ(cu.copy(device, reinterpret_cast<CUdeviceptr>(host), 128, nullptr),
            kInvalidValue);
  std::optional<std::string> failure = sim::takeFailure();
  ASSERT_TRUE(failure.has_value());
  EXPECT_NE(failure->find("runs past the end of a device allocation"),
            std::string::npos)
      << *failure;
  ASSERT_EQ(cu.free(device), kSuccess);
  // A second free of the same pointer is an error the driver reports.
  EXPECT_EQ(cu.free(device), kInvalidValue);
  failure = sim::takeFailure();
  ASSERT_TRUE(failure.has_value());
  EXPECT_NE(failure->find("not a live device allocation"), std::string::npos);
  EXPECT_EQ(sim::liveResources(), "");
}

TEST(CudaSimDriverTest, InjectedFailure) {
  Driver cu;
  ASSERT_EQ(cu.init(0), kSuccess);
  std::string error;
  // Call numbers count from the start of the process; the 1000th call of
  // cuMemAlloc (the name may leave out _v2) fails as out of memory, once.
  ASSERT_TRUE(sim::failCall("cuMemAlloc", 1000, error)) << error;
  int failures = 0;
  bool succeededAfterFailure = false;
  for (int i = 0; i < 1010; ++i) {
    CUdeviceptr device = 0;
    CUresult result = cu.alloc(&device, 16);
    if (result == kOutOfMemory) {
      ++failures;
      EXPECT_EQ(device, 0u);
      continue;
    }
    ASSERT_EQ(result, kSuccess);
    succeededAfterFailure |= failures == 1;
    ASSERT_EQ(cu.free(device), kSuccess);
  }
  EXPECT_EQ(failures, 1);
  EXPECT_TRUE(succeededAfterFailure);
  EXPECT_EQ(sim::liveResources(), "");
  EXPECT_FALSE(sim::failCall("cuNoSuchFunction", 1, error));
  EXPECT_NE(error.find("cuNoSuchFunction"), std::string::npos);
}
#endif

} // namespace
