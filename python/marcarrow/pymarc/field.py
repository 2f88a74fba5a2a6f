"""Fields and subfields, as pymarc models them.

A :class:`Field` read by :class:`~marcarrow.MARCReader` is a view of one
field of an Arrow batch: its subfields and indicators are copied into
Python objects only when asked for (``field['a']`` copies one string). The
first change to a field gives it its own copy; from then on it behaves
exactly like a field built by hand.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple, overload

from marcarrow.pymarc.constants import END_OF_FIELD, SUBFIELD_INDICATOR

__all__ = ["Field", "Indicators", "RawField", "Subfield", "map_marc8_field"]

logger = logging.getLogger("marcarrow.pymarc")


class Subfield(NamedTuple):
    """One subfield: its code and its value."""

    code: str
    value: str


class Indicators(NamedTuple):
    """The two indicators of a data field."""

    first: str
    second: str


_new = object.__new__
_BLANK = Indicators(" ", " ")


def _is_control(tag: str) -> bool:
    return tag < "010" and tag.isdigit()


class Field:
    """A MARC field: a control field (``data``) or a data field (indicators
    and subfields).

    >>> f = Field(tag="245", indicators=Indicators("1", "0"),
    ...           subfields=[Subfield("a", "Moby Dick /"), Subfield("c", "Melville.")])
    >>> f["a"], f.indicator1, str(f)
    ('Moby Dick /', '1', '=245  10$aMoby Dick /$cMelville.')
    >>> Field(tag="001", data="12345").value()
    '12345'
    """

    __slots__ = (
        "tag",
        "data",
        "control_field",
        "_indicators",
        "_subfields",
        "_block",
        "_fi",
        "__pos",
    )

    def __init__(
        self,
        tag: str,
        indicators: Sequence[str] | None = None,
        subfields: list[Subfield] | None = None,
        data: str | None = None,
    ) -> None:
        if isinstance(tag, str):
            self.tag = tag if len(tag) == 3 or not tag.isdigit() else f"{int(tag):03}"
        else:
            try:
                self.tag = f"{int(tag):03}"
            except (TypeError, ValueError):
                self.tag = f"{tag}"
        if subfields and isinstance(subfields[0], str):
            raise ValueError(
                "subfields must be Subfield(code, value) tuples, not strings; "
                "Field.convert_legacy_subfields() converts the old form"
            )
        self._block: Any = None
        self._fi = 0
        self.data: str | None = None
        self._subfields: list[Subfield] | None = []
        self._indicators: Indicators | None = None
        self.control_field = _is_control(self.tag)
        if self.control_field:
            self.data = data
        else:
            self._subfields = subfields or []
            if not indicators:
                self._indicators = _BLANK
            else:
                self.indicators = indicators  # type: ignore[assignment]

    # -- lazy views over a batch -------------------------------------------

    @classmethod
    def _view(cls, block: Any, fi: int, tag: str) -> Field:
        """A field backed by field ``fi`` of ``block`` (nothing copied yet)."""
        f = _new(cls)
        f.tag = tag
        f._block = block
        f._fi = fi
        if _is_control(tag):
            f.control_field = True
            f.data = block.value(fi)
            f._subfields = []
            f._indicators = None
        else:
            f.control_field = False
            f.data = None
            f._subfields = None
            f._indicators = None
        return f

    def _load(self) -> list[Subfield]:
        """Copies the subfields and indicators out of the batch."""
        block = self._block
        _, _, i1, i2 = block.head(self._fi)
        self._indicators = Indicators(i1 if i1 is not None else " ", i2 if i2 is not None else " ")
        subs = [Subfield(c, v) for c, v in block.subfields(self._fi)]
        self._subfields = subs
        return subs

    def __getstate__(self) -> dict[str, Any]:
        """A copy or pickle holds the field's own data, not the batch."""
        if self._subfields is None:
            self._load()
        return {
            "tag": self.tag,
            "data": self.data,
            "control_field": self.control_field,
            "_indicators": self._indicators,
            "_subfields": self._subfields,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._block = None
        self._fi = 0
        for k, v in state.items():
            setattr(self, k, v)

    @property
    def subfields(self) -> list[Subfield]:
        """The subfields, in order (a list of :class:`Subfield`; empty for a
        control field). The list is the field's own: changing it changes
        the field."""
        s = self._subfields
        return self._load() if s is None else s

    @subfields.setter
    def subfields(self, value: list[Subfield]) -> None:
        if self._subfields is None:
            self._load()
        self._subfields = value

    @property
    def indicators(self) -> Indicators | None:
        """The indicators (``None`` for a control field)."""
        if self._subfields is None:
            self._load()
        return self._indicators

    @indicators.setter
    def indicators(self, value: Sequence[str] | None) -> None:
        if self._subfields is None:
            self._load()
        if value and isinstance(value, list | tuple) and len(value) != 2:
            raise ValueError("indicators must be two values: use Indicators(first, second)")
        if value is not None:
            self._indicators = value if isinstance(value, Indicators) else Indicators(*value)

    @property
    def indicator1(self) -> str:
        """The first indicator (``""`` for a control field)."""
        ind = self.indicators
        return ind.first if ind else ""

    @indicator1.setter
    def indicator1(self, value: str) -> None:
        ind = self.indicators
        self._indicators = (ind or _BLANK)._replace(first=value)

    @property
    def indicator2(self) -> str:
        """The second indicator (``""`` for a control field)."""
        ind = self.indicators
        return ind.second if ind else ""

    @indicator2.setter
    def indicator2(self, value: str) -> None:
        ind = self.indicators
        self._indicators = (ind or _BLANK)._replace(second=value)

    @classmethod
    def convert_legacy_subfields(cls, subfields: list[str]) -> list[Subfield]:
        """``['a', 'x', 'b', 'y']`` as ``[Subfield('a', 'x'), Subfield('b', 'y')]``."""
        it = iter(subfields)
        return [Subfield(c, v) for c, v in zip(it, it, strict=True)]

    # -- reading -------------------------------------------------------------

    def __iter__(self) -> Iterator[Subfield]:  # type: ignore[override]
        self.__pos = 0
        return self  # type: ignore[return-value]

    def __next__(self) -> Subfield:
        if self.control_field:
            raise StopIteration
        subs = self.subfields
        pos = self.__pos
        if pos >= len(subs):
            raise StopIteration
        self.__pos = pos + 1
        return subs[pos]

    def __getitem__(self, code: str) -> str:
        """The first value of subfield ``code``; ``KeyError`` if there is none."""
        if self.control_field:
            raise KeyError(code)
        if self._subfields is None:
            v = self._block.subfield(self._fi, code)
            if v is None:
                raise KeyError(code)
            return v  # type: ignore[no-any-return]
        for s in self._subfields:
            if s.code == code:
                return s.value
        raise KeyError(code)

    @overload
    def get(self, code: str, default: str) -> str: ...
    @overload
    def get(self, code: str, default: None = None) -> str | None: ...
    def get(self, code: str, default: str | None = None) -> str | None:
        """The first value of subfield ``code``, or ``default``."""
        if self.control_field:
            return default
        if self._subfields is None:
            v = self._block.subfield(self._fi, code)
            return default if v is None else v  # type: ignore[no-any-return]
        for s in self._subfields:
            if s.code == code:
                return s.value
        return default

    def __contains__(self, code: str) -> bool:
        if self.control_field:
            return False
        if self._subfields is None:
            return self._block.subfield(self._fi, code) is not None  # type: ignore[no-any-return]
        return any(s.code == code for s in self._subfields)

    def __setitem__(self, code: str, value: str) -> None:
        """Sets the value of the one subfield ``code`` (``KeyError`` if there
        are none or several)."""
        if self.control_field:
            raise KeyError("field is a control field")
        subs = self.subfields
        found = [i for i, s in enumerate(subs) if s.code == code]
        if len(found) > 1:
            raise KeyError(f"more than one code '{code}'")
        if not found:
            raise KeyError(f"no code '{code}'")
        subs[found[0]] = Subfield(code, value)

    def get_subfields(self, *codes: str) -> list[str]:
        """The values of the subfields with any of ``codes``, in field order."""
        if self.control_field or not codes:
            return []
        if self._subfields is None:
            return self._block.subfield_values(self._fi, list(codes))  # type: ignore[no-any-return]
        return [s.value for s in self._subfields if s.code in codes]

    def subfields_as_dict(self) -> dict[str, list[str]]:
        """``{code: [values...]}`` (empty for a control field)."""
        if self.control_field:
            return {}
        out: defaultdict[str, list[str]] = defaultdict(list)
        for s in self.subfields:
            out[s.code].append(s.value)
        return dict(out)

    def value(self) -> str:
        """The data of a control field, or the subfield values joined by spaces."""
        if self.control_field:
            return self.data or ""
        return " ".join(s.value.strip() for s in self.subfields)

    def format_field(self) -> str:
        """Like :meth:`value`, but without subfield 6 and with `` -- ``
        before the subdivisions of a subject field."""
        if self.control_field:
            return self.data or ""
        subject = self.is_subject_field()
        parts = []
        for s in self.subfields:
            if s.code == "6":
                continue
            sep = " -- " if subject and s.code in ("v", "x", "y", "z") else " "
            parts.append(sep + s.value)
        return "".join(parts).strip()

    def is_control_field(self) -> bool:
        """Whether this is a control field (tag 001-009)."""
        return self.control_field

    def is_subject_field(self) -> bool:
        """Whether this is a subject field (tag 6XX)."""
        return self.tag.startswith("6")

    def linkage_occurrence_num(self) -> str | None:
        """The occurrence number in subfield 6 (``'880-04'`` gives ``'04'``)."""
        ocn = self.get("6", "")
        return ocn.split("-")[1].split("/")[0] if ocn else None

    def __str__(self) -> str:
        if self.control_field:
            return f"={self.tag}  {(self.data or '').replace(' ', chr(92))}"
        inds = "".join("\\" if i in (" ", "\\") else f"{i}" for i in self.indicators or _BLANK)
        subs = "".join(f"${s.code}{s.value}" for s in self.subfields)
        return f"={self.tag}  {inds}{subs}"

    def __repr__(self) -> str:
        return f"<Field {self}>"

    def __eq__(self, other: object) -> bool:
        """Fields are equal when tag, data, indicators and subfields are."""
        if self is other:
            return True
        if not isinstance(other, Field):
            return NotImplemented
        if self.tag != other.tag or self.control_field != other.control_field:
            return False
        if self.control_field:
            return self.data == other.data
        return self.indicators == other.indicators and self.subfields == other.subfields

    # Identity hashing, as in pymarc: fields are mutable, and scripts keep
    # them in sets and dicts keyed by the object.
    __hash__ = object.__hash__

    # -- editing -------------------------------------------------------------

    def add_subfield(self, code: str, value: str, pos: int | None = None) -> None:
        """Appends a subfield, or inserts it at ``pos``."""
        if self.control_field:
            return
        subs = self.subfields
        if pos is None or pos > len(subs):
            subs.append(Subfield(code, value))
        else:
            subs.insert(pos, Subfield(code, value))

    def delete_subfield(self, code: str) -> str | None:
        """Removes the first subfield ``code``; returns its value (or ``None``)."""
        if self.control_field:
            return None
        subs = self.subfields
        for i, s in enumerate(subs):
            if s.code == code:
                return subs.pop(i).value
        return None

    # -- writing -------------------------------------------------------------

    def as_marc(self, encoding: str) -> bytes:
        """The field's bytes in a record (data and field terminator)."""
        if self.control_field:
            return f"{self.data}{END_OF_FIELD}".encode(encoding)
        subs = "".join(f"{SUBFIELD_INDICATOR}{s.code}{s.value}" for s in self.subfields)
        return f"{self.indicator1}{self.indicator2}{subs}{END_OF_FIELD}".encode(encoding)

    as_marc21 = as_marc


class RawField(Field):
    """A field whose data and subfield values are undecoded ``bytes`` (what
    ``MARCReader(..., to_unicode=False)`` gives). Read from a file, it views
    a batch decoded as ISO 8859-1, which maps every byte to one character,
    so encoding a value back to ISO 8859-1 gives its bytes exactly."""

    __slots__ = ()

    @classmethod
    def _view(cls, block: Any, fi: int, tag: str) -> Field:
        f = super()._view(block, fi, tag)
        if f.control_field and f.data is not None:
            f.data = f.data.encode("latin-1")  # type: ignore[assignment]
        return f

    def _load(self) -> list[Subfield]:
        block = self._block
        _, _, i1, i2 = block.head(self._fi)
        self._indicators = Indicators(i1 if i1 is not None else " ", i2 if i2 is not None else " ")
        subs = [Subfield(c, v.encode("latin-1")) for c, v in block.subfields(self._fi)]
        self._subfields = subs
        return subs

    def __getitem__(self, code: str) -> Any:
        if self._subfields is None and not self.control_field:
            self._load()
        return super().__getitem__(code)

    def get(self, code: str, default: Any = None) -> Any:
        """The first value of subfield ``code`` (bytes), or ``default``."""
        if self._subfields is None and not self.control_field:
            self._load()
        return super().get(code, default)

    def __contains__(self, code: str) -> bool:
        if self._subfields is None and not self.control_field:
            self._load()
        return super().__contains__(code)

    def get_subfields(self, *codes: str) -> list[Any]:
        """The values (bytes) of the subfields with any of ``codes``."""
        if self._subfields is None and not self.control_field:
            self._load()
        return super().get_subfields(*codes)

    def as_marc(self, encoding: str | None = None) -> bytes:
        """The field's bytes as they are (``encoding`` is ignored)."""
        if encoding is not None:
            logger.warning("Attempt to force a RawField into encoding %s", encoding)
        if self.control_field:
            return self.data + END_OF_FIELD.encode("ascii")  # type: ignore[operator,return-value]
        out = self.indicator1.encode("ascii") + self.indicator2.encode("ascii")
        for s in self.subfields:
            out += SUBFIELD_INDICATOR.encode("ascii") + s.code.encode("ascii") + s.value  # type: ignore[operator]
        return out + END_OF_FIELD.encode("ascii")

    as_marc21 = as_marc


def map_marc8_field(f: Field) -> Field:
    """Decodes a field's MARC-8 data in place (as pymarc's helper does)."""
    from marcarrow.pymarc.marc8 import marc8_to_unicode

    if f.control_field:
        f.data = marc8_to_unicode(f.data)  # type: ignore[arg-type]
    else:
        f.subfields = [Subfield(s.code, marc8_to_unicode(s.value)) for s in f.subfields]
    return f
