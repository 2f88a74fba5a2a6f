"""One input layer: every entry point x every input kind on the same real
fixture gives the same records, counts and problems; and the bugs that
three separate ways into the reader used to cause."""

from __future__ import annotations

import bz2
import gzip
import io
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

import marcarrow
from conftest import data_file
from marcarrow import Action, MarcError, Problem
from marcarrow.pymarc import MARCReader

# Real records with real errors: 298 good, 85 malformed (pymarc's counts).
FIXTURE = "pride-many-errors-383.mrc"


@pytest.fixture(scope="module")
def fixture_bytes() -> bytes:
    return data_file(FIXTURE).read_bytes()


@contextmanager
def served(data: bytes) -> Iterator[socket.socket]:
    """A connected socket whose peer sends ``data`` and closes."""
    a, b = socket.socketpair()

    def send() -> None:
        with b:
            try:
                b.sendall(data)
            except OSError:
                pass  # the reader went away before reading it all

    t = threading.Thread(target=send)
    t.start()
    try:
        yield a
    finally:
        a.close()
        t.join()


def kinds(tmp: Path, data: bytes) -> dict[str, Callable[[], Any]]:
    """Each input kind, as a factory (a stream can be read once)."""
    plain = tmp / "in.mrc"
    plain.write_bytes(data)
    gz = tmp / "in.mrc.gz"
    gz.write_bytes(gzip.compress(data))
    zst = tmp / "in.dat"  # no telling extension: recognised by magic bytes
    zst.write_bytes(zstandard.ZstdCompressor().compress(data))
    bz = tmp / "in.bz2"
    bz.write_bytes(bz2.compress(data))
    return {
        "str": lambda: str(plain),
        "Path": lambda: plain,
        "gz path": lambda: gz,
        "zst path": lambda: zst,
        "bz2 path": lambda: bz,
        "bytes": lambda: data,
        "bytearray": lambda: bytearray(data),
        "memoryview": lambda: memoryview(data),
        "file": lambda: open(plain, "rb"),  # noqa: SIM115
        "BytesIO": lambda: io.BytesIO(data),
        "gzip BytesIO": lambda: io.BytesIO(gzip.compress(data)),
    }


def via_batches(src: Any) -> tuple[list[str], list[Problem]]:
    r = marcarrow.read_batches(src, errors="skip", columns={"id": "001[0]"})
    ids = [x for b in r for x in pa.record_batch(b).column("id").to_pylist()]
    return ids, r.errors


def via_arrow(src: Any) -> tuple[list[str], list[Problem]]:
    with pytest.warns(marcarrow.MarcWarning):
        t = marcarrow.read_arrow(src, errors="skip", columns={"id": "001[0]"})
    return t.column("id").to_pylist(), None  # type: ignore[return-value]


def via_polars(src: Any) -> tuple[list[str], list[Problem]]:
    with pytest.warns(marcarrow.MarcWarning):
        df = marcarrow.read_polars(src, errors="skip", columns={"id": "001[0]"})
    return df["id"].to_list(), None  # type: ignore[return-value]


def via_summary(src: Any) -> tuple[int, list[Problem]]:
    s = marcarrow.summarize(src, errors="skip")
    assert s["record_bytes"] + s["skipped_bytes"] + s["padding_bytes"] == s["bytes"]
    return s["records"], s["problems"]


def via_parquet(src: Any, tmp: Path) -> tuple[int, list[Problem]]:
    with pytest.warns(marcarrow.MarcWarning):
        s = marcarrow.to_parquet(src, tmp / "out.parquet", errors="skip")
    return s["records"], s["errors"]


def via_iterator(src: Any) -> tuple[list[str], int]:
    ids, none = [], 0
    for r in MARCReader(src):
        if r is None:
            none += 1
        else:
            ids.append(r["001"].data if r.get_fields("001") else None)
    return ids, none


@pytest.fixture(scope="module")
def expected(fixture_bytes: bytes) -> tuple[list[str], list[Problem]]:
    return via_batches(fixture_bytes)


