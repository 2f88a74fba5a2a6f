"""pymarc's own test suite, run against ``marcarrow.pymarc``.

The suite is not copied into this repository: the test downloads the
pymarc 5.4.0 source distribution from PyPI (as ``fetch-corpus.sh`` does),
points the name ``pymarc`` and its submodules at ``marcarrow.pymarc``, and
runs pymarc's tests in a subprocess. Skipped when PyPI cannot be reached.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ALIAS = """
import importlib, sys
import marcarrow.pymarc as mp
sys.modules["pymarc"] = mp
for sub in ("field", "record", "reader", "writer", "leader", "exceptions",
            "constants", "marc8", "marcxml", "marcjson"):
    sys.modules["pymarc." + sub] = importlib.import_module("marcarrow.pymarc." + sub)
"""


@pytest.fixture(scope="module")
def pymarc_tests(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = Path(os.environ.get("MARC_CORPUS_DIR", Path.home() / ".cache" / "marc-corpus"))
    sdist = cache / "pymarc-5.4.0.tar.gz"
    if not sdist.exists():
        cache.mkdir(parents=True, exist_ok=True)
        got = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
            + ["--no-binary", "pymarc", "pymarc==5.4.0", "-d", str(cache)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if got.returncode != 0 or not sdist.exists():
            pytest.skip(f"cannot download pymarc's sdist: {got.stderr.strip()[-200:]}")
    root = tmp_path_factory.mktemp("pymarc-suite")
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("pymarc-5.4.0/test/")]
        tar.extractall(root, members=members, filter="data")
    suite = root / "pymarc-5.4.0"
    (suite / "conftest.py").write_text(ALIAS)
    return suite


def test_pymarcs_own_suite_passes(pymarc_tests: Path) -> None:
    import marcarrow

    # The subprocess imports the marcarrow this test imported.
    env = dict(os.environ)
    here = str(Path(marcarrow.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test"],
        cwd=pymarc_tests,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary
    # The suite really ran (pymarc 5.4.0 has 174 tests).
    assert int(summary.split(" passed")[0].split()[-1]) >= 170
