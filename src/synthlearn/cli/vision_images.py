"""``synthlearn vision train``, ``predict`` and ``compare``: image classifiers (KNN, SVM, MLP, CNN) from the CLI.

IMAGES is a ``.npy`` array or a folder of PNGs (as :mod:`synthlearn.data.images`
reads them), a labelled image set written by ``synthlearn generate images``
(with one object per image, its shape is the image's label), or the name of a
bundled set (``digits``, ``mnist``) that brings its own labels. LABELS is a
``.npy`` array, a ``.csv`` with a header (one column, or a column named
``label``) or a ``.txt`` with one label per line, in the order of the images
(PNG folders: sorted by file name).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import typer

from synthlearn.cli.console import Progress, user_errors
from synthlearn.errors import DataError, FileFormatError, InvalidParameterError

_IMAGES_HELP = ("Images: a .npy array, a folder of .png files, a labelled image set from `synthlearn generate "
                "images` (one object per image: its shape is the label), or a bundled set (digits, mnist).")
_LABELS_HELP = "One label per image: .npy, .csv (header; one column or a 'label' column) or .txt (one a line)."
_MODEL_HELP = "knn, svm, mlp (scikit-learn) or cnn (PyTorch)."
_POOLING_HELP = ("CNN: what the head reads of the last maps: max or avg, their largest or mean value, wherever the "
                 "object is; none, every position (LeNet), for objects where they were in training. Default max.")
_QUIET = typer.Option(False, "--quiet", "-q", help="No progress on stderr.")


# ---------------------------------------------------------------------- inputs
def _bundled(images: str) -> bool:
    from synthlearn.data.images import IMAGE_SETS

    return images in IMAGE_SETS and not Path(images).exists()


def _read_images(images: str, progress):
    """``(X, labels or None, names)``: the images, a bundled set's own labels, and a name per image."""
    from synthlearn.data.images import load_images, read_images
    from synthlearn.generate.image_files import is_labelled_set

    progress.step(f"reading {images}")
    if _bundled(images):
        X, y = load_images(images)
        return X, y, [str(i) for i in range(len(X))]
    path = Path(images)
    if is_labelled_set(path):
        return _read_labelled_set(path)
    X = read_images(path)
    if X.ndim not in (3, 4):
        raise DataError(f"{path} holds an array of shape {X.shape}; images are (n, H, W) or (n, C, H, W)")
    if path.is_dir():
        names = sorted(p.name for p in path.iterdir() if p.suffix.lower() == ".png")
    else:
        names = [str(i) for i in range(len(X))]
    return X, None, names


def _read_labelled_set(path: Path):
    """A labelled image set's images, each image's label when every image holds one object (else a
    ``DataError`` saying why there is none, raised only if labels are needed), and the images' file names."""
    from synthlearn.generate import read_labelled_images

    data = read_labelled_images(path)
    names = sorted(p.name for p in (path / "images").iterdir() if p.suffix.lower() == ".png")
    counts = data.annotations.groupby("image").size().reindex(range(data.start, data.start + len(data)),
                                                               fill_value=0)
    if (counts == 1).all():
        labels = data.annotations.sort_values("image")["label"].astype(str).to_numpy()
    else:
        image, count = next((i, c) for i, c in counts.items() if c != 1)
        make = "--objects 1" if count else "--objects 1 and no 'empty' in --edge-cases"
        labels = DataError(f"IMAGES '{path}' is a labelled image set whose image {image} holds {count} objects; a "
                           f"whole-image classifier needs one object per image (synthlearn generate images "
                           f"{make}), or give --labels with one label per image")
    return data.images, labels, names


