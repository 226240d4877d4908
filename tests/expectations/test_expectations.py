import polars as pl

from expectations.runner import judge_sides
from expectations.suites import sides_suite
from transforms import catalog
from transforms.identities import (
    IDENTITY_SCHEMA,
    completeness_sides,
    cross_year_items,
    cross_year_sides,
    domain_frame,
    identity_sides,
)


def test_suite_has_one_expectation_per_identity():
    suite = sides_suite("in_report_identities")
    assert [e.meta["expectation"] for e in suite.expectations] == list(catalog.IDENTITIES)


def test_verdicts_per_row():
    sides = pl.DataFrame(
        [
            ("r", "applications_balance", "total", 4.0, 4.0, True, [], [], []),
            ("r", "applications_balance", "other_org", 4.0, 0.0, True, [], [], []),
            ("r", "review_litigation_total", "administrative_review", None, None, False,
             [], ["administrative_review/total"], []),
            ("r", "applications_applicants", "granted", 0.0, 0.0, True, ["granted/other_org"], [], []),
        ],
        schema=IDENTITY_SCHEMA,
        orient="row",
    )
    assert judge_sides(sides, "in_report_identities")["success"].to_list() == [True, False, None, True]


def test_blank_counts_as_zero_and_missing_is_not_assessable():
    rows = [
        ("r", "applications", "new_received", col, None if col == "other_org" else 0.0)
        for col in catalog.APPLICANT_COLUMNS
    ]
    facts = pl.DataFrame(rows, schema=["report_id", "table_code", "item_code", "column_code", "value"], orient="row")
    sides = identity_sides(facts, {"r": "2019"})
    row = sides.filter(scope="new_received", expectation="applications_applicants").row(0, named=True)
    assert (row["observed"], row["expected"], row["assessable"]) == (0.0, 0.0, True)
    assert row["blank_cells"] == ["new_received/other_org"]
    balance = sides.filter(scope="total", expectation="applications_balance").row(0, named=True)
    assert balance["assessable"] is False and "carried_over/total" in balance["missing_cells"]


FACT_SCHEMA = {"report_id": pl.String, "table_code": pl.String, "item_code": pl.String, "column_code": pl.String,
               "unit": pl.String, "value": pl.Float64}


def _facts(values: dict[tuple[str, str, str, str], float | None]) -> pl.DataFrame:
    rows = [(*key, "count", v) for key, v in values.items()]
    return pl.DataFrame(rows, schema=FACT_SCHEMA, orient="row")


def _full(report_id: str, template: str, value: float = 1.0) -> dict[tuple[str, str, str, str], float | None]:
    return {(report_id, c.table_code, c.item_code, c.column_code): value for c in catalog.cells(template)}


def test_missing_cell_judged_null_and_blank_judged_as_zero_with_a_note():
    values = _full("r", "2019", 0.0)
    del values[("r", "review_litigation", "litigation_direct", "pending")]
    values[("r", "review_litigation", "administrative_review", "pending")] = None
    judged = judge_sides(identity_sides(_facts(values), {"r": "2019"}), "in_report_identities")
    review = {r["scope"]: r for r in judged.filter(expectation="review_litigation_total").iter_rows(named=True)}
    missing, blank = review["litigation_direct"], review["administrative_review"]
    assert (missing["success"], missing["observed"], missing["expected"]) == (None, None, None)
    assert missing["missing_cells"] == ["litigation_direct/pending"]
    assert (blank["success"], blank["observed"], blank["expected"]) == (True, 0.0, 0.0)
    assert blank["blank_cells"] == ["administrative_review/pending"]
    assert [c["column_code"] for c in blank["cells"]] == ["total", "upheld", "corrected", "other_result", "pending"]
    assert judged.filter(pl.col("success").is_null()).height == 1


def test_sides_are_signed_sums_of_the_terms():
    values = _full("r", "2021", 0.0)
    values |= {("r", "applications", "new_received", "total"): 5.0, ("r", "applications", "carried_over", "total"): 2.0,
               ("r", "applications", "total_processed", "total"): 6.0,
               ("r", "applications", "carried_forward", "total"): 3.0}
    sides = identity_sides(_facts(values), {"r": "2021"})
    row = sides.filter(expectation="applications_balance", scope="total").row(0, named=True)
    assert (row["observed"], row["expected"]) == (7.0, 9.0)
    assert sides.height == len({(t.expectation, t.scope) for t in catalog.identity_terms("2021")
                                if t.expectation in catalog.IDENTITIES})


