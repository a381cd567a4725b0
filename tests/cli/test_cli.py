"""The ``synthlearn`` command line: the main job end to end, and one clean error line for each user mistake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthlearn import __version__
from synthlearn.cli.main import app
from synthlearn.data import Schema, read_table
from synthlearn.synth import Synthesizer

OUTPUTS = ("synthetic.parquet", "report.html", "report.json", "schema.json", "model")
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def synthlearn_command() -> list[str]:
    script = Path(sys.executable).with_name("synthlearn")
    return [str(script)] if script.exists() else [sys.executable, "-m", "synthlearn.cli.main"]


def invoke(*args):
    """Run the CLI in-process; typer's CliRunner keeps stdout and stderr apart."""
    return CliRunner().invoke(app, [str(a) for a in args], env={"OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"})


def make_real(n: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({
        "x": x.round(3),
        "y": (2 * x + rng.normal(scale=0.3, size=n)).round(3),
        "k": rng.integers(0, 4, n),
        "t": np.where(x + rng.normal(scale=0.3, size=n) > 0, "pos", "neg"),
    })


@pytest.fixture(scope="module")
def real_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "real.csv"
    make_real().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def synthesized(real_csv):
    """One real `synthlearn synthesize` run in a subprocess: (completed process, out folder)."""
    out = real_csv.parent / "out"
    proc = subprocess.run(
        [*synthlearn_command(), "synthesize", str(real_csv), "--target", "t", "--rows", "60", "--out", str(out)],
        capture_output=True, text=True, env=ENV, timeout=300,
    )
    return proc, out


def assert_user_error(result, *fragments: str) -> str:
    """Non-zero exit, exactly one ``error: ...`` line on stderr naming the problem, no traceback."""
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert lines[-1] == errors[0]
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def assert_no_outputs(folder: Path) -> None:
    if folder.exists():
        left = sorted(p.name for p in folder.iterdir())
        assert not set(left) & set(OUTPUTS), left
        assert not [name for name in left if name.endswith(".tmp") or name.startswith(".model")], left


# ------------------------------------------------------------- the main job
def test_synthesize_writes_every_output(synthesized, real_csv):
    proc, out = synthesized
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    synthetic = read_table(out / "synthetic.parquet")
    real = read_table(real_csv)
    assert len(synthetic) == 60
    assert list(synthetic.columns) == list(real.columns)
    pd.testing.assert_series_equal(synthetic.dtypes, real.dtypes)
    assert set(synthetic["t"]) <= {"pos", "neg"}
    assert sorted(p.name for p in (out / "model").iterdir()) == ["arrays.npz", "synthesizer.json"]
    # messages on stderr, the summary table on stdout
    assert "quality summary" in proc.stdout and "synthetic" in proc.stdout
    assert "fitting cart" in proc.stderr


def test_synthesize_report_files(synthesized):
    proc, out = synthesized
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["target"] == "t" and report["task"] == "classification"
    assert report["rows"] == {"train": 56, "holdout": 24, "synthetic": 60}
    assert report["meta"]["method"] == "cart" and report["meta"]["seed"] == 0
    assert {r["trained_on"] for r in report["utility"]["rows"]} == {"real", "synthetic", "independent"}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "data:image/png;base64," in page
    schema = Schema.load(out / "schema.json")
    assert schema.kinds == {"x": "numeric", "y": "numeric", "k": "integer", "t": "categorical"}


def test_saved_model_reloads(synthesized):
    proc, out = synthesized
    assert proc.returncode == 0, proc.stderr
    synth = Synthesizer.load(out / "model")
    assert type(synth).__name__ == "CARTSynthesizer" and synth.n_rows_ == 56
    assert list(synth.sample(5).columns) == ["x", "y", "k", "t"]


def test_sample_command(synthesized, tmp_path):
    proc, out = synthesized
    assert proc.returncode == 0, proc.stderr
    result = invoke("sample", out / "model", "--rows", 50, "--out", tmp_path / "x.csv")
    assert result.exit_code == 0, result.output
    df = read_table(tmp_path / "x.csv")
    assert len(df) == 50 and list(df.columns) == ["x", "y", "k", "t"]
    assert "wrote" in result.stderr and "x.csv" in result.stderr
    # default: as many rows as the model was fitted on; a seed makes it reproducible
    for name in ("a.parquet", "b.parquet"):
        result = invoke("sample", out / "model", "--seed", 3, "--out", tmp_path / name, "--quiet")
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
    a, b = read_table(tmp_path / "a.parquet"), read_table(tmp_path / "b.parquet")
    assert len(a) == 56
    pd.testing.assert_frame_equal(a, b)


def test_evaluate_command_rebuilds_the_same_report(synthesized, real_csv, tmp_path):
    proc, out = synthesized
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "eval"
    result = invoke("evaluate", real_csv, out / "synthetic.parquet", "--target", "t", "--out", folder, "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["report.html", "report.json"]
    report = json.loads((folder / "report.json").read_text())
    first = json.loads((out / "report.json").read_text())
    assert report["rows"] == first["rows"]  # the same holdout split is rebuilt from the seed
    assert report["scores"] == first["scores"]
    assert report["utility"] == first["utility"]
    assert "quality summary" in result.stdout


def test_sensitive_option_end_to_end(real_csv, tmp_path):
    out = tmp_path / "out"
    result = invoke("synthesize", real_csv, "--target", "t", "--sensitive", "k", "--sensitive", "x", "--rows", 60,
                    "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["bias"]["sensitive"] == ["k", "x"] and report["bias"]["target"] == "t"
    assert [row["column"] for row in report["bias"]["summary"]] == ["k", "x"]
    assert {row["group"] for row in report["bias"]["groups"] if row["column"] == "k"} == {"0", "1", "2", "3"}
    assert report["coverage"]["scores"]["synthetic"]["outlier_ratio"] is not None
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Bias: gaps between sensitive groups" in page and "Coverage: rare categories" in page
    folder = tmp_path / "eval"
    result = invoke("evaluate", real_csv, out / "synthetic.parquet", "--target", "t", "--sensitive", "k",
                    "--out", folder, "--quiet")
    assert result.exit_code == 0, result.output
    again = json.loads((folder / "report.json").read_text())
    assert again["bias"]["summary"][0] == report["bias"]["summary"][0]  # same split, same models


@pytest.mark.parametrize(("command", "extra", "fragments"), [
    ("evaluate", ["--target", "t", "--sensitive", "nope"], ["--sensitive 'nope'", "not a column"]),
    ("evaluate", ["--target", "t", "--sensitive", "t"], ["--sensitive 't'", "--target"]),
    ("evaluate", ["--sensitive", "k"], ["--sensitive needs --target"]),
    ("synthesize", ["--target", "t", "--sensitive", "nope"], ["--sensitive 'nope'"]),
])
def test_sensitive_option_errors(real_csv, tmp_path, command, extra, fragments):
    out = tmp_path / "report"
    args = [real_csv, real_csv] if command == "evaluate" else [real_csv]
    result = invoke(command, *args, *extra, "--out", out)
    assert_user_error(result, *fragments)
    assert_no_outputs(out)


def test_evaluate_without_target_rebuilds_the_split_synthesize_recorded(synthesized, real_csv, tmp_path):
    proc, out = synthesized
    assert proc.returncode == 0, proc.stderr
    first = json.loads((out / "report.json").read_text())
    split = dict(first["meta"]["split"])
    assert (split.pop("rows"), len(split.pop("fingerprint"))) == (80, 16)
    assert split == {"seed": 0, "holdout_fraction": 0.3, "stratify": "t"}
    folder = tmp_path / "eval"
    result = invoke("evaluate", real_csv, out / "synthetic.parquet", "--out", folder, "--quiet")  # no --target
    assert result.exit_code == 0, result.output
    report = json.loads((folder / "report.json").read_text())
    assert report["meta"]["split"] == first["meta"]["split"]
    assert report["privacy"] == first["privacy"]  # distances to the same training rows
    assert report["scores"] == first["scores"]
    result = invoke("evaluate", real_csv, out / "synthetic.parquet", "--holdout-fraction", 0.2, "--out",
                    tmp_path / "other")
    assert_user_error(result, "--holdout-fraction 0.2", "report.json", "--holdout FILE")
    assert_no_outputs(tmp_path / "other")


def test_evaluate_refuses_a_holdout_fraction_that_leaves_no_training_row(real_csv, tmp_path):
    result = invoke("evaluate", real_csv, real_csv, "--holdout-fraction", 0.99, "--out", tmp_path / "e")
    assert_user_error(result, "--holdout-fraction 0.99", "80 rows", "leaving 0 to train on", "at most 0.975")
    assert_no_outputs(tmp_path / "e")


def test_evaluate_refuses_infinite_numbers_in_the_real_table_naming_it(real_csv, tmp_path):
    real = make_real(40).assign(y=lambda d: d["y"].where(d.index != 3, np.inf))
    real.to_csv(tmp_path / "real.csv", index=False)
    result = invoke("evaluate", tmp_path / "real.csv", real_csv, "--out", tmp_path / "e")
    assert_user_error(result, "column 'y' of the real table has infinite values (inf/-inf) in row 4")
    assert_no_outputs(tmp_path / "e")


def test_evaluate_refuses_infinite_numbers_in_the_synthetic_table(real_csv, tmp_path):
    synthetic = make_real(40).assign(y=lambda d: d["y"].where(d.index != 5, -np.inf))
    synthetic.to_csv(tmp_path / "synthetic.csv", index=False)
    result = invoke("evaluate", real_csv, tmp_path / "synthetic.csv", "--out", tmp_path / "e")
    assert_user_error(result, "column 'y' of the synthetic table has infinite values (inf/-inf) in row 6")
    assert "Warning" not in result.stderr
    assert_no_outputs(tmp_path / "e")


def test_evaluate_refuses_a_split_record_it_cannot_trust(synthesized, real_csv, tmp_path):
    """Rebuilding a recorded split on another table, or guessing past an unreadable record, would put training
    rows in the holdout; a report.json without a record lets the options split REAL, with a warning."""
    import shutil

    proc, out = synthesized
    assert proc.returncode == 0, proc.stderr
    real = pd.read_csv(real_csv)
    for name, table in (("reversed.csv", real.iloc[::-1]), ("shorter.csv", real.iloc[:-5])):
        table.to_csv(tmp_path / name, index=False)
        result = invoke("evaluate", tmp_path / name, out / "synthetic.parquet", "--out", tmp_path / "e")
        assert_user_error(result, "REAL is not the table synthesize split", "--holdout FILE")
        assert_no_outputs(tmp_path / "e")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    shutil.copy(out / "synthetic.parquet", corrupt)
    for text in ('{"meta": {"split": {"seed": 7, "holdout_fract', '{"meta": {"split": {"seed": 0, '
                 '"holdout_fraction": 5, "stratify": null}}}'):
        (corrupt / "report.json").write_text(text)
        result = invoke("evaluate", real_csv, corrupt / "synthetic.parquet", "--out", tmp_path / "e")
        assert_user_error(result, "cannot read the split synthesize recorded", "--holdout FILE")
    (corrupt / "report.json").write_text('{"meta": {}}')  # a report.json that records no split
    result = invoke("evaluate", real_csv, corrupt / "synthetic.parquet", "--out", tmp_path / "e", "--quiet")
    assert result.exit_code == 0, result.output
    assert "records no split" in result.stderr


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"synthlearn {__version__}"


def test_python_dash_m_runs_the_command():
    # `python -m synthlearn` said "No module named synthlearn.__main__"
    proc = subprocess.run([sys.executable, "-m", "synthlearn", "--version"], capture_output=True, text=True, env=ENV,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"synthlearn {__version__}"


def test_help_and_no_heavy_imports():
    proc = subprocess.run([*synthlearn_command(), "--help"], capture_output=True, text=True, env=ENV, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for command in ("synthesize", "sample", "evaluate"):
        assert command in proc.stdout
    probe = "import synthlearn.cli.main, sys; print('torch' in sys.modules, 'matplotlib' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=ENV, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False False"


@pytest.mark.parametrize("command", ["synthesize", "sample", "evaluate"])
def test_every_help_shows_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example: synthlearn " + command in result.stdout


# ------------------------------------------------------------------ mistakes
def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def small_csv(folder: Path, **changes) -> Path:
    df = make_real(30).assign(**changes)
    df.to_csv(folder / "data.csv", index=False)
    return folder / "data.csv"


CASES = {
    "missing-file": (lambda d: d / "nope.csv", [], ["file not found", "nope.csv"]),
    "unsupported-extension": (lambda d: write(d / "data.xlsx", "a,b\n1,2\n"), [], ["unsupported", ".xlsx"]),
    "empty-file": (lambda d: write(d / "empty.csv", ""), [], ["empty", "empty.csv"]),
    "header-only": (lambda d: write(d / "h.csv", "a,b,t\n"), [], ["header but no rows"]),
    "duplicate-columns": (lambda d: write(d / "dup.csv", "a,b,a\n1,2,3\n4,5,6\n"), [], ["duplicate column", "'a'"]),
    "unknown-target": (small_csv, ["--target", "nope"], ["--target 'nope'", "not a column"]),
    "one-class-target": (lambda d: small_csv(d, t="same"), ["--target", "t"], ["'t'", "single value"]),
    "one-number-target": (lambda d: small_csv(d, t=5), ["--target", "t"], ["'t' has a single value (5);"]),
    "identifier-target": (lambda d: small_csv(d, row_id=np.arange(30)), ["--target", "row_id"], ["identifier"]),
    "identifiers-only": (lambda d: write(d / "ids.csv", "uid\n" + "".join(f"u{i}\n" for i in range(30))), [],
                         ["no column to model", "'uid'", "--categorical uid"]),
    "all-missing-column": (lambda d: small_csv(d, blank=np.nan), [], ["'blank'", "entirely missing"]),
    "infinite-numbers": (lambda d: small_csv(d, x=np.r_[np.inf, -np.inf, np.zeros(28)]), [],
                         ["column 'x' has infinite values (inf/-inf) in 2 rows (the first is row 1)"]),
    "rows-zero": (small_csv, ["--rows", "0"], ["--rows", "positive integer"]),
    "rows-negative": (small_csv, ["--rows", "-5"], ["--rows", "-5"]),
    "seed-negative": (small_csv, ["--seed", "-1"], ["--seed must be an integer from 0 to 4,294,967,295, got -1"]),
    "seed-too-big": (small_csv, ["--seed", "5000000000"], ["--seed", "5000000000"]),
    "unknown-method": (small_csv, ["--method", "gan9000"], ["--method", "gan9000", "cart"]),
    "epochs-with-cart": (small_csv, ["--method", "cart", "--epochs", "5"], ["--epochs", "vae/gan", "not cart"]),
    "device-with-copula": (small_csv, ["--method", "copula", "--device", "cuda"], ["--device", "vae/gan", "copula"]),
    "holdout-fraction": (small_csv, ["--holdout-fraction", "1.5"], ["--holdout-fraction must be between 0 and 1"]),
    "holdout-old-name": (small_csv, ["--holdout", "1.5"], ["--holdout-fraction must be between 0 and 1"]),
    "holdout-leaves-no-training-row": (small_csv, ["--holdout-fraction", "0.99"],
                                       ["--holdout-fraction 0.99", "30 rows", "leaving 0 to train on", "at most 0.933"]),
    "unknown-categorical": (small_csv, ["--categorical", "zzz"], ["'zzz'"]),
    "bad-schema-file": (small_csv, ["--schema", "SCHEMA"], ["schema", "not valid JSON"]),
    "text-declared-numeric": (small_csv, ["--schema", "NUMERIC_T"], ["'t'", "numeric"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_synthesize_user_errors(case, tmp_path):
    make_input, extra, fragments = CASES[case]
    data = make_input(tmp_path)
    write(tmp_path / "bad-schema.json", "{oops")
    write(tmp_path / "numeric-t.json", json.dumps({"columns": {"t": "numeric"}}))
    extra = [{"SCHEMA": tmp_path / "bad-schema.json", "NUMERIC_T": tmp_path / "numeric-t.json"}.get(a, a) for a in extra]
    out = tmp_path / "out"
    result = invoke("synthesize", data, *extra, "--out", out)
    assert_user_error(result, *fragments)
    assert_no_outputs(out)


@pytest.mark.parametrize("how", ["parent-is-a-file", "out-is-a-file"])
def test_synthesize_unwritable_out(tmp_path, how):
    data = small_csv(tmp_path)
    blocker = write(tmp_path / "blocker", "a regular file")
    out = blocker / "out" if how == "parent-is-a-file" else blocker
    result = invoke("synthesize", data, "--out", out)
    assert_user_error(result, str(blocker))
    assert blocker.read_text() == "a regular file"


def test_synthesize_refuses_to_overwrite_its_input_before_writing_anything(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    data = out / "synthetic.parquet"
    make_real(24).drop(columns="k").to_parquet(data)
    before = data.read_bytes()
    result = invoke("synthesize", data, "--out", out, "--quiet")
    assert_user_error(result, "refusing to overwrite", "synthetic.parquet")
    assert data.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["synthetic.parquet"]


def test_synthesize_never_replaces_a_model_folder_of_other_files(tmp_path):
    data = small_csv(tmp_path)
    (tmp_path / "out" / "model").mkdir(parents=True)
    write(tmp_path / "out" / "model" / "notes.txt", "mine")
    result = invoke("synthesize", data, "--method", "copula", "--out", tmp_path / "out", "--quiet")
    assert_user_error(result, "refusing to replace", "model")
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["model", "notes.txt"]


@pytest.fixture
def model_copy(synthesized, tmp_path):
    import shutil

    proc, out = synthesized
    assert proc.returncode == 0, proc.stderr
    return Path(shutil.copytree(out / "model", tmp_path / "model"))


@pytest.mark.parametrize(
    ("damage", "fragments"),
    [
        (lambda m: (m / "arrays.npz").write_bytes(b"PK\x03\x04garbage"), ["arrays.npz", "corrupt"]),
        (lambda m: (m / "arrays.npz").unlink(), ["missing arrays.npz"]),
        (lambda m: (m / "synthesizer.json").write_text("{"), ["synthesizer.json", "corrupt"]),
        (lambda m: (m / "synthesizer.json").unlink(), ["missing synthesizer.json"]),
    ],
    ids=["garbage-npz", "no-npz", "bad-json", "no-json"],
)
def test_sample_corrupt_model(model_copy, tmp_path, damage, fragments):
    damage(model_copy)
    result = invoke("sample", model_copy, "--rows", 5, "--out", tmp_path / "x.csv")
    assert_user_error(result, *fragments)
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--rows", "0"], ["--rows"]),
        (["--rows", "-5"], ["--rows"]),
        (["--seed", "-3"], ["--seed must be an integer >= 0, got -3"]),
        (["--out", "OUT/x.xlsx"], ["unsupported", ".xlsx"]),
        (["--out", "OUT/blocker/x.csv"], ["blocker", "does not exist"]),
        (["--out", "OUT/folder.csv"], ["is a folder"]),
        (["--where", "t=pos", "--where", "t=neg", "--out", "OUT/x.csv"], ["--where gives 't' two values", "once"]),
        (["--balance", "t", "--where", "t=pos", "--out", "OUT/x.csv"], ["--balance t and --where t=pos contradict"]),
        (["--balance", "t", "--rows", "1", "--out", "OUT/x.csv"],
         ["--balance 't'", "2 categories, more than the 1 rows asked for", "at least --rows 2"]),
    ],
)
def test_sample_bad_options(model_copy, tmp_path, args, fragments):
    write(tmp_path / "blocker", "file")
    (tmp_path / "folder.csv").mkdir()
    args = [a.replace("OUT", str(tmp_path)) for a in args]
    result = invoke("sample", model_copy, *args)
    assert_user_error(result, *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "folder.csv", "model"]
    assert not any((tmp_path / "folder.csv").iterdir())


def test_conditioned_sampling_streams_partition_by_partition(model_copy, tmp_path, monkeypatch):
    """--where, --balance, --conditions and --no-copies stream as plain sampling does (here partitions of 7
    rows): every row meets its own condition, --balance stays exact across partitions, the replaced copies are
    summed over them, and the rows depend on the seed alone."""
    import synthlearn.cli.synth as cli_synth

    monkeypatch.setattr(cli_synth, "PARTITION_ROWS", 7)
    result = invoke("sample", model_copy, "--rows", 30, "--where", "t=pos", "--no-copies", "--seed", 3,
                    "--out", tmp_path / "w.csv")
    assert result.exit_code == 0, result.stderr
    assert "wrote" in result.stderr and "copies of training rows replaced" in result.stderr
    out = pd.read_csv(tmp_path / "w.csv")
    assert len(out) == 30 and (out["t"] == "pos").all()
    invoke("sample", model_copy, "--rows", 30, "--where", "t=pos", "--no-copies", "--seed", 3, "--out", tmp_path / "v.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "v.csv"), out)
    result = invoke("sample", model_copy, "--rows", 15, "--balance", "t", "--seed", 3, "--out", tmp_path / "b.csv")
    assert result.exit_code == 0, result.stderr
    assert list(pd.read_csv(tmp_path / "b.csv")["t"]) == ["neg", "pos"] * 7 + ["neg"]  # in turn, across partitions
    wanted = pd.DataFrame({"k": np.arange(20) % 4})
    wanted.to_csv(tmp_path / "c.csv", index=False)
    result = invoke("sample", model_copy, "--conditions", tmp_path / "c.csv", "--seed", 3, "--out", tmp_path / "c.parquet")
    assert result.exit_code == 0, result.stderr
    assert list(pd.read_parquet(tmp_path / "c.parquet")["k"]) == list(wanted["k"])


def test_sample_with_a_table_of_conditions_one_row_each(model_copy, tmp_path):
    pd.DataFrame({"t": ["pos", "neg", None, "pos"], "k": [0, None, 2, 3]}).to_csv(tmp_path / "c.csv", index=False)
    result = invoke("sample", model_copy, "--conditions", tmp_path / "c.csv", "--seed", 1, "--out", tmp_path / "x.csv")
    assert result.exit_code == 0, result.stderr
    out = pd.read_csv(tmp_path / "x.csv")
    assert len(out) == 4 and list(out["t"][[0, 1, 3]]) == ["pos", "neg", "pos"] and list(out["k"][[0, 2, 3]]) == [0, 2, 3]
    result = invoke("sample", model_copy, "--conditions", tmp_path / "c.csv", "--where", "x=0.5", "--seed", 1,
                    "--out", tmp_path / "y.csv")
    assert result.exit_code == 0, result.stderr
    assert (pd.read_csv(tmp_path / "y.csv")["x"] == 0.5).all()
    before = (tmp_path / "c.csv").read_bytes()
    for args, fragments in [
        (["--rows", "3"], ["--rows 3 but --conditions", "has 4 rows"]),
        (["--balance", "t"], ["--conditions and --balance"]),
        (["--where", "t=pos"], ["--where t=pos and the column 't' of --conditions"]),
    ]:
        result = invoke("sample", model_copy, "--conditions", tmp_path / "c.csv", *args, "--out", tmp_path / "z.csv")
        assert_user_error(result, *fragments)
    result = invoke("sample", model_copy, "--conditions", tmp_path / "c.csv", "--out", tmp_path / "c.csv")
    assert_user_error(result, "refusing to overwrite the input file", "c.csv")
    pd.DataFrame({"t": ["pos"], "colour": ["red"]}).to_csv(tmp_path / "bad.csv", index=False)
    result = invoke("sample", model_copy, "--conditions", tmp_path / "bad.csv", "--out", tmp_path / "z.csv")
    assert_user_error(result, "unknown column 'colour'")
    for value, fragment in [(99, "condition k=99 is outside the training range"),  # shown as written, not np.int64
                            ("abc", "condition k='abc' is not an integer value")]:
        pd.DataFrame({"k": [value]}).to_csv(tmp_path / "bad.csv", index=False)
        result = invoke("sample", model_copy, "--conditions", tmp_path / "bad.csv", "--out", tmp_path / "z.csv")
        assert_user_error(result, fragment)
    assert not (tmp_path / "z.csv").exists() and (tmp_path / "c.csv").read_bytes() == before


def test_sample_missing_model_folder(tmp_path):
    result = invoke("sample", tmp_path / "nowhere", "--out", tmp_path / "x.csv")
    assert_user_error(result, "model folder not found", "nowhere")
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("make_synth", "extra", "fragments"),
    [
        (lambda d, real: d / "missing.parquet", [], ["file not found", "missing.parquet"]),
        (lambda d, real: (real.drop(columns="y").to_csv(d / "s.csv", index=False), d / "s.csv")[1], [],
         ["lacks column", "'y'"]),
        (lambda d, real: (real.to_csv(d / "s.csv", index=False), d / "s.csv")[1], ["--target", "nope"],
         ["--target 'nope'"]),
        (lambda d, real: (real.to_csv(d / "s.csv", index=False), d / "s.csv")[1], ["--seed", "-2"],
         ["--seed must be an integer from 0"]),
    ],
    ids=["missing-synthetic", "synthetic-lacks-column", "unknown-target", "negative-seed"],
)
def test_evaluate_user_errors(real_csv, tmp_path, make_synth, extra, fragments):
    synth = make_synth(tmp_path, read_table(real_csv))
    out = tmp_path / "report"
    result = invoke("evaluate", real_csv, synth, *extra, "--out", out)
    assert_user_error(result, *fragments)
    assert_no_outputs(out)


@pytest.mark.parametrize("suffix", ["+02:00", "Z"])
def test_synthesize_datetime_text_with_an_offset(tmp_path, suffix):
    df = make_real(60)
    df["when"] = [f"{2007 + i % 3}-06-15T00:00:00{suffix}" for i in range(60)]
    df.to_csv(tmp_path / "tz.csv", index=False)
    result = invoke("synthesize", tmp_path / "tz.csv", "--target", "t", "--out", tmp_path / "o", "-q")
    assert result.exit_code == 0, result.stderr
    when = pd.read_parquet(tmp_path / "o" / "synthetic.parquet")["when"]
    assert set(when) <= set(df["when"])


def test_a_full_disk_is_one_line_and_leaves_nothing_new(real_csv, tmp_path, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Synthesizer, "save", full)
    result = invoke("synthesize", real_csv, "--target", "t", "--out", tmp_path / "new" / "o", "-q")
    assert result.exit_code == 1 and result.stderr.strip() == (
        f"error: no space left on device writing '{tmp_path / 'new' / 'o'}'; free some space or choose another "
        f"location")
    assert not (tmp_path / "new").exists()
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "notes.txt").write_text("mine")
    result = invoke("synthesize", real_csv, "--target", "t", "--out", tmp_path / "old", "-q")
    assert result.exit_code == 1 and "no space left on device" in result.stderr
    assert [p.name for p in (tmp_path / "old").iterdir()] == ["notes.txt"]
    monkeypatch.undo()
    assert invoke("synthesize", real_csv, "--target", "t", "--out", tmp_path / "ok", "-q").exit_code == 0
    import synthlearn.generate.partitioned as partitioned

    monkeypatch.setattr(partitioned, "_open_writer", full)  # sample streams, conditioned or not
    result = invoke("sample", tmp_path / "ok" / "model", "--rows", "20", "--no-copies", "--out", tmp_path / "s.csv")
    assert result.exit_code == 1 and "no space left on device writing" in result.stderr
    assert not (tmp_path / "s.csv").exists() and not list(tmp_path.glob(".s.csv*"))


def test_synthesized_identifiers_avoid_every_input_identifier(tmp_path):
    from synthlearn.data import holdout_split, infer_schema

    df = make_real(60).assign(row=np.arange(60))
    _, hold = holdout_split(df, schema=infer_schema(df), target="t", holdout=0.3, random_state=0)  # as synthesize
    held = df["row"].isin(hold["row"]).to_numpy()
    df["id"] = 1000 + np.argsort(np.argsort(held, kind="stable"))  # the largest ids in the holdout
    df["code"] = [f"{'syn-' if h else 'x-'}{i:06d}" for i, h in enumerate(held)]  # like new ones, in the holdout
    df = df.drop(columns="row")
    df.to_csv(tmp_path / "ids.csv", index=False)
    result = invoke("synthesize", tmp_path / "ids.csv", "--target", "t", "--out", tmp_path / "o", "-q")
    assert result.exit_code == 0, result.stderr
    out = pd.read_parquet(tmp_path / "o" / "synthetic.parquet")
    assert not set(out["id"]) & set(df["id"]) and not set(out["code"]) & set(df["code"])  # holdout ids included
    again = Synthesizer.load(tmp_path / "o" / "model").sample(10)
    assert not set(again["id"]) & set(df["id"])


def test_evaluate_warns_about_unseen_categories_and_extra_columns(real_csv, tmp_path):
    fake = make_real(60, seed=1).assign(extra=1)
    fake.loc[0, "t"] = "Martian"
    fake.to_csv(tmp_path / "fake.csv", index=False)
    result = invoke("evaluate", real_csv, tmp_path / "fake.csv", "--target", "t", "--out", tmp_path / "r", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "warning: the synthetic table has column(s) ['extra'] that the real table lacks; they are ignored",
        "warning: synthetic column 't' has 1 category the real table lacks (e.g. 'Martian'); they count as mismatches"]
    assert len(json.loads((tmp_path / "r" / "report.json").read_text())["meta"]["warnings"]) == 2
    fake = fake.astype({"x": object})
    fake.loc[1, "x"] = "abc"
    fake.to_csv(tmp_path / "fake.csv", index=False)
    result = invoke("evaluate", real_csv, tmp_path / "fake.csv", "--target", "t", "--out", tmp_path / "r2", "-q")
    assert result.exit_code == 1 and result.stderr.startswith("error: column 'x' of the synthetic table holds 'abc'")
    assert not (tmp_path / "r2").exists()


def test_a_one_column_table_raises_no_library_warning(tmp_path):
    import warnings

    pd.DataFrame({"species": ["a"] * 30 + ["b"] * 20}).to_csv(tmp_path / "one.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # numpy's divide by zero, drawing the distance plot
        result = invoke("synthesize", tmp_path / "one.csv", "--target", "species", "--out", tmp_path / "o", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def test_no_copies_failure_names_the_option(tmp_path):
    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.choice(["x", "y"], 40), "b": rng.choice(["u", "v"], 40)}).to_csv(tmp_path / "d.csv",
                                                                                             index=False)
    result = invoke("synthesize", tmp_path / "d.csv", "--no-copies", "--out", tmp_path / "o", "-q")
    assert_user_error(result, "--no-copies")
    assert "reject_copies" not in result.stderr


@pytest.mark.parametrize("command", ["synthesize", "evaluate"])
def test_a_folder_in_the_place_of_an_output_file_is_refused_before_any_work(real_csv, tmp_path, command):
    """A folder named report.json in --out made the last rename fail after the other files had landed."""
    out = tmp_path / "out"
    (out / "report.json").mkdir(parents=True)
    args = [real_csv, real_csv] if command == "evaluate" else [real_csv, "--rows", 30]
    result = invoke(command, *args, "--target", "t", "--out", out)
    assert_user_error(result, "holds a folder named report.json", "--out")
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]


def test_synthesize_never_overwrites_its_schema_file(real_csv, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "schema.json").write_text('{"columns": {"k": "categorical"}}')
    result = invoke("synthesize", real_csv, "--schema", out / "schema.json", "--rows", 30, "--out", out)
    assert_user_error(result, "refusing to overwrite the input file", "schema.json")
    assert (out / "schema.json").read_text() == '{"columns": {"k": "categorical"}}'


def test_a_file_system_error_names_the_path_and_what_to_do(real_csv, tmp_path, monkeypatch):
    import errno

    def gone(*args, **kwargs):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(tmp_path / "o"))

    monkeypatch.setattr(Synthesizer, "save", gone)
    result = invoke("synthesize", real_csv, "--target", "t", "--out", tmp_path / "o", "-q")
    assert result.exit_code == 1 and result.stderr.strip() == (
        f"error: No such file or directory: '{tmp_path / 'o'}'; check that path, or choose another location")


def test_day_first_dates_from_a_schema_file_are_synthesized_in_their_format(tmp_path):
    """--schema may give a datetime column's format ("formats"): dates of days up to 12 only read day first, the
    synthetic ones written the same way; a format that does not read the values is one error line."""
    rng = np.random.default_rng(0)
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 12, 60) * 31, unit="D")
    days = pd.DatetimeIndex([d.replace(day=min(d.day, 12)) for d in days])
    data = tmp_path / "t.csv"
    pd.DataFrame({"d": days.strftime("%d/%m/%Y"), "x": rng.normal(size=60)}).to_csv(data, index=False)
    schema = write(tmp_path / "s.json", json.dumps({"columns": {"d": "datetime"}, "formats": {"d": "%d/%m/%Y"}}))
    result = invoke("synthesize", data, "--schema", schema, "--method", "cart", "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    assert Schema.load(tmp_path / "out" / "schema.json").formats == {"d": "%d/%m/%Y"}
    synthetic = pd.read_parquet(tmp_path / "out" / "synthetic.parquet")
    parsed = pd.to_datetime(synthetic["d"], format="%d/%m/%Y")
    assert (parsed.dt.day <= 12).all() and parsed.min() >= days.min() and parsed.max() <= days.max()
    bad = write(tmp_path / "bad.json", json.dumps({"columns": {"d": "datetime"}, "formats": {"d": "%Y-%m-%d"}}))
    result = invoke("synthesize", data, "--schema", bad, "--out", tmp_path / "out2")
    assert_user_error(result, "column 'd'", "'%Y-%m-%d' given for it does not read")
    assert_no_outputs(tmp_path / "out2")
