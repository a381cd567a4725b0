"""One call that checks a synthetic table against the real one: :func:`evaluate`.

Every figure is computed for the synthetic table and for two reference
tables made from the same real data, so a score can be read against a
ceiling and a floor:

- ``holdout``: the real holdout rows themselves (what fresh real data scores);
- ``independent``: each training column resampled on its own, which keeps
  every column's shape and destroys every relationship between columns.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from synthlearn.data.io import check_seed
from synthlearn.data.schema import Schema, conform, infer_schema
from synthlearn.errors import ColumnError, DataError
from synthlearn.evaluate.bias import BINS, bias, check_sensitive
from synthlearn.evaluate.coverage import OutlierDetector, check_share, coverage_summary
from synthlearn.evaluate.fidelity import association_matrix, column_pairs, column_shapes, detection_auc
from synthlearn.evaluate.privacy import ClosestRecord, privacy_summary
from synthlearn.evaluate.utility import task_of, utility

REPORT_VERSION = 1
TABLES = ("synthetic", "holdout", "independent")


@dataclass
class QualityReport:
    """Everything :func:`evaluate` measured. ``to_dict()`` is the ``report.json`` content."""

    target: str | None
    task: str | None
    rows: dict  # rows of each table given
    scores: pd.DataFrame  # index: TABLES; columns: column_shapes, column_pairs, overall, detection_auc
    columns: dict[str, pd.DataFrame]  # per table: column_shapes frame
    pairs: dict[str, pd.DataFrame]  # per table: column_pairs frame
    associations: dict[str, pd.DataFrame]  # "real" and "synthetic" matrices
    utility: pd.DataFrame | None
    privacy: pd.DataFrame  # index: TABLES
    dcr: dict[str, np.ndarray]
    meta: dict = field(default_factory=dict)
    coverage: pd.DataFrame | None = None  # index: TABLES; rare categories, ranges, tails, outliers (coverage.py)
    coverage_detail: dict = field(default_factory=dict)  # "rare"/"numeric": per table frames; settings
    bias: dict | None = None  # "sensitive", "summary", "groups", "model" frames (bias.py); None without --sensitive
    rows_scored: dict = field(default_factory=dict)  # rows each check used (tables over max_rows are subsampled)

    def to_dict(self) -> dict:
        def clean(v):
            if isinstance(v, (np.floating, float)):
                return None if math.isnan(float(v)) else float(v)
            if isinstance(v, np.integer):
                return int(v)
            return v

        def records(df):
            return [{k: clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]

        cols = self.columns["synthetic"][["column", "kind", "metric", "missing_real"]].copy()
        for name in TABLES:
            cols[name] = self.columns[name]["score"].to_numpy()
        cols["missing_synthetic"] = self.columns["synthetic"]["missing_synthetic"].to_numpy()
        util = None
        if self.utility is not None:
            util = {"task": self.task, "target": self.target, "rows": records(self.utility)}
        return {
            "report_version": REPORT_VERSION,
            "meta": self.meta,
            "target": self.target,
            "task": self.task,
            "rows": self.rows,
            "rows_scored": self.rows_scored,
            "scores": {name: {k: clean(v) for k, v in self.scores.loc[name].items()} for name in TABLES},
            "columns": records(cols),
            "pairs": records(self.pairs["synthetic"]),
            "associations": {
                "columns": list(self.associations["real"].columns),
                "real": self.associations["real"].round(6).to_numpy().tolist(),
                "synthetic": self.associations["synthetic"].round(6).to_numpy().tolist(),
            },
            "utility": util,
            "privacy": {name: {k: clean(v) for k, v in self.privacy.loc[name].items()} for name in TABLES},
            "coverage": self._coverage_dict(clean, records),
            "bias": None if self.bias is None else {
                "target": self.target, "task": self.task, "sensitive": self.bias["sensitive"],
                "bins": self.bias["bins"], **{k: records(self.bias[k]) for k in ("summary", "groups", "model")}},
        }

    def _coverage_dict(self, clean, records) -> dict | None:
        if self.coverage is None:
            return None
        detail = self.coverage_detail
        rare = []
        for i, row in enumerate(records(detail["rare"]["synthetic"].drop(columns=["frequency", "ratio"]))):
            rare.append({**row, "frequency": {t: clean(detail["rare"][t]["frequency"].iloc[i]) for t in TABLES},
                         "ratio": {t: clean(detail["rare"][t]["ratio"].iloc[i]) for t in TABLES}})
        numeric = []
        for i, row in enumerate(records(detail["numeric"]["synthetic"][["column", "tail_real"]])):
            numeric.append({**row, **{t: {k: clean(v) for k, v in detail["numeric"][t].drop(
                columns=["column", "tail_real"]).iloc[i].items()} for t in TABLES}})
        return {**{k: clean(detail[k]) for k in ("rare_threshold", "contamination", "real_outlier_rate")},
                "real_outliers": int(detail["real_outliers"]),
                "scores": {t: {k: clean(v) for k, v in self.coverage.loc[t].items()} for t in TABLES},
                "rare_categories": rare, "numeric": numeric}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def summary(self) -> pd.DataFrame:
        """A compact table: one row per table, the headline figures."""
        out = self.scores[["overall", "column_shapes", "column_pairs", "detection_auc"]].copy()
        out["dcr_median"] = self.privacy["dcr_median"]
        out["exact_copy_rate"] = self.privacy["exact_copy_rate"]
        if self.utility is not None:
            metric = "accuracy" if self.task == "classification" else "r2"
            util = self.utility.reindex(columns=["trained_on", "model", metric])
            rf = util[util["model"] == "random_forest"].set_index("trained_on")[metric]
            out[f"rf_{metric}"] = [rf.get("real" if name == "holdout" else name, np.nan) for name in out.index]
        return out


def independent_columns(train: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Each column of ``train`` resampled independently (the floor reference)."""
    return pd.DataFrame({c: train[c].iloc[rng.integers(0, len(train), n)].reset_index(drop=True) for c in train.columns})


