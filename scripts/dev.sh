#!/usr/bin/env bash
# attn-mlir developer entry point. Installs what is missing (Debian 12),
# configures and builds, then runs one of:
#   scripts/dev.sh demo   the main job: attn-opt on examples/ with a summary
#   scripts/dev.sh test   every test (lit + GoogleTest + doc freshness) via ctest
#   scripts/dev.sh build  just install and build
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTN_BUILD_DIR:-$root/build}"
mode="${1:-test}"

packages=(cmake ninja-build ccache g++ libmlir-22-dev mlir-22-tools llvm-22-dev
          llvm-22-tools libgtest-dev python3 python3-numpy)

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
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

configure_and_build() {
  if [ ! -f "$build/build.ninja" ]; then
    cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
      -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir
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
    attn-opt "$in" --canonicalize --attn-reference-pipeline -o "$out"
    cat "$out"
    before=$(grep -c "= attn\.attention" "$in" || true)
    merges=$(grep -c "= attn\.token_merge" "$in" || true)
    left=$(grep -c "attn\." "$out" || true)
    llvm=$(grep -c "llvm\.func" "$out" || true)
    echo "summary: $in: $before attn.attention + $merges attn.token_merge lowered through the reference pipeline to $llvm llvm.func, $left attn ops left"
    attn-run "$in" --entry=main --seed=1
    rm -f "$out"
    ;;
  test)
    cd "$build"
    ctest --output-on-failure
    ;;
  *) echo "usage: scripts/dev.sh [demo|test|build]" >&2; exit 2 ;;
esac
