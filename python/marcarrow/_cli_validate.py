"""``marcarrow validate``: check files against MARC 21 (or an Avram schema),
print a summary, and write the findings as CSV, JSON lines or Parquet.

    marcarrow validate IN... [--schema S.json] [--summary] [-o OUT.csv|.jsonl|.parquet]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from marcarrow import _quarantine
from marcarrow._validate import VALIDATION_RULES, checked

SUFFIXES = (".csv", ".jsonl", ".parquet")


def add_parser(sub: Any, policy: Callable[[argparse.ArgumentParser, str], None]) -> None:
    va = sub.add_parser(
        "validate",
        help="check records against MARC 21 (or an Avram schema): findings as a table",
    )
    va.add_argument("files", nargs="*", help="MARC files in any format (default: the sample)")
    va.add_argument(
        "--schema", help="an Avram schema (default: the shipped MARC 21 bibliographic rules)"
    )
    va.add_argument(
        "--report-local",
        action="store_true",
        help="also report local fields (9XX, X9X) that the schema does not define",
    )
    va.add_argument(
        "--summary", action="store_true", help="print only the counts by rule and by tag"
    )
    va.add_argument(
        "-o", "--output", help="write every finding to OUT.csv, OUT.jsonl or OUT.parquet"
    )
    va.add_argument(
        "--fail-on",
        choices=["error", "warning"],
        default=None,
        help="exit 1 when a finding of this severity (or worse) is found",
    )
    va.add_argument("--top", type=int, default=10, help="how many rules and tags to list")
    va.add_argument("--quarantine", help="write the records skipped as malformed to this file")
    va.add_argument("--threads", type=int, default=None)
    policy(va, "lenient")


def _write(table: Any, path: str) -> None:
    suffix = Path(path).suffix.lower()
    with _quarantine.atomic(path) as tmp:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, tmp, compression="zstd")
        elif suffix == ".csv":
            import pyarrow.csv as pcsv

            pcsv.write_csv(table, tmp)
        else:
            with open(tmp, "w", encoding="utf-8") as f:
                for row in table.to_pylist():
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")


def summary_lines(table: Any, counts: dict[str, int], top: int) -> list[str]:
    """Counts by severity, by rule and by tag, and where the bytes went."""
    rules = Counter(table["rule"].to_pylist())
    tags = Counter(t for t in table["tag"].to_pylist() if t is not None)
    records_with = len(
        set(zip(table["source"].to_pylist(), table["record_index"].to_pylist(), strict=True))
    )
    sev = Counter(table["severity"].to_pylist())
    q, skipped = counts.get("quarantined_bytes", 0), counts["skipped_bytes"]
    not_read = (
        f"{q:,} quarantined + {skipped - q:,} garbage" if q else f"{skipped:,} in records not read"
    )
    lines = [
        f"records: {counts['records']:,} checked; {records_with:,} with findings",
        f"findings: {table.num_rows:,} ({sev.get('error', 0):,} errors, "
        f"{sev.get('warning', 0):,} warnings)",
        f"bytes: {counts['record_bytes']:,} in records read + {not_read} + "
        f"{counts['bytes'] - counts['record_bytes'] - counts['skipped_bytes']:,} between "
        f"records = {counts['bytes']:,}",
    ]
    if rules:
        lines.append("by rule:")
        for r, n in rules.most_common(top):
            lines.append(f"  {r:<28} {VALIDATION_RULES.get(r, '?'):<8} {n:>10,}")
        lines.append("by tag:")
        for t, n in tags.most_common(top):
            lines.append(f"  {t:<28} {n:>19,}")
    return lines


def cmd_validate(args: argparse.Namespace, read_source: Callable[[str], Any], sample: Any) -> int:
    """Runs the command; returns the exit status (1 with ``--fail-on`` and
    such a finding, else 0)."""
    if args.output and Path(args.output).suffix.lower() not in SUFFIXES:
        raise ValueError(f"-o must end in {', '.join(SUFFIXES)}: {args.output}")
    files = [read_source(f) for f in args.files] or [sample]
    options: dict[str, Any] = {"errors": args.errors, "encoding": args.encoding}
    if args.format:
        options["format"] = args.format
    if args.threads:
        options["threads"] = args.threads
    if args.quarantine:
        options["quarantine"] = args.quarantine
    table, counts = checked(
        files if len(files) > 1 else files[0],
        args.schema,
        report_local=args.report_local,
        **options,
    )
    if args.output:
        _write(table, args.output)
    lines = summary_lines(table, counts, args.top)
    if not args.summary:
        shown = table.slice(0, args.top).to_pylist()
        if shown:
            lines.append(f"first findings (of {table.num_rows:,}):")
        for row in shown:
            where = f"record {row['record_index']} (byte {row['byte_offset']})"
            ident = f" {row['id']}" if row["id"] else ""
            lines.append(f"  {where}{ident}: {row['message']} [{row['rule']}]")
    print("\n".join(lines))
    fail = {"error": {"error"}, "warning": {"error", "warning"}}.get(args.fail_on or "", set())
    return 1 if fail & set(table["severity"].to_pylist()) else 0
