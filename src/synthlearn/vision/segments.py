"""Image segmentation into regions, and a table of features describing each region.

The first two steps of object-based image analysis (Blaschke, "Object based image analysis for remote
sensing", ISPRS Journal of Photogrammetry and Remote Sensing 65, 2010): cut the image into homogeneous
regions with one of scikit-image's superpixel methods - SLIC (Achanta et al. 2012), Felzenszwalb &
Huttenlocher (2004), quickshift (Vedaldi & Soatto 2008) or a compact watershed of the gradient (Neubert &
Protzel 2014) - then measure each region (:func:`skimage.measure.regionprops_table`).
"""

from __future__ import annotations

import numbers

import numpy as np

from synthlearn.errors import DataError, InvalidParameterError
from synthlearn.vision.raster import as_bands_last, check_label_map

METHODS = ("slic", "felzenszwalb", "quickshift", "watershed")

#: Each method's default parameters (for bands rescaled to [0, 1]); keyword arguments override them.
DEFAULTS = {
    "slic": {"n_segments": 100, "compactness": 1.0, "sigma": 0.0},
    "felzenszwalb": {"scale": 1.0, "sigma": 0.8, "min_size": 20},
    "quickshift": {"ratio": 1.0, "kernel_size": 3, "max_dist": 6, "sigma": 0.0},
    "watershed": {"n_segments": 100, "compactness": 0.001},
}

#: Shape columns of :func:`region_features` (regionprops names), after the per-band statistics.
SHAPE_FEATURES = ("area", "perimeter", "eccentricity", "solidity", "extent", "major_axis_length",
                  "minor_axis_length")


def segment(image, method: str = "slic", *, channels: str = "first", random_state=0, **params) -> np.ndarray:
    """Cut an image into regions (superpixels) with scikit-image.

    Each band is first rescaled to [0, 1] (its minimum to 0, its maximum to 1), so the defaults fit any
    units.

    Parameters
    ----------
    image : array-like of shape (bands, H, W), (H, W, bands) or (H, W)
    method : {"slic", "felzenszwalb", "quickshift", "watershed"}, default="slic"
        ``slic``: k-means in position + band space, about ``n_segments`` compact regions.
        ``felzenszwalb``: graph merging; larger ``scale``, larger regions. ``quickshift``: mode seeking
        (``kernel_size``, ``max_dist``). ``watershed``: compact watershed of the band-summed Sobel
        gradient from ``n_segments`` grid seeds.
    channels : {"first", "last"}, default="first"
        (bands, H, W) or (H, W, bands).
    random_state : int, default=0
        Seed of quickshift's tie-breaking noise (the other methods are deterministic).
    **params
        Passed to the scikit-image function, over :data:`DEFAULTS` (for example ``n_segments=400``).

    Returns
    -------
    segments : ndarray of int of shape (H, W)
        Region labels 1, 2, ..., n_regions (consecutive; every region connected for slic).

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.vision import segment
    >>> image = np.zeros((1, 20, 20)); image[0, :, 10:] = 1.0
    >>> segments = segment(image, "felzenszwalb", sigma=0, min_size=5)
    >>> segments.shape, int(segments.max())
    ((20, 20), 2)
    """
    if method not in METHODS:
        raise InvalidParameterError(f"method={method!r} is invalid; give one of {', '.join(METHODS)}")
    pixels = _unit_bands(as_bands_last(image, channels))
    options = {**DEFAULTS[method], **params}
    n = options.get("n_segments", 1)
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise InvalidParameterError(f"n_segments={n!r} is invalid; give a whole number of regions >= 1 such as 100")
    import skimage.segmentation as seg

    try:
        if method == "slic":
            labels = seg.slic(pixels, start_label=1, channel_axis=-1, convert2lab=False, **options)
        elif method == "felzenszwalb":
            labels = seg.felzenszwalb(pixels, channel_axis=-1, **options)
        elif method == "quickshift":
            labels = seg.quickshift(pixels, convert2lab=False, rng=random_state, channel_axis=-1, **options)
        else:
            labels = _watershed(pixels, **options)
    except TypeError as exc:
        raise InvalidParameterError(f"{method} does not take these parameters ({exc}); see "
                                    f"skimage.segmentation.{method}") from None
    return seg.relabel_sequential(np.asarray(labels, dtype=np.int64) + (1 if labels.min() == 0 else 0))[0]


def _unit_bands(pixels):
    low = pixels.min(axis=(0, 1))
    span = pixels.max(axis=(0, 1)) - low
    return (pixels - low) / np.where(span > 0, span, 1.0)


def _watershed(pixels, n_segments=100, compactness=0.001, **options):
    from skimage.filters import sobel
    from skimage.segmentation import watershed

    gradient = sum(sobel(pixels[..., b]) for b in range(pixels.shape[-1]))
    return watershed(gradient, markers=int(n_segments), compactness=compactness, **options)


def region_features(image, segments, *, channels: str = "first"):
    """A table describing each region: per-band statistics and shape, one row per region.

    Parameters
    ----------
    image : array-like of shape (bands, H, W), (H, W, bands) or (H, W)
    segments : array-like of int, shape (H, W)
        Region labels (from :func:`segment`); 0 is background and gets no row.
    channels : {"first", "last"}, default="first"

    Returns
    -------
    features : pandas.DataFrame
        Indexed by region label (``segment``), with the columns, in order: ``mean_<b>``, ``std_<b>``,
        ``min_<b>``, ``max_<b>`` for each band ``b`` (0, 1, ...; in the image's units; ``std`` measures
        texture, which single pixels cannot show), then the shape of the region: ``area`` (pixels),
        ``perimeter``, ``eccentricity`` (0 for a disc), ``solidity`` (area / convex hull area),
        ``extent`` (area / bounding box area), ``major_axis_length``, ``minor_axis_length``. Position
        (centroids, boxes) is deliberately left out: see :func:`synthlearn.vision.find_objects`.

    Examples
    --------
    >>> import numpy as np
    >>> from synthlearn.vision import region_features
    >>> image = np.array([[[1.0, 1.0, 5.0, 7.0]]])                # 1 band, 1 x 4 pixels
    >>> region_features(image, [[1, 1, 2, 2]])[["mean_0", "std_0", "area"]].to_numpy()
    array([[1., 0., 2.],
           [6., 1., 2.]])
    """
    import pandas as pd
    from skimage.measure import regionprops_table

    pixels = as_bands_last(image, channels)
    segments = check_label_map(segments, pixels.shape[:2], "segments", channels)
    if segments.dtype.kind not in "iub":
        raise DataError(f"segments hold {segments.dtype} values; give whole-number region labels (from segment)")
    segments = segments.astype(np.int64, copy=False)
    if segments.min() < 0:
        raise DataError(f"segments hold the negative label {int(segments.min())}; region labels are >= 1 "
                        f"(0 = background)")
    table = regionprops_table(segments, intensity_image=pixels,
                              properties=("label", "intensity_mean", "intensity_std", "intensity_min",
                                          "intensity_max", *SHAPE_FEATURES))
    bands = pixels.shape[-1]
    columns = {}
    for stat, name in (("mean", "intensity_mean"), ("std", "intensity_std"), ("min", "intensity_min"),
                       ("max", "intensity_max")):
        for b in range(bands):
            columns[f"{stat}_{b}"] = table[f"{name}-{b}"]
    for name in SHAPE_FEATURES:
        columns[name] = np.asarray(table[name], dtype=np.float64)
    return pd.DataFrame(columns, index=pd.Index(table["label"], name="segment"))
