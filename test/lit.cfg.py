# -*- Python -*- lit configuration for attn-mlir.

import os
import shutil
import sys

import lit.formats
from lit.llvm import llvm_config

config.name = "ATTN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attn_obj_root, "test")

# Variables that would change FileCheck's behaviour are fixed here.
config.environment["FILECHECK_OPTS"] = "-enable-var-scope --allow-unused-prefixes=false"

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tools = ["attn-opt", "attn-run", "attn-fuzz"]
llvm_config.add_tool_substitutions(tools, [config.attn_tools_dir, config.llvm_tools_dir])
llvm_config.add_tool_substitutions(["not", "count", "split-file"], [config.llvm_tools_dir])
config.substitutions.append(("%attn_src", config.attn_src_root))

# libAttnPlugin.so in the mlir-opt of the LLVM this project builds against
# (Debian's /usr/lib/llvm-22/bin/mlir-opt): %mlir_opt and %attn_plugin.
attn_plugin = os.path.join(config.attn_obj_root, "lib", "libAttnPlugin.so")
system_mlir_opt = os.path.join(config.llvm_tools_dir, "mlir-opt")
if os.path.exists(attn_plugin) and os.path.exists(system_mlir_opt):
    config.available_features.add("attn-plugin")
    config.substitutions.append(("%attn_plugin", attn_plugin))
    config.substitutions.append(("%mlir_opt", system_mlir_opt))
else:
    lit_config.note("libAttnPlugin.so or " + system_mlir_opt +
                    " missing: tests that REQUIRE attn-plugin are skipped")

# Optional features.
# %python is the interpreter running lit, the one whose numpy was checked.
config.substitutions.append(("%python", sys.executable))
if shutil.which("python3"):
    try:
        import numpy  # noqa: F401
        config.available_features.add("numpy")
    except ImportError:
        lit_config.note("numpy not found: tests that need it are skipped")

# CUDA. Execution tests (REQUIRES: cuda) need a usable driver and device, as
# `attn-run --probe-cuda` finds them through the project's CUDA runtime.
# Compile-to-cubin tests (REQUIRES: cuda-toolkit) need ptxas and libdevice.
import re
import subprocess

# gpu-pipeline tests translate the host code to LLVM IR.
llvm_config.add_tool_substitutions(["mlir-translate"], [config.llvm_tools_dir])

# The project's CUDA runtime, for tests that call it directly.
attn_cuda_runtime = os.path.join(config.attn_obj_root, "lib", "libAttnCudaRuntime.so")
if os.path.exists(attn_cuda_runtime):
    config.available_features.add("cuda-runtime")
    config.substitutions.append(("%attn_cuda_runtime", attn_cuda_runtime))

attn_run = os.path.join(config.attn_tools_dir, "attn-run")
try:
    probe = subprocess.run([attn_run, "--probe-cuda"], capture_output=True,
                           text=True, timeout=120)
    if probe.returncode == 0:
        config.available_features.add("cuda")
        lit_config.note("GPU tests enabled: " + probe.stdout.strip())
        # sm_90 devices (H100, H200) also run the sm_90a (wgmma) kernels.
        if re.search(r"\bsm_90\b", probe.stdout):
            config.available_features.add("cuda-sm90")
    else:
        why = probe.stderr.strip().splitlines()
        lit_config.note("skipped: no GPU (" + (why[-1] if why else "attn-run --probe-cuda failed") +
                        "): tests that REQUIRE cuda are skipped")
except (OSError, subprocess.TimeoutExpired) as error:
    lit_config.note("skipped: no GPU (attn-run --probe-cuda: " + str(error) +
                    "): tests that REQUIRE cuda are skipped")

# The host's instruction set, as the cpu pipeline's isa=host picks it
# (`attn-run --host-isa`): each ISA's JIT tests REQUIRE the features it
# needs, so the host runs every path it can and lit reports the others as
# UNSUPPORTED (skipped).
host_isas = {"generic": [], "avx2": ["host-avx2"],
             "avx512": ["host-avx2", "host-avx512"],
             "avx512-bf16": ["host-avx2", "host-avx512", "host-avx512-bf16"]}
try:
    probe = subprocess.run([attn_run, "--host-isa"], capture_output=True,
                           text=True, timeout=60)
    isa = probe.stdout.strip().removeprefix("isa: ")
    if probe.returncode == 0 and isa in host_isas:
        config.available_features.update(host_isas[isa])
        lit_config.note("host ISA: " + isa + "; tests of wider ISAs are skipped")
    else:
        lit_config.note("attn-run --host-isa failed: ISA-specific JIT tests are skipped")
except (OSError, subprocess.TimeoutExpired) as error:
    lit_config.note("attn-run --host-isa: " + str(error) + ": ISA-specific JIT tests are skipped")

cuda_roots = [os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"]
for root in filter(None, cuda_roots):
    if os.path.exists(os.path.join(root, "bin", "ptxas")) and os.path.exists(
            os.path.join(root, "nvvm", "libdevice", "libdevice.10.bc")):
        config.available_features.add("cuda-toolkit")
        config.substitutions.append(("%cuda_toolkit", root))
        break
else:
    lit_config.note("no CUDA toolkit (ptxas, libdevice): tests that REQUIRE cuda-toolkit are skipped")
