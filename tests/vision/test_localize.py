"""find_objects, match_objects and segmentation_scores on hand-computed examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthlearn.errors import ColumnError, DataError, InvalidParameterError
from synthlearn.vision import box_iou, find_objects, match_objects, segmentation_scores


def test_find_objects_boxes_areas_centroids():
    label_map = np.zeros((5, 7), dtype=int)
    label_map[0:2, 0:3] = 1       # class 1, 6 pixels, box x 0..3, y 0..2
    label_map[4, 6] = 1           # class 1, one pixel (dropped by min_area=2)
    label_map[2:5, 4:6] = 2       # class 2, 6 pixels
    label_map[3, 0] = label_map[4, 1] = 2  # diagonal neighbours: one object with connectivity 2, two with 1
    objects = find_objects(label_map, min_area=2)
    assert objects[["class", "object", "x0", "y0", "x1", "y1", "area"]].values.tolist() == [
        [1, 1, 0, 0, 3, 2, 6], [2, 1, 4, 2, 6, 5, 6], [2, 2, 0, 3, 2, 5, 2]]  # in order of first pixel, row by row
    assert objects.loc[0, ["centroid_x", "centroid_y"]].tolist() == [1.5, 1.0]
    assert len(find_objects(label_map)) == 4
    assert len(find_objects(label_map, connectivity=1)) == 5
    assert len(find_objects(label_map, background=(0, 2))) == 2
    assert find_objects(np.zeros((3, 3))).empty


def test_find_objects_bad_input():
    with pytest.raises(DataError, match="2-D label map"):
        find_objects(np.zeros((2, 3, 3)))
    with pytest.raises(InvalidParameterError, match="min_area=0"):
        find_objects(np.zeros((3, 3)), min_area=0)


def test_box_iou_by_hand():
    iou = box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6]])
    np.testing.assert_allclose(iou, [[1 / 7, 1.0, 0.0]])


def test_match_objects_greedy_by_score():
    truth = pd.DataFrame({"class": ["car", "car", "tree"], "x0": [0, 10, 0], "y0": [0, 0, 10],
                          "x1": [4, 14, 4], "y1": [4, 4, 14]})
    predicted = pd.DataFrame({
        "class": ["car", "car", "car", "tree"], "score": [0.9, 0.8, 0.7, 0.5],
        "x0": [0, 0, 10, 20], "y0": [0, 1, 0, 20], "x1": [4, 4, 14, 24], "y1": [4, 4, 3, 24]})
    # car: 0.9 takes truth 0 (IoU 1); 0.8 overlaps only truth 0 (taken): false positive; 0.7 matches truth 1
    # (IoU 12/16 = 0.75); tree: no overlap: one false positive, one false negative
    table = match_objects(predicted, truth)
    assert table.loc["car", ["tp", "fp", "fn"]].tolist() == [2, 1, 0]
    assert table.loc["car", "mean_iou"] == pytest.approx((1 + 0.75) / 2)
    assert table.loc["tree", ["tp", "fp", "fn"]].tolist() == [0, 1, 1]
    assert np.isnan(table.loc["tree", "mean_iou"])
    row = table.loc["all"]
    assert row[["tp", "fp", "fn"]].tolist() == [2, 2, 1]
    assert row["precision"] == pytest.approx(0.5) and row["recall"] == pytest.approx(2 / 3)
    assert row["f1"] == pytest.approx(2 * 2 / (2 * 2 + 2 + 1))
    assert match_objects(predicted, truth, iou=0.8).loc["car", "tp"] == 1  # 0.75 no longer enough


def test_match_objects_from_label_maps_and_bad_input():
    truth = np.zeros((6, 6), dtype=int)
    truth[0:2, 0:2] = 1
    truth[3:6, 3:6] = 1
    predicted = np.zeros((6, 6), dtype=int)
    predicted[0:2, 0:3] = 1
    table = match_objects(predicted, truth)
    assert table.loc[1, ["tp", "fp", "fn"]].tolist() == [1, 0, 1]
    assert table.loc[1, "mean_iou"] == pytest.approx(4 / 6)
    with pytest.raises(ColumnError, match="x1"):
        match_objects(pd.DataFrame({"class": [1], "x0": [0], "y0": [0], "y1": [1]}), truth)
    with pytest.raises(InvalidParameterError, match="iou=0"):
        match_objects(predicted, truth, iou=0)


def test_match_objects_within_each_image_when_tables_have_an_image_column():
    box = {"x0": [0], "y0": [0], "x1": [4], "y1": [4]}
    truth = pd.concat([pd.DataFrame({"image": ["a"], "class": ["car"], **box}),
                       pd.DataFrame({"image": ["b"], "class": ["tree"], **box})])
    predicted = pd.concat([pd.DataFrame({"image": ["a"], "class": ["car"], **box}),
                           pd.DataFrame({"image": ["c"], "class": ["tree"], **box})])
    table = match_objects(predicted, truth)  # the same box, but the tree was predicted in another image
    assert table.loc["car", ["tp", "fp", "fn"]].tolist() == [1, 0, 0]
    assert table.loc["tree", ["tp", "fp", "fn"]].tolist() == [0, 1, 1]
    pooled = match_objects(predicted.drop(columns="image"), truth.drop(columns="image"))
    assert pooled.loc["all", "tp"] == 2  # without the column, one image
    # the same as matching image by image and adding the counts up
    per_image = sum(match_objects(predicted[predicted.image == i].drop(columns="image"),
                                  truth[truth.image == i].drop(columns="image")).loc["all", ["tp", "fp", "fn"]]
                    for i in ("a", "b", "c"))
    assert per_image.tolist() == table.loc["all", ["tp", "fp", "fn"]].tolist()
    with pytest.raises(ColumnError, match="predicted has an image column and truth has none"):
        match_objects(predicted, truth.drop(columns="image"))


def test_segmentation_scores_by_hand():
    truth = np.array([[1, 1, 2, 2], [1, 1, 2, 0]])
    predicted = np.array([[1, 2, 2, 2], [1, 1, 3, 3]])
    s = segmentation_scores(predicted, truth, ignore=0)  # the last pixel is not scored
    # class 1: tp 3, fn 1, fp 0 -> 3/4; class 2: tp 2, fp 1, fn 1 -> 2/4; class 3: only predicted -> 0
    assert s.pixel_accuracy == pytest.approx(5 / 7)
    assert s.per_class["iou"].tolist() == pytest.approx([0.75, 0.5, 0.0])
    assert s.mean_iou == pytest.approx(0.625)  # classes of the truth only
    assert s.confusion.to_numpy().tolist() == [[3, 1, 0], [0, 2, 1], [0, 0, 0]]
    assert s.to_dict()["per_class"]["1"]["iou"] == 0.75
    counts = s.to_dict()["per_class"]["1"]
    assert type(counts["support"]) is int and type(counts["predicted"]) is int  # JSON wrote 3.0 pixels
    with pytest.raises(DataError, match="same shape"):
        segmentation_scores(predicted[:1], truth)
    with pytest.raises(DataError, match="every true pixel is ignored"):
        segmentation_scores(truth, truth, ignore=(0, 1, 2))
