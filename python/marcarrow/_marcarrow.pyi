"""Type stubs for the native module ``marcarrow._marcarrow``."""

from collections.abc import Iterator, Mapping, Sequence
from os import PathLike
from typing import Any, Literal, final

from marcarrow._expr import Expr

__all__ = [
    "BatchReader",
    "read_batches",
    "summarize",
    "_records",
    "_marc8_decode",
    "_to_parquet",
    "_record_blocks",
    "_Block",
    "_BlockReader",
    "__version__",
]

__version__: str

_Path = str | PathLike[str]
_Policy = Literal["strict", "lenient", "skip"]
_Layout = Literal["nested", "long"]

class _ArrowArray:
    """A RecordBatch exported through ``__arrow_c_array__``."""

    def __arrow_c_array__(
        self, requested_schema: object | None = None
    ) -> tuple[object, object]: ...

@final
class BatchReader:
    """A stream of MARC records as Arrow RecordBatches.

    Iterate it for batches (each implements ``__arrow_c_array__``), or hand
    it to any Arrow C stream consumer: ``pa.table(reader)``,
    ``pl.DataFrame(reader)``, a DuckDB query naming it. A stream can be
    consumed once. A C-stream consumer sees a strict-mode error only as the
    stream's error message (pyarrow raises ``ArrowInvalid``); iterate, or use
    :func:`marcarrow.read_arrow`, to get :class:`marcarrow.MarcError`.

    >>> import marcarrow, pyarrow as pa
    >>> pa.table(marcarrow.read_batches(marcarrow.SAMPLE)).num_rows
    386
    """

    def __iter__(self) -> Iterator[_ArrowArray]: ...
    def __next__(self) -> _ArrowArray: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def __arrow_c_schema__(self) -> object: ...
    @property
    def errors(self) -> list[dict[str, Any]]:
        """Problems reported so far (``record_index``, ``byte_offset``, ...)."""
    @property
    def records_read(self) -> int:
        """Records delivered so far through iteration."""
    @property
    def decoded_records(self) -> int:
        """Records delivered so far that were decoded (MARC-8 or the encoding chosen)."""
    @property
    def _chunks_dispatched(self) -> int: ...
    @property
    def _reader_done(self) -> bool: ...
    def close(self) -> None:
        """Stop reading and free the pipeline."""

def read_batches(
    source: Any,
    *,
    layout: _Layout = "nested",
    batch_size: int | None = None,
    threads: int | None = None,
    errors: _Policy = "strict",
    string_type: Literal["string", "string_view"] = "string",
    encoding: Literal["auto", "utf-8", "marc-8", "latin-1", "cp1251"] = "auto",
    encoding_errors: Literal["strict", "replace"] = "strict",
    normalize: bool = True,
    tags: list[str] | None = None,
    provenance: bool = False,
    columns: Mapping[str, str] | None = None,
    where: str | Expr | None = None,
    _max_in_flight: int | None = None,
    _fail_at_chunk: int | None = None,
) -> BatchReader:
    """Read MARC records as a stream of Arrow RecordBatches.

    ``source``: a path (``str`` or ``os.PathLike``; ``.gz``/``.zst`` are
    recognised by their magic bytes), ``bytes`` (shared without copying),
    ``bytearray``/``memoryview``/``io.BytesIO`` (copied once, since their
    contents can change), a binary file object, or a ``socket.socket``.
    ``layout``: ``"nested"`` (one row per record) or ``"long"`` (one row per
    subfield). ``batch_size``: records per batch (default 2048).
    ``threads``: worker threads (default: Rayon's, which respects
    ``RAYON_NUM_THREADS``). ``errors``: ``"strict"``, ``"lenient"`` or
    ``"skip"``. ``string_type``: ``"string"`` (Arrow ``Utf8``, the default:
    compact, what pyarrow, DuckDB and Parquet work with best) or
    ``"string_view"`` (``Utf8View``: long strings point into the input
    without a copy and polars imports them without converting, but every
    string costs a 16-byte view, about 2.4x the memory for MARC's short
    tags, indicators and codes). ``encoding``: ``"auto"`` (leader/09
    ``a`` is UTF-8, anything else MARC-8), or one encoding for every record
    (``"utf-8"``, ``"marc-8"``, ``"latin-1"`` meaning ISO 8859-1,
    ``"cp1251"``). ``encoding_errors``: ``"strict"`` (a byte that does not
    decode makes the record malformed, and ``errors`` decides) or
    ``"replace"`` (U+FFFD or a dropped control byte, each reported in
    ``errors`` with action ``"replaced"``). ``normalize``: NFC-normalise
    MARC-8 text, as pymarc does. ``tags``: keep only fields whose tag
    matches one of these three-character patterns (``X`` matches any
    character: ``["001", "245", "6XX"]``); other fields are skipped without
    being decoded, the leader is always kept, and ``field_index`` stays the
    position in the whole record. ``provenance``: add ``record_index``
    (nested layout), ``byte_offset`` and ``control_number`` (001) columns
    in front. ``columns``: ``{"name": "path", ...}`` gives the flat
    ``columns`` layout, one column per path (``"245$a"``, ``"008/07-10"``,
    ``"LDR/06"``, ``"650{_0}$a"``; ``list<string>`` columns, or a nullable
    string for a path ending in ``[n]``; see ``docs/columns.md``).
    ``where``: deliver only the records a condition accepts
    (``"650$a ~ 'Homeopathy' and 008/35-37 == 'ger'"``, or
    ``marcarrow.col("008/35-37") == "ger"``), evaluated in Rust before
    anything of a record is built. The GIL is released while Rust
    reads and parses.

    >>> import marcarrow
    >>> r = marcarrow.read_batches(marcarrow.SAMPLE, layout="long")
    """

