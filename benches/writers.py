"""The writer tasks of ``peers.py``: records already in memory, written out.

- marcarrow: the nested table from ``read_arrow`` (read before timing), then
  ``write_marc(table, out)``: ISO 2709 (UTF-8) or MARCXML, encoded on Rayon
  workers;
- pymarc 5.4: the records from ``MARCReader`` (read before timing), then
  ``f.write(record.as_marc())`` in a loop, or its ``XMLWriter``;
- mrrc 0.9.2: the records from ``mrrc.read`` (read before timing), then
  ``mrrc.write(records, out)``, or ``record_to_xml`` per record.

Rates are of the bytes written: ISO 2709 output is the input's size (the
round trip is byte-exact), MARCXML about 3.5 times it.
"""

from __future__ import annotations

from pathlib import Path

TASKS = {
    "write-marc": ("records in memory to ISO 2709", ["marcarrow", "pymarc", "mrrc"]),
    "write-xml": ("records in memory to MARCXML", ["marcarrow", "pymarc", "mrrc"]),
}


def job(task: str, tool: str, path: Path, out: Path):
    """The timed call, with the records read beforehand; returns a function
    giving the number of records written."""
    xml = task == "write-xml"
    dest = out.with_suffix(".xml" if xml else ".mrc")
    if tool == "marcarrow":
        import marcarrow

        table = marcarrow.read_arrow(path)
        # A few LoC records hold a stray 0x1F in a control field, which XML
        # cannot hold: left out (and reported) rather than stopping.
        return lambda: marcarrow.write_marc(table, dest, oversize="skip")["records"]
    if tool == "pymarc":
        import pymarc

        with open(path, "rb") as f:
            records = [r for r in pymarc.MARCReader(f) if r is not None]

        def write_pymarc() -> int:
            with open(dest, "wb") as f:
                if xml:
                    w = pymarc.XMLWriter(f)
                    for r in records:
                        w.write(r)
                    w.close(close_fh=False)
                else:
                    for r in records:
                        f.write(r.as_marc())
            return len(records)

        return write_pymarc
    if tool == "mrrc":
        import mrrc

        records = list(mrrc.read(str(path)))
        if not xml:
            return lambda: mrrc.write(records, str(dest))

        def write_mrrc_xml() -> int:
            with open(dest, "w", encoding="utf-8") as f:
                f.write('<?xml version="1.0" encoding="UTF-8"?>\n<collection>\n')
                for r in records:
                    f.write(mrrc.record_to_xml(r))
                f.write("</collection>\n")
            return len(records)

        return write_mrrc_xml
    raise SystemExit(f"writers: unknown tool {tool}")
