"""``python -m marcarrow [FILE ...]``: say what a MARC file holds.

With no file it reads the bundled sample (:data:`marcarrow.SAMPLE`) and
prints the record count, encodings, record types, the most frequent tags and
any problems found.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import marcarrow


def _report(name: str, s: dict[str, Any], top: int) -> str:
    lines = [f"{name}"]
    lines.append(
        f"  records: {s['records']:,} ({s['frames']:,} found), {s['bytes']:,} bytes, "
        f"{s['fields']:,} fields, {s['subfields']:,} subfields"
    )
    enc = ", ".join(f"{k} {v:,}" for k, v in sorted(s["encodings"]))
    lines.append(f"  encodings: {enc or '-'}")
    types = ", ".join(f"{k!r} {v:,}" for k, v in s["record_types"])
    lines.append(f"  record types (leader/06): {types or '-'}")
    lines.append(f"  most frequent tags (of {len(s['tags'])}):")
    for tag, n in s["tags"][:top]:
        lines.append(f"    {tag}  {n:>9,}")
    problems = s["problems"]
    lines.append(f"  problems: {len(problems)}")
    for p in problems[:20]:
        lines.append(f"    {p['message']}")
    if len(problems) > 20:
        lines.append(f"    ... and {len(problems) - 20} more")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m marcarrow`` and the ``marcarrow`` command."""
    ap = argparse.ArgumentParser(
        prog="marcarrow", description="Summarise MARC 21 (ISO 2709) files."
    )
    ap.add_argument("files", nargs="*", help="MARC files (default: the bundled sample)")
    ap.add_argument(
        "--errors",
        choices=["strict", "lenient", "skip"],
        default="lenient",
        help="what to do with malformed records (default: lenient, report and go on)",
    )
    ap.add_argument("--top", type=int, default=10, help="how many tags to list")
    ap.add_argument("--version", action="version", version=marcarrow.__version__)
    args = ap.parse_args(argv)
    files = args.files or [str(marcarrow.SAMPLE)]
    status = 0
    for f in files:
        try:
            s = marcarrow.summarize(f, errors=args.errors)
        except (OSError, marcarrow.MarcError) as e:
            print(f"marcarrow: {f}: {e}", file=sys.stderr)
            status = 1
            continue
        name = f if args.files else f"{f} (bundled sample)"
        print(_report(name, s, args.top))
        if s["error"] is not None:
            print(f"  stopped by: {s['error']}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
