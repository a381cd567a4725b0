"""Re-measure the SDV reference quality scores (benchmark-only; run in .venv-bench).

For each table: stratified 70/30 split (random_state=42), fit each SDV method on
train, sample len(train) rows, score with sdmetrics QualityReport against the
train split and against the full table; the holdout (test split) is scored the
same way as a "real data" ceiling. Also times fit/sample and copula sampling
throughput (100,000 rows on penguins).

    .venv-bench/bin/python benchmarks/sdv_reference_check.py [--epochs N] [--methods copula,tvae]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sdv_side import METHODS, quality_score, sdv_synthesize  # noqa: E402

# Reference figures (SDV 2.0 defaults), overall QualityReport score.
REFERENCE = {
    "penguins": {"copula": 0.855, "tvae": 0.843, "ctgan": 0.687, "holdout": 0.853},
    "breast_cancer": {"copula": 0.913, "tvae": 0.835, "ctgan": 0.695, "holdout": 0.944},
}


def load_tables() -> dict[str, tuple[pd.DataFrame, list[str], str]]:
    """name -> (frame, categorical columns, stratification target)."""
    from palmerpenguins import load_penguins

    penguins = load_penguins().dropna().reset_index(drop=True)  # 333 rows, year kept
    return {
        "penguins": (penguins, ["species", "island", "sex"], "species"),
        "breast_cancer": (load_breast_cancer(as_frame=True).frame, ["target"], "target"),
        "wine": (load_wine(as_frame=True).frame, ["target"], "target"),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=None, help="TVAE/CTGAN epochs (default: SDV's 300)")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--tables", default="penguins,breast_cancer,wine")
    # 73251 is SDV's own fixed sampling seed, so the default reproduces plain SDV sampling.
    ap.add_argument("--seed", type=int, default=73251)
    ap.add_argument("--throughput-rows", type=int, default=100_000)
    ap.add_argument(
        "--torch-threads", type=int, default=1,
        help="torch intra-op threads; 1 is far faster for these tiny nets on a shared 2-core box",
    )
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.torch_threads)
    methods = [m for m in args.methods.split(",") if m]
    tables = load_tables()

    header = f"{'table':<14}{'method':<9}{'vs_train':>9}{'vs_full':>9}{'ref':>7}{'fit_s':>8}{'sample_s':>9}"
    print(header)
    print("-" * len(header))
    for name in args.tables.split(","):
        df, cats, target = tables[name]
        train, test = train_test_split(df, test_size=0.3, random_state=42, stratify=df[target])
        ref = REFERENCE.get(name, {})
        rows = [("holdout", test, float("nan"), float("nan"))]
        for method in methods:
            t = {}
            synth = sdv_synthesize(method, train, len(train), args.seed, cats, epochs=args.epochs, timings=t)
            rows.append((method, synth, t["fit_s"], t["sample_s"]))
        for method, frame, fit_s, sample_s in rows:
            q_train = quality_score(train, frame, cats)
            q_full = quality_score(df, frame, cats)
            r = ref.get(method, float("nan"))
            print(
                f"{name:<14}{method:<9}{q_train:>9.3f}{q_full:>9.3f}{r:>7.3f}"
                f"{fit_s:>8.1f}{sample_s:>9.2f}",
                flush=True,
            )
    if args.throughput_rows and "penguins" in tables:
        throughput(tables["penguins"], args.throughput_rows, args.seed)


def throughput(table, n_rows: int, seed: int) -> None:
    """Fit time and sampling rows/s of SDV GaussianCopula on penguins."""
    from sdv_side import TABLE, sdv_metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    df, cats, _ = table
    synth = GaussianCopulaSynthesizer(sdv_metadata(df, cats))
    t0 = time.perf_counter()
    synth.fit({TABLE: df})
    fit_s = time.perf_counter() - t0
    synth._set_random_state(seed)
    t0 = time.perf_counter()
    out = synth.sample(n_rows)[TABLE]
    sample_s = time.perf_counter() - t0
    print(
        f"\ncopula on penguins (333 rows): fit {fit_s:.2f}s; sample {len(out):,} rows in "
        f"{sample_s:.2f}s = {len(out) / sample_s:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
