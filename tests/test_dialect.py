"""The two readings of a record (src/marc/dialect.rs): the standard one of
the Arrow paths and pymarc's, which the record iterator follows.

One test per row of the dialect table, each on a real record changed in
one place, against pymarc itself; then mutated real records, on which the
two paths may differ only where a row says so, and the record iterator
must agree with pymarc.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pymarc
import pytest

import marcarrow
import marcarrow.pymarc as mp
from conftest import records

FT, RT, SD = 0x1E, 0x1D, 0x1F


pytestmark = pytest.mark.usefixtures("quiet_pymarc")


def fields(rec: bytes) -> list[tuple[bytes, int, int]]:
    """(tag, start, end) of each field, its terminator included."""
    base = int(rec[12:17])
    d = rec[24 : base - 1]
    if not all(d[j + 3 : j + 12].isdigit() for j in range(0, len(d), 12)):
        return []
    return [
        (
            d[j : j + 3],
            base + int(d[j + 7 : j + 12]),
            base + int(d[j + 7 : j + 12]) + int(d[j + 3 : j + 7]),
        )
        for j in range(0, len(d), 12)
    ]


def field(rec: bytes, tag: bytes) -> tuple[int, int]:
    return next((s, e) for t, s, e in fields(rec) if t == tag)


def pymarc_one(rec: bytes) -> Any:
    """pymarc's reading of one record: the record, or its exception."""
    reader = pymarc.MARCReader(rec)
    r = next(iter(reader))
    return r if r is not None else reader.current_exception


def ours_one(rec: bytes) -> Any:
    reader = mp.MARCReader(rec)
    r = next(iter(reader))
    return r if r is not None else reader.current_exception


def code_byte_not_utf8(rec: bytes, ours: Any) -> bool:
    """The one difference from pymarc that the record iterator keeps
    (docs/from-pymarc.md): in a UTF-8 record, a subfield code byte that is
    not UTF-8 makes the record invalid UTF-8; pymarc folds it as Latin-1."""
    at = getattr(ours, "error_offset", None)
    return (
        isinstance(ours, UnicodeDecodeError)
        and rec[9:10] == b"a"
        and at is not None
        and rec[at - 1] == SD
    )


def assert_iterator_is_pymarc(rec: bytes) -> Any:
    theirs, ours = pymarc_one(rec), ours_one(rec)
    if isinstance(theirs, pymarc.Record) and code_byte_not_utf8(rec, ours):
        return theirs
    if isinstance(theirs, pymarc.Record):
        assert isinstance(ours, mp.Record), ours
        assert str(ours) == str(theirs)
    else:
        assert isinstance(ours, BaseException), ours
        if isinstance(theirs, UnicodeDecodeError):
            assert isinstance(ours, UnicodeDecodeError)
        elif type(theirs) is ValueError:  # pymarc's int() on a bad number
            assert isinstance(ours, ValueError)
        else:
            assert type(ours).__name__ == type(theirs).__name__, (ours, theirs)
    return ours


def arrow_kind(rec: bytes, **kw: Any) -> str | None:
    """The standard reading: None, or the kind of the problem raised."""
    try:
        marcarrow.read_arrow(rec, **kw)
    except marcarrow.MarcError as e:
        assert e.problem is not None
        return e.problem.kind
    return None


# -- one test per row --------------------------------------------------------


def test_row_field_terminator() -> None:
    rec = bytearray(records("loc-bib-386.mrc")[0])
    _, end = field(rec, b"245")
    rec[end - 1] = ord(".")
    assert arrow_kind(bytes(rec)) == "FieldTerminatorMissing"
    assert isinstance(assert_iterator_is_pymarc(bytes(rec)), mp.Record)


def test_row_non_ascii_subfield_code() -> None:
    rec = bytearray(records("loc-bib-386.mrc")[0])
    start, _ = field(rec, b"245")
    at = rec.index(SD, start) + 1
    rec[at : at + 1] = "é".encode()
    rec[:5] = b"%05d" % len(rec)
    # The directory offsets after the 245 move by one byte: rebuild them.
    rec = bytearray(relaid(bytes(rec), b"245", +1))
    t = marcarrow.read_arrow(bytes(rec))
    codes = [
        s["code"]
        for f in t.column("fields")[0].as_py()
        if f["tag"] == "245"
        for s in f["subfields"]
    ]
    assert "é" in codes  # kept as it is
    ours = assert_iterator_is_pymarc(bytes(rec))
    assert "é" not in [s.code for s in ours["245"].subfields]  # folded, as pymarc folds it


def relaid(rec: bytes, tag: bytes, delta: int) -> bytes:
    """The record with the field ``tag`` ``delta`` bytes longer in its
    directory and the fields after it moved."""
    base = int(rec[12:17])
    out = bytearray(rec)
    seen = False
    for j in range(24, base - 1, 12):
        t, ln, off = rec[j : j + 3], int(rec[j + 3 : j + 7]), int(rec[j + 7 : j + 12])
        if seen:
            out[j + 7 : j + 12] = b"%05d" % (off + delta)
        if t == tag and not seen:
            out[j + 3 : j + 7] = b"%04d" % (ln + delta)
            seen = True
    return bytes(out)


