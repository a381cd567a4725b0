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


def test_model_use_refuses_training_options_and_the_other_kind_of_model(scene, tmp_path):
    """With --model the training options (--apply, --method, --reject; --n-segments, --seed...) were silently
    ignored, and a pixel command given an object model failed with a false band count."""
    assert invoke("vision", "pixels", scene / "scene.npy", "--labels", scene / "train.png", "--out", tmp_path / "p.npy",
                  "--model-out", tmp_path / "pixel model", "-q").exit_code == 0
    assert invoke("vision", "objects", scene / "scene.npy", "--labels", scene / "truth.npy", "--n-segments", "36",
                  "--out", tmp_path / "o.npy", "--model-out", tmp_path / "object model", "-q").exit_code == 0
    for command, extra, message in [
        ("pixels", ["--apply", scene / "scene.npy"], "--apply cannot be used with --model"),
        ("pixels", ["--method", "sam", "--reject", "0.1"], "--method, --reject cannot be used with --model"),
        ("objects", ["--n-segments", "5", "--seed", "3"], "--n-segments, --seed cannot be used with --model"),
    ]:
        result = invoke("vision", command, scene / "scene.npy", "--model", tmp_path / f"{command[:-1]} model",
                        "--out", tmp_path / "x.npy", "-q", *extra)
        assert result.exit_code == 1 and message in result.output and result.output.count("\n") == 1
    wrong = invoke("vision", "pixels", scene / "scene.npy", "--model", tmp_path / "object model", "--out",
                   tmp_path / "x.npy")
    assert wrong.exit_code == 1 and "holds an ObjectClassifier" in wrong.output
    assert f"use `synthlearn vision objects IMAGE --model {tmp_path / 'object model'}`" in wrong.output
    wrong = invoke("vision", "objects", scene / "scene.npy", "--model", tmp_path / "pixel model", "--out",
                   tmp_path / "x.npy")
    assert wrong.exit_code == 1 and f"use `synthlearn vision pixels IMAGE --model {tmp_path / 'pixel model'}`" in \
        wrong.output
    assert not (tmp_path / "x.npy").exists()


def test_objects_reads_each_image_in_its_own_layout(scene, tmp_path):
    """A model trained on (H, W, bands) images read a channels-first --apply image or PNG in its training layout
    (and refused it: '48 band(s)'); every image is now put in the model's layout."""
    image = np.load(scene / "scene.npy")
    np.save(tmp_path / "last.npy", np.moveaxis(image, 0, -1))
    trained = invoke("vision", "objects", tmp_path / "last.npy", "--channels", "last", "--labels",
                     scene / "truth.npy", "--n-segments", "36", "--out", tmp_path / "o.npy", "--model-out",
                     tmp_path / "model", "-q")
    assert trained.exit_code == 0, trained.output
    again = invoke("vision", "objects", scene / "scene.npy", "--model", tmp_path / "model", "--out",
                   tmp_path / "again.npy", "-q")
    assert again.exit_code == 0, again.output
    np.testing.assert_array_equal(np.load(tmp_path / "again.npy"), np.load(tmp_path / "o.npy"))
    from PIL import Image

    rgb = np.moveaxis(np.clip(image * 40 + 128, 0, 255).astype(np.uint8), 0, -1)  # (H, W, 3)
    Image.fromarray(rgb).save(tmp_path / "scene.png")
    np.save(tmp_path / "rgb_last.npy", rgb)
    for apply in ("scene.png", "rgb_last.npy"):
        applied = invoke("vision", "objects", tmp_path / "scene.png", "--channels", "last", "--labels",
                         scene / "truth.npy", "--n-segments", "36", "--apply", tmp_path / apply, "--out",
                         tmp_path / f"{apply}.npy", "-q")
        assert applied.exit_code == 0, applied.output
    np.testing.assert_array_equal(np.load(tmp_path / "scene.png.npy"), np.load(tmp_path / "rgb_last.npy.npy"))


@pytest.mark.parametrize("command, args, message", [
    ("pixels", ["--proba-out", "same.npy"], "--proba-out and --out are the same file"),
    ("objects", ["--segments-out", "same.npy", "--n-segments", "36"], "--segments-out and --out are the same file"),
    ("pixels", ["--proba-out", "folder.npy"], "--proba-out '"),
])
def test_second_output_is_not_the_first_nor_named_as_out(scene, tmp_path, command, args, message):
    """--proba-out or --segments-out equal to --out overwrote the label map; a folder there was called '--out'."""
    (tmp_path / "folder.npy").mkdir()
    args = [tmp_path / a if a.endswith(".npy") else a for a in args]
    result = invoke("vision", command, scene / "scene.npy", "--labels", scene / "truth.npy", "--out",
                    tmp_path / "same.npy", "-q", *args)
    assert result.exit_code == 1 and message in result.output and result.output.count("\n") == 1
    assert not (tmp_path / "same.npy").exists()