def _read_labels(path: Path, n: int) -> np.ndarray:
    """The labels in ``path``, one per image, checked against the ``n`` images."""
    import pandas as pd

    if not path.is_file():
        raise DataError(f"--labels '{path}' does not exist; give a .npy, .csv or .txt file with one label per image")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:
            labels = np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise FileFormatError(f"--labels '{path}' is not a readable .npy array ({exc})") from None
        labels = labels.reshape(-1) if labels.ndim == 2 and 1 in labels.shape else labels
    elif suffix in (".csv", ".txt"):
        try:
            table = pd.read_csv(path, header=0 if suffix == ".csv" else None, skip_blank_lines=True)
        except (ValueError, pd.errors.ParserError) as exc:
            raise FileFormatError(f"--labels '{path}' is not a readable {suffix} file ({type(exc).__name__}); "
                                  f"give one label per line") from None
        if table.shape[1] != 1 and "label" not in table.columns:
            raise DataError(f"--labels '{path}' has {table.shape[1]} columns {list(table.columns)[:5]}; give one "
                            f"column, or name the labels' column 'label'")
        column = table["label"] if table.shape[1] != 1 else table.iloc[:, 0]
        labels = column.to_numpy()
    else:
        raise FileFormatError(f"--labels '{path}' must be a .npy, .csv or .txt file")
    if labels.ndim != 1:
        raise DataError(f"--labels '{path}' holds an array of shape {labels.shape}; give one label per image")
    missing = [i for i, v in enumerate(labels) if v is None or (isinstance(v, float) and not np.isfinite(v))]
    if missing:
        raise DataError(f"--labels '{path}' has {len(missing)} missing or infinite label(s), the first for image "
                        f"{missing[0]}; label every image")
    if len(labels) != n:
        raise DataError(f"--labels '{path}' has {len(labels):,} labels for {n:,} images; give one label per image, "
                        f"in the images' order")
    if labels.dtype == object:
        labels = labels.astype(str)
    from sklearn.utils.multiclass import type_of_target

    if type_of_target(labels) == "continuous":
        example = next(v for v in labels if v != int(v))
        raise DataError(f"--labels '{path}' holds fractional numbers such as {example}; a classifier needs class "
                        f"labels (integers or names), not measurements")
    return labels


def _images_and_labels(images: str, labels: Optional[Path], progress):
    X, own, _ = _read_images(images, progress)
    if isinstance(own, DataError):  # a labelled image set without one object per image
        if labels is None:
            raise own
        own = None
    if own is not None:
        if labels is not None:
            kind = "bundled set" if _bundled(images) else "labelled image set (one object per image)"
            raise InvalidParameterError(f"IMAGES '{images}' is a {kind} with its own labels; drop --labels")
        return X, own
    if labels is None:
        raise InvalidParameterError(f"--labels is required for the images in '{images}': a .npy, .csv or .txt "
                                    f"file with one label per image")
    return X, _read_labels(labels, len(X))


def _inputs(images: str, labels: Optional[Path]) -> list:
    """The files and folders read, which no output may replace: a labelled image set's tables among them."""
    from synthlearn.generate.image_files import is_labelled_set

    paths = [p for p in ((None if _bundled(images) else Path(images)), labels) if p is not None]
    if not _bundled(images) and is_labelled_set(Path(images)):
        paths += [Path(images) / name for name in ("annotations.csv", "images.csv", "dataset.json")]
    return paths


def _channels(text: Optional[str]):
    if text is None:
        return None
    try:
        widths = tuple(int(w) for w in text.split(",") if w.strip())
    except ValueError:
        widths = ()
    if not widths or min(widths) < 1:
        raise InvalidParameterError(f"--channels must be comma-separated positive widths such as 32,64, got '{text}'")
    return widths


