"""The neural synthesizers on categorical columns of many levels: fit time per epoch, sampling speed, quality.

The table of benchmarks/cart_many_levels.py (35,000 rows; a 'city' of ~19,000 levels and a 'zip' of
~6,000) or a CSV. Fits ``VAESynthesizer`` or ``GANSynthesizer`` for ``--epochs`` passes, samples as
many rows as the table has, and prints one line: fit seconds, seconds per epoch (the loop's own
timing), rows sampled per second, the mean column-shape and column-pair scores of
``synthlearn.evaluate``, and the share of synthetic city values that are training levels.

    .venv/bin/python benchmarks/neural_many_levels.py --method vae --epochs 5 [--csv /tmp/ml/ml.csv]
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=("vae", "gan"), default="vae")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=35000)
    parser.add_argument("--csv", default=None)
    parser.add_argument("--head", type=int, default=None, help="only the first rows of the table")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-quality", action="store_true")
    args = parser.parse_args()
    if args.csv:
        df = pd.read_csv(args.csv)
    else:
        from cart_many_levels import make_table

        df = make_table(args.rows)
    if args.head:
        df = df.head(args.head)
    from synthlearn.data import infer_schema
    from synthlearn.synth import GANSynthesizer, VAESynthesizer

    cls = VAESynthesizer if args.method == "vae" else GANSynthesizer
    schema = infer_schema(df)
    start = time.perf_counter()
    synth = cls(epochs=args.epochs, random_state=args.seed).fit(df, schema)
    fit_s = time.perf_counter() - start
    per_epoch = sum(row["seconds"] for row in synth.history_) / len(synth.history_)
    start = time.perf_counter()
    out = synth.sample(len(df))
    sample_s = time.perf_counter() - start
    row = {"method": args.method, "epochs": args.epochs, "width": synth.modes_.width_, "fit_s": round(fit_s, 1),
           "s_per_epoch": round(per_epoch, 2), "sample_rows_per_s": round(len(df) / sample_s)}
    if not args.no_quality:
        from synthlearn.evaluate import column_pairs, column_shapes

        shapes = column_shapes(df, out, schema)
        pairs = column_pairs(df, out, schema)
        row.update(shapes=round(float(shapes["score"].mean()), 3), pairs=round(float(pairs["score"].mean()), 3),
                   per_column={r.column: round(r.score, 3) for r in shapes.itertuples()},
                   city_seen=round(float(out["city"].isin(set(df["city"])).mean()), 3))
    print(json.dumps(row))


if __name__ == "__main__":
    main()
