"""Behaviour every autoencoder shares: it learns, it is repeatable, it refuses bad input clearly."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from synthlearn.autoencoders import (
    Autoencoder,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
    VariationalAutoencoder,
)
from synthlearn.errors import DataError, InvalidParameterError

import autoencoder_data  # this folder's tiny data sets

FAST = dict(epochs=40, batch_size=32, learning_rate=1e-2, validation_fraction=0.0, random_state=0)
MODELS = [Autoencoder, SparseAutoencoder, ContractiveAutoencoder, DenoisingAutoencoder, VariationalAutoencoder]


def test_import_does_not_import_torch():
    code = "import sys, synthlearn.autoencoders; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_deep_autoencoder_beats_the_mean_on_low_rank_data():
    low_rank = autoencoder_data.low_rank()
    ae = Autoencoder(code_size=2, hidden_layer_sizes=(16, 8), **FAST).fit(low_rank)
    baseline = np.mean((low_rank - low_rank.mean(axis=0)) ** 2)  # = 1 after standardising
    assert ae.loss_ == "mse"
    assert -ae.score(low_rank) < 0.2 * baseline
    codes = ae.transform(low_rank)
    assert codes.shape == (300, 2)
    np.testing.assert_allclose(ae.inverse_transform(codes), ae.reconstruct(low_rank), atol=1e-12)
    assert ae.history_ and ae.history_[-1]["epoch"] == ae.n_epochs_
    assert list(ae.get_feature_names_out()) == ["autoencoder0", "autoencoder1"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_reconstructs_digits_better_than_the_mean(model):
    digits = autoencoder_data.digits()
    # a sparse code is wide by design: most units stay silent
    code_size = 32 if model is SparseAutoencoder else 8
    est = model(code_size=code_size, hidden_layer_sizes=(32,), **FAST).fit(digits)
    assert est.loss_ == "bce"  # auto: the data lies in [0, 1]
    baseline = np.mean((digits - digits.mean(axis=0)) ** 2)
    assert np.mean((est.reconstruct(digits) - digits) ** 2) < 0.8 * baseline
    assert est.reconstruct(digits).min() >= 0 and est.reconstruct(digits).max() <= 1  # sigmoid output for bce


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_same_seed_same_codes(model):
    low_rank = autoencoder_data.low_rank()
    params = dict(code_size=2, hidden_layer_sizes=(8,), epochs=3, random_state=7)
    a = model(**params).fit(low_rank).transform(low_rank)
    b = model(**params).fit(low_rank).transform(low_rank)
    c = model(**{**params, "random_state": 8}).fit(low_rank).transform(low_rank)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_validation_split_and_early_stopping(model):
    low_rank = autoencoder_data.low_rank()
    est = model(code_size=2, hidden_layer_sizes=(4, 3), epochs=4, validation_fraction=0.2, patience=1,
                random_state=0).fit(low_rank)
    assert all(np.isfinite(row["val_loss"]) for row in est.history_)
    assert 1 <= est.n_epochs_ <= 4


def test_fit_leaves_the_global_torch_rng_alone():
    low_rank = autoencoder_data.low_rank()
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    Autoencoder(code_size=2, hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(low_rank)
    assert torch.equal(torch.rand(3), expected)


def test_bad_input_gives_clear_errors():
    low_rank = autoencoder_data.low_rank()
    digits = autoencoder_data.digits()
    with pytest.raises(InvalidParameterError, match=r"code_size=20 is larger than the input's n_features=10"):
        Autoencoder(code_size=20).fit(low_rank)
    with pytest.raises(DataError, match=r"loss='bce' needs data in \[0, 1\].*use loss='mse'"):
        Autoencoder(code_size=2, loss="bce").fit(low_rank)
    with pytest.raises(ValueError, match="NaN"):
        Autoencoder(code_size=2).fit(np.where(np.eye(300, 10) == 1, np.nan, low_rank))
    with pytest.raises(InvalidParameterError, match=r"activation must be one of .* got 'swish'"):
        Autoencoder(code_size=2, activation="swish").fit(low_rank)
    with pytest.raises(InvalidParameterError, match=r"hidden_layer_sizes must be a tuple of positive integers"):
        Autoencoder(code_size=2, hidden_layer_sizes=(8, 0)).fit(low_rank)
    with pytest.raises(InvalidParameterError, match=r"noise_level .* must be in \[0, 1\], got 1.5"):
        DenoisingAutoencoder(code_size=2, corruption="masking", noise_level=1.5).fit(digits)
    with pytest.raises(InvalidParameterError, match=r"sparsity_target must be a number in \(0, 1\), got 2"):
        SparseAutoencoder(sparsity_target=2).fit(digits)
    with pytest.raises(NotFittedError):
        Autoencoder().transform(low_rank)
    ae = Autoencoder(code_size=2, hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(low_rank)
    with pytest.raises(DataError, match=r"code_size=2 columns, got 3"):
        ae.inverse_transform(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="10 features"):
        ae.transform(low_rank[:, :5])


def test_a_failed_fit_does_not_look_fitted():
    low_rank = autoencoder_data.low_rank()
    ae = Autoencoder(code_size=2, hidden_layer_sizes=(4,), epochs=2, learning_rate=1e30, random_state=0)
    with pytest.raises(InvalidParameterError, match="lower learning_rate"):
        ae.fit(low_rank * 1e6)
    with pytest.raises(NotFittedError):
        ae.transform(low_rank)


def test_overcomplete_is_allowed_for_regularised_models():
    low_rank = autoencoder_data.low_rank()
    for model in (SparseAutoencoder, ContractiveAutoencoder, DenoisingAutoencoder):
        est = model(code_size=16, hidden_layer_sizes=(), epochs=1, random_state=0).fit(low_rank)
        assert est.transform(low_rank).shape == (300, 16)
