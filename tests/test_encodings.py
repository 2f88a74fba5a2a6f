"""MARC-8 and other encodings, against pymarc on the real files."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from pymarc.marc8 import marc8_to_unicode

import marcarrow
from conftest import data_file
from marcarrow import _marcarrow
from test_batches import nested_as_tuples
from test_parity import pymarc_view

CLEAN_MARC8 = ["uva-marc8-2000.mrc", "pymarc/marc8.dat", "pymarc/marc.dat", "pymarc/test.dat"]
BAD_MARC8 = ["pymarc/bad_marc8_escape.dat", "pymarc/bad_eacc_encoding.dat"]


def pymarc_records(path: Path, **kwargs: Any) -> list[tuple]:
    """pymarc's reading with its own defaults (MARC-8 for leader/09 blank)."""
    return pymarc_view(path, **(kwargs or {"to_unicode": True}))


@pytest.mark.parametrize("name", CLEAN_MARC8)
def test_marc8_records_equal_pymarc(name: str) -> None:
    path = data_file(name)
    r = marcarrow.read_batches(path)
    ours = nested_as_tuples(pa.table(r))
    assert r.errors == []
    assert r.decoded_records == len(ours)
    assert ours == pymarc_records(path)


@pytest.mark.parametrize("name", BAD_MARC8)
def test_bad_marc8_strict_replace_and_pymarc_flavor(name: str) -> None:
    path = data_file(name)
    data = path.read_bytes()
    # strict (the default): the record is malformed; skip reports it.
    r = marcarrow.read_batches(path, errors="skip")
    assert pa.table(r).num_rows == 0
    (problem,) = r.errors
    assert problem.action == "skipped" and problem.error_offset > 0
    # replace: the record is kept, every substitution reported where it is.
    r = marcarrow.read_batches(path, encoding_errors="replace")
    ours = nested_as_tuples(pa.table(r))
    replaced = r.errors
    assert replaced and all(p.action == "replaced" for p in replaced)
    theirs = pymarc_records(path)
    differing = []
    for fa, fb in zip(ours[0][1], theirs[0][1], strict=True):
        if fa != fb:
            differing.append((fa, fb))
    # The only differences: what pymarc does with bad bytes (a space for an
    # unmapped character, a literal ESC for a cut-short escape) where we put
    # U+FFFD and report it.
    for fa, fb in differing:
        for (ca, va), (cb, vb) in zip(fa[3], fb[3], strict=True):
            assert ca == cb
            if va != vb:
                assert len(va) == len(vb)
                for x, y in zip(va, vb, strict=True):
                    assert x == y or (x == "\ufffd" and y in " \x1b"), (x, y)
    assert len(differing) >= 1
    for p in replaced:
        assert p.tag is not None and 0 < p.error_offset < len(data)


def test_pymarc_flavor_matches_marc8_to_unicode_on_every_value() -> None:
    """The decoder's pymarc flavor gives pymarc's output exactly, bad bytes
    included (the record iterator will use it)."""
    values = []
    for name in CLEAN_MARC8 + BAD_MARC8:
        records, _ = _marcarrow._records(str(data_file(name)))
        for *_, fields in records:
            for f in fields:
                if len(f) == 4:
                    values.extend(v.encode("latin-1") for _, v in f[3])
    lines = data_file("pymarc/test_marc8.txt").read_bytes().split(b"\n")
    values.extend(lines)
    assert len(values) > 40_000
    mismatches = []
    with contextlib.redirect_stderr(io.StringIO()):
        for v in values:
            try:
                want = marc8_to_unicode(v)
            except UnicodeDecodeError:
                with pytest.raises(UnicodeError):
                    _marcarrow._marc8_decode(v, pymarc=True)
                continue
            got, _ = _marcarrow._marc8_decode(v, pymarc=True)
            if got != want:
                mismatches.append((v, got, want))
    assert mismatches == []


def test_issues_are_reported_with_offsets() -> None:
    text, issues = _marcarrow._marc8_decode(b"ab\x01c\xe2")
    assert text == "ab\u0107"  # the dangling acute is kept (and NFC composes ć)
    assert issues[0] == (2, "control byte 0x01 dropped")
    text, issues = _marcarrow._marc8_decode(b"ab\x01c\xe2", pymarc=True)
    assert text == "abc"  # pymarc drops it
    assert [i for _, i in issues] == [
        "control byte 0x01 dropped",
        "combining mark with no base character",
    ]
    assert _marcarrow._marc8_decode(b"e\xe2", normalize=False)[0] == "e\u0301"
    assert _marcarrow._marc8_decode(b"\xe2e")[0] == "\u00e9"


def test_forced_encodings() -> None:
    # A UTF-8 record whose leader/09 says MARC-8.
    path = data_file("pymarc/utf8_without_leader_flag.dat")
    ours = nested_as_tuples(marcarrow.read_arrow(path, encoding="utf-8"))
    assert ours == pymarc_records(path, force_utf8=True)
    # Windows-1251 records.
    path = data_file("pymarc/1251.dat")
    ours = nested_as_tuples(marcarrow.read_arrow(path, encoding="cp1251"))
    assert ours == pymarc_records(path, file_encoding="cp1251")
    # latin-1 is ISO 8859-1 itself (not pymarc's MARC-8 meaning of it).
    path = data_file("uva-marc8-2000.mrc")
    ours = nested_as_tuples(marcarrow.read_arrow(path, encoding="latin-1"))
    records, _ = _marcarrow._records(str(path))  # raw values as Latin-1
    raw = [
        (ldr, [tuple(f) if len(f) == 2 else (*f[:3], [tuple(s) for s in f[3]]) for f in flds])
        for _, _, ldr, flds in records
    ]
    assert ours == raw
    with pytest.raises(ValueError, match="encoding must be"):
        marcarrow.read_batches(path, encoding="ebcdic")  # type: ignore[arg-type]


def test_invalid_utf8_replace_keeps_records() -> None:
    path = data_file("pride-many-errors-383.mrc")
    with pytest.warns(marcarrow.MarcWarning):
        t = marcarrow.read_arrow(path, encoding_errors="replace", errors="skip")
    # The 69 records with invalid UTF-8 are kept now; 16 bad directories
    # remain malformed.
    assert t.num_rows == 298 + 69
    r = marcarrow.read_batches(path, encoding_errors="replace", errors="skip")
    pa.table(r)
    actions = {p.action for p in r.errors}
    assert actions == {"replaced", "skipped"}
    data = path.read_bytes()
    for p in r.errors:
        if p.action == "replaced":
            assert data[p.error_offset] >= 0x80 and "invalid UTF-8" in p.reason


def test_marc8_tables_are_generated_from_pymarc(tmp_path: Path) -> None:
    """src/decode/marc8/tables.rs is exactly what the generator makes of pymarc's
    Library of Congress tables (so nobody edited it by hand)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "tables.rs"
    subprocess.run(
        [sys.executable, str(root / "scripts" / "gen_marc8_tables.py"), str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_text() == (root / "src" / "decode" / "marc8" / "tables.rs").read_text()
