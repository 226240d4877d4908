"""The catalog's identity rows against the spec's table of identities, and its other template facts."""

import pytest

from transforms import catalog
from transforms.gazetteer import place_of
from transforms.metadata import agency_from
from transforms.values import parse_value, to_unit

APPS, REVIEW, PROACTIVE = "applications", "review_litigation", "proactive"


def _identities(template: str) -> dict[tuple[str, str], set[tuple]]:
    """(expectation, scope) → its terms as (side, sign, table, item, column, year offset)."""
    out: dict[tuple[str, str], set[tuple]] = {}
    for t in catalog.identity_terms(template):
        out.setdefault((t.expectation, t.scope), set()).add(
            (t.side, t.sign, t.table_code, t.item_code, t.column_code, t.year_offset))
    return out


def _is_outcome(item: str, template: str) -> bool:
    """The spec: granted + partially_granted + all denied_* + all unavailable_* + all not_processed_*
    + other_handling (2019) or other_* (2021)."""
    other = item == "other_handling" if template == "2019" else item.startswith("other_")
    return (item in ("granted", "partially_granted") or item.startswith(("denied_", "unavailable_", "not_processed_"))
            or other)


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_identity_rows_reproduce_the_spec_table(template):
    apps_items = catalog.item_codes(template, APPS)
    spec: dict[tuple[str, str], set[tuple]] = {}
    for col in catalog.APPLICANT_COLUMNS:  # each applicant column
        spec[("applications_balance", col)] = {
            ("observed", 1, APPS, "new_received", col, 0), ("observed", 1, APPS, "carried_over", col, 0),
            ("expected", 1, APPS, "total_processed", col, 0), ("expected", 1, APPS, "carried_forward", col, 0)}
        spec[("applications_outcomes", col)] = {("observed", 1, APPS, "total_processed", col, 0)} | {
            ("expected", 1, APPS, item, col, 0) for item in apps_items if _is_outcome(item, template)}
        spec[("carryover_continuity", col)] = {
            ("observed", 1, APPS, "carried_forward", col, -1), ("expected", 1, APPS, "carried_over", col, 0)}
    for row in apps_items:  # each row of table 三
        spec[("applications_applicants", row)] = {("observed", 1, APPS, row, "total", 0)} | {
            ("expected", 1, APPS, row, col, 0) for col in
            ("natural_person", "commercial_enterprise", "research_institution", "public_interest_org",
             "legal_service_org", "other_org")}
    for group in ("administrative_review", "litigation_direct", "litigation_after_review"):
        spec[("review_litigation_total", group)] = {("observed", 1, REVIEW, group, "total", 0)} | {
            ("expected", 1, REVIEW, group, col, 0) for col in ("upheld", "corrected", "other_result", "pending")}
    if template == "2021":
        for item in ("regulations", "normative_documents"):
            spec[("in_force_continuity", item)] = {
                ("observed", 1, PROACTIVE, item, "in_force", 0), ("expected", 1, PROACTIVE, item, "in_force", -1),
                ("expected", 1, PROACTIVE, item, "issued", 0), ("expected", -1, PROACTIVE, item, "repealed", 0)}
    assert _identities(template) == spec


def test_every_identity_term_is_a_cell_of_its_template():
    for template in catalog.TEMPLATES:
        units = catalog.cell_units(template)
        assert all((t.table_code, t.item_code, t.column_code) in units for t in catalog.identity_terms(template))


def test_expectations_and_suites():
    assert catalog.IDENTITIES == ("applications_balance", "applications_outcomes", "applications_applicants",
                                  "review_litigation_total")
    assert catalog.CROSS_YEAR == ("carryover_continuity", "in_force_continuity")
    assert catalog.SUITES == ("in_report_identities", "cross_year_identities", "value_domain", "completeness",
                              "narrative")
    assert catalog.EXPECTATIONS["blank_cells"].severity == "warning"


def test_template_of_a_year():
    years = (None, 2018, 2020, 2021, 2024)
    assert [catalog.template_of_year(y) for y in years] == ["2019", "2019", "2019", "2021", "2021"]


def test_printed_scales():
    assert catalog.printed_scale(PROACTIVE, "fee_amount") == 10000.0  # the 2021 header prints 万元
    assert {catalog.printed_scale(c.table_code, c.column_code) for c in catalog.columns()} == {1.0, 10000.0}
    assert to_unit(parse_value("66.29万元"), "yuan") == 662900


def test_domain_rules_first_fit():
    assert [(r.unit, r.column_code, r.signed, r.whole) for r in catalog.domain_rules()] == [
        ("count", "change", True, True), ("count", "", False, True), ("yuan", "", False, False)]


def test_one_administrative_unit_pattern_for_names_and_gazetteer():
    assert place_of("清苑区财政局") == ("清苑区", True)
    assert place_of("乌苏市住房和城乡建设局") == ("乌苏市", True)  # 城乡 names no township
    assert place_of("阿拉善盟额济纳旗苏木") == ("阿拉善盟额济纳旗苏木", True)
    assert place_of("银坑镇人民政府") == ("银坑镇", False)
    # a body printed whole keeps the places it prints (issue 14: never a name the report does not print)
    assert (agency_from(["内蒙古自治区阿拉善盟额济纳旗人民政府2021年政府信息公开工作年度报告"])
            == "内蒙古自治区阿拉善盟额济纳旗人民政府")
    assert agency_from(["阿拉善盟额济纳旗2021年政府信息公开工作年度报告", "额济纳旗人民政府"]) == "额济纳旗人民政府"
    assert catalog.pattern("admin_unit").fullmatch("特别行政区")
