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
                                                "Default: rebuild the split `synthesize` recorded in the "
                                                "report.json beside SYNTHETIC (else split REAL with --seed, "
                                                "--holdout-fraction and stratified on --target)."),
    holdout: Optional[float] = typer.Option(None, "--holdout-fraction", help="Holdout fraction when splitting "
                                            "REAL without a recorded split (default: 0.3)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the checks, and of the split when none "
                                       "is recorded (default: the recorded seed, else 0)."),
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
    from synthlearn.cli.options import (build_schema, check_outputs_spare_input, check_sensitive, check_target,
                                        with_option_names, writable_folder)
    from synthlearn.data import holdout_split, read_table
    from synthlearn.evaluate import evaluate as run_evaluate
    from synthlearn.errors import InvalidParameterError
    from synthlearn.evaluate import write_report
    from synthlearn.data.io import check_seed

    check_seed(seed, "--seed")
    out = writable_folder(out)
    check_outputs_spare_input(out, ("report.html", "report.json"), real, synthetic, holdout_file,
                              schema_file)
    with Progress(quiet) as progress:
        progress.step("reading tables")
        real_df = read_table(real)
        synth_df = read_table(synthetic)
        schema = build_schema(real_df, schema_file, categorical, table="real")
        check_target(real_df, schema, target)
        sensitive = check_sensitive(real_df, schema, sensitive, target)
        split = None
        if holdout_file is not None:
            train, hold = real_df, read_table(holdout_file)
        else:
            split = _split(synthetic, real_df, schema, target, holdout, seed, progress.warn)
            stratify = split["stratify"]
            split_schema = schema  # stratified as synthesize did, whatever kind this run infers for the column
            if stratify is not None and not schema[stratify].is_discrete:
                split_schema = schema.override({stratify: "categorical"})
            try:
                train, hold = holdout_split(real_df, schema=split_schema, target=stratify,
                                            holdout=split["holdout_fraction"], random_state=split["seed"])
            except InvalidParameterError as exc:
                raise with_option_names(exc, {"holdout fraction": "--holdout-fraction"}) from None
        seed = seed if seed is not None else split["seed"] if split is not None else 0
        report = run_evaluate(train, hold, _align(synth_df, real_df, keep_extra=True), schema=schema, target=target,
                              random_state=seed, progress=progress.step, sensitive=sensitive)
        for warning in report.meta.get("warnings", []):
            progress.warn(warning)
        synth_df = _align(synth_df, real_df)
        report.meta.update(source=str(real), synthetic=str(synthetic), seed=seed)
        if split is not None:
            report.meta["split"] = split
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


def _split(synthetic: Path, real_df, schema, target, holdout, seed, warn) -> dict:
    """The split to rebuild: the one recorded in the report.json beside ``synthetic``, else from the options
    (with a warning through ``warn`` when a report.json there records none). A record that cannot be read, or
    that was made on another table, is an error: rebuilding it would put training rows in the holdout."""
    import json

    from synthlearn.data.split import split_record, table_fingerprint
    from synthlearn.errors import ColumnError, DataError, FileFormatError, InvalidParameterError

    path = synthetic.parent / "report.json"
    fix = "give the holdout rows with --holdout FILE"
    if not path.exists():  # a synthetic table from elsewhere: split REAL with the options, as documented
        return split_record(schema, target, 0.3 if holdout is None else holdout, 0 if seed is None else seed)
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))["meta"]
        if "split" not in meta:
            warn(f"'{path}' records no split (not written by synthesize?): REAL is split with --seed, "
                 f"--holdout-fraction and --target; if synthesize split it otherwise, {fix}")
            return split_record(schema, target, 0.3 if holdout is None else holdout, 0 if seed is None else seed)
        raw = meta["split"]
        recorded = {"seed": int(raw["seed"]), "holdout_fraction": float(raw["holdout_fraction"]),
                    "stratify": None if raw["stratify"] is None else str(raw["stratify"])}
        if not 0 < recorded["holdout_fraction"] < 1:
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError):
        raise FileFormatError(f"cannot read the split synthesize recorded in '{path}'; {fix}") from None
    if holdout is not None and holdout != recorded["holdout_fraction"]:
        raise InvalidParameterError(f"--holdout-fraction {holdout} differs from the {recorded['holdout_fraction']} "
                                    f"split recorded in '{path}'; leave it out to rebuild that split, or {fix}")
    if recorded["stratify"] is not None and recorded["stratify"] not in schema:
        raise ColumnError(f"the split recorded in '{path}' is stratified on '{recorded['stratify']}', which REAL "
                          f"lacks; {fix}")
    if "rows" in raw and (raw["rows"] != len(real_df) or raw.get("fingerprint") != table_fingerprint(real_df)):
        what = (f"{len(real_df):,} rows, not the {raw['rows']:,} synthesize split" if raw["rows"] != len(real_df)
                else "the same number of rows, but other values or another order")
        raise DataError(f"REAL is not the table synthesize split (recorded in '{path}'): it has {what}, so the "
                        f"rebuilt holdout would hold training rows; give the same file, or {fix}")
    if "rows" in raw:
        recorded.update(rows=raw["rows"], fingerprint=raw["fingerprint"])
    return recorded
