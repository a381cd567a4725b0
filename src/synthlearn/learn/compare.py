"""``compare``: every registered algorithm cross-validated on the same folds, as one leaderboard.

Learns from PyCaret's ``compare_models`` and LazyPredict: one call, one
table. Unlike them, one failing model is reported and the rest go on; the
time budget is a promise (models that would not finish in time are skipped
and listed, never silently dropped); every model sees exactly the same folds.
"""

from __future__ import annotations

import math
import numbers
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synthlearn.data.schema import Schema, infer_schema
from synthlearn.errors import ColumnError, DataError, InvalidParameterError
from synthlearn.learn.registry import get_spec, make_pipeline, model_names, task_of

#: Metrics per task; the first is the one the leaderboard is sorted by.
METRICS = {
    "classification": ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc"),
    "regression": ("r2", "rmse", "mae"),
}
#: Metrics where lower is better.
LOWER_IS_BETTER = {"rmse", "mae"}
#: How a model's cross-validation time grows with the number of rows (used to honour a time budget).
_GROWTH = {"svm": 2.0, "knn": 1.5, "random_forest": 1.1, "decision_tree": 1.1}


@dataclass
class Leaderboard:
    """What :func:`compare` found.

    Attributes
    ----------
    table : DataFrame
        One row per model that finished (index ``model``), best first:
        cross-validated mean of each metric, its standard deviation for the
        main metric, ``holdout_<metric>`` when a holdout was kept, and mean
        ``fit_s`` / ``predict_s`` per fold.
    failures : DataFrame
        ``model``, ``error``: models that raised, with the one-line reason.
    skipped : DataFrame
        ``model``, ``reason``: models not run (or abandoned) because of the
        time budget.
    task, target, main_metric : str
    notes : list of str
        Things the user should know (for example the fallback to plain k-fold).
    predictions : dict
        Model name → ``{"y_true", "y_pred", "scores", "classes", "source"}``
        (holdout predictions when a holdout was kept, else out-of-fold).
    """

    table: pd.DataFrame
    failures: pd.DataFrame
    skipped: pd.DataFrame
    task: str
    target: str
    main_metric: str
    notes: list = field(default_factory=list)
    predictions: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    @property
    def best(self) -> str:
        """Name of the best model."""
        if self.table.empty:
            raise DataError(f"no model finished on target '{self.target}'; see the failures table")
        return str(self.table.index[0])

    def to_html(self, *, top: int = 3, title: str | None = None) -> str:
        """The leaderboard as a self-contained HTML page (figures embedded as PNG)."""
        from synthlearn.learn.report import leaderboard_html

        return leaderboard_html(self, top=top, title=title)

    def write_html(self, path, **kwargs) -> None:
        """Write :meth:`to_html` to ``path`` atomically."""
        from synthlearn.data.io import atomic_write

        page = self.to_html(**kwargs)
        atomic_write(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))


def target_values(df: pd.DataFrame, schema: Schema, target: str, task: str) -> np.ndarray:
    """The target as labels (classification) or floats (regression); rows must have no missing target."""
    values = df[target]
    if task == "regression":
        from synthlearn.learn.preprocessing import prepare_frame

        return prepare_frame(df[[target]], {target: schema[target].value})[target].to_numpy(dtype=float)
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if pd.api.types.is_float_dtype(values) and np.all(values.to_numpy() == np.round(values.to_numpy())):
        return values.to_numpy().astype(np.int64)
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_integer_dtype(values):
        return values.to_numpy()
    return values.astype(object).to_numpy()


