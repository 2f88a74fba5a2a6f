"""marcarrow against the tools users would pick instead, in one run.

    python benches/peers.py             # the full table (about 15 minutes)
    python benches/peers.py --quick     # smoke test: 10,000 records, 3 runs
    python benches/peers.py --baseline REF --only table,select,iterate
                                        # also marcarrow built from git REF,
                                        # interleaved in the same rounds
    python benches/peers.py diag NAME   # a pipeline diagnostic in the same venv
                                        # (sweep, two-threads, fileobj, scaling,
                                        # compare, rss, all; see pipeline.py)

On first use it creates its own virtual environment (``benches/.venv-peers``,
or ``$MARCARROW_PEERS_VENV``) with the peers from PyPI and marcarrow built
from this checkout (``pip install .``, a release build), then runs itself
there. It fetches the LoC corpus with ``../shared/scripts/fetch-corpus.sh``
if needed and uses its first 100,000 records.

Tasks (each row is one tool doing the task on the same file):

1. ``table``: every field and subfield into a pyarrow table (the ``long``
   layout: one row per subfield, control field and leader);
2. ``select``: 001 and 245$a into a polars DataFrame;
3. ``iterate``: ``for r in reader: r['245']['a']``;
4. ``parquet``: MARC to Parquet (snappy, marctable's compression);
5. ``marc8``: MARC-8 decoding, the UVA file repeated to about 20 MB;
6. ``xml``, ``ndjson``, ``mrk``: the same records written as MARCXML,
   NDJSON and MARCMaker text by pymarc, read by each tool
   (``text_formats.py``);
7. ``write-marc``, ``write-xml``: records already in memory written as ISO
   2709 and MARCXML (``writers.py``);
8. ``raw``: ``cat file > /dev/null`` and Python ``read().count(b"\\x1d")``
   on the same files.
9. ``export``, ``threads``, ``two-readers``, ``iterator-threads``: marcarrow
   against this machine's limits, as ratios (``limits.py``).

Every measurement is a fresh subprocess; the tools of a task run in turn,
round after round (interleaved), and each number is the median of the runs.
Whole process: the subprocess's wall time (interpreter start, imports, the
work). In process: around the call only, after the imports. Peak RSS: the
child's VmHWM. Results go to ``benches/results/peers-DATE.{md,json}`` and
``peers-latest.{md,json}`` (``--quick``: ``peers-quick.*``, not kept; ``--only``:
``peers-DATE-TASKS.*``, beside the full table, not replacing it).

``--baseline REF`` builds marcarrow at git ``REF`` into a folder of the
venv and adds it as the tool ``marcarrow@REF`` to every task that marcarrow
runs, in the same interleaved rounds and the same venv (only marcarrow
differs): a before and after in one run. Its *marcarrow ÷ this* column is the speed-up of this
checkout over REF. The results are written as ``peers-DATE-baseline.*``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.metadata as md
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import limits  # noqa: E402
import text_formats  # noqa: E402
import writers  # noqa: E402
from pipeline import corpus, head, iterate, uva_repeated, vmhwm_mb  # noqa: E402

VENV = Path(os.environ.get("MARCARROW_PEERS_VENV", HERE / ".venv-peers"))
BASE_DIR = VENV / "marcarrow-baseline"  # marcarrow at --baseline REF
BASE = "marcarrow@"  # the tool name prefix of a baseline build
# marctable 0.8.0 needs Python 3.12; 0.5.0 is the newest that installs on 3.11.
PEERS = [
    "pymarc==5.4.0",
    "rmarc==5.4.0",
    "mrrc==0.9.2",
    "polars-marc21==0.3.0",
    'marctable==0.8.0; python_version >= "3.12"',
    'marctable==0.5.0; python_version < "3.12"',
    "pyarrow",
    "polars",
]
TASKS = {
    "table": (
        "every field and subfield into a pyarrow table",
        ["marcarrow", "pymarc", "rmarc", "mrrc"],
    ),
    "select": ("001 and 245$a into a DataFrame", ["marcarrow", "polars-marc21"]),
    "iterate": ("for r in reader: r['245']['a']", ["marcarrow", "pymarc", "rmarc", "mrrc"]),
    "parquet": ("MARC to Parquet", ["marcarrow", "marctable"]),
    "marc8": ("MARC-8 decoding (UVA file repeated)", ["marcarrow", "pymarc", "rmarc", "mrrc"]),
    **text_formats.TASKS,
    **writers.TASKS,
    **limits.TASKS,
}
LONG_COLUMNS = ("record_index", "field_index", "tag", "ind1", "ind2", "subfield_index", "code")


# --------------------------------------------------------------------------
# The child: one tool doing one task, timed after its imports.


def peer_table(mod, path: Path):
    """Every field and subfield into a pyarrow table, as a pymarc user
    would write it: one Python list per column of marcarrow's long layout."""
    import pyarrow as pa

    cols: dict[str, list] = {k: [] for k in (*LONG_COLUMNS, "value")}
    ri, fi, tg, i1, i2, si, cd, va = cols.values()
    # mrrc's Field.subfields is a method; pymarc's and rmarc's a list.
    call = mod.__name__ == "mrrc"

    def row(i, j, tag, a, b, k, code, value):
        ri.append(i)
        fi.append(j)
        tg.append(tag)
        i1.append(a)
        i2.append(b)
        si.append(k)
        cd.append(code)
        va.append(value)

    with open(path, "rb") as f:
        for i, rec in enumerate(mod.MARCReader(f)):
            row(i, None, "LDR", None, None, None, None, str(rec.leader))
            for j, fld in enumerate(rec.get_fields()):
                if fld.is_control_field():
                    row(i, j, fld.tag, None, None, None, None, fld.data)
                    continue
                subs = fld.subfields() if call else fld.subfields
                for k, sf in enumerate(subs):
                    row(i, j, fld.tag, fld.indicator1, fld.indicator2, k, sf.code, sf.value)
    return pa.table(cols)


