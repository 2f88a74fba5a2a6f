"""Pipeline diagnostics, each runnable on its own; medians of N runs, the
variants of each interleaved run by run, ratios within one run.

    python benches/pipeline.py [NAME ...] [--runs 5] [--records 100000]

NAME is one or more of (default: all):

- ``compare``: read_arrow, read_batches and read_polars against reading and
  counting 0x1D in Python; threads=2 against threads=1.
- ``two-threads``: two Python threads each doing the work against one
  thread doing both in sequence, for ``read_arrow(..., threads=1)`` (the
  plan's gate: at least 1.8x) and for the record iterator
  (``marcarrow.MARCReader``, reported, not gated: its per-record Python
  work holds the GIL), each from a path and from a Python file object.
- ``fileobj``: how much of a read from a Python file object goes to its
  ``.read()`` calls (timed by a wrapper) against parsing.
- ``sweep``: batch sizes 10 ... 10,000: throughput (``read_arrow``) and
  peak RSS (streaming ``read_batches`` in a fresh process), written to
  ``benches/results/batch-sweep-DATE.csv`` and ``batch-sweep-latest.csv``,
  with the knee named.
- ``scaling``: ``read_arrow(threads=N)`` for N = 1, 2, 4, 8 (16 where the
  machine has the cores), beside the machine's core count; thread counts
  above it are marked as oversubscription.
- ``rss``: peak RSS streaming the slice and the whole corpus; of ``marcarrow stats``
  and ``dump --limit 5`` on the corpus and on 1 GB of random bytes; the time to
  the first dumped record from a pipe.
- ``text-rss``: peak RSS and speed streaming about 1 GB of MARCXML
  (``text_formats.py``: 20,000 LoC records written by pymarc, repeated).

``python benches/peers.py diag NAME ...`` runs this in the peers venv.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
UVA = Path(__file__).resolve().parents[2] / "shared" / "data" / "uva-marc8-2000.mrc"
GATE_TWO_THREADS = 1.8


def corpus() -> Path:
    script = Path(__file__).resolve().parents[2] / "shared" / "scripts" / "fetch-corpus.sh"
    out = subprocess.run(["bash", str(script)], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


def head(src: Path, n: int) -> Path:
    dst = Path(f"/tmp/marcarrow-bench-{n}.mrc")
    if not dst.exists():
        data = src.read_bytes()
        end = -1
        for _ in range(n):
            end = data.index(b"\x1d", end + 1)
        part = dst.with_suffix(".part")
        part.write_bytes(data[: end + 1])
        part.replace(dst)  # a run stopped half-way leaves no short slice
    return dst


def uva_repeated(mb: float) -> tuple[Path, int]:
    one = UVA.read_bytes()
    reps = max(1, round(mb * 1e6 / len(one)))
    path = Path("/tmp") / f"marcarrow-uva-x{reps}.mrc"
    if not path.exists() or path.stat().st_size != len(one) * reps:
        path.write_bytes(one * reps)
    return path, 2000 * reps


def interleaved(variants: dict, runs: int) -> dict:
    """Median time of each variant, running them round-robin (one warm-up
    round first) so that drift in the machine's state hits all alike."""
    times: dict = {k: [] for k in variants}
    for r in range(runs + 1):
        for k, f in variants.items():
            t0 = time.perf_counter()
            f()
            if r:
                times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def cores() -> int:
    return len(os.sched_getaffinity(0))


def load_note() -> str:
    """The load average beside the core count, and a warning when other
    processes already hold the cores (thread gains then say little)."""
    load, n = os.getloadavg()[0], cores()
    note = f"load average {load:.2f} on {n} cores"
    if load >= n - 0.5:
        note += ": other processes hold the cores, so thread gains are understated"
    return note


def vmhwm_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return float("nan")


