"""Synthetic labelled images from scratch: coloured shapes with instance masks, boxes and chosen edge cases.

A procedural "shapes" set in the manner of dSprites (Matthey et al., 2017) and the shapes toy set used to
test Mask R-CNN (He et al., ICCV 2017), with annotations in the form of COCO (Lin et al., ECCV 2014). Each
image is a background (plain, gradient or texture) with shapes rasterised by scikit-image (``skimage.draw``)
at random size, position, rotation and colour, drawn in order so that a later shape occludes an earlier
one; masks and boxes describe what is left visible. The hard cases a detector meets - objects cut by the
border or hidden in part by others, tiny objects, low contrast, Gaussian noise, blur, cluttered textured
backgrounds, empty images - happen at the rates asked and never otherwise, and every one is flagged in the
annotations. Image ``i`` depends only on the seed and ``i`` (its random stream is
``SeedSequence(seed, spawn_key=(i,))``), never on how many images are made.

Pixel convention: pixel ``(row, col)`` covers ``[col, col + 1) × [row, row + 1)``; a box ``(x0, y0, x1, y1)``
holds the columns ``x0 .. x1 - 1`` and rows ``y0 .. y1 - 1`` (``x1``, ``y1`` exclusive), so its width is
``x1 - x0`` and COCO's ``[x, y, w, h]`` is ``[x0, y0, x1 - x0, y1 - y0]``.
"""

from __future__ import annotations

import difflib
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synthlearn.errors import InvalidParameterError

#: The shapes ``make_images`` draws (its ``classes`` pick from these).
SHAPES = ("circle", "square", "triangle", "ellipse", "rectangle", "star", "cross")
BACKGROUNDS = ("plain", "gradient", "texture")
#: Edge cases per object: their rate is the fraction of objects that get them.
OBJECT_EDGE_CASES = ("truncated", "occluded", "tiny", "low_contrast")
#: Edge cases per image: their rate is the fraction of images that get them.
IMAGE_EDGE_CASES = ("noisy", "blurred", "clutter", "empty")
EDGE_CASES = OBJECT_EDGE_CASES + IMAGE_EDGE_CASES
#: Noise sd and blur sigma (pixels) of the ``noisy`` and ``blurred`` edge cases (at least; larger global values win).
NOISY_SD = 0.12
BLURRED_SIGMA = 1.5
#: Diameter range (pixels) of ``tiny`` objects.
TINY_DIAMETER = (3.0, 6.0)
#: RMS colour difference from what lies under it: at least MIN_CONTRAST normally, within LOW_CONTRAST when asked.
MIN_CONTRAST = 0.25
LOW_CONTRAST = (0.03, 0.08)
#: Aspect (short / long side) of ellipses and rectangles.
ASPECT = (0.4, 0.7)
ANNOTATION_COLUMNS = ["image", "object", "label", "category_id", "x0", "y0", "x1", "y1", "area", "full_x0",
                      "full_y0", "full_x1", "full_y1", "full_area", "visible_fraction", "truncated", "occluded",
                      "tiny", "low_contrast", "contrast", "diameter", "angle", "colour"]
IMAGE_COLUMNS = ["image", "n_objects", "background", "clutter", "empty", "noise", "blur"]
_ATTEMPTS = 30  # placements tried per object, each a little smaller, before the object is left out


