"""MARC-8 decoding into Arrow, in one run, against the peers.

The UVA file (2,000 real MARC-8 records) repeated to at least 20 MB:

- marcarrow.read_arrow (MARC-8 decoded in the workers, NFC);
- the same bytes read as Latin-1 (``encoding="latin-1"``), so the
  difference is the cost of MARC-8 itself;
- pymarc 5.4 and mrrc 0.9.2 (if installed) iterating the records, which
  decodes them (each tool's fastest plain loop, no table built).

    python benches/marc8.py [--runs 5]

Prints MB/s, records/s and ratios; medians, variants interleaved run by run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time
import warnings
from pathlib import Path

import marcarrow

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import uva_repeated  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mb", type=float, default=20.0)
    a = ap.parse_args()
    path, n = uva_repeated(a.mb)
    mb = path.stat().st_size / 1e6
    print(f"input: {path} ({mb:.1f} MB, {n} records)")

    variants = {
        "marcarrow read_arrow (MARC-8)": lambda: marcarrow.read_arrow(path),
        "marcarrow read_arrow threads=1": lambda: marcarrow.read_arrow(path, threads=1),
        "marcarrow read_arrow encoding=latin-1": lambda: marcarrow.read_arrow(
            path, encoding="latin-1"
        ),
    }
    import pymarc

    def pymarc_loop() -> None:
        with open(path, "rb") as f, contextlib.redirect_stderr(io.StringIO()):
            for rec in pymarc.MARCReader(f):
                assert rec is not None

    variants["pymarc 5.4 iterate (MARC-8)"] = pymarc_loop
    try:
        import mrrc

        def mrrc_loop() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for rec in mrrc.MARCReader(str(path)):
                    assert rec is not None

        variants[f"mrrc {getattr(mrrc, '__version__', '?')} iterate (MARC-8)"] = mrrc_loop
    except ImportError:
        print("mrrc not installed: pip install mrrc==0.9.2 to add its row")

    times: dict[str, list[float]] = {k: [] for k in variants}
    for r in range(a.runs + 1):
        for k, f in variants.items():
            if r and k.startswith("pymarc") and r > 3:
                continue  # pymarc is slow: three runs are enough
            t0 = time.perf_counter()
            f()
            if r:
                times[k].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    ours = med["marcarrow read_arrow (MARC-8)"]
    for k, t in med.items():
        print(
            f"  {k:40s} {t * 1000:9.1f} ms {mb / t:8.1f} MB/s {n / t / 1000:8.1f} k rec/s"
            f"  marcarrow is {t / ours:6.2f}x"
        )


if __name__ == "__main__":
    main()
