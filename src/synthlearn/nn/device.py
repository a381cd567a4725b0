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
    """Whether this machine's CPU multiplies bfloat16 matrices in hardware (Intel AMX, from Sapphire Rapids
    on). There a bfloat16 product runs several times as fast as a float32 one (on a 2-core Sapphire Rapids
    machine, 1,150 against 165 GFLOP/s a core for a 4096 x 404 x 256 product); elsewhere bfloat16 is
    emulated, and slower than float32."""
    try:
        return bool(torch.cpu._is_amx_tile_supported())
    except Exception:  # a private function, which another torch may lack: then assume no
        return False
