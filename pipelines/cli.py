"""The ``gongkai`` command: ``gongkai ingest DIR [--warehouse PATH]``."""

import argparse
import sys
from pathlib import Path

from pipelines.resources import DEFAULT_WAREHOUSE

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def ingest(directory: Path, warehouse_path: Path, echo: bool = True) -> bool:
    """Run the ingest job in-process on ``directory``; True when the run succeeded."""
    from pipelines.definitions import build_definitions

    defs = build_definitions(landing=directory, warehouse=warehouse_path, echo=echo)
    result = defs.resolve_job_def("ingest").execute_in_process(run_config=QUIET_LOGS, raise_on_error=False)
    return result.success


def summary(warehouse_path: Path) -> str:
    from pipelines.warehouse import connect

    with connect(warehouse_path) as con:
        statuses = con.execute(
            "select status, count(*) from reports group by status order by status"
        ).fetchall()
        facts = con.execute("select count(*) from facts").fetchall()[0][0]
        passed, failed, unassessed = con.execute(
            "select count(*) filter (success), count(*) filter (not success), count(*) filter (success is null) "
            "from expectation_results"
        ).fetchall()[0]
        rejected = con.execute(
            "select source_path, status_reason from reports where status = 'rejected' order by source_path"
        ).fetchall()
    lines = [
        f"warehouse {warehouse_path}",
        "files: " + (", ".join(f"{n} {s}" for s, n in statuses) or "none"),
        f"facts: {facts}",
        f"identities: {passed} passed, {failed} failed, {unassessed} not assessable",
    ]
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
    args = parser.parse_args(argv)

    if not args.directory.is_dir():
        print(f"gongkai: {args.directory} is not a directory", file=sys.stderr)
        return 2
    ok = ingest(args.directory, args.warehouse, echo=not args.quiet)
    print(summary(args.warehouse))
    if not ok:
        print("gongkai: the ingest run failed; see the messages above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
