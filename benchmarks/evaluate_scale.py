"""Evaluation on tables with many-level categories: detection, DCR, outlier coverage and the copy guard.

A generated table of numbers, a 5-level colour, a 20,000-level zip code and a comment column of n/4
levels (30 % missing), as real and as "synthetic" (an independent draw). Each step runs on it and, as the
reference, on the same rows without the zip and comment columns, in one process: the ratio is what the
many-level columns cost. Before they were codes (one-hot blocks), 20,000 rows ran out of memory in
detection (5 GB per fold) and took over 3 minutes and 5.7-8.4 GB in the distance steps (RESULTS.md).

    .venv/bin/python benchmarks/evaluate_scale.py [--rows 20000] [--steps detect,dcr,coverage,guard]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def make_table(n: int, seed: int, levels: int = 20_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    comments = np.array([f"comment {i}" for i in rng.integers(0, max(n // 4, 1), n)], dtype=object)
    comments[rng.random(n) < 0.3] = None
    return pd.DataFrame({
        "x": rng.normal(size=n), "age": rng.integers(18, 90, n),
        "color": rng.choice(["red", "green", "blue", "grey", "black"], n),
        "zip": pd.Series(rng.integers(10_000, 10_000 + levels, n).astype(str), dtype=object),
        "comment": comments})


def run_step(step: str, real: pd.DataFrame, other: pd.DataFrame, schema) -> tuple[float, str]:
    start = time.perf_counter()
    if step == "detect":
        from synthlearn.evaluate.fidelity import detection_auc
        result = f"AUC {detection_auc(real, other, schema):.3f}"
    elif step == "dcr":
        from synthlearn.evaluate.privacy import distance_to_closest_record
        result = f"DCR median {np.median(distance_to_closest_record(real, other, schema)):.3f}"
    elif step == "coverage":
        from synthlearn.evaluate.coverage import OutlierDetector
        result = f"outlier ratio {OutlierDetector(real, schema).summary(other)['outlier_ratio']:.2f}"
    else:  # the copy guard: sample as many rows, none closer than 1e-5 to a training row (near-copies)
        from synthlearn.synth import GaussianCopulaSynthesizer
        synth = GaussianCopulaSynthesizer(random_state=0).fit(real, schema=schema)
        start = time.perf_counter()
        synth.sample(len(other), min_distance=1e-5)
        result = f"{synth.last_sample_info_['too_close_replaced']} replaced"
    return time.perf_counter() - start, result


def main() -> None:
    from synthlearn.data import infer_schema

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--steps", default="detect,dcr,coverage,guard")
    args = parser.parse_args()
    real, other = make_table(args.rows, 0), make_table(args.rows, 1)
    wide = infer_schema(real).override({c: "categorical" for c in ("zip", "comment", "color")})
    narrow = infer_schema(real.drop(columns=["zip", "comment"])).override({"color": "categorical"})
    print(f"{args.rows:,} rows; zip {real['zip'].nunique():,} levels, comment {real['comment'].nunique():,}",
          flush=True)
    rows = []
    for step in args.steps.split(","):
        base_s, base_result = run_step(step, real.drop(columns=["zip", "comment"]),
                                       other.drop(columns=["zip", "comment"]), narrow)
        many_s, many_result = run_step(step, real, other, wide)
        rows.append({"step": step, "many_levels_s": many_s, "without_them_s": base_s, "ratio": many_s / base_s,
                     "many_levels": many_result, "without_them": base_result})
        print(f"  {step}: {many_s:.1f} s", flush=True)
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".2f"))


if __name__ == "__main__":
    main()
