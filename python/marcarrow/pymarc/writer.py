"""Writers: ISO 2709 (``MARCWriter``), text, MARC-in-JSON and MARCXML."""

from __future__ import annotations

import json
from typing import IO, Any

from marcarrow.pymarc.exceptions import WriteNeedsRecord
from marcarrow.pymarc.record import Record

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
            self.file_handle.write(record.as_marc())
            self.write_count += 1


class TextWriter(Writer):
    """Writes records in pymarc's text format, a blank line between them."""

    def write(self, record: Record) -> None:
        """Writes one record."""
        super().write(record)
        if self.file_handle:
            if self.write_count > 0:
                self.file_handle.write("\n")
            self.file_handle.write(str(record))
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
            self.file_handle.write(ET.tostring(record_to_xml_node(record), encoding="utf-8"))
            self.write_count += 1

    def close(self, close_fh: bool = True) -> None:
        """Ends the collection, then closes."""
        if self.file_handle:
            self.file_handle.write(b"</collection>")
        super().close(close_fh)
