"""make_images: masks agree with annotations, edge cases happen as asked, seeds, folders, bad input, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthlearn.cli.main import app
from synthlearn.errors import DataError, FileFormatError, InvalidParameterError
from synthlearn.generate import (LabelledImages, generate_labelled_images, make_images, read_labelled_images,
                                 write_labelled_images)
from synthlearn.generate.images import SHAPES, _digits, _rasterise, rle_encode

ALL_CASES = {"truncated": 0.3, "occluded": 0.3, "tiny": 0.2, "low_contrast": 0.2, "noisy": 0.2, "blurred": 0.2,
             "clutter": 0.3, "empty": 0.1}


@pytest.fixture(scope="module")
def mixed():
    return make_images(40, size=(32, 40), classes=SHAPES, objects_per_image=(0, 4), edge_cases=ALL_CASES,
                       random_state=3)


def rle_decode(counts, shape):
    """Obviously correct: alternate runs of 0 and 1, column-major."""
    flat = []
    for k, run in enumerate(counts):
        flat += [k % 2] * run
    return np.array(flat, dtype=bool).reshape(shape, order="F")


def test_shapes_dtypes_and_ranges():
    rgb = make_images(5, size=(24, 30), random_state=0)
    assert isinstance(rgb, LabelledImages) and len(rgb) == 5
    assert rgb.images.shape == (5, 3, 24, 30) and rgb.images.dtype == np.float64
    assert rgb.masks.shape == (5, 24, 30) and rgb.masks.dtype == np.int32
    assert 0 <= rgb.images.min() and rgb.images.max() <= 1
    grey = make_images(5, size=16, channels=1, noise=0.3, random_state=0)
    assert grey.images.shape == (5, 16, 16) and 0 <= grey.images.min() and grey.images.max() <= 1
    assert list(rgb.image_info.columns) == ["image", "n_objects", "background", "clutter", "empty", "noise", "blur"]
    assert rgb.annotations["label"].dtype == "category"
    assert list(rgb.annotations["label"].cat.categories) == ["circle", "square", "triangle"]


def test_masks_agree_with_annotations(mixed):
    ann, masks = mixed.annotations, mixed.masks
    height, width = masks.shape[1:]
    assert len(ann) > 50
    for i in range(len(mixed)):
        rows = ann[ann["image"] == i]
        # ids are 1..k, every mask pixel belongs to an annotated object
        assert rows["object"].tolist() == list(range(1, len(rows) + 1))
        assert set(np.unique(masks[i])) <= {0, *rows["object"]}
        assert mixed.image_info.loc[i, "n_objects"] == len(rows)
    for row in ann.itertuples():
        r, c = np.nonzero(masks[row.image] == row.object)
        assert (row.x0, row.y0, row.x1, row.y1) == (c.min(), r.min(), c.max() + 1, r.max() + 1)
        assert row.area == len(r)
        assert row.visible_fraction == pytest.approx(row.area / row.full_area)
        assert row.visible_fraction >= 0.25  # min_visible
        outside = row.full_x0 < 0 or row.full_y0 < 0 or row.full_x1 > width or row.full_y1 > height
        assert row.truncated == outside
        assert row.full_x0 <= row.x0 and row.full_y0 <= row.y0 and row.x1 <= row.full_x1 and row.y1 <= row.full_y1
        if not row.truncated and not row.occluded:
            assert row.area == row.full_area
    assert ann["truncated"].any() and ann["occluded"].any() and ann["tiny"].any() and ann["low_contrast"].any()


def test_semantic_map_is_the_category_of_each_visible_pixel(mixed):
    semantic = mixed.semantic
    assert semantic.shape == mixed.masks.shape
    assert ((semantic == 0) == (mixed.masks == 0)).all()
    for row in mixed.annotations.itertuples():
        assert (semantic[row.image][mixed.masks[row.image] == row.object] == row.category_id).all()
        assert mixed.classes[row.category_id - 1] == row.label


def test_truncated_objects_touch_the_border_and_nothing_else_does():
    data = make_images(30, size=32, objects_per_image=(1, 3), edge_cases={"truncated": 0.5}, random_state=1)
    ann = data.annotations
    assert 0.25 < ann["truncated"].mean() < 0.75 and not ann["occluded"].any()
    for row in ann.itertuples():
        on_border = row.x0 == 0 or row.y0 == 0 or row.x1 == 32 or row.y1 == 32
        assert on_border == row.truncated
        assert (row.visible_fraction < 1) == row.truncated


def test_occluded_objects_lose_pixels_to_later_ones():
    data = make_images(30, size=40, objects_per_image=(2, 4), edge_cases={"occluded": 0.6}, random_state=2)
    ann = data.annotations
    assert ann["occluded"].sum() >= 5 and not ann["truncated"].any()
    for row in ann.itertuples():
        mask = data.masks[row.image]
        box = mask[row.full_y0:row.full_y1, row.full_x0:row.full_x1]
        later = int((box > row.object).sum())
        if row.occluded:
            assert row.area < row.full_area
            assert later >= row.full_area - row.area  # the lost pixels lie under later objects
            assert data.image_info.loc[row.image, "n_objects"] > row.object
        else:
            assert row.area == row.full_area
    # without the edge case objects are placed apart
    clean = make_images(30, size=40, objects_per_image=(2, 4), random_state=2).annotations
    assert not clean["occluded"].any() and not clean["truncated"].any() and (clean["visible_fraction"] == 1).all()


@pytest.mark.parametrize("objects, cases", [((1, 3), {"occluded": 0.4}), ((2, 4), {"occluded": 0.6}),
                                            ((1, 3), {"occluded": 0.3, "truncated": 0.3})])
def test_the_fraction_of_occluded_objects_is_the_rate_asked(objects, cases):
    ann = make_images(150, size=48, objects_per_image=objects, edge_cases=cases, random_state=1).annotations
    for name, rate in cases.items():
        assert ann[name].mean() == pytest.approx(rate, abs=0.06), name


def test_an_occluded_rate_the_object_counts_cannot_meet_is_refused():
    with pytest.raises(InvalidParameterError, match=r"edge_cases\['occluded'\] 0.1 .* objects_per_image 1: "
                                                    r".* images of 2 or more objects"):
        make_images(5, objects_per_image=1, edge_cases={"occluded": 0.1})
    with pytest.raises(InvalidParameterError, match="a rate of at most 0.5 with these counts; lower the rate"):
        make_images(5, edge_cases=0.6)
    # one rate for every edge case: no rate but 0 meets occluded, so the fix is to name the others
    result = invoke("generate", "images", "--rows", 3, "--objects", 1, "--edge-cases", "0.1", "--out", "never-written")
    assert result.exit_code == 1 and ("give --edge-cases by name, without occluded (one rate sets them all), or raise "
                                      "--objects") in result.stderr, result.stderr
    result = invoke("generate", "images", "--rows", 3, "--objects", 1, "--edge-cases", "occluded=0.2",
                    "--out", "never-written")
    assert result.exit_code == 1 and "--edge-cases" in result.stderr and "--objects" in result.stderr


def test_rasterised_circle_matches_a_numpy_disk_even_across_the_border():
    for centre, diameter in [((-2.3, 5.6), 12.0), ((10.5, 31.2), 7.4), ((3.0, 3.0), 3.0)]:
        rr, cc = _rasterise("circle", centre, diameter, 1.0, 37.0)
        r, c = np.mgrid[-30:60, -30:60]
        d = ((r - centre[0]) ** 2 + (c - centre[1]) ** 2) / (diameter / 2) ** 2
        got = np.zeros(d.shape, dtype=bool)
        got[rr + 30, cc + 30] = True
        clear = np.abs(d - 1) > 1e-9  # a pixel centre on the circle itself may fall either way in floating point
        assert (got == (d < 1))[clear].all() and got.sum() > 0


def test_every_shape_is_drawn_with_the_pixels_it_should_have():
    for shape in SHAPES:
        rr, cc = _rasterise(shape, (20.0, 20.0), 20.0, 0.5, 0.0)
        assert 10 <= rr.min() and rr.max() < 30 and 10 <= cc.min() and cc.max() < 30
        area = len(rr)
        expected = {"circle": np.pi * 100, "ellipse": np.pi * 50, "square": 200, "rectangle": 400 * 0.4,
                    "triangle": 3 * np.sqrt(3) / 4 * 100, "star": None, "cross": None}[shape]
        if expected is not None:
            assert area == pytest.approx(expected, rel=0.15), shape
    # rotation keeps the area
    a0 = len(_rasterise("star", (30.0, 30.0), 30.0, 1.0, 0.0)[0])
    a1 = len(_rasterise("star", (30.0, 30.0), 30.0, 1.0, 33.0)[0])
    assert a1 == pytest.approx(a0, rel=0.05)


def test_edge_case_flags_and_image_level_cases():
    data = make_images(60, size=32, objects_per_image=(1, 3), edge_cases={"tiny": 0.3, "low_contrast": 0.3,
                       "noisy": 0.3, "blurred": 0.3, "clutter": 0.3, "empty": 0.3}, random_state=4)
    ann, info = data.annotations, data.image_info
    tiny = ann[ann["tiny"]]
    assert len(tiny) and (tiny["diameter"].between(3, 6)).all() and (tiny["full_area"] <= 36).all()
    low = ann["low_contrast"]
    assert low.any() and (ann.loc[low, "contrast"] <= 0.08 + 1e-9).all() and (ann.loc[low, "contrast"] > 0.02).all()
    assert (ann.loc[~low, "contrast"] >= 0.25).all()
    assert set(info.loc[info["noise"] > 0, "noise"]) == {0.12} and 5 < (info["noise"] > 0).sum() < 35
    assert set(info.loc[info["blur"] > 0, "blur"]) == {1.5}
    assert (info.loc[info["clutter"], "background"] == "texture").all() and info["clutter"].any()
    empty = info["empty"]
    assert empty.any() and (info.loc[empty, "n_objects"] == 0).all() and not empty[:3].any()
    assert (data.masks[empty.to_numpy()] == 0).all()


def test_blur_and_noise_change_pixels_but_not_masks():
    sharp = make_images(4, size=24, random_state=5)
    soft = make_images(4, size=24, blur=1.0, noise=0.05, random_state=5)
    assert (sharp.masks == soft.masks).all()
    pd.testing.assert_frame_equal(sharp.annotations, soft.annotations)
    assert np.abs(sharp.images - soft.images).mean() > 0.01
    assert (soft.image_info["blur"] == 1.0).all() and (soft.image_info["noise"] == 0.05).all()


def test_same_seed_same_images_and_image_i_does_not_depend_on_n():
    kwargs = dict(size=24, edge_cases=0.2, objects_per_image=(0, 3), random_state=11)
    a, b = make_images(6, **kwargs), make_images(6, **kwargs)
    assert (a.images == b.images).all() and (a.masks == b.masks).all()
    pd.testing.assert_frame_equal(a.annotations, b.annotations)
    short = make_images(4, **kwargs)
    assert (short.images == a.images[:4]).all() and (short.masks == a.masks[:4]).all()
    pd.testing.assert_frame_equal(short.annotations, a.annotations[a.annotations["image"] < 4].reset_index(drop=True))
    other = make_images(6, **{**kwargs, "random_state": 12})
    assert not np.array_equal(other.images, a.images)
    seq = make_images(2, size=16, random_state=np.random.SeedSequence(11))
    assert (seq.images == make_images(2, size=16, random_state=11).images).all()


def test_a_chunk_made_with_start_is_that_part_of_the_whole_set():
    kwargs = dict(size=20, objects_per_image=(0, 3), edge_cases=0.2, random_state=8)
    whole = make_images(7, **kwargs)
    chunk = make_images(3, start=4, **kwargs)
    assert chunk.start == 4 and whole.start == 0
    assert (chunk.images == whole.images[4:]).all() and (chunk.masks == whole.masks[4:]).all()
    part = whole.annotations[whole.annotations["image"] >= 4].reset_index(drop=True)
    pd.testing.assert_frame_equal(chunk.annotations, part)
    assert (chunk.semantic == whole.semantic[4:]).all()
    coco, full = chunk.to_coco(), whole.to_coco()
    assert [im["id"] for im in coco["images"]] == [5, 6, 7]
    assert [a["segmentation"] for a in coco["annotations"]] == [a["segmentation"] for a in full["annotations"]
                                                                if a["image_id"] >= 5]
    with pytest.raises(InvalidParameterError, match="start must be a non-negative integer"):
        make_images(2, start=-1)


def test_a_chunk_written_alone_reads_back(tmp_path):
    chunk = make_images(4, size=16, objects_per_image=(1, 3), start=3, random_state=0)
    back = read_labelled_images(write_labelled_images(chunk, tmp_path / "chunk"))
    assert back.start == 3 and (back.masks == chunk.masks).all()
    pd.testing.assert_frame_equal(back.annotations, chunk.annotations)
    ann = pd.read_csv(tmp_path / "chunk" / "annotations.csv")
    ann.loc[0, "image"] = 0
    ann.to_csv(tmp_path / "chunk" / "annotations.csv", index=False)
    with pytest.raises(DataError, match="lists images outside 3-6"):
        read_labelled_images(tmp_path / "chunk")


def test_generate_in_chunks_writes_the_folder_write_labelled_images_writes(tmp_path):
    kwargs = dict(size=(16, 20), classes=("star", "cross", "circle"), objects_per_image=(0, 3), edge_cases=0.2)
    one = write_labelled_images(make_images(7, random_state=9, **kwargs), tmp_path / "one")
    done = []
    chunked = generate_labelled_images(tmp_path / "chunked", 7, chunk_size=3, random_state=9, progress=done.append,
                                       **kwargs)
    assert done == [3, 6, 7]
    a, b = read_labelled_images(one), read_labelled_images(chunked)
    assert (a.images == b.images).all() and (a.masks == b.masks).all()
    pd.testing.assert_frame_equal(a.annotations, b.annotations)
    pd.testing.assert_frame_equal(a.image_info, b.image_info)
    for name in ("annotations.json", "dataset.json", "annotations.csv", "images.csv"):
        assert json.loads((one / name).read_text()) == json.loads((chunked / name).read_text()) \
            if name.endswith(".json") else (one / name).read_text() == (chunked / name).read_text()
    assert sorted(p.name for p in (chunked / "images").iterdir()) == [f"{i:05d}.png" for i in range(7)]
    # without a seed, one fresh seed serves every chunk: dataset.json's entropy remakes the set
    fresh = generate_labelled_images(tmp_path / "fresh", 5, chunk_size=2, **kwargs)
    seed = json.loads((fresh / "dataset.json").read_text())["parameters"]["random_state"]
    again = make_images(5, random_state=np.random.SeedSequence(seed["entropy"]), **kwargs)
    assert (read_labelled_images(fresh).masks == again.masks).all()
    assert _digits(1) == 5 and _digits(100_000) == 5 and _digits(100_001) == 6
    with pytest.raises(InvalidParameterError, match="chunk_size"):
        generate_labelled_images(tmp_path / "bad", 5, chunk_size=0)
    with pytest.raises(InvalidParameterError, match="unknown shape"):
        generate_labelled_images(tmp_path / "bad", 5, classes=("blob",))
    assert not (tmp_path / "bad").exists()


def test_class_weights_are_respected_and_every_class_appears():
    data = make_images(900, size=12, object_size=(0.4, 0.6), objects_per_image=1, weights=[0.6, 0.3, 0.1],
                       random_state=6)
    share = data.annotations["label"].value_counts(normalize=True)
    assert share["circle"] == pytest.approx(0.6, abs=0.05)
    assert share["square"] == pytest.approx(0.3, abs=0.05)
    assert share["triangle"] == pytest.approx(0.1, abs=0.03)
    few = make_images(3, size=16, classes=("star", "cross", "ellipse"), weights=[0.98, 0.01, 0.01],
                      edge_cases={"empty": 1.0}, random_state=0)
    assert set(few.annotations["label"]) == {"star", "cross", "ellipse"}
    never = make_images(30, size=16, weights=[0.5, 0.5, 0.0], random_state=0)
    assert "triangle" not in set(never.annotations["label"])


def test_rle_encoding_against_a_numpy_decoder():
    rng = np.random.default_rng(0)
    for mask in [rng.random((7, 5)) < 0.4, np.ones((3, 4), bool), np.zeros((3, 4), bool)]:
        counts = rle_encode(mask)
        assert sum(counts) == mask.size
        assert (rle_decode(counts, mask.shape) == mask).all()


def test_folder_round_trip_and_coco(tmp_path, mixed):
    out = write_labelled_images(mixed, tmp_path / "shapes")
    names = sorted(p.name for p in out.iterdir())
    assert names == ["annotations.csv", "annotations.json", "dataset.json", "images", "images.csv", "masks",
                     "semantic"]
    from PIL import Image

    semantic = np.stack([np.asarray(Image.open(f)) for f in sorted((out / "semantic").iterdir())])
    assert semantic.dtype == np.uint8 and (semantic == mixed.semantic).all()  # class maps: 0 background
    back = read_labelled_images(out)
    assert back.classes == mixed.classes and back.images.shape == mixed.images.shape
    assert np.abs(back.images - mixed.images).max() <= 0.5 / 255 + 1e-9  # 8-bit PNGs
    assert (back.masks == mixed.masks).all()
    pd.testing.assert_frame_equal(back.annotations, mixed.annotations)
    pd.testing.assert_frame_equal(back.image_info, mixed.image_info)
    assert back.parameters["edge_cases"] == ALL_CASES
    coco = json.loads((out / "annotations.json").read_text())
    assert [c["name"] for c in coco["categories"]] == list(SHAPES) and coco["categories"][0]["id"] == 1
    assert len(coco["images"]) == 40 and len(coco["annotations"]) == len(mixed.annotations)
    for entry, row in zip(coco["annotations"], mixed.annotations.itertuples()):
        assert entry["image_id"] == row.image + 1 and entry["category_id"] == row.category_id
        assert entry["bbox"] == [row.x0, row.y0, row.x1 - row.x0, row.y1 - row.y0]
        assert entry["area"] == row.area and entry["iscrowd"] == 0
        decoded = rle_decode(entry["segmentation"]["counts"], entry["segmentation"]["size"])
        assert (decoded == (mixed.masks[row.image] == row.object)).all()
    # a set written earlier is replaced; a grey set reads back grey
    grey = make_images(3, size=16, channels=1, random_state=0)
    write_labelled_images(grey, out, coco=False)
    assert not (out / "annotations.json").exists() and read_labelled_images(out).images.shape == (3, 16, 16)


def test_refuses_a_folder_holding_other_files_and_leaves_it_untouched(tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(FileFormatError, match="refusing to replace"):
        write_labelled_images(make_images(2, size=16, random_state=0), target)
    assert [p.name for p in target.iterdir()] == ["notes.txt"] and (target / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
    with pytest.raises(FileFormatError, match="lacks dataset.json"):
        read_labelled_images(target)
    # the names of a set are not enough: a dataset.json of someone else's, or anything but PNGs in images/
    photos = tmp_path / "photos"
    (photos / "images").mkdir(parents=True)
    (photos / "images" / "holiday.jpg").write_text("keep me")
    (photos / "dataset.json").write_text('{"name": "my photos"}')
    with pytest.raises(FileFormatError, match="refusing to replace"):
        write_labelled_images(make_images(2, size=16, random_state=0), photos)
    result = invoke("generate", "images", "--rows", 2, "--size", 16, "--out", photos)
    assert result.exit_code == 1 and "refusing to replace" in result.stderr
    assert (photos / "images" / "holiday.jpg").read_text() == "keep me"
    earlier = write_labelled_images(make_images(2, size=16, random_state=0), tmp_path / "earlier")
    (earlier / "images" / "notes.txt").write_text("keep me")
    with pytest.raises(FileFormatError, match="refusing to replace"):
        write_labelled_images(make_images(2, size=16, random_state=0), earlier)
    (earlier / "images" / "notes.txt").unlink()
    write_labelled_images(make_images(3, size=16, random_state=0), earlier)  # an earlier set is replaced
    assert len(read_labelled_images(earlier)) == 3
    for p in tmp_path.iterdir():
        if p.is_dir() and p.name not in ("mine", "photos", "earlier"):
            raise AssertionError(f"left behind: {p}")
    with pytest.raises(FileFormatError, match="not a folder"):
        read_labelled_images(tmp_path / "absent")
    damaged = write_labelled_images(make_images(3, size=16, random_state=0), tmp_path / "damaged")
    ann = pd.read_csv(damaged / "annotations.csv")
    ann[ann["image"] != 1].to_csv(damaged / "annotations.csv", index=False)
    with pytest.raises(DataError, match=r"masks/00001.png holds object \d but annotations.csv lists 0 in image 1"):
        read_labelled_images(damaged)


@pytest.mark.parametrize("kwargs, words", [
    ({"n": 0}, ["n must be a positive integer"]),
    ({"size": 4}, ["size", "8 to 4096"]),
    ({"size": (16, "a")}, ["size must be"]),
    ({"classes": ("circle", "sqare")}, ["unknown shape 'sqare'", "did you mean 'square'"]),
    ({"classes": ()}, ["classes is empty"]),
    ({"classes": ("circle", "circle")}, ["twice"]),
    ({"weights": [0.5, 0.6, 0.1]}, ["weights must sum to 1"]),
    ({"weights": [1.0]}, ["one entry per class (3)"]),
    ({"objects_per_image": (3, 1)}, ["objects_per_image"]),
    ({"channels": 2}, ["channels must be 1 (grey) or 3 (RGB), got 2"]),
    ({"object_size": (0.5, 1.5)}, ["object_size"]),
    ({"background": "stripes"}, ["background must be one of plain, gradient, texture"]),
    ({"noise": -0.1}, ["noise must be a number from 0 to 1"]),
    ({"blur": float("nan")}, ["blur"]),
    ({"edge_cases": {"trunkated": 0.1}}, ["unknown edge case 'trunkated'", "did you mean 'truncated'"]),
    ({"edge_cases": {"tiny": 2}}, ["edge_cases['tiny']", "0 to 1"]),
    ({"edge_cases": "lots"}, ["edge_cases must be one rate or a dict"]),
    ({"min_visible": 0}, ["min_visible"]),
    ({"min_visible": 1, "edge_cases": {"occluded": 0.1}}, ["min_visible=1 leaves no object"]),
    ({"random_state": -1}, ["random_state"]),
])
def test_bad_input_names_the_parameter(kwargs, words):
    kwargs = {"n": 2, "size": 16, **kwargs}
    with pytest.raises(InvalidParameterError) as info:
        make_images(kwargs.pop("n"), **kwargs)
    for word in words:
        assert word in str(info.value)


# ------------------------------------------------------------------------------------------------ CLI
def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"OMP_NUM_THREADS": "1"})


def test_cli_writes_what_make_images_makes(tmp_path):
    out = tmp_path / "shapes"
    result = invoke("generate", "images", "--rows", 12, "--size", "20x24", "--shapes", "star,cross",
                    "--shape-weights", "0.7,0.3", "--objects", "1-2", "--channels", 1, "--object-size", "0.2-0.5",
                    "--background", "gradient", "--pixel-noise", 0.02, "--blur", 0.5, "--min-visible", 0.3,
                    "--edge-cases", "truncated=0.3,low-contrast=0.2", "--seed", 5, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert f"wrote {out} (12 images" in result.stderr and result.stdout == ""
    want = make_images(12, size=(20, 24), classes=("star", "cross"), weights=[0.7, 0.3], objects_per_image=(1, 2),
                       channels=1, object_size=(0.2, 0.5), background="gradient", noise=0.02, blur=0.5,
                       min_visible=0.3, edge_cases={"truncated": 0.3, "low_contrast": 0.2}, random_state=5)
    got = read_labelled_images(out)
    assert (got.masks == want.masks).all() and got.images.shape == (12, 20, 24)
    pd.testing.assert_frame_equal(got.annotations, want.annotations)
    assert (out / "annotations.json").exists()
    again = invoke("generate", "images", "--rows", 3, "--size", 16, "--edge-cases", 0.1, "--no-coco", "--out", out,
                   "--quiet")
    assert again.exit_code == 0, again.stderr
    assert again.stderr == "" and not (out / "annotations.json").exists() and len(read_labelled_images(out)) == 3


def test_cli_help_shows_an_images_example():
    result = invoke("generate", "--help")
    assert result.exit_code == 0 and "synthlearn generate images" in result.stdout and "--edge-cases" in result.stdout


@pytest.mark.parametrize("args, words", [
    (["--shapes", "circle,sqare"], ["--shapes: unknown shape 'sqare'", "did you mean 'square'"]),
    (["--shape-weights", "0.5,0.6,0.2"], ["--shape-weights must sum to 1"]),
    (["--shape-weights", "a,b"], ["--shape-weights must be comma-separated numbers"]),
    (["--size", "big"], ["--size must be a number or two"]),
    (["--size", "4"], ["--size must be 8 to 4096"]),
    (["--objects", "3-1"], ["--objects must be"]),
    (["--channels", 2], ["--channels must be 1 (grey) or 3 (RGB)"]),
    (["--object-size", "0.1-2"], ["--object-size must be"]),
    (["--pixel-noise", 2], ["--pixel-noise must be a number from 0 to 1"]),
    (["--edge-cases", "tny=0.1"], ["--edge-cases: unknown edge case 'tny'", "did you mean 'tiny'"]),
    (["--edge-cases", "tiny"], ["--edge-cases must be one rate or NAME=RATE"]),
    (["--numeric", 3], ["--numeric does not apply to KIND images"]),
    (["--weights", "0.5,0.5"], ["--weights does not apply to KIND images"]),
    (["--chunk-rows", 10], ["--chunk-rows does not apply to KIND images"]),
    (["--seed", -1], ["--seed must be >= 0"]),
])
def test_cli_bad_input_one_line_exit_1_nothing_written(tmp_path, args, words):
    out = tmp_path / "shapes"
    result = invoke("generate", "images", "--rows", 5, *args, "--out", out)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_cli_image_options_do_not_apply_to_tables_and_out_is_a_new_folder(tmp_path):
    result = invoke("generate", "classification", "--rows", 10, "--size", 32, "--out", tmp_path / "t.csv")
    assert result.exit_code == 1 and "--size applies only to KIND images" in result.stderr
    result = invoke("generate", "images", "--rows", 5, "--out", tmp_path / "shapes.png")
    assert result.exit_code == 1 and "images are written to a folder" in result.stderr
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("x")
    result = invoke("generate", "images", "--rows", 5, "--out", tmp_path / "other")
    assert result.exit_code == 1 and "refusing to replace --out" in result.stderr
    assert [p.name for p in (tmp_path / "other").iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other"]
