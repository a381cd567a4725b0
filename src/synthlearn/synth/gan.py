"""CTGAN-style conditional GAN synthesizer (Xu et al. 2019, "Modeling Tabular Data using Conditional GAN").

- rows are encoded with mode-specific normalisation (:mod:`synthlearn.synth.modes`);
- a *conditional vector* names one category of one discrete column; training
  by sampling picks the column uniformly and the category with probability
  proportional to the log of its frequency, then a real row that has it, so
  rare categories are learned;
- the generator is a stack of residual blocks (linear, batch norm, ReLU,
  concatenated with the block input); continuous outputs go through ``tanh``,
  discrete blocks through Gumbel-softmax; a cross-entropy term makes the
  generated row honour its condition; sampling draws categories and modes
  from the generator's softmax (Gumbel-max), as in training, rather than
  taking the argmax;
- the critic sees ``pac`` rows at once (PacGAN, against mode collapse; two here,
  where CTGAN packs ten: see ``pac``), beside each column's standard deviation over
  a group of packs (the minibatch standard deviation of Karras et al. 2018; see
  ``minibatch_std``), without CTGAN's dropout (``critic_dropout``), and is trained
  with the WGAN gradient penalty, taken lazily: on every second step with twice its weight
  (``penalty_every``; lazy regularisation, Karras et al. 2020, "Analyzing and
  Improving the Image Quality of StyleGAN", 3.1),
  as its double backward pass costs about a quarter of a step; each step
  generates one batch of fake rows, which serves the critic's update and
  then, scored by the updated critic, the generator's (CTGAN generates a
  second batch for the generator);
- beyond CTGAN, samples come from an exponential moving average of the
  generator's weights (Yazici et al. 2019), with batch-norm statistics
  recomputed for the averaged weights: on penguins this took the rare class's
  recall with ``--balance`` from 0.45 to 0.95 and synthetic-trained accuracy
  from 0.88 to 0.93 (benchmarks/RESULTS.md).

Trained through the shared loop in :mod:`synthlearn.nn` with a custom step
(critic, then generator). ``device="auto"``: CUDA when present.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from synthlearn.errors import InvalidParameterError
from synthlearn.synth.base import Synthesizer
from synthlearn.synth.condvec import ConditionVectorMixin
from synthlearn.synth.modes import ModeEncoder, block_cross_entropy, block_grid, block_softmax, check_assignment

_EPOCHS, _MIN_STEPS = 300, 3000  # epochs="auto"
_RECALIBRATION_BATCHES = 20  # batch-norm statistics of the averaged generator, after training


def _folded_forward(generator, bfloat16: bool = False):
    """The generator's forward pass in eval mode, for sampling: the same function, about 1.3 times
    faster on the CPU. Each residual block's batch norm (an affine map once its statistics are fixed)
    is folded into its linear layer, and no block concatenates its output to its input: a layer that
    reads ``[h_k, ..., h_1, x]`` sums one product per piece with a slice of its weight's columns
    instead. Agrees with ``generator(x)`` to float32 rounding.

    ``bfloat16``: products of bfloat16 numbers with float32 sums, as the generator computed them when
    it trained under bfloat16 autocast (:func:`~synthlearn.nn.device.bf16_rounding`), split by input
    piece as in float32: a layer's output is rounded to bfloat16 once per piece it reads (autocast rounds
    its one product once), which moves a value by at most a bfloat16 step or so. Concatenating the
    pieces for one product cost more than the products on an AMD EPYC with AVX-512 BF16 (a forward pass
    2.2 times as slow). Where the CPU multiplies bfloat16 in hardware, this is several times as fast
    as float32. Operands and weight pieces are whole tensors: torch 2.13's bfloat16 products read a
    little past the columns of a strided view (a slice of a wider buffer), so NaNs there spoil them."""
    import torch

    *blocks, last = list(generator)
    with torch.no_grad():
        layers = []
        for block in blocks:
            bn = block.bn
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            layers.append((block.fc.weight * scale[:, None], (block.fc.bias - bn.running_mean) * scale + bn.bias))
        layers.append((last.weight.detach(), last.bias.detach()))

    if bfloat16:
        from synthlearn.nn.device import bf16_rounding

        round_ = bf16_rounding()
        x_width = layers[0][0].shape[1]
        pieces_of = []  # per layer, its weight's columns per input piece (newest first), each a whole tensor
        for i, (weight, bias) in enumerate(layers):
            widths = [layers[k][0].shape[0] for k in range(i - 1, -1, -1)] + [x_width]
            pieces_of.append(([round_(w).contiguous().T for w in torch.split(weight, widths, dim=1)], round_(bias)))

        def forward_bf16(x):
            pieces = [round_(x)]
            for i, (weights, bias) in enumerate(pieces_of):
                out = round_(torch.addmm(bias, pieces[0], weights[0]))
                for piece, weight in zip(pieces[1:], weights[1:]):
                    out = round_(out.addmm_(piece, weight))
                if i == len(blocks):
                    return out.float()
                pieces.insert(0, out.relu_())

        return forward_bf16

    def forward(x):
        pieces = [x]  # the newest piece first, as the blocks concatenate them
        for i, (weight, bias) in enumerate(layers):
            columns = torch.split(weight, [p.shape[1] for p in pieces], dim=1)
            out = torch.addmm(bias, pieces[0], columns[0].T)
            for piece, cols in zip(pieces[1:], columns[1:]):
                out.addmm_(piece, cols.T)
            if i == len(blocks):
                return out
            pieces.insert(0, out.relu_())

    return forward


def _build_modules(data_dim, cond_dim, embedding_dim, generator_dims, critic_dims, pac, spread=False, dropout=0.0):
    """The generator and the critic; ``spread``: the critic also reads the minibatch standard deviation
    of the rows' ``data_dim`` columns (:func:`_minibatch_spread`); ``dropout`` after each of its hidden layers."""
    import torch
    from torch import nn

    class Residual(nn.Module):
        def __init__(self, i, o):
            super().__init__()
            self.fc, self.bn = nn.Linear(i, o), nn.BatchNorm1d(o)

        def forward(self, x):
            return torch.cat([torch.relu(self.bn(self.fc(x))), x], dim=1)

    layers, width = [], embedding_dim + cond_dim
    for h in generator_dims:
        layers.append(Residual(width, h))
        width += h
    layers.append(nn.Linear(width, data_dim))
    generator = nn.Sequential(*layers)
    class Dropout(nn.Dropout):
        """``nn.Dropout`` with a cheaper mask: torch's CPU Bernoulli sampler took 5 % of a training
        step on its own, and one uniform number per unit (``rand_like``) still 15 %. At ``p=0.5`` (CTGAN's
        ``critic_dropout``) each unit keeps or drops on one random bit, 31 of them to a random int32:
        :func:`_half_mask`, about 4.5 times as fast."""

        def forward(self, x):
            if not self.training or not self.p:
                return x
            if self.p == 0.5:
                return x * _half_mask(x)
            # the mask is built in place as a float tensor of 0 and 1 / (1 - p): one product, no bool
            return x * torch.rand_like(x).ge_(self.p).mul_(1.0 / (1.0 - self.p))

    layers, width = [], (data_dim + cond_dim) * pac + (data_dim if spread else 0)
    for h in critic_dims:
        layers += [nn.Linear(width, h), nn.LeakyReLU(0.2), Dropout(dropout)]  # p=0: a no-op, kept for the layout
        width = h
    layers.append(nn.Linear(width, 1))
    critic = nn.Sequential(*layers)
    return nn.ModuleDict({"generator": generator, "critic": critic})


