"""Chunked and partitioned generation: streamed files equal the in-memory table; Dask writes the same rows,
even when a worker dies mid-run; synthesizers sample partition by partition."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from synthlearn.generate import (SynthesizerSource, TableGenerator, generate_frame, load_spec, make_table,
                                 sample_partitioned, write_generated)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "specs"
MIXED = dict(task="classification", n_numeric=4, n_binary=2, n_categorical=2, n_categories=3, n_classes=3,
             n_informative=4, n_redundant=1, class_sep=1.0, weights=None, flip_y=0.1, noise=0.0, regression="linear",
             marginals={"num_1": "gamma"}, missing_rate=0.1, missing="mcar", outlier_rate=0.01,
             outlier_column="outlier", target_name="target")


def mixed_generator(seed=11):
    return TableGenerator(**MIXED, random_state=seed)


def mixed_frame(n, partition_rows, seed=11):
    kwargs = {k: v for k, v in MIXED.items()}
    return make_table(n, **kwargs, random_state=seed, partition_rows=partition_rows)


def test_parquet_stream_equals_in_memory_table_with_one_row_group_per_partition(tmp_path):
    out = tmp_path / "t.parquet"
    calls = []
    write_generated(mixed_generator(), 2500, out, partition_rows=1000, progress=calls.append)
    assert calls == [1000, 2000, 2500]
    assert pq.ParquetFile(out).num_row_groups == 3
    pd.testing.assert_frame_equal(pd.read_parquet(out), mixed_frame(2500, 1000))
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]


def test_csv_stream_equals_in_memory_table(tmp_path):
    out = tmp_path / "t.csv"
    write_generated(mixed_generator(), 2500, out, partition_rows=1000)
    got = pd.read_csv(out)
    want = mixed_frame(2500, 1000)
    assert list(got.columns) == list(want.columns) and len(got) == 2500
    for c in want.columns:
        if isinstance(want[c].dtype, pd.CategoricalDtype) or want[c].dtype == "boolean":
            assert got[c].astype(str).replace("nan", "<NA>").tolist() == \
                want[c].astype(str).replace("nan", "<NA>").tolist()
        else:
            np.testing.assert_allclose(got[c].astype(float), want[c].astype(float), rtol=1e-12)


def test_the_table_depends_on_the_partition_size_only_through_seeding():
    small = mixed_frame(1200, 300)
    again = mixed_frame(1200, 300)
    other = mixed_frame(1200, 400)
    pd.testing.assert_frame_equal(small, again)
    assert list(small.columns) == list(other.columns) and small.dtypes.equals(other.dtypes)
    pd.testing.assert_frame_equal(small.iloc[:300], mixed_frame(300, 1000))  # partition 0 is shared


class Failing:
    """A source that breaks in its third partition."""

    def __init__(self, inner):
        self.inner = inner

    def partition(self, seed, n, start=0):
        if start >= 2000:
            raise RuntimeError("disk on fire")
        return self.inner.partition(seed, n, start)


@pytest.mark.parametrize("name", ["t.parquet", "t.csv"])
def test_a_failed_run_leaves_no_file(tmp_path, name):
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_generated(Failing(mixed_generator()), 3000, tmp_path / name, partition_rows=1000)
    assert list(tmp_path.iterdir()) == []


def test_spec_stream_equals_in_memory(tmp_path):
    spec = load_spec(EXAMPLES / "customers.yaml")
    write_generated(spec, 2100, tmp_path / "c.parquet", seed=4, partition_rows=700)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "c.parquet"), spec.sample(2100, random_state=4,
                                                                                      partition_rows=700))


@pytest.fixture(scope="module")
def fitted():
    from synthlearn.synth import GaussianCopulaSynthesizer

    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=200), "k": rng.choice(["a", "b"], 200),
                         "id": np.arange(200)})
    return GaussianCopulaSynthesizer(random_state=0).fit(real)


def test_sampling_an_unfitted_synthesizer_is_refused():
    from synthlearn.errors import NotFittedError
    from synthlearn.synth import GaussianCopulaSynthesizer

    with pytest.raises(NotFittedError, match="GaussianCopulaSynthesizer is not fitted"):
        sample_partitioned(GaussianCopulaSynthesizer(), 10, seed=0)


def test_sample_partitioned_is_reproducible_and_numbers_ids_by_row(fitted):
    a = sample_partitioned(fitted, 1000, seed=3, partition_rows=300)
    b = sample_partitioned(fitted, 1000, seed=3, partition_rows=300)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 1000 and list(a.columns) == ["x", "k", "id"]
    assert a["id"].is_unique
    first = fitted.sample(300, random_state=np.random.default_rng(np.random.SeedSequence(3).spawn(1)[0]))
    pd.testing.assert_series_equal(a["x"].iloc[:300], first["x"])


def test_sample_partitioned_takes_conditions_per_partition(fitted):
    """A dict holds for every row; a DataFrame gives each partition its own rows; the first partition is the
    synthesizer's own conditional sample from that partition's seed."""
    b = sample_partitioned(fitted, 700, seed=3, partition_rows=300, conditions={"k": "b"}, reject_copies=True)
    assert len(b) == 700 and (b["k"] == "b").all() and b["id"].is_unique
    wanted = pd.DataFrame({"k": np.resize(["a", "b"], 700)})
    rows = sample_partitioned(fitted, 700, seed=3, partition_rows=300, conditions=wanted)
    assert list(rows["k"]) == list(wanted["k"])
    first = fitted.sample(300, conditions=wanted.iloc[:300],
                          random_state=np.random.default_rng(np.random.SeedSequence(3).spawn(1)[0]))
    pd.testing.assert_series_equal(rows["x"].iloc[:300], first["x"])
    from synthlearn.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="conditions has 10 rows but n is 700"):
        sample_partitioned(fitted, 700, seed=3, conditions=wanted.iloc[:10])


def test_min_distance_indexes_the_reference_once_for_every_partition(fitted, monkeypatch):
    import synthlearn.evaluate.privacy as privacy

    built = []
    init = privacy.ClosestRecord.__init__
    monkeypatch.setattr(privacy.ClosestRecord, "__init__", lambda self, *a, **k: built.append(1) or init(self, *a, **k))
    rows = sample_partitioned(fitted, 700, seed=3, partition_rows=200, min_distance=0.001)
    assert len(rows) == 700 and len(built) == 1  # four partitions, one index
    index = fitted.reference_index()
    pd.testing.assert_frame_equal(fitted.sample(50, random_state=1, min_distance=0.001, reference=index, id_start=0),
                                  fitted.sample(50, random_state=1, min_distance=0.001, id_start=0))


def test_object_columns_stream_to_parquet(tmp_path):
    # text or dates held as Python objects made the streamed Parquet fail: "Unsupported cast from string to null"
    import datetime

    from synthlearn.synth import CARTSynthesizer

    real = pd.DataFrame({"s": pd.Series(["a", "b", "a", None] * 5, dtype=object),
                         "d": pd.Series([datetime.date(2020, 1, 1 + i % 7) for i in range(20)], dtype=object),
                         "x": np.arange(20.0)})
    synth = CARTSynthesizer(random_state=0).fit(real)
    write_generated(SynthesizerSource(synth), 50, tmp_path / "s.parquet", seed=0, partition_rows=20)
    written, drawn = pd.read_parquet(tmp_path / "s.parquet"), sample_partitioned(synth, 50, seed=0, partition_rows=20)
    for column in real.columns:
        assert written[column].astype(object).fillna("-").tolist() == drawn[column].astype(object).fillna("-").tolist()
    assert str(pq.read_schema(tmp_path / "s.parquet").field("d").type) == "date32[day]"


# ---------------------------------------------------------------- Dask
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                      silence_logs=40, env={"OMP_NUM_THREADS": "1"}) as cluster, Client(cluster) as client:
        yield cluster, client


def test_dask_writes_the_same_rows_as_one_process(cluster, tmp_path):
    _, client = cluster
    one = tmp_path / "one.parquet"
    two = tmp_path / "two.parquet"
    write_generated(mixed_generator(), 5000, one, partition_rows=700)
    write_generated(mixed_generator(), 5000, two, partition_rows=700, client=client)
    pd.testing.assert_frame_equal(pd.read_parquet(two), pd.read_parquet(one))
    pd.testing.assert_frame_equal(pd.read_parquet(one), mixed_frame(5000, 700))
    spec = load_spec(EXAMPLES / "sensors.json")
    pd.testing.assert_frame_equal(generate_frame(spec, 3000, seed=2, partition_rows=500, client=client),
                                  spec.sample(3000, random_state=2, partition_rows=500))


def test_dask_sampling_from_a_synthesizer_matches_one_process(cluster, fitted):
    _, client = cluster
    pd.testing.assert_frame_equal(sample_partitioned(fitted, 900, seed=5, partition_rows=200, client=client),
                                  sample_partitioned(fitted, 900, seed=5, partition_rows=200))
    wanted = pd.DataFrame({"k": np.resize(["b", "a", "a"], 900)})
    pd.testing.assert_frame_equal(
        sample_partitioned(fitted, 900, seed=5, partition_rows=200, client=client, conditions=wanted),
        sample_partitioned(fitted, 900, seed=5, partition_rows=200, conditions=wanted))


class DiesOnce:
    """Kills the worker process that draws partition 3 — the first time only (a marker file remembers)."""

    def __init__(self, inner, marker):
        self.inner, self.marker = inner, str(marker)

    def partition(self, seed, n, start=0):
        if start == 3 * n and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os._exit(1)
        return self.inner.partition(seed, n, start)


def test_a_killed_workers_partitions_are_recomputed(cluster, tmp_path):
    import cloudpickle

    _, client = cluster
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import this test module
    try:
        out = tmp_path / "k.parquet"
        marker = tmp_path / "killed"
        write_generated(DiesOnce(mixed_generator(), marker), 4000, out, seed=11, partition_rows=500, client=client)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert marker.exists()  # a worker really died
    pd.testing.assert_frame_equal(pd.read_parquet(out), mixed_frame(4000, 500))


def test_to_dask_dataframe():
    from synthlearn.generate import to_dask_dataframe

    ddf = to_dask_dataframe(mixed_generator(), 1500, partition_rows=500)
    assert ddf.npartitions == 3
    pd.testing.assert_frame_equal(ddf.compute(scheduler="synchronous").reset_index(drop=True), mixed_frame(1500, 500))


def test_missing_dask_names_the_extra(monkeypatch):
    from synthlearn.errors import InvalidParameterError
    from synthlearn.generate import dask_client

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(InvalidParameterError, match=r"pip install synthlearn\[dask\]"):
        dask_client(workers=2)


def test_cli_scheduler_option_writes_the_same_file(cluster, tmp_path):
    from typer.testing import CliRunner

    from synthlearn.cli.main import app

    local, _ = cluster
    out = tmp_path / "cli.parquet"
    args = ["generate", "classification", "--rows", "1800", "--numeric", "3", "--categorical", "1",
            "--chunk-rows", "500", "--seed", "9", "--scheduler", local.scheduler_address, "--out", str(out), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out), make_table(1800, n_numeric=3, n_categorical=1,
                                                                    random_state=9, partition_rows=500))


def test_unreachable_scheduler_is_one_error_line():
    from synthlearn.errors import InvalidParameterError
    from synthlearn.generate import dask_client

    with pytest.raises(InvalidParameterError, match="cannot reach the Dask scheduler at --scheduler 'tcp://127.0.0.1:1'"):
        dask_client(scheduler="tcp://127.0.0.1:1", timeout="1s")


@pytest.mark.parametrize("name", ["t.parquet", "t.csv"])
def test_a_file_too_big_for_its_disk_is_refused_after_one_partition(tmp_path, name, monkeypatch):
    """The first partition's bytes project the whole file's size: past the free space, the run stops
    with one clear error and leaves no file (it would otherwise fill the disk and fail late)."""
    import shutil

    from synthlearn.errors import InvalidParameterError

    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(InvalidParameterError, match=r"3,000 rows would take about .* GB in .*t\.(parquet|csv).* free"):
        write_generated(mixed_generator(), 3000, tmp_path / name, partition_rows=1000)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    write_generated(mixed_generator(), 3000, tmp_path / name, partition_rows=1000)  # room enough: written


def test_a_terminated_cli_run_leaves_no_temporary_file(tmp_path):
    """SIGTERM ends `synthlearn` like an interruption: the half-written temporary file is removed."""
    import signal
    import subprocess
    import time

    if sys.platform == "win32":
        pytest.skip("POSIX signals")
    proc = subprocess.Popen([sys.executable, "-c", "from synthlearn.cli.main import main; main()", "generate",
                             "classification", "--rows", "200000000", "--out", str(tmp_path / "big.csv"), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir()), "the run never started writing"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []
