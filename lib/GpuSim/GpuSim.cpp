//===- GpuSim.cpp - Functional simulator of the fused GPU kernels ---------===//
//
// See GpuSim.h. The interpreter keeps, for every SSA value, one group of
// slots per thread of the block (a scalar takes one slot, a vector or an
// LLVM struct one per element, a memref the number of a buffer). Integers
// are kept sign-extended from their width (i1 as 0 / 1), floats as doubles
// already rounded to their type.
//
//===----------------------------------------------------------------------===//

#include "attn/GpuSim/GpuSim.h"

#include "attn/Conversion/AttnToGPU/AttnToGPU.h"
#include "attn/Support/ElementType.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <optional>

using namespace mlir;
using ::attn::gpusim::GpuSimulator;

namespace {

using mlir::attn::kLaunchBlockAttr;
using mlir::attn::kLaunchDynamicSharedAttr;
using mlir::attn::kLaunchGridAttr;
using mlir::attn::kLaunchKernelAttr;
constexpr StringLiteral kLaunchFunc = "attnGpuSimLaunch";
constexpr int64_t kWarp = 32;
constexpr int64_t kWarpGroup = 128;
/// Alignment assumed for kernel arguments (cudaMalloc's guarantee).
constexpr int64_t kArgumentAlignment = 256;

union Slot {
  int64_t i;
  double f;
};

/// Slots per thread of a value of type `t`.
int64_t widthOf(Type t) {
  if (auto v = dyn_cast<VectorType>(t))
    return v.getNumElements();
  if (auto s = dyn_cast<LLVM::LLVMStructType>(t))
    return s.getBody().size();
  return 1;
}

Type scalarOf(Type t) {
  if (auto v = dyn_cast<VectorType>(t))
    return v.getElementType();
  return t;
}

unsigned bitsOf(Type t) {
  if (t.isIndex())
    return 64;
  return t.getIntOrFloatBitWidth();
}

int64_t normalizeInt(Type t, int64_t x) {
  unsigned w = bitsOf(t);
  if (w == 1)
    return x & 1;
  if (w >= 64)
    return x;
  uint64_t m = (uint64_t(1) << w) - 1;
  uint64_t u = uint64_t(x) & m;
  if (u >> (w - 1))
    u |= ~m;
  return int64_t(u);
}

uint64_t unsignedOf(Type t, int64_t x) {
  unsigned w = bitsOf(t);
  if (w >= 64)
    return uint64_t(x);
  return uint64_t(x) & ((uint64_t(1) << w) - 1);
}

/// The shared element type of float type `t` (f16, bf16, f32, f64).
::attn::ElementType floatTypeOf(Type t) {
  std::optional<::attn::ElementType> type = ::attn::getElementType(t);
  return type && ::attn::isFloat(*type) ? *type : ::attn::ElementType::F64;
}

/// `x` rounded to the float type `t` (to nearest even).
double roundTo(Type t, double x) {
  return ::attn::roundToFloatType(x, floatTypeOf(t));
}

/// The bits of float `x` of type `t`, and back.
uint64_t floatBits(Type t, double x) {
  return ::attn::getFloatBits(x, floatTypeOf(t));
}

double floatFromBits(Type t, uint64_t u) {
  return ::attn::getFloatFromBits(u, floatTypeOf(t));
}

Slot bitsToSlot(Type t, uint64_t u) {
  Slot s;
  if (isa<FloatType>(t))
    s.f = floatFromBits(t, u);
  else
    s.i = normalizeInt(t, int64_t(u));
  return s;
}

uint64_t slotToBits(Type t, Slot s) {
  if (isa<FloatType>(t))
    return floatBits(t, s.f);
  return unsignedOf(t, s.i);
}

/// Bytes an element of `t` takes in memory (i1 as one byte).
int64_t bytesOf(Type t) { return std::max<int64_t>(1, (bitsOf(t) + 7) / 8); }

/// The last write and read of one buffer element, for race detection. A
/// thread is (block, lane); `epoch` counts the block's barriers so far.
struct AccessRecord {
  int64_t block = -1, lane = -1, epoch = -1;
  bool valid() const { return block >= 0; }
  /// Whether this access happens before one by (block, lane) in `epoch`:
  /// same thread, or same block with a barrier in between. Threads of
  /// different blocks never synchronise.
  bool orderedBefore(int64_t b, int64_t l, int64_t e) const {
    return block == b && (lane == l || epoch < e);
  }
};
struct ElementAccesses {
  AccessRecord write, read;
  /// More than one thread read it in `read`'s block and epoch.
  bool manyReaders = false;
  /// cp.async copies writing it that no wait has completed yet.
  int32_t pendingCopies = 0;
};

struct Buffer {
  char *data = nullptr;
  Type elt;
  SmallVector<int64_t, 4> shape;
  /// Guaranteed alignment of `data` in the simulated address space.
  int64_t alignment = 1;
  std::string name;
  /// One record per element, shared by every block of a launch (kernel
  /// arguments) or private to a block (workgroup and private buffers).
  std::shared_ptr<std::vector<ElementAccesses>> accesses;
  /// Workgroup buffers: the buffer's address in the block's shared memory
  /// (what memref.extract_aligned_pointer_as_index gives, and what wgmma
  /// descriptors hold); -1 for the others.
  int64_t sharedAddress = -1;
  /// Written through the generic proxy since the last fence.proxy.async:
  /// wgmma (the async proxy) must not read it yet.
  bool asyncStale = false;
  /// The block's dynamic shared memory (gpu.dynamic_shared_memory), which
  /// the kernel uses through memref.view buffers; the views, not this byte
  /// buffer, answer for its shared addresses.
  bool dynamicShared = false;

  /// A buffer of `type` at `data` (aligned to `alignment`), with fresh
  /// access records.
  static Buffer over(char *data, MemRefType type, int64_t alignment,
                     std::string name);
  /// Likewise with elements of `elt` and the sizes `shape` (a dynamically
  /// shaped buffer's sizes at run time).
  static Buffer over(char *data, Type elt, ArrayRef<int64_t> shape,
                     int64_t alignment, std::string name);
};

Buffer Buffer::over(char *data, MemRefType type, int64_t alignment,
                    std::string name) {
  return over(data, type.getElementType(), type.getShape(), alignment,
              std::move(name));
}

Buffer Buffer::over(char *data, Type elt, ArrayRef<int64_t> shape,
                    int64_t alignment, std::string name) {
  Buffer buffer;
  buffer.data = data;
  buffer.elt = elt;
  buffer.shape.assign(shape.begin(), shape.end());
  buffer.alignment = alignment;
  buffer.name = std::move(name);
  int64_t elements = 1;
  for (int64_t n : shape)
    elements *= n;
  buffer.accesses =
      std::make_shared<std::vector<ElementAccesses>>(size_t(elements));
  return buffer;
}

struct Launch {
  gpu::GPUFuncOp kernel;
  /// The grid's entries are ShapedType::kDynamic in a launcher's record
  /// until a launch gives them.
  int64_t grid[3], block[3];
  /// Bytes of dynamic shared memory the launch gives each block.
  int64_t dynamicSharedBytes = 0;
};

/// The most shared memory (static and dynamic) a block may use on any chip
/// (sm_90's).
const int64_t kMaxSharedBytesPerBlock = mlir::attn::maxSharedMemoryPerBlock(90);

/// Thrown (as a string) to abandon a launch.
struct SimError {
  std::string message;
};

class BlockInterpreter {
public:
  BlockInterpreter(const Launch &launch, ArrayRef<Buffer> arguments,
                   const int64_t blockId[3])
      : launch(launch),
        lanes(launch.block[0] * launch.block[1] * launch.block[2]) {
    for (int d = 0; d < 3; ++d)
      this->blockId[d] = blockId[d];
    blockLinear = (blockId[2] * launch.grid[1] + blockId[1]) * launch.grid[0] +
                  blockId[0];
    buffers.assign(arguments.begin(), arguments.end());
  }

  void run() {
    gpu::GPUFuncOp kernel = launch.kernel;
    Block &entry = kernel.getBody().front();
    for (auto [i, arg] : llvm::enumerate(kernel.getArguments()))
      fill(arg, [&](int64_t, int64_t) { return Slot{int64_t(i)}; });
    for (auto [i, attr] : llvm::enumerate(kernel.getWorkgroupAttributions())) {
      int64_t align = 0;
      if (auto a =
              dyn_cast_or_null<IntegerAttr>(kernel.getWorkgroupAttributionAttr(
                  i, LLVM::LLVMDialect::getAlignAttrName())))
        align = a.getInt();
      int64_t id = allocate(cast<MemRefType>(attr.getType()), align,
                            llvm::formatv("workgroup buffer {0}", i).str(),
                            /*shared=*/true);
      fill(attr, [&](int64_t, int64_t) { return Slot{id}; });
    }
    for (auto [i, attr] : llvm::enumerate(kernel.getPrivateAttributions())) {
      auto type = cast<MemRefType>(attr.getType());
      std::vector<Slot> &slots = slotsOf(attr);
      for (int64_t l = 0; l < lanes; ++l)
        slots[l].i =
            allocate(type, 0, llvm::formatv("private buffer {0}", i).str());
    }
    std::vector<char> mask(lanes, 1);
    committedGroups.assign(lanes, 0);
    runBlock(entry, mask);
    if (!pendingCopies.empty()) {
      const PendingCopy &c = pendingCopies.front();
      fail(kernel,
           llvm::formatv("ends with {0} cp.async copies no "
                         "nvgpu.device_async_wait completed (thread "
                         "{1} into {2})",
                         pendingCopies.size(), c.lane, buffers[c.buffer].name));
    }
  }

private:
  const Launch &launch;
  int64_t lanes;
  int64_t blockId[3];
  int64_t blockLinear = 0;
  /// Barriers this block has passed (the race detector's epoch).
  int64_t epoch = 0;
  /// Bytes of shared memory given to workgroup buffers so far.
  int64_t sharedTop = 0;
  /// wgmma state of the block (its warpgroups run in lock step): results
  /// not yet waited for, those of the open group, the committed groups in
  /// order, and whether a wgmma.fence ran since the last wait.
  DenseSet<Value> pendingWgmma;
  SmallVector<Value> openWgmmaGroup;
  std::vector<SmallVector<Value>> wgmmaGroups;
  bool wgmmaFenced = false;
  /// cp.async copies in flight: issued by `lane` into `count` elements of
  /// buffer `buffer` from element `first` on, in the lane's group `group`
  /// (0: not committed yet), with the values read at issue.
  struct PendingCopy {
    int64_t lane, group, buffer, first, count;
    std::vector<Slot> values;
  };
  std::vector<PendingCopy> pendingCopies;
  /// Groups each thread has committed.
  std::vector<int64_t> committedGroups;
  std::vector<Buffer> buffers;
  std::vector<std::unique_ptr<char[]>> owned;
  DenseMap<Value, std::vector<Slot>> env;
  /// The block's dynamic shared memory buffer (-1 before the kernel asks for
  /// it), and its views: byte range and buffer, per (memref.view, offset).
  int64_t dynamicBuffer = -1;
  struct DynamicView {
    Operation *op;
    int64_t offset, end, buffer;
  };
  std::vector<DynamicView> dynamicViews;

