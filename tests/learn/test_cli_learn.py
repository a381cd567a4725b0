"""The learning commands end to end in-process, and one clean error line for each user mistake."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthlearn.cli.main import app


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"})


@pytest.fixture(scope="module")
def files(tmp_path_factory, penguins_small):
    folder = tmp_path_factory.mktemp("learn")
    df = penguins_small.copy()
    df.insert(0, "penguin_id", np.arange(len(df)))
    df.to_csv(folder / "p.csv", index=False)
    df.drop(columns="species").head(10).to_csv(folder / "new.csv", index=False)
    return folder


def test_compare_writes_leaderboard_and_report(files):
    out = files / "cmp"
    result = invoke("compare", files / "p.csv", "--target", "species", "-m", "naive_bayes,knn", "--cv", "3",
                    "--out", out, "-q")
    assert result.exit_code == 0, result.stderr
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board["model"]) == {"naive_bayes", "knn"}
    assert {"failures.csv", "skipped.csv", "report.html"} <= {p.name for p in out.iterdir()}
    assert "leaderboard" in result.stdout and "knn" in result.stdout


def test_compare_writes_nothing_when_the_report_cannot_be_drawn(files, monkeypatch):
    # leaderboard.csv, failures.csv and skipped.csv were written before the page was drawn
    import synthlearn.learn.report

    def broken(*args, **kwargs):
        raise ValueError("Input contains NaN.")

    monkeypatch.setattr(synthlearn.learn.report, "leaderboard_html", broken)
    out = files / "cmp-broken"
    result = invoke("compare", files / "p.csv", "--target", "species", "-m", "knn", "--cv", "3", "--out", out, "-q")
    assert result.exit_code != 0
    assert not out.exists()


def test_train_then_predict_writes_one_row_per_input_row(files):
    model = files / "model"
    assert invoke("train", files / "p.csv", "-t", "species", "--model", "decision_tree", "--out", model,
                  "-q").exit_code == 0
    result = invoke("predict", model, files / "new.csv", "--out", files / "pred.csv", "-q")
    assert result.exit_code == 0, result.stderr
    pred = pd.read_csv(files / "pred.csv")
    assert len(pred) == 10 and list(pred.columns[:2]) == ["penguin_id", "prediction"]
    assert {"proba_Adelie", "proba_Chinstrap", "proba_Gentoo"} <= set(pred.columns)


def test_train_never_replaces_a_model_folder_holding_its_data(files, tmp_path):
    model = tmp_path / "mdl"
    for _ in range(2):  # an earlier model folder is replaced
        assert invoke("train", files / "p.csv", "-t", "species", "--model", "knn", "--out", model,
                      "-q").exit_code == 0
    (model / "train.csv").write_bytes((files / "p.csv").read_bytes())
    result = invoke("train", model / "train.csv", "-t", "species", "--model", "knn", "--out", model, "-q")
    assert result.exit_code == 1 and "holds the input" in result.stderr
    assert sorted(p.name for p in model.iterdir()) == ["metadata.json", "model.skops", "train.csv"]


def test_cluster_and_reduce_write_their_tables(files):
    result = invoke("cluster", files / "p.csv", "--k", "3", "--out", files / "cl", "-q")
    assert result.exit_code == 0, result.stderr
    assert pd.read_csv(files / "cl" / "clusters.csv")["cluster"].nunique() == 3
    assert (files / "cl" / "k_selection.png").stat().st_size > 0
    result = invoke("reduce", files / "p.csv", "--components", "2", "--out", files / "rd", "-q")
    assert result.exit_code == 0, result.stderr
    assert list(pd.read_csv(files / "rd" / "reduced.csv").columns) == ["penguin_id", "PC1", "PC2"]


def test_cluster_keeps_a_users_cluster_and_size_columns(files):
    df = pd.read_csv(files / "p.csv").assign(cluster="x", size=1.5)
    df.to_csv(files / "named.csv", index=False)
    result = invoke("cluster", files / "named.csv", "--k", "2", "--out", files / "cl_named")
    assert result.exit_code == 0, result.stderr
    assert "named ['cluster_2', 'size_2'] instead" in " ".join(result.stderr.split())
    labelled = pd.read_csv(files / "cl_named" / "clusters.csv")
    assert (labelled["cluster"] == "x").all() and set(labelled["cluster_2"]) == {0, 1}
    header = (files / "cl_named" / "profiles.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["cluster_2", "size_2", "share"] and len(header) == len(set(header))


@pytest.mark.parametrize("command", ["compare", "train", "predict", "cluster", "reduce"])
def test_every_help_shows_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0 and f"Example: synthlearn {command}" in result.stdout


def _bad_tables(folder, penguins_small):
    df = penguins_small
    df.assign(species="Adelie").to_csv(folder / "constant.csv", index=False)
    df.assign(flipper_length_mm=df["flipper_length_mm"].astype(object).where(df.index != 2, "long")) \
        .to_csv(folder / "mixed.csv", index=False)
    df.assign(empty=np.nan).to_csv(folder / "allnan.csv", index=False)
    df.drop(columns="island").to_csv(folder / "noisland.csv", index=False)
    infinite = df.assign(bill_length_mm=df["bill_length_mm"].where(df.index != 4, np.inf))
    infinite.to_csv(folder / "inf.csv", index=False)
    infinite.drop(columns="species").head(10).to_csv(folder / "newinf.csv", index=False)


@pytest.mark.parametrize("args, message", [
    (["compare", "{f}/p.csv", "--target", "nope"], "--target 'nope' is not a column"),
    (["compare", "{f}/constant.csv", "--target", "species"], "single value"),
    (["compare", "{f}/mixed.csv", "--target", "species"], "'flipper_length_mm' mixes numbers and text"),
    (["compare", "{f}/allnan.csv", "--target", "species"], "'empty' is entirely missing; drop it or fill it in"),
    (["train", "{f}/allnan.csv", "--target", "species"], "'empty' is entirely missing; drop it or fill it in"),
    (["compare", "{f}/p.csv", "--target", "species", "-m", "svn"], "did you mean 'svm'"),
    (["train", "{f}/p.csv", "--target", "species", "--model", "logistic"], "did you mean 'logistic_regression'"),
    (["predict", "{f}/model", "{f}/noisland.csv"], "lacks column(s) ['island']"),
    (["compare", "{f}/inf.csv", "--target", "species"], "column 'bill_length_mm' has infinite values (inf/-inf) in row 5"),
    (["predict", "{f}/model", "{f}/newinf.csv"], "column 'bill_length_mm' has infinite values (inf/-inf) in row 5"),
    (["predict", "{f}/nomodel", "{f}/new.csv"], "model folder not found"),
    (["compare", "{f}/p.csv", "--target", "species", "--n-jobs", "0"], "--n-jobs must be a whole number"),
    (["compare", "{f}/p.csv", "--target", "species", "--cv", "1"], "--cv must be a whole number of folds"),
    (["compare", "{f}/p.csv", "--target", "species", "--time-budget", "0"], "--time-budget must be a positive"),
    (["compare", "{f}/p.csv", "--target", "species", "-m", "knn,svm", "--time-budget", "1e-9"],
     "no model produced a score: all 2 were skipped (first knn: time budget of 1e-09s spent"),
    (["cluster", "{f}/p.csv", "--k", "three"], "--k must be"),
    (["cluster", "{f}/p.csv", "--k", "1000"], "--k must be 'auto' or a whole number between 1 and the 120 rows"),
    (["cluster", "{f}/p.csv", "--k-max", "1"], "--k-max must be at least 2"),
    (["reduce", "{f}/p.csv", "--components", "two"], "--components must be"),
    (["reduce", "{f}/p.csv", "--components", "1.5"], "--components must be a whole number"),
    (["reduce", "{f}/p.csv", "--components", "999"], "--components must be between 1 and"),
])
def test_bad_input_is_one_line_exit_1_nothing_written(files, penguins_small, args, message):
    _bad_tables(files, penguins_small)
    if not (files / "model").exists():
        invoke("train", files / "p.csv", "-t", "species", "--model", "naive_bayes", "--out", files / "model", "-q")
    out = files / ("never.csv" if args[0] == "predict" else "never")
    result = invoke(*[a.format(f=files) for a in args], "--out", out, "--quiet")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert not out.exists()


@pytest.mark.parametrize("args, name", [
    (["compare", "--target", "species", "-m", "knn"], "leaderboard.csv"),
    (["compare", "--target", "species", "-m", "knn"], "failures.csv"),
    (["cluster", "--k", "2"], "profiles.csv"),
    (["reduce"], "explained_variance.csv"),
])
def test_an_input_named_like_an_output_is_never_overwritten(files, args, name):
    folder = files / f"inp_{args[0]}_{name}"
    folder.mkdir()
    source = folder / name
    source.write_bytes((files / "p.csv").read_bytes())
    result = invoke(args[0], source, *args[1:], "--out", folder, "-q")
    assert result.exit_code == 1 and result.stderr.startswith("error: refusing to overwrite the input file")
    assert source.read_bytes() == (files / "p.csv").read_bytes() and list(folder.iterdir()) == [source]


def test_predict_refuses_to_overwrite_its_input_before_loading_the_model(files, tmp_path, monkeypatch):
    import synthlearn.learn

    def never(*_):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(synthlearn.learn, "load_model", never)
    data = tmp_path / "new.csv"
    data.write_bytes((files / "new.csv").read_bytes())
    result = invoke("predict", files / "model", data, "--out", data, "-q")
    assert result.exit_code == 1 and result.stderr.startswith("error: refusing to overwrite the input file")
    assert data.read_bytes() == (files / "new.csv").read_bytes()
