#!/usr/bin/env python3
"""Runs every code snippet of README.md: the test behind ctest
readme-snippets.

    docs/check_readme.py SOURCE_DIR BUILD_DIR

- ```sh blocks run in bash (-e -u -o pipefail) and ```python blocks in this
  interpreter, from a scratch copy of the repository root (symbolic links,
  with `build` pointing at BUILD_DIR), with build/python_packages on
  PYTHONPATH; each must exit 0. `scripts/dev.sh test` is the command that
  runs this check, so it is not run again.
- A ```python block that imports torch runs where torch and torch_mlir are
  importable (or in the interpreter named by ATTN_TORCH_PYTHON), and is
  reported as skipped otherwise.
- A block after `<!-- snippet of PATH -->` must appear in PATH, line by line
  (leading and trailing spaces aside); PATH itself is built and run by
  another test.
"""

import importlib.util
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)
SNIPPET_OF = re.compile(r"<!-- snippet of (\S+) -->\s*$")


def blocks(readme):
    for match in FENCE.finditer(readme):
        before = readme[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        of = SNIPPET_OF.match(before)
        line = readme.count("\n", 0, match.start()) + 1
        yield line, match.group(1), match.group(2), of.group(1) if of else None


def lines_of(text):
    return [l.strip() for l in text.splitlines() if l.strip()]


def contains(haystack, needle):
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def scratch_root(source, build):
    root = pathlib.Path(tempfile.mkdtemp(prefix="attn-readme-"))
    for entry in source.iterdir():
        if entry.name not in ("build", ".git"):
            (root / entry.name).symlink_to(entry)
    (root / "build").symlink_to(build)
    return root


def has_torch():
    return all(importlib.util.find_spec(m) for m in ("torch", "torch_mlir"))


def main():
    source, build = (pathlib.Path(a).resolve() for a in sys.argv[1:3])
    readme = (source / "README.md").read_text()
    root = scratch_root(source, build)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(build / "python_packages")
    # `python3` in a snippet is the interpreter the project was built for.
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env["PATH"]
    failed = passed = skipped = 0
    for line, lang, body, of in blocks(readme):
        where = f"README.md:{line} ({lang or 'text'})"
        if of:
            target = source / of
            ok = target.exists() and contains(lines_of(target.read_text()),
                                               lines_of(body))
            print(f"{where}: {'found' if ok else 'NOT found'} in {of}")
            passed, failed = passed + ok, failed + (not ok)
            continue
        if lang == "sh":
            kept = [l for l in body.splitlines()
                    if not l.strip().startswith("scripts/dev.sh test")]
            if len(kept) != len(body.splitlines()):
                print(f"{where}: `scripts/dev.sh test` not run (it runs "
                      f"this check)")
            command = ["bash", "-euo", "pipefail", "-c", "\n".join(kept)]
        elif lang == "python":
            interpreter = sys.executable
            if re.search(r"^\s*import torch|^from attn_mlir.torch", body, re.M):
                interpreter = os.environ.get("ATTN_TORCH_PYTHON")
                if not interpreter and has_torch():
                    interpreter = sys.executable
                if not interpreter:
                    print(f"{where}: skipped: torch or torch-mlir is not "
                          f"installed (ATTN_TORCH_PYTHON names an "
                          f"interpreter that has them)")
                    skipped += 1
                    continue
            command = [interpreter, "-c", body]
        else:
            print(f"{where}: FAILED: no way to test a '{lang}' block; mark "
                  f"it `<!-- snippet of PATH -->` or make it sh or python")
            failed += 1
            continue
        result = subprocess.run(command, cwd=root, env=env, text=True,
                                capture_output=True, timeout=1800)
        output = (result.stdout + result.stderr).strip()
        if result.returncode == 0:
            last = result.stdout.strip().splitlines()[-1:] or [""]
            print(f"{where}: passed: {last[0][:160]}")
            passed += 1
        else:
            print(f"{where}: FAILED (exit {result.returncode}):\n"
                  + output[-3000:])
            failed += 1
    shutil.rmtree(root)
    print(f"readme-snippets: {passed} passed, {skipped} skipped, "
          f"{failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
