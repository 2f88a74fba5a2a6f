"""Writing MARC: pymarc 5.4 reads what marcarrow writes, on real files;
every Arrow source; bad tables, oversize records and interruptions leave
nothing behind; the CLI's convert and filter.

The oracle: for every fixture of ../shared/data, the records marcarrow reads
are written as MARCXML, MARC-in-JSON (array and NDJSON) and MARCMaker text,
and pymarc's own readers must read each back to the same records (and, for
ISO 2709, to the same records pymarc reads from the original file).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pymarc
import pytest

import marcarrow
from conftest import data_file
from test_formats import FIXTURES, Rec, from_pymarc, from_table, pymarc_records, quiet


def utf8_leader(rec: Rec) -> Rec:
    """Unicode output says so: leader/09 is ``a``."""
    return rec[0][:9] + "a" + rec[0][10:], rec[1]


MNEMONIC = re.compile(r"\{(dollar|lcub|rcub|bsol|[0-9A-F]{2})\}")
NAMES = {"dollar": "$", "lcub": "{", "rcub": "}", "bsol": "\\"}


def unmnemonic(s: str) -> str:
    return MNEMONIC.sub(lambda m: NAMES.get(m[1]) or chr(int(m[1], 16)), s)


def from_marcmaker(r: pymarc.Record) -> Rec:
    """pymarc's MARCMakerReader keeps MARCMaker's markup (``\\`` for a blank,
    mnemonics such as ``{dollar}``): undone, in that order."""
    leader, fields = from_pymarc(r)
    out = []
    for f in fields:
        if len(f) == 2:
            out.append((f[0], unmnemonic(f[1].replace("\\", " "))))
        else:
            subs = tuple((c, unmnemonic(v)) for c, v in f[3])
            out.append((f[0], f[1].replace("\\", " "), f[2].replace("\\", " "), subs))
    return leader.replace("\\", " "), tuple(out)


@pytest.fixture(scope="module", params=FIXTURES)
def table(request: pytest.FixtureRequest) -> tuple[Path, pa.Table]:
    path = data_file(request.param)
    with quiet():
        return path, marcarrow.read_arrow(path, errors="skip")


@pytest.mark.parametrize("fmt", ["marcxml", "json", "ndjson", "mrk"])
def test_pymarc_reads_what_we_write(table: tuple[Path, pa.Table], fmt: str) -> None:
    path, t = table
    out = io.BytesIO()
    assert marcarrow.write_marc(t, out, format=fmt)["records"] == t.num_rows
    data = out.getvalue()
    want = [utf8_leader(r) for r in from_table(t)]
    with quiet():
        if fmt == "marcxml":
            theirs = [from_pymarc(r) for r in pymarc.parse_xml_to_array(io.BytesIO(data))]
        elif fmt == "json":
            theirs = [from_pymarc(r) for r in pymarc.JSONReader(data.decode())]
        elif fmt == "ndjson":
            lines = data.decode().splitlines()
            assert len(lines) == t.num_rows
            theirs = [from_pymarc(next(iter(pymarc.JSONReader(x)))) for x in lines]
        elif data:  # pymarc reads "" as one empty record
            theirs = [from_marcmaker(r) for r in pymarc.MARCMakerReader(data.decode())]
        else:
            theirs = []
    assert theirs == want
    # And marcarrow reads it back to the same table.
    back = marcarrow.read_arrow(data)
    assert from_table(back) == want


def test_iso2709_matches_pymarc_on_the_original(table: tuple[Path, pa.Table]) -> None:
    path, t = table
    out = io.BytesIO()
    marcarrow.write_marc(t, out, format="marc", oversize="skip")
    with quiet():
        ours = [from_pymarc(r) for r in pymarc.MARCReader(out.getvalue()) if r is not None]
        original = [utf8_leader(from_pymarc(r)) for r in pymarc_records(path)]
    # Lengths and base address are recomputed; pymarc keeps the leader.
    strip = lambda r: (r[0][5:12] + r[0][17:], r[1])  # noqa: E731
    mine = [strip(r) for r in ours]
    if len(original) == t.num_rows:  # both readers took the same records
        assert mine == [strip(r) for r in original]
    else:  # pymarc and marcarrow skip different broken records
        assert mine == [strip(utf8_leader(r)) for r in from_table(t)][: len(mine)]


def test_every_arrow_source(tmp_path: Path) -> None:
    import duckdb
    import polars as pl

    original = marcarrow.SAMPLE.read_bytes()
    t = marcarrow.read_arrow(marcarrow.SAMPLE)
    df = marcarrow.read_polars(marcarrow.SAMPLE)
    con = duckdb.connect()
    con.register("t", t)
    sources: dict[str, Any] = {
        "read_batches": marcarrow.read_batches(marcarrow.SAMPLE, batch_size=50),
        "table": t,
        "record batch reader": pa.RecordBatchReader.from_batches(t.schema, t.to_batches(100)),
        "batches": t.to_batches(77),
        "polars": df,
        "lazyframe": df.lazy(),
        "duckdb": con.sql("select * from t"),
        "long": marcarrow.read_arrow(marcarrow.SAMPLE, layout="long"),
        "long, polars": marcarrow.read_polars(marcarrow.SAMPLE, layout="long"),
        "provenance": marcarrow.read_arrow(marcarrow.SAMPLE, provenance=True),
        "views": marcarrow.read_arrow(marcarrow.SAMPLE, string_type="string_view"),
    }
    for name, data in sources.items():
        out = io.BytesIO()
        assert marcarrow.write_marc(data, out, format="marc")["records"] == 386, name
        assert out.getvalue() == original, name
    # A polars edit, written back: the change and nothing else.
    edited = df.with_columns(
        pl.col("leader").str.slice(0, 5) + "cam" + pl.col("leader").str.slice(8)
    )
    p = tmp_path / "edited.mrc"
    marcarrow.write_marc(edited, p)
    assert [r["leader"][5:8] for r in marcarrow.read_arrow(p).to_pylist()] == ["cam"] * 386


def test_compressed_destinations(tmp_path: Path) -> None:
    import bz2
    import gzip

    import zstandard

    t = marcarrow.read_arrow(marcarrow.SAMPLE)
    for ext, open_ in [(".gz", gzip.decompress), (".bz2", bz2.decompress)]:
        p = tmp_path / f"x.mrc{ext}"
        marcarrow.write_marc(t, p)
        assert open_(p.read_bytes()) == marcarrow.SAMPLE.read_bytes()
    p = tmp_path / "x.xml.zst"
    marcarrow.write_marc(t, p)
    xml = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(p.read_bytes())).read()
    assert xml.startswith(b"<?xml") and marcarrow.read_arrow(p).equals(t)


BAD: list[tuple[str, Any, str, int | None]] = [
    # (case, how to spoil the first two rows, column, row)
    ("missing leader", lambda t: t.drop_columns(["leader"]), "leader", None),
    ("short leader", lambda t: spoil_leader(t, "x" * 23), "leader", 1),
    ("long leader", lambda t: spoil_leader(t, "x" * 25), "leader", 1),
    ("null leader", lambda t: spoil_leader(t, None), "leader", 1),
    ("not a table of records", lambda t: pa.table({"a": [1, 2]}), "leader", None),
]


def spoil_leader(t: pa.Table, value: str | None) -> pa.Table:
    leaders = t["leader"].to_pylist()
    leaders[1] = value
    return t.set_column(0, "leader", pa.array(leaders))


def spoil_field(t: pa.Table, key: str, value: Any, sub: bool = False) -> pa.Table:
    rows = t.to_pylist()
    f = next(f for f in rows[1]["fields"] if f["subfields"])
    if sub:
        f["subfields"][0][key] = value
    else:
        f[key] = value
    return pa.Table.from_pylist(rows, schema=t.schema)


BAD += [
    ("two-character tag", lambda t: spoil_field(t, "tag", "24"), "fields.tag", 1),
    ("four-character tag", lambda t: spoil_field(t, "tag", "2451"), "fields.tag", 1),
    ("two-character indicator", lambda t: spoil_field(t, "ind1", "10"), "fields.ind1", 1),
    (
        "empty subfield code",
        lambda t: spoil_field(t, "code", "", sub=True),
        "fields.subfields.code",
        1,
    ),
    (
        "two-character code",
        lambda t: spoil_field(t, "code", "ab", sub=True),
        "fields.subfields.code",
        1,
    ),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_tables_name_column_and_row(tmp_path: Path, case: Any) -> None:
    _, spoil, column, row = case
    t = spoil(marcarrow.read_arrow(marcarrow.SAMPLE)[:3])
    for fmt in ("x.mrc", "x.xml", "x.jsonl", "x.mrk"):
        dest = tmp_path / fmt
        with pytest.raises(marcarrow.WriteError) as e:
            marcarrow.write_marc(t, dest)
        assert (e.value.column, e.value.row) == (column, row), str(e.value)
        assert column in str(e.value)
        assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_oversize_records(tmp_path: Path) -> None:
    with quiet():
        t = marcarrow.read_arrow(data_file("hathi-oversize-5.mrc"), errors="lenient")
    dest = tmp_path / "big.mrc"
    with pytest.raises(marcarrow.WriteError) as e:
        marcarrow.write_marc(t, dest)
    assert "99,999" in str(e.value) and "MARCXML" in str(e.value)
    assert e.value.row is not None and e.value.control_number
    assert list(tmp_path.iterdir()) == []
    with pytest.warns(marcarrow.MarcWarning):
        s = marcarrow.write_marc(t, dest, oversize="skip")
    assert s["records"] + len(s["errors"]) == 5 and s["errors"]
    assert {p.kind for p in s["errors"]} == {"Oversize"}
    assert marcarrow.read_arrow(dest).num_rows == s["records"]
    # MARCXML has no such limit.
    xml = tmp_path / "big.xml"
    assert marcarrow.write_marc(t, xml)["records"] == 5
    assert from_table(marcarrow.read_arrow(xml)) == [utf8_leader(r) for r in from_table(t)]


def test_an_interrupted_write_leaves_nothing(tmp_path: Path) -> None:
    t = marcarrow.read_arrow(marcarrow.SAMPLE)

    def batches() -> Any:
        yield from t.to_batches(100)[:2]
        raise KeyboardInterrupt

    reader = pa.RecordBatchReader.from_batches(t.schema, batches())
    dest = tmp_path / "out.mrc"
    dest.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="KeyboardInterrupt"):
        marcarrow.write_marc(reader, dest)
    assert dest.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mrc"]


def test_ctrl_c_in_the_cli_leaves_nothing(tmp_path: Path) -> None:
    """A real SIGINT while `convert` writes a large file."""
    import signal
    import time

    big = tmp_path / "big.mrc"
    big.write_bytes(marcarrow.SAMPLE.read_bytes() * 400)
    dest = tmp_path / "out.xml"
    p = subprocess.Popen(
        [sys.executable, "-m", "marcarrow", "convert", str(big), "-o", str(dest), "-q"],
        stderr=subprocess.PIPE,
    )
    time.sleep(0.6)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    if p.returncode == 0:
        pytest.skip("the conversion finished before the signal")
    assert p.returncode == 130, err
    assert sorted(x.name for x in tmp_path.iterdir()) == ["big.mrc"]


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "marcarrow", *args], input=stdin, capture_output=True, timeout=120
    )


def test_cli_convert_between_formats(tmp_path: Path) -> None:
    sample = str(marcarrow.SAMPLE)
    xml, mrc, jsonl, pq, back = (
        tmp_path / n for n in ("b.xml", "b.mrc", "b.jsonl", "b.parquet", "c.mrc")
    )
    assert cli("convert", sample, "-o", str(xml)).returncode == 0
    assert cli("convert", str(xml), "-o", str(mrc)).returncode == 0
    assert mrc.read_bytes() == marcarrow.SAMPLE.read_bytes()
    assert cli("convert", str(mrc), "-o", str(jsonl)).returncode == 0
    assert len(jsonl.read_text().splitlines()) == 386
    assert cli("convert", sample, "-o", str(pq)).returncode == 0
    r = cli("convert", str(pq), "-o", str(back))
    assert r.returncode == 0, r.stderr
    assert back.read_bytes() == marcarrow.SAMPLE.read_bytes()
    # Standard output needs --to.
    r = cli("convert", sample, "-o", "-", "--to", "mrk", "-q")
    assert r.returncode == 0 and r.stdout.count(b"=LDR  ") == 386
    # No MARC extension and no --to: Parquet, as convert always wrote.
    r = cli("convert", sample, "-o", str(tmp_path / "x.unknown"))
    assert r.returncode == 0 and (tmp_path / "x.unknown").read_bytes()[:4] == b"PAR1"
    r = cli("filter", sample, "--where", "has 245", "-o", "-")
    assert r.stdout[:4] == b"PAR1"
    # MARC-8 out, back in.
    m8 = tmp_path / "m8.mrc"
    assert cli("convert", sample, "-o", str(m8), "--to-encoding", "marc-8").returncode == 0
    a, b = marcarrow.read_arrow(m8).to_pylist(), marcarrow.read_arrow(mrc).to_pylist()
    assert [r["fields"] for r in a] == nfc([r["fields"] for r in b])
    assert all(r["leader"][9] == " " for r in a)


def test_cli_filter(tmp_path: Path) -> None:
    sample = str(marcarrow.SAMPLE)
    out = tmp_path / "maps.xml"
    r = cli("filter", sample, "--where", "LDR/06 == 'e'", "-o", str(out))
    assert r.returncode == 0, r.stderr
    want = marcarrow.read_arrow(marcarrow.SAMPLE, where="LDR/06 == 'e'")
    got = marcarrow.read_arrow(out)
    assert got.num_rows == want.num_rows > 0
    assert b"of 386 records" in r.stderr
    # Only some fields, and as ISO 2709 through standard output.
    r = cli(
        "filter",
        sample,
        "--where",
        "LDR/06 == 'e'",
        "--tags",
        "001,245",
        "-o",
        "-",
        "--to",
        "marc",
        "-q",
    )
    t = marcarrow.read_arrow(r.stdout)
    assert t.num_rows == want.num_rows
    assert {f["tag"] for row in t.to_pylist() for f in row["fields"]} == {"001", "245"}
    assert cli("filter", sample, "-o", str(out)).returncode == 2  # --where is required
    # A strict read of a broken file fails with the record's position.
    r = cli(
        "filter",
        str(data_file("pride-many-errors-383.mrc")),
        "--where",
        "has 245",
        "-o",
        str(tmp_path / "p.mrc"),
    )
    assert r.returncode == 1 and b"record" in r.stderr
    assert not (tmp_path / "p.mrc").exists()


def test_parquet_and_back_is_byte_exact(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    for layout in ("nested", "long"):
        p = tmp_path / f"{layout}.parquet"
        marcarrow.to_parquet(marcarrow.SAMPLE, p, layout=layout, row_group_size=100)
        f = pq.ParquetFile(p)
        stream = pa.RecordBatchReader.from_batches(f.schema_arrow, f.iter_batches(batch_size=37))
        out = io.BytesIO()
        marcarrow.write_marc(stream, out, format="marc")
        assert out.getvalue() == marcarrow.SAMPLE.read_bytes(), layout


def test_corpus_round_trip_is_byte_exact(corpus: Path, tmp_path: Path) -> None:
    """The 250,000 LoC records: read into Arrow and written back as ISO 2709,
    directly and through Parquet, every record equals its original bytes."""
    import pyarrow.parquet as pq

    original = corpus.read_bytes()
    out = tmp_path / "corpus.mrc"
    s = marcarrow.convert(corpus, out)
    assert s["records"] == s["records_read"] > 200_000 and not s["errors"]
    assert out.read_bytes() == original
    out.unlink()
    p = tmp_path / "corpus.parquet"
    marcarrow.to_parquet(corpus, p)
    f = pq.ParquetFile(p)
    marcarrow.write_marc(pa.RecordBatchReader.from_batches(f.schema_arrow, f.iter_batches()), out)
    assert out.read_bytes() == original


MARC8_FIXTURES = ["uva-marc8-2000.mrc", "pymarc/marc8.dat", "pymarc/marc.dat", "pymarc/test.dat"]


def nfc(x: Any) -> Any:
    """MARC-8 cannot tell a precomposed character from its base and marks:
    text comes back NFC-normalised (as pymarc reads MARC-8 too)."""
    import unicodedata

    if isinstance(x, str):
        return unicodedata.normalize("NFC", x)
    if isinstance(x, list | tuple):
        return type(x)(nfc(v) for v in x)
    if isinstance(x, dict):
        return {k: nfc(v) for k, v in x.items()}
    return x


@pytest.mark.parametrize("name", MARC8_FIXTURES)
def test_marc8_round_trip(name: str, tmp_path: Path) -> None:
    """MARC-8 records read (to Unicode) and written back as MARC-8 read back
    to the same Unicode; leader/09 says MARC-8."""
    with quiet():
        t = marcarrow.read_arrow(data_file(name), errors="skip")
    marc8 = [r for r in t.to_pylist() if r["leader"][9] == " "]
    assert marc8, "no MARC-8 records in the fixture"
    out = tmp_path / "m8.mrc"
    assert marcarrow.write_marc(t, out, encoding="marc-8")["records"] == t.num_rows
    back = marcarrow.read_arrow(out).to_pylist()
    assert [r["fields"] for r in back] == nfc([r["fields"] for r in t.to_pylist()])
    assert all(r["leader"][9] == " " for r in back)
    raw = out.read_bytes()
    assert all(b < 0x80 or b >= 0xA0 for b in raw)  # no C1 controls: real MARC-8
    # pymarc reads the MARC-8 we write to the same text (it keeps a
    # character reference as text, where marcarrow gives the character).
    with quiet():
        theirs = [from_pymarc(r)[1] for r in pymarc.MARCReader(raw) if r is not None]
    ours = [f for f in from_table(marcarrow.read_arrow(out))]
    assert len(theirs) == len(ours)
    same = sum(a == b[1] for a, b in zip(theirs, ours, strict=True))
    with_refs = sum(b"&#x" in r for r in raw.split(b"\x1d"))
    assert same >= len(ours) - with_refs


def test_marc8_references_for_characters_outside_it(tmp_path: Path) -> None:
    t = marcarrow.read_arrow(marcarrow.SAMPLE)[:1]
    rows = t.to_pylist()
    f = next(f for f in rows[0]["fields"] if f["subfields"])
    text = (
        "Snow \u2603, caf\u00e9, \u041c\u043e\u0441\u043a\u0432\u0430 "
        "\u05e9\u05dc\u05d5\u05dd, \U0001f600 & &#x41; H\u2082O"
    )
    f["subfields"][0]["value"] = text
    t = pa.Table.from_pylist(rows, schema=t.schema)
    out = io.BytesIO()
    marcarrow.write_marc(t, out, format="marc", encoding="marc-8")
    raw = out.getvalue()
    assert b"&#x2603;" in raw and b"\x1b" in raw  # a reference, and escapes
    assert raw[9:10] == b" "
    back = marcarrow.read_arrow(raw).to_pylist()[0]
    g = next(g for g in back["fields"] if g["tag"] == f["tag"] and g["subfields"])
    assert g["subfields"][0]["value"] == text


def test_a_character_xml_cannot_hold(tmp_path: Path) -> None:
    """A real LoC record has a stray 0x1F at the end of a control field:
    ISO 2709 and JSON take it, MARCXML cannot."""
    t = marcarrow.read_arrow(marcarrow.SAMPLE)[:3]
    rows = t.to_pylist()
    rows[1]["fields"][0]["value"] += "\x1f"
    t = pa.Table.from_pylist(rows, schema=t.schema)
    dest = tmp_path / "x.xml"
    with pytest.raises(marcarrow.WriteError) as e:
        marcarrow.write_marc(t, dest)
    assert e.value.row == 1 and "U+001F" in str(e.value) and "oversize" in str(e.value)
    assert not dest.exists()
    with pytest.warns(marcarrow.MarcWarning):
        s = marcarrow.write_marc(t, dest, oversize="skip")
    assert s["records"] == 2 and [p.kind for p in s["errors"]] == ["Unwritable"]
    marcarrow.write_marc(t, tmp_path / "x.mrc")
    assert from_table(marcarrow.read_arrow(tmp_path / "x.mrc"))[1][1][0][1].endswith("\x1f")
    marcarrow.write_marc(t, tmp_path / "x.jsonl")
    lines = (tmp_path / "x.jsonl").read_text().splitlines()
    assert from_pymarc(next(iter(pymarc.JSONReader(lines[1]))))[1][0][1].endswith("\x1f")


def _space_in_a_non_latin_set(rec: bytes) -> bool:
    """Whether a value of this MARC-8 record has a space (0x20) while G0 is
    a set other than Basic Latin, ANSEL or EACC (escapes followed as the
    MARC-8 decoder does)."""
    base = int(rec[12:17])
    for value in re.split(rb"[\x1e\x1f]", rec[base:]):
        g0, i = b"B", 0
        while i < len(value):
            if value[i] == 0x1B:
                n = value[i + 1 : i + 2]
                if n in (b"(", b",", b"$"):
                    j = i + 2 + (value[i + 2 : i + 3] == b",")
                    g0, i = value[j : j + 1], j + 1
                elif n in (b")", b"-"):
                    i += 3
                else:
                    g0, i = (b"B" if n == b"s" else n), i + 2
                continue
            if value[i] == 0x20 and g0 not in (b"B", b"E", b"1"):
                return True
            i += 3 if g0 == b"1" else 1
    return False


def test_real_records_with_a_space_in_a_non_latin_set(tmp_path: Path) -> None:
    """SolrMarc's test records (tests/data/marc8/PROVENANCE.md): a space
    inside subscripts, Arabic, Hebrew and Cyrillic runs is a space. Read as
    pymarc reads them, without a problem, and written back as MARC-8."""
    here = Path(__file__).parent / "data" / "marc8"
    found = 0
    for name in ("specTestRecs.mrc", "u5278992.mrc"):
        data = (here / name).read_bytes()
        for rec in (r + b"\x1d" for r in data.split(b"\x1d") if len(r) > 24):
            if rec[9:10] != b" " or not _space_in_a_non_latin_set(rec):
                continue
            found += 1
            ours = marcarrow.read_arrow(rec, encoding_errors="strict")  # raises on a loss
            with quiet():
                theirs = [from_pymarc(r) for r in pymarc.MARCReader(rec)]
            assert from_table(ours) == theirs
            out = io.BytesIO()
            marcarrow.write_marc(ours, out, format="marc", encoding="marc-8")
            back = marcarrow.read_arrow(out.getvalue(), encoding_errors="strict")
            # The same fields; the leader's length and base address are the
            # new encoding's.
            strip = [(r[0][5:12] + r[0][17:], r[1]) for r in from_table(back)]
            assert strip == [(r[0][5:12] + r[0][17:], r[1]) for r in from_table(ours)]
    assert found == 7


@pytest.mark.parametrize("bad", ["\x1e", "\x1d", "\x1f"])
def test_a_delimiter_inside_a_value_never_corrupts_iso2709(tmp_path: Path, bad: str) -> None:
    """A field or record terminator in a value, or a subfield delimiter in
    a subfield's value, would silently change the record: not written."""
    t = marcarrow.read_arrow(marcarrow.SAMPLE)[:3]
    rows = t.to_pylist()
    f = next(f for f in rows[1]["fields"] if f["subfields"])
    f["subfields"][0]["value"] += bad + "x"
    t = pa.Table.from_pylist(rows, schema=t.schema)
    dest = tmp_path / "x.mrc"
    with pytest.raises(marcarrow.WriteError) as e:
        marcarrow.write_marc(t, dest)
    assert e.value.row == 1 and f["tag"] in str(e.value)
    assert not dest.exists()
    with pytest.warns(marcarrow.MarcWarning):
        s = marcarrow.write_marc(t, dest, oversize="skip")
    assert s["records"] == 2 and [p.kind for p in s["errors"]] == ["Unwritable"]
    assert marcarrow.read_arrow(dest, errors="strict").num_rows == 2
    # MARC-8 writes the character as a reference instead: nothing lost.
    marcarrow.write_marc(t, dest, encoding="marc-8")
    back = marcarrow.read_arrow(dest).to_pylist()[1]
    g = next(g for g in back["fields"] if g["tag"] == f["tag"] and g["subfields"])
    assert g["subfields"][0]["value"] == f["subfields"][0]["value"]


