"""The conditional vector of the neural synthesizers (Xu et al. 2019, section 4.3).

One slot per category of every discrete column (:meth:`ModeEncoder.condition_layout`; a column
of many levels has a slot per frequent level and one shared by the rest, see
:class:`~synthlearn.synth.modes.LevelPool`); a vector names one category of one column. The GAN
learns it by training-by-sampling, the VAE from each row's own category of a column drawn at random. Unconditional
sampling draws the column uniformly and the category with its real frequency, which
is the vector's distribution in training; a condition on discrete columns is
native (every vector names the rarest fixed category, further conditions are met by
rejection among these draws; a pooled level names its given column's slot), one on
numbers alone falls back to rejection, and a DataFrame of conditions goes through the
network in one pass where no row needs rejection.
Both models also sample the same way: noise beside conditional vectors, through their
network, decoded chunk by chunk (:meth:`ConditionVectorMixin._sample_chunks`).
"""

from __future__ import annotations

import numpy as np

_SAMPLE_CHUNK = 4096  # rows per sampling chunk: it stays in cache; larger ones cost more in fresh allocations


class ConditionVectorMixin:
    """For synthesizers with a fitted ``modes_`` (:class:`~synthlearn.synth.modes.ModeEncoder`),
    ``cond_dim_`` (0: no conditional vector), an ``embedding_dim`` (the noise's width) and a
    ``_sample(n, rng, condition=None)`` that takes ``(layout index, category code)``."""

    def _sample_chunks(self, n: int, rng: np.random.Generator, condition, network) -> np.ndarray:
        """``n`` rows of model columns: per chunk, standard normal noise and the conditional vectors'
        positions (:meth:`_condition_codes`) go through ``network(z, codes, gen) -> (encoded rows,
        order)`` (``gen``: the torch generator of the chunk, for any further noise; ``order``: None, or
        the output row of each encoded row, for a network that makes them in another order), and the
        rows are decoded while in cache.

        Chunks run on as many Python threads as torch has intra-op threads, each op on one thread:
        the noise, the conditional vectors and the decoding are serial in torch, so this scales
        where intra-op threads do not. Every chunk has its own seed, so the rows do not depend on
        the number of threads."""
        import torch

        starts = range(0, n, _SAMPLE_CHUNK)
        seeds = rng.integers(2**63 - 1, size=len(starts))
        out = torch.empty(n, len(self.modes_.columns_), dtype=torch.float64)

        def run(k):
            lo = starts[k]
            m = min(_SAMPLE_CHUNK, n - lo)
            gen = torch.Generator().manual_seed(int(seeds[k]))
            with torch.no_grad():  # grad mode is per thread
                z = torch.randn(m, self.embedding_dim, generator=gen)
                here = condition[lo:lo + m] if isinstance(condition, np.ndarray) else condition  # per row: slice
                rows, order = network(z, self._condition_codes(m, gen, here), gen)
                if order is None:
                    out[lo:lo + m] = self.modes_.decode(rows, gen)
                else:  # decoded before reordering: fewer columns to move
                    out[lo:lo + m].index_copy_(0, order, self.modes_.decode(rows, gen))

        self.modes_.decode_tables()  # built here, never by two threads at once
        before = torch.get_num_threads()
        threads = min(before, len(starts))
        if threads <= 1:
            for k in range(len(starts)):
                run(k)
        else:
            from concurrent.futures import ThreadPoolExecutor

            torch.set_num_threads(1)
            try:
                with ThreadPoolExecutor(threads) as pool:
                    list(pool.map(run, range(len(starts))))
            finally:
                torch.set_num_threads(before)
        return out.numpy()

    def _check_precision_params(self) -> None:
        """The ``amp`` and ``sampling_precision`` parameters both neural synthesizers take."""
        from synthlearn.nn.device import check_sampling_precision
        from synthlearn.nn.training import check_amp  # imports torch, as fitting will

        check_amp(self.amp)
        check_sampling_precision(self.sampling_precision)

    def _samples_in_bf16(self) -> bool:
        """Whether sampling makes bfloat16 products: ``sampling_precision="bfloat16"``, or "auto" after a
        bfloat16 fit on the CPU (``training_precision_``; models saved before it trained in float32)."""
        from synthlearn.nn.device import check_sampling_precision

        precision = self.sampling_precision
        check_sampling_precision(precision)  # it may have been set after fit
        return precision == "bfloat16" or (precision == "auto" and self.training_precision_ == "bfloat16")

    @staticmethod
    def _training_precision(config, device) -> str:
        """``training_precision_`` after a fit with ``config`` on ``device``: the dtype of its autocast
        ("bfloat16" on the CPU, "float16" on CUDA), "float32" without one."""
        from synthlearn.nn.training import mixed_precision_dtype

        dtype = mixed_precision_dtype(device, config.amp)
        return "float32" if dtype is None else str(dtype).removeprefix("torch.")

    def _fit_category_freq(self, X: np.ndarray) -> None:
        layout, _ = self.modes_.condition_layout()
        X = self.modes_.slots(X)
        self.category_freq_ = [np.bincount(X[:, j].astype(np.int64), minlength=w) / len(X)
                               for j, _start, _offset, w in layout]

    def _one_hot(self, codes, m: int):
        """The ``(m, width)`` conditional vectors whose slots are ``codes`` (None: no conditional vector)."""
        import torch

        cond = torch.zeros(m, self.cond_dim_)
        if codes is not None:
            cond.scatter_(1, codes[:, None], 1.0)
        return cond

    def _condition_codes(self, m: int, gen, condition: tuple | None = None):
        """The slot of each of ``m`` conditional vectors (a long tensor; None without a conditional vector):
        a discrete column drawn uniformly, then its category with its training frequency (the
        ``condition`` ``(layout index, category code)``, if given, or an array of every row's position in
        the vector), with the torch generator ``gen``."""
        import torch

        layout, _ = self.modes_.condition_layout()
        if not self.cond_dim_:
            return None
        if isinstance(condition, np.ndarray):  # every row's own position in the vector
            return torch.from_numpy(condition.astype(np.int64))
        if condition is not None:
            return torch.full((m,), layout[condition[0]][2] + condition[1], dtype=torch.long)
        codes = torch.empty(m, dtype=torch.long)
        col = torch.randint(len(layout), (m,), generator=gen)
        for i, freq in enumerate(self.category_freq_):
            chosen = (col == i).nonzero(as_tuple=True)[0]
            if len(chosen):
                k = torch.multinomial(torch.as_tensor(freq, dtype=torch.float32), len(chosen), replacement=True,
                                      generator=gen)
                codes[chosen] = k + layout[i][2]
        return codes

    def _sample_conditional(self, n: int, fixed: dict, rng: np.random.Generator):
        """``n`` rows meeting ``fixed``, as one group of a DataFrame of conditions (:meth:`_draw_groups`):
        native where a discrete column is fixed (:meth:`_plan`), the rest by rejection."""
        return self._draw_groups([(fixed, np.arange(n))], n, rng)

    def _plan(self, n: int, fixed: dict, rng: np.random.Generator):
        """How ``n`` rows meeting ``fixed`` are drawn: ``[(rows, layout index, slot, named)]``, the
        conditional vectors of ``rows`` naming ``slot`` of the discrete column at ``layout index``, and the
        model columns of ``named`` taking its values; conditions not named are met by rejection among these
        draws. None when no discrete column is fixed.

        Every vector names the category of the fixed discrete column rarest in training (so the fewest
        draws miss the rest); rejection among these draws keeps exactly the conditional distribution the
        model gives the named category.

        A pooled level (:class:`~synthlearn.synth.modes.LevelPool`) is known to the model only as the
        "other" slot, so its vectors would name a slot of all the pooled levels and leave the column that
        predicts them (a city's state) to that slot's mixture, which rarely agrees with the level. Where
        its pool has such a ``given`` column, each row names instead a slot of the given column, drawn
        from the training rows of the level (the given column's own condition, if it has one), and takes
        the level itself."""
        layout, _ = self.modes_.condition_layout()
        if not self.cond_dim_:
            return None
        where = {col: i for i, (col, *_rest) in enumerate(layout)}
        native = [j for j in fixed if j in where]
        if not native:
            return None
        pools = self.modes_.pools_
        for j in native:
            pool = pools.get(j)
            code = int(fixed[j])
            if pool is None or pool.given < 0 or code >= pool.slot.size or pool.slot[code] < pool.n_slots - 1:
                continue
            g = pool.given
            if g in fixed:
                return [(np.arange(n), where[g], self.modes_.slot(g, int(fixed[g])), {g: fixed[g], j: fixed[j]})]
            given_slots, counts = pool.pair_slot[pool.pair_level == code], pool.pair_count[pool.pair_level == code]
            if not given_slots.size:
                break  # a level without training rows of its own (cannot happen for a fitted pool)
            other_slot = pools[g].n_slots - 1 if g in pools else None
            drawn = rng.choice(given_slots, size=n, p=counts / counts.sum())
            # a slot of the given column's own: its code too (a pooled "other" slot is decoded as drawn)
            return [(np.flatnonzero(drawn == s), where[g], int(s),
                     {j: fixed[j]} if s == other_slot else {j: fixed[j], g: float(self._code_of_slot(g, int(s)))})
                    for s in np.unique(drawn)]
        freq = {j: self.category_freq_[where[j]][self.modes_.slot(j, int(fixed[j]))] for j in native}
        j = min(native, key=lambda c: (freq[c], c))  # the rarest
        return [(np.arange(n), where[j], self.modes_.slot(j, int(fixed[j])), {j: fixed[j]})]

    def _draw_groups(self, groups: list, n: int, rng: np.random.Generator) -> np.ndarray:
        """Every group of a DataFrame of conditions whose plan needs no rejection (:meth:`_plan`: one fixed
        discrete column, or a pooled level and its given column) in one pass of the network, each row with
        its own conditional vector (2,000 rows conditioned on as many cities: one draw, not 1,500); the rest
        by rejection, all together (:meth:`_reject_together`)."""
        layout, _ = self.modes_.condition_layout()
        X = np.empty((n, len(self.modes_.columns_)))
        rows, positions, named_rows, rejecting = [], [], [], []
        for fixed, idx in groups:
            if not fixed:
                X[idx] = self._sample(len(idx), rng)
                continue
            plan = self._plan(len(idx), fixed, rng)
            if plan is None:  # numbers alone: rejection among unconditional rows
                rejecting.append((fixed, idx, None, {}))
                continue
            for part, index, slot, named in plan:
                position = layout[index][2] + slot
                if any(c not in named for c in fixed):
                    rejecting.append((fixed, idx[part], position, named))
                    continue
                rows.append(idx[part])
                positions.append(np.full(part.size, position, dtype=np.int64))
                named_rows.append((part.size, named))
        if rows:
            drawn = self._sample(sum(r.size for r in rows), rng, condition=np.concatenate(positions))
            at = 0
            for size, named in named_rows:
                for c, v in named.items():
                    drawn[at:at + size, c] = v
                at += size
            X[np.concatenate(rows)] = drawn
        if rejecting:
            self._reject_together(rejecting, X, rng)
        return X

    def _reject_together(self, parts: list, X: np.ndarray, rng: np.random.Generator, *, max_draws=None) -> None:
        """Fill the rows of ``parts`` ``[(fixed, rows, position, named)]`` in ``X`` by rejection, all parts in
        one pass of the network per round: each part's candidates come from conditional vectors naming its
        ``position`` in the vector (None: unconditional ones) with its ``named`` values set, and those meeting
        its ``fixed`` go to its rows in order. A candidate is drawn for one part and tested against that part
        only, so each part keeps exactly what its own rejection would. Each round draws, per part still short,
        the candidates its acceptance so far says it needs (:func:`~synthlearn.synth.conditions.round_sizes`);
        up to ``max_draws`` per part (None: its :func:`~synthlearn.synth.conditions.draw_budget`; then the
        condition is too rare, and sooner where the acceptance so far puts the rest out of reach:
        :func:`~synthlearn.synth.conditions.out_of_reach`)."""
        from synthlearn.synth.conditions import draw_budget, matches, out_of_reach, round_sizes, too_rare_error

        short = np.array([rows.size for _fixed, rows, _p, _n in parts])
        budget = draw_budget(short) if max_draws is None else max_draws
        filled = np.zeros(len(parts), dtype=np.int64)
        tried, kept = np.zeros(len(parts)), np.zeros(len(parts))
        expected = np.full(len(parts), 0.25)  # before any draw: a guess, corrected by the first round
        while short.any():
            count = round_sizes(short, kept, tried, expected, budget)
            tried += count
            for unconditional in (True, False):
                chosen = [i for i, (_f, _r, position, _n) in enumerate(parts)
                          if count[i] and (position is None) == unconditional]
                if not chosen:
                    continue
                total = int(count[chosen].sum())
                if unconditional:
                    drawn = self._sample(total, rng)
                else:
                    drawn = self._sample(total, rng, condition=np.repeat(
                        np.array([parts[i][2] for i in chosen], dtype=np.int64), count[chosen]))
                at = 0
                for i in chosen:
                    fixed, rows, _position, named = parts[i]
                    block = drawn[at:at + count[i]]
                    at += count[i]
                    for c, v in named.items():
                        block[:, c] = v
                    good = block[matches(block, fixed, self.encoder_)]
                    kept[i] += len(good)
                    take = good[:short[i]]
                    for c, v in fixed.items():
                        take[:, c] = v
                    X[rows[filled[i]:filled[i] + len(take)]] = take
                    filled[i] += len(take)
                    short[i] -= len(take)
            failed = np.flatnonzero(out_of_reach(short, kept, tried, budget))
            if failed.size:
                i = int(failed[0])
                raise too_rare_error(int(kept[i]), int(tried[i]), parts[i][0], self.encoder_)

    def _code_of_slot(self, j: int, slot: int) -> int:
        """The category of a kept slot of discrete model column ``j`` (the slot itself if ``j`` is not pooled)."""
        pool = self.modes_.pools_.get(j)
        return slot if pool is None else int(np.flatnonzero(pool.slot == slot)[0])

    def _condition_state(self, arrays: dict) -> dict:
        """The state both models save beside their own: the categories' frequencies (into ``arrays``)
        and ``training_precision_``."""
        for i, freq in enumerate(self.category_freq_):
            arrays[f"category_freq_{i}"] = freq
        return {"n_conditions": len(self.category_freq_), "training_precision": self.training_precision_}

    def _set_condition_state(self, state: dict, arrays: dict) -> None:
        self.category_freq_ = [np.asarray(arrays[f"category_freq_{i}"])
                               for i in range(int(state.get("n_conditions", 0)))]
        self.training_precision_ = state.get("training_precision", "float32")  # older models: float32