@dataclass(frozen=True, eq=False)
class LabelledImages:
    """What :func:`make_images` returns (and :func:`read_labelled_images` reads back).

    Attributes
    ----------
    images : ndarray of shape (n, 3, H, W), or (n, H, W) for one channel
        Floats in [0, 1], the convention of :mod:`synthlearn.data.images`.
    masks : ndarray of shape (n, H, W), int32
        Instance label maps: 0 is background, ``k`` the visible pixels of the image's object ``k``.
    annotations : pandas.DataFrame
        One row per object: ``image`` (index), ``object`` (its id in ``masks``), ``label`` (shape name,
        categorical in ``classes`` order), ``category_id`` (1-based index in ``classes``), the box of its visible
        pixels ``x0, y0, x1, y1`` (exclusive ends) and their count ``area``, the box and pixel count of the
        whole shape had it been drawn alone on an endless canvas ``full_x0 .. full_x1, full_area`` (may
        reach outside the image), ``visible_fraction = area / full_area``, ``truncated`` (cut by the
        border), ``occluded`` (pixels lost to later objects), the requested edge cases ``tiny`` and
        ``low_contrast``, ``contrast`` (RMS colour difference from what it was drawn over), ``diameter``
        (pixels, of the circle through its corners), ``angle`` (degrees) and ``colour`` (``#rrggbb``).
    image_info : pandas.DataFrame
        One row per image: ``image``, ``n_objects``, ``background``, ``clutter``, ``empty`` (asked to be empty),
        ``noise`` (sd added) and ``blur`` (sigma applied).
    classes : tuple of str
        The class names; ``category_id`` ``c`` is ``classes[c - 1]``.
    parameters : dict
        The arguments that made the set (``random_state`` as the seed's entropy), for provenance.
    """

    images: np.ndarray
    masks: np.ndarray
    annotations: pd.DataFrame
    image_info: pd.DataFrame
    classes: tuple
    parameters: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def start(self) -> int:
        """Index of the first image: 0, or ``start`` of ``make_images(..., start=...)`` for a later chunk."""
        return int(self.image_info["image"].iloc[0]) if len(self.image_info) else 0

    @property
    def semantic(self) -> np.ndarray:
        """Class maps of shape (n, H, W), int32: 0 background, ``category_id`` of the visible object elsewhere."""
        out = np.zeros(self.masks.shape, dtype=np.int32)
        ann = self.annotations
        image = ann["image"].to_numpy(np.int64) - self.start
        for i in np.unique(image):
            rows = ann[image == i]
            lut = np.zeros(int(self.masks[i].max(initial=0)) + 1, dtype=np.int32)
            lut[rows["object"].to_numpy(np.int64)] = rows["category_id"].to_numpy(np.int32)
            out[i] = lut[self.masks[i]]
        return out

    def to_coco(self, image_folder: str = "images") -> dict:
        """The annotations as a COCO ``instances`` dict.

        Boxes are ``[x, y, w, h]`` of the visible pixels, ``area`` is their count, ``iscrowd`` is 0 and
        ``segmentation`` is the visible mask as uncompressed RLE (``{"size": [H, W], "counts": [...]}``,
        column-major, starting with a run of zeros), which ``pycocotools`` reads as it is. Image ids are the
        image index + 1 and category ids are ``category_id`` (0 is left to the background).
        """
        digits = _digits(self.start + len(self))
        images = self._coco_images(image_folder, digits)
        annotations = list(self._coco_annotations(1))
        return {**_coco_header(self.classes), "images": images, "annotations": annotations}

    def _coco_images(self, image_folder, digits):
        height, width = self.masks.shape[1:]
        return [{"id": i + 1, "file_name": f"{image_folder}/{i:0{digits}d}.png", "width": width, "height": height}
                for i in range(self.start, self.start + len(self))]

    def _coco_annotations(self, first_id):
        height, width = self.masks.shape[1:]
        for j, row in enumerate(self.annotations.itertuples(index=False)):
            mask = self.masks[row.image - self.start] == row.object
            yield {"id": first_id + j, "image_id": int(row.image) + 1, "category_id": int(row.category_id),
                   "bbox": [int(row.x0), int(row.y0), int(row.x1 - row.x0), int(row.y1 - row.y0)],
                   "area": int(row.area), "iscrowd": 0,
                   "segmentation": {"size": [height, width], "counts": rle_encode(mask)}}


def _coco_header(classes) -> dict:
    from synthlearn import __version__

    return {"info": {"description": "synthetic shapes made by synthlearn.generate.make_images",
                     "version": __version__}, "licenses": [],
            "categories": [{"id": c + 1, "name": name, "supercategory": "shape"} for c, name in enumerate(classes)]}


def _digits(n_images: int) -> int:
    """Digits of the file numbers: 5 (``00000.png``), more when needed so that names sort in image order."""
    return max(5, len(str(max(n_images - 1, 0))))


def rle_encode(mask: np.ndarray) -> list[int]:
    """COCO's uncompressed run-length encoding of a boolean mask: run lengths in column-major order, zeros first.

    Examples
    --------
    >>> import numpy as np
    >>> rle_encode(np.array([[0, 1], [1, 1]], dtype=bool))
    [1, 3]
    """
    pixels = np.asarray(mask, dtype=bool).ravel(order="F")
    if pixels.size == 0:
        return []
    changes = np.flatnonzero(pixels[1:] != pixels[:-1]) + 1
    counts = np.diff(np.concatenate([[0], changes, [pixels.size]])).tolist()
    return [0] + counts if pixels[0] else counts


