"""``synthlearn generate images``: a labelled image set (PNGs, instance masks, annotations) to a new folder."""

from __future__ import annotations

from pathlib import Path

#: make_images parameter → the CLI option that sets it (for error messages).
OPTION_NAMES = {"n": "--rows", "size": "--size", "classes": "--shapes", "weights": "--shape-weights",
                "objects_per_image": "--objects", "channels": "--channels", "object_size": "--object-size",
                "background": "--background", "noise": "--pixel-noise", "blur": "--blur",
                "edge_cases": "--edge-cases", "min_visible": "--min-visible", "random_state": "--seed"}


def generate_images(rows: int, out: Path, seed: int, quiet: bool, options: dict, *, chunk_rows=None, workers=None,
                    scheduler=None) -> None:
    """Check every option, then make ``rows`` images and write them to the folder ``out`` (see ``generate``)."""
    from synthlearn.atomic import check_replaceable
    from synthlearn.cli.options import writable_folder
    from synthlearn.data import check_n_rows
    from synthlearn.errors import FileFormatError, InvalidParameterError
    from synthlearn.generate.image_files import replaceable

    for name, value in {"--chunk-rows": chunk_rows, "--workers": workers, "--scheduler": scheduler}.items():
        if value is not None:
            raise InvalidParameterError(f"{name} does not apply to KIND images (they are made in one process); "
                                        f"drop it")
    rows = check_n_rows(rows, "--rows")
    if seed < 0:
        raise InvalidParameterError(f"--seed must be >= 0, got {seed}")
    if out.suffix:
        raise FileFormatError(f"--out '{out}' has an extension; images are written to a folder, e.g. --out shapes")
    writable_folder(out)
    check_replaceable(out, replaceable, option="--out")
    kwargs = {"size": _pair(options["--size"], "--size", int, "x"),
              "classes": _names(options["--shapes"]),
              "weights": _numbers(options["--shape-weights"], "--shape-weights"),
              "objects_per_image": _pair(options["--objects"], "--objects", int, "-"),
              "channels": options["--channels"],
              "object_size": _pair(options["--object-size"], "--object-size", float, "-"),
              "background": options["--background"], "noise": options["--pixel-noise"], "blur": options["--blur"],
              "edge_cases": _edge_cases(options["--edge-cases"]), "min_visible": options["--min-visible"]}
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    _write(rows, out, seed, quiet, kwargs, coco=options["--coco"] is not False)


def _write(rows, out, seed, quiet, kwargs, coco):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from synthlearn.cli.options import with_option_names
    from synthlearn.errors import InvalidParameterError
    from synthlearn.generate import generate_labelled_images

    console = Console(stderr=True, highlight=False)
    with Progress(TextColumn("generating images"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=quiet or not console.is_terminal, transient=True) as bar:
        task = bar.add_task("images", total=rows)
        try:  # every argument is checked before anything is written
            generate_labelled_images(out, rows, coco=coco, random_state=seed,
                                     progress=lambda done: bar.update(task, completed=done), **kwargs)
        except InvalidParameterError as exc:
            raise with_option_names(exc, OPTION_NAMES) from None
    if not quiet:
        console.print(f"[green]✓[/green] wrote {out} ({rows:,} images)", soft_wrap=True)


def _pair(text, option, kind, sep):
    """``"64"`` → 64, ``"48x64"`` → (48, 64) (``sep`` between the two numbers)."""
    from synthlearn.errors import InvalidParameterError

    if text is None:
        return None
    parts = text.lower().split(sep) if sep == "x" else _split_range(text)
    try:
        values = [kind(p.strip()) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2):
        example = {"--size": "64 or 48x64", "--objects": "2 or 1-4", "--object-size": "0.1-0.3"}[option]
        raise InvalidParameterError(f"{option} must be a number or two ({example}), got {text!r}")
    return values[0] if len(values) == 1 else tuple(values)


def _split_range(text):
    """"1-4" → ["1", "4"], "0.1-0.3" → ["0.1", "0.3"]; a leading minus stays with its number."""
    head, sep, tail = text[1:].partition("-")
    return [text[0] + head, tail] if sep else [text]


def _names(text):
    from synthlearn.errors import InvalidParameterError

    if text is None:
        return None
    names = [t.strip() for t in text.split(",")]
    if not all(names):
        raise InvalidParameterError(f"--shapes must be comma-separated shape names such as circle,square, "
                                    f"got {text!r}")
    return tuple(names)


def _numbers(text, option):
    from synthlearn.errors import InvalidParameterError

    if text is None:
        return None
    try:
        return [float(t) for t in text.split(",")]
    except ValueError:
        raise InvalidParameterError(f"{option} must be comma-separated numbers such as 0.5,0.5, got {text!r}") from None


def _edge_cases(text):
    """``"0.1"`` → 0.1; ``"truncated=0.2,low-contrast=0.1"`` → {"truncated": 0.2, "low_contrast": 0.1}."""
    from synthlearn.errors import InvalidParameterError

    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    rates = {}
    for item in text.split(","):
        name, sep, rate = item.partition("=")
        try:
            rates[name.strip().replace("-", "_")] = float(rate)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise InvalidParameterError(f"--edge-cases must be one rate or NAME=RATE,... such as "
                                        f"truncated=0.2,occluded=0.1, got {text!r}")
    return rates
