"""MARC-in-JSON to records."""

from __future__ import annotations

from typing import Any

from marcarrow.pymarc.field import Field, Indicators
from marcarrow.pymarc.leader import Leader
from marcarrow.pymarc.reader import JSONReader
from marcarrow.pymarc.record import Record

__all__ = ["JSONHandler", "parse_json_to_array"]


class JSONHandler:
    """Builds records from MARC-in-JSON dicts; override :meth:`process_record`
    to stream them."""

    def __init__(self) -> None:
        self.records: list[Record] = []

    def element(self, element_dict: dict[str, Any], name: str | None = None) -> None:
        """Builds one record from its dict."""
        record = Record()
        record.leader = Leader(element_dict["leader"])
        for entry in element_dict["fields"]:
            for tag, content in dict(entry).items():
                field = Field(tag)
                if field.control_field:
                    field.data = content
                else:
                    for sub in content["subfields"]:
                        for code, text in dict(sub).items():
                            field.add_subfield(code, text)
                    field.indicators = Indicators(content["ind1"], content["ind2"])
                record.add_field(field)
        self.process_record(record)

    def elements(self, dict_list: Any) -> list[Record]:
        """Builds every record of a list (or a single record)."""
        if type(dict_list) is not list:
            dict_list = [dict_list]
        for rec in dict_list:
            self.element(rec)
        return self.records

    def process_record(self, record: Record) -> None:
        """Called with each record; collects it."""
        self.records.append(record)


def parse_json_to_array(json_file: Any) -> list[Record]:
    """Every record of a MARC-in-JSON file (one record, an array, or one
    per line), as a list."""
    return list(JSONReader(json_file))
