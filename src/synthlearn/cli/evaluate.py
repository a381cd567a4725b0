"""``synthlearn evaluate``: check any synthetic table against the real one."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from synthlearn.cli.console import Progress, user_errors


@user_errors
def evaluate(
    real: Path = typer.Argument(..., help="Real table (.csv or .parquet)."),
    synthetic: Path = typer.Argument(..., help="Synthetic table with the same columns."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Column to predict in the utility check."),
    out: Path = typer.Option(Path("report"), "--out", "-o", help="Folder for report.html and report.json."),
    holdout_file: Optional[Path] = typer.Option(None, "--holdout", help="Real rows the synthesizer never saw. "
                                                "Default: rebuild the split `synthesize` makes with the same --seed."),
    holdout: float = typer.Option(0.3, "--holdout-fraction", help="Holdout fraction when splitting REAL."),
    seed: int = typer.Option(0, "--seed", help="Seed of the split and the checks."),
    sensitive: Optional[list[str]] = typer.Option(None, "--sensitive", help="Sensitive column whose groups the "
                                                  "bias check compares (repeatable; needs --target)."),
    categorical: Optional[list[str]] = typer.Option(None, "--categorical", "-c", help="Treat this column as categorical (repeatable)."),
    schema_file: Optional[Path] = typer.Option(None, "--schema", help="Schema JSON overriding inferred kinds."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Check a synthetic table against the real one and write an HTML + JSON report.

    Example: synthlearn evaluate real.csv out/synthetic.parquet --target species --out report

    Example: synthlearn evaluate real.csv synthetic.csv --target income --sensitive sex --sensitive age --out report
    """
    from synthlearn.cli.console import print_summary
    from synthlearn.atomic import staged_outputs
    from synthlearn.cli.options import build_schema, check_sensitive, check_target, with_option_names, writable_folder
    from synthlearn.data import holdout_split, read_table
    from synthlearn.evaluate import evaluate as run_evaluate
    from synthlearn.errors import InvalidParameterError
    from synthlearn.evaluate import write_report

    out = writable_folder(out)
    with Progress(quiet) as progress:
        progress.step("reading tables")
        real_df = read_table(real)
        synth_df = read_table(synthetic)
        schema = build_schema(real_df, schema_file, categorical)
        check_target(real_df, schema, target)
        sensitive = check_sensitive(real_df, schema, sensitive, target)
        if holdout_file is not None:
            train, hold = real_df, read_table(holdout_file)
        else:
            try:
                train, hold = holdout_split(real_df, schema=schema, target=target, holdout=holdout, random_state=seed)
            except InvalidParameterError as exc:
                raise with_option_names(exc, {"holdout fraction": "--holdout-fraction"}) from None
        report = run_evaluate(train, hold, _align(synth_df, real_df, keep_extra=True), schema=schema, target=target,
                              random_state=seed, progress=progress.step, sensitive=sensitive)
        for warning in report.meta.get("warnings", []):
            progress.warn(warning)
        synth_df = _align(synth_df, real_df)
        report.meta.update(source=str(real), synthetic=str(synthetic), seed=seed)
        progress.step("writing the report")
        with staged_outputs(out) as stage:  # both files or neither (a full disk)
            write_report(report, stage, train, synth_df, schema, title=f"Synthetic data quality — {real.name}")
    if not quiet:
        progress.done(f"wrote {out}/report.html and report.json")
    print_summary(report, title="quality summary")


def _align(synth, real, keep_extra: bool = False):
    """The synthetic table with the real table's columns, in order (and its extra ones after them, with
    ``keep_extra``); missing columns are an error."""
    from synthlearn.errors import ColumnError

    missing = [c for c in real.columns if c not in synth.columns]
    if missing:
        raise ColumnError(f"the synthetic table lacks column(s) {missing}; it must have the real table's columns")
    extra = [c for c in synth.columns if c not in real.columns] if keep_extra else []
    return synth[list(real.columns) + extra]
