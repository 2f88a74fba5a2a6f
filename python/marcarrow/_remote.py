"""Objects behind URLs (``s3://``, ``gs://``, ``az://``, ``https://``, any
protocol fsspec knows), globs and lists of inputs.

fsspec is an optional dependency (``pip install 'marcarrow[remote]'``);
this module imports it only when a URL or a remote glob is read. The Rust
core reads the file objects it opens in large sequential blocks, with the
GIL released while it parses.
"""

from __future__ import annotations

import glob
import os
import re
from typing import Any

#: Bytes fsspec fetches per request: large sequential reads, since the
#: reader asks for 1 MiB at a time.
BLOCK_SIZE = 16 << 20

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
_GLOB = re.compile(r"[*?\[]")
_UNITS = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
    "tib": 1 << 40,
}


def is_url(source: Any) -> bool:
    """Whether ``source`` is a URL string (not a local path)."""
    return isinstance(source, str) and _URL.match(source) is not None


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError as e:  # pragma: no cover - the extra is installed in tests
        raise ImportError(
            "reading URLs needs fsspec (and the filesystem's own package, such as "
            "s3fs for s3://): pip install 'marcarrow[remote]'"
        ) from e
    return fsspec


def open_url(url: str, storage_options: dict[str, Any] | None = None) -> Any:
    """A binary, seekable file object for ``url``, read in large blocks."""
    fs, path = _fsspec().core.url_to_fs(url, **(storage_options or {}))
    return fs.open(path, "rb", block_size=BLOCK_SIZE, cache_type="readahead")


def expand(source: Any, storage_options: dict[str, Any] | None = None) -> list[Any] | None:
    """The inputs a list or a glob stands for, in sorted order, or ``None``
    when ``source`` is one input. A glob that matches nothing raises
    :class:`FileNotFoundError`."""
    if isinstance(source, list | tuple):
        out: list[Any] = []
        for s in source:
            out.extend(expand(s, storage_options) or [s])
        return out
    if not isinstance(source, str | os.PathLike) or not _GLOB.search(os.fspath(source)):
        return None
    pattern = os.fspath(source)
    if is_url(pattern):
        fs, _, paths = _fsspec().core.get_fs_token_paths(
            pattern, storage_options=storage_options or {}
        )
        matched = [fs.unstrip_protocol(p) for p in sorted(paths)]
    else:
        matched = sorted(glob.glob(pattern))
    if not matched:
        raise FileNotFoundError(f"no input matches {pattern!r}")
    return matched


def size_of(source: Any, storage_options: dict[str, Any] | None = None) -> int:
    """The size in bytes of a path or URL."""
    if is_url(source):
        fs, path = _fsspec().core.url_to_fs(source, **(storage_options or {}))
        return int(fs.size(path))
    return os.path.getsize(source)


def parse_size(size: int | str) -> int:
    """``256MiB``, ``64 MB``, ``1e6`` or an int, as bytes."""
    if isinstance(size, int):
        return size
    m = re.fullmatch(r"\s*([0-9.eE+]+)\s*([A-Za-z]*)\s*", size)
    if m is None or m.group(2).lower() not in _UNITS:
        raise ValueError(f"not a size: {size!r} (try 256MiB or 64MB)")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])
