#!/usr/bin/env python3
"""CPU benchmark of attn.attention (attn-run) against Python peers.

For every case this script writes an MLIR file holding one `attn.attention`
on tensor<B x Hq x Lq x D>, <B x Hkv x Lk x D>, <B x Hkv x Lk x Dv> operands
of f32 or bf16 (Lq != Lk for decode and chunked prefill, Hkv < Hq for GQA;
causal patterns align bottom-right, SPEC section 2), times it with

    attn-run FILE --pipeline=P --bench --warmup=W --repeat=R --json

(OMP_NUM_THREADS = --threads), and times the peers on the same inputs with the
same thread count, W untimed calls (at least one) and the median of R calls
timed with time.perf_counter:

  * PyTorch scaled_dot_product_attention (torch.set_num_threads; bf16 cases
    in torch.bfloat16): is_causal=True for causal cases with Lq == Lk, no mask
    for decode (Lq = 1: bottom-right causal sees every key), otherwise the
    dense boolean Lq x Lk mask of the pattern rule (bottom-right causal for
    chunked prefill, what torch.nn.attention.bias.causal_lower_right
    materializes on CPU); enable_gqa=True when Hkv < Hq,
  * OpenVINO's CPU plugin: an ov.Model holding opset13
    scaled_dot_product_attention (causal flag or a boolean mask constant,
    GQA written with a broadcast group axis, repeated K/V or the group folded
    into the query rows, see Peers._openvino), compiled for "CPU" with
    INFERENCE_NUM_THREADS = --threads and INFERENCE_PRECISION_HINT f32 or bf16
    like the case, timed as `compiled(inputs)` on ov.Tensor inputs,
  * IREE llvm-cpu: an MLIR file holding iree_linalg_ext.attention (IREE's own
    attention op; GQA through its indexing maps, causal as an additive mask
    built by a linalg.generic), compiled by iree.compiler with
    --iree-llvmcpu-target-cpu=host (plus --iree-flags), run by iree.runtime on
    the local-task driver with --threads workers on device-resident inputs,
  * FlexAttention (torch.nn.attention.flex_attention compiled with
    torch.compile, block mask from a mask_mod implementing SPEC section 3),
  * NATTEN (natten from PyPI): `natten` is the CPU path the installed
    version picks by itself, `natten-fused` its fused one; `natten-alt*` are
    the same two with a second install (--natten-alt-path, e.g. NATTEN 0.17.5
    built by bench/build_natten_cpu.sh, the last version with CPU kernels),
    run in a worker process.

It also measures the machine's peaks in the same run (bench/fma_peak.c,
compiled with cc -O2 -march=native -fopenmp into a temporary directory): the
FP32 FMA peak, and where the compiler and the CPU have them the AVX512-BF16
dot-product peak (vdpbf16ps) and the AMX bf16 peak. It reports the host's ISA
(/proc/cpuinfo flags), useful GFLOP/s = 2*(D+Dv)*B*Hq*V / time (SPEC section
6, V = visible (query, key) pairs, computed here from the pattern rule and
checked against attn-run's own count), the fraction of the peak ("% peak":
the FP32 FMA peak for f32 cases, the best bf16 peak for bf16 cases), each
peer's time and our speedup over it (peer_ms / ours_ms), and for sparse cases
the FLOP-ratio ideal L*L/V and the achieved fraction of it, (dense_ms /
sparse_ms) / (L*L/V), where dense_ms is our own dense kernel at the same B,
H, L, D. With --baseline (an earlier --out JSON) it also compares our times
with that run's, case by case.

Outputs: a JSON file (--out), a Markdown table (printed and --markdown) with
PASS/MISS/SKIP lines for the targets, and a bar chart (--plot, needs
matplotlib). A peer that cannot run is reported as "n/a: <first line of the
error>". Numerical agreement is checked on the benchmark inputs, as max abs
error against PyTorch SDPA in f32: f32 cases against the SDPA peer's output
(tolerance 1e-4), bf16 cases against SDPA computed in f32 from the same
bf16-rounded inputs (tolerance 2e-2); the exit status is 1 when a check fails
or when attn-run's useful-FLOP count disagrees with the pattern rule.

Run `bench/cpu_attention.py --list` to see the cases, `--quick` for a smoke
test at small sizes; see bench/README.md.
"""

import argparse
import datetime
import fnmatch
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# Agreement thresholds of the numerical checks (max abs error against SDPA in
# f32 on inputs uniform in [-1, 1)). f32 attention kernels agree to ~1e-6
# there. bf16 kernels see the same bf16-rounded inputs as the f32 reference,
# so what is left is their own rounding: the bf16 output (2^-9 relative, ~2e-3
# at |o| < 1) and P rounded to bf16 before P V (a few 1e-3 measured for SDPA
# and OpenVINO); 2e-2 keeps a margin and still fails on a wrong mask, scale or
# head mapping (errors of 0.1 and more).
VERIFY_ATOL = 1e-4
VERIFY_ATOL_BF16 = 2e-2
# --baseline: a case counts as slower than before only beyond this fraction
# (run-to-run noise on a shared machine).
BASELINE_NOISE = 0.10
# /proc/cpuinfo flags named in the report.
ISA_FLAGS = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
             "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"]


# --------------------------------------------------------------------------
# Patterns: MLIR attribute text and the visibility rule of SPEC section 3.
# `visible(qi, ki)` works on broadcast integer tensors (to build masks and
# count visible pairs) and on the 0-d tensors of a FlexAttention mask_mod.
# --------------------------------------------------------------------------

class Pattern:
    kind = "dense"

    def mlir(self):
        raise NotImplementedError

    def visible(self, torch, qi, ki, lq, lk):
        raise NotImplementedError

    def is_dense(self):
        return False


class Dense(Pattern):
    kind = "dense"

    def mlir(self):
        return "#attn.dense"

    def visible(self, torch, qi, ki, lq, lk):
        return (qi >= 0) & (ki >= 0)

    def is_dense(self):
        return True


class Causal(Pattern):
    kind = "causal"

    def mlir(self):
        return "#attn.causal"

    def visible(self, torch, qi, ki, lq, lk):
        # Bottom-right aligned: query i sits at i' = i + (Lk - Lq).
        return ki <= qi + (lk - lq)


class Window(Pattern):
    kind = "window"

    def __init__(self, left, right, sinks):
        self.left, self.right, self.sinks = left, right, sinks

    def mlir(self):
        return (f"#attn.window<left = {self.left}, right = {self.right}, "
                f"sinks = {self.sinks}>")

    def visible(self, torch, qi, ki, lq, lk):
        ip = qi + (lk - lq)
        return ((ki >= ip - self.left) & (ki <= ip + self.right)) | (ki < self.sinks)


