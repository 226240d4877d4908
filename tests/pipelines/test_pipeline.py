"""The samples through the whole Dagster job into DuckDB, compared with the truth cell by cell."""

import shutil

import pytest
from conftest import SAMPLES, query, truths

from cli.main import main
from pipelines.run import ingest
from transforms import catalog

pytestmark = pytest.mark.slow  # end-to-end runs

TRUTHS = truths()
TABLES = ("reports", "facts", "expectation_results", "items", "columns", "cells")


def report_row(warehouse, name):
    rows = query(
        warehouse,
        "select report_id, agency, year, template, status from reports where source_path like ?",
        [f"%/{name}"],
    )
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize("name", sorted(TRUTHS))
def test_warehouse_matches_truth(sample_warehouse, name):
    truth = TRUTHS[name]
    report_id, agency, year, template, status = report_row(sample_warehouse, name)
    assert (agency, year, template, status) == (
        truth["agency"], truth["year"], truth["template"], truth["expected_status"]
    )
    facts = query(
        sample_warehouse,
        "select table_code, item_code, column_code, value, line from facts where report_id = ?",
        [report_id],
    )
    got = {(t, i, c): v for t, i, c, v, _ in facts}
    assert len(got) == len(facts)  # one row per cell
    for cell in truth["cells"]:
        assert got[(cell["table"], cell["item"], cell["column"])] == cell["value"], cell
    assert not {tuple(u) for u in truth["unknown"]} & set(got)
    assert all(line is not None for *_, line in facts)  # provenance filled in


def test_identity_failures_are_exactly_the_printed_ones(sample_warehouse):
    failures = query(
        sample_warehouse,
        "select r.source_path, e.expectation, e.scope from expectation_results e "
        "join reports r using (report_id) where e.success = false and list_contains(?, e.expectation)",
        [list(catalog.IDENTITIES)],
    )
    got = {(path.rsplit("/", 1)[1], exp, scope) for path, exp, scope in failures}
    want = {(name, exp, scope) for name, t in TRUTHS.items() for exp, scope in t["identity_failures"]}
    assert got == want
    assert len(want) == 4


def test_lost_columns_make_identities_not_assessable(sample_warehouse):
    rows = query(
        sample_warehouse,
        "select expectation, scope, observed, missing_cells from expectation_results e join reports r "
        "using (report_id) where r.source_path like '%/000_%' and e.success is null",
    )
    scopes = {(e, s) for e, s, _, _ in rows}
    groups = ("administrative_review", "litigation_direct", "litigation_after_review")
    assert {("review_litigation_total", g) for g in groups} <= scopes
    assert ("applications_balance", "natural_person") in scopes
    assert ("applications_balance", "total") not in scopes  # 总计 was read: that scope is assessed
    assert all(obs is None and missing for _, _, obs, missing in rows)


def test_second_run_changes_nothing(landing, sample_warehouse):
    before = {t: query(sample_warehouse, f"select count(*) from {t}")[0][0] for t in TABLES}
    facts_before = query(sample_warehouse, "select * from facts order by all")
    assert ingest(landing, sample_warehouse, echo=False)
    assert {t: query(sample_warehouse, f"select count(*) from {t}")[0][0] for t in TABLES} == before
    assert query(sample_warehouse, "select * from facts order by all") == facts_before


def test_changed_file_replaces_its_rows(tmp_path):
    land = tmp_path / "landing"
    land.mkdir()
    name = "002_9440981a45cb5a2e.txt"
    shutil.copy2(SAMPLES / name, land / name)
    db = tmp_path / "w.duckdb"
    assert ingest(land, db, echo=False)
    old_id = query(db, "select report_id from reports")[0][0]
    text = (land / name).read_text(encoding="utf-8")
    (land / name).write_text(text.replace("行政处罚\t1830", "行政处罚\t1831"), encoding="utf-8")
    assert ingest(land, db, echo=False)
    new_id = query(db, "select report_id from reports")[0][0]
    assert new_id != old_id
    assert query(db, "select count(*) from facts where report_id = ?", [old_id]) == [(0,)]
    assert query(db, "select count(*) from expectation_results where report_id = ?", [old_id]) == [(0,)]
    assert query(db, "select value from facts "
                     "where item_code = 'administrative_penalty' and column_code = 'prior_year_count'") == [(1831.0,)]
    assert query(db, "select count(*) from facts") == [(196,)]


def test_cli_refuses_a_missing_directory(tmp_path, capsys):
    assert main(["ingest", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_every_format_loads_with_provenance(tmp_path):
    corpus = SAMPLES.parents[1] / "tests" / "corpus"
    land = tmp_path / "landing"
    land.mkdir()
    for producer in ("pdf_reportlab", "pdf_libreoffice", "pdf_chromium", "docx", "html_gbk", "text_tokens"):
        name = sorted(p.name for p in corpus.glob(f"*_{producer}.*") if not p.name.endswith(".truth.json"))[0]
        shutil.copy2(corpus / name, land / name)
    db = tmp_path / "w.duckdb"
    assert ingest(land, db, echo=False)
    assert query(db, "select format, count(*) from reports where status = 'parsed' group by all order by 1") == [
        ("docx", 1), ("html", 1), ("pdf", 3), ("text", 1)
    ]
    unplaced = query(
        db,
        "select count(*) from facts f join reports r using (report_id) where case r.format "
        "when 'pdf' then f.page is null or f.bbox is null "
        "when 'text' then f.line is null "
        "else f.line is null and (f.table_no is null or f.row_no is null or f.col_no is null) end",
    )
    assert unplaced == [(0,)]
    assert query(db, "select count(*) from facts")[0][0] >= 6 * 190
