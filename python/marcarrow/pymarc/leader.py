"""The record leader, with pymarc's named positions."""

from __future__ import annotations

from marcarrow.pymarc.constants import LEADER_LEN
from marcarrow.pymarc.exceptions import BadLeaderValue, RecordLeaderInvalid

__all__ = ["Leader"]


def _position(name: str, start: int, width: int, label: str) -> property:
    """A named leader position, readable and (with a length check) writable."""

    def get(self: Leader) -> str:
        return self.leader[start : start + width] if width > 1 else self.leader[start]

    def put(self: Leader, value: str) -> None:
        if len(value) != width:
            unit = "char" if width == 1 else "chars"
            raise BadLeaderValue(f"{label} is {width} {unit} field, got {value}")
        self._replace_values(position=start, value=value)

    return property(get, put, doc=f"{label} (leader/{start:02d}).")


class Leader:
    """A record's 24-character leader.

    Read and write positions by name, index or slice:

    >>> leader = Leader("00475cas a2200169 i 4500")
    >>> leader[0:5], leader.record_status, leader[5]
    ('00475', 'c', 'c')
    >>> leader.record_status = "a"
    >>> leader[6] = "t"
    >>> str(leader)
    '00475ats a2200169 i 4500'
    """

    def __init__(self, leader: str) -> None:
        if len(leader) != LEADER_LEN:
            raise RecordLeaderInvalid
        self.leader = leader

    def __getitem__(self, item: str | int | slice) -> str:
        if isinstance(item, slice | int):
            return self.leader[item]
        return str(getattr(self, item))

    def __setitem__(self, item: str | int | slice, value: str) -> None:
        if isinstance(item, slice):
            self._replace_values(position=item.start or 0, value=value)
        elif isinstance(item, int):
            self._replace_values(position=item, value=value)
        else:
            setattr(self, item, value)

    def __str__(self) -> str:
        return self.leader

    def __repr__(self) -> str:
        return f"Leader({self.leader!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Leader):
            return self.leader == other.leader
        if isinstance(other, str):
            return self.leader == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.leader)

    def __len__(self) -> int:
        return len(self.leader)

    def _replace_values(self, position: int, value: str) -> None:
        if position < 0:
            raise IndexError("Position must be positive")
        after = position + len(value)
        if after > LEADER_LEN:
            raise BadLeaderValue(f"{value} is too long to be inserted at {position}")
        self.leader = self.leader[:position] + value + self.leader[after:]

    record_length = _position("record_length", 0, 5, "Record length")
    record_status = _position("record_status", 5, 1, "Record status")
    type_of_record = _position("type_of_record", 6, 1, "Type of record")
    bibliographic_level = _position("bibliographic_level", 7, 1, "Bibliographic level")
    type_of_control = _position("type_of_control", 8, 1, "Type of control")
    coding_scheme = _position("coding_scheme", 9, 1, "Character coding scheme")
    indicator_count = _position("indicator_count", 10, 1, "Indicator count")
    subfield_code_count = _position("subfield_code_count", 11, 1, "Subfield code count")
    base_address = _position("base_address", 12, 5, "Base address of data")
    encoding_level = _position("encoding_level", 17, 1, "Encoding level")
    cataloging_form = _position("cataloging_form", 18, 1, "Descriptive cataloging form")
    multipart_ressource = _position("multipart_ressource", 19, 1, "Multipart resource record level")
    length_of_field_length = _position(
        "length_of_field_length", 20, 1, "Length of the length-of-field portion"
    )
    starting_character_position_length = _position(
        "starting_character_position_length",
        21,
        1,
        "Length of the starting-character-position portion",
    )
    implementation_defined_length = _position(
        "implementation_defined_length", 22, 1, "Length of the implementation-defined portion"
    )
