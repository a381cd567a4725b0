"""Tiny data for the autoencoder tests: a 400-image digits subset and a low-rank table.

Plain cached functions, not fixtures in a ``conftest.py``: tests/conftest.py is imported as
``conftest`` by other test folders, and a second one would shadow it. The arrays are read-only.
"""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def digits() -> np.ndarray:
    """400 digits images scaled to [0, 1], shape (400, 64)."""
    from sklearn.datasets import load_digits

    X = load_digits().data[:400] / 16.0
    X.setflags(write=False)
    return X


@functools.cache
def low_rank() -> np.ndarray:
    """300 rows of rank-2 data in 10 columns plus a little noise, standardised."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2)) @ rng.normal(size=(2, 10)) + 0.05 * rng.normal(size=(300, 10))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X.setflags(write=False)
    return X
