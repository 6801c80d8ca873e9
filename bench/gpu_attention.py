#!/usr/bin/env python3
"""GPU benchmark of attn.attention (attn-run --pipeline=cuda) against Python peers.

The GPU twin of bench/cpu_attention.py, whose patterns, cases, attn-run
driver and table helpers it imports. For every case this script writes an
MLIR file holding one `attn.attention` on tensor<BxHxLxDxbf16> operands and
times it with

    attn-run FILE --pipeline=cuda --bench --warmup=W --repeat=R --json
            [--pipeline-options="..."]

and times the peers on the same GPU and the same inputs (already on the
device), at least one untimed call (it holds any torch.compile time), W - 1
more, then R calls each timed with a pair of CUDA events; the median counts:

  * PyTorch SDPA, FlashAttention backend forced
    (sdpa_kernel(SDPBackend.FLASH_ATTENTION); dense and causal cases only:
    FlashAttention takes no arbitrary mask),
  * PyTorch SDPA, memory-efficient backend forced
    (SDPBackend.EFFICIENT_ATTENTION); for window and neighborhood cases with
    the additive L x L mask of the pattern rule (SPEC section 3),
  * FlexAttention (flex_attention compiled by torch.compile, block mask from
    a mask_mod implementing SPEC section 3, built on the device),
  * NATTEN for the neighborhood cases: `natten` is the path the installed
    version picks by itself (natten >= 0.20: natten.na1d/na2d with the
    backend natten.backends.choose_backend returns; natten <= 0.17: the
    unfused na*d_qk + softmax + na*d_av), `natten-fused` the other one
    (natten >= 0.20: backend='flex-fna' compiled; natten <= 0.17: the fused
    natten.functional.na*d).

Ours is timed by attn-run with CUDA events around each kernel launch
(`kernel_median_ms` of attn-run --bench --json), as the peers are timed on
inputs that already live on the device. attn-run also times the whole call
of the compiled entry, which allocates device buffers, copies Q, K, V and
the tile plan to the device, launches the kernel, copies the output back and
frees the buffers (see docs/GPUCodegen.md): column `call ms`. The column
`copy ms` is the time torch takes to copy the same Q, K, V from pageable
host memory to the device and the output back, a lower bound of the
difference.

Reported: useful TFLOP/s = 2*(D+Dv)*B*H*V / time (SPEC section 6, V = the
visible (query, key) pairs, counted here from the pattern rule and checked
against attn-run's own count), each peer's time and our speedup over it
(peer_ms / ours_ms), for sparse cases the FLOP-ratio ideal L*L/V and the
achieved fraction of it against our own dense kernel, the device name and
the torch, CUDA and natten versions. Outputs: a JSON file (--out) and a
Markdown table (printed and --markdown). A peer that cannot run is reported
as "n/a: <first line of the error>". Numerical agreement is checked on the
benchmark inputs: ours (attn-run --input/--output-dir), FlexAttention and
NATTEN against SDPA (max abs error, bf16 tolerance); the exit status is 1
when it fails or when attn-run's useful-FLOP count disagrees with the rule.

--dry-run needs neither a GPU nor torch: it writes the MLIR files and
compiles each with `attn-opt FILE --attn-gpu-pipeline="chip=sm_90 ..."`
(the CUDA toolkit's ptxas is enough), and reports which cases become fused
GPU kernels. See bench/GPU.md.
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import types
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import cpu_attention as cpu  # noqa: E402  -- patterns, cases, attn-run driver, table helpers

from cpu_attention import Causal, Dense, Neighborhood, Window, err_text, log  # noqa: E402

# Agreement threshold of the numerical checks: max abs error against SDPA on
# bf16 inputs uniform in [-1, 1). Both sides round their output to bf16
# (neighbouring values up to 2^-7 apart, relative) and may round P to bf16
# before P.V, so two correct kernels differ by a few 1e-3 here.
VERIFY_ATOL = 2e-2

# Options of --attn-gpu-pipeline that --convert-attn-to-gpu also takes: the
# dry run and the kernel probe pass these on to read the chosen kernel path
# and tiles off the converted IR.
CONVERT_OPTIONS = ("chip", "features", "tensor-cores", "wgmma", "tile-q", "tile-k",
                   "shared-memory-bytes")


# --------------------------------------------------------------------------
# Cases: the CPU harness's Case with bf16 operands.
# --------------------------------------------------------------------------

class GPUCase(cpu.Case):
    dtype = "bf16"

    def mlir(self):
        # cpu.Case.mlir() with the element type (and the generator's name)
        # swapped: everything else in the text is the same.
        return (super().mlir().replace("xf32>", f"x{self.dtype}>")
                .replace("bench/cpu_attention.py", "bench/gpu_attention.py"))

    def describe(self):
        return super().describe().replace(" f32,", f" {self.dtype},")

    @property
    def sparse(self):
        """Window and neighborhood patterns: the ones SDPA needs a mask for."""
        return not (self.pattern.is_dense() or isinstance(self.pattern, Causal))


PEER_LABELS = {
    "sdpa-flash": "SDPA flash",
    "sdpa-efficient": "SDPA efficient",
    "flex": "FlexAttention",
    "natten": "NATTEN",
    "natten-fused": "NATTEN fused",
}
PEER_ORDER = ["sdpa-flash", "sdpa-efficient", "flex", "natten", "natten-fused"]
# The peers whose output is the reference of the numerical check, first that ran.
REFERENCE_PEERS = ["sdpa-flash", "sdpa-efficient"]


# Sizes of the full run and of --quick: dense and causal lengths, window
# cases (L, W keys ending at the query, S sinks, D: 512 + 4 sinks as in the
# CPU harness, and a Mistral-style 4096-key window at D = 128), the side X of
# the X x X token grids of the 2-D neighborhoods, and the 1-D neighborhood
# (L, kernel).
SIZES = {
    "full": {"dense": [4096, 8192, 16384], "grids": [64, 128], "nbhd1d": (16384, 511),
             "windows": [(16384, 512, 4, 64), (16384, 4096, 0, 128)]},
    "quick": {"dense": [1024], "grids": [32], "nbhd1d": (1024, 63),
              "windows": [(1024, 128, 4, 64), (1024, 256, 0, 128)]},
}


def make_cases(quick):
    """The benchmark cases; --quick shrinks every size (same structure)."""
    size = SIZES["quick" if quick else "full"]
    H = 16
    dense_peers = ["sdpa-flash", "sdpa-efficient"]
    sparse_peers = ["sdpa-efficient", "flex"]
    cases = []
    for L in size["dense"]:
        for D in (64, 128):
            cases.append(GPUCase(f"dense-L{L}-D{D}", "dense", H, L, D, Dense(), dense_peers))
            cases.append(GPUCase(f"causal-L{L}-D{D}", "dense", H, L, D, Causal(), dense_peers))
    # A window of W keys ending at the query (left = W - 1, right = 0), plus
    # S attention-sink tokens at the start (StreamingLLM) when S > 0.
    for L, W, S, D in size["windows"]:
        cases.append(GPUCase(f"window-L{L}-W{W}" + (f"-S{S}" if S else "") + f"-D{D}",
                             "window", H, L, D, Window(W - 1, 0, S), sparse_peers))
    # NATTEN-style 2-D neighborhoods on a row-major X x X token grid.
    for X in size["grids"]:
        for k in (7, 13):
            for d in (1, 2):
                cases.append(GPUCase(f"nbhd2d-{X}x{X}-k{k}-d{d}-D64", "nbhd2d", H, X * X, 64,
                                     Neighborhood([X, X], [k, k], [d, d]),
                                     sparse_peers + ["natten", "natten-fused"]))
    # A 1-D neighborhood (natten.na1d): k keys centred on the query, shifted
    # inward at the ends of the sequence.
    L1, k1 = size["nbhd1d"]
    cases.append(GPUCase(f"nbhd1d-L{L1}-k{k1}-D64", "nbhd1d", H, L1, 64,
                         Neighborhood([L1], [k1]), sparse_peers + ["natten", "natten-fused"]))
    return cases


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def visible_pairs(torch, pattern, L, device, need_mask):
    """V = the visible (query, key) pairs of `pattern` at Lq = Lk = L, by the
    rule of SPEC section 3 evaluated on the device a slab of query rows at a
    time; with need_mask also the L x L boolean mask (True = visible)."""
    keys = torch.arange(L, device=device)
    mask = torch.empty((L, L), dtype=torch.bool, device=device) if need_mask else None
    total = 0
    for rows in keys.split(max(1, (1 << 24) // L)):
        slab = pattern.visible(torch, rows[:, None], keys[None, :], L, L)
        slab = slab.expand(rows.numel(), L)
        total += int(slab.sum().item())
        if need_mask:
            mask[int(rows[0]):int(rows[-1]) + 1].copy_(slab)
    return total, mask


def tool_line(cmd):
    """First line of a command's output, or None when it cannot run."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return cpu.first_line(p.stdout) or cpu.first_line(p.stderr) or None


