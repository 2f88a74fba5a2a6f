"""MARC-8 to Unicode, by marcarrow's Rust decoder in pymarc's flavour."""

from __future__ import annotations

from marcarrow._marcarrow import _marc8_decode

__all__ = ["MARC8ToUnicode", "marc8_to_unicode"]


def marc8_to_unicode(marc8: bytes | str, hide_utf8_warnings: bool = False) -> str:
    """Decodes MARC-8 exactly as pymarc does (unmapped characters become
    spaces, the result NFC-normalised).

    >>> marc8_to_unicode(b"caf\\xe2e")
    'café'
    """
    if isinstance(marc8, str):
        marc8 = marc8.encode("latin-1")
    text, _issues = _marc8_decode(bytes(marc8), pymarc=True)
    return text


class MARC8ToUnicode:
    """pymarc's converter object; ``translate`` decodes one string."""

    def __init__(self, G0: int = 0x42, G1: int = 0x45, quiet: bool = False) -> None:  # noqa: N803
        if (G0, G1) != (0x42, 0x45):
            raise ValueError("marcarrow starts MARC-8 decoding in the default sets only")
        self.quiet = quiet

    def translate(self, marc8_string: bytes | str) -> str:
        """Decodes one MARC-8 string."""
        if isinstance(marc8_string, str):
            marc8_string = marc8_string.encode("latin-1")
        text, _issues = _marc8_decode(bytes(marc8_string), pymarc=True)
        return text
