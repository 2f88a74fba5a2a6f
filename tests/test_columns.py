"""columns=, where= and scan_marc: every answer checked against the same
answer computed in Python from the full nested table (read_arrow's default
layout), so a selection can never disagree with the full read."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import marcarrow
from conftest import data_file
from marcarrow import col

FILES = ["loc-bib-386.mrc", "uva-marc8-2000.mrc", "loc-auth-150.mrc", "ia-edge-50.mrc"]
OPTS: dict[str, Any] = {"errors": "skip", "batch_size": 97}

COLUMNS = {
    "id": "001",
    "id0": "001[0]",
    "title": "245$a",
    "title0": "245$a[0]",
    "title_ab": "245$ab",
    "title_field": "245",
    "title_blank1": "245{_*}$a",
    "subjects": "650$a",
    "subjects_lcsh": "650{*0}$av",
    "subjects_6xx": "6XX$a",
    "second_subject": "650$a[1]",
    "year": "008/07-10",
    "lang": "008/35-37[0]",
    "type": "LDR/06",
    "type0": "LDR/06[0]",
    "leader": "LDR",
    "heading": "1XX$a[0]",
    "isbn": "020$a",
    "url": "856$u",
    "nothing": "999$z",
    "beyond_leader": "LDR/30-40",
}

PATH_RE = re.compile(
    r"(?P<tag>[0-9A-Za-z]{3})(?:\{(?P<ind>..)\})?(?:\$(?P<codes>[0-9A-Za-z]+))?"
    r"(?:/(?P<start>\d+)(?:-(?P<end>\d+))?)?(?:\[(?P<nth>\d+)\])?"
)


def ref_values(rec: dict[str, Any], path: str) -> list[str] | str | None:
    """The values of ``path`` in a nested row, by the rules of docs/columns.md."""
    m = PATH_RE.fullmatch(path)
    assert m, path
    tag, ind, codes = m["tag"], m["ind"], m["codes"]
    vals: list[str] = []
    if tag == "LDR":
        vals = [rec["leader"]]
    else:
        pat = re.compile(tag.replace("X", ".").replace("x", "."))
        for f in rec["fields"]:
            if not pat.fullmatch(f["tag"]):
                continue
            if f["subfields"] is None:  # a control field
                if not codes:
                    vals.append(f["value"])
                continue
            if ind and not all(
                p in "*?" or (p in "_#" and i == " ") or p == i
                for p, i in zip(ind, (f["ind1"], f["ind2"]), strict=True)
            ):
                continue
            if codes:
                vals.extend(s["value"] for s in f["subfields"] if s["code"] in codes)
            else:
                vals.append(" ".join(s["value"] for s in f["subfields"]))
    if m["start"] is not None:
        s = int(m["start"])
        e = int(m["end"]) if m["end"] is not None else s
        vals = [v[s : e + 1] for v in vals if len(v) > s]
    if m["nth"] is not None:
        n = int(m["nth"])
        return vals[n] if n < len(vals) else None
    return vals


@pytest.mark.filterwarnings("ignore::marcarrow.MarcWarning")
@pytest.mark.parametrize("string_type", ["string", "string_view"])
@pytest.mark.parametrize("name", FILES)
def test_columns_equal_the_nested_table(name: str, string_type: str) -> None:
    path = data_file(name)
    full = marcarrow.read_arrow(path, **OPTS).to_pylist()
    t = marcarrow.read_arrow(path, columns=COLUMNS, string_type=string_type, **OPTS)  # type: ignore[arg-type]
    assert t.column_names == list(COLUMNS)
    assert t.num_rows == len(full)
    for name_, p in COLUMNS.items():
        want = [ref_values(r, p) for r in full]
        assert t.column(name_).to_pylist() == want, (name_, p)
    # The selection is not vacuous: lists with several values exist.
    if name == "loc-bib-386.mrc":
        assert any(len(v) > 1 for v in t.column("subjects").to_pylist())
        assert t.schema.field("subjects").type == pa.list_(
            pa.field("item", pa.string() if string_type == "string" else pa.string_view(), False)
        )
        assert t.schema.field("title0").type in (pa.string(), pa.string_view())


def test_marc8_values_equal_the_nested_layout() -> None:
    # The MARC-8 file goes through the same decoder: non-ASCII titles match.
    path = data_file("uva-marc8-2000.mrc")
    full = marcarrow.read_arrow(path, **OPTS).to_pylist()
    titles = marcarrow.read_arrow(path, columns={"t": "245$a"}, **OPTS)["t"].to_pylist()
    assert titles == [ref_values(r, "245$a") for r in full]
    assert any(not v.isascii() for t in titles for v in t)


@pytest.mark.filterwarnings("ignore::marcarrow.MarcWarning")
def test_columns_with_provenance_and_polars() -> None:
    path = data_file("loc-bib-386.mrc")
    t = marcarrow.read_arrow(path, columns={"title": "245$a[0]"}, provenance=True)
    assert t.column_names == ["record_index", "byte_offset", "control_number", "title"]
    p = marcarrow.read_arrow(path, layout="long", provenance=True)
    offsets = dict(zip(p["record_index"].to_pylist(), p["byte_offset"].to_pylist(), strict=True))
    assert t["byte_offset"].to_pylist() == [offsets[i] for i in range(386)]
    df = marcarrow.read_polars(path, columns={"title": "245$a[0]", "subjects": "650$a"})
    assert df.schema["subjects"] == pl.List(pl.String)
    assert df["title"].to_list() == t["title"].to_pylist()


def test_only_the_named_fields_are_decoded() -> None:
    # bad_eacc_encoding.dat's bad MARC-8 bytes are in 880: a column that
    # does not name 880 reads; one that does fails, like the nested layout.
    path = data_file("pymarc/bad_eacc_encoding.dat")
    t = marcarrow.read_arrow(path, columns={"title": "245$a"})
    assert t.num_rows == 1
    with pytest.raises(marcarrow.MarcError, match="880"):
        marcarrow.read_arrow(path, columns={"alt": "880$a"})
    with pytest.raises(marcarrow.MarcError, match="880"):
        marcarrow.read_arrow(path, columns={"title": "245$a"}, where="has 880$a")
    assert marcarrow.read_arrow(path, tags=["245"], where="not has 999").num_rows == 1


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("24$a", "bad column path '24$a' at position 2: tag must be 3 characters"),
        ("245$", "at position 4: expected subfield codes after $"),
        ("008/", "at position 4: expected a character position"),
        ("008/10-5", "at position 7: end position before start position"),
        ("245{1}$a", "at position 5: indicator must be"),
        ("001$a", "at position 3: control fields (001-009) have no subfields"),
        ("LDR$a", "at position 3: the leader has no subfields"),
        ("245$a[0", "at position 7: expected ]"),
        ("245$a x", "at position 5: unexpected character"),
    ],
)
def test_malformed_paths(path: str, message: str) -> None:
    src = data_file("loc-bib-386.mrc")
    with pytest.raises(ValueError, match=re.escape(message)):
        marcarrow.read_batches(src, columns={"x": path})


def test_selection_argument_errors() -> None:
    src = data_file("loc-bib-386.mrc")
    with pytest.raises(ValueError, match="tags= applies"):
        marcarrow.read_batches(src, columns={"t": "245$a"}, tags=["245"])
    with pytest.raises(ValueError, match="layout"):
        marcarrow.read_batches(src, columns={"t": "245$a"}, layout="long")
    with pytest.raises(ValueError, match="provenance"):
        marcarrow.read_batches(src, columns={"byte_offset": "245$a"}, provenance=True)
    with pytest.raises(ValueError, match="at least one"):
        marcarrow.read_batches(src, columns={})
    with pytest.raises(TypeError):
        marcarrow.read_batches(src, columns=["245$a"])  # type: ignore[arg-type]


# --- where= -----------------------------------------------------------------


def anyv(rec: dict[str, Any], path: str, f: Callable[[str], bool]) -> bool:
    v = ref_values(rec, path)
    vals = [] if v is None else [v] if isinstance(v, str) else v
    return any(f(x) for x in vals)


PREDICATES: list[tuple[str | marcarrow.Expr, Callable[[dict[str, Any]], bool]]] = [
    (
        "650$a ~ '(?i)histor'",
        lambda r: anyv(r, "650$a", lambda v: bool(re.search("(?i)histor", v))),
    ),
    ("008/35-37 == 'eng'", lambda r: anyv(r, "008/35-37", lambda v: v == "eng")),
    ("020$a ^= '978'", lambda r: anyv(r, "020$a", lambda v: v.startswith("978"))),
    ("has 856", lambda r: anyv(r, "856", lambda v: True)),
    ("exists(856$u)", lambda r: anyv(r, "856$u", lambda v: True)),
    ("245$a != 'x' and not has 650", lambda r: not anyv(r, "650", lambda v: True)),
    (
        "(008/35-37 == 'eng' or 008/35-37 == \"spa\") and not 245$a ~ '^The'",
        lambda r: (
            anyv(r, "008/35-37", lambda v: v in ("eng", "spa"))
            and not anyv(r, "245$a", lambda v: v.startswith("The"))
        ),
    ),
    ("LDR/06 == 'a' or LDR/06 == 'z'", lambda r: r["leader"][6] in "az"),
    ("650$a[0] ^= 'A'", lambda r: (ref_values(r, "650$a[0]") or "").startswith("A")),
    (
        (col("008/35-37") == "eng") & ~col("650{*0}$a").exists(),
        lambda r: (
            anyv(r, "008/35-37", lambda v: v == "eng") and not anyv(r, "650{*0}$a", lambda v: True)
        ),
    ),
    (
        col("245$a").matches("[Aa]tlas") | col("001").startswith("2059"),
        lambda r: (
            anyv(r, "245$a", lambda v: bool(re.search("[Aa]tlas", v)))
            or anyv(r, "001", lambda v: v.startswith("2059"))
        ),
    ),
]


@pytest.mark.filterwarnings("ignore::marcarrow.MarcWarning")
@pytest.mark.parametrize("where", range(len(PREDICATES)), ids=[str(p[0]) for p in PREDICATES])
def test_where_in_every_layout(where: int) -> None:
    cond, ref = PREDICATES[where]
    seen = set()
    for name in FILES:
        path = data_file(name)
        full = marcarrow.read_arrow(path, provenance=True, **OPTS)
        rows = full.to_pylist()
        keep = [ref(r) for r in rows]
        seen.update(keep)
        idx = [r["record_index"] for r, k in zip(rows, keep, strict=True) if k]
        nested = marcarrow.read_arrow(path, where=cond, provenance=True, **OPTS)
        assert nested.to_pylist() == [r for r, k in zip(rows, keep, strict=True) if k]
        # record_index stays the index in the input.
        assert nested["record_index"].to_pylist() == idx
        long_full = marcarrow.read_arrow(path, layout="long", **OPTS).to_pylist()
        long = marcarrow.read_arrow(path, layout="long", where=cond, **OPTS).to_pylist()
        assert long == [r for r in long_full if r["record_index"] in set(idx)]
        cols = marcarrow.read_arrow(path, columns=COLUMNS, where=cond, **OPTS)
        cols_full = marcarrow.read_arrow(path, columns=COLUMNS, **OPTS).to_pylist()
        assert cols.to_pylist() == [r for r, k in zip(cols_full, keep, strict=True) if k]
    assert seen == {True, False}, "the predicate must keep some records and drop others"


def test_where_in_parquet(tmp_path: Path) -> None:
    path = data_file("loc-bib-386.mrc")
    out = tmp_path / "w.parquet"
    s = marcarrow.to_parquet(
        path, out, columns={"id": "001[0]", "lang": "008/35-37[0]"}, where="008/35-37 == 'spa'"
    )
    t = pq.read_table(out)
    assert t.column_names == ["id", "lang"]
    assert set(t["lang"].to_pylist()) == {"spa"}
    rows = marcarrow.read_arrow(path).to_pylist()
    assert s["records"] == t.num_rows == sum(ref_values(r, "008/35-37[0]") == "spa" for r in rows)
    assert t.num_rows > 0
    assert pq.read_metadata(out).metadata[b"marcarrow.layout"] == b"columns"
    two = marcarrow.to_parquet([path, path], out, columns={"id": "001[0]"})
    assert two["records"] == 772
    assert pq.read_table(out).column_names == ["source", "id"]
    with pytest.raises(ValueError, match="source"):
        marcarrow.to_parquet([path, path], out, columns={"source": "001"})


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("650$a = 'x'", "at position 6: expected ==, !=, ^= or ~"),
        ("650$a == x", "at position 9: expected a quoted string"),
        ("650$a == 'x", "at position 9: unterminated string"),
        ("65$a == 'x'", "at position 2: tag must be 3 characters"),
        ("has 245 and", "at position 11: expected a condition"),
        ("(has 245", "at position 8: expected )"),
        ("has 245 245", "at position 8: expected and, or"),
        ("650$a ~ '('", "at position 8: bad regex"),
    ],
)
def test_malformed_predicates(where: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        marcarrow.read_batches(data_file("loc-bib-386.mrc"), where=where)


def test_expr_renders_and_refuses_bool() -> None:
    e = (col("008/35-37") == "ger") | (col("245$a") != "it's")
    assert str(e) == "008/35-37 == 'ger' or 245$a != 'it\\'s'"
    assert str(~col("856").exists() & col("LDR/06").startswith("a")) == (
        "not (has 856) and LDR/06 ^= 'a'"
    )
    with pytest.raises(TypeError):
        bool(col("001") == "x")


# --- scan_marc ----------------------------------------------------------------

SCAN = {"id": "001[0]", "title": "245$a[0]", "lang": "008/35-37[0]", "subjects": "650$a"}


def test_scan_equals_eager() -> None:
    path = data_file("loc-bib-386.mrc")
    lf = marcarrow.scan_marc(path, columns=SCAN, provenance=True)
    cols = ("record_index", "title", "subjects", "lang")
    got = lf.select(*cols).filter(pl.col("lang") == "spa").collect()
    eager = marcarrow.read_polars(path, columns=SCAN, provenance=True)
    want = eager.select(*cols).filter(pl.col("lang") == "spa")
    assert got.height > 0
    assert got.equals(want)
    # Collecting twice gives the same frame.
    assert lf.collect().equals(lf.collect())
    assert lf.collect().equals(eager)
    # A filter on a list column and a count fall back to polars, correctly.
    got = lf.filter(pl.col("subjects").list.len() > 2).select(pl.len()).collect().item()
    assert got == eager.filter(pl.col("subjects").list.len() > 2).height > 0
    assert lf.select(pl.len()).collect().item() == 386


def test_scan_pushes_projection_and_predicate_down() -> None:
    path = data_file("loc-bib-386.mrc")
    readers: list[marcarrow.BatchReader] = []
    lf = marcarrow.scan_marc(path, columns=SCAN, _readers=readers)
    got = lf.filter(pl.col("lang") == "spa").select("title").collect()
    assert len(readers) == 1
    # Only the columns the query uses were built ...
    assert pa.schema(readers[0]).names == ["title", "lang"]
    # ... and the equality ran in Rust: only matching records were delivered.
    assert readers[0].records_read == got.height
    assert 0 < got.height < 386
    # A condition polars must evaluate itself: all records come out of Rust.
    readers.clear()
    lf.filter(pl.col("title").str.len_chars() > 40).collect()
    assert readers[0].records_read == 386


def test_scan_without_columns_is_the_nested_layout() -> None:
    path = data_file("loc-auth-150.mrc")
    lf = marcarrow.scan_marc(path, tags=["1XX"], where="has 100")
    df = lf.collect()
    assert df.columns == ["leader", "fields"]
    want = marcarrow.read_polars(path, tags=["1XX"], where="has 100")
    assert df.equals(want)
    assert 0 < df.height < 150
    # Without "fields" in the query no field is kept (tags=[]); still right.
    lf = marcarrow.scan_marc(path, where="has 100", provenance=True)
    got = lf.select("record_index", "leader").collect()
    eager = marcarrow.read_polars(path, where="has 100", provenance=True)
    assert got.equals(eager.select("record_index", "leader"))
    assert lf.select(pl.len()).collect().item() == df.height


def test_scan_rejects_one_shot_sources() -> None:
    with open(data_file("loc-bib-386.mrc"), "rb") as f, pytest.raises(TypeError, match="path"):
        marcarrow.scan_marc(f, columns=SCAN)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Over 100 MB, built by repeating the fixture."""
    data = data_file("loc-bib-386.mrc").read_bytes()
    out = tmp_path_factory.mktemp("big") / "big.mrc"
    reps = 100_000_000 // len(data) + 1
    with open(out, "wb") as f:
        for _ in range(reps):
            f.write(data)
    return out


