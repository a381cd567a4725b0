"""The shared training loop on a tiny regression problem."""

import json

import pytest
import torch

from synthlearn.errors import InvalidParameterError, ModelFileError
from synthlearn.nn import TrainingConfig, load_module_state, resolve_device, save_module, train
from synthlearn.nn.training import seeded


def make_data(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=g)
    y = X @ torch.tensor([[1.5], [-2.0], [0.5]]) + 0.1 * torch.randn(n, 1, generator=g)
    return X, y


def make_module(seed=0):
    with seeded(seed):
        return torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))


def mse(module, batch):
    X, y = batch
    return torch.nn.functional.mse_loss(module(X), y)


def config(**kw):
    base = dict(epochs=30, batch_size=32, learning_rate=1e-2, verbose=False, random_state=0, device="cpu")
    base.update(kw)
    return TrainingConfig(**base)


def weights(module):
    return torch.cat([p.detach().flatten() for p in module.parameters()])


def test_loss_goes_down():
    module = make_module()
    result = train(module, mse, make_data(), config())
    losses = [row["train_loss"] for row in result.history]
    assert losses[-1] < 0.2 * losses[0]
    assert result.history[-1]["val_loss"] < 0.2 * result.history[0]["val_loss"]
    assert not module.training  # left in eval mode


def test_early_stopping_stops_and_restores_best():
    module = make_module()
    # a learning rate this large makes the validation loss bounce: early stopping must stop the run
    result = train(module, mse, make_data(), config(epochs=200, learning_rate=0.5, patience=3, optimizer="sgd"))
    assert result.stopped_early
    assert len(result.history) < 200
    assert len(result.history) - result.best_epoch == 3
    X, y = make_data()
    best = min(row["val_loss"] for row in result.history)
    assert result.best_loss == pytest.approx(best)


def test_restored_weights_give_the_best_validation_loss():
    module = make_module()
    X, y = make_data()
    result = train(module, mse, (X, y), config(epochs=40, learning_rate=0.3, patience=5, optimizer="sgd"))
    # recompute the validation loss with the same split: the restored module must score the best epoch's loss
    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(0))
    val = order[: int(round(len(X) * 0.1))]
    with torch.no_grad():
        restored = float(mse(module, (X[val], y[val])))
    assert restored == pytest.approx(result.best_loss, rel=1e-5)


def test_same_seed_same_weights_and_different_seed_differs():
    a, b, c = make_module(), make_module(), make_module()
    train(a, mse, make_data(), config(epochs=5))
    train(b, mse, make_data(), config(epochs=5))
    train(c, mse, make_data(), config(epochs=5, random_state=1))
    assert torch.equal(weights(a), weights(b))
    assert not torch.equal(weights(a), weights(c))


def test_global_rng_is_restored():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train(make_module(), mse, make_data(), config(epochs=2))
    assert torch.equal(torch.rand(3), expected)


def test_resume_continues_the_same_run(tmp_path):
    data = make_data()
    straight = make_module()
    full = train(straight, mse, data, config(epochs=8, validation_fraction=0.0, patience=100))
    first = make_module()
    train(first, mse, data, config(epochs=4, validation_fraction=0.0, patience=100, checkpoint_dir=tmp_path))
    resumed = make_module(seed=99)  # different initial weights: the checkpoint must replace them
    result = train(resumed, mse, data, config(epochs=8, validation_fraction=0.0, patience=100,
                                              checkpoint_dir=tmp_path, resume=True))
    assert [r["epoch"] for r in result.history] == list(range(1, 9))
    assert [r["train_loss"] for r in result.history] == pytest.approx([r["train_loss"] for r in full.history])
    assert torch.allclose(weights(resumed), weights(straight))


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs CUDA"))])
def test_resume_continues_a_run_that_draws_noise(tmp_path, device):
    """Noise drawn from torch's global generator on the training device (a denoising or variational loss)
    continues after a resume as in the straight run: its state is in the checkpoint, the GPU's included."""
    def noisy(module, batch):
        x, y = batch
        return torch.mean((module(x + 0.1 * torch.randn_like(x)) - y) ** 2)

    data = make_data()
    kw = dict(validation_fraction=0.0, patience=100, device=device)
    straight = make_module()
    train(straight, noisy, data, config(epochs=6, **kw))
    train(make_module(), noisy, data, config(epochs=3, checkpoint_dir=tmp_path, **kw))
    resumed = make_module(seed=99)
    train(resumed, noisy, data, config(epochs=6, checkpoint_dir=tmp_path, resume=True, **kw))
    assert torch.equal(weights(resumed), weights(straight))


