"""Real time series that ship with synthlearn, readable offline.

``sunspots``: yearly mean sunspot numbers 1700–2008 (309 values; public
domain, NOAA National Geophysical Data Center, as bundled by statsmodels).
It has the ~11-year solar cycle, so seasonal-naive forecasts use period 11.
"""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pandas as pd

from synthlearn.errors import InvalidParameterError

#: Series name → its natural seasonal period.
SERIES = {"sunspots": 11}


def load_series(name: str = "sunspots") -> pd.Series:
    """Load a bundled time series as a float Series indexed by its time stamp.

    Examples
    --------
    >>> from synthlearn.data.series import load_series
    >>> s = load_series("sunspots")
    >>> len(s), int(s.index[0])
    (309, 1700)
    """
    if name == "sunspots":
        with files("synthlearn.data").joinpath("datasets/sunspots.csv").open() as fh:
            df = pd.read_csv(fh)
        return pd.Series(df["SUNACTIVITY"].to_numpy(np.float64), index=pd.Index(df["YEAR"], name="year"),
                         name="sunspots")
    raise InvalidParameterError(f"unknown series {name!r}; choose one of {', '.join(SERIES)}")
