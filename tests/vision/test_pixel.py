"""Pixel-based classifiers against tiny NumPy references and scikit-learn's equivalents; image helpers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.neighbors import NearestCentroid

from synthlearn.errors import DataError, InvalidParameterError, ModelFileError
from synthlearn.vision import (
    MahalanobisClassifier,
    MaximumLikelihoodClassifier,
    MinimumDistanceClassifier,
    SpectralAngleClassifier,
    classify_image,
    image_pixels,
    load_model,
    model_metadata,
    save_model,
)


@pytest.fixture(scope="module")
def pixels():
    """Three classes of 4-band pixels with different means and correlated covariances, unequal sizes."""
    rng = np.random.default_rng(0)
    X, y = [], []
    for c, (n, mean) in enumerate([(60, [0, 0, 1, 2]), (40, [1, 1, 0, 2]), (80, [0, 2, 2, 0])]):
        A = rng.normal(size=(4, 4)) * 0.5
        X.append(rng.normal(size=(n, 4)) @ A + mean)
        y += [f"class{c}"] * n
    return np.concatenate(X), np.array(y)


def test_minimum_distance_matches_nearest_centroid_and_reference(pixels):
    X, y = pixels
    model = MinimumDistanceClassifier().fit(X, y)
    means = np.stack([X[y == c].mean(axis=0) for c in model.classes_])
    reference = np.linalg.norm(X[:, None, :] - means[None], axis=2)
    np.testing.assert_allclose(model.distances(X), reference, atol=1e-9)
    np.testing.assert_array_equal(model.predict(X), model.classes_[reference.argmin(axis=1)])
    np.testing.assert_array_equal(model.predict(X), NearestCentroid().fit(X, y).predict(X))


def test_mahalanobis_reference_and_pooled_equals_lda(pixels):
    X, y = pixels
    model = MahalanobisClassifier(covariance="class", reg_covar=0).fit(X, y)
    d2 = np.stack([[(x - X[y == c].mean(0)) @ np.linalg.inv(np.cov(X[y == c].T)) @ (x - X[y == c].mean(0))
                    for c in model.classes_] for x in X[:25]])
    np.testing.assert_allclose(model.distances(X[:25]) ** 2, d2, rtol=1e-8)
    # pooled, equal class sizes: the LDA decision rule with equal priors
    keep = np.concatenate([np.flatnonzero(y == c)[:40] for c in np.unique(y)])
    pooled = MahalanobisClassifier(reg_covar=0).fit(X[keep], y[keep])
    lda = LinearDiscriminantAnalysis(priors=np.full(3, 1 / 3)).fit(X[keep], y[keep])
    np.testing.assert_array_equal(pooled.predict(X), lda.predict(X))


def test_distances_far_from_the_origin_keep_their_precision(pixels):
    """Bands around 1e7 with a spread of 1: the distances are those of the same pixels near 0 (the expanded
    |x|^2 - 2 x.m + |m|^2 lost them to cancellation, and 0.4 % of the labels changed)."""
    X, y = pixels
    for model in (MinimumDistanceClassifier(), MahalanobisClassifier(reg_covar=0)):
        near = model.fit(X, y).distances(X)
        far = model.fit(X + 1e7, y).distances(X + 1e7)
        np.testing.assert_allclose(far, near, atol=1e-6)


def test_maximum_likelihood_reference_and_qda(pixels):
    X, y = pixels
    model = MaximumLikelihoodClassifier(priors="empirical", reg_covar=0).fit(X, y)
    priors = np.array([np.mean(y == c) for c in model.classes_])
    dens = np.stack([multivariate_normal(X[y == c].mean(0), np.cov(X[y == c].T)).pdf(X) for c in model.classes_], 1)
    reference = dens * priors / (dens * priors).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(X), reference, atol=1e-10)
    # scikit-learn 1.9's QDA divides its covariances by n, not n - 1: the same model up to that factor
    qda = QuadraticDiscriminantAnalysis().fit(X, y)
    np.testing.assert_allclose(model.predict_proba(X), qda.predict_proba(X), atol=0.02)
    assert np.mean(model.predict(X) == qda.predict(X)) > 0.98
    np.testing.assert_allclose(MaximumLikelihoodClassifier(priors=[1, 1, 2]).fit(X, y).priors_, [0.25, 0.25, 0.5])


def test_maximum_likelihood_far_pixels_do_not_overflow_and_are_rejected(pixels):
    X, y = pixels
    model = MaximumLikelihoodClassifier(reject_probability=0.01, unclassified="none").fit(X, y)
    far = np.full((1, 4), 1e4)
    proba = model.predict_proba(far)
    assert np.all(np.isfinite(proba)) and proba.sum() == pytest.approx(1.0)
    assert model.predict(far)[0] == "none"
    rejected = np.mean(model.predict(X) == "none")
    assert 0 < rejected < 0.05  # about 1 % of Gaussian training pixels fall beyond the 99 % chi-square quantile


def test_singular_covariance_is_regularised_not_a_crash():
    X = np.array([[0.0, 1.0], [0.0, 2.0], [0.0, 3.0], [5.0, 1.0]])  # band 0 constant in class a; class b one pixel
    y = ["a", "a", "a", "b"]
    for model in (MaximumLikelihoodClassifier(), MahalanobisClassifier(covariance="class"),
                  MahalanobisClassifier(shrinkage=0.5)):
        assert list(model.fit(X, y).predict([[0.0, 2.5], [5.0, 1.0]])) == ["a", "b"]
    with pytest.raises(DataError, match="reg_covar"):
        MaximumLikelihoodClassifier(reg_covar=0).fit(X, y)


def test_spectral_angle_reference_and_brightness_invariance():
    X = np.array([[1.0, 2.0, 0.5], [1.1, 2.1, 0.4], [2.0, 0.5, 1.0], [2.2, 0.4, 1.1]])
    y = np.array([7, 7, 9, 9])
    model = SpectralAngleClassifier().fit(X, y)
    means = np.array([X[:2].mean(0), X[2:].mean(0)])
    pixel = np.array([[3.0, 1.0, 2.0]])
    cos = pixel @ means.T / (np.linalg.norm(pixel) * np.linalg.norm(means, axis=1))
    np.testing.assert_allclose(model.angles(pixel), np.arccos(cos))
    np.testing.assert_array_equal(model.predict(X * 10), y)  # brighter, same classes
    assert model.predict(np.zeros((1, 3)))[0] in (7, 9)
    assert SpectralAngleClassifier(max_angle=0.05).fit(X, y).predict(pixel)[0] == -1


def test_distance_thresholds_reject():
    X, y = np.array([[0.0], [0.2], [1.0], [1.2]]), np.array([1, 1, 2, 2])
    assert list(MinimumDistanceClassifier(max_distance=0.5, unclassified=0).fit(X, y).predict([[0.1], [5.0]])) == [1, 0]
    assert list(MahalanobisClassifier(max_distance=3).fit(X, y).predict([[0.1], [5.0]])) == [1, -1]


def test_text_classes_get_text_unclassified_and_fill():
    """Text classes from pandas (object dtype) refuse the default numeric -1 as they refuse it from a NumPy array
    (it came back mixed into the labels), and classify_image fills masked pixels with "" (it wrote "-1")."""
    import pandas as pd

    X, y = np.array([[0.0], [0.2], [1.0], [1.2]]), pd.Series(["dark", "dark", "bright", "bright"])
    with pytest.raises(InvalidParameterError, match="does not fit the string class labels"):
        MinimumDistanceClassifier(max_distance=0.5).fit(X, y)
    model = MinimumDistanceClassifier().fit(X, y)
    label_map = classify_image(model, np.array([[0.1, 1.1]]), mask=[[True, False]])
    assert label_map.tolist() == [["dark", ""]]


@pytest.mark.parametrize("model, message", [
    (MahalanobisClassifier(covariance="diag"), "covariance='diag'"),
    (MaximumLikelihoodClassifier(priors="uniform"), "priors='uniform'"),
    (MaximumLikelihoodClassifier(priors=[1, 2]), "priors=\\[1, 2\\]"),
    (MaximumLikelihoodClassifier(shrinkage=2), "shrinkage=2"),
    (MaximumLikelihoodClassifier(reject_probability=1.5), "reject_probability=1.5"),
    (SpectralAngleClassifier(max_angle=-1), "max_angle=-1"),
    (MinimumDistanceClassifier(max_distance=1, unclassified=1), "unclassified=1 is one of the classes"),
    (MinimumDistanceClassifier(max_distance=1, unclassified="x"), "does not fit the numeric"),
])
def test_bad_parameters_are_named(model, message):
    with pytest.raises(InvalidParameterError, match=message):
        model.fit([[0.0], [1.0], [2.0]], [1, 2, 3])


# ---------------------------------------------------------------------- images
def test_image_pixels_layouts_and_unlabelled():
    image = np.arange(12.0).reshape(3, 2, 2)  # bands first
    labels = np.array([[1, 0], [-1, 2]])
    X, y = image_pixels(image, labels, unlabelled=(0, -1))
    np.testing.assert_array_equal(X, [[0, 4, 8], [3, 7, 11]])
    np.testing.assert_array_equal(y, [1, 2])
    X_last, _ = image_pixels(np.moveaxis(image, 0, -1), labels, channels="last", unlabelled=(0, -1))
    np.testing.assert_array_equal(X_last, X)
    assert image_pixels(image, labels)[0].shape == (3, 3)  # only 0 unlabelled by default
    with pytest.raises(DataError, match="channels='last'"):
        image_pixels(np.zeros((2, 2, 3)), labels)
    with pytest.raises(DataError, match="no labelled pixel"):
        image_pixels(image, np.zeros((2, 2)))
    with pytest.raises(DataError, match="NaN"):
        image_pixels(np.full((1, 2, 2), np.nan), labels)


def test_classify_image_chunked_masked_and_proba():
    rng = np.random.default_rng(1)
    truth = np.repeat(np.repeat(np.array([[1, 2], [3, 1]]), 6, axis=0), 7, axis=1)  # 12 x 14
    image = rng.normal(truth[None] * np.array([1.0, -1.0])[:, None, None], 0.3)  # 2 bands
    model = MaximumLikelihoodClassifier().fit(*image_pixels(image, truth))
    label_map, proba = classify_image(model, image, proba=True, chunk_size=17)
    expected = model.predict(image.reshape(2, -1).T).reshape(truth.shape)
    np.testing.assert_array_equal(label_map, expected)
    np.testing.assert_allclose(proba, model.predict_proba(image.reshape(2, -1).T).T.reshape(3, 12, 14))
    assert (label_map == truth).mean() > 0.95
    mask = np.zeros(truth.shape, dtype=bool)
    mask[:6] = True
    masked = classify_image(model, image, mask=mask)
    assert (masked[6:] == -1).all() and (masked[:6] == expected[:6]).all()
    with pytest.raises(DataError, match="trained on 2"):
        classify_image(model, image[:1])
    with pytest.raises(InvalidParameterError, match="predict_proba"):
        classify_image(MinimumDistanceClassifier().fit([[0.0], [1.0]], [0, 1]), image[:1], proba=True)


def test_saved_model_round_trip_and_refusals(tmp_path, pixels):
    X, y = pixels
    model = MaximumLikelihoodClassifier(shrinkage=0.1).fit(X, y)
    folder = save_model(model, tmp_path / "m", {"channels": "last"})
    loaded = load_model(folder)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert model_metadata(folder)["channels"] == "last" and loaded.shrinkage == 0.1
    (folder / "model.skops").unlink()
    with pytest.raises(ModelFileError, match="is missing model.skops"):
        load_model(folder)
    with pytest.raises(ModelFileError, match="is not a model folder"):
        load_model(tmp_path / "nothing")
