"""Unsupervised learning on any table: k-means clusters with profiles, and PCA reductions.

Both read the schema, so the same preprocessing (imputation, scaling, one-hot
codes, identifiers dropped) puts every column on one footing first.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthlearn.data.schema import Schema, infer_schema
from synthlearn.errors import DataError, InvalidParameterError


@dataclass
class ClusterResult:
    """What :func:`cluster` found.

    Attributes
    ----------
    labels : ndarray of shape (n_rows,)
        Cluster of each row (0 .. k-1).
    k : int
    scores : DataFrame
        One row per k tried: ``inertia``, ``silhouette`` (index ``k``).
    profiles : DataFrame
        One row per cluster (index ``cluster``): ``size``, ``share``, the mean
        of each numeric column and the most common value of each categorical
        one. Where the table has a column ``size``, ``share`` or ``cluster``,
        the added one is named ``size_2`` (and so on) instead.
    pipeline : sklearn.pipeline.Pipeline
        Preprocessing and the fitted ``KMeans``.
    """

    labels: np.ndarray
    k: int
    scores: pd.DataFrame
    profiles: pd.DataFrame
    pipeline: object

    def plot_png(self) -> bytes:
        """Inertia and silhouette against k, as PNG bytes."""
        from synthlearn.learn.report import line_png, png_bytes

        s = self.scores
        return png_bytes(line_png(s.index.to_numpy(), {"inertia": s["inertia"], "silhouette": s["silhouette"]},
                                  "k (clusters)", f"k-means: chosen k = {self.k}", marker_x=self.k))


@dataclass
class ReduceResult:
    """What :func:`reduce` found.

    Attributes
    ----------
    table : DataFrame
        ``PC1`` .. ``PCk`` (PCA) or ``AE1`` .. ``AEk`` (autoencoder) per row, after
        the identifier columns when the schema has them.
    explained_variance_ratio : ndarray of shape (n_components,) or None
        PCA only.
    pipeline : sklearn.pipeline.Pipeline
        Preprocessing and the fitted ``PCA`` or ``Autoencoder``.
    method : {"pca", "autoencoder"}
    reconstruction_r2 : float
        Share of the encoded table's variance that decoding the reduced rows
        gives back (for PCA: the cumulative explained variance).
    pca_r2 : float
        The same for PCA with as many components, for comparison.
    """

    table: pd.DataFrame
    explained_variance_ratio: np.ndarray | None
    pipeline: object
    method: str = "pca"
    reconstruction_r2: float = float("nan")
    pca_r2: float = float("nan")

    @property
    def variance(self) -> pd.DataFrame:
        """Explained variance per component and cumulated."""
        r = self.explained_variance_ratio
        return pd.DataFrame({"explained_variance_ratio": r, "cumulative": np.cumsum(r)},
                            index=pd.Index([f"PC{i + 1}" for i in range(len(r))], name="component"))

    def plot_png(self) -> bytes:
        """Explained variance (per component and cumulated) as PNG bytes."""
        from synthlearn.learn.report import line_png, png_bytes

        v = self.variance
        x = np.arange(1, len(v) + 1)
        return png_bytes(line_png(x, {"explained variance": v["explained_variance_ratio"],
                                      "cumulative": v["cumulative"]}, "component", "PCA explained variance"))


def _prepared(df: pd.DataFrame, schema: Schema | None):
    from synthlearn.learn.preprocessing import make_preprocessor

    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(df).__name__}")
    schema = schema if schema is not None else infer_schema(df)
    features = schema.modelled
    if not features:
        raise DataError("the table has no columns to learn from (only identifiers); add feature columns")
    pre = make_preprocessor(schema, features, scale=True, expand_datetimes=True, missing_indicators=False)
    return schema, features, pre


def cluster(df: pd.DataFrame, k="auto", schema: Schema | None = None, *, k_range=(2, 10), random_state=0,
            sample_size: int = 2000) -> ClusterResult:
    """Group rows with k-means.

    Parameters
    ----------
    df : DataFrame
    k : int or "auto", default="auto"
        Number of clusters; ``"auto"`` tries every k in ``k_range`` and keeps
        the one with the highest silhouette (on at most ``sample_size`` rows).
    schema : Schema, optional
    k_range : (int, int), default=(2, 10)
        Smallest and largest k tried by ``"auto"`` (capped at rows - 1).
    random_state : int, default=0
    sample_size : int, default=2000
        Rows used to compute silhouettes.

    Returns
    -------
    ClusterResult

    Examples
    --------
    >>> from synthlearn.data import load_dataset
    >>> from synthlearn.learn import cluster
    >>> int(cluster(load_dataset("penguins"), k=3).profiles["size"].sum())
    344
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.pipeline import Pipeline

    schema, features, pre = _prepared(df, schema)
    n = len(df)
    if k == "auto":
        lo, hi = k_range
        if not (isinstance(lo, numbers.Integral) and isinstance(hi, numbers.Integral) and 2 <= lo <= hi):
            raise InvalidParameterError(f"k_range must be two whole numbers 2 <= low <= high, got {k_range!r}")
        hi = min(hi, n - 1)
        if hi < lo:
            raise DataError(f"the table has {n} rows; choosing k automatically needs at least {lo + 1}")
        ks = list(range(lo, hi + 1))
    elif isinstance(k, numbers.Integral) and not isinstance(k, bool) and 1 <= k <= n:
        ks = [int(k)]
    else:
        raise InvalidParameterError(f"k must be 'auto' or a whole number between 1 and the {n} rows, got {k!r}")
    X = pre.fit_transform(df[features])
    rng = np.random.default_rng(random_state)
    sample = rng.choice(n, size=min(n, sample_size), replace=False)
    rows, fitted = [], {}
    for kk in ks:
        km = KMeans(n_clusters=kk, n_init=4, random_state=random_state)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            labels = km.fit_predict(X)
        distinct = np.unique(labels[sample]).size
        sil = float(silhouette_score(X[sample], labels[sample])) if 2 <= distinct < len(sample) else float("nan")
        rows.append({"k": kk, "inertia": float(km.inertia_), "silhouette": sil})
        fitted[kk] = (km, labels)
    scores = pd.DataFrame(rows).set_index("k")
    if len(ks) > 1 and scores["silhouette"].isna().all():
        raise DataError(f"no k from {ks[0]} to {ks[-1]} splits the rows into groups a silhouette can score (the "
                        f"rows are alike once encoded); give k (--k) yourself")
    best = int(scores["silhouette"].idxmax()) if len(ks) > 1 else ks[0]
    km, labels = fitted[best]
    pipeline = Pipeline([("preprocess", pre), ("model", km)])
    return ClusterResult(labels=labels, k=best, scores=scores, profiles=profiles(df, schema, labels),
                         pipeline=pipeline)


