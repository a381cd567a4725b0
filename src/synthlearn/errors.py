"""The exceptions synthlearn raises for a user's mistakes.

Every message is one line that names the column or parameter, the bad value
and the fix. The CLI prints ``error: <message>`` and exits non-zero; Python
callers can catch :class:`SynthlearnError` (or plain ``ValueError`` /
``TypeError``, which these subclass).
"""

from __future__ import annotations


class SynthlearnError(Exception):
    """Base class of every user-facing synthlearn error."""


class InvalidParameterError(SynthlearnError, ValueError):
    """A parameter has a value outside what it accepts."""


class DataError(SynthlearnError, ValueError):
    """The data itself cannot be used as given (empty, duplicate columns, ...)."""


class ColumnError(DataError, KeyError):
    """A named column is absent or unusable."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class SchemaError(SynthlearnError, TypeError):
    """A column's kind does not fit its values or a schema file is invalid."""


class FileFormatError(SynthlearnError, ValueError):
    """A file is missing, unreadable or of an unsupported format."""


class ModelFileError(SynthlearnError, ValueError):
    """A saved model folder is missing a file or is corrupt."""


class NotFittedError(SynthlearnError, ValueError):
    """A method that needs a fitted object was called before ``fit``."""
