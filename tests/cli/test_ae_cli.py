"""``synthlearn ae ...`` end to end in-process on tiny images and tables, and one clean error line per mistake."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthlearn.cli.main import app


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"})


@pytest.fixture(scope="module")
def files(tmp_path_factory, penguins):
    from sklearn.datasets import load_digits

    from synthlearn.autoencoders import damage

    folder = tmp_path_factory.mktemp("ae")
    images = load_digits().images[:300] / 16.0
    np.save(folder / "digits.npy", images)
    np.save(folder / "clean.npy", images[:20])
    holes, known = damage(images[:20], "patches", 0.25, random_state=0)
    np.save(folder / "holes.npy", holes)
    np.save(folder / "known.npy", known)
    noisy, _ = damage(images[:20], "gaussian", 0.3, random_state=0)
    np.save(folder / "noisy.npy", noisy)
    np.save(folder / "nan.npy", np.where(known, images[:20], np.nan))
    table = penguins.dropna().reset_index(drop=True)
    table.insert(0, "penguin_id", np.arange(len(table)))
    table.to_csv(folder / "p.csv", index=False)
    t = np.arange(120)
    pd.DataFrame({"t": t, "y": np.sin(2 * np.pi * t / 12)}).to_csv(folder / "series.csv", index=False)
    rng = np.random.default_rng(0)
    pairs = pd.DataFrame({"who": rng.choice(["ann", "bob", "cy", "di"], 40), "what": rng.integers(0, 12, 40)})
    pairs = pairs.drop_duplicates().assign(stars=lambda d: rng.integers(1, 6, len(d)).astype(float))
    pairs.to_csv(folder / "ratings.csv", index=False)
    text = table.astype({"bill_length_mm": object})
    text.loc[2, "bill_length_mm"] = "oops"
    text.to_csv(folder / "p_text.csv", index=False)
    table.assign(bill_length_mm=lambda d: d["bill_length_mm"].where(d.index != 2, np.inf)).to_csv(
        folder / "p_inf.csv", index=False)
    pairs.assign(stars=lambda d: d["stars"].where(d.index != 0, np.inf)).to_csv(folder / "r_inf.csv", index=False)
    pairs.assign(who=lambda d: d["who"].where(d.index != 1)).to_csv(folder / "r_noid.csv", index=False)
    pd.DataFrame({"y": np.r_[np.sin(t[:50]), np.inf]}).to_csv(folder / "s_inf.csv", index=False)
    (folder / "pngs").mkdir()
    (folder / "pngs" / "a.png").write_bytes(b"not a png")
    assert invoke("ae", "train", folder / "digits.npy", "--model", "denoising", "-k", "16", "--hidden", "32",
                  "--epochs", "5", "--out", folder / "dae", "-q").exit_code == 0
    assert invoke("ae", "train", folder / "digits.npy", "--model", "vae", "-k", "4", "--hidden", "32",
                  "--epochs", "5", "--out", folder / "vae", "-q").exit_code == 0
    assert invoke("ae", "train", folder / "p.csv", "-k", "2", "--epochs", "2", "--out", folder / "tab",
                  "-q").exit_code == 0
    return folder


def test_train_writes_a_model_folder(files):
    assert {p.name for p in (files / "tab").iterdir()} == {"config.json", "arrays.npz"}
    assert {p.name for p in (files / "dae").iterdir()} == {"config.json", "arrays.npz"}


def test_train_without_code_size_fits_a_narrow_table(files, tmp_path):
    """--code-size defaults to 32, or half the input's width below 64: a table of 6 numeric columns trains."""
    from synthlearn.autoencoders.persist import load_model

    result = invoke("ae", "train", files / "p.csv", "--epochs", "1", "--out", tmp_path / "m")
    assert result.exit_code == 0, result.output
    model = load_model(tmp_path / "m")
    assert model.code_size == model.n_features_in_ // 2 < model.n_features_in_
    assert f"code size {model.code_size}" in result.output


def test_denoise_writes_images_of_the_input_shape_and_prints_psnr(files):
    result = invoke("ae", "denoise", files / "noisy.npy", "--model", files / "dae", "--out", files / "den.npy",
                    "--reference", files / "clean.npy", "-q")
    assert result.exit_code == 0, result.stderr
    assert np.load(files / "den.npy").shape == (20, 8, 8)
    assert "PSNR before" in result.stdout


def test_repair_keeps_known_pixels_and_writes_a_png_folder(files):
    result = invoke("ae", "repair", files / "holes.npy", "--mask", files / "known.npy", "--model", files / "dae",
                    "--out", files / "fixed", "-q")
    assert result.exit_code == 0, result.stderr
    assert len(list((files / "fixed").glob("*.png"))) == 20


