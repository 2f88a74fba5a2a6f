"""Every entry point of the extension, in a loop, for a leak check.

``scripts/sanitize.sh valgrind-python`` runs this under valgrind twice,
with N and 4N rounds: memory the extension loses shows up as "definitely
lost" blocks whose stacks pass through ``_marcarrow``, and a leak per
call grows with the rounds. Also usable alone: it prints the peak RSS
after each quarter of the rounds, which must level off.
"""

from __future__ import annotations

import io
import resource
import sys
import tempfile
import warnings
from pathlib import Path

import marcarrow
from marcarrow import MarcError, MARCReader

DATA = Path(marcarrow.SAMPLE).read_bytes()


def _head(n: int) -> bytes:
    """The first ``n`` records, whole."""
    end = 0
    for _ in range(n):
        end = DATA.index(b"\x1d", end) + 1
    return DATA[:end]


HEAD = _head(20)
BAD = DATA[:5000] + b"00099nam  2200049   4500\x1e\x1d" + b"\xff" * 50 + DATA[5000:20000]


def _as(fmt: str, data: bytes) -> bytes:
    out = io.BytesIO()
    marcarrow.convert(io.BytesIO(data), out, to=fmt)
    return out.getvalue()


XML = _as("xml", HEAD)
JSON = _as("json", HEAD)
MRK = _as("mrk", HEAD)


def one_round(tmp: Path) -> None:
    head = HEAD
    marcarrow.read_arrow(head)
    marcarrow.read_arrow(head, layout="long", provenance=True)
    marcarrow.read_arrow(head, columns={"title": "245$a", "lang": "008/35-37"})
    marcarrow.read_arrow(head, where="has 650", tags=["245", "650"])
    marcarrow.read_arrow(BAD, errors="skip")
    marcarrow.read_arrow(BAD, errors="lenient")
    try:
        marcarrow.read_arrow(BAD, errors="strict")
    except MarcError:
        pass
    try:
        marcarrow.read_arrow(head, where="245$a ~ '('")
    except ValueError:
        pass
    # A reader dropped mid-stream: its threads end, its buffers go.
    reader = marcarrow.read_batches(DATA, batch_size=16, threads=2)
    next(iter(reader))
    del reader
    for r in MARCReader(io.BytesIO(head)):
        if r is not None:
            r["245"]
    marcarrow.summarize(head)
    marcarrow.read_arrow(head, byte_range=(5000, 15000))
    for fmt in ("marc", "xml", "json", "mrk"):
        _as(fmt, head)
    marcarrow.write_marc(marcarrow.read_arrow(head), tmp / "w.mrc")
    marcarrow.to_parquet(head, tmp / "w.parquet")
    for text in (XML, JSON, MRK):
        marcarrow.read_arrow(text)
        marcarrow.read_arrow(text[: len(text) // 2], errors="skip")


def lost(log: str) -> None:
    """Print the bytes valgrind reports definitely lost, in all and in
    records whose stack passes through the extension."""
    total = ours = 0
    record: list[str] = []
    blocks = []
    for line in Path(log).read_text().splitlines():
        body = line.split("== ", 1)[-1] if line.startswith("==") else line
        if "definitely lost in loss record" in body:
            record = [body]
            blocks.append(record)
        elif record and body.strip():
            record.append(body)
        else:
            record = []
    for rec in blocks:
        n = int(rec[0].split()[0].replace(",", ""))
        total += n
        if any("_marcarrow" in line for line in rec):
            ours += n
            print("\n".join(rec[:25]))
    print(f"definitely lost: {total} bytes in all, {ours} bytes through _marcarrow")


def main() -> None:
    warnings.simplefilter("ignore")
    if sys.argv[1:2] == ["--lost"]:
        lost(sys.argv[2])
        return
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    with tempfile.TemporaryDirectory() as d:
        for i in range(rounds):
            one_round(Path(d))
            if (i + 1) % max(1, rounds // 4) == 0:
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
                print(f"round {i + 1}: peak RSS {rss} MB", flush=True)


if __name__ == "__main__":
    main()