def iterate(reader) -> int:
    """The record-iterator task: `for r in reader: r["245"]["a"]`; the count."""
    n = 0
    for r in reader:
        try:
            r["245"]["a"]
        except (KeyError, TypeError):
            pass  # a record without 245 (or its $a)
        n += 1
    return n


def compare(path: Path, runs: int) -> None:
    import polars as pl
    import pyarrow as pa

    import marcarrow

    mb = path.stat().st_size / 1e6

    def raw() -> None:
        with open(path, "rb") as f:
            f.read().count(b"\x1d")

    variants = {"python read + count 0x1D": raw}
    for st in ("string", "string_view"):
        for th in (1, 2):
            variants[f"read_arrow {st} threads={th}"] = lambda th=th, st=st: marcarrow.read_arrow(
                path, threads=th, string_type=st
            )
        variants[f"pl.DataFrame(read_batches) {st}"] = lambda st=st: pl.DataFrame(
            marcarrow.read_batches(path, string_type=st)
        )
        variants[f"pa.table(read_batches long) {st}"] = lambda st=st: pa.table(
            marcarrow.read_batches(path, layout="long", string_type=st)
        )
    variants["read_polars (string_view)"] = lambda: marcarrow.read_polars(path)
    rows = interleaved(variants, runs)
    ref = rows["python read + count 0x1D"]
    for k, t in rows.items():
        print(f"  {k:40s} {t * 1000:8.1f} ms  {mb / t:7.1f} MB/s  {ref / t:5.2f}x raw")
    for st in ("string_view", "string"):
        one, two = rows[f"read_arrow {st} threads=1"], rows[f"read_arrow {st} threads=2"]
        print(f"  {st}: threads=2 / threads=1: {one / two:.2f}x")


