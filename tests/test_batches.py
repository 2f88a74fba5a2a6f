"""read_batches / read_arrow / read_polars: layouts, inputs, policies, threads."""

from __future__ import annotations

import gzip
import io
import os
import socket
import threading
import time
import warnings
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pytest

import marcarrow
from conftest import data_file
from test_parity import UTF8_FILES, pymarc_view


def nested_as_tuples(table: pa.Table) -> list[tuple]:
    out = []
    for row in table.to_pylist():
        fields = []
        for f in row["fields"]:
            if f["subfields"] is None:
                fields.append((f["tag"], f["value"]))
            else:
                subs = [(s["code"], s["value"]) for s in f["subfields"]]
                fields.append((f["tag"], f["ind1"], f["ind2"], subs))
        out.append((row["leader"], fields))
    return out


@pytest.mark.parametrize("name", UTF8_FILES)
def test_nested_equals_pymarc(name: str) -> None:
    path = data_file(name)
    table = marcarrow.read_arrow(path)
    assert nested_as_tuples(table) == pymarc_view(path, raw=False)


def long_to_nested(long: pa.Table) -> list[tuple]:
    """Rebuild the nested view from the long layout (it must be lossless)."""
    records: dict[int, tuple[str, dict[int, tuple]]] = {}
    for r in long.to_pylist():
        idx = r["record_index"]
        if r["tag"] == "LDR" and r["field_index"] is None:
            records[idx] = (r["value"], {})
            continue
        fields = records[idx][1]
        fi = r["field_index"]
        if r["ind1"] is None:
            fields[fi] = (r["tag"], r["value"])
        else:
            f = fields.setdefault(fi, (r["tag"], r["ind1"], r["ind2"], []))
            if r["subfield_index"] is not None:
                assert r["subfield_index"] == len(f[3])
                f[3].append((r["code"], r["value"]))
    return [(ldr, [flds[i] for i in sorted(flds)]) for ldr, flds in records.values()]


