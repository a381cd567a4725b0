"""Pixels in and out of images: training pixels from a label map, and a classifier applied to every pixel.

The bridge between images and the per-pixel classifiers of :mod:`synthlearn.vision.pixel` (or any
scikit-learn classifier): an image of shape (bands, H, W) is read as H * W rows of ``bands`` columns
(Richards & Jia, *Remote Sensing Digital Image Analysis*, 2013, chapter 8: supervised classification
from training areas).

Image layout: like :mod:`synthlearn.data.images`, whose image sets are (n, C, H, W), one image is
``channels="first"``, shape (bands, H, W); ``channels="last"`` reads (H, W, bands), the layout of
scikit-image and of most remote-sensing readers. A 2-D image is one band.
"""

from __future__ import annotations

import numbers

import numpy as np

from synthlearn.errors import DataError, InvalidParameterError

#: Label value(s) meaning "no training label here" unless the caller says otherwise.
UNLABELLED = 0


def as_bands_last(image, channels: str = "first", name: str = "image") -> np.ndarray:
    """``image`` as a float array of shape (H, W, bands), from (bands, H, W), (H, W, bands) or (H, W)."""
    if channels not in ("first", "last"):
        raise InvalidParameterError(f"channels={channels!r} is invalid; give 'first' for (bands, H, W) or 'last' "
                                    f"for (H, W, bands)")
    array = np.asarray(image)
    if array.dtype.kind not in "iufb":
        raise DataError(f"{name} holds {array.dtype} values; an image must hold numbers")
    array = array.astype(np.float64, copy=False)
    if array.ndim == 2:
        array = array[:, :, None]
    elif array.ndim == 3:
        if channels == "first":
            array = np.moveaxis(array, 0, -1)
    else:
        raise DataError(f"{name} has shape {array.shape}; give one image of shape (bands, H, W), (H, W, bands) "
                        f"with channels='last', or (H, W)")
    if 0 in array.shape:
        raise DataError(f"{name} has shape {np.shape(image)} with no pixels; give a non-empty image")
    if not np.all(np.isfinite(array)):
        raise DataError(f"{name} holds {int((~np.isfinite(array)).sum()):,} NaN or infinite value(s); fill them "
                        f"first")
    return array


def _unlabelled_mask(labels, unlabelled):
    values = [unlabelled] if unlabelled is None or isinstance(unlabelled, (str, numbers.Number)) else unlabelled
    mask = np.zeros(labels.shape, dtype=bool)
    for value in values:
        if value is None:
            continue
        if isinstance(value, float) and np.isnan(value):
            if labels.dtype.kind == "f":
                mask |= np.isnan(labels)
        else:
            mask |= labels == value
    if labels.dtype.kind == "f":
        mask |= np.isnan(labels)
    return mask


def check_label_map(labels, shape, name: str = "labels", channels: str = "first") -> np.ndarray:
    """``labels`` as an array of shape ``shape`` (H, W), or a one-line error naming the mismatch."""
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.shape != tuple(shape):
        other = "last" if channels == "first" else "first"
        raise DataError(f"{name} has shape {labels.shape} but the image is {tuple(shape)} pixels (H, W); give one "
                        f"label per pixel (is the image channels='{other}'?)")
    return labels


def image_pixels(image, labels, *, channels: str = "first", unlabelled=UNLABELLED):
    """Training pixels of an image: the band values and label of every labelled pixel.

    Parameters
    ----------
    image : array-like of shape (bands, H, W), (H, W, bands) or (H, W)
        The image; see ``channels``.
    labels : array-like of shape (H, W)
        A label map: the class of each training pixel, ``unlabelled`` elsewhere. Any label type.
    channels : {"first", "last"}, default="first"
        Where the bands are: (bands, H, W) as in :mod:`synthlearn.data.images`, or (H, W, bands).
    unlabelled : label, sequence of labels or None, default=0
        The value(s) meaning "no label" (for example ``(0, -1)``); NaN in a float map is always unlabelled.
        None: every pixel is labelled.

    Returns
    -------
    X : ndarray of shape (n_labelled, bands)
    y : ndarray of shape (n_labelled,)
        In row-major pixel order.

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.vision import image_pixels
    >>> image = np.arange(12.0).reshape(3, 2, 2)          # 3 bands, 2 x 2 pixels
    >>> X, y = image_pixels(image, [[1, 0], [0, 2]])
    >>> X, y
    (array([[ 0.,  4.,  8.],
           [ 3.,  7., 11.]]), array([1, 2]))
    """
    pixels = as_bands_last(image, channels)
    labels = check_label_map(labels, pixels.shape[:2], channels=channels)
    keep = ~_unlabelled_mask(labels, unlabelled)
    if not keep.any():
        raise DataError(f"the label map has no labelled pixel (every value is unlabelled={unlabelled!r}); label "
                        f"some training pixels or change unlabelled")
    return pixels[keep], labels[keep]