  [[noreturn]] void fail(Operation *op, const Twine &message) {
    std::string loc;
    llvm::raw_string_ostream os(loc);
    if (auto file = dyn_cast<FileLineColLoc>(op->getLoc()))
      os << file.getFilename().getValue() << ":" << file.getLine() << ":"
         << file.getColumn();
    else
      op->getLoc().print(os);
    throw SimError{llvm::formatv("{0}: '{1}' in block ({2}, {3}, {4}): {5}",
                                 loc, op->getName().getStringRef(), blockId[0],
                                 blockId[1], blockId[2], message.str())
                       .str()};
  }

  int64_t allocate(MemRefType type, int64_t align, std::string name,
                   bool shared = false) {
    int64_t bytes = type.getNumElements() * bytesOf(type.getElementType());
    // Place the buffer exactly `align` (at least the element size) past a
    // 512-byte boundary so that stronger alignment is never assumed.
    int64_t guaranteed = std::max(align, bytesOf(type.getElementType()));
    auto storage = std::make_unique<char[]>(bytes + 1024);
    std::memset(storage.get(), 0, bytes + 1024);
    uintptr_t base = reinterpret_cast<uintptr_t>(storage.get());
    uintptr_t start = (base + 511) / 512 * 512 + (guaranteed % 512);
    Buffer buffer = Buffer::over(reinterpret_cast<char *>(start), type,
                                 guaranteed, std::move(name));
    if (shared) {
      // Likewise in shared memory: `guaranteed` past a 1024-byte boundary.
      buffer.sharedAddress =
          (sharedTop + 1023) / 1024 * 1024 + guaranteed % 1024;
      sharedTop = buffer.sharedAddress + bytes;
    }
    owned.push_back(std::move(storage));
    buffers.push_back(std::move(buffer));
    return int64_t(buffers.size()) - 1;
  }

  std::vector<Slot> &slotsOf(Value v) {
    std::vector<Slot> &slots = env[v];
    if (slots.empty())
      slots.assign(size_t(lanes * widthOf(v.getType())), Slot{0});
    return slots;
  }
  const std::vector<Slot> &get(Operation *op, Value v) {
    auto it = env.find(v);
    if (it == env.end())
      fail(op, "reads a value the simulator has not computed");
    return it->second;
  }
  template <typename F> void fill(Value v, F &&f) {
    int64_t w = widthOf(v.getType());
    std::vector<Slot> &slots = slotsOf(v);
    for (int64_t l = 0; l < lanes; ++l)
      for (int64_t k = 0; k < w; ++k)
        slots[l * w + k] = f(l, k);
  }

  // ---- control flow ------------------------------------------------------

  /// Runs the ops of `block` for the lanes in `mask`; returns the
  /// terminator (not run).
  Operation *runBlock(Block &block, const std::vector<char> &mask) {
    for (Operation &op : block) {
      if (op.hasTrait<OpTrait::IsTerminator>())
        return &op;
      runOp(&op, mask);
    }
    return nullptr;
  }

  /// Copies `from` to `to` (same type) for the lanes in `mask`.
  void assign(Operation *op, Value to, Value from,
              const std::vector<char> &mask) {
    int64_t w = widthOf(to.getType());
    const std::vector<Slot> src = get(op, from);
    std::vector<Slot> &dst = slotsOf(to);
    for (int64_t l = 0; l < lanes; ++l)
      if (mask[l])
        for (int64_t k = 0; k < w; ++k)
          dst[l * w + k] = src[l * w + k];
  }

  void runFor(scf::ForOp loop, const std::vector<char> &mask) {
    const std::vector<Slot> lb = get(loop, loop.getLowerBound());
    const std::vector<Slot> ub = get(loop, loop.getUpperBound());
    const std::vector<Slot> step = get(loop, loop.getStep());
    Block *body = loop.getBody();
    Value iv = loop.getInductionVar();
    std::vector<Slot> &ivSlots = slotsOf(iv);
    for (int64_t l = 0; l < lanes; ++l)
      if (mask[l]) {
        ivSlots[l] = lb[l];
        if (step[l].i <= 0)
          fail(loop, "has a non-positive step");
      }
    for (auto [arg, init] :
         llvm::zip(loop.getRegionIterArgs(), loop.getInitArgs()))
      assign(loop, arg, init, mask);
    std::vector<char> active(lanes);
    while (true) {
      bool any = false;
      const std::vector<Slot> &ivNow = slotsOf(iv);
      for (int64_t l = 0; l < lanes; ++l) {
        active[l] = mask[l] && ivNow[l].i < ub[l].i;
        any |= bool(active[l]);
      }
      if (!any)
        break;
      Operation *yield = runBlock(*body, active);
      for (auto [arg, next] :
           llvm::zip(loop.getRegionIterArgs(), yield->getOperands()))
        assign(yield, arg, next, active);
      std::vector<Slot> &ivNext = slotsOf(iv);
      for (int64_t l = 0; l < lanes; ++l)
        if (active[l])
          ivNext[l].i += step[l].i;
    }
    for (auto [result, arg] :
         llvm::zip(loop.getResults(), loop.getRegionIterArgs()))
      assign(loop, result, arg, mask);
  }

  void runIf(scf::IfOp ifOp, const std::vector<char> &mask) {
    const std::vector<Slot> cond = get(ifOp, ifOp.getCondition());
    std::vector<char> thenMask(lanes), elseMask(lanes);
    bool anyThen = false, anyElse = false;
    for (int64_t l = 0; l < lanes; ++l) {
      thenMask[l] = mask[l] && cond[l].i;
      elseMask[l] = mask[l] && !cond[l].i;
      anyThen |= bool(thenMask[l]);
      anyElse |= bool(elseMask[l]);
    }
    auto branch = [&](Region &region, const std::vector<char> &m) {
      if (region.empty())
        return;
      Operation *yield = runBlock(region.front(), m);
      for (auto [result, value] :
           llvm::zip(ifOp.getResults(), yield->getOperands()))
        assign(yield, result, value, m);
    };
    if (anyThen)
      branch(ifOp.getThenRegion(), thenMask);
    if (anyElse)
      branch(ifOp.getElseRegion(), elseMask);
  }

  // ---- memory ------------------------------------------------------------

  /// The byte offset of `indices` in buffer `id`, after checking bounds
  /// (with `count` elements along the last dimension) and alignment.
  char *address(Operation *op, int64_t id, ArrayRef<int64_t> indices,
                int64_t count, int64_t align, int64_t lane) {
    const Buffer &buffer = buffers[id];
    if (indices.size() != buffer.shape.size())
      fail(op, "indexes a buffer with the wrong number of indices");
    int64_t linear = 0;
    for (auto [d, index] : llvm::enumerate(indices)) {
      int64_t extent = buffer.shape[d];
      int64_t last = d + 1 == indices.size() ? index + count - 1 : index;
      if (index < 0 || last >= extent) {
        std::string where;
        for (int64_t x : indices)
          where += (where.empty() ? "" : ", ") + std::to_string(x);
        fail(op, llvm::formatv(
                     "thread {0} accesses [{1}] (+{2}) outside {3} "
                     "of shape {4}",
                     lane, where, count, buffer.name,
                     llvm::join(llvm::map_range(buffer.shape,
                                                [](int64_t s) {
                                                  return std::to_string(s);
                                                }),
                                "x")));
      }
      linear = linear * extent + index;
    }
    int64_t offset = linear * bytesOf(buffer.elt);
    if (align > 1 && (offset % align != 0 || buffer.alignment % align != 0))
      fail(op,
           llvm::formatv("thread {0} makes a {1}-byte aligned access at "
                         "byte {2} of {3}, which is only {4}-byte aligned",
                         lane, align, offset, buffer.name, buffer.alignment));
    return buffer.data + offset;
  }

  /// Checks `count` elements at `p` of `buffer`, read or written by `lane`,
  /// against the accesses before: a write and another access by a thread
  /// not ordered with it (no barrier between them, or another block) is a
  /// race, which lock-step simulation would otherwise hide.
  void recordAccess(Operation *op, const Buffer &buffer, const char *p,
                    int64_t count, bool store, int64_t lane) {
    if (!buffer.accesses)
      return;
    int64_t first = (p - buffer.data) / bytesOf(buffer.elt);
    for (int64_t i = first; i < first + count; ++i) {
      ElementAccesses &a = (*buffer.accesses)[i];
      if (a.pendingCopies)
        fail(op,
             llvm::formatv("thread {0} {1} element {2} of {3}, which a "
                           "cp.async is still writing (no "
                           "nvgpu.device_async_wait has completed it)",
                           lane, store ? "writes" : "reads", i, buffer.name));
      auto race = [&](const AccessRecord &other, const char *what) {
        fail(op, llvm::formatv(
                     "data race on element {0} of {1}: thread {2} {3} it, "
                     "and thread {4} of block #{5} {6} it with no barrier "
                     "between them{7}",
                     i, buffer.name, lane, store ? "writes" : "reads",
                     other.lane, other.block, what,
                     other.block != blockLinear ? " (another block)" : ""));
      };
      if (a.write.valid() && !a.write.orderedBefore(blockLinear, lane, epoch))
        race(a.write, "wrote");
      if (store) {
        bool readByOthers = a.read.valid() &&
                            (!a.read.orderedBefore(blockLinear, lane, epoch) ||
                             (a.manyReaders && a.read.block == blockLinear &&
                              a.read.epoch == epoch));
        if (readByOthers)
          race(a.read, "read");
        a.write = {blockLinear, lane, epoch};
        a.read = AccessRecord();
        a.manyReaders = false;
      } else {
        bool sameInterval =
            a.read.block == blockLinear && a.read.epoch == epoch;
        if (sameInterval && a.read.lane != lane)
          a.manyReaders = true;
        else if (!sameInterval)
          a.manyReaders = false;
        a.read = {blockLinear, lane, epoch};
      }
    }
  }

