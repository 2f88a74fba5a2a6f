"""Selection in Rust against reading everything: columns=, where= and
scan_marc().head(5), each timed in-process around the call (after imports),
median of --runs runs.

    python benches/selection.py [--runs 5] [--records 100000]

- two columns (001, 245 $a): marcarrow ``columns=`` against polars-marc21's
  ``read_marc21(path, "001, 245/*.a")`` (if installed) and against
  ``read_polars`` of the full nested table plus a polars selection;
- a predicate matching about 1% of the records: ``where=`` against reading
  the same columns for every record and filtering in polars;
- ``scan_marc(...).head(5)`` on the whole corpus.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

import marcarrow

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import corpus, head  # noqa: E402


def median(f: Callable[[], Any], runs: int) -> tuple[float, Any]:
    ts, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def full_then_select(path: Path) -> pl.DataFrame:
    """The same two columns from the full nested table, in polars."""
    df = marcarrow.read_polars(path)
    fields, el = pl.col("fields"), pl.element()
    return df.select(
        id=fields.list.eval(el.filter(el.struct.field("tag") == "001").struct.field("value")),
        title=fields.list.eval(
            el.filter(el.struct.field("tag") == "245").struct.field("subfields").explode()
        ).list.eval(el.filter(el.struct.field("code") == "a").struct.field("value")),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--records", type=int, default=100_000)
    a = ap.parse_args()
    whole = corpus()
    path = head(whole, a.records)
    mb = path.stat().st_size / 1e6
    print(f"input: {path} ({mb:.1f} MB, {a.records} records); runs: {a.runs}, medians")
    two = {"id": "001", "title": "245$a"}

    results: dict[str, float] = {}

    def row(name: str, t: float, n: int) -> None:
        results[name] = t
        rate = a.records / t / 1000
        print(f"  {name:46s} {t * 1000:8.1f} ms {rate:8.1f} k rec/s {n:>8} rows")

    def ratio(slow: str, fast: str, what: str) -> None:
        print(f"    -> {results[slow] / results[fast]:.2f}x: {what}")

    ours, pm21 = "marcarrow read_polars(columns=...)", "polars-marc21 read_marc21"

    print("two columns (001, 245 $a):")
    t, df = median(lambda: marcarrow.read_polars(path, columns=two), a.runs)
    row(ours, t, df.height)
    t, tb = median(lambda: marcarrow.read_arrow(path, columns=two), a.runs)
    row("marcarrow read_arrow(columns=...)", t, tb.num_rows)
    try:
        from polars_marc21 import read_marc21
    except ImportError:
        print("  polars-marc21 not installed: pip install polars-marc21")
    else:
        t, df2 = median(lambda: read_marc21(str(path), "001, 245/*.a"), a.runs)
        row(pm21, t, df2.height)
        ratio(pm21, ours, "columns= against polars-marc21")
    t, df3 = median(lambda: full_then_select(path), a.runs)
    assert df3.equals(df), "the full read and columns= must agree"
    full = "read_polars (nested) + polars selection"
    row(full, t, df3.height)
    ratio(full, ours, "columns= against the full read + polars selection")

    # A predicate that matches about 1%: count languages on the slice.
    langs = (
        marcarrow.read_polars(path, columns={"lang": "008/35-37[0]"})["lang"]
        .value_counts(sort=True)
        .to_dicts()
    )
    lang = min(langs, key=lambda d: abs(d["count"] / a.records - 0.01))["lang"]
    where = f"008/35-37 == '{lang}'"
    cols = {"id": "001[0]", "title": "245$a[0]", "lang": "008/35-37[0]", "subjects": "650$a"}
    print(f"predicate {where!r}:")
    t, w = median(lambda: marcarrow.read_polars(path, columns=cols, where=where), a.runs)
    row("read_polars(columns=..., where=...)", t, w.height)
    t, w2 = median(
        lambda: marcarrow.read_polars(path, columns=cols).filter(pl.col("lang") == lang), a.runs
    )
    row("read_polars(columns=...) + polars filter", t, w2.height)
    t, w3 = median(
        lambda: marcarrow.scan_marc(path, columns=cols).filter(pl.col("lang") == lang).collect(),
        a.runs,
    )
    row("scan_marc(...).filter(...).collect()", t, w3.height)
    t, w4 = median(
        lambda: marcarrow.read_polars(path, where=where),
        a.runs,
    )
    row("read_polars(nested, where=...)", t, w4.height)
    t, w5 = median(
        lambda: marcarrow.read_polars(path).filter(
            pl.col("fields")
            .list.eval(
                pl.element()
                .filter(pl.element().struct.field("tag") == "008")
                .struct.field("value")
                .str.slice(35, 3)
            )
            .list.contains(lang)
        ),
        a.runs,
    )
    row("read_polars(nested) + polars filter", t, w5.height)
    assert w.height == w2.height == w3.height == w4.height == w5.height
    ratio(
        "read_polars(columns=...) + polars filter",
        "read_polars(columns=..., where=...)",
        "where= against columns= + polars filter",
    )
    ratio(
        "read_polars(nested) + polars filter",
        "read_polars(nested, where=...)",
        "where= against the nested read + polars filter",
    )

    big = whole.stat().st_size / 1e6
    print(f"scan_marc(...).head(5) on the whole corpus ({whole}, {big:.0f} MB):")
    t, h = median(lambda: marcarrow.scan_marc(whole, columns=cols).head(5).collect(), a.runs)
    print(
        f"  {'scan_marc(columns=...).head(5).collect()':46s} {t * 1000:8.1f} ms {h.height:>8} rows"
    )
    t, h = median(lambda: marcarrow.read_polars(whole, columns=cols).head(5), max(1, a.runs // 2))
    print(
        f"  {'read_polars(whole, columns=...).head(5)':46s} {t * 1000:8.1f} ms {h.height:>8} rows"
    )


if __name__ == "__main__":
    main()
