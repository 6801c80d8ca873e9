#!/usr/bin/env python3
"""Export tiny transformer models to MLIR with torch-mlir.

Every model is built from its real library definition (Hugging Face
transformers) with a tiny config written here in code and random weights from
a fixed seed: nothing is downloaded. Each (model, attention implementation)
pair is exported with torch_mlir.fx.export_and_import to linalg on tensors and
to TOSA, and written as test/Models/<model>-<impl>-<dialect>.mlir with the
weights as constants (dense_resource blobs at the end of the file). Next to
it go the example inputs and PyTorch's own output for them:

    <model>-<impl>.input<k>.npy   k-th argument of @main, in order
    <model>-<impl>.output0.npy    PyTorch's result for those inputs (float32)

Each .mlir file starts with a header naming the command that regenerates it,
the package versions, and lit RUN lines: attn-opt must parse it, and attn-run
(through the project's reference pipeline) must reproduce the saved output.
Where attn-run cannot run a file for a known reason on its side
(KNOWN_RUN_BLOCKERS), that line is written as "DISABLED:" with the reason.

Rewrites needed so that torch-mlir imports the models and MLIR 22 (attn-opt)
accepts the result:
  * Non-persistent buffers are made persistent before export (see _wrap):
    torch-mlir's frozen import only finds buffers in the state dict.
  * aten.cumsum is decomposed before import into a masked sum
    (where(tril(ones), x[..., None, :], 0).sum(-1)). transformers' mask code
    calls cumsum on the position ids (packed-sequence detection); torch-mlir
    would lower it to tm_tensor.scan, a torch-mlir-only op that attn-opt
    does not know. No other rewrite is needed with the pinned versions: the
    text torch-mlir prints parses as is. If a future torch-mlir prints syntax
    that MLIR 22 rejects, --generic prints the generic op form instead.
  * The output is scanned for ops of torch-mlir-only dialects (torch,
    torch_c, tm_tensor); the tool fails if any is left.

torch-mlir's default decomposition table already turns
aten.scaled_dot_product_attention into matmuls and a softmax, so the "sdpa"
files contain no tm_tensor.attention.

Run with --help for the options; tools/attn-import/README.md explains the
installation.
"""

import argparse
import dataclasses
import os
import platform
import re
import shutil
import subprocess
import sys
import textwrap
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

TOOL_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(TOOL_DIR))
DEFAULT_OUT_DIR = os.path.join(REPO_ROOT, "test", "Models")
DEFAULT_ATTN_OPT = os.path.join(REPO_ROOT, "build", "bin", "attn-opt")
DEFAULT_ATTN_RUN = os.path.join(REPO_ROOT, "build", "bin", "attn-run")

# --dialect name (also the file-name suffix) -> torch-mlir output_type
DIALECTS = {
    "linalg": "linalg-on-tensors",
    "tosa": "tosa",
}
IMPLS = ("eager", "sdpa")

# What the zoo's RUN lines apply before checking structure and numbers.
RAISE = "--attn-raise-pipeline --canonicalize --attn-infer-pattern"

# Upstream passes that bring the TOSA files to linalg on tensors, so that
# attn-run's reference pipeline can run them too.
TOSA_TO_LINALG = (
    "builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,"
    "tosa-to-arith,tosa-to-tensor))"
)

# Known reasons why attn-run cannot run a file yet (a C++-side gap, not a
# problem of the file): the header then carries the attn-run line as a
# comment instead of a RUN line, and --run reports an expected failure.
KNOWN_RUN_BLOCKERS: list = []

# Ops of dialects that exist only in torch-mlir; none may be left in a file.
_FOREIGN_OP = re.compile(
    r'^\s*(?:%[^=]*=\s*)?"?(torch|torch_c|tm_tensor)\.[A-Za-z_][\w.]*', re.M
)

# Sizes shared by the models: 2 layers, hidden 32, 4 heads of 8, sequence
# 16, vocabulary 48, MLP 32 (not 4x hidden: it keeps every file under
# ~200 KB with the weights inside). initializer_range is raised from the
# usual 0.02 so that attention is peaked rather than almost uniform, which
# makes a wrong mask or scale visible in the output.
SEQ = 16
VOCAB = 48
HIDDEN = 32
LAYERS = 2
HEADS = 4
MLP = 32
INIT_RANGE = 0.2


@dataclasses.dataclass
class ModelSpec:
    name: str
    library: str  # the class the model comes from, for the header
    summary: str
    make: Callable[[str], "object"]  # impl -> torch.nn.Module returning one tensor
    inputs: Callable[[int], List[Tuple[str, "object"]]]  # seed -> [(name, tensor)]
    output: str  # what the single result is
    atol: float = 1e-4
    rtol: float = 1e-4
    layers: int = LAYERS  # attention ops after --attn-raise-pipeline
    # The structure every attention op must have after --attn-raise-pipeline
    # --canonicalize --attn-infer-pattern, one entry per op in walk order
    # (see _attn); None: not checked.
    structure: Optional[Callable[[str], List[str]]] = None
    impls: Tuple[str, ...] = IMPLS  # the implementations the library offers
    # The dialects torch-mlir exports it to (Swin's torch.roll does not
    # lower to TOSA: aten.slice with a dynamic size).
    dialects: Tuple[str, ...] = tuple(DIALECTS)
    notes: str = ""  # departures from the library's model, for the header
    # Exported with dynamic sizes: "seq" makes dimension 1 of every 2-D
    # integer input (token ids, attention mask) torch.export.Dim("seq",
    # min=2, max=SEQ); "cache" makes the new tokens Dim("new", 1..8) and the
    # cached length of the past keys/values Dim("cached", 1..SEQ). Every size
    # that follows from them is `?` in the IR.
    dynamic: str = ""


def _attn(hq: int, hkv: int, lq: int = SEQ, lk: int = SEQ, d: int = HIDDEN // HEADS,
          batch: int = 1, pattern: Optional[str] = None, bias: bool = False,
          mask: bool = False, sink: bool = False, softcap: Optional[float] = None,
          score_mod: bool = False) -> str:
    """A FileCheck line for one raised attention op: its operands (bias, mask,
    sink present or not), GQA heads, pattern, normalizer, softcap and whether
    it carries a score_mod region."""
    op = "attn.attention %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}}"
    if bias:
        op += " bias(%{{[^)]+}})"
    if mask:
        op += " mask(%{{[^)]+}})"
    if sink:
        op += " sink(%{{[^)]+}})"
    attrs = []
    if sink:
        attrs.append("normalizer = #attn.softmax<sink = learned>")
    if pattern:
        attrs.append("pattern = " + pattern.replace("[", "{{\\[}}"))
    attrs.append("scale = {{[^,}]+}}")
    if softcap is not None:
        attrs.append(f"softcap = {softcap:.6e} : f32")
    q = f"tensor<{batch}x{hq}x{lq}x{d}xf32>"
    kv = f"tensor<{batch}x{hkv}x{lk}x{d}xf32>"
    line = op + " {" + ", ".join(attrs) + "} : " + f"{q}, {kv}, {kv}"
    return line + (" -> {{.*}} score_mod {" if score_mod else "")


