"""The pymarc-compatible record iterator against pymarc itself.

pymarc (5.4.0, a test-only dependency) is the oracle: on every record of
every real fixture it can read, ``marcarrow.pymarc`` must give the same
text, dict, properties, fields and ISO 2709 bytes, and on the bad files
the same sequence of records and ``None``s (with exceptions of the same
classes) up to the point where pymarc stops.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path
from typing import Any

import pymarc
import pytest

import marcarrow
import marcarrow.pymarc as mp
from conftest import DATA, data_file, head_records

FIXTURES = sorted(
    p.relative_to(DATA).as_posix()
    for p in [*DATA.glob("*.mrc"), *DATA.glob("pymarc/*.dat"), *DATA.glob("pymarc/*.mrc")]
)

PROPERTIES = [
    "title",
    "author",
    "isbn",
    "issn",
    "issn_title",
    "issnl",
    "sudoc",
    "uniformtitle",
    "publisher",
    "pubyear",
]
FIELD_LISTS = [
    "series",
    "subjects",
    "addedentries",
    "location",
    "notes",
    "physicaldescription",
]


def pymarc_items(path: Path) -> list[Any]:
    """pymarc's sequence: records, or exceptions where it yields None."""
    out: list[Any] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open(path, "rb") as fh:
            reader = pymarc.MARCReader(fh)
            for rec in reader:
                out.append(rec if rec is not None else reader.current_exception)
    return out


def our_items(source: Any, **kwargs: Any) -> list[Any]:
    out: list[Any] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mp.BadSubfieldCodeWarning)
        reader = mp.MARCReader(source, **kwargs)
        for rec in reader:
            out.append(rec if rec is not None else reader.current_exception)
    return out


def assert_same_record(ours: mp.Record, theirs: pymarc.Record) -> None:
    assert str(ours) == str(theirs)
    assert ours.as_dict() == theirs.as_dict()
    assert ours.as_json() == theirs.as_json()
    for name in PROPERTIES:
        assert getattr(ours, name) == getattr(theirs, name), name
    for name in FIELD_LISTS:
        assert [str(f) for f in getattr(ours, name)] == [str(f) for f in getattr(theirs, name)]
    for tag in {f.tag for f in theirs.fields}:
        assert [str(f) for f in ours.get_fields(tag)] == [str(f) for f in theirs.get_fields(tag)]
        assert str(ours[tag]) == str(theirs[tag])
        assert tag in ours
    for o, t in zip(ours.fields, theirs.fields, strict=True):
        assert o.value() == t.value()
        assert o.format_field() == t.format_field()
        assert o.is_control_field() == t.is_control_field()
        assert o.linkage_occurrence_num() == t.linkage_occurrence_num()
        if not t.control_field:
            assert tuple(o.indicators) == tuple(t.indicators)
            assert o.subfields_as_dict() == t.subfields_as_dict()
            for code in {s.code for s in t.subfields}:
                assert o[code] == t[code]
                assert o.get_subfields(code) == t.get_subfields(code)
    assert ours.as_marc() == theirs.as_marc()
    # Our bytes read back by pymarc give the same record.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = pymarc.Record(data=ours.as_marc())
        assert str(back) == str(pymarc.Record(data=theirs.as_marc()))


@pytest.mark.parametrize("name", FIXTURES)
def test_sequence_parity(name: str) -> None:
    path = data_file(name)
    theirs = pymarc_items(path)
    ours = our_items(str(path))
    # pymarc stops after a FatalReaderError: compare up to there.
    stop = next(
        (i for i, t in enumerate(theirs) if isinstance(t, pymarc.FatalReaderError)), len(theirs)
    )
    assert len(ours) >= stop
    for i in range(stop):
        t, o = theirs[i], ours[i]
        if isinstance(t, pymarc.Record):
            assert isinstance(o, mp.Record), (i, o)
            assert_same_record(o, t)
        else:
            assert isinstance(o, BaseException), (i, t)
            if isinstance(t, UnicodeDecodeError):
                assert isinstance(o, UnicodeDecodeError)
            elif type(t) is ValueError:  # pymarc's int() on a bad number
                assert isinstance(o, ValueError)
            else:
                assert type(o).__name__ == type(t).__name__
            assert isinstance(o, pymarc.PymarcException | UnicodeDecodeError | mp.PymarcException)
            assert isinstance(o, marcarrow.MarcError)
            assert o.record_index is not None and o.byte_offset is not None


