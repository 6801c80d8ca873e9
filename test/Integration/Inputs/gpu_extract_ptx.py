"""Writes the PTX held by the first `gpu.binary` object (format=isa) of an
MLIR file to stdout, unescaping MLIR's string syntax."""

import re
import sys

text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
match = re.search(r'assembly = "((?:[^"\\]|\\.)*)"', text)
if not match:
    sys.exit("gpu_extract_ptx: no gpu.object with an assembly string")
raw = match.group(1)
out = re.sub(r"\\([0-9A-Fa-f]{2})|\\\\|\\\"",
             lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(0)[1],
             raw)
sys.stdout.write(out)
