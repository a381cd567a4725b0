"""make_table: shapes, dtypes, truth, reproducibility, difficulty ordering, label noise, missing values, outliers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from synthlearn.errors import ColumnError, InvalidParameterError
from synthlearn.generate import make_table


def test_columns_and_dtypes():
    df = make_table(500, n_numeric=3, n_binary=2, n_categorical=2, n_categories=4, random_state=0)
    assert list(df.columns) == ["num_0", "num_1", "num_2", "bin_0", "bin_1", "cat_0", "cat_1", "target"]
    assert all(df[c].dtype == np.float64 for c in ["num_0", "num_1", "num_2"])
    assert df["bin_0"].dtype == bool
    assert isinstance(df["cat_0"].dtype, pd.CategoricalDtype)
    assert list(df["cat_0"].cat.categories) == ["a", "b", "c", "d"]
    assert df["target"].dtype == np.int64 and set(df["target"]) == {0, 1}
    assert not df.isna().any().any()


@pytest.mark.parametrize("n_categories", [128, 129, 300])
def test_many_categories(n_categories):
    df = make_table(3000, n_numeric=1, n_categorical=1, n_categories=n_categories, missing_rate=0.1, random_state=0)
    assert len(df["cat_0"].cat.categories) == n_categories
    assert df["cat_0"].nunique() > n_categories // 2 and df["cat_0"].isna().mean() == pytest.approx(0.1, abs=0.02)


def test_same_seed_same_table_other_seed_other_table():
    a = make_table(300, n_binary=1, n_categorical=1, random_state=3)
    b = make_table(300, n_binary=1, n_categorical=1, random_state=3)
    c = make_table(300, n_binary=1, n_categorical=1, random_state=4)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["num_0"], c["num_0"])


def test_partitions_concatenate_to_the_rows_of_a_chunked_run():
    """The table depends on (seed, partition_rows): a 3-partition table equals its partitions drawn alone."""
    from synthlearn.generate.partitioned import generate_frame
    from synthlearn.generate.tables import TableGenerator, partition_seed

    df = make_table(2500, n_binary=1, n_categorical=1, missing_rate=0.1, random_state=1, partition_rows=1000)
    gen = TableGenerator(n_binary=1, n_categorical=1, missing_rate=0.1, random_state=1)
    last = gen.partition(partition_seed(gen.root, 2), 500, 2000)
    pd.testing.assert_frame_equal(df.iloc[2000:].reset_index(drop=True), last)
    pd.testing.assert_frame_equal(generate_frame(gen, 2500, partition_rows=1000), df)
    assert np.random.SeedSequence(1).spawn(3)[2].generate_state(4).tolist() == \
        partition_seed(np.random.SeedSequence(1), 2).generate_state(4).tolist()


def test_class_centres_match_the_truth():
    df, info = make_table(20000, n_numeric=4, n_informative=2, n_classes=3, class_sep=2.0, random_state=0,
                          return_info=True)
    assert len(info["informative"]) == 2 and len(info["noise"]) == 2
    centres = info["class_centres"]
    assert centres.shape == (3, 2)
    assert np.allclose(np.abs(centres), 2.0)
    lat = info["latent_of_column"]
    for k in range(3):
        rows = df[df["target"] == k]
        for name in info["informative"]:
            assert rows[name].mean() == pytest.approx(centres[k, lat[name]], abs=0.1)
        for name in info["noise"]:
            assert rows[name].mean() == pytest.approx(0, abs=0.1)
            assert rows[name].std() == pytest.approx(1, abs=0.05)


def test_redundant_columns_are_linear_in_the_informative_ones():
    df, info = make_table(2000, n_numeric=6, n_informative=2, n_redundant=2, random_state=0, return_info=True)
    X = df[info["informative"]].to_numpy()
    for name in info["redundant"]:
        fit = LinearRegression().fit(X, df[name])
        assert fit.score(X, df[name]) == pytest.approx(1.0, abs=1e-9)


def _accuracy(df, target="target"):
    X = pd.get_dummies(df.drop(columns=target), dtype=float).to_numpy()
    n = len(df) // 2
    model = LogisticRegression(max_iter=500).fit(X[:n], df[target][:n])
    return model.score(X[n:], df[target][n:])


def test_class_sep_orders_difficulty():
    accuracies = [_accuracy(make_table(4000, n_numeric=6, n_binary=1, n_categorical=1, n_informative=4, class_sep=sep,
                                       random_state=0))
                  for sep in (0.25, 0.5, 1.0, 2.0, 4.0)]
    assert all(a < b for a, b in zip(accuracies, accuracies[1:])), accuracies
    assert accuracies[0] < 0.75 and accuracies[-1] > 0.95


def test_binary_and_categorical_columns_carry_the_label():
    df, info = make_table(8000, n_numeric=0, n_binary=3, n_categorical=3, n_informative=6, class_sep=2.0,
                          random_state=0, return_info=True)
    assert _accuracy(df) > 0.75
    centres = info["class_centres"]
    separated = 0
    for name in ["bin_0", "bin_1", "bin_2", "cat_0", "cat_1", "cat_2"]:
        gap = pd.crosstab(df[name], df["target"], normalize="columns").diff(axis=1).abs().to_numpy()[:, 1].max()
        lat = info["latent_of_column"][name]
        if centres[0, lat] != centres[1, lat]:  # the classes' centres differ along this column's latent
            assert gap > 0.1, name
            separated += 1
        else:
            assert gap < 0.05, name
    assert separated >= 1


def test_weights_set_class_balance():
    df = make_table(20000, n_classes=3, weights=[0.7, 0.2, 0.1], random_state=0)
    shares = df["target"].value_counts(normalize=True).sort_index().to_numpy()
    assert np.allclose(shares, [0.7, 0.2, 0.1], atol=0.01)


@pytest.mark.parametrize("kwargs", [{"n_classes": 3}, {"n_classes": 3, "flip_y": 1.0},
                                    {"n_classes": 3, "weights": [0.98, 0.01, 0.01]}])
def test_every_class_appears_in_a_short_table(kwargs):
    for seed in range(20):
        df = make_table(3 if "weights" not in kwargs else 20, n_numeric=2, random_state=seed, **kwargs)
        assert sorted(set(df["target"])) == [0, 1, 2], seed
    df = make_table(30, n_numeric=2, n_classes=3, weights=[0.98, 0.01, 0.01], random_state=0, partition_rows=10)
    assert set(df["target"].iloc[:10]) == {0, 1, 2}
    with pytest.raises(InvalidParameterError, match="n_classes=3 is more than partition_rows=2"):
        make_table(30, n_numeric=2, n_classes=3, random_state=0, partition_rows=2)


def test_flip_y_changes_the_expected_share_of_labels_and_nothing_else():
    clean = make_table(20000, n_classes=2, random_state=0)
    noisy = make_table(20000, n_classes=2, flip_y=0.4, random_state=0)
    pd.testing.assert_frame_equal(clean.drop(columns="target"), noisy.drop(columns="target"))
    changed = (clean["target"] != noisy["target"]).mean()
    assert changed == pytest.approx(0.4 * 0.5, abs=0.015)


def test_regression_linear_recovers_the_true_coefficients():
    df, info = make_table(500, task="regression", n_numeric=5, n_binary=2, n_informative=4, noise=0.0,
                          random_state=2, return_info=True)
    X = df.drop(columns="target").astype(float)
    fit = LinearRegression().fit(X, df["target"])
    truth = np.array([info["coefficients"].get(c, 0.0) for c in X.columns])
    assert np.allclose(fit.coef_, truth, atol=1e-8)
    assert len(info["coefficients"]) == 4


def test_regression_categorical_effects_are_the_truth():
    df, info = make_table(3000, task="regression", n_numeric=1, n_categorical=1, n_informative=2, noise=0.0,
                          random_state=0, return_info=True)
    effects = info["category_effects"]["cat_0"]
    residual = df["target"] - info["coefficients"]["num_0"] * df["num_0"]
    means = residual.groupby(df["cat_0"], observed=True).mean()
    for label, value in means.items():
        assert value == pytest.approx(effects[label], abs=1e-8)


@pytest.mark.parametrize("kind", ["friedman", "interactions", "thresholds"])
def test_nonlinear_regressions_are_not_linear(kind):
    df = make_table(3000, task="regression", regression=kind, n_numeric=6, n_informative=5, random_state=0)
    X, y = df.drop(columns="target").to_numpy(), df["target"].to_numpy()
    assert LinearRegression().fit(X, y).score(X, y) < 0.97


def test_interactions_are_the_truth():
    df, info = make_table(400, task="regression", regression="interactions", n_numeric=6, n_informative=4,
                          random_state=0, return_info=True)
    X = df.drop(columns="target")
    for pair in info["interactions"]:
        a, b = pair.split("*")
        X[pair] = X[a] * X[b]
    fit = LinearRegression().fit(X, df["target"])
    assert fit.score(X, df["target"]) == pytest.approx(1.0, abs=1e-9)
    assert np.allclose(fit.coef_[-len(info["interactions"]):], list(info["interactions"].values()))


def test_thresholds_are_the_truth():
    df, info = make_table(400, task="regression", regression="thresholds", n_numeric=5, n_informative=3,
                          random_state=0, return_info=True)
    expected = sum(step["size"] * (df[c] > step["latent_threshold"]) for c, step in info["steps"].items())
    assert np.allclose(df["target"], expected)


def test_friedman_matches_its_formula():
    from scipy.special import ndtr

    df, info = make_table(200, task="regression", regression="friedman", n_numeric=5, n_informative=5,
                          random_state=1, return_info=True)
    u = [ndtr(df[c]) for c in info["friedman_inputs"]]
    expected = 10 * np.sin(np.pi * u[0] * u[1]) + 20 * (u[2] - 0.5) ** 2 + 10 * u[3] + 5 * u[4]
    assert np.allclose(df["target"], expected)


def test_marginals_have_the_family_and_keep_the_label_direction():
    from scipy import stats

    base = make_table(6000, n_numeric=3, n_informative=3, random_state=0)
    df = make_table(6000, n_numeric=3, n_informative=3, random_state=0,
                    marginals={"num_0": "lognormal", "num_1": ("poisson", {"mu": 4}), "num_2": "uniform"})
    assert (df["num_0"] > 0).all() and stats.skew(df["num_0"]) > 1
    assert df["num_1"].dtype == np.int64 and df["num_1"].mean() == pytest.approx(4, abs=0.2)
    assert df["num_2"].between(0, 1).all()
    assert stats.kstest(df["num_2"], "uniform").pvalue > 0.001
    for c in ["num_0", "num_2"]:  # monotone map: same ranks, same target relationship
        assert stats.spearmanr(df[c], base[c]).statistic == pytest.approx(1.0)


def test_mcar_missing_rate_and_target_complete():
    df = make_table(20000, n_numeric=3, n_binary=1, n_categorical=1, missing_rate=0.2, random_state=0)
    rates = df.drop(columns="target").isna().mean()
    assert np.allclose(rates, 0.2, atol=0.015)
    assert not df["target"].isna().any()
    assert df["bin_0"].dtype == "boolean"
    complete = make_table(20000, n_numeric=3, n_binary=1, n_categorical=1, random_state=0)
    seen = df["num_0"].notna()
    assert np.array_equal(df.loc[seen, "num_0"], complete.loc[seen, "num_0"])


def test_mar_missingness_depends_on_another_column():
    df, info = make_table(20000, n_numeric=4, missing_rate=0.2, missing="mar", random_state=0, return_info=True)
    full = make_table(20000, n_numeric=4, random_state=0)
    assert df["num_0"].isna().mean() == pytest.approx(0.2, abs=0.02)
    driver = info["missing_drivers"]["num_0"]
    assert driver != "num_0"
    high = full[driver] > full[driver].median()
    assert df.loc[high, "num_0"].isna().mean() > 2 * df.loc[~high, "num_0"].isna().mean()


def test_outliers_are_marked_and_extreme():
    df, info = make_table(20000, n_numeric=3, outlier_rate=0.01, outlier_column="is_outlier", missing_rate=0.1,
                          random_state=0, return_info=True)
    marked = df["is_outlier"]
    assert marked.mean() == pytest.approx(0.01, abs=0.003)
    cols = ["num_0", "num_1", "num_2"]
    z = (df[cols] - df.loc[~marked, cols].median()).abs() / df.loc[~marked, cols].std()
    assert (z[marked].max(axis=1) > 5.5).all()  # one cell per marked row, 6-10 sd out, never hidden by NaN
    assert not (z[~marked] >= 5.5).any().any()


def test_outliers_stay_within_a_marginals_support():
    """A count stays a whole number >= 0 and a positive size positive: outliers past the lower end go to the upper
    side (an outlier in a Poisson column was -13.8, and the column became floats)."""
    df, info = make_table(20000, n_numeric=3, marginals={"num_0": "poisson", "num_1": "gamma", "num_2": "beta"},
                          outlier_rate=0.02, outlier_column="is_outlier", random_state=0, return_info=True)
    assert df["num_0"].dtype == np.int64 and (df["num_0"] >= 0).all()
    assert (df["num_1"] > 0).all() and df["num_2"].between(0, 1).all()
    marked = df["is_outlier"]
    high = df.loc[~marked, ["num_0", "num_1"]].quantile(0.999)
    # every marked row is still extreme in its column: beyond the clean rows' 99.9th percentile, or at a bound
    extreme = (df["num_0"] > high["num_0"]) | (df["num_1"] > high["num_1"]) | df["num_2"].isin([0.0, 1.0])
    assert extreme[marked].mean() > 0.99


def test_table_generator_rejects_unknown_parameters():
    from synthlearn.generate import TableGenerator

    with pytest.raises(InvalidParameterError, match="did you mean 'n_numeric'"):
        TableGenerator(n_numerc=3)


def test_target_name():
    df = make_table(50, target_name="label", random_state=0)
    assert "label" in df.columns and "target" not in df.columns


@pytest.mark.parametrize("kwargs, words", [
    ({"n_informative": 25, "n_numeric": 20}, ["n_informative=25", "20 feature columns"]),
    ({"class_sep": -1}, ["class_sep", "-1"]),
    ({"weights": [0.5, 0.6]}, ["weights", "sum to 1"]),
    ({"weights": [0.5, 0.3, 0.2]}, ["weights", "one entry per class"]),
    ({"n_classes": 200}, ["n_classes=200", "n_rows=100"]),
    ({"n_classes": 5, "n_informative": 2}, ["n_classes=5", "n_informative >= 3"]),
    ({"n_redundant": 10, "n_numeric": 10}, ["n_informative + n_redundant"]),
    ({"flip_y": 1.5}, ["flip_y"]),
    ({"missing_rate": 1.0}, ["missing_rate"]),
    ({"missing": "mnar"}, ["missing", "mcar"]),
    ({"task": "clasification"}, ["task", "did you mean 'classification'"]),
    ({"task": "regression", "regression": "friedman", "n_informative": 3}, ["friedman", "n_informative >= 5"]),
    ({"marginals": {"num_0": "lognorml"}}, ["unknown distribution", "lognormal"]),
    ({"marginals": {"num_0": ("gamma", {"alpha": 2})}}, ["no parameter 'alpha'"]),
    ({"n_numeric": 0, "n_binary": 0}, ["at least one column"]),
    ({"outlier_rate": 0.1, "n_numeric": 0, "n_binary": 2}, ["outlier_rate", "numeric"]),
    ({"target_name": "num_0"}, ["target_name", "clashes"]),
    ({"random_state": -3}, ["random_state"]),
])
def test_impossible_settings_raise_one_line_naming_the_parameter(kwargs, words):
    with pytest.raises(InvalidParameterError) as err:
        make_table(100, **kwargs)
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_marginal_on_unknown_column_suggests_the_closest():
    with pytest.raises(ColumnError, match="did you mean 'num_1'"):
        make_table(10, n_numeric=3, marginals={"num1": "normal"})


@pytest.mark.parametrize("n", [0, -5, 2.5, True])
def test_bad_row_counts(n):
    with pytest.raises(InvalidParameterError, match="n_rows"):
        make_table(n)
