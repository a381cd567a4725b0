"""CART on categorical columns of many levels: time, memory and what the synthetic levels keep.

A generated 35,000-row table: age, income, hours, sex, education (16 levels), state (50), a 'city' of
~19,000 levels seen (Zipf-like, 40,000 possible) that fixes the state, and a 'zip' of ~6,000 levels that
follows the city for 70 % of rows. Times ``CARTSynthesizer(random_state=seed).fit(df).sample(len(df))``
and prints: the share of synthetic city/zip values that are training levels, their total variation
distance to the real frequencies, and the share of synthetic (city, state) and (city, zip) pairs seen in
training (a second real table from the same generator: 0.655 and 0.238, a third of its cities being new).

The reference is exact CART (every level a class of its tree, as before the grouping), fitted in the same
process after the default; its peak RSS is the process's peak, so read it as an upper bound.

    .venv/bin/python benchmarks/cart_many_levels.py [--seed 0] [--rows 35000] [--no-exact]
"""

from __future__ import annotations

import argparse
import resource
import time
import warnings

import numpy as np
import pandas as pd


def make_table(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)

    def zipf(levels, a):
        p = 1.0 / np.arange(1, levels + 1) ** a
        return rng.choice(levels, size=n, p=p / p.sum())

    city = zipf(40_000, 0.6)
    zip_code = np.where(rng.random(n) < 0.3, zipf(6_000, 0.8), (city * 7 + rng.integers(0, 3, n)) % 6_000)
    edu = rng.choice(16, size=n, p=np.r_[np.full(8, 0.09), np.full(8, 0.035)])
    age = rng.integers(18, 90, n)
    return pd.DataFrame({
        "age": age,
        "income": np.round(np.exp(9 + 0.08 * edu + 0.01 * age + rng.normal(0, 0.5, n)), 2),
        "hours": np.clip(np.round(rng.normal(40, 10, n)), 1, 99),
        "sex": rng.choice(["F", "M"], size=n),
        "education": [f"edu{e:02d}" for e in edu],
        "state": [f"S{s:02d}" for s in city % 50],
        "city": [f"city_{c:05d}" for c in city],
        "zip": [f"z{z + 10_000:05d}" for z in zip_code],
    })


def run(df: pd.DataFrame, seed: int) -> dict:
    from synthlearn.synth import CARTSynthesizer

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        synth = CARTSynthesizer(random_state=seed).fit(df)
        fitted = time.perf_counter()
        out = synth.sample(len(df))
        done = time.perf_counter()
    row = {"fit_s": fitted - start, "sample_s": done - fitted,
           "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "warnings": len(caught)}
    for column in ("city", "zip"):
        real = df[column].value_counts(normalize=True)
        synthetic = out[column].value_counts(normalize=True)
        row[f"{column}_known"] = out[column].isin(real.index).mean()
        row[f"{column}_tvd"] = 0.5 * real.sub(synthetic, fill_value=0).abs().sum()
    for a, b in (("city", "state"), ("city", "zip")):
        seen = set(zip(df[a], df[b]))
        row[f"{a}_{b}_seen"] = np.mean([p in seen for p in zip(out[a], out[b])])
    return row


def main() -> None:
    from synthlearn.synth import cart

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rows", type=int, default=35_000)
    parser.add_argument("--no-exact", action="store_true", help="skip the exact CART reference (~45 s)")
    args = parser.parse_args()
    df = make_table(args.rows)
    print(f"{len(df):,} rows; city {df['city'].nunique():,} levels, zip {df['zip'].nunique():,}", flush=True)
    rows = {"grouped (default)": run(df, args.seed)}  # first: ru_maxrss is the process's peak so far
    if not args.no_exact:
        default = cart.MAX_TREE_CLASSES
        cart.MAX_TREE_CLASSES = 10**9  # every level a class of its tree: CART as before the grouping
        try:
            rows["exact (reference)"] = run(df, args.seed)
        finally:
            cart.MAX_TREE_CLASSES = default
    table = pd.DataFrame(rows).T
    if "exact (reference)" in rows:
        table["fit_speedup"] = table.loc["exact (reference)", "fit_s"] / table["fit_s"]
    print(table.to_markdown(floatfmt=".3f"))


if __name__ == "__main__":
    main()
