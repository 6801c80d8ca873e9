#!/usr/bin/env bash
# Installs the build to a fresh prefix, builds this consumer against that
# prefix alone, and runs it on a model: the test behind ctest
# install-consumer.
#   examples/consumer/test.sh BUILD_DIR WORK_DIR
set -euo pipefail
build="$1"
work="$2"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
prefix="$work/prefix"

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

# What the package promises: generated headers, TableGen files, libraries,
# tools, the plugin and the CMake package.
for f in include/attn/InitAll.h \
         include/attn/Dialect/Attn/IR/AttnOps.h.inc \
         include/attn/Dialect/Attn/IR/AttnOps.td \
         include/attn/Conversion/Passes.h.inc \
         lib/libAttnDialect.a lib/libAttnPlugin.so \
         bin/attn-opt bin/attn-run \
         lib/cmake/AttnMLIR/AttnMLIRConfig.cmake \
         lib/cmake/AttnMLIR/AttnMLIRTargets.cmake; do
  [ -e "$prefix/$f" ] || { echo "test.sh: $f was not installed" >&2; exit 1; }
done

# The consumer sees the prefix only: no path into the build or source tree.
cmake -G Ninja -S "$here" -B "$work/consumer" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log"
if grep -rqF -e "$build" -e "$root/include" "$prefix/lib/cmake/AttnMLIR"; then
  echo "test.sh: the installed package names the build or source tree" >&2
  exit 1
fi
ninja -C "$work/consumer" >"$work/build.log" || { cat "$work/build.log" >&2; exit 1; }

out="$work/raised.mlir"
"$work/consumer/raise-attention" "$root/examples/gpt2-block.mlir" >"$out"
raised=$(grep -c "= attn.attention" "$out" || true)
causal=$(grep -c "pattern = #attn.causal" "$out" || true)
echo "consumer: $raised attn.attention, $causal with #attn.causal"
[ "$raised" -eq 1 ] && [ "$causal" -eq 1 ]

# The installed attn-opt runs from the prefix too.
"$prefix/bin/attn-opt" "$out" --attn-cpu-pipeline -o "$work/lowered.mlir"
grep -q "llvm.func @main" "$work/lowered.mlir"
# A bad file gives MLIR's diagnostic and exit 1.
printf 'func.func @f() {\n  %%x = bogus.op\n}\n' >"$work/bad.mlir"
if "$work/consumer/raise-attention" "$work/bad.mlir" 2>"$work/bad.err"; then
  echo "test.sh: bad input accepted" >&2; exit 1
fi
grep -q "bad.mlir:2:" "$work/bad.err"
echo "consumer: ok"
