"""The variational autoencoder: a probabilistic encoder q(z|x) and decoder p(x|z), trained on the ELBO.

Follows Kingma & Welling, "Auto-encoding variational Bayes", ICLR 2014, with
the β weight of Higgins et al. (ICLR 2017) and the importance-sampled
likelihood of Burda et al., "Importance weighted autoencoders", ICLR 2016.
The reconstruction term is summed over features per sample, not averaged, so
it keeps its proper weight against the KL term. With ``loss="bce"`` the
decoder is Bernoulli; with ``"mse"`` it is Gaussian with a learned standard
deviation per feature.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from synthlearn.autoencoders.autoencoder import COMMON_ATTRIBUTES_DOC, COMMON_PARAMETERS_DOC
from synthlearn.autoencoders.base import _PREDICT_BATCH, _BaseAutoencoder, _positive_int, fitted_params
from synthlearn.errors import InvalidParameterError


class VariationalAutoencoder(_BaseAutoencoder, BaseEstimator):
    __doc__ = f"""Dense variational autoencoder; ``transform`` gives the posterior mean.

    Parameters
    ----------{COMMON_PARAMETERS_DOC.replace("code_size : int, default=32", "code_size : int, default=16")
                                   .replace("default=(128,)", "default=(256,)")}
    beta : float, default=1.0
        Weight of the KL term (β-VAE); 1 is the true ELBO.

    Attributes
    ----------{COMMON_ATTRIBUTES_DOC}

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.autoencoders import VariationalAutoencoder
    >>> X = (np.random.default_rng(0).random((64, 6)) > 0.5).astype(float)
    >>> vae = VariationalAutoencoder(code_size=2, hidden_layer_sizes=(8,), epochs=5, random_state=0).fit(X)
    >>> vae.sample(3, random_state=0).shape
    (3, 6)
    """

    _extra_params = {"beta": (lambda v: isinstance(v, numbers.Real) and v >= 0, "a number >= 0")}

    def __init__(self, code_size=16, hidden_layer_sizes=(256,), activation="relu", loss="auto", epochs=100,
                 batch_size=128, learning_rate=1e-3, validation_fraction=0.1, patience=10, device="auto",
                 verbose=False, random_state=None, beta=1.0):
        self.code_size = code_size
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.verbose = verbose
        self.random_state = random_state
        self.beta = beta

    def _module_kwargs(self):
        return {"variational": True, "gaussian_output": self.loss_ == "mse"}

    def _fit(self, X) -> None:
        super()._fit(X)
        self._sample_rng = None  # a new fit starts a new stream of samples (see sample)

    # ------------------------------------------------------------------ likelihood pieces
    def _log_likelihood(self, module, raw, x):
        """log p(x|z) summed over features, shape (n,)."""
        import torch
        import torch.nn.functional as F

        if self.loss_ == "bce":
            return -F.binary_cross_entropy_with_logits(raw, x, reduction="none").sum(dim=-1)
        s = module.log_scale
        return -0.5 * (((x - raw) * torch.exp(-s)) ** 2 + 2 * s + math.log(2 * math.pi)).sum(dim=-1)

    def _loss(self, module, batch):
        import torch

        (x,) = batch
        mean, log_var = module.encode(x)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        kl = -0.5 * (1 + log_var - mean ** 2 - log_var.exp()).sum(dim=1)
        return (-self._log_likelihood(module, module.decode(z), x) + self.beta * kl).mean()

    def _elbo_and_nll(self, X, n_samples, random_state):
        """Per-sample ELBO (one draw of z per sample, β = 1) and importance-sampled NLL with ``n_samples`` draws."""
        import torch

        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
        gen = torch.Generator().manual_seed(seed)
        module = self.module_.eval()
        elbo, nll = [], []
        with torch.no_grad():
            for lo in range(0, len(X), max(1, _PREDICT_BATCH // n_samples)):
                x = torch.tensor(X[lo:lo + max(1, _PREDICT_BATCH // n_samples)], dtype=torch.float64)
                mean, log_var = module.encode(x)
                std = torch.exp(0.5 * log_var)
                eps = torch.randn((n_samples, *mean.shape), generator=gen, dtype=torch.float64)
                z = mean + std * eps  # (K, n, code)
                log_px = self._log_likelihood(module, module.decode(z), x.expand(n_samples, *x.shape))
                log_pz = -0.5 * (z ** 2 + math.log(2 * math.pi)).sum(dim=-1)
                log_qz = -0.5 * (eps ** 2 + log_var + math.log(2 * math.pi)).sum(dim=-1)
                kl = -0.5 * (1 + log_var - mean ** 2 - log_var.exp()).sum(dim=1)
                elbo.append((log_px[0] - kl).numpy())
                log_w = log_px + log_pz - log_qz
                nll.append((-(torch.logsumexp(log_w, dim=0) - math.log(n_samples))).numpy())
        return np.concatenate(elbo).astype(np.float64), np.concatenate(nll).astype(np.float64)

    # ------------------------------------------------------------------ public methods
    def score(self, X, y=None):
        """Mean ELBO per sample in nats (= −(negative ELBO); higher is better), from one draw of z per sample."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return float(np.mean(self._elbo_and_nll(X, 1, self.random_seed_)[0]))

    def nll(self, X, n_importance=100, random_state=0):
        """Importance-sampled negative log-likelihood per sample in nats, averaged over ``X`` (lower is better).

        Uses ``n_importance`` draws from q(z|x) (Burda et al. 2016); it is a
        tighter upper bound on −log p(x) than the negative ELBO.
        """
        check_is_fitted(self)
        if not _positive_int(n_importance):
            raise InvalidParameterError(f"n_importance must be a positive integer, got {n_importance!r}")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return float(np.mean(self._elbo_and_nll(X, int(n_importance), random_state)[1]))

    def sample(self, n_samples=1, random_state=None):
        """Generate ``n_samples`` new rows: the decoder's mean (probabilities for ``"bce"``) at z ~ N(0, I).

        Without ``random_state`` the codes come from the model's own stream,
        seeded by its ``random_state`` at fit time (like the synthesizers'):
        repeated calls give new samples and two identical fits the same ones.
        """
        check_is_fitted(self)
        if not _positive_int(n_samples):
            raise InvalidParameterError(f"n_samples must be a positive integer, got {n_samples!r}")
        if random_state is None:
            if vars(self).get("_sample_rng") is None:  # fitted, or loaded (which restores random_seed_)
                self._sample_rng = np.random.RandomState(self.random_seed_)
            rng = self._sample_rng
        else:
            rng = check_random_state(random_state)
        z = rng.standard_normal((int(n_samples), fitted_params(self)["code_size"]))
        return self._run(z, lambda m, c: self._output(m.decode(c)), np.float64)

