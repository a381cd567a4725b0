"""Labelled image sets as folders: written atomically (in chunks for any size), read back, recognised.

A set made by :func:`synthlearn.generate.make_images` becomes ``images/``, ``masks/`` and ``semantic/``
(PNGs), ``annotations.csv``, ``images.csv``, ``dataset.json`` and COCO's ``annotations.json``
(:meth:`LabelledImages.to_coco`).
"""

from __future__ import annotations

import json
import numbers
import os
from pathlib import Path

import numpy as np
import pandas as pd

from synthlearn.errors import DataError, FileFormatError, InvalidParameterError
from synthlearn.generate.images import (ANNOTATION_COLUMNS, LabelledImages, _annotation_dtypes, _coco_header,
                                        _digits, _image_frame, make_images)

#: The files and folders ``write_labelled_images`` writes: it replaces a folder holding only these.
DATASET_FILES = ("images", "masks", "semantic", "annotations.csv", "images.csv", "annotations.json", "dataset.json")
_FORMAT = "synthlearn-labelled-images"


def write_labelled_images(data: LabelledImages, path: str | os.PathLike, *, coco: bool = True) -> Path:
    """Write a labelled image set to a new folder, atomically.

    The folder holds ``images/00000.png ...`` (8-bit, grey or RGB; more digits past 100,000 images),
    ``masks/00000.png ...`` (8-bit instance label maps, 0 background, ``k`` object ``k``),
    ``semantic/00000.png ...`` (8-bit class maps, :attr:`LabelledImages.semantic`: 0 background, else the
    visible object's ``category_id``; the label maps ``synthlearn vision`` reads),
    ``annotations.csv`` (one row per object), ``images.csv`` (one row per image), ``dataset.json`` (classes
    and the arguments that made the set) and, with ``coco``, ``annotations.json`` in COCO's format (see
    :meth:`LabelledImages.to_coco`). Nothing appears until all is written; an existing folder is replaced
    only when it is empty or holds just such a set. :func:`generate_labelled_images` writes sets too large
    to hold in memory.

    Examples
    --------
    >>> import tempfile
    >>> from synthlearn.generate import make_images, read_labelled_images, write_labelled_images
    >>> folder = write_labelled_images(make_images(3, size=16, random_state=0), tempfile.mkdtemp() + "/shapes")
    >>> len(read_labelled_images(folder))
    3
    """
    from synthlearn.atomic import atomic_folder

    if not isinstance(data, LabelledImages):
        raise InvalidParameterError(f"data must be the LabelledImages that make_images returns, "
                                    f"got {type(data).__name__}")
    path = _folder(path)
    return atomic_folder(path, lambda tmp: _write_set(tmp, [data], data.start + len(data), coco),
                         may_replace=replaceable)


def generate_labelled_images(path: str | os.PathLike, n, *, chunk_size: int = 1000, coco: bool = True,
                             progress=None, **kwargs) -> Path:
    """Make ``n`` images with :func:`make_images` and write them as :func:`write_labelled_images` does, in chunks.

    Memory holds one chunk of images at a time (plus the annotation tables), so any ``n`` fits; the folder
    is the one ``write_labelled_images(make_images(n, **kwargs), path)`` writes (with ``random_state=None``,
    one fresh seed is drawn for the whole set).

    Parameters
    ----------
    path : str or path-like
        The folder to write (new, empty, or an earlier set).
    n : int
        Number of images.
    chunk_size : int, default=1000
        Images made and written at a time.
    coco : bool, default=True
        Also write COCO's ``annotations.json``.
    progress : callable, optional
        Called with the number of images written so far.
    **kwargs
        The arguments of :func:`make_images` (not ``start`` or ``progress``).

    Examples
    --------
    >>> import tempfile
    >>> from synthlearn.generate import generate_labelled_images, read_labelled_images
    >>> folder = generate_labelled_images(tempfile.mkdtemp() + "/shapes", 5, chunk_size=2, size=16, random_state=0)
    >>> len(read_labelled_images(folder))
    5
    """
    from synthlearn.atomic import atomic_folder, check_replaceable

    for name in ("start", "progress"):
        if name in kwargs:
            raise InvalidParameterError(f"generate_labelled_images sets {name} itself; drop it")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, numbers.Integral) or chunk_size < 1:
        raise InvalidParameterError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise InvalidParameterError(f"n must be a positive integer, got {n!r}")
    if progress is not None and not callable(progress):
        raise InvalidParameterError(f"progress must be a callable taking the number of images done, got {progress!r}")
    path = _folder(path)
    check_replaceable(path, replaceable)
    pending = [make_images(min(chunk_size, n), **kwargs)]  # checks every argument before anything is written
    seed = pending[0].parameters["random_state"]
    kwargs["random_state"] = np.random.SeedSequence(seed["entropy"], spawn_key=tuple(seed["spawn_key"]))

    def chunks():
        yield pending.pop()  # not kept: one chunk in memory at a time
        if progress is not None:
            progress(min(chunk_size, n))
        for start in range(chunk_size, n, chunk_size):
            chunk = make_images(min(chunk_size, n - start), start=start, **kwargs)
            yield chunk
            if progress is not None:
                progress(start + len(chunk))

    return atomic_folder(path, lambda tmp: _write_set(tmp, chunks(), n, coco), may_replace=replaceable)