def test_row_marc8_unmapped_byte() -> None:
    rec = bytearray(next(r for r in records("uva-marc8-2000.mrc") if r[9:10] == b" "))
    start, _ = field(rec, b"245")
    at = rec.index(SD, start) + 3
    rec[at] = 0xFF
    assert arrow_kind(bytes(rec)) == "Encoding"
    t = marcarrow.read_arrow(bytes(rec), encoding_errors="replace")
    assert "\ufffd" in str(t.column("fields")[0].as_py())
    ours = assert_iterator_is_pymarc(bytes(rec))  # pymarc: a space
    assert "\ufffd" not in str(ours)


def test_row_control_fields_of_a_marc8_record() -> None:
    rec = bytearray(next(r for r in records("uva-marc8-2000.mrc") if r[9:10] == b" "))
    start, _ = field(rec, b"001")
    rec[start] = 0xE9  # MARC-8: a combining mark; ISO 8859-1: "é"
    t = marcarrow.read_arrow(bytes(rec), encoding_errors="replace")
    ours = assert_iterator_is_pymarc(bytes(rec))
    assert ours["001"].data.startswith("é")
    ours_001 = next(f["value"] for f in t.column("fields")[0].as_py() if f["tag"] == "001")
    assert not ours_001.startswith("é")


def test_row_field_past_the_end() -> None:
    rec = bytearray(records("loc-bib-386.mrc")[0])
    last = max(fields(bytes(rec)), key=lambda f: f[1])
    j = next(
        j
        for j in range(24, int(rec[12:17]) - 1, 12)
        if int(rec[j + 7 : j + 12]) + int(rec[12:17]) == last[1]
    )
    rec[j + 3 : j + 7] = b"%04d" % (last[2] - last[1] + 40)
    assert arrow_kind(bytes(rec)) == "FieldOutOfRange"
    assert isinstance(assert_iterator_is_pymarc(bytes(rec)), mp.Record)


def test_row_indicators_that_are_not_ascii() -> None:
    for name in ("loc-bib-386.mrc", "uva-marc8-2000.mrc"):
        rec = bytearray(records(name)[1])
        start, _ = field(rec, b"245")
        rec[start + 1] = 0xFF
        assert arrow_kind(bytes(rec), encoding_errors="replace") is None
        ours = assert_iterator_is_pymarc(bytes(rec))
        assert isinstance(ours, UnicodeDecodeError) and isinstance(ours, marcarrow.MarcError)
        # utf8_handling does not reach indicators, in pymarc or here.
        reader = mp.MARCReader(bytes(rec), utf8_handling="replace")
        assert list(reader) == [None]


def test_row_dropped_byte_is_not_decoded() -> None:
    rec = bytearray(records("loc-bib-386.mrc")[0])
    assert rec[9:10] == b"a"
    _, end = field(rec, b"245")
    rec[end - 1] = 0xFF
    assert arrow_kind(bytes(rec)) == "FieldTerminatorMissing"
    assert isinstance(assert_iterator_is_pymarc(bytes(rec)), mp.Record)


def test_row_end_of_the_directory() -> None:
    rec = bytearray(records("uva-marc8-2000.mrc")[0])
    rec[int(rec[12:17]) - 1] = ord("x")
    assert arrow_kind(bytes(rec)) == "BaseAddressInvalid"
    assert isinstance(assert_iterator_is_pymarc(bytes(rec)), mp.Record)


def test_row_numbers_in_the_directory_and_base_address() -> None:
    rec = bytearray(records("loc-bib-386.mrc")[0])
    rec[24 + 3 : 24 + 7] = b" %03d" % int(rec[24 + 3 : 24 + 7])  # first entry's length
    assert arrow_kind(bytes(rec)) == "DirectoryInvalid"
    assert isinstance(assert_iterator_is_pymarc(bytes(rec)), mp.Record)
    rec = bytearray(records("loc-bib-386.mrc")[0])
    rec[12:17] = b"+%04d" % int(rec[12:17])
    assert arrow_kind(bytes(rec)) == "BaseAddressInvalid"
    assert isinstance(assert_iterator_is_pymarc(bytes(rec)), mp.Record)
    # What int() refuses, pymarc refuses too (a bare ValueError there).
    rec[24 + 3 : 24 + 7] = b"0 12"
    assert isinstance(assert_iterator_is_pymarc(bytes(rec)), ValueError)


