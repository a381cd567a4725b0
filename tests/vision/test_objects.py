"""Segmentation, region features and the object-based classifier; texture is visible only per region."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from synthlearn.errors import DataError, InvalidParameterError
from synthlearn.vision import (
    MaximumLikelihoodClassifier,
    MinimumDistanceClassifier,
    ObjectClassifier,
    classify_image,
    image_pixels,
    region_features,
    segment,
)


def two_textures(seed, size=48):
    """Blocks of two textures whose pixels have the same distribution, N(0.5, 0.15) in both bands:
    class 1 is blotchy (noise smoothed over about 6 pixels), class 2 grainy (independent pixels)."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    blocks = rng.integers(1, 3, (4, 4))
    blocks[0, 0], blocks[0, 1] = 1, 2
    truth = np.kron(blocks, np.ones((size // 4, size // 4), dtype=int))
    blotchy = gaussian_filter(rng.normal(size=(2, size, size)), sigma=(0, 4, 4))
    blotchy /= blotchy.std(axis=(1, 2), keepdims=True)
    image = 0.5 + 0.15 * np.where(truth == 1, blotchy, rng.normal(size=(2, size, size)))
    return image, truth


@pytest.mark.parametrize("method", ["slic", "felzenszwalb", "quickshift", "watershed"])
def test_segment_labels_are_consecutive_from_one(method):
    image, _ = two_textures(0, 24)
    segments = segment(image, method)
    assert segments.shape == (24, 24) and segments.min() == 1
    np.testing.assert_array_equal(np.unique(segments), np.arange(1, segments.max() + 1))
    np.testing.assert_array_equal(segment(image, method), segments)  # deterministic
    np.testing.assert_array_equal(segment(np.moveaxis(image, 0, -1), method, channels="last"), segments)


def test_segment_bad_input():
    with pytest.raises(InvalidParameterError, match="method='grid'"):
        segment(np.zeros((5, 5)), "grid")
    with pytest.raises(InvalidParameterError, match="slic does not take"):
        segment(np.zeros((5, 5)), "slic", n_clusters=3)
    for method in ("slic", "watershed"):  # these were a ZeroDivisionError from scikit-image
        with pytest.raises(InvalidParameterError, match="n_segments=0 is invalid"):
            segment(np.zeros((5, 5)), method, n_segments=0)


def test_region_features_against_numpy():
    rng = np.random.default_rng(0)
    image = rng.normal(size=(2, 6, 5))
    segments = np.ones((6, 5), dtype=int)
    segments[:, 3:] = 2
    segments[0, 0] = 3
    features = region_features(image, segments)
    assert list(features.index) == [1, 2, 3]
    for region in (1, 2, 3):
        inside = segments == region
        for b in range(2):
            np.testing.assert_allclose(features.loc[region, f"mean_{b}"], image[b][inside].mean())
            np.testing.assert_allclose(features.loc[region, f"std_{b}"], image[b][inside].std())
            np.testing.assert_allclose(features.loc[region, f"max_{b}"], image[b][inside].max())
        assert features.loc[region, "area"] == inside.sum()
    assert features.loc[2, "extent"] == 1.0  # a full rectangle
    with pytest.raises(DataError, match="segments has shape"):
        region_features(image, segments[:3])


def test_object_classifier_beats_pixel_classifiers_on_texture():
    image, truth = two_textures(0)
    new_image, new_truth = two_textures(1)
    obia = ObjectClassifier(segmentation_params={"n_segments": 64, "compactness": 10}, random_state=0)
    object_accuracy = obia.fit(image, truth).score(new_image, new_truth)
    X, y = image_pixels(image, truth)
    mindist = (classify_image(MinimumDistanceClassifier().fit(X, y), new_image) == new_truth).mean()
    maxlike = (classify_image(MaximumLikelihoodClassifier().fit(X, y), new_image) == new_truth).mean()
    assert object_accuracy > 0.9
    assert mindist < 0.65 and maxlike < 0.65  # the same pixel distribution: about a coin toss
    proba = obia.predict_proba(new_image)
    assert proba.shape == (2, 48, 48)
    np.testing.assert_allclose(proba.sum(axis=0), 1.0)
    np.testing.assert_array_equal(obia.classes_[proba.argmax(axis=0)], obia.predict(new_image))


def test_object_classifier_several_images_sparse_labels_any_classifier():
    (a, ta), (b, tb) = two_textures(2, 32), two_textures(3, 32)
    sparse = np.where(np.random.default_rng(0).random(ta.shape) < 0.7, ta, 0)  # 30 % of pixels unlabelled
    names = np.array(["", "smooth", "rough"])
    model = ObjectClassifier(segmentation="felzenszwalb", segmentation_params={"scale": 50, "min_size": 30},
                             classifier=KNeighborsClassifier(1), unlabelled="", random_state=0)
    model.fit([a, b], [names[sparse], names[tb]])
    assert set(model.classes_) == {"rough", "smooth"} and model.n_regions_ >= 4
    assert model.predict(a).dtype.kind == "U"
    with pytest.raises(DataError, match="at least 100% labelled"):
        ObjectClassifier(min_labelled=1.0, segmentation_params={"n_segments": 4}).fit(a, np.where(ta > 0, 0, 0))
    with pytest.raises(InvalidParameterError, match="min_labelled=0"):
        ObjectClassifier(min_labelled=0).fit(a, ta)
    with pytest.raises(DataError, match="1 label map"):
        ObjectClassifier().fit([a, b], [ta])
    with pytest.raises(DataError, match="trained on 2"):
        model.predict(a[:1])