# How marcarrow did a task where it has more than one way (shown in the table).
HOW: list[str] = []


def marcarrow_select(path: Path):
    import polars as pl

    import marcarrow

    try:
        df = marcarrow.read_polars(path, columns={"id": "001", "title": "245$a"})
        HOW.append("columns=")
        return df
    except TypeError:
        pass  # no columns= in this marcarrow: select from the nested layout
    HOW.append("tags= and list.eval")
    fields = pl.col("fields")
    tag = pl.element().struct.field("tag")
    df = marcarrow.read_polars(path, tags=["001", "245"])
    return df.select(
        fields.list.eval(pl.element().filter(tag == "001").struct.field("value"))
        .list.first()
        .alias("id"),
        fields.list.eval(pl.element().filter(tag == "245").struct.field("subfields"))
        .list.first()
        .list.eval(
            pl.element().filter(pl.element().struct.field("code") == "a").struct.field("value")
        )
        .list.first()
        .alias("title"),
    )


def job(task: str, tool: str, path: Path, out: Path):
    """The call to time, with its imports done; returns a function giving
    (records, rows)."""
    import warnings

    warnings.simplefilter("ignore")
    if task in limits.TASKS:
        return limits.job(task, tool.split("|")[-1], path, out)
    if task in text_formats.TASKS:
        return text_formats.job(task, "marcarrow" if tool.startswith("marcarrow") else tool, path)
    if task in writers.TASKS:
        return writers.job(task, "marcarrow" if tool.startswith("marcarrow") else tool, path, out)
    if tool.startswith("marcarrow"):
        import marcarrow

        tool = "marcarrow"  # a baseline build runs marcarrow's own code path
    elif tool in ("pymarc", "rmarc", "mrrc"):
        mod = importlib.import_module(tool)
    if task == "table":
        import pyarrow as pa  # noqa: F401

        if tool == "marcarrow":
            return lambda: marcarrow.read_arrow(path, layout="long").num_rows
        return lambda: peer_table(mod, path).num_rows
    if task == "select":
        import polars as pl  # noqa: F401

        if tool == "marcarrow":
            return lambda: marcarrow_select(path).height
        import polars_marc21

        return lambda: (
            polars_marc21.read_marc21(path, "001, 245/*.a", header=["id", "title"]).height
        )
    if task in ("iterate", "marc8"):
        if tool == "marcarrow":
            if task == "marc8":
                import pyarrow as pa  # noqa: F401, F811

                return lambda: marcarrow.read_arrow(path).num_rows
            if not hasattr(marcarrow, "MARCReader"):
                return None

            def ours() -> int:
                with open(path, "rb") as f:
                    try:
                        reader = marcarrow.MARCReader(f)  # pymarc's signature
                        HOW.append("file object")
                    except TypeError:
                        reader = marcarrow.MARCReader(str(path))
                        HOW.append("path")
                    return iterate(reader)

            return ours
        if tool == "mrrc":
            return lambda: iterate(mod.MARCReader(str(path)))

        def peer() -> int:
            with open(path, "rb") as f:
                return iterate(mod.MARCReader(f))

        return peer
    if task == "parquet":
        if tool == "marcarrow":
            return lambda: marcarrow.to_parquet(path, out, compression="snappy")["records"]
        from marctable.utils import to_parquet

        def marctable() -> int:
            with open(path, "rb") as f, open(out, "wb") as o:
                to_parquet(f, o)
            return -1

        return marctable
    if task == "raw":
        if tool == "marcarrow":
            import pyarrow as pa  # noqa: F401, F811 (read_arrow's import, not timed)

            return lambda: marcarrow.read_arrow(path).num_rows

        def count() -> int:
            with open(path, "rb") as f:
                return f.read().count(b"\x1d")

        return count
    raise SystemExit(f"unknown task {task}")