def check_supervised(df: pd.DataFrame, target: str, schema: Schema | None):
    """Validate a table and target; return ``(rows with a target, schema, task, notes)``."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if target not in df.columns:
        raise ColumnError(f"target '{target}' is not a column; choose one of {list(df.columns)}")
    schema = schema if schema is not None else infer_schema(df)
    if schema[target].value == "identifier":
        raise ColumnError(f"target '{target}' is an identifier (unique per row); choose a column to predict")
    notes = []
    missing = int(df[target].isna().sum())
    if missing:
        notes.append(f"{missing} row(s) with a missing '{target}' were left out")
        df = df[df[target].notna()].reset_index(drop=True)
    if df[target].nunique() < 2:
        shown = df[target].iloc[0] if len(df) else None
        raise DataError(f"target '{target}' has a single value ({shown!r}); a target needs at least two "
                        f"classes or values")
    if not [c for c in schema.modelled if c != target]:
        raise DataError(f"the table has no feature columns besides target '{target}'; add columns to learn from")
    return df, schema, task_of(df, schema, target), notes


def make_folds(y: np.ndarray, task: str, cv: int, random_state, notes: list) -> list:
    """The (train, test) index pairs every model uses: stratified when possible, else shuffled k-fold."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if not isinstance(cv, numbers.Integral) or isinstance(cv, bool) or cv < 2:
        raise InvalidParameterError(f"cv must be a whole number of folds >= 2, got {cv!r}")
    if cv > len(y):
        raise InvalidParameterError(f"cv={cv} folds need at least {cv} rows with a target, the table has {len(y)}; "
                                    f"lower cv")
    splitter = KFold(n_splits=cv, shuffle=True, random_state=random_state)
    if task == "classification":
        labels, counts = np.unique(y.astype(str), return_counts=True)
        if counts.min() < 2:
            rare = ", ".join(repr(v) for v in labels[counts < 2][:3])
            notes.append(f"class {rare} has a single row, so folds cannot be stratified; "
                         f"using shuffled (unstratified) k-fold instead")
        elif counts.max() < cv:
            notes.append(f"every class has fewer than cv={cv} rows; using shuffled (unstratified) k-fold")
        else:
            splitter = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(splitter.split(np.zeros(len(y)), y))


def score(task: str, y_true, y_pred, scores=None, classes=None) -> dict:
    """The task's metrics for one set of predictions (``scores``: class probabilities or decision values)."""
    from sklearn import metrics

    if task == "regression":
        return {"r2": float(metrics.r2_score(y_true, y_pred)),
                "rmse": float(math.sqrt(metrics.mean_squared_error(y_true, y_pred))),
                "mae": float(metrics.mean_absolute_error(y_true, y_pred))}
    out = {"accuracy": float(metrics.accuracy_score(y_true, y_pred)),
           "balanced_accuracy": float(metrics.balanced_accuracy_score(y_true, y_pred)),
           "f1_macro": float(metrics.f1_score(y_true, y_pred, average="macro")),
           "roc_auc": float("nan")}
    if scores is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if len(classes) == 2:
                    out["roc_auc"] = float(metrics.roc_auc_score(y_true == classes[1], scores[:, 1]))
                else:
                    present = np.isin(classes, y_true)
                    if present.sum() >= 2:
                        p = scores[:, present]
                        p = p / np.clip(p.sum(axis=1, keepdims=True), 1e-300, None)
                        out["roc_auc"] = float(metrics.roc_auc_score(y_true, p, multi_class="ovr",
                                                                      labels=classes[present]))
        except ValueError:
            pass
    return out


def class_scores(model, X, classes: np.ndarray) -> np.ndarray | None:
    """Per-class scores in ``classes`` order: probabilities, else decision values (missing classes → 0)."""
    fitted = list(model.classes_)
    if hasattr(model, "predict_proba"):
        raw = model.predict_proba(X)
    elif hasattr(model, "decision_function"):
        raw = model.decision_function(X)
        if raw.ndim == 1:
            raw = np.column_stack([-raw, raw])
    else:
        return None
    out = np.zeros((raw.shape[0], len(classes)))
    for j, c in enumerate(fitted):
        out[:, int(np.flatnonzero(classes == c)[0])] = raw[:, j]
    return out


def _run_fold(pipe, X, y, train_idx, test_idx, task, classes):
    from sklearn.base import clone

    model = clone(pipe)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        model.fit(X.iloc[train_idx], y[train_idx])
        t1 = time.perf_counter()
        pred = model.predict(X.iloc[test_idx])
        scores = class_scores(model, X.iloc[test_idx], classes) if task == "classification" else None
        t2 = time.perf_counter()
    return pred, scores, t1 - t0, t2 - t1


