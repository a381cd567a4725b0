"""compare(): same folds for every model, failures and time budget reported, metrics as scikit-learn computes them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthlearn.data import infer_schema
from synthlearn.errors import ColumnError, DataError, InvalidParameterError, SchemaError
from synthlearn.learn import compare
from synthlearn.learn import registry
from synthlearn.learn.compare import make_folds, score


@pytest.fixture(scope="module")
def board(penguins_small):
    return compare(penguins_small, "species", models=["naive_bayes", "knn", "decision_tree"], cv=3, holdout=0.25)


def test_leaderboard_is_sorted_and_complete(board):
    table = board.table
    assert set(table.index) == {"naive_bayes", "knn", "decision_tree"}
    assert table["accuracy"].is_monotonic_decreasing
    for column in ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "holdout_accuracy", "fit_s", "predict_s"):
        assert table[column].notna().all(), column
    assert ((table["accuracy"] > 0.6) & (table["accuracy"] <= 1)).all()
    assert board.failures.empty and board.skipped.empty
    assert board.best == table.index[0]


def test_cv_score_equals_hand_run_on_the_same_folds(penguins_small):
    from sklearn.base import clone

    df = penguins_small
    schema = infer_schema(df)
    board = compare(df, "species", schema, models=["decision_tree"], cv=3, holdout=None, random_state=4)
    y = df["species"].astype(object).to_numpy()
    pipe = registry.make_pipeline("decision_tree", schema, "species", df, random_state=4)
    X = df.drop(columns="species")
    accs = [np.mean(clone(pipe).fit(X.iloc[tr], y[tr]).predict(X.iloc[te]) == y[te])
            for tr, te in make_folds(y, "classification", 3, 4, [])]
    assert board.table.loc["decision_tree", "accuracy"] == pytest.approx(np.mean(accs))


def test_folds_are_stratified_and_reproducible():
    y = np.array(["a"] * 30 + ["b"] * 10)
    folds = make_folds(y, "classification", 5, 0, [])
    assert all((y[te] == "b").sum() == 2 for _, te in folds)
    again = make_folds(y, "classification", 5, 0, [])
    assert all((a[1] == b[1]).all() for a, b in zip(folds, again))


def test_one_row_class_falls_back_to_plain_kfold_and_says_so(penguins_small):
    df = penguins_small.copy()
    df["species"] = df["species"].astype(object)
    df.loc[0, "species"] = "Emperor"
    board = compare(df, "species", models=["decision_tree"], cv=3, holdout=None)
    assert any(n.startswith("class 'Emperor' has a single row") and "k-fold" in n for n in board.notes)
    assert "decision_tree" in board.table.index


def test_a_failing_model_never_stops_the_rest(penguins_small, monkeypatch):
    class Broken(registry.make_model("knn").__class__):
        def fit(self, X, y):
            raise RuntimeError("boom")

    spec = registry.MODELS["classification"]["knn"]
    monkeypatch.setitem(registry.MODELS["classification"], "knn",
                        registry.ModelSpec("knn", "classification", lambda rs: Broken(), True, "broken"))
    board = compare(penguins_small, "species", models=["knn", "naive_bayes"], cv=3)
    assert list(board.table.index) == ["naive_bayes"]
    assert board.failures.to_dict("records") == [{"model": "knn", "error": "RuntimeError: boom"}]
    assert spec.name == "knn"


def test_spent_time_budget_skips_models_and_lists_them(penguins_small):
    board = compare(penguins_small, "species", models=["naive_bayes", "knn"], cv=3, time_budget=1e-9)
    assert board.table.empty
    assert list(board.skipped["model"]) == ["naive_bayes", "knn"]
    assert board.skipped["reason"].str.contains("budget").all()
    with pytest.raises(DataError, match="no model finished"):
        board.best


def test_a_model_named_twice_runs_once(penguins_small):
    # knn,knn (or ridge and its alias linear_regression) gave two identical leaderboard rows
    assert compare(penguins_small, "species", models=["knn", "knn"], cv=3).table.index.tolist() == ["knn"]
    board = compare(penguins_small, "body_mass_g", models=["ridge", "linear_regression"], cv=3)
    assert board.table.index.tolist() == ["ridge"]


def test_regression_metrics_and_sorting(penguins_small):
    board = compare(penguins_small, "body_mass_g", models=["ridge", "decision_tree"], cv=3, holdout=None)
    assert board.task == "regression" and board.main_metric == "r2"
    assert list(board.table.columns[:3]) == ["r2", "rmse", "mae"]
    assert board.table["r2"].is_monotonic_decreasing and board.table.loc["ridge", "r2"] > 0.5
    assert board.predictions["ridge"]["source"] == "out-of-fold"
    assert board.to_html(top=2).count("data:image/png;base64,") == 2  # predicted-vs-true per model


def test_score_matches_sklearn_on_known_values():
    y = np.array(["a", "b", "b", "c"])
    pred = np.array(["a", "b", "c", "c"])
    proba = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.4, 0.5], [0.0, 0.2, 0.8]])
    s = score("classification", y, pred, proba, np.array(["a", "b", "c"]))
    assert s["accuracy"] == 0.75 and s["balanced_accuracy"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert s["roc_auc"] == pytest.approx(1.0)
    r = score("regression", np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]))
    assert r["rmse"] == pytest.approx(np.sqrt(4 / 3)) and r["mae"] == pytest.approx(2 / 3)


@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true")  # scikit-learn's, on the reference
def test_score_equals_sklearn_metrics_on_random_labels():
    from sklearn import metrics

    rng = np.random.default_rng(0)
    for _ in range(20):
        y = rng.choice(["a", "b", "c", "d"], 30)
        pred = rng.choice(["a", "b", "c", "e"], 30)
        s = score("classification", y, pred)
        assert s["accuracy"] == pytest.approx(metrics.accuracy_score(y, pred))
        assert s["balanced_accuracy"] == pytest.approx(metrics.balanced_accuracy_score(y, pred))
        assert s["f1_macro"] == pytest.approx(metrics.f1_score(y, pred, average="macro"))


def test_html_report_is_self_contained(board, tmp_path):
    board.write_html(tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert page.count("data:image/png;base64,") >= 2  # confusion matrix and ROC curves
    assert "http://" not in page and "https://" not in page
    assert board.best in page


def test_boolean_target_with_a_missing_value_is_classified():
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    y = pd.Series(x > 0, dtype=object)
    y[3] = None  # True/False with a gap: an object column, as read from a CSV
    board = compare(pd.DataFrame({"x": x, "y": y}), "y", models=["knn", "naive_bayes"], cv=3)
    assert board.failures.empty and set(board.table.index) == {"knn", "naive_bayes"}
    assert "1 row(s) with a missing 'y' were left out" in board.notes


def test_report_of_a_one_class_holdout_warns_nothing(penguins_small):
    import warnings

    df = penguins_small.head(12).assign(species=["a"] * 10 + ["b"] * 2)
    board = compare(df, "species", models=["naive_bayes"], cv=2, holdout=0.1)  # holdout: one row of 'a'
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib said: No artists with labels found to put in legend
        assert board.best in board.to_html()


@pytest.mark.parametrize("change, kwargs, error, match", [
    (lambda d: d, {"target": "nope"}, ColumnError, "nope"),
    (lambda d: d.assign(species="Adelie"), {}, DataError, "single value"),
    (lambda d: d.assign(species=5), {}, DataError, r"has a single value \(5\);"),  # not np.int64(5)
    (lambda d: d, {"models": ["randomforest"]}, InvalidParameterError, "did you mean 'random_forest'"),
    (lambda d: d, {"cv": 1}, InvalidParameterError, "cv"),
    (lambda d: d, {"time_budget": -5}, InvalidParameterError, "time_budget"),
    (lambda d: d, {"n_jobs": 0}, InvalidParameterError, "n_jobs must be a whole number .* other than 0"),
    (lambda d: d.head(5).assign(species=["a", "b"] * 2 + ["a"]), {"cv": 5}, InvalidParameterError,
     r"the 5 rows with a target less the 1 kept by holdout=0.2 leave 4; lower cv or holdout"),
    (lambda d: d.assign(flipper_length_mm=d["flipper_length_mm"].astype(object).where(d.index != 3, "long")),
     {}, DataError, "mixes numbers and text"),
    (lambda d: d.assign(empty=np.nan), {}, DataError, "'empty' is entirely missing"),
    (lambda d: d[["species"]], {}, DataError, "no feature columns"),
    (lambda d: d.set_axis(range(d.shape[1]), axis=1), {"target": 0}, DataError,
     r"column names must be text, got 0 \(int\); rename the columns, e.g. df.columns = df.columns.astype\(str\)"),
])
def test_bad_input_gets_a_clear_error(penguins_small, change, kwargs, error, match):
    args = {"target": "species", "models": ["naive_bayes"], "cv": 3, **kwargs}
    with pytest.raises(error, match=match):
        compare(change(penguins_small.copy()), **args)


@pytest.mark.parametrize("change, error, match", [
    (lambda d: d.assign(body_mass_g=d["body_mass_g"].where(d.index != 2, np.inf)), DataError,
     "column 'body_mass_g' has infinite values"),
    (lambda d: d.assign(bill_length_mm=d["bill_length_mm"].astype(object).where(d.index != 2, "long")), SchemaError,
     "'bill_length_mm' is declared numeric but holds 'long'"),
    (lambda d: d.drop(columns="island"), ColumnError, r"lacks schema column\(s\) \['island'\]"),
])
def test_a_given_schema_is_checked_against_the_table(penguins_small, change, error, match):
    schema = infer_schema(penguins_small)  # the clean table's schema, given with a changed one
    with pytest.raises(error, match=match):
        compare(change(penguins_small.copy()), "species", schema=schema, models=["naive_bayes"], cv=3)
