"""Parity with pymarc, field by field, on real files.

pymarc is the oracle for what a record contains. Two comparisons:

- bytes level, on every well-formed fixture (UTF-8 and MARC-8 alike):
  pymarc with ``to_unicode=False`` against our raw field bytes;
- text level, on the UTF-8 fixtures: pymarc with ``force_utf8=True``.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path
from typing import Any

import pymarc
import pytest
from pymarc.record import normalize_subfield_code

from conftest import data_file, head_records
from marcarrow import _marcarrow

UTF8_FILES = [
    "loc-bib-386.mrc",
    "loc-auth-150.mrc",
    "ia-edge-50.mrc",
    "pymarc/diacritic.dat",
    "pymarc/regression45.dat",
    "pymarc/one.dat",
    "pymarc/utf8_with_leader_flag.dat",
]
OTHER_FILES = [
    "uva-marc8-2000.mrc",
    "pymarc/marc8.dat",
    "pymarc/marc.dat",
    "pymarc/test.dat",
    "pymarc/1251.dat",
    "pymarc/alphatag.dat",
    "pymarc/multi_isbn.dat",
    "pymarc/testunimarc.dat",
    "pymarc/utf8_without_leader_flag.dat",
    "pymarc/utf8_invalid.mrc",
    "pymarc/utf8_errors.dat",
    "pymarc/bad_marc8_escape.dat",
    "pymarc/bad_eacc_encoding.dat",
    "pymarc/marc8-to-unicode.dat",
]


def pymarc_view(path: Path, *, raw: bool = False, **reader_options: Any) -> list[tuple]:
    """Every record as (leader, fields) the way pymarc reads it: raw bytes
    (``raw``), UTF-8 forced (the default), or as ``reader_options`` say."""
    out = []
    options = reader_options or {"to_unicode": not raw, "force_utf8": not raw}
    with (
        open(path, "rb") as f,
        warnings.catch_warnings(),
        contextlib.redirect_stderr(io.StringIO()),  # pymarc prints unmapped codes
    ):
        warnings.simplefilter("ignore")
        reader = pymarc.MARCReader(f, **options)
        for rec in reader:
            if rec is None and not (reader.current_chunk or b"x").strip(b"\r\n \x00\x1a"):
                continue  # trailing padding, which we skip silently too
            assert rec is not None, f"pymarc rejects a record: {reader.current_exception!r}"
            fields = []
            for fld in rec.fields:
                if fld.is_control_field():
                    fields.append((fld.tag, fld.data))
                else:
                    subs = [(s.code, s.value) for s in fld.subfields]
                    fields.append((fld.tag, fld.indicator1, fld.indicator2, subs))
            out.append((str(rec.leader), fields))
    return out


def code_as_pymarc(code: str, value: str, utf8: bool, conv) -> tuple:
    """Our subfield as pymarc shows it.

    We keep a subfield code as it is (lossless); pymarc folds a non-ASCII
    code to ASCII with ``normalize_subfield_code`` (and, in a record that is
    not UTF-8, re-splits code and value). Apply pymarc's rule to our bytes so
    that the comparison still checks every byte of the value.
    """
    if code.isascii():
        return (code, conv(value))
    raw = (code + value).encode("utf-8" if utf8 else "latin-1")
    norm, skip = normalize_subfield_code(raw)
    rest = raw[skip:]
    return (norm, rest if isinstance(conv(value), bytes) else rest.decode("utf-8"))


def our_view(path: Path, *, raw: bool) -> list[tuple]:
    """Our records in the same shape; ``raw`` gives values as bytes."""
    records, problems = _marcarrow._records(str(path))
    assert problems == []
    out = []
    for _index, _offset, leader, fields in records:
        utf8 = leader[9] == "a"

        def conv(s: str, utf8: bool = utf8) -> bytes | str:
            if not raw:
                return s if utf8 else s.encode("latin-1").decode("utf-8")
            return s.encode("utf-8" if utf8 else "latin-1")

        conv_fields = []
        for fld in fields:
            if len(fld) == 2:
                conv_fields.append((fld[0], conv(fld[1])))
            else:
                tag, i1, i2, subs = fld
                codes = [code_as_pymarc(c, v, utf8, conv) for c, v in subs]
                conv_fields.append((tag, i1, i2, codes))
        out.append((leader, conv_fields))
    return out


def assert_same(ours: list[tuple], theirs: list[tuple]) -> None:
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a[0] == b[0], f"record {i}: leader"
        assert [f[0] for f in a[1]] == [f[0] for f in b[1]], f"record {i}: tag order"
        for fa, fb in zip(a[1], b[1], strict=True):
            assert fa == fb, f"record {i}, field {fa[0]}"


@pytest.mark.parametrize("name", UTF8_FILES)
def test_text_parity_utf8(name: str) -> None:
    path = data_file(name)
    assert_same(our_view(path, raw=False), pymarc_view(path, raw=False))


@pytest.mark.parametrize("name", UTF8_FILES + OTHER_FILES)
def test_bytes_parity(name: str) -> None:
    path = data_file(name)
    theirs = pymarc_view(path, raw=True)
    ours = our_view(path, raw=True)
    # pymarc's raw subfield codes are str; ours were decoded the same way.
    theirs = [
        (ldr, [f if len(f) == 2 else (f[0], f[1], f[2], list(f[3])) for f in flds])
        for ldr, flds in theirs
    ]
    assert_same(ours, theirs)


def test_sample_counts() -> None:
    records, problems = _marcarrow._records(str(data_file("loc-bib-386.mrc")))
    assert len(records) == 386 and problems == []
    assert len({tag for *_, fields in records for tag, *_ in fields}) == 145
    assert sum(1 for *_, fields in records for f in fields if f[0] == "880") == 17


@pytest.mark.corpus
def test_corpus_parity_first_10000(corpus: Path, tmp_path: Path) -> None:
    path = head_records(corpus, tmp_path / "head.mrc", 10_000)
    ours = our_view(path, raw=False)
    assert len(ours) == 10_000
    assert_same(ours, pymarc_view(path, raw=False))
