"""Classic image classifiers: scikit-learn's KNN, SVM and MLP on pixels or HOG features, as one pipeline.

:func:`image_classifier` builds ``images → features → (optional scaling) →
classifier``: :class:`ImageFlattener` (the raw pixels as one row per image)
or :class:`HogFeatures` (histograms of oriented gradients, Dalal & Triggs,
"Histograms of oriented gradients for human detection", CVPR 2005, computed by
``skimage.feature.hog``), then ``KNeighborsClassifier``, ``SVC`` or
``MLPClassifier``. ``"cnn"`` gives a :class:`~synthlearn.vision.CNNClassifier`,
so the four kinds are built, fitted and compared the same way.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from synthlearn.data.images import fold_image_shape
from synthlearn.errors import DataError, InvalidParameterError

#: image_classifier's names → what they build.
CLASSIFIERS = ("knn", "svm", "mlp", "cnn")
FEATURES = ("pixels", "hog")
SCALINGS = (None, "standard", "minmax")


def _images(estimator, X, reset: bool, image_shape=None):
    """``(flat, images)``: ``X`` as flat rows (n, C·H·W) checked by ``validate_data`` (recording
    ``n_features_in_`` and ``input_shape_`` when ``reset``), and as (n, C, H, W) images when ``image_shape``
    or the input's own shape says how to fold them (else None)."""
    name = type(estimator).__name__
    ndim = X.ndim if hasattr(X, "ndim") else np.asarray(X).ndim
    if ndim in (3, 4):
        images = check_array(X, allow_nd=True, dtype=[np.float64, np.float32])
        if 0 in images.shape[1:]:
            raise DataError(f"{name} needs images with at least one pixel, got shape {images.shape}")
        if not reset and images.shape[1:] != estimator.input_shape_:
            raise DataError(f"{name} was fitted on images of shape {estimator.input_shape_}, got "
                            f"{images.shape[1:]}; resize the images or fit again")
        input_shape = images.shape[1:]
        flat = validate_data(estimator, images.reshape(len(images), -1), dtype=[np.float64, np.float32],
                             reset=reset)
        images = images[:, None] if images.ndim == 3 else images
    elif ndim == 2:
        flat = validate_data(estimator, X, dtype=[np.float64, np.float32], reset=reset)
        input_shape, images = flat.shape[1:], None
        if image_shape is not None:
            shape = fold_image_shape(image_shape, flat.shape[1])
            if shape is None:
                raise DataError(f"image_shape={image_shape} does not fit rows of {flat.shape[1]} values; give "
                                f"(H, W) or (C, H, W) whose product is {flat.shape[1]}")
            images = flat.reshape(len(flat), *shape)
    else:
        raise DataError(f"{name} needs images of shape (n, H, W) or (n, C, H, W), got an array of shape "
                        f"{np.asarray(X).shape}. Reshape your data to (n, H, W)")
    if reset:
        estimator.input_shape_ = tuple(int(d) for d in input_shape)
    return flat, images


