"""``synthlearn ae ...``: autoencoders and the jobs people use them for.

Inputs are tables (.csv/.parquet: the numeric columns, standardised) or
images (.npy arrays or folders of PNGs, values in [0, 1]). A trained model is a
folder (``ae train --out MODEL``) that the other commands take with ``--model``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import typer

from synthlearn.cli.console import Progress, user_errors
from synthlearn.errors import ColumnError, DataError, InvalidParameterError

app = typer.Typer(
    name="ae",
    help="Autoencoders: train, reduce, denoise, repair, extract features, generate, find anomalies, forecast, "
    "recommend.\n\n"
    "Example: synthlearn ae train digits.npy --model conv --code-size 32 --out ae-model",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: ``--model`` kind → (class name in synthlearn.autoencoders, works on images as images).
KINDS = {
    "autoencoder": ("Autoencoder", False),
    "sparse": ("SparseAutoencoder", False),
    "contractive": ("ContractiveAutoencoder", False),
    "denoising": ("DenoisingAutoencoder", False),
    "vae": ("VariationalAutoencoder", False),
    "conv": ("ConvAutoencoder", True),
    "conv-vae": ("ConvVariationalAutoencoder", True),
}


_EPOCHS_HELP = "Most epochs (early stopping may end sooner). Default: the model's own."


def _takes_images(kind) -> bool:
    """Whether models of this ``--model`` kind see images as images (else flat rows)."""
    return KINDS.get(kind, ("", False))[1]


#: Most images ``ae generate`` tiles into one PNG.
MAX_GRID = 10_000
_QUIET = typer.Option(False, "--quiet", "-q", help="No progress on stderr.")


def _seed_in_range(value: int) -> int:
    """``--seed`` as numpy's seeds go (0 to 2**32 - 1), refused as a usage error before any work."""
    if not 0 <= value < 2**32:
        raise typer.BadParameter(f"must be between 0 and {2**32 - 1:,}, got {value:,}")
    return value


_SEED = typer.Option(0, "--seed", callback=_seed_in_range,
                     help="Random seed: the same seed gives the same model and output.")


# ---------------------------------------------------------------------- inputs and outputs
def _is_images(path: Path) -> bool:
    return path.is_dir() or path.suffix.lower() == ".npy"


def _read_input(path: Path, progress, columns=None):
    """``(X, info)``: images as an array, or a table's numeric columns (``info`` says which and how)."""
    progress.step(f"reading {path}")
    if _is_images(path):
        from synthlearn.data.images import read_images

        X = read_images(path)
        if X.ndim not in (3, 4):
            raise DataError(f"{path} holds an array of shape {X.shape}; images are (n, H, W) or (n, C, H, W)")
        return X, {"input": "images", "image_shape": list(X.shape[1:])}
    from synthlearn.data import infer_schema, read_table

    df = read_table(path)
    # an entirely empty column has no kind to infer and nothing to learn from: only the columns the model
    # reads must be complete (checked below)
    # an infinite value is refused below, with this command's advice (it takes no missing values either)
    finite = df.replace([np.inf, -np.inf], np.nan)
    schema = infer_schema(finite[[c for c in df.columns if finite[c].notna().any()]])
    ids = schema.columns_of("identifier")
    if columns is None:
        columns = [c for c in df.columns if c in schema and c not in ids
                   and schema[c].value in ("numeric", "integer", "boolean")]
        if not columns:
            raise DataError(f"{path} has no numeric columns to encode; the autoencoder commands need numbers")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ColumnError(f"{path} lacks the column(s) {missing} the model was trained on")
    try:
        X = df[columns].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        for column in columns:
            for row, value in enumerate(df[column]):
                try:
                    float(value)
                except (TypeError, ValueError):
                    raise DataError(f"column '{column}' has the non-numeric value {value!r} (row {row + 1}); the "
                                    f"model reads it as numbers: fix or drop that row") from None
        raise
    bad = [c for c, has in zip(columns, np.isnan(X).any(axis=0)) if has]
    if bad:
        raise DataError(f"column '{bad[0]}' has missing values; fill or drop them first "
                          f"(e.g. synthlearn's synthesize keeps them, pandas' dropna removes them)")
    infinite = ~np.isfinite(X)
    if infinite.any():
        row, col = np.argwhere(infinite)[0]
        raise DataError(f"column '{columns[col]}' has infinite values (the first in row {row + 1}); replace or "
                        f"drop them first")
    return X, {"input": "table", "columns": columns, "ids": {c: df[c].to_numpy() for c in ids}, "frame": df}


