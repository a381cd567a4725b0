"""Checks and helpers the commands share: output folders, schemas, targets."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from synthlearn.data import Schema, infer_schema
from synthlearn.errors import ColumnError, DataError, FileFormatError, InvalidParameterError


def writable_folder(path: Path, option: str = "--out") -> Path:
    """Check, before any work is done, that the folder ``path`` can be written (it is not created yet);
    errors name ``option``."""
    if path.exists():
        if not path.is_dir():
            raise FileFormatError(f"{option} '{path}' is a file; give a folder")
        try:
            with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
                pass
        except OSError as exc:
            raise FileFormatError(f"cannot write to {option} '{path}' ({exc.strerror}); "
                                  f"choose a writable folder") from None
        return path
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
        raise FileFormatError(f"cannot create {option} '{path}': '{ancestor}' is not a writable folder; "
                              f"choose a writable location")
    return path


def check_outputs_spare_input(out: Path, names, *inputs: Path | None) -> None:
    """Refuse, before any work, an ``--out`` folder where one of the files ``names`` would be written over one of
    ``inputs`` (None: no such input), or where a folder stands in the place of one of them."""
    from synthlearn.data.io import same_file

    for name in names:
        if (out / name).is_dir():
            raise FileFormatError(f"--out '{out}' holds a folder named {name}, where this command writes a file; "
                                  f"move it or choose another --out")
        for source in inputs:
            if source is not None and same_file(out / name, source):
                raise FileFormatError(f"refusing to overwrite the input file '{source}' with {name}; "
                                      f"choose another --out")


def with_option_names(exc: InvalidParameterError, names: dict[str, str]) -> InvalidParameterError:
    """``exc`` with the Python parameters its message names replaced by the CLI options (``cv`` → ``--cv``)."""
    pattern = re.compile(r"(?<![\w-])(" + "|".join(sorted(names, key=len, reverse=True)) + r")(?![\w-])")
    return type(exc)(pattern.sub(lambda m: names[m.group(1)], str(exc)))


def create_folder(path: Path) -> Path:
    """Create ``path`` (checked earlier by :func:`writable_folder`)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileFormatError(f"cannot create --out '{path}' ({exc.strerror}); choose a writable folder") from None
    return path


def writable_file(path: Path) -> Path:
    """Check that a file can be created at ``path`` (its folder exists and is writable)."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise FileFormatError(f"--out '{path}' is a folder; give a file name such as synthetic.parquet")
    if not parent.is_dir():
        raise FileFormatError(f"folder '{parent}' of --out does not exist; create it or choose another path")
    if not os.access(parent, os.W_OK):
        raise FileFormatError(f"cannot write to '{parent}'; choose a writable --out")
    return path


def build_schema(df: pd.DataFrame, schema_file: Path | None, categorical: list[str] | None,
                 table: str | None = None) -> Schema:
    """Infer the schema, then apply ``--schema`` (whole or partial) and ``--categorical`` overrides;
    ``table`` names the table in errors on its values ("real")."""
    overrides, formats = {}, {}
    if schema_file is not None:
        given = Schema.load(schema_file)
        overrides.update(given.kinds)
        formats.update(given.formats)
    for column in categorical or []:
        if column not in df.columns:
            raise ColumnError(f"--categorical names unknown column '{column}'; columns are {list(df.columns)}")
        overrides[column] = "categorical"
    unknown = [c for c in overrides if c not in df.columns]
    if unknown:
        raise ColumnError(f"--schema names unknown column(s) {unknown}; columns are {list(df.columns)}")
    return infer_schema(df, overrides, formats=formats, table=table)


def check_target(df: pd.DataFrame, schema: Schema, target: str | None) -> None:
    """The target must be a modelled column with at least two values."""
    if target is None:
        return
    if target not in df.columns:
        raise ColumnError(f"--target '{target}' is not a column; choose one of {list(df.columns)}")
    if schema[target].value == "identifier":
        raise ColumnError(f"--target '{target}' is an identifier (unique per row); choose a column to predict")
    n = df[target].nunique(dropna=True)
    if n < 2:
        value = df[target].dropna().head(1).tolist()[0]  # a Python value: 5, not np.int64(5)
        raise DataError(f"--target '{target}' has a single value ({value!r}); "
                        f"a target needs at least two classes or values")


def check_sensitive(df: pd.DataFrame, schema: Schema, sensitive: list[str] | None, target: str | None) -> list[str]:
    """``--sensitive`` columns must be modelled columns other than ``--target``, and need a ``--target``."""
    for column in sensitive or []:
        if column not in df.columns:
            raise ColumnError(f"--sensitive '{column}' is not a column; choose one of {list(df.columns)}")
        if column == target:
            raise ColumnError(f"--sensitive '{column}' is the --target; choose a column other than the target")
        if schema[column].value == "identifier":
            raise ColumnError(f"--sensitive '{column}' is an identifier (unique per row); choose a column that "
                              f"groups rows")
    if sensitive and target is None:
        raise InvalidParameterError("--sensitive needs --target: the bias check compares the target's rates per "
                                    "group; add --target COLUMN")
    return list(dict.fromkeys(sensitive or []))
