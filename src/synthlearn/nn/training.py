"""The one training loop every torch model in synthlearn uses.

:func:`train` takes a module, a loss function and tensors, and handles the
rest: device (``"auto"``: CUDA when present), mini-batches drawn from tensors
kept on the device, optimizer and learning-rate schedule, a validation split
with early stopping and restore of the best weights, gradient clipping, mixed
precision on CUDA, a progress bar on stderr (silenced with ``verbose=False``),
a per-epoch history, deterministic seeding through local generators (the
global torch RNG is forked, seeded and restored), and checkpoints that a later
call resumes exactly where the run stopped.

Models with several optimizers (GANs) pass a ``step_fn`` that does its own
updates through the ``backward`` helper the loop hands it, so clipping, mixed
precision and everything else stay shared.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from synthlearn.errors import InvalidParameterError, ModelFileError
from synthlearn.nn.device import resolve_device

CHECKPOINT = "checkpoint.pt"
OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}


def make_optimizer(name: str, params, **kwargs) -> torch.optim.Optimizer:
    """``OPTIMIZERS[name]`` with its fused implementation where torch has one for the parameters'
    device: one kernel for every parameter instead of a loop of small ones (on one core of the
    development machine, Adam's step over the GAN critic's 330,000 weights goes from about 2 ms to
    0.5 ms). Falls back to the default implementation where fusing is not supported."""
    params = list(params)
    try:
        return OPTIMIZERS[name](params, fused=True, **kwargs)
    except (RuntimeError, TypeError, ValueError):
        return OPTIMIZERS[name](params, **kwargs)


@dataclass
class TrainingConfig:
    """How to train. Every torch estimator exposes these as its own hyperparameters.

    Parameters
    ----------
    epochs : int, default=100
    batch_size : int, default=256
    learning_rate : float, default=1e-3
    weight_decay : float, default=0.0
    optimizer : {"adam", "adamw", "sgd"}, default="adam"
    lr_schedule : {None, "cosine", "plateau"}, default=None
    validation_fraction : float, default=0.1
        Share of rows held out for early stopping; 0 monitors the training loss.
    patience : int, default=10
        Epochs without improvement of the monitored loss before stopping.
    min_delta : float, default=0.0
        Smallest decrease that counts as an improvement.
    grad_clip : float or None, default=None
        Maximum gradient norm.
    device : str, default="auto"
    amp : {"auto", True, False}, default="auto"
        Mixed precision: on CUDA, float16 autocast with loss scaling; on the CPU, bfloat16
        autocast (no scaling: bfloat16 has float32's range). The weights, their gradients and the
        optimizer's state stay float32. "auto" leaves it off: on an H200 every model synthlearn
        builds trained slower with it, their matrix products being too small to repay the casts
        and the scaling (the 784-400-20 VAE at batch 128: 25,500 against 37,300 samples/s; the
        VAE synthesizer on 14,000 diamonds: 20.1 against 15.9 s, the same quality), and on a CPU
        it pays only where bfloat16 products run in hardware (:func:`~synthlearn.nn.device.bf16_matmul_native`),
        which models weigh for themselves (``GANSynthesizer(amp="auto")``). True turns it on.
    random_state : int or None, default=None
    verbose : bool, default=True
        Progress bar on stderr.
    checkpoint_dir : str or None, default=None
        Folder for ``checkpoint.pt``, written after every epoch.
    resume : bool, default=False
        Continue from the checkpoint in ``checkpoint_dir`` if there is one.
    restore_best : bool, default=True
        Put back the weights of the epoch with the lowest monitored loss at the
        end (GANs, whose losses do not measure quality, turn this off).
    """

    epochs: int = 100
    batch_size: int = 256
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    optimizer: str = "adam"
    lr_schedule: str | None = None
    validation_fraction: float = 0.1
    patience: int = 10
    min_delta: float = 0.0
    grad_clip: float | None = None
    device: str = "auto"
    amp: str | bool = "auto"
    random_state: int | None = None
    verbose: bool = True
    checkpoint_dir: str | os.PathLike | None = None
    resume: bool = False
    restore_best: bool = True
    description: str = "training"

    def validate(self) -> None:
        def positive_int(name):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise InvalidParameterError(f"{name} must be a positive integer, got {v!r}")

        positive_int("epochs")
        positive_int("batch_size")
        positive_int("patience")
        def number(name):
            v = getattr(self, name)
            return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)

        if not number("learning_rate") or not self.learning_rate > 0:
            raise InvalidParameterError(f"learning_rate must be a number > 0, got {self.learning_rate!r}")
        if not number("weight_decay") or self.weight_decay < 0:
            raise InvalidParameterError(f"weight_decay must be a number >= 0, got {self.weight_decay!r}")
        if not number("min_delta") or self.min_delta < 0:
            raise InvalidParameterError(f"min_delta must be a number >= 0 (the smallest decrease of the loss that "
                                        f"counts as an improvement), got {self.min_delta!r}")
        if self.optimizer not in OPTIMIZERS:
            raise InvalidParameterError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.lr_schedule not in (None, "cosine", "plateau"):
            raise InvalidParameterError(f"lr_schedule must be None, 'cosine' or 'plateau', got {self.lr_schedule!r}")
        if not isinstance(self.validation_fraction, numbers.Real) or not 0 <= self.validation_fraction < 1:
            raise InvalidParameterError(
                f"validation_fraction must be in [0, 1), got {self.validation_fraction!r}")
        if self.grad_clip is not None and (not isinstance(self.grad_clip, numbers.Real) or self.grad_clip <= 0):
            raise InvalidParameterError(f"grad_clip must be None or a number > 0, got {self.grad_clip!r}")
        check_amp(self.amp)
        if self.checkpoint_dir is not None:
            if not isinstance(self.checkpoint_dir, (str, os.PathLike)):
                raise InvalidParameterError(f"checkpoint_dir must be a folder or None, got {self.checkpoint_dir!r}")
            if Path(self.checkpoint_dir).exists() and not Path(self.checkpoint_dir).is_dir():
                raise InvalidParameterError(f"checkpoint_dir '{self.checkpoint_dir}' is a file; give a folder")
        if self.resume and self.checkpoint_dir is None:
            raise InvalidParameterError("resume=True needs checkpoint_dir; give the folder of the earlier run")


@dataclass
class TrainingResult:
    """What :func:`train` reports: per-epoch ``history`` and where it stopped."""

    history: list[dict] = field(default_factory=list)
    best_epoch: int = -1
    best_loss: float = math.inf
    stopped_early: bool = False
    device: str = "cpu"


@contextlib.contextmanager
def seeded(random_state, device: torch.device | None = None):
    """Fork torch's global RNG, seed it, and restore it afterwards (for building modules reproducibly)."""
    devices = [device.index or 0] if device is not None and device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(_seed_of(random_state))
        yield


def _seed_of(random_state) -> int:
    if random_state is None:
        return secrets.randbits(63)
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    raise InvalidParameterError(f"random_state must be an int or None, got {random_state!r}")


def train(
    module: torch.nn.Module,
    loss_fn: Callable[[torch.nn.Module, tuple], torch.Tensor],
    tensors: Sequence[torch.Tensor],
    config: TrainingConfig,
    *,
    step_fn: Callable | None = None,
    optimizers: Callable[[torch.nn.Module], list] | None = None,
    validation: Sequence[torch.Tensor] | None = None,
) -> TrainingResult:
    """Train ``module`` in place and return its history.

    Parameters
    ----------
    module : torch.nn.Module
    loss_fn : callable
        ``loss_fn(module, batch) -> scalar tensor``, the mean loss of a batch
        (a tuple with one slice of each of ``tensors``). Used for training
        (unless ``step_fn`` is given) and for the validation loss.
    tensors : sequence of torch.Tensor
        Same length along the first axis; moved to the device once.
    config : TrainingConfig
    step_fn : callable, optional
        ``step_fn(module, batch, optimizers, backward) -> dict`` performing a
        custom update (e.g. critic and generator steps of a GAN) with
        ``backward(loss, optimizer)``; returns losses, ``"loss"`` first.
    optimizers : callable, optional
        ``optimizers(module) -> list of torch.optim.Optimizer``; default: one
        optimizer of ``config.optimizer`` over all parameters.
    validation : sequence of torch.Tensor, optional
        A validation set of its own, laid out like ``tensors`` (for example the
        last windows of a time series, which a random split would mix with
        overlapping training windows). Every row of ``tensors`` then trains and
        ``config.validation_fraction`` is not used.
    """
    config.validate()
    device = resolve_device(config.device)
    n = int(tensors[0].shape[0])
    if any(int(t.shape[0]) != n for t in tensors):
        raise InvalidParameterError("all training tensors must have the same number of rows")
    if n == 0:
        raise InvalidParameterError("there are no rows to train on")
    seed = _seed_of(config.random_state)
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(n, generator=generator)
    if validation is not None:
        rows = {int(t.shape[0]) for t in validation}
        if len(validation) != len(tensors) or len(rows) != 1 or rows == {0}:
            raise InvalidParameterError("validation must hold one tensor per training tensor, with the same "
                                        "number of rows (at least one) in each")
        n_val = 0  # every row trains
    else:
        n_val = int(round(n * config.validation_fraction)) if config.validation_fraction > 0 else 0
        n_val = min(n_val, n - 1)
    val_idx, train_idx = order[:n_val], order[n_val:]
    train_data = tuple(t[train_idx].to(device) for t in tensors)
    if validation is not None:
        val_data = tuple(t.to(device) for t in validation)
    else:
        val_data = tuple(t[val_idx].to(device) for t in tensors) if n_val > 0 else None
    module.to(device)
    opts = optimizers(module) if optimizers is not None else [
        make_optimizer(config.optimizer, module.parameters(), lr=config.learning_rate,
                       weight_decay=config.weight_decay)]
    scheduler = _scheduler(opts[0], config)
    amp_dtype = mixed_precision_dtype(device, config.amp)
    scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
    result = TrainingResult(device=str(device))
    state = {"epoch": 0, "best_state": None, "bad_epochs": 0}
    ckpt = Path(config.checkpoint_dir) / CHECKPOINT if config.checkpoint_dir is not None else None

    def backward(loss: torch.Tensor, optimizer) -> None:
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if config.grad_clip is not None:
            scaler.unscale_(optimizer)
            params = [p for group in optimizer.param_groups for p in group["params"]]
            torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
        scaler.step(optimizer)
        scaler.update()
        if amp_dtype is not None:
            # autocast keeps its lower-precision copies of the weights until its context ends, and a step
            # function runs in one context: a pass after this update would otherwise read the old weights
            torch.clear_autocast_cache()

    autocast = ((lambda: torch.autocast(device_type=device.type, dtype=amp_dtype)) if amp_dtype is not None
                else contextlib.nullcontext)
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices), _progress(config, device) as bar:
        torch.manual_seed(seed)
        if config.resume and ckpt is not None and ckpt.is_file():
            _load_checkpoint(ckpt, module, opts, scheduler, generator, state, result)
            # a run that had stopped early stays stopped (unless resumed with a larger patience)
            result.stopped_early = state["bad_epochs"] >= config.patience
        for epoch in range(state["epoch"], state["epoch"] if result.stopped_early else config.epochs):
            start = time.perf_counter()
            module.train()
            perm = torch.randperm(len(train_idx), generator=generator).to(device)
            # losses add up as tensors on the device and are read once an epoch: reading one per
            # step would make the host wait for the GPU at every step
            total, seen, extra = 0.0, 0, {}
            for lo in range(0, len(perm), config.batch_size):
                idx = perm[lo:lo + config.batch_size]
                batch = tuple(t.index_select(0, idx) for t in train_data)  # faster than t[idx] on the CPU
                if step_fn is not None:
                    with autocast():
                        losses = step_fn(module, batch, opts, backward)
                    losses = {k: v.detach().double() if isinstance(v, torch.Tensor) else v for k, v in losses.items()}
                    loss = next(iter(losses.values()))
                    for k, v in losses.items():
                        extra[k] = extra.get(k, 0.0) + v * len(idx)
                else:
                    with autocast():
                        loss = loss_fn(module, batch)
                    backward(loss, opts[0])
                    loss = loss.detach().double()  # in float64, as a Python float would add up
                total = total + loss * len(idx)
                seen += len(idx)
            total = float(total)
            if not math.isfinite(total):
                raise InvalidParameterError(
                    f"the training loss became {total / seen} at epoch {epoch + 1}; "
                    f"lower learning_rate or set grad_clip")
            extra = {k: float(v) for k, v in extra.items()}
            row = {"epoch": epoch + 1, "train_loss": total / seen, "lr": opts[0].param_groups[0]["lr"]}
            row.update({k: v / seen for k, v in extra.items() if k != "loss"})
            if val_data is not None:
                row["val_loss"] = _evaluate(module, loss_fn, val_data, config.batch_size, autocast)
            monitored = row.get("val_loss", row["train_loss"])
            if monitored < result.best_loss - config.min_delta:
                result.best_loss, result.best_epoch = monitored, epoch + 1
                state["best_state"] = {k: v.detach().clone() for k, v in module.state_dict().items()}
                state["bad_epochs"] = 0
            else:
                state["bad_epochs"] += 1
            if scheduler is not None:
                scheduler.step(monitored) if config.lr_schedule == "plateau" else scheduler.step()
            row["seconds"] = time.perf_counter() - start
            result.history.append(row)
            state["epoch"] = epoch + 1
            bar(row, config.epochs)
            if ckpt is not None:
                _save_checkpoint(ckpt, module, opts, scheduler, generator, state, result)
            if state["bad_epochs"] >= config.patience:
                result.stopped_early = True
                break
    if config.restore_best and state["best_state"] is not None:
        module.load_state_dict(state["best_state"])
    module.eval()
    return result


