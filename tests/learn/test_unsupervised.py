"""cluster() and reduce() on tables of every column kind, against direct scikit-learn calls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthlearn.errors import DataError, InvalidParameterError
from synthlearn.learn import cluster, reduce


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [8, 8], [0, 8]])
    labels = np.repeat([0, 1, 2], 40)
    xy = centers[labels] + rng.normal(scale=0.7, size=(120, 2))
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "shape": np.array(["o", "s", "t"])[labels]}), labels


def test_auto_k_finds_the_three_blobs(blobs):
    df, truth = blobs
    result = cluster(df, "auto", k_range=(2, 6))
    assert result.k == 3
    assert list(result.scores.index) == [2, 3, 4, 5, 6]
    assert result.scores["inertia"].is_monotonic_decreasing
    # each found cluster is one true blob
    assert pd.crosstab(result.labels, truth).gt(0).sum(axis=1).eq(1).all()
    assert result.profiles["size"].sum() == 120 and set(result.profiles["shape"]) == {"o", "s", "t"}
    assert result.plot_png()[:8] == b"\x89PNG\r\n\x1a\n"


def test_profiles_never_collide_with_the_tables_own_columns(blobs):
    df = blobs[0].assign(size=np.arange(120.0), cluster=np.tile(["a", "b"], 60))
    profiles = cluster(df, 3).profiles
    assert profiles.index.name == "cluster_2" and list(profiles.columns[:2]) == ["size_2", "share"]
    assert profiles["size_2"].sum() == 120 and profiles["size"].between(0, 119).all()  # the user's mean
    assert set(profiles["cluster"]) <= {"a", "b"}


def test_given_k_and_mixed_kinds(mixed_frame):
    result = cluster(mixed_frame, 2)
    assert result.k == 2 and len(result.labels) == len(mixed_frame)
    assert "user_id" not in result.profiles.columns  # identifiers are not profiled
    assert {"amount", "color", "when"} <= set(result.profiles.columns)


def test_reduce_matches_pca_on_standardised_numbers(blobs):
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    df = blobs[0][["x", "y"]]
    result = reduce(df, 2)
    ref = PCA(2).fit(StandardScaler().fit_transform(df))
    np.testing.assert_allclose(result.explained_variance_ratio, ref.explained_variance_ratio_)
    assert np.abs(np.corrcoef(result.table["PC1"], ref.transform(StandardScaler().fit_transform(df))[:, 0])[0, 1]) \
        == pytest.approx(1.0)


def test_reduce_to_a_variance_fraction_keeps_ids(mixed_frame):
    result = reduce(mixed_frame, 0.8)
    assert result.table.columns[0] == "user_id"
    assert result.variance["cumulative"].iloc[-1] >= 0.8
    assert len(result.variance) == 1 or result.variance["cumulative"].iloc[-2] < 0.8
    assert result.plot_png()[:4] == b"\x89PNG"


@pytest.mark.parametrize("call, match", [
    (lambda df: cluster(df, 0), "k must be"),
    (lambda df: cluster(df, "many"), "k must be"),
    (lambda df: cluster(df, "auto", k_range=(1, 3)), "k_range"),
    (lambda df: reduce(df, 0), "components"),
    (lambda df: reduce(df, 1.5), "components"),
    (lambda df: reduce(df, 999), "components must be between 1 and"),
])
def test_bad_parameters(blobs, call, match):
    with pytest.raises(InvalidParameterError, match=match):
        call(blobs[0])


def test_auto_k_on_identical_rows_is_a_clear_error():
    # no k gives a silhouette: idxmax of all-NaN scores raised pandas' "Encountered all NA values"
    same = pd.DataFrame({"a": [1.0] * 6, "b": ["x"] * 6})
    with pytest.raises(DataError, match="give k"):
        cluster(same, "auto")
    assert cluster(same, 1).k == 1


def test_reduce_of_a_constant_table_is_a_clear_error():
    # PCA's explained variance ratios were NaN and every row was written as zeros
    with pytest.raises(DataError, match="no variance to reduce"):
        reduce(pd.DataFrame({"a": [1.0] * 5, "b": ["x"] * 5}), 1)


def test_profiles_of_a_wide_table_raise_no_performance_warnings():
    # one column inserted at a time: a PerformanceWarning per column past the hundredth on stderr
    import warnings

    rng = np.random.default_rng(0)
    wide = pd.DataFrame(rng.normal(size=(30, 150)), columns=[f"x{i}" for i in range(150)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        result = cluster(wide, 2)
    assert list(result.profiles.columns[:3]) == ["size", "share", "x0"] and result.profiles["size"].sum() == 30
