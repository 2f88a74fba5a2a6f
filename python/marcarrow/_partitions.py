"""The partitions of an engine (Dask, Spark): every record-aligned byte
range of every input, and the schema they read, known without reading."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import marcarrow
from marcarrow import _remote

if TYPE_CHECKING:
    import pyarrow as pa


def parts(
    urlpath: Any,
    blocksize: int | str,
    storage_options: dict[str, Any] | None,
    format: str | None = None,
) -> tuple[list[tuple[str, tuple[int, int]]], bool]:
    """``(source, byte range)`` for every range of every input (the
    partitions of Dask and of Spark), and whether ``urlpath`` named several
    inputs (a list or a glob: a ``source`` column names them)."""
    many = _remote.expand(urlpath, storage_options)
    size = _remote.parse_size(blocksize)
    opts: dict[str, Any] = {
        k: v for k, v in (("storage_options", storage_options), ("format", format)) if v
    }
    todo = [(str(s), r) for s in (many or [urlpath]) for r in marcarrow.splits(s, size, **opts)]
    return todo, many is not None


def schema(options: dict[str, Any], with_source: bool) -> pa.Schema:
    """The schema of what ``options`` read, from no data at all."""
    import pyarrow as pa

    empty = {k: v for k, v in options.items() if k not in ("storage_options", "byte_range")}
    s = marcarrow.read_arrow(b"", **empty).schema
    if with_source:
        s = s.insert(0, pa.field("source", pa.string(), False))
    return s