def _folder(path) -> Path:
    path = Path(path)
    if path.suffix:
        raise FileFormatError(f"{path}: a labelled image set is written to a folder (a path without extension)")
    return path


def _write_set(tmp: Path, chunks, n_images: int, coco: bool) -> None:
    """Write the chunks (consecutive LabelledImages) into the folder ``tmp``; each is written as it comes."""
    from PIL import Image

    from synthlearn import __version__

    digits = _digits(n_images)
    (tmp / "images").mkdir()
    (tmp / "masks").mkdir()
    (tmp / "semantic").mkdir()
    annotations, image_info, coco_images = [], [], []
    fh = open(tmp / "annotations.json", "w", encoding="utf-8") if coco else None
    try:
        meta = None
        n_annotations = 0
        for chunk in chunks:
            if meta is None:
                meta = {"format": _FORMAT, "version": 1, "synthlearn": __version__, "n": n_images - chunk.start,
                        "size": list(chunk.masks.shape[1:]), "channels": 1 if chunk.images.ndim == 3 else 3,
                        "classes": list(chunk.classes), "parameters": chunk.parameters}
                if fh is not None:  # the header, then annotations as they come, then the images
                    fh.write(json.dumps(_coco_header(chunk.classes))[:-1] + ', "annotations": [')
            if chunk.masks.size and int(chunk.masks.max()) > 255:
                raise DataError(f"an image holds {int(chunk.masks.max())} objects; mask PNGs hold at most 255")
            semantic = chunk.semantic
            for k in range(len(chunk)):
                name = f"{chunk.start + k:0{digits}d}.png"
                Image.fromarray(_to_uint8(chunk.images[k])).save(tmp / "images" / name)
                Image.fromarray(chunk.masks[k].astype(np.uint8), mode="L").save(tmp / "masks" / name)
                Image.fromarray(semantic[k].astype(np.uint8), mode="L").save(tmp / "semantic" / name)
            annotations.append(chunk.annotations)
            image_info.append(chunk.image_info)
            if fh is not None:
                for entry in chunk._coco_annotations(n_annotations + 1):
                    fh.write((", " if n_annotations else "") + json.dumps(entry))
                    n_annotations += 1
                coco_images.extend(chunk._coco_images("images", digits))
        if fh is not None:
            fh.write('], "images": ' + json.dumps(coco_images) + "}")
    finally:
        if fh is not None:
            fh.close()
    pd.concat(annotations, ignore_index=True).to_csv(tmp / "annotations.csv", index=False)
    pd.concat(image_info, ignore_index=True).to_csv(tmp / "images.csv", index=False)
    with open(tmp / "dataset.json", "w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=2)


def _to_uint8(image: np.ndarray) -> np.ndarray:
    """One (H, W) or (3, H, W) image in [0, 1] as the 8-bit (H, W) or (H, W, 3) array a PNG holds."""
    image = image.transpose(1, 2, 0) if image.ndim == 3 else image
    return (np.clip(image, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def replaceable(folder: Path) -> bool:
    """True when ``folder`` holds a set :func:`write_labelled_images` wrote and nothing else.

    Names alone are not enough (``images/`` and ``dataset.json`` are common): ``dataset.json`` must be
    ours and ``images/``, ``masks/`` and ``semantic/`` must hold nothing but PNGs.
    """
    from synthlearn.atomic import holds_only

    if not ((folder / "dataset.json").is_file() and holds_only(*DATASET_FILES)(folder)):
        return False
    try:
        meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        return False
    for name in DATASET_FILES:
        entry = folder / name
        if name in ("images", "masks", "semantic"):
            if entry.exists() and not (entry.is_dir() and all(f.is_file() and f.suffix == ".png"
                                                               for f in entry.iterdir())):
                return False
        elif entry.is_dir():
            return False
    return True


def is_labelled_set(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a folder written by :func:`write_labelled_images` (``synthlearn generate images``)."""
    path = Path(path)
    return path.is_dir() and (path / "dataset.json").is_file() and (path / "images").is_dir()


def read_labelled_images(path: str | os.PathLike) -> LabelledImages:
    """Read a folder written by :func:`write_labelled_images` (images as the 8-bit values the PNGs hold).

    Examples
    --------
    >>> import tempfile
    >>> from synthlearn.generate import make_images, read_labelled_images, write_labelled_images
    >>> data = make_images(2, size=16, channels=1, random_state=0)
    >>> back = read_labelled_images(write_labelled_images(data, tempfile.mkdtemp() + "/shapes"))
    >>> back.images.shape, bool((back.masks == data.masks).all())
    ((2, 16, 16), True)
    """
    from PIL import Image

    from synthlearn.data.images import read_images

    path = Path(path)
    if not path.is_dir():
        raise FileFormatError(f"{path} is not a folder; give a folder written by write_labelled_images "
                              f"(synthlearn generate images)")
    for name in ("dataset.json", "annotations.csv", "images.csv", "images", "masks"):
        if not (path / name).exists():
            raise FileFormatError(f"{path} lacks {name}; it is not a labelled image set written by "
                                  f"write_labelled_images")
    try:
        meta = json.loads((path / "dataset.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"{path / 'dataset.json'} is not readable JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise FileFormatError(f"{path / 'dataset.json'} does not describe a {_FORMAT} set")
    classes = tuple(meta["classes"])
    images = read_images(path / "images")
    if meta["channels"] == 3 and images.ndim == 3:  # every PNG happened to be grey
        images = np.repeat(images[:, None], 3, axis=1)
    mask_files = sorted((path / "masks").glob("*.png"))
    if len(mask_files) != len(images) or len(images) != meta["n"]:
        raise DataError(f"{path} holds {len(images)} images and {len(mask_files)} masks, dataset.json says "
                        f"{meta['n']}; the set is incomplete")
    masks = np.stack([np.asarray(Image.open(f), dtype=np.int32) for f in mask_files])
    annotations = pd.read_csv(path / "annotations.csv", keep_default_na=False)
    missing = [c for c in ANNOTATION_COLUMNS if c not in annotations.columns]
    if missing:
        raise DataError(f"{path / 'annotations.csv'} lacks the column(s) {missing}")
    unknown = sorted(set(annotations["label"]) - set(classes))
    if unknown:
        raise DataError(f"{path / 'annotations.csv'} has labels {unknown} that dataset.json's classes lack")
    annotations["label"] = pd.Categorical(annotations["label"], categories=list(classes))
    annotations = _annotation_dtypes(annotations[ANNOTATION_COLUMNS])
    image_info = pd.read_csv(path / "images.csv")
    start = int(image_info["image"].iloc[0]) if len(image_info) else 0  # a chunk made with start=... begins there
    image = annotations["image"].to_numpy(np.int64) - start
    if len(image) and (image.min() < 0 or image.max() >= len(masks)):
        raise DataError(f"{path / 'annotations.csv'} lists images outside {start}-{start + len(masks) - 1}, the "
                        f"images the set holds; the set is damaged")
    counts = np.bincount(image, minlength=len(masks))
    for i, mask in enumerate(masks):  # objects are numbered 1..k in each image
        if int(mask.max(initial=0)) > counts[i]:
            raise DataError(f"{mask_files[i]} holds object {int(mask.max())} but annotations.csv lists "
                            f"{int(counts[i])} in image {start + i}; the set is damaged")
    return LabelledImages(images, masks, annotations, _image_frame(image_info.to_dict("records")), classes,
                          meta.get("parameters", {}))