  Slot readElement(Type t, const char *p) {
    uint64_t u = 0;
    std::memcpy(&u, p, bytesOf(t));
    return bitsToSlot(t, u);
  }
  void writeElement(Type t, char *p, Slot s) {
    uint64_t u = slotToBits(t, s);
    std::memcpy(p, &u, bytesOf(t));
  }

  SmallVector<int64_t, 4> indicesOf(Operation *op, ValueRange indices,
                                    int64_t lane) {
    SmallVector<int64_t, 4> out;
    for (Value v : indices)
      out.push_back(get(op, v)[lane].i);
    return out;
  }

  void access(Operation *op, Value memref, ValueRange indices, Value value,
              bool store, int64_t count, int64_t align,
              const std::vector<char> &mask) {
    const std::vector<Slot> &ids = get(op, memref);
    Type elt = cast<MemRefType>(memref.getType()).getElementType();
    for (int64_t l = 0; l < lanes; ++l) {
      if (!mask[l])
        continue;
      char *p =
          address(op, ids[l].i, indicesOf(op, indices, l), count, align, l);
      recordAccess(op, buffers[ids[l].i], p, count, store, l);
      if (store && buffers[ids[l].i].sharedAddress >= 0)
        buffers[ids[l].i].asyncStale = true;
      if (store) {
        const std::vector<Slot> &v = get(op, value);
        for (int64_t k = 0; k < count; ++k)
          writeElement(elt, p + k * bytesOf(elt), v[l * count + k]);
      } else {
        std::vector<Slot> &v = slotsOf(op->getResult(0));
        for (int64_t k = 0; k < count; ++k)
          v[l * count + k] = readElement(elt, p + k * bytesOf(elt));
      }
    }
  }

  // ---- warp and block collectives ----------------------------------------

  void requireFull(Operation *op, const std::vector<char> &mask,
                   int64_t group) {
    for (int64_t g0 = 0; g0 < lanes; g0 += group) {
      int64_t on = 0;
      for (int64_t l = g0; l < std::min(lanes, g0 + group); ++l)
        on += mask[l];
      if (on != 0 && on != std::min(group, lanes - g0))
        fail(op, llvm::formatv("runs with {0} of the {1} threads of its "
                               "group starting at thread {2}",
                               on, std::min(group, lanes - g0), g0));
      if (group == lanes && on == 0)
        fail(op, "runs with no thread");
    }
  }

  void runShuffle(gpu::ShuffleOp op, const std::vector<char> &mask) {
    requireFull(op, mask, kWarp);
    const std::vector<Slot> value = get(op, op.getValue());
    const std::vector<Slot> &offset = get(op, op.getOffset());
    const std::vector<Slot> &width = get(op, op.getWidth());
    std::vector<Slot> &out = slotsOf(op.getShuffleResult());
    std::vector<Slot> &valid = slotsOf(op.getValid());
    for (int64_t l = 0; l < lanes; ++l) {
      if (!mask[l])
        continue;
      int64_t w = width[l].i, lane = l % kWarp, base = l - lane;
      if (w <= 0 || w > kWarp || (w & (w - 1)))
        fail(op, "has a width that is not a power of two in [1, 32]");
      int64_t segment = lane / w * w, src = -1;
      switch (op.getMode()) {
      case gpu::ShuffleMode::XOR:
        src = lane ^ offset[l].i;
        break;
      case gpu::ShuffleMode::DOWN:
        src = lane + offset[l].i;
        break;
      case gpu::ShuffleMode::UP:
        src = lane - offset[l].i;
        break;
      case gpu::ShuffleMode::IDX:
        src = segment + offset[l].i;
        break;
      }
      bool ok = src >= segment && src < segment + w && base + src < lanes;
      out[l] = ok ? value[base + src] : value[l];
      valid[l].i = ok;
    }
  }

  /// mma.sync.m16n8k16.row.col with f32 accumulators; fragment layouts of
  /// PTX's "Matrix Fragments for mma.m16n8k16 with floating point type":
  /// g = lane / 4, t = lane % 4; A register r holds row g + 8 (r % 2),
  /// columns 2t + 8 (r / 2) (+1); B register r holds rows 2t + 8r (+1),
  /// column g; C element i is row g + 8 (i / 2), column 2t + i % 2.
  void runMma(NVVM::MmaOp op, const std::vector<char> &mask) {
    requireFull(op, mask, kWarp);
    NVVM::MMAShapeAttr shape = op.getShape();
    if (shape.getM() != 16 || shape.getN() != 8 || shape.getK() != 16 ||
        op.getLayoutA() != NVVM::MMALayout::row ||
        op.getLayoutB() != NVVM::MMALayout::col)
      fail(op, "only m16n8k16, row-major A and column-major B are simulated");
    std::optional<NVVM::MMATypes> aType = op.getMultiplicandAPtxType();
    Type ab;
    Builder b(op.getContext());
    if (aType == NVVM::MMATypes::f16)
      ab = b.getF16Type();
    else if (aType == NVVM::MMATypes::bf16)
      ab = b.getBF16Type();
    else
      fail(op, "only f16 and bf16 multiplicands are simulated");
    auto a = op.getOperandA();
    auto bOps = op.getOperandB();
    auto c = op.getOperandC();
    if (a.size() != 4 || bOps.size() != 2 || c.size() != 4)
      fail(op, "expects 4 A, 2 B and 4 C registers");
    // The two elements of a register (lower half first).
    auto pairOf = [&](Value reg, int64_t lane) -> std::pair<double, double> {
      const std::vector<Slot> &s = get(op, reg);
      if (isa<VectorType>(reg.getType()))
        return {s[lane * 2].f, s[lane * 2 + 1].f};
      uint64_t u = unsignedOf(reg.getType(), s[lane].i);
      return {floatFromBits(ab, u & 0xffff), floatFromBits(ab, u >> 16)};
    };
    std::vector<Slot> &out = slotsOf(op.getResult());
    for (int64_t w0 = 0; w0 < lanes; w0 += kWarp) {
      if (!mask[w0])
        continue;
      double A[16][16], B[16][8], C[16][8];
      for (int64_t lane = 0; lane < kWarp; ++lane) {
        int64_t g = lane / 4, t = lane % 4, l = w0 + lane;
        for (int64_t r = 0; r < 4; ++r) {
          auto [lo, hi] = pairOf(a[r], l);
          int64_t row = g + 8 * (r % 2), col = 2 * t + 8 * (r / 2);
          A[row][col] = lo;
          A[row][col + 1] = hi;
        }
        for (int64_t r = 0; r < 2; ++r) {
          auto [lo, hi] = pairOf(bOps[r], l);
          int64_t k = 2 * t + 8 * r;
          B[k][g] = lo;
          B[k + 1][g] = hi;
        }
        for (int64_t i = 0; i < 4; ++i)
          C[g + 8 * (i / 2)][2 * t + i % 2] = get(op, c[i])[l].f;
      }
      for (int64_t lane = 0; lane < kWarp; ++lane) {
        int64_t g = lane / 4, t = lane % 4;
        for (int64_t i = 0; i < 4; ++i) {
          int64_t row = g + 8 * (i / 2), col = 2 * t + i % 2;
          double sum = C[row][col];
          for (int64_t k = 0; k < 16; ++k)
            sum += A[row][k] * B[k][col];
          out[(w0 + lane) * 4 + i].f = double(float(sum));
        }
      }
    }
  }

  /// The block's dynamic shared memory: launch.dynamicSharedBytes bytes,
  /// 16-byte aligned (as the NVPTX back end aligns it) after the static
  /// shared memory, allocated the first time the kernel asks for it.
  int64_t dynamicSharedMemory(Operation *op) {
    if (dynamicBuffer >= 0)
      return dynamicBuffer;
    auto type = MemRefType::get({launch.dynamicSharedBytes},
                                IntegerType::get(op->getContext(), 8));
    dynamicBuffer = allocate(type, 16, "dynamic shared memory",
                             /*shared=*/true);
    Buffer &buffer = buffers[dynamicBuffer];
    buffer.dynamicShared = true;
    if (buffer.sharedAddress + launch.dynamicSharedBytes >
        kMaxSharedBytesPerBlock)
      fail(op, llvm::formatv("static ({0} bytes) and dynamic ({1} bytes) "
                             "shared memory exceed the {2} bytes a block may "
                             "use",
                             buffer.sharedAddress, launch.dynamicSharedBytes,
                             kMaxSharedBytesPerBlock));
    return dynamicBuffer;
  }