def test_we_go_on_where_pymarc_stops() -> None:
    """hathi-oversize-5: pymarc gives 3 records and stops on a fatal error;
    marcarrow resynchronises and delivers the rest."""
    path = data_file("hathi-oversize-5.mrc")
    theirs = pymarc_items(path)
    assert [isinstance(t, pymarc.Record) for t in theirs] == [True, True, True, False]
    ours = our_items(str(path))
    assert sum(isinstance(o, mp.Record) for o in ours) == 4
    assert sum(isinstance(o, mp.Record) for o in our_items(str(path), errors="lenient")) == 5


def test_bad_subfield_code_is_read_and_warned_as_pymarc_does() -> None:
    path = data_file("pymarc/bad_subfield_code.dat")
    with pytest.warns(mp.BadSubfieldCodeWarning):
        record = next(iter(mp.MARCReader(str(path))))
    assert record["245"]["a"] == "ActivePerl with ASP and ADO /"


def test_bad_records_exceptions_carry_coordinates() -> None:
    path = data_file("pymarc/bad_records.mrc")
    raw = path.read_bytes()
    reader = mp.MARCReader(str(path))
    seen = []
    for rec in reader:
        if rec is None:
            e = reader.current_exception
            assert isinstance(e, mp.PymarcException | UnicodeDecodeError)
            assert isinstance(e, marcarrow.MarcError)
            seen.append((type(e).__name__, e.record_index, e.byte_offset))
            chunk = reader.current_chunk
            assert chunk and raw[e.byte_offset : e.byte_offset + len(chunk)] == chunk
        else:
            assert reader.current_exception is None
            assert reader.current_chunk == rec.as_marc() or reader.current_chunk in raw
    assert seen and all(i is not None for _, i, _ in seen)
    assert [i for _, i, _ in seen] == sorted(i for _, i, _ in seen)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: str(p),
        lambda p: p,
        lambda p: p.read_bytes(),
        lambda p: open(p, "rb"),  # noqa: SIM115
        lambda p: io.BytesIO(p.read_bytes()),
    ],
    ids=["str", "path", "bytes", "file", "bytesio"],
)
def test_every_input_type(make: Any) -> None:
    path = data_file("loc-bib-386.mrc")
    with mp.MARCReader(make(path)) as reader:
        titles = [r.title for r in reader]
    assert titles == [r.title for r in pymarc_items(path)]


@pytest.mark.parametrize("name", ["pymarc/bad_records.mrc", "pride-many-errors-383.mrc"])
def test_current_chunk_from_a_file_object_matches_pymarc(name: str) -> None:
    """pymarc's reader keeps every record's raw bytes, good or bad; ours
    does too, even from a file object that cannot be read twice."""
    path = data_file(name)
    with open(path, "rb") as fh:
        reader = pymarc.MARCReader(fh)
        theirs = [(r is None, reader.current_chunk) for r in reader]
    with open(path, "rb") as fh:
        reader = mp.MARCReader(fh)
        ours = [(r is None, reader.current_chunk) for r in reader]
    stop = len(theirs)
    if name.startswith("pymarc/"):
        stop -= 1  # pymarc's last item is the fatal truncation it stops on
    assert ours[:stop] == theirs[:stop]


def test_threads_and_batch_size_do_not_change_records() -> None:
    path = data_file("uva-marc8-2000.mrc")
    one = [str(r) for r in mp.MARCReader(str(path), threads=1, batch_size=7)]
    two = [str(r) for r in mp.MARCReader(str(path), threads=2)]
    assert one == two and len(one) == 2000


def test_unknown_type_and_text_mode() -> None:
    with pytest.raises(TypeError, match="expected"):
        mp.MARCReader(42)
    with (
        open(data_file("loc-bib-386.mrc"), encoding="latin-1") as fh,
        pytest.raises(TypeError, match="text mode"),
    ):
        mp.MARCReader(fh)


