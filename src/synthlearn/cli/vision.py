"""``synthlearn vision ...``: classify images, from single pixels to CNNs."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="vision",
    help="Image classification: pixel-based, object-based, and image classifiers (KNN, SVM, MLP, CNN).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
