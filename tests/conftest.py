"""Shared fixtures: where the real test data lives."""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("MARC_TEST_DATA", ROOT.parent / "shared" / "data"))


def data_file(name: str) -> Path:
    """Path of a real fixture; skips the test when the data folder is missing."""
    p = DATA / name
    if not p.exists():
        pytest.skip(f"test data {p} not found (set MARC_TEST_DATA to ../shared/data)")
    return p


def records(name: str) -> list[bytes]:
    """The records of a real fixture, each with its 0x1D."""
    return [r + b"\x1d" for r in data_file(name).read_bytes().split(b"\x1d") if r]


@pytest.fixture
def quiet_pymarc() -> Iterator[None]:
    """No warnings, and no log line from pymarc for every odd indicator
    (mutated records make thousands)."""
    logging.getLogger("pymarc").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The 250,000-record LoC corpus; opt-in with MARCARROW_CORPUS=1 (always on in CI)."""
    if not (os.environ.get("MARCARROW_CORPUS") or os.environ.get("CI")):
        pytest.skip("large corpus runs are opt-in: set MARCARROW_CORPUS=1")
    script = DATA.parent / "scripts" / "fetch-corpus.sh"
    if not script.exists():
        pytest.skip(f"{script} not found")
    out = subprocess.run(["bash", str(script)], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


def head_records(src: Path, dst: Path, n: int) -> Path:
    """The first ``n`` records of ``src`` (split on 0x1D) written to ``dst``."""
    written = 0
    with open(src, "rb") as f, open(dst, "wb") as out:
        buf = b""
        while written < n:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            buf += chunk
            start = 0
            while written < n:
                end = buf.find(b"\x1d", start)
                if end < 0:
                    break
                out.write(buf[start : end + 1])
                written += 1
                start = end + 1
            buf = buf[start:]
    return dst
