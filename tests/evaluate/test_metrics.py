"""Fidelity, privacy and utility metrics against hand-written references, and the evaluate() report."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from synthlearn.data import ColumnKind, Schema, infer_schema
from synthlearn.errors import ColumnError, DataError, InvalidParameterError
from synthlearn.evaluate import (
    association_matrix,
    column_pairs,
    column_shapes,
    correlation_ratio,
    cramers_v,
    detection_auc,
    distance_to_closest_record,
    evaluate,
    privacy_summary,
    render_html,
    task_of,
    utility,
)
from synthlearn.evaluate.fidelity import column_shape
from synthlearn.evaluate.report import TABLES


# ------------------------------------------------------------ hand references
def cramers_v_reference(a, b) -> float:
    """Cramér's V from the contingency table, no correction, in plain NumPy."""
    rows, cols = sorted(set(a)), sorted(set(b))
    observed = np.zeros((len(rows), len(cols)))
    for x, y in zip(a, b):
        observed[rows.index(x), cols.index(y)] += 1
    n = observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / n
    chi2 = ((observed - expected) ** 2 / expected).sum()
    return float(np.sqrt(chi2 / (n * (min(observed.shape) - 1))))


def correlation_ratio_reference(labels, values) -> float:
    pairs = [(lab, v) for lab, v in zip(labels, values) if not np.isnan(v)]
    allv = np.array([v for _, v in pairs])
    mean = allv.mean()
    between = 0.0
    for lab in {lab for lab, _ in pairs}:
        group = np.array([v for g, v in pairs if g == lab])
        between += len(group) * (group.mean() - mean) ** 2
    return float(np.sqrt(between / ((allv - mean) ** 2).sum()))


# --------------------------------------------------------------- column shape
def test_column_shape_identical_columns():
    x = pd.Series([1.0, 2.5, np.nan, 4.0, 2.5], name="x")
    assert column_shape(x, x.copy(), ColumnKind.NUMERIC) == ("ks_complement", 1.0)
    c = pd.Series(["a", "b", None, "a"], name="c")
    assert column_shape(c, c.copy(), ColumnKind.CATEGORICAL) == ("tv_complement", 1.0)


def test_column_shape_numeric_is_ks_complement():
    rng = np.random.default_rng(0)
    r = pd.Series(rng.normal(size=80), name="x")
    s = pd.Series(np.r_[rng.normal(0.5, 1.3, size=50), [np.nan] * 5], name="x")
    metric, score = column_shape(r, s, ColumnKind.NUMERIC)
    assert metric == "ks_complement"
    assert score == pytest.approx(1 - stats.ks_2samp(r.to_numpy(), s.dropna().to_numpy()).statistic)
    assert 0 < score < 1


def test_column_shape_categorical_is_tv_complement():
    r = pd.Series(["a", "a", "b", "c"], name="c")
    s = pd.Series(["a", "b", "b", None], name="c")
    # real: a .5 b .25 c .25; synthetic: a .25 b .5 (missing) .25 → TVD = (.25 + .25 + .25 + .25) / 2
    metric, score = column_shape(r, s, ColumnKind.CATEGORICAL)
    assert metric == "tv_complement"
    assert score == pytest.approx(0.5)


def test_column_shape_datetimes_and_booleans():
    t = pd.Series(pd.to_datetime(["2020-01-01", "2020-06-01", "2021-01-01"]), name="t")
    later = pd.Series(pd.to_datetime(["2030-01-01", "2030-06-01", "2031-01-01"]), name="t")
    assert column_shape(t, t, ColumnKind.DATETIME)[1] == 1.0
    assert column_shape(t, later, ColumnKind.DATETIME)[1] == pytest.approx(0.0)
    b = pd.Series([True, True, False, False], name="b")
    assert column_shape(b, pd.Series([True] * 4, name="b"), ColumnKind.BOOLEAN)[1] == pytest.approx(0.5)


def test_column_shapes_frame(mixed_frame):
    schema = infer_schema(mixed_frame)
    other = mixed_frame.sample(frac=1.0, random_state=1)
    other.loc[other.index[:20], "amount"] = np.nan
    table = column_shapes(mixed_frame, other, schema)
    assert list(table["column"]) == schema.modelled  # identifiers are not scored
    assert set(table.columns) >= {"column", "kind", "metric", "score", "missing_real", "missing_synthetic"}
    row = table.set_index("column").loc["amount"]
    assert row["missing_real"] == pytest.approx(mixed_frame["amount"].isna().mean())
    assert row["missing_synthetic"] == pytest.approx(other["amount"].isna().mean())
    assert (table.set_index("column").drop(index="amount")["score"] == 1.0).all()  # same rows, shuffled


