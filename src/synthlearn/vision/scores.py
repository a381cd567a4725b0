"""Segmentation scores: how well a predicted label map agrees with the true one, pixel by pixel.

Per-class intersection over union (the Jaccard index), their mean, and pixel accuracy, from one
confusion matrix, as reported by the PASCAL VOC segmentation challenge (Everingham et al., IJCV 88,
2010) and Long, Shelhamer & Darrell, "Fully convolutional networks for semantic segmentation" (CVPR 2015).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthlearn.errors import DataError


@dataclass
class SegmentationScores:
    """The scores of a predicted label map against the truth.

    Attributes
    ----------
    pixel_accuracy : float
        Fraction of scored pixels whose predicted class is the true one.
    mean_iou : float
        Mean of ``per_class["iou"]`` over the classes of the truth.
    per_class : pandas.DataFrame
        Indexed by class: ``iou``, ``precision``, ``recall``, ``support`` (true pixels), ``predicted``.
    confusion : pandas.DataFrame
        Pixel counts, rows = true class, columns = predicted class.
    """

    pixel_accuracy: float
    mean_iou: float
    per_class: object
    confusion: object

    def to_dict(self) -> dict:
        """Plain JSON-ready values: floats, per-class dicts keyed by the class as text, nested lists."""
        def plain(v):
            return None if isinstance(v, float) and np.isnan(v) else v

        return {
            "pixel_accuracy": self.pixel_accuracy,
            "mean_iou": plain(self.mean_iou),
            "per_class": {str(c): {k: plain(v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                          for c, row in self.per_class.to_dict(orient="index").items()},  # counts stay ints
            "confusion": {"labels": [str(c) for c in self.confusion.index],
                          "predicted_labels": [str(c) for c in self.confusion.columns],
                          "counts": self.confusion.to_numpy().tolist()},
        }


def segmentation_scores(predicted, truth, *, ignore=None) -> SegmentationScores:
    """Per-class IoU, mean IoU, pixel accuracy and the confusion matrix of two label maps.

    Parameters
    ----------
    predicted, truth : array-like of shape (H, W)
        Label maps of the same shape (or any two arrays of the same shape: a stack of maps).
    ignore : label, sequence of labels or None, default=None
        True-map value(s) not scored (unlabelled pixels, such as 0). NaN in a float truth is never scored.

    Returns
    -------
    SegmentationScores
        The IoU of a class is ``TP / (TP + FP + FN)`` over pixels; the mean IoU averages the classes
        present in the truth (a class only predicted counts in every class's false positives, and has
        a row with IoU 0 and no support, but does not enter the mean).

    Examples
    --------
    >>> from synthlearn.vision import segmentation_scores
    >>> s = segmentation_scores([[1, 1, 2, 2]], [[1, 2, 2, 2]])
    >>> s.pixel_accuracy, round(s.mean_iou, 4), s.per_class["iou"].tolist()
    (0.75, 0.5833, [0.5, 0.6666666666666666])
    """
    import pandas as pd

    from synthlearn.vision.raster import _unlabelled_mask

    predicted, truth = np.asarray(predicted), np.asarray(truth)
    if predicted.shape != truth.shape:
        raise DataError(f"the predicted map has shape {predicted.shape}, the true map {truth.shape}; give maps of "
                        f"the same shape")
    if truth.size == 0:
        raise DataError("the label maps have no pixels; give non-empty maps")
    keep = ~_unlabelled_mask(truth, ignore)
    if not keep.any():
        raise DataError(f"every true pixel is ignored (ignore={ignore!r}); give a truth with labelled pixels")
    p, t = predicted[keep].ravel(), truth[keep].ravel()
    try:
        classes = np.union1d(np.unique(t), np.unique(p))
    except TypeError:
        raise DataError("the predicted and true labels are of different types (numbers and text); give maps "
                        "with the same kind of labels") from None
    true_codes = np.searchsorted(classes, t)
    pred_codes = np.searchsorted(classes, p)
    k = len(classes)
    matrix = np.bincount(true_codes * k + pred_codes, minlength=k * k).reshape(k, k)
    tp = np.diag(matrix).astype(np.float64)
    support, predicted_count = matrix.sum(axis=1), matrix.sum(axis=0)
    union = support + predicted_count - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, tp / union, np.nan)
        precision = np.where(predicted_count > 0, tp / predicted_count, np.nan)
        recall = np.where(support > 0, tp / support, np.nan)
    index = pd.Index(classes.tolist(), name="class")
    per_class = pd.DataFrame({"iou": iou, "precision": precision, "recall": recall, "support": support,
                              "predicted": predicted_count}, index=index)
    confusion = pd.DataFrame(matrix, index=index, columns=pd.Index(classes.tolist(), name="predicted"))
    present = support > 0
    return SegmentationScores(pixel_accuracy=float(tp.sum() / matrix.sum()),
                              mean_iou=float(iou[present].mean()), per_class=per_class, confusion=confusion)