def _make(model: str, features: str, seed: int, verbose: bool, cnn_options: dict):
    """The classifier of ``--model``/``--features``; ``cnn_options`` (None values unset) only for the CNN."""
    from synthlearn.vision.classifiers import CLASSIFIERS, FEATURES, image_classifier

    if model not in CLASSIFIERS:
        import difflib

        close = difflib.get_close_matches(model, CLASSIFIERS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InvalidParameterError(f"--model must be one of {', '.join(CLASSIFIERS)}, got '{model}'{hint}")
    if features not in FEATURES:
        raise InvalidParameterError(f"--features must be pixels or hog, got '{features}'")
    given = {k: v for k, v in cnn_options.items() if v is not None}
    if model != "cnn":
        if given:
            option = "--" + next(iter(given)).replace("_", "-")
            raise InvalidParameterError(f"{option} applies to --model cnn, not {model}")
        return image_classifier(model, features, random_state=seed)
    if features != "pixels":
        raise InvalidParameterError("--features hog applies to knn, svm and mlp; the CNN learns its own features")
    if given.get("global_pooling") == "none":
        given["global_pooling"] = None  # the maps flattened
    return image_classifier("cnn", random_state=seed, verbose=verbose, **given)


def _fit(estimator, X, y, options: dict, label: str):
    """Fit, naming a bad CNN setting as the option typed (``epochs`` → ``--epochs``), and turning
    scikit-learn's refusals of too few images (its internal splits) into one line naming the model."""
    from synthlearn.cli.options import with_option_names
    from synthlearn.errors import SynthlearnError

    k = estimator.get_params().get("model__n_neighbors") if hasattr(estimator, "steps") else None
    if k is not None and len(X) < k:  # KNN fits any number of images, then fails to predict
        raise DataError(f"{label} classifies an image by its {k} nearest training images, and there are only "
                        f"{len(X):,}; give at least {k} images or choose another model")
    try:
        return estimator.fit(X, y)
    except InvalidParameterError as exc:
        raise with_option_names(exc, {k: "--" + k.replace("_", "-") for k in options}) from None
    except SynthlearnError:
        raise
    except ValueError as exc:
        raise DataError(f"{label} cannot train on {len(X):,} images of {len(np.unique(y))} classes "
                        f"({' '.join(str(exc).split())}); give more images of each class or choose another "
                        f"model") from None


def _cnn_options(epochs, batch_size, channels, shift, flip, device, global_pooling=None) -> dict:
    return {"epochs": epochs, "batch_size": batch_size, "channels": _channels(channels), "shift": shift,
            "flip": flip or None, "device": device, "global_pooling": global_pooling}


def _check_cnn_options(options: dict) -> None:
    """Refuse a bad CNN option (None: not given) before any image is read or model fitted."""
    from synthlearn.vision.cnn import PARAMS

    for name, value in options.items():
        option = "--" + name.replace("_", "-")
        if value is None:
            continue
        if name == "device":
            from synthlearn.cli.options import with_option_names
            from synthlearn.nn import resolve_device

            try:
                resolve_device(value)
            except InvalidParameterError as exc:
                raise with_option_names(exc, {"device": option}) from None
        elif name == "global_pooling":
            if value not in ("max", "avg", "none"):
                raise InvalidParameterError(f"{option} must be max, avg or none, got '{value}'")
        elif not PARAMS[name][0](value):
            raise InvalidParameterError(f"{option} must be {PARAMS[name][1]}, got {value}")


# ---------------------------------------------------------------------- commands
@user_errors
def train(
    images: str = typer.Argument(..., help=_IMAGES_HELP),
    labels: Optional[Path] = typer.Option(None, "--labels", "-l", help=_LABELS_HELP),
    model: str = typer.Option("cnn", "--model", "-m", help=_MODEL_HELP),
    features: str = typer.Option("pixels", "--features", help="What knn, svm and mlp see: pixels or hog "
                                 "(histograms of oriented gradients)."),
    out: Path = typer.Option(Path("vision-model"), "--out", "-o", help="Folder for the trained model."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="CNN: most epochs (early stopping may end "
                                         "sooner). Default 20."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="CNN: images per step. Default 64."),
    channels: Optional[str] = typer.Option(None, "--channels", help="CNN: width of each conv block, e.g. 32,64. "
                                           "Default 16,32,64."),
    shift: Optional[int] = typer.Option(None, "--shift", help="CNN augmentation: random shifts of up to this "
                                        "many pixels (0: off). Default 1."),
    flip: bool = typer.Option(False, "--flip", help="CNN augmentation: random left-right flips (not for digits)."),
    global_pooling: Optional[str] = typer.Option(None, "--global-pooling", help=_POOLING_HELP),
    device: Optional[str] = typer.Option(None, "--device", help="CNN: auto, cpu or cuda. Default auto."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same model."),
    quiet: bool = _QUIET,
) -> None:
    """Train an image classifier and save it as a folder for `vision predict`.

    Example: synthlearn vision train digits --model cnn --epochs 10 --out cnn-model
    """
    from synthlearn.atomic import check_replaceable, holds_only
    from synthlearn.cli.options import writable_folder
    from synthlearn.vision.persist import MODEL_FILES, save_model

    options = _cnn_options(epochs, batch_size, channels, shift, flip, device, global_pooling)
    estimator = _make(model, features, seed, not quiet, options)
    _check_cnn_options(options)
    out = writable_folder(out)
    check_replaceable(out, holds_only(*MODEL_FILES), inputs=_inputs(images, labels), option="--out")
    with Progress(quiet) as progress:
        X, y = _images_and_labels(images, labels, progress)
        progress.step(f"training {model} on {len(X):,} images")
        _fit(estimator, X, y, options, model)
        save_model(estimator, out, metadata={"model": model, "features": features,
                                             "image_shape": list(X.shape[1:])})
    if not quiet:
        epochs_text = f" for {estimator.n_epochs_} epochs" if model == "cnn" else ""
        progress.done(f"trained {model} ({features}) on {len(X):,} images of {len(estimator.classes_)} classes"
                      f"{epochs_text}; wrote {out}")


@user_errors
def predict(
    model: Path = typer.Argument(..., help="Model folder written by `synthlearn vision train`."),
    images: str = typer.Argument(..., help="Images: a .npy array, a folder of .png files, a labelled image set "
                                 "(synthlearn generate images) or a bundled set."),
    out: Path = typer.Option(Path("predictions.csv"), "--out", "-o", help="Output table (.csv or .parquet)."),
    quiet: bool = _QUIET,
) -> None:
    """Classify images: one row per image with `image`, `prediction` and `proba_<class>` columns.

    `image` is the PNG's file name, or the image's index in a .npy array. Images that bring their labels (a
    bundled set, a labelled image set of one object per image) also get a `label` column, and the accuracy
    is printed.

    Example: synthlearn vision predict cnn-model new.npy --out predictions.csv
    """
    import pandas as pd

    from synthlearn.cli.options import writable_file
    from synthlearn.data import table_format, write_table
    from synthlearn.data.io import same_file
    from synthlearn.vision.persist import load_model

    table_format(out)
    writable_file(out)
    for source in _inputs(images, None):
        if same_file(out, source):
            raise FileFormatError(f"refusing to overwrite the input file '{source}'; choose another --out")
    with Progress(quiet) as progress:
        progress.step(f"loading {model}")
        classifier = load_model(model)
        if type(classifier).__name__ not in ("CNNClassifier", "Pipeline"):
            name = type(classifier).__name__
            command = "objects" if name == "ObjectClassifier" else "pixels"
            raise InvalidParameterError(f"{model} holds {'an' if name[0] in 'AEIOU' else 'a'} {name}, which labels "
                                        f"the pixels of one image; use `synthlearn vision {command} IMAGE --model "
                                        f"{model}`")
        X, own, names = _read_images(images, progress)
        progress.step(f"classifying {len(X):,} images")
        frame = pd.DataFrame({"image": names})
        if hasattr(classifier, "predict_proba"):
            proba = classifier.predict_proba(X)
            frame["prediction"] = classifier.classes_[np.argmax(proba, axis=1)]
            for k, label in enumerate(classifier.classes_):
                frame[f"proba_{label}"] = proba[:, k]
        else:
            frame["prediction"] = classifier.predict(X)
        accuracy = ""
        if isinstance(own, np.ndarray):  # the images' own labels: scored, and kept beside the predictions
            frame.insert(1, "label", own)
            hits = frame["prediction"].astype(str) == frame["label"].astype(str)
            accuracy = f"; accuracy against their own labels {hits.mean():.3f}"
        write_table(frame, out, source=None if _bundled(images) else Path(images))
    if not quiet:
        progress.done(f"wrote {out} ({len(frame):,} images{accuracy})")


def _parse_models(text: str) -> list[tuple[str, str]]:
    """``knn,svm-hog,cnn`` → [("knn", "pixels"), ("svm", "hog"), ("cnn", "pixels")]."""
    from synthlearn.vision.classifiers import CLASSIFIERS

    entries = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        name, _, features = item.partition("-")
        features = features or "pixels"
        if name not in CLASSIFIERS or features not in ("pixels", "hog") or (name == "cnn" and features == "hog"):
            raise InvalidParameterError(f"--models: unknown model '{item}'; give a comma-separated list of knn, svm, "
                                        f"mlp, cnn (add -hog to knn, svm or mlp for HOG features, e.g. svm-hog)")
        entries.append((name, features))
    if not entries:
        raise InvalidParameterError("--models is empty; give e.g. knn,svm,mlp,cnn")
    return list(dict.fromkeys(entries))


@user_errors
def compare(
    images: str = typer.Argument(..., help=_IMAGES_HELP),
    labels: Optional[Path] = typer.Option(None, "--labels", "-l", help=_LABELS_HELP),
    models: str = typer.Option("knn,svm,mlp,cnn", "--models", "-m", help="Comma-separated: knn, svm, mlp, cnn; "
                               "knn-hog, svm-hog, mlp-hog for HOG features."),
    test_size: float = typer.Option(0.2, "--test-size", help="Fraction of the images held out (stratified) "
                                    "for the accuracy."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Also write the leaderboard to this .csv."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="CNN: most epochs. Default 20."),
    shift: Optional[int] = typer.Option(None, "--shift", help="CNN augmentation: random shifts of up to this many "
                                        "pixels (0: off). Default 1."),
    global_pooling: Optional[str] = typer.Option(None, "--global-pooling", help=_POOLING_HELP),
    device: Optional[str] = typer.Option(None, "--device", help="CNN: auto, cpu or cuda. Default auto."),
    seed: int = typer.Option(0, "--seed", help="Seed of the split and the models."),
    quiet: bool = _QUIET,
) -> None:
    """Fit several image classifiers on one split and rank them by held-out accuracy.

    Every model gets the same training and test images; a failing model is
    listed on stderr, never fatal. Prints accuracy, fit and predict seconds.

    Example: synthlearn vision compare digits --models knn,svm,svm-hog,mlp,cnn --epochs 10
    """
    import time

    import pandas as pd
    from sklearn.model_selection import train_test_split

    from synthlearn.cli.console import print_table
    from synthlearn.cli.options import writable_file
    from synthlearn.data.io import same_file
    from synthlearn.errors import SynthlearnError

    entries = _parse_models(models)
    if not 0 < test_size < 1:
        raise InvalidParameterError(f"--test-size must be a fraction in (0, 1), got {test_size}")
    options = {"epochs": epochs, "shift": shift, "device": device, "global_pooling": global_pooling}
    given = ["--" + k.replace("_", "-") for k, v in options.items() if v is not None]
    if given and ("cnn", "pixels") not in entries:
        raise InvalidParameterError(f"{given[0]} applies to the cnn model, which --models does not list; add cnn "
                                    f"to --models or drop {given[0]}")
    _check_cnn_options(options)  # before the other models train: a typo is an error, not a failed model
    estimators = {}
    for name, features in entries:
        label = name if features == "pixels" else f"{name}-hog"
        estimators[label] = (name, features, _make(name, features, seed, not quiet,
                                                    options if name == "cnn" else {}))
    if out is not None:
        if out.suffix.lower() != ".csv":
            raise FileFormatError(f"--out '{out}': the leaderboard is written as a .csv file")
        writable_file(out)
        for source in _inputs(images, labels):
            if same_file(out, source):
                raise FileFormatError(f"refusing to overwrite the input file '{source}'; choose another --out")
    rows, failures = [], []
    with Progress(quiet) as progress:
        X, y = _images_and_labels(images, labels, progress)
        n_test = int(round(len(X) * test_size))
        if n_test < 1 or len(X) - n_test < 2:
            raise DataError(f"{len(X)} images are too few to hold out --test-size {test_size}; give more images")
        try:
            split = train_test_split(X, y, test_size=n_test, random_state=seed, stratify=y)
        except ValueError:  # a class with a single image cannot be stratified
            split = train_test_split(X, y, test_size=n_test, random_state=seed)
        X_train, X_test, y_train, y_test = split
        for label, (name, features, estimator) in estimators.items():
            progress.step(f"fitting {label} on {len(X_train):,} images")
            try:
                start = time.perf_counter()
                _fit(estimator, X_train, y_train, options, label)
                fit_s = time.perf_counter() - start
                start = time.perf_counter()
                predicted = estimator.predict(X_test)
                predict_s = time.perf_counter() - start
            except (SynthlearnError, ValueError) as exc:
                failures.append((label, " ".join(str(exc).split())))
                continue
            rows.append({"model": label, "accuracy": float(np.mean(predicted == y_test)), "fit_s": fit_s,
                         "predict_s": predict_s})
        if not rows:
            raise DataError(f"no model produced a score: {len(failures)} failed (first {failures[0][0]}: "
                            f"{failures[0][1]}); fix the data or options that make them fail")
        board = pd.DataFrame(rows).set_index("model").sort_values("accuracy", ascending=False, kind="stable")
        if out is not None:
            from synthlearn.atomic import atomic_write

            text = board.to_csv()
            atomic_write(out, lambda tmp: tmp.write_text(text))
    for label, error in failures:
        progress.warn(f"{label} failed: {error}")
    print_table(board, title=f"held-out accuracy on {len(X_test):,} of {len(X):,} images")
