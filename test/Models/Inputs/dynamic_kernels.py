"""Runs dynamic-shape zoo exports with their sizes unknown when the kernels
are compiled, and compares with PyTorch's output.

attn-run specialises an entry to the sizes of its inputs before compiling
it, which would make every size static again. Here the raised module's @main
takes its inputs padded by 5 along every dynamic dimension, plus one 0-d
index tensor per dynamic dimension, and slices them back to the run-time
lengths, so the attention ops keep their `?` sizes through the pipeline; the
result is written into zeros of the padded size.

usage: dynamic_kernels.py OUTDIR MODELS PIPELINES ATTN_OPT ATTN_RUN
  MODELS: comma-separated zoo names (llamadyn-sdpa, ...), PIPELINES:
  comma-separated attn-run pipelines; the paths of attn-opt and attn-run.
Prints one line per (model, pipeline); exits 1 on a mismatch (1e-4), on an
op left for the reference lowering, or when the kernels are not dynamic.
"""
import os
import re
import subprocess
import sys

import numpy as np

MODELS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAD = 5
TOL = 1e-4


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr[-3000:]}")
    return r


def tensor_type(t):
    m = re.fullmatch(r"tensor<(.*)x(\w+)>", t)
    return m.group(1).split("x"), m.group(2)


def type_str(shape, elt):
    return f"tensor<{'x'.join(map(str, shape))}x{elt}>"


def wrap(raised, inputs, out, tmp, name):
    """@main of `raised` rewritten to take padded inputs and lengths."""
    head = re.search(r"func\.func @main\(([^)]*)\) -> (tensor<[^>]*>) \{\n",
                     raised)
    args = [a.split(": ")[1] for a in head.group(1).split(", ")]
    rtype = head.group(2)
    params, body, files, lengths = [], [], [], []
    for i, (a, t) in enumerate(zip(inputs, args)):
        shape, elt = tensor_type(t)
        padded = [a.shape[d] + PAD if s == "?" else int(s)
                  for d, s in enumerate(shape)]
        buf = np.zeros(padded, a.dtype)
        buf[tuple(slice(0, n) for n in a.shape)] = a
        files.append(f"{tmp}/{name}.in{i}.npy")
        np.save(files[-1], buf)
        params.append(f"%padded{i}: {type_str(padded, elt)}")
        sizes = []
        for d, s in enumerate(shape):
            if s != "?":
                sizes.append(s)
                continue
            j = len(lengths)
            lengths.append(a.shape[d])
            body.append(f"    %len{j} = tensor.extract %length{j}[] : "
                        "tensor<index>")
            sizes.append(f"%len{j}")
        rank = len(shape)
        body.append(
            f"    %arg{i} = tensor.extract_slice %padded{i}[{', '.join(['0'] * rank)}] "
            f"[{', '.join(sizes)}] [{', '.join(['1'] * rank)}] : "
            f"{type_str(padded, elt)} to {t}")
    for j, n in enumerate(lengths):
        files.append(f"{tmp}/{name}.len{j}.npy")
        np.save(files[-1], np.array(n, np.int64))
        params.append(f"%length{j}: tensor<index>")
    # The result's dynamic dimension is the first input's sequence length.
    rshape, relt = tensor_type(rtype)
    rpadded = [out.shape[d] + PAD if s == "?" else int(s)
               for d, s in enumerate(rshape)]
    rsizes = ["%len0" if s == "?" else s for s in rshape]
    ptype = type_str(rpadded, relt)
    ret = re.compile(r"\n\s*return (%[\w.]+) : " + re.escape(rtype) + r"\n")
    r = ret.search(raised, head.end())
    rank = len(rshape)
    tail = (f"\n    %zero_pad = arith.constant 0.0 : {relt}\n"
            f"    %empty_pad = tensor.empty() : {ptype}\n"
            f"    %zeros_pad = linalg.fill ins(%zero_pad : {relt}) "
            f"outs(%empty_pad : {ptype}) -> {ptype}\n"
            f"    %result_pad = tensor.insert_slice {r.group(1)} into "
            f"%zeros_pad[{', '.join(['0'] * rank)}] [{', '.join(rsizes)}] "
            f"[{', '.join(['1'] * rank)}] : {rtype} into {ptype}\n"
            f"    return %result_pad : {ptype}\n")
    text = (raised[:head.start()] +
            f"func.func @main({', '.join(params)}) -> {ptype} {{\n" +
            "\n".join(body) + "\n" + raised[head.end():r.start()] + tail +
            raised[r.end():])
    return text, files


def main():
    tmp, models, pipelines, attn_opt, attn_run = sys.argv[1:6]
    os.makedirs(tmp, exist_ok=True)
    failed = False
    for name in models.split(","):
        raised = run([attn_opt, f"{MODELS}/{name}-linalg.mlir",
                      "--attn-raise-pipeline", "--canonicalize",
                      "--attn-infer-pattern"]).stdout
        inputs, k = [], 0
        while os.path.exists(f"{MODELS}/{name}.input{k}.npy"):
            inputs.append(np.load(f"{MODELS}/{name}.input{k}.npy"))
            k += 1
        out = np.load(f"{MODELS}/{name}.output0.npy")
        text, files = wrap(raised, inputs, out, tmp, name)
        path = f"{tmp}/{name}.mlir"
        with open(path, "w") as f:
            f.write(text)
        for pipeline in pipelines.split(","):
            lowering = {"cpu": "--convert-attn-to-cpu"}.get(
                pipeline, "--convert-attn-to-gpu")
            low = run([attn_opt, path, lowering])
            dynamic = re.search(r"memref<\d+x\d+x\?x\d+xf32>", low.stdout)
            remarks = low.stderr.count("remark:")
            extra = (["--cuda-driver=sim", "--pipeline-options=format=isa"]
                     if pipeline == "cuda" else [])
            run([attn_run, path, f"--pipeline={pipeline}", "--entry=main",
                 "--input=" + ",".join(files), f"--output-dir={tmp}/out"] +
                extra)
            got = np.load(f"{tmp}/out/main.result0.npy")
            inside = tuple(slice(0, n) for n in out.shape)
            err = float(np.abs(got[inside] - out).max())
            padding = got.copy()
            padding[inside] = 0
            ok = (err <= TOL and not padding.any() and remarks == 0 and
                  dynamic is not None)
            failed |= not ok
            print(f"{name} {pipeline}: dynamic-kernels={dynamic is not None} "
                  f"remarks={remarks} max_abs_err={err:.2e} "
                  f"padding-zero={not padding.any()} "
                  f"{'PASS' if ok else 'FAIL'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
