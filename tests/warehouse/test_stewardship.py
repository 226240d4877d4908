"""Stewards: every broken identity reported (and no other), evidence, decisions that stick
(the workbench: tests/web)."""

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import CORPUS, SAMPLES, query

from cli.main import main
from expectations.runner import domain_violations
from expectations.suites import sides_suite, value_domain_suite
from pipelines.run import ingest
from tools.corpus import render_text
from tools.corpus.layout import build
from tools.corpus.truth import make_truth
from transforms import catalog
from transforms.identities import domain_frame

SEED_002 = "002_9440981a45cb5a2e.txt"


def test_suites_cover_every_expectation_with_its_severity():
    for suite in ("in_report_identities", "cross_year_identities", "completeness"):
        built = sides_suite(suite)
        ids = [e.meta["expectation"] for e in built.expectations]
        assert ids == [e.id for e in catalog.EXPECTATIONS.values() if e.suite == suite]
    assert {e.severity for e in sides_suite("in_report_identities").expectations} == {"critical"}
    assert {e.severity for e in sides_suite("completeness").expectations} == {"warning"}
    assert len(value_domain_suite().expectations) == 2


def test_value_domain():
    facts = pl.DataFrame(
        [
            ("r", "applications", "new_received", "total", -3.0, "count"),
            ("r", "applications", "granted", "total", 2.5, "count"),
            ("r", "proactive", "administrative_penalty", "change", -30.0, "count"),
            ("r", "proactive", "centralized_procurement", "procurement_amount", -1.0, "yuan"),
            ("r", "proactive", "administrative_fees", "fee_amount", 662900.5, "yuan"),
            ("r", "applications", "carried_over", "total", None, "count"),
            ("r", "applications", "carried_forward", "total", 4.0, "count"),
        ],
        schema=["report_id", "table_code", "item_code", "column_code", "value", "unit"],
        orient="row",
    )
    bad = domain_violations(domain_frame(facts))
    assert sorted(bad["scope"].to_list()) == [
        "centralized_procurement/procurement_amount", "granted/total", "new_received/total"
    ]
    assert bad["success"].to_list() == [False] * 3


@pytest.fixture(scope="module")
def corpus_warehouse(tmp_path_factory):
    """The corpus's text-layer reports (its scanned ones, read by OCR, are judged in tests/reading/test_ocr.py)."""
    land = tmp_path_factory.mktemp("corpus_files")
    for p in CORPUS.iterdir():
        if p.is_file():
            os.link(p, land / p.name)
    db = tmp_path_factory.mktemp("corpus") / "w.duckdb"
    assert ingest(land, db, echo=False)
    return db


@pytest.mark.slow
def test_every_broken_identity_is_reported_and_no_other(corpus_warehouse):
    got = {
        (Path(path).name, e, s)
        for path, e, s in query(
            corpus_warehouse,
            "select r.source_path, x.expectation, x.scope from expectation_results x join reports r using (report_id) "
            "where x.success = false and list_contains(?, x.expectation)",
            [list(catalog.IDENTITIES)],
        )
    }
    want = set()
    for truth_path in CORPUS.glob("*.truth.json"):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        want |= {(truth["file"], e, s) for e, s in truth["identity_failures"]}
    assert got == want
    assert len({name for name, _, _ in want}) >= 10  # the corpus breaks identities in many reports


def _series(tmp_path: Path) -> Path:
    """One agency, 2021 to 2023, consistent across years but for two deliberate breaks."""
    land = tmp_path / "series"
    land.mkdir()
    rng = random.Random(7)
    truths = []
    for year in (2021, 2022, 2023):
        while True:
            t = make_truth(rng, f"{year}.txt", broken=False)
            if t.template == "2021" and t.layout == "2021":
                break
        t.agency, t.issuer_line, t.year = "天荒坪镇人民政府", "天荒坪镇", year
        t.published = f"{year + 1}-01-15"
        truths.append(t)
    for before, now in zip(truths, truths[1:], strict=False):
        for col in catalog.APPLICANT_COLUMNS:
            now.values[("applications", "carried_over", col)] = before.values[("applications", "carried_forward", col)]
        for item in ("regulations", "normative_documents"):
            issued = now.values[("proactive", item, "issued")] or 0
            repealed = now.values[("proactive", item, "repealed")] or 0
            in_force = (before.values[("proactive", item, "in_force")] or 0) + issued - repealed
            now.values[("proactive", item, "in_force")] = in_force
    truths[2].values[("applications", "carried_over", "natural_person")] += 1  # break carryover 2022 → 2023
    key = ("proactive", "regulations", "issued")
    truths[1].values[key] = (truths[1].values[key] or 0) + 2
    for t in truths:
        doc = build(t, rng, blank="/", quirky=False)
        (land / t.file).write_text(render_text.render_tab(doc, rng), encoding="utf-8")
    return land