class ImageFlattener(TransformerMixin, BaseEstimator):
    """Images (n, H, W) or (n, C, H, W) → their pixels as rows (n, C·H·W); flat rows pass through.

    Attributes
    ----------
    input_shape_ : tuple of int
        One image's shape as given to ``fit``; ``transform`` needs the same.
    n_features_in_ : int
        Values per image.

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.vision import ImageFlattener
    >>> ImageFlattener().fit_transform(np.zeros((5, 8, 8))).shape
    (5, 64)
    """

    def fit(self, X, y=None):
        """Record the images' shape."""
        _images(self, X, reset=True)
        return self

    def transform(self, X):
        """The pixels of each image as one row, in C-order (channel, row, column)."""
        check_is_fitted(self)
        return _images(self, X, reset=False)[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _pair_ok(v):
    return (isinstance(v, (tuple, list)) and len(v) == 2
            and all(isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 1 for d in v))


class HogFeatures(TransformerMixin, BaseEstimator):
    """Histograms of oriented gradients of each image (Dalal & Triggs 2005), by ``skimage.feature.hog``.

    Parameters
    ----------
    orientations : int, default=9
        Gradient-direction bins per cell.
    pixels_per_cell : (int, int) or "auto", default="auto"
        Cell size; ``"auto"`` takes a quarter of the shorter side (7 pixels
        for 28×28 MNIST, 2 for 8×8 digits), so every image has 4×4 cells.
    cells_per_block : (int, int), default=(2, 2)
        Cells normalised together (capped at the number of cells).
    block_norm : {"L2-Hys", "L2", "L1", "L1-sqrt"}, default="L2-Hys"
    image_shape : tuple of int or None, default=None
        How to fold flat rows into images, (H, W) or (C, H, W) with one entry
        possibly -1; None: the input must be (n, H, W) or (n, C, H, W) images.

    Attributes
    ----------
    image_shape_ : tuple of int
        (C, H, W) of the images.
    pixels_per_cell_, cells_per_block_ : tuple of int
        The cell and block sizes used.
    input_shape_ : tuple of int
    n_features_in_ : int

    Examples
    --------
    >>> from synthlearn.data.images import load_images
    >>> from synthlearn.vision import HogFeatures
    >>> X, _ = load_images("digits")
    >>> HogFeatures().fit_transform(X[:5]).shape  # 3 × 3 blocks of 2 × 2 cells of 9 bins
    (5, 324)
    """

    def __init__(self, orientations=9, pixels_per_cell="auto", cells_per_block=(2, 2), block_norm="L2-Hys",
                 image_shape=None):
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.block_norm = block_norm
        self.image_shape = image_shape

    def fit(self, X, y=None):
        """Check the parameters and the images, and choose the cell and block sizes."""
        if isinstance(self.orientations, bool) or not isinstance(self.orientations, numbers.Integral) \
                or self.orientations < 1:
            raise InvalidParameterError(f"orientations must be a positive integer, got {self.orientations!r}")
        if not (isinstance(self.pixels_per_cell, str) and self.pixels_per_cell == "auto"
                or _pair_ok(self.pixels_per_cell)):
            raise InvalidParameterError(f"pixels_per_cell must be 'auto' or two positive integers such as (7, 7), "
                                        f"got {self.pixels_per_cell!r}")
        if not _pair_ok(self.cells_per_block):
            raise InvalidParameterError(f"cells_per_block must be two positive integers such as (2, 2), "
                                        f"got {self.cells_per_block!r}")
        if self.block_norm not in ("L2-Hys", "L2", "L1", "L1-sqrt"):
            raise InvalidParameterError(f"block_norm must be 'L2-Hys', 'L2', 'L1' or 'L1-sqrt', "
                                        f"got {self.block_norm!r}")
        _, images = _images(self, X, reset=True, image_shape=self.image_shape)
        if images is None:
            raise DataError(f"HogFeatures needs images of shape (n, H, W) or (n, C, H, W), got a 2-D array of "
                            f"shape {np.shape(X)}; pass image_shape=(H, W) to fold each row")
        self.image_shape_ = tuple(int(d) for d in images.shape[1:])
        size = self.image_shape_[1:]
        if self.pixels_per_cell == "auto":
            cell = tuple(max(1, round(min(size) / 4)) for _ in size)
        else:
            cell = tuple(int(c) for c in self.pixels_per_cell)
        self.pixels_per_cell_ = tuple(min(c, s) for c, s in zip(cell, size))
        n_cells = [s // c for s, c in zip(size, self.pixels_per_cell_)]
        self.cells_per_block_ = tuple(min(int(b), n) for b, n in zip(self.cells_per_block, n_cells))
        return self

    def transform(self, X):
        """One row of HOG features per image (colour images: the strongest gradient of the channels)."""
        check_is_fitted(self)
        flat, images = _images(self, X, reset=False, image_shape=self.image_shape_)
        from skimage.feature import hog

        options = dict(orientations=int(self.orientations), pixels_per_cell=self.pixels_per_cell_,
                       cells_per_block=self.cells_per_block_, block_norm=self.block_norm, feature_vector=True)
        if self.image_shape_[0] == 1:
            rows = [hog(image[0], **options) for image in images]
        else:
            rows = [hog(image.transpose(1, 2, 0), channel_axis=-1, **options) for image in images]
        return np.asarray(rows, dtype=np.float64).reshape(len(images), -1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


def image_classifier(name: str, features: str = "pixels", *, scale=None, image_shape=None, random_state=None,
                     **params):
    """A classifier of images by name: scikit-learn's KNN, SVM or MLP in a pipeline, or the CNN.

    Parameters
    ----------
    name : {"knn", "svm", "mlp", "cnn"}
        ``KNeighborsClassifier``, ``SVC`` (RBF kernel; wrapped in
        ``CalibratedClassifierCV(ensemble=False)`` for ``predict_proba``
        unless ``probability=False``, which fits 6 SVMs instead of 1),
        ``MLPClassifier`` (one hidden layer of 256, early stopping) or
        :class:`~synthlearn.vision.CNNClassifier`.
    features : {"pixels", "hog"}, default="pixels"
        What the classic classifiers see: the raw pixels
        (:class:`ImageFlattener`) or HOG features (:class:`HogFeatures`,
        whose settings a ``set_params(features__orientations=...)`` changes).
        The CNN reads pixels only.
    scale : {None, "standard", "minmax"}, default=None
        Scaling of each feature before the classifier. None keeps the pixels
        in [0, 1] and the HOG features as block-normalised: on the MNIST
        sample, standardising each pixel lowered SVM, KNN and MLP accuracy by
        1.5 to 4 points (it blows up the noise of nearly constant border pixels).
    image_shape : tuple of int or None, default=None
        How to fold flat rows (n, C·H·W) into images, for HOG and the CNN.
    random_state : int or None, default=None
        Seed of the SVM's probability calibration, the MLP and the CNN.
    **params
        Overrides of the classifier's own parameters (``n_neighbors=3``,
        ``C=10``, ``hidden_layer_sizes=(128,)``, ``epochs=5``...), and for
        ``"svm"`` ``probability`` (default True).

    Returns
    -------
    sklearn.pipeline.Pipeline (steps ``features``, ``scale`` when asked, ``model``) or CNNClassifier

    Examples
    --------
    >>> from synthlearn.data.images import load_images
    >>> from synthlearn.vision import image_classifier
    >>> X, y = load_images("digits")
    >>> svm = image_classifier("svm", random_state=0).fit(X[:1000], y[:1000])  # raw pixels
    >>> hog = image_classifier("svm", features="hog", random_state=0).fit(X[:1000], y[:1000])
    >>> round(svm.score(X[1000:], y[1000:]), 2), round(hog.score(X[1000:], y[1000:]), 2)
    (0.96, 0.94)
    """
    if name not in CLASSIFIERS:
        import difflib

        close = difflib.get_close_matches(str(name), CLASSIFIERS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InvalidParameterError(f"name must be one of {', '.join(CLASSIFIERS)}, got {name!r}{hint}")
    if features not in FEATURES:
        raise InvalidParameterError(f"features must be 'pixels' or 'hog', got {features!r}")
    if scale not in SCALINGS:
        raise InvalidParameterError(f"scale must be None, 'standard' or 'minmax', got {scale!r}")
    if name == "cnn":
        from synthlearn.vision.cnn import CNNClassifier

        if features != "pixels" or scale is not None:
            raise InvalidParameterError("the CNN learns its own features from the pixels; use features='pixels' "
                                        "and scale=None with name='cnn'")
        return _with_params(CNNClassifier, dict(image_shape=image_shape, random_state=random_state), params, name)
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
    from sklearn.svm import SVC

    probability = params.pop("probability", True) if name == "svm" else None
    if probability not in (None, True, False):
        raise InvalidParameterError(f"probability must be True or False, got {probability!r}")
    defaults = {"knn": (KNeighborsClassifier, {}),
                "svm": (SVC, {"random_state": random_state}),
                "mlp": (MLPClassifier, {"hidden_layer_sizes": (256,), "early_stopping": True,
                                        "random_state": random_state})}
    cls, base = defaults[name]
    model = _with_params(cls, base, params, name)
    if probability:
        from sklearn.calibration import CalibratedClassifierCV

        # Platt scaling fitted on 5-fold out-of-fold decision values, then one SVC on every image: what
        # SVC(probability=True), deprecated in scikit-learn 1.9, did
        model = CalibratedClassifierCV(model, ensemble=False)
    steps = [("features", HogFeatures(image_shape=image_shape) if features == "hog" else ImageFlattener())]
    if scale is not None:
        steps.append(("scale", StandardScaler() if scale == "standard" else MinMaxScaler()))
    steps.append(("model", model))
    return Pipeline(steps)


def _with_params(cls, base: dict, params: dict, name: str):
    accepted = cls().get_params()
    unknown = [k for k in params if k not in accepted]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], list(accepted), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise InvalidParameterError(f"{cls.__name__} (name={name!r}) has no parameter {unknown[0]!r}; {hint}"
                                    f"it takes {', '.join(sorted(accepted))}")
    return cls(**{**base, **params})

