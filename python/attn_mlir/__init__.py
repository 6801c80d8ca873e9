"""attn-mlir from Python, in process.

    import attn_mlir
    m = attn_mlir.parse(open("model.mlir").read())
    m.run("func.func(attn-raise,canonicalize,attn-infer-pattern)")
    print(m.count("attn.attention"), "attention ops")
    f = attn_mlir.compile(m, pipeline="cpu", options="num-threads=2")
    out = f(q, k, v)              # numpy arrays in, numpy arrays out

Errors (bad IR, a failing pass, bad options, wrong shapes) raise
attn_mlir.Error carrying MLIR's diagnostics with their locations.
``attn_mlir.torch`` exports a torch.nn.Module through torch-mlir.
"""

import numpy as _np

from ._attn_mlir import Error, Executable as _Executable, Module
from ._attn_mlir import has_dynamic_sizes as _has_dynamic_sizes

__all__ = ["Error", "Module", "Compiled", "CompiledPerShape", "parse", "load",
           "compile"]


def parse(text, name="<python>"):
    """Parses MLIR text into a Module (every upstream and attn dialect)."""
    return Module.parse(text, name)


def load(path):
    """Parses the MLIR file at `path`."""
    with open(path, "r", encoding="utf-8") as f:
        return Module.parse(f.read(), str(path))


class Compiled:
    """An entry function lowered by a registered pipeline and JIT-compiled.

    Call it with one array per argument: numpy arrays, or anything
    numpy.asarray takes (torch CPU tensors included). Arrays are converted to
    the argument's dtype when numpy's 'same_kind' casting allows it (bf16
    arguments take float32). Returns one numpy array per result (bf16
    results as float32), or the array alone when there is one result.
    """

    def __init__(self, executable):
        self._executable = executable

    @property
    def entry(self):
        return self._executable.entry

    @property
    def arguments(self):
        """(numpy dtype, shape, MLIR type) of each argument."""
        return self._executable.arguments

    @property
    def results(self):
        """(numpy dtype, shape, MLIR type) of each result."""
        return self._executable.results

    def __call__(self, *arrays):
        specs = self._executable.arguments
        if len(arrays) != len(specs):
            raise Error(f"@{self.entry} takes {len(specs)} arguments, "
                        f"got {len(arrays)}")
        converted = []
        for index, (array, (dtype, shape, mlir_type)) in enumerate(
                zip(arrays, specs)):
            if hasattr(array, "detach"):  # a torch tensor
                array = array.detach().cpu().numpy()
            array = _np.asarray(array)
            if not _np.can_cast(array.dtype, dtype, casting="same_kind"):
                raise Error(f"argument #{index} of @{self.entry} is "
                            f"{mlir_type}: dtype {array.dtype} does not cast "
                            f"to {dtype}")
            if list(array.shape) != list(shape):
                raise Error(f"argument #{index} of @{self.entry} is "
                            f"{mlir_type}: got shape {list(array.shape)}")
            # np.require keeps 0-d arrays 0-d (ascontiguousarray makes them 1-d).
            converted.append(_np.require(array, dtype=dtype, requirements="C"))
        results = [_np.frombuffer(data, dtype=dtype).reshape(shape)
                   for data, dtype, shape in self._executable.call(converted)]
        return results[0] if len(results) == 1 else tuple(results)


class CompiledPerShape:
    """An entry with dynamic sizes: each call specialises a copy of the
    module to the shapes of its arrays (as attn-run does with --input), and
    compiles it once per distinct set of shapes."""

    def __init__(self, module, entry, pipeline, options):
        self._args = (module, entry, pipeline, options)
        self._compiled = {}

    def __call__(self, *arrays):
        arrays = [a.detach().cpu().numpy() if hasattr(a, "detach")
                  else _np.asarray(a) for a in arrays]
        shapes = tuple(tuple(a.shape) for a in arrays)
        if shapes not in self._compiled:
            module, entry, pipeline, options = self._args
            self._compiled[shapes] = Compiled(_Executable(
                module, entry, pipeline, options,
                [list(s) for s in shapes]))
        return self._compiled[shapes](*arrays)


def compile(module, entry="", pipeline="cpu", options=""):
    """Lowers `entry` of `module` (a Module or MLIR text) with a registered
    pipeline (reference, cpu, gpu-sim, cuda or any registered name) and
    its options, as attn-run does, and JIT-compiles it. Without `entry`:
    the only public function, or @main. An entry with dynamic sizes is
    compiled at each call for the shapes of its arrays (CompiledPerShape)."""
    if isinstance(module, str):
        module = parse(module)
    if _has_dynamic_sizes(module, entry):
        return CompiledPerShape(module, entry, pipeline, options)
    return Compiled(_Executable(module, entry, pipeline, options))
