"""The analysis pages in a real browser (headless Chromium) over the hand-made warehouse of
tests/handmade.py: each page's charts are drawn (the SVG has marks), the SQL each chart shows runs
as is with `gongkai sql` and returns the chart's data, numbers lead to their facts and from there to
the source cells, small denominators are hidden, and a steward's correction changes a measure."""

import csv
import io
import urllib.error
import urllib.parse
import urllib.request

import pytest
from client import chromium, serving
from handmade import A, C, D, build, report_id

from cli.main import main
from warehouse.store import connect

PAGES = {  # path: the charts it draws
    "/analysis": ["reports_by_year", "reports_by_province", "agencies_per_year", "findings_by_province"],
    "/analysis/region?province=江苏省&measure=refusal_share&year=2021": ["region_tiles", "region_trend"],
    f"/analysis/agency?agency_id={A}": ["agency_counts", "agency_shares"],
    "/analysis/rankings?measure=disclosure_rate&year=2021&level=county": ["ranking"],
    "/analysis/refusals?prefecture=淮安市": ["refusal_reasons"],
}


@pytest.fixture(scope="module")
def handmade(tmp_path_factory):
    return build(tmp_path_factory.mktemp("handmade") / "handmade.duckdb")


def url(base: str, path: str) -> str:
    return base + urllib.parse.quote(path, safe="/?=&:")


def fetch(address: str) -> str:
    with urllib.request.urlopen(address) as r:
        return r.read().decode("utf-8")


def sql_csv(db, sql: str, capsys) -> list[list[str]]:
    capsys.readouterr()
    assert main(["sql", sql, "--csv", "--warehouse", str(db)]) == 0
    return list(csv.reader(io.StringIO(capsys.readouterr().out)))


@pytest.mark.slow
def test_every_page_draws_its_charts_and_shows_sql_that_gongkai_sql_runs(handmade, tmp_path, capsys):
    from selenium.webdriver.common.by import By

    with serving(handmade, tmp_path) as base, chromium(tmp_path / "profile") as browser:
        for path, names in PAGES.items():
            browser.get(url(base, path))
            for name in names:
                section = browser.find_element(By.ID, f"chart-{name}")
                marks = section.find_elements(By.CSS_SELECTOR, "svg .role-mark [role='graphics-symbol']")
                sql = section.find_element(By.CSS_SELECTOR, "pre.sql").get_attribute("textContent")
                rows = sql_csv(handmade, sql, capsys)
                assert len(rows) > 1, (path, name)  # the fixture gives every chart data
                assert len(marks) >= len(rows) - 1, (path, name)  # a mark per row at least (bars, points, tiles)
                export = section.find_element(By.PARTIAL_LINK_TEXT, "CSV").get_attribute("href")
                assert list(csv.reader(io.StringIO(fetch(export)))) == rows, (path, name)
                shown = section.find_elements(By.CSS_SELECTOR, "table.data tr")
                assert len(shown) == len(rows), (path, name)  # the data under the chart is the query's
                svg = section.find_element(By.PARTIAL_LINK_TEXT, "SVG").get_attribute("href")
                assert fetch(svg).startswith("<svg") and "role-mark" in fetch(svg)


@pytest.mark.slow
def test_a_number_leads_to_its_facts_and_their_cells(handmade, tmp_path):
    from selenium.webdriver.common.by import By

    with serving(handmade, tmp_path) as base, chromium(tmp_path / "profile") as browser:
        browser.get(url(base, "/analysis/region?prefecture=淮安市&by=county&measure=refusal_share&year=2021"))
        tiles = browser.find_elements(By.CSS_SELECTOR, "#chart-region_tiles svg a")
        assert tiles and all("/analysis/region?" in t.get_dom_attribute("xlink:href") for t in tiles)
        row = next(tr for tr in browser.find_elements(By.CSS_SELECTOR, "#chart-region_agencies tr")
                   if "洪泽区人民政府" in tr.text)
        assert "0.15" in row.text  # 6 refused of 40 processed
        row.find_element(By.PARTIAL_LINK_TEXT, "0.15").click()
        facts = browser.find_elements(By.CSS_SELECTOR, "#facts tr")[1:]
        printed = sorted((tr.find_elements(By.TAG_NAME, "td")[2].text, tr.find_elements(By.TAG_NAME, "td")[5].text)
                         for tr in facts)
        assert printed == [("denominator", "40"), ("numerator", "2"), ("numerator", "4")]
        facts[0].find_element(By.CSS_SELECTOR, "td:last-child a").click()
        assert f"/reports/{report_id(A, 2021)}/cells/applications/" in browser.current_url
        assert "printed" in browser.find_element(By.TAG_NAME, "main").text