def convert_options(pipeline_options, chip):
    """--convert-attn-to-gpu options for the kernel probe: `chip` unless the
    pipeline options name one, then the pipeline options that pass has."""
    picked = [t for t in shlex.split(pipeline_options or "")
              if t.split("=", 1)[0] in CONVERT_OPTIONS]
    if not any(t.startswith("chip=") for t in picked):
        # As attn-run: wgmma kernels are sm_90a code on an sm_90 device.
        if chip == "sm_90" and "wgmma=true" in picked:
            chip = "sm_90a"
        picked.insert(0, f"chip={chip}")
    return " ".join(picked)


def kernel_info(attn_opt, path, pipeline_options, chip):
    """What --convert-attn-to-gpu makes of the case: kernel path, tiles and
    whether the op was left for the reference (host) lowering."""
    opts = convert_options(pipeline_options, chip)
    p = subprocess.run([attn_opt, path, f"--convert-attn-to-gpu={opts}"],
                       capture_output=True, text=True)
    info = {"convert_options": opts}
    if p.returncode != 0:
        info["error"] = cpu.first_line(p.stderr) or f"attn-opt exited with {p.returncode}"
        return info
    m = re.search(r'attn\.gpu\.path = "([^"]+)"', p.stdout)
    info["path"] = m.group(1) if m else None
    m = re.search(r"attn\.gpu\.tiles = array<i64: (\d+), (\d+)>", p.stdout)
    info["tiles"] = [int(m.group(1)), int(m.group(2))] if m else None
    m = re.search(r"attn\.gpu\.unrolled = (true|false)", p.stdout)
    info["unrolled"] = (m.group(1) == "true") if m else None
    left = [ln.strip() for ln in p.stderr.splitlines() if "left for the reference lowering" in ln]
    if left:
        info["left_for_reference"] = left[0]
    return info


