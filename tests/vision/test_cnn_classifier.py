"""CNNClassifier: learning, reproducibility, image layouts, labels of any type, augmentation, errors, save/load."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from synthlearn.data.images import load_images
from synthlearn.errors import DataError, FileFormatError, InvalidParameterError, ModelFileError
from synthlearn.vision import CNNClassifier, load_model, save_model

torch.set_num_threads(1)
SMALL = dict(channels=(8, 16), hidden_size=32, dropout=0.0, shift=0, epochs=10, batch_size=32, learning_rate=1e-2,
             random_state=0)


@pytest.fixture(scope="module")
def digits():
    X, y = load_images("digits")
    return X[:500], y[:500], X[1500:], y[1500:]


@pytest.fixture(scope="module")
def fitted(digits):
    X, y, _, _ = digits
    return CNNClassifier(**SMALL).fit(X, y)


def test_learns_digits_far_above_chance(digits, fitted):
    _, _, X_test, y_test = digits
    assert fitted.score(X_test, y_test) > 0.85  # 10 classes: chance is 0.1
    assert fitted.classes_.tolist() == list(range(10))
    assert fitted.image_shape_ == (1, 8, 8) and fitted.input_shape_ == (8, 8) and fitted.n_features_in_ == 64


def test_probabilities_sum_to_one_and_agree_with_predict(digits, fitted):
    _, _, X_test, _ = digits
    proba = fitted.predict_proba(X_test[:50])
    assert proba.shape == (50, 10) and np.allclose(proba.sum(axis=1), 1)
    assert (fitted.classes_[proba.argmax(axis=1)] == fitted.predict(X_test[:50])).all()
    assert np.allclose(np.exp(fitted.predict_log_proba(X_test[:5])), proba[:5])


def test_history_and_early_stopping_record(fitted):
    assert fitted.n_epochs_ == len(fitted.history_) <= 10
    assert {"train_loss", "val_loss", "lr"} <= set(fitted.history_[0])
    best = min(range(fitted.n_epochs_), key=lambda i: fitted.history_[i]["val_loss"]) + 1
    assert fitted.best_epoch_ == best and fitted.device_ == "cpu"


def test_patience_stops_training_early(digits):
    X, y, _, _ = digits
    model = CNNClassifier(**{**SMALL, "epochs": 200, "patience": 1, "learning_rate": 0.05}).fit(X[:200], y[:200])
    assert model.n_epochs_ < 200


def test_same_seed_same_model_other_seed_other_model(digits, fitted):
    X, y, X_test, _ = digits
    again = CNNClassifier(**SMALL).fit(X, y)
    assert np.array_equal(again.predict_proba(X_test), fitted.predict_proba(X_test))
    other = CNNClassifier(**{**SMALL, "random_state": 1}).fit(X, y)
    assert not np.allclose(other.predict_proba(X_test), fitted.predict_proba(X_test))


def test_flat_rows_with_image_shape_match_images(digits, fitted):
    X, y, X_test, _ = digits
    flat = CNNClassifier(**SMALL, image_shape=(8, -1)).fit(X.reshape(len(X), -1), y)
    assert flat.image_shape_ == (1, 8, 8) and flat.input_shape_ == (64,)
    assert np.array_equal(flat.predict_proba(X_test.reshape(len(X_test), -1)), fitted.predict_proba(X_test))


def test_prediction_does_not_depend_on_the_batch(digits, fitted):
    _, _, X_test, _ = digits
    assert np.allclose(fitted.predict_proba(X_test[3:4]), fitted.predict_proba(X_test)[3:4], rtol=1e-12, atol=0)


def test_labels_of_any_type_come_back(digits):
    X, y, _, _ = digits
    names = np.array(["zero", "one", "two"])[y[:150] % 3]
    model = CNNClassifier(**{**SMALL, "epochs": 1}).fit(X[:150], names)
    assert model.classes_.tolist() == ["one", "two", "zero"]
    assert set(model.predict(X[:20])) <= {"zero", "one", "two"}
    flags = CNNClassifier(**{**SMALL, "epochs": 1}).fit(X[:150], y[:150] > 4)
    assert flags.predict(X[:3]).dtype == bool


def test_colour_images_and_a_deeper_vgg_net(digits):
    X, y, _, _ = digits
    rgb = np.stack([X, 1 - X, X ** 2], axis=1)[:120]  # (n, 3, 8, 8)
    model = CNNClassifier(channels=(4, 4, 4, 4), convs_per_block=2, hidden_size=None, epochs=1,
                          random_state=0).fit(rgb, y[:120])
    assert model.image_shape_ == (3, 8, 8) and model.predict_proba(rgb[:2]).shape == (2, 10)
    convs = [m for m in model.module_.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 8  # the 1×1 map after three pools is not pooled again
    with pytest.raises(DataError, match=r"fitted on images of shape \(3, 8, 8\)"):
        model.predict(X[:2])


@pytest.mark.parametrize("shape, channels, batch_size", [((72, 8, 8), (4, 4, 4, 4), 64), ((72, 1, 1), (4,), 64),
                                                      ((20, 8, 8), (4, 4, 4, 4), 1)])
def test_a_batch_of_one_image_with_1x1_maps_trains(shape, channels, batch_size):
    # 72 images: 7 for validation, 65 train, so each epoch ends in a batch of one; batch norm cannot take
    # statistics of a lone image's 1×1 maps (the 4th block of an 8×8 image, or a 1-pixel image)
    X = np.random.default_rng(0).random(shape)
    y = np.arange(len(X)) % 2
    model = CNNClassifier(channels=channels, epochs=2, batch_size=batch_size, random_state=0).fit(X, y)
    assert model.n_epochs_ == 2 and np.isfinite(model.predict_proba(X)).all()


def test_augment_matches_a_numpy_shift_and_flip():
    from synthlearn.vision.cnn_network import augment

    rng = np.random.default_rng(0)
    x = rng.random((16, 2, 5, 6))

    def shifted(image, dy, dx):  # the obviously-correct reference: move by (dy, dx), fill with zeros
        out = np.zeros_like(image)
        h, w = image.shape[1:]
        out[:, max(0, dy):h + min(0, dy), max(0, dx):w + min(0, dx)] = \
            image[:, max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
        return out

    torch.manual_seed(0)
    out = augment(torch.tensor(x), shift=2, flip=False).numpy()
    seen = set()
    for image, result in zip(x, out):
        matches = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                   if np.array_equal(result, shifted(image, dy, dx))]
        assert matches, "every output is the input moved by at most 2 pixels"
        seen.add(matches[0])
    assert len(seen) > 3  # the shifts vary across the batch
    flipped = augment(torch.tensor(x), shift=0, flip=True).numpy()
    is_flipped = [np.array_equal(r, i[..., ::-1]) for i, r in zip(x, flipped)]
    assert all(f or np.array_equal(r, i) for f, i, r in zip(is_flipped, x, flipped))
    assert 0 < sum(is_flipped) < len(x)


def test_augmentation_changes_training_and_is_seeded(digits):
    X, y, _, _ = digits
    params = {**SMALL, "epochs": 2}
    plain = CNNClassifier(**params).fit(X[:200], y[:200])
    shifted = CNNClassifier(**{**params, "shift": 1, "flip": True}).fit(X[:200], y[:200])
    again = CNNClassifier(**{**params, "shift": 1, "flip": True}).fit(X[:200], y[:200])
    assert plain.history_[0]["train_loss"] != shifted.history_[0]["train_loss"]
    assert np.array_equal(shifted.predict_proba(X[:20]), again.predict_proba(X[:20]))


@pytest.mark.parametrize("param, value, match", [
    ("channels", (), "channels must be a non-empty tuple"),
    ("convs_per_block", 0, "convs_per_block must be a positive integer"),
    ("dropout", 1.0, r"dropout must be a number in \[0, 1\)"),
    ("shift", -1, "shift must be an integer >= 0"),
    ("flip", "yes", "flip must be True or False"),
    ("image_shape", (0, 8), "image_shape must be None"),
    ("epochs", 0, "epochs must be a positive integer"),
    ("device", "tpu", "device must be 'auto'"),
])
def test_bad_parameters_are_named(digits, param, value, match):
    X, y, _, _ = digits
    model = CNNClassifier(**{**SMALL, param: value})
    with pytest.raises(InvalidParameterError, match=match):
        model.fit(X[:40], y[:40])
    assert not hasattr(model, "classes_")


def test_bad_data_is_refused(digits):
    X, y, _, _ = digits
    with pytest.raises(DataError, match=r"pass image_shape=\(H, W\)"):
        CNNClassifier(**SMALL).fit(X[:40].reshape(40, -1), y[:40])
    with pytest.raises(DataError, match="image_shape=\\(5, 5\\) does not fit rows of 64 values"):
        CNNClassifier(**SMALL, image_shape=(5, 5)).fit(X[:40].reshape(40, -1), y[:40])
    with pytest.raises(DataError, match="at least 2 classes in y, got 1 class"):
        CNNClassifier(**SMALL).fit(X[:40], np.zeros(40))
    with pytest.raises(ValueError, match="Unknown label type"):
        CNNClassifier(**SMALL).fit(X[:40], np.linspace(0, 1, 40))
    with pytest.raises(ValueError, match="NaN"):
        CNNClassifier(**SMALL).fit(np.where(X[:40] > 0.5, np.nan, X[:40]), y[:40])
    with pytest.raises(DataError, match="X holds values up to 1e\\+300, beyond its range; rescale"):
        CNNClassifier(**SMALL).fit(X[:40] * 1e300, y[:40])  # not "the training loss became nan"


def test_unfitted_model_refuses_to_predict(digits):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CNNClassifier().predict(digits[0][:2])


def test_save_and_load_give_the_same_predictions(digits, fitted, tmp_path):
    _, _, X_test, _ = digits
    path = save_model(fitted, tmp_path / "cnn", metadata={"source": "digits"})
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "weights.pt"]
    loaded = load_model(path)
    assert np.array_equal(loaded.predict_proba(X_test), fitted.predict_proba(X_test))
    assert loaded.get_params() == fitted.get_params() and loaded.history_ == fitted.history_
    assert loaded.classes_.dtype == fitted.classes_.dtype
    save_model(loaded, path)  # a model folder is replaced as a whole


def test_saved_string_classes_keep_their_type(digits, tmp_path):
    X, y, _, _ = digits
    model = CNNClassifier(**{**SMALL, "epochs": 1}).fit(X[:100], np.array(["a", "bb"])[y[:100] % 2])
    loaded = load_model(save_model(model, tmp_path / "m"))
    assert loaded.classes_.tolist() == ["a", "bb"] and loaded.predict(X[:3]).dtype.kind == "U"


def test_numpy_typed_parameters_are_saved(digits, tmp_path):
    X, y, _, _ = digits  # as a grid search over np.arange hands them out
    params = dict(channels=(np.int64(4),), epochs=np.int64(1), learning_rate=np.float32(0.01), flip=np.True_,
                  random_state=np.int64(3))
    model = CNNClassifier(**params).fit(X[:100], y[:100])
    loaded = load_model(save_model(model, tmp_path / "m"))
    assert {k: loaded.get_params()[k] for k in params} == params
    assert np.array_equal(loaded.predict_proba(X[:20]), model.predict_proba(X[:20]))


def test_saving_never_replaces_other_files(fitted, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(FileFormatError):
        save_model(fitted, folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_loading_names_what_is_wrong(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "cnn")
    (path / "weights.pt").unlink()
    with pytest.raises(ModelFileError, match="missing weights.pt"):
        load_model(path)
    path = save_model(fitted, tmp_path / "cnn2")
    meta = json.loads((path / "config.json").read_text())
    meta["config"]["attributes"]["network_"]["channels"] = [4, 16]
    (path / "config.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="weights 'features.0.weight'"):
        load_model(path)
    with pytest.raises(ModelFileError, match="not a model folder"):
        load_model(tmp_path / "nowhere")


def _patterns_anywhere(n, seed, size=16):
    """Grey images of a 5×5 plus or a 5×5 hollow square at a random place: the class is the pattern, not where."""
    rng = np.random.default_rng(seed)
    plus = np.zeros((5, 5)); plus[2, :] = plus[:, 2] = 1
    hollow = np.ones((5, 5)); hollow[1:4, 1:4] = 0
    X, y = np.zeros((n, size, size)), rng.integers(0, 2, n)
    for i in range(n):
        r, c = rng.integers(0, size - 4, 2)
        X[i, r:r + 5, c:c + 5] = (plus, hollow)[y[i]]
    return X, y


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_global_pooling_heads_read_each_map_whole(pooling):
    X, y = _patterns_anywhere(300, 0)
    model = CNNClassifier(**{**SMALL, "epochs": 15, "global_pooling": pooling}).fit(X, y)
    pool = model.module_.features[-2]
    assert isinstance(pool, torch.nn.AdaptiveMaxPool2d if pooling == "max" else torch.nn.AdaptiveAvgPool2d)
    assert pool.output_size == 1 and model.module_.head[1].in_features == 16  # one value per map of the last block
    X_test, y_test = _patterns_anywhere(200, 1)  # other places
    assert model.score(X_test, y_test) > 0.9


def test_global_pooling_is_saved_and_older_models_load_without_it(tmp_path):
    X, y = _patterns_anywhere(120, 0)
    model = CNNClassifier(**{**SMALL, "epochs": 2, "global_pooling": "max"}).fit(X, y)
    save_model(model, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.global_pooling == "max" and np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    flat = CNNClassifier(**{**SMALL, "epochs": 2, "global_pooling": None}).fit(X, y)
    del flat.network_["global_pooling"]  # as saved before global_pooling existed: the maps flattened
    save_model(flat, tmp_path / "old")
    config = json.loads((tmp_path / "old" / "config.json").read_text())
    del config["config"]["params"]["global_pooling"]  # nor among the parameters
    (tmp_path / "old" / "config.json").write_text(json.dumps(config))
    old = load_model(tmp_path / "old")
    assert np.array_equal(old.predict_proba(X), flat.predict_proba(X))
    assert old.global_pooling is None  # what its network does, not today's default: a refit builds the same network


def test_a_bad_global_pooling_is_named():
    X, y = _patterns_anywhere(20, 0)
    with pytest.raises(InvalidParameterError, match="global_pooling must be 'max', 'avg' or None, got 'sum'"):
        CNNClassifier(global_pooling="sum").fit(X, y)
