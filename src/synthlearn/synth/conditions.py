"""Conditions for sampling: ``sample(n, conditions={"species": "Gentoo"})``.

Conditions name table columns and values. They are checked against what the
synthesizer learned (an unseen category or a value outside the training range
is refused with a clear error) and turned into fixed values of model columns
(:class:`~synthlearn.synth.TableEncoder` codes). Synthesizers condition natively
where their model allows; :func:`rejection_sample` is the bounded fallback.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthlearn.data.schema import ColumnKind
from synthlearn.errors import ColumnError, InvalidParameterError
from synthlearn.synth.transform import MISSING_SUFFIX, TableEncoder, written_with

#: A numeric condition accepts rejection draws within this share of the column's range.
NUMERIC_TOLERANCE = 0.025
#: Category pairs seen in training are kept as a bit matrix up to this many codes of discrete columns in all,
#: past it (zip codes, cities) as the sorted keys of the pairs that occur.
MAX_PAIR_CODES = 4096


class ConditionError(InvalidParameterError):
    """A condition cannot be met (unseen category, out-of-range value, too rare to sample)."""


def condition_groups(encoder: TableEncoder, conditions, n: int) -> list[tuple[dict[int, float], np.ndarray]]:
    """Split ``n`` output rows into groups sharing one set of fixed model-column values.

    ``conditions`` is a dict (every row gets it) or a DataFrame with one row
    per output row (``n`` must equal its length; NaN cells leave a column free).
    """
    if isinstance(conditions, dict):
        return [(encode_condition(encoder, conditions), np.arange(n))]
    lookups: dict = {}  # per column, its categories' codes by value, built once for all condition rows
    if isinstance(conditions, pd.DataFrame):
        if len(conditions) != n:
            raise InvalidParameterError(f"conditions has {len(conditions)} rows but n is {n}; give one row per sample")
        twice = conditions.columns[conditions.columns.duplicated()].tolist()
        if twice:
            raise InvalidParameterError(f"conditions has the column(s) {twice} more than once; give each once")
        if conditions.shape[1] == 0:
            return [({}, np.arange(n))]
        # pandas' hashing of the rows, in order of first appearance, missing cells as a key of their own
        found = conditions.groupby(list(conditions.columns), dropna=False, sort=False, observed=True).indices
        groups = []
        for key, idx in found.items():
            key = key if isinstance(key, tuple) else (key,)
            row = {c: v for c, v in zip(conditions.columns, key) if not _missing(v)}
            groups.append((encode_condition(encoder, row, lookups), np.asarray(idx)))
        return groups
    raise InvalidParameterError(f"conditions must be a dict or a DataFrame, got {type(conditions).__name__}")


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array: not one missing value
        return False


def encode_condition(encoder: TableEncoder, condition: dict, lookups: dict | None = None) -> dict[int, float]:
    """``{column: value}`` → ``{model column index: encoded value}``, validated. ``lookups`` keeps the
    categories' codes by value across calls (a dict, filled on first use of each column)."""
    lookups = {} if lookups is None else lookups
    position = {c.name: i for i, c in enumerate(encoder.columns_)}
    fixed: dict[int, float] = {}
    for column, value in condition.items():
        if isinstance(value, np.generic):  # a cell of a DataFrame: shown as 99999, not np.int64(99999)
            value = value.item()
        if column not in encoder.specs_:
            raise ColumnError(f"condition names unknown column '{column}'; columns are {encoder.column_order_}")
        spec = encoder.specs_[column]
        kind = ColumnKind(spec["kind"])
        missing = value is None or (isinstance(value, float) and np.isnan(value))
        if kind is ColumnKind.IDENTIFIER:
            raise ColumnError(f"column '{column}' is an identifier (regenerated, not modelled); it cannot be a condition")
        if kind.is_discrete:
            cats = spec["categories"]
            if missing:
                if not spec["has_missing"]:
                    raise ConditionError(f"column '{column}' had no missing values in training; condition on a category")
                fixed[position[column]] = float(len(cats))
                continue
            if column not in lookups:
                lookups[column] = _CategoryLookup(cats)
            code = lookups[column].code(value)
            if code is None:
                raise ConditionError(f"condition {column}={value!r} names a category not seen in training; "
                                     f"known: {cats[:20]}")
            fixed[position[column]] = float(code)
        else:
            indicator = position.get(column + MISSING_SUFFIX)
            number = None if missing else _number(value, kind, column, spec)
            if missing or np.isnan(number):  # 'nan' from the command line asks for missing values too
                if indicator is None:
                    raise ConditionError(f"column '{column}' had no missing values in training; give a value")
                fixed[indicator] = 1.0
                continue
            lo, hi = spec["min"], spec["max"]
            if not lo <= number <= hi:
                raise ConditionError(f"condition {column}={value!r} is outside the training range [{_show(lo, kind)}, "
                                     f"{_show(hi, kind)}]; synthesizers do not extrapolate")
            if kind is ColumnKind.INTEGER and number != np.round(number):
                raise ConditionError(f"condition {column}={value!r} is not a whole number, and column '{column}' "
                                     f"holds integers; give one, e.g. {column}={np.floor(number):.0f}")
            places = spec.get("decimals")
            if places is not None and not written_with(number, places):
                raise ConditionError(f"condition {column}={value!r} has more decimal places than column "
                                     f"'{column}', whose values have at most {places}; round it, "
                                     f"e.g. {column}={round(number, places):.{places}f}")
            if indicator is not None:
                fixed[indicator] = 0.0
            fixed[position[column]] = number
    return fixed


