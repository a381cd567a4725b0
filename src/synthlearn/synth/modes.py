"""Mode-specific normalisation for neural synthesizers (Xu et al. 2019, "Modeling Tabular Data using
Conditional GAN", section 4.2).

Works on the shared encoding of :class:`~synthlearn.synth.TableEncoder`: every
continuous model column is modelled by a variational Gaussian mixture
(scikit-learn's ``BayesianGaussianMixture``, which switches off modes it does
not need; fitted on at most 5,000 of the column's values, drawn at random, as
its cost grows with the rows) and a value becomes a one-hot *mode* plus a scalar
``alpha = (x - mu_k) / (4 sigma_k)`` in (-1, 1). A value's mode is, by default, the one
of highest density there (``assignment="argmax"``); CTGAN draws it from the posterior
over the modes (``"sample"``), which makes it noise where modes overlap: on diamonds,
whose ``depth`` has nine overlapping modes, argmax raised both synthesizers'
synthetic-trained random-forest accuracy (benchmarks/RESULTS.md). Every discrete column
(categories, missing indicators) becomes a one-hot vector, one slot per level, except that a column of
more than :data:`MAX_MODEL_LEVELS` levels keeps only its most frequent ones as slots of their own and
pools every other level into one shared "other" slot (:class:`LevelPool`; mostly AI's "rare category
protection"), which decoding turns back into one of the pooled levels, drawn by their training
frequencies among the rows of the same slot of the column that best predicts them (a city's state). The layout is
described by :class:`Span` entries so models know which outputs get ``tanh``
and which a softmax. Reversible: :meth:`ModeEncoder.inverse_transform`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np

from synthlearn.errors import InvalidParameterError
from synthlearn.synth.transform import ModelColumn

_MAX_MODES = 10
_MIN_WEIGHT = 0.005
_FIT_ROWS = 5000  # the mixture of one column is fitted on at most this many values (its cost is linear)
_MAX_ITER = 100  # EM iterations of each mixture: scikit-learn's default, which CTGAN's encoder keeps
ASSIGNMENTS = ("argmax", "sample")  # how a value's mode is chosen (ModeEncoder's ``assignment``)
#: A discrete column of more levels than this keeps its ``MAX_MODEL_LEVELS - 1`` most frequent levels as slots
#: of their own and shares one "other" slot among the rest (:class:`LevelPool`). Every row, the conditional
#: vector and the padded grid of the losses are as wide as the widest block, so a city of 19,092 levels made
#: rows 25,000 wide (110 s per VAE epoch on 24,500 rows); 100 is above every column of the benchmark tables
#: (the widest, adult's native-country, has 41 levels), so they are encoded as before, and leaves each kept
#: level of a pooled column at least 1 % of the GAN's draws of that column's conditional vector.
MAX_MODEL_LEVELS = 100
_GIVEN_SHUFFLES = 8  # random orders of a candidate given column's slots, for the chance level of its entropy


def block_grid(rows, blocks):
    """``rows[:, blocks]`` for the padded block grid of :meth:`ModeEncoder.layout`, an
    ``(n, n_blocks, max_width)`` tensor. Through ``index_select``, whose gradient is ``index_add``:
    on the CPU both are several times faster than advanced indexing and its accumulating ``index_put``."""
    return rows.index_select(1, blocks.flatten()).view(rows.shape[0], *blocks.shape)


def block_choice(rows, blocks, pad):
    """The index of the largest entry of each block of ``rows`` (the padded grid of :func:`block_grid`,
    ``pad`` marking its padding): an ``(n, n_blocks)`` tensor. Through ``max``'s indices, the same as
    ``argmax``'s (the first of equal maxima) in three quarters of its time on the CPU."""
    return block_grid(rows, blocks).masked_fill_(pad, float("-inf")).max(dim=2).indices


def block_softmax(logits, temperature: float = 1.0):
    """Softmax over the last dimension of a padded block grid (:func:`block_grid`, padding at -inf), in
    float32 as autocast would take it. Written out (exp of the logits less their maximum, over the sum):
    torch's CPU softmax over a last dimension of ten took 1.1-1.3 ms for a 500 x 10 x 10 grid, this
    0.13 ms, and 0.55 against 1.5 ms with the backward pass."""
    z = logits.float() / temperature
    e = (z - z.amax(dim=-1, keepdim=True).detach()).exp()  # the shift changes no value nor gradient
    return e / e.sum(dim=-1, keepdim=True)