# ------------------------------------------------------------- associations
def test_cramers_v_matches_reference():
    a = np.array(["x", "x", "y", "y", "z", "z", "x", "y", "z", "x"], dtype=object)
    b = np.array(["p", "q", "p", "p", "q", "q", "p", "q", "q", "p"], dtype=object)
    assert cramers_v(a, b) == pytest.approx(cramers_v_reference(a, b))
    assert 0 < cramers_v(a, b) < 1


def test_cramers_v_extremes():
    a = np.array(list("aabbccaabbcc"), dtype=object)
    assert cramers_v(a, a.copy()) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    x = rng.choice(list("abc"), 5000).astype(object)
    y = rng.choice(list("pqrs"), 5000).astype(object)
    assert cramers_v(x, y) < 0.05
    assert cramers_v(a, np.array(["k"] * 12, dtype=object)) == 0.0  # one column has a single level


def test_correlation_ratio_matches_reference():
    labels = np.array(["a", "a", "b", "b", "b", "c", "c", "a"], dtype=object)
    values = np.array([1.0, 2.0, 5.0, 6.0, np.nan, 9.0, 7.5, 1.5])
    assert correlation_ratio(labels, values) == pytest.approx(correlation_ratio_reference(labels, values))
    assert correlation_ratio(labels, values) > 0.9
    assert correlation_ratio(labels, np.full(8, 3.0)) == 0.0


def test_correlation_ratio_extremes():
    labels = np.array(["a", "b"] * 50, dtype=object)
    assert correlation_ratio(labels, np.where(labels == "a", 0.0, 1.0)) == pytest.approx(1.0)
    rng = np.random.default_rng(1)
    assert correlation_ratio(rng.choice(list("ab"), 4000).astype(object), rng.normal(size=4000)) < 0.05


def test_association_matrix_and_pairs():
    rng = np.random.default_rng(2)
    x = rng.normal(size=200)
    df = pd.DataFrame({"x": x, "y": 3 * x + rng.normal(scale=0.1, size=200),
                       "g": np.where(x > 0, "hi", "lo"), "h": rng.choice(["u", "v"], 200)})
    schema = infer_schema(df)
    mat = association_matrix(df, schema)
    assert list(mat.columns) == ["x", "y", "g", "h"]
    np.testing.assert_allclose(mat.to_numpy(), mat.to_numpy().T)
    assert mat.loc["x", "y"] == pytest.approx(np.corrcoef(df["x"], df["y"])[0, 1])
    assert mat.loc["g", "h"] == pytest.approx(cramers_v_reference(df["g"], df["h"]))
    assert mat.loc["x", "g"] == pytest.approx(correlation_ratio_reference(df["g"], df["x"].to_numpy()))

    same = column_pairs(df, df, schema)
    assert len(same) == 6 and (same["score"] == 1.0).all()
    shuffled = df.assign(y=rng.permutation(df["y"].to_numpy()))
    pairs = column_pairs(df, shuffled, schema).set_index(["column_a", "column_b"])
    row = pairs.loc[("x", "y")]
    assert row["metric"] == "pearson"
    assert row["score"] == pytest.approx(1 - abs(row["real"] - row["synthetic"]) / 2)
    assert row["score"] < 0.6
    assert pairs.loc[("g", "h"), "metric"] == "cramers_v" and pairs.loc[("x", "g"), "metric"] == "correlation_ratio"


def test_pearson_matrix_matches_pairwise_pearson():
    # column_pairs and association_matrix take every numeric pair from one matrix (500 columns: 124,750
    # pairs, a minute per table one by one); each entry must be what pearson() gives for the pair
    from synthlearn.evaluate.fidelity import pearson, pearson_matrix

    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 5))
    x[:, 1] += 2 * x[:, 0]
    x[:, 3] = 7.0  # constant: 0 with everything
    for values in (x, np.where(rng.random(x.shape) < 0.2, np.nan, x)):
        values[:58, 4] = np.nan  # two rows left next to most columns
        mat = pearson_matrix(values)
        for i in range(5):
            for j in range(5):
                want = 1.0 if i == j else pearson(values[:, i], values[:, j])
                assert mat[i, j] == pytest.approx(want, abs=1e-12), (i, j)
    assert pearson_matrix(x[:1]).tolist() == np.eye(5).tolist()  # one row: no correlation
    df = pd.DataFrame(x, columns=list("abcde")).assign(g=rng.choice(["u", "v"], 60))
    schema = infer_schema(df)
    pairs = column_pairs(df, df.assign(b=rng.permutation(df["b"].to_numpy())), schema)
    row = pairs.set_index(["column_a", "column_b"]).loc[("a", "b")]
    assert row["real"] == pytest.approx(np.corrcoef(df["a"], df["b"])[0, 1])
    assert association_matrix(df, schema).loc["a", "d"] == 0.0


