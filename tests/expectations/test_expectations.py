import polars as pl

from expectations.runner import judge_sides
from expectations.suites import sides_suite
from transforms import catalog
from transforms.identities import IDENTITY_SCHEMA, identity_sides


def test_suite_has_one_expectation_per_identity():
    suite = sides_suite("in_report_identities")
    assert [e.meta["expectation"] for e in suite.expectations] == list(catalog.IDENTITIES)


def test_verdicts_per_row():
    sides = pl.DataFrame(
        [
            ("r", "applications_balance", "total", 4.0, 4.0, True, [], [], []),
            ("r", "applications_balance", "other_org", 4.0, 0.0, True, [], [], []),
            ("r", "review_litigation_total", "administrative_review", None, None, False, [], ["administrative_review/total"], []),
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
