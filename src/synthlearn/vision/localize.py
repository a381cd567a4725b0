"""Localization: the objects of a label map as boxes, and detections matched against the truth.

Objects are the connected components of each class (:func:`skimage.measure.label`, measured by
:func:`skimage.measure.regionprops`); detections are matched to true objects greedily by box
intersection over union, one class at a time, with the 0.5 threshold of the PASCAL VOC challenge
(Everingham et al., "The PASCAL Visual Object Classes (VOC) challenge", IJCV 88, 2010) and the matching
of COCO's evaluation (a prediction whose best true object is taken may match the next best).

Boxes are in pixel-edge coordinates: ``x0, y0`` is the top-left corner of the first pixel (column,
row), ``x1, y1`` the bottom-right corner of the last, so ``x1 - x0`` is the width in pixels.
"""

from __future__ import annotations

import numbers

import numpy as np

from synthlearn.errors import ColumnError, DataError, InvalidParameterError

#: Columns of :func:`find_objects`' table.
OBJECT_COLUMNS = ("class", "object", "x0", "y0", "x1", "y1", "area", "centroid_x", "centroid_y")
_BOX = ["x0", "y0", "x1", "y1"]


def _check_label_map(label_map, name):
    array = np.asarray(label_map)
    if array.ndim != 2 or 0 in array.shape:
        raise DataError(f"{name} has shape {array.shape}; give a 2-D label map (H, W) with pixels")
    return array


def find_objects(label_map, *, min_area: int = 1, background=0, connectivity: int = 2):
    """The objects of a label map: connected regions of each class, with box, area and centroid.

    Parameters
    ----------
    label_map : array-like of shape (H, W)
        A class per pixel (predicted or true); any label type.
    min_area : int, default=1
        Objects of fewer pixels are dropped (noise in a predicted map).
    background : label, sequence of labels or None, default=0
        Value(s) that are no object (for example ``(0, -1)`` to drop unclassified pixels too).
    connectivity : {1, 2}, default=2
        1: pixels touching by an edge are one object; 2: by an edge or a corner.

    Returns
    -------
    objects : pandas.DataFrame
        One row per object, by class, then by first pixel (row by row): ``class``, ``object`` (1, 2, ... within its
        class), box ``x0, y0, x1, y1`` (pixel edges: ``x1 - x0`` is the width), ``area`` (pixels),
        ``centroid_x``, ``centroid_y`` (pixel centres at i + 0.5).

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.vision import find_objects
    >>> label_map = np.zeros((4, 6), dtype=int)
    >>> label_map[0:2, 0:2] = 1; label_map[1:4, 3:6] = 2
    >>> find_objects(label_map)[["class", "x0", "y0", "x1", "y1", "area"]]
       class  x0  y0  x1  y1  area
    0      1   0   0   2   2     4
    1      2   3   1   6   4     9
    """
    import pandas as pd
    from skimage.measure import label, regionprops

    label_map = _check_label_map(label_map, "label_map")
    if isinstance(min_area, bool) or not isinstance(min_area, numbers.Integral) or min_area < 1:
        raise InvalidParameterError(f"min_area={min_area!r} is invalid; give a whole number of pixels >= 1")
    if connectivity not in (1, 2):
        raise InvalidParameterError(f"connectivity={connectivity!r} is invalid; give 1 (edges) or 2 (edges and "
                                    f"corners)")
    from synthlearn.vision.raster import _unlabelled_mask

    foreground = ~_unlabelled_mask(label_map, background)
    rows = []
    for cls in np.unique(label_map[foreground]):
        components = label((label_map == cls) & foreground, connectivity=connectivity)
        number = 0
        for region in regionprops(components):
            if region.area < min_area:
                continue
            number += 1
            r0, c0, r1, c1 = region.bbox
            cy, cx = region.centroid
            rows.append((cls.item() if hasattr(cls, "item") else cls, number, c0, r0, c1, r1, int(region.area),
                         cx + 0.5, cy + 0.5))
    table = pd.DataFrame(rows, columns=list(OBJECT_COLUMNS))
    return table.astype({c: np.int64 for c in ("object", *_BOX, "area")})