@pytest.mark.parametrize("rows", [37, 100, 1000])
def test_constant_float_columns_associate_with_nothing(rows):
    """n copies of 0.1 or 3.3 have a std of rounding error, not 0: η came out at 10 and more, two such
    columns correlated ±1, and pair scores fell below 0."""
    from synthlearn.evaluate.fidelity import pearson, pearson_matrix

    rng = np.random.default_rng(0)

    def table(n):
        return pd.DataFrame({"c": np.full(n, 0.1), "d": np.full(n, 3.3), "x": rng.normal(size=n),
                             "k": rng.choice(["a", "b", "c"], n)})

    real, synthetic = table(rows), table(rows + 13)
    schema = Schema({"c": "numeric", "d": "numeric", "x": "numeric", "k": "categorical"})
    pairs = column_pairs(real, synthetic, schema)
    assert pairs["score"].between(0, 1).all() and pairs[["real", "synthetic"]].abs().le(1).all().all()
    constant = pairs[pairs["column_a"].isin(["c", "d"])]
    assert (constant[["real", "synthetic"]] == 0).all().all() and (constant["score"] == 1).all(), constant
    assert correlation_ratio(real["k"].to_numpy(dtype=object), real["d"].to_numpy()) == 0.0
    assert pearson(real["c"].to_numpy(), real["d"].to_numpy()) == 0.0
    values = real[["c", "d", "x"]].to_numpy()
    for v in (values, np.where(rng.random(values.shape) < 0.1, np.nan, values)):  # pandas' pairwise path too
        np.testing.assert_array_equal(pearson_matrix(v), np.eye(3))


# ------------------------------------------------------------------ privacy
def test_copied_rows_are_at_distance_zero(mixed_frame):
    schema = infer_schema(mixed_frame)
    copies = mixed_frame.iloc[:10].copy()
    copies["user_id"] += 10_000  # identifiers are ignored
    moved = mixed_frame.iloc[10:20].copy()
    moved["amount"] = mixed_frame["amount"].max() + 100.0  # far outside every training row
    dcr = distance_to_closest_record(mixed_frame, pd.concat([copies, moved], ignore_index=True), schema)
    assert dcr.shape == (20,)
    np.testing.assert_allclose(dcr[:10], 0.0, atol=1e-12)
    assert (dcr[10:] > 0).all()
    summary = privacy_summary(dcr)
    assert summary["exact_copy_rate"] == pytest.approx(0.5)
    assert summary["dcr_median"] == pytest.approx(np.median(dcr))
    assert summary["dcr_p05"] == pytest.approx(np.percentile(dcr, 5))


def gower_reference(train: pd.DataFrame, others: pd.DataFrame, numeric: list[str], k: int = 1) -> np.ndarray:
    """Gower distance to the nearest (k-th nearest) training row: numbers over the training range, any other
    mismatch 1."""
    span = {c: train[c].max() - train[c].min() for c in numeric}
    out = []
    for _, o in others.iterrows():
        found = []
        for _, t in train.iterrows():
            total = 0.0
            for c in train.columns:
                a, b = o[c], t[c]
                if pd.isna(a) and pd.isna(b):
                    d = 0.0
                elif pd.isna(a) or pd.isna(b):
                    d = 1.0
                elif c in numeric:
                    d = abs(a - b) / span[c]
                else:
                    d = float(a != b)
                total += d
            found.append(total / len(train.columns))
        out.append(sorted(found)[k - 1])
    return np.array(out)


def test_dcr_matches_gower_reference():
    train = pd.DataFrame({"x": [0.0, 10.0, 4.0, 7.0], "c": ["p", "q", "q", "r"]})
    others = pd.DataFrame({"x": [1.0, 9.0, 5.5, 20.0], "c": ["q", "q", "s", "p"]})
    schema = Schema({"x": "numeric", "c": "categorical"})
    np.testing.assert_allclose(distance_to_closest_record(train, others, schema),
                               gower_reference(train, others, ["x"]))