@pytest.mark.parametrize("args, message", [
    (["pixels", "--reject", "1.5"], "--reject=1.5 is invalid"),
    (["pixels", "--method", "sam", "--reject", "-1"], "--reject=-1.0 is invalid; give a number in [0, 3.14159]"),
    (["pixels", "--channels", "middle"], "--channels 'middle' is invalid"),
    (["objects", "--segmentation", "felzenszwalb", "--scale", "-1"], "--scale -1.0 is invalid"),
    (["find-objects", "--connectivity", "3"], "--connectivity=3 is invalid"),
    (["find-objects", "--min-area", "0"], "--min-area=0 is invalid"),
    (["score", "--iou", "0"], "--iou 0.0 is invalid"),
])
def test_bad_option_values_are_named_as_typed(scene, tmp_path, args, message):
    """They were named as the Python parameters (reject_probability=1.5, channels=..., connectivity=3, iou=0.0), and
    a negative --scale ran and failed later with an unrelated message."""
    command, *options = args
    inputs = {"pixels": [scene / "scene.npy", "--labels", scene / "truth.npy", "--out", tmp_path / "x.npy"],
              "objects": [scene / "scene.npy", "--labels", scene / "truth.npy", "--out", tmp_path / "x.npy"],
              "find-objects": [scene / "truth.npy"], "score": [scene / "truth.npy", scene / "truth.npy"]}[command]
    result = invoke("vision", command, *inputs, *options, *(["-q"] if command in ("pixels", "objects") else []))
    assert result.exit_code == 1 and message in result.output and result.output.count("\n") == 1


def test_image_and_pixel_models_are_not_mixed_up(scene, tmp_path):
    """One save_model writes every vision model; each command refuses the other kind, naming the right one."""
    result = invoke("vision", "pixels", scene / "scene.npy", "--labels", scene / "train.png", "--out",
                    tmp_path / "c.npy", "--model-out", tmp_path / "pixel model", "-q")
    assert result.exit_code == 0, result.output
    result = invoke("vision", "predict", tmp_path / "pixel model", scene / "scene.npy", "--out", tmp_path / "p.csv")
    assert result.exit_code == 1 and "use `synthlearn vision pixels IMAGE --model" in result.output, result.output
    assert not (tmp_path / "p.csv").exists()
    assert invoke("vision", "objects", scene / "scene.npy", "--labels", scene / "truth.npy", "--n-segments", "36",
                  "--out", tmp_path / "o.npy", "--model-out", tmp_path / "object model", "-q").exit_code == 0
    result = invoke("vision", "predict", tmp_path / "object model", scene / "scene.npy", "--out", tmp_path / "p.csv")
    assert result.exit_code == 1 and "holds an ObjectClassifier, which labels" in result.output, result.output
    np.save(tmp_path / "images.npy", np.random.default_rng(0).random((12, 6, 6)))
    np.save(tmp_path / "labels.npy", np.arange(12) % 2)
    result = invoke("vision", "train", tmp_path / "images.npy", "--labels", tmp_path / "labels.npy", "--model", "knn",
                    "--out", tmp_path / "knn", "-q")
    assert result.exit_code == 0, result.output
    result = invoke("vision", "pixels", scene / "scene.npy", "--model", tmp_path / "knn", "--out", tmp_path / "d.npy")
    assert result.exit_code == 1 and "holds a Pipeline" in result.output, result.output
    assert f"use `synthlearn vision predict {tmp_path / 'knn'} IMAGES`" in result.output, result.output
    assert not (tmp_path / "d.npy").exists()