def evaluate(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, *, schema: Schema | None = None,
             target: str | None = None, random_state=0, max_rows: int = 20_000, progress=None,
             sensitive: list[str] | None = None, rare_threshold: float = 0.05) -> QualityReport:
    """Check ``synthetic`` against the real ``train`` rows it imitates and an unseen real ``holdout``.

    Parameters
    ----------
    train : DataFrame
        The real rows the synthesizer was fitted on.
    holdout : DataFrame
        Real rows the synthesizer never saw.
    synthetic : DataFrame
        The synthetic rows, with the same columns.
    schema : Schema, optional
        Column kinds (inferred from ``train`` when omitted).
    target : str, optional
        Column to predict in the utility check; no utility check without it.
    random_state : int, default=0
    max_rows : int, default=20000
        Larger tables are subsampled (seeded) for the checks; the copy and
        distance search still looks through every training row.
    progress : callable, optional
        Called with a short description before each step.
    sensitive : list of str, optional
        Columns whose groups the bias check compares (needs ``target``); no bias check without them.
    rare_threshold : float, default=0.05
        Real categories less frequent than this are the rare ones the coverage check follows.

    Returns
    -------
    QualityReport
    """
    schema = schema or infer_schema(train)
    schema.require_modelled("compare")
    check_seed(random_state)
    for name, df in (("holdout", holdout), ("synthetic", synthetic)):
        missing = [c for c in schema.columns if c not in df.columns]
        if missing:
            raise ColumnError(f"the {name} table lacks column(s) {missing}; give a table with the real table's columns")
        if len(df) == 0:
            raise DataError(f"the {name} table has no rows")
    if target is not None and target not in schema:
        raise ColumnError(f"--target '{target}' is not a column; choose one of {schema.columns}")
    sensitive = check_sensitive(schema, sensitive, target)
    rare_threshold = float(check_share(rare_threshold, "rare_threshold"))
    train = conform(train, schema, table="training")  # once: 1/0 or "yes"/"no" booleans, numbers as text, ...
    holdout = conform(holdout, schema, table="holdout", like=train)
    synthetic = conform(synthetic, schema, table="synthetic", like=train)
    warnings = check_synthetic(train, synthetic, schema)
    synthetic = synthetic[schema.columns]
    step = progress or (lambda _msg: None)
    rng = np.random.default_rng(random_state)

    def cap(df):
        return df.iloc[np.sort(rng.choice(len(df), max_rows, replace=False))].reset_index(drop=True) if len(df) > max_rows else df.reset_index(drop=True)

    rows = {"train": len(train), "holdout": len(holdout), "synthetic": len(synthetic)}
    reference = train  # every training row, so that a copy of any of them is found
    train, holdout, synthetic = cap(train), cap(holdout), cap(synthetic)
    closest = None
    tables = {
        "synthetic": synthetic,
        "holdout": holdout,
        "independent": independent_columns(train[schema.columns], len(synthetic), rng),
    }
    scores, columns, pairs, dcr = {}, {}, {}, {}
    for name, table in tables.items():
        step(f"fidelity: {name}")
        columns[name] = column_shapes(train, table, schema)
        pairs[name] = column_pairs(train, table, schema)
        shape = float(columns[name]["score"].mean())
        pair = float(pairs[name]["score"].mean()) if len(pairs[name]) else float("nan")
        step(f"detection: {name}")
        auc = detection_auc(train, table, schema, random_state=random_state)
        scores[name] = {"overall": float(np.nanmean([shape, pair])), "column_shapes": shape, "column_pairs": pair,
                        "detection_auc": auc}
        step(f"privacy: {name}")
        closest = closest or ClosestRecord(reference, schema)
        dcr[name] = closest.distances(table)
    privacy = pd.DataFrame({name: privacy_summary(d) for name, d in dcr.items()}).T.loc[list(TABLES)]
    base = privacy.loc["holdout", "dcr_median"]
    privacy["dcr_ratio_to_holdout"] = privacy["dcr_median"] / base if base > 0 else np.nan
    step("coverage: outliers")
    detector = OutlierDetector(train, schema, random_state=random_state)
    cover = {name: coverage_summary(train, table, schema, threshold=rare_threshold, detector=detector)
             for name, table in tables.items()}
    coverage_detail = {"rare": {t: cover[t][1] for t in TABLES}, "numeric": {t: cover[t][2] for t in TABLES},
                       "rare_threshold": rare_threshold, "contamination": detector.forest.contamination,
                       "real_outlier_rate": detector.real_rate_, "real_outliers": int(detector.real_outliers_.sum())}
    task, util, bias_report, predictions = None, None, None, {}
    if target is not None:
        step("utility")
        task = task_of(train, schema, target)
        util = utility(train, holdout, {"real": train, "synthetic": synthetic, "independent": tables["independent"]},
                       schema, target, random_state=random_state, predictions=predictions)
    if sensitive:
        step("bias")
        fitted = {name: predictions[(name, "random_forest")] for name in ("real", "synthetic")
                  if (name, "random_forest") in predictions}
        summary, groups, model = bias(train, tables, schema, target, sensitive, task, holdout=holdout,
                                      predictions={**predictions, "models": fitted})
        bias_report = {"sensitive": sensitive, "bins": BINS, "summary": summary, "groups": groups, "model": model}
    step("associations")
    associations = {"real": association_matrix(train, schema), "synthetic": association_matrix(synthetic, schema)}
    from synthlearn import __version__

    return QualityReport(
        target=target,
        task=task,
        rows=rows,
        scores=pd.DataFrame(scores).T.loc[list(TABLES)],
        columns=columns,
        pairs=pairs,
        associations=associations,
        utility=util,
        privacy=privacy,
        dcr=dcr,
        coverage=pd.DataFrame({t: cover[t][0] for t in TABLES}).T.loc[list(TABLES)],
        coverage_detail=coverage_detail,
        bias=bias_report,
        meta={"synthlearn_version": __version__, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "random_state": random_state if isinstance(random_state, int) else None,
              **({"warnings": warnings} if warnings else {})},
        rows_scored={"train": len(train), "holdout": len(holdout), "synthetic": len(synthetic),
                     **({"utility_holdout": int(holdout[target].notna().sum())} if target is not None else {})},
    )


def check_synthetic(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema) -> list[str]:
    """Warnings for a ``synthetic`` table already brought to the real schema's kinds
    (:func:`~synthlearn.data.schema.conform`, which refuses values that cannot be of their column's kind):
    categories the real table lacks, and extra columns (ignored)."""
    warnings = []
    extra = [c for c in synthetic.columns if c not in schema.columns]
    if extra:
        warnings.append(f"the synthetic table has column(s) {extra} that the real table lacks; they are ignored")
    for column in schema.modelled:
        if schema[column].is_numeric:
            continue
        values = synthetic[column].dropna()
        known = set(real[column].dropna().astype(str))
        unseen = pd.unique(values[~values.astype(str).isin(known)])
        if len(unseen):
            noun = "category" if len(unseen) == 1 else "categories"
            warnings.append(f"synthetic column '{column}' has {len(unseen)} {noun} the real table lacks "
                            f"(e.g. {unseen[0]!r}); they count as mismatches")
    return warnings
