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
  harder they make it;
- learning from them with synthlearn.vision: ``CNNClassifier`` on the whole RGB image (5,000 and 10,000
  training images; a flattened head against the default ``global_pooling="max"``), against the whole-image
  HOG + SVC above (scikit-learn, the reference: ratio of accuracies);
- scenes of 1-3 shapes (150 training, 100 test scenes; background is a class): the object-based
  ``ObjectClassifier`` (Felzenszwalb segments, region features, a random forest) against the pixel-based
  ``MaximumLikelihoodClassifier`` (empirical priors) on the same pixels: pixel accuracy, mean IoU over the classes, and
  detection precision and recall at box IoU 0.5 (``find_objects`` on the predicted map, ``match_objects``
  against the annotated boxes), clean and with truncated and occluded objects at 0.3.
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


def whole_images(n, seed, edge_cases=None):
    """RGB single-object images and their shape names (an object that found no place leaves an empty image,
    skipped)."""
    from synthlearn.generate import make_images

    data = make_images(n, size=64, classes=SHAPES, objects_per_image=1, edge_cases=edge_cases, random_state=seed)
    labels = data.annotations.groupby("image")["label"].first()
    return data.images[labels.index.to_numpy() - data.start], labels.astype(str).to_numpy()


def cnn_accuracy(n_train, n_test, threads):
    """Test accuracy and fit seconds of the CNN on whole images: the default head, and global max pooling."""
    import torch

    from synthlearn.vision import CNNClassifier

    torch.set_num_threads(threads)
    X_test, y_test = whole_images(n_test, 1)
    out = {}
    for n in (n_train, 2 * n_train):
        X, y = whole_images(n, 0)
        for head, params in [("flattened head", {"global_pooling": None}),
                             ("global max pooling (default)", {"global_pooling": "max"})]:
            if head.startswith("flattened") and n != n_train:
                continue
            start = time.perf_counter()
            model = CNNClassifier(channels=(16, 32, 64), random_state=0, **params).fit(X, y)
            out[f"CNN, {head}, {n:,} images"] = (model.score(X_test, y_test), time.perf_counter() - start)
    return out


def scenes(n_train, n_test, edge_cases):
    """Pixel accuracy, mean IoU, detection precision and recall of the pixel- and object-based classifiers."""
    import numpy as np
    import pandas as pd

    from synthlearn.generate import make_images
    from synthlearn.vision import (MaximumLikelihoodClassifier, ObjectClassifier, classify_image, find_objects,
                                   image_pixels, match_objects, segmentation_scores)

    def make(n, seed, cases):
        data = make_images(n, size=64, classes=SHAPES, objects_per_image=(1, 3), edge_cases=cases,
                           random_state=seed)
        return data, data.semantic + 1  # 1 is the background, 2.. the shapes: every pixel is labelled

    train, train_maps = make(n_train, 0, None)
    test, test_maps = make(n_test, 1, edge_cases)
    truth = test.annotations.assign(**{"class": test.annotations["category_id"] + 1})
    pixels = [image_pixels(image, labels) for image, labels in zip(train.images, train_maps)]
    pixel_model = MaximumLikelihoodClassifier(priors="empirical").fit(np.concatenate([p[0] for p in pixels]),
                                                    np.concatenate([p[1] for p in pixels]))
    object_model = ObjectClassifier(segmentation="felzenszwalb", segmentation_params={"scale": 100, "sigma": 0.5,
                                                                                        "min_size": 10},
                                    random_state=0).fit(list(train.images), list(train_maps))
    out = {}
    for name, predict in [("pixel-based maximum likelihood", lambda im: classify_image(pixel_model, im)),
                          ("object-based (Felzenszwalb + random forest)", object_model.predict)]:
        maps = np.stack([predict(image) for image in test.images])
        found = pd.concat([find_objects(predicted, min_area=10, background=1).assign(image=test.start + i)
                           for i, predicted in enumerate(maps)])
        scores = match_objects(found, truth[["image", "class", "x0", "y0", "x1", "y1"]], iou=0.5).loc["all"]
        precision = float(scores["tp"] / max(scores["tp"] + scores["fp"], 1))  # objects matched within each image
        recall = float(scores["tp"] / max(scores["tp"] + scores["fn"], 1))
        out[name] = (float((maps == test_maps).mean()), segmentation_scores(maps, test_maps).mean_iou, precision,
                     recall)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the images")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for the CNN")
    args = parser.parse_args()
    scale = 4 if args.quick else 1
    n_speed, n_train, n_test = 2000 // scale, 2000 // scale, 1000 // scale
    rows = [("images/s, 64x64 RGB, 1-3 objects", f"{speed(n_speed, None):,.0f}", ""),
            ("images/s, every edge case at 0.2", f"{speed(n_speed, 0.2):,.0f}", "")]
    reference = None
    for label, cases in [("clean", None), ("edge cases", HARD)]:
        for name, acc in accuracy(n_train, n_test, cases).items():
            rows.append((f"shape accuracy ({label}), {name}", f"{acc:.3f}", ""))
            if label == "clean" and name == "whole image HOG + SVC":
                reference = acc
    for name, (acc, seconds) in cnn_accuracy(5000 // scale, n_test, args.threads).items():
        rows.append((f"shape accuracy (clean), whole image {name}, fit {seconds:.0f} s", f"{acc:.3f}",
                     f"{acc / reference:.2f}x whole image HOG + SVC"))
    for label, cases in [("clean", None), ("truncated and occluded at 0.3", {"truncated": 0.3, "occluded": 0.3})]:
        results = scenes(max(150 // scale, 20), max(100 // scale, 20), cases)
        base = results["pixel-based maximum likelihood"]
        for name, values in results.items():
            for measure, value, ref in zip(("pixel accuracy", "mean IoU", "detection precision",
                                            "detection recall"), values, base):
                against = ("" if name.startswith("pixel") else f"{value / ref:.2f}x pixel-based" if ref > 0
                           else "pixel-based: 0")
                rows.append((f"scenes ({label}), {name}: {measure}", f"{value:.3f}", against))
    print(f"\n{'quick run: ' if args.quick else ''}make_images: {n_speed:,} images timed; {n_train:,} train / "
          f"{n_test:,} test single-object images of 7 shapes (chance {1 / 7:.3f}), test on a fresh seed; scenes "
          f"of 1-3 shapes\n")
    print("| measure | value | against the reference |")
    print("|---|---|---|")
    for name, value, against in rows:
        print(f"| {name} | {value} | {against} |")


if __name__ == "__main__":
    main()