def test_unsupported_options_are_refused() -> None:
    sample = str(data_file("loc-bib-386.mrc"))
    with pytest.raises(ValueError, match="file_encoding"):
        mp.MARCReader(sample, file_encoding="koi8-r")
    with pytest.raises(ValueError, match="utf8_handling"):
        mp.MARCReader(sample, utf8_handling="surrogateescape")


@pytest.mark.parametrize("handling", ["replace", "ignore"])
def test_utf8_handling_matches_pymarc(handling: str) -> None:
    path = data_file("pride-many-errors-383.mrc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open(path, "rb") as fh:
            theirs = list(pymarc.MARCReader(fh, utf8_handling=handling))
    ours = list(mp.MARCReader(str(path), utf8_handling=handling))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs, strict=True):
        assert (o is None) == (t is None)
        if t is not None:
            assert str(o) == str(t)


@pytest.mark.parametrize(
    "name", ["uva-marc8-2000.mrc", "loc-bib-386.mrc", "pride-many-errors-383.mrc"]
)
def test_to_unicode_false_gives_pymarcs_bytes(name: str) -> None:
    path = data_file(name)
    with open(path, "rb") as fh:
        theirs = list(pymarc.MARCReader(fh, to_unicode=False))
    ours = list(mp.MARCReader(str(path), to_unicode=False))
    assert len(ours) == len(theirs)

    def fields(r: Any) -> list[Any]:
        return [(f.tag, f.data, f.indicators, f.subfields) for f in r.fields]

    for o, t in zip(ours, theirs, strict=True):
        assert (o is None) == (t is None)
        if t is not None:
            assert all(isinstance(f, mp.RawField) for f in o.fields)
            if "245" in t and "a" in t["245"]:
                assert o["245"]["a"] == t["245"]["a"]
            assert fields(o) == fields(t)
            assert o.as_marc() == t.as_marc()


def test_force_utf8_matches_pymarc() -> None:
    path = data_file("pymarc/utf8_without_leader_flag.dat")
    with open(path, "rb") as fh:
        theirs = list(pymarc.MARCReader(fh, force_utf8=True))
    ours = list(mp.MARCReader(str(path), force_utf8=True))
    assert [str(r) for r in ours] == [str(r) for r in theirs]
    assert ours[0].as_marc() == theirs[0].as_marc()


def test_record_from_bytes_and_its_errors() -> None:
    raw = data_file("loc-bib-386.mrc").read_bytes()
    first = raw[: raw.index(b"\x1d") + 1]
    assert str(mp.Record(data=first)) == str(pymarc.Record(data=first))
    for bad in (b"00026nam a2200025   4500\x1d", b"00050nam a2200025   4500\x1e0011\x1d"):
        with pytest.raises(pymarc.PymarcException) as theirs:
            pymarc.Record(data=bad)
        with pytest.raises(mp.PymarcException) as ours:
            mp.Record(data=bad)
        assert type(ours.value).__name__ == type(theirs.value).__name__
        assert isinstance(ours.value, marcarrow.MarcError)


# -- unit tests per class and method -------------------------------------


def make_record(lib: Any = mp) -> Any:
    """The same small record, built with ``lib`` (marcarrow.pymarc or pymarc)."""
    r = lib.Record()
    r.add_field(
        lib.Field(tag="001", data="ocm 123"),
        lib.Field(
            tag="245",
            indicators=lib.Indicators("1", "0"),
            subfields=[
                lib.Subfield("a", "The pragmatic programmer :"),
                lib.Subfield("b", "from journeyman to master /"),
                lib.Subfield("c", "Andrew Hunt."),
            ],
        ),
        lib.Field(tag="650", indicators=["", "0"], subfields=[lib.Subfield("a", "Programming")]),
    )
    return r


def test_built_record_matches_pymarc() -> None:
    ours, theirs = make_record(), make_record(pymarc)
    assert str(ours) == str(theirs)
    assert ours.as_marc() == theirs.as_marc()
    assert ours.as_dict() == theirs.as_dict()
    assert ours.title == theirs.title == "The pragmatic programmer : from journeyman to master /"


