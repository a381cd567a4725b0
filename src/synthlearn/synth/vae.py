"""TVAE-style variational autoencoder synthesizer (Xu et al. 2019, "Modeling Tabular Data using
Conditional GAN", the TVAE baseline).

Rows are encoded with mode-specific normalisation (:mod:`synthlearn.synth.modes`);
an MLP encoder gives a Gaussian latent (mean and log-variance), a sample is
drawn with the reparameterisation trick, and an MLP decoder reconstructs the
row. As in TVAE, categories are the argmax of the decoder's output; drawing
them from its softmax instead was tried and loses their dependence on the
other columns. Beyond TVAE, it is a conditional VAE: encoder and decoder also
get the conditional vector of :mod:`synthlearn.synth.condvec` (in training, the
row's own category of one discrete column drawn at random), so a condition on
a discrete column, rare classes included, is sampled natively.

The loss is ``loss_factor`` times the reconstruction summed over columns (a
Gaussian likelihood with a learned scale per continuous column, cross-entropy
for every mode and category block) plus the KL divergence to N(0, I), both per
row, so the KL term cannot drown the reconstruction of wide tables.

Sampling draws conditional vectors as in training and, beyond TVAE, codes from
the encoder's aggregate posterior rather than the N(0, I) prior: after
training, the codes of the training rows under each conditional vector are
summarised by one Gaussian per vector (its rows' mean code, and the covariance
of their codes plus their mean posterior variance, shrunk towards N(0, I) by
``embedding_dim`` pseudo-rows), and samples are drawn from it. This is ex-post
density estimation (Ghosh et al. 2020, "From Variational to Deterministic
Autoencoders"), one Gaussian per condition: the KL term never makes a
condition's codes a standard normal, and on diamonds the prior gave the rare
class (``cut`` Fair, 3 % of rows) the carats and proportions of common ones.

Trained through the shared loop in :mod:`synthlearn.nn` (``device="auto"``:
CUDA when present).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from synthlearn.errors import InvalidParameterError
from synthlearn.synth.base import Synthesizer
from synthlearn.synth.condvec import ConditionVectorMixin
from synthlearn.synth.modes import ModeEncoder, block_choice, block_cross_entropy, block_grid, check_assignment

_STEPS = 3000  # epochs="auto": enough passes for this many optimizer steps
_OWN_COVARIANCES = 256  # conditional vectors with a latent covariance of their own (the most frequent)
_ENCODE_BATCH = 65536  # rows per encoder pass when the latent Gaussians are fitted


def _build_module(data_dim: int, encoder: tuple, decoder: tuple, embedding_dim: int, n_continuous: int,
                  cond_dim: int = 0):
    import torch
    from torch import nn

    class TabularVAE(nn.Module):
        def __init__(self):
            super().__init__()
            layers, width = [], data_dim + cond_dim
            for h in encoder:
                layers += [nn.Linear(width, h), nn.ReLU()]
                width = h
            self.encoder = nn.Sequential(*layers)
            self.mean = nn.Linear(width, embedding_dim)
            self.log_var = nn.Linear(width, embedding_dim)
            layers, width = [], embedding_dim + cond_dim
            for h in decoder:
                layers += [nn.Linear(width, h), nn.ReLU(inplace=True)]
                width = h
            layers.append(nn.Linear(width, data_dim))
            self.decoder = nn.Sequential(*layers)
            self.log_sigma = nn.Parameter(torch.full((max(n_continuous, 1),), math.log(0.1)))

        def sigma(self):
            return self.log_sigma.exp().clamp(0.01, 1.0)

        def forward(self, x, cond):
            h = self.encoder(torch.cat([x, cond], dim=1))
            mean, log_var = self.mean(h), self.log_var(h)
            z = mean + torch.randn_like(mean) * (0.5 * log_var).exp()
            return self.decoder(torch.cat([z, cond], dim=1)), mean, log_var

    return TabularVAE()


class VAESynthesizer(ConditionVectorMixin, Synthesizer):
    """Variational autoencoder for mixed tables (TVAE).

    Parameters
    ----------
    embedding_dim : int, default=128
        Size of the latent code.
    hidden_layer_sizes : tuple of int, default=(128, 128)
        Encoder widths, as in TVAE.
    decoder_layer_sizes : tuple of int or None, default=(256, 256)
        Decoder widths, from the code towards the row; None mirrors the encoder
        (TVAE's (128, 128)). The decoder is what generates: on diamonds' 14,000
        training rows these widths raised synthetic-trained random-forest accuracy
        by 0.03 over TVAE's (three seeds), where a wider encoder added nothing.
        TVAE's widths sample about 1.3x faster (benchmarks/RESULTS.md).
    epochs : int or "auto", default="auto"
        Passes over the training rows. ``"auto"``: as many as make 3,000
        optimizer steps (3,000 passes over a table of a few hundred rows,
        108 over 14,000 rows). More passes, up to about twice that, fit the
        decoder better at their cost: on diamonds' 14,000 training rows,
        ``batch_size=1000, epochs=216`` raised synthetic-trained random-forest
        accuracy by 0.011 (three seeds) in 1.5 times the fit time, where fewer
        passes or a decaying learning rate were clearly worse
        (benchmarks/RESULTS.md).
    batch_size : int, default=500
    learning_rate : float, default=1e-3
    weight_decay : float, default=1e-5
    loss_factor : float, default=2.0
        Weight of the reconstruction term against the KL term.
    conditional : bool, default=True
        Give encoder and decoder a conditional vector (a conditional VAE):
        in training, each row's own category of one discrete column drawn
        at random. Sampling draws the vectors as they were in training, and a
        condition on one discrete column (``--where``, ``--balance``) is
        native instead of rejection. False: a plain TVAE.
    latent_sampling : {"posterior", "prior"}, default="posterior"
        Where sampling draws codes. ``"posterior"``: from a Gaussian fitted, per
        conditional vector, to the codes the encoder gives the training rows under
        that vector, shrunk towards N(0, I) by ``embedding_dim`` pseudo-rows (its own
        covariance for the 256 most frequent vectors, the pooled one for the rest).
        On diamonds (three seeds) it raised the rare class's recall with
        ``--balance`` from 0.72 to 0.77 on average (benchmarks/RESULTS.md).
        ``"prior"``: N(0, I), as TVAE. Both are fitted, so this may be changed
        after ``fit``; models saved before this parameter load with ``"prior"``.
    mode_assignment : {"argmax", "sample"}, default="argmax"
        How a numeric value gets its mode in the mode-specific normalisation:
        the mode of highest density at the value, or a draw from the posterior
        over the modes, as in CTGAN. Where modes overlap, a drawn mode is noise
        the network must learn; on diamonds' 14,000 training rows argmax raised
        synthetic-trained random-forest accuracy by 0.018 (mean of three
        seeds) and shapes by 0.014; on wine's 124 rows shapes fell by 0.01-0.03
        (benchmarks/RESULTS.md).
    validation_fraction : float, default=0.0
        Rows held out for early stopping (0: monitor the training loss).
    patience : int, default=300
        Epochs without improvement of the monitored loss before stopping.
    amp : {"auto", True, False}, default="auto"
        Mixed precision in training (``TrainingConfig.amp``: bfloat16 autocast on the CPU, float16
        on CUDA). ``"auto"``, as ``GANSynthesizer``'s: bfloat16 where the CPU multiplies it in
        hardware (:func:`~synthlearn.nn.device.bf16_matmul_native`) and the table fills at least 10
        batches, float32 elsewhere. On diamonds' 14,000 training rows (three seeds) a 2-core AMD EPYC
        with AVX-512 BF16 fitted in 0.67 times the time (12.7-16.1 against 20.5-26.2 s) at the same
        random-forest gap (−0.080 against −0.083 on average), column shapes 0.007 lower (0.948 against
        0.955), and sampled 1.4 times as fast; a 2-core Sapphire Rapids (AMX, six seeds) fitted in
        about the same time at a gap of −0.082 against −0.078 (benchmarks/RESULTS.md). On tables of a
        few hundred rows bfloat16 saved nothing on either machine.
    sampling_precision : {"auto", "float32", "bfloat16"}, default="auto"
        The decoder's products when sampling (the first layer, folded with the latent Gaussians,
        stays float32). ``"auto"``: those of its training, so bfloat16 after a bfloat16 fit on the CPU
        (``training_precision_``), float32 otherwise. ``"bfloat16"`` samples a float32 model faster
        where the CPU multiplies bfloat16 in hardware, at the same quality, but the rows are no longer
        the float32 model's (values move by bfloat16 steps, about 0.4 %): on diamonds 1.15-1.29 times as
        fast on a Sapphire Rapids (six seeds), 1.5 times on an AMD EPYC (450,232 against 688,193 rows/s,
        two threads). Elsewhere it is float32 products of bfloat16-rounded numbers: the same rows, not
        faster. Read when sampling, so it may be changed after ``fit``.
    device : str, default="auto"
    verbose : bool, default=False
        Progress bar on stderr while training.
    random_state : int or None, default=None

    Attributes
    ----------
    module_ : torch.nn.Module
    history_ : list of dict
        Per-epoch losses from the training loop.
    latent_mean_ : ndarray of shape (n_vectors, embedding_dim)
        Mean code per conditional vector (one row when there is no conditional vector).
    latent_scale_ : ndarray of shape (n_covariances, embedding_dim, embedding_dim)
        Cholesky factors of the latent covariances; the last is the pooled one.
    latent_scale_index_ : ndarray of shape (n_vectors,)
        Each conditional vector's factor in ``latent_scale_``.
    training_precision_ : {"float32", "bfloat16", "float16"}
        The autocast dtype of the training, if any (bfloat16 on the CPU, float16 on CUDA; see ``amp``).
        Models saved before this attribute load as float32.

    Examples
    --------
    >>> from synthlearn.data import load_dataset
    >>> from synthlearn.synth import VAESynthesizer
    >>> df = load_dataset("penguins")
    >>> VAESynthesizer(epochs=5, random_state=0).fit(df).sample(3).shape
    (3, 8)
    """

    def __init__(self, *, embedding_dim=128, hidden_layer_sizes=(128, 128),
                 decoder_layer_sizes=(256, 256), epochs="auto", batch_size=500,
                 learning_rate=1e-3, weight_decay=1e-5, loss_factor=2.0, conditional=True,
                 latent_sampling="posterior", mode_assignment="argmax", validation_fraction=0.0, patience=300,
                 amp="auto", sampling_precision="auto", device="auto", verbose=False, random_state=None):
        self.embedding_dim = embedding_dim
        self.hidden_layer_sizes = hidden_layer_sizes
        self.decoder_layer_sizes = decoder_layer_sizes
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.loss_factor = loss_factor
        self.conditional = conditional
        self.latent_sampling = latent_sampling
        self.mode_assignment = mode_assignment
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.amp = amp
        self.sampling_precision = sampling_precision
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def _validate_params(self) -> None:
        super()._validate_params()
        dim = self.embedding_dim
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim < 1:
            raise InvalidParameterError(f"embedding_dim must be a positive integer, got {self.embedding_dim!r}")
        for name in ("hidden_layer_sizes", "decoder_layer_sizes"):
            sizes = getattr(self, name)
            if name == "decoder_layer_sizes" and sizes is None:
                continue
            if not isinstance(sizes, (tuple, list)) or not all(
                    isinstance(h, numbers.Integral) and not isinstance(h, bool) and h > 0 for h in sizes):
                raise InvalidParameterError(f"{name} must be a tuple of positive integers"
                                            f"{' or None' if name == 'decoder_layer_sizes' else ''}, got {sizes!r}")
        if not isinstance(self.loss_factor, numbers.Real) or self.loss_factor <= 0:
            raise InvalidParameterError(f"loss_factor must be a number > 0, got {self.loss_factor!r}")
        if not isinstance(self.conditional, (bool, np.bool_)):
            raise InvalidParameterError(f"conditional must be True or False, got {self.conditional!r}")
        if self.latent_sampling not in ("posterior", "prior"):
            raise InvalidParameterError(f"latent_sampling must be 'posterior' or 'prior', got {self.latent_sampling!r}")
        check_assignment(self.mode_assignment)
        self._check_precision_params()

    def _decoder_sizes(self) -> tuple:
        sizes = self.decoder_layer_sizes
        return tuple(reversed(self.hidden_layer_sizes)) if sizes is None else tuple(int(h) for h in sizes)

    def _config(self, rng, n_rows):
        from synthlearn.nn import TrainingConfig
        from synthlearn.nn.training import resolve_amp

        auto = isinstance(self.epochs, str) and self.epochs == "auto"
        amp = resolve_amp(self.amp, self.device, round(n_rows * (1 - self.validation_fraction)), self.batch_size)
        config = TrainingConfig(epochs=1 if auto else self.epochs, batch_size=self.batch_size,
                                learning_rate=self.learning_rate, weight_decay=self.weight_decay,
                                validation_fraction=self.validation_fraction, patience=self.patience,
                                device=self.device, amp=amp, verbose=self.verbose,
                                random_state=int(rng.integers(2**31 - 1)), description="VAE")
        config.validate()
        if auto:
            batches = math.ceil(n_rows * (1 - config.validation_fraction) / config.batch_size)
            config.epochs = math.ceil(_STEPS / batches)
        return config

    def _fit(self, X: np.ndarray, rng: np.random.Generator) -> None:
        import torch

        from synthlearn.nn import resolve_device, train
        from synthlearn.nn.training import seeded

        config = self._config(rng, X.shape[0])
        self.modes_ = ModeEncoder(self.mode_assignment).fit(X, self.encoder_.columns_,
                                                          random_state=int(rng.integers(2**31 - 1)))
        data = torch.from_numpy(self.modes_.transform(X, rng))
        tanh_spans = [s for s in self.modes_.spans_ if s.activation == "tanh"]
        device = resolve_device(self.device)
        layout, width = self.modes_.condition_layout()
        self.cond_dim_ = width if self.conditional else 0
        self._fit_category_freq(X)
        with seeded(config.random_state, device):
            self.module_ = _build_module(self.modes_.width_, tuple(self.hidden_layer_sizes), self._decoder_sizes(),
                                         self.embedding_dim, len(tanh_spans), self.cond_dim_)
        factor = float(self.loss_factor)
        tanh, blocks, valid = (torch.from_numpy(a).to(device) for a in self.modes_.layout())
        pad = ~valid
        # a row's conditional vector is its own one-hot category of one discrete column drawn at random
        source = torch.tensor([start + k for _, start, _, w in layout for k in range(w)], dtype=torch.long,
                              device=device)
        owner = torch.tensor([i for i, (*_, w) in enumerate(layout) for _ in range(w)], dtype=torch.long,
                             device=device)

        def conditions(x, column=None):
            """Each row's own category of discrete column ``column``, or of one drawn at random per row."""
            if not self.cond_dim_:
                return x.new_zeros(x.shape[0], 0)
            if column is None:
                column = torch.randint(len(layout), (x.shape[0], 1), device=x.device)
            return x[:, source] * (owner == column)

        # each row's category or mode in every softmax block, once: the cross-entropy's targets
        targets = (block_choice(data, blocks.cpu(), pad.cpu()) if len(blocks)
                   else torch.zeros(len(data), 0, dtype=torch.long))

        def loss_fn(module, batch):
            x, target = batch
            out, mean, log_var = module(x, conditions(x))
            recon = x.new_zeros(())
            if len(tanh):
                sd = module.sigma()
                # index_select, whose gradient is index_add: advanced indexing's accumulating index_put is slower
                diff = x.index_select(1, tanh) - torch.tanh(out.index_select(1, tanh))
                recon = recon + (diff ** 2 / (2 * sd ** 2)).sum() + torch.log(sd).sum() * x.shape[0]
            if len(blocks):
                recon = recon + block_cross_entropy(block_grid(out, blocks).masked_fill(pad, -torch.inf), target)
            kl = -0.5 * torch.sum(1 + log_var - mean ** 2 - log_var.exp())
            return (factor * recon + kl) / x.shape[0]

        result = train(self.module_, loss_fn, (data, targets), config)
        self.history_ = result.history
        self.training_precision_ = self._training_precision(config, device)
        self._fit_latent(data.to(device), conditions, len(layout))
        self.module_.to("cpu")

    def _fit_latent(self, data, conditions, n_columns) -> None:
        """One Gaussian per conditional vector over the codes of the training rows under it: their
        mean code, and the covariance of their codes plus their mean posterior variance (the moments
        of the aggregate posterior), both shrunk towards the prior N(0, I) by ``embedding_dim``
        pseudo-rows. The ``_OWN_COVARIANCES`` most frequent vectors get a covariance of their own, the
        others the pooled within-vector one. Each row counts once per discrete column, under its own
        category of that column, as in training (``conditions(rows, column)``)."""
        import torch

        module = self.module_.eval()
        d, f64, dev = self.embedding_dim, torch.float64, data.device
        n_vectors = self.cond_dim_ or 1
        freq = np.concatenate(self.category_freq_) if self.cond_dim_ else np.ones(1)
        counts = torch.from_numpy(np.round(freq * len(data))).to(dev, f64)  # training rows per vector
        own = torch.argsort(counts, descending=True, stable=True)[:_OWN_COVARIANCES]
        own = own[counts[own] > 0]
        index = torch.full((n_vectors,), len(own), dtype=torch.long, device=dev)
        index[own] = torch.arange(len(own), device=dev)
        sums, variances = (torch.zeros(n_vectors, d, dtype=f64, device=dev) for _ in range(2))
        outer = torch.zeros(len(own), d, d, dtype=f64, device=dev)
        total = torch.zeros(d, d, dtype=f64, device=dev)
        with torch.no_grad():
            for i in range(n_columns if self.cond_dim_ else 1):
                for lo in range(0, len(data), _ENCODE_BATCH):
                    x = data[lo:lo + _ENCODE_BATCH]
                    cond = conditions(x, i)
                    vector = cond.argmax(dim=1) if self.cond_dim_ else torch.zeros(len(x), dtype=torch.long, device=dev)
                    h = module.encoder(torch.cat([x, cond], dim=1))
                    mean, var = module.mean(h).to(f64), module.log_var(h).to(f64).exp()
                    sums.index_add_(0, vector, mean)
                    variances.index_add_(0, vector, var)
                    total += mean.T @ mean
                    k = index[vector]
                    for j in k.unique().tolist():
                        if j < len(own):
                            rows = mean[k == j]
                            outer[j] += rows.T @ rows
        means = sums / counts.clamp_min(1.0)[:, None]
        encoded = counts.sum()  # every row once per discrete column (once without a conditional vector)
        eye = torch.eye(d, dtype=f64, device=dev)
        pooled = (total - (means.T * counts) @ means) / encoded + torch.diag(variances.sum(dim=0) / encoded)
        n_own = counts[own][:, None, None]
        covariances = (outer / n_own - means[own, :, None] * means[own, None, :]
                       + torch.diag_embed(variances[own] / n_own[:, :, 0]))
        # shrunk towards the prior N(0, I) by embedding_dim pseudo-rows: a vector with few rows samples
        # much as TVAE does
        covariances = (n_own * covariances + d * eye) / (n_own + d)
        pooled = (encoded * pooled + d * eye) / (encoded + d)
        means = means * (counts / (counts + d))[:, None]
        factors = torch.linalg.cholesky(torch.cat([covariances, pooled[None]]) + 1e-6 * eye)
        self.latent_mean_ = means.float().cpu().numpy()
        self.latent_scale_ = np.ascontiguousarray(factors.float().cpu().numpy())
        self.latent_scale_index_ = index.cpu().numpy()

    def _sample(self, n: int, rng: np.random.Generator, condition: tuple | None = None) -> np.ndarray:
        import torch

        module = self.module_
        module.eval()
        tanh = torch.from_numpy(self.modes_.layout()[0])
        with torch.no_grad():
            sigma = module.sigma()[:len(tanh)]

        first = self._first_layer(module.decoder[0])
        rest = module.decoder if first is None else module.decoder[1:]
        if self._samples_in_bf16():
            from synthlearn.nn.device import bf16_mlp

            rest = bf16_mlp(rest)  # the first layer, folded with the latent Gaussians, stays float32

        def decode(z, codes, gen):
            if first is None:
                rows, order = rest(z if codes is None else torch.cat([z, self._one_hot(codes, len(z))], dim=1)), None
            else:
                pre, order = first(z, codes)
                rows = rest(pre)
            if len(tanh):
                noise = torch.randn(len(rows), len(tanh), generator=gen).mul_(sigma)
                if order is not None:  # the noise of row order[i] for row i, as if the rows were in order
                    noise = noise.index_select(0, order)
                rows.index_copy_(1, tanh, rows.index_select(1, tanh).tanh_().add_(noise))
            return rows, order

        return self._sample_chunks(n, rng, condition, decode)

    def _first_layer(self, linear):
        """``first(z, codes) -> (pre-activations, order)`` of the decoder's first layer ``linear`` for
        noise ``z`` and the conditional vectors' slots ``codes`` (None without a conditional vector), the
        code drawn from the vector's Gaussian; None for the prior (``latent_sampling="prior"``).

        The Gaussian is folded into the layer: for noise e and vector k, ``W [m_k + L_k e; c_k] + b =
        (W_z L_k) e + (W_z m_k + W_c c_k + b)``, so the code is never formed and the product costs what
        the layer's own does. Rows come grouped by Gaussian, one product per group: row ``i`` of the
        result belongs to input row ``order[i]`` (``order`` None: the inputs' order), and takes the
        noise of input row ``i``, which is as standard normal as any other."""
        import torch

        if self.latent_sampling == "prior":
            return None
        if self.latent_mean_ is None:
            raise InvalidParameterError("latent_sampling='posterior' needs the latent Gaussians, which this model, "
                                        "saved by an older synthlearn, lacks; use latent_sampling='prior' or fit again")
        scales, biases, index, own = self._folded(linear)
        pooled = len(scales) - 1  # vectors without a covariance of their own

        def first(z, codes):
            vector = torch.zeros(len(z), dtype=torch.long) if codes is None else codes
            k = index.index_select(0, vector)
            counts = torch.bincount(k, minlength=pooled + 1).tolist()
            order = None if max(counts) == len(z) else torch.argsort(k, stable=True)
            out = torch.empty(len(z), biases.shape[1])
            lo = 0
            for j, m in enumerate(counts):
                if not m:
                    continue
                if j < pooled:  # one vector: its bias for every row
                    torch.addmm(biases[own[j]], z[lo:lo + m], scales[j], out=out[lo:lo + m])
                else:  # the vectors sharing the pooled covariance: a bias per row
                    rows = vector if order is None else vector.index_select(0, order[lo:lo + m])
                    out[lo:lo + m] = biases.index_select(0, rows)
                    out[lo:lo + m].addmm_(z[lo:lo + m], scales[j])
                lo += m
            return out, order

        return first

    def _folded(self, linear):
        """The latent Gaussians folded into ``linear`` for :meth:`_first_layer`: per factor ``W_z L_k``
        as ``(d, width)``, per vector its bias, each vector's factor, and the vector of each factor of its
        own. Computed once per fitted model and layer, as a conditional sample calls ``_sample`` once per
        distinct condition and rejection once per draw (with 257 factors the fold is some 65 ms)."""
        import torch

        key = (linear, self.latent_mean_, self.latent_scale_, self.latent_scale_index_)
        cached = getattr(self, "_fold_cache", None)
        if cached is not None and all(a is b for a, b in zip(cached[0], key)):
            return cached[1]
        d = self.embedding_dim
        # fresh contiguous copies, so a loaded model's products round exactly as the fitted one's
        means, factors, index = (torch.tensor(a) for a in key[1:])
        pooled = len(factors) - 1  # vectors without a covariance of their own
        with torch.no_grad():
            w_z, w_c = linear.weight[:, :d], linear.weight[:, d:]
            scales = torch.matmul(w_z, factors).transpose(1, 2).contiguous()  # (factors, d, width)
            biases = means @ w_z.T + linear.bias
            if self.cond_dim_:
                biases += w_c.T  # the vector of row k is the one-hot e_k
        own = torch.zeros(pooled, dtype=torch.long)  # the vector of each factor of its own
        owners = (index < pooled).nonzero().squeeze(1)
        own[index[owners]] = owners
        fold = (scales, biases, index, own)
        self._fold_cache = (key, fold)
        return fold

    def _get_state(self, folder):
        from synthlearn.nn.persist import module_arrays

        _, arrays = self.modes_.get_state()
        arrays.update(module_arrays(self.module_))
        if self.latent_mean_ is not None:  # None: loaded from a folder saved before the latent Gaussians
            arrays.update(latent_mean=self.latent_mean_, latent_scale=self.latent_scale_,
                          latent_scale_index=self.latent_scale_index_)
        return {"data_dim": self.modes_.width_, "n_continuous": sum(s.activation == "tanh" for s in self.modes_.spans_),
                "cond_dim": self.cond_dim_, "decoder": list(self._decoder_sizes()),
                **self._condition_state(arrays)}, arrays

    def _set_state(self, state, arrays, folder):
        from synthlearn.nn.persist import load_module_arrays

        self.modes_ = ModeEncoder.from_state(self.encoder_.columns_, arrays)
        self.cond_dim_ = int(state.get("cond_dim", 0))  # 0: saved before the conditional vector
        self._set_condition_state(state, arrays)
        if "decoder" not in state:  # saved before decoder_layer_sizes: the decoder mirrors the encoder
            self.decoder_layer_sizes = None
        self.module_ = _build_module(int(state["data_dim"]), tuple(self.hidden_layer_sizes), self._decoder_sizes(),
                                     self.embedding_dim, int(state["n_continuous"]), self.cond_dim_)
        load_module_arrays(self.module_, arrays)
        self.latent_mean_ = arrays.get("latent_mean")
        if self.latent_mean_ is None:  # saved before the latent Gaussians: it samples the prior, as it always did
            self.latent_sampling = "prior"
        else:
            self.latent_scale_, self.latent_scale_index_ = arrays["latent_scale"], arrays["latent_scale_index"]