def test_a_labelled_image_sets_class_maps_train_with_the_background_as_a_class(tmp_path):
    """generate images → semantic/ class maps (0 background) → --unlabelled none → find-objects and score."""
    from synthlearn.generate import make_images, write_labelled_images

    data = make_images(2, size=48, classes=("circle", "square"), objects_per_image=2, random_state=0)
    folder = write_labelled_images(data, tmp_path / "set")
    image, semantic = folder / "images" / "00000.png", folder / "semantic" / "00000.png"
    result = invoke("vision", "pixels", image, "--labels", semantic, "--unlabelled", "none", "--method", "mindist",
                    "--out", tmp_path / "p.npy", "-q")
    assert result.exit_code == 0, result.output
    assert 0 in np.load(tmp_path / "p.npy")  # the background is a class, predicted like the others
    result = invoke("vision", "objects", image, "--labels", semantic, "--unlabelled", "none", "--segmentation",
                    "felzenszwalb", "--scale", "100", "--out", tmp_path / "o.npy", "-q")
    assert result.exit_code == 0, result.output
    predicted = np.load(tmp_path / "o.npy")
    assert (predicted == data.semantic[0]).mean() > 0.9  # its own training image
    listed = invoke("vision", "find-objects", tmp_path / "o.npy", "--min-area", "10")
    everything = invoke("vision", "find-objects", tmp_path / "o.npy", "--background", "none")
    assert listed.exit_code == everything.exit_code == 0
    assert "\n0," not in listed.output and "\n0," in everything.output  # with none, the background is an object


@pytest.mark.parametrize("args, message", [
    (["find-objects", "{s}/truth.npy", "--background", "x"], "--background must be a whole number"),
    (["pixels", "{s}/scene.npy", "--labels", "{s}/train.png", "--unlabelled", "?", "--out", "{t}/c.png"],
     "--unlabelled must be a whole number"),
    (["pixels", "{s}/scene.npy", "--labels", "{s}/train.png", "--unlabelled", "none", "--reject", "0.01", "--out",
      "{t}/c.png"], "--reject labels the pixels it leaves unclassified 0, and 0 is a class"),
])
def test_label_value_options_are_checked(scene, tmp_path, args, message):
    result = invoke("vision", *[a.format(s=scene, t=tmp_path) for a in args])
    assert result.exit_code == 1 and message in result.output, result.output
    assert not (tmp_path / "c.png").exists()


@pytest.fixture(scope="module")
def shapes_set(tmp_path_factory):
    from synthlearn.generate import make_images, write_labelled_images

    folder = tmp_path_factory.mktemp("sets")
    data = make_images(12, size=32, classes=("circle", "square"), objects_per_image=1, random_state=0)
    test = make_images(1, size=32, classes=("circle", "square"), objects_per_image=1, random_state=5)
    return write_labelled_images(data, folder / "train"), write_labelled_images(test, folder / "test"), test


