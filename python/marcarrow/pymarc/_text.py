"""The text formats' records (MARCXML, MARC-in-JSON, MARCMaker) for the
pymarc readers, read by marcarrow's Rust readers instead of Python's."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any, Literal

from marcarrow._marcarrow import _record_blocks
from marcarrow.exceptions import MarcError
from marcarrow.problems import Action, Problem
from marcarrow.pymarc import exceptions as exc
from marcarrow.pymarc._blocks import _exception
from marcarrow.pymarc.record import Record

# pymarc has no error policy: it stops at what it cannot read. Its JSON
# reader takes raw line breaks inside strings (json.load(strict=False)),
# which only the lenient policy repairs; nothing else in JSON is repaired.
_POLICY: dict[str, Literal["skip", "lenient"]] = {  # by format
    "marcxml": "skip",
    "json": "lenient",
    "mrk": "skip",
}


def source(target: Any, encoding: str | None = "utf-8") -> Any:
    """What the Rust reader takes for pymarc's ``target``: a path, a file
    object (text or binary), or the document itself as ``str`` or ``bytes``."""
    if isinstance(target, os.PathLike):
        target = os.fspath(target)
    encoding = encoding or "utf-8"
    utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8")
    if isinstance(target, str):
        if os.path.exists(target):
            if utf8:
                return target
            with open(target, encoding=encoding) as fh:
                return fh.read().encode()
        return target.encode()
    if isinstance(target, bytes | bytearray | memoryview):
        return bytes(target) if utf8 else bytes(target).decode(encoding).encode()
    if isinstance(target, io.TextIOBase) or (
        hasattr(target, "read") and isinstance(getattr(target, "encoding", None), str)
    ):
        return target.read().encode()
    return target


def _line(src: Any, n: int) -> str:
    """Line ``n`` (1-based) of a source given as bytes or a path."""
    if isinstance(src, bytes):
        lines = src.splitlines()
    elif isinstance(src, str):
        with open(src, "rb") as f:
            lines = f.read().splitlines()
    else:
        return ""
    return lines[n - 1].decode("utf-8", "replace") if 0 < n <= len(lines) else ""


def _failure(problem: Problem, fmt: str, src: Any) -> Exception:
    """pymarc's exception for a record that could not be read."""
    if fmt == "mrk" and problem.line is not None and problem.kind != "NoFields":
        # pymarc names the line it could not parse.
        return exc.PymarcException(f'Unable to parse line "{_line(src, problem.line)}"')
    return _exception(problem, None, reading=False)


_Fmt = Literal["marcxml", "json", "mrk"]


def records(target: Any, fmt: _Fmt, encoding: str | None = "utf-8") -> Iterator[Record]:
    """Every record of ``target`` in format ``fmt``, in order. A record
    that cannot be read raises pymarc's exception (a
    :class:`~marcarrow.pymarc.exceptions.PymarcException`) after the
    records before it; deleted OAI-PMH records are passed over, as pymarc
    does."""
    # Opened now, as pymarc reads its input when the reader is made.
    src = source(target, encoding)
    blocks = _record_blocks(src, format=fmt, errors=_POLICY[fmt])
    return _rows(blocks, fmt, src)


def _rows(blocks: Any, fmt: str, src: Any) -> Iterator[Record]:
    while True:
        try:
            item = next(blocks, None)
        except MarcError as e:
            raise exc.PymarcException(str(e)) from e
        if item is None:
            return
        block, problems = item
        if block is not None:
            for row in range(len(block)):
                yield Record._view(block, row, True, True)
        for p in problems:
            if p.action is Action.SKIPPED and p.kind != "Deleted":
                raise _failure(p, fmt, src)
