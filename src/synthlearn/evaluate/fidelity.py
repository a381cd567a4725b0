"""Fidelity: does the synthetic table look like the real one?

- **Column shapes**: per column, 1 − Kolmogorov-Smirnov statistic for numbers
  and datetimes, 1 − total variation distance for categories (missing counted
  as a category). 1 is identical.
- **Column pairs**: per pair of columns, the similarity of an association
  measure computed on each table: Pearson correlation for two numeric columns
  (1 − |r − r'| / 2), Cramér's V for two categorical columns and the
  correlation ratio η for a numeric and a categorical column (1 − |a − a'|).
- **Detection**: cross-validated ROC AUC of a gradient-boosting classifier
  trained to tell real rows from synthetic ones; 0.5 means indistinguishable.
  Categories are one-hot encoded, those of a column with more than
  :data:`DETECTION_MAX_ONEHOT` levels (zip codes, comments, ids kept as
  categories) one integer code each.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from synthlearn.data.schema import ColumnKind, Schema, conform
from synthlearn.learn.preprocessing import prepare_frame

#: Detection encodes a categorical column with more levels than this as one ordinal code, not one-hot: one-hot
#: memory grows with rows x levels (200,000 rows and a zip code column ran out of 23 GB).
DETECTION_MAX_ONEHOT = 100


def _conformed(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema):
    """Both tables with the schema's kinds (:func:`~synthlearn.data.schema.conform`); cheap when they already are."""
    real = conform(real, schema, table="real")
    return real, conform(synthetic, schema, table="synthetic", like=real)


def _numbers(df: pd.DataFrame, schema: Schema, column: str) -> np.ndarray:
    return prepare_frame(df[[column]], {column: schema[column].value})[column].to_numpy(dtype=float)


def _labels(df: pd.DataFrame, schema: Schema, column: str) -> np.ndarray:
    return prepare_frame(df[[column]], {column: schema[column].value})[column].to_numpy(dtype=object)


def column_shape(real: pd.Series, synthetic: pd.Series, kind: ColumnKind) -> tuple[str, float]:
    """Similarity of one column's distribution in two tables, in [0, 1]."""
    name = real.name
    kinds = {name: kind.value}
    r = prepare_frame(real.to_frame(), kinds)[name]
    s = prepare_frame(synthetic.to_frame(), kinds)[name]
    if kind.is_numeric:
        r, s = r.dropna().to_numpy(), s.dropna().to_numpy()
        if len(r) == 0 or len(s) == 0:
            return "ks_complement", float(len(r) == len(s))
        return "ks_complement", float(1.0 - stats.ks_2samp(r, s).statistic)
    pr = r.value_counts(normalize=True)
    ps = s.value_counts(normalize=True)
    tvd = 0.5 * pr.subtract(ps, fill_value=0.0).abs().sum()
    return "tv_complement", float(1.0 - tvd)


def column_shapes(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """One row per modelled column: metric, score, and missing rates."""
    real, synthetic = _conformed(real, synthetic, schema)
    rows = []
    for column in schema.modelled:
        metric, score = column_shape(real[column], synthetic[column], schema[column])
        rows.append({
            "column": column,
            "kind": schema[column].value,
            "metric": metric,
            "score": score,
            "missing_real": float(real[column].isna().mean()),
            "missing_synthetic": float(synthetic[column].isna().mean()),
        })
    return pd.DataFrame(rows)


def cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Cramér's V of two label arrays (0 = independent, 1 = determined)."""
    table = pd.crosstab(a, b).to_numpy(dtype=float)
    if min(table.shape) < 2:
        return 0.0
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    return float(np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1))))


def correlation_ratio(labels: np.ndarray, values: np.ndarray) -> float:
    """Correlation ratio η of numbers grouped by labels (missing numbers dropped)."""
    keep = ~np.isnan(values)
    labels, values = labels[keep], values[keep]
    if values.size < 2 or np.ptp(values) == 0:  # not np.var: n copies of 0.1 have a variance of rounding error
        return 0.0
    codes, _ = pd.factorize(labels)
    counts = np.bincount(codes)
    means = np.bincount(codes, weights=values) / counts
    between = np.sum(counts * (means - values.mean()) ** 2)
    return float(min(1.0, np.sqrt(between / np.sum((values - values.mean()) ** 2))))


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:  # not std: see pearson_matrix
        return 0.0
    return float(np.clip(np.corrcoef(a, b)[0, 1], -1.0, 1.0))


def pearson_matrix(values: np.ndarray) -> np.ndarray:
    """Pearson correlations of the columns of a 2-D float array, each pair as :func:`pearson` computes it.

    Rows missing either value are dropped pair by pair; a pair with under two
    rows left or a constant column scores 0. One matrix product instead of a
    loop over pairs (500 columns: 124,750 pairs).

    Constant is max == min: the standard deviation of n equal floats (0.1, 3.3)
    is rounding error above 0, which would correlate such a column ±1 with any
    other constant one.
    """
    k = values.shape[1]
    if k == 0:
        return np.zeros((0, 0))
    missing = np.isnan(values)
    live = (np.fmax.reduce(values, axis=0) - np.fmin.reduce(values, axis=0) > 0) if len(values) else np.zeros(k, bool)
    if missing.any():  # pairwise-complete rows: pandas' compiled loop
        out = pd.DataFrame(values).corr(min_periods=2).to_numpy(copy=True)  # NaN (-> 0) where pearson() says 0
        out[~live, :] = out[:, ~live] = 0.0
    else:
        out = np.zeros((k, k))
        if len(values) >= 2 and live.any():
            out[np.ix_(live, live)] = np.corrcoef(values[:, live], rowvar=False).reshape(live.sum(), live.sum())
    out = np.clip(np.nan_to_num(out, nan=0.0), -1.0, 1.0)
    np.fill_diagonal(out, 1.0)
    return out


