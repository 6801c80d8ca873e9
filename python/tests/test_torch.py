"""The PyTorch front door (examples/python/torch_front_door.py): export
through torch-mlir, raise, transform, run in process, compare with eager.
Skipped where torch or torch-mlir is not installed."""

import runpy

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torch_mlir")

import attn_mlir  # noqa: E402
from attn_mlir.torch import export  # noqa: E402


@pytest.fixture(scope="module")
def front_door(source_dir):
    return runpy.run_path(
        str(source_dir / "examples" / "python" / "torch_front_door.py"))


def test_front_door_window_matches_eager(front_door):
    m, out, model, x = (front_door[name] for name in ("m", "out", "model", "x"))
    assert m.count("attn.attention") == 1
    assert "#attn.window<left = 31" in str(m)
    assert model.window == 32
    np.testing.assert_allclose(out, model(x).detach().numpy(), rtol=1e-4,
                               atol=1e-4)


def test_causal_inferred_and_exact(front_door):
    model = front_door["SelfAttention"](dim=32, heads=2)
    x = torch.randn(2, 48, 32)
    m = export(model, x)
    m.run("attn-raise-pipeline,canonicalize,func.func(attn-infer-pattern)")
    assert m.count("attn.attention") == 1
    assert "pattern = #attn.causal" in str(m)
    want = model(x).detach().numpy()
    for pipeline in ("reference", "cpu"):
        got = attn_mlir.compile(m, pipeline=pipeline)(x)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
