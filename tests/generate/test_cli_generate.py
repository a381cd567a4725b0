"""``synthlearn generate``: tables and specs to files, progress on stderr, one error line for bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from synthlearn.cli.main import app
from synthlearn.generate import load_spec, make_table

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "specs"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"OMP_NUM_THREADS": "1"})


def test_classification_to_parquet_equals_make_table(tmp_path):
    out = tmp_path / "data.parquet"
    result = invoke("generate", "classification", "--rows", 2500, "--numeric", 4, "--binary", 2, "--categorical", 3,
                    "--class-sep", 1.5, "--seed", 7, "--chunk-rows", 1000, "--weights", "0.7,0.3",
                    "--missing-rate", 0.05, "--outlier-rate", 0.01, "--outlier-column", "odd", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert f"wrote {out}" in result.stderr and result.stdout == ""
    want = make_table(2500, n_numeric=4, n_binary=2, n_categorical=3, class_sep=1.5, weights=[0.7, 0.3],
                      missing_rate=0.05, outlier_rate=0.01, outlier_column="odd", random_state=7, partition_rows=1000)
    pd.testing.assert_frame_equal(pd.read_parquet(out), want)


def test_regression_to_csv_with_marginals(tmp_path):
    out = tmp_path / "r.csv"
    result = invoke("generate", "regression", "--rows", 300, "--numeric", 3, "--regression", "friedman",
                    "--informative", 5, "--categorical", 2, "--noise", 0.5, "--marginal", "num_0=lognormal",
                    "--target", "y", "--out", out, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    df = pd.read_csv(out)
    assert list(df.columns) == ["num_0", "num_1", "num_2", "cat_0", "cat_1", "y"] and len(df) == 300
    assert (df["num_0"] > 0).all()


def test_spec_to_parquet(tmp_path):
    out = tmp_path / "c.parquet"
    result = invoke("generate", "--spec", EXAMPLES / "customers.yaml", "--rows", 1500, "--seed", 2,
                    "--chunk-rows", 600, "--out", out, "-q")
    assert result.exit_code == 0, result.stderr
    spec = load_spec(EXAMPLES / "customers.yaml")
    pd.testing.assert_frame_equal(pd.read_parquet(out), spec.sample(1500, random_state=2, partition_rows=600))


def test_help_shows_an_example():
    result = invoke("generate", "--help")
    assert result.exit_code == 0 and "Example: synthlearn generate" in result.stdout


def test_help_texts_survive_rich_markup():
    """Rich reads [word] in a help text as markup and drops it ("Columns carrying the signal ."): no command's may."""
    import re

    import typer

    tag = re.compile(r"(?<!\\)\[[a-z#/@][^\[\]]*\]", re.IGNORECASE)

    def texts(command):
        yield command.help or ""
        for param in command.params:
            yield getattr(param, "help", None) or ""
        for sub in getattr(command, "commands", {}).values():
            yield from texts(sub)

    assert [t for t in texts(typer.main.get_command(app)) if tag.search(t)] == []
    result = invoke("generate", "--help")
    for word in ["balanced", "fifth", "target."]:
        assert word in result.stdout


BAD_SPECS = {
    "unknown_dist.yaml": ("columns:\n  a: {dist: normol}\n", ["line 2", "unknown distribution 'normol'"]),
    "cycle.yaml": ("columns:\n  a: {expr: 'b'}\n  b: {expr: 'a'}\n", ["cyclic dependence a -> b -> a"]),
    "typo.yaml": ("columns:\n  a:\n    dist: normal\n    parmas: {loc: 1}\n", ["line 4", "did you mean 'params'"]),
    "log.yaml": ("columns:\n  x: {dist: normal}\n  z: {expr: 'log(x)'}\n", ["column 'z' is not finite", "of rows 0-99"]),
}


@pytest.mark.parametrize("args, words", [
    (["classification", "--informative", 25], ["--informative=25", "feature columns"]),
    (["classification", "--class-sep", -1], ["--class-sep", "-1"]),
    (["classification", "--weights", "0.5,0.6"], ["--weights", "sum to 1"]),
    (["classification", "--weights", "a,b"], ["--weights", "comma-separated"]),
    (["classification", "--classes", 200], ["--classes=200", "--rows=100"]),
    (["classification", "--marginal", "num_0"], ["--marginal", "COLUMN=FAMILY"]),
    (["classification", "--marginal", "num_99=gamma"], ["--marginal names 'num_99'", "did you mean 'num_9'"]),
    (["classification", "--classes", 3, "--chunk-rows", 2], ["--classes=3 is more than --chunk-rows=2"]),
    (["classificaton"], ["KIND", "classification or regression"]),
    ([], ["give KIND"]),
    (["classification", "--chunk-rows", 0], ["--chunk-rows"]),
    (["classification", "--workers", 1, "--scheduler", "tcp://x:1"], ["not both"]),
    *[(["--spec", name], words) for name, (_, words) in BAD_SPECS.items()],
    (["classification", "--spec", "typo.yaml"], ["not both"]),
    (["--spec", "cycle.yaml", "--numeric", 3], ["--numeric does not apply with --spec"]),
    (["regression", "--weights", "0.5,0.5"], ["--weights applies only to KIND classification, not regression"]),
    (["regression", "--classes", 3, "--flip-y", 0.2], ["--classes applies only to KIND classification"]),
    (["regression", "--class-sep", 2], ["--class-sep applies only to KIND classification"]),
    (["classification", "--noise", 3], ["--noise applies only to KIND regression, not classification"]),
    (["classification", "--regression", "friedman"], ["--regression applies only to KIND regression"]),
])
def test_bad_input_one_error_line_exit_1_nothing_written(tmp_path, args, words):
    for name, (text, _) in BAD_SPECS.items():
        (tmp_path / name).write_text(text)
    out = tmp_path / "out.parquet"
    args = [str(tmp_path / a) if str(a).endswith(".yaml") else a for a in args]
    result = invoke("generate", *args, "--rows", 100, "--out", out)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(BAD_SPECS)


@pytest.mark.parametrize("out, words", [("data.txt", ["unsupported table extension"]),
                                        ("missing/data.parquet", ["does not exist"])])
def test_bad_output_path(tmp_path, out, words):
    result = invoke("generate", "classification", "--rows", 10, "--out", tmp_path / out)
    assert result.exit_code == 1
    assert all(w in result.stderr for w in words)
    assert list(tmp_path.iterdir()) == []
