"""The main job: ``python -m marcarrow`` on the bundled sample and on files."""

from __future__ import annotations

import json
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


def test_the_main_job_needs_no_pyarrow(tmp_path) -> None:
    """The README's first command installs marcarrow alone (pyarrow is not
    a dependency): the summary, conversions and dump run where pyarrow
    cannot be imported, and the commands that need it say so."""
    block = (
        "import runpy, sys; sys.modules['pyarrow'] = None; "
        "sys.argv = ['marcarrow', *sys.argv[1:]]; "
        "runpy.run_module('marcarrow', run_name='__main__', alter_sys=True)"
    )
    sample = str(data_file("loc-bib-386.mrc"))

    def bare(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", block, *args], capture_output=True, text=True)

    assert "records: 386 (386 found)" in bare().stdout
    for args in [
        ["dump", sample, "--limit", "1"],
        ["convert", sample, "-o", str(tmp_path / "x.parquet")],
        ["convert", sample, "-o", str(tmp_path / "x.xml")],
    ]:
        r = bare(*args)
        assert r.returncode == 0, r.stderr
    r = bare("validate", sample)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "needs pyarrow (pip install pyarrow)" in r.stderr
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.modules['pyarrow'] = None; import marcarrow; "
            "print(marcarrow.summarize(marcarrow.SAMPLE)['quarantine'])",
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0 and r.stdout.strip() == "None", r.stderr


def test_problems_are_listed(capsys) -> None:
    assert main([str(data_file("pride-many-errors-383.mrc")), "--errors", "skip"]) == 0
    out = capsys.readouterr().out
    assert "records: 298 (383 found)" in out
    assert "problems: 85" in out and "invalid UTF-8 in field" in out


def test_strict_failure_sets_exit_status(capsys) -> None:
    assert main([str(data_file("pride-many-errors-383.mrc")), "--errors", "strict"]) == 1
    assert "stopped by: record 1" in capsys.readouterr().out
    assert main(["/nonexistent/file.mrc"]) == 3  # a file error


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "marcarrow", *args], input=stdin, capture_output=True
    )


def test_convert_stats_dump_and_exit_codes(tmp_path) -> None:
    import pyarrow.parquet as pq
    import pymarc

    sample = str(data_file("loc-bib-386.mrc"))
    out = tmp_path / "out.parquet"
    r = run("convert", sample, "-o", str(out), "--layout", "long")
    assert r.returncode == 0, r.stderr
    assert b"386 records" in r.stderr
    assert pq.read_table(out).equals(marcarrow.read_arrow(sample, layout="long"))
    # Standard input.
    r = run("convert", "-", "-o", str(tmp_path / "stdin.parquet"), stdin=open(sample, "rb").read())
    assert r.returncode == 0 and pq.read_table(tmp_path / "stdin.parquet").num_rows == 386
    # Bad inputs: missing file, directory, not MARC, malformed under strict.
    for args, code, msg in [
        (["convert", "/no/such.mrc", "-o", str(tmp_path / "a.parquet")], 3, b"no such file"),
        (["convert", str(tmp_path), "-o", str(tmp_path / "a.parquet")], 3, b"is a directory"),
        (["convert", __file__, "-o", str(tmp_path / "a.parquet")], 1, b"iso 2709"),
        (
            [
                "convert",
                str(data_file("pride-many-errors-383.mrc")),
                "-o",
                str(tmp_path / "a.parquet"),
            ],
            1,
            b"invalid utf-8",
        ),
        (["convert", sample], 2, b"-o"),
    ]:
        r = run(*args)
        assert r.returncode == code, (args, r.stderr)
        assert msg in r.stderr.lower(), (args, r.stderr)
        if code != 2:  # usage errors print argparse's usage too
            assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "a.parquet").exists()
    # stats --json
    r = run("stats", sample, "--json")
    s = json.loads(r.stdout)
    assert s["records"] == 386 and s["subfield_codes"][0][0] == "040$d"
    # dump equals pymarc's str(record) on MARC-8 records.
    uva = str(data_file("uva-marc8-2000.mrc"))
    r = run("dump", uva, "--limit", "3")
    with open(uva, "rb") as f:
        reader = pymarc.MARCReader(f)
        want = "\n".join(str(next(reader)) for _ in range(3)) + "\n"
    assert r.stdout.decode() == want


def test_ctrl_c_stops_convert_and_leaves_no_file(tmp_path) -> None:
    import signal
    import time

    big = tmp_path / "big.mrc"
    big.write_bytes(data_file("loc-bib-386.mrc").read_bytes() * 600)  # 315 MB
    out = tmp_path / "out" / "big.parquet"
    out.parent.mkdir()
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "marcarrow",
            "convert",
            str(big),
            "-o",
            str(out),
            "--layout",
            "long",
        ],
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not list(out.parent.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)  # wait for the temporary file: the export has started
    assert p.poll() is None, "the export finished before it could be interrupted"
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert b"interrupted" in err
    assert list(out.parent.iterdir()) == []
