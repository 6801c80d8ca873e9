//===- Pipelines.h - Named attn-mlir pass pipelines -------------*- C++ -*-===//

#ifndef ATTN_PIPELINES_PIPELINES_H
#define ATTN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;

namespace attn {

/// The options of every pipeline that ends in the LLVM dialect.
template <typename Derived>
struct LoweringPipelineOptions : public PassPipelineOptions<Derived> {
  ::mlir::detail::PassOptions::Option<bool> resultsAsOutParams{
      *this, "results-as-out-params",
      llvm::cl::desc("Turn memref function results into caller-allocated "
                     "out-parameters (what attn-run expects)"),
      llvm::cl::init(false)};
  ::mlir::detail::PassOptions::Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Give every function a _mlir_ciface_ wrapper"),
      llvm::cl::init(false)};
};

struct ReferencePipelineOptions
    : public LoweringPipelineOptions<ReferencePipelineOptions> {};

/// `--attn-reference-pipeline`: attn ops and linalg on tensors all the way
/// to the LLVM dialect, through `--convert-attn-to-linalg`, one-shot
/// bufferization and loops. Slow, simple, and the oracle for every other
/// pipeline.
void buildAttnReferencePipeline(OpPassManager &pm,
                                const ReferencePipelineOptions &options);

struct CPUPipelineOptions : public LoweringPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<int64_t> tileQ{
      *this, "tile-q",
      llvm::cl::desc("Query rows per kernel tile (0 = chosen per op)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> tileK{
      *this, "tile-k",
      llvm::cl::desc("Keys per kernel tile (0 = chosen per op)"),
      llvm::cl::init(0)};
  PassOptions::Option<std::string> isa{
      *this, "isa",
      llvm::cl::desc("Instruction set of the kernels: host (default: the "
                     "best the compiling machine has), avx512-bf16, avx512, "
                     "avx2 or generic"),
      llvm::cl::init("host")};
  PassOptions::Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes per vector; 0 (default) takes the isa's: 16 "
                     "for AVX-512, 8 for AVX2, 4 for generic"),
      llvm::cl::init(0)};
  PassOptions::Option<unsigned> numThreads{
      *this, "num-threads",
      llvm::cl::desc("OpenMP threads of the kernels, at most 1024 (0 = the "
                     "runtime's default: OMP_NUM_THREADS, else every core)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> fastMath{
      *this, "fast-math",
      llvm::cl::desc("Polynomial exp/tanh inside the kernels"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> stencil{
      *this, "stencil",
      llvm::cl::desc("The stencil kernel for non-causal neighborhoods when "
                     "the tile sizes are automatic (default true)"),
      llvm::cl::init(true)};
};

/// `--attn-cpu-pipeline`: fused kernels for attn.attention
/// (`--convert-attn-to-cpu`), everything else as the reference pipeline
/// lowers it, `scf.parallel` to OpenMP, vectors to LLVM. The result calls
/// libomp (`__kmpc_*`).
void buildAttnCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

struct RaisePipelineOptions : public PassPipelineOptions<RaisePipelineOptions> {
  PassOptions::Option<bool> explain{
      *this, "explain",
      llvm::cl::desc("Remark at every softmax that was not raised"),
      llvm::cl::init(false)};
};

/// TOSA (if any) to linalg on tensors, then --attn-raise with clean-ups.
void buildAttnRaisePipeline(OpPassManager &pm,
                            const RaisePipelineOptions &options);

//===----------------------------------------------------------------------===//
// GPU pipeline
//===----------------------------------------------------------------------===//

struct GPUPipelineOptions : public LoweringPipelineOptions<GPUPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("Target NVIDIA chip (sm_80, sm_90, sm_90a, ...)"),
      llvm::cl::init("sm_80")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("Target PTX features (e.g. +ptx80); empty = the NVPTX "
                     "back end's default for the chip"),
      llvm::cl::init("")};
  PassOptions::Option<unsigned> optLevel{
      *this, "opt-level",
      llvm::cl::desc("Optimisation level of the device code (0-3)"),
      llvm::cl::init(3)};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What gpu.binary holds: 'bin' (cubin, through the "
                     "toolkit's ptxas), 'isa' (PTX, JIT-compiled by the "
                     "driver at load time) or 'fatbin'"),
      llvm::cl::init("bin")};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit root (holds bin/ptxas and "
                     "nvvm/libdevice); empty = the one found at build time"),
      llvm::cl::init("")};
  PassOptions::Option<int64_t> tileQ{
      *this, "tile-q",
      llvm::cl::desc("Query rows per thread block, a multiple of 32 (one "
                     "thread per row in f32, one warp per 16 rows with "
                     "tensor cores)"),
      llvm::cl::init(64)};
  PassOptions::Option<int64_t> tileK{
      *this, "tile-k", llvm::cl::desc("Keys per shared-memory stage"),
      llvm::cl::init(32)};
  PassOptions::Option<int64_t> sharedMemoryBytes{
      *this, "shared-memory-bytes",
      llvm::cl::desc("Shared memory per thread block for the kernels' "
                     "stages; beyond 48 KiB it is dynamic shared memory, up "
                     "to the chip's per-block limit (227 KiB on sm_90)"),
      llvm::cl::init(48 * 1024)};
  PassOptions::Option<bool> tensorCores{
      *this, "tensor-cores",
      llvm::cl::desc("Tensor-core kernels (mma.sync, f32 accumulation) for "
                     "f16/bf16 attention on sm_80 and later"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> wgmma{
      *this, "wgmma",
      llvm::cl::desc("Scores of the tensor-core kernel by wgmma.mma_async "
                     "(needs chip=sm_90a, tile-q a multiple of 64; off "
                     "until measured on an sm_90 device)"),
      llvm::cl::init(false)};
};

/// The CUDA toolkit root found when attn-mlir was configured (empty when
/// none was); when it no longer holds bin/ptxas, the one $CUDA_HOME or
/// $CUDA_PATH names, if that does.
llvm::StringRef getDefaultCUDAToolkitPath();

/// `--attn-gpu-pipeline`: fused GPU kernels for attn.attention
/// (`--convert-attn-to-gpu`), everything else as the reference pipeline
/// lowers it on the host, device buffers staged around each kernel
/// (`--attn-gpu-stage-buffers`), kernels outlined, lowered to NVVM with
/// libdevice and serialised to `gpu.binary` for `chip`; the host is LLVM
/// dialect calling the `mgpu*` runtime entry points (lib/Runtime).
void buildAttnGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &options);