def _one(fields: list[dict[str, Any]]) -> pa.Table:
    schema = marcarrow.read_arrow(marcarrow.SAMPLE).schema
    return pa.Table.from_pylist([{"leader": "00000nam a2200000 a 4500", "fields": fields}], schema)


def C(tag: str, value: str | None) -> dict[str, Any]:  # noqa: N802
    return {"tag": tag, "ind1": None, "ind2": None, "value": value, "subfields": None}


def F(tag: str, subs: list[tuple[str, str]], i1: str = " ", i2: str = " ") -> dict[str, Any]:  # noqa: N802
    sf = [{"code": c, "value": v} for c, v in subs]
    return {"tag": tag, "ind1": i1, "ind2": i2, "value": None, "subfields": sf}


def test_the_tag_decides_control_or_data_as_readers_do(tmp_path: Path) -> None:
    """Regressions from review: a value on a data tag, or subfields on a
    control tag, were written in a shape no reader gives back."""
    for fields, column in [
        ([C("001", "x"), C("245", "abc")], "fields.value"),
        ([F("001", [("a", "x")])], "fields.subfields"),
    ]:
        for fmt in ("marc", "marcxml", "json"):
            with pytest.raises(marcarrow.WriteError) as e:
                marcarrow.write_marc(_one(fields), io.BytesIO(), format=fmt)
            assert e.value.column == column
    # A control tag with no value is an empty control field.
    out = io.BytesIO()
    marcarrow.write_marc(_one([C("001", None), F("245", [("a", "t")])]), out, format="marc")
    assert from_table(marcarrow.read_arrow(out.getvalue()))[0][1][0] == ("001", "")