def _reports(rows: list[tuple[str, str | None, int | None, str]]) -> pl.DataFrame:
    schema = {"report_id": pl.String, "agency_id": pl.String, "year": pl.Int64, "template": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def test_cross_year_sides_pair_an_agency_with_its_year_before():
    values = _full("a2020", "2019") | _full("a2021", "2021") | _full("a2022", "2021")
    values[("a2021", "applications", "carried_forward", "other_org")] = 4.0  # ≠ carried_over 2022: a break
    values[("a2021", "proactive", "regulations", "in_force")] = None  # blank: counted as 0
    del values[("a2022", "proactive", "normative_documents", "issued")]  # missing: not assessable
    values |= {("a2022bis", "applications", "carried_forward", "total"): 1.0,  # a thinner republication of 2022
               ("a2020bis", "applications", "carried_forward", "total"): 9.0}  # and of 2020: a2020 is the year before
    reports = _reports([("a2020", "A", 2020, "2019"), ("a2020bis", "A", 2020, "2019"), ("a2021", "A", 2021, "2021"),
                        ("a2022", "A", 2022, "2021"), ("a2022bis", "A", 2022, "2021"), ("x2021", None, 2021, "2021"),
                        ("b2022", "B", 2022, "2021")])
    sides = judge_sides(cross_year_sides(_facts(values), reports), "cross_year_identities")
    by = {(r["report_id"], r["expectation"], r["scope"]): r for r in sides.iter_rows(named=True)}
    # 2020 → 2021 changes template: carryover only; 2021 → 2022 both identities (for a2022 and its republication)
    assert {(rid, e) for rid, e, _ in by} == {
        ("a2021", "carryover_continuity"), ("a2022", "carryover_continuity"), ("a2022", "in_force_continuity"),
        ("a2022bis", "carryover_continuity"), ("a2022bis", "in_force_continuity"),
    }
    assert by[("a2022", "carryover_continuity", "other_org")]["success"] is False
    assert by[("a2022", "carryover_continuity", "total")]["success"] is True
    assert by[("a2021", "carryover_continuity", "total")]["success"] is True
    regulations = by[("a2022", "in_force_continuity", "regulations")]
    assert (regulations["observed"], regulations["expected"], regulations["success"]) == (1.0, 0.0 + 1.0 - 1.0, False)
    assert regulations["blank_cells"] == ["a2021:regulations/in_force"]
    assert [(c["report_id"], c["column_code"]) for c in regulations["cells"]] == [
        ("a2021", "in_force"), ("a2022", "in_force"), ("a2022", "issued"), ("a2022", "repealed")]
    normative = by[("a2022", "in_force_continuity", "normative_documents")]
    assert (normative["success"], normative["missing_cells"]) == (None, ["a2022:normative_documents/issued"])
    thin = by[("a2022bis", "carryover_continuity", "other_org")]
    assert (thin["success"], thin["missing_cells"]) == (None, ["a2022bis:carried_over/other_org"])


def test_cross_year_items_are_the_ones_the_terms_read():
    assert sorted(cross_year_items()) == [("applications", "carried_forward"), ("applications", "carried_over"),
                                          ("proactive", "normative_documents"), ("proactive", "regulations")]


def test_completeness_counts_found_and_blank_cells_per_table():
    values = _full("r", "2019")
    del values[("r", "proactive", "regulations", "new_made")]
    values[("r", "applications", "granted", "total")] = None
    rows = completeness_sides(_facts(values), {"r": "2019"}).iter_rows(named=True)
    sides = {(r["expectation"], r["scope"]): r for r in rows}
    cells = sum(c.table_code == "proactive" for c in catalog.cells("2019"))
    proactive = sides[("completeness", "proactive")]
    assert (proactive["observed"], proactive["expected"]) == (cells - 1, cells)
    assert sides[("completeness", "proactive")]["missing_cells"] == ["regulations/new_made"]
    blanks = sides[("blank_cells", "applications")]
    assert (blanks["observed"], blanks["blank_cells"]) == (1.0, ["granted/total"])
    assert sides[("blank_cells", "proactive")]["observed"] == 0.0


def test_value_domain_flags_come_from_the_catalog_rules():
    facts = pl.DataFrame(
        [("r", "proactive", "regulations", "change", "count", -2.0),
         ("r", "proactive", "fees", "fee_amount", "yuan", 1.5),
         ("r", "applications", "granted", "total", "count", 1.5)],
        schema=FACT_SCHEMA, orient="row",
    )
    frame = domain_frame(facts)
    assert frame.select("signed", "counted", "whole").rows() == [
        (True, True, True), (False, False, False), (False, True, False)
    ]
