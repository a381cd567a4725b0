"""Conditional sampling speed: a DataFrame of conditions, one per row, against plain sampling.

For each synthesizer (CART, Gaussian copula, VAE, GAN) fitted on one table, samples ``--rows`` rows
with no condition, then with a DataFrame of conditions taken from the training rows (one condition row
per output row) on:

- ``category``: one categorical column (few distinct values: few groups);
- ``number``: one numeric column of many distinct values (one group per value, and rejection for the
  neural synthesizers, which cannot condition on a number natively);
- ``number+category``: both.

Prints rows/s of each and its ratio to plain sampling (one process, so the machine's noise cancels),
the number of distinct condition rows, and the share of output rows that meet their condition (1.000:
every condition met). The table: penguins (``--table penguins``) or a generated one of ``--rows``
rows whose ``x`` has one value per 0.001 (``--table numbers``, the default: thousands of groups).

    .venv/bin/python benchmarks/conditional_sampling.py [--table numbers|penguins] [--rows 2000] [--epochs 50]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def make_numbers(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    kind = rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])
    x = (rng.normal(size=n) + np.where(kind == "c", 2.0, 0.0)).round(3)
    return pd.DataFrame({"kind": kind, "x": x, "y": (2 * x + rng.normal(size=n)).round(3)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="numbers", choices=["numbers", "penguins"])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=50, help="of the VAE and the GAN")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from synthlearn.data import load_dataset
    from synthlearn.synth import CARTSynthesizer, GANSynthesizer, GaussianCopulaSynthesizer, VAESynthesizer

    if args.table == "penguins":
        df, category, number = load_dataset("penguins").dropna(), "species", "body_mass_g"
    else:
        df, category, number = make_numbers(seed=args.seed), "kind", "x"
    # the conditions: rows of the table whose number is within its central 90 %, which every model reaches
    lo, hi = df[number].quantile([0.05, 0.95])
    source = df[(df[number] >= lo) & (df[number] <= hi)].sample(args.rows, replace=True, random_state=args.seed)
    source = source.reset_index(drop=True)
    makers = {"cart": lambda: CARTSynthesizer(random_state=args.seed),
              "copula": lambda: GaussianCopulaSynthesizer(random_state=args.seed),
              "vae": lambda: VAESynthesizer(epochs=args.epochs, random_state=args.seed),
              "gan": lambda: GANSynthesizer(epochs=args.epochs, random_state=args.seed)}
    rows = []
    for name, make in makers.items():
        synth = make().fit(df)
        start = time.perf_counter()
        synth.sample(args.rows, random_state=args.seed)
        plain = args.rows / (time.perf_counter() - start)
        rows.append({"method": name, "conditions": "none", "groups": 0, "rows_s": plain, "vs_plain": 1.0,
                     "met": 1.0})
        for label, columns in (("category", [category]), ("number", [number]),
                               ("number+category", [number, category])):
            wanted = source[columns]
            start = time.perf_counter()
            out = synth.sample(args.rows, conditions=wanted, random_state=args.seed)
            rate = args.rows / (time.perf_counter() - start)
            met = (out[columns].reset_index(drop=True) == wanted).all(axis=1).mean()
            rows.append({"method": name, "conditions": label, "groups": len(wanted.drop_duplicates()),
                         "rows_s": rate, "vs_plain": rate / plain, "met": met})
        print(f"  {name} done", flush=True)
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".3f"))


if __name__ == "__main__":
    main()