def make_images(n, *, size=64, classes=("circle", "square", "triangle"), weights=None, objects_per_image=(1, 3),
                channels=3, object_size=(0.15, 0.45), background="plain", noise=0.0, blur=0.0, edge_cases=None,
                min_visible=0.25, random_state=None, start=0, progress=None) -> LabelledImages:
    """Make ``n`` images of coloured shapes with instance masks, boxes and the edge cases asked for.

    Parameters
    ----------
    n : int
        Number of images.
    size : int or (int, int), default=64
        Image side, or (height, width); each 8 to 4096 pixels.
    classes : sequence of str, default=("circle", "square", "triangle")
        The shapes to draw, from :data:`SHAPES`: circle, square, triangle, ellipse, rectangle, star, cross.
    weights : sequence of float, optional
        Class proportions (one per class, non-negative, summing to 1). Default: balanced. The first images
        hold one object of each class with a positive weight in turn (and are never empty), so any ``n``
        at least that number of classes holds every one.
    objects_per_image : int or (int, int), default=(1, 3)
        Number of objects, or the inclusive range it is drawn from uniformly (0 to 255). An object that
        finds no place meeting its constraints after 30 tries is left out, so crowded images may hold fewer.
    channels : {3, 1}, default=3
        RGB images of shape (n, 3, H, W), or grey ones of shape (n, H, W).
    object_size : (float, float), default=(0.15, 0.45)
        Range of the object's diameter (the circle through its corners) as a fraction of the shorter side.
    background : {"plain", "gradient", "texture"}, default="plain"
        One random colour, a linear blend of two, or smooth random texture.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to every image (values are clipped to [0, 1]).
    blur : float, default=0.0
        Sigma in pixels of a Gaussian blur (``skimage.filters.gaussian``) of every image.
    edge_cases : float or dict, optional
        Rates of the edge cases, by name, or one rate for all. Per object (the fraction of objects):
        ``truncated`` (placed across the border), ``occluded`` (hidden in part by a later object placed over it; as
        the last object of an image is never hidden, the rate can be at most the share of objects that have a
        later one, 0.5 for the default counts), ``tiny`` (3 to 6 pixels across), ``low_contrast`` (colour within
        0.03-0.08 RMS of what it is drawn over). Per image (the fraction of images): ``noisy`` (noise sd at least
        0.12), ``blurred`` (blur sigma at least 1.5), ``clutter`` (texture plus unlabelled line segments),
        ``empty`` (no object). Default: none - objects are placed whole, apart, with contrast at least 0.25.
    min_visible : float, default=0.25
        Every object keeps at least this fraction of its pixels visible, whatever truncates or hides it.
    random_state : int, numpy SeedSequence or Generator, optional
        Seed; the same seed and arguments give the same images, and image ``i`` does not depend on ``n``.
    start : int, default=0
        Index of the first image: ``make_images(n, start=s)`` makes images ``s .. s + n - 1`` of the set
        ``make_images(s + n)`` (same seed), so a large set can be made in chunks or in parallel.
    progress : callable, optional
        Called with the number of images done, after each image.

    Returns
    -------
    LabelledImages
        ``images``, ``masks``, ``annotations``, ``image_info``, ``classes``; ``.semantic`` gives class maps
        and ``.to_coco()`` COCO annotations.

    Examples
    --------
    >>> from synthlearn.generate import make_images
    >>> data = make_images(4, size=32, edge_cases={"truncated": 0.5}, random_state=0)
    >>> data.images.shape, data.masks.shape, sorted(data.annotations["label"].unique())
    ((4, 3, 32, 32), (4, 32, 32), ['circle', 'square', 'triangle'])
    >>> bool((data.annotations["area"] == [((data.masks[i] == k).sum()) for i, k in
    ...      zip(data.annotations["image"], data.annotations["object"])]).all())
    True
    """
    p = _check_parameters(n=n, size=size, classes=classes, weights=weights, objects_per_image=objects_per_image,
                          channels=channels, object_size=object_size, background=background, noise=noise, blur=blur,
                          edge_cases=edge_cases, min_visible=min_visible, random_state=random_state)
    if isinstance(start, bool) or not isinstance(start, numbers.Integral) or start < 0:
        raise InvalidParameterError(f"start must be a non-negative integer (the first image's index), got {start!r}")
    start = int(start)
    if progress is not None and not callable(progress):
        raise InvalidParameterError(f"progress must be a callable taking the number of images done, got {progress!r}")
    height, width = p["size"]
    images = np.empty((p["n"], p["channels"], height, width))
    masks = np.empty((p["n"], height, width), dtype=np.int32)
    rows, info = [], []
    for k in range(p["n"]):
        i = start + k
        rng = np.random.default_rng(np.random.SeedSequence(p["entropy"], spawn_key=p["spawn_key"] + (i,)))
        canvas, masks[k], objects, image_row = _draw_image(i, rng, p)
        images[k] = canvas.transpose(2, 0, 1)
        rows.extend(objects)
        info.append(image_row)
        if progress is not None:
            progress(k + 1)
    return LabelledImages(images[:, 0] if p["channels"] == 1 else images, masks, _annotation_frame(rows, p["classes"]),
                          _image_frame(info), p["classes"], _provenance(p))


