#!/usr/bin/env bash
# The GPU kit: attn-run and what its GPU tests need, for a machine with an
# NVIDIA GPU but without LLVM 22 (the device machines have the CUDA toolkit,
# PyTorch and python3, no package registry, and take at most 64 MiB of
# files along with the repository).
#
#   scripts/device-kit.sh build      here: build/kit/attn-kit.tar.xz (about 31 MB)
#                                    and a copy in .kit/ (ignored by git,
#                                    for the device tool's `carry`)
#   scripts/device-kit.sh selftest   here: unpack the kit and run the tests
#                                    that use the project's CUDA runtime with
#                                    the kit's programs alone (no GPU: on
#                                    attn-run's simulated driver)
#   scripts/device-kit.sh run [--bench] [--bench-options OPTS] [--filter REGEX] [--no-tests]
#                                    there, from the repository root: unpack
#                                    .kit/attn-kit.tar.xz, probe the GPU, run
#                                    the GPU tests (default filter: every
#                                    test that uses the CUDA runtime), then
#                                    with --bench bench/gpu_attention.py
#                                    (--bench-options: its --pipeline-options,
#                                    e.g. "wgmma=true"; results then named
#                                    gpu-bench-<options>; --no-tests: the
#                                    benchmark alone); logs and results go
#                                    to $OUT (or ./kit-results)
#
# The kit: attn-run linked against the static MLIR/LLVM libraries (so
# neither libMLIR.so nor libLLVM.so is needed), the project's CUDA runtime
# and libomp in lib/ (attn-run looks for them in ../lib beside itself),
# FileCheck and not with the shared libraries they need that the device
# machines may lack, and lit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${ATTN_BUILD_DIR:-$root/build}"
llvm=/usr/lib/llvm-22
mode="${1:-}"
shift || true

die() { echo "device-kit: $*" >&2; exit 2; }

build_kit() {
  [ -f "$build/build.ninja" ] || die "no build in $build (run scripts/dev.sh build first)"
  ninja -C "$build" attn-run AttnCudaRuntime >/dev/null
  local kit="$build/kit/attn-kit"
  rm -rf "$build/kit" && mkdir -p "$kit/bin" "$kit/lib"

  # attn-run's own link line, with the static MLIR/LLVM libraries in place
  # of libMLIR.so and libLLVM.so.
  local line
  line="$(ninja -C "$build" -t commands attn-run | tail -n 1)"
  case "$line" in *" -o bin/attn-run "*) ;; *) die "unexpected link line for attn-run: $line" ;; esac
  local statics
  statics="$(ls "$llvm"/lib/libMLIR*.a | grep -v -e MlirOptMain -e LspServer -e CAPI -e Python | tr '\n' ' ') $(ls "$llvm"/lib/libLLVM*.a | tr '\n' ' ')"
  line="${line//-o bin\/attn-run / -o kit/attn-kit/bin/attn-run }"
  line="${line//$llvm\/lib\/libMLIR.so.22.1/ -static-libstdc++ -static-libgcc -Wl,--start-group $statics -Wl,--end-group}"
  line="${line//$llvm\/lib\/libLLVM.so.1/ -Wl,-Bdynamic -l:libzstd.so.1 -l:libz.so.1 -lpthread -ldl}"
  line="${line//-Wl,-rpath,\"\\\$ORIGIN\/..\/lib:$llvm\/lib\"/-Wl,-rpath,\\\$ORIGIN/../lib}"
  echo "device-kit: linking a static attn-run"
  (cd "$build" && eval "${line#: && }") || die "static link failed"
  strip "$kit/bin/attn-run"
  if ldd "$kit/bin/attn-run" | grep -q -e libMLIR -e libLLVM; then
    die "the kit's attn-run still needs libMLIR/libLLVM"
  fi

  cp "$build/lib/libAttnCudaRuntime.so" "$kit/lib/"
  cp -L "$llvm/lib/libomp.so" "$kit/lib/"
  cp "$llvm/bin/FileCheck" "$llvm/bin/not" "$llvm/bin/count" "$kit/bin/"
  # Shared libraries of those that are not part of every Linux system.
  local lib
  for lib in $(ldd "$llvm/bin/FileCheck" "$llvm/bin/not" | awk '/=>/ {print $3}' | sort -u); do
    case "$(basename "$lib")" in
      libc.so*|libm.so*|libstdc++.so*|libgcc_s.so*|libz.so*|libzstd.so*|ld-linux*) ;;
      *) cp -L "$lib" "$kit/lib/" ;;
    esac
  done
  cp -r "$llvm/utils/lit" "$kit/lit"
  find "$kit/lit" -name __pycache__ -prune -exec rm -rf {} +
  git -C "$root" rev-parse HEAD > "$kit/COMMIT"

  echo "device-kit: compressing"
  tar -C "$build/kit" -cf - attn-kit | xz -T2 -6 > "$build/kit/attn-kit.tar.xz"
  mkdir -p "$root/.kit"
  cp "$build/kit/attn-kit.tar.xz" "$root/.kit/"
  echo "device-kit: $(du -h "$root/.kit/attn-kit.tar.xz" | cut -f1) in .kit/attn-kit.tar.xz (commit $(cat "$kit/COMMIT"))"
}

