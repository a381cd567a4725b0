"""``synthlearn synthesize`` (the main job) and ``synthlearn sample``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from synthlearn.cli.console import Progress, user_errors

NEURAL = ("vae", "gan")
IN_MEMORY_ROWS = 10_000_000  # synthesize holds its synthetic table in memory (sample streams)
PARTITION_ROWS = 1_000_000  # sample streams partitions of this many rows, conditioned or not
SAMPLE_OPTIONS = {"reject_copies": "--no-copies", "min_distance": "--min-distance"}  # Synthesizer.sample's, in CLI
FIT_OPTIONS = {"epochs": "--epochs", "batch_size": "--batch-size", "device": "--device"}  # the neural ones


@user_errors
def synthesize(
    data: Optional[Path] = typer.Argument(None, help="Real table (.csv or .parquet). Default: the bundled penguins table."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Column to predict in the utility check "
                                         "(default for the bundled table: species)."),
    method: str = typer.Option("cart", "--method", "-m", help="Synthesizer: cart (sequential trees), copula, vae or gan."),
    rows: Optional[int] = typer.Option(None, "--rows", "-n", help="Synthetic rows to make (default: as many as the real table)."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Folder for synthetic.parquet, report.html, report.json, model/."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same split, model and rows."),
    holdout: float = typer.Option(0.3, "--holdout-fraction", help="Fraction of real rows kept aside for the checks."),
    old_holdout: Optional[float] = typer.Option(None, "--holdout", hidden=True,
                                                help="Deprecated name of --holdout-fraction."),
    sensitive: Optional[list[str]] = typer.Option(None, "--sensitive", help="Sensitive column whose groups the "
                                                  "bias check compares (repeatable; needs --target)."),
    categorical: Optional[list[str]] = typer.Option(None, "--categorical", "-c", help="Treat this column as categorical (repeatable)."),
    schema_file: Optional[Path] = typer.Option(None, "--schema", help='JSON {"columns": {"name": "kind"}} overriding inferred kinds.'),
    no_copies: bool = typer.Option(False, "--no-copies", help="Never output a row identical to a training row."),
    min_distance: Optional[float] = typer.Option(None, "--min-distance", help="Also redraw rows closer than this "
                                                 "Gower distance (0-1, the report's DCR) to any training row."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Training epochs (vae, gan; default: enough for "
                                         "3,000 steps, and at least 300 for the gan)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Mini-batch size (vae, gan)."),
    device: str = typer.Option("auto", "--device", help="Torch device for neural methods: auto (CUDA if present), cpu, cuda."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Learn a real table, sample a synthetic one, and check it.

    Writes OUT/synthetic.parquet, OUT/report.html, OUT/report.json, OUT/schema.json
    and OUT/model/ (reload it with `synthlearn sample`).

    Example: synthlearn synthesize data.csv --target label --method cart --out out

    Example: synthlearn synthesize adult.csv --target income --sensitive sex --sensitive race --out out
    """
    from synthlearn.atomic import check_replaceable, holds_only
    from synthlearn.cli.console import print_summary
    from synthlearn.atomic import staged_outputs
    from synthlearn.cli.options import (build_schema, check_outputs_spare_input, check_sensitive, check_target,
                                        with_option_names, writable_folder)
    from synthlearn.data import DATASETS, atomic_write, holdout_split, load_dataset, read_table, write_table
    from synthlearn.data.split import split_record
    from synthlearn.errors import InvalidParameterError
    from synthlearn.synth import METHODS
    from synthlearn.synth.base import MODEL_FILES
    from synthlearn.data import check_n_rows
    from synthlearn.data.io import check_seed

    check_seed(seed, "--seed")  # one the holdout split (scikit-learn) takes too
    if method not in METHODS:
        raise InvalidParameterError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    if old_holdout is not None:  # the option's first name, kept working; `evaluate --holdout` is a file
        holdout = old_holdout
    if rows is not None:
        check_n_rows(rows, "--rows")
        if rows > IN_MEMORY_ROWS:
            raise InvalidParameterError(
                f"--rows {rows:,} is more than synthesize holds in memory ({IN_MEMORY_ROWS:,}); synthesize the "
                f"default number of rows, then stream more with `synthlearn sample OUT/model --rows {rows}`")
    neural = {"epochs": epochs, "batch_size": batch_size}
    if method not in NEURAL and any(v is not None for v in neural.values()):
        raise InvalidParameterError(f"--epochs and --batch-size apply to --method {'/'.join(NEURAL)}, not {method}")
    if method not in NEURAL and device != "auto":
        raise InvalidParameterError(f"--device applies to --method {'/'.join(NEURAL)}, not {method}, which runs on "
                                    f"the CPU; leave it out")
    out = writable_folder(out)
    check_outputs_spare_input(out, ("synthetic.parquet", "report.html", "report.json", "schema.json"), data,
                              schema_file)
    check_replaceable(out / "model", holds_only(*MODEL_FILES), inputs=[p for p in (data, schema_file) if p],
                      option="--out")
    with Progress(quiet) as progress:
        if data is None:
            progress.step("loading the bundled penguins table")
            df = load_dataset("penguins")
            target = target if target is not None else DATASETS["penguins"]
            source = "penguins (bundled)"
        else:
            progress.step(f"reading {data}")
            df = read_table(data)
            source = str(data)
        schema = build_schema(df, schema_file, categorical)
        check_target(df, schema, target)
        sensitive = check_sensitive(df, schema, sensitive, target)
        try:
            train, hold = holdout_split(df, schema=schema, target=target, holdout=holdout, random_state=seed)
        except InvalidParameterError as exc:
            raise with_option_names(exc, {"holdout fraction": "--holdout-fraction"}) from None
        n = rows if rows is not None else len(df)
        progress.step(f"fitting {method} on {len(train):,} rows")
        params = {"random_state": seed}
        if method == "cart" and target is not None:
            params["visit_order"] = [target]  # every other column is then drawn given the target
        if method in NEURAL:
            params.update({k: v for k, v in neural.items() if v is not None}, device=device, verbose=not quiet)
        try:
            synth = METHODS[method](**params).fit(train, schema)
        except InvalidParameterError as exc:
            raise with_option_names(exc, FIT_OPTIONS) from None
        synth.encoder_.reserve_identifiers(df)  # new identifiers avoid the holdout's too
        progress.step(f"sampling {n:,} rows")
        try:
            synthetic = synth.sample(n, reject_copies=no_copies, min_distance=min_distance)
        except InvalidParameterError as exc:
            raise with_option_names(exc, SAMPLE_OPTIONS) from None
        from synthlearn.evaluate import evaluate, write_report

        report = evaluate(train, hold, synthetic, schema=schema, target=target, random_state=seed,
                          progress=progress.step, sensitive=sensitive)
        report.meta.update(method=method, source=source, seed=seed, 
                           split=split_record(schema, target, holdout, seed, df))
        if no_copies:
            report.meta["copies_replaced"] = synth.last_sample_info_["copies_replaced"]
        if min_distance is not None:
            report.meta["min_distance"] = min_distance
            report.meta["too_close_replaced"] = synth.last_sample_info_["too_close_replaced"]
        progress.step("writing the report")
        text = __import__("json").dumps(schema.to_dict(), indent=2) + "\n"
        with staged_outputs(out) as stage:  # all or nothing: a failure (a full disk) leaves nothing new behind
            write_report(report, stage, train, synthetic, schema,
                         title=f"Synthetic data quality — {Path(source).name}")
            write_table(synthetic, stage / "synthetic.parquet", source=data)
            atomic_write(stage / "schema.json", lambda tmp: tmp.write_text(text))
            synth.save(out / "model")
    if not quiet:
        progress.done(f"wrote {out}/synthetic.parquet ({n:,} rows), report.html, report.json, schema.json, model/")
    print_summary(report, title=f"{method} on {source}: quality summary")


