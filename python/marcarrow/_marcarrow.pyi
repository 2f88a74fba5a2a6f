"""Type stubs for the native module ``marcarrow._marcarrow``."""

from os import PathLike
from typing import Any, Literal

__all__ = ["summarize", "_records", "__version__"]

__version__: str

_Source = str | PathLike[str] | bytes
_Policy = Literal["strict", "lenient", "skip"]

def summarize(source: _Source, *, errors: _Policy = "strict") -> dict[str, Any]:
    """Read a whole source and count what it holds.

    Returns a dict with ``records``, ``frames``, ``bytes``, ``fields``,
    ``subfields``, ``encodings`` and ``record_types`` (lists of
    ``(name, count)``), ``tags`` (``(tag, count)``, most frequent first),
    ``problems`` (dicts with ``record_index``, ``byte_offset``,
    ``error_offset``, ``tag``, ``reason``, ``action``, ``message``) and
    ``error`` (the :class:`marcarrow.MarcError` that stopped a strict read,
    or ``None``).

    >>> import marcarrow
    >>> marcarrow.summarize(marcarrow.SAMPLE)["records"]
    386
    """

def _records(
    source: _Source, *, errors: _Policy = "strict"
) -> tuple[list[tuple[int, int, str, list[Any]]], list[dict[str, Any]]]:
    """Test-only: every record as plain Python values, and the problems."""
