#!/usr/bin/env bash
# Builds NATTEN 0.17.5, the last NATTEN release with CPU kernels (libnatten's
# naive CPU na1d/na2d/na3d QK and AV ops), against the installed torch, and
# installs it into a separate directory so that it does not replace the pinned
# natten of bench/requirements.txt. Use it with
#   bench/cpu_attention.py --natten-path DIR ...
#
# Usage: bench/build_natten_cpu.sh [DIR] [PYTHON]
#   DIR     install directory (default: bench/natten-0.17.5-cpu)
#   PYTHON  the Python whose torch to build against (default: python3)
#   NATTEN_WHEEL=FILE  install this already built wheel instead of building
# Takes ~15 minutes on 2 cores. Needs cmake and a C++20 compiler (g++ 12).
#
# NATTEN 0.17.5 is older than torch 2.15 (what this was done with); three patches:
#   1. csrc/CMakeLists.txt: C++17 -> C++20 (torch's headers require C++20:
#      "#error C++20 or later compatible compiler is required to use ATen").
#   2. every `from torch.cuda import _device_t` (gone from torch; in
#      natten/context.py, natten/utils/misc.py, natten/utils/testing.py,
#      natten/autotuner/misc.py) -> a typing alias, in the installed files.
#   3. natten/utils/misc.py get_device_cc(): return 0 without a CUDA device
#      instead of raising "Found no NVIDIA driver" at import time.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="$(realpath -m "${1:-$HERE/natten-0.17.5-cpu}")"
PY="${2:-python3}"
VERSION=0.17.5

WORK="$(mktemp -d -t natten-build-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

"$PY" -c "import torch; print('building against torch', torch.__version__)"
if [[ -n "${NATTEN_WHEEL:-}" ]]; then
  # Reinstall a wheel built before (e.g. kept from pip's cache) without rebuilding.
  WHEEL="$(realpath "$NATTEN_WHEEL")"
else
  "$PY" -m pip download --no-deps --no-binary :all: "natten==$VERSION" -d "$WORK"
  tar xzf "natten-$VERSION.tar.gz"
  SRC="$WORK/natten-$VERSION"
  # 1. C++20.
  sed -i 's/-std=c++17/-std=c++20/; s/set(CXX_STD "17"/set(CXX_STD "20"/' "$SRC/csrc/CMakeLists.txt"
  grep -q 'set(CXX_STD "20"' "$SRC/csrc/CMakeLists.txt"
  # CPU-only build (setup.py builds CUDA kernels only when torch sees a GPU).
  export NATTEN_N_WORKERS="${NATTEN_N_WORKERS:-$(nproc)}"
  "$PY" -m pip wheel --no-build-isolation --no-deps "$SRC" -w "$WORK/wheel"
  WHEEL="$(ls "$WORK"/wheel/natten-*.whl)"
fi

"$PY" -m pip install --no-deps --upgrade --target "$DEST" "$WHEEL"

# 2 and 3, in the installed Python sources.
grep -rl --include='*.py' '^from torch.cuda import _device_t$' "$DEST/natten" | while read -r f; do
  sed -i 's/^from torch.cuda import _device_t$/from typing import Any as _device_t  # patched: gone from torch.cuda/' "$f"
  echo "patched _device_t import: ${f#"$DEST"/}"
done
"$PY" - "$DEST/natten/utils/misc.py" <<'EOF2'
import sys
p = sys.argv[1]
s = open(p).read()
old = "def get_device_cc(device_index: Optional[_device_t] = None) -> int:\n"
assert old in s, "get_device_cc not found"
if "patched: no GPU" not in s:
    s = s.replace(old, old + "    if not torch.cuda.is_available():  # patched: no GPU\n        return 0\n", 1)
open(p, "w").write(s)
print("patched get_device_cc: natten/utils/misc.py")
EOF2

PYTHONPATH="$DEST" "$PY" - <<'EOF2'
import torch, natten, natten.functional as nf
q = torch.randn(1, 2, 16, 16, 32)
a = nf.na2d_qk(q, q, kernel_size=(3, 3), dilation=(1, 1)).softmax(-1)
o = nf.na2d_av(a, q, kernel_size=(3, 3), dilation=(1, 1))
print("natten", natten.__version__, "CPU na2d_qk/na2d_av OK", tuple(o.shape), "from", natten.__file__)
EOF2
echo "installed into $DEST; run: bench/cpu_attention.py --natten-path $DEST ... or --natten-alt-path $DEST ..."
