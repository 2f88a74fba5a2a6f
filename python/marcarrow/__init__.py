"""marcarrow: read MARC 21 (ISO 2709) records fast, into Apache Arrow.

>>> import marcarrow
>>> summary = marcarrow.summarize(marcarrow.SAMPLE)
>>> summary["records"]
386
"""

from __future__ import annotations

import os
import warnings
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Unpack

from marcarrow import _quarantine, _remote
from marcarrow._expr import Expr, col
from marcarrow._marcarrow import (
    BatchReader,
    __version__,
    _convert,
    _splits,
    _to_parquet,
    _write_marc,
    read_batches,
    summarize,
)
from marcarrow._scan import scan_marc
from marcarrow._validate import RULES_FILE, VALIDATION_RULES, validate
from marcarrow.exceptions import MarcError, MarcWarning, WriteError
from marcarrow.problems import Action, Problem
from marcarrow.pymarc import (
    Field,
    Indicators,
    Leader,
    MARCReader,
    MARCWriter,
    Record,
    Subfield,
)

if TYPE_CHECKING:
    import polars
    import pyarrow

    from marcarrow._marcarrow import _ConvertOptions as ConvertOptions
    from marcarrow._marcarrow import _ParquetOptions as ParquetOptions
    from marcarrow._marcarrow import _ReadOptions as ReadOptions
    from marcarrow._marcarrow import _WriteOptions as WriteOptions

__all__ = [
    "SAMPLE",
    "VALIDATION_RULES",
    "Action",
    "BatchReader",
    "Expr",
    "Field",
    "Indicators",
    "Leader",
    "MARCReader",
    "MARCWriter",
    "MarcError",
    "MarcWarning",
    "Problem",
    "RULES_FILE",
    "Record",
    "Subfield",
    "WriteError",
    "__version__",
    "col",
    "convert",
    "read_arrow",
    "read_batches",
    "read_polars",
    "scan_marc",
    "splits",
    "summarize",
    "to_parquet",
    "validate",
    "write_marc",
]

#: A bundled sample: 386 real Library of Congress records (UTF-8). See
#: ``marcarrow/data/README.md`` for provenance and licence.
SAMPLE: Path = Path(str(resources.files("marcarrow") / "data" / "loc-bib-386.mrc"))