CAUSAL = "#attn.causal"


def _torch():
    import torch

    return torch


def _wrap(model, call):
    """nn.Module whose forward(*args) returns call(model, *args).

    Non-persistent buffers (BERT's position_ids, the RoPE inv_freq of Llama
    and Mistral) are made persistent: torch.export keeps them out of the
    state dict, and torch-mlir's import_frozen_program then fails with
    "Could not find state mapping for buffer". Values and results are
    unchanged; they become constants like the weights.
    """
    torch = _torch()
    for sub in model.modules():
        sub._non_persistent_buffers_set.clear()

    class Wrapper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *args):
            return call(self.model, *args)

    return Wrapper().eval()


def _token_ids(seed: int):
    torch = _torch()
    g = torch.Generator().manual_seed(seed + 1)
    return torch.randint(0, VOCAB, (1, SEQ), generator=g, dtype=torch.int64)


def _make_gpt2(impl):
    from transformers import GPT2Config, GPT2LMHeadModel

    cfg = GPT2Config(
        vocab_size=VOCAB, n_positions=SEQ, n_embd=HIDDEN, n_layer=LAYERS,
        n_head=HEADS, n_inner=MLP, initializer_range=INIT_RANGE,
        bos_token_id=0, eos_token_id=0, use_cache=False,
        attn_implementation=impl,
    )
    model = GPT2LMHeadModel(cfg).eval()
    return _wrap(model, lambda m, ids: m(input_ids=ids, use_cache=False).logits)


def _make_bert(impl):
    from transformers import BertConfig, BertModel

    cfg = BertConfig(
        vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
        num_attention_heads=HEADS, intermediate_size=MLP,
        max_position_embeddings=SEQ, type_vocab_size=2,
        initializer_range=INIT_RANGE, pad_token_id=0,
        attn_implementation=impl,
    )
    model = BertModel(cfg, add_pooling_layer=False).eval()
    return _wrap(
        model,
        lambda m, ids, mask: m(input_ids=ids, attention_mask=mask).last_hidden_state,
    )


def _bert_inputs(seed):
    torch = _torch()
    ids = _token_ids(seed)
    # The last 3 tokens are padding: a runtime key-padding mask.
    mask = torch.ones((1, SEQ), dtype=torch.int64)
    mask[:, SEQ - 3:] = 0
    return [("input_ids", ids), ("attention_mask", mask)]


def _llama_like_config(cls, impl, **extra):
    return cls(
        vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=MLP,
        num_hidden_layers=LAYERS, num_attention_heads=HEADS,
        num_key_value_heads=2, head_dim=HIDDEN // HEADS,
        max_position_embeddings=SEQ, initializer_range=INIT_RANGE,
        rope_theta=10000.0, tie_word_embeddings=True, use_cache=False,
        bos_token_id=1, eos_token_id=2, pad_token_id=0,
        attn_implementation=impl, **extra,
    )


def _make_llama(impl):
    from transformers import LlamaConfig, LlamaForCausalLM

    model = LlamaForCausalLM(_llama_like_config(LlamaConfig, impl)).eval()
    return _wrap(model, lambda m, ids: m(input_ids=ids, use_cache=False).logits)


MISTRAL_WINDOW = 6


def _make_mistral(impl):
    from transformers import MistralConfig, MistralForCausalLM

    cfg = _llama_like_config(MistralConfig, impl, sliding_window=MISTRAL_WINDOW)
    model = MistralForCausalLM(cfg).eval()
    return _wrap(model, lambda m, ids: m(input_ids=ids, use_cache=False).logits)


VIT_IMAGE = 16
VIT_PATCH = 4


def _make_vit(impl):
    from transformers import ViTConfig, ViTModel

    cfg = ViTConfig(
        image_size=VIT_IMAGE, patch_size=VIT_PATCH, num_channels=3,
        hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
        intermediate_size=MLP, initializer_range=INIT_RANGE,
        attn_implementation=impl,
    )
    model = ViTModel(cfg, add_pooling_layer=False).eval()
    return _wrap(model, lambda m, px: m(pixel_values=px).last_hidden_state)


# A classifier ViT for token merging (docs/TokenMerging.md): more tokens than
# the encoder above, so that ToMe's r = 4, 8 and 16 are all valid, and a
# pooled output (the class token through the classifier head).
VITCLS_IMAGE = 32
VITCLS_LAYERS = 3
VITCLS_LABELS = 10


def _make_vitcls(impl):
    from transformers import ViTConfig, ViTForImageClassification

    cfg = ViTConfig(
        image_size=VITCLS_IMAGE, patch_size=VIT_PATCH, num_channels=3,
        hidden_size=HIDDEN, num_hidden_layers=VITCLS_LAYERS,
        num_attention_heads=HEADS, intermediate_size=MLP,
        initializer_range=INIT_RANGE, num_labels=VITCLS_LABELS,
        attn_implementation=impl,
    )
    model = ViTForImageClassification(cfg).eval()
    return _wrap(model, lambda m, px: m(pixel_values=px).logits)


def _vitcls_inputs(seed):
    torch = _torch()
    g = torch.Generator().manual_seed(seed + 1)
    return [("pixel_values",
             torch.randn((1, 3, VITCLS_IMAGE, VITCLS_IMAGE), generator=g))]


def _vit_inputs(seed):
    torch = _torch()
    g = torch.Generator().manual_seed(seed + 1)
    return [("pixel_values", torch.randn((1, 3, VIT_IMAGE, VIT_IMAGE), generator=g))]


def _ids_only(seed):
    return [("input_ids", _token_ids(seed))]


# The dynamic exports run on a length that is not the other files' SEQ and
# no tile multiple.
DYN_SEQ = 11


def _ids_dyn(seed):
    return [("input_ids", _token_ids(seed)[:, :DYN_SEQ])]


def _bert_dyn_inputs(seed):
    return [(name, t[:, :DYN_SEQ]) for name, t in _bert_inputs(seed)]


def _dynamic_shapes(tensors, kind):
    """torch.export dynamic_shapes for _wrap's forward(*args) (see
    ModelSpec.dynamic)."""
    torch = _torch()
    if kind == "cache":
        new = torch.export.Dim("new", min=1, max=8)
        cached = torch.export.Dim("cached", min=1, max=SEQ)
        return (tuple({1: new} if not t.is_floating_point() else {2: cached}
                      for t in tensors),)
    seq = torch.export.Dim("seq", min=2, max=SEQ)
    return (tuple({1: seq} if t.dim() == 2 and not t.is_floating_point() else None
                  for t in tensors),)


# ---------------------------------------------------------------- more families
# Families added for the recognition zoo (docs/Models.md): GQA, sliding
# windows, softcap, learned sinks, q/k norm, fused qkv, ALiBi, MQA, an encoder
# at batch 2, an encoder-decoder with relative position bias, and windowed
# vision attention with shifted windows.