def many_level_frame(n: int, seed: int) -> pd.DataFrame:
    """A number and a 3-level category, and two categories past GowerSpace.MAX_ONEHOT_LEVELS: zip (50 levels)
    and area, the same as zip for a third of the rows (pairs sharing both codes), with gaps (a large level)."""
    rng = np.random.default_rng(seed)
    zips = np.array([f"z{i}" for i in rng.permutation(np.arange(n) % 50)], dtype=object)
    area = np.where(rng.random(n) < 1 / 3, zips, [f"a{i}" for i in rng.integers(0, 40, n)]).astype(object)
    zips[rng.random(n) < 0.1] = None
    area[rng.random(n) < 0.2] = None
    x = rng.normal(size=n).round(1)
    x[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({"x": x, "c": rng.choice(list("pqr"), n), "zip": zips, "area": area})


MANY_LEVELS = Schema({"x": "numeric", "c": "categorical", "zip": "categorical", "area": "categorical"})


def test_gower_with_a_many_level_category_matches_the_reference(monkeypatch):
    from synthlearn.evaluate.privacy import ClosestRecord, GowerSpace

    train = many_level_frame(120, 0)
    others = many_level_frame(30, 1)
    others.loc[:4, "zip"] = "never seen"
    space = GowerSpace(train, MANY_LEVELS)
    assert space.coded == ["zip", "area"]
    assert space.embed(train)[0].shape[1] == 3 + 4  # x's three slots, c one-hot; zip and area are codes
    closest = ClosestRecord(train, MANY_LEVELS)
    for k in (1, 3):
        np.testing.assert_allclose(closest.distances(others, k=k), gower_reference(train, others, ["x"], k=k),
                                   rtol=0, atol=1e-12)
    codes_only = Schema({"zip": "categorical", "area": "categorical"})  # no embedding at all
    np.testing.assert_allclose(ClosestRecord(train, codes_only).distances(others, k=2),
                               gower_reference(train[["zip", "area"]], others[["zip", "area"]], [], k=2))
    monkeypatch.setattr(ClosestRecord, "BLOCK_PAIRS", 7)  # blocks of one row: the same distances
    np.testing.assert_array_equal(ClosestRecord(train, MANY_LEVELS).distances(others, k=3),
                                  closest.distances(others, k=3))
    monkeypatch.setattr(GowerSpace, "MAX_ONEHOT_LEVELS", 1000)  # zip one-hot: the same distances
    np.testing.assert_allclose(ClosestRecord(train, MANY_LEVELS).distances(others), closest.distances(others),
                               rtol=0, atol=1e-15)


def test_kth_nearest_with_a_many_level_category_counts_each_row_once():
    from synthlearn.evaluate.privacy import ClosestRecord

    # the query's nearest row by number alone also shares its zip: it must not count twice
    train = pd.DataFrame({"x": [0.0] + [10.0] * 40, "zip": [f"z{i}" for i in range(41)]})
    query = pd.DataFrame({"x": [0.0], "zip": ["z0"]})
    schema = Schema({"x": "numeric", "zip": "categorical"})
    assert ClosestRecord(train, schema).space.coded == ["zip"]
    np.testing.assert_allclose(ClosestRecord(train, schema).distances(query, k=2), [1.0])
    np.testing.assert_allclose(gower_reference(train, query, ["x"], k=2), [1.0])


def test_copies_are_at_distance_zero_with_a_many_level_category():
    train = many_level_frame(120, 0)
    copies = train.sample(20, random_state=0)
    moved = copies.assign(zip="never seen")  # one column of four differs from every training row
    dcr = distance_to_closest_record(train, pd.concat([copies, moved], ignore_index=True), MANY_LEVELS)
    assert (dcr[:20] == 0).all()
    np.testing.assert_allclose(dcr[20:], 1 / 4, rtol=0, atol=1e-15)
    assert privacy_summary(dcr)["exact_copy_rate"] == 0.5


def test_dcr_counts_a_missing_vs_present_mismatch_as_one():
    train = pd.DataFrame({"x": [0.0, 10.0], "c": ["p", "q"]})
    others = pd.DataFrame({"x": [np.nan], "c": ["q"]})
    schema = Schema({"x": "numeric", "c": "categorical"})
    # to row 2: x missing vs present (1) + c equal (0) → 0.5
    assert gower_reference(train, others, ["x"])[0] == pytest.approx(0.5)
    np.testing.assert_allclose(distance_to_closest_record(train, others, schema), [0.5])


# ---------------------------------------------------------------- detection
def test_detection_auc_separates_different_tables():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=80), "c": rng.choice(["a", "b"], 80)})
    fake = pd.DataFrame({"x": rng.normal(6.0, 1.0, size=80), "c": rng.choice(["a", "b"], 80)})
    assert detection_auc(real, fake, infer_schema(real)) > 0.95


def test_detection_auc_of_two_halves_of_one_sample():
    rng = np.random.default_rng(1)
    both = pd.DataFrame({"x": rng.normal(size=200), "y": rng.exponential(size=200),
                         "c": rng.choice(["a", "b", "c"], 200)})
    a, b = both.iloc[:100], both.iloc[100:]
    assert detection_auc(a, b, infer_schema(both)) < 0.7


def many_level_table(n, first_zip, seed):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(size=n), "colour": rng.choice(list("abcde"), n),
                         "zip": (first_zip + rng.integers(0, 150, n)).astype(str)})


def test_detection_encodes_many_level_categories_as_one_code():
    from synthlearn.evaluate.fidelity import DETECTION_MAX_ONEHOT, _detection_model

    both = many_level_table(2000, 10_000, 0)
    assert both["zip"].nunique() > DETECTION_MAX_ONEHOT
    schema = Schema({"x": "numeric", "colour": "categorical", "zip": "categorical"})
    model = _detection_model(both, schema, 0)
    # x, colour one-hot (5), zip as one code: not one column per zip code (memory rows x levels)
    assert model[0].fit_transform(both).shape == (2000, 1 + 5 + 1)


