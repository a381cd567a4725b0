"""``synthlearn compare``, ``train``, ``predict``, ``cluster`` and ``reduce``: the learning workbench."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from synthlearn.cli.console import Progress, user_errors
from synthlearn.errors import FileFormatError

_CATEGORICAL_HELP = "Treat this column as categorical (repeatable)."
_SCHEMA_HELP = 'JSON {"columns": {"name": "kind"}} overriding inferred kinds.'


def _read(data: Path, schema_file, categorical, progress):
    from synthlearn.cli.options import build_schema
    from synthlearn.data import read_table
    from synthlearn.learn.compare import check_mixed_types

    progress.step(f"reading {data}")
    df = read_table(data)
    schema = build_schema(df, schema_file, categorical)
    declared = set(categorical or [])
    if schema_file is not None:
        from synthlearn.data import Schema

        declared |= set(Schema.load(schema_file).kinds)
    check_mixed_types(df, schema, skip=declared)
    return df, schema


def _note(progress, message: str) -> None:
    if not progress.quiet:
        progress.console.print(f"[yellow]note:[/yellow] {message}")


#: compare() parameter → the option that sets it (for error messages).
_COMPARE_OPTIONS = {"cv": "--cv", "holdout": "--holdout", "time_budget": "--time-budget", "n_jobs": "--n-jobs"}


def _nothing_scored(board) -> str:
    """Why no model of ``board`` produced a score, in one line."""
    if len(board.failures):
        first = board.failures.iloc[0]
        return (f"no model produced a score: {len(board.failures)} failed (first {first['model']}: {first['error']})"
                f"{f' and {len(board.skipped)} were skipped' if len(board.skipped) else ''}; "
                f"fix the data or options that make them fail")
    first = board.skipped.iloc[0]
    return (f"no model produced a score: all {len(board.skipped)} were skipped (first {first['model']}: "
            f"{first['reason']}); raise --time-budget")


@user_errors
def compare(
    data: Path = typer.Argument(..., help="Table with the target column (.csv or .parquet)."),
    target: str = typer.Option(..., "--target", "-t", help="Column to predict."),
    out: Path = typer.Option(Path("compare"), "--out", "-o", help="Folder for leaderboard.csv, failures.csv, "
                             "skipped.csv and report.html."),
    models: Optional[list[str]] = typer.Option(None, "--model", "-m", help="Model to include (repeatable, or "
                                               "comma-separated). Default: every model for the task."),
    cv: int = typer.Option(5, "--cv", help="Cross-validation folds."),
    holdout: float = typer.Option(0.2, "--holdout", help="Fraction of rows kept aside for a holdout score "
                                  "(0: none)."),
    time_budget: Optional[float] = typer.Option(None, "--time-budget", help="Seconds for the whole comparison; "
                                                "models that would not finish are skipped and listed."),
    n_jobs: int = typer.Option(1, "--n-jobs", help="Folds fitted in parallel (-1: all cores)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the split, the folds and the models."),
    categorical: Optional[list[str]] = typer.Option(None, "--categorical", "-c", help=_CATEGORICAL_HELP),
    schema_file: Optional[Path] = typer.Option(None, "--schema", help=_SCHEMA_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Cross-validate every classic algorithm on one target and rank them.

    Same folds for every model; a failing model is listed, never fatal.
    Writes OUT/leaderboard.csv, OUT/failures.csv, OUT/skipped.csv and
    OUT/report.html (confusion matrices and ROC curves, or predicted-vs-true).

    Example: synthlearn compare penguins.csv --target species --time-budget 60 --out compare
    """
    from synthlearn.cli.console import print_table
    from synthlearn.cli.options import (check_outputs_spare_input, check_target, create_folder, with_option_names,
                                        writable_folder)
    from synthlearn.data import atomic_write
    from synthlearn.errors import DataError, InvalidParameterError
    from synthlearn.learn import compare as run_compare

    names = [n.strip() for m in (models or []) for n in m.split(",") if n.strip()] or None
    if not 0 <= holdout < 1:
        raise InvalidParameterError(f"--holdout must be a fraction in [0, 1), got {holdout}")
    out = writable_folder(out)
    check_outputs_spare_input(out, ("leaderboard.csv", "failures.csv", "skipped.csv", "report.html"), data)
    with Progress(quiet) as progress:
        df, schema = _read(data, schema_file, categorical, progress)
        check_target(df, schema, target)
        try:
            board = run_compare(df, target, schema, names, cv=cv, holdout=holdout or None, time_budget=time_budget,
                                n_jobs=n_jobs, random_state=seed, progress=progress.step)
        except InvalidParameterError as exc:
            raise with_option_names(exc, _COMPARE_OPTIONS) from None
        if board.table.empty:
            raise DataError(_nothing_scored(board))
        progress.step("writing the report")
        # the page first: should drawing it fail, no file of this run has been written yet
        page = board.to_html(title=f"Model comparison — {data.name}: {target}")
        create_folder(out)
        text = board.table.to_csv()
        atomic_write(out / "leaderboard.csv", lambda tmp: tmp.write_text(text))
        for name, frame in (("failures.csv", board.failures), ("skipped.csv", board.skipped)):
            body = frame.to_csv(index=False)
            atomic_write(out / name, lambda tmp, body=body: tmp.write_text(body))
        atomic_write(out / "report.html", lambda tmp: tmp.write_text(page, encoding="utf-8"))
    for message in board.notes:
        _note(progress, message)
    for row in board.failures.itertuples():
        _note(progress, f"{row.model} failed: {row.error}")
    for row in board.skipped.itertuples():
        _note(progress, f"{row.model} skipped: {row.reason}")
    if not quiet:
        progress.done(f"wrote {out}/leaderboard.csv and report.html ({board.meta['seconds']:.1f}s)")
    from synthlearn.learn.compare import METRICS

    shown = [c for c in (*METRICS[board.task], f"holdout_{board.main_metric}", "fit_s") if c in board.table]
    print_table(board.table[shown], title=f"{board.task} of {target}: leaderboard (by {board.main_metric}; "
                f"all columns in {out}/leaderboard.csv)")


