"""Benchmark of synthlearn.learn against hand-run scikit-learn (issue 3 figures). Prints one markdown table.

Run: .venv/bin/python benchmarks/learn.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROWS = []


def row(figure, value, target, ok):
    ROWS.append((figure, value, target, "yes" if ok else "**no**"))


def hand_cv(name, X, y, folds):
    """The registry's estimator, behind a plain StandardScaler when it needs one, on the given folds."""
    from sklearn.base import clone
    from sklearn.metrics import accuracy_score
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from synthlearn.learn import get_spec, make_model

    spec = get_spec(name, "classification")
    est = GaussianNB() if name == "naive_bayes" else make_model(name, "classification", random_state=0)
    pipe = make_pipeline(StandardScaler(), est) if spec.scale else make_pipeline(est)
    accs, seconds = [], 0.0
    for tr, te in folds:
        model = clone(pipe)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X[tr], y[tr])
            pred = model.predict(X[te])
        seconds += time.perf_counter() - t0
        accs.append(accuracy_score(y[te], pred))
    return float(np.mean(accs)), seconds


def agreement():
    from sklearn import datasets

    from synthlearn.data import infer_schema
    from synthlearn.learn import compare, model_names
    from synthlearn.learn.compare import make_folds

    for loader in (datasets.load_breast_cancer, datasets.load_wine, datasets.load_digits):
        bunch = loader(as_frame=True)
        df = bunch.frame.copy()
        df["target"] = pd.Categorical.from_codes(bunch.target, [str(t) for t in bunch.target_names])
        schema = infer_schema(df, overrides={c: "numeric" for c in df.columns if c != "target"})
        y = df["target"].astype(object).to_numpy()
        folds = make_folds(y, "classification", 5, 0, [])
        X = df.drop(columns="target").to_numpy(float)
        hand, hand_s = {}, 0.0
        for name in model_names("classification"):
            hand[name], s = hand_cv(name, X, y, folds)
            hand_s += s
        t0 = time.perf_counter()
        board = compare(df, "target", schema, cv=5, holdout=None, random_state=0)
        total = time.perf_counter() - t0
        diff = max(abs(board.table.loc[n, "accuracy"] - hand[n]) for n in hand)
        worst = max(hand, key=lambda n: abs(board.table.loc[n, "accuracy"] - hand[n]))
        name = loader.__name__.replace("load_", "")
        row(f"{name}: max abs(compare CV acc − hand-run sklearn CV acc), 7 models", f"{diff:.4f} ({worst})", "≤ 0.005",
            diff <= 0.005)
        row(f"{name}: compare wall time / sum of hand-run fits", f"{total / hand_s:.2f} ({total:.1f}s / {hand_s:.1f}s)",
            "≤ 1.3", total / hand_s <= 1.3)


def nb_vs_onehot():
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import make_pipeline

    from synthlearn.data import infer_schema, load_dataset
    from synthlearn.learn import compare
    from synthlearn.learn.compare import make_folds, target_values
    from synthlearn.learn.preprocessing import make_preprocessor

    rng = np.random.default_rng(1)
    n = 1500
    label = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    shift = {"a": 0.0, "b": 0.6, "c": 1.2}
    mixed = pd.DataFrame({
        "x1": rng.normal([shift[v] for v in label], 1.0),
        "x2": rng.normal([-shift[v] for v in label], 1.5),
        "region": [rng.choice(["n", "s", "e", "w"], p=[0.55, 0.15, 0.15, 0.15] if v == "a" else
                              [0.15, 0.55, 0.15, 0.15] if v == "b" else [0.15, 0.15, 0.55, 0.15]) for v in label],
        "tier": [rng.choice(list("pqrstu"), p=[0.4, 0.2, 0.1, 0.1, 0.1, 0.1] if v != "c" else
                            [0.1, 0.1, 0.1, 0.1, 0.2, 0.4]) for v in label],
        "label": label,
    })
    for title, df, target in (("penguins", load_dataset("penguins"), "species"),
                              ("mixed 1,500 rows (2 numeric, 2 categorical)", mixed, "label")):
        schema = infer_schema(df)
        board = compare(df, target, schema, models=["naive_bayes"], cv=5, holdout=None, random_state=0)
        mixed_acc = board.table.loc["naive_bayes", "accuracy"]
        features = [c for c in schema.modelled if c != target]
        y = target_values(df, schema, target, "classification")
        accs = []
        for tr, te in make_folds(y, "classification", 5, 0, []):
            pipe = make_pipeline(make_preprocessor(schema, features, scale=False), GaussianNB())
            pipe.fit(df.iloc[tr][features], y[tr])
            accs.append(float(np.mean(pipe.predict(df.iloc[te][features]) == y[te])))
        row(f"{title}: MixedNaiveBayes vs GaussianNB on one-hot (5-fold acc)",
            f"{mixed_acc:.3f} vs {np.mean(accs):.3f}", "mixed > one-hot", mixed_acc > np.mean(accs))


def time_budget():
    from sklearn.datasets import make_classification

    from synthlearn.learn import compare

    X, y = make_classification(n_samples=100_000, n_features=20, n_informative=8, n_classes=3, random_state=0)
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(20)])
    df["label"] = np.array(["a", "b", "c"])[y]
    t0 = time.perf_counter()
    board = compare(df, "label", time_budget=60, random_state=0)
    total = time.perf_counter() - t0
    skipped = ", ".join(board.skipped["model"]) or "none"
    row("100,000 × 20: compare --time-budget 60 wall time", f"{total:.1f}s (ran {len(board.table)}, "
        f"skipped: {skipped})", "≤ 66 s, skipped listed", total <= 66)


def import_times():
    exe = Path(sys.executable)
    cli = exe.with_name("synthlearn")
    for label, cmd in (("import synthlearn", [str(exe), "-c", "import synthlearn"]),
                       ("synthlearn --help", [str(cli), "--help"])):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True)
            best = min(best, time.perf_counter() - t0)
        row(f"{label} (best of 3)", f"{best:.2f}s", "< 1 s", best < 1)


def main():
    t0 = time.perf_counter()
    import_times()
    nb_vs_onehot()
    agreement()
    time_budget()
    print("| figure | measured | target | met |")
    print("|---|---|---|---|")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")
    print(f"\n{os.cpu_count()} CPUs, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
          f"total {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
