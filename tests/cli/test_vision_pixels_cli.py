"""``synthlearn vision pixels|objects|find-objects|score`` end to end on a tiny scene, and clean errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthlearn.cli.main import app


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"OMP_NUM_THREADS": "1"})


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    from PIL import Image

    folder = tmp_path_factory.mktemp("vision")
    rng = np.random.default_rng(0)
    truth = np.kron(rng.integers(1, 4, (4, 4)), np.ones((12, 12), dtype=int))
    np.save(folder / "scene.npy", rng.normal(truth[None] * np.array([1.0, -0.5, 0.3])[:, None, None], 0.3))
    np.save(folder / "truth.npy", truth)
    Image.fromarray(np.where(rng.random(truth.shape) < 0.2, truth, 0).astype(np.uint8)).save(folder / "train.png")
    return folder


def test_pixels_train_save_apply_and_proba(scene):
    result = invoke("vision", "pixels", scene / "scene.npy", "--labels", scene / "train.png", "--out",
                    scene / "c.png", "--model-out", scene / "model", "--proba-out", scene / "p.npy", "-q")
    assert result.exit_code == 0, result.output
    from PIL import Image

    classified = np.asarray(Image.open(scene / "c.png"))
    assert Image.open(scene / "c.png").mode == "P" and (classified == np.load(scene / "truth.npy")).mean() > 0.9
    assert np.load(scene / "p.npy").shape == (3, 48, 48)
    again = invoke("vision", "pixels", scene / "scene.npy", "--model", scene / "model", "--out", scene / "a.npy")
    assert again.exit_code == 0 and (np.load(scene / "a.npy") == classified).all()
    sam = invoke("vision", "pixels", scene / "scene.npy", "--labels", scene / "train.png", "--method", "sam",
                 "--proba-out", scene / "q.npy", "--out", scene / "s.png")
    assert sam.exit_code == 1 and "--proba-out needs --method maxlike" in sam.output
    assert not (scene / "s.png").exists() and not (scene / "q.npy").exists()


@pytest.mark.parametrize("args, message", [
    (["--method", "knn"], "--method 'knn' is invalid"),
    (["--labels", "truth.npy", "--out", "scene.npy"], "refusing to overwrite the input file"),
    (["--labels", "missing.png"], "does not exist"),
    (["--labels", "scene.npy"], "a label map is a 2-D array"),
])
def test_pixels_errors_are_one_line_and_write_nothing(scene, args, message):
    base = {"--labels": "train.png", "--out": "bad.png"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    argv = ["vision", "pixels", scene / "scene.npy", "--quiet"]
    for flag, value in base.items():
        argv += [flag, value if flag == "--method" else scene / value]
    before = (scene / "scene.npy").read_bytes()
    result = invoke(*argv)
    assert result.exit_code == 1 and message in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert not (scene / "bad.png").exists() and (scene / "scene.npy").read_bytes() == before


def test_objects_find_objects_and_score(scene):
    result = invoke("vision", "objects", scene / "scene.npy", "--labels", scene / "truth.npy", "--n-segments", "36",
                    "--out", scene / "o.npy", "--segments-out", scene / "seg.npy", "-q")
    assert result.exit_code == 0, result.output
    assert (np.load(scene / "o.npy") == np.load(scene / "truth.npy")).mean() > 0.8
    assert np.load(scene / "seg.npy").shape == (48, 48)
    sparse = invoke("vision", "objects", scene / "scene.npy", "--labels", scene / "train.png", "--n-segments", "4",
                    "--out", scene / "x.npy")
    assert sparse.exit_code == 1 and "--min-labelled" in sparse.output and not (scene / "x.npy").exists()

    found = invoke("vision", "find-objects", scene / "truth.npy", "--out", scene / "objects.csv")
    assert found.exit_code == 0, found.output
    table = pd.read_csv(scene / "objects.csv")
    assert table["area"].sum() == 48 * 48 and list(table.columns[:6]) == ["class", "object", "x0", "y0", "x1", "y1"]

    scored = invoke("vision", "score", scene / "o.npy", scene / "truth.npy", "--json", scene / "s.json")
    assert scored.exit_code == 0 and "mean IoU" in scored.output
    payload = json.loads((scene / "s.json").read_text())
    assert payload["pixel_accuracy"] > 0.8 and set(payload["per_class"]) == {"1", "2", "3"}
    np.save(scene / "small.npy", np.ones((2, 2), dtype=int))
    bad = invoke("vision", "score", scene / "o.npy", scene / "small.npy", "--json", scene / "t.json")
    assert bad.exit_code == 1 and "same shape" in bad.output and not (scene / "t.json").exists()


def test_every_command_help_shows_an_example():
    for command in ("pixels", "objects", "find-objects", "score"):
        assert "Example: synthlearn vision " + command in invoke("vision", command, "--help").output
