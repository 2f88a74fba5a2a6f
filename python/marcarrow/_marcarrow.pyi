"""Type stubs for the native module ``marcarrow._marcarrow``."""

import io
import socket
from collections.abc import Iterator, Mapping, Sequence
from os import PathLike
from typing import IO, Any, Literal, TypedDict, Unpack, final

from marcarrow._expr import Expr
from marcarrow.exceptions import MarcError
from marcarrow.problems import Problem

__all__ = [
    "BatchReader",
    "read_batches",
    "summarize",
    "_records",
    "_splits",
    "_validate",
    "_validation_rules",
    "_marc8_decode",
    "_to_parquet",
    "_write_marc",
    "_convert",
    "_encode_record",
    "_record_blocks",
    "_read_options",
    "_Block",
    "_BlockReader",
    "__version__",
]

__version__: str

_Path = str | PathLike[str]
#: Every kind of input an entry point takes.
_Source = _Path | bytes | bytearray | memoryview | io.BytesIO | IO[bytes] | socket.socket
_Policy = Literal["strict", "lenient", "skip"]
_Layout = Literal["nested", "long"]
_Format = Literal["iso2709", "marcxml", "json", "mrk"]

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
    def errors(self) -> list[Problem]:
        """Problems reported so far."""
    @property
    def quarantine(self) -> Any:
        """Under ``quarantine=True``, the records skipped as malformed so
        far, whole: a ``pyarrow.Table`` (``record_index``, ``byte_offset``,
        ``kind``, ``reason``, ``bytes``)."""
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

class _ReadOptions(TypedDict, total=False):
    """The reading options (``docs/options.md``; defaults in comments).

    Every entry point takes them as keyword arguments; the core
    (``src/options.rs``) validates them, and ``tests/test_options.py`` holds
    this list, the docs and the core to the same names and defaults.
    """

    layout: _Layout  # 'nested'
    format: _Format | None  # None
    errors: _Policy  # 'strict'
    encoding: Literal["auto", "utf-8", "marc-8", "latin-1", "cp1251"]  # 'auto'
    encoding_errors: Literal["strict", "replace", "ignore"]  # 'strict'
    normalize: bool  # True
    tags: list[str] | None  # None
    columns: Mapping[str, str] | None  # None
    where: str | Expr | None  # None
    provenance: bool  # False
    string_type: Literal["string", "string_view"]  # 'string'
    batch_size: int | None  # None
    byte_range: tuple[int, int] | None  # None
    quarantine: bool | str | PathLike[str]  # False
    storage_options: dict[str, Any] | None  # None
    threads: int | None  # None

class _ParquetOptions(_ReadOptions, total=False):
    """:func:`marcarrow.to_parquet`'s options: the reading options (less
    ``batch_size`` and ``string_type``) and the Parquet ones."""

    compression: Literal["zstd", "snappy", "none"]  # 'zstd'
    compression_level: int | None  # None
    row_group_size: int | None  # None
    progress: bool  # False

_WriteFormat = Literal["marc", "iso2709", "marcxml", "xml", "json", "ndjson", "jsonl", "mrk"]

class _WriteOptions(TypedDict, total=False):
    """:func:`marcarrow.write_marc`'s options."""

    format: _WriteFormat | None  # None: from the destination's extension
    encoding: Literal["utf-8", "marc-8"]  # 'utf-8'
    oversize: Literal["error", "skip"]  # 'error'
    threads: int | None  # None

class _ConvertOptions(_ReadOptions, total=False):
    """:func:`marcarrow.convert`'s options: the reading options (less
    ``layout``, ``columns``, ``batch_size`` and ``string_type``) and the
    writing ones, named so as not to clash with reading's."""

    to: _WriteFormat | None  # None: from the destination's extension
    to_encoding: Literal["utf-8", "marc-8"]  # 'utf-8'
    oversize: Literal["error", "skip"]  # 'error'
    progress: bool  # False

class _SummaryOptions(TypedDict, total=False):
    """:func:`marcarrow.summarize`'s options (a subset of _ReadOptions)."""

    format: _Format | None  # None
    errors: _Policy  # 'strict'
    encoding: Literal["auto", "utf-8", "marc-8", "latin-1", "cp1251"]  # 'auto'
    encoding_errors: Literal["strict", "replace", "ignore"]  # 'strict'
    normalize: bool  # True
    tags: list[str] | None  # None
    where: str | Expr | None  # None
    batch_size: int | None  # None
    byte_range: tuple[int, int] | None  # None
    quarantine: bool | str | PathLike[str]  # False
    storage_options: dict[str, Any] | None  # None
    threads: int | None  # None

