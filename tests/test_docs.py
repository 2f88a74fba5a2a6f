"""The examples in the package's docstrings run (doctest)."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "marcarrow",
        "marcarrow._marcarrow",
        "marcarrow.problems",
        "marcarrow._expr",
        "marcarrow._scan",
        "marcarrow.dask",
        "marcarrow.exceptions",
        "marcarrow.__main__",
        "marcarrow.pymarc",
        "marcarrow.pymarc.exceptions",
        "marcarrow.pymarc.field",
        "marcarrow.pymarc.leader",
        "marcarrow.pymarc.marc8",
        "marcarrow.pymarc.reader",
        "marcarrow.pymarc.record",
        "marcarrow.pymarc.writer",
    ],
)
def test_docstring_examples(module: str) -> None:
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    if module != "marcarrow.__main__":
        assert result.attempted > 0, f"{module} has no examples"
