"""Column kinds: what each column of a table is, inferred once and shared.

Every synthlearn component reads the :class:`Schema`; none re-guesses types.
Inference is a starting point that users override from Python
(``infer_schema(df, overrides={"year": "categorical"})``) or the CLI
(``--categorical year``, ``--schema schema.json``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import numpy as np
import pandas as pd

from synthlearn.errors import ColumnError, DataError, SchemaError


class ColumnKind(str, Enum):
    """The kinds of column synthlearn models."""

    NUMERIC = "numeric"  #: real-valued
    INTEGER = "integer"  #: whole numbers (kept whole when synthesized)
    BOOLEAN = "boolean"  #: two values, True / False
    CATEGORICAL = "categorical"  #: a finite set of labels
    DATETIME = "datetime"  #: timestamps
    IDENTIFIER = "identifier"  #: unique keys: not modelled, regenerated as new unique values

    def __str__(self) -> str:
        return self.value

    @property
    def is_numeric(self) -> bool:
        """True for kinds modelled on a number line (numeric, integer, datetime)."""
        return self in (ColumnKind.NUMERIC, ColumnKind.INTEGER, ColumnKind.DATETIME)

    @property
    def is_discrete(self) -> bool:
        """True for kinds modelled as a set of labels (categorical, boolean)."""
        return self in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)


KIND_NAMES = [k.value for k in ColumnKind]
_ID_NAME = re.compile(r"(^|[_\W])(id|key|uuid|guid)$|^id[_\W]", re.IGNORECASE)
_DATE_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
# dates in another order or with other separators, with a four-digit year: read when one format fits every value
_DATE_OTHER = re.compile(r"^(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}[/.]\d{1,2}[/.]\d{1,2})"
                         r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def as_kind(value: str | ColumnKind, *, column: str | None = None) -> ColumnKind:
    """Convert ``value`` to a :class:`ColumnKind`, naming the column on error."""
    if isinstance(value, ColumnKind):
        return value
    try:
        return ColumnKind(str(value).lower())
    except ValueError:
        where = f" for column '{column}'" if column is not None else ""
        raise SchemaError(f"unknown column kind {value!r}{where}; use one of {', '.join(KIND_NAMES)}") from None


@dataclass(frozen=True)
class Schema:
    """The kind of every column of a table, in column order.

    Parameters
    ----------
    kinds : mapping of str to ColumnKind or str
        Column name to kind.
    formats : mapping of str to str, optional
        For datetime columns written as text other than ISO 8601 (``31/12/2020``), the strftime format every
        value is written in (``"%d/%m/%Y"``), so that each part of synthlearn reads the dates the same way;
        :func:`infer_schema` finds it. Columns without one are read value by value.

    Examples
    --------
    >>> import pandas as pd
    >>> from synthlearn.data import infer_schema
    >>> schema = infer_schema(pd.DataFrame({"a": [1.5, 2.0], "b": ["x", "y"]}))
    >>> schema["a"], schema["b"]
    (<ColumnKind.NUMERIC: 'numeric'>, <ColumnKind.CATEGORICAL: 'categorical'>)
    """

    kinds: Mapping[str, ColumnKind] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", {str(c): as_kind(k, column=c) for c, k in dict(self.kinds).items()})
        formats = dict(self.formats or {})
        for column, fmt in formats.items():
            if self.kinds.get(column) is not ColumnKind.DATETIME:
                raise SchemaError(f"the schema gives a date format for column '{column}', which is not a datetime "
                                  f"column of the schema; drop it from \"formats\" or declare the column datetime")
            if not isinstance(fmt, str) or "%" not in fmt:
                raise SchemaError(f"the date format of column '{column}' is {fmt!r}; give a strftime format such "
                                  f"as \"%d/%m/%Y\"")
        object.__setattr__(self, "formats", formats)

    def __getitem__(self, column: str) -> ColumnKind:
        try:
            return self.kinds[column]
        except KeyError:
            raise ColumnError(f"column '{column}' is not in the schema; known columns: {list(self.kinds)}") from None

    def __contains__(self, column: object) -> bool:
        return column in self.kinds

    def __iter__(self):
        return iter(self.kinds)

    def __len__(self) -> int:
        return len(self.kinds)

    @property
    def columns(self) -> list[str]:
        """Column names in order."""
        return list(self.kinds)

    def columns_of(self, *kinds: str | ColumnKind) -> list[str]:
        """Names of the columns whose kind is one of ``kinds``."""
        wanted = {as_kind(k) for k in kinds}
        return [c for c, k in self.kinds.items() if k in wanted]

    @property
    def modelled(self) -> list[str]:
        """Columns a model learns from (all but identifiers)."""
        return [c for c, k in self.kinds.items() if k is not ColumnKind.IDENTIFIER]

    def require_modelled(self, verb: str) -> None:
        """Raise :class:`DataError` when no column is modelled (no columns, or identifiers only): nothing to
        ``verb`` ("model", "compare")."""
        if self.modelled:
            return
        ids = self.columns
        if not ids:
            raise DataError("the table has no columns; give a table with at least one column")
        raise DataError(
            f"the table has no column to {verb}: {', '.join(map(repr, ids))} "
            f"{'is an identifier' if len(ids) == 1 else 'are identifiers'} "
            f"(unique keys, regenerated rather than learned); add another column, or give one another kind, e.g. "
            f"{{{ids[0]!r}: 'categorical'}} in the schema (--categorical {ids[0]} on the command line)")

    def override(self, overrides: Mapping[str, str | ColumnKind] | None) -> Schema:
        """Return a copy with some columns' kinds replaced."""
        if not overrides:
            return self
        kinds = dict(self.kinds)
        for column, kind in overrides.items():
            if column not in kinds:
                raise ColumnError(
                    f"schema override names unknown column '{column}'; known columns: {list(kinds)}"
                )
            kinds[column] = as_kind(kind, column=column)
        return Schema(kinds, {c: f for c, f in self.formats.items() if kinds[c] is ColumnKind.DATETIME})

    def to_dict(self) -> dict:
        """A JSON-ready dict: ``{"columns": {name: kind}}``, and ``"formats": {name: format}`` when some
        datetime column is written in a format of its own."""
        out = {"columns": {c: k.value for c, k in self.kinds.items()}}
        if self.formats:
            out["formats"] = dict(self.formats)
        return out

    @classmethod
    def from_dict(cls, data: Mapping) -> Schema:
        """Build a schema from :meth:`to_dict` output."""
        if not isinstance(data, Mapping) or not isinstance(data.get("columns"), Mapping):
            raise SchemaError('a schema must be an object {"columns": {"name": "kind", ...}}')
        formats = data.get("formats") or {}
        if not isinstance(formats, Mapping):
            raise SchemaError('a schema\'s "formats" must be an object {"column": "%d/%m/%Y", ...}')
        return cls(dict(data["columns"]), dict(formats))

    def save(self, path: str | os.PathLike) -> None:
        """Write the schema as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> Schema:
        """Read a schema written by :meth:`save` (or by hand)."""
        path = Path(path)
        if not path.is_file():
            raise SchemaError(f"schema file not found: '{path}'; check the path")
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise SchemaError(f"schema file '{path}' is not valid JSON (line {exc.lineno}: {exc.msg})") from None
        return cls.from_dict(data)

    def validate(self, df: pd.DataFrame, *, extra_columns: bool = False) -> None:
        """Check that ``df`` has the schema's columns (exactly them unless ``extra_columns``) and values that
        fit their kinds."""
        missing = [c for c in self.kinds if c not in df.columns]
        if missing:
            raise ColumnError(f"table lacks schema column(s) {missing}; give a table with the same columns")
        extra = [] if extra_columns else [c for c in df.columns if c not in self.kinds]
        if extra:
            raise ColumnError(f"table has column(s) {extra} not in the schema; drop them or add them to the schema")
        for column, kind in self.kinds.items():
            check_column(df[column], kind, column)


def check_finite(values: pd.Series, column: str, table: str | None = None) -> None:
    """Raise if the numbers in ``values`` (or its text read as numbers) include inf or -inf, which no
    model, distance or quantile can use; the message counts them and gives the first row (1-based)."""
    if not pd.api.types.is_numeric_dtype(values):
        values = pd.to_numeric(values, errors="coerce")
    rows = np.flatnonzero(np.isinf(values.to_numpy(dtype=float, na_value=np.nan)))
    if len(rows):
        where = f"column '{column}'" + (f" of the {table} table" if table else "")
        which = (f"in {len(rows):,} rows (the first is row {rows[0] + 1}); replace them with numbers or leave "
                 f"those cells empty" if len(rows) > 1 else
                 f"in row {rows[0] + 1}; replace it with a number or leave that cell empty")
        raise DataError(f"{where} has infinite values (inf/-inf) {which}")


def check_column(values: pd.Series, kind: ColumnKind, column: str, fix: str | None = None,
                 table: str | None = None) -> None:
    """Raise if ``values`` cannot be read as ``kind``; ``fix`` replaces the advice that ends the message,
    ``table`` names the table in the message on infinite values."""
    nonnull = values.dropna()
    if len(nonnull) == 0:
        raise DataError(f"column '{column}' is entirely missing; drop it or fill it in")
    if kind in (ColumnKind.NUMERIC, ColumnKind.INTEGER):
        numbers = values
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            numbers = pd.to_numeric(values, errors="coerce")  # once, for both checks
            bad = values[numbers.isna() & values.notna()]
            if len(bad):
                raise SchemaError(
                    f"column '{column}' is declared {kind} but holds {bad.iloc[0]!r}; "
                    f"{fix or 'declare it categorical or fix the values'}"
                )
        check_finite(numbers, column, table)
    elif kind is ColumnKind.BOOLEAN:
        distinct = nonnull.nunique()
        if distinct > 2:
            raise SchemaError(f"column '{column}' is declared boolean but has {distinct} distinct values; a boolean "
                              f"column has two; {fix or 'declare it categorical or numeric'}")
    elif kind is ColumnKind.DATETIME:
        if not pd.api.types.is_datetime64_any_dtype(values):
            try:
                pd.to_datetime(nonnull, format="mixed", utc=True)  # offsets may differ
            except (ValueError, TypeError):
                raise SchemaError(
                    f"column '{column}' is declared datetime but holds values that are not dates "
                    f"(e.g. {nonnull.iloc[0]!r}); {fix or 'declare it categorical or fix the values'}"
                ) from None


_TRUE_WORDS = ("true", "t", "yes", "y", "1", "1.0")
_FALSE_WORDS = ("false", "f", "no", "n", "0", "0.0")


def _as_booleans(values: pd.Series):
    """``values`` as pandas booleans (True/False, 1/0, yes/no, ...), or ``(None, the first other value)``."""
    if pd.api.types.is_bool_dtype(values):
        return values, None
    codes, uniques = pd.factorize(values)  # each distinct value read once
    flags = []
    for v in uniques:
        if isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, float, np.number)) and v in (0, 1)):
            flags.append(bool(v))
        elif isinstance(v, str) and v.strip().lower() in _TRUE_WORDS + _FALSE_WORDS:
            flags.append(v.strip().lower() in _TRUE_WORDS)
        else:
            return None, v
    lookup = np.array(flags + [None], dtype=object)  # code -1 (missing) picks the None
    return pd.Series(lookup[codes], index=values.index, dtype="boolean"), None


def conform(df: pd.DataFrame, schema: Schema, *, table: str = "synthetic", like: pd.DataFrame | None = None
            ) -> pd.DataFrame:
    """``df`` with the schema's columns stored as their kinds, so that tables written differently compare equal.

    Booleans written as 1/0, "yes"/"no" or "true"/"false" become pandas booleans
    (when the real table ``like`` holds booleans; with ``like`` omitted, whenever
    every value reads as one), numbers written as text become numbers and dates
    written as text become timestamps. Columns already stored as their kind are
    left alone; ``df`` itself is never changed.

    Raises
    ------
    SchemaError
        A value cannot be read as its column's kind; the message names ``table``.
    """
    out = {}
    for column in schema.columns:
        if column not in df.columns:
            continue
        kind, values = schema[column], df[column]
        if kind in (ColumnKind.NUMERIC, ColumnKind.INTEGER):
            check_finite(values, column, table)
        if kind is ColumnKind.BOOLEAN and not pd.api.types.is_bool_dtype(values):
            if like is not None and not pd.api.types.is_bool_dtype(like[column]):
                continue  # the real table's own labels (a two-valued column declared boolean): compare as written
            flags, bad = _as_booleans(values)
            if flags is None and like is not None:
                raise SchemaError(f"column '{column}' of the {table} table holds {bad!r}, which is not a boolean; "
                                  f"give True/False, 1/0 or yes/no as in the real table")
            if flags is not None:
                out[column] = flags
        elif kind in (ColumnKind.NUMERIC, ColumnKind.INTEGER) and not (
                pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            numbers = pd.to_numeric(values, errors="coerce")
            bad = values[numbers.isna() & values.notna()]
            if len(bad):
                raise SchemaError(f"column '{column}' of the {table} table holds {bad.iloc[0]!r}, which is not a "
                                  f"number as the real column's kind ({kind}) needs; fix the values")
            out[column] = numbers
        elif kind is ColumnKind.DATETIME and not pd.api.types.is_datetime64_any_dtype(values):
            try:
                out[column] = _read_dates(values, schema.formats.get(column))
            except (ValueError, TypeError):
                bad = next((v for v in values.dropna().unique() if pd.isna(pd.to_datetime(v, errors="coerce"))),
                           None)
                if bad is None:
                    continue  # every value is a date on its own (mixed time zones): left to the preprocessing
                raise SchemaError(f"column '{column}' of the {table} table holds {bad!r}, which is not a date; "
                                  f"give dates such as 2024-01-31") from None
    return df.assign(**out) if out else df


def _read_dates(values: pd.Series, fmt: str | None) -> pd.Series:
    """Date text as timestamps: with ``fmt`` (the column's format in the schema) as the column is written, values
    it does not read on their own; without, each on its own (offsets kept)."""
    if fmt is None:
        return pd.to_datetime(values, format="mixed")
    from synthlearn.data.dates import OFFSET, parse_datetimes

    out = parse_datetimes(values, {"format": fmt, "exact": True})
    if values.dropna().astype(str).str.strip().str.extract(OFFSET, expand=False).isna().all():
        out = out.dt.tz_localize(None)  # naive text stays naive, as read value by value
    return out


def infer_schema(
    df: pd.DataFrame,
    overrides: Mapping[str, str | ColumnKind] | None = None,
    *,
    categorical: Iterable[str] = (),
    formats: Mapping[str, str] | None = None,
    table: str | None = None,
) -> Schema:
    """Infer every column's kind from its values.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    overrides : mapping, optional
        Column name to kind, replacing what inference would choose.
    categorical : iterable of str, default=()
        Shorthand: columns to treat as categorical.
    formats : mapping of str to str, optional
        Column name to the strftime format its dates are written in, replacing the one inference finds
        (every value must read with it).
    table : str, optional
        What the table is ("real"), named in the message on infinite values.

    Returns
    -------
    Schema

    Notes
    -----
    Rules, in order: an all-missing column is an error; ``bool`` dtypes are
    boolean; datetime dtypes, ISO-date strings and date strings written in one
    format with a four-digit year (``31/12/2020``, ``12/31/2020 14:05``,
    ``2020/12/31``, when a day above 12 somewhere tells day-first from
    month-first; a column declared datetime without one is read month-first
    unless ``formats`` says otherwise) are datetime; numbers are
    integer when every value is whole, else numeric; unique whole numbers or
    strings under an id-like name (``id``, ``user_id``, ``key``) are
    identifiers, and so are strings that are unique in tables of 20+ rows;
    other strings and ``category`` dtypes are categorical.
    """
    if not isinstance(df, pd.DataFrame):
        raise SchemaError(f"expected a pandas DataFrame, got {type(df).__name__}")
    dupes = df.columns[df.columns.duplicated()].tolist()
    if dupes:
        raise DataError(f"duplicate column names {dupes}; rename them so each is unique")
    unnamed = [c for c in df.columns if not isinstance(c, str)]
    if unnamed:
        raise DataError(f"column names must be text, got {unnamed[0]!r} ({type(unnamed[0]).__name__}); "
                        f"rename the columns, e.g. df.columns = df.columns.astype(str)")
    kinds, found = {}, {}
    for column in df.columns:
        kinds[str(column)], fmt = _infer_kind(df[column], str(column))
        if fmt is not None:
            found[str(column)] = fmt
    merged = dict(overrides or {})
    for column in categorical:
        merged[column] = ColumnKind.CATEGORICAL
    kinds = Schema(kinds).override(merged).kinds
    for column, kind in kinds.items():
        check_column(df[column], kind, column, table=table)
    given = dict(formats or {})
    unknown = [c for c in given if c not in kinds]
    if unknown:
        raise ColumnError(f"formats names unknown column '{unknown[0]}'; known columns: {list(kinds)}")
    for column, kind in kinds.items():
        if kind is not ColumnKind.DATETIME or column in found or column in given:
            continue
        if not pd.api.types.is_datetime64_any_dtype(df[column]):  # declared datetime: text in one format?
            fmt = _text_format(df[column].dropna())
            if fmt is not None:
                found[column] = fmt
    for column, fmt in given.items():
        if kinds[column] is ColumnKind.DATETIME and not pd.api.types.is_datetime64_any_dtype(df[column]):
            _check_format(df[column], column, fmt)
    found = {c: f for c, f in {**found, **given}.items() if kinds[c] is ColumnKind.DATETIME}
    return Schema(kinds, found)


def _text_format(nonnull: pd.Series, *, unambiguous: bool = False) -> str | None:
    """The strftime format every value of a column of date text is written in, when they are not all ISO 8601
    (which reads alike either way) and one format reads and writes back each (:func:`text_datetime_format`;
    month first when both orders do). ``unambiguous``: None when both orders do (no day above 12)."""
    from synthlearn.data.dates import OFFSET, text_datetime_format

    text = nonnull.astype(str).str.strip()
    if len(text) == 0 or text.str.match(_DATE_LIKE).all():
        return None
    try:
        spec = text_datetime_format(text)
    except (ValueError, TypeError, OverflowError):
        return None
    if not spec["exact"]:
        return None
    fmt = spec["format"]
    if unambiguous and "%m" in fmt and "%d" in fmt:
        swapped = fmt.replace("%m", "\0").replace("%d", "%m").replace("\0", "%d")
        local = text.str.replace(OFFSET, "", regex=True)
        other = pd.to_datetime(local, format=swapped, errors="coerce")
        if other.notna().all() and (other.dt.strftime(swapped) == local).all():
            return None  # 03/04/2020 throughout: March or April, the text does not say
    return fmt


def _check_format(values: pd.Series, column: str, fmt: str) -> None:
    """Refuse a given date format that does not read every value of the column."""
    from synthlearn.data.dates import OFFSET

    text = values.dropna().astype(str).str.strip().str.replace(OFFSET, "", regex=True)
    try:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    except (ValueError, TypeError):
        raise SchemaError(f"the date format {fmt!r} of column '{column}' is not a strftime format pandas reads; "
                          f"give one such as \"%d/%m/%Y\"") from None
    bad = text[parsed.isna()]
    if len(bad):
        raise SchemaError(f"column '{column}' holds {bad.iloc[0]!r}, which the date format {fmt!r} given for it "
                          f"does not read; fix the format or the value")


def _infer_kind(values: pd.Series, column: str) -> tuple[ColumnKind, str | None]:
    """The kind of a column, and the format of its dates when they are text in a format other than ISO."""
    nonnull = values.dropna()
    if len(nonnull) == 0:
        raise DataError(f"column '{column}' is entirely missing; drop it or fill it in")
    unique_all = nonnull.is_unique and len(values) >= 20 and nonnull.size == values.size
    id_name = bool(_ID_NAME.search(column))
    if pd.api.types.is_bool_dtype(values):
        return ColumnKind.BOOLEAN, None
    if pd.api.types.is_datetime64_any_dtype(values):
        return ColumnKind.DATETIME, None
    if isinstance(values.dtype, pd.CategoricalDtype):
        return ColumnKind.CATEGORICAL, None
    if pd.api.types.is_numeric_dtype(values):
        arr = nonnull.to_numpy(dtype=float)
        whole = bool(np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))
        if whole and unique_all and id_name:
            return ColumnKind.IDENTIFIER, None
        return (ColumnKind.INTEGER if whole else ColumnKind.NUMERIC), None
    # object / string columns
    if nonnull.map(type).isin([bool, np.bool_]).all():
        return ColumnKind.BOOLEAN, None
    as_text = nonnull.astype(str)
    sample = as_text.iloc[:200]
    if sample.str.match(_DATE_LIKE).all():
        try:
            pd.to_datetime(as_text, format="mixed", utc=True)  # offsets may differ
            return ColumnKind.DATETIME, None
        except (ValueError, TypeError):
            pass
    if sample.str.match(_DATE_OTHER).all():
        fmt = _text_format(as_text, unambiguous=True)
        if fmt is not None:
            return ColumnKind.DATETIME, fmt
    if unique_all:
        return ColumnKind.IDENTIFIER, None
    return ColumnKind.CATEGORICAL, None