def test_expected_matches_pymarcs_counts(expected) -> None:
    ids, problems = expected
    assert len(ids) == 298 and len(problems) == 85
    assert all(p.action is Action.SKIPPED for p in problems)


@pytest.mark.parametrize(
    "kind",
    [
        "str",
        "Path",
        "gz path",
        "zst path",
        "bz2 path",
        "bytes",
        "bytearray",
        "memoryview",
        "file",
        "BytesIO",
        "gzip BytesIO",
        "socket",
    ],
)
def test_every_entry_point_reads_every_kind_alike(kind, fixture_bytes, expected, tmp_path) -> None:
    ids, problems = expected
    factories = kinds(tmp_path, fixture_bytes)

    @contextmanager
    def make() -> Iterator[Any]:
        if kind == "socket":
            with served(fixture_bytes) as s:
                yield s
            return
        src = factories[kind]()
        try:
            yield src
        finally:
            if hasattr(src, "close") and not isinstance(src, io.BytesIO):
                src.close()

    with make() as s:
        assert via_batches(s) == (ids, problems), "read_batches"
    with make() as s:
        assert via_arrow(s)[0] == ids, "read_arrow"
    with make() as s:
        assert via_polars(s)[0] == ids, "read_polars"
    with make() as s:
        assert via_summary(s) == (len(ids), problems), "summarize"
    with make() as s:
        assert via_parquet(s, tmp_path) == (len(ids), problems), "to_parquet"
    with make() as s:
        assert via_iterator(s) == (ids, len(problems)), "MARCReader"
    with make() as s:
        if kind in ("file", "socket"):
            with pytest.raises(TypeError, match="once per collect"):
                marcarrow.scan_marc(s, columns={"id": "001[0]"}, errors="skip")
        else:
            lf = marcarrow.scan_marc(s, columns={"id": "001[0]"}, errors="skip")
            assert lf.collect()["id"].to_list() == ids, "scan_marc"


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "marcarrow", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.parametrize("how", ["path", "gz path", "stdin", "gzip stdin"])
def test_cli_commands_read_every_kind_alike(how, fixture_bytes, tmp_path) -> None:
    data = gzip.compress(fixture_bytes) if "gz" in how else fixture_bytes
    path = tmp_path / ("in.mrc.gz" if "gz" in how else "in.mrc")
    path.write_bytes(data)
    arg, stdin = ("-", data) if "stdin" in how else (str(path), None)
    r = run_cli("stats", arg, "--errors", "skip", stdin=stdin)
    assert r.returncode == 0, r.stderr
    assert b"records: 298 (383 found)" in r.stdout and b"problems: 85" in r.stdout
    r = run_cli("dump", arg, "--errors", "skip", stdin=stdin)
    assert r.returncode == 0, r.stderr
    # dump replaces bytes that do not decode (69 records), so only the 16
    # with broken directories are skipped.
    assert r.stdout.count(b"=LDR  ") == 383 - 16
    assert r.stderr.count(b"[skipped]") == 16 and b"[replaced]" in r.stderr
    out = tmp_path / "out.parquet"
    r = run_cli("convert", arg, "-o", str(out), "--errors", "skip", stdin=stdin)
    assert r.returncode == 0, r.stderr
    assert pq.read_table(out).num_rows == 298
    r = run_cli("select", arg, "--columns", "id=001[0]", "-o", "-", "--errors", "skip", stdin=stdin)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 1 + 298


def test_gzip_stats_and_dump_decompress(tmp_path) -> None:
    """Regression: `stats books.mrc.gz` printed `records: 0` and `dump`
    printed the gzip bytes as a record."""
    gz = tmp_path / "books.mrc.gz"
    gz.write_bytes(gzip.compress(marcarrow.SAMPLE.read_bytes()))
    r = run_cli("stats", str(gz))
    assert r.returncode == 0 and b"records: 386 (386 found)" in r.stdout, r.stdout
    r = run_cli("dump", str(gz), "--limit", "2")
    want = run_cli("dump", str(marcarrow.SAMPLE), "--limit", "2").stdout
    assert r.returncode == 0 and r.stdout == want and r.stdout.count(b"=LDR  ") == 2