  /// memref.view of the dynamic shared memory: a buffer over its bytes from
  /// the lane's offset, with the shared address of those bytes. Views of
  /// one op at one offset are one buffer (the same memory each time the op
  /// runs); distinct views must not overlap, since races and cp.async
  /// copies are tracked per buffer.
  void runView(memref::ViewOp view, const std::vector<char> &mask) {
    Operation *op = view;
    MemRefType type = view.getType();
    if (!type.hasStaticShape() || !type.getLayout().isIdentity())
      fail(op, "only views of static shape and identity layout are "
               "simulated");
    const std::vector<Slot> &sources = get(op, view.getSource());
    const std::vector<Slot> &shifts = get(op, view.getByteShift());
    std::vector<Slot> &out = slotsOf(view.getResult());
    int64_t bytes = type.getNumElements() * bytesOf(type.getElementType());
    for (int64_t l = 0; l < lanes; ++l) {
      if (!mask[l])
        continue;
      const Buffer &source = buffers[sources[l].i];
      if (!source.dynamicShared)
        fail(op, llvm::formatv("views {0}; only views of "
                               "gpu.dynamic_shared_memory are simulated",
                               source.name));
      int64_t offset = shifts[l].i, end = offset + bytes;
      if (offset < 0 || end > launch.dynamicSharedBytes)
        fail(op, llvm::formatv("views bytes [{0}, {1}) of dynamic shared "
                               "memory, but the launch gives {2} bytes",
                               offset, end, launch.dynamicSharedBytes));
      if (offset % bytesOf(type.getElementType()) != 0)
        fail(op, llvm::formatv("views {0} elements at byte {1}, not a "
                               "multiple of their size",
                               type.getElementType(), offset));
      int64_t id = -1;
      for (const DynamicView &v : dynamicViews) {
        if (v.op == op && v.offset == offset) {
          id = v.buffer;
          break;
        }
        if (offset < v.end && v.offset < end)
          fail(op, llvm::formatv("views bytes [{0}, {1}) of dynamic shared "
                                 "memory, overlapping bytes [{2}, {3}) of "
                                 "another view (the simulator tracks each "
                                 "view's accesses apart)",
                                 offset, end, v.offset, v.end));
      }
      if (id < 0) {
        Buffer buffer = Buffer::over(
            source.data + offset, type,
            offset == 0 ? source.alignment
                        : std::min<int64_t>(source.alignment, offset & -offset),
            llvm::formatv("dynamic shared bytes [{0}, {1})", offset, end)
                .str());
        buffer.sharedAddress = source.sharedAddress + offset;
        buffers.push_back(std::move(buffer));
        id = int64_t(buffers.size()) - 1;
        dynamicViews.push_back({op, offset, end, id});
      }
      out[l].i = id;
    }
  }

  /// The element at shared address `addr` of the block's workgroup buffers,
  /// read by wgmma (the async proxy) for the warpgroup starting at thread
  /// `lane`, as type `t`.
  double readShared(Operation *op, int64_t addr, Type t, int64_t lane,
                    const char *operand) {
    for (Buffer &buffer : buffers) {
      if (buffer.sharedAddress < 0 || buffer.dynamicShared)
        continue;
      int64_t size = int64_t(buffer.accesses->size()) * bytesOf(buffer.elt);
      int64_t offset = addr - buffer.sharedAddress;
      if (offset < 0 || offset >= size)
        continue;
      if (buffer.elt != t)
        fail(op, llvm::formatv("reads {0} of {1} elements as {2}", buffer.name,
                               buffer.elt, t));
      if (offset % bytesOf(t) != 0)
        fail(op, llvm::formatv("reads byte {0} of {1}, not at an element",
                               offset, buffer.name));
      if (buffer.asyncStale)
        fail(op, llvm::formatv(
                     "reads {0} (operand {1}), written since the last "
                     "fence.proxy.async: wgmma reads through the async proxy "
                     "and may not see those stores",
                     buffer.name, operand));
      const char *p = buffer.data + offset;
      recordAccess(op, buffer, p, 1, /*store=*/false, lane);
      return readElement(t, p).f;
    }
    fail(op, llvm::formatv("operand {0} addresses shared byte {1}, outside "
                           "every workgroup buffer (descriptors hold "
                           "addresses in 16-byte units: is the stage 16-byte "
                           "aligned?)",
                           operand, addr));
  }

  /// wgmma.mma_async.m64nNk16 with f32 accumulators and f16 / bf16 A and B
  /// read from shared memory through matrix descriptors, both K-major
  /// without swizzling (PTX's "Matrix Descriptor Format"): bits 0-13 the
  /// start address, 16-29 the leading byte offset (between core matrices
  /// adjacent along K), 32-45 the stride byte offset (along M or N), each in
  /// 16-byte units; a core matrix is 8 rows of 16 contiguous bytes. Element
  /// (r, k) lies at start + (r / 8) SBO + (r % 8) 16 + (k / 8) LBO +
  /// (k % 8) 2. Accumulator register i of a thread (warp w of the
  /// warpgroup, g = lane / 4, t = lane % 4) is row 16 w + g + 8 (i / 2 % 2),
  /// column 8 (i / 4) + 2 t + i % 2.
  void runWgmma(NVVM::WgmmaMmaAsyncOp op, const std::vector<char> &mask) {
    requireFull(op, mask, kWarpGroup);
    NVVM::MMAShapeAttr shape = op.getShape();
    int64_t n = shape.getN();
    if (shape.getM() != 64 || shape.getK() != 16 || n % 8 != 0 || n < 8 ||
        n > 256)
      fail(op, "only m64nNk16 shapes are simulated");
    Builder b(op.getContext());
    Type ab;
    if (op.getTypeA() == NVVM::WGMMATypes::f16)
      ab = b.getF16Type();
    else if (op.getTypeA() == NVVM::WGMMATypes::bf16)
      ab = b.getBF16Type();
    else
      fail(op, "only f16 and bf16 multiplicands are simulated");
    if (op.getTypeB() != op.getTypeA() ||
        op.getTypeD() != NVVM::WGMMATypes::f32 ||
        op.getScaleA() != NVVM::WGMMAScaleIn::one ||
        op.getScaleB() != NVVM::WGMMAScaleIn::one ||
        op.getLayoutA() != NVVM::MMALayout::row ||
        op.getLayoutB() != NVVM::MMALayout::col || op.getSatfinite())
      fail(op, "only f32 accumulation of K-major, unscaled A and B is "
               "simulated");
    if (widthOf(op.getResult().getType()) != n / 2)
      fail(op, llvm::formatv("has {0} accumulator registers, m64n{1} needs "
                             "{2}",
                             widthOf(op.getResult().getType()), n, n / 2));
    if (!wgmmaFenced && !op.getInouts().getDefiningOp<NVVM::WgmmaMmaAsyncOp>())
      fail(op, "runs without a wgmma.fence since the last wgmma.wait_group "
               "(its accumulator registers were written by other "
               "instructions)");
    bool accumulate = op.getScaleD() == NVVM::WGMMAScaleOut::one;
    const std::vector<Slot> &descA = get(op, op.getDescriptorA());
    const std::vector<Slot> &descB = get(op, op.getDescriptorB());
    const std::vector<Slot> &c = get(op, op.getInouts());
    std::vector<Slot> result(size_t(lanes * (n / 2)));
    for (int64_t w0 = 0; w0 < lanes; w0 += kWarpGroup) {
      if (!mask[w0])
        continue;
      // The operands' elements, through their descriptors.
      auto operand = [&](const std::vector<Slot> &desc, int64_t rows,
                         const char *name) {
        uint64_t d = uint64_t(desc[w0].i);
        for (int64_t l = w0; l < w0 + kWarpGroup; ++l)
          if (uint64_t(desc[l].i) != d)
            fail(op, llvm::formatv("threads {0} and {1} of a warpgroup give "
                                   "different descriptors for {2}",
                                   w0, l, name));
        if ((d >> 62) != 0)
          fail(op, llvm::formatv("descriptor {0} asks for a swizzled layout, "
                                 "which is not simulated",
                                 name));
        if (((d >> 49) & 7) != 0)
          fail(op, llvm::formatv("descriptor {0} has a base offset", name));
        if (d & 0x3ffe0000c000c000ull)
          fail(op, llvm::formatv("descriptor {0} sets reserved bits", name));
        int64_t start = int64_t(d & 0x3fff) << 4;
        int64_t lbo = int64_t((d >> 16) & 0x3fff) << 4;
        int64_t sbo = int64_t((d >> 32) & 0x3fff) << 4;
        std::vector<double> m(size_t(rows * 16));
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t k = 0; k < 16; ++k)
            m[r * 16 + k] = readShared(
                op, start + r / 8 * sbo + r % 8 * 16 + k / 8 * lbo + k % 8 * 2,
                ab, w0, name);
        return m;
      };
      std::vector<double> A = operand(descA, 64, "A");
      std::vector<double> B = operand(descB, n, "B");
      for (int64_t lane = 0; lane < kWarpGroup; ++lane) {
        int64_t w = lane / kWarp, g = lane % kWarp / 4, t = lane % 4;
        int64_t l = w0 + lane;
        for (int64_t i = 0; i < n / 2; ++i) {
          int64_t row = 16 * w + g + 8 * (i / 2 % 2);
          int64_t col = 8 * (i / 4) + 2 * t + i % 2;
          double sum = accumulate ? c[l * (n / 2) + i].f : 0.0;
          for (int64_t k = 0; k < 16; ++k)
            sum += A[row * 16 + k] * B[col * 16 + k];
          result[l * (n / 2) + i].f = double(float(sum));
        }
      }
    }
    std::vector<Slot> &out = slotsOf(op.getResult());
    for (int64_t l = 0; l < lanes; ++l)
      if (mask[l])
        for (int64_t i = 0; i < n / 2; ++i)
          out[l * (n / 2) + i] = result[l * (n / 2) + i];
    pendingWgmma.insert(op.getResult());
    openWgmmaGroup.push_back(op.getResult());
  }

  void runWgmmaWait(NVVM::WgmmaWaitGroupSyncOp op,
                    const std::vector<char> &mask) {
    requireFull(op, mask, kWarpGroup);
    while (int64_t(wgmmaGroups.size()) > int64_t(op.getGroup())) {
      for (Value v : wgmmaGroups.front())
        pendingWgmma.erase(v);
      wgmmaGroups.erase(wgmmaGroups.begin());
    }
    wgmmaFenced = false;
  }

