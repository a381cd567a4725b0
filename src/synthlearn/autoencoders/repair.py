"""Denoising and repair of damaged images with a fitted autoencoder, and the damage to test it on.

``damage`` makes the usual kinds of damage (Gaussian noise, salt and pepper,
blur, missing square patches) and returns a mask of the pixels still known.
``repair`` rebuilds an image with an autoencoder; where a mask says which
pixels are known, it keeps them and fills the rest by iterating
"reconstruct, then put the known pixels back" — the projection used for
inpainting with autoencoders (e.g. Xie, Xu & Chen, "Image denoising and
inpainting with deep neural networks", NIPS 2012). ``psnr`` measures the
result in decibels.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_random_state

from synthlearn.errors import DataError, InvalidParameterError

DAMAGES = ("gaussian", "salt_and_pepper", "blur", "patches")


def psnr(clean, estimate, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB of ``estimate`` against ``clean`` (over all pixels at once)."""
    clean = np.asarray(clean, dtype=np.float64)
    estimate = np.asarray(estimate, dtype=np.float64)
    if clean.shape != estimate.shape:
        raise DataError(f"psnr needs arrays of one shape, got {clean.shape} and {estimate.shape}")
    mse = float(np.mean((clean - estimate) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(data_range ** 2 / mse)


def damage(images, kind: str = "gaussian", level: float = 0.3, random_state=None, clip: bool = True):
    """A damaged copy of ``images`` (shape (n, H, W) or (n, C, H, W), values in [0, 1]) and its known-pixel mask.

    Parameters
    ----------
    kind : {"gaussian", "salt_and_pepper", "blur", "patches"}
        ``gaussian``: noise of standard deviation ``level``; ``salt_and_pepper``:
        a share ``level`` of pixels set to 0 or 1; ``blur``: a Gaussian blur of
        width ``level`` pixels; ``patches``: one square hole per image covering
        a share ``level`` of its area, set to 0.
    level : float
    clip : bool, default=True
        Clip the result to [0, 1] (for noise).

    Returns
    -------
    damaged : ndarray, same shape as ``images``
    known : ndarray of bool, same shape
        False where a pixel was replaced (salt and pepper, patches); all True
        for noise and blur, which change every pixel a little.
    """
    if kind not in DAMAGES:
        raise InvalidParameterError(f"kind must be one of {DAMAGES}, got {kind!r}")
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or level < 0:
        raise InvalidParameterError(f"level must be a number >= 0, got {level!r}")
    X = np.array(images, dtype=np.float64)
    if X.ndim not in (3, 4):
        raise DataError(f"damage needs images of shape (n, H, W) or (n, C, H, W), got shape {X.shape}")
    rng = check_random_state(random_state)
    known = np.ones(X.shape, dtype=bool)
    if kind == "gaussian":
        X = X + level * rng.standard_normal(X.shape)
    elif kind == "salt_and_pepper":
        if level > 1:
            raise InvalidParameterError(f"level is a share of pixels for salt_and_pepper, so at most 1, got {level}")
        hit = rng.random_sample(X.shape) < level
        X[hit] = (rng.random_sample(int(hit.sum())) < 0.5).astype(np.float64)
        known = ~hit
    elif kind == "blur":
        from scipy.ndimage import gaussian_filter

        sigma = (0,) * (X.ndim - 2) + (level, level)
        X = gaussian_filter(X, sigma=sigma)
    else:  # patches
        if level > 1:
            raise InvalidParameterError(f"level is a share of the image for patches, so at most 1, got {level}")
        h, w = X.shape[-2:]
        side_h, side_w = max(1, round(h * np.sqrt(level))), max(1, round(w * np.sqrt(level)))
        for i in range(len(X)):
            top, left = rng.randint(0, h - side_h + 1), rng.randint(0, w - side_w + 1)
            X[i, ..., top:top + side_h, left:left + side_w] = 0.0
            known[i, ..., top:top + side_h, left:left + side_w] = False
    if clip:
        X = np.clip(X, 0.0, 1.0)
    return X, known


def repair(model, images, known=None, n_iter: int = 20):
    """Rebuild damaged images with a fitted autoencoder.

    Parameters
    ----------
    model : fitted autoencoder
        Best trained for the damage at hand (``DenoisingAutoencoder`` with a
        matching corruption), on clean images of the same kind.
    images : array-like
        Damaged images in the layout the model was fitted on (flat rows or images).
    known : array-like of bool, optional
        True where a pixel is intact. Without it every pixel is replaced by its
        reconstruction (denoising, deblurring).
    n_iter : int, default=20
        Rounds of "reconstruct, restore the known pixels" when ``known`` is given.

    Returns
    -------
    ndarray of the input's shape
    """
    X = np.array(images, dtype=np.float64)
    if np.isnan(X).any():
        raise DataError("images contain NaN; mark missing pixels with the known mask instead and give any value")
    if known is None:
        return model.reconstruct(X)
    known = np.asarray(known, dtype=bool)
    if known.shape != X.shape:
        raise DataError(f"known must have the images' shape {X.shape}, got {known.shape}")
    if isinstance(n_iter, bool) or not isinstance(n_iter, numbers.Integral) or n_iter < 1:
        raise InvalidParameterError(f"n_iter must be a positive integer, got {n_iter!r}")
    # start the holes at each image's mean known value, then project repeatedly
    filled = X.copy()
    axes = tuple(range(1, X.ndim))
    means = np.where(known, X, 0).sum(axis=axes) / np.maximum(known.sum(axis=axes), 1)
    filled[~known] = np.broadcast_to(means.reshape((-1,) + (1,) * (X.ndim - 1)), X.shape)[~known]
    for _ in range(int(n_iter)):
        rebuilt = model.reconstruct(filled).reshape(X.shape)
        filled = np.where(known, X, rebuilt)
    return filled


def denoise(model, images):
    """The fitted (denoising) autoencoder's reconstruction of noisy ``images``: :func:`repair` without a mask."""
    return repair(model, images)