def test_features_and_reduce_keep_identifiers(files):
    result = invoke("ae", "reduce", files / "p.csv", "-k", "2", "--epochs", "5", "--out", files / "codes.csv",
                    "--save-model", files / "pae", "-q")
    assert result.exit_code == 0, result.stderr
    codes = pd.read_csv(files / "codes.csv")
    assert list(codes.columns) == ["penguin_id", "code1", "code2"]
    result = invoke("ae", "features", files / "p.csv", "--model", files / "pae", "--out", files / "f.csv", "-q")
    assert result.exit_code == 0, result.stderr
    np.testing.assert_allclose(pd.read_csv(files / "f.csv")[["code1", "code2"]], codes[["code1", "code2"]])


def test_an_empty_column_the_model_does_not_read_is_ignored(files, tmp_path):
    # a blank "notes" column used to stop every command with "... entirely missing; ... before synthesizing"
    table = pd.read_csv(files / "p.csv").assign(notes=np.nan)
    table.to_csv(tmp_path / "notes.csv", index=False)
    result = invoke("ae", "features", tmp_path / "notes.csv", "--model", files / "tab", "--out", tmp_path / "f.csv",
                    "-q")
    assert result.exit_code == 0, result.stderr
    result = invoke("ae", "features", files / "p.csv", "--model", files / "tab", "--out", tmp_path / "g.csv", "-q")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "f.csv"), pd.read_csv(tmp_path / "g.csv"))
    result = invoke("ae", "reduce", tmp_path / "notes.csv", "-k", "2", "--epochs", "2", "--out", tmp_path / "c.csv",
                    "--save-model", tmp_path / "m", "-q")
    assert result.exit_code == 0, result.stderr
    assert "notes" not in pd.read_csv(tmp_path / "c.csv").columns
    # a column the model reads may not be blank
    table.assign(bill_length_mm=np.nan).to_csv(tmp_path / "blank.csv", index=False)
    result = invoke("ae", "features", tmp_path / "blank.csv", "--model", files / "tab", "--out", tmp_path / "h.csv",
                    "-q")
    assert result.exit_code == 1
    assert "column 'bill_length_mm' has missing values" in result.stderr and "entirely" not in result.stderr
    assert not (tmp_path / "h.csv").exists()


def test_denoise_on_a_table_keeps_its_ids_and_other_columns(files, tmp_path):
    result = invoke("ae", "denoise", files / "p.csv", "--model", files / "tab", "--out", tmp_path / "d.csv", "-q")
    assert result.exit_code == 0, result.stderr
    table, cleaned = pd.read_csv(files / "p.csv"), pd.read_csv(tmp_path / "d.csv")
    assert list(cleaned.columns) == list(table.columns)
    pd.testing.assert_frame_equal(cleaned[["penguin_id", "species", "island", "sex"]],
                                  table[["penguin_id", "species", "island", "sex"]])
    assert not np.allclose(cleaned["bill_length_mm"], table["bill_length_mm"])  # the numbers are rebuilt


def test_generate_writes_a_grid_and_interpolations(files):
    result = invoke("ae", "generate", files / "vae", "--n", "9", "--out", files / "s.png", "--samples",
                    files / "s.npy", "--interpolate", files / "clean.npy", "--steps", "4", "-q")
    assert result.exit_code == 0, result.stderr
    assert (files / "s.png").exists() and (files / "s_interpolation.png").exists()
    assert np.load(files / "s.npy").shape == (9, 8, 8)


def test_anomaly_flags_the_contamination_share(files):
    result = invoke("ae", "anomaly", files / "p.csv", "--contamination", "0.1", "--epochs", "5",
                    "--out", files / "an.csv", "-q")
    assert result.exit_code == 0, result.stderr
    scores = pd.read_csv(files / "an.csv")
    assert list(scores.columns) == ["penguin_id", "error", "is_anomaly"]
    assert scores["is_anomaly"].mean() == pytest.approx(0.1, abs=0.02)


def test_workbench_reduce_with_an_autoencoder(files):
    result = invoke("reduce", files / "p.csv", "-k", "2", "--method", "autoencoder", "--out", files / "rd", "-q")
    assert result.exit_code == 0, result.stderr
    assert list(pd.read_csv(files / "rd" / "reduced.csv").columns) == ["penguin_id", "AE1", "AE2"]
    assert "reconstruction R²" in result.stdout