def classify_image(estimator, image, *, channels: str = "first", proba: bool = False, mask=None,
                   chunk_size: int = 65536, fill=None):
    """Classify every pixel of an image with a fitted per-pixel classifier.

    Parameters
    ----------
    estimator : fitted classifier
        Any scikit-learn classifier trained on pixels with as many columns as the image has bands.
    image : array-like of shape (bands, H, W), (H, W, bands) or (H, W)
    channels : {"first", "last"}, default="first"
    proba : bool, default=False
        Also return the class probability maps (needs ``predict_proba``).
    mask : array-like of bool, shape (H, W), optional
        Classify only where True; elsewhere the label is ``fill`` and the probabilities 0.
    chunk_size : int, default=65536
        Pixels classified at a time, so memory stays bounded on large images.
    fill : label, optional
        The label of masked-out pixels; default: the estimator's ``unclassified`` if it has one, else 0
        (or "" for string classes).

    Returns
    -------
    label_map : ndarray of shape (H, W)
    proba_maps : ndarray of shape (n_classes, H, W)
        Only with ``proba=True``; class order is ``estimator.classes_``.

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.vision import MaximumLikelihoodClassifier, classify_image, image_pixels
    >>> rng = np.random.default_rng(0)
    >>> truth = np.repeat([[1, 2]], 4, axis=0).repeat(4, axis=1)          # 4 x 8: left 1, right 2
    >>> image = rng.normal(truth, 0.2, (3, 4, 8))                         # 3 bands
    >>> model = MaximumLikelihoodClassifier().fit(*image_pixels(image, truth))
    >>> bool((classify_image(model, image) == truth).all())
    True
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, numbers.Integral) or chunk_size < 1:
        raise InvalidParameterError(f"chunk_size={chunk_size!r} is invalid; give a whole number >= 1")
    if not hasattr(estimator, "classes_"):
        raise InvalidParameterError(f"estimator {type(estimator).__name__} is not a fitted classifier; fit it on "
                                    f"pixels (image_pixels) first")
    if proba and not hasattr(estimator, "predict_proba"):
        raise InvalidParameterError(f"proba=True needs a classifier with predict_proba; "
                                    f"{type(estimator).__name__} has none (use MaximumLikelihoodClassifier)")
    pixels = as_bands_last(image, channels)
    height, width, bands = pixels.shape
    expected = getattr(estimator, "n_features_in_", bands)
    if expected != bands:
        raise DataError(f"the image has {bands} band(s) but the classifier was trained on {expected}; give an "
                        f"image with the training bands (channels={channels!r} is right?)")
    flat = pixels.reshape(-1, bands)
    keep = np.ones(len(flat), dtype=bool)
    if mask is not None:
        keep = check_label_map(mask, (height, width), "mask", channels).astype(bool).ravel()
    index = np.flatnonzero(keep)
    classes = np.asarray(estimator.classes_)
    if fill is None:
        textual = classes.dtype.kind in "US" or (classes.dtype.kind == "O" and all(isinstance(c, str) for c in classes))
        fill = getattr(estimator, "unclassified", None)
        if fill is None or isinstance(fill, str) != textual:  # a default -1 does not label a map of text classes
            fill = "" if textual else 0
    labels = None
    probabilities = np.zeros((len(flat), len(classes))) if proba else None
    for start in range(0, len(index), chunk_size):
        rows = index[start:start + chunk_size]
        if proba:
            p = estimator.predict_proba(flat[rows])
            probabilities[rows] = p
            part = estimator.predict(flat[rows])
        else:
            part = estimator.predict(flat[rows])
        if labels is None:
            labels = np.full(len(flat), fill, dtype=np.result_type(np.asarray(part).dtype, np.asarray(fill).dtype))
        elif np.result_type(labels.dtype, np.asarray(part).dtype) != labels.dtype:
            labels = labels.astype(np.result_type(labels.dtype, np.asarray(part).dtype))
        labels[rows] = part
    if labels is None:  # nothing to classify
        labels = np.full(len(flat), fill)
    label_map = labels.reshape(height, width)
    if proba:
        return label_map, probabilities.T.reshape(len(classes), height, width)
    return label_map