# ------------------------------------------------------------------------------------------------ checks
def _check_parameters(**given) -> dict:
    p = {}
    n = given["n"]
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise InvalidParameterError(f"n must be a positive integer, got {n!r}")
    p["n"] = int(n)
    p["size"] = _pair(given["size"], "size", integer=True)
    if not all(8 <= s <= 4096 for s in p["size"]):
        raise InvalidParameterError(f"size must be 8 to 4096 pixels a side, got {given['size']!r}")
    classes = given["classes"]
    if isinstance(classes, str):
        classes = (classes,)
    try:
        classes = tuple(classes)
    except TypeError:
        raise InvalidParameterError(f"classes must be a list of shape names from {', '.join(SHAPES)}, "
                                    f"got {given['classes']!r}") from None
    if not classes:
        raise InvalidParameterError(f"classes is empty; name at least one of {', '.join(SHAPES)}")
    for name in classes:
        if name not in SHAPES:
            close = difflib.get_close_matches(str(name), SHAPES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InvalidParameterError(f"classes: unknown shape {name!r}; {hint}choose from {', '.join(SHAPES)}")
    if len(set(classes)) < len(classes):
        raise InvalidParameterError(f"classes names a shape twice ({list(classes)}); name each once")
    p["classes"] = classes
    p["weights"] = _weights(given["weights"], len(classes))
    # images 0, 1, ... hold one object of each class with a positive weight in turn
    p["forced"] = tuple(int(c) for c in np.flatnonzero(p["weights"] > 0))
    k = given["objects_per_image"]
    low, high = _pair(k, "objects_per_image", integer=True)
    if not 0 <= low <= high <= 255 or high == 0:
        raise InvalidParameterError(f"objects_per_image must be a count or a (low, high) range within 0-255 with "
                                    f"high >= 1 and low <= high, got {k!r}")
    p["objects"] = (low, high)
    channels = given["channels"]
    if isinstance(channels, bool) or channels not in (1, 3):
        raise InvalidParameterError(f"channels must be 1 (grey) or 3 (RGB), got {channels!r}")
    p["channels"] = int(channels)
    low, high = _pair(given["object_size"], "object_size")
    if not 0 < low <= high <= 0.9:
        raise InvalidParameterError(f"object_size must be a (low, high) fraction of the shorter side with "
                                    f"0 < low <= high <= 0.9, got {given['object_size']!r}")
    if high * min(p["size"]) < 3:
        raise InvalidParameterError(f"object_size {given['object_size']!r} makes objects under 3 pixels across in "
                                    f"{p['size'][0]}x{p['size'][1]} images; raise object_size or size")
    p["object_size"] = (low, high)
    if given["background"] not in BACKGROUNDS:
        raise InvalidParameterError(f"background must be one of {', '.join(BACKGROUNDS)}, "
                                    f"got {given['background']!r}")
    p["background"] = given["background"]
    p["noise"] = _number(given["noise"], "noise", 0, 1)
    p["blur"] = _number(given["blur"], "blur", 0, min(p["size"]) / 2)
    p["rates"] = _edge_cases(given["edge_cases"])
    # only an object with an earlier one in its image can hide it: each does so at the rate that makes the
    # fraction of occluded objects the rate asked, which the counts of objects per image may not allow
    counts = np.arange(p["objects"][0], p["objects"][1] + 1)
    reach = float(np.maximum(counts - 1, 0).mean() / counts.mean())
    if p["rates"]["occluded"] > reach + 1e-9:
        need = "images of 2 or more objects" if reach == 0 else f"a rate of at most {reach:g} with these counts"
        fix = "lower the rate"
        if reach == 0 and isinstance(given["edge_cases"], numbers.Real):  # one rate for all: no rate but 0 works
            fix = "give edge_cases by name, without occluded (one rate sets them all),"
        raise InvalidParameterError(f"edge_cases['occluded'] {p['rates']['occluded']:g} cannot be met with "
                                    f"objects_per_image {given['objects_per_image']!r}: the last object drawn "
                                    f"in an image is never hidden, so occluded objects need {need}; {fix} or "
                                    f"raise objects_per_image")
    p["occluder_rate"] = min(p["rates"]["occluded"] / reach, 1.0) if reach else 0.0
    p["min_visible"] = _number(given["min_visible"], "min_visible", 0, 1)
    if p["min_visible"] == 0:
        raise InvalidParameterError("min_visible must be above 0 (an object needs a visible pixel), got 0")
    if p["min_visible"] == 1 and (p["rates"]["truncated"] > 0 or p["rates"]["occluded"] > 0):
        raise InvalidParameterError("min_visible=1 leaves no object that can be truncated or occluded; lower "
                                    "min_visible or set those edge cases to 0")
    p["entropy"], p["spawn_key"] = _seed(given["random_state"])
    return p


def _pair(value, name, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, kind) and not isinstance(value, bool):
        value = (value, value)
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(isinstance(v, kind) and not isinstance(v, bool) for v in pair) \
            or not all(np.isfinite(float(v)) for v in pair):
        what = "an integer or two integers" if integer else "a number or two numbers"
        raise InvalidParameterError(f"{name} must be {what} (low, high), got {value!r}")
    return tuple(int(v) if integer else float(v) for v in pair)


def _number(value, name, low, high):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value <= high:
        raise InvalidParameterError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _weights(weights, n_classes):
    if weights is None:
        return np.full(n_classes, 1.0 / n_classes)
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"weights must be a list of {n_classes} numbers, got {weights!r}") from None
    if w.ndim != 1 or len(w) != n_classes:
        raise InvalidParameterError(f"weights must have one entry per class ({n_classes}), "
                                    f"got {len(np.atleast_1d(w))}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise InvalidParameterError(f"weights must be non-negative numbers, got {w.tolist()}")
    if abs(w.sum() - 1) > 1e-6:
        raise InvalidParameterError(f"weights must sum to 1, got {w.tolist()} (sum {w.sum():g}); "
                                    f"divide them by their sum")
    return w / w.sum()


def _edge_cases(edge_cases):
    if edge_cases is None:
        return dict.fromkeys(EDGE_CASES, 0.0)
    if isinstance(edge_cases, numbers.Real) and not isinstance(edge_cases, bool):
        rate = _number(edge_cases, "edge_cases", 0, 1)
        return dict.fromkeys(EDGE_CASES, rate)
    if not isinstance(edge_cases, dict):
        raise InvalidParameterError(f"edge_cases must be one rate or a dict of rates by name "
                                    f"({', '.join(EDGE_CASES)}), got {edge_cases!r}")
    rates = dict.fromkeys(EDGE_CASES, 0.0)
    for name, rate in edge_cases.items():
        if name not in EDGE_CASES:
            close = difflib.get_close_matches(str(name), EDGE_CASES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InvalidParameterError(f"edge_cases: unknown edge case {name!r}; {hint}choose from "
                                        f"{', '.join(EDGE_CASES)}")
        rates[name] = _number(rate, f"edge_cases[{name!r}]", 0, 1)
    return rates


def _seed(random_state):
    if random_state is None:
        return np.random.SeedSequence().entropy, ()
    if isinstance(random_state, np.random.SeedSequence):
        return random_state.entropy, tuple(random_state.spawn_key)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2 ** 63)), ()
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool) and random_state >= 0:
        return int(random_state), ()
    raise InvalidParameterError(f"random_state must be None, a non-negative integer, a SeedSequence or a "
                                f"Generator, got {random_state!r}")


