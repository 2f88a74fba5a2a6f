"""Hostile inputs, from Python (hypothesis): arbitrary bytes and mutated
real records through the entry points, under option combinations. The only
outcomes allowed are records, problems, or MarcError / ValueError /
TypeError / OSError; never a panic, another exception type, or a hang.

Derandomised with a fixed budget, so that CI runs the same examples as a
developer's machine (hypothesis is pinned in scripts/test.sh).
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import marcarrow
import marcarrow.pymarc as mp
from conftest import records

ALLOWED = (marcarrow.MarcError, ValueError, TypeError, OSError)
HOSTILE = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


pytestmark = pytest.mark.usefixtures("quiet_pymarc")
# Good records, and real malformed ones (pride-many-errors).
RECORDS = [
    r
    for name in ("loc-bib-386.mrc", "uva-marc8-2000.mrc", "pride-many-errors-383.mrc")
    for r in records(name)[:40]
]

options = st.fixed_dictionaries(
    {},
    optional={
        "errors": st.sampled_from(["strict", "lenient", "skip"]),
        "encoding": st.sampled_from(["auto", "utf-8", "marc-8", "latin-1", "cp1251"]),
        "encoding_errors": st.sampled_from(["strict", "replace", "ignore"]),
        "layout": st.sampled_from(["nested", "long"]),
        "threads": st.sampled_from([1, 2]),
        "batch_size": st.sampled_from([1, 3, 100]),
        "tags": st.sampled_from([["245"], ["0XX", "6XX"]]),
        "columns": st.sampled_from([{"id": "001[0]", "t": "245$a"}, {"x": "008/35-37"}]),
        "where": st.sampled_from(["245$a ~ 'a'", "LDR/06 == 'a'"]),
    },
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """One to four real records, changed in one to six places."""
    data = bytearray(b"".join(draw(st.lists(st.sampled_from(RECORDS), min_size=1, max_size=4))))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["byte", "special", "cut", "insert", "digits", "drop"]))
        if kind == "byte":
            data[at] = draw(st.integers(0, 255))
        elif kind == "special":
            data[at] = draw(st.sampled_from(b"\x1d\x1e\x1f 09\xff\xc3\x1b"))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from([b"\x1d", b"\x1e", b"\x1f", b"99999", b"\xc3"]))
        elif kind == "digits":
            data[at : at + 5] = draw(st.sampled_from([b"99999", b"00000", b"00024", b"-0001"]))
        else:
            del data[at : at + draw(st.integers(1, 40))]
    return bytes(data)


hostile = st.one_of(st.binary(max_size=3000), mutated())


def outcome(call: Any) -> None:
    try:
        call()
    except ALLOWED:
        pass


@HOSTILE
@given(data=hostile, opts=options)
def test_readers_take_hostile_bytes(data: bytes, opts: dict[str, Any]) -> None:
    def batches() -> None:
        reader = marcarrow.read_batches(data, **opts)
        for b in reader:
            pa.record_batch(b).validate(full=True)
        for p in reader.errors:
            assert 0 <= p.byte_offset <= len(data)

    outcome(batches)
    outcome(lambda: marcarrow.read_arrow(io.BytesIO(data), **opts))


@HOSTILE
@given(data=hostile, errors=st.sampled_from(["strict", "lenient", "skip"]))
def test_summaries_account_for_every_byte(data: bytes, errors: str) -> None:
    try:
        s = marcarrow.summarize(data, errors=errors)
    except ALLOWED:
        return
    assert s["record_bytes"] + s["skipped_bytes"] + s["padding_bytes"] == len(data) == s["bytes"]


@HOSTILE
@given(
    data=hostile,
    kw=st.fixed_dictionaries(
        {},
        optional={
            "to_unicode": st.booleans(),
            "force_utf8": st.booleans(),
            "utf8_handling": st.sampled_from(["strict", "replace", "ignore"]),
        },
    ),
)
def test_the_record_iterator_takes_hostile_bytes(data: bytes, kw: dict[str, Any]) -> None:
    def iterate() -> None:
        for r in mp.MARCReader(data, **kw):
            if r is not None:
                str(r)
                r.as_marc()

    outcome(iterate)


@HOSTILE
@given(data=hostile, errors=st.sampled_from(["strict", "lenient", "skip"]))
def test_validation_and_quarantine_take_hostile_bytes(data: bytes, errors: str) -> None:
    """Validation reads what the readers read; quarantine keeps every
    skipped record whole, and nothing is lost."""
    try:
        t = marcarrow.validate(data, errors=errors)
        s = marcarrow.summarize(data, errors=errors, quarantine=True)
    except ALLOWED:
        return
    t.validate(full=True)
    assert set(t["rule"].to_pylist()) <= set(marcarrow.VALIDATION_RULES)
    assert all(0 <= o <= len(data) for o in t["byte_offset"].to_pylist())
    for off, b in zip(
        s["quarantine"]["byte_offset"].to_pylist(),
        s["quarantine"]["bytes"].to_pylist(),
        strict=True,
    ):
        assert data[off : off + len(b)] == b
    garbage = sum(p.byte_length or 0 for p in s["problems"] if p.kind == "Garbage")
    assert s["quarantined_bytes"] + garbage == s["skipped_bytes"]


@HOSTILE
@given(
    schema=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "fields",
                        "245",
                        "008",
                        "LDR",
                        "positions",
                        "00-04",
                        "codes",
                        "subfields",
                        "a",
                        "indicator1",
                        "types",
                        "pattern",
                        "flags",
                        "repeatable",
                        "required",
                        "start",
                        "end",
                        "_typeSelector",
                        "field",
                    ]
                ),
                children,
                max_size=4,
            )
        ),
        max_leaves=20,
    )
)
def test_any_json_schema_is_a_schema_or_a_value_error(schema: Any) -> None:
    """A schema that is not an Avram schema is a ValueError (or, not a
    dict, a TypeError), never a crash."""
    try:
        marcarrow.validate(
            marcarrow.SAMPLE, schema if isinstance(schema, dict) else {"fields": schema}
        )
    except (ValueError, TypeError):
        pass
