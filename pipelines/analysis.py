"""``gongkai sql`` and ``gongkai export``: the analysts' commands (read-only on the warehouse)."""

import csv
import sys
from pathlib import Path

import duckdb
import polars as pl

from pipelines.resources import printable
from pipelines.warehouse import NotAWarehouse, WarehouseBusy, connect

# Exported per year (hive layout: NAME/year=2019/…parquet); the dimensions are exported whole.
BY_YEAR = ["facts", "reports", "v_proactive", "v_applications", "v_review_litigation",
           "v_applications_harmonised", "v_agency_year"]
WHOLE = ["agencies", "items", "columns", "cells", "expectation_results", "findings", "decisions"]


def run(args) -> int:
    """``sql`` reads the warehouse and nothing else (DuckDB's external access off: no file read or
    written, no extension loaded); ``export`` writes only under DIR."""
    try:
        con = connect(args.warehouse, read_only=True, external_access=args.command != "sql")
    except WarehouseBusy as e:
        print(f"gongkai: {e}; try again when the running ingest ends", file=sys.stderr)
        return 1
    except NotAWarehouse as e:
        print(f"gongkai: {e}", file=sys.stderr)
        return 2
    with con:
        if args.command == "sql":
            return query(con, args.query, as_csv=args.csv)
        export(con, args.directory)
        print(f"exported {len(BY_YEAR) + len(WHOLE)} tables and views to {args.directory}")
        return 0


def query(con: duckdb.DuckDBPyConnection, sql: str, *, as_csv: bool) -> int:
    try:
        cur = con.execute(sql)
    except duckdb.Error as e:
        print(f"gongkai: {printable(e)}", file=sys.stderr)
        return 2
    if cur.description is None:
        return 0
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if as_csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(names)
        w.writerows(rows)
        return 0
    shown = [[printable(v) if isinstance(v, str) else v for v in r] for r in rows]  # text from reports, for a terminal
    frame = pl.DataFrame(shown, schema=names, orient="row", strict=False) if rows else pl.DataFrame(schema=names)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200, tbl_hide_dataframe_shape=True):
        print(frame)
    print(f"({len(rows)} rows)")
    return 0


def export(con: duckdb.DuckDBPyConnection, directory: Path) -> None:
    """Every table and view as Parquet under ``directory`` (the path is passed to DuckDB as a
    value, never spliced into SQL)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in BY_YEAR:
        con.sql(f"select * from {name} where year is not null").write_parquet(
            str(directory / name), partition_by=["year"], overwrite=True)
    for name in WHOLE:
        con.sql(f"select * from {name}").write_parquet(str(directory / f"{name}.parquet"))