@pytest.mark.parametrize("name", ["loc-bib-386.mrc", "loc-auth-150.mrc", "uva-marc8-2000.mrc"])
def test_long_converts_back_to_nested(name: str) -> None:
    path = data_file(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", marcarrow.MarcWarning)
        nested = marcarrow.read_arrow(path)
        long = marcarrow.read_arrow(path, layout="long")
    assert long_to_nested(long) == nested_as_tuples(nested)


def test_data_field_without_subfields_gets_one_long_row() -> None:
    # 245 with indicators only.
    fields = [("001", b"x"), ("245", b"10")]
    dir_, data = b"", b""
    for tag, d in fields:
        dir_ += f"{tag}{len(d) + 1:04}{len(data):05}".encode()
        data += d + b"\x1e"
    base = 24 + len(dir_) + 1
    rec = f"{base + len(data) + 1:05}nam a22{base:05}   4500".encode() + dir_ + b"\x1e"
    rec += data + b"\x1d"
    long = marcarrow.read_arrow(rec, layout="long").to_pylist()
    assert long[-1] == {
        "record_index": 0,
        "field_index": 1,
        "tag": "245",
        "ind1": "1",
        "ind2": "0",
        "subfield_index": None,
        "code": None,
        "value": None,
    }
    nested = marcarrow.read_arrow(rec).to_pylist()
    assert nested[0]["fields"][1]["subfields"] == []


def test_batch_sizes_and_exhaustion(tmp_path: Path) -> None:
    data = data_file("loc-bib-386.mrc").read_bytes()
    ends = [i for i, b in enumerate(data) if b == 0x1D]
    path = tmp_path / "217.mrc"
    path.write_bytes(data[: ends[216] + 1])
    reader = marcarrow.read_batches(path, batch_size=100)
    sizes = [pa.record_batch(b).num_rows for b in reader]
    assert sizes == [100, 100, 17]
    for _ in range(3):
        with pytest.raises(StopIteration):
            next(reader)


def test_threads_give_identical_tables() -> None:
    path = data_file("loc-bib-386.mrc")
    one = marcarrow.read_arrow(path, threads=1, batch_size=10)
    two = marcarrow.read_arrow(path, threads=2, batch_size=10)
    assert one.equals(two)
    assert one.equals(marcarrow.read_arrow(path, threads=2, batch_size=1000))


def every_input(path: Path, tmp_path: Path):
    data = path.read_bytes()
    yield "str", str(path)
    yield "Path", path
    yield "bytes", data
    yield "bytearray", bytearray(data)
    yield "memoryview", memoryview(data)
    yield "memoryview window", memoryview(b"junk" + data)[4:]
    yield "read-only memoryview of bytearray", memoryview(bytearray(data)).toreadonly()
    yield "writable memoryview", memoryview(bytearray(data))
    yield "BytesIO", io.BytesIO(data)
    yield "file", open(path, "rb")  # noqa: SIM115
    yield "unbuffered file", open(path, "rb", buffering=0)  # noqa: SIM115
    gz = tmp_path / "x.mrc.gz"
    gz.write_bytes(gzip.compress(data))
    yield "gzip path", gz
    yield "gzip bytes", gzip.compress(data)


@pytest.mark.parametrize("name", ["loc-bib-386.mrc", "uva-marc8-2000.mrc"])
def test_every_input_type_gives_the_same_table(name: str, tmp_path: Path) -> None:
    path = data_file(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", marcarrow.MarcWarning)
        expected = marcarrow.read_arrow(path)
        for label, src in every_input(path, tmp_path):
            got = marcarrow.read_arrow(src, batch_size=97)
            assert got.equals(expected), label
            if hasattr(src, "close"):
                src.close()


def test_socket_input() -> None:
    data = data_file("loc-bib-386.mrc").read_bytes()
    a, b = socket.socketpair()

    def send() -> None:
        b.sendall(data)
        b.close()

    t = threading.Thread(target=send)
    t.start()
    got = marcarrow.read_arrow(a)
    t.join()
    a.close()
    assert got.equals(marcarrow.read_arrow(data))


def test_zstd_bytes() -> None:
    zstandard = pytest.importorskip("zstandard")
    data = data_file("loc-bib-386.mrc").read_bytes()
    got = marcarrow.read_arrow(zstandard.ZstdCompressor().compress(data))
    assert got.equals(marcarrow.read_arrow(data))


def test_type_errors(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"int.*str or os.PathLike.*bytes.*socket"):
        marcarrow.read_batches(42)
    p = tmp_path / "t.mrc"
    p.write_bytes(b"")
    with open(p) as f, pytest.raises(TypeError, match="'rb'"):
        marcarrow.read_batches(f)
    with pytest.raises(FileNotFoundError):
        marcarrow.read_batches(tmp_path / "missing.mrc")
    with pytest.raises(IsADirectoryError):
        marcarrow.read_batches(tmp_path)
    with pytest.raises(ValueError, match="layout"):
        marcarrow.read_batches(p, layout="wide")


def test_consumers_pyarrow_polars_duckdb() -> None:
    path = data_file("loc-bib-386.mrc")
    assert pa.table(marcarrow.read_batches(path)).num_rows == 386
    rbr = pa.RecordBatchReader.from_stream(marcarrow.read_batches(path))
    assert rbr.read_all().num_rows == 386
    assert pl.DataFrame(marcarrow.read_batches(path)).shape == (386, 2)
    r = marcarrow.read_batches(path, layout="long")  # noqa: F841 (named in the SQL)
    n = duckdb.sql("select count(distinct record_index) from r where tag = '245'").fetchall()[0]
    assert n == (386,)
    df = marcarrow.read_polars(path, layout="long")
    assert df.filter(pl.col("tag") == "LDR").height == 386


def test_stream_consumed_once() -> None:
    r = marcarrow.read_batches(data_file("loc-bib-386.mrc"))
    pa.table(r)
    with pytest.raises(ValueError, match="consumed"):
        pa.table(r)


def test_strings_point_into_the_input_bytes() -> None:
    data = data_file("loc-bib-386.mrc").read_bytes()
    start = pa.py_buffer(data).address  # zero-copy view of the bytes object
    reader = marcarrow.read_batches(data, string_type="string_view")
    batch = pa.record_batch(next(iter(reader)))
    leader = batch.column("leader")
    assert leader.type == pa.string_view()
    # buffers: validity, views, then the data blocks; block 0 is our input.
    block = leader.buffers()[2]
    assert start <= block.address < start + len(data)
    # And pyarrow imports the same memory each time (no copy on import).
    again = pa.record_batch(next(iter(marcarrow.read_batches(data, string_type="string_view"))))
    assert again.column("leader").buffers()[2].address == block.address


def test_pyarrow_imports_plain_buffers_without_copy() -> None:
    batch = next(iter(marcarrow.read_batches(data_file("loc-bib-386.mrc"))))
    a, b = pa.record_batch(batch), pa.record_batch(batch)
    # A copying import would put each import's values somewhere new.
    assert a.column("leader").buffers()[2].address == b.column("leader").buffers()[2].address


def test_read_polars_strict_error_and_views() -> None:
    df = marcarrow.read_polars(data_file("loc-bib-386.mrc"), layout="long")
    assert df.schema["tag"] == pl.String and df.height > 386
    with pytest.raises(marcarrow.MarcError) as ei:
        marcarrow.read_polars(data_file("pride-many-errors-383.mrc"))
    assert ei.value.record_index == 1 and ei.value.tag == "350"
    with pytest.warns(marcarrow.MarcWarning, match="85 problem"):
        assert (
            marcarrow.read_polars(data_file("pride-many-errors-383.mrc"), errors="skip").height
            == 298
        )


def test_memoryview_of_bytes_is_borrowed_not_copied() -> None:
    data = b"junk" + data_file("loc-bib-386.mrc").read_bytes()
    start = pa.py_buffer(data).address
    reader = marcarrow.read_batches(memoryview(data)[4:], string_type="string_view")
    block = pa.record_batch(next(iter(reader))).column("leader").buffers()[2]
    assert start + 4 <= block.address < start + len(data)
    # Over a mutable object the contents are copied, so later writes to it
    # cannot change the strings already handed out.
    mutable = bytearray(data[4:])
    reader = marcarrow.read_batches(memoryview(mutable).toreadonly(), string_type="string_view")
    first = pa.record_batch(next(iter(reader)))
    leader = first.column("leader")[0].as_py()
    mutable[:5] = b"99999"
    assert first.column("leader")[0].as_py() == leader


@pytest.mark.parametrize("layout", ["nested", "long"])
def test_plain_strings_have_the_same_content(layout: str) -> None:
    path = data_file("loc-bib-386.mrc")
    view = marcarrow.read_arrow(path, layout=layout, string_type="string_view")
    plain = marcarrow.read_arrow(path, layout=layout)
    assert "string_view" not in str(plain.schema) and "string_view" in str(view.schema)
    assert plain.to_pylist() == view.to_pylist()
    with pytest.raises(ValueError, match="string_type"):
        marcarrow.read_batches(path, string_type="large")  # type: ignore[arg-type]


def test_strict_and_lenient_policies() -> None:
    path = data_file("pride-many-errors-383.mrc")
    with pytest.raises(marcarrow.MarcError) as ei:
        marcarrow.read_arrow(path)
    assert ei.value.record_index == 1
    r = marcarrow.read_batches(path, batch_size=1000)
    assert pa.record_batch(next(r)).num_rows == 1  # the record before the bad one
    with pytest.raises(marcarrow.MarcError):
        next(r)
    with pytest.warns(marcarrow.MarcWarning, match="85 problem"):
        t = marcarrow.read_arrow(path, errors="skip")
    assert t.num_rows == 298
    r = marcarrow.read_batches(path, errors="lenient")
    pa.table(r)
    assert len(r.errors) == 85 and r.errors[0].byte_offset > 0
    # A C-stream consumer only sees the message (documented).
    with pytest.raises(pa.ArrowInvalid, match=r"record 1 \(byte 665.*invalid UTF-8"):
        pa.table(marcarrow.read_batches(path))


def test_gil_is_released_while_parsing(tmp_path: Path) -> None:
    data = data_file("loc-bib-386.mrc").read_bytes() * 40  # 21 MB, one batch
    path = tmp_path / "big.mrc"
    path.write_bytes(data)
    ticks = 0
    stop = threading.Event()

    def tick() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    sources = {"bytes": data, "BytesIO": io.BytesIO(data), "path": path}
    sources["file"] = open(path, "rb")  # noqa: SIM115
    for name, src in sources.items():
        t = threading.Thread(target=tick)
        stop.clear()
        t.start()
        r = marcarrow.read_batches(src, batch_size=len(data), threads=1)
        before = ticks
        next(r)  # waits for the whole file to be parsed
        during = ticks - before
        stop.set()
        t.join()
        # Had next() held the GIL while Rust worked, the ticker could not run.
        assert during > 0, name
    sources["file"].close()


def test_backpressure_and_early_drop() -> None:
    data = data_file("loc-bib-386.mrc").read_bytes() * 20
    r = marcarrow.read_batches(data, batch_size=10, threads=1, _max_in_flight=3)
    deadline = time.monotonic() + 30
    while r._chunks_dispatched < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert r._chunks_dispatched == 3  # stopped: no consumer
    next(r)
    deadline = time.monotonic() + 30
    while r._chunks_dispatched < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert r._chunks_dispatched == 4  # one emitted, one more dispatched
    r.close()
    deadline = time.monotonic() + 30
    while not r._reader_done and time.monotonic() < deadline:
        time.sleep(0.01)
    assert r._reader_done


def test_injected_worker_failure_is_an_exception() -> None:
    r = marcarrow.read_batches(data_file("loc-bib-386.mrc"), batch_size=50, _fail_at_chunk=2)
    assert pa.record_batch(next(r)).num_rows == 50
    assert pa.record_batch(next(r)).num_rows == 50
    with pytest.raises(RuntimeError, match="injected failure"):
        next(r)


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs /proc")
def test_a_reader_read_to_its_end_has_no_thread_left() -> None:
    """Once the last batch is out, the reader and its pool's threads are
    gone, with no wait: a long-running process that reads many inputs
    holds no thread between them (the fuzzers' leak checks saw the threads
    still ending before). A reader given up early is the next test's."""
    data = data_file("loc-bib-386.mrc").read_bytes()
    before = len(os.listdir("/proc/self/task"))
    for opts in ({"threads": 2}, {"threads": 1}, {"threads": 2, "errors": "strict"}):
        for _ in marcarrow.read_batches(data, batch_size=50, **opts):
            pass
        assert len(os.listdir("/proc/self/task")) == before, opts
        marcarrow.read_arrow(data, **opts)
        assert len(os.listdir("/proc/self/task")) == before, opts


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs /proc")
def test_dropping_a_reader_leaves_no_thread() -> None:
    import gc

    data = data_file("loc-bib-386.mrc").read_bytes() * 10
    before = len(os.listdir("/proc/self/task"))
    for _ in range(5):
        r = marcarrow.read_batches(data, batch_size=10, threads=2)
        next(r)
        del r
        gc.collect()
    deadline = time.monotonic() + 30
    while len(os.listdir("/proc/self/task")) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(os.listdir("/proc/self/task")) <= before
