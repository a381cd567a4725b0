"""Synthetic-data quality and speed: synthlearn's synthesizers side by side with SDV's.

Runs in the benchmark environment (``make bench`` builds ``.venv-bench`` with SDV
and sdmetrics, which are Business Source licensed and never a dependency of
synthlearn). Everything runs in one process so the machine's noise cancels.

Protocol, per table (penguins: 333 complete rows; scikit-learn's breast cancer
and wine): a 70/30 split stratified on the target with ``random_state=42``;
each synthesizer is fitted on the 70 % and samples 2,000 rows.

- ``sdm@n`` is sdmetrics' ``QualityReport`` overall score against the training
  rows with as many synthetic rows as training rows (the first ``n`` of the
  2,000); ``sdm@2k`` uses all 2,000. With few rows the score mostly measures
  sampling noise (two iid samples of 124 rows differ by a KS statistic of about
  0.1), so the 2,000-row figure is the one the targets use; both are printed,
  for every synthesizer alike.
- ``rf_acc``: a random forest trained on ``n`` synthetic rows, scored on the
  real 30 %; ``real_acc`` is the same forest trained on the real 70 %.
- ``dcr_ratio``: median distance from synthetic rows to their closest training
  row over the same for the real 30 % (>= 0.9: synthetic rows are no closer to
  training rows than unseen real rows are); ``copies``: exact-copy rate of the
  2,000 rows.
- Speed: rows/s sampling penguins-shaped rows (1,000,000 for ours, 100,000
  for SDV's copula), median of 3.

    .venv-bench/bin/python benchmarks/synth_quality.py [--seeds 3] [--sdv-epochs 300] [--no-sdv]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from synthlearn.data import infer_schema, load_dataset  # noqa: E402
from synthlearn.evaluate import distance_to_closest_record, utility  # noqa: E402
from synthlearn.synth import CARTSynthesizer, GaussianCopulaSynthesizer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

N_BIG = 2000
TABLES = {"penguins": "species", "breast_cancer": "target", "wine": "target"}
# SDV 2.0 defaults, sdmetrics overall quality vs the training rows, measured by the author.
SDV_REFERENCE = {
    "penguins": {"copula": 0.855, "tvae": 0.843, "ctgan": 0.687, "holdout": 0.853},
    "breast_cancer": {"copula": 0.913, "tvae": 0.835, "ctgan": 0.695, "holdout": 0.944},
}
CART_QUALITY_TARGET = {"penguins": 0.93, "breast_cancer": 0.95, "wine": 0.95}


def load(name: str):
    df = load_dataset(name).dropna().reset_index(drop=True)
    target = TABLES[name]
    train, holdout = train_test_split(df, test_size=0.3, random_state=42, stratify=df[target])
    schema = infer_schema(df)
    return df, train.reset_index(drop=True), holdout.reset_index(drop=True), schema, target


def ours(method: str, train, schema, target, seed):
    if method == "cart":
        return CARTSynthesizer(visit_order=[target], random_state=seed).fit(train, schema)
    return GaussianCopulaSynthesizer(random_state=seed).fit(train, schema)


def measure(name, label, big, train, holdout, schema, target, cats, quality_score, dcr_holdout, fit_s):
    small = big.head(len(train)).reset_index(drop=True)
    util = utility(train, holdout, {"synthetic": small}, schema, target)
    rf = util[util.model == "random_forest"]
    return {
        "table": name,
        "method": label,
        "sdm@n": quality_score(train, small, cats),
        "sdm@2k": quality_score(train, big, cats) if len(big) >= N_BIG else float("nan"),
        "rf_acc": float(rf["accuracy"].iloc[0]) if "accuracy" in rf else float("nan"),
        "dcr_ratio": float(np.median(distance_to_closest_record(train, small, schema)) / dcr_holdout),
        "copies": float(np.mean(distance_to_closest_record(train, big, schema) <= 1e-12)),
        "fit_s": fit_s,
    }


def rows_per_second(sample, n, repeats=3):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        sample(n)
        times.append(time.perf_counter() - t)
    return n / statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3, help="seeds averaged for synthlearn's synthesizers")
    ap.add_argument("--sdv-epochs", type=int, default=None, help="TVAE/CTGAN epochs (default: SDV's 300)")
    ap.add_argument("--sdv-methods", default="copula,tvae,ctgan")
    ap.add_argument("--no-sdv", action="store_true", help="skip SDV (no sdmetrics either: quality columns empty)")
    args = ap.parse_args(argv)

    have_sdv = not args.no_sdv
    if have_sdv:
        import torch
        from sdv_side import quality_score, sdv_synthesize

        torch.set_num_threads(1)  # far faster for SDV's tiny networks on a shared 2-core machine
    else:
        def quality_score(*_a):
            return float("nan")

    records = []
    for name in TABLES:
        df, train, holdout, schema, target = load(name)
        cats = schema.columns_of("categorical", "boolean")
        dcr_holdout = float(np.median(distance_to_closest_record(train, holdout, schema)))
        real = utility(train, holdout, {"real": train}, schema, target)
        real_acc = float(real[real.model == "random_forest"]["accuracy"].iloc[0])
        rec = measure(name, "holdout (real)", holdout, train, holdout, schema, target, cats, quality_score,
                      dcr_holdout, float("nan"))
        rec["sdm@2k"] = float("nan")
        records.append(rec | {"real_acc": real_acc})
        for method in ("cart", "copula"):
            per_seed = []
            for seed in range(args.seeds):
                t = time.perf_counter()
                synth = ours(method, train, schema, target, seed)
                fit_s = time.perf_counter() - t
                big = synth.sample(N_BIG, random_state=seed)
                per_seed.append(measure(name, f"synthlearn {method}", big, train, holdout, schema, target, cats,
                                        quality_score, dcr_holdout, fit_s))
            records.append(_mean(per_seed) | {"real_acc": real_acc})
            print(f"# {name} {method} done", file=sys.stderr, flush=True)
        if have_sdv:
            for method in [m for m in args.sdv_methods.split(",") if m]:
                per_seed = []
                # SDV's copula is fast and its score varies a lot with the seed: same seeds as ours.
                # TVAE/CTGAN train for minutes: one seed.
                for seed in range(args.seeds if method == "copula" else 1):
                    timings = {}
                    big = sdv_synthesize(method, _plain(train), N_BIG, seed, cats, epochs=args.sdv_epochs, timings=timings)
                    big = _sdv_dtypes(big, train)
                    per_seed.append(measure(name, f"SDV {method}", big, train, holdout, schema, target, cats,
                                            quality_score, dcr_holdout, timings["fit_s"]))
                records.append(_mean(per_seed) | {"real_acc": real_acc})
                print(f"# {name} SDV {method} done", file=sys.stderr, flush=True)

    table = pd.DataFrame(records)
    table["sdm_ref"] = [SDV_REFERENCE.get(r.table, {}).get(r.method.split()[-1] if "SDV" in r.method else
                                                          ("holdout" if "holdout" in r.method else ""), np.nan)
                        for r in table.itertuples()]
    pd.set_option("display.width", 200)
    print("\n## Quality (seeds averaged: %d for synthlearn and SDV copula; 1 for TVAE/CTGAN)\n" % args.seeds)
    print(table[["table", "method", "sdm@n", "sdm@2k", "sdm_ref", "rf_acc", "real_acc", "dcr_ratio", "copies",
                 "fit_s"]].to_markdown(index=False, floatfmt=".3f"))

    # ---------------------------------------------------------------- speed
    _, train, _, schema, target = load("penguins")
    speed = {}
    for method in ("cart", "copula"):
        synth = ours(method, train, schema, target, 0)
        synth.sample(1000)
        speed[f"synthlearn {method}"] = rows_per_second(synth.sample, 1_000_000)
    if have_sdv:
        from sdv.single_table import GaussianCopulaSynthesizer as SDVCopula
        from sdv_side import TABLE, sdv_metadata

        sdv = SDVCopula(sdv_metadata(train, schema.columns_of("categorical")))
        sdv.fit({TABLE: _plain(train)})
        speed["SDV copula"] = rows_per_second(lambda n: sdv.sample(n), 100_000)
    help_s = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([str(Path(sys.executable).with_name("synthlearn")), "--help"], check=True, capture_output=True)
        help_s.append(time.perf_counter() - t)
    torch_loaded = subprocess.run(
        [sys.executable, "-c", "import sys, synthlearn.cli.main; print('torch' in sys.modules)"],
        capture_output=True, text=True, check=True).stdout.strip()

    # --------------------------------------------------------------- checks
    checks = []

    def check(what, value, reference, target_text, ok):
        checks.append({"check": what, "value": value, "reference": reference,
                       "ratio": value / reference if reference and not np.isnan(reference) else np.nan,
                       "target": target_text, "ok": "yes" if ok else "NO"})

    t = table.set_index(["table", "method"])
    for name in TABLES:
        cart = t.loc[(name, "synthlearn cart")]
        cop = t.loc[(name, "synthlearn copula")]
        if have_sdv:
            check(f"{name}: CART sdmetrics quality @2k", cart["sdm@2k"], np.nan,
                  f">= {CART_QUALITY_TARGET[name]}", cart["sdm@2k"] >= CART_QUALITY_TARGET[name])
            sdv_cop = t.loc[(name, "SDV copula")]
            check(f"{name}: copula quality @2k vs SDV copula", cop["sdm@2k"], sdv_cop["sdm@2k"], ">= SDV + 0.02",
                  cop["sdm@2k"] >= sdv_cop["sdm@2k"] + 0.02)
            check(f"{name}: copula quality @n vs SDV copula", cop["sdm@n"], sdv_cop["sdm@n"], "(>= SDV + 0.02)",
                  cop["sdm@n"] >= sdv_cop["sdm@n"] + 0.02)
        check(f"{name}: CART RF accuracy vs real-trained", cart["rf_acc"], cart["real_acc"], ">= real - 0.03",
              cart["rf_acc"] >= cart["real_acc"] - 0.03)
        check(f"{name}: CART DCR median vs holdout", cart["dcr_ratio"], 1.0, ">= 0.9", cart["dcr_ratio"] >= 0.9)
        for label, row in (("CART", cart), ("copula", cop)):
            check(f"{name}: {label} exact-copy rate", row["copies"], np.nan, "<= 0.005", row["copies"] <= 0.005)
    ref = speed.get("SDV copula", np.nan)
    check("copula rows/s (penguins)", speed["synthlearn copula"], ref, ">= 500,000", speed["synthlearn copula"] >= 5e5)
    check("CART rows/s (penguins)", speed["synthlearn cart"], ref, ">= 100,000", speed["synthlearn cart"] >= 1e5)
    check("synthlearn --help seconds (median of 3)", statistics.median(help_s), np.nan, "< 1.0",
          statistics.median(help_s) < 1.0)
    check("torch imported by the CLI", float(torch_loaded == "True"), np.nan, "0 (no)", torch_loaded == "False")
    print("\n## Targets\n")
    print(pd.DataFrame(checks).to_markdown(index=False, floatfmt=".3f"))


def _mean(records: list[dict]) -> dict:
    """Average the numeric fields of per-seed records."""
    return {k: float(np.mean([r[k] for r in records])) if isinstance(records[0][k], float) else records[0][k]
            for k in records[0]}


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Category columns as plain objects: SDV's CTGAN refuses pandas' category dtype."""
    return df.assign(**{c: df[c].astype(object) for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)})


def _sdv_dtypes(synth: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """SDV returns categories as plain objects; give them the training dtypes for our metrics."""
    out = synth.copy()
    for column in train.columns:
        if isinstance(train[column].dtype, pd.CategoricalDtype):
            out[column] = pd.Categorical(out[column], categories=train[column].cat.categories)
    return out


if __name__ == "__main__":
    main()
