"""MARC as a Dask DataFrame: one partition per record-aligned byte range.

>>> import marcarrow.dask
>>> df = marcarrow.dask.read_marc(marcarrow.SAMPLE, blocksize="100KB")
>>> df.npartitions, len(df)
(6, 386)

Needs ``dask[dataframe]`` (``pip install 'marcarrow[dask]'``); runs on any
scheduler, a ``distributed`` cluster of worker processes included. See
``docs/scale-out.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import marcarrow
from marcarrow._partitions import parts, schema

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd
    import pyarrow as pa

__all__ = ["read_marc"]


class _ReadRange:
    """Reads one ``(source, (start, end))`` part into pandas (Arrow-backed
    columns); Dask passes ``columns=`` when a query uses only some."""

    def __init__(self, options: dict[str, Any], schema: pa.Schema, with_source: bool) -> None:
        self.options = options
        self.schema = schema
        self.with_source = with_source

    def table(
        self, part: tuple[str, tuple[int, int]], columns: list[str] | None = None
    ) -> pa.Table:
        import pyarrow as pa

        source, byte_range = part
        opts = dict(self.options)
        paths = opts.get("columns")
        if paths is not None and columns is not None:
            # Only the paths still wanted are gathered (at least one, so
            # that the records are still counted).
            keep = {k: v for k, v in paths.items() if k in columns}
            opts["columns"] = keep or dict([next(iter(paths.items()))])
        t = marcarrow.read_arrow(source, byte_range=byte_range, **opts)
        if self.with_source:
            names = pa.array([source] * t.num_rows, pa.string())
            t = t.add_column(0, pa.field("source", pa.string(), False), names)
        return t.select(list(columns) if columns is not None else self.schema.names)

    def __call__(
        self, part: tuple[str, tuple[int, int]], columns: list[str] | None = None
    ) -> pd.DataFrame:
        import pandas as pd

        return self.table(part, columns).to_pandas(types_mapper=pd.ArrowDtype)


def read_marc(
    urlpath: Any,
    blocksize: int | str = "256MiB",
    layout: str = "nested",
    tags: list[str] | None = None,
    columns: dict[str, str] | None = None,
    where: Any = None,
    storage_options: dict[str, Any] | None = None,
    **options: Any,
) -> dd.DataFrame:
    """Read MARC files or objects (a path, a URL, a glob or a list) into a
    Dask DataFrame, one partition per byte range of about ``blocksize``.

    Each range reads exactly the records that start in it
    (:func:`marcarrow.splits`); a compressed object, a JSON array or
    MARCMaker text is one partition. Several inputs add a ``source``
    column. ``layout``, ``tags``, ``columns`` (the flat layout), ``where``
    and the other reading options (``errors=``, ``encoding=``,
    ``provenance=``, ...) are those of :func:`marcarrow.read_arrow`; with
    ``provenance=True``, ``byte_offset`` identifies a record across
    partitions (``record_index`` counts from its range's start). The
    schema comes from the options, so nothing is read to build the graph
    but the objects' sizes and first bytes. Selecting columns
    (``df[["title"]]``) reads only those paths of ``columns=``.
    """
    import dask.dataframe as dd
    import pandas as pd

    opts: dict[str, Any] = dict(options)
    if layout != "nested":
        opts["layout"] = layout
    for name, value in (("tags", tags), ("columns", columns), ("where", where)):
        if value is not None:
            opts[name] = value
    if storage_options:
        opts["storage_options"] = storage_options
    todo, with_source = parts(urlpath, blocksize, storage_options, opts.get("format"))
    read = _ReadRange(opts, schema(opts, with_source), with_source)
    meta = read.schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype)
    return dd.from_map(read, todo, meta=meta, label="read-marc", enforce_metadata=False)
