"""Bias amplification: group rates and gaps against plain NumPy, amplified tables, model gaps, errors."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from synthlearn.data import Schema, infer_schema
from synthlearn.errors import ColumnError, InvalidParameterError
from synthlearn.evaluate import bias, evaluate, parity_gap
from synthlearn.evaluate.bias import Grouping, check_sensitive, group_rates, model_gaps

SCHEMA = Schema({"g": "categorical", "age": "numeric", "x": "numeric", "y": "categorical"})


def make_real(n: int = 600, seed: int = 0, gap: float = 0.2) -> pd.DataFrame:
    """Group "a" has P(y=yes) = 0.5 + gap / 2, group "b" 0.5 − gap / 2."""
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b"], n)
    p = np.where(g == "a", 0.5 + gap / 2, 0.5 - gap / 2)
    y = np.where(rng.random(n) < p, "yes", "no")
    return pd.DataFrame({"g": g, "age": rng.uniform(20, 60, n), "x": rng.normal(size=n) + (y == "yes"), "y": y})


def gap_reference(df: pd.DataFrame, group: str, target: str) -> float:
    """max over classes of (max over groups − min over groups) of P(class | group), by counting."""
    best = 0.0
    for c in sorted(set(df[target])):
        rates = [np.mean(df.loc[df[group] == g, target] == c) for g in sorted(set(df[group]))]
        best = max(best, max(rates) - min(rates))
    return best


def test_parity_gap_matches_counting():
    real = make_real()
    grouping = Grouping(real, SCHEMA, "g")
    rates = group_rates(real, grouping, SCHEMA, "y", "classification", ["no", "yes"])
    assert rates.loc["a", "rows"] == (real["g"] == "a").sum()
    assert rates.loc["a", "yes"] == pytest.approx(np.mean(real.loc[real["g"] == "a", "y"] == "yes"))
    assert parity_gap(rates) == pytest.approx(gap_reference(real, "g", "y"))


def test_numeric_sensitive_column_is_cut_at_the_real_quartiles():
    real = make_real()
    grouping = Grouping(real, SCHEMA, "age")
    groups = grouping.groups(real)
    assert len(set(groups)) == 4
    q = np.quantile(real["age"], [0.25, 0.5, 0.75])
    expected = np.searchsorted(q, real["age"].to_numpy(), side="right")
    codes = pd.Series(groups).map({lab: i for i, lab in enumerate(grouping.labels)}).to_numpy()
    np.testing.assert_array_equal(codes, expected)
    assert np.bincount(codes).min() >= len(real) // 4 - 1


def test_numeric_target_compares_group_means_in_standard_deviations():
    rng = np.random.default_rng(1)
    g = rng.choice(["a", "b"], 400)
    df = pd.DataFrame({"g": g, "t": rng.normal(size=400) + (g == "a") * 2.0})
    schema = Schema({"g": "categorical", "t": "numeric"})
    summary, groups, _ = bias(df, {"synthetic": df}, schema, "t", ["g"], "regression")
    means = df.groupby("g")["t"].mean()
    assert summary.loc[0, "metric"] == "mean_gap"
    assert summary.loc[0, "parity_gap_real"] == pytest.approx((means.max() - means.min()) / df["t"].std(ddof=0))
    assert set(groups["class"]) == {"mean"}
    assert summary.loc[0, "amplification"] == pytest.approx(0.0)


def test_constant_float_target_has_no_mean_gap():
    # the group means differ by rounding error, which the target's std (rounding error too) made a gap of 0.5
    df = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 12, "t": np.full(22, 0.1)})
    summary, _, _ = bias(df, {"synthetic": df}, Schema({"g": "categorical", "t": "numeric"}), "t", ["g"],
                         "regression")
    assert summary.loc[0, "parity_gap_real"] == pytest.approx(0.0, abs=1e-12)


def test_bins_of_close_large_numbers_get_distinct_labels():
    """Printed to 4 significant digits, every cut of 100020..100034 read 1e+05: four bins, one label, one group."""
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"zip": 100020 + rng.integers(0, 15, 400), "amount": 100000 + rng.random(400)})
    real["y"] = np.where(real["zip"] > 100027, "yes", "no")
    schema = Schema({"zip": "integer", "amount": "numeric", "y": "categorical"})
    for column in ("zip", "amount"):
        grouping = Grouping(real, schema, column)
        assert len(grouping.labels) == 4 and len(set(grouping.labels)) == 4, grouping.labels
        assert set(grouping.groups(real)) == set(grouping.labels)
    q = np.quantile(real["zip"], [0.25, 0.5, 0.75], method="higher")  # whole numbers, shown whole
    assert Grouping(real, schema, "zip").labels == [f"< {q[0]}", f"[{q[0]}, {q[1]})", f"[{q[1]}, {q[2]})", f"≥ {q[2]}"]
    _, groups, _ = bias(real, {"synthetic": real}, schema, "y", ["zip"], "classification")
    assert groups["group"].nunique() == 4


def test_bin_labels_have_just_enough_digits():
    from synthlearn.evaluate.bias import _bin_labels

    assert _bin_labels(np.array([0.5, 2.0])) == ["< 0.5", "[0.5, 2)", "≥ 2"]
    assert _bin_labels(np.array([45000.0, 62000.0]))[1] == "[45000, 62000)"  # not 4.5e+04
    assert _bin_labels(np.array([0.12341, 0.12344])) == ["< 0.12341", "[0.12341, 0.12344)", "≥ 0.12344"]
    assert len(set(_bin_labels(np.array([0.1, np.nextafter(0.1, 1)])))) == 3
    assert _bin_labels(np.array([])) == ["all"]


def test_datetime_bins_are_labelled_as_dates():
    """Their cuts were shown as seconds since 1970 (1.601e+09)."""
    rng = np.random.default_rng(0)
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, 400), unit="D")
    times = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 10**6, 400), unit="min")
    real = pd.DataFrame({"joined": days, "seen": times, "y": rng.choice(["a", "b"], 400)})
    schema = Schema({"joined": "datetime", "seen": "datetime", "y": "categorical"})
    date, stamp = r"\d{4}-\d{2}-\d{2}", r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"
    for column, text in (("joined", date), ("seen", stamp)):  # dates alone when every cut is at midnight
        labels = Grouping(real, schema, column).labels
        assert len(set(labels)) == 4, labels
        for label in labels:
            assert re.fullmatch(rf"< {text}|\[{text}, {text}\)|≥ {text}", label), label
    grouping = Grouping(real, schema, "joined")
    assert set(grouping.groups(real)) == set(grouping.labels)


def test_a_copy_shows_no_amplification_and_a_wider_gap_shows_positive_amplification():
    real = make_real(gap=0.2, seed=0)
    wider = make_real(gap=0.6, seed=1)
    flat = make_real(gap=0.0, seed=2)
    summary, groups, _ = bias(real, {"synthetic": real.copy(), "holdout": make_real(300, seed=3)}, SCHEMA, "y",
                              ["g"], "classification")
    assert summary.loc[0, "amplification"] == pytest.approx(0.0)
    assert summary.loc[0, "parity_gap_synthetic"] == pytest.approx(gap_reference(real, "g", "y"))
    assert abs(summary.loc[0, "amplification_holdout"]) < 0.15  # two real samples differ by chance only
    row = groups[(groups["group"] == "a") & (groups["class"] == "yes")].iloc[0]
    assert row["real"] == pytest.approx(row["synthetic"])
    amplified, _, _ = bias(real, {"synthetic": wider}, SCHEMA, "y", ["g"], "classification")
    assert amplified.loc[0, "amplification"] == pytest.approx(gap_reference(wider, "g", "y") -
                                                              gap_reference(real, "g", "y"))
    assert amplified.loc[0, "amplification"] > 0.25
    washed, _, _ = bias(real, {"synthetic": flat}, SCHEMA, "y", ["g"], "classification")
    assert washed.loc[0, "amplification"] < -0.1


def test_small_groups_are_listed_but_left_out_of_the_gap():
    real = make_real()
    real.loc[:4, "g"] = "tiny"  # 5 rows: their rates are noise
    real.loc[:4, "y"] = "yes"
    summary, groups, _ = bias(real, {"synthetic": real}, SCHEMA, "y", ["g"], "classification")
    assert "tiny" in set(groups["group"])
    assert summary.loc[0, "parity_gap_real"] == pytest.approx(gap_reference(real[real["g"] != "tiny"], "g", "y"))


def test_model_gaps_match_counting():
    groups = np.array(["a"] * 12 + ["b"] * 12, dtype=object)
    y = np.array((["yes"] * 6 + ["no"] * 6) * 2, dtype=object)
    pred = y.copy()
    pred[[0, 1, 6]] = ["no", "no", "yes"]  # group a: 2 missed yes, 1 false yes
    out = model_gaps(groups, y, pred, "classification")
    assert out["per_group"] == {"a": pytest.approx(9 / 12), "b": 1.0}
    assert out["accuracy_gap"] == pytest.approx(3 / 12)
    # one-vs-rest for "yes": TPR a 4/6, b 1 → 2/6; FPR a 1/6, b 0 → 1/6; the same for "no" mirrored
    assert out["equalized_odds"] == pytest.approx(2 / 6)


def test_evaluate_reports_bias_for_the_models_and_in_json():
    real = make_real(400)
    train, holdout = real.iloc[:280].reset_index(drop=True), real.iloc[280:].reset_index(drop=True)
    synthetic = make_real(280, seed=5, gap=0.6)
    report = evaluate(train, holdout, synthetic, schema=SCHEMA, target="y", sensitive=["g", "age"])
    summary = report.bias["summary"].set_index("column")
    assert list(summary.index) == ["g", "age"]
    assert summary.loc["g", "amplification"] > 0.2
    for key in ("accuracy_gap_real_model", "accuracy_gap_synthetic_model", "equalized_odds_amplification"):
        assert np.isfinite(summary.loc["g", key]), key
    model = report.bias["model"]
    assert set(model.columns) >= {"column", "group", "rows_holdout", "accuracy_real_model",
                                  "accuracy_synthetic_model"}
    assert model[model["column"] == "g"]["rows_holdout"].sum() == len(holdout)
    data = json.loads(report.to_json())
    assert data["bias"]["sensitive"] == ["g", "age"]
    assert {"summary", "groups", "model", "target", "task", "bins"} <= set(data["bias"])
    assert data["coverage"]["scores"]["synthetic"]["range_coverage"] is not None


def test_no_sensitive_columns_no_bias_section():
    real = make_real(200)
    report = evaluate(real.iloc[:150], real.iloc[150:], real.iloc[:150], schema=SCHEMA, target="y")
    assert report.bias is None and report.to_dict()["bias"] is None


@pytest.mark.parametrize(("sensitive", "target", "error", "fragments"), [
    (["nope"], "y", ColumnError, ["'nope'", "not a column"]),
    (["y"], "y", ColumnError, ["'y'", "is the target"]),
    (["g"], None, InvalidParameterError, ["need a target"]),
])
def test_bad_sensitive_columns_are_one_line_errors(sensitive, target, error, fragments):
    real = make_real(60)
    with pytest.raises(error) as info:
        evaluate(real, real, real, schema=SCHEMA, target=target, sensitive=sensitive)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_identifier_is_not_a_sensitive_column(mixed_frame):
    with pytest.raises(ColumnError, match="'user_id' is an identifier"):
        check_sensitive(infer_schema(mixed_frame), ["user_id"], "color")


def test_bad_bins_is_a_one_line_error():
    real = make_real(60)
    with pytest.raises(InvalidParameterError, match="bins must be .* got 1"):
        bias(real, {"synthetic": real}, SCHEMA, "y", ["age"], "classification", bins=1)


def test_a_mostly_zero_numeric_column_is_split_at_its_mass_point():
    """Quartiles of a column that is 0 in 80 % of rows all fall on 0: the rows at 0 against the rest, not one
    group 'all' that hides the gap."""
    rng = np.random.default_rng(0)
    n = 400
    gain = np.where(rng.random(n) < 0.8, 0, rng.integers(100, 20000, n))
    real = pd.DataFrame({"gain": gain, "y": np.where(gain > 0, "rich", "other")})
    grouping = Grouping(real, infer_schema(real), "gain")
    assert grouping.labels == [f"< {gain[gain > 0].min()}", f"≥ {gain[gain > 0].min()}"]
    groups = grouping.groups(real)
    assert ((groups == grouping.labels[0]) == (gain == 0)).all()
