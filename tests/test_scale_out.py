"""Past one machine: byte ranges, remote objects (a real S3-compatible server
and an HTTP server with Range requests, both on 127.0.0.1), Dask on a
LocalCluster of worker processes, Spark on a local SparkSession."""

from __future__ import annotations

import hashlib
import http.server
import os
import random
import re
import shutil
import socket
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

import marcarrow
from conftest import ROOT, data_file

FORMATS = ROOT / "tests" / "data" / "formats"


def rows(t: pa.Table) -> list[tuple[object, ...]]:
    """Records as comparable rows, without ``record_index`` (which counts
    from a range's start)."""
    t = t.drop_columns([c for c in ("record_index",) if c in t.column_names])
    return list(zip(*(c.to_pylist() for c in t.columns), strict=True))


def problems_of(source: object, **options: object) -> tuple[list[tuple[object, ...]], list[str]]:
    reader = marcarrow.read_batches(source, provenance=True, **options)
    out = [r for b in reader for r in rows(pa.table(b))]
    return out, [f"{p.byte_offset} {p.kind} {p.action}" for p in reader.errors]


@pytest.mark.parametrize(
    "name",
    [
        "loc-bib-386.mrc",
        "pride-many-errors-383.mrc",
        "uva-marc8-2000.mrc",
        "pymarc/bad_records.mrc",
    ],
)
def test_ranges_read_every_record_once(name: str) -> None:
    path = data_file(name)
    size = path.stat().st_size
    whole = problems_of(path, errors="skip")
    rng = random.Random(name)
    for cuts in (
        [0, *sorted(rng.sample(range(1, size), min(12, size - 1))), size],
        [0, size // 2, size],
        [a for a, _ in marcarrow.splits(path, 4096)] + [size],
    ):
        got: tuple[list[tuple[object, ...]], list[str]] = ([], [])
        for a, b in zip(cuts, cuts[1:], strict=False):
            r, p = problems_of(path, errors="skip", byte_range=(a, b))
            got[0].extend(r)
            got[1].extend(p)
        assert got == whole, cuts


@pytest.mark.corpus
def test_corpus_ranges_read_every_record_once(corpus: Path) -> None:
    """The 250,000-record corpus cut at random points and into 16 MB blocks:
    the same records (by offset and 001) as one sequential read."""
    cols = {"id": "001"}
    whole = marcarrow.read_arrow(corpus, columns=cols, provenance=True)
    size = corpus.stat().st_size
    rng = random.Random(7)
    for cuts in (
        [0, *sorted(rng.sample(range(1, size), 24)), size],
        [a for a, _ in marcarrow.splits(corpus, "16MB")] + [size],
    ):
        parts = [
            marcarrow.read_arrow(corpus, columns=cols, provenance=True, byte_range=(a, b))
            for a, b in zip(cuts, cuts[1:], strict=False)
        ]
        got = pa.concat_tables(parts)
        assert got.num_rows == whole.num_rows == 250_000
        assert got["byte_offset"].equals(whole["byte_offset"])
        assert got["id"].equals(whole["id"])


@pytest.mark.parametrize(
    "name", ["marc_in_json_traject_lc.ndjson", "oai_pmh_listrecords_pod_stanford.xml"]
)
def test_text_formats_split_too(name: str) -> None:
    path = FORMATS / name
    ranges = marcarrow.splits(path, 2000)
    assert len(ranges) > 3
    got = [r for br in ranges for r in problems_of(path, byte_range=br)[0]]
    assert got == problems_of(path)[0]


def test_byte_range_options() -> None:
    sample = marcarrow.SAMPLE
    with pytest.raises(ValueError, match="byte_range"):
        marcarrow.read_arrow(sample, byte_range=(10, 5))
    with pytest.raises(TypeError, match="byte_range"):
        marcarrow.read_arrow(sample, byte_range="0-10")
    # Compressed objects are one range, read by the range that holds 0.
    import gzip

    gz = gzip.compress(sample.read_bytes())
    assert marcarrow.splits(gz, 1000) == [(0, len(gz))]
    assert marcarrow.read_arrow(gz, byte_range=(0, 10)).num_rows == 386
    assert marcarrow.read_arrow(gz, byte_range=(10, len(gz))).num_rows == 0
    # A stream that cannot seek cannot be split.
    r, w = os.pipe()
    with os.fdopen(r, "rb") as f, pytest.raises(ValueError, match="cannot seek"):
        os.close(w)
        marcarrow.splits(f, 1000)


def test_lists_and_globs_have_a_source_column(tmp_path: Path) -> None:
    for i in range(3):
        shutil.copy(marcarrow.SAMPLE, tmp_path / f"part-{i}.mrc")
    t = marcarrow.read_arrow(str(tmp_path / "part-*.mrc"), columns={"id": "001"})
    assert t.num_rows == 3 * 386
    assert t.column_names == ["source", "id"]
    assert sorted(set(t["source"].to_pylist())) == [
        str(tmp_path / f"part-{i}.mrc") for i in range(3)
    ]
    df = marcarrow.read_polars([marcarrow.SAMPLE, marcarrow.SAMPLE])
    assert df.columns[0] == "source" and df.height == 772
    with pytest.raises(FileNotFoundError, match="no input matches"):
        marcarrow.read_arrow(str(tmp_path / "nothing-*.mrc"))


# -- remote objects ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder, answering Range requests, and counts the GETs."""

    gets: list[tuple[str, str | None]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        path = Path(self.translate_path(self.path))
        rng = self.headers.get("Range")
        RangeHandler.gets.append((self.path, rng))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng or "")
        if m is None:
            self.send_response(200)
            body = data
        else:
            a = int(m.group(1))
            b = min(int(m.group(2)) + 1 if m.group(2) else len(data), len(data))
            body = data[a:b]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {a}-{b - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:  # noqa: N802
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(path.stat().st_size))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()


@pytest.fixture(scope="module")
def http_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    pytest.importorskip("aiohttp")
    root = tmp_path_factory.mktemp("http")
    big = marcarrow.SAMPLE.read_bytes() * 80  # 42 MB: several fsspec blocks
    (root / "big.mrc").write_bytes(big)
    shutil.copy(FORMATS / "oai_pmh_listrecords_pod_stanford.xml", root / "oai.xml")

    def handler(*a: object, **k: object) -> RangeHandler:
        return RangeHandler(*a, directory=str(root), **k)  # type: ignore[arg-type]

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()


def test_http_objects_are_read_in_large_range_requests(http_root: tuple[str, Path]) -> None:
    url, root = http_root
    local = marcarrow.read_arrow(root / "big.mrc", columns={"id": "001"})
    RangeHandler.gets.clear()
    remote = marcarrow.read_arrow(f"{url}/big.mrc", columns={"id": "001"})
    assert remote.equals(local)
    ranged = [g for g in RangeHandler.gets if g[1] is not None]
    size = (root / "big.mrc").stat().st_size
    # Large sequential blocks: a handful of requests for 42 MB, none small.
    assert 1 <= len(ranged) <= size // marcarrow._remote.BLOCK_SIZE + 3, ranged
    # Byte ranges of a remote object read every record once.
    ranges = marcarrow.splits(f"{url}/big.mrc", 10_000_000)
    assert len(ranges) == 5
    parts = [
        marcarrow.read_arrow(f"{url}/big.mrc", byte_range=r, columns={"id": "001"}) for r in ranges
    ]
    assert pa.concat_tables(parts).equals(local)
    # The command line takes URLs too.
    import json
    import subprocess

    out = subprocess.run(
        [sys.executable, "-m", "marcarrow", "stats", f"{url}/big.mrc", "--json"],
        capture_output=True,
        check=True,
    ).stdout
    assert json.loads(out)["records"] == local.num_rows
    xml = marcarrow.read_arrow(f"{url}/oai.xml")
    assert xml.equals(marcarrow.read_arrow(root / "oai.xml"))


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, object]]:
    """A real S3-compatible server (moto's server mode) on 127.0.0.1."""
    pytest.importorskip("s3fs")
    server_mod = pytest.importorskip("moto.server")
    mp = pytest.MonkeyPatch()
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        mp.setenv(k, v)
    port = free_port()
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    opts: dict[str, object] = {
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"endpoint_url": f"http://127.0.0.1:{port}", "region_name": "us-east-1"},
    }
    import boto3
    import s3fs

    boto3.client(
        "s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1"
    ).create_bucket(Bucket="marc")
    fs = s3fs.S3FileSystem(**opts)
    fs.put(str(marcarrow.SAMPLE), "marc/loc/part-0.mrc")
    fs.put(str(data_file("pride-many-errors-383.mrc")), "marc/loc/part-1.mrc")
    fs.put(str(FORMATS / "marc_in_json_traject_lc.ndjson"), "marc/lc.ndjson")
    yield opts
    server.stop()
    mp.undo()


