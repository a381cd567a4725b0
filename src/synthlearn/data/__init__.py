"""Tables in and out, column kinds, and the bundled datasets."""

from synthlearn.data.datasets import DATASETS, load_dataset
from synthlearn.data.io import atomic_write, check_n_rows, read_table, table_format, write_table
from synthlearn.data.schema import ColumnKind, Schema, infer_schema
from synthlearn.data.split import holdout_split

__all__ = [
    "DATASETS",
    "ColumnKind",
    "Schema",
    "atomic_write",
    "check_n_rows",
    "holdout_split",
    "infer_schema",
    "load_dataset",
    "read_table",
    "table_format",
    "write_table",
]
