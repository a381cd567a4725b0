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


def test_mode_assignment_argmax_takes_the_densest_mode_and_sample_draws_the_posterior():
    """With two overlapping modes, argmax gives every value the mode of highest density there
    (a function of the value, whatever the seed); "sample" draws it from the posterior over the
    modes, as CTGAN does, so a value midway between equal modes gets either about half the time.
    Both decode back to the value."""
    from synthlearn.synth.transform import ModelColumn

    columns = [ModelColumn(name="x", source="x", discrete=False, n_unique=5)]
    x = np.array([-1.0, -0.2, 0.0, 0.2, 1.0] * 2000)
    X = x[:, None]
    modes = {}
    for assignment in ("argmax", "sample"):
        enc = ModeEncoder(assignment).fit(X, columns, random_state=0)
        enc.modes_ = [(np.array([-0.5, 0.5]), np.array([0.5, 0.5]))]  # two equal, overlapping modes
        enc._build_spans()
        draws = [enc.transform(X, np.random.default_rng(seed)) for seed in (0, 1)]
        modes[assignment] = [E[:, 1:3].argmax(axis=1) for E in draws]
        for E in draws:
            np.testing.assert_allclose(enc.inverse_transform(E)[:, 0], x, atol=1e-5)
    a0, a1 = modes["argmax"]
    np.testing.assert_array_equal(a0, a1)
    np.testing.assert_array_equal(a0[x < 0], 0)
    np.testing.assert_array_equal(a0[x > 0], 1)
    s0, s1 = modes["sample"]
    assert not np.array_equal(s0, s1)
    assert 0.4 < s0[x == 0].mean() < 0.6  # midway: either mode
    assert 0.005 < s0[x == -1].mean() < 0.04  # p(mode 1 | -1) = 1 / (1 + e^4) = 0.018
    assert ModeEncoder().assignment == "argmax"
    # far from both modes, where their densities underflow, the mode is still the denser one: the wider
    enc = ModeEncoder().fit(X, columns, random_state=0)
    enc.modes_ = [(np.array([0.0, 1.0]), np.array([0.01, 0.02]))]
    enc._build_spans()
    far = enc.transform(np.array([[-5.0], [6.0]]), np.random.default_rng(0))
    np.testing.assert_array_equal(far[:, 1:3].argmax(axis=1), [1, 1])


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
                                      (dict(device="nope"), "device"), (dict(conditional="yes"), "conditional"),
                                      (dict(latent_sampling="mean"), "latent_sampling"),
                                      (dict(mode_assignment="max"), "mode_assignment"),
                                      (dict(mode_assignment=None), "mode_assignment"),
                                      (dict(amp="bf16"), "amp"), (dict(amp=1), "amp"),
                                      (dict(sampling_precision="float16"), "sampling_precision")])
def test_vae_bad_parameters(kw, word, bimodal):
    with pytest.raises(InvalidParameterError, match=word):
        VAESynthesizer(**kw).fit(bimodal)


@pytest.mark.parametrize("native", [True, False])
def test_mixed_precision_auto_by_default_as_the_gan(monkeypatch, native):
    import synthlearn.nn.device

    monkeypatch.setattr(synthlearn.nn.device, "bf16_matmul_native", lambda: native)
    rng = np.random.default_rng(0)
    assert VAESynthesizer(device="cpu")._config(rng, 14000).amp is native  # the default: "auto"
    assert VAESynthesizer(device="cpu", amp=False)._config(rng, 14000).amp is False
    assert VAESynthesizer(device="cpu", amp="auto")._config(rng, 5000).amp is native  # 10 batches of 500
    assert VAESynthesizer(device="cpu", amp="auto")._config(rng, 4999).amp is False  # too small to pay
    assert VAESynthesizer(device="cpu", amp="auto", validation_fraction=0.5)._config(rng, 9000).amp is False
    assert VAESynthesizer(device="cpu", amp=True)._config(rng, 124).amp is True