@user_errors
def train(
    data: Path = typer.Argument(..., help="Training table (.csv or .parquet)."),
    target: str = typer.Option(..., "--target", "-t", help="Column to predict."),
    model: str = typer.Option("random_forest", "--model", "-m", help="Registered model name, or 'best' to "
                              "run a quick compare and keep the winner."),
    out: Path = typer.Option(Path("model"), "--out", "-o", help="Model folder (model.skops + metadata.json)."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the model."),
    categorical: Optional[list[str]] = typer.Option(None, "--categorical", "-c", help=_CATEGORICAL_HELP),
    schema_file: Optional[Path] = typer.Option(None, "--schema", help=_SCHEMA_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Fit one model on the whole table and save it (skops: no pickle) with its schema.

    Example: synthlearn train penguins.csv --target species --model random_forest --out model
    """
    from synthlearn.atomic import check_replaceable, holds_only
    from synthlearn.cli.options import check_target, writable_folder
    from synthlearn.learn import train as run_train
    from synthlearn.learn.persist import META_FILE, MODEL_FILE

    out = writable_folder(out)
    check_replaceable(out, holds_only(MODEL_FILE, META_FILE), inputs=[p for p in (data, schema_file) if p],
                      option="--out")
    with Progress(quiet) as progress:
        df, schema = _read(data, schema_file, categorical, progress)
        check_target(df, schema, target)
        progress.step(f"fitting {model} on {len(df):,} rows")
        fitted = run_train(df, target, model, schema, random_state=seed)
        fitted.save(out)
    for message in fitted.meta.get("notes", []):
        _note(progress, message)
    if not quiet:
        progress.done(f"wrote {out}/ ({fitted.model_name}, {fitted.task} of '{target}')")


@user_errors
def predict(
    model: Path = typer.Argument(..., help="Model folder written by `synthlearn train`."),
    data: Path = typer.Argument(..., help="New rows (.csv or .parquet) with the training columns."),
    out: Path = typer.Option(Path("predictions.csv"), "--out", "-o", help="Output table (.csv or .parquet)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Predict new rows: a `prediction` column, `proba_<class>` columns, and the id column if any.

    Categories never seen in training are handled like missing ones (and counted on stderr).

    Example: synthlearn predict model new.csv --out predictions.csv
    """
    from synthlearn.cli.options import writable_file
    from synthlearn.data import read_table, table_format, write_table
    from synthlearn.learn import load_model

    table_format(out)
    writable_file(out)
    from synthlearn.data.io import same_file

    if same_file(out, data):  # refused before the model is loaded and the rows predicted
        raise FileFormatError(f"refusing to overwrite the input file '{data}'; choose another --out")
    with Progress(quiet) as progress:
        progress.step(f"loading {model}")
        fitted = load_model(model)
        df = read_table(data)
        progress.step(f"predicting {len(df):,} rows")
        result = fitted.predict(df)
        write_table(result, out, source=data)
    for column, n in fitted.unseen_categories(df).items():
        _note(progress, f"column '{column}' has {n} value(s) never seen in training; treated as missing")
    if not quiet:
        progress.done(f"wrote {out} ({len(result):,} rows)")


@user_errors
def cluster(
    data: Path = typer.Argument(..., help="Table to cluster (.csv or .parquet)."),
    k: str = typer.Option("auto", "--k", help="Number of clusters, or 'auto' (best silhouette for k in 2..--k-max)."),
    k_max: int = typer.Option(10, "--k-max", help="Largest k tried by --k auto."),
    out: Path = typer.Option(Path("clusters"), "--out", "-o", help="Folder for clusters.csv, profiles.csv, "
                             "k_scores.csv and k_selection.png."),
    seed: int = typer.Option(0, "--seed", help="Random seed of k-means."),
    categorical: Optional[list[str]] = typer.Option(None, "--categorical", "-c", help=_CATEGORICAL_HELP),
    schema_file: Optional[Path] = typer.Option(None, "--schema", help=_SCHEMA_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Group rows with k-means; write each row's cluster and a profile of each cluster.

    Example: synthlearn cluster penguins.csv --k auto --out clusters
    """
    import pandas as pd

    from synthlearn.cli.console import print_table
    from synthlearn.cli.options import check_outputs_spare_input, create_folder, with_option_names, writable_folder
    from synthlearn.data import atomic_write, write_table
    from synthlearn.errors import InvalidParameterError
    from synthlearn.learn import cluster as run_cluster
    from synthlearn.learn.unsupervised import unused_name

    if k != "auto":
        try:
            k = int(k)
        except ValueError:
            raise InvalidParameterError(f"--k must be 'auto' or a whole number, got {k!r}") from None
    elif k_max < 2:
        raise InvalidParameterError(f"--k-max must be at least 2 (--k auto compares 2 to --k-max clusters), "
                                    f"got {k_max}")
    out = writable_folder(out)
    check_outputs_spare_input(out, ("clusters.csv", "profiles.csv", "k_scores.csv", "k_selection.png"), data)
    with Progress(quiet) as progress:
        df, schema = _read(data, schema_file, categorical, progress)
        progress.step("fitting k-means")
        try:
            result = run_cluster(df, k, schema, k_range=(2, k_max), random_state=seed)
        except InvalidParameterError as exc:
            raise with_option_names(exc, {"k": "--k"}) from None
        column = unused_name("cluster", df.columns)
        create_folder(out)
        labelled = pd.concat([df, pd.Series(result.labels, index=df.index, name=column)], axis=1)
        write_table(labelled, out / "clusters.csv", source=data)
        for name, frame in (("profiles.csv", result.profiles), ("k_scores.csv", result.scores)):
            text = frame.to_csv()
            atomic_write(out / name, lambda tmp, text=text: tmp.write_text(text))
        png = result.plot_png()
        atomic_write(out / "k_selection.png", lambda tmp: tmp.write_bytes(png))
    taken = [name for name in ("cluster", "size", "share") if name in df.columns]
    if taken:
        _note(progress, f"the table already has column(s) {taken}; the columns added for clusters are named "
                        f"{[unused_name(name, df.columns) for name in taken]} instead")
    if not quiet:
        progress.done(f"wrote {out}/clusters.csv, profiles.csv, k_scores.csv, k_selection.png (k = {result.k})")
    print_table(result.profiles, title=f"{result.k} clusters: profiles")


@user_errors
def reduce(
    data: Path = typer.Argument(..., help="Table to reduce (.csv or .parquet)."),
    components: str = typer.Option("2", "--components", "-k", help="Number of components, or a variance "
                                   "fraction such as 0.9."),
    out: Path = typer.Option(Path("reduced"), "--out", "-o", help="Folder for reduced.csv, "
                             "explained_variance.csv and explained_variance.png."),
    method: str = typer.Option("pca", "--method", help="pca, or autoencoder (a nonlinear reduction; its "
                               "reconstruction R² is printed beside PCA's)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    categorical: Optional[list[str]] = typer.Option(None, "--categorical", "-c", help=_CATEGORICAL_HELP),
    schema_file: Optional[Path] = typer.Option(None, "--schema", help=_SCHEMA_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Project rows onto principal components (PCA) or autoencoder codes and write the reduced table.

    Example: synthlearn reduce penguins.csv --components 2 --method autoencoder --out reduced
    """
    from synthlearn.cli.console import print_table
    from synthlearn.cli.options import check_outputs_spare_input, create_folder, with_option_names, writable_folder
    from synthlearn.data import atomic_write, write_table
    from synthlearn.errors import InvalidParameterError
    from synthlearn.learn import reduce as run_reduce

    try:
        value = float(components)
        n = int(value) if value.is_integer() and value >= 1 else value
    except ValueError:
        raise InvalidParameterError(f"--components must be a whole number or a fraction in (0, 1), "
                                    f"got {components!r}") from None
    out = writable_folder(out)
    check_outputs_spare_input(out, ("reduced.csv", "explained_variance.csv", "explained_variance.png"), data)
    with Progress(quiet) as progress:
        df, schema = _read(data, schema_file, categorical, progress)
        if method not in ("pca", "autoencoder"):
            raise InvalidParameterError(f"--method must be pca or autoencoder, got '{method}'")
        progress.step("fitting PCA" if method == "pca" else "training the autoencoder")
        try:
            result = run_reduce(df, n, schema, method=method, random_state=seed, verbose=not quiet)
        except InvalidParameterError as exc:
            raise with_option_names(exc, {"components": "--components"}) from None
        create_folder(out)
        write_table(result.table, out / "reduced.csv", source=data)
        if method == "pca":
            text = result.variance.to_csv()
            atomic_write(out / "explained_variance.csv", lambda tmp: tmp.write_text(text))
            png = result.plot_png()
            atomic_write(out / "explained_variance.png", lambda tmp: tmp.write_bytes(png))
    if method == "autoencoder":
        if not quiet:
            progress.done(f"wrote {out}/reduced.csv ({result.table.shape[1]} columns)")
        typer.echo(f"reconstruction R²: autoencoder {result.reconstruction_r2:.3f}, "
                   f"PCA with as many components {result.pca_r2:.3f}")
        return
    if not quiet:
        progress.done(f"wrote {out}/reduced.csv ({result.table.shape[1]} columns), explained_variance.csv/.png")
    print_table(result.variance, title="explained variance")