def test_head_parses_no_more_than_the_window(big_file: Path) -> None:
    assert big_file.stat().st_size > 100_000_000
    readers: list[marcarrow.BatchReader] = []
    window = 3
    lf = marcarrow.scan_marc(
        big_file, columns=SCAN, _readers=readers, _max_in_flight=window, batch_size=1000
    )
    head = lf.head(5).collect()
    assert head.height == 5
    assert (
        head["id"].to_list()
        == marcarrow.read_polars(data_file("loc-bib-386.mrc"), columns=SCAN)["id"].to_list()[:5]
    )
    (r,) = readers
    # The window, plus the one chunk a returned token lets through.
    assert r._chunks_dispatched <= window + 1
    deadline = time.monotonic() + 10
    while not r._reader_done and time.monotonic() < deadline:
        time.sleep(0.01)
    assert r._reader_done, "the reader thread must stop once the stream is dropped"
    assert r._chunks_dispatched <= window + 1
    # Against the ~75 chunks of 1000 records the file holds.
    assert big_file.stat().st_size // 525_587 * 386 // 1000 > 15 * (window + 1)


# --- CLI ----------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "marcarrow", *args], capture_output=True, text=True
    )


@pytest.mark.parametrize("ext", ["csv", "tsv", "parquet"])
def test_cli_select(ext: str, tmp_path: Path) -> None:
    path = data_file("loc-bib-386.mrc")
    out = tmp_path / f"o.{ext}"
    r = run_cli(
        "select",
        str(path),
        "--columns",
        "id=001[0],title=245$a[0],subjects=650$a",
        "--where",
        "has 650 and 008/35-37 == 'eng'",
        "-o",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    rows = marcarrow.read_arrow(path).to_pylist()
    want = [
        (ref_values(x, "001[0]"), ref_values(x, "245$a[0]"), ref_values(x, "650$a"))
        for x in rows
        if ref_values(x, "650$a") and ref_values(x, "008/35-37[0]") == "eng"
    ]
    assert len(want) > 10
    if ext == "parquet":
        t = pq.read_table(out)
        got = list(zip(*(t[c].to_pylist() for c in ("id", "title", "subjects")), strict=True))
        assert got == want
        return
    with open(out, newline="", encoding="utf-8") as f:
        table = list(csv.reader(f, delimiter="\t" if ext == "tsv" else ","))
    assert table[0] == ["id", "title", "subjects"]
    assert table[1:] == [[i or "", t or "", "|".join(s)] for i, t, s in want]


def test_cli_convert_where(tmp_path: Path) -> None:
    path = data_file("loc-bib-386.mrc")
    out = tmp_path / "c.parquet"
    r = run_cli("convert", str(path), "-o", str(out), "--where", "008/35-37 == 'spa'", "-q")
    assert r.returncode == 0, r.stderr
    want = marcarrow.read_arrow(path, where="008/35-37 == 'spa'")
    assert 0 < want.num_rows < 386
    assert pq.read_table(out).equals(want)
    r = run_cli("convert", str(path), "-o", str(out), "--where", "008/35-37 = 'spa'", "-q")
    assert r.returncode == 2
    assert "position 10" in r.stderr


def test_cli_select_errors(tmp_path: Path) -> None:
    path = str(data_file("loc-bib-386.mrc"))
    r = run_cli("select", path, "--columns", "t=24$a", "-o", str(tmp_path / "x.csv"))
    assert r.returncode == 2
    assert "position 2" in r.stderr
    r = run_cli("select", path, "--columns", "t=245$a", "-o", str(tmp_path / "x.json"))
    assert r.returncode == 2
    r = run_cli("select", path, "--columns", "t=245$a", "--where", "has", "-o", "-")
    assert r.returncode == 2
    assert "position 3" in r.stderr
    assert not list(tmp_path.iterdir())


def test_polars_predicates_translated_for_rust() -> None:
    from marcarrow._scan import _rust_condition

    paths = {"lang": "008/35-37[0]", "t": "245$a[0]", "s": "650$a"}
    cases = [
        (pl.col("lang") == "spa", "008/35-37[0] == 'spa'"),
        (pl.lit("it's") == pl.col("t"), "245$a[0] == 'it\\'s'"),
        (
            (pl.col("lang") == "spa") | pl.col("t").str.starts_with("A"),
            "(008/35-37[0] == 'spa') or (245$a[0] ^= 'A')",
        ),
        # Under &, the part polars must evaluate is left to polars.
        ((pl.col("lang") == "spa") & (pl.col("s").list.len() > 1), "008/35-37[0] == 'spa'"),
        # Not translated: list columns (any-value semantics differ), !=, is_in.
        (pl.col("s") == "x", None),
        (pl.col("lang") != "spa", None),
        (pl.col("lang").is_in(["a", "b"]), None),
        ((pl.col("lang") == "spa") | (pl.col("s").list.len() > 1), None),
    ]
    for expr, want in cases:
        assert _rust_condition(expr, paths) == want, expr


def test_where_takes_a_condition_or_a_string_only() -> None:
    src = data_file("loc-bib-386.mrc")
    a = marcarrow.read_arrow(src, where=col("008/35-37") == "spa")
    b = marcarrow.read_arrow(src, where="008/35-37 == 'spa'")
    assert a.equals(b) and a.num_rows > 0
    with pytest.raises(TypeError, match="where must be"):
        marcarrow.read_batches(src, where=3)  # type: ignore[arg-type]
