"""Image generation with a fitted (variational) autoencoder: samples and latent interpolations as PNG grids."""

from __future__ import annotations

import numbers
import os

import numpy as np

from synthlearn.errors import DataError, InvalidParameterError


def interpolate(model, start, end, steps: int = 8) -> np.ndarray:
    """Decode ``steps`` points on the straight line between the codes of ``start`` and ``end``.

    ``start`` and ``end`` are single samples (one image or one row) in the
    layout the model was fitted on; the result has ``steps`` samples of that
    layout, from ``start``'s reconstruction to ``end``'s.
    """
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 2:
        raise InvalidParameterError(f"steps must be an integer >= 2, got {steps!r}")
    a = np.asarray(start, dtype=np.float64)[None]
    b = np.asarray(end, dtype=np.float64)[None]
    codes = model.transform(np.concatenate([a, b]))
    t = np.linspace(0.0, 1.0, int(steps))[:, None]
    return model.inverse_transform((1 - t) * codes[0] + t * codes[1])


def as_images(samples, image_shape=None) -> np.ndarray:
    """``samples`` as (n, H, W) or (n, C, H, W) images; flat rows need ``image_shape`` (square grey by default)."""
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim in (3, 4):
        return samples
    if samples.ndim != 2:
        raise DataError(f"expected images or flat rows, got an array of shape {samples.shape}")
    if image_shape is None:
        side = int(round(np.sqrt(samples.shape[1])))
        if side * side != samples.shape[1]:
            raise DataError(f"rows of {samples.shape[1]} values are not square images; give image_shape=(H, W)")
        image_shape = (side, side)
    return samples.reshape((len(samples), *image_shape))


def save_samples(model, path: str | os.PathLike, n: int = 64, image_shape=None, random_state=None,
                 n_cols: int | None = None):
    """Draw ``n`` samples from a fitted VAE and save them as one PNG grid; returns the images."""
    from synthlearn.data.images import write_image_grid

    if not hasattr(model, "sample"):
        raise InvalidParameterError(f"{type(model).__name__} cannot generate; use a VariationalAutoencoder")
    images = as_images(model.sample(n, random_state=random_state), image_shape)
    write_image_grid(images, path, n_cols=n_cols)
    return images