def test_vae_trains_in_bfloat16_on_the_cpu_and_samples_so(tmp_path, bimodal):
    synth = VAESynthesizer(epochs=20, amp=True, device="cpu", random_state=0).fit(bimodal)
    assert synth.training_precision_ == "bfloat16"
    assert all(str(p.dtype) == "torch.float32" for p in synth.module_.parameters())
    out = synth.sample(300, random_state=0)
    assert out.shape == (300, 3) and np.isfinite(out["x"]).all()
    pd.testing.assert_frame_equal(out, VAESynthesizer(epochs=20, amp=True, device="cpu", random_state=0)
                                  .fit(bimodal).sample(300, random_state=0))
    synth.save(tmp_path / "vae")
    loaded = Synthesizer.load(tmp_path / "vae")
    assert loaded.training_precision_ == "bfloat16"
    pd.testing.assert_frame_equal(loaded.sample(300, random_state=0), out)
    loaded.set_params(sampling_precision="float32")  # the same weights sampled in float32 give other numbers
    assert not loaded.sample(300, random_state=0)["x"].equals(out["x"])
    assert VAESynthesizer(epochs=2, amp=False, random_state=0).fit(bimodal).training_precision_ == "float32"


def test_a_float32_vae_samples_in_bfloat16_when_asked(tmp_path, bimodal):
    synth = VAESynthesizer(epochs=20, random_state=0).fit(bimodal)
    assert synth.training_precision_ == "float32"
    exact = synth.sample(300, random_state=0)
    pd.testing.assert_frame_equal(synth.set_params(sampling_precision="float32").sample(300, random_state=0), exact)
    half = synth.set_params(sampling_precision="bfloat16").sample(300, random_state=0)
    assert not half["x"].equals(exact["x"])
    assert (half["x"] - exact["x"]).abs().max() < 0.1  # bfloat16 steps, not other rows
    assert (half["g"] == exact["g"]).mean() > 0.95
    with pytest.raises(InvalidParameterError, match="sampling_precision"):  # checked when set after fit too
        synth.set_params(sampling_precision="half").sample(5)
    synth.set_params(sampling_precision="bfloat16")
    synth.save(tmp_path / "vae")  # the parameter is saved with the model
    pd.testing.assert_frame_equal(Synthesizer.load(tmp_path / "vae").sample(300, random_state=0), half)


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
    # unconditional draws keep the frequencies, in the order drawn (not grouped by conditional vector)
    draws = synth.sample(2000, random_state=1)["kind"]
    assert 0.01 < (draws == "rare").mean() < 0.1
    assert (draws != draws.shift()).mean() > 0.3


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


def test_block_softmax_and_cross_entropy_are_torchs_with_their_gradients():
    torch = pytest.importorskip("torch")
    from synthlearn.synth.modes import block_cross_entropy, block_softmax

    torch.manual_seed(0)
    logits = torch.randn(50, 4, 6) * 3
    logits[:, 1, 4:] = -torch.inf  # padding of a narrower block
    logits[:, 3, 1:] = -torch.inf  # a block of one
    target = torch.randint(0, 4, (50, 4))
    target[:, 3] = 0
    grad = torch.randn(50, 4, 6)
    ours, theirs = logits.clone().requires_grad_(True), logits.clone().requires_grad_(True)
    soft = block_softmax(ours, 0.2)
    expected = torch.softmax(theirs / 0.2, dim=2)
    torch.testing.assert_close(soft, expected)
    assert bool((soft[:, 1, 4:] == 0).all()) and bool((soft[:, 3, 0] == 1).all())
    soft.backward(grad)
    expected.backward(grad)
    torch.testing.assert_close(ours.grad, theirs.grad)
    ours.grad = theirs.grad = None
    loss = block_cross_entropy(ours, target)
    reference = torch.nn.functional.cross_entropy(theirs.reshape(-1, 6), target.reshape(-1), reduction="sum")
    torch.testing.assert_close(loss, reference)
    loss.backward()
    reference.backward()
    torch.testing.assert_close(ours.grad, theirs.grad)
    assert torch.isfinite(ours.grad).all()
    with torch.autocast("cpu", dtype=torch.bfloat16):  # float32 whatever the input, as autocast's softmax
        assert block_softmax(logits.bfloat16()).dtype == torch.float32
        assert block_cross_entropy(logits.bfloat16(), target).dtype == torch.float32


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
    import torch

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
    import torch

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


