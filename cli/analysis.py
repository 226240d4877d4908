"""``gongkai sql`` and ``gongkai export``: the analysts' commands (read-only on the warehouse)."""

import csv
import re
import sys
from pathlib import Path

import duckdb
import polars as pl

from cli.errors import STORE_ERRORS, store_error
from transforms import catalog
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
        if args.format == "xlsx":
            path, sheets = export_xlsx(con, args.directory)
            print(f"exported the data dictionary and {sheets} views to {path}")
            return 0
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


DICTIONARY = Path(__file__).resolve().parents[1] / "docs" / "warehouse.md"
EXCEL_ROWS = 1_048_575  # a sheet's rows below its header


def dictionary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every column of every table and view with its type, and its meaning as docs/warehouse.md
    gives it (blank where the page is not beside the code)."""
    meaning: dict[tuple[str, str], str] = {}
    section = None
    text = DICTIONARY.read_text(encoding="utf-8") if DICTIONARY.exists() else ""
    for line in text.splitlines():
        if m := re.match(r"^## (\w+)", line):
            section = m.group(1)
        elif section and line.startswith("| ") and not line.startswith("| column | meaning"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            for name in cells[0].split(","):
                meaning[(section, name.strip())] = cells[1] if len(cells) > 1 else ""
    rows = con.execute("select table_name, column_name, data_type from information_schema.columns "
                       "where table_schema = 'main' order by table_name, ordinal_position").fetchall()
    return pl.DataFrame([(t, c, d, meaning.get((t, c), "")) for t, c, d in rows],
                        schema=["table", "column", "type", "meaning"], orient="row")


def export_xlsx(con: duckdb.DuckDBPyConnection, directory: Path) -> tuple[Path, int]:
    """``DIR/gongkai.xlsx``: the data dictionary, the measures, then one sheet per view (lists as
    text; a view longer than a sheet is cut there and the dictionary says so: use Parquet)."""
    import xlsxwriter

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "gongkai.xlsx"
    views = [v for (v,) in con.execute("select view_name from duckdb_views() where not internal "
                                       "and schema_name = 'main' order by view_name").fetchall()]
    measures = pl.DataFrame([{"measure": m.code, "label_zh": m.label_zh, "label_en": m.label_en, "unit": m.unit,
                              "numerator": m.numerator, "denominator": m.denominator,
                              "min_denominator": m.min_denominator, "definition": m.note}
                             for m in catalog.measures()])
    cut = []
    with xlsxwriter.Workbook(path) as book:
        sheets = {}
        for view in views:
            frame = con.sql(f"select * from {view} limit {EXCEL_ROWS + 1}").pl()
            if frame.height > EXCEL_ROWS:
                cut.append(view)
                frame = frame.head(EXCEL_ROWS)
            lists = [n for n, t in frame.schema.items() if isinstance(t, pl.List)]
            sheets[view] = frame.with_columns(
                [pl.col(n).list.eval(pl.element().cast(pl.String)).list.join(", ") for n in lists])
        notes = dictionary(con)
        if cut:
            said = f"cut at {EXCEL_ROWS} rows (an Excel sheet's limit): export Parquet for all"
            notes = pl.concat([notes, pl.DataFrame([(v, "", "", said) for v in cut], schema=notes.columns,
                                                   orient="row")])
        notes.write_excel(book, worksheet="dictionary", autofit=True)
        measures.write_excel(book, worksheet="measures", autofit=True)
        for view, frame in sheets.items():
            frame.write_excel(book, worksheet=view)
    return path, len(views)
