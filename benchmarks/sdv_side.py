"""SDV comparison and sdmetrics scoring: BENCHMARK-ONLY.

This module is imported only by benchmark scripts that run in the separate
benchmark virtualenv (``.venv-bench``, see ``benchmarks/requirements-sdv.txt``).
SDV and sdmetrics are never dependencies of ``synthlearn`` itself; nothing
under ``src/`` may import this file.

Written against SDV 2.0 / sdmetrics 0.32, where (unlike SDV 1.x):

* ``SingleTableMetadata`` and ``Metadata.detect_from_dataframe`` are private;
  we build the metadata explicitly with ``Metadata.load_from_dict``;
* ``synthesizer.fit`` takes ``{table_name: DataFrame}`` and ``sample`` returns
  ``{table_name: DataFrame}``.
"""

from __future__ import annotations

import random
import time
import warnings

import numpy as np
import pandas as pd

TABLE = "table"  # SDV's default single-table name
METHODS = ("copula", "tvae", "ctgan")


def _column_sdtypes(df: pd.DataFrame, categorical: list[str]) -> dict[str, dict[str, str]]:
    """``{column: {"sdtype": ...}}``: given columns categorical, all others numerical."""
    missing = set(categorical) - set(df.columns)
    if missing:
        raise KeyError(f"categorical columns not in the frame: {sorted(missing)}")
    cats = set(categorical)
    return {c: {"sdtype": "categorical" if c in cats else "numerical"} for c in df.columns}


def sdv_metadata(df: pd.DataFrame, categorical: list[str]):
    """SDV single-table ``Metadata`` for ``df`` (no key columns, no detection)."""
    from sdv.metadata import Metadata

    return Metadata.load_from_dict({"tables": {TABLE: {"columns": _column_sdtypes(df, categorical)}}})


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def sdv_synthesize(
    method: str,
    train: pd.DataFrame,
    n: int,
    seed: int,
    categorical: list[str],
    epochs: int | None = None,
    timings: dict | None = None,
) -> pd.DataFrame:
    """Fit an SDV synthesizer (SDV defaults) on ``train`` and sample ``n`` rows.

    ``method`` is ``"copula"`` (GaussianCopulaSynthesizer), ``"tvae"``
    (TVAESynthesizer) or ``"ctgan"`` (CTGANSynthesizer). ``epochs`` overrides
    the TVAE/CTGAN default (300); it is ignored for the copula. If ``timings``
    is a dict, wall seconds are stored in it under ``"fit_s"`` and ``"sample_s"``.

    Seeding: fitting draws from the global ``random``/numpy/torch generators,
    which are seeded with ``seed`` first. Sampling does NOT use the global
    generators: SDV seeds its own sampling state with a fixed constant (73251)
    on the first ``sample`` after ``fit``, so without intervention every seed
    would give the same copula sample. We therefore set the synthesizer's
    sampling state to ``seed`` explicitly (private ``_set_random_state``);
    ``seed=73251`` thus samples exactly like an untouched SDV synthesizer.
    """
    from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer

    classes = {
        "copula": GaussianCopulaSynthesizer,
        "tvae": TVAESynthesizer,
        "ctgan": CTGANSynthesizer,
    }
    if method not in classes:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    kwargs = {}
    if epochs is not None and method != "copula":
        kwargs["epochs"] = int(epochs)

    train = train.reset_index(drop=True)
    synth = classes[method](sdv_metadata(train, categorical), **kwargs)
    _seed_everything(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SDV/RDT/sklearn chatter (FutureWarning etc.)
        t0 = time.perf_counter()
        synth.fit({TABLE: train})
        t1 = time.perf_counter()
        _seed_everything(seed)
        synth._set_random_state(seed)
        out = synth.sample(int(n))
        t2 = time.perf_counter()
    if timings is not None:
        timings.update(fit_s=t1 - t0, sample_s=t2 - t1)
    out = out[TABLE] if isinstance(out, dict) else out  # SDV 2.x returns {table: df}
    return out[list(train.columns)].reset_index(drop=True)


def sdmetrics_metadata(df: pd.DataFrame, categorical: list[str]) -> dict:
    """Metadata dict in the single-table format sdmetrics expects."""
    return {"columns": _column_sdtypes(df, categorical)}


def quality_score(real: pd.DataFrame, synthetic: pd.DataFrame, categorical: list[str]) -> float:
    """sdmetrics ``QualityReport`` overall score (mean of Column Shapes and Column Pair Trends).

    Uses sdmetrics' default thresholds (0.32: a column pair only counts when its
    real correlation > 0.5 / association > 0.3). Categorical columns are cast
    to ``str`` in both frames first, so e.g. an integer ``target`` compares
    equal to its synthetic counterpart whatever dtype either side came back with.
    """
    real = real.reset_index(drop=True).copy()
    synthetic = synthetic[list(real.columns)].reset_index(drop=True).copy()
    for c in categorical:
        real[c] = real[c].astype(str)
        synthetic[c] = synthetic[c].astype(str)
    metadata = sdmetrics_metadata(real, categorical)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:  # sdmetrics >= 0.32: unified report, takes {table: df}
            from sdmetrics.reports import QualityReport

            report = QualityReport()
            report.generate({TABLE: real}, {TABLE: synthetic}, {"tables": {TABLE: metadata}}, verbose=False)
        except ImportError:  # sdmetrics < 0.32: single-table report only
            from sdmetrics.reports.single_table import QualityReport

            report = QualityReport()
            report.generate(real, synthetic, metadata, verbose=False)
    return float(report.get_score())
