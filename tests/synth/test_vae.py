"""VAESynthesizer and the mode-specific encoding it shares with the GAN."""

import numpy as np
import pandas as pd
import pytest

from synthlearn.data import infer_schema
from synthlearn.errors import InvalidParameterError
from synthlearn.synth import Synthesizer, TableEncoder, VAESynthesizer
from synthlearn.synth.modes import ModeEncoder


@pytest.fixture
def bimodal():
    rng = np.random.default_rng(0)
    n = 400
    group = rng.integers(0, 2, n)
    x = np.where(group == 0, rng.normal(-5, 0.5, n), rng.normal(5, 0.5, n))
    df = pd.DataFrame({"x": x, "g": pd.Categorical(np.where(group == 0, "a", "b")), "y": rng.normal(size=n)})
    df.loc[:99, "y"] = np.nan  # 25 % missing
    return df


def test_mode_encoder_round_trips_and_finds_the_modes(bimodal):
    enc = TableEncoder().fit(bimodal, infer_schema(bimodal))
    X = enc.transform(bimodal)
    modes = ModeEncoder().fit(X, enc.columns_, random_state=0)
    means = np.sort(modes.modes_[0][0])
    assert len(means) >= 2 and means[0] == pytest.approx(-5, abs=0.5) and means[-1] == pytest.approx(5, abs=0.5)
    E = modes.transform(X, np.random.default_rng(0))
    assert E.shape == (len(bimodal), modes.width_)
    tanh = [s.start for s in modes.spans_ if s.activation == "tanh"]
    assert np.all(np.abs(E[:, tanh]) < 1)
    back = modes.inverse_transform(E)
    observed = ~np.isnan(X)
    np.testing.assert_allclose(back[observed], X[observed], atol=1e-4)
    state, arrays = modes.get_state()
    again = ModeEncoder.from_state(enc.columns_, arrays)
    assert again.width_ == modes.width_ and again.spans_ == modes.spans_


def test_vae_learns_a_bimodal_column_and_the_dependence(bimodal):
    synth = VAESynthesizer(epochs=150, batch_size=128, random_state=0).fit(bimodal)
    out = synth.sample(1000, random_state=1)
    assert list(out.columns) == list(bimodal.columns)
    assert (out.dtypes == bimodal.dtypes).all()
    # both modes are produced, nothing in the empty middle, and g still tells the modes apart
    assert (out["x"] < -2).mean() > 0.3 and (out["x"] > 2).mean() > 0.3
    assert (out["x"].abs() < 2).mean() < 0.1
    assert ((out["g"] == "a") == (out["x"] < 0)).mean() > 0.9
    assert 0.05 < out["y"].isna().mean() < 0.45
    assert synth.history_[-1]["train_loss"] < synth.history_[0]["train_loss"]


def test_vae_is_reproducible_and_saves(tmp_path, bimodal):
    a = VAESynthesizer(epochs=3, random_state=0).fit(bimodal).sample(20, random_state=2)
    synth = VAESynthesizer(epochs=3, random_state=0).fit(bimodal)
    pd.testing.assert_frame_equal(a, synth.sample(20, random_state=2))
    synth.save(tmp_path / "vae")
    again = Synthesizer.load(tmp_path / "vae")
    pd.testing.assert_frame_equal(again.sample(20, random_state=2), a)


@pytest.mark.parametrize("kw, word", [(dict(embedding_dim=0), "embedding_dim"),
                                      (dict(hidden_layer_sizes=(0,)), "hidden_layer_sizes"),
                                      (dict(decoder_layer_sizes=(8, 0)), "decoder_layer_sizes"),
                                      (dict(decoder_layer_sizes=8), "decoder_layer_sizes"),
                                      (dict(loss_factor=-1), "loss_factor"), (dict(epochs=0), "epochs"),
                                      (dict(device="nope"), "device"), (dict(conditional="yes"), "conditional")])
def test_vae_bad_parameters(kw, word, bimodal):
    with pytest.raises(InvalidParameterError, match=word):
        VAESynthesizer(**kw).fit(bimodal)


def test_conditional_vae_samples_a_rare_category_natively(monkeypatch):
    import synthlearn.synth.conditions as conditions

    rng = np.random.default_rng(0)
    n = 600
    kind = rng.choice(["common", "other", "rare"], n, p=[0.6, 0.36, 0.04])
    x = np.select([kind == "common", kind == "other"], [rng.normal(0, 1, n), rng.normal(-6, 1, n)], rng.normal(8, 1, n))
    df = pd.DataFrame({"kind": kind, "x": x})
    synth = VAESynthesizer(epochs=150, batch_size=100, random_state=0).fit(df)
    assert synth.cond_dim_ == 3 and np.allclose(synth.category_freq_[0], pd.Series(kind).value_counts(normalize=True)
                                                .reindex(["common", "other", "rare"]))

    def no_rejection(*args, **kwargs):
        raise AssertionError("rejection sampling used")

    monkeypatch.setattr(conditions, "rejection_sample", no_rejection)
    rare = synth.sample(300, conditions={"kind": "rare"}, random_state=0)
    assert (rare["kind"] == "rare").all() and (rare["x"] > 4).mean() > 0.8
    # unconditional draws keep the frequencies
    assert 0.01 < (synth.sample(2000, random_state=1)["kind"] == "rare").mean() < 0.1


