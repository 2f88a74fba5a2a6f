"""Writers: ISO 2709 (``MARCWriter``), text, MARC-in-JSON and MARCXML.

Each record goes through marcarrow's Rust encoders (``write_marc``'s), in
pymarc's style: the bytes pymarc 5.4 writes. A record they cannot take as
it stands (values that are ``bytes``, from ``to_unicode=False``; a tag that
is not three characters, a leader that is not 24, indicators that are not
strings) is written by the Python code pymarc's writers use, as are
records the encoders will not write (a control character in MARCXML, a
delimiter inside a value), where pymarc writes what it is given. A record
too long for ISO 2709 raises :class:`marcarrow.WriteError` instead of
being written with a broken length, as pymarc would.
"""

from __future__ import annotations

import json
from typing import IO, Any

from marcarrow._marcarrow import _encode_record
from marcarrow.exceptions import WriteError
from marcarrow.pymarc.exceptions import WriteNeedsRecord
from marcarrow.pymarc.field import RawField
from marcarrow.pymarc.leader import Leader
from marcarrow.pymarc.record import Record


def _fields(record: Record) -> list[tuple[Any, ...]] | None:
    """The record's fields for ``_encode_record``, or ``None`` when one
    holds something other than text."""
    out: list[tuple[Any, ...]] = []
    for f in record.fields:
        if isinstance(f, RawField):
            return None
        if f.control_field:
            data = f.data if f.data is not None else ""
            if not isinstance(data, str):
                return None
            out.append((f.tag, " ", " ", data, None))
        else:
            subs = [(s.code, s.value) for s in f.subfields]
            if not all(isinstance(c, str) and isinstance(v, str) for c, v in subs):
                return None
            ind1, ind2 = f.indicator1, f.indicator2
            if not (isinstance(ind1, str) and isinstance(ind2, str)):
                return None
            out.append((f.tag, ind1, ind2, None, subs))
    return out


def _encoded(record: Record, fmt: str) -> bytes | None:
    """The record in ``fmt`` by the Rust encoders, or ``None`` where the
    Python fallback must write it (never for a record too long)."""
    fields = _fields(record)
    if fields is None:
        return None
    try:
        return _encode_record(str(record.leader), fields, fmt)
    except WriteError as e:
        if e.kind == "Oversize":  # too long for ISO 2709: not written broken
            raise
        return None


__all__ = ["JSONWriter", "MARCWriter", "TextWriter", "Writer", "XMLWriter"]


class Writer:
    """Base class: checks that what is written is a record."""

    def __init__(self, file_handle: IO[Any]) -> None:
        self.file_handle: IO[Any] | None = file_handle
        self.write_count = 0

    def write(self, record: Record) -> None:
        """Checks ``record`` (subclasses write it)."""
        if not isinstance(record, Record):
            raise WriteNeedsRecord

    def close(self, close_fh: bool = True) -> None:
        """Finishes; closes the file handle unless ``close_fh`` is false."""
        if close_fh and self.file_handle:
            self.file_handle.close()
        self.file_handle = None

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.file_handle is not None:
            self.close()


class MARCWriter(Writer):
    """Writes records as ISO 2709 (UTF-8) to a binary file.

    >>> import io, marcarrow
    >>> out = io.BytesIO()
    >>> writer = MARCWriter(out)
    >>> for record in marcarrow.MARCReader(marcarrow.SAMPLE):
    ...     writer.write(record)
    >>> writer.close(close_fh=False)
    >>> sum(1 for _ in marcarrow.MARCReader(out.getvalue()))
    386
    """

    def write(self, record: Record) -> None:
        """Writes one record."""
        super().write(record)
        if self.file_handle:
            data = None
            if record.to_unicode:
                # As pymarc's as_marc(): the record says UTF-8 from now on.
                if isinstance(record.leader, Leader):
                    record.leader.coding_scheme = "a"
                else:
                    record.leader = record.leader[0:9] + "a" + record.leader[10:]
                data = _encoded(record, "marc")
            self.file_handle.write(data if data is not None else record.as_marc())
            self.write_count += 1


class TextWriter(Writer):
    """Writes records in pymarc's text format, a blank line between them."""

    def write(self, record: Record) -> None:
        """Writes one record."""
        super().write(record)
        if self.file_handle:
            if self.write_count > 0:
                self.file_handle.write("\n")
            data = _encoded(record, "mrk")
            self.file_handle.write(data.decode() if data is not None else str(record))
            self.write_count += 1


class JSONWriter(Writer):
    """Writes a JSON array of MARC-in-JSON records (close it to end the array)."""

    def __init__(self, file_handle: IO[Any]) -> None:
        super().__init__(file_handle)
        if self.file_handle:
            self.file_handle.write("[")

    def write(self, record: Record) -> None:
        """Writes one record."""
        super().write(record)
        if self.file_handle:
            if self.write_count > 0:
                self.file_handle.write(",")
            data = _encoded(record, "json")
            if data is not None:
                self.file_handle.write(data.decode())
            else:
                json.dump(record.as_dict(), self.file_handle, separators=(",", ":"))
            self.write_count += 1

    def close(self, close_fh: bool = True) -> None:
        """Ends the array, then closes."""
        if self.file_handle:
            self.file_handle.write("]")
        super().close(close_fh)


class XMLWriter(Writer):
    """Writes a MARCXML collection (close it to end the document)."""

    def __init__(self, file_handle: IO[Any]) -> None:
        super().__init__(file_handle)
        if self.file_handle:
            self.file_handle.write(b'<?xml version="1.0" encoding="UTF-8"?>')
            self.file_handle.write(b'<collection xmlns="http://www.loc.gov/MARC21/slim">')

    def write(self, record: Record) -> None:
        """Writes one record."""
        import xml.etree.ElementTree as ET

        from marcarrow.pymarc.marcxml import record_to_xml_node

        super().write(record)
        if self.file_handle:
            data = _encoded(record, "marcxml")
            if data is None:
                data = ET.tostring(record_to_xml_node(record), encoding="utf-8")
            self.file_handle.write(data)
            self.write_count += 1

    def close(self, close_fh: bool = True) -> None:
        """Ends the collection, then closes."""
        if self.file_handle:
            self.file_handle.write(b"</collection>")
        super().close(close_fh)