def test_detection_auc_with_many_level_categories():
    schema = Schema({"x": "numeric", "colour": "categorical", "zip": "categorical"})
    real, same, other = many_level_table(1000, 10_000, 0), many_level_table(1000, 10_000, 1), \
        many_level_table(1000, 20_000, 2)
    assert detection_auc(real, same, schema) < 0.7
    assert detection_auc(real, other, schema) > 0.95  # told apart by the zip codes alone


def test_detection_auc_too_few_rows_is_nan():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    assert np.isnan(detection_auc(df, df.head(1), infer_schema(df)))


# ------------------------------------------------------------------ utility
def test_task_of(penguins_small):
    schema = infer_schema(penguins_small)
    assert task_of(penguins_small, schema, "species") == "classification"
    assert task_of(penguins_small, schema, "year") == "classification"  # few whole values
    assert task_of(penguins_small, schema, "body_mass_g") == "regression"
    assert task_of(penguins_small, schema, "bill_length_mm") == "regression"


def test_utility_numeric_target_reports_r2(evaluated):
    table = utility(evaluated.train, evaluated.holdout, {"real": evaluated.train}, evaluated.schema,
                    "flipper_length_mm", random_state=0)
    assert list(table["trained_on"]) == ["real", "real"]
    assert list(table["model"]) == ["ridge", "random_forest"]
    assert "r2" in table.columns and "accuracy" not in table.columns
    assert (table["r2"] > 0.5).all()  # flipper length is well predicted by the other measurements


def test_utility_single_class_table_gives_an_error_entry(evaluated):
    one_class = evaluated.synthetic.assign(species="Adelie").astype({"species": evaluated.train["species"].dtype})
    table = utility(evaluated.train, evaluated.holdout, {"synthetic": one_class}, evaluated.schema, "species")
    assert len(table) == 2
    assert table["error"].str.contains("single class").all()
    assert table["error"].str.contains("species").all()
    assert table.get("accuracy", pd.Series([np.nan, np.nan])).isna().all()


def test_utility_refuses_a_holdout_whose_target_cannot_score_models(evaluated):
    constant = evaluated.holdout.assign(flipper_length_mm=200.0)
    with pytest.raises(DataError, match=r"^'flipper_length_mm' is 200 in every row of the holdout table, so R²"):
        utility(evaluated.train, constant, {"real": evaluated.train}, evaluated.schema, "flipper_length_mm")
    unknown = evaluated.holdout.assign(species=np.nan)
    with pytest.raises(DataError, match=r"^the holdout table has no known value of 'species'"):
        utility(evaluated.train, unknown, {"real": evaluated.train}, evaluated.schema, "species")
    # one class in the holdout still scores a classifier: accuracy needs no variance
    one_class = evaluated.holdout[evaluated.holdout["species"] == "Adelie"]
    assert utility(evaluated.train, one_class, {"real": evaluated.train}, evaluated.schema, "species")[
        "accuracy"].notna().all()


# ------------------------------------------------------------- the report
def test_report_to_dict_is_json(evaluated):
    data = evaluated.report.to_dict()
    text = json.dumps(data, allow_nan=False)  # NaN would not be valid JSON
    assert json.loads(text) == json.loads(evaluated.report.to_json())
    assert {"scores", "columns", "pairs", "associations", "utility", "privacy"} <= set(data)
    for key in ("scores", "privacy"):
        assert set(data[key]) == set(TABLES) == {"synthetic", "holdout", "independent"}
    assert set(data["scores"]["synthetic"]) == {"overall", "column_shapes", "column_pairs", "detection_auc"}
    assert data["target"] == "species" and data["task"] == "classification"
    assert data["rows"] == {"train": len(evaluated.train), "holdout": len(evaluated.holdout),
                            "synthetic": len(evaluated.synthetic)}
    assert [c["column"] for c in data["columns"]] == evaluated.schema.modelled
    assert all({"synthetic", "holdout", "independent"} <= set(c) for c in data["columns"])
    n = len(evaluated.schema.modelled)
    assert len(data["pairs"]) == n * (n - 1) // 2
    assert np.array(data["associations"]["real"]).shape == (n, n)


def test_report_scores_are_in_range(evaluated):
    scores = evaluated.report.scores
    assert list(scores.index) == list(TABLES)
    for column in ("overall", "column_shapes", "column_pairs", "detection_auc"):
        assert scores[column].between(0, 1).all(), column
    privacy = evaluated.report.privacy
    assert list(privacy.index) == list(TABLES)
    assert privacy.loc["holdout", "dcr_ratio_to_holdout"] == pytest.approx(1.0)
    assert set(evaluated.report.dcr) == set(TABLES)
    assert len(evaluated.report.dcr["synthetic"]) == len(evaluated.synthetic)


