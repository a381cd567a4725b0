"""Splitting a real table into the rows a synthesizer learns from and a holdout it never sees."""

from __future__ import annotations

import math
import numbers

import pandas as pd

from synthlearn.data.io import check_seed
from synthlearn.data.schema import ColumnKind, Schema
from synthlearn.errors import ColumnError, DataError, InvalidParameterError

MIN_TRAIN_ROWS = 2  # what a synthesizer needs to learn from; fewer would fail later, naming a smaller table


def holdout_split(df: pd.DataFrame, *, schema: Schema, target: str | None = None, holdout: float = 0.3,
                  random_state=0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``df`` into (train, holdout), stratified on a discrete ``target``.

    The same ``df``, ``target``, ``holdout`` and ``random_state`` always give
    the same split, so ``synthlearn evaluate`` can rebuild the holdout that
    ``synthlearn synthesize`` kept aside.

    Parameters
    ----------
    df : DataFrame
    schema : Schema
    target : str, optional
        Stratify on this column when it is categorical or boolean, every
        class has at least 2 rows and both parts can hold a row of each class.
    holdout : float, default=0.3
        Fraction of rows held out, in (0, 1); at least 2 rows must be left to train on.
    random_state : int, default=0
    """
    from sklearn.model_selection import train_test_split

    if not isinstance(holdout, numbers.Real) or not 0 < holdout < 1:
        raise InvalidParameterError(f"holdout fraction must be between 0 and 1 (exclusive), got {holdout!r}")
    check_seed(random_state)
    if len(df) < 4:
        raise DataError(f"the table has {len(df)} rows; at least 4 are needed to keep a holdout")
    _check_training_rows(len(df), holdout)
    stratify = None
    if target is not None:
        if target not in df.columns:
            raise ColumnError(f"target '{target}' is not a column; choose one of {list(df.columns)}")
        if schema[target] in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
            labels = df[target].astype(object).where(df[target].notna(), "(missing)")
            counts, n_test = labels.value_counts(), math.ceil(holdout * len(df))  # scikit-learn's rounding
            if counts.min() >= 2 and min(n_test, len(df) - n_test) >= len(counts):
                stratify = labels
    train, rest = train_test_split(df, test_size=holdout, random_state=random_state, stratify=stratify)
    return train.reset_index(drop=True), rest.reset_index(drop=True)


def _check_training_rows(n: int, holdout: float) -> None:
    """Raise unless ``holdout`` of ``n`` rows leaves ``MIN_TRAIN_ROWS`` to train on, naming the largest fraction
    that does. The holdout is ``ceil(holdout * n)`` rows (scikit-learn's rounding), so it is never empty."""
    n_test = math.ceil(holdout * n)
    if n - n_test >= MIN_TRAIN_ROWS:
        return
    largest = math.floor((n - MIN_TRAIN_ROWS) / n * 1000) / 1000  # shown to 3 decimals, rounded down so it works
    while n - math.ceil(largest * n) < MIN_TRAIN_ROWS:  # floating-point error in the product
        largest = round(largest - 0.001, 3)
    raise InvalidParameterError(f"holdout fraction {holdout:g} keeps {n_test} of the table's {n} rows aside, "
                                f"leaving {n - n_test} to train on (at least {MIN_TRAIN_ROWS} are needed); choose a "
                                f"fraction of at most {largest:g}")


def split_record(schema: Schema, target: str | None, holdout: float, random_state: int,
                 df: pd.DataFrame | None = None) -> dict:
    """What rebuilds a :func:`holdout_split`, for ``report.json``: seed, fraction and the column stratified on,
    and with ``df`` the table split (``rows`` and its :func:`table_fingerprint`), so that a rebuild on another
    table can be told apart.

    ``stratify`` is the target when its kind is one :func:`holdout_split` stratifies on, else None.
    """
    stratify = target if target is not None and schema[target] in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN) else None
    record = {"seed": random_state, "holdout_fraction": holdout, "stratify": stratify}
    if df is not None:
        record.update(rows=len(df), fingerprint=table_fingerprint(df))
    return record


def table_fingerprint(df: pd.DataFrame) -> str:
    """A short hash of ``df``'s values as text, row by row in order (the split depends on the order); a table
    read back from a file it was written to gives the same one, whatever dtypes the reader chose."""
    import hashlib

    text = df.astype(object).where(df.notna(), "").astype(str)
    rows = pd.util.hash_pandas_object(text, index=False).to_numpy()
    return hashlib.sha256(rows.tobytes()).hexdigest()[:16]
