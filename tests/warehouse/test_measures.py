"""The measures of measures.csv: their terms, their values on a hand-computed warehouse and on the
samples, small denominators, corrections, open findings, and their documentation."""

import pytest
from conftest import DOCS, query, truths
from handmade import OPEN_FINDING, A, B, C, D, build, report_id

from transforms import catalog
from warehouse import views
from warehouse.store import connect


@pytest.fixture
def handmade(tmp_path):
    return build(tmp_path / "handmade.duckdb")


def measure_of(db, agency_id: str, year: int, code: str) -> tuple:
    return query(db, "select numerator, denominator, value, small_denominator, has_corrections, open_findings "
                     "from v_measures where agency_id = ? and year = ? and measure = ?", [agency_id, year, code])[0]


def test_the_required_measures_are_in_the_catalog_with_their_cells():
    codes = [m.code for m in catalog.measures()]
    for code in ("received", "processed", "disclosure_rate", "refusal_share", "unavailable_share",
                 "review_correction_rate", "lawsuit_correction_rate", "fees_charged", "documents_in_force"):
        assert code in codes
    refusal = catalog.measure("refusal_share")
    assert [t.item_code for t in refusal.terms if t.part == "numerator"] == [
        i.item_code for i in catalog.items() if i.item_code.startswith("denied_")]
    denominator = [(t.item_code, t.column_code) for t in refusal.terms if t.part == "denominator"]
    assert denominator == [("total_processed", "total")]
    assert refusal.min_denominator == 10 and refusal.is_share and not catalog.measure("received").is_share


def test_a_term_naming_no_cell_is_refused():
    with pytest.raises(ValueError, match="no cell"):
        catalog._measure_terms("numerator", "applications/granted/nobody")


def test_measures_on_the_handmade_warehouse(handmade):
    assert measure_of(handmade, A, 2021, "received") == (40, None, 40, False, False, 0)
    assert measure_of(handmade, A, 2021, "disclosure_rate") == (26, 40, 0.65, False, False, 0)
    assert measure_of(handmade, A, 2021, "refusal_share") == (6, 40, 0.15, False, False, 0)
    assert measure_of(handmade, A, 2021, "unavailable_share") == (5, 40, 0.125, False, False, 0)
    assert measure_of(handmade, A, 2021, "not_processed_share") == (3, 40, 0.075, False, False, 0)
    assert measure_of(handmade, A, 2021, "review_correction_rate")[:3] == (2, 6, pytest.approx(1 / 3))
    assert measure_of(handmade, A, 2021, "lawsuit_correction_rate") == (1, 5, 0.2, False, False, 0)
    assert measure_of(handmade, A, 2021, "fees_charged")[:3] == (1200, None, 1200)
    # a blank 部分公开 adds nothing; a measure none of whose cells is printed is NULL, not 0
    assert measure_of(handmade, B, 2021, "disclosure_rate")[:3] == (6, 12, 0.5)
    assert measure_of(handmade, B, 2021, "fees_charged")[:3] == (None, None, None)
    assert measure_of(handmade, D, 2021, "refusal_share")[:3] == (20, 100, 0.2)


def test_a_small_denominator_is_flagged_and_an_open_finding_marked(handmade):
    assert measure_of(handmade, C, 2021, "refusal_share") == (3, 4, 0.75, True, False, 0)
    assert measure_of(handmade, *OPEN_FINDING, "review_correction_rate") == (1, 3, pytest.approx(1 / 3), True, False, 1)
    assert measure_of(handmade, *OPEN_FINDING, "disclosure_rate") == (40, 50, 0.8, False, False, 1)


def test_a_correction_changes_the_measure(handmade):
    with connect(handmade) as con:
        con.execute("update facts set corrected = true, corrected_value = 10, corrected_by = 'test' "
                    "where report_id = ? and item_code = 'denied_state_secret'", [report_id(A, 2021)])
    assert measure_of(handmade, A, 2021, "refusal_share") == (14, 40, 0.35, False, True, 0)
    assert query(handmade, "select refusal_share, has_corrections from v_agency_year "
                           "where agency_id = ? and year = 2021", [A]) == [(0.35, True)]


def test_agency_year_carries_every_measure(handmade):
    row = query(handmade, "select received, processed, disclosure_rate, refusal_share, review_correction_rate, "
                          "lawsuit_correction_rate, fees_charged, disclosure_rate_change from v_agency_year "
                          "where agency_id = ? and year = 2022", [A])
    assert row == [(50, 50, 0.8, 0.1, pytest.approx(1 / 3), None, None, pytest.approx(0.15))]


@pytest.mark.slow
def test_measures_on_the_samples_match_their_truth(sample_warehouse):
    def cell(t, item, column="total", table="applications"):
        return next((c["value"] for c in t["cells"]
                     if (c["table"], c["item"], c["column"]) == (table, item, column)), None)

    got = {(a, y): (r, n, d, s) for a, y, r, n, d, s in query(sample_warehouse, """
        select agency, year, max(value) filter (measure = 'received'),
               max(numerator) filter (measure = 'disclosure_rate'),
               max(denominator) filter (measure = 'disclosure_rate'),
               bool_or(small_denominator) filter (measure = 'disclosure_rate')
        from v_measures group by agency, year""")}
    want = {}
    for t in truths().values():
        processed = cell(t, "total_processed")
        disclosed = (cell(t, "granted") or 0) + (cell(t, "partially_granted") or 0)
        want[(t["agency"], t["year"])] = (cell(t, "new_received"), disclosed, processed, (processed or 0) < 10)
    assert got == want


def test_every_measure_is_documented_with_its_definition():
    page = (DOCS / "warehouse.md").read_text(encoding="utf-8")
    assert views.measures_markdown() in page
    for m in catalog.measures():
        assert f"`{m.code}` **{m.label_zh}**" in page and m.note in page
