"""marcarrow: read MARC 21 (ISO 2709) records fast, into Apache Arrow.

>>> import marcarrow
>>> summary = marcarrow.summarize(marcarrow.SAMPLE)
>>> summary["records"]
386
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from marcarrow._marcarrow import __version__, summarize
from marcarrow.exceptions import MarcError, MarcWarning

__all__ = ["SAMPLE", "MarcError", "MarcWarning", "__version__", "summarize"]

#: A bundled sample: 386 real Library of Congress records (UTF-8). See
#: ``marcarrow/data/README.md`` for provenance and licence.
SAMPLE: Path = Path(str(resources.files("marcarrow") / "data" / "loc-bib-386.mrc"))