def _codes(synth, df, cond):
    """Encoder means and variances of ``df``'s rows under the conditional vectors ``cond``."""
    import torch

    X = synth.encoder_.transform(df)
    data = torch.from_numpy(synth.modes_.transform(X, np.random.default_rng(0)))
    with torch.no_grad():
        h = synth.module_.encoder(torch.cat([data, torch.as_tensor(cond, dtype=torch.float32)], dim=1))
        return synth.module_.mean(h).double().numpy(), synth.module_.log_var(h).double().exp().numpy()


def test_latent_gaussians_are_the_aggregate_posterior_moments():
    # discrete columns only, so that encoding the rows again gives the training inputs exactly
    rng = np.random.default_rng(0)
    g = rng.choice(["a", "b"], 300, p=[0.7, 0.3])
    h = np.where(g == "a", rng.choice(["x", "y"], 300), rng.choice(["y", "z"], 300))
    df = pd.DataFrame({"g": pd.Categorical(g), "h": pd.Categorical(h)})
    d, eye = 4, np.eye(4)

    def shrunk(n, mean, var):  # the moments, shrunk towards N(0, I) by d pseudo-rows
        own = np.cov(mean.T, bias=True) + np.diag(var.mean(axis=0))
        return n * mean.mean(axis=0) / (n + d), (n * own + d * eye) / (n + d) + 1e-6 * eye

    # a plain VAE: one Gaussian, the mean code and the covariance of the codes plus the mean posterior variance
    plain = VAESynthesizer(embedding_dim=d, epochs=20, conditional=False, random_state=0).fit(df)
    assert plain.latent_mean_.shape == (1, 4) and plain.latent_scale_index_.tolist() == [0]
    mean, cov = shrunk(len(df), *_codes(plain, df, np.zeros((len(df), 0))))
    L = plain.latent_scale_[0].astype(np.float64)
    np.testing.assert_allclose(plain.latent_mean_[0], mean, atol=1e-5)
    np.testing.assert_allclose(L @ L.T, cov, atol=1e-5)
    # conditional: one Gaussian per category of each column, from the rows of that category under its vector
    synth = VAESynthesizer(embedding_dim=d, epochs=20, random_state=0).fit(df)
    assert synth.latent_mean_.shape == (5, 4) and synth.latent_scale_.shape == (6, 4, 4)
    for k, (column, label) in enumerate([("g", "a"), ("g", "b"), ("h", "x"), ("h", "y"), ("h", "z")]):
        rows = df[df[column] == label]
        cond = np.zeros((len(rows), 5))
        cond[:, k] = 1
        mean, cov = shrunk(len(rows), *_codes(synth, rows, cond))
        L = synth.latent_scale_[synth.latent_scale_index_[k]].astype(np.float64)
        np.testing.assert_allclose(synth.latent_mean_[k], mean, atol=1e-5)
        np.testing.assert_allclose(L @ L.T, cov, atol=1e-5)


