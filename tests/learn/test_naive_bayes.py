"""MixedNaiveBayes against scikit-learn's GaussianNB / CategoricalNB and a tiny NumPy reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.naive_bayes import CategoricalNB, GaussianNB

from synthlearn.errors import InvalidParameterError
from synthlearn.learn import MixedNaiveBayes


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 90)
    num = rng.normal(size=(90, 3)) + y[:, None] * [0.5, -0.3, 0.0]
    cat = np.column_stack([(y + rng.integers(0, 2, 90)) % 4, rng.integers(0, 3, 90)])
    return num, cat, y


def test_numeric_only_matches_gaussian_nb(data):
    num, _, y = data
    ours = MixedNaiveBayes().fit(num, y)
    ref = GaussianNB().fit(num, y)
    np.testing.assert_allclose(ours.predict_proba(num), ref.predict_proba(num), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.theta_, ref.theta_)
    np.testing.assert_allclose(ours.var_, ref.var_)


def test_numeric_only_matches_gaussian_nb_with_sample_weight(data):
    num, _, y = data
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    ours = MixedNaiveBayes().fit(num, y, sample_weight=w)
    ref = GaussianNB().fit(num, y, sample_weight=w)
    np.testing.assert_allclose(ours.predict_proba(num), ref.predict_proba(num), rtol=1e-7, atol=1e-12)


def test_categorical_only_matches_categorical_nb(data):
    _, cat, y = data
    ours = MixedNaiveBayes(categorical_features=[0, 1], alpha=0.7).fit(cat, y)
    ref = CategoricalNB(alpha=0.7).fit(cat, y)
    np.testing.assert_allclose(ours.predict_proba(cat), ref.predict_proba(cat), rtol=1e-9, atol=1e-12)


def _reference_proba(model, row_num, row_cat):
    """Bayes' rule written out for one row (numbers, categories) with plain loops."""
    logs = []
    for c in range(len(model.classes_)):
        lp = np.log(model.class_prior_[c])
        for j, x in enumerate(row_num):
            m, v = model.theta_[c, j], model.var_[c, j]
            lp += -0.5 * np.log(2 * np.pi * v) - (x - m) ** 2 / (2 * v)
        for j, x in enumerate(row_cat):
            cats = list(model.categories_[j])
            counts = model.category_count_[j][c]
            lp += np.log((counts[cats.index(x)] + model.alpha) / (counts.sum() + model.alpha * len(cats)))
        logs.append(lp)
    p = np.exp(np.array(logs) - max(logs))
    return p / p.sum()


def test_mixed_dataframe_matches_reference():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"size": rng.normal(size=40), "color": rng.choice(["red", "blue", "green"], 40),
                       "weight": rng.normal(5, 2, 40)})
    y = rng.choice(["a", "b"], 40)
    model = MixedNaiveBayes().fit(df, y)
    assert model.categorical_mask_.tolist() == [False, True, False]
    assert list(model.feature_names_in_) == ["size", "color", "weight"]
    proba = model.predict_proba(df)
    for i in range(5):
        ref = _reference_proba(model, df.iloc[i][["size", "weight"]].to_numpy(float), [df.iloc[i]["color"]])
        np.testing.assert_allclose(proba[i], ref, rtol=1e-9)


def test_missing_values_and_unseen_categories_give_no_evidence():
    df = pd.DataFrame({"x": [0.0, 0.1, 3.0, 3.1, np.nan, 2.9], "c": ["u", "u", "v", "v", "v", None]})
    y = np.array([0, 0, 1, 1, 1, 1])
    model = MixedNaiveBayes().fit(df, y)
    prior = np.log(model.class_prior_)
    blank = pd.DataFrame({"x": [np.nan, np.nan], "c": [None, "never-seen"]})
    np.testing.assert_allclose(model.predict_joint_log_proba(blank), np.vstack([prior, prior]))
    only_x = model.predict_proba(pd.DataFrame({"x": [3.0], "c": ["never-seen"]}))
    both = model.predict_proba(pd.DataFrame({"x": [3.0], "c": [None]}))
    np.testing.assert_allclose(only_x, both)
    assert model.predict(pd.DataFrame({"x": [0.05], "c": ["zzz"]}))[0] == 0


def test_proba_is_stable_far_from_the_data(data):
    num, _, y = data
    proba = MixedNaiveBayes().fit(num, y).predict_proba(num * 1e4)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_categorical_features_by_name_and_mask():
    df = pd.DataFrame({"a": [1.0, 2.0, 1.0, 2.0], "b": [0, 1, 0, 1]})
    y = [0, 1, 0, 1]
    by_name = MixedNaiveBayes(categorical_features=["b"]).fit(df, y)
    by_mask = MixedNaiveBayes(categorical_features=[False, True]).fit(df.to_numpy(), y)
    np.testing.assert_allclose(by_name.predict_proba(df), by_mask.predict_proba(df.to_numpy()))
    assert by_name.categories_[0].tolist() == [0, 1]


@pytest.mark.parametrize("params, match", [
    ({"categorical_features": ["nope"]}, "nope"),
    ({"categorical_features": [5]}, "out of range"),
    ({"categorical_features": "some"}, "categorical_features"),
    ({"alpha": -1}, "alpha"),
    ({"var_smoothing": -1.0}, "var_smoothing"),
    ({"priors": [0.2, 0.2]}, "priors"),
])
def test_bad_parameters_name_themselves(params, match):
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0]})
    with pytest.raises(InvalidParameterError, match=match):
        MixedNaiveBayes(**params).fit(X, [0, 1, 2])


def test_constant_numeric_features_keep_the_categorical_evidence():
    # every numeric variance 0: GaussianNB's smoothing adds 0, and the probabilities were all NaN
    X = pd.DataFrame({"const": [1.0] * 6, "c": ["x", "y", "x", "y", "x", "y"]})
    y = ["A", "B", "A", "B", "A", "B"]
    model = MixedNaiveBayes().fit(X, y)
    proba = model.predict_proba(pd.DataFrame({"const": [1.0, 2.0], "c": ["x", "y"]}))
    assert np.isfinite(proba).all()
    assert model.predict(X).tolist() == y
    assert model.epsilon_ == pytest.approx(1e-9)
