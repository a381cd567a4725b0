"""Pixel-based classifiers: supervised classification of one pixel at a time from its band values.

The classic remote-sensing classifiers of Richards & Jia, *Remote Sensing Digital Image Analysis* (Springer,
5th ed. 2013, chapter 8): minimum distance to class means, Mahalanobis distance, Gaussian maximum likelihood,
and the spectral angle mapper of Kruse et al. (1993), "The spectral image processing system (SIPS)", *Remote
Sensing of Environment* 44, 145-163. Each is a scikit-learn classifier on rows = pixels, columns = bands;
:func:`synthlearn.vision.image_pixels` and :func:`synthlearn.vision.classify_image` use them on images.

Every classifier may refuse to label a pixel that fits no class (a distance, angle or chi-square threshold):
such pixels get the label ``unclassified``.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from synthlearn.errors import DataError, InvalidParameterError

_PRIORS = ("equal", "empirical")


def _check_nonnegative(name, value, *, optional=False, upper=None):
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0 or \
            (upper is not None and value > upper):
        bound = f"a number in [0, {upper:.6g}]" if upper is not None else "a number >= 0"
        raise InvalidParameterError(f"{name}={value!r} is invalid; give {bound}" + (" or None" if optional else ""))


class _PixelClassifier:
    """Shared checking and labelling (a mixin placed before ``ClassifierMixin, BaseEstimator``); subclasses
    write ``_fit(X, codes)`` and ``_scores(X)``.

    ``_scores`` returns an (n, n_classes) array, larger = better fit; ``_rejected(X, scores)`` says which
    rows fit no class (only called when the subclass's threshold is set).
    """

    _threshold_name: str = ""

    def fit(self, X, y):
        """Learn each class's statistics from pixels ``X`` (n_pixels, n_bands) and their labels ``y``.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self._check_params()
        self.classes_, codes = np.unique(y, return_inverse=True)
        self._check_unclassified()
        self._fit(X, codes)
        return self

    def _check_unclassified(self):
        threshold = getattr(self, self._threshold_name, None) if self._threshold_name else None
        if threshold is None:
            return
        label = self.unclassified
        textual = self.classes_.dtype.kind in "US" or (
            self.classes_.dtype.kind == "O" and all(isinstance(c, str) for c in self.classes_))  # pandas' strings
        if textual and not isinstance(label, str):
            raise InvalidParameterError(f"unclassified={label!r} does not fit the string class labels; give a "
                                        f"string such as 'unclassified'")
        if self.classes_.dtype.kind in "iufb" and isinstance(label, str):
            raise InvalidParameterError(f"unclassified={label!r} does not fit the numeric class labels; give a "
                                        f"number that is no class, such as -1")
        if label in set(self.classes_.tolist()):
            raise InvalidParameterError(f"unclassified={label!r} is one of the classes; give a label no class "
                                        f"has")

    def _validate(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=np.float64, reset=False)

    def decision_function(self, X):
        """Each class's score for each pixel, larger = closer (the negated distance or angle, or the log
        posterior); for two classes, the second class's score minus the first's, shape (n_pixels,)."""
        scores = self._scores(self._validate(X))
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, X):
        """The class of each pixel: the best score, or ``unclassified`` where the threshold rejects it."""
        X = self._validate(X)
        scores = self._scores(X)
        labels = self.classes_[np.argmax(scores, axis=1)]
        threshold = getattr(self, self._threshold_name, None) if self._threshold_name else None
        if threshold is not None:
            rejected = self._rejected(X, scores)
            if rejected.any():
                dtype = np.result_type(labels.dtype, np.asarray(self.unclassified).dtype)
                labels = np.where(rejected, np.asarray(self.unclassified, dtype=dtype), labels.astype(dtype))
        return labels

    def _check_params(self):  # pragma: no cover - every subclass has its own
        pass


