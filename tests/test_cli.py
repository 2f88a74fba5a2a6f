"""The main job: ``python -m marcarrow`` on the bundled sample and on files."""

from __future__ import annotations

import subprocess
import sys

import marcarrow
from conftest import data_file
from marcarrow.__main__ import main


def test_bundled_sample_summary() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "marcarrow"], check=True, capture_output=True, text=True
    ).stdout
    assert "records: 386 (386 found)" in out
    assert "utf-8 386" in out
    assert "problems: 0" in out
    assert marcarrow.SAMPLE.exists()


def test_problems_are_listed(capsys) -> None:
    assert main([str(data_file("pride-many-errors-383.mrc")), "--errors", "skip"]) == 0
    out = capsys.readouterr().out
    assert "records: 298 (383 found)" in out
    assert "problems: 85" in out and "invalid UTF-8 in field" in out


def test_strict_failure_sets_exit_status(capsys) -> None:
    assert main([str(data_file("pride-many-errors-383.mrc")), "--errors", "strict"]) == 1
    assert "stopped by: record 1" in capsys.readouterr().out
    assert main(["/nonexistent/file.mrc"]) == 1
