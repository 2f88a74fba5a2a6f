"""The text formats as inputs: every wrapper and variant, bad input under
each policy, detection through compression, and every entry point."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pymarc
import pytest

import marcarrow
from conftest import data_file
from test_formats import from_pymarc, from_table, undo_blanks

LEADER = "00000nam a2200000 a 4500"
NS = "http://www.loc.gov/MARC21/slim"


def rec_xml(n: int, prefix: str = "", extra: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    return (
        f"<{p}record{extra}><{p}leader>{LEADER}</{p}leader>"
        f'<{p}controlfield tag="001">id{n}</{p}controlfield>'
        f'<{p}datafield tag="245" ind1="1" ind2="0">'
        f'<{p}subfield code="a">Title {n}</{p}subfield></{p}datafield></{p}record>'
    )


def titles(source: object, **kw: object) -> list[str]:
    t = marcarrow.read_arrow(source, columns={"id": "001", "t": "245$a"}, **kw)
    return [f"{i[0]}:{x[0]}" for i, x in zip(t["id"].to_pylist(), t["t"].to_pylist(), strict=False)]


def test_marcxml_prefix_default_namespace_and_none() -> None:
    two = rec_xml(1, "marc") + rec_xml(2, "marc")
    prefixed = f'<marc:collection xmlns:marc="{NS}">{two}</marc:collection>'
    default = (
        f'<?xml version="1.0"?><collection xmlns="{NS}">{rec_xml(1)}\n{rec_xml(2)}</collection>'
    )
    bare = rec_xml(1) + "\n" + rec_xml(2)
    own_ns = rec_xml(1, "m", f' xmlns:m="{NS}"') + rec_xml(2, "m", f' xmlns:m="{NS}"')
    for doc in (prefixed, default, bare, own_ns):
        assert titles(doc.encode()) == ["id1:Title 1", "id2:Title 2"], doc


def test_oai_pmh_records_and_deleted_ones() -> None:
    oai = "http://www.openarchives.org/OAI/2.0/"
    doc = f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="{oai}"><responseDate>2026-01-01</responseDate>
<ListRecords>
<record><header><identifier>oai:x:1</identifier></header>
<metadata>{rec_xml(1, "marc", f' xmlns:marc="{NS}"')}</metadata></record>
<record><header status="deleted"><identifier>oai:x:2</identifier></header></record>
<record><header><identifier>oai:x:3</identifier></header>
<metadata>{rec_xml(3, "", f' xmlns="{NS}"')}</metadata></record>
<resumptionToken>abc</resumptionToken>
</ListRecords></OAI-PMH>""".encode()
    # Strict: a deleted record is no error, but it is reported.
    r = marcarrow.read_batches(doc)
    t = pa.table(r)
    assert t.num_rows == 2
    (p,) = r.errors
    assert (p.kind, p.action, p.record_index) == ("Deleted", marcarrow.Action.SKIPPED, 1)
    assert "oai:x:2" in p.reason and p.line == 6
    # pymarc reads the same two, plus an empty record that it invents for
    # the deleted one (OAI's own <record>, read as a MARC record).
    ours = from_table(t)
    theirs = [from_pymarc(x) for x in pymarc.parse_xml_to_array(io.BytesIO(doc))]
    assert theirs[1] == ("          22        4500", ())
    assert ours == theirs[:1] + theirs[2:]


def test_sru_response() -> None:
    doc = f"""<zs:searchRetrieveResponse xmlns:zs="http://docs.oasis-open.org/ns/search-ws/sruResponse">
<zs:numberOfRecords>2</zs:numberOfRecords><zs:records>
<zs:record><zs:recordSchema>marcxml</zs:recordSchema>
<zs:recordData>{rec_xml(1, "", f' xmlns="{NS}"')}</zs:recordData>
<zs:recordPosition>1</zs:recordPosition></zs:record>
<zs:record><zs:recordData>{rec_xml(2, "", f' xmlns="{NS}"')}</zs:recordData></zs:record>
</zs:records></zs:searchRetrieveResponse>""".encode()
    assert titles(doc) == ["id1:Title 1", "id2:Title 2"]


