"""``MARCReader``: pymarc's record iterator over marcarrow's Arrow pipeline.

Records come from the same Rust pipeline as :func:`marcarrow.read_batches`
(same input types, threads, GIL released while a batch is parsed); each is
a lazy :class:`~marcarrow.pymarc.Record` over a row of a batch.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from typing import Any, Literal

from marcarrow._marcarrow import _record_blocks
from marcarrow.problems import Action, Problem
from marcarrow.pymarc import _text
from marcarrow.pymarc import exceptions as exc
from marcarrow.pymarc._blocks import _exception, _pipeline_options
from marcarrow.pymarc.field import Field, Indicators, Subfield
from marcarrow.pymarc.leader import Leader
from marcarrow.pymarc.record import Record

__all__ = ["JSONReader", "MARCMakerReader", "MARCReader", "Reader", "map_records"]


def _chunk_at(source: Any, offset: int | None) -> bytes | None:
    """The bytes pymarc would hold for the record at ``offset``: the
    length in its first five bytes, then that many bytes. ``None`` where
    the source cannot be read again (a file object, a socket)."""
    if offset is None:
        return None
    try:
        if isinstance(source, bytes | bytearray | memoryview):
            view = memoryview(source)[offset:]
            head = bytes(view[:5])
            length = int(head) if head.isdigit() else 5
            return bytes(view[: max(length, 5)])
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as fh:
                fh.seek(offset)
                head = fh.read(5)
                length = int(head) if head.isdigit() else 5
                return head + fh.read(max(length - 5, 0))
    except (OSError, ValueError):
        return None
    return None


class Reader:
    """Base class of the record readers."""


class MARCReader(Reader):
    """Iterates over the MARC records of a file, as pymarc's ``MARCReader``.

    ``marc_target`` is anything :func:`marcarrow.read_batches` accepts: a
    path, ``bytes``, a binary file object, a socket. A malformed record
    yields ``None`` and sets :attr:`current_exception` (a pymarc exception
    class, with ``record_index`` and ``byte_offset``) and
    :attr:`current_chunk`; reading goes on with the next record.

    >>> import marcarrow
    >>> with MARCReader(marcarrow.SAMPLE) as reader:
    ...     titles = [r["245"]["a"] for r in reader if r is not None]
    >>> len(titles)
    386

    pymarc's arguments keep their meaning: records whose leader/09 is not
    ``a`` are MARC-8 under the default ``file_encoding="iso8859-1"``;
    ``force_utf8`` reads every record as UTF-8; ``utf8_handling`` is
    ``"strict"``, ``"replace"`` or ``"ignore"``. ``permissive`` and
    ``hide_utf8_warnings`` are accepted and change nothing (as in pymarc
    5.4). Keyword-only ``threads`` and ``batch_size`` tune the pipeline;
    ``errors="lenient"`` repairs the records that can be repaired instead
    of yielding ``None`` for them.
    """

    def __init__(
        self,
        marc_target: Any,
        to_unicode: bool = True,
        force_utf8: bool = False,
        hide_utf8_warnings: bool = False,
        utf8_handling: str = "strict",
        file_encoding: str = "iso8859-1",
        permissive: bool = False,
        *,
        threads: int | None = None,
        batch_size: int | None = None,
        errors: Literal["skip", "lenient"] = "skip",
    ) -> None:
        if errors not in ("skip", "lenient"):
            raise ValueError(f"errors must be 'skip' or 'lenient', not {errors!r}")
        self.to_unicode = to_unicode
        self.force_utf8 = force_utf8
        self.hide_utf8_warnings = hide_utf8_warnings
        self.utf8_handling = utf8_handling
        self.file_encoding = file_encoding
        self.permissive = permissive
        self.file_handle = marc_target
        opts = _pipeline_options(to_unicode, force_utf8, utf8_handling, file_encoding)
        self._blocks: Any = _record_blocks(
            marc_target, threads=threads, batch_size=batch_size, errors=errors, **opts
        )
        self._block: Any = None
        self._row = 0
        self._n = 0
        self._plan: list[Any] | None = None
        self._done = False
        self._odd: dict[int, list[str]] = {}
        self._last_row = -1
        self._current_chunk: bytes | None = None
        self._current_exception: Exception | None = None

    @property
    def current_chunk(self) -> bytes | None:
        """The raw bytes of the record last read (good or malformed), as
        pymarc holds them: the length in its first five bytes, then that
        many bytes."""
        if self._current_exception is not None:
            return self._current_chunk
        row = self._row - 1 if self._plan is None else self._last_row
        if self._block is None or row < 0:
            return None
        return self._block.raw_record(row)  # type: ignore[no-any-return]

    @property
    def current_exception(self) -> Exception | None:
        """Why the last record yielded was ``None``."""
        return self._current_exception

    def __iter__(self) -> MARCReader:
        return self

    def __next__(self) -> Record | None:
        row = self._row
        if row < self._n and self._plan is None:
            self._row = row + 1
            if self._current_exception is not None:
                self._current_exception = self._current_chunk = None
            return Record._view(self._block, row, self.force_utf8, self.to_unicode)
        return self._slow_next()

    def _slow_next(self) -> Record | None:
        while True:
            plan = self._plan
            if plan is not None:
                if self._row < len(plan):
                    item = plan[self._row]
                    self._row += 1
                    if type(item) is int:
                        self._current_exception = self._current_chunk = None
                        self._last_row = item
                        for original in self._odd.get(item, ()):
                            warnings.warn(
                                exc.BadSubfieldCodeWarning(original.encode()), stacklevel=3
                            )
                        return Record._view(self._block, item, self.force_utf8, self.to_unicode)
                    problem, chunk = item
                    self._current_exception = _exception(problem, chunk)
                    self._current_chunk = chunk
                    return None
                self._plan = None
                self._n = 0
            elif self._row < self._n:
                row = self._row
                self._row = row + 1
                self._current_exception = self._current_chunk = None
                return Record._view(self._block, row, self.force_utf8, self.to_unicode)
            if self._done:
                raise StopIteration
            self._advance()

    def _advance(self) -> None:
        """Takes the next block (and the records skipped before it)."""
        item = next(self._blocks, None)
        if item is None:
            self._done = True
            self._block, self._row, self._n = None, 0, 0
            return
        block, problems = item
        skipped = [p for p in problems if p.action is Action.SKIPPED]
        if block is None:
            self._done = True
        self._block = block
        self._row = 0
        n = 0 if block is None else len(block)
        odd = block.odd_codes() if block is not None else []
        self._odd = {}
        for row, original in odd:
            self._odd.setdefault(row, []).append(original)
        if not skipped and not odd:
            self._n = n
            return
        # Interleave the skipped records (as exceptions) with the rows, in
        # input order.
        errs = sorted(skipped, key=lambda p: p.record_index)
        indexes = [] if block is None else block.record_indexes()
        plan: list[Any] = []
        e = 0
        for row, idx in enumerate(indexes):
            while e < len(errs) and errs[e].record_index < idx:
                plan.append(self._failed(errs[e]))
                e += 1
            plan.append(row)
        plan.extend(self._failed(p) for p in errs[e:])
        self._plan = plan
        self._n = n

    def _failed(self, problem: Problem) -> tuple[Problem, bytes | None]:
        offset = problem.byte_offset
        chunk = self._block.chunk(offset) if self._block is not None else None
        if chunk is None:
            chunk = _chunk_at(self.file_handle, offset)
        return problem, chunk

    def close(self) -> None:
        """Stops reading; closes the file object passed in, as pymarc does."""
        self._blocks.close()
        self._done = True
        self._plan = None
        self._n = 0
        close = getattr(self.file_handle, "close", None)
        if close is not None and not isinstance(self.file_handle, str | os.PathLike):
            close()

    def __enter__(self) -> MARCReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def map_records(f: Callable[[Record | None], Any], *files: Any) -> None:
    """Calls ``f`` on every record of every file."""
    for file in files:
        for record in MARCReader(file):
            f(record)


class JSONReader(Reader):
    """Reads records from MARC-in-JSON: one record, an array of records, or
    one record per line (NDJSON), streamed by marcarrow's JSON reader (pymarc
    loads the whole document first). A malformed record raises
    :class:`~marcarrow.pymarc.exceptions.PymarcException`."""

    def __init__(self, marc_target: Any, encoding: str = "utf-8", stream: bool = False) -> None:
        self.encoding = encoding
        if hasattr(marc_target, "read"):
            self.file_handle = marc_target
        self._target = _text.source(marc_target, encoding)

    @property
    def records(self) -> list[dict[str, Any]]:
        """The records as MARC-in-JSON dicts (pymarc keeps the parsed JSON here)."""
        return [r.as_dict() for r in self]

    def __iter__(self) -> Iterator[Record]:
        return _text.records(self._target, "json")


class MARCMakerReader(Reader):
    """Reads MARCMaker text (``=LDR  ...``, ``=245  10$a...``), records
    separated by a blank line, with marcarrow's reader: ``\\`` is a blank in
    the leader, control fields and indicators, and ``{dollar}``-style
    mnemonics are resolved (pymarc keeps both as written). A malformed record
    raises :class:`~marcarrow.pymarc.exceptions.PymarcException`."""

    def __init__(self, target: Any, encoding: str | None = "utf-8") -> None:
        src = _text.source(target, encoding)
        self._iter = _text.records(src, "mrk")
        if src is not target and hasattr(target, "close"):
            target.close()  # read whole, as pymarc does, then closed

    def _parse_line(self, line: str) -> Leader | Field:
        """One line, as pymarc parses it: ``=LDR  ...``, ``=008  ...`` or
        ``=245  10$a...`` (``\\`` and mnemonics kept as written)."""
        if line[0] != "=":
            raise ValueError('Line should start with a "=".')
        if line[4:6] != "  ":
            raise ValueError("Tag should be separated from the rest of the field by two spaces.")
        tag, data = line[1:4], line[6:]
        if tag == "LDR":
            return Leader(data)
        if tag < "010":
            return Field(tag, data=data)
        subfields = [Subfield(s[:1], s[1:]) for s in data[3:].split("$")]
        return Field(tag, indicators=Indicators(data[0], data[1]), subfields=subfields)

    def __iter__(self) -> MARCMakerReader:
        return self

    def __next__(self) -> Record:
        return next(self._iter)
