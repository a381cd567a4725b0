"""Sequential CART synthesizer, in the manner of synthpop (Nowok, Raab & Dibben 2016).

Columns are synthesized one after another. The first is drawn from its
marginal; each next column is drawn from a decision tree fitted on the
columns before it: a synthetic row falls into a leaf, and its value is a
*donor* drawn at random from the training rows in that leaf (for a
categorical column this is a draw from the leaf's class proportions). Numeric
donors can be smoothed with a Gaussian kernel whose bandwidth follows
Silverman's rule within the leaf, so values are not copied verbatim
(Reiter 2005; synthpop's ``smoothing = "density"``).

Missing values are their own indicator column, visited before the value, and
scikit-learn's trees route missing predictor values natively.

A categorical column with more than 256 levels (zip codes, city names) is
predicted by a tree that tells its most frequent levels apart and groups the
rarer ones, grown again within every leaf where grouped levels still mix
(:meth:`CARTSynthesizer._grow`), as scikit-learn's split search takes time in
proportion to the number of classes; donors keep the real levels.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from synthlearn.errors import ColumnError, DataError, InvalidParameterError, ModelFileError
from synthlearn.synth.base import Synthesizer

_SMOOTH_MIN_UNIQUE = 20  # columns with fewer distinct values are never smoothed
#: Most classes a tree is fitted on: a discrete column with more levels groups its rarer ones (see ``_grow``).
MAX_TREE_CLASSES = 256
_SHARE_GRID = 4_000_000  # leaves x distinct values whose donor shares are computed at once


class CARTSynthesizer(Synthesizer):
    """Synthesize a table column by column with decision trees.

    Parameters
    ----------
    min_samples_leaf : int, default=10
        Smallest leaf (synthpop's ``minbucket``). Larger leaves mix more
        training rows into each draw: more privacy, less detail. 10 keeps
        synthetic rows as far from the training rows as unseen real rows are
        on the benchmark tables (see ``benchmarks/RESULTS.md``).
    max_depth : int or None, default=None
        Depth limit of every tree.
    smoothing : {"none", "density"}, default="none"
        Gaussian kernel smoothing of numeric donor values (columns with at
        least 20 distinct values), with bandwidth from Silverman's rule in
        the leaf, times ``bandwidth``.
    bandwidth : float, default=1.0
        Multiplier of the smoothing bandwidth.
    visit_order : list of str or None, default=None
        Order in which table columns are synthesized; default: table order.
    random_state : int, numpy Generator or None, default=None
        Seed for the trees and the default sampling stream.

    Attributes
    ----------
    trees_ : list of (TreeArrays or None)
        The fitted tree of each model column in visit order, as plain arrays
        (``None`` for the first column, drawn from its marginal, and for
        constant columns).
    order_ : ndarray of int
        Model-column indices in visit order.

    Examples
    --------
    >>> from synthlearn.data import load_dataset
    >>> from synthlearn.synth import CARTSynthesizer
    >>> df = load_dataset("penguins")
    >>> CARTSynthesizer(random_state=0).fit(df).sample(5).shape
    (5, 8)
    """

    def __init__(
        self,
        *,
        min_samples_leaf: int = 10,
        max_depth: int | None = None,
        smoothing: str = "none",
        bandwidth: float = 1.0,
        visit_order: list[str] | None = None,
        random_state=None,
    ):
        self.min_samples_leaf = min_samples_leaf
        self.max_depth = max_depth
        self.smoothing = smoothing
        self.bandwidth = bandwidth
        self.visit_order = visit_order
        self.random_state = random_state

    def _validate_params(self) -> None:
        super()._validate_params()
        if isinstance(self.min_samples_leaf, bool) or not isinstance(self.min_samples_leaf, numbers.Integral) or self.min_samples_leaf < 1:
            raise InvalidParameterError(f"min_samples_leaf must be an integer >= 1, got {self.min_samples_leaf!r}")
        if self.max_depth is not None and (not isinstance(self.max_depth, numbers.Integral) or self.max_depth < 1):
            raise InvalidParameterError(f"max_depth must be None or an integer >= 1, got {self.max_depth!r}")
        if self.smoothing not in ("density", "none"):
            raise InvalidParameterError(f"smoothing must be 'density' or 'none', got {self.smoothing!r}")
        if not isinstance(self.bandwidth, numbers.Real) or self.bandwidth < 0:
            raise InvalidParameterError(f"bandwidth must be a number >= 0, got {self.bandwidth!r}")

    # ------------------------------------------------------------------ fit
    def _visit_positions(self) -> np.ndarray:
        columns = self.encoder_.columns_
        if self.visit_order is None:
            return np.arange(len(columns))
        modelled = {c.source for c in columns}
        unknown = [c for c in self.visit_order if c not in modelled]
        if unknown:
            raise ColumnError(f"visit_order names unknown or unmodelled column(s) {unknown}; use {sorted(modelled)}")
        rest = [c.source for c in columns if c.source not in self.visit_order]
        order = list(dict.fromkeys(list(self.visit_order) + rest))
        rank = {name: i for i, name in enumerate(order)}
        # stable sort keeps each missing indicator before its value column
        return np.array(sorted(range(len(columns)), key=lambda j: rank[columns[j].source]), dtype=np.int64)

    def _fit(self, X: np.ndarray, rng: np.random.Generator) -> None:
        too_big = np.nanmax(np.abs(X), axis=0, initial=0.0) > np.finfo(np.float32).max
        if too_big.any():
            name = self.encoder_.columns_[int(np.flatnonzero(too_big)[0])].source
            raise DataError(f"column '{name}' has values beyond +-3.4e38, which CART trees cannot split; rescale it")
        self.order_ = self._visit_positions()
        columns = self.encoder_.columns_
        Xo = X[:, self.order_]
        seed = int(rng.integers(2**31 - 1))
        self.trees_ = []
        self._leaf_index, self._leaf_start, self._leaf_count = [], [], []
        self._donors, self._leaf_bw = [], []
        for k, j in enumerate(self.order_):
            col = columns[j]
            rows = ~np.isnan(Xo[:, k])
            X_k, y = Xo[rows, :k], Xo[rows, k]
            n_levels = np.unique(y).size
            tree = None
            if k == 0 or n_levels == 1:
                leaves = np.zeros(y.size, dtype=np.int64)
            elif col.discrete and n_levels > MAX_TREE_CLASSES:
                tree = self._grow(X_k, y, seed + k, self.max_depth)
                leaves = tree.apply(X_k)
            else:
                fitted = self._fit_tree(col.discrete, X_k, y, seed + k, self.max_depth)
                tree = TreeArrays.from_sklearn(fitted)
                leaves = fitted.apply(X_k)
            self.trees_.append(tree)
            self._store_donors(y, leaves, 1 if tree is None else tree.left.size, smooth=self._smooths(col))

    def _fit_tree(self, discrete: bool, X: np.ndarray, y: np.ndarray, seed: int, max_depth: int | None):
        params = dict(min_samples_leaf=self.min_samples_leaf, max_depth=max_depth, random_state=seed)
        tree = DecisionTreeClassifier(**params) if discrete else DecisionTreeRegressor(**params)
        with warnings.catch_warnings():
            # the schema, not scikit-learn's guess, says a column is categorical; small tables and leaves
            # often hold more levels than half their rows
            warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%",
                                    category=UserWarning)
            return tree.fit(X, y)

    def _grow(self, X: np.ndarray, y: np.ndarray, seed: int, max_depth: int | None) -> TreeArrays:
        """The tree of a discrete column with more than ``MAX_TREE_CLASSES`` levels, in time that does not grow
        with their number.

        scikit-learn's split search costs O(classes) per candidate threshold: 42 s and 1.5 GB to fit a 35,000-row
        table with a 19,000- and a 6,000-level column. The tree is fitted instead on the levels' frequency ranks
        modulo ``MAX_TREE_CLASSES`` (the most frequent levels keep a class each, rarer ones share), and each leaf
        still holding levels that shared a class is grown again the same way on its rows. Donors stay the real
        levels; only the partition is approximate.
        """
        values, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
        rank = np.empty(values.size, dtype=np.int64)
        rank[np.argsort(-counts, kind="stable")] = np.arange(values.size)
        label = rank[codes] % MAX_TREE_CLASSES
        fitted = self._fit_tree(True, X, label, seed, max_depth)
        tree = TreeArrays.from_sklearn(fitted)
        if tree.left[0] == -1:
            return tree
        leaves = fitted.apply(X)
        depth = tree.depths()
        order = np.argsort(leaves, kind="stable")
        bounds = np.flatnonzero(np.diff(leaves[order])) + 1
        subtrees = {}
        for rows in np.split(order, bounds):
            leaf = int(leaves[rows[0]])
            if rows.size < 2 * self.min_samples_leaf or (max_depth is not None and depth[leaf] >= max_depth):
                continue
            if np.unique(y[rows]).size == np.unique(label[rows]).size:  # the tree saw this leaf's levels apart
                continue
            sub = self._grow(X[rows], y[rows], seed, None if max_depth is None else max_depth - depth[leaf])
            if sub.left[0] != -1:
                subtrees[leaf] = sub
        return tree.graft(subtrees)

    def _smooths(self, col) -> bool:
        return self.smoothing == "density" and not col.discrete and col.n_unique >= _SMOOTH_MIN_UNIQUE

    def _store_donors(self, y: np.ndarray, leaves: np.ndarray, n_nodes: int, *, smooth: bool) -> None:
        order = np.argsort(leaves, kind="stable")
        donors, sorted_leaves = y[order], leaves[order]
        count = np.bincount(sorted_leaves, minlength=n_nodes)
        start = np.concatenate([[0], np.cumsum(count)[:-1]])
        bw = np.zeros(n_nodes)
        if smooth:
            for node in np.flatnonzero(count > 1):
                bw[node] = _silverman(donors[start[node] : start[node] + count[node]])
            bw *= self.bandwidth
        self._donors.append(donors)
        self._leaf_start.append(start)
        self._leaf_count.append(count)
        self._leaf_bw.append(bw)

    # --------------------------------------------------------------- sample
    def _sample_conditional(self, n: int, fixed: dict, rng: np.random.Generator, *, max_draws=None):
        """Native for every condition (:meth:`_sample_given`)."""
        return self._sample_given({j: np.full(n, float(v)) for j, v in fixed.items()}, rng, max_draws=max_draws)

    def _sample_given(self, values: dict[int, np.ndarray], rng: np.random.Generator, *,
                      max_draws=None) -> np.ndarray:
        """Rows meeting per-row conditions: ``values`` maps model columns to one value per output row.

        A fixed column whose earlier columns (in the visit order) are all fixed too is set, and every later
        column is drawn given it. One after a free column is met by rejection within the draw, at its own
        place: a candidate row whose earlier columns fell into a leaf of the column's tree is kept with
        probability the share of that leaf's donors that meet the condition, over the largest share of any
        leaf, which keeps exactly the model's rows given the condition (Bayes' rule: P(earlier columns |
        value) is proportional to P(earlier columns) times P(value | their leaf)). Candidates a leaf makes
        unlikely are dropped before any later column is drawn, and a value concentrated in a few leaves is
        kept far more often than unconditional rows would meet it.

        Output rows of the same values share candidates: each round draws, for every such condition still
        short of rows, the candidates its acceptance so far (at first, the training rows' shares) says it
        needs, for all conditions at once; up to ``max_draws`` candidates per condition (None: its
        :func:`~synthlearn.synth.conditions.draw_budget`; then it is too rare, and sooner where the acceptance
        so far puts the rest out of reach: :func:`~synthlearn.synth.conditions.out_of_reach`)."""
        from synthlearn.synth.conditions import draw_budget, out_of_reach, round_sizes, too_rare_error

        n = len(next(iter(values.values())))
        fixed = {k: values[int(j)] for k, j in enumerate(self.order_) if int(j) in values}
        positions = sorted(fixed)
        conditions, group = np.unique(np.column_stack([fixed[k] for k in positions]), axis=0, return_inverse=True)
        group = group.ravel()
        by_group = {k: conditions[:, i] for i, k in enumerate(positions)}  # visit position -> value per condition
        weighers = {k: _Weigher(self, k, v) for k, v in by_group.items() if any(i not in fixed for i in range(k))}
        if not weighers:
            return self._in_model_order(self._draw_candidates(group, by_group, {}, rng)[0])
        n_groups = len(conditions)
        out = np.empty((n, len(self.order_)))
        waiting = np.argsort(group, kind="stable")  # output rows still without a row, grouped by condition
        tried, kept = np.zeros(n_groups), np.zeros(n_groups)
        budget = draw_budget(np.bincount(group, minlength=n_groups)) if max_draws is None else max_draws
        expected = np.prod([w.estimate for w in weighers.values()], axis=0)  # acceptance, per the training rows
        while waiting.size:
            short = np.bincount(group[waiting], minlength=n_groups)
            count = round_sizes(short, kept, tried, expected, budget)
            tried += count
            owner = np.repeat(np.arange(n_groups), count)
            S, owner = self._draw_candidates(owner, by_group, weighers, rng)
            kept += np.bincount(owner, minlength=n_groups)
            # the r-th kept candidate of a condition goes to its r-th waiting row (both in order)
            start = np.r_[0, np.cumsum(np.bincount(owner, minlength=n_groups))[:-1]]
            rank = np.arange(owner.size) - start[owner]
            wait_start = np.r_[0, np.cumsum(short)[:-1]]
            used = rank < short[owner]
            filled = waiting[wait_start[owner[used]] + rank[used]]
            out[filled] = S[used]
            waiting = np.setdiff1d(waiting, filled, assume_unique=True)  # keeps the grouped order
            left = np.bincount(group[waiting], minlength=n_groups)
            failed = np.flatnonzero(out_of_reach(left, kept, tried, budget))
            if failed.size:
                g = int(failed[0])
                raise too_rare_error(int(kept[g]), int(tried[g]),
                                     {int(self.order_[k]): float(v[g]) for k, v in by_group.items()}, self.encoder_)
        return self._in_model_order(out)

    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self._in_model_order(self._draw_candidates(np.arange(n), {}, {}, rng)[0])

    def _in_model_order(self, S: np.ndarray) -> np.ndarray:
        out = np.empty_like(S)
        out[:, self.order_] = S
        return out

    def _draw_candidates(self, owner: np.ndarray, fixed: dict, weighers: dict, rng: np.random.Generator):
        """Rows in visit order, one per entry of ``owner`` (the output row each is a candidate for), and
        ``owner`` less the candidates dropped: at a visit position of ``weighers`` a candidate is kept with
        its probability there; at one of ``fixed`` (visit position → value per output row) it takes its
        row's value; every other column is drawn from the donors of the leaf the row falls into."""
        columns = self.encoder_.columns_
        S = np.empty((owner.size, len(self.order_)))
        for k in range(len(self.order_)):
            if k in weighers:
                keep = rng.random(len(S)) < weighers[k].accept(self._leaves(k, S), owner)
                S, owner = S[keep], owner[keep]
            if k in fixed:
                S[:, k] = fixed[k][owner]
                continue
            col = columns[self.order_[k]]
            rows = np.ones(len(S), dtype=bool)
            indicator = self._indicator_position(k)
            if indicator is not None:  # value column: only where not missing
                rows = S[:, indicator] < 0.5
            n_rows = int(rows.sum())
            S[:, k] = np.nan
            if n_rows == 0:
                continue
            leaves = self._leaves(k, S[rows])
            count = self._leaf_count[k][leaves]
            pick = self._leaf_start[k][leaves] + (rng.random(n_rows) * count).astype(np.int64)
            values = self._donors[k][pick]
            if self._smooths(col):
                values = values + rng.standard_normal(n_rows) * self._leaf_bw[k][leaves]
            S[rows, k] = values
        return S, owner

    def _leaves(self, k: int, S: np.ndarray) -> np.ndarray:
        """The leaf of the tree at visit position ``k`` that each row of ``S`` (visit order) falls into."""
        tree = self.trees_[k]
        return tree.apply(S[:, :k]) if tree is not None else np.zeros(len(S), dtype=np.int64)

    def _indicator_position(self, k: int):
        """Visit position of the missing indicator of the value column at position ``k`` (None if none)."""
        columns = self.encoder_.columns_
        col = columns[self.order_[k]]
        if col.discrete:
            return None
        for pos, j in enumerate(self.order_[:k]):
            if columns[j].name == col.name + "#missing":
                return pos
        return None

    # ---------------------------------------------------------- persistence
    def _get_state(self, folder):
        arrays = {"order": self.order_}
        for k in range(len(self.order_)):
            arrays[f"donors_{k}"] = self._donors[k]
            arrays[f"start_{k}"] = self._leaf_start[k]
            arrays[f"count_{k}"] = self._leaf_count[k]
            arrays[f"bw_{k}"] = self._leaf_bw[k]
            if self.trees_[k] is not None:
                arrays.update({f"tree_{k}_{f}": v for f, v in self.trees_[k].to_arrays().items()})
        return {"n_columns": len(self.order_)}, arrays

    def _set_state(self, state, arrays, folder):
        m = int(state["n_columns"])
        self.order_ = np.asarray(arrays["order"], dtype=np.int64)
        self.trees_ = [TreeArrays.from_arrays({f: arrays[f"tree_{k}_{f}"] for f in TreeArrays.FIELDS})
                       if f"tree_{k}_left" in arrays else None for k in range(m)]
        self._donors = [arrays[f"donors_{k}"] for k in range(m)]
        self._leaf_start = [arrays[f"start_{k}"] for k in range(m)]
        self._leaf_count = [arrays[f"count_{k}"] for k in range(m)]
        self._leaf_bw = [arrays[f"bw_{k}"] for k in range(m)]
        n_nodes = [c.size for c in self._leaf_count]
        for k, tree in enumerate(self.trees_):
            if tree is not None and tree.left.size != n_nodes[k]:
                raise ModelFileError(f"tree {k} of the saved model does not match its leaf table; save it again")


class TreeArrays:
    """A fitted scikit-learn decision tree's structure as plain arrays, with ``apply``.

    Saving these arrays (``.npz``, no pickle) instead of the estimator keeps
    model folders inspectable and loading fast; :meth:`apply` routes rows
    exactly as ``DecisionTree*.apply`` does, missing values included.
    """

    FIELDS = ("left", "right", "feature", "threshold", "nan_left")

    def __init__(self, left, right, feature, threshold, nan_left):
        self.left = np.asarray(left, dtype=np.int64)
        self.right = np.asarray(right, dtype=np.int64)
        self.feature = np.asarray(feature, dtype=np.int64)
        self.threshold = np.asarray(threshold, dtype=float)
        self.nan_left = np.asarray(nan_left, dtype=bool)

    @classmethod
    def from_sklearn(cls, tree) -> TreeArrays:
        t = tree.tree_
        nan_left = getattr(t, "missing_go_to_left", np.zeros(t.node_count, dtype=bool))
        return cls(t.children_left, t.children_right, t.feature, t.threshold, nan_left)

    @classmethod
    def from_arrays(cls, arrays: dict) -> TreeArrays:
        return cls(*(arrays[f] for f in cls.FIELDS))

    def to_arrays(self) -> dict:
        return {f: getattr(self, f) for f in self.FIELDS}

    def depths(self) -> np.ndarray:
        """Depth of every node (the root's is 0)."""
        depth = np.zeros(self.left.size, dtype=np.int64)
        for node in range(self.left.size):  # scikit-learn numbers a parent before its children
            if self.left[node] != -1:
                depth[self.left[node]] = depth[self.right[node]] = depth[node] + 1
        return depth

    def graft(self, subtrees: dict[int, TreeArrays]) -> TreeArrays:
        """This tree with each leaf ``leaf`` of ``subtrees`` grown into the tree ``subtrees[leaf]``: its root
        takes the leaf's place (and number), its other nodes are numbered after this tree's."""
        parts = {f: [getattr(self, f).copy()] for f in self.FIELDS}
        n = self.left.size
        for leaf, sub in subtrees.items():
            shift = np.where(sub.left != -1, n - 1, 0)  # a child numbered c >= 1 in ``sub`` is c + n - 1 here
            moved = {"left": sub.left + shift, "right": sub.right + shift, "feature": sub.feature,
                     "threshold": sub.threshold, "nan_left": sub.nan_left}
            for f in self.FIELDS:
                parts[f][0][leaf] = moved[f][0]
                parts[f].append(moved[f][1:])
            n += sub.left.size - 1
        return TreeArrays(*(np.concatenate(parts[f]) for f in self.FIELDS))

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Index of the leaf each row of ``X`` falls into."""
        X = np.asarray(X, dtype=np.float32)  # as sklearn does: thresholds split float32 values
        node = np.zeros(X.shape[0], dtype=np.int64)
        active = np.arange(X.shape[0]) if self.left[0] != -1 else np.empty(0, dtype=np.int64)
        while active.size:
            nd = node[active]
            x = X[active, self.feature[nd]]
            go_left = np.where(np.isnan(x), self.nan_left[nd], x <= self.threshold[nd])
            nxt = np.where(go_left, self.left[nd], self.right[nd])
            node[active] = nxt
            active = active[self.left[nxt] != -1]
        return node


class _Weigher:
    """How a condition on the column at visit position ``k`` of a fitted :class:`CARTSynthesizer` weighs a
    candidate row: the share of the donors of the row's leaf that meet its output row's value (a discrete
    column: equal; a number: within the conditions' tolerance of the column's range, clipped to it as
    decoded), over the largest such share of any leaf (``accept``); and ``estimate``, per output row, the
    share of all donors that meet its value over that largest one: the candidates' expected acceptance if
    their leaves were spread as the training rows'.

    Donors are keyed ``leaf * span + value`` and sorted, so a leaf's donors within a window of values are
    one pair of binary searches, for any number of rows at once."""

    def __init__(self, synth: CARTSynthesizer, k: int, values: np.ndarray):
        from synthlearn.synth.conditions import NUMERIC_TOLERANCE, ConditionError, describe

        j = int(synth.order_[k])
        col = synth.encoder_.columns_[j]
        donors, self.count = synth._donors[k], synth._leaf_count[k]
        if col.discrete:
            base, self.tol, span = 0.0, 0.5, float(max(donors.max(initial=0), values.max()) + 2)
            level = donors
        else:
            spec = synth.encoder_.specs_[col.source]
            lo, hi = float(spec["min"]), float(spec["max"])
            base, self.tol = lo, NUMERIC_TOLERANCE * (hi - lo)
            span = (hi - lo) + 2 * self.tol + 1  # a leaf's window never reaches the next leaf's keys
            level = np.clip(donors, lo, hi)
        self.base, self.span = base, span
        node = np.repeat(np.arange(self.count.size), self.count)  # donors are stored grouped by node
        self.keys = np.sort(node * span + (level - base))
        self.values = values - base
        distinct, inverse = np.unique(self.values, return_inverse=True)
        leaves = np.flatnonzero(self.count > 0)
        top = np.zeros(distinct.size)
        step = max(1, _SHARE_GRID // max(leaves.size, 1))
        for a in range(0, distinct.size, step):
            v = distinct[a:a + step]
            top[a:a + step] = self._share(np.repeat(leaves, v.size), np.tile(v, leaves.size)).reshape(
                leaves.size, v.size).max(axis=0)
        if not top.all():
            value = float(distinct[np.flatnonzero(top == 0)[0]] + base)
            raise ConditionError(f"no training row has {describe(synth.encoder_, j, value)} (within "
                                 f"{NUMERIC_TOLERANCE:.1%} of the column's range), and this synthesizer draws "
                                 f"training values; condition on a value nearer the data")
        level = np.sort(level - base)
        overall = (np.searchsorted(level, distinct + self.tol, side="right")
                   - np.searchsorted(level, distinct - self.tol, side="left")) / max(level.size, 1)
        self.top = top[inverse]
        self.estimate = np.minimum(1.0, overall / top)[inverse]

    def _share(self, leaves: np.ndarray, values: np.ndarray) -> np.ndarray:
        at = leaves * self.span + values
        inside = (np.searchsorted(self.keys, at + self.tol, side="right")
                  - np.searchsorted(self.keys, at - self.tol, side="left"))
        return inside / np.maximum(self.count[leaves], 1)

    def accept(self, leaves: np.ndarray, owner: np.ndarray) -> np.ndarray:
        """The probability of keeping each candidate, in ``leaves``, for its output row ``owner``."""
        return self._share(leaves, self.values[owner]) / self.top[owner]


def _silverman(x: np.ndarray) -> float:
    """Silverman's rule-of-thumb bandwidth (R's ``bw.nrd0``)."""
    n = x.size
    sd = np.std(x, ddof=1)
    q75, q25 = np.percentile(x, [75, 25])
    spread = min(sd, (q75 - q25) / 1.34) if q75 > q25 else sd
    if spread <= 0:
        return 0.0
    return 0.9 * spread * n ** (-0.2)