def test_xml_text_rules() -> None:
    doc = f"""<record xmlns="{NS}"><leader>{LEADER}</leader>
  <controlfield tag="008">  860506s1957    nyu  </controlfield>
  <datafield tag="245" ind1="0" ind2=" ">
    <subfield code="a">  A &amp; B &lt;c&gt; &#233;&#x263A; <![CDATA[x <y> & z]]> </subfield>
    <subfield code="b">line one\r\nline two</subfield>
  </datafield>
</record>""".encode()
    (rec,) = from_table(marcarrow.read_arrow(doc))
    assert rec[1][0] == ("008", "  860506s1957    nyu  ")
    assert rec[1][1] == (
        "245",
        "0",
        " ",
        (("a", "  A & B <c> é☺ x <y> & z "), ("b", "line one\nline two")),
    )


def test_json_object_array_and_ndjson() -> None:
    recs = [
        {
            "leader": LEADER,
            "fields": [
                {"001": f"id{n}"},
                {"245": {"ind1": "1", "ind2": "0", "subfields": [{"a": f"Title {n}"}]}},
            ],
        }
        for n in (1, 2)
    ]
    one = json.dumps(recs[0]).encode()
    assert titles(one) == ["id1:Title 1"]
    array = json.dumps(recs, indent=2).encode()
    assert titles(array) == ["id1:Title 1", "id2:Title 2"]
    nd = "\n".join(json.dumps(r) for r in recs).encode() + b"\n"
    assert titles(nd) == ["id1:Title 1", "id2:Title 2"]


def test_mrk_blanks_mnemonics_and_crlf() -> None:
    text = (
        b"=LDR  00000nam\\a2200000\\a\\4500\r\n"
        b"=001  id1\r\n"
        b"=008  860506s1957\\\\\\\\nyu\r\n"
        b"=245  10$aPrice: {dollar}5 {lcub}1{rcub}$cA{bsol}B\r\n"
        b"\r\n"
        b"=LDR  00000nam\\a2200000\\a\\4500\n"
        b"=001  id2\n"
        b"=245  1\\$aTitle 2\n"
    )
    t = marcarrow.read_arrow(text)
    recs = from_table(t)
    assert recs[0][0] == "00000nam a2200000 a 4500"
    assert recs[0][1][1] == ("008", "860506s1957    nyu")
    assert recs[0][1][2] == ("245", "1", "0", (("a", "Price: $5 {1}"), ("c", "A\\B")))
    assert recs[1][1][1] == ("245", "1", " ", (("a", "Title 2"),))


BAD_XML = [
    (
        "mismatched end tag",
        '<datafield tag="245" ind1="1" ind2="0"><subfield code="a">x</datafield>',
    ),
    ("field without a tag", "<controlfield>x</controlfield>"),
    ("forbidden control character", '<controlfield tag="001">a&#x1F;b</controlfield>'),
]


@pytest.mark.parametrize("what,body", BAD_XML, ids=[b[0] for b in BAD_XML])
def test_bad_xml_record_under_each_policy(what: str, body: str) -> None:
    bad = f"<record><leader>{LEADER}</leader>{body}</record>"
    doc = f'<collection xmlns="{NS}">\n{rec_xml(1)}\n{bad}\n{rec_xml(3)}\n</collection>'.encode()
    with pytest.raises(marcarrow.MarcError) as e:
        marcarrow.read_arrow(doc)
    p = e.value.problem
    assert p is not None and p.kind == "Malformed" and p.record_index == 1
    assert p.line == 3 and p.column is not None and p.error_offset is not None
    assert "line 3, column" in str(e.value)
    for policy in ("skip", "lenient"):
        r = marcarrow.read_batches(doc, errors=policy)
        got = [row["fields"][0]["value"] for row in pa.table(r).to_pylist()]
        assert got == ["id1", "id3"], policy
        assert [p.record_index for p in r.errors if p.action == "skipped"] == [1]


def test_record_cut_off_at_the_end() -> None:
    doc = f'<collection xmlns="{NS}">{rec_xml(1)}<record><leader>{LEADER}</lea'.encode()
    r = marcarrow.read_batches(doc, errors="skip")
    assert pa.table(r).num_rows == 1
    (p,) = r.errors
    assert "cut off" in p.reason and p.byte_offset == doc.index(b"<record><leader>", 60)
    nd = b'{"leader": "%s", "fields": [{"001": "a"}]}\n{"leader": "%s", "fie' % (
        LEADER.encode(),
        LEADER.encode(),
    )
    r = marcarrow.read_batches(nd, errors="skip")
    assert pa.table(r).num_rows == 1
    assert r.errors[0].line == 2 and "cut off" in r.errors[0].reason


