"""Saving and loading fitted autoencoders as inspectable folders, with nothing unpickled.

A model folder holds ``config.json`` (the class, its constructor parameters,
its small fitted attributes and the library versions) and ``arrays.npz`` (the
network's weights and any fitted arrays). Loading builds the class named in
the config — only classes exported by :mod:`synthlearn.autoencoders` — from
its parameters, rebuilds the network through the model's ``_build_module``
hook and loads the weights into it. Fitted scikit-learn scalers inside a model
(``SequenceAutoencoder.scaler_``) are stored as their fitted arrays, and SciPy
sparse matrices (``AutoRec.ratings_``) as their CSR arrays.
"""

from __future__ import annotations

import json
import numbers
import os
import platform
from pathlib import Path

import numpy as np

from synthlearn.errors import InvalidParameterError, ModelFileError

CONFIG = "config.json"
ARRAYS = "arrays.npz"
#: The files of a model folder: save_model replaces a folder holding only these, never another.
MODEL_FILES = (CONFIG, ARRAYS)
FORMAT_VERSION = 1
_WEIGHTS = "weight__"
_ATTR = "attr__"
_SPARSE = "sparse__"


def _fitted_sklearn() -> dict:
    """Fitted scikit-learn objects a model may hold, rebuilt from their parameters and fitted arrays."""
    from sklearn.preprocessing import StandardScaler

    return {"StandardScaler": StandardScaler}


def _classes() -> dict:
    import synthlearn.autoencoders as package

    return {name: getattr(package, name) for name in package.__all__ if isinstance(getattr(package, name), type)}


def _json_value(value):
    """``value`` as JSON, or raise TypeError for what JSON cannot hold faithfully."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    raise TypeError(type(value).__name__)


def _describe(model, arrays: dict, prefix: str) -> dict:
    """The config entry of ``model``; its arrays go into ``arrays`` under ``prefix``."""
    from sklearn.base import BaseEstimator
    from sklearn.utils.validation import check_is_fitted

    from synthlearn.autoencoders.base import fitted_params

    name = type(model).__name__
    if name not in _classes():
        raise InvalidParameterError(f"save_model saves synthlearn autoencoders, got {name}")
    check_is_fitted(model)
    params = {}
    for key, value in fitted_params(model).items():  # what the networks were built with, not later set_params
        if isinstance(value, BaseEstimator):
            params[key] = {"__estimator__": _describe_unfitted(value)}
        else:
            try:
                params[key] = _json_value(value)
            except TypeError:
                raise InvalidParameterError(f"cannot save {name} with {key}={value!r}; use a plain value "
                                            f"(e.g. an int seed instead of a RandomState)") from None
    attributes, nested = {}, {}
    for key, value in vars(model).items():
        if not key.endswith("_") or key.startswith("_") or key == "module_":
            continue
        if isinstance(value, BaseEstimator) and type(value).__name__ in _fitted_sklearn():
            attributes[key] = {"__sklearn__": _describe_sklearn(value, arrays, f"{prefix}{key}.")}
        elif isinstance(value, BaseEstimator):
            nested[key] = _describe(value, arrays, f"{prefix}{key}.")
        elif _is_sparse(value):
            csr = value.tocsr()
            for part in ("data", "indices", "indptr"):
                arrays[f"{prefix}{_SPARSE}{key}.{part}"] = getattr(csr, part)
            attributes[key] = {"__sparse__": list(csr.shape)}
        elif isinstance(value, np.ndarray):
            if value.dtype == object:
                attributes[key] = {"__array__": _json_value(value.tolist())}
            else:
                arrays[f"{prefix}{_ATTR}{key}"] = value
        else:
            try:
                attributes[key] = _json_value(value)
            except TypeError:
                raise InvalidParameterError(f"cannot save {name}.{key} of type {type(value).__name__}") from None
    module = getattr(model, "module_", None)
    if module is not None:
        for key, value in module.state_dict().items():
            arrays[f"{prefix}{_WEIGHTS}{key}"] = value.detach().cpu().numpy()
    return {"class": name, "params": params, "attributes": attributes, "nested": nested,
            "has_module": module is not None}


def _is_sparse(value) -> bool:
    from scipy import sparse

    return sparse.issparse(value)


def _describe_sklearn(estimator, arrays: dict, prefix: str) -> dict:
    """A fitted scikit-learn object of :func:`_fitted_sklearn`: parameters, numbers, arrays under ``prefix``."""
    fitted = {}
    for key, value in vars(estimator).items():
        if not key.endswith("_") or key.startswith("_"):
            continue
        if isinstance(value, np.ndarray) and value.dtype != object:
            arrays[f"{prefix}{_ATTR}{key}"] = value
        else:
            fitted[key] = _json_value(value)
    return {"class": type(estimator).__name__, "params": _json_value(estimator.get_params(deep=False)),
            "fitted": fitted}


def _build_sklearn(entry: dict, arrays, prefix: str):
    estimator = _fitted_sklearn()[entry["class"]](**_tuples(entry["params"]))
    for key, value in entry["fitted"].items():
        setattr(estimator, key, value)
    for key in arrays.files:
        if key.startswith(prefix + _ATTR):
            setattr(estimator, key[len(prefix + _ATTR):], np.array(arrays[key]))
    return estimator


def _describe_unfitted(estimator) -> dict:
    name = type(estimator).__name__
    if name not in _classes():
        raise InvalidParameterError(f"save_model saves synthlearn autoencoders, got a {name} inside")
    return {"class": name, "params": {k: _json_value(v) for k, v in estimator.get_params(deep=False).items()}}


def save_model(model, folder: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write a fitted autoencoder (or :class:`AnomalyDetector`) to ``folder``, atomically.

    An existing ``folder`` is replaced only when it is empty or holds just a
    model's files; anything else is refused with :class:`FileFormatError`.

    ``metadata`` (JSON-ready) is stored beside the model and read back with
    :func:`model_metadata` — the CLI keeps the input's columns and scaling there.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from synthlearn.autoencoders import Autoencoder, save_model, load_model
    >>> X = np.random.default_rng(0).normal(size=(64, 6))
    >>> ae = Autoencoder(code_size=2, hidden_layer_sizes=(8,), epochs=3, random_state=0).fit(X)
    >>> path = save_model(ae, os.path.join(tempfile.mkdtemp(), "ae"))
    >>> bool(np.allclose(load_model(path).transform(X), ae.transform(X)))
    True
    """
    import sklearn
    import torch

    from synthlearn import __version__
    from synthlearn.atomic import atomic_folder, holds_only

    folder = Path(folder)
    arrays: dict = {}
    entry = _describe(model, arrays, "")
    meta = {"format_version": FORMAT_VERSION, "model": entry, "metadata": _json_value(metadata or {}),
            "versions": {"synthlearn": __version__, "torch": torch.__version__, "scikit-learn": sklearn.__version__,
                         "numpy": np.__version__, "python": platform.python_version()}}

    def write(tmp: Path) -> None:
        (tmp / CONFIG).write_text(json.dumps(meta, indent=1) + "\n")
        with open(tmp / ARRAYS, "wb") as fh:
            np.savez(fh, **arrays)

    return atomic_folder(folder, write, may_replace=holds_only(*MODEL_FILES))


