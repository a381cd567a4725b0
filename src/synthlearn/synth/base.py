"""The base class every synthesizer shares.

Template method: :meth:`Synthesizer.fit` validates the table, infers or checks
the schema and encodes it once (:class:`~synthlearn.synth.TableEncoder`);
:meth:`Synthesizer.sample` validates ``n``, draws encoded rows from the
subclass and decodes them back to the input's columns, dtypes and categories.
Subclasses implement only ``_fit(X)`` and ``_sample(n, rng)`` on the encoded
float matrix, plus ``_get_state`` / ``_set_state`` for saving.

A saved synthesizer is a folder: ``synthesizer.json`` (class, parameters,
schema, encoding, versions), ``arrays.npz`` (numbers, loaded with
``allow_pickle=False``; fitted trees are stored as their node arrays).
Nothing is unpickled.
"""

from __future__ import annotations

import json
import numbers
import os
import platform
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from synthlearn.data.io import check_n_rows, check_seed
from synthlearn.data.schema import Schema, infer_schema
from synthlearn.errors import DataError, InvalidParameterError, ModelFileError, NotFittedError, SchemaError
from synthlearn.synth.conditions import check_seen_together, seen_category_pairs
from synthlearn.synth.transform import TableEncoder

FORMAT = "synthlearn-synthesizer"
FORMAT_VERSION = 2  # 2: training-row hashes for the copy guard
#: The files of a model folder: save() replaces a folder holding only these, never another.
MODEL_FILES = ("synthesizer.json", "arrays.npz")
_REGISTRY: dict[str, type[Synthesizer]] = {}


class SynthesizerNotFittedError(NotFittedError, SklearnNotFittedError):
    """A synthesizer used before ``fit``: synthlearn's error, which ``except sklearn.exceptions.NotFittedError``
    catches too, as it does for every other synthlearn estimator."""