def test_bad_ndjson_line_costs_that_line_only() -> None:
    good = '{"leader": "%s", "fields": [{"001": "id%d"}]}'
    lines = [
        good % (LEADER, 1),
        f'{{"leader": "{LEADER}", "fields": [{{"001": ',
        "not json",
        good % (LEADER, 4),
        f'{{"leader": "{LEADER}", "fields": [{{"24": {{"subfields": []}}}}]}}',
        good % (LEADER, 6),
    ]
    doc = "\n".join(lines).encode()
    r = marcarrow.read_batches(doc, errors="skip")
    got = [row["fields"][0]["value"] for row in pa.table(r).to_pylist()]
    assert got == ["id1", "id4", "id6"]
    assert [(p.record_index, p.line) for p in r.errors] == [(1, 2), (2, 3), (4, 5)]
    with pytest.raises(marcarrow.MarcError, match="line 2"):
        marcarrow.read_arrow(doc)


def test_bad_mrk_line() -> None:
    ldr = b"=LDR  00000nam\\a2200000\\a\\4500\n"
    doc = ldr + b"=001  a\n\n" + ldr + b"245  10$ab\n\n" + ldr + b"=001  c\n"
    r = marcarrow.read_batches(doc, errors="lenient")
    got = [row["fields"][0]["value"] for row in pa.table(r).to_pylist()]
    assert got == ["a", "c"]
    (p,) = r.errors
    assert (p.line, p.column) == (5, 1)


@pytest.mark.parametrize(
    "compress", [gzip.compress, bz2.compress, lambda b: b], ids=["gzip", "bzip2", "plain"]
)
def test_format_recognised_after_decompression(compress, tmp_path: Path) -> None:
    recs = [
        pymarc.Record(leader=LEADER, fields=[pymarc.Field(tag="001", data="x1")]),
    ]
    xml = pymarc.record_to_xml(recs[0], namespace=True)
    js = json.dumps(recs[0].as_dict()).encode()
    mrk = str(recs[0]).encode()
    for name, doc in (("x.xml", xml), ("x.json", js), ("x.mrk", mrk)):
        p = tmp_path / name
        p.write_bytes(compress(doc))
        t = marcarrow.read_arrow(p)
        assert t["fields"].to_pylist()[0][0]["value"] == "x1", name
        # A file object and a stream too.
        with open(p, "rb") as f:
            assert marcarrow.read_arrow(f).num_rows == 1


def test_format_overrides_detection() -> None:
    doc = ("\n" * 3 + json.dumps({"leader": LEADER, "fields": [{"001": "a"}]})).encode()
    assert marcarrow.read_arrow(doc, format="json").num_rows == 1
    with pytest.raises(marcarrow.MarcError):
        marcarrow.read_arrow(doc, format="marcxml")
    with pytest.raises(ValueError, match="format must be"):
        marcarrow.read_arrow(doc, format="yaml")


def test_every_entry_point_reads_text_formats(tmp_path: Path) -> None:
    src = data_file("loc-bib-386.mrc")
    recs = [r for r in pymarc.MARCReader(open(src, "rb")) if r]
    xml = tmp_path / "b.xml"
    w = pymarc.XMLWriter(open(xml, "wb"))
    for r in recs:
        w.write(r)
    w.close()
    iso = marcarrow.read_arrow(src)
    assert marcarrow.read_arrow(xml).equals(iso)
    assert marcarrow.read_arrow(xml, layout="long").equals(marcarrow.read_arrow(src, layout="long"))
    assert marcarrow.read_polars(xml).shape == (386, 2)
    cols = {"id": "001", "title": "245$a"}
    where = "245$a ~ '^The'"
    assert marcarrow.read_arrow(xml, columns=cols, where=where).equals(
        marcarrow.read_arrow(src, columns=cols, where=where)
    )
    assert marcarrow.read_arrow(xml, tags=["245"]).equals(marcarrow.read_arrow(src, tags=["245"]))
    s_xml, s_iso = marcarrow.summarize(xml), marcarrow.summarize(src)
    for k in ("records", "tags", "subfields", "encodings"):
        assert s_xml[k] == s_iso[k], k
    out = tmp_path / "b.parquet"
    marcarrow.to_parquet(xml, out)
    import pyarrow.parquet as pq

    assert pq.read_table(out).num_rows == 386
    assert marcarrow.scan_marc(xml).select("leader").collect().height == 386
    from marcarrow.pymarc import MARCReader

    assert [r["245"]["a"] for r in MARCReader(str(xml))] == [r["245"]["a"] for r in recs]


