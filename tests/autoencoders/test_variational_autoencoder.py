"""VariationalAutoencoder: samples, a finite ELBO, and an importance-sampled NLL that tightens it."""

from __future__ import annotations

import numpy as np
import pytest

from synthlearn.autoencoders import VariationalAutoencoder
from synthlearn.errors import InvalidParameterError

import autoencoder_data  # this folder's tiny data sets


@pytest.fixture(scope="module")
def binary_digits():
    digits = autoencoder_data.digits()
    return (digits > 0.5).astype(np.float64)


@pytest.fixture(scope="module")
def vae(binary_digits):
    return VariationalAutoencoder(code_size=4, hidden_layer_sizes=(64,), epochs=40, batch_size=32,
                                  learning_rate=3e-3, validation_fraction=0.0, random_state=0).fit(binary_digits)


def test_samples_have_the_data_shape(vae):
    samples = vae.sample(5, random_state=0)
    assert samples.shape == (5, 64)
    assert samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, vae.sample(5, random_state=0))
    with pytest.raises(InvalidParameterError, match="n_samples must be a positive integer, got 0"):
        vae.sample(0)


def test_elbo_and_nll(vae, binary_digits):
    elbo = vae.score(binary_digits)
    nll = vae.nll(binary_digits, n_importance=50)
    assert np.isfinite(elbo) and np.isfinite(nll)
    assert elbo < 0
    assert nll <= -elbo + 0.5  # importance sampling tightens the bound (up to Monte Carlo noise)
    assert nll > -elbo - 10  # ... but not absurdly
    # untrained, the same model is much worse: the ELBO measures learning
    untrained = VariationalAutoencoder(code_size=4, hidden_layer_sizes=(64,), epochs=1, learning_rate=1e-5,
                                       random_state=0).fit(binary_digits)
    assert untrained.score(binary_digits) < elbo - 5
    with pytest.raises(InvalidParameterError, match="n_importance must be a positive integer"):
        vae.nll(binary_digits, n_importance=0)


def test_gaussian_decoder_nll_matches_the_elbo_scale():
    low_rank = autoencoder_data.low_rank()
    vae = VariationalAutoencoder(code_size=2, hidden_layer_sizes=(16,), epochs=40, batch_size=32,
                                 learning_rate=1e-2, validation_fraction=0.0, random_state=0).fit(low_rank)
    assert vae.loss_ == "mse"
    assert vae.module_.log_scale is not None
    elbo, nll = vae.score(low_rank), vae.nll(low_rank, n_importance=50)
    assert np.isfinite(elbo) and nll <= -elbo + 0.5
    # a standard normal per column costs 10 × 1.419 nats per row; a rank-2 model must do far better
    assert nll < 10 * 0.5 * np.log(2 * np.pi * np.e) - 5


def test_sampling_without_a_seed_continues_the_models_own_stream(binary_digits, tmp_path):
    from synthlearn.autoencoders import load_model, save_model

    X = binary_digits[:60]
    first, second = (VariationalAutoencoder(code_size=2, hidden_layer_sizes=(8,), epochs=2, random_state=0).fit(X)
                     for _ in range(2))
    np.random.seed(1)  # the global NumPy RNG plays no part
    drawn = first.sample(3)
    np.random.seed(2)
    np.testing.assert_array_equal(second.sample(3), drawn)  # two identical fits, the same samples
    assert not np.array_equal(first.sample(3), drawn)  # the next call continues the stream
    np.testing.assert_array_equal(load_model(save_model(second, tmp_path / "v")).sample(3), drawn)
    np.testing.assert_array_equal(first.fit(X).sample(3), drawn)  # a new fit starts the stream again
