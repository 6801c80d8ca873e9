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

tools = ["attn-opt", "attn-run"]
llvm_config.add_tool_substitutions(tools, [config.attn_tools_dir, config.llvm_tools_dir])
llvm_config.add_tool_substitutions(["not", "count", "split-file"], [config.llvm_tools_dir])
config.substitutions.append(("%attn_src", config.attn_src_root))

# Optional features.
# %python is the interpreter running lit, the one whose numpy was checked.
config.substitutions.append(("%python", sys.executable))
if shutil.which("python3"):
    try:
        import numpy  # noqa: F401
        config.available_features.add("numpy")
    except ImportError:
        lit_config.note("numpy not found: tests that need it are skipped")