def seen_category_pairs(X: np.ndarray, encoder: TableEncoder) -> np.ndarray:
    """Which codes of the discrete model columns occur together in a row of encoded ``X``, numbering the codes
    of all these columns one after another: up to ``MAX_PAIR_CODES`` codes a packed (bits) square matrix
    (uint8), past it the sorted keys ``a * size + b`` (int64, ``a < b``) of the pairs that occur, whose number
    grows with the rows, not with the square of the codes."""
    from itertools import combinations

    from scipy import sparse

    discrete = [j for j, c in enumerate(encoder.columns_) if c.discrete]
    offsets = _code_offsets(encoder)
    size = sum(encoder.columns_[j].n_categories for j in discrete)
    if not discrete:
        return np.zeros(0, dtype=np.uint8)
    codes = np.column_stack([np.rint(X[:, j]).astype(np.int64) + offsets[j] for j in discrete])
    if size > MAX_PAIR_CODES:  # offsets grow with the column: a column's codes are below every later one's
        keys = [np.unique(codes[:, a] * size + codes[:, b]) for a, b in combinations(range(len(discrete)), 2)]
        return np.unique(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(X)), len(discrete))
    onehot = sparse.csr_matrix((np.ones(codes.size, dtype=np.int32), (rows, codes.ravel())), shape=(len(X), size))
    together = (onehot.T @ onehot).toarray() > 0
    return np.packbits(together, axis=None)


def check_seen_together(encoder: TableEncoder, fixed: dict[int, float], seen: np.ndarray | None) -> None:
    """Refuse a condition fixing two categories (or missing values) that no training row has together: no
    synthesizer can learn a combination that never occurred, so none invents one. ``seen`` is what
    :func:`seen_category_pairs` gave (empty, or None for a model saved before the check: no check)."""
    if seen is None or seen.size == 0:
        return
    offsets = _code_offsets(encoder)
    size = sum(c.n_categories for c in encoder.columns_ if c.discrete)
    if seen.dtype == np.uint8:
        together = np.unpackbits(seen, count=size * size).reshape(size, size).astype(bool)
        occurs = lambda a, b: bool(together[a, b])  # noqa: E731
    else:
        def occurs(a, b):
            key = min(a, b) * size + max(a, b)
            at = np.searchsorted(seen, key)
            return bool(at < seen.size and seen[at] == key)
    fixed_codes = [(j, offsets[j] + int(v)) for j, v in sorted(fixed.items()) if encoder.columns_[j].discrete]
    for a, (j, code_j) in enumerate(fixed_codes):
        for k, code_k in fixed_codes[a + 1:]:
            if not occurs(code_j, code_k):
                raise ConditionError(
                    f"the conditions {describe(encoder, j, fixed[j])} and {describe(encoder, k, fixed[k])} never "
                    f"occur together in the training rows, and synthesizers do not invent combinations; "
                    f"drop one of them")


def _code_offsets(encoder: TableEncoder) -> dict[int, int]:
    offsets, start = {}, 0
    for j, c in enumerate(encoder.columns_):
        if c.discrete:
            offsets[j] = start
            start += c.n_categories
    return offsets