class Synthesizer(BaseEstimator):
    """Base class of the synthesizers: fit a table, sample new rows like it.

    Subclasses set their hyperparameters as keyword constructor arguments and
    implement ``_fit``, ``_sample``, ``_get_state`` and ``_set_state``.

    Attributes
    ----------
    schema_ : Schema
        Column kinds used for fitting.
    encoder_ : TableEncoder
        The fitted reversible encoding.
    n_rows_ : int
        Number of rows seen in ``fit``.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    # ------------------------------------------------------------ public API
    def fit(self, df: pd.DataFrame, schema: Schema | None = None) -> Synthesizer:
        """Learn the table ``df``.

        Parameters
        ----------
        df : pandas.DataFrame
            The real table; at least 2 rows.
        schema : Schema, optional
            Column kinds; inferred with :func:`~synthlearn.data.infer_schema`
            when omitted.

        Returns
        -------
        self
        """
        self._validate_params()
        if not isinstance(df, pd.DataFrame):
            raise DataError(f"fit expects a pandas DataFrame, got {type(df).__name__}")
        if len(df) < 2:
            raise DataError(f"the table has {len(df)} row(s); synthesizers need at least 2")
        if schema is None:
            schema = infer_schema(df)
        elif not isinstance(schema, Schema):
            raise SchemaError(f"schema must be a synthlearn Schema, got {type(schema).__name__}")
        schema.validate(df)
        schema.require_modelled("model")
        self.schema_ = schema
        self.encoder_ = TableEncoder().fit(df, schema)
        self.n_rows_ = len(df)
        X = self.encoder_.transform(df)
        self.train_hashes_ = np.unique(self._row_hashes(X))
        self.seen_pairs_ = seen_category_pairs(X, self.encoder_)
        self._train_frame = df  # in memory only, for min_distance; saved models keep no training rows
        self._rng_ = np.random.default_rng(self.random_state)
        self._fit(X, self._rng_)
        self._n_sampled_ = 0
        return self

    def sample(self, n: int, *, conditions=None, random_state=None, reject_copies: bool = False,
               min_distance: float | None = None, reference: pd.DataFrame | None = None,
               id_start: int | None = None) -> pd.DataFrame:
        """Draw ``n`` synthetic rows.

        Parameters
        ----------
        n : int
            Number of rows, at least 1.
        conditions : dict or DataFrame, optional
            ``{"species": "Gentoo"}`` fixes columns for every row; a DataFrame
            gives one condition row per output row (NaN leaves a cell free).
            Synthesizers condition natively where their model allows and fall
            back to bounded rejection sampling; an unseen category, a value
            outside the training range or a condition too rare to sample
            raises :class:`~synthlearn.synth.conditions.ConditionError`.
        random_state : int, numpy Generator or None, default=None
            Seed for this call. ``None`` continues the synthesizer's own
            stream, seeded by its ``random_state`` at fit time, so repeated
            calls give new rows and a fixed ``random_state`` makes the whole
            sequence reproducible.
        reject_copies : bool, default=False
            Never return a row identical to a training row: such rows are
            drawn again. ``last_sample_info_["copies_replaced"]`` says how many.
        min_distance : float, optional
            Also redraw every row whose Gower distance to the closest training
            row (the distance of the privacy report: numbers scaled by their
            range, a category mismatch counting 1, averaged over columns) is
            below this value, in (0, 1]. ``last_sample_info_["too_close_replaced"]``
            says how many.
        reference : DataFrame, optional
            The training rows for ``min_distance``. Default: the table given to
            ``fit`` in this session; a loaded model keeps no training rows, so
            pass them here. Or their index from :meth:`reference_index`, built
            once for many calls.
        id_start : int, optional
            Offset of the first regenerated identifier. Default: continue
            after the rows this synthesizer already sampled, so identifiers
            stay unique across calls (partitioned sampling passes each
            partition's first row).

        Returns
        -------
        pandas.DataFrame
            Same columns, dtypes and categories as the fitted table.
        """
        from synthlearn.synth.conditions import condition_groups

        self._check_fitted()
        n = check_n_rows(n)
        rng = self._rng_ if random_state is None else np.random.default_rng(
            check_seed(random_state, maximum=None, generator=True))
        groups = [({}, np.arange(n))] if conditions is None else condition_groups(self.encoder_, conditions, n)
        for fixed, _ in groups:  # before any draw: an impossible combination fails at once
            check_seen_together(self.encoder_, fixed, getattr(self, "seen_pairs_", None))
        if len(groups) == 1:  # every row under the same conditions: no copy into place
            X = np.asarray(self._draw(n, groups[0][0], rng), dtype=np.float64)
        else:
            X = self._draw_groups(groups, n, rng)
        too_close = self._check_min_distance(min_distance, reference)
        replaced = close_replaced = 0
        if reject_copies:
            replaced = self._redraw(X, groups, self._is_copy, rng,
                                    "could not avoid copying training rows after 50 redraws; the table is too "
                                    "small or too discrete for reject_copies")
        if too_close is not None:
            close_replaced = self._redraw(X, groups, too_close, rng,
                                          f"could not keep every row at least min_distance={min_distance} from "
                                          f"the training rows after 50 redraws; lower min_distance")
        self.last_sample_info_ = {"rows": n, "copies_replaced": replaced, "too_close_replaced": close_replaced}
        if id_start is None:
            df = self.encoder_.inverse_transform(X, id_offset=self._n_sampled_)
            self._n_sampled_ += n
        else:
            df = self.encoder_.inverse_transform(X, id_offset=int(id_start))
        return df

    def _redraw(self, X, groups, rejected, rng, failure: str) -> int:
        """Draw again, in place, the rows of ``X`` that ``rejected`` flags, until none is; returns how many rows
        were replaced (each once, however many draws it took). Each round checks every row still pending at
        once and draws them again under their own groups' conditions together (:meth:`_draw_groups`), so a
        DataFrame of 1,834 distinct conditions costs one check, not 1,834."""
        replaced = np.zeros(len(X), dtype=bool)
        owner = np.zeros(len(X), dtype=np.int64)  # each row's group
        for g, (_fixed, idx) in enumerate(groups):
            owner[idx] = g
        pending = np.arange(len(X))  # only rows drawn again need checking again
        for _ in range(50):
            pending = pending[rejected(X[pending])]
            if pending.size == 0:
                break
            replaced[pending] = True
            pending = pending[np.argsort(owner[pending], kind="stable")]
            kinds, starts = np.unique(owner[pending], return_index=True)
            bounds = np.r_[starts, pending.size]
            again = [(groups[g][0], np.arange(bounds[i], bounds[i + 1])) for i, g in enumerate(kinds)]
            X[pending] = (self._draw(pending.size, again[0][0], rng) if len(again) == 1
                          else self._draw_groups(again, pending.size, rng))
        else:
            raise InvalidParameterError(failure)
        return int(replaced.sum())

    def _check_min_distance(self, min_distance, reference):
        """A function telling which encoded rows sit closer than ``min_distance`` to a training row, or None."""
        if min_distance is None:
            return None
        if isinstance(min_distance, bool) or not isinstance(min_distance, numbers.Real) \
                or not 0 < min_distance <= 1:
            raise InvalidParameterError(f"min_distance must be a Gower distance in (0, 1], got {min_distance!r}")
        from synthlearn.evaluate.privacy import ClosestRecord

        closest = reference if isinstance(reference, ClosestRecord) else self.reference_index(reference)

        def too_close(X):
            if len(X) == 0:
                return np.zeros(0, dtype=bool)
            return closest.distances(self.encoder_.inverse_transform(X, id_offset=0)) < min_distance

        return too_close

    def reference_index(self, reference: pd.DataFrame | None = None):
        """The training rows ``reference`` (default: the table given to ``fit`` in this session) indexed for
        ``sample(min_distance=...)``'s nearest-row search: a
        :class:`~synthlearn.evaluate.privacy.ClosestRecord`. Pass it as ``sample``'s ``reference`` to build the
        index once for many calls (a streamed sample's partitions)."""
        self._check_fitted()
        if reference is None:
            reference = getattr(self, "_train_frame", None)
        if reference is None:
            raise InvalidParameterError("min_distance needs the training rows, which a loaded model does not keep; "
                                        "pass reference=<the training table>")
        if not isinstance(reference, pd.DataFrame):
            raise DataError(f"reference must be a pandas DataFrame, got {type(reference).__name__}")
        missing = [c for c in self.schema_.modelled if c not in reference.columns]
        if missing:
            raise DataError(f"reference lacks the column(s) {missing} of the fitted table")
        from synthlearn.evaluate.privacy import ClosestRecord  # the privacy report's own distance

        return ClosestRecord(reference, self.schema_)

    def _draw_groups(self, groups: list, n: int, rng) -> np.ndarray:
        """The ``n`` encoded rows of a DataFrame of conditions, split into ``groups`` of ``(fixed, rows)``.
        A subclass with ``_sample_given`` (model column → one value per row) draws the groups that fix the
        same columns together, each row with its own values (2,000 rows conditioned on as many cities: one
        draw, not 1,500); otherwise one draw per group."""
        X = np.empty((n, len(self.encoder_.columns_)))
        if not hasattr(self, "_sample_given"):
            for fixed, idx in groups:
                X[idx] = self._draw(len(idx), fixed, rng)
            return X
        together: dict[tuple, list] = {}
        for fixed, idx in groups:
            together.setdefault(tuple(sorted(fixed)), []).append((fixed, idx))
        for columns, members in together.items():
            idx = np.concatenate([i for _, i in members])
            if not columns:
                X[idx] = self._sample(idx.size, rng)
                continue
            X[idx] = self._sample_given({j: np.concatenate([np.full(i.size, float(f[j])) for f, i in members])
                                         for j in columns}, rng)
        return X

    def _draw(self, n: int, fixed: dict, rng) -> np.ndarray:
        """Encoded rows meeting ``fixed``: natively if the subclass can, else by rejection."""
        from synthlearn.synth.conditions import rejection_sample

        if not fixed:
            return self._sample(n, rng)
        X = self._sample_conditional(n, fixed, rng)
        if X is None:
            X = rejection_sample(self._sample, n, fixed, self.encoder_, rng)
        return X

    def _sample_conditional(self, n: int, fixed: dict, rng):
        """Native conditional sampling; ``None`` means 'not supported, use rejection'."""
        return None

    def _row_hashes(self, X: np.ndarray) -> np.ndarray:
        """Hashes of encoded rows as the decoder will write them (integers rounded, NaN kept)."""
        decoded = self.encoder_.transform(self.encoder_.inverse_transform(X))
        return pd.util.hash_pandas_object(pd.DataFrame(np.round(decoded, 9)), index=False).to_numpy()

    def _is_copy(self, X: np.ndarray) -> np.ndarray:
        return np.isin(self._row_hashes(X), self.train_hashes_)

    # ---------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Save the fitted synthesizer to the folder ``path`` (replaced atomically).

        An existing ``path`` is replaced only when it is empty or holds just a saved synthesizer's files.
        """
        from synthlearn.atomic import atomic_folder, holds_only

        self._check_fitted()

        def write(tmp: Path) -> None:
            state, arrays = self._get_state(tmp)
            meta = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "class": type(self).__name__,
                "params": _json_params(self.get_params()),
                "n_rows": self.n_rows_,
                "encoder": self.encoder_.get_state(),
                "state": state,
                "versions": _versions(),
            }
            (tmp / "synthesizer.json").write_text(json.dumps(meta, indent=1) + "\n")
            np.savez(tmp / "arrays.npz", train_row_hashes=self.train_hashes_, seen_category_pairs=self.seen_pairs_,
                     **arrays)

        return atomic_folder(path, write, may_replace=holds_only(*MODEL_FILES))

    @staticmethod
    def load(path: str | os.PathLike) -> Synthesizer:
        """Load a synthesizer saved with :meth:`save`; the class is read from the folder."""
        path = Path(path)
        if not path.is_dir():
            raise ModelFileError(f"model folder not found: '{path}'; give the folder written by `synthesize` or save()")
        meta_file = path / "synthesizer.json"
        if not meta_file.is_file():
            raise ModelFileError(f"'{path}' is not a synthlearn model: missing synthesizer.json")
        try:
            meta = json.loads(meta_file.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelFileError(f"'{meta_file}' is corrupt ({exc}); save the model again") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ModelFileError(f"'{meta_file}' is not a synthlearn synthesizer file")
        if meta.get("format_version", 0) < FORMAT_VERSION:
            raise ModelFileError(
                f"'{path}' uses the older model format {meta.get('format_version')}; fit and save it again"
            )
        if meta.get("format_version", 0) > FORMAT_VERSION:
            raise ModelFileError(
                f"'{path}' was saved by a newer synthlearn (format {meta['format_version']}); upgrade synthlearn"
            )
        cls = _REGISTRY.get(meta.get("class"))
        if cls is None:
            raise ModelFileError(f"'{meta_file}' names unknown synthesizer class {meta.get('class')!r}")
        arrays_file = path / "arrays.npz"
        if not arrays_file.is_file():
            raise ModelFileError(f"'{path}' is missing arrays.npz; save the model again")
        try:
            with np.load(arrays_file, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except Exception as exc:
            raise ModelFileError(f"'{arrays_file}' is corrupt ({type(exc).__name__}); save the model again") from None
        try:
            obj = cls(**meta["params"])
            obj.train_hashes_ = arrays.pop("train_row_hashes")
            obj.seen_pairs_ = arrays.pop("seen_category_pairs", None)  # absent: saved before the check
            obj.encoder_ = TableEncoder.from_state(meta["encoder"])
            obj.schema_ = obj.encoder_.schema_
            obj.n_rows_ = int(meta["n_rows"])
            obj._set_state(meta["state"], arrays, path)
        except ModelFileError:
            raise
        except Exception as exc:
            raise ModelFileError(f"'{path}' is corrupt or incomplete ({type(exc).__name__}: {exc}); save it again") from None
        obj._rng_ = np.random.default_rng(obj.random_state)
        obj._n_sampled_ = 0
        return obj

    # ------------------------------------------------------------- internals
    def _check_fitted(self) -> None:
        if not hasattr(self, "encoder_"):
            raise SynthesizerNotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(df) first")

    def _validate_params(self) -> None:
        """Check constructor parameters; subclasses extend with their own table."""
        check_seed(self.random_state, maximum=None, generator=True)

    def _fit(self, X: np.ndarray, rng: np.random.Generator) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _get_state(self, folder: Path) -> tuple[dict, dict[str, np.ndarray]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _set_state(self, state: dict, arrays: dict[str, np.ndarray], folder: Path) -> None:  # pragma: no cover
        raise NotImplementedError


def _json_params(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, np.random.Generator):
            v = None
        out[k] = v
    return out


def _versions() -> dict:
    import sklearn

    from synthlearn import __version__

    return {
        "synthlearn": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
    }