def test_row_tag_with_control_bytes() -> None:
    rec = bytearray(records("loc-bib-386.mrc")[0])
    j = next(j for j in range(24, int(rec[12:17]) - 1, 12) if rec[j : j + 3] == b"245")
    rec[j + 2] = 0x05
    assert arrow_kind(bytes(rec)) == "DirectoryInvalid"
    ours = assert_iterator_is_pymarc(bytes(rec))
    assert isinstance(ours, mp.Record) and ours.get_fields("24\x05")


# -- mutated real records ---------------------------------------------------


def explained(kind: str, rec: bytes) -> str | None:
    """The row of the table under which the standard reading rejects, as
    ``kind``, a record that pymarc's reading accepts; None if none does."""
    base = int(rec[12:17])
    tags = [rec[j : j + 3] for j in range(24, base - 1, 12)]
    if kind == "BaseAddressInvalid" and python_only(rec[12:17]):
        return "numbers in the directory and the base address"
    if kind == "BaseAddressInvalid" and rec[base - 1] != FT:
        return "the byte that ends the directory"
    if kind == "FieldTerminatorMissing":
        return "field terminator"
    if kind == "FieldOutOfRange":
        return "a field past the end of the record"
    if kind == "Encoding" and rec[9:10] != b"a":
        return "MARC-8 unmapped bytes"
    if kind == "DirectoryInvalid" and any(b < 0x20 or b == 0x7F for t in tags for b in t):
        return "a tag with ASCII control bytes"
    if kind == "DirectoryInvalid" and any(
        python_only(rec[j + 3 : j + 7])
        or python_only(rec[j + 7 : j + 12])
        or rec[j + 3 : j + 7] == b"0000"
        for j in range(24, base - 1, 12)
    ):
        return "numbers in the directory and the base address"
    return None


def python_only(number: bytes) -> bool:
    """A directory number that is not all digits but that int() reads."""
    try:
        int(number)
    except ValueError:
        return False
    return not number.isdigit()


def pool() -> list[bytes]:
    return (
        records("loc-bib-386.mrc")[:60]
        + records("uva-marc8-2000.mrc")[:60]
        + records("ia-edge-50.mrc")
    )


def mutations(rng: random.Random) -> list[Callable[[bytearray], None]]:
    def flip(r: bytearray) -> None:
        r[rng.randrange(24, len(r) - 1)] = rng.randrange(256)

    def ff(r: bytearray) -> None:
        r[rng.randrange(24, len(r) - 1)] = 0xFF

    def delimiter(r: bytearray) -> None:
        r[rng.randrange(24, len(r) - 1)] = rng.choice((FT, SD, RT))

    def directory(r: bytearray) -> None:
        base = int(r[12:17])
        if base > 37:
            r[rng.randrange(24, base - 1)] = rng.choice(b"0123456789 ")

    def leader(r: bytearray) -> None:
        r[rng.randrange(5, 24)] = rng.choice(b"0123456789 a\xff")

    return [flip, ff, delimiter, directory, leader]


def test_mutated_records_differ_only_where_the_table_says() -> None:
    """The Arrow path (standard, skip) and the record iterator (pymarc) on
    one mutated record between two good ones: the records around it always
    arrive, and where the two readings disagree on the mutated record the
    standard problem is one that a dialect row explains. The record
    length and terminator are kept, so that pymarc frames the record as
    marcarrow does and the iterator is compared with pymarc too."""
    rng = random.Random(20261203)
    recs = pool()
    muts = mutations(rng)
    disagreements: dict[str, int] = {}
    for case in range(400):
        good = rng.choice(recs)
        bad = bytearray(rng.choice(recs))
        rng.choice(muts)(bad)
        data = good + bytes(bad) + good

        batches = marcarrow.read_batches(data, errors="skip")
        tables = [pa.record_batch(b) for b in batches]
        rows = sum(t.num_rows for t in tables)
        kinds = [p.kind for p in batches.errors]
        items = [r if r is not None else e for r, e in _iterate(data)]
        assert (
            len(items) == 3 and isinstance(items[0], mp.Record) and isinstance(items[2], mp.Record)
        )
        assert rows in (2, 3) and len(kinds) == 3 - rows, (case, kinds)

        assert_iterator_is_pymarc(bytes(bad))
        iterator_ok = isinstance(items[1], mp.Record)
        if (rows == 3) == iterator_ok:
            continue
        if iterator_ok:
            why = explained(kinds[0], bytes(bad))
            assert why is not None, (case, kinds, bytes(bad))
        else:
            # The standard reading took it; pymarc's refuses its indicators.
            assert isinstance(items[1], UnicodeDecodeError), (case, items[1])
            why = "indicators that are not ASCII"
        disagreements[why] = disagreements.get(why, 0) + 1
    # The mutations do reach the rows (otherwise this test checks nothing).
    assert len(disagreements) >= 3, disagreements


def _iterate(data: bytes) -> list[tuple[Any, Any]]:
    reader = mp.MARCReader(data)
    out = []
    for r in reader:
        out.append((r, reader.current_exception))
    return out
