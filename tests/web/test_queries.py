"""The workbench's reading of an identity: its two sides as judged, from the terms kept in
``expectation_results`` (signs, the year before, a cell not read), never worked out again."""

from datetime import datetime

from warehouse.store import connect
from web import queries


def _term(report: str, column: str, side: str, sign: int, value: float | None) -> dict:
    return {"report_id": report, "table_code": "proactive", "item_code": "regulations", "column_code": column,
            "side": side, "sign": sign, "value": value}


def _finding(tmp_path, terms: list[dict], observed: float | None, expected: float | None) -> tuple:
    con = connect(tmp_path / "w.duckdb")
    con.execute("insert into expectation_results (report_id, expectation, scope, observed, expected, difference, "
                "success, cells, terms) values ('now', 'in_force_continuity', 'regulations', ?, ?, ?, false, [], ?)",
                [observed, expected, None if None in (observed, expected) else observed - expected, terms])
    finding_id = con.execute("select left(md5('now|in_force_continuity|regulations'), 12)").fetchall()[0][0]
    f = {"finding_id": finding_id, "report_id": "now", "observed": observed, "expected": expected, "decisions": [],
         "pending": {}}
    return con, f


def test_a_cross_year_identity_shows_the_terms_it_was_judged_on(tmp_path):
    terms = [_term("now", "in_force", "observed", 1, 12), _term("before", "in_force", "expected", 1, 10),
             _term("now", "issued", "expected", 1, 3), _term("now", "repealed", "expected", -1, 2)]
    con, f = _finding(tmp_path, terms, 12, 11)
    observed, expected = queries._sides(con, f, [])
    def shown(side):
        return [(c["cell_report_id"], c["column_code"], c["sign"], c["year_offset"], c["used"]) for c in side.cells]

    assert shown(observed) == [("now", "in_force", 1, 0, 12)]
    assert shown(expected) == [
        ("before", "in_force", 1, -1, 10), ("now", "issued", 1, 0, 3), ("now", "repealed", -1, 0, 2)]
    assert (observed.total, expected.total) == (12, 11)
    assert observed.cells[0]["item_label"] == "规章" and observed.cells[0]["column_label"] == "现行有效件数"


def test_a_pending_correction_works_out_the_corrected_sides(tmp_path):
    terms = [_term("now", "in_force", "observed", 1, 12), _term("before", "in_force", "expected", 1, 10),
             _term("now", "issued", "expected", 1, 3), _term("now", "repealed", "expected", -1, 2)]
    con, f = _finding(tmp_path, terms, 12, 11)
    f["decisions"] = [{"decision": "correction", "decided_at": datetime(2999, 1, 1), "report_id": "now",
                       "table_code": "proactive", "item_code": "regulations", "column_code": "issued", "value": 4.0}]
    observed, expected = queries._sides(con, f, [])
    assert f["pending"] == {("now", "proactive", "regulations", "issued"): 4.0}
    assert (observed.corrected, expected.corrected) == (12, 12)  # with the correction the identity holds


def test_a_result_without_terms_has_no_sides(tmp_path):
    con, f = _finding(tmp_path, [], 12, None)
    assert queries._sides(con, f, []) is None