def check_amp(value) -> None:
    """An ``amp`` parameter (``TrainingConfig.amp``, ``GANSynthesizer.amp``): "auto", True or False, and
    not 1 or 0, which compare equal to True and False but would mean nothing else here."""
    if not (value is True or value is False or isinstance(value, str) and value == "auto"):
        raise InvalidParameterError(f"amp must be 'auto', True or False, got {value!r}")


AMP_MIN_BATCHES = 10  # resolve_amp: "auto" is bfloat16 on tables of at least this many batches


def resolve_amp(amp, device, n_rows: int, batch_size: int) -> bool:
    """A synthesizer's ``amp`` (``GANSynthesizer``, ``VAESynthesizer``) as ``TrainingConfig.amp``: True and
    False as given; "auto" is bfloat16 autocast where the training runs on a CPU that multiplies bfloat16
    in hardware (:func:`~synthlearn.nn.device.bf16_matmul_native`) and the table fills at least
    :data:`AMP_MIN_BATCHES` batches. On tables of a few hundred rows, where an epoch is one step and its
    fixed costs weigh as much as the products, bfloat16 saved nothing (benchmarks/RESULTS.md)."""
    from synthlearn.nn.device import bf16_matmul_native, resolve_device

    if not isinstance(amp, str):
        return amp
    return resolve_device(device).type == "cpu" and n_rows >= AMP_MIN_BATCHES * batch_size and bf16_matmul_native()


