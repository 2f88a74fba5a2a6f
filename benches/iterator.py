"""Where the record iterator's time goes.

    python benches/iterator.py [FILE] [--runs 5]

FILE defaults to the first 100,000 records of the LoC corpus (cut by
benches/pipeline.py's helpers) or, without the corpus, the bundled sample. Each step is
timed in-process, median of ``--runs``, the steps taking turns:

1. the pipeline alone: every nested batch of the file, in pymarc mode, as
   the iterator receives them (Rust; the GIL is released meanwhile);
2. a lazy ``Record`` per row, over batches already in memory (Python);
3. plus ``record['245']`` (one Rust lookup, one ``Field`` object);
4. plus ``['a']`` (one Rust lookup, one string);
5. the whole loop, ``for r in MARCReader(path): r['245']['a']``, where the
   pipeline runs on worker threads while Python builds records.

The comparison with pymarc, rmarc and mrrc is in ``benches/peers.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import marcarrow
from marcarrow._marcarrow import _record_blocks
from marcarrow.pymarc.record import Record

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import corpus, head, interleaved, load_note  # noqa: E402


def corpus_slice() -> Path:
    """The 100,000-record corpus slice, or the bundled sample."""
    try:
        return head(corpus(), 100_000)
    except Exception:  # noqa: BLE001 - no corpus here: the sample will do
        return Path(marcarrow.SAMPLE)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    path = str(args.file or corpus_slice())
    blocks = [b for b, _ in _record_blocks(path) if b is not None]
    n = sum(len(b) for b in blocks)
    view = Record._view

    def pipeline() -> None:
        for _ in _record_blocks(path):
            pass

    def views() -> None:
        for b in blocks:
            for i in range(len(b)):
                view(b, i, False, True)

    def field() -> None:
        for b in blocks:
            for i in range(len(b)):
                view(b, i, False, True)["245"]

    def subfield() -> None:
        for b in blocks:
            for i in range(len(b)):
                view(b, i, False, True)["245"]["a"]

    def whole() -> None:
        for r in marcarrow.MARCReader(path):
            r["245"]["a"]

    steps = {
        "pipeline: batches in pymarc mode": pipeline,
        "Python: a lazy Record per row": views,
        "Python: + record['245']": field,
        "Python: + ['a']": subfield,
        "whole loop: MARCReader + r['245']['a']": whole,
    }
    print(f"{path}: {n:,} records, median of {args.runs}, steps interleaved; {load_note()}")
    for name, t in interleaved(steps, args.runs).items():
        print(f"  {name:42s} {t:7.3f} s  {t / n * 1e6:6.2f} us/record  {n / t:>10,.0f} rec/s")


if __name__ == "__main__":
    main()
