"""Coverage: does the synthetic table keep the real table's rare categories, tails and outliers?

Synthesizers smooth: they tend to drop what is rare. Three checks, each a
figure where 1 is best, computed against the real training rows:

- **Rare categories**: the categories of a categorical or boolean column whose
  real frequency is below ``threshold`` (missing values are not a category
  here). ``rare_category_coverage`` is the share of them that appear at all
  (SDMetrics' *CategoryCoverage*, restricted to the rare categories;
  ``category_coverage`` is the plain version over every category, averaged
  over columns), and ``rare_frequency_ratio`` is their total frequency in the
  table over their total real frequency (1: kept at their real rate; 0:
  dropped; above 1: inflated). The per-category table gives each one's ratio.
- **Numeric range and tails**: ``range_coverage`` is SDMetrics'
  *RangeCoverage*, ``1 − (max(0, (min' − min) / (max − min)) + max(0, (max −
  max') / (max − min)))``, the share of the real range the table's values
  span (going beyond it is not penalised here). ``tail_ratio`` is the share
  of the table's values below the real 1st or above the real 99th percentile
  over the same share of the real values (about 0.02): 0 means clipped tails,
  above 1 heavier tails than the real data. Both are averaged over the
  numeric, integer and datetime columns; missing values are left out. A
  column whose real values have no tail (few distinct whole numbers) has no
  ratio.
- **Outlier rows**: an Isolation Forest (Liu, Ting & Zhou, 2008) fitted on the
  real rows in the Gower space of the privacy check flags the most isolated
  ``contamination`` share of them. The same fitted detector flags a share of
  the table's rows: ``outlier_ratio`` is that share over the real share (1:
  as many outliers as real data; below 1: outliers dropped; well above 1:
  implausible rows invented). ``outlier_coverage`` asks whether the real
  outliers themselves are represented: the share of real outlier rows with a
  row of the table inside a ball around them, the *coverage* of Naeem et al.
  (2020, "Reliable fidelity and diversity metrics for generative models")
  restricted to the outliers. Naeem et al. give each real row the radius of
  its own 5-nearest-neighbour ball; an isolated row's ball reaches the bulk
  of the data, so any table would cover it. Here every ball has the typical
  radius instead: the median over real rows of the Gower-space distance to
  the 5th nearest real neighbour.

The report computes every figure for the real holdout too (the ceiling: what
fresh real data scores; a holdout smaller than the training table covers a
little less of the range and of the outliers by chance alone).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthlearn.data.schema import Schema
from synthlearn.errors import InvalidParameterError
from synthlearn.learn.preprocessing import MISSING_LABEL, prepare_frame

TAIL_PERCENTILES = (1.0, 99.0)
NEIGHBOURS = 5
RADIUS_PROBES = 1000  # real rows whose neighbour distance estimates the typical radius


def check_share(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not 0 < float(value) < 0.5:
        raise InvalidParameterError(f"{name} must be a share between 0 and 0.5 (exclusive), got {value!r}; "
                                    f"e.g. {name}=0.05")
    return float(value)


def rare_categories(real: pd.DataFrame, other: pd.DataFrame, schema: Schema, *,
                    threshold: float = 0.05) -> pd.DataFrame:
    """One row per rare real category of every categorical and boolean column.

    Returns
    -------
    DataFrame
        ``column``, ``category``, ``real_count``, ``real_frequency`` (in the
        real table), ``frequency`` (in ``other``) and ``ratio``
        (frequency / real_frequency).
    """
    threshold = check_share(threshold, "rare_threshold")
    rows = []
    for column in schema.modelled:
        if not schema[column].is_discrete:
            continue
        kinds = {column: schema[column].value}
        r = prepare_frame(real[[column]], kinds)[column]
        o = prepare_frame(other[[column]], kinds)[column]
        counts = r.value_counts()
        counts = counts[counts.index != MISSING_LABEL]
        freq = counts / max(len(r), 1)
        theirs = o.value_counts() / max(len(o), 1)
        for category in freq.index[freq < threshold]:
            f = float(theirs.get(category, 0.0))
            rows.append({"column": column, "category": str(category), "real_count": int(counts[category]),
                         "real_frequency": float(freq[category]), "frequency": f, "ratio": f / float(freq[category])})
    return pd.DataFrame(rows, columns=["column", "category", "real_count", "real_frequency", "frequency", "ratio"])


def category_coverage(real: pd.DataFrame, other: pd.DataFrame, schema: Schema) -> float:
    """Mean over categorical and boolean columns of the share of real categories present in ``other``."""
    shares = []
    for column in schema.modelled:
        if schema[column].is_discrete:
            kinds = {column: schema[column].value}
            r = set(prepare_frame(real[[column]], kinds)[column]) - {MISSING_LABEL}
            o = set(prepare_frame(other[[column]], kinds)[column])
            if r:
                shares.append(len(r & o) / len(r))
    return float(np.mean(shares)) if shares else float("nan")


def numeric_coverage(real: pd.DataFrame, other: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """One row per numeric, integer and datetime column: range coverage and tail shares.

    Returns
    -------
    DataFrame
        ``column``, ``range_coverage``, ``tail_low`` and ``tail_high`` (shares
        of ``other``'s values below the real 1st and above the real 99th
        percentile), ``tail`` (their sum), ``tail_real`` (the same share of
        the real values) and ``tail_ratio`` (tail / tail_real; NaN when the
        real values have no tail).
    """
    rows = []
    for column in schema.modelled:
        if not schema[column].is_numeric:
            continue
        kinds = {column: schema[column].value}
        r = prepare_frame(real[[column]], kinds)[column].to_numpy(dtype=float)
        o = prepare_frame(other[[column]], kinds)[column].to_numpy(dtype=float)
        r, o = r[~np.isnan(r)], o[~np.isnan(o)]
        row = {"column": column, "range_coverage": np.nan, "tail_low": np.nan, "tail_high": np.nan, "tail": np.nan,
               "tail_real": np.nan, "tail_ratio": np.nan}
        if r.size and o.size:
            lo, hi = r.min(), r.max()
            span = hi - lo
            if span > 0:
                missed = max(0.0, (o.min() - lo) / span) + max(0.0, (hi - o.max()) / span)
                row["range_coverage"] = float(max(0.0, 1.0 - missed))
            else:
                row["range_coverage"] = float(np.any(o == lo))
            q_lo, q_hi = np.percentile(r, TAIL_PERCENTILES)
            row["tail_low"], row["tail_high"] = float(np.mean(o < q_lo)), float(np.mean(o > q_hi))
            row["tail"] = row["tail_low"] + row["tail_high"]
            row["tail_real"] = float(np.mean((r < q_lo) | (r > q_hi)))
            if row["tail_real"] > 0:
                row["tail_ratio"] = row["tail"] / row["tail_real"]
        rows.append(row)
    return pd.DataFrame(rows, columns=["column", "range_coverage", "tail_low", "tail_high", "tail", "tail_real",
                                       "tail_ratio"])


class OutlierDetector:
    """An Isolation Forest on the real rows' Gower embedding that flags outliers in any table.

    The forest reads the embedding of :class:`~synthlearn.evaluate.privacy.GowerSpace`;
    a category it keeps as codes (more than ``GowerSpace.MAX_ONEHOT_LEVELS``
    levels) is read as its level's real frequency, so that rows of a rare
    level are the isolated ones.

    Parameters
    ----------
    real : DataFrame
        The real rows; the most isolated ``contamination`` share of them are the real outliers.
    schema : Schema
    contamination : float, default=0.02
    random_state : int, default=0

    Attributes
    ----------
    real_outliers_ : ndarray of bool, shape (len(real),)
    real_rate_ : float
        Share of real rows flagged.
    radius_ : float
        The typical real neighbourhood radius of ``outlier_coverage``, a Gower distance.
    """

    def __init__(self, real: pd.DataFrame, schema: Schema, *, contamination: float = 0.02, random_state=0):
        from sklearn.ensemble import IsolationForest

        from synthlearn.evaluate.privacy import ClosestRecord, GowerSpace

        contamination = check_share(contamination, "contamination")
        self.space = GowerSpace(real, schema)
        embedding, codes = self.space.embed(real)
        # share of real rows per code; the last code, levels unseen in the real rows, has none
        self.frequencies_ = [np.bincount(codes[:, j], minlength=len(self.space.levels[c]) + 1) / max(len(real), 1)
                             for j, c in enumerate(self.space.coded)]
        x = self._features(embedding, codes)
        self.forest = IsolationForest(n_estimators=100, contamination=contamination, random_state=random_state)
        self.real_outliers_ = self.forest.fit(x).predict(x) == -1
        self.real_rate_ = float(self.real_outliers_.mean())
        self.outlier_rows_ = real.iloc[self.real_outliers_]
        k = min(NEIGHBOURS + 1, len(real))  # +1: each row is its own nearest real row
        self.radius_ = 0.0
        if k > 1:
            probe = real.iloc[np.random.default_rng(random_state).permutation(len(real))[:RADIUS_PROBES]]
            self.radius_ = float(np.median(ClosestRecord(real, schema, space=self.space).distances(probe, k=k)))

    def _features(self, embedding: np.ndarray, codes: np.ndarray) -> np.ndarray:
        return np.column_stack([embedding] + [f[codes[:, j]] for j, f in enumerate(self.frequencies_)])

    def flags(self, df: pd.DataFrame) -> np.ndarray:
        """True for the rows of ``df`` the detector calls outliers."""
        return self.forest.predict(self._features(*self.space.embed(df))) == -1

    def summary(self, df: pd.DataFrame) -> dict:
        """``outlier_rate``, ``outlier_ratio`` (to the real rate) and ``outlier_coverage`` of ``df``."""
        from synthlearn.evaluate.privacy import ClosestRecord

        rate = float(np.mean(self.flags(df))) if len(df) else float("nan")
        covered = float("nan")
        if len(self.outlier_rows_) and len(df):
            dist = ClosestRecord(df, self.space.schema, space=self.space).distances(self.outlier_rows_)
            covered = float(np.mean(dist <= self.radius_ + 1e-12))
        return {"outlier_rate": rate, "outlier_ratio": rate / self.real_rate_ if self.real_rate_ > 0 else float("nan"),
                "outlier_coverage": covered}


def coverage_summary(real: pd.DataFrame, other: pd.DataFrame, schema: Schema, *, threshold: float = 0.05,
                     detector: OutlierDetector | None = None) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Every coverage figure of ``other`` against ``real``: (scores, rare-category rows, numeric-column rows)."""
    rare = rare_categories(real, other, schema, threshold=threshold)
    numeric = numeric_coverage(real, other, schema)
    real_mass = rare["real_frequency"].sum()
    scores = {
        "category_coverage": category_coverage(real, other, schema),
        "rare_category_coverage": float((rare["frequency"] > 0).mean()) if len(rare) else float("nan"),
        "rare_frequency_ratio": float(rare["frequency"].sum() / real_mass) if real_mass > 0 else float("nan"),
        "range_coverage": float(numeric["range_coverage"].mean()) if numeric["range_coverage"].notna().any()
        else float("nan"),
        "tail_ratio": float(numeric["tail_ratio"].mean()) if numeric["tail_ratio"].notna().any() else float("nan"),
    }
    detector = detector if detector is not None else OutlierDetector(real, schema)
    scores.update(detector.summary(other))
    return scores, rare, numeric