def summarize(source: _Path | bytes, *, errors: _Policy = "strict") -> dict[str, Any]:
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
    source: _Path | bytes,
    *,
    errors: _Policy = "strict",
    decode: bool = False,
    encoding: str = "auto",
    limit: int | None = None,
) -> tuple[list[tuple[int, int, str, list[Any]]], list[dict[str, Any]]]:
    """Every record as plain Python values, and the problems (raw Latin-1
    values for non-UTF-8 records unless ``decode``)."""

def _to_parquet(
    sources: list[Any],
    dest: _Path,
    *,
    layout: _Layout = "nested",
    compression: str = "zstd",
    compression_level: int | None = None,
    row_group_size: int | None = None,
    threads: int | None = None,
    errors: _Policy = "strict",
    encoding: str = "auto",
    encoding_errors: str = "strict",
    normalize: bool = True,
    tags: list[str] | None = None,
    provenance: bool = False,
    columns: Mapping[str, str] | None = None,
    where: str | Expr | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Native half of :func:`marcarrow.to_parquet`."""

def _marc8_decode(
    data: bytes, *, pymarc: bool = False, normalize: bool = True
) -> tuple[str, list[tuple[int, str]]]:
    """Test-only: MARC-8 to text, and the issues (offset, description)."""

@final
class _Block:
    """One nested batch, indexed by row (record) and field index (the
    record iterator's native half)."""

    def __len__(self) -> int: ...
    def leader(self, row: int) -> str: ...
    def odd_codes(self) -> list[tuple[int, str]]: ...
    def chunk(self, offset: int) -> bytes | None: ...
    def raw_record(self, row: int) -> bytes | None: ...
    def position(self, row: int) -> tuple[int, int]: ...
    def record_indexes(self) -> list[int]: ...
    def span(self, row: int) -> tuple[int, int]: ...
    def find(self, row: int, tag: str) -> int | None: ...
    def find_all(self, row: int, tag: str) -> list[int]: ...
    def find_any(self, row: int, tags: tuple[str, ...]) -> list[tuple[int, str]]: ...
    def tags(self, row: int) -> list[str]: ...
    def head(self, fi: int) -> tuple[str, str | None, str | None, str | None]: ...
    def value(self, fi: int) -> str | None: ...
    def subfields(self, fi: int) -> list[tuple[str, str]]: ...
    def subfield(self, fi: int, code: str) -> str | None: ...
    def subfield_values(self, fi: int, codes: Sequence[str]) -> list[str]: ...

@final
class _BlockReader:
    """The pipeline as ``(block, problems)`` pairs; the last block is ``None``."""

    def __iter__(self) -> Iterator[tuple[_Block | None, list[dict[str, Any]]]]: ...
    def __next__(self) -> tuple[_Block | None, list[dict[str, Any]]]: ...
    def close(self) -> None: ...

def _record_blocks(
    source: object,
    *,
    encoding: str = "auto",
    encoding_errors: str = "strict",
    errors: _Policy = "skip",
    threads: int | None = None,
    batch_size: int | None = None,
    pymarc: bool = True,
    normalize: bool = True,
) -> _BlockReader:
    """Starts the pipeline for the record iterator."""
