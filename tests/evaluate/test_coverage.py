"""Coverage of rare categories, numeric ranges and tails, and outlier rows, against plain NumPy references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthlearn.data import Schema, infer_schema
from synthlearn.errors import InvalidParameterError
from synthlearn.evaluate import (
    OutlierDetector,
    category_coverage,
    coverage_summary,
    numeric_coverage,
    rare_categories,
)


def make_real(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Two correlated numbers with a few far outliers, a category with two rare levels, a flag."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = x + rng.normal(scale=0.3, size=n)
    x[:6] = [8.0, -7.5, 9.0, -8.0, 7.0, 8.5]  # far outliers
    c = rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]).astype(object)
    c[10:14] = "rare1"  # 1 %
    c[20:30] = "rare2"  # 2.5 %
    return pd.DataFrame({"x": x, "y": y, "c": c, "f": rng.random(n) < 0.5})


SCHEMA = Schema({"x": "numeric", "y": "numeric", "c": "categorical", "f": "boolean"})


# ---------------------------------------------------------------- references
def test_rare_categories_match_counting_by_hand():
    real = pd.DataFrame({"c": ["a"] * 90 + ["b"] * 6 + ["r"] * 3 + [None]})
    other = pd.DataFrame({"c": ["a"] * 45 + ["b"] * 4 + ["r"] * 1})
    table = rare_categories(real, other, Schema({"c": "categorical"}), threshold=0.05)
    # real: a .90, b .06, r .03, missing .01 (not a category); rare (< 5 %): r only
    assert list(table["category"]) == ["r"]
    row = table.iloc[0]
    assert row["real_count"] == 3
    assert row["real_frequency"] == pytest.approx(3 / 100)
    assert row["frequency"] == pytest.approx(1 / 50)
    assert row["ratio"] == pytest.approx((1 / 50) / (3 / 100))
    wide = rare_categories(real, other, Schema({"c": "categorical"}), threshold=0.1)
    assert set(wide["category"]) == {"b", "r"}


def test_category_coverage_is_share_of_real_categories_present():
    real = pd.DataFrame({"c": list("aabbcd"), "d": list("xxxyyy")})
    other = pd.DataFrame({"c": list("aaab"), "d": list("xyxy")})
    schema = Schema({"c": "categorical", "d": "categorical"})
    assert category_coverage(real, other, schema) == pytest.approx(np.mean([2 / 4, 2 / 2]))


def test_numeric_coverage_matches_numpy():
    rng = np.random.default_rng(3)
    r = rng.normal(size=500)
    o = np.r_[rng.normal(0.2, 0.8, size=300), [np.nan] * 5]
    table = numeric_coverage(pd.DataFrame({"x": r}), pd.DataFrame({"x": o}), Schema({"x": "numeric"}))
    row = table.set_index("column").loc["x"]
    oo = o[~np.isnan(o)]
    span = r.max() - r.min()
    expected_range = 1 - (max(0, (oo.min() - r.min()) / span) + max(0, (r.max() - oo.max()) / span))
    assert row["range_coverage"] == pytest.approx(expected_range)
    lo, hi = np.percentile(r, 1), np.percentile(r, 99)
    assert row["tail_low"] == pytest.approx(np.mean(oo < lo))
    assert row["tail_high"] == pytest.approx(np.mean(oo > hi))
    assert row["tail_real"] == pytest.approx(np.mean((r < lo) | (r > hi)))
    assert row["tail_ratio"] == pytest.approx(np.mean((oo < lo) | (oo > hi)) / np.mean((r < lo) | (r > hi)))


def test_numeric_coverage_without_real_tail_has_no_ratio():
    real = pd.DataFrame({"k": [0, 1, 2, 3] * 25})
    table = numeric_coverage(real, real, Schema({"k": "integer"}))
    assert table["range_coverage"].iloc[0] == 1.0
    assert np.isnan(table["tail_ratio"].iloc[0])


def test_outlier_detector_flags_the_real_share_and_finds_the_planted_outliers():
    real = make_real()
    detector = OutlierDetector(real, SCHEMA, contamination=0.02, random_state=0)
    assert detector.real_rate_ == pytest.approx(0.02, abs=0.005)
    np.testing.assert_array_equal(detector.flags(real), detector.real_outliers_)
    assert detector.real_outliers_[:6].sum() >= 4  # most of the far points are among the flagged ones


def test_outlier_detector_with_a_many_level_category(monkeypatch):
    from synthlearn.evaluate.privacy import GowerSpace

    real = make_real()
    zips = np.array([f"z{i % 40}" for i in np.random.default_rng(5).permutation(len(real))], dtype=object)
    zips[40:46] = [f"lone{i}" for i in range(6)]  # six levels of one row each
    real["zip"] = zips
    schema = Schema({**SCHEMA.kinds, "zip": "categorical"})
    detector = OutlierDetector(real, schema, random_state=0)
    assert detector.space.coded == ["zip"]
    # the forest reads zip as its level's frequency: rows of a level no other row has stand out
    assert detector.real_outliers_[40:46].sum() >= 2
    scores, _, _ = coverage_summary(real, real.copy(), schema, detector=detector)
    assert scores["outlier_ratio"] == scores["outlier_coverage"] == 1.0
    monkeypatch.setattr(GowerSpace, "MAX_ONEHOT_LEVELS", 1000)  # zip one-hot: the same neighbour radius
    assert OutlierDetector(real, schema, random_state=0).radius_ == pytest.approx(detector.radius_, abs=1e-15)


# ------------------------------------------------------- whole-table behaviour
def test_a_copy_of_the_real_table_scores_perfect():
    real = make_real()
    scores, rare, numeric = coverage_summary(real, real.copy(), SCHEMA)
    for key in ("category_coverage", "rare_category_coverage", "rare_frequency_ratio", "range_coverage",
                "tail_ratio", "outlier_ratio", "outlier_coverage"):
        assert scores[key] == pytest.approx(1.0), key
    assert set(rare["category"]) == {"rare1", "rare2"}
    assert (rare["ratio"] == 1.0).all()
    assert (numeric["range_coverage"] == 1.0).all()


def test_dropping_a_rare_category_scores_low():
    real = make_real()
    fake = real[real["c"] != "rare1"].reset_index(drop=True)
    scores, rare, _ = coverage_summary(real, fake, SCHEMA)
    assert scores["rare_category_coverage"] == pytest.approx(0.5)
    assert rare.set_index("category").loc["rare1", "ratio"] == 0.0
    assert scores["rare_frequency_ratio"] < 0.8
    assert scores["category_coverage"] < 1.0


def test_clipped_tails_score_low():
    real = make_real()
    fake = real.copy()
    for col in ("x", "y"):
        lo, hi = np.percentile(real[col], [5, 95])
        fake[col] = fake[col].clip(lo, hi)
    scores, _, numeric = coverage_summary(real, fake, SCHEMA)
    assert scores["tail_ratio"] == 0.0
    assert scores["range_coverage"] < 0.5
    assert (numeric["tail"] == 0).all()


def test_removing_the_outliers_scores_low_and_inventing_garbage_scores_high():
    real = make_real()
    detector = OutlierDetector(real, SCHEMA, random_state=0)
    without = real[~detector.real_outliers_].reset_index(drop=True)
    scores, _, _ = coverage_summary(real, without, SCHEMA, detector=detector)
    assert scores["outlier_ratio"] == 0.0
    assert scores["outlier_coverage"] < 0.5
    rng = np.random.default_rng(5)
    garbage = real.copy()
    garbage[["x", "y"]] = rng.uniform(-10, 10, size=(len(real), 2))  # no structure, wide values
    scores, _, _ = coverage_summary(real, garbage, SCHEMA, detector=detector)
    assert scores["outlier_ratio"] > 5


def test_missing_values_are_not_a_rare_category(mixed300):
    schema = infer_schema(mixed300)
    table = rare_categories(mixed300, mixed300, schema)
    assert "violet" in set(table["category"])
    assert "(missing)" not in set(table["category"])


@pytest.mark.parametrize("bad", [0, 0.0, 0.5, 0.7, -0.1, "0.05", True, None])
def test_bad_threshold_is_a_one_line_error(bad):
    real = make_real(50)
    with pytest.raises(InvalidParameterError) as info:
        rare_categories(real, real, SCHEMA, threshold=bad)
    message = str(info.value)
    assert "\n" not in message and "rare_threshold" in message and repr(bad) in message


def test_bad_contamination_is_a_one_line_error():
    with pytest.raises(InvalidParameterError, match="contamination must be .* got 0.9"):
        OutlierDetector(make_real(50), SCHEMA, contamination=0.9)
