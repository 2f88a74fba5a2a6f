"""marcarrow's exceptions and warnings.

Every error about a record carries its coordinates: ``record_index``
(0-based position of the record in its source, counting every record the
scanner found, skipped ones included), ``byte_offset`` (where the record
starts), ``error_offset`` (the offending byte, where known), ``tag`` (the
field at fault, where there is one), ``reason`` and ``kind`` (the error's
kind, such as ``"RecordLengthInvalid"`` or ``"InvalidUtf8"``), and the same
facts as a :class:`~marcarrow.Problem` in ``problem``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from marcarrow.problems import Problem

__all__ = ["MarcError", "MarcWarning", "WriteError"]


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
    problem: Problem | None

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
        problem: Problem | None = None,
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.record_index = record_index
        self.byte_offset = byte_offset
        self.error_offset = error_offset
        self.tag = tag
        self.reason = reason
        self.kind = kind

    @classmethod
    def from_problem(cls, problem: Problem) -> MarcError:
        """The error for a problem that stopped the reading."""
        return cls(
            f"{problem.location}: {problem.reason}",
            record_index=problem.record_index,
            byte_offset=problem.byte_offset,
            error_offset=problem.error_offset,
            tag=problem.tag,
            reason=problem.reason,
            kind=problem.kind,
            problem=problem,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        kw = {k: getattr(self, k) for k in _COORDS}
        return (_rebuild, (type(self), self.args, kw))


_COORDS = ("record_index", "byte_offset", "error_offset", "tag", "reason", "kind", "problem")


def _rebuild(cls: type[MarcError], args: tuple[Any, ...], kw: dict[str, Any]) -> MarcError:
    try:
        err = cls(*args)
    except TypeError:  # a subclass with another constructor
        err = Exception.__new__(cls)
        err.args = args
    for k, v in kw.items():
        setattr(err, k, v)
    return err


class MarcWarning(UserWarning):
    """Problems were found and passed over (``lenient`` or ``skip`` policy).

    >>> import warnings, marcarrow
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     table = marcarrow.read_arrow(b"not MARC at all", errors="skip")
    >>> table.num_rows, caught[0].category.__name__
    (0, 'MarcWarning')
    """


class WriteError(ValueError):
    """A table or record that cannot be written as MARC, raised before the
    destination file appears: ``column`` (such as ``"fields.tag"``) and
    ``row`` (0-based over the whole input, ``None`` when the column itself
    is wrong) say where; ``control_number`` is the record's 001 when known;
    ``kind`` is ``"Oversize"`` or ``"Unwritable"`` for a record the format
    cannot hold (``column`` is then ``None``).

    >>> import io, pyarrow as pa, marcarrow
    >>> table = marcarrow.read_arrow(marcarrow.SAMPLE)[:2]
    >>> bad = table.set_column(0, "leader", pa.array(["00000nam a2200000 a 4500", "too short"]))
    >>> try:
    ...     marcarrow.write_marc(bad, io.BytesIO(), format="marc")
    ... except WriteError as e:
    ...     (e.column, e.row)
    ('leader', 1)
    """

    column: str | None
    row: int | None
    control_number: str | None
    kind: str | None

    def __init__(
        self,
        message: str,
        column: str | None = None,
        row: int | None = None,
        control_number: str | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(message)
        self.column = column
        self.row = row
        self.control_number = control_number
        self.kind = kind

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.args[0], self.column, self.row, self.control_number, self.kind)
        return (type(self), args)