def test_forecast_writes_the_next_steps(files):
    from synthlearn.autoencoders import load_model
    from synthlearn.autoencoders.persist import model_metadata

    result = invoke("ae", "forecast", files / "series.csv", "--column", "y", "--window", "12", "--steps", "6",
                    "--epochs", "5", "--out", files / "fc.csv", "--save-model", files / "seq", "-q")
    assert result.exit_code == 0, result.stderr
    fc = pd.read_csv(files / "fc.csv")
    assert list(fc.columns) == ["step", "y"] and len(fc) == 6 and fc["y"].abs().max() < 3
    series = pd.read_csv(files / "series.csv")["y"].to_numpy()
    np.testing.assert_allclose(load_model(files / "seq").forecast(series, steps=6), fc["y"], rtol=1e-9)
    assert model_metadata(files / "seq")["column"] == "y"


def test_recommend_never_returns_rated_items(files):
    from synthlearn.autoencoders import load_model
    from synthlearn.autoencoders.persist import model_metadata

    result = invoke("ae", "recommend", files / "ratings.csv", "--user", "who", "--item", "what", "--rating", "stars",
                    "--k", "3", "--epochs", "5", "--out", files / "rec.csv", "--save-model", files / "rec", "-q")
    assert result.exit_code == 0, result.stderr
    recs = pd.read_csv(files / "rec.csv")
    meta = model_metadata(files / "rec")
    top = load_model(files / "rec").recommend(k=3)
    first = recs[recs["who"] == meta["user_ids"][0]].sort_values("rank")["what"].tolist()
    assert first == [meta["item_ids"][i] for i in top[0] if i >= 0]
    assert list(recs.columns) == ["who", "rank", "what", "predicted_rating"]
    rated = set(map(tuple, pd.read_csv(files / "ratings.csv")[["who", "what"]].to_numpy()))
    assert not rated & set(map(tuple, recs[["who", "what"]].to_numpy()))
    assert recs.groupby("who")["rank"].max().max() == 3


