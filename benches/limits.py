"""The limit tasks of ``peers.py``: marcarrow against the limits of this
machine rather than against peers, each ratio between rows of one task
measured in the same interleaved rounds (issue 21's targets).

- ``export``: ``to_parquet`` (zstd, nested and long) against Python's
  ``read().count(b"\\x1d")`` of the same file;
- ``threads``: ``read_arrow`` (nested, every field and subfield) with the
  default threads, ``threads=1`` and ``threads=2``, against the same read;
- ``two-readers``: two ``read_arrow(threads=1)`` in sequence against the
  same two in two Python threads;
- ``iterator-threads``: the record iterator (``r["245"]["a"]``) twice in
  sequence against twice in two Python threads.

With ``--baseline REF`` every variant also runs from the build of REF
(tool ``marcarrow@REF|variant``), in the same rounds.
"""

from __future__ import annotations

import threading
from pathlib import Path

TASKS = {
    "export": ("MARC to Parquet (zstd) against reading the file", ["python", "nested", "long"]),
    "threads": (
        "read_arrow, all fields and subfields, by threads",
        ["python", "all", "threads=1", "threads=2"],
    ),
    "two-readers": ("two read_arrow(threads=1): in sequence, in two threads", ["seq", "par"]),
    "iterator-threads": ("the record iterator twice: in sequence, in two threads", ["seq", "par"]),
}

# The ratios reported: (task, name, numerator variant, denominator variant,
# what the issue asks for).
RATIOS = [
    ("export", "nested export ÷ read+count (rate)", "python", "nested", 0.35),
    ("export", "long export ÷ read+count (rate)", "python", "long", 0.35),
    ("threads", "read_arrow ÷ read+count (rate)", "python", "all", 0.8),
    ("threads", "threads=2 over threads=1", "threads=1", "threads=2", 1.8),
    ("two-readers", "two threads over one (batch path)", "seq", "par", 1.8),
    ("iterator-threads", "two threads over one (iterator)", "seq", "par", 1.5),
]


def _iterate(path: Path) -> int:
    import marcarrow

    n = 0
    with open(path, "rb") as f:
        for r in marcarrow.MARCReader(f):
            try:
                r["245"]["a"]
            except (KeyError, TypeError):
                pass
            n += 1
    return n


def _twice(f, parallel: bool) -> int:
    if not parallel:
        return f() + f()
    counts: list[int] = []
    ts = [threading.Thread(target=lambda: counts.append(f())) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts)


def job(task: str, variant: str, path: Path, out: Path):
    """The timed call for one variant, its imports done; returns a function
    giving the number of records."""
    import pyarrow as pa  # noqa: F401 (read_arrow's import, not timed)

    import marcarrow

    if variant == "python":

        def count() -> int:
            with open(path, "rb") as f:
                return f.read().count(b"\x1d")

        return count
    if task == "export":
        dest = out.with_suffix(".parquet")
        return lambda: marcarrow.to_parquet(path, dest, layout=variant)["records"]
    if task == "threads":
        kw = {} if variant == "all" else {"threads": int(variant.split("=")[1])}
        return lambda: marcarrow.read_arrow(path, **kw).num_rows
    if task == "two-readers":
        one = lambda: marcarrow.read_arrow(path, threads=1).num_rows  # noqa: E731
        return lambda: _twice(one, variant == "par")
    if task == "iterator-threads":
        _iterate(path)  # the first read's page-cache and import costs, untimed
        return lambda: _twice(lambda: _iterate(path), variant == "par")
    raise SystemExit(f"unknown machine task {task}")


def render(result: dict, base: str) -> str:
    """The ratios, for this checkout and (if measured) the baseline."""
    groups = {g["task"]: g for g in result["groups"] if g["task"] in TASKS}
    if not groups:
        return ""
    secs = {
        (task, r["tool"]): r["seconds"]
        for task, g in groups.items()
        for r in g["rows"]
        if "seconds" in r
    }
    prefixes = sorted({t.split("|")[0] + "|" for (_, t) in secs if t.startswith(base)})
    head = ["this checkout"] + [f"{p[len(base) : -1]} (baseline)" for p in prefixes]
    lines = [
        "Close to the machine: ratios between rows measured in the same rounds "
        "(above 1 is better; the target is the issue's).",
        "",
        "| ratio | input | " + " | ".join(head) + " | target |",
        "|---|---|" + "---:|" * len(head) + "---:|",
    ]
    for task, name, num, den, target in RATIOS:
        if task not in groups:
            continue
        inp = groups[task]["input"]
        cells = []
        for p in [""] + prefixes:
            n = secs.get((task, num if num == "python" else p + num))
            d = secs.get((task, p + den))
            cells.append(f"{n / d:.2f}" if n and d else "–")
        where = f"{inp['records']:,} rec, {inp['mb']:.0f} MB"
        lines.append(f"| {name} | {where} | " + " | ".join(cells) + f" | {target} |")
    if ("iterator-threads", "seq") in secs:
        inp = groups["iterator-threads"]["input"]
        rate = 2 * inp["records"] / secs[("iterator-threads", "seq")]
        lines += ["", f"The record iterator alone: {rate:,.0f} records/s (target 600,000)."]
    return "\n".join(lines) + "\n"