class MinimumDistanceClassifier(_PixelClassifier, ClassifierMixin, BaseEstimator):
    """Minimum distance to class means: each pixel takes the class whose mean spectrum is nearest (Euclidean).

    Richards & Jia (2013), section 8.5. The fastest classifier and the one that needs the fewest training
    pixels (only the means), but blind to each class's spread.

    Parameters
    ----------
    max_distance : float or None, default=None
        Pixels farther than this (in band units) from every class mean are ``unclassified``.
    unclassified : label, default=-1
        The label of rejected pixels (used only with ``max_distance``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    means_ : ndarray of shape (n_classes, n_bands)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.vision import MinimumDistanceClassifier
    >>> X = np.array([[0.1, 0.2], [0.2, 0.1], [0.9, 0.8], [0.8, 0.9]])
    >>> MinimumDistanceClassifier().fit(X, ["water", "water", "forest", "forest"]).predict([[0.7, 0.7]])
    array(['forest'], dtype='<U6')
    """

    _threshold_name = "max_distance"

    def __init__(self, max_distance=None, unclassified=-1):
        self.max_distance = max_distance
        self.unclassified = unclassified

    def _check_params(self):
        _check_nonnegative("max_distance", self.max_distance, optional=True)

    def _fit(self, X, codes):
        self.means_ = _class_means(X, codes, len(self.classes_))

    def _distances(self, X):
        centre = self.means_.mean(axis=0)  # |x|^2 - 2 x.m + |m|^2 cancels badly far from the origin
        X, means = X - centre, self.means_ - centre
        squared = (X * X).sum(axis=1)[:, None] - 2.0 * X @ means.T + (means ** 2).sum(axis=1)
        return np.sqrt(np.maximum(squared, 0.0))

    def _scores(self, X):
        return -self._distances(X)

    def _rejected(self, X, scores):
        return -scores.max(axis=1) > self.max_distance

    def distances(self, X):
        """Euclidean distance of each pixel to each class mean, shape (n_pixels, n_classes)."""
        return self._distances(self._validate(X))


class MahalanobisClassifier(_PixelClassifier, ClassifierMixin, BaseEstimator):
    """Minimum Mahalanobis distance: distance to each class mean measured with a covariance matrix.

    Richards & Jia (2013), section 8.6. With one covariance pooled over the classes (the default) the
    boundaries are linear and the classifier equals linear discriminant analysis with equal priors; with
    one covariance per class it is maximum likelihood without the determinant and prior terms.

    Parameters
    ----------
    covariance : {"pooled", "class"}, default="pooled"
        One within-class covariance shared by all classes, or one per class.
    shrinkage : float in [0, 1], default=0.0
        Shrinks each covariance towards a multiple of the identity with the same trace:
        ``(1 - s) * S + s * trace(S) / n_bands * I``. Helps with few training pixels per band.
    reg_covar : float, default=1e-6
        Added to every covariance's diagonal so that a singular one (a constant band, a class of one
        pixel) can be inverted.
    max_distance : float or None, default=None
        Pixels whose Mahalanobis distance to the nearest class exceeds this are ``unclassified``.
    unclassified : label, default=-1

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    means_ : ndarray of shape (n_classes, n_bands)
    covariances_ : ndarray of shape (n_bands, n_bands) when pooled, else (n_classes, n_bands, n_bands)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.vision import MahalanobisClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal([0, 0], [1, 0.1], (50, 2)), rng.normal([0, 1], [1, 0.1], (50, 2))]
    >>> y = np.repeat([1, 2], 50)
    >>> MahalanobisClassifier().fit(X, y).predict([[3.0, 0.2], [-3.0, 0.9]])
    array([1, 2])
    """

    _threshold_name = "max_distance"

    def __init__(self, covariance="pooled", shrinkage=0.0, reg_covar=1e-6, max_distance=None, unclassified=-1):
        self.covariance = covariance
        self.shrinkage = shrinkage
        self.reg_covar = reg_covar
        self.max_distance = max_distance
        self.unclassified = unclassified

    def _check_params(self):
        if self.covariance not in ("pooled", "class"):
            raise InvalidParameterError(f"covariance={self.covariance!r} is invalid; give 'pooled' or 'class'")
        _check_nonnegative("shrinkage", self.shrinkage, upper=1)
        _check_nonnegative("reg_covar", self.reg_covar)
        _check_nonnegative("max_distance", self.max_distance, optional=True)

    def _fit(self, X, codes):
        k = len(self.classes_)
        self.means_ = _class_means(X, codes, k)
        covs = _class_covariances(X, codes, self.means_)
        if self.covariance == "pooled":
            counts = np.bincount(codes, minlength=k)
            dof = np.maximum(counts - 1, 0)
            pooled = np.tensordot(dof, covs, axes=1) / max(dof.sum(), 1)
            self.covariances_ = _regularise(pooled, self.shrinkage, self.reg_covar)
            self._whiteners = _cholesky(self.covariances_[None], "the pooled covariance")
        else:
            self.covariances_ = np.stack([_regularise(c, self.shrinkage, self.reg_covar) for c in covs])
            self._whiteners = _cholesky(self.covariances_, "a class covariance")

    def _squared_distances(self, X):
        return _mahalanobis_squared(X, self.means_, self._whiteners)

    def _scores(self, X):
        return -self._squared_distances(X)

    def _rejected(self, X, scores):
        return np.sqrt(-scores.max(axis=1)) > self.max_distance

    def distances(self, X):
        """Mahalanobis distance of each pixel to each class mean, shape (n_pixels, n_classes)."""
        return np.sqrt(self._squared_distances(self._validate(X)))


