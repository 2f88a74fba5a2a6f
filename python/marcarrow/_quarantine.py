"""``quarantine=``: the records a reader skipped as malformed, kept whole.

``quarantine=True`` keeps them on the reader (``reader.quarantine``, a
table with each record's index, offset, problem and original bytes);
:func:`marcarrow.read_arrow`, :func:`marcarrow.read_polars` and
:func:`marcarrow.validate` also take a path, and write the records' bytes
there, in input order, as a file the readers take again once fixed. The
file is written under a temporary name and renamed at the end, so it never
exists half-written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import Any


def take(options: Any) -> str | os.PathLike[str] | None:
    """The path ``quarantine=`` names, if it names one; the reader is
    then asked to keep the records (``quarantine=True``)."""
    q = options.get("quarantine")
    if q is None:
        options.pop("quarantine", None)
        return None
    if isinstance(q, bool):
        return None
    if not isinstance(q, str | os.PathLike):
        raise TypeError(f"quarantine must be a bool or a path, not {type(q).__name__}")
    options["quarantine"] = True
    return q


@contextlib.contextmanager
def atomic(path: str | os.PathLike[str]) -> Iterator[str]:
    """A temporary name beside ``path``, renamed to it on success (with the
    permissions a new file gets) and removed on failure: no half-written
    output is left."""
    target = os.fspath(path)
    fd, tmp = tempfile.mkstemp(prefix=".marcarrow-", dir=os.path.dirname(os.path.abspath(target)))
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write(path: str | os.PathLike[str], tables: list[Any]) -> int:
    """Writes the ``bytes`` of every row of ``tables``, in order, to
    ``path`` (atomically); returns the bytes written."""
    n = 0
    with atomic(path) as tmp, open(tmp, "wb") as f:
        for t in tables:
            for b in t.column("bytes").to_pylist():
                f.write(b)
                n += len(b)
    return n