class _ValidateOptions(TypedDict, total=False):
    """:func:`marcarrow.validate`'s reading options (a subset of _ReadOptions)."""

    format: _Format | None  # None
    errors: _Policy  # 'strict'
    encoding: Literal["auto", "utf-8", "marc-8", "latin-1", "cp1251"]  # 'auto'
    encoding_errors: Literal["strict", "replace", "ignore"]  # 'strict'
    normalize: bool  # True
    where: str | Expr | None  # None
    batch_size: int | None  # None
    byte_range: tuple[int, int] | None  # None
    quarantine: bool | str | PathLike[str]  # False
    storage_options: dict[str, Any] | None  # None
    threads: int | None  # None

def read_batches(source: _Source, **options: Unpack[_ReadOptions]) -> BatchReader:
    """Read MARC records as a stream of Arrow RecordBatches.

    ``source``: a path (``str`` or ``os.PathLike``), ``bytes``
    (shared without copying), ``bytearray``/``memoryview``/``io.BytesIO``
    (copied once, since their contents can change), a binary file object
    (``sys.stdin.buffer`` included), or a ``socket.socket``. gzip, zstd and
    bzip2 are recognised by their magic bytes. The options are those of
    ``docs/options.md``. The GIL is released while Rust reads and parses.

    >>> import marcarrow
    >>> r = marcarrow.read_batches(marcarrow.SAMPLE, layout="long")
    """

def _splits(
    source: _Source, blocksize: int, **options: Unpack[_ReadOptions]
) -> list[tuple[int, int]]: ...
def _validate(
    source: _Source,
    schema_json: str | None = None,
    report_local: bool = False,
    source_name: str | None = None,
    **options: Unpack[_ValidateOptions],
) -> tuple[list[Any], Any, list[Problem], MarcError | None, dict[str, int], Any]: ...
def _validation_rules() -> list[tuple[str, str]]: ...
def summarize(source: _Source, **options: Unpack[_SummaryOptions]) -> dict[str, Any]:
    """Read a whole source through the bounded pipeline and count what it holds.

    Returns a dict with ``format`` (``"iso2709"``, ``"marcxml"``,
    ``"json"`` or ``"mrk"``), ``records``, ``frames``, ``bytes`` (read, after
    decompression) and where they went (``record_bytes``,
    ``skipped_bytes``, ``padding_bytes``, which add up to ``bytes``),
    ``fields``, ``subfields``, ``encodings`` and ``record_types`` (lists of
    ``(name, count)``), ``tags`` and ``subfield_codes`` (``(name, count)``,
    most frequent first), ``problems`` (:class:`marcarrow.Problem`) and
    ``error`` (the :class:`marcarrow.MarcError` that stopped a strict read,
    or ``None``).

    >>> import marcarrow
    >>> marcarrow.summarize(marcarrow.SAMPLE)["records"]
    386
    """

def _records(
    source: _Source,
    *,
    errors: _Policy = "strict",
    decode: bool = False,
    encoding: str = "auto",
    limit: int | None = None,
) -> tuple[list[tuple[int, int, str, list[Any]]], list[Problem]]:
    """Test-only: every record as plain Python values, read by the
    sequential reader (the reference the pipeline must agree with), and the
    problems (raw Latin-1 values for non-UTF-8 records unless ``decode``)."""

def _to_parquet(
    sources: list[Any], dest: _Path, **options: Unpack[_ParquetOptions]
) -> dict[str, Any]:
    """Native half of :func:`marcarrow.to_parquet`."""

def _write_marc(
    data: Any, dest: _Path | IO[bytes], **options: Unpack[_WriteOptions]
) -> dict[str, Any]:
    """Native half of :func:`marcarrow.write_marc`."""

def _convert(
    sources: list[Any], dest: _Path | IO[bytes], **options: Unpack[_ConvertOptions]
) -> dict[str, Any]:
    """Native half of :func:`marcarrow.convert`."""

def _encode_record(
    leader: str,
    fields: list[tuple[str, str, str, str | None, list[tuple[str, str]] | None]],
    format: str,
    pymarc: bool = True,
) -> bytes:
    """One record by the Rust encoders, for ``marcarrow.pymarc``'s writers."""

def _read_options() -> list[tuple[str, str, str, list[str]]]:
    """Every documented reading option: ``(name, default, help, entry points)``."""

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

    def __iter__(self) -> Iterator[tuple[_Block | None, list[Problem]]]: ...
    def __next__(self) -> tuple[_Block | None, list[Problem]]: ...
    def close(self) -> None: ...

class _RecordOptions(TypedDict, total=False):
    format: _Format | None
    errors: _Policy
    encoding: str
    encoding_errors: Literal["strict", "replace", "ignore"]
    normalize: bool
    batch_size: int | None
    storage_options: dict[str, Any] | None
    threads: int | None

def _record_blocks(
    source: _Source, *, pymarc: bool = True, **options: Unpack[_RecordOptions]
) -> _BlockReader:
    """Starts the pipeline for the record iterator."""
