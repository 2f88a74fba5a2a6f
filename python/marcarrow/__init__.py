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
from typing import TYPE_CHECKING, Any, Unpack

from marcarrow._expr import Expr, col
from marcarrow._marcarrow import BatchReader, __version__, _to_parquet, read_batches, summarize
from marcarrow._scan import scan_marc
from marcarrow.exceptions import MarcError, MarcWarning
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

    from marcarrow._marcarrow import _ParquetOptions as ParquetOptions
    from marcarrow._marcarrow import _ReadOptions as ReadOptions

__all__ = [
    "SAMPLE",
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
    "Record",
    "Subfield",
    "__version__",
    "col",
    "read_arrow",
    "read_batches",
    "read_polars",
    "scan_marc",
    "summarize",
    "to_parquet",
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


def read_arrow(source: Any, **options: Unpack[ReadOptions]) -> pyarrow.Table:
    """Read MARC records into a :class:`pyarrow.Table`.

    Takes any input and every reading option of :func:`read_batches`
    (``docs/options.md``): ``columns=`` for the flat ``columns`` layout,
    ``where=`` to filter records. Under ``strict`` a malformed record raises
    :class:`MarcError`; under ``lenient`` and ``skip`` one
    :class:`MarcWarning` summarises the problems.

    >>> import marcarrow
    >>> marcarrow.read_arrow(marcarrow.SAMPLE).num_rows
    386
    """
    import pyarrow as pa

    reader = read_batches(source, **options)
    batches = [pa.record_batch(b) for b in reader]
    table = pa.Table.from_batches(batches, schema=pa.schema(reader))
    _warn_problems(reader.errors)
    return table


def read_polars(source: Any, **options: Unpack[ReadOptions]) -> polars.DataFrame:
    """Read MARC records into a :class:`polars.DataFrame`.

    Takes the options of :func:`read_batches`; ``string_type`` defaults to
    ``"string_view"`` here, which polars imports without converting. Errors
    are reported as by :func:`read_arrow`.

    >>> import marcarrow
    >>> marcarrow.read_polars(marcarrow.SAMPLE, layout="long").columns[:3]
    ['record_index', 'field_index', 'tag']
    """
    import polars as pl

    options.setdefault("string_type", "string_view")
    reader = read_batches(source, **options)
    try:
        # Through the C stream: polars takes the view columns as they are.
        df = pl.DataFrame(reader)
    except Exception as e:
        raised = _raised(reader)
        if raised is None:
            raise
        raise raised from e
    _warn_problems(reader.errors)
    return df


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
    sources = list(source) if isinstance(source, list | tuple) else [source]
    columns = options.get("columns")
    if len(sources) > 1 and columns is not None and "source" in columns:
        raise ValueError("column name 'source' is taken by the input names of several sources")
    summary = _to_parquet(sources, dest, **options)
    _warn_problems(summary["errors"], stacklevel=2)
    return summary
