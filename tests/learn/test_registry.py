"""The registry by name, and the schema-driven pipelines in front of each model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.pipeline import Pipeline

from synthlearn.data import infer_schema
from synthlearn.errors import InvalidParameterError
from synthlearn.learn import get_spec, make_model, make_pipeline, model_names
from synthlearn.learn.preprocessing import datetime_parts, make_preprocessor

SEED = ["svm", "logistic_regression", "decision_tree", "random_forest", "naive_bayes", "mlp", "knn"]


def test_every_seed_algorithm_is_registered_for_classification():
    assert set(model_names("classification")) == set(SEED)
    assert set(model_names("regression")) == {"svm", "ridge", "decision_tree", "random_forest", "mlp", "knn"}


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_make_model_gives_the_right_kind_of_estimator(task):
    for name in model_names(task):
        model = make_model(name, task, random_state=1)
        assert is_classifier(model) if task == "classification" else is_regressor(model)


def test_scaling_flag_follows_the_algorithm():
    assert get_spec("svm", "classification").scale and get_spec("knn", "regression").scale
    assert not get_spec("random_forest", "classification").scale
    assert not get_spec("decision_tree", "regression").scale


def test_params_override_defaults_even_behind_a_target_scaler():
    assert make_model("random_forest", "classification", n_estimators=7).n_estimators == 7
    assert make_model("svm", "regression", C=3.0).regressor.C == 3.0
    assert make_model("linear_regression", "regression").__class__.__name__ == "Ridge"


def test_unknown_name_suggests_the_closest():
    with pytest.raises(InvalidParameterError, match="did you mean 'random_forest'"):
        make_model("random_forrest", "classification")
    with pytest.raises(InvalidParameterError, match="unknown model 'KNN'; did you mean 'knn'"):  # any case
        make_model("KNN", "classification")
    with pytest.raises(InvalidParameterError, match="classification only.*ridge"):
        make_model("logistic_regression", "regression")
    with pytest.raises(InvalidParameterError, match="task"):
        make_model("svm", "clustering")


def test_pipeline_drops_ids_and_target_and_encodes_by_cardinality(mixed_frame):
    df = mixed_frame.assign(city=[f"c{i % 30}" for i in range(len(mixed_frame))],
                            label=np.where(mixed_frame["flag"], "yes", "no"))
    schema = infer_schema(df)
    pipe = make_pipeline("logistic_regression", schema, "label", df)
    assert isinstance(pipe, Pipeline) and list(pipe.named_steps) == ["preprocess", "model"]
    encode = pipe.named_steps["preprocess"].named_steps["encode"]
    used = {name: cols for name, _, cols in encode.transformers}
    assert used["ordinal"] == ["city"]  # 30 categories: ordinal
    assert "color" in used["categorical"]  # few categories: one-hot
    assert set(used["datetime"]) == {"when", "day"}
    assert not any("user_id" in cols or "label" in cols for cols in used.values())
    pipe.fit(df.drop(columns="label"), df["label"])
    new = df.head(5).assign(color="ultraviolet", city="atlantis")
    assert len(pipe.predict(new)) == 5  # unseen categories do not break prediction


def test_naive_bayes_pipeline_marks_its_categorical_columns(mixed_frame):
    df = mixed_frame.assign(label=np.where(mixed_frame["flag"], "yes", "no")).drop(columns="flag")
    schema = infer_schema(df)
    pipe = make_pipeline("naive_bayes", schema, "label", df).fit(df, df["label"])
    model = pipe.named_steps["model"]
    # amount, count, when, day are numeric; color is the one categorical column, last
    assert model.categorical_mask_.tolist() == [False, False, False, False, True]
    encoder = pipe.named_steps["preprocess"].named_steps["encode"].named_transformers_["categorical"]
    assert set(encoder.categories_[0]) == {"red", "green", "blue", "violet", "(missing)"}
    assert model.categories_[0].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_datetime_parts_match_pandas():
    from synthlearn.learn.preprocessing import prepare_frame

    stamps = pd.DataFrame({"t": pd.to_datetime(["2021-03-04 05:06:07", "1999-12-31 23:00:00", None])})
    secs = prepare_frame(stamps, {"t": "datetime"}).to_numpy()
    parts = datetime_parts(secs)
    np.testing.assert_array_equal(parts[:2, 1:], [[2021, 3, 3, 5], [1999, 12, 4, 23]])
    assert np.isnan(parts[2]).all()


def test_default_preprocessor_is_unchanged_for_existing_callers(mixed_frame):
    schema = infer_schema(mixed_frame)
    pre = make_preprocessor(schema)
    names = [name for name, _, _ in pre.named_steps["encode"].transformers]
    assert names == ["numeric", "categorical"]
    out = pre.fit_transform(mixed_frame)
    assert out.shape[0] == len(mixed_frame) and np.isfinite(out).all()
