"""Validation against MARC 21, next to reading: the LoC corpus (250,000
records) read into Arrow (nested, every field and subfield) and validated
with the shipped rules, each on all cores and on one, in one run.

    python benches/validate.py [--runs 3] [--file PATH]

Prints the median seconds, records per second and the ratio of validate
to read_arrow (the issue's target: validate at least half read_arrow's
rate). Needs the corpus (../shared/scripts/fetch-corpus.sh).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import marcarrow

CORPUS = Path.home() / ".cache/marc-corpus/BooksAll.2016.part01.utf8"


def timed(f: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--file", type=Path, default=CORPUS)
    args = ap.parse_args()
    path = str(args.file)
    records = marcarrow.summarize(path)["records"]
    print(f"{args.file.name}: {records:,} records, {args.file.stat().st_size / 1e6:.1f} MB")
    print(f"{'what':<28} {'threads':>7} {'median s':>9} {'records/s':>11} {'vs read':>8}")
    for threads in (None, 1):
        read, _ = timed(lambda t=threads: marcarrow.read_arrow(path, threads=t).num_rows, args.runs)
        val, found = timed(lambda t=threads: marcarrow.validate(path, threads=t), args.runs)
        label = "all" if threads is None else str(threads)
        for what, secs in (("read_arrow (nested)", read), ("validate", val)):
            print(
                f"{what:<28} {label:>7} {secs:>9.2f} {records / secs:>11,.0f} {read / secs:>8.2f}"
            )
    rules = (
        found.group_by("rule")
        .aggregate([("rule", "count")])
        .sort_by([("rule_count", "descending")])
    )
    print(f"findings: {found.num_rows:,}")
    for r in rules.to_pylist():
        print(f"  {r['rule']:<28} {r['rule_count']:>10,}")


if __name__ == "__main__":
    main()
