"""Utility: is the synthetic table as good as the real one for training models?

Train-synthetic-test-real (TSTR): a model trained on the synthetic table is
scored on the real holdout, next to the same model trained on the real
training table (TRTR). Classification targets report accuracy and macro F1;
numeric targets report R².
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from synthlearn.data.schema import ColumnKind, Schema
from synthlearn.errors import DataError
from synthlearn.learn.preprocessing import make_preprocessor, prepare_frame
from synthlearn.learn.registry import MAX_INTEGER_CLASSES, get_spec, make_model, task_of

__all__ = ["MAX_INTEGER_CLASSES", "task_of", "utility"]


def _models(task: str, random_state) -> dict:
    """The utility check's models, from the learn registry: name → (estimator, needs scaling)."""
    linear = "logistic_regression" if task == "classification" else "ridge"
    return {name: (make_model(name, task, random_state=random_state, **params), get_spec(name, task).scale)
            for name, params in ((linear, {}), ("random_forest", {"n_estimators": 200}))}


def _xy(df: pd.DataFrame, schema: Schema, target: str, task: str):
    df = df[df[target].notna()]
    if task == "classification":
        y = prepare_frame(df[[target]], {target: ColumnKind.CATEGORICAL.value})[target].to_numpy(dtype=object)
    else:
        y = prepare_frame(df[[target]], {target: schema[target].value})[target].to_numpy(dtype=float)
    return df, y


def utility(train: pd.DataFrame, holdout: pd.DataFrame, candidates: dict[str, pd.DataFrame], schema: Schema,
            target: str, *, random_state=0, predictions: dict | None = None) -> pd.DataFrame:
    """Score models trained on each candidate table on the real holdout.

    Parameters
    ----------
    train, holdout : DataFrame
        Real training rows and real holdout rows.
    candidates : dict of str to DataFrame
        Tables to train on, by name (for example ``{"real": train,
        "synthetic": synth}``).
    schema : Schema
    target : str
    predictions : dict, optional
        If given, filled with ``"index"`` (the holdout rows scored: those with
        a known target), ``"y_true"`` (their target) and, for every model
        trained, ``(trained_on, model)`` → its predictions (the bias check
        reads them).

    Returns
    -------
    DataFrame
        One row per (trained_on, model): ``accuracy`` and ``macro_f1``, or
        ``r2``; ``error`` holds why a model could not be trained.
    """
    from sklearn.base import clone
    from sklearn.metrics import accuracy_score, f1_score, r2_score
    from sklearn.pipeline import make_pipeline

    task = task_of(train, schema, target)
    features = [c for c in schema.modelled if c != target]
    test, y_test = _xy(holdout, schema, target, task)
    if not len(y_test):
        raise DataError(f"the holdout table has no known value of '{target}' to score models on; "
                        f"give a holdout where the target is filled in")
    if task == "regression" and np.ptp(y_test) == 0:
        raise DataError(f"'{target}' is {y_test[0]:g} in every row of the holdout table, so R² (the share of its "
                        f"variance a model explains) is undefined; give a holdout where it varies")
    if predictions is not None:
        predictions.update(index=test.index, y_true=y_test)
    rows = []
    for name, table in candidates.items():
        fit_df, y_fit = _xy(table, schema, target, task)
        for model_name, (model, scale) in _models(task, random_state).items():
            row = {"trained_on": name, "model": model_name}
            try:
                if task == "classification" and np.unique(y_fit).size < 2:
                    raise ValueError(f"the {name} table has a single class in '{target}'")
                pipe = make_pipeline(make_preprocessor(schema, features, scale=scale), clone(model))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pipe.fit(fit_df[features], y_fit)
                    pred = pipe.predict(test[features])
                if predictions is not None:
                    predictions[(name, model_name)] = pred
                if task == "classification":
                    row["accuracy"] = float(accuracy_score(y_test, pred))
                    row["macro_f1"] = float(f1_score(y_test, pred, average="macro"))
                else:
                    row["r2"] = float(r2_score(y_test, pred))
            except Exception as exc:  # one failing model must not stop the report
                row["error"] = f"{type(exc).__name__}: {exc}"
            rows.append(row)
    return pd.DataFrame(rows)
