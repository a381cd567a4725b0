"""Dates written as text: the one format a column is written in, and reading it back with that format.

A column such as ``12/01/2020, 31/01/2020`` is day-first throughout: reading each value on its own
(``format="mixed"``) would take the first for the 1st of December. :func:`text_datetime_format` finds the
format that reads and writes back every value (month first tried before day first, so a 13th day anywhere
decides), and :func:`parse_datetimes` reads text with it. The schema records the format of a column of
non-ISO date text (``Schema.formats``), so that every part of synthlearn reads it the same way.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd

OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def text_datetime_format(values: pd.Series, fmt: str | None = None) -> dict:
    """How a column of datetime text is written, so that decoding writes it the same way: ``format`` (strftime,
    of the local time, without the offset), ``exact`` (that format reads and writes back every value; else
    ISO is written), ``offset`` (the text written after it: '', 'Z', '+02:00') and ``offset_seconds`` (local
    time minus UTC). One offset throughout is kept; mixed offsets are written in UTC with the first value's
    notation ('+00:00', '+0000' or 'Z'). The format is the first of those pandas guesses for the first values,
    month first then day first, that reads and writes back every value: a column with a 13th day in the first
    place is day-first. A given ``fmt`` (the schema's for the column) is tried first."""
    from pandas.tseries.api import guess_datetime_format

    text = values.dropna().astype(str).str.strip()
    suffix = text.str.extract(OFFSET, expand=False).fillna("")
    local_text = pd.Series([t[: len(t) - len(o)] for t, o in zip(text, suffix)], dtype=object)
    candidates = [fmt] if fmt else []
    for sample in local_text.drop_duplicates().head(20):
        for dayfirst in (False, True):
            with warnings.catch_warnings():  # pandas warns when a guess contradicts ``dayfirst``: both are tried
                warnings.simplefilter("ignore")
                fmt = guess_datetime_format(sample, dayfirst=dayfirst)
            if fmt is not None and fmt not in candidates:
                candidates.append(fmt)
    fmt, local = None, None
    for candidate in candidates:
        parsed = pd.to_datetime(local_text, format=candidate, errors="coerce")
        if parsed.notna().all() and (parsed.dt.strftime(candidate) == local_text).all():
            fmt, local = candidate, parsed
            break
    exact = fmt is not None
    if local is None:
        local = pd.to_datetime(local_text, format="mixed")
    date_only = bool((local == local.dt.normalize()).all())
    if not exact:
        fmt = "%Y-%m-%d" if date_only else "%Y-%m-%dT%H:%M:%S"
    offsets = suffix.unique().tolist()
    if len(offsets) == 1:
        offset = offsets[0]
        seconds = 0 if offset in ("", "Z") else int(pd.Timestamp("2000-01-01T00:00:00" + offset).utcoffset()
                                                     .total_seconds())
    else:  # mixed offsets: one instant each, written in UTC
        first = suffix.iloc[0]
        offset, seconds = ("Z" if first == "Z" else "+0000" if len(first) == 5 else "+00:00"), 0
    return {"tz": None, "date_only": date_only, "format": fmt, "exact": exact, "offset": offset,
            "offset_seconds": seconds}


def parse_datetimes(values: pd.Series, spec: dict | None = None) -> pd.Series:
    """Datetimes as they are; text parsed, offsets (even mixed ones) taken to UTC and naive text read as UTC.

    With the ``spec`` of a text column whose ``format`` parsed every training value (``exact``), text is read
    with that format, so a day-first 12/01/2020 stays the 12th of January; values it does not fit (and other
    columns) are read value by value (``format="mixed"``)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    if not (spec and spec.get("exact")):
        return pd.to_datetime(values, format="mixed", utc=True)
    text = values.astype(object).where(values.notna()).astype("string").str.strip()
    suffix = text.str.extract(OFFSET, expand=False).fillna("")
    local = pd.to_datetime(text.str.replace(OFFSET, "", regex=True), format=spec["format"], errors="coerce")
    parts = suffix.astype(object).str.extract(r"([+-])(\d{2}):?(\d{2})")
    sign = parts[0].map({"+": 1.0, "-": -1.0}).astype(float)
    offset = (sign * (pd.to_numeric(parts[1]) * 3600 + pd.to_numeric(parts[2]) * 60)).fillna(0.0)
    out = (local - pd.to_timedelta(offset.to_numpy(dtype=float), unit="s")).dt.tz_localize("UTC")
    rest = out.isna() & values.notna().to_numpy()
    if rest.any():  # text the training format does not fit: read as it comes
        out[rest] = pd.to_datetime(values[rest.to_numpy()], format="mixed", utc=True)
    return out