def _half_mask(x):
    """A dropout mask for ``p=0.5`` shaped like ``x``: 0 or 2 (the kept units scaled by 1 / (1 - p)),
    each with probability one half, from the 31 low bits of random int32 words, one bit a unit
    (``random_`` draws an int32 uniformly from [0, 2**31 - 1])."""
    import torch

    n = x.numel()
    words = torch.empty(-(-n // 31), dtype=torch.int32, device=x.device).random_()
    shifts = torch.arange(31, dtype=torch.int32, device=x.device)
    bits = (words[:, None] >> shifts).bitwise_and_(1).view(-1)[:n]
    return bits.view(x.shape).to(x.dtype).mul_(2.0)


def _minibatch_spread(rows, group, pac):
    """The minibatch standard deviation feature (Karras et al. 2018, "Progressive Growing of GANs",
    3): the standard deviation of each column of ``rows`` over consecutive groups of ``group`` packs of
    ``pac`` rows (the last group also takes any packs left over), one row of it for each pack. Appended
    to a pack's input, it shows the critic how spread the batch is, which a pack of two rows cannot:
    a generator that gives each mode a too narrow band of values is told apart and pushed out.
    Population deviations, with 1e-8 under the root so that a constant column has a gradient; written
    out, as ``Tensor.var`` over the middle dimension took 3-4 times as long (forward and backward)."""
    import torch

    def deviation(x):  # over the second-to-last dimension
        return (x - x.mean(-2, keepdim=True)).square().mean(-2).add(1e-8).sqrt()

    n, d = rows.shape
    packs, size = n // pac, group * pac
    if packs % group == 0:  # whole groups (the defaults'): one pass
        return deviation(rows.reshape(packs // group, size, d)).repeat_interleave(group, dim=0)
    k = max(packs // group, 1)  # groups
    head = (k - 1) * size
    last = deviation(rows[head:]).expand(packs - (k - 1) * group, d)
    if k == 1:
        return last
    return torch.cat([deviation(rows[:head].reshape(k - 1, size, d)).repeat_interleave(group, dim=0), last])


def _standard_exponential(shape, device=None, generator=None):
    """Standard exponential draws as ``-log(U)``, U uniform: on the CPU about 4 times faster than
    ``Tensor.exponential_`` (which drew the Gumbel noise in about 6 % of a training step). U is kept away from 0
    so that no draw is infinite."""
    import torch

    return torch.rand(shape, device=device, generator=generator).clamp_min_(1e-12).log_().neg_()


def _averaged(generator):
    """An exponential moving average of the generator's weights (Yazici et al. 2019, "The Unusual
    Effectiveness of Averaging in GAN Training"), with its own step count for the warm-up."""
    import copy

    import torch
    from torch import nn

    class Average(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = copy.deepcopy(generator).requires_grad_(False)
            self.register_buffer("steps", torch.zeros((), dtype=torch.long))

        @torch.no_grad()
        def update(self, source, decay):
            self.steps += 1
            t = int(self.steps)
            weight = 1.0 - min(decay, (1 + t) / (10 + t))
            torch._foreach_lerp_(list(self.net.parameters()), list(source.parameters()), weight)

    return Average()


class GANSynthesizer(ConditionVectorMixin, Synthesizer):
    """Conditional tabular GAN (CTGAN).

    Parameters
    ----------
    embedding_dim : int, default=128
        Size of the noise vector.
    generator_dims, critic_dims : tuple of int, default=(256, 256)
    epochs : int or "auto", default="auto"
        Passes over the training rows (``ceil(n / batch_size)`` steps each).
        ``"auto"``: 300, or more on small tables so that training makes at
        least 3,000 steps (300 steps leave a GAN far from converged).
    batch_size : int, default=500
        Must be a multiple of ``pac``.
    learning_rate : float, default=4e-4
        For both networks (Adam, betas 0.5 and 0.9). CTGAN's 2e-4 with ``pac=2`` gave a
        random-forest gap of −0.090 on diamonds (seed 0) against −0.079 (benchmarks/RESULTS.md).
    pac : int, default=2
        Rows the critic judges together (PacGAN). CTGAN's 10 lets the critic see a pack's
        spread rather than each row's columns together: on diamonds' 14,000 training rows
        (seeds 0, 1, 2) ``pac=2`` with ``learning_rate=4e-4`` took the synthetic-trained
        random-forest gap on ``cut`` from −0.131 / −0.120 / −0.119 to −0.079 / −0.075 / −0.076,
        column pairs from 0.962 to 0.977-0.980, and the rare class's recall with ``--balance``
        from 0.75-0.79 to 0.83-0.88; on penguins that recall went from 0.95 / 0.80 / 0.95 to 1.00 at
        each seed. It costs about 1.1 times the fit time on diamonds and 1.3-1.5 times on tables
        of a few hundred rows, and breast cancer's column shapes fell from 0.91 to 0.88, which
        ``minibatch_std`` won back (benchmarks/RESULTS.md).
    minibatch_std : int or None, default=10
        The critic also reads, beside each pack, the standard deviation of every encoded column
        over its group of ``minibatch_std`` packs (20 rows at ``pac=2``): the minibatch standard
        deviation of Karras et al. 2018 ("Progressive Growing of GANs", 3), per column. A pack of two
        rows shows the critic little of a batch's spread, so the generator had given each mode a
        too narrow band of values. Over three seeds it raised column shapes on breast cancer from
        0.876-0.882 to 0.901-0.913, on penguins from 0.909-0.931 to 0.911-0.945 and on diamonds from
        0.954-0.967 to 0.966-0.972, at 1.05-1.15 times the fit time; diamonds' synthetic-trained
        random-forest gap moved within its noise (benchmarks/RESULTS.md). ``None`` or 0: off, as
        CTGAN. Models saved before it load with ``None``.
    critic_dropout : float, default=0.0
        Dropout after each hidden layer of the critic; CTGAN's is 0.5. Dropping half the units
        blurred what the critic sees of how columns go together: on diamonds (seeds 0, 1, 2) none
        took the synthetic-trained random-forest gap on ``cut`` from −0.085 / −0.076 / −0.085 to
        −0.069 / −0.066 / −0.066 and the rare class's recall with ``--balance`` from 0.79-0.84 to
        0.82-0.89, in 0.92 times the fit time; the small tables' shapes, gaps and recalls held or
        rose, and their rows stayed as far from the training rows (benchmarks/RESULTS.md). Models
        saved before it load with 0.5.
    gradient_penalty : float, default=10.0
    penalty_every : int, default=2
        Take the gradient penalty on every ``penalty_every``-th step only, weighted by
        ``penalty_every * gradient_penalty`` (lazy regularisation); 1 is CTGAN's every step.
        2 took 13-21 % off a step on diamonds with the same quality on the benchmark
        tables; 4 lost synthetic-trained accuracy on wine (benchmarks/RESULTS.md).
    averaging : float or None, default=0.999
        Decay of the exponential moving average of the generator's weights;
        samples come from the averaged generator, whose batch-norm statistics
        are recomputed after training. Averaging smooths the oscillation of
        GAN training (Yazici et al. 2019). ``None`` or 0: the last weights.
    mode_assignment : {"argmax", "sample"}, default="argmax"
        How a numeric value gets its mode in the mode-specific normalisation:
        the mode of highest density at the value, or a draw from the posterior
        over the modes, as in CTGAN. Where modes overlap, a drawn mode is noise
        the network must learn; on diamonds' 14,000 training rows argmax raised
        synthetic-trained random-forest accuracy by 0.05 and 0.07 (two seeds;
        benchmarks/RESULTS.md).
    amp : {"auto", True, False}, default="auto"
        Mixed precision in training (``TrainingConfig.amp``: bfloat16 autocast on the CPU, float16
        on CUDA). ``"auto"`` turns it on where the CPU multiplies bfloat16 in hardware (Intel AMX,
        or AVX-512 BF16: :func:`~synthlearn.nn.device.bf16_matmul_native`) and the table fills at
        least 10 batches, and off elsewhere. On a 2-core Sapphire Rapids machine it fits diamonds'
        14,000 rows in 0.68 times the time, at the same quality over three seeds (random-forest
        gap −0.129 against −0.128), on a 2-core AMD EPYC in 0.72 times (92.9 against 129.3 s, gap
        −0.074 against −0.081); on tables of a few hundred rows, where an epoch is one step and the
        fixed costs of the epoch weigh as much as the products, it saved nothing on the Sapphire
        Rapids and 0.65-0.73 times the time on the EPYC (one seed), so they stay float32. On an
        H200 float16 cost 1.21 times the time (benchmarks/RESULTS.md).
    sampling_precision : {"auto", "float32", "bfloat16"}, default="auto"
        The generator's products when sampling. ``"auto"``: those of its training, so bfloat16
        after a bfloat16 fit on the CPU (``training_precision_``), float32 otherwise; on diamonds
        bfloat16 samples 1.46-1.50 times as fast as float32 from the same generator, at the same
        quality (three seeds; benchmarks/RESULTS.md). On a CPU that does not multiply bfloat16 in
        hardware it comes from float32 products of bfloat16-rounded numbers, which give the same rows
        to the order of summation (:func:`~synthlearn.nn.device.bf16_rounding`). Read when sampling, so it may be
        changed after ``fit``.
    device : str, default="auto"
    verbose : bool, default=False
    random_state : int or None, default=None

    Attributes
    ----------
    module_ : torch.nn.ModuleDict
        ``generator`` and ``critic``.
    history_ : list of dict
        Per-epoch critic and generator losses.
    training_precision_ : {"float32", "bfloat16", "float16"}
        The autocast dtype of the training, if any (bfloat16 on the CPU, float16 on CUDA; see ``amp``).
        Models saved before this attribute load as float32.
    """

    def __init__(self, *, embedding_dim=128, generator_dims=(256, 256), critic_dims=(256, 256), epochs="auto",
                 batch_size=500, learning_rate=4e-4, pac=2, minibatch_std=10, critic_dropout=0.0, gradient_penalty=10.0,
                 penalty_every=2, averaging=0.999,
                 mode_assignment="argmax", amp="auto", sampling_precision="auto", device="auto", verbose=False,
                 random_state=None):
        self.embedding_dim = embedding_dim
        self.generator_dims = generator_dims
        self.critic_dims = critic_dims
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.pac = pac
        self.minibatch_std = minibatch_std
        self.critic_dropout = critic_dropout
        self.gradient_penalty = gradient_penalty
        self.penalty_every = penalty_every
        self.averaging = averaging
        self.mode_assignment = mode_assignment
        self.amp = amp
        self.sampling_precision = sampling_precision
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def _validate_params(self) -> None:
        super()._validate_params()
        for name in ("embedding_dim", "pac", "batch_size", "penalty_every"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise InvalidParameterError(f"{name} must be a positive integer, got {v!r}")
        if self.batch_size % self.pac:
            raise InvalidParameterError(f"batch_size ({self.batch_size}) must be a multiple of pac ({self.pac})")
        for name in ("generator_dims", "critic_dims"):
            v = getattr(self, name)
            if not isinstance(v, (tuple, list)) or not all(isinstance(h, numbers.Integral) and h > 0 for h in v):
                raise InvalidParameterError(f"{name} must be a tuple of positive integers, got {v!r}")
        group = self.minibatch_std
        if group is not None and (isinstance(group, bool) or not isinstance(group, numbers.Integral) or group < 0):
            raise InvalidParameterError(f"minibatch_std must be a whole number of packs >= 0 or None (off), "
                                        f"got {group!r}")
        p = self.critic_dropout
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
            raise InvalidParameterError(f"critic_dropout must be a number in [0, 1), got {p!r}")
        if not isinstance(self.gradient_penalty, numbers.Real) or self.gradient_penalty < 0:
            raise InvalidParameterError(f"gradient_penalty must be a number >= 0, got {self.gradient_penalty!r}")
        decay = self.averaging
        if decay is not None and (isinstance(decay, bool) or not isinstance(decay, numbers.Real) or not 0 <= decay < 1):
            raise InvalidParameterError(f"averaging must be a number in [0, 1) or None, got {self.averaging!r}")
        check_assignment(self.mode_assignment)
        self._check_precision_params()

    def _config(self, seed, n_rows):
        from synthlearn.nn import TrainingConfig
        from synthlearn.nn.training import resolve_amp

        auto = isinstance(self.epochs, str) and self.epochs == "auto"
        amp = resolve_amp(self.amp, self.device, n_rows, self.batch_size)
        config = TrainingConfig(epochs=_EPOCHS if auto else self.epochs, batch_size=self.batch_size,
                                learning_rate=self.learning_rate, validation_fraction=0.0, device=self.device,
                                amp=amp, verbose=self.verbose, random_state=seed, restore_best=False,
                                description="GAN")
        config.validate()
        if auto:
            config.epochs = max(_EPOCHS, math.ceil(_MIN_STEPS / math.ceil(n_rows / config.batch_size)))
        config.patience = config.epochs + 1  # no early stopping: GAN losses do not measure quality
        return config

    def _fit(self, X: np.ndarray, rng: np.random.Generator) -> None:
        import torch

        from synthlearn.nn import resolve_device, train
        from synthlearn.nn.training import make_optimizer, seeded

        seed = int(rng.integers(2**31 - 1))
        config = self._config(seed, X.shape[0])
        device = resolve_device(self.device)
        self.modes_ = ModeEncoder(self.mode_assignment).fit(X, self.encoder_.columns_, random_state=seed)
        data = torch.from_numpy(self.modes_.transform(X, rng)).to(device)
        layout, cond_dim = self.modes_.condition_layout()
        self.cond_dim_ = cond_dim
        n = data.shape[0]
        # training by sampling: per discrete column, category frequencies and the rows of each category
        slots = self.modes_.slots(X)
        codes = [slots[:, j].astype(np.int64) for j, *_ in layout]
        counts = np.zeros((len(layout), max((w for *_, w in layout), default=1)), dtype=np.int64)
        for i, (c, (*_, w)) in enumerate(zip(codes, layout)):
            counts[i, :w] = np.bincount(c, minlength=w)
        self._fit_category_freq(X)
        # rows of column i sorted by category: those of category k are pool[first[i, k]:first[i, k] + counts[i, k]]
        pool = torch.from_numpy(np.concatenate([np.argsort(c, kind="stable") for c in codes] or [np.zeros(0, int)]))
        first = np.arange(len(layout))[:, None] * n + np.cumsum(counts, axis=1) - counts
        log_freq = np.log1p(counts)
        pool, first, counts_t = pool.to(device), torch.from_numpy(first).to(device), torch.from_numpy(counts).to(device)
        cond_probs = torch.from_numpy(log_freq / np.maximum(log_freq.sum(axis=1, keepdims=True), 1e-12)).float().to(device)
        cond_offset = torch.tensor([offset for _, _, offset, _ in layout], dtype=torch.long, device=device)
        with seeded(seed, device):
            self.module_ = _build_modules(self.modes_.width_, cond_dim, self.embedding_dim,
                                          tuple(self.generator_dims), tuple(self.critic_dims), self.pac,
                                          bool(self.minibatch_std), float(self.critic_dropout))
        decay = self.averaging
        if decay:
            # the averaged generator trains along in the module (checkpoints and resume keep it)
            self.module_["average"] = _averaged(self.module_["generator"])
        pac, lam, emb = self.pac, float(self.gradient_penalty), self.embedding_dim

        def sample_conditions(m):
            if not layout:
                return None, None, None, torch.randint(n, (m,), device=device)
            col = torch.randint(len(layout), (m,), device=device)
            cats = torch.multinomial(cond_probs[col], 1).squeeze(1)
            cond = torch.zeros(m, cond_dim, device=device).scatter_(1, (cond_offset[col] + cats)[:, None], 1.0)
            within = (torch.rand(m, device=device) * counts_t[col, cats]).long()
            real_idx = pool.index_select(0, first[col, cats] + within)
            return cond, col, cats, real_idx

        tanh, blocks, valid = (torch.from_numpy(a).to(device) for a in self.modes_.layout())
        pad, width = ~valid, self.modes_.width_
        # the activated row is cat([tanh of every output, the flattened softmax grid]) read back in
        # layout order: output j is column j of the first part (tanh) or its cell of the grid. index_select
        # and gather, whose gradients are index_add and scatter_add, instead of advanced indexing
        # (about a tenth of a step on the CPU, for its accumulating index_put in the backward pass)
        source = torch.empty(width, dtype=torch.long, device=device)
        source[tanh] = tanh
        source[blocks[valid]] = width + torch.nonzero(valid.flatten()).squeeze(1)
        # softmax block of each discrete column, for the conditional cross-entropy
        block_of = {s.start: i for i, s in enumerate(x for x in self.modes_.spans_ if x.activation == "softmax")}
        cond_block = torch.tensor([block_of[start] for _, start, _, _ in layout], dtype=torch.long, device=device)

        def block_logits(raw):
            return block_grid(raw, blocks).masked_fill(pad, -torch.inf)

        def activate(raw):
            """The generated rows, and the logits of every softmax block."""
            logits = block_logits(raw)
            gumbel = _standard_exponential(logits.shape, raw.device).log_()
            soft = block_softmax(logits - gumbel, 0.2)
            rows = torch.cat([torch.tanh(raw), soft.view(raw.shape[0], -1)], dim=1).index_select(1, source)
            return rows, logits

        group = self.minibatch_std or 0
        whole_groups = group and self.batch_size % (group * pac) == 0  # then no group straddles fake and real rows

        def critic_score(critic, rows, cond):
            x = rows if cond is None else torch.cat([rows, cond], dim=1)
            x = x.reshape(-1, x.shape[1] * pac)
            if group:  # the spread of each half (fake, real or mixed rows) over its own groups
                if whole_groups:
                    spread = _minibatch_spread(rows, group, pac)
                else:
                    spread = torch.cat([_minibatch_spread(half, group, pac) for half in rows.split(self.batch_size)])
                x = torch.cat([x, spread], dim=1)
            return critic(x)

        every, steps = int(self.penalty_every), 0

        def step(module, batch, optimizers, backward):
            nonlocal steps
            # as in CTGAN every step uses a full batch: real rows come from training-by-sampling,
            # the loop's batch only paces the steps (ceil(n / batch_size) per epoch). One batch of
            # fake rows serves the critic's update and then the generator's (as in DCGAN), where
            # CTGAN generates a second batch: the same steps in about 15 % less time
            m = self.batch_size
            gen, critic = module["generator"], module["critic"]
            opt_g, opt_c = optimizers
            cond, col, cats, real_idx = sample_conditions(m)
            z = torch.randn(m, emb, device=device)
            raw = gen(z if cond is None else torch.cat([z, cond], dim=1))
            fake, logits = activate(raw)
            # the real rows are shuffled against their conditions, as in CTGAN
            perm = torch.randperm(m, device=device)
            real = data.index_select(0, real_idx.index_select(0, perm))
            real_cond = None if cond is None else cond.index_select(0, perm)
            # fake and real rows through the critic in one pass (it has no batch statistics; packs
            # never straddle the two halves, m being a multiple of pac)
            y = critic_score(critic, torch.cat([fake.detach(), real]),
                             None if cond is None else torch.cat([cond, real_cond]))
            y_fake, y_real = y[:m // pac], y[m // pac:]
            loss_c = -(y_real.mean() - y_fake.mean())
            steps += 1
            if lam and steps % every == 0:
                alpha = torch.rand(m // pac, 1, 1, device=device).expand(m // pac, pac, 1).reshape(m, 1)
                # alpha real + (1 - alpha) fake
                mixed_rows = torch.lerp(fake.detach(), real, alpha).requires_grad_(True)
                mixed_cond = None if cond is None else torch.lerp(cond, real_cond, alpha)
                score = critic_score(critic, mixed_rows, mixed_cond)
                grads = torch.autograd.grad(score.sum(), mixed_rows, create_graph=True)[0]
                gp = ((grads.reshape(-1, pac * grads.shape[1]).norm(2, dim=1) - 1) ** 2).mean()
                loss_c = loss_c + lam * every * gp
            backward(loss_c, opt_c)

            critic.requires_grad_(False)  # the generator's loss needs no gradient for the critic's weights
            loss_g = -critic_score(critic, fake, cond).mean()  # the critic just updated
            if cond is not None:
                mine = logits.gather(1, cond_block[col].view(m, 1, 1).expand(m, 1, logits.shape[2])).squeeze(1)
                loss_g = loss_g + block_cross_entropy(mine, cats) / m
            backward(loss_g, opt_g)
            critic.requires_grad_(True)
            if decay:
                module["average"].update(gen, decay)
            return {"loss": loss_g.detach(), "critic_loss": loss_c.detach()}

        def optimizers(module):
            kw = dict(lr=self.learning_rate, betas=(0.5, 0.9), weight_decay=1e-6)
            return [make_optimizer("adam", module["generator"].parameters(), **kw),
                    make_optimizer("adam", module["critic"].parameters(), **kw)]

        result = train(self.module_, lambda m, b: torch.zeros(()), (torch.arange(n),), config,
                       step_fn=step, optimizers=optimizers)
        self.history_ = result.history
        self.training_precision_ = self._training_precision(config, device)
        if decay:
            average = self.module_.pop("average")
            self.module_["generator"].load_state_dict(average.net.state_dict())
            self._recalibrate(sample_conditions, seed, device)
        self.module_.to("cpu")

    def _recalibrate(self, sample_conditions, seed, device) -> None:
        """Batch-norm statistics for the averaged weights (their running averages belong to no
        generator that ever ran): the mean of batches drawn as in training."""
        import torch

        generator = self.module_["generator"]
        norms = [layer for layer in generator.modules() if isinstance(layer, torch.nn.BatchNorm1d)]
        momenta = [layer.momentum for layer in norms]
        for layer in norms:
            layer.reset_running_stats()
            layer.momentum = None  # cumulative average
        generator.train()
        with torch.random.fork_rng(devices=[device.index or 0] if device.type == "cuda" else []), torch.no_grad():
            torch.manual_seed(seed)
            for _ in range(_RECALIBRATION_BATCHES):
                cond, *_ = sample_conditions(self.batch_size)
                z = torch.randn(self.batch_size, self.embedding_dim, device=device)
                generator(z if cond is None else torch.cat([z, cond], dim=1))
        for layer, momentum in zip(norms, momenta):
            layer.momentum = momentum
        generator.eval()

    def _sample(self, n: int, rng: np.random.Generator, condition: tuple | None = None) -> np.ndarray:
        import torch

        generator = self.module_["generator"]
        generator.eval()
        forward = _folded_forward(generator, self._samples_in_bf16())
        tanh, blocks, valid = (torch.from_numpy(a) for a in self.modes_.layout())
        flat = blocks[valid]

        def generate(z, codes, gen):
            raw = forward(z if codes is None else torch.cat([z, self._one_hot(codes, len(z))], dim=1))
            raw.index_copy_(1, tanh, raw.index_select(1, tanh).tanh_())
            # as in training (Gumbel-softmax), categories and modes are drawn from the softmax: the
            # argmax of logits plus Gumbel noise
            return raw.index_add_(1, flat, _standard_exponential((len(raw), len(flat)), generator=gen).log_(),
                                  alpha=-1), None

        return self._sample_chunks(n, rng, condition, generate)

    def _get_state(self, folder):
        from synthlearn.nn.persist import module_arrays

        _, arrays = self.modes_.get_state()
        arrays.update(module_arrays(self.module_))
        return {"data_dim": self.modes_.width_, "cond_dim": self.cond_dim_, "critic_spread": bool(self.minibatch_std),
                **self._condition_state(arrays)}, arrays

    def _set_state(self, state, arrays, folder):
        from synthlearn.nn.persist import load_module_arrays

        self.modes_ = ModeEncoder.from_state(self.encoder_.columns_, arrays)
        self.cond_dim_ = int(state["cond_dim"])
        self._set_condition_state(state, arrays)
        if "critic_spread" not in state:  # saved before minibatch_std and critic_dropout: trained as CTGAN's critic
            self.minibatch_std, self.critic_dropout = None, 0.5
        self.module_ = _build_modules(int(state["data_dim"]), self.cond_dim_, self.embedding_dim,
                                      tuple(self.generator_dims), tuple(self.critic_dims), self.pac,
                                      bool(self.minibatch_std), float(self.critic_dropout))
        load_module_arrays(self.module_, arrays)
