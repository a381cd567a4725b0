"""From-scratch generators: labelled mixed-type tables, declarative column specs, partitioned on Dask.

``make_table`` makes classification or regression tables with known truth;
``make_images`` makes labelled images of shapes (instance masks, boxes, edge cases), written and read
back as folders by ``write_labelled_images`` / ``read_labelled_images`` (``generate_labelled_images``
writes any number, chunk by chunk);
``make_ratings`` makes MovieLens-shaped user × item ratings with a known noise floor;
``load_spec`` reads a YAML/JSON column spec (Monte Carlo from named
distributions); ``write_generated`` streams either to Parquet/CSV in bounded
memory, optionally on a Dask cluster; ``sample_partitioned`` does the same for
any fitted synthesizer.
"""

from synthlearn.generate.image_files import generate_labelled_images, read_labelled_images, write_labelled_images
from synthlearn.generate.images import LabelledImages, make_images
from synthlearn.generate.partitioned import (SynthesizerSource, dask_client, generate_frame, sample_partitioned,
                                             to_dask_dataframe, write_generated)
from synthlearn.generate.ratings import Ratings, make_ratings
from synthlearn.generate.spec import Spec, SpecError, load_spec, parse_spec
from synthlearn.generate.tables import PARTITION_ROWS, TableGenerator, make_table

__all__ = ["LabelledImages", "PARTITION_ROWS", "Ratings", "Spec", "SpecError", "SynthesizerSource", "TableGenerator",
           "dask_client", "generate_frame", "generate_labelled_images", "load_spec", "make_images", "make_ratings",
           "make_table", "parse_spec", "read_labelled_images", "sample_partitioned", "to_dask_dataframe",
           "write_generated", "write_labelled_images"]
