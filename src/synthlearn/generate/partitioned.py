"""Partitioned generation: in memory, streamed to Parquet/CSV in bounded memory, or on a Dask cluster.

A *source* is anything with ``partition(seed, n, start) -> DataFrame`` (a
:class:`~synthlearn.generate.tables.TableGenerator`, a
:class:`~synthlearn.generate.spec.Spec`, or :class:`SynthesizerSource`).
Partition *i* holds rows ``[i * partition_rows, ...)`` and draws from child *i*
of ``SeedSequence(seed)``, so the rows depend only on ``(seed,
partition_rows)``: one process, chunked writing and any number of Dask
workers give identical tables. Dask is optional and imported only here, only
when a client is asked for.
"""

from __future__ import annotations


from pathlib import Path

import numpy as np
import pandas as pd

from synthlearn.errors import InvalidParameterError
from synthlearn.data import check_n_rows
from synthlearn.generate.tables import PARTITION_ROWS, partition_seed, seed_sequence

DASK_HINT = "pip install synthlearn[dask]"


def check_partition_rows(partition_rows, name: str = "partition_rows") -> int:
    return check_n_rows(partition_rows, name)


def partition_bounds(n_rows: int, partition_rows: int) -> list[tuple[int, int]]:
    """``(start, size)`` of every partition."""
    return [(start, min(partition_rows, n_rows - start)) for start in range(0, n_rows, partition_rows)]


def _root(source, seed):
    if seed is None and hasattr(source, "root"):
        return source.root
    return seed_sequence(seed)


def _draw(source, root, index, start, size) -> pd.DataFrame:
    return source.partition(partition_seed(root, index), size, start)


def _draw_arrow(source, root, index, start, size):
    return frame_to_arrow(_draw(source, root, index, start, size))


