"""Choosing the torch device: ``"auto"`` means CUDA when present, else CPU."""

from __future__ import annotations

import torch

from synthlearn.errors import InvalidParameterError


def resolve_device(device="auto") -> torch.device:
    """Turn a ``device`` parameter into a :class:`torch.device`, resolved at fit time.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"} or torch.device, default="auto"
    """
    if isinstance(device, torch.device):
        return device
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise InvalidParameterError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise InvalidParameterError(f"device {device!r} asked for CUDA, which is not available here; use device='auto'")
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise InvalidParameterError(f"device {device!r} is not available here; use device='auto'")
    return resolved


def bf16_matmul_native() -> bool:
    """Whether this machine's CPU multiplies bfloat16 matrices in hardware: Intel AMX (from Sapphire Rapids
    on) or the AVX-512 BF16 dot products (Intel from Cooper Lake, AMD from Zen 4). There a bfloat16 product
    runs several times as fast as a float32 one (for a 4096 x 404 x 256 product, a core of a Sapphire Rapids
    machine: 1,150 against 165 GFLOP/s; of an AMD EPYC with AVX-512 BF16: 427 against 94); elsewhere
    bfloat16 is emulated, and slower than float32."""
    try:
        return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())
    except Exception:  # private functions, which another torch may lack: then assume no
        return False


SAMPLING_PRECISIONS = ("auto", "float32", "bfloat16")


def check_sampling_precision(value) -> None:
    """A neural synthesizer's ``sampling_precision`` parameter: one of :data:`SAMPLING_PRECISIONS`."""
    if not isinstance(value, str) or value not in SAMPLING_PRECISIONS:
        raise InvalidParameterError(f"sampling_precision must be 'auto', 'float32' or 'bfloat16', got {value!r}")


def bf16_rounding():
    """The rounding for inference with bfloat16 products on the CPU, as autocast computes them (bfloat16
    operands, float32 sums): where the CPU multiplies bfloat16 in hardware, a cast to bfloat16; elsewhere
    a rounding of a tensor's values to bfloat16 that keeps them in float32, whose products of such
    numbers are the same to the order of summation, without emulated bfloat16's cost. Round a product's
    result too, as autocast returns bfloat16."""
    if bf16_matmul_native():
        return lambda t: t.to(torch.bfloat16)
    return lambda t: t.to(torch.bfloat16).float()


def bf16_mlp(layers):
    """The forward pass of a stack of ``nn.Linear`` and ``nn.ReLU`` layers (an ``nn.Sequential`` or a
    list) in bfloat16 products (:func:`bf16_rounding`), for sampling from a model trained under bfloat16
    autocast: ``forward(x) -> float32 tensor``. Weights are rounded once, here."""
    from torch import nn

    round_ = bf16_rounding()
    steps = []
    with torch.no_grad():
        for layer in layers:
            if isinstance(layer, nn.Linear):
                steps.append((round_(layer.weight.detach()).T, round_(layer.bias.detach())))
            elif isinstance(layer, nn.ReLU):
                steps.append(None)
            else:
                raise TypeError(f"bf16_mlp takes Linear and ReLU layers, got {type(layer).__name__}")

    def forward(x):
        x, own = round_(x), False  # no activation in place on the caller's tensor
        for step in steps:
            if step is None:
                x = x.relu_() if own else x.relu()
            else:
                x = round_(torch.addmm(step[1], x, step[0]))
            own = True
        return x.float()

    return forward
