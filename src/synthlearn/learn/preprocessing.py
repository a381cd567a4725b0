"""Preprocessing built from the schema: the same table, ready for scikit-learn.

The result is an ordinary, inspectable scikit-learn ``Pipeline``: a first
step that puts every column in the representation its kind calls for
(categories as strings with missing as its own label, datetimes as seconds,
identifiers dropped), then a ``ColumnTransformer`` that imputes and scales
numbers and one-hot encodes categories.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from synthlearn.data.schema import ColumnKind, Schema

MISSING_LABEL = "(missing)"


def prepare_frame(df: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """Columns of ``df`` named in ``kinds``, each in its kind's plain form.

    Numbers become float, datetimes float seconds since the epoch, booleans
    and categories strings (missing as ``"(missing)"``); identifiers are
    dropped.
    """
    out = {}
    for column, kind in kinds.items():
        kind = ColumnKind(kind)
        values = df[column]
        if kind is ColumnKind.IDENTIFIER:
            continue
        if kind is ColumnKind.DATETIME:
            dt = pd.to_datetime(values, format="mixed") if not pd.api.types.is_datetime64_any_dtype(values) else values
            if dt.dt.tz is not None:
                dt = dt.dt.tz_convert("UTC").dt.tz_localize(None)
            secs = dt.astype("datetime64[ns]").to_numpy().astype("int64") / 1e9
            secs[dt.isna().to_numpy()] = np.nan
            out[column] = secs
        elif kind.is_numeric:
            out[column] = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
        else:
            text = values.astype(object).where(values.notna(), MISSING_LABEL).astype(str)
            out[column] = text.to_numpy(dtype=object)
    return pd.DataFrame(out, index=df.index)


def make_preprocessor(schema: Schema, features: list[str] | None = None, *, scale: bool = True) -> Pipeline:
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

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``prepare`` (:func:`prepare_frame`) then ``encode`` (a ColumnTransformer).
    """
    features = [c for c in (features if features is not None else schema.columns) if schema[c] is not ColumnKind.IDENTIFIER]
    kinds = {c: schema[c].value for c in features}
    numeric = [c for c in features if schema[c].is_numeric]
    discrete = [c for c in features if schema[c].is_discrete]
    num_steps = [SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)]
    if scale:
        num_steps.append(StandardScaler())
    encode = ColumnTransformer(
        [
            ("numeric", make_pipeline(*num_steps), numeric),
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), discrete),
        ],
        remainder="drop",
    )
    prepare = FunctionTransformer(prepare_frame, kw_args={"kinds": kinds})
    return Pipeline([("prepare", prepare), ("encode", encode)])
