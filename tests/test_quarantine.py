"""Errors as data: ``quarantine=`` keeps every record skipped as malformed,
whole, and nothing of the input is lost.

On every malformed fixture, under ``skip`` and ``lenient``: the bytes of
records read, plus quarantined bytes, plus garbage reported between
records, plus padding, add up to the input's size; and the quarantined
file reads back under ``skip`` to the same problems.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import marcarrow
from conftest import data_file

FIXTURES = [
    "pride-many-errors-383.mrc",
    "hathi-oversize-5.mrc",
    "ia-edge-50.mrc",
    "pymarc/bad_records.mrc",
    "pymarc/utf8_invalid.mrc",
    "pymarc/regression45.dat",
]


def garbage_between(data: bytes) -> bytes:
    """Real records with junk, a truncated record and a bad length between them."""
    recs = [r + b"\x1d" for r in data.split(b"\x1d")[:6]]
    return (
        recs[0]
        + b"junk that is no record at all" * 3
        + recs[1]
        + b"12x45nam a22"
        + recs[2][12:]
        + recs[3]
        + recs[4][:300]
        + b"\x1d"
        + recs[5]
    )


def cases() -> list[tuple[str, bytes]]:
    out = [(name, data_file(name).read_bytes()) for name in FIXTURES]
    out.append(("junk between records", garbage_between(marcarrow.SAMPLE.read_bytes())))
    return out


@pytest.mark.parametrize("errors", ["skip", "lenient"])
@pytest.mark.parametrize(("name", "data"), cases(), ids=[c[0] for c in cases()])
def test_nothing_is_lost(name: str, data: bytes, errors: str, tmp_path: Path) -> None:
    s = marcarrow.summarize(data, errors=errors, quarantine=True)
    q = s["quarantine"]
    garbage = sum(
        p.byte_length for p in s["problems"] if p.kind == "Garbage" and p.action == "skipped"
    )
    assert s["quarantined_bytes"] == sum(len(b) for b in q["bytes"].to_pylist())
    assert s["record_bytes"] + s["quarantined_bytes"] + garbage + s["padding_bytes"] == len(data)
    assert s["skipped_bytes"] == s["quarantined_bytes"] + garbage
    # Every quarantined record is where its problem says, byte for byte.
    skipped = [p for p in s["problems"] if p.action == "skipped" and p.kind != "Garbage"]
    assert q["byte_offset"].to_pylist() == [p.byte_offset for p in skipped]
    for off, b in zip(q["byte_offset"].to_pylist(), q["bytes"].to_pylist(), strict=True):
        assert data[off : off + len(b)] == b
    # The quarantined records read back to the same problems: under skip
    # each one's first; under the policy that skipped them, all of them.
    path = tmp_path / "bad.mrc"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        marcarrow.read_arrow(data, errors=errors, quarantine=path)
    assert path.read_bytes() == b"".join(q["bytes"].to_pylist())
    kept = set(q["byte_offset"].to_pylist())
    theirs = [p for p in s["problems"] if p.byte_offset in kept]
    again = marcarrow.summarize(path.read_bytes(), errors=errors)
    assert [(p.kind, p.reason, p.action) for p in again["problems"]] == [
        (p.kind, p.reason, p.action) for p in theirs
    ]
    assert again["records"] == 0
    first = {}
    for p in theirs:
        first.setdefault(p.byte_offset, (p.kind, p.reason))
    if errors == "skip":
        back = marcarrow.summarize(path.read_bytes(), errors="skip")["problems"]
        assert [(p.kind, p.reason) for p in back] == list(first.values())


def test_the_reader_holds_them_as_a_table() -> None:
    path = data_file("pride-many-errors-383.mrc")
    reader = marcarrow.read_batches(path, errors="skip", quarantine=True)
    for _ in reader:
        pass
    q = reader.quarantine
    assert q.column_names == ["record_index", "byte_offset", "kind", "reason", "bytes"]
    assert q.num_rows == 85
    assert {"InvalidUtf8", "DirectoryInvalid"} <= set(q["kind"].to_pylist())
    plain = marcarrow.read_batches(path, errors="skip")
    for _ in plain:
        pass
    assert plain.quarantine.num_rows == 0


def test_lists_polars_validate_and_no_file_on_strict(tmp_path: Path) -> None:
    bad = data_file("pride-many-errors-383.mrc")
    out = tmp_path / "q.mrc"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        marcarrow.read_arrow([bad, marcarrow.SAMPLE, bad], errors="skip", quarantine=out)
        one = marcarrow.summarize(bad, errors="skip", quarantine=True)["quarantined_bytes"]
        assert out.stat().st_size == 2 * one
        marcarrow.read_polars(bad, errors="skip", quarantine=out)
        assert out.stat().st_size == one
        marcarrow.validate(bad, quarantine=out)
        assert out.stat().st_size == one
    gone = tmp_path / "none.mrc"
    with pytest.raises(marcarrow.MarcError):
        marcarrow.read_arrow(bad, quarantine=gone)
    assert not gone.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.mrc"]
    with pytest.raises(TypeError, match="quarantine must be a bool or a path"):
        marcarrow.read_arrow(bad, quarantine=3)
    with pytest.raises(TypeError, match="quarantine must be a bool"):
        marcarrow.read_batches(bad, quarantine="q.mrc")


def test_export_and_convert_quarantine(tmp_path: Path) -> None:
    """A migration: convert to Parquet or to MARCXML with the bad records
    set aside, from Python and from the command line."""
    bad = data_file("pride-many-errors-383.mrc")
    one = marcarrow.summarize(bad, errors="skip", quarantine=True)["quarantine"]
    expected = b"".join(one["bytes"].to_pylist())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = marcarrow.to_parquet(bad, tmp_path / "o.parquet", errors="skip", quarantine=True)
        assert s["quarantine"].num_rows == one.num_rows
        marcarrow.to_parquet(bad, tmp_path / "o.parquet", errors="skip", quarantine=tmp_path / "a")
        marcarrow.convert(bad, tmp_path / "o.xml", errors="skip", quarantine=tmp_path / "b")
    assert (tmp_path / "a").read_bytes() == expected == (tmp_path / "b").read_bytes()
    for out in ("o2.parquet", "o2.xml"):
        r = subprocess.run(
            [sys.executable, "-m", "marcarrow", "convert", str(bad), "-o", str(tmp_path / out)]
            + ["--errors", "skip", "--quarantine", str(tmp_path / "c")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        assert f"{one.num_rows:,} records skipped as malformed" in r.stderr
        assert (tmp_path / "c").read_bytes() == expected


def test_the_cli_says_where_every_byte_went(tmp_path: Path) -> None:
    src = data_file("pride-many-errors-383.mrc")
    for cmd in (["stats", "--errors", "skip"], ["validate", "--summary"]):
        q = tmp_path / f"{cmd[0]}.mrc"
        r = subprocess.run(
            [sys.executable, "-m", "marcarrow", *cmd, str(src), "--quarantine", str(q)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        line = next(x for x in r.stdout.splitlines() if x.strip().startswith("bytes:"))
        assert f"{q.stat().st_size:,} quarantined" in line
        assert line.endswith(f"= {src.stat().st_size:,}")
