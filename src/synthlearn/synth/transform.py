"""The reversible column encoding every synthesizer shares.

A table becomes a float matrix of *model columns*, described by
:class:`ModelColumn`:

- numeric, integer and datetime columns give one ``continuous`` column
  (datetimes as seconds since the epoch), preceded by a ``discrete``
  ``<name>#missing`` indicator (0/1) when the column has missing values; the
  continuous column is NaN where the value is missing;
- categorical and boolean columns give one ``discrete`` column of category
  codes 0..K-1, missing values being a category of their own (the last code);
  every category is kept, however rare;
- identifier columns give nothing: they are regenerated as new unique values.

Decoding reverses this: integers are rounded, real numbers are rounded to the
decimal places their training values use (up to ``MAX_DECIMALS``; finer or
noisy columns are left as they are), values are clipped to the training range,
categories and dtypes are restored exactly, and missing values reappear where
the indicator says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from synthlearn.data.dates import parse_datetimes as _as_datetime
from synthlearn.data.dates import text_datetime_format as _text_datetime_format
from synthlearn.data.schema import ColumnKind, Schema
from synthlearn.errors import DataError, ModelFileError

MISSING_SUFFIX = "#missing"
MAX_DECIMALS = 12  # real columns needing more decimal places than this are not rounded


@dataclass(frozen=True)
class ModelColumn:
    """One column of the encoded matrix.

    Attributes
    ----------
    name : str
        ``source`` itself, or ``source + "#missing"`` for a missing indicator.
    source : str
        The table column it encodes.
    discrete : bool
        True when the values are category codes ``0..n_categories-1``.
    n_categories : int
        Number of codes (discrete columns only; 0 otherwise).
    n_unique : int
        Distinct non-missing values seen in training.
    """

    name: str
    source: str
    discrete: bool
    n_categories: int = 0
    n_unique: int = 0

    @property
    def is_indicator(self) -> bool:
        return self.name.endswith(MISSING_SUFFIX) and self.name != self.source


def _to_python(values) -> list:
    """Categories as JSON-ready Python scalars."""
    out = []
    for v in values:
        if isinstance(v, np.generic):
            v = v.item()
        elif isinstance(v, pd.Timestamp):
            v = v.isoformat()
        out.append(v)
    return out


class TableEncoder:
    """Encode a table into model columns and decode model columns back.

    Examples
    --------
    >>> import pandas as pd
    >>> from synthlearn.data import infer_schema
    >>> from synthlearn.synth import TableEncoder
    >>> df = pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", "y", "x"]})
    >>> enc = TableEncoder().fit(df, infer_schema(df))
    >>> [c.name for c in enc.columns_]
    ['a#missing', 'a', 'b']
    >>> enc.inverse_transform(enc.transform(df)).equals(df)
    True
    """

    def fit(self, df: pd.DataFrame, schema: Schema) -> TableEncoder:
        self.schema_ = schema
        self.column_order_ = list(df.columns)
        self.specs_ = {}
        for column in df.columns:
            self.specs_[column] = self._fit_column(df[column], schema[column], schema.formats.get(column))
        self.columns_ = self._model_columns()
        return self

    # ------------------------------------------------------------------ fit
    @staticmethod
    def _fit_column(values: pd.Series, kind: ColumnKind, fmt: str | None = None) -> dict:
        spec: dict = {"kind": kind.value, "dtype": str(values.dtype), "has_missing": bool(values.isna().any())}
        if isinstance(values.dtype, pd.CategoricalDtype):
            spec["dtype"] = "category"
            spec["dtype_categories"] = _to_python(values.cat.categories)
            spec["ordered"] = bool(values.cat.ordered)
        if kind.is_numeric:
            if kind is ColumnKind.DATETIME and not pd.api.types.is_datetime64_any_dtype(values):
                spec.update(_text_datetime_format(values, fmt))
                if _all_dates(values):  # datetime.date objects (a Parquet date32 column), not text
                    spec["dates"] = True
            nums = _numbers(values, kind, spec)
            finite = nums[~np.isnan(nums)]
            spec.update(min=float(finite.min()), max=float(finite.max()), n_unique=int(np.unique(finite).size))
            if kind is ColumnKind.NUMERIC:
                spec["decimals"] = decimal_places(finite)
            if kind is ColumnKind.DATETIME:
                spec["resolution"] = _datetime_resolution(finite)
                if pd.api.types.is_datetime64_any_dtype(values):
                    spec["tz"] = str(values.dt.tz) if values.dt.tz else None
                    spec["date_only"] = bool((values.dropna() == values.dropna().dt.normalize()).all())
        elif kind.is_discrete:
            nonnull = values.dropna()
            if isinstance(values.dtype, pd.CategoricalDtype):
                present = set(nonnull.unique().tolist())
                cats = [c for c in values.cat.categories if c in present]
            else:
                try:
                    cats = sorted(nonnull.unique().tolist())
                except TypeError:  # mixed types: order of first appearance
                    cats = list(pd.unique(nonnull))
            spec["categories"] = _to_python(cats)
        else:  # identifier
            spec["integer"] = bool(pd.api.types.is_integer_dtype(values) or pd.api.types.is_float_dtype(values))
            spec["max"] = float(pd.to_numeric(values, errors="coerce").max()) if spec["integer"] else None
            spec["n_rows"] = int(len(values))
            prefix, texts = "syn-", values.astype(str)
            while texts.str.startswith(prefix).any():  # never collide with the real identifiers
                prefix = "syn" + prefix
            spec["prefix"] = prefix
        return spec

    def _model_columns(self) -> list[ModelColumn]:
        cols = []
        for column in self.column_order_:
            spec = self.specs_[column]
            kind = ColumnKind(spec["kind"])
            if kind.is_numeric:
                if spec["has_missing"]:
                    cols.append(ModelColumn(column + MISSING_SUFFIX, column, True, 2, 2))
                cols.append(ModelColumn(column, column, False, 0, spec["n_unique"]))
            elif kind.is_discrete:
                k = len(spec["categories"]) + int(spec["has_missing"])
                cols.append(ModelColumn(column, column, True, k, k))
        return cols

    # ------------------------------------------------------------ transform
    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """Encode ``df`` (same columns as in ``fit``) to a float matrix."""
        blocks = []
        for column in self.column_order_:
            spec = self.specs_[column]
            kind = ColumnKind(spec["kind"])
            values = df[column]
            if kind.is_numeric:
                nums = _numbers(values, kind, spec)
                if spec["has_missing"]:
                    blocks.append(np.isnan(nums).astype(float))
                blocks.append(nums)
            elif kind.is_discrete:
                cats = spec["categories"]
                codes = pd.Index(cats, dtype=object).get_indexer(values.astype(object)).astype(float)
                unknown = (codes < 0) & values.notna().to_numpy()
                if unknown.any():
                    bad = values[unknown].iloc[0]
                    raise DataError(f"column '{column}' has category {bad!r} not seen in training; known: {cats[:10]}")
                codes[codes < 0] = len(cats)  # missing is its own category
                blocks.append(codes)
        if not blocks:
            return np.empty((len(df), 0))
        return np.column_stack(blocks)

    # ---------------------------------------------------- inverse_transform
    def inverse_transform(self, X: np.ndarray, *, id_offset: int = 0) -> pd.DataFrame:
        """Decode a float matrix of model columns back to a table."""
        position = {c.name: i for i, c in enumerate(self.columns_)}
        n = X.shape[0]
        out = {}
        for column in self.column_order_:
            spec = self.specs_[column]
            kind = ColumnKind(spec["kind"])
            if kind.is_numeric:
                vals = X[:, position[column]].astype(float, copy=True)
                if spec["has_missing"]:
                    vals[X[:, position[column + MISSING_SUFFIX]] >= 0.5] = np.nan
                if kind is ColumnKind.INTEGER:
                    vals = np.round(vals)
                elif spec.get("decimals") is not None:  # absent in folders saved before the rounding
                    vals = np.round(vals, spec["decimals"])
                elif kind is ColumnKind.DATETIME:
                    vals = np.round(vals, 6)  # whole microseconds
                    if spec.get("resolution"):  # times of whole seconds, minutes or hours come out so
                        vals = np.round(vals / spec["resolution"]) * spec["resolution"]
                np.clip(vals, spec["min"], spec["max"], out=vals)
                out[column] = _restore_numeric(vals, spec)
            elif kind.is_discrete:
                codes = np.rint(X[:, position[column]]).astype(np.int64)
                cats = spec["categories"]
                codes = np.clip(codes, 0, len(cats) - 1 + int(spec["has_missing"]))
                codes[codes >= len(cats)] = -1
                out[column] = _restore_discrete(codes, spec)
            else:
                out[column] = _new_identifiers(n, spec, id_offset)
        return pd.DataFrame(out, columns=self.column_order_)

    def reserve_identifiers(self, df: pd.DataFrame) -> TableEncoder:
        """Make regenerated identifiers avoid every identifier of ``df`` too (e.g. the whole table, of which
        ``fit`` saw the training rows only): integers start after its largest, text takes a prefix none of
        its values start with."""
        for column, spec in self.specs_.items():
            if spec["kind"] != ColumnKind.IDENTIFIER.value or column not in df.columns:
                continue
            if spec["integer"]:
                largest = pd.to_numeric(df[column], errors="coerce").max()
                if pd.notna(largest) and (spec["max"] is None or largest > spec["max"]):
                    spec["max"] = float(largest)
            else:
                texts, prefix = df[column].astype(str), spec.get("prefix", "syn-")
                while texts.str.startswith(prefix).any():
                    prefix = "syn" + prefix
                spec["prefix"] = prefix
        return self

    # ----------------------------------------------------------- persistence
    def get_state(self) -> dict:
        return {"column_order": self.column_order_, "specs": self.specs_, "schema": self.schema_.to_dict()}

    @classmethod
    def from_state(cls, state: dict) -> TableEncoder:
        try:
            enc = cls()
            enc.column_order_ = list(state["column_order"])
            enc.specs_ = {k: dict(v) for k, v in state["specs"].items()}
            enc.schema_ = Schema.from_dict(state["schema"])
            enc.columns_ = enc._model_columns()
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ModelFileError(f"the saved column encoding is corrupt ({exc!r}); save the model again") from None
        return enc

    def describe(self) -> list[dict]:
        return [asdict(c) for c in self.columns_]


def _all_dates(values: pd.Series) -> bool:
    """Whether every value of an object column is a ``datetime.date`` (and not a ``datetime.datetime``)."""
    import datetime

    nonnull = values.dropna()
    return len(nonnull) > 0 and all(type(v) is datetime.date for v in nonnull)


def _numbers(values: pd.Series, kind: ColumnKind, spec: dict | None = None) -> np.ndarray:
    """Non-datetime columns as float; datetimes as float seconds since the epoch (UTC), text read as ``spec``
    says (:func:`_as_datetime`)."""
    if kind is ColumnKind.DATETIME:
        dt = _as_datetime(values, spec)
        if dt.dt.tz is not None:
            dt = dt.dt.tz_convert("UTC").dt.tz_localize(None)
        ns = dt.astype("datetime64[ns]").to_numpy().astype("int64").astype(float)
        ns[dt.isna().to_numpy()] = np.nan
        return ns / 1e9
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


#: Steps of time a datetime column's values may all be whole multiples of (seconds): hours, minutes, seconds,
#: milliseconds.
_RESOLUTIONS = (3600.0, 60.0, 1.0, 1e-3)


def _datetime_resolution(seconds: np.ndarray) -> float | None:
    """The coarsest of :data:`_RESOLUTIONS` that every value (seconds since the epoch, UTC) is a multiple of,
    to within the half microsecond that float seconds keep; None for finer times."""
    for step in _RESOLUTIONS:
        if seconds.size and np.all(np.abs(seconds - np.round(seconds / step) * step) < 5e-7):
            return step
    return None


def _restore_numeric(vals: np.ndarray, spec: dict) -> pd.Series:
    dtype = spec["dtype"]
    if spec["kind"] == ColumnKind.DATETIME.value:
        ts = pd.Series(pd.to_datetime(np.round(vals * 1e6), unit="us"))
        if spec.get("tz"):
            ts = ts.dt.tz_localize("UTC").dt.tz_convert(spec["tz"])
        if dtype.startswith("datetime64"):
            if spec.get("date_only"):  # dates stay dates: the nearest midnight, which the range's ends are
                ts = (ts + pd.Timedelta(hours=12)).dt.normalize()
            return ts.astype(dtype)
        if spec.get("dates"):
            return pd.Series(ts.dt.date.to_numpy(dtype=object), dtype=object).where(ts.notna().to_numpy(), None)
        if "format" in spec:  # text written as in training: same format, same offset
            text = (ts + pd.Timedelta(seconds=spec["offset_seconds"])).dt.strftime(spec["format"]) + spec["offset"]
        else:  # folders saved before the format was kept
            text = ts.dt.strftime("%Y-%m-%d" if spec.get("date_only") else "%Y-%m-%dT%H:%M:%S")
        return text.astype(dtype) if dtype in ("str", "string", "object") else text
    series = pd.Series(vals)
    if dtype.startswith(("int", "uint")):  # numpy integers; with missing values, pandas' nullable Int64
        return series.astype("Int64" if np.isnan(vals).any() else dtype)
    if dtype == "bool":
        return series.astype(bool)
    if dtype in ("category", "object", "str", "string"):
        return series
    try:
        return series.astype(dtype)
    except (TypeError, ValueError):
        return series


def _restore_discrete(codes: np.ndarray, spec: dict) -> pd.Series:
    cats = spec["categories"]
    dtype = spec["dtype"]
    if dtype == "category":
        values = pd.Categorical.from_codes(codes, categories=cats)
        full = pd.CategoricalDtype(spec["dtype_categories"], ordered=spec.get("ordered", False))
        return pd.Series(values).astype(full)
    lookup = np.array(cats + [None], dtype=object)
    values = pd.Series(lookup[codes], dtype=object)  # code -1 picks the trailing None
    if dtype == "bool":
        return values.astype(bool) if not (codes < 0).any() else values.astype("boolean")
    if dtype in ("str", "string"):
        return values.astype(dtype)
    if dtype != "object":
        try:
            target = dtype
            if (codes < 0).any() and (dtype.startswith("int") or dtype.startswith("uint")):
                target = "float64"
            return values.astype(target)
        except (TypeError, ValueError):
            return values
    return values


def decimal_places(values: np.ndarray) -> int | None:
    """The fewest decimal places (0 to ``MAX_DECIMALS``) that write every value of ``values`` exactly, up to
    float error (16 units in the last place); None when even ``MAX_DECIMALS`` do not, as for simulated reals."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    head = _places(values[:10_000], 0)  # a sample needs no more places than the column: start from its count
    return None if head is None else _places(values, head)


def _places(values: np.ndarray, start: int) -> int | None:
    return next((places for places in range(start, MAX_DECIMALS + 1) if written_with(values, places)), None)


def written_with(values: np.ndarray, places: int) -> bool:
    """Whether ``places`` decimal places write every value of ``values`` exactly, up to 16 units in the last place."""
    values = np.asarray(values, dtype=np.float64)
    return bool(np.all(np.abs(values - np.round(values, places)) <= 16 * np.finfo(np.float64).eps * np.abs(values)))


def _new_identifiers(n: int, spec: dict, offset: int) -> pd.Series:
    if spec["integer"]:
        start = int(spec["max"] if spec["max"] is not None and np.isfinite(spec["max"]) else 0) + 1 + offset
        ids = pd.Series(np.arange(start, start + n, dtype=np.int64))
        dtype = spec["dtype"]
        return ids.astype(dtype) if dtype.startswith("int") or dtype.startswith("float") else ids
    width = max(6, len(str(offset + n)))
    prefix = spec.get("prefix", "syn-")
    ids = pd.Series([f"{prefix}{i:0{width}d}" for i in range(offset + 1, offset + n + 1)])
    return ids.astype(spec["dtype"]) if spec["dtype"] in ("str", "string") else ids
