"""to_parquet: lossless round trips, multiple inputs, metadata, atomic writes."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import marcarrow
from conftest import DATA, data_file

FIXTURES = sorted(
    str(p.relative_to(DATA))
    for p in [*DATA.glob("*.mrc"), *DATA.glob("pymarc/*.dat"), *DATA.glob("pymarc/*.mrc")]
)


@pytest.mark.parametrize("layout", ["nested", "long"])
@pytest.mark.parametrize("name", FIXTURES)
def test_round_trip_every_fixture(name: str, layout: str, tmp_path: Path) -> None:
    path = data_file(name)
    out = tmp_path / "out.parquet"
    kw = {"layout": layout, "errors": "lenient", "encoding_errors": "replace"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", marcarrow.MarcWarning)
        summary = marcarrow.to_parquet(path, out, **kw)  # type: ignore[arg-type]
        expected = marcarrow.read_arrow(path, **kw)  # type: ignore[arg-type]
    assert summary["records"] == (
        expected.num_rows
        if layout == "nested"
        else expected.filter(pa.compute.equal(expected["tag"], "LDR")).num_rows
    )
    assert summary["bytes_out"] == out.stat().st_size
    got = pq.read_table(out)
    assert got.equals(expected)
    assert pl.read_parquet(out).equals(pl.from_arrow(expected))
    rows = duckdb.sql(f"select count(*) from '{out}'").fetchall()[0][0]
    assert rows == expected.num_rows


def test_duckdb_reads_the_same_values(tmp_path: Path) -> None:
    path = data_file("loc-bib-386.mrc")
    out = tmp_path / "long.parquet"
    marcarrow.to_parquet(path, out, layout="long")
    t = marcarrow.read_arrow(path, layout="long")  # noqa: F841 (named in the SQL)
    q = "select tag, code, value from {} where tag = '650' and code = 'a' order by 1, 2, 3"
    a = duckdb.sql(q.format(f"'{out}'")).fetchall()
    b = duckdb.sql(q.format("t")).fetchall()
    assert a == b and len(a) > 100


def test_metadata_and_multiple_sources(tmp_path: Path) -> None:
    a, b = data_file("loc-bib-386.mrc"), data_file("loc-auth-150.mrc")
    out = tmp_path / "both.parquet"
    s = marcarrow.to_parquet([a, b], out, compression="snappy")
    assert s["records"] == 386 + 150
    meta = pq.read_metadata(out)
    kv = {k.decode(): v.decode() for k, v in meta.metadata.items()}
    assert kv["marcarrow.version"] == marcarrow.__version__
    assert kv["marcarrow.layout"] == "nested"
    assert json.loads(kv["marcarrow.sources"]) == [str(a), str(b)]
    t = pq.read_table(out)
    assert t.column_names[0] == "source"
    assert t.column("source").to_pylist() == [str(a)] * 386 + [str(b)] * 150
    single = marcarrow.read_arrow(a)
    assert t.slice(0, 386).drop_columns(["source"]).equals(single)


def test_inputs_of_every_kind(tmp_path: Path) -> None:
    path = data_file("loc-bib-386.mrc")
    data = path.read_bytes()
    expected = marcarrow.read_arrow(path)
    for src in (data, bytearray(data), memoryview(data), open(path, "rb")):  # noqa: SIM115
        out = tmp_path / "x.parquet"
        marcarrow.to_parquet(src, out)
        assert pq.read_table(out).equals(expected)


def test_failed_run_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "bad.parquet"
    with pytest.raises(marcarrow.MarcError):
        marcarrow.to_parquet(data_file("pride-many-errors-383.mrc"), out)
    assert list(tmp_path.iterdir()) == []
    # An existing dest is left as it was.
    out.write_bytes(b"old")
    with pytest.raises(marcarrow.MarcError):
        marcarrow.to_parquet(data_file("pride-many-errors-383.mrc"), out)
    assert out.read_bytes() == b"old" and len(list(tmp_path.iterdir())) == 1
    with pytest.raises(FileNotFoundError):
        marcarrow.to_parquet(data_file("loc-bib-386.mrc"), tmp_path / "no" / "dir.parquet")


def test_lenient_warns_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "p.parquet"
    with pytest.warns(marcarrow.MarcWarning, match="85 problem"):
        s = marcarrow.to_parquet(data_file("pride-many-errors-383.mrc"), out, errors="skip")
    assert s["records"] == 298 and len(s["errors"]) == 85
    assert pq.read_table(out).num_rows == 298


def test_options_are_checked(tmp_path: Path) -> None:
    path = data_file("loc-bib-386.mrc")
    with pytest.raises(ValueError, match="compression must be"):
        marcarrow.to_parquet(path, tmp_path / "x", compression="gzip")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="zstd only"):
        marcarrow.to_parquet(path, tmp_path / "x", compression="snappy", compression_level=3)
    s = marcarrow.to_parquet(path, tmp_path / "z.parquet", compression_level=19, row_group_size=100)
    assert pq.read_metadata(tmp_path / "z.parquet").num_row_groups == 4
    assert s["records"] == 386


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs /proc")
def test_export_leaves_no_thread(tmp_path: Path) -> None:
    """The encoder and appender threads end with the export, whether it
    finishes or fails half-way (a strict error after some row groups). The
    first export starts Rayon's global pool, which stays."""
    marcarrow.to_parquet(data_file("loc-bib-386.mrc"), tmp_path / "a.parquet")
    before = len(os.listdir("/proc/self/task"))
    for layout in ("nested", "long"):
        marcarrow.to_parquet(
            data_file("loc-bib-386.mrc"), tmp_path / "a.parquet", layout=layout, row_group_size=50
        )
        assert len(os.listdir("/proc/self/task")) == before, layout
    with pytest.raises(marcarrow.MarcError):
        marcarrow.to_parquet(
            data_file("pride-many-errors-383.mrc"), tmp_path / "b.parquet", row_group_size=5
        )
    assert len(os.listdir("/proc/self/task")) == before
    assert not (tmp_path / "b.parquet").exists()
