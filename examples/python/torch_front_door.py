"""The PyTorch front door: export an nn.Module through torch-mlir, raise its
attention, impose a sliding window, run it in process and compare with eager.

    PYTHONPATH=build/python_packages python3 examples/python/torch_front_door.py

Needs torch and torch-mlir. Prints the largest difference from eager PyTorch.
"""

import torch
import torch.nn.functional as F


class SelfAttention(torch.nn.Module):
    """Causal multi-head self-attention; `window` keeps the last `window`
    keys of each query (a sliding window) in eager mode."""

    def __init__(self, dim=64, heads=4, window=None):
        super().__init__()
        self.qkv, self.heads, self.window = torch.nn.Linear(dim, 3 * dim), heads, window

    def forward(self, x):
        b, l, d = x.shape
        q, k, v = self.qkv(x).view(b, l, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        if self.window is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            i, j = torch.arange(l)[:, None], torch.arange(l)[None, :]
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=(j <= i) & (i - j < self.window))
        return y.transpose(1, 2).reshape(b, l, d)


torch.manual_seed(0)
model, x = SelfAttention(), torch.randn(1, 128, 64)
# --- the front door ---
import attn_mlir
from attn_mlir.torch import export
m = export(model, x)                                            # torch-mlir: linalg on tensors
m.run("attn-raise-pipeline,canonicalize,func.func(attn-infer-pattern)")
m.run("attn-sparsify{pattern=window left=31}")                  # keep 32 keys per query
out = attn_mlir.compile(m, pipeline="cpu")(x)                   # fused CPU kernel, in process
model.window = 32                                               # the same window, eagerly
print("attn.attention ops:", m.count("attn.attention"), "max |ours - eager|:", abs(out - model(x).detach().numpy()).max())
