"""Defects found by mutating real records, each pinned by its input."""

from __future__ import annotations

import pyarrow as pa
import pytest

import marcarrow
from marcarrow import Action, MarcError
from marcarrow.pymarc import MARCReader, Record

# A field whose directory length cuts "é" in two under pymarc's reading
# (the last byte of the length is dropped, whatever it is).
CUT_UTF8 = bytes.fromhex(
    "30303036346e616d206132323030303439202020343530303234353030313330303030303530"
    "303030303730303030371e31301f6141421e20201f61c3a91e1d"
)


def good() -> bytes:
    return marcarrow.SAMPLE.read_bytes()[: int(marcarrow.SAMPLE.read_bytes()[:5])]


def test_cut_utf8_character_is_a_problem_not_a_runtime_error() -> None:
    data = good() + CUT_UTF8 + good()
    # The record iterator (skip, as pymarc): the records around it arrive,
    # the bad one is None, as pymarc's reader gives it.
    reader = MARCReader(data)
    got, excs = [], []
    for r in reader:
        got.append(r)
        excs.append(reader.current_exception)
    assert [r is None for r in got] == [False, True, False]
    assert isinstance(excs[1], UnicodeDecodeError) and isinstance(excs[1], MarcError)
    assert excs[1].record_index == 1
    # Replacing: the record arrives with U+FFFD for the cut character.
    got = list(MARCReader(data, utf8_handling="replace"))
    assert len(got) == 3 and all(r is not None for r in got)
    # Record(data=...) raises a MarcError carrying the problem.
    with pytest.raises(MarcError) as e2:
        Record(data=CUT_UTF8)
    assert e2.value.problem is not None and e2.value.problem.kind == "InvalidUtf8"
    # The Arrow paths agree under each policy.
    batches = marcarrow.read_batches(data, errors="skip")
    assert sum(pa.record_batch(b).num_rows for b in batches) == 2
    assert [p.action for p in batches.errors] == [Action.SKIPPED]
    # By the standard the 245 is not cut inside a character: it runs past
    # its terminator, a structural fault that no encoding policy repairs.
    with pytest.raises(MarcError) as e3:
        marcarrow.read_arrow(data)
    assert e3.value.problem is not None and e3.value.problem.kind == "FieldTerminatorMissing"
    with pytest.raises(MarcError):
        marcarrow.read_arrow(data, encoding_errors="replace")
    # Lenient: the fields are taken between their terminators and reported.
    with pytest.warns(marcarrow.MarcWarning, match="field terminators"):
        t = marcarrow.read_arrow(data, errors="lenient")
    assert t.num_rows == 3
    fields = t.column("fields")[1].as_py()
    assert [f["subfields"][0]["value"] for f in fields] == ["AB", "é"]