def test_resuming_a_run_that_stopped_early_trains_no_further(tmp_path):
    # the run ended by early stopping: resuming it must give back that run, not train another epoch
    data = make_data()
    kw = dict(epochs=200, learning_rate=0.5, patience=3, optimizer="sgd", restore_best=False, checkpoint_dir=tmp_path)
    first = make_module()
    done = train(first, mse, data, config(**kw))
    assert done.stopped_early
    resumed = make_module(seed=99)
    again = train(resumed, mse, data, config(resume=True, **kw))
    assert again.stopped_early
    assert len(again.history) == len(done.history)
    assert torch.equal(weights(resumed), weights(first))


def test_a_checkpoint_dir_that_is_a_file_is_refused_before_training(tmp_path):
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    module = make_module()
    before = weights(module).clone()
    with pytest.raises(InvalidParameterError, match="checkpoint_dir"):
        train(module, mse, make_data(), config(epochs=2, checkpoint_dir=taken))
    assert torch.equal(weights(module), before) and taken.read_text() == "mine"


def test_gradient_clipping_and_schedules_run():
    for schedule in ("cosine", "plateau"):
        module = make_module()
        result = train(module, mse, make_data(), config(epochs=6, grad_clip=0.5, lr_schedule=schedule))
        assert len(result.history) == 6
    cos = train(make_module(), mse, make_data(), config(epochs=6, lr_schedule="cosine"))
    assert cos.history[-1]["lr"] < cos.history[0]["lr"]


def test_custom_step_function_with_two_optimizers():
    module = make_module()
    calls = []

    def opts(m):
        return [torch.optim.Adam(m[0].parameters(), lr=1e-2), torch.optim.Adam(m[2].parameters(), lr=1e-2)]

    def step(m, batch, optimizers, backward):
        loss = mse(m, batch)
        backward(loss, optimizers[0])
        loss2 = mse(m, batch)
        backward(loss2, optimizers[1])
        calls.append(1)
        return {"loss": loss2.detach(), "first_loss": loss.detach()}

    result = train(module, mse, make_data(), config(epochs=5), step_fn=step, optimizers=opts)
    assert calls and "first_loss" in result.history[0]
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]


def test_a_step_function_under_bfloat16_autocast_sees_its_own_updates():
    """One step function runs in one autocast context, whose cached bfloat16 copies of the weights
    would outlive an optimizer step inside it: the loop clears them after every update."""
    module = make_module()
    seen = []

    def step(m, batch, optimizers, backward):
        before = m(batch[0]).detach()
        backward(mse(m, batch), optimizers[0])
        seen.append(torch.equal(m(batch[0]).detach(), before))  # the same inputs, the updated weights
        return {"loss": mse(m, batch).detach()}

    train(module, mse, make_data(), config(epochs=1, amp=True, device="cpu", learning_rate=0.1), step_fn=step)
    assert seen and not any(seen)


@pytest.mark.parametrize("kw, word", [
    (dict(epochs=0), "epochs"), (dict(batch_size=-1), "batch_size"), (dict(learning_rate=0), "learning_rate"),
    (dict(optimizer="adagrad"), "optimizer"), (dict(validation_fraction=1.0), "validation_fraction"),
    (dict(lr_schedule="step"), "lr_schedule"), (dict(grad_clip=0), "grad_clip"), (dict(resume=True), "resume"),
    (dict(device="tpu"), "device"), (dict(amp="yes"), "amp"), (dict(amp=1), "amp"),
    (dict(min_delta="0.01"), "min_delta"), (dict(min_delta=-0.1), "min_delta"),
    (dict(learning_rate=True), "learning_rate"),
])
def test_bad_config_is_named(kw, word):
    with pytest.raises(InvalidParameterError, match=word):
        train(make_module(), mse, make_data(), config(**kw))


def test_diverging_loss_is_reported():
    with pytest.raises(InvalidParameterError, match="learning_rate"):
        train(make_module(), mse, make_data(), config(learning_rate=1e6, optimizer="sgd", epochs=50))


