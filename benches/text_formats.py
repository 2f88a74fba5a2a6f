"""The text-format tasks of ``peers.py``: the LoC records written as MARCXML,
NDJSON and MARCMaker text by pymarc 5.4 (its ``XMLWriter``, ``as_json()``
per line, ``TextWriter``), and each tool reading them.

- marcarrow: ``read_arrow(path)`` (every field and subfield, nested layout);
- pymarc: ``parse_xml_to_array(path)``, ``JSONReader(line)`` for each line,
  ``MARCMakerReader(path)``: records in memory, as pymarc gives them;
- mrrc 0.9.2: ``xml_to_records(text)`` and ``marcjson_to_record(line)``.
  mrrc's MARC-in-JSON is another shape (an array of one-key objects, the
  leader first), so its NDJSON input is the same records in that shape,
  written by converting each line; it has no MARCMaker reader.

The files are written once into ``/tmp`` (about a minute per format for
20,000 records with pymarc) and reused.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

TASKS = {
    "xml": ("MARCXML into records / Arrow", ["marcarrow", "pymarc", "mrrc"]),
    "ndjson": ("MARC-in-JSON, one record per line", ["marcarrow", "pymarc", "mrrc"]),
    "mrk": ("MARCMaker text", ["marcarrow", "pymarc"]),
}
EXT = {"xml": "xml", "ndjson": "ndjson", "mrk": "mrk"}


def mrrc_shape(line: str) -> str:
    """pymarc's MARC-in-JSON record as mrrc's: ``[{"leader": ...}, field, ...]``."""
    d = json.loads(line)
    return json.dumps([{"leader": d["leader"]}, *d["fields"]], ensure_ascii=False)


def inputs(iso: Path, n: int) -> dict[str, Path]:
    """The ``n`` records of ``iso`` in each text format (written once)."""
    out = {fmt: Path(f"/tmp/marcarrow-bench-{n}.{ext}") for fmt, ext in EXT.items()}
    out["ndjson-mrrc"] = Path(f"/tmp/marcarrow-bench-{n}.mrrc.ndjson")
    if all(p.exists() for p in out.values()):
        return out
    import pymarc

    print(f"writing {n:,} records as MARCXML, NDJSON and MARCMaker text with pymarc", flush=True)
    parts = {k: p.with_suffix(p.suffix + ".part") for k, p in out.items()}
    with (
        open(iso, "rb") as f,
        open(parts["xml"], "wb") as xf,
        open(parts["ndjson"], "w", encoding="utf-8") as jf,
        open(parts["mrk"], "w", encoding="utf-8") as mf,
        open(parts["ndjson-mrrc"], "w", encoding="utf-8") as rf,
    ):
        xw, mw = pymarc.XMLWriter(xf), pymarc.TextWriter(mf)
        for r in pymarc.MARCReader(f):
            if r is None:
                continue
            xw.write(r)
            line = r.as_json()
            jf.write(line + "\n")
            rf.write(mrrc_shape(line) + "\n")
            mw.write(r)
        xw.close(close_fh=False)
        mw.close(close_fh=False)
    for k, p in parts.items():
        os.replace(p, out[k])
    return out


def job(task: str, tool: str, path: Path):
    """The timed call for ``tool`` reading ``path`` in format ``task``."""
    if tool == "marcarrow":
        import pyarrow as pa  # noqa: F401 (read_arrow's import, not timed)

        import marcarrow

        return lambda: marcarrow.read_arrow(path).num_rows
    if tool == "pymarc":
        import pymarc

        if task == "xml":
            return lambda: len(pymarc.parse_xml_to_array(str(path)))
        if task == "mrk":
            return lambda: sum(1 for _ in pymarc.MARCMakerReader(str(path)))

        def ndjson() -> int:
            with open(path, encoding="utf-8") as f:
                return sum(1 for line in f for _ in pymarc.JSONReader(line))

        return ndjson
    if tool == "mrrc":
        import mrrc

        if task == "xml":
            return lambda: len(mrrc.xml_to_records(path.read_text(encoding="utf-8")))
        if task == "ndjson":
            mrrc_path = path.with_suffix(".mrrc.ndjson")

            def mrrc_ndjson() -> int:
                with open(mrrc_path, encoding="utf-8") as f:
                    return sum(1 for line in f if mrrc.marcjson_to_record(line) is not None)

            return mrrc_ndjson
    return None


def big_xml(src: Path, gb: float = 1.0) -> Path:
    """About ``gb`` GB of MARCXML: the records of ``src`` (a pymarc-written
    collection) repeated inside one ``collection``."""
    dst = Path(f"/tmp/marcarrow-bench-{gb:g}gb.xml")
    if dst.exists():
        return dst
    text = src.read_bytes()
    head_end = text.index(b"<record>")
    body = text[head_end : text.rindex(b"</collection>")]
    part = dst.with_suffix(".part")
    with open(part, "wb") as f:
        f.write(text[:head_end])
        written = head_end
        while written < gb * 1e9:
            f.write(body)
            written += len(body)
        f.write(b"</collection>\n")
    os.replace(part, dst)
    return dst


RSS_CHILD = (
    "import marcarrow,sys,time\n"
    "t=time.perf_counter(); n=0\n"
    "for b in marcarrow.read_batches(sys.argv[1]): n+=b.num_rows\n"
    "t=time.perf_counter()-t\n"
    "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
    "print(n, round(t, 2), int(hwm.split()[1])//1024)\n"
)


def rss(iso: Path, n: int) -> None:
    """Peak RSS and speed streaming ``read_batches`` over about 1 GB of
    MARCXML (pymarc-written records, repeated), in a fresh process."""
    import subprocess
    import sys

    path = big_xml(inputs(iso, n)["xml"])
    out = subprocess.run(
        [sys.executable, "-c", RSS_CHILD, str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    records, secs, mb = int(out[0]), float(out[1]), out[2]
    size = path.stat().st_size / 1e6
    print(
        f"read_batches over {path.name} ({size:,.0f} MB of MARCXML, {records:,} records): "
        f"peak RSS {mb} MB, {secs:.2f} s, {size / secs:,.0f} MB/s"
    )
