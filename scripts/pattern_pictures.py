#!/usr/bin/env python3
"""Draws the visibility mask of each example pattern of docs/Patterns.md.

The masks come from attn-mlir itself: every pattern is put on an
attn.attention op, `attn-opt --attn-materialize-pattern` turns it into a
constant i1 mask, and that constant is drawn as a PNG (query rows top to
bottom, keys left to right; dark = visible). Standard library only.

Usage: scripts/pattern_pictures.py [--attn-opt build/bin/attn-opt] [--out docs/images]
"""
import argparse
import os
import re
import struct
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# name -> (pattern, Lq, Lk)
PATTERNS = {
    "causal": ("#attn.causal", 16, 16),
    "causal-decode": ("#attn.causal", 6, 16),
    "window": ("#attn.window<left = 4, right = 0, sinks = 2>", 16, 16),
    "window-bidirectional": ("#attn.window<left = 2, right = 2>", 16, 16),
    "neighborhood-1d": ("#attn.neighborhood<shape = [16], kernel = [5]>", 16, 16),
    "neighborhood-1d-dilated": ("#attn.neighborhood<shape = [16], kernel = [3], dilation = [2]>", 16, 16),
    "neighborhood-1d-even-stride": ("#attn.neighborhood<shape = [16], kernel = [4], stride = [2]>", 16, 16),
    "neighborhood-1d-causal": ("#attn.neighborhood<shape = [16], kernel = [4], causal = [1]>", 16, 16),
    "neighborhood-2d": ("#attn.neighborhood<shape = [5, 5], kernel = [3, 3]>", 25, 25),
    "neighborhood-2d-blocked": ("#attn.neighborhood<shape = [4, 4], kernel = [2, 2], stride = [2, 2]>", 16, 16),
    "neighborhood-3d-causal": ("#attn.neighborhood<shape = [3, 3, 3], kernel = [2, 3, 3], causal = [1, 0, 0]>", 27, 27),
    "block-sparse": ("#attn.block_sparse<block = [4, 4], layout = dense<[[true, false, false, true], "
                     "[false, true, false, true], [true, false, true, false], [false, false, true, true]]> : tensor<4x4xi1>>", 16, 16),
}

CELL = 12  # pixels per mask entry
GAP = 1


def module_text():
    funcs = []
    for name, (pattern, lq, lk) in PATTERNS.items():
        q = f"tensor<1x1x{lq}x4xf32>"
        k = f"tensor<1x1x{lk}x4xf32>"
        funcs.append(
            f'func.func @{name.replace("-", "_")}(%q: {q}, %k: {k}, %v: {k}) -> {q} {{\n'
            f"  %o = attn.attention %q, %k, %v {{pattern = {pattern}}} : {q}, {k}, {k} -> {q}\n"
            f"  return %o : {q}\n}}\n")
    return "\n".join(funcs)


def masks(attn_opt):
    out = subprocess.run(
        [attn_opt, "-", "--attn-materialize-pattern=form=constant",
         "--mlir-print-elementsattrs-with-hex-if-larger=-1"],
        input=module_text(), capture_output=True, text=True, check=True).stdout
    result = {}
    # One constant per function, in order.
    constants = re.findall(r"arith\.constant dense<(.*?)> : tensor<(\d+)x(\d+)xi1>", out, re.S)
    if len(constants) != len(PATTERNS):
        sys.exit(f"expected {len(PATTERNS)} masks from attn-opt, got {len(constants)}")
    for name, (body, lq, lk) in zip(PATTERNS, constants):
        lq, lk = int(lq), int(lk)
        if body.strip() in ("true", "false"):
            bits = [body.strip() == "true"] * (lq * lk)
        else:
            bits = [w == "true" for w in re.findall(r"true|false", body)]
        if len(bits) != lq * lk:
            sys.exit(f"{name}: mask has {len(bits)} entries, expected {lq * lk}")
        result[name] = (lq, lk, bits)
    return result


def write_png(path, lq, lk, bits):
    width, height = lk * CELL, lq * CELL
    rows = []
    for y in range(height):
        i, inner_y = divmod(y, CELL)
        row = bytearray([0])  # filter type 0
        for x in range(width):
            j, inner_x = divmod(x, CELL)
            if inner_x >= CELL - GAP or inner_y >= CELL - GAP:
                row += b"\xff\xff\xff"
            elif bits[i * lk + j]:
                row += b"\x1f\x4e\x9a"
            else:
                row += b"\xe8\xec\xf2"
        rows.append(bytes(row))

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data +
                struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
    png += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attn-opt", default=os.path.join(ROOT, "build", "bin", "attn-opt"))
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "images"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, (lq, lk, bits) in masks(args.attn_opt).items():
        path = os.path.join(args.out, f"pattern-{name}.png")
        write_png(path, lq, lk, bits)
        print(f"{path}: {lq} x {lk}, {sum(bits)} visible")


if __name__ == "__main__":
    main()