def in_threads(f, n: int) -> None:
    ts = [threading.Thread(target=f) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def two_threads(path: Path, runs: int) -> None:
    import marcarrow

    def arrow_path() -> None:
        marcarrow.read_arrow(path, threads=1)

    def arrow_file() -> None:
        with open(path, "rb") as f:
            marcarrow.read_arrow(f, threads=1)

    work = {"read_arrow(threads=1), path": arrow_path, "read_arrow(threads=1), file": arrow_file}
    if hasattr(marcarrow, "MARCReader"):

        def iter_path() -> None:
            iterate(marcarrow.MARCReader(str(path)))

        def iter_file() -> None:
            with open(path, "rb") as f:
                iterate(marcarrow.MARCReader(f))

        for name, f in (("path", iter_path), ("file", iter_file)):
            try:
                f()
                work[f"MARCReader iterator, {name}"] = f
            except TypeError as e:
                print(f"  MARCReader does not take a {name}: {e}")
    variants = {}
    for k, f in work.items():
        variants[(k, "seq")] = lambda f=f: (f(), f())
        variants[(k, "par")] = lambda f=f: in_threads(f, 2)
    r = interleaved(variants, runs)
    print(f"two Python threads against one doing the same work in sequence ({load_note()}):")
    for k in work:
        seq, par = r[(k, "seq")], r[(k, "par")]
        x = seq / par
        gate = "(reported, not gated)"
        if k.startswith("read_arrow"):
            gate = f"gate {GATE_TWO_THREADS}x: {'PASS' if x >= GATE_TWO_THREADS else 'FAIL'}"
        print(
            f"  {k:32s} sequential {seq * 1000:7.0f} ms  two threads {par * 1000:7.0f} ms  "
            f"{x:.2f}x  {gate}"
        )
    if not hasattr(marcarrow, "MARCReader"):
        print("  record iterator: marcarrow.MARCReader not yet available, skipped")


class TimedFile(io.RawIOBase):
    """A binary file whose ``read`` calls are counted and timed."""

    def __init__(self, f) -> None:
        self.f = f
        self.calls = 0
        self.seconds = 0.0
        self.bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        t0 = time.perf_counter()
        b = self.f.read(n)
        self.seconds += time.perf_counter() - t0
        self.calls += 1
        self.bytes += len(b)
        return b


def fileobj(path: Path, runs: int) -> None:
    import marcarrow

    rows = []
    walls = {"path": [], "file": []}
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        marcarrow.read_arrow(path, threads=1)
        walls["path"].append(time.perf_counter() - t0)
        with open(path, "rb", buffering=0) as raw:
            f = TimedFile(raw)
            t0 = time.perf_counter()
            marcarrow.read_arrow(f, threads=1)
            wall = time.perf_counter() - t0
        walls["file"].append(wall)
        rows.append((wall, f.seconds, f.calls, f.bytes))
    rows, walls = rows[1:], {k: v[1:] for k, v in walls.items()}
    wall = statistics.median(r[0] for r in rows)
    read = statistics.median(r[1] for r in rows)
    calls, nbytes = rows[0][2], rows[0][3]
    p = statistics.median(walls["path"])
    print(
        f"read_arrow(threads=1) from a Python file object ({nbytes / 1e6:.0f} MB, "
        f"{calls} .read() calls of up to 1 MiB):"
    )
    print(f"  wall {wall * 1000:.0f} ms (from the path: {p * 1000:.0f} ms)")
    print(
        f"  inside .read(): {read * 1000:.0f} ms = {read / wall:.0%} of the wall time "
        f"({nbytes / 1e6 / read:.0f} MB/s), the rest is scanning and parsing "
        "(which overlap the reads: the reader thread reads while a worker parses)"
    )


def sweep_child(path: str, bs: int) -> None:
    """One batch size in a fresh process: streaming peak RSS, then the
    read_arrow time."""
    import marcarrow

    t0 = time.perf_counter()
    for _ in marcarrow.read_batches(path, batch_size=bs):
        pass
    stream = time.perf_counter() - t0
    rss = vmhwm_mb()
    import pyarrow  # noqa: F401 (read_arrow imports it: not to be timed)

    t0 = time.perf_counter()
    marcarrow.read_arrow(path, batch_size=bs)
    table = time.perf_counter() - t0
    print(json.dumps({"stream": stream, "table": table, "rss_mb": rss}))


def sweep(path: Path, runs: int) -> None:
    sizes = (10, 25, 50, 100, 200, 500, 1000, 2000, 10000)
    mb = path.stat().st_size / 1e6
    samples: dict[int, list[dict]] = {bs: [] for bs in sizes}
    for _ in range(runs):
        for bs in sizes:
            out = subprocess.run(
                [sys.executable, __file__, "sweep-child", str(path), str(bs)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            samples[bs].append(json.loads(out.strip().splitlines()[-1]))
    rows = []
    for bs, ss in samples.items():
        table = statistics.median(s["table"] for s in ss)
        stream = statistics.median(s["stream"] for s in ss)
        rss = statistics.median(s["rss_mb"] for s in ss)
        rows.append(
            {
                "batch_size": bs,
                "read_arrow_mb_s": round(mb / table, 1),
                "stream_mb_s": round(mb / stream, 1),
                "stream_peak_rss_mb": round(rss, 1),
            }
        )
    best = max(r["read_arrow_mb_s"] for r in rows)
    knee = next(r for r in rows if r["read_arrow_mb_s"] >= 0.9 * best)
    print(f"batch-size sweep on {path.name} ({mb:.0f} MB), default threads, {runs} runs:")
    print("  batch_size  read_arrow MB/s  streaming MB/s  streaming peak RSS MB")
    for r in rows:
        mark = "  <- knee" if r is knee else ""
        print(
            f"  {r['batch_size']:10d}  {r['read_arrow_mb_s']:15.1f}  {r['stream_mb_s']:14.1f}  "
            f"{r['stream_peak_rss_mb']:21.1f}{mark}"
        )
    print(
        f"  knee: batch_size={knee['batch_size']}, the smallest within 10% of the best "
        f"read_arrow throughput ({best:.0f} MB/s)"
    )
    RESULTS.mkdir(exist_ok=True)
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    for name in (f"batch-sweep-{date}.csv", "batch-sweep-latest.csv"):
        with open(RESULTS / name, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    print(f"  written: benches/results/batch-sweep-{date}.csv, batch-sweep-latest.csv")


def scaling(path: Path, runs: int) -> None:
    import marcarrow

    n = cores()
    counts = [t for t in (1, 2, 4, 8, 16) if t <= 8 or t <= n]
    mb = path.stat().st_size / 1e6
    r = interleaved({t: (lambda t=t: marcarrow.read_arrow(path, threads=t)) for t in counts}, runs)
    print(f"thread scaling, read_arrow(threads=N) on {path.name}; this machine: {n} cores")
    print(f"  {load_note()}")
    for t in counts:
        note = f"oversubscribed ({n} cores), not scaling" if t > n else ""
        print(
            f"  threads={t:2d}  {r[t] * 1000:7.0f} ms  {mb / r[t]:7.1f} MB/s  "
            f"{r[1] / r[t]:5.2f}x threads=1  {note}"
        )
    if n < 4:
        print("  the plan's 4-thread gate (2.5x) needs a machine with 4+ cores: unmeasured here")


def rss(path: Path, full: Path) -> None:
    # VmHWM, not ru_maxrss: the latter is inherited from this (large)
    # parent process across fork and exec.
    code = (
        "import marcarrow,sys\n"
        "n=0\n"
        "for b in marcarrow.read_batches(sys.argv[1]): n+=1\n"
        "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(int(hwm.split()[1])//1024)\n"
    )
    for p in (path, full):
        out = subprocess.run(
            [sys.executable, "-c", code, str(p)], check=True, capture_output=True, text=True
        ).stdout.strip()
        print(f"peak RSS streaming {p.name} ({p.stat().st_size / 1e6:.0f} MB): {out} MB")
    cli_rss(full)


# The CLI in this process, printing its VmHWM on stderr when it exits.
CLI = (
    "import atexit,runpy,sys\n"
    "def hwm():\n"
    "    l=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
    "    print('VMHWM', int(l.split()[1])//1024, file=sys.stderr)\n"
    "atexit.register(hwm)\n"
    "sys.argv=['marcarrow',*sys.argv[1:]]\n"
    "runpy.run_module('marcarrow', run_name='__main__')\n"
)


def garbage(mb: int) -> Path:
    """MB megabytes of random bytes: not MARC at all."""
    dst = Path(f"/tmp/marcarrow-garbage-{mb}m.bin")
    if not dst.exists():
        with open(dst.with_suffix(".tmp"), "wb") as f:
            for _ in range(mb):
                f.write(os.urandom(1 << 20))
        dst.with_suffix(".tmp").rename(dst)
    return dst


def cli_rss(full: Path) -> None:
    """Peak RSS of `marcarrow stats` and `marcarrow dump --limit 5` on the
    corpus and on a gigabyte of random bytes, and the time from starting
    `dump --limit 5` on a pipe to its first output line."""
    junk = garbage(1024)
    for p in (full, junk):
        for args in (["stats", "--errors", "skip"], ["dump", "--limit", "5"]):
            t0 = time.perf_counter()
            r = subprocess.run(
                [sys.executable, "-c", CLI, *args, str(p)], capture_output=True, text=True
            )
            t = time.perf_counter() - t0
            mb = next(x.split()[1] for x in r.stderr.splitlines() if x.startswith("VMHWM"))
            print(
                f"peak RSS `marcarrow {' '.join(args)}` on {p.name} "
                f"({p.stat().st_size / 1e6:.0f} MB): {mb} MB, {t:.2f} s, exit {r.returncode}"
            )
    firsts = []
    for _ in range(5):
        t0 = time.perf_counter()
        cat = subprocess.Popen(["cat", str(full)], stdout=subprocess.PIPE)
        dump = subprocess.Popen(
            [sys.executable, "-m", "marcarrow", "dump", "--limit", "5", "-"],
            stdin=cat.stdout,
            stdout=subprocess.PIPE,
        )
        assert cat.stdout is not None and dump.stdout is not None
        cat.stdout.close()
        dump.stdout.readline()
        firsts.append(time.perf_counter() - t0)
        dump.stdout.read()
        dump.wait()
        cat.wait()
    print(
        f"first line of `cat {full.name} | marcarrow dump --limit 5 -`: "
        f"median {statistics.median(firsts) * 1000:.0f} ms after the start (interpreter included)"
    )


def limits(path: Path, runs: int) -> None:
    """What the rows of benches/peers.py where marcarrow leads by less than
    3x spend their time on: MARC-8 (decoding, NFC, building the table) and
    the 001/245$a selection (reading against selecting)."""
    import polars as pl
    import pyarrow  # noqa: F401

    import marcarrow

    uva, n = uva_repeated(20.0)
    mb = uva.stat().st_size / 1e6

    def drain(**kw) -> None:
        for _ in marcarrow.read_batches(uva, **kw):
            pass

    r = interleaved(
        {
            "read_arrow (MARC-8, NFC)": lambda: marcarrow.read_arrow(uva),
            "read_arrow normalize=False": lambda: marcarrow.read_arrow(uva, normalize=False),
            'read_arrow encoding="latin-1" (no MARC-8)': lambda: marcarrow.read_arrow(
                uva, encoding="latin-1"
            ),
            "read_batches, batches dropped (no table)": drain,
            "read_arrow threads=1": lambda: marcarrow.read_arrow(uva, threads=1),
        },
        runs,
    )
    print(f"MARC-8: {uva.name} ({mb:.1f} MB, {n} records), in process:")
    for k, t in r.items():
        print(f"  {k:44s} {t * 1000:7.1f} ms  {mb / t:7.1f} MB/s")

    mb = path.stat().st_size / 1e6
    tag = pl.element().struct.field("tag")

    def select(df):
        return df.select(
            pl.col("fields")
            .list.eval(pl.element().filter(tag == "001").struct.field("value"))
            .list.first()
        )

    df = marcarrow.read_polars(path, tags=["001", "245"])
    r = interleaved(
        {
            'read_polars(tags=["001", "245"])': lambda: marcarrow.read_polars(
                path, tags=["001", "245"]
            ),
            "read_polars, all fields": lambda: marcarrow.read_polars(path),
            "the 001 selection alone (polars list.eval)": lambda: select(df),
        },
        runs,
    )
    print(f"select: {path.name} ({mb:.1f} MB), in process:")
    for k, t in r.items():
        print(f"  {k:44s} {t * 1000:7.1f} ms  {mb / t:7.1f} MB/s")


NAMES = ("compare", "two-threads", "fileobj", "sweep", "scaling", "rss", "text-rss", "limits")


def main() -> None:
    if sys.argv[1:2] == ["sweep-child"]:
        sweep_child(sys.argv[2], int(sys.argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("names", nargs="*", help=f"any of {', '.join(NAMES)}, all (default)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--records", type=int, default=100_000)
    a = ap.parse_args()
    names = NAMES if not a.names or "all" in a.names else a.names
    for n in names:
        if n not in NAMES:
            ap.error(f"unknown diagnostic {n!r}: choose from {', '.join(NAMES)}, all")
    full = corpus()
    path = head(full, a.records)
    print(f"input: {path} ({path.stat().st_size / 1e6:.1f} MB, {a.records} records)")
    for name in names:
        if name == "rss":
            rss(path, full)
        elif name == "text-rss":
            import text_formats

            text_formats.rss(head(full, 20_000), 20_000)
        else:
            globals()[name.replace("-", "_")](path, a.runs)


if __name__ == "__main__":
    main()