@pytest.mark.parametrize("args, message", [
    (["forecast", "{f}/series.csv", "--column", "z", "--out", "{f}/x.csv"], "--column 'z' is not a column"),
    (["forecast", "{f}/series.csv", "--column", "y", "--window", "200", "--out", "{f}/x.csv"], "need at least"),
    (["recommend", "{f}/ratings.csv", "--user", "who", "--out", "{f}/x.csv"], "--item 'item' is not a column"),
    (["forecast", "{f}/series.csv", "--column", "y", "--out", "{f}/x.csv", "--save-model", "{f}/series.csv/m"],
     "--save-model '"),
    (["train", "{f}/digits.npy", "--model", "cnv", "--out", "{f}/x"], "did you mean 'conv'"),
    (["train", "{f}/missing.npy", "--out", "{f}/x"], "does not exist"),
    (["train", "{f}/nan.npy", "--out", "{f}/x"], "NaN or infinite value(s)"),
    (["train", "{f}/p.csv", "--model", "autoencoder", "-k", "40", "--out", "{f}/x"], "--code-size=40 is larger"),
    (["denoise", "{f}/noisy.npy", "--model", "{f}/nowhere", "--out", "{f}/y.npy"], "not a model folder"),
    (["denoise", "{f}/noisy.npy", "--model", "{f}/dae", "--out", "{f}/y.txt"], ".npy file or a folder"),
    (["repair", "{f}/holes.npy", "--mask", "{f}/clean.npy", "--model", "{f}/dae", "--out", "{f}/y.npy"], None),
    (["generate", "{f}/dae", "--out", "{f}/g.png"], "holds a DenoisingAutoencoder, which cannot generate"),
    (["generate", "{f}/vae", "--out", "{f}/g.jpg"], "must be a .png"),
    (["generate", "{f}/vae", "--n", "1000000000", "--out", "{f}/g.png"], "--n must be between 1 and 10,000"),
    (["anomaly", "{f}/p.csv", "--contamination", "0.9", "--out", "{f}/a.csv"], "--contamination must be"),
    (["features", "{f}/p.csv", "--model", "{f}/dae", "--out", "{f}/ff.csv"], None),
    # no output replaces an input, and a failure found late still writes nothing
    (["train", "{f}/p.csv", "--out", "{f}"], "holds the input"),
    (["reduce", "{f}/p.csv", "--out", "{f}/x.csv", "--save-model", "{f}"], "--save-model '"),
    (["denoise", "{f}/noisy.npy", "--model", "{f}/dae", "--out", "{f}/noisy.npy"], "overwrite the input file"),
    (["repair", "{f}/holes.npy", "--mask", "{f}/known.npy", "--model", "{f}/dae", "--out", "{f}/known.npy"],
     "overwrite the input file 'known.npy'".replace("'known", "'{f}/known")),
    (["denoise", "{f}/noisy.npy", "--model", "{f}/dae", "--out", "{f}/clean.npy", "--reference", "{f}/clean.npy"],
     "overwrite the input file"),
    (["denoise", "{f}/noisy.npy", "--model", "{f}/dae", "--out", "{f}/y.npy", "--reference", "{f}/digits.npy"],
     "--reference has shape"),
    (["generate", "{f}/vae", "--out", "{f}/g.png", "--interpolate", "{f}/clean.npy", "--steps", "0"],
     "--steps must be at least 2"),
    (["generate", "{f}/vae", "--out", "{f}/g.png", "--samples", "{f}/g.npy", "--interpolate", "{f}/p.csv"],
     "trained on images"),
    # bad values name their column or file
    (["features", "{f}/p_text.csv", "--model", "{f}/tab", "--out", "{f}/x.csv"],
     "column 'bill_length_mm' has the non-numeric value 'oops' (row 3)"),
    (["train", "{f}/p_inf.csv", "--out", "{f}/x"],
     "column 'bill_length_mm' has infinite values (the first in row 3); replace or drop them first"),
    (["reduce", "{f}/p_inf.csv", "--out", "{f}/x.csv"], "column 'bill_length_mm' has infinite values"),
    (["anomaly", "{f}/p_inf.csv", "--out", "{f}/x.csv"], "column 'bill_length_mm' has infinite values"),
    (["features", "{f}/p_inf.csv", "--model", "{f}/tab", "--out", "{f}/x.csv"], "has infinite values (the first in"),
    (["recommend", "{f}/r_inf.csv", "--user", "who", "--item", "what", "--rating", "stars", "--out", "{f}/x.csv"],
     "column 'stars' has infinite ratings"),
    (["forecast", "{f}/s_inf.csv", "--column", "y", "--window", "5", "--out", "{f}/x.csv"],
     "column 'y' has infinite values"),
    (["train", "{f}/pngs", "--model", "conv", "--out", "{f}/x"], "a.png is not a readable PNG image"),
    # messages name the option typed, not a Python parameter
    (["repair", "{f}/holes.npy", "--mask", "{f}/known.npy", "--model", "{f}/dae", "--out", "{f}/y.npy",
      "--iterations", "0"], "--iterations must be at least 1, got 0"),
    (["generate", "{f}/vae", "--out", "{f}/g.png", "--interpolate", "{f}/clean.npy", "--steps", "1"],
     "--steps must be at least 2"),
    (["reduce", "{f}/p.csv", "--model", "conv", "--out", "{f}/x.csv"], "--model conv needs images"),
    (["recommend", "{f}/r_noid.csv", "--user", "who", "--item", "what", "--rating", "stars", "--out", "{f}/x.csv"],
     "--user column 'who' has no id in row(s) 2"),
])
def test_bad_input_gives_one_error_line_and_writes_nothing(files, args, message):
    before = {p.name: p.stat().st_mtime_ns for p in files.iterdir()}
    result = invoke("ae", *[a.format(f=files) for a in args])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and "Traceback" not in result.stderr
    if message:
        assert message.format(f=files) in lines[-1]
    assert {p.name: p.stat().st_mtime_ns for p in files.iterdir()} == before


@pytest.mark.parametrize("args", [
    ["train", "{f}/p.csv", "-k", "2", "--out", "{f}/x"],
    ["reduce", "{f}/p.csv", "--out", "{f}/x.csv"],
    ["anomaly", "{f}/p.csv", "--out", "{f}/x.csv"],
    ["forecast", "{f}/series.csv", "--column", "y", "--out", "{f}/x.csv"],
    ["recommend", "{f}/ratings.csv", "--user", "who", "--item", "what", "--rating", "stars", "--out", "{f}/x.csv"],
    ["generate", "{f}/vae", "--out", "{f}/g.png"],
])
@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_a_seed_numpy_cannot_take_is_refused_as_a_usage_error(files, args, seed):
    # -1 used to train (or sample) and then end in numpy's traceback "Seed must be between 0 and 2**32 - 1"
    before = {p.name: p.stat().st_mtime_ns for p in files.iterdir()}
    result = invoke("ae", *[a.format(f=files) for a in args], "--epochs" if args[0] != "generate" else "--n", "1",
                    "--seed", seed, "-q")
    assert result.exit_code == 2 and "--seed" in result.stderr and "Traceback" not in result.stderr
    assert {p.name: p.stat().st_mtime_ns for p in files.iterdir()} == before