class MaximumLikelihoodClassifier(_PixelClassifier, ClassifierMixin, BaseEstimator):
    """Gaussian maximum likelihood: each class a multivariate normal with its own mean and full covariance.

    Richards & Jia (2013), section 8.3: a pixel takes the class of largest posterior
    ``log p(c) - log|S_c| / 2 - (x - m_c)' S_c^-1 (x - m_c) / 2``. The same model as quadratic
    discriminant analysis, with shrinkage so that singular covariances do not stop it, and the
    chi-square threshold of Richards & Jia (section 8.3.5) to leave atypical pixels unclassified.

    Parameters
    ----------
    priors : {"equal", "empirical"} or array-like of shape (n_classes,), default="equal"
        Class prior probabilities: equal, the training pixels' class frequencies, or given (in the
        order of ``classes_``; normalised to sum to one).
    shrinkage : float in [0, 1], default=0.0
        Shrinks each class covariance towards ``trace(S) / n_bands * I``.
    reg_covar : float, default=1e-6
        Added to every covariance's diagonal so that a singular one can be inverted.
    reject_probability : float in (0, 1) or None, default=None
        A pixel whose squared Mahalanobis distance to its class exceeds the chi-square quantile
        ``1 - reject_probability`` (with n_bands degrees of freedom) is ``unclassified``: 0.01 rejects
        the 1 % least typical pixels of a class that really is Gaussian.
    unclassified : label, default=-1

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    priors_ : ndarray of shape (n_classes,)
    means_ : ndarray of shape (n_classes, n_bands)
    covariances_ : ndarray of shape (n_classes, n_bands, n_bands)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.vision import MaximumLikelihoodClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 0.1, (50, 3)), rng.normal(0, 1.0, (50, 3))]
    >>> model = MaximumLikelihoodClassifier().fit(X, np.repeat(["calm", "rough"], 50))
    >>> model.predict([[0.0, 0.05, 0.0], [1.5, -1.0, 0.5]])
    array(['calm', 'rough'], dtype='<U5')
    >>> model.predict_proba([[0.0, 0.05, 0.0]]).round(3)
    array([[0.999, 0.001]])
    """

    _threshold_name = "reject_probability"

    def __init__(self, priors="equal", shrinkage=0.0, reg_covar=1e-6, reject_probability=None, unclassified=-1):
        self.priors = priors
        self.shrinkage = shrinkage
        self.reg_covar = reg_covar
        self.reject_probability = reject_probability
        self.unclassified = unclassified

    def _check_params(self):
        _check_nonnegative("shrinkage", self.shrinkage, upper=1)
        _check_nonnegative("reg_covar", self.reg_covar)
        p = self.reject_probability
        if p is not None and (isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 < p < 1):
            raise InvalidParameterError(f"reject_probability={p!r} is invalid; give a probability in (0, 1) "
                                        f"such as 0.01, or None")

    def _fit(self, X, codes):
        k = len(self.classes_)
        counts = np.bincount(codes, minlength=k)
        self.priors_ = self._resolve_priors(counts)
        self.means_ = _class_means(X, codes, k)
        self.covariances_ = np.stack([_regularise(c, self.shrinkage, self.reg_covar)
                                      for c in _class_covariances(X, codes, self.means_)])
        self._whiteners = _cholesky(self.covariances_, "a class covariance")
        self._log_dets = 2.0 * np.log(np.diagonal(self._whiteners, axis1=1, axis2=2)).sum(axis=1)
        if self.reject_probability is not None:
            from scipy.stats import chi2

            self.threshold_ = float(chi2.ppf(1.0 - self.reject_probability, X.shape[1]))

    def _resolve_priors(self, counts):
        k = len(counts)
        if isinstance(self.priors, str):
            if self.priors == "equal":
                return np.full(k, 1.0 / k)
            if self.priors == "empirical":
                return counts / counts.sum()
            raise InvalidParameterError(f"priors={self.priors!r} is invalid; give 'equal', 'empirical' or one "
                                        f"probability per class")
        priors = np.asarray(self.priors, dtype=np.float64).ravel()
        if priors.shape != (k,) or not np.all(np.isfinite(priors)) or np.any(priors <= 0):
            raise InvalidParameterError(f"priors={self.priors!r} is invalid; give {k} positive numbers, one per "
                                        f"class in the order of classes_ ({self.classes_.tolist()[:5]})")
        return priors / priors.sum()

    def _scores(self, X):
        d2 = _mahalanobis_squared(X, self.means_, self._whiteners)
        return np.log(self.priors_) - 0.5 * (self._log_dets + d2 + X.shape[1] * np.log(2.0 * np.pi))

    def _rejected(self, X, scores):
        best = np.argmax(scores, axis=1)
        d2 = _mahalanobis_squared(X, self.means_, self._whiteners)
        return d2[np.arange(len(X)), best] > self.threshold_

    def predict_log_proba(self, X):
        """Log posterior probability of each class, shape (n_pixels, n_classes), by log-sum-exp."""
        from scipy.special import logsumexp

        scores = self._scores(self._validate(X))
        return scores - logsumexp(scores, axis=1, keepdims=True)

    def predict_proba(self, X):
        """Posterior probability of each class, shape (n_pixels, n_classes); rows sum to one."""
        return np.exp(self.predict_log_proba(X))