def _params_of(entry: dict) -> dict:
    params = {}
    for key, value in entry["params"].items():
        if isinstance(value, dict) and "__estimator__" in value:
            inner = value["__estimator__"]
            params[key] = _classes()[inner["class"]](**_tuples(inner["params"]))
        else:
            params[key] = _tuple(value)
    return params


def _tuple(value):
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


def _tuples(params: dict) -> dict:
    return {k: _tuple(v) for k, v in params.items()}


def _build(entry: dict, arrays, prefix: str, folder: Path):
    from synthlearn.autoencoders.base import record_fitted_params

    classes = _classes()
    if entry.get("class") not in classes:
        raise ModelFileError(f"model folder '{folder}' names an unknown class {entry.get('class')!r}")
    model = classes[entry["class"]](**_params_of(entry))
    record_fitted_params(model)  # a later set_params must not change what is saved again
    for key, value in entry["attributes"].items():
        if key == "history_":
            setattr(model, key, value)
        elif isinstance(value, dict) and "__array__" in value:
            setattr(model, key, np.array(value["__array__"], dtype=object))
        elif isinstance(value, dict) and "__sklearn__" in value:
            setattr(model, key, _build_sklearn(value["__sklearn__"], arrays, f"{prefix}{key}."))
        elif isinstance(value, dict) and "__sparse__" in value:
            from scipy import sparse

            parts = [np.array(arrays[f"{prefix}{_SPARSE}{key}.{part}"]) for part in ("data", "indices", "indptr")]
            setattr(model, key, sparse.csr_array(tuple(parts), shape=tuple(value["__sparse__"])))
        else:
            setattr(model, key, _tuple(value))
    for key in arrays.files:
        if key.startswith(prefix + _ATTR) and "." not in key[len(prefix + _ATTR):]:
            setattr(model, key[len(prefix + _ATTR):], np.array(arrays[key]))
    for key, inner in entry.get("nested", {}).items():
        setattr(model, key, _build(inner, arrays, f"{prefix}{key}.", folder))
    missing = [a for a in getattr(model, "_saved_fitted", ()) if not hasattr(model, a)]
    if missing:
        raise ModelFileError(f"model folder '{folder}' ({entry['class']}) lacks {', '.join(missing)}: it was saved "
                             f"by an earlier synthlearn; fit the model again and save it")
    if entry.get("has_module"):
        import torch

        module = model._build_module().to("cpu", torch.float64)  # inference runs in float64
        state = {k[len(prefix + _WEIGHTS):]: torch.from_numpy(np.array(arrays[k])) for k in arrays.files
                 if k.startswith(prefix + _WEIGHTS)}
        for key, value in module.state_dict().items():
            if key not in state or state[key].shape != value.shape:
                found = "is missing" if key not in state else f"has shape {tuple(state[key].shape)}"
                raise ModelFileError(f"model folder '{folder}': weights '{key}' in {ARRAYS} {found}, the network "
                                     f"of its {CONFIG} needs {tuple(value.shape)}; save the model again")
        module.load_state_dict(state)
        model.module_ = module.eval()
    return model


