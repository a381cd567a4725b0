"""Anomaly detection by reconstruction error: rows an autoencoder rebuilds badly are unusual.

Follows the usual recipe (e.g. Sakurada & Yairi, "Anomaly detection using
autoencoders with nonlinear dimensionality reduction", MLSDA 2014): train on
(mostly) normal data, score each sample by its mean squared reconstruction
error, and flag the share ``contamination`` of the training samples with the
largest errors — the threshold carries over to new data. The interface is
scikit-learn's outlier-detector one (``IsolationForest``, ``LocalOutlierFactor``):
``predict`` gives +1 for inliers and −1 for outliers, ``score_samples`` is
higher for more normal samples.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.utils.validation import check_is_fitted

from synthlearn.autoencoders.autoencoder import Autoencoder
from synthlearn.errors import InvalidParameterError


class AnomalyDetector(OutlierMixin, BaseEstimator):
    """Flag samples whose reconstruction error is unusually large.

    Parameters
    ----------
    autoencoder : estimator, default=None
        Any synthlearn autoencoder (dense or convolutional; images work too).
        It is cloned and fitted. None uses ``Autoencoder(code_size=...)``
        with a code a quarter of the input's width (at least 1).
    contamination : float, default=0.05
        Expected share of anomalies in the training data, in (0, 0.5]; the
        threshold is the ``1 - contamination`` quantile of the training errors.
    random_state : int or None, default=None
        Seed of the default autoencoder, and of a given one whose own
        ``random_state`` is None.
    prefit : bool, default=False
        When True, ``autoencoder`` is already fitted: ``fit`` only sets the
        threshold from the errors on ``X`` (and does not clone it).

    Attributes
    ----------
    autoencoder_ : estimator
        The fitted autoencoder.
    threshold_ : float
        Reconstruction error above which a sample is an outlier.
    offset_ : float
        ``-threshold_``, so that ``decision_function = score_samples - offset_``
        is negative exactly for outliers (scikit-learn's convention).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.autoencoders import AnomalyDetector, Autoencoder
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)) @ [[1.0, 2.0, 0.5], [0.5, -1.0, 1.0]]
    >>> detector = AnomalyDetector(Autoencoder(code_size=2, hidden_layer_sizes=(16,), epochs=30,
    ...                                        random_state=0), contamination=0.05).fit(X)
    >>> int((detector.predict(X) == -1).sum())
    10
    """

    def __init__(self, autoencoder=None, contamination=0.05, random_state=None, prefit=False):
        self.autoencoder = autoencoder
        self.contamination = contamination
        self.random_state = random_state
        self.prefit = prefit

    def fit(self, X, y=None):
        """Fit the autoencoder on ``X`` and set the threshold from its training errors."""
        c = self.contamination
        if isinstance(c, bool) or not isinstance(c, numbers.Real) or not 0 < c <= 0.5:
            raise InvalidParameterError(f"contamination must be a share in (0, 0.5], got {c!r}")
        if self.prefit:
            if self.autoencoder is None:
                raise InvalidParameterError("prefit=True needs a fitted autoencoder; pass autoencoder=...")
            check_is_fitted(self.autoencoder)
            model = self.autoencoder
        elif self.autoencoder is None:
            width = int(np.prod(np.shape(X)[1:]))  # features per sample, images included
            model = Autoencoder(code_size=max(1, width // 4), random_state=self.random_state)
        else:
            model = clone(self.autoencoder)
            if "random_state" in model.get_params() and model.get_params()["random_state"] is None:
                model.set_params(random_state=self.random_state)
        self.autoencoder_ = model if self.prefit else model.fit(X)
        self.n_features_in_ = model.n_features_in_
        if hasattr(model, "feature_names_in_"):
            self.feature_names_in_ = model.feature_names_in_
        errors = self._errors(X)
        self.threshold_ = float(np.quantile(errors, 1 - c))
        self.offset_ = -self.threshold_
        return self

    def reconstruction_error(self, X) -> np.ndarray:
        """Mean squared reconstruction error of each sample, shape (n_samples,)."""
        check_is_fitted(self)
        return self._errors(X)

    def _errors(self, X) -> np.ndarray:
        X_rec = self.autoencoder_.reconstruct(X)
        X_arr = np.asarray(X, dtype=np.float64).reshape(np.shape(X_rec))
        diff = (X_rec - X_arr).reshape(len(X_rec), -1)
        return np.mean(diff ** 2, axis=1)

    def score_samples(self, X) -> np.ndarray:
        """Negative reconstruction error: higher means more normal."""
        return -self.reconstruction_error(X)

    def decision_function(self, X) -> np.ndarray:
        """``score_samples - offset_``: negative for outliers, positive for inliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """+1 for inliers, −1 for outliers."""
        return np.where(self.decision_function(X) < 0, -1, 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
