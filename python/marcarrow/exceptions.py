"""marcarrow's exceptions and warnings.

Every error about a record carries its coordinates: ``record_index``
(0-based position of the record in its source, counting every record the
scanner found, skipped ones included), ``byte_offset`` (where the record
starts), ``error_offset`` (the offending byte, where known), ``tag`` (the
field at fault, where there is one), ``reason`` and ``kind`` (the error's
kind, such as ``"RecordLengthInvalid"`` or ``"InvalidUtf8"``).
"""

from __future__ import annotations

__all__ = ["MarcError", "MarcWarning"]


class MarcError(ValueError):
    """A malformed record, raised under the ``strict`` error policy.

    >>> err = MarcError("bad", record_index=3, byte_offset=1200, reason="no fields")
    >>> (err.record_index, err.byte_offset)
    (3, 1200)
    """

    record_index: int | None
    byte_offset: int | None
    error_offset: int | None
    tag: str | None
    reason: str | None
    kind: str | None

    def __init__(
        self,
        message: str,
        *,
        record_index: int | None = None,
        byte_offset: int | None = None,
        error_offset: int | None = None,
        tag: str | None = None,
        reason: str | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(message)
        self.record_index = record_index
        self.byte_offset = byte_offset
        self.error_offset = error_offset
        self.tag = tag
        self.reason = reason
        self.kind = kind


class MarcWarning(UserWarning):
    """Problems were found and passed over (``lenient`` or ``skip`` policy).

    >>> import warnings, marcarrow
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     table = marcarrow.read_arrow(b"not MARC at all", errors="skip")
    >>> table.num_rows, caught[0].category.__name__
    (0, 'MarcWarning')
    """