def test_an_indicator_that_is_not_ascii(tmp_path: Path) -> None:
    """One byte in ISO 2709 (a second would shift the subfields), and one
    ASCII character for every reader of the text formats."""
    # "\r": found by the write_roundtrip fuzz target (a CR read from an ISO
    # 2709 record), which the text readers refuse as an indicator.
    for bad in ("\u00e9", "\r", "\x00"):
        t = _one([C("001", "x"), F("245", [("a", "t")], i1=bad)])
        for fmt in ("marc", "marcxml", "json", "mrk"):
            with pytest.raises(marcarrow.WriteError) as e:
                marcarrow.write_marc(t, io.BytesIO(), format=fmt)
            assert e.value.kind == "Unwritable" and "indicator" in str(e.value)
            with pytest.warns(marcarrow.MarcWarning):
                skipped = marcarrow.write_marc(t, io.BytesIO(), format=fmt, oversize="skip")
                assert skipped["records"] == 0


ALL_FORMATS = ("marc", "marcxml", "json", "mrk")
LEADER_RECORDS = 7


@pytest.mark.parametrize(
    ("name", "records", "what", "formats"),
    [
        ("write-control-subfield-code.bin", 1, "control character", ALL_FORMATS),
        ("write-cr-indicator.bin", 18, "indicators", ALL_FORMATS),
        # ISO 2709 holds any 24 bytes as a leader (and in MARCXML another
        # record of this input holds a NUL, which XML cannot).
        ("write-control-in-leader.bin", LEADER_RECORDS, "leader", ("json", "mrk")),
        # A tag with a blank, which only ISO 2709's directory takes.
        ("write-blank-in-tag.bin", 7, "tag", ("marcxml", "json", "mrk")),
    ],
)
def test_fuzz_findings_are_refused_not_written(
    name: str, records: int, what: str, formats: tuple[str, ...]
) -> None:
    """Found by the write_roundtrip fuzz target: records the ISO 2709 reader
    delivers but no text format's reader takes back (a MARC-8 subfield code
    byte 0x8B, read as U+008B; an indicator that is a CR; a leader holding
    0x1A, which no text format takes; a tag with a blank). Every writer
    refuses them as unwritable instead of writing what does not read back;
    the others are written."""
    data = (Path(__file__).parent / "data/fuzz" / name).read_bytes()[1:]
    with pytest.warns(marcarrow.MarcWarning):
        t = marcarrow.read_arrow(data, errors="skip")
    assert t.num_rows == records
    for fmt in formats:
        with pytest.raises(marcarrow.WriteError) as e:
            marcarrow.write_marc(t, io.BytesIO(), format=fmt)
        assert e.value.kind == "Unwritable" and what in str(e.value)
        out = io.BytesIO()
        with pytest.warns(marcarrow.MarcWarning):
            n = marcarrow.write_marc(t, out, format=fmt, oversize="skip")["records"]
        assert n == records - 1
        assert marcarrow.read_arrow(out.getvalue()).num_rows == n


