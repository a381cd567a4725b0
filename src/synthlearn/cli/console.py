"""Terminal output for the CLI: progress and messages on stderr, results on stdout."""

from __future__ import annotations

import errno
import functools
import sys
import time

import typer

from synthlearn.errors import SynthlearnError


class Progress:
    """Shows what the command is doing on stderr, one spinner line; silent when ``quiet``."""

    def __init__(self, quiet: bool = False):
        from rich.console import Console

        self.quiet = quiet
        self.console = Console(stderr=True, highlight=False)
        self._status = None
        self._start = time.perf_counter()

    def __enter__(self) -> Progress:
        if not self.quiet:
            self._status = self.console.status("starting", spinner="dots")
            self._status.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._status is not None:
            self._status.__exit__(*exc)
            self._status = None

    def step(self, message: str) -> None:
        if self.quiet:
            return
        elapsed = time.perf_counter() - self._start
        if self._status is not None:
            self._status.update(f"{message}  [dim]{elapsed:.1f}s[/dim]")
        if not self.console.is_terminal:
            self.console.print(f"[{elapsed:6.1f}s] {message}")

    def warn(self, message: str) -> None:
        """A warning on stderr, shown even when ``quiet``: it is about the result, not progress."""
        self.console.print(f"warning: {message}", markup=False, soft_wrap=True)

    def done(self, message: str) -> None:
        if not self.quiet:
            self.console.print(f"[green]✓[/green] {message}")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(code)


def user_errors(func):
    """Turn synthlearn's user errors (and file-system errors) into one stderr line and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SynthlearnError as exc:
            raise fail(str(exc)) from None
        except PermissionError as exc:
            raise fail(f"permission denied: '{exc.filename}'; choose a writable location") from None
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                where = f" writing '{exc.filename}'" if exc.filename else ""
                raise fail(f"no space left on device{where}; free some space or choose another location") from None
            if exc.filename:
                raise fail(f"{exc.strerror}: '{exc.filename}'; check that path, or choose another location") from None
            raise

    return wrapper


def print_table(df, title: str | None = None, digits: int = 3) -> None:
    """Print a DataFrame as a rich table on stdout."""
    import math

    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column(df.index.name or "", style="bold")
    for column in df.columns:
        table.add_column(str(column), justify="right")
    for index, row in df.iterrows():
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append("–" if math.isnan(v) else f"{v:.{digits}f}")
            else:
                cells.append(str(v))
        table.add_row(str(index), *cells)
    Console(highlight=False).print(table)


SHORT_NAMES = {"overall": "quality", "column_shapes": "shapes", "column_pairs": "pairs", "detection_auc": "detect",
               "dcr_median": "DCR med", "exact_copy_rate": "copies", "rf_accuracy": "RF acc", "rf_r2": "RF R²"}


def print_summary(report, title: str) -> None:
    """The report's headline figures as a compact terminal table on stdout."""
    summary = report.summary().rename(columns=SHORT_NAMES)
    summary.index.name = "table"
    print_table(summary, title=title)
