"""GANSynthesizer (CTGAN-style) on the shared training loop."""

import numpy as np
import pandas as pd
import pytest

from synthlearn.errors import DataError, InvalidParameterError
from synthlearn.synth import GANSynthesizer, Synthesizer


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    n = 300
    color = rng.choice(["red", "green", "blue", "rare"], n, p=[0.5, 0.3, 0.18, 0.02])
    x = np.where(color == "red", rng.normal(10, 1, n), rng.normal(-10, 1, n))
    return pd.DataFrame({"color": color, "x": x, "n": rng.integers(0, 5, n)})


def test_gan_learns_modes_and_keeps_the_table_shape(table):
    synth = GANSynthesizer(epochs=200, batch_size=50, random_state=0).fit(table)
    out = synth.sample(800, random_state=0)
    assert list(out.columns) == list(table.columns) and (out.dtypes == table.dtypes).all()
    assert set(out["color"]) <= set(table["color"])
    # both modes of x appear and the red/other split follows them more often than chance
    assert (out["x"] > 0).mean() > 0.15 and (out["x"] < 0).mean() > 0.15
    agree = ((out["color"] == "red") == (out["x"] > 0)).mean()
    assert agree > 0.6
    assert len(synth.history_) == 200 and "critic_loss" in synth.history_[0]


def test_gan_is_reproducible_and_saves(tmp_path, table):
    a = GANSynthesizer(epochs=2, batch_size=50, random_state=1).fit(table)
    b = GANSynthesizer(epochs=2, batch_size=50, random_state=1).fit(table)
    pd.testing.assert_frame_equal(a.sample(30, random_state=3), b.sample(30, random_state=3))
    a.save(tmp_path / "gan")
    pd.testing.assert_frame_equal(Synthesizer.load(tmp_path / "gan").sample(30, random_state=3),
                                  a.sample(30, random_state=3))


def test_gan_on_numbers_only():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
    out = GANSynthesizer(epochs=2, batch_size=20, random_state=0).fit(df).sample(10)
    assert out.shape == (10, 2)


@pytest.mark.parametrize("kw, word", [(dict(batch_size=55), "multiple of pac"), (dict(pac=0), "pac"),
                                      (dict(generator_dims=(0,)), "generator_dims"),
                                      (dict(gradient_penalty=-1), "gradient_penalty"),
                                      (dict(penalty_every=0), "penalty_every"),
                                      (dict(minibatch_std=-1), "minibatch_std"),
                                      (dict(minibatch_std=2.5), "minibatch_std"),
                                      (dict(minibatch_std=True), "minibatch_std"),
                                      (dict(critic_dropout=1.0), "critic_dropout"),
                                      (dict(critic_dropout=-0.1), "critic_dropout"),
                                      (dict(critic_dropout="half"), "critic_dropout"),
                                      (dict(averaging=1.0), "averaging"), (dict(averaging="yes"), "averaging"),
                                      (dict(mode_assignment="mean"), "mode_assignment"),
                                      (dict(amp="bf16"), "amp"), (dict(amp=1), "amp"),
                                      (dict(sampling_precision="half"), "sampling_precision"),
                                      (dict(sampling_precision=None), "sampling_precision")])
def test_gan_bad_parameters(kw, word, table):
    with pytest.raises(InvalidParameterError, match=word):
        GANSynthesizer(**kw).fit(table)


@pytest.mark.parametrize("every, penalties", [(1, 10), (3, 3)])
def test_gradient_penalty_is_taken_on_every_kth_step(monkeypatch, every, penalties):
    import torch

    calls = []
    grad = torch.autograd.grad

    def counting(*args, **kwargs):
        calls.append(kwargs.get("create_graph"))
        return grad(*args, **kwargs)

    monkeypatch.setattr(torch.autograd, "grad", counting)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=100), "b": rng.choice(["x", "y"], 100)})
    GANSynthesizer(epochs=2, batch_size=20, penalty_every=every, random_state=0).fit(df)  # 2 x 5 steps
    assert calls == [True] * penalties


