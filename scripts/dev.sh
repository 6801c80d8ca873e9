#!/usr/bin/env bash
# attn-mlir developer entry point. Installs what is missing (Debian 12),
# configures and builds, then runs one of:
#   scripts/dev.sh demo   the main job: attn-opt on examples/ with a summary
#   scripts/dev.sh test   every test (lit + GoogleTest + doc freshness) via ctest
#   scripts/dev.sh build  just install and build
#   scripts/dev.sh fuzz N [SEED]  N pass runs of attn-fuzz (default 50000;
#                         seed: the time, printed) over test/, findings
#                         written to $build/fuzz-findings
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTN_BUILD_DIR:-$root/build}"
mode="${1:-test}"

packages=(cmake ninja-build ccache g++ libmlir-22-dev mlir-22-tools llvm-22-dev
          llvm-22-tools libomp-22-dev libgtest-dev python3 python3-numpy
          python3-dev python3-pytest pybind11-dev)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "dev.sh: installing ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "dev.sh: need root or sudo to install ${missing[*]}" >&2; exit 2; }
    sudo="sudo"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  # Debian 12 ships LLVM/MLIR 22 through bookworm-security, which a minimal
  # bootstrap (debootstrap) leaves out of the apt sources.
  local p
  for p in "${missing[@]}"; do
    if ! apt-cache show "$p" >/dev/null 2>&1; then
      echo "dev.sh: package $p is not in the configured apt sources; on Debian 12," \
           "LLVM/MLIR 22 come from bookworm-security (deb http://deb.debian.org/debian-security" \
           "bookworm-security main)" >&2
      exit 2
    fi
  done
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

configure_and_build() {
  if [ ! -f "$build/build.ninja" ]; then
    cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
      -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
      -DPython3_EXECUTABLE=/usr/bin/python3
  fi
  ninja -C "$build"
}

install_missing
configure_and_build
export PATH="$build/bin:$PATH"

case "$mode" in
  build) ;;
  demo)
    in="$root/examples/gpt2-block.mlir"
    out="$(mktemp)"
    inferred="$(mktemp)"
    attn-opt "$in" --attn-raise --canonicalize --attn-infer-pattern -o "$inferred"
    attn-opt "$inferred" --canonicalize --attn-reference-pipeline -o "$out"
    cat "$inferred"
    softmaxes=$(grep -c "linalg\.softmax" "$in" || true)
    raised=$(grep -c "= attn\.attention" "$inferred" || true)
    patterns=$(grep -o "pattern = #attn\.[a-z_]*" "$inferred" | sed 's/pattern = //' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')
    left=$(grep -c "attn\." "$out" || true)
    llvm=$(grep -c "llvm\.func" "$out" || true)
    # Same numbers before and after the rewrite, on the same random inputs.
    results="$(mktemp -d)"
    attn-run "$in" --entry=main --seed=1 --output-dir="$results" >/dev/null
    same=$(attn-run "$inferred" --entry=main --seed=1 \
             --check-against="$results/main.result0.npy" | grep -o "max_abs_err=[^ ]*" || true)
    echo "summary: $in: --attn-raise: $raised attn.attention from $softmaxes softmax; --attn-infer-pattern: mask -> ${patterns:-no pattern}; attn-run before vs after: $same; reference pipeline: $llvm llvm.func, $left attn ops left"
    rm -rf "$inferred" "$out" "$results"
    ;;
  test)
    cd "$build"
    ctest --output-on-failure
    ;;
  fuzz)
    runs="${2:-50000}"
    seed="${3:-$(date +%s)}"
    attn-fuzz "$root/test" --runs="$runs" --seed="$seed" \
      --findings-dir="$build/fuzz-findings"
    ;;
  *) echo "usage: scripts/dev.sh [demo|test|build|fuzz N [SEED]]" >&2; exit 2 ;;
esac
