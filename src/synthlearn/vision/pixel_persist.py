"""Saving pixel- and object-based classifiers as folders, loaded without pickle.

A model folder holds ``model.skops`` (the fitted estimator, written with skops, which stores objects as
data rather than pickle) and ``metadata.json`` (what the model needs to be used: image layout, bands,
method; library versions). Loading accepts only scikit-learn, NumPy and synthlearn types, so a tampered
file cannot make synthlearn run foreign code.
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from synthlearn.errors import ModelFileError

MODEL_FILE, META_FILE = "model.skops", "metadata.json"
FORMAT = "synthlearn-vision-model/1"
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "synthlearn.")
_TRUSTED_BUILTINS = {"builtins.slice", "builtins.object", "builtins.type", "builtins.float", "builtins.int",
                     "builtins.str", "builtins.bool", "builtins.NoneType", "builtins.tuple", "builtins.list",
                     "builtins.dict"}


def save_pixel_model(model, folder: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write a fitted classifier and JSON-ready ``metadata`` into ``folder`` (replaced as a whole, atomically).

    An existing ``folder`` is replaced only when it is empty or holds just these two files.

    Examples
    --------
    >>> import os, tempfile
    >>> from synthlearn.vision import MinimumDistanceClassifier, load_pixel_model, save_pixel_model
    >>> model = MinimumDistanceClassifier().fit([[0.0], [1.0]], ["dark", "bright"])
    >>> folder = save_pixel_model(model, os.path.join(tempfile.mkdtemp(), "model"), {"channels": "first"})
    >>> loaded, meta = load_pixel_model(folder)
    >>> loaded.predict([[0.9]]), meta["channels"]
    (array(['bright'], dtype='<U6'), 'first')
    """
    import numpy as np
    import skops
    import skops.io as sio
    import sklearn

    from synthlearn import __version__
    from synthlearn.atomic import atomic_folder, holds_only

    meta = {"format": FORMAT, "estimator": type(model).__name__, **(metadata or {}),
            "versions": {"synthlearn": __version__, "scikit-learn": sklearn.__version__, "skops": skops.__version__,
                         "numpy": np.__version__, "python": platform.python_version()}}

    def write(tmp: Path) -> None:
        sio.dump(model, tmp / MODEL_FILE)
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")

    return atomic_folder(folder, write, may_replace=holds_only(MODEL_FILE, META_FILE))


def load_pixel_model(folder: str | os.PathLike):
    """``(model, metadata)`` from a folder written by :func:`save_pixel_model`, refusing untrusted types."""
    import skops.io as sio

    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFileError(f"model folder '{folder}' does not exist; give a folder written with --model-out")
    for name in (MODEL_FILE, META_FILE):
        if not (folder / name).is_file():
            raise ModelFileError(f"model folder '{folder}' lacks {name}; save the model again")
    try:
        meta = json.loads((folder / META_FILE).read_text())
        if meta.get("format") != FORMAT:
            raise ValueError
    except (ValueError, AttributeError, OSError):
        raise ModelFileError(f"'{folder / META_FILE}' is not a vision model's metadata ({FORMAT}); give a folder "
                             f"written by `synthlearn vision pixels/objects --model-out`") from None
    try:
        untrusted = sio.get_untrusted_types(file=folder / MODEL_FILE)
    except Exception as exc:  # skops raises many kinds on a corrupt file
        raise ModelFileError(f"'{folder / MODEL_FILE}' is not a readable skops file ({type(exc).__name__}); "
                             f"save the model again") from None
    refused = [t for t in untrusted if not (t.startswith(_TRUSTED_PREFIXES) or t in _TRUSTED_BUILTINS)]
    if refused:
        raise ModelFileError(f"'{folder / MODEL_FILE}' contains untrusted type(s) {refused[:3]}; only "
                             f"scikit-learn, NumPy and synthlearn objects are loaded")
    return sio.load(folder / MODEL_FILE, trusted=untrusted), meta