_KIND_TEXT = {"table": "a table", "images": "images"}


def _new_metadata(X, info, kind: str) -> dict:
    """What a model trained here must remember about its input: layout, and a table's columns and scaling."""
    metadata = {k: v for k, v in info.items() if k not in ("ids", "frame")}
    if info["input"] == "table":
        std = X.std(axis=0)
        metadata["mean"] = X.mean(axis=0).tolist()
        metadata["scale"] = np.where(std > 0, std, 1.0).tolist()
    metadata["kind"] = kind
    return metadata


def _model_input(X, info, metadata, images_as_images: bool):
    """What the model sees: standardised table columns, flat image rows, or images as they are."""
    trained_on = metadata.get("input")
    if trained_on is not None and trained_on != info["input"]:
        raise DataError(f"the model was trained on {_KIND_TEXT[trained_on]}, got {_KIND_TEXT[info['input']]}; "
                          f"give data of the kind it was trained on")
    if info["input"] == "table":
        if "mean" not in metadata:
            raise DataError("the model was saved without the scaling of its table's columns (from Python?); "
                            "train it with `ae train` to use it on tables")
        mean, scale = np.asarray(metadata["mean"]), np.asarray(metadata["scale"])
        return (X - mean) / scale
    if metadata.get("input") == "images" and list(X.shape[1:]) != list(metadata["image_shape"]):
        raise DataError(f"the model was trained on images of shape {tuple(metadata['image_shape'])}, "
                          f"got {tuple(X.shape[1:])}")
    return X if images_as_images else X.reshape(len(X), -1)


def _model_output(Y, metadata):
    """The model's reconstructions back in the input's units and layout."""
    if metadata["input"] == "table":
        return Y * np.asarray(metadata["scale"]) + np.asarray(metadata["mean"])
    return np.asarray(Y).reshape((len(Y), *metadata["image_shape"]))


#: Models that other commands save but the commands taking ``--model`` cannot use → the command that saves them.
_NOT_FOR_MODEL = {"SequenceAutoencoder": "ae forecast", "AutoRec": "ae recommend"}


def _load(model_dir: Path, command: str):
    """The model in ``model_dir`` and its metadata, refusing a kind of model that ``ae command`` cannot use."""
    from synthlearn.autoencoders.persist import load_model, model_metadata
    from synthlearn.errors import InvalidParameterError

    metadata = model_metadata(model_dir)
    estimator = load_model(model_dir)
    name = type(estimator).__name__
    if name in _NOT_FOR_MODEL:
        raise InvalidParameterError(f"{model_dir} holds {'an' if name[0] in 'AEIOU' else 'a'} {name} saved by "
                                    f"`{_NOT_FOR_MODEL[name]} --save-model` (load it in Python with "
                                    f"synthlearn.autoencoders.load_model); `ae {command}` needs a folder written "
                                    f"by `ae train`")
    return estimator, metadata


def _write_frame(frame, out: Path, source: Path | None = None) -> None:
    from synthlearn.data import write_table

    write_table(frame, out, source=source)


def _write_array(array, out: Path) -> None:
    from synthlearn.data.images import write_images

    write_images(array, out)


def _check_file_out(out: Path, inputs, option: str = "--out") -> Path:
    """Refuse, before any work, an output file that cannot be written or that is one of ``inputs``."""
    from synthlearn.cli.options import writable_file
    from synthlearn.data.io import same_file
    from synthlearn.errors import FileFormatError

    out = writable_file(out)
    for source in inputs:
        if source is not None and same_file(out, source):
            raise FileFormatError(f"refusing to overwrite the input file '{source}'; choose another {option}")
    return out


def _check_folder_out(out: Path, patterns, inputs, option: str = "--out") -> Path:
    """Refuse, before any work, an output folder that cannot be written, holds an input, or holds files
    other than ``patterns`` (what the command writes there): the folder is replaced as a whole."""
    from synthlearn.atomic import check_replaceable, holds_only
    from synthlearn.cli.options import writable_folder

    out = writable_folder(out, option)
    check_replaceable(out, holds_only(*patterns), inputs=[p for p in inputs if p is not None], option=option)
    return out