def mixed_precision_dtype(device: torch.device, amp) -> torch.dtype | None:
    """The dtype :func:`train` autocasts to, None for none: only when asked (see ``TrainingConfig.amp``),
    float16 on CUDA and bfloat16 on the CPU."""
    if amp is not True:
        return None
    return {"cuda": torch.float16, "cpu": torch.bfloat16}.get(device.type)


def _evaluate(module, loss_fn, data, batch_size, autocast) -> float:
    module.eval()
    total, n = 0.0, int(data[0].shape[0])
    with torch.no_grad(), autocast():
        for lo in range(0, n, batch_size):
            batch = tuple(t[lo:lo + batch_size] for t in data)
            total = total + loss_fn(module, batch).double() * int(batch[0].shape[0])  # read once, at the end
    return float(total) / n


def _scheduler(optimizer, config: TrainingConfig):
    if config.lr_schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)
    if config.lr_schedule == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=max(1, config.patience // 3))
    return None


@contextlib.contextmanager
def _progress(config: TrainingConfig, device):
    if not config.verbose:
        yield lambda row, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[losses]}"), console=console, transient=True) as progress:
        task = progress.add_task(f"{config.description} ({device.type})", total=config.epochs, losses="")

        def update(row, total):
            losses = " ".join(f"{k}={v:.4g}" for k, v in row.items() if k.endswith("loss"))
            progress.update(task, completed=row["epoch"], losses=losses)

        yield update


