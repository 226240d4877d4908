"""The ``gongkai`` command: ``gongkai ingest DIR [--warehouse PATH]``."""

import argparse
import sys
from pathlib import Path

from pipelines.resources import DEFAULT_WAREHOUSE
from pipelines.warehouse import WarehouseBusy

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def ingest(directory: Path, warehouse_path: Path, echo: bool = True, **limits: float) -> bool:
    """Run the ingest job in-process on ``directory``; True when the run succeeded.
    ``limits``: max_megabytes, read_seconds, lock_wait_seconds (see build_definitions)."""
    from pipelines.definitions import build_definitions

    defs = build_definitions(landing=directory, warehouse=warehouse_path, echo=echo, **limits)
    result = defs.resolve_job_def("ingest").execute_in_process(run_config=QUIET_LOGS, raise_on_error=False)
    if not result.success:
        for event in result.all_events:
            if event.is_failure and event.event_specific_data is not None:
                error = getattr(event.event_specific_data, "error", None)
                if error is not None:
                    print(f"gongkai: {error.message.strip()}", file=sys.stderr)
    return result.success


def summary(warehouse_path: Path) -> str:
    from pipelines.warehouse import connect

    with connect(warehouse_path, wait_seconds=60) as con:
        statuses = con.execute(
            "select status, count(*) from reports group by status order by status"
        ).fetchall()
        facts = con.execute("select count(*) from facts").fetchall()[0][0]
        passed, failed, unassessed = con.execute(
            "select count(*) filter (success), count(*) filter (not success), count(*) filter (success is null) "
            "from expectation_results"
        ).fetchall()[0]
        rejected = con.execute(
            "select source_path, status_reason from reports where status = 'rejected' and present order by source_path"
        ).fetchall()
        gone = con.execute("select count(*) from reports where not present").fetchall()[0][0]
    lines = [
        f"warehouse {warehouse_path}",
        "files: " + (", ".join(f"{n} {s}" for s, n in statuses) or "none"),
        f"facts: {facts}",
        f"identities: {passed} passed, {failed} failed, {unassessed} not assessable",
    ]
    if gone:
        lines.append(f"files no longer in their landing folder (facts kept): {gone}")
    lines += [f"  rejected {path}: {reason}" for path, reason in rejected]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gongkai", description="The warehouse of open-government annual reports.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="ingest every report file under DIR into the warehouse")
    p.add_argument("directory", type=Path, metavar="DIR")
    p.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, metavar="PATH",
                   help="DuckDB file (default: data/warehouse.duckdb)")
    p.add_argument("--quiet", action="store_true", help="no progress lines, only the summary")
    p.add_argument("--max-mb", type=float, default=100.0, help="reject files larger than this (default 100)")
    p.add_argument("--read-seconds", type=float, default=120.0, help="reject a file whose reading takes longer (default 120)")
    p.add_argument("--lock-wait", type=float, default=600.0,
                   help="seconds to wait while another run holds the warehouse (default 600)")
    args = parser.parse_args(argv)

    if not args.directory.is_dir():
        print(f"gongkai: {args.directory} is not a directory", file=sys.stderr)
        return 2
    ok = ingest(args.directory, args.warehouse, echo=not args.quiet, max_megabytes=args.max_mb,
                read_seconds=args.read_seconds, lock_wait_seconds=args.lock_wait)
    try:
        print(summary(args.warehouse))
    except WarehouseBusy as e:
        print(f"gongkai: {e}", file=sys.stderr)
        return 1
    if not ok:
        print("gongkai: the ingest run failed; see the messages above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
