"""Inputs built to exhaust memory: a small gzip that expands to a gigabyte,
and a gigabyte stream with no record terminator in it. Each is read in a
child process whose peak RSS is compared with a child that reads the
bundled sample; then the leader that claims more than the file holds, and
Ctrl-C in the CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import marcarrow

GIB = 1 << 30

# The child prints its summary and peak RSS (kB on Linux) as JSON.
CHILD = """
import io, json, resource, sys, warnings, zlib
import marcarrow
warnings.simplefilter("ignore")
kind, size = sys.argv[1], int(sys.argv[2])

class Endless(io.RawIOBase):
    '''``size`` bytes of ``a``, produced as they are read.'''
    def __init__(self):
        self.left = size
    def readable(self):
        return True
    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = b"a" * n
        self.left -= n
        return n

if kind == "sample":
    src = marcarrow.SAMPLE.read_bytes()
elif kind == "stream":
    src = io.BufferedReader(Endless(), 1 << 20)
else:  # a gzip member of `size` bytes of `a`, made in pieces
    z = zlib.compressobj(1, zlib.DEFLATED, 31)
    block = b"a" * (1 << 20)
    src = b"".join([z.compress(block) for _ in range(size >> 20)] + [z.flush()])
s = marcarrow.summarize(src, errors="skip")
table = marcarrow.read_arrow(src if kind != "stream" else io.BufferedReader(Endless(), 1 << 20),
                             errors="skip")
print(json.dumps({
    "input": len(src) if isinstance(src, bytes) else size,
    "records": s["records"], "rows": table.num_rows, "bytes": s["bytes"],
    "skipped": sum(p.byte_length for p in s["problems"]),
    "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
"""


def child(kind: str, size: int) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(size)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def baseline_kb() -> int:
    return child("sample", 0)["peak_kb"]


@pytest.mark.parametrize("kind", ["gzip", "stream"])
def test_a_gigabyte_of_no_records_keeps_memory_bounded(kind: str, baseline_kb: int) -> None:
    """A gzip bomb (about 4.5 MB that expand to 1 GiB) and a 1 GiB stream
    with no terminator: no record, every byte reported as skipped, and the
    peak memory within 400 MB of reading the 386-record sample."""
    r = child(kind, GIB)
    assert r["records"] == r["rows"] == 0
    assert r["bytes"] == r["skipped"] == GIB
    if kind == "gzip":
        assert r["input"] < GIB // 100
    assert r["peak_kb"] - baseline_kb < 400 * 1024, r


@pytest.mark.parametrize("errors", ["strict", "lenient", "skip"])
@pytest.mark.parametrize(
    "data,kind",
    [
        (b"99999nam a2200025   4500\x1e\x1fab\x1e\x1d", "LengthMismatch"),
        (b"99999nam a2200025   4500\x1e\x1fabc\x1e", "Truncated"),
    ],
)
def test_a_leader_that_claims_more_than_the_file(data: bytes, kind: str, errors: str) -> None:
    """30 bytes whose leader says 99,999, with or without a terminator: no
    record and a problem of the right kind, or a MarcError under strict;
    never a wait for bytes that are not there."""
    assert len(data) == 30
    if errors == "strict":
        with pytest.raises(marcarrow.MarcError) as e:
            marcarrow.read_arrow(data, errors=errors)
        assert e.value.problem.kind == kind
    else:
        with pytest.warns(marcarrow.MarcWarning):
            assert marcarrow.read_arrow(data, errors=errors).num_rows == 0
        s = marcarrow.summarize(data, errors=errors)
        assert s["records"] == 0 and s["problems"][0].kind == kind
    reader = marcarrow.MARCReader(data)
    assert list(reader) == [None]
    assert "length" in str(reader.current_exception).lower()


def test_ctrl_c_in_the_cli_exits_130_and_leaves_nothing(tmp_path: Path) -> None:
    """SIGINT while `marcarrow convert` writes Parquet: exit status 130, a
    short message, and no output file or temporary left."""
    src = tmp_path / "in" / "big.mrc"
    src.parent.mkdir()
    src.write_bytes(marcarrow.SAMPLE.read_bytes() * 600)  # about 300 MB
    out = tmp_path / "out"
    out.mkdir()
    p = subprocess.Popen(
        [sys.executable, "-m", "marcarrow", "convert", str(src), "-o", str(out / "o.parquet")]
        + ["-q", "--threads", "1"],
        stderr=subprocess.PIPE,
        text=True,
    )
    # Interrupt once the export has begun: its temporary file is there.
    deadline = time.monotonic() + 60
    while not any(out.iterdir()) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert p.poll() is None, "the export ended before it could be interrupted"
    time.sleep(0.2)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert time.monotonic() - sent < 1.5
    assert "interrupted" in err and "Traceback" not in err
    assert list(out.iterdir()) == []
