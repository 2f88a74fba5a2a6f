"""A drop-in for pymarc, over marcarrow's Rust reader.

``import marcarrow.pymarc as pymarc`` lets a pymarc 5.x script run
unchanged for reading, editing and writing: the same classes, functions,
exceptions and submodules (``field``, ``record``, ``reader``, ``leader``,
``exceptions``, ``writer``, ``marc8``, ``marcxml``, ``marcjson``,
``constants``), with records read many times faster.

>>> import marcarrow
>>> import marcarrow.pymarc as pymarc
>>> reader = pymarc.MARCReader(open(marcarrow.SAMPLE, "rb"))
>>> record = next(reader)
>>> isinstance(record, pymarc.Record), record["245"].tag
(True, '245')
>>> reader.close()
"""

from marcarrow.pymarc.constants import (
    DIRECTORY_ENTRY_LEN,
    END_OF_FIELD,
    END_OF_RECORD,
    LEADER_LEN,
    SUBFIELD_INDICATOR,
)
from marcarrow.pymarc.exceptions import (
    BadLeaderValue,
    BadSubfieldCodeWarning,
    BaseAddressInvalid,
    BaseAddressNotFound,
    EndOfRecordNotFound,
    FatalReaderError,
    FieldNotFound,
    MissingLinkedFields,
    NoActiveFile,
    NoFieldsFound,
    PymarcException,
    RecordDecodeError,
    RecordDirectoryInvalid,
    RecordLeaderInvalid,
    RecordLengthInvalid,
    TruncatedRecord,
    WriteNeedsRecord,
)
from marcarrow.pymarc.field import Field, Indicators, RawField, Subfield, map_marc8_field
from marcarrow.pymarc.leader import Leader
from marcarrow.pymarc.marc8 import MARC8ToUnicode, marc8_to_unicode
from marcarrow.pymarc.marcjson import JSONHandler, parse_json_to_array
from marcarrow.pymarc.marcxml import (
    MARC_XML_NS,
    MARC_XML_SCHEMA,
    XSI_NS,
    XmlHandler,
    map_xml,
    parse_xml,
    parse_xml_to_array,
    record_to_xml,
    record_to_xml_node,
)
from marcarrow.pymarc.reader import JSONReader, MARCMakerReader, MARCReader, Reader, map_records
from marcarrow.pymarc.record import (
    Record,
    isbn_regex,
    logger,
    map_marc8_record,
    normalize_subfield_code,
)
from marcarrow.pymarc.writer import JSONWriter, MARCWriter, TextWriter, Writer, XMLWriter

__all__ = [
    "DIRECTORY_ENTRY_LEN",
    "END_OF_FIELD",
    "END_OF_RECORD",
    "LEADER_LEN",
    "MARC_XML_NS",
    "MARC_XML_SCHEMA",
    "SUBFIELD_INDICATOR",
    "XSI_NS",
    "BadLeaderValue",
    "BadSubfieldCodeWarning",
    "BaseAddressInvalid",
    "BaseAddressNotFound",
    "EndOfRecordNotFound",
    "FatalReaderError",
    "Field",
    "FieldNotFound",
    "Indicators",
    "JSONHandler",
    "JSONReader",
    "JSONWriter",
    "Leader",
    "MARC8ToUnicode",
    "MARCMakerReader",
    "MARCReader",
    "MARCWriter",
    "MissingLinkedFields",
    "NoActiveFile",
    "NoFieldsFound",
    "PymarcException",
    "RawField",
    "Reader",
    "Record",
    "RecordDecodeError",
    "RecordDirectoryInvalid",
    "RecordLeaderInvalid",
    "RecordLengthInvalid",
    "Subfield",
    "TextWriter",
    "TruncatedRecord",
    "WriteNeedsRecord",
    "Writer",
    "XMLWriter",
    "XmlHandler",
    "isbn_regex",
    "logger",
    "map_marc8_field",
    "map_marc8_record",
    "map_records",
    "map_xml",
    "marc8_to_unicode",
    "normalize_subfield_code",
    "parse_json_to_array",
    "parse_xml",
    "parse_xml_to_array",
    "record_to_xml",
    "record_to_xml_node",
]