def _check_model_out(out: Path, inputs, option: str = "--out") -> Path:
    """A model folder to write: new, empty, or an earlier model folder that holds no input."""
    from synthlearn.autoencoders.persist import MODEL_FILES

    return _check_folder_out(out, MODEL_FILES, inputs, option)


def _check_outputs(out: Path, save: Optional[Path], inputs) -> Path:
    """Refuse an unwritable output table or --save-model folder before any work; returns the table path."""
    out = _check_file_out(out, inputs)
    if save is not None:
        _check_model_out(save, inputs, "--save-model")
    return out


def _check_image_out(out: Path, inputs, option: str = "--out") -> Path:
    """Images go to a .npy file or a folder of PNGs; neither may replace an input."""
    from synthlearn.data.images import IMAGE_FILES
    from synthlearn.errors import FileFormatError

    if out.suffix.lower() == ".npy":
        return _check_file_out(out, inputs, option)
    if out.suffix:
        raise FileFormatError(f"{option} '{out}': write images to a .npy file or a folder (a path without "
                              f"extension)")
    return _check_folder_out(out, IMAGE_FILES, inputs, option)


def _codes_frame(codes, info, prefix="code"):
    import pandas as pd

    frame = pd.DataFrame(codes, columns=[f"{prefix}{i + 1}" for i in range(codes.shape[1])])
    for column, values in reversed(list(info.get("ids", {}).items())):
        frame.insert(0, column, values)
    return frame


