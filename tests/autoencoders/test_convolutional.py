"""ConvAutoencoder and ConvVariationalAutoencoder: image shapes in and out, clear errors, a per-image summed loss."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from synthlearn.autoencoders import ConvAutoencoder, ConvVariationalAutoencoder
from synthlearn.errors import DataError, InvalidParameterError

import autoencoder_data  # this folder's tiny data sets

TINY = dict(channels=(4, 8), hidden_size=16, code_size=4, epochs=2, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def images():
    """400 digits as (n, 8, 8) images in [0, 1]."""
    return autoencoder_data.digits().reshape(-1, 8, 8)


@pytest.fixture(scope="module")
def trained(images):
    return ConvAutoencoder(code_size=8, channels=(8, 16), hidden_size=64, epochs=20, batch_size=64,
                           learning_rate=1e-2, validation_fraction=0.0, random_state=0).fit(images)


def test_it_learns_the_digits(trained, images):
    assert trained.loss_ == "bce"
    baseline = np.mean((images - images.mean(axis=0)) ** 2)
    assert -trained.score(images) < 0.6 * baseline
    assert trained.history_[-1]["train_loss"] < 0.8 * trained.history_[0]["train_loss"]
    out = trained.reconstruct(images)
    assert out.shape == images.shape and out.min() >= 0 and out.max() <= 1
    codes = trained.transform(images)
    assert codes.shape == (400, 8)
    np.testing.assert_allclose(trained.inverse_transform(codes), out, atol=1e-12)
    assert list(trained.get_feature_names_out())[:2] == ["convautoencoder0", "convautoencoder1"]


def test_the_loss_is_summed_over_pixels_per_image(trained, images):
    """The training loss of a batch is the binary cross-entropy summed over each image's 64 pixels, then averaged."""
    import torch

    x = images[:5].reshape(5, -1)
    p = np.clip(trained.reconstruct(images[:5]).reshape(5, -1), 1e-300, 1 - 1e-16)
    by_hand = np.mean(np.sum(-(x * np.log(p) + (1 - x) * np.log1p(-p)), axis=1))
    with torch.no_grad():
        loss = float(trained._loss(trained.module_.eval(), (torch.tensor(x),)))
    assert loss == pytest.approx(by_hand, rel=1e-6)
    assert loss > 10  # a per-pixel mean would be below log 2


@pytest.mark.parametrize("shape", [(8, 8), (1, 8, 8), (3, 8, 8), (7, 5), (1, 1), (9, 28), (2, 13, 3)])
def test_shapes_in_and_out(shape):
    X = np.random.default_rng(0).random((20, *shape))
    ae = ConvAutoencoder(**{**TINY, "code_size": 1, "channels": (4, 8, 4)}).fit(X)
    assert ae.transform(X).shape == (20, 1)
    assert ae.reconstruct(X).shape == X.shape
    assert ae.inverse_transform(ae.transform(X)).shape == X.shape
    assert ae.image_shape_ == (shape if len(shape) == 3 else (1, *shape))


def test_network_output_matches_the_input_size_exactly():
    import torch

    from synthlearn.autoencoders.conv_networks import ConvAutoencoderNet, halvings

    assert halvings((28, 7), 3) == [(28, 7), (14, 4), (7, 2), (4, 1)]
    for h in range(1, 12):
        for w in (1, 2, 5, 8):
            net = ConvAutoencoderNet((2, h, w), (3, 3, 3), 2, "relu", hidden_size=None).eval()
            assert net(torch.zeros(4, 2 * h * w)).shape == (4, 2 * h * w)
            assert net.decode(torch.zeros(3, 4, 2)).shape == (3, 4, 2 * h * w)  # leading dims kept


def test_flat_rows_with_image_shape(images):
    flat = images.reshape(400, 64)[:100]
    ae = ConvAutoencoder(**TINY, image_shape=(8, -1)).fit(flat)
    assert ae.image_shape_ == (1, 8, 8) and ae.input_shape_ == (64,)
    assert ae.reconstruct(flat).shape == (100, 64)
    # the same images folded by the caller give the same codes
    np.testing.assert_allclose(ae.transform(flat), ae.transform(flat.reshape(100, 8, 8)), atol=1e-12)
    f32 = ae.transform(flat.astype(np.float32))
    assert f32.dtype == np.float32