# Unpacks the kit into $1 and writes a lit site configuration there whose
# tools are the kit's and whose tests are this repository's.
unpack() {
  local dest="$1"
  local archive="$root/.kit/attn-kit.tar.xz"
  [ -f "$archive" ] || die "no $archive (scripts/device-kit.sh build makes it)"
  rm -rf "$dest" && mkdir -p "$dest"
  python3 -c "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$archive" "$dest"
  local kit="$dest/attn-kit"
  mkdir -p "$kit/test"
  cat > "$kit/test/lit.site.cfg.py" <<EOF
config.llvm_tools_dir = "$kit/bin"
config.attn_tools_dir = "$kit/bin"
config.attn_src_root = "$root"
config.attn_obj_root = "$kit"
import lit.llvm
lit.llvm.initialize(lit_config, config)
lit_config.load_config(config, "$root/test/lit.cfg.py")
EOF
}

# Runs lit with the kit's programs only.
kit_lit() {
  local kit="$1"; shift
  env PATH="$kit/bin:/usr/bin:/bin" LD_LIBRARY_PATH="$kit/lib" PYTHONPATH="$kit/lit" \
    python3 -c "import lit.main; lit.main.main()" "$@" "$kit/test"
}

case "$mode" in
  build) build_kit ;;
  selftest)
    dest="$(mktemp -d)"
    unpack "$dest"
    kit="$dest/attn-kit"
    for program in "$kit/bin/"*; do
      if LD_LIBRARY_PATH="$kit/lib" ldd "$program" | grep -e "$llvm" -e "not found"; then
        die "$(basename "$program") needs something outside the kit"
      fi
    done
    kit_lit "$kit" -sv --filter "cuda-sim|attn-run-cuda"
    rm -rf "$dest"
    ;;
  run)
    bench=0; bench_options=""; tests=1; filter="cuda|gpu-attention|attn-run-cuda"
    while [ $# -gt 0 ]; do
      case "$1" in
        --bench) bench=1 ;;
        --bench-options) bench_options="$2"; shift ;;
        --no-tests) tests=0 ;;
        --filter) filter="$2"; shift ;;
        *) die "unknown option $1" ;;
      esac
      shift
    done
    out="${OUT:-$root/kit-results}"
    mkdir -p "$out"
    unpack /tmp/attn-kit-run
    kit=/tmp/attn-kit-run/attn-kit
    # The toolkit (ptxas, libdevice) of the GPU pipeline and of lit's
    # cuda-toolkit feature, where it is not at /usr/local/cuda.
    if [ -z "${CUDA_HOME:-}" ] && command -v ptxas >/dev/null; then
      export CUDA_HOME="$(dirname "$(dirname "$(command -v ptxas)")")"
    fi
    echo "kit commit $(cat "$kit/COMMIT"), repository $(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)" | tee "$out/kit.txt"
    set +e
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee -a "$out/kit.txt"
    "$kit/bin/attn-run" --probe-cuda 2>&1 | tee -a "$out/kit.txt"
    status=0
    if [ "$tests" = 1 ]; then
      kit_lit "$kit" -v --filter "$filter" 2>&1 | tee "$out/lit.log"
      status=${PIPESTATUS[0]}
    fi
    if [ "$bench" = 1 ]; then
      name=gpu-bench
      [ -z "$bench_options" ] || name="gpu-bench-$(echo "$bench_options" | tr -c 'A-Za-z0-9_.\n' '_')"
      env PATH="$kit/bin:$PATH" LD_LIBRARY_PATH="$kit/lib" \
        python3 "$root/bench/gpu_attention.py" --attn-run "$kit/bin/attn-run" \
        --pipeline-options="$bench_options" \
        --out "$out/$name.json" --markdown "$out/$name.md" 2>&1 | tee "$out/$name.log"
      [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    fi
    exit "$status"
    ;;
  *) sed -n '2,/^set -euo pipefail/{/^set/!p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
