"""Gaussian copula synthesizer: marginals per column, dependence through normal scores.

Follows the classic construction (Sklar 1959; for tabular synthesis,
Patki et al. 2016, "The Synthetic Data Vault"): each column is mapped through
its marginal CDF to a uniform and then to a standard normal score; the
dependence between columns is the correlation matrix of the scores; sampling
draws correlated normals and maps them back through each inverse CDF.

Continuous columns use the empirical distribution (interpolated between
observed quantiles; stepwise for columns with few distinct values) or a
scipy.stats family chosen per column by the smallest Kolmogorov-Smirnov
statistic. Discrete columns (categories, missing indicators) are spread over
adjacent intervals of [0, 1], one per category, wide as its frequency, so
sampled frequencies match the training table.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import ndtr, ndtri

from synthlearn.errors import InvalidParameterError
from synthlearn.synth.base import Synthesizer

#: scipy.stats families tried when ``marginals="parametric"``.
FAMILIES = ("norm", "truncnorm", "beta", "gamma", "lognorm", "uniform")
_EPS = 1e-6
_STEP_BELOW = 20  # columns with fewer distinct values get a stepwise inverse CDF


class GaussianCopulaSynthesizer(Synthesizer):
    """Gaussian copula over per-column marginals.

    Parameters
    ----------
    marginals : {"empirical", "parametric"}, default="empirical"
        How continuous columns are modelled: the empirical distribution
        (interpolated quantiles), or the best-fitting of :data:`FAMILIES`.
    random_state : int, numpy Generator or None, default=None
        Seed for fitting (category jitter) and the default sampling stream.

    Attributes
    ----------
    correlation_ : ndarray of shape (n_model_columns, n_model_columns)
        Correlation of the normal scores.
    marginals_ : list of dict
        Per model column: ``{"type": "categorical"|"empirical"|<family>, ...}``.

    Examples
    --------
    >>> from synthlearn.data import load_dataset
    >>> from synthlearn.synth import GaussianCopulaSynthesizer
    >>> df = load_dataset("penguins")
    >>> synth = GaussianCopulaSynthesizer(random_state=0).fit(df)
    >>> synth.sample(5).shape
    (5, 8)
    """

    def __init__(self, *, marginals: str = "empirical", jitter: bool = False, random_state=None):
        self.marginals = marginals
        self.jitter = jitter
        self.random_state = random_state

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.marginals not in ("empirical", "parametric"):
            raise InvalidParameterError(
                f"marginals must be 'empirical' or 'parametric', got {self.marginals!r}"
            )
        if not isinstance(self.jitter, (bool, np.bool_)):
            raise InvalidParameterError(f"jitter must be True or False, got {self.jitter!r}")

    # ------------------------------------------------------------------ fit
    def _fit(self, X: np.ndarray, rng: np.random.Generator) -> None:
        n, m = X.shape
        columns = self.encoder_.columns_
        Z = np.zeros((n, m))
        self.marginals_ = [None] * m
        self._quantiles = [None] * m
        for j, col in enumerate(columns):
            if col.discrete:
                continue
            x = X[:, j]
            observed = ~np.isnan(x)
            values = np.sort(x[observed])
            u = np.full(n, 0.5)
            marginal = self._fit_marginal(values)
            u[observed] = self._cdf(marginal, values, x[observed])
            self.marginals_[j] = marginal
            self._quantiles[j] = values
            Z[:, j] = ndtri(np.clip(u, _EPS, 1 - _EPS))
        axis = _principal_axis(Z[:, [j for j, c in enumerate(columns) if not c.discrete]])
        for j, col in enumerate(columns):
            if not col.discrete:
                continue
            codes = X[:, j].astype(np.int64)
            counts = np.bincount(codes, minlength=col.n_categories).astype(float)
            # Categories sit on [0, 1] in the order of their mean score on the
            # numeric columns' main axis, so a linear copula can carry as much of
            # their relation to the numeric columns as possible.
            order = _category_order(codes, counts, axis)
            position = np.empty_like(order)
            position[order] = np.arange(order.size)
            edges = np.concatenate([[0.0], np.cumsum(counts[order]) / counts.sum()])
            width = counts / counts.sum()
            u = edges[position[codes]] + (rng.random(n) if self.jitter else 0.5) * width[codes]
            self.marginals_[j] = {"type": "categorical", "edges": edges, "order": order}
            Z[:, j] = ndtri(np.clip(u, _EPS, 1 - _EPS))
        self.correlation_ = _nearest_correlation(Z)
        self._cholesky = np.linalg.cholesky(self.correlation_)

    def _fit_marginal(self, values: np.ndarray) -> dict:
        if self.marginals == "empirical" or np.unique(values).size < _STEP_BELOW:
            return {"type": "empirical", "step": bool(np.unique(values).size < _STEP_BELOW)}
        best, best_ks = None, np.inf
        for family in FAMILIES:
            params = _fit_family(family, values)
            if params is None:
                continue
            # the frozen law's cdf, not the family's name with args: SciPy 1.18 hands such args to
            # special.ndtr for "norm", which takes none
            ks = stats.kstest(values, getattr(stats, family)(*params).cdf).statistic
            if ks < best_ks:
                best, best_ks = {"type": family, "params": [float(p) for p in params]}, ks
        return best or {"type": "empirical", "step": False}

    @staticmethod
    def _cdf(marginal: dict, sorted_values: np.ndarray, x: np.ndarray) -> np.ndarray:
        if marginal["type"] == "empirical":
            # mid-rank plotting positions: ties share one probability
            lo = np.searchsorted(sorted_values, x, side="left")
            hi = np.searchsorted(sorted_values, x, side="right")
            return (lo + hi) / (2.0 * sorted_values.size)
        return getattr(stats, marginal["type"]).cdf(x, *marginal["params"])

    # --------------------------------------------------------------- sample
    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        m = self.correlation_.shape[0]
        Z = rng.standard_normal((n, m), dtype=np.float32) @ self._cholesky.T.astype(np.float32)
        return self._z_to_values(Z)

    def _z_to_values(self, Z: np.ndarray) -> np.ndarray:
        # Each inverse CDF is applied directly to the normal score: thresholds and
        # quantile grids are mapped to z-space once, so no CDF is evaluated per row.
        n, m = Z.shape
        out = np.empty((n, m))
        for j, marginal in enumerate(self.marginals_):
            z = Z[:, j]
            if marginal["type"] == "categorical":
                cuts = ndtri(marginal["edges"][1:-1])
                out[:, j] = marginal["order"][np.searchsorted(cuts, z, side="right")]
            elif marginal["type"] == "empirical":
                values = self._quantiles[j]
                k = values.size
                if marginal["step"]:
                    out[:, j] = values[np.searchsorted(ndtri(np.arange(1, k) / k), z, side="right")]
                else:
                    out[:, j] = np.interp(z, ndtri((np.arange(k) + 0.5) / k), values)
            else:
                dist = getattr(stats, marginal["type"])
                out[:, j] = dist.ppf(np.clip(ndtr(z.astype(float)), _EPS, 1 - _EPS), *marginal["params"])
        return out

    def _sample_conditional(self, n: int, fixed: dict, rng: np.random.Generator) -> np.ndarray:
        """Gaussian conditioning (:meth:`_sample_given`), every row given ``fixed``."""
        return self._sample_given({j: np.full(n, float(v)) for j, v in fixed.items()}, rng)

    def _sample_given(self, values: dict[int, np.ndarray], rng: np.random.Generator) -> np.ndarray:
        """Gaussian conditioning, per row: ``values`` maps model columns to one value per output row. Fixed
        numbers become points in z-space, fixed categories truncate their normal score to the category's
        interval (drawn one column at a time, each given the ones before), and the free columns follow the
        conditional normal, whose covariance depends only on which columns are fixed: one for all rows."""
        S = self.correlation_
        m = S.shape[0]
        n = len(next(iter(values.values())))
        Z = np.zeros((n, m))
        known: list[int] = []
        for j, value in values.items():
            marginal = self.marginals_[j]
            if marginal["type"] != "categorical":
                u = self._cdf(marginal, self._quantiles[j], value) if marginal["type"] == "empirical" \
                    else getattr(stats, marginal["type"]).cdf(value, *marginal["params"])
                Z[:, j] = ndtri(np.clip(u, _EPS, 1 - _EPS))
                known.append(j)
        for j, value in values.items():
            marginal = self.marginals_[j]
            if marginal["type"] != "categorical":
                continue
            order = marginal["order"]
            by_code = np.argsort(order)
            slot = by_code[np.searchsorted(order[by_code], value.astype(np.int64))]
            lo, hi = ndtri(marginal["edges"][slot]), ndtri(marginal["edges"][slot + 1])
            mean, var = _conditional(S, [j], known, Z)
            sd = np.sqrt(max(var[0, 0], 1e-12))
            a, b = (lo - mean[:, 0]) / sd, (hi - mean[:, 0]) / sd
            Z[:, j] = stats.truncnorm.rvs(a, b, loc=mean[:, 0], scale=sd, size=n, random_state=rng)
            known.append(j)
        free = [j for j in range(m) if j not in known]
        if free:
            mean, cov = _conditional(S, free, known, Z)
            chol = np.linalg.cholesky(cov + 1e-9 * np.eye(len(free)))
            Z[:, free] = mean + rng.standard_normal((n, len(free))) @ chol.T
        out = self._z_to_values(Z)
        for j, value in values.items():
            out[:, j] = value
        return out

    # ---------------------------------------------------------- persistence
    def _get_state(self, folder):
        arrays = {"correlation": self.correlation_}
        marginals = []
        for j, marginal in enumerate(self.marginals_):
            entry = {k: v for k, v in marginal.items() if k not in ("edges", "order")}
            if marginal["type"] == "categorical":
                arrays[f"edges_{j}"] = marginal["edges"]
                arrays[f"order_{j}"] = marginal["order"]
            if self._quantiles[j] is not None:
                arrays[f"quantiles_{j}"] = self._quantiles[j]
            marginals.append(entry)
        return {"marginals": marginals}, arrays

    def _set_state(self, state, arrays, folder):
        self.correlation_ = np.asarray(arrays["correlation"], dtype=float)
        self.marginals_, self._quantiles = [], []
        for j, entry in enumerate(state["marginals"]):
            marginal = dict(entry)
            if marginal["type"] == "categorical":
                marginal["edges"] = arrays[f"edges_{j}"]
                marginal["order"] = np.asarray(arrays[f"order_{j}"], dtype=np.int64)
            self.marginals_.append(marginal)
            self._quantiles.append(arrays.get(f"quantiles_{j}"))
        self._cholesky = np.linalg.cholesky(self.correlation_)


def _conditional(S: np.ndarray, free: list[int], known: list[int], Z: np.ndarray):
    """Mean (per row) and covariance of standard normal scores ``free`` given the ``known`` ones."""
    if not known:
        return np.zeros((Z.shape[0], len(free))), S[np.ix_(free, free)]
    Skk = S[np.ix_(known, known)]
    Sfk = S[np.ix_(free, known)]
    weights = np.linalg.solve(Skk, Sfk.T)  # (known, free)
    mean = Z[:, known] @ weights
    cov = S[np.ix_(free, free)] - Sfk @ weights
    return mean, (cov + cov.T) / 2


def _principal_axis(Z: np.ndarray) -> np.ndarray | None:
    """Scores of the rows on the first principal component of ``Z`` (None without columns)."""
    if Z.shape[1] == 0:
        return None
    if Z.shape[1] == 1:
        return Z[:, 0]
    _, _, vt = np.linalg.svd(Z - Z.mean(axis=0), full_matrices=False)
    return Z @ vt[0]


def _category_order(codes: np.ndarray, counts: np.ndarray, axis: np.ndarray | None) -> np.ndarray:
    """Category codes sorted by their mean on ``axis`` (by frequency when there is none)."""
    if axis is None:
        return np.argsort(-counts, kind="stable")
    sums = np.bincount(codes, weights=axis, minlength=counts.size)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    return np.argsort(means, kind="stable")


def _fit_family(family: str, values: np.ndarray):
    """Maximum-likelihood parameters of a scipy.stats family, or None if it cannot fit."""
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo
    if span <= 0:
        return None
    try:
        with np.errstate(all="ignore"):
            if family == "norm":
                return stats.norm.fit(values)
            if family == "uniform":
                return (lo, span)
            if family == "truncnorm":
                mu, sd = stats.norm.fit(values)
                return ((lo - mu) / sd, (hi - mu) / sd, mu, sd)
            if family == "beta":
                pad = span * 1e-3
                return stats.beta.fit(values, floc=lo - pad, fscale=span + 2 * pad)
            if family == "gamma":
                return stats.gamma.fit(values, floc=lo - span * 1e-3)
            if family == "lognorm":
                return stats.lognorm.fit(values, floc=lo - span * 1e-3)
    except (ValueError, RuntimeError, FloatingPointError):
        return None
    return None


def _nearest_correlation(Z: np.ndarray) -> np.ndarray:
    """Correlation of the columns of ``Z``, repaired to be positive definite."""
    m = Z.shape[1]
    if m == 1:
        return np.ones((1, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(Z, rowvar=False)
    corr = np.nan_to_num(corr, nan=0.0)
    np.fill_diagonal(corr, 1.0)
    w, V = np.linalg.eigh(corr)
    w = np.clip(w, 1e-6, None)
    corr = (V * w) @ V.T
    d = np.sqrt(np.diag(corr))
    corr = corr / np.outer(d, d)
    np.fill_diagonal(corr, 1.0)
    return corr
