//===- Fuzz.cpp - Deterministic fuzzing of the attn passes ----------------===//

#include "attn/Fuzz/Fuzz.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace mlir;
using namespace attn::fuzz;
using llvm::StringRef;

uint64_t Rng::next() {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t attn::fuzz::caseSeed(uint64_t seed, uint64_t index) {
  Rng rng(seed * 0x100000001b3ULL ^ (index + 1) * 0x9e3779b97f4a7c15ULL);
  return rng.next();
}

//===----------------------------------------------------------------------===//
// Mutation
//===----------------------------------------------------------------------===//

namespace {
const std::vector<std::string> kHostileInts = {"0",
                                               "1",
                                               "-1",
                                               "2",
                                               "3",
                                               "7",
                                               "64",
                                               "4096",
                                               "2147483647",
                                               "2147483648",
                                               "4294967296",
                                               "-2147483648",
                                               "9223372036854775807",
                                               "-9223372036854775808",
                                               "18446744073709551616"};
const std::vector<std::string> kHostileFloats = {"0.0",
                                                 "-0.0",
                                                 "1.0e39",
                                                 "-1.0e39",
                                                 "3.0e38",
                                                 "1.0e-45",
                                                 "nan",
                                                 "0x7FC00000",
                                                 "0x7F800000",
                                                 "0xFF800000",
                                                 "0x7FF8000000000000",
                                                 "1.5",
                                                 "-2.5",
                                                 "65504.0",
                                                 "1.0e308"};
const std::vector<std::string> kHostileDims = {"0", "1", "?",         "2",
                                               "3", "5", "2147483648"};
/// Tokens that swap with each other.
const std::vector<std::vector<std::string>> kSwaps = {
    {"f32", "f16", "bf16", "i1", "f64", "i32"},
    {"#attn.causal", "#attn.dense", "#attn.window<left = 2>",
     "#attn.neighborhood<shape = [2, 2], kernel = [3, 3]>"},
    {"sink = learned", "sink = zero", "sink = none"},
    {"parallel", "reduction"},
    {"arith.addf", "arith.mulf", "arith.subf", "arith.maximumf"},
    {"linalg.softmax", "linalg.generic"},
    {"tensor<", "memref<"},
    {"true", "false"},
};

/// Byte ranges of the runs of characters that `accept` takes.
std::vector<std::pair<size_t, size_t>>
findRuns(StringRef text, llvm::function_ref<bool(char)> accept) {
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t i = 0; i < text.size();) {
    if (!accept(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && accept(text[j]))
      ++j;
    runs.push_back({i, j});
    i = j;
  }
  return runs;
}

void replaceRange(std::string &text, size_t begin, size_t end, StringRef with) {
  text.replace(begin, end - begin, with.str());
}

std::vector<std::string> splitLines(StringRef text) {
  llvm::SmallVector<StringRef> parts;
  text.split(parts, '\n');
  return std::vector<std::string>(parts.begin(), parts.end());
}

std::string joinLines(const std::vector<std::string> &lines) {
  return llvm::join(lines, "\n");
}

void mutateOnce(std::string &text, Rng &rng) {
  if (text.empty()) {
    text = "func.func @f() { return }";
    return;
  }
  switch (rng.below(9)) {
  case 0: { // an integer literal
    auto runs = findRuns(text, llvm::isDigit);
    if (runs.empty())
      break;
    auto [b, e] = rng.pick(runs);
    replaceRange(text, b, e, rng.pick(kHostileInts));
    break;
  }
  case 1: { // a float literal (a run holding a '.', or an 'e')
    auto runs = findRuns(text, [](char c) {
      return llvm::isDigit(c) || c == '.' || c == 'e' || c == '+' || c == '-';
    });
    llvm::erase_if(runs, [&](auto r) {
      StringRef s = StringRef(text).slice(r.first, r.second);
      return !s.contains('.') || !llvm::any_of(s, llvm::isDigit);
    });
    if (runs.empty())
      break;
    auto [b, e] = rng.pick(runs);
    replaceRange(text, b, e, rng.pick(kHostileFloats));
    break;
  }
  case 2: { // a dimension of a shaped type: digits or '?' followed by 'x'
    std::vector<std::pair<size_t, size_t>> dims;
    for (auto [b, e] :
         findRuns(text, [](char c) { return llvm::isDigit(c) || c == '?'; }))
      if (e < text.size() && text[e] == 'x')
        dims.push_back({b, e});
    if (dims.empty())
      break;
    auto [b, e] = rng.pick(dims);
    replaceRange(text, b, e, rng.pick(kHostileDims));
    break;
  }
  case 3: { // swap a keyword for another of its group
    const auto &group = rng.pick(kSwaps);
    std::vector<size_t> at;
    for (const std::string &word : group)
      for (size_t p = text.find(word); p != std::string::npos;
           p = text.find(word, p + 1))
        at.push_back(p);
    if (at.empty())
      break;
    size_t p = rng.pick(at);
    for (const std::string &word : group)
      if (StringRef(text).substr(p).starts_with(word)) {
        replaceRange(text, p, p + word.size(), rng.pick(group));
        break;
      }
    break;
  }
  case 4: { // drop a line
    auto lines = splitLines(text);
    lines.erase(lines.begin() + rng.below(lines.size()));
    text = joinLines(lines);
    break;
  }
  case 5: { // duplicate a line
    auto lines = splitLines(text);
    size_t i = rng.below(lines.size());
    lines.insert(lines.begin() + i, lines[i]);
    text = joinLines(lines);
    break;
  }
  case 6: { // swap two lines
    auto lines = splitLines(text);
    std::swap(lines[rng.below(lines.size())], lines[rng.below(lines.size())]);
    text = joinLines(lines);
    break;
  }
  case 7: { // flip, delete or insert bytes
    size_t p = rng.below(text.size());
    switch (rng.below(3)) {
    case 0:
      text[p] = static_cast<char>(text[p] ^ (1u << rng.below(7)));
      break;
    case 1:
      text.erase(p, 1 + rng.below(std::min<size_t>(16, text.size() - p)));
      break;
    default:
      text.insert(p, 1, "{}()<>[],:%#@=x?\""[rng.below(18)]);
      break;
    }
    break;
  }
  default: // truncate
    text.resize(rng.below(text.size()));
    break;
  }
}
} // namespace

std::string attn::fuzz::mutate(StringRef text, Rng &rng) {
  std::string out = text.str();
  unsigned count = 1 + rng.below(3);
  for (unsigned i = 0; i < count; ++i)
    mutateOnce(out, rng);
  return out;
}

//===----------------------------------------------------------------------===//
// Structure-aware attn.attention
//===----------------------------------------------------------------------===//

namespace {
/// A size: mostly small, sometimes 0, 1, huge or dynamic (-1).
int64_t drawSize(Rng &rng, bool allowDynamic = true) {
  unsigned r = rng.below(100);
  if (r < 5)
    return 0;
  if (r < 15)
    return 1;
  if (r < 19)
    return int64_t(1) << 31;
  if (r < 27 && allowDynamic)
    return -1;
  static const std::vector<int64_t> small = {2, 3, 4, 5, 7, 8, 9, 16, 17, 33};
  return rng.pick(small);
}

std::string dim(int64_t size) { return size < 0 ? "?" : std::to_string(size); }

std::string tensorType(const std::vector<int64_t> &shape, StringRef element) {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += dim(d) + "x";
  return s + element.str() + ">";
}

std::string drawInt(Rng &rng) {
  if (rng.chance(15))
    return rng.pick(kHostileInts);
  return std::to_string(rng.below(6));
}

std::string drawFloat(Rng &rng) {
  if (rng.chance(20))
    return rng.pick(kHostileFloats);
  static const std::vector<std::string> ok = {"0.125", "0.5",  "1.0",
                                              "2.0",   "30.0", "-1.5"};
  return rng.pick(ok);
}

std::string drawList(Rng &rng, unsigned n) {
  std::string s = "[";
  for (unsigned i = 0; i < n; ++i)
    s += (i ? ", " : "") + drawInt(rng);
  return s + "]";
}

std::string drawPattern(Rng &rng, int64_t lq, int64_t lk) {
  switch (rng.below(6)) {
  case 0:
    return "#attn.dense";
  case 1:
    return "#attn.causal";
  case 2:
    return "#attn.window<left = " + drawInt(rng) + ", right = " + drawInt(rng) +
           ", sinks = " + drawInt(rng) + ">";
  case 3: {
    unsigned n = 1 + rng.below(3);
    std::string s = "#attn.neighborhood<shape = ";
    // Mostly a grid that multiplies to the length.
    if (n == 1 && lk > 0 && rng.chance(70))
      s += "[" + std::to_string(lk) + "]";
    else
      s += drawList(rng, n);
    s += ", kernel = " + drawList(rng, n);
    if (rng.chance(50))
      s += ", dilation = " + drawList(rng, n);
    if (rng.chance(50))
      s += ", stride = " + drawList(rng, n);
    if (rng.chance(50))
      s += ", causal = " + drawList(rng, n);
    return s + ">";
  }
  case 4: {
    int64_t bq = 1 + rng.below(4), bk = 1 + rng.below(4);
    int64_t nq = lq > 0 && lq < 64 ? (lq + bq - 1) / bq : 1 + rng.below(3);
    int64_t nk = lk > 0 && lk < 64 ? (lk + bk - 1) / bk : 1 + rng.below(3);
    std::string layout = "dense<[";
    for (int64_t i = 0; i < nq; ++i) {
      layout += i ? ", [" : "[";
      for (int64_t j = 0; j < nk; ++j)
        layout +=
            std::string(j ? ", " : "") + (rng.chance(60) ? "true" : "false");
      layout += "]";
    }
    layout +=
        "]> : tensor<" + std::to_string(nq) + "x" + std::to_string(nk) + "xi1>";
    return "#attn.block_sparse<block = [" + std::to_string(bq) + ", " +
           std::to_string(bk) + "], layout = " + layout + ">";
  }
  default:
    return "#attn.window<left = " + drawInt(rng) + ">";
  }
}

std::string drawNormalizer(Rng &rng, bool &needsSink) {
  needsSink = false;
  switch (rng.below(8)) {
  case 0:
    return "#attn.softmax<sink = zero>";
  case 1:
    needsSink = true;
    return "#attn.softmax<sink = learned>";
  case 2:
    return "#attn.relu<norm = " +
           std::string(rng.pick(
               std::vector<std::string>{"none", "seq_len", "visible"})) +
           ">";
  case 3:
    return rng.chance(50) ? "#attn.sigmoid"
                          : "#attn.sigmoid<bias = " + drawFloat(rng) + ">";
  case 4:
    return rng.chance(50)
               ? "#attn.softplus_l1"
               : "#attn.softplus_l1<train_len = " + drawInt(rng) + ">";
  case 5:
    return "#attn.act<threshold = " + drawFloat(rng) +
           ", factor = " + drawFloat(rng) + ">";
  default:
    return "#attn.softmax";
  }
}
} // namespace

std::string attn::fuzz::generateAttention(Rng &rng) {
  static const std::vector<std::string> elements = {"f32", "f32", "f16",
                                                    "bf16"};
  std::string et = rng.pick(elements);
  int64_t b = drawSize(rng), hkv = drawSize(rng), lq = drawSize(rng),
          lk = drawSize(rng), d = drawSize(rng), dv = drawSize(rng);
  int64_t group = rng.chance(70) ? 1 + rng.below(4) : drawSize(rng);
  int64_t hq = hkv < 0 || group < 0 ? -1 : hkv * group;
  if (rng.chance(5))
    hq = drawSize(rng);
  // Mostly consistent operands; now and then a size that disagrees.
  auto maybeOff = [&](int64_t v) { return rng.chance(4) ? drawSize(rng) : v; };
  std::string qT = tensorType({b, hq, lq, d}, et);
  std::string kT = tensorType({maybeOff(b), hkv, lk, maybeOff(d)}, et);
  std::string vT = tensorType({b, maybeOff(hkv), maybeOff(lk), dv}, et);
  std::string rT = tensorType({b, hq, lq, maybeOff(dv)}, et);

  std::string args = "%q: " + qT + ", %k: " + kT + ", %v: " + vT;
  std::string operands = "%q, %k, %v";
  if (rng.chance(30)) {
    std::vector<int64_t> shape = {lq, lk};
    if (rng.chance(50))
      shape.insert(shape.begin(), {b, rng.chance(50) ? 1 : hq});
    std::string t = tensorType(shape, rng.chance(85) ? StringRef(et) : "i1");
    args += ", %bias: " + t;
    operands += " bias(%bias : " + t + ")";
  }
  if (rng.chance(25)) {
    std::string t = tensorType({lq, lk}, rng.chance(90) ? "i1" : "f32");
    args += ", %mask: " + t;
    operands += " mask(%mask : " + t + ")";
  }
  std::vector<std::string> attrs;
  bool needsSink = false;
  if (rng.chance(60))
    attrs.push_back("pattern = " + drawPattern(rng, lq, lk));
  if (rng.chance(50))
    attrs.push_back("normalizer = " + drawNormalizer(rng, needsSink));
  if (needsSink != rng.chance(5)) {
    std::string t = tensorType({rng.chance(90) ? hq : drawSize(rng)}, et);
    args += ", %sink: " + t;
    operands += " sink(%sink : " + t + ")";
  }
  if (rng.chance(25))
    attrs.push_back("scale = " + drawFloat(rng) + " : f32");
  if (rng.chance(20))
    attrs.push_back("softcap = " + drawFloat(rng) + " : f32");
  if (rng.chance(8)) {
    args += ", %off: index";
    operands += " q_offset(%off)";
    attrs.push_back("q_len = " + drawInt(rng));
  }
  std::string attrText;
  if (!attrs.empty())
    attrText = " {" + llvm::join(attrs, ", ") + "}";
  // A score_mod region: an index mask with any fill, a per-head table read
  // through tensor.extract (of any size), a tanh chain, a constant that
  // ignores the logit, or a block of the wrong signature.
  std::string region;
  if (rng.chance(20)) {
    std::string sig = "%s: f32, %rb: index, %rh: index, %ri: index, %rj: index";
    std::string body;
    switch (rng.below(5)) {
    case 0:
      body = "    %c = arith.cmpi ugt, %rj, %ri : index\n"
             "    %n = arith.constant " +
             drawFloat(rng) +
             " : f32\n"
             "    %r = arith.select %c, %n, %s : f32\n";
      break;
    case 1: {
      std::string t = tensorType({rng.chance(80) ? hq : drawSize(rng)}, "f32");
      args += ", %table: " + t;
      body = "    %x = tensor.extract %table[%rh] : " + t +
             "\n"
             "    %r = arith.addf %s, %x : f32\n";
      break;
    }
    case 2:
      body = "    %l = math.tanh %s : f32\n"
             "    %c = arith.constant " +
             drawFloat(rng) +
             " : f32\n"
             "    %r = arith.mulf %l, %c : f32\n";
      break;
    case 3:
      body = "    %r = arith.constant " + drawFloat(rng) + " : f32\n";
      break;
    default:
      sig = "%s: f32, %rb: index";
      body = "    %r = arith.addf %s, %s : f32\n";
      break;
    }
    region = " score_mod {\n  ^bb0(" + sig + "):\n" + body +
             "    attn.yield %r : f32\n  }";
  }
  return "func.func @f(" + args + ") -> " + rT + " {\n  %o = attn.attention " +
         operands + attrText + " : " + qT + ", " + kT + ", " + vT + " -> " +
         rT + region + "\n  return %o : " + rT + "\n}\n";
}

//===----------------------------------------------------------------------===//
// Pipelines
//===----------------------------------------------------------------------===//

std::vector<std::string> attn::fuzz::drawPipelines(Rng &rng,
                                                   bool withGpuBinary) {
  auto opt = [&](StringRef name, const std::string &value) {
    return name.str() + "=" + value;
  };
  auto small = [&] {
    static const std::vector<std::string> v = {"0", "1",  "2",  "4",
                                               "8", "16", "32", "64"};
    return rng.chance(85) ? rng.pick(v) : rng.pick(kHostileInts);
  };
  std::vector<std::string> p;
  p.push_back(rng.chance(50) ? "func.func(attn-raise{explain=true})"
                             : "attn-raise-pipeline");
  p.push_back("func.func(attn-lift-score-mod{" +
              (rng.chance(30) ? opt("max-entries", small()) : "") + "})");
  p.push_back("func.func(attn-infer-pattern{" +
              (rng.chance(30) ? opt("max-entries", small()) : "") + "})");
  switch (rng.below(4)) {
  case 0:
    p.push_back("attn-sparsify{pattern=causal}");
    break;
  case 1:
    p.push_back("attn-sparsify{" + opt("pattern", "window") + " " +
                opt("left", small()) + " " + opt("sinks", small()) + "}");
    break;
  case 2:
    p.push_back("attn-sparsify{pattern=neighborhood " +
                opt("grid", small() + "," + small()) + " " +
                opt("kernel", small() + "," + small()) + "}");
    break;
  default:
    p.push_back("attn-sparsify{pattern=block-sparse " +
                opt("block", small() + "," + small()) + "}");
    break;
  }
  static const std::vector<std::string> modes = {
      "mode=softmax1",
      "mode=relu norm=visible",
      "mode=sigmoid bias=-2",
      "mode=softplus-l1 train-len=512",
      "mode=streaming window=4 sinks=1",
      "mode=calibrate gamma=2 columns=0",
      "mode=calibrate-sinks threshold=1.5 factor=0.5",
      "mode=sink sinks=arg"};
  p.push_back("attn-replace-softmax{" + rng.pick(modes) + "}");
  p.push_back("func.func(attn-materialize-pattern{form=" +
              std::string(rng.chance(50) ? "constant" : "index") + "})");
  p.push_back("attn-token-merge{" + opt("r", small()) + "}");
  p.push_back("canonicalize");
  p.push_back("convert-attn-to-linalg");
  p.push_back("convert-attn-to-cpu{" +
              (rng.chance(30)
                   ? opt("tile-q", small()) + " " + opt("tile-k", small())
                   : std::string()) +
              "}");
  p.push_back("convert-attn-to-gpu{" +
              (rng.chance(30) ? opt("tile-q", small()) : std::string()) + "}");
  p.push_back("attn-reference-pipeline");
  p.push_back("attn-cpu-pipeline{" +
              (rng.chance(30) ? opt("num-threads", small()) : "") + "}");
  p.push_back("attn-gpu-sim-pipeline");
  if (withGpuBinary)
    p.push_back("attn-gpu-pipeline{format=" +
                std::string(rng.chance(50) ? "bin" : "isa") + "}");
  return p;
}

//===----------------------------------------------------------------------===//
// Corpus
//===----------------------------------------------------------------------===//

std::vector<std::string>
attn::fuzz::loadCorpus(const std::vector<std::string> &roots,
                       size_t maxChunkBytes) {
  std::vector<std::string> files;
  for (const std::string &root : roots) {
    if (!llvm::sys::fs::is_directory(root)) {
      files.push_back(root);
      continue;
    }
    std::error_code ec;
    for (llvm::sys::fs::recursive_directory_iterator it(root, ec), end;
         it != end && !ec; it.increment(ec))
      if (llvm::sys::path::extension(it->path()) == ".mlir")
        files.push_back(it->path());
  }
  llvm::sort(files);
  std::vector<std::string> chunks;
  for (const std::string &file : files) {
    auto buffer = llvm::MemoryBuffer::getFile(file);
    if (!buffer)
      continue;
    llvm::SmallVector<StringRef> parts;
    (*buffer)->getBuffer().split(parts, "// -----");
    for (StringRef part : parts)
      if (!part.trim().empty() && part.size() <= maxChunkBytes)
        chunks.push_back(part.str());
  }
  return chunks;
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

namespace {
/// Exit codes of a child.
enum ChildExit : int {
  kOk = 0,
  kRefused = 1,     // did not parse, or a pass failed with a diagnostic
  kInvalidIR = 3,   // a pass succeeded and left IR that does not verify
  kErrorButOk = 4,  // an error was reported but the pipeline succeeded
  kSetupFailed = 5, // the pipeline's options were refused
};

/// What a child prints once its input parsed and verified.
constexpr const char *kParsedMarker = "attn-fuzz: input parsed";

/// Verifies the IR after every pass that reports success.
struct VerifyAfterEachPass : public PassInstrumentation {
  std::string *failedPass;
  explicit VerifyAfterEachPass(std::string *failedPass)
      : failedPass(failedPass) {}
  void runAfterPass(Pass *pass, Operation *op) override {
    if (!failedPass->empty())
      return;
    if (failed(verify(op)))
      *failedPass = pass->getArgument().str();
  }
};

[[noreturn]] void childMain(MLIRContext &context, const std::string &text,
                            const std::string &pipeline) {
  int errors = 0;
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz-case.mlir"),
      llvm::SMLoc());
  SourceMgrDiagnosticHandler printer(sourceMgr, &context, llvm::errs());
  // Counts errors, then lets the printer show them.
  context.getDiagEngine().registerHandler([&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      ++errors;
    return failure();
  });
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  if (!module)
    _exit(kRefused);
  // Crashes before this line are in the upstream parser or verifiers.
  llvm::errs() << kParsedMarker << "\n";
  llvm::errs().flush();
  PassManager pm(&context, ModuleOp::getOperationName());
  pm.enableVerifier(false);
  std::string invalidAfter;
  pm.addInstrumentation(std::make_unique<VerifyAfterEachPass>(&invalidAfter));
  // The pipeline's passes, added to `pm`, which is anchored on the module.
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    _exit(kSetupFailed);
  bool ok = succeeded(pm.run(*module));
  if (!invalidAfter.empty()) {
    llvm::errs() << "attn-fuzz: IR does not verify after " << invalidAfter
                 << "\n";
    llvm::errs().flush();
    _exit(kInvalidIR);
  }
  llvm::errs().flush();
  if (ok && errors)
    _exit(kErrorButOk);
  _exit(ok ? kOk : kRefused);
}

struct Job {
  pid_t pid = -1;
  int64_t input = 0;
  std::string pipeline;
  std::string stderrPath;
  std::chrono::steady_clock::time_point start;
};

/// Text that marks a crash the exit code may hide.
StringRef fatalText(StringRef output) {
  for (StringRef marker : {"LLVM ERROR", "Assertion", "UNREACHABLE",
                           "Stack dump", "PLEASE submit a bug report"})
    if (output.contains(marker))
      return marker;
  return "";
}
} // namespace

bool attn::fuzz::runCampaign(const CampaignOptions &options,
                             const DialectRegistry &registry,
                             llvm::raw_ostream &log, CampaignSummary &summary) {
  auto begin = std::chrono::steady_clock::now();
  std::vector<std::string> corpus = loadCorpus(options.corpus, 16 * 1024);
  if (corpus.empty()) {
    log << "attn-fuzz: no corpus chunks under the given paths\n";
    return false;
  }
  // Every dialect loaded before the first fork: children only parse and
  // run. No threads exist in the parent, so forking is safe.
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  context.loadAllAvailableDialects();

  if (!options.findingsDir.empty())
    llvm::sys::fs::create_directories(options.findingsDir);
  llvm::SmallString<128> scratch;
  llvm::sys::path::system_temp_directory(/*erasedOnReboot=*/true, scratch);

  // Inputs and their pipelines, drawn lazily in order.
  std::vector<std::string> inputs;
  std::vector<std::vector<std::string>> pipelines;
  int64_t nextInput = 0;
  size_t nextPipeline = 0;
  auto drawInput = [&] {
    Rng rng(caseSeed(options.seed, nextInput));
    if (options.replay) {
      inputs.push_back(corpus[nextInput % corpus.size()]);
      ++summary.mutatedInputs;
    } else if (rng.below(100) < options.generatedPercent) {
      inputs.push_back(generateAttention(rng));
      ++summary.generatedInputs;
    } else {
      inputs.push_back(mutate(rng.pick(corpus), rng));
      ++summary.mutatedInputs;
    }
    pipelines.push_back(drawPipelines(rng, options.withGpuBinary));
  };

  std::vector<Job> running;
  std::set<int64_t> reportedUpstream;
  unsigned jobs = std::max(1u, options.jobs);
  int64_t launched = 0;
  bool ok = true;
  auto record = [&](const Job &job, StringRef kind, StringRef detail) {
    ++summary.findings;
    log << "attn-fuzz: FINDING (" << kind << ") input " << job.input
        << " (seed " << options.seed << ") pipeline '" << job.pipeline
        << "': " << detail << "\n";
    if (options.findingsDir.empty())
      return;
    llvm::SmallString<128> path(options.findingsDir);
    llvm::sys::path::append(
        path, "finding-" + std::to_string(summary.findings) + ".mlir");
    std::error_code ec;
    llvm::raw_fd_ostream out(path, ec);
    if (!ec) {
      out << "// attn-fuzz finding (" << kind << "): attn-opt --pass-pipeline="
          << "'builtin.module(" << job.pipeline << ")'\n";
      llvm::SmallVector<StringRef> lines;
      detail.split(lines, '\n');
      for (StringRef line : lines)
        out << "// " << line << "\n";
      out << inputs[job.input];
    }
  };
  auto finish = [&](Job &job, int status) {
    auto buffer = llvm::MemoryBuffer::getFile(job.stderrPath);
    std::string output = buffer ? (*buffer)->getBuffer().str() : "";
    llvm::sys::fs::remove(job.stderrPath);
    StringRef tail = StringRef(output).take_back(600).trim();
    // The input crashed MLIR's parser or an upstream op verifier before
    // any attn code ran (attn-opt and Debian's mlir-opt alike): counted,
    // reported once per input, not a finding of this project.
    bool parsed = StringRef(output).contains(kParsedMarker);
    if (!parsed && (WIFSIGNALED(status) || !fatalText(output).empty())) {
      ++summary.upstreamParserCrashes;
      if (reportedUpstream.insert(job.input).second)
        log << "attn-fuzz: upstream parser crash (not counted) on input "
            << job.input << ": " << tail.take_back(200) << "\n";
      return;
    }
    if (WIFSIGNALED(status)) {
      record(job, "signal",
             "killed by signal " + std::to_string(WTERMSIG(status)) + ": " +
                 tail.str());
      return;
    }
    int code = WEXITSTATUS(status);
    if (StringRef marker = fatalText(output); !marker.empty()) {
      record(job, "fatal", marker.str() + ": " + tail.str());
      return;
    }
    llvm::SmallVector<StringRef> lines;
    StringRef(output).split(lines, '\n');
    for (StringRef line : lines)
      if (line.trim().ends_with("error:")) {
        record(job, "empty-error", "an error without a message: " + tail.str());
        return;
      }
    switch (code) {
    case kOk:
      ++summary.succeeded;
      return;
    case kRefused:
      ++summary.refused;
      return;
    case kInvalidIR:
      record(job, "invalid-ir", tail.str());
      return;
    case kErrorButOk:
      record(job, "error-but-success", tail.str());
      return;
    case kSetupFailed: // options refused while the pipeline is built
      ++summary.refused;
      return;
    default:
      record(job, "exit",
             "exit code " + std::to_string(code) + ": " + tail.str());
    }
  };

  while (launched < options.passRuns || !running.empty()) {
    while (launched < options.passRuns && running.size() < jobs) {
      if (nextInput == 0 || nextPipeline == pipelines.back().size()) {
        drawInput();
        ++nextInput;
        nextPipeline = 0;
      }
      Job job;
      job.input = nextInput - 1;
      job.pipeline = pipelines.back()[nextPipeline++];
      llvm::SmallString<128> path(scratch);
      llvm::sys::path::append(path, "attn-fuzz-" + std::to_string(getpid()) +
                                        "-" + std::to_string(launched) +
                                        ".err");
      job.stderrPath = std::string(path);
      llvm::outs().flush();
      llvm::errs().flush();
      log.flush();
      pid_t pid = fork();
      if (pid < 0) {
        log << "attn-fuzz: fork failed\n";
        ok = false;
        break;
      }
      if (pid == 0) {
        int fd =
            ::open(job.stderrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
          dup2(fd, 2);
          dup2(fd, 1);
          ::close(fd);
        }
        alarm(options.timeoutSeconds + 5); // a backstop for the parent's kill
        childMain(context, inputs[job.input], job.pipeline);
      }
      job.pid = pid;
      job.start = std::chrono::steady_clock::now();
      running.push_back(job);
      ++launched;
      ++summary.passRuns;
    }
    if (!ok)
      break;
    bool reaped = false;
    for (size_t i = 0; i < running.size();) {
      int status = 0;
      pid_t done = waitpid(running[i].pid, &status, WNOHANG);
      if (done == running[i].pid) {
        finish(running[i], status);
        running.erase(running.begin() + i);
        reaped = true;
        continue;
      }
      auto elapsed = std::chrono::steady_clock::now() - running[i].start;
      if (elapsed > std::chrono::seconds(options.timeoutSeconds)) {
        kill(running[i].pid, SIGKILL);
        waitpid(running[i].pid, &status, 0);
        llvm::sys::fs::remove(running[i].stderrPath);
        record(running[i], "timeout",
               "ran past " + std::to_string(options.timeoutSeconds) + " s");
        running.erase(running.begin() + i);
        reaped = true;
        continue;
      }
      ++i;
    }
    if (!reaped)
      usleep(500);
  }
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  return ok;
}