def test_a_nan_loss_names_its_epoch():
    calls = []

    def loss_fn(module, batch):
        calls.append(1)
        loss = mse(module, batch)
        return loss * float("nan") if len(calls) > 16 else loss  # 8 batches an epoch: NaN from epoch 3 on

    with pytest.raises(InvalidParameterError, match="became nan at epoch 3"):
        train(make_module(), loss_fn, make_data(), config(validation_fraction=0))


def test_losses_are_read_once_an_epoch(monkeypatch):
    """Reading a loss makes the host wait for the GPU: the loop reads the epoch's sum, not every step's."""
    reads = []
    real = torch.Tensor.__float__
    monkeypatch.setattr(torch.Tensor, "__float__", lambda t: reads.append(1) or real(t))
    monkeypatch.setattr(torch.Tensor, "item", lambda t: reads.append(1) or real(t))
    train(make_module(), mse, make_data(), config(epochs=3, validation_fraction=0))
    assert len(reads) == 3


def test_a_step_function_may_return_python_floats():
    def step(m, batch, optimizers, backward):
        loss = mse(m, batch)
        backward(loss, optimizers[0])
        return {"loss": float(loss.detach()), "other_loss": 2.0}

    result = train(make_module(), mse, make_data(), config(epochs=2, validation_fraction=0), step_fn=step)
    assert result.history[-1]["other_loss"] == pytest.approx(2.0)
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"] * 1.5


def test_mixed_precision_only_when_asked():
    from synthlearn.nn.training import mixed_precision_dtype

    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    assert mixed_precision_dtype(cuda, True) == torch.float16
    assert mixed_precision_dtype(cpu, True) == torch.bfloat16
    for device in (cuda, cpu):
        assert mixed_precision_dtype(device, "auto") is None and mixed_precision_dtype(device, False) is None


def test_bfloat16_autocast_on_the_cpu():
    """amp=True on the CPU: the products run in bfloat16, the weights, gradients and optimizer
    state stay float32, and the loss still goes down."""
    dtypes = []
    module = make_module()
    module.register_forward_hook(lambda m, i, out: dtypes.append(out.dtype))
    result = train(module, mse, make_data(), config(epochs=30, amp=True, device="cpu"))
    assert torch.bfloat16 in dtypes
    assert all(p.dtype == torch.float32 and (p.grad is None or p.grad.dtype == torch.float32)
               for p in module.parameters())
    assert result.history[-1]["train_loss"] < 0.5 * result.history[0]["train_loss"]


def test_bf16_matmul_native_is_a_bool_and_survives_a_torch_without_the_probe(monkeypatch):
    from synthlearn.nn.device import bf16_matmul_native

    assert isinstance(bf16_matmul_native(), bool)
    monkeypatch.delattr(torch.cpu, "_is_amx_tile_supported", raising=False)
    monkeypatch.delattr(torch.cpu, "_is_avx512_bf16_supported", raising=False)
    assert bf16_matmul_native() is False


@pytest.mark.parametrize("amx, avx512_bf16", [(True, False), (False, True), (False, False)])
def test_either_amx_or_avx512_bf16_multiplies_bfloat16_in_hardware(monkeypatch, amx, avx512_bf16):
    """AMX (Sapphire Rapids on) and the AVX-512 BF16 dot products (Cooper Lake, AMD Zen 4 on) both run
    bfloat16 products several times as fast as float32 ones."""
    from synthlearn.nn.device import bf16_matmul_native

    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16, raising=False)
    assert bf16_matmul_native() is (amx or avx512_bf16)


@pytest.mark.parametrize("native", [True, False])
def test_bf16_mlp_computes_as_autocast_does(monkeypatch, native):
    """Sampling from a model trained under bfloat16 autocast: the same products, bfloat16 ones where
    the CPU has them in hardware, else float32 products of bfloat16-rounded numbers."""
    import synthlearn.nn.device
    from synthlearn.nn.device import bf16_mlp

    monkeypatch.setattr(synthlearn.nn.device, "bf16_matmul_native", lambda: native)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(12, 32), torch.nn.ReLU(inplace=True),
                              torch.nn.Linear(32, 5))
    x = torch.randn(256, 12)
    before = x.clone()
    with torch.no_grad():
        exact = net(x)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            expected = net(x).float()
        got = bf16_mlp(net)(x)
    assert torch.equal(x, before)  # the leading ReLU did not act in place on the caller's tensor
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, expected, rtol=0.02, atol=0.02)
    # bfloat16 numbers, as autocast returns, not the float32 network's
    assert torch.equal(got, got.bfloat16().float()) and not torch.equal(got, exact)
    with pytest.raises(TypeError, match="Linear and ReLU"):
        bf16_mlp([torch.nn.Linear(2, 2), torch.nn.Tanh()])