def child(task: str, tool: str, path: str, out: str) -> None:
    f = job(task, tool, Path(path), Path(out))
    if f is None:
        print(json.dumps({"missing": True}))
        return
    t0 = time.perf_counter()
    n = f()
    t = time.perf_counter() - t0
    how = HOW[-1] if HOW else None
    print(json.dumps({"seconds": t, "count": n, "rss_mb": vmhwm_mb(), "how": how}))


# --------------------------------------------------------------------------
# The parent: the venv, the inputs, the rounds, the table.


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def ensure_venv(build: bool) -> None:
    py = VENV / "bin" / "python"
    pip = [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if not py.exists():
        print(f"creating {VENV}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    stamp = VENV / "peers.txt"
    if not stamp.exists() or stamp.read_text() != "\n".join(PEERS):
        print(f"installing the peers: {', '.join(PEERS)}", flush=True)
        subprocess.run([*pip, *PEERS], check=True)
        stamp.write_text("\n".join(PEERS))
    if build:
        print(
            "building marcarrow from this checkout (pip install ., release; "
            "from scratch about 6 minutes on 2 cores)",
            flush=True,
        )
        subprocess.run([*pip, "--no-deps", "--force-reinstall", str(ROOT)], check=True)


def machine() -> dict:
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next(
        (int(x.split()[1]) // 1024 for x in open("/proc/meminfo") if x.startswith("MemTotal")), 0
    )
    versions = {}
    for p in ("marcarrow", "pymarc", "rmarc", "mrrc", "polars-marc21", "marctable", "pyarrow"):
        try:
            versions[p] = md.version(p)
        except md.PackageNotFoundError:
            versions[p] = None
    versions["polars"] = md.version("polars")
    rev = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory_mb": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "versions": versions,
        "marcarrow_commit": rev,
        "loadavg_start": os.getloadavg(),
    }


def ensure_base(ref: str) -> None:
    """marcarrow at git REF (a release build of a temporary worktree),
    installed into its own folder; a baseline child runs the same venv with
    that folder first on its path, so that only marcarrow differs."""
    py = VENV / "bin" / "python"
    rev = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", ref], check=True, capture_output=True, text=True
    ).stdout.strip()
    stamp = BASE_DIR / "marcarrow-rev.txt"
    if stamp.exists() and stamp.read_text() == rev:
        return
    shutil.rmtree(BASE_DIR, ignore_errors=True)
    tree = Path(tempfile.mkdtemp(prefix="marcarrow-base-"))
    print(f"building marcarrow at {ref} ({rev[:10]}) for the baseline", flush=True)
    try:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
            check=True,
            capture_output=True,
        )
        # The checkout's own target dir keeps the dependencies compiled.
        env = {**os.environ, "CARGO_TARGET_DIR": str(ROOT / "target")}
        pip = [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run(
            [*pip, "--no-deps", "--target", str(BASE_DIR), str(tree)], check=True, env=env
        )
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
            check=False,
            capture_output=True,
        )
    stamp.write_text(rev)