def _provenance(p) -> dict:
    return {"size": list(p["size"]), "classes": list(p["classes"]), "weights": p["weights"].tolist(),
            "objects_per_image": list(p["objects"]), "channels": p["channels"],
            "object_size": list(p["object_size"]), "background": p["background"], "noise": p["noise"],
            "blur": p["blur"], "edge_cases": dict(p["rates"]), "min_visible": p["min_visible"],
            "random_state": {"entropy": p["entropy"], "spawn_key": list(p["spawn_key"])}}


# ------------------------------------------------------------------------------------------------ drawing
def _draw_image(index, rng, p):
    from skimage.filters import gaussian

    height, width = p["size"]
    rates = p["rates"]
    clutter = bool(rng.random() < rates["clutter"])
    background = "texture" if clutter else p["background"]
    canvas = _background(rng, background, height, width, p["channels"])
    if clutter:
        _add_clutter(rng, canvas)
    forced = p["forced"][index] if index < len(p["forced"]) else None
    empty = forced is None and bool(rng.random() < rates["empty"])
    low, high = p["objects"]
    count = 0 if empty else int(rng.integers(low, high + 1))
    if forced is not None:
        count = max(count, 1)
    labels = rng.choice(len(p["classes"]), size=count, p=p["weights"])
    if forced is not None:
        labels[0] = forced
    owner = np.zeros((height, width), dtype=np.int32)
    placed = []
    for label in labels:
        obj = _place_object(rng, p, int(label), placed, owner, canvas)
        if obj is None:
            continue
        obj["object"] = len(placed) + 1
        rr, cc = obj["inside"]
        owner[rr, cc] = obj["object"]
        canvas[rr, cc] = obj["rgb"]
        placed.append(obj)
    noisy = bool(rng.random() < rates["noisy"])
    blurred = bool(rng.random() < rates["blurred"])
    sd = max(p["noise"], NOISY_SD) if noisy else p["noise"]
    sigma = max(p["blur"], BLURRED_SIGMA) if blurred else p["blur"]
    if sigma > 0:
        canvas = gaussian(canvas, sigma=sigma, channel_axis=-1, preserve_range=True)
    if sd > 0:
        canvas = canvas + rng.normal(0.0, sd, canvas.shape)
    np.clip(canvas, 0.0, 1.0, out=canvas)
    objects = [_annotate(index, obj, owner, height, width) for obj in placed]
    image_row = {"image": index, "n_objects": len(placed), "background": background, "clutter": clutter,
                 "empty": empty, "noise": sd, "blur": sigma}
    return canvas, owner, objects, image_row


