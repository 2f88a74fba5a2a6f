"""The ``marcarrow`` command (also ``python -m marcarrow``).

    marcarrow                          summarise the bundled sample
    marcarrow stats IN... [--json]     records, encodings, types, tags, subfields, problems
    marcarrow convert IN... -o OUT     MARC to Parquet (``-`` reads standard input)
    marcarrow select IN --columns 'id=001,title=245$a' [--where ...] -o OUT.csv|.tsv|.parquet
                                       a flat table of chosen values
    marcarrow dump IN [--limit N]      records in pymarc's text format
    marcarrow validate IN... [-o OUT]  findings against MARC 21 (``_cli_validate``)

``marcarrow FILE...`` (no command) is ``marcarrow stats FILE...``.

Exit status: 0 success (problems passed over under ``--errors lenient`` or
``skip`` are printed, not failures); 1 a malformed record stopped the work
(``--errors strict``) or the input is not MARC; 2 usage error; 3 a file
could not be read or written (missing, a directory, no permission, disk
full); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import marcarrow
from marcarrow import _cli_validate, _marcarrow, _quarantine
from marcarrow._cli_text import FORMATS as _FORMATS
from marcarrow._cli_text import not_marc as _not_marc
from marcarrow._cli_text import problem_lines as _problem_lines
from marcarrow._cli_text import stats_table as _stats_table

EXIT_OK, EXIT_MARC, EXIT_USAGE, EXIT_IO, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
COMMANDS = ("stats", "convert", "filter", "select", "dump", "validate")


class _Fail(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# Set once a command reads standard input (see `run`).
_read_stdin = False


def _read_source(name: str) -> Any:
    """A command-line input: ``-`` is standard input, anything else a path
    (opened, and any error reported, by the one input layer)."""
    global _read_stdin
    if name == "-":
        _read_stdin = True
        return sys.stdin.buffer
    return name


def _marc_failure(name: str, e: marcarrow.MarcError) -> _Fail:
    hint = ""
    if e.kind != "UnsupportedFormat" and e.record_index == 0 and e.byte_offset == 0:
        hint = " (is this a MARC 21 / ISO 2709 file?)"
    return _Fail(EXIT_MARC, f"{name}: {e}{hint}")


def cmd_stats(args: argparse.Namespace) -> int:
    files = args.files or [str(marcarrow.SAMPLE)]
    status = EXIT_OK
    reports, kept = [], []
    for f in files:
        try:
            s = marcarrow.summarize(
                _read_source(f),
                errors=args.errors,
                encoding=args.encoding,
                format=args.format,
                quarantine=bool(args.quarantine),
            )
        except marcarrow.MarcError as e:
            raise _marc_failure(f, e) from e
        kept.append(s.pop("quarantine"))
        err = s.pop("error")
        not_marc = _not_marc({**s, "error": err})
        if err is not None or not_marc:
            status = EXIT_MARC
        if args.json:
            s["problems"] = [p.as_dict() for p in s["problems"]]
            s["error"] = None if err is None else str(err)
            s["not_marc"] = not_marc
            reports.append({"file": f, **s})
        else:
            name = f if args.files else f"{f} (bundled sample)"
            print(_stats_table(name, s, args.top))
            if err is not None:
                print(f"  stopped by: {err}")
            if not_marc:
                print(
                    f"marcarrow: {f}: not MARC 21: no record in {s['bytes']:,} bytes "
                    f"read as {_FORMATS.get(s['format'], s['format'])}",
                    file=sys.stderr,
                )
    if args.json:
        print(json.dumps(reports if len(reports) > 1 else reports[0], indent=2, default=list))
    if args.quarantine:
        _quarantine.write(args.quarantine, kept)
    return status


_MARC_FORMATS = ["marc", "marcxml", "json", "ndjson", "mrk"]


def _is_parquet(name: str) -> bool:
    if name == "-" or not os.path.isfile(name):
        return False
    with open(name, "rb") as f:
        return f.read(4) == b"PAR1"


_MARC_EXTENSIONS = re.compile(
    r"\.(mrc|marc|iso|iso2709|dat|xml|marcxml|json|jsonl|ndjson|mrk|txt)(\.(gz|zst|zstd|bz2))?$"
)


def _wants_parquet(args: argparse.Namespace) -> bool:
    """MARC when --to or the output's extension names a MARC format;
    Parquet otherwise, as `convert` always wrote (``-o /dev/stdout``)."""
    if args.to is not None:
        return bool(args.to == "parquet")
    return not _MARC_EXTENSIONS.search(str(args.output).lower())


def _summary_line(s: dict[str, Any], output: str, read: int | None = None) -> str:
    rate = s["bytes_in"] / s["seconds"] / 1e6 if s.get("seconds") else 0.0
    what = f"{s['records']:,} records" if read is None else f"{s['records']:,} of {read:,} records"
    return (
        f"{what}, {s['bytes_in']:,} bytes -> {output} "
        f"({s['bytes_out']:,} bytes) in {s['seconds']:.2f} s ({rate:.0f} MB/s)"
    )


def _parquet_to_marc(args: argparse.Namespace) -> int:
    """A nested (or long) Parquet file written by marcarrow, back to MARC."""
    import time

    import pyarrow.parquet as pq

    if len(args.files) > 1 or args.where or args.tags:
        raise _Fail(EXIT_USAGE, "from Parquet: one input file, without --where or --tags")
    started = time.perf_counter()
    reader = pq.ParquetFile(args.files[0]).iter_batches(batch_size=4096)
    import pyarrow as pa

    schema = pq.read_schema(args.files[0])
    stream = pa.RecordBatchReader.from_batches(schema, reader)
    dest = sys.stdout.buffer if args.output == "-" else args.output
    try:
        s = marcarrow.write_marc(
            stream, dest, format=args.to, encoding=args.to_encoding, oversize=args.oversize
        )
    except marcarrow.WriteError as e:
        raise _Fail(EXIT_MARC, f"{args.files[0]}: {e}") from e
    except (ValueError, TypeError) as e:
        raise _Fail(EXIT_USAGE, str(e)) from e
    if not args.quiet:
        seconds = time.perf_counter() - started
        size = os.path.getsize(args.files[0])
        print(
            f"{s['records']:,} records, {size:,} bytes of Parquet -> {args.output} "
            f"({s['bytes']:,} bytes) in {seconds:.2f} s",
            file=sys.stderr,
        )
        if s["errors"]:
            print("\n".join(_problem_lines(s["errors"], "  ")), file=sys.stderr)
    return EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    if any(_is_parquet(f) for f in args.files):
        if _wants_parquet(args):
            raise _Fail(EXIT_USAGE, "Parquet to Parquet: nothing to convert")
        return _parquet_to_marc(args)
    sources = [_read_source(f) for f in args.files]
    source = sources if len(sources) > 1 else sources[0]
    progress = not args.quiet and sys.stderr.isatty()
    common: dict[str, Any] = {
        "threads": args.threads,
        "errors": args.errors,
        "encoding": args.encoding,
        "encoding_errors": args.encoding_errors,
        "format": args.format,
        "tags": args.tags.split(",") if args.tags else None,
        "where": args.where,
        "progress": progress,
        "quarantine": args.quarantine,
    }
    try:
        if _wants_parquet(args):
            s = marcarrow.to_parquet(
                source,
                "/dev/stdout" if args.output == "-" else args.output,
                layout=args.layout,
                compression=args.compression,
                compression_level=args.compression_level,
                provenance=args.provenance,
                **common,
            )
            read = None
        else:
            if args.layout != "nested" or args.provenance:
                raise _Fail(EXIT_USAGE, "--layout and --provenance apply to Parquet output")
            dest = sys.stdout.buffer if args.output == "-" else args.output
            s = marcarrow.convert(
                source,
                dest,
                to=args.to,
                to_encoding=args.to_encoding,
                oversize=args.oversize,
                **common,
            )
            read = s["records_read"] if args.where else None
    except marcarrow.MarcError as e:
        raise _marc_failure(", ".join(args.files), e) from e
    except marcarrow.WriteError as e:
        raise _Fail(EXIT_MARC, f"{', '.join(args.files)}: {e}") from e
    except (ValueError, TypeError) as e:  # a malformed --tags or --where, no format
        raise _Fail(EXIT_USAGE, str(e)) from e
    if not args.quiet:
        print(_summary_line(s, args.output, read), file=sys.stderr)
        if args.quarantine:
            q = s["quarantine"]
            print(
                f"{q.num_rows:,} records skipped as malformed "
                f"({sum(len(b) for b in q['bytes'].to_pylist()):,} bytes) -> {args.quarantine}",
                file=sys.stderr,
            )
        if s["errors"]:
            print("\n".join(_problem_lines(s["errors"], "  ")), file=sys.stderr)
    return EXIT_OK


def _columns_arg(text: str) -> dict[str, str]:
    """``id=001,title=245$a`` (a bare path names its own column)."""
    out: dict[str, str] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, eq, path = item.partition("=")
        name, path = (name.strip(), path.strip()) if eq else (item, item)
        if name in out:
            raise _Fail(EXIT_USAGE, f"--columns: column name {name!r} is used twice")
        out[name] = path
    if not out:
        raise _Fail(EXIT_USAGE, "--columns: name at least one column (id=001,title=245$a)")
    return out


def _cell(v: Any, sep: str) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return sep.join(v)
    return str(v)


def cmd_select(args: argparse.Namespace) -> int:
    import csv

    import pyarrow as pa

    src = _read_source(args.file)
    columns = _columns_arg(args.columns)
    out = args.output
    kind = "csv" if out == "-" else os.path.splitext(out)[1].lower().lstrip(".")
    if kind not in ("csv", "tsv", "parquet"):
        raise _Fail(EXIT_USAGE, f"{out}: the output must end in .csv, .tsv or .parquet (or be -)")
    opts: dict[str, Any] = {
        "columns": columns,
        "where": args.where,
        "errors": args.errors,
        "encoding": args.encoding,
        "format": args.format,
        "provenance": args.provenance,
        "threads": args.threads,
    }
    try:
        if kind == "parquet":
            s = marcarrow.to_parquet(src, out, **opts)
            records, problems = s["records"], s["errors"]
        else:
            reader = marcarrow.read_batches(src, **opts)
            # A file is written under a temporary name and renamed at the
            # end; a device or pipe (/dev/stdout) in place, not replaced.
            real = os.path.realpath(out)
            device = os.path.exists(real) and not os.path.isfile(real)
            tmp = None if out == "-" or device else f"{real}.{os.getpid()}.tmp"
            if out == "-":
                f = sys.stdout
            else:
                f = open(tmp or real, "w", newline="", encoding="utf-8")  # noqa: SIM115
            try:
                w = csv.writer(f, delimiter="\t" if kind == "tsv" else ",", lineterminator="\n")
                w.writerow(pa.schema(reader).names)
                records = 0
                for batch in reader:
                    b = pa.record_batch(batch)
                    cols = [c.to_pylist() for c in b.columns]
                    for row in zip(*cols, strict=True):
                        w.writerow([_cell(v, args.list_separator) for v in row])
                    records += b.num_rows
            except BaseException:
                if tmp is not None:
                    f.close()
                    os.unlink(tmp)
                raise
            if out != "-":
                f.close()
            if tmp is not None:
                os.replace(tmp, real)
            problems = reader.errors
    except marcarrow.MarcError as e:
        raise _marc_failure(args.file, e) from e
    except (ValueError, TypeError) as e:
        raise _Fail(EXIT_USAGE, str(e)) from e
    if not args.quiet:
        print(f"{records:,} records -> {out}", file=sys.stderr)
        if problems:
            print("\n".join(_problem_lines(problems, "  ")), file=sys.stderr)
    return EXIT_OK


def cmd_dump(args: argparse.Namespace) -> int:
    """Streams records through the pipeline and prints each as pymarc's
    ``str(record)`` does (the one text formatter: ``Field.__str__``)."""
    from marcarrow.pymarc.record import Record

    # Small batches: the first record is printed as soon as it is read,
    # also from a slow pipe, and --limit stops the reading early.
    batch = max(1, min(args.limit, 256)) if args.limit else 256
    blocks = _marcarrow._record_blocks(
        _read_source(args.file),
        pymarc=False,
        errors=args.errors,
        encoding=args.encoding,
        encoding_errors="replace",
        format=args.format,
        batch_size=batch,
    )
    printed = 0
    skipped = 0  # bytes of the input that were not records
    out = sys.stdout
    try:
        for block, problems in blocks:
            for p in problems:
                print(f"marcarrow: {p.message}", file=sys.stderr)
                if p.action == marcarrow.Action.SKIPPED:
                    skipped += p.byte_length or 0
            for row in range(0 if block is None else len(block)):
                if args.limit is not None and printed >= args.limit:
                    out.flush()
                    return EXIT_OK
                out.write(str(Record._view(block, row, False, True)))
                out.write("\n")
                printed += 1
            out.flush()
    except marcarrow.MarcError as e:
        raise _marc_failure(args.file, e) from e
    finally:
        blocks.close()
    if printed == 0 and skipped > 0:
        # As stats: an input in which nothing is a record is not MARC.
        print(
            f"marcarrow: {args.file}: not MARC 21: no record in {skipped:,} bytes",
            file=sys.stderr,
        )
        return EXIT_MARC
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="marcarrow",
        description="Read MARC 21 records fast (ISO 2709, MARCXML, MARC-in-JSON, MARCMaker): "
        "statistics, conversion between formats, filtering, Parquet, text dumps.",
        epilog="Exit status: 0 ok, 1 malformed record (strict) or not MARC, 2 usage, "
        "3 file error, 130 interrupted.",
    )
    ap.add_argument("--version", action="version", version=marcarrow.__version__)
    sub = ap.add_subparsers(dest="command")

    def policy(p: argparse.ArgumentParser, default: str) -> None:
        p.add_argument(
            "--errors",
            choices=["strict", "lenient", "skip"],
            default=default,
            help=f"what to do with malformed records (default: {default})",
        )
        p.add_argument(
            "--encoding",
            choices=["auto", "utf-8", "marc-8", "latin-1", "cp1251"],
            default="auto",
            help="record encoding (default: auto, from leader/09)",
        )
        p.add_argument(
            "--format",
            choices=["iso2709", "marcxml", "json", "mrk"],
            default=None,
            help="record format (default: recognised by content)",
        )

    st = sub.add_parser("stats", help="count what files hold")
    st.add_argument("files", nargs="*", help="MARC files (default: the bundled sample)")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.add_argument("--top", type=int, default=10, help="how many tags and subfields to list")
    st.add_argument("--quarantine", help="write the records skipped as malformed to this file")
    policy(st, "lenient")

    def conversion(p: argparse.ArgumentParser, where_required: bool) -> None:
        p.add_argument(
            "files",
            nargs="+",
            help="MARC files in any format, or - for standard input "
            "(convert also takes a Parquet file written by marcarrow)",
        )
        p.add_argument(
            "-o",
            "--output",
            required=True,
            help="OUT.mrc, .xml, .json, .jsonl, .mrk (with .gz, .zst or .bz2 to compress), "
            ".parquet, or - (standard output, with --to)",
        )
        p.add_argument(
            "--to",
            choices=[*_MARC_FORMATS, "parquet"],
            default=None,
            help="output format (default: from the output's extension)",
        )
        p.add_argument(
            "--to-encoding",
            choices=["utf-8", "marc-8"],
            default="utf-8",
            help="ISO 2709 output's encoding (default: utf-8)",
        )
        p.add_argument(
            "--oversize",
            choices=["error", "skip"],
            default="error",
            help="records over ISO 2709's 99,999 bytes: stop, or leave out and report",
        )
        p.add_argument("--layout", choices=["nested", "long"], default="nested")
        p.add_argument("--compression", choices=["zstd", "snappy", "none"], default="zstd")
        p.add_argument("--compression-level", type=int, default=None)
        p.add_argument("--threads", type=int, default=None)
        p.add_argument("--quarantine", help="write the records skipped as malformed to this file")
        p.add_argument("--encoding-errors", choices=["strict", "replace"], default="strict")
        p.add_argument(
            "--tags",
            default=None,
            help="keep only these tags, comma-separated (X: any), e.g. 001,245,6XX",
        )
        p.add_argument(
            "--where",
            required=where_required,
            default=None,
            help="keep only records that match, e.g. \"008/35-37 == 'ger'\" (docs/columns.md)",
        )
        p.add_argument(
            "--provenance",
            action="store_true",
            help="Parquet: add record_index, byte_offset and control_number (001) columns",
        )
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
        policy(p, "strict")

    conversion(sub.add_parser("convert", help="any MARC format to another, or to Parquet"), False)
    conversion(
        sub.add_parser(
            "filter",
            help="write the records that match --where, in any format",
            description="Reads MARC in any format and writes the records that match --where "
            "(and, with --tags, only those fields) in the format the output's extension names.",
        ),
        True,
    )

    se = sub.add_parser(
        "select",
        help="a flat table of chosen values: CSV, TSV or Parquet",
        description="One row per record, one column per path. Quote paths from the shell: "
        "--columns 'id=001,title=245$a[0],subjects=650$a'. In CSV/TSV a list "
        "column's values are joined with --list-separator.",
    )
    se.add_argument("file", help="a MARC file, or - for standard input")
    se.add_argument(
        "--columns",
        required=True,
        help="name=path,... (paths: 001, 245$a, 245$a[0], 650{_0}$a, 008/35-37, LDR/06)",
    )
    se.add_argument(
        "--where", default=None, help="keep only records that match, e.g. \"650$a ~ 'Homeopathy'\""
    )
    se.add_argument(
        "-o", "--output", required=True, help="OUT.csv, OUT.tsv, OUT.parquet, or - (CSV to stdout)"
    )
    se.add_argument(
        "--list-separator", default="|", help="joins list values in CSV/TSV (default |)"
    )
    se.add_argument(
        "--provenance",
        action="store_true",
        help="add record_index, byte_offset and control_number (001) columns",
    )
    se.add_argument("--threads", type=int, default=None)
    se.add_argument("-q", "--quiet", action="store_true", help="no summary on standard error")
    policy(se, "strict")

    dp = sub.add_parser("dump", help="print records in pymarc's text format")
    dp.add_argument("file", help="a MARC file, or - for standard input")
    dp.add_argument("--limit", type=int, default=None, help="at most N records")
    policy(dp, "lenient")
    _cli_validate.add_parser(sub, policy)
    return ap


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        return _cli_validate.cmd_validate(args, _read_source, marcarrow.SAMPLE)
    except marcarrow.MarcError as e:
        raise _marc_failure(", ".join(args.files) or "sample", e) from e
    except ValueError as e:  # a bad schema or output name
        raise _Fail(EXIT_USAGE, str(e)) from e


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m marcarrow`` and the ``marcarrow`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        argv = ["stats", *argv]
    args = _parser().parse_args(argv)
    if args.command is None:
        args = _parser().parse_args(["stats", *argv])
    handler = {
        "stats": cmd_stats,
        "convert": cmd_convert,
        "filter": cmd_convert,
        "select": cmd_select,
        "dump": cmd_dump,
        "validate": cmd_validate,
    }[args.command]
    try:
        return handler(args)
    except _Fail as e:
        print(f"marcarrow: {e}", file=sys.stderr)
        return e.status
    except ModuleNotFoundError as e:  # pyarrow is not a dependency of the package
        if (e.name or "").partition(".")[0] not in ("pyarrow", "polars"):
            raise
        print(f"marcarrow {args.command}: needs {e.name} (pip install {e.name})", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("marcarrow: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `marcarrow dump big.mrc | head`: not an error. Point stdout at
        # nothing so that Python's exit flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as e:
        # Missing, a directory, no permission, disk full: the path is in it.
        where = f"{e.filename}: " if e.filename else ""
        print(f"marcarrow: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_IO


def run() -> NoReturn:
    """The ``marcarrow`` command: `main`, then exit with its status.

    After reading standard input it exits without the interpreter's
    shutdown: the pipeline's reader thread may still be inside a read of
    standard input (``dump --limit``, or a reader that went away), and a
    thread that comes back into a finalizing Python 3.11 is ended with
    ``pthread_exit``, which aborts a Rust thread (SIGABRT)."""
    code = main()
    if _read_stdin:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
