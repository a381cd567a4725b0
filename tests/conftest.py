"""Shared fixtures: tiny tables of every column kind, and one evaluated report.

Everything here is small on purpose: the whole suite must run in well under a
few minutes on two slow cores.
"""

from __future__ import annotations

import os

# OpenMP threads spin-wait badly on small, busy machines; set before sklearn is imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pandas as pd
import pytest

#: Columns of ``mixed_frame`` and the kind inference must give each.
MIXED_KINDS = {
    "amount": "numeric",
    "count": "integer",
    "color": "categorical",
    "flag": "boolean",
    "when": "datetime",
    "day": "datetime",
    "user_id": "identifier",
}


def make_mixed_frame(n: int = 80, seed: int = 0) -> pd.DataFrame:
    """A small table with one column of every kind, and missing values in several.

    - ``amount``: float with NaN (numeric)
    - ``count``: whole floats with NaN (integer)
    - ``color``: strings with NaN, one rare category ``"violet"`` (categorical)
    - ``flag``: bool (boolean)
    - ``when``: datetime64 timestamps with NaT (datetime)
    - ``day``: ISO date strings (datetime, kept as strings)
    - ``user_id``: unique ints (identifier)
    """
    rng = np.random.default_rng(seed)
    amount = rng.normal(50.0, 10.0, n).round(3)
    amount[rng.random(n) < 0.15] = np.nan
    count = rng.integers(0, 6, n).astype(float)
    count[rng.random(n) < 0.1] = np.nan
    color = rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]).astype(object)
    color[rng.random(n) < 0.1] = None
    color[n // 2] = "violet"  # a rare category, one row
    when = pd.Series(pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24 * 3600, n), unit="s"))
    when[rng.random(n) < 0.1] = pd.NaT
    day = pd.Series(pd.Timestamp("2020-06-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")).dt.strftime("%Y-%m-%d")
    df = pd.DataFrame({
        "amount": amount,
        "count": count,
        "color": pd.Series(color, dtype="str"),
        "flag": rng.random(n) < 0.4,
        "when": when,
        "day": day.astype("str"),
        "user_id": np.arange(1000, 1000 + n, dtype=np.int64),
    })
    return df


@pytest.fixture
def mixed_frame() -> pd.DataFrame:
    """80 rows, one column of every kind, NaN in several (fresh copy per test)."""
    return make_mixed_frame()


@pytest.fixture(scope="session")
def mixed300() -> pd.DataFrame:
    """300 rows of the same shape, with a rare category present in exactly 3 rows. Do not modify."""
    df = make_mixed_frame(300, seed=1)
    df.loc[[10, 150, 290], "color"] = "violet"
    df.loc[df["color"].eq("violet") & ~df.index.isin([10, 150, 290]), "color"] = "red"
    return df


@pytest.fixture(scope="session")
def penguins() -> pd.DataFrame:
    """The bundled penguins table (344 rows). Do not modify."""
    from synthlearn.data import load_dataset

    return load_dataset("penguins")


@pytest.fixture(scope="session")
def penguins_small(penguins) -> pd.DataFrame:
    """120 penguins rows: correlated columns, a 3-class target, missing values."""
    return penguins.sample(120, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def evaluated(penguins_small):
    """One evaluate() run on small penguins data, as a namespace:
    report, train, holdout, synthetic, schema and steps (the progress messages)."""
    from types import SimpleNamespace

    from synthlearn.data import holdout_split, infer_schema
    from synthlearn.evaluate import evaluate
    from synthlearn.synth import CARTSynthesizer

    schema = infer_schema(penguins_small)
    train, holdout = holdout_split(penguins_small, schema=schema, target="species", random_state=0)
    synthetic = CARTSynthesizer(random_state=0).fit(train, schema).sample(len(train))
    steps: list[str] = []
    report = evaluate(train, holdout, synthetic, schema=schema, target="species", random_state=0,
                      progress=steps.append)
    return SimpleNamespace(report=report, train=train, holdout=holdout, synthetic=synthetic, schema=schema,
                           steps=steps)
