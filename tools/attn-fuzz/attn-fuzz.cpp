//===- attn-fuzz.cpp - Fuzz every attn pass and pipeline ------------------===//
//
// A thin driver over attn/Fuzz/Fuzz.h: flags, registration, the summary.
//
//===----------------------------------------------------------------------===//

#include "attn/Fuzz/Fuzz.h"
#include "attn/InitAll.h"
#include "attn/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/TargetSelect.h"

#include <thread>

using namespace llvm;

static cl::OptionCategory category("attn-fuzz options");
static cl::list<std::string> corpus(cl::Positional, cl::OneOrMore,
                                    cl::desc("<corpus .mlir files or folders>"),
                                    cl::cat(category));
static cl::opt<uint64_t> seed("seed", cl::init(1),
                              cl::desc("Campaign seed (default 1)"),
                              cl::cat(category));
static cl::opt<int64_t>
    runs("runs", cl::init(5000),
         cl::desc("Pass runs to do (default 5000): each input goes through "
                  "every attn pass and pipeline"),
         cl::cat(category));
static cl::opt<unsigned>
    jobs("jobs", cl::init(0),
         cl::desc("Children at once (default 0: one per hardware thread)"),
         cl::cat(category));
static cl::opt<unsigned>
    timeout("timeout", cl::init(30),
            cl::desc("Seconds a pass run may take before it is a finding "
                     "(default 30)"),
            cl::cat(category));
static cl::opt<unsigned>
    generated("generated-percent", cl::init(40),
              cl::desc("Percent of inputs that are generated attn ops rather "
                       "than mutated corpus chunks (default 40)"),
              cl::cat(category));
static cl::opt<std::string>
    gpuBinary("gpu-binary", cl::init("auto"),
              cl::desc("Include --attn-gpu-pipeline (runs ptxas): on, off, "
                       "or auto (when the CUDA toolkit's ptxas is present)"),
              cl::cat(category));
static cl::opt<std::string>
    findingsDir("findings-dir", cl::init(""),
                cl::desc("Write each finding's input here, with the "
                         "attn-opt command that reproduces it"),
                cl::cat(category));

static cl::opt<bool>
    replay("replay", cl::init(false),
           cl::desc("Run the corpus chunks unmutated, in order, through every "
                    "pipeline (reproduces a finding written by "
                    "--findings-dir)"),
           cl::cat(category));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "attn-fuzz: mutated lit tests and generated attn ops through every "
      "attn pass and pipeline, each run in a forked child; exit 1 on any "
      "crash, fatal error, timeout, invalid IR after a successful pass, or "
      "error with success\n");
  if (gpuBinary != "on" && gpuBinary != "off" && gpuBinary != "auto") {
    errs() << "attn-fuzz: error: --gpu-binary must be on, off or auto\n";
    return 2;
  }
  if (runs < 1 || timeout < 1 || generated > 100) {
    errs() << "attn-fuzz: error: --runs and --timeout must be positive and "
              "--generated-percent at most 100\n";
    return 2;
  }
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  mlir::DialectRegistry registry;
  mlir::attn::registerEverything(registry);

  attn::fuzz::CampaignOptions options;
  options.seed = seed;
  options.passRuns = runs;
  options.jobs =
      jobs ? jobs : std::max(1u, std::thread::hardware_concurrency());
  options.timeoutSeconds = timeout;
  options.generatedPercent = generated;
  std::string toolkit = mlir::attn::getDefaultCUDAToolkitPath().str();
  options.withGpuBinary =
      gpuBinary == "on" || (gpuBinary == "auto" && !toolkit.empty() &&
                            sys::fs::can_execute(toolkit + "/bin/ptxas"));
  options.findingsDir = findingsDir;
  options.corpus.assign(corpus.begin(), corpus.end());
  options.replay = replay;

  attn::fuzz::CampaignSummary summary;
  bool ran = attn::fuzz::runCampaign(options, registry, errs(), summary);
  outs() << "attn-fuzz: seed " << options.seed << ": " << summary.passRuns
         << " pass runs on " << summary.mutatedInputs << " corpus and "
         << summary.generatedInputs << " generated inputs ("
         << summary.succeeded << " succeeded, " << summary.refused
         << " refused with a diagnostic, " << summary.upstreamParserCrashes
         << " crashed MLIR's parser), GPU binary pipeline "
         << (options.withGpuBinary ? "included" : "left out") << ", "
         << options.jobs << " jobs, " << format("%.1f", summary.seconds)
         << " s: " << summary.findings << " findings\n";
  if (!ran)
    return 2;
  return summary.findings ? 1 : 0;
}
