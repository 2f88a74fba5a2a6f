"""Records, as pymarc models them.

A :class:`Record` read by :class:`~marcarrow.MARCReader` is a view of one
row of an Arrow batch: ``record['245']`` finds the field in Rust and
creates one :class:`~marcarrow.pymarc.Field`, whose ``['a']`` copies one
string. ``record.fields`` (or any change to the record) builds the list of
fields once; from then on the record behaves exactly like one built by
hand, and ``as_marc()`` writes what it holds.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from typing import Any, overload

from marcarrow.pymarc.constants import END_OF_FIELD, END_OF_RECORD, LEADER_LEN
from marcarrow.pymarc.exceptions import FieldNotFound, MissingLinkedFields
from marcarrow.pymarc.field import Field, Indicators, RawField, Subfield, map_marc8_field
from marcarrow.pymarc.leader import Leader

__all__ = [
    "Field",
    "Indicators",
    "RawField",
    "Record",
    "Subfield",
    "map_marc8_record",
    "normalize_subfield_code",
]

isbn_regex = re.compile(r"([0-9\-xX]+)")
logger = logging.getLogger("marcarrow.pymarc")
_new = object.__new__
_view = Field._view
_raw_view = RawField._view

_SUBJECTS = (
    "600", "610", "611", "630", "648", "650", "651", "653", "654", "655",
    "656", "657", "658", "662", "690", "691", "696", "697", "698", "699",
)  # fmt: skip
_ADDED = (
    "700", "710", "711", "720", "730", "740", "752", "753", "754", "790",
    "791", "792", "793", "796", "797", "798", "799",
)  # fmt: skip
_NOTES = (
    "500", "501", "502", "504", "505", "506", "507", "508", "510", "511",
    "513", "514", "515", "516", "518", "520", "521", "522", "524", "525",
    "526", "530", "533", "534", "535", "536", "538", "540", "541", "544",
    "545", "546", "547", "550", "552", "555", "556", "561", "562", "563",
    "565", "567", "580", "581", "583", "584", "585", "586", "590", "591",
    "592", "593", "594", "595", "596", "597", "598", "599",
)  # fmt: skip


class Record:
    """A MARC record: a leader and fields in order.

    >>> r = Record()
    >>> r.add_field(Field(tag="001", data="x1"),
    ...             Field(tag="245", indicators=Indicators("0", "0"),
    ...                   subfields=[Subfield("a", "A title :"), Subfield("b", "more.")]))
    >>> r["245"]["a"], r.title, "001" in r
    ('A title :', 'A title : more.', True)
    >>> Record(data=r.as_marc())["001"].data
    'x1'
    """

    __slots__ = (
        "_leader",
        "_fields",
        "_block",
        "_row",
        "_made",
        "pos",
        "force_utf8",
        "to_unicode",
        "__pos",
    )

    def __init__(
        self,
        data: bytes | str = "",
        fields: list[Field] | None = None,
        to_unicode: bool = True,
        force_utf8: bool = False,
        hide_utf8_warnings: bool = False,
        utf8_handling: str = "strict",
        leader: str = " " * LEADER_LEN,
        file_encoding: str = "iso8859-1",
    ) -> None:
        self._block: Any = None
        self._row = 0
        self._made: dict[int, Field] | None = None
        self._leader: Leader | str | None = Leader(leader[0:10] + "22" + leader[12:20] + "4500")
        self._fields: list[Field] | None = []
        self.pos = 0
        self.__pos = 0
        self.force_utf8 = force_utf8
        self.to_unicode = to_unicode
        if fields:
            self._fields = fields
        elif len(data) > 0:
            self.decode_marc(
                data,
                to_unicode=to_unicode,
                force_utf8=force_utf8,
                hide_utf8_warnings=hide_utf8_warnings,
                utf8_handling=utf8_handling,
                encoding=file_encoding,
            )
        elif force_utf8:
            lead = str(self._leader)
            self._leader = Leader(lead[0:9] + "a" + lead[10:])

    @classmethod
    def _view(cls, block: Any, row: int, force_utf8: bool, to_unicode: bool) -> Record:
        """Record ``row`` of ``block``, nothing copied yet."""
        r = _new(cls)
        r._block = block
        r._row = row
        r._fields = None
        r._leader = None
        r._made = None
        r.pos = 0
        r.force_utf8 = force_utf8
        r.to_unicode = to_unicode
        return r

    def __getstate__(self) -> dict[str, Any]:
        """A copy or pickle holds the record's own fields, not the batch."""
        return {
            "_leader": self.leader,
            "_fields": self.fields,
            "pos": self.pos,
            "force_utf8": self.force_utf8,
            "to_unicode": self.to_unicode,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._block = None
        self._row = 0
        self._made = None
        self.__pos = 0
        for k, v in state.items():
            setattr(self, k, v)

    # -- the two attributes pymarc scripts touch directly ---------------------

    @property
    def leader(self) -> Leader:
        """The leader (a :class:`Leader`; a plain string if one was assigned)."""
        lead = self._leader
        if lead is None:
            lead = self._leader = Leader(self._block.leader(self._row))
        return lead  # type: ignore[return-value]

    @leader.setter
    def leader(self, value: Leader | str) -> None:
        self._leader = value

    @property
    def fields(self) -> list[Field]:
        """The fields in record order; the list is the record's own."""
        fields = self._fields
        if fields is None:
            fields = self._materialize()
        return fields

    @fields.setter
    def fields(self, value: list[Field]) -> None:
        self._fields = value

    def _materialize(self) -> list[Field]:
        block, row = self._block, self._row
        start, _ = block.span(row)
        made = self._made or {}
        view = _view if self.to_unicode else _raw_view
        fields = [
            made.get(fi) or view(block, fi, tag) for fi, tag in enumerate(block.tags(row), start)
        ]
        self._fields = fields
        self._made = None
        return fields

    def _field(self, fi: int, tag: str) -> Field:
        """The one Field object for field ``fi`` (so edits through it stick)."""
        made = self._made
        view = _view if self.to_unicode else _raw_view
        if made is None:
            f = view(self._block, fi, tag)
            self._made = {fi: f}
            return f
        f = made.get(fi)  # type: ignore[assignment]
        if f is None:
            f = made[fi] = view(self._block, fi, tag)
        return f

    @property
    def record_index(self) -> int | None:
        """Position of the record in its source (0-based), if it was read."""
        return None if self._block is None else self._block.position(self._row)[0]

    @property
    def byte_offset(self) -> int | None:
        """Byte offset of the record in its source, if it was read."""
        return None if self._block is None else self._block.position(self._row)[1]

    # -- reading -------------------------------------------------------------

    def __str__(self) -> str:
        lines = [f"=LDR  {self.leader}"]
        lines.extend(str(f) for f in self.fields)
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"<Record {self.leader}>"

    def __getitem__(self, tag: str) -> Field:
        """The first field tagged ``tag``; ``KeyError`` if there is none."""
        if self._fields is None:
            fi = self._block.find(self._row, tag)
            if fi is None:
                raise KeyError(tag)
            return self._field(fi, tag)
        for f in self._fields:
            if f.tag == tag:
                return f
        raise KeyError(tag)

    def get(self, tag: str, default: Field | None = None) -> Field | None:
        """The first field tagged ``tag``, or ``default``."""
        if self._fields is None:
            if not isinstance(tag, str):
                return default
            fi = self._block.find(self._row, tag)
            return default if fi is None else self._field(fi, tag)
        for f in self._fields:
            if f.tag == tag:
                return f
        return default

    def __contains__(self, tag: str) -> bool:
        if self._fields is None and isinstance(tag, str):
            return self._block.find(self._row, tag) is not None  # type: ignore[no-any-return]
        return any(f.tag == tag for f in self.fields)

    def __iter__(self) -> Record:
        self.__pos = 0
        return self

    def __next__(self) -> Field:
        fields = self.fields
        if self.__pos >= len(fields):
            raise StopIteration
        self.__pos += 1
        return fields[self.__pos - 1]

    @overload
    def get_fields(self, *args: str) -> list[Field]: ...
    @overload
    def get_fields(self, *args: list[str]) -> list[Field]: ...
    def get_fields(self, *args: Any) -> list[Field]:
        """The fields tagged with any of ``args``, in record order (all
        fields when no tag is given)."""
        if not args:
            return self.fields
        if self._fields is None:
            try:
                block = self._block
                if len(args) == 1:
                    tag = args[0]
                    found = [(fi, tag) for fi in block.find_all(self._row, tag)]
                else:
                    found = block.find_any(self._row, args)
                if not found:
                    return []
                made = self._made
                if made is None:
                    made = self._made = {}
                view = _view if self.to_unicode else _raw_view
                out = []
                for fi, t in found:
                    f = made.get(fi)
                    if f is None:
                        f = made[fi] = view(block, fi, t)
                    out.append(f)
                return out
            except TypeError:
                pass  # a tag that is not a string: pymarc compares and finds nothing
        if len(args) == 1:
            tag = args[0]
            return [f for f in self.fields if f.tag == tag]
        tags = set(args)
        return [f for f in self.fields if f.tag in tags]

    def get_linked_fields(self, field: Field) -> list[Field]:
        """The 880 fields linked to ``field`` by its subfield 6."""
        num = field.linkage_occurrence_num()
        linked = [f for f in self.get_fields("880") if f.linkage_occurrence_num() == num]
        if num is not None and not linked:
            raise MissingLinkedFields(field)
        return linked

    # -- editing -------------------------------------------------------------

    def add_field(self, *fields: Field) -> None:
        """Appends fields."""
        self.fields.extend(fields)

    def add_grouped_field(self, *fields: Field) -> None:
        """Adds fields after the others of the same hundred (``6XX`` after
        the last ``6XX``)."""
        for f in fields:
            if not self.fields or not f.tag.isdigit():
                self.fields.append(f)
            else:
                self._sort_fields(f, "grouped")

    def add_ordered_field(self, *fields: Field) -> None:
        """Adds fields in tag order (after the others with the same tag)."""
        for f in fields:
            if not self.fields or not f.tag.isdigit():
                self.fields.append(f)
            else:
                self._sort_fields(f, "ordered")

    def _sort_fields(self, field: Field, mode: str) -> None:
        fields = self.fields
        key = int(field.tag[0]) if mode == "grouped" else int(field.tag)
        for i, other in enumerate(fields):
            if not other.tag.isdigit():
                fields.insert(i, field)
                return
            other_key = int(other.tag[0]) if mode == "grouped" else int(other.tag)
            if other_key > key:
                fields.insert(i, field)
                return
        fields.append(field)

    def remove_field(self, *fields: Field) -> None:
        """Removes these field objects (``FieldNotFound`` if one is not here)."""
        mine = self.fields
        for f in fields:
            for i, g in enumerate(mine):
                if g is f:
                    del mine[i]
                    break
            else:
                try:
                    mine.remove(f)
                except ValueError:
                    raise FieldNotFound from None

    def remove_fields(self, *tags: str) -> None:
        """Removes every field tagged with any of ``tags``."""
        if not tags:
            return
        drop = set(tags)
        self.fields[:] = [f for f in self.fields if f.tag not in drop]

    # -- decoding and writing ------------------------------------------------

    def decode_marc(
        self,
        marc: bytes | str,
        to_unicode: bool = True,
        force_utf8: bool = False,
        hide_utf8_warnings: bool = False,
        utf8_handling: str = "strict",
        encoding: str = "iso8859-1",
    ) -> None:
        """Fills the record from one record in transmission format, through
        marcarrow's parser; a malformed record raises pymarc's exception."""
        from marcarrow.pymarc._blocks import _first_record

        if isinstance(marc, str):
            marc = marc.encode("latin-1")
        block, row = _first_record(
            bytes(marc),
            to_unicode=to_unicode,
            force_utf8=force_utf8 or self.force_utf8,
            utf8_handling=utf8_handling,
            file_encoding=encoding,
        )
        self._block, self._row = block, row
        self._leader = None
        self._made = None
        self._fields = None
        fields = self._materialize()
        for f in fields:
            f.subfields  # noqa: B018 - copy out of the batch now

    def as_marc(self) -> bytes:
        """The record in transmission format (ISO 2709). As in pymarc, a
        record read with ``to_unicode`` is written as UTF-8 and its leader/09
        set to ``a``."""
        if self.to_unicode:
            if isinstance(self.leader, Leader):
                self.leader.coding_scheme = "a"
            else:
                self.leader = self.leader[0:9] + "a" + self.leader[10:]
        lead = str(self.leader)
        encoding = "utf-8" if lead[9] == "a" or self.force_utf8 else "iso8859-1"
        body = []
        directory = []
        offset = 0
        for f in self.fields:
            data = f.as_marc() if isinstance(f, RawField) else f.as_marc(encoding=encoding)
            body.append(data)
            tag = f"{int(f.tag):03d}" if f.tag.isdigit() else f"{f.tag:>03}"
            directory.append(f"{tag}{len(data):04d}{offset:05d}".encode(encoding))
            offset += len(data)
        directory.append(END_OF_FIELD.encode(encoding))
        body.append(END_OF_RECORD.encode(encoding))
        dir_bytes = b"".join(directory)
        base = LEADER_LEN + len(dir_bytes)
        length = base + offset + 1
        head = f"{length:0>5}{lead[5:12]}{base:0>5}{lead[17:]}".encode(encoding)
        return head + dir_bytes + b"".join(body)

    as_marc21 = as_marc

    def as_dict(self) -> dict[str, Any]:
        """The record as MARC-in-JSON: ``{"leader": ..., "fields": [...]}``."""
        out: list[dict[str, Any]] = []
        for f in self.fields:
            if f.control_field:
                out.append({f.tag: f.data})
            else:
                out.append(
                    {
                        f.tag: {
                            "ind1": f.indicator1,
                            "ind2": f.indicator2,
                            "subfields": [{s.code: s.value} for s in f.subfields],
                        }
                    }
                )
        return {"leader": str(self.leader), "fields": out}

    def as_json(self, **kwargs: Any) -> str:
        """The record as MARC-in-JSON text (``kwargs`` go to ``json.dumps``)."""
        return json.dumps(self.as_dict(), **kwargs)

    # -- pymarc's convenience properties -------------------------------------

    def _joined(self, tag: str) -> str | None:
        field = self.get(tag)
        if not field:
            return None
        text = field.get("a")
        if text:
            sub = field.get("b")
            if sub:
                text += f" {sub}"
        return text

    @property
    def title(self) -> str | None:
        """245 $a and $b."""
        return self._joined("245")

    @property
    def issn_title(self) -> str | None:
        """The key title: 222 $a and $b."""
        return self._joined("222")

    @property
    def isbn(self) -> str | None:
        """The first ISBN (020 $a), digits (and X) only."""
        field = self.get("020")
        if not field:
            return None
        number = field.get("a")
        if not number:
            return None
        m = isbn_regex.search(number)
        return m.group(1).replace("-", "") if m else None

    @property
    def issn(self) -> str | None:
        """022 $a."""
        field = self.get("022")
        return field.get("a") if field and "a" in field else None

    @property
    def issnl(self) -> str | None:
        """The ISSN-L, 022 $l."""
        field = self.get("022")
        return field["l"] if field and "l" in field else None

    @property
    def sudoc(self) -> str | None:
        """The SuDoc classification number (086)."""
        field = self.get("086")
        return field.format_field() if field else None

    @property
    def author(self) -> str | None:
        """100, 110 or 111, formatted."""
        field = self.get("100") or self.get("110") or self.get("111")
        return field.format_field() if field else None

    @property
    def uniformtitle(self) -> str | None:
        """130 or 240, formatted."""
        field = self.get("130") or self.get("240")
        return field.format_field() if field else None

    @property
    def series(self) -> list[Field]:
        """440, 490, 800, 810, 811 and 830."""
        return self.get_fields("440", "490", "800", "810", "811", "830")

    @property
    def subjects(self) -> list[Field]:
        """The 6XX subject fields pymarc lists."""
        return self.get_fields(*_SUBJECTS)

    @property
    def addedentries(self) -> list[Field]:
        """The 7XX added entries pymarc lists."""
        return self.get_fields(*_ADDED)

    @property
    def location(self) -> list[Field]:
        """852."""
        return self.get_fields("852")

    @property
    def notes(self) -> list[Field]:
        """The 5XX notes pymarc lists."""
        return self.get_fields(*_NOTES)

    @property
    def physicaldescription(self) -> list[Field]:
        """300."""
        return self.get_fields("300")

    def _publication(self, code: str) -> str | None:
        for f in self.get_fields("260", "264"):
            if f.tag == "260":
                return f.get(code)
            if f.tag == "264" and f.indicator2 == "1":
                return f.get(code)
        return None

    @property
    def publisher(self) -> str | None:
        """260 $b, or 264 $b with second indicator 1."""
        return self._publication("b")

    @property
    def pubyear(self) -> str | None:
        """260 $c, or 264 $c with second indicator 1."""
        return self._publication("c")


def map_marc8_record(record: Record) -> Record:
    """Decodes a record's MARC-8 values in place and marks it UTF-8."""
    record.fields = [map_marc8_field(f) for f in record.fields]
    lead = list(str(record.leader))
    lead[9] = "a"
    record.leader = Leader("".join(lead))
    return record


def normalize_subfield_code(subfield: bytes) -> tuple[str, int]:
    """A non-ASCII subfield code folded to ASCII, and its length in bytes."""
    skip = 1
    try:
        text = subfield.decode("utf-8")
        skip = len(text[0].encode("utf-8"))
    except UnicodeDecodeError:
        text = subfield.decode("latin-1")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return folded[0], skip