def test_summarize_takes_a_file_object() -> None:
    """Regression: summarize(open(..., "rb")) raised TypeError."""
    with open(marcarrow.SAMPLE, "rb") as f:
        assert marcarrow.summarize(f)["records"] == 386


def test_stats_of_something_that_is_not_marc_fails(tmp_path) -> None:
    """Regression: `stats README.md` reported skipped "records" and exit 0."""
    readme = Path(__file__).resolve().parents[1] / "README.md"
    r = run_cli("stats", str(readme))
    assert r.returncode == 1, r.stdout
    assert b"not MARC 21" in r.stderr
    r = run_cli("stats", "--json", str(readme))
    assert r.returncode == 1 and b'"not_marc": true' in r.stdout
    # dump, like stats: nothing printed, the input named, exit 1; also when
    # the bytes come from a pipe.
    for arg, stdin in [(str(readme), None), ("-", readme.read_bytes())]:
        r = run_cli("dump", arg, stdin=stdin)
        assert r.returncode == 1 and r.stdout == b"", r.stderr
        assert b"not MARC 21" in r.stderr and str(
            readme.stat().st_size
        ).encode() in r.stderr.replace(b",", b"")
    # A file that starts with garbage but holds records is MARC.
    mixed = tmp_path / "mixed.mrc"
    mixed.write_bytes(b"junk" * 10 + marcarrow.SAMPLE.read_bytes())
    r = run_cli("dump", str(mixed), "--limit", "1")
    assert r.returncode == 0 and r.stdout.startswith(b"=LDR")


def test_other_formats_go_to_their_own_readers(tmp_path) -> None:
    """Recognised through gzip, each text format is read by its reader,
    whose problems name the format (not a stream of ISO 2709 "garbage")."""
    assert marcarrow.read_arrow(gzip.compress(b'<?xml version="1.0"?><collection/>')).num_rows == 0
    for text, title in [
        (
            b'<collection><record><datafield tag="2"/></record></collection>',
            "MARCXML",
        ),
        (b'[{"leader": "x", "fields": []}]', "MARC-in-JSON"),
        (b"=LDR  00000nam  2200000   4500\n245  x\n", "MARCMaker"),
    ]:
        with pytest.raises(MarcError, match=title):
            marcarrow.read_arrow(gzip.compress(text))
        path = tmp_path / "x"
        path.write_bytes(text)
        r = run_cli("stats", str(path))
        assert r.returncode == 1 and title.encode() in r.stderr, r.stderr


def test_garbage_bytes_are_accounted_for_exactly() -> None:
    """Regression: skipped pieces of non-MARC input drifted by a few bytes.
    Records, skipped pieces and padding add up to the input, and the skipped
    pieces' offsets and lengths tile what they cover."""
    rng = __import__("random").Random(7)
    junk = bytes(rng.getrandbits(8) for _ in range(300_000))
    good = marcarrow.SAMPLE.read_bytes()[:20_000]
    data = junk[:1000] + good + junk + b"\n\n" + good
    s = marcarrow.summarize(data, errors="skip", batch_size=16)
    assert s["bytes"] == len(data)
    assert s["record_bytes"] + s["skipped_bytes"] + s["padding_bytes"] == len(data)
    skipped = [p for p in s["problems"] if p.action is Action.SKIPPED]
    assert sum(p.byte_length for p in skipped) == s["skipped_bytes"]
    for a, b in zip(skipped, skipped[1:], strict=False):
        assert a.byte_offset + a.byte_length <= b.byte_offset


def test_missing_directory_and_permission_errors_name_the_path(tmp_path) -> None:
    calls = [
        marcarrow.read_batches,
        marcarrow.summarize,
        lambda p: marcarrow.to_parquet(p, tmp_path / "o.parquet"),
        lambda p: list(MARCReader(p)),
    ]
    locked = tmp_path / "locked.mrc"
    locked.write_bytes(b"")
    locked.chmod(0)
    cases = [(tmp_path / "nope.mrc", FileNotFoundError), (tmp_path, IsADirectoryError)]
    if os.geteuid() != 0:  # root reads anything
        cases.append((locked, PermissionError))
    for call in calls:
        for path, exc in cases:
            with pytest.raises(exc) as e:
                call(path)
            assert e.value.filename == str(path)
    for path, code in [(tmp_path / "nope.mrc", 3), (tmp_path, 3)]:
        for cmd in ("stats", "dump"):
            r = run_cli(cmd, str(path))
            assert r.returncode == code and str(path).encode() in r.stderr, r.stderr