def frame_to_arrow(df: pd.DataFrame):
    """A pyarrow Table of ``df`` that shares the numeric buffers (no pandas round trip of floats)."""
    import pyarrow as pa

    arrays = []
    for name in df.columns:
        values = df[name].array
        if isinstance(values, pd.arrays.NumpyExtensionArray) and values.dtype.kind in "fiub":
            arrays.append(pa.array(values.to_numpy(), from_pandas=True))
        else:
            arrays.append(pa.array(df[name], from_pandas=True))
    schema = pa.Schema.from_pandas(df.iloc[:0], preserve_index=False)  # pandas' metadata: categories, Int64
    for i, array in enumerate(arrays):  # an empty object column says nothing of its values' type: theirs wins
        if pa.types.is_null(schema.field(i).type):
            schema = schema.set(i, schema.field(i).with_type(array.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def generate_frame(source, n_rows: int, *, seed=None, partition_rows: int = PARTITION_ROWS,
                   client=None) -> pd.DataFrame:
    """Draw the whole table in memory (partition by partition, optionally on a Dask ``client``)."""
    root = _root(source, seed)
    bounds = partition_bounds(n_rows, partition_rows)
    if client is None:
        parts = [_draw(source, root, i, start, size) for i, (start, size) in enumerate(bounds)]
    else:
        futures = [client.submit(_draw, source, root, i, start, size, pure=False) for i, (start, size) in enumerate(bounds)]
        parts = client.gather(futures)
    if len(parts) == 1:
        return parts[0]
    return pd.concat(parts, ignore_index=True)


def iter_arrow(source, n_rows: int, *, seed=None, partition_rows: int = PARTITION_ROWS, client=None):
    """Yield each partition as a pyarrow Table, in order; with a Dask ``client``, a few partitions
    run ahead on the workers so memory stays bounded. Lost workers' partitions are recomputed by Dask."""
    root = _root(source, seed)
    bounds = partition_bounds(n_rows, partition_rows)
    if client is None:
        for i, (start, size) in enumerate(bounds):
            yield _draw_arrow(source, root, i, start, size)
        return
    ahead = max(2, 2 * len(client.scheduler_info().get("workers", {})) + 1)
    futures = {}
    for i, (start, size) in enumerate(bounds):
        while len(futures) < ahead and i + len(futures) < len(bounds):
            j = i + len(futures)
            futures[j] = client.submit(_draw_arrow, source, root, j, *bounds[j], pure=False, retries=1)
        future = futures.pop(i)
        table = future.result()
        future.release()
        yield table


def write_generated(source, n_rows: int, path, *, seed=None, partition_rows: int = PARTITION_ROWS, client=None,
                    progress=None) -> Path:
    """Stream the table to ``path`` (.parquet: one row group per partition; .csv: appended chunks).

    The file is written under a temporary name and renamed when complete, so an
    interrupted run leaves nothing behind. ``progress(rows_done)`` is called
    after each partition.

    Examples
    --------
    >>> from synthlearn.generate import TableGenerator, write_generated  # doctest: +SKIP
    >>> write_generated(TableGenerator(random_state=0), 10**8, "big.parquet")  # doctest: +SKIP
    """

    from synthlearn.data import atomic_write, table_format

    path = Path(path)
    fmt = table_format(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        from synthlearn.errors import FileFormatError

        raise FileFormatError(f"output folder '{parent}' does not exist; create it or choose another path")

    def _write(tmp: Path) -> None:
        writer = None
        schema = None
        done = 0
        try:
            for table in iter_arrow(source, n_rows, seed=seed, partition_rows=partition_rows, client=client):
                if schema is None:
                    schema = table.schema
                    writer = _open_writer(fmt, tmp, schema)
                elif not table.schema.equals(schema):
                    table = table.cast(schema)
                writer.write_table(_csv_ready(table) if fmt == "csv" else table)
                if done == 0 and table.num_rows < n_rows:
                    _check_room(tmp, path, table.num_rows, n_rows)
                done += table.num_rows
                del table
                if progress is not None:
                    progress(done)
        finally:
            if writer is not None:
                writer.close()

    atomic_write(path, _write)
    return path


def _check_room(tmp: Path, path: Path, written: int, n_rows: int) -> None:
    """After the first partition: refuse early when the whole file would not fit on its disk
    (projected from the bytes that partition took), rather than fill the disk and fail late."""
    import shutil

    size = tmp.stat().st_size
    projected = size / written * n_rows
    free = shutil.disk_usage(tmp.parent).free + size
    if projected > free:
        raise InvalidParameterError(
            f"{n_rows:,} rows would take about {projected / 1e9:,.1f} GB in '{path}', more than the "
            f"{free / 1e9:,.1f} GB free there; ask for fewer rows or write to a larger disk")


def _open_writer(fmt, tmp, schema):
    import pyarrow.parquet as pq

    if fmt == "parquet":
        dictionary = [f.name for f in schema if str(f.type).startswith("dictionary")]
        return pq.ParquetWriter(tmp, schema, compression="snappy", use_dictionary=dictionary or False)
    import pyarrow.csv as pacsv

    return pacsv.CSVWriter(tmp, _csv_schema(schema))


def _csv_schema(schema):
    import pyarrow as pa

    return pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                      for f in schema])


def _csv_ready(table):
    import pyarrow as pa

    return table.cast(_csv_schema(table.schema)) if any(pa.types.is_dictionary(f.type) for f in table.schema) else table


# ------------------------------------------------------------------ Dask
def dask_client(workers: int | None = None, scheduler: str | None = None, *, timeout: str = "10s"):
    """A ``distributed.Client``: a new ``LocalCluster(n_workers=workers)`` or the scheduler at ``scheduler``.

    Returns ``(client, cluster)``; close both when done (``cluster`` is None for a remote scheduler).
    """
    if workers is not None and scheduler is not None:
        raise InvalidParameterError("give --workers or --scheduler, not both")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InvalidParameterError(f"--workers must be a positive integer, got {workers!r}")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InvalidParameterError(f"Dask is not installed (needed for --workers/--scheduler); {DASK_HINT}") from None
    if scheduler is not None:
        try:
            return Client(scheduler, timeout=timeout), None
        except (OSError, TimeoutError) as exc:
            raise InvalidParameterError(f"cannot reach the Dask scheduler at --scheduler {scheduler!r} ({exc}); "
                                        f"check the address (tcp://host:8786)") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=40, env={"OMP_NUM_THREADS": "1"})
    return Client(cluster), cluster


