"""Writing files and folders so that nobody ever sees half of one.

Everything synthlearn writes goes to a temporary name beside its target and is
renamed into place only when complete; a failure removes the temporary and
leaves any earlier file or folder untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
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
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_folder(path: str | os.PathLike, writer: Callable[[Path], object],
                  *, may_replace: Callable[[Path], bool] | None = None) -> Path:
    """Call ``writer(tmp_folder)`` and put the folder in place of ``path``, replacing an earlier one.

    ``may_replace(path)`` is asked before an existing folder is replaced; it
    raises (or returns False) to refuse.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
    try:
        writer(tmp)
        if path.exists():
            if may_replace is not None and may_replace(path) is False:
                raise FileFormatError(f"refusing to replace '{path}'; choose another folder")
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
    return path
