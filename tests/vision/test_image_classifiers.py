"""ImageFlattener, HogFeatures and image_classifier (KNN, SVM, MLP pipelines): references, accuracy, errors, saving."""

from __future__ import annotations

import math

import numpy as np
import pytest
from skimage.feature import hog

from synthlearn.data.images import load_images
from synthlearn.errors import DataError, InvalidParameterError, ModelFileError
from synthlearn.vision import HogFeatures, ImageFlattener, image_classifier, load_model, save_model


@pytest.fixture(scope="module")
def digits():
    X, y = load_images("digits")
    return X[:600], y[:600], X[1400:], y[1400:]


def test_flattener_is_a_reshape():
    X = np.random.default_rng(0).random((4, 3, 5, 6))
    flat = ImageFlattener().fit(X)
    assert flat.input_shape_ == (3, 5, 6) and flat.n_features_in_ == 90
    assert np.array_equal(flat.transform(X), np.array([image.ravel() for image in X]))
    assert np.array_equal(ImageFlattener().fit_transform(X[:, 0].reshape(4, -1)), X[:, 0].reshape(4, -1))
    with pytest.raises(DataError, match=r"fitted on images of shape \(3, 5, 6\), got \(3, 6, 5\)"):
        flat.transform(X.transpose(0, 1, 3, 2))


def test_hog_is_skimage_hog_of_each_image(digits):
    X = digits[0][:5]
    features = HogFeatures().fit(X)
    assert features.pixels_per_cell_ == (2, 2) and features.cells_per_block_ == (2, 2)  # 8 × 8: 4 × 4 cells
    expected = np.array([hog(image, orientations=9, pixels_per_cell=(2, 2), cells_per_block=(2, 2)) for image in X])
    assert np.allclose(features.transform(X), expected)
    mnist_like = np.random.default_rng(0).random((2, 28, 28))
    assert HogFeatures().fit(mnist_like).pixels_per_cell_ == (7, 7)


def test_hog_of_colour_images_and_of_folded_rows(digits):
    X = digits[0][:4]
    rgb = np.stack([X, X ** 2, 1 - X], axis=1)
    features = HogFeatures(orientations=6, pixels_per_cell=(4, 4), cells_per_block=(3, 3)).fit(rgb)
    assert features.cells_per_block_ == (2, 2)  # capped at the 2 × 2 cells of an 8 × 8 image
    expected = [hog(image.transpose(1, 2, 0), orientations=6, pixels_per_cell=(4, 4), cells_per_block=(2, 2),
                    channel_axis=-1) for image in rgb]
    assert np.allclose(features.transform(rgb), expected)
    folded = HogFeatures(image_shape=(8, -1)).fit_transform(X.reshape(4, -1))
    assert np.allclose(folded, HogFeatures().fit_transform(X))


@pytest.mark.parametrize("params, match", [
    (dict(orientations=0), "orientations must be a positive integer"),
    (dict(pixels_per_cell=(0, 2)), "pixels_per_cell must be 'auto' or two positive integers"),
    (dict(cells_per_block=3), "cells_per_block must be two positive integers"),
    (dict(block_norm="L3"), "block_norm must be"),
])
def test_hog_bad_parameters_are_named(digits, params, match):
    with pytest.raises(InvalidParameterError, match=match):
        HogFeatures(**params).fit(digits[0][:3])


def test_hog_needs_to_know_the_image_shape(digits):
    with pytest.raises(DataError, match=r"pass image_shape=\(H, W\)"):
        HogFeatures().fit(digits[0][:3].reshape(3, -1))
    with pytest.raises(DataError, match="image_shape=\\(5, 5\\) does not fit rows of 64 values"):
        HogFeatures(image_shape=(5, 5)).fit(digits[0][:3].reshape(3, -1))