@pytest.mark.parametrize("command", ["train", "denoise", "reduce"])
def test_a_folder_output_never_replaces_a_folder_of_other_files(files, tmp_path, monkeypatch, command):
    """Model and image folders are replaced as a whole, so one holding anything else is refused."""
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "thesis.txt").write_text("years of work")
    args = {"train": ["train", files / "p.csv", "-k", "2", "--epochs", "2", "--out"],
            "denoise": ["denoise", files / "noisy.npy", "--model", files / "dae", "--out"],
            "reduce": ["reduce", files / "p.csv", "--epochs", "2", "--out", tmp_path / "c.csv", "--save-model"]}
    for out in (tmp_path / "thesis", "."):
        monkeypatch.chdir(tmp_path / "thesis")
        result = invoke("ae", *args[command], out, "-q")
        assert result.exit_code == 1 and "Traceback" not in result.stderr
        assert "refusing to replace" in result.stderr
    assert [p.name for p in (tmp_path / "thesis").iterdir()] == ["thesis.txt"]
    assert not (tmp_path / "c.csv").exists()


def test_a_model_folder_is_replaced_by_a_new_model(files, tmp_path):
    for _ in range(2):
        result = invoke("ae", "train", files / "p.csv", "-k", "2", "--epochs", "2", "--out", tmp_path / "m", "-q")
        assert result.exit_code == 0, result.stderr
    result = invoke("ae", "denoise", files / "noisy.npy", "--model", files / "dae", "--out", tmp_path / "d", "-q")
    assert result.exit_code == 0, result.stderr
    assert invoke("ae", "denoise", files / "noisy.npy", "--model", files / "dae", "--out", tmp_path / "d",
                  "-q").exit_code == 0
    assert len(list((tmp_path / "d").iterdir())) == 20


def test_a_forecasting_or_recommending_model_is_refused_by_name(files, tmp_path):
    assert invoke("ae", "forecast", files / "series.csv", "--column", "y", "--epochs", "2", "--out",
                  tmp_path / "fc.csv", "--save-model", tmp_path / "seq", "-q").exit_code == 0
    assert invoke("ae", "recommend", files / "ratings.csv", "--user", "who", "--item", "what", "--rating", "stars",
                  "--epochs", "2", "--out", tmp_path / "rec.csv", "--save-model", tmp_path / "rec", "-q").exit_code == 0
    for args, name in [(["features", files / "p.csv", "--model", tmp_path / "seq"], "a SequenceAutoencoder"),
                       (["anomaly", files / "noisy.npy", "--model", tmp_path / "seq"], "a SequenceAutoencoder"),
                       (["denoise", files / "noisy.npy", "--model", tmp_path / "rec"], "an AutoRec"),
                       (["repair", files / "holes.npy", "--mask", files / "known.npy", "--model", tmp_path / "seq"],
                        "a SequenceAutoencoder"),
                       (["features", files / "p.csv", "--model", tmp_path / "rec"], "an AutoRec")]:
        result = invoke("ae", *args, "--out", tmp_path / ("x.npy" if args[0] in ("denoise", "repair") else "x.csv"))
        assert result.exit_code == 1 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith(f"error: {args[args.index('--model') + 1]} holds {name}")
        assert f"`ae {args[0]}` needs a folder written by `ae train`" in result.stderr
    assert not (tmp_path / "x.npy").exists() and not (tmp_path / "x.csv").exists()


def test_anomaly_help_names_the_columns_it_writes():
    help_text = " ".join(invoke("ae", "anomaly", "--help").stdout.split())
    assert "error and is_anomaly per sample" in help_text and "score and is_anomaly" not in help_text


def test_every_ae_command_help_shows_an_example():
    for command in ("train", "reduce", "features", "denoise", "repair", "generate", "anomaly", "forecast",
                    "recommend"):
        result = invoke("ae", command, "--help")
        assert result.exit_code == 0 and "Example: synthlearn ae" in result.stdout


@pytest.mark.parametrize("kind", ["autoencoder", "denoising", "conv", "vae"])
def test_unset_epochs_and_batch_size_are_the_models_own(kind):
    """Without --epochs and --batch-size, `ae` commands train with each model's own defaults
    (300 epochs for the denoising model, batch 32 for the convolutional one); given, they are used."""
    import synthlearn.autoencoders as aes
    from synthlearn.cli.ae import KINDS, _make

    own = getattr(aes, KINDS[kind][0])().get_params()
    default = _make(kind, 4, None, None, None, None, "cpu", 0, False).get_params()
    assert (default["epochs"], default["batch_size"]) == (own["epochs"], own["batch_size"])
    given = _make(kind, 4, 7, 16, None, None, "cpu", 0, False).get_params()
    assert (given["epochs"], given["batch_size"]) == (7, 16)
