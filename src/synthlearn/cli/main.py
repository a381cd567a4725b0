"""Entry point of the ``synthlearn`` command."""

from __future__ import annotations

import typer

from synthlearn.cli import ae as ae_cmd
from synthlearn.cli import evaluate as evaluate_cmd
from synthlearn.cli import generate as generate_cmd
from synthlearn.cli import learn as learn_cmd
from synthlearn.cli import synth as synth_cmd
from synthlearn.cli import vision as vision_cmd

app = typer.Typer(
    name="synthlearn",
    help="Make synthetic data, prove it is good, and learn from it.\n\n"
    "Example: synthlearn synthesize --out out   (bundled penguins table → out/report.html)",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from synthlearn import __version__

        typer.echo(f"synthlearn {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Make synthetic data, prove it is good, and learn from it."""


app.command("synthesize")(synth_cmd.synthesize)
app.command("sample")(synth_cmd.sample)
app.command("evaluate")(evaluate_cmd.evaluate)
app.command("generate")(generate_cmd.generate)
app.command("compare")(learn_cmd.compare)
app.command("train")(learn_cmd.train)
app.command("predict")(learn_cmd.predict)
app.command("cluster")(learn_cmd.cluster)
app.command("reduce")(learn_cmd.reduce)
app.add_typer(ae_cmd.app, name="ae")
app.add_typer(vision_cmd.app, name="vision")


def main() -> None:
    import signal
    import sys

    # a terminated run exits like an interrupted one, so that temporary outputs are removed
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    app()


if __name__ == "__main__":
    main()
