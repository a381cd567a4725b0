"""The classic algorithms by plain name, and the schema-driven pipeline that feeds each one.

``make_model("random_forest", "classification")`` gives a scikit-learn
estimator with defaults chosen for small-to-medium tables;
``make_pipeline(name, schema, target, df)`` puts the right preprocessing in
front of it (scaling only for the models that need it, one-hot or ordinal
codes by cardinality, datetimes expanded, identifiers dropped).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from synthlearn.data.schema import ColumnKind, Schema
from synthlearn.errors import InvalidParameterError

TASKS = ("classification", "regression")
#: An integer target with at most this many distinct values is treated as classes.
MAX_INTEGER_CLASSES = 20
#: Categorical columns with more categories than this are ordinal-encoded instead of one-hot.
MAX_ONEHOT = 20


@dataclass(frozen=True)
class ModelSpec:
    """One registered algorithm for one task."""

    name: str
    task: str
    build: Callable  # random_state -> unfitted estimator
    scale: bool  #: the model needs standardised numeric inputs
    description: str


def _svc(rs):
    from sklearn.svm import SVC

    return SVC(C=1.0, kernel="rbf", gamma="scale", random_state=rs)


def _scaled_target(regressor):
    # SVR's epsilon and the MLP's initialisation assume a target of unit scale
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.preprocessing import StandardScaler

    return TransformedTargetRegressor(regressor=regressor, transformer=StandardScaler())


def _svr(rs):
    from sklearn.svm import SVR

    return _scaled_target(SVR(C=1.0, kernel="rbf", gamma="scale"))


def _logreg(rs):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=2000, random_state=rs)


def _ridge(rs):
    from sklearn.linear_model import Ridge

    return Ridge(alpha=1.0)


def _tree_c(rs):
    from sklearn.tree import DecisionTreeClassifier

    return DecisionTreeClassifier(min_samples_leaf=2, random_state=rs)


def _tree_r(rs):
    from sklearn.tree import DecisionTreeRegressor

    return DecisionTreeRegressor(min_samples_leaf=5, random_state=rs)


def _forest_c(rs):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=100, random_state=rs, n_jobs=1)


def _forest_r(rs):
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(n_estimators=100, random_state=rs, n_jobs=1)


def _nb(rs):
    from synthlearn.learn.naive_bayes import MixedNaiveBayes

    return MixedNaiveBayes()


def _mlp_c(rs):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-4, max_iter=300, random_state=rs)


def _mlp_r(rs):
    from sklearn.neural_network import MLPRegressor

    return _scaled_target(MLPRegressor(hidden_layer_sizes=(64,), alpha=1e-4, max_iter=300, random_state=rs))


def _knn_c(rs):
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(n_neighbors=5, n_jobs=1)


def _knn_r(rs):
    from sklearn.neighbors import KNeighborsRegressor

    return KNeighborsRegressor(n_neighbors=5, n_jobs=1)


_SPECS = [
    ModelSpec("naive_bayes", "classification", _nb, False, "MixedNaiveBayes: Gaussian numbers, categorical labels"),
    ModelSpec("logistic_regression", "classification", _logreg, True, "LogisticRegression(C=1, max_iter=2000)"),
    ModelSpec("ridge", "regression", _ridge, True, "Ridge(alpha=1): linear regression with an L2 penalty"),
    ModelSpec("decision_tree", "classification", _tree_c, False, "DecisionTreeClassifier(min_samples_leaf=2)"),
    ModelSpec("decision_tree", "regression", _tree_r, False, "DecisionTreeRegressor(min_samples_leaf=5)"),
    ModelSpec("knn", "classification", _knn_c, True, "KNeighborsClassifier(n_neighbors=5)"),
    ModelSpec("knn", "regression", _knn_r, True, "KNeighborsRegressor(n_neighbors=5)"),
    ModelSpec("random_forest", "classification", _forest_c, False, "RandomForestClassifier(n_estimators=100)"),
    ModelSpec("random_forest", "regression", _forest_r, False, "RandomForestRegressor(n_estimators=100)"),
    ModelSpec("mlp", "classification", _mlp_c, True, "MLPClassifier(hidden_layer_sizes=(64,), max_iter=300)"),
    ModelSpec("mlp", "regression", _mlp_r, True, "MLPRegressor(hidden_layer_sizes=(64,), max_iter=300), "
              "standardised target"),
    ModelSpec("svm", "classification", _svc, True, "SVC(rbf kernel, C=1); trained models predict the class "
              "with the highest Platt probability"),
    ModelSpec("svm", "regression", _svr, True, "SVR(rbf kernel, C=1), standardised target"),
]
#: task → {name: ModelSpec}, cheapest models first (the order `compare` runs them in).
MODELS: dict[str, dict[str, ModelSpec]] = {task: {s.name: s for s in _SPECS if s.task == task} for task in TASKS}
#: Names accepted for the other task's counterpart.
_ALIASES = {"regression": {"linear_regression": "ridge"}, "classification": {}}


def model_names(task: str | None = None) -> list[str]:
    """Registered names for ``task`` (both tasks when None), cheapest first."""
    if task is None:
        return list(dict.fromkeys(s.name for s in _SPECS))
    _check_task(task)
    return list(MODELS[task])


def get_spec(name: str, task: str) -> ModelSpec:
    """The :class:`ModelSpec` for ``name`` and ``task``; an unknown name suggests the closest."""
    _check_task(task)
    name = _ALIASES[task].get(name, name)
    if name in MODELS[task]:
        return MODELS[task][name]
    other = "regression" if task == "classification" else "classification"
    if name in MODELS[other]:
        counterpart = {"logistic_regression": "ridge", "naive_bayes": "ridge or random_forest",
                       "ridge": "logistic_regression"}.get(name, "another model")
        raise InvalidParameterError(f"model {name!r} is for {other} only and this target needs {task}; "
                                    f"use {counterpart}")
    known = model_names(task)
    close = difflib.get_close_matches(str(name).lower(), known + list(_ALIASES[task]), n=1, cutoff=0.4)  # KNN: knn
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise InvalidParameterError(f"unknown model {name!r}; {hint}choose one of {', '.join(known)}")


def make_model(name: str, task: str = "classification", *, random_state=0, **params):
    """An unfitted scikit-learn estimator for ``name``, with its defaults and ``params`` on top.

    Examples
    --------
    >>> from synthlearn.learn import make_model
    >>> make_model("random_forest", "classification", n_estimators=50).n_estimators
    50
    """
    model = get_spec(name, task).build(random_state)
    if params:
        own = model.get_params(deep=False)
        inner = "regressor__" if "regressor" in own else ""  # a standardised-target wrapper
        model.set_params(**{(k if k in own else inner + k): v for k, v in params.items()})
    return model


def task_of(df: pd.DataFrame, schema: Schema, target: str) -> str:
    """``"classification"`` for categorical, boolean and few-valued integer targets, else ``"regression"``."""
    kind = schema[target]
    if kind.is_discrete:
        return "classification"
    if kind is ColumnKind.INTEGER and df[target].nunique() <= MAX_INTEGER_CLASSES:
        return "classification"
    return "regression"


def features_of(schema: Schema, target: str | None) -> list[str]:
    """The columns a model learns from: every modelled column but the target."""
    return [c for c in schema.modelled if c != target]


def make_pipeline(name: str, schema: Schema, target: str | None, df: pd.DataFrame, *, task: str | None = None,
                  random_state=0, **params):
    """The preprocessing (from the schema) and model ``name`` as one inspectable ``Pipeline``.

    Categorical columns with more than :data:`MAX_ONEHOT` categories in
    ``df`` are ordinal-encoded, the others one-hot; datetimes are expanded
    into seconds, year, month, day of week and hour; identifiers and the
    target are dropped. ``naive_bayes`` keeps missing numbers as NaN and
    categories as labels for :class:`~synthlearn.learn.MixedNaiveBayes`.
    """
    from sklearn.pipeline import Pipeline

    from synthlearn.learn.preprocessing import make_preprocessor

    task = task or task_of(df, schema, target)
    spec = get_spec(name, task)
    features = features_of(schema, target)
    model = make_model(spec.name, task, random_state=random_state, **params)
    if spec.name == "naive_bayes":
        discrete = [c for c in features if schema[c].is_discrete]
        n_numeric = sum(1 for c in features if schema[c].is_numeric)
        model.set_params(categorical_features=list(range(n_numeric, n_numeric + len(discrete))))
        pre = make_preprocessor(schema, features, layout="naive_bayes")
    else:
        high = [c for c in features if schema[c].is_discrete and df[c].nunique() > MAX_ONEHOT]
        pre = make_preprocessor(schema, features, scale=spec.scale, ordinal=high, expand_datetimes=True)
    return Pipeline([("preprocess", pre), ("model", model)])


def _check_task(task: str) -> None:
    if task not in TASKS:
        raise InvalidParameterError(f"task must be 'classification' or 'regression', got {task!r}")
