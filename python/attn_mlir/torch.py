"""The PyTorch front door: torch.nn.Module -> attn_mlir.Module.

    from attn_mlir.torch import export
    m = export(model, x)             # torch-mlir, linalg on tensors
    m.run("attn-raise-pipeline")     # softmax(QK^T)V -> attn.attention

Needs torch and torch-mlir (torch_mlir.fx); importing this module without
them raises ImportError.
"""

import torch as _torch
from torch_mlir import fx as _fx

from . import Module

__all__ = ["export"]


def export(model, *inputs, output_type="linalg-on-tensors", name="main"):
    """Exports `model` called on `inputs` through torch.export and
    torch-mlir; returns the module (its entry is @`name`, in eval mode and
    without gradients)."""
    model = model.eval()
    with _torch.no_grad():
        exported = _fx.export_and_import(model, *inputs,
                                         output_type=output_type,
                                         func_name=name)
    return Module.parse(str(exported), f"<torch export of "
                        f"{type(model).__name__}>")