@pytest.mark.parametrize("name, features, least", [
    ("knn", "pixels", 0.9), ("svm", "pixels", 0.9), ("mlp", "pixels", 0.8),  # 600 images: 0.945, 0.929, 0.836
    ("knn", "hog", 0.8), ("svm", "hog", 0.85), ("mlp", "hog", 0.83),  # 0.859, 0.909, 0.877
])
def test_classic_classifiers_learn_digits(digits, name, features, least):
    X, y, X_test, y_test = digits
    model = image_classifier(name, features, random_state=0).fit(X, y)
    assert model.score(X_test, y_test) > least
    proba = model.predict_proba(X_test[:20])
    assert proba.shape == (20, 10) and np.allclose(proba.sum(axis=1), 1)


def test_pipeline_steps_and_overrides():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    svm = image_classifier("svm", "hog", scale="standard", C=10, random_state=3)
    assert list(svm.named_steps) == ["features", "scale", "model"]
    assert isinstance(svm.named_steps["scale"], StandardScaler)
    assert isinstance(svm.named_steps["model"], CalibratedClassifierCV)
    assert svm.named_steps["model"].estimator.C == 10 and svm.named_steps["model"].estimator.random_state == 3
    plain = image_classifier("svm", probability=False)
    assert isinstance(plain.named_steps["model"], SVC) and not hasattr(plain, "predict_proba")
    assert image_classifier("knn", n_neighbors=3).named_steps["model"].n_neighbors == 3
    cnn = image_classifier("cnn", epochs=3, random_state=1)
    assert type(cnn).__name__ == "CNNClassifier" and cnn.epochs == 3 and cnn.random_state == 1


def test_image_classifier_names_mistakes():
    with pytest.raises(InvalidParameterError, match="did you mean 'svm'"):
        image_classifier("svn")
    with pytest.raises(InvalidParameterError, match="features must be 'pixels' or 'hog'"):
        image_classifier("knn", "sift")
    with pytest.raises(InvalidParameterError, match="did you mean 'n_neighbors'"):
        image_classifier("knn", n_neighbours=3)
    with pytest.raises(InvalidParameterError, match="the CNN learns its own features"):
        image_classifier("cnn", "hog")
    with pytest.raises(InvalidParameterError, match="scale must be None, 'standard' or 'minmax'"):
        image_classifier("mlp", scale="robust")


def test_pipelines_save_and_load(digits, tmp_path):
    X, y, X_test, _ = digits
    labels = np.array(["even", "odd"])[y % 2]
    model = image_classifier("svm", "hog", random_state=0).fit(X[:200], labels[:200])
    path = save_model(model, tmp_path / "svm", metadata={"model": "svm"})
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.skops"]
    loaded = load_model(path)
    assert np.array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))
    assert loaded.classes_.tolist() == ["even", "odd"]
    cnn = image_classifier("cnn", channels=(4,), epochs=1, random_state=0).fit(X[:100], y[:100])
    save_model(cnn, path)  # an SVM's folder can take a CNN, and back
    assert type(load_model(path)).__name__ == "CNNClassifier"


def test_loading_refuses_foreign_code(digits, tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y, _, _ = digits
    model = image_classifier("knn").fit(X[:50], y[:50])
    path = save_model(model, tmp_path / "knn")
    sneaky = make_pipeline(FunctionTransformer(math.sqrt), ImageFlattener())  # math.sqrt: not an allowed type
    import skops.io as sio

    sio.dump(sneaky, path / "model.skops")
    with pytest.raises(ModelFileError, match="untrusted type"):
        load_model(path)
    with pytest.raises(InvalidParameterError, match="saves a vision classifier"):
        save_model(ImageFlattener().fit(X[:3]), tmp_path / "flat")


def test_importing_the_package_stays_light():
    import subprocess
    import sys

    code = ("import sys, synthlearn.vision as v; assert 'CNNClassifier' in dir(v); "
            "print(sorted(m for m in ('torch', 'sklearn', 'skimage') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
