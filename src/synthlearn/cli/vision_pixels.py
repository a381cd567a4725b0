"""``synthlearn vision pixels|objects|find-objects|score``: pixel- and object-based classification of one image,
objects of a label map, and scores against the truth.

Images are a ``.npy`` array ((bands, H, W) by default, ``--channels last`` for (H, W, bands), or (H, W)) or a
``.png`` (grey, or RGB read as 3 bands), values as stored. Label maps are a 2-D ``.npy`` of whole numbers or a
grey/palette ``.png`` whose pixel values are the labels; 0 means unlabelled. Classified maps are written as
``.npy`` or as a palette ``.png`` (pixel value = label, each class its own colour).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import numpy as np
import typer

from synthlearn.cli.console import Progress, user_errors
from synthlearn.errors import DataError, FileFormatError, InvalidParameterError

METHODS = {"mindist": "MinimumDistanceClassifier", "mahalanobis": "MahalanobisClassifier",
           "maxlike": "MaximumLikelihoodClassifier", "sam": "SpectralAngleClassifier"}
SEGMENTATIONS = ("slic", "felzenszwalb", "quickshift", "watershed")
_QUIET = typer.Option(False, "--quiet", "-q", help="No progress on stderr.")
_CHANNELS = typer.Option("first", "--channels", help="Band axis of .npy images: first (bands, H, W) or last (H, W, "
                                                     "bands).")
#: 20 distinct colours for palette PNGs (label 0 black); the palette repeats beyond.
_COLOURS = [(0, 0, 0), (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
            (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128),
            (220, 190, 255), (170, 110, 40), (255, 250, 200), (128, 0, 0), (170, 255, 195), (128, 128, 0),
            (255, 215, 180), (0, 0, 128)]


# ---------------------------------------------------------------------- files
def _exists(path: Path, what: str) -> Path:
    if not path.is_file():
        raise FileFormatError(f"{what} '{path}' does not exist or is not a file; give a .npy or .png file")
    if path.suffix.lower() not in (".npy", ".png"):
        raise FileFormatError(f"{what} '{path}' is neither .npy nor .png; convert it to one of those")
    return path


def _read_png(path: Path):
    from PIL import Image

    try:
        picture = Image.open(path)
        picture.load()
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"'{path}' is not a readable PNG image ({type(exc).__name__}); replace it") from None
    return picture


def read_image(path: Path, channels: str) -> tuple[np.ndarray, str]:
    """``(image, channels)``: a .npy array as stored, or a PNG as (H, W) grey or (3, H, W) RGB."""
    _exists(path, "image")
    if path.suffix.lower() == ".png":
        picture = _read_png(path)
        if picture.mode in ("L", "I", "I;16", "1"):
            return np.asarray(picture, dtype=np.float64), "first"
        return np.asarray(picture.convert("RGB"), dtype=np.float64).transpose(2, 0, 1), "first"
    array = _load_npy(path)
    if array.dtype.kind not in "iufb" or array.ndim not in (2, 3):
        raise DataError(f"'{path}' holds a {array.dtype} array of shape {array.shape}; an image is numbers of "
                        f"shape (bands, H, W), (H, W, bands) or (H, W)")
    return array.astype(np.float64), channels


def _load_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise FileFormatError(f"'{path}' is not a readable .npy array ({type(exc).__name__}); replace it") from None


def read_label_map(path: Path, what: str = "label map") -> np.ndarray:
    """A 2-D integer label map from a .npy or a grey/palette PNG (pixel values are the labels)."""
    _exists(path, what)
    if path.suffix.lower() == ".png":
        picture = _read_png(path)
        if picture.mode not in ("L", "P", "I", "I;16", "1"):
            raise DataError(f"{what} '{path}' is a {picture.mode} PNG; a label map is a grey or palette PNG whose "
                            f"pixel values are the labels (or a .npy)")
        return np.asarray(picture).astype(np.int64)
    array = _load_npy(path)
    if array.ndim != 2 or array.dtype.kind not in "iub" and not (
            array.dtype.kind == "f" and np.all(np.isfinite(array)) and np.all(array == np.round(array))):
        raise DataError(f"{what} '{path}' holds a {array.dtype} array of shape {array.shape}; a label map is a "
                        f"2-D array of whole numbers")
    return array.astype(np.int64)


def _check_out(out: Path, inputs, option: str = "--out", suffixes=(".npy", ".png"), outputs=None) -> Path:
    """Refuse, before any work, an output path that cannot be written, is an input, or is another output
    (``outputs``: {option: path} of the outputs checked before)."""
    from synthlearn.data.io import same_file

    if out.suffix.lower() not in suffixes:
        raise FileFormatError(f"{option} '{out}' must end in {' or '.join(suffixes)}")
    parent = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise FileFormatError(f"{option} '{out}' is a folder; give a file name ending in {' or '.join(suffixes)}")
    if not parent.is_dir():
        raise FileFormatError(f"folder '{parent}' of {option} does not exist; create it or choose another path")
    if not os.access(parent, os.W_OK):
        raise FileFormatError(f"cannot write to '{parent}'; choose a writable {option}")
    for source in inputs:
        if source is not None and same_file(out, source):
            raise FileFormatError(f"refusing to overwrite the input file '{source}'; choose another {option}")
    for other, path in (outputs or {}).items():
        if path is not None and same_file(out, path):
            raise FileFormatError(f"{option} and {other} are the same file '{out}' (one would overwrite the other); "
                                  f"give two paths")
    return out


def write_label_map(label_map: np.ndarray, out: Path) -> None:
    """Write a label map atomically: .npy as is, .png as a palette image (labels 0-255 only)."""
    from synthlearn.atomic import atomic_write

    if out.suffix.lower() == ".npy":
        def save(tmp):
            with open(tmp, "wb") as fh:
                np.save(fh, label_map)

        atomic_write(out, save)
        return
    if label_map.min() < 0 or label_map.max() > 255:
        raise DataError(f"labels run from {label_map.min()} to {label_map.max()}; a PNG holds 0-255: write --out "
                        f"as .npy")
    from PIL import Image

    picture = Image.fromarray(label_map.astype(np.uint8), mode="P")
    picture.putpalette([v for i in range(256) for v in _COLOURS[i % len(_COLOURS)]])
    atomic_write(out, lambda tmp: picture.save(tmp, format="PNG"))


def _write_array(array: np.ndarray, out: Path) -> None:
    from synthlearn.atomic import atomic_write

    def save(tmp):
        with open(tmp, "wb") as fh:
            np.save(fh, array)

    atomic_write(out, save)


def _check_model_out(model_out: Optional[Path], inputs) -> None:
    if model_out is None:
        return
    from synthlearn.atomic import check_replaceable, holds_only
    from synthlearn.cli.options import writable_folder
    from synthlearn.vision.persist import MODEL_FILES

    writable_folder(model_out, "--model-out")
    check_replaceable(model_out, holds_only(*MODEL_FILES), inputs=[p for p in inputs if p], option="--model-out")


def _label_value(text: str, option: str):
    """A label given on the command line: a whole number, or none (no such label)."""
    if text.strip().lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidParameterError(f"{option} must be a whole number (a label of the map) or none, got "
                                    f"'{text}'") from None


_UNLABELLED_HELP = ("The training label map's value for unlabelled pixels; none when every pixel is labelled, 0 "
                    "included. A labelled image set's class maps label every pixel (0 is the background, a class): "
                    "none unless given.")


def _scores_line(label_map, labels, unlabelled=0) -> str:
    keep = labels != unlabelled if unlabelled is not None else np.ones(labels.shape, dtype=bool)
    if not keep.any():
        return ""
    return f"; training-pixel accuracy {np.mean(label_map[keep] == labels[keep]):.3f} over {int(keep.sum()):,} pixels"


def _check_channels(channels: str) -> None:
    if channels not in ("first", "last"):
        raise InvalidParameterError(f"--channels {channels!r} is invalid; give first for (bands, H, W) or last for "
                                    f"(H, W, bands)")


def _refuse_with_model(context: typer.Context, model: Optional[Path], options: dict) -> None:
    """With --model nothing is trained: refuse the training options typed (they would be silently ignored)."""
    if model is None:
        return
    typed = [flag for name, flag in options.items() if _typed(context, name)]
    if typed:
        raise InvalidParameterError(f"{', '.join(typed)} cannot be used with --model (the saved model is used as "
                                    f"it is; the image argument is the image to classify); drop "
                                    f"{'it' if len(typed) == 1 else 'them'}, or train with --labels")


def _wrong_model(model: Path, estimator, command: str) -> InvalidParameterError:
    """The error for a saved model of another kind than ``vision {command} --model`` takes, naming the command that
    takes it."""
    name = type(estimator).__name__
    article = "an" if name[0] in "AEIOU" else "a"
    if name in ("CNNClassifier", "Pipeline"):
        use = f"it classifies whole images; use `synthlearn vision predict {model} IMAGES`"
    else:
        other = "objects" if name == "ObjectClassifier" else "pixels"
        use = f"use `synthlearn vision {other} IMAGE --model {model}`"
    return InvalidParameterError(f"{model} holds {article} {name}, not a model of `vision {command} --model-out`; "
                                 f"{use}")


def _check_run(context, image, labels, apply, model, unlabelled: str, out, model_out, training: dict, extra):
    """What `pixels` and `objects` check before any work: --labels or --model (one of them), or IMAGE a labelled
    image set with --apply; no training option (``training``: parameter → option) with --model, every output path,
    and --unlabelled. Returns ``(labelled set or None, unlabelled value, folder or None)``: a set's class maps
    label every pixel, so its --unlabelled is none unless typed; the folder is the folder of images to classify
    (--apply, or IMAGE with --model), whose maps go to the folder --out. ``extra`` is the command's second
    output, ``(option, path or None)``, a .npy beside --out."""
    from synthlearn.cli.vision_folders import check_map_folder
    from synthlearn.generate.image_files import is_labelled_set

    labelled_set = image if model is None and is_labelled_set(image) else None
    if labelled_set is not None:
        if labels is not None:
            raise InvalidParameterError(f"IMAGE '{image}' is a labelled image set whose semantic/ class maps label "
                                        f"its pixels; drop --labels")
        if apply is None:
            raise InvalidParameterError(f"IMAGE '{image}' is a labelled image set to train on; give --apply IMAGE, "
                                        f"the image (or folder of images) to classify")
    elif (model is None) == (labels is None):
        raise InvalidParameterError("give --labels to train a model, or --model to use a saved one (not both)")
    _refuse_with_model(context, model, {"apply": "--apply", **training, "unlabelled": "--unlabelled"})
    value = _label_value(unlabelled, "--unlabelled")
    if labelled_set is not None and not _typed(context, "unlabelled"):
        value = None
    inputs = [image, labels, apply] + ([image / n for n in ("annotations.csv", "images.csv", "dataset.json")]
                                       if labelled_set is not None else [])
    target = apply if apply is not None else image if model is not None else None
    folder = target if target is not None and target.is_dir() else None
    option, path = extra
    if folder is not None:
        if path is not None:
            raise InvalidParameterError(f"{option} is written for one image; drop it to classify the folder "
                                        f"'{folder}' (its maps go to the folder --out)")
        check_map_folder(out, folder)
    else:
        _check_out(out, inputs)
        if path is not None:
            _check_out(path, inputs, option, (".npy",), {"--out": out})
    if model_out is not None:
        _refuse_nested(out, model_out)
    _check_model_out(model_out, inputs + [model])
    if folder is not None and is_labelled_set(folder):
        _check_same_classes(labelled_set, model, folder)
    return labelled_set, value, folder


def set_classes(path: Path) -> Optional[list]:
    """The classes of a labelled image set (class c is the set's label c; None when its dataset.json is unreadable:
    reading the set says why)."""
    try:
        classes = json.loads((path / "dataset.json").read_text(encoding="utf-8")).get("classes")
    except (OSError, ValueError, AttributeError):
        return None
    return list(classes) if isinstance(classes, list) else None


def _check_same_classes(labelled_set: Optional[Path], model: Optional[Path], folder: Path) -> None:
    """A labelled set classified is scored against its class maps: refuse one whose labels name other classes than
    the training set's (or the saved model's, when it was trained on a set), which would score silently wrong."""
    from synthlearn.vision.persist import model_metadata

    trained = set_classes(labelled_set) if labelled_set is not None else model_metadata(model).get("classes")
    applied = set_classes(folder)
    if trained is None or applied is None or list(trained) == applied:
        return
    def named(classes):
        return ", ".join(f"{c} {name}" for c, name in enumerate(classes, start=1))

    source = f"the training set '{labelled_set}'" if labelled_set is not None else f"the model '{model}'"
    raise DataError(f"{source} labels {named(trained)}, but the labelled set '{folder}' labels {named(applied)}; its "
                    f"class maps number other classes, so its scores would be wrong: give a set made with the same "
                    f"--shapes (or classify its images/ folder, unscored)")


def _refuse_nested(out: Path, model_out: Path) -> None:
    """Refuse --out and --model-out naming one path, or one inside the other: the second written would fail on the
    first, or land in it, after all the work."""
    real_out, real_model = Path(os.path.realpath(out)), Path(os.path.realpath(model_out))
    if real_out == real_model:
        raise FileFormatError(f"--out and --model-out are the same path '{out}' (the label map(s) and the model "
                              f"folder); give two paths")
    for (inner, inner_path), (outer, outer_path) in ((("--out", out), ("--model-out", model_out)),
                                                     (("--model-out", model_out), ("--out", out))):
        if Path(os.path.realpath(outer_path)) in Path(os.path.realpath(inner_path)).parents:
            raise FileFormatError(f"{inner} '{inner_path}' is inside {outer} '{outer_path}'; give two separate paths")


def _read_folder(folder: Optional[Path], channels: str, progress, training=None):
    """The images of the folder to classify, ``(names, images, truth)`` (None without a folder), read before any
    training so that an empty folder, a broken image or an image of other bands fails first. ``training``: the
    ``(image, channels)`` the model will train on, whose number of bands every image must have."""
    if folder is None:
        return None
    from synthlearn.cli.vision_folders import read_image_folder

    batch = read_image_folder(folder, channels, progress)
    if training is not None:
        want = _bands(*training)
        for name, (picture, layout) in zip(batch[0], batch[1]):
            if _bands(picture, layout) != want:
                hint = " (or --channels is wrong)" if picture.ndim == 3 else ""
                raise DataError(f"image {name!r} of '{folder}' has {_bands(picture, layout)} band(s) and the "
                                f"training images {want}{hint}; give images with the training bands")
    return batch


def _bands(image: np.ndarray, channels: str) -> int:
    return 1 if image.ndim == 2 else image.shape[0] if channels == "first" else image.shape[-1]


def _classify_folder(folder: Path, batch, out: Path, classify, progress) -> tuple:
    """Classify every image of ``folder`` (``batch``: its names, images and truth; ``classify(image, channels) ->
    map``) into the folder ``out``; ``(done message, scores or None, number of images)``."""
    from synthlearn.cli.vision_folders import classify_folder, write_map_folder

    names, images, truth = batch
    maps = classify_folder(names, images, classify, progress)
    scores = write_map_folder(out, folder, names, maps, truth, progress)
    scored = f"; scored against {folder}'s class maps" if scores is not None else ""
    return f"wrote {len(maps):,} label maps and objects.csv to {out}{scored}", scores, len(maps)


def _print_folder_scores(scores, n_images: int) -> None:
    if scores is not None:
        from synthlearn.cli.vision_folders import print_scores

        print_scores(*scores, iou=0.5, where=f", pooled over {n_images:,} images")


def _typed(context: typer.Context, name: str) -> bool:
    return getattr(context.get_parameter_source(name), "name", None) == "COMMANDLINE"


def _read_inputs(labelled_set, image, folder, model, channels, progress):
    """``(train_images, train_maps, train_channels, set_note, batch)``: the training images (IMAGE, or every image
    of a labelled set with its class maps; IMAGE is not read when a saved model classifies a folder) and the folder
    to classify (None without one), read and checked against the training images before any training."""
    train_images, train_maps, train_channels, set_note = [], None, None, ""
    if labelled_set is not None:
        train_images, train_maps, set_note = _read_labelled_set(labelled_set, progress)
        train_channels = "first"
    elif model is None or folder is None:
        progress.step(f"reading {image}")
        train_image, train_channels = read_image(image, channels)
        train_images = [train_image]
    batch = _read_folder(folder, channels, progress, None if model else (train_images[0], train_channels))
    return train_images, train_maps, train_channels, set_note, batch


def _read_labelled_set(path: Path, progress):
    """A labelled image set's images (bands first, as their 8-bit PNGs hold them, as :func:`read_image` reads a
    PNG), its class maps (0 background, class c at c) and a note naming the classes."""
    from synthlearn.generate import read_labelled_images

    progress.step(f"reading the labelled image set {path}")
    data = read_labelled_images(path)
    if not len(data):
        raise DataError(f"IMAGE '{path}' is a labelled image set of no images; give a set with images")
    names = ", ".join(f"{c} {name}" for c, name in enumerate(("background",) + tuple(data.classes)))
    images = np.rint(data.images * 255.0)  # read_labelled_images scales the 8-bit values to [0, 1]
    return list(images), list(data.semantic), f"{len(data):,} images; labels {names}"


def _in_layout(image: np.ndarray, have: str, want: str) -> np.ndarray:
    """``image`` (read with bands ``have``) with its bands where a model reads them (``want``)."""
    if image.ndim != 3 or have == want:
        return image
    return np.moveaxis(image, 0, -1) if want == "last" else np.moveaxis(image, -1, 0)


# ---------------------------------------------------------------------- commands
@user_errors
def pixels(
    context: typer.Context,
    image: Path = typer.Argument(..., help="Image to train on (.npy or .png), or a labelled image set (a folder of "
                                           "synthlearn generate images) with --apply; with --model, the image to "
                                           "classify."),
    labels: Optional[Path] = typer.Option(None, "--labels", help="Training label map (.npy or .png), 0 = unlabelled."),
    method: str = typer.Option("maxlike", "--method", help="mindist | mahalanobis | maxlike | sam."),
    out: Path = typer.Option(..., "--out", help="Classified label map to write (.npy, or .png with a palette); for a "
                                                "folder of images, a folder of maps with objects.csv."),
    apply: Optional[Path] = typer.Option(None, "--apply", help="Classify this image instead of the training one; a "
                                                                "folder of images: every one, maps to the folder "
                                                                "--out."),
    model: Optional[Path] = typer.Option(None, "--model", help="Use a model folder saved with --model-out "
                                                                "instead of training."),
    model_out: Optional[Path] = typer.Option(None, "--model-out", help="Save the trained model to this folder."),
    proba_out: Optional[Path] = typer.Option(None, "--proba-out", help="Write class probability maps (n_classes, H, "
                                                                        "W) to this .npy (maxlike only)."),
    reject: Optional[float] = typer.Option(None, "--reject", help="Leave pixels unclassified (label 0) beyond this "
                                           "threshold: chi-square tail probability (maxlike), distance (mindist, "
                                           "mahalanobis) or angle in radians (sam)."),
    unlabelled: str = typer.Option("0", "--unlabelled", help=_UNLABELLED_HELP),
    channels: str = _CHANNELS,
    quiet: bool = _QUIET,
) -> None:
    """Classify every pixel of an image from its bands, trained on a label map of training pixels.

    Example: synthlearn vision pixels scene.npy --labels training.png --method maxlike --out classified.png

    Or train on every image of a labelled image set: synthlearn vision pixels shapes/ --apply scene.png --out map.png
    """
    from synthlearn.vision import pixel
    from synthlearn.vision.persist import load_model, model_metadata, save_model
    from synthlearn.vision.raster import classify_image, image_pixels

    if method not in METHODS:
        raise InvalidParameterError(f"--method {method!r} is invalid; give one of {', '.join(METHODS)}")
    _check_channels(channels)
    labelled_set, unlabelled_value, folder = _check_run(
        context, image, labels, apply, model, unlabelled, out, model_out, {"method": "--method", "reject": "--reject"},
        ("--proba-out", proba_out))
    with Progress(quiet) as progress:
        train_images, train_maps, train_channels, set_note, batch = _read_inputs(
            labelled_set, image, folder, model, channels, progress)
        if model is not None:
            estimator, meta = load_model(model), model_metadata(model)
            if not isinstance(estimator, pixel._PixelClassifier):
                raise _wrong_model(model, estimator, "pixels")
            if folder is None:
                target, target_channels = train_images[0], train_channels
        else:
            train_maps = [read_label_map(labels)] if labelled_set is None else train_maps
            threshold = {"mindist": "max_distance", "mahalanobis": "max_distance", "maxlike": "reject_probability",
                         "sam": "max_angle"}[method]
            params = {threshold: reject, "unclassified": 0} if reject is not None else {}
            estimator = getattr(pixel, METHODS[method])(**params)
            pairs = [image_pixels(picture, label_map, channels=train_channels, unlabelled=unlabelled_value)
                     for picture, label_map in zip(train_images, train_maps)]
            X, y = np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])
            if reject is not None and 0 in y:
                raise InvalidParameterError("--reject labels the pixels it leaves unclassified 0, and 0 is a class of "
                                            "--labels here (--unlabelled none); give the classes labels from 1")
            progress.step(f"training {method} on {len(y):,} pixels of {len(np.unique(y))} classes")
            try:
                estimator.fit(X, y)
            except InvalidParameterError as exc:
                from synthlearn.cli.options import with_option_names

                raise with_option_names(exc, {threshold: "--reject"}) from None
            meta = {"method": method, **({"classes": set_classes(labelled_set)} if labelled_set else {})}
            if folder is None:
                target, target_channels = read_image(apply, channels) if apply else (train_images[0], train_channels)
        if folder is not None:
            message, scores, n_images = _classify_folder(
                folder, batch, out, lambda picture, layout: classify_image(estimator, picture, channels=layout),
                progress)
            if model_out is not None:
                save_model(estimator, model_out, meta)
            progress.done(message + (f"; trained on {set_note}" if model is None and set_note else ""))
            _print_folder_scores(scores, n_images)
            return
        if proba_out is not None and not hasattr(estimator, "predict_proba"):
            raise InvalidParameterError(f"--proba-out needs --method maxlike; {meta.get('method', method)} gives no "
                                        f"probabilities")
        progress.step("classifying")
        result = classify_image(estimator, target, channels=target_channels, proba=proba_out is not None)
        label_map, proba = result if proba_out is not None else (result, None)
        write_label_map(label_map, out)
        if proba is not None:
            _write_array(proba, proba_out)
        if model_out is not None:
            save_model(estimator, model_out, meta)
        note = _scores_line(label_map, train_maps[0], unlabelled_value) if model is None and apply is None else ""
        trained = f"; trained on {set_note}" if set_note else ""
        progress.done(f"wrote {out} ({label_map.shape[0]} x {label_map.shape[1]}{trained}){note}")


@user_errors
def objects(
    context: typer.Context,
    image: Path = typer.Argument(..., help="Image to train on (.npy or .png), or a labelled image set (a folder of "
                                           "synthlearn generate images) with --apply; with --model, the image to "
                                           "classify."),
    labels: Optional[Path] = typer.Option(None, "--labels", help="Training label map (.npy or .png), 0 = unlabelled."),
    out: Path = typer.Option(..., "--out", help="Classified label map to write (.npy, or .png with a palette); for a "
                                                "folder of images, a folder of maps with objects.csv."),
    segmentation: str = typer.Option("slic", "--segmentation", help="slic | felzenszwalb | quickshift | watershed."),
    n_segments: int = typer.Option(400, "--n-segments", help="About how many regions (slic, watershed)."),
    scale: float = typer.Option(1.0, "--scale", help="Felzenszwalb's scale: larger, larger regions."),
    apply: Optional[Path] = typer.Option(None, "--apply", help="Classify this image instead of the training one; a "
                                                                "folder of images: every one, maps to the folder "
                                                                "--out."),
    model: Optional[Path] = typer.Option(None, "--model", help="Use a model folder saved with --model-out."),
    model_out: Optional[Path] = typer.Option(None, "--model-out", help="Save the trained model to this folder."),
    segments_out: Optional[Path] = typer.Option(None, "--segments-out", help="Write the classified image's regions "
                                                                              "(.npy)."),
    min_labelled: float = typer.Option(0.5, "--min-labelled", help="A region trains only when at least this "
                                       "fraction of its pixels is labelled (lower it for sparse training pixels)."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the random forest."),
    unlabelled: str = typer.Option("0", "--unlabelled", help=_UNLABELLED_HELP),
    channels: str = _CHANNELS,
    quiet: bool = _QUIET,
) -> None:
    """Object-based classification: segment the image, describe each region, classify regions with a random forest.

    Example: synthlearn vision objects scene.npy --labels training.png --n-segments 400 --out classified.png

    Or train on every image of a labelled image set: synthlearn vision objects shapes/ --apply scene.png --out map.png
    """
    from synthlearn.vision.objects import ObjectClassifier
    from synthlearn.vision.persist import load_model, save_model

    if segmentation not in SEGMENTATIONS:
        raise InvalidParameterError(f"--segmentation {segmentation!r} is invalid; give one of "
                                    f"{', '.join(SEGMENTATIONS)}")
    if n_segments < 1:
        raise InvalidParameterError(f"--n-segments {n_segments} is invalid; give a whole number >= 1")
    if not scale > 0:
        raise InvalidParameterError(f"--scale {scale} is invalid; give a number > 0 (larger, larger regions)")
    _check_channels(channels)
    labelled_set, unlabelled_value, folder = _check_run(
        context, image, labels, apply, model, unlabelled, out, model_out,
        {"segmentation": "--segmentation", "n_segments": "--n-segments", "scale": "--scale",
         "min_labelled": "--min-labelled", "seed": "--seed"}, ("--segments-out", segments_out))
    meta = {"method": "objects", **({"classes": set_classes(labelled_set)} if labelled_set else {})}
    with Progress(quiet) as progress:
        train_images, train_maps, train_channels, set_note, batch = _read_inputs(
            labelled_set, image, folder, model, channels, progress)
        if model is not None:
            estimator = load_model(model)
            if not isinstance(estimator, ObjectClassifier):
                raise _wrong_model(model, estimator, "objects")
            if folder is None:
                target, target_channels = train_images[0], train_channels
        else:
            params = {"slic": {"n_segments": n_segments}, "watershed": {"n_segments": n_segments},
                      "felzenszwalb": {"scale": scale}, "quickshift": {}}[segmentation]
            estimator = ObjectClassifier(segmentation=segmentation, segmentation_params=params,
                                         min_labelled=min_labelled, unlabelled=unlabelled_value,
                                         channels=train_channels, random_state=seed)
            progress.step(f"segmenting ({segmentation}) and training on the labelled regions")
            if labelled_set is None:
                train_maps = [read_label_map(labels)]
            try:
                estimator.fit(train_images, train_maps)
            except InvalidParameterError as exc:
                from synthlearn.cli.options import with_option_names

                raise with_option_names(exc, {"min_labelled": "--min-labelled"}) from None
            except DataError as exc:
                raise DataError(str(exc).replace("min_labelled", "--min-labelled")) from None
            if folder is None:
                target, target_channels = read_image(apply, channels) if apply else (train_images[0], train_channels)
        if folder is not None:
            message, scores, n_images = _classify_folder(
                folder, batch, out, lambda picture, layout: estimator.predict(
                    _in_layout(picture, layout, estimator.channels)), progress)
            if model_out is not None:
                save_model(estimator, model_out, meta)
            trained = f"; {estimator.n_regions_:,} training regions" + (f" of {set_note}" if set_note else "")
            progress.done(message + (trained if model is None else ""))
            _print_folder_scores(scores, n_images)
            return
        target = _in_layout(target, target_channels, estimator.channels)  # a PNG is (3, H, W), --channels may differ
        progress.step("classifying regions")
        label_map = estimator.predict(target)
        write_label_map(label_map, out)
        if segments_out is not None:
            _write_array(estimator.segment(target), segments_out)
        if model_out is not None:
            save_model(estimator, model_out, meta)
        trained = f" of {set_note}" if set_note else ""
        progress.done(f"wrote {out} ({label_map.shape[0]} x {label_map.shape[1]}; "
                      f"{getattr(estimator, 'n_regions_', 0)} training regions{trained})")


@user_errors
def find_objects_command(
    label_map: Path = typer.Argument(..., help="Label map (.npy or .png); --background is no object."),
    out: Optional[Path] = typer.Option(None, "--out", help="Table to write (.csv or .parquet); none: print CSV to "
                                                           "stdout."),
    min_area: int = typer.Option(1, "--min-area", help="Drop objects of fewer pixels."),
    connectivity: int = typer.Option(2, "--connectivity", help="1: edge neighbours; 2: edges and corners."),
    background: str = typer.Option("0", "--background", help="The label that is no object (none: every class "
                                   "is one)."),
) -> None:
    """List the objects of a label map (connected regions of each class): box x0 y0 x1 y1, area, centroid.

    Example: synthlearn vision find-objects classified.png --min-area 20 --out objects.csv
    """
    from synthlearn.vision.localize import find_objects

    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        raise FileFormatError(f"--out '{out}' must end in .csv or .parquet")
    if out is not None:
        _check_out(out, [label_map], suffixes=(".csv", ".parquet"))
    from synthlearn.cli.options import with_option_names

    background_value = _label_value(background, "--background")
    try:
        table = find_objects(read_label_map(label_map), min_area=min_area, connectivity=connectivity,
                             background=background_value)
    except InvalidParameterError as exc:
        raise with_option_names(exc, {"min_area": "--min-area", "connectivity": "--connectivity"}) from None
    if out is None:
        typer.echo(table.to_csv(index=False), nl=False)
        return
    from synthlearn.data import write_table

    write_table(table, out, source=label_map)
    typer.echo(f"{len(table)} objects written to {out}", err=True)


@user_errors
def score(
    predicted: Path = typer.Argument(..., help="Predicted label map (.npy or .png), or a folder of them."),
    truth: Path = typer.Argument(..., help="True label map (.npy or .png); for a folder, a folder of maps of the same "
                                           "names or a labelled image set (its semantic/ class maps)."),
    ignore: Optional[int] = typer.Option(None, "--ignore", help="True label not scored (e.g. 0 for unlabelled)."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the scores to this .json file."),
    iou: float = typer.Option(0.5, "--iou", help="Least box IoU for an object match."),
) -> None:
    """Score a predicted label map against the truth: pixel accuracy, per-class and mean IoU, object matching.
    Folders of maps are scored pooled over their images (objects match within each image).

    Example: synthlearn vision score classified.png truth.png --ignore 0 --json scores.json
    """
    from synthlearn.cli.vision_folders import folder_scores, print_scores, read_map_folder, scores_payload

    if not 0 < iou <= 1:
        raise InvalidParameterError(f"--iou {iou} is invalid; give a threshold in (0, 1] such as 0.5")
    if json_out is not None:
        _check_out(json_out, [predicted, truth], "--json", (".json",))
    if predicted.is_dir() or truth.is_dir():
        if not (predicted.is_dir() and truth.is_dir()):
            folder, other = (predicted, truth) if predicted.is_dir() else (truth, predicted)
            raise InvalidParameterError(f"'{folder}' is a folder and '{other}' is not; give two label maps or two "
                                        f"folders of them")
        pred_maps, true_maps = read_map_folder(predicted, "predicted maps"), read_map_folder(truth, "true maps")
        lacking = [name for name in pred_maps if name not in true_maps]
        if lacking:
            raise DataError(f"'{truth}' has no true map for {len(lacking):,} predicted map(s), the first "
                            f"{lacking[0]!r}; give the truth of the same images (maps named as the predicted ones)")
        names = list(pred_maps)
        pixels, objects = folder_scores(names, [pred_maps[n] for n in names], [true_maps[n] for n in names], iou=iou,
                                        ignore=ignore)
        where = f", pooled over {len(names):,} images"
    else:
        from synthlearn.vision.localize import match_objects
        from synthlearn.vision.scores import segmentation_scores

        pred_map, true_map = read_label_map(predicted, "predicted map"), read_label_map(truth, "true map")
        pixels = segmentation_scores(pred_map, true_map, ignore=ignore)
        background = (0,) if ignore is None else (0, ignore)
        objects, where = match_objects(pred_map, true_map, iou=iou, background=background), ""
    print_scores(pixels, objects, iou, where)
    if json_out is not None:
        from synthlearn.atomic import atomic_write

        payload = scores_payload(pixels, objects)
        atomic_write(json_out, lambda tmp: Path(tmp).write_text(json.dumps(payload, indent=2) + "\n"))