def _background(rng, kind, height, width, channels):
    if kind == "plain":
        return np.broadcast_to(rng.random(channels), (height, width, channels)).copy()
    if kind == "gradient":
        start, end = rng.random(channels), rng.random(channels)
        angle = rng.uniform(0, 2 * np.pi)
        rows, cols = np.mgrid[0:height, 0:width]
        t = np.cos(angle) * cols / max(width - 1, 1) + np.sin(angle) * rows / max(height - 1, 1)
        t = (t - t.min()) / max(np.ptp(t), 1e-12)
        return start + t[..., None] * (end - start)
    from skimage.filters import gaussian

    base = rng.uniform(0.2, 0.8, channels)
    smooth = gaussian(rng.standard_normal((height, width, channels)), sigma=max(min(height, width) / 12, 1.0),
                      channel_axis=-1)
    smooth = (smooth - smooth.mean()) / max(smooth.std(), 1e-12)
    grain = rng.standard_normal((height, width, channels))
    return np.clip(base + 0.12 * smooth + 0.04 * grain, 0.0, 1.0)


def _add_clutter(rng, canvas):
    """Unlabelled line segments of random colour, 1-2 pixels wide, on the background."""
    from skimage.draw import polygon

    height, width = canvas.shape[:2]
    for _ in range(int(rng.integers(4, 11))):
        r0, r1 = rng.uniform(0, height, 2)
        c0, c1 = rng.uniform(0, width, 2)
        length = max(np.hypot(r1 - r0, c1 - c0), 1e-6)
        half = rng.uniform(0.5, 1.0)
        dr, dc = -(c1 - c0) / length * half, (r1 - r0) / length * half
        rr, cc = polygon([r0 + dr, r1 + dr, r1 - dr, r0 - dr], [c0 + dc, c1 + dc, c1 - dc, c0 - dc],
                         shape=(height, width))
        canvas[rr, cc] = rng.random(canvas.shape[2])


