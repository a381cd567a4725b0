"""Label maps for a whole folder of images: `vision pixels` and `vision objects` classify every image of a folder
(or of a labelled image set) in one run, writing one map per image and the objects found in them, and `vision
score` scores a folder of maps against the truth, pooled over the images."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from synthlearn.errors import DataError, FileFormatError

#: What an output folder of label maps holds; an earlier one is replaced, nothing else.
MAP_FOLDER_FILES = ("*.png", "*.npy", "objects.csv", "scores.json")


def earlier_maps(folder: Path) -> bool:
    """Whether ``folder`` is an earlier folder of label maps (it holds objects.csv, and nothing but
    :data:`MAP_FOLDER_FILES`), so a run may replace it: a folder of someone's .png or .npy images is no such
    folder."""
    from synthlearn.atomic import holds_only

    return (folder / "objects.csv").is_file() and holds_only(*MAP_FOLDER_FILES)(folder)


def read_image_folder(path: Path, channels: str, progress):
    """``(names, images, truth)``: a folder's images, each ``(array, channels)`` as :func:`read_image` reads it,
    named by file stem; ``truth`` the class maps of a labelled image set (0 background), else None."""
    from synthlearn.cli.vision_pixels import read_image
    from synthlearn.generate.image_files import is_labelled_set

    if is_labelled_set(path):
        from synthlearn.generate import read_labelled_images

        progress.step(f"reading the labelled image set {path}")
        data = read_labelled_images(path)
        names = sorted(p.stem for p in (path / "images").iterdir() if p.suffix.lower() == ".png")
        images = np.rint(data.images * 255.0)  # scaled to [0, 1] when read; a PNG's values, as read_image reads it
        return names, [(image, "first") for image in images], list(data.semantic)
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".png", ".npy"))
    if not files:
        raise DataError(f"folder '{path}' holds no .png or .npy image; give a folder of images or one image file")
    stems = [p.stem for p in files]
    twin = next((s for s in stems if stems.count(s) > 1), None)
    if twin is not None:
        raise DataError(f"folder '{path}' holds two images named {twin!r} (.png and .npy); their label maps would "
                        f"share a name: keep one")
    progress.step(f"reading {len(files):,} images of {path}")
    return stems, [read_image(p, channels) for p in files], None


def check_map_folder(out: Path, source: Path, option: str = "--out") -> None:
    """Refuse, before any work, an output folder that is a file name, an input, inside the input folder, or a
    folder holding anything but an earlier output of this kind."""
    from synthlearn.atomic import check_replaceable, holds_only

    if out.suffix.lower() in (".png", ".npy", ".csv", ".json", ".parquet"):
        raise FileFormatError(f"{option} '{out}' names a file, but a folder of images is classified into a folder "
                              f"(one label map per image); give a folder path")
    real_out, real_source = Path(os.path.realpath(out)), Path(os.path.realpath(source))
    if real_source in real_out.parents:
        raise FileFormatError(f"{option} '{out}' is inside the input folder '{source}'; choose a folder outside it")
    check_replaceable(out, holds_only(*MAP_FOLDER_FILES), inputs=[source], option=option)
    if out.is_dir() and any(out.iterdir()) and not earlier_maps(out):  # e.g. a folder of someone's .png images
        raise FileFormatError(f"refusing to replace {option} '{out}': it is a non-empty folder without objects.csv, "
                              f"not an earlier folder of label maps (its files would be lost); choose a new or empty "
                              f"folder")


def classify_folder(names, images, classify, progress) -> list:
    """``classify(image, channels)`` for every image, the image's name in any error it raises."""
    from synthlearn.errors import SynthlearnError

    maps = []
    for i, (name, (image, channels)) in enumerate(zip(names, images)):
        progress.step(f"classifying image {i + 1:,} of {len(names):,}")
        try:
            maps.append(classify(image, channels))
        except SynthlearnError as exc:
            raise type(exc)(f"image {name!r}: {exc}") from None
    return maps