def run_child(task: str, tool: str, path: Path, out: Path) -> dict:
    cmd = [sys.executable, __file__, "child", task, tool, str(path), str(out)]
    env = {**os.environ, "PYTHONPATH": str(BASE_DIR)} if tool.startswith(BASE) else None
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if p.returncode:
        raise SystemExit(f"{shlex.join(cmd)} failed:\n{p.stderr}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    r["wall"] = wall
    return r


def run_cat(path: Path) -> dict:
    t0 = time.perf_counter()
    subprocess.run(f"cat {shlex.quote(str(path))} > /dev/null", shell=True, check=True)
    t = time.perf_counter() - t0
    return {"seconds": t, "wall": t, "rss_mb": None, "count": None}


def measure(task: str, tools: list[str], path: Path, runs: int, out: Path) -> list[dict]:
    samples: dict[str, list[dict]] = {t: [] for t in tools}
    missing = set()
    for r in range(runs):
        for tool in tools:
            if tool in missing:
                continue
            if tool == "cat":
                s = run_cat(path)
            else:
                s = run_child(task, tool, path, out / f"{task}-{tool}.out")
            if s.get("missing"):
                missing.add(tool)
                continue
            samples[tool].append(s)
        print(f"  {task}: round {r + 1}/{runs} done", flush=True)
    rows = []
    for tool in tools:
        if tool in missing:
            rows.append({"task": task, "tool": tool, "missing": True})
            continue
        ss = samples[tool]
        rss = [s["rss_mb"] for s in ss if s["rss_mb"] is not None]
        rows.append(
            {
                "task": task,
                "tool": tool,
                "runs": len(ss),
                "seconds": statistics.median(s["seconds"] for s in ss),
                "wall": statistics.median(s["wall"] for s in ss),
                "seconds_all": [round(s["seconds"], 4) for s in ss],
                "rss_mb": statistics.median(rss) if rss else None,
                "count": ss[-1]["count"],
                "how": ss[-1].get("how"),
            }
        )
    return rows


def label(tool: str, versions: dict) -> str:
    names = {"cat": "cat file > /dev/null", "python": 'Python read().count(b"\\x1d")'}
    if tool in names:
        return names[tool]
    v = versions.get(tool)
    if tool.startswith(BASE):
        return f"marcarrow at {tool[len(BASE) :]} (baseline)"
    return f"{tool} {v}" if v else tool


def render(result: dict) -> str:
    m = result["machine"]
    v = m["versions"]
    lines = [
        f"Measured {result['date']} on {m['cpu']}, {m['cores_usable']} cores, "
        f"{m['memory_mb'] // 1024} GiB, Linux {m['kernel']}, Python {m['python']}; "
        f"load average {m['loadavg_start'][0]:.2f} at the start, "
        f"{m['loadavg_end'][0]:.2f} at the end; marcarrow {m['marcarrow_commit']}. "
        f"Median of {result['runs']} runs, tools interleaved run by run, each run a fresh "
        "process. Speeds (records/s, MB/s) are in-process; *marcarrow ÷ this* is marcarrow's "
        "speed over this row's (above 1: marcarrow is faster; on the raw rows: the fraction of "
        "the limit marcarrow reaches).",
        "",
        "| task | input | tool | records/s | MB/s | in-process s | whole-process s "
        "| peak RSS MB | marcarrow ÷ this, in-process | marcarrow ÷ this, whole process |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for g in (g for g in result["groups"] if g["task"] not in limits.TASKS):
        inp = g["input"]
        where = f"{inp['name']}, {inp['records']:,} rec, {inp['mb']:.0f} MB"
        ours = next((r for r in g["rows"] if r["tool"] == "marcarrow" and "seconds" in r), None)
        for r in g["rows"]:
            name = label(r["tool"], v) + (f" ({r['how']})" if r.get("how") else "")
            cells = [g["task"], where, name]
            if "seconds" not in r:
                cells += ["not yet available"] + [""] * 6
            else:
                t, w = r["seconds"], r["wall"]
                cells += [
                    f"{inp['records'] / t:,.0f}",
                    f"{inp['mb'] / t:,.1f}",
                    f"{t:.3f}",
                    f"{w:.3f}",
                    f"{r['rss_mb']:.0f}" if r["rss_mb"] is not None else "–",
                ]
                if ours is None or r is ours:
                    cells += ["", ""]
                else:
                    cells += [f"{t / ours['seconds']:.2f}", f"{w / ours['wall']:.2f}"]
            lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for task, (what, _) in TASKS.items():
        lines.append(f"- {task}: {what}")
    lines.append(
        "- raw: the limits on the same file, in the same run; marcarrow there is "
        "`read_arrow(path)` (nested layout, default threads)"
    )
    return "\n".join(lines) + "\n\n" + limits.render(result, BASE)


def peers_main(a: argparse.Namespace) -> None:
    runs = a.runs or (3 if a.quick else 5)
    records = a.records or (10_000 if a.quick else 100_000)
    peer_records = a.peer_records or (2_000 if a.quick else 20_000)
    full = corpus()
    big, small = head(full, records), head(full, peer_records)
    uva, uva_n = uva_repeated(a.marc8_mb or (4.0 if a.quick else 20.0))

    def inp(path: Path, n: int, name: str) -> dict:
        return {"path": str(path), "mb": path.stat().st_size / 1e6, "records": n, "name": name}

    files = {
        "big": inp(big, records, "LoC"),
        "small": inp(small, peer_records, "LoC"),
        "marc8": inp(uva, uva_n, f"UVA MARC-8 x{uva_n // 2000}"),
    }
    only = set(a.only.split(",")) if a.only else set(TASKS) | {"raw"}
    if only & set(text_formats.TASKS):
        text = text_formats.inputs(small, peer_records)
        for fmt in text_formats.TASKS:
            files[fmt] = inp(text[fmt], peer_records, f"LoC as {fmt} (pymarc)")
    on_big = dict.fromkeys([*writers.TASKS, *limits.TASKS], "big")
    plan = [("raw", "big")] + ([("raw", "small")] if small != big else []) + [("raw", "marc8")]
    plan += [
        (
            t,
            t
            if t in text_formats.TASKS
            else {"marc8": "marc8", "select": "big", **on_big}.get(t, "small"),
        )
        for t in TASKS
    ]
    unknown = only - set(TASKS) - {"raw"}
    if unknown:
        raise SystemExit(f"--only: unknown task(s) {', '.join(sorted(unknown))}")
    plan = [p for p in plan if p[0] in only]
    info = machine()
    print(f"{info['cpu']}, {info['cores_usable']} cores; {runs} runs", flush=True)
    out = Path(tempfile.mkdtemp(prefix="marcarrow-peers-"))
    started = time.time()
    groups = []
    # The raw limits first: they also bring the files into the page cache.
    for task, key in plan:
        tools = ["cat", "python", "marcarrow"] if task == "raw" else list(TASKS[task][1])
        if a.baseline and task in limits.TASKS:
            tools += [f"{BASE}{a.baseline}|{t}" for t in tools if t != "python"]
        elif a.baseline:
            tools.insert(tools.index("marcarrow") + 1, BASE + a.baseline)
        rows = measure(task, tools, Path(files[key]["path"]), runs, out)
        groups.append({"task": task, "input": files[key], "rows": rows})
    info["loadavg_end"] = os.getloadavg()
    shutil.rmtree(out)
    result = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "runs": runs,
        "quick": a.quick,
        "machine": info,
        "groups": groups,
        "elapsed_s": round(time.time() - started, 1),
    }
    text = render(result)
    print()
    print(text)
    res = HERE / "results"
    res.mkdir(exist_ok=True)
    if a.quick:
        names = ["peers-quick"]
    elif a.baseline or a.only:
        # A partial or baseline run must not replace the full table.
        tail = "-baseline" if a.baseline else ""
        tasks = a.only.replace(",", "-") if a.only else "all"
        names = [f"peers-{result['date'][:10]}-{tasks}{tail}"]
    else:
        names = [f"peers-{result['date'][:10]}", "peers-latest"]
    for n in names:
        (res / f"{n}.md").write_text(f"# marcarrow and its peers\n\n{text}")
        (res / f"{n}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {', '.join(f'benches/results/{n}.md/.json' for n in names)}")
    print(f"measuring took {result['elapsed_s']:.0f} s")


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["child"]:
        child(*argv[1:5])
        return
    if argv[:1] == ["diag"]:
        # benches/pipeline.py NAME [ARGS], with the venv's marcarrow.
        if not in_venv():
            ensure_venv(build="--no-build" not in argv)
        argv = [x for x in argv[1:] if x != "--no-build"]
        py = str(VENV / "bin" / "python")
        os.execv(py, [py, str(HERE / "pipeline.py"), *argv])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10,000 records, 3 runs, 4 MB MARC-8")
    ap.add_argument("--runs", type=int, help="runs per tool (default 5)")
    ap.add_argument("--records", type=int, help="corpus records (default 100,000)")
    ap.add_argument(
        "--peer-records",
        type=int,
        help="records for the tasks with pure-Python peers: table, iterate, parquet "
        "(default 20,000)",
    )
    ap.add_argument("--marc8-mb", type=float, help="MARC-8 input size (default 20 MB)")
    ap.add_argument(
        "--only",
        help="comma-separated tasks: raw,table,select,iterate,parquet,marc8,xml,ndjson,mrk",
    )
    ap.add_argument("--no-build", action="store_true", help="use the marcarrow already in the venv")
    ap.add_argument(
        "--baseline",
        metavar="REF",
        help="also measure marcarrow built from git REF, interleaved (before/after in one run)",
    )
    a = ap.parse_args(argv)
    if not in_venv():
        ensure_venv(build=not a.no_build)
        if a.baseline:
            ensure_base(a.baseline)
        py = str(VENV / "bin" / "python")
        os.execv(py, [py, __file__, *argv])
    peers_main(a)


if __name__ == "__main__":
    main()