def block_cross_entropy(logits, target):
    """Summed cross-entropy of the rows of ``logits`` (a padded block grid, or any ``(..., width)``
    tensor) against the indices ``target`` (its shape less the last dimension): the log-sum-exp less the
    target's logit, in float32. Torch's cross-entropy over rows of ten took 1.65 against 0.43 ms, with the
    backward pass, for a 500 x 10 x 10 grid."""
    z = logits.float()
    top = z.amax(dim=-1, keepdim=True).detach()
    log_sum = (z - top).exp().sum(dim=-1).log() + top.squeeze(-1)
    return (log_sum - z.gather(-1, target.unsqueeze(-1)).squeeze(-1)).sum()


@dataclass(frozen=True)
class LevelPool:
    """The slots of a discrete column of more than :data:`MAX_MODEL_LEVELS` levels: its
    ``MAX_MODEL_LEVELS - 1`` most frequent levels (ties: the lower code) are slots ``0..`` in code
    order, every other level is the last slot, "other", which decodes to one of them drawn with
    their training frequencies among the rows of the same slot of the ``given`` column.

    ``slot``: the slot of every level (code), ``(n_levels,)``; ``freq``: every level's training
    frequency, ``(n_levels,)``; ``given``: the discrete model column whose slot best predicts the pooled
    level (:meth:`with_given`), -1 for none (then the draw is by ``freq`` alone, as in models saved
    before it); ``pair_slot``, ``pair_level``, ``pair_count``: the (given column's slot, pooled level)
    pairs of the training rows of "other", sorted, with their counts, ``(n_pairs,)`` each."""

    slot: np.ndarray
    freq: np.ndarray
    given: int = -1
    pair_slot: np.ndarray | None = None
    pair_level: np.ndarray | None = None
    pair_count: np.ndarray | None = None

    @classmethod
    def fit(cls, codes: np.ndarray, n_levels: int) -> LevelPool:
        counts = np.bincount(codes.astype(np.int64), minlength=n_levels)
        kept = np.sort(np.argsort(-counts, kind="stable")[:MAX_MODEL_LEVELS - 1])
        slot = np.full(n_levels, MAX_MODEL_LEVELS - 1, dtype=np.int64)
        slot[kept] = np.arange(kept.size)
        return cls(slot, counts / max(counts.sum(), 1))

    def with_given(self, codes: np.ndarray, slots: np.ndarray, candidates: list[int],
                   rng: np.random.Generator) -> LevelPool:
        """This pool with its ``given`` column: of the ``candidates`` (model columns; ``slots`` their
        slots, ``(n_rows, n_columns)``, ``codes`` this column's levels), the one whose slot lowers the
        conditional entropy of the pooled level, on the training rows of "other", most below what the
        same slots give in random order (the first of equal ones); the pool unchanged if none lowers it
        by more than three standard deviations of that chance level.

        In random order too, a slot "predicts" the levels seen once (most pooled ones), so the raw
        entropy would prefer any column of many slots; against chance, only levels seen more than once
        with consistent slots count, as a city always seen in one state."""
        codes = codes.astype(np.int64)
        other = self.slot[codes] == self.n_slots - 1
        level = codes[other]
        if not level.size:
            return self
        n_levels = self.slot.size

        def conditional_entropy(s):  # of the level given the slot s, and the (slot, level) pairs
            keys, counts = np.unique(s * n_levels + level, return_counts=True)
            per_slot = np.bincount(s)
            per_slot = per_slot[per_slot > 0]
            return (float((per_slot * np.log(per_slot)).sum() - (counts * np.log(counts)).sum()) / level.size,
                    keys, counts)

        orders = [rng.permutation(level.size) for _ in range(_GIVEN_SHUFFLES)]  # the same for every candidate
        best, best_gain, best_pairs = -1, 0.0, None
        for g in candidates:
            s = slots[other, g].astype(np.int64)
            h, keys, counts = conditional_entropy(s)
            chance = np.array([conditional_entropy(s[order])[0] for order in orders])
            gain = chance.mean() - h
            if gain > max(best_gain, 3 * chance.std(ddof=1)) + 1e-9:
                best, best_gain, best_pairs = g, gain, (keys, counts)
        if best < 0:
            return self
        keys, counts = best_pairs
        return replace(self, given=best, pair_slot=keys // n_levels, pair_level=keys % n_levels,
                       pair_count=counts.astype(np.int64))

    @property
    def n_slots(self) -> int:
        return int(self.slot.max()) + 1

    def tables(self):
        """For decoding: the level of every slot (-1 for "other"), the pooled levels and the cumulative
        distribution of their frequencies, as torch tensors; with a ``given`` column, also the pairs'
        levels, their cumulative counts (float64, exact) and per slot of the given column its first and
        last pair, the rows of the pairs before its first and its number of rows (zero where none had a
        pooled level), else None."""
        import torch

        other = self.n_slots - 1
        level = np.full(self.n_slots, -1, dtype=np.int64)
        kept = np.flatnonzero(self.slot < other)
        level[self.slot[kept]] = kept
        pooled = np.flatnonzero(self.slot == other)
        weight = self.freq[pooled] if self.freq[pooled].sum() > 0 else np.ones(pooled.size)
        cdf = np.cumsum(weight) / weight.sum()
        tables = (torch.from_numpy(level), torch.from_numpy(pooled), torch.from_numpy(cdf))
        if self.given < 0:
            return (*tables, None)
        n_given = int(self.pair_slot.max()) + 1
        first = np.searchsorted(self.pair_slot, np.arange(n_given))
        last = np.searchsorted(self.pair_slot, np.arange(n_given), side="right") - 1
        cum = np.cumsum(self.pair_count).astype(np.float64)
        total = np.bincount(self.pair_slot, weights=self.pair_count, minlength=n_given)
        below = np.r_[0.0, cum][first]  # the rows of the pairs before a slot's first
        return (*tables, tuple(torch.from_numpy(a) for a in (self.pair_level, cum, first, last, below, total)))


