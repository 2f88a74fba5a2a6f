"""``marcarrow.validate`` and ``marcarrow validate`` on real files.

The structural rules are checked against a second reading: pymarc reads
the same files, and this test applies the shipped rules file itself to
pymarc's records (non-repeatable fields and subfields, undefined fields,
subfields and indicators, fixed-field lengths). The two must find the same
findings, record for record. Then: schemas given as paths and dicts, bad
schemas, the reader's problems as rows, lists, and the command line.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pymarc
import pytest

import marcarrow
from conftest import data_file

RULES = json.loads(marcarrow.RULES_FILE.read_text())["fields"]
ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.usefixtures("quiet_pymarc")


def local(tag: str) -> bool:
    return tag[0] == "9" or tag[1] == "9"


def oracle(path: Path) -> tuple[set[tuple[Any, ...]], set[int]]:
    """What the shipped rules say of the records pymarc reads: (index,
    rule, tag, occurrence, detail); and the indices of those records."""
    out: set[tuple[Any, ...]] = set()
    read: set[int] = set()
    with open(path, "rb") as f:
        for i, rec in enumerate(pymarc.MARCReader(f, to_unicode=False, force_utf8=False)):
            if rec is None:
                continue
            read.add(i)
            seen: Counter[str] = Counter()
            for field in rec.fields:
                tag = field.tag
                occ = seen[tag]
                seen[tag] += 1
                rule = RULES.get(tag)
                if rule is None:
                    if not local(tag):
                        out.add((i, "undefined_field", tag, occ, None))
                    continue
                if occ == 1 and not rule.get("repeatable", False):
                    out.add((i, "non_repeatable_field", tag, occ, None))
                if field.is_control_field() or tag == "880":
                    continue
                for n, ind in ((1, field.indicator1), (2, field.indicator2)):
                    key = f"indicator{n}"
                    if key not in rule:
                        continue
                    ok = [" "] if rule[key] is None else list(rule[key].get("codes", {})) or [ind]
                    if ind not in ok:
                        out.add((i, "undefined_indicator", tag, occ, n))
                codes = rule.get("subfields")
                if codes is None:
                    continue
                counts: Counter[str] = Counter()
                for sf in field.subfields:
                    code = sf.code
                    counts[code] += 1
                    if code not in codes:
                        out.add((i, "undefined_subfield", tag, occ, code))
                    elif counts[code] == 2 and not codes[code].get("repeatable", False):
                        out.add((i, "non_repeatable_subfield", tag, occ, code))
    return out, read


def ours(path: Path) -> set[tuple[Any, ...]]:
    t = marcarrow.validate(path, errors="skip")
    rules = {
        "undefined_field",
        "non_repeatable_field",
        "undefined_indicator",
        "undefined_subfield",
        "non_repeatable_subfield",
    }
    out = set()
    for r in t.to_pylist():
        if r["rule"] not in rules or r["tag"] == "880":
            continue
        detail = r["indicator"] if r["rule"] == "undefined_indicator" else r["code"]
        out.add((r["record_index"], r["rule"], r["tag"], r["occurrence"], detail))
    return out


@pytest.mark.parametrize(
    "name", ["loc-bib-386.mrc", "uva-marc8-2000.mrc", "ia-edge-50.mrc", "hathi-oversize-5.mrc"]
)
def test_structural_findings_agree_with_pymarc_and_the_rules_file(name: str) -> None:
    path = data_file(name)
    expected, read = oracle(path)
    # Records pymarc cannot read (over 99,999 bytes) marcarrow reads: only
    # those both read are compared.
    assert {f for f in ours(path) if f[0] in read} == expected
    assert expected, "a real file with no finding proves little"


def test_fixed_field_lengths_and_positions_on_the_sample() -> None:
    t = marcarrow.validate(marcarrow.SAMPLE)
    rows = t.to_pylist()
    lengths = [r for r in rows if r["rule"] == "invalid_length"]
    # Every 008 of the sample has 40 characters; checked by hand: the two
    # findings are 007s of sound recordings with 13 of their 14.
    with open(marcarrow.SAMPLE, "rb") as f:
        recs = [r for r in pymarc.MARCReader(f) if r is not None]
    short = [
        (i, f.data)
        for i, r in enumerate(recs)
        for f in r.get_fields("007")
        if f.data[0] == "s" and len(f.data) != 14
    ]
    assert [(r["record_index"], r["value"]) for r in lengths] == short
    for r in rows:
        if r["rule"] == "invalid_position_code":
            rec = recs[r["record_index"]]
            start = int(r["position"].split("-")[0])
            source = str(rec.leader) if r["tag"] == "LDR" else rec[r["tag"]].data
            assert source[start : start + len(r["value"])] == r["value"]


def test_columns_and_order() -> None:
    t = marcarrow.validate(marcarrow.SAMPLE)
    assert t.schema.names == [
        "source",
        "record_index",
        "byte_offset",
        "line",
        "column",
        "id",
        "tag",
        "occurrence",
        "indicator",
        "code",
        "position",
        "value",
        "rule",
        "severity",
        "message",
    ]
    offsets = t["byte_offset"].to_pylist()
    assert offsets == sorted(offsets)
    assert set(t["rule"].to_pylist()) <= set(marcarrow.VALIDATION_RULES)
    assert t["source"].to_pylist()[0] == str(marcarrow.SAMPLE)
    first = t.slice(0, 1).to_pylist()[0]
    assert first["id"] == "5829353"


def test_every_rule_is_documented() -> None:
    doc = (ROOT / "docs/validation-rules.md").read_text()
    table = dict(re.findall(r"^\| `(\w+)` \| (error|warning) \|", doc, re.M))
    assert table == marcarrow.VALIDATION_RULES


def test_a_users_schema_by_path_and_by_dict(tmp_path: Path) -> None:
    schema = {
        "fields": {
            "245": {"tag": "245", "repeatable": False, "subfields": {"a": {}, "c": {}}},
            "999": {"tag": "999", "repeatable": False, "required": True},
        }
    }
    path = tmp_path / "local.json"
    path.write_text(json.dumps(schema))
    for s in (schema, path, str(path)):
        t = marcarrow.validate(marcarrow.SAMPLE, s, report_local=True)
        rules = Counter(t["rule"].to_pylist())
        assert rules["missing_field"] == 386  # no record has a 999
        assert "245" not in [r["tag"] for r in t.to_pylist() if r["rule"] == "undefined_field"]
        # A 245 $b, which the profile leaves out, is undefined here.
        assert rules["undefined_subfield"] > 0


@pytest.mark.parametrize(
    "bad,match",
    [
        ("{", "not JSON"),
        ({"fields": []}, "no `fields` object"),
        ({"fields": {"24": {}}}, "three characters"),
        ({"fields": {"008": {"positions": {"x": {}}}}}, "not a position"),
        ({"fields": {"005": {"pattern": "("}}}, "pattern"),
    ],
)
def test_a_bad_schema_is_a_value_error(bad: Any, match: str, tmp_path: Path) -> None:
    if isinstance(bad, str):
        p = tmp_path / "bad.json"
        p.write_text(bad)
        bad = p
    with pytest.raises(ValueError, match=match):
        marcarrow.validate(marcarrow.SAMPLE, bad)
    with pytest.raises(TypeError, match="schema must be"):
        marcarrow.validate(marcarrow.SAMPLE, 42)


def test_the_records_the_reader_could_not_take_are_rows() -> None:
    path = data_file("pride-many-errors-383.mrc")
    t = marcarrow.validate(path)
    reader = marcarrow.read_batches(path, errors="lenient")
    for _ in reader:
        pass
    skipped = [p for p in reader.errors if p.action is marcarrow.Action.SKIPPED]
    repaired = [p for p in reader.errors if p.action is marcarrow.Action.REPAIRED]
    rows = t.to_pylist()
    assert [r["byte_offset"] for r in rows if r["rule"] == "unreadable_record"] == [
        p.byte_offset for p in skipped
    ]
    assert len([r for r in rows if r["rule"] == "repaired_record"]) == len(repaired)
    assert skipped
    with pytest.raises(marcarrow.MarcError):
        marcarrow.validate(path, errors="strict")


def test_text_formats_give_the_same_findings() -> None:
    data = marcarrow.SAMPLE.read_bytes()
    iso = marcarrow.validate(data)
    drop = ["source", "byte_offset", "line", "column"]
    assert iso["line"].null_count == iso.num_rows
    for fmt in ("marcxml", "json", "mrk"):
        out = io.BytesIO()
        marcarrow.convert(io.BytesIO(data), out, to=fmt)
        text = out.getvalue()
        t = marcarrow.validate(text)
        assert t.drop(drop).to_pylist() == iso.drop(drop).to_pylist(), fmt
        # Each row says where its record starts, as line and column.
        lines = text.split(b"\n")
        for r in t.slice(0, 20).to_pylist():
            start = sum(len(x) + 1 for x in lines[: r["line"] - 1]) + r["column"] - 1
            assert start == r["byte_offset"], (fmt, r)


def test_lists_and_where(tmp_path: Path) -> None:
    a, b = tmp_path / "a.mrc", tmp_path / "b.mrc"
    a.write_bytes(marcarrow.SAMPLE.read_bytes())
    b.write_bytes(marcarrow.SAMPLE.read_bytes())
    t = marcarrow.validate(str(tmp_path / "*.mrc"))
    one = marcarrow.validate(marcarrow.SAMPLE)
    assert t.num_rows == 2 * one.num_rows
    assert t["source"].to_pylist() == [str(a)] * one.num_rows + [str(b)] * one.num_rows
    maps = marcarrow.validate(marcarrow.SAMPLE, where="LDR/06 == 'e'")
    assert 0 < maps.num_rows < one.num_rows


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "marcarrow", "validate", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_prints_a_summary_and_writes_every_format(tmp_path: Path) -> None:
    r = run_cli(str(data_file("pride-many-errors-383.mrc")), "--summary")
    assert r.returncode == 0, r.stderr
    assert "by rule:" in r.stdout and "unreadable_record" in r.stdout
    bytes_line = next(line for line in r.stdout.splitlines() if line.startswith("bytes:"))
    size = data_file("pride-many-errors-383.mrc").stat().st_size
    assert bytes_line.endswith(f"= {size:,}")
    expected = marcarrow.validate(marcarrow.SAMPLE)
    for suffix in (".csv", ".jsonl", ".parquet"):
        out = tmp_path / f"findings{suffix}"
        r = run_cli(str(marcarrow.SAMPLE), "-o", str(out))
        assert r.returncode == 0, r.stderr
        if suffix == ".parquet":
            back = pq.read_table(out)
        elif suffix == ".csv":
            import pyarrow.csv as pcsv

            back = pcsv.read_csv(out)
        else:
            back = pa.Table.from_pylist([json.loads(line) for line in out.read_text().splitlines()])
        assert back.num_rows == expected.num_rows
        assert back["message"].to_pylist() == expected["message"].to_pylist()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "findings.csv",
        "findings.jsonl",
        "findings.parquet",
    ]


def test_cli_exit_status_and_errors(tmp_path: Path) -> None:
    assert run_cli(str(marcarrow.SAMPLE), "--fail-on", "error").returncode == 1
    assert run_cli(str(marcarrow.SAMPLE), "--fail-on", "warning").returncode == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    r = run_cli(str(marcarrow.SAMPLE), "--schema", str(bad))
    assert r.returncode == 2 and "not JSON" in r.stderr and "Traceback" not in r.stderr
    r = run_cli(str(marcarrow.SAMPLE), "-o", str(tmp_path / "x.txt"))
    assert r.returncode == 2 and "-o must end in" in r.stderr
    assert not (tmp_path / "x.txt").exists()