def _make(kind: str, code_size: int, epochs: Optional[int], batch_size: Optional[int], hidden: Optional[str],
          noise: Optional[float], device: str, seed: int, verbose: bool):
    """The estimator of ``kind``; ``None`` leaves a setting at the model's own default."""
    import synthlearn.autoencoders as aes
    from synthlearn.errors import InvalidParameterError

    if kind not in KINDS:
        import difflib

        close = difflib.get_close_matches(kind, list(KINDS), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InvalidParameterError(f"--model must be one of {', '.join(KINDS)}, got '{kind}'{hint}")
    name, _ = KINDS[kind]
    if not hasattr(aes, name):
        raise InvalidParameterError(f"--model {kind} ({name}) is not available in this version")
    cls = getattr(aes, name)
    accepted = cls().get_params()
    params = {"code_size": code_size, "device": device, "random_state": seed, "verbose": verbose}
    params.update({k: v for k, v in (("epochs", epochs), ("batch_size", batch_size)) if v is not None})
    if hidden is not None:
        try:
            widths = tuple(int(w) for w in hidden.split(",") if w.strip())
        except ValueError:
            raise InvalidParameterError(f"--hidden must be comma-separated widths such as 256,64, got '{hidden}'") from None
        params["channels" if "channels" in accepted else "hidden_layer_sizes"] = widths
    if noise is not None:
        if "noise_level" not in accepted:
            raise InvalidParameterError(f"--noise applies to --model denoising, not {kind}")
        params["noise_level"] = noise
    return cls(**{k: v for k, v in params.items() if k in accepted})


# ---------------------------------------------------------------------- commands
@app.command("train")
@user_errors
def train(
    data: Path = typer.Argument(..., help="Table (.csv/.parquet) or images (.npy, or a folder of .png)."),
    model: str = typer.Option("autoencoder", "--model", "-m", help=f"Kind: {', '.join(KINDS)}."),
    out: Path = typer.Option(Path("ae-model"), "--out", "-o", help="Folder for the trained model."),
    code_size: Optional[int] = typer.Option(None, "--code-size", "-k", help="Width of the code (the bottleneck). "
                                            "Default: 32, or half the input's width where that is under 64."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help=_EPOCHS_HELP),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Samples per training step. Default: "
                                             "the model's own."),
    hidden: Optional[str] = typer.Option(None, "--hidden", help="Encoder widths (dense) or channels (conv), "
                                         "e.g. 256,64. Default: the model's."),
    noise: Optional[float] = typer.Option(None, "--noise", help="Corruption level of --model denoising."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    seed: int = _SEED,
    quiet: bool = _QUIET,
) -> None:
    """Train an autoencoder and save it as a folder the other `ae` commands use.

    Example: synthlearn ae train digits.npy --model denoising --noise 0.3 --out dae
    """
    from synthlearn.autoencoders.persist import save_model

    out = _check_model_out(out, [data])
    with Progress(quiet) as progress:
        X, info = _read_input(data, progress)
        images_as_images = _takes_images(model)
        if info["input"] == "table" and images_as_images:
            raise DataError(f"--model {model} needs images (.npy or a PNG folder); {data} is a table")
        metadata = _new_metadata(X, info, model)
        inputs = _model_input(X, info, metadata, images_as_images)
        if code_size is None:  # a code no narrower than a table of 5 columns would compress nothing
            code_size = min(32, max(1, int(np.prod(inputs.shape[1:])) // 2))
        estimator = _make(model, code_size, epochs, batch_size, hidden, noise, device, seed, not quiet)
        progress.step(f"training {type(estimator).__name__} (code size {code_size}) on {len(X)} samples")
        try:
            estimator.fit(inputs)
        except InvalidParameterError as exc:
            from synthlearn.cli.options import with_option_names

            raise with_option_names(exc, {"code_size": "--code-size"}) from None
        save_model(estimator, out, metadata=metadata)
    if not quiet:
        last = estimator.history_[-1] if getattr(estimator, "history_", None) else {}
        loss = last.get("val_loss", last.get("train_loss"))
        loss_text = f", last loss {loss:.4g}" if isinstance(loss, float) else ""
        progress.done(f"trained {type(estimator).__name__} for {estimator.n_epochs_} epochs{loss_text}; wrote {out}")


@app.command("reduce")
@user_errors
def reduce(
    data: Path = typer.Argument(..., help="Table (.csv/.parquet) or images (.npy, or a folder of .png)."),
    code_size: int = typer.Option(2, "--code-size", "-k", help="Number of dimensions to keep."),
    out: Path = typer.Option(Path("codes.csv"), "--out", "-o", help="Table of codes (.csv or .parquet)."),
    model: str = typer.Option("autoencoder", "--model", "-m", help=f"Kind: {', '.join(KINDS)}."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help=_EPOCHS_HELP),
    save: Optional[Path] = typer.Option(None, "--save-model", help="Also save the trained model here."),
    seed: int = _SEED,
    quiet: bool = _QUIET,
) -> None:
    """Reduce every sample to --code-size numbers with a freshly trained autoencoder.

    Example: synthlearn ae reduce penguins_complete.csv --code-size 2 --out codes.csv
    """
    from synthlearn.autoencoders.persist import save_model

    out = _check_outputs(out, save, [data])
    with Progress(quiet) as progress:
        X, info = _read_input(data, progress)
        images_as_images = _takes_images(model)
        if info["input"] == "table" and images_as_images:
            raise DataError(f"--model {model} needs images (.npy or a PNG folder); {data} is a table")
        metadata = _new_metadata(X, info, model)
        estimator = _make(model, code_size, epochs, None, None, None, "auto", seed, not quiet)
        progress.step(f"training {type(estimator).__name__}")
        Z = _model_input(X, info, metadata, images_as_images)
        codes = estimator.fit(Z).transform(Z)
        _write_frame(_codes_frame(codes, info), out, source=data)
        if save is not None:
            save_model(estimator, save, metadata=metadata)
    if not quiet:
        progress.done(f"wrote {out} ({codes.shape[1]} codes per sample)")


@app.command("features")
@user_errors
def features(
    data: Path = typer.Argument(..., help="Table or images in the layout the model was trained on."),
    model_dir: Path = typer.Option(..., "--model", "-m", help="Folder written by `ae train`."),
    out: Path = typer.Option(Path("features.csv"), "--out", "-o", help="Table of codes (.csv or .parquet)."),
    quiet: bool = _QUIET,
) -> None:
    """Encode samples with a trained autoencoder: its codes as features for other models.

    Example: synthlearn ae features new.csv --model ae-model --out features.csv
    """
    out = _check_file_out(out, [data])
    with Progress(quiet) as progress:
        estimator, metadata = _load(model_dir, "features")
        X, info = _read_input(data, progress, metadata.get("columns"))
        progress.step("encoding")
        codes = estimator.transform(_model_input(X, info, metadata, _takes_images(metadata.get("kind"))))
        _write_frame(_codes_frame(codes, info), out, source=data)
    if not quiet:
        progress.done(f"wrote {out} ({codes.shape[1]} features per sample)")


@app.command("denoise")
@user_errors
def denoise(
    data: Path = typer.Argument(..., help="Noisy images (.npy or a PNG folder) or a noisy table."),
    model_dir: Path = typer.Option(..., "--model", "-m", help="Folder written by `ae train` "
                                   "(best: --model denoising trained on clean data)."),
    out: Path = typer.Option(..., "--out", "-o", help="Cleaned images (.npy or a folder) or table."),
    reference: Optional[Path] = typer.Option(None, "--reference", help="Clean originals: print the PSNR before "
                                             "and after."),
    quiet: bool = _QUIET,
) -> None:
    """Rebuild noisy (or blurred) samples with a trained autoencoder.

    Example: synthlearn ae denoise noisy.npy --model dae --out clean.npy --reference originals.npy
    """
    _rebuild(data, model_dir, out, None, reference, 20, quiet)


@app.command("repair")
@user_errors
def repair(
    data: Path = typer.Argument(..., help="Damaged images (.npy or a PNG folder)."),
    model_dir: Path = typer.Option(..., "--model", "-m", help="Folder written by `ae train` on intact images."),
    mask: Path = typer.Option(..., "--mask", help=".npy of the images' shape: 1/True where a pixel is intact, "
                              "0/False where it is missing."),
    out: Path = typer.Option(..., "--out", "-o", help="Repaired images (.npy or a folder)."),
    iterations: int = typer.Option(20, "--iterations", help="Rounds of reconstruct-then-restore-known-pixels."),
    reference: Optional[Path] = typer.Option(None, "--reference", help="Intact originals: print the PSNR."),
    quiet: bool = _QUIET,
) -> None:
    """Fill missing pixels (holes, dead pixels) from what an autoencoder learned, keeping the intact ones.

    Example: synthlearn ae repair damaged.npy --mask known.npy --model dae --out repaired.npy
    """
    _rebuild(data, model_dir, out, mask, reference, iterations, quiet)


def _rebuild(data, model_dir, out, mask, reference, iterations, quiet):
    from synthlearn.autoencoders.repair import psnr
    from synthlearn.autoencoders.repair import repair as run_repair

    from synthlearn.errors import InvalidParameterError

    if mask is not None and iterations < 1:
        raise InvalidParameterError(f"--iterations must be at least 1, got {iterations}")
    images = _is_images(data)
    inputs = [data, model_dir, mask, reference]
    out = _check_image_out(out, inputs) if images else _check_file_out(out, inputs)
    with Progress(quiet) as progress:
        estimator, metadata = _load(model_dir, "denoise" if mask is None else "repair")
        X, info = _read_input(data, progress, metadata.get("columns"))
        clean = None
        if reference is not None:  # checked before anything is written
            clean, _ = _read_input(reference, progress, metadata.get("columns"))
            if clean.shape != X.shape:
                raise DataError(f"--reference has shape {clean.shape}, the input {X.shape}; they must match")
        as_images = _takes_images(metadata.get("kind"))
        Z = _model_input(X, info, metadata, as_images)
        known = None
        if mask is not None:
            if not images:
                raise DataError("--mask works on images; give a .npy or PNG folder")
            if mask.suffix.lower() != ".npy" or not mask.is_file():
                raise DataError(f"--mask '{mask}' must be an existing .npy array")
            known = np.load(mask, allow_pickle=False)
            if known.dtype != bool and not np.isin(known, (0, 1)).all():
                raise DataError(f"--mask '{mask}' must hold only 1/True (intact) and 0/False (missing)")
            known = known.astype(bool)
            if known.shape != X.shape:
                raise DataError(f"--mask has shape {known.shape}, the images {X.shape}; they must match")
            known = known.reshape(Z.shape)
        progress.step("rebuilding")
        rebuilt = _model_output(run_repair(estimator, Z, known, iterations), metadata)
        if images:
            rebuilt = np.clip(rebuilt, 0.0, 1.0)
            _write_array(rebuilt, out)
        else:  # the input table with its modelled columns rebuilt: ids and other columns pass through
            frame = info["frame"].copy()
            frame[info["columns"]] = rebuilt
            _write_frame(frame, out, source=data)
    if clean is not None:
        typer.echo(f"PSNR before: {psnr(clean, X):.2f} dB, after: {psnr(clean, rebuilt):.2f} dB")
    if not quiet:
        progress.done(f"wrote {out}")


@app.command("generate")
@user_errors
def generate(
    model_dir: Path = typer.Argument(..., help="Folder of a trained variational autoencoder (vae or conv-vae)."),
    n: int = typer.Option(64, "--n", help="Number of new samples."),
    out: Path = typer.Option(Path("samples.png"), "--out", "-o", help="PNG grid of the samples."),
    samples: Optional[Path] = typer.Option(None, "--samples", help="Also save the samples (.npy or a folder)."),
    between: Optional[Path] = typer.Option(None, "--interpolate", help="Images whose pairs (1st-2nd, 3rd-4th, "
                                           "...) to morph into each other; written to OUT with _interpolation."),
    steps: int = typer.Option(10, "--steps", help="Images per interpolation row."),
    seed: int = _SEED,
    quiet: bool = _QUIET,
) -> None:
    """Draw new images from a trained VAE and save them as a PNG grid (and latent interpolations).

    Example: synthlearn ae generate vae-model --n 64 --out samples.png
    """
    from synthlearn.autoencoders.generation import interpolate, save_samples
    from synthlearn.data.images import write_image_grid
    from synthlearn.errors import InvalidParameterError

    out = _check_file_out(out, [between])
    if out.suffix.lower() != ".png":
        raise InvalidParameterError(f"--out '{out}' must be a .png file")
    if not 1 <= n <= MAX_GRID:
        raise InvalidParameterError(f"--n must be between 1 and {MAX_GRID:,} (one PNG grid), got {n:,}; "
                                    f"call VariationalAutoencoder.sample from Python for more")
    if between is not None and steps < 2:
        raise InvalidParameterError(f"--steps must be at least 2 (the two ends of each interpolation), got {steps}")
    if samples is not None:
        _check_image_out(samples, [model_dir, between], "--samples")
    with Progress(quiet) as progress:
        estimator, metadata = _load(model_dir, "generate")
        if not hasattr(estimator, "sample"):
            name = type(estimator).__name__
            raise InvalidParameterError(f"{model_dir} holds {'an' if name[0] in 'AEIOU' else 'a'} {name}, which cannot "
                                        f"generate; "
                                        f"train one with --model vae or --model conv-vae")
        if metadata.get("input") != "images":
            raise InvalidParameterError(f"{model_dir} was trained on a table; `ae generate` draws images "
                                        f"(use synthlearn synthesize --method vae for tables)")
        shape = tuple(metadata["image_shape"])
        morphs = None
        if between is not None:  # everything is computed before anything is written
            X, info = _read_input(between, progress)
            Z = _model_input(X, info, metadata, _takes_images(metadata.get("kind")))
            if len(Z) < 2:
                raise DataError(f"--interpolate needs at least two images, {between} has {len(Z)}")
            rows = [interpolate(estimator, Z[i], Z[i + 1], steps) for i in range(0, len(Z) - 1, 2)]
            morphs = np.concatenate(rows).reshape((-1, *shape))
        progress.step(f"sampling {n} images")
        drawn = save_samples(estimator, out, n=n, image_shape=shape, random_state=seed)
        if samples is not None:
            _write_array(drawn, samples)
        if morphs is not None:
            write_image_grid(morphs, out.with_name(f"{out.stem}_interpolation.png"), n_cols=steps)
    if not quiet:
        progress.done(f"wrote {out}" + (f" and {out.stem}_interpolation.png" if between is not None else ""))


@app.command("anomaly")
@user_errors
def anomaly(
    data: Path = typer.Argument(..., help="Table or images to score."),
    out: Path = typer.Option(Path("anomalies.csv"), "--out", "-o", help="Table: error and is_anomaly per sample, "
                             "after its id column (tables) or index (images) (.csv or .parquet)."),
    contamination: float = typer.Option(0.05, "--contamination", help="Expected share of anomalies (0, 0.5]."),
    model_dir: Optional[Path] = typer.Option(None, "--model", "-m", help="A trained autoencoder to use "
                                             "(default: train one on DATA)."),
    code_size: int = typer.Option(8, "--code-size", "-k", help="Code width of the autoencoder trained here."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Most epochs of the autoencoder trained here. "
                                         "Default: the model's own."),
    seed: int = _SEED,
    quiet: bool = _QUIET,
) -> None:
    """Score every sample by reconstruction error and flag the worst --contamination share.

    Example: synthlearn ae anomaly transactions.csv --contamination 0.01 --out anomalies.csv
    """
    import pandas as pd

    from synthlearn.autoencoders import AnomalyDetector
    from synthlearn.errors import InvalidParameterError

    out = _check_file_out(out, [data])
    if not 0 < contamination <= 0.5:
        raise InvalidParameterError(f"--contamination must be in (0, 0.5], got {contamination}")
    with Progress(quiet) as progress:
        if model_dir is not None:
            estimator, metadata = _load(model_dir, "anomaly")
            X, info = _read_input(data, progress, metadata.get("columns"))
        else:
            X, info = _read_input(data, progress)
            metadata = _new_metadata(X, info, "autoencoder")
            estimator = _make("autoencoder", min(code_size, int(np.prod(X.shape[1:]))), epochs, None, None, None,
                              "auto", seed, not quiet)
        Z = _model_input(X, info, metadata, _takes_images(metadata.get("kind")))
        progress.step("scoring")
        # a given model is used as it is (the threshold comes from DATA's errors); else one is trained here
        detector = AnomalyDetector(estimator, contamination=contamination, prefit=model_dir is not None).fit(Z)
        errors = detector.reconstruction_error(Z)
        frame = pd.DataFrame({"error": errors, "is_anomaly": errors > detector.threshold_})
        for column, values in reversed(list(info.get("ids", {}).items())):
            frame.insert(0, column, values)
        if info["input"] == "images":
            frame.insert(0, "index", np.arange(len(frame)))
        _write_frame(frame, out, source=data)
    if not quiet:
        progress.done(f"wrote {out}: {int(frame['is_anomaly'].sum())} of {len(frame)} samples flagged "
                      f"(error > {detector.threshold_:.4g})")


@app.command("forecast")
@user_errors
def forecast(
    data: Path = typer.Argument(..., help="Table (.csv/.parquet) with the series in a column, in time order."),
    column: str = typer.Option(..., "--column", "-c", help="The column to forecast."),
    steps: int = typer.Option(10, "--steps", help="Steps to forecast after the last row."),
    window: int = typer.Option(11, "--window", help="Past steps the model reads (a season, if there is one)."),
    horizon: int = typer.Option(5, "--horizon", help="Steps the model learns to predict at once; longer "
                                "forecasts continue recursively."),
    out: Path = typer.Option(Path("forecast.csv"), "--out", "-o", help="Table of the forecast (.csv or .parquet)."),
    epochs: int = typer.Option(200, "--epochs", help="Most epochs (early stopping may end sooner)."),
    save: Optional[Path] = typer.Option(None, "--save-model", help="Also save the trained model here "
                                        "(load it in Python with synthlearn.autoencoders.load_model)."),
    seed: int = _SEED,
    quiet: bool = _QUIET,
) -> None:
    """Forecast a series with a sequence-to-sequence (GRU) autoencoder trained on its own windows.

    Example: synthlearn ae forecast sunspots.csv --column sunspots --window 11 --steps 10
    """
    import pandas as pd

    from synthlearn.autoencoders import SequenceAutoencoder
    from synthlearn.autoencoders.persist import save_model
    from synthlearn.data import read_table
    from synthlearn.errors import InvalidParameterError

    out = _check_outputs(out, save, [data])
    if steps < 1:
        raise InvalidParameterError(f"--steps must be at least 1, got {steps}")
    with Progress(quiet) as progress:
        progress.step(f"reading {data}")
        df = read_table(data)
        if column not in df.columns:
            raise ColumnError(f"--column '{column}' is not a column; choose one of {list(df.columns)}")
        values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=np.float64)
        if np.isnan(values).any():
            raise DataError(f"column '{column}' has missing or non-numeric values; a series needs a number "
                              f"at every step")
        if np.isinf(values).any():
            raise DataError(f"column '{column}' has infinite values (the first in row "
                            f"{int(np.flatnonzero(np.isinf(values))[0]) + 1}); a series needs a finite number at "
                            f"every step")
        if len(values) < window + horizon + 1:
            raise DataError(f"column '{column}' has {len(values)} steps; --window {window} and --horizon "
                              f"{horizon} need at least {window + horizon + 1}")
        model = SequenceAutoencoder(window=window, horizon=horizon, epochs=epochs, random_state=seed,
                                    verbose=not quiet)
        progress.step(f"training on {len(values) - window - horizon + 1} windows")
        model.fit(values)
        predicted = model.forecast(values, steps=steps)
        frame = pd.DataFrame({"step": np.arange(1, steps + 1), column: predicted})
        _write_frame(frame, out, source=data)
        if save is not None:
            save_model(model, save, metadata={"kind": "sequence", "column": column})
    if not quiet:
        progress.done(f"wrote {out} ({steps} steps after row {len(values)})")


@app.command("recommend")
@user_errors
def recommend(
    data: Path = typer.Argument(..., help="Ratings table (.csv/.parquet), one row per rating."),
    user: str = typer.Option("user", "--user", help="Column of user ids."),
    item: str = typer.Option("item", "--item", help="Column of item ids."),
    rating: str = typer.Option("rating", "--rating", help="Column of ratings."),
    k: int = typer.Option(10, "--k", help="Items to recommend per user."),
    out: Path = typer.Option(Path("recommendations.csv"), "--out", "-o", help="Table: user, rank, item, "
                             "predicted rating (.csv or .parquet)."),
    epochs: int = typer.Option(100, "--epochs", help="Most epochs (the cosine learning-rate schedule spans them)."),
    save: Optional[Path] = typer.Option(None, "--save-model", help="Also save the trained model here, with the "
                                        "user and item ids of its rows and columns."),
    seed: int = _SEED,
    quiet: bool = _QUIET,
) -> None:
    """Recommend each user's top-k unrated items with AutoRec, trained on the observed ratings.

    Example: synthlearn ae recommend ratings.csv --user user_id --item movie_id --rating stars --k 5
    """
    import pandas as pd

    from synthlearn.autoencoders import AutoRec
    from synthlearn.autoencoders.persist import save_model
    from synthlearn.data import read_table
    from synthlearn.errors import InvalidParameterError

    out = _check_outputs(out, save, [data])
    if k < 1:
        raise InvalidParameterError(f"--k must be at least 1, got {k}")
    with Progress(quiet) as progress:
        progress.step(f"reading {data}")
        df = read_table(data)
        for option, name in (("--user", user), ("--item", item), ("--rating", rating)):
            if name not in df.columns:
                raise ColumnError(f"{option} '{name}' is not a column; choose one of {list(df.columns)}")
        stars = pd.to_numeric(df[rating], errors="coerce")
        if stars.isna().any():
            raise DataError(f"column '{rating}' has missing or non-numeric ratings; drop those rows first")
        if np.isinf(stars).any():
            raise DataError(f"column '{rating}' has infinite ratings (the first in row "
                            f"{int(np.flatnonzero(np.isinf(stars))[0]) + 1}); drop those rows first")
        user_codes, user_ids = pd.factorize(df[user])
        item_codes, item_ids = pd.factorize(df[item])
        for option, name, codes in (("--user", user, user_codes), ("--item", item, item_codes)):
            if (codes < 0).any():
                rows = np.flatnonzero(codes < 0) + 1
                raise DataError(f"{option} column '{name}' has no id in row(s) {', '.join(map(str, rows[:5]))}"
                                f"{', ...' if len(rows) > 5 else ''}; give every rating an id or drop those rows")
        long = pd.DataFrame({"user": user_codes, "item": item_codes, "rating": stars.to_numpy(np.float64)})
        if long.duplicated(["user", "item"]).any():
            raise DataError(f"some users rate an item more than once; keep one row per ({user}, {item})")
        model = AutoRec(epochs=epochs, random_state=seed, verbose=not quiet)
        progress.step(f"training AutoRec on {len(long)} ratings ({len(user_ids)} users × {len(item_ids)} items)")
        model.fit(long)
        top = model.recommend(k=k)
        completed = model.predict(long)
        rows = [(user_ids[u], rank + 1, item_ids[i], completed[u, i])
                for u in range(len(user_ids)) for rank, i in enumerate(top[u]) if i >= 0]
        frame = pd.DataFrame(rows, columns=[user, "rank", item, "predicted_rating"])
        _write_frame(frame, out, source=data)
        if save is not None:
            ids = {f"{name}_ids": [v if isinstance(v, (int, float, str)) else str(v) for v in index.tolist()]
                   for name, index in (("user", user_ids), ("item", item_ids))}
            save_model(model, save, metadata={"kind": "autorec", "user": user, "item": item, "rating": rating, **ids})
    if not quiet:
        progress.done(f"wrote {out} (top {k} for {len(user_ids)} users)")
