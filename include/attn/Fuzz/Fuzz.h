//===- Fuzz.h - Deterministic fuzzing of the attn passes --------*- C++ -*-===//
//
// The fuzz target of the test suite (`attn-fuzz`, `scripts/dev.sh fuzz N`).
// Two input sources:
// - the lit corpus, split at `// -----`, each chunk mutated (tokens swapped
//   for hostile values, dimensions set to 0 / 1 / huge / dynamic, lines
//   dropped, duplicated or swapped, bytes flipped, the text truncated);
// - structure-aware attn.attention ops: random shapes (including 0, 1,
//   2^31 and dynamic sizes), element types, patterns, normalizers, optional
//   bias / mask / sink / q_offset, scale and softcap values.
// Each input runs through every attn pass and pipeline (with random, often
// hostile, options) in a child process forked from a parent whose context
// already holds every dialect. A run is a finding when the child dies by a
// signal, prints an LLVM fatal error or assertion, runs past the time limit,
// or a pass reports success but leaves IR that does not verify, or emits an
// error while the pipeline succeeds. Everything follows from the seed.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_FUZZ_FUZZ_H
#define ATTN_FUZZ_FUZZ_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace attn::fuzz {

/// splitmix64: small, fast, and the same sequence on every host.
class Rng {
public:
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t next();
  /// Uniform in [0, n); n > 0.
  uint64_t below(uint64_t n) { return next() % n; }
  bool chance(unsigned percent) { return below(100) < percent; }
  template <typename T> const T &pick(const std::vector<T> &values) {
    return values[below(values.size())];
  }

private:
  uint64_t state;
};

/// Mixes a campaign seed and a case index into the case's own seed.
uint64_t caseSeed(uint64_t seed, uint64_t index);

/// One to three mutations of `text`.
std::string mutate(llvm::StringRef text, Rng &rng);

/// A module holding one random attn.attention function.
std::string generateAttention(Rng &rng);

/// The textual pipelines (for `builtin.module(...)`) that a run may take:
/// every attn pass and pipeline, each with options drawn from `rng`. The
/// GPU pipeline (which runs ptxas) only with `withGpuBinary`.
std::vector<std::string> drawPipelines(Rng &rng, bool withGpuBinary);

/// The `// -----` chunks of the .mlir files under `roots` (files or
/// directories) of at most `maxChunkBytes` bytes, in a stable order.
std::vector<std::string> loadCorpus(const std::vector<std::string> &roots,
                                    size_t maxChunkBytes);

struct CampaignOptions {
  uint64_t seed = 1;
  /// Pass runs to do (each input runs through every drawn pipeline).
  int64_t passRuns = 5000;
  /// Percentage of inputs generated rather than mutated.
  unsigned generatedPercent = 40;
  unsigned jobs = 2;
  unsigned timeoutSeconds = 30;
  bool withGpuBinary = false;
  /// Where findings are written (case text, pipeline, reason); empty: not
  /// written.
  std::string findingsDir;
  std::vector<std::string> corpus;
  /// Run the corpus chunks as they are, in order (no mutation, no
  /// generated inputs): to reproduce a finding, or to check a corpus.
  bool replay = false;
};

struct CampaignSummary {
  int64_t passRuns = 0, mutatedInputs = 0, generatedInputs = 0;
  int64_t succeeded = 0, refused = 0, findings = 0;
  /// Runs whose input crashed MLIR's own parser or an upstream verifier
  /// before any pass ran (reproducible with plain mlir-opt); not findings.
  int64_t upstreamParserCrashes = 0;
  double seconds = 0;
};

/// Runs the campaign; findings are described on `log` as they happen.
/// Fails only when the campaign itself cannot run (no corpus, fork fails).
bool runCampaign(const CampaignOptions &options,
                 const mlir::DialectRegistry &registry, llvm::raw_ostream &log,
                 CampaignSummary &summary);

} // namespace attn::fuzz

#endif // ATTN_FUZZ_FUZZ_H