def folder_objects(names, maps, background=0):
    """One table of the objects of every map (:func:`~synthlearn.vision.find_objects`), an ``image`` column
    first."""
    import pandas as pd

    from synthlearn.vision.localize import OBJECT_COLUMNS, find_objects

    tables = [find_objects(m, background=background).assign(image=name) for name, m in zip(names, maps)]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=list(OBJECT_COLUMNS))
    return table[["image", *OBJECT_COLUMNS]]


def folder_scores(names, predicted, truth, *, iou: float = 0.5, ignore=None):
    """Pixel scores pooled over every pixel of the maps, and objects matched within each image, pooled."""
    from synthlearn.vision.localize import match_objects
    from synthlearn.vision.scores import segmentation_scores

    for name, p, t in zip(names, predicted, truth):
        if p.shape != t.shape:
            raise DataError(f"the predicted map of {name!r} is {p.shape[0]} x {p.shape[1]} and its true map "
                            f"{t.shape[0]} x {t.shape[1]}; give maps of the same images")
    pixels = segmentation_scores(np.concatenate([p.ravel() for p in predicted]),
                                 np.concatenate([t.ravel() for t in truth]), ignore=ignore)
    background = (0,) if ignore is None else (0, ignore)
    objects = match_objects(folder_objects(names, predicted, background), folder_objects(names, truth, background),
                            iou=iou)
    return pixels, objects


def scores_payload(pixels, objects) -> dict:
    import pandas as pd

    return {**pixels.to_dict(), "objects": json.loads(pd.DataFrame(objects).to_json(orient="index"))}


def print_scores(pixels, objects, iou: float, where: str = "") -> None:
    """The two tables of `vision score`: pixels per class, then objects matched at ``iou``."""
    from synthlearn.cli.console import print_table

    per_class = pixels.per_class.astype({"support": object, "predicted": object})
    per_class.index = per_class.index.map(str)
    print_table(per_class, title=f"pixel accuracy {pixels.pixel_accuracy:.4f}, mean IoU {pixels.mean_iou:.4f}{where}")
    objects = objects.copy()
    objects.index = objects.index.map(str)
    print_table(objects.astype({c: object for c in ("tp", "fp", "fn")}), title=f"objects matched at box IoU >= {iou}")


def write_map_folder(out: Path, source: Path, names, maps, truth, progress) -> tuple | None:
    """Write ``out``: a label map per image (``NAME.png`` with a palette, or ``NAME.npy`` for labels beyond
    0-255), ``objects.csv`` (the objects of every map) and, with ``truth``, ``scores.json``; all at once, replacing
    only an earlier such folder. Returns the scores (pixels, objects) when there is a truth."""
    from synthlearn.atomic import atomic_folder
    from synthlearn.cli.vision_pixels import write_label_map

    suffix = ".png" if all(m.min() >= 0 and m.max() <= 255 for m in maps) else ".npy"
    scores = folder_scores(names, maps, truth) if truth is not None else None
    objects = folder_objects(names, maps)

    def writer(tmp: Path) -> None:
        progress.step(f"writing {len(maps):,} label maps to {out}")
        for name, label_map in zip(names, maps):
            write_label_map(label_map, tmp / f"{name}{suffix}")
        objects.to_csv(tmp / "objects.csv", index=False)
        if scores is not None:
            (tmp / "scores.json").write_text(json.dumps(scores_payload(*scores), indent=2) + "\n")

    atomic_folder(out, writer, may_replace=earlier_maps, inputs=[source])
    return scores


def read_map_folder(path: Path, what: str):
    """``{stem: label map}`` of a folder of maps (.png, .npy), or of a labelled image set's class maps."""
    from synthlearn.cli.vision_pixels import read_label_map
    from synthlearn.generate.image_files import is_labelled_set

    if is_labelled_set(path):
        from synthlearn.generate import read_labelled_images

        data = read_labelled_images(path)
        names = sorted(p.stem for p in (path / "images").iterdir() if p.suffix.lower() == ".png")
        return dict(zip(names, data.semantic))
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".png", ".npy"))
    if not files:
        raise DataError(f"{what} '{path}' holds no .png or .npy label map")
    return {p.stem: read_label_map(p, what) for p in files}