def test_s3_objects_globs_and_ranges(s3: dict[str, object]) -> None:
    so = s3
    one = marcarrow.read_arrow("s3://marc/loc/part-0.mrc", storage_options=so)
    assert one.equals(marcarrow.read_arrow(marcarrow.SAMPLE))
    both = marcarrow.read_arrow("s3://marc/loc/*.mrc", storage_options=so, errors="skip")
    assert both.column_names[0] == "source"
    assert both["source"].unique().to_pylist() == [
        "s3://marc/loc/part-0.mrc",
        "s3://marc/loc/part-1.mrc",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = marcarrow.read_arrow(data_file("pride-many-errors-383.mrc"), errors="skip")
    assert both.num_rows == 386 + local.num_rows
    ranges = marcarrow.splits("s3://marc/lc.ndjson", 3000, storage_options=so)
    assert len(ranges) > 2
    got = [
        marcarrow.read_arrow("s3://marc/lc.ndjson", byte_range=r, storage_options=so)
        for r in ranges
    ]
    assert pa.concat_tables(got).equals(
        marcarrow.read_arrow(FORMATS / "marc_in_json_traject_lc.ndjson")
    )
    s = marcarrow.summarize("s3://marc/loc/part-0.mrc", storage_options=so)
    assert s["records"] == 386


# -- Dask and Spark ----------------------------------------------------------


def checksum(values: list[object]) -> str:
    return hashlib.sha256("\n".join(sorted(map(str, values))).encode()).hexdigest()


def test_dask_on_a_local_cluster_of_processes(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("dask.dataframe")
    import duckdb

    import marcarrow.dask

    files = [marcarrow.SAMPLE, data_file("uva-marc8-2000.mrc")]
    columns = {"id": "001", "title": "245$a", "lang": "008/35-37"}
    expected = marcarrow.read_arrow([str(f) for f in files], columns=columns)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        distributed.Client(cluster),
    ):
        df = marcarrow.dask.read_marc([str(f) for f in files], blocksize="200KB", columns=columns)
        assert df.npartitions > 6
        got = pa.Table.from_pandas(df.compute(), preserve_index=False)
        assert got.to_pylist() == expected.to_pylist()
        # Projection reaches columns=: only the title path is read.
        titles = df[["title"]].compute()
        assert list(titles.columns) == ["title"] and len(titles) == expected.num_rows
        df.to_parquet(str(tmp_path / "pq"))
    [(n, ids)] = duckdb.sql(
        f"select count(*), count(distinct id) from '{tmp_path / 'pq'}/*.parquet'"
    ).fetchall()
    assert n == expected.num_rows
    assert ids == len(set(map(str, expected["id"].to_pylist())))


@pytest.mark.timeout(600)
def test_spark_python_data_source(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime")
    from pyspark.sql import SparkSession

    import marcarrow.spark

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    for i, f in enumerate([marcarrow.SAMPLE, data_file("uva-marc8-2000.mrc")]):
        shutil.copy(f, tmp_path / f"part-{i}.mrc")
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    try:
        spark.dataSource.register(marcarrow.spark.MarcDataSource)
        pattern = str(tmp_path / "part-*.mrc")
        df = (
            spark.read.format("marc")
            .option("blocksize", "300KB")
            .option("columns", '{"id": "001", "title": "245$a"}')
            .load(pattern)
        )
        expected = marcarrow.read_arrow(pattern, columns={"id": "001", "title": "245$a"})
        assert df.count() == expected.num_rows
        got = [list(r["id"]) for r in df.select("id").collect()]
        assert checksum(got) == checksum(expected["id"].to_pylist())
        nested = spark.read.format("marc").option("blocksize", "100KB").load(str(marcarrow.SAMPLE))
        assert nested.count() == 386
        assert nested.select("leader").distinct().count() == len(
            set(marcarrow.read_arrow(marcarrow.SAMPLE)["leader"].to_pylist())
        )
    finally:
        spark.stop()
