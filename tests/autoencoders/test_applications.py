"""The autoencoder applications: anomaly scores, damage and repair, PSNR, interpolation, sample grids."""

from __future__ import annotations

import numpy as np
import pytest

from synthlearn.autoencoders import (
    AnomalyDetector,
    Autoencoder,
    DenoisingAutoencoder,
    VariationalAutoencoder,
    damage,
    interpolate,
    psnr,
    repair,
    save_samples,
)
from synthlearn.errors import DataError, InvalidParameterError

from autoencoder_data import digits, low_rank

SMALL = dict(hidden_layer_sizes=(32,), epochs=40, random_state=0)


@pytest.fixture(scope="module")
def digit_images():
    return digits().reshape(-1, 8, 8)


@pytest.fixture(scope="module")
def dae():
    return DenoisingAutoencoder(code_size=16, corruption="masking", noise_level=0.25, **SMALL).fit(digits())


# ---------------------------------------------------------------------- psnr and damage
def test_psnr_matches_its_definition():
    clean = np.zeros((2, 4, 4))
    noisy = clean + 0.1
    assert psnr(clean, noisy) == pytest.approx(20.0)  # 10 log10(1 / 0.01)
    assert psnr(clean, clean) == float("inf")
    with pytest.raises(DataError, match="one shape"):
        psnr(clean, noisy[:1])


def test_gaussian_damage_is_clipped_noise_of_the_asked_level(digit_images):
    noisy, known = damage(digit_images, "gaussian", 0.3, random_state=0, clip=False)
    assert np.std(noisy - digit_images) == pytest.approx(0.3, rel=0.02)
    assert known.all()
    clipped, _ = damage(digit_images, "gaussian", 0.3, random_state=0)
    assert clipped.min() >= 0 and clipped.max() <= 1
    again, _ = damage(digit_images, "gaussian", 0.3, random_state=0)
    np.testing.assert_array_equal(clipped, again)  # seeded


def test_patch_damage_masks_one_square_of_the_asked_area(digit_images):
    holes, known = damage(digit_images, "patches", 0.25, random_state=0)
    assert ((~known).reshape(len(known), -1).sum(axis=1) == 16).all()  # a 4x4 hole in 8x8
    assert (holes[~known] == 0).all()
    np.testing.assert_array_equal(holes[known], digit_images[known])


def test_salt_and_pepper_and_blur(digit_images):
    sp, known = damage(digit_images, "salt_and_pepper", 0.1, random_state=0)
    assert 0.08 < (~known).mean() < 0.12 and set(np.unique(sp[~known])) <= {0.0, 1.0}
    blurred, known = damage(digit_images, "blur", 1.0)
    assert known.all() and blurred.std() < digit_images.std()


@pytest.mark.parametrize("kwargs, match", [
    (dict(kind="smudge"), "kind must be one of"),
    (dict(level=-1), "level must be"),
    (dict(kind="patches", level=2), "at most 1"),
])
def test_bad_damage_parameters(digit_images, kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        damage(digit_images, **kwargs)


def test_damage_needs_images():
    with pytest.raises(DataError, match=r"\(n, H, W\)"):
        damage(np.zeros((3, 64)))


# ---------------------------------------------------------------------- repair
def test_repair_keeps_known_pixels_and_beats_the_damaged_images(dae, digit_images):
    holes, known = damage(digit_images, "patches", 0.25, random_state=1)
    flat_holes, flat_known = holes.reshape(len(holes), -1), known.reshape(len(known), -1)
    fixed = repair(dae, flat_holes, flat_known, n_iter=10)
    np.testing.assert_array_equal(fixed[flat_known], flat_holes[flat_known])
    clean = digits()
    assert psnr(clean, fixed) > psnr(clean, flat_holes) + 3


def test_repair_without_mask_is_the_reconstruction(dae):
    np.testing.assert_allclose(repair(dae, digits()[:5]), dae.reconstruct(digits()[:5]))


def test_repair_rejects_nan_and_a_mismatched_mask(dae):
    X = digits()[:3].copy()
    with pytest.raises(DataError, match="known mask"):
        repair(dae, np.where(X > 0.5, np.nan, X))
    with pytest.raises(DataError, match="shape"):
        repair(dae, X, np.ones((3, 5), dtype=bool))


# ---------------------------------------------------------------------- anomaly detection
def test_anomaly_detector_flags_the_contamination_share_and_finds_planted_outliers():
    X = np.asarray(low_rank())
    detector = AnomalyDetector(Autoencoder(code_size=2, **SMALL), contamination=0.1).fit(X)
    assert (detector.predict(X) == -1).mean() == pytest.approx(0.1, abs=0.01)
    outliers = np.random.default_rng(1).normal(0, 4, size=(10, X.shape[1]))  # off the rank-2 plane
    assert (detector.predict(outliers) == -1).all()
    np.testing.assert_allclose(detector.decision_function(X), detector.score_samples(X) - detector.offset_)
    assert (detector.score_samples(X) == -detector.reconstruction_error(X)).all()


def test_anomaly_detector_prefit_uses_the_given_model_as_is():
    X = np.asarray(low_rank())
    model = Autoencoder(code_size=2, **SMALL).fit(X)
    weights = model.module_.code_layer.weight.detach().clone()
    detector = AnomalyDetector(model, contamination=0.05, prefit=True).fit(X[:100])
    assert detector.autoencoder_ is model
    assert (model.module_.code_layer.weight == weights).all()
    with pytest.raises(InvalidParameterError, match="prefit=True needs"):
        AnomalyDetector(prefit=True).fit(X)


@pytest.mark.parametrize("contamination", [0, 0.7, "auto"])
def test_anomaly_detector_rejects_bad_contamination(contamination):
    with pytest.raises(InvalidParameterError, match="contamination"):
        AnomalyDetector(contamination=contamination).fit(np.asarray(low_rank()))


# ---------------------------------------------------------------------- generation
def test_interpolation_runs_from_one_reconstruction_to_the_other():
    X = digits()
    vae = VariationalAutoencoder(code_size=4, **SMALL).fit(X)
    path = interpolate(vae, X[0], X[1], steps=5)
    assert path.shape == (5, 64)
    np.testing.assert_allclose(path[0], vae.reconstruct(X[:1])[0], atol=1e-9)
    np.testing.assert_allclose(path[-1], vae.reconstruct(X[1:2])[0], atol=1e-9)
    with pytest.raises(InvalidParameterError, match="steps"):
        interpolate(vae, X[0], X[1], steps=1)


def test_save_samples_writes_a_png_grid(tmp_path):
    from PIL import Image

    vae = VariationalAutoencoder(code_size=4, hidden_layer_sizes=(16,), epochs=3, random_state=0).fit(digits())
    images = save_samples(vae, tmp_path / "grid.png", n=16, random_state=0)
    assert images.shape == (16, 8, 8)
    width, height = Image.open(tmp_path / "grid.png").size
    assert width == height == 2 * (4 * 9 + 1)  # 4x4 tiles of 8 px, 1 px gaps, doubled
    with pytest.raises(InvalidParameterError, match="cannot generate"):
        save_samples(Autoencoder(code_size=2, hidden_layer_sizes=(8,), epochs=2).fit(digits()), tmp_path / "x.png")
