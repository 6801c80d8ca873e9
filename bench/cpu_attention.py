#!/usr/bin/env python3
"""CPU benchmark of attn.attention (attn-run) against Python peers.

For every case this script writes an MLIR file holding one `attn.attention`
on tensor<1xHxLxDxf32> operands, times it with

    attn-run FILE --pipeline=P --bench --warmup=W --repeat=R --json

(OMP_NUM_THREADS = --threads), and times the peers on the same inputs with the
same thread count (torch.set_num_threads), W untimed calls and the median of
R calls timed with time.perf_counter:

  * PyTorch scaled_dot_product_attention (is_causal for causal cases, the
    equivalent dense boolean mask for sparse cases),
  * FlexAttention (torch.nn.attention.flex_attention compiled with
    torch.compile, block mask from a mask_mod implementing SPEC section 3),
  * NATTEN (natten from PyPI): `natten` is the CPU path the installed
    version picks by itself, `natten-fused` its fused one; `natten-alt*` are
    the same two with a second install (--natten-alt-path, e.g. NATTEN 0.17.5
    built by bench/build_natten_cpu.sh, the last version with CPU kernels),
    run in a worker process.

It also measures the machine's FP32 FMA peak in the same run (bench/fma_peak.c,
compiled with cc -O2 -march=native -fopenmp into a temporary directory) and
reports useful GFLOP/s = 2*(D+Dv)*B*H*V / time (SPEC section 6, V = visible
(query, key) pairs, computed here from the pattern rule and checked against
attn-run's own count), the fraction of that peak, each peer's time and our
speedup over it (peer_ms / ours_ms), and for sparse cases the FLOP-ratio ideal
L*L/V and the achieved fraction of it, (dense_ms / sparse_ms) / (L*L/V), where
dense_ms is our own dense kernel at the same B, H, L, D.

Outputs: a JSON file (--out), a Markdown table (printed and --markdown) with
PASS/MISS lines for the targets, and a bar chart (--plot, needs matplotlib).
A peer that cannot run is reported as "n/a: <first line of the error>".
Numerical agreement is checked on the benchmark inputs: ours, FlexAttention
and NATTEN against SDPA (max abs error); the exit status is 1 when it fails or
when attn-run's useful-FLOP count disagrees with the pattern rule.

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

# Agreement threshold of the numerical checks (max abs error against SDPA on
# inputs uniform in [-1, 1); fp32 attention kernels agree to ~1e-6 there).
VERIFY_ATOL = 1e-4


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
    def __init__(self, name, group, H, L, D, pattern, peers, B=1, target=True):
        self.name, self.group = name, group
        self.B, self.H, self.L, self.D, self.Dv = B, H, L, D, D
        self.pattern = pattern
        self.peers = peers          # peer keys that apply to this case
        self.target = target        # whether the issue's targets apply

    @property
    def dense_key(self):
        return (self.B, self.H, self.L, self.D)

    def mlir(self):
        t = f"tensor<{self.B}x{self.H}x{self.L}x{self.D}xf32>"
        return (f"// attn-mlir benchmark case {self.name} (bench/cpu_attention.py)\n"
                f"func.func @main(%q: {t}, %k: {t}, %v: {t}) -> {t} {{\n"
                f"  %o = attn.attention %q, %k, %v {{pattern = {self.pattern.mlir()}}}\n"
                f"      : {t}, {t}, {t} -> {t}\n"
                f"  return %o : {t}\n}}\n")

    def describe(self):
        return (f"B={self.B} H={self.H} L={self.L} D={self.D} f32, "
                f"pattern = {self.pattern.mlir()}")


def make_cases(quick):
    """The benchmark cases; --quick shrinks every size (same structure)."""
    cases = []
    if quick:
        dense_ls, win_l, win_w, grid = [256, 1024], 1024, 128, 32
    else:
        dense_ls, win_l, win_w, grid = [1024, 4096, 16384], 16384, 512, 64
    for L in dense_ls:
        cases.append(Case(f"dense-L{L}", "dense", 8, L, 64, Dense(), ["sdpa"]))
        cases.append(Case(f"causal-L{L}", "dense", 8, L, 64, Causal(), ["sdpa"]))
    if win_l not in dense_ls:
        cases.append(Case(f"dense-L{win_l}", "dense", 8, win_l, 64, Dense(), ["sdpa"]))
    # A window of W keys ending at the query (left = W - 1, right = 0) plus 4
    # attention-sink tokens at the start (StreamingLLM).
    cases.append(Case(f"window-L{win_l}-W{win_w}-S4", "window", 8, win_l, 64,
                      Window(win_w - 1, 0, 4), ["sdpa", "flex"]))
    L2 = grid * grid
    cases.append(Case(f"dense-L{L2}-H4-D32", "dense-aux", 4, L2, 32, Dense(), ["sdpa"],
                      target=False))
    for k in (7, 13):
        for d in (1, 2):
            cases.append(Case(f"nbhd2d-{grid}x{grid}-k{k}-d{d}", "nbhd2d", 4, L2, 32,
                              Neighborhood([grid, grid], [k, k], [d, d]),
                              ["sdpa", "flex"] + NATTEN_PEERS))
    return cases


PEER_LABELS = {
    "sdpa": "PyTorch SDPA",
    "flex": "FlexAttention",
    "natten": "NATTEN",
    "natten-fused": "NATTEN fused",
    # The same two NATTEN paths from a second NATTEN install (--natten-alt-path),
    # run in a worker process: e.g. NATTEN 0.17.5, the last one with CPU kernels.
    "natten-alt": "NATTEN alt",
    "natten-alt-fused": "NATTEN alt fused",
}
PEER_ORDER = ["sdpa", "flex", "natten", "natten-fused", "natten-alt", "natten-alt-fused"]
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

class Peers:
    def __init__(self, torch):
        self.torch = torch
        self.F = torch.nn.functional
        self._flex_fn = None
        self.last_note = None
        self.versions = {"torch": torch.__version__}
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

    def build(self, key, case, q, k, v, mask):
        self.last_note = None   # what was attempted, kept for the report on failure
        self.last_setup_s = None  # untimed preparation (FlexAttention's block mask)
        return getattr(self, "_" + key.replace("-", "_"))(case, q, k, v, mask)

    def _sdpa(self, case, q, k, v, mask):
        F = self.F
        if case.pattern.is_dense():
            return (lambda: F.scaled_dot_product_attention(q, k, v)), None, "no mask"
        if isinstance(case.pattern, Causal):
            return ((lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True)),
                    None, "is_causal=True")
        return ((lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=mask)), None,
                "dense boolean attn_mask (L x L) from the pattern rule")

    def _flex(self, case, q, k, v, mask):
        torch = self.torch
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention
        if self._flex_fn is None:
            self._flex_fn = torch.compile(flex_attention, dynamic=False)
        pat, L = case.pattern, case.L

        def mask_mod(b, h, q_idx, kv_idx):
            return pat.visible(torch, q_idx, kv_idx, L, L)

        note = self.last_note = ("torch.compile(flex_attention, dynamic=False), "
                                 "block mask from create_block_mask(mask_mod)")
        t0 = time.perf_counter()
        block_mask = create_block_mask(mask_mod, None, None, L, L, device="cpu")
        self.last_setup_s = time.perf_counter() - t0
        flex = self._flex_fn
        return (lambda: flex(q, k, v, block_mask=block_mask)), None, note

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


def markdown(report):
    meta, peak = report["meta"], report["fma_peak"]
    lines = []
    peak_s = (f"{peak['gflops']:.1f} GFLOP/s ({peak['threads']} threads, "
              f"{peak['vector_bits']}-bit FMA)" if peak.get("status") == "ok"
              else f"n/a: {peak.get('error')}")
    lines.append(f"# attn-mlir CPU attention benchmark ({meta['date']})")
    lines.append("")
    lines.append(f"- machine: {meta['cpu']}, {meta['threads']} threads used, "
                 f"load average before {meta['loadavg_before']}")
    lines.append(f"- measured FP32 FMA peak: {peak_s}")
    popt = meta.get("pipeline_options")
    lines.append(f"- ours: `attn-run --pipeline={meta['pipeline']}"
                 + (f" --pipeline-options='{popt}'" if popt else "") + "` "
                 f"(warmup {meta['warmup']}, median of {meta['repeat']})"
                 + (" -- the reference pipeline is the numerical oracle, "
                    "not the fused kernel" if meta["pipeline"] == "reference" else ""))
    lines.append("- peers: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()
                                         if v))
    lines.append(f"- command: `{meta['command']}`")
    lines.append("")
    peers = [p for p in PEER_ORDER if any(p in c["peers"] for c in report["cases"])]
    head = ["case", "V/L^2", "ours ms", "ours GFLOP/s", "% peak"]
    for p in peers:
        head += [f"{label(report, p)} ms", f"x {label(report, p)}"]
    head += ["ideal ratio", "achieved/ideal"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join("---" for _ in head) + "|")
    for c in report["cases"]:
        o = c["ours"]
        if o["status"] == "ok":
            row = [c["name"], f"{c['density']:.4f}", fmt_ms(o["median_ms"]),
                   f"{o['gflops']:.2f}",
                   "-" if o.get("pct_peak") is None else f"{o['pct_peak']:.1f}%"]
        else:
            row = [c["name"], f"{c['density']:.4f}",
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
    lines.append("x PEER = PEER ms / ours ms (above 1: ours is faster). "
                 "ideal ratio = L*L/V; achieved/ideal = (ours dense ms / ours ms) / (L*L/V), "
                 "with our dense kernel at the same B, H, L, D.")
    lines.append("")
    lines.append("## Targets")
    lines.append("")
    lines.append("```")
    for t in report["targets"]:
        lines.append(f"{t['verdict']}: {t['what']}: {t['detail']}")
    lines.append("```")
    lines.append("")
    lines.append("## Numerical agreement (max abs error against PyTorch SDPA, same inputs)")
    lines.append("")
    for c in report["cases"]:
        parts = []
        for who, r in [("ours", c["ours"])] + [(p, c["peers"][p]) for p in PEER_ORDER
                                               if p in c["peers"]]:
            if who == "sdpa":
                continue
            e = r.get("max_abs_err_vs_sdpa")
            if e is not None:
                parts.append(f"{who} {e:.2e}" + ("" if e <= VERIFY_ATOL else " (FAIL)"))
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
        out.append({"verdict": "PASS" if ok else "MISS", "what": what, "detail": detail})

    tag = " [quick sizes: indicative only]" if quick else ""
    peak = report["fma_peak"]
    for c in report["cases"]:
        o = c["ours"]
        ours_ok = o["status"] == "ok"
        if c["group"] == "dense" and c["target"] and (quick or c["L"] >= 4096):
            s = c["peers"].get("sdpa", {})
            if not ours_ok:
                add(False, f"{c['name']} >= 1.0x PyTorch SDPA{tag}", f"ours n/a: {o['error']}")
                add(False, f"{c['name']} >= 50% of FP32 peak{tag}", f"ours n/a: {o['error']}")
                continue
            if s.get("status") == "ok":
                add(s["speedup"] >= 1.0, f"{c['name']} >= 1.0x PyTorch SDPA{tag}",
                    f"{s['speedup']:.2f}x ({fmt_ms(o['median_ms'])} ms vs {fmt_ms(s['median_ms'])} ms)")
            else:
                add(False, f"{c['name']} >= 1.0x PyTorch SDPA{tag}",
                    f"SDPA n/a: {s.get('error')}")
            if o.get("pct_peak") is not None:
                add(o["pct_peak"] >= 50.0, f"{c['name']} >= 50% of FP32 peak{tag}",
                    f"{o['pct_peak']:.1f}% ({o['gflops']:.1f} of {peak['gflops']:.1f} GFLOP/s)")
            else:
                add(False, f"{c['name']} >= 50% of FP32 peak{tag}", "peak n/a")
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
            ran = {k: p for k, p in c["peers"].items() if k != "sdpa" and p["status"] == "ok"}
            what = f"{c['name']} faster than every other peer that runs{tag}"
            if not ours_ok:
                add(False, what, f"ours n/a: {o['error']}")
            elif not ran:
                add(True, what, "no other peer ran")
            else:
                add(all(p["speedup"] > 1.0 for p in ran.values()), what,
                    ", ".join(f"{label(report, k)} {p['speedup']:.2f}x" for k, p in ran.items()))
    return out


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
                    help="seconds per FMA-peak trial (best of 5 trials)")
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
            print(f"{c.name:28s} {c.describe()}; peers: {', '.join(c.peers)}")
        return 0
    if args.from_json:
        with open(args.from_json) as f:
            report = json.load(f)
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
    peers = Peers(torch)

    cmdline = shlex.join(["bench/cpu_attention.py"] + (sys.argv[1:] if argv is None else argv))
    meta = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "host": platform.node(), "cpu": cpu_model(), "cpus": os.cpu_count(),
        "threads": args.threads, "pipeline": args.pipeline,
        "pipeline_options": args.pipeline_options, "attn_run": args.attn_run,
        "warmup": args.warmup, "repeat": args.repeat, "quick": args.quick,
        "seed": args.seed, "command": cmdline, "python": platform.python_version(),
        "versions": peers.versions, "loadavg_before": loadavg(),
    }
    log(f"measuring FP32 FMA peak on {args.threads} threads ...")
    peak = measure_fma_peak(args.threads, args.cc, args.peak_seconds, 5)
    if peak["status"] == "ok":
        log(f"  {peak['gflops']:.1f} GFLOP/s ({peak['vector_bits']}-bit FMA)")
    else:
        log(f"  n/a: {peak['error']}")
    peak_gf = peak.get("gflops") if peak["status"] == "ok" else None

    nv = peers.versions.get("natten")
    labels = dict(PEER_LABELS)
    if nv:
        labels.update({"natten": f"NATTEN {nv}", "natten-fused": f"NATTEN {nv} fused"})
    report = {"meta": meta, "fma_peak": peak, "cases": [], "aux_dense": [],
              "peer_labels": labels}
    dense_ours = {}      # (B, H, L, D) -> our dense result, for the ideal ratios
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
            B, H, L, D = case.B, case.H, case.L, case.D
            # Inputs: uniform in [-1, 1), shared by ours and every peer.
            q, k, v = ((torch.rand(B, H, L, D, generator=gen) * 2 - 1) for _ in range(3))
            inputs = None
            if not args.no_verify or args.natten_alt_path:
                inputs = []
                for n, t in zip("qkv", (q, k, v)):
                    p = os.path.join(tmp, f"{case.name}.{n}.npy")
                    np.save(p, t.numpy())
                    inputs.append(p)
            # Visible pairs from the pattern rule (and the boolean mask if SDPA
            # needs one), row block by row block to bound memory.
            need_mask = not (case.pattern.is_dense() or isinstance(case.pattern, Causal))
            mask = torch.empty(L, L, dtype=torch.bool) if need_mask else None
            idx = torch.arange(L)
            V = 0
            step = max(1, (1 << 22) // L)
            for r0 in range(0, L, step):
                blk = case.pattern.visible(torch, idx[r0:r0 + step, None], idx[None, :], L, L)
                blk = blk.expand(min(step, L - r0), L)
                V += int(blk.sum())
                if mask is not None:
                    mask[r0:r0 + step] = blk
            flops = 2 * (D + case.Dv) * B * H * V
            entry = {"name": case.name, "group": case.group, "B": B, "H": H, "L": L, "D": D,
                     "Dv": case.Dv, "pattern": case.pattern.mlir(),
                     "describe": case.describe(), "visible_pairs": V,
                     "density": V / (L * L), "useful_flops": flops, "target": case.target,
                     "peers": {}}

            # Ours.
            o = run_ours(case, args, tmp, inputs)
            if o["status"] == "ok":
                o["pct_peak"] = 100.0 * o["gflops"] / peak_gf if peak_gf else None
                o["useful_flops_agree"] = o["useful_flops"] == flops
                if not o["useful_flops_agree"]:
                    msg = (f"{case.name}: attn-run useful_flops {o['useful_flops']} != "
                           f"2*(D+Dv)*B*H*V = {flops} from the pattern rule")
                    failures.append(msg)
                    log("  ERROR " + msg)
                log(f"  ours: {o['median_ms']:.3f} ms, {o['gflops']:.2f} GFLOP/s")
            else:
                log(f"  ours: n/a: {o['error']}")
            entry["ours"] = o
            if case.pattern.is_dense():
                dense_ours.setdefault(case.dense_key, o)

            # Peers.
            ref = None
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
                    med = statistics.median(times)
                    r.update(status="ok", median_ms=med, min_ms=min(times), times_ms=times,
                             first_call_s=first, gflops=flops / med * 1e-6)
                    out = to_bhld(out) if to_bhld else out
                    if key == "sdpa":
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
                    log(f"  {key}: n/a: {r['error']}")
                entry["peers"][key] = r
                out = None

            # Numerical check of ours against SDPA on the same inputs.
            if o["status"] == "ok" and ref is not None and o.get("output_npy"):
                got = torch.from_numpy(np.load(o["output_npy"]))
                o["max_abs_err_vs_sdpa"] = float((got - ref).abs().max())
            for who, r in [("ours", o)] + list(entry["peers"].items()):
                e = r.get("max_abs_err_vs_sdpa")
                if e is not None and not e <= VERIFY_ATOL:
                    msg = f"{case.name}: {who} differs from SDPA by {e:.3g} > {VERIFY_ATOL}"
                    failures.append(msg)
                    log("  ERROR " + msg)
            ref = None
            mask = None

            # FLOP-ratio ideal against our own dense kernel.
            if not case.pattern.is_dense() and not isinstance(case.pattern, Causal):
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