def test_objects_and_pixels_train_on_every_image_of_a_labelled_set(shapes_set, tmp_path):
    """IMAGE a folder of `generate images`: every image trains with its class map, the background a class."""
    from synthlearn.vision.objects import ObjectClassifier
    from synthlearn.vision.persist import load_model

    train, test, data = shapes_set
    result = invoke("vision", "objects", train, "--apply", test / "images" / "00000.png", "--segmentation",
                    "felzenszwalb", "--scale", "50", "--out", tmp_path / "o.npy", "--model-out", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert "of 12 images; labels 0 background, 1 circle, 2 square" in " ".join(result.output.split())
    model = load_model(tmp_path / "m")
    assert isinstance(model, ObjectClassifier) and model.unlabelled is None  # the background was a class
    predicted = np.load(tmp_path / "o.npy")
    assert (predicted == data.semantic[0]).mean() > 0.85  # an image it never saw, read from its PNG
    result = invoke("vision", "pixels", train, "--apply", test / "images" / "00000.png", "--method", "mindist",
                    "--out", tmp_path / "p.npy", "-q")
    assert result.exit_code == 0, result.output
    assert 0 in np.load(tmp_path / "p.npy")
    # --unlabelled typed: 0 (the background) trains nothing, so only the shapes are predicted
    result = invoke("vision", "pixels", train, "--apply", test / "images" / "00000.png", "--unlabelled", "0",
                    "--method", "mindist", "--out", tmp_path / "q.npy", "-q")
    assert result.exit_code == 0, result.output
    assert set(np.unique(np.load(tmp_path / "q.npy"))) <= {1, 2}


@pytest.mark.parametrize("extra, message", [
    ([], "is a labelled image set to train on; give --apply IMAGE"),
    (["--apply", "{test}/images/00000.png", "--labels", "{test}/semantic/00000.png"], "drop --labels"),
    (["--apply", "{test}/images/00000.png", "--model-out", "{train}"], "--model-out"),
])
@pytest.mark.parametrize("command", ["pixels", "objects"])
def test_a_labelled_set_as_image_is_refused_where_it_cannot_work(shapes_set, tmp_path, command, extra, message):
    train, test, _ = shapes_set
    before = sorted(p.relative_to(train) for p in train.rglob("*"))
    args = [a.format(test=test, train=train, t=tmp_path) for a in extra]
    result = invoke("vision", command, train, *args, "--out", tmp_path / "o.npy")
    assert result.exit_code == 1 and message in " ".join(result.output.split()), result.output
    assert len(result.output.strip().splitlines()) <= 3 and not (tmp_path / "o.npy").exists()
    assert sorted(p.relative_to(train) for p in train.rglob("*")) == before


def test_a_folder_of_images_is_classified_into_a_folder_of_maps_and_scored(shapes_set, tmp_path):
    """--apply a labelled set: a map per image, objects.csv, scores.json; --model on a plain folder of PNGs; then
    `vision score` on the two folders gives the scores written."""
    from synthlearn.generate import make_images, write_labelled_images

    train, _, _ = shapes_set
    data = make_images(3, size=32, classes=("circle", "square"), objects_per_image=1, random_state=9)
    unseen = write_labelled_images(data, tmp_path / "unseen")
    result = invoke("vision", "objects", train, "--apply", unseen, "--segmentation", "felzenszwalb", "--scale", "50",
                    "--out", tmp_path / "maps", "--model-out", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert "pooled over 3 images" in result.output
    names = ["00000", "00001", "00002"]
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == [f"{n}.png" for n in names] + [
        "objects.csv", "scores.json"]
    from PIL import Image

    maps = [np.asarray(Image.open(tmp_path / "maps" / f"{n}.png")) for n in names]
    truth = data.semantic
    pooled = np.mean(np.concatenate([m.ravel() for m in maps]) == truth.ravel())
    scores = json.loads((tmp_path / "maps" / "scores.json").read_text())
    assert scores["pixel_accuracy"] == pytest.approx(pooled) and pooled > 0.85
    objects = pd.read_csv(tmp_path / "maps" / "objects.csv", dtype={"image": str})
    assert list(objects.columns[:2]) == ["image", "class"] and set(objects["image"]) <= set(names)
    assert 0 not in set(objects["class"])  # the background is no object
    # the saved model on a folder of plain PNGs: the same maps, no scores (no truth)
    result = invoke("vision", "objects", unseen / "images", "--model", tmp_path / "m", "--out", tmp_path / "again",
                    "-q")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "again" / "scores.json").exists()
    for n, m in zip(names, maps):
        assert np.array_equal(np.asarray(Image.open(tmp_path / "again" / f"{n}.png")), m)
    # scoring the folders: against the set, or against its semantic/ maps, as the run printed
    for truth_folder in (unseen, unseen / "semantic"):
        result = invoke("vision", "score", tmp_path / "again", truth_folder, "--json", tmp_path / "s.json")
        assert result.exit_code == 0, result.output
        assert json.loads((tmp_path / "s.json").read_text()) == scores
    # a second run replaces its own folder of maps
    result = invoke("vision", "pixels", train, "--apply", unseen, "--method", "mindist", "--out", tmp_path / "maps",
                    "-q")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args, message", [
    (["objects", "--model", "{t}/m", "{u}", "--out", "{t}/maps", "--segments-out", "{t}/s.npy"],
     "--segments-out is written for one image"),
    (["pixels", "{train}", "--apply", "{u}", "--out", "{t}/maps", "--proba-out", "{t}/p.npy"],
     "--proba-out is written for one image"),
    (["objects", "--model", "{t}/m", "{u}", "--out", "{t}/maps.png"], "names a file, but a folder of images"),
    (["objects", "--model", "{t}/m", "{u}", "--out", "{u}/maps"], "is inside the input folder"),
    (["objects", "--model", "{t}/m", "{u}", "--out", "{t}/foreign"], "holding files this command does not write"),
    (["objects", "--model", "{t}/m", "{u}", "--out", "{t}/photos"], "without objects.csv, not an earlier folder"),
    (["objects", "--model", "{t}/m", "{t}/empty", "--out", "{t}/maps"], "holds no .png or .npy image"),
    (["score", "{u}/semantic", "{u}/semantic/00000.png"], "is a folder and"),
    (["score", "{u}/semantic", "{t}/partial"], "has no true map for 1 predicted map(s), the first '00001'"),
])
def test_folder_runs_refuse_bad_paths_and_write_nothing(shapes_set, tmp_path, args, message):
    import shutil

    from synthlearn.generate import make_images, write_labelled_images

    train, _, _ = shapes_set
    unseen = write_labelled_images(make_images(2, size=32, classes=("circle", "square"), random_state=9),
                                   tmp_path / "unseen")
    assert invoke("vision", "objects", train, "--apply", unseen / "images" / "00000.png", "--out", tmp_path / "o.npy",
                  "--model-out", tmp_path / "m", "-q").exit_code == 0
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    (tmp_path / "empty").mkdir()
    (tmp_path / "photos").mkdir()  # someone's images, not maps this command wrote
    shutil.copy(unseen / "images" / "00001.png", tmp_path / "photos")
    (tmp_path / "partial").mkdir()
    shutil.copy(unseen / "semantic" / "00000.png", tmp_path / "partial")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    result = invoke("vision", *[a.format(t=tmp_path, u=unseen, train=train) for a in args])
    assert result.exit_code == 1 and message in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("out, model_out", [("o.npy", "o.npy"), ("maps", "maps"), ("maps", "maps/model"),
                                            ("model/o.npy", "model")])
