"""Problems found while reading: what, where, and what was done about it.

Every reader reports the same :class:`Problem` objects: ``reader.errors``,
``summarize(...)["problems"]``, ``to_parquet(...)["errors"]``,
:attr:`marcarrow.MarcError.problem`, and the command line prints them.

>>> import marcarrow
>>> no_fields = b"00026nam  2200025   4500" + bytes([0x1E, 0x1D])
>>> reader = marcarrow.read_batches(no_fields, errors="skip")
>>> _ = list(reader)
>>> p = reader.errors[0]
>>> p.action is marcarrow.Action.SKIPPED, p.record_index, p.byte_offset, p.kind
(True, 0, 0, 'NoFields')
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Action", "Problem"]


class Action(enum.StrEnum):
    """What the reader did about a problem."""

    #: The error stopped the reading (``errors="strict"``).
    RAISED = "raised"
    #: The record was repaired and delivered (``errors="lenient"``).
    REPAIRED = "repaired"
    #: The record or stretch of bytes was skipped.
    SKIPPED = "skipped"
    #: A byte that did not decode was substituted or dropped
    #: (``encoding_errors="replace"`` or ``"ignore"``); the record was delivered.
    REPLACED = "replaced"


@dataclass(frozen=True, slots=True)
class Problem:
    """A malformed record or stretch of input, and the action taken.

    Positions are 0-based and absolute in the (decompressed) source:
    ``record_index`` counts every frame the reader found, skipped ones
    included; ``byte_offset`` is where the record or piece starts and
    ``byte_length`` how long it is (where known); ``error_offset`` is the
    offending byte, where one is known. In the text formats (MARCXML,
    MARC-in-JSON, MARCMaker) ``line`` and ``column`` (1-based, the column
    in bytes) say where that byte, or the record, is.
    """

    record_index: int
    byte_offset: int
    byte_length: int | None
    error_offset: int | None
    tag: str | None
    kind: str
    reason: str
    action: Action
    source: str | None = None
    line: int | None = None
    column: int | None = None

    @property
    def location(self) -> str:
        """Where: ``[source: ]record 3 (byte 1200[, error at byte 1230][,
        line 40, column 7])``."""
        where = f"record {self.record_index} (byte {self.byte_offset}"
        if self.error_offset is not None:
            where += f", error at byte {self.error_offset}"
        if self.line is not None:
            where += f", line {self.line}, column {self.column}"
        prefix = f"{self.source}: " if self.source else ""
        return f"{prefix}{where})"

    @property
    def message(self) -> str:
        """One line for people: ``record 3 (byte 1200): ... [skipped]``."""
        return f"{self.location}: {self.reason} [{self.action.value}]"

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (``action`` as its string), for JSON."""
        d = asdict(self)
        d["action"] = self.action.value
        return d

    def with_source(self, source: str | None) -> Problem:
        """The same problem, naming the input it came from."""
        return Problem(**{**self._fields(), "source": source})

    def _fields(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}
