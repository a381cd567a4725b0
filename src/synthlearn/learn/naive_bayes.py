"""Naive Bayes for mixed tables: Gaussian likelihoods for numbers, categorical ones for labels, in one model.

scikit-learn's ``GaussianNB`` and ``CategoricalNB`` each model one kind of
column; one-hot encoding categories for ``GaussianNB`` fits a Gaussian to 0/1
indicators, which is a poor likelihood. ``MixedNaiveBayes`` multiplies the
right likelihood for each column (the textbook model, e.g. Mitchell, *Machine
Learning*, 1997, ch. 6), and ignores missing values instead of imputing them.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from synthlearn.errors import InvalidParameterError


class MixedNaiveBayes(ClassifierMixin, BaseEstimator):
    """Naive Bayes with Gaussian numeric and smoothed categorical features.

    Parameters
    ----------
    categorical_features : "auto", array-like of int, str or bool, or None, default="auto"
        Which columns are categorical. ``"auto"``: the columns of a pandas
        DataFrame whose dtype is ``category``, ``object``, ``string`` or
        ``bool`` (a NumPy array then has none). A list of column indices, of
        column names (DataFrame input) or a boolean mask picks them
        explicitly. ``None``: every column is numeric (then the model equals
        ``GaussianNB``). Categorical values can be any hashable labels or
        numbers (negative numbers and floats included).
    alpha : float, default=1.0
        Additive (Laplace) smoothing of the categorical likelihoods, as in
        ``CategoricalNB``.
    var_smoothing : float, default=1e-9
        Fraction of the largest numeric feature variance added to every
        variance, as in ``GaussianNB`` (of 1 when every numeric feature is
        constant, where ``GaussianNB`` gives NaN probabilities).
    priors : array-like of shape (n_classes,), default=None
        Class prior probabilities; estimated from the data when None.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_count_ : ndarray of shape (n_classes,)
        Weighted number of training rows per class.
    class_prior_ : ndarray of shape (n_classes,)
    categorical_mask_ : ndarray of bool, shape (n_features_in_,)
        True for the columns modelled as categorical.
    theta_ : ndarray of shape (n_classes, n_numeric)
        Mean of each numeric feature per class (missing values ignored).
    var_ : ndarray of shape (n_classes, n_numeric)
        Variance of each numeric feature per class, plus ``epsilon_``.
    epsilon_ : float
        The absolute amount added to the variances.
    categories_ : list of ndarray
        The categories of each categorical feature seen in training.
    category_count_ : list of ndarray of shape (n_classes, n_categories_i)
    feature_log_prob_ : list of ndarray of shape (n_classes, n_categories_i)
        Smoothed log P(category | class) for each categorical feature.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when ``X`` has string column names.

    Notes
    -----
    Missing values (NaN / None) are allowed in every feature: a missing value
    contributes nothing to the likelihood, in training and in prediction. A
    category at prediction time that training never saw is treated the same
    way, as missing. A numeric feature a class never shows in training gets
    that class the overall mean and variance.

    Examples
    --------
    >>> import pandas as pd
    >>> from synthlearn.learn import MixedNaiveBayes
    >>> X = pd.DataFrame({"size": [1.0, 1.2, 3.1, 2.9], "color": ["red", "red", "blue", "blue"]})
    >>> MixedNaiveBayes().fit(X, ["a", "a", "b", "b"]).predict(X).tolist()
    ['a', 'a', 'b', 'b']
    """

    def __init__(self, categorical_features="auto", alpha=1.0, var_smoothing=1e-9, priors=None):
        self.categorical_features = categorical_features
        self.alpha = alpha
        self.var_smoothing = var_smoothing
        self.priors = priors

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        if not isinstance(self.alpha, numbers.Real) or self.alpha < 0:
            raise InvalidParameterError(f"alpha must be a number >= 0, got {self.alpha!r}")
        if not isinstance(self.var_smoothing, numbers.Real) or self.var_smoothing < 0:
            raise InvalidParameterError(f"var_smoothing must be a number >= 0, got {self.var_smoothing!r}")
        columns = list(X.columns) if isinstance(X, pd.DataFrame) else None
        dtypes = list(X.dtypes) if columns is not None else None
        Xa, y = validate_data(self, X, y, dtype=None, ensure_all_finite=False, reset=True)
        check_classification_targets(y)
        self.categorical_mask_ = mask = self._categorical_mask(Xa.shape[1], columns, dtypes)
        sw = _check_sample_weight(sample_weight, Xa)
        self.classes_, yi = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        onehot = np.zeros((len(yi), n_classes))
        onehot[np.arange(len(yi)), yi] = sw
        self.class_count_ = onehot.sum(axis=0)
        if self.priors is not None:
            priors = np.asarray(self.priors, dtype=float)
            if priors.shape != (n_classes,) or np.any(priors < 0) or not np.isclose(priors.sum(), 1.0):
                raise InvalidParameterError(
                    f"priors must be {n_classes} non-negative numbers summing to 1 (one per class), "
                    f"got {self.priors!r}")
            self.class_prior_ = priors
        else:
            self.class_prior_ = self.class_count_ / self.class_count_.sum()

        Xn = self._numeric(Xa)
        observed = ~np.isnan(Xn)
        x0 = np.where(observed, Xn, 0.0)
        w_obs = onehot.T @ observed  # (n_classes, n_numeric): weight of observed values
        total_w = sw @ observed
        overall_mean = np.divide(sw @ x0, total_w, out=np.zeros(Xn.shape[1]), where=total_w > 0)
        overall_var = np.divide(sw @ (np.where(observed, Xn - overall_mean, 0.0) ** 2), total_w,
                                out=np.zeros(Xn.shape[1]), where=total_w > 0)
        # every numeric feature constant: smooth by var_smoothing itself, else every variance is 0 and the
        # likelihoods NaN (GaussianNB's fate), which would drown the categorical evidence too
        largest = float(overall_var.max()) if Xn.shape[1] else 0.0
        self.epsilon_ = float(self.var_smoothing * (largest if largest > 0 else 1.0)) if Xn.shape[1] else 0.0
        seen = w_obs > 0
        theta = np.divide(onehot.T @ x0, w_obs, out=np.zeros_like(w_obs), where=seen)
        var = np.zeros_like(w_obs)
        for c in range(n_classes):
            dev = np.where(observed, Xn - theta[c], 0.0)
            var[c] = np.divide(onehot[:, c] @ dev**2, w_obs[c], out=np.zeros(Xn.shape[1]), where=seen[c])
        self.theta_ = np.where(seen, theta, overall_mean)
        self.var_ = np.where(seen, var, overall_var) + self.epsilon_

        self.categories_, self.category_count_, self.feature_log_prob_ = [], [], []
        positive = sw > 0
        for column in np.flatnonzero(mask):
            values = Xa[:, column]
            present = _present(values)
            codes = _codes(values, values[:0])  # rejects unhashable values early
            cats = _unique(values[present & positive])
            codes = _codes(values, cats)
            counts = np.zeros((n_classes, len(cats)))
            ok = codes >= 0
            np.add.at(counts, (yi[ok], codes[ok]), sw[ok])
            smoothed = counts + self.alpha
            denom = smoothed.sum(axis=1, keepdims=True)
            with np.errstate(divide="ignore", invalid="ignore"):
                log_prob = np.log(smoothed) - np.log(denom)
            self.categories_.append(cats)
            self.category_count_.append(counts)
            self.feature_log_prob_.append(np.nan_to_num(log_prob, nan=0.0, neginf=-1e300))
        return self

    # -------------------------------------------------------------- predict
    def predict_joint_log_proba(self, X):
        """Unnormalised log P(class) + log P(x | class), shape (n_samples, n_classes)."""
        check_is_fitted(self)
        Xa = validate_data(self, X, dtype=None, ensure_all_finite=False, reset=False)
        return self._joint_log_likelihood(Xa)

    def predict_log_proba(self, X):
        """Log class probabilities, normalised with log-sum-exp."""
        jll = self.predict_joint_log_proba(X)
        top = jll.max(axis=1, keepdims=True)
        return jll - (top + np.log(np.exp(jll - top).sum(axis=1, keepdims=True)))

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """The most probable class of each row."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_joint_log_proba(X), axis=1)]

    # ---------------------------------------------------------------- guts
    def _joint_log_likelihood(self, Xa):
        with np.errstate(divide="ignore"):
            jll = np.tile(np.log(self.class_prior_), (Xa.shape[0], 1))
        Xn = self._numeric(Xa)
        if Xn.shape[1]:
            observed = ~np.isnan(Xn)
            for c in range(len(self.classes_)):
                terms = -0.5 * (np.log(2 * np.pi * self.var_[c]) + (Xn - self.theta_[c]) ** 2 / self.var_[c])
                jll[:, c] += np.where(observed, terms, 0.0).sum(axis=1)
        for column, cats, log_prob in zip(np.flatnonzero(self.categorical_mask_), self.categories_,
                                          self.feature_log_prob_):
            codes = _codes(Xa[:, column], cats)
            ok = codes >= 0  # missing or unseen category: no evidence
            jll[ok] += log_prob[:, codes[ok]].T
        return jll

    def _numeric(self, Xa) -> np.ndarray:
        Xn = np.asarray(Xa[:, ~self.categorical_mask_])
        if Xn.dtype == object:
            Xn = pd.DataFrame(Xn).apply(lambda s: s.astype(float) if s.dtype != object else
                                        s.map(lambda v: np.nan if v is None or v is pd.NA else float(v))).to_numpy()
        Xn = Xn.astype(float)
        if np.isinf(Xn).any():
            raise ValueError("Input X contains infinity in a numeric feature; replace it with a finite value or NaN")
        return Xn

    def _categorical_mask(self, n_features, columns, dtypes) -> np.ndarray:
        spec = self.categorical_features
        mask = np.zeros(n_features, dtype=bool)
        if spec is None:
            return mask
        if isinstance(spec, str):
            if spec != "auto":
                raise InvalidParameterError(
                    f"categorical_features must be 'auto', None, indices, names or a boolean mask, got {spec!r}")
            if columns is not None:
                for i, dtype in enumerate(dtypes):
                    mask[i] = not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))
            return mask
        items = list(spec)
        if items and all(isinstance(v, (bool, np.bool_)) for v in items):
            if len(items) != n_features:
                raise InvalidParameterError(
                    f"categorical_features mask has {len(items)} entries but X has {n_features} columns")
            return np.asarray(items, dtype=bool)
        for item in items:
            if isinstance(item, str):
                if columns is None or item not in columns:
                    raise InvalidParameterError(
                        f"categorical_features names column {item!r}, which X does not have; "
                        f"give column indices or a DataFrame with that column")
                mask[columns.index(item)] = True
            elif isinstance(item, numbers.Integral) and -n_features <= item < n_features:
                mask[item] = True
            else:
                raise InvalidParameterError(
                    f"categorical_features index {item!r} is out of range for X with {n_features} columns")
        return mask


def _present(values: np.ndarray) -> np.ndarray:
    return ~pd.isna(pd.Series(values, dtype=object)).to_numpy()


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted unique labels (numbers sort numerically, mixed labels by their text)."""
    uniq = pd.unique(pd.Series(values, dtype=object))
    try:
        return np.array(sorted(uniq), dtype=object)
    except TypeError:
        return np.array(sorted(uniq, key=lambda v: (type(v).__name__, str(v))), dtype=object)


def _codes(values: np.ndarray, categories: np.ndarray) -> np.ndarray:
    """Index of each value in ``categories``; -1 for missing and unseen values."""
    lookup = {_key(v): i for i, v in enumerate(categories)}
    try:
        return np.fromiter((lookup.get(_key(v), -1) for v in values), dtype=np.intp, count=len(values))
    except TypeError:
        bad = next(v for v in values if not isinstance(v, Hashable))
        raise TypeError(f"a categorical feature holds {bad!r}; each value must be a label: "
                        f"argument must be a string or a number") from None


def _key(v):
    # 1, 1.0 and np.float64(1.0) are one category; NaN is never a category
    if isinstance(v, (numbers.Real, np.bool_)) and not isinstance(v, bool):
        f = float(v)
        return None if f != f else f
    return v
