"""Saving and loading every fitted vision classifier as an inspectable folder, with nothing unpickled.

A :class:`~synthlearn.vision.CNNClassifier` is saved through
:func:`synthlearn.nn.save_module`: ``config.json`` (the class, its
parameters, its fitted attributes, the class labels with their dtype) and
``weights.pt`` (a state dict, loaded with ``weights_only=True``). The others
(a classic pipeline of :func:`~synthlearn.vision.image_classifier`, the pixel
classifiers, :class:`~synthlearn.vision.ObjectClassifier`) are saved as
``config.json`` and ``model.skops`` (skops stores objects as data, not
pickle); loading accepts only scikit-learn, NumPy, SciPy and synthlearn types
and refuses anything else, so a tampered file cannot make synthlearn run
foreign code.
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import numpy as np

from synthlearn.errors import InvalidParameterError, ModelFileError
from synthlearn.trusted import load_trusted_skops

CONFIG, WEIGHTS, SKOPS = "config.json", "weights.pt", "model.skops"
#: The files of a model folder: saving replaces a folder holding only these, never another.
MODEL_FILES = (CONFIG, WEIGHTS, SKOPS)
FORMAT_VERSION = 1
#: Module prefixes a saved pipeline may contain; any other type is refused at load time.
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "synthlearn.", "scipy.")
#: The classes saved with skops: the image classifier pipelines and the pixel- and object-based classifiers.
SKOPS_CLASSES = ("Pipeline", "MinimumDistanceClassifier", "MahalanobisClassifier", "MaximumLikelihoodClassifier",
                 "SpectralAngleClassifier", "ObjectClassifier")
#: Fitted attributes of a CNNClassifier kept in config.json (besides classes_).
_CNN_ATTRIBUTES = ("network_", "image_shape_", "input_shape_", "n_features_in_", "history_", "n_epochs_",
                   "best_epoch_", "device_")


def _classes_entry(classes: np.ndarray) -> dict:
    """Class labels as JSON with their dtype, so that ints stay ints and strings strings."""
    values = classes.tolist()
    try:
        json.dumps(values)
    except TypeError:
        raise InvalidParameterError(f"cannot save class labels of type {type(values[0]).__name__}; use int or "
                                    f"str labels") from None
    return {"dtype": "object" if classes.dtype == object else classes.dtype.str, "values": values}


def _classes_of(entry: dict) -> np.ndarray:
    return np.array(entry["values"], dtype=object if entry["dtype"] == "object" else np.dtype(entry["dtype"]))


def _plain(value):
    """A parameter or fitted attribute as JSON: NumPy scalars (``np.int64(3)``, ``np.float32(0.01)``,
    ``np.True_``) as Python's, tuples as lists, inside lists and dicts too."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def _versions() -> dict:
    import sklearn

    from synthlearn import __version__

    return {"synthlearn": __version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def save_model(model, folder: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write a fitted vision classifier to ``folder``, atomically: a :class:`~synthlearn.vision.CNNClassifier`,
    an :func:`~synthlearn.vision.image_classifier` pipeline, a pixel classifier or an
    :class:`~synthlearn.vision.ObjectClassifier`.

    An existing ``folder`` is replaced only when it is empty or holds just a
    model's files; anything else is refused with :class:`FileFormatError`.
    ``metadata`` (JSON-ready) is stored beside the model; :func:`model_metadata` reads it back.

    Examples
    --------
    >>> import os, tempfile
    >>> from synthlearn.data.images import load_images
    >>> from synthlearn.vision import CNNClassifier, load_model, save_model
    >>> X, y = load_images("digits")
    >>> cnn = CNNClassifier(channels=(4,), epochs=1, random_state=0).fit(X[:100], y[:100])
    >>> path = save_model(cnn, os.path.join(tempfile.mkdtemp(), "cnn"))
    >>> bool((load_model(path).predict_proba(X[:5]) == cnn.predict_proba(X[:5])).all())
    True
    """
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    from synthlearn.vision import objects, pixel
    from synthlearn.vision.cnn import CNNClassifier

    kinds = (CNNClassifier, Pipeline, objects.ObjectClassifier, pixel.MinimumDistanceClassifier,
             pixel.MahalanobisClassifier, pixel.MaximumLikelihoodClassifier, pixel.SpectralAngleClassifier)
    if not isinstance(model, kinds):
        raise InvalidParameterError(f"save_model saves a vision classifier (CNNClassifier, an image_classifier "
                                    f"pipeline, a pixel classifier, ObjectClassifier), got {type(model).__name__}")
    check_is_fitted(model)
    classes = model.classes_
    meta = {"format_version": FORMAT_VERSION, "class": type(model).__name__, "classes": _classes_entry(classes),
            "metadata": metadata or {}, "versions": _versions()}
    if isinstance(model, CNNClassifier):
        from synthlearn.nn import save_module

        params = {k: _plain(v) for k, v in model.get_params().items()}
        if params["random_state"] is not None and not isinstance(params["random_state"], int):
            params["random_state"] = None  # a RandomState object: what it seeded is in the weights
        meta["params"] = params
        meta["attributes"] = {k: _plain(getattr(model, k)) for k in _CNN_ATTRIBUTES}
        json.dumps(meta)  # fail before writing anything
        return save_module(folder, model.module_, meta, may_replace=(SKOPS,))

    import skops.io as sio

    from synthlearn.atomic import atomic_folder, holds_only

    def write(tmp: Path) -> None:
        sio.dump(model, tmp / SKOPS)
        (tmp / CONFIG).write_text(json.dumps({"config": meta}, indent=1) + "\n")

    return atomic_folder(folder, write, may_replace=holds_only(*MODEL_FILES))


def _read_config(folder: Path) -> dict:
    if not folder.is_dir():
        raise ModelFileError(f"'{folder}' is not a model folder; give the folder save_model or `vision train` "
                             f"wrote")
    if not (folder / CONFIG).is_file():
        raise ModelFileError(f"model folder '{folder}' is missing {CONFIG}; give the folder save_model or "
                             f"`vision train` wrote")
    try:
        meta = json.loads((folder / CONFIG).read_text())["config"]
        version = meta["format_version"]
        meta["class"], meta["classes"]
    except (ValueError, KeyError, TypeError):
        raise ModelFileError(f"'{folder}' is not an image classifier folder (its {CONFIG} has no classifier); "
                             f"give the folder save_model or `vision train` wrote") from None
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(f"model folder '{folder}' was saved in model format {version!r}, newer than this "
                             f"synthlearn reads ({FORMAT_VERSION}); upgrade synthlearn")
    return meta


def model_metadata(folder: str | os.PathLike) -> dict:
    """The ``metadata`` given to :func:`save_model` for the model in ``folder``."""
    return dict(_read_config(Path(folder)).get("metadata") or {})


def load_model(folder: str | os.PathLike):
    """Load a classifier written by :func:`save_model`; names the missing or broken file when it cannot."""
    folder = Path(folder)
    meta = _read_config(folder)
    if meta["class"] == "CNNClassifier":
        return _load_cnn(folder, meta)
    if meta["class"] not in SKOPS_CLASSES:
        raise ModelFileError(f"model folder '{folder}' names an unknown class {meta['class']!r}")
    if not (folder / SKOPS).is_file():
        raise ModelFileError(f"model folder '{folder}' is missing {SKOPS}; save the model again")
    model = load_trusted_skops(folder / SKOPS, TRUSTED_PREFIXES, "save the model again")
    if type(model).__name__ != meta["class"]:
        raise ModelFileError(f"model folder '{folder}': {SKOPS} holds a {type(model).__name__}, its {CONFIG} "
                             f"names a {meta['class']}; save the model again")
    return model


def _load_cnn(folder: Path, meta: dict):
    import torch

    from synthlearn.nn import load_module_state
    from synthlearn.vision.cnn import CNNClassifier

    _, state = load_module_state(folder)
    try:
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["params"].items()}
        # saved before global_pooling existed: the maps flattened, whatever today's default
        params.setdefault("global_pooling", meta["attributes"]["network_"].get("global_pooling"))
        model = CNNClassifier(**params)
        for key in _CNN_ATTRIBUTES:
            value = meta["attributes"][key]
            setattr(model, key, tuple(value) if key.endswith("shape_") else value)
        model.classes_ = _classes_of(meta["classes"])
        module = model._build_module().to("cpu", torch.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"model folder '{folder}' has a corrupt {CONFIG} ({type(exc).__name__}: {exc}); "
                             f"save the model again") from None
    for key, value in module.state_dict().items():
        if key not in state or state[key].shape != value.shape:
            found = "is missing" if key not in state else f"has shape {tuple(state[key].shape)}"
            raise ModelFileError(f"model folder '{folder}': weights '{key}' in {WEIGHTS} {found}, the network "
                                 f"of its {CONFIG} needs {tuple(value.shape)}; save the model again")
    module.load_state_dict(state)
    model.module_ = module.eval()
    return model
