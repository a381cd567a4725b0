"""The neural synthesizers on categorical columns of many levels: fit time per epoch, sampling speed, quality.

The table of benchmarks/cart_many_levels.py (35,000 rows; a 'city' of ~19,000 levels and a 'zip' of
~6,000) or a CSV. Fits ``VAESynthesizer`` and ``GANSynthesizer`` for ``--epochs`` passes and, as the
reference, ``CARTSynthesizer``, samples as many rows as the table has, and prints one table: fit
seconds, seconds per epoch (the loop's own timing), rows sampled per second, the mean column-shape
and column-pair scores of ``synthlearn.evaluate``, the city and zip shapes, the share of synthetic
city values that are training levels, the share of synthetic (city, state) pairs seen in training
(the city fixes the state), the same share and the rows/s of 2,000 rows sampled conditioned on the cities
of as many training rows (a DataFrame of conditions), and fit time and shapes as ratios to CART's.

    .venv/bin/python benchmarks/neural_many_levels.py [--methods vae,gan,copula] [--epochs 30] [--head 10000]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

_CONDITIONED = 2000  # rows sampled conditioned on the cities of as many training rows


def run(method: str, df: pd.DataFrame, schema, epochs: int, seed: int, quality: bool) -> dict:
    from synthlearn.synth import CARTSynthesizer, GANSynthesizer, GaussianCopulaSynthesizer, VAESynthesizer

    if method == "cart":
        synth = CARTSynthesizer(random_state=seed)
    elif method == "copula":
        synth = GaussianCopulaSynthesizer(random_state=seed)
    else:
        synth = (VAESynthesizer if method == "vae" else GANSynthesizer)(epochs=epochs, random_state=seed)
    start = time.perf_counter()
    synth.fit(df, schema)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    out = synth.sample(len(df))
    sample_s = time.perf_counter() - start
    history = getattr(synth, "history_", None)
    row = {"method": method, "epochs": len(history) if history else None,
           "width": synth.modes_.width_ if hasattr(synth, "modes_") else None, "fit_s": fit_s,
           "s_per_epoch": sum(r["seconds"] for r in history) / len(history) if history else None,
           "sample_rows_s": len(df) / sample_s}
    if quality:
        from synthlearn.evaluate import column_pairs, column_shapes

        shapes = column_shapes(df, out, schema).set_index("column")["score"]
        row.update(shapes=shapes.mean(), pairs=column_pairs(df, out, schema)["score"].mean(),
                   city_shape=shapes["city"], zip_shape=shapes["zip"],
                   city_known=out["city"].isin(set(df["city"])).mean(),
                   city_state_seen=pd.MultiIndex.from_frame(out[["city", "state"]]).isin(
                       pd.MultiIndex.from_frame(df[["city", "state"]])).mean())
        # conditioned on cities of training rows (one condition row each, ~1,500 distinct): the state must follow
        wanted = df[["city"]].sample(_CONDITIONED, random_state=seed).reset_index(drop=True)
        start = time.perf_counter()
        conditioned = synth.sample(len(wanted), conditions=wanted, random_state=seed)
        row.update(cond_rows_s=len(wanted) / (time.perf_counter() - start),
                   cond_city_state_seen=pd.MultiIndex.from_frame(conditioned[["city", "state"]]).isin(
                       pd.MultiIndex.from_frame(df[["city", "state"]])).mean())
    print(f"  {method}: fit {fit_s:.1f} s", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="vae,gan",
                        help="comma-separated: vae, gan, copula (cart is the reference)")
    parser.add_argument("--epochs", type=int, default=30)
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

    schema = infer_schema(df)
    rows = [run(m, df, schema, args.epochs, args.seed, not args.no_quality)
            for m in ["cart"] + args.methods.split(",")]
    table = pd.DataFrame(rows).set_index("method")
    table["fit_vs_cart"] = table["fit_s"] / table.loc["cart", "fit_s"]
    if "shapes" in table:
        table["shapes_vs_cart"] = table["shapes"] / table.loc["cart", "shapes"]
    print(table.to_markdown(floatfmt=".3f"))


if __name__ == "__main__":
    main()
