"""pymarc's text format for records (MARCMaker style), one formatter for
``marcarrow dump`` and the record iterator's ``str(record)``.

>>> fields = [("001", "x 1"), ("245", "1", " ", [("a", "T")])]
>>> print(format_record("00000nam a2200000 a 4500", fields))
=LDR  00000nam a2200000 a 4500
=001  x\\1
=245  1\\$aT
<BLANKLINE>
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def format_field(field: Sequence[Any]) -> str:
    """One field: ``(tag, value)`` or ``(tag, ind1, ind2, [(code, value), ...])``."""
    if len(field) == 2:
        tag, data = field
        return f"={tag}  {(data or '').replace(' ', chr(92))}"
    tag, ind1, ind2, subfields = field
    inds = "".join("\\" if i in (" ", "\\") else i for i in (ind1, ind2))
    subs = "".join(f"${code}{value}" for code, value in subfields)
    return f"={tag}  {inds}{subs}"


def format_record(leader: str, fields: Sequence[Sequence[Any]]) -> str:
    """A record as pymarc's ``str(record)`` prints it (ends with a newline)."""
    lines = [f"=LDR  {leader}"]
    lines.extend(format_field(f) for f in fields)
    return "\n".join(lines) + "\n"
