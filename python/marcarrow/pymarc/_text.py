"""The text formats' records (MARCXML, MARC-in-JSON, MARCMaker) for the
pymarc readers, read by marcarrow's Rust readers instead of Python's."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

from marcarrow._marcarrow import _record_blocks
from marcarrow.exceptions import MarcError
from marcarrow.pymarc import exceptions as exc
from marcarrow.pymarc.record import Record


def source(target: Any, encoding: str = "utf-8") -> Any:
    """What the Rust reader takes for pymarc's ``target``: a path, a file
    object (text or binary), or the document itself as ``str`` or ``bytes``."""
    if isinstance(target, os.PathLike):
        target = os.fspath(target)
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


def records(target: Any, fmt: str, encoding: str = "utf-8") -> Iterator[Record]:
    """Every record of ``target`` in format ``fmt``, in order. A malformed
    record raises :class:`~marcarrow.pymarc.exceptions.PymarcException`
    after the records before it; deleted OAI-PMH records are passed over,
    as pymarc does."""
    blocks = _record_blocks(source(target, encoding), format=fmt, errors="strict")
    try:
        for block, _problems in blocks:
            if block is None:
                continue
            for row in range(len(block)):
                yield Record._view(block, row, True, True)
    except MarcError as e:
        raise exc.PymarcException(str(e)) from e
