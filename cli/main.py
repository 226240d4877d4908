"""The ``gongkai`` command: ``gongkai fetch``, ``gongkai ingest DIR [--warehouse PATH]``, review, decide, serve, sql,
export."""

import argparse
import dataclasses
import gc
import os
import sys
from datetime import date
from pathlib import Path

import duckdb

from cli import search
from cli.search import add_search_command
from reading.landing import DEFAULT_LANDING
from reading.pool import MAX_MEGABYTES, MEMORY_MEGABYTES, OCR_SECONDS, READ_SECONDS
from transforms import catalog
from transforms.terminal import printable
from warehouse import stewardship, store
from warehouse.stewardship import IDENTITY_IDS
from warehouse.store import DEFAULT_WAREHOUSE, LOCK_WAIT_SECONDS, NotAWarehouse, WarehouseBusy, connect

SHOWN_NAMES = 10  # unlinked agencies named in the summary; the rest are counted
FETCH_LANDING = Path(__file__).resolve().parents[1] / "data" / "landing"  # where gongkai fetch saves by default


def summary(warehouse_path: Path, lock_wait_seconds: float = LOCK_WAIT_SECONDS) -> str:
    """The run's summary, waiting up to ``lock_wait_seconds`` while another process holds the warehouse;
    read-only (it works on a full or read-only disk)."""
    with connect(warehouse_path, wait_seconds=lock_wait_seconds, read_only=True) as con:
        statuses = store.status_counts(con)
        facts = store.count(con, "facts")
        results = store.result_counts(con)
        open_findings = stewardship.finding_counts(con)["open"]
        rejected = store.rejected_files(con)
        gone = store.count(con, "reports", "not present")
        unlinked = store.unlinked_agencies(con)
    passed, failed, unassessed = stewardship.identity_counts(results)
    warnings = [(e, n[1]) for e, n in sorted(results.items()) if e not in IDENTITY_IDS and n[1]]
    lines = [
        f"warehouse {warehouse_path}",
        "files: " + (", ".join(f"{n} {s}" for s, n in statuses) or "none"),
        f"facts: {facts}",
        f"identities: {passed} passed, {failed} failed, {unassessed} not assessable",
        "other checks failing: " + (", ".join(f"{e} {n}" for e, n in warnings) or "none"),
        f"open findings: {open_findings} (gongkai serve, or gongkai review)",
    ]
    if gone:
        lines.append(f"files no longer in their landing folder (facts kept): {gone}")
    if unlinked:
        more = (f" and {len(unlinked) - SHOWN_NAMES} more (select agency from agencies where not linked)"
                if len(unlinked) > SHOWN_NAMES else "")
        lines.append(f"agencies known by their name alone, to link to a division: {len(unlinked)}: "
                     f"{'、'.join(unlinked[:SHOWN_NAMES])}{more}")
    lines += [printable(f"  rejected {path}: {reason}") for path, reason in rejected]
    return "\n".join(lines)


def add_review_commands(sub) -> None:
    r = sub.add_parser("review", help="list open findings, newest first")
    r.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, metavar="PATH")
    r.add_argument("--agency", help="only this agency (a part of its name is enough)")
    r.add_argument("--year", type=int)
    r.add_argument("--expectation", choices=sorted(catalog.EXPECTATIONS))
    r.add_argument("--state", choices=["open", "closed", "resolved", "all"], default="open")
    r.add_argument("--cells", action="store_true", help="show every cell involved, with where it was printed")
    d = sub.add_parser("decide", help="record a steward's decision on a finding")
    d.add_argument("finding", help="finding id, as `gongkai review` prints it")
    d.add_argument("--as", dest="decision", required=True, choices=stewardship.DECISIONS)
    d.add_argument("--by", required=True, help="who decides")
    d.add_argument("--note", default="", help="why")
    d.add_argument("--cell", help="for a correction: ITEM/COLUMN (or REPORT:ITEM/COLUMN) among the finding's cells")
    d.add_argument("--value", help="for a correction: the right value as printed, e.g. 12 or 10822 万元")
    d.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, metavar="PATH")
    d.add_argument("--decisions", type=Path, help="decisions CSV (default: decisions.csv beside the warehouse)")


