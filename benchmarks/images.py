"""make_images: generation speed and whether its labels can be learned (HOG + linear model / SVC, fresh seed).

Prints one markdown table.

    .venv/bin/python benchmarks/images.py            # 2,000 images to time, 2,000 to train, 1,000 to test
    .venv/bin/python benchmarks/images.py --quick    # a quarter of each

Rows:
- images/s for 64x64 RGB, 1-3 objects, plain background (median of 3), and with every edge case at rate 0.2;
- shape classification of single-object 64x64 images (circle, square, triangle, ellipse, rectangle, star,
  cross): HOG features (skimage.feature.hog) into LogisticRegression and an RBF SVC, raw pixels into
  LogisticRegression; trained on seed 0, tested on seed 1, accuracy against the chance rate 1/7;
- the same on images with edge cases (truncated, tiny, low contrast, noisy, blurred, clutter at 0.2): how much
  harder they make it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

SHAPES = ("circle", "square", "triangle", "ellipse", "rectangle", "star", "cross")
HARD = {"truncated": 0.2, "tiny": 0.2, "low_contrast": 0.2, "noisy": 0.2, "blurred": 0.2, "clutter": 0.2}


def speed(n, edge_cases, reps=3):
    from synthlearn.generate import make_images

    rates = []
    for rep in range(reps):
        start = time.perf_counter()
        make_images(n, size=64, edge_cases=edge_cases, random_state=rep)
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def single_objects(n, seed, edge_cases):
    """HOG of the whole image and of the object's box (squared, resized to 32x32), and the box's raw pixels.

    Colours are random, so each image is first turned into its distance from the background colour (the
    median of the border pixels), scaled to [0, 1]: the shape, whatever its colour.
    """
    import numpy as np
    from skimage.feature import hog
    from skimage.transform import resize

    from synthlearn.generate import make_images

    data = make_images(n, size=64, classes=SHAPES, objects_per_image=1, edge_cases=edge_cases, random_state=seed)
    ann = data.annotations.set_index("image")
    whole, crop_hog, crop_raw, y = [], [], [], []
    for i in ann.index:  # an object that found no place leaves its image empty: such images are skipped
        image = data.images[i].transpose(1, 2, 0)
        border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
        distance = np.linalg.norm(image - np.median(border, axis=0), axis=-1)
        distance /= max(distance.max(), 1e-12)
        row = ann.loc[i]
        side = max(row.x1 - row.x0, row.y1 - row.y0) + 4
        cy, cx = (row.y0 + row.y1) // 2, (row.x0 + row.x1) // 2
        padded = np.pad(distance, side, mode="edge")
        box = padded[cy - side // 2 + side: cy - side // 2 + 2 * side, cx - side // 2 + side: cx - side // 2 + 2 * side]
        box = resize(box, (32, 32), anti_aliasing=True)
        whole.append(hog(distance, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2)))
        crop_hog.append(hog(box, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2)))
        crop_raw.append(box.ravel())
        y.append(str(row.label))
    return np.array(whole), np.array(crop_hog), np.array(crop_raw), np.array(y)


def accuracy(n_train, n_test, edge_cases):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    *train, y_train = single_objects(n_train, 0, edge_cases)
    *test, y_test = single_objects(n_test, 1, edge_cases)
    linear = lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))  # noqa: E731
    models = {"whole image HOG + LogisticRegression": (linear(), 0), "whole image HOG + SVC": (make_pipeline(
              StandardScaler(), SVC()), 0), "object box HOG + LogisticRegression": (linear(), 1),
              "object box HOG + SVC": (make_pipeline(StandardScaler(), SVC()), 1),
              "object box pixels + LogisticRegression": (linear(), 2)}
    return {name: model.fit(train[k], y_train).score(test[k], y_test) for name, (model, k) in models.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the images")
    args = parser.parse_args()
    scale = 4 if args.quick else 1
    n_speed, n_train, n_test = 2000 // scale, 2000 // scale, 1000 // scale
    rows = [("images/s, 64x64 RGB, 1-3 objects", f"{speed(n_speed, None):,.0f}"),
            ("images/s, every edge case at 0.2", f"{speed(n_speed, 0.2):,.0f}")]
    for label, cases in [("clean", None), ("edge cases", HARD)]:
        for name, acc in accuracy(n_train, n_test, cases).items():
            rows.append((f"shape accuracy ({label}), {name}", f"{acc:.3f}"))
    print(f"\n{'quick run: ' if args.quick else ''}make_images: {n_speed:,} images timed; {n_train:,} train / "
          f"{n_test:,} test single-object images of 7 shapes (chance {1 / 7:.3f}), test on a fresh seed\n")
    print("| measure | value |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