def kernel_text(info):
    """kernel_info() in a few words, for the report."""
    if not info:
        return "-"
    if info.get("error"):
        return f"n/a: {info['error']}"
    if info.get("left_for_reference"):
        return "reference lowering (not fused)"
    tiles = info.get("tiles") or ["?", "?"]
    return f"{info.get('path')} {tiles[0]}x{tiles[1]}"


# --------------------------------------------------------------------------
# --dry-run: compile every case for the GPU, time nothing.
# --------------------------------------------------------------------------

def dry_run(cases, args, mlir_dir):
    """Writes each case's MLIR and compiles it with --attn-gpu-pipeline; a
    case passes when attn-opt succeeds, the module holds a gpu.binary and no
    attn.attention was left for the reference lowering. Returns the exit status."""
    if not os.path.exists(args.attn_opt):
        log(f"error: attn-opt not found at {args.attn_opt}")
        return 2
    # The pipeline options as given, for --chip unless they name a chip.
    popts = args.pipeline_options.strip()
    if not re.search(r"(^|\s)chip=", popts):
        popts = f"chip={args.chip} {popts}".strip()
    log(f"dry run: attn-opt FILE --attn-gpu-pipeline=\"{popts}\" on {len(cases)} cases")
    results, failed = [], []
    for case in cases:
        path = os.path.join(mlir_dir, f"{case.name}.mlir")
        with open(path, "w") as f:
            f.write(case.mlir())
        t0 = time.perf_counter()
        p = subprocess.run([args.attn_opt, path, f"--attn-gpu-pipeline={popts}"],
                           capture_output=True, text=True)
        secs = time.perf_counter() - t0
        r = {"name": case.name, "mlir_file": path, "compile_s": secs,
             "kernel": kernel_info(args.attn_opt, path, args.pipeline_options, args.chip)}
        if p.returncode != 0:
            r.update(status="error", error=cpu.first_line(p.stderr)
                     or f"attn-opt exited with {p.returncode}")
        elif "left for the reference lowering" in p.stderr or "attn.attention" in p.stdout:
            r.update(status="not fused", error=r["kernel"].get("left_for_reference")
                     or "an attn.attention survived the pipeline")
        elif "gpu.binary" not in p.stdout:
            r.update(status="error", error="no gpu.binary in the output")
        else:
            r.update(status="ok", output_bytes=len(p.stdout))
        results.append(r)
        if r["status"] != "ok":
            failed.append(case.name)
        detail = (f"{kernel_text(r['kernel'])}, {r['output_bytes'] / 1e6:.2f} MB of IR"
                  if r["status"] == "ok" else r["error"])
        print(f"{r['status'].upper():9s} {case.name:30s} {secs:6.2f} s  {detail}", flush=True)
    print(f"{len(cases) - len(failed)} of {len(cases)} cases compile to fused GPU kernels "
          f"(--attn-gpu-pipeline=\"{popts}\")"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"dry_run": True, "attn_opt": args.attn_opt, "pipeline_options": popts,
                       "cases": results}, f, indent=1)
        log(f"wrote {args.out}")
    return 1 if failed else 0


# --------------------------------------------------------------------------
# Peers: the CPU harness's Peers, whose 2-D NATTEN code (both API
# generations) serves as is; added here: SDPA with a forced backend,
# FlexAttention's block mask built on the device, and 1-D NATTEN. Each
# builder returns (fn, to_bhld, note) as there.
# --------------------------------------------------------------------------

