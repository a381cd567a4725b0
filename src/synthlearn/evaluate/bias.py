"""Bias: does the synthetic table, or a model trained on it, widen the gaps between sensitive groups?

Given a target and sensitive columns (categorical columns group the rows by
label, missing as its own group; numeric, integer and datetime columns with at
most 10 distinct real values by value, others by the real quartiles, ``bins``
quantile bins; where the quantiles collapse onto one value, as in a mostly-zero column,
that value against the rest), two checks per sensitive column:

- **In the data** (demographic parity, Dwork et al. 2012; Feldman et al.
  2015): the rate of each target class within each group. The *parity gap*
  is the largest difference between two groups' rates of any one class,
  ``max_c (max_g P(y=c | g) − min_g P(y=c | g))`` (fairlearn's
  ``demographic_parity_difference``, taken over every class).
  ``amplification`` = synthetic gap − real gap: above 0 the synthetic table
  exaggerates the difference between groups, below 0 it washes it out. The
  holdout's gap shows how much two real samples differ by chance
  (``amplification_holdout``). A numeric target compares group means, the gap
  being the range of the group means in standard deviations of the real
  target.
- **In a model** (accuracy parity and equalized odds, Hardt, Price & Srebro
  2016): the utility check's random forest trained on the real rows and the
  one trained on the synthetic rows, both scored on the real holdout, per
  group. ``accuracy_gap`` is the range of the group accuracies;
  ``equalized_odds`` the largest range over groups of a true- or
  false-positive rate, one class against the rest (fairlearn's
  ``equalized_odds_difference``, taken over every class). A numeric target
  uses the group mean absolute errors (their range in standard deviations of
  the real target). ``*_amplification`` = synthetic-trained − real-trained.

Groups are those of the real training rows. A group with fewer than
``MIN_GROUP_ROWS`` (10) rows in a table (for the models: holdout rows) is
listed in the per-group tables but left out of that table's gaps: its rates
are noise, and a gap is a maximum, which noise inflates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthlearn.data.schema import ColumnKind, Schema
from synthlearn.errors import ColumnError, InvalidParameterError
from synthlearn.learn.preprocessing import prepare_frame

BINS = 4
MIN_GROUP_ROWS = 10
VALUE_GROUPS = 10  # a numeric sensitive column with at most this many distinct values is grouped by value


def check_sensitive(schema: Schema, sensitive, target: str | None) -> list[str]:
    """The sensitive columns as a list; one-line errors for unknown ones, the target, identifiers, or no target."""
    if sensitive is None:
        return []
    if isinstance(sensitive, str):
        sensitive = [sensitive]
    sensitive = list(dict.fromkeys(sensitive))
    for column in sensitive:
        if column not in schema:
            raise ColumnError(f"sensitive column '{column}' is not a column; choose one of {schema.columns}")
        if column == target:
            raise ColumnError(f"sensitive column '{column}' is the target; choose a column other than the target")
        if schema[column] is ColumnKind.IDENTIFIER:
            raise ColumnError(f"sensitive column '{column}' is an identifier (unique per row); choose a column "
                              f"that groups rows")
    if sensitive and target is None:
        raise InvalidParameterError(f"sensitive columns {sensitive} need a target: the bias check compares the "
                                    f"target's rates per group; give a target")
    return sensitive


class Grouping:
    """Assigns rows to the groups of one sensitive column, as found in the real rows."""

    def __init__(self, real: pd.DataFrame, schema: Schema, column: str, bins: int = BINS):
        self.column, self.kind = column, schema[column]
        if self.kind.is_numeric and real[column].nunique(dropna=True) <= VALUE_GROUPS:
            self.kind = ColumnKind.CATEGORICAL  # few values: each is a group (labels as categories read them)
        if self.kind.is_numeric:
            values = self._values(real)
            # "higher": the quantile rounded up to a real value, which groups the rows as the interpolated one
            # does (nothing lies between them) and reads as a value of the column (a date, a whole number)
            edges = np.unique(np.nanquantile(values, np.linspace(0, 1, bins + 1), method="higher")) \
                if np.isfinite(values).any() else np.array([0.0])
            if len(edges) <= 2:  # the quantiles collapsed onto one value (mostly zeros): that value against the rest
                distinct, counts = np.unique(values[np.isfinite(values)], return_counts=True)
                if len(distinct) > 1:
                    mode = distinct[np.argmax(counts)]
                    cut = distinct[distinct > mode][0] if mode < distinct[-1] else mode
                    edges = np.array([distinct[0], cut, distinct[-1]])
            self.edges = np.r_[-np.inf, edges[1:-1], np.inf] if len(edges) > 2 else np.array([-np.inf, np.inf])
            self.labels = _bin_labels(self.edges[1:-1], datetime=self.kind is ColumnKind.DATETIME)

    def _values(self, df):
        return prepare_frame(df[[self.column]], {self.column: self.kind.value})[self.column].to_numpy(dtype=float)

    def groups(self, df: pd.DataFrame) -> np.ndarray:
        if not self.kind.is_numeric:
            return prepare_frame(df[[self.column]], {self.column: self.kind.value})[self.column].to_numpy(dtype=object)
        values = self._values(df)
        codes = np.searchsorted(self.edges, values, side="right") - 1
        out = np.array(self.labels, dtype=object)[np.clip(codes, 0, len(self.labels) - 1)]
        out[np.isnan(values)] = "(missing)"
        return out


def _bin_labels(cuts: np.ndarray, *, datetime: bool = False) -> list[str]:
    """Labels of the bins that the increasing ``cuts`` make: ``< a``, ``[a, b)``, ..., ``≥ z``; ``all`` for none."""
    if len(cuts) == 0:
        return ["all"]
    texts = _edge_texts(cuts, datetime)
    return ([f"< {texts[0]}"] + [f"[{lo}, {hi})" for lo, hi in zip(texts[:-1], texts[1:])]
            + [f"≥ {texts[-1]}"])


def _edge_texts(cuts: np.ndarray, datetime: bool) -> list[str]:
    """``cuts`` as text with just enough precision that no two read alike (bins sharing a label would merge
    in the report): numbers with the fewest significant digits from 4 (or all of their whole part: 45000,
    not 4.5e+04); datetimes (seconds since the epoch) as dates when every cut is at midnight, else with the
    time to the minute, second or microsecond."""
    if datetime:
        stamps = pd.to_datetime(np.round(cuts * 1e6).astype(np.int64), unit="us")  # float seconds: round off noise
        if (stamps == stamps.normalize()).all():
            return list(stamps.strftime("%Y-%m-%d"))
        forms = ([*stamps.strftime(f)] for f in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"))
    else:
        largest = float(np.max(np.abs(cuts)))
        whole = int(np.floor(np.log10(largest))) + 1 if largest >= 1 else 0
        forms = ([f"{v:.{p}g}" for v in cuts] for p in range(min(max(4, whole), 17), 18))
    for texts in forms:
        if len(set(texts)) == len(texts):
            break
    return texts  # the last form is exact (17 digits, microseconds): distinct cuts read apart


def _target(df: pd.DataFrame, schema: Schema, target: str, task: str) -> np.ndarray:
    kind = ColumnKind.CATEGORICAL.value if task == "classification" else schema[target].value
    y = prepare_frame(df[[target]], {target: kind})[target]
    return y.to_numpy(dtype=object if task == "classification" else float)


def group_rates(df: pd.DataFrame, grouping: Grouping, schema: Schema, target: str, task: str,
                classes: list) -> pd.DataFrame:
    """Rows per group and the rate of each class (or the target mean) within it: index group, columns classes."""
    g, y = grouping.groups(df), _target(df, schema, target, task)
    if task == "classification":
        known = y != "(missing)"
        table = pd.crosstab(pd.Series(g[known], name="group"), pd.Series(y[known], name="class"))
        table = table.reindex(columns=classes, fill_value=0)
        rows = table.sum(axis=1)
        rates = table.div(rows.where(rows > 0), axis=0)
    else:
        known = ~np.isnan(y)
        frame = pd.DataFrame({"group": g[known], "y": y[known]})
        by = frame.groupby("group")["y"]
        rows, rates = by.size(), by.mean().to_frame("mean")
    rates.insert(0, "rows", rows)
    return rates


def parity_gap(rates: pd.DataFrame, scale: float = 1.0, real_rows: pd.Series | None = None) -> float:
    """Largest difference between two groups' rates of any one class (or means, divided by ``scale``).

    Only groups with at least ``MIN_GROUP_ROWS`` rows count (in ``real_rows`` too, when given).
    """
    values = rates.drop(columns="rows")
    keep = rates["rows"].fillna(0) >= MIN_GROUP_ROWS
    if real_rows is not None:
        keep &= real_rows.reindex(rates.index).fillna(0) >= MIN_GROUP_ROWS
    values = values[keep]
    if len(values) < 2:
        return float("nan")
    return float((values.max() - values.min()).max() / scale)


def model_gaps(groups: np.ndarray, y_true: np.ndarray, pred: np.ndarray, task: str, scale: float = 1.0) -> dict:
    """Per-group accuracy (or MAE) of one model's predictions, and the accuracy and equalized-odds gaps."""
    labels = [g for g in pd.unique(groups) if np.sum(groups == g) >= MIN_GROUP_ROWS]
    if task == "classification":
        kept = [float(np.mean(pred[groups == g] == y_true[groups == g])) for g in labels]
        gap = float(max(kept) - min(kept)) if len(kept) > 1 else float("nan")
        odds = []
        for c in np.unique(y_true):
            for truth in (True, False):  # true-positive rate, then false-positive rate
                rates = [np.mean(pred[m] == c) for g in labels
                         if (m := (groups == g) & ((y_true == c) == truth)).any()]
                if len(rates) > 1:
                    odds.append(max(rates) - min(rates))
        per = {g: float(np.mean(pred[groups == g] == y_true[groups == g])) for g in pd.unique(groups)}
        return {"per_group": per, "accuracy_gap": gap, "equalized_odds": float(max(odds)) if odds else float("nan")}
    per = {g: float(np.mean(np.abs(pred[groups == g] - y_true[groups == g]))) for g in pd.unique(groups)}
    kept = [per[g] for g in labels]
    gap = float(max(kept) - min(kept)) / scale if len(kept) > 1 else float("nan")
    return {"per_group": per, "error_gap": gap}


