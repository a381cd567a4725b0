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

# pixel- and object-based classification, localization (cli/vision_pixels.py)
from synthlearn.cli import vision_pixels as _pixels  # noqa: E402

app.command("pixels")(_pixels.pixels)
app.command("objects")(_pixels.objects)
app.command("find-objects")(_pixels.find_objects_command)
app.command("score")(_pixels.score)
