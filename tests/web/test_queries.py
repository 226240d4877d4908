"""The workbench's reading of an identity: its two sides from the catalog's terms, with signs and
the year before."""

from web import queries


def _cell(report: str, item: str, column: str, value: float | None) -> dict:
    return {"cell_report_id": report, "table_code": "proactive", "item_code": item, "column_code": column,
            "used": value, "raw_text": None if value is None else f"{value:g}",
            "item_label": queries.item_label("proactive", item),
            "column_label": queries.column_label("proactive", column)}


def test_a_cross_year_identity_has_its_signs_and_the_year_before():
    finding = {"template": "2021", "expectation": "in_force_continuity", "scope": "regulations", "report_id": "now"}
    cells = [_cell("before", "regulations", "in_force", 10), _cell("now", "regulations", "in_force", 12),
             _cell("now", "regulations", "issued", 3), _cell("now", "regulations", "repealed", 2)]
    observed, expected = queries._sides(finding, cells)
    assert [(c["cell_report_id"], c["column_code"], c["sign"], c["year_offset"]) for c in observed.cells] == [
        ("now", "in_force", 1, 0)]
    assert [(c["cell_report_id"], c["column_code"], c["sign"], c["year_offset"]) for c in expected.cells] == [
        ("before", "in_force", 1, -1), ("now", "issued", 1, 0), ("now", "repealed", -1, 0)]
    assert (observed.total, expected.total) == (12, 11)
    assert observed.cells[0]["item_label"] == "规章"


def test_a_cell_the_reader_did_not_find_is_shown_without_a_value():
    finding = {"template": "2021", "expectation": "in_force_continuity", "scope": "regulations", "report_id": "now"}
    observed, expected = queries._sides(finding, [_cell("now", "regulations", "in_force", 12)])
    assert [c["used"] for c in expected.cells] == [None, None, None] and expected.total == 0
    assert queries._sides({**finding, "expectation": "value_domain", "scope": "regulations/in_force"}, []) is None