def box_iou(boxes_a, boxes_b) -> np.ndarray:
    """Intersection over union of every box of ``boxes_a`` (n, 4) with every box of ``boxes_b`` (m, 4),
    boxes as ``x0, y0, x1, y1`` pixel edges; shape (n, m)."""
    a = np.asarray(boxes_a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(boxes_b, dtype=np.float64).reshape(-1, 4)
    width = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    height = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = width * height
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def _as_objects(objects, name, min_area, background):
    import pandas as pd

    if isinstance(objects, pd.DataFrame):
        missing = [c for c in ("class", *_BOX) if c not in objects.columns]
        if missing:
            raise ColumnError(f"{name} lacks the column(s) {missing}; give a table from find_objects (class, x0, "
                              f"y0, x1, y1, optional score) or a label map")
        return objects.reset_index(drop=True)
    return find_objects(objects, min_area=min_area, background=background)


def match_objects(predicted, truth, *, iou: float = 0.5, min_area: int = 1, background=0):
    """Detection scores: predicted objects matched one-to-one to true objects of the same class by box IoU.

    Within each class, predictions are taken in order of decreasing ``score`` (when the table has that
    column; else decreasing area) and each is matched to the still unmatched true object it overlaps
    most, if their IoU is at least ``iou`` (greedy matching, as COCO's evaluation does; PASCAL VOC's would
    count a prediction whose best true object is already matched as false). A matched prediction is a
    true positive, an unmatched one a false positive, an unmatched true object a false negative.

    Parameters
    ----------
    predicted, truth : pandas.DataFrame or array-like of shape (H, W)
        Tables of objects (:func:`find_objects`; columns ``class, x0, y0, x1, y1``, optional ``score``),
        or label maps, whose objects are found with ``min_area`` and ``background``. Tables of many images
        carry an ``image`` column (both tables, or neither): objects then match only within one image, and
        the counts add up over the images.
    iou : float in (0, 1], default=0.5
        The least box IoU for a match (PASCAL VOC's 0.5).
    min_area, background
        Passed to :func:`find_objects` for label maps.

    Returns
    -------
    scores : pandas.DataFrame
        One row per class (those in either input) and a last row ``"all"`` (all classes pooled), with
        ``tp``, ``fp``, ``fn``, ``precision`` (tp / predicted), ``recall`` (tp / true), ``f1`` and
        ``mean_iou`` (over the matched pairs; NaN without any). Precision or recall with nothing to
        divide by is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.vision import match_objects
    >>> truth = np.zeros((6, 6), dtype=int); truth[0:2, 0:2] = 1; truth[3:6, 3:6] = 1
    >>> predicted = np.zeros((6, 6), dtype=int); predicted[0:2, 0:3] = 1
    >>> match_objects(predicted, truth)  # doctest: +NORMALIZE_WHITESPACE
           tp  fp  fn  precision  recall        f1  mean_iou
    class
    1       1   0   1        1.0     0.5  0.666667  0.666667
    all     1   0   1        1.0     0.5  0.666667  0.666667
    """
    import pandas as pd

    if isinstance(iou, bool) or not isinstance(iou, numbers.Real) or not 0 < iou <= 1:
        raise InvalidParameterError(f"iou={iou!r} is invalid; give a threshold in (0, 1] such as 0.5")
    predicted = _as_objects(predicted, "predicted", min_area, background)
    truth = _as_objects(truth, "truth", min_area, background)
    by_image = "image" in predicted.columns and "image" in truth.columns
    if ("image" in predicted.columns) != ("image" in truth.columns):
        has, lacks = ("predicted", "truth") if "image" in predicted.columns else ("truth", "predicted")
        raise ColumnError(f"{has} has an image column and {lacks} has none; give both tables one (objects match "
                          f"within an image), or neither")
    classes = sorted(set(predicted["class"].tolist()) | set(truth["class"].tolist()), key=lambda c: (str(type(c)), c))
    rows, all_ious = {}, []
    totals = np.zeros(3, dtype=np.int64)
    for cls in classes:
        pred = predicted[predicted["class"] == cls]
        true = truth[truth["class"] == cls]
        ious = []
        if by_image:
            true_by_image = dict(tuple(true.groupby("image", sort=False)))
            for image, pred_in_image in pred.groupby("image", sort=False):
                if image in true_by_image:
                    ious += _match(pred_in_image, true_by_image[image], iou)
        else:
            ious = _match(pred, true, iou)
        tp = len(ious)
        counts = np.array([tp, len(pred) - tp, len(true) - tp])
        totals += counts
        all_ious += ious
        rows[cls] = _scores(counts, ious)
    rows["all"] = _scores(totals, all_ious)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "class"
    return table.astype({"tp": np.int64, "fp": np.int64, "fn": np.int64})


def _match(pred, true, iou) -> list:
    """The IoUs of the greedy one-to-one matches of one class's predicted and true objects (of one image)."""
    if "score" in pred.columns:
        pred = pred.sort_values("score", ascending=False, kind="stable")
    else:
        pred = pred.assign(_size=(pred["x1"] - pred["x0"]) * (pred["y1"] - pred["y0"]))
        pred = pred.sort_values("_size", ascending=False, kind="stable")
    overlaps = box_iou(pred[_BOX].to_numpy(), true[_BOX].to_numpy())
    free = np.ones(len(true), dtype=bool)
    ious = []
    for i in range(len(pred)):
        if not free.any():
            break
        candidates = np.where(free, overlaps[i], -1.0)
        j = int(np.argmax(candidates))
        if candidates[j] >= iou:
            free[j] = False
            ious.append(candidates[j])
    return ious


def _scores(counts, ious):
    tp, fp, fn = (int(v) for v in counts)
    precision = tp / (tp + fp) if tp + fp else np.nan
    recall = tp / (tp + fn) if tp + fn else np.nan
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else np.nan
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1,
            "mean_iou": float(np.mean(ious)) if ious else np.nan}
