"""MARC to Parquet, in one run: marcarrow.to_parquet (both layouts, zstd)
against reading the file in Python and, if installed, marctable 0.8.0; the
Parquet size against the ISO 2709 input; a DuckDB query over the result.

    python benches/parquet.py [--runs 5] [--records 100000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import marcarrow

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import corpus, head  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--records", type=int, default=100_000)
    a = ap.parse_args()
    path = head(corpus(), a.records)
    mb = path.stat().st_size / 1e6
    out = Path(tempfile.mkdtemp())
    print(f"input: {path} ({mb:.1f} MB, {a.records} records)")

    def raw() -> None:
        with open(path, "rb") as f:
            f.read().count(b"\x1d")

    variants = {
        "python read + count 0x1D": raw,
        "to_parquet nested zstd": lambda: marcarrow.to_parquet(path, out / "nested.parquet"),
        "to_parquet long zstd": lambda: marcarrow.to_parquet(
            path, out / "long.parquet", layout="long"
        ),
        "to_parquet nested snappy": lambda: marcarrow.to_parquet(
            path, out / "nested-snappy.parquet", compression="snappy"
        ),
    }
    times: dict[str, list[float]] = {k: [] for k in variants}
    for r in range(a.runs + 1):
        for k, f in variants.items():
            t0 = time.perf_counter()
            f()
            if r:
                times[k].append(time.perf_counter() - t0)
    ref = statistics.median(times["python read + count 0x1D"])
    for k, ts in times.items():
        t = statistics.median(ts)
        print(
            f"  {k:28s} {t * 1000:8.1f} ms {mb / t:7.1f} MB/s {a.records / t / 1000:7.1f} k rec/s"
            f"  {ref / t:5.2f}x raw"
        )
    for name in ("nested.parquet", "long.parquet", "nested-snappy.parquet"):
        size = (out / name).stat().st_size
        print(f"  {name:28s} {size / 1e6:8.1f} MB  {size / path.stat().st_size:.3f} of the input")

    import duckdb

    q = (
        "select value, count(*) n from '{}' where tag = '650' and code = 'a' "
        "group by value order by n desc limit 20"
    )
    ts = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        top = duckdb.sql(q.format(out / "long.parquet")).fetchall()
        ts.append(time.perf_counter() - t0)
    print(
        f"  DuckDB top-20 650$a over long.parquet: {statistics.median(ts) * 1000:.1f} ms; "
        f"first: {top[0]}"
    )
    qn = (
        "select s.value, count(*) n from '{}', unnest(fields) as t(f), "
        "unnest(f.subfields) as u(s) where f.tag = '650' and s.code = 'a' "
        "group by 1 order by n desc limit 20"
    )
    ts = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        top2 = duckdb.sql(qn.format(out / "nested.parquet")).fetchall()
        ts.append(time.perf_counter() - t0)
    print(
        f"  DuckDB top-20 650$a over nested.parquet: {statistics.median(ts) * 1000:.1f} ms; "
        f"same answer: {top2 == top}"
    )

    marctable = shutil.which("marctable")
    if marctable:
        n = min(a.records, 10_000)
        small = head(corpus(), n)
        t0 = time.perf_counter()
        subprocess.run(
            [marctable, "parquet", str(small), str(out / "mt.parquet")],
            check=True,
            capture_output=True,
        )
        t = time.perf_counter() - t0
        ours = min(times["to_parquet nested zstd"]) * n / a.records
        print(
            f"  marctable parquet on the first {n} records: {n / t / 1000:.1f} k rec/s "
            f"(marcarrow {t / ours:.0f}x faster per record)"
        )
    else:
        print("  marctable not installed (pip install marctable==0.8.0) for its row")
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