def test_leader() -> None:
    lead = mp.Leader("00475cas a2200169 i 4500")
    assert lead.record_length == "00475"
    assert lead.bibliographic_level == "s"
    assert lead[5] == "c" and lead[0:5] == "00475" and lead["coding_scheme"] == "a"
    lead.record_status = "n"
    lead[6] = "t"
    lead["encoding_level"] = "7"
    assert str(lead) == "00475nts a22001697i 4500"
    with pytest.raises(mp.BadLeaderValue):
        lead.record_status = "too long"
    with pytest.raises(mp.RecordLeaderInvalid):
        mp.Leader("short")


def test_field_reading_methods() -> None:
    f = make_record()["245"]
    assert f["a"] == "The pragmatic programmer :"
    assert f.get("z") is None and f.get("z", "dflt") == "dflt"
    assert "b" in f and "z" not in f
    assert f.get_subfields("a", "c") == ["The pragmatic programmer :", "Andrew Hunt."]
    assert f.subfields_as_dict() == {
        "a": ["The pragmatic programmer :"],
        "b": ["from journeyman to master /"],
        "c": ["Andrew Hunt."],
    }
    assert f.indicator1 == "1" and f.indicators == mp.Indicators("1", "0")
    assert [s.code for s in f] == ["a", "b", "c"]
    assert not f.is_control_field() and not f.is_subject_field()
    assert (
        str(f) == "=245  10$aThe pragmatic programmer :$bfrom journeyman to master /$cAndrew Hunt."
    )
    with pytest.raises(KeyError):
        f["z"]
    control = make_record()["001"]
    assert control.is_control_field() and control.value() == "ocm 123"
    assert str(control) == "=001  ocm\\123"
    with pytest.raises(KeyError):
        control["a"]


def test_field_editing() -> None:
    f = mp.Field(tag="245", indicators=mp.Indicators("0", "0"), subfields=[mp.Subfield("a", "x")])
    f.add_subfield("b", "y")
    f.add_subfield("6", "880-01", 0)
    assert f.get_subfields("6", "a", "b") == ["880-01", "x", "y"]
    assert f.linkage_occurrence_num() == "01"
    f["a"] = "z"
    assert f["a"] == "z"
    assert f.delete_subfield("b") == "y" and f.delete_subfield("b") is None
    f.indicator2 = "4"
    assert f.indicators == mp.Indicators("0", "4")
    f.add_subfield("a", "again")
    with pytest.raises(KeyError):
        f["a"] = "ambiguous"
    with pytest.raises(ValueError):
        mp.Field(tag="245", subfields=["a", "old style"])  # type: ignore[list-item]
    legacy = mp.Field.convert_legacy_subfields(["a", "x", "b", "y"])
    assert legacy == [mp.Subfield("a", "x"), mp.Subfield("b", "y")]
    assert mp.Field(tag="245", subfields=legacy) == mp.Field(tag="245", subfields=legacy)
    assert mp.Field(tag="245", subfields=legacy) != mp.Field(tag="246", subfields=legacy)
    assert mp.Field(tag=8, data="x").tag == "008"


def _edited(lib: Any, rec: Any) -> Any:
    rec.add_ordered_field(
        lib.Field(tag="100", indicators=["1", " "], subfields=[lib.Subfield("a", "Hunt")])
    )
    rec.add_grouped_field(
        lib.Field(tag="655", indicators=[" ", "7"], subfields=[lib.Subfield("a", "Manual")])
    )
    rec.add_ordered_field(
        lib.Field(tag="020", indicators=[" ", " "], subfields=[lib.Subfield("a", "0-201-6X (pbk)")])
    )
    rec["245"]["a"] = "Pragmatic :"
    rec["245"].indicator1 = "0"
    rec.remove_field(rec.get_fields("650")[0])
    rec.remove_fields("001")
    return rec


def test_edits_are_reflected_in_as_marc() -> None:
    ours, theirs = _edited(mp, make_record()), _edited(pymarc, make_record(pymarc))
    assert str(ours) == str(theirs)
    assert ours.isbn == theirs.isbn == "0-201-6X".replace("-", "")
    assert ours.as_marc() == theirs.as_marc()


