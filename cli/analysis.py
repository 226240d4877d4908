"""``gongkai sql`` and ``gongkai export``: the analysts' commands (read-only on the warehouse)."""

import csv
import sys

import duckdb
import polars as pl

from cli.errors import STORE_ERRORS, store_error
from transforms.terminal import printable
from warehouse import store
from warehouse.store import connect


def run(args) -> int:
    """``sql`` reads the warehouse and nothing else (DuckDB's external access off: no file read or
    written, no extension loaded); ``export`` writes only under DIR."""
    try:
        con = connect(args.warehouse, read_only=True, external_access=args.command != "sql")
    except STORE_ERRORS as e:
        return store_error(e)
    with con:
        if args.command == "sql":
            return query(con, args.query, as_csv=args.csv)
        store.export(con, args.directory)
        print(f"exported {len(store.BY_YEAR) + len(store.WHOLE)} tables and views to {args.directory}")
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
