"""``synthlearn generate``: labelled tables from scratch or from a column spec, streamed to a file; labelled images."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from synthlearn.cli.console import user_errors

KINDS = ("classification", "regression")
#: Options that apply to one KIND only.
KIND_OF_OPTION = {"--classes": "classification", "--class-sep": "classification", "--weights": "classification",
                  "--flip-y": "classification", "--noise": "regression", "--regression": "regression"}
#: make_table parameter → the CLI option that sets it (for error messages).
OPTION_NAMES = {
    "n_rows": "--rows", "n_numeric": "--numeric", "n_binary": "--binary", "n_categorical": "--categorical",
    "n_categories": "--categories", "n_classes": "--classes", "n_informative": "--informative",
    "n_redundant": "--redundant", "class_sep": "--class-sep", "weights": "--weights", "flip_y": "--flip-y",
    "noise": "--noise", "regression": "--regression", "marginals": "--marginal", "missing_rate": "--missing-rate",
    "missing": "--missing", "outlier_rate": "--outlier-rate", "outlier_column": "--outlier-column",
    "target_name": "--target", "random_state": "--seed", "partition_rows": "--chunk-rows",
}


@user_errors
def generate(
    kind: Optional[str] = typer.Argument(None, help="classification or regression (omit with --spec), or images "
                                         "(a folder of PNGs, masks and annotations)."),
    spec: Optional[Path] = typer.Option(None, "--spec", "-s", help="YAML/JSON column spec instead of KIND."),
    rows: int = typer.Option(..., "--rows", "-n", help="Rows (or images) to generate (any number: written in "
                             "chunks)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output table: .parquet (row groups) or .csv; a folder for "
                             "images."),
    seed: int = typer.Option(0, "--seed", help="Random seed; with --chunk-rows it fixes every row."),
    numeric: Optional[int] = typer.Option(None, "--numeric", help="Numeric columns. Default: 10."),
    binary: Optional[int] = typer.Option(None, "--binary", help="Binary columns. Default: 0."),
    categorical: Optional[int] = typer.Option(None, "--categorical", help="Categorical columns. Default: 0."),
    categories: Optional[int] = typer.Option(None, "--categories", help="Categories per categorical column. "
                                             "Default: 3."),
    classes: Optional[int] = typer.Option(None, "--classes", help="Classes of the target (classification). "
                                          "Default: 2."),
    informative: Optional[int] = typer.Option(None, "--informative", help="Columns carrying the signal. Default: "
                                              "a fifth of the columns, at least 2 (and enough for --classes)."),
    redundant: Optional[int] = typer.Option(None, "--redundant", help="Linear combinations of informative columns. "
                                            "Default: 0."),
    class_sep: Optional[float] = typer.Option(None, "--class-sep", help="Class separation: larger is easier "
                                              "(classification). Default: 1.0."),
    weights: Optional[str] = typer.Option(None, "--weights", help="Class proportions, e.g. 0.9,0.1 "
                                          "(classification). Default: balanced."),
    flip_y: Optional[float] = typer.Option(None, "--flip-y", help="Fraction of labels set to a random class "
                                           "(classification). Default: 0."),
    noise: Optional[float] = typer.Option(None, "--noise", help="Noise sd of the target (regression). Default: 0."),
    regression: Optional[str] = typer.Option(None, "--regression", help="linear, friedman, interactions or "
                                             "thresholds (regression). Default: linear."),
    marginal: Optional[list[str]] = typer.Option(None, "--marginal", help="COLUMN=FAMILY, e.g. num_0=lognormal "
                                                 "(repeatable)."),
    missing_rate: Optional[float] = typer.Option(None, "--missing-rate", help="Fraction of feature cells missing. "
                                                 "Default: 0."),
    missing: Optional[str] = typer.Option(None, "--missing", help="mcar or mar (depends on another column). "
                                          "Default: mcar."),
    outlier_rate: Optional[float] = typer.Option(None, "--outlier-rate", help="Fraction of rows with an outlier. "
                                                 "Default: 0."),
    outlier_column: Optional[str] = typer.Option(None, "--outlier-column", help="Name of a column marking outlier "
                                                 "rows. Default: none."),
    target: Optional[str] = typer.Option(None, "--target", help="Name of the label column. Default: target."),
    chunk_rows: Optional[int] = typer.Option(None, "--chunk-rows", help="Rows per partition / row group. "
                                             "Default: 1000000."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Start a local Dask cluster with N workers."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Use the Dask scheduler at ADDRESS."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
    size: Optional[str] = typer.Option(None, "--size", help="Image side or HEIGHTxWIDTH, e.g. 64 or 48x64 (images). "
                                       "Default: 64."),
    shapes: Optional[str] = typer.Option(None, "--shapes", help="Comma-separated classes from circle, square, "
                                         "triangle, ellipse, rectangle, star, cross (images). Default: "
                                         "circle,square,triangle."),
    shape_weights: Optional[str] = typer.Option(None, "--shape-weights", help="Proportions of --shapes, e.g. "
                                                "0.5,0.3,0.2 (images). Default: balanced."),
    objects: Optional[str] = typer.Option(None, "--objects", help="Objects per image: N or LOW-HIGH (images). "
                                          "Default: 1-3."),
    channels: Optional[int] = typer.Option(None, "--channels", help="3 (RGB) or 1 (grey) (images). Default: 3."),
    object_size: Optional[str] = typer.Option(None, "--object-size", help="Object diameter as a fraction of the "
                                              "shorter side, LOW-HIGH (images). Default: 0.15-0.45."),
    background: Optional[str] = typer.Option(None, "--background", help="plain, gradient or texture (images). "
                                             "Default: plain."),
    pixel_noise: Optional[float] = typer.Option(None, "--pixel-noise", help="Sd of Gaussian noise on every image "
                                                "(images). Default: 0."),
    blur: Optional[float] = typer.Option(None, "--blur", help="Sigma in pixels of a Gaussian blur of every image "
                                         "(images). Default: 0."),
    edge_cases: Optional[str] = typer.Option(None, "--edge-cases", help="One rate for all edge cases, or "
                                             "NAME=RATE,... of truncated, occluded, tiny, low_contrast (per object) "
                                             "and noisy, blurred, clutter, empty (per image) (images). Default: "
                                             "none."),
    min_visible: Optional[float] = typer.Option(None, "--min-visible", help="Least visible fraction of any object "
                                                "(images). Default: 0.25."),
    coco: Optional[bool] = typer.Option(None, "--coco/--no-coco", help="Also write COCO annotations.json "
                                        "(images). Default: --coco."),
) -> None:
    """Generate a labelled table from scratch, or from a column spec, in any length; or labelled images.

    Example: synthlearn generate classification --rows 1000000 --binary 2 --categorical 3 --class-sep 1.5 --out data.parquet

    Example: synthlearn generate --spec examples/specs/customers.yaml --rows 100000 --out customers.csv

    Example: synthlearn generate images --rows 200 --size 64 --edge-cases truncated=0.2,occluded=0.2 --out shapes
    """
    from synthlearn.cli.options import with_option_names, writable_file
    from synthlearn.data import table_format
    from synthlearn.errors import ColumnError, InvalidParameterError
    from synthlearn.generate import dask_client, load_spec
    from synthlearn.generate.partitioned import check_partition_rows
    from synthlearn.data import check_n_rows
    from synthlearn.generate.tables import TableGenerator

    table_options = {
        "--numeric": numeric, "--binary": binary, "--categorical": categorical, "--categories": categories,
        "--classes": classes, "--informative": informative, "--redundant": redundant, "--class-sep": class_sep,
        "--weights": weights, "--flip-y": flip_y, "--noise": noise, "--regression": regression,
        "--marginal": marginal, "--missing-rate": missing_rate, "--missing": missing, "--outlier-rate": outlier_rate,
        "--outlier-column": outlier_column, "--target": target,
    }
    image_options = {
        "--size": size, "--shapes": shapes, "--shape-weights": shape_weights, "--objects": objects,
        "--channels": channels, "--object-size": object_size, "--background": background,
        "--pixel-noise": pixel_noise, "--blur": blur, "--edge-cases": edge_cases, "--min-visible": min_visible,
        "--coco": coco,
    }
    if kind == "images":
        from synthlearn.cli.generate_images import generate_images

        given = [name for name, value in table_options.items() if value is not None]
        if spec is not None or given:
            raise InvalidParameterError(f"{'--spec' if spec is not None else given[0]} does not apply to KIND "
                                        f"images; drop it")
        return generate_images(rows, out, seed, quiet, image_options, chunk_rows=chunk_rows, workers=workers,
                               scheduler=scheduler)
    given = [name for name, value in image_options.items() if value is not None]
    if given:
        raise InvalidParameterError(f"{given[0]} applies only to KIND images; drop it or generate images")
    if chunk_rows is None:
        chunk_rows = 1_000_000
    if spec is not None and kind is not None:
        raise InvalidParameterError(f"give KIND ({kind!r}) or --spec, not both")
    if spec is None and kind is None:
        raise InvalidParameterError("give KIND (classification or regression, or images) or --spec FILE")
    if kind is not None and kind not in KINDS:
        raise InvalidParameterError(f"KIND must be classification or regression (tables) or images, got {kind!r}")
    rows = check_n_rows(rows, "--rows")
    chunk_rows = check_partition_rows(chunk_rows, "--chunk-rows")
    if seed < 0:
        raise InvalidParameterError(f"--seed must be >= 0, got {seed}")
    table_format(out)
    writable_file(out)
    if spec is not None:
        given = [name for name, value in table_options.items() if value is not None]
        if given:
            raise InvalidParameterError(f"{given[0]} does not apply with --spec; put the setting in the spec file")
        source = load_spec(spec)
    else:
        wrong = [name for name, applies in KIND_OF_OPTION.items()
                 if applies != kind and table_options[name] is not None]
        if wrong:
            raise InvalidParameterError(f"{wrong[0]} applies only to KIND {KIND_OF_OPTION[wrong[0]]}, not {kind}; "
                                        f"drop it or generate {KIND_OF_OPTION[wrong[0]]}")
        try:
            given = {"n_numeric": numeric, "n_binary": binary, "n_categorical": categorical,
                     "n_categories": categories, "n_classes": classes, "n_informative": informative,
                     "n_redundant": redundant, "class_sep": class_sep, "weights": _weights(weights),
                     "flip_y": flip_y, "noise": noise, "regression": regression, "marginals": _marginals(marginal),
                     "missing_rate": missing_rate, "missing": missing, "outlier_rate": outlier_rate,
                     "outlier_column": outlier_column, "target_name": target}
            source = TableGenerator(task=kind, random_state=seed, **{k: v for k, v in given.items() if v is not None})
            source.check_rows(rows, chunk_rows)
        except (InvalidParameterError, ColumnError) as exc:
            raise with_option_names(exc, OPTION_NAMES) from None
    client = cluster = None
    if workers is not None or scheduler is not None:
        client, cluster = dask_client(workers, scheduler)
    try:
        _write(source, rows, out, seed, chunk_rows, client, quiet)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _write(source, rows, out, seed, chunk_rows, client, quiet):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from synthlearn.generate import write_generated

    console = Console(stderr=True, highlight=False)
    where = " on Dask" if client is not None else ""
    with Progress(TextColumn("generating" + where), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=quiet or not console.is_terminal, transient=True) as bar:
        task = bar.add_task("rows", total=rows)
        write_generated(source, rows, out, seed=seed, partition_rows=chunk_rows, client=client,
                        progress=lambda done: bar.update(task, completed=done))
    if not quiet:
        console.print(f"[green]✓[/green] wrote {out} ({rows:,} rows)", soft_wrap=True)


def _weights(text):
    from synthlearn.errors import InvalidParameterError

    if text is None:
        return None
    try:
        return [float(w) for w in text.split(",")]
    except ValueError:
        raise InvalidParameterError(f"--weights must be comma-separated numbers such as 0.9,0.1, got {text!r}") from None


def _marginals(items):
    from synthlearn.errors import InvalidParameterError

    if not items:
        return None
    out = {}
    for item in items:
        column, sep, family = item.partition("=")
        if not sep or not column or not family:
            raise InvalidParameterError(f"--marginal must be COLUMN=FAMILY such as num_0=lognormal, got {item!r}")
        out[column] = family
    return out