  /// ldmatrix (nvgpu.ldmatrix) of 1, 2 or 4 8 x 8 matrices of 16-bit
  /// elements: lane 8 i + r gives the address of row r of matrix i (eight
  /// contiguous elements, 16-byte aligned); lane l receives, per matrix,
  /// row l / 4 at columns 2 (l % 4), 2 (l % 4) + 1, or with `transpose`
  /// column l / 4 at rows 2 (l % 4), 2 (l % 4) + 1 (PTX's ldmatrix).
  void runLdMatrix(nvgpu::LdMatrixOp op, const std::vector<char> &mask) {
    requireFull(op, mask, kWarp);
    int64_t tiles = op.getNumTiles();
    auto type = cast<VectorType>(op.getRes().getType());
    Type elt = type.getElementType();
    if ((tiles != 1 && tiles != 2 && tiles != 4) || type.getRank() != 2 ||
        type.getDimSize(0) != tiles || type.getDimSize(1) != 2 ||
        bitsOf(elt) != 16)
      fail(op, "only 1, 2 or 4 tiles of 16-bit elements into "
               "vector<tiles x 2> are simulated");
    const std::vector<Slot> &ids = get(op, op.getSrcMemref());
    std::vector<Slot> &out = slotsOf(op.getRes());
    for (int64_t w0 = 0; w0 < lanes; w0 += kWarp) {
      if (!mask[w0])
        continue;
      double m[4][8][8];
      for (int64_t i = 0; i < tiles; ++i)
        for (int64_t r = 0; r < 8; ++r) {
          int64_t l = w0 + 8 * i + r;
          const Buffer &buffer = buffers[ids[l].i];
          char *p = address(op, ids[l].i, indicesOf(op, op.getIndices(), l), 8,
                            16, l);
          recordAccess(op, buffer, p, 8, /*store=*/false, l);
          for (int64_t c = 0; c < 8; ++c)
            m[i][r][c] = readElement(elt, p + 2 * c).f;
        }
      for (int64_t lane = 0; lane < kWarp; ++lane) {
        int64_t g = lane / 4, t = lane % 4;
        for (int64_t i = 0; i < tiles; ++i)
          for (int64_t j = 0; j < 2; ++j)
            out[(w0 + lane) * tiles * 2 + i * 2 + j].f =
                op.getTranspose() ? m[i][2 * t + j][g] : m[i][g][2 * t + j];
      }
    }
  }

  /// cp.async (nvgpu.device_async_copy) of 4, 8 or 16 bytes from global
  /// to shared memory: the source is read and both ends checked at issue;
  /// the destination is written when a wait completes the copy's group,
  /// and touching it before then is an error.
  void runAsyncCopy(nvgpu::DeviceAsyncCopyOp op,
                    const std::vector<char> &mask) {
    if (op.getSrcElements())
      fail(op, "partial copies (srcElements) are not simulated");
    int64_t count = op.getDstElements().getZExtValue();
    Type elt = cast<MemRefType>(op.getDst().getType()).getElementType();
    int64_t bytes = count * bytesOf(elt);
    if (bytes != 4 && bytes != 8 && bytes != 16)
      fail(op, "copies 4, 8 or 16 bytes only");
    const std::vector<Slot> &srcIds = get(op, op.getSrc());
    const std::vector<Slot> &dstIds = get(op, op.getDst());
    for (int64_t l = 0; l < lanes; ++l) {
      if (!mask[l])
        continue;
      char *from =
          address(op, srcIds[l].i, indicesOf(op, op.getSrcIndices(), l), count,
                  bytes, l);
      recordAccess(op, buffers[srcIds[l].i], from, count, false, l);
      Buffer &dst = buffers[dstIds[l].i];
      if (dst.sharedAddress < 0)
        fail(op, "copies into " + dst.name + ", not shared memory");
      char *to = address(op, dstIds[l].i, indicesOf(op, op.getDstIndices(), l),
                         count, bytes, l);
      recordAccess(op, dst, to, count, true, l);
      PendingCopy copy{l,     0, dstIds[l].i, (to - dst.data) / bytesOf(elt),
                       count, {}};
      for (int64_t k = 0; k < count; ++k) {
        copy.values.push_back(readElement(elt, from + k * bytesOf(elt)));
        ++(*dst.accesses)[copy.first + k].pendingCopies;
      }
      pendingCopies.push_back(std::move(copy));
    }
  }

  /// nvgpu.device_async_wait: completes the copies of every group but the
  /// `numGroups` newest of each running thread.
  void runAsyncWait(nvgpu::DeviceAsyncWaitOp op,
                    const std::vector<char> &mask) {
    int64_t keep = op.getNumGroups().value_or(0);
    std::vector<PendingCopy> left;
    for (PendingCopy &c : pendingCopies) {
      if (!mask[c.lane] || c.group == 0 ||
          c.group > committedGroups[c.lane] - keep) {
        left.push_back(std::move(c));
        continue;
      }
      Buffer &dst = buffers[c.buffer];
      char *to = dst.data + c.first * bytesOf(dst.elt);
      for (int64_t k = 0; k < c.count; ++k) {
        --(*dst.accesses)[c.first + k].pendingCopies;
        writeElement(dst.elt, to + k * bytesOf(dst.elt), c.values[k]);
      }
      recordAccess(op, dst, to, c.count, true, c.lane);
      dst.asyncStale = true;
    }
    pendingCopies = std::move(left);
  }

  // ---- arithmetic --------------------------------------------------------

  template <typename F>
  void elementwise(Operation *op, const std::vector<char> &mask, F &&f) {
    Value result = op->getResult(0);
    int64_t w = widthOf(result.getType());
    SmallVector<const std::vector<Slot> *, 3> in;
    for (Value v : op->getOperands())
      in.push_back(&get(op, v));
    std::vector<Slot> &out = slotsOf(result);
    SmallVector<Slot, 3> args(in.size());
    for (int64_t l = 0; l < lanes; ++l) {
      if (!mask[l])
        continue;
      for (int64_t k = 0; k < w; ++k) {
        for (auto [j, slots] : llvm::enumerate(in))
          args[j] = (*slots)[l * w + k];
        out[l * w + k] = f(args);
      }
    }
  }

  Slot floatResult(Operation *op, double x) {
    Slot s;
    s.f = roundTo(scalarOf(op->getResult(0).getType()), x);
    return s;
  }
  Slot intResult(Operation *op, int64_t x) {
    Slot s;
    s.i = normalizeInt(scalarOf(op->getResult(0).getType()), x);
    return s;
  }

  using UnaryFloatFn = double (*)(double);
  /// What a math op of one float operand computes; null for other ops.
  static UnaryFloatFn getUnaryMathFn(Operation *op) {
    static const std::pair<TypeID, UnaryFloatFn> kFns[] = {
        {TypeID::get<math::ExpOp>(), [](double x) { return std::exp(x); }},
        {TypeID::get<math::Exp2Op>(), [](double x) { return std::exp2(x); }},
        {TypeID::get<math::ExpM1Op>(), [](double x) { return std::expm1(x); }},
        {TypeID::get<math::LogOp>(), [](double x) { return std::log(x); }},
        {TypeID::get<math::Log2Op>(), [](double x) { return std::log2(x); }},
        {TypeID::get<math::Log1pOp>(), [](double x) { return std::log1p(x); }},
        {TypeID::get<math::TanhOp>(), [](double x) { return std::tanh(x); }},
        {TypeID::get<math::AbsFOp>(), [](double x) { return std::fabs(x); }},
        {TypeID::get<math::SqrtOp>(), [](double x) { return std::sqrt(x); }},
        {TypeID::get<math::RsqrtOp>(),
         [](double x) { return 1.0 / std::sqrt(x); }},
        {TypeID::get<math::ErfOp>(), [](double x) { return std::erf(x); }},
        {TypeID::get<math::FloorOp>(), [](double x) { return std::floor(x); }},
        {TypeID::get<math::CeilOp>(), [](double x) { return std::ceil(x); }},
    };
    TypeID id = op->getName().getTypeID();
    for (auto [fnId, fn] : kFns)
      if (fnId == id)
        return fn;
    return nullptr;
  }