def _estimate(pipe, name, X, y, folds, task, classes) -> float:
    """Seconds the full cross-validation of ``pipe`` would take, extrapolated from a small pilot fit."""
    n = len(folds[0][0])
    m = min(n, 2000)
    if m >= n:
        return 0.0
    rng = np.random.default_rng(0)
    idx = rng.choice(len(y), size=m + m // 4, replace=False)
    train_idx, test_idx = idx[:m], idx[m:]
    _, _, fit_s, pred_s = _run_fold(pipe, X, y, train_idx, test_idx, task, classes)
    growth = _GROWTH.get(name, 1.0)
    per_fold = (fit_s + pred_s) * (n / m) ** growth
    return per_fold * len(folds)


def compare(df: pd.DataFrame, target: str, schema: Schema | None = None, models=None, *, cv: int = 5,
            holdout: float | None = 0.2, time_budget: float | None = None, n_jobs: int = 1, random_state=0,
            progress=None) -> Leaderboard:
    """Cross-validate every registered algorithm (or ``models``) on ``target`` and rank them.

    Parameters
    ----------
    df : DataFrame
        The table, target included.
    target : str
        Column to predict: categorical, boolean or few-valued integer →
        classification; other numbers → regression.
    schema : Schema, optional
        Column kinds (default: inferred).
    models : list of str, optional
        Registered names (default: every model for the task, cheapest first).
    cv : int, default=5
        Folds. Classification folds are stratified (``StratifiedKFold`` with
        shuffling); when a class has a single row they cannot be, so shuffled
        ``KFold`` is used and a note says so. Every model sees the same folds.
    holdout : float or None, default=0.2
        Fraction of rows kept aside (stratified when possible): each model is
        refitted on the rest and scored on it. None: cross-validate on every
        row and keep no holdout.
    time_budget : float, optional
        Seconds for the whole comparison. A model is skipped (and listed in
        ``skipped``) when the budget is spent before it starts, when a pilot
        fit on 2,000 rows predicts it would not finish in what is left, or
        when the budget runs out between its folds.
    n_jobs : int, default=1
        Folds run in parallel (joblib) when not 1.
    random_state : int, default=0
        Seeds the split, the folds and every model.
    progress : callable, optional
        Called with a short message before each model.

    Returns
    -------
    Leaderboard

    Examples
    --------
    >>> from synthlearn.data import load_dataset
    >>> from synthlearn.learn import compare
    >>> board = compare(load_dataset("penguins"), "species", models=["naive_bayes", "knn"], cv=3)
    >>> board.table.index.tolist()  # doctest: +SKIP
    ['knn', 'naive_bayes']
    """
    from sklearn.base import clone

    from synthlearn.data.split import holdout_split

    start = time.perf_counter()
    df, schema, task, notes = check_supervised(df, target, schema)
    names = list(model_names(task)) if models is None else [get_spec(m, task).name for m in models]
    if not names:
        raise InvalidParameterError("models is empty; give at least one model name or leave it out")
    if time_budget is not None and (not isinstance(time_budget, numbers.Real) or time_budget <= 0):
        raise InvalidParameterError(f"time_budget must be a positive number of seconds, got {time_budget!r}")
    test = None
    if holdout:
        train, test = holdout_split(df, schema=schema, target=target if task == "classification" else None,
                                    holdout=holdout, random_state=random_state)
    else:
        train = df
    features = [c for c in schema.modelled if c != target]
    X = train[features].reset_index(drop=True)
    y = target_values(train, schema, target, task)
    classes = np.unique(y) if task == "classification" else None
    folds = make_folds(y, task, cv, random_state, notes)
    metric_names = METRICS[task]
    rows, failures, skipped, predictions = [], [], [], {}
    for name in names:
        elapsed = time.perf_counter() - start
        if time_budget is not None and elapsed >= time_budget:
            skipped.append({"model": name, "reason": f"time budget of {time_budget:g}s spent before it started"})
            continue
        if progress:
            progress(f"{name}: {cv}-fold cross-validation")
        try:
            pipe = make_pipeline(name, schema, target, train, task=task, random_state=random_state)
            if time_budget is not None:
                need = _estimate(pipe, name, X, y, folds, task, classes) / max(1, min(abs(n_jobs), len(folds)))
                left = time_budget - (time.perf_counter() - start)
                if need > 0.9 * left:
                    skipped.append({"model": name, "reason": f"estimated {need:.0f}s for {cv} folds, "
                                                             f"{max(left, 0):.0f}s of the budget left"})
                    continue
            results = _cross_validate(pipe, X, y, folds, task, classes, n_jobs, start, time_budget)
            if results is None:
                skipped.append({"model": name, "reason": f"time budget of {time_budget:g}s ran out during its folds"})
                continue
            row = {"model": name}
            fold_scores = [score(task, y[te], pred, sc, classes) for (_, te), (pred, sc, _, _) in zip(folds, results)]
            for metric in metric_names:
                row[metric] = float(np.nanmean([s[metric] for s in fold_scores])) if not all(
                    np.isnan(s[metric]) for s in fold_scores) else float("nan")
            row[f"{metric_names[0]}_std"] = float(np.std([s[metric_names[0]] for s in fold_scores]))
            if test is not None:
                model = clone(pipe)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(X, y)
                    y_test = target_values(test, schema, target, task)
                    pred = model.predict(test[features])
                    sc = class_scores(model, test[features], classes) if task == "classification" else None
                for metric, value in score(task, y_test, pred, sc, classes).items():
                    row[f"holdout_{metric}"] = value
                predictions[name] = {"y_true": y_test, "y_pred": pred, "scores": sc, "classes": classes,
                                     "source": "holdout"}
            else:
                oof_pred = np.empty(len(y), dtype=object if task == "classification" else float)
                oof_sc = np.zeros((len(y), len(classes))) if task == "classification" else None
                have_sc = True
                for (_, te), (pred, sc, _, _) in zip(folds, results):
                    oof_pred[te] = pred
                    if oof_sc is not None:
                        if sc is None:
                            have_sc = False
                        else:
                            oof_sc[te] = sc
                if task == "classification":
                    oof_pred = oof_pred.astype(y.dtype) if y.dtype != object else oof_pred
                predictions[name] = {"y_true": y, "y_pred": oof_pred, "scores": oof_sc if have_sc else None,
                                     "classes": classes, "source": "out-of-fold"}
            row["fit_s"] = float(np.mean([r[2] for r in results]))
            row["predict_s"] = float(np.mean([r[3] for r in results]))
            rows.append(row)
        except Exception as exc:  # one failing model never stops the rest
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            failures.append({"model": name, "error": f"{type(exc).__name__}: {message}"})
    main = metric_names[0]
    table = pd.DataFrame(rows, columns=["model"] + list(metric_names) + [f"{main}_std"]
                         + ([f"holdout_{m}" for m in metric_names] if test is not None else [])
                         + ["fit_s", "predict_s"])
    table = table.set_index("model").sort_values(main, ascending=main in LOWER_IS_BETTER, na_position="last")
    meta = {"rows": len(df), "train_rows": len(train), "holdout_rows": 0 if test is None else len(test), "cv": cv,
            "seconds": time.perf_counter() - start, "time_budget": time_budget, "random_state": random_state}
    return Leaderboard(table=table, failures=pd.DataFrame(failures, columns=["model", "error"]),
                       skipped=pd.DataFrame(skipped, columns=["model", "reason"]), task=task, target=target,
                       main_metric=main, notes=notes, predictions=predictions, meta=meta)


def _cross_validate(pipe, X, y, folds, task, classes, n_jobs, start, time_budget):
    """Fit and predict every fold; None when the time budget runs out between folds."""
    if n_jobs != 1:
        from joblib import Parallel, delayed

        return Parallel(n_jobs=n_jobs)(delayed(_run_fold)(pipe, X, y, tr, te, task, classes) for tr, te in folds)
    results = []
    for i, (tr, te) in enumerate(folds):
        if time_budget is not None and i and time.perf_counter() - start > time_budget:
            return None
        results.append(_run_fold(pipe, X, y, tr, te, task, classes))
    return results
