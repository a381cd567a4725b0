"""synthlearn: make synthetic data, prove it is good, learn from it.

The top-level package stays light: heavy libraries (torch, matplotlib, dask)
are imported only inside the functions that need them. Public objects are
reached through their capability::

    from synthlearn.data import load_dataset, infer_schema
    from synthlearn.synth import CARTSynthesizer, GaussianCopulaSynthesizer
    from synthlearn.evaluate import evaluate
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("synthlearn")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