def test_same_seed_same_codes(images):
    a = ConvAutoencoder(**TINY).fit(images[:100]).transform(images[:100])
    b = ConvAutoencoder(**TINY).fit(images[:100]).transform(images[:100])
    c = ConvAutoencoder(**{**TINY, "random_state": 1}).fit(images[:100]).transform(images[:100])
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_bad_input_gives_clear_errors(images, trained):
    X = images[:50]
    with pytest.raises(DataError, match=r"got a 2-D array of shape \(50, 64\); reshape it to \(n, H, W\) or pass "
                                        r"image_shape=\(H, W\)"):
        ConvAutoencoder(**TINY).fit(X.reshape(50, 64))
    with pytest.raises(DataError, match=r"image_shape=\(7, -1\) does not fit rows of 64 values"):
        ConvAutoencoder(**TINY, image_shape=(7, -1)).fit(X.reshape(50, 64))
    with pytest.raises(DataError, match=r"image_shape=\(4, 16\) does not match the images' shape \(8, 8\)"):
        ConvAutoencoder(**TINY, image_shape=(4, 16)).fit(X)
    with pytest.raises(DataError, match=r"needs images of shape \(n, H, W\) or \(n, C, H, W\), got an array of shape "
                                        r"\(64,\)\. Reshape your data"):
        ConvAutoencoder(**TINY).fit(X[0].ravel())
    with pytest.raises(DataError, match=r"shape \(1, 50, 1, 8, 8\)"):
        ConvAutoencoder(**TINY).fit(X[None, :, None])
    with pytest.raises(DataError, match=r"loss='bce' needs data in \[0, 1\], got values in \[0, 2\]"):
        ConvAutoencoder(**TINY, loss="bce").fit(2 * X)
    with pytest.raises(DataError, match=r"X contains NaN; ConvAutoencoder needs finite pixel values"):
        ConvAutoencoder(**TINY).fit(np.where(X > 0.9, np.nan, X))
    with pytest.raises(DataError, match=r"X contains infinite values"):
        ConvAutoencoder(**TINY).fit(np.where(X > 0.9, np.inf, X))
    with pytest.raises(InvalidParameterError, match=r"code_size=100 is larger than the input's n_features=64"):
        ConvAutoencoder(**{**TINY, "code_size": 100}).fit(X)
    with pytest.raises(InvalidParameterError, match=r"channels must be a non-empty tuple of positive integers"):
        ConvAutoencoder(**{**TINY, "channels": ()}).fit(X)
    with pytest.raises(InvalidParameterError, match=r"image_shape must be None, \(H, W\) or \(C, H, W\)"):
        ConvAutoencoder(**TINY, image_shape=(-1, -1)).fit(X)
    with pytest.raises(InvalidParameterError, match=r"hidden_size must be None or a positive integer, got 0"):
        ConvAutoencoder(**{**TINY, "hidden_size": 0}).fit(X)
    with pytest.raises(NotFittedError):
        ConvAutoencoder().transform(X)
    with pytest.raises(DataError, match=r"fitted on images of shape \(1, 8, 8\) \(C, H, W\), got \(1, 7, 7\)"):
        trained.transform(X[:, :7, :7])
    with pytest.raises(ValueError, match="X has 49 features, but ConvAutoencoder is expecting 64"):
        trained.transform(X[:, :7, :7].reshape(50, 49))
    with pytest.raises(DataError, match=r"code_size=8 columns, got 3"):
        trained.inverse_transform(np.zeros((2, 3)))


def test_a_failed_fit_does_not_look_fitted(images):
    ae = ConvAutoencoder(**TINY, loss="bce").fit(images[:50])
    with pytest.raises(DataError, match="loss='bce' needs data in"):
        ae.fit(3 * images[:50])
    assert not [k for k in vars(ae) if k.endswith("_") and not k.startswith("_")]
    with pytest.raises(NotFittedError):
        ae.transform(images[:50])
    diverging = ConvAutoencoder(**{**TINY, "learning_rate": 1e30}, loss="mse")
    with pytest.raises(InvalidParameterError, match="lower learning_rate"):
        diverging.fit(images[:50] * 1e6)
    assert not hasattr(diverging, "module_") and not hasattr(diverging, "image_shape_")


@pytest.fixture(scope="module")
def vae(images):
    binary = (images > 0.5).astype(np.float64)
    return ConvVariationalAutoencoder(code_size=4, channels=(8, 16), hidden_size=64, epochs=15, batch_size=64,
                                      learning_rate=1e-2, validation_fraction=0.0, random_state=0).fit(binary)


def test_vae_samples_elbo_and_nll(vae, images):
    binary = (images > 0.5).astype(np.float64)
    samples = vae.sample(5, random_state=0)
    assert samples.shape == (5, 8, 8) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, vae.sample(5, random_state=0))
    assert vae.transform(binary).shape == (400, 4)
    elbo, nll = vae.score(binary), vae.nll(binary, n_importance=20)
    assert np.isfinite(elbo) and np.isfinite(nll)
    assert nll <= -elbo + 0.5  # importance sampling tightens the bound (up to Monte Carlo noise)
    # summed over 64 binary pixels: far above a per-pixel mean (< log 2), far below coin flips (64 log 2)
    assert 5 < nll < 0.8 * 64 * np.log(2)
    with pytest.raises(InvalidParameterError, match="n_importance must be a positive integer"):
        vae.nll(binary, n_importance=0)
    with pytest.raises(InvalidParameterError, match="n_samples must be a positive integer, got 0"):
        vae.sample(0)
    with pytest.raises(DataError, match=r"fitted on images of shape \(1, 8, 8\)"):
        vae.nll(binary[:, :4, :4])


def test_save_and_load_keep_the_image_layout(images, tmp_path):
    from synthlearn.autoencoders import load_model, save_model

    for model in (ConvAutoencoder, ConvVariationalAutoencoder):
        est = model(**TINY).fit(images[:60, None])
        loaded = load_model(save_model(est, tmp_path / model.__name__))
        assert loaded.image_shape_ == (1, 8, 8) and loaded.input_shape_ == (1, 8, 8)
        np.testing.assert_array_equal(loaded.reconstruct(images[:5, None]), est.reconstruct(images[:5, None]))
