"""Every notebook runs top to bottom (on the bundled sample and the small
fixtures), so a broken example fails the build. The stored outputs come
from a run on the LoC corpus; this run's outputs are thrown away."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import DATA

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    if not DATA.exists():
        pytest.skip(f"test data {DATA} not found")
    monkeypatch.setenv("MARCARROW_NOTEBOOK_SAMPLE", "1")
    monkeypatch.setenv("MARC_TEST_DATA", str(DATA))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert errors == []
    assert os.environ["MARCARROW_NOTEBOOK_SAMPLE"] == "1"


def test_there_are_notebooks() -> None:
    assert {p.name for p in NOTEBOOKS} >= {"quickstart.ipynb", "data-quality.ipynb"}
