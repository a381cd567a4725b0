"""SparseAutoencoder: the KL penalty holds the mean code activation near ρ while still reconstructing."""

from __future__ import annotations

import numpy as np
import pytest

from synthlearn.autoencoders import SparseAutoencoder
from synthlearn.autoencoders.sparse import sparsity_penalty

import autoencoder_data  # this folder's tiny data sets


def test_mean_activation_is_near_the_target():
    digits = autoencoder_data.digits()
    rho = 0.1
    sp = SparseAutoencoder(code_size=64, sparsity_target=rho, sparsity_weight=3.0, epochs=40, batch_size=32,
                           learning_rate=1e-2, validation_fraction=0.0, random_state=0).fit(digits)
    codes = sp.transform(digits)
    assert codes.shape == (400, 64)
    assert rho / 1.5 < codes.mean() < 1.5 * rho
    baseline = np.mean((digits - digits.mean(axis=0)) ** 2)
    assert -sp.score(digits) < 0.5 * baseline


def test_l1_penalty_lowers_activity():
    digits = autoencoder_data.digits()
    params = dict(code_size=32, epochs=15, batch_size=32, learning_rate=1e-2, validation_fraction=0.0,
                  random_state=0, sparsity="l1")
    free = SparseAutoencoder(sparsity_weight=0.0, **params).fit(digits).transform(digits)
    sparse = SparseAutoencoder(sparsity_weight=0.3, **params).fit(digits).transform(digits)
    assert sparse.mean() < 0.5 * free.mean()


def test_penalty_matches_numpy():
    import torch

    h = np.random.default_rng(0).uniform(0.01, 0.99, size=(20, 5))
    rho, rho_hat = 0.05, h.mean(axis=0)
    kl = np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    assert float(sparsity_penalty(torch.tensor(h), "kl", rho)) == pytest.approx(kl, rel=1e-10)
    assert float(sparsity_penalty(torch.tensor(h), "l1", rho)) == pytest.approx(np.abs(h).sum(axis=1).mean())


def test_sparsity_penalty_is_finite_in_half_precision():
    """Mixed precision on CUDA hands the penalty float16 codes, where 1 - 1e-6 rounds to 1."""
    import torch

    codes = torch.tensor([[1.0, 0.0], [1.0, 0.0]], dtype=torch.float16)
    penalty = sparsity_penalty(codes, "kl", 0.05)
    assert penalty.dtype == torch.float32 and torch.isfinite(penalty)
    assert float(penalty) == pytest.approx(float(sparsity_penalty(codes.double(), "kl", 0.05)), rel=1e-2)