class GPUPeers(cpu.Peers):
    def __init__(self, torch):
        super().__init__(torch)
        self.versions["cuda"] = torch.version.cuda

    def _sdpa_backend(self, backend, case, q, k, v, mask):
        from torch.nn.attention import SDPBackend, sdpa_kernel
        sdpa, which = self.F.scaled_dot_product_attention, getattr(SDPBackend, backend)
        kw, note = {}, f"SDPBackend.{backend}, no mask"
        if isinstance(case.pattern, Causal):
            kw, note = {"is_causal": True}, f"SDPBackend.{backend}, is_causal=True"
        elif case.sparse:
            if mask is None:
                raise RuntimeError("no mask for this sparse case")
            # The additive form (0 / -inf, bf16), built here outside the timed
            # calls; SDPA would otherwise convert a boolean mask on every call.
            add = additive_mask(self.torch, mask, q.dtype)
            kw = {"attn_mask": add}
            note = (f"SDPBackend.{backend}, additive L x L bf16 mask (0 / -inf) "
                    "from the pattern rule, broadcast over B and H")
        self.last_note = note

        def fn():
            with sdpa_kernel(which):
                return sdpa(q, k, v, **kw)
        return fn, None, note

    def _sdpa_flash(self, case, q, k, v, mask):
        if case.sparse:
            raise RuntimeError("the FlashAttention backend takes no arbitrary mask")
        return self._sdpa_backend("FLASH_ATTENTION", case, q, k, v, mask)

    def _sdpa_efficient(self, case, q, k, v, mask):
        return self._sdpa_backend("EFFICIENT_ATTENTION", case, q, k, v, mask)

    def _flex(self, case, q, k, v, mask):
        # As the CPU harness, with the block mask built on the device (and
        # compiled, which bounds its memory at L = 16384).
        torch = self.torch
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention
        self._flex_fn = self._flex_fn or torch.compile(flex_attention, dynamic=False)
        rule, n = case.pattern.visible, case.L
        self.last_note = ("torch.compile(flex_attention, dynamic=False), block mask from "
                          "create_block_mask(mask_mod, device='cuda', _compile=True)")
        torch.cuda.synchronize()
        start = time.perf_counter()
        bm = create_block_mask(lambda b, h, qi, ki: rule(torch, qi, ki, n, n),
                               None, None, n, n, device=q.device, _compile=True)
        torch.cuda.synchronize()
        self.last_setup_s = time.perf_counter() - start
        compiled = self._flex_fn
        return (lambda: compiled(q, k, v, block_mask=bm)), None, self.last_note

    def _natten(self, case, q, k, v, mask, fused=False):
        # 2-D: the CPU harness's code (both NATTEN API generations) as is.
        if len(getattr(case.pattern, "shape", [])) != 1:
            return super()._natten(case, q, k, v, mask, fused)
        return self._natten_1d(case, q, k, v, fused)

    def _natten_1d(self, case, q, k, v, fused):
        natten = self._natten_inputs(case, q, k, v)
        pat = case.pattern
        ks, dil, cz = tuple(pat.kernel), tuple(pat.dilation), tuple(pat.causal)

        def heads_last(t):                  # [B, H, L, D] <-> [B, L, H, D]
            return t.transpose(1, 2).contiguous()
        if self._natten_new(natten):
            kw = dict(kernel_size=ks, stride=tuple(pat.stride), dilation=dil, is_causal=cz)
            qh, kh, vh = (heads_last(t) for t in (q, k, v))
            if fused:
                natten.allow_flex_compile()
                kw.update(backend="flex-fna", torch_compile=True)
            else:
                from natten.backends import choose_backend
                kw.update(backend=choose_backend(qh, kh, vh, torch_compile=False))
            note = f"natten.na1d(backend='{kw['backend']}'" + (
                ", torch_compile=True)" if fused else ")")
            if kw["backend"].startswith("flex") and not fused:
                note += " eager (unfused: materializes the full score matrix)"
            self.last_note = note
            return (lambda: natten.na1d(qh, kh, vh, **kw)), heads_last, note
        # NATTEN <= 0.17: fused na1d on [B, L, H, D], unfused ops on [B, H, L, D].
        nf = natten.functional
        if any(t != 1 for t in pat.stride):
            raise RuntimeError("this NATTEN version has no stride")
        scale = q.shape[-1] ** -0.5
        if fused:
            qh, kh, vh = (heads_last(t) for t in (q, k, v))
            note = self.last_note = "natten.functional.na1d (fused)"
            return (lambda: nf.na1d(qh, kh, vh, kernel_size=ks, dilation=dil, is_causal=cz,
                                    scale=scale)), heads_last, note
        softmax = self.torch.softmax

        def fn():
            a = nf.na1d_qk(q * scale, k, kernel_size=ks, dilation=dil, is_causal=cz)
            return nf.na1d_av(softmax(a, dim=-1), v, kernel_size=ks, dilation=dil,
                              is_causal=cz)
        note = self.last_note = "natten.functional.na1d_qk + softmax + na1d_av (unfused)"
        return fn, None, note


def fallback_reference(torch, case, q, k, v, mask, entry):
    """SDPA with torch's own backend choice (boolean mask for sparse cases),
    as float32; None (and entry["reference_error"]) when it cannot run."""
    kw = {"is_causal": True} if isinstance(case.pattern, Causal) else \
        {"attn_mask": mask} if case.sparse else {}
    try:
        with torch.inference_mode():
            out = torch.nn.functional.scaled_dot_product_attention(q, k, v, **kw).float()
    except Exception as e:  # noqa: BLE001 -- e.g. out of memory on the math path
        entry["reference_error"] = err_text(e)
        return None
    entry["reference"] = "sdpa (default backend)"
    return out


def additive_mask(torch, mask, dtype):
    """Additive attention mask: 0 where `mask` is True, -inf elsewhere."""
    return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill_(
        ~mask, float("-inf"))


