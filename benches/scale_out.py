"""Scale-out benchmark: the LoC corpus repeated to about 1 GB, read by
marcarrow in-process (one and two threads), by Dask on a LocalCluster of
one and two worker processes, and by Spark on local[1] and local[2].

    python benches/scale_out.py [--copies 4] [--blocksize 64MiB] [--runs 3]

Every engine reads every record, every field and subfield (the nested
layout) and counts the rows; one run prints the medians and the ratios.
Needs the corpus (../shared/scripts/fetch-corpus.sh) and the scale-out
extras (dask, distributed, pyspark, Java).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import marcarrow

CORPUS = Path.home() / ".cache/marc-corpus/BooksAll.2016.part01.utf8"


def timed(f: Callable[[], int], runs: int) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        n = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), n


def stream(path: str, threads: int) -> int:
    return sum(b.num_rows for b in marcarrow.read_batches(path, threads=threads))


def dask_count(path: str, workers: int, blocksize: str, runs: int) -> tuple[float, int]:
    from distributed import Client, LocalCluster

    import marcarrow.dask

    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as c,
        Client(c),
    ):
        df = marcarrow.dask.read_marc(path, blocksize=blocksize, threads=1)
        return timed(lambda: int(df.map_partitions(len).compute().sum()), runs)


def spark_count(path: str, cores: int, blocksize: str, runs: int) -> tuple[float, int]:
    from pyspark.sql import SparkSession

    import marcarrow.spark

    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    try:
        spark.dataSource.register(marcarrow.spark.MarcDataSource)
        df = spark.read.format("marc").option("blocksize", blocksize).load(path)
        # Every column, so that nothing is pruned away.
        return timed(lambda: df.selectExpr("count(leader)", "sum(size(fields))").count(), runs)
    finally:
        spark.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--blocksize", default="64MiB")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-spark", action="store_true")
    a = ap.parse_args()
    path = Path(f"/tmp/marcarrow-bench-x{a.copies}.mrc")
    if not path.exists():
        data = CORPUS.read_bytes()
        with open(path, "wb") as f:
            for _ in range(a.copies):
                f.write(data)
    size = path.stat().st_size
    p = str(path)
    print(f"{size / 1e6:.0f} MB, blocksize {a.blocksize}, {os.cpu_count()} cores, medians")
    rows: list[tuple[str, float, int]] = []
    for threads in (1, 2):
        rows.append(
            (f"read_batches threads={threads}", *timed(lambda t=threads: stream(p, t), a.runs))
        )
    for workers in (1, 2):
        rows.append(
            (
                f"dask LocalCluster {workers} process(es)",
                *dask_count(p, workers, a.blocksize, a.runs),
            )
        )
    if not a.skip_spark:
        for cores in (1, 2):
            rows.append(
                (f"spark local[{cores}]", *spark_count(p, cores, a.blocksize, max(1, a.runs - 1)))
            )
    base = rows[0][1]
    print(f"{'what':36} {'s':>7} {'MB/s':>7} {'records':>10} {'vs threads=1':>12}")
    for name, t, n in rows:
        print(f"{name:36} {t:7.2f} {size / 1e6 / t:7.0f} {n:10d} {base / t:12.2f}")


if __name__ == "__main__":
    main()