def positive(text: str) -> float:
    """An argparse type: a number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} is not above zero")
    return value


def a_date(text: str) -> str:
    """An argparse type: a date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date YYYY-MM-DD") from None


def add_fetch_command(sub) -> None:
    f = sub.add_parser("fetch", help="bring new reports from government sites into the landing folder")
    which = f.add_mutually_exclusive_group(required=True)
    which.add_argument("--sources", type=Path, metavar="FILE", help="the sites to follow (see sources.example.yaml)")
    which.add_argument("--index", action="append", metavar="URL",
                       help="an index page to fetch from once, links titled 年度报告 with a year (repeatable)")
    f.add_argument("--landing", type=Path, default=Path(os.environ.get("GONGKAI_LANDING") or FETCH_LANDING),
                   metavar="DIR",
                   help="where files land: DIR/<source>/<date>/ (default: GONGKAI_LANDING or data/landing)")
    f.add_argument("--since", type=a_date, metavar="DATE", help="only reports listed on or after DATE (YYYY-MM-DD)")
    f.add_argument("--delay", type=positive, help="seconds between two requests to one host (default 2)")
    f.add_argument("--max-mb", type=positive, help="abandon a file larger than this (default 100)")


def fetch(args) -> int:
    """``gongkai fetch``: progress lines on stderr, the summary on stdout; 1 when no page could be fetched."""
    from fetching.run import fetch
    from fetching.sources import Politeness, load, source_of

    if args.sources:
        try:
            sources, politeness = load(args.sources)
        except (OSError, ValueError) as e:
            print(f"gongkai: {e}", file=sys.stderr)
            return 2
    else:
        sources, politeness = [source_of(url) for url in args.index], Politeness()
    changes = {"delay_seconds": args.delay, "max_megabytes": args.max_mb}
    politeness = dataclasses.replace(politeness, **{k: v for k, v in changes.items() if v is not None})
    done = fetch(sources, args.landing, politeness, since=args.since,
                 say=lambda line: print(printable(line), file=sys.stderr, flush=True))
    print(f"landing {args.landing}")
    print("\n".join(printable(line) for line in done.lines()))
    return 0 if done.pages else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gongkai", description="The warehouse of open-government annual reports.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="ingest every report file under DIR into the warehouse")
    p.add_argument("directory", type=Path, metavar="DIR")
    p.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, metavar="PATH",
                   help="DuckDB file (default: data/warehouse.duckdb)")
    p.add_argument("--quiet", action="store_true", help="no progress lines, only the summary")
    p.add_argument("--max-mb", type=positive, default=MAX_MEGABYTES,
                   help="reject files larger than this, and Word files that unpack to more"
                        f" (default {MAX_MEGABYTES:g})")
    p.add_argument("--read-seconds", type=positive, default=READ_SECONDS,
                   help=f"reject a file whose reading takes longer (default {READ_SECONDS:g})")
    p.add_argument("--ocr-seconds", type=positive, default=OCR_SECONDS,
                   help=f"reject a scanned PDF whose OCR takes longer (default {OCR_SECONDS:g})")
    p.add_argument("--memory-mb", type=positive, default=MEMORY_MEGABYTES,
                   help=f"reject a file whose reading needs more memory (default {MEMORY_MEGABYTES:g})")
    p.add_argument("--timings", type=Path, metavar="FILE", help="write the seconds each step took to FILE (JSON)")
    p.add_argument("--lock-wait", type=positive, default=LOCK_WAIT_SECONDS,
                   help=f"seconds to wait while another run holds the warehouse (default {LOCK_WAIT_SECONDS:g})")
    add_review_commands(sub)
    add_fetch_command(sub)
    w = sub.add_parser("serve", help="the stewards' workbench: findings beside their sources, decided in the browser")
    w.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, metavar="PATH")
    w.add_argument("--landing", type=Path, default=Path(os.environ.get("GONGKAI_LANDING") or DEFAULT_LANDING),
                   metavar="DIR",
                   help="the only folder whose report files are shown (default: GONGKAI_LANDING or data/samples)")
    w.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    w.add_argument("--port", type=int, default=8765)
    w.add_argument("--banner", default="", help="a line shown in every page's header (make demo: generated reports)")
    q = sub.add_parser("sql", help="run a SQL query on the warehouse and print the result")
    q.add_argument("query")
    q.add_argument("--csv", action="store_true", help="CSV on standard output instead of a table")
    q.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, metavar="PATH")
    e = sub.add_parser("export", help="write facts, dimensions and views to Parquet (hive layout by year), or to "
                                      "one Excel workbook")
    e.add_argument("directory", type=Path, metavar="DIR")
    e.add_argument("--format", choices=["parquet", "xlsx"], default="parquet",
                   help="xlsx: DIR/gongkai.xlsx, the data dictionary first, then one sheet per view")
    e.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, metavar="PATH")
    add_search_command(sub, DEFAULT_WAREHOUSE)
    args = parser.parse_args(argv)
    if args.command == "fetch":
        return fetch(args)
    if args.command != "ingest" and not args.warehouse.exists():
        print(f"gongkai: no warehouse at {args.warehouse}; run `gongkai ingest` first", file=sys.stderr)
        return 2
    if args.warehouse.is_dir():
        print(f"gongkai: --warehouse {args.warehouse} is a folder; name a DuckDB file", file=sys.stderr)
        return 2
    if args.command == "sql" and not args.query.strip():
        parser.error("sql: the query is empty")
    if args.command == "serve":
        from web import app

        return app.run(args)
    if args.command == "search":
        return search.run(args)
    if args.command in ("sql", "export"):
        from cli import analysis

        return analysis.run(args)
    if args.command != "ingest":
        from cli import review

        return review.run(args)

    if not args.directory.is_dir():
        print(f"gongkai: {args.directory} is not a directory", file=sys.stderr)
        return 2
    if args.warehouse.exists():
        try:  # a file that is not a warehouse is a bad command line, not a failed run
            connect(args.warehouse, read_only=True).close()
        except NotAWarehouse as e:
            print(f"gongkai: {e}", file=sys.stderr)
            return 2
        except WarehouseBusy:
            pass  # the run waits for it
    from pipelines.run import ingest

    ok = ingest(args.directory, args.warehouse, echo=not args.quiet, timings=args.timings, max_megabytes=args.max_mb,
                read_seconds=args.read_seconds, ocr_seconds=args.ocr_seconds, memory_megabytes=args.memory_mb,
                lock_wait_seconds=args.lock_wait)
    try:
        print(summary(args.warehouse, args.lock_wait))
    except WarehouseBusy as e:
        print(f"gongkai: {e}", file=sys.stderr)
        return 1
    except (NotAWarehouse, duckdb.Error) as e:
        print(f"gongkai: the summary could not be read: {e}", file=sys.stderr)
        return 0 if ok else 1
    if not ok:
        print("gongkai: the ingest run failed; see the messages above", file=sys.stderr)
        return 1
    return 0


COLLECT_EVERY = 50_000  # new container objects between two passes of the cyclic collector (Python's default: 700)


def command() -> int:
    """The ``gongkai`` command: ``main`` in a process that ends with it. Nearly all that such a
    process allocates lives until it ends (the modules and classes of Dagster, DuckDB, polars…), and
    the cyclic collector at its default pace walks them again and again: here it passes rarely (as
    mypy's command does), and they are frozen before exit so that its last pass skips them. About
    1 s of CPU of a short ingest; set here, not in ``main``, which tests call in their own process."""
    gc.set_threshold(COLLECT_EVERY, *gc.get_threshold()[1:])
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(command())
