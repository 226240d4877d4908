"""One declaration of each table: the DuckDB tables and the polars frames both follow it."""

import pytest
from conftest import SAMPLES

from transforms.facts import fact_columns, report_row
from transforms.model import Status
from transforms.reports import read_report
from warehouse import schema
from warehouse.store import connect


def test_the_warehouse_tables_are_the_declared_ones(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        found = con.execute(
            "select table_name, column_name, upper(data_type) from information_schema.columns "
            "where table_schema = 'main' and table_name in (select table_name from duckdb_tables()) "
            "order by table_name, ordinal_position"
        ).fetchall()
    declared = sorted(
        ((t.name, c.name, schema.sql_type(c.dtype).upper()) for t in schema.TABLES for c in t.columns),
        key=lambda r: r[0],
    )
    assert found == declared
    assert ("expectation_results", "cells",
            "STRUCT(REPORT_ID VARCHAR, TABLE_CODE VARCHAR, ITEM_CODE VARCHAR, COLUMN_CODE VARCHAR)[]") in found


def test_a_reports_facts_fill_the_declared_columns():
    path = sorted(SAMPLES.glob("*.txt"))[0]
    report = read_report(path.name, path.read_bytes())
    facts = schema.FACTS.frame(fact_columns("r1", report))
    assert facts.schema == schema.FACTS.schema and facts.height == len(report.cells)
    rows = schema.REPORTS.frame([report_row("r1", str(path), report),
                                 report_row("", "gone.pdf", None, status=Status.REJECTED)])
    assert rows.schema == schema.REPORTS.schema
    assert rows["status"].to_list() == [report.status, "rejected"]
    assert rows["agency"].to_list() == [report.agency, None]  # a column the row does not name is NULL


def test_a_column_the_table_does_not_declare_is_refused():
    with pytest.raises(ValueError, match="table reports has no column colour"):
        schema.REPORTS.frame([{"report_id": "r1", "colour": "red"}])
    assert "present" not in schema.REPORTS.schema  # filled by the warehouse, not loaded from a frame
    assert "present boolean default true" in schema.REPORTS.ddl()


def test_a_warehouse_made_before_the_added_columns_gets_them(tmp_path):
    import duckdb

    path = tmp_path / "w.duckdb"
    connect(path).close()
    with duckdb.connect(str(path)) as con:  # as an older warehouse was: without the columns added since
        for _, name in schema.ADDED:
            con.execute(f"alter table reports drop column {name}")
        con.execute("insert into reports (report_id, source_path, status) values ('r1', '/a.pdf', 'parsed')")
    with connect(path) as con:
        found = con.execute("select source_url, fetched_at, transient from reports").fetchall()
        names = [r[0] for r in con.execute("select column_name from information_schema.columns "
                                           "where table_name = 'reports'").fetchall()]
    assert found == [(None, None, None)]  # the old row kept, the new columns NULL
    assert names[-3:] == ["transient", "source_url", "fetched_at"]