def to_dask_dataframe(source, n_rows: int, *, seed=None, partition_rows: int = PARTITION_ROWS):
    """The table as a lazy ``dask.dataframe``, one Dask partition per generation partition."""
    try:
        import dask.dataframe as dd
    except ImportError:
        raise InvalidParameterError(f"Dask is not installed; {DASK_HINT}") from None
    root = _root(source, seed)
    bounds = partition_bounds(n_rows, partition_rows)
    meta = _draw(source, root, 0, 0, 1).iloc[:0]
    return dd.from_map(lambda item: _draw(source, root, *item), [(i, s, k) for i, (s, k) in enumerate(bounds)],
                       meta=meta, enforce_metadata=False)


# ----------------------------------------------------------- synthesizers
class SynthesizerSource:
    """Partitions of samples from a fitted synthesizer: partition *i* is
    ``synth.sample(k, conditions=..., random_state=child_i, **options)``, identifiers numbered from the
    partition's first row.

    ``conditions``: None, one dict for every row, a DataFrame of one condition row per output row (partition
    *i* takes its rows), or ``conditions(start, k)`` giving a partition's. ``options``: the rest of
    :meth:`~synthlearn.synth.Synthesizer.sample`'s keywords (``reject_copies``, ``min_distance``,
    ``reference``; with ``min_distance`` the reference rows are indexed once, here, for every partition:
    :meth:`~synthlearn.synth.Synthesizer.reference_index`). ``replaced`` sums each partition's ``last_sample_info_`` counts of replaced rows, for the
    partitions drawn in this process."""

    def __init__(self, synthesizer, conditions=None, **options):
        from sklearn.exceptions import NotFittedError as SklearnNotFitted
        from sklearn.utils.validation import check_is_fitted

        from synthlearn.errors import NotFittedError

        try:
            check_is_fitted(synthesizer)
        except SklearnNotFitted:
            raise NotFittedError(f"{type(synthesizer).__name__} is not fitted; call fit(df) before sampling") from None
        self.synthesizer = synthesizer
        self.conditions = conditions
        if options.get("min_distance") is not None:  # the training rows indexed once, not once per partition
            options = {**options, "reference": synthesizer.reference_index(options.get("reference"))}
        self.options = options
        self.replaced = {"copies_replaced": 0, "too_close_replaced": 0}

    def partition(self, seed, n, start=0):
        conditions = self.conditions
        if isinstance(conditions, pd.DataFrame):
            conditions = conditions.iloc[start:start + n].reset_index(drop=True)
        elif callable(conditions):
            conditions = conditions(start, n)
        # identifiers are numbered from the partition's first row
        out = self.synthesizer.sample(n, conditions=conditions, random_state=np.random.default_rng(seed),
                                      id_start=start, **self.options)
        info = getattr(self.synthesizer, "last_sample_info_", {})
        for key in self.replaced:
            self.replaced[key] += int(info.get(key, 0))
        return out


def sample_partitioned(synth, n: int, seed, partition_rows: int = PARTITION_ROWS, client=None, *, conditions=None,
                       **options) -> pd.DataFrame:
    """``n`` rows from a fitted synthesizer, drawn partition by partition (optionally on Dask); ``conditions``
    and ``options`` (``reject_copies``, ``min_distance``, ``reference``) as :class:`SynthesizerSource` takes
    them: one dict for every row, or a DataFrame of one condition row per output row.

    The rows depend only on ``(seed, partition_rows)``, not on ``client``.

    Examples
    --------
    >>> from synthlearn.generate import sample_partitioned  # doctest: +SKIP
    >>> df = sample_partitioned(fitted, 10_000, seed=0, partition_rows=2_500)  # doctest: +SKIP
    >>> gentoo = sample_partitioned(fitted, 10_000, seed=0, conditions={"species": "Gentoo"})  # doctest: +SKIP
    """
    n = check_n_rows(n, "n")
    partition_rows = check_partition_rows(partition_rows)
    if seed is None:
        raise InvalidParameterError("seed must be an integer for partitioned sampling (it defines every partition)")
    if isinstance(conditions, pd.DataFrame) and len(conditions) != n:
        raise InvalidParameterError(f"conditions has {len(conditions):,} rows but n is {n:,}; give one condition row "
                                    f"per output row")
    source = SynthesizerSource(synth, conditions, **options)
    return generate_frame(source, n, seed=seed, partition_rows=partition_rows, client=client)
