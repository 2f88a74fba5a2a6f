"""Pipeline measurements in one run: read_arrow vs reading + counting 0x1D,
threads 1 vs 2, two Python threads vs one, a batch-size sweep, and peak RSS
while streaming the whole corpus. Medians of N runs; ratios in the same run.

    python benches/pipeline.py [--runs 5] [--records 100000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import marcarrow


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
        dst.write_bytes(data[: end + 1])
    return dst


def median(f, runs: int) -> float:
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--records", type=int, default=100_000)
    a = ap.parse_args()
    full = corpus()
    path = head(full, a.records)
    mb = path.stat().st_size / 1e6
    print(f"input: {path} ({mb:.1f} MB, {a.records} records)")

    def raw() -> None:
        with open(path, "rb") as f:
            f.read().count(b"\x1d")

    import polars as pl
    import pyarrow as pa

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
    rows = interleaved(variants, a.runs)
    ref = rows["python read + count 0x1D"]
    for k, t in rows.items():
        print(f"  {k:40s} {t * 1000:8.1f} ms  {mb / t:7.1f} MB/s  {ref / t:5.2f}x raw")
    for st in ("string_view", "string"):
        one, two = rows[f"read_arrow {st} threads=1"], rows[f"read_arrow {st} threads=2"]
        print(f"  {st}: threads=2 / threads=1: {one / two:.2f}x")

    def two_threads() -> None:
        ts = [
            threading.Thread(target=marcarrow.read_arrow, args=(path,), kwargs={"threads": 1})
            for _ in range(2)
        ]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    def sequential() -> None:
        marcarrow.read_arrow(path, threads=1)
        marcarrow.read_arrow(path, threads=1)

    def stream_two() -> None:
        def drain() -> None:
            for _ in marcarrow.read_batches(path, threads=1):
                pass

        ts = [threading.Thread(target=drain) for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    def stream_seq() -> None:
        for _ in range(2):
            for _ in marcarrow.read_batches(path, threads=1):
                pass

    r = interleaved(
        {"seq": sequential, "par": two_threads, "sseq": stream_seq, "spar": stream_two}, a.runs
    )
    print(f"  two Python threads vs sequential, read_arrow(threads=1): {r['seq'] / r['par']:.2f}x")
    print(f"  same, streaming read_batches(threads=1): {r['sseq'] / r['spar']:.2f}x")

    print("batch-size sweep (read_arrow, default threads):")
    sizes = (10, 100, 1000, 2048, 4096, 8192, 10000)
    sweep = interleaved(
        {bs: (lambda bs=bs: marcarrow.read_arrow(path, batch_size=bs)) for bs in sizes}, a.runs
    )
    for bs, t in sweep.items():
        print(f"  batch_size={bs:6d}  {mb / t:7.1f} MB/s")

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
        rss = subprocess.run(
            [sys.executable, "-c", code, str(p)], check=True, capture_output=True, text=True
        ).stdout.strip()
        print(f"peak RSS streaming {p.name} ({p.stat().st_size / 1e6:.0f} MB): {rss} MB")


if __name__ == "__main__":
    main()