def test_weight_average_follows_the_generator_with_a_warm_up():
    import torch

    from synthlearn.synth.gan import _averaged

    net = torch.nn.Linear(2, 1)
    average = _averaged(net)
    start = average.net.weight.clone()
    with torch.no_grad():
        net.weight.add_(1.0)
    average.update(net, decay=0.999)  # first step: weight 1 - 2/11 on the old average
    expected = start + (net.weight - start) * (1 - 2 / 11)
    torch.testing.assert_close(average.net.weight, expected)
    assert int(average.steps) == 1 and not average.net.weight.requires_grad


def test_averaged_generator_is_sampled_with_recalibrated_batch_norm(table):
    import torch

    averaged = GANSynthesizer(epochs=30, batch_size=50, random_state=0).fit(table)
    last = GANSynthesizer(epochs=30, batch_size=50, averaging=None, random_state=0).fit(table)
    assert set(averaged.module_) == {"generator", "critic"}
    norms = [m for m in averaged.module_["generator"].modules() if isinstance(m, torch.nn.BatchNorm1d)]
    assert norms and all(m.momentum == 0.1 and int(m.num_batches_tracked) == 20 for m in norms)
    # same training run, different weights sampled
    a, b = (dict(s.module_["generator"].named_parameters()) for s in (averaged, last))
    assert not all(torch.equal(a[k], b[k]) for k in a)
    torch.testing.assert_close(dict(averaged.module_["critic"].named_parameters()),
                               dict(last.module_["critic"].named_parameters()))


@pytest.mark.parametrize("native", [True, False])
def test_auto_mixed_precision_where_the_cpu_multiplies_bfloat16(monkeypatch, native):
    import synthlearn.nn.device

    monkeypatch.setattr(synthlearn.nn.device, "bf16_matmul_native", lambda: native)
    assert GANSynthesizer(device="cpu")._config(0, 5000).amp is native  # 10 batches of 500
    assert GANSynthesizer(device="cpu", batch_size=50)._config(0, 500).amp is native
    assert GANSynthesizer(device="cpu")._config(0, 4999).amp is False  # too small to pay
    assert GANSynthesizer(device="cpu", amp=False)._config(0, 14000).amp is False
    assert GANSynthesizer(device="cpu", amp=True)._config(0, 124).amp is True


def test_training_precision_is_the_autocast_dtype():
    torch = pytest.importorskip("torch")
    from synthlearn.nn import TrainingConfig

    precision = GANSynthesizer._training_precision
    assert precision(TrainingConfig(amp=True), torch.device("cpu")) == "bfloat16"
    assert precision(TrainingConfig(amp=True), torch.device("cuda")) == "float16"
    assert precision(TrainingConfig(amp=True), torch.device("mps")) == "float32"  # no autocast there
    assert precision(TrainingConfig(amp=False), torch.device("cpu")) == "float32"
    assert precision(TrainingConfig(), torch.device("cuda")) == "float32"


def test_gan_trains_in_bfloat16_on_the_cpu_and_samples_so(table, tmp_path):
    synth = GANSynthesizer(epochs=20, batch_size=50, amp=True, device="cpu", random_state=0).fit(table)
    again = GANSynthesizer(epochs=20, batch_size=50, amp=True, device="cpu", random_state=0).fit(table)
    assert all(p.dtype.is_floating_point and p.dtype.itemsize == 4 for p in synth.module_.parameters())
    assert synth.training_precision_ == "bfloat16"
    out = synth.sample(200, random_state=0)
    assert out.shape == (200, 3) and np.isfinite(out["x"]).all()
    pd.testing.assert_frame_equal(out, again.sample(200, random_state=0))
    synth.save(tmp_path / "gan")
    loaded = Synthesizer.load(tmp_path / "gan")
    assert loaded.training_precision_ == "bfloat16"
    pd.testing.assert_frame_equal(loaded.sample(200, random_state=0), out)
    # the same weights sampled in float32 give other numbers (the precision is really used)
    loaded.set_params(sampling_precision="float32")
    assert not loaded.sample(200, random_state=0)["x"].equals(out["x"])
    assert GANSynthesizer(epochs=2, batch_size=50, amp=False, random_state=0).fit(table).training_precision_ == (
        "float32")


def test_auto_epochs_make_enough_steps_on_small_tables():
    assert GANSynthesizer()._config(0, 124).epochs == 3000  # one step per epoch
    assert GANSynthesizer()._config(0, 14000).epochs == 300  # 28 steps per epoch
    assert GANSynthesizer(epochs=7)._config(0, 124).epochs == 7


