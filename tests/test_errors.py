"""Malformed input: every problem reported with its position, good records kept."""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import pymarc
import pytest

import marcarrow
from conftest import data_file
from marcarrow import _marcarrow


def kinds(problems: list[dict]) -> Counter:
    return Counter(p.reason.split(" in field")[0].split(":")[0] for p in problems)


@pytest.mark.parametrize("policy", ["skip", "lenient"])
def test_pride_counts_match_pymarc(policy: str) -> None:
    path = data_file("pride-many-errors-383.mrc")
    records, problems = _marcarrow._records(str(path), errors=policy)
    # pymarc, reading the same file with force_utf8:
    ok = bad_utf8 = bad_dir = 0
    with open(path, "rb") as f, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = pymarc.MARCReader(f, force_utf8=True)
        for rec in reader:
            if rec is not None:
                ok += 1
            elif isinstance(reader.current_exception, UnicodeDecodeError):
                bad_utf8 += 1
            elif isinstance(reader.current_exception, pymarc.exceptions.RecordDirectoryInvalid):
                bad_dir += 1
    assert (ok, bad_utf8, bad_dir) == (298, 69, 16)
    assert len(records) == ok
    k = kinds(problems)
    assert k["invalid UTF-8"] == bad_utf8
    assert k["invalid directory"] == bad_dir
    data = path.read_bytes()
    for p in problems:
        assert p.action == "skipped"
        assert data[p.byte_offset : p.byte_offset + 5].isdigit()
        assert p.message.startswith(f"record {p.record_index} (byte {p.byte_offset}")
    assert sorted([r[0] for r in records] + [p.record_index for p in problems]) == list(range(383))


def test_strict_raises_after_the_good_records() -> None:
    path = data_file("pride-many-errors-383.mrc")
    with pytest.raises(marcarrow.MarcError) as ei:
        _marcarrow._records(str(path))
    e = ei.value
    assert isinstance(e, ValueError)
    assert e.record_index == 1 and e.byte_offset > 0 and e.tag is not None
    assert e.error_offset is not None and e.error_offset > e.byte_offset
    assert "invalid UTF-8" in str(e)
    s = marcarrow.summarize(path)
    assert s["records"] == 1 and isinstance(s["error"], marcarrow.MarcError)


def test_hathi_oversize_lenient_reads_all_five() -> None:
    path = data_file("hathi-oversize-5.mrc")
    records, problems = _marcarrow._records(str(path), errors="lenient")
    assert len(records) == 5
    assert all(p.action == "repaired" for p in problems) and problems
    big = max(records, key=lambda r: len(r[3]))
    assert big[2].startswith("99999") and len(big[3]) > 10_000
    records, problems = _marcarrow._records(str(path), errors="skip")
    assert len(records) == 4 and len(problems) == 1


def test_truncated_and_empty(tmp_path: Path) -> None:
    data = data_file("loc-bib-386.mrc").read_bytes()
    last = data.rindex(b"\x1d", 0, len(data) - 1) + 1
    cut = data[: last + (len(data) - last) // 2]
    records, problems = _marcarrow._records(cut, errors="skip")
    assert len(records) == 385
    assert problems[0].byte_offset == last and "truncated" in problems[0].reason
    assert _marcarrow._records(b"") == ([], [])
    empty = tmp_path / "empty.mrc"
    empty.write_bytes(b"")
    assert marcarrow.summarize(empty)["records"] == 0


def test_bad_records_file_policies() -> None:
    path = data_file("pymarc/bad_records.mrc")
    skip = marcarrow.summarize(path, errors="skip")
    lenient = marcarrow.summarize(path, errors="lenient")
    assert (skip["records"], len(skip["problems"])) == (2, 7)
    assert lenient["records"] == 5
    assert [p.action for p in lenient["problems"]].count("repaired") == 3


def test_source_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        marcarrow.summarize(tmp_path / "nope.mrc")
    with pytest.raises(IsADirectoryError):
        marcarrow.summarize(tmp_path)
    with pytest.raises(TypeError, match="int"):
        marcarrow.summarize(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="errors must be"):
        marcarrow.summarize(b"", errors="loose")  # type: ignore[arg-type]
