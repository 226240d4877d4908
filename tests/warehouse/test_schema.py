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
            # a struct's field named like a keyword ("VALUE") comes back quoted
            "select table_name, column_name, replace(upper(data_type), '\"', '') from information_schema.columns "
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
        for table, name in schema.ADDED:
            con.execute(f"alter table {table.name} drop column {name}")
        con.execute("insert into reports (report_id, source_path, status) values ('r1', '/a.pdf', 'parsed')")
        con.execute("insert into expectation_results (report_id, expectation, scope, observed, expected, success) "
                    "values ('r1', 'applications_balance', 'total', 4, 0, false)")
    with connect(path) as con:
        found = con.execute("select source_url, fetched_at, transient from reports").fetchall()
        # results judged before their terms were kept are judged again by the next run
        assert con.execute("select count(*) from expectation_results").fetchall() == [(0,)]
        assert con.execute("select work from pending").fetchall() == [("cross_year",)]
        names = [r[0] for r in con.execute("select column_name from information_schema.columns "
                                           "where table_name = 'reports'").fetchall()]
    assert found == [(None, None, None)]  # the old row kept, the new columns NULL
    assert names[-3:] == ["transient", "source_url", "fetched_at"]


def test_a_result_without_terms_is_kept_when_the_warehouse_is_opened_again(tmp_path):
    # narrative_matches_table holds no terms: reopening must not take that for an older warehouse
    # (it did: every run judged every report with a narrative result again, and loaded GX for it)
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        con.execute("insert into reports (report_id, source_path, status) values ('r1', '/a.txt', 'parsed')")
        con.execute("insert into expectation_results (report_id, expectation, scope, observed, expected, success) "
                    "values ('r1', 'narrative_matches_table', 's1', 3, 3, true)")
    with connect(path) as con:
        kept = con.execute("select expectation, terms from expectation_results").fetchall()
        pending = con.execute("select work from pending").fetchall()
    assert kept == [("narrative_matches_table", None)]
    assert pending == []