def test_fast_exponential_draws_and_dropout():
    torch = pytest.importorskip("torch")
    from synthlearn.synth.gan import _build_modules, _standard_exponential

    e = _standard_exponential((200_000,), generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(e).all() and (e > 0).all()
    assert float(e.mean()) == pytest.approx(1.0, abs=0.01) and float(e.var()) == pytest.approx(1.0, abs=0.03)
    again = _standard_exponential((200_000,), generator=torch.Generator().manual_seed(0))
    assert torch.equal(e, again)

    critic = _build_modules(4, 0, 8, (16,), (32,), 1, dropout=0.5)["critic"]
    dropout = critic[2]
    assert isinstance(dropout, torch.nn.Dropout) and dropout.p == 0.5
    x = torch.ones(1000, 32)
    torch.manual_seed(0)
    y = dropout.train()(x)
    assert set(torch.unique(y).tolist()) == {0.0, 2.0}  # kept units are scaled by 1 / (1 - p)
    assert float((y == 0).float().mean()) == pytest.approx(0.5, abs=0.02)
    assert torch.equal(dropout.eval()(x), x)
    other = _build_modules(4, 0, 8, (16,), (32,), 1, dropout=0.25)["critic"][2]  # one uniform number a unit
    y = other.train()(x)
    assert torch.unique(y).tolist() == [0.0, pytest.approx(4 / 3)]
    assert float((y == 0).float().mean()) == pytest.approx(0.25, abs=0.03)


def test_half_mask_bits_are_fair_and_independent():
    torch = pytest.importorskip("torch")
    from synthlearn.synth.gan import _half_mask

    x = torch.empty(4001, 13)  # 52,013 units: not a whole number of 31-bit words
    torch.manual_seed(0)
    mask = _half_mask(x)
    assert mask.shape == x.shape and mask.dtype == x.dtype
    assert set(torch.unique(mask).tolist()) == {0.0, 2.0}
    bits = (mask.flatten() / 2).double()
    assert float(bits.mean()) == pytest.approx(0.5, abs=0.01)
    by_position = bits[: 31 * (len(bits) // 31)].view(-1, 31).mean(dim=0)  # each bit of the word
    assert float((by_position - 0.5).abs().max()) < 0.03
    centred = bits - bits.mean()
    for lag in (1, 31, 13):  # neighbours in a word, across words, down a column
        assert abs(float((centred[:-lag] * centred[lag:]).mean() / centred.var())) < 0.03
    torch.manual_seed(0)
    assert torch.equal(_half_mask(x), mask)
    assert _half_mask(torch.empty(5, 3, dtype=torch.bfloat16)).dtype == torch.bfloat16


@pytest.mark.parametrize("dims, width", [((), 8), ((16,), 8), ((16, 8), 8), ((256, 256), 128)])
def test_sampling_forward_is_the_generator_with_batch_norm_folded(dims, width):
    torch = pytest.importorskip("torch")
    from synthlearn.synth.gan import _build_modules, _folded_forward

    torch.manual_seed(0)
    generator = _build_modules(5, 3, width, dims, (32,), 1)["generator"]
    for layer in generator.modules():  # batch-norm statistics and affine terms away from the identity
        if isinstance(layer, torch.nn.BatchNorm1d):
            layer.running_mean.uniform_(-1, 1)
            layer.running_var.uniform_(0.5, 2)
            torch.nn.init.uniform_(layer.weight, 0.5, 2)
            torch.nn.init.uniform_(layer.bias, -1, 1)
    x = torch.randn(64, width + 3)  # the default GAN's widths last: a strided bfloat16 view once read NaNs
    with torch.no_grad():
        expected = generator.eval()(x)
        torch.testing.assert_close(_folded_forward(generator)(x), expected, rtol=1e-5, atol=1e-5)
        # in bfloat16, the products the generator made under autocast (with the batch norm folded
        # in before the rounding, not after)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            autocast = generator(x).float()
        half = _folded_forward(generator, bfloat16=True)(x)
        assert half.dtype == torch.float32
        torch.testing.assert_close(half, autocast, rtol=0.03, atol=0.03)
        assert torch.equal(half, half.bfloat16().float())  # bfloat16 numbers, as autocast returns
    if dims:  # the folded statistics matter
        assert not torch.allclose(generator(x), generator.train()(x))


@pytest.mark.parametrize("n, pac, group, sizes", [(26, 2, 5, [5, 8]), (20, 2, 5, [5, 5]), (12, 3, 10, [4]),
                                                  (8, 1, 4, [4, 4])])
def test_minibatch_spread_is_each_groups_standard_deviation(n, pac, group, sizes):
    torch = pytest.importorskip("torch")
    from synthlearn.synth.gan import _minibatch_spread

    rows = torch.randn(n, 3, dtype=torch.float64)
    rows[:, 2] = 1.5  # a constant column: a deviation of 1e-4 (the root of 1e-8), with a finite gradient
    rows.requires_grad_(True)
    spread = _minibatch_spread(rows, group, pac)
    assert spread.shape == (n // pac, 3)
    expected, start = [], 0
    for packs in sizes:  # the last group takes the packs left over
        chunk = rows.detach().numpy()[start:start + packs * pac]
        expected += [np.sqrt(chunk.var(axis=0) + 1e-8)] * packs
        start += packs * pac
    np.testing.assert_allclose(spread.detach().numpy(), np.array(expected), rtol=1e-12)
    spread.sum().backward()
    assert torch.isfinite(rows.grad).all()


@pytest.mark.parametrize("batch_size, calls", [(40, {80, 40}), (42, {42})])
def test_critic_reads_the_spread_of_each_half_on_its_own(monkeypatch, table, batch_size, calls):
    pytest.importorskip("torch")
    import synthlearn.synth.gan as gan

    seen = []
    spread = gan._minibatch_spread

    def recording(rows, group, pac):
        seen.append((rows.shape[0], group, pac))
        return spread(rows, group, pac)

    monkeypatch.setattr(gan, "_minibatch_spread", recording)
    synth = GANSynthesizer(epochs=2, batch_size=batch_size, minibatch_std=4, random_state=0).fit(table)
    # fake, real and the penalty's mixed rows are grouped apart: with whole groups of 4 packs in a batch,
    # fake and real rows in one call (no group straddles them), otherwise one call a batch
    assert seen and set(seen) == {(n, 4, 2) for n in calls}
    data_dim, cond_dim = synth.modes_.width_, synth.cond_dim_
    assert synth.module_["critic"][0].in_features == (data_dim + cond_dim) * 2 + data_dim
    assert [layer.p for layer in synth.module_["critic"] if hasattr(layer, "p")] == [0.0, 0.0]  # no dropout
    seen.clear()
    plain = GANSynthesizer(epochs=2, batch_size=batch_size, minibatch_std=None, random_state=0).fit(table)
    assert not seen and plain.module_["critic"][0].in_features == (data_dim + cond_dim) * 2


def test_a_gan_saved_before_minibatch_std_loads_as_it_was_trained(tmp_path, table):
    import json

    old = GANSynthesizer(epochs=2, batch_size=50, minibatch_std=None, critic_dropout=0.5, random_state=1).fit(table)
    assert [layer.p for layer in old.module_["critic"] if hasattr(layer, "p")] == [0.5, 0.5]
    old.save(tmp_path / "gan")
    meta_file = tmp_path / "gan" / "synthesizer.json"
    meta = json.loads(meta_file.read_text())  # as an older synthlearn wrote it: neither the parameter nor the flag
    del meta["params"]["minibatch_std"], meta["params"]["critic_dropout"], meta["state"]["critic_spread"]
    meta_file.write_text(json.dumps(meta))
    loaded = Synthesizer.load(tmp_path / "gan")
    assert loaded.minibatch_std is None and loaded.critic_dropout == 0.5  # as it was trained
    pd.testing.assert_frame_equal(loaded.sample(30, random_state=3), old.sample(30, random_state=3))


def test_gan_refuses_a_table_with_nothing_to_model():
    # identifiers only: the critic met a zero-width tensor and raised a torch RuntimeError
    ids = pd.DataFrame({"uid": [f"u{i}" for i in range(30)]})
    with pytest.raises(DataError, match="no column to model"):
        GANSynthesizer(epochs=1, verbose=False).fit(ids)