def test_independent_reference_loses_the_relationships(evaluated):
    scores = evaluated.report.scores
    assert scores.loc["independent", "column_pairs"] < scores.loc["holdout", "column_pairs"] - 0.1
    assert scores.loc["independent", "column_pairs"] < scores.loc["synthetic", "column_pairs"]
    assert scores.loc["independent", "detection_auc"] > scores.loc["holdout", "detection_auc"]


def test_report_utility_rows(evaluated):
    table = evaluated.report.utility
    assert set(table["trained_on"]) == {"real", "synthetic", "independent"}
    assert len(table) == 6
    assert table[["accuracy", "macro_f1"]].notna().all().all()
    assert table[["accuracy", "macro_f1"]].stack().between(0, 1).all()
    rf = table[table["model"] == "random_forest"].set_index("trained_on")
    assert rf.loc["real", "accuracy"] > 0.85  # penguin species are easy
    assert rf.loc["independent", "accuracy"] < rf.loc["real", "accuracy"]
    summary = evaluated.report.summary()
    assert summary.loc["holdout", "rf_accuracy"] == rf.loc["real", "accuracy"]


def test_evaluate_reports_progress(evaluated):
    steps = evaluated.steps
    assert any(s.startswith("fidelity") for s in steps) and "utility" in steps
    assert any(s.startswith("privacy") for s in steps)


def test_evaluate_input_errors(evaluated):
    train, holdout, synthetic, schema = evaluated.train, evaluated.holdout, evaluated.synthetic, evaluated.schema
    with pytest.raises(ColumnError, match="synthetic table lacks") as info:
        evaluate(train, holdout, synthetic.drop(columns="island"), schema=schema)
    assert "island" in str(info.value)
    with pytest.raises(DataError, match="holdout table has no rows"):
        evaluate(train, holdout.head(0), synthetic, schema=schema)
    with pytest.raises(ColumnError, match="'nope'"):
        evaluate(train, holdout, synthetic, schema=schema, target="nope")
    with pytest.raises(InvalidParameterError, match="random_state must be an integer from 0"):
        evaluate(train, holdout, synthetic, schema=schema, random_state=-1)
    ids = pd.DataFrame({"uid": [f"u{i}" for i in range(20)]})  # identifiers only: nothing to compare
    with pytest.raises(DataError, match="no column to compare.*'uid'.*--categorical uid"):
        evaluate(ids, ids, ids)


def test_evaluate_checks_the_synthetic_table_against_the_real_schema(evaluated):
    from synthlearn.errors import SchemaError

    train, holdout, synthetic, schema = evaluated.train, evaluated.holdout, evaluated.synthetic, evaluated.schema
    odd = synthetic.assign(extra=1)
    odd["species"] = odd["species"].astype(object)
    odd.loc[0, "species"] = "Martian"
    report = evaluate(train, holdout, odd, schema=schema, target="species")
    assert report.meta["warnings"] == [
        "the synthetic table has column(s) ['extra'] that the real table lacks; they are ignored",
        "synthetic column 'species' has 1 category the real table lacks (e.g. 'Martian'); they count as mismatches"]
    assert "warning: synthetic column &#x27;species&#x27; has 1 category" in render_html(report, train, odd, schema)
    assert "warnings" not in evaluated.report.meta
    text = synthetic.astype({"bill_length_mm": object})
    text.loc[3, "bill_length_mm"] = "abc"
    with pytest.raises(SchemaError, match="column 'bill_length_mm' of the synthetic table holds 'abc', which is not a "
                                          "number"):
        evaluate(train, holdout, text, schema=schema)


def test_report_coverage_figures(evaluated):
    coverage = evaluated.report.coverage
    assert list(coverage.index) == list(TABLES)
    assert {"rare_category_coverage", "range_coverage", "tail_ratio", "outlier_ratio",
            "outlier_coverage"} <= set(coverage.columns)
    data = evaluated.report.to_dict()["coverage"]
    assert set(data["scores"]) == set(TABLES)
    assert [c["column"] for c in data["numeric"]] == [c for c in evaluated.schema.modelled
                                                      if evaluated.schema[c].is_numeric]
    assert data["rare_threshold"] == 0.05
    assert any(s.startswith("coverage") for s in evaluated.steps)


def test_evaluate_bad_rare_threshold_is_a_one_line_error(evaluated):
    from synthlearn.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=r"rare_threshold must be .* got 5"):
        evaluate(evaluated.train, evaluated.holdout, evaluated.synthetic, schema=evaluated.schema, rare_threshold=5)


