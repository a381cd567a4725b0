"""``synthlearn vision ...``: classify images, from single pixels to CNNs."""

from __future__ import annotations

import typer

from synthlearn.cli import vision_images as _images
from synthlearn.cli import vision_pixels as _pixels

app = typer.Typer(
    name="vision",
    help="Image classification: pixel-based, object-based, and image classifiers (KNN, SVM, MLP, CNN).\n\n"
    "Example: synthlearn vision compare digits --models knn,svm,mlp,cnn",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# pixel- and object-based classification, localization (cli/vision_pixels.py)
app.command("pixels")(_pixels.pixels)
app.command("objects")(_pixels.objects)
app.command("find-objects")(_pixels.find_objects_command)
app.command("score")(_pixels.score)
# image classifiers (KNN, SVM, MLP, CNN): train, predict, compare (cli/vision_images.py)
app.command("train")(_images.train)
app.command("predict")(_images.predict)
app.command("compare")(_images.compare)