  bool runArith(Operation *op, const std::vector<char> &mask) {
    Type operandType =
        op->getNumOperands() ? scalarOf(op->getOperand(0).getType()) : Type();
    auto fbin = [&](auto f) {
      elementwise(op, mask, [&](ArrayRef<Slot> a) {
        return floatResult(op, f(a[0].f, a[1].f));
      });
      return true;
    };
    auto fun = [&](auto f) {
      elementwise(op, mask,
                  [&](ArrayRef<Slot> a) { return floatResult(op, f(a[0].f)); });
      return true;
    };
    auto ibin = [&](auto f) {
      elementwise(op, mask, [&](ArrayRef<Slot> a) {
        return intResult(op, f(a[0].i, a[1].i));
      });
      return true;
    };
    auto ubin = [&](auto f) {
      elementwise(op, mask, [&](ArrayRef<Slot> a) {
        return intResult(op, int64_t(f(unsignedOf(operandType, a[0].i),
                                       unsignedOf(operandType, a[1].i))));
      });
      return true;
    };
    auto divisor = [&](int64_t d) {
      if (d == 0)
        fail(op, "divides by zero");
      return d;
    };
    if (UnaryFloatFn f = getUnaryMathFn(op))
      return fun(f);
    return llvm::TypeSwitch<Operation *, bool>(op)
        .Case([&](arith::ConstantOp c) {
          SmallVector<Slot> values;
          Attribute value = c.getValue();
          Type elt = scalarOf(c.getType());
          auto one = [&](Attribute a) {
            Slot s;
            if (auto f = dyn_cast<FloatAttr>(a))
              s.f = roundTo(elt, f.getValueAsDouble());
            else
              s.i = normalizeInt(elt, cast<IntegerAttr>(a).getInt());
            return s;
          };
          if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
            for (Attribute a : dense.getValues<Attribute>())
              values.push_back(one(a));
          } else {
            values.push_back(one(value));
          }
          fill(c.getResult(), [&](int64_t, int64_t k) {
            return values[values.size() == 1 ? 0 : k];
          });
          return true;
        })
        .Case([&](arith::AddFOp) { return fbin(std::plus<double>()); })
        .Case([&](arith::SubFOp) { return fbin(std::minus<double>()); })
        .Case([&](arith::MulFOp) { return fbin(std::multiplies<double>()); })
        .Case([&](arith::DivFOp) { return fbin(std::divides<double>()); })
        .Case([&](arith::RemFOp) {
          return fbin([](double x, double y) { return std::fmod(x, y); });
        })
        .Case([&](arith::MaximumFOp) {
          return fbin([](double x, double y) {
            return std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y);
          });
        })
        .Case([&](arith::MinimumFOp) {
          return fbin([](double x, double y) {
            return std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y);
          });
        })
        .Case([&](arith::MaxNumFOp) {
          return fbin([](double x, double y) { return std::fmax(x, y); });
        })
        .Case([&](arith::MinNumFOp) {
          return fbin([](double x, double y) { return std::fmin(x, y); });
        })
        .Case([&](arith::NegFOp) { return fun(std::negate<double>()); })
        .Case([&](arith::AddIOp) { return ibin(std::plus<int64_t>()); })
        .Case([&](arith::SubIOp) { return ibin(std::minus<int64_t>()); })
        .Case([&](arith::MulIOp) { return ibin(std::multiplies<int64_t>()); })
        .Case([&](arith::AndIOp) { return ibin(std::bit_and<int64_t>()); })
        .Case([&](arith::OrIOp) { return ibin(std::bit_or<int64_t>()); })
        .Case([&](arith::XOrIOp) { return ibin(std::bit_xor<int64_t>()); })
        .Case([&](arith::ShLIOp) {
          return ibin(
              [](int64_t x, int64_t y) { return int64_t(uint64_t(x) << y); });
        })
        .Case([&](arith::ShRUIOp) {
          return ubin([](uint64_t x, uint64_t y) { return x >> y; });
        })
        .Case([&](arith::MaxSIOp) {
          return ibin([](int64_t x, int64_t y) { return std::max(x, y); });
        })
        .Case([&](arith::MinSIOp) {
          return ibin([](int64_t x, int64_t y) { return std::min(x, y); });
        })
        .Case([&](arith::MaxUIOp) {
          return ubin([](uint64_t x, uint64_t y) { return std::max(x, y); });
        })
        .Case([&](arith::MinUIOp) {
          return ubin([](uint64_t x, uint64_t y) { return std::min(x, y); });
        })
        .Case([&](arith::DivSIOp) {
          return ibin([&](int64_t x, int64_t y) { return x / divisor(y); });
        })
        .Case([&](arith::RemSIOp) {
          return ibin([&](int64_t x, int64_t y) { return x % divisor(y); });
        })
        .Case([&](arith::DivUIOp) {
          return ubin([&](uint64_t x, uint64_t y) {
            return x / uint64_t(divisor(int64_t(y)));
          });
        })
        .Case([&](arith::RemUIOp) {
          return ubin([&](uint64_t x, uint64_t y) {
            return x % uint64_t(divisor(int64_t(y)));
          });
        })
        .Case([&](arith::CmpIOp c) {
          // arith's own rule on 64-bit values: slots hold integers sign
          // extended (i1 as 0 or 1), unsigned predicates see them
          // zero extended from the operand width.
          using P = arith::CmpIPredicate;
          P p = c.getPredicate();
          bool unsignedPredicate =
              p == P::ult || p == P::ule || p == P::ugt || p == P::uge;
          auto value = [&](int64_t x) {
            return APInt(64, unsignedPredicate ? unsignedOf(operandType, x)
                                               : uint64_t(x));
          };
          elementwise(op, mask, [&](ArrayRef<Slot> a) {
            return Slot{int64_t(
                arith::applyCmpPredicate(p, value(a[0].i), value(a[1].i)))};
          });
          return true;
        })
        .Case([&](arith::CmpFOp c) {
          arith::CmpFPredicate p = c.getPredicate();
          elementwise(op, mask, [&](ArrayRef<Slot> a) {
            return Slot{int64_t(
                arith::applyCmpPredicate(p, APFloat(a[0].f), APFloat(a[1].f)))};
          });
          return true;
        })
        .Case([&](arith::SelectOp s) {
          // The condition is a scalar i1 (or one per element).
          int64_t w = widthOf(s.getType());
          bool scalarCond = !isa<VectorType>(s.getCondition().getType());
          const std::vector<Slot> &cond = get(op, s.getCondition());
          const std::vector<Slot> &t = get(op, s.getTrueValue());
          const std::vector<Slot> &f = get(op, s.getFalseValue());
          std::vector<Slot> &out = slotsOf(s.getResult());
          for (int64_t l = 0; l < lanes; ++l)
            if (mask[l])
              for (int64_t k = 0; k < w; ++k) {
                bool c = cond[scalarCond ? l : l * w + k].i;
                out[l * w + k] = c ? t[l * w + k] : f[l * w + k];
              }
          return true;
        })
        .Case<arith::ExtFOp, arith::TruncFOp>(
            [&](Operation *) { return fun([](double x) { return x; }); })
        .Case<arith::IndexCastOp, arith::ExtSIOp, arith::TruncIOp,
              arith::IndexCastUIOp, arith::ExtUIOp, arith::SIToFPOp,
              arith::UIToFPOp, arith::FPToSIOp>([&](Operation *) {
          // The operand read as a float, an unsigned or a signed integer;
          // the result rounded (or wrapped) to its type.
          bool fromFloat = isa<arith::FPToSIOp>(op);
          bool fromUnsigned =
              isa<arith::IndexCastUIOp, arith::ExtUIOp, arith::UIToFPOp>(op);
          bool toFloat = isa<arith::SIToFPOp, arith::UIToFPOp>(op);
          elementwise(op, mask, [&](ArrayRef<Slot> a) {
            if (fromFloat)
              return intResult(op, int64_t(a[0].f));
            if (fromUnsigned) {
              uint64_t u = unsignedOf(operandType, a[0].i);
              return toFloat ? floatResult(op, double(u))
                             : intResult(op, int64_t(u));
            }
            return toFloat ? floatResult(op, double(a[0].i))
                           : intResult(op, a[0].i);
          });
          return true;
        })
        .Case([&](math::PowFOp) {
          return fbin([](double x, double y) { return std::pow(x, y); });
        })
        .Case([&](math::FmaOp) {
          elementwise(op, mask, [&](ArrayRef<Slot> a) {
            return floatResult(op, std::fma(a[0].f, a[1].f, a[2].f));
          });
          return true;
        })
        .Default([](Operation *) { return false; });
  }

  bool runVector(Operation *op, const std::vector<char> &mask) {
    return llvm::TypeSwitch<Operation *, bool>(op)
        .Case([&](vector::LoadOp load) {
          access(op, load.getBase(), load.getIndices(), Value(),
                 /*store=*/false, load.getVectorType().getNumElements(),
                 load.getAlignment().value_or(0), mask);
          return true;
        })
        .Case([&](vector::StoreOp store) {
          access(op, store.getBase(), store.getIndices(),
                 store.getValueToStore(), /*store=*/true,
                 store.getVectorType().getNumElements(),
                 store.getAlignment().value_or(0), mask);
          return true;
        })
        .Case([&](vector::FromElementsOp from) {
          int64_t w = widthOf(from.getType());
          std::vector<Slot> &out = slotsOf(from.getResult());
          for (auto [k, element] : llvm::enumerate(from.getElements())) {
            const std::vector<Slot> &in = get(op, element);
            for (int64_t l = 0; l < lanes; ++l)
              if (mask[l])
                out[l * w + k] = in[l];
          }
          return true;
        })
        .Case([&](vector::ExtractOp extract) {
          if (!extract.getDynamicPosition().empty())
            fail(op, "dynamic positions are not simulated");
          auto source = cast<VectorType>(extract.getSource().getType());
          int64_t w = widthOf(source), rw = widthOf(extract.getType());
          int64_t offset = 0, stride = w;
          ArrayRef<int64_t> pos = extract.getStaticPosition();
          for (auto [d, p] : llvm::enumerate(pos)) {
            stride /= source.getDimSize(d);
            offset += p * stride;
          }
          const std::vector<Slot> &in = get(op, extract.getSource());
          std::vector<Slot> &out = slotsOf(extract.getResult());
          for (int64_t l = 0; l < lanes; ++l)
            if (mask[l])
              for (int64_t k = 0; k < rw; ++k)
                out[l * rw + k] = in[l * w + offset + k];
          return true;
        })
        .Case([&](vector::BitCastOp cast) {
          Type from = scalarOf(cast.getSourceVectorType());
          Type to = scalarOf(cast.getResultVectorType());
          int64_t wIn = widthOf(cast.getSourceVectorType());
          int64_t wOut = widthOf(cast.getResultVectorType());
          unsigned bIn = bitsOf(from), bOut = bitsOf(to);
          if (wIn * bIn != wOut * bOut || wIn * bIn > 64)
            fail(op, "only bitcasts of up to 64 bits are simulated");
          const std::vector<Slot> &in = get(op, cast.getSource());
          std::vector<Slot> &out = slotsOf(cast.getResult());
          for (int64_t l = 0; l < lanes; ++l) {
            if (!mask[l])
              continue;
            uint64_t bits = 0;
            for (int64_t k = 0; k < wIn; ++k)
              bits |= slotToBits(from, in[l * wIn + k]) << (k * bIn);
            for (int64_t k = 0; k < wOut; ++k) {
              uint64_t part = bOut == 64 ? bits
                                         : (bits >> (k * bOut)) &
                                               ((uint64_t(1) << bOut) - 1);
              out[l * wOut + k] = bitsToSlot(to, part);
            }
          }
          return true;
        })
        .Default([](Operation *) { return false; });
  }

  void runOp(Operation *op, const std::vector<char> &mask) {
    // Results first: later look-ups must not grow the map under references
    // taken while this op runs.
    for (Value result : op->getResults())
      slotsOf(result);
    if (!pendingWgmma.empty() && !isa<NVVM::WgmmaMmaAsyncOp>(op))
      for (Value v : op->getOperands())
        if (pendingWgmma.contains(v))
          fail(op, "reads the accumulators of a wgmma.mma_async before "
                   "wgmma.wait_group has waited for them");
    if (runArith(op, mask) || runVector(op, mask))
      return;
    llvm::TypeSwitch<Operation *>(op)
        .Case([&](scf::ForOp loop) { runFor(loop, mask); })
        .Case([&](scf::IfOp ifOp) { runIf(ifOp, mask); })
        .Case([&](memref::AllocaOp alloca) {
          // A fresh buffer per thread, as the thread's stack would hold.
          MemRefType type = alloca.getType();
          if (!type.hasStaticShape())
            fail(op, "dynamic allocas are not simulated");
          int64_t align = alloca.getAlignment().value_or(0);
          std::vector<Slot> &ids = slotsOf(alloca.getResult());
          for (int64_t l = 0; l < lanes; ++l)
            if (mask[l])
              ids[l].i = allocate(type, align, "stack buffer");
        })
        .Case([&](gpu::DynamicSharedMemoryOp) {
          int64_t id = dynamicSharedMemory(op);
          fill(op->getResult(0), [&](int64_t, int64_t) { return Slot{id}; });
        })
        .Case([&](memref::ViewOp view) { runView(view, mask); })
        .Case([&](memref::DimOp dim) {
          const std::vector<Slot> &ids = get(op, dim.getSource());
          const std::vector<Slot> &index = get(op, dim.getIndex());
          fill(dim.getResult(), [&](int64_t l, int64_t) {
            const Buffer &buffer = buffers[ids[l].i];
            int64_t d = index[l].i;
            if (d < 0 || d >= int64_t(buffer.shape.size()))
              fail(op, "reads a dimension the buffer does not have");
            return Slot{buffer.shape[d]};
          });
        })
        .Case([&](memref::LoadOp load) {
          access(op, load.getMemRef(), load.getIndices(), Value(),
                 /*store=*/false, 1, 0, mask);
        })
        .Case([&](memref::StoreOp store) {
          access(op, store.getMemRef(), store.getIndices(), store.getValue(),
                 /*store=*/true, 1, 0, mask);
        })
        .Case([&](gpu::ThreadIdOp id) {
          int64_t dim = int64_t(id.getDimension());
          fill(id.getResult(), [&](int64_t l, int64_t) {
            int64_t x = l % launch.block[0], y = l / launch.block[0];
            int64_t coords[3] = {x, y % launch.block[1], y / launch.block[1]};
            return Slot{coords[dim]};
          });
        })
        .Case([&](gpu::BlockIdOp id) {
          int64_t v = blockId[int64_t(id.getDimension())];
          fill(id.getResult(), [&](int64_t, int64_t) { return Slot{v}; });
        })
        .Case([&](gpu::BlockDimOp dim) {
          int64_t v = launch.block[int64_t(dim.getDimension())];
          fill(dim.getResult(), [&](int64_t, int64_t) { return Slot{v}; });
        })
        .Case([&](gpu::GridDimOp dim) {
          int64_t v = launch.grid[int64_t(dim.getDimension())];
          fill(dim.getResult(), [&](int64_t, int64_t) { return Slot{v}; });
        })
        .Case([&](gpu::BarrierOp) {
          requireFull(op, mask, lanes);
          ++epoch;
        })
        .Case([&](gpu::ShuffleOp shuffle) { runShuffle(shuffle, mask); })
        .Case([&](NVVM::MmaOp mma) { runMma(mma, mask); })
        .Case([&](nvgpu::LdMatrixOp ld) { runLdMatrix(ld, mask); })
        .Case([&](nvgpu::DeviceAsyncCopyOp copy) { runAsyncCopy(copy, mask); })
        .Case([&](nvgpu::DeviceAsyncCreateGroupOp) {
          for (int64_t l = 0; l < lanes; ++l)
            if (mask[l])
              ++committedGroups[l];
          for (PendingCopy &c : pendingCopies)
            if (mask[c.lane] && c.group == 0)
              c.group = committedGroups[c.lane];
        })
        .Case([&](nvgpu::DeviceAsyncWaitOp wait) { runAsyncWait(wait, mask); })
        .Case([&](NVVM::WgmmaMmaAsyncOp wgmma) { runWgmma(wgmma, mask); })
        .Case([&](NVVM::WgmmaFenceAlignedOp) {
          requireFull(op, mask, kWarpGroup);
          wgmmaFenced = true;
        })
        .Case([&](NVVM::WgmmaGroupSyncAlignedOp) {
          requireFull(op, mask, kWarpGroup);
          wgmmaGroups.push_back(std::move(openWgmmaGroup));
          openWgmmaGroup.clear();
        })
        .Case(
            [&](NVVM::WgmmaWaitGroupSyncOp wait) { runWgmmaWait(wait, mask); })
        .Case([&](NVVM::FenceProxyOp fence) {
          // Orders this thread's generic-proxy stores before later
          // async-proxy reads; simulated for the whole block at once.
          if (fence.getKind() != NVVM::ProxyKind::async_shared &&
              fence.getKind() != NVVM::ProxyKind::async)
            fail(op, "only fence.proxy.async is simulated");
          requireFull(op, mask, lanes);
          for (Buffer &buffer : buffers)
            buffer.asyncStale = false;
        })
        .Case([&](memref::ExtractAlignedPointerAsIndexOp extract) {
          const std::vector<Slot> &ids = get(op, extract.getSource());
          std::vector<Slot> &out = slotsOf(extract.getResult());
          for (int64_t l = 0; l < lanes; ++l) {
            if (!mask[l])
              continue;
            const Buffer &buffer = buffers[ids[l].i];
            if (buffer.sharedAddress < 0)
              fail(op, llvm::formatv("takes the address of {0}; only "
                                     "workgroup buffers have simulated "
                                     "addresses",
                                     buffer.name));
            out[l].i = buffer.sharedAddress;
          }
        })
        .Case([&](LLVM::ZeroOp zero) {
          fill(zero.getResult(), [](int64_t, int64_t) { return Slot{0}; });
        })
        .Case([&](LLVM::ExtractValueOp extract) {
          ArrayRef<int64_t> pos = extract.getPosition();
          if (pos.size() != 1)
            fail(op, "only one-level positions are simulated");
          int64_t w = widthOf(extract.getContainer().getType());
          const std::vector<Slot> &in = get(op, extract.getContainer());
          std::vector<Slot> &out = slotsOf(extract.getResult());
          for (int64_t l = 0; l < lanes; ++l)
            if (mask[l])
              out[l] = in[l * w + pos[0]];
        })
        .Default([&](Operation *) {
          fail(op, "is not an operation the simulator knows");
        });
  }
};

} // namespace