def test_edits_on_read_records() -> None:
    """Records read lazily take edits like built ones, through every path."""
    path = data_file("loc-bib-386.mrc")
    with open(path, "rb") as fh:
        theirs = [_edited_read(pymarc, r) for r in pymarc.MARCReader(fh)]
    ours = [_edited_read(mp, r) for r in mp.MARCReader(str(path))]
    for o, t in zip(ours, theirs, strict=True):
        assert str(o) == str(t)
        assert o.as_marc() == t.as_marc()


def _edited_read(lib: Any, rec: Any) -> Any:
    title = rec["245"]  # handed out before the record is materialised
    title.add_subfield("9", "local")
    rec.add_field(lib.Field(tag="999", indicators=["f", "f"], subfields=[lib.Subfield("i", "x")]))
    rec["245"]["9"] = "edited"  # the same Field object as `title`
    assert title["9"] == "edited"
    for f in rec.get_fields("650"):
        f.indicators = lib.Indicators(f.indicator1, "7")
    rec.remove_fields("856", "500")
    return rec


def test_copy_and_pickle() -> None:
    import copy
    import pickle

    records = list(mp.MARCReader(str(data_file("uva-marc8-2000.mrc"))))[:20]
    for r in records:
        title = r["245"]  # a lazy field handed out before copying
        text = str(r)
        clones = (copy.deepcopy(r), pickle.loads(pickle.dumps(r)), copy.copy(r))
        assert [str(c) for c in clones] == [text] * 3
        # as_marc() marks the leader UTF-8 (as pymarc does), so compare after.
        assert [c.as_marc() for c in clones] == [r.as_marc()] * 3
        deep = copy.deepcopy(r)
        deep["245"].add_subfield("9", "only in the copy")
        assert "9" not in title and "9" in deep["245"]
        assert str(copy.deepcopy(title)) == str(title)


def test_linked_fields() -> None:
    path = data_file("loc-bib-386.mrc")
    with open(path, "rb") as fh:
        theirs = list(pymarc.MARCReader(fh))
    ours = list(mp.MARCReader(str(path)))
    checked = 0
    for o, t in zip(ours, theirs, strict=True):
        for of, tf in zip(o.fields, t.fields, strict=True):
            if tf.tag != "880" and tf.get("6"):
                try:
                    expected = [str(f) for f in t.get_linked_fields(tf)]
                except pymarc.MissingLinkedFields:
                    with pytest.raises(mp.MissingLinkedFields):
                        o.get_linked_fields(of)
                    continue
                assert [str(f) for f in o.get_linked_fields(of)] == expected
                checked += 1
    assert checked > 0


def test_writers_match_pymarc(tmp_path: Path) -> None:
    path = data_file("uva-marc8-2000.mrc")
    with open(path, "rb") as fh:
        theirs = list(pymarc.MARCReader(fh))[:50]
    ours = list(mp.MARCReader(str(path)))[:50]
    for lib, recs, tag in ((pymarc, theirs, "p"), (mp, ours, "m")):
        with open(tmp_path / f"{tag}.mrc", "wb") as fh:
            w = lib.MARCWriter(fh)
            for r in recs:
                w.write(r)
            w.close()
        text = io.StringIO()
        tw = lib.TextWriter(text)
        js = io.StringIO()
        jw = lib.JSONWriter(js)
        xml = io.BytesIO()
        xw = lib.XMLWriter(xml)
        for r in recs:
            tw.write(r)
            jw.write(r)
            xw.write(r)
        tw.close(close_fh=False)
        jw.close(close_fh=False)
        xw.close(close_fh=False)
        (tmp_path / f"{tag}.txt").write_text(text.getvalue())
        (tmp_path / f"{tag}.json").write_text(js.getvalue())
        (tmp_path / f"{tag}.xml").write_bytes(xml.getvalue())
    for ext in ("mrc", "txt", "json", "xml"):
        assert (tmp_path / f"m.{ext}").read_bytes() == (tmp_path / f"p.{ext}").read_bytes(), ext
    with pytest.raises(mp.WriteNeedsRecord):
        mp.MARCWriter(io.BytesIO()).write("not a record")  # type: ignore[arg-type]
    # Read back: JSON and XML give the same records.
    back_json = mp.JSONReader((tmp_path / "m.json").read_text())
    assert [str(r) for r in back_json] == [str(r) for r in ours]
    back_xml = mp.parse_xml_to_array(str(tmp_path / "m.xml"))
    assert [str(r) for r in back_xml] == [str(r) for r in ours]
    assert [r.as_dict() for r in mp.parse_json_to_array(str(tmp_path / "m.json"))] == [
        json.loads(r.as_json()) for r in ours
    ]


