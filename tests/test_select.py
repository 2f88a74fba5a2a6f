"""tags=: keep only some fields, without decoding the others."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import marcarrow
from conftest import data_file
from test_batches import nested_as_tuples

PATTERNS = ["001", "245", "6XX", "X0X"]


def matches(tag: str) -> bool:
    return any(re.fullmatch(p.replace("X", "."), tag) for p in PATTERNS)


@pytest.mark.parametrize("name", ["loc-bib-386.mrc", "uva-marc8-2000.mrc", "loc-auth-150.mrc"])
def test_tags_keep_exactly_the_matching_fields(name: str) -> None:
    path = data_file(name)
    full = nested_as_tuples(marcarrow.read_arrow(path))
    some = nested_as_tuples(marcarrow.read_arrow(path, tags=PATTERNS))
    assert some == [(ldr, [f for f in fields if matches(f[0])]) for ldr, fields in full]
    long_full = marcarrow.read_arrow(path, layout="long").to_pylist()
    long_some = marcarrow.read_arrow(path, layout="long", tags=PATTERNS).to_pylist()
    # field_index stays the position in the whole record; the leader stays.
    assert long_some == [r for r in long_full if r["tag"] == "LDR" or matches(r["tag"])]


def test_skipped_fields_are_not_decoded() -> None:
    # The bad MARC-8 bytes of bad_eacc_encoding.dat are in field 880: a
    # strict read fails unless 880 is left out.
    path = data_file("pymarc/bad_eacc_encoding.dat")
    with pytest.raises(marcarrow.MarcError, match="880"):
        marcarrow.read_arrow(path)
    t = marcarrow.read_arrow(path, tags=["1XX", "245"])
    assert t.num_rows == 1


def test_tags_in_parquet_and_cli(tmp_path: Path) -> None:
    path = data_file("loc-bib-386.mrc")
    out = tmp_path / "s.parquet"
    marcarrow.to_parquet(path, out, layout="long", tags=["650"])
    tags = set(pq.read_table(out).column("tag").to_pylist())
    assert tags == {"LDR", "650"}
    out2 = tmp_path / "c.parquet"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "marcarrow",
            "convert",
            str(path),
            "-o",
            str(out2),
            "--tags",
            "245,1XX",
        ],
        capture_output=True,
    )
    assert r.returncode == 0, r.stderr
    fields = pa.table(pq.read_table(out2)).column("fields").to_pylist()
    assert {f["tag"] for rec in fields for f in rec} <= {"245", "100", "110", "111", "130"}
    with pytest.raises(ValueError, match="three characters"):
        marcarrow.read_batches(path, tags=["24"])


@pytest.mark.filterwarnings("ignore::marcarrow.MarcWarning")
@pytest.mark.parametrize("string_type", ["string", "string_view"])
@pytest.mark.parametrize(
    "name", ["loc-bib-386.mrc", "pride-many-errors-383.mrc", "uva-marc8-2000.mrc"]
)
def test_provenance_columns(name: str, string_type: str) -> None:
    from marcarrow import _marcarrow

    path = data_file(name)
    data = path.read_bytes()
    records, _ = _marcarrow._records(str(path), errors="skip")
    want = [
        (i, off, next((f[1] for f in flds if f[0] == "001"), None)) for i, off, _, flds in records
    ]
    kw = {"errors": "skip", "string_type": string_type, "batch_size": 50}
    nested = marcarrow.read_arrow(path, provenance=True, **kw)  # type: ignore[arg-type]
    assert nested.column_names[:3] == ["record_index", "byte_offset", "control_number"]
    got = list(
        zip(
            nested["record_index"].to_pylist(),
            nested["byte_offset"].to_pylist(),
            nested["control_number"].to_pylist(),
            strict=True,
        )
    )
    assert got == want
    for _, off, _ in got:
        assert data[off : off + 5].isdigit()
    # The long layout repeats them on every row of the record.
    long = marcarrow.read_arrow(path, layout="long", provenance=True, **kw)  # type: ignore[arg-type]
    by_record = {i: (off, cn) for i, off, cn in want}
    for i, off, cn in zip(
        long["record_index"].to_pylist(),
        long["byte_offset"].to_pylist(),
        long["control_number"].to_pylist(),
        strict=True,
    ):
        assert by_record[i] == (off, cn)
    plain = marcarrow.read_arrow(path, **kw)  # type: ignore[arg-type]
    assert nested.drop_columns(["record_index", "byte_offset", "control_number"]).equals(plain)


def test_provenance_in_parquet(tmp_path: Path) -> None:
    a, b = data_file("loc-bib-386.mrc"), data_file("loc-auth-150.mrc")
    out = tmp_path / "p.parquet"
    marcarrow.to_parquet([a, b], out, provenance=True)
    t = pq.read_table(out)
    assert t.column_names[:4] == ["source", "record_index", "byte_offset", "control_number"]
    assert t["record_index"].to_pylist() == list(range(386)) + list(range(150))
