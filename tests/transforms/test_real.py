"""The published report data/real/hzq2024.pdf (made with WPS, 2021 template, mixed layout), read by
the transforms alone, and the placement of rows by the template's order that it needs."""

import json

import pytest
from conftest import REAL, SAMPLES

from transforms.facts import fact_columns
from transforms.identities import identity_sides
from transforms.reports import read_report
from warehouse.schema import FACTS


@pytest.fixture(scope="module")
def hzq():
    return read_report("hzq2024.pdf", (REAL / "hzq2024.pdf").read_bytes())


@pytest.fixture(scope="module")
def truth():
    return json.loads((REAL / "hzq2024.truth.json").read_text(encoding="utf-8"))


def _cells(report) -> dict:
    return {(c.table_code, c.item_code, c.column_code): c for c in report.cells}


def test_every_truth_cell_and_the_printed_name(hzq, truth):
    got = {k: c.value for k, c in _cells(hzq).items() if k[1] != "other_handling"}
    assert got == {(c["table"], c["item"], c["column"]): c["value"] for c in truth["cells"]}
    assert (hzq.year, hzq.template, hzq.status) == (2024, "2021", "parsed")
    assert hzq.agency == truth["agency"]  # as printed, with its city
    assert " ".join((hzq.province, hzq.prefecture, hzq.county)) == truth["region"]


def test_wrapped_label_and_table_continued_mid_group(hzq):
    cells = _cells(hzq)
    partial = cells[("applications", "partially_granted", "natural_person")]
    assert (partial.value, partial.source.page) == (9, 3)  # label wrapped over two lines, value lower
    assert cells[("applications", "unavailable_not_held", "total")].source.page == 3
    assert cells[("applications", "unavailable_needs_creation", "total")].source.page == 4


def test_one_row_other_handling_stored_as_printed(hzq):
    cells = _cells(hzq)
    assert [cells[("applications", "other_handling", c)].value for c in
            ("natural_person", "commercial_enterprise", "total")] == [0, 0, 0]
    assert not any(k[1] in ("other_overdue_correction", "other_unpaid_fee", "other_other") for k in cells)
    assert any("other_handling as one row" in n for n in hzq.notes)
    sides = identity_sides(FACTS.frame(fact_columns("hzq", hzq)), {"hzq": "2021"})
    outcomes = sides.filter(expectation="applications_outcomes")
    assert outcomes.height == 7 and outcomes["assessable"].all()
    assert (outcomes["observed"] == outcomes["expected"]).all()
    assert "other_handling" in sides.filter(expectation="applications_applicants")["scope"].to_list()


def test_misspelt_row_placed_by_order_and_named(hzq):
    placed = [n for n in hzq.notes if "placed by the template's order" in n]
    assert len(placed) == 1
    assert "2.其他法律行政止公开" in placed[0] and placed[0].endswith("as denied_prohibited_by_law")
    assert _cells(hzq)[("applications", "denied_prohibited_by_law", "total")].source.page == 3


def _sample_002(edit) -> str:
    text = (SAMPLES / "002_9440981a45cb5a2e.txt").read_text(encoding="utf-8")
    return edit(text)


def test_one_place_left_places_the_row():
    text = _sample_002(lambda t: t.replace("2. 其他法律行政法规禁止公开", "2. 其他法律行政止公开"))
    report = read_report("x.txt", text.encode())
    original = read_report("x.txt", (SAMPLES / "002_9440981a45cb5a2e.txt").read_bytes())
    assert {k: c.value for k, c in _cells(report).items()} == {k: c.value for k, c in _cells(original).items()}
    assert any("'2.其他法律行政止公开'" in n and "as denied_prohibited_by_law" in n for n in report.notes)


def test_two_places_leave_the_row_out_and_name_it():
    lines = _sample_002(lambda t: t.replace("2. 其他法律行政法规禁止公开", "2. 其他法律行政止公开")).splitlines()
    lines = [line for line in lines if "3. 危及“三安全一稳定”" not in line]  # the row after it is not printed
    report = read_report("x.txt", "\n".join(lines).encode())
    items = {k[1] for k in _cells(report)}
    assert not items & {"denied_prohibited_by_law", "denied_endangers_security"}
    note = next(n for n in report.notes if "2.其他法律行政止公开" in n)
    assert "denied_prohibited_by_law、denied_endangers_security" in note and "left out" in note
    assert report.status == "partial"


@pytest.mark.slow  # an end-to-end run
def test_one_agency_under_two_names_through_the_warehouse(tmp_path):
    """洪泽区人民政府 (2023) and 淮安市洪泽区人民政府 (2024): one agency_id, one agencies row with both
    names, the cross-year identities chained, one series in v_agency_year."""
    from conftest import query

    from cli.main import summary
    from pipelines.run import ingest

    land = tmp_path / "landing"
    land.mkdir()
    (land / "hzq2024.pdf").write_bytes((REAL / "hzq2024.pdf").read_bytes())
    text = (SAMPLES / "004_cf77e8731c91250a.txt").read_text(encoding="utf-8")
    text = text.replace("隆德县联财镇 2019 年政府信息公开工作年度报告",
                        "洪泽区人民政府 2023 年政府信息公开工作年度报告")
    (land / "hzq2023.txt").write_text(text, encoding="utf-8")
    unresolved = text.replace("洪泽区人民政府 2023 年", "平潭综合实验区 2022 年")
    (land / "pt2022.txt").write_text(unresolved, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    assert ingest(land, db, echo=False)
    reports = query(db, "select year, agency, agency_id from reports order by year")
    assert reports == [(2022, "平潭综合实验区", "name:平潭综合实验区"), (2023, "洪泽区人民政府", "320813:人民政府"),
                       (2024, "淮安市洪泽区人民政府", "320813:人民政府")]
    assert query(db, "select distinct agency_id from facts order by 1") == [
        ("320813:人民政府",), ("name:平潭综合实验区",)
    ]
    assert query(db, "select agency_id, agency, names, division_code, linked, county, reports "
                     "from agencies order by 1") == [
        ("320813:人民政府", "淮安市洪泽区人民政府", ["洪泽区人民政府", "淮安市洪泽区人民政府"],
         "320813", True, "洪泽区", 2),
        ("name:平潭综合实验区", "平潭综合实验区", ["平潭综合实验区"], None, False, None, 1)]
    assert "agencies known by their name alone, to link to a division: 1: 平潭综合实验区" in summary(db)
    chained = query(db, "select count(*) from expectation_results e join reports r using (report_id) "
                        "where e.expectation = 'carryover_continuity' and r.year = 2024 and e.success is not null")
    assert chained == [(7,)]
    unchained = query(db, "select count(*) from expectation_results e join reports r using (report_id) "
                          "where e.expectation = 'carryover_continuity' and r.year = 2023")
    assert unchained == [(0,)]  # 平潭综合实验区 (2022) is another body
    series = query(db, "select year, agency, received, received_change is not null from v_agency_year "
                       "where agency_id = '320813:人民政府' order by year")
    assert [(y, a, c) for y, a, _, c in series] == [(2023, "洪泽区人民政府", False),
                                                    (2024, "淮安市洪泽区人民政府", True)]


def test_completeness_counts_the_printed_row_for_its_parts(hzq):
    from transforms.identities import completeness_sides

    sides = completeness_sides(FACTS.frame(fact_columns("hzq", hzq)), {"hzq": "2021"})
    tables = sides.filter(expectation="completeness").select("scope", "observed", "expected").rows()
    assert sorted(tables) == [("applications", 161.0, 161.0), ("proactive", 10.0, 10.0),
                              ("review_litigation", 15.0, 15.0)]