@pytest.mark.slow
def test_small_denominators_are_hidden(handmade, tmp_path):
    from selenium.webdriver.common.by import By

    with serving(handmade, tmp_path) as base, chromium(tmp_path / "profile") as browser:
        # 马坝镇: 3 refused of 4 processed, below the minimum of 10: no point, a dash in its table
        browser.get(url(base, f"/analysis/agency?agency_id={C}"))
        assert browser.find_elements(By.CSS_SELECTOR, "#chart-agency_shares table.data tr")[1:] == []
        row = next(tr for tr in browser.find_elements(By.CSS_SELECTOR, "#years tr") if "refusal_share" in tr.text)
        assert row.find_elements(By.TAG_NAME, "td")[5].text == "—"
        browser.get(url(base, "/analysis/rankings?measure=refusal_share&year=2021&level=township"))
        assert browser.find_elements(By.CSS_SELECTOR, "#chart-ranking table.data tr")[1:] == []
        browser.get(url(base, "/analysis/rankings?measure=refusal_share&year=2021&level=county"))
        ranked = [tr.find_elements(By.TAG_NAME, "td")[0].text
                  for tr in browser.find_elements(By.CSS_SELECTOR, "#chart-ranking table.data tr")[1:]]
        assert ranked == ["盱眙县人民政府", "南京市江宁区人民政府", "淮安市洪泽区人民政府"]  # 0.25, 0.2, 0.15
        browser.get(url(base, "/analysis/rankings?measure=refusal_share&year=2021&level=county&min=20"))
        ranked = [tr.find_elements(By.TAG_NAME, "td")[0].text
                  for tr in browser.find_elements(By.CSS_SELECTOR, "#chart-ranking table.data tr")[1:]]
        assert ranked == ["南京市江宁区人民政府", "淮安市洪泽区人民政府"]  # 盱眙县's 12 requests are below 20


@pytest.mark.slow
def test_a_correction_changes_the_measure_shown(tmp_path):
    handmade = build(tmp_path / "corrected.duckdb")  # its own: the others keep the printed values
    tiles = "/analysis/export/region_tiles.csv?province=江苏省&prefecture=南京市&measure=refusal_share&year=2021"
    with serving(handmade, tmp_path) as base:
        before = list(csv.DictReader(io.StringIO(fetch(url(base, tiles)))))
        assert [(r["region"], r["numerator"], r["value"]) for r in before] == [("江宁区", "20.0", "0.2")]
        with connect(handmade) as con:  # what `gongkai decide --as correction` writes
            con.execute("update facts set corrected = true, corrected_value = 30, corrected_by = 'test' "
                        "where report_id = ? and item_code = 'denied_third_party_rights'", [report_id(D, 2021)])
        after = list(csv.DictReader(io.StringIO(fetch(url(base, tiles)))))
        assert [(r["region"], r["numerator"], r["value"], r["has_corrections"]) for r in after] == [
            ("江宁区", "30.0", "0.3", "True")]
        page = fetch(url(base, f"/analysis/facts?measure=refusal_share&year=2021&agency_id={D}"))
        assert "corrected from 20" in page


def test_a_region_total_is_a_ratio_of_sums(handmade, tmp_path):
    with serving(handmade, tmp_path) as base:
        rows = list(csv.DictReader(io.StringIO(fetch(url(
            base, "/analysis/export/region_tiles.csv?province=江苏省&measure=refusal_share&year=2021")))))
    got = {r["region"]: (r["agencies"], r["numerator"], r["denominator"], r["value"]) for r in rows}
    # 淮安市: 洪泽区 6/40, 盱眙县 3/12, 马坝镇 3/4 → 12/56; 南京市: 江宁区 20/100
    assert got == {"淮安市": ("3", "12.0", "56.0", str(round(12 / 56, 4))), "南京市": ("1", "20.0", "100.0", "0.2")}


def test_a_warehouse_without_the_measures_says_what_to_do(tmp_path):
    import duckdb

    old = tmp_path / "old.duckdb"
    duckdb.connect(str(old)).execute("create table reports (report_id varchar)").close()
    with serving(old, tmp_path) as base:
        for path in ("/analysis", "/analysis/region", "/analysis/export/ranking.csv"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                fetch(base + path)
            assert refused.value.code == 503
            assert "run `gongkai ingest`" in refused.value.read().decode("utf-8")


def test_the_demo_banner_is_in_every_page_header(handmade, tmp_path, monkeypatch):
    import functools

    import client

    from web.app import create_app

    banner = "演示数据：生成的报告 · generated demo reports"
    monkeypatch.setattr(client, "create_app", functools.partial(create_app, banner=banner))
    with serving(handmade, tmp_path) as base:
        for path in ("/analysis", "/analysis/region", "/findings", "/reports"):
            page = fetch(url(base, path))
            assert f'<div class="banner" id="banner">{banner}</div>' in page, path
    monkeypatch.undo()
    with serving(handmade, tmp_path) as base:  # without one, none
        assert 'id="banner"' not in fetch(url(base, "/findings"))