@pytest.mark.parametrize(
    ("name", "fmt", "what"),
    [
        ("mrk-brace-in-leader.bin", "mrk", "=LDR  01272ca{"),
        ("mrk-brace-in-tag.bin", "mrk", "=0{5  "),
        ("json-delimiter-in-control-field.bin", "json", '{"005":"  \\u001faAt head'),
    ],
)
def test_fuzz_findings_round_trip(name: str, fmt: str, what: str) -> None:
    """Found by the write_roundtrip fuzz target. MARCMaker: a `{` in a
    leader and in a tag, which the writer escaped as `{lcub}` and its
    reader took literally in a leader and as a broken tag line; tags are
    now written as they are, and the reader resolves mnemonics in the
    leader. MARC-in-JSON: a control field holding U+001F, which ISO 2709
    and pymarc keep as data and the JSON reader refused; it now takes it
    (a control field has no subfields)."""
    data = (Path(__file__).parent / "data/fuzz" / name).read_bytes()[1:]
    with pytest.warns(marcarrow.MarcWarning):
        t = marcarrow.read_arrow(data, errors="skip")
    out = io.BytesIO()
    marcarrow.write_marc(t, out, format=fmt)
    assert what in out.getvalue().decode()
    back = marcarrow.read_arrow(out.getvalue(), format=fmt)
    assert back.column("fields") == t.column("fields")
    assert back.num_rows == t.num_rows


