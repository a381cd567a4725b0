"""Object-based image classification (OBIA): segment the image, describe each region, classify the regions.

Blaschke, "Object based image analysis for remote sensing", ISPRS Journal of Photogrammetry and Remote
Sensing 65 (2010) 2-16: a region's statistics (its spread, i.e. texture) and shape say what no single
pixel can. Regions come from :func:`synthlearn.vision.segment`, their features from
:func:`synthlearn.vision.region_features`, and any scikit-learn classifier (a random forest by default)
labels them; every pixel then takes its region's label.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from synthlearn.errors import DataError, InvalidParameterError
from synthlearn.vision.raster import UNLABELLED, _unlabelled_mask, as_bands_last, check_label_map
from synthlearn.vision.segments import METHODS, region_features, segment


class ObjectClassifier(BaseEstimator):
    """Classify an image region by region: segmentation, region features, then a classifier.

    Training takes images and label maps (a few labelled pixels, or whole labelled areas): each region
    takes the majority label of its labelled pixels and becomes one training row; regions that are mostly
    unlabelled are skipped. Prediction segments a new image the same way and labels every pixel with its
    region's class.

    Parameters
    ----------
    segmentation : {"slic", "felzenszwalb", "quickshift", "watershed"}, default="slic"
        The :func:`~synthlearn.vision.segment` method.
    segmentation_params : dict or None, default=None
        Its parameters, over the method's defaults (for example ``{"n_segments": 400}``).
    classifier : scikit-learn classifier or None, default=None
        Fitted (a clone) on one row of :func:`~synthlearn.vision.region_features` per region. None: a
        ``RandomForestClassifier(n_estimators=100, random_state=random_state)``.
    min_labelled : float in (0, 1], default=0.5
        A region trains the classifier only when at least this fraction of its pixels is labelled.
    unlabelled : label, sequence of labels or None, default=0
        Label-map value(s) meaning "no label" (see :func:`~synthlearn.vision.image_pixels`).
    channels : {"first", "last"}, default="first"
        Image layout: (bands, H, W) or (H, W, bands).
    random_state : int or None, default=None
        Seeds the default random forest and quickshift.

    Attributes
    ----------
    classifier_ : fitted classifier
    classes_ : ndarray of shape (n_classes,)
    feature_names_ : list of str
        The region feature columns, in the classifier's order.
    n_bands_ : int
    n_regions_ : int
        Regions that trained the classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.vision import ObjectClassifier
    >>> rng = np.random.default_rng(0)
    >>> truth = np.repeat([[1, 2]], 32, axis=0).repeat(16, axis=1)           # 32 x 32: left 1, right 2
    >>> image = 0.5 + rng.normal(0, np.where(truth == 1, 0.02, 0.2))[None]  # same mean, other texture
    >>> model = ObjectClassifier(segmentation_params={"n_segments": 16, "compactness": 10},
    ...                          random_state=0).fit(image, truth)
    >>> model.predict(image).shape, round(model.score(image, truth), 2)     # pixel accuracy
    ((32, 32), 0.97)
    """

    def __init__(self, segmentation="slic", segmentation_params=None, classifier=None, min_labelled=0.5,
                 unlabelled=UNLABELLED, channels="first", random_state=None):
        self.segmentation = segmentation
        self.segmentation_params = segmentation_params
        self.classifier = classifier
        self.min_labelled = min_labelled
        self.unlabelled = unlabelled
        self.channels = channels
        self.random_state = random_state

    def _check_params(self):
        if self.segmentation not in METHODS:
            raise InvalidParameterError(f"segmentation={self.segmentation!r} is invalid; give one of "
                                        f"{', '.join(METHODS)}")
        if self.segmentation_params is not None and not isinstance(self.segmentation_params, dict):
            raise InvalidParameterError(f"segmentation_params={self.segmentation_params!r} is invalid; give a dict "
                                        f"such as {{'n_segments': 200}} or None")
        m = self.min_labelled
        if isinstance(m, bool) or not isinstance(m, numbers.Real) or not 0 < m <= 1:
            raise InvalidParameterError(f"min_labelled={m!r} is invalid; give a fraction in (0, 1] such as 0.5")
        if self.classifier is not None and not hasattr(self.classifier, "fit"):
            raise InvalidParameterError(f"classifier={self.classifier!r} is not a scikit-learn classifier; give "
                                        f"one (such as RandomForestClassifier()) or None")

    def segment(self, image):
        """The regions of ``image`` with this model's segmentation, shape (H, W), labels 1..n."""
        return segment(image, self.segmentation, channels=self.channels,
                       random_state=0 if self.random_state is None else self.random_state,
                       **(self.segmentation_params or {}))

    def _describe(self, image):
        pixels = as_bands_last(image, self.channels)
        segments = segment(pixels, self.segmentation, channels="last",
                           random_state=0 if self.random_state is None else self.random_state,
                           **(self.segmentation_params or {}))
        return pixels, segments, region_features(pixels, segments, channels="last")

    def fit(self, images, label_maps):
        """Learn region classes from one image and its label map, or a sequence of each.

        Parameters
        ----------
        images : array-like
            One image ((bands, H, W), (H, W, bands) or (H, W)) when ``label_maps`` is 2-D, else a sequence
            of images (or an (n, bands, H, W) array) with one label map each.
        label_maps : array-like of shape (H, W), or a sequence of them

        Returns
        -------
        self
        """
        self._check_params()
        several = np.ndim(label_maps[0]) == 2 if isinstance(label_maps, (list, tuple)) else np.ndim(label_maps) == 3
        if not several:
            images, label_maps = [images], [label_maps]
        if len(images) != len(label_maps):
            raise DataError(f"{len(images)} image(s) but {len(label_maps)} label map(s); give one label map per "
                            f"image")
        rows, targets, n_bands = [], [], None
        for i, (image, labels) in enumerate(zip(images, label_maps)):
            pixels, segments, features = self._describe(image)
            if n_bands is not None and pixels.shape[-1] != n_bands:
                raise DataError(f"image {i} has {pixels.shape[-1]} band(s), image 0 has {n_bands}; give images "
                                f"with the same bands")
            n_bands = pixels.shape[-1]
            labels = check_label_map(labels, pixels.shape[:2], f"label map {i}", self.channels)
            keep, majority = _majority_labels(segments, labels, self.unlabelled, self.min_labelled)
            rows.append(features.loc[keep].to_numpy())
            targets.append(majority)
        X, y = np.concatenate(rows), np.concatenate(targets)
        if len(y) == 0:
            raise DataError(f"no region is at least {self.min_labelled:.0%} labelled; label larger areas, lower "
                            f"min_labelled or segment into smaller regions")
        if self.classifier is None:
            from sklearn.ensemble import RandomForestClassifier

            self.classifier_ = RandomForestClassifier(n_estimators=100, random_state=self.random_state)
        else:
            self.classifier_ = clone(self.classifier)
        self.classifier_.fit(X, y)
        self.classes_ = self.classifier_.classes_
        self.feature_names_ = list(features.columns)
        self.n_bands_ = n_bands
        self.n_regions_ = len(y)
        return self

    def _regions(self, image):
        check_is_fitted(self)
        pixels, segments, features = self._describe(image)
        if pixels.shape[-1] != self.n_bands_:
            raise DataError(f"the image has {pixels.shape[-1]} band(s) but the model was trained on "
                            f"{self.n_bands_}; give an image with the training bands")
        return segments, features

    def predict(self, image):
        """The label map of one image, shape (H, W): each pixel takes its region's predicted class."""
        segments, features = self._regions(image)
        predicted = self.classifier_.predict(features.to_numpy())
        lookup = np.empty(int(features.index.max()) + 1, dtype=predicted.dtype)
        lookup[features.index.to_numpy()] = predicted
        return lookup[segments]

    def predict_proba(self, image):
        """Class probability maps of one image, shape (n_classes, H, W), in the order of ``classes_``."""
        segments, features = self._regions(image)
        if not hasattr(self.classifier_, "predict_proba"):
            raise InvalidParameterError(f"classifier {type(self.classifier_).__name__} has no predict_proba; "
                                        f"use one that has (the default random forest does)")
        proba = self.classifier_.predict_proba(features.to_numpy())
        lookup = np.zeros((int(features.index.max()) + 1, proba.shape[1]))
        lookup[features.index.to_numpy()] = proba
        return np.moveaxis(lookup[segments], -1, 0)

    def score(self, image, label_map):
        """Accuracy of :meth:`predict` over the labelled pixels of ``label_map``."""
        predicted = self.predict(image)
        labels = check_label_map(label_map, predicted.shape, "label_map", self.channels)
        keep = ~_unlabelled_mask(labels, self.unlabelled)
        if not keep.any():
            raise DataError("label_map has no labelled pixel; give a label map with some labels")
        return float((predicted[keep] == labels[keep]).mean())


def _majority_labels(segments, labels, unlabelled, min_labelled):
    """Regions (labels) at least ``min_labelled`` labelled, and the majority label of each."""
    labelled = ~_unlabelled_mask(labels, unlabelled)
    classes, codes = np.unique(labels[labelled], return_inverse=True)
    n_regions = int(segments.max()) + 1
    if len(classes) == 0:
        return np.array([], dtype=np.int64), labels[:0].ravel()
    counts = np.zeros((n_regions, len(classes)), dtype=np.int64)
    np.add.at(counts, (segments[labelled], codes), 1)
    sizes = np.bincount(segments.ravel(), minlength=n_regions)
    regions = np.flatnonzero((sizes > 0) & (counts.sum(axis=1) >= min_labelled * sizes))
    regions = regions[regions > 0]
    return regions, classes[np.argmax(counts[regions], axis=1)]