def _place_object(rng, p, label, placed, owner, canvas):
    """Position, size, rotation and colour of one object that meets its edge cases, or None if none was found."""
    height, width = p["size"]
    rates = p["rates"]
    shape = p["classes"][label]
    tiny = bool(rng.random() < rates["tiny"])
    truncated = bool(rng.random() < rates["truncated"])
    occluding = bool(placed) and bool(rng.random() < p["occluder_rate"])
    low_contrast = bool(rng.random() < rates["low_contrast"])
    angle = float(rng.uniform(0, 360))
    aspect = float(rng.uniform(*ASPECT)) if shape in ("ellipse", "rectangle") else 1.0
    short = min(height, width)
    if tiny:
        diameter = float(rng.uniform(*TINY_DIAMETER))
    else:
        low, high = p["object_size"]
        diameter = max(float(rng.uniform(low, high)) * short, 3.0)
    full_areas = np.array([0] + [obj["full_area"] for obj in placed])
    visible = np.bincount(owner.ravel(), minlength=len(placed) + 1)
    for attempt in range(_ATTEMPTS):
        d = max(diameter * 0.93 ** attempt, 3.0)
        radius = d / 2
        if occluding:  # over an earlier object that nothing hides yet, if there is one
            targets = [obj for k, obj in enumerate(placed, 1) if visible[k] == obj["in_area"]] or placed
            target = targets[int(rng.integers(len(targets)))]
        if truncated:
            if occluding:  # on the border nearest the target, beside it
                ty, tx = target["centre"]
                side = int(np.argmin([ty, height - ty, tx, width - tx]))
            else:
                side = int(rng.integers(4))
            offset = float(rng.uniform(-0.3, 0.45)) * d  # centre this far inside the border (negative: outside)
            if occluding:
                along = (tx if side < 2 else ty) + float(rng.uniform(-0.5, 0.5)) * target["diameter"]
            else:
                along = float(rng.uniform(0, width if side < 2 else height))
            centre = {0: (offset, along), 1: (height - offset, along), 2: (along, offset),
                      3: (along, width - offset)}[side]
        elif occluding:
            direction = rng.uniform(0, 2 * np.pi)
            reach = float(rng.uniform(0.3, 0.8)) * (target["diameter"] + d) / 2
            centre = (target["centre"][0] + reach * np.sin(direction), target["centre"][1] + reach * np.cos(direction))
        else:
            if height < d + 2 or width < d + 2:
                continue
            centre = (float(rng.uniform(radius + 1, height - 1 - radius)),
                      float(rng.uniform(radius + 1, width - 1 - radius)))
        rr, cc = _rasterise(shape, centre, d, aspect, angle)
        if len(rr) == 0:
            continue
        inside = (rr >= 0) & (rr < height) & (cc >= 0) & (cc < width)
        n_inside = int(inside.sum())
        if n_inside < p["min_visible"] * len(rr) or n_inside == 0 or truncated != (n_inside < len(rr)):
            continue
        ri, ci = rr[inside], cc[inside]
        covered = np.bincount(owner[ri, ci], minlength=len(placed) + 1)
        covered[0] = 0
        if occluding != bool(covered.any()):
            continue
        left = visible - covered
        hit = covered > 0
        if (left[hit] < p["min_visible"] * full_areas[hit]).any():
            continue
        rgb, contrast = _colour(rng, canvas[ri, ci].mean(axis=0), low_contrast)
        return {"label": label, "centre": centre, "diameter": d, "angle": angle, "full": (rr, cc),
                "inside": (ri, ci), "full_area": len(rr), "in_area": n_inside, "rgb": rgb, "contrast": contrast,
                "tiny": tiny, "low_contrast": low_contrast}
    return None


def _rasterise(shape, centre, diameter, aspect, angle):
    """All pixels of the shape on an endless canvas (coordinates may be negative or past the image)."""
    from skimage.draw import ellipse, polygon

    radius = diameter / 2
    theta = np.deg2rad(angle)
    if shape in ("circle", "ellipse"):
        # the ellipse's corner-to-corner "diameter" is its long axis
        r_long, r_short = radius, radius * (aspect if shape == "ellipse" else 1.0)
        vertices = None
    else:
        vertices = _vertices(shape, aspect)  # unit circumradius, (x, y) around the origin
    # draw in a local frame with non-negative coordinates: skimage clips negatives away
    top = int(np.floor(centre[0] - radius)) - 2
    left = int(np.floor(centre[1] - radius)) - 2
    extent = int(np.ceil(diameter)) + 5
    r0, c0 = centre[0] - top, centre[1] - left
    if vertices is None:
        rr, cc = ellipse(r0, c0, r_short, r_long, shape=(extent, extent), rotation=theta)
    else:
        x, y = vertices[:, 0] * radius, vertices[:, 1] * radius
        xr = x * np.cos(theta) - y * np.sin(theta)
        yr = x * np.sin(theta) + y * np.cos(theta)
        rr, cc = polygon(r0 + yr, c0 + xr, shape=(extent, extent))
    return rr.astype(np.int64) + top, cc.astype(np.int64) + left