def describe(encoder: TableEncoder, j: int, value: float) -> str:
    """A fixed model-column value as the user wrote it: ``species='Gentoo'``, ``income=missing``, ``year=2008``."""
    col = encoder.columns_[j]
    spec = encoder.specs_[col.source]
    if col.is_indicator:
        return f"{col.source}=missing" if value >= 0.5 else f"{col.source}=not missing"
    if col.discrete:
        cats = spec["categories"]
        return f"{col.source}={cats[int(value)]!r}" if int(value) < len(cats) else f"{col.source}=missing"
    return f"{col.source}={_show(value, ColumnKind(spec['kind']))}"


class _CategoryLookup:
    """The code of a condition's category: the first category equal to the value or written the same
    (``3`` finds ``"3"``, ``"2008"`` finds ``2008``), or a boolean's ``"true"``/``"false"``; by two dict
    lookups, not a scan of every level (a city of 19,000 levels, per row of a DataFrame of conditions)."""

    def __init__(self, cats: list):
        self.cats = cats
        self.by_value, self.by_text = {}, {}
        for i, c in enumerate(cats):
            try:
                self.by_value.setdefault(c, i)
            except TypeError:  # unhashable: found by its text
                pass
            self.by_text.setdefault(str(c), i)

    def code(self, value) -> int | None:
        try:
            found = self.by_value.get(value)
        except TypeError:
            found = None
        text = self.by_text.get(str(value))
        if found is not None or text is not None:
            return min(i for i in (found, text) if i is not None)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            flag = value.lower() == "true"
            for i, c in enumerate(self.cats):
                if c is flag or c == flag:
                    return i
        return None


def _number(value, kind: ColumnKind, column: str, spec: dict) -> float:
    try:
        if kind is ColumnKind.DATETIME:
            ts = pd.Timestamp(value)
            if ts.tzinfo is None and spec.get("tz"):  # a time without offset is read in the column's own zone
                ts = ts.tz_localize(spec["tz"])
            elif ts.tzinfo is None and spec.get("offset_seconds"):
                ts = ts - pd.Timedelta(seconds=spec["offset_seconds"])
            if ts.tzinfo is not None:
                ts = ts.tz_convert("UTC").tz_localize(None)
            return ts.value / 1e9
        return float(value)
    except (TypeError, ValueError):
        article = "an" if str(kind)[0] in "aeiou" else "a"
        raise ConditionError(f"condition {column}={value!r} is not {article} {kind} value") from None


def _show(x: float, kind: ColumnKind) -> str:
    return str(pd.Timestamp(x * 1e9)) if kind is ColumnKind.DATETIME else f"{x:g}"


def matches(X: np.ndarray, fixed: dict[int, float], encoder: TableEncoder) -> np.ndarray:
    """Rows of encoded ``X`` that satisfy ``fixed`` (numbers within the tolerance)."""
    ok = np.ones(X.shape[0], dtype=bool)
    for j, value in fixed.items():
        col = encoder.columns_[j]
        if col.discrete:
            ok &= np.rint(X[:, j]) == value
        else:
            spec = encoder.specs_[col.source]
            # as decoded: clipped to the training range (so a constant column always matches its constant)
            ok &= np.abs(np.clip(X[:, j], spec["min"], spec["max"]) - value) \
                <= NUMERIC_TOLERANCE * (spec["max"] - spec["min"])
    return ok


#: Candidate rows of one round of shared rejection (:func:`round_sizes`), for all conditions together.
CANDIDATES_PER_ROUND = 500_000

#: Candidates a condition may draw by rejection: this many, or :data:`DRAWS_PER_ROW` per row asked of it if
#: more (:func:`draw_budget`).
MAX_DRAWS = 2_000_000
DRAWS_PER_ROW = 100


def draw_budget(rows):
    """The candidates a condition asked for ``rows`` rows may draw before it is too rare: :data:`MAX_DRAWS`, or
    :data:`DRAWS_PER_ROW` a row if more (3,000,000 rows of a condition a quarter of the rows meet need some
    12,000,000). Elementwise on arrays."""
    return np.maximum(MAX_DRAWS, DRAWS_PER_ROW * np.asarray(rows, dtype=np.int64))


