"""Records from the pipeline for the pymarc shim: pymarc's decoding
arguments as reading options, the first record of some bytes, and a
skipped record's problem as the exception pymarc would raise. Shared by
``reader.py`` (``MARCReader``) and ``record.py`` (``Record(data=...)``).
"""

from __future__ import annotations

from typing import Any

from marcarrow._marcarrow import _record_blocks
from marcarrow.problems import Action, Problem
from marcarrow.pymarc import exceptions as exc

# marcarrow error kinds (``ErrorKind::name`` in Rust) as pymarc's exceptions.
_KIND_TO_CLASS: dict[str, type[exc.PymarcException]] = {
    "Garbage": exc.RecordLengthInvalid,
    "RecordLengthInvalid": exc.RecordLengthInvalid,
    "LengthMismatch": exc.EndOfRecordNotFound,
    "MissingRecordTerminator": exc.EndOfRecordNotFound,
    "Truncated": exc.TruncatedRecord,
    "LeaderInvalid": exc.RecordLeaderInvalid,
    "BaseAddressInvalid": exc.BaseAddressInvalid,
    "DirectoryInvalid": exc.RecordDirectoryInvalid,
    "FieldOutOfRange": exc.RecordDirectoryInvalid,
    "FieldTerminatorMissing": exc.RecordDirectoryInvalid,
    "NoFields": exc.NoFieldsFound,
}

_LATIN1 = {"latin-1", "latin1", "iso-8859-1", "iso8859_1", "iso_8859_1", "l1", "8859"}
_CP1251 = {"cp1251", "windows-1251", "windows_1251"}
_UTF8 = {"utf-8", "utf8", "utf_8", "u8"}


def _pymarc_class(chunk: bytes, reading: bool = True) -> type[Exception] | None:
    """The exception pymarc raises for this malformed record: its checks,
    in its order (the Rust parser checks more, and in another order);
    ``reading`` adds its reader's checks to ``Record(data=...)``'s.
    ``None`` when these checks pass."""
    rec = chunk
    if reading:
        if len(chunk) < 5:
            return exc.TruncatedRecord
        try:
            length = int(chunk[:5])
        except ValueError:
            return exc.RecordLengthInvalid
        if len(chunk) < length:
            return exc.TruncatedRecord
        if length < 1 or chunk[length - 1] != 0x1D:
            return exc.EndOfRecordNotFound
        rec = chunk[:length]
    if not rec[:24].isascii():
        return exc.RecordDecodeError
    if len(rec) < 24:
        return exc.RecordLeaderInvalid
    try:
        base = int(rec[12:17])
    except ValueError:
        return exc.BaseAddressInvalid
    if base <= 0:
        return exc.BaseAddressNotFound
    if base >= len(rec):
        return exc.BaseAddressInvalid
    try:
        if len(rec) < int(rec[:5]):
            return exc.TruncatedRecord
    except ValueError:
        return exc.RecordLengthInvalid
    directory = rec[24 : base - 1]
    if not directory.isascii():
        return exc.RecordDecodeError
    if len(directory) % 12:
        return exc.RecordDirectoryInvalid
    if not directory:
        return exc.NoFieldsFound
    return None


def _exception(problem: Problem, chunk: bytes | None, reading: bool = True) -> Exception:
    """A skipped record's problem as the exception pymarc would give."""
    coords: dict[str, Any] = {
        "record_index": problem.record_index,
        "byte_offset": problem.byte_offset,
        "error_offset": problem.error_offset,
        "tag": problem.tag,
        "problem": problem,
    }
    kind = problem.kind
    cls = _pymarc_class(chunk, reading) if chunk is not None else None
    if cls is None:
        if kind in ("InvalidUtf8", "Encoding"):
            cls = exc.RecordDecodeError
        else:
            cls = _KIND_TO_CLASS.get(kind, exc.PymarcException)
    if cls is exc.RecordDecodeError:
        return exc.RecordDecodeError("utf-8", chunk or b"", 0, 0, problem.reason, **coords)
    message = f"{problem.location}: {problem.reason}"
    return cls(message, reason=problem.reason, **coords)  # type: ignore[call-arg]


def _pipeline_options(
    to_unicode: bool, force_utf8: bool, utf8_handling: str, file_encoding: str
) -> dict[str, Any]:
    """pymarc's decoding arguments as pipeline options."""
    if not to_unicode:
        # Undecoded bytes: ISO 8859-1 maps each byte to one character, and
        # RawField encodes values back.
        return {"encoding": "latin-1", "encoding_errors": "strict"}
    if utf8_handling not in ("strict", "replace", "ignore"):
        raise ValueError(
            f"utf8_handling must be 'strict', 'replace' or 'ignore', not {utf8_handling!r}"
        )
    enc = file_encoding.lower()
    if force_utf8:
        encoding = "utf-8"
    elif file_encoding == "iso8859-1":
        # pymarc's default: "decode records that are not UTF-8 as MARC-8".
        encoding = "auto"
    elif enc in _LATIN1:
        encoding = "auto/latin-1"
    elif enc in _CP1251:
        encoding = "auto/cp1251"
    elif enc in _UTF8:
        encoding = "utf-8"
    else:
        raise ValueError(
            f"file_encoding {file_encoding!r} is not supported: use 'iso8859-1' "
            "(MARC-8, the default), 'latin-1', 'cp1251' or 'utf-8'"
        )
    return {"encoding": encoding, "encoding_errors": utf8_handling}


def _first_record(
    data: bytes,
    *,
    to_unicode: bool,
    force_utf8: bool,
    utf8_handling: str,
    file_encoding: str,
) -> tuple[Any, int]:
    """The first record of ``data`` as ``(block, row)``, or pymarc's exception."""
    opts = _pipeline_options(to_unicode, force_utf8, utf8_handling, file_encoding)
    blocks = _record_blocks(data, threads=1, errors="skip", **opts)
    for block, problems in blocks:
        skipped = [p for p in problems if p.action is Action.SKIPPED]
        if skipped and (block is None or skipped[0].record_index < block.position(0)[0]):
            raise _exception(skipped[0], data, reading=False)
        if block is not None:
            return block, 0
    raise exc.RecordLengthInvalid(reason="no record in the data")
