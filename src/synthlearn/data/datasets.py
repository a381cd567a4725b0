"""Small real tables bundled with synthlearn, readable offline.

``penguins``: Palmer Archipelago penguins (Horst, Hill & Gorman, 2020), 344
rows, 8 columns with missing values; CC0. ``breast_cancer`` and ``wine`` come
from scikit-learn's bundled copies (the target column is ``target``).
"""

from __future__ import annotations

from importlib.resources import files

import pandas as pd

from synthlearn.errors import InvalidParameterError

#: Dataset name → default target column.
DATASETS = {"penguins": "species", "breast_cancer": "target", "wine": "target"}


def load_dataset(name: str = "penguins") -> pd.DataFrame:
    """Load a bundled dataset as a DataFrame.

    Parameters
    ----------
    name : {"penguins", "breast_cancer", "wine"}, default="penguins"

    Examples
    --------
    >>> from synthlearn.data import load_dataset
    >>> load_dataset("penguins").shape
    (344, 8)
    """
    if name == "penguins":
        with files("synthlearn.data").joinpath("datasets/penguins.csv").open() as fh:
            df = pd.read_csv(fh)
        for column in ("species", "island", "sex"):
            df[column] = df[column].astype("category")
        return df
    if name in ("breast_cancer", "wine"):
        from sklearn import datasets

        loader = datasets.load_breast_cancer if name == "breast_cancer" else datasets.load_wine
        bunch = loader(as_frame=True)
        df = bunch.frame.copy()
        df["target"] = pd.Categorical.from_codes(df["target"].to_numpy(), categories=list(bunch.target_names))
        return df
    raise InvalidParameterError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