def _optimistic(kept):
    """A generous upper bound on the count behind ``kept`` matches: about four standard deviations above it
    (6 while none matched)."""
    return kept + 6 + 4 * np.sqrt(kept)


def out_of_reach(short, kept, tried, max_draws):
    """Whether conditions still ``short`` of rows, ``kept`` of ``tried`` candidates so far, cannot get them
    within ``max_draws`` candidates each: even an optimistic acceptance rate (:func:`_optimistic` ``(kept)``
    / ``tried``) leaves the rest out of the budget's reach, as it always does once the budget is spent.
    Elementwise on arrays; every rejection loop stops on it, so a condition no row meets fails after a
    fraction of its budget."""
    return (short > 0) & (short * tried > _optimistic(kept) * (max_draws - tried))


def round_sizes(short: np.ndarray, kept: np.ndarray, tried: np.ndarray, expected: np.ndarray,
                max_draws) -> np.ndarray:
    """How many candidates to draw this round for each condition of a rejection (one condition or many at
    once: CART's weighted draw, the neural synthesizers' conditions), ``short`` of that many rows: 1.25 times
    what its acceptance so far says is needed (``kept`` of ``tried``; before any, ``expected``; none kept
    yet, a quarter of the lesser of ``expected`` and 1 / ``tried``), plus 8; at most ``max_draws`` per
    condition in all, no further than where :func:`out_of_reach` would stop it if this round kept nothing
    (so an impossible condition is refused at that point, not a large round later), and
    :data:`CANDIDATES_PER_ROUND` in the round (shared in proportion, at least one each). int64."""
    rate = np.where(kept > 0, kept / np.maximum(tried, 1),
                    np.where(tried > 0, np.minimum(expected, 1 / np.maximum(tried, 1)) / 4, expected))
    count = np.where(short > 0, np.ceil(1.25 * short / np.maximum(rate, 1e-9)) + 8, 0)
    bound = _optimistic(kept)
    reach = np.floor(bound * max_draws / np.maximum(short + bound, 1)) + 1  # the tried at which it would stop
    count = np.minimum(count, np.maximum(reach - tried, 1))
    count = np.minimum(count, max_draws - tried)
    if count.sum() > CANDIDATES_PER_ROUND:
        count = np.where(short > 0, np.maximum(1.0, np.floor(count * CANDIDATES_PER_ROUND / count.sum())), 0)
    return count.astype(np.int64)


def too_rare_error(got: int, drawn: int, fixed: dict[int, float], encoder: TableEncoder) -> ConditionError:
    """The error of a condition met by ``got`` of ``drawn`` sampled rows, fewer than asked for; the columns in
    the table's order, whichever order the synthesizer fixed them in."""
    # an indicator saying "not missing" is implied by the value beside it
    shown = [j for j in sorted(fixed) if not (encoder.columns_[j].is_indicator and fixed[j] < 0.5)]
    desc = ", ".join(describe(encoder, j, fixed[j]) for j in shown)
    return ConditionError(f"only {got} of {drawn:,} sampled rows met the condition ({desc}); it is too rare "
                          f"for this synthesizer to sample; relax the condition")


def rejection_sample(draw, n: int, fixed: dict[int, float], encoder: TableEncoder, rng, *, max_draws=None):
    """Draw from ``draw(k, rng)`` until ``n`` rows satisfy ``fixed``, in rounds of :func:`round_sizes`; at most
    ``max_draws`` rows (None: :func:`draw_budget` ``(n)``), and stopped sooner when the acceptance so far puts
    the rest out of its reach (:func:`out_of_reach`)."""
    budget = draw_budget(n) if max_draws is None else max_draws
    kept, got, drawn, accepted = [], 0, 0, 0
    while got < n:
        k = int(round_sizes(np.array([n - got]), np.array([accepted]), np.array([drawn]), np.array([0.25]),
                            budget)[0])
        X = draw(k, rng)
        drawn += k
        ok = X[matches(X, fixed, encoder)]
        accepted += len(ok)
        kept.append(ok[: n - got])
        got += len(kept[-1])
        if out_of_reach(n - got, accepted, drawn, budget):
            raise too_rare_error(got, drawn, fixed, encoder)
    X = np.concatenate(kept)[:n] if kept else np.empty((0, len(encoder.columns_)))
    for j, value in fixed.items():
        X[:, j] = value
    return X
