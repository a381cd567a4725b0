"""SequenceAutoencoder: input conventions, shapes, forecasting skill on a sine, reproducibility, clear errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from synthlearn.autoencoders import SequenceAutoencoder
from synthlearn.autoencoders.sequence import sliding_windows
from synthlearn.errors import DataError, InvalidParameterError

FAST = dict(code_size=4, hidden_size=8, window=8, horizon=2, epochs=4, batch_size=32, random_state=0)


def sine(n=240, period=12, noise=0.05, seed=0):
    t = np.arange(n)
    return 10 + 5 * np.sin(2 * np.pi * t / period) + noise * np.random.default_rng(seed).normal(size=n)


def test_import_does_not_import_torch():
    code = ("import sys, synthlearn.autoencoders.sequence, synthlearn.autoencoders.autorec, "
            "synthlearn.generate.ratings; assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_sliding_windows_against_a_loop():
    s = np.arange(10.0)
    X, y = sliding_windows(s, window=4, horizon=2)
    assert X.shape == (5, 4) and y.shape == (5, 2)
    for i in range(5):
        np.testing.assert_array_equal(X[i], s[i:i + 4])
        np.testing.assert_array_equal(y[i], s[i + 4:i + 6])
    X3, y3 = sliding_windows(np.c_[s, -s], window=3, horizon=1)
    assert X3.shape == (7, 3, 2) and y3.shape == (7, 1, 2)
    with pytest.raises(DataError, match="too short for window=8 plus horizon=3"):
        sliding_windows(s, 8, 3)


def test_forecasts_beat_persistence_on_a_sine():
    s = sine(160)
    model = SequenceAutoencoder(window=12, horizon=3, epochs=15, hidden_size=8, random_state=0).fit(s[:120])
    origins = range(120, 160 - 3 + 1)  # rolling origin over the held-out tail
    windows = np.stack([s[o - 12:o] for o in origins])
    truth = np.stack([s[o:o + 3] for o in origins])
    forecast = model.predict(windows)
    persistence = np.repeat(windows[:, -1:], 3, axis=1)
    rmse = np.sqrt(np.mean((forecast - truth) ** 2, axis=0))
    assert np.all(rmse < 0.5 * np.sqrt(np.mean((persistence - truth) ** 2, axis=0)))


def test_shapes_for_series_and_windows():
    s = sine(120)
    model = SequenceAutoencoder(**FAST).fit(s)
    assert model.window_ == 8 and model.n_channels_ == 1 and model.n_features_in_ == 8 and model.forecasts_
    W, F = sliding_windows(s, 8, 2)
    assert model.transform(W).shape == (len(W), 4)
    assert model.reconstruct(W).shape == W.shape
    assert model.predict(W).shape == F.shape
    assert model.inverse_transform(model.transform(W)).shape == W.shape
    np.testing.assert_allclose(model.inverse_transform(model.transform(W)), model.reconstruct(W), atol=1e-10)
    assert model.forecast(s).shape == (2,)
    assert model.forecast(s, steps=7).shape == (7,)
    assert model.forecast(W[:3], steps=5).shape == (3, 5)
    np.testing.assert_allclose(model.forecast(s), model.predict(s[-8:][None])[0])
    assert model.score(W) <= 0 and model.score(W, F) == pytest.approx(-np.mean((model.predict(W) - F) ** 2))
    assert list(model.get_feature_names_out()) == [f"sequenceautoencoder{i}" for i in range(4)]


def test_recursive_forecast_feeds_predictions_back():
    s = sine(120)
    model = SequenceAutoencoder(**FAST).fit(s)
    first = model.forecast(s, steps=2)
    second = model.forecast(np.r_[s, first], steps=2)
    np.testing.assert_allclose(model.forecast(s, steps=4), np.r_[first, second], atol=1e-10)


def test_multivariate_windows_with_futures():
    s = np.c_[sine(150), sine(150, period=6, seed=1)]
    W, F = sliding_windows(s, 8, 2)
    model = SequenceAutoencoder(**{**FAST, "cell": "lstm", "num_layers": 2}).fit(W, F)
    assert model.n_channels_ == 2
    assert model.predict(W).shape == (len(W), 2, 2)
    assert model.reconstruct(W).shape == W.shape
    np.testing.assert_allclose(model.scaler_.mean_, np.concatenate([W, F], axis=1).reshape(-1, 2).mean(axis=0))
    with pytest.raises(DataError, match="expecting 8 steps x 2 features"):
        model.transform(W[:, :, :1])


def test_windows_without_futures_reconstruct_but_do_not_forecast():
    W, _ = sliding_windows(sine(100), 8, 0)
    model = SequenceAutoencoder(**FAST).fit(W)
    assert not model.forecasts_ and model.reconstruct(W).shape == W.shape
    with pytest.raises(DataError, match="fitted without futures"):
        model.predict(W)
    with pytest.raises(DataError, match="fitted without futures"):  # not numbers from an untrained decoder
        model.forecast(W[-1:], steps=3)


def test_same_seed_same_model():
    s = sine(120)
    W, _ = sliding_windows(s, 8, 2)
    a = SequenceAutoencoder(**FAST).fit(s).transform(W)
    b = SequenceAutoencoder(**FAST).fit(s).transform(W)
    c = SequenceAutoencoder(**{**FAST, "random_state": 1}).fit(s).transform(W)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_codes_do_not_depend_on_the_batch():
    s = sine(120)
    W, _ = sliding_windows(s, 8, 2)
    model = SequenceAutoencoder(**FAST).fit(s)
    # float64 inference: a batch of one and a batch of all agree to rounding (recurrent kernels may block by batch)
    np.testing.assert_allclose(model.transform(W)[5:6], model.transform(W[5:6]), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.predict(W)[::-1], model.predict(W[::-1]), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("params, match", [
    (dict(cell="rnn"), "cell must be 'gru' or 'lstm', got 'rnn'"),
    (dict(window=0), "window must be a positive integer"),
    (dict(horizon=1.5), "horizon must be a positive integer"),
    (dict(validation_fraction=1.0), "validation_fraction must be a number in \\[0, 1\\)"),
])
def test_bad_parameters_are_named(params, match):
    with pytest.raises(InvalidParameterError, match=match):
        SequenceAutoencoder(**{**FAST, **params}).fit(sine(60))


def test_bad_shapes_are_explained():
    s = sine(60)
    model = SequenceAutoencoder(**FAST).fit(s)
    with pytest.raises(DataError, match="X must be windows.*a series\\? pass it to fit or forecast.*Reshape"):
        model.transform(s)
    with pytest.raises(DataError, match="got 4-D"):
        model.transform(np.zeros((2, 8, 1, 1)))
    with pytest.raises(ValueError, match="X has 5 features, but SequenceAutoencoder is expecting 8"):
        model.transform(np.zeros((2, 5)))
    with pytest.raises(DataError, match="y must be None when X is a series"):
        SequenceAutoencoder(**FAST).fit(s, s)
    with pytest.raises(DataError, match="y must hold the 2 future steps of each window, shape \\(3, 2\\)"):
        SequenceAutoencoder(**FAST).fit(np.zeros((3, 8)), np.zeros((3, 4)))
    with pytest.raises(DataError, match="too short"):
        SequenceAutoencoder(**FAST).fit(s[:9])
    with pytest.raises(DataError, match="needs the last window_=8"):
        model.forecast(s[:5])
    with pytest.raises(InvalidParameterError, match="steps must be a positive integer"):
        model.forecast(s, steps=0)
    with pytest.raises(NotFittedError):
        SequenceAutoencoder().transform(np.zeros((2, 8)))


def test_failed_fit_leaves_no_fitted_attributes():
    model = SequenceAutoencoder(**FAST).fit(sine(60))
    with pytest.raises(DataError):
        model.fit(sine(60)[:5])
    assert not [k for k in vars(model) if k.endswith("_") and not k.startswith("_")]


def test_a_series_validates_on_its_last_windows(monkeypatch):
    """Fitted on a series, the model validates on its last windows, and no training window or future
    shares a step with them; windows passed in are split at random (``validation`` not given)."""
    import synthlearn.nn as nn

    seen = {}
    real_train = nn.train

    def spy(module, loss, tensors, config, **kw):
        seen.update(tensors=tensors, validation=kw.get("validation"))
        return real_train(module, loss, tensors, config, **kw)

    monkeypatch.setattr(nn, "train", spy)
    s = np.arange(100.0)
    model = SequenceAutoencoder(**{**FAST, "epochs": 1}, validation_fraction=0.2).fit(s)
    W, F = sliding_windows(s, 8, 2)  # 91 windows: the last 18 validate, 9 more are left out between
    n_val, gap = 18, 8 + 2 - 1
    assert len(seen["validation"][0]) == n_val and len(seen["tensors"][0]) == len(W) - n_val - gap
    unscale = lambda t: t.numpy()[..., 0] * model.scaler_.scale_[0] + model.scaler_.mean_[0]  # noqa: E731
    np.testing.assert_allclose(unscale(seen["validation"][0]), W[-n_val:], atol=1e-3)
    last_train_step = unscale(seen["tensors"][1])[-1, -1]  # the last step of the last training future
    assert last_train_step < W[-n_val][0]
    model.fit(W, F)
    assert seen["validation"] is None