def test_read_modify_write_script_runs_unchanged(tmp_path: Path) -> None:
    """A typical pymarc script, run with each library, writes the same bytes."""
    script = """
def run(pymarc, src, dst):
    with open(src, "rb") as fh, open(dst, "wb") as out:
        reader = pymarc.MARCReader(fh)
        writer = pymarc.MARCWriter(out)
        for record in reader:
            if record is None:
                continue
            for f in record.get_fields("650"):
                if "x" in f:
                    f.delete_subfield("x")
            if "245" in record and record["245"].get("c"):
                record["245"]["c"] = record["245"]["c"].upper()
            record.add_ordered_field(
                pymarc.Field(tag="910", indicators=pymarc.Indicators(" ", " "),
                             subfields=[pymarc.Subfield("a", "processed")])
            )
            writer.write(record)
        writer.close(close_fh=False)
"""
    ns: dict[str, Any] = {}
    exec(script, ns)
    src = data_file("loc-bib-386.mrc")
    ns["run"](pymarc, src, tmp_path / "p.mrc")
    ns["run"](mp, src, tmp_path / "m.mrc")
    assert (tmp_path / "m.mrc").read_bytes() == (tmp_path / "p.mrc").read_bytes()


def test_exception_hierarchy() -> None:
    for name in (
        "RecordLengthInvalid",
        "TruncatedRecord",
        "EndOfRecordNotFound",
        "RecordLeaderInvalid",
        "BaseAddressInvalid",
        "BaseAddressNotFound",
        "RecordDirectoryInvalid",
        "NoFieldsFound",
        "FieldNotFound",
    ):
        cls = getattr(mp, name)
        assert issubclass(cls, mp.PymarcException)
        assert issubclass(cls, marcarrow.MarcError)
        assert str(cls()) == str(getattr(pymarc, name)())
    assert issubclass(mp.RecordLengthInvalid, mp.FatalReaderError)
    assert issubclass(mp.RecordDecodeError, UnicodeDecodeError)


def test_submodules_and_names() -> None:
    import types

    import marcarrow.pymarc.exceptions
    import marcarrow.pymarc.field
    import marcarrow.pymarc.leader
    import marcarrow.pymarc.reader
    import marcarrow.pymarc.record
    import marcarrow.pymarc.writer  # noqa: F401

    def api(name: str, value: object) -> bool:
        # pymarc's star imports also re-export the stdlib and typing names
        # its modules import; those are not its API.
        if name.startswith("_") or name == "feature_namespaces":
            return False
        if isinstance(value, types.ModuleType):
            return False
        module = getattr(value, "__module__", "pymarc") or "pymarc"
        return module.startswith("pymarc") or not callable(value)

    names = [n for n, v in vars(pymarc).items() if api(n, v)]
    assert len(names) > 50
    assert [n for n in names if not hasattr(mp, n)] == []
    assert marcarrow.MARCReader is mp.MARCReader and marcarrow.MARCWriter is mp.MARCWriter


def test_marc8_helpers_match_pymarc() -> None:
    raw = data_file("uva-marc8-2000.mrc").read_bytes()
    values = [v for v in raw.split(b"\x1f")[1:2000] if v]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for v in values:
            assert mp.marc8_to_unicode(v[1:]) == pymarc.marc8_to_unicode(v[1:])
            assert mp.MARC8ToUnicode().translate(v[1:]) == pymarc.MARC8ToUnicode().translate(v[1:])


def test_corpus_parity_first_2000(corpus: Path, tmp_path: Path) -> None:
    path = head_records(corpus, tmp_path / "head.mrc", 2000)
    theirs = pymarc_items(path)
    ours = our_items(str(path))
    assert len(ours) == len(theirs) == 2000
    for o, t in zip(ours, theirs, strict=True):
        assert_same_record(o, t)