def test_render_html_is_self_contained(evaluated):
    page = render_html(evaluated.report, evaluated.train, evaluated.synthetic, evaluated.schema, title="T <&> itle")
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert page.rstrip().endswith("</html>")
    assert '<img src="data:image/png;base64,' in page
    assert page.count("data:image/png;base64,") >= len(evaluated.schema.modelled) + 2  # columns, heatmaps, DCR
    assert "T &lt;&amp;&gt; itle" in page  # the title is escaped
    # every referenced resource is embedded: no src/href outside data: URIs, no external script or stylesheet
    for target in re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)""", page, flags=re.IGNORECASE):
        assert target.startswith("data:"), target[:80]
    assert not re.search(r"<(script|link)\b[^>]*(https?:)?//", page, flags=re.IGNORECASE)
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", page, flags=re.IGNORECASE)
    assert "@import" not in page
    assert "species" in page  # the utility section names the target


def test_evaluate_finds_copies_of_training_rows_left_out_of_the_sample():
    rng = np.random.default_rng(3)
    train = pd.DataFrame({"x": rng.normal(size=300).round(6), "c": rng.choice(list("abc"), 300)})
    fresh = pd.DataFrame({"x": rng.normal(size=300).round(6) + 100.0, "c": rng.choice(list("abc"), 300)})
    synthetic = pd.concat([train.iloc[::10], fresh], ignore_index=True)  # 30 copies spread over the training rows
    schema = infer_schema(train)
    report = evaluate(train, train.iloc[:50], synthetic, schema=schema, max_rows=100, random_state=0)
    # every synthetic row is scored against all 300 training rows: the exact rate among the 100 scored rows
    dcr = distance_to_closest_record(train, synthetic, schema)
    assert len(report.dcr["synthetic"]) == 100
    assert np.isin(report.dcr["synthetic"], dcr).all()
    assert report.privacy.loc["synthetic", "exact_copy_rate"] == pytest.approx(np.mean(report.dcr["synthetic"] == 0))
    assert report.privacy.loc["holdout", "exact_copy_rate"] == 1.0  # holdout rows are training rows here
    assert report.rows == {"train": 300, "holdout": 50, "synthetic": 330}
    assert report.rows_scored == {"train": 100, "holdout": 50, "synthetic": 100}
    assert report.to_dict()["rows_scored"] == report.rows_scored
    full = evaluate(train, train.iloc[:50], synthetic, schema=schema, max_rows=1000, random_state=0)
    assert full.privacy.loc["synthetic", "exact_copy_rate"] == pytest.approx(30 / 330)


def test_closest_record_search_in_chunks_matches_one_search(monkeypatch):
    from synthlearn.evaluate.privacy import ClosestRecord

    rng = np.random.default_rng(4)
    train = pd.DataFrame({"x": rng.normal(size=60), "c": rng.choice(list("pq"), 60)})
    others = pd.DataFrame({"x": rng.normal(size=25), "c": rng.choice(list("pqr"), 25)})
    schema = infer_schema(train)
    whole = ClosestRecord(train, schema).distances(others)
    monkeypatch.setattr(ClosestRecord, "CHUNK_ROWS", 7)
    np.testing.assert_allclose(ClosestRecord(train, schema).distances(others), whole)
    np.testing.assert_allclose(whole, gower_reference(train, others, ["x"]))


def test_booleans_written_as_numbers_or_words_compare_equal(mixed_frame):
    schema = infer_schema(mixed_frame)
    assert schema["flag"] is ColumnKind.BOOLEAN
    for written in (mixed_frame["flag"].astype(int), mixed_frame["flag"].map({True: "yes", False: "no"})):
        other = mixed_frame.assign(flag=written)
        shapes = column_shapes(mixed_frame, other, schema).set_index("column")
        assert shapes.loc["flag", "score"] == 1.0
        np.testing.assert_allclose(distance_to_closest_record(mixed_frame, other, schema), 0.0, atol=1e-12)
        report = evaluate(mixed_frame, mixed_frame.head(20), other, schema=schema)
        assert report.privacy.loc["synthetic", "exact_copy_rate"] == 1.0
        assert report.columns["synthetic"].set_index("column").loc["flag", "score"] == 1.0


def test_values_that_do_not_fit_the_real_kind_are_one_line_errors(mixed_frame):
    from synthlearn.errors import SchemaError

    schema = infer_schema(mixed_frame)
    cases = {"flag": "maybe", "amount": "lots", "when": "someday"}
    for column, value in cases.items():
        other = mixed_frame.astype({column: object})
        other.loc[3, column] = value
        with pytest.raises(SchemaError, match=f"column '{column}' of the synthetic table holds '{value}'") as info:
            evaluate(mixed_frame, mixed_frame.head(20), other, schema=schema)
        assert "\n" not in str(info.value)
    text = mixed_frame.assign(amount=mixed_frame["amount"].astype(str))  # numbers written as text still count
    assert column_shapes(mixed_frame, text, schema).set_index("column").loc["amount", "score"] == 1.0


def test_detection_auc_separates_small_tables():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"a": rng.normal(0, 1, 15), "b": rng.normal(0, 1, 15)})
    fake = pd.DataFrame({"a": rng.normal(100, 1, 15), "b": rng.normal(100, 1, 15)})
    assert detection_auc(real, fake, infer_schema(real)) > 0.95


def test_detection_card_on_few_rows_is_not_graded():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"a": rng.normal(0, 1, 15), "b": rng.normal(0, 1, 15)})
    fake = pd.DataFrame({"a": rng.normal(0, 1, 15), "b": rng.normal(0, 1, 15)})
    schema = infer_schema(real)
    page = render_html(evaluate(real, real.head(5), fake, schema=schema), real, fake, schema)
    card = re.search(r'<div class="l">detection AUC</div><div class="v ([a-z]*)">.*?<div class="r">(.*?)</div>', page)
    assert card.group(1) == "" and "too few" in card.group(2)


def _card(page: str, label: str):
    card = re.search(rf'<div class="l">{label}</div><div class="v ([a-z]*)">(.*?)</div><div class="r">(.*?)</div>',
                     page)
    return card.group(1), card.group(2), card.group(3)


def test_exact_copies_are_graded_against_the_holdouts_own_rate():
    rng = np.random.default_rng(0)

    def table(n):
        return pd.DataFrame({"color": rng.choice(["red", "green", "blue"], n), "size": rng.choice(["S", "M"], n)})

    train, holdout, synthetic = table(200), table(100), table(200)  # 6 combinations: every row repeats one
    schema = infer_schema(train)
    report = evaluate(train, holdout, synthetic, schema=schema)
    assert report.privacy.loc["holdout", "exact_copy_rate"] == 1.0
    grade, value, note = _card(render_html(report, train, synthetic, schema), "exact copies")
    assert value == "100.0" and grade == "good"
    assert "holdout 100.0 %" in note


def test_utility_note_gives_the_holdout_rows_scored(evaluated):
    holdout = evaluated.holdout.copy()
    holdout.loc[holdout.index[:5], "species"] = None
    report = evaluate(evaluated.train, holdout, evaluated.synthetic, schema=evaluated.schema, target="species")
    assert report.rows_scored["utility_holdout"] == len(holdout) - 5
    page = render_html(report, evaluated.train, evaluated.synthetic, evaluated.schema)
    assert f"on the real holdout ({len(holdout) - 5} rows" in page


def test_datetime_column_plots_show_dates(monkeypatch, mixed_frame):
    import matplotlib.pyplot as plt

    from synthlearn.evaluate import html

    monkeypatch.setattr(html, "figure_png", lambda fig: fig)
    fig = html._column_plot("when", ColumnKind.DATETIME, mixed_frame["when"], mixed_frame["when"], 1.0)
    fig.canvas.draw()
    ax = fig.axes[0]
    text = " ".join([t.get_text() for t in ax.get_xticklabels()] + [ax.xaxis.get_offset_text().get_text()])
    plt.close(fig)
    assert "2021" in text and "e9" not in text and "e+09" not in text, text


@pytest.mark.parametrize("days", [2, 3, 4, 700, 1000])
def test_datetime_column_plots_raise_no_matplotlib_warning(monkeypatch, days):
    # a few days of dates printed "AutoDateLocator was unable to pick an appropriate interval" on stderr
    import warnings

    import matplotlib.pyplot as plt

    from synthlearn.evaluate import html

    monkeypatch.setattr(html, "figure_png", lambda fig: fig)
    when = pd.Series(pd.date_range("2020-01-01", periods=days + 1, freq="D"), name="when")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = html._column_plot("when", ColumnKind.DATETIME, when, when, 1.0)
        fig.canvas.draw()
    plt.close(fig)


@pytest.mark.parametrize("kind", [ColumnKind.NUMERIC, ColumnKind.DATETIME])
def test_a_synthetic_column_of_missing_values_plots_the_real_one_without_warnings(monkeypatch, kind):
    # numpy's density of no values divided by zero ("invalid value encountered in divide") on stderr
    import warnings

    import matplotlib.pyplot as plt

    from synthlearn.evaluate import html

    monkeypatch.setattr(html, "figure_png", lambda fig: fig)
    real = pd.Series(np.arange(50.0) if kind is ColumnKind.NUMERIC else pd.date_range("2020-01-01", periods=50),
                     name="x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = html._column_plot("x", kind, real, pd.Series([None] * 50, dtype=real.dtype, name="x"), 0.0)
        fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    plt.close(fig)
    assert labels == ["real", "synthetic: every value missing"]


def test_write_report_creates_a_new_folder(evaluated, tmp_path):
    from synthlearn.evaluate import write_report

    folder = tmp_path / "new" / "out"
    paths = write_report(evaluated.report, folder, evaluated.train, evaluated.synthetic, evaluated.schema)
    assert sorted(p.name for p in folder.iterdir()) == ["report.html", "report.json"]
    assert json.loads(paths["json"].read_text())["target"] == "species"
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["out"]  # no temporary left beside it
    (folder / "keep.txt").write_text("mine")
    write_report(evaluated.report, folder, evaluated.train, evaluated.synthetic, evaluated.schema)
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt", "report.html", "report.json"]
