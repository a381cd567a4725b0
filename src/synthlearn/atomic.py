"""Writing files and folders so that nobody ever sees half of one.

Everything synthlearn writes goes to a temporary name beside its target and is
renamed into place only when complete; a failure removes the temporary and
leaves any earlier file or folder untouched.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from synthlearn.errors import FileFormatError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, writer: Callable[[Path], object]) -> None:
    """Call ``writer(tmp_path)`` and rename the result onto the file ``path``."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise FileFormatError(f"cannot write to '{parent}': {exc.strerror}; choose a writable --out") from None
    os.close(fd)
    try:
        writer(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        _name_full_disk(exc, path)
        raise


def holds_only(*patterns: str) -> Callable[[Path], bool]:
    """A ``may_replace`` test for :func:`atomic_folder`: true when every entry of a folder matches a pattern.

    A writer passes the names it writes (globs such as ``"*.png"`` allowed), so
    it replaces a folder it wrote earlier but never one holding anything else.
    """
    def test(folder: Path) -> bool:
        return all(any(fnmatch.fnmatchcase(p.name, pattern) for pattern in patterns) for p in folder.iterdir())

    return test


def check_replaceable(path: str | os.PathLike, may_replace: Callable[[Path], bool] | None = None, *,
                      inputs=(), option: str | None = None) -> None:
    """Refuse (:class:`FileFormatError`) to replace the folder ``path`` unless that is safe.

    An existing ``path`` is refused when it is a file, when it is or holds one
    of ``inputs`` (the files or folders being read), or when it is not empty
    and ``may_replace(path)`` is not true (no ``may_replace``: only an empty
    folder). Messages name ``option`` (``"--out"``) when given. Callers check
    early, before any work; :func:`atomic_folder` checks again before it writes.
    """
    given = Path(path)
    path = Path(os.path.abspath(given))
    if not path.exists():
        return
    label = f"{option} '{given}'" if option else f"'{given}'"
    if not path.is_dir():
        raise FileFormatError(f"{label} is a file; give a folder")
    real = Path(os.path.realpath(path))
    for source in inputs:
        source_real = Path(os.path.realpath(source))
        if source_real == real or real in source_real.parents:
            raise FileFormatError(f"refusing to replace {label}: it holds the input '{source}'; "
                                  f"choose another folder")
    if any(path.iterdir()) and (may_replace is None or not may_replace(path)):
        raise FileFormatError(f"refusing to replace {label}: it is a non-empty folder holding files this command "
                              f"does not write; choose a new or empty folder")


def atomic_folder(path: str | os.PathLike, writer: Callable[[Path], object],
                  *, may_replace: Callable[[Path], bool] | None = None, inputs=()) -> Path:
    """Call ``writer(tmp_folder)`` and put the folder in place of ``path``, replacing an earlier one.

    An existing folder is replaced only when :func:`check_replaceable` allows it:
    it is empty, or ``may_replace(path)`` is true (see :func:`holds_only`), and
    it holds none of ``inputs``. Anything else is refused before ``writer`` runs.
    """
    given, path = Path(path), Path(os.path.abspath(path))  # "." and ".." have no name to put a temporary beside
    check_replaceable(given, may_replace, inputs=inputs)
    parent = path.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
    try:
        writer(tmp)
        if path.exists():
            check_replaceable(given, may_replace, inputs=inputs)  # it may have changed while writer ran
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return given


@contextmanager
def staged_outputs(folder: str | os.PathLike) -> Iterator[Path]:
    """Write a command's outputs into the temporary folder this yields; they land in ``folder`` only together.

    ``folder`` is created if absent. When the block completes, every file of
    the temporary folder is renamed into ``folder`` (write folders, such as a
    model, with :func:`atomic_folder` as the block's last step). When it fails, nothing
    new is left behind: the temporary folder goes, and so does ``folder`` if
    it was created here; a full disk is reported with ``folder`` as the file
    name.
    """
    folder = Path(folder)
    created = not folder.exists()
    made = []  # folders created here, deepest last
    if created:
        for parent in [folder, *folder.absolute().parents]:
            if parent.exists():
                break
            made.append(parent)
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".staged-", dir=folder))
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
        yield tmp
        for entry in sorted(tmp.iterdir()):
            os.replace(entry, folder / entry.name)
        tmp.rmdir()
    except BaseException as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        for path in made:  # deepest first: only what was created here
            shutil.rmtree(path, ignore_errors=True) if path == folder else _rmdir_if_empty(path)
        if isinstance(exc, OSError) and tmp is not None and str(tmp) in str(exc.filename):
            exc.filename = None  # the temporary name means nothing to the user
        _name_full_disk(exc, folder)
        raise


def _rmdir_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


def _name_full_disk(exc: BaseException, path: Path) -> None:
    """Give a full-disk error without a file name (pyarrow's, zipfile's) the name of what was being written."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC and not exc.filename:
        exc.filename = str(path)