@pytest.mark.parametrize("own", [256, 1])  # every vector with its own covariance; only the most frequent
def test_latent_sampling_draws_each_vectors_gaussian(own, bimodal, monkeypatch):
    import torch

    import synthlearn.synth.vae as vae

    monkeypatch.setattr(vae, "_OWN_COVARIANCES", own)
    synth = VAESynthesizer(embedding_dim=3, epochs=5, random_state=0).fit(bimodal)
    linear = synth.module_.decoder[0]
    first = synth._first_layer(linear)
    z = torch.randn(400, 3, generator=torch.Generator().manual_seed(0))
    # rows of every vector (g's a and b, y's observed and missing), then of one vector only
    for vectors in (np.arange(400) % 4, np.full(400, 2)):
        cond = torch.zeros(400, 4)
        cond[np.arange(400), vectors] = 1
        pre, order = first(z, torch.from_numpy(vectors))
        order = np.arange(400) if order is None else order.numpy()
        assert sorted(order) == list(range(400))
        # row i: the code drawn with noise i from the Gaussian of row order[i]'s vector, then the layer
        means = torch.from_numpy(synth.latent_mean_[vectors[order]])
        scales = torch.from_numpy(synth.latent_scale_[synth.latent_scale_index_[vectors[order]]])
        codes = means + (scales @ z[:, :, None])[:, :, 0]
        with torch.no_grad():
            expected = linear(torch.cat([codes, cond[order]], dim=1))
        torch.testing.assert_close(pre, expected, atol=1e-5, rtol=1e-5)
    posterior = synth.sample(50, random_state=3)
    assert not posterior.equals(synth.set_params(latent_sampling="prior").sample(50, random_state=3))
    assert synth._first_layer(linear) is None


def test_rare_vectors_share_the_pooled_covariance(bimodal, monkeypatch):
    import synthlearn.synth.vae as vae

    monkeypatch.setattr(vae, "_OWN_COVARIANCES", 1)
    synth = VAESynthesizer(embedding_dim=3, epochs=5, random_state=0).fit(bimodal)
    assert synth.latent_scale_.shape == (2, 3, 3)
    # vectors: g's a and b, then y observed / missing; y observed, the most frequent, has its own
    # covariance, the others the pooled one (the last)
    assert synth.latent_scale_index_.tolist() == [1, 1, 0, 1]
    assert synth.sample(20, conditions={"g": "a"}, random_state=0).shape == (20, 3)


def test_models_saved_before_the_latent_gaussians_sample_the_prior(tmp_path, bimodal):
    import json

    synth = VAESynthesizer(epochs=3, random_state=0).fit(bimodal)
    synth.save(tmp_path / "vae")
    with np.load(tmp_path / "vae" / "arrays.npz") as f:  # as an older synthlearn wrote it
        arrays = {k: f[k] for k in f.files if not k.startswith("latent_")}
    np.savez(tmp_path / "vae" / "arrays.npz", **arrays)
    meta_path = tmp_path / "vae" / "synthesizer.json"
    meta = json.loads(meta_path.read_text())
    del meta["params"]["latent_sampling"]
    meta_path.write_text(json.dumps(meta))
    old = Synthesizer.load(tmp_path / "vae")
    assert old.latent_mean_ is None and old.latent_sampling == "prior"
    prior = synth.set_params(latent_sampling="prior").sample(20, random_state=2)
    pd.testing.assert_frame_equal(old.sample(20, random_state=2), prior)
    old.save(tmp_path / "again")
    pd.testing.assert_frame_equal(Synthesizer.load(tmp_path / "again").sample(20, random_state=2), prior)
    with pytest.raises(InvalidParameterError, match="latent_sampling='prior' or fit again"):
        old.set_params(latent_sampling="posterior").sample(5)


def test_the_folded_gaussians_are_computed_once_per_fitted_model(bimodal):
    import torch

    synth = VAESynthesizer(embedding_dim=3, epochs=3, random_state=0).fit(bimodal)
    linear = synth.module_.decoder[0]
    first = synth._folded(linear)
    balanced = synth.sample(40, conditions=pd.DataFrame({"g": ["a", "b"] * 20}), random_state=0)
    assert (balanced["g"].value_counts() == 20).all()
    assert synth._folded(linear) is first  # reused by every condition's draw
    synth.latent_scale_ = synth.latent_scale_ * 0.5  # new Gaussians: folded again
    again = synth._folded(linear)
    assert again is not first
    torch.testing.assert_close(again[0], first[0] * 0.5)
    refit = synth.fit(bimodal)  # a new module and new Gaussians
    assert refit._folded(refit.module_.decoder[0]) is not again
