"""MARCXML: records to XML and XML to records."""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from xml.sax import make_parser
from xml.sax.handler import ContentHandler, feature_namespaces

from marcarrow.pymarc.field import Field, Indicators
from marcarrow.pymarc.leader import Leader
from marcarrow.pymarc.marc8 import MARC8ToUnicode
from marcarrow.pymarc.record import Record

__all__ = [
    "MARC_XML_NS",
    "MARC_XML_SCHEMA",
    "XSI_NS",
    "XmlHandler",
    "map_xml",
    "parse_xml",
    "parse_xml_to_array",
    "record_to_xml",
    "record_to_xml_node",
]

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MARC_XML_NS = "http://www.loc.gov/MARC21/slim"
MARC_XML_SCHEMA = (
    "http://www.loc.gov/MARC21/slim http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
)


class XmlHandler(ContentHandler):
    """A SAX handler that builds records; override :meth:`process_record`
    to stream them instead of collecting them in :attr:`records`."""

    def __init__(self, strict: bool = False, normalize_form: str | None = None) -> None:
        super().__init__()
        self.records: list[Record] = []
        self._record: Record | None = None
        self._field: Field | None = None
        self._subfield_code: str | None = None
        self._text: list[str] = []
        self._strict = strict
        self.normalize_form = normalize_form

    def startElementNS(self, name: tuple[str | None, str], qname: Any, attrs: Any) -> None:  # noqa: N802
        """Starts a record, field or subfield."""
        if self._strict and name[0] != MARC_XML_NS:
            return
        element = name[1]
        self._text = []
        if element == "record":
            self._record = Record()
        elif element == "controlfield":
            self._field = Field(attrs.getValue((None, "tag")))
        elif element == "datafield":
            ind1 = attrs.get((None, "ind1"), " ")
            ind2 = attrs.get((None, "ind2"), " ")
            self._field = Field(attrs.getValue((None, "tag")), Indicators(ind1, ind2))
        elif element == "subfield":
            self._subfield_code = attrs[(None, "code")]

    def endElementNS(self, name: tuple[str | None, str], qname: Any) -> None:  # noqa: N802
        """Ends a record, field or subfield."""
        if self._strict and name[0] != MARC_XML_NS:
            return
        element = name[1]
        text = "".join(self._text)
        if self.normalize_form is not None:
            text = unicodedata.normalize(self.normalize_form, text)  # type: ignore[arg-type]
        if element == "record" and self._record:
            self.process_record(self._record)
            self._record = None
        elif element == "leader" and self._record:
            self._record.leader = Leader(text)
        elif element == "controlfield" and self._record and self._field:
            self._field.data = text
            self._record.add_field(self._field)
            self._field = None
        elif element == "datafield" and self._record and self._field:
            self._record.add_field(self._field)
            self._field = None
        elif element == "subfield" and self._field and self._subfield_code:
            self._field.add_subfield(self._subfield_code, text)
            self._subfield_code = None
        self._text = []

    def characters(self, content: str) -> None:
        """Collects text."""
        self._text.append(content)

    def process_record(self, record: Record) -> None:
        """Called with each record; collects it."""
        self.records.append(record)


def parse_xml(xml_file: Any, handler: ContentHandler) -> None:
    """Parses MARCXML (a path or file object) with a SAX ``handler``."""
    parser = make_parser()
    parser.setContentHandler(handler)
    parser.setFeature(feature_namespaces, 1)
    parser.parse(xml_file)


def map_xml(function: Callable[[Record], Any], *files: Any) -> None:
    """Calls ``function`` on each record of each MARCXML file, as each is
    read (by marcarrow's MARCXML reader: memory stays flat)."""
    from marcarrow.pymarc import _text

    for f in files:
        for record in _text.records(f, "marcxml"):
            function(record)


def parse_xml_to_array(
    xml_file: Any, strict: bool = False, normalize_form: str | None = None
) -> list[Record]:
    """Every record of a MARCXML file, as a list (read by marcarrow's
    MARCXML reader). ``strict=True`` (only elements in the MARC namespace)
    and ``normalize_form`` take pymarc's own SAX route."""
    if strict or normalize_form is not None:
        handler = XmlHandler(strict, normalize_form)
        parse_xml(xml_file, handler)
        return handler.records
    from marcarrow.pymarc import _text

    return list(_text.records(xml_file, "marcxml"))


def record_to_xml_node(record: Record, quiet: bool = False, namespace: bool = False) -> ET.Element:
    """A record as a MARCXML ``<record>`` element."""
    marc8 = MARC8ToUnicode(quiet=quiet)

    def text(data: Any) -> str:
        return data if type(data) is str else marc8.translate(data)

    root = ET.Element("record")
    if namespace:
        root.set("xmlns", MARC_XML_NS)
        root.set("xmlns:xsi", XSI_NS)
        root.set("xsi:schemaLocation", MARC_XML_SCHEMA)
    ET.SubElement(root, "leader").text = str(record.leader)
    for field in record.fields:
        if field.control_field:
            node = ET.SubElement(root, "controlfield")
            node.set("tag", field.tag)
            node.text = text(field.data)
        else:
            node = ET.SubElement(root, "datafield")
            ind = field.indicators or Indicators(" ", " ")
            node.set("ind1", ind.first)
            node.set("ind2", ind.second)
            node.set("tag", field.tag)
            for s in field.subfields:
                sub = ET.SubElement(node, "subfield")
                sub.set("code", s.code)
                sub.text = text(s.value)
    return root


def record_to_xml(record: Record, quiet: bool = False, namespace: bool = False) -> bytes:
    """A record as MARCXML bytes."""
    return ET.tostring(record_to_xml_node(record, quiet, namespace))
