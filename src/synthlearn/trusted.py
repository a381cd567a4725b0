"""Loading scikit-learn objects saved with skops, accepting only trusted types.

skops stores objects as data, not pickle, and lists the types a file would create. Every saved model of
synthlearn that holds scikit-learn objects (``learn`` pipelines, ``vision`` classifiers) is loaded
through :func:`load_trusted_skops`, so a tampered file cannot make synthlearn run foreign code.
"""

from __future__ import annotations

import os
from pathlib import Path

from synthlearn.errors import ModelFileError

#: Plain Python builtins that skops lists as types but that carry no code.
TRUSTED_BUILTINS = frozenset({"builtins.slice", "builtins.object", "builtins.type", "builtins.float",
                              "builtins.int", "builtins.str", "builtins.bool", "builtins.NoneType",
                              "builtins.tuple", "builtins.list", "builtins.dict"})


def load_trusted_skops(path: str | os.PathLike, prefixes: tuple[str, ...], fix: str):
    """The object in the skops file ``path``, when every type it holds starts with one of ``prefixes`` (or is a
    plain builtin); else a :class:`ModelFileError` naming the file, ending with ``fix`` (what to do)."""
    import skops.io as sio

    path = Path(path)
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises many kinds on a corrupt file
        raise ModelFileError(f"'{path}' is not a readable skops file ({type(exc).__name__}); {fix}") from None
    refused = [t for t in untrusted if not (t.startswith(prefixes) or t in TRUSTED_BUILTINS)]
    if refused:
        raise ModelFileError(f"'{path}' contains untrusted type(s) {refused[:3]}; only scikit-learn, NumPy and "
                             f"synthlearn objects are loaded; {fix}")
    try:
        return sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModelFileError(f"'{path}' is corrupt or from another version ({type(exc).__name__}); {fix}") from None