def test_unknown_types_and_text_files_are_refused() -> None:
    for call in (marcarrow.read_batches, marcarrow.summarize, MARCReader):
        with pytest.raises(TypeError, match="expected str or os.PathLike"):
            call(42)
        with open(marcarrow.SAMPLE) as text, pytest.raises(TypeError, match="open it with 'rb'"):
            call(text)


def test_dump_limit_prints_before_the_input_ends() -> None:
    """`dump --limit 1` from a pipe whose writer has not finished: the
    first record is printed while the pipe is still open."""
    data = marcarrow.SAMPLE.read_bytes()
    p = subprocess.Popen(
        [sys.executable, "-m", "marcarrow", "dump", "-", "--limit", "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert p.stdin is not None and p.stdout is not None
    p.stdin.write(data[:50_000])
    p.stdin.flush()
    first = p.stdout.readline()  # blocks until dump prints
    assert first.startswith(b"=LDR  ")
    try:
        p.stdin.write(data[50_000:])
        p.stdin.close()
    except BrokenPipeError:
        pass  # dump had what it needed and stopped reading: fine
    rest = p.stdout.read()
    assert p.wait(timeout=60) == 0
    assert (first + rest).count(b"=LDR  ") == 1


def test_problems_are_typed_and_the_same_everywhere(fixture_bytes) -> None:
    reader = marcarrow.read_batches(fixture_bytes, errors="skip")
    _ = list(reader)
    p = reader.errors[0]
    assert isinstance(p, Problem) and p.action is Action.SKIPPED and p.action == "skipped"
    assert pickle.loads(pickle.dumps(p)) == p
    d = p.as_dict()
    assert d["action"] == "skipped" and d["record_index"] == p.record_index
    assert repr(p).startswith("Problem(record_index=")
    assert str(p) == p.message and p.message.endswith("[skipped]")
    assert marcarrow.summarize(fixture_bytes, errors="skip")["problems"] == reader.errors
    with pytest.raises(MarcError) as e:
        marcarrow.read_arrow(fixture_bytes)
    raised = e.value.problem
    assert raised is not None and raised.action is Action.RAISED
    assert (raised.record_index, raised.kind) == (e.value.record_index, e.value.kind)
    again = pickle.loads(pickle.dumps(e.value))
    assert again.problem == raised and str(again) == str(e.value)


def test_several_sources_name_their_problems(fixture_bytes, tmp_path) -> None:
    a, b = tmp_path / "a.mrc", tmp_path / "b.mrc"
    a.write_bytes(fixture_bytes)
    b.write_bytes(fixture_bytes)
    with pytest.warns(marcarrow.MarcWarning):
        s = marcarrow.to_parquet([a, b], tmp_path / "o.parquet", errors="skip")
    sources = [p.source for p in s["errors"]]
    assert sources == [str(a)] * 85 + [str(b)] * 85
    assert s["errors"][0].message.startswith(f"{a}: record ")


def test_slow_stream_keeps_time_to_first_batch_short() -> None:
    """A file object that dribbles data: the first batch comes as soon as
    its records are in, not at the end of the input."""
    data = marcarrow.SAMPLE.read_bytes()

    class Slow(io.RawIOBase):
        def __init__(self) -> None:
            self.pos = 0

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            if self.pos >= len(data):
                return b""
            if self.pos > 100_000:
                time.sleep(0.05)
            chunk = data[self.pos : self.pos + min(n, 8192)]
            self.pos += len(chunk)
            return chunk

    reader = marcarrow.read_batches(Slow(), batch_size=10)
    start = time.perf_counter()
    first = next(iter(reader))
    assert pa.record_batch(first).num_rows == 10
    assert time.perf_counter() - start < 1.0
    reader.close()