GQA_KV = 2


def _causal_lm(config_name, model_name, **extra):
    def make(impl):
        import transformers

        cfg = _llama_like_config(getattr(transformers, config_name), impl, **extra)
        model = getattr(transformers, model_name)(cfg).eval()
        return _wrap(model, lambda m, ids: m(input_ids=ids, use_cache=False).logits)
    return make


GEMMA_WINDOW = 6
GEMMA_SOFTCAP = 30.0


def _make_gemma2(impl):
    # The tanh GELU of Gemma's MLP is swapped for SiLU: PyTorch's
    # gelu(approximate="tanh") and torch-mlir's lowering of it differ by up
    # to 2e-4 on these logits, which is not about attention.
    return _causal_lm("Gemma2Config", "Gemma2ForCausalLM",
                      sliding_window=GEMMA_WINDOW,
                      attn_logit_softcapping=GEMMA_SOFTCAP,
                      final_logit_softcapping=None, query_pre_attn_scalar=8,
                      hidden_activation="silu")(impl)


def _make_gptoss(impl):
    import transformers

    # The mixture-of-experts MLP is replaced by zeros (torch-mlir cannot
    # lower its aten.histc; the attention is untouched) and the sinks are
    # drawn from N(0, 1) so that they matter. Default RoPE instead of YaRN:
    # with YaRN torch-mlir's linalg export differs from PyTorch outside
    # attention (its TOSA export does not).
    cfg = _llama_like_config(
        transformers.GptOssConfig, impl, sliding_window=GEMMA_WINDOW,
        num_local_experts=2, num_experts_per_tok=1,
        layer_types=["sliding_attention", "full_attention"],
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
    model = transformers.GptOssForCausalLM(cfg).eval()
    torch = _torch()

    class NoMLP(torch.nn.Module):
        def forward(self, x):
            return torch.zeros_like(x), None

    g = torch.Generator().manual_seed(7)
    for layer in model.model.layers:
        layer.mlp = NoMLP()
        with torch.no_grad():
            layer.self_attn.sinks.copy_(
                torch.randn(layer.self_attn.sinks.shape, generator=g))
    return _wrap(model, lambda m, ids: m(input_ids=ids, use_cache=False).logits)


def _make_bloom(impl):
    from transformers import BloomConfig, BloomForCausalLM

    cfg = BloomConfig(vocab_size=VOCAB, hidden_size=HIDDEN, n_layer=LAYERS,
                      n_head=HEADS, initializer_range=INIT_RANGE, use_cache=False,
                      attn_implementation=impl)
    model = BloomForCausalLM(cfg).eval()
    return _wrap(model, lambda m, ids: m(input_ids=ids, use_cache=False).logits)


def _make_falcon(impl):
    from transformers import FalconConfig, FalconForCausalLM

    cfg = FalconConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                       num_attention_heads=HEADS, multi_query=True,
                       new_decoder_architecture=False, alibi=False,
                       parallel_attn=True, bias=False,
                       initializer_range=INIT_RANGE, use_cache=False,
                       max_position_embeddings=SEQ, attn_implementation=impl)
    model = FalconForCausalLM(cfg).eval()
    return _wrap(model, lambda m, ids: m(input_ids=ids, use_cache=False).logits)


BERT2_BATCH = 2


def _bert2_inputs(seed):
    torch = _torch()
    g = torch.Generator().manual_seed(seed + 1)
    ids = torch.randint(0, VOCAB, (BERT2_BATCH, SEQ), generator=g, dtype=torch.int64)
    # Different padding per sequence: the mask is per batch.
    mask = torch.ones((BERT2_BATCH, SEQ), dtype=torch.int64)
    mask[0, SEQ - 3:] = 0
    mask[1, SEQ - 5:] = 0
    return [("input_ids", ids), ("attention_mask", mask)]


T5_DECODER = 8


def _make_t5(impl):
    from transformers import T5Config, T5Model

    cfg = T5Config(vocab_size=VOCAB, d_model=HIDDEN, d_kv=HIDDEN // HEADS,
                   d_ff=MLP, num_layers=LAYERS, num_decoder_layers=LAYERS,
                   num_heads=HEADS, relative_attention_num_buckets=8,
                   relative_attention_max_distance=16, initializer_factor=1.0,
                   use_cache=False, decoder_start_token_id=0, pad_token_id=0,
                   attn_implementation=impl)
    model = T5Model(cfg).eval()
    return _wrap(model, lambda m, ids: m(
        input_ids=ids, decoder_input_ids=ids[:, :T5_DECODER],
        use_cache=False).last_hidden_state)


SWIN_IMAGE = 16
SWIN_WINDOW = 4
SWIN_DIM = 16
SWIN_HEADS = 2


def _swin_stage(cls):
    """One stage of a timm Swin model of class `cls` (tiny config), with
    weights ~ N(0, INIT_RANGE^2) from a fixed seed."""
    torch = _torch()
    model = cls(
        img_size=SWIN_IMAGE, patch_size=2, in_chans=3, num_classes=0,
        embed_dim=SWIN_DIM, depths=(2,), num_heads=(SWIN_HEADS,),
        window_size=SWIN_WINDOW, mlp_ratio=2.0, global_pool="").eval()
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(torch.randn(param.shape, generator=g) * INIT_RANGE)
    return model


def _make_swin(impl):
    import timm

    model = _swin_stage(timm.models.swin_transformer.SwinTransformer)
    for sub in model.modules():
        if hasattr(sub, "fused_attn"):
            sub.fused_attn = impl == "sdpa"
    return _wrap(model, lambda m, px: m.forward_features(px))


def _swin_inputs(seed):
    torch = _torch()
    g = torch.Generator().manual_seed(seed + 1)
    return [("pixel_values", torch.randn((1, 3, SWIN_IMAGE, SWIN_IMAGE), generator=g))]


def _make_swinv2(impl):
    torch = _torch()
    import timm

    model = _swin_stage(timm.models.swin_transformer_v2.SwinTransformerV2)
    # torch-mlir's importer rejects the torch.cat of the q/v bias parameters
    # and the zero k bias buffer: the same bias, folded into the qkv
    # projection's.
    with torch.no_grad():
        for sub in model.modules():
            if getattr(sub, "q_bias", None) is not None:
                bias = torch.cat((sub.q_bias, sub.k_bias, sub.v_bias))
                sub.qkv.bias = torch.nn.Parameter(bias.clone())
                sub.q_bias = None
    return _wrap(model, lambda m, px: m.forward_features(px))


def _make_llamapad(impl):
    from transformers import LlamaConfig, LlamaForCausalLM

    model = LlamaForCausalLM(_llama_like_config(LlamaConfig, impl)).eval()
    return _wrap(model, lambda m, ids, mask: m(
        input_ids=ids, attention_mask=mask, use_cache=False).logits)


LEFT_PAD = 3


