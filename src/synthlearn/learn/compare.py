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

        return prepare_frame(df[[target]], {target: schema[target].value}, schema.formats)[target].to_numpy(dtype=float)
    if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
        # True/False read with a missing value stay object after those rows are dropped: make them bool again
        values = values.astype(object).infer_objects()
    if pd.api.types.is_float_dtype(values) and np.all(values.to_numpy() == np.round(values.to_numpy())):
        return values.to_numpy().astype(np.int64)
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_integer_dtype(values):
        return values.to_numpy()
    return values.astype(object).to_numpy()


def check_mixed_types(df: pd.DataFrame, schema: Schema, skip=()) -> None:
    """Refuse a text column whose values are mostly numbers: a typo or a mixed-type column, not categories."""
    for column in schema.columns_of("categorical"):
        values = df[column]
        if column in skip or not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        nonnull = values.dropna()
        numeric = pd.to_numeric(nonnull, errors="coerce").notna()
        if len(nonnull) and 0.5 <= numeric.mean() < 1:
            bad = nonnull[~numeric]
            raise DataError(f"column '{column}' mixes numbers and text (e.g. {bad.iloc[0]!r} in row {bad.index[0]}); "
                            f"fix the values, or declare it categorical (--categorical {column})")


def check_supervised(df: pd.DataFrame, target: str, schema: Schema | None):
    """Validate a table and target; return ``(rows with a target, schema, task, notes)``."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if target not in df.columns:
        raise ColumnError(f"target '{target}' is not a column; choose one of {list(df.columns)}")
    if schema is None:
        schema = infer_schema(df)
        check_mixed_types(df, schema)
    else:  # a schema given with the table: its columns must be there and read as their kinds (no inf)
        schema.validate(df, extra_columns=True)
    if schema[target].value == "identifier":
        raise ColumnError(f"target '{target}' is an identifier (unique per row); choose a column to predict")
    notes = []
    missing = int(df[target].isna().sum())
    if missing:
        notes.append(f"{missing} row(s) with a missing '{target}' were left out")
        df = df[df[target].notna()].reset_index(drop=True)
    if df[target].nunique() < 2:
        shown = df[target].head(1).tolist()[0] if len(df) else None  # a Python value: 5, not np.int64(5)
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
            rare = ", ".join(repr(v) for v in labels[counts < 2][:3].tolist())
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
    # from one confusion matrix, as scikit-learn defines them (labels: those in y_true or y_pred)
    labels, codes = np.unique(np.concatenate([np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)]),
                              return_inverse=True)
    k, n = len(labels), len(y_true)
    cm = np.bincount(codes[:n] * k + codes[n:], minlength=k * k).reshape(k, k).astype(float)
    tp, true_n, pred_n = np.diag(cm), cm.sum(axis=1), cm.sum(axis=0)
    out = {"accuracy": float(tp.sum() / n),
           "balanced_accuracy": float(np.mean(tp[true_n > 0] / true_n[true_n > 0])),
           "f1_macro": float(np.mean(np.divide(2 * tp, true_n + pred_n, out=np.zeros(k), where=true_n + pred_n > 0))),
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
    return _align(raw, fitted, classes)


def _align(raw: np.ndarray, fitted, classes: np.ndarray) -> np.ndarray:
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
        if task == "classification" and hasattr(model, "predict_proba"):
            # one pass: the prediction is the most probable class, as in every registered classifier
            proba = model.predict_proba(X.iloc[test_idx])
            pred = model.classes_[np.argmax(proba, axis=1)]
            scores = _align(proba, model.classes_, classes)
        else:
            pred = model.predict(X.iloc[test_idx])
            scores = class_scores(model, X.iloc[test_idx], classes) if task == "classification" else None
        t2 = time.perf_counter()
    return pred, scores, t1 - t0, t2 - t1


def _estimate(pipe, X, y, folds, task, classes, *, extra_fits: int = 0, left: float = float("inf")) -> float:
    """Seconds the full cross-validation of ``pipe`` would take, extrapolated from two pilot fits.

    Pilots on an 80th and a 10th of a fold's rows (500-2,000 and
    4,000-16,000 rows; test sets a quarter of that) give the growth
    exponent (clipped to [1, 2.2]) used to extrapolate to a fold's size.
    When the first pilot alone (linear growth, a lower bound) says more than
    ``left`` seconds, the second is not run.
    """
    n = len(folds[0][0])
    if n <= 10_000:
        return 0.0  # small tables: just run
    rng = np.random.default_rng(0)
    sizes = (int(np.clip(n // 80, 500, 2000)), int(np.clip(n // 10, 4000, 16000)))
    times = []
    for m in sizes:
        idx = rng.choice(len(y), size=m + m // 4, replace=False)
        _, _, fit_s, pred_s = _run_fold(pipe, X, y, idx[:m], idx[m:], task, classes)
        times.append(fit_s + pred_s)
        lower = times[0] * (n / sizes[0]) * (len(folds) + extra_fits)
        if lower > left:
            return lower
    growth = float(np.clip(np.log(max(times[1], 1e-6) / max(times[0], 1e-6)) / np.log(sizes[1] / sizes[0]),
                           1.0, 2.2))
    return times[1] * (n / sizes[1]) ** growth * (len(folds) + extra_fits)


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
        ``skipped``) when the budget is spent before it starts, when pilot
        fits on small samples predict it would not finish in what is
        left (folds over 10,000 rows), or when, between its folds, the time
        its folds have taken says the next one would not end in time (a
        started fold is never interrupted).
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
    names = list(model_names(task)) if models is None else list(dict.fromkeys(get_spec(m, task).name for m in models))
    if not names:
        raise InvalidParameterError("models is empty; give at least one model name or leave it out")
    if time_budget is not None and (not isinstance(time_budget, numbers.Real) or time_budget <= 0):
        raise InvalidParameterError(f"time_budget must be a positive number of seconds, got {time_budget!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
        raise InvalidParameterError(f"n_jobs must be a whole number of parallel workers other than 0 (1: none, "
                                    f"-1: every core), got {n_jobs!r}")
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
    if test is not None and isinstance(cv, numbers.Integral) and cv > len(y):
        raise InvalidParameterError(f"cv={cv} folds need at least {cv} rows to train on; the {len(df)} rows with a "
                                    f"target less the {len(test)} kept by holdout={holdout:g} leave {len(y)}; "
                                    f"lower cv or holdout")
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
                workers = max(1, min(abs(n_jobs), len(folds)))
                left = time_budget - (time.perf_counter() - start)
                need = _estimate(pipe, X, y, folds, task, classes, extra_fits=int(test is not None),
                                 left=0.9 * left * workers) / workers
                left = time_budget - (time.perf_counter() - start)
                if need > 0.9 * left:
                    skipped.append({"model": name, "reason": f"estimated {need:.0f}s for {cv} folds, "
                                                             f"{max(left, 0):.0f}s of the budget left"})
                    continue
            results = _cross_validate(pipe, X, y, folds, task, classes, n_jobs, start, time_budget)
            if results is None:
                skipped.append({"model": name,
                                "reason": f"time budget of {time_budget:g}s would run out during its folds"})
                continue
            row = {"model": name}
            fold_scores = [score(task, y[te], pred, sc, classes) for (_, te), (pred, sc, _, _) in zip(folds, results)]
            for metric in metric_names:
                row[metric] = float(np.nanmean([s[metric] for s in fold_scores])) if not all(
                    np.isnan(s[metric]) for s in fold_scores) else float("nan")
            row[f"{metric_names[0]}_std"] = float(np.std([s[metric_names[0]] for s in fold_scores]))
            if test is not None:
                per_fold = np.mean([r[2] + r[3] for r in results])
                if time_budget is not None and time.perf_counter() - start + per_fold > time_budget:
                    skipped.append({"model": name, "reason": f"time budget of {time_budget:g}s would run out "
                                                             f"during its holdout fit"})
                    continue
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
    for tr, te in folds:
        if time_budget is not None and results:
            per_fold = np.mean([r[2] + r[3] for r in results])
            if time.perf_counter() - start + per_fold > time_budget:
                return None  # the next fold would not end in time
        results.append(_run_fold(pipe, X, y, tr, te, task, classes))
    return results