def association(df: pd.DataFrame, schema: Schema, a: str, b: str, cache: dict | None = None) -> tuple[str, float]:
    """The association measure of two columns and its value.

    ``cache`` (one dict per table) keeps each column's values and, once two
    numeric columns are asked for, the Pearson matrix of all numeric columns.
    """
    cache = {} if cache is None else cache

    def get(col):
        if col not in cache:
            cache[col] = _numbers(df, schema, col) if schema[col].is_numeric else _labels(df, schema, col)
        return cache[col]

    ka, kb = schema[a].is_numeric, schema[b].is_numeric
    if ka and kb:
        if _PEARSON not in cache:
            numeric = [c for c in schema.modelled if schema[c].is_numeric and c in df.columns]
            values = np.column_stack([get(c) for c in numeric]) if numeric else np.zeros((len(df), 0))
            cache[_PEARSON] = ({c: i for i, c in enumerate(numeric)}, pearson_matrix(values))
        where, matrix = cache[_PEARSON]
        if a in where and b in where:
            return "pearson", float(matrix[where[a], where[b]])
        return "pearson", pearson(get(a), get(b))
    if not ka and not kb:
        return "cramers_v", cramers_v(get(a), get(b))
    num, cat = (a, b) if ka else (b, a)
    return "correlation_ratio", correlation_ratio(get(cat), get(num))


_PEARSON = ("pearson matrix",)  # cache key no column name can clash with (names are strings)


def association_matrix(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Square matrix of pairwise associations of the modelled columns."""
    columns = schema.modelled
    mat = np.eye(len(columns))
    cache: dict = {}
    for (i, a), (j, b) in itertools.combinations(enumerate(columns), 2):
        mat[i, j] = mat[j, i] = association(df, schema, a, b, cache)[1]
    return pd.DataFrame(mat, index=columns, columns=columns)


def column_pairs(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """One row per column pair: measure, real and synthetic values, similarity score."""
    real, synthetic = _conformed(real, synthetic, schema)
    rows = []
    cr: dict = {}
    cs: dict = {}
    for a, b in itertools.combinations(schema.modelled, 2):
        metric, vr = association(real, schema, a, b, cr)
        _, vs = association(synthetic, schema, a, b, cs)
        diff = abs(vr - vs) / (2.0 if metric == "pearson" else 1.0)
        rows.append({"column_a": a, "column_b": b, "metric": metric, "real": vr, "synthetic": vs,
                     "score": float(1.0 - diff)})
    return pd.DataFrame(rows, columns=["column_a", "column_b", "metric", "real", "synthetic", "score"])


def detection_auc(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, *, random_state=0,
                  n_splits: int = 5) -> float:
    """Cross-validated ROC AUC of a classifier telling real from synthetic (0.5 is best)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from threadpoolctl import threadpool_limits

    real, synthetic = _conformed(real, synthetic, schema)
    both = pd.concat([real[schema.modelled], synthetic[schema.modelled]], ignore_index=True)
    for column in schema.modelled:  # concat of differing categoricals falls back to object
        if schema[column].is_discrete:
            both[column] = both[column].astype(object)
    y = np.r_[np.zeros(len(real)), np.ones(len(synthetic))]
    n_splits = int(min(n_splits, len(real), len(synthetic)))
    if n_splits < 2:
        return float("nan")
    model = _detection_model(both, schema, random_state)
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    # OpenMP threads on tables this small cost far more in spin-waiting than they
    # save (70x slower seen on a busy 2-core machine): one thread.
    with threadpool_limits(limits=1, user_api="openmp"):
        return float(np.mean(cross_val_score(model, both, y, cv=cv, scoring="roc_auc")))


def _detection_model(both: pd.DataFrame, schema: Schema, random_state):
    """The unfitted real-vs-synthetic classifier for the rows ``both``: preprocessing and gradient boosting."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline

    from synthlearn.learn.preprocessing import make_preprocessor

    # leaves of 20 rows (the default) cannot split a fold of under 40 rows: the AUC would be exactly 0.5
    # whatever the tables; small tables get leaves small enough to split (20 from 800 rows on)
    leaf = int(np.clip(len(both) // 40, 2, 20))
    many = [c for c in schema.modelled if schema[c].is_discrete and both[c].nunique() > DETECTION_MAX_ONEHOT]
    return make_pipeline(make_preprocessor(schema, schema.modelled, scale=False, ordinal=many),
                         HistGradientBoostingClassifier(max_iter=100, min_samples_leaf=leaf,
                                                        random_state=random_state))
