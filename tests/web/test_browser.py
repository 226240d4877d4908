"""The workbench in a real browser (headless Chromium driven by Selenium) over the samples and a
corpus PDF that breaks two identities: the findings, one finding's highlighted cells and page
crop, a decision recorded in the page; the decision is in the warehouse and decisions.csv and
survives a rebuild from an empty warehouse."""

import csv
import json
import shutil
import time
from pathlib import Path

import pytest
from client import chromium, serving
from conftest import CORPUS, SAMPLES, query

from cli.main import main
from web import evidence

REAL = SAMPLES.parent / "real"

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
        assert len(listed) == 5 + len(truth["identity_failures"])  # the samples': 4 identities, 1 partial report
        browser.find_element(By.CSS_SELECTOR, f"a[href='/findings/{finding_id}']").click()
        wait.until(ready.presence_of_element_located((By.ID, "decide")))
        highlighted = browser.find_elements(By.CSS_SELECTOR, "#printed td.hl")
        assert sorted((td.get_attribute("title").split("/")[0], td.text) for td in highlighted) == cells
        crops = browser.find_elements(By.CSS_SELECTOR, "img.crop")
        assert len(crops) >= 1
        for img in crops:  # every crop loaded and drawn: a PNG as wide as the page at two pixels a point
            wait.until(lambda _, img=img: browser.execute_script("return arguments[0].complete", img))
            assert browser.execute_script("return arguments[0].naturalWidth", img) == round(595.2756 * evidence.SCALE)
        # each box numbered on the crop is listed beside it with what was read
        listed = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "table.boxes td:nth-child(3)")]
        assert sorted(listed) == sorted(raw for _, raw in cells)
        full = browser.find_element(By.CSS_SELECTOR, "a.full").get_attribute("href")  # a click opens the PNG itself
        assert full == crops[0].get_attribute("src")
        browser.find_element(By.NAME, "by").send_keys("王芳")
        browser.find_element(By.NAME, "note").send_keys("the report prints 50 + 5 = 50 + 1: its own error")
        browser.find_element(By.NAME, "next").click()  # stay on this finding
        browser.find_element(By.CSS_SELECTOR, "#decide button[value=source_error]").click()
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


def _copy(sample_warehouse: Path, tmp_path: Path) -> Path:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_warehouse, db)
    return db


def _in_view(browser, element) -> bool:
    """The element is wholly inside the window without scrolling."""
    return browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return window.scrollY === 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;",
        element)