def unused_name(name: str, taken) -> str:
    """``name``, or else the first of ``name_2``, ``name_3``... that is not in ``taken`` (the table's columns)."""
    taken, candidate, i = {str(c) for c in taken}, name, 1
    while candidate in taken:
        i += 1
        candidate = f"{name}_{i}"
    return candidate


def profiles(df: pd.DataFrame, schema: Schema, labels: np.ndarray) -> pd.DataFrame:
    """Per cluster: size, share, mean of numeric columns, most common value of categorical ones.

    ``size``, ``share`` and the index name ``cluster`` become ``size_2``...
    (:func:`unused_name`) when the table has a column of that name.
    """
    from synthlearn.learn.preprocessing import prepare_frame

    plain = prepare_frame(df, {c: schema[c].value for c in schema.modelled}, schema.formats)
    size, share = unused_name("size", df.columns), unused_name("share", df.columns)
    out = pd.DataFrame({size: pd.Series(labels).value_counts().sort_index()})
    out.index.name = unused_name("cluster", df.columns)
    out[share] = out[size] / len(labels)
    groups = plain.groupby(np.asarray(labels))
    columns = {}  # joined at once: one insert per column fragments a wide table (a PerformanceWarning each)
    for column in plain.columns:
        kind = schema[column]
        if kind.is_numeric:
            means = groups[column].mean()
            if kind.value == "datetime":
                means = pd.to_datetime(means * 1e9, unit="ns").dt.round("s").astype(str)  # not to the nanosecond
            columns[column] = means
        else:
            columns[column] = groups[column].agg(lambda s: s.value_counts().index[0])
    return pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1) if columns else out


def reduce(df: pd.DataFrame, components=2, schema: Schema | None = None, *, method: str = "pca",
           random_state=0, verbose: bool = False) -> ReduceResult:
    """Project rows onto their principal components, or encode them with an autoencoder.

    Parameters
    ----------
    df : DataFrame
    components : int or float, default=2
        A whole number of components, or a fraction in (0, 1): the fewest
        components explaining at least that share of the variance (PCA only).
    schema : Schema, optional
    method : {"pca", "autoencoder"}, default="pca"
        ``"autoencoder"`` trains a :class:`synthlearn.autoencoders.Autoencoder`
        with a code of ``components`` units on the standardised table — a
        nonlinear reduction; PCA's figure is computed beside it.
    random_state : int, default=0
    verbose : bool, default=False
        Training progress of the autoencoder on stderr.

    Returns
    -------
    ReduceResult

    Examples
    --------
    >>> from synthlearn.data import load_dataset
    >>> from synthlearn.learn import reduce
    >>> reduce(load_dataset("penguins"), 2).table.shape
    (344, 2)
    """
    from sklearn.decomposition import PCA
    from sklearn.pipeline import Pipeline

    schema, features, pre = _prepared(df, schema)
    X = pre.fit_transform(df[features])
    if not np.any(np.ptp(np.asarray(X, dtype=float), axis=0) > 0):
        raise DataError("every column of the table is constant, so there is no variance to reduce; "
                        "give a table whose rows differ")
    limit = min(X.shape)
    if isinstance(components, numbers.Integral) and not isinstance(components, bool):
        if not 1 <= components <= limit:
            raise InvalidParameterError(f"components must be between 1 and {limit} (the encoded table has "
                                        f"{X.shape[1]} columns and {X.shape[0]} rows), got {components}")
    elif isinstance(components, numbers.Real) and 0 < components < 1:
        components = float(components)
    else:
        raise InvalidParameterError(f"components must be a whole number >= 1 or a variance fraction in (0, 1), "
                                    f"got {components!r}")
    if method not in ("pca", "autoencoder"):
        raise InvalidParameterError(f"method must be 'pca' or 'autoencoder', got {method!r}")
    if method == "autoencoder" and not isinstance(components, numbers.Integral):
        raise InvalidParameterError(f"method='autoencoder' needs a whole number of components, got {components!r}")
    pca = PCA(n_components=components, svd_solver="full", random_state=random_state)
    Z = pca.fit_transform(X)
    pca_r2 = float(np.sum(pca.explained_variance_ratio_))
    prefix, model, r2 = "PC", pca, pca_r2
    if method == "autoencoder":
        from synthlearn.autoencoders import Autoencoder

        X = np.asarray(X, dtype=np.float64)
        model = Autoencoder(code_size=int(components), loss="mse", random_state=random_state, verbose=verbose)
        Z = model.fit_transform(X)
        total = float(np.sum((X - X.mean(axis=0)) ** 2))
        r2 = 1 - float(np.sum((model.reconstruct(X) - X) ** 2)) / total if total > 0 else float("nan")
        prefix = "AE"
    table = pd.DataFrame(Z, columns=[f"{prefix}{i + 1}" for i in range(Z.shape[1])])
    for column in reversed(schema.columns_of("identifier")):
        table.insert(0, column, df[column].to_numpy())
    pipeline = Pipeline([("preprocess", pre), ("model", model)])
    return ReduceResult(table=table, explained_variance_ratio=pca.explained_variance_ratio_ if method == "pca"
                        else None, pipeline=pipeline, method=method, reconstruction_r2=r2, pca_r2=pca_r2)
