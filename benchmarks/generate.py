"""From-scratch generation against scikit-learn's make_classification: speed, difficulty, memory, Dask scaling.

Prints one markdown table. Reference: ``sklearn.datasets.make_classification``
rows/s on 1,000,000 x 20 (median of 5, interleaved with ours in this process).

    .venv/bin/python benchmarks/generate.py           # full sizes (a few minutes, ~5 GB of temporary disk)
    .venv/bin/python benchmarks/generate.py --quick   # smaller sizes, same rows

Rows and targets (issue 5):
- numeric 1M x 20 rows/s ratio >= 2.0 (same problem as sklearn's defaults: 2 informative, 2 redundant, 16 noise);
- mixed 1M x 20 (10 numeric, 5 binary, 5 categorical) ratio >= 1.0;
- class_sep 0.25/0.5/1/2/4 gives strictly increasing logistic-regression test accuracy;
- 50M x 20 (mixed) streamed to Parquet in a child process: peak RSS < 1.5 GiB;
- 20M rows on 2 Dask workers vs 1: speed-up >= 1.6.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")


MIXED = dict(n_numeric=10, n_binary=5, n_categorical=5)
GiB = 1024 ** 3


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def speed_rows(n, reps):
    from sklearn.datasets import make_classification

    from synthlearn.generate import make_table

    sk, numeric, mixed = [], [], []
    for rep in range(reps):  # interleaved, so load from other processes hits all three alike
        sk.append(n / timed(lambda: make_classification(n_samples=n, n_features=20, random_state=rep)))
        numeric.append(n / timed(lambda: make_table(n, n_numeric=20, n_informative=2, n_redundant=2,
                                                    random_state=rep)))
        mixed.append(n / timed(lambda: make_table(n, **MIXED, random_state=rep)))
    ref = statistics.median(sk)
    return ref, statistics.median(numeric), statistics.median(mixed)


def class_sep_row(n):
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from synthlearn.generate import make_table

    accuracies = []
    for sep in (0.25, 0.5, 1.0, 2.0, 4.0):
        df = make_table(n, **MIXED, class_sep=sep, random_state=0)  # default: 4 informative of 20
        X = pd.get_dummies(df.drop(columns="target"), dtype=float)
        X_train, X_test, y_train, y_test = train_test_split(X, df["target"], test_size=0.5, random_state=0)
        accuracies.append(LogisticRegression(max_iter=1000).fit(X_train, y_train).score(X_test, y_test))
    return accuracies


def child_parquet(path, rows):
    """Runs in a child process: stream ``rows`` mixed rows to ``path``."""
    from synthlearn.generate import TableGenerator, write_generated

    generator = TableGenerator(**MIXED, random_state=0)
    write_generated(generator, rows, path)


def parquet_memory(rows, folder):
    path = Path(folder) / "big.parquet"
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child-parquet", str(path), str(rows)])
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"child writing {rows} rows failed with status {status}")
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    assert meta.num_rows == rows, meta.num_rows
    size = path.stat().st_size
    path.unlink()
    return usage.ru_maxrss * 1024, seconds, size


def _count(source, root, index, start, size):
    from synthlearn.generate.partitioned import _draw

    return len(_draw(source, root, index, start, size))


def child_draw(first, count):
    """Runs in a child process: draw ``count`` 1M-row partitions from ``first``; print start and end times."""
    from synthlearn.generate import TableGenerator
    from synthlearn.generate.partitioned import _draw

    generator = TableGenerator(**MIXED, random_state=0)
    _draw(generator, generator.root, 0, 0, 1000)  # warm up outside the timed span
    start = time.time()
    for i in range(first, first + count):
        _draw(generator, generator.root, i, i * 1_000_000, 1_000_000)
    print(start, time.time())


def plain_processes(rows):
    """Seconds for the same partitions drawn by 1 plain process and by 2 in parallel (no Dask, imports not
    timed): the parallelism this machine offers right now, the ceiling of any 2-worker speed-up."""
    parts = max(2, rows // 1_000_000)

    def run(chunks):
        procs = [subprocess.Popen([sys.executable, __file__, "--child-draw", str(first), str(count)],
                                  stdout=subprocess.PIPE, text=True) for first, count in chunks]
        spans = [tuple(map(float, p.communicate()[0].split())) for p in procs]
        assert all(p.returncode == 0 for p in procs)
        return max(end for _, end in spans) - min(start for start, _ in spans)

    return run([(0, parts)]), run([(0, parts // 2), (parts // 2, parts - parts // 2)])


def _worker_cpu(client):
    return sum(client.run(time.process_time).values())


def dask_scaling(rows, folder):
    """For 1 and 2 workers: seconds and busy cores to (a) generate every partition on the workers,
    (b) write a Parquet dataset (part files written by the workers), (c) write one Parquet file via the client."""
    from distributed import Client, LocalCluster

    from synthlearn.generate import TableGenerator, to_dask_dataframe, write_generated
    from synthlearn.generate.partitioned import partition_bounds

    generator = TableGenerator(**MIXED, random_state=0)
    bounds = partition_bounds(rows, 1_000_000)
    result = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=50, env={"OMP_NUM_THREADS": "1"}) as cluster, Client(cluster) as client:
            client.submit(_count, generator, generator.root, 0, 0, 10, pure=False).result()  # warm the imports

            def on_workers():
                futures = [client.submit(_count, generator, generator.root, i, start, size, pure=False)
                           for i, (start, size) in enumerate(bounds)]
                assert sum(client.gather(futures)) == rows

            cpu = _worker_cpu(client)
            seconds = timed(on_workers)
            cores = (_worker_cpu(client) - cpu) / seconds
            dataset = Path(folder) / f"dataset{workers}"
            dataset_seconds = timed(lambda: to_dask_dataframe(generator, rows).to_parquet(dataset, write_index=False))
            assert sum(pq_rows(f) for f in dataset.glob("*.parquet")) == rows
            shutil.rmtree(dataset)
            path = Path(folder) / f"dask{workers}.parquet"
            file_seconds = timed(lambda: write_generated(generator, rows, path, client=client))
            path.unlink()
            result[workers] = (seconds, cores, dataset_seconds, file_seconds)
    return result


def pq_rows(path):
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (200k / 5M / 4M rows, 3 repeats)")
    parser.add_argument("--child-parquet", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-draw", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_parquet:
        child_parquet(args.child_parquet[0], int(args.child_parquet[1]))
        return
    if args.child_draw:
        child_draw(*args.child_draw)
        return
    n_speed, reps, n_big, n_dask, n_sep = ((200_000, 3, 5_000_000, 4_000_000, 20_000) if args.quick
                                           else (1_000_000, 5, 50_000_000, 20_000_000, 20_000))
    rows = []
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="synthlearn-bench-") as folder:
        peak, seconds, size = parquet_memory(n_big, folder)  # first: no other child has been waited for
        ref, numeric, mixed = speed_rows(n_speed, reps)
        sk = f"{ref / 1e6:.2f} M rows/s"
        rows.append((f"numeric classification {n_speed:,} x 20 (rows/s)", f"{numeric / 1e6:.2f} M", sk,
                     f"{numeric / ref:.2f}", ">= 2.0", numeric / ref >= 2.0))
        rows.append((f"mixed 10 num + 5 bin + 5 cat, {n_speed:,} x 20 (rows/s)", f"{mixed / 1e6:.2f} M", sk,
                     f"{mixed / ref:.2f}", ">= 1.0", mixed / ref >= 1.0))
        acc = class_sep_row(n_sep)
        rows.append((f"class_sep 0.25/0.5/1/2/4 → LR test accuracy ({n_sep:,} mixed rows)",
                     " / ".join(f"{a:.3f}" for a in acc), "–", "–", "strictly increasing",
                     all(a < b for a, b in zip(acc, acc[1:]))))
        rows.append((f"{n_big:,} x 20 mixed → one Parquet file, child process peak RSS",
                     f"{peak / GiB:.2f} GiB ({n_big / seconds / 1e6:.2f} M rows/s, {size / GiB:.1f} GiB file)",
                     "–", "–", "< 1.5 GiB", peak < 1.5 * GiB))
        plain1, plain2 = plain_processes(n_dask)
        scaling = dask_scaling(n_dask, folder)
        (on1, cores1, set1, file1), (on2, cores2, set2, file2) = scaling[1], scaling[2]
        rows.append((f"machine check, no Dask: {n_dask:,} mixed rows drawn by 2 plain processes vs 1",
                     f"{plain2:.1f} s", f"{plain1:.1f} s", f"{plain1 / plain2:.2f}", "(ceiling for the next row)", None))
        rows.append((f"Dask {n_dask:,} mixed rows generated on the workers: 2 workers vs 1",
                     f"{on2:.1f} s ({cores2:.2f} cores busy)", f"{on1:.1f} s ({cores1:.2f} cores busy)",
                     f"{on1 / on2:.2f}", ">= 1.6", on1 / on2 >= 1.6))
        rows.append((f"Dask {n_dask:,} mixed rows → Parquet dataset, part files written by the workers: 2 vs 1",
                     f"{set2:.1f} s", f"{set1:.1f} s", f"{set1 / set2:.2f}", "(not a target)", None))
        rows.append((f"Dask {n_dask:,} mixed rows → one Parquet file written by the client: 2 vs 1",
                     f"{file2:.1f} s", f"{file1:.1f} s", f"{file1 / file2:.2f}", "(not a target)", None))
    print(f"\n{'quick run: ' if args.quick else ''}synthlearn.generate vs sklearn.datasets.make_classification "
          f"(median of {reps}, interleaved; {os.cpu_count()} CPUs; 1-min load average {load_at_start:.1f} "
          f"before, {os.getloadavg()[0]:.1f} after)\n")
    print("| measure | synthlearn | reference | ratio | target | ok |")
    print("|---|---|---|---|---|---|")
    for name, ours, ref_text, ratio, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "**no**")
        print(f"| {name} | {ours} | {ref_text} | {ratio} | {target} | {mark} |")


if __name__ == "__main__":
    main()