@user_errors
def sample(
    model: Path = typer.Argument(..., help="Model folder written by `synthlearn synthesize` (OUT/model)."),
    rows: Optional[int] = typer.Option(None, "--rows", "-n", help="Rows to sample (default: as many as the model was fitted on)."),
    out: Path = typer.Option(Path("synthetic.parquet"), "--out", "-o", help="Output table (.csv or .parquet)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Random seed (default: the model's own seed)."),
    where: Optional[list[str]] = typer.Option(None, "--where", "-w", help="Condition COL=VALUE for every row (repeatable)."),
    conditions_file: Optional[Path] = typer.Option(None, "--conditions", help="A table (.csv or .parquet) of "
                                                   "conditions, one row per output row (empty cells free); "
                                                   "--rows defaults to its length."),
    balance: Optional[str] = typer.Option(None, "--balance", help="Make every category of this column equally frequent."),
    no_copies: bool = typer.Option(False, "--no-copies", help="Never output a row identical to a training row."),
    min_distance: Optional[float] = typer.Option(None, "--min-distance", help="Also redraw rows closer than this "
                                                 "Gower distance (0-1) to any training row; needs --reference."),
    reference: Optional[Path] = typer.Option(None, "--reference", help="The training table, for --min-distance "
                                             "(saved models keep no training rows)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Sample rows from a saved synthesizer, optionally conditioned.

    Rows stream to the file in partitions of 1,000,000 rows, so memory stays bounded for any
    --rows, conditioned or not (partition i uses child i of numpy's SeedSequence(--seed)).

    Example: synthlearn sample out/model --rows 1000 --where species=Gentoo --no-copies --out gentoo.csv

    Example: synthlearn sample out/model --rows 900 --balance species --out balanced.parquet

    Example: synthlearn sample out/model --conditions wanted.csv --out twins.csv
    """
    import numpy as np

    from synthlearn.cli.options import with_option_names, writable_file
    from synthlearn.data import table_format
    from synthlearn.errors import InvalidParameterError
    from synthlearn.synth import Synthesizer
    from synthlearn.data import check_n_rows
    from synthlearn.data.io import check_seed

    check_seed(seed, "--seed", maximum=None)
    if rows is not None:
        check_n_rows(rows, "--rows")
    condition = _parse_where(where or [])
    if balance is not None and balance in condition:
        raise InvalidParameterError(f"--balance {balance} and --where {balance}={condition[balance]} contradict "
                                    f"each other; give one of them")
    if conditions_file is not None and balance is not None:
        raise InvalidParameterError("--conditions and --balance both say what each row is; give one of them")
    table_format(out)
    writable_file(out)
    from synthlearn.data.io import same_file
    from synthlearn.errors import FileFormatError

    for given in (conditions_file, reference):
        if given is not None and same_file(out, given):
            raise FileFormatError(f"refusing to overwrite the input file '{given}' with --out; choose another --out")
    table = None
    if conditions_file is not None:
        table = _conditions_table(conditions_file, rows, condition)
        rows = len(table)
    if min_distance is not None and reference is None:
        raise InvalidParameterError("--min-distance needs --reference <the training table>: saved models keep no "
                                    "training rows")
    with Progress(quiet) as progress:
        progress.step(f"loading {model}")
        synth = Synthesizer.load(model)
        n = rows if rows is not None else synth.n_rows_
        progress.step(f"sampling {n:,} rows")
        # streamed partition by partition (bounded memory for any --rows); rows depend on the seed only
        from synthlearn.generate import SynthesizerSource, write_generated

        conditions = (table if table is not None else _balanced(synth, balance, n, condition, progress.warn)
                      if balance else (condition or None))
        train = None
        if reference is not None:
            from synthlearn.data import read_table

            progress.step(f"reading {reference}")
            train = read_table(reference)
        options = {"reject_copies": no_copies} if no_copies else {}
        if min_distance is not None:
            options.update(min_distance=min_distance, reference=train)
        stream_seed = seed if seed is not None else synth.random_state
        if stream_seed is None:
            stream_seed = int(np.random.SeedSequence().entropy % (2**32))
        try:
            source = SynthesizerSource(synth, conditions, **options)
            shown = (lambda done: progress.step(f"sampling {n:,} rows: {done:,} written")) if n > PARTITION_ROWS else None
            write_generated(source, n, out, seed=stream_seed, partition_rows=PARTITION_ROWS, progress=shown)
        except InvalidParameterError as exc:
            raise with_option_names(exc, SAMPLE_OPTIONS) from None
    if not quiet:
        extra = f"; {source.replaced['copies_replaced']} copies of training rows replaced" if no_copies else ""
        if min_distance is not None:
            extra += (f"; {source.replaced['too_close_replaced']} rows closer than {min_distance} to a "
                      f"training row replaced")
        progress.done(f"wrote {out} ({n:,} rows{extra})")


def _conditions_table(path: Path, rows: int | None, condition: dict):
    """The ``--conditions`` table, with the ``--where`` conditions as columns of their own."""
    from synthlearn.data import read_table
    from synthlearn.errors import DataError, InvalidParameterError

    table = read_table(path)
    if len(table) == 0:
        raise DataError(f"--conditions '{path}' has no rows; give one condition row per output row")
    if rows is not None and rows != len(table):
        raise InvalidParameterError(f"--rows {rows:,} but --conditions '{path}' has {len(table):,} rows, one per "
                                    f"output row; drop --rows or give that many")
    both = [c for c in condition if c in table.columns]
    if both:
        raise InvalidParameterError(f"--where {both[0]}={condition[both[0]]} and the column '{both[0]}' of "
                                    f"--conditions both condition it; give one of them")
    return table.assign(**condition)


def _parse_where(items: list[str]) -> dict:
    from synthlearn.errors import InvalidParameterError

    condition = {}
    for item in items:
        column, sep, value = item.partition("=")
        if not sep or not column:
            raise InvalidParameterError(f"--where {item!r} must look like COLUMN=VALUE, e.g. --where species=Gentoo")
        if column in condition and condition[column] != value:
            raise InvalidParameterError(f"--where gives '{column}' two values ({condition[column]!r} and {value!r}); "
                                        f"give each column once")
        condition[column] = value
    return condition


def _balanced(synth, column: str, n: int, condition: dict, warn=None):
    """Conditions giving every category of ``column`` an equal share of ``n`` rows: every category that
    occurs with the ``condition`` (``--where``) in the training rows, the others named to ``warn``. Returns
    ``rows(start, k)``, the conditions table of output rows ``start`` to ``start + k`` (the categories in
    turn), so a partition of a streamed sample builds only its own."""
    import numpy as np
    import pandas as pd

    from synthlearn.errors import ColumnError, InvalidParameterError

    spec = synth.encoder_.specs_.get(column)
    if spec is None or "categories" not in spec:
        known = [c for c, s in synth.encoder_.specs_.items() if "categories" in s]
        raise ColumnError(f"--balance '{column}' is not a categorical column of the model; choose one of {known}")
    modes = getattr(synth, "modes_", None)  # the neural synthesizers' encoding, which pools rare levels
    pooled = modes.pooled_columns() if modes is not None and hasattr(modes, "pools_") else {}
    if column in pooled:
        from synthlearn.synth.modes import MAX_MODEL_LEVELS

        raise InvalidParameterError(
            f"--balance '{column}': the column has {pooled[column]:,} levels, more than the {MAX_MODEL_LEVELS} this "
            f"model learns one by one (the rare ones share a slot), and balancing them would give each of its rare "
            f"levels, which identify people, as many rows as the common ones; balance a column of at most "
            f"{MAX_MODEL_LEVELS} levels, or sample one level with --where {column}=VALUE")
    cats = spec["categories"]
    if condition:
        from synthlearn.synth.conditions import ConditionError, check_seen_together, encode_condition

        seen, possible, lookups = getattr(synth, "seen_pairs_", None), [], {}  # each column's codes found once
        # an unknown column or value, or two never seen together, are refused as without --balance
        check_seen_together(synth.encoder_, encode_condition(synth.encoder_, condition, lookups), seen)
        for cat in cats:
            try:
                check_seen_together(synth.encoder_, encode_condition(synth.encoder_, {**condition, column: cat},
                                                                     lookups), seen)
                possible.append(cat)
            except ConditionError:
                pass
        where = " and ".join(f"{k}={v}" for k, v in condition.items())
        if not possible:
            raise ConditionError(f"--balance '{column}': none of its categories occurs with {where} in the training "
                                 f"rows; drop a --where condition")
        if len(possible) < len(cats) and warn is not None:
            absent = [c for c in cats if c not in possible]
            warn(f"--balance '{column}': {', '.join(map(str, absent[:10]))}{' ...' if len(absent) > 10 else ''} "
                 f"never occur{'s' if len(absent) == 1 else ''} with {where} in the training rows; the rows are "
                 f"shared among {', '.join(map(str, possible[:10]))}{' ...' if len(possible) > 10 else ''}")
        cats = possible
    if n < len(cats):  # np.resize would keep the first n categories only
        raise InvalidParameterError(f"--balance '{column}': the column has {len(cats):,} categories, more than the "
                                    f"{n:,} rows asked for, so they cannot all appear equally often; ask for at least "
                                    f"--rows {len(cats)} or balance a column of fewer categories")
    cats = np.array(cats, dtype=object)

    def rows(start: int, k: int):
        table = pd.DataFrame({column: pd.Series(cats[(start + np.arange(k)) % len(cats)], dtype=object)})
        for key, value in condition.items():
            table[key] = value
        return table

    return rows
