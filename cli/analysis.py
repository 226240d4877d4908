"""``gongkai sql`` and ``gongkai export``: the analysts' commands (read-only on the warehouse)."""

import csv
import sys

import duckdb
import polars as pl

from warehouse import store


def run(args) -> int:
    try:
        con = duckdb.connect(str(args.warehouse), read_only=True)
    except duckdb.IOException as e:
        print(f"gongkai: the warehouse is in use by a running ingest ({e}); try again when it ends", file=sys.stderr)
        return 1
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
        print(f"gongkai: {e}", file=sys.stderr)
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
    frame = pl.DataFrame([list(r) for r in rows], schema=names, orient="row", strict=False) if rows else pl.DataFrame(schema=names)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200, tbl_hide_dataframe_shape=True):
        print(frame)
    print(f"({len(rows)} rows)")
    return 0