class Neighborhood(Pattern):
    kind = "neighborhood"

    def __init__(self, shape, kernel, dilation=None, stride=None, causal=None):
        n = len(shape)
        self.shape = list(shape)
        self.kernel = list(kernel)
        self.dilation = list(dilation or [1] * n)
        self.stride = list(stride or [1] * n)
        self.causal = list(causal or [False] * n)
        for X, k, d, t in zip(self.shape, self.kernel, self.dilation, self.stride):
            if k * d > X or t > k:
                raise ValueError(f"invalid neighborhood: shape {X}, kernel {k}, "
                                 f"dilation {d}, stride {t}")

    def mlir(self):
        def lst(v):
            return "[" + ", ".join(str(x).lower() for x in v) + "]"
        return (f"#attn.neighborhood<shape = {lst(self.shape)}, kernel = {lst(self.kernel)}, "
                f"dilation = {lst(self.dilation)}, stride = {lst(self.stride)}, "
                f"causal = {lst(self.causal)}>")

    def visible(self, torch, qi, ki, lq, lk):
        # SPEC section 3, neighborhood rule, ANDed over the dimensions of the
        # row-major token grid (last dimension fastest).
        ok = None
        inner = 1
        for dim in reversed(range(len(self.shape))):
            X, k = self.shape[dim], self.kernel[dim]
            d, t, c = self.dilation[dim], self.stride[dim], self.causal[dim]
            x = (qi // inner) % X
            y = (ki // inner) % X
            inner *= X
            xm = x % d
            v = xm == (y % d)
            xp, yp = x // d, y // d
            n = (X - xm + d - 1) // d          # ceil((X - x mod d) / d)
            lh = k // 2
            rh = k // 2 + k % 2 - 1
            if not c:
                a = torch.minimum((xp // t) * t + t // 2, n - 1)
                # clamp(a, lh, n-1-rh); lh <= n-1-rh always holds as k*d <= X.
                cen = torch.clamp(torch.minimum(a, n - 1 - rh), min=lh)
                v = v & (yp >= cen - lh) & (yp <= cen + rh)
            else:
                a = torch.minimum((xp // t) * t + t - 1, n - 1)
                v = v & (yp <= xp) & (a - yp < k)
            ok = v if ok is None else ok & v
        return ok


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

class Case:
    """One benchmark case: B x Hq x Lq x D queries against B x Hkv x Lk x D
    keys (Dv = D), f32 or bf16. `L` is Lk; Lq defaults to it."""

    def __init__(self, name, group, H, L, D, pattern, peers, B=1, target=True,
                 Lq=None, Hkv=None, dtype="f32"):
        self.name, self.group = name, group
        self.B, self.H, self.L, self.D, self.Dv = B, H, L, D, D
        self.Lk = L
        self.Lq = L if Lq is None else Lq
        self.Hkv = H if Hkv is None else Hkv
        if H % self.Hkv:
            raise ValueError(f"{name}: Hq = {H} is not a multiple of Hkv = {self.Hkv}")
        self.dtype = dtype
        self.pattern = pattern
        self.peers = peers          # peer keys that apply to this case
        self.target = target        # whether the issue's targets apply

    @property
    def Hq(self):
        return self.H

    @property
    def dense_key(self):
        return (self.B, self.H, self.Hkv, self.Lq, self.Lk, self.D, self.dtype)

    def is_causal(self):
        return isinstance(self.pattern, Causal)

    def sdpa_needs_mask(self):
        """Whether SDPA (and the reference) need the boolean Lq x Lk mask:
        every pattern but dense, causal with Lq == Lk (is_causal=True) and
        causal with Lq = 1 (bottom-right, so every key is visible)."""
        if self.pattern.is_dense():
            return False
        if self.is_causal():
            return not (self.Lq == self.Lk or self.Lq == 1)
        return True

    def mlir(self):
        e = self.dtype
        B, Hq, Hkv, Lq, Lk, D, Dv = self.B, self.H, self.Hkv, self.Lq, self.Lk, self.D, self.Dv
        tq = f"tensor<{B}x{Hq}x{Lq}x{D}x{e}>"
        tk = f"tensor<{B}x{Hkv}x{Lk}x{D}x{e}>"
        tv = f"tensor<{B}x{Hkv}x{Lk}x{Dv}x{e}>"
        to = f"tensor<{B}x{Hq}x{Lq}x{Dv}x{e}>"
        return (f"// attn-mlir benchmark case {self.name} (bench/cpu_attention.py)\n"
                f"func.func @main(%q: {tq}, %k: {tk}, %v: {tv}) -> {to} {{\n"
                f"  %o = attn.attention %q, %k, %v {{pattern = {self.pattern.mlir()}}}\n"
                f"      : {tq}, {tk}, {tv} -> {to}\n"
                f"  return %o : {to}\n}}\n")

    def describe(self):
        heads = f"H={self.H}" if self.Hkv == self.H else f"Hq={self.H} Hkv={self.Hkv}"
        seq = f"L={self.L}" if self.Lq == self.Lk else f"Lq={self.Lq} Lk={self.Lk}"
        return (f"B={self.B} {heads} {seq} D={self.D} {self.dtype}, "
                f"pattern = {self.pattern.mlir()}")


# The peers of the dense, causal, GQA, decode and chunked-prefill cases.
FAST_PEERS = ["sdpa", "openvino", "iree"]


def make_cases(quick):
    """The benchmark cases; --quick shrinks every size (same structure)."""
    cases = []
    if quick:
        dense_ls, win_l, win_w, grid = [256, 1024], 1024, 128, 32
        bf16_l, gqa_h, gqa_kv, gqa_l = 1024, 8, 2, 512
        decode_lks, chunk_lq, chunk_lk = [1024, 4096], 64, 1024
    else:
        dense_ls, win_l, win_w, grid = [1024, 4096, 16384], 16384, 512, 64
        bf16_l, gqa_h, gqa_kv, gqa_l = 4096, 32, 8, 4096
        decode_lks, chunk_lq, chunk_lk = [8192, 32768], 256, 8192
    for L in dense_ls:
        cases.append(Case(f"dense-L{L}", "dense", 8, L, 64, Dense(), FAST_PEERS))
        cases.append(Case(f"causal-L{L}", "dense", 8, L, 64, Causal(), FAST_PEERS))
    if win_l not in dense_ls:
        cases.append(Case(f"dense-L{win_l}", "dense", 8, win_l, 64, Dense(), FAST_PEERS))
    # A window of W keys ending at the query (left = W - 1, right = 0) plus 4
    # attention-sink tokens at the start (StreamingLLM).
    cases.append(Case(f"window-L{win_l}-W{win_w}-S4", "window", 8, win_l, 64,
                      Window(win_w - 1, 0, 4), ["sdpa", "flex"]))
    L2 = grid * grid
    cases.append(Case(f"dense-L{L2}-H4-D32", "dense-aux", 4, L2, 32, Dense(), FAST_PEERS,
                      target=False))
    for k in (7, 13):
        for d in (1, 2):
            cases.append(Case(f"nbhd2d-{grid}x{grid}-k{k}-d{d}", "nbhd2d", 4, L2, 32,
                              Neighborhood([grid, grid], [k, k], [d, d]),
                              ["sdpa", "flex"] + NATTEN_PEERS))
    # bf16 prefill.
    cases.append(Case(f"dense-L{bf16_l}-bf16", "dense", 8, bf16_l, 64, Dense(), FAST_PEERS,
                      dtype="bf16"))
    cases.append(Case(f"causal-L{bf16_l}-bf16", "dense", 8, bf16_l, 64, Causal(), FAST_PEERS,
                      dtype="bf16"))
    # GQA prefill, decode (Lq = 1: bottom-right causal sees every key) and
    # chunked prefill (Lq queries at the end of Lk keys), f32 and bf16.
    heads = f"H{gqa_h}-KV{gqa_kv}-D128"
    for dt in ("f32", "bf16"):
        sfx = "-bf16" if dt == "bf16" else ""
        cases.append(Case(f"gqa-causal-L{gqa_l}-{heads}{sfx}", "gqa", gqa_h, gqa_l, 128,
                          Causal(), FAST_PEERS, Hkv=gqa_kv, dtype=dt))
    for lk in decode_lks:
        for dt in ("f32", "bf16"):
            sfx = "-bf16" if dt == "bf16" else ""
            cases.append(Case(f"decode-Lk{lk}-{heads}{sfx}", "decode", gqa_h, lk, 128,
                              Causal(), FAST_PEERS, Lq=1, Hkv=gqa_kv, dtype=dt))
    for dt in ("f32", "bf16"):
        sfx = "-bf16" if dt == "bf16" else ""
        cases.append(Case(f"chunk-Lq{chunk_lq}-Lk{chunk_lk}-{heads}{sfx}", "chunk", gqa_h,
                          chunk_lk, 128, Causal(), FAST_PEERS, Lq=chunk_lq, Hkv=gqa_kv,
                          dtype=dt))
    return cases


PEER_LABELS = {
    "sdpa": "PyTorch SDPA",
    "openvino": "OpenVINO SDPA",
    "iree": "IREE attention",
    "flex": "FlexAttention",
    "natten": "NATTEN",
    "natten-fused": "NATTEN fused",
    # The same two NATTEN paths from a second NATTEN install (--natten-alt-path),
    # run in a worker process: e.g. NATTEN 0.17.5, the last one with CPU kernels.
    "natten-alt": "NATTEN alt",
    "natten-alt-fused": "NATTEN alt fused",
}
PEER_ORDER = ["sdpa", "openvino", "iree", "flex", "natten", "natten-fused", "natten-alt",
              "natten-alt-fused"]
NATTEN_PEERS = ["natten", "natten-fused", "natten-alt", "natten-alt-fused"]


def label(report, key):
    return report.get("peer_labels", {}).get(key, PEER_LABELS.get(key, key))


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def first_line(text):
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def err_text(e):
    msg = first_line(e)
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def loadavg():
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def host_isa():
    """The ISA_FLAGS the CPU has and has not (/proc/cpuinfo), and whether it
    has native bf16 arithmetic (avx512_bf16 or AMX bf16)."""
    flags = set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        return {"flags": [], "absent": [], "native_bf16": None,
                "error": "/proc/cpuinfo unreadable"}
    return {"flags": [f for f in ISA_FLAGS if f in flags],
            "absent": [f for f in ISA_FLAGS if f not in flags],
            "native_bf16": "avx512_bf16" in flags or "amx_bf16" in flags}


def bf16_peak(peak):
    """The best bf16 peak fma_peak.c measured: (name, GFLOP/s) or None."""
    best = None
    for key, name in (("bf16_dp", "bf16 vdpbf16ps"), ("amx_bf16", "AMX bf16")):
        p = peak.get(key) or {}
        if p.get("status") == "ok" and (best is None or p["gflops"] > best[1]):
            best = (name, p["gflops"])
    return best


def case_peak(peak, dtype):
    """The peak "% peak" uses for a case: (name, GFLOP/s), or (name, None)."""
    fp32 = peak.get("gflops") if peak.get("status") == "ok" else None
    if dtype == "bf16":
        b = bf16_peak(peak)
        if b:
            return b
        return ("FP32 FMA (no bf16 peak measured)", fp32)
    return ("FP32 FMA", fp32)


def measure_fma_peak(threads, cc, seconds, trials):
    """Compiles bench/fma_peak.c and runs it on `threads` threads."""
    src = os.path.join(HERE, "fma_peak.c")
    with tempfile.TemporaryDirectory(prefix="attn-fma-") as tmp:
        exe = os.path.join(tmp, "fma_peak")
        cmd = [cc, "-O2", "-march=native", "-fopenmp", src, "-o", exe]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            return {"status": "error", "error": first_line(p.stderr or p.stdout),
                    "command": " ".join(cmd)}
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="spread")
        r = subprocess.run([exe, str(threads), str(seconds), str(trials)],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            return {"status": "error", "error": first_line(r.stderr or r.stdout)}
        res = json.loads(r.stdout)
        res.update(status="ok", command=" ".join(cmd))
        return res


def run_ours(case, args, tmp, inputs):
    """Times the case with attn-run; returns a result dict (and output path)."""
    path = os.path.join(tmp, f"{case.name}.mlir")
    with open(path, "w") as f:
        f.write(case.mlir())
    res = {"mlir_file": path, "pipeline": args.pipeline}
    if args.attn_opt and os.path.exists(args.attn_opt):
        p = subprocess.run([args.attn_opt, path], capture_output=True, text=True)
        res["parses"] = p.returncode == 0
        if p.returncode != 0:
            res.update(status="error", error="attn-opt: " + first_line(p.stderr))
            return res
    if not os.path.exists(args.attn_run):
        res.update(status="error", error=f"attn-run not found at {args.attn_run}")
        return res
    outdir = os.path.join(tmp, f"{case.name}.out")
    cmd = [args.attn_run, path, f"--pipeline={args.pipeline}", "--bench",
           f"--warmup={args.warmup}", f"--repeat={args.repeat}", "--json"]
    if args.pipeline_options:
        cmd.append(f"--pipeline-options={args.pipeline_options}")
    if inputs is not None:
        cmd += ["--input=" + ",".join(inputs), f"--output-dir={outdir}"]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    res["wall_s"] = time.perf_counter() - t0
    res["command"] = f"OMP_NUM_THREADS={args.threads} " + " ".join(cmd)
    if p.returncode != 0:
        res.update(status="error", error=first_line(p.stderr) or first_line(p.stdout)
                   or f"attn-run exited with {p.returncode}")
        return res
    try:
        j = json.loads(p.stdout)
        b = j["bench"]
    except (ValueError, KeyError) as e:
        res.update(status="error", error=f"cannot read attn-run JSON: {err_text(e)}")
        return res
    res.update(status="ok", median_ms=b["median_ms"], min_ms=b["min_ms"],
               times_ms=b.get("times_ms"), gflops=b["gflops"],
               useful_flops=b["useful_flops"])
    # --pipeline=cuda also times the kernels alone (CUDA events).
    for key in ("kernel_median_ms", "kernel_min_ms", "kernel_times_ms",
                "kernel_launches_per_call"):
        if key in b:
            res[key] = b[key]
    if inputs is not None:
        res["output_npy"] = os.path.join(outdir, "main.result0.npy")
    return res


# --------------------------------------------------------------------------
# Peers. Each builder returns (fn, to_bhld, note): fn() computes the
# attention on prepared inputs, to_bhld(out) converts its result to
# B x H x L x D for the numerical check (outside the timed region).
# --------------------------------------------------------------------------

def sdpa_kwargs(case, mask):
    """Keyword arguments of torch's scaled_dot_product_attention for a case
    (the SDPA peer and the f32 reference of the numerical checks), and a note
    saying what they are."""
    kw, note = {}, []
    if case.pattern.is_dense():
        note.append("no mask")
    elif case.is_causal() and case.Lq == case.Lk:
        kw["is_causal"] = True
        note.append("is_causal=True")
    elif case.is_causal() and case.Lq == 1:
        note.append("no mask for Lq = 1 (bottom-right causal: every key visible)")
    else:
        kw["attn_mask"] = mask
        if case.is_causal():
            note.append("attn_mask = bottom-right causal boolean Lq x Lk mask (what "
                        "torch.nn.attention.bias.causal_lower_right materializes on CPU)")
        else:
            note.append("dense boolean attn_mask (L x L) from the pattern rule")
    if case.Hkv != case.H:
        kw["enable_gqa"] = True
        note.append("enable_gqa=True (the CPU flash kernel reads the Hkv heads; "
                    "K/V are not repeated)")
    return kw, ", ".join(note)


def pattern_mask(torch, case):
    """The boolean Lq x Lk visibility mask of a case's pattern (SPEC section 3)."""
    qi = torch.arange(case.Lq)[:, None]
    ki = torch.arange(case.Lk)[None, :]
    return case.pattern.visible(torch, qi, ki, case.Lq, case.Lk).expand(case.Lq, case.Lk)


def dist_version(name):
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:  # noqa: BLE001 -- not installed
        return None


class Peers:
    def __init__(self, torch, threads=None, iree_flags="", iree_max_gflop=0.0):
        self.torch = torch
        self.iree_max_gflop = iree_max_gflop
        self.F = torch.nn.functional
        self.threads = threads or torch.get_num_threads()
        self.iree_flags = iree_flags.split() if isinstance(iree_flags, str) else list(iree_flags)
        self._flex_fn = None
        self._ov_core = None
        self._iree_config = None
        self.last_note = None
        self.last_setup_s = None
        import numpy
        self.versions = {"torch": torch.__version__, "numpy": numpy.__version__}
        try:
            import natten
            self.natten = natten
            self.versions["natten"] = getattr(natten, "__version__", "unknown")
            self.versions["natten_path"] = os.path.dirname(natten.__file__)
            self.natten_error = None
        except Exception as e:  # noqa: BLE001 -- any import failure is reported
            self.natten = None
            self.natten_error = err_text(e)
            self.versions["natten"] = None
        try:
            import openvino
            self.versions["openvino"] = openvino.get_version()
            self.openvino_error = None
        except Exception as e:  # noqa: BLE001
            self.versions["openvino"] = None
            self.openvino_error = err_text(e)
        self.versions["iree-base-compiler"] = dist_version("iree-base-compiler")
        self.versions["iree-base-runtime"] = dist_version("iree-base-runtime")
        self.versions["ml_dtypes"] = dist_version("ml_dtypes")

    def build(self, key, case, q, k, v, mask):
        self.last_note = None   # what was attempted, kept for the report on failure
        self.last_setup_s = None  # untimed preparation (compilation, block mask)
        return getattr(self, "_" + key.replace("-", "_"))(case, q, k, v, mask)

    def _sdpa(self, case, q, k, v, mask):
        F = self.F
        kw, note = sdpa_kwargs(case, mask)
        if case.dtype == "bf16":
            note += ", torch.bfloat16 inputs"
        return (lambda: F.scaled_dot_product_attention(q, k, v, **kw)), None, note

    # -- OpenVINO ----------------------------------------------------------

    def _openvino(self, case, q, k, v, mask):
        """opset13 scaled_dot_product_attention in an ov.Model compiled for the
        CPU plugin. GQA, by what was fastest in a test on the development
        machine (2 cores, AVX-512): decode (Lq = 1) as 5-D SDPA with K/V
        broadcast over a group axis, [B,Hkv,G,1,D] x [B,Hkv,1,Lk,D]; causal
        prefill with Lq == Lk as K/V repeated to Hq heads by a Broadcast and
        the causal flag; chunked prefill with the G query heads of a KV head
        folded into the query rows, [B,Hkv,G*Lq,D], and the mask tiled G
        times."""
        if self.openvino_error:
            raise RuntimeError(self.openvino_error)
        import numpy as np
        import openvino as ov
        import openvino.opset13 as ops
        torch = self.torch
        B, Hq, Hkv, Lq, Lk, D, Dv = case.B, case.H, case.Hkv, case.Lq, case.Lk, case.D, case.Dv
        G = Hq // Hkv
        bf16 = case.dtype == "bf16"
        et = ov.Type.bf16 if bf16 else ov.Type.f32
        note = [f"opset13.scaled_dot_product_attention, {'bf16' if bf16 else 'f32'} "
                f"parameters, INFERENCE_PRECISION_HINT={'bf16' if bf16 else 'f32'}, "
                f"INFERENCE_NUM_THREADS={self.threads}"]
        self.last_note = note[0]

        def i64(vals):
            return ops.constant(np.array(vals, dtype=np.int64))

        pq = ops.parameter([B, Hq, Lq, D], et, name="q")
        pk = ops.parameter([B, Hkv, Lk, D], et, name="k")
        pv = ops.parameter([B, Hkv, Lk, Dv], et, name="v")
        pat = case.pattern
        need_mask = not (pat.is_dense() or (case.is_causal() and Lq == 1))
        if G == 1:
            mode = "mha"
        elif Lq == 1:
            mode = "5d"
        elif case.is_causal() and Lq == Lk:
            mode = "repeat"
        else:
            mode = "fold"
        causal_flag = need_mask and case.is_causal() and Lq == Lk and mode != "fold"
        m = None
        if need_mask and not causal_flag:
            m = (mask if mask is not None else pattern_mask(torch, case)).numpy()
        qq, kk, vv = pq, pk, pv
        if mode == "5d":
            qq = ops.reshape(pq, i64([B, Hkv, G, Lq, D]), False)
            kk = ops.unsqueeze(pk, i64([2]))
            vv = ops.unsqueeze(pv, i64([2]))
            note.append(f"GQA as 5-D SDPA, Q [B,Hkv,G,Lq,D] against K/V [B,Hkv,1,Lk,D] "
                        f"(broadcast, no copy)")
        elif mode == "repeat":
            def rep(t, d):
                t5 = ops.broadcast(ops.unsqueeze(t, i64([2])), i64([B, Hkv, G, Lk, d]))
                return ops.reshape(t5, i64([B, Hq, Lk, d]), False)
            kk, vv = rep(pk, D), rep(pv, Dv)
            note.append("GQA as K/V repeated to Hq heads (Broadcast + Reshape in the model)")
        elif mode == "fold":
            qq = ops.reshape(pq, i64([B, Hkv, G * Lq, D]), False)
            if m is not None:
                m = np.tile(m, (G, 1))
            note.append("GQA with the G query heads of each KV head folded into the query "
                        "rows, Q [B,Hkv,G*Lq,D] (mask tiled G times)")
        args = [qq, kk, vv]
        if causal_flag:
            note.append("causal=True")
        elif m is not None:
            args.append(ops.constant(np.ascontiguousarray(m)))
            note.append(f"boolean mask constant {list(m.shape)} from the pattern rule"
                        + (" (bottom-right causal)" if case.is_causal() else ""))
        elif not pat.is_dense():
            note.append("no mask for Lq = 1 (bottom-right causal: every key visible)")
        o = ops.scaled_dot_product_attention(*args, causal=causal_flag)
        if mode in ("5d", "fold"):
            o = ops.reshape(o, i64([B, Hq, Lq, Dv]), False)
        model = ov.Model([o], [pq, pk, pv], f"sdpa_{case.name}")
        self.last_note = ", ".join(note)
        if self._ov_core is None:
            self._ov_core = ov.Core()
        t0 = time.perf_counter()
        compiled = self._ov_core.compile_model(
            model, "CPU", {"INFERENCE_NUM_THREADS": self.threads,
                           "INFERENCE_PRECISION_HINT": "bf16" if bf16 else "f32"})
        self.last_setup_s = time.perf_counter() - t0

        def tensor(t):
            t = t.contiguous()
            if bf16:
                x = ov.Tensor(ov.Type.bf16, list(t.shape))
                x.data.view(np.uint16)[...] = t.view(torch.int16).numpy().view(np.uint16)
                return x
            return ov.Tensor(t.numpy(), shared_memory=True)
        inputs = [tensor(t) for t in (q, k, v)]

        def fn():
            return compiled(inputs)

        def to_bhld(res):
            a = np.asarray(res[0])
            if bf16:
                # bf16 results come back as 16-bit arrays holding bf16 bits.
                return torch.from_numpy(a.view(np.int16).copy()).view(torch.bfloat16)
            return torch.from_numpy(a.copy())
        note.append("timed call: compiled(inputs) on ov.Tensor inputs")
        return fn, to_bhld, ", ".join(note)

    # -- IREE --------------------------------------------------------------

    @staticmethod
    def iree_mlir(case):
        """func @main holding one iree_linalg_ext.attention for the case. GQA:
        Q is expanded to [B, Hkv, G, Lq, D] and the indexing maps read K/V
        [B, Hkv, Lk, D] for every one of the G heads (no copy). Causal with
        Lq > 1: an additive 0/-inf Lq x Lk mask (bottom-right) built by a
        linalg.generic, the way IREE's torch input lowers SDPA's masks."""
        e = case.dtype
        B, Hq, Hkv, Lq, Lk, D, Dv = case.B, case.H, case.Hkv, case.Lq, case.Lk, case.D, case.Dv
        G = Hq // Hkv
        tq = f"tensor<{B}x{Hq}x{Lq}x{D}x{e}>"
        tk = f"tensor<{B}x{Hkv}x{Lk}x{D}x{e}>"
        tv = f"tensor<{B}x{Hkv}x{Lk}x{Dv}x{e}>"
        to = f"tensor<{B}x{Hq}x{Lq}x{Dv}x{e}>"
        if not (case.pattern.is_dense() or case.is_causal()):
            raise RuntimeError("only dense and causal patterns are wired up for IREE")
        masked = case.is_causal() and Lq > 1
        # Iteration dimensions: batch dims, M dims, then N, K1, K2.
        if G == 1:
            dims = ["b", "h", "m", "n", "k1", "k2"]
            qd, od = ["b", "h", "m", "k1"], ["b", "h", "m", "n"]
            tqa, toa = tq, to
        else:
            dims = ["b", "h", "g", "m", "n", "k1", "k2"]
            qd, od = ["b", "h", "g", "m", "k1"], ["b", "h", "g", "m", "n"]
            tqa = f"tensor<{B}x{Hkv}x{G}x{Lq}x{D}x{e}>"
            toa = f"tensor<{B}x{Hkv}x{G}x{Lq}x{Dv}x{e}>"
        dn = {d: f"d{i}" for i, d in enumerate(dims)}
        dom = "(" + ", ".join(dn[d] for d in dims) + ")"

        def amap(res):
            return f"affine_map<{dom} -> ({', '.join(dn[d] for d in res)})>"
        maps = [amap(qd), amap(["b", "h", "k2", "k1"]), amap(["b", "h", "k2", "n"]), amap([])]
        ins, tys = ["%qa", "%k", "%v", "%scale"], [tqa, tk, tv, e]
        ninf = "0xFF80" if e == "bf16" else "0xFF800000"
        lines = [f"// {case.name} for IREE (bench/cpu_attention.py)",
                 f"func.func @main(%q: {tq}, %k: {tk}, %v: {tv}) -> {to} {{",
                 f"  %scale = arith.constant {float(D) ** -0.5!r} : {e}"]
        if G == 1:
            ins[0] = "%q"
        else:
            lines.append(f"  %qa = tensor.expand_shape %q [[0], [1, 2], [3], [4]] "
                         f"output_shape [{B}, {Hkv}, {G}, {Lq}, {D}] : {tq} into {tqa}")
        if masked:
            tm = f"tensor<{Lq}x{Lk}x{e}>"
            lines += [
                f"  %zero = arith.constant 0.0 : {e}",
                f"  %ninf = arith.constant {ninf} : {e}",
                f"  %off = arith.constant {Lk - Lq} : index",
                f"  %me = tensor.empty() : {tm}",
                f"  %mask = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>], "
                f"iterator_types = [\"parallel\", \"parallel\"]}} outs(%me : {tm}) {{",
                f"  ^bb0(%out: {e}):",
                "    %i = linalg.index 0 : index",
                "    %j = linalg.index 1 : index",
                "    %ip = arith.addi %i, %off : index",
                "    %vis = arith.cmpi ule, %j, %ip : index",
                f"    %val = arith.select %vis, %zero, %ninf : {e}",
                f"    linalg.yield %val : {e}",
                f"  }} -> {tm}"]
            maps.append(amap(["m", "k2"]))
            ins.append("%mask")
            tys.append(tm)
        maps.append(amap(od))
        lines += [
            f"  %init = tensor.empty() : {toa}",
            f"  %r = iree_linalg_ext.attention <indexing_maps = [{', '.join(maps)}]>",
            f"      ins({', '.join(ins)} : {', '.join(tys)}) outs(%init : {toa}) {{",
            "    ^bb0(%s: f32):",
            "      iree_linalg_ext.yield %s : f32",
            f"  }} -> {toa}"]
        if G == 1:
            lines.append(f"  return %r : {to}")
        else:
            lines += [f"  %o = tensor.collapse_shape %r [[0], [1, 2], [3], [4]] "
                      f": {toa} into {to}",
                      f"  return %o : {to}"]
        lines += ["}", ""]
        return "\n".join(lines)

    def _iree(self, case, q, k, v, mask):
        import numpy as np
        torch = self.torch
        # IREE's op computes every (query, key) pair; masked ones too.
        computed = 2 * (case.D + case.Dv) * case.B * case.Hq * case.Lq * case.Lk / 1e9
        if self.iree_max_gflop and computed > self.iree_max_gflop:
            raise RuntimeError(f"not run: it would compute {computed:.0f} GFLOP a call, "
                               f"over --iree-max-gflop={self.iree_max_gflop:g}")
        flags = ["--iree-llvmcpu-target-cpu=host"] + self.iree_flags
        note = ("iree_linalg_ext.attention compiled by iree.compiler.compile_str("
                f"target_backends=['llvm-cpu'], {' '.join(flags)}), run by iree.runtime "
                f"on local-task with --task_topology_max_group_count={self.threads}")
        if case.H != case.Hkv:
            note += ", GQA through the indexing maps (Q as [B,Hkv,G,Lq,D])"
        if case.is_causal() and case.Lq > 1:
            note += ", causal as an additive bottom-right Lq x Lk mask from a linalg.generic"
        self.last_note = note
        import iree.compiler as ic
        import iree.runtime as ireert
        text = self.iree_mlir(case)
        t0 = time.perf_counter()
        try:
            vmfb = ic.compile_str(text, target_backends=["llvm-cpu"], extra_args=flags)
        except Exception as e:  # noqa: BLE001 -- the compiler's diagnostics
            msg = str(e)
            # The first diagnostic, not the invocation line.
            diag = [ln.strip() for ln in msg.splitlines() if "error:" in ln]
            raise RuntimeError(diag[0] if diag else first_line(msg)) from None
        if self._iree_config is None:
            ireert.flags.parse_flags(f"--task_topology_max_group_count={self.threads}")
            self._iree_config = ireert.Config("local-task")
        cfg = self._iree_config
        ctx = ireert.SystemContext(config=cfg)
        ctx.add_vm_module(ireert.VmModule.copy_buffer(ctx.instance, vmfb))
        main = ctx.modules.module["main"]
        self.last_setup_s = time.perf_counter() - t0
        if case.dtype == "bf16":
            import ml_dtypes

            def host(t):
                return t.contiguous().view(torch.int16).numpy().view(ml_dtypes.bfloat16)
        else:
            def host(t):
                return t.contiguous().numpy()
        # Device-resident inputs (host memory on local-task), uploaded once.
        inputs = [ireert.asdevicearray(cfg.device, host(t)) for t in (q, k, v)]

        def fn():
            return main(*inputs)

        def to_bhld(res):
            return torch.from_numpy(np.asarray(res.to_host()).astype(np.float32))
        return fn, to_bhld, note + ", timed call: main(*device_arrays)"

    def _flex(self, case, q, k, v, mask):
        torch = self.torch
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention
        if self._flex_fn is None:
            self._flex_fn = torch.compile(flex_attention, dynamic=False)
        pat, lq, lk = case.pattern, case.Lq, case.Lk

        def mask_mod(b, h, q_idx, kv_idx):
            return pat.visible(torch, q_idx, kv_idx, lq, lk)

        note = self.last_note = ("torch.compile(flex_attention, dynamic=False), "
                                 "block mask from create_block_mask(mask_mod)")
        kw = {}
        if case.Hkv != case.H:
            kw["enable_gqa"] = True
            note += ", enable_gqa=True"
        t0 = time.perf_counter()
        block_mask = create_block_mask(mask_mod, None, None, lq, lk, device="cpu")
        self.last_setup_s = time.perf_counter() - t0
        flex = self._flex_fn
        return (lambda: flex(q, k, v, block_mask=block_mask, **kw)), None, note

    def _natten_inputs(self, case, q, k, v):
        if self.natten is None:
            raise RuntimeError(self.natten_error)
        if not isinstance(case.pattern, Neighborhood):
            raise RuntimeError("NATTEN runs neighborhood patterns only")
        return self.natten

    @staticmethod
    def _natten_new(natten):
        # NATTEN >= 0.20 dropped libnatten's CPU kernels and the unfused ops
        # (na2d_qk/na2d_av); natten.na2d takes the heads-last layout.
        return not hasattr(natten.functional, "na2d_qk")

    def _natten(self, case, q, k, v, mask, fused=False):
        natten = self._natten_inputs(case, q, k, v)
        pat = case.pattern
        B, H, L, D = q.shape
        shp = pat.shape
        if len(shp) != 2:
            raise RuntimeError("only 2-D neighborhoods are wired up")
        if self._natten_new(natten):
            # [B, H, L, D] -> [B, X, Y, H, D] (NATTEN >= 0.20 takes heads last).
            def hl(t):
                return t.permute(0, 2, 1, 3).reshape(B, shp[0], shp[1], H, D).contiguous()
            qh, kh, vh = hl(q), hl(k), hl(v)
            kw = dict(kernel_size=tuple(pat.kernel), stride=tuple(pat.stride),
                      dilation=tuple(pat.dilation), is_causal=tuple(pat.causal))
            if fused:
                # The fused path on CPU is FlexAttention compiled by torch.compile.
                note = self.last_note = ("natten.na2d(backend='flex-fna', torch_compile=True) "
                                         "after natten.allow_flex_compile()")
                natten.allow_flex_compile()
                from natten.backends.configs.checks import can_run_flex_attention
                can_run_flex_attention(qh, kh, vh, torch_compile=True, raise_error=True)
                kw.update(backend="flex-fna", torch_compile=True)
            else:
                from natten.backends import choose_backend
                backend = choose_backend(qh, kh, vh, torch_compile=False)
                kw.update(backend=backend)
                note = f"natten.na2d(backend='{backend}')"
                if backend.startswith("flex"):
                    note += " eager (unfused: materializes the full score matrix)"

            def fn():
                return natten.na2d(qh, kh, vh, **kw)

            def to_bhld(o):
                return o.reshape(B, L, H, D).permute(0, 2, 1, 3)
            return fn, to_bhld, note
        # NATTEN <= 0.17: libnatten kernels, layout [B, H, X, Y, D].
        nf = natten.functional
        if any(t != 1 for t in pat.stride):
            raise RuntimeError("this NATTEN version has no stride")
        q5, k5, v5 = (t.reshape(B, H, shp[0], shp[1], D) for t in (q, k, v))
        ks, dil, cz = tuple(pat.kernel), tuple(pat.dilation), tuple(pat.causal)
        scale = D ** -0.5
        torch = self.torch
        if fused:
            # The fused kernel (natten.functional.na2d, [B, X, Y, H, D]).
            qf, kf, vf = (t.permute(0, 2, 3, 1, 4).contiguous() for t in (q5, k5, v5))
            self.last_note = "natten.functional.na2d (fused)"

            def fn():
                return nf.na2d(qf, kf, vf, kernel_size=ks, dilation=dil, is_causal=cz,
                               scale=scale)

            def to_bhld(o):
                return o.permute(0, 3, 1, 2, 4).reshape(B, H, L, D)
            return fn, to_bhld, "natten.functional.na2d (fused)"

        def fn():
            a = nf.na2d_qk(q5 * scale, k5, kernel_size=ks, dilation=dil, is_causal=cz)
            a = torch.softmax(a, dim=-1)
            return nf.na2d_av(a, v5, kernel_size=ks, dilation=dil, is_causal=cz)

        def to_bhld(o):
            return o.reshape(B, H, L, D)
        return fn, to_bhld, "natten.functional.na2d_qk + softmax + na2d_av (unfused)"

    def _natten_fused(self, case, q, k, v, mask):
        return self._natten(case, q, k, v, mask, fused=True)


def run_alt_peer(args, key, case, inputs, tmp):
    """Runs NATTEN peer `key` ('natten' or 'natten-fused') with the NATTEN
    install at --natten-alt-path, in a worker process (one Python process can
    import only one natten). Returns the worker's result dict."""
    out = os.path.join(tmp, f"{case.name}.{key}-alt.npy")
    spec = {"case": case.name, "quick": args.quick, "peer": key, "inputs": inputs,
            "warmup": args.warmup, "repeat": args.repeat, "threads": args.threads,
            "out": out}
    cmd = [sys.executable, os.path.abspath(__file__), "--natten-path",
           args.natten_alt_path, "--peer-worker", json.dumps(spec)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"status": "error",
                "error": first_line(p.stderr) or f"peer worker exited with {p.returncode}"}


def peer_worker(spec_json):
    """--peer-worker: time one peer on saved inputs, print a JSON result."""
    spec = json.loads(spec_json)
    res = {}
    peers = None
    try:
        import numpy as np
        import torch
        torch.set_num_threads(spec["threads"])
        case = {c.name: c for c in make_cases(spec["quick"])}[spec["case"]]
        q, k, v = (torch.from_numpy(np.load(p)) for p in spec["inputs"])
        peers = Peers(torch)
        res["versions"] = peers.versions
        fn, to_bhld, res["note"] = peers.build(spec["peer"], case, q, k, v, None)
        out, first, times = time_peer(torch, fn, spec["warmup"], spec["repeat"])
        out = to_bhld(out) if to_bhld else out
        np.save(spec["out"], out.contiguous().numpy())
        res.update(status="ok", times_ms=times, first_call_s=first, output_npy=spec["out"])
    except Exception as e:  # noqa: BLE001 -- reported to the parent
        res.update(status="error", error=err_text(e))
        if "note" not in res and peers is not None and peers.last_note:
            res["note"] = peers.last_note
    print(json.dumps(res))
    return 0


def time_peer(torch, fn, warmup, repeat):
    """At least one untimed call (it holds any compile time), then `repeat`
    timed calls; returns (first output, first-call seconds, times in ms)."""
    with torch.inference_mode():
        t0 = time.perf_counter()
        out = fn()
        first = time.perf_counter() - t0
        for _ in range(max(warmup, 1) - 1):
            fn()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
    return out, first, times


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

def fmt_ms(x):
    if x is None:
        return "-"
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def fmt_x(x):
    return "-" if x is None else f"{x:.2f}x"


def peer_cell(p):
    if p is None:
        return "-", "-"
    if p["status"] != "ok":
        return f"n/a: {p['error']}".replace("|", "\\|"), "-"
    return fmt_ms(p["median_ms"]), fmt_x(p.get("speedup"))


def case_atol(c):
    return (c.get("verify") or {}).get("atol", VERIFY_ATOL)


def peak_lines(peak):
    """The measured peaks, one string each, for the report header."""
    if peak.get("status") != "ok":
        return [f"FP32 FMA peak: n/a: {peak.get('error')}"]
    out = [f"FP32 FMA: {peak['gflops']:.1f} GFLOP/s ({peak['threads']} threads, "
           f"{peak['vector_bits']}-bit FMA)"]
    for key, name in (("bf16_dp", "bf16 dot product (vdpbf16ps, 4 FLOPs a lane)"),
                      ("amx_bf16", "AMX bf16 (tdpbf16ps)")):
        p = peak.get(key)
        if p is None:
            continue
        if p.get("status") == "ok":
            out.append(f"{name}: {p['gflops']:.1f} GFLOP/s")
        else:
            out.append(f"{name}: {p.get('status')} ({p.get('reason')})")
    return out


def markdown(report):
    meta, peak = report["meta"], report["fma_peak"]
    lines = []
    lines.append(f"# attn-mlir CPU attention benchmark ({meta['date']})")
    lines.append("")
    lines.append(f"- machine: {meta['cpu']}, {meta['threads']} threads used, "
                 f"load average before {meta['loadavg_before']}")
    isa = meta.get("isa")
    if isa:
        lines.append("- host ISA (/proc/cpuinfo): " + (", ".join(isa["flags"]) or "none of")
                     + ("; absent: " + ", ".join(isa["absent"]) if isa.get("absent") else "")
                     + f"; native bf16: {'yes' if isa.get('native_bf16') else 'no'}")
    pl = peak_lines(peak)
    if len(pl) == 1 and pl[0].startswith("FP32 FMA:"):
        lines.append(f"- measured FP32 FMA peak: {pl[0][len('FP32 FMA: '):]}")
    else:
        lines.append("- measured peaks: " + "; ".join(pl))
    popt = meta.get("pipeline_options")
    lines.append(f"- ours: `attn-run --pipeline={meta['pipeline']}"
                 + (f" --pipeline-options='{popt}'" if popt else "") + "` "
                 f"(warmup {meta['warmup']}, median of {meta['repeat']})"
                 + (" -- the reference pipeline is the numerical oracle, "
                    "not the fused kernel" if meta["pipeline"] == "reference" else ""))
    lines.append("- versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()
                                            if v))
    if meta.get("iree_flags"):
        lines.append(f"- IREE flags: `{meta['iree_flags']}`")
    lines.append(f"- command: `{meta['command']}`")
    lines.append("")
    peers = [p for p in PEER_ORDER if any(p in c["peers"] for c in report["cases"])]
    head = ["case", "dtype", "V/(Lq*Lk)", "ours ms", "ours GFLOP/s", "% peak"]
    for p in peers:
        head += [f"{label(report, p)} ms", f"x {label(report, p)}"]
    head += ["ideal ratio", "achieved/ideal"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join("---" for _ in head) + "|")
    for c in report["cases"]:
        o = c["ours"]
        dt = c.get("dtype", "f32")
        if o["status"] == "ok":
            row = [c["name"], dt, f"{c['density']:.4f}", fmt_ms(o["median_ms"]),
                   f"{o['gflops']:.2f}",
                   "-" if o.get("pct_peak") is None else f"{o['pct_peak']:.1f}%"]
        else:
            row = [c["name"], dt, f"{c['density']:.4f}",
                   f"n/a: {o['error']}".replace("|", "\\|"), "-", "-"]
        for p in peers:
            row += list(peer_cell(c["peers"].get(p)))
        ideal = c.get("ideal")
        if ideal:
            row += [f"{ideal['ratio']:.2f}x",
                    "-" if ideal.get("achieved_fraction") is None
                    else f"{ideal['achieved_fraction']:.2f}"]
        else:
            row += ["-", "-"]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    bp = bf16_peak(peak)
    lines.append("x PEER = PEER ms / ours ms (above 1: ours is faster). "
                 "% peak: of the FP32 FMA peak for f32 cases, of the best bf16 peak for bf16 "
                 "cases (" + (f"{bp[0]}, {bp[1]:.1f} GFLOP/s" if bp else
                              "none measured here: the FP32 FMA peak") + "). "
                 "ideal ratio = L*L/V; achieved/ideal = (ours dense ms / ours ms) / (L*L/V), "
                 "with our dense kernel at the same B, H, L, D.")
    lines.append("")
    lines.append("## Targets")
    lines.append("")
    lines.append("```")
    for t in report["targets"]:
        lines.append(f"{t['verdict']}: {t['what']}: {t['detail']}")
    lines.append("```")
    base = report.get("baseline")
    if base:
        lines.append("")
        lines.append(f"## Against the baseline ({base['file']})")
        lines.append("")
        for n in base.get("notes", []):
            lines.append(f"- {n}")
        if base.get("notes"):
            lines.append("")
        lines.append("| case | before ms | now ms | now / before | |")
        lines.append("|---|---|---|---|---|")
        for r in base["cases"]:
            lines.append(f"| {r['name']} | {fmt_ms(r.get('before_ms'))} | "
                         f"{fmt_ms(r.get('now_ms'))} | "
                         + ("-" if r.get("ratio") is None else f"{r['ratio']:.2f}")
                         + f" | {r['verdict']} |")
        lines.append("")
        lines.append(f"slower: now > {1 + base['noise']:.2f} x before ({base['noise']:.0%} "
                     "allowed for run-to-run noise).")
    lines.append("")
    lines.append("## Numerical agreement (max abs error against PyTorch SDPA in f32, same inputs)")
    lines.append("")
    lines.append(f"f32 cases: against the SDPA peer's output, tolerance {VERIFY_ATOL:g}; "
                 "bf16 cases: against SDPA computed in f32 from the same bf16-rounded inputs, "
                 f"tolerance {VERIFY_ATOL_BF16:g}.")
    lines.append("")
    for c in report["cases"]:
        parts = []
        atol = case_atol(c)
        for who, r in [("ours", c["ours"])] + [(p, c["peers"][p]) for p in PEER_ORDER
                                               if p in c["peers"]]:
            if who == "sdpa" and c.get("dtype", "f32") == "f32":
                continue
            e = r.get("max_abs_err_vs_sdpa")
            if e is not None:
                parts.append(f"{who} {e:.2e}" + ("" if e <= atol else " (FAIL)"))
        lines.append(f"- {c['name']}: " + (", ".join(parts) if parts else "nothing to compare"))
    lines.append("")
    lines.append("## Cases")
    lines.append("")
    for c in report["cases"]:
        lines.append(f"- {c['name']}: {c['describe']}, V = {c['visible_pairs']}, "
                     f"useful GFLOP = {c['useful_flops'] / 1e9:.3f}")
    notes = sorted({f"{label(report, k)}: {p['note']}" for c in report["cases"]
                    for k, p in c["peers"].items() if p.get("note")})
    if notes:
        lines.append("")
        lines.append("## Peer notes")
        lines.append("")
        lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def evaluate_targets(report, quick):
    out = []

    def add(ok, what, detail):
        verdict = ok if isinstance(ok, str) else ("PASS" if ok else "MISS")
        out.append({"verdict": verdict, "what": what, "detail": detail})

    tag = " [quick sizes: indicative only]" if quick else ""
    peak = report["fma_peak"]
    isa = report["meta"].get("isa") or {}
    native_bf16 = isa.get("native_bf16")

    def vs_sdpa(c, factor, what):
        o, s = c["ours"], c["peers"].get("sdpa", {})
        if o["status"] != "ok":
            add(False, what, f"ours n/a: {o['error']}")
        elif s.get("status") != "ok":
            add(False, what, f"SDPA n/a: {s.get('error')}")
        else:
            add(s["speedup"] >= factor, what,
                f"{s['speedup']:.2f}x ({fmt_ms(o['median_ms'])} ms vs "
                f"{fmt_ms(s['median_ms'])} ms)")

    for c in report["cases"]:
        o = c["ours"]
        ours_ok = o["status"] == "ok"
        dtype = c.get("dtype", "f32")
        lq, lk = c.get("Lq", c["L"]), c.get("Lk", c["L"])
        # Dense and causal prefill (GQA included): Lq == Lk, L >= 4096.
        prefill = (c["group"] in ("dense", "gqa") and c["target"] and lq == lk
                   and (quick or lk >= 4096))
        if prefill and dtype == "f32":
            vs_sdpa(c, 1.2, f"{c['name']} >= 1.2x PyTorch SDPA{tag}")
            what = f"{c['name']} >= 70% of FP32 FMA peak{tag}"
            if not ours_ok:
                add(False, what, f"ours n/a: {o['error']}")
            elif o.get("pct_peak") is not None:
                add(o["pct_peak"] >= 70.0, what,
                    f"{o['pct_peak']:.1f}% ({o['gflops']:.1f} of {peak['gflops']:.1f} GFLOP/s)")
            else:
                add(False, what, "peak n/a")
        elif prefill and dtype == "bf16":
            what = f"{c['name']} >= 1.2x PyTorch SDPA (bf16, native bf16 hosts){tag}"
            if native_bf16:
                vs_sdpa(c, 1.2, what)
            else:
                add("SKIP", what, "the host has no native bf16 (avx512_bf16 or amx_bf16)"
                    if native_bf16 is not None else "host ISA unknown")
        if c["group"] in ("decode", "chunk"):
            vs_sdpa(c, 1.2, f"{c['name']} >= 1.2x PyTorch SDPA{tag}")
        if c["group"] in ("window", "nbhd2d"):
            what = f"{c['name']} speedup over our dense >= 70% of the FLOP-ratio ideal{tag}"
            ideal = c.get("ideal") or {}
            if ideal.get("achieved_fraction") is None:
                add(False, what, ideal.get("error") or f"ours n/a: {o.get('error')}")
            else:
                add(ideal["achieved_fraction"] >= 0.7, what,
                    f"{ideal['achieved_fraction']:.2f} of ideal (dense {fmt_ms(ideal['dense_ms'])} ms"
                    f" / ours {fmt_ms(o['median_ms'])} ms = {ideal['speedup_over_dense']:.2f}x, "
                    f"ideal {ideal['ratio']:.2f}x)")
        if c["group"] == "nbhd2d":
            s = c["peers"].get("sdpa", {})
            what = f"{c['name']} >= 5x PyTorch SDPA-with-mask{tag}"
            if not ours_ok:
                add(False, what, f"ours n/a: {o['error']}")
            elif s.get("status") != "ok":
                add(False, what, f"SDPA n/a: {s.get('error')}")
            else:
                add(s["speedup"] >= 5.0, what, f"{s['speedup']:.2f}x")
            ran = {k: p for k, p in c["peers"].items() if p["status"] == "ok"}
            what = f"{c['name']} ahead of every peer that runs{tag}"
            if not ours_ok:
                add(False, what, f"ours n/a: {o['error']}")
            elif not ran:
                add(True, what, "no peer ran")
            else:
                add(all(p["speedup"] > 1.0 for p in ran.values()), what,
                    ", ".join(f"{label(report, k)} {p['speedup']:.2f}x" for k, p in ran.items()))
    return out


def compare_baseline(report, baseline, path):
    """Ours now against ours in an earlier --out JSON, case by case (by name)."""
    bm, m = baseline.get("meta", {}), report["meta"]
    notes = []
    for key in ("pipeline", "pipeline_options", "threads", "quick"):
        if bm.get(key) != m.get(key):
            notes.append(f"{key} differs: before {bm.get(key)!r}, now {m.get(key)!r}")
    if bm.get("cpu") != m.get("cpu"):
        notes.append(f"cpu differs: before {bm.get('cpu')!r}, now {m.get('cpu')!r}")
    before = {c["name"]: c for c in baseline.get("cases", [])}
    rows = []
    for c in report["cases"]:
        b = before.get(c["name"])
        o = c["ours"]
        r = {"name": c["name"], "now_ms": o.get("median_ms") if o["status"] == "ok" else None}
        if b is None:
            r["verdict"] = "not in the baseline"
        elif b["ours"].get("status") != "ok":
            r["verdict"] = f"ours n/a before: {b['ours'].get('error')}"
        else:
            r["before_ms"] = b["ours"]["median_ms"]
            if o["status"] != "ok":
                r["verdict"] = f"SLOWER (ours n/a now: {o['error']})"
                r["slower"] = True
            else:
                r["ratio"] = o["median_ms"] / r["before_ms"]
                r["slower"] = r["ratio"] > 1 + BASELINE_NOISE
                r["verdict"] = ("SLOWER" if r["slower"] else
                                "faster" if r["ratio"] < 1 - BASELINE_NOISE else "same")
        rows.append(r)
    return {"file": path, "noise": BASELINE_NOISE, "notes": notes, "cases": rows,
            "before_date": bm.get("date")}


def baseline_target(base):
    compared = [r for r in base["cases"] if "before_ms" in r]
    slower = [r for r in compared if r.get("slower")]
    what = (f"no case slower than before ({base['file']}; now <= "
            f"{1 + base['noise']:.2f} x before, {base['noise']:.0%} allowed for noise)")
    if not compared:
        return {"verdict": "SKIP", "what": what, "detail": "no case in common with the baseline"}
    detail = (f"{len(compared)} case{'s' if len(compared) != 1 else ''} compared; " + (
        "slower: " + ", ".join(f"{r['name']} " + (f"{r['ratio']:.2f}x" if "ratio" in r
                                                  else "n/a") for r in slower)
        if slower else "none slower"))
    return {"verdict": "MISS" if slower else "PASS", "what": what, "detail": detail}


def plot(report, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
    except ImportError as e:
        log(f"plot skipped: matplotlib is missing ({err_text(e)})")
        return False
    cases = report["cases"]
    series = [(p, label(report, p)) for p in PEER_ORDER
              if any(p in c["peers"] for c in cases)]
    series.append(("dense", "our own dense kernel (sparse cases)"))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(cases) + 3), 5))
    width = 0.8 / len(series)

    def present(c, key):
        return c.get("ideal") is not None if key == "dense" else key in c["peers"]

    def xpos(ci, c, key):
        # Centre the bars of each case on its tick, over the series it has.
        keys = [k for k, _ in series if present(c, k)]
        return ci + (keys.index(key) - (len(keys) - 1) / 2) * width
    handles = []
    ideal_line = None
    for si, (key, name) in enumerate(series):
        color = colors[si % len(colors)]
        xs, ys = [], []
        for ci, c in enumerate(cases):
            if not present(c, key):
                continue
            x = xpos(ci, c, key)
            if key == "dense":
                ideal = c["ideal"]
                v = ideal.get("speedup_over_dense")
                ideal_line, = ax.plot([x - width / 2, x + width / 2], [ideal["ratio"]] * 2,
                                      color="black", linewidth=2)
            else:
                p = c["peers"][key]
                v = p.get("speedup") if p["status"] == "ok" else None
            if v is None:
                # n/a: the peer (or ours) did not run.
                ax.text(x, 0.02, "n/a", rotation=90, ha="center", va="bottom", fontsize=7,
                        color=color, transform=ax.get_xaxis_transform())
            else:
                xs.append(x)
                ys.append(v)
        ax.bar(xs, ys, width, color=color)
        handles.append(Patch(color=color, label=name))
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels([c["name"] for c in cases], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("speedup of ours (other ms / ours ms)")
    meta = report["meta"]
    ax.set_title(f"attn-run --pipeline={meta['pipeline']}, {meta['threads']} threads, "
                 f"{meta['cpu']}", fontsize=9)
    if ideal_line is not None:
        ideal_line.set_label("FLOP-ratio ideal L*L/V (over our dense)")
        handles.append(ideal_line)
    ax.legend(handles=handles, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] + " See bench/README.md.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--attn-run", default=os.path.join(REPO, "build", "bin", "attn-run"),
                    help="attn-run binary")
    ap.add_argument("--attn-opt", default=os.path.join(REPO, "build", "bin", "attn-opt"),
                    help="attn-opt binary, used to check that each generated file parses "
                         "('' to skip)")
    ap.add_argument("--pipeline", default="cpu",
                    help="attn-run pipeline for ours ('reference' is the slow oracle)")
    ap.add_argument("--pipeline-options", default="",
                    help="passed to attn-run as --pipeline-options=..., e.g. "
                         "'tile-q=64 tile-k=64 vector-width=16' (see attn-run --help)")
    ap.add_argument("--cases", default="*",
                    help="comma-separated case names or globs (see --list)")
    ap.add_argument("--peers", default=",".join(PEER_ORDER),
                    help="comma-separated peers to run: " + ", ".join(PEER_ORDER))
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, for smoke tests")
    ap.add_argument("--warmup", type=int, default=1, help="untimed calls per measurement")
    ap.add_argument("--repeat", type=int, default=5, help="timed calls (median reported)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="threads for ours (OMP_NUM_THREADS), the peers "
                         "(torch.set_num_threads) and the FMA peak loop")
    ap.add_argument("--natten-path", metavar="DIR",
                    help="put DIR first on sys.path before importing natten (e.g. a "
                         "NATTEN 0.17.5 CPU build from bench/build_natten_cpu.sh)")
    ap.add_argument("--natten-alt-path", metavar="DIR",
                    help="also run the NATTEN peers with the natten installed in DIR, in a "
                         "worker process, as peers natten-alt and natten-alt-fused")
    ap.add_argument("--peer-worker", metavar="JSON", help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    ap.add_argument("--no-verify", action="store_true",
                    help="skip the numerical checks (no --input/--output-dir for attn-run)")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"),
                    help="C compiler for bench/fma_peak.c")
    ap.add_argument("--peak-seconds", type=float, default=0.3,
                    help="seconds per peak trial (best of 5 trials; FP32 FMA, then bf16 "
                         "vdpbf16ps and AMX where the compiler and CPU have them)")
    date = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    ap.add_argument("--out", default=os.path.join(HERE, "results", f"cpu-{date}.json"),
                    help="JSON results")
    ap.add_argument("--markdown", default="auto",
                    help="Markdown table; auto: --out with .md")
    ap.add_argument("--plot", default="auto",
                    help="speedup bar chart PNG (needs matplotlib); auto: --out with .png; "
                         "'' skips it")
    ap.add_argument("--from-json", metavar="FILE",
                    help="run nothing: print the table and redraw the plot of an earlier "
                         "--out file (with --markdown/--plot naming the outputs)")
    ap.add_argument("--baseline", metavar="FILE",
                    help="an earlier --out JSON: report our times now against its, case by "
                         f"case, and the target 'no case slower than before' (more than "
                         f"{BASELINE_NOISE:.0%} slower counts); works with --from-json too")
    ap.add_argument("--iree-flags", default="",
                    help="extra iree-compile flags for the IREE peer (after "
                         "--iree-llvmcpu-target-cpu=host), e.g. '--iree-opt-level=O3'")
    ap.add_argument("--iree-max-gflop", type=float, default=60.0,
                    help="skip the IREE peer (reported as n/a with the reason) on cases "
                         "where it would compute more than this many GFLOP a call: it "
                         "computes every score of masked cases, and ran at 3 to 8 GFLOP/s "
                         "on the development machine (bench/README.md); 0 = no limit")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    args = ap.parse_args(argv)
    base = os.path.splitext(args.from_json or args.out)[0]
    if args.markdown == "auto":
        args.markdown = base + ".md"
    if args.plot == "auto":
        args.plot = base + ".png"
    if args.threads < 1 or args.repeat < 1 or args.warmup < 0:
        ap.error("--threads and --repeat must be >= 1, --warmup >= 0")
    return args


def select(cases, patterns):
    pats = [p.strip() for p in patterns.split(",") if p.strip()]
    picked = [c for c in cases if any(fnmatch.fnmatchcase(c.name, p) for p in pats)]
    unknown = [p for p in pats if not any(fnmatch.fnmatchcase(c.name, p) for c in cases)]
    return picked, unknown


def load_baseline(path):
    with open(path) as f:
        return json.load(f)


def main(argv=None):
    args = parse_args(argv)
    if args.peer_worker:
        warnings.filterwarnings("ignore")
        if args.natten_path:
            sys.path.insert(0, os.path.abspath(args.natten_path))
        return peer_worker(args.peer_worker)
    all_cases = make_cases(args.quick)
    if args.list:
        for c in all_cases:
            print(f"{c.name:38s} {c.describe()}; peers: {', '.join(c.peers)}")
        return 0
    if args.from_json:
        with open(args.from_json) as f:
            report = json.load(f)
        if args.baseline:
            base = compare_baseline(report, load_baseline(args.baseline), args.baseline)
            report["baseline"] = base
            report["targets"] = [t for t in report.get("targets", [])
                                 if not t["what"].startswith("no case slower than before")]
            report["targets"].append(baseline_target(base))
        md = markdown(report)
        print(md)
        if args.markdown:
            with open(args.markdown, "w") as f:
                f.write(md)
        if args.plot and plot(report, args.plot):
            log(f"wrote {args.plot}")
        return 1 if report.get("verification_failures") else 0
    cases, unknown = select(all_cases, args.cases)
    if unknown:
        log(f"error: no case matches {', '.join(unknown)} (see --list"
            + ("" if args.quick else "; --quick has other sizes") + ")")
        return 2
    want_peers = {p.strip() for p in args.peers.split(",") if p.strip()}
    bad = want_peers - set(PEER_ORDER)
    if bad:
        log(f"error: unknown peer(s) {', '.join(sorted(bad))}")
        return 2
    baseline = None
    if args.baseline:
        try:
            baseline = load_baseline(args.baseline)
        except (OSError, ValueError) as e:
            log(f"error: cannot read --baseline {args.baseline}: {err_text(e)}")
            return 2

    warnings.filterwarnings("ignore")   # torch/natten deprecation chatter
    if args.natten_path:
        sys.path.insert(0, os.path.abspath(args.natten_path))
    try:
        import numpy as np
        import torch
    except ImportError as e:
        log(f"error: the peers need torch and numpy (bench/requirements.txt): {err_text(e)}")
        return 2
    torch.set_num_threads(args.threads)
    peers = Peers(torch, args.threads, args.iree_flags, args.iree_max_gflop)

    cmdline = shlex.join(["bench/cpu_attention.py"] + (sys.argv[1:] if argv is None else argv))
    meta = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "host": platform.node(), "cpu": cpu_model(), "cpus": os.cpu_count(),
        "isa": host_isa(),
        "threads": args.threads, "pipeline": args.pipeline,
        "pipeline_options": args.pipeline_options, "attn_run": args.attn_run,
        "warmup": args.warmup, "repeat": args.repeat, "quick": args.quick,
        "seed": args.seed, "command": cmdline, "python": platform.python_version(),
        "versions": peers.versions, "iree_flags": " ".join(
            ["--iree-llvmcpu-target-cpu=host"] + peers.iree_flags),
        "loadavg_before": loadavg(),
    }
    isa = meta["isa"]
    log(f"host ISA: {', '.join(isa['flags'])}"
        + (f" (absent: {', '.join(isa['absent'])})" if isa.get("absent") else ""))
    log(f"measuring peaks on {args.threads} threads ...")
    peak = measure_fma_peak(args.threads, args.cc, args.peak_seconds, 5)
    for line in peak_lines(peak):
        log(f"  {line}")

    nv = peers.versions.get("natten")
    labels = dict(PEER_LABELS)
    if nv:
        labels.update({"natten": f"NATTEN {nv}", "natten-fused": f"NATTEN {nv} fused"})
    ovv = peers.versions.get("openvino")
    if ovv:
        labels["openvino"] = f"OpenVINO {ovv.split('-')[0]} SDPA"
    irv = peers.versions.get("iree-base-compiler")
    if irv:
        labels["iree"] = f"IREE {irv} attention"
    report = {"meta": meta, "fma_peak": peak, "cases": [], "aux_dense": [],
              "peer_labels": labels}
    dense_ours = {}      # Case.dense_key -> our dense result, for the ideal ratios
    failures = []
    gen = torch.Generator().manual_seed(args.seed)

    with tempfile.TemporaryDirectory(prefix="attn-bench-") as tmp:
        def ours_dense(case):
            key = case.dense_key
            if key not in dense_ours:
                aux = Case(f"dense-aux-B{case.B}-H{case.H}-L{case.L}-D{case.D}", "aux",
                           case.H, case.L, case.D, Dense(), [], B=case.B, target=False)
                log(f"[{aux.name}] our dense kernel for the FLOP-ratio ideal")
                r = run_ours(aux, args, tmp, None)
                report["aux_dense"].append({"name": aux.name, **r})
                dense_ours[key] = r
            return dense_ours[key]

        for case in cases:
            log(f"[{case.name}] {case.describe()}")
            B, H, Hkv, Lq, Lk, D, Dv = (case.B, case.H, case.Hkv, case.Lq, case.Lk, case.D,
                                        case.Dv)
            L = case.L
            bf16 = case.dtype == "bf16"
            # Inputs: uniform in [-1, 1), shared by ours and every peer; bf16
            # cases round them to bf16 first (round to nearest even), and give
            # attn-run the rounded values as float32 .npy (which it rounds to
            # bf16 again, exactly), the torch peers the bf16 tensors.
            q, k, v = ((torch.rand(*shape, generator=gen) * 2 - 1) for shape in
                       ((B, H, Lq, D), (B, Hkv, Lk, D), (B, Hkv, Lk, Dv)))
            if bf16:
                q, k, v = (t.to(torch.bfloat16) for t in (q, k, v))
            inputs = None
            if not args.no_verify or args.natten_alt_path:
                inputs = []
                for n, t in zip("qkv", (q, k, v)):
                    p = os.path.join(tmp, f"{case.name}.{n}.npy")
                    np.save(p, t.float().numpy())
                    inputs.append(p)
            # Visible pairs from the pattern rule (and the boolean mask if SDPA
            # needs one), row block by row block to bound memory.
            mask = torch.empty(Lq, Lk, dtype=torch.bool) if case.sdpa_needs_mask() else None
            qidx, kidx = torch.arange(Lq), torch.arange(Lk)
            V = 0
            step = max(1, (1 << 22) // Lk)
            for r0 in range(0, Lq, step):
                blk = case.pattern.visible(torch, qidx[r0:r0 + step, None], kidx[None, :],
                                           Lq, Lk)
                blk = blk.expand(min(step, Lq - r0), Lk)
                V += int(blk.sum())
                if mask is not None:
                    mask[r0:r0 + step] = blk
            flops = 2 * (D + Dv) * B * H * V
            atol = VERIFY_ATOL_BF16 if bf16 else VERIFY_ATOL
            entry = {"name": case.name, "group": case.group, "dtype": case.dtype, "B": B,
                     "H": H, "Hkv": Hkv, "L": L, "Lq": Lq, "Lk": Lk, "D": D, "Dv": Dv,
                     "pattern": case.pattern.mlir(), "describe": case.describe(),
                     "visible_pairs": V, "density": V / (Lq * Lk), "useful_flops": flops,
                     "target": case.target,
                     "verify": {"atol": atol,
                                "reference": ("SDPA in f32 on the bf16-rounded inputs" if bf16
                                              else "the SDPA peer's output (f32)")},
                     "peers": {}}

            # Ours.
            pname, pgf = case_peak(peak, case.dtype)
            o = run_ours(case, args, tmp, inputs)
            if o["status"] == "ok":
                o["peak"] = pname
                o["pct_peak"] = 100.0 * o["gflops"] / pgf if pgf else None
                o["useful_flops_agree"] = o["useful_flops"] == flops
                if not o["useful_flops_agree"]:
                    msg = (f"{case.name}: attn-run useful_flops {o['useful_flops']} != "
                           f"2*(D+Dv)*B*Hq*V = {flops} from the pattern rule")
                    failures.append(msg)
                    log("  ERROR " + msg)
                log(f"  ours: {o['median_ms']:.3f} ms, {o['gflops']:.2f} GFLOP/s")
            else:
                log(f"  ours: n/a: {o['error']}")
            entry["ours"] = o
            if case.pattern.is_dense():
                dense_ours.setdefault(case.dense_key, o)

            # The reference of the numerical checks: SDPA in f32 (for f32 cases
            # the SDPA peer's own output when it runs).
            ref = None
            verify = not args.no_verify
            if verify and (bf16 or "sdpa" not in want_peers):
                kw, _ = sdpa_kwargs(case, mask)
                try:
                    with torch.inference_mode():
                        ref = torch.nn.functional.scaled_dot_product_attention(
                            q.float(), k.float(), v.float(), **kw)
                except Exception as e:  # noqa: BLE001
                    entry["verify"]["error"] = f"reference n/a: {err_text(e)}"
                    log(f"  reference n/a: {err_text(e)}")

            # Peers.
            for key in [p for p in PEER_ORDER if p in case.peers]:
                alt = key.startswith("natten-alt")
                if key not in want_peers or (alt and not args.natten_alt_path):
                    continue
                r = {}
                try:
                    if alt:
                        w = run_alt_peer(args, key.replace("-alt", ""), case, inputs, tmp)
                        av = (w.get("versions") or {}).get("natten")
                        if av:
                            labels[key] = f"NATTEN {av}" + (" fused" if "fused" in key else "")
                            meta["versions"]["natten_alt"] = av
                            meta["versions"]["natten_alt_path"] = w["versions"].get(
                                "natten_path")
                        if w.get("note"):
                            r["note"] = w["note"]
                        if w["status"] != "ok":
                            raise RuntimeError(w["error"])
                        first, times = w["first_call_s"], w["times_ms"]
                        out, to_bhld = torch.from_numpy(np.load(w["output_npy"])), None
                    else:
                        fn, to_bhld, note = peers.build(key, case, q, k, v, mask)
                        r["note"] = note
                        if peers.last_setup_s is not None:
                            r["setup_s"] = peers.last_setup_s
                        out, first, times = time_peer(torch, fn, args.warmup, args.repeat)
                        fn = None
                    med = statistics.median(times)
                    r.update(status="ok", median_ms=med, min_ms=min(times), times_ms=times,
                             first_call_s=first, gflops=flops / med * 1e-6)
                    out = to_bhld(out) if to_bhld else out
                    if verify:
                        out = out.float()
                        if key == "sdpa" and not bf16:
                            ref = out
                        elif ref is not None:
                            r["max_abs_err_vs_sdpa"] = float((out - ref).abs().max())
                    if o["status"] == "ok":
                        r["speedup"] = med / o["median_ms"]
                    log(f"  {key}: {med:.3f} ms (first call {first:.1f} s)")
                except Exception as e:  # noqa: BLE001 -- every failure is reported
                    r.update(status="error",
                             error=str(e) if alt and isinstance(e, RuntimeError)
                             else err_text(e))
                    if not alt and "note" not in r and peers.last_note:
                        r["note"] = peers.last_note
                    if not alt and "setup_s" not in r and peers.last_setup_s is not None:
                        r["setup_s"] = peers.last_setup_s
                    log(f"  {key}: n/a: {r['error']}")
                entry["peers"][key] = r
                out = None

            # Numerical check of ours against the reference on the same inputs.
            if o["status"] == "ok" and ref is not None and o.get("output_npy"):
                got = torch.from_numpy(np.load(o["output_npy"]))
                o["max_abs_err_vs_sdpa"] = float((got - ref).abs().max())
            for who, r in [("ours", o)] + list(entry["peers"].items()):
                e = r.get("max_abs_err_vs_sdpa")
                if e is not None and not e <= atol:
                    msg = (f"{case.name}: {who} differs from SDPA (f32) by {e:.3g} > {atol:g}")
                    failures.append(msg)
                    log("  ERROR " + msg)
            ref = None
            mask = None

            # FLOP-ratio ideal against our own dense kernel.
            if not case.pattern.is_dense() and not case.is_causal():
                ideal = {"ratio": (L * L) / V}
                d = ours_dense(case)
                if d["status"] == "ok":
                    ideal["dense_ms"] = d["median_ms"]
                    ideal["ideal_ms"] = d["median_ms"] * V / (L * L)
                    if o["status"] == "ok":
                        ideal["speedup_over_dense"] = d["median_ms"] / o["median_ms"]
                        ideal["achieved_fraction"] = ideal["speedup_over_dense"] / ideal["ratio"]
                else:
                    ideal["error"] = f"our dense kernel n/a: {d['error']}"
                entry["ideal"] = ideal
            report["cases"].append(entry)

    report["targets"] = evaluate_targets(report, args.quick)
    if baseline is not None:
        report["baseline"] = compare_baseline(report, baseline, args.baseline)
        report["targets"].append(baseline_target(report["baseline"]))
    report["verification_failures"] = failures
    report["meta"]["loadavg_after"] = loadavg()
    md = markdown(report)
    print(md)
    for path in (args.out, args.markdown):
        os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    with open(args.markdown, "w") as f:
        f.write(md)
    log(f"wrote {args.out} and {args.markdown}")
    if args.plot:
        os.makedirs(os.path.dirname(os.path.abspath(args.plot)) or ".", exist_ok=True)
        if plot(report, args.plot):
            log(f"wrote {args.plot}")
    if failures:
        log("verification FAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
