"""attn_mlir in process: parse, print, pass pipelines, compile and call."""

import numpy as np
import pytest

import attn_mlir

CAUSAL = """
func.func @causal(%q: tensor<1x4x16x8xf32>, %k: tensor<1x2x16x8xf32>,
                  %v: tensor<1x2x16x8xf32>) -> tensor<1x4x16x8xf32> {
  %o = attn.attention %q, %k, %v {pattern = #attn.causal}
      : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
      -> tensor<1x4x16x8xf32>
  return %o : tensor<1x4x16x8xf32>
}
"""


def naive_attention(q, k, v, causal):
    """softmax(Q K^T / sqrt(D)) V in float64, GQA by head repetition."""
    group = q.shape[1] // k.shape[1]
    k = np.repeat(k.astype(np.float64), group, axis=1)
    v = np.repeat(v.astype(np.float64), group, axis=1)
    s = q.astype(np.float64) @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
    if causal:
        lq, lk = s.shape[-2:]
        s = np.where(np.tril(np.ones((lq, lk), bool), lk - lq), s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)) @ v


def random_inputs(compiled, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, shape).astype(dtype)
            for dtype, shape, _ in compiled.arguments]


def test_parse_print_round_trip():
    m = attn_mlir.parse(CAUSAL)
    assert m.count("attn.attention") == 1
    again = attn_mlir.parse(str(m))
    assert str(again) == str(m)
    assert "pattern = #attn.causal" in str(m)


def test_parse_error_has_location():
    with pytest.raises(attn_mlir.Error, match=r"<python>:2:\d+: error"):
        attn_mlir.parse("func.func @f() {\n  %x = bogus.op\n}")


def test_verifier_error():
    bad = CAUSAL.replace("1x2x16x8xf32>, tensor<1x2x16x8xf32>\n",
                         "1x3x16x8xf32>, tensor<1x3x16x8xf32>\n")
    bad = bad.replace("%k: tensor<1x2x16x8xf32>", "%k: tensor<1x3x16x8xf32>")
    bad = bad.replace("%v: tensor<1x2x16x8xf32>", "%v: tensor<1x3x16x8xf32>")
    with pytest.raises(attn_mlir.Error, match="attn.attention"):
        attn_mlir.parse(bad)


def test_raise_and_infer_on_example(source_dir):
    m = attn_mlir.load(source_dir / "examples" / "gpt2-block.mlir")
    before = m.clone()
    assert m.count("attn.attention") == 0
    m.run("func.func(attn-raise,canonicalize,attn-infer-pattern)")
    assert m.count("attn.attention") == 1
    assert "#attn.causal" in str(m)
    # The clone was not changed.
    assert before.count("attn.attention") == 0
    # Same numbers before and after, on the same inputs.
    old = attn_mlir.compile(before, pipeline="reference")
    new = attn_mlir.compile(m, pipeline="cpu", options="num-threads=2")
    inputs = random_inputs(old)
    np.testing.assert_allclose(new(*inputs), old(*inputs), rtol=1e-4,
                               atol=1e-5)


def test_unknown_pass_and_failing_pass():
    m = attn_mlir.parse(CAUSAL)
    with pytest.raises(attn_mlir.Error, match="invalid pass pipeline"):
        m.run("func.func(no-such-pass)")
    with pytest.raises(attn_mlir.Error,
                       match="num-threads must be at most 1024"):
        m.run("attn-cpu-pipeline{num-threads=5000}")
    # The failing runs left the module as it was.
    assert m.count("attn.attention") == 1


@pytest.mark.parametrize("pipeline,options", [
    ("reference", ""),
    ("cpu", "vector-width=8 tile-q=8 tile-k=4 num-threads=2"),
    ("gpu-sim", "tile-q=32 tile-k=8"),
])
def test_compile_and_call_matches_numpy(pipeline, options):
    f = attn_mlir.compile(CAUSAL, pipeline=pipeline, options=options)
    assert f.entry == "causal"
    assert [shape for _, shape, _ in f.arguments] == [
        [1, 4, 16, 8], [1, 2, 16, 8], [1, 2, 16, 8]]
    q, k, v = random_inputs(f, seed=3)
    out = f(q, k, v)
    assert out.dtype == np.float32 and out.shape == (1, 4, 16, 8)
    np.testing.assert_allclose(out, naive_attention(q, k, v, True),
                               rtol=1e-4, atol=1e-5)
    # Float64 inputs cast to the f32 arguments (same kind).
    np.testing.assert_allclose(f(q.astype(np.float64), k, v), out)


def test_bf16_arguments_take_float32():
    text = CAUSAL.replace("f32", "bf16")
    f = attn_mlir.compile(text, pipeline="cpu")
    assert [dtype for dtype, _, _ in f.arguments] == ["float32"] * 3
    q, k, v = random_inputs(f, seed=4)
    out = f(q, k, v)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, naive_attention(q, k, v, True),
                               atol=3e-2)


def test_call_errors():
    f = attn_mlir.compile(CAUSAL, pipeline="reference")
    q, k, v = random_inputs(f)
    with pytest.raises(attn_mlir.Error, match="takes 3 arguments, got 2"):
        f(q, k)
    with pytest.raises(attn_mlir.Error, match=r"got shape \[1, 4, 16\]"):
        f(q[..., 0], k, v)
    with pytest.raises(attn_mlir.Error, match="does not cast to float32"):
        f(q.astype(np.complex64), k, v)