def _device_of(module) -> torch.device:
    return next(module.parameters()).device


def _save_checkpoint(path: Path, module, opts, scheduler, generator, state, result) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    device = _device_of(module)
    payload = {
        "module": {k: v.detach().cpu() for k, v in module.state_dict().items()},
        "optimizers": [o.state_dict() for o in opts],
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "generator": generator.get_state(),
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state(device) if device.type == "cuda" else None,  # noise drawn on the GPU
        "epoch": state["epoch"],
        "bad_epochs": state["bad_epochs"],
        "best_state": {k: v.cpu() for k, v in state["best_state"].items()} if state["best_state"] else None,
        "best_loss": result.best_loss,
        "best_epoch": result.best_epoch,
        "history": result.history,
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def _load_checkpoint(path: Path, module, opts, scheduler, generator, state, result) -> None:
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        module.load_state_dict(payload["module"])
        for opt, saved in zip(opts, payload["optimizers"]):
            opt.load_state_dict(saved)
        if scheduler is not None and payload["scheduler"] is not None:
            scheduler.load_state_dict(payload["scheduler"])
        generator.set_state(payload["generator"])
        torch.set_rng_state(payload["torch_rng"])
        if payload.get("cuda_rng") is not None and _device_of(module).type == "cuda":
            torch.cuda.set_rng_state(payload["cuda_rng"], _device_of(module))
    except Exception as exc:
        raise ModelFileError(f"checkpoint '{path}' does not fit this model ({type(exc).__name__}); "
                             f"delete it or use another checkpoint_dir") from None
    device = next(module.parameters()).device
    state["epoch"] = int(payload["epoch"])
    state["bad_epochs"] = int(payload["bad_epochs"])
    state["best_state"] = ({k: v.to(device) for k, v in payload["best_state"].items()}
                           if payload["best_state"] is not None else None)
    result.best_loss = float(payload["best_loss"])
    result.best_epoch = int(payload["best_epoch"])
    result.history = list(payload["history"])
