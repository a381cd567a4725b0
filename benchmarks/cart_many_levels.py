"""CART on categorical columns of many levels: time, memory and what the synthetic levels keep.

A generated 35,000-row table: age, income, hours, sex, education (16 levels), state (50), a 'city' of
~19,000 levels seen (Zipf-like, 40,000 possible) that fixes the state, and a 'zip' of ~6,000 levels that
follows the city for 70 % of rows. Times ``CARTSynthesizer(random_state=seed).fit(df).sample(len(df))``
and prints: the share of synthetic city/zip values that are training levels, their total variation
distance to the real frequencies, and the share of synthetic (city, state) and (city, zip) pairs seen in
training (a second real table from the same generator: 0.655 and 0.238, a third of its cities being new).

    .venv/bin/python benchmarks/cart_many_levels.py [--seed 0] [--rows 35000]
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


def main() -> None:
    from synthlearn.synth import CARTSynthesizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rows", type=int, default=35_000)
    args = parser.parse_args()
    df = make_table(args.rows)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        synth = CARTSynthesizer(random_state=args.seed).fit(df)
        fitted = time.perf_counter()
        out = synth.sample(len(df))
        done = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(df):,} rows: fit {fitted - start:.1f} s, sample {done - fitted:.1f} s, peak RSS {peak:,.0f} MiB, "
          f"{len(caught)} warning(s)")
    for column in ("city", "zip"):
        real = df[column].value_counts(normalize=True)
        synthetic = out[column].value_counts(normalize=True)
        tvd = 0.5 * real.sub(synthetic, fill_value=0).abs().sum()
        print(f"{column}: {df[column].nunique():,} levels, synthetic values that are training levels "
              f"{out[column].isin(real.index).mean():.3f}, TVD {tvd:.3f}")
    for a, b in (("city", "state"), ("city", "zip")):
        seen = set(zip(df[a], df[b]))
        print(f"({a}, {b}) pairs seen in training: {np.mean([p in seen for p in zip(out[a], out[b])]):.3f}")


if __name__ == "__main__":
    main()