def test_cli_on_text_formats(tmp_path: Path) -> None:
    recs = [r for r in pymarc.MARCReader(open(data_file("loc-bib-386.mrc"), "rb")) if r][:20]
    js = tmp_path / "b.json"
    w = pymarc.JSONWriter(open(js, "w"))
    for r in recs:
        w.write(r)
    w.close()

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "marcarrow", *args], capture_output=True, text=True
        )

    out = run("stats", str(js), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["records"] == 20
    out = run("dump", str(js), "--limit", "1")
    assert out.stdout.startswith("=LDR  ") and "=245  " in out.stdout
    out = run("convert", str(js), "-o", str(tmp_path / "o.parquet"), "-q")
    assert out.returncode == 0, out.stderr
    out = run("select", str(js), "--columns", "id=001", "-o", "-", "-q")
    assert out.returncode == 0 and len(out.stdout.splitlines()) == 21, out.stderr
    # --format overrides what the content says.
    out = run("stats", str(js), "--format", "marcxml")
    assert out.returncode == 1


def test_pymarc_shim_readers_on_real_files() -> None:
    import marcarrow.pymarc as shim

    for name in ("batch.xml", "utf8.xml"):
        path = data_file(f"pymarc/{name}")
        ours = [from_pymarc(r) for r in shim.parse_xml_to_array(str(path))]
        theirs = [from_pymarc(r) for r in pymarc.parse_xml_to_array(str(path))]
        assert ours == theirs and ours, name
        seen: list = []
        shim.map_xml(seen.append, str(path))
        assert [from_pymarc(r) for r in seen] == theirs
    for name in ("batch.json", "one.json", "test.json"):
        path = data_file(f"pymarc/{name}")
        ours = [from_pymarc(r) for r in shim.JSONReader(open(path))]
        theirs = [from_pymarc(r) for r in pymarc.JSONReader(open(path).read())]
        assert ours == theirs and ours, name
        assert [from_pymarc(r) for r in shim.parse_json_to_array(open(path))] == theirs
    text = "\n".join(str(r) for r in pymarc.parse_xml_to_array(str(data_file("pymarc/batch.xml"))))
    assert len(list(shim.MARCMakerReader(text))) == len(list(pymarc.MARCMakerReader(text)))


REAL = Path(__file__).resolve().parent / "data" / "formats"


def test_real_oai_pmh_response() -> None:
    """POD's OAI-PMH server (Stanford), as FOLIO captured it: a deleted
    header first, then three MARCXML records."""
    path = REAL / "oai_pmh_listrecords_pod_stanford.xml"
    r = marcarrow.read_batches(path)
    ours = from_table(pa.table(r))
    (p,) = r.errors
    assert p.kind == "Deleted" and p.action == "skipped" and p.record_index == 0
    theirs = [from_pymarc(x) for x in pymarc.parse_xml_to_array(str(path), strict=True)]
    assert ours == theirs and len(ours) == 3


@pytest.mark.parametrize(
    "name",
    ["sru_searchretrieve_alma_princeton.xml", "marcxml_alma_publishing_collection_no_ns.xml"],
)
def test_real_marcxml(name: str) -> None:
    """Princeton's Alma: an SRU response, and a publishing export without a
    namespace."""
    path = REAL / name
    ours = from_table(marcarrow.read_arrow(path))
    theirs = [from_pymarc(x) for x in pymarc.parse_xml_to_array(str(path))]
    assert ours == theirs and ours


def test_real_ndjson() -> None:
    """traject's MARC-in-JSON test file: 30 LoC records, one per line."""
    path = REAL / "marc_in_json_traject_lc.ndjson"
    ours = from_table(marcarrow.read_arrow(path))
    theirs = [from_pymarc(x) for line in open(path) for x in pymarc.JSONReader(line)]
    assert ours == theirs and len(ours) == 30


def test_real_marcmaker() -> None:
    """Two Biblioteca Nacional de España records as MARCMaker text."""
    path = REAL / "marcmaker_elb_spain.mrk"
    ours = from_table(marcarrow.read_arrow(path))
    theirs = [undo_blanks(from_pymarc(x)) for x in pymarc.MARCMakerReader(str(path))]
    # pymarc also makes an empty third record of the blank line at the end.
    assert theirs[2:] == [("          22        4500", ())]
    assert ours == theirs[:2]
