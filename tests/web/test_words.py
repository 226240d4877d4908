"""The reports' words end to end: the corpus worded as published reports (110-129) and the real
report ingested; narrative_matches_table findings exactly where a file was made to disagree (and
the real report's 17 against 95); the two documented queries; ``gongkai search`` and the
workbench's search in a browser."""

import json
import re
import shutil
from pathlib import Path

import pytest
from client import chromium, serving
from conftest import CORPUS, DOCS, REAL, query

from cli.main import main

WORDED = sorted(p for p in CORPUS.glob("1[12][0-9]_*") if not p.name.endswith(".truth.json"))


def truth_of(path: Path) -> dict:
    folder = REAL if path.name.startswith("hzq") else CORPUS
    return json.loads((folder / (path.stem + ".truth.json")).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def words(tmp_path_factory) -> tuple[Path, Path]:
    landing = tmp_path_factory.mktemp("landing")
    for p in [*WORDED, REAL / "hzq2024.pdf"]:
        shutil.copy2(p, landing / p.name)
    db = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    assert main(["ingest", str(landing), "--warehouse", str(db), "--quiet"]) == 0
    return landing, db


def documented(name: str) -> str:
    text = (DOCS / "queries.sql").read_text(encoding="utf-8")
    return re.split(r"^-- name: \w+\n", text.split(f"-- name: {name}\n", 1)[1], flags=re.M)[0]


@pytest.mark.slow
def test_narrative_findings_exactly_where_text_and_table_disagree(words):
    _, db = words
    found = query(db, "select r.source_path, f.scope from findings f join reports r using (report_id) "
                      "where f.expectation = 'narrative_matches_table' and f.state = 'open'")
    got = sorted((Path(p).name, scope.split("@")[0]) for p, scope in found)
    want = sorted((p.name, m) for p in [*WORDED, REAL / "hzq2024.pdf"] for m in truth_of(p)["narrative_mismatches"])
    assert len(want) >= 5
    assert got == want
    agreeing = [p.name for p in WORDED if not truth_of(p)["narrative_mismatches"]]
    judged = query(db, "select distinct r.source_path from expectation_results e join reports r using (report_id) "
                       "where e.expectation = 'narrative_matches_table' and e.success")
    assert len({Path(p).name for (p,) in judged} & set(agreeing)) >= 10  # compared, and found to agree


@pytest.mark.slow
def test_the_documented_queries_on_the_words(words):
    _, db = words
    rows = query(db, documented("text_and_table_disagree"))
    assert ("淮安市洪泽区人民政府", 2024, "applications_received", 17.0, 95.0,
            "2024 年，区政府办代表区政府受理政府信息公开申请 17 件，均已在法定期限内予以答复。") in rows
    mismatched = {(truth_of(p)["agency"], truth_of(p)["year"], m)
                  for p in WORDED for m in truth_of(p)["narrative_mismatches"]}
    assert {r[:3] for r in rows} == mismatched | {("淮安市洪泽区人民政府", 2024, "applications_received")}
    fees = query(db, documented("fee_statements_by_region"))
    want = {(truth_of(p)["agency"], truth_of(p)["year"], s["value"]): truth_of(p)["region"].split()[0]
            for p in [*WORDED, REAL / "hzq2024.pdf"] for s in truth_of(p)["statements"]
            if s["statement"] == "fees_charged"}
    assert len(want) >= 10
    assert sorted((agency, year, value) for _, _, agency, year, value, _ in fees) == sorted(want)
    assert all(province in (None, want[(agency, year, value)]) for province, _, agency, year, value, _ in fees)
    provinces = [province for province, *_ in fees]
    assert provinces == sorted(provinces, key=lambda p: (p is None, p or ""))  # by region, unplaced agencies last
    assert all("收" in sentence or "费" in sentence for *_, sentence in fees)


@pytest.mark.slow
def test_gongkai_search_prints_agency_year_section_sentence_and_source(words, capsys):
    _, db = words
    assert main(["search", "信息处理费", "--warehouse", str(db), "--section", "6", "--region", "江苏"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "淮安市洪泽区人民政府  2024  section 6 六、其他需要报告的事项",
        "    2024 年，区政府严格落实《政府信息公开信息处理费管理办法》，全年收取政府信息公开信息处理费 0 元。",
        f"    {words[0] / 'hzq2024.pdf'}, page 5 box (74, 228, 519, 274)",
        "(1 sentences)",
    ]
    assert main(["search", "信息处理费", "--warehouse", str(db), "--year", "1990"]) == 0
    assert capsys.readouterr().out == "(0 sentences)\n"


@pytest.mark.slow
def test_search_in_the_workbench_opens_the_sentence_in_its_source(words, tmp_path):
    from selenium.webdriver.common.by import By

    landing, db = words
    with serving(db, landing) as base, chromium(tmp_path / "profile") as browser:
        browser.get(base + "/reports")
        browser.find_element(By.LINK_TEXT, "search 搜索").click()
        browser.find_element(By.ID, "q").send_keys("受理政府信息公开申请")
        browser.find_element(By.ID, "region").send_keys("淮安")
        browser.find_element(By.ID, "search-form").submit()
        hits = browser.find_elements(By.CSS_SELECTOR, "#hits tr.hit")
        assert len(hits) == 1
        assert "淮安市洪泽区人民政府" in hits[0].text and "hzq2024.pdf, page 1" in hits[0].text
        hits[0].find_element(By.TAG_NAME, "a").click()
        sentence = browser.find_element(By.CSS_SELECTOR, "p.found .sentence")
        assert sentence.text == "2024 年，区政府办代表区政府受理政府信息公开申请 17 件，均已在法定期限内予以答复。"
        assert sentence.find_element(By.TAG_NAME, "mark").text == "受理政府信息公开申请"
        assert browser.current_url.endswith("#s1p3")
        image = browser.find_element(By.CSS_SELECTOR, "img.crop")
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 100
        missing = browser.find_elements(By.XPATH, "//h2[contains(., 'heading not found')]")
        assert missing == []  # the real report prints all six headings


@pytest.mark.slow
def test_a_narrative_finding_shows_the_cell_and_the_sentence(words, tmp_path):
    from selenium.webdriver.common.by import By

    landing, db = words
    (finding_id,) = query(db, "select f.finding_id from findings f join reports r using (report_id) where "
                              "f.expectation = 'narrative_matches_table' and r.source_path like '%hzq2024.pdf'")[0]
    with serving(db, landing) as base, chromium(tmp_path / "profile") as browser:
        browser.get(f"{base}/findings/{finding_id}")
        assert "observed 17, expected 95" in browser.find_element(By.TAG_NAME, "main").text
        crop = browser.find_element(By.CSS_SELECTOR, "img.crop")  # the cell outlined on its page
        assert "cell=applications%2Fnew_received%2Ftotal" in crop.get_attribute("src")
        browser.find_element(By.CSS_SELECTOR, "#narrative a").click()
        sentence = browser.find_element(By.CSS_SELECTOR, "p.found .sentence")
        assert sentence.text == "2024 年，区政府办代表区政府受理政府信息公开申请 17 件，均已在法定期限内予以答复。"
