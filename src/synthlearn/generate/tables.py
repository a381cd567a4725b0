"""Labelled tables from scratch: mixed-type classification and regression with known generating parameters.

Classification follows scikit-learn's ``make_classification`` (Guyon, 2003): one
Gaussian cluster per class centred on a vertex of a hypercube of side
``2 * class_sep`` in the informative dimensions, a shared random linear map for
covariance, redundant features as linear combinations of the informative ones,
and pure-noise features. Binary and categorical columns are cut from latent
columns at thresholds, so they carry the label signal of the latent they come
from. Regression offers a linear model, Friedman #1, pairwise interactions and
step (threshold) effects.

The table is defined by ``(random_state, partition_rows)``: the structure
(class centres, coefficients, cut points) comes from ``SeedSequence(seed)``
and the rows of partition *i* from its child *i*, so a table written in
chunks, in one piece, or on a Dask cluster holds the same rows.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd
from scipy.special import ndtr

from synthlearn.data.io import check_n_rows
from synthlearn.errors import ColumnError, InvalidParameterError
from synthlearn.generate import distributions

#: Rows per partition unless told otherwise (the unit of chunked and Dask generation).
PARTITION_ROWS = 1_000_000
TASKS = ("classification", "regression")
REGRESSIONS = ("linear", "friedman", "interactions", "thresholds")
MISSING = ("mcar", "mar")

#: make_table's defaults (TableGenerator takes the same keywords).
DEFAULTS = dict(task="classification", n_numeric=10, n_binary=0, n_categorical=0, n_categories=3, n_classes=2,
                n_informative=None, n_redundant=0, class_sep=1.0, weights=None, flip_y=0.0, noise=0.0,
                regression="linear", marginals=None, missing_rate=0.0, missing="mcar", outlier_rate=0.0,
                outlier_column=None, target_name="target")

# sub-streams of one partition's SeedSequence child
_LABEL, _LATENT, _FLIP, _MISSING, _OUTLIER, _NOISE = range(6)


def make_table(n_rows, *, task="classification", n_numeric=10, n_binary=0, n_categorical=0, n_categories=3,
               n_classes=2, n_informative=None, n_redundant=0, class_sep=1.0, weights=None, flip_y=0.0,
               noise=0.0, regression="linear", marginals=None, missing_rate=0.0, missing="mcar",
               outlier_rate=0.0, outlier_column=None, target_name="target", random_state=None,
               partition_rows=PARTITION_ROWS, return_info=False):
    """Make a labelled table of numeric, binary and categorical columns.

    Parameters
    ----------
    n_rows : int
        Number of rows.
    task : {"classification", "regression"}, default="classification"
    n_numeric, n_binary, n_categorical : int, default=10, 0, 0
        Number of columns of each type, named ``num_0..``, ``bin_0..``, ``cat_0..``.
    n_categories : int, default=3
        Categories per categorical column (labels ``a``, ``b``, ...).
    n_classes : int, default=2
        Classes of the target (classification); each appears at least once, even when
        ``weights`` or ``flip_y`` would leave one out of a short table.
    n_informative : int, optional
        Columns that carry the signal; default a fifth of the columns (at least 2, and
        enough for ``n_classes`` hypercube vertices).
    n_redundant : int, default=0
        Columns that are random linear combinations of the informative ones.
    class_sep : float, default=1.0
        Half the side of the hypercube the class centres sit on: larger is easier.
    weights : list of float, optional
        Class proportions (summing to 1); default balanced.
    flip_y : float, default=0.0
        Fraction of labels replaced by a random class.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to a regression target.
    regression : {"linear", "friedman", "interactions", "thresholds"}, default="linear"
    marginals : dict, optional
        ``{numeric column: family}`` with a scipy.stats family name (``"lognormal"``), or
        ``(name, params)``. The column is mapped monotonically onto that distribution,
        so its relationship with the label keeps its direction.
    missing_rate : float, default=0.0
        Fraction of feature cells set missing.
    missing : {"mcar", "mar"}, default="mcar"
        Completely at random, or more likely where another column is high.
    outlier_rate : float, default=0.0
        Fraction of rows with one numeric cell moved 6–10 standard deviations away, on a side the
        column's marginal allows (a count stays a whole number >= 0, a positive size positive; at
        the bound where neither side is far enough).
    outlier_column : str, optional
        Name of a boolean column marking those rows.
    target_name : str, default="target"
    random_state : int or None
        Seed; the same seed gives the same table.
    partition_rows : int, default=1_000_000
        Rows per partition (partition *i* draws from child *i* of ``SeedSequence(seed)``).
    return_info : bool, default=False
        Also return a dict with the true generating parameters.

    Returns
    -------
    pandas.DataFrame, or (DataFrame, dict) when ``return_info``

    Examples
    --------
    >>> from synthlearn.generate import make_table
    >>> df = make_table(1000, n_numeric=4, n_binary=1, n_categorical=1, random_state=0)
    >>> list(df.columns)
    ['num_0', 'num_1', 'num_2', 'num_3', 'bin_0', 'cat_0', 'target']
    """
    from synthlearn.generate.partitioned import check_partition_rows, generate_frame

    n_rows = check_n_rows(n_rows, "n_rows")
    partition_rows = check_partition_rows(partition_rows)
    generator = TableGenerator(task=task, n_numeric=n_numeric, n_binary=n_binary, n_categorical=n_categorical,
                               n_categories=n_categories, n_classes=n_classes, n_informative=n_informative,
                               n_redundant=n_redundant, class_sep=class_sep, weights=weights, flip_y=flip_y,
                               noise=noise, regression=regression, marginals=marginals,
                               missing_rate=missing_rate, missing=missing, outlier_rate=outlier_rate,
                               outlier_column=outlier_column, target_name=target_name, random_state=random_state)
    generator.check_rows(n_rows, partition_rows)
    df = generate_frame(generator, n_rows, partition_rows=partition_rows)
    return (df, generator.info()) if return_info else df


def _check_int(name, value, low, high=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise InvalidParameterError(f"{name} must be {bound}, got {value}")
    return int(value)


def _check_fraction(name, value, *, high_open=True):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InvalidParameterError(f"{name} must be a number in [0, 1), got {value!r}")
    if value < 0 or value > 1 or (high_open and value == 1):
        raise InvalidParameterError(f"{name} must be in [0, 1{')' if high_open else ']'}, got {value}")
    return float(value)


def _choice(name, value, allowed):
    if value not in allowed:
        raise InvalidParameterError(f"{name} must be one of {', '.join(allowed)}, got {value!r}"
                                    f"{distributions.suggest(value, allowed)}")
    return value


def seed_sequence(random_state) -> np.random.SeedSequence:
    """The root SeedSequence of a table: from an int seed, or fresh entropy for ``None``."""
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral) or random_state < 0:
        raise InvalidParameterError(f"random_state must be a non-negative integer or None, got {random_state!r}")
    return np.random.SeedSequence(int(random_state))


def partition_seed(root: np.random.SeedSequence, index: int) -> np.random.SeedSequence:
    """Child ``index`` of ``root``: the same as ``root.spawn(index + 1)[index]``, without spawning."""
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, index), pool_size=root.pool_size)


def _every_class(y, n_classes):
    """``y`` with each absent class given to one of the last rows of a class that has rows to spare."""
    counts = np.bincount(y, minlength=n_classes)
    if counts.all():
        return y
    y = y.copy()
    for c in np.flatnonzero(counts == 0):
        spare = np.flatnonzero(counts[y] > 1)
        if not len(spare):
            break
        counts[y[spare[-1]]] -= 1
        counts[c] += 1
        y[spare[-1]] = c
    return y


def _distinct_vertices(rng, n, k):
    """``n`` distinct random vertices of the ``k``-dimensional unit hypercube, as 0/1 rows."""
    if k <= 24:
        codes = rng.choice(2 ** k, n, replace=False)
        return ((codes[:, None] >> np.arange(k)[None, :]) & 1).astype(float)
    bits = rng.integers(0, 2, (n, k))
    while len(np.unique(bits, axis=0)) < n:  # a repeat among 2**25+ vertices: practically never
        bits = rng.integers(0, 2, (n, k))
    return bits.astype(float)


class TableGenerator:
    """The structure of a :func:`make_table` table (same keywords and defaults); draws any partition on demand.

    Validates the parameters and draws the structure (class centres, covariance
    map, coefficients, cut points) from ``SeedSequence(random_state)``.
    :meth:`partition` draws the rows of partition *i*. Picklable, so Dask
    workers can draw partitions.
    """

    def __init__(self, random_state=None, **params):
        unknown = [k for k in params if k not in DEFAULTS]
        if unknown:
            raise InvalidParameterError(f"unknown parameter {unknown[0]!r}{distributions.suggest(unknown[0], DEFAULTS)}; "
                                        f"parameters are those of make_table")
        self.params = {**DEFAULTS, **params}
        self.root = seed_sequence(random_state)
        self._validate()
        self._build(np.random.default_rng(self.root))

    # ------------------------------------------------------------ checking
    def _validate(self):
        p = self.params
        p["task"] = _choice("task", p["task"], TASKS)
        for name in ("n_numeric", "n_binary", "n_categorical"):
            p[name] = _check_int(name, p[name], 0)
        self.n_features = p["n_numeric"] + p["n_binary"] + p["n_categorical"]
        if self.n_features == 0:
            raise InvalidParameterError("n_numeric + n_binary + n_categorical is 0; ask for at least one column")
        p["n_categories"] = _check_int("n_categories", p["n_categories"], 2)
        classification = p["task"] == "classification"
        if classification:
            p["n_classes"] = _check_int("n_classes", p["n_classes"], 2)
        n_inf = p["n_informative"]
        if n_inf is None:
            n_inf = min(self.n_features, max(2, self.n_features // 5,
                                             math.ceil(math.log2(p["n_classes"])) if classification else 1))
        n_inf = _check_int("n_informative", n_inf, 1)
        if n_inf > self.n_features:
            raise InvalidParameterError(
                f"n_informative={n_inf} is more than the {self.n_features} feature columns "
                f"(n_numeric + n_binary + n_categorical); lower n_informative or add columns")
        p["n_informative"] = n_inf
        p["n_redundant"] = _check_int("n_redundant", p["n_redundant"], 0)
        if n_inf + p["n_redundant"] > self.n_features:
            raise InvalidParameterError(
                f"n_informative + n_redundant = {n_inf + p['n_redundant']} is more than the {self.n_features} "
                f"feature columns; lower them or add columns")
        if classification:
            if 2 ** n_inf < p["n_classes"]:
                raise InvalidParameterError(
                    f"n_classes={p['n_classes']} needs n_informative >= {math.ceil(math.log2(p['n_classes']))} "
                    f"(class centres sit on the 2**n_informative hypercube vertices); raise n_informative")
            sep = p["class_sep"]
            if isinstance(sep, bool) or not isinstance(sep, numbers.Real) or not math.isfinite(sep) or sep < 0:
                raise InvalidParameterError(f"class_sep must be a number >= 0, got {sep!r}")
            weights = p["weights"]
            if weights is None:
                weights = [1.0 / p["n_classes"]] * p["n_classes"]
            try:
                weights = np.asarray(weights, dtype=float)
            except (TypeError, ValueError):
                raise InvalidParameterError(f"weights must be a list of {p['n_classes']} numbers, got {weights!r}") from None
            if weights.ndim != 1 or len(weights) != p["n_classes"]:
                raise InvalidParameterError(f"weights must have one entry per class ({p['n_classes']}), "
                                            f"got {len(np.atleast_1d(weights))}")
            if (weights < 0).any() or not np.isfinite(weights).all():
                raise InvalidParameterError(f"weights must be non-negative, got {weights.tolist()}")
            if abs(weights.sum() - 1) > 1e-6:
                raise InvalidParameterError(f"weights must sum to 1, got {weights.tolist()} (sum {weights.sum():g}); "
                                            f"divide them by their sum")
            self.weights = weights
            p["flip_y"] = _check_fraction("flip_y", p["flip_y"], high_open=False)
        else:
            p["regression"] = _choice("regression", p["regression"], REGRESSIONS)
            if p["regression"] == "friedman" and n_inf < 5:
                raise InvalidParameterError(f"regression='friedman' needs n_informative >= 5, got {n_inf}")
            nz = p["noise"]
            if isinstance(nz, bool) or not isinstance(nz, numbers.Real) or not math.isfinite(nz) or nz < 0:
                raise InvalidParameterError(f"noise must be a number >= 0, got {nz!r}")
        p["missing_rate"] = _check_fraction("missing_rate", p["missing_rate"])
        p["missing"] = _choice("missing", p["missing"], MISSING)
        if p["missing"] == "mar" and p["missing_rate"] > 0 and self.n_features < 2:
            raise InvalidParameterError("missing='mar' needs at least 2 feature columns; use missing='mcar'")
        p["outlier_rate"] = _check_fraction("outlier_rate", p["outlier_rate"])
        if p["outlier_rate"] > 0 and p["n_numeric"] == 0:
            raise InvalidParameterError("outlier_rate > 0 needs at least one numeric column; set n_numeric >= 1")
        self.numeric = [f"num_{j}" for j in range(p["n_numeric"])]
        self.binary = [f"bin_{j}" for j in range(p["n_binary"])]
        self.categorical = [f"cat_{j}" for j in range(p["n_categorical"])]
        self.features = self.numeric + self.binary + self.categorical
        for name in ("target_name", "outlier_column"):
            value = p[name]
            if value is None and name == "outlier_column":
                continue
            if not isinstance(value, str) or not value:
                raise InvalidParameterError(f"{name} must be a non-empty string, got {value!r}")
            if value in self.features:
                raise InvalidParameterError(f"{name}={value!r} clashes with a feature column; choose another name")
        if p["outlier_column"] is not None and p["outlier_column"] == p["target_name"]:
            raise InvalidParameterError(f"outlier_column and target_name are both {p['target_name']!r}; "
                                        f"give them different names")
        marginals = p["marginals"] or {}
        if not isinstance(marginals, dict):
            raise InvalidParameterError(f"marginals must be a dict {{column: family}}, got {type(marginals).__name__}")
        self.marginals = {}
        for column, spec in marginals.items():
            if column not in self.numeric:
                raise ColumnError(f"marginals names {column!r}, which is not a numeric column"
                                  f"{distributions.suggest(column, self.numeric)} (numeric columns: num_0..)")
            name, params = (spec, {}) if isinstance(spec, str) else (spec if isinstance(spec, (tuple, list)) and len(spec) == 2
                                                                      else (None, None))
            where = f"marginals[{column!r}]"
            if name is None:
                raise InvalidParameterError(f"{where} must be a family name or (name, params), got {spec!r}")
            dist = distributions.resolve(name, where)
            params = distributions.check_parameters(dist, params, where, fill_defaults=True)
            if any(isinstance(v, str) for v in params.values()):
                raise InvalidParameterError(f"{where}: parameters must be numbers, got {params}")
            self.marginals[column] = (dist.name, params)

    def check_rows(self, n_rows: int, partition_rows: int | None = None) -> None:
        """Checks that depend on the number of rows (and rows per partition): every class must fit."""
        if self.params["task"] != "classification":
            return
        n_classes = self.params["n_classes"]
        if n_classes > n_rows:
            raise InvalidParameterError(f"n_classes={n_classes} is more than n_rows={n_rows}; "
                                        f"ask for more rows or fewer classes")
        if partition_rows is not None and n_classes > min(partition_rows, n_rows):
            raise InvalidParameterError(f"n_classes={n_classes} is more than partition_rows={partition_rows}; the "
                                        f"first partition holds every class, so raise partition_rows")

    # ------------------------------------------------------------ structure
    def _build(self, rng):
        p = self.params
        k, r, f = p["n_informative"], p["n_redundant"], self.n_features
        self.k, self.r = k, r
        # column c is cut from latent self.latent_of[c]; latents are [informative, redundant, noise]
        self.latent_of = rng.permutation(f)
        self.A = 2 * rng.random((k, k)) - 1
        self.B = 2 * rng.random((k, r)) - 1
        classification = p["task"] == "classification"
        n_groups = p["n_classes"] if classification else 1
        # latent j given class c ~ N(mu[c, j], sd[j]^2)
        mu = np.zeros((n_groups, f))
        sd = np.ones(f)
        if classification:
            bits = _distinct_vertices(rng, p["n_classes"], k)
            self.centres = (2 * bits - 1) * p["class_sep"]
            mu[:, :k] = self.centres
            mu[:, k:k + r] = self.centres @ self.B
            cov = self.A.T @ self.A
            sd[:k] = np.sqrt(np.diag(cov))
            sd[k:k + r] = np.sqrt(np.einsum("im,ij,jm->m", self.B, cov, self.B))
            self.group_weights = self.weights
        else:
            self.A = np.eye(k)
            sd[k:k + r] = np.sqrt((self.B ** 2).sum(axis=0))
            self.group_weights = np.ones(1)
        sd = np.maximum(sd, 1e-12)
        self.mu, self.sd = mu, sd
        # thresholds for binary columns and cut points for categorical ones, at latent quantiles
        self.thresholds = {}
        for j, name in enumerate(self.binary):
            lat = self.latent_of[p["n_numeric"] + j]
            self.thresholds[name] = float(self._latent_quantile(lat, rng.uniform(0.3, 0.7)))
        m = p["n_categories"]
        self.category_labels = [chr(97 + i) for i in range(m)] if m <= 26 else [f"c{i}" for i in range(m)]
        self.cuts, self.category_probs = {}, {}
        for j, name in enumerate(self.categorical):
            lat = self.latent_of[p["n_numeric"] + p["n_binary"] + j]
            probs = rng.dirichlet(np.full(m, 3.0))
            self.category_probs[name] = probs
            self.cuts[name] = np.array([self._latent_quantile(lat, q) for q in np.cumsum(probs)[:-1]])
        # which columns are informative / redundant / noise
        role = np.where(self.latent_of < k, "informative", np.where(self.latent_of < k + r, "redundant", "noise"))
        self.roles = dict(zip(self.features, role.tolist()))
        # column centres and spreads for outliers (after the marginal transform where there is one)
        from scipy import stats

        self.outlier_scale, self.outlier_support = {}, {}
        for name in self.numeric:
            lat = self.latent_of[self.numeric.index(name)]
            if name in self.marginals:
                fam, params = self.marginals[name]
                d = getattr(stats, fam)(**params)
                centre, spread = float(d.median()), float(d.std())
                low, high = (float(v) for v in d.support())
                self.outlier_support[name] = (low, high)  # a count or a positive size stays one
            else:
                w = self.group_weights
                mean = float(w @ mu[:, lat])
                centre, spread = mean, float(np.sqrt(sd[lat] ** 2 + w @ (mu[:, lat] - mean) ** 2))
            self.outlier_scale[name] = (centre, spread if np.isfinite(spread) and spread > 0 else 1.0)
        if p["missing"] == "mar":
            others = [rng.choice([d for d in range(f) if d != c]) for c in range(f)]
            self.missing_driver = {name: self.features[d] for name, d in zip(self.features, others)}
        if not classification:
            self._build_regression(rng)

    def _build_regression(self, rng):
        informative = [c for c in self.features if self.roles[c] == "informative"]
        self.informative = informative
        self.coef, self.effects = {}, {}
        for c in informative:
            if c in self.categorical:
                self.effects[c] = rng.uniform(-100, 100, self.params["n_categories"])
            else:
                self.coef[c] = float(rng.uniform(1, 100) * rng.choice([-1, 1]))
        self.bias = 0.0
        pairs = [(a, b) for i, a in enumerate(informative) for b in informative[i + 1:]]
        chosen = rng.permutation(len(pairs))[: max(1, len(informative) // 2)] if pairs else []
        self.interactions = {f"{pairs[i][0]}*{pairs[i][1]}": float(rng.uniform(25, 100) * rng.choice([-1, 1]))
                             for i in chosen}
        self.steps = {c: float(rng.normal(0, 0.5)) for c in informative}
        self.step_sizes = {c: self.coef.get(c, float(rng.uniform(1, 100) * rng.choice([-1, 1]))) for c in informative}

    def _latent_cdf(self, j, x):
        w = self.group_weights
        if len(w) == 1:
            return ndtr((x - self.mu[0, j]) / self.sd[j])
        out = np.zeros(np.shape(x))
        for c in range(len(w)):
            out += w[c] * ndtr((x - self.mu[c, j]) / self.sd[j])
        return out

    def _latent_quantile(self, j, q):
        from scipy.optimize import brentq

        lo = self.mu[:, j].min() - 10 * self.sd[j]
        hi = self.mu[:, j].max() + 10 * self.sd[j]
        return brentq(lambda x: float(self._latent_cdf(j, x)) - q, lo, hi, xtol=1e-10)

    # --------------------------------------------------------------- rows
    def partition(self, seed: np.random.SeedSequence, n: int, start: int = 0) -> pd.DataFrame:
        """The ``n`` rows of the partition whose SeedSequence child is ``seed``."""
        p = self.params
        streams = seed.spawn(6)
        classification = p["task"] == "classification"
        k, r, f = self.k, self.r, self.n_features
        latent = np.empty((f, n))
        rng = np.random.default_rng(streams[_LATENT])
        rng.standard_normal(out=latent[:k])
        if f > k + r:
            rng.standard_normal(out=latent[k + r:])
        if classification:
            y = np.searchsorted(np.cumsum(self.weights)[:-1], np.random.default_rng(streams[_LABEL]).random(n),
                                side="right")
            if start == 0:  # the first partition holds every class, however short the table or rare the class
                y = _every_class(y, p["n_classes"])
            if k > 1:
                latent[:k] = self.A.T @ latent[:k]
            else:
                latent[:k] *= self.A[0, 0]
            for j in range(k):  # one gather per column: much cheaper than a (k, n) fancy index
                latent[j] += np.take(self.centres[:, j], y)
        if r:
            latent[k:k + r] = self.B.T @ latent[:k]
        columns = {}
        nn, nb = p["n_numeric"], p["n_binary"]
        for j, name in enumerate(self.numeric):
            columns[name] = latent[self.latent_of[j]]
        for j, name in enumerate(self.binary):
            columns[name] = latent[self.latent_of[nn + j]] > self.thresholds[name]
        codes = {}
        code_type = np.int8 if p["n_categories"] <= 128 else np.int32  # int8 codes hold 128 categories at most
        for j, name in enumerate(self.categorical):
            codes[name] = np.searchsorted(self.cuts[name], latent[self.latent_of[nn + nb + j]]).astype(code_type)
        if classification:
            if p["flip_y"] > 0:
                frng = np.random.default_rng(streams[_FLIP])
                flip = frng.random(n) < p["flip_y"]
                y[flip] = frng.integers(0, p["n_classes"], int(flip.sum()))
                if start == 0:
                    y = _every_class(y, p["n_classes"])
            target = y.astype(np.int64)
        else:
            target = self._regression_target(latent, columns, codes, streams[_NOISE], n)
        for name, (fam, params) in self.marginals.items():
            from scipy import stats

            lat = self.latent_of[self.numeric.index(name)]
            u = np.clip(self._latent_cdf(lat, columns[name]), 1e-15, 1 - 1e-15)
            values = getattr(stats, fam)(**params).ppf(u)
            columns[name] = values.astype(np.int64) if distributions.is_discrete(getattr(stats, fam)) else values
        outlier_rows = outlier_which = None
        if p["outlier_rate"] > 0:
            orng = np.random.default_rng(streams[_OUTLIER])
            outlier_rows = np.flatnonzero(orng.random(n) < p["outlier_rate"])
            which = orng.integers(0, nn, len(outlier_rows))
            sign = orng.choice([-1.0, 1.0], len(outlier_rows))
            size = orng.uniform(6, 10, len(outlier_rows))
            for j, name in enumerate(self.numeric):
                rows = outlier_rows[which == j]
                if len(rows):
                    centre, spread = self.outlier_scale[name]
                    col = columns[name]
                    away = size[which == j] * spread
                    values = centre + sign[which == j] * away
                    if name in self.outlier_support:  # outside the family's support: the other side, else its bound
                        low, high = self.outlier_support[name]
                        values = np.where(values < low, centre + away, np.where(values > high, centre - away, values))
                        values = np.clip(values, low, high)
                    if col.dtype.kind in "iu":  # a discrete family's counts stay whole numbers
                        col, values = col.copy(), np.round(values)
                    elif col.dtype.kind != "f":
                        col = col.astype(float)
                    elif col.base is latent or col.base is not None:
                        col = col.copy()
                    col[rows] = values
                    columns[name] = col
            outlier_which = which
        if p["missing_rate"] > 0:
            self._apply_missing(columns, codes, latent, streams[_MISSING], n, outlier_rows, outlier_which)
        out = {}
        for name in self.features:
            if name in codes:
                out[name] = pd.Categorical.from_codes(codes[name], categories=self.category_labels)
            else:
                out[name] = columns[name]
        out[p["target_name"]] = target
        if p["outlier_column"] is not None:
            mark = np.zeros(n, dtype=bool)
            if outlier_rows is not None:
                mark[outlier_rows] = True
            out[p["outlier_column"]] = mark
        return pd.DataFrame(out, copy=False)

    def _regression_target(self, latent, columns, codes, seed, n):
        p = self.params
        kind = p["regression"]

        def feature(c):
            if c in codes:
                return self.effects[c][codes[c]]
            return columns[c].astype(float)

        if kind == "friedman":
            u = [ndtr(latent[self.latent_of[self.features.index(c)]]) for c in self.informative[:5]]
            y = 10 * np.sin(np.pi * u[0] * u[1]) + 20 * (u[2] - 0.5) ** 2 + 10 * u[3] + 5 * u[4]
        elif kind == "thresholds":
            y = np.full(n, self.bias)
            for c in self.informative:
                z = latent[self.latent_of[self.features.index(c)]]
                y += self.step_sizes[c] * (z > self.steps[c])
        else:
            y = np.full(n, self.bias)
            for c in self.informative:
                y += feature(c) if c in codes else self.coef[c] * feature(c)
            if kind == "interactions":
                for pair, g in self.interactions.items():
                    a, b = pair.split("*")
                    y += g * feature(a) * feature(b)
        if p["noise"] > 0:
            y = y + p["noise"] * np.random.default_rng(seed).standard_normal(n)
        return y

    def _apply_missing(self, columns, codes, latent, seed, n, outlier_rows, outlier_which):
        p = self.params
        rate = p["missing_rate"]
        mrng = np.random.default_rng(seed)
        for j, name in enumerate(self.features):
            draw = mrng.random(n)
            if p["missing"] == "mcar":
                mask = draw < rate
            else:
                d = self.features.index(self.missing_driver[name])
                lat = self.latent_of[d]
                u = self._latent_cdf(lat, latent[lat])
                mask = draw < rate + min(rate, 1 - rate) * (2 * u - 1)
            if outlier_rows is not None and name in self.numeric:
                mask[outlier_rows[outlier_which == self.numeric.index(name)]] = False  # keep injected outliers visible
            if name in codes:
                codes[name] = codes[name].copy()
                codes[name][mask] = -1
            elif columns[name].dtype == bool:
                columns[name] = pd.arrays.BooleanArray(columns[name], mask)
            elif columns[name].dtype.kind in "iu":
                columns[name] = pd.arrays.IntegerArray(columns[name], mask)
            else:
                col = columns[name].copy() if columns[name].base is not None else columns[name]
                col[mask] = np.nan
                columns[name] = col

    # --------------------------------------------------------------- truth
    def info(self) -> dict:
        """The true generating parameters."""
        p = self.params
        info = {
            "task": p["task"],
            "seed_entropy": self.root.entropy,
            "columns": {"numeric": self.numeric, "binary": self.binary, "categorical": self.categorical},
            "informative": [c for c in self.features if self.roles[c] == "informative"],
            "redundant": [c for c in self.features if self.roles[c] == "redundant"],
            "noise": [c for c in self.features if self.roles[c] == "noise"],
            "latent_of_column": dict(zip(self.features, self.latent_of.tolist())),
            "binary_thresholds": dict(self.thresholds),
            "categorical_cuts": {c: v.tolist() for c, v in self.cuts.items()},
            "categories": list(self.category_labels),
            "marginals": dict(self.marginals),
            "missing_rate": p["missing_rate"],
            "missing": p["missing"],
            "outlier_rate": p["outlier_rate"],
            "target_name": p["target_name"],
        }
        if p["missing"] == "mar":
            info["missing_drivers"] = dict(self.missing_driver)
        if p["task"] == "classification":
            info.update(n_classes=p["n_classes"], class_centres=self.centres.copy(), covariance_map=self.A.copy(),
                        redundant_map=self.B.copy(), weights=self.weights.tolist(), class_sep=p["class_sep"],
                        flip_y=p["flip_y"])
        else:
            info.update(regression=p["regression"], coefficients=dict(self.coef),
                        category_effects={c: dict(zip(self.category_labels, v.tolist())) for c, v in self.effects.items()},
                        bias=self.bias, noise=p["noise"], redundant_map=self.B.copy())
            if p["regression"] == "interactions":
                info["interactions"] = dict(self.interactions)
            if p["regression"] == "thresholds":
                info["steps"] = {c: {"latent_threshold": self.steps[c], "size": self.step_sizes[c]}
                                 for c in self.informative}
            if p["regression"] == "friedman":
                info["friedman_inputs"] = self.informative[:5]
        return info