def time_cuda(torch, fn, warmup, repeat):
    """One untimed call (torch.compile happens there), warmup - 1 more, then
    `repeat` calls each between two CUDA events on the current stream;
    returns (first output, first-call seconds, times in ms)."""
    with torch.inference_mode():
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        out = fn()
        torch.cuda.synchronize()
        first = time.perf_counter() - t0
        for _ in range(max(warmup, 1) - 1):
            fn()
        events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
                  for _ in range(repeat)]
        for begin, end in events:
            begin.record()
            fn()
            end.record()
        torch.cuda.synchronize()
    return out, first, [begin.elapsed_time(end) for begin, end in events]


def time_copies(torch, host, device, warmup, repeat):
    """Median ms of copying the `host` tensors (pageable memory) to the
    device and one of them back: the bytes attn-run's call moves for Q, K, V
    and the output, without its allocations and tile-plan tables."""
    def fn():
        back = [t.to(device) for t in host][0]
        torch.cuda.synchronize()
        return back.to("cpu")
    times = []
    for i in range(max(warmup, 1) + repeat):
        t0 = time.perf_counter()
        fn()
        if i >= max(warmup, 1):
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


class DenseBaseline:
    """Our own dense kernel at a case's (B, H, L, D): from a dense case of
    the run when there is one, else timed once here (the FLOP-ratio ideal)."""

    def __init__(self, args, tmp, report):
        self.args, self.tmp, self.report, self.known = args, tmp, report, {}

    def note(self, case, result):
        if case.pattern.is_dense():
            self.known.setdefault(case.dense_key, result)

    def get(self, case):
        if case.dense_key not in self.known:
            B, H, L, D = case.dense_key
            aux = GPUCase(f"dense-aux-B{B}-H{H}-L{L}-D{D}", "aux", H, L, D, Dense(), [], B=B)
            log(f"[{aux.name}] our dense kernel for the FLOP-ratio ideal")
            r = cpu.run_ours(aux, self.args, self.tmp, None)
            self.report["aux_dense"].append({"name": aux.name, **r})
            self.known[case.dense_key] = r
        return self.known[case.dense_key]

    def ideal(self, case, V, ours):
        """The FLOP-ratio ideal L*L/V of a sparse case and the fraction of it
        ours reaches: (dense ms / ours ms) / (L*L/V)."""
        n2 = case.L * case.L
        base = self.get(case)
        res = {"ratio": n2 / V}
        if base["status"] != "ok":
            return dict(res, error=f"our dense kernel n/a: {base['error']}")
        dense_ms = base["median_ms"]
        res.update(dense_ms=dense_ms, ideal_ms=dense_ms * V / n2)
        if ours["status"] == "ok":
            gain = dense_ms / ours["median_ms"]
            res.update(speedup_over_dense=gain, achieved_fraction=gain * V / n2)
        return res


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

def case_row(c, peers):
    """The cells of one case's row in the Markdown table."""
    o, ideal = c["ours"], c.get("ideal") or {}
    ok = o["status"] == "ok"
    cells = [c["name"], f"{c['density']:.4f}",
             cpu.fmt_ms(o["median_ms"]) if ok else f"n/a: {o['error']}".replace("|", "\\|"),
             f"{o['tflops']:.3g}" if ok else "-",
             cpu.fmt_ms(o.get("call_median_ms")) if ok else "-", cpu.fmt_ms(c.get("copy_ms"))]
    for p in peers:
        cells.extend(cpu.peer_cell(c["peers"].get(p)))
    frac = ideal.get("achieved_fraction")
    cells.append(f"{ideal['ratio']:.2f}x" if ideal else "-")
    cells.append("-" if frac is None else f"{frac:.2f}")
    return cells


