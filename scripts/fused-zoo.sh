#!/usr/bin/env bash
# Raising after upstream's elementwise fusion, on every linalg file of the
# zoo: fuse (--linalg-fuse-elementwise-ops), then --attn-raise-pipeline
# --canonicalize --attn-infer-pattern; prints the raised ops, their patterns,
# K's head count, and attn-run's check against PyTorch's output at 1e-4 on
# the reference and cpu pipelines. docs/Raising.md quotes its result.
#   scripts/fused-zoo.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$root/build}/bin"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for f in "$root"/test/Models/*-linalg.mlir; do
  name="$(basename "$f" -linalg.mlir)"
  inputs="$(ls "$root"/test/Models/"$name".input*.npy | paste -sd, -)"
  expected="$root/test/Models/$name.output0.npy"
  "$bin/attn-opt" "$f" --linalg-fuse-elementwise-ops -o "$work/fused.mlir"
  "$bin/attn-opt" "$work/fused.mlir" --attn-raise-pipeline --canonicalize \
    --attn-infer-pattern -o "$work/raised.mlir" 2>/dev/null
  raised=$(grep -c "= attn.attention" "$work/raised.mlir" || true)
  patterns=$(grep -o "pattern = #attn\.[a-z_]*" "$work/raised.mlir" |
             sed 's/pattern = #attn.//' | sort | uniq -c | xargs || true)
  heads=$(grep -o "attn.attention .*" "$work/raised.mlir" |
          sed -E 's/.*: tensor<[0-9]+x([0-9?]+)x[^,]*, tensor<[0-9]+x([0-9?]+)x.*/\1\/\2/' |
          sort -u | xargs || true)
  checks=""
  for pipeline in reference cpu; do
    r=$("$bin/attn-run" "$work/raised.mlir" --pipeline=$pipeline --entry=main \
          --input="$inputs" --check-against="$expected" --atol=1e-4 --rtol=1e-4 2>&1 |
        grep -o "max_abs_err=[^ ]*\|check: [A-Z]*" | tail -2 | xargs || true)
    checks="$checks $pipeline: $r;"
  done
  echo "$name: raised=$raised patterns=[${patterns}] Hq/Hkv=[${heads}]${checks}"
done
