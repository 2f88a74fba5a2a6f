"""The Python examples in README.md and docs/*.md run.

Each ```python block runs in a folder where the file names the examples use
exist: books.mrc (the bundled sample), books.mrc.gz, a.mrc, b.mrc.gz,
books.xml, oai-harvest.xml and harvest.xml.gz (the sample as MARCXML) and
pride.mrc (the malformed fixture). Blocks that only show a value (a dict
literal, starting with ``{``) are skipped.
"""

from __future__ import annotations

import gzip
import re
import shutil
import warnings
from pathlib import Path

import pytest

import marcarrow
from conftest import data_file

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks() -> list[tuple[str, str]]:
    out = []
    for f in FILES:
        for i, m in enumerate(re.finditer(r"```python\n(.*?)```", f.read_text(), re.S)):
            code = m.group(1)
            if code.lstrip().startswith("{"):
                continue
            out.append((f"{f.name}#{i}", code))
    return out


@pytest.mark.parametrize(("name", "code"), blocks(), ids=[n for n, _ in blocks()])
def test_example_runs(name: str, code: str, tmp_path: Path, monkeypatch) -> None:
    sample = Path(marcarrow.SAMPLE).read_bytes()
    (tmp_path / "books.mrc").write_bytes(sample)
    (tmp_path / "a.mrc").write_bytes(sample)
    (tmp_path / "books.mrc.gz").write_bytes(gzip.compress(sample))
    (tmp_path / "b.mrc.gz").write_bytes(gzip.compress(sample))
    shutil.copy(data_file("pride-many-errors-383.mrc"), tmp_path / "pride.mrc")
    xml = tmp_path / "books.xml"
    marcarrow.write_marc(marcarrow.read_arrow(sample), xml)
    shutil.copy(xml, tmp_path / "oai-harvest.xml")
    (tmp_path / "harvest.xml.gz").write_bytes(gzip.compress(xml.read_bytes()))
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", marcarrow.MarcWarning)
        exec(compile(code, name, "exec"), {"__name__": "__doc_example__"})


def test_examples_were_found() -> None:
    assert len(blocks()) >= 6
