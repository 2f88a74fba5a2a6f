"""Injected faults: a source that fails or ends mid-record, and outputs
that are devices, full disks or symbolic links."""

from __future__ import annotations

import errno
import io
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import marcarrow
from marcarrow import Action

SAMPLE = marcarrow.SAMPLE.read_bytes()
FULL = Path("/dev/full")
needs_full = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full here")


def is_device(p: Path) -> bool:
    return stat.S_ISCHR(os.stat(p).st_mode)


class FailingFile(io.RawIOBase):
    """Hands out ``data`` and raises ``OSError(EIO)`` at byte ``fail_at``."""

    def __init__(self, data: bytes, fail_at: int) -> None:
        self.data, self.pos, self.fail_at = data, 0, fail_at

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        if self.pos >= self.fail_at:
            raise OSError(errno.EIO, "the disk went away")
        n = min(len(b), self.fail_at - self.pos, len(self.data) - self.pos)
        b[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


def test_a_file_object_that_fails_mid_read() -> None:
    """The records before the failure arrive, then the error, with its
    cause in the message."""
    data = SAMPLE * 20
    reader = marcarrow.read_batches(
        io.BufferedReader(FailingFile(data, len(data) // 2)), batch_size=100
    )
    rows = 0
    with pytest.raises(OSError, match="the disk went away"):
        for b in reader:
            rows += pa.record_batch(b).num_rows
    assert 0 < rows < 386 * 20
    with pytest.raises(OSError, match="the disk went away"):
        marcarrow.read_arrow(io.BufferedReader(FailingFile(data, 100_000)))


def test_a_socket_closed_mid_record() -> None:
    """The peer sends half of the last record and closes: the records
    before it arrive and the cut one is a Truncated problem."""
    data = SAMPLE * 3
    cut = len(SAMPLE) * 2 + len(SAMPLE) // 2 + 17
    a, b = socket.socketpair()

    def send() -> None:
        with b:
            b.sendall(data[:cut])

    t = threading.Thread(target=send)
    t.start()
    try:
        reader = marcarrow.read_batches(a, errors="skip")
        rows = sum(pa.record_batch(x).num_rows for x in reader)
    finally:
        t.join()
        a.close()
    with pytest.warns(marcarrow.MarcWarning, match="truncated"):
        whole = marcarrow.read_arrow(data[:cut], errors="skip").num_rows
    assert rows == whole and 386 * 2 <= rows < 386 * 3
    assert reader.errors[-1].kind == "Truncated"
    assert reader.errors[-1].action == Action.SKIPPED


@needs_full
def test_parquet_to_a_full_disk_is_an_oserror_and_the_device_stays(tmp_path: Path) -> None:
    """Regression: the atomic rename replaced /dev/full by a regular file
    (as root) and reported success."""
    with pytest.raises(OSError) as e:
        marcarrow.to_parquet(marcarrow.SAMPLE, FULL)
    assert e.value.errno == errno.ENOSPC
    assert is_device(FULL)
    r = subprocess.run(
        [sys.executable, "-m", "marcarrow", "convert", str(marcarrow.SAMPLE), "-o", str(FULL)],
        capture_output=True,
        timeout=120,
    )
    assert r.returncode == 3, r.stderr
    assert is_device(FULL)


def test_parquet_to_standard_output_device(tmp_path: Path) -> None:
    """`convert -o /dev/stdout` writes into the pipe, in place."""
    r = subprocess.run(
        [sys.executable, "-m", "marcarrow", "convert", str(marcarrow.SAMPLE), "-o", "/dev/stdout"],
        capture_output=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    out = tmp_path / "got.parquet"
    out.write_bytes(r.stdout)
    assert pq.read_table(out).num_rows == 386


def test_outputs_through_a_symbolic_link(tmp_path: Path) -> None:
    """The link stays a link; its target gets the new file."""
    for name, write in [
        ("out.parquet", lambda p: marcarrow.to_parquet(marcarrow.SAMPLE, p)),
        (
            "out.csv",
            lambda p: subprocess.run(
                [sys.executable, "-m", "marcarrow", "select", str(marcarrow.SAMPLE)]
                + ["--columns", "id=001", "-o", str(p), "-q"],
                check=True,
                timeout=120,
            ),
        ),
    ]:
        target = tmp_path / f"target-{name}"
        target.write_bytes(b"old")
        link = tmp_path / name
        link.symlink_to(target)
        write(link)
        assert link.is_symlink() and target.read_bytes() != b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "out.csv",
        "out.parquet",
        "target-out.csv",
        "target-out.parquet",
    ]


# Run in a child, so that a late signal cannot reach pytest itself.
CTRL_C = """
import sys, time, marcarrow
big = marcarrow.SAMPLE.read_bytes() * 600  # about 300 MB: seconds on one thread
work = {
    "read_arrow": lambda: marcarrow.read_arrow(big, threads=1),
    "to_parquet": lambda: marcarrow.to_parquet(big, sys.argv[2], threads=1),
}[sys.argv[1]]
print("started", flush=True)
t = time.perf_counter()
try:
    work()
except KeyboardInterrupt:
    print(f"interrupted {time.perf_counter() - t:.3f}", flush=True)
"""


@pytest.mark.parametrize("call", ["read_arrow", "to_parquet"])
def test_ctrl_c_is_prompt_and_leaves_nothing(call: str, tmp_path: Path) -> None:
    """SIGINT during a long read or export: KeyboardInterrupt promptly, no
    output file, no temporary left."""
    import signal
    import time

    dest = tmp_path / "out.parquet"
    p = subprocess.Popen(
        [sys.executable, "-c", CTRL_C, call, str(dest)], stdout=subprocess.PIPE, text=True
    )
    assert p.stdout is not None
    assert p.stdout.readline() == "started\n"
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    assert out.startswith("interrupted"), out
    assert float(out.split()[1]) < 1.5
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args", [["dump"], ["select", "--columns", "id=001,t=245$a", "-o", "-"], ["stats", "--json"]]
)
def test_a_reader_that_goes_away_is_a_quiet_exit(args: list[str]) -> None:
    """`marcarrow dump big.mrc | head -1`: the command stops quietly, with
    status 0 and nothing on standard error."""
    big = SAMPLE * 4  # text output well past a pipe's buffer
    p = subprocess.Popen(
        [sys.executable, "-m", "marcarrow", args[0], "-", *args[1:]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert p.stdin is not None and p.stdout is not None and p.stderr is not None

    def feed() -> None:
        try:
            p.stdin.write(big)  # type: ignore[union-attr]
            p.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass  # it stopped reading first: fine

    t = threading.Thread(target=feed)
    t.start()
    assert p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait(timeout=60) == 0, err
    assert err == b""
    t.join()
