"""The contractive autoencoder: reconstruction plus λ‖∂h/∂x‖²_F, so codes barely move when the input does.

Follows Rifai et al., "Contractive auto-encoders: explicit invariance during
feature extraction", ICML 2011. The penalty is exact in closed form for one
sigmoid layer, ‖J‖²_F = Σ_j (h_j(1 − h_j))² Σ_i W_ji², and computed by
autograd (one backward pass per code unit) for deeper encoders.
"""

from __future__ import annotations

import numbers

from sklearn.base import BaseEstimator

from synthlearn.autoencoders.autoencoder import COMMON_ATTRIBUTES_DOC, COMMON_PARAMETERS_DOC
from synthlearn.autoencoders.base import _BaseAutoencoder


def jacobian_penalty(module, x):
    """Per-sample squared Frobenius norm of the encoder's Jacobian ∂h/∂x, shape (n,), differentiable.

    ``module`` is a ``DenseAutoencoderNet``; closed form for one sigmoid layer, autograd otherwise.
    """
    import torch
    from torch import nn

    if len(module.encoder) == 0 and isinstance(module.code_activation, nn.Sigmoid):  # one sigmoid layer: closed form
        h = module.encode(x)
        w_sq = (module.code_layer.weight ** 2).sum(dim=1)
        return ((h * (1 - h)) ** 2 * w_sq).sum(dim=1)
    with torch.enable_grad():  # also under no_grad (validation): the penalty itself needs the graph
        x = x.detach().requires_grad_(True)
        h = module.encode(x)
        total = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        for j in range(h.shape[1]):
            (grad,) = torch.autograd.grad(h[:, j].sum(), x, create_graph=True)
            total = total + (grad ** 2).sum(dim=1)
    return total


def jacobian_norm(model, X) -> float:
    """Mean over the rows of ``X`` of ‖∂h/∂x‖²_F, the squared Frobenius norm of a fitted dense model's encoder Jacobian.

    Works for every dense autoencoder (exact for a one-layer sigmoid encoder,
    by autograd otherwise), so a contractive model can be compared with a plain one.
    """
    import torch
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)
    X = model._validate(X, reset=False)
    total = 0.0
    for lo in range(0, len(X), 256):
        x = torch.tensor(X[lo:lo + 256], dtype=torch.float64)
        total += float(jacobian_penalty(model.module_, x).detach().sum())
    return total / max(len(X), 1)


class ContractiveAutoencoder(_BaseAutoencoder, BaseEstimator):
    __doc__ = f"""Autoencoder with sigmoid codes and a penalty on the encoder's Jacobian.

    The code may be wider than the input (no undercomplete check): the
    penalty regularises it.

    Parameters
    ----------{COMMON_PARAMETERS_DOC.replace("default=(128,)", "default=()")}
    contraction_weight : float, default=0.1
        λ, the weight of ‖∂h/∂x‖²_F (mean over the batch).

    Attributes
    ----------{COMMON_ATTRIBUTES_DOC}

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.autoencoders import ContractiveAutoencoder
    >>> X = np.random.default_rng(0).random((64, 6))
    >>> ContractiveAutoencoder(code_size=3, epochs=5, random_state=0).fit(X).transform(X).shape
    (64, 3)
    """

    _undercomplete = False
    _extra_params = {
        "contraction_weight": (lambda v: isinstance(v, numbers.Real) and v >= 0, "a number >= 0"),
    }

    def __init__(self, code_size=32, hidden_layer_sizes=(), activation="relu", loss="auto", epochs=100,
                 batch_size=128, learning_rate=1e-3, validation_fraction=0.1, patience=10, device="auto",
                 verbose=False, random_state=None, contraction_weight=0.1):
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
        self.contraction_weight = contraction_weight

    def _module_kwargs(self):
        return {"code_activation": "sigmoid"}

    def _loss(self, module, batch):
        (x,) = batch
        reconstruction = self._reconstruction_loss(module(x), x)
        if self.contraction_weight == 0:
            return reconstruction
        return reconstruction + self.contraction_weight * jacobian_penalty(module, x).mean()
