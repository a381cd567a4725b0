"""ContractiveAutoencoder: the Jacobian penalty equals finite differences, and training shrinks it."""

from __future__ import annotations

import numpy as np
import pytest

from synthlearn.autoencoders import Autoencoder, ContractiveAutoencoder
from synthlearn.autoencoders.contractive import jacobian_penalty, jacobian_penalty_autograd

import autoencoder_data  # this folder's tiny data sets


def finite_difference_jacobian_norm(encode, X, eps=1e-6):
    """Σ_ij (∂h_j/∂x_i)² per row by central differences: the obviously-correct reference."""
    out = np.zeros(len(X))
    for i in range(X.shape[1]):
        step = np.zeros(X.shape[1])
        step[i] = eps
        out += (((encode(X + step) - encode(X - step)) / (2 * eps)) ** 2).sum(axis=1)
    return out


@pytest.mark.parametrize("hidden", [(), (6,), (6, 5)], ids=["closed-form", "chain-1", "chain-2"])
def test_penalty_equals_finite_differences(hidden):
    low_rank = autoencoder_data.low_rank()
    import torch

    cae = ContractiveAutoencoder(code_size=3, hidden_layer_sizes=hidden, activation="tanh", epochs=2,
                                 random_state=0).fit(low_rank)
    X = low_rank[:20]
    exact = jacobian_penalty(cae.module_, torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(exact, finite_difference_jacobian_norm(cae.transform, X), rtol=1e-6)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "elu", "gelu", "leaky_relu"])
@pytest.mark.parametrize("hidden", [(), (7,), (7, 5)])
def test_exact_penalty_equals_autograd(activation, hidden):
    low_rank = autoencoder_data.low_rank()
    import torch

    cae = ContractiveAutoencoder(code_size=3, hidden_layer_sizes=hidden, activation=activation, epochs=1,
                                 random_state=0).fit(low_rank)
    x = torch.tensor(low_rank[:10])
    exact = jacobian_penalty(cae.module_, x)
    np.testing.assert_allclose(exact.detach().numpy(), jacobian_penalty_autograd(cae.module_, x).detach().numpy(),
                               rtol=1e-9)
    # its gradient (what training follows) matches too
    weight = cae.module_.code_layer.weight
    (g_exact,) = torch.autograd.grad(jacobian_penalty(cae.module_, x).sum(), weight)
    (g_auto,) = torch.autograd.grad(jacobian_penalty_autograd(cae.module_, x).sum(), weight)
    np.testing.assert_allclose(g_exact.numpy(), g_auto.numpy(), rtol=1e-8, atol=1e-12)


def test_contraction_gives_a_smaller_jacobian_than_a_plain_autoencoder():
    digits = autoencoder_data.digits()
    import torch

    params = dict(code_size=16, hidden_layer_sizes=(), epochs=30, batch_size=32, learning_rate=1e-2,
                  validation_fraction=0.0, random_state=0)
    plain = ContractiveAutoencoder(contraction_weight=0.0, **params).fit(digits)
    contractive = ContractiveAutoencoder(contraction_weight=1.0, **params).fit(digits)
    x = torch.tensor(digits)
    norm_plain = float(jacobian_penalty(plain.module_, x).mean().detach())
    norm_contractive = float(jacobian_penalty(contractive.module_, x).mean().detach())
    assert norm_contractive < 0.5 * norm_plain
    baseline = np.mean((digits - digits.mean(axis=0)) ** 2)
    assert -contractive.score(digits) < 0.8 * baseline  # it still reconstructs
    # a linear-code Autoencoder is measured by autograd, not by the sigmoid closed form
    ae = Autoencoder(code_size=4, hidden_layer_sizes=(), epochs=1, random_state=0).fit(digits)
    w = ae.module_.code_layer.weight.detach().numpy()
    assert float(jacobian_penalty(ae.module_, x[:3])[0].detach()) == pytest.approx((w ** 2).sum(), rel=1e-10)