def _llamapad_inputs(seed):
    torch = _torch()
    mask = torch.ones((1, SEQ), dtype=torch.int64)
    mask[:, :LEFT_PAD] = 0
    return [("input_ids", _token_ids(seed)), ("attention_mask", mask)]


# Decoders exported with their KV cache (SPEC section 2: Lq < Lk, causal
# patterns aligned bottom-right). @main takes the new tokens and, per layer,
# the cached keys and values (batch x KV heads x cached x head_dim); the
# model appends the new keys to them through transformers' DynamicCache, as
# in generation, and returns the logits of the new tokens.
KV_CACHED = 12
KV_CHUNK = 4


def _cached_lm(config_name, model_name, **extra):
    def make(impl):
        import transformers
        from transformers import DynamicCache

        cfg = _llama_like_config(getattr(transformers, config_name), impl, **extra)
        model = getattr(transformers, model_name)(cfg).eval()

        def call(m, ids, *past):
            cache = DynamicCache(config=m.config)
            for layer in range(len(past) // 2):
                cache.update(past[2 * layer], past[2 * layer + 1], layer)
            return m(input_ids=ids, past_key_values=cache, use_cache=True).logits
        return _wrap(model, call)
    return make


def _cached_inputs(new_tokens):
    def inputs(seed):
        torch = _torch()
        g = torch.Generator().manual_seed(seed + 1)
        ids = torch.randint(0, VOCAB, (1, new_tokens), generator=g, dtype=torch.int64)
        out = [("input_ids", ids)]
        for layer in range(LAYERS):
            for what in ("key", "value"):
                out.append((f"past_{what}_{layer}",
                            torch.randn((1, GQA_KV, KV_CACHED, HIDDEN // HEADS),
                                        generator=g)))
        return out
    return inputs


def _decoder(pattern_of_layer, hq=HEADS, hkv=GQA_KV, **kw):
    return lambda impl: [_attn(hq, hkv, pattern=pattern_of_layer(l), **kw)
                         for l in range(LAYERS)]


def _dynamic_seq(name, library, what, make, inputs, output, hkv, note="", **op):
    """A family exported with a dynamic sequence length (ModelSpec.dynamic
    "seq"), run at DYN_SEQ; every op has HEADS query heads, `hkv` KV heads,
    `?` lengths and the _attn properties `op`."""
    return ModelSpec(
        name, library,
        f"{what}, exported with a dynamic sequence length, run at {DYN_SEQ}{note}",
        make, inputs, output,
        structure=lambda impl: [_attn(HEADS, hkv, lq="?", lk="?", **op)] * LAYERS,
        dialects=("linalg",), dynamic="seq")


_WINDOW = f"#attn.window<left = {GEMMA_WINDOW - 1}, right = 0, sinks = 0>"
_MISTRAL_WINDOW = "#attn.window<left = 5, right = 0, sinks = 0>"


MODELS: Dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            "gpt2", "transformers.GPT2LMHeadModel",
            f"GPT-2 decoder, causal, {LAYERS} layers, hidden {HIDDEN}, {HEADS} heads, "
            f"seq {SEQ}, vocab {VOCAB}, tied LM head",
            _make_gpt2, _ids_only, f"logits, 1x{SEQ}x{VOCAB} float32",
            structure=_decoder(lambda l: CAUSAL, hkv=HEADS),
        ),
        ModelSpec(
            "bert", "transformers.BertModel",
            f"BERT encoder, bidirectional with a runtime key-padding mask "
            f"(last 3 of {SEQ} tokens padded), {LAYERS} layers, hidden {HIDDEN}, "
            f"{HEADS} heads, no pooler",
            _make_bert, _bert_inputs, f"last_hidden_state, 1x{SEQ}x{HIDDEN} float32",
            # SDPA's 0/-inf padding bias becomes the i1 mask it came from.
            structure=lambda impl: [_attn(HEADS, HEADS, bias=impl == "eager",
                                          mask=impl == "sdpa")] * LAYERS,
        ),
        ModelSpec(
            "llama", "transformers.LlamaForCausalLM",
            f"Llama decoder, causal, GQA ({HEADS} query heads, 2 KV heads), RoPE, "
            f"RMSNorm, SwiGLU, {LAYERS} layers, hidden {HIDDEN}, seq {SEQ}, tied LM head",
            _make_llama, _ids_only, f"logits, 1x{SEQ}x{VOCAB} float32",
            structure=_decoder(lambda l: CAUSAL),
        ),
        ModelSpec(
            "mistral", "transformers.MistralForCausalLM",
            f"Mistral decoder, causal sliding window {MISTRAL_WINDOW} < seq {SEQ}, "
            f"GQA ({HEADS} query heads, 2 KV heads), RoPE, {LAYERS} layers, "
            f"hidden {HIDDEN}, tied LM head",
            _make_mistral, _ids_only, f"logits, 1x{SEQ}x{VOCAB} float32",
            structure=_decoder(lambda l: _MISTRAL_WINDOW),
        ),
        ModelSpec(
            "vit", "transformers.ViTModel",
            f"ViT encoder, {VIT_IMAGE}x{VIT_IMAGE} RGB image, patch {VIT_PATCH} "
            f"(16 patches + CLS = 17 tokens), bidirectional, {LAYERS} layers, "
            f"hidden {HIDDEN}, {HEADS} heads, no pooler",
            _make_vit, _vit_inputs,
            f"last_hidden_state, 1x{(VIT_IMAGE // VIT_PATCH) ** 2 + 1}x{HIDDEN} float32",
            structure=lambda impl: [_attn(HEADS, HEADS, lq=17, lk=17)] * LAYERS,
        ),
        ModelSpec(
            "vitcls", "transformers.ViTForImageClassification",
            f"ViT classifier, {VITCLS_IMAGE}x{VITCLS_IMAGE} RGB image, patch "
            f"{VIT_PATCH} ({(VITCLS_IMAGE // VIT_PATCH) ** 2} patches + CLS = "
            f"{(VITCLS_IMAGE // VIT_PATCH) ** 2 + 1} tokens), bidirectional, "
            f"{VITCLS_LAYERS} layers, hidden {HIDDEN}, {HEADS} heads, class-token "
            f"head with {VITCLS_LABELS} labels",
            _make_vitcls, _vitcls_inputs, f"logits, 1x{VITCLS_LABELS} float32",
            layers=VITCLS_LAYERS,
            structure=lambda impl: [_attn(HEADS, HEADS, lq=65, lk=65)] * VITCLS_LAYERS,
        ),
        ModelSpec(
            "llamapad", "transformers.LlamaForCausalLM",
            f"Llama decoder with a run-time attention_mask (first {LEFT_PAD} of "
            f"{SEQ} tokens left-padded), causal, GQA ({HEADS} query heads, "
            f"{GQA_KV} KV heads), {LAYERS} layers, hidden {HIDDEN}",
            _make_llamapad, _llamapad_inputs, f"logits, 1x{SEQ}x{VOCAB} float32",
            # SDPA's 0/-inf mask splits into the causal pattern and the
            # padding; eager's lowest-float mask cannot (docs/Raising.md).
            structure=lambda impl: [
                _attn(HEADS, GQA_KV, pattern=CAUSAL, mask=True) if impl == "sdpa"
                else _attn(HEADS, GQA_KV, bias=True)] * LAYERS,
        ),
        ModelSpec(
            "llamakv", "transformers.LlamaForCausalLM",
            f"Llama decoder with its KV cache: a chunk of {KV_CHUNK} new tokens after "
            f"{KV_CACHED} cached ones (past keys/values are inputs), causal aligned "
            f"bottom-right, GQA ({HEADS} query heads, {GQA_KV} KV heads), "
            f"{LAYERS} layers, hidden {HIDDEN}",
            _cached_lm("LlamaConfig", "LlamaForCausalLM"), _cached_inputs(KV_CHUNK),
            f"logits of the new tokens, 1x{KV_CHUNK}x{VOCAB} float32",
            structure=lambda impl: [_attn(HEADS, GQA_KV, lq=KV_CHUNK,
                                          lk=KV_CACHED + KV_CHUNK,
                                          pattern=CAUSAL)] * LAYERS,
        ),
        ModelSpec(
            "mistraldec", "transformers.MistralForCausalLM",
            f"Mistral decoder, one decoding step: 1 new token after {KV_CACHED} "
            f"cached ones; the sliding-window cache (window {MISTRAL_WINDOW}) keeps "
            f"the last {MISTRAL_WINDOW - 1} keys, so every key is visible; GQA "
            f"({HEADS} query heads, {GQA_KV} KV heads), {LAYERS} layers, hidden {HIDDEN}",
            _cached_lm("MistralConfig", "MistralForCausalLM",
                       sliding_window=MISTRAL_WINDOW),
            _cached_inputs(1), f"logits of the new token, 1x1x{VOCAB} float32",
            structure=lambda impl: [_attn(HEADS, GQA_KV, lq=1,
                                          lk=MISTRAL_WINDOW)] * LAYERS,
        ),
        # The same families exported with a dynamic sequence length: every
        # sequence size is `?`, broadcasts and views are run-time
        # computations (--attn-simplify-shapes), and the mask is built from
        # index arithmetic over the run-time length (--attn-infer-pattern
        # reads it as a predicate). BERT's padding mask is an input: it
        # stays.
        _dynamic_seq("gpt2dyn", "transformers.GPT2LMHeadModel", "the gpt2 model",
                     _make_gpt2, _ids_dyn, f"logits, 1x{DYN_SEQ}x{VOCAB} float32",
                     HEADS, pattern=CAUSAL),
        _dynamic_seq("llamadyn", "transformers.LlamaForCausalLM", "the llama model",
                     _make_llama, _ids_dyn, f"logits, 1x{DYN_SEQ}x{VOCAB} float32",
                     GQA_KV, pattern=CAUSAL),
        _dynamic_seq("mistraldyn", "transformers.MistralForCausalLM",
                     f"the mistral model (sliding window {MISTRAL_WINDOW})",
                     _make_mistral, _ids_dyn, f"logits, 1x{DYN_SEQ}x{VOCAB} float32",
                     GQA_KV, pattern=_MISTRAL_WINDOW),
        _dynamic_seq("bertdyn", "transformers.BertModel",
                     "the bert encoder with its run-time padding mask",
                     _make_bert, _bert_dyn_inputs,
                     f"last_hidden_state, 1x{DYN_SEQ}x{HIDDEN} float32",
                     HEADS, bias=True, note=" (no padding left)"),
        # The llamakv decoder with the number of new tokens and the cached
        # length both dynamic: the mask compares cache positions
        # (cached + i) with key indices, proven causal aligned bottom-right
        # for every pair of lengths. The cached keys and values are two
        # arguments whose lengths only torch.export's guards equate; the
        # repeated keys read the cache through a size-1 guard on their own
        # length, which the raise keeps per KV head (the repetition does not
        # read it), so the op still takes the 2 KV heads.
        ModelSpec(
            "llamakvdyn", "transformers.LlamaForCausalLM",
            f"the llamakv decoder with its KV cache, the new tokens (1..8) and "
            f"the cached length (1..{SEQ}) dynamic; run at {KV_CHUNK} new after "
            f"{KV_CACHED} cached",
            _cached_lm("LlamaConfig", "LlamaForCausalLM"), _cached_inputs(KV_CHUNK),
            f"logits of the new tokens, 1x{KV_CHUNK}x{VOCAB} float32",
            structure=lambda impl: [_attn(HEADS, GQA_KV, lq="?", lk="?",
                                          pattern=CAUSAL)] * LAYERS,
            dialects=("linalg",), dynamic="cache",
        ),
        ModelSpec(
            "gemma2", "transformers.Gemma2ForCausalLM",
            f"Gemma 2 decoder, logit softcap {GEMMA_SOFTCAP:g}, sliding window "
            f"{GEMMA_WINDOW} < seq {SEQ} (layer 0) and causal (layer 1), GQA "
            f"({HEADS} query heads, {GQA_KV} KV heads), {LAYERS} layers, hidden {HIDDEN}",
            _make_gemma2, _ids_only, f"logits, 1x{SEQ}x{VOCAB} float32",
            structure=lambda impl: [
                _attn(HEADS, GQA_KV, pattern=_WINDOW, softcap=GEMMA_SOFTCAP),
                _attn(HEADS, GQA_KV, pattern=CAUSAL, softcap=GEMMA_SOFTCAP)],
            impls=("eager",),
            notes="MLP activation SiLU instead of the tanh GELU (see _make_gemma2)",
        ),
        ModelSpec(
            "qwen2", "transformers.Qwen2ForCausalLM",
            f"Qwen2 decoder, causal, GQA ({HEADS} query heads, {GQA_KV} KV heads), "
            f"biases on the q/k/v projections, {LAYERS} layers, hidden {HIDDEN}",
            _causal_lm("Qwen2Config", "Qwen2ForCausalLM"), _ids_only,
            f"logits, 1x{SEQ}x{VOCAB} float32",
            structure=_decoder(lambda l: CAUSAL),
        ),
        ModelSpec(
            "gptoss", "transformers.GptOssForCausalLM",
            f"gpt-oss decoder, learned attention sinks, sliding window "
            f"{GEMMA_WINDOW} (layer 0) and causal (layer 1), GQA ({HEADS} query "
            f"heads, {GQA_KV} KV heads), {LAYERS} layers, hidden {HIDDEN}",
            _make_gptoss, _ids_only, f"logits, 1x{SEQ}x{VOCAB} float32",
            structure=lambda impl: [
                _attn(HEADS, GQA_KV, pattern=_WINDOW, sink=True),
                _attn(HEADS, GQA_KV, pattern=CAUSAL, sink=True)],
            impls=("eager",),
            notes="MoE MLP replaced by zeros, sinks ~ N(0, 1), default RoPE "
                  "(see _make_gptoss)",
        ),
        ModelSpec(
            "olmo2", "transformers.Olmo2ForCausalLM",
            f"OLMo 2 decoder, RMSNorm on q and k (q/k norm), causal, GQA "
            f"({HEADS} query heads, {GQA_KV} KV heads), {LAYERS} layers, hidden {HIDDEN}",
            _causal_lm("Olmo2Config", "Olmo2ForCausalLM"), _ids_only,
            f"logits, 1x{SEQ}x{VOCAB} float32",
            structure=_decoder(lambda l: CAUSAL),
        ),
        ModelSpec(
            "phi3", "transformers.Phi3ForCausalLM",
            f"Phi-3 decoder, fused qkv projection, causal, GQA ({HEADS} query "
            f"heads, {GQA_KV} KV heads), {LAYERS} layers, hidden {HIDDEN}",
            _causal_lm("Phi3Config", "Phi3ForCausalLM"), _ids_only,
            f"logits, 1x{SEQ}x{VOCAB} float32",
            structure=_decoder(lambda l: CAUSAL),
        ),
        ModelSpec(
            "bloom", "transformers.BloomForCausalLM",
            f"BLOOM decoder, ALiBi position bias, causal, {HEADS} heads, "
            f"{LAYERS} layers, hidden {HIDDEN}",
            _make_bloom, _ids_only, f"logits, 1x{SEQ}x{VOCAB} float32",
            structure=_decoder(lambda l: CAUSAL, hkv=HEADS, bias=True),
        ),
        ModelSpec(
            "falcon", "transformers.FalconForCausalLM",
            f"Falcon decoder, multi-query attention ({HEADS} query heads, 1 KV "
            f"head), parallel attention/MLP, causal, {LAYERS} layers, hidden {HIDDEN}",
            _make_falcon, _ids_only, f"logits, 1x{SEQ}x{VOCAB} float32",
            structure=_decoder(lambda l: CAUSAL, hkv=1),
        ),
        ModelSpec(
            "bert2", "transformers.BertModel",
            f"BERT encoder at batch {BERT2_BATCH}, a different key-padding mask "
            f"per sequence (run time), {LAYERS} layers, hidden {HIDDEN}, {HEADS} heads",
            _make_bert, _bert2_inputs,
            f"last_hidden_state, {BERT2_BATCH}x{SEQ}x{HIDDEN} float32",
            structure=lambda impl: [_attn(HEADS, HEADS, batch=BERT2_BATCH,
                                          bias=impl == "eager",
                                          mask=impl == "sdpa")] * LAYERS,
        ),
        ModelSpec(
            "t5", "transformers.T5Model",
            f"T5 encoder-decoder, relative position bias (8 buckets), encoder seq "
            f"{SEQ}, decoder seq {T5_DECODER} (causal self-attention, cross "
            f"attention Lq != Lk), {LAYERS}+{LAYERS} layers, hidden {HIDDEN}, {HEADS} heads",
            _make_t5, _ids_only,
            f"decoder last_hidden_state, 1x{T5_DECODER}x{HIDDEN} float32",
            layers=3 * LAYERS,
            structure=lambda impl: (
                [_attn(HEADS, HEADS, bias=True)] * LAYERS
                + [_attn(HEADS, HEADS, lq=T5_DECODER, lk=T5_DECODER, pattern=CAUSAL,
                         bias=True),
                   _attn(HEADS, HEADS, lq=T5_DECODER, lk=SEQ)] * LAYERS),
        ),
        ModelSpec(
            "swin", "timm.models.swin_transformer.SwinTransformer",
            f"Swin stage, {SWIN_IMAGE}x{SWIN_IMAGE} image, patch 2, window "
            f"{SWIN_WINDOW}x{SWIN_WINDOW} (4 windows as batch), relative position "
            f"bias, shifted windows with their mask (layer 1), {SWIN_HEADS} heads "
            f"of {SWIN_DIM // SWIN_HEADS}",
            _make_swin, _swin_inputs,
            f"features, 1x{SWIN_IMAGE // 2 // 1}x{SWIN_IMAGE // 2}x{SWIN_DIM} float32",
            structure=lambda impl: [
                _attn(SWIN_HEADS, SWIN_HEADS, batch=4, d=SWIN_DIM // SWIN_HEADS,
                      bias=True)] * 2,
            notes="weights ~ N(0, 0.2^2) (timm's init is too flat to show a "
                  "wrong mask)",
            dialects=("linalg",),
        ),
        ModelSpec(
            "swinv2", "timm.models.swin_transformer_v2.SwinTransformerV2",
            f"Swin V2 stage, {SWIN_IMAGE}x{SWIN_IMAGE} image, patch 2, window "
            f"{SWIN_WINDOW}x{SWIN_WINDOW} (4 windows as batch): cosine attention "
            f"(normalised Q and K) times a learned per-head logit scale, a "
            f"continuous relative position bias (16 * sigmoid of an MLP), shifted "
            f"windows with their mask (layer 1), {SWIN_HEADS} heads of "
            f"{SWIN_DIM // SWIN_HEADS}; the per-head scale and what follows it "
            f"raise as a score_mod region",
            _make_swinv2, _swin_inputs,
            f"features, 1x{SWIN_IMAGE // 2 // 1}x{SWIN_IMAGE // 2}x{SWIN_DIM} float32",
            structure=lambda impl: [
                _attn(SWIN_HEADS, SWIN_HEADS, batch=4, d=SWIN_DIM // SWIN_HEADS,
                      score_mod=True)] * 2,
            notes="weights ~ N(0, 0.2^2); the q/k/v biases are folded into the qkv "
                  "projection's bias (same values) because torch-mlir cannot import "
                  "timm's torch.cat of parameters and a buffer",
            impls=("eager",),
            dialects=("linalg",),
        ),
    ]
}