@dataclass(frozen=True)
class Span:
    """A block of the encoded vector: ``width`` outputs from ``start`` with one activation."""

    start: int
    width: int
    activation: str  # "tanh" or "softmax"
    column: int  # model column it belongs to


def check_assignment(value) -> None:
    """The synthesizers' ``mode_assignment`` parameter: one of :data:`ASSIGNMENTS`."""
    if not isinstance(value, str) or value not in ASSIGNMENTS:
        raise InvalidParameterError(f"mode_assignment must be {' or '.join(map(repr, ASSIGNMENTS))}, got {value!r}")


class ModeEncoder:
    """Encode a model-column matrix for neural networks, and back.

    ``assignment``: how :meth:`transform` gives a value its mode: ``"argmax"``, the mode of
    highest density at the value (so the mode is a function of the value), or ``"sample"``, a
    draw from the posterior over the modes, as in CTGAN.

    After ``fit``: ``modes_`` (per model column, a continuous one's mode means and standard
    deviations, None for a discrete one), ``pools_`` (the :class:`LevelPool` of every discrete
    column of more than :data:`MAX_MODEL_LEVELS` levels, by model column), ``spans_`` and ``width_``.
    """

    def __init__(self, assignment: str = "argmax"):
        self.assignment = assignment

    def fit(self, X: np.ndarray, columns: list[ModelColumn], random_state: int) -> ModeEncoder:
        from sklearn.mixture import BayesianGaussianMixture

        self.columns_ = columns
        self.modes_ = []  # per continuous column: (means, stds); None for discrete
        self.pools_ = {}  # per discrete column of more than MAX_MODEL_LEVELS levels: its LevelPool
        for j, col in enumerate(columns):
            if col.discrete:
                self.modes_.append(None)
                if col.n_categories > MAX_MODEL_LEVELS:
                    self.pools_[j] = LevelPool.fit(X[:, j], col.n_categories)
                continue
            x = X[:, j]
            x = x[~np.isnan(x)]
            n_modes = int(min(_MAX_MODES, max(1, np.unique(x).size)))
            if n_modes == 1 or x.size < 2:
                means, stds = np.array([x.mean() if x.size else 0.0]), np.array([max(x.std(), 1e-3) if x.size else 1.0])
            else:
                if x.size > _FIT_ROWS:
                    x = np.random.default_rng(random_state).choice(x, _FIT_ROWS, replace=False)
                gm = BayesianGaussianMixture(n_components=n_modes, weight_concentration_prior_type="dirichlet_process",
                                             weight_concentration_prior=1e-3, n_init=1, max_iter=_MAX_ITER,
                                             random_state=random_state)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    gm.fit(x.reshape(-1, 1))
                keep = gm.weights_ > _MIN_WEIGHT
                means = gm.means_.ravel()[keep]
                stds = np.sqrt(gm.covariances_.ravel()[keep])
                spread = max(float(x.std()), 1e-6)
                stds = np.maximum(stds, spread * 1e-3)
            self.modes_.append((means.astype(float), stds.astype(float)))
        if self.pools_:
            slots, rng = self.slots(X), np.random.default_rng(random_state)
            discrete = [j for j, col in enumerate(columns) if col.discrete]
            for j, pool in self.pools_.items():
                self.pools_[j] = pool.with_given(X[:, j], slots, [g for g in discrete if g != j], rng)
        self._build_spans()
        return self

    def _build_spans(self) -> None:
        spans, start = [], 0
        for j, col in enumerate(self.columns_):
            if col.discrete:
                width = self.pools_[j].n_slots if j in self.pools_ else col.n_categories
                spans.append(Span(start, width, "softmax", j))
                start += width
            else:
                k = self.modes_[j][0].size
                spans += [Span(start, 1, "tanh", j), Span(start + 1, k, "softmax", j)]
                start += 1 + k
        self.spans_, self.width_ = spans, start
        layout, offset = [], 0
        for s in spans:
            if self.columns_[s.column].discrete:
                layout.append((s.column, s.start, offset, s.width))
                offset += s.width
        self._condition_layout = (layout, offset)
        self._decode_tables, self._pool_tables = None, {}  # built on the first decode

    def slots(self, X: np.ndarray) -> np.ndarray:
        """``X`` with the codes of every pooled column (:class:`LevelPool`) replaced by their slots: the
        categories as the one-hot blocks and the conditional vector see them (``X`` itself when no column
        is pooled)."""
        if not self.pools_:
            return X
        S = X.copy()
        for j, pool in self.pools_.items():
            S[:, j] = pool.slot[X[:, j].astype(np.int64)]
        return S

    def slot(self, j: int, code: int) -> int:
        """The slot of category ``code`` of discrete model column ``j``."""
        return int(self.pools_[j].slot[code]) if j in self.pools_ else int(code)

    def pooled_columns(self) -> dict[str, int]:
        """The table columns whose rare levels share a slot, with their number of levels."""
        return {self.columns_[j].source: pool.slot.size for j, pool in self.pools_.items()}

    def layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions for vectorised losses: the ``tanh`` outputs, and every softmax block padded to one grid.

        Returns ``tanh`` (indices of the scalar outputs), ``blocks`` (an
        ``(n_blocks, max_width)`` index into the encoded row, padding repeats
        the block's first position) and ``valid`` (same shape, False on padding).
        """
        tanh = np.array([s.start for s in self.spans_ if s.activation == "tanh"], dtype=np.int64)
        soft = [s for s in self.spans_ if s.activation == "softmax"]
        width = max((s.width for s in soft), default=1)
        blocks = np.zeros((len(soft), width), dtype=np.int64)
        valid = np.zeros((len(soft), width), dtype=bool)
        for i, s in enumerate(soft):
            blocks[i] = s.start
            blocks[i, :s.width] = np.arange(s.start, s.start + s.width)
            valid[i, :s.width] = True
        return tanh, blocks, valid

    def condition_layout(self) -> tuple[list[tuple[int, int, int, int]], int]:
        """The conditional vector of the neural synthesizers: one one-hot slot per category of every
        discrete column (of a pooled column: its kept levels and "other"). Returns ``[(model column,
        span start in the row, offset in the vector, width)]`` and the vector's width."""
        return self._condition_layout

    def transform(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Encode; a value's mode is the one of highest density there, or with
        ``assignment="sample"`` a draw (from ``rng``) from its posterior over the modes, as in CTGAN."""
        n = X.shape[0]
        out = np.zeros((n, self.width_), dtype=np.float32)
        X = self.slots(X)
        for span in self.spans_:
            j = span.column
            x = X[:, j]
            if self.columns_[j].discrete:
                out[np.arange(n), span.start + x.astype(np.int64)] = 1.0
            elif span.activation == "tanh":
                means, stds = self.modes_[j]
                observed = ~np.isnan(x)
                xv = np.where(observed, x, means[0])
                z = (xv[:, None] - means) / stds
                if self.assignment == "argmax":  # in logs: far from every mode, densities underflow to ties
                    mode = (-0.5 * z ** 2 - np.log(stds)).argmax(axis=1)
                else:
                    dens = np.exp(-0.5 * z ** 2) / stds + 1e-12
                    prob = dens / dens.sum(axis=1, keepdims=True)
                    u = rng.random(n)[:, None]
                    mode = np.minimum((prob.cumsum(axis=1) < u).sum(axis=1), means.size - 1)
                alpha = np.clip((xv - means[mode]) / (4 * stds[mode]), -0.99, 0.99)
                out[:, span.start] = np.where(observed, alpha, 0.0)
                out[np.arange(n), span.start + 1 + mode] = 1.0
        return out

    def inverse_transform(self, E: np.ndarray) -> np.ndarray:
        """Decode network outputs (alphas and one-hot or probability blocks) to model columns."""
        import torch

        return self.decode(torch.from_numpy(np.ascontiguousarray(E, dtype=np.float32))).numpy()

    def decode(self, rows, gen=None):
        """:meth:`inverse_transform` of a torch tensor of encoded rows, as a float64 tensor of model
        columns: every category and mode is the argmax of its block, in one pass over a padded grid
        of the blocks (the neural synthesizers decode each sampling chunk while it is in cache).
        The "other" slot of a pooled column becomes one of its pooled levels, drawn by their training
        frequencies with the torch generator ``gen`` (None: seeded with 0); without pooled columns
        ``gen`` is not used."""
        import torch

        blocks, pad, discrete, discrete_block, continuous, tanh, mode_block, mode_first, means, scales = (
            self.decode_tables())
        X = torch.zeros(rows.shape[0], len(self.columns_), dtype=torch.float64)
        if blocks.numel():
            chosen = block_choice(rows, blocks, pad)
            X.index_copy_(1, discrete, chosen.index_select(1, discrete_block).double())
            if len(continuous):
                cell = chosen.index_select(1, mode_block).add_(mode_first)
                alpha = rows.index_select(1, tanh).clamp_(-1, 1).double()
                X.index_copy_(1, continuous, alpha.mul_(scales.take(cell)).add_(means.take(cell)))
        if self._pool_tables:
            if gen is None:
                gen = torch.Generator().manual_seed(0)
            # the given columns' slots, before any pooled column's become levels
            given = {pool.given: X[:, pool.given].long() for pool in self.pools_.values() if pool.given >= 0}
            for j, (level, pooled, cdf, pairs) in self._pool_tables.items():
                codes = level.index_select(0, X[:, j].long())
                other = (codes < 0).nonzero().squeeze(1)
                if len(other):
                    u = torch.rand(len(other), generator=gen, dtype=torch.float64)
                    drawn = pooled.index_select(0, torch.searchsorted(cdf, u, right=True).clamp_(max=len(pooled) - 1))
                    if pairs is not None:
                        drawn = self._draw_given(drawn, u, given[self.pools_[j].given].index_select(0, other), pairs)
                    codes.index_copy_(0, other, drawn)
                X[:, j] = codes.double()
        return X

    @staticmethod
    def _draw_given(drawn, u, slot, pairs):
        """``drawn`` (the overall draws by ``u``), where the given column's ``slot`` had pooled levels in
        training, replaced by the level of the pair that ``u`` picks among that slot's, by their counts:
        one search of the pairs' cumulative counts for all rows."""
        import torch

        pair_level, cum, first, last, below, total = pairs
        n = total.index_select(0, slot.clamp(max=len(total) - 1)).masked_fill_(slot >= len(total), 0)
        seen = (n > 0).nonzero().squeeze(1)
        if len(seen):
            slot, n = slot.index_select(0, seen), n.index_select(0, seen)
            target = below.index_select(0, slot) + u.index_select(0, seen) * n
            k = torch.searchsorted(cum, target, right=True)
            k = torch.minimum(torch.maximum(k, first.index_select(0, slot)), last.index_select(0, slot))
            drawn.index_copy_(0, seen, pair_level.index_select(0, k))
        return drawn

    def decode_tables(self) -> tuple:
        """The index tensors :meth:`decode` reads, built on first use (the sampling threads call
        this once before they start, so that they never build them concurrently)."""
        import torch

        if self._decode_tables is None:
            tanh, blocks, valid = (torch.from_numpy(a) for a in self.layout())
            soft = [s for s in self.spans_ if s.activation == "softmax"]
            means = np.zeros(blocks.shape)
            stds = np.zeros(blocks.shape)
            block_of = {}
            for i, span in enumerate(soft):
                block_of[span.column] = i  # a continuous column's only softmax block is its modes
                if not self.columns_[span.column].discrete:
                    means[i, :span.width], stds[i, :span.width] = self.modes_[span.column]
            discrete = [j for j, c in enumerate(self.columns_) if c.discrete]
            continuous = [j for j, c in enumerate(self.columns_) if not c.discrete]
            mode_block = torch.tensor([block_of[j] for j in continuous], dtype=torch.long)
            # for index_select, index_copy and take, faster on the CPU than advanced indexing
            self._decode_tables = (
                blocks, ~valid, torch.tensor(discrete, dtype=torch.long),
                torch.tensor([block_of[j] for j in discrete], dtype=torch.long),
                torch.tensor(continuous, dtype=torch.long), tanh, mode_block, mode_block * blocks.shape[1],
                torch.from_numpy(means.ravel()), torch.from_numpy(4 * stds.ravel()))
            self._pool_tables = {j: pool.tables() for j, pool in self.pools_.items()}
        return self._decode_tables

    def get_state(self) -> tuple[dict, dict]:
        arrays = {}
        for j, modes in enumerate(self.modes_):
            if modes is not None:
                arrays[f"mode_means_{j}"], arrays[f"mode_stds_{j}"] = modes
        for j, pool in self.pools_.items():
            arrays[f"level_slot_{j}"], arrays[f"level_freq_{j}"] = pool.slot, pool.freq
            if pool.given >= 0:
                arrays[f"level_given_{j}"] = np.array([pool.given], dtype=np.int64)
                arrays[f"level_pair_slot_{j}"], arrays[f"level_pair_level_{j}"], arrays[f"level_pair_count_{j}"] = (
                    pool.pair_slot, pool.pair_level, pool.pair_count)
        return {}, arrays

    @classmethod
    def from_state(cls, columns: list[ModelColumn], arrays: dict) -> ModeEncoder:
        enc = cls()
        enc.columns_ = columns
        enc.modes_ = [None if c.discrete else (arrays[f"mode_means_{j}"], arrays[f"mode_stds_{j}"])
                      for j, c in enumerate(columns)]
        # absent in folders saved before the pooling, whose columns all kept every level
        enc.pools_ = {j: LevelPool(np.asarray(arrays[f"level_slot_{j}"], dtype=np.int64),
                                   np.asarray(arrays[f"level_freq_{j}"], dtype=np.float64))
                      for j in range(len(columns)) if f"level_slot_{j}" in arrays}
        for j, pool in enc.pools_.items():  # absent in folders saved before the given column: the overall draw
            if f"level_given_{j}" in arrays:
                enc.pools_[j] = replace(pool, given=int(np.asarray(arrays[f"level_given_{j}"])[0]),
                                        **{f"pair_{k}": np.asarray(arrays[f"level_pair_{k}_{j}"], dtype=np.int64)
                                           for k in ("slot", "level", "count")})
        enc._build_spans()
        return enc