def test_out_and_model_out_on_one_path_are_refused_before_any_work(shapes_set, tmp_path, out, model_out):
    """Before, the maps were written and only then the model refused: exit 1 with a half-finished output."""
    train, test, _ = shapes_set
    target = test if "." not in out else test / "images" / "00000.png"
    (tmp_path / "model").mkdir()  # an earlier model, retrained
    result = invoke("vision", "pixels", train, "--apply", target, "--method", "mindist", "--out", tmp_path / out,
                    "--model-out", tmp_path / model_out, "-q")
    assert result.exit_code == 1 and "--model-out" in result.output and "Traceback" not in result.output
    assert [p.name for p in tmp_path.rglob("*")] == ["model"]


@pytest.mark.parametrize("command", ["pixels", "objects"])
@pytest.mark.parametrize("make, message", [
    (lambda f: None, "holds no .png or .npy image"),
    (lambda f: (f / "a.png").write_bytes(b"junk"), "a.png' is not a readable PNG image"),
    (lambda f: np.save(f / "a.npy", np.zeros((32, 32))), "has 1 band(s) and the training images 3"),
])
def test_a_folder_to_classify_is_read_and_checked_before_training(shapes_set, tmp_path, command, make, message):
    """Before, the model trained on every image of the set (minutes, for objects) before the folder was read."""
    train, _, _ = shapes_set
    folder = tmp_path / "to classify"
    folder.mkdir()
    make(folder)
    result = invoke("vision", command, train, "--apply", folder, "--out", tmp_path / "maps", "--model-out",
                    tmp_path / "m")
    assert result.exit_code == 1 and message in " ".join(result.output.split()), result.output
    assert "training on" not in result.output and "and training" not in result.output
    assert "Traceback" not in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["to classify"]


def test_a_labelled_set_of_other_classes_is_not_scored_against_the_training_classes(shapes_set, tmp_path):
    """A set whose label c names another class than the training set's would score silently wrong: refused,
    whether the model trains in the run or is a saved one trained on a set."""
    from synthlearn.generate import make_images, write_labelled_images

    train, _, _ = shapes_set
    other = write_labelled_images(make_images(2, size=32, classes=("square", "circle"), random_state=3),
                                  tmp_path / "other")
    result = invoke("vision", "pixels", train, "--apply", other, "--method", "mindist", "--out", tmp_path / "maps")
    assert result.exit_code == 1, result.output
    assert "labels 1 circle, 2 square, but the labelled set" in " ".join(result.output.split())
    assert not (tmp_path / "maps").exists()
    same = write_labelled_images(make_images(2, size=32, classes=("circle", "square"), random_state=3),
                                 tmp_path / "same")
    assert invoke("vision", "pixels", train, "--apply", same, "--method", "mindist", "--out", tmp_path / "maps",
                  "--model-out", tmp_path / "m", "-q").exit_code == 0
    result = invoke("vision", "pixels", other, "--model", tmp_path / "m", "--out", tmp_path / "maps2")
    assert result.exit_code == 1 and "the model" in result.output and not (tmp_path / "maps2").exists()
    # its images/ folder, unscored, is classified
    assert invoke("vision", "pixels", other / "images", "--model", tmp_path / "m", "--out", tmp_path / "maps2",
                  "-q").exit_code == 0
