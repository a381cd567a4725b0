"""Reading and writing tables: CSV and Parquet, chosen by file extension.

Writes are atomic: the table goes to a temporary file beside the target and is
renamed over it only once complete, so an interrupted run never leaves a
half-written file. A write never replaces the file it was read from.
"""

from __future__ import annotations

import csv
import numbers
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from synthlearn.atomic import atomic_write
from synthlearn.errors import DataError, FileFormatError, InvalidParameterError

#: File extensions synthlearn reads and writes, mapped to their format.
TABLE_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def table_format(path: str | os.PathLike) -> str:
    """Return ``"csv"`` or ``"parquet"`` for ``path``, from its extension.

    Raises
    ------
    FileFormatError
        If the extension is not one of :data:`TABLE_FORMATS`.
    """
    suffix = Path(path).suffix.lower()
    try:
        return TABLE_FORMATS[suffix]
    except KeyError:
        raise FileFormatError(
            f"unsupported table extension {suffix or '(none)'!r} in '{path}': "
            f"use one of {', '.join(TABLE_FORMATS)}"
        ) from None


def check_n_rows(n, name: str = "n") -> int:
    """Validate a requested row count: a positive integer (``name`` is the parameter named in the error)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise InvalidParameterError(f"{name} must be a positive integer, got {n!r}")
    if n <= 0:
        raise InvalidParameterError(f"{name} must be a positive integer, got {n}; ask for at least 1 row")
    return int(n)


#: The largest seed scikit-learn takes (numpy's take any non-negative integer).
MAX_SEED = 2**32 - 1


def check_seed(seed, name: str = "random_state", *, maximum: int | None = MAX_SEED, generator: bool = False):
    """Validate a seed: None or an integer in [0, ``maximum``] (a numpy Generator too, with ``generator``)."""
    if seed is None or (generator and isinstance(seed, np.random.Generator)):
        return seed
    valid = isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and 0 <= seed
    if not valid or (maximum is not None and seed > maximum):
        kinds = "an integer" + (f" from 0 to {maximum:,}" if maximum is not None else " >= 0")
        if not name.startswith("--"):  # a Python parameter
            kinds += ", a numpy Generator or None" if generator else " or None"
        raise InvalidParameterError(f"{name} must be {kinds}, got {seed!r}")
    return seed


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV or Parquet table, refusing files synthlearn cannot use.

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.parquet`` or ``.pq`` file.

    Returns
    -------
    pandas.DataFrame
        A CSV column of whole numbers written with leading zeros (zip codes such as 00501) is text, as
        written, not numbers.

    Raises
    ------
    FileFormatError
        Missing file, unsupported extension or unreadable content.
    DataError
        Empty file, header without rows, or duplicate column names.

    Examples
    --------
    >>> from synthlearn.data import read_table  # doctest: +SKIP
    >>> df = read_table("penguins.csv")         # doctest: +SKIP
    """
    path = Path(path)
    fmt = table_format(path)
    if not path.exists():
        raise FileFormatError(f"file not found: '{path}'; check the path")
    if path.is_dir():
        raise FileFormatError(f"'{path}' is a folder; give a {fmt} file")
    if path.stat().st_size == 0:
        raise DataError(f"file '{path}' is empty; give a table with a header and rows")
    try:
        if fmt == "csv":
            _check_csv_header(path)
            df = _codes_as_text(pd.read_csv(path), path)
        else:
            df = _index_as_columns(pd.read_parquet(path), path)
    except (DataError, FileFormatError):
        raise
    except Exception as exc:  # parser errors differ between engines
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FileFormatError(f"cannot read '{path}' as {fmt}: {first}") from None
    dupes = [name for name, count in Counter(map(str, df.columns)).items() if count > 1]
    if dupes:
        raise DataError(f"duplicate column names in '{path}': {dupes}; rename them so each is unique")
    if df.shape[1] == 0:
        raise DataError(f"file '{path}' has no columns; give a table with a header and rows")
    if len(df) == 0:
        raise DataError(f"file '{path}' has a header but no rows; give at least one data row")
    return df


def _codes_as_text(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """``df`` with the number columns whose CSV text has leading zeros (zip codes such as 00501, account
    numbers) read again as text: as numbers they would lose their zeros and be synthesized as arbitrary
    numbers. Only columns of whole numbers (codes are) are read a second time, as text, to look."""
    numeric = [c for c in df.columns if pd.api.types.is_integer_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
               or pd.api.types.is_float_dtype(df[c]) and _whole(df[c].dropna().to_numpy())]
    if not numeric:
        return df
    text = pd.read_csv(path, usecols=numeric, dtype=str, keep_default_na=True)
    for column in numeric:
        values = text[column].dropna().str.strip()
        if values.str.match(r"[+-]?0\d").any():
            df[column] = text[column].str.strip()
    return df


def _whole(values: np.ndarray) -> bool:
    """Every value is a whole number; inf is not (np.mod would warn on it, and the reader refuses it later)."""
    return bool(np.all(np.isfinite(values)) and np.all(np.mod(values, 1) == 0))


def _index_as_columns(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """A Parquet file written by pandas brings its index back: a named one (``df.set_index("id")``) is a column
    of the table, so it becomes one again; an unnamed one (row numbers) is dropped."""
    named = [name for name in df.index.names if name is not None]
    clash = [name for name in named if name in df.columns]
    if clash:
        raise DataError(f"duplicate column names in '{path}': {clash} (an index and a column); rename them so "
                        f"each is unique")
    if named:
        df = df.reset_index(level=named)
    return df.reset_index(drop=True)


def _check_csv_header(path: Path) -> None:
    """Reject duplicate header names, which pandas would silently rename."""
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        header = next(csv.reader(fh), [])
    if not any(cell.strip() for cell in header):
        raise DataError(f"file '{path}' has no header row; the first line must name the columns")
    dupes = [name for name, count in Counter(header).items() if count > 1]
    if dupes:
        raise DataError(f"duplicate column names in '{path}': {dupes}; rename them so each is unique")


def write_table(df: pd.DataFrame, path: str | os.PathLike, *, source: str | os.PathLike | None = None) -> Path:
    """Write ``df`` to ``path`` atomically, as CSV or Parquet by extension.

    Parameters
    ----------
    df : pandas.DataFrame
        The table to write.
    path : str or path-like
        Destination; its extension picks the format.
    source : str or path-like, optional
        The file ``df`` was read from. Writing over it is refused.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    path = Path(path)
    fmt = table_format(path)
    if source is not None and same_file(path, source):
        raise FileFormatError(f"refusing to overwrite the input file '{source}'; choose another output path")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise FileFormatError(f"output folder '{parent}' does not exist; create it or choose another path")

    def _write(tmp: Path) -> None:
        if fmt == "csv":
            df.to_csv(tmp, index=False)
        else:
            df.to_parquet(tmp, index=False)

    atomic_write(path, _write)
    return path


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when ``a`` and ``b`` name one file (the same inode, or the same resolved path if either is absent)."""
    a, b = Path(a), Path(b)
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()
