"""The reading options are defined once, in the core (`src/options.rs`);
the type stubs, the docs and the entry points must say the same."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import marcarrow
from marcarrow import _marcarrow

ROOT = Path(__file__).resolve().parents[1]
CORE = {name: (default, entries) for name, default, _help, entries in _marcarrow._read_options()}


def stub_options(cls: str) -> dict[str, str]:
    """The keys of a TypedDict in the stubs, with the default in its comment."""
    src = (ROOT / "python/marcarrow/_marcarrow.pyi").read_text()
    body = src.split(f"class {cls}(", 1)[1].split("\nclass ", 1)[0].split("\ndef ", 1)[0]
    out = {}
    for line in body.splitlines():
        m = re.match(r"    (\w+): .*#\s*(.+)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def test_stub_typeddicts_list_the_core_options_and_defaults() -> None:
    read = stub_options("_ReadOptions")
    assert read == {n: d for n, (d, e) in CORE.items() if "batches" in e}
    summary = stub_options("_SummaryOptions")
    assert summary == {n: d for n, (d, e) in CORE.items() if "summary" in e}
    validate = stub_options("_ValidateOptions")
    assert validate == {n: d for n, (d, e) in CORE.items() if "validate" in e}
    parquet = {**read, **stub_options("_ParquetOptions")}
    for name, (default, entries) in CORE.items():
        if "parquet" in entries:
            assert parquet.get(name) == default, name


def test_docs_table_lists_the_core_options() -> None:
    doc = (ROOT / "docs/options.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \| `([^`]+)` \| (.+?) \| (.+?) \|$", doc, re.M)
    assert {name: (default, entries.split(", ")) for name, default, _h, entries in rows} == CORE


def test_docstrings_point_to_the_options() -> None:
    for f in (marcarrow.read_arrow, marcarrow.read_polars, marcarrow.to_parquet):
        assert "options" in (f.__doc__ or "")


def test_every_option_is_accepted_with_its_default_and_checked() -> None:
    for name, (default, entries) in CORE.items():
        value = ast.literal_eval(default)
        if "batches" in entries:
            marcarrow.read_batches(b"", **{name: value}).close()
        if "summary" in entries:
            marcarrow.summarize(b"", **{name: value})
        if "validate" in entries:
            marcarrow.validate(b"", **{name: value})
    with pytest.raises(TypeError, match="unexpected keyword argument 'layout'"):
        marcarrow.summarize(b"", layout="long")
    with pytest.raises(TypeError, match="unexpected keyword argument 'tags'"):
        marcarrow.validate(b"", tags=["245"])
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        marcarrow.read_batches(b"", bogus=1)
    with pytest.raises(ValueError, match="layout must be 'nested' or 'long', not \"wide\""):
        marcarrow.read_batches(b"", layout="wide")
    with pytest.raises(TypeError, match="tags must be a list of str or None, not str"):
        marcarrow.read_batches(b"", tags="245")
    with pytest.raises(ValueError, match="threads must be at least 1"):
        marcarrow.read_arrow(b"", threads=0)
