"""pymarc's exceptions, rooted in marcarrow's own error.

Every class here is a subclass of both pymarc's hierarchy (so ``except
PymarcException`` keeps working) and :class:`marcarrow.MarcError`. Those
raised for a record read from a file carry its coordinates:
``record_index``, ``byte_offset``, ``error_offset``, ``tag`` and ``reason``
(``None`` where unknown). ``str()`` gives pymarc's message.
"""

from __future__ import annotations

from typing import Any

from marcarrow.exceptions import MarcError
from marcarrow.problems import Problem

__all__ = [
    "BadLeaderValue",
    "BadSubfieldCodeWarning",
    "BaseAddressInvalid",
    "BaseAddressNotFound",
    "EndOfRecordNotFound",
    "FatalReaderError",
    "FieldNotFound",
    "MissingLinkedFields",
    "NoActiveFile",
    "NoFieldsFound",
    "PymarcException",
    "RecordDecodeError",
    "RecordDirectoryInvalid",
    "RecordLeaderInvalid",
    "RecordLengthInvalid",
    "TruncatedRecord",
    "WriteNeedsRecord",
]


class PymarcException(MarcError):
    """Base of pymarc's exceptions.

    >>> err = RecordDirectoryInvalid(record_index=4, byte_offset=5120)
    >>> str(err), err.record_index, isinstance(err, MarcError)
    ('Invalid directory', 4, True)
    """

    message: str | None = None

    def __init__(
        self,
        *args: Any,
        record_index: int | None = None,
        byte_offset: int | None = None,
        error_offset: int | None = None,
        tag: str | None = None,
        reason: str | None = None,
        problem: Problem | None = None,
    ) -> None:
        Exception.__init__(self, *args)
        self.problem = problem
        self.kind = problem.kind if problem is not None else None
        self.record_index = record_index
        self.byte_offset = byte_offset
        self.error_offset = error_offset
        self.tag = tag
        self.reason = reason

    def __str__(self) -> str:
        if self.message is not None:
            return self.message
        return Exception.__str__(self)


class FatalReaderError(PymarcException):
    """An error after which pymarc's reader stops."""


class RecordLengthInvalid(FatalReaderError):
    """Invalid record length."""

    message = "Invalid record length in first 5 bytes of record"


class TruncatedRecord(FatalReaderError):
    """Truncated record data."""

    message = "Record length in leader is greater than the length of data"


class EndOfRecordNotFound(FatalReaderError):
    """Unable to locate end of record marker."""

    message = "Unable to locate end of record marker"


class RecordLeaderInvalid(PymarcException):
    """Unable to extract record leader."""

    message = "Unable to extract record leader"


class RecordDirectoryInvalid(PymarcException):
    """Invalid directory."""

    message = "Invalid directory"


class NoFieldsFound(PymarcException):
    """Unable to locate fields in record data."""

    message = "Unable to locate fields in record data"


class BaseAddressInvalid(PymarcException):
    """Base address exceeds size of record."""

    message = "Base address exceeds size of record"


class BaseAddressNotFound(PymarcException):
    """Unable to locate base address of record."""

    message = "Unable to locate base address of record"


class WriteNeedsRecord(PymarcException):
    """Write requires a Record object as an argument."""

    message = "Write requires a pymarc.Record object as an argument"


class NoActiveFile(PymarcException):
    """There is no active file to write to in call to write."""

    message = "There is no active file to write to in call to write"


class FieldNotFound(PymarcException):
    """Record does not contain the specified field."""

    message = "Record does not contain the specified field"


class BadLeaderValue(PymarcException):
    """Error when setting a leader value."""


class MissingLinkedFields(PymarcException):
    """A field's subfield 6 points at 880 fields that are not there."""

    def __init__(self, field: Any) -> None:
        super().__init__(field)
        self.field = field

    def __str__(self) -> str:
        return f"{self.field.tag} field includes a subfield 6 but no linked fields could be found."


class BadSubfieldCodeWarning(Warning):
    """Warning about a non-ASCII subfield code."""

    def __init__(self, subf: Any) -> None:
        super().__init__()
        self.subf = subf

    def __str__(self) -> str:
        return f"The subfield contained a non-ASCII subfield code: {self.subf}"


class RecordDecodeError(UnicodeDecodeError, MarcError):  # type: ignore[misc]
    """A record whose bytes do not decode (pymarc raises ``UnicodeDecodeError``).

    >>> err = RecordDecodeError("utf-8", b"\\xff", 0, 1, "invalid start byte", record_index=2)
    >>> isinstance(err, UnicodeDecodeError), isinstance(err, MarcError), err.record_index
    (True, True, 2)
    """

    def __init__(
        self,
        encoding: str,
        obj: bytes,
        start: int,
        end: int,
        reason: str,
        *,
        record_index: int | None = None,
        byte_offset: int | None = None,
        error_offset: int | None = None,
        tag: str | None = None,
        problem: Problem | None = None,
    ) -> None:
        UnicodeDecodeError.__init__(self, encoding, obj, start, end, reason)
        self.problem = problem
        self.kind = problem.kind if problem is not None else None
        self.reason = reason
        self.record_index = record_index
        self.byte_offset = byte_offset
        self.error_offset = error_offset
        self.tag = tag
