"""DenoisingAutoencoder: corruption is what it says, and the model removes Gaussian noise."""

from __future__ import annotations

import numpy as np
import pytest

from synthlearn.autoencoders import DenoisingAutoencoder
from synthlearn.autoencoders.denoising import corrupt

import autoencoder_data  # this folder's tiny data sets


def psnr(clean, other):
    return 10 * np.log10(1.0 / np.mean((clean - other) ** 2))


def test_denoising_beats_the_noisy_input():
    digits = autoencoder_data.digits()
    noisy = digits + 0.3 * np.random.default_rng(1).standard_normal(digits.shape)
    dae = DenoisingAutoencoder(code_size=16, hidden_layer_sizes=(64,), noise_level=0.3, epochs=40, batch_size=32,
                               learning_rate=3e-3, validation_fraction=0.0, random_state=0).fit(digits)
    assert psnr(digits, dae.reconstruct(noisy)) > psnr(digits, noisy) + 4  # dB


@pytest.mark.parametrize("kind", ["masking", "salt_and_pepper"])
def test_corruption_hits_the_asked_share(kind):
    import torch

    torch.manual_seed(0)
    x = torch.full((200, 50), 0.5, dtype=torch.float64)
    out = corrupt(x, kind, 0.2, torch.zeros(50, dtype=torch.float64), torch.ones(50, dtype=torch.float64))
    changed = (out != x).double().mean().item()
    assert changed == pytest.approx(0.2, abs=0.02)
    allowed = {0.0, 0.5} if kind == "masking" else {0.0, 0.5, 1.0}
    assert set(out.unique().tolist()) <= allowed


def test_gaussian_corruption_has_the_asked_scale():
    import torch

    torch.manual_seed(0)
    x = torch.zeros(400, 50, dtype=torch.float64)
    assert corrupt(x, "gaussian", 0.3).std().item() == pytest.approx(0.3, rel=0.03)
