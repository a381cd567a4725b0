"""Model folders: ``config.json`` + ``weights.pt`` (a state dict, loaded with ``weights_only=True``)."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import torch

from synthlearn.errors import ModelFileError

WEIGHTS = "weights.pt"
CONFIG = "config.json"


def save_module(folder, module: torch.nn.Module, config: dict, *, may_replace: tuple = ()) -> Path:
    """Write ``config`` (JSON-ready) and ``module``'s weights (moved to CPU) into ``folder``, atomically.

    An existing ``folder`` is replaced only when it is empty or holds just these two files (and files
    matching the patterns of ``may_replace``: the other files of the caller's model folders).
    """
    from synthlearn.atomic import atomic_folder, holds_only

    def write(tmp: Path) -> None:
        torch.save({k: v.detach().cpu() for k, v in module.state_dict().items()}, tmp / WEIGHTS)
        meta = {"config": config, "versions": {"torch": torch.__version__, "python": platform.python_version()}}
        (tmp / CONFIG).write_text(json.dumps(meta, indent=1) + "\n")

    return atomic_folder(folder, write, may_replace=holds_only(CONFIG, WEIGHTS, *may_replace))


def load_module_state(folder) -> tuple[dict, dict]:
    """Read a folder written by :func:`save_module`: ``(config, state_dict)``; nothing is unpickled."""
    folder = Path(folder)
    for name in (CONFIG, WEIGHTS):
        if not (folder / name).is_file():
            raise ModelFileError(f"model folder '{folder}' is missing {name}; save the model again")
    try:
        meta = json.loads((folder / CONFIG).read_text())
        state = torch.load(folder / WEIGHTS, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelFileError(f"model folder '{folder}' is corrupt ({type(exc).__name__}); save the model again") from None
    return meta["config"], state


def module_arrays(module: torch.nn.Module, prefix: str = "weight__") -> dict:
    """A module's state as NumPy arrays under ``prefix + name`` (for ``.npz`` files, no pickle)."""
    return {f"{prefix}{name}": value.detach().cpu().numpy() for name, value in module.state_dict().items()}


def load_module_arrays(module: torch.nn.Module, arrays: dict, prefix: str = "weight__") -> torch.nn.Module:
    """Load the state written by :func:`module_arrays` into ``module``; returns it in eval mode."""
    import numpy as np

    state = {k[len(prefix):]: torch.from_numpy(np.array(v)) for k, v in arrays.items() if k.startswith(prefix)}
    module.load_state_dict(state)
    return module.eval()