@pytest.mark.slow
def test_cross_year_breaks_are_reported_and_no_other(tmp_path):
    db = tmp_path / "w.duckdb"
    assert ingest(_series(tmp_path), db, echo=False)
    results = query(
        db,
        "select r.year, x.expectation, x.scope, x.success from expectation_results x join reports r using (report_id) "
        "where list_contains(?, x.expectation)",
        [list(catalog.CROSS_YEAR)],
    )
    assert len(results) == 2 * (7 + 2)  # two pairs of years, 7 columns and 2 items each
    assert {(y, e, s) for y, e, s, ok in results if ok is False} == {
        (2023, "carryover_continuity", "natural_person"),
        (2022, "in_force_continuity", "regulations"),
    }
    assert all(ok is not None for *_, ok in results)


@pytest.fixture()
def seed_run(tmp_path):
    land = tmp_path / "land"
    land.mkdir()
    for p in SAMPLES.glob("*.txt"):
        shutil.copy2(p, land / p.name)
    db = tmp_path / "data" / "w.duckdb"
    assert ingest(land, db, echo=False)
    return land, db


def open_findings(db):
    """The open findings of identities (the partial sample 000 is a finding of the reading besides)."""
    return {(e, s) for e, s in query(db, "select expectation, scope from findings where state = 'open' "
                                         "and expectation != 'incomplete_read'")}


def finding(db, expectation, scope):
    return query(db, "select finding_id from findings where expectation = ? and scope = ?", [expectation, scope])[0][0]


@pytest.mark.slow
def test_failures_carry_their_evidence(seed_run):
    _, db = seed_run
    rows = query(db, "select raw_text, line, value from facts f join reports r using (report_id) "
                     "where r.source_path like '%002_%' and item_code = 'new_received' and column_code = 'total'")
    assert rows == [("4", 56, 4.0)]
    assert open_findings(db) == {("applications_balance", "other_org"), ("applications_balance", "total"),
                                 ("applications_outcomes", "other_org"), ("applications_outcomes", "total")}


@pytest.mark.slow
def test_new_persisting_and_disappeared(seed_run, capsys):
    land, db = seed_run
    assert query(db, "select count(*) from findings where first_run = last_run") == [(5,)]  # 4 identities, 1 partial
    assert ingest(land, db, echo=False)
    runs = [r for r, in query(db, "select run_id from runs order by finished_at")]
    assert len(runs) == 2
    assert query(db, "select count(*) from findings where state = 'open' and first_run != ? and last_run = ?",
                 [runs[1], runs[1]]) == [(5,)]
    text = (land / SEED_002).read_text(encoding="utf-8")
    text = text.replace("一、本年新收政府信息公开申请数量\t\t0\t0\t0\t0\t0\t4\t4",
                        "一、本年新收政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0")
    (land / SEED_002).write_text(text, encoding="utf-8")
    assert ingest(land, db, echo=False)
    reasons = {r for r, in query(db, "select state_reason from findings where state = 'resolved'")}
    assert reasons == {"the report was replaced or removed"}
    assert query(db, "select count(*) from findings where state = 'resolved'")[0][0] >= 2


@pytest.mark.slow
def test_a_correction_survives_rerun_and_rebuild(seed_run, capsys):
    land, db = seed_run
    fid = finding(db, "applications_outcomes", "total")
    code = main(["decide", fid, "--as", "correction", "--cell", "total_processed/total", "--value", "8",
                 "--by", "王审核", "--note", "总计 misread", "--warehouse", str(db)])
    assert code == 0
    csv_path = db.parent / "decisions.csv"
    assert "total_processed" in csv_path.read_text(encoding="utf-8")
    for rebuild in (False, True):
        if rebuild:
            for p in db.parent.glob("w.duckdb*"):
                p.unlink()
        assert ingest(land, db, echo=False)
        assert query(db, "select value, raw_text, corrected, corrected_value, corrected_by, correction_note from facts "
                         "where item_code = 'total_processed' and column_code = 'total' and corrected") == [
            (0.0, "0", True, 8.0, "王审核", "总计 misread")
        ]
        assert query(db, "select success from expectation_results x join reports r using (report_id) where "
                         "r.source_path like '%002_%' and expectation = 'applications_outcomes' "
                         "and scope = 'total'") == [(True,)]
        assert ("applications_outcomes", "total") not in open_findings(db)


