"""Pixel classifiers against their scikit-learn references on a synthetic multi-band scene: accuracy and time.

A 512 x 512 x 6 image of 5 classes: Gaussian class spectra (random means, random full covariances) on a
blocky class map with spatially smooth texture (a blurred field shifts every pixel's spectrum). Training:
2 % of the pixels, at random; scoring: every pixel. Each classifier's fit+predict time is the best of 3.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/vision_pixels.py [--size 512]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.neighbors import NearestCentroid

from synthlearn.vision import (MahalanobisClassifier, MaximumLikelihoodClassifier, MinimumDistanceClassifier,
                               SpectralAngleClassifier, classify_image, image_pixels)


def scene(size, bands=6, classes=5, seed=0):
    rng = np.random.default_rng(seed)
    truth = np.kron(rng.integers(1, classes + 1, (size // 32, size // 32)), np.ones((32, 32), dtype=int))
    means = rng.uniform(0.2, 0.8, (classes, bands))
    image = np.empty((bands, size, size))
    for c in range(classes):
        A = rng.normal(0, 0.06, (bands, bands))
        inside = truth == c + 1
        image[:, inside] = (means[c][:, None] + A @ rng.normal(size=(bands, inside.sum())))
    texture = gaussian_filter(rng.normal(size=(size, size)), 4)
    image += 0.5 * texture / texture.std() * 0.05
    train = np.where(rng.random(truth.shape) < 0.02, truth, 0)
    return image, truth, train


def timed(make, X, y, image):
    best, label_map = np.inf, None
    for _ in range(3):
        start = time.perf_counter()
        model = make().fit(X, y)
        label_map = classify_image(model, image)
        best = min(best, time.perf_counter() - start)
    return label_map, best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=512)
    size = parser.parse_args().size
    image, truth, train = scene(size)
    X, y = image_pixels(image, train)
    pairs = [("minimum distance", MinimumDistanceClassifier, "NearestCentroid", NearestCentroid),
             ("Mahalanobis (pooled)", MahalanobisClassifier, "LinearDiscriminantAnalysis",
              lambda: LinearDiscriminantAnalysis(priors=np.full(5, 0.2))),
             ("maximum likelihood", MaximumLikelihoodClassifier, "QuadraticDiscriminantAnalysis",
              lambda: QuadraticDiscriminantAnalysis(priors=np.full(5, 0.2))),
             ("spectral angle", SpectralAngleClassifier, "-", None)]
    rows = []
    for name, ours, ref_name, ref in pairs:
        ours_map, ours_s = timed(ours, X, y, image)
        row = {"classifier": name, "accuracy": (ours_map == truth).mean(), "time_s": ours_s, "reference": ref_name}
        if ref is not None:
            ref_map, ref_s = timed(ref, X, y, image)
            row.update(ref_accuracy=(ref_map == truth).mean(), ref_time_s=ref_s, time_ratio=ours_s / ref_s,
                       agreement=(ours_map == ref_map).mean())
        rows.append(row)
    print(f"{size} x {size} x 6, 5 classes, {len(y):,} training pixels")
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".3f"))


if __name__ == "__main__":
    main()