def test_bf16_emulation_gives_the_native_numbers(monkeypatch):
    """Float32 products of bfloat16-rounded numbers, rounded after each layer, agree with bfloat16
    products to the order of summation: a bfloat16 step at most here and there."""
    import synthlearn.nn.device
    from synthlearn.nn.device import bf16_mlp

    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Linear(40, 64), torch.nn.ReLU(), torch.nn.Linear(64, 8))
    x = torch.randn(512, 40)
    out = {}
    for native in (True, False):
        monkeypatch.setattr(synthlearn.nn.device, "bf16_matmul_native", lambda native=native: native)
        with torch.no_grad():
            out[native] = bf16_mlp(net)(x)
    differ = out[True] != out[False]
    assert float(differ.float().mean()) < 0.05
    step = out[True].abs().clamp_min(1e-3) * 2.0 ** -7  # one bfloat16 unit in the last place, about
    assert bool(((out[True] - out[False]).abs() <= 2 * step).all())


def test_device_auto_is_cpu_without_cuda():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(InvalidParameterError, match="CUDA"):
            resolve_device("cuda")


def test_save_and_load_module(tmp_path):
    module = make_module()
    train(module, mse, make_data(), config(epochs=3))
    save_module(tmp_path / "m", module, {"hidden": 8})
    config_read, state = load_module_state(tmp_path / "m")
    assert config_read == {"hidden": 8}
    clone = make_module(seed=5)
    clone.load_state_dict(state)
    assert torch.equal(weights(clone), weights(module))
    meta = json.loads((tmp_path / "m" / "config.json").read_text())
    assert "torch" in meta["versions"]
    (tmp_path / "m" / "weights.pt").write_bytes(b"not a torch file")
    with pytest.raises(ModelFileError, match="corrupt"):
        load_module_state(tmp_path / "m")
    (tmp_path / "m" / "weights.pt").unlink()
    with pytest.raises(ModelFileError, match="weights.pt"):
        load_module_state(tmp_path / "m")


def test_make_optimizer_fuses_where_torch_can_and_falls_back(monkeypatch):
    from synthlearn.nn import training

    params = list(torch.nn.Linear(3, 2).parameters())
    opt = training.make_optimizer("adam", params, lr=0.1)
    assert opt.defaults["fused"] and opt.defaults["lr"] == 0.1

    class Unfusable(torch.optim.SGD):
        def __init__(self, params, fused=None, **kw):
            if fused:
                raise RuntimeError("fused is not supported")
            super().__init__(params, **kw)

    monkeypatch.setitem(training.OPTIMIZERS, "sgd", Unfusable)
    opt = training.make_optimizer("sgd", (p for p in params), lr=0.1)  # a generator is read once
    assert isinstance(opt, Unfusable) and len(opt.param_groups[0]["params"]) == 2


def test_a_validation_set_of_its_own():
    """``validation=`` replaces the random split: every training row trains, and the validation loss
    is the loss on the given rows (here the restored best weights reproduce it exactly)."""
    X, y = make_data()
    Xv, yv = make_data(64, seed=1)
    module = make_module()
    result = train(module, mse, (X, y), config(epochs=10, validation_fraction=0.5), validation=(Xv, yv))
    with torch.no_grad():
        assert float(mse(module, (Xv, yv))) == pytest.approx(result.best_loss, rel=1e-5)
    assert min(row["val_loss"] for row in result.history) == pytest.approx(result.best_loss)
    with pytest.raises(InvalidParameterError, match="one tensor per training tensor"):
        train(make_module(), mse, (X, y), config(epochs=1), validation=(Xv,))
    with pytest.raises(InvalidParameterError, match="same number of rows"):
        train(make_module(), mse, (X, y), config(epochs=1), validation=(Xv, yv[:5]))