class SpectralAngleClassifier(_PixelClassifier, ClassifierMixin, BaseEstimator):
    """Spectral angle mapper (SAM): each pixel takes the class whose mean spectrum makes the smallest angle
    with it (Kruse et al. 1993).

    The angle ignores a pixel's brightness (its vector length), so illumination and shading do not change
    its class. A pixel or class mean of all zeros has no direction: its angle to every class is taken as
    pi / 2.

    Parameters
    ----------
    max_angle : float or None, default=None
        Pixels whose angle (radians) to every class mean exceeds this are ``unclassified`` (ENVI's
        default is 0.1).
    unclassified : label, default=-1

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    means_ : ndarray of shape (n_classes, n_bands)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.vision import SpectralAngleClassifier
    >>> X = np.array([[1.0, 2.0], [2.0, 4.1], [2.0, 1.0], [4.0, 2.1]])
    >>> SpectralAngleClassifier().fit(X, [0, 0, 1, 1]).predict([[10.0, 20.0], [0.2, 0.1]])
    array([0, 1])
    """

    _threshold_name = "max_angle"

    def __init__(self, max_angle=None, unclassified=-1):
        self.max_angle = max_angle
        self.unclassified = unclassified

    def _check_params(self):
        _check_nonnegative("max_angle", self.max_angle, optional=True, upper=np.pi)

    def _fit(self, X, codes):
        self.means_ = _class_means(X, codes, len(self.classes_))

    def _angles(self, X):
        norms = np.linalg.norm(X, axis=1)[:, None] * np.linalg.norm(self.means_, axis=1)[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            cosine = np.where(norms > 0, (X @ self.means_.T) / norms, 0.0)
        return np.arccos(np.clip(cosine, -1.0, 1.0))

    def _scores(self, X):
        return -self._angles(X)

    def _rejected(self, X, scores):
        return -scores.max(axis=1) > self.max_angle

    def angles(self, X):
        """Angle (radians) between each pixel and each class mean, shape (n_pixels, n_classes)."""
        return self._angles(self._validate(X))


# ---------------------------------------------------------------------- shared statistics
def _class_means(X, codes, k):
    counts = np.bincount(codes, minlength=k).astype(np.float64)
    sums = np.zeros((k, X.shape[1]))
    np.add.at(sums, codes, X)
    return sums / counts[:, None]


def _class_covariances(X, codes, means):
    """Unbiased covariance of each class (divided by n - 1; a class of one pixel gets zeros)."""
    k, p = means.shape
    covs = np.zeros((k, p, p))
    for c in range(k):
        centred = X[codes == c] - means[c]
        covs[c] = centred.T @ centred / max(len(centred) - 1, 1)
    return covs


def _regularise(cov, shrinkage, reg_covar):
    p = cov.shape[0]
    if shrinkage:
        cov = (1.0 - shrinkage) * cov + shrinkage * np.trace(cov) / p * np.eye(p)
    return cov + reg_covar * np.eye(p)


def _cholesky(covs, what):
    try:
        return np.linalg.cholesky(covs)
    except np.linalg.LinAlgError:
        raise DataError(f"{what} is singular (a constant band, or fewer training pixels than bands); raise "
                        f"reg_covar (now too small) or shrinkage, or give more training pixels") from None


def _mahalanobis_squared(X, means, whiteners):
    """Squared Mahalanobis distance of each row to each mean, with the Cholesky factor of one covariance
    for all means (``whiteners`` of shape (1, p, p)) or one per mean."""
    from scipy.linalg import solve_triangular

    if len(whiteners) == 1:  # one covariance: whiten once, then squared Euclidean distances
        centre = means.mean(axis=0)  # about the means, or the expansion below cancels badly far from the origin
        z = solve_triangular(whiteners[0], (X - centre).T, lower=True, check_finite=False).T
        m = solve_triangular(whiteners[0], (means - centre).T, lower=True, check_finite=False).T
        return np.maximum((z * z).sum(axis=1)[:, None] - 2.0 * z @ m.T + (m * m).sum(axis=1), 0.0)
    out = np.empty((len(X), len(means)))
    for c, mean in enumerate(means):
        lower = whiteners[0 if len(whiteners) == 1 else c]
        z = solve_triangular(lower, (X - mean).T, lower=True, check_finite=False)
        out[:, c] = (z * z).sum(axis=0)
    return out