def bias(train: pd.DataFrame, tables: dict[str, pd.DataFrame], schema: Schema, target: str, sensitive: list[str],
         task: str, *, holdout: pd.DataFrame | None = None, predictions: dict | None = None,
         bins: int = BINS) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The bias figures of each table against the real ``train`` rows.

    Parameters
    ----------
    train : DataFrame
        The real training rows (the reference rates).
    tables : dict of str to DataFrame
        Tables to compare, by name (``"synthetic"`` is the one amplification is reported for).
    schema : Schema
    target : str
    sensitive : list of str
    task : {"classification", "regression"}
    holdout : DataFrame, optional
        The real holdout the ``predictions`` were made on.
    predictions : dict, optional
        From :func:`~synthlearn.evaluate.utility`'s ``predictions``: the holdout
        rows scored, their true target, and each model's predictions.
    bins : int, default=4
        Quantile bins of a numeric sensitive column.

    Returns
    -------
    summary : DataFrame
        One row per sensitive column: ``parity_gap_real`` and ``parity_gap_<table>``,
        ``amplification`` (synthetic − real), ``amplification_holdout``, and the
        model gaps when ``predictions`` are given.
    groups : DataFrame
        One row per (column, group, class): ``rows_real``, ``real`` and each table's rate.
    model : DataFrame
        One row per (column, group): holdout rows and each model's accuracy (or MAE).
    """
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
        raise InvalidParameterError(f"bins must be a whole number ≥ 2, got {bins!r}; e.g. bins=4")
    classes = []
    if task == "classification":
        y = _target(train, schema, target, task)
        classes = sorted(set(y[y != "(missing)"]), key=str)
    scale = 1.0
    if task != "classification":
        y = _target(train, schema, target, task)
        y = y[~np.isnan(y)]
        # a constant target (every value 0.1) has a std of rounding error, not 0: max == min tells
        scale = float(np.std(y)) if y.size and np.ptp(y) > 0 else 1.0
    summaries, group_rows, model_rows = [], [], []
    for column in sensitive:
        grouping = Grouping(train, schema, column, bins)
        real = group_rates(train, grouping, schema, target, task, classes)
        rates = {name: group_rates(df, grouping, schema, target, task, classes).reindex(real.index)
                 for name, df in tables.items()}
        row = {"column": column, "metric": "parity_gap" if task == "classification" else "mean_gap",
               "groups": len(real), "parity_gap_real": parity_gap(real, scale)}
        for name, r in rates.items():
            row[f"parity_gap_{name}"] = parity_gap(r, scale, real["rows"])
        for name in ("synthetic", "holdout"):
            if name in rates:
                suffix = "" if name == "synthetic" else f"_{name}"
                row[f"amplification{suffix}"] = row[f"parity_gap_{name}"] - row["parity_gap_real"]
        for group in real.index:
            for value in real.columns.drop("rows"):
                entry = {"column": column, "group": str(group), "class": str(value),
                         "rows_real": int(real.loc[group, "rows"]), "real": float(real.loc[group, value])}
                for name, r in rates.items():
                    entry[name] = float(r.loc[group, value])
                    entry[f"rows_{name}"] = int(np.nan_to_num(r.loc[group, "rows"]))
                group_rows.append(entry)
        if predictions is not None and holdout is not None:
            groups = grouping.groups(holdout.loc[predictions["index"]])
            fitted = {name: model_gaps(groups, predictions["y_true"], pred, task, scale)
                      for name, pred in predictions["models"].items()}
            key = "accuracy" if task == "classification" else "mae"
            for metric in ("accuracy_gap", "equalized_odds") if task == "classification" else ("error_gap",):
                for name, fit in fitted.items():
                    row[f"{metric}_{name}_model"] = fit[metric]
                if {"real", "synthetic"} <= set(fitted):
                    row[f"{metric}_amplification"] = fitted["synthetic"][metric] - fitted["real"][metric]
            for group in pd.unique(groups):
                entry = {"column": column, "group": str(group), "rows_holdout": int(np.sum(groups == group))}
                for name, fit in fitted.items():
                    entry[f"{key}_{name}_model"] = fit["per_group"][group]
                model_rows.append(entry)
        summaries.append(row)
    return pd.DataFrame(summaries), pd.DataFrame(group_rows), pd.DataFrame(model_rows)