# ---------------------------------------------------------------- export

class _CumsumDecomposition:
    """aten.cumsum -> where(tril(ones(n, n)), x[..., None, :], 0).sum(-1).

    Counts its uses so that the header can say whether it was applied.
    """

    def __init__(self):
        self.uses = 0

    def __call__(self, x, dim, dtype=None):
        torch = _torch()
        self.uses += 1
        if dtype is None:
            dtype = x.dtype if x.is_floating_point() else torch.int64
        x = x.to(dtype)
        dim = dim % max(x.dim(), 1)
        n = x.shape[dim]
        moved = x.movedim(dim, -1)
        lower = torch.ones((n, n), dtype=torch.bool, device=x.device).tril()
        zero = torch.zeros((), dtype=dtype, device=x.device)
        out = torch.where(lower, moved.unsqueeze(-2), zero).sum(-1, dtype=dtype)
        return out.movedim(-1, dim)


def _versions() -> Dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in ("torch", "torch-mlir", "transformers", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "missing"
    return out


def _export(module, args, output_type: str, generic: bool,
            dynamic: str = "") -> Tuple[str, int]:
    torch = _torch()
    from torch_mlir import fx
    from torch_mlir.extras.fx_decomp_util import get_decomposition_table

    table = get_decomposition_table()
    cumsum = _CumsumDecomposition()
    table[torch.ops.aten.cumsum.default] = cumsum
    mod = fx.export_and_import(
        module, *args, output_type=output_type, decomposition_table=table,
        func_name="main",
        dynamic_shapes=_dynamic_shapes(args, dynamic) if dynamic else None,
    )
    if generic:
        text = mod.operation.get_asm(print_generic_op_form=True)
    else:
        text = str(mod)
    foreign = sorted({m.group(0).strip().split()[-1].strip('"')
                      for m in _FOREIGN_OP.finditer(text)})
    if foreign:
        raise RuntimeError(
            "torch-mlir left ops that MLIR 22 does not know: " + ", ".join(foreign))
    return text, cumsum.uses


def _header(spec: ModelSpec, impl: str, dialect: str, seed: int,
            input_files: List[Tuple[str, str, object]], output_file: str,
            versions: Dict[str, str], cumsum_uses: int,
            run_blocker: Optional[str]) -> str:
    cmd = (f"python3 tools/attn-import/attn_import.py --models {spec.name} "
           f"--impl {impl} --dialect {dialect} --seed {seed}")
    lines = [
        f"// {spec.name}-{impl}-{dialect}.mlir: generated by tools/attn-import/attn_import.py,",
        "// do not edit. Regenerate from the repository root, with the virtual",
        "// environment of tools/attn-import/README.md:",
        f"//   {cmd}",
        f"// Model: {spec.library}, attn_implementation=\"{impl}\", random weights (seed {seed}).",
        f"//   {spec.summary}.",
    ] + ([f"//   Changed from the library's model: {spec.notes}."]
         if spec.notes else []) + [
        f"// Exported: torch_mlir.fx.export_and_import(output_type=\"{DIALECTS[dialect]}\"),"
        " weights as constants"
        + {"": ".",
           "seq": f", sequence length dynamic (torch.export.Dim, 2..{SEQ}).",
           "cache": f", new tokens (1..8) and cached length (1..{SEQ}) dynamic"
                    " (torch.export.Dim)."}[spec.dynamic],
        "// Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
    ]
    if cumsum_uses:
        lines.append(
            "// Rewrite: aten.cumsum (transformers' packed-sequence check on the position"
            " ids)")
        lines.append(
            "//   decomposed into a masked sum before import; torch-mlir would emit"
            " tm_tensor.scan.")
    args = ", ".join(f"%arg{k} = {name} ({desc}, {os.path.basename(path)})"
                     for k, (name, path, desc) in enumerate(input_files))
    lines.append(f"// @main arguments: {args}.")
    lines.append(f"// Result: {spec.output}; PyTorch's value: {os.path.basename(output_file)}.")
    lines.append("//")
    ins = ",".join(f"%S/{os.path.basename(p)}" for _, p, _ in input_files)
    ref = f"%S/{os.path.basename(output_file)}"
    check = (f"attn-run - --entry=main --input={ins} --check-against={ref} "
             f"--atol={spec.atol:g} --rtol={spec.rtol:g}")
    lines.append("// RUN: attn-opt %s -o /dev/null")
    run = "RUN:" if run_blocker is None else "DISABLED:"
    if run_blocker is not None:
        why = textwrap.wrap(f"attn-run cannot run this file yet: {run_blocker}. "
                            "Turn DISABLED into RUN once it can:", 76)
        lines.extend("// " + w for w in why)
    if dialect == "linalg":
        lines.append(f"// {run} " + check.replace("attn-run -", "attn-run %s", 1))
    else:
        lines.append(f"// {run} attn-opt %s --pass-pipeline=\"{TOSA_TO_LINALG}\" \\")
        lines.append(f"// {run}   | {check}")
    # --attn-raise finds every attention layer and nothing else, with its
    # structure (GQA heads, the pattern its mask makes exact, sinks, softcap),
    # and the raised module still computes PyTorch's result.
    lines.append("//")
    lines.append(f"// RUN: attn-opt %s {RAISE} | FileCheck %s "
                 f"--check-prefix=RAISED --implicit-check-not=attn.attention")
    lines.append(f"// RAISED-COUNT-{spec.layers}: attn.attention")
    if spec.structure is not None:
        lines.append(f"// RUN: attn-opt %s {RAISE} | FileCheck %s "
                     f"--check-prefix=STRUCT")
        for line in spec.structure(impl):
            lines.append(f"// STRUCT: {line}")
    lines.append(f"// {run} attn-opt %s {RAISE} | {check}")
    # ... and so does the fused CPU pipeline on the raised module.
    cpu_check = check.replace("attn-run -", "attn-run - --pipeline=cpu", 1)
    lines.append(f"// {run} attn-opt %s {RAISE} | {cpu_check}")
    return "\n".join(lines) + "\n\n"


def _describe(t) -> str:
    shape = "x".join(str(d) for d in t.shape)
    return f"{shape} {str(t.dtype).replace('torch.', '')}"


def _check_file(path: str, dialect: str, attn_opt: Optional[str],
                attn_run: Optional[str], inputs: List[str], output: str,
                spec: ModelSpec) -> List[str]:
    """Parses (and optionally runs) the file; returns the problems found."""
    for attempt in range(12):
        try:
            return _check_file_unsafe(path, dialect, attn_opt, attn_run, inputs,
                                      output, spec)
        except OSError as e:  # e.g. the binary is being relinked right now
            error = e
            time.sleep(5)
    return [f"could not start a checker (tried for a minute): {error}"]


def _check_file_unsafe(path, dialect, attn_opt, attn_run, inputs, output, spec):
    problems = []
    if attn_opt:
        r = subprocess.run([attn_opt, path, "-o", "/dev/null"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            problems.append(f"attn-opt does not parse it:\n{r.stderr.strip()}")
            return problems
    if attn_run:
        run_cmd = [attn_run, "-", "--entry=main", "--input=" + ",".join(inputs),
                   "--check-against=" + output, f"--atol={spec.atol:g}",
                   f"--rtol={spec.rtol:g}"]
        if dialect == "linalg":
            src = open(path).read()
        else:
            low = subprocess.run([attn_opt or DEFAULT_ATTN_OPT, path,
                                  f"--pass-pipeline={TOSA_TO_LINALG}"],
                                 capture_output=True, text=True)
            if low.returncode != 0:
                problems.append(f"TOSA -> linalg failed:\n{low.stderr.strip()}")
                return problems
            src = low.stdout
        r = subprocess.run(run_cmd, input=src, capture_output=True, text=True)
        if r.returncode != 0:
            problems.append("attn-run check failed:\n" + (r.stdout + r.stderr).strip())
    return problems


def _find_tool(path: str, what: str) -> Optional[str]:
    if path == "none":
        return None
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    found = shutil.which(path)
    if found:
        return found
    print(f"warning: {what} not found at {path}: skipping that check", file=sys.stderr)
    return None


def _parse_list(value: str, allowed: Sequence[str], what: str) -> List[str]:
    if value == "all":
        return list(allowed)
    items = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in items if v not in allowed]
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown {what}: {', '.join(bad)} (choose from {', '.join(allowed)} or 'all')")
    return items


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=("Build tiny transformer models from their transformers "
                     "definitions (random weights, configs in code, nothing "
                     "downloaded) and export them to MLIR with torch-mlir, "
                     "together with their inputs and PyTorch's output as .npy."),
        epilog=("Writes OUT_DIR/<model>-<impl>-<dialect>.mlir, "
                "OUT_DIR/<model>-<impl>.input<k>.npy and "
                "OUT_DIR/<model>-<impl>.output0.npy. Models: "
                + "; ".join(f"{s.name}: {s.library}" for s in MODELS.values())
                + ". Exit code 0 when everything was written (and checked), 1 "
                "when an export or a check failed, 2 on bad usage or a missing "
                "package."),
    )
    parser.add_argument("--models", default="all",
                        help="comma-separated models or 'all' (default): "
                             + ", ".join(MODELS))
    parser.add_argument("--impl", default="all",
                        help="attention implementations: eager, sdpa or 'all' (default)")
    parser.add_argument("--dialect", default="all",
                        help="output dialects: linalg (linalg on tensors), tosa, "
                             "or 'all' (default)")
    parser.add_argument("--out-dir", default=DEFAULT_OUT_DIR,
                        help="where the files go (default: test/Models of this repository)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights (torch.manual_seed) and of the "
                             "inputs (default 0)")
    parser.add_argument("--generic", action="store_true",
                        help="print the generic op form (fallback when a newer "
                             "torch-mlir prints custom syntax MLIR 22 rejects)")
    parser.add_argument("--attn-opt", default=os.environ.get("ATTN_OPT", DEFAULT_ATTN_OPT),
                        help="attn-opt used to check that each file parses "
                             "('none' skips; default build/bin/attn-opt or $ATTN_OPT)")
    parser.add_argument("--attn-run", default=os.environ.get("ATTN_RUN", DEFAULT_ATTN_RUN),
                        help="attn-run used by --run (default build/bin/attn-run or $ATTN_RUN)")
    parser.add_argument("--run", action="store_true",
                        help="also run every file with attn-run (reference "
                             "pipeline; TOSA lowered to linalg first) and compare "
                             "with PyTorch's output")
    parser.add_argument("--list", action="store_true", help="list the models and exit")
    args = parser.parse_args(argv)

    if args.list:
        for s in MODELS.values():
            print(f"{s.name:8s} {s.library}: {s.summary}")
        return 0
    try:
        models = _parse_list(args.models, list(MODELS), "model")
        impls = _parse_list(args.impl, IMPLS, "attention implementation")
        dialects = _parse_list(args.dialect, list(DIALECTS), "dialect")
    except argparse.ArgumentTypeError as e:
        parser.error(str(e))

    missing = []
    for mod, dist in (("torch", "torch"), ("transformers", "transformers"),
                      ("numpy", "numpy"), ("torch_mlir.fx", "torch-mlir")):
        try:
            __import__(mod)
        except ImportError as e:
            missing.append(f"{dist} ({e})")
    if missing:
        print("error: missing Python packages: " + "; ".join(missing) + ".\n"
              "Install the pinned set into a virtual environment and run this "
              "tool with its python; see tools/attn-import/README.md:\n"
              "  /usr/bin/python3 -m venv /work/venv-import\n"
              "  /work/venv-import/bin/pip install -r tools/attn-import/requirements.txt",
              file=sys.stderr)
        return 2

    import numpy as np
    torch = _torch()
    import transformers

    transformers.logging.set_verbosity_error()
    attn_opt = _find_tool(args.attn_opt, "attn-opt")
    attn_run = _find_tool(args.attn_run, "attn-run") if args.run else None
    versions = _versions()
    os.makedirs(args.out_dir, exist_ok=True)
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))

    failures = 0
    for name in models:
        spec = MODELS[name]
        for impl in impls:
            if impl not in spec.impls:
                continue
            stem = f"{name}-{impl}"
            torch.manual_seed(args.seed)
            try:
                module = spec.make(impl)
            except (ValueError, ImportError) as e:
                print(f"{stem}: skipped, the library refuses it: {e}", file=sys.stderr)
                continue
            named_inputs = spec.inputs(args.seed)
            tensors = [t for _, t in named_inputs]
            with torch.no_grad():
                ref = module(*tensors)
            input_files = []
            for k, (iname, t) in enumerate(named_inputs):
                path = os.path.join(args.out_dir, f"{stem}.input{k}.npy")
                np.save(path, t.numpy())
                input_files.append((iname, path, _describe(t)))
            output_file = os.path.join(args.out_dir, f"{stem}.output0.npy")
            np.save(output_file, ref.detach().to(torch.float32).numpy())

            for dialect in dialects:
                if dialect not in spec.dialects:
                    continue
                out = os.path.join(args.out_dir, f"{stem}-{dialect}.mlir")
                t0 = time.time()
                try:
                    text, cumsum_uses = _export(module, tensors, DIALECTS[dialect],
                                                args.generic, spec.dynamic)
                except Exception as e:  # report and go on with the others
                    failures += 1
                    print(f"{os.path.basename(out)}: export FAILED: "
                          f"{type(e).__name__}: {e}", file=sys.stderr)
                    continue
                blocker = next((why for rx, why in KNOWN_RUN_BLOCKERS
                                if rx.search(text)), None)
                header = _header(spec, impl, dialect, args.seed, input_files,
                                 output_file, versions, cumsum_uses, blocker)
                with open(out, "w") as f:
                    f.write(header + text)
                parse_problems = _check_file(out, dialect, attn_opt, None, [], "", spec)
                run_problems = []
                if attn_run and not parse_problems:
                    run_problems = _check_file(out, dialect, None, attn_run,
                                               [p for _, p, _ in input_files],
                                               output_file, spec)
                notes = []
                if attn_opt and not parse_problems:
                    notes.append("parses")
                if attn_run and not parse_problems:
                    if not run_problems:
                        notes.append("runs and matches PyTorch")
                        if blocker:
                            notes.append("known run blocker no longer blocks: "
                                         "drop it from KNOWN_RUN_BLOCKERS")
                    elif blocker:
                        notes.append("does not run yet (known: see header)")
                        run_problems = []
                problems = parse_problems + run_problems
                status = "ok" if not problems else "FAILED"
                print(f"{os.path.relpath(out)}: {os.path.getsize(out)} bytes, "
                      f"{time.time() - t0:.1f}s, {status}"
                      + (f" ({', '.join(notes)})" if notes else ""))
                for p in problems:
                    failures += 1
                    print("  " + p.replace("\n", "\n  "), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
