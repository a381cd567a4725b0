"""Preprocessing built from the schema: the same table, ready for scikit-learn.

The result is an ordinary, inspectable scikit-learn ``Pipeline``: a first
step that puts every column in the representation its kind calls for
(categories as strings with missing as its own label, datetimes as seconds,
identifiers dropped), then a ``ColumnTransformer`` that imputes and scales
numbers and one-hot encodes categories. Options used by :mod:`synthlearn.learn`
add ordinal codes for high-cardinality categories, calendar parts for
datetimes, and an unimputed, unscaled layout for naive Bayes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler

from synthlearn.data.dates import parse_datetimes
from synthlearn.data.schema import ColumnKind, Schema

MISSING_LABEL = "(missing)"


def prepare_frame(df: pd.DataFrame, kinds: dict[str, str], formats: dict[str, str] | None = None) -> pd.DataFrame:
    """Columns of ``df`` named in ``kinds``, each in its kind's plain form.

    Numbers become float, datetimes float seconds since the epoch, booleans
    and categories strings (:func:`category_text`, missing as ``"(missing)"``);
    identifiers are dropped. Date text is read with its column's format in
    ``formats`` (the schema's, :attr:`Schema.formats`), else value by value.
    """
    kinds = {column: ColumnKind(kind) for column, kind in kinds.items()}
    # numbers already stored as numbers: one vectorised conversion (wide tables call this per fold)
    dtypes = df.dtypes
    fast = [c for c, k in kinds.items() if k in (ColumnKind.NUMERIC, ColumnKind.INTEGER)
            and pd.api.types.is_numeric_dtype(dtypes[c])]
    block = pd.DataFrame(df[fast].to_numpy(dtype=float, na_value=np.nan), columns=fast, index=df.index)
    done = set(fast)
    out = {}
    for column, kind in kinds.items():
        if kind is ColumnKind.IDENTIFIER or column in done:
            continue
        values = df[column]
        if kind is ColumnKind.DATETIME:
            dt = values if pd.api.types.is_datetime64_any_dtype(values) else parse_datetimes(
                values, {"format": formats[column], "exact": True} if formats and column in formats else None)
            if dt.dt.tz is not None:
                dt = dt.dt.tz_convert("UTC").dt.tz_localize(None)
            secs = dt.astype("datetime64[ns]").to_numpy().astype("int64") / 1e9
            secs[dt.isna().to_numpy()] = np.nan
            out[column] = secs
        elif kind.is_numeric:
            out[column] = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
        else:
            out[column] = category_text(values).fillna(MISSING_LABEL).to_numpy(dtype=object)
    if not out:
        return block
    order = [c for c, k in kinds.items() if k is not ColumnKind.IDENTIFIER]
    return pd.concat([block, pd.DataFrame(out, index=df.index)], axis=1)[order]


def category_text(values: pd.Series) -> pd.Series:
    """Categories as text compared by value: 2007, 2007.0 and "2007" all read "2007"; missing stays missing.

    A number column read with a missing value holds floats, so its categories
    must not depend on whether training or new rows had a gap.
    """
    def text(v):
        return str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer() else str(v)

    codes, uniques = pd.factorize(values)  # each distinct value converted once: wide tables call this per fold
    texts = np.array([text(v) for v in uniques] + [np.nan], dtype=object)
    return pd.Series(texts[codes], index=values.index, dtype=object)  # code -1 (missing) picks the NaN


def datetime_parts(seconds) -> np.ndarray:
    """Seconds since the epoch → [seconds, year, month, day of week, hour] per column (NaN kept)."""
    seconds = np.asarray(seconds, dtype=float)
    parts = []
    for j in range(seconds.shape[1]):
        col = seconds[:, j]
        stamp = pd.to_datetime(pd.Series(col * 1e9), unit="ns", errors="coerce")
        parts += [col, stamp.dt.year.to_numpy(float), stamp.dt.month.to_numpy(float),
                  stamp.dt.day_of_week.to_numpy(float), stamp.dt.hour.to_numpy(float)]
    return np.column_stack(parts) if parts else np.empty((seconds.shape[0], 0))


def make_preprocessor(schema: Schema, features: list[str] | None = None, *, scale: bool = True,
                      ordinal: list[str] | None = None, expand_datetimes: bool = False,
                      layout: str = "onehot", missing_indicators: bool = True) -> Pipeline:
    """A scikit-learn pipeline turning the schema's columns into a numeric matrix.

    Parameters
    ----------
    schema : Schema
        Column kinds.
    features : list of str, optional
        Columns to use (default: every column of the schema but identifiers).
    scale : bool, default=True
        Standardise numeric columns (linear models, SVMs, KNN and MLPs need
        it; trees do not).
    ordinal : list of str, optional
        Categorical columns to encode as one integer code each instead of
        one-hot (high-cardinality columns); a category unseen in training
        gets code -1.
    expand_datetimes : bool, default=False
        Add year, month, day of week and hour next to the seconds of every
        datetime column.
    missing_indicators : bool, default=True
        Add a 0/1 column per numeric column that had missing values in
        training (clustering and PCA turn this off: a rare, scaled indicator
        would dominate the distances).
    layout : {"onehot", "naive_bayes"}, default="onehot"
        ``"naive_bayes"``: numbers passed through with their missing values
        (no imputation, no scaling) followed by every category as an ordinal
        code (NaN for a category unseen in training), the layout
        :class:`~synthlearn.learn.MixedNaiveBayes` reads; the categorical
        columns are the last ``len(discrete)`` outputs.

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``prepare`` (:func:`prepare_frame`) then ``encode`` (a ColumnTransformer).
    """
    features = [c for c in (features if features is not None else schema.columns) if schema[c] is not ColumnKind.IDENTIFIER]
    kinds = {c: schema[c].value for c in features}
    numeric = [c for c in features if schema[c].is_numeric]
    discrete = [c for c in features if schema[c].is_discrete]
    formats = {c: schema.formats[c] for c in features if c in schema.formats}
    prepare = FunctionTransformer(prepare_frame, kw_args={"kinds": kinds, **({"formats": formats} if formats else {})})
    if layout == "naive_bayes":
        encode = ColumnTransformer(
            [
                ("numeric", "passthrough", numeric),
                ("categorical", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan), discrete),
            ],
            remainder="drop",
        )
        return Pipeline([("prepare", prepare), ("encode", encode)])
    ordinal = [c for c in (ordinal or []) if c in discrete]
    onehot = [c for c in discrete if c not in ordinal]
    dates = [c for c in numeric if schema[c] is ColumnKind.DATETIME] if expand_datetimes else []
    numbers = [c for c in numeric if c not in dates]

    def numeric_steps():
        steps = [SimpleImputer(strategy="median", add_indicator=missing_indicators, keep_empty_features=True)]
        if scale:
            steps.append(StandardScaler())
        return steps

    if numbers and not dates and not discrete:
        # numbers only: the same matrix without the ColumnTransformer's per-call overhead
        return Pipeline([("prepare", prepare), ("encode", make_pipeline(*numeric_steps()))])
    parts = [("numeric", make_pipeline(*numeric_steps()), numbers)]
    if dates:
        parts.append(("datetime", make_pipeline(FunctionTransformer(datetime_parts), *numeric_steps()), dates))
    parts.append(("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), onehot))
    if ordinal:
        parts.append(("ordinal", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ordinal))
    encode = ColumnTransformer(parts, remainder="drop")
    return Pipeline([("prepare", prepare), ("encode", encode)])
