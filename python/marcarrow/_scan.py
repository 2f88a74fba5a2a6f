"""``scan_marc``: a polars ``LazyFrame`` over MARC records, through polars'
IO-plugin mechanism, with projection, predicate and ``n_rows`` pushdown.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from marcarrow._expr import Expr, where_text
from marcarrow._marcarrow import BatchReader, read_batches

if TYPE_CHECKING:
    import polars


def _rust_condition(predicate: polars.Expr, paths: Mapping[str, str]) -> str | None:
    """The Rust ``where`` form of a polars predicate, where there is one.

    Translated: ``pl.col(c) == "lit"`` and ``pl.col(c).str.starts_with("lit")``
    on a scalar column (a path ending in ``[n]``), and ``&``/``|`` of those. The
    polars predicate is applied afterwards anyway, so a translation only
    has to keep every row polars would keep (these keep exactly those).
    """
    import json

    try:
        tree = json.loads(predicate.meta.serialize(format="json"))
    except Exception:
        return None

    def lit(node: Any) -> str | None:
        # {"Literal": {"Scalar": {"dtype": ..., "value": {"StringOwned": "x"}}}}
        # or {"Literal": {"Dyn": {"Str": "x"}}}, depending on the version.
        if not isinstance(node, dict) or "Literal" not in node:
            return None
        found: list[str] = []

        def walk(x: Any) -> None:
            if isinstance(x, dict):
                for k, v in x.items():
                    if k in ("StringOwned", "String", "Str") and isinstance(v, str):
                        found.append(v)
                    else:
                        walk(v)

        walk(node["Literal"])
        return found[0] if len(found) == 1 else None

    def column(node: Any) -> str | None:
        if isinstance(node, dict) and isinstance(node.get("Column"), str):
            name = node["Column"]
            path = paths.get(name)
            if path is not None and path.endswith("]"):
                return path
        return None

    def quote(v: str) -> str:
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def tr(node: Any) -> str | None:
        if not isinstance(node, dict):
            return None
        b = node.get("BinaryExpr")
        if isinstance(b, dict):
            op = b.get("op")
            if op in ("And", "LogicalAnd"):
                left, right = tr(b.get("left")), tr(b.get("right"))
                if left and right:
                    return f"({left}) and ({right})"
                return left or right  # the other side is applied by polars
            if op in ("Or", "LogicalOr"):
                left, right = tr(b.get("left")), tr(b.get("right"))
                return f"({left}) or ({right})" if left and right else None
            if op == "Eq":
                for c, v in ((b.get("left"), b.get("right")), (b.get("right"), b.get("left"))):
                    path, value = column(c), lit(v)
                    if path is not None and value is not None:
                        return f"{path} == {quote(value)}"
        f = node.get("Function")
        if isinstance(f, dict) and f.get("function") == {"StringExpr": "StartsWith"}:
            args = f.get("input")
            if isinstance(args, list) and len(args) == 2:
                path, value = column(args[0]), lit(args[1])
                if path is not None and value is not None:
                    return f"{path} ^= {quote(value)}"
        return None

    return tr(tree)


def scan_marc(
    source: str | os.PathLike[str] | bytes,
    *,
    columns: Mapping[str, str] | None = None,
    where: str | Expr | None = None,
    tags: list[str] | None = None,
    provenance: bool = False,
    _readers: list[BatchReader] | None = None,
    **options: Any,
) -> polars.LazyFrame:
    """A polars ``LazyFrame`` over MARC records, read only as far as needed.

    With ``columns=`` (``{"title": "245$a", ...}``, the path language of
    ``docs/columns.md``) the frame is the flat ``columns`` layout; without
    it, the lossless ``nested`` layout (``leader``, ``fields``), optionally
    cut down by ``tags=``. ``where=`` filters records in Rust, and
    ``provenance=True`` adds ``record_index``, ``byte_offset`` and
    ``control_number``. Other keyword arguments go to
    :func:`marcarrow.read_batches` (``errors``, ``encoding``, ``threads``,
    ...).

    Pushdown: only the columns a query uses are built (their paths alone
    are looked up and decoded); a filter ``pl.col(c) == "x"`` or
    ``pl.col(c).str.starts_with("x")`` on a scalar column (a path ending in
    ``[n]``) also runs in Rust, before anything is built (every predicate
    is then applied by polars as well, so the result is always right);
    ``head(n)`` stops the reader after ``n`` rows, having parsed at most the
    pipeline's window of chunks in flight.

    ``source`` must be readable more than once (a path or ``bytes``): each
    ``collect()`` reads it again, with the same result.

    >>> import marcarrow, polars as pl
    >>> lf = marcarrow.scan_marc(marcarrow.SAMPLE, columns={"id": "001[0]", "title": "245$a[0]"})
    >>> lf.filter(pl.col("id") == "20593163").select("title").collect().item()
    'Atlas ='
    """
    import polars as pl
    import pyarrow as pa

    if isinstance(source, bytearray | memoryview):
        source = bytes(source)  # a snapshot: each collect() reads the same bytes
    elif isinstance(source, io.BytesIO):
        source = source.getvalue()[source.tell() :]
    if not isinstance(source, str | os.PathLike | bytes):
        raise TypeError(
            "scan_marc reads its source once per collect(): pass a path or an in-memory "
            f"buffer (bytes, bytearray, memoryview, io.BytesIO), not {type(source).__name__}"
        )
    paths = dict(columns) if columns is not None else None
    condition = where_text(where)
    options.setdefault("string_type", "string_view")
    kw: dict[str, Any] = {"tags": tags, "provenance": provenance, **options}
    schema_reader = read_batches(b"", columns=paths, where=condition, **kw)
    schema = pl.DataFrame(pa.schema(schema_reader).empty_table()).schema

    def generate(
        with_columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        wanted, run_kw = paths, kw
        if with_columns is not None:
            needed = set(with_columns)
            if predicate is not None:
                needed |= set(predicate.meta.root_names())
            if paths is not None:
                wanted = {k: v for k, v in paths.items() if k in needed}
                if not wanted:
                    # Only provenance columns, or none (a count): the cheapest path.
                    wanted = {"_": "LDR/0[0]"}
            elif "fields" not in needed:
                # The nested layout without its fields: keep none of them.
                run_kw = {**kw, "tags": []}
        rust_where = condition
        if predicate is not None and paths is not None:
            extra = _rust_condition(predicate, paths)
            if extra is not None:
                rust_where = extra if rust_where is None else f"({rust_where}) and ({extra})"
        reader = read_batches(source, columns=wanted, where=rust_where, **run_kw)
        if _readers is not None:
            _readers.append(reader)
        delivered = 0
        try:
            if n_rows == 0:
                return
            for batch in reader:
                df = pl.from_arrow(pa.record_batch(batch))
                assert isinstance(df, pl.DataFrame)
                if predicate is not None:
                    df = df.filter(predicate)
                if with_columns:
                    df = df.select(with_columns)
                if n_rows is not None:
                    df = df.head(n_rows - delivered)
                delivered += df.height
                yield df
                if n_rows is not None and delivered >= n_rows:
                    break
        finally:
            # Stops the pipeline: the reader thread exits at its next step.
            reader.close()

    return pl.io.plugins.register_io_source(
        generate, schema=schema, explain_name="marcarrow", is_pure=True
    )