def _vertices(shape, aspect):
    if shape == "square":
        a = np.pi / 4 + np.arange(4) * np.pi / 2
        return np.column_stack([np.cos(a), np.sin(a)])
    if shape == "rectangle":
        half = np.arctan(aspect)  # corners on the unit circle, short/long side = aspect
        a = np.array([half, np.pi - half, np.pi + half, -half])
        return np.column_stack([np.cos(a), np.sin(a)])
    if shape == "triangle":
        a = -np.pi / 2 + np.arange(3) * 2 * np.pi / 3
        return np.column_stack([np.cos(a), np.sin(a)])
    if shape == "star":
        a = -np.pi / 2 + np.arange(10) * np.pi / 5
        r = np.where(np.arange(10) % 2 == 0, 1.0, 0.45)
        return np.column_stack([r * np.cos(a), r * np.sin(a)])
    # cross: two bars of width 0.6 of the side, corners on the unit circle
    w = 0.3 / np.hypot(1.0, 0.3)
    s = 1.0 / np.hypot(1.0, 0.3)
    return np.array([[w, s], [w, w], [s, w], [s, -w], [w, -w], [w, -s], [-w, -s], [-w, -w], [-s, -w], [-s, w],
                     [-w, w], [-w, s]])


def _colour(rng, under, low_contrast):
    """A fill colour and its RMS difference from ``under`` (the mean colour it is drawn over)."""
    channels = len(under)
    if low_contrast:
        target = float(rng.uniform(*LOW_CONTRAST))
        direction = rng.standard_normal(channels)
        direction /= max(np.linalg.norm(direction), 1e-12)
        step = direction * target * np.sqrt(channels)
        rgb = np.where((under + step > 1) | (under + step < 0), under - step, under + step)
        rgb = np.clip(rgb, 0.0, 1.0)
    else:
        for _ in range(20):
            rgb = rng.random(channels)
            if np.sqrt(np.mean((rgb - under) ** 2)) >= MIN_CONTRAST:
                break
        else:  # towards the far end of every channel
            rgb = np.where(under < 0.5, rng.uniform(0.8, 1.0, channels), rng.uniform(0.0, 0.2, channels))
    return rgb, float(np.sqrt(np.mean((rgb - under) ** 2)))


def _annotate(index, obj, owner, height, width):
    rr, cc = obj["full"]
    rows, cols = np.nonzero(owner == obj["object"])
    area = len(rows)
    rgb = np.round(np.clip(obj["rgb"], 0, 1) * 255).astype(int)
    if len(rgb) == 1:
        rgb = np.repeat(rgb, 3)
    return {"image": index, "object": obj["object"], "label": obj["label"], "x0": int(cols.min()),
            "y0": int(rows.min()), "x1": int(cols.max()) + 1, "y1": int(rows.max()) + 1, "area": area,
            "full_x0": int(cc.min()), "full_y0": int(rr.min()), "full_x1": int(cc.max()) + 1,
            "full_y1": int(rr.max()) + 1, "full_area": obj["full_area"],
            "visible_fraction": area / obj["full_area"], "truncated": obj["in_area"] < obj["full_area"],
            "occluded": area < obj["in_area"], "tiny": obj["tiny"], "low_contrast": obj["low_contrast"],
            "contrast": obj["contrast"], "diameter": obj["diameter"], "angle": obj["angle"],
            "colour": "#" + "".join(f"{v:02x}" for v in rgb)}


def _annotation_frame(rows, classes) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[c for c in ANNOTATION_COLUMNS if c != "category_id"])
    codes = df["label"].to_numpy(np.int64)
    df["label"] = pd.Categorical.from_codes(codes, categories=list(classes))
    df.insert(3, "category_id", codes + 1)
    return _annotation_dtypes(df)


def _annotation_dtypes(df):
    ints = ["image", "object", "category_id", "x0", "y0", "x1", "y1", "area", "full_x0", "full_y0", "full_x1",
            "full_y1", "full_area"]
    df = df.astype({**dict.fromkeys(ints, np.int64), **dict.fromkeys(["truncated", "occluded", "tiny",
                                                                        "low_contrast"], bool),
                    **dict.fromkeys(["visible_fraction", "contrast", "diameter", "angle"], np.float64),
                    "colour": object})
    return df.reset_index(drop=True)


def _image_frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=IMAGE_COLUMNS)
    return df.astype({"image": np.int64, "n_objects": np.int64, "background": object, "clutter": bool,
                      "empty": bool, "noise": np.float64, "blur": np.float64})
