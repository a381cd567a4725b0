"""train → save → load_model → predict, and the checks that keep a model folder safe and honest."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synthlearn.errors import ColumnError, InvalidParameterError, ModelFileError, SchemaError
from synthlearn.learn import load_model, train


class Gadget:
    """Stands for any object a tampered model file could smuggle in."""

    def __init__(self):
        self.payload = 1


@pytest.fixture(scope="module")
def table(penguins_small):
    df = penguins_small.copy()
    df.insert(0, "penguin_id", np.arange(5000, 5000 + len(df)))
    return df


@pytest.fixture(scope="module")
def saved(table, tmp_path_factory):
    folder = tmp_path_factory.mktemp("m") / "model"
    fitted = train(table, "species", "naive_bayes")
    fitted.save(folder)
    return fitted, folder


def test_round_trip_predicts_the_same(saved, table):
    fitted, folder = saved
    assert sorted(p.name for p in folder.iterdir()) == ["metadata.json", "model.skops"]
    loaded = load_model(folder)
    new = table.drop(columns="species").head(15)
    a, b = fitted.predict(new), loaded.predict(new)
    pd.testing.assert_frame_equal(a, b)
    assert list(b.columns) == ["penguin_id", "prediction", "proba_Adelie", "proba_Chinstrap", "proba_Gentoo"]
    np.testing.assert_allclose(b.filter(like="proba_").sum(axis=1), 1.0)
    assert (b["penguin_id"] == new["penguin_id"].to_numpy()).all()


def test_metadata_names_schema_target_classes_and_versions(saved):
    meta = json.loads((saved[1] / "metadata.json").read_text())
    assert meta["target"] == "species" and meta["model"] == "naive_bayes" and meta["task"] == "classification"
    assert meta["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert meta["schema"]["columns"]["penguin_id"] == "identifier"
    assert {"synthlearn_version", "sklearn_version", "numpy_version"} <= set(meta)


def test_regression_model_writes_predictions_only(table, tmp_path):
    fitted = train(table, "body_mass_g", "ridge")
    fitted.save(tmp_path / "m")
    out = load_model(tmp_path / "m").predict(table.head(4))
    assert list(out.columns) == ["penguin_id", "prediction"] and out["prediction"].dtype == float


def test_datetime_target_is_predicted_as_datetimes():
    # the model regresses seconds since the epoch; predictions were written as those bare seconds
    days = np.arange(60)
    df = pd.DataFrame({"x": days.astype(float), "when": pd.Timestamp("2021-03-01") + pd.to_timedelta(days, "D")})
    out = train(df, "when", "ridge").predict(df.head(3))
    assert pd.api.types.is_datetime64_any_dtype(out["prediction"])
    assert (abs(out["prediction"] - df["when"].head(3)) < pd.Timedelta("1D")).all()


@pytest.mark.parametrize("written, zone", [
    (lambda w: w.dt.tz_localize("UTC").dt.tz_convert("Europe/Paris"), "Europe/Paris"),  # a zone-aware column
    (lambda w: w.dt.strftime("%Y-%m-%dT%H:%M:%S") + "-05:00", "UTC-05:00"),  # text written with one offset
    (lambda w: w.dt.strftime("%Y-%m-%dT%H:%M:%SZ"), "UTC"),
    (lambda w: w, None),  # naive stays naive
])
def test_datetime_predictions_keep_the_target_time_zone(tmp_path, written, zone):
    days = np.arange(60)
    when = written(pd.Series(pd.Timestamp("2021-03-01 12:00") + pd.to_timedelta(days, "D")))
    df = pd.DataFrame({"x": days.astype(float), "when": when})
    fitted = train(df, "when", "ridge", alpha=1e-9)  # an exact line: the predictions are the training times
    fitted.save(tmp_path / "m")
    out = load_model(tmp_path / "m").predict(df.head(3))["prediction"]
    assert (str(out.dt.tz) if out.dt.tz is not None else None) == zone
    truth = pd.to_datetime(df["when"].head(3), utc=zone is not None)
    assert (abs(out - truth) < pd.Timedelta("1s")).all()  # the same instants, shown in the zone


def test_svm_gets_probabilities_and_params_pass_through(table):
    assert "proba_Gentoo" in train(table, "species", "svm").predict(table.head(3)).columns
    assert train(table, "species", "random_forest", n_estimators=5).pipeline[-1].n_estimators == 5


def test_boolean_target_with_a_missing_value_trains():
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    y = pd.Series(x > 0, dtype=object)
    y[3] = None
    fitted = train(pd.DataFrame({"x": x, "y": y}), "y", "random_forest", n_estimators=5)
    assert fitted.classes == [False, True] and fitted.meta["notes"] == ["1 row(s) with a missing 'y' were left out"]
    assert list(fitted.predict(pd.DataFrame({"x": [-2.0, 2.0]}))["prediction"]) == [False, True]


def test_svm_prediction_is_its_most_probable_class():
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=150, n_features=5, n_informative=3, n_classes=3, flip_y=0.3,
                               class_sep=0.5, random_state=4)  # noisy: Platt probabilities and votes disagree
    df = pd.DataFrame(X, columns=list("abcde")).assign(target=y)
    fitted = train(df, "target", "svm")
    out = fitted.predict(df)
    proba = out.filter(like="proba_")
    assert (fitted.pipeline.predict(df) != out["prediction"]).any()  # SVC.predict alone would disagree
    assert (out["prediction"].to_numpy() == fitted.pipeline.classes_[proba.to_numpy().argmax(axis=1)]).all()


def test_knn_on_fewer_rows_than_neighbours_lowers_them_or_says_why(table):
    few = table.groupby("species").head(2).head(4)  # two classes, four rows, n_neighbors=5 by default
    fitted = train(few, "species", "knn")
    assert fitted.pipeline[-1].n_neighbors == 4 and "n_neighbors lowered from 5 to 4" in fitted.meta["notes"][0]
    assert len(fitted.predict(few)) == 4
    with pytest.raises(InvalidParameterError, match="n_neighbors=10 is more than the 4 training rows"):
        train(few, "species", "knn", n_neighbors=10)


def test_best_runs_a_compare_first(table):
    assert train(table, "species", "best").model_name in {"naive_bayes", "logistic_regression", "decision_tree",
                                                          "knn", "random_forest", "mlp", "svm"}


def test_unseen_category_is_counted_and_predicted(saved, table):
    new = table.head(6).assign(island="Atlantis")
    fitted = load_model(saved[1])
    assert fitted.unseen_categories(new) == {"island": 6}
    assert len(fitted.predict(new)) == 6


def test_number_categories_compare_by_value_whether_or_not_a_value_is_missing(table):
    from synthlearn.data import infer_schema

    def fit(df):
        return train(df, "species", "logistic_regression", infer_schema(df, {"year": "categorical"}))

    gap = table.assign(year=table["year"].where(table.index != 0))  # one gap: the column becomes float
    new, new_gap = table.head(8), gap.head(8)
    for fitted in (fit(table), fit(gap)):
        assert fitted.meta["categories"]["year"] == ["2007", "2008", "2009"]
        assert fitted.unseen_categories(new) == {} and fitted.unseen_categories(new_gap) == {}
        a, b = fitted.predict(new).iloc[1:], fitted.predict(new_gap).iloc[1:]
        pd.testing.assert_frame_equal(a, b)


def test_schema_mismatch_is_a_clear_error(saved, table):
    fitted = load_model(saved[1])
    with pytest.raises(ColumnError, match="bill_length_mm"):
        fitted.predict(table.drop(columns=["bill_length_mm"]))
    wrong = table.assign(flipper_length_mm=table["flipper_length_mm"].astype(object).where(table.index > 0, "long"))
    with pytest.raises(SchemaError, match="flipper_length_mm.*trained with") as info:
        fitted.predict(wrong)
    assert "declare it" not in str(info.value)  # predict takes no kinds: the advice is to fix the values


def test_untrusted_types_are_refused(table, tmp_path):
    import skops.io as sio

    fitted = train(table, "species", "decision_tree")
    fitted.save(tmp_path / "m")
    sio.dump([fitted.pipeline, Gadget()], tmp_path / "m" / "model.skops")  # a type outside the allowed list
    with pytest.raises(ModelFileError, match="untrusted type.*Gadget"):
        load_model(tmp_path / "m")


def test_missing_or_corrupt_files_are_named(saved, tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "nothing")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "model.skops").write_bytes(b"x")
    with pytest.raises(ModelFileError, match="metadata.json"):
        load_model(tmp_path / "half")
    (tmp_path / "half" / "metadata.json").write_text("{}")
    with pytest.raises(ModelFileError, match="not valid synthlearn model metadata"):
        load_model(tmp_path / "half")