def test_column_types_polars_and_pyarrow_make(tmp_path: Path) -> None:
    import polars as pl

    # Categorical (dictionary) strings in the long layout.
    long = marcarrow.read_polars(marcarrow.SAMPLE, layout="long")
    cat = long.with_columns(pl.col("tag").cast(pl.Categorical), pl.col("code").cast(pl.Categorical))
    out = io.BytesIO()
    marcarrow.write_marc(cat, out, format="marc")
    assert out.getvalue() == marcarrow.SAMPLE.read_bytes()
    # An all-None column is of type null in pyarrow.
    t = pa.Table.from_pylist(
        [
            {
                "leader": "00000nam a2200000 a 4500",
                "fields": [
                    {"tag": "245", "ind1": None, "subfields": [{"code": "a", "value": "t"}]}
                ],
            }
        ]
    )
    assert t.schema.field("fields").type.value_type.field("ind1").type == pa.null()
    out = io.BytesIO()
    marcarrow.write_marc(t, out, format="marc")
    assert from_table(marcarrow.read_arrow(out.getvalue()))[0][1] == (
        ("245", " ", " ", (("a", "t"),)),
    )


def test_source_errors_and_odd_arguments(tmp_path: Path) -> None:
    pride = data_file("pride-many-errors-383.mrc")
    with pytest.raises(marcarrow.MarcError):
        marcarrow.write_marc(marcarrow.read_batches(pride), tmp_path / "p.mrc")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="threads"):
        marcarrow.write_marc(
            marcarrow.read_arrow(marcarrow.SAMPLE), io.BytesIO(), format="marc", threads=0
        )
    assert marcarrow.write_marc([], io.BytesIO(), format="marc")["records"] == 0

    class Broken(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, b: Any) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        marcarrow.write_marc(marcarrow.read_arrow(marcarrow.SAMPLE), Broken(), format="mrk")
    r = subprocess.run(
        f"{sys.executable} -m marcarrow convert {marcarrow.SAMPLE} -o - --to mrk | head -1",
        shell=True,
        capture_output=True,
        timeout=120,
    )
    assert r.stdout.startswith(b"=LDR  ") and b"Error" not in r.stderr