struct GpuSimulator::Impl {
  OwningOpRef<ModuleOp> device;
  std::vector<Launch> launches;
  std::string error;
  int64_t blocks = 0;
  /// Kernels launched (name and path), in order of first launch.
  std::vector<std::string> launched;
  /// Kernels copied for launches by name (copyKernels).
  OwningOpRef<ModuleOp> copied;
  std::vector<gpu::GPUFuncOp> kernels;
  std::vector<std::vector<KernelArgument>> kernelArguments;

  /// Runs every thread block of `l` on `arguments`; the error, if any.
  std::optional<std::string> runGrid(const Launch &l,
                                     ArrayRef<Buffer> arguments) {
    gpu::GPUFuncOp func = l.kernel;
    std::string kernel = func.getName().str();
    if (auto path =
            func->getAttrOfType<StringAttr>(mlir::attn::kKernelPathAttr))
      kernel += " (" + path.getValue().str() + ")";
    if (!llvm::is_contained(launched, kernel))
      launched.push_back(kernel);
    try {
      int64_t blockId[3];
      for (blockId[2] = 0; blockId[2] < l.grid[2]; ++blockId[2])
        for (blockId[1] = 0; blockId[1] < l.grid[1]; ++blockId[1])
          for (blockId[0] = 0; blockId[0] < l.grid[0]; ++blockId[0]) {
            BlockInterpreter block(l, arguments, blockId);
            block.run();
            ++blocks;
          }
    } catch (const SimError &failure) {
      return "gpu-sim: " + failure.message;
    }
    return std::nullopt;
  }

  /// Argument `i`, a buffer of `type` with the sizes `shape`, at `data`.
  static Buffer argumentBuffer(MemRefType type, ArrayRef<int64_t> shape,
                               char *data, int64_t i) {
    return Buffer::over(data, type.getElementType(), shape, kArgumentAlignment,
                        "argument " + std::to_string(i));
  }

  /// Launch `id` from its launcher: `table` holds the aligned pointers of
  /// the kernel's buffers, then the sizes of their dynamic dimensions (in
  /// order), then the grid's dynamic entries (see GpuSimulator::adopt).
  void launch(int64_t id, const int64_t *table, int64_t count) {
    if (!error.empty())
      return;
    if (id < 0 || id >= int64_t(launches.size())) {
      error = "gpu-sim: launch of an unknown kernel #" + std::to_string(id);
      return;
    }
    Launch l = launches[id];
    auto inputs = l.kernel.getArgumentTypes();
    int64_t expected = int64_t(inputs.size());
    for (Type t : inputs)
      expected += cast<MemRefType>(t).getNumDynamicDims();
    for (int64_t n : l.grid)
      expected += ShapedType::isDynamic(n);
    if (expected != count) {
      error = "gpu-sim: kernel launched with the wrong number of buffers";
      return;
    }
    const int64_t *next = table + inputs.size();
    std::vector<SmallVector<int64_t, 4>> shapes;
    for (Type t : inputs) {
      auto memref = cast<MemRefType>(t);
      SmallVector<int64_t, 4> shape(memref.getShape());
      for (int64_t &n : shape)
        if (ShapedType::isDynamic(n))
          n = *next++;
      shapes.push_back(shape);
    }
    for (int64_t &n : l.grid)
      if (ShapedType::isDynamic(n))
        n = *next++;
    for (int64_t n : l.grid)
      if (n < 0) {
        error = "gpu-sim: a launch with a negative grid size";
        return;
      }
    // Device twins of the host buffers, staged as --attn-gpu-stage-buffers
    // stages them: copied in only when the kernel reads them, back only
    // when it writes them; the others start as 0xff bytes (NaN floats).
    SmallVector<mlir::attn::KernelArgumentUse> uses =
        mlir::attn::getKernelArgumentUses(l.kernel);
    std::vector<std::unique_ptr<char[]>> twins;
    std::vector<int64_t> sizes;
    std::vector<Buffer> arguments;
    for (auto [i, type] : llvm::enumerate(inputs)) {
      auto memref = cast<MemRefType>(type);
      int64_t bytes = bytesOf(memref.getElementType());
      for (int64_t n : shapes[i])
        bytes *= n;
      auto twin = std::make_unique<char[]>(std::max<int64_t>(bytes, 1));
      if (uses[i].reads)
        std::memcpy(twin.get(), reinterpret_cast<char *>(table[i]), bytes);
      else
        std::memset(twin.get(), 0xff, bytes);
      arguments.push_back(
          argumentBuffer(memref, shapes[i], twin.get(), int64_t(i)));
      twins.push_back(std::move(twin));
      sizes.push_back(bytes);
    }
    // An empty grid (a dynamic size of 0) runs no block, as the launcher
    // that --attn-gpu-stage-buffers writes skips the launch.
    if (l.grid[0] > 0 && l.grid[1] > 0 && l.grid[2] > 0)
      if (std::optional<std::string> failure = runGrid(l, arguments)) {
        error = std::move(*failure);
        return;
      }
    for (auto [i, type] : llvm::enumerate(inputs))
      if (uses[i].writes)
        std::memcpy(reinterpret_cast<char *>(table[i]), twins[i].get(),
                    sizes[i]);
  }
};

