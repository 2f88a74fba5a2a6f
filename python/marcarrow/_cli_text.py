"""What the command line prints about a file: problem lines, and the
``stats`` table with where every byte went."""

from __future__ import annotations

from typing import Any

import marcarrow


def problem_lines(problems: list[marcarrow.Problem], indent: str, limit: int = 20) -> list[str]:
    lines = [f"{indent}{p.message}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"{indent}... and {len(problems) - limit} more problems")
    return lines


def stats_table(name: str, s: dict[str, Any], top: int) -> str:
    lines = [name]
    lines.append(f"  format: {FORMATS.get(s['format'], s['format'])}")
    lines.append(
        f"  records: {s['records']:,} ({s['frames']:,} found), {s['bytes']:,} bytes, "
        f"{s['fields']:,} fields, {s['subfields']:,} subfields"
    )
    q, skipped = s.get("quarantined_bytes", 0), s["skipped_bytes"]
    skip = f"{q:,} quarantined + {skipped - q:,} garbage" if q else f"{skipped:,} skipped"
    lines.append(
        f"  bytes: {s['record_bytes']:,} in records + {skip} + "
        f"{s['padding_bytes']:,} padding = {s['bytes']:,}"
    )
    enc = ", ".join(f"{k} {v:,}" for k, v in sorted(s["encodings"]))
    lines.append(f"  encodings: {enc or '-'}")
    types = ", ".join(f"{k!r} {v:,}" for k, v in s["record_types"])
    lines.append(f"  record types (leader/06): {types or '-'}")
    tags, codes = s["tags"][:top], s["subfield_codes"][:top]
    lines.append(
        f"  most frequent tags (of {len(s['tags'])})   subfields (of {len(s['subfield_codes'])})"
    )
    for i in range(max(len(tags), len(codes))):
        left = f"{tags[i][0]} {tags[i][1]:>10,}" if i < len(tags) else " " * 14
        right = f"{codes[i][0]} {codes[i][1]:>10,}" if i < len(codes) else ""
        lines.append(f"    {left}        {right}".rstrip())
    lines.append(f"  problems: {len(s['problems'])}")
    lines.extend(problem_lines(s["problems"], "    "))
    return "\n".join(lines)


FORMATS = {
    "iso2709": "ISO 2709",
    "marcxml": "MARCXML",
    "json": "MARC-in-JSON",
    "mrk": "MARCMaker text",
}


def not_marc(s: dict[str, Any]) -> bool:
    """Nothing in the input could be read as a record."""
    return s["records"] == 0 and s["skipped_bytes"] > 0 and s["error"] is None
