"""Validation against MARC 21 (or any Avram schema), as a table of findings.

The checks run in Rust, in parallel like reading (``src/validate``); this
module chooses the schema, reads lists and globs input by input, and adds
the records the reader could not take as findings of their own, so that
one table answers "what is wrong with this file". The rules are listed in
``docs/validation-rules.md``.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from typing import TYPE_CHECKING, Any, Unpack

from marcarrow import _quarantine, _remote
from marcarrow._marcarrow import _validate, _validation_rules
from marcarrow.problems import Action, Problem

if TYPE_CHECKING:
    import pyarrow

    from marcarrow._marcarrow import _ValidateOptions

#: The shipped MARC 21 bibliographic rules, an Avram schema made of facts
#: only by ``scripts/avram_rules.py``; copy it to start a local profile.
RULES_FILE = resources.files("marcarrow") / "data" / "marc21-bibliographic.rules.json"

#: Every rule a finding can name, with its severity: the schema's rules,
#: then the reader's (a record it skipped or repaired).
VALIDATION_RULES: dict[str, str] = {
    **dict(_validation_rules()),
    "unreadable_record": "error",
    "repaired_record": "warning",
}


def _schema_json(schema: Any) -> str | None:
    """The schema's JSON text: ``None`` for the shipped rules, a path to an
    Avram file, or an Avram schema already parsed (a dict)."""
    if schema is None:
        return None
    if isinstance(schema, dict):
        return json.dumps(schema)
    if isinstance(schema, str | os.PathLike):
        with open(schema, encoding="utf-8") as f:
            return f.read()
    raise TypeError(
        f"schema must be a path to an Avram schema, a dict or None, not {type(schema).__name__}"
    )


def _problem_rows(problems: list[Problem], source: str | None) -> dict[str, list[Any]]:
    """The reader's problems as findings: a skipped record is an
    ``unreadable_record`` error, a repaired one a ``repaired_record``
    warning; substituted bytes are not findings (the encoding's report)."""
    kept = [p for p in problems if p.action in (Action.SKIPPED, Action.REPAIRED, Action.RAISED)]
    rule = {
        Action.SKIPPED: "unreadable_record",
        Action.RAISED: "unreadable_record",
        Action.REPAIRED: "repaired_record",
    }
    return {
        "source": [source] * len(kept),
        "record_index": [p.record_index for p in kept],
        "byte_offset": [p.byte_offset for p in kept],
        "line": [p.line for p in kept],
        "column": [p.column for p in kept],
        "id": [None] * len(kept),
        "tag": [p.tag for p in kept],
        "occurrence": [None] * len(kept),
        "indicator": [None] * len(kept),
        "code": [None] * len(kept),
        "position": [None] * len(kept),
        "value": [None] * len(kept),
        "rule": [rule[p.action] for p in kept],
        "severity": [VALIDATION_RULES[rule[p.action]] for p in kept],
        "message": [f"{p.kind}: {p.reason} [{p.action.value}]" for p in kept],
    }


def checked(
    source: Any,
    schema: Any = None,
    *,
    report_local: bool = False,
    **options: Any,
) -> tuple[pyarrow.Table, dict[str, int]]:
    """:func:`validate`'s table, and counts summed over the inputs:
    ``records`` checked, ``bytes`` read, of them ``record_bytes`` (records
    read) and ``skipped_bytes`` (records and pieces that could not be), and
    of those ``quarantined_bytes`` (whole records kept by ``quarantine=``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    options.setdefault("errors", "lenient")
    qpath = _quarantine.take(options)
    text = _schema_json(schema)
    sources = _remote.expand(source, options.get("storage_options"))
    tables, kept = [], []
    counts = dict.fromkeys(
        ("records", "bytes", "record_bytes", "skipped_bytes", "quarantined_bytes"), 0
    )
    for s in sources if sources is not None else [source]:
        name = os.fspath(s) if isinstance(s, str | os.PathLike) else None
        batches, arrow_schema, problems, error, n, quarantine = _validate(
            s, text, report_local, name, **options
        )
        kept.append(quarantine)
        if error is not None:
            raise error
        for k in counts:
            counts[k] += n[k]
        arrow_schema = pa.schema(arrow_schema)
        found = pa.Table.from_batches([pa.record_batch(b) for b in batches], arrow_schema)
        rows = pa.table(_problem_rows(problems, name), schema=arrow_schema)
        both = pa.concat_tables([found, rows])
        # Stable: a record's reader problem comes after its findings.
        tables.append(both.take(pc.sort_indices(both, sort_keys=[("byte_offset", "ascending")])))
    if not tables:
        raise ValueError("an empty list of inputs")
    if qpath is not None:
        _quarantine.write(qpath, kept)
    return pa.concat_tables(tables), counts


def validate(
    source: Any,
    schema: Any = None,
    *,
    report_local: bool = False,
    **options: Unpack[_ValidateOptions],
) -> pyarrow.Table:
    """Check MARC records against MARC 21 bibliographic, or against any
    Avram schema, and return one row per finding.

    ``schema``: ``None`` for the shipped MARC 21 bibliographic rules
    (:data:`marcarrow.RULES_FILE`), or the path of an Avram schema (a local
    profile, authority or holdings format), or one parsed into a dict.
    ``report_local`` also reports local fields (9XX, X9X) the schema does
    not define. Takes the reading options of :func:`summarize` but
    ``tags`` (``where=`` checks only matching records); ``errors``
    defaults to ``"lenient"`` here, and the records the reader repaired or
    could not read are rows too (``repaired_record``, ``unreadable_record``).
    ``quarantine="bad.mrc"`` writes the records the reader skipped there,
    whole and in order. A list or a glob is read input by input. The
    rules are listed in
    :data:`marcarrow.VALIDATION_RULES` and ``docs/validation-rules.md``.

    Columns: ``source``, ``record_index``, ``byte_offset``, ``line`` and
    ``column`` (where the record starts, in the text formats; for a
    reader's problem, where it is), ``id`` (the 001), ``tag``,
    ``occurrence`` (of the tag in the record, from 0), ``indicator`` (1 or
    2), ``code``, ``position`` (``06``, ``18-21``), ``value`` (what was
    found), ``rule``, ``severity`` (``error`` or ``warning``) and
    ``message``. Rows follow the input's order.

    >>> import marcarrow
    >>> f = marcarrow.validate(marcarrow.SAMPLE)
    >>> f.filter(f["rule"] == "undefined_indicator")["message"][0].as_py()
    "700 second indicator '1' is not defined (defined: blank, 2)"
    """
    return checked(source, schema, report_local=report_local, **options)[0]