/// The first part of `--attn-gpu-pipeline`, registered on its own as
/// `--attn-gpu-sim-pipeline` (what the GPU simulator runs): TOSA to linalg,
/// `--convert-attn-to-gpu`, decomposition and bufferization of the rest.
/// Kernel launchers are still declarations afterwards.
void buildAttnGPUKernelStage(OpPassManager &pm,
                             const GPUPipelineOptions &options);

/// The rest of `--attn-gpu-pipeline` after `buildAttnGPUKernelStage`:
/// device buffers staged around the launches, kernels to NVVM and
/// `gpu.binary`, host code to LLVM dialect calling the mgpu* runtime.
void buildAttnGPUBinaryStage(OpPassManager &pm,
                             const GPUPipelineOptions &options);

/// The host lowering of a module that went through `buildAttnGPUKernelStage`
/// and whose launchers a simulator defined and whose gpu.modules it took
/// (`attn-run --pipeline=gpu-sim`): loops, then the LLVM dialect.
void buildAttnGPUSimHostStage(OpPassManager &pm,
                              const GPUPipelineOptions &options);

/// What is wrong with a pipeline's options, beyond what their parser checks
/// (empty when nothing): ranges (num-threads at most kMaxPipelineThreads,
/// opt-level 0-3) and names (chip, format). The registered pipelines refuse
/// such options with this message; attn-run does too.
std::string checkPipelineOptions(const ReferencePipelineOptions &options);
std::string checkPipelineOptions(const CPUPipelineOptions &options);
std::string checkPipelineOptions(const RaisePipelineOptions &options);
std::string checkPipelineOptions(const GPUPipelineOptions &options);

/// The most OpenMP threads a CPU pipeline may ask for.
constexpr unsigned kMaxPipelineThreads = 1024;

/// Registers every attn-mlir pipeline with the global pass registry.
void registerAttnPipelines();

} // namespace attn
} // namespace mlir

#endif // ATTN_PIPELINES_PIPELINES_H
