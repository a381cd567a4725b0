"""Saved autoencoders load back identical, from inspectable files, with nothing unpickled."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synthlearn.autoencoders import (
    AnomalyDetector,
    Autoencoder,
    ContractiveAutoencoder,
    ConvAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
    VariationalAutoencoder,
    load_model,
    save_model,
)
from synthlearn.autoencoders.persist import model_metadata
from synthlearn.errors import InvalidParameterError, ModelFileError

from autoencoder_data import digits

TINY = dict(code_size=3, hidden_layer_sizes=(8,), epochs=2, random_state=0)


@pytest.mark.parametrize("model", [
    Autoencoder(**TINY),
    SparseAutoencoder(**{**TINY, "code_size": 12}),
    ContractiveAutoencoder(**TINY),
    DenoisingAutoencoder(**TINY, corruption="salt_and_pepper", noise_level=0.1),
    VariationalAutoencoder(**TINY),
    AnomalyDetector(Autoencoder(**TINY), contamination=0.1),
], ids=lambda m: type(m).__name__)
def test_round_trip_gives_the_same_outputs_and_parameters(model, tmp_path):
    X = digits()[:60]
    model.fit(X)
    loaded = load_model(save_model(model, tmp_path / "m", metadata={"note": "hi"}))
    assert type(loaded) is type(model)
    assert repr(loaded.get_params()) == repr(model.get_params())
    method = "score_samples" if isinstance(model, AnomalyDetector) else "transform"
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X))
    assert model_metadata(tmp_path / "m") == {"note": "hi"}
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["model"]["class"] == type(model).__name__ and "torch" in config["versions"]


def test_variational_sampling_survives_the_round_trip(tmp_path):
    vae = VariationalAutoencoder(**TINY).fit(digits()[:60])
    loaded = load_model(save_model(vae, tmp_path / "v"))
    np.testing.assert_array_equal(loaded.sample(4, random_state=1), vae.sample(4, random_state=1))


@pytest.mark.parametrize("model, data, change", [
    (VariationalAutoencoder(**TINY), "rows", {"code_size": 2}),
    (Autoencoder(**TINY), "rows", {"hidden_layer_sizes": (5, 4), "code_size": 2}),
    (ConvAutoencoder(code_size=3, channels=(4,), epochs=2, random_state=0), "images", {"channels": (3, 5)}),
], ids=["vae-code_size", "dense-hidden_layer_sizes", "conv-channels"])
def test_set_params_after_fit_changes_neither_the_fitted_model_nor_what_is_saved(model, data, change, tmp_path):
    X = digits()[:60] if data == "rows" else digits()[:60].reshape(60, 8, 8)
    codes = model.fit(X).transform(X)
    decoded = model.inverse_transform(codes)
    drawn = model.sample(3, random_state=0) if hasattr(model, "sample") else None
    model.set_params(**change)
    np.testing.assert_array_equal(model.inverse_transform(codes), decoded)
    if drawn is not None:
        np.testing.assert_array_equal(model.sample(3, random_state=0), drawn)
    loaded = load_model(save_model(model, tmp_path / "m"))
    np.testing.assert_allclose(loaded.inverse_transform(codes), decoded, rtol=1e-12)
    loaded.set_params(**change)  # and a loaded model saves what it was fitted with, too
    np.testing.assert_allclose(load_model(save_model(loaded, tmp_path / "m")).inverse_transform(codes), decoded,
                               rtol=1e-12)


def test_a_sequence_autoencoder_forecasts_as_fitted_after_set_params(tmp_path):
    from synthlearn.autoencoders import SequenceAutoencoder

    series = np.sin(np.arange(120) / 4)
    model = SequenceAutoencoder(window=8, horizon=3, hidden_size=6, epochs=2, random_state=0).fit(series)
    expected = model.forecast(series, steps=5)
    model.set_params(horizon=4, hidden_size=4, num_layers=2, cell="lstm", code_size=3)
    np.testing.assert_array_equal(model.forecast(series, steps=5), expected)
    np.testing.assert_array_equal(load_model(save_model(model, tmp_path / "s")).forecast(series, steps=5), expected)


def test_unfitted_and_foreign_models_are_refused(tmp_path):
    from sklearn.exceptions import NotFittedError
    from sklearn.decomposition import PCA

    with pytest.raises(NotFittedError):
        save_model(Autoencoder(), tmp_path / "a")
    with pytest.raises(InvalidParameterError, match="synthlearn autoencoders"):
        save_model(PCA().fit(digits()), tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_loading_names_the_missing_or_broken_file(tmp_path):
    model = Autoencoder(**TINY).fit(digits()[:60])
    folder = save_model(model, tmp_path / "m")
    (folder / "arrays.npz").unlink()
    with pytest.raises(ModelFileError, match="missing arrays.npz"):
        load_model(folder)
    folder = save_model(model, tmp_path / "m2")
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="corrupt"):
        load_model(folder)
    config = save_model(model, tmp_path / "m3") / "config.json"
    config.write_text(config.read_text().replace('"Autoencoder"', '"os.system"'))
    with pytest.raises(ModelFileError, match="unknown class"):
        load_model(tmp_path / "m3")
    with pytest.raises(ModelFileError, match="not a model folder"):
        load_model(tmp_path / "nowhere")
    folder = save_model(model, tmp_path / "m4")
    with np.load(folder / "arrays.npz") as arrays:
        kept = {k: arrays[k][:, :3] if k == "weight__encoder.0.weight" else arrays[k] for k in arrays.files}
    np.savez(folder / "arrays.npz", **kept)
    with pytest.raises(ModelFileError, match=r"weights 'encoder.0.weight' in arrays.npz has shape \(8, 3\), the "
                                             r"network of its config.json needs \(8, 64\)") as raised:
        load_model(folder)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("files, message", [
    (["synthesizer.json", "arrays.npz"], "a synthesizer saved by `synthlearn synthesize`"),
    (["model.skops", "metadata.json"], "a model saved by `synthlearn train`"),
    (["synthetic.parquet", "report.html"], "the output of `synthlearn synthesize`"),
    (["notes.txt"], "it has no config.json and no arrays.npz"),
])
def test_another_kind_of_folder_is_named_not_called_incomplete(tmp_path, files, message):
    for name in files:
        (tmp_path / name).write_text("")
    with pytest.raises(ModelFileError, match="is not an autoencoder model folder") as raised:
        load_model(tmp_path)
    assert message in str(raised.value) and "save the model again" not in str(raised.value)


def test_a_newer_model_format_is_refused(tmp_path):
    folder = save_model(Autoencoder(**TINY).fit(digits()[:60]), tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "format_version": 99}))
    for read in (load_model, model_metadata):
        with pytest.raises(ModelFileError, match=r"saved in model format 99, newer than this synthlearn reads "
                                                 r"\(1\); upgrade synthlearn"):
            read(folder)


def test_sequence_autoencoder_round_trip_keeps_the_scaler_and_forecasts(tmp_path):
    from sklearn.preprocessing import StandardScaler

    from synthlearn.autoencoders import SequenceAutoencoder

    series = 10 + 3 * np.sin(np.arange(160) / 4) + np.random.default_rng(0).normal(0, 0.2, 160)
    model = SequenceAutoencoder(window=12, horizon=3, hidden_size=8, epochs=3, random_state=0).fit(series)
    loaded = load_model(save_model(model, tmp_path / "seq"))
    assert isinstance(loaded.scaler_, StandardScaler) and loaded.window_ == 12
    np.testing.assert_array_equal(loaded.scaler_.mean_, model.scaler_.mean_)
    np.testing.assert_array_equal(loaded.forecast(series, steps=7), model.forecast(series, steps=7))
    windows = series[:48].reshape(4, 12)
    np.testing.assert_array_equal(loaded.transform(windows), model.transform(windows))


def test_autorec_round_trip_keeps_the_training_ratings(tmp_path):
    from scipy import sparse

    from synthlearn.autoencoders import AutoRec
    from synthlearn.generate import make_ratings

    data = make_ratings(n_users=40, n_items=30, n_ratings=600, min_per_user=5, random_state=0)
    model = AutoRec(hidden_size=6, epochs=3, random_state=0).fit(data.ratings)
    loaded = load_model(save_model(model, tmp_path / "rec"))
    assert sparse.issparse(loaded.ratings_) and (loaded.ratings_ != model.ratings_).nnz == 0
    assert (loaded.observed_ != model.observed_).nnz == 0
    np.testing.assert_array_equal(loaded.recommend(k=3), model.recommend(k=3))
    pairs = ([0, 1, 2], [3, 4, 5])
    np.testing.assert_array_equal(loaded.predict_ratings(*pairs), model.predict_ratings(*pairs))


def test_an_autorec_saved_before_the_bias_baseline_is_refused(tmp_path):
    from synthlearn.autoencoders import AutoRec
    from synthlearn.generate import make_ratings

    data = make_ratings(n_users=40, n_items=30, n_ratings=600, min_per_user=5, random_state=0)
    folder = save_model(AutoRec(hidden_size=6, epochs=3, random_state=0).fit(data.ratings), tmp_path / "rec")
    with np.load(folder / "arrays.npz") as arrays:  # what an earlier synthlearn wrote: no biases
        kept = {k: arrays[k] for k in arrays.files if not k.endswith("_bias_")}
    np.savez(folder / "arrays.npz", **kept)
    with pytest.raises(ModelFileError, match="lacks user_bias_, item_bias_: it was saved by an earlier synthlearn"):
        load_model(folder)