def _warn_problems(problems: list[Problem], stacklevel: int = 3) -> None:
    if problems:
        first = "; ".join(p.message for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        warnings.warn(
            f"{len(problems)} problem(s) in the MARC input: {first}{more}",
            MarcWarning,
            stacklevel=stacklevel,
        )


def _raised(reader: BatchReader) -> MarcError | None:
    """The strict-mode error a reader stopped on, as a :class:`MarcError`."""
    for p in reader.errors:
        if p.action is Action.RAISED:
            return MarcError.from_problem(p)
    return None


def _many(source: Any, options: dict[str, Any]) -> list[Any] | None:
    """The inputs of a list or a glob (``None`` for one input); a
    ``source`` column will name them."""
    sources = _remote.expand(source, options.get("storage_options"))
    columns = options.get("columns")
    if sources is not None and columns is not None and "source" in columns:
        raise ValueError("column name 'source' is taken by the input names of several sources")
    return sources


def _name(source: Any) -> str:
    return os.fspath(source) if isinstance(source, str | os.PathLike) else repr(source)


def read_arrow(source: Any, **options: Unpack[ReadOptions]) -> pyarrow.Table:
    """Read MARC records into a :class:`pyarrow.Table`.

    Takes any input and every reading option of :func:`read_batches`
    (``docs/options.md``): ``columns=`` for the flat ``columns`` layout,
    ``where=`` to filter records. A URL (``s3://...``, with
    ``storage_options=``) is read through fsspec; a list or a glob reads
    each input in turn, with a ``source`` column in front naming it. Under
    ``strict`` a malformed record raises :class:`MarcError`; under
    ``lenient`` and ``skip`` one :class:`MarcWarning` summarises the
    problems, and ``quarantine="bad.mrc"`` writes the records skipped as
    malformed there, whole and in order, to be fixed and read again.

    >>> import marcarrow
    >>> marcarrow.read_arrow(marcarrow.SAMPLE).num_rows
    386
    """
    import pyarrow as pa

    qpath = _quarantine.take(options)
    sources = _many(source, dict(options))
    tables, kept = [], []
    for s in sources if sources is not None else [source]:
        reader = read_batches(s, **options)
        batches = [pa.record_batch(b) for b in reader]
        t = pa.Table.from_batches(batches, schema=pa.schema(reader))
        _warn_problems(reader.errors)
        if sources is not None:
            name = pa.array([_name(s)] * t.num_rows, pa.string())
            t = t.add_column(0, pa.field("source", pa.string(), False), name)
        tables.append(t)
        if qpath is not None:
            kept.append(reader.quarantine)
    if not tables:
        raise ValueError("an empty list of inputs")
    if qpath is not None:
        _quarantine.write(qpath, kept)
    return tables[0] if sources is None else pa.concat_tables(tables)


def read_polars(source: Any, **options: Unpack[ReadOptions]) -> polars.DataFrame:
    """Read MARC records into a :class:`polars.DataFrame`.

    Takes the options of :func:`read_batches`; ``string_type`` defaults to
    ``"string_view"`` here, which polars imports without converting. Errors
    are reported, and ``quarantine=`` taken, as by :func:`read_arrow`.

    >>> import marcarrow
    >>> marcarrow.read_polars(marcarrow.SAMPLE, layout="long").columns[:3]
    ['record_index', 'field_index', 'tag']
    """
    import polars as pl

    options.setdefault("string_type", "string_view")
    qpath = _quarantine.take(options)
    sources = _many(source, dict(options))
    frames, kept = [], []
    for s in sources if sources is not None else [source]:
        reader = read_batches(s, **options)
        try:
            # Through the C stream: polars takes the view columns as they are.
            df = pl.DataFrame(reader)
        except Exception as e:
            raised = _raised(reader)
            if raised is None:
                raise
            raise raised from e
        _warn_problems(reader.errors)
        if sources is not None:
            df = df.select(pl.lit(_name(s)).alias("source"), pl.all())
        frames.append(df)
        if qpath is not None:
            kept.append(reader.quarantine)
    if not frames:
        raise ValueError("an empty list of inputs")
    if qpath is not None:
        _quarantine.write(qpath, kept)
    return frames[0] if sources is None else pl.concat(frames)


def to_parquet(
    source: Any,
    dest: str | os.PathLike[str],
    **options: Unpack[ParquetOptions],
) -> dict[str, Any]:
    """Write MARC records to a Parquet file, streaming, lossless.

    ``source`` is anything :func:`read_batches` accepts, or a list of them
    (records of each in order; the file then gets a ``source`` column naming
    each record's input). Takes the reading options (``docs/options.md``)
    except ``batch_size`` and ``string_type``, and the Parquet options
    ``compression`` (``"zstd"``, ``"snappy"`` or ``"none"``),
    ``compression_level``, ``row_group_size`` (default 50,000 records
    nested, 1,000,000 rows long) and ``progress`` (a bar on standard error).

    The file is written under a temporary name beside ``dest`` and renamed
    at the end: a failed run leaves no ``dest``. Memory is bounded by the
    pipeline and one row group, whatever the input size; the GIL is
    released while it runs. The key-value metadata holds
    ``marcarrow.version``, ``marcarrow.layout`` and ``marcarrow.sources``.

    Returns ``{"records", "bytes_in", "bytes_out", "seconds", "errors"}``
    (``errors``: :class:`Problem` objects); under ``lenient``/``skip`` one
    :class:`MarcWarning` summarises the problems, under ``strict`` a
    malformed record raises :class:`MarcError`.

    >>> import marcarrow, tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "sample.parquet")
    >>> marcarrow.to_parquet(marcarrow.SAMPLE, out)["records"]
    386
    """
    sources = _remote.expand(source, options.get("storage_options")) or [source]
    columns = options.get("columns")
    if len(sources) > 1 and columns is not None and "source" in columns:
        raise ValueError("column name 'source' is taken by the input names of several sources")
    qpath = _quarantine.take(options)
    summary = _to_parquet(sources, dest, **options)
    if qpath is not None:
        _quarantine.write(qpath, [summary["quarantine"]])
    _warn_problems(summary["errors"], stacklevel=2)
    return summary


def splits(
    source: Any, blocksize: int | str = "256MiB", **options: Unpack[ReadOptions]
) -> list[tuple[int, int]]:
    """Byte ranges of about ``blocksize`` bytes (an int, or ``"256MiB"``,
    ``"64MB"``) that cover ``source``, for ``byte_range=``: reading each
    range reads every record exactly once (``docs/scale-out.md``). One
    range when the input cannot be split: compressed, a JSON array,
    MARCMaker text. Takes ``format=`` and ``storage_options=``.

    >>> import marcarrow
    >>> ranges = marcarrow.splits(marcarrow.SAMPLE, 100_000)
    >>> len(ranges), ranges[0]
    (6, (0, 100000))
    >>> sum(marcarrow.read_arrow(marcarrow.SAMPLE, byte_range=r).num_rows for r in ranges)
    386
    """
    return _splits(source, _remote.parse_size(blocksize), **options)


def _arrow_stream(data: Any) -> Any:
    """Something that exports the Arrow C stream, from ``data``."""
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return data
    kind = f"{type(data).__module__}.{type(data).__qualname__}"
    if kind.startswith("polars.") and hasattr(data, "collect"):  # a LazyFrame
        return data.collect()
    if kind.startswith("duckdb.") and hasattr(data, "fetch_record_batch"):  # a relation
        return data.fetch_record_batch()
    if isinstance(data, list | tuple):
        import pyarrow as pa

        if not data:  # no batches: no records, in the nested layout
            return read_batches(b"")
        return pa.Table.from_batches(list(data))
    raise TypeError(
        f"write_marc() needs Arrow data (a pyarrow Table or RecordBatchReader, a polars "
        f"DataFrame or LazyFrame, a DuckDB relation, or anything with __arrow_c_stream__), "
        f"not {kind}"
    )


def write_marc(
    data: Any,
    dest: str | os.PathLike[str] | IO[bytes],
    **options: Unpack[WriteOptions],
) -> dict[str, Any]:
    """Write records from Arrow data as MARC: ISO 2709, MARCXML, MARC-in-JSON
    or MARCMaker text.

    ``data`` is a table in the nested layout (``leader`` and ``fields``;
    other columns are ignored) or the long layout (rows of a record
    together), from any Arrow source: :func:`read_batches`,
    :func:`read_arrow`, a pyarrow ``Table`` or ``RecordBatchReader``, a polars
    ``DataFrame`` or ``LazyFrame``, a DuckDB relation, or anything exporting
    the Arrow C stream. It is streamed: memory holds one batch.

    ``format`` is ``"marc"`` (ISO 2709), ``"marcxml"``, ``"json"`` (an array),
    ``"ndjson"`` (a record per line) or ``"mrk"``; by default the extension
    of ``dest`` says (``.mrc``, ``.xml``, ``.json``, ``.jsonl``, ``.mrk``),
    and ``.gz``, ``.zst`` or ``.bz2`` after it compresses. ISO 2709 is
    written as UTF-8 (leader/09 ``a``) or, with ``encoding="marc-8"``, as
    MARC-8 with characters outside it as ``&#xHHHH;`` references. A record
    over 99,999 bytes (or a field over 9,999) raises :class:`WriteError`
    naming its row and 001 (``oversize="error"``), or is left out and
    reported (``"skip"``). ``threads`` encodes on that many threads.

    ``dest`` is a path, written under a temporary name and renamed when
    complete (an error or Ctrl-C leaves nothing), or a binary file object.
    A table that is not MARC (no leader, a leader that is not 24 ASCII
    characters, a tag that is not three, an indicator or subfield code that
    is not one character, a value on a data tag) raises :class:`WriteError`
    naming the column and row.

    Returns ``{"records", "bytes", "errors"}`` (``errors``: the records left
    out, as :class:`Problem` objects; a :class:`MarcWarning` says so too).

    >>> import io, marcarrow
    >>> table = marcarrow.read_arrow(marcarrow.SAMPLE)
    >>> out = io.BytesIO()
    >>> marcarrow.write_marc(table, out, format="marc")["records"]
    386
    >>> out.getvalue() == marcarrow.SAMPLE.read_bytes()
    True
    """
    try:
        summary = _write_marc(_arrow_stream(data), dest, **options)
    except RuntimeError as e:
        # A marcarrow reader's strict-mode error reaches the writer only as
        # the C stream's message: raise the MarcError it stopped on.
        raised = _raised(data) if isinstance(data, BatchReader) else None
        if raised is None:
            raise
        raise raised from e
    _warn_problems(summary["errors"], stacklevel=2)
    return summary


def convert(
    source: Any,
    dest: str | os.PathLike[str] | IO[bytes],
    **options: Unpack[ConvertOptions],
) -> dict[str, Any]:
    """Read MARC in any format and write it as MARC, streaming, in Rust.

    ``source`` is anything :func:`read_batches` accepts, or a list of them
    (their records in order). Takes the reading options (``where=`` and
    ``tags=`` select what is written; ``format`` is the *input's* format),
    and the writing options of :func:`write_marc` named ``to`` (the output
    format, by default from ``dest``'s extension) and ``to_encoding``, with
    ``oversize`` and ``progress`` (a bar on standard error).

    Returns ``{"records", "records_read", "bytes_in", "bytes_out", "seconds",
    "errors"}``: records written and read, and the problems of both.

    >>> import marcarrow, tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "sample.xml")
    >>> marcarrow.convert(marcarrow.SAMPLE, out, where="LDR/06 == 'a'")["records"]
    335
    """
    for name in ("layout", "columns", "batch_size", "string_type"):
        if name in options:
            raise TypeError(f"convert() does not take {name}=: it writes whole records")
    sources = _remote.expand(source, options.get("storage_options")) or [source]
    qpath = _quarantine.take(options)
    summary = _convert(sources, dest, **options)
    if qpath is not None:
        _quarantine.write(qpath, [summary["quarantine"]])
    _warn_problems(summary["errors"], stacklevel=2)
    return summary