@pytest.mark.slow
def test_decide_without_scrolling_by_key_then_the_next_open_finding_and_undo(sample_warehouse, landing, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    db = _copy(sample_warehouse, tmp_path)
    balance = [f for (f,) in query(db, "select finding_id from findings where expectation = 'applications_balance' "
                                       "order by finding_id")]
    assert len(balance) == 2
    with serving(db, landing) as base, chromium(tmp_path / "profile") as browser:
        wait = WebDriverWait(browser, 60)
        assert browser.execute_script("return [window.innerWidth, window.outerHeight]") == [1400, 900]
        browser.get(base + "/findings?expectation=applications_balance")
        first = browser.find_element(By.CSS_SELECTOR, "#findings a[href^='/findings/']")
        first_id = first.text
        first.click()
        wait.until(ready.presence_of_element_located((By.ID, "decide")))
        for name in ("source_error", "dismissed", "correction"):  # every decision in view, the page not scrolled
            assert _in_view(browser, browser.find_element(By.CSS_SELECTOR, f"#decide button[value={name}]"))
        assert _in_view(browser, browser.find_element(By.NAME, "by"))
        assert browser.find_element(By.ID, "title").text.startswith("申请收支平衡 · ")
        browser.find_element(By.NAME, "by").send_keys("王芳")
        browser.find_element(By.NAME, "note").send_keys("as printed")
        ActionChains(browser).key_down(Keys.ALT).send_keys("s").key_up(Keys.ALT).perform()  # Alt+S: source error
        recorded = wait.until(ready.presence_of_element_located((By.ID, "recorded")))
        assert recorded.text.startswith(f"recorded source_error on {first_id}")
        second_id = next(f for f in balance if f != first_id)  # the next open finding of the same filter
        assert browser.current_url.startswith(f"{base}/findings/{second_id}?expectation=applications_balance")
        assert browser.find_element(By.NAME, "by").get_attribute("value") == "王芳"  # the name remembered
        ActionChains(browser).key_down(Keys.ALT).send_keys("d").key_up(Keys.ALT).perform()  # Alt+D: dismissed
        wait.until(ready.presence_of_element_located((By.ID, "undo")))  # nothing left open in the filter: the same page
        assert browser.find_element(By.ID, "state").text == "closed"
        assert browser.find_element(By.ID, "next-none").text == "no other open finding in this filter"
        assert not browser.find_elements(By.ID, "decide")  # a closed finding shows its decision and undo, not the form
        browser.find_element(By.CSS_SELECTOR, "#undo button[value=reopened]").click()
        wait.until(ready.presence_of_element_located((By.ID, "decide")))
        assert browser.find_element(By.ID, "state").text == "open"
    assert query(db, "select finding_id, decision, decided_by from decisions order by decided_at") == [
        (first_id, "source_error", "王芳"), (second_id, "dismissed", "王芳"), (second_id, "reopened", "王芳")]
    states = query(db, "select finding_id, state from findings where expectation = 'applications_balance' order by 1")
    assert states == sorted([(first_id, "closed"), (second_id, "open")])


@pytest.mark.slow
def test_seed_002s_four_findings_take_one_decision_on_the_report_page(sample_warehouse, landing, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    db = _copy(sample_warehouse, tmp_path)
    report_id = query(db, "select report_id from reports where source_path like '%002_9440981a45cb5a2e.txt'")[0][0]
    opened = {f for (f,) in query(db, "select finding_id from findings where report_id = ? and state = 'open'",
                                  [report_id])}
    assert len(opened) == 4
    with serving(db, landing) as base, chromium(tmp_path / "profile") as browser:
        wait = WebDriverWait(browser, 60)
        browser.get(f"{base}/reports/{report_id}")
        started = time.monotonic()
        boxes = browser.find_elements(By.CSS_SELECTOR, "#decide input[name=finding]")
        assert {b.get_attribute("value") for b in boxes} == opened and all(b.is_selected() for b in boxes)
        # the printed table once, every cell of the four findings highlighted
        highlighted = {td.get_attribute("title") for td in browser.find_elements(By.CSS_SELECTOR, "#printed td.hl")}
        cells = {f"{i}/{c}" for i, c in query(
            db, "select distinct c.item_code, c.column_code from expectation_results e, unnest(e.cells) as u(c) "
                "where e.report_id = ? and not e.success and e.expectation like 'applications_%'", [report_id])}
        assert highlighted == cells
        assert _in_view(browser, browser.find_element(By.CSS_SELECTOR, "#decide button[value=source_error]"))
        browser.find_element(By.NAME, "by").send_keys("李明")
        browser.find_element(By.NAME, "note").send_keys("总计 printed 0 for 4 applications")
        browser.find_element(By.CSS_SELECTOR, "#decide button[value=source_error]").click()  # the one decision
        recorded = wait.until(ready.presence_of_element_located((By.ID, "recorded")))
        seconds = time.monotonic() - started
        assert "and on 3 more findings of the report" in recorded.text
        assert not browser.find_elements(By.CSS_SELECTOR, "#decide")  # nothing left open
    print(f"seed 002: 4 findings decided with one decision in {seconds:.1f} s")
    assert query(db, "select finding_id, decision, decided_by from decisions order by finding_id") == [
        (f, "source_error", "李明") for f in sorted(opened)]
    assert query(db, "select count(*) from findings where report_id = ? and state = 'closed'", [report_id]) == [(4,)]


@pytest.mark.slow
def test_a_decision_posted_while_a_run_writes_is_kept_and_written_once(sample_warehouse, landing, tmp_path):
    import subprocess
    import sys

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    db = _copy(sample_warehouse, tmp_path)
    finding_id = query(db, "select finding_id from findings "
                           "where expectation = 'applications_balance' and scope = 'total'")[0][0]
    with serving(db, landing) as base, chromium(tmp_path / "profile") as browser:
        wait = WebDriverWait(browser, 60)
        browser.get(f"{base}/findings/{finding_id}")
        browser.find_element(By.NAME, "by").send_keys("王芳")
        holder = subprocess.Popen(  # a run takes the warehouse while the steward decides
            [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
             "sys.stdin.read()", str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            browser.find_element(By.CSS_SELECTOR, "#decide button[value=dismissed]").click()
            kept = wait.until(ready.presence_of_element_located((By.ID, "problem")))
            assert kept.text.startswith("a run is writing to the warehouse; your decision is kept")
            assert "/kept/" in browser.current_url
            holder.stdin.close()  # the run ends
            assert holder.wait() == 0
            recorded = wait.until(ready.presence_of_element_located((By.ID, "recorded")))  # the page retried by itself
            assert recorded.text.startswith(f"recorded dismissed on {finding_id}")
        finally:
            holder.kill()
    written = query(db, "select decision, decided_by from decisions where finding_id = ?", [finding_id])
    assert written == [("dismissed", "王芳")]


@pytest.mark.slow
def test_a_2021_report_printing_other_handling_as_one_row_shows_the_cells_judged(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    land = tmp_path / "landing"
    land.mkdir()
    text = (REAL / "hzq2024_text.txt").read_text(encoding="utf-8")
    assert "（六）其他处理 0 0 0 0 0 0 0\n" in text  # one row, the 2019 way, in a 2021 report
    (land / "hzq2024.txt").write_text(text.replace("（六）其他处理 0 0 0 0 0 0 0\n", "（六）其他处理 0 0 0 0 0 1 1\n"),
                                      encoding="utf-8")
    db = tmp_path / "warehouse.duckdb"
    assert main(["ingest", str(land), "--warehouse", str(db), "--quiet"]) == 0
    finding_id = query(db, "select finding_id from findings "
                           "where expectation = 'applications_outcomes' and scope = 'total'")[0][0]
    with serving(db, land) as base, chromium(tmp_path / "profile") as browser:
        browser.get(f"{base}/findings/{finding_id}")
        identity = WebDriverWait(browser, 60).until(ready.presence_of_element_located((By.ID, "identity"))).text
        assert "三、（六）其他处理 (2019: one row)（总计）1" in identity  # the printed row, as judged
        assert "其他处理 1." not in identity and "其他处理 3.其他" not in identity  # no 2021 row that was not printed
        assert browser.find_element(By.CSS_SELECTOR, "p .diff").text == "difference -1"
        highlighted = {td.get_attribute("title") for td in browser.find_elements(By.CSS_SELECTOR, "#printed td.hl")}
        judged = {f"{i}/{c}" for i, c in query(
            db, "select u.t.item_code, u.t.column_code from expectation_results e, unnest(e.terms) as u(t) "
                "where e.expectation = 'applications_outcomes' and e.scope = 'total'")}
        assert "other_handling/total" in judged and highlighted == judged


@pytest.mark.slow
def test_a_partial_report_appears_as_a_finding_and_is_decided_in_the_queue(sample_warehouse, landing, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    db = _copy(sample_warehouse, tmp_path)
    finding_id = query(db, "select finding_id from findings where expectation = 'incomplete_read'")[0][0]
    with serving(db, landing) as base, chromium(tmp_path / "profile") as browser:
        wait = WebDriverWait(browser, 60)
        browser.get(base + "/findings?expectation=incomplete_read")
        row = browser.find_element(By.CSS_SELECTOR, f"#findings a[href^='/findings/{finding_id}']")
        row.click()
        wait.until(ready.presence_of_element_located((By.ID, "reading")))
        assert browser.find_element(By.ID, "title").text.startswith("未读全 · 整份报告")
        assert len(browser.find_elements(By.CSS_SELECTOR, "ul.missing li")) == 153  # the cells not found, each named
        assert _in_view(browser, browser.find_element(By.CSS_SELECTOR, "#decide button[value=source_incomplete]"))
        browser.find_element(By.NAME, "by").send_keys("王芳")
        ActionChains(browser).key_down(Keys.ALT).send_keys("r").key_up(Keys.ALT).perform()  # Alt+R: reader error
        recorded = wait.until(ready.presence_of_element_located((By.ID, "recorded")))
        assert recorded.text.startswith(f"recorded reader_error on {finding_id}")
    assert query(db, "select state from findings where finding_id = ?", [finding_id]) == [("closed",)]