#: A file that marks another kind of synthlearn folder → what that folder holds.
_OTHER_FOLDERS = {
    "synthesizer.json": "a synthesizer saved by `synthlearn synthesize` (use it with `synthlearn sample`)",
    "model.skops": "a model saved by `synthlearn train` (use it with `synthlearn predict`)",
    "synthetic.parquet": "the output of `synthlearn synthesize`",
    "weights.pt": "a network saved by synthlearn.nn.save_module",
}


def _check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise ModelFileError(f"'{folder}' is not a model folder; give the folder save_model or `ae train` wrote")
    if not all((folder / name).is_file() for name in (CONFIG, ARRAYS)):
        for marker, what in _OTHER_FOLDERS.items():
            if (folder / marker).exists():
                raise ModelFileError(f"'{folder}' is not an autoencoder model folder: it holds {what}; give the "
                                     f"folder save_model or `ae train` wrote")
        if not any((folder / name).is_file() for name in (CONFIG, ARRAYS)):
            raise ModelFileError(f"'{folder}' is not an autoencoder model folder (it has no {CONFIG} and no "
                                 f"{ARRAYS}); give the folder save_model or `ae train` wrote")
    for name in (CONFIG, ARRAYS):
        if not (folder / name).is_file():
            raise ModelFileError(f"model folder '{folder}' is missing {name}; save the model again")


def _read_config(folder: Path) -> dict:
    """The parsed ``config.json`` of ``folder``, refusing a format newer than this synthlearn reads."""
    _check_folder(folder)
    try:
        meta = json.loads((folder / CONFIG).read_text())
        version = meta.get("format_version", FORMAT_VERSION)
    except (ValueError, AttributeError):
        raise ModelFileError(f"model folder '{folder}' has a corrupt {CONFIG}; save the model again") from None
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(f"model folder '{folder}' was saved in model format {version!r}, newer than this "
                             f"synthlearn reads ({FORMAT_VERSION}); upgrade synthlearn")
    return meta


def model_metadata(folder: str | os.PathLike) -> dict:
    """The ``metadata`` given to :func:`save_model` for the model in ``folder``."""
    folder = Path(folder)
    meta = _read_config(folder)
    try:
        return dict(meta.get("metadata", {}))
    except (TypeError, ValueError):
        raise ModelFileError(f"model folder '{folder}' has a corrupt {CONFIG}; save the model again") from None


def load_model(folder: str | os.PathLike):
    """Load a model written by :func:`save_model`; names the missing or broken file when it cannot."""
    folder = Path(folder)
    meta = _read_config(folder)
    try:
        entry = meta["model"]
        with np.load(folder / ARRAYS, allow_pickle=False) as arrays:
            return _build(entry, arrays, "", folder)
    except ModelFileError:
        raise
    except Exception as exc:
        detail = " ".join(str(exc).split())  # one line, whatever the library wrote
        raise ModelFileError(f"model folder '{folder}' is corrupt or from another version "
                             f"({type(exc).__name__}: {detail}); save the model again") from None