def test_compile_errors():
    with pytest.raises(attn_mlir.Error, match="no-such-pipeline"):
        attn_mlir.compile(CAUSAL, pipeline="no-such-pipeline")
    with pytest.raises(attn_mlir.Error, match="invalid options"):
        attn_mlir.compile(CAUSAL, pipeline="cpu", options="num-threads=abc")
    with pytest.raises(attn_mlir.Error, match="nope"):
        attn_mlir.compile(CAUSAL, entry="nope")


def test_compile_error_carries_diagnostics():
    with pytest.raises(attn_mlir.Error,
                       match=r"(?s)failed on @causal.*tile-q \(16\) must be "
                             r"a positive multiple of 32"):
        attn_mlir.compile(CAUSAL, pipeline="gpu-sim", options="tile-q=16")


DYNAMIC = CAUSAL.replace("x16x8xf32", "x?x8xf32")


@pytest.mark.parametrize("pipeline", ["reference", "cpu"])
def test_dynamic_entry_compiled_per_shape(pipeline):
    f = attn_mlir.compile(DYNAMIC, pipeline=pipeline)
    assert isinstance(f, attn_mlir.CompiledPerShape)
    rng = np.random.default_rng(5)
    for lq, lk in [(13, 21), (5, 9), (13, 21)]:
        q = rng.uniform(-1, 1, (1, 4, lq, 8)).astype(np.float32)
        k = rng.uniform(-1, 1, (1, 2, lk, 8)).astype(np.float32)
        v = rng.uniform(-1, 1, (1, 2, lk, 8)).astype(np.float32)
        out = f(q, k, v)
        assert out.shape == (1, 4, lq, 8)
        np.testing.assert_allclose(out, naive_attention(q, k, v, True),
                                   rtol=1e-4, atol=1e-5)
    assert len(f._compiled) == 2
    with pytest.raises(attn_mlir.Error,
                       match="key length 21 differs from value length 20"):
        f(q[:, :, :13], rng.uniform(-1, 1, (1, 2, 21, 8)).astype(np.float32),
          rng.uniform(-1, 1, (1, 2, 20, 8)).astype(np.float32))


# Dense attention over a block of keys, with its log-sum-exp (SPEC 2.1).
LSE_BLOCK = """
func.func @block(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x24x16xf32>,
                 %v: tensor<1x2x24x16xf32>)
    -> (tensor<1x4x8x16xf32>, tensor<1x4x8xf32>) {
  %o, %lse = attn.attention %q, %k, %v
      : tensor<1x4x8x16xf32>, tensor<1x2x24x16xf32>, tensor<1x2x24x16xf32>
      -> tensor<1x4x8x16xf32>, tensor<1x4x8xf32>
  return %o, %lse : tensor<1x4x8x16xf32>, tensor<1x4x8xf32>
}
"""


@pytest.mark.parametrize("pipeline,options", [
    ("reference", ""),
    ("cpu", "tile-q=16 tile-k=8 num-threads=2"),
    ("gpu-sim", "tile-q=32 tile-k=8"),
])
def test_log_sum_exp_merges_key_blocks(pipeline, options):
    """Attention over 48 keys, computed as two blocks of 24 merged through
    their log-sum-exps (split-KV decoding, context parallelism), equals
    attention over all 48 keys; each block's lse is numpy's logsumexp."""
    f = attn_mlir.compile(LSE_BLOCK, pipeline=pipeline, options=options)
    rng = np.random.default_rng(11)
    q = rng.uniform(-2, 2, (1, 4, 8, 16)).astype(np.float32)
    k = rng.uniform(-2, 2, (1, 2, 48, 16)).astype(np.float32)
    v = rng.uniform(-1, 1, (1, 2, 48, 16)).astype(np.float32)
    halves = [f(q, k[:, :, 24 * i:24 * (i + 1)], v[:, :, 24 * i:24 * (i + 1)])
              for i in range(2)]
    for i, (out, lse) in enumerate(halves):
        assert lse.dtype == np.float32 and lse.shape == (1, 4, 8)
        kb = np.repeat(k[:, :, 24 * i:24 * (i + 1)], 2, axis=1)
        s = q.astype(np.float64) @ kb.astype(np.float64).swapaxes(-1, -2) / 4.0
        top = s.max(-1)
        want = top + np.log(np.exp(s - top[..., None]).sum(-1))
        np.testing.assert_allclose(lse, want, rtol=1e-5, atol=1e-5)
    (o1, l1), (o2, l2) = halves
    total = np.logaddexp(l1, l2)
    merged = (np.exp(l1 - total)[..., None] * o1
              + np.exp(l2 - total)[..., None] * o2)
    np.testing.assert_allclose(merged, naive_attention(q, k, v, False),
                               rtol=1e-4, atol=1e-5)


def test_kv_cache_decode_example(source_dir, capsys):
    """examples/python/kv_cache_decode.py: a prefill and decode steps through
    one compiled function whose attention has run-time lengths (0-d index
    arguments), each step against float64 numpy."""
    import runpy

    example = runpy.run_path(
        str(source_dir / "examples" / "python" / "kv_cache_decode.py"))
    worst = example["main"](prompt=9, steps=5, seed=3)
    assert worst <= 1e-4
    out = capsys.readouterr().out
    assert out.count("decode  rows= 1") == 5
    assert "keys= 14" in out