def test_plain_vae_and_models_saved_before_the_conditional_vector(tmp_path, bimodal):
    import json

    plain = VAESynthesizer(epochs=3, conditional=False, random_state=0).fit(bimodal)
    assert plain.cond_dim_ == 0
    out = plain.sample(30, conditions={"g": "b"}, random_state=0)  # by rejection
    assert (out["g"] == "b").all()
    plain.save(tmp_path / "vae")
    meta_path = tmp_path / "vae" / "synthesizer.json"
    meta = json.loads(meta_path.read_text())
    for key in ("cond_dim", "n_conditions"):  # the state of an older synthlearn
        del meta["state"][key]
    del meta["params"]["conditional"]
    meta_path.write_text(json.dumps(meta))
    old = Synthesizer.load(tmp_path / "vae")
    pd.testing.assert_frame_equal(old.sample(20, random_state=2), plain.sample(20, random_state=2))


def test_decoder_widths_and_models_saved_before_them(tmp_path, bimodal):
    import json

    def widths(net):
        return [layer.out_features for layer in net if hasattr(layer, "out_features")]

    wide = VAESynthesizer(epochs=1, random_state=0).fit(bimodal)  # encoder (128, 128), decoder (256, 256)
    assert widths(wide.module_.encoder) == [128, 128] and widths(wide.module_.decoder)[:-1] == [256, 256]
    mirrored = VAESynthesizer(hidden_layer_sizes=(16, 8), decoder_layer_sizes=None, epochs=3,
                              random_state=0).fit(bimodal)
    assert widths(mirrored.module_.decoder)[:-1] == [8, 16]
    mirrored.save(tmp_path / "vae")
    meta_path = tmp_path / "vae" / "synthesizer.json"
    meta = json.loads(meta_path.read_text())
    del meta["state"]["decoder"], meta["params"]["decoder_layer_sizes"]  # as an older synthlearn wrote it
    meta_path.write_text(json.dumps(meta))
    old = Synthesizer.load(tmp_path / "vae")
    assert old.decoder_layer_sizes is None
    pd.testing.assert_frame_equal(old.sample(20, random_state=2), mirrored.sample(20, random_state=2))
    old.save(tmp_path / "again")  # and saved again, it keeps its mirrored decoder
    pd.testing.assert_frame_equal(Synthesizer.load(tmp_path / "again").sample(20, random_state=2),
                                  mirrored.sample(20, random_state=2))


def test_mode_layout_gathers_every_block(bimodal):
    enc = TableEncoder().fit(bimodal, infer_schema(bimodal))
    modes = ModeEncoder().fit(enc.transform(bimodal), enc.columns_, random_state=0)
    tanh, blocks, valid = modes.layout()
    assert list(tanh) == [s.start for s in modes.spans_ if s.activation == "tanh"]
    soft = [s for s in modes.spans_ if s.activation == "softmax"]
    assert [list(b[v]) for b, v in zip(blocks, valid)] == [list(range(s.start, s.start + s.width)) for s in soft]


def test_auto_epochs_make_enough_steps_on_small_tables():
    rng = np.random.default_rng(0)
    assert VAESynthesizer()._config(rng, 124).epochs == 3000  # one batch per epoch
    assert VAESynthesizer()._config(rng, 14000).epochs == 108  # 28 batches per epoch
    assert VAESynthesizer()._config(rng, 10**7).epochs == 1
    assert VAESynthesizer(epochs=7)._config(rng, 124).epochs == 7


def test_decode_matches_a_column_by_column_inverse(bimodal):
    """The vectorised decoder (one argmax over the padded block grid) against the definition:
    categories and modes are the argmax of their blocks, a value is alpha * 4 sigma_k + mu_k."""
    torch = pytest.importorskip("torch")
    enc = TableEncoder().fit(bimodal, infer_schema(bimodal))
    modes = ModeEncoder().fit(enc.transform(bimodal), enc.columns_, random_state=0)
    E = np.random.default_rng(1).normal(size=(300, modes.width_)).astype(np.float32)
    expected = np.zeros((300, len(enc.columns_)))
    spans = iter(modes.spans_)
    for span in spans:
        j = span.column
        if enc.columns_[j].discrete:
            expected[:, j] = E[:, span.start:span.start + span.width].argmax(axis=1)
        else:
            block = next(spans)
            k = E[:, block.start:block.start + block.width].argmax(axis=1)
            means, stds = modes.modes_[j]
            expected[:, j] = np.clip(E[:, span.start], -1, 1) * 4 * stds[k] + means[k]
    np.testing.assert_allclose(modes.inverse_transform(E), expected, rtol=1e-12)
    np.testing.assert_allclose(modes.decode(torch.from_numpy(E)).numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("method", ["vae", "gan"])
def test_sampling_threads_do_not_change_the_rows(method, bimodal, monkeypatch):
    """Sampling chunks run on as many Python threads as torch has intra-op threads, each chunk
    with its own seed: the rows are the same on one thread and on three, and torch's thread count
    is restored afterwards."""
    torch = pytest.importorskip("torch")
    import synthlearn.synth.condvec as condvec
    from synthlearn.synth import GANSynthesizer

    monkeypatch.setattr(condvec, "_SAMPLE_CHUNK", 64)  # 700 rows: 11 chunks, the last one short
    model = (VAESynthesizer(epochs=2, random_state=0) if method == "vae"
             else GANSynthesizer(epochs=2, batch_size=100, random_state=0)).fit(bimodal)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = model.sample(700, random_state=4)
        torch.set_num_threads(3)
        three = model.sample(700, random_state=4)
        assert torch.get_num_threads() == 3
        fixed_three = model.sample(700, random_state=5, conditions={"g": "a"})
        torch.set_num_threads(1)
        fixed_one = model.sample(700, random_state=5, conditions={"g": "a"})
    finally:
        torch.set_num_threads(before)
    pd.testing.assert_frame_equal(one, three)
    pd.testing.assert_frame_equal(fixed_one, fixed_three)
    assert (fixed_one["g"] == "a").all()