def test_convert_reports_a_record_left_out_where_it_was_read(tmp_path: Path) -> None:
    hathi = data_file("hathi-oversize-5.mrc")
    with pytest.warns(marcarrow.MarcWarning):
        s = marcarrow.convert(hathi, tmp_path / "h.mrc", errors="lenient", oversize="skip")
    read_problems = {p.record_index: p.byte_offset for p in s["errors"] if p.kind != "Oversize"}
    left_out = [p for p in s["errors"] if p.kind == "Oversize"]
    assert left_out and all(read_problems.get(p.record_index) == p.byte_offset for p in left_out)


def test_the_pymarc_writers_never_panic() -> None:
    import marcarrow.pymarc as mp

    rec = next(iter(mp.MARCReader(marcarrow.SAMPLE.read_bytes())))
    rec.leader = "00000nam"  # too short: pymarc's own code decides
    for writer in (mp.MARCWriter, mp.XMLWriter):
        try:
            writer(io.BytesIO()).write(rec)
        except BaseException as e:  # noqa: BLE001
            assert isinstance(e, Exception), repr(e)
    rec = mp.Record()
    rec.add_field(mp.Field("245", mp.Indicators(None, None), [mp.Subfield("a", "t")]))  # type: ignore[arg-type]
    out = io.StringIO()
    w = mp.JSONWriter(out)
    w.write(rec)
    w.close(close_fh=False)
    assert '"ind1":null' in out.getvalue()
