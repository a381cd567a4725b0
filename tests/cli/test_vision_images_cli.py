"""``synthlearn vision train / predict / compare`` in-process on tiny image sets, and one error line per mistake."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthlearn.cli.main import app


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"OMP_NUM_THREADS": "1"})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from PIL import Image

    from synthlearn.data.images import load_images

    folder = tmp_path_factory.mktemp("vision")
    X, y = load_images("digits")
    np.save(folder / "digits.npy", X[:300])
    np.save(folder / "labels.npy", y[:300])
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    pd.DataFrame({"label": names[y[:300]]}).to_csv(folder / "labels.csv", index=False)
    (folder / "labels.txt").write_text("\n".join(map(str, y[:300])) + "\n")
    (folder / "short.txt").write_text("\n".join(map(str, y[:299])) + "\n")
    (folder / "fraction.txt").write_text("\n".join(str(i * 0.37) for i in range(300)) + "\n")
    np.save(folder / "infinite.npy", np.r_[np.ones(299), np.inf])
    np.save(folder / "tiny.npy", X[:4])
    np.save(folder / "tiny_labels.npy", np.array(["a", "b", "c", "d"]))
    (folder / "pngs").mkdir()
    for i, image in enumerate(X[300:306]):
        Image.fromarray((image * 255).astype(np.uint8)).save(folder / "pngs" / f"img{i}.png")
    return folder


def test_train_and_predict_a_cnn(files, tmp_path):
    result = invoke("vision", "train", files / "digits.npy", "--labels", files / "labels.csv", "--model", "cnn",
                    "--epochs", "2", "--channels", "4,8", "--out", tmp_path / "cnn", "-q")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "cnn").iterdir()) == ["config.json", "weights.pt"]
    result = invoke("vision", "predict", tmp_path / "cnn", files / "pngs", "--out", tmp_path / "p.csv", "-q")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "p.csv")
    assert table["image"].tolist() == [f"img{i}.png" for i in range(6)]
    assert set(table["prediction"]) <= {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                                        "nine"}
    proba = table.filter(like="proba_")
    assert proba.shape[1] == 10 and np.allclose(proba.sum(axis=1), 1)
    from synthlearn.vision import load_model

    model = load_model(tmp_path / "cnn")
    assert model.n_epochs_ <= 2 and model.channels == (4, 8) and model.global_pooling == "max"
    from synthlearn.data.images import read_images

    assert (model.predict(read_images(files / "pngs")) == table["prediction"]).all()


@pytest.mark.parametrize("labels", ["labels.npy", "labels.txt"])
def test_train_a_classic_model_on_hog(files, tmp_path, labels):
    out = tmp_path / "svm"
    result = invoke("vision", "train", files / "digits.npy", "-l", files / labels, "--model", "svm", "--features",
                    "hog", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    result = invoke("vision", "predict", out, files / "digits.npy", "--out", tmp_path / "p.csv", "-q")
    table = pd.read_csv(tmp_path / "p.csv")
    assert result.exit_code == 0 and len(table) == 300 and table["image"].tolist()[:2] == [0, 1]
    assert (table["prediction"] == np.load(files / "labels.npy")).mean() > 0.9  # on its training images


def test_train_on_a_bundled_set(tmp_path):
    result = invoke("vision", "train", "digits", "--model", "knn", "--out", tmp_path / "knn")
    assert result.exit_code == 0, result.output
    assert "1,797 images of 10 classes" in result.output


def test_compare_prints_a_leaderboard(files, tmp_path):
    result = invoke("vision", "compare", files / "digits.npy", "--labels", files / "labels.npy", "--models",
                    "knn,svm-hog,cnn", "--epochs", "1", "--out", tmp_path / "board.csv", "-q")
    assert result.exit_code == 0, result.output
    board = pd.read_csv(tmp_path / "board.csv")
    assert set(board["model"]) == {"knn", "svm-hog", "cnn"}
    assert list(board.columns) == ["model", "accuracy", "fit_s", "predict_s"]
    assert board["accuracy"].is_monotonic_decreasing and board["accuracy"].max() > 0.8
    assert "held-out accuracy" in result.output and "svm-hog" in result.output


@pytest.mark.parametrize("args, message", [
    (["train", "{f}/digits.npy", "--out", "{t}/m"], "--labels is required"),
    (["train", "{f}/digits.npy", "-l", "{f}/short.txt", "--out", "{t}/m"], "has 299 labels for 300 images"),
    (["train", "digits", "-l", "{f}/labels.npy", "--out", "{t}/m"], "bundled set with its own labels"),
    (["train", "{f}/digits.npy", "-l", "{f}/labels.npy", "--model", "svn", "--out", "{t}/m"], "did you mean 'svm'"),
    (["train", "{f}/digits.npy", "-l", "{f}/labels.npy", "--model", "knn", "--epochs", "3", "--out", "{t}/m"],
     "--epochs applies to --model cnn"),
    (["train", "{f}/digits.npy", "-l", "{f}/labels.npy", "--epochs", "0", "--out", "{t}/m"],
     "--epochs must be a positive integer"),
    (["train", "{f}/digits.npy", "-l", "{f}/labels.npy", "--channels", "4,x", "--out", "{t}/m"],
     "--channels must be comma-separated"),
    (["train", "{f}/digits.npy", "-l", "{f}/labels.npy", "--global-pooling", "sum", "--out", "{t}/m"],
     "--global-pooling must be max, avg or none, got 'sum'"),
    (["train", "{f}/digits.npy", "-l", "{f}/labels.npy", "--model", "svm", "--global-pooling", "max", "--out",
      "{t}/m"], "--global-pooling applies to --model cnn, not svm"),
    (["train", "{f}/nowhere.npy", "-l", "{f}/labels.npy", "--out", "{t}/m"], "does not exist"),
    (["train", "{f}/digits.npy", "-l", "{f}/fraction.txt", "--out", "{t}/m"], "holds fractional numbers such as 0.37"),
    (["train", "{f}/digits.npy", "-l", "{f}/infinite.npy", "--out", "{t}/m"], "1 missing or infinite label(s)"),
    # one image per class: scikit-learn's internal splits (SVM calibration, MLP early stopping) and KNN's 5
    # neighbours need more; KNN would fit, then fail at every prediction
    (["train", "{f}/tiny.npy", "-l", "{f}/tiny_labels.npy", "--model", "knn", "--out", "{t}/m"],
     "its 5 nearest training images, and there are only 4"),
    (["train", "{f}/tiny.npy", "-l", "{f}/tiny_labels.npy", "--model", "svm", "--out", "{t}/m"],
     "svm cannot train on 4 images of 4 classes"),
    (["train", "{f}/tiny.npy", "-l", "{f}/tiny_labels.npy", "--model", "mlp", "--out", "{t}/m"],
     "mlp cannot train on 4 images of 4 classes"),
    (["predict", "{t}/nowhere", "{f}/digits.npy", "--out", "{t}/p.csv"], "is not a model folder"),
    (["compare", "{f}/digits.npy", "-l", "{f}/labels.npy", "--models", "knn,cnn-hog"], "unknown model 'cnn-hog'"),
    (["compare", "{f}/digits.npy", "-l", "{f}/labels.npy", "--test-size", "1.5"], "--test-size must be a fraction"),
    # CNN options in compare: refused up front, not ignored or turned into a "cnn failed" warning
    (["compare", "{f}/digits.npy", "-l", "{f}/labels.npy", "--models", "knn", "--epochs", "3"],
     "--epochs applies to the cnn model, which --models does not list"),
    (["compare", "{f}/digits.npy", "-l", "{f}/labels.npy", "--models", "knn", "--global-pooling", "avg"],
     "--global-pooling applies to the cnn model, which --models does not list; add cnn to --models or drop "
     "--global-pooling"),
    (["compare", "{f}/digits.npy", "-l", "{f}/labels.npy", "--models", "knn,cnn", "--epochs", "0"],
     "--epochs must be a positive integer, got 0"),
    (["compare", "{f}/digits.npy", "-l", "{f}/labels.npy", "--models", "knn,cnn", "--device", "gpu"],
     "--device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got 'gpu'"),
])
def test_mistakes_give_one_line_and_write_nothing(files, tmp_path, args, message):
    result = invoke("vision", *[a.format(f=files, t=tmp_path) for a in args])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("error: ") and message in lines[-1], result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "m").exists() and not (tmp_path / "p.csv").exists()


def test_outputs_never_replace_inputs_or_other_files(files, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    result = invoke("vision", "train", "digits", "--model", "knn", "--out", mine)
    assert result.exit_code == 1 and "error:" in result.output
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert invoke("vision", "train", "digits", "--model", "knn", "--out", tmp_path / "knn", "-q").exit_code == 0
    copy = tmp_path / "digits.csv"
    copy.write_text("keep")
    result = invoke("vision", "predict", tmp_path / "knn", files / "digits.npy", "--out", files / "digits.npy")
    assert result.exit_code == 1 and "error:" in result.output
    assert np.load(files / "digits.npy").shape == (300, 8, 8)


def test_every_command_shows_an_example():
    for command in ("train", "predict", "compare"):
        result = invoke("vision", command, "--help")
        assert result.exit_code == 0 and "Example: synthlearn vision " + command in result.output


def test_train_a_cnn_with_global_pooling(files, tmp_path):
    result = invoke("vision", "train", files / "digits.npy", "--labels", files / "labels.npy", "--epochs", "1",
                    "--channels", "4", "--global-pooling", "avg", "--out", tmp_path / "cnn", "-q")
    assert result.exit_code == 0, result.output
    from synthlearn.vision import load_model

    model = load_model(tmp_path / "cnn")
    assert model.global_pooling == "avg" and model.module_.head[1].in_features == 4


@pytest.fixture(scope="module")
def shape_sets(tmp_path_factory):
    from synthlearn.generate import make_images, write_labelled_images

    folder = tmp_path_factory.mktemp("shapes")
    one = write_labelled_images(make_images(40, size=24, objects_per_image=1, random_state=0), folder / "one")
    several = write_labelled_images(make_images(6, size=24, objects_per_image=(2, 3), random_state=0),
                                    folder / "several")
    return one, several


def test_a_labelled_image_set_brings_its_labels(shape_sets, tmp_path):
    from synthlearn.generate import read_labelled_images
    from synthlearn.vision import load_model

    one, several = shape_sets
    result = invoke("vision", "train", one, "--model", "knn", "--out", tmp_path / "knn", "-q")
    assert result.exit_code == 0, result.output
    data = read_labelled_images(one)
    model = load_model(tmp_path / "knn")
    assert sorted(model.classes_) == sorted(set(data.annotations["label"].astype(str)))
    # each image's label is its one object's shape, in the order of the image files
    from synthlearn.cli.vision_images import _read_labelled_set

    X, labels, names = _read_labelled_set(one)
    assert np.array_equal(X, data.images) and names == sorted(p.name for p in (one / "images").iterdir())
    assert labels.tolist() == data.annotations.set_index("image").loc[range(40), "label"].astype(str).tolist()
    result = invoke("vision", "predict", tmp_path / "knn", one, "--out", tmp_path / "p.csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "p.csv")
    assert table["image"].tolist() == names and table["label"].tolist() == labels.tolist()
    accuracy = (table["label"] == table["prediction"]).mean()
    assert f"accuracy against their own labels {accuracy:.3f}" in result.output
    # images of several objects have no label of their own, but can be classified and labelled by hand
    result = invoke("vision", "predict", tmp_path / "knn", several, "--out", tmp_path / "q.csv", "-q")
    assert result.exit_code == 0 and len(pd.read_csv(tmp_path / "q.csv")) == 6
    assert "label" not in pd.read_csv(tmp_path / "q.csv").columns  # several objects: no label of its own
    np.save(tmp_path / "labels.npy", np.arange(6) % 2)
    result = invoke("vision", "train", several, "--labels", tmp_path / "labels.npy", "--model", "knn", "--out",
                    tmp_path / "own", "-q")
    assert result.exit_code == 0, result.output
    assert load_model(tmp_path / "own").classes_.tolist() == [0, 1]


@pytest.mark.parametrize("command, name", [("predict", "annotations.csv"), ("compare", "images.csv")])
def test_outputs_never_replace_a_labelled_image_sets_tables(shape_sets, tmp_path, command, name):
    import shutil

    one = shutil.copytree(shape_sets[0], tmp_path / "one")
    before = (one / name).read_bytes()
    result = invoke("vision", "train", one, "--model", "knn", "--out", tmp_path / "knn", "-q")
    assert result.exit_code == 0, result.output
    args = [tmp_path / "knn", one] if command == "predict" else [one, "--models", "knn"]
    result = invoke("vision", command, *args, "--out", one / name, "-q")
    assert result.exit_code == 1, result.output
    assert f"refusing to overwrite the input file '{one / name}'" in result.output.strip().splitlines()[-1]
    assert (one / name).read_bytes() == before


@pytest.mark.parametrize("which, extra, message", [
    ("several", [], "whose image 0 holds 3 objects; a whole-image classifier needs one object per image"),
    ("one", ["--labels", "{t}/labels.npy"], "is a labelled image set (one object per image) with its own labels"),
])
def test_a_labelled_image_set_without_one_label_per_image_is_refused(shape_sets, tmp_path, which, extra, message):
    np.save(tmp_path / "labels.npy", np.zeros(40))
    folder = dict(zip(("one", "several"), shape_sets))[which]
    result = invoke("vision", "train", folder, *[a.format(t=tmp_path) for a in extra], "--out", tmp_path / "m")
    assert result.exit_code == 1 and message in result.output.strip().splitlines()[-1], result.output
    assert not (tmp_path / "m").exists()


def test_a_labelled_image_set_with_empty_images_says_how_to_make_one_without(tmp_path):
    from synthlearn.generate import make_images, write_labelled_images

    data = make_images(12, size=16, objects_per_image=1, edge_cases={"empty": 0.5}, random_state=0)
    folder = write_labelled_images(data, tmp_path / "empty")
    first = int(data.image_info.loc[data.image_info["empty"], "image"].iloc[0])
    result = invoke("vision", "train", folder, "--model", "knn", "--out", tmp_path / "m")
    assert result.exit_code == 1 and not (tmp_path / "m").exists()
    assert (f"whose image {first} holds 0 objects; a whole-image classifier needs one object per image (synthlearn "
            f"generate images --objects 1 and no 'empty' in --edge-cases)") in result.output, result.output


def test_train_a_cnn_with_flattened_maps(files, tmp_path):
    result = invoke("vision", "train", files / "digits.npy", "--labels", files / "labels.npy", "--epochs", "1",
                    "--channels", "4", "--global-pooling", "none", "--out", tmp_path / "cnn", "-q")
    assert result.exit_code == 0, result.output
    from synthlearn.vision import load_model

    model = load_model(tmp_path / "cnn")
    assert model.global_pooling is None and model.module_.head[1].in_features == 4 * 4 * 4  # 8x8 pooled once