def markdown(report):
    meta = report["meta"]
    lines = [f"# attn-mlir GPU attention benchmark ({meta['date']})", ""]
    lines.append(f"- device: {meta['device']} ({meta['capability']}, driver "
                 f"{meta.get('driver') or 'n/a'}); attn-run sees: {meta.get('attn_run_device')}")
    popt = meta.get("pipeline_options")
    lines.append("- ours: `attn-run --pipeline=cuda"
                 + (f" --pipeline-options='{popt}'" if popt else "") + "` "
                 f"(warmup {meta['warmup']}, median of {meta['repeat']}; `ours ms` is the "
                 "kernel alone, CUDA events around each launch; `call ms` the whole call, "
                 "with device allocation and host<->device copies)")
    lines.append("- peers: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v)
                 + f" (CUDA events, warmup {meta['warmup']}, median of {meta['repeat']})")
    lines.append(f"- command: `{meta['command']}`")
    lines.append("")
    peers = [p for p in PEER_ORDER if any(p in c["peers"] for c in report["cases"])]
    head = ["case", "V/L^2", "ours ms", "ours TFLOP/s", "call ms", "copy ms"]
    head += [f"{pre}{cpu.label(report, p)}{post}" for p in peers
             for pre, post in (("", " ms"), ("x ", ""))]
    head += ["ideal ratio", "achieved/ideal"]
    rows = [case_row(c, peers) for c in report["cases"]]
    lines += ["| " + " | ".join(r) + " |" for r in [head, ["---"] * len(head)] + rows]
    lines += ["", "x PEER = PEER ms / ours ms (above 1: ours is faster). copy ms = torch "
              "copying Q, K, V (pageable host memory) to the device and O back, which every "
              "call of ours also does. ideal ratio = L*L/V; achieved/ideal = "
              "(ours dense ms / ours ms) / (L*L/V), with our dense kernel at the same "
              "B, H, L, D.", ""]
    lines += ["## Numerical agreement (max abs error against PyTorch SDPA, same bf16 inputs)", ""]
    for c in report["cases"]:
        parts = []
        for who, r in [("ours", c["ours"])] + list(c["peers"].items()):
            e = r.get("max_abs_err_vs_sdpa")
            if e is not None:
                parts.append(f"{who} {e:.2e}" + ("" if e <= VERIFY_ATOL else " (FAIL)"))
        if parts:
            text = ", ".join(parts) + f" (vs {c.get('reference')})"
        elif c.get("reference_error"):
            text = f"nothing to compare (reference n/a: {c['reference_error']})"
        else:
            text = "nothing to compare"
        lines.append(f"- {c['name']}: {text}")
    lines += ["", "## Cases", ""]
    for c in report["cases"]:
        lines.append(f"- {c['name']}: {c['describe']}, V = {c['visible_pairs']}, useful "
                     f"GFLOP = {c['useful_flops'] / 1e9:.3f}, our kernel: "
                     f"{kernel_text(c['ours'].get('kernel'))}")
    notes = sorted({f"{cpu.label(report, k)}: {p['note']}" for c in report["cases"]
                    for k, p in c["peers"].items() if p.get("note")})
    if notes:
        lines += ["", "## Peer notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def write_markdown(report, path):
    """Prints the report's Markdown and writes it to `path` (if any)."""
    text = markdown(report)
    print(text)
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        log(f"wrote {path}")


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

TOOL_HELP = {"attn-run": "times ours", "attn-opt": "parse check, kernel probe and --dry-run"}


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] + " See bench/GPU.md.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    for tool, what in TOOL_HELP.items():
        ap.add_argument(f"--{tool}", default=os.path.join(REPO, "build", "bin", tool),
                        help=f"{tool} binary ({what})")
    ap.add_argument("--pipeline-options", default="",
                    help="passed to attn-run as --pipeline-options=... (and to attn-opt's "
                         "--attn-gpu-pipeline), e.g. 'tensor-cores=true tile-k=64'")
    ap.add_argument("--filter", "--cases", dest="cases", default="*",
                    help="comma-separated case names or globs (see --list)")
    ap.add_argument("--peers", default=",".join(PEER_ORDER),
                    help="comma-separated peers to run: " + ", ".join(PEER_ORDER))
    for flag, what in (
            ("--list", "list the cases and exit"),
            ("--quick", "small sizes, for smoke tests"),
            ("--dry-run", "write the MLIR files and compile each with attn-opt "
                          "--attn-gpu-pipeline (no GPU, no torch needed); time nothing"),
            ("--no-verify", "skip the numerical checks (no --input/--output-dir for attn-run)")):
        ap.add_argument(flag, action="store_true", help=what)
    ap.add_argument("--warmup", type=int, default=3, help="untimed calls per measurement")
    ap.add_argument("--repeat", type=int, default=20, help="timed calls (median reported)")
    ap.add_argument("--natten-path", metavar="DIR",
                    help="put DIR first on sys.path before importing natten")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    ap.add_argument("--chip", default="sm_90",
                    help="--dry-run target chip (a real run compiles for the device at hand)")
    ap.add_argument("--mlir-dir", metavar="DIR",
                    help="keep the generated MLIR files in DIR (default: a temporary dir)")
    ap.add_argument("--out", help="JSON results (default: bench/results/gpu-<date-time>.json; "
                                  "none for --dry-run unless given)")
    ap.add_argument("--markdown", default="auto", help="Markdown table; auto: --out with .md")
    ap.add_argument("--from-json", metavar="FILE",
                    help="run nothing: print (and --markdown) the table of an earlier --out")
    # Where the peers run: always "cuda" for results; another torch device
    # only exercises the harness's own flow (e.g. "cpu" with torch.cuda mocked).
    ap.add_argument("--device", default="cuda", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0:
        ap.error("--repeat must be >= 1, --warmup >= 0")
    if args.out is None and not args.dry_run:
        date = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S")
        args.out = os.path.join(HERE, "results", f"gpu-{date}.json")
    if args.markdown == "auto":
        base = args.from_json or args.out
        args.markdown = os.path.splitext(base)[0] + ".md" if base else ""
    # What cpu.run_ours reads besides these: the pipeline and the host threads
    # of attn-run (OMP_NUM_THREADS; the host part of the entry is tiny).
    args.pipeline, args.threads = "cuda", os.cpu_count()
    return args


def main(argv=None):
    args = parse_args(argv)
    all_cases = make_cases(args.quick)
    if args.list:
        print("\n".join(f"{c.name:30s} {c.describe()}; peers: {', '.join(c.peers)}"
                        for c in all_cases))
        return 0
    if args.from_json:
        # Re-render an earlier run's table; its check verdict is the exit status.
        with open(args.from_json) as f:
            report = json.load(f)
        write_markdown(report, args.markdown)
        return 1 if report.get("verification_failures") else 0
    cases, unknown = cpu.select(all_cases, args.cases)
    if unknown:
        log(f"error: no case matches {', '.join(unknown)} (see --list"
            + ("" if args.quick else "; --quick has other sizes") + ")")
        return 2
    if args.dry_run:
        if args.mlir_dir:
            os.makedirs(args.mlir_dir, exist_ok=True)
            return dry_run(cases, args, args.mlir_dir)
        with tempfile.TemporaryDirectory(prefix="attn-gpu-dry-") as tmp:
            return dry_run(cases, args, tmp)
    want_peers = {p.strip() for p in args.peers.split(",") if p.strip()}
    bad = want_peers - set(PEER_ORDER)
    if bad:
        log(f"error: unknown peer(s) {', '.join(sorted(bad))}")
        return 2
    return run(cases, args, want_peers, argv)


def run(cases, args, want_peers, argv):
    # torch and numpy are imported here only: --list, --dry-run and
    # --from-json run without them.
    missing = [m for m in ("numpy", "torch") if importlib.util.find_spec(m) is None]
    if missing:
        log(f"error: the peers need {' and '.join(missing)} (torch with CUDA; bench/GPU.md)")
        return 2
    import numpy as np
    import torch
    warnings.filterwarnings("ignore")   # torch/natten deprecation chatter
    if args.natten_path:                # before GPUPeers imports natten
        sys.path.insert(0, os.path.abspath(args.natten_path))
    if not torch.cuda.is_available():
        log("error: torch sees no CUDA device (--dry-run compiles without one)")
        return 2
    dev = torch.device(args.device)
    peers = GPUPeers(torch)
    cap = torch.cuda.get_device_capability(dev)
    chip = f"sm_{cap[0]}{cap[1]}"
    meta = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "host": platform.node(), "device": torch.cuda.get_device_name(dev),
        "capability": chip,
        "driver": tool_line(["nvidia-smi", "--query-gpu=driver_version",
                             "--format=csv,noheader"]),
        "attn_run_device": tool_line([args.attn_run, "--probe-cuda"]),
        "pipeline": "cuda", "pipeline_options": args.pipeline_options,
        "attn_run": args.attn_run, "warmup": args.warmup, "repeat": args.repeat,
        "quick": args.quick, "seed": args.seed, "python": platform.python_version(),
        "command": shlex.join(["bench/gpu_attention.py"]
                              + (sys.argv[1:] if argv is None else argv)),
        "versions": peers.versions,
    }
    labels = dict(PEER_LABELS)
    nv = peers.versions.get("natten")
    if nv:
        new = cpu.Peers._natten_new(peers.natten)
        labels.update({"natten": f"NATTEN {nv}" + ("" if new else " unfused"),
                       "natten-fused": f"NATTEN {nv} " + ("flex" if new else "fused")})
    log(f"device: {meta['device']} ({chip}); attn-run: {meta['attn_run_device']}")
    report = {"meta": meta, "cases": [], "aux_dense": [], "peer_labels": labels}
    failures = []

    with tempfile.TemporaryDirectory(prefix="attn-gpu-bench-") as tmp:
        # What every case needs, in one place.
        env = types.SimpleNamespace(
            args=args, want_peers=want_peers, tmp=tmp, peers=peers, chip=chip, np=np,
            torch=torch, dev=dev, failures=failures, dense=DenseBaseline(args, tmp, report),
            gen=torch.Generator().manual_seed(args.seed))
        for case in cases:
            report["cases"].append(run_case(case, env))
            torch.cuda.empty_cache()    # leave the memory to attn-run's next process

    report["verification_failures"] = failures
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    log(f"wrote {args.out}")
    write_markdown(report, args.markdown)
    if failures:
        log("verification FAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0


def measure_peer(torch, peers, key, case, qkv, mask, args, flops):
    """Builds and times peer `key`; returns its result dict and its output
    as float32 B x H x L x D (for the numerical check)."""
    fn, to_bhld, note = peers.build(key, case, *qkv, mask)
    out, first, times = time_cuda(torch, fn, args.warmup, args.repeat)
    med = statistics.median(times)
    result = {"status": "ok", "note": note, "setup_s": peers.last_setup_s,
              "median_ms": med, "min_ms": min(times), "times_ms": times,
              "first_call_s": first, "tflops": flops / med * 1e-9}
    return result, (to_bhld(out) if to_bhld else out).float()


def run_case(case, env):
    """Ours and the peers on one case; returns the case's report entry."""
    args, np, torch, dev, peers = env.args, env.np, env.torch, env.dev, env.peers
    tmp, failures = env.tmp, env.failures
    log(f"[{case.name}] {case.describe()}")
    B, H, L, D = case.B, case.H, case.L, case.D
    # Inputs: uniform in [-1, 1) rounded to bf16, shared by ours and every
    # peer. attn-run reads float32 .npy files and rounds to bf16 itself,
    # which leaves these (already bf16) values unchanged.
    host = [((torch.rand(B, H, L, D, generator=env.gen) * 2 - 1).to(torch.bfloat16))
            for _ in range(3)]
    inputs = None
    if not args.no_verify:
        inputs = []
        for name, t in zip("qkv", host):
            inputs.append(os.path.join(tmp, f"{case.name}.{name}.npy"))
            np.save(inputs[-1], t.float().numpy())
    V, mask = visible_pairs(torch, case.pattern, L, dev, case.sparse)
    flops = 2 * (D + case.Dv) * B * H * V
    entry = {"name": case.name, "group": case.group, "B": B, "H": H, "L": L, "D": D,
             "Dv": case.Dv, "dtype": case.dtype, "pattern": case.pattern.mlir(),
             "describe": case.describe(), "visible_pairs": V, "density": V / (L * L),
             "useful_flops": flops, "peers": {}}

    # Ours (attn-run in its own process, before the peers fill the device).
    o = cpu.run_ours(case, args, tmp, inputs)
    if o["status"] == "ok":
        if "kernel_median_ms" not in o:
            o.update(status="error", error="attn-run reported no kernel time "
                     "(kernel_median_ms); is it older than the benchmark?")
        else:
            # Ours is the kernel time; the whole call stays as call_*.
            o.update(call_median_ms=o["median_ms"], call_min_ms=o["min_ms"],
                     median_ms=o["kernel_median_ms"], min_ms=o["kernel_min_ms"])
    if args.attn_opt and os.path.exists(args.attn_opt) and os.path.exists(o["mlir_file"]):
        o["kernel"] = kernel_info(args.attn_opt, o["mlir_file"], args.pipeline_options,
                                  env.chip)
    if o["status"] == "ok":
        o["tflops"] = flops / o["median_ms"] * 1e-9
        if o["useful_flops"] != flops:
            failures.append(f"{case.name}: attn-run useful_flops {o['useful_flops']} != "
                            f"2*(D+Dv)*B*H*V = {flops} from the pattern rule")
            log("  ERROR " + failures[-1])
        log(f"  ours: {o['median_ms']:.3f} ms, {o['tflops']:.2f} TFLOP/s "
            f"({kernel_text(o.get('kernel'))})")
    else:
        log(f"  ours: n/a: {o['error']}")
    entry["ours"] = o
    env.dense.note(case, o)
    entry["copy_ms"] = time_copies(torch, host, dev, args.warmup, args.repeat)

    # Peers, on the device-resident inputs.
    q, k, v = (t.to(dev) for t in host)
    ref = None
    for key in [p for p in PEER_ORDER if p in case.peers and p in env.want_peers]:
        r = {}
        try:
            r, out = measure_peer(torch, peers, key, case, (q, k, v), mask, args, flops)
            med = r["median_ms"]
            if key in REFERENCE_PEERS and ref is None:
                ref, entry["reference"] = out, key
            elif ref is not None:
                r["max_abs_err_vs_sdpa"] = float((out - ref).abs().max())
            else:
                r["_out"] = out         # compared once a reference exists (below)
            if o["status"] == "ok":
                r["speedup"] = med / o["median_ms"]
            log(f"  {key}: {med:.3f} ms (first call {r['first_call_s']:.1f} s)")
        except Exception as e:  # noqa: BLE001 -- every failure is reported
            r.update(status="error", error=err_text(e))
            if not r.get("note") and peers.last_note:
                r["note"] = peers.last_note
            log(f"  {key}: n/a: {r['error']}")
        entry["peers"][key] = r
        out = None

    # Numerical check of ours and the other peers against SDPA. Without a
    # reference peer (not asked for, or it failed) SDPA with whatever
    # backend torch picks, untimed, is the reference.
    if ref is None and not args.no_verify:
        ref = fallback_reference(torch, case, q, k, v, mask, entry)
        for r in entry["peers"].values():
            if r.get("status") == "ok" and ref is not None:
                r["max_abs_err_vs_sdpa"] = float((r.pop("_out") - ref).abs().max())
    for r in entry["peers"].values():
        r.pop("_out", None)
    if o["status"] == "ok" and ref is not None and o.get("output_npy"):
        got = torch.from_numpy(np.load(o["output_npy"])).to(dev)
        o["max_abs_err_vs_sdpa"] = float((got - ref).abs().max())
    for who, r in [("ours", o)] + list(entry["peers"].items()):
        e = r.get("max_abs_err_vs_sdpa")
        if e is not None and not e <= VERIFY_ATOL:
            failures.append(f"{case.name}: {who} differs from {entry['reference']} by "
                            f"{e:.3g} > {VERIFY_ATOL}")
            log("  ERROR " + failures[-1])

    # The arrays of this case are not needed again (they are large at L = 16384).
    for path in (inputs or []) + [o.get("output_npy")]:
        if path and os.path.exists(path):
            os.remove(path)

    # FLOP-ratio ideal against our own dense kernel.
    if case.sparse:
        entry["ideal"] = env.dense.ideal(case, V, o)
    return entry


if __name__ == "__main__":
    sys.exit(main())
