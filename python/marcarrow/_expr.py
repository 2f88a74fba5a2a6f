"""The structured form of ``where=``: ``col("008/35-37") == "ger"``.

Each operation renders to the string language (``docs/columns.md``), which
Rust parses and evaluates; ``str(expr)`` shows it.

>>> from marcarrow import col
>>> str((col("650$a").matches("Homeopathy") | col("856").exists()) & ~(col("LDR/06") == "a"))
"(650$a ~ 'Homeopathy' or has 856) and not (LDR/06 == 'a')"
"""

from __future__ import annotations


def _quote(value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"MARC values are strings, not {type(value).__name__}")
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Expr:
    """A condition on a record; combine with ``&``, ``|`` and ``~``."""

    __slots__ = ("_text", "_atom")

    def __init__(self, text: str, *, atom: bool = True) -> None:
        self._text = text
        self._atom = atom

    def _wrapped(self) -> str:
        return self._text if self._atom else f"({self._text})"

    def __and__(self, other: Expr) -> Expr:
        return Expr(f"{self._wrapped()} and {_expr(other)._wrapped()}", atom=False)

    def __or__(self, other: Expr) -> Expr:
        return Expr(f"{self._wrapped()} or {_expr(other)._wrapped()}", atom=False)

    def __invert__(self) -> Expr:
        return Expr(f"not ({self._text})")

    def __bool__(self) -> bool:
        raise TypeError("combine conditions with &, | and ~, not and, or, not")

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"<marcarrow condition {self._text!r}>"


def _expr(x: object) -> Expr:
    if not isinstance(x, Expr):
        raise TypeError(f"expected a marcarrow condition, not {type(x).__name__}")
    return x


class Col:
    """A field path (``"650$a"``, ``"008/35-37"``) to compare.

    Comparisons are true when any value of the path matches.
    """

    __slots__ = ("path",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, path: str) -> None:
        self.path = path

    def __eq__(self, value: object) -> Expr:  # type: ignore[override]
        return Expr(f"{self.path} == {_quote(value)}")  # type: ignore[arg-type]

    def __ne__(self, value: object) -> Expr:  # type: ignore[override]
        return Expr(f"{self.path} != {_quote(value)}")  # type: ignore[arg-type]

    def startswith(self, prefix: str) -> Expr:
        """Some value starts with ``prefix``."""
        return Expr(f"{self.path} ^= {_quote(prefix)}")

    def matches(self, regex: str) -> Expr:
        """Some value contains a match of ``regex`` (Rust ``regex`` syntax)."""
        return Expr(f"{self.path} ~ {_quote(regex)}")

    def exists(self) -> Expr:
        """The path has at least one value."""
        return Expr(f"has {self.path}")

    def __repr__(self) -> str:
        return f"col({self.path!r})"


def col(path: str) -> Col:
    """A path to build a ``where=`` condition from: ``col("008/35-37") == "ger"``."""
    return Col(path)


def where_text(where: str | Expr | None) -> str | None:
    """The string form of ``where=``."""
    if where is None or isinstance(where, str):
        return where
    return str(_expr(where))
