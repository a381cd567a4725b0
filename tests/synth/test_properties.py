"""Property test: any small mixed table fits and samples with its columns, dtypes and categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthlearn.data import infer_schema
from synthlearn.synth import CARTSynthesizer, GaussianCopulaSynthesizer

FLOATS = st.one_of(st.none(), st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False))
INTS = st.integers(-3, 5)
LABELS = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "dé", "e f"]))


def _column(draw, n, elements):
    values = draw(st.lists(elements, min_size=n, max_size=n))
    if all(v is None for v in values):  # an all-missing column is refused by design
        values[0] = draw(elements.filter(lambda v: v is not None))
    return values


@st.composite
def mixed_frames(draw) -> pd.DataFrame:
    n = draw(st.integers(10, 40))
    floats = _column(draw, n, FLOATS)
    return pd.DataFrame({
        "real": pd.Series([np.nan if v is None else v for v in floats], dtype=float),
        "small": pd.Series(draw(st.lists(INTS, min_size=n, max_size=n)), dtype=np.int64),
        "label": pd.Series(_column(draw, n, LABELS), dtype="str"),
        "yes": pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
    })


@pytest.mark.parametrize("cls", [CARTSynthesizer, GaussianCopulaSynthesizer], ids=["cart", "copula"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=mixed_frames(), seed=st.integers(0, 2**16))
def test_fit_sample_keeps_the_table_shape(cls, df, seed):
    schema = infer_schema(df)
    assert schema.columns_of("identifier") == []
    out = cls(random_state=seed).fit(df).sample(25)
    assert list(out.columns) == list(df.columns)
    pd.testing.assert_series_equal(out.dtypes, df.dtypes)
    assert len(out) == 25
    assert set(out["label"].dropna()) <= set(df["label"].dropna())
    assert set(out["yes"]) <= set(df["yes"])
    assert set(out["small"]) <= set(range(df["small"].min(), df["small"].max() + 1))
    real = out["real"].dropna()
    assert real.between(df["real"].min(), df["real"].max()).all()
    if df["real"].notna().all():
        assert out["real"].notna().all()
    if df["label"].notna().all():
        assert out["label"].notna().all()
