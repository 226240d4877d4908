"""The workbench in a real browser (headless Chromium driven by Selenium) over the samples and a
corpus PDF that breaks two identities: the findings, one finding's highlighted cells and page
crop, a decision recorded in the page; the decision is in the warehouse and decisions.csv and
survives a rebuild from an empty warehouse."""

import csv
import json
import shutil
from pathlib import Path

import pytest
from client import chromium, serving
from conftest import CORPUS, SAMPLES, query

from cli.main import main
from web import evidence

# its truth: applications_balance/natural_person and applications_applicants/new_received fail
PDF = "007_pdf_reportlab.pdf"


@pytest.fixture(scope="module")
def pdf_landing(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("landing")
    for p in SAMPLES.iterdir():
        shutil.copy2(p, landing / p.name)
    shutil.copy2(CORPUS / PDF, landing / PDF)
    return landing


@pytest.mark.slow
def test_find_open_and_decide_in_a_browser_then_rebuild(pdf_landing, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    db = tmp_path / "warehouse.duckdb"
    assert main(["ingest", str(pdf_landing), "--warehouse", str(db), "--quiet"]) == 0
    truth = json.loads((CORPUS / PDF.replace(".pdf", ".truth.json")).read_text(encoding="utf-8"))
    assert ["applications_balance", "natural_person"] in truth["identity_failures"]
    finding_id, report_id = query(db, "select f.finding_id, f.report_id "
                                      "from findings f join reports r using (report_id) "
                                      "where r.source_path like ? and f.expectation = 'applications_balance' "
                                      "and f.scope = 'natural_person'", [f"%{PDF}"])[0]
    cells = query(db, "select item_code, raw_text from facts where report_id = ? and table_code = 'applications' "
                      "and column_code = 'natural_person' and item_code in "
                      "('new_received', 'carried_over', 'total_processed', 'carried_forward') order by item_code",
                  [report_id])
    with serving(db, pdf_landing) as base, chromium(tmp_path / "profile") as browser:
        wait = WebDriverWait(browser, 60)
        browser.get(base + "/findings")
        listed = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#findings a[href^='/findings/']")]
        assert sorted(listed) == sorted(f for (f,) in query(db, "select finding_id from findings where state = 'open'"))
        assert len(listed) == 4 + len(truth["identity_failures"])
        browser.find_element(By.CSS_SELECTOR, f"a[href='/findings/{finding_id}']").click()
        wait.until(ready.presence_of_element_located((By.ID, "decide")))
        highlighted = browser.find_elements(By.CSS_SELECTOR, "#printed td.hl")
        assert sorted((td.get_attribute("title").split("/")[0], td.text) for td in highlighted) == cells
        crops = browser.find_elements(By.CSS_SELECTOR, "img.crop")
        assert len(crops) >= 1
        for img in crops:  # every crop loaded and drawn: a PNG as wide as the page at two pixels a point
            wait.until(lambda _, img=img: browser.execute_script("return arguments[0].complete", img))
            assert browser.execute_script("return arguments[0].naturalWidth", img) == round(595.2756 * evidence.SCALE)
        browser.find_element(By.CSS_SELECTOR, "input[name=decision][value=source_error]").click()
        browser.find_element(By.NAME, "by").send_keys("王芳")
        browser.find_element(By.NAME, "note").send_keys("the report prints 50 + 5 = 50 + 1: its own error")
        browser.find_element(By.CSS_SELECTOR, "#decide button").click()
        recorded = wait.until(ready.presence_of_element_located((By.ID, "recorded")))
        assert recorded.text.startswith(f"recorded source_error on {finding_id}")
        assert browser.find_element(By.ID, "state").text == "closed"
        assert browser.find_element(By.CSS_SELECTOR, "#history tr:last-child").text.split()[2] == "decided"
    assert query(db, "select decision, decided_by, note from decisions where finding_id = ?", [finding_id]) == [
        ("source_error", "王芳", "the report prints 50 + 5 = 50 + 1: its own error")]
    assert query(db, "select state from findings where finding_id = ?", [finding_id]) == [("closed",)]
    with open(db.parent / "decisions.csv", encoding="utf-8", newline="") as f:
        decided = [(r["finding_id"], r["decision"], r["decided_by"]) for r in csv.DictReader(f)]
        assert decided == [(finding_id, "source_error", "王芳")]
    rebuilt = tmp_path / "rebuilt.duckdb"  # an empty warehouse beside the same decisions.csv
    assert main(["ingest", str(pdf_landing), "--warehouse", str(rebuilt), "--quiet"]) == 0
    assert query(rebuilt, "select state, state_reason from findings where finding_id = ?", [finding_id]) == [
        ("closed", "source_error by 王芳: the report prints 50 + 5 = 50 + 1: its own error")]