@pytest.mark.slow
def test_a_dismissal_stays_closed_until_its_cells_change(seed_run):
    land, db = seed_run
    fid = finding(db, "applications_balance", "other_org")
    assert main(["decide", fid, "--as", "dismissed", "--by", "李", "--note", "known", "--warehouse", str(db)]) == 0
    assert ingest(land, db, echo=False)
    assert query(db, "select state from findings where finding_id = ?", [fid]) == [("closed",)]
    import duckdb

    with duckdb.connect(str(db)) as con:  # as if a new reader read the cell differently
        con.execute("update facts set raw_text = '5', value = 5 "
                    "where item_code = 'new_received' and column_code = 'other_org' "
                    "and report_id in (select report_id from reports where source_path like '%002_%')")
        con.execute("delete from expectation_results "
                    "where report_id in (select report_id from reports where source_path like '%002_%')")
    assert ingest(land, db, echo=False)
    assert query(db, "select state from findings where finding_id = ?", [fid]) == [("open",)]


@pytest.mark.slow
def test_decide_refuses_what_it_cannot_record(seed_run, capsys):
    _, db = seed_run
    fid = finding(db, "applications_balance", "total")
    assert main(["decide", "000000000000", "--as", "dismissed", "--by", "x", "--warehouse", str(db)]) == 2
    assert "no finding '000000000000'" in capsys.readouterr().err
    assert main(["decide", fid, "--as", "correction", "--by", "x", "--warehouse", str(db)]) == 2
    assert "needs the cell (ITEM/COLUMN)" in capsys.readouterr().err
    assert main(["decide", fid, "--as", "correction", "--cell", "granted/total", "--value", "1", "--by", "x",
                 "--warehouse", str(db)]) == 2
    err = capsys.readouterr().err
    assert "not among the cells of finding" in err and "new_received/total" in err


@pytest.mark.slow
def test_review_lists_and_filters(seed_run, capsys):
    _, db = seed_run
    assert main(["review", "--warehouse", str(db), "--expectation", "applications_balance", "--cells"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 open findings, newest first")
    assert "申请收支平衡 · 总计 (applications_balance [total])" in out
    # each cell as printed and as judged: its side, sign and the value summed
    assert "一、本年新收政府信息公开申请数量 · 总计 (new_received/total) = '4'  [observed +4]" in out
    assert "line 56" in out
    assert "三、（七）总计 · 总计 (total_processed/total) = '0'  [expected +0]" in out
    assert main(["review", "--warehouse", str(db), "--agency", "哈尔盖"]) == 0
    out = capsys.readouterr().out  # its identities hold; the report was read in part, which is a finding too
    assert out.startswith("1 open findings")
    assert "未读全 · 整份报告 (incomplete_read [report])  observed 45 expected 198" in out
    assert main(["review", "--warehouse", str(db), "--agency", "哈尔盖", "--state", "closed"]) == 0
    assert capsys.readouterr().out.strip() == "no closed findings"


def test_stewardship_loads_no_reader():
    """The low-confidence threshold comes from the readers' settings: no PDF or OCR library is loaded."""
    code = ("import sys, warehouse.stewardship; "
            "print(sorted(m for m in ('cv2', 'pdfplumber', 'pypdfium2', 'rapidocr_onnxruntime', 'docx', 'lxml') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_a_rejected_file_is_a_finding_with_its_reason_and_is_decided(tmp_path, capsys):
    """A file the reader could not read is an ``unreadable_file`` finding (its path the scope, the
    reason its evidence); a steward's ``reader_error`` closes it, and a file that goes takes its
    finding out of the queue."""
    landing, db = tmp_path / "landing", tmp_path / "w.duckdb"
    landing.mkdir()
    shutil.copy(SAMPLES / SEED_002, landing / SEED_002)
    (landing / "scan.pdf").write_bytes(b"%PDF-1.4 not really a PDF")
    (landing / "notes.rtf").write_bytes(b"{\\rtf1\\ansi a report saved as RTF}")
    assert ingest(landing, db, echo=False)
    found = query(db, "select f.scope, f.state, r.status_reason from findings f join reports r "
                      "on r.report_id = f.report_id and r.source_path = f.scope "
                      "where f.expectation = 'unreadable_file' order by f.scope")
    assert [(Path(s).name, state) for s, state, _ in found] == [("notes.rtf", "open"), ("scan.pdf", "open")]
    assert "unsupported file type '.rtf'" in found[0][2]
    fid = query(db, "select finding_id from findings "
                    "where expectation = 'unreadable_file' and scope like '%scan.pdf'")[0][0]
    assert main(["decide", fid, "--as", "reader_error", "--by", "王芳", "--note", "pdfium refuses it",
                 "--warehouse", str(db)]) == 0
    assert query(db, "select state from findings where finding_id = ?", [fid]) == [("closed",)]
    (landing / "notes.rtf").unlink()
    assert ingest(landing, db, echo=False)
    assert query(db, "select count(*) from findings where expectation = 'unreadable_file' and state = 'open'") == [(0,)]