namespace {
GpuSimulator::Impl *activeSimulator = nullptr;

extern "C" void attnGpuSimLaunchThunk(int64_t id,
                                      StridedMemRefType<int64_t, 1> *ptrs) {
  if (!activeSimulator)
    return;
  activeSimulator->launch(id, ptrs->data + ptrs->offset, ptrs->sizes[0]);
}
} // namespace

GpuSimulator::GpuSimulator() : impl(std::make_unique<Impl>()) {}
GpuSimulator::~GpuSimulator() {
  if (activeSimulator == impl.get())
    activeSimulator = nullptr;
}

const char *GpuSimulator::launchSymbol() {
  return "_mlir_ciface_attnGpuSimLaunch";
}
void *GpuSimulator::launchAddress() {
  return reinterpret_cast<void *>(&attnGpuSimLaunchThunk);
}
void GpuSimulator::activate() { activeSimulator = impl.get(); }
const std::string &GpuSimulator::error() const { return impl->error; }
int64_t GpuSimulator::blocksRun() const { return impl->blocks; }

std::string GpuSimulator::kernelsRun() const {
  return llvm::join(impl->launched, ", ");
}

LogicalResult GpuSimulator::adopt(ModuleOp module, std::string &error) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  impl->device = ModuleOp::create(UnknownLoc::get(ctx));
  SymbolTable symbols(module);

  SmallVector<func::FuncOp> launchers;
  module.walk([&](func::FuncOp fn) {
    if (fn.isExternal() && fn->hasAttr(kLaunchKernelAttr))
      launchers.push_back(fn);
  });
  func::FuncOp callee;
  if (!launchers.empty()) {
    b.setInsertionPointToStart(module.getBody());
    auto ptrs = MemRefType::get({ShapedType::kDynamic}, b.getIndexType());
    callee =
        func::FuncOp::create(b, module.getLoc(), kLaunchFunc,
                             b.getFunctionType({b.getI64Type(), ptrs}, {}));
    callee.setPrivate();
    callee->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  }
  for (func::FuncOp launcher : launchers) {
    auto ref = launcher->getAttrOfType<SymbolRefAttr>(kLaunchKernelAttr);
    auto grid = launcher->getAttrOfType<DenseI64ArrayAttr>(kLaunchGridAttr);
    auto block = launcher->getAttrOfType<DenseI64ArrayAttr>(kLaunchBlockAttr);
    auto kernel =
        ref ? SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(module, ref)
            : gpu::GPUFuncOp();
    if (!kernel || !grid || grid.size() != 3 || !block || block.size() != 3) {
      error = "gpu-sim: launcher @" + launcher.getName().str() +
              " lacks its kernel, grid or block";
      return failure();
    }
    Launch launch;
    launch.kernel = kernel;
    for (int d = 0; d < 3; ++d) {
      launch.grid[d] = grid[d];
      launch.block[d] = block[d];
    }
    if (launch.block[0] * launch.block[1] * launch.block[2] > 1024) {
      error = "gpu-sim: kernel block exceeds 1024 threads";
      return failure();
    }
    if (auto bytes =
            launcher->getAttrOfType<IntegerAttr>(kLaunchDynamicSharedAttr))
      launch.dynamicSharedBytes = bytes.getInt();
    if (launch.dynamicSharedBytes < 0 ||
        launch.dynamicSharedBytes > kMaxSharedBytesPerBlock) {
      error = "gpu-sim: launcher @" + launcher.getName().str() + " asks for " +
              std::to_string(launch.dynamicSharedBytes) +
              " bytes of dynamic shared memory";
      return failure();
    }
    // The kernel's buffers, then an index per dynamic grid entry.
    unsigned numBuffers = kernel.getNumArguments();
    int64_t numDynamicGrid = llvm::count_if(
        grid.asArrayRef(), [](int64_t n) { return ShapedType::isDynamic(n); });
    auto types = launcher.getArgumentTypes();
    if (int64_t(types.size()) != int64_t(numBuffers) + numDynamicGrid ||
        types.take_front(numBuffers) != kernel.getArgumentTypes() ||
        !llvm::all_of(types.drop_front(numBuffers),
                      [](Type t) { return t.isIndex(); })) {
      error = "gpu-sim: launcher @" + launcher.getName().str() +
              " does not take its kernel's buffers and dynamic grid sizes";
      return failure();
    }
    for (Type t : types.take_front(numBuffers)) {
      auto memref = dyn_cast<MemRefType>(t);
      if (!memref || !memref.getLayout().isIdentity() ||
          memref.getMemorySpace()) {
        error = "gpu-sim: launcher @" + launcher.getName().str() +
                " takes a non-identity buffer";
        return failure();
      }
    }
    int64_t id = int64_t(impl->launches.size());
    impl->launches.push_back(launch);

    Location loc = launcher.getLoc();
    Block *entry = launcher.addEntryBlock();
    b.setInsertionPointToStart(entry);
    // The table Impl::launch reads: the buffers' aligned pointers, their
    // dynamic sizes, the dynamic grid entries.
    SmallVector<Value> entries;
    for (Value arg : entry->getArguments().take_front(numBuffers))
      entries.push_back(
          memref::ExtractAlignedPointerAsIndexOp::create(b, loc, arg));
    for (Value arg : entry->getArguments().take_front(numBuffers)) {
      auto memref = cast<MemRefType>(arg.getType());
      for (int64_t d = 0; d < memref.getRank(); ++d)
        if (memref.isDynamicDim(d))
          entries.push_back(memref::DimOp::create(b, loc, arg, d));
    }
    llvm::append_range(entries, entry->getArguments().drop_front(numBuffers));
    int64_t n = int64_t(entries.size());
    Value table = memref::AllocaOp::create(
        b, loc, MemRefType::get({n}, b.getIndexType()));
    for (auto [i, value] : llvm::enumerate(entries))
      memref::StoreOp::create(
          b, loc, value, table,
          ValueRange{arith::ConstantIndexOp::create(b, loc, int64_t(i))});
    Value dynamic = memref::CastOp::create(
        b, loc, cast<MemRefType>(callee.getArgumentTypes()[1]), table);
    Value idValue = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(id));
    func::CallOp::create(b, loc, callee, ValueRange{idValue, dynamic});
    func::ReturnOp::create(b, loc);
    for (StringRef name : {kLaunchKernelAttr, kLaunchGridAttr, kLaunchBlockAttr,
                           kLaunchDynamicSharedAttr})
      launcher->removeAttr(name);
  }
  // The kernels leave for the simulator's own module.
  for (auto gpuModule :
       llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>())) {
    gpuModule->remove();
    impl->device->getBody()->push_back(gpuModule);
  }
  module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  return success();
}

LogicalResult GpuSimulator::copyKernels(ModuleOp module, std::string &error) {
  impl->copied = ModuleOp::create(UnknownLoc::get(module.getContext()));
  impl->kernels.clear();
  impl->kernelArguments.clear();
  llvm::StringMap<int64_t> names;
  for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
    auto copy = cast<gpu::GPUModuleOp>(gpuModule->clone());
    impl->copied->getBody()->push_back(copy);
    for (auto kernel : copy.getOps<gpu::GPUFuncOp>()) {
      if (!kernel.isKernel())
        continue;
      if (!names.try_emplace(kernel.getName(), impl->kernels.size()).second) {
        error = "cuda-sim: two kernels are called '" + kernel.getName().str() +
                "'; launches by name cannot tell them apart";
        return failure();
      }
      std::vector<KernelArgument> arguments;
      for (Type t : kernel.getArgumentTypes()) {
        auto memref = dyn_cast<MemRefType>(t);
        if (!memref || !memref.getLayout().isIdentity() ||
            memref.getMemorySpace()) {
          error = "cuda-sim: kernel '" + kernel.getName().str() +
                  "' takes an argument that is not an identity-layout "
                  "memref";
          return failure();
        }
        KernelArgument argument;
        argument.shape.assign(memref.getShape().begin(),
                              memref.getShape().end());
        argument.elementBytes = bytesOf(memref.getElementType());
        arguments.push_back(std::move(argument));
      }
      impl->kernels.push_back(kernel);
      impl->kernelArguments.push_back(std::move(arguments));
    }
  }
  return success();
}

int64_t GpuSimulator::findKernel(StringRef name) const {
  for (auto [i, kernel] : llvm::enumerate(impl->kernels))
    if (kernel.getName() == name)
      return int64_t(i);
  return -1;
}

const std::vector<GpuSimulator::KernelArgument> &
GpuSimulator::kernelArguments(int64_t kernel) const {
  return impl->kernelArguments[kernel];
}

bool GpuSimulator::runKernel(int64_t kernel, const int64_t grid[3],
                             const int64_t block[3], int64_t dynamicSharedBytes,
                             ArrayRef<char *> buffers,
                             ArrayRef<std::vector<int64_t>> shapes,
                             std::string &error) {
  Launch l;
  l.kernel = impl->kernels[kernel];
  l.dynamicSharedBytes = dynamicSharedBytes;
  for (int d = 0; d < 3; ++d) {
    l.grid[d] = grid[d];
    l.block[d] = block[d];
    if (grid[d] < 1 || block[d] < 1) {
      error = "cuda-sim: empty grid or block";
      return false;
    }
  }
  if (block[0] * block[1] * block[2] > 1024) {
    error = "cuda-sim: a block of more than 1024 threads";
    return false;
  }
  if (std::optional<ArrayRef<int32_t>> known = l.kernel.getKnownBlockSize())
    for (int d = 0; d < 3; ++d)
      if ((*known)[d] != block[d]) {
        error = llvm::formatv("cuda-sim: kernel '{0}' launched with block "
                              "({1}, {2}, {3}), but its known block size is "
                              "({4}, {5}, {6})",
                              l.kernel.getName(), block[0], block[1], block[2],
                              (*known)[0], (*known)[1], (*known)[2]);
        return false;
      }
  std::vector<Buffer> arguments;
  for (auto [i, type] : llvm::enumerate(l.kernel.getArgumentTypes()))
    arguments.push_back(Impl::argumentBuffer(cast<MemRefType>(type), shapes[i],
                                             buffers[i], int64_t(i)));
  if (std::optional<std::string> failure = impl->runGrid(l, arguments)) {
    error = std::move(*failure);
    return false;
  }
  return true;
}
